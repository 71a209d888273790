//! Writing a numeric array as `datajoint.blob.pack` does (`Blob.pack_array`): an `mYm` (`dj0` for 0-d) `'A'` item
//! with column-major data, zlib-wrapped (`ZL123\0`, the uncompressed length, the zlib stream) when the blob is over
//! 1000 bytes and compression makes it smaller. For the demo store and the benchmarks; the tests check it against
//! DataJoint's own unpack.

use std::io::Write;

use super::zlib::ZLIB_PREFIX;

/// A numeric element type DataJoint writes, with its type id (`blob.py` `serialize_lookup`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PackType {
    /// `float64` (6).
    F64,
    /// `float32` (7).
    F32,
    /// `int16` (10).
    I16,
    /// `int32` (12).
    I32,
    /// `int64` (14).
    I64,
}

impl PackType {
    fn type_id(self) -> u32 {
        match self {
            PackType::F64 => 6,
            PackType::F32 => 7,
            PackType::I16 => 10,
            PackType::I32 => 12,
            PackType::I64 => 14,
        }
    }
}

/// Packs an array of `shape` whose little-endian elements of `kind` are given in column-major (Fortran) order, as
/// DataJoint does with `compress=True` (its default). `data` must hold exactly the elements of `shape`.
pub fn pack_array(kind: PackType, shape: &[u64], data: &[u8]) -> Vec<u8> {
    let mut blob = Vec::with_capacity(data.len() + 64);
    blob.extend_from_slice(if shape.is_empty() { b"dj0\0" } else { b"mYm\0" });
    blob.push(b'A');
    blob.extend_from_slice(&(shape.len() as u64).to_le_bytes());
    for &d in shape {
        blob.extend_from_slice(&d.to_le_bytes());
    }
    blob.extend_from_slice(&kind.type_id().to_le_bytes());
    blob.extend_from_slice(&0u32.to_le_bytes());
    blob.extend_from_slice(data);
    if blob.len() <= 1000 {
        return blob;
    }
    let mut out = Vec::with_capacity(blob.len() / 2 + 16);
    out.extend_from_slice(ZLIB_PREFIX);
    out.extend_from_slice(&(blob.len() as u64).to_le_bytes());
    let mut encoder = flate2::write::ZlibEncoder::new(out, flate2::Compression::default());
    let compressed = encoder.write_all(&blob).and_then(|()| encoder.finish());
    match compressed {
        Ok(out) if out.len() < blob.len() => out,
        _ => blob,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_like_datajoint() {
        // datajoint.blob.pack(np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int16)), column-major data.
        let data: Vec<u8> = [1i16, 4, 2, 5, 3, 6]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let blob = pack_array(PackType::I16, &[2, 3], &data);
        let hex: String = blob.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "6d596d00410200000000000000020000000000000003000000000000000a00000000000000010004000200050003000600"
        );
        let zeros = vec![0u8; 8 * 4096];
        let packed = pack_array(PackType::F64, &[4096], &zeros);
        assert!(packed.starts_with(ZLIB_PREFIX) && packed.len() < 1000);
        let array = crate::blob::decode(&packed).unwrap();
        assert_eq!(array.as_array().unwrap().shape, vec![4096]);
    }
}
