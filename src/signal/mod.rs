//! Signal reduction for plots: min/max decimation to pixel columns ([`decimate`], the M4 idea) and a
//! level-of-detail [`Pyramid`] that answers the same question at any zoom without rereading the samples.
//! Plots use [`aligned_view`]: the window widened to whole pyramid blocks per column, answered in microseconds
//! and stable while panning. [`build_many`] builds the pyramids of many channels of a recording in one pass.
//!
//! Everything here is pure: it reads a [`Lane`](crate::array::Lane) (raw bytes in file byte order, contiguous or
//! strided) and returns [`Columns`]; no GUI types, no I/O of its own.
//!
//! # Column rule
//! A window of `n` samples starting at `s` drawn `w` pixels wide has `w` columns; column `j` covers samples
//! `s + floor(j·n/w) .. s + floor((j+1)·n/w)`, so columns tile the window exactly, each holds `floor(n/w)` or
//! `ceil(n/w)` samples, and a column's content does not depend on how it was computed. When `n <= w` every
//! sample is its own column ([`Columns::raw`]): draw points or a line through them.
//!
//! # NaN
//! NaNs (and NaT) are skipped for min/max and counted per column; a column of only NaN has NaN min and max (a
//! gap). `first`/`last` are the column's first and last samples as they are, NaN included. Zeros in min/max come
//! out as `+0.0`, so results are bit-for-bit the same however the work was split.

mod aligned;
mod columns;
pub(crate) mod kernel;
mod many;
mod minmax;
mod pyramid;
mod simd;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_aligned;
#[cfg(test)]
mod tests_many;
#[cfg(test)]
mod tests_simd;

pub use aligned::{ALIGNED_RAW_BYTES, aligned_view, aligned_view_par, aligned_window};
pub use columns::{Column, Columns};
pub use many::build_many;
pub use minmax::{MAX_WIDTH, decimate, decimate_par};
pub use pyramid::{FIRST_SHIFT, LevelInfo, MAX_SHIFT, Pyramid, STEP_SHIFT, view, view_par};
pub use simd::{simd_level, simd_levels, simd_warning};

/// Why a decimation or pyramid request was refused.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum SignalError {
    /// No pixel columns were asked for.
    #[error(
        "a plot needs at least one pixel column, but width 0 was asked for; pass the plot's width in pixels"
    )]
    ZeroWidth,
    /// More columns than any screen has (the output would be huge).
    #[error(
        "width {width} is more than the {max} columns a plot can use; pass the plot's width in pixels"
    )]
    TooWide {
        /// Columns asked for.
        width: usize,
        /// The limit, [`MAX_WIDTH`].
        max: usize,
    },
    /// The sample range ends before it starts.
    #[error("the sample range {start}..{end} ends before it starts; swap its ends")]
    ReversedRange {
        /// First sample asked for.
        start: u64,
        /// End asked for.
        end: u64,
    },
    /// A hand-made lane whose values lie outside its bytes.
    #[error(
        "the lane's {len} values (stride {stride} bytes, from byte {first}) do not fit in its {bytes} bytes; build lanes with npyscope::array::lane::lane"
    )]
    LaneOutOfBounds {
        /// Values the lane claims.
        len: usize,
        /// Byte offset of value 0.
        first: usize,
        /// Bytes between values.
        stride: usize,
        /// Bytes the lane has.
        bytes: usize,
    },
    /// A pyramid used with a lane it was not built from.
    #[error(
        "the pyramid was built for {pyramid_len} samples of {pyramid_kind}, but this lane holds {lane_len} samples of {lane_kind}; build a pyramid for this lane"
    )]
    PyramidMismatch {
        /// Samples of the pyramid's lane.
        pyramid_len: u64,
        /// Number type of the pyramid's lane.
        pyramid_kind: String,
        /// Samples of the lane given.
        lane_len: u64,
        /// Number type of the lane given.
        lane_kind: String,
    },
    /// Lanes given to [`build_many`] that differ in length or number type.
    #[error(
        "pyramids built together need lanes of one length and number type, but lane {index} holds {len} samples of {kind} and lane 0 holds {first_len} samples of {first_kind}; build those lanes' pyramids separately"
    )]
    LanesDiffer {
        /// Position of the first lane that differs.
        index: usize,
        /// Its samples.
        len: u64,
        /// Its number type.
        kind: String,
        /// Samples of lane 0.
        first_len: u64,
        /// Number type of lane 0.
        first_kind: String,
    },
    /// The build was cancelled through its token.
    #[error("building the level-of-detail pyramid was cancelled")]
    Cancelled,
}
