//! Exporting rows `a[A:B]` of an array: as `.npy` (same dtype, byte order and layout as stored, so numpy loads
//! exactly those rows) and, as CSV.

use std::io::{BufWriter, Write};
use std::ops::Range;

use crate::array::ArrayError;
use crate::array::error::sizes;
use crate::npy::{ArrayMeta, encode_header};

use super::error::ViewError;

/// Rows `a[A:B]` of an array, checked against its data.
pub(super) struct Rows {
    /// The rows covered after clamping, like a numpy slice.
    pub rows: Range<u64>,
    /// Shape of the result: the array's shape with axis 0 cut to the rows (0-d: `[]` for its one row, `[0]` for
    /// none).
    pub shape: Vec<u64>,
    /// Bytes per element.
    pub itemsize: usize,
    /// Rows in the whole array (axis 0; 1 for 0-d).
    pub nrows: u64,
}

/// Checks that `data` holds the array of `meta` and clamps `rows` to axis 0 like numpy's `a[A:B]` (a 0-d array
/// counts as one row); a reversed range is an error.
pub(super) fn select_rows(
    meta: &ArrayMeta,
    data: &[u8],
    rows: Range<u64>,
) -> Result<Rows, ViewError> {
    let (_, nbytes) = sizes(&meta.dtype, &meta.shape)?;
    if (data.len() as u64) < nbytes {
        return Err(ArrayError::DataLength {
            expected: nbytes,
            actual: data.len() as u64,
        }
        .into());
    }
    if rows.start > rows.end {
        return Err(ArrayError::ReversedRange {
            start: rows.start,
            end: rows.end,
        }
        .into());
    }
    let nrows = meta.shape.first().copied().unwrap_or(1);
    let end = rows.end.min(nrows);
    let start = rows.start.min(end);
    let mut shape = meta.shape.clone();
    match shape.first_mut() {
        Some(d) => *d = end - start,
        None if start == end => shape = vec![0],
        None => {}
    }
    // An element fits in the data unless there are none; then nothing is read.
    let itemsize = if nbytes == 0 {
        0
    } else {
        usize::try_from(meta.dtype.itemsize())
            .map_err(|_| ViewError::TooBig("the item size".into()))?
    };
    Ok(Rows {
        rows: start..end,
        shape,
        itemsize,
        nrows,
    })
}

/// Writes rows `rows` of the array (numpy `a[A:B]`, all columns, same dtype and order as stored) as a .npy file that
/// numpy loads; the header via crate::npy::encode_header. `data` is the array's data bytes (at least
/// `meta.nbytes`). The end is clamped to the row count like a numpy slice. A Fortran-order array is written in
/// Fortran order (each column's run of rows in turn), which `np.load` reads as the same values as `a[A:B]`.
pub fn write_rows_npy(
    meta: &ArrayMeta,
    data: &[u8],
    rows: Range<u64>,
    out: &mut dyn std::io::Write,
) -> Result<(), ViewError> {
    let sel = select_rows(meta, data, rows)?;
    let mut out = BufWriter::new(out);
    out.write_all(&encode_header(&meta.dtype, meta.fortran_order, &sel.shape))?;
    let Range { start, end } = sel.rows;
    if start < end && sel.itemsize > 0 {
        // Every offset below is at most the array's byte count, which fits in `data`.
        let too_big = || ViewError::TooBig("the byte range of the rows".into());
        let at = |v: u64, unit: u64| -> Result<usize, ViewError> {
            v.checked_mul(unit)
                .and_then(|b| usize::try_from(b).ok())
                .ok_or_else(too_big)
        };
        let item = sel.itemsize as u64;
        if meta.fortran_order && meta.shape.len() >= 2 {
            let column = at(sel.nrows, item)?;
            let (a, b) = (at(start, item)?, at(end, item)?);
            let columns = product(&meta.shape[1..]).ok_or_else(too_big)?;
            for c in 0..columns {
                let base = at(c, column as u64)?;
                let run = data.get(base + a..base + b).ok_or_else(too_big)?;
                out.write_all(run)?;
            }
        } else {
            let per_row = product(meta.shape.get(1..).unwrap_or(&[]))
                .and_then(|n| n.checked_mul(item))
                .ok_or_else(too_big)?;
            let run = data
                .get(at(start, per_row)?..at(end, per_row)?)
                .ok_or_else(too_big)?;
            out.write_all(run)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// The product of `dims`, or `None` on overflow.
pub(super) fn product(dims: &[u64]) -> Option<u64> {
    dims.iter().try_fold(1u64, |a, &d| a.checked_mul(d))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::npy::{DType, parse_header, parse_typestr};

    pub(crate) fn meta(descr: &str, fortran_order: bool, shape: &[u64]) -> ArrayMeta {
        with_dtype(
            DType::Scalar(parse_typestr(descr).unwrap()),
            fortran_order,
            shape,
        )
    }

    pub(crate) fn with_dtype(dtype: DType, fortran_order: bool, shape: &[u64]) -> ArrayMeta {
        let itemsize = dtype.itemsize();
        let size = shape.iter().fold(1u64, |a, &d| a.saturating_mul(d));
        ArrayMeta {
            format_version: (1, 0),
            dtype,
            fortran_order,
            shape: shape.to_vec(),
            data_offset: 128,
            size,
            itemsize,
            nbytes: size.saturating_mul(itemsize),
        }
    }

    /// The .npy written for `rows`, split into its parsed header and data.
    fn npy(m: &ArrayMeta, data: &[u8], rows: Range<u64>) -> (ArrayMeta, Vec<u8>) {
        let mut out = Vec::new();
        write_rows_npy(m, data, rows, &mut out).unwrap();
        let back = parse_header(&out).unwrap();
        let body = out[back.data_offset as usize..].to_vec();
        assert_eq!(body.len() as u64, back.nbytes);
        (back, body)
    }

    #[test]
    fn c_order_rows_are_the_bytes_of_those_rows() {
        // (4, 3) of >u2, value 10·r + c.
        let data: Vec<u8> = (0..4u16)
            .flat_map(|r| (0..3u16).map(move |c| 10 * r + c))
            .flat_map(|v| v.to_be_bytes())
            .collect();
        let m = meta(">u2", false, &[4, 3]);
        let (back, body) = npy(&m, &data, 1..3);
        assert_eq!(
            (back.dtype, back.fortran_order, back.shape),
            (m.dtype.clone(), false, vec![2, 3])
        );
        assert_eq!(body, data[6..18]);
        // Clamped end, empty and full selections.
        assert_eq!(npy(&m, &data, 3..99).0.shape, vec![1, 3]);
        let (back, body) = npy(&m, &data, 9..99);
        assert_eq!((back.shape, body.len()), (vec![0, 3], 0));
        assert_eq!(npy(&m, &data, 0..4).1, data);
        // 0-d: one row or none.
        let z = 7.5f64.to_le_bytes();
        let m0 = meta("<f8", false, &[]);
        let (back, body) = npy(&m0, &z, 0..1);
        assert_eq!((back.shape, body), (vec![], z.to_vec()));
        assert_eq!(npy(&m0, &z, 1..2).0.shape, vec![0]);
    }

    #[test]
    fn fortran_rows_stay_fortran() {
        // (4, 2, 3) of <i4 in Fortran order, value 100·i + 10·j + k.
        let mut v = [0i32; 24];
        for i in 0..4 {
            for j in 0..2 {
                for k in 0..3 {
                    v[i + 4 * j + 8 * k] = (100 * i + 10 * j + k) as i32;
                }
            }
        }
        let data: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
        let m = meta("<i4", true, &[4, 2, 3]);
        let (back, body) = npy(&m, &data, 1..3);
        assert_eq!(
            (back.fortran_order, back.shape.clone()),
            (true, vec![2, 2, 3])
        );
        // Fortran order of a[1:3]: i fastest, then j, then k.
        let mut want = Vec::new();
        for k in 0..3 {
            for j in 0..2 {
                for i in 1..3 {
                    let v: i32 = 100 * i + 10 * j + k;
                    want.extend(v.to_le_bytes());
                }
            }
        }
        assert_eq!(body, want);
        // The same values as the crate's loader sees for the rows.
        let arr = crate::array::NdArray::from_parts(&back.dtype, true, &back.shape, &body).unwrap();
        assert_eq!(arr.as_slice::<i32>().unwrap()[..3], [100, 101, 102]);
    }

    #[test]
    fn errors_not_panics() {
        let m = meta("<f8", false, &[4]);
        let mut out = Vec::new();
        let e = write_rows_npy(&m, &[0; 16], 0..1, &mut out).unwrap_err();
        assert_eq!(e.kind(), "data_length");
        let e = write_rows_npy(&m, &[0; 32], Range { start: 3, end: 1 }, &mut out).unwrap_err();
        assert_eq!(e.kind(), "reversed_range");
        let huge = meta("<f8", true, &[u64::MAX, u64::MAX]);
        assert_eq!(
            write_rows_npy(&huge, &[], 0..1, &mut out)
                .unwrap_err()
                .kind(),
            "too_big"
        );
        let zero = meta("<f8", true, &[0, 1 << 40]);
        let (back, body) = npy(&zero, &[], 0..5);
        assert_eq!((back.shape, body.len()), (vec![0, 1 << 40], 0));
        let zero = meta("<f8", true, &[1 << 40, 0]);
        assert_eq!(npy(&zero, &[], 0..5).0.shape, vec![5, 0]);
    }
}
