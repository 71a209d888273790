//! `build_many` against `Pyramid::build` of each lane, bit for bit (Debug output tells -0.0 from +0.0), at every
//! instruction-set level this CPU has.

use std::sync::Arc;

use proptest::prelude::*;

use super::simd::{available, with_simd};
use super::tests::{KINDS, make_data, none};
use super::*;
use crate::array::Lane;
use crate::array::lane::{Endian, NumKind};
use crate::jobs::{CancellationToken, Progress};

fn singles(lanes: &[Lane<'_>]) -> Vec<Pyramid> {
    let (p, c) = none();
    lanes
        .iter()
        .map(|l| Pyramid::build(l, &p, &c).unwrap())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]

    #[test]
    fn build_many_equals_build(
        kind in proptest::sample::select(KINDS),
        channels in 1usize..7,
        len in prop_oneof![0usize..3, Just(1023usize), Just(1024usize), Just(1025usize), 0usize..5000, 5000usize..300_000],
        nan_p in proptest::sample::select(&[0.0, 0.05, 0.5, 1.0][..]),
        pad in 0usize..3,
        pick in proptest::collection::vec(0usize..7, 1..5),
        seed in any::<u64>(),
    ) {
        let size = kind.size();
        let data = make_data(kind, channels, len, pad, nan_p, seed);
        let lane = |ch: usize| Lane { bytes: &data, first: pad + ch * size, stride: channels * size, len, kind };
        // Every channel in order (rows read as slices), and an arbitrary pick with repeats (value by value).
        let all: Vec<Lane<'_>> = (0..channels).map(lane).collect();
        let some: Vec<Lane<'_>> = pick.iter().map(|&c| lane(c % channels)).collect();
        // At every instruction-set level this CPU has: rows of consecutive channels run the dispatched loop.
        for simd in available() {
            for lanes in [&all, &some] {
                let (p, c) = none();
                let many = with_simd(simd, || build_many(lanes, &p, &c))?;
                prop_assert_eq!(p.done(), (len * lanes.len()) as u64);
                let want = with_simd(simd, || singles(lanes));
                prop_assert_eq!(format!("{many:?}"), format!("{want:?}"), "level {:?}", simd.level());
            }
        }
    }
}

#[test]
fn build_many_mixed_layouts_and_errors() {
    let kind = NumKind::F32(Endian::Big);
    let len = 70_001;
    let data = make_data(kind, 3, len, 0, 0.1, 11);
    let mut lanes: Vec<Lane<'_>> = (0..3)
        .map(|c| Lane {
            bytes: &data,
            first: c * 4,
            stride: 12,
            len,
            kind,
        })
        .collect();
    // A contiguous lane of the same length beside them.
    lanes.push(Lane {
        bytes: &data,
        first: 0,
        stride: 4,
        len,
        kind,
    });
    let (p, c) = none();
    let many = build_many(&lanes, &p, &c).unwrap();
    assert_eq!(format!("{many:?}"), format!("{:?}", singles(&lanes)));
    assert!(build_many(&[], &p, &c).unwrap().is_empty());
    let short = Lane { len: 5, ..lanes[0] };
    assert!(matches!(
        build_many(&[lanes[0], short], &p, &c),
        Err(SignalError::LanesDiffer { index: 1, .. })
    ));
    let other = Lane {
        kind: NumKind::I32(Endian::Big),
        ..lanes[0]
    };
    assert!(matches!(
        build_many(&[lanes[0], other], &p, &c),
        Err(SignalError::LanesDiffer { index: 1, .. })
    ));
    let out = Lane {
        first: 9,
        ..lanes[2]
    };
    assert!(matches!(
        build_many(&[lanes[0], out], &p, &c),
        Err(SignalError::LaneOutOfBounds { .. })
    ));
}

#[test]
fn cancellation_stops_build_many() {
    let len = 2 << 20;
    let data = vec![0u8; len * 2 * 4];
    let lanes: Vec<Lane<'_>> = (0..4)
        .map(|c| Lane {
            bytes: &data,
            first: c * 2,
            stride: 8,
            len,
            kind: NumKind::I16(Endian::Little),
        })
        .collect();
    let cancelled = CancellationToken::new();
    cancelled.cancel();
    let p = Progress::new(None);
    assert_eq!(
        build_many(&lanes, &p, &cancelled),
        Err(SignalError::Cancelled)
    );
    assert_eq!(p.done(), 0);
    let token = CancellationToken::new();
    let t = token.clone();
    let p = Progress::new(Some(Arc::new(move || t.cancel())));
    assert_eq!(build_many(&lanes, &p, &token), Err(SignalError::Cancelled));
    assert!(p.done() < (len * 4) as u64 / 2, "done {}", p.done());
}
