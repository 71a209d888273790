//! Decimation and pyramid views against a naive reference built on `Lane::get`.

use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use proptest::prelude::*;

use super::*;
use crate::array::Lane;
use crate::array::lane::{ComplexPart, Endian, NumKind};
use crate::jobs::{CancellationToken, Progress};
use crate::npy::{DateUnit, TimeUnit};

pub(super) const KINDS: &[NumKind] = &[
    NumKind::F32(Endian::Little),
    NumKind::F32(Endian::Big),
    NumKind::F64(Endian::Little),
    NumKind::F64(Endian::Big),
    NumKind::I16(Endian::Little),
    NumKind::I16(Endian::Big),
    NumKind::U8,
    NumKind::I8,
    NumKind::Bool,
    NumKind::I64(Endian::Little),
    NumKind::I64(Endian::Big),
    NumKind::U64(Endian::Little),
    NumKind::U16(Endian::Big),
    NumKind::I32(Endian::Little),
    NumKind::U32(Endian::Big),
    NumKind::F16(Endian::Little),
    NumKind::F16(Endian::Big),
    NumKind::C64(Endian::Little, ComplexPart::Magnitude),
    NumKind::C128(Endian::Big, ComplexPart::Imag),
    NumKind::DateTime(
        Endian::Little,
        DateUnit {
            unit: TimeUnit::Milli,
            count: 1,
        },
    ),
];

/// xorshift64*: deterministic test data from a seed.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// NaN (or NaT) in `kind`'s bytes, if it has one.
fn nan_bytes(kind: NumKind) -> Option<Vec<u8>> {
    let be = |e: Endian, le: Vec<u8>| {
        if e == Endian::Big {
            le.into_iter().rev().collect()
        } else {
            le
        }
    };
    Some(match kind {
        NumKind::F16(e) => be(e, 0x7e00u16.to_le_bytes().to_vec()),
        NumKind::F32(e) => be(e, f32::NAN.to_le_bytes().to_vec()),
        NumKind::F64(e) => be(e, f64::NAN.to_le_bytes().to_vec()),
        NumKind::C64(e, _) => [be(e, f32::NAN.to_le_bytes().to_vec()), vec![0; 4]].concat(),
        NumKind::C128(_, _) => vec![0x7f, 0xf8, 0, 0, 0, 0, 0, 0, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0],
        NumKind::DateTime(e, _) | NumKind::TimeDelta(e, _) => {
            be(e, i64::MIN.to_le_bytes().to_vec())
        }
        _ => return None,
    })
}

/// `len` rows of `channels` values of `kind`, plus `pad` leading bytes: random bytes, with zeros, negative zeros
/// (sign bit only), small numbers and NaN sprinkled in.
pub(super) fn make_data(
    kind: NumKind,
    channels: usize,
    len: usize,
    pad: usize,
    nan_p: f64,
    seed: u64,
) -> Vec<u8> {
    let size = kind.size();
    let mut rng = Rng(seed | 1);
    let mut out = vec![0u8; pad];
    let nan = nan_bytes(kind);
    for _ in 0..len * channels {
        let r = rng.unit();
        let mut v: Vec<u8> = (0..size).map(|_| rng.next() as u8).collect();
        match &nan {
            Some(n) if r < nan_p => v.clone_from(n),
            _ if r < nan_p + 0.05 => v.fill(0),
            _ if r < nan_p + 0.1 => {
                // Sign bit only: -0.0 for floats, the minimum for signed integers.
                v.fill(0);
                let big = matches!(
                    kind,
                    NumKind::F16(Endian::Big)
                        | NumKind::F32(Endian::Big)
                        | NumKind::F64(Endian::Big)
                        | NumKind::I16(Endian::Big)
                        | NumKind::I64(Endian::Big)
                );
                let at = if big { 0 } else { size - 1 };
                v[at] = 0x80;
            }
            _ if r < nan_p + 0.4 => {
                // Small magnitudes (low byte only) so values repeat and compare close.
                v.fill(0);
                let at = if matches!(kind, NumKind::F32(Endian::Little)) {
                    size - 1
                } else {
                    0
                };
                v[at] = rng.next() as u8 & 0x3f;
            }
            _ => {}
        }
        out.extend(v);
    }
    out
}

/// The naive reference: every column by the documented rule from `Lane::get`.
pub(super) fn reference(lane: &Lane<'_>, range: std::ops::Range<u64>, width: usize) -> Columns {
    let end = range.end.min(lane.len as u64);
    let start = range.start.min(end);
    let n = end - start;
    let raw = n <= width as u64;
    let cols = if raw { n as usize } else { width };
    let mut c = Columns {
        first_sample: start,
        samples: n,
        samples_per_column: if cols == 0 {
            0.0
        } else {
            n as f64 / cols as f64
        },
        raw: raw && cols > 0,
        ..Columns::default()
    };
    for j in 0..cols {
        let a = start + (j as u128 * n as u128 / cols as u128) as u64;
        let b = start + ((j + 1) as u128 * n as u128 / cols as u128) as u64;
        let vals: Vec<f64> = (a..b).map(|i| lane.get(i as usize).unwrap()).collect();
        let nans = vals.iter().filter(|v| v.is_nan()).count() as u64;
        let good = vals.iter().copied().filter(|v| !v.is_nan());
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in good {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        let (lo, hi) = if raw {
            (vals[0], vals[0])
        } else if nans == vals.len() as u64 {
            (f64::NAN, f64::NAN)
        } else {
            (lo + 0.0, hi + 0.0)
        };
        c.min.push(lo);
        c.max.push(hi);
        c.first.push(vals[0]);
        c.last.push(vals[vals.len() - 1]);
        c.nans.push(nans);
    }
    c
}

/// Bitwise equality (NaN equals NaN), with a readable diff on failure.
pub(super) fn same(got: &Columns, want: &Columns) -> Result<(), TestCaseError> {
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    prop_assert_eq!(
        (
            got.first_sample,
            got.samples,
            got.raw,
            got.samples_per_column.to_bits()
        ),
        (
            want.first_sample,
            want.samples,
            want.raw,
            want.samples_per_column.to_bits()
        )
    );
    for (name, g, w) in [
        ("min", &got.min, &want.min),
        ("max", &got.max, &want.max),
        ("first", &got.first, &want.first),
        ("last", &got.last, &want.last),
    ] {
        if bits(g) != bits(w) {
            let j = (0..g.len().max(w.len()))
                .find(|&j| g.get(j).map(|x| x.to_bits()) != w.get(j).map(|x| x.to_bits()));
            return Err(TestCaseError::fail(format!(
                "{name} differs at column {j:?}: got {:?}, want {:?}",
                j.and_then(|j| g.get(j)),
                j.and_then(|j| w.get(j))
            )));
        }
    }
    prop_assert_eq!(&got.nans, &want.nans);
    Ok(())
}

pub(super) fn none() -> (Progress, CancellationToken) {
    (Progress::new(None), CancellationToken::new())
}

fn f32_lane(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn decimation_equals_reference(
        kind in proptest::sample::select(KINDS),
        channels in 1usize..4,
        ch in 0usize..4,
        len in prop_oneof![0usize..40, 0usize..3000, 3000usize..70_000],
        start in 0u64..70_000,
        span in 0u64..80_000,
        width in prop_oneof![1usize..8, 1usize..300, Just(2000usize)],
        nan_p in proptest::sample::select(&[0.0, 0.05, 0.5, 0.97, 1.0][..]),
        pad in 0usize..3,
        seed in any::<u64>(),
    ) {
        let ch = ch % channels;
        let size = kind.size();
        let data = make_data(kind, channels, len, pad, nan_p, seed);
        let lane = Lane { bytes: &data, first: pad + ch * size, stride: channels * size, len, kind };
        let start = if len == 0 { start } else { start % (len as u64 + 2) };
        let range = start..start + span;
        let want = reference(&lane, range.clone(), width);
        same(&decimate(&lane, range.clone(), width)?, &want)?;
        same(&decimate_par(&lane, range.clone(), width)?, &want)?;
        let (p, c) = none();
        let pyr = Pyramid::build(&lane, &p, &c)?;
        prop_assert_eq!(p.done(), len as u64);
        same(&view(&pyr, &lane, range.clone(), width)?, &want)?;
        same(&view_par(&pyr, &lane, range, width)?, &want)?;
    }

    #[test]
    fn pyramid_views_equal_decimation_at_random_zooms(
        kind in proptest::sample::select(&[NumKind::F32(Endian::Little), NumKind::I16(Endian::Big), NumKind::F64(Endian::Little), NumKind::U8][..]),
        channels in 1usize..3,
        len in 200_000usize..1_200_000,
        queries in proptest::collection::vec((any::<u64>(), any::<u64>(), 1usize..3000), 8),
        nan_p in proptest::sample::select(&[0.0, 0.3][..]),
        seed in any::<u64>(),
    ) {
        let data = make_data(kind, channels, len, 0, nan_p, seed);
        let lane = Lane { bytes: &data, first: 0, stride: channels * kind.size(), len, kind };
        let (p, c) = none();
        let pyr = Pyramid::build(&lane, &p, &c)?;
        for (a, b, width) in queries {
            let a = a % (len as u64 + 1);
            let b = b % (len as u64 + 1);
            let range = a.min(b)..a.max(b);
            let want = decimate(&lane, range.clone(), width)?;
            same(&view(&pyr, &lane, range, width)?, &want)?;
        }
    }
}

#[test]
fn pyramid_views_at_level_boundaries() {
    let len = (3 << 18) + 12_345;
    let kind = NumKind::F32(Endian::Little);
    let data = make_data(kind, 1, len, 0, 0.01, 7);
    let lane = Lane {
        bytes: &data,
        first: 0,
        stride: 4,
        len,
        kind,
    };
    let (p, c) = none();
    let pyr = Pyramid::build(&lane, &p, &c).unwrap();
    let levels: Vec<LevelInfo> = pyr.levels().collect();
    assert_eq!(
        levels,
        vec![
            LevelInfo {
                block: 1 << 10,
                blocks: len.div_ceil(1 << 10)
            },
            LevelInfo {
                block: 1 << 14,
                blocks: len.div_ceil(1 << 14)
            },
            LevelInfo {
                block: 1 << 18,
                blocks: 4
            },
        ]
    );
    assert!(
        pyr.size_bytes() * 100 < len * 4 / 2,
        "{} bytes",
        pyr.size_bytes()
    );
    let mut edges = vec![0u64, len as u64 - 1, len as u64];
    for s in [10u32, 14, 18] {
        for k in [1u64, 2, 3] {
            let at = k << s;
            if at <= len as u64 {
                edges.extend([at - 1, at, at + 1]);
            }
        }
    }
    for &a in &edges {
        for &b in &edges {
            if b < a {
                continue;
            }
            for width in [1usize, 2, 3, 7, 100, 1000] {
                let want = decimate(&lane, a..b, width).unwrap();
                same(&view(&pyr, &lane, a..b, width).unwrap(), &want).unwrap();
            }
        }
    }
    // Column spans exactly one block of each level.
    for s in [10u32, 14, 18] {
        let b = 1u64 << s;
        let want = decimate(&lane, b..b * 3, 2).unwrap();
        same(&view(&pyr, &lane, b..b * 3, 2).unwrap(), &want).unwrap();
    }
}

/// Lanes long enough for `decimate_par` to split its columns across threads (shorter ones stay on the calling
/// thread, so the property tests above do not reach the split): still the reference's columns.
#[test]
fn long_lanes_decimated_on_all_cores_equal_the_reference() {
    for (kind, nan_p) in [
        (NumKind::F32(Endian::Little), 0.01),
        (NumKind::F64(Endian::Big), 0.0),
        (NumKind::I16(Endian::Little), 0.0),
    ] {
        let len = 2_500_000;
        let data = make_data(kind, 1, len, 1, nan_p, 11);
        let lane = Lane {
            bytes: &data,
            first: 1,
            stride: kind.size(),
            len,
            kind,
        };
        for (range, width) in [(0..len as u64, 2000), (123_457..2_400_001, 997)] {
            let want = reference(&lane, range.clone(), width);
            let got = decimate_par(&lane, range.clone(), width).unwrap();
            if let Err(e) = same(&got, &want) {
                panic!("{kind:?} {range:?} in {width} columns: {e}");
            }
        }
    }
}

#[test]
fn nan_columns_are_gaps() {
    let data = f32_lane(&[1.0, f32::NAN, f32::NAN, f32::NAN, -2.0, f32::NAN]);
    let lane = Lane {
        bytes: &data,
        first: 0,
        stride: 4,
        len: 6,
        kind: NumKind::F32(Endian::Little),
    };
    let c = decimate(&lane, 0..6, 3).unwrap();
    assert_eq!(c.min[0], 1.0);
    assert_eq!(c.nans, vec![1, 2, 1]);
    assert!(c.min[1].is_nan() && c.max[1].is_nan());
    assert_eq!((c.min[2], c.max[2]), (-2.0, -2.0));
    assert!(c.last[2].is_nan());
    assert!(!c.raw);
    let r = decimate(&lane, 0..6, 6).unwrap();
    assert!(r.raw);
    assert_eq!(r.raw_points().count(), 6);
}

#[test]
fn hostile_requests_give_errors_or_empty_results() {
    let data = f32_lane(&[1.0, 2.0, 3.0]);
    let kind = NumKind::F32(Endian::Little);
    let lane = Lane {
        bytes: &data,
        first: 0,
        stride: 4,
        len: 3,
        kind,
    };
    let (p, c) = none();
    let pyr = Pyramid::build(&lane, &p, &c).unwrap();
    for f in [decimate, decimate_par] {
        assert_eq!(f(&lane, 0..3, 0), Err(SignalError::ZeroWidth));
        assert!(matches!(
            f(&lane, 0..3, MAX_WIDTH + 1),
            Err(SignalError::TooWide { .. })
        ));
        assert!(matches!(
            f(&lane, Range { start: 2, end: 1 }, 5),
            Err(SignalError::ReversedRange { .. })
        ));
        assert!(f(&lane, 1..1, 5).unwrap().is_empty());
        assert!(f(&lane, 7..u64::MAX, 5).unwrap().is_empty());
        let clamped = f(&lane, 1..u64::MAX, 1).unwrap();
        assert_eq!(
            (clamped.samples, clamped.min[0], clamped.max[0]),
            (2, 2.0, 3.0)
        );
    }
    assert_eq!(view(&pyr, &lane, 0..3, 0), Err(SignalError::ZeroWidth));
    assert!(view(&pyr, &lane, 9..10, 3).unwrap().is_empty());
    // Lanes whose values lie outside their bytes.
    for bad in [
        Lane { len: 4, ..lane },
        Lane { first: 1, ..lane },
        Lane {
            stride: usize::MAX,
            ..lane
        },
        Lane {
            first: usize::MAX,
            ..lane
        },
    ] {
        assert!(matches!(
            decimate(&bad, 0..3, 2),
            Err(SignalError::LaneOutOfBounds { .. })
        ));
        assert!(matches!(
            Pyramid::build(&bad, &p, &c),
            Err(SignalError::LaneOutOfBounds { .. })
        ));
    }
    // Stride 0 (a broadcast value) and overlapping strides read like Lane::get.
    let zero = Lane {
        stride: 0,
        len: 5,
        ..lane
    };
    let c0 = decimate(&zero, 0..5, 2).unwrap();
    assert_eq!(
        (c0.min.clone(), c0.max.clone()),
        (vec![1.0, 1.0], vec![1.0, 1.0])
    );
    let odd = Lane {
        stride: 1,
        len: 9,
        ..lane
    };
    same(&decimate(&odd, 0..9, 4).unwrap(), &reference(&odd, 0..9, 4)).unwrap();
    // A pyramid of another lane.
    let other = Lane { len: 2, ..lane };
    assert!(matches!(
        view(&pyr, &other, 0..2, 2),
        Err(SignalError::PyramidMismatch { .. })
    ));
    let other = Lane {
        kind: NumKind::I32(Endian::Little),
        ..lane
    };
    assert!(matches!(
        view(&pyr, &other, 0..2, 2),
        Err(SignalError::PyramidMismatch { .. })
    ));
    // Empty lanes.
    let empty = Lane {
        len: 0,
        bytes: &[],
        ..lane
    };
    let pe = Pyramid::build(&empty, &p, &c).unwrap();
    assert!(pe.is_empty() && pe.levels().len() == 0);
    assert!(view(&pe, &empty, 0..10, 10).unwrap().is_empty());
}

#[test]
fn cancellation_stops_a_build() {
    let len = 8 << 20;
    let data = vec![0u8; len * 2];
    let lane = Lane {
        bytes: &data,
        first: 0,
        stride: 2,
        len,
        kind: NumKind::I16(Endian::Little),
    };
    let cancelled = CancellationToken::new();
    cancelled.cancel();
    let p = Progress::new(None);
    assert_eq!(
        Pyramid::build(&lane, &p, &cancelled),
        Err(SignalError::Cancelled)
    );
    assert_eq!(p.done(), 0);
    // Cancelled from the progress callback after the first task.
    let token = CancellationToken::new();
    let t = token.clone();
    let seen = Arc::new(AtomicBool::new(false));
    let s = Arc::clone(&seen);
    let p = Progress::new(Some(Arc::new(move || {
        s.store(true, Ordering::Relaxed);
        t.cancel();
    })));
    assert_eq!(
        Pyramid::build(&lane, &p, &token),
        Err(SignalError::Cancelled)
    );
    assert!(seen.load(Ordering::Relaxed));
    assert!(p.done() < len as u64 / 2, "done {}", p.done());
}
