//! [`BlobError`]: why a DataJoint blob could not be read; messages say what is wrong, never which object (callers
//! add that).

/// Why a blob (or its header) could not be read.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum BlobError {
    /// Header-only reading: the prefix given is too short; read more of the object and try again.
    #[error(
        "the first {have} bytes are not enough to read the blob header; read at least the first {at_least} bytes"
    )]
    NeedMore {
        /// Bytes given.
        have: u64,
        /// Bytes to read from the start of the object before trying again: exact for uncompressed blobs; for
        /// compressed ones, whose header is only found by inflating, `HEADER_PROBE_BYTES` or twice what was given.
        at_least: u64,
    },
    /// No bytes at all.
    #[error("the object is empty; a DataJoint blob starts with mYm\\0, dj0\\0 or ZL123\\0")]
    Empty,
    /// The bytes do not start like a DataJoint blob.
    #[error(
        "not a DataJoint blob: it starts with {found} instead of mYm\\0, dj0\\0 or ZL123\\0 (the compressed form)"
    )]
    NotBlob {
        /// The first bytes, escaped.
        found: String,
    },
    /// The blob ends before something it declares.
    #[error(
        "the blob is truncated: {what} at byte {at} needs {need} bytes but only {have} remain; read the whole object again"
    )]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Offset in the (decompressed) blob.
        at: u64,
        /// Bytes needed.
        need: u64,
        /// Bytes left.
        have: u64,
    },
    /// Bytes are left over after the blob's one top-level item.
    #[error(
        "{extra} bytes follow the blob's item at byte {at}; the blob is corrupt (a blob holds exactly one item)"
    )]
    TrailingBytes {
        /// Offset of the first extra byte.
        at: u64,
        /// Extra bytes.
        extra: u64,
    },
    /// A length-prefixed item does not take exactly the bytes its prefix declares.
    #[error(
        "the item at byte {at} declares {declared} bytes but its contents take {used}; the blob is corrupt"
    )]
    ItemLength {
        /// Offset of the item's code byte.
        at: u64,
        /// Bytes its length prefix declares.
        declared: u64,
        /// Bytes its contents took.
        used: u64,
    },
    /// An item code this reader (and DataJoint) does not know.
    #[error(
        "unknown item code {code:#04x} at byte {at}; DataJoint writes 'A', 'S', 'C', 'F', 'd', 't', 'u', 0x01-0x06, 0x0a-0x0d and 0xff"
    )]
    UnknownCode {
        /// The code byte.
        code: u8,
        /// Its offset.
        at: u64,
    },
    /// A MATLAB sparse array, which DataJoint cannot read either.
    #[error(
        "the item at byte {at} is a MATLAB sparse array ('P'), which is not supported (DataJoint cannot read it either); save it full (full(x)) in MATLAB"
    )]
    Sparse {
        /// Offset of the item.
        at: u64,
    },
    /// A numeric array's type id is none DataJoint reads.
    #[error(
        "array type id {type_id} at byte {at} is not one DataJoint reads (3-15 numbers, bool and char, 5 objects, 65536-65548 datetime64)"
    )]
    UnknownType {
        /// The type id.
        type_id: u32,
        /// Offset of the array item.
        at: u64,
    },
    /// A complex flag on a type that has no complex form.
    #[error(
        "the array at byte {at} is marked complex but holds {dtype}, which has no complex form"
    )]
    ComplexNotAllowed {
        /// The dtype's label.
        dtype: String,
        /// Offset of the array item.
        at: u64,
    },
    /// More dimensions than numpy allows.
    #[error(
        "the item at byte {at} declares {ndim} dimensions; numpy allows at most {max}, so the blob is corrupt"
    )]
    TooManyDims {
        /// Dimensions declared.
        ndim: u64,
        /// numpy's limit.
        max: u64,
        /// Offset of the item.
        at: u64,
    },
    /// A count or size that cannot fit in the bytes that are left (or in this machine's arithmetic).
    #[error(
        "{what} at byte {at} is {count}, more than the {have} bytes left can hold; the blob is corrupt"
    )]
    CountTooBig {
        /// What was counted.
        what: &'static str,
        /// Offset of the item.
        at: u64,
        /// The declared count (saturated at `u64::MAX` when a product overflows).
        count: u64,
        /// Bytes left.
        have: u64,
    },
    /// Items nest deeper than the configured bound.
    #[error(
        "items nest deeper than {max} levels at byte {at}; the blob is refused (raise DecodeOptions::max_depth if it is genuine)"
    )]
    TooDeep {
        /// The bound.
        max: usize,
        /// Offset of the item past the bound.
        at: u64,
    },
    /// Text that is not valid UTF-8.
    #[error("{what} at byte {at} is not valid UTF-8")]
    BadText {
        /// What text.
        what: &'static str,
        /// Offset.
        at: u64,
    },
    /// A field name without its terminating NUL.
    #[error("a field name at byte {at} has no terminating NUL before the item ends")]
    Unterminated {
        /// Offset of the name.
        at: u64,
    },
    /// A date or time that does not exist.
    #[error(
        "the date/time at byte {at} (date {date}, time {time}) is not a valid date or time of day"
    )]
    BadDateTime {
        /// The YYYYMMDD field.
        date: i32,
        /// The HHMMSSuuuuuu field.
        time: i64,
        /// Offset of the item.
        at: u64,
    },
    /// The zlib stream is corrupt or ends early.
    #[error("the compressed blob's zlib stream is corrupt: {0}")]
    Zlib(String),
    /// The zlib stream inflates to another length than the blob claims.
    #[error(
        "the compressed blob claims {claimed} bytes but inflates to {actual}; the blob is corrupt"
    )]
    SizeMismatch {
        /// Uncompressed length in the wrapper.
        claimed: u64,
        /// Bytes the stream gave (for an overrun: the claim plus one).
        actual: u64,
    },
    /// The uncompressed length is over the configured limit.
    #[error(
        "the compressed blob inflates to {claimed} bytes, over the limit of {limit}; raise DecodeOptions::max_decompressed to read it"
    )]
    OverLimit {
        /// Uncompressed length in the wrapper.
        claimed: u64,
        /// The limit.
        limit: u64,
    },
    /// The uncompressed length is more than zlib can produce from the compressed bytes.
    #[error(
        "the compressed blob claims {claimed} bytes, more than zlib can inflate {compressed} bytes to; the blob is corrupt"
    )]
    ImplausibleClaim {
        /// Uncompressed length in the wrapper.
        claimed: u64,
        /// Bytes of compressed stream.
        compressed: u64,
    },
}

impl BlobError {
    /// A short stable name for the kind of error (`"truncated"`, `"need_more"`…), for tests and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            BlobError::NeedMore { .. } => "need_more",
            BlobError::Empty => "empty",
            BlobError::NotBlob { .. } => "not_blob",
            BlobError::Truncated { .. } => "truncated",
            BlobError::TrailingBytes { .. } => "trailing_bytes",
            BlobError::ItemLength { .. } => "item_length",
            BlobError::UnknownCode { .. } => "unknown_code",
            BlobError::Sparse { .. } => "sparse",
            BlobError::UnknownType { .. } => "unknown_type",
            BlobError::ComplexNotAllowed { .. } => "complex_not_allowed",
            BlobError::TooManyDims { .. } => "too_many_dims",
            BlobError::CountTooBig { .. } => "count_too_big",
            BlobError::TooDeep { .. } => "too_deep",
            BlobError::BadText { .. } => "bad_text",
            BlobError::Unterminated { .. } => "unterminated",
            BlobError::BadDateTime { .. } => "bad_datetime",
            BlobError::Zlib(_) => "zlib",
            BlobError::SizeMismatch { .. } => "size_mismatch",
            BlobError::OverLimit { .. } => "over_limit",
            BlobError::ImplausibleClaim { .. } => "implausible_claim",
        }
    }
}

/// The first bytes of an object, escaped for a message (at most 8).
pub(crate) fn escape_start(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(8)];
    format!("\"{}\"", head.escape_ascii())
}
