//! Which entries to evict: least recently used first, pinned ones never, until the total
//! fits the limit.

use chrono::{DateTime, Utc};

/// An entry as eviction sees it.
#[derive(Clone, Debug)]
pub(crate) struct Candidate {
    /// Bytes on disk.
    pub size: u64,
    /// Last use.
    pub last_used: DateTime<Utc>,
    /// In use by a reader: never evicted.
    pub pinned: bool,
}

/// Indices of `candidates` to evict, oldest first, so that the total of what stays is at most
/// `limit` (or as close as the pinned entries allow).
pub(crate) fn choose_evictions(candidates: &[Candidate], limit: u64) -> Vec<usize> {
    let mut total: u64 = candidates.iter().map(|c| c.size).sum();
    let mut order: Vec<usize> = (0..candidates.len())
        .filter(|&i| !candidates[i].pinned)
        .collect();
    order.sort_by_key(|&i| (candidates[i].last_used, i));
    let mut chosen = Vec::new();
    for index in order {
        if total <= limit {
            break;
        }
        total -= candidates[index].size;
        chosen.push(index);
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + minute * 60, 0).unwrap_or_default()
    }

    fn c(size: u64, minute: i64, pinned: bool) -> Candidate {
        Candidate {
            size,
            last_used: at(minute),
            pinned,
        }
    }

    #[test]
    fn oldest_first_until_it_fits() {
        let entries = [
            c(10, 3, false),
            c(10, 1, false),
            c(10, 2, false),
            c(10, 4, false),
        ];
        assert_eq!(choose_evictions(&entries, 40), Vec::<usize>::new());
        assert_eq!(choose_evictions(&entries, 39), vec![1]);
        assert_eq!(choose_evictions(&entries, 20), vec![1, 2]);
        assert_eq!(choose_evictions(&entries, 0), vec![1, 2, 0, 3]);
    }

    #[test]
    fn pinned_entries_stay_even_when_oldest() {
        let entries = [c(10, 1, true), c(10, 2, false), c(10, 3, false)];
        assert_eq!(choose_evictions(&entries, 15), vec![1, 2]);
        assert_eq!(choose_evictions(&entries, 20), vec![1]);
        let all_pinned = [c(10, 1, true), c(10, 2, true)];
        assert!(choose_evictions(&all_pinned, 0).is_empty());
    }
}
