//! The `.npy` format: header parsing, dtypes and array metadata.
//!
//! A small, strict parser of our own: header length capped, sizes checked, nesting bounded, nothing evaluated or
//! unpickled, so hostile objects in a store cannot crash or exhaust the inspector.

mod descr;
mod dtype;
mod encode;
mod error;
mod header;
mod name;
mod pylit;
pub(crate) mod repr;

pub use descr::parse_typestr;
pub use dtype::{ByteOrder, DType, DateUnit, Field, ScalarKind, ScalarType, TimeUnit};
pub use encode::encode_header;
pub use error::NpyError;
pub use header::{
    ArrayMeta, MAGIC, MAX_HEADER_BYTES, MIN_PROBE_BYTES, header_total_len, parse_header,
};
pub use name::dtype_from_numpy_name;
