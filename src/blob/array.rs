//! [`BlobArray`]: a numeric (or char-matrix) array from a blob, in numpy's dtype and Fortran order, and how its
//! stored parts become numpy's bytes (complex parts interleaved, MATLAB chars widened to `<U1`).

use bytes::Bytes;

use super::cursor::element_count;
use crate::array::{ArrayError, NdArray};
use crate::npy::{DType, ScalarKind, ScalarType, encode_header};

/// An array as DataJoint returns it: numpy dtype (little-endian), shape, and the data in Fortran (column-major)
/// order, laid out as numpy holds that dtype.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobArray {
    /// The numpy dtype, e.g. `<f8`, `|b1`, `<c16`, `<M8[ns]`, or `<U1` for a MATLAB char matrix.
    pub dtype: DType,
    /// The shape; empty for a 0-d array.
    pub shape: Vec<u64>,
    /// Always `true`: blobs store column-major data.
    pub fortran_order: bool,
    /// Exactly `size × itemsize` bytes, column-major, complex values as (real, imaginary) pairs.
    pub data: Bytes,
}

impl BlobArray {
    /// Element count (1 for 0-d); the decoder checked that it fits.
    pub fn size(&self) -> u64 {
        element_count(&self.shape).unwrap_or(u64::MAX)
    }

    /// Whether the elements are numbers numpy can plot: bool, integers, floats, complex, datetime64.
    pub fn is_numeric(&self) -> bool {
        matches!(
            self.dtype,
            DType::Scalar(ScalarType {
                kind: ScalarKind::Bool
                    | ScalarKind::Int(_)
                    | ScalarKind::UInt(_)
                    | ScalarKind::Float(_)
                    | ScalarKind::Complex(_)
                    | ScalarKind::DateTime(_),
                ..
            })
        )
    }

    /// The array in memory as the rest of npyscope uses it: native byte order, C order (transposed from Fortran
    /// order as for Fortran-ordered `.npy` files).
    pub fn to_ndarray(&self) -> Result<NdArray, ArrayError> {
        NdArray::from_parts(&self.dtype, self.fortran_order, &self.shape, &self.data)
    }

    /// The `fortran_order` numpy's `np.save` writes for this array: `false` when the column-major data is also
    /// row-major (at most one dimension longer than 1, or no elements), as numpy checks C-contiguity first.
    pub fn npy_fortran_order(&self) -> bool {
        self.fortran_order && self.size() > 0 && self.shape.iter().filter(|&&d| d > 1).count() > 1
    }

    /// The `.npy` header numpy would write for this array ([`encode_header`]); the data bytes follow it as they are.
    pub fn npy_header(&self) -> Vec<u8> {
        encode_header(&self.dtype, self.npy_fortran_order(), &self.shape)
    }

    /// The whole `.npy` file: [`BlobArray::npy_header`] then [`BlobArray::data`].
    pub fn to_npy(&self) -> Vec<u8> {
        let mut out = self.npy_header();
        out.extend_from_slice(&self.data);
        out
    }
}

/// numpy's `real + 1j * imag` for `n` stored real parts then `n` imaginary parts of type `part` (little-endian),
/// interleaved into `complex`'s (real, imaginary) pairs: floats are copied, other numbers converted to f64.
pub(crate) fn interleave(part: ScalarType, complex: ScalarType, raw: &[u8]) -> Vec<u8> {
    let width = part.kind.itemsize() as usize;
    let half = raw.len() / 2;
    let (re, im) = raw.split_at(half);
    let mut out = Vec::with_capacity(half / width.max(1) * complex.kind.itemsize() as usize);
    match (part.kind, complex.kind) {
        (ScalarKind::Float(w), ScalarKind::Complex(c)) if u64::from(w) * 2 == u64::from(c) => {
            for (r, i) in re.chunks_exact(width).zip(im.chunks_exact(width)) {
                out.extend_from_slice(r);
                out.extend_from_slice(i);
            }
        }
        _ => {
            for (r, i) in re.chunks_exact(width).zip(im.chunks_exact(width)) {
                out.extend_from_slice(&to_f64(part.kind, r).to_le_bytes());
                out.extend_from_slice(&to_f64(part.kind, i).to_le_bytes());
            }
        }
    }
    out
}

/// One little-endian element of kind `kind` as f64, as numpy casts it (bool is 0 or 1).
fn to_f64(kind: ScalarKind, b: &[u8]) -> f64 {
    fn arr<const N: usize>(b: &[u8]) -> [u8; N] {
        let mut a = [0u8; N];
        a.copy_from_slice(&b[..N]);
        a
    }
    match (kind, b.len()) {
        (ScalarKind::Bool, 1) => f64::from(u8::from(b[0] != 0)),
        (ScalarKind::Int(1), 1) => f64::from(b[0] as i8),
        (ScalarKind::UInt(1), 1) => f64::from(b[0]),
        (ScalarKind::Int(2), 2) => f64::from(i16::from_le_bytes(arr(b))),
        (ScalarKind::UInt(2), 2) => f64::from(u16::from_le_bytes(arr(b))),
        (ScalarKind::Int(4), 4) => f64::from(i32::from_le_bytes(arr(b))),
        (ScalarKind::UInt(4), 4) => f64::from(u32::from_le_bytes(arr(b))),
        (ScalarKind::Int(8), 8) => i64::from_le_bytes(arr(b)) as f64,
        (ScalarKind::UInt(8), 8) => u64::from_le_bytes(arr(b)) as f64,
        (ScalarKind::Float(4), 4) => f64::from(f32::from_le_bytes(arr(b))),
        (ScalarKind::Float(8), 8) => f64::from_le_bytes(arr(b)),
        _ => f64::NAN,
    }
}

/// The characters DataJoint keeps of MATLAB's u16 chars: the low byte of each, as a code point (DataJoint itself
/// decodes it as ASCII and fails above 0x7f; this reads those as Latin-1 instead).
pub(crate) fn char_codes(raw: &[u8]) -> impl Iterator<Item = char> + '_ {
    raw.chunks_exact(2).map(|u| char::from(u[0]))
}

/// A char row as DataJoint returns it: the text, without NULs (numpy drops them from `S1` elements).
pub(crate) fn char_text(raw: &[u8]) -> String {
    char_codes(raw).filter(|&c| c != '\0').collect()
}

/// A char matrix as numpy's `<U1` bytes: one little-endian UCS-4 code per character.
pub(crate) fn char_ucs4(raw: &[u8]) -> Vec<u8> {
    char_codes(raw)
        .flat_map(|c| u32::from(c).to_le_bytes())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::npy::{ByteOrder, parse_typestr};

    fn st(s: &str) -> ScalarType {
        parse_typestr(s).unwrap()
    }

    #[test]
    fn complex_parts_interleave() {
        let raw: Vec<u8> = [1.0f32, 2.0, 10.0, 20.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let out = interleave(st("<f4"), st("<c8"), &raw);
        let want: Vec<u8> = [1.0f32, 10.0, 2.0, 20.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert_eq!(out, want);
        let raw = [0xffu8, 2, 3, 0x80];
        let out = interleave(st("|i1"), st("<c16"), &raw);
        let want: Vec<u8> = [-1.0f64, 3.0, 2.0, -128.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert_eq!(out, want);
        let out = interleave(st("|b1"), st("<c16"), &[2, 0, 0, 1]);
        let want: Vec<u8> = [1.0f64, 0.0, 0.0, 1.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert_eq!(out, want);
    }

    #[test]
    fn chars_keep_the_low_byte() {
        let raw = [b'h', 0, b'i', 0x01, 0, 0, 0xe9, 0];
        assert_eq!(char_text(&raw), "hié");
        assert_eq!(char_ucs4(&raw[..4]), vec![b'h', 0, 0, 0, b'i', 0, 0, 0]);
    }

    #[test]
    fn npy_fortran_flag_follows_numpy() {
        let a = |shape: &[u64]| BlobArray {
            dtype: DType::Scalar(ScalarType {
                order: ByteOrder::Little,
                kind: ScalarKind::Float(8),
            }),
            shape: shape.to_vec(),
            fortran_order: true,
            data: Bytes::new(),
        };
        assert!(a(&[2, 3]).npy_fortran_order());
        assert!(!a(&[1, 3]).npy_fortran_order());
        assert!(!a(&[3]).npy_fortran_order());
        assert!(!a(&[]).npy_fortran_order());
        assert!(!a(&[0, 3]).npy_fortran_order());
        assert!(a(&[2, 1, 3]).npy_fortran_order());
    }
}
