//! The byte math of row windows: rows `a..b` of a C-order array (along axis 0), or of a Fortran-order array
//! (along the last axis), are one contiguous byte range of the file, so a window is one ranged read.

use std::ops::Range;

use super::error::{ArrayError, sizes};
use crate::npy::ArrayMeta;

/// Most parts [`split_range`] returns; larger ranges get larger parts.
pub const MAX_PARTS: u64 = 1 << 16;

/// A window of rows: where its bytes are in the file and the array they form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    /// Absolute byte range in the file (header included in the offsets).
    pub byte_range: Range<u64>,
    /// Shape of the window: the file's shape with the row axis cut to the window's rows.
    pub shape: Vec<u64>,
    /// Layout of the window's bytes (the file's).
    pub fortran_order: bool,
    /// The rows actually covered, after clamping to [`row_count`].
    pub rows: Range<u64>,
}

/// Rows of the array in the sense of windows: `shape[0]` in C order, `shape[last]` in Fortran order, 1 for 0-d.
pub fn row_count(meta: &ArrayMeta) -> u64 {
    let axis = if meta.fortran_order {
        meta.shape.last()
    } else {
        meta.shape.first()
    };
    axis.copied().unwrap_or(1)
}

/// Bytes of one row: the item size times every dimension but the row axis (checked).
pub fn row_bytes(meta: &ArrayMeta) -> Result<u64, ArrayError> {
    let others = match (meta.shape.len(), meta.fortran_order) {
        (0, _) => &meta.shape[..],
        (n, true) => &meta.shape[..n - 1],
        (_, false) => &meta.shape[1..],
    };
    let (_, bytes) = sizes(&meta.dtype, others)?;
    Ok(bytes)
}

/// The window of `rows`: like a numpy slice, the range is clamped to [`row_count`] (rows past the end give a
/// shorter or empty window, whose `rows` say what was covered); a reversed range is an error. A 0-d array has one
/// row; its empty window has shape `[0]`.
pub fn row_window(meta: &ArrayMeta, rows: Range<u64>) -> Result<Window, ArrayError> {
    if rows.start > rows.end {
        return Err(ArrayError::ReversedRange {
            start: rows.start,
            end: rows.end,
        });
    }
    let count = row_count(meta);
    let end = rows.end.min(count);
    let start = rows.start.min(end);
    let per_row = row_bytes(meta)?;
    let too_big = || ArrayError::TooBig("the window's byte range".to_string());
    let at = |row: u64| {
        row.checked_mul(per_row)
            .and_then(|b| b.checked_add(meta.data_offset))
            .ok_or_else(too_big)
    };
    let byte_range = at(start)?..at(end)?;
    let mut shape = meta.shape.clone();
    let axis = if meta.fortran_order {
        shape.len().checked_sub(1)
    } else if shape.is_empty() {
        None
    } else {
        Some(0)
    };
    match axis {
        Some(i) => shape[i] = end - start,
        None if end == start => shape = vec![0],
        None => {}
    }
    Ok(Window {
        byte_range,
        shape,
        fortran_order: meta.fortran_order,
        rows: start..end,
    })
}

/// Splits a byte range into consecutive parts of `part_bytes` (the last may be shorter), for concurrent ranged
/// requests. An empty range gives no parts; `part_bytes` 0 means one part; parts grow so there are at most
/// [`MAX_PARTS`].
pub fn split_range(range: Range<u64>, part_bytes: u64) -> Vec<Range<u64>> {
    if range.start >= range.end {
        return Vec::new();
    }
    let len = range.end - range.start;
    let part = if part_bytes == 0 {
        len
    } else {
        part_bytes.max(len.div_ceil(MAX_PARTS))
    };
    let mut out = Vec::with_capacity(usize::try_from(len.div_ceil(part)).unwrap_or(0));
    let mut at = range.start;
    while at < range.end {
        let next = at.saturating_add(part).min(range.end);
        out.push(at..next);
        at = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::npy::{DType, parse_typestr};

    fn meta(descr: &str, fortran_order: bool, shape: &[u64]) -> ArrayMeta {
        let dtype = DType::Scalar(parse_typestr(descr).unwrap());
        let itemsize = dtype.itemsize();
        let size = shape.iter().product();
        ArrayMeta {
            format_version: (1, 0),
            dtype,
            fortran_order,
            shape: shape.to_vec(),
            data_offset: 128,
            size,
            itemsize,
            nbytes: size * itemsize,
        }
    }

    #[test]
    fn c_and_fortran_windows() {
        let m = meta("<f4", false, &[10, 3]);
        assert_eq!(row_count(&m), 10);
        let w = row_window(&m, 2..5).unwrap();
        assert_eq!(
            (w.byte_range, w.shape, w.rows),
            (128 + 24..128 + 60, vec![3, 3], 2..5)
        );
        let m = meta("<f4", true, &[3, 10]);
        let w = row_window(&m, 8..20).unwrap();
        assert_eq!(
            (w.byte_range, w.shape, w.rows),
            (128 + 96..128 + 120, vec![3, 2], 8..10)
        );
        let w = row_window(&m, 30..40).unwrap();
        assert_eq!((w.byte_range, w.shape), (248..248, vec![3, 0]));
        assert_eq!(
            row_window(&m, Range { start: 4, end: 3 })
                .unwrap_err()
                .kind(),
            "reversed_range"
        );
    }

    #[test]
    fn zero_d_and_overflow() {
        let m = meta("<f8", false, &[]);
        assert_eq!(row_count(&m), 1);
        assert_eq!(row_window(&m, 0..5).unwrap().shape, Vec::<u64>::new());
        assert_eq!(row_window(&m, 1..5).unwrap().shape, vec![0]);
        let mut m = meta("<f8", false, &[4, 2]);
        m.shape = vec![u64::MAX, u64::MAX];
        assert_eq!(row_window(&m, 0..1).unwrap_err().kind(), "too_big");
        m.shape = vec![u64::MAX, 1];
        assert_eq!(
            row_window(&m, 1 << 62..u64::MAX).unwrap_err().kind(),
            "too_big"
        );
    }

    #[test]
    fn splitting() {
        assert_eq!(split_range(10..35, 10), vec![10..20, 20..30, 30..35]);
        assert_eq!(split_range(10..10, 10), Vec::<Range<u64>>::new());
        assert_eq!(split_range(0..7, 0), vec![0..7]);
        let parts = split_range(0..u64::MAX, 1);
        assert_eq!(parts.len() as u64, MAX_PARTS);
        assert_eq!(parts.last().map(|r| r.end), Some(u64::MAX));
    }
}
