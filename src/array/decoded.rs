//! Arrays whose stored bytes must be decoded before use: DataJoint blobs that are compressed, complex (real and
//! imaginary parts stored apart) or MATLAB chars. The whole object is decoded (bounded by the blob reader's limits)
//! and row windows are cut from the decoded array; everything else reads stored bytes in place.

use std::ops::Range;

use super::data::NdArray;
use super::error::ArrayError;
use crate::blob::{self, BlobError, BlobKind, DecodeOptions};

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
    if let Some(array) = inflated_in_place(bytes)? {
        return Ok(array);
    }
    let blob = blob::decode_blob(bytes, &DecodeOptions::default())?;
    let array = blob
        .value
        .as_array()
        .ok_or(DecodeError::NotArray(blob.value.kind_name()))?;
    Ok(array.to_ndarray()?)
}

/// The array of a compressed blob holding one plain numeric array whose column-major order is also its C order
/// (at most one dimension longer than 1), inflated straight into the array's buffer: no second copy of what may
/// be gigabytes. `None` for any other blob (decoded the general way, which also reports what is wrong).
fn inflated_in_place(bytes: &[u8]) -> Result<Option<NdArray>, DecodeError> {
    let Ok(header) = blob::read_header(bytes, Some(bytes.len() as u64)) else {
        return Ok(None);
    };
    let (Some(wrapper), BlobKind::Array(array)) = (header.compression, &header.kind) else {
        return Ok(None);
    };
    let one_axis = array.shape.iter().filter(|&&d| d > 1).count() <= 1;
    let whole = array.data_offset.checked_add(array.data_len) == Some(wrapper.uncompressed_len);
    if !array.stored_as_numpy() || !one_axis || !whole {
        return Ok(None);
    }
    let stream = bytes.get(usize::try_from(wrapper.stream_offset).unwrap_or(usize::MAX)..);
    let stream = stream.unwrap_or_default();
    // Nothing is allocated for a claim over the limit or beyond what the stream can hold.
    blob::check_claim(
        wrapper.uncompressed_len,
        stream.len() as u64,
        blob::DEFAULT_MAX_DECOMPRESSED,
    )?;
    let Some(mut out) = NdArray::zeroed(&array.dtype, &array.shape)? else {
        return Ok(None);
    };
    let Ok(head_len) = usize::try_from(array.data_offset) else {
        return Ok(None);
    };
    if out.nbytes() as u64 != array.data_len {
        return Ok(None);
    }
    let mut head = vec![0u8; head_len];
    blob::inflate_into(
        stream,
        wrapper.uncompressed_len,
        blob::DEFAULT_MAX_DECOMPRESSED,
        [&mut head, out.bytes_mut()],
    )?;
    Ok(Some(out))
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

    /// A compressed float64 vector blob: `mYm\0A`, ndim 1, `len`, type double, real; `data` compressed.
    fn compressed_vector(len: u64, data: &[u8], claim: u64) -> Vec<u8> {
        use std::io::Write;
        let mut raw = b"mYm\0A".to_vec();
        raw.extend(1u64.to_le_bytes());
        raw.extend(len.to_le_bytes());
        raw.extend(6u32.to_le_bytes());
        raw.extend(0u32.to_le_bytes());
        raw.extend(data);
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(&raw).unwrap();
        let mut blob = blob::ZLIB_PREFIX.to_vec();
        blob.extend(claim.to_le_bytes());
        blob.extend(z.finish().unwrap());
        blob
    }

    #[test]
    fn compressed_vectors_inflate_in_place_and_lying_ones_fail() {
        let values: Vec<f64> = (0..5000).map(|i| f64::from(i) * 0.5).collect();
        let data: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        let header_len = 5 + 8 + 8 + 8;
        let good = compressed_vector(5000, &data, (header_len + data.len()) as u64);
        let array = blob_array(&good).unwrap();
        assert_eq!(array.as_slice::<f64>().unwrap(), values.as_slice());
        // A shape of 2^40 elements with the matching claim: refused before anything is allocated.
        let huge = 1u64 << 40;
        let bomb = compressed_vector(huge, &data, header_len as u64 + huge * 8);
        assert!(blob_array(&bomb).is_err());
        // A claim one byte longer than the stream gives.
        let long = compressed_vector(5000, &data, (header_len + data.len() + 1) as u64);
        assert!(blob_array(&long).is_err());
        // Cut streams.
        for cut in [good.len() / 2, good.len() - 1] {
            assert!(blob_array(&good[..cut]).is_err(), "cut at {cut}");
        }
    }
}
