//! [`ViewError`]: why a plane, channel set or export could not be made; each message says what to change.

use crate::array::ArrayError;

/// Why a view of an array (plane, channel set, export) could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    /// The array data could not be read as asked (dtype, field, data length, sizes).
    #[error(transparent)]
    Array(#[from] ArrayError),
    /// The slice does not fit the array's shape.
    #[error(
        "the slice does not fit the array: {0}; reset the axes and indices (SliceSpec::make_valid)"
    )]
    InvalidSlice(String),
    /// A size does not fit in this machine's arithmetic.
    #[error("{0} is too big to compute here; choose a smaller plane or fewer rows")]
    TooBig(String),
    /// The channel text is empty.
    #[error("no channels given; write channels like 0-31 or 0-7, 16, 20-23")]
    NoChannels,
    /// A channel item is not a whole number or range.
    #[error(
        "{item:?} is not a channel number or range; write channels like 0-31 or 0-7, 16, 20-23"
    )]
    NotAChannel {
        /// The offending item, as typed (cut when long).
        item: String,
    },
    /// A channel number past the last channel.
    #[error("channel {channel} does not exist: there are {count} channels{}", last_channel(*count))]
    ChannelOutOfRange {
        /// The channel asked for.
        channel: u64,
        /// How many channels there are.
        count: usize,
    },
    /// A channel range written high to low.
    #[error("the channel range {start}-{end} is reversed; write it low to high: {end}-{start}")]
    ReversedChannels {
        /// First number written.
        start: u64,
        /// Second number written.
        end: u64,
    },
    /// A value of this dtype has no text form for CSV.
    #[error("{dtype} values cannot be written as CSV; export .npy instead")]
    NotCsv {
        /// The dtype's short label.
        dtype: String,
    },
    /// Rows too wide for a CSV file.
    #[error(
        "each row has {columns} values, more than a CSV export holds ({max}); export .npy instead, or fewer columns"
    )]
    TooManyColumns {
        /// Values per row.
        columns: u64,
        /// The most CSV export writes.
        max: u64,
    },
    /// Writing the output failed.
    #[error(
        "could not write the export: {0}; check that the destination exists, is writable and has space"
    )]
    Io(#[from] std::io::Error),
}

impl ViewError {
    /// A stable snake_case name for the error kind, for tests and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            ViewError::Array(e) => e.kind(),
            ViewError::InvalidSlice(_) => "invalid_slice",
            ViewError::TooBig(_) => "too_big",
            ViewError::NoChannels => "no_channels",
            ViewError::NotAChannel { .. } => "not_a_channel",
            ViewError::ChannelOutOfRange { .. } => "channel_out_of_range",
            ViewError::ReversedChannels { .. } => "reversed_channels",
            ViewError::NotCsv { .. } => "not_csv",
            ViewError::TooManyColumns { .. } => "too_many_columns",
            ViewError::Io(_) => "io",
        }
    }
}

/// "; the last is N" for a channel count, or "" when there are none.
fn last_channel(count: usize) -> String {
    match count.checked_sub(1) {
        Some(last) => format!(" (0-{last})"),
        None => String::new(),
    }
}
