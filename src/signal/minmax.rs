//! Min/max decimation straight from a lane's bytes: per pixel column the min, max, first and last sample.

use std::ops::Range;

use rayon::prelude::*;

use super::SignalError;
use super::columns::{Columns, bound};
use super::kernel::{Acc, Scan, checked_bytes, with_src};
use crate::array::Lane;

/// Most columns a request may ask for (far beyond any screen; it bounds the output's size).
pub const MAX_WIDTH: usize = 1 << 20;

/// Samples a rayon task should cover at least, so that scheduling costs nothing next to the scan.
const MIN_TASK_SAMPLES: u64 = 1 << 18;

/// Fewer samples than this are scanned on the calling thread even when asked for all cores: waking the pool's
/// threads costs more than the scan (a 1e6-sample float32 array to 2,000 columns took 0.09 ms on one core and
/// 0.1–0.2 ms on two, AMD EPYC, 2026-11-29; 2e6 samples gained 1.35× from the second core, 3e6 1.3–1.5×).
const MIN_PARALLEL_SAMPLES: u64 = 1 << 20;

/// The envelope of `range` (clamped to the lane, like a numpy slice) drawn `width` columns wide, on this thread.
///
/// Errors: width 0 or above [`MAX_WIDTH`], a reversed range, a lane whose values lie outside its bytes. An
/// empty (or past-the-end) range gives empty [`Columns`].
pub fn decimate(lane: &Lane<'_>, range: Range<u64>, width: usize) -> Result<Columns, SignalError> {
    decimate_with(lane, range, width, false)
}

/// [`decimate`] on all cores (rayon, split by columns; below `MIN_PARALLEL_SAMPLES` (2^20) on this thread, where
/// waking the pool costs more than it saves); the result is identical.
pub fn decimate_par(
    lane: &Lane<'_>,
    range: Range<u64>,
    width: usize,
) -> Result<Columns, SignalError> {
    decimate_with(lane, range, width, true)
}

fn decimate_with(
    lane: &Lane<'_>,
    range: Range<u64>,
    width: usize,
    par: bool,
) -> Result<Columns, SignalError> {
    let plan = Plan::new(lane.len, range, width)?;
    let bytes = checked_bytes(lane)?;
    Ok(with_src!(lane, bytes, |s| plan.columns(&s, par, |a, b| s.scan(a, b))))
}

/// A checked request: `n` samples from `start`, in `width` columns (or `n` raw ones).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Plan {
    pub start: u64,
    pub n: u64,
    pub width: usize,
    /// Samples from here on do not exist (`start + n`, or the lane's end for an aligned window that reaches
    /// past it): columns are clamped to it.
    pub end: u64,
}

impl Plan {
    /// Checks a request against a lane of `len` samples; the range's end is clamped to `len`.
    pub fn new(len: usize, range: Range<u64>, width: usize) -> Result<Plan, SignalError> {
        if width == 0 {
            return Err(SignalError::ZeroWidth);
        }
        if width > MAX_WIDTH {
            return Err(SignalError::TooWide {
                width,
                max: MAX_WIDTH,
            });
        }
        if range.start > range.end {
            return Err(SignalError::ReversedRange {
                start: range.start,
                end: range.end,
            });
        }
        let end = range.end.min(len as u64);
        let start = range.start.min(end);
        Ok(Plan {
            start,
            n: end - start,
            width,
            end,
        })
    }

    /// Whether every sample gets its own column.
    pub fn raw(&self) -> bool {
        self.n <= self.width as u64
    }

    /// Builds the columns: `fold(a, b)` gives min/max/NaNs of samples `a..b`, `s` the first and last values.
    pub fn columns<S: Scan>(
        &self,
        s: &S,
        par: bool,
        fold: impl Fn(usize, usize) -> Acc + Sync,
    ) -> Columns {
        let raw = self.raw();
        let cols = if raw { self.n as usize } else { self.width };
        let cell = |j: usize| -> Cell {
            // Inside the lane: `Plan::new` clamped the window to it (`end` clamps an aligned window's last column).
            let a = bound(self.start, self.n, cols, j).min(self.end) as usize;
            let b = bound(self.start, self.n, cols, j + 1).min(self.end) as usize;
            if raw {
                let v = s.value(a);
                return Cell {
                    min: v,
                    max: v,
                    first: v,
                    last: v,
                    nans: u64::from(v.is_nan()),
                };
            }
            if a >= b {
                return Cell {
                    min: f64::NAN,
                    max: f64::NAN,
                    first: f64::NAN,
                    last: f64::NAN,
                    nans: 0,
                };
            }
            let acc = fold(a, b);
            let (min, max) = acc.finish((b - a) as u64);
            Cell {
                min,
                max,
                first: s.value(a),
                last: s.value(b - 1),
                nans: acc.nans,
            }
        };
        let cells: Vec<Cell> = if par && !raw && self.n >= MIN_PARALLEL_SAMPLES {
            let per_column = (self.n / cols as u64).max(1);
            let min_len = (MIN_TASK_SAMPLES / per_column).max(1) as usize;
            (0..cols)
                .into_par_iter()
                .with_min_len(min_len)
                .map(cell)
                .collect()
        } else {
            (0..cols).map(cell).collect()
        };
        let mut out = Columns {
            first_sample: self.start,
            samples: self.n,
            samples_per_column: if cols == 0 {
                0.0
            } else {
                self.n as f64 / cols as f64
            },
            raw: raw && cols > 0,
            missing: (self.start + self.n).saturating_sub(self.end),
            min: Vec::with_capacity(cols),
            max: Vec::with_capacity(cols),
            first: Vec::with_capacity(cols),
            last: Vec::with_capacity(cols),
            nans: Vec::with_capacity(cols),
        };
        for c in cells {
            out.min.push(c.min);
            out.max.push(c.max);
            out.first.push(c.first);
            out.last.push(c.last);
            out.nans.push(c.nans);
        }
        out
    }
}

/// One column's numbers.
struct Cell {
    min: f64,
    max: f64,
    first: f64,
    last: f64,
    nans: u64,
}
