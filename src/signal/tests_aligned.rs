//! Aligned windows: every column equal to direct decimation of its samples, no more columns than asked for,
//! whole blocks per column (above the first level), whole cells up to the lane's end, stable while panning.

use proptest::prelude::*;

use super::tests::{make_data, none, same};
use super::*;
use crate::array::Lane;
use crate::array::lane::{Endian, NumKind};

/// Columns of `r` in `w` equal cells, the last cut at the lane's end, each from `Lane::get` by the documented
/// rule (min/max skip NaN, zeros as +0.0, all-NaN → NaN).
fn reference_cells(lane: &Lane<'_>, r: std::ops::Range<u64>, w: usize) -> Columns {
    let len = lane.len as u64;
    let n = r.end - r.start;
    let mut c = Columns {
        first_sample: r.start,
        samples: n,
        samples_per_column: n as f64 / w as f64,
        missing: r.end.saturating_sub(len),
        ..Columns::default()
    };
    for j in 0..w as u64 {
        let a = r.start + j * n / w as u64;
        let b = (r.start + (j + 1) * n / w as u64).min(len);
        let vals: Vec<f64> = (a..b).map(|i| lane.get(i as usize).unwrap()).collect();
        let nans = vals.iter().filter(|v| v.is_nan()).count() as u64;
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in vals.iter().copied().filter(|v| !v.is_nan()) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        let (lo, hi) = if nans == vals.len() as u64 {
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

/// Checks one request: the aligned window holds the clamped request, has at most `width` columns of whole
/// cells, and its view equals direct decimation (the reference when it reaches past the lane's end).
fn check(
    pyr: &Pyramid,
    lane: &Lane<'_>,
    range: std::ops::Range<u64>,
    width: usize,
) -> Result<(), TestCaseError> {
    let len = lane.len as u64;
    let (r, w) = aligned_window(pyr, lane, range.clone(), width);
    let end = range.end.min(len);
    let start = range.start.min(end);
    let n = end - start;
    if width < 2 {
        // Returned unchanged (width 1, or a width `view` refuses): the plain view.
        prop_assert_eq!((r, w), (range.clone(), width));
        same(
            &aligned_view(pyr, lane, range.clone(), width)?,
            &decimate(lane, range, width)?,
        )?;
        return Ok(());
    }
    prop_assert!(r.start <= start && r.end >= end, "{r:?} for {start}..{end}");
    prop_assert!(w <= width, "{w} columns for width {width}");
    let got = aligned_view(pyr, lane, range.clone(), width)?;
    same(&aligned_view_par(pyr, lane, range.clone(), width)?, &got)?;
    if r.end <= len {
        prop_assert_eq!(got.missing, 0);
        same(&got, &decimate(lane, r.clone(), w)?)?;
        same(&view(pyr, lane, r.clone(), w)?, &got)?;
    } else {
        same(&got, &reference_cells(lane, r.clone(), w))?;
        prop_assert_eq!(&got.missing, &(r.end - len));
    }
    if n > width as u64 {
        // Equal cells on a grid of their size; whole first-level blocks unless decimated from raw samples.
        let n2 = r.end - r.start;
        prop_assert!(n2 % w as u64 == 0, "{r:?} in {w} columns");
        let cell = n2 / w as u64;
        prop_assert!(
            r.start % cell == 0 && r.end.saturating_sub(len) < cell.max(1),
            "cell {cell} at {r:?}"
        );
        let raw = n / (width as u64 - 1) < 1024
            && n <= ALIGNED_RAW_BYTES / lane.stride.clamp(1, 64) as u64;
        prop_assert!(raw || cell.is_multiple_of(1024), "cell {cell}");
        for (j, c) in got.iter().enumerate() {
            prop_assert_eq!(c.start, r.start + j as u64 * cell);
            prop_assert_eq!(c.end, (c.start + cell).min(len));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn aligned_views_equal_decimation(
        kind in proptest::sample::select(&[NumKind::F32(Endian::Little), NumKind::I16(Endian::Big), NumKind::F64(Endian::Little), NumKind::U8][..]),
        channels in prop_oneof![Just(1usize), Just(2usize), Just(20usize)],
        len in prop_oneof![0usize..3000, 200_000usize..1_500_000],
        queries in proptest::collection::vec((any::<u64>(), any::<u64>(), prop_oneof![1usize..8, 1usize..3000, Just(2000usize)]), 12),
        nan_p in proptest::sample::select(&[0.0, 0.3, 1.0][..]),
        seed in any::<u64>(),
    ) {
        let len = if channels == 20 { len / 10 } else { len };
        let data = make_data(kind, channels, len, 0, nan_p, seed);
        let lane = Lane { bytes: &data, first: 0, stride: channels * kind.size(), len, kind };
        let (p, c) = none();
        let pyr = Pyramid::build(&lane, &p, &c)?;
        for (i, (a, b, width)) in queries.into_iter().enumerate() {
            let a = a % (len as u64 + 3);
            // Some windows run to the lane's end.
            let b = if i % 3 == 0 { u64::MAX } else { b % (len as u64 + 3) };
            check(&pyr, &lane, a.min(b)..a.max(b), width)?;
        }
    }
}

#[test]
fn aligned_windows_pan_without_jitter() {
    let len = (5 << 20) + 777;
    let kind = NumKind::F32(Endian::Little);
    let data = make_data(kind, 1, len, 0, 0.01, 3);
    let lane = Lane {
        bytes: &data,
        first: 0,
        stride: 4,
        len,
        kind,
    };
    let (p, c) = none();
    let pyr = Pyramid::build(&lane, &p, &c).unwrap();
    for (span, width) in [
        (3_000_000u64, 1920usize),
        (300_000, 2000),
        (50_000, 800),
        (4_000_000, 7),
    ] {
        let mut cell = None;
        for step in 0..40u64 {
            let start = step * 12_345;
            let (r, w) = aligned_window(&pyr, &lane, start..start + span, width);
            check(&pyr, &lane, start..start + span, width).unwrap();
            let this = (r.end - r.start) / w as u64;
            assert_eq!(
                *cell.get_or_insert(this),
                this,
                "the column size changed while panning"
            );
            assert_eq!(r.start % this, 0);
        }
    }
    // Requests view refuses come back unchanged, so aligned_view refuses them too.
    assert_eq!(aligned_window(&pyr, &lane, 5..9, 0), (5..9, 0));
    assert_eq!(
        aligned_view(&pyr, &lane, 5..9, 0),
        Err(SignalError::ZeroWidth)
    );
    assert!(matches!(
        aligned_view(&pyr, &lane, 0..9, MAX_WIDTH + 1),
        Err(SignalError::TooWide { .. })
    ));
    assert!(matches!(
        aligned_view(&pyr, &lane, std::ops::Range { start: 9, end: 5 }, 10),
        Err(SignalError::ReversedRange { .. })
    ));
    let other = Lane { len: 5, ..lane };
    assert!(matches!(
        aligned_view(&pyr, &other, 0..u64::MAX, 2),
        Err(SignalError::PyramidMismatch { .. })
    ));
    // The whole lane: whole cells, the last one cut short by the lane's end.
    let (r, w) = aligned_window(&pyr, &lane, 0..u64::MAX, 2000);
    assert!(r.start == 0 && r.end > len as u64 && (1000..=2000).contains(&w));
    let whole = aligned_view(&pyr, &lane, 0..u64::MAX, 2000).unwrap();
    assert_eq!(whole.missing, r.end - len as u64);
    assert_eq!(whole.iter().last().map(|c| c.end), Some(len as u64));
    // Long windows below the first level of a strided lane: one first-level block per column.
    let strided = Lane {
        stride: 128,
        len: len / 32,
        ..lane
    };
    let ps = Pyramid::build(&strided, &p, &c).unwrap();
    let (r, w) = aligned_window(&ps, &strided, 1000..1000 + 100_000, 2000);
    assert_eq!((r.start, (r.end - r.start) / w as u64), (0, 1024));
    // ... while a contiguous lane reads them raw.
    let (r, w) = aligned_window(&pyr, &lane, 1000..1000 + 100_000, 2000);
    assert_eq!((r.start, (r.end - r.start) / w as u64), (969, 51));
}
