//! Arrays whose stored bytes must be decoded before use: DataJoint blobs that are compressed, complex (real and
//! imaginary parts stored apart) or MATLAB chars. The whole object is decoded (bounded by the blob reader's limits)
//! and row windows are cut from the decoded array; everything else reads stored bytes in place.

use std::ops::Range;

use super::data::NdArray;
use super::error::ArrayError;
use crate::blob::{self, BlobError, DecodeOptions};

/// Why a blob's bytes gave no array.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The bytes are not a readable blob.
    #[error(transparent)]
    Blob(#[from] BlobError),
    /// The blob is fine but holds something else.
    #[error(
        "the blob holds {0}, not an array; only arrays can be shown, plotted or written to .npy"
    )]
    NotArray(&'static str),
    /// The array cannot be held in memory as npyscope holds arrays.
    #[error(transparent)]
    Array(#[from] ArrayError),
}

/// Decodes a whole blob and returns its top-level array in native C order, as `Blob.unpack` then
/// `np.ascontiguousarray` would give it.
pub fn blob_array(bytes: &[u8]) -> Result<NdArray, DecodeError> {
    let blob = blob::decode_blob(bytes, &DecodeOptions::default())?;
    let array = blob
        .value
        .as_array()
        .ok_or(DecodeError::NotArray(blob.value.kind_name()))?;
    Ok(array.to_ndarray()?)
}

/// Rows `rows` of axis 0 of an array in memory (numpy's `a[A:B]`, clamped like a slice); a 0-d array has one row.
pub fn rows_of(array: &NdArray, rows: Range<u64>) -> Result<(Range<u64>, NdArray), ArrayError> {
    if rows.start > rows.end {
        return Err(ArrayError::ReversedRange {
            start: rows.start,
            end: rows.end,
        });
    }
    let shape = array.shape();
    let count = shape.first().copied().unwrap_or(1);
    let end = rows.end.min(count);
    let start = rows.start.min(end);
    if shape.is_empty() {
        return if start < end {
            Ok((start..end, array.clone()))
        } else {
            NdArray::from_parts(array.dtype(), false, &[0], &[]).map(|a| (start..end, a))
        };
    }
    let per_row: u64 = shape[1..]
        .iter()
        .try_fold(array.itemsize(), |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| ArrayError::TooBig("a row".to_string()))?;
    let too_big = || ArrayError::TooBig("the rows' bytes".to_string());
    let from = usize::try_from(start * per_row).map_err(|_| too_big())?;
    let to = usize::try_from(end * per_row).map_err(|_| too_big())?;
    let bytes = array.bytes().get(from..to).ok_or_else(too_big)?;
    let mut cut = shape.to_vec();
    cut[0] = end - start;
    NdArray::from_parts(array.dtype(), false, &cut, bytes).map(|a| (start..end, a))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::npy::DType;

    #[test]
    fn rows_are_cut_like_numpy() {
        let dtype = DType::Scalar(crate::npy::parse_typestr("<i4").unwrap());
        let data: Vec<u8> = (0..12i32).flat_map(|v| v.to_le_bytes()).collect();
        let array = NdArray::from_parts(&dtype, false, &[4, 3], &data).unwrap();
        let (rows, cut) = rows_of(&array, 1..3).unwrap();
        assert_eq!(rows, 1..3);
        assert_eq!(cut.shape(), &[2, 3]);
        assert_eq!(cut.as_slice::<i32>().unwrap(), &[3, 4, 5, 6, 7, 8]);
        let (rows, cut) = rows_of(&array, 3..10).unwrap();
        assert_eq!((rows, cut.shape().to_vec()), (3..4, vec![1, 3]));
        let reversed = std::ops::Range { start: 2, end: 1 };
        assert!(rows_of(&array, reversed).is_err());
    }
}
