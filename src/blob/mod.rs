//! DataJoint blobs: the format `datajoint.blob.pack` writes (`mYm`/`dj0`, optionally zlib-compressed) for `<blob>`
//! attributes and `<blob@store>` objects, read without Python.
//!
//! [`read_header`] tells from the first bytes what a blob holds (an array's dtype, shape and data range), inflating
//! only the start of a compressed one; [`decode()`] gives the whole [`BlobValue`] tree, whose numeric arrays become
//! [`NdArray`](crate::array::NdArray)s or `.npy` files. Input is untrusted: every length is checked against the
//! bytes left before allocating, inflating is capped, nesting is bounded, and a blob must hold exactly one item.

mod array;
mod cursor;
mod decode;
mod error;
mod header;
mod json;
mod pack;
mod path;
mod protocol;
mod scalar;
mod sniff;
mod summary;
mod types;
mod value;
mod zlib;

pub use array::BlobArray;
pub use decode::{
    Blob, DEFAULT_MAX_DECOMPRESSED, DEFAULT_MAX_DEPTH, DecodeOptions, HARD_MAX_DEPTH, decode,
    decode_blob, decode_shared,
};
pub use error::BlobError;
pub use header::{ArrayHeader, BlobHeader, BlobKind, Compression, HEADER_PROBE_BYTES, read_header};
pub use pack::{PackType, pack_array};
pub use path::NumericArrays;
pub use protocol::Protocol;
pub use scalar::{BigInt, BlobDateTime, Scalar};
pub use sniff::{DJ0_PREFIX, MAX_ATTACH_NAME, MYM_PREFIX, Sniffed, sniff};
pub use value::{BlobValue, ObjectArray, Record, StructArray};
pub use zlib::{ZLIB_PREFIX, check_claim, inflate_into};

#[cfg(test)]
mod tests;
