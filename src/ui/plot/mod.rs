//! The preview plot: the first channel of a row window as a line, reduced to at most a few
//! thousand points (min and max per bucket, so spikes survive) before it reaches the frame.
//! The full plot panel with the level-of-detail pyramid comes later.

use crate::array::{NdArray, Selection};
use crate::npy::{DType, ScalarKind};

pub(crate) mod data;

/// Buckets of the reduced line; each gives its min and max.
const MAX_BUCKETS: usize = 2_000;

/// What the preview shows: points, or why there are none.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Series {
    /// `[row, value]` points of the first channel.
    Line(Vec<[f64; 2]>),
    /// Why nothing is plotted (text dtype, structured without a numeric field, …).
    NotPlotted(String),
}

/// `true` for byte-string and unicode dtypes, which have no numbers to plot.
pub(crate) fn is_text(dtype: &DType) -> bool {
    matches!(
        dtype,
        DType::Scalar(s) if matches!(s.kind, ScalarKind::Bytes(_) | ScalarKind::Str(_))
    )
}

/// The first channel/column of `data` (rows starting at `first_row`), reduced for drawing.
pub(crate) fn series(data: &NdArray, first_row: u64) -> Series {
    if is_text(data.dtype()) {
        return Series::NotPlotted("text dtype, not plotted".to_string());
    }
    let lane = match data.lane(None, &Selection::default()) {
        Ok(lane) => lane,
        Err(err) => return Series::NotPlotted(format!("not plotted: {err}")),
    };
    let mut values = Vec::with_capacity(lane.len);
    lane.fill_f64(0..lane.len, &mut values);
    Series::Line(reduce(&values, first_row as f64))
}

/// Min/max per bucket: a line through at most `2 * MAX_BUCKETS` points that keeps every peak.
pub(crate) fn reduce(values: &[f64], x0: f64) -> Vec<[f64; 2]> {
    if values.len() <= 2 * MAX_BUCKETS {
        return values
            .iter()
            .enumerate()
            .map(|(i, &v)| [x0 + i as f64, v])
            .collect();
    }
    let per_bucket = values.len().div_ceil(MAX_BUCKETS);
    let mut points = Vec::with_capacity(2 * MAX_BUCKETS);
    for (b, chunk) in values.chunks(per_bucket).enumerate() {
        let start = b * per_bucket;
        let (mut lo, mut hi) = (0usize, 0usize);
        for (i, v) in chunk.iter().enumerate() {
            // NaN never wins a comparison, so a bucket's first finite extreme is kept.
            if *v < chunk[lo] || chunk[lo].is_nan() {
                lo = i;
            }
            if *v > chunk[hi] || chunk[hi].is_nan() {
                hi = i;
            }
        }
        let (first, second) = (lo.min(hi), lo.max(hi));
        points.push([x0 + (start + first) as f64, chunk[first]]);
        if second != first {
            points.push([x0 + (start + second) as f64, chunk[second]]);
        }
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::npy::{ByteOrder, ScalarType};

    fn scalar(order: ByteOrder, kind: ScalarKind) -> DType {
        DType::Scalar(ScalarType { order, kind })
    }

    #[test]
    fn first_column_plotted_text_noted() -> Result<(), crate::array::ArrayError> {
        let dtype = scalar(ByteOrder::Little, ScalarKind::Float(8));
        let values: Vec<u8> = [1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let data = NdArray::from_parts(&dtype, false, &[3, 2], &values)?;
        assert_eq!(
            series(&data, 10),
            Series::Line(vec![[10.0, 1.0], [11.0, 3.0], [12.0, 5.0]])
        );
        let text = scalar(ByteOrder::NotApplicable, ScalarKind::Bytes(2));
        let data = NdArray::from_parts(&text, false, &[2], b"abcd")?;
        assert_eq!(
            series(&data, 0),
            Series::NotPlotted("text dtype, not plotted".to_string())
        );
        Ok(())
    }

    #[test]
    fn reduce_keeps_peaks_and_order() {
        let mut values = vec![0.0; 100_000];
        values[12_345] = 9.0;
        values[77_777] = -4.0;
        let points = reduce(&values, 10.0);
        assert!(points.len() <= 2 * MAX_BUCKETS);
        assert!(points.contains(&[10.0 + 12_345.0, 9.0]));
        assert!(points.contains(&[10.0 + 77_777.0, -4.0]));
        assert!(points.windows(2).all(|w| w[0][0] <= w[1][0]));
        assert_eq!(reduce(&[1.0, 2.0], 0.0), vec![[0.0, 1.0], [1.0, 2.0]]);
    }
}
