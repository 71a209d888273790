//! Block-aligned windows for plots: a request widened so that every column is a whole number of pyramid
//! blocks, so [`aligned_view`] answers it from block min/max alone (plus each column's first and last sample)
//! in microseconds at any zoom, and the columns stay put while the window pans.
//!
//! # Choice of columns
//! For `n` samples in `w ≥ 2` columns, a column should hold at least `n / (w − 1)` samples (one column is lost
//! to widening both ends). The coarsest level whose block `b` fits that is chosen, a column (a *cell*) is `k`
//! such blocks with `k = ⌈n / ((w − 1)·b)⌉`, and the window's start and end move out to multiples of `k·b`:
//! the columns are the cells `[m·k·b, (m + 1)·k·b)`, at most `w` of them, and depend only on the zoom.
//!
//! # Below the first level
//! When a column would hold fewer than 1,024 samples no block fits. Windows of up to a raw budget — 1 MiB of
//! memory traffic: [`ALIGNED_RAW_BYTES`] / min(stride, 64) samples, i.e. 256 Ki samples of a contiguous f32
//! lane and 16 Ki of a strided channel, where every value is a cache miss — are decimated from raw samples in
//! cells of `⌈n / (w − 1)⌉` samples. Longer ones get one first-level block (1,024 samples) per column, that is
//! fewer columns than asked for, so that no query reads more than the budget.
//!
//! # The lane's end
//! Under the column rule a window that ends at the lane's end (not a multiple of 1,024) cannot have all its
//! column edges on block edges. So the aligned window keeps whole cells and may reach past the lane's end by
//! less than one column: its last column holds only the samples that exist, and [`Columns::missing`] counts
//! the rest. [`view`] of such a window clamps it to the lane instead (exact column rule, up to
//! 1,024 raw samples per column edge).

use std::ops::Range;

use super::SignalError;
use super::columns::Columns;
use super::minmax::{MAX_WIDTH, Plan};
use super::pyramid::{FIRST_SHIFT, Pyramid, view, view_par, view_plan};
use crate::array::Lane;

/// Memory traffic (bytes, counting at most a 64-byte cache line per sample) that an aligned view below the
/// pyramid's first level may read raw; longer windows get one first-level block per column instead.
pub const ALIGNED_RAW_BYTES: u64 = 1 << 20;

/// A window widened so that its columns are whole pyramid blocks (see the module documentation):
/// returns the sample range — start and end multiples of the column size, the end possibly past the lane's
/// end by less than one column — and the column count (at most `width`) that [`aligned_view`] draws. Requests
/// `view` would refuse (width 0 or above [`MAX_WIDTH`], a reversed range), width 1, and windows of at most
/// `width` samples come back unchanged apart from clamping to the lane. `lane`'s stride sets the raw budget.
pub fn aligned_window(
    pyramid: &Pyramid,
    lane: &Lane<'_>,
    range: Range<u64>,
    width: usize,
) -> (Range<u64>, usize) {
    if !(2..=MAX_WIDTH).contains(&width) || range.start > range.end {
        return (range, width);
    }
    let len = pyramid.len();
    let end = range.end.min(len);
    let start = range.start.min(end);
    let n = end - start;
    if n <= width as u64 {
        return (start..end, width);
    }
    let per = width as u64 - 1;
    let target = n / per;
    let coarsest = pyramid.levels().filter(|l| l.block <= target).last();
    let raw_cap = ALIGNED_RAW_BYTES / lane.stride.clamp(1, 64) as u64;
    let cell = match coarsest {
        Some(l) => l
            .block
            .saturating_mul(n.div_ceil(per.saturating_mul(l.block))),
        None if n <= raw_cap => n.div_ceil(per),
        None => 1 << FIRST_SHIFT,
    };
    let s = start / cell * cell;
    let e = end.div_ceil(cell).saturating_mul(cell);
    let cols = (e - s).div_ceil(cell) as usize;
    (s..e, cols.clamp(1, width))
}

/// The envelope of `range` widened by [`aligned_window`], in at most `width` columns of whole pyramid blocks:
/// no raw samples are read but each column's first and last (and, below the first level, a bounded raw
/// window). Every column equals direct decimation of its samples; the last may be cut short by the lane's end
/// ([`Columns::missing`]). Errors as [`view`].
pub fn aligned_view(
    pyramid: &Pyramid,
    lane: &Lane<'_>,
    range: Range<u64>,
    width: usize,
) -> Result<Columns, SignalError> {
    aligned(pyramid, lane, range, width, false)
}

/// [`aligned_view`] on all cores (split by columns); the result is identical.
pub fn aligned_view_par(
    pyramid: &Pyramid,
    lane: &Lane<'_>,
    range: Range<u64>,
    width: usize,
) -> Result<Columns, SignalError> {
    aligned(pyramid, lane, range, width, true)
}

fn aligned(
    pyramid: &Pyramid,
    lane: &Lane<'_>,
    range: Range<u64>,
    width: usize,
    par: bool,
) -> Result<Columns, SignalError> {
    let (r, w) = aligned_window(pyramid, lane, range.clone(), width);
    // Requests `aligned_window` returns unchanged (width 0 or 1, too wide, reversed) get the
    // plain view and its answer or error.
    let unchanged = !(2..=MAX_WIDTH).contains(&width) || range.start > range.end;
    if r.end <= pyramid.len() || unchanged {
        return if par {
            view_par(pyramid, lane, r, w)
        } else {
            view(pyramid, lane, r, w)
        };
    }
    // Past the lane's end: whole cells, the last one cut short.
    let len = (lane.len as u64).min(pyramid.len());
    let plan = Plan {
        start: r.start,
        n: r.end - r.start,
        width: w,
        end: len,
    };
    view_plan(pyramid, lane, plan, par)
}
