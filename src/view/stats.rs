//! [`stats`]: count, NaNs, min, max, mean and standard deviation of a stretch of a [`Lane`], in one stable pass.

use std::ops::Range;

use crate::array::Lane;

/// Values read per batch: bounds memory whatever the range.
const BATCH: usize = 4096;

/// Statistics of a stretch of values; like numpy's `nanmin`, `nanmax`, `nanmean`, `nanstd` (ddof=0).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Stats {
    /// Values that are not NaN (the ones the other figures describe).
    pub count: u64,
    /// NaN values skipped.
    pub nans: u64,
    /// Smallest value; NaN when `count` is 0.
    pub min: f64,
    /// Largest value; NaN when `count` is 0.
    pub max: f64,
    /// Mean; ±inf if infinities of one sign occur, NaN if both signs do or `count` is 0.
    pub mean: f64,
    /// Population standard deviation (ddof=0); NaN if an infinity occurs or `count` is 0.
    pub std: f64,
}

/// Stats of lane values in `range` (population std like numpy's default ddof=0; NaN skipped and counted; all-NaN →
/// min/max/mean/std NaN). Numerically stable (Welford's update over the finite values). The range is clamped to
/// the lane, like a slice.
pub fn stats(lane: &Lane<'_>, range: std::ops::Range<u64>) -> Stats {
    let to = |v: u64| usize::try_from(v).unwrap_or(usize::MAX).min(lane.len);
    let end = to(range.end);
    let start = to(range.start).min(end);
    let mut acc = Welford::default();
    let mut batch = Vec::with_capacity(BATCH.min(end - start));
    let mut at = start;
    while at < end {
        let next = at.saturating_add(BATCH).min(end);
        batch.clear();
        lane.fill_f64(
            Range {
                start: at,
                end: next,
            },
            &mut batch,
        );
        batch.iter().for_each(|&v| acc.push(v));
        // Values whose bytes lie outside the lane are missing; they are not counted.
        at = next;
    }
    acc.finish()
}

/// Running figures: Welford's mean and sum of squared deviations over finite values, infinities counted apart.
#[derive(Default)]
struct Welford {
    finite: u64,
    nans: u64,
    pos_inf: u64,
    neg_inf: u64,
    min: f64,
    max: f64,
    mean: f64,
    m2: f64,
}

impl Welford {
    fn push(&mut self, v: f64) {
        if v.is_nan() {
            self.nans += 1;
            return;
        }
        if self.count() == 0 {
            (self.min, self.max) = (v, v);
        } else {
            self.min = self.min.min(v);
            self.max = self.max.max(v);
        }
        if v == f64::INFINITY {
            self.pos_inf += 1;
        } else if v == f64::NEG_INFINITY {
            self.neg_inf += 1;
        } else {
            self.finite += 1;
            let delta = v - self.mean;
            self.mean += delta / self.finite as f64;
            self.m2 += delta * (v - self.mean);
        }
    }

    fn count(&self) -> u64 {
        self.finite + self.pos_inf + self.neg_inf
    }

    fn finish(self) -> Stats {
        let count = self.count();
        if count == 0 {
            return Stats {
                count: 0,
                nans: self.nans,
                min: f64::NAN,
                max: f64::NAN,
                mean: f64::NAN,
                std: f64::NAN,
            };
        }
        let (mean, std) = match (self.pos_inf > 0, self.neg_inf > 0) {
            (false, false) => (self.mean, (self.m2 / self.finite as f64).max(0.0).sqrt()),
            (true, false) => (f64::INFINITY, f64::NAN),
            (false, true) => (f64::NEG_INFINITY, f64::NAN),
            (true, true) => (f64::NAN, f64::NAN),
        };
        Stats {
            count,
            nans: self.nans,
            min: self.min,
            max: self.max,
            mean,
            std,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::array::NumKind;
    use crate::array::lane::Endian;

    fn bytes(v: &[f64]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    fn lane_of(b: &[u8]) -> Lane<'_> {
        Lane {
            bytes: b,
            first: 0,
            stride: 8,
            len: b.len() / 8,
            kind: NumKind::F64(Endian::Little),
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1.0)
    }

    #[test]
    fn against_hand_computation() {
        let b = bytes(&[2.0, 4.0, f64::NAN, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        let s = stats(&lane_of(&b), 0..100);
        // numpy: nanmean 5.0, nanstd 2.0 of [2, 4, 4, 4, 5, 5, 7, 9].
        assert_eq!((s.count, s.nans, s.min, s.max), (8, 1, 2.0, 9.0));
        assert!(close(s.mean, 5.0) && close(s.std, 2.0), "{s:?}");
        let s = stats(&lane_of(&b), 1..4);
        assert_eq!(
            (s.count, s.nans, s.min, s.max, s.mean, s.std),
            (2, 1, 4.0, 4.0, 4.0, 0.0)
        );
        // Reversed or past-the-end ranges are empty.
        let s = stats(&lane_of(&b), Range { start: 7, end: 3 });
        assert_eq!((s.count, s.nans), (0, 0));
        assert!(s.mean.is_nan());
        assert_eq!(stats(&lane_of(&b), 50..60).count, 0);
    }

    #[test]
    fn nans_infinities_and_stability() {
        let b = bytes(&[f64::NAN; 3]);
        let s = stats(&lane_of(&b), 0..3);
        assert_eq!((s.count, s.nans), (0, 3));
        assert!(s.min.is_nan() && s.max.is_nan() && s.mean.is_nan() && s.std.is_nan());
        let b = bytes(&[1.0, f64::INFINITY, 3.0]);
        let s = stats(&lane_of(&b), 0..3);
        assert_eq!(
            (s.count, s.min, s.max, s.mean),
            (3, 1.0, f64::INFINITY, f64::INFINITY)
        );
        assert!(s.std.is_nan());
        let b = bytes(&[f64::NEG_INFINITY, f64::INFINITY]);
        assert!(stats(&lane_of(&b), 0..2).mean.is_nan());
        // A large offset with a small spread, over several batches: the naive formula would lose it all.
        let v: Vec<f64> = (0..10_001).map(|i| 1e9 + f64::from(i % 2)).collect();
        let b = bytes(&v);
        let s = stats(&lane_of(&b), 0..u64::MAX);
        let n = 10_001.0f64;
        let mean = 1e9 + 5000.0 / n;
        let std = (5000.0 * 5001.0 / (n * n)).sqrt();
        assert_eq!(s.count, 10_001);
        assert!(close(s.mean, mean) && (s.std - std).abs() < 1e-9, "{s:?}");
    }

    #[test]
    fn any_numeric_kind() {
        let b: Vec<u8> = [-3i16, 3].iter().flat_map(|x| x.to_be_bytes()).collect();
        let l = Lane {
            bytes: &b,
            first: 0,
            stride: 2,
            len: 2,
            kind: NumKind::I16(Endian::Big),
        };
        let s = stats(&l, 0..2);
        assert_eq!((s.min, s.max, s.mean, s.std), (-3.0, 3.0, 0.0, 3.0));
    }
}
