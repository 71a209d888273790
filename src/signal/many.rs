//! Pyramids of many channels of one row-major recording in a single pass: [`build_many`].
//!
//! One lane of a (T, C) C-order array touches every row (a cache line or so per value), so building the
//! pyramids lane by lane reads the whole file C times. Here each task takes a run of rows (whole first-level
//! blocks) and folds every lane's values of each row into per-lane block min/max, so each row is read once.
//! When the lanes are consecutive elements of each row (channels `c .. c + m` of a C-order array) a row is a
//! contiguous slice and the per-lane update is a vector loop; other lane sets read value by value.

use std::ops::Range;

use rayon::prelude::*;

use super::SignalError;
use super::kernel::{Src, Val, checked_bytes, exact_in_f32, prefetch_ahead, with_src};
use super::pyramid::{Arrays, FIRST_SHIFT, Pyramid, Stored};
use super::simd::Kernel;
use crate::array::Lane;
use crate::jobs::{CancellationToken, Progress};

/// Bytes one task reads at most (about), so that cancellation and progress move at this grain.
const TASK_BYTES: usize = 8 << 20;
/// First-level blocks one task covers at most.
const MAX_BLOCKS_PER_TASK: usize = 256;

/// Pyramids of `lanes` read row by row: `lanes[c]` must be lanes over the same rows with the same kind and
/// length (e.g. channels of a (T, C) array); the result equals [`Pyramid::build`] of each lane, bit for bit.
/// One pass over memory on all cores (split by row blocks). Adds samples scanned (rows × lanes) to
/// `progress` (set its total to `len × lanes.len()`), checks `cancel` before each task. Errors:
/// [`SignalError::LanesDiffer`], [`SignalError::LaneOutOfBounds`], [`SignalError::Cancelled`].
pub fn build_many(
    lanes: &[Lane<'_>],
    progress: &Progress,
    cancel: &CancellationToken,
) -> Result<Vec<Pyramid>, SignalError> {
    let Some(lane0) = lanes.first() else {
        return Ok(Vec::new());
    };
    let mut spans = Vec::with_capacity(lanes.len());
    for (index, l) in lanes.iter().enumerate() {
        if l.kind != lane0.kind || l.len != lane0.len {
            return Err(SignalError::LanesDiffer {
                index,
                len: l.len as u64,
                kind: format!("{:?}", l.kind),
                first_len: lane0.len as u64,
                first_kind: format!("{:?}", lane0.kind),
            });
        }
        spans.push(checked_bytes(l)?);
    }
    let size = lane0.kind.size();
    // Contiguous lanes (stride = value size) are one pass each already; `Pyramid::build` keeps its own order of
    // visiting values (which decides the sign of a zero minimum) for them.
    let (alone, rowwise): (Vec<usize>, Vec<usize>) =
        (0..lanes.len()).partition(|&i| lanes[i].stride == size);
    let mut out: Vec<Option<Pyramid>> = vec![None; lanes.len()];
    for &i in &alone {
        out[i] = Some(Pyramid::build(&lanes[i], progress, cancel)?);
    }
    if let Some(&r0) = rowwise.first() {
        let set = Rows::new(lanes, &spans, &rowwise);
        let built = with_src!(&lanes[r0], spans[r0], |s| {
            if exact_in_f32(lane0.kind) {
                let f: Option<Vec<Arrays<f32>>> = first_levels(&s, &set, progress, cancel);
                f.map(|f| assemble(f, &set, cancel))
            } else {
                let f: Option<Vec<Arrays<f64>>> = first_levels(&s, &set, progress, cancel);
                f.map(|f| assemble(f, &set, cancel))
            }
        })
        .ok_or(SignalError::Cancelled)??;
        for (&i, p) in rowwise.iter().zip(built) {
            out[i] = Some(p);
        }
    }
    out.into_iter()
        .map(|p| p.ok_or(SignalError::Cancelled))
        .collect()
}

/// The lanes read row by row.
struct Rows<'a> {
    /// Each lane's bytes from its value 0 ([`checked_bytes`]) and its stride.
    lanes: Vec<(&'a [u8], usize)>,
    /// When the lanes are consecutive values of each row of one byte slice: that slice, the byte offset of
    /// lane 0's value 0, and the row stride.
    packed: Option<(&'a [u8], usize, usize)>,
    len: usize,
    kind: crate::array::lane::NumKind,
}

impl<'a> Rows<'a> {
    fn new(all: &[Lane<'a>], spans: &[&'a [u8]], pick: &[usize]) -> Rows<'a> {
        let lanes: Vec<(&'a [u8], usize)> =
            pick.iter().map(|&i| (spans[i], all[i].stride)).collect();
        let l0 = &all[pick[0]];
        let size = l0.kind.size();
        let packed = pick.iter().enumerate().all(|(j, &i)| {
            let l = &all[i];
            std::ptr::eq(l.bytes, l0.bytes)
                && l.stride == l0.stride
                && l0.first.checked_add(j * size) == Some(l.first)
        });
        Rows {
            lanes,
            packed: packed.then_some((l0.bytes, l0.first, l0.stride)),
            len: l0.len,
            kind: l0.kind,
        }
    }

    /// Bytes one row of all lanes spans (about).
    fn row_bytes(&self) -> usize {
        match self.packed {
            Some((_, _, stride)) => stride,
            None => self.lanes.iter().map(|&(_, s)| s).max().unwrap_or(1),
        }
        .max(1)
    }
}

/// Per-lane min/max/NaN accumulators of the current block, in the native type.
struct Accs<V> {
    min: Vec<V>,
    max: Vec<V>,
    nans: Vec<u32>,
}

impl<V: Val> Accs<V> {
    fn new(n: usize) -> Self {
        Accs {
            min: vec![V::HI; n],
            max: vec![V::LO; n],
            nans: vec![0; n],
        }
    }

    fn reset(&mut self) {
        self.min.fill(V::HI);
        self.max.fill(V::LO);
        self.nans.fill(0);
    }

    /// Folds one row of consecutive values (one per lane) in.
    #[inline(always)]
    fn push_row<const N: usize>(&mut self, row: &[[u8; N]], conv: impl Fn([u8; N]) -> V) {
        let n = self.min.len().min(row.len());
        let (mins, maxs, nans) = (&mut self.min[..n], &mut self.max[..n], &mut self.nans[..n]);
        for (((c, mn), mx), z) in row[..n]
            .iter()
            .zip(mins.iter_mut())
            .zip(maxs.iter_mut())
            .zip(nans.iter_mut())
        {
            let v = conv(*c);
            *mn = if v < *mn { v } else { *mn };
            *mx = if v > *mx { v } else { *mx };
            if V::FLOAT {
                *z += u32::from(v.is_nan());
            }
        }
    }

    /// Folds value `v` of lane `l` in.
    #[inline(always)]
    fn push(&mut self, l: usize, v: V) {
        if let (Some(mn), Some(mx), Some(z)) = (
            self.min.get_mut(l),
            self.max.get_mut(l),
            self.nans.get_mut(l),
        ) {
            *mn = if v < *mn { v } else { *mn };
            *mx = if v > *mx { v } else { *mx };
            if V::FLOAT {
                *z += u32::from(v.is_nan());
            }
        }
    }
}

/// Rows of lanes that are consecutive values of each row, folded into `acc`: a [`Kernel`] so that the per-lane
/// update (a vector loop across the lanes of a row) is compiled for the SIMD level of `src`.
struct PackedRows<'r, 'a, const N: usize, V, F> {
    acc: &'r mut Accs<V>,
    src: &'r Src<'a, N, V, F>,
    /// The array's bytes, lane 0's value 0 at `first`, one row every `stride` bytes.
    bytes: &'a [u8],
    first: usize,
    stride: usize,
    rows: Range<usize>,
}

impl<const N: usize, V: Val, F: Fn([u8; N]) -> V + Sync> Kernel for PackedRows<'_, '_, N, V, F> {
    type Out = ();

    #[inline(always)]
    fn run(self) {
        let width = self.acc.min.len() * N;
        for i in self.rows {
            let at = i
                .checked_mul(self.stride)
                .and_then(|o| o.checked_add(self.first));
            let row = at
                .and_then(|a| self.bytes.get(a..))
                .and_then(|b| b.get(..width));
            if let Some(row) = row {
                prefetch_ahead(row);
                self.acc
                    .push_row(row.as_chunks::<N>().0, |c| self.src.decode(c));
            }
        }
    }
}

/// Every lane's first level, tasks of whole blocks in parallel; `None` when cancelled.
fn first_levels<T: Stored, const N: usize, V: Val, F: Fn([u8; N]) -> V + Sync>(
    s: &Src<'_, N, V, F>,
    set: &Rows<'_>,
    progress: &Progress,
    cancel: &CancellationToken,
) -> Option<Vec<Arrays<T>>> {
    let len = set.len;
    let nl = set.lanes.len();
    let block = 1usize << FIRST_SHIFT;
    let blocks = len.div_ceil(block);
    let per_task = (TASK_BYTES / (block * set.row_bytes())).clamp(1, MAX_BLOCKS_PER_TASK);
    let tasks = blocks.div_ceil(per_task);
    let can_nan = V::FLOAT;
    let new_arrays = |cap: usize| Arrays::<T> {
        min: Vec::with_capacity(cap),
        max: Vec::with_capacity(cap),
        nans: Vec::with_capacity(if can_nan { cap } else { 0 }),
    };
    let parts: Vec<Vec<Arrays<T>>> = (0..tasks)
        .into_par_iter()
        .map(|t| {
            if cancel.is_cancelled() {
                return None;
            }
            let k0 = t * per_task;
            let k1 = (k0 + per_task).min(blocks);
            let mut out: Vec<Arrays<T>> = (0..nl).map(|_| new_arrays(k1 - k0)).collect();
            let mut acc = Accs::<V>::new(nl);
            for k in k0..k1 {
                acc.reset();
                let rows = k * block..((k + 1) * block).min(len);
                match set.packed {
                    Some((bytes, first, stride)) => s.simd().run(PackedRows {
                        acc: &mut acc,
                        src: s,
                        bytes,
                        first,
                        stride,
                        rows,
                    }),
                    None => {
                        for i in rows {
                            for (l, &(bytes, stride)) in set.lanes.iter().enumerate() {
                                let v = i
                                    .checked_mul(stride)
                                    .and_then(|o| bytes.get(o..))
                                    .and_then(|b| b.first_chunk::<N>());
                                if let Some(c) = v {
                                    acc.push(l, s.decode(*c));
                                }
                            }
                        }
                    }
                }
                for (l, a) in out.iter_mut().enumerate() {
                    a.min.push(T::from_f64(acc.min[l].to_f64()));
                    a.max.push(T::from_f64(acc.max[l].to_f64()));
                    if can_nan {
                        a.nans.push(acc.nans[l]);
                    }
                }
            }
            let rows = (k1 * block).min(len) - k0 * block;
            progress.add((rows * nl) as u64);
            Some(out)
        })
        .collect::<Option<Vec<_>>>()?;
    if cancel.is_cancelled() {
        return None;
    }
    let mut out: Vec<Arrays<T>> = (0..nl).map(|_| new_arrays(blocks)).collect();
    for part in parts {
        for (o, p) in out.iter_mut().zip(part) {
            o.min.extend(p.min);
            o.max.extend(p.max);
            o.nans.extend(p.nans);
        }
    }
    Some(out)
}

/// The pyramids from their first levels (coarser levels on all cores, one lane per task).
fn assemble<T: Stored>(
    firsts: Vec<Arrays<T>>,
    set: &Rows<'_>,
    cancel: &CancellationToken,
) -> Result<Vec<Pyramid>, SignalError> {
    firsts
        .into_par_iter()
        .map(|a| Pyramid::from_first(set.len, set.kind, Some(a), cancel))
        .collect()
}
