//! The protocol line an uncompressed blob starts with: `mYm\0` (MATLAB-compatible) or `dj0\0` (Python-only
//! features).

use super::error::{BlobError, escape_start};
use super::sniff::{DJ0_PREFIX, MYM_PREFIX};
use super::zlib::ZLIB_PREFIX;

/// Which serialization protocol a blob uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// `mYm\0`: what the MATLAB mYm library reads too.
    Mym,
    /// `dj0\0`: uses features only DataJoint for Python reads (0-d arrays, dicts, lists, datetime64…).
    Dj0,
}

impl Protocol {
    /// The name as stored, without the NUL: `"mYm"` or `"dj0"`.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Mym => "mYm",
            Protocol::Dj0 => "dj0",
        }
    }
}

/// The protocol of uncompressed blob bytes `buf` (its first 4 bytes). Errors: `Empty`, `Truncated` when `buf` is a
/// proper prefix of a protocol line, `NotBlob` otherwise.
pub(crate) fn protocol_of(buf: &[u8]) -> Result<Protocol, BlobError> {
    if buf.starts_with(MYM_PREFIX) {
        return Ok(Protocol::Mym);
    }
    if buf.starts_with(DJ0_PREFIX) {
        return Ok(Protocol::Dj0);
    }
    if buf.is_empty() {
        return Err(BlobError::Empty);
    }
    if buf.len() < MYM_PREFIX.len() && (MYM_PREFIX.starts_with(buf) || DJ0_PREFIX.starts_with(buf))
    {
        return Err(BlobError::Truncated {
            what: "the protocol line",
            at: 0,
            need: MYM_PREFIX.len() as u64,
            have: buf.len() as u64,
        });
    }
    Err(BlobError::NotBlob {
        found: escape_start(buf),
    })
}

/// Whether an object starts with the compression wrapper; `None` when `buf` is too short to tell (a proper prefix
/// of `ZL123\0`).
pub(crate) fn is_compressed(buf: &[u8]) -> Option<bool> {
    if buf.starts_with(ZLIB_PREFIX) {
        Some(true)
    } else if !buf.is_empty() && buf.len() < ZLIB_PREFIX.len() && ZLIB_PREFIX.starts_with(buf) {
        None
    } else {
        Some(false)
    }
}
