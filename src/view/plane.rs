//! [`plane`]: the 2-D plane a [`SliceSpec`] selects, read straight from raw data bytes (any layout, byte order and
//! numeric dtype, through [`Lane`]) and reduced to a pixel budget by stride sampling.

use crate::array::lane::lane;
use crate::array::{ComplexPart, Lane, Selection};
use crate::npy::DType;

use super::axes::SliceSpec;
use super::error::ViewError;

/// A 2-D plane of values read out of an N-D array (any numeric dtype via Lane), reduced to at most
/// max_w × max_h by stride sampling: output pixel (y, x) is the value at array index (y·step.0, x·step.1) along
/// the rows and columns axes, the first sample of its block (fast and exact for the pixels shown; it can miss
/// narrow peaks between samples).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Plane {
    /// Pixels per row (columns shown).
    pub width: usize,
    /// Rows of pixels.
    pub height: usize,
    /// `height` rows of `width` values, row-major; NaN where a value could not be read.
    pub values: Vec<f64>,
    /// Array indices between neighbouring pixels: (along the rows axis, along the columns axis); 1 = every value.
    pub step: (u64, u64),
}

impl Plane {
    /// The value of pixel (`y`, `x`), or `None` outside the plane.
    pub fn get(&self, y: usize, x: usize) -> Option<f64> {
        if x >= self.width {
            return None;
        }
        self.values
            .get(y.checked_mul(self.width)?.checked_add(x)?)
            .copied()
    }
}

/// Reads the plane given by `spec` from an array of `dtype/fortran/shape` over `data` (its data bytes), with
/// field/complex `sel` (Selection.element ignored: the plane's axes are array axes; a sub-array field shows its
/// first element). A 1-D array gives a column (width 1), a 0-d array one pixel; an array with no values gives no
/// pixels (without checking the field). `max_w`/`max_h` below 1 count as 1. `spec` must be valid for `shape`
/// (see [`SliceSpec::make_valid`]).
#[allow(clippy::too_many_arguments)]
pub fn plane(
    dtype: &DType,
    fortran: bool,
    shape: &[u64],
    data: &[u8],
    spec: &SliceSpec,
    sel_field: &[String],
    part: ComplexPart,
    max_w: usize,
    max_h: usize,
) -> Result<Plane, ViewError> {
    if !spec.is_valid(shape) {
        return Err(ViewError::InvalidSlice(format!(
            "{spec:?} for shape {shape:?}"
        )));
    }
    let ndim = shape.len();
    let rows_dim = if ndim == 0 { 1 } else { shape[spec.rows_axis] };
    let cols_dim = spec.cols_axis.map_or(1, |c| shape[c]);
    if shape.contains(&0) {
        // No values: nothing to read (and no element to check the field against).
        return Ok(Plane {
            width: 0,
            height: 0,
            values: Vec::new(),
            step: (1, 1),
        });
    }
    let sel = Selection {
        field: sel_field.to_vec(),
        element: 0,
        part,
    };
    // Checks dtype, field and data length, and gives the value kind and the field's offset in an element.
    let first_row = lane(dtype, fortran, shape, data, Some(0..1), &sel)?;
    if first_row.is_empty() {
        return Err(ViewError::InvalidSlice(format!(
            "no values in shape {shape:?}"
        )));
    }

    // Byte strides of each axis; the data holds every element, so they fit in usize (checked anyway).
    let too_big = |what: &str| ViewError::TooBig(what.to_string());
    let itemsize = dtype.itemsize();
    let strides: Vec<u64> = (0..ndim)
        .map(|k| {
            let others = if fortran {
                &shape[..k]
            } else {
                &shape[k + 1..]
            };
            others
                .iter()
                .try_fold(itemsize, |a, &d| a.checked_mul(d))
                .ok_or_else(|| too_big("an axis stride"))
        })
        .collect::<Result<_, _>>()?;
    let mut base = first_row.first as u64;
    for (axis, (&i, &s)) in spec.index.iter().zip(&strides).enumerate() {
        if axis != spec.rows_axis && Some(axis) != spec.cols_axis {
            base = i
                .checked_mul(s)
                .and_then(|o| o.checked_add(base))
                .ok_or_else(|| too_big("the slice offset"))?;
        }
    }
    let row_stride = strides.get(spec.rows_axis).copied().unwrap_or(0);
    let col_stride = spec.cols_axis.map_or(0, |c| strides[c]);

    let (step_y, height) = sample(rows_dim, max_h)?;
    let (step_x, width) = sample(cols_dim, max_w)?;
    let count = width
        .checked_mul(height)
        .ok_or_else(|| too_big("the pixel count"))?;
    let to_usize = |v: u64, what: &str| usize::try_from(v).map_err(|_| too_big(what));
    let pixel_col_stride = to_usize(
        step_x
            .checked_mul(col_stride)
            .ok_or_else(|| too_big("the column stride"))?,
        "the column stride",
    )?;
    let mut values = Vec::with_capacity(count);
    for y in 0..height as u64 {
        let first = y
            .checked_mul(step_y)
            .and_then(|r| r.checked_mul(row_stride))
            .and_then(|o| o.checked_add(base))
            .ok_or_else(|| too_big("a row offset"))?;
        let row = Lane {
            bytes: data,
            first: to_usize(first, "a row offset")?,
            stride: pixel_col_stride,
            len: width,
            kind: first_row.kind,
        };
        let before = values.len();
        row.fill_f64(0..width, &mut values);
        values.resize(before + width, f64::NAN);
    }
    Ok(Plane {
        width,
        height,
        values,
        step: (step_y, step_x),
    })
}

/// The sampling step and pixel count that cover `dim` values in at most `max(max_px, 1)` pixels.
fn sample(dim: u64, max_px: usize) -> Result<(u64, usize), ViewError> {
    let max_px = u64::try_from(max_px.max(1)).unwrap_or(u64::MAX);
    let step = dim.div_ceil(max_px).max(1);
    let px = usize::try_from(dim.div_ceil(step))
        .map_err(|_| ViewError::TooBig("the pixel count".to_string()))?;
    Ok((step, px))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::npy::parse_typestr;

    fn scalar(s: &str) -> DType {
        DType::Scalar(parse_typestr(s).unwrap())
    }

    /// A (2, 3, 4) array of `<i4` with value 100·i + 10·j + k, in C or Fortran layout.
    fn cube(fortran: bool, big: bool) -> Vec<u8> {
        let mut v = [0i32; 24];
        for i in 0..2 {
            for j in 0..3 {
                for k in 0..4 {
                    let at = if fortran {
                        i + 2 * j + 6 * k
                    } else {
                        i * 12 + j * 4 + k
                    };
                    v[at] = (100 * i + 10 * j + k) as i32;
                }
            }
        }
        v.iter()
            .flat_map(|x| {
                if big {
                    x.to_be_bytes()
                } else {
                    x.to_le_bytes()
                }
            })
            .collect()
    }

    fn read(fortran: bool, spec: &SliceSpec, max: usize) -> Plane {
        let (dt, data) = if fortran {
            (scalar(">i4"), cube(true, true))
        } else {
            (scalar("<i4"), cube(false, false))
        };
        plane(
            &dt,
            fortran,
            &[2, 3, 4],
            &data,
            spec,
            &[],
            ComplexPart::Real,
            max,
            max,
        )
        .unwrap()
    }

    #[test]
    fn c_and_fortran_cubes_match_hand_values() {
        for fortran in [false, true] {
            // Default: rows = axis 1 (j), cols = axis 2 (k), i = 1.
            let mut spec = SliceSpec::for_shape(&[2, 3, 4]);
            spec.index[0] = 1;
            let p = read(fortran, &spec, 100);
            assert_eq!((p.width, p.height, p.step), (4, 3, (1, 1)));
            let want: Vec<f64> = (0..3)
                .flat_map(|j| (0..4).map(move |k| f64::from(100 + 10 * j + k)))
                .collect();
            assert_eq!(p.values, want, "fortran={fortran}");
            assert_eq!(p.get(2, 3), Some(123.0));
            assert_eq!(p.get(3, 0), None);
            // Transposed, over axes (k, i) at j = 2.
            let spec = SliceSpec {
                rows_axis: 2,
                cols_axis: Some(0),
                index: vec![0, 2, 0],
            };
            let p = read(fortran, &spec, 100);
            assert_eq!((p.width, p.height), (2, 4));
            assert_eq!(
                p.values,
                vec![20.0, 120.0, 21.0, 121.0, 22.0, 122.0, 23.0, 123.0]
            );
            // Stride sampling: at most 2 × 2 pixels of the (j, k) plane at i = 0.
            let p = read(fortran, &SliceSpec::for_shape(&[2, 3, 4]), 2);
            assert_eq!((p.width, p.height, p.step), (2, 2, (2, 2)));
            assert_eq!(p.values, vec![0.0, 2.0, 20.0, 22.0]);
        }
    }

    #[test]
    fn small_ranks_fields_and_errors() {
        let f8 = scalar("<f8");
        let d: Vec<u8> = [1.5f64, -2.0, 3.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let p = plane(
            &f8,
            false,
            &[3],
            &d,
            &SliceSpec::for_shape(&[3]),
            &[],
            ComplexPart::Real,
            9,
            9,
        )
        .unwrap();
        assert_eq!(
            (p.width, p.height, p.values.clone()),
            (1, 3, vec![1.5, -2.0, 3.0])
        );
        let p = plane(
            &f8,
            false,
            &[],
            &d[..8],
            &SliceSpec::for_shape(&[]),
            &[],
            ComplexPart::Real,
            0,
            0,
        )
        .unwrap();
        assert_eq!((p.width, p.height, p.values), (1, 1, vec![1.5]));
        let p = plane(
            &f8,
            false,
            &[2, 0, 3],
            &[],
            &SliceSpec::for_shape(&[2, 0, 3]),
            &[],
            ComplexPart::Real,
            9,
            9,
        )
        .unwrap();
        assert_eq!((p.width, p.height), (0, 0));
        // A structured array: field "b" (a <i2 after a u1).
        let rec = DType::Structured(vec![
            crate::npy::Field {
                name: "a".into(),
                title: None,
                dtype: scalar("|u1"),
                shape: vec![],
                levels: Vec::new(),
            },
            crate::npy::Field {
                name: "b".into(),
                title: None,
                dtype: scalar("<i2"),
                shape: vec![],
                levels: Vec::new(),
            },
        ]);
        let bytes = [9u8, 5, 0, 9, 6, 0, 9, 7, 0, 9, 8, 0];
        let p = plane(
            &rec,
            false,
            &[2, 2],
            &bytes,
            &SliceSpec::for_shape(&[2, 2]),
            &["b".into()],
            ComplexPart::Real,
            9,
            9,
        )
        .unwrap();
        assert_eq!(p.values, vec![5.0, 6.0, 7.0, 8.0]);
        let e = plane(
            &rec,
            false,
            &[2, 2],
            &bytes,
            &SliceSpec::for_shape(&[2, 2]),
            &[],
            ComplexPart::Real,
            9,
            9,
        );
        assert_eq!(e.unwrap_err().kind(), "needs_field");
        // Short data, a bad spec, huge shapes: errors, no panics.
        let e = plane(
            &f8,
            false,
            &[4],
            &d,
            &SliceSpec::for_shape(&[4]),
            &[],
            ComplexPart::Real,
            9,
            9,
        );
        assert_eq!(e.unwrap_err().kind(), "data_length");
        let e = plane(
            &f8,
            false,
            &[3, 1],
            &d,
            &SliceSpec::for_shape(&[3]),
            &[],
            ComplexPart::Real,
            9,
            9,
        );
        assert_eq!(e.unwrap_err().kind(), "invalid_slice");
        let huge = [u64::MAX, u64::MAX];
        let e = plane(
            &f8,
            false,
            &huge,
            &d,
            &SliceSpec::for_shape(&huge),
            &[],
            ComplexPart::Real,
            9,
            9,
        );
        assert_eq!(e.unwrap_err().kind(), "too_big");
        let huge = [u64::MAX / 8, 0];
        let p = plane(
            &f8,
            false,
            &huge,
            &d,
            &SliceSpec::for_shape(&huge),
            &[],
            ComplexPart::Real,
            9,
            9,
        )
        .unwrap();
        assert!(p.values.is_empty());
    }

    #[test]
    fn sampling_never_exceeds_the_budget() {
        for dim in [0u64, 1, 2, 3, 7, 8, 9, 1000, u64::MAX] {
            for max in [0usize, 1, 2, 3, 8, 1000] {
                let (step, px) = sample(dim, max).unwrap();
                assert!(px <= max.max(1), "{dim} {max}");
                assert!(step >= 1);
                assert!((px as u64).saturating_mul(step) >= dim);
            }
        }
    }
}
