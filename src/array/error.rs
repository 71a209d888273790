//! Errors from turning `.npy` data bytes into arrays, lanes and windows; messages say what is wrong and what to
//! do, never which object (callers add that).

use crate::npy::DType;

/// Why array data could not be converted, viewed or windowed.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ArrayError {
    /// The data bytes do not match what the header describes.
    #[error(
        "the data holds {actual} bytes but the header describes {expected}; the object is truncated or the wrong byte range was read, so read the whole data range again"
    )]
    DataLength {
        /// Bytes the dtype and shape require.
        expected: u64,
        /// Bytes given.
        actual: u64,
    },
    /// A size does not fit in this machine's arithmetic.
    #[error(
        "the array is too big: {0} does not fit in this machine's address space; read a smaller window of rows"
    )]
    TooBig(String),
    /// The selected dtype holds text or raw bytes, not numbers.
    #[error("{dtype} is {what}; it is shown as {what}, not plotted")]
    NotNumeric {
        /// The dtype's short label.
        dtype: String,
        /// "text" or "raw bytes".
        what: &'static str,
    },
    /// The selected dtype is numeric but has no portable binary form here (long double).
    #[error(
        "{dtype} is stored in a platform-specific format and cannot be plotted; convert it with numpy (a.astype('f8')) and save again"
    )]
    Unsupported {
        /// The dtype's short label.
        dtype: String,
    },
    /// The element index is past the end of one row.
    #[error(
        "element {element} is past the end of a row, which holds {count} elements; choose an element in 0..{count}"
    )]
    ElementOutOfRange {
        /// The requested flat index within a row.
        element: u64,
        /// Elements per row (saturated at `u64::MAX`).
        count: u64,
    },
    /// The field path names a field the dtype does not have.
    #[error("there is no field {name:?}; the fields here are: {available}")]
    UnknownField {
        /// The missing name.
        name: String,
        /// The names that exist, comma separated (shortened when long).
        available: String,
    },
    /// The field path goes into a dtype that has no fields.
    #[error("field {name:?} was asked for, but {dtype} has no fields; leave the field path empty")]
    NotStructured {
        /// The requested name.
        name: String,
        /// The dtype's short label.
        dtype: String,
    },
    /// The selection ends at a structured dtype; a numeric field must be chosen.
    #[error("the selection is a record with fields {available}; choose one of them")]
    NeedsField {
        /// The names that can be chosen, comma separated (shortened when long).
        available: String,
    },
    /// A row range with its start after its end.
    #[error(
        "the row range {start}..{end} is reversed; give the first row, then the row after the last"
    )]
    ReversedRange {
        /// First row.
        start: u64,
        /// One past the last row.
        end: u64,
    },
}

impl ArrayError {
    /// A stable snake_case name for the error kind, for tests, logs and machine-readable output.
    pub fn kind(&self) -> &'static str {
        match self {
            ArrayError::DataLength { .. } => "data_length",
            ArrayError::TooBig(_) => "too_big",
            ArrayError::NotNumeric { .. } => "not_numeric",
            ArrayError::Unsupported { .. } => "unsupported",
            ArrayError::ElementOutOfRange { .. } => "element_out_of_range",
            ArrayError::UnknownField { .. } => "unknown_field",
            ArrayError::NotStructured { .. } => "not_structured",
            ArrayError::NeedsField { .. } => "needs_field",
            ArrayError::ReversedRange { .. } => "reversed_range",
        }
    }
}

/// A list of names for an error message: quoted, comma separated, cut after a few so hostile dtypes cannot bloat
/// messages.
pub(crate) fn name_list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    const SHOWN: usize = 8;
    const MAX_CHARS: usize = 40;
    let mut parts = Vec::new();
    let mut more = 0usize;
    for n in names {
        if parts.len() < SHOWN {
            let cut: String = n.chars().take(MAX_CHARS).collect();
            parts.push(format!("{cut:?}"));
        } else {
            more += 1;
        }
    }
    if parts.is_empty() {
        return "(none)".to_string();
    }
    if more > 0 {
        parts.push(format!("and {more} more"));
    }
    parts.join(", ")
}

/// A `u64` as `usize`, or [`ArrayError::TooBig`] naming `what`.
pub(crate) fn to_usize(v: u64, what: &str) -> Result<usize, ArrayError> {
    usize::try_from(v).map_err(|_| ArrayError::TooBig(format!("{what} ({v})")))
}

/// Element count and byte count of `shape` × `dtype`, checked.
pub(crate) fn sizes(dtype: &DType, shape: &[u64]) -> Result<(u64, u64), ArrayError> {
    let size = shape
        .iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| ArrayError::TooBig("the element count".to_string()))?;
    let itemsize = dtype
        .checked_itemsize()
        .ok_or_else(|| ArrayError::TooBig("the item size".to_string()))?;
    let nbytes = size
        .checked_mul(itemsize)
        .ok_or_else(|| ArrayError::TooBig("the byte count".to_string()))?;
    Ok((size, nbytes))
}
