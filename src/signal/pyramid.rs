//! The level-of-detail pyramid: block min/max (and NaN counts) of one lane at block sizes 2^10, 2^14, 2^18, …,
//! so a view at any zoom reads a few thousand numbers instead of every sample, and still gets exactly what
//! [`decimate`](super::decimate) would.
//!
//! # Size
//! Each block keeps two numbers, f32 when every value of the lane's type is exactly an f32 (bool, 8- and 16-bit
//! integers, f16, f32) and f64 otherwise (so min/max stay exact), plus a u32 NaN count for types that have NaN.
//! The first level has one block per 1,024 samples and each further level 1/16 as many, so the pyramid is
//! about 1/1,024 × 16/15 of the samples: 0.31 % of an f32 array, 0.42 % of int16, 0.83 % of uint8, 0.26 % of
//! f64 — well under 1 %, small enough to keep in memory for every channel of a recording.
//!
//! # Query
//! A column's samples split, coarse level to fine, into whole blocks of the coarsest level that fits, then whole
//! blocks of finer levels at its two edges, then raw samples only inside the first level's two partial blocks
//! (fewer than 2 × 1,024 per column). Block min/max are exact, so the result equals direct decimation; at any
//! zoom a query reads at most `width × (2 × 1,024 + levels × 30 + blocks per column at the top level)` numbers.

use std::ops::Range;

use rayon::prelude::*;

use super::SignalError;
use super::columns::Columns;
use super::kernel::{Acc, Scan, checked_bytes, exact_in_f32, with_src};
use super::minmax::Plan;
use crate::array::Lane;
use crate::array::lane::NumKind;
use crate::jobs::{CancellationToken, Progress};

/// log2 of the first level's block size (1,024 samples).
pub const FIRST_SHIFT: u32 = 10;
/// log2 of the factor between levels (16).
pub const STEP_SHIFT: u32 = 4;
/// log2 of the largest block size (2^30 samples), which keeps NaN counts in a u32.
pub const MAX_SHIFT: u32 = 30;
/// First-level blocks one build task covers (256 Ki samples): cancellation and progress move at this grain.
const BLOCKS_PER_TASK: usize = 256;
/// Levels stop once one has no more blocks than this (a coarser one would not save work).
const TOP_BLOCKS: usize = 1 << STEP_SHIFT;

/// Block min/max of one lane at several block sizes; see the module documentation.
#[derive(Clone, Debug, PartialEq)]
pub struct Pyramid {
    len: u64,
    kind: NumKind,
    /// Finest first.
    levels: Vec<Level>,
}

/// Size of one level of a [`Pyramid`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LevelInfo {
    /// Samples per block (the last block may be shorter).
    pub block: u64,
    /// Number of blocks.
    pub blocks: usize,
}

#[derive(Clone, Debug, PartialEq)]
struct Level {
    shift: u32,
    vals: Vals,
    /// NaN count per block; empty for types without NaN.
    nans: Vec<u32>,
}

/// Per-block minima and maxima (NaN-free: an all-NaN block keeps `+inf`/`-inf`, and its NaN count says so).
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Vals {
    F32 { min: Vec<f32>, max: Vec<f32> },
    F64 { min: Vec<f64>, max: Vec<f64> },
}

/// A number type a pyramid keeps: f32 or f64.
pub(super) trait Stored: Copy + PartialOrd + Send + Sync + 'static {
    const HI: Self;
    const LO: Self;
    fn from_f64(v: f64) -> Self;
    fn to_f64(self) -> f64;
    /// A level's min/max arrays of this type.
    fn vals(min: Vec<Self>, max: Vec<Self>) -> Vals;
}

impl Stored for f32 {
    const HI: Self = f32::INFINITY;
    const LO: Self = f32::NEG_INFINITY;
    fn from_f64(v: f64) -> Self {
        // Exact: only used for types whose values are all f32 (and for ±inf).
        v as f32
    }
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    fn vals(min: Vec<Self>, max: Vec<Self>) -> Vals {
        Vals::F32 { min, max }
    }
}

impl Stored for f64 {
    const HI: Self = f64::INFINITY;
    const LO: Self = f64::NEG_INFINITY;
    fn from_f64(v: f64) -> Self {
        v
    }
    fn to_f64(self) -> f64 {
        self
    }
    fn vals(min: Vec<Self>, max: Vec<Self>) -> Vals {
        Vals::F64 { min, max }
    }
}

/// One level's arrays in the stored type.
pub(super) struct Arrays<T> {
    pub min: Vec<T>,
    pub max: Vec<T>,
    /// Empty for types without NaN.
    pub nans: Vec<u32>,
}

impl Pyramid {
    /// Builds the pyramid of `lane` on all cores: the first level from the raw samples (tasks of 256 Ki samples),
    /// each further level from the one before. Adds the samples scanned to `progress` (the caller sets its
    /// total, e.g. to `lane.len`), and checks `cancel` before each task: `Err(SignalError::Cancelled)` once set.
    pub fn build(
        lane: &Lane<'_>,
        progress: &Progress,
        cancel: &CancellationToken,
    ) -> Result<Pyramid, SignalError> {
        let bytes = checked_bytes(lane)?;
        with_src!(lane, bytes, |s| {
            if exact_in_f32(lane.kind) {
                let first = first_level::<f32, _>(&s, progress, cancel);
                Pyramid::from_first(lane.len, lane.kind, first, cancel)
            } else {
                let first = first_level::<f64, _>(&s, progress, cancel);
                Pyramid::from_first(lane.len, lane.kind, first, cancel)
            }
        })
    }

    /// The pyramid of a lane of `len` samples of `kind` from its first level (`None`: cancelled): adds the
    /// coarser levels, checking `cancel` before each.
    pub(super) fn from_first<T: Stored>(
        len: usize,
        kind: NumKind,
        first: Option<Arrays<T>>,
        cancel: &CancellationToken,
    ) -> Result<Pyramid, SignalError> {
        let first = first.ok_or(SignalError::Cancelled)?;
        let mut levels = Vec::new();
        if len > 0 {
            levels.push(Level::new(FIRST_SHIFT, first, T::vals));
        }
        while let Some(last) = levels.last() {
            if last.blocks() <= TOP_BLOCKS || last.shift + STEP_SHIFT > MAX_SHIFT {
                break;
            }
            if cancel.is_cancelled() {
                return Err(SignalError::Cancelled);
            }
            let next = last.coarser();
            levels.push(next);
        }
        Ok(Pyramid {
            len: len as u64,
            kind,
            levels,
        })
    }

    /// Samples of the lane it was built from.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether it was built from an empty lane.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number type of the lane it was built from.
    pub fn kind(&self) -> NumKind {
        self.kind
    }

    /// The levels, finest first.
    pub fn levels(&self) -> impl ExactSizeIterator<Item = LevelInfo> + '_ {
        self.levels.iter().map(|l| LevelInfo {
            block: 1 << l.shift,
            blocks: l.blocks(),
        })
    }

    /// Bytes the pyramid's arrays hold (compare with the lane's `len × kind.size()`).
    pub fn size_bytes(&self) -> usize {
        self.levels
            .iter()
            .map(|l| {
                let per = match l.vals {
                    Vals::F32 { .. } => 8,
                    Vals::F64 { .. } => 16,
                };
                l.blocks() * per + l.nans.len() * 4
            })
            .sum()
    }

    /// Min/max/NaNs of samples `lo..hi` from the levels (coarse to fine) and raw samples of `s` at the edges.
    fn fold<S: Scan>(&self, levels: &[Level], s: &S, lo: u64, hi: u64) -> Acc {
        if lo >= hi {
            return Acc::EMPTY;
        }
        let Some((top, finer)) = levels.split_last() else {
            return s.scan(lo as usize, hi as usize);
        };
        let b = 1u64 << top.shift;
        let k0 = lo.div_ceil(b);
        // The last block may be short: it is whole when the span runs to the lane's end.
        let k1 = if hi >= self.len {
            self.len.div_ceil(b)
        } else {
            hi / b
        };
        if k0 >= k1 {
            return self.fold(finer, s, lo, hi);
        }
        let covered = (k0 * b)..(k1.saturating_mul(b)).min(self.len);
        top.fold(k0 as usize, k1 as usize)
            .merge(self.fold(finer, s, lo, covered.start))
            .merge(self.fold(finer, s, covered.end, hi))
    }

    fn check(&self, lane: &Lane<'_>) -> Result<(), SignalError> {
        if self.len != lane.len as u64 || self.kind != lane.kind {
            return Err(SignalError::PyramidMismatch {
                pyramid_len: self.len,
                pyramid_kind: format!("{:?}", self.kind),
                lane_len: lane.len as u64,
                lane_kind: format!("{:?}", lane.kind),
            });
        }
        Ok(())
    }
}

/// The envelope of `range` of `lane` in `width` columns, from `pyramid` (built from this `lane`) plus raw samples
/// at column edges: equal to [`decimate`](super::decimate) of the same request, bit for bit. Errors as
/// `decimate`, and [`SignalError::PyramidMismatch`] when the lane's length or type differ from the pyramid's.
pub fn view(
    pyramid: &Pyramid,
    lane: &Lane<'_>,
    range: Range<u64>,
    width: usize,
) -> Result<Columns, SignalError> {
    view_with(pyramid, lane, range, width, false)
}

/// [`view`] on all cores (split by columns); the result is identical.
pub fn view_par(
    pyramid: &Pyramid,
    lane: &Lane<'_>,
    range: Range<u64>,
    width: usize,
) -> Result<Columns, SignalError> {
    view_with(pyramid, lane, range, width, true)
}

fn view_with(
    pyramid: &Pyramid,
    lane: &Lane<'_>,
    range: Range<u64>,
    width: usize,
    par: bool,
) -> Result<Columns, SignalError> {
    let plan = Plan::new(lane.len, range, width)?;
    view_plan(pyramid, lane, plan, par)
}

/// The columns of a checked `plan` from `pyramid` (built from `lane`).
pub(super) fn view_plan(
    pyramid: &Pyramid,
    lane: &Lane<'_>,
    plan: Plan,
    par: bool,
) -> Result<Columns, SignalError> {
    pyramid.check(lane)?;
    let bytes = checked_bytes(lane)?;
    Ok(with_src!(lane, bytes, |s| plan.columns(&s, par, |a, b| {
        pyramid.fold(&pyramid.levels, &s, a as u64, b as u64)
    })))
}

impl Level {
    fn new<T>(shift: u32, a: Arrays<T>, wrap: fn(Vec<T>, Vec<T>) -> Vals) -> Level {
        Level {
            shift,
            vals: wrap(a.min, a.max),
            nans: a.nans,
        }
    }

    fn blocks(&self) -> usize {
        match &self.vals {
            Vals::F32 { min, .. } => min.len(),
            Vals::F64 { min, .. } => min.len(),
        }
    }

    /// Blocks `k0..k1` together.
    fn fold(&self, k0: usize, k1: usize) -> Acc {
        let nans = self
            .nans
            .get(k0..k1)
            .map_or(0, |n| n.iter().map(|&c| u64::from(c)).sum());
        let (min, max) = match &self.vals {
            Vals::F32 { min, max } => (fold_min(min, k0, k1), fold_max(max, k0, k1)),
            Vals::F64 { min, max } => (fold_min(min, k0, k1), fold_max(max, k0, k1)),
        };
        Acc { min, max, nans }
    }

    /// The next level: blocks 16 times as long.
    fn coarser(&self) -> Level {
        let shift = self.shift + STEP_SHIFT;
        let group = TOP_BLOCKS;
        let nans = self
            .nans
            .chunks(group)
            .map(|c| c.iter().sum::<u32>())
            .collect();
        let vals = match &self.vals {
            Vals::F32 { min, max } => Vals::F32 {
                min: min.chunks(group).map(group_min).collect(),
                max: max.chunks(group).map(group_max).collect(),
            },
            Vals::F64 { min, max } => Vals::F64 {
                min: min.chunks(group).map(group_min).collect(),
                max: max.chunks(group).map(group_max).collect(),
            },
        };
        Level { shift, vals, nans }
    }
}

/// Smallest of `c` (`+inf` if empty).
fn group_min<T: Stored>(c: &[T]) -> T {
    c.iter().fold(T::HI, |m, &x| if x < m { x } else { m })
}

/// Largest of `c` (`-inf` if empty).
fn group_max<T: Stored>(c: &[T]) -> T {
    c.iter().fold(T::LO, |m, &x| if x > m { x } else { m })
}

fn fold_min<T: Stored>(v: &[T], k0: usize, k1: usize) -> f64 {
    v.get(k0..k1)
        .unwrap_or(&[])
        .iter()
        .fold(f64::INFINITY, |m, &x| {
            let x = x.to_f64();
            if x < m { x } else { m }
        })
}

fn fold_max<T: Stored>(v: &[T], k0: usize, k1: usize) -> f64 {
    v.get(k0..k1)
        .unwrap_or(&[])
        .iter()
        .fold(f64::NEG_INFINITY, |m, &x| {
            let x = x.to_f64();
            if x > m { x } else { m }
        })
}

/// The first level from raw samples, tasks in parallel; `None` when cancelled.
fn first_level<T: Stored, S: Scan>(
    s: &S,
    progress: &Progress,
    cancel: &CancellationToken,
) -> Option<Arrays<T>> {
    let len = s.len();
    let block = 1usize << FIRST_SHIFT;
    let blocks = len.div_ceil(block);
    let tasks = blocks.div_ceil(BLOCKS_PER_TASK);
    let can_nan = s.can_nan();
    let parts: Vec<Arrays<T>> = (0..tasks)
        .into_par_iter()
        .map(|t| {
            if cancel.is_cancelled() {
                return None;
            }
            let k0 = t * BLOCKS_PER_TASK;
            let k1 = (k0 + BLOCKS_PER_TASK).min(blocks);
            let mut a = Arrays {
                min: Vec::with_capacity(k1 - k0),
                max: Vec::with_capacity(k1 - k0),
                nans: Vec::with_capacity(if can_nan { k1 - k0 } else { 0 }),
            };
            for k in k0..k1 {
                let acc = s.scan(k * block, ((k + 1) * block).min(len));
                a.min.push(T::from_f64(acc.min));
                a.max.push(T::from_f64(acc.max));
                if can_nan {
                    // At most 1,024.
                    a.nans.push(acc.nans as u32);
                }
            }
            progress.add(((k1 * block).min(len) - k0 * block) as u64);
            Some(a)
        })
        .collect::<Option<Vec<_>>>()?;
    if cancel.is_cancelled() {
        return None;
    }
    let mut out = Arrays {
        min: Vec::with_capacity(blocks),
        max: Vec::with_capacity(blocks),
        nans: Vec::with_capacity(if can_nan { blocks } else { 0 }),
    };
    for p in parts {
        out.min.extend(p.min);
        out.max.extend(p.max);
        out.nans.extend(p.nans);
    }
    Some(out)
}
