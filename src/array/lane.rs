//! [`Lane`]: a strided numeric view straight over raw bytes in the file's byte order and layout, read as `f64`;
//! what plots and decimation use on a memory-mapped file without copying it.

use std::ops::Range;

use super::error::{ArrayError, name_list, sizes, to_usize};
use crate::npy::{ByteOrder, DType, DateUnit, Field, ScalarKind, ScalarType};

/// Byte order of the numbers a lane reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endian {
    /// Least significant byte first (`<`).
    Little,
    /// Most significant byte first (`>`).
    Big,
}

/// Which real number a complex element becomes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ComplexPart {
    /// The real part.
    #[default]
    Real,
    /// The imaginary part.
    Imag,
    /// `|z|`, computed in f64 (`hypot`).
    Magnitude,
    /// The angle in radians, computed in f64 (`atan2(im, re)`).
    Phase,
}

/// The numeric type a lane reads, with its byte order; datetimes read as i64 counts of their unit (NaT → NaN).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NumKind {
    /// `b1`: 0.0 or 1.0 (any non-zero byte is true).
    Bool,
    /// `i1`
    I8,
    /// `u1`
    U8,
    /// `i2`
    I16(Endian),
    /// `i4`
    I32(Endian),
    /// `i8` (values beyond 2^53 round to the nearest f64).
    I64(Endian),
    /// `u2`
    U16(Endian),
    /// `u4`
    U32(Endian),
    /// `u8` (values beyond 2^53 round to the nearest f64).
    U64(Endian),
    /// `f2`: IEEE half precision.
    F16(Endian),
    /// `f4`
    F32(Endian),
    /// `f8`
    F64(Endian),
    /// `c8`: two f32, one part chosen.
    C64(Endian, ComplexPart),
    /// `c16`: two f64, one part chosen.
    C128(Endian, ComplexPart),
    /// `M8[unit]`: i64 counts of the unit since 1970-01-01; NaT reads as NaN.
    DateTime(Endian, DateUnit),
    /// `m8[unit]`: i64 counts of the unit; NaT reads as NaN.
    TimeDelta(Endian, DateUnit),
}

impl NumKind {
    /// The kind for a scalar dtype, or why it cannot be plotted (text, raw bytes, long double).
    pub fn from_scalar(s: &ScalarType, part: ComplexPart) -> Result<NumKind, ArrayError> {
        let e = match s.order {
            ByteOrder::Little => Endian::Little,
            ByteOrder::Big => Endian::Big,
            ByteOrder::NotApplicable if cfg!(target_endian = "big") => Endian::Big,
            ByteOrder::NotApplicable => Endian::Little,
        };
        let not_numeric = |what| ArrayError::NotNumeric {
            dtype: s.display_name(),
            what,
        };
        Ok(match s.kind {
            ScalarKind::Bool => NumKind::Bool,
            ScalarKind::Int(1) => NumKind::I8,
            ScalarKind::Int(2) => NumKind::I16(e),
            ScalarKind::Int(4) => NumKind::I32(e),
            ScalarKind::Int(8) => NumKind::I64(e),
            ScalarKind::UInt(1) => NumKind::U8,
            ScalarKind::UInt(2) => NumKind::U16(e),
            ScalarKind::UInt(4) => NumKind::U32(e),
            ScalarKind::UInt(8) => NumKind::U64(e),
            ScalarKind::Float(2) => NumKind::F16(e),
            ScalarKind::Float(4) => NumKind::F32(e),
            ScalarKind::Float(8) => NumKind::F64(e),
            ScalarKind::Complex(8) => NumKind::C64(e, part),
            ScalarKind::Complex(16) => NumKind::C128(e, part),
            ScalarKind::DateTime(u) => NumKind::DateTime(e, u),
            ScalarKind::TimeDelta(u) => NumKind::TimeDelta(e, u),
            ScalarKind::Bytes(_) | ScalarKind::Str(_) => return Err(not_numeric("text")),
            ScalarKind::Void(_) => return Err(not_numeric("raw bytes")),
            ScalarKind::Int(_)
            | ScalarKind::UInt(_)
            | ScalarKind::Float(_)
            | ScalarKind::Complex(_) => {
                return Err(ArrayError::Unsupported {
                    dtype: s.display_name(),
                });
            }
        })
    }

    /// Bytes per value.
    pub fn size(self) -> usize {
        match self {
            NumKind::Bool | NumKind::I8 | NumKind::U8 => 1,
            NumKind::I16(_) | NumKind::U16(_) | NumKind::F16(_) => 2,
            NumKind::I32(_) | NumKind::U32(_) | NumKind::F32(_) => 4,
            NumKind::I64(_)
            | NumKind::U64(_)
            | NumKind::F64(_)
            | NumKind::C64(..)
            | NumKind::DateTime(..)
            | NumKind::TimeDelta(..) => 8,
            NumKind::C128(..) => 16,
        }
    }

    /// The unit of datetime64/timedelta64 counts; `None` for other kinds.
    pub fn date_unit(self) -> Option<DateUnit> {
        match self {
            NumKind::DateTime(_, u) | NumKind::TimeDelta(_, u) => Some(u),
            _ => None,
        }
    }
}

/// What to plot from each row: a field path (empty for plain dtypes), the flat element within a row, and the
/// complex part.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Selection {
    /// Path into nested structured fields (names, or numpy titles); empty for plain dtypes.
    pub field: Vec<String>,
    /// Flat C-order index within one row of `a[field…]`, whose row shape is the array's trailing axes followed by
    /// the sub-array shapes along the path: for a (time, channels) array it is the channel.
    pub element: u64,
    /// For complex values, which part; ignored otherwise.
    pub part: ComplexPart,
}

/// A strided numeric view over raw bytes: value `i` is the `kind` number at byte `first + i * stride`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lane<'a> {
    /// The bytes viewed (the array's data, or a window of it), in the file's byte order.
    pub bytes: &'a [u8],
    /// Byte offset of value 0.
    pub first: usize,
    /// Bytes from one value to the next.
    pub stride: usize,
    /// Number of values.
    pub len: usize,
    /// How to read each value.
    pub kind: NumKind,
}

/// Calls `$f::<N>($args…, conv)` with the converter for `$kind`: one dispatch per call, none per value.
macro_rules! dispatch {
    ($kind:expr, $f:ident($($arg:expr),*)) => {{
        use Endian::{Big as B, Little as L};
        match $kind {
            NumKind::Bool => $f::<1>($($arg,)* |b| if b[0] != 0 { 1.0 } else { 0.0 }),
            NumKind::I8 => $f::<1>($($arg,)* |b| f64::from(i8::from_ne_bytes(b))),
            NumKind::U8 => $f::<1>($($arg,)* |b| f64::from(b[0])),
            NumKind::I16(L) => $f::<2>($($arg,)* |b| f64::from(i16::from_le_bytes(b))),
            NumKind::I16(B) => $f::<2>($($arg,)* |b| f64::from(i16::from_be_bytes(b))),
            NumKind::I32(L) => $f::<4>($($arg,)* |b| f64::from(i32::from_le_bytes(b))),
            NumKind::I32(B) => $f::<4>($($arg,)* |b| f64::from(i32::from_be_bytes(b))),
            NumKind::I64(L) => $f::<8>($($arg,)* |b| i64::from_le_bytes(b) as f64),
            NumKind::I64(B) => $f::<8>($($arg,)* |b| i64::from_be_bytes(b) as f64),
            NumKind::U16(L) => $f::<2>($($arg,)* |b| f64::from(u16::from_le_bytes(b))),
            NumKind::U16(B) => $f::<2>($($arg,)* |b| f64::from(u16::from_be_bytes(b))),
            NumKind::U32(L) => $f::<4>($($arg,)* |b| f64::from(u32::from_le_bytes(b))),
            NumKind::U32(B) => $f::<4>($($arg,)* |b| f64::from(u32::from_be_bytes(b))),
            NumKind::U64(L) => $f::<8>($($arg,)* |b| u64::from_le_bytes(b) as f64),
            NumKind::U64(B) => $f::<8>($($arg,)* |b| u64::from_be_bytes(b) as f64),
            NumKind::F16(L) => $f::<2>($($arg,)* |b| f16_to_f64(u16::from_le_bytes(b))),
            NumKind::F16(B) => $f::<2>($($arg,)* |b| f16_to_f64(u16::from_be_bytes(b))),
            NumKind::F32(L) => $f::<4>($($arg,)* |b| f64::from(f32::from_le_bytes(b))),
            NumKind::F32(B) => $f::<4>($($arg,)* |b| f64::from(f32::from_be_bytes(b))),
            NumKind::F64(L) => $f::<8>($($arg,)* f64::from_le_bytes),
            NumKind::F64(B) => $f::<8>($($arg,)* f64::from_be_bytes),
            NumKind::C64(e, p) => dispatch!(@part $f($($arg),*), 8, p, |b| c64(e, b)),
            NumKind::C128(e, p) => dispatch!(@part $f($($arg),*), 16, p, |b| c128(e, b)),
            NumKind::DateTime(L, _) | NumKind::TimeDelta(L, _) => {
                $f::<8>($($arg,)* |b| count_or_nan(i64::from_le_bytes(b)))
            }
            NumKind::DateTime(B, _) | NumKind::TimeDelta(B, _) => {
                $f::<8>($($arg,)* |b| count_or_nan(i64::from_be_bytes(b)))
            }
        }
    }};
    (@part $f:ident($($arg:expr),*), $n:literal, $p:expr, $parts:expr) => {{
        let parts = $parts;
        match $p {
            ComplexPart::Real => $f::<$n>($($arg,)* |b| parts(b).0),
            ComplexPart::Imag => $f::<$n>($($arg,)* |b| parts(b).1),
            ComplexPart::Magnitude => $f::<$n>($($arg,)* |b| {
                let (re, im) = parts(b);
                re.hypot(im)
            }),
            ComplexPart::Phase => $f::<$n>($($arg,)* |b| {
                let (re, im) = parts(b);
                im.atan2(re)
            }),
        }
    }};
}

impl Lane<'_> {
    /// Value `i` as f64, or `None` past the end (or if the view's fields point outside `bytes`).
    pub fn get(&self, i: usize) -> Option<f64> {
        if i >= self.len {
            return None;
        }
        let off = i.checked_mul(self.stride)?.checked_add(self.first)?;
        dispatch!(self.kind, get_one(self.bytes, off))
    }

    /// Appends the values of `range ∩ 0..len` to `out` (values whose bytes lie outside `bytes` are left out).
    pub fn fill_f64(&self, range: Range<usize>, out: &mut Vec<f64>) {
        let end = range.end.min(self.len);
        let start = range.start.min(end);
        dispatch!(self.kind, fill(self, start, end - start, out))
    }

    /// Whether the lane has no values.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

fn get_one<const N: usize>(bytes: &[u8], off: usize, conv: impl Fn([u8; N]) -> f64) -> Option<f64> {
    let b = bytes.get(off..)?.first_chunk::<N>()?;
    Some(conv(*b))
}

/// Appends `n` values from value `start`: contiguous, strided, or (for odd hand-made views) one by one.
fn fill<const N: usize>(
    lane: &Lane<'_>,
    start: usize,
    n: usize,
    out: &mut Vec<f64>,
    conv: impl Fn([u8; N]) -> f64,
) {
    if n == 0 {
        return;
    }
    let span = start
        .checked_mul(lane.stride)
        .and_then(|o| o.checked_add(lane.first))
        .and_then(|first| {
            let end = (n - 1)
                .checked_mul(lane.stride)?
                .checked_add(first)?
                .checked_add(N)?;
            lane.bytes.get(first..end)
        });
    match span {
        Some(sub) if lane.stride == N => {
            let (chunks, _) = sub.as_chunks::<N>();
            out.extend(chunks.iter().map(|&c| conv(c)));
        }
        Some(sub) if lane.stride > N => {
            out.reserve(n);
            out.extend(
                sub.chunks(lane.stride)
                    .filter_map(|c| c.first_chunk::<N>())
                    .map(|&c| conv(c)),
            );
        }
        _ => {
            for i in start..start + n {
                let Some(off) = i
                    .checked_mul(lane.stride)
                    .and_then(|o| o.checked_add(lane.first))
                else {
                    return;
                };
                match get_one(lane.bytes, off, &conv) {
                    Some(v) => out.push(v),
                    None => return,
                }
            }
        }
    }
}

/// IEEE half-precision bits to f64 (exact: every half is an f64).
pub fn f16_to_f64(bits: u16) -> f64 {
    let negative = bits & 0x8000 != 0;
    let exp = u64::from((bits >> 10) & 0x1f);
    let man = u64::from(bits & 0x3ff);
    let mag = match exp {
        // Subnormal: man × 2^-24.
        0 => man as f64 * f64::from_bits((1023 - 24) << 52),
        0x1f if man == 0 => f64::INFINITY,
        // NaN: keep the payload in the top mantissa bits, as numpy's conversion does.
        0x1f => f64::from_bits(0x7ff0_0000_0000_0000 | (man << 42)),
        // Normal: rebias the exponent, widen the mantissa.
        _ => f64::from_bits(((exp + 1023 - 15) << 52) | (man << 42)),
    };
    if negative { -mag } else { mag }
}

fn count_or_nan(v: i64) -> f64 {
    if v == i64::MIN { f64::NAN } else { v as f64 }
}

fn c64(e: Endian, b: [u8; 8]) -> (f64, f64) {
    let (re, im) = (split::<4>(&b, 0), split::<4>(&b, 4));
    match e {
        Endian::Little => (f32::from_le_bytes(re).into(), f32::from_le_bytes(im).into()),
        Endian::Big => (f32::from_be_bytes(re).into(), f32::from_be_bytes(im).into()),
    }
}

fn c128(e: Endian, b: [u8; 16]) -> (f64, f64) {
    let (re, im) = (split::<8>(&b, 0), split::<8>(&b, 8));
    match e {
        Endian::Little => (f64::from_le_bytes(re), f64::from_le_bytes(im)),
        Endian::Big => (f64::from_be_bytes(re), f64::from_be_bytes(im)),
    }
}

/// `N` bytes of `b` from `at` (zeros if out of range, which the callers' fixed sizes rule out).
fn split<const N: usize>(b: &[u8], at: usize) -> [u8; N] {
    b.get(at..)
        .and_then(|s| s.first_chunk::<N>())
        .copied()
        .unwrap_or([0; N])
}

/// A lane over the rows (axis 0) of an array of `shape` in file layout: `rows` (default all; the end is clamped
/// to the row count, like a numpy slice) of the element chosen by `sel`. A 0-d array is one row; a 1-D array has
/// one element per row. `data` must hold at least the array's bytes (a memory-mapped file's data part is fine).
pub fn lane<'a>(
    dtype: &DType,
    fortran_order: bool,
    shape: &[u64],
    data: &'a [u8],
    rows: Option<Range<u64>>,
    sel: &Selection,
) -> Result<Lane<'a>, ArrayError> {
    let (_, nbytes) = sizes(dtype, shape)?;
    if (data.len() as u64) < nbytes {
        return Err(ArrayError::DataLength {
            expected: nbytes,
            actual: data.len() as u64,
        });
    }
    // With the data present, every product below fits unless the array is empty; saturating arithmetic then
    // only affects lanes that have no values or element checks that fail anyway.
    let itemsize = dtype.itemsize();
    let (scalar, field_offset, mut dims) = resolve_path(dtype, &sel.field)?;
    let kind = NumKind::from_scalar(&scalar, sel.part)?;

    let ndim = shape.len();
    let prod = |s: &[u64]| s.iter().fold(1u64, |a, &d| a.saturating_mul(d));
    let mut trailing: Dims = (1..ndim)
        .map(|k| {
            let stride = if fortran_order {
                prod(&shape[..k])
            } else {
                prod(&shape[k + 1..])
            };
            (shape[k], itemsize.saturating_mul(stride))
        })
        .collect();
    trailing.append(&mut dims);
    let count = trailing.iter().fold(1u64, |a, &(d, _)| a.saturating_mul(d));
    if sel.element >= count {
        return Err(ArrayError::ElementOutOfRange {
            element: sel.element,
            count,
        });
    }
    let mut rest = sel.element;
    let mut elem_offset = 0u64;
    for &(d, stride) in trailing.iter().rev() {
        elem_offset = elem_offset.saturating_add((rest % d).saturating_mul(stride));
        rest /= d;
    }

    let nrows = shape.first().copied().unwrap_or(1);
    let row_stride = if fortran_order || ndim == 0 {
        itemsize
    } else {
        itemsize.saturating_mul(prod(&shape[1..]))
    };
    let rows = rows.unwrap_or(0..nrows);
    if rows.start > rows.end {
        return Err(ArrayError::ReversedRange {
            start: rows.start,
            end: rows.end,
        });
    }
    let end = rows.end.min(nrows);
    let start = rows.start.min(end);
    let len = to_usize(end - start, "the row count")?;
    if len == 0 {
        return Ok(Lane {
            bytes: data,
            first: 0,
            stride: kind.size(),
            len: 0,
            kind,
        });
    }
    let too_big = || ArrayError::TooBig("the byte offset of the selection".to_string());
    let first = start
        .checked_mul(row_stride)
        .and_then(|o| o.checked_add(field_offset))
        .and_then(|o| o.checked_add(elem_offset))
        .ok_or_else(too_big)?;
    let last_end = (end - start - 1)
        .checked_mul(row_stride)
        .and_then(|o| o.checked_add(first))
        .and_then(|o| o.checked_add(kind.size() as u64))
        .ok_or_else(too_big)?;
    if last_end > data.len() as u64 {
        return Err(ArrayError::DataLength {
            expected: last_end,
            actual: data.len() as u64,
        });
    }
    Ok(Lane {
        bytes: data,
        first: to_usize(first, "the first byte offset")?,
        stride: to_usize(row_stride, "the row stride")?,
        len,
        kind,
    })
}

/// Sub-array dims as (length, byte stride) pairs, outermost first.
type Dims = Vec<(u64, u64)>;

/// Follows a field path: the scalar reached, its byte offset in an element, and the sub-array dims crossed on the
/// way.
fn resolve_path(dtype: &DType, path: &[String]) -> Result<(ScalarType, u64, Dims), ArrayError> {
    let mut cur = dtype;
    let mut offset = 0u64;
    let mut dims = Vec::new();
    for name in path {
        let DType::Structured(fields) = cur else {
            return Err(ArrayError::NotStructured {
                name: name.clone(),
                dtype: cur.display_name(),
            });
        };
        let (field, at) = find_field(fields, name)?;
        offset = offset.saturating_add(at);
        let elem = field.dtype.itemsize();
        for (j, &d) in field.shape.iter().enumerate() {
            let inner = field.shape[j + 1..]
                .iter()
                .fold(elem, |a, &x| a.saturating_mul(x));
            dims.push((d, inner));
        }
        cur = &field.dtype;
    }
    match cur {
        DType::Scalar(s) => Ok((*s, offset, dims)),
        DType::Structured(fields) => Err(ArrayError::NeedsField {
            available: name_list(named(fields)),
        }),
    }
}

/// The field called `name` (or titled so) and its byte offset within the record.
fn find_field<'f>(fields: &'f [Field], name: &str) -> Result<(&'f Field, u64), ArrayError> {
    let mut offset = 0u64;
    let mut by_title = None;
    for f in fields {
        if !f.is_padding() {
            if f.name == name {
                return Ok((f, offset));
            }
            if by_title.is_none() && f.title.as_deref() == Some(name) {
                by_title = Some((f, offset));
            }
        }
        offset = offset.saturating_add(f.itemsize());
    }
    by_title.ok_or_else(|| ArrayError::UnknownField {
        name: name.chars().take(80).collect(),
        available: name_list(named(fields)),
    })
}

fn named(fields: &[Field]) -> impl Iterator<Item = &str> {
    fields
        .iter()
        .filter(|f| !f.is_padding())
        .map(|f| f.name.as_str())
}

/// The unit of a datetime64/timedelta64 dtype; `None` for anything else.
pub fn datetime_unit(dtype: &DType) -> Option<DateUnit> {
    match dtype {
        DType::Scalar(ScalarType {
            kind: ScalarKind::DateTime(u) | ScalarKind::TimeDelta(u),
            ..
        }) => Some(*u),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::npy::parse_typestr;

    fn scalar(s: &str) -> DType {
        DType::Scalar(parse_typestr(s).unwrap())
    }

    fn all(l: &Lane<'_>) -> Vec<f64> {
        let mut v = Vec::new();
        l.fill_f64(0..usize::MAX, &mut v);
        let one: Vec<f64> = (0..l.len).filter_map(|i| l.get(i)).collect();
        assert_eq!(
            v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            one.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
        v
    }

    fn sel(element: u64) -> Selection {
        Selection {
            element,
            ..Selection::default()
        }
    }

    #[test]
    fn half_floats() {
        assert_eq!(f16_to_f64(0x0000).to_bits(), 0f64.to_bits());
        assert_eq!(f16_to_f64(0x8000).to_bits(), (-0f64).to_bits());
        assert_eq!(f16_to_f64(0x3c00), 1.0);
        assert_eq!(f16_to_f64(0xc000), -2.0);
        assert_eq!(f16_to_f64(0x7bff), 65504.0);
        assert_eq!(f16_to_f64(0x0400), 2f64.powi(-14));
        assert_eq!(f16_to_f64(0x0001), 2f64.powi(-24));
        assert_eq!(f16_to_f64(0x03ff), 1023.0 * 2f64.powi(-24));
        assert_eq!(f16_to_f64(0x3555), 0.333251953125);
        assert_eq!(f16_to_f64(0x7c00), f64::INFINITY);
        assert_eq!(f16_to_f64(0xfc00), f64::NEG_INFINITY);
        assert!(f16_to_f64(0x7e00).is_nan());
        assert!(f16_to_f64(0xfc01).is_nan());
    }

    #[test]
    fn c_and_fortran_strides() {
        // (3 rows, 2 channels) of <i2, values r * 10 + c.
        let c: Vec<u8> = [0i16, 1, 10, 11, 20, 21]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let l = lane(&scalar("<i2"), false, &[3, 2], &c, None, &sel(1)).unwrap();
        assert_eq!((l.first, l.stride, l.len), (2, 4, 3));
        assert_eq!(all(&l), vec![1.0, 11.0, 21.0]);
        let f: Vec<u8> = [0i16, 10, 20, 1, 11, 21]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect();
        let l = lane(&scalar(">i2"), true, &[3, 2], &f, Some(1..9), &sel(1)).unwrap();
        assert_eq!((l.first, l.stride, l.len), (8, 2, 2));
        assert_eq!(all(&l), vec![11.0, 21.0]);
        let mut part = Vec::new();
        l.fill_f64(1..5, &mut part);
        assert_eq!(part, vec![21.0]);
        assert_eq!(l.get(2), None);
        // 0-d: one row, one element.
        let z = 2.5f32.to_le_bytes();
        let l = lane(&scalar("<f4"), false, &[], &z, None, &sel(0)).unwrap();
        assert_eq!(all(&l), vec![2.5]);
    }

    #[test]
    fn fortran_3d_element_is_c_order_within_the_row() {
        // Shape (2, 3, 4) in Fortran order of u1: value = flat C index.
        let mut f = vec![0u8; 24];
        for i in 0..2 {
            for j in 0..3 {
                for k in 0..4 {
                    f[i + 2 * j + 6 * k] = (i * 12 + j * 4 + k) as u8;
                }
            }
        }
        for e in 0..12u64 {
            let l = lane(&scalar("|u1"), true, &[2, 3, 4], &f, None, &sel(e)).unwrap();
            assert_eq!(all(&l), vec![e as f64, (12 + e) as f64]);
        }
    }

    #[test]
    fn complex_parts_and_datetimes() {
        let b: Vec<u8> = [3.0f32, 4.0].iter().flat_map(|v| v.to_be_bytes()).collect();
        let mut s = sel(0);
        for (part, want) in [
            (ComplexPart::Real, 3.0),
            (ComplexPart::Imag, 4.0),
            (ComplexPart::Magnitude, 5.0),
            (ComplexPart::Phase, 4f64.atan2(3.0)),
        ] {
            s.part = part;
            let l = lane(&scalar(">c8"), false, &[1], &b, None, &s).unwrap();
            assert_eq!(all(&l), vec![want]);
        }
        let d: Vec<u8> = [5i64, i64::MIN]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect();
        let l = lane(&scalar(">M8[ms]"), false, &[2], &d, None, &sel(0)).unwrap();
        let v = all(&l);
        assert_eq!(v[0], 5.0);
        assert!(v[1].is_nan());
        assert_eq!(l.kind.date_unit().map(|u| u.unit.code()), Some("ms"));
        assert_eq!(
            datetime_unit(&scalar("<m8[10us]")).map(|u| u.count),
            Some(10)
        );
        assert_eq!(datetime_unit(&scalar("<f8")), None);
    }

    #[test]
    fn errors_not_panics() {
        let d = [0u8; 16];
        let f8 = scalar("<f8");
        let kind = |r: Result<Lane<'_>, ArrayError>| r.unwrap_err().kind();
        assert_eq!(
            kind(lane(&f8, false, &[2, 1], &d, None, &sel(1))),
            "element_out_of_range"
        );
        assert_eq!(
            kind(lane(&f8, false, &[3], &d, None, &sel(0))),
            "data_length"
        );
        assert_eq!(
            kind(lane(
                &f8,
                false,
                &[2],
                &d,
                Some(Range { start: 2, end: 1 }),
                &sel(0)
            )),
            "reversed_range"
        );
        assert_eq!(
            kind(lane(&scalar("<U2"), false, &[2], &d, None, &sel(0))),
            "not_numeric"
        );
        assert_eq!(
            kind(lane(&scalar("|V8"), false, &[2], &d, None, &sel(0))),
            "not_numeric"
        );
        assert_eq!(
            kind(lane(&scalar("<f16"), false, &[1], &d, None, &sel(0))),
            "unsupported"
        );
        let named = Selection {
            field: vec!["x".into()],
            ..sel(0)
        };
        assert_eq!(
            kind(lane(&f8, false, &[2], &d, None, &named)),
            "not_structured"
        );
        let msg = lane(&scalar("<U2"), false, &[2], &d, None, &sel(0))
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("is text; it is shown as text, not plotted"),
            "{msg}"
        );
        // Rows past the end are clamped like a numpy slice.
        let l = lane(&f8, false, &[2], &d, Some(1..99), &sel(0)).unwrap();
        assert_eq!(l.len, 1);
        let l = lane(&f8, false, &[2], &d, Some(5..99), &sel(0)).unwrap();
        assert!(l.is_empty());
        // A hand-made lane pointing outside its bytes yields what exists, never panics.
        let bad = Lane {
            bytes: &d,
            first: 8,
            stride: usize::MAX,
            len: 5,
            kind: NumKind::F64(Endian::Little),
        };
        assert_eq!(all(&bad).len(), 1);
        assert_eq!(bad.get(1), None);
    }
}
