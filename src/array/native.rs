//! Byte-order and layout conversion to the host's native form: which bytes of an element to reverse (recursively
//! through structured fields and sub-arrays), and the Fortran → C transpose.

use std::ops::Range;

use rayon::prelude::*;

use crate::npy::{ByteOrder, DType, Field, ScalarKind, ScalarType};

/// Whether scalars in `order` must be byte-reversed on this host.
pub(crate) fn needs_swap(order: ByteOrder) -> bool {
    match order {
        ByteOrder::Little => cfg!(target_endian = "big"),
        ByteOrder::Big => cfg!(target_endian = "little"),
        ByteOrder::NotApplicable => false,
    }
}

/// The host's byte order.
pub(crate) fn native_order() -> ByteOrder {
    if cfg!(target_endian = "big") {
        ByteOrder::Big
    } else {
        ByteOrder::Little
    }
}

/// The dtype with every multi-byte scalar (nested fields included) in the host's byte order.
pub(crate) fn native_dtype(dtype: &DType) -> DType {
    match dtype {
        DType::Scalar(s) if s.order != ByteOrder::NotApplicable => DType::Scalar(ScalarType {
            order: native_order(),
            kind: s.kind,
        }),
        DType::Scalar(s) => DType::Scalar(*s),
        DType::Structured(fields) => DType::Structured(
            fields
                .iter()
                .map(|f| Field {
                    name: f.name.clone(),
                    title: f.title.clone(),
                    dtype: native_dtype(&f.dtype),
                    shape: f.shape.clone(),
                    levels: f.levels.clone(),
                })
                .collect(),
        ),
    }
}

/// `count` units of `width` bytes to reverse, `step` bytes apart, starting `offset` bytes into an element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Run {
    pub offset: usize,
    pub width: usize,
    pub count: usize,
    pub step: usize,
}

/// The byte-reversal runs of one element of `dtype`, offsets from `base`. The caller guarantees the itemsize fits
/// in `usize` (it is at most the data length); arithmetic saturates otherwise, and [`apply`] bounds-checks anyway.
pub(crate) fn swap_plan(dtype: &DType, base: usize, out: &mut Vec<Run>) {
    match dtype {
        DType::Scalar(s) => {
            if let Some(r) = scalar_run(s, base) {
                out.push(r);
            }
        }
        DType::Structured(fields) => {
            let mut offset = base;
            for f in fields {
                field_plan(f, offset, out);
                offset = offset.saturating_add(usize::try_from(f.itemsize()).unwrap_or(usize::MAX));
            }
        }
    }
}

/// Runs of one field at `offset`, repeated over its sub-array.
fn field_plan(f: &Field, offset: usize, out: &mut Vec<Run>) {
    let count = f.shape.iter().fold(1u64, |acc, &d| acc.saturating_mul(d));
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    let inner_size = usize::try_from(f.dtype.itemsize()).unwrap_or(usize::MAX);
    if count == 0 || inner_size == 0 {
        return;
    }
    let mut inner = Vec::new();
    swap_plan(&f.dtype, 0, &mut inner);
    match inner.as_slice() {
        [] => {}
        // A scalar sub-array is one run of all its units.
        [r] if r.count == 1 && r.offset == 0 => out.push(Run {
            offset,
            width: r.width,
            count,
            step: inner_size,
        }),
        _ => {
            for k in 0..count {
                let shift = offset.saturating_add(k.saturating_mul(inner_size));
                out.extend(inner.iter().map(|r| Run {
                    offset: r.offset.saturating_add(shift),
                    ..*r
                }));
            }
        }
    }
}

/// The run of a scalar that needs swapping on this host, if any.
fn scalar_run(s: &ScalarType, offset: usize) -> Option<Run> {
    if !needs_swap(s.order) {
        return None;
    }
    let (width, count) = match s.kind {
        ScalarKind::Int(n) | ScalarKind::UInt(n) | ScalarKind::Float(n) if n > 1 => {
            (usize::from(n), 1)
        }
        ScalarKind::Complex(n) => (usize::from(n / 2), 2),
        ScalarKind::DateTime(_) | ScalarKind::TimeDelta(_) => (8, 1),
        ScalarKind::Str(n) => (4, usize::try_from(n).unwrap_or(usize::MAX)),
        _ => return None,
    };
    (count > 0 && width > 1).then_some(Run {
        offset,
        width,
        count,
        step: width,
    })
}

/// Applies `plan` to every `itemsize`-byte element of `buf`; units that would run past an element are skipped.
pub(crate) fn apply(plan: &[Run], itemsize: usize, buf: &mut [u8]) {
    if plan.is_empty() || itemsize == 0 {
        return;
    }
    // Plain scalar arrays (and U strings): the whole buffer is a sequence of equal units.
    if let [r] = plan
        && r.offset == 0
        && r.step == r.width
        && r.count.checked_mul(r.width) == Some(itemsize)
    {
        return swap_units(buf, r.width);
    }
    for elem in buf.chunks_exact_mut(itemsize) {
        for r in plan {
            for k in 0..r.count {
                let start = r.offset.saturating_add(k.saturating_mul(r.step));
                let Some(unit) = start
                    .checked_add(r.width)
                    .and_then(|end| elem.get_mut(start..end))
                else {
                    break;
                };
                unit.reverse();
            }
        }
    }
}

/// Reverses every `width`-byte unit of `buf`, with fixed-size fast paths.
fn swap_units(buf: &mut [u8], width: usize) {
    fn fixed<const N: usize>(buf: &mut [u8]) {
        for c in buf.chunks_exact_mut(N) {
            c.reverse();
        }
    }
    match width {
        2 => fixed::<2>(buf),
        4 => fixed::<4>(buf),
        8 => fixed::<8>(buf),
        _ => {
            for c in buf.chunks_exact_mut(width) {
                c.reverse();
            }
        }
    }
}

/// Copies Fortran-ordered `src` into C-ordered `dst` (same length: the product of `shape` times `itemsize`, which
/// the caller checked fits in `usize`).
///
/// Reversing the axes is, for each index of the axes between, a 2-D transpose between the first axis (contiguous
/// in `src`) and the last (contiguous in `dst`). It goes in square tiles, so that both sides are read and written
/// a cache line at a time (element by element, one side jumped a whole column per element: a 512 MB Fortran-order
/// load took 0.9 s, now 0.13 s on all cores; see the README).
pub(crate) fn fortran_to_c(src: &[u8], dst: &mut [u8], shape: &[usize], itemsize: usize) {
    let n = shape.len();
    let total = shape.iter().try_fold(itemsize, |a, &d| a.checked_mul(d));
    if n < 2 || itemsize == 0 || total != Some(src.len()) || src.len() != dst.len() {
        let len = src.len().min(dst.len());
        dst[..len].copy_from_slice(&src[..len]);
        return;
    }
    if src.is_empty() {
        return;
    }
    // Every product below is at most the element count, which fits (checked above).
    let axes = Axes {
        src_last: shape[..n - 1].iter().product::<usize>() * itemsize,
        dst_first: shape[1..].iter().product::<usize>() * itemsize,
        first: shape[0],
        last: shape[n - 1],
        middle: &shape[1..n - 1],
        src_middle: (1..n - 1)
            .map(|k| shape[..k].iter().product::<usize>() * itemsize)
            .collect(),
        dst_middle: (1..n - 1)
            .map(|k| shape[k + 1..].iter().product::<usize>() * itemsize)
            .collect(),
    };
    // The first axis is the outermost in `dst`, so a run of its indices is one contiguous block
    // there: large arrays go block by block on all cores.
    let threads = rayon::current_num_threads().min(dst.len() / Axes::MIN_PARALLEL_BYTES);
    if threads <= 1 {
        axes.fill(src, dst, 0, itemsize);
        return;
    }
    let per_block = axes.first.div_ceil(threads).next_multiple_of(Axes::TILE);
    dst.par_chunks_mut(per_block * axes.dst_first)
        .enumerate()
        .for_each(|(k, block)| axes.fill(src, block, k * per_block, itemsize));
}

/// How [`fortran_to_c`] walks an array: the two axes it transposes between (their lengths and
/// byte strides: the last axis in `src`, the first in `dst`), and the axes between.
struct Axes<'a> {
    src_last: usize,
    dst_first: usize,
    first: usize,
    last: usize,
    middle: &'a [usize],
    /// Byte strides of the middle axes in `src` and in `dst`.
    src_middle: Vec<usize>,
    dst_middle: Vec<usize>,
}

impl Axes<'_> {
    /// Elements per side of a tile: 32 × 32 elements of up to 8 bytes (8 KiB a side) stay in the first-level cache.
    const TILE: usize = 32;
    /// Below this many bytes per core, one core does it all.
    const MIN_PARALLEL_BYTES: usize = 4 << 20;

    /// Fills `block`, the C-order rows of the first axis from `first_row` on (as many as it holds), from all of
    /// `src`: one 2-D transpose for each index of the middle axes.
    fn fill(&self, src: &[u8], block: &mut [u8], first_row: usize, item: usize) {
        let rows = first_row..(first_row + block.len() / self.dst_first).min(self.first);
        let mut idx = vec![0usize; self.middle.len()];
        loop {
            let src_base = idx.iter().zip(&self.src_middle).map(|(i, s)| i * s).sum();
            let dst_base = idx.iter().zip(&self.dst_middle).map(|(i, s)| i * s).sum();
            let at = (rows.clone(), src_base, dst_base);
            match item {
                1 => self.transpose(src, block, at, 1),
                2 => self.transpose(src, block, at, 2),
                4 => self.transpose(src, block, at, 4),
                8 => self.transpose(src, block, at, 8),
                16 => self.transpose(src, block, at, 16),
                other => self.transpose(src, block, at, other),
            }
            // Odometer over the middle axes (any order visits each once).
            let mut k = self.middle.len();
            loop {
                if k == 0 {
                    return;
                }
                k -= 1;
                idx[k] += 1;
                if idx[k] < self.middle[k] {
                    break;
                }
                idx[k] = 0;
            }
        }
    }

    /// `block[dst_base + (i - rows.start) × dst_first + j × item] = src[src_base + i × item + j × src_last]` for
    /// every `i` in `rows` and `j` of the last axis, tile by tile. Inlined with `item` a constant, each element is
    /// one load and one store.
    #[inline(always)]
    fn transpose(
        &self,
        src: &[u8],
        block: &mut [u8],
        (rows, src_base, dst_base): (Range<usize>, usize, usize),
        item: usize,
    ) {
        let tile = if item <= 8 {
            Self::TILE
        } else {
            Self::TILE / 2
        };
        for j0 in (0..self.last).step_by(tile) {
            let j1 = (j0 + tile).min(self.last);
            for i0 in rows.clone().step_by(tile) {
                let i1 = (i0 + tile).min(rows.end);
                for j in j0..j1 {
                    let from = src_base + j * self.src_last + i0 * item;
                    let row = &src[from..from + (i1 - i0) * item];
                    let mut to = dst_base + (i0 - rows.start) * self.dst_first + j * item;
                    for element in row.chunks_exact(item) {
                        block[to..to + item].copy_from_slice(element);
                        to += self.dst_first;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::npy::parse_typestr;

    fn scalar(s: &str) -> DType {
        DType::Scalar(parse_typestr(s).unwrap())
    }

    #[test]
    fn plans_for_scalars() {
        let mut p = Vec::new();
        swap_plan(&scalar("<f8"), 0, &mut p);
        assert_eq!(p.is_empty(), cfg!(target_endian = "little"));
        let mut p = Vec::new();
        swap_plan(&scalar(">c8"), 0, &mut p);
        if cfg!(target_endian = "little") {
            assert_eq!(
                p,
                vec![Run {
                    offset: 0,
                    width: 4,
                    count: 2,
                    step: 4
                }]
            );
        }
        let mut p = Vec::new();
        swap_plan(&scalar("|S9"), 0, &mut p);
        assert!(p.is_empty());
    }

    #[test]
    fn transpose_2d_and_3d() {
        // Fortran (2, 3) of bytes: column-major 0..6 → C order rows [0, 2, 4], [1, 3, 5].
        let src: Vec<u8> = (0..6).collect();
        let mut dst = vec![0u8; 6];
        fortran_to_c(&src, &mut dst, &[2, 3], 1);
        assert_eq!(dst, vec![0, 2, 4, 1, 3, 5]);
        let src: Vec<u8> = (0..24).collect();
        let mut dst = vec![0u8; 24];
        fortran_to_c(&src, &mut dst, &[2, 3, 4], 1);
        // C index (i, j, k) reads Fortran offset i + 2 j + 6 k.
        for i in 0..2 {
            for j in 0..3 {
                for k in 0..4 {
                    assert_eq!(dst[i * 12 + j * 4 + k] as usize, i + 2 * j + 6 * k);
                }
            }
        }
    }

    /// The plain definition: C index (i0, …, in) takes the element at Fortran offset i0 + d0 (i1 + d1 (…)).
    fn reference_fortran_to_c(src: &[u8], shape: &[usize], itemsize: usize) -> Vec<u8> {
        let count: usize = shape.iter().product();
        let mut dst = Vec::with_capacity(src.len());
        for c in 0..count {
            // Split the C flat index into indices, last axis fastest; build the Fortran offset.
            let (mut rest, mut offset, mut stride) = (c, 0, 1);
            let mut idx = vec![0; shape.len()];
            for (k, &d) in shape.iter().enumerate().rev() {
                idx[k] = rest % d;
                rest /= d;
            }
            for (k, &d) in shape.iter().enumerate() {
                offset += idx[k] * stride;
                stride *= d;
            }
            dst.extend_from_slice(&src[offset * itemsize..(offset + 1) * itemsize]);
        }
        dst
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        /// Tiles cut anywhere (sides up to 70 cross the 32- and 16-element tiles), any number of middle axes, every
        /// item size the loop is specialised for and two it is not.
        #[test]
        fn tiled_transpose_matches_the_definition(
            shape in proptest::collection::vec(1usize..70, 2..5)
                .prop_filter("at most 20,000 elements", |s| s.iter().product::<usize>() <= 20_000),
            itemsize in proptest::sample::select(&[1usize, 2, 3, 4, 8, 12, 16][..]),
        ) {
            let len = shape.iter().product::<usize>() * itemsize;
            let src: Vec<u8> = (0..len).map(|i| (i * 7 + i / 251) as u8).collect();
            let mut dst = vec![0u8; len];
            fortran_to_c(&src, &mut dst, &shape, itemsize);
            prop_assert_eq!(dst, reference_fortran_to_c(&src, &shape, itemsize));
        }
    }

    /// Large enough to go in blocks on several threads (uneven blocks, tiles cut at their edges), in a pool of its
    /// own so the blocks are there on a machine of any size.
    #[test]
    fn transpose_in_blocks_on_threads_matches_the_definition() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        for (shape, itemsize) in [(vec![3001, 7, 101], 8), (vec![70_001, 33], 4)] {
            let len = shape.iter().product::<usize>() * itemsize;
            assert!(
                len >= 2 * Axes::MIN_PARALLEL_BYTES,
                "{shape:?} goes in blocks"
            );
            let src: Vec<u8> = (0..len).map(|i| (i * 7 + i / 251) as u8).collect();
            let mut dst = vec![0u8; len];
            pool.install(|| fortran_to_c(&src, &mut dst, &shape, itemsize));
            assert!(
                dst == reference_fortran_to_c(&src, &shape, itemsize),
                "{shape:?}"
            );
        }
    }

    #[test]
    fn structured_plan_repeats_sub_arrays() {
        let dt = DType::Structured(vec![
            Field {
                name: "a".into(),
                title: None,
                dtype: scalar("|u1"),
                shape: vec![],
                levels: Vec::new(),
            },
            Field {
                name: "b".into(),
                title: None,
                dtype: scalar(">i2"),
                shape: vec![2, 3],
                levels: Vec::new(),
            },
        ]);
        let mut p = Vec::new();
        swap_plan(&dt, 0, &mut p);
        if cfg!(target_endian = "little") {
            assert_eq!(
                p,
                vec![Run {
                    offset: 1,
                    width: 2,
                    count: 6,
                    step: 2
                }]
            );
            let mut buf: Vec<u8> = (0..13).collect();
            apply(&p, 13, &mut buf);
            assert_eq!(buf, vec![0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11]);
        }
    }
}
