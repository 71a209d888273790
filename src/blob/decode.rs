//! Full decoding: a whole blob (compressed or not) to a [`BlobValue`] tree, as `datajoint.blob.unpack` does, with
//! every length checked against the bytes left before anything is allocated, nesting bounded, and the blob
//! required to hold exactly one item.

use bytes::Bytes;

use super::array::{BlobArray, char_text, char_ucs4, interleave};
use super::cursor::{Cursor, Width, element_count};
use super::error::BlobError;
use super::protocol::{Protocol, is_compressed, protocol_of};
use super::scalar::{BigInt, BlobDateTime, Scalar};
use super::types::{Elem, char_dtype, complex_of, elem_of};
use super::value::{BlobValue, ObjectArray, Record, StructArray};
use super::zlib::{inflate_all, wrapper};
use crate::npy::DType;

/// Default cap on the uncompressed size of a compressed blob: 4 GiB.
pub const DEFAULT_MAX_DECOMPRESSED: u64 = 4 << 30;
/// Default bound on item nesting.
pub const DEFAULT_MAX_DEPTH: usize = 64;
/// The largest nesting bound honoured, whatever is asked (the decoder recurses once per level).
pub const HARD_MAX_DEPTH: usize = 256;

/// Limits for decoding untrusted blobs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeOptions {
    /// Largest uncompressed size accepted for a compressed blob (the output buffer is this big at most).
    pub max_decompressed: u64,
    /// Deepest nesting of items accepted (the top-level item is depth 0); at most [`HARD_MAX_DEPTH`].
    pub max_depth: usize,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            max_decompressed: DEFAULT_MAX_DECOMPRESSED,
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }
}

/// A decoded blob: the tree and how it was stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Blob {
    /// The protocol line.
    pub protocol: Protocol,
    /// The uncompressed length when the blob was compressed.
    pub uncompressed_len: Option<u64>,
    /// Whether lengths and dimensions were 32-bit (the legacy mYm library for 32-bit MATLAB).
    pub legacy_32bit: bool,
    /// The one item the blob holds.
    pub value: BlobValue,
}

/// Decodes a whole blob with the default limits.
pub fn decode(bytes: &[u8]) -> Result<BlobValue, BlobError> {
    decode_blob(bytes, &DecodeOptions::default()).map(|b| b.value)
}

/// Decodes a whole blob (copying each array's bytes out of `bytes` once).
pub fn decode_blob(bytes: &[u8], opts: &DecodeOptions) -> Result<Blob, BlobError> {
    decode_source(Source::Borrowed(bytes), opts)
}

/// Decodes a whole blob held in `bytes`; arrays of an uncompressed blob share its buffer (no copy).
pub fn decode_shared(bytes: Bytes, opts: &DecodeOptions) -> Result<Blob, BlobError> {
    decode_source(Source::Shared(bytes), opts)
}

/// Where array bytes come from: copied out of a borrowed buffer, or shared slices of an owned one.
enum Source<'a> {
    Borrowed(&'a [u8]),
    Shared(Bytes),
}

fn decode_source(src: Source<'_>, opts: &DecodeOptions) -> Result<Blob, BlobError> {
    let input: &[u8] = match &src {
        Source::Borrowed(b) => b,
        Source::Shared(b) => b,
    };
    match is_compressed(input) {
        Some(true) => {
            let w = wrapper(input)?;
            let stream = &input[w.stream_offset..];
            let inflated = Bytes::from(inflate_all(stream, w.claim, opts.max_decompressed)?);
            let mut blob = parse(&inflated, Some(&inflated), w.width, opts)?;
            blob.uncompressed_len = Some(w.claim);
            Ok(blob)
        }
        None => Err(BlobError::Truncated {
            what: "the compression prefix",
            at: 0,
            need: 6,
            have: input.len() as u64,
        }),
        Some(false) => match &src {
            Source::Borrowed(b) => parse(b, None, Width::U64, opts),
            Source::Shared(b) => parse(b, Some(b), Width::U64, opts),
        },
    }
}

/// Parses uncompressed blob bytes, trying `first` width, then for mYm blobs the other one.
fn parse(
    buf: &[u8],
    owner: Option<&Bytes>,
    first: Width,
    opts: &DecodeOptions,
) -> Result<Blob, BlobError> {
    let protocol = protocol_of(buf)?;
    let attempt = |width| {
        let p = Parser {
            owner,
            width,
            max_depth: opts.max_depth.min(HARD_MAX_DEPTH),
        };
        let mut c = Cursor::new(buf, 4);
        let value = p.item(&mut c, 0)?;
        if c.pos() != buf.len() {
            return Err(BlobError::TrailingBytes {
                at: c.pos() as u64,
                extra: (buf.len() - c.pos()) as u64,
            });
        }
        Ok(value)
    };
    let other = match first {
        Width::U64 => Width::U32,
        Width::U32 => Width::U64,
    };
    let (width, value) = match attempt(first) {
        Ok(v) => (first, v),
        Err(e) if protocol == Protocol::Mym => match attempt(other) {
            Ok(v) => (other, v),
            Err(_) => return Err(e),
        },
        Err(e) => return Err(e),
    };
    Ok(Blob {
        protocol,
        uncompressed_len: None,
        legacy_32bit: width == Width::U32,
        value,
    })
}

/// The recursive reader of items.
struct Parser<'a> {
    owner: Option<&'a Bytes>,
    width: Width,
    max_depth: usize,
}

impl<'a> Parser<'a> {
    /// The bytes `raw` (a slice of the cursor's buffer) as `Bytes`: shared when the buffer is owned, else copied.
    fn bytes_of(&self, raw: &[u8]) -> Bytes {
        match self.owner {
            Some(owner) if within(owner, raw) => owner.slice_ref(raw),
            _ => Bytes::copy_from_slice(raw),
        }
    }

    /// One item: code byte and body.
    fn item(&self, c: &mut Cursor<'_>, depth: usize) -> Result<BlobValue, BlobError> {
        let at = c.pos();
        if depth > self.max_depth {
            return Err(BlobError::TooDeep {
                max: self.max_depth,
                at: at as u64,
            });
        }
        let code = c.u8("an item code")?;
        Ok(match code {
            b'A' => self.array(c, depth, at)?,
            b'P' => return Err(BlobError::Sparse { at: at as u64 }),
            b'S' => self.structure(c, depth, at)?,
            b'C' => {
                let shape = c.shape(self.width, at)?;
                let items = self.sized_items(c, &shape, depth, at, "the cell count")?;
                BlobValue::Cell(ObjectArray { shape, items })
            }
            b'F' => self.record(c, depth, at)?,
            0x01..=0x03 => {
                let n = c.len(self.width, "the item count")?;
                c.check_count(n, self.width.bytes() + 1, "the item count", at)?;
                let items = (0..n)
                    .map(|_| self.sized(c, depth))
                    .collect::<Result<Vec<_>, _>>()?;
                match code {
                    0x01 => BlobValue::Tuple(items),
                    0x02 => BlobValue::List(items),
                    _ => BlobValue::Set(items),
                }
            }
            0x04 => {
                let n = c.len(self.width, "the dict size")?;
                c.check_count(n, 2 * (self.width.bytes() + 1), "the dict size", at)?;
                let pairs = (0..n)
                    .map(|_| Ok((self.sized(c, depth)?, self.sized(c, depth)?)))
                    .collect::<Result<Vec<_>, BlobError>>()?;
                BlobValue::Dict(pairs)
            }
            0x05 => BlobValue::Text(self.string(c, "a str")?),
            0x06 => {
                let n = c.len(self.width, "the bytes length")?;
                BlobValue::Bytes(self.bytes_of(c.take(n, "bytes")?))
            }
            0x0a => {
                let n = c.u16("the int size")?;
                BlobValue::Scalar(Scalar::Int(BigInt::from_le_bytes(
                    c.take(u64::from(n), "an int")?,
                )))
            }
            0x0b => BlobValue::Scalar(Scalar::Bool(c.u8("a bool")? != 0)),
            0x0c => {
                let re = c.f64("a complex")?;
                let im = c.f64("a complex")?;
                BlobValue::Scalar(Scalar::Complex { re, im })
            }
            0x0d => BlobValue::Scalar(Scalar::Float(c.f64("a float")?)),
            0xff => BlobValue::None,
            b'd' => BlobValue::Scalar(Scalar::Decimal(self.string(c, "a decimal")?)),
            b't' => {
                let date = c.i32("a date")?;
                let time = c.i64("a time")?;
                match BlobDateTime::from_fields(date, time) {
                    Ok(Some(dt)) => BlobValue::Scalar(Scalar::DateTime(dt)),
                    Ok(None) => BlobValue::None,
                    Err(()) => {
                        return Err(BlobError::BadDateTime {
                            date,
                            time,
                            at: at as u64,
                        });
                    }
                }
            }
            b'u' => BlobValue::Scalar(Scalar::Uuid(c.array("a UUID")?)),
            code => {
                return Err(BlobError::UnknownCode {
                    code,
                    at: at as u64,
                });
            }
        })
    }

    /// A length-prefixed item that must fill exactly its declared length.
    fn sized(&self, c: &mut Cursor<'_>, depth: usize) -> Result<BlobValue, BlobError> {
        let declared = c.len(self.width, "an item length")?;
        let at = c.pos();
        let mut sub = c.sub(declared, "an item")?;
        let value = self.item(&mut sub, depth + 1)?;
        if sub.pos() != sub.end() {
            return Err(BlobError::ItemLength {
                at: at as u64,
                declared,
                used: (sub.pos() - at) as u64,
            });
        }
        Ok(value)
    }

    /// One length-prefixed item per element of `shape`.
    fn sized_items(
        &self,
        c: &mut Cursor<'_>,
        shape: &[u64],
        depth: usize,
        at: usize,
        what: &'static str,
    ) -> Result<Vec<BlobValue>, BlobError> {
        let n = count(c, shape, at)?;
        c.check_count(n, self.width.bytes() + 1, what, at)?;
        (0..n).map(|_| self.sized(c, depth)).collect()
    }

    /// A length-prefixed UTF-8 string.
    fn string(&self, c: &mut Cursor<'_>, what: &'static str) -> Result<String, BlobError> {
        let n = c.len(self.width, "a string length")?;
        let at = c.pos();
        let raw = c.take(n, what)?;
        std::str::from_utf8(raw)
            .map(str::to_string)
            .map_err(|_| BlobError::BadText {
                what,
                at: at as u64,
            })
    }

    /// `'A'`: shape, type id, complex flag, then the elements.
    fn array(&self, c: &mut Cursor<'_>, depth: usize, at: usize) -> Result<BlobValue, BlobError> {
        let shape = c.shape(self.width, at)?;
        let type_id = c.u32("the type id")?;
        let is_complex = c.u32("the complex flag")? != 0;
        let Some(elem) = elem_of(type_id) else {
            return Err(BlobError::UnknownType {
                type_id,
                at: at as u64,
            });
        };
        match elem {
            Elem::Void => {
                let items = self.sized_items(c, &shape, depth, at, "the object count")?;
                Ok(BlobValue::Objects(ObjectArray { shape, items }))
            }
            Elem::Char => {
                let n = count(c, &shape, at)?;
                c.check_count(n, 2, "the character count", at)?;
                let raw = c.take(n * 2, "chars")?;
                if shape.len() == 1 || (shape.len() == 2 && shape[0] == 1) {
                    Ok(BlobValue::Text(char_text(raw)))
                } else {
                    Ok(BlobValue::Array(BlobArray {
                        dtype: char_dtype(),
                        shape,
                        fortran_order: true,
                        data: Bytes::from(char_ucs4(raw)),
                    }))
                }
            }
            Elem::Num(part) => {
                let n = count(c, &shape, at)?;
                let parts = if is_complex { 2 } else { 1 };
                let each = part.kind.itemsize() * parts;
                c.check_count(n, each, "the element count", at)?;
                let raw = c.take(n * each, "array data")?;
                let (dtype, data) = if is_complex {
                    let Some(complex) = complex_of(part) else {
                        return Err(BlobError::ComplexNotAllowed {
                            dtype: part.display_name(),
                            at: at as u64,
                        });
                    };
                    (complex, Bytes::from(interleave(part, complex, raw)))
                } else {
                    (part, self.bytes_of(raw))
                };
                Ok(BlobValue::Array(BlobArray {
                    dtype: DType::Scalar(dtype),
                    shape,
                    fortran_order: true,
                    data,
                }))
            }
        }
    }

    /// `'S'`: shape, field names, then per element per field a length-prefixed item.
    fn structure(
        &self,
        c: &mut Cursor<'_>,
        depth: usize,
        at: usize,
    ) -> Result<BlobValue, BlobError> {
        let shape = c.shape(self.width, at)?;
        let n = count(c, &shape, at)?;
        let nfields = c.u32("the field count")?;
        let names = names(c, nfields, at)?;
        if names.is_empty() {
            return Ok(BlobValue::Struct(StructArray {
                shape,
                names,
                elements: Vec::new(),
            }));
        }
        let values = n.saturating_mul(u64::from(nfields));
        c.check_count(
            values,
            self.width.bytes() + 1,
            "the struct's value count",
            at,
        )?;
        let elements = (0..n)
            .map(|_| (0..nfields).map(|_| self.sized(c, depth)).collect())
            .collect::<Result<Vec<Vec<_>>, _>>()?;
        Ok(BlobValue::Struct(StructArray {
            shape,
            names,
            elements,
        }))
    }

    /// `'F'`: field names, then one item per field (no length prefix).
    fn record(&self, c: &mut Cursor<'_>, depth: usize, at: usize) -> Result<BlobValue, BlobError> {
        let nfields = c.u32("the field count")?;
        let names = names(c, nfields, at)?;
        c.check_count(u64::from(nfields), 1, "the record's field count", at)?;
        let fields = (0..nfields)
            .map(|_| self.item(c, depth + 1))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(BlobValue::Record(Record { names, fields }))
    }
}

/// Whether `raw` lies inside `owner`'s bytes (always, by construction; checked so slicing can never panic).
fn within(owner: &Bytes, raw: &[u8]) -> bool {
    let (o, r) = (owner.as_ptr() as usize, raw.as_ptr() as usize);
    r >= o && r + raw.len() <= o + owner.len()
}

/// The element count of `shape`, or an error when the product overflows.
fn count(c: &Cursor<'_>, shape: &[u64], at: usize) -> Result<u64, BlobError> {
    element_count(shape).ok_or(BlobError::CountTooBig {
        what: "the element count",
        at: at as u64,
        count: u64::MAX,
        have: c.remaining(),
    })
}

/// `nfields` NUL-terminated names.
fn names(c: &mut Cursor<'_>, nfields: u32, at: usize) -> Result<Vec<String>, BlobError> {
    c.check_count(u64::from(nfields), 1, "the field count", at)?;
    (0..nfields).map(|_| c.name().map(str::to_string)).collect()
}
