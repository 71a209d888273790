//! The pure part of the traces view: which mode an array gets, which lanes its channels are, and the
//! per-pixel-column envelopes of the visible window (from a pyramid, exact decimation, or a coarse
//! stride while a pyramid is being built). No egui here.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use rayon::prelude::*;

use super::data::PlotData;
use crate::array::{ComplexPart, Lane, NumKind, Selection};
use crate::npy::{DType, ScalarKind, ScalarType};
use crate::signal::{self, Columns, Pyramid};

/// Most channels the Stacked default takes (2-D arrays with more columns default to Image).
pub(crate) const MAX_STACKED_CHANNELS: u64 = 1024;
/// Samples (over all channels) one recomputation may scan without a pyramid before it strides.
pub(crate) const SCAN_BUDGET: u64 = 1 << 24;
/// Samples (rows x channels) from which whole data gets a background pyramid.
pub(crate) const PYRAMID_ROWS: u64 = 1 << 20;

/// How the panel draws numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Mode {
    /// Channels overlaid on one axis.
    Line,
    /// Channels stacked at `k * offset`.
    Stacked,
    /// Values as an image (the image view).
    Image,
}

impl Mode {
    /// The three modes, in button order.
    pub(crate) const ALL: [Mode; 3] = [Mode::Line, Mode::Stacked, Mode::Image];

    /// The button's label.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Mode::Line => "Line",
            Mode::Stacked => "Stacked",
            Mode::Image => "Image",
        }
    }
}

/// What the panel shows for an array before any choice of the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Layout {
    /// A 0-d array: its value as text.
    Value,
    /// Byte-string or unicode values: nothing to plot.
    Text,
    /// No elements at all.
    Empty,
    /// A plot in this mode.
    Plot(Mode),
}

/// The default view of an array of `shape` (the stored shape: rows first) and `dtype`: 1-D → Line; 2-D
/// (T, C) with C ≤ 1024 and T ≥ C → Stacked; other 2-D and ≥3-D → Image.
pub(crate) fn default_layout(shape: &[u64], dtype: &DType) -> Layout {
    if is_text(dtype) {
        return Layout::Text;
    }
    if shape.is_empty() {
        return Layout::Value;
    }
    if shape.contains(&0) {
        return Layout::Empty;
    }
    match shape {
        [_] => Layout::Plot(Mode::Line),
        [t, c] if *c <= MAX_STACKED_CHANNELS && t >= c => Layout::Plot(Mode::Stacked),
        _ => Layout::Plot(Mode::Image),
    }
}

/// `true` for byte-string and unicode dtypes, which have no numbers to plot.
pub(crate) fn is_text(dtype: &DType) -> bool {
    matches!(
        dtype,
        DType::Scalar(s) if matches!(s.kind, ScalarKind::Bytes(_) | ScalarKind::Str(_))
    )
}

/// The numeric leaf fields of a structured dtype as paths (nested names), in order; empty for plain dtypes.
pub(crate) fn numeric_fields(dtype: &DType) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    if let DType::Structured(fields) = dtype {
        for field in fields.iter().filter(|f| !f.is_padding()) {
            match &field.dtype {
                DType::Scalar(s) if is_numeric(s) => out.push(vec![field.name.clone()]),
                DType::Scalar(_) => {}
                inner @ DType::Structured(_) => {
                    for mut path in numeric_fields(inner) {
                        path.insert(0, field.name.clone());
                        out.push(path);
                    }
                }
            }
        }
    }
    out
}

/// Whether a lane can read this scalar type.
fn is_numeric(s: &ScalarType) -> bool {
    NumKind::from_scalar(s, ComplexPart::Real).is_ok()
}

/// The scalar type at the end of a field path (the dtype itself for an empty path).
pub(crate) fn leaf_scalar(dtype: &DType, path: &[String]) -> Option<ScalarType> {
    let mut cur = dtype;
    for name in path {
        let DType::Structured(fields) = cur else {
            return None;
        };
        cur = &fields
            .iter()
            .find(|f| !f.is_padding() && &f.name == name)?
            .dtype;
    }
    match cur {
        DType::Scalar(s) => Some(*s),
        DType::Structured(_) => None,
    }
}

/// Elements of one row of the field at `path` (its sub-array size; 1 for plain fields).
fn field_elements(dtype: &DType, path: &[String]) -> u64 {
    let mut cur = dtype;
    let mut count = 1u64;
    for name in path {
        let DType::Structured(fields) = cur else {
            return count;
        };
        let Some(f) = fields.iter().find(|f| !f.is_padding() && &f.name == name) else {
            return count;
        };
        count = f.shape.iter().fold(count, |a, &d| a.saturating_mul(d));
        cur = &f.dtype;
    }
    count
}

/// Whether values of this kind are drawn as steps (booleans and integers).
pub(crate) fn is_step_kind(kind: NumKind) -> bool {
    matches!(
        kind,
        NumKind::Bool
            | NumKind::I8
            | NumKind::U8
            | NumKind::I16(_)
            | NumKind::I32(_)
            | NumKind::I64(_)
            | NumKind::U16(_)
            | NumKind::U32(_)
            | NumKind::U64(_)
    )
}

/// Which lanes the channels are: the element chosen per row, optionally with the axes swapped.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub(crate) struct LaneSpec {
    /// Field path (structured dtypes).
    pub field: Vec<String>,
    /// Complex part.
    pub part: ComplexPart,
    /// A (C, T) array: channels are rows, samples run along axis 1.
    pub transposed: bool,
}

impl LaneSpec {
    /// Channels the data has under this spec.
    pub(crate) fn channel_count(&self, data: &PlotData) -> u64 {
        let shape = data.shape();
        if self.transposed {
            return shape.first().copied().unwrap_or(1);
        }
        let trailing = shape.iter().skip(1).fold(1u64, |a, &d| a.saturating_mul(d));
        trailing.saturating_mul(field_elements(data.dtype(), &self.field))
    }

    /// Samples per channel held.
    pub(crate) fn samples(&self, data: &PlotData) -> u64 {
        let shape = data.shape();
        if self.transposed {
            shape.get(1).copied().unwrap_or(0)
        } else {
            shape.first().copied().unwrap_or(1)
        }
    }

    /// The stored-array index of sample 0 (a preview's first row; 0 for transposed data).
    pub(crate) fn first_index(&self, data: &PlotData) -> u64 {
        if self.transposed { 0 } else { data.first_row() }
    }

    /// Samples of the stored array along the sample axis (a preview's total rows).
    pub(crate) fn total_samples(&self, data: &PlotData) -> u64 {
        if self.transposed {
            self.samples(data)
        } else {
            data.total_rows()
        }
    }

    /// Whether swapping axes applies to this data (2-D, one element per field).
    pub(crate) fn can_transpose(data: &PlotData, field: &[String]) -> bool {
        data.shape().len() == 2 && field_elements(data.dtype(), field) == 1
    }

    /// The lane of `channel` over all samples held, or why there is none.
    pub(crate) fn lane<'a>(&self, data: &'a PlotData, channel: usize) -> Result<Lane<'a>, String> {
        let sel = |element: u64| Selection {
            field: self.field.clone(),
            element,
            part: self.part,
        };
        if !self.transposed {
            return data
                .lane(None, &sel(channel as u64))
                .map_err(|e| e.to_string());
        }
        // Channel c is row c; its samples are elements 0, 1, … of that row: the stride is the distance
        // between elements 0 and 1 (itemsize for C order, a whole column for Fortran order).
        let count = self.channel_count(data);
        if channel as u64 >= count {
            return Err(format!(
                "channel {channel} does not exist: there are {count} channels; pick channels below {count}"
            ));
        }
        let row = channel as u64..channel as u64 + 1;
        let lane0 = data
            .lane(Some(row.clone()), &sel(0))
            .map_err(|e| e.to_string())?;
        let len = self.samples(data);
        if lane0.len == 0 || len == 0 {
            return Ok(Lane { len: 0, ..lane0 });
        }
        let stride = if len > 1 {
            let lane1 = data.lane(Some(row), &sel(1)).map_err(|e| e.to_string())?;
            lane1
                .first
                .checked_sub(lane0.first)
                .ok_or("the array's axes run backwards")?
        } else {
            lane0.kind.size()
        };
        let len =
            usize::try_from(len).map_err(|_| "too many samples for this machine".to_string())?;
        let end = (len - 1)
            .checked_mul(stride)
            .and_then(|o| o.checked_add(lane0.first))
            .and_then(|o| o.checked_add(lane0.kind.size()));
        match end {
            Some(end) if end <= lane0.bytes.len() => Ok(Lane {
                stride,
                len,
                ..lane0
            }),
            _ => Err(format!(
                "channel {channel} does not fit in the array's bytes; turn Transpose off"
            )),
        }
    }
}

/// The envelope of one channel in the visible window: raw values (no gain or offset).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Trace {
    /// The channel's index in the array.
    pub channel: usize,
    /// Column positions, in stored-array sample indices.
    pub x: Vec<f64>,
    /// Column minima (NaN: a gap).
    pub min: Vec<f64>,
    /// Column maxima.
    pub max: Vec<f64>,
    /// First sample of each column.
    pub first: Vec<f64>,
    /// Last sample of each column.
    pub last: Vec<f64>,
}

impl Trace {
    /// Converts decimated columns (lane indices scaled by `step` from `x0`) to a trace.
    fn from_columns(channel: usize, cols: &Columns, x0: f64, step: f64) -> Trace {
        Trace {
            channel,
            x: cols.iter().map(|c| x0 + c.x * step).collect(),
            min: cols.min.clone(),
            max: cols.max.clone(),
            first: cols.first.clone(),
            last: cols.last.clone(),
        }
    }
}

/// The envelopes of the visible window for all channels shown.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Traces {
    /// One per channel shown, in display order.
    pub traces: Vec<Trace>,
    /// Each column is one sample: draw a line (or steps) through them.
    pub raw: bool,
    /// Booleans or integers: draw steps.
    pub steps: bool,
    /// Computed from every `stride`-th sample (no pyramid yet for a huge window).
    pub stride: u64,
    /// Samples per column.
    pub samples_per_column: f64,
    /// Why some channels could not be drawn.
    pub errors: Vec<String>,
}

/// What a traces computation depends on (the cache key).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TraceRequest {
    /// Lane indices of the window (held samples, not stored-array rows).
    pub range: Range<u64>,
    /// Pixel columns.
    pub width: usize,
    /// Channels, in display order.
    pub channels: Vec<usize>,
    /// How channels map to lanes.
    pub spec: LaneSpec,
    /// Generation of the data and its pyramids.
    pub generation: u64,
}

/// Pyramids per channel for one lane spec.
pub(crate) type Pyramids = HashMap<usize, Arc<Pyramid>>;

/// The envelopes of `req` over `data`: from a pyramid where there is one, else decimation, else (window too
/// big to scan in a frame) every n-th sample.
pub(crate) fn compute(data: &PlotData, req: &TraceRequest, pyramids: &Pyramids) -> Traces {
    let n = req.range.end.saturating_sub(req.range.start);
    let unpyramided = req
        .channels
        .iter()
        .filter(|c| !pyramids.contains_key(c))
        .count() as u64;
    let stride = stride_for(n, unpyramided);
    let x0 = req.spec.first_index(data) as f64;
    let results: Vec<Result<(Trace, bool, bool), String>> = req
        .channels
        .par_iter()
        .map(|&channel| {
            let lane = req.spec.lane(data, channel)?;
            let steps = is_step_kind(lane.kind);
            let cols = match pyramids.get(&channel) {
                Some(pyr) => signal::aligned_view(pyr, &lane, req.range.clone(), req.width),
                None if stride > 1 => {
                    let strided = strided_lane(&lane, req.range.clone(), stride);
                    return decimated(channel, &strided, req, stride, x0, steps);
                }
                None => signal::decimate(&lane, req.range.clone(), req.width),
            }
            .map_err(|e| e.to_string())?;
            Ok((
                Trace::from_columns(channel, &cols, x0, 1.0),
                cols.raw,
                steps,
            ))
        })
        .collect();
    let mut out = Traces {
        stride,
        samples_per_column: n as f64 / req.width.max(1) as f64,
        raw: true,
        ..Traces::default()
    };
    for result in results {
        match result {
            Ok((trace, raw, steps)) => {
                out.raw &= raw;
                out.steps |= steps;
                out.traces.push(trace);
            }
            Err(err) => out.errors.push(err),
        }
    }
    if out.traces.is_empty() {
        out.raw = false;
    }
    out
}

/// Decimation of a strided lane (every `stride`-th sample of the window) mapped back to sample indices.
fn decimated(
    channel: usize,
    strided: &Lane<'_>,
    req: &TraceRequest,
    stride: u64,
    x0: f64,
    steps: bool,
) -> Result<(Trace, bool, bool), String> {
    let cols =
        signal::decimate(strided, 0..strided.len as u64, req.width).map_err(|e| e.to_string())?;
    let trace = Trace::from_columns(channel, &cols, x0 + req.range.start as f64, stride as f64);
    Ok((trace, false, steps))
}

/// The stride that keeps a scan of `n` samples of `channels` lanes within [`SCAN_BUDGET`] (1: scan all).
pub(crate) fn stride_for(n: u64, channels: u64) -> u64 {
    let total = n.saturating_mul(channels);
    if total <= SCAN_BUDGET {
        1
    } else {
        total.div_ceil(SCAN_BUDGET)
    }
}

/// Every `stride`-th sample of `range` of `lane`, as a lane of its own.
pub(crate) fn strided_lane<'a>(lane: &Lane<'a>, range: Range<u64>, stride: u64) -> Lane<'a> {
    let end = range.end.min(lane.len as u64);
    let start = range.start.min(end);
    let stride = stride.max(1);
    let len = (end - start).div_ceil(stride) as usize;
    let first = lane
        .first
        .saturating_add((start as usize).saturating_mul(lane.stride));
    Lane {
        first,
        stride: lane.stride.saturating_mul(stride as usize),
        len,
        ..*lane
    }
}

/// Whether `channels` traces are too many for `height_px` pixel rows (two per trace): draw a heatmap.
pub(crate) fn use_heatmap(channels: usize, height_px: f32) -> bool {
    channels as f32 > (height_px / 2.0).floor()
}

/// The baseline of the trace shown at position `pos`: `pos * offset`.
pub(crate) fn baseline(pos: usize, offset: f64) -> f64 {
    pos as f64 * offset
}

/// A stacking offset from per-channel spreads (robust ranges): the largest, so neighbours rarely overlap;
/// 1 when there is no spread at all.
pub(crate) fn default_offset(spreads: &[f64]) -> f64 {
    let max = spreads
        .iter()
        .copied()
        .filter(|s| s.is_finite() && *s > 0.0)
        .fold(0.0, f64::max);
    if max > 0.0 { max } else { 1.0 }
}

/// The range from the 0.5th to the 99.5th percentile of up to `limit` evenly spaced samples of `lane`.
pub(crate) fn robust_range(lane: &Lane<'_>, limit: usize) -> Option<(f64, f64)> {
    if lane.len == 0 {
        return None;
    }
    let step = lane.len.div_ceil(limit.max(1)).max(1);
    let mut values: Vec<f64> = (0..lane.len)
        .step_by(step)
        .filter_map(|i| lane.get(i))
        .filter(|v| v.is_finite())
        .collect();
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
    Some((at(0.005), at(0.995)))
}

/// Column values for a heatmap: per trace and column, the larger of |min| and |max| (NaN for gaps).
pub(crate) fn heat_values(traces: &Traces) -> Vec<Vec<f64>> {
    traces
        .traces
        .iter()
        .map(|t| {
            t.min
                .iter()
                .zip(&t.max)
                .map(|(lo, hi)| lo.abs().max(hi.abs()))
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::array::NdArray;
    use crate::npy::{ByteOrder, Field};

    fn f32_dtype() -> DType {
        DType::Scalar(ScalarType {
            order: ByteOrder::Little,
            kind: ScalarKind::Float(4),
        })
    }

    fn memory(shape: &[u64], values: &[f32]) -> PlotData {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        let array = NdArray::from_parts(&f32_dtype(), false, shape, &bytes).expect("an array");
        PlotData::Memory {
            array: Arc::new(array),
            first_row: 0,
            total_rows: shape.first().copied().unwrap_or(1),
        }
    }

    #[test]
    fn default_layout_per_shape() {
        let f = f32_dtype();
        assert_eq!(default_layout(&[], &f), Layout::Value);
        assert_eq!(default_layout(&[0], &f), Layout::Empty);
        assert_eq!(default_layout(&[10, 0], &f), Layout::Empty);
        assert_eq!(default_layout(&[100], &f), Layout::Plot(Mode::Line));
        assert_eq!(
            default_layout(&[300_000, 32], &f),
            Layout::Plot(Mode::Stacked)
        );
        assert_eq!(default_layout(&[32, 32], &f), Layout::Plot(Mode::Stacked));
        assert_eq!(default_layout(&[257, 400], &f), Layout::Plot(Mode::Image));
        assert_eq!(
            default_layout(&[10_000, 2000], &f),
            Layout::Plot(Mode::Image)
        );
        assert_eq!(
            default_layout(&[60, 128, 128], &f),
            Layout::Plot(Mode::Image)
        );
        assert_eq!(default_layout(&[2; 8], &f), Layout::Plot(Mode::Image));
        let text = DType::Scalar(ScalarType {
            order: ByteOrder::NotApplicable,
            kind: ScalarKind::Str(4),
        });
        assert_eq!(default_layout(&[5], &text), Layout::Text);
    }

    #[test]
    fn stacked_offsets_and_heatmap_threshold() {
        assert_eq!(baseline(0, 50.0), 0.0);
        assert_eq!(baseline(3, 50.0), 150.0);
        assert_eq!(default_offset(&[1.0, 4.0, f64::NAN, 2.0]), 4.0);
        assert_eq!(default_offset(&[0.0]), 1.0);
        assert_eq!(default_offset(&[]), 1.0);
        assert!(!use_heatmap(32, 300.0));
        assert!(!use_heatmap(150, 300.0));
        assert!(use_heatmap(151, 300.0));
        assert!(use_heatmap(2, 2.0));
    }

    #[test]
    fn fields_and_steps() {
        let i2 = DType::Scalar(ScalarType {
            order: ByteOrder::Little,
            kind: ScalarKind::Int(2),
        });
        let text = DType::Scalar(ScalarType {
            order: ByteOrder::NotApplicable,
            kind: ScalarKind::Bytes(3),
        });
        let field = |name: &str, dtype: DType, shape: Vec<u64>| Field {
            name: name.into(),
            title: None,
            dtype,
            shape,
            levels: Vec::new(),
        };
        let dtype = DType::Structured(vec![
            field("t", f32_dtype(), vec![]),
            field("label", text, vec![]),
            field(
                "inner",
                DType::Structured(vec![field("ch", i2, vec![])]),
                vec![],
            ),
            field("snippet", f32_dtype(), vec![8]),
        ]);
        assert_eq!(
            numeric_fields(&dtype),
            vec![
                vec!["t".to_string()],
                vec!["inner".to_string(), "ch".to_string()],
                vec!["snippet".to_string()]
            ]
        );
        assert_eq!(field_elements(&dtype, &["snippet".to_string()]), 8);
        assert!(leaf_scalar(&dtype, &["inner".into(), "ch".into()]).is_some());
        assert!(is_step_kind(NumKind::Bool));
        assert!(!is_step_kind(NumKind::F32(
            crate::array::lane::Endian::Little
        )));
    }

    #[test]
    fn transposed_lanes_are_rows() -> Result<(), String> {
        // (C=2, T=3): channel 1 is the second row.
        let data = memory(&[2, 3], &[0.0, 1.0, 2.0, 10.0, 11.0, 12.0]);
        let spec = LaneSpec {
            transposed: true,
            ..LaneSpec::default()
        };
        assert_eq!(spec.channel_count(&data), 2);
        assert_eq!(spec.samples(&data), 3);
        let lane = spec.lane(&data, 1)?;
        assert_eq!(
            (0..3).filter_map(|i| lane.get(i)).collect::<Vec<_>>(),
            vec![10.0, 11.0, 12.0]
        );
        assert!(spec.lane(&data, 2).is_err());
        let plain = LaneSpec::default();
        assert_eq!(plain.channel_count(&data), 3);
        let lane = plain.lane(&data, 2)?;
        assert_eq!(
            (0..2).filter_map(|i| lane.get(i)).collect::<Vec<_>>(),
            vec![2.0, 12.0]
        );
        Ok(())
    }

    #[test]
    fn compute_decimates_and_strides() {
        let values: Vec<f32> = (0..10_000).map(|i| (i % 100) as f32).collect();
        let data = memory(&[5_000, 2], &values);
        let req = TraceRequest {
            range: 0..5_000,
            width: 100,
            channels: vec![1, 0],
            spec: LaneSpec::default(),
            generation: 0,
        };
        let traces = compute(&data, &req, &Pyramids::new());
        assert_eq!(traces.traces.len(), 2);
        assert_eq!(traces.traces[0].channel, 1);
        assert_eq!(traces.traces[0].min.len(), 100);
        assert!(!traces.raw);
        assert_eq!(traces.stride, 1);
        let raw = compute(
            &data,
            &TraceRequest {
                range: 10..60,
                ..req.clone()
            },
            &Pyramids::new(),
        );
        assert!(raw.raw);
        assert_eq!(raw.traces[0].x[0], 10.0);
        assert_eq!(stride_for(1 << 20, 64), 4);
        assert_eq!(stride_for(100, 3), 1);
        let lane = data.lane(None, &Selection::default()).expect("a lane");
        let s = strided_lane(&lane, 10..20, 3);
        assert_eq!(s.len, 4);
        assert_eq!(s.get(1), lane.get(13));
    }

    #[test]
    fn robust_range_of_samples() {
        let data = memory(&[4], &[1.0, f32::NAN, 3.0, 5.0]);
        let lane = data.lane(None, &Selection::default()).expect("a lane");
        assert_eq!(robust_range(&lane, 100), Some((1.0, 5.0)));
    }
}
