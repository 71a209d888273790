//! [`NdArray`]: an array in memory in native byte order and logical C order, whatever the file had, with typed
//! slices for numeric dtypes.

use std::ops::Range;

use super::error::{ArrayError, sizes, to_usize};
use super::lane::{Lane, Selection, lane};
use super::native::{Run, apply, fortran_to_c, native_dtype, swap_plan};
use crate::npy::{ArrayMeta, DType, ScalarKind};

/// An array in memory: native byte order (nested fields included), C order, bytes in an 8-byte-aligned buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NdArray {
    dtype: DType,
    shape: Vec<u64>,
    size: u64,
    nbytes: usize,
    /// Backing store; only the first `nbytes` bytes are data.
    buf: Vec<u64>,
}

impl NdArray {
    /// Converts the data bytes of a `.npy` (exactly `meta.nbytes` of them, after the header) to native C order.
    pub fn from_npy_data(meta: &ArrayMeta, data: &[u8]) -> Result<NdArray, ArrayError> {
        NdArray::from_parts(&meta.dtype, meta.fortran_order, &meta.shape, data)
    }

    /// Converts raw data in file layout (`dtype` byte order, C or Fortran order) of an array of `shape` to native C
    /// order; `data` must hold exactly the array's bytes. Used for row windows, whose shape differs from the file's.
    pub fn from_parts(
        dtype: &DType,
        fortran_order: bool,
        shape: &[u64],
        data: &[u8],
    ) -> Result<NdArray, ArrayError> {
        let (_, nbytes) = sizes(dtype, shape)?;
        if nbytes != data.len() as u64 {
            return Err(ArrayError::DataLength {
                expected: nbytes,
                actual: data.len() as u64,
            });
        }
        // Both now fit in usize: nbytes equals a slice length, and itemsize × size = nbytes.
        let nbytes = data.len();
        let mut arr = NdArray::zeroed_native(&native_dtype(dtype), shape)?;
        // An element is never bigger than the data unless there are no elements (then nothing is copied).
        let itemsize = if nbytes == 0 {
            0
        } else {
            to_usize(dtype.itemsize(), "the item size")?
        };
        let dims: Vec<usize> = if fortran_order && shape.len() >= 2 && nbytes > 0 {
            shape
                .iter()
                .map(|&d| to_usize(d, "a dimension"))
                .collect::<Result<_, _>>()?
        } else {
            Vec::new()
        };
        let out = arr.bytes_mut();
        if dims.is_empty() {
            out.copy_from_slice(data);
        } else {
            fortran_to_c(data, out, &dims, itemsize);
        }
        if nbytes > 0 {
            let mut plan = Vec::new();
            swap_plan(dtype, 0, &mut plan);
            apply(&plan, itemsize, out);
        }
        Ok(arr)
    }

    /// The dtype of the bytes held: the file's dtype with every scalar in native byte order.
    pub fn dtype(&self) -> &DType {
        &self.dtype
    }

    /// The shape; empty for a 0-d array.
    pub fn shape(&self) -> &[u64] {
        &self.shape
    }

    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// Element count (product of the shape, 1 for 0-d), like numpy's `size`.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Whether the array holds no elements.
    pub fn is_empty(&self) -> bool {
        self.size == 0
    }

    /// Bytes per element.
    pub fn itemsize(&self) -> u64 {
        self.dtype.itemsize()
    }

    /// Bytes of data, like numpy's `nbytes`.
    pub fn nbytes(&self) -> usize {
        self.nbytes
    }

    /// The data: native byte order, C order.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: `buf` holds `buf.len() * 8 >= nbytes` initialised bytes; u8 has no alignment or validity needs.
        unsafe { std::slice::from_raw_parts(self.buf.as_ptr().cast::<u8>(), self.nbytes) }
    }

    /// An array of `shape` with the native `dtype` and all bytes zero, to be filled in place
    /// (e.g. read straight from a file: no second copy). `None` when `dtype` is not native.
    pub fn zeroed(dtype: &DType, shape: &[u64]) -> Result<Option<NdArray>, ArrayError> {
        if native_dtype(dtype) != *dtype {
            return Ok(None);
        }
        NdArray::zeroed_native(dtype, shape).map(Some)
    }

    /// An array of `shape` to be filled in place with C-order bytes of the `stored` dtype, in
    /// its byte order (a read straight into the array: no second copy of it is held);
    /// [`Filling::finish`] then turns them native.
    pub fn filling(stored: &DType, shape: &[u64]) -> Result<Filling, ArrayError> {
        let array = NdArray::zeroed_native(&native_dtype(stored), shape)?;
        let itemsize = if array.nbytes == 0 {
            0
        } else {
            to_usize(stored.itemsize(), "the item size")?
        };
        let mut plan = Vec::new();
        swap_plan(stored, 0, &mut plan);
        Ok(Filling {
            array,
            plan,
            itemsize,
        })
    }

    /// [`NdArray::zeroed`] for a `dtype` known to be native.
    fn zeroed_native(dtype: &DType, shape: &[u64]) -> Result<NdArray, ArrayError> {
        let (size, nbytes) = sizes(dtype, shape)?;
        let nbytes = to_usize(nbytes, "the byte count")?;
        let buf = vec![0u64; nbytes.div_ceil(8)];
        advise_huge_pages(&buf);
        Ok(NdArray {
            dtype: dtype.clone(),
            shape: shape.to_vec(),
            size,
            nbytes,
            buf,
        })
    }

    /// The data bytes, for filling an array made by [`NdArray::zeroed`].
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `bytes`, and `&mut self` makes the borrow unique.
        unsafe { std::slice::from_raw_parts_mut(self.buf.as_mut_ptr().cast::<u8>(), self.nbytes) }
    }

    /// The bytes of the element at C-order flat index `i`, or `None` past the end.
    pub fn element(&self, i: u64) -> Option<&[u8]> {
        let size = usize::try_from(self.itemsize()).ok()?;
        let start = usize::try_from(i).ok()?.checked_mul(size)?;
        self.bytes().get(start..start.checked_add(size)?)
    }

    /// The data as a typed slice when the dtype is a plain scalar of type `T` (see [`Element`]); `None` otherwise,
    /// and for `bool` also when a byte is neither 0 nor 1.
    pub fn as_slice<T: Element>(&self) -> Option<&[T]> {
        let DType::Scalar(s) = &self.dtype else {
            return None;
        };
        if !T::accepts(s.kind) || size_of::<T>() as u64 != s.kind.itemsize() {
            return None;
        }
        let bytes = self.bytes();
        if !T::valid(bytes) {
            return None;
        }
        let len = bytes.len() / size_of::<T>();
        // SAFETY: `T` is one of the sealed plain-data types below (no padding, every bit pattern valid except
        // bool, checked above), align_of::<T>() <= 8 = the buffer's alignment, and `len * size_of::<T>()` bytes
        // are initialised.
        Some(unsafe { std::slice::from_raw_parts(self.buf.as_ptr().cast::<T>(), len) })
    }

    /// A numeric lane over this array's rows (axis 0): see [`lane`].
    pub fn lane(&self, rows: Option<Range<u64>>, sel: &Selection) -> Result<Lane<'_>, ArrayError> {
        lane(&self.dtype, false, &self.shape, self.bytes(), rows, sel)
    }
}

/// Asks Linux to back a large, not yet touched buffer with transparent huge pages (as numpy
/// does for its arrays): filling 1 GiB then takes 512 times fewer page faults.
pub(crate) fn advise_huge_pages<T>(buf: &[T]) {
    const HUGE: usize = 2 << 20;
    let len = std::mem::size_of_val(buf);
    if !cfg!(target_os = "linux") || len < 2 * HUGE {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        let start = buf.as_ptr() as usize;
        let aligned = start.next_multiple_of(HUGE);
        let end = (start + len) / HUGE * HUGE;
        if end > aligned {
            // SAFETY: the range lies inside `buf`, which this process owns; MADV_HUGEPAGE only
            // changes how the kernel backs those pages, never their contents.
            unsafe {
                libc::madvise(
                    aligned as *mut libc::c_void,
                    end - aligned,
                    libc::MADV_HUGEPAGE,
                );
            }
        }
    }
}

/// An array being filled in place with its bytes as stored (C order, the stored byte order),
/// made by [`NdArray::filling`]: the bytes land in the array itself, so reading an array into
/// memory never holds it twice.
pub struct Filling {
    array: NdArray,
    /// The byte swaps that make the stored bytes native (empty when they already are).
    plan: Vec<Run>,
    itemsize: usize,
}

impl Filling {
    /// The array's bytes, to be written as stored.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        self.array.bytes_mut()
    }

    /// The filled array, its bytes swapped to native order where the stored order differs.
    pub fn finish(mut self) -> NdArray {
        apply(&self.plan, self.itemsize, self.array.bytes_mut());
        self.array
    }
}

mod sealed {
    pub trait Sealed {}
}

/// Plain-data element types [`NdArray::as_slice`] can hand out: `bool`/`u8` for bool, the integers, `f32`, `f64`,
/// `[f32; 2]`/`[f64; 2]` for complex (real, imaginary), and `i64` also for datetime64/timedelta64 counts.
pub trait Element: Copy + sealed::Sealed {
    /// Whether a dtype of this kind can be viewed as `Self` (sizes are checked separately).
    fn accepts(kind: ScalarKind) -> bool;
    /// Whether every value in `bytes` is a valid `Self` (only `bool` restricts this).
    fn valid(_bytes: &[u8]) -> bool {
        true
    }
}

macro_rules! element {
    ($t:ty, $($pat:pat_param)|+) => {
        impl sealed::Sealed for $t {}
        impl Element for $t {
            fn accepts(kind: ScalarKind) -> bool {
                matches!(kind, $($pat)|+)
            }
        }
    };
}

element!(u8, ScalarKind::Bool | ScalarKind::UInt(1));
element!(i8, ScalarKind::Int(1));
element!(i16, ScalarKind::Int(2));
element!(i32, ScalarKind::Int(4));
element!(
    i64,
    ScalarKind::Int(8) | ScalarKind::DateTime(_) | ScalarKind::TimeDelta(_)
);
element!(u16, ScalarKind::UInt(2));
element!(u32, ScalarKind::UInt(4));
element!(u64, ScalarKind::UInt(8));
element!(f32, ScalarKind::Float(4));
element!(f64, ScalarKind::Float(8));
element!([f32; 2], ScalarKind::Complex(8));
element!([f64; 2], ScalarKind::Complex(16));

impl sealed::Sealed for bool {}
impl Element for bool {
    fn accepts(kind: ScalarKind) -> bool {
        kind == ScalarKind::Bool
    }
    fn valid(bytes: &[u8]) -> bool {
        bytes.iter().all(|&b| b <= 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::npy::parse_typestr;

    fn scalar(s: &str) -> DType {
        DType::Scalar(parse_typestr(s).unwrap())
    }

    #[test]
    fn big_endian_fortran_becomes_native_c() {
        // Fortran (2, 3) of >i2: column-major values 0..6.
        let data: Vec<u8> = (0i16..6).flat_map(i16::to_be_bytes).collect();
        let a = NdArray::from_parts(&scalar(">i2"), true, &[2, 3], &data).unwrap();
        assert_eq!(a.as_slice::<i16>().unwrap(), &[0, 2, 4, 1, 3, 5]);
        assert_eq!(a.dtype(), &scalar("=i2"));
        assert!(a.as_slice::<u16>().is_none());
        assert!(a.as_slice::<f32>().is_none());
        assert_eq!(a.element(5), Some(&5i16.to_ne_bytes()[..]));
        assert_eq!(a.element(6), None);
    }

    #[test]
    fn complex_and_strings_swap_per_unit() {
        let data: Vec<u8> = [1.5f32, -2.0]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect();
        let a = NdArray::from_parts(&scalar(">c8"), false, &[1], &data).unwrap();
        assert_eq!(a.as_slice::<[f32; 2]>().unwrap(), &[[1.5, -2.0]]);
        let data: Vec<u8> = ['a', 'μ']
            .iter()
            .flat_map(|&c| (c as u32).to_be_bytes())
            .collect();
        let a = NdArray::from_parts(&scalar(">U2"), false, &[1], &data).unwrap();
        let want: Vec<u8> = ['a', 'μ']
            .iter()
            .flat_map(|&c| (c as u32).to_ne_bytes())
            .collect();
        assert_eq!(a.bytes(), &want[..]);
    }

    #[test]
    fn bool_slices_are_validated() {
        let a = NdArray::from_parts(&scalar("|b1"), false, &[3], &[1, 0, 1]).unwrap();
        assert_eq!(a.as_slice::<bool>().unwrap(), &[true, false, true]);
        assert_eq!(a.as_slice::<u8>().unwrap(), &[1, 0, 1]);
        let a = NdArray::from_parts(&scalar("|b1"), false, &[2], &[1, 7]).unwrap();
        assert!(a.as_slice::<bool>().is_none());
    }

    #[test]
    fn hostile_sizes_are_errors() {
        let e = NdArray::from_parts(&scalar("<f8"), false, &[3], &[0; 23]).unwrap_err();
        assert_eq!(e.kind(), "data_length");
        let e = NdArray::from_parts(&scalar("<f8"), false, &[u64::MAX, 2], &[]).unwrap_err();
        assert_eq!(e.kind(), "too_big");
        let e = NdArray::from_parts(&scalar("<f8"), true, &[1 << 62, 0], &[]).unwrap();
        assert!(e.is_empty());
        // Zero-sized items with a huge count: nothing to copy, nothing to loop over.
        let z = DType::Structured(vec![]);
        let a = NdArray::from_parts(&z, true, &[1 << 40, 1 << 20], &[]).unwrap();
        assert_eq!(a.size(), 1 << 60);
        assert_eq!(a.bytes(), &[] as &[u8]);
    }
}
