//! The ranged requests of one download, planned as it goes: [`PART_BYTES`] parts while the link
//! is fast; once the first second has shown the link's speed, later parts are cut so that each
//! takes about [`PART_SECONDS`] at its share of the link (never below [`MIN_PART_BYTES`]). On a
//! slow link a cut or stalled request then costs seconds, not minutes, and the last requests
//! end close together instead of one 8 MiB part trailing alone.

use std::ops::Range;
use std::time::Duration;

/// Size of one ranged request of a download on a fast link.
pub const PART_BYTES: u64 = 8 << 20;
/// Ranged requests of one download in flight at once.
pub const PARTS_IN_FLIGHT: usize = 8;
/// Smallest part planned on a slow link (smaller parts would cost more in round trips than they
/// save).
pub const MIN_PART_BYTES: u64 = 1 << 20;
/// About how long one part should take at its share of the link.
const PART_SECONDS: f64 = 15.0;
/// Parts are whole multiples of this (tidy ranges in logs and tests).
const PART_GRAIN: u64 = 256 << 10;
/// How long a download runs before its speed is trusted.
const MEASURE_AFTER: Duration = Duration::from_secs(1);

/// Hands out the ranges of an object of `size` bytes in order, each sized by the speed measured
/// so far ([`part_bytes`]); together they cover the object exactly.
#[derive(Debug)]
pub(crate) struct PartPlan {
    size: u64,
    next: u64,
}

impl PartPlan {
    /// Nothing handed out yet.
    pub(crate) fn new(size: u64) -> PartPlan {
        PartPlan { size, next: 0 }
    }

    /// The next range, `received` bytes having arrived in `elapsed` since the download began;
    /// `None` once the object is covered.
    pub(crate) fn next(&mut self, received: u64, elapsed: Duration) -> Option<Range<u64>> {
        if self.next >= self.size {
            return None;
        }
        let start = self.next;
        let end = start
            .saturating_add(part_bytes(received, elapsed))
            .min(self.size);
        self.next = end;
        Some(start..end)
    }
}

/// The size of the next part: [`PART_BYTES`] until a second has passed or while the link
/// carries at least `PART_BYTES` per [`PART_SECONDS`] per request in flight (about 4.5 MB/s in
/// all), smaller below that, down to [`MIN_PART_BYTES`].
pub(crate) fn part_bytes(received: u64, elapsed: Duration) -> u64 {
    if elapsed < MEASURE_AFTER {
        return PART_BYTES;
    }
    let share = received as f64 / elapsed.as_secs_f64() / PARTS_IN_FLIGHT as f64;
    let want = (share * PART_SECONDS).min(PART_BYTES as f64) as u64;
    (want / PART_GRAIN * PART_GRAIN).clamp(MIN_PART_BYTES, PART_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MB: u64 = 1_000_000;

    #[test]
    fn fast_links_and_the_first_second_keep_whole_parts() {
        assert_eq!(part_bytes(0, Duration::ZERO), PART_BYTES);
        // Nothing arrived yet in the first second: no verdict.
        assert_eq!(part_bytes(0, Duration::from_millis(900)), PART_BYTES);
        // 100 MB/s (loopback, a LAN, a cloud VM).
        assert_eq!(part_bytes(200 * MB, Duration::from_secs(2)), PART_BYTES);
        // 10 MB/s: each of 8 requests gets 1.25 MB/s, 15 s of it is more than a part.
        assert_eq!(part_bytes(20 * MB, Duration::from_secs(2)), PART_BYTES);
    }

    #[test]
    fn slow_links_get_smaller_parts_never_below_the_floor() {
        // 1 MB/s: 125 kB/s per request, 15 s of it is 1.875 MB: 1.75 MiB in whole grains.
        let one_mb = part_bytes(10 * MB, Duration::from_secs(10));
        assert_eq!(one_mb, 7 * PART_GRAIN);
        // 2 MB/s: twice that, in grains.
        assert_eq!(
            part_bytes(20 * MB, Duration::from_secs(10)),
            14 * PART_GRAIN
        );
        // A crawl, or nothing at all after a second.
        assert_eq!(part_bytes(10_000, Duration::from_secs(10)), MIN_PART_BYTES);
        assert_eq!(part_bytes(0, Duration::from_secs(3)), MIN_PART_BYTES);
    }

    #[test]
    fn a_plan_covers_the_object_in_order_whatever_the_speed() {
        let size = (100 << 20) + 12_345;
        let mut plan = PartPlan::new(size);
        let mut covered = 0;
        let mut sizes = Vec::new();
        // Fast at first, then the link slows to 1 MB/s.
        for step in 0u64.. {
            let (received, elapsed) = if step < 4 {
                (0, Duration::ZERO)
            } else {
                (step * MB, Duration::from_secs(step))
            };
            let Some(range) = plan.next(received, elapsed) else {
                break;
            };
            assert_eq!(range.start, covered, "a gap or an overlap");
            assert!(range.end > range.start && range.end <= size);
            sizes.push(range.end - range.start);
            covered = range.end;
        }
        assert_eq!(covered, size);
        assert!(sizes[..4].iter().all(|&s| s == PART_BYTES));
        assert!(sizes[4..sizes.len() - 1].iter().all(|&s| s < PART_BYTES));
        assert_eq!(plan.next(0, Duration::ZERO), None);
        // A fast link: whole parts, the last one shorter; an empty object has none.
        let mut plan = PartPlan::new(20 << 20);
        let fast: Vec<_> = std::iter::from_fn(|| plan.next(0, Duration::ZERO)).collect();
        assert_eq!(fast, [0..8 << 20, 8 << 20..16 << 20, 16 << 20..20 << 20]);
        assert_eq!(PartPlan::new(0).next(0, Duration::ZERO), None);
    }
}
