//! The channel axis of stacked traces and heatmaps (ticks at the channels' rows, thinned so their labels
//! never overlap) and the hover read-out (channel, time and value under the pointer). No egui here.

use std::sync::Arc;

use super::data::PlotData;
use super::traces::{LaneSpec, Trace, Traces};

/// Least distance, in points, between two labelled channel ticks (egui_plot fades tick labels in
/// from 20 to 30 points apart).
pub(crate) const MIN_TICK_POINTS: f64 = 30.0;

/// One tick of the channel axis.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct ChannelTick {
    /// Plot y of the tick (a channel's row).
    pub value: f64,
    /// Plot distance to the next tick.
    pub step: f64,
}

/// Every how-many-th channel gets a tick: the least of 1, 2, 5, 10, 20, 50, … whose ticks lie at least
/// `min_points` apart when neighbouring channels lie `points_per_channel` apart.
pub(crate) fn tick_every(points_per_channel: f64, min_points: f64) -> usize {
    if !(points_per_channel.is_finite() && points_per_channel > 0.0) {
        return usize::MAX;
    }
    let mut decade = 1usize;
    loop {
        for k in [decade, 2 * decade, 5 * decade] {
            if k as f64 * points_per_channel >= min_points {
                return k;
            }
        }
        match decade.checked_mul(10) {
            Some(next) => decade = next,
            None => return usize::MAX,
        }
    }
}

/// Ticks at the rows `pos * spacing` of positions `0, k, 2k, …` below `count` that lie within `bounds`
/// (plot y), `k` from [`tick_every`] at `points_per_unit` points per plot unit.
pub(crate) fn channel_ticks(
    count: usize,
    spacing: f64,
    bounds: (f64, f64),
    points_per_unit: f64,
) -> Vec<ChannelTick> {
    if count == 0 || !(spacing.is_finite() && spacing > 0.0) {
        return Vec::new();
    }
    let k = tick_every(spacing * points_per_unit, MIN_TICK_POINTS);
    if k == usize::MAX {
        return Vec::new();
    }
    let step = k as f64 * spacing;
    let (lo, hi) = (bounds.0.min(bounds.1), bounds.0.max(bounds.1));
    // Ticks k apart, from the first at or above `lo` to the last at or below `hi` and `count - 1`.
    let first = (lo / step).ceil().max(0.0);
    let last = (hi / step).floor().min(((count - 1) / k) as f64);
    if !(first.is_finite() && last.is_finite()) || first > last {
        return Vec::new();
    }
    (first as usize..=last as usize)
        .map(|i| ChannelTick {
            value: i as f64 * step,
            step,
        })
        .collect()
}

/// The label of the channel axis at plot y `value`: `ch N` (N the channel shown at that row), or empty
/// where no channel sits.
pub(crate) fn channel_label(channels: &[usize], spacing: f64, value: f64) -> String {
    if !(spacing.is_finite() && spacing > 0.0) {
        return String::new();
    }
    let pos = (value / spacing).round();
    if pos < 0.0 || (value - pos * spacing).abs() > spacing * 1e-6 {
        return String::new();
    }
    channels
        .get(pos as usize)
        .map_or_else(String::new, |ch| format!("ch {ch}"))
}

/// The display position whose band (half a `spacing` either side of its row `pos * spacing`) holds `y`,
/// among `count`; with `clamp`, a `y` beyond the outer bands is the outer position, else none.
pub(crate) fn position_at(y: f64, spacing: f64, count: usize, clamp: bool) -> Option<usize> {
    if count == 0 || !(spacing.is_finite() && spacing > 0.0) || !y.is_finite() {
        return None;
    }
    let pos = (y / spacing).round();
    let last = (count - 1) as f64;
    if clamp {
        Some(pos.clamp(0.0, last) as usize)
    } else if (0.0..=last).contains(&pos) {
        Some(pos as usize)
    } else {
        None
    }
}

/// The held sample nearest plot x `x` (`x_scale` plot units per sample, sample 0 held is stored index
/// `first`, `held` samples held), or none outside the held samples.
pub(crate) fn sample_at(x: f64, x_scale: f64, first: u64, held: u64) -> Option<u64> {
    if !(x.is_finite() && x_scale.is_finite() && x_scale > 0.0) {
        return None;
    }
    let index = (x / x_scale).round() - first as f64;
    (index >= 0.0 && index < held as f64).then_some(index as u64)
}

/// The column of `trace` nearest stored sample index `sample`.
fn column_at(trace: &Trace, sample: f64) -> Option<usize> {
    let after = trace.x.partition_point(|&x| x < sample);
    let before = after.checked_sub(1);
    match (before, trace.x.get(after)) {
        (Some(b), Some(&a)) if sample - trace.x[b] <= a - sample => Some(b),
        (_, Some(_)) => Some(after),
        (Some(b), None) => Some(b),
        (None, None) => None,
    }
}

/// How far `y` lies from column `col` of `trace` drawn with `gain` at baseline 0 (0 inside its
/// min–max span; infinite for a gap).
fn distance_to_column(trace: &Trace, col: usize, y: f64, gain: f64) -> f64 {
    let (Some(&lo), Some(&hi)) = (trace.min.get(col), trace.max.get(col)) else {
        return f64::INFINITY;
    };
    if lo.is_nan() || hi.is_nan() {
        return f64::INFINITY;
    }
    let (a, b) = (lo * gain, hi * gain);
    let (lo, hi) = (a.min(b), a.max(b));
    if y < lo {
        lo - y
    } else if y > hi {
        y - hi
    } else {
        0.0
    }
}

/// How the traces under the pointer are drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum ReadoutKind {
    /// Overlaid: the nearest trace.
    Line,
    /// Stacked `offset` apart: the trace whose band the pointer is in.
    Stacked {
        /// Distance between baselines.
        offset: f64,
    },
    /// One row per channel at y = position: the cell under the pointer.
    Heatmap,
}

/// What lies under the pointer.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Hover {
    /// The channel's index in the array.
    pub channel: usize,
    /// Stored-array index of the sample.
    pub sample: u64,
    /// The sample's value (as stored; no gain or offset).
    pub value: f64,
    /// A heatmap cell's colour value: the column's largest |value|.
    pub peak: Option<f64>,
}

/// Everything the hover read-out reads: the data, the envelopes drawn and how they are drawn.
pub(crate) struct Readout {
    /// The bytes plotted.
    pub data: PlotData,
    /// How channels map to lanes.
    pub spec: LaneSpec,
    /// The envelopes drawn (display positions and channels).
    pub traces: Arc<Traces>,
    /// Line, Stacked or Heatmap.
    pub kind: ReadoutKind,
    /// Values are drawn multiplied by this.
    pub gain: f64,
    /// Plot x per sample index.
    pub x_scale: f64,
    /// Sampling rate in Hz (time in seconds), if set.
    pub rate: Option<f64>,
}

impl Readout {
    /// What lies at plot point (`x`, `y`): the channel (by mode), the sample nearest `x` and its value read
    /// from the data (one sample; no scan).
    pub(crate) fn at(&self, x: f64, y: f64) -> Option<Hover> {
        let first = self.spec.first_index(&self.data);
        let held = self.spec.samples(&self.data);
        let index = sample_at(x, self.x_scale, first, held)?;
        let sample = first + index;
        let count = self.traces.traces.len();
        let pos = match self.kind {
            ReadoutKind::Stacked { offset } => position_at(y, offset, count, true)?,
            ReadoutKind::Heatmap => position_at(y, 1.0, count, false)?,
            ReadoutKind::Line => self.nearest(sample as f64, y)?,
        };
        let trace = self.traces.traces.get(pos)?;
        let lane = self.spec.lane(&self.data, trace.channel).ok()?;
        let value = lane.get(usize::try_from(index).ok()?)?;
        let peak = match self.kind {
            ReadoutKind::Heatmap => column_at(trace, sample as f64).and_then(|c| {
                let (lo, hi) = (trace.min.get(c)?, trace.max.get(c)?);
                Some(lo.abs().max(hi.abs()))
            }),
            _ => None,
        };
        Some(Hover {
            channel: trace.channel,
            sample,
            value,
            peak,
        })
    }

    /// The display position of the trace drawn nearest `y` at stored sample index `sample` (Line mode).
    fn nearest(&self, sample: f64, y: f64) -> Option<usize> {
        self.traces
            .traces
            .iter()
            .enumerate()
            .filter_map(|(pos, t)| {
                let col = column_at(t, sample)?;
                Some((pos, distance_to_column(t, col, y, self.gain)))
            })
            .filter(|(_, d)| d.is_finite())
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(pos, _)| pos)
    }

    /// The read-out at plot point (`x`, `y`), e.g. `ch 12 · 1.23450 s · -84.2`.
    pub(crate) fn text(&self, x: f64, y: f64) -> Option<String> {
        let hover = self.at(x, y)?;
        Some(hover_text(&hover, self.rate, self.spec.transposed))
    }
}

/// The read-out of `hover`: channel, time (seconds at `rate`, else the row, or the column of transposed
/// data) and value.
pub(crate) fn hover_text(hover: &Hover, rate: Option<f64>, transposed: bool) -> String {
    let time = match rate {
        Some(rate) => {
            let decimals = rate.log10().ceil().clamp(0.0, 9.0) as usize;
            format!("{:.*} s", decimals, hover.sample as f64 / rate)
        }
        None if transposed => format!("column {}", hover.sample),
        None => format!("row {}", hover.sample),
    };
    let mut text = format!(
        "ch {} · {time} · {}",
        hover.channel,
        format_value(hover.value)
    );
    if let Some(peak) = hover.peak {
        text.push_str(&format!(" · column max |v| {}", format_value(peak)));
    }
    text
}

/// A value with about four significant digits (integers whole; very large or small ones in
/// scientific notation).
pub(crate) fn format_value(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return format!("{v:.0}");
    }
    let magnitude = v.abs().log10().floor();
    if !(-3.0..5.0).contains(&magnitude) {
        return format!("{v:.3e}");
    }
    let decimals = (3.0 - magnitude).clamp(0.0, 6.0) as usize;
    format!("{v:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::array::NdArray;
    use crate::npy::{ByteOrder, DType, ScalarKind, ScalarType};
    use crate::ui::plot::traces::{self, Pyramids, TraceRequest};

    /// A (rows, channels) float32 array in memory, value `t + 1000 c`, held from stored row `first_row`.
    fn data(rows: u64, channels: u64, first_row: u64) -> PlotData {
        let dtype = DType::Scalar(ScalarType {
            order: ByteOrder::Little,
            kind: ScalarKind::Float(4),
        });
        let bytes: Vec<u8> = (0..rows)
            .flat_map(|t| (0..channels).map(move |c| (t + 1000 * c) as f32))
            .flat_map(f32::to_le_bytes)
            .collect();
        let array =
            NdArray::from_parts(&dtype, false, &[rows, channels], &bytes).expect("an array");
        PlotData::Memory {
            array: Arc::new(array),
            first_row,
            total_rows: first_row + rows + 100,
        }
    }

    /// A read-out of channels `channels` of `data` drawn `kind`, every sample raw.
    fn readout(data: PlotData, channels: Vec<usize>, kind: ReadoutKind) -> Readout {
        let rows = data.shape().first().copied().unwrap_or(0);
        let req = TraceRequest {
            range: 0..rows,
            width: 1000,
            channels,
            spec: LaneSpec::default(),
            generation: 0,
        };
        let traces = traces::compute(&data, &req, &Pyramids::new());
        Readout {
            data,
            spec: LaneSpec::default(),
            traces: Arc::new(traces),
            kind,
            gain: 1.0,
            x_scale: 1.0,
            rate: None,
        }
    }

    #[test]
    fn ticks_thin_out_so_labels_never_crowd() {
        assert_eq!(tick_every(40.0, 30.0), 1);
        assert_eq!(tick_every(30.0, 30.0), 1);
        assert_eq!(tick_every(20.0, 30.0), 2);
        assert_eq!(tick_every(7.0, 30.0), 5);
        assert_eq!(tick_every(0.5, 30.0), 100);
        assert_eq!(tick_every(0.0, 30.0), usize::MAX);
        // 32 channels 100 apart over 400 points: 12.5 points a channel, every 5th labelled.
        let ticks = channel_ticks(32, 100.0, (-100.0, 3200.0), 400.0 / 3300.0);
        let values: Vec<f64> = ticks.iter().map(|t| t.value).collect();
        assert_eq!(
            values,
            vec![0.0, 500.0, 1000.0, 1500.0, 2000.0, 2500.0, 3000.0]
        );
        assert!(ticks.iter().all(|t| t.step == 500.0));
        assert!(
            ticks
                .windows(2)
                .all(|w| (w[1].value - w[0].value) * 400.0 / 3300.0 >= 30.0)
        );
        // Room for every channel: all of them, within the visible rows only.
        let ticks = channel_ticks(4, 100.0, (150.0, 1000.0), 1.0);
        let values: Vec<f64> = ticks.iter().map(|t| t.value).collect();
        assert_eq!(values, vec![200.0, 300.0]);
        assert!(channel_ticks(0, 100.0, (0.0, 1.0), 1.0).is_empty());
        assert!(channel_ticks(4, 0.0, (0.0, 1.0), 1.0).is_empty());
    }

    #[test]
    fn ticks_are_labelled_by_channel() {
        let channels = [3, 7, 12];
        assert_eq!(channel_label(&channels, 50.0, 0.0), "ch 3");
        assert_eq!(channel_label(&channels, 50.0, 100.0), "ch 12");
        assert_eq!(channel_label(&channels, 50.0, 25.0), "");
        assert_eq!(channel_label(&channels, 50.0, 150.0), "");
        assert_eq!(channel_label(&channels, 50.0, -50.0), "");
        // Heatmap rows are one apart.
        assert_eq!(channel_label(&channels, 1.0, 1.0), "ch 7");
    }

    #[test]
    fn pointer_maps_to_position_and_sample() {
        // Bands half an offset either side of each baseline.
        assert_eq!(position_at(0.0, 100.0, 4, true), Some(0));
        assert_eq!(position_at(49.0, 100.0, 4, true), Some(0));
        assert_eq!(position_at(51.0, 100.0, 4, true), Some(1));
        assert_eq!(position_at(-500.0, 100.0, 4, true), Some(0));
        assert_eq!(position_at(900.0, 100.0, 4, true), Some(3));
        assert_eq!(position_at(-0.6, 1.0, 4, false), None);
        assert_eq!(position_at(3.4, 1.0, 4, false), Some(3));
        assert_eq!(position_at(3.6, 1.0, 4, false), None);
        assert_eq!(position_at(1.0, 1.0, 0, true), None);
        // x in seconds at 1 kHz, samples 100.. held: 0.1234 s is stored sample 123, held sample 23.
        assert_eq!(sample_at(0.1234, 1e-3, 100, 50), Some(23));
        assert_eq!(sample_at(0.0996, 1e-3, 100, 50), Some(0));
        assert_eq!(sample_at(0.0994, 1e-3, 100, 50), None);
        assert_eq!(sample_at(0.150, 1e-3, 100, 50), None);
        assert_eq!(sample_at(f64::NAN, 1.0, 0, 50), None);
    }

    #[test]
    fn stacked_readout_names_the_band_and_reads_the_sample() {
        // Rows 10.. held; channels 5 and 2 stacked 10,000 apart.
        let r = readout(
            data(200, 6, 10),
            vec![5, 2],
            ReadoutKind::Stacked { offset: 10_000.0 },
        );
        let hover = r.at(52.2, 10_400.0).expect("a hover");
        assert_eq!(hover.channel, 2);
        assert_eq!(hover.sample, 52);
        // Channel 2's value at held row 42: 42 + 2000.
        assert_eq!(hover.value, 2042.0);
        assert_eq!(r.at(52.0, 3000.0).map(|h| h.channel), Some(5));
        assert_eq!(r.at(9.0, 0.0), None, "before the rows held");
        assert_eq!(
            r.text(52.0, 10_400.0).as_deref(),
            Some("ch 2 · row 52 · 2042")
        );
    }

    #[test]
    fn line_readout_takes_the_nearest_trace() {
        // Overlaid: channel 1 runs near 1000 + t, channel 3 near 3000 + t.
        let mut r = readout(data(100, 4, 0), vec![1, 3], ReadoutKind::Line);
        assert_eq!(r.at(20.0, 1200.0).map(|h| h.channel), Some(1));
        assert_eq!(r.at(20.0, 2900.0).map(|h| h.channel), Some(3));
        assert_eq!(r.at(20.0, 2900.0).map(|h| h.value), Some(3020.0));
        // Gain scales what is drawn, not the value read.
        r.gain = 0.5;
        let hover = r.at(20.0, 1400.0).expect("a hover");
        assert_eq!((hover.channel, hover.value), (3, 3020.0));
    }

    #[test]
    fn heatmap_readout_names_the_cell() {
        let mut r = readout(data(100, 4, 0), vec![0, 1, 2], ReadoutKind::Heatmap);
        r.rate = Some(1000.0);
        r.x_scale = 1e-3;
        let hover = r.at(0.030, 2.2).expect("a cell");
        assert_eq!((hover.channel, hover.sample, hover.value), (2, 30, 2030.0));
        assert_eq!(hover.peak, Some(2030.0));
        assert_eq!(r.at(0.030, 2.6), None, "above the last row");
        assert_eq!(
            r.text(0.030, 2.2).as_deref(),
            Some("ch 2 · 0.030 s · 2030 · column max |v| 2030")
        );
    }

    #[test]
    fn values_keep_four_digits() {
        assert_eq!(format_value(-84.2), "-84.20");
        assert_eq!(format_value(1.23456), "1.235");
        assert_eq!(format_value(12345.6), "12346");
        assert_eq!(format_value(123_456.7), "1.235e5");
        assert_eq!(format_value(0.000_12), "1.200e-4");
        assert_eq!(format_value(42.0), "42");
        assert_eq!(format_value(f64::NAN), "NaN");
    }
}
