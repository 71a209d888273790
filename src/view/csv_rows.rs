//! Rows `a[A:B]` as CSV: a `row` column with the row number, then one column per value of the row (its elements in
//! C order, and within each element its fields), formatted like numpy prints them.

use std::ops::Range;

use crate::array::format::format_value;
use crate::npy::{ArrayMeta, DType, ScalarKind, ScalarType};

use super::error::ViewError;
use super::export::{product, select_rows};

/// The most columns a CSV export writes (beyond this, a spreadsheet cannot open it anyway).
pub const MAX_COLUMNS: u64 = 1 << 20;

/// One column of an element: a scalar at a byte offset, with its name (empty for a plain dtype).
struct Leaf {
    name: String,
    offset: usize,
    size: usize,
    scalar: ScalarType,
}

impl From<::csv::Error> for ViewError {
    /// Writing CSV fails only when the output does; keep the I/O cause.
    fn from(e: ::csv::Error) -> ViewError {
        ViewError::Io(e.into())
    }
}

/// Writes the same rows as CSV: one line per row, one column per element of the row (flattened C order), values
/// formatted like numpy's str (reuse format_value); header line `row,c0,c1…` or field names for structured.
/// Structured columns are named by field path (`pos.x`, sub-array elements `pos[1]`), prefixed `c3.` when a row
/// holds several elements; padding is left out. The first column is the row's index in the array (0-d: row 0).
pub fn write_rows_csv(
    meta: &ArrayMeta,
    data: &[u8],
    rows: Range<u64>,
    out: &mut dyn std::io::Write,
) -> Result<(), ViewError> {
    write_rows_csv_numbered(meta, data, rows, 0, out)
}

/// [`write_rows_csv`] of data that holds rows `first_row..` of a bigger stored array (a previewed
/// window): the `row` column counts in the stored array.
pub fn write_rows_csv_numbered(
    meta: &ArrayMeta,
    data: &[u8],
    rows: Range<u64>,
    first_row: u64,
    out: &mut dyn std::io::Write,
) -> Result<(), ViewError> {
    let sel = select_rows(meta, data, rows)?;
    let per_row_dims = meta.shape.get(1..).unwrap_or(&[]);
    let elements = product(per_row_dims);
    let leaf_count = count_leaves(&meta.dtype);
    let columns = elements.map_or(u64::MAX, |e| e.saturating_mul(leaf_count));
    if columns > MAX_COLUMNS {
        return Err(ViewError::TooManyColumns {
            columns,
            max: MAX_COLUMNS,
        });
    }
    let mut leaves = Vec::new();
    collect_leaves(&meta.dtype, "", 0, &mut leaves)?;
    // Elements without columns (records of padding only) write nothing, however many there are.
    let elements = if leaves.is_empty() {
        0
    } else {
        elements.unwrap_or(0)
    };

    let mut w = ::csv::Writer::from_writer(out);
    w.write_field("row")?;
    let plain = matches!(meta.dtype, DType::Scalar(_));
    for e in 0..elements {
        for leaf in &leaves {
            if plain {
                w.write_field(format!("c{e}"))?;
            } else if elements == 1 {
                w.write_field(&leaf.name)?;
            } else {
                w.write_field(format!("c{e}.{}", leaf.name))?;
            }
        }
    }
    w.write_record(None::<&[u8]>)?;

    let fortran = meta.fortran_order && meta.shape.len() >= 2;
    let item = sel.itemsize as u64;
    let too_big = || ViewError::TooBig("a value's byte offset".into());
    for r in sel.rows.clone() {
        w.write_field(first_row.saturating_add(r).to_string())?;
        for e in 0..elements {
            // Flat element index of (r, e) in the stored layout.
            let index = if fortran {
                fortran_index(r, e, sel.nrows, per_row_dims)
            } else {
                r.checked_mul(elements).and_then(|i| i.checked_add(e))
            };
            let start = index
                .and_then(|i| i.checked_mul(item))
                .and_then(|b| usize::try_from(b).ok())
                .ok_or_else(too_big)?;
            for leaf in &leaves {
                let dtype = DType::Scalar(leaf.scalar);
                let at = start.checked_add(leaf.offset).ok_or_else(too_big)?;
                let text = at
                    .checked_add(leaf.size)
                    .and_then(|end| data.get(at..end))
                    .and_then(|b| format_value(&dtype, b))
                    .ok_or_else(|| ViewError::NotCsv {
                        dtype: dtype.display_name(),
                    })?;
                w.write_field(text)?;
            }
        }
        w.write_record(None::<&[u8]>)?;
    }
    w.flush()?;
    Ok(())
}

/// Flat index of row `r`, C-order element `e` of the row (over `dims`, the axes after the first), in a Fortran-order
/// array of `nrows` rows.
fn fortran_index(r: u64, e: u64, nrows: u64, dims: &[u64]) -> Option<u64> {
    let mut rest = e;
    let mut stride = nrows;
    let mut index = r;
    // Digits of `e` from the first axis after the rows (least significant in Fortran order) outwards.
    let mut digits = Vec::with_capacity(dims.len());
    for &d in dims.iter().rev() {
        digits.push(rest % d.max(1));
        rest /= d.max(1);
    }
    for (&d, &digit) in dims.iter().zip(digits.iter().rev()) {
        index = digit.checked_mul(stride)?.checked_add(index)?;
        stride = stride.checked_mul(d)?;
    }
    Some(index)
}

/// Columns one element takes (padding left out), saturating.
fn count_leaves(dtype: &DType) -> u64 {
    match dtype {
        DType::Scalar(_) => 1,
        DType::Structured(fields) => fields
            .iter()
            .filter(|f| !f.is_padding())
            .map(|f| {
                f.shape
                    .iter()
                    .fold(count_leaves(&f.dtype), |a, &d| a.saturating_mul(d))
            })
            .fold(0u64, u64::saturating_add),
    }
}

/// Appends the columns of `dtype` at byte `offset`, named under `prefix`; errors on values with no text form.
fn collect_leaves(
    dtype: &DType,
    prefix: &str,
    offset: u64,
    out: &mut Vec<Leaf>,
) -> Result<(), ViewError> {
    let too_big = || ViewError::TooBig("a field offset".into());
    match dtype {
        DType::Scalar(s) => {
            if !has_text(s.kind) {
                return Err(ViewError::NotCsv {
                    dtype: dtype.display_name(),
                });
            }
            out.push(Leaf {
                name: prefix.to_string(),
                offset: usize::try_from(offset).map_err(|_| too_big())?,
                size: usize::try_from(dtype.itemsize()).map_err(|_| too_big())?,
                scalar: *s,
            });
        }
        DType::Structured(fields) => {
            let mut at = offset;
            for f in fields {
                if !f.is_padding() {
                    let name = if prefix.is_empty() {
                        f.name.clone()
                    } else {
                        format!("{prefix}.{}", f.name)
                    };
                    let count = product(&f.shape).ok_or_else(too_big)?;
                    let size = f.dtype.itemsize();
                    for i in 0..count {
                        let sub = if f.shape.is_empty() {
                            name.clone()
                        } else {
                            format!("{name}[{i}]")
                        };
                        let o = i
                            .checked_mul(size)
                            .and_then(|b| b.checked_add(at))
                            .ok_or_else(too_big)?;
                        collect_leaves(&f.dtype, &sub, o, out)?;
                    }
                }
                at = at.checked_add(f.itemsize()).ok_or_else(too_big)?;
            }
        }
    }
    Ok(())
}

/// Whether `format_value` writes values of this kind.
fn has_text(kind: ScalarKind) -> bool {
    matches!(
        kind,
        ScalarKind::Bool
            | ScalarKind::Int(1 | 2 | 4 | 8)
            | ScalarKind::UInt(1 | 2 | 4 | 8)
            | ScalarKind::Float(2 | 4 | 8)
            | ScalarKind::Complex(8 | 16)
            | ScalarKind::DateTime(_)
            | ScalarKind::TimeDelta(_)
            | ScalarKind::Str(_)
            | ScalarKind::Bytes(_)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::npy::{Field, parse_typestr};
    use crate::view::export::tests::{meta, with_dtype};

    fn csv(m: &ArrayMeta, data: &[u8], rows: Range<u64>) -> String {
        let mut out = Vec::new();
        write_rows_csv(m, data, rows, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn scalar(s: &str) -> DType {
        DType::Scalar(parse_typestr(s).unwrap())
    }

    #[test]
    fn rows_of_a_window_are_numbered_in_the_stored_array() {
        let m = meta("<i2", false, &[3]);
        let data: Vec<u8> = [7i16, 8, 9].iter().flat_map(|v| v.to_le_bytes()).collect();
        let mut out = Vec::new();
        write_rows_csv_numbered(&m, &data, 1..3, 100_000, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "row,c0\n100001,8\n100002,9\n"
        );
    }

    #[test]
    fn plain_rows_c_and_fortran() {
        // (3, 2, 2) of <f4, value 10·i + 2·j + k + 0.5; C and Fortran give the same text.
        let mut c = Vec::new();
        let mut f = [0f32; 12];
        for i in 0..3 {
            for j in 0..2 {
                for k in 0..2 {
                    let v = (10 * i + 2 * j + k) as f32 + 0.5;
                    c.extend(v.to_le_bytes());
                    f[i + 3 * j + 6 * k] = v;
                }
            }
        }
        let f: Vec<u8> = f.iter().flat_map(|v| v.to_le_bytes()).collect();
        let want = "row,c0,c1,c2,c3\n1,10.5,11.5,12.5,13.5\n2,20.5,21.5,22.5,23.5\n";
        assert_eq!(csv(&meta("<f4", false, &[3, 2, 2]), &c, 1..5), want);
        assert_eq!(csv(&meta("<f4", true, &[3, 2, 2]), &f, 1..5), want);
        // 1-D, 0-d, empty rows, and numpy's text for special values.
        let d: Vec<u8> = [f64::NAN, -1.0]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect();
        assert_eq!(
            csv(&meta(">f8", false, &[2]), &d, 0..2),
            "row,c0\n0,nan\n1,-1\n"
        );
        assert_eq!(
            csv(&meta(">f8", false, &[]), &d[8..], 0..1),
            "row,c0\n0,-1\n"
        );
        assert_eq!(csv(&meta(">f8", false, &[2]), &d, 2..2), "row,c0\n");
        assert_eq!(
            csv(&meta("|b1", false, &[1, 2]), &[1, 0], 0..1),
            "row,c0,c1\n0,True,False\n"
        );
        assert_eq!(
            csv(&meta("|S3", false, &[2]), b"a,bcde", 0..1),
            "row,c0\n0,\"a,b\"\n"
        );
    }

    #[test]
    fn structured_rows_use_field_names() {
        let pos = Field {
            name: "pos".into(),
            title: None,
            dtype: scalar("<i2"),
            shape: vec![2],
            levels: Vec::new(),
        };
        let id = Field {
            name: "id".into(),
            title: None,
            dtype: scalar("|u1"),
            shape: vec![],
            levels: Vec::new(),
        };
        let pad = Field {
            name: String::new(),
            title: None,
            dtype: scalar("|V1"),
            shape: vec![],
            levels: Vec::new(),
        };
        let rec = DType::Structured(vec![id, pad, pos]);
        // Records of 6 bytes: id, padding, pos[0], pos[1].
        let data = [7u8, 0, 1, 0, 2, 0, 8, 0, 3, 0, 4, 0];
        assert_eq!(
            csv(&with_dtype(rec.clone(), false, &[2]), &data, 0..2),
            "row,id,pos[0],pos[1]\n0,7,1,2\n1,8,3,4\n"
        );
        assert_eq!(
            csv(&with_dtype(rec.clone(), false, &[1, 2]), &data, 0..1),
            "row,c0.id,c0.pos[0],c0.pos[1],c1.id,c1.pos[0],c1.pos[1]\n0,7,1,2,8,3,4\n"
        );
        let nested = DType::Structured(vec![Field {
            name: "outer".into(),
            title: None,
            dtype: rec,
            shape: vec![],
            levels: Vec::new(),
        }]);
        assert_eq!(
            csv(&with_dtype(nested, false, &[1]), &data[..6], 0..1),
            "row,outer.id,outer.pos[0],outer.pos[1]\n0,7,1,2\n"
        );
    }

    #[test]
    fn errors_not_panics() {
        let mut out = Vec::new();
        let e = write_rows_csv(&meta("|V4", false, &[1]), &[0; 4], 0..1, &mut out).unwrap_err();
        assert_eq!(e.kind(), "not_csv");
        let e =
            write_rows_csv(&meta("<f8", false, &[0, u64::MAX]), &[], 0..1, &mut out).unwrap_err();
        assert_eq!(e.kind(), "too_many_columns");
        let e = write_rows_csv(
            &meta("<f8", false, &[0, u64::MAX, u64::MAX]),
            &[],
            0..1,
            &mut out,
        )
        .unwrap_err();
        assert_eq!(e.kind(), "too_many_columns");
        let e = write_rows_csv(&meta("<f8", false, &[2]), &[0; 8], 0..1, &mut out).unwrap_err();
        assert_eq!(e.kind(), "data_length");
        assert_eq!(fortran_index(1, 3, 3, &[2, 2]), Some(1 + 3 + 6));
        // Records with no columns, very many per row: only the row numbers.
        let empty = with_dtype(DType::Structured(vec![]), false, &[2, 1 << 62]);
        assert_eq!(csv(&empty, &[], 0..9), "row\n0\n1\n");
    }
}
