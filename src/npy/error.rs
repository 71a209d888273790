//! Errors from reading `.npy` headers; messages say what is wrong, never which object (callers add that).

/// Why a `.npy` header could not be read; each message says what is wrong and, where it helps, what to do.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum NpyError {
    /// The object has no bytes at all.
    #[error(
        "the object is empty (0 bytes), so it holds no .npy array; it may be an interrupted upload"
    )]
    Empty,
    /// The first bytes are not the `.npy` magic `\x93NUMPY`.
    #[error("not a .npy file: it starts with {found} instead of the magic \\x93NUMPY")]
    NotNpy {
        /// The first bytes, escaped for display.
        found: String,
    },
    /// The magic is right but the format version is one this reader does not know.
    #[error(
        "unsupported .npy format version {major}.{minor}; only 1.0, 2.0 and 3.0 exist (a newer numpy may have written it)"
    )]
    UnsupportedVersion {
        /// Major version byte.
        major: u8,
        /// Minor version byte.
        minor: u8,
    },
    /// The object is shorter than its header says it must be.
    #[error(
        "truncated: the header promises {expected} bytes but the object has only {actual}; the upload or copy was cut short"
    )]
    Truncated {
        /// Bytes the header requires (preamble, header or header + data).
        expected: u64,
        /// Bytes actually present.
        actual: u64,
    },
    /// The header is longer than [`crate::npy::MAX_HEADER_BYTES`]; refused so hostile files cannot exhaust memory.
    #[error(
        "header of {len} bytes is over the {max}-byte limit; such headers are refused as a denial-of-service risk"
    )]
    HeaderTooLarge {
        /// Header length announced by the file (preamble included).
        len: u64,
        /// The limit.
        max: u64,
    },
    /// A format 3.0 header is not valid UTF-8.
    #[error("the format 3.0 header is not valid UTF-8 (at byte {offset} of the header text)")]
    HeaderEncoding {
        /// Offset of the first invalid byte within the header text.
        offset: usize,
    },
    /// The header text is not a well-formed Python literal.
    #[error("cannot parse the header literal at character {pos}: {msg}")]
    Syntax {
        /// Character offset within the header text.
        pos: usize,
        /// What was expected or found.
        msg: String,
    },
    /// The header literal nests deeper than the parser allows.
    #[error("the header literal nests deeper than {max} levels; refused as hostile")]
    TooDeep {
        /// The nesting limit.
        max: usize,
    },
    /// The header literal is not a dict.
    #[error("the header is {found}, not a dict with descr, fortran_order and shape")]
    NotADict {
        /// What was found, e.g. "a list".
        found: &'static str,
    },
    /// The header dict does not hold exactly `descr`, `fortran_order` and `shape`.
    #[error(
        "the header dict must hold exactly the keys descr, fortran_order and shape{}{}",
        list_suffix("; missing", .missing),
        list_suffix("; unexpected", .extra)
    )]
    Keys {
        /// Required keys that are absent.
        missing: Vec<String>,
        /// Keys that should not be there.
        extra: Vec<String>,
    },
    /// `shape` is not a tuple of non-negative integers.
    #[error("invalid shape: {0}")]
    Shape(String),
    /// `fortran_order` is not `True` or `False`.
    #[error("invalid fortran_order: expected True or False, found {0}")]
    FortranOrder(&'static str),
    /// `descr` is not a dtype this reader understands.
    #[error("invalid or unsupported dtype descr: {0}")]
    Descr(String),
    /// The dtype holds Python objects, which numpy stores pickled.
    #[error(
        "object dtype (pickled Python objects) is not supported: reading it would mean unpickling untrusted data; save the array with a numeric, string or structured dtype instead"
    )]
    ObjectDtype,
    /// Element count, byte count or data end does not fit in 64-bit arithmetic (numpy's limit is `i64::MAX`).
    #[error(
        "the array is too big: {0} exceeds the largest size numpy can address; the header is corrupt or hostile"
    )]
    TooBig(String),
}

impl NpyError {
    /// A stable snake_case name for the error kind, for tests, logs and machine-readable output.
    pub fn kind(&self) -> &'static str {
        match self {
            NpyError::Empty => "empty",
            NpyError::NotNpy { .. } => "not_npy",
            NpyError::UnsupportedVersion { .. } => "unsupported_version",
            NpyError::Truncated { .. } => "truncated",
            NpyError::HeaderTooLarge { .. } => "header_too_large",
            NpyError::HeaderEncoding { .. } => "header_encoding",
            NpyError::Syntax { .. } => "syntax",
            NpyError::TooDeep { .. } => "too_deep",
            NpyError::NotADict { .. } => "not_a_dict",
            NpyError::Keys { .. } => "keys",
            NpyError::Shape(_) => "shape",
            NpyError::FortranOrder(_) => "fortran_order",
            NpyError::Descr(_) => "descr",
            NpyError::ObjectDtype => "object_dtype",
            NpyError::TooBig(_) => "too_big",
        }
    }
}

/// `"; label a, b"` when `items` is non-empty, else `""`.
fn list_suffix(label: &str, items: &[String]) -> String {
    if items.is_empty() {
        String::new()
    } else {
        format!("{label} {}", items.join(", "))
    }
}

/// A value quoted for an error message, cut to a few dozen characters so hostile headers cannot bloat messages.
pub(crate) fn clip(s: &str) -> String {
    const MAX: usize = 40;
    match s.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{:?}…", &s[..cut]),
        None => format!("{s:?}"),
    }
}
