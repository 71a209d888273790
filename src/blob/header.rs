//! Header-only reading: from the first bytes of an object, what the blob holds (protocol, compression, the kind of
//! its item, and for an array its dtype, shape and where its data lies), inflating only the start of a compressed
//! blob, so a store can list `_hash` objects with small ranged reads.

use super::cursor::{Cursor, Width, element_count};
use super::error::BlobError;
use super::protocol::{Protocol, is_compressed, protocol_of};
use super::scalar::BlobDateTime;
use super::types::{Elem, char_dtype, complex_of, elem_of};
use super::zlib::{ZLIB_PREFIX, check_plausible, inflate_prefix, wrapper};
use crate::npy::DType;

/// A good size for the first ranged read of a blob: enough for the header of every blob DataJoint writes.
pub const HEADER_PROBE_BYTES: usize = 4096;
/// Uncompressed bytes inflated for a header (the longest header, a 64-dimensional array, takes 533).
const HEADER_INFLATE_BYTES: usize = 1024;

/// What the first bytes of a blob say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobHeader {
    /// The protocol line.
    pub protocol: Protocol,
    /// The compression wrapper, if any.
    pub compression: Option<Compression>,
    /// Whether lengths and dimensions are 32-bit (the legacy mYm library for 32-bit MATLAB).
    pub legacy_32bit: bool,
    /// What the blob's one item is.
    pub kind: BlobKind,
}

/// The compression wrapper of a blob.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Compression {
    /// The uncompressed length the blob claims (checked when it is fully decoded).
    pub uncompressed_len: u64,
    /// Offset of the zlib stream in the object.
    pub stream_offset: u64,
}

/// The kind of a blob's item, with what its first bytes tell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlobKind {
    /// A numeric, bool or datetime64 array, or a MATLAB char matrix (`<U1`).
    Array(ArrayHeader),
    /// A `str` (`len` UTF-8 bytes) or a MATLAB char row (`len` characters).
    Text {
        /// Bytes of a `str`, characters of a char row.
        len: u64,
    },
    /// A numpy object array.
    Objects {
        /// Its shape.
        shape: Vec<u64>,
    },
    /// A MATLAB cell array.
    Cell {
        /// Its shape.
        shape: Vec<u64>,
    },
    /// A MATLAB struct array.
    Struct {
        /// Its shape.
        shape: Vec<u64>,
        /// Number of fields.
        nfields: u32,
    },
    /// A numpy structured array.
    Record {
        /// Number of fields.
        nfields: u32,
    },
    /// A `tuple` of `len` items.
    Tuple {
        /// Item count.
        len: u64,
    },
    /// A `list` of `len` items.
    List {
        /// Item count.
        len: u64,
    },
    /// A `set` of `len` items.
    Set {
        /// Item count.
        len: u64,
    },
    /// A `dict` of `len` pairs.
    Dict {
        /// Pair count.
        len: u64,
    },
    /// `bytes` of `len` bytes.
    Bytes {
        /// Byte count.
        len: u64,
    },
    /// A Python scalar; the name is [`Scalar::type_name`](super::Scalar::type_name)'s.
    Scalar {
        /// `"int"`, `"bool"`, `"float"`, `"complex"`, `"decimal"`, `"date"`, `"time"`, `"datetime"` or `"uuid"`.
        type_name: &'static str,
    },
    /// `None`.
    None,
}

impl BlobKind {
    /// The same name [`BlobValue::kind_name`](super::BlobValue::kind_name) gives the decoded item.
    pub fn name(&self) -> &'static str {
        match self {
            BlobKind::Array(_) => "array",
            BlobKind::Text { .. } => "text",
            BlobKind::Objects { .. } => "objects",
            BlobKind::Cell { .. } => "cell",
            BlobKind::Struct { .. } => "struct",
            BlobKind::Record { .. } => "record",
            BlobKind::Tuple { .. } => "tuple",
            BlobKind::List { .. } => "list",
            BlobKind::Set { .. } => "set",
            BlobKind::Dict { .. } => "dict",
            BlobKind::Bytes { .. } => "bytes",
            BlobKind::Scalar { type_name } => type_name,
            BlobKind::None => "none",
        }
    }
}

/// A top-level array: what it decodes to and where its stored data lies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArrayHeader {
    /// The numpy dtype of the decoded array (`<c16` for complex128, `<U1` for a char matrix).
    pub dtype: DType,
    /// The shape; empty for 0-d.
    pub shape: Vec<u64>,
    /// Always `true`: the data is column-major.
    pub fortran_order: bool,
    /// Whether real parts and imaginary parts are stored one after the other.
    pub is_complex: bool,
    /// DataJoint's type id.
    pub type_id: u32,
    /// Offset of the stored data in the uncompressed blob (in the object itself when not compressed).
    pub data_offset: u64,
    /// Bytes of stored data (both parts of a complex array, 2 bytes per MATLAB char).
    pub data_len: u64,
}

impl ArrayHeader {
    /// Element count (1 for 0-d).
    pub fn size(&self) -> u64 {
        element_count(&self.shape).unwrap_or(u64::MAX)
    }

    /// Bytes of the decoded array (size × itemsize, saturating).
    pub fn nbytes(&self) -> u64 {
        self.size().saturating_mul(self.dtype.itemsize())
    }

    /// Whether the stored bytes are already numpy's Fortran-order data of [`ArrayHeader::dtype`] (not complex,
    /// not char): then a ranged read of an uncompressed blob gives the array with no conversion.
    pub fn stored_as_numpy(&self) -> bool {
        !self.is_complex && self.dtype != char_dtype()
    }
}

/// Reads the header from the first bytes of an object (`prefix`; [`HEADER_PROBE_BYTES`] is a good first read).
/// `object_len`, when known, lets the size of a top-level array be checked and tells a short prefix from a
/// truncated object. `Err(BlobError::NeedMore)` asks for a longer prefix: exactly for uncompressed blobs, generously
/// for compressed ones (only the start of the zlib stream is inflated).
pub fn read_header(prefix: &[u8], object_len: Option<u64>) -> Result<BlobHeader, BlobError> {
    let prefix = match object_len {
        Some(n) if (prefix.len() as u64) > n => &prefix[..n as usize],
        _ => prefix,
    };
    let have = prefix.len() as u64;
    let whole = object_len.is_some_and(|n| have >= n);
    if prefix.is_empty() && !whole {
        return Err(BlobError::NeedMore {
            have,
            at_least: ZLIB_PREFIX.len() as u64,
        });
    }
    match is_compressed(prefix) {
        Some(true) => compressed(prefix, object_len, whole),
        Some(false) => uncompressed(prefix, object_len, whole),
        None if whole => Err(BlobError::Truncated {
            what: "the compression prefix",
            at: 0,
            need: ZLIB_PREFIX.len() as u64,
            have,
        }),
        None => Err(BlobError::NeedMore {
            have,
            at_least: ZLIB_PREFIX.len() as u64,
        }),
    }
}

fn uncompressed(
    prefix: &[u8],
    object_len: Option<u64>,
    whole: bool,
) -> Result<BlobHeader, BlobError> {
    let have = prefix.len() as u64;
    let exact = |e| match e {
        BlobError::Truncated { at, need, .. } => {
            let end = at.saturating_add(need);
            if end > have && object_len.is_none_or(|n| end <= n) {
                BlobError::NeedMore {
                    have,
                    at_least: end,
                }
            } else {
                e
            }
        }
        e => e,
    };
    let protocol = match protocol_of(prefix) {
        Err(e @ BlobError::Truncated { .. }) if !whole => return Err(exact(e)),
        other => other?,
    };
    let (kind, width) = with_fallback(protocol, Width::U64, |w| {
        kind_at(prefix, object_len, w).map_err(exact)
    })?;
    Ok(BlobHeader {
        protocol,
        compression: None,
        legacy_32bit: width == Width::U32,
        kind,
    })
}

fn compressed(
    prefix: &[u8],
    object_len: Option<u64>,
    whole: bool,
) -> Result<BlobHeader, BlobError> {
    let have = prefix.len() as u64;
    let suggestion = || {
        let want = have.saturating_mul(2).max(HEADER_PROBE_BYTES as u64);
        BlobError::NeedMore {
            have,
            at_least: object_len.map_or(want, |n| want.min(n)),
        }
    };
    let w = match wrapper(prefix) {
        Err(BlobError::Truncated { .. }) if !whole => return Err(suggestion()),
        other => other?,
    };
    if let Some(n) = object_len {
        check_plausible(w.claim, n.saturating_sub(w.stream_offset as u64))?;
    }
    let inflated = inflate_prefix(&prefix[w.stream_offset..], w.claim, HEADER_INFLATE_BYTES)?;
    let buf = &inflated.bytes;
    let short = |e| match e {
        BlobError::Truncated { at, need, .. }
            if at.saturating_add(need) <= w.claim && inflated.input_exhausted =>
        {
            if whole {
                BlobError::Zlib(format!(
                    "the stream ends early, after {} inflated bytes",
                    buf.len()
                ))
            } else {
                suggestion()
            }
        }
        e => e,
    };
    let protocol = protocol_of(buf)
        .map_err(|e| match e {
            BlobError::Empty => BlobError::Truncated {
                what: "the protocol line",
                at: 0,
                need: 4,
                have: 0,
            },
            e => e,
        })
        .map_err(short)?;
    let (kind, width) = with_fallback(protocol, w.width, |width| {
        kind_at(buf, Some(w.claim), width).map_err(short)
    })?;
    Ok(BlobHeader {
        protocol,
        compression: Some(Compression {
            uncompressed_len: w.claim,
            stream_offset: w.stream_offset as u64,
        }),
        legacy_32bit: width == Width::U32,
        kind,
    })
}

/// Runs `read` with `first` width and, for an mYm blob it fails on (other than for want of bytes), the other
/// width; the first error is the one reported when both fail.
fn with_fallback<T>(
    protocol: Protocol,
    first: Width,
    read: impl Fn(Width) -> Result<T, BlobError>,
) -> Result<(T, Width), BlobError> {
    let other = match first {
        Width::U64 => Width::U32,
        Width::U32 => Width::U64,
    };
    match read(first) {
        Ok(v) => Ok((v, first)),
        Err(e @ BlobError::NeedMore { .. }) => Err(e),
        Err(e) if protocol == Protocol::Mym => match read(other) {
            Ok(v) => Ok((v, other)),
            Err(more @ BlobError::NeedMore { .. }) => Err(more),
            Err(_) => Err(e),
        },
        Err(e) => Err(e),
    }
}

/// The kind of the item at offset 4 of uncompressed blob bytes `buf` (possibly only a prefix; `total` is the
/// blob's whole length when known).
fn kind_at(buf: &[u8], total: Option<u64>, width: Width) -> Result<BlobKind, BlobError> {
    let mut c = Cursor::new(buf, 4);
    let at = 4usize;
    let code = c.u8("an item code")?;
    Ok(match code {
        b'A' => array(&mut c, total, width)?,
        b'P' => return Err(BlobError::Sparse { at: at as u64 }),
        b'S' => {
            let shape = c.shape(width, at)?;
            let nfields = c.u32("the field count")?;
            BlobKind::Struct { shape, nfields }
        }
        b'C' => BlobKind::Cell {
            shape: c.shape(width, at)?,
        },
        b'F' => BlobKind::Record {
            nfields: c.u32("the field count")?,
        },
        0x01 => BlobKind::Tuple {
            len: c.len(width, "the item count")?,
        },
        0x02 => BlobKind::List {
            len: c.len(width, "the item count")?,
        },
        0x03 => BlobKind::Set {
            len: c.len(width, "the item count")?,
        },
        0x04 => BlobKind::Dict {
            len: c.len(width, "the dict size")?,
        },
        0x05 => BlobKind::Text {
            len: c.len(width, "a string length")?,
        },
        0x06 => BlobKind::Bytes {
            len: c.len(width, "the bytes length")?,
        },
        0x0a => scalar("int"),
        0x0b => scalar("bool"),
        0x0c => scalar("complex"),
        0x0d => scalar("float"),
        b'd' => scalar("decimal"),
        b'u' => scalar("uuid"),
        0xff => BlobKind::None,
        b't' => {
            let date = c.i32("a date")?;
            let time = c.i64("a time")?;
            match BlobDateTime::from_fields(date, time) {
                Ok(Some(BlobDateTime::Date(_))) => scalar("date"),
                Ok(Some(BlobDateTime::Time(_))) => scalar("time"),
                Ok(Some(BlobDateTime::DateTime(_))) => scalar("datetime"),
                Ok(None) => BlobKind::None,
                Err(()) => {
                    return Err(BlobError::BadDateTime {
                        date,
                        time,
                        at: at as u64,
                    });
                }
            }
        }
        code => {
            return Err(BlobError::UnknownCode {
                code,
                at: at as u64,
            });
        }
    })
}

fn scalar(type_name: &'static str) -> BlobKind {
    BlobKind::Scalar { type_name }
}

/// The header of a top-level `'A'` item (code already read); its data must end the blob when `total` is known.
fn array(c: &mut Cursor<'_>, total: Option<u64>, width: Width) -> Result<BlobKind, BlobError> {
    let at = 4usize;
    let shape = c.shape(width, at)?;
    let type_id = c.u32("the type id")?;
    let is_complex = c.u32("the complex flag")? != 0;
    let Some(elem) = elem_of(type_id) else {
        return Err(BlobError::UnknownType {
            type_id,
            at: at as u64,
        });
    };
    let data_offset = c.pos() as u64;
    let left = total.map(|t| t.saturating_sub(data_offset));
    let too_big = |count: u64| BlobError::CountTooBig {
        what: "the element count",
        at: at as u64,
        count,
        have: left.unwrap_or(u64::MAX),
    };
    let n = element_count(&shape).ok_or_else(|| too_big(u64::MAX))?;
    let (dtype, each) = match elem {
        Elem::Void => return Ok(BlobKind::Objects { shape }),
        Elem::Char if shape.len() == 1 || (shape.len() == 2 && shape[0] == 1) => {
            check_fills(n.checked_mul(2), n, data_offset, total, &too_big)?;
            return Ok(BlobKind::Text { len: n });
        }
        Elem::Char => (char_dtype(), 2),
        Elem::Num(part) if is_complex => match complex_of(part) {
            Some(cx) => (DType::Scalar(cx), part.kind.itemsize() * 2),
            None => {
                return Err(BlobError::ComplexNotAllowed {
                    dtype: part.display_name(),
                    at: at as u64,
                });
            }
        },
        Elem::Num(part) => (DType::Scalar(part), part.kind.itemsize()),
    };
    let data_len = check_fills(n.checked_mul(each), n, data_offset, total, &too_big)?;
    Ok(BlobKind::Array(ArrayHeader {
        dtype,
        shape,
        fortran_order: true,
        is_complex,
        type_id,
        data_offset,
        data_len,
    }))
}

/// The data length, checked to end exactly at `total` when known (a blob holds one item, nothing after it).
fn check_fills(
    len: Option<u64>,
    n: u64,
    offset: u64,
    total: Option<u64>,
    too_big: &dyn Fn(u64) -> BlobError,
) -> Result<u64, BlobError> {
    let len = len.ok_or_else(|| too_big(n))?;
    if let Some(t) = total {
        let left = t.saturating_sub(offset);
        if len > left {
            return Err(BlobError::Truncated {
                what: "array data",
                at: offset,
                need: len,
                have: left,
            });
        }
        if len < left {
            return Err(BlobError::TrailingBytes {
                at: offset + len,
                extra: left - len,
            });
        }
    }
    Ok(len)
}
