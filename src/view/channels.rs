//! Channel sets as people type them (`0-31`, `40,41`, `0-7, 16, 20-23`): parsing against a channel count,
//! the shortest text for a set, and the default set.

use super::error::ViewError;

/// Channels shown when nothing was chosen: this many at most.
const DEFAULT_COUNT: usize = 32;

/// Parses a channel set like `0-31`, `40,41`, `0-7, 16, 20-23` against `count` channels: sorted, deduplicated;
/// errors say what's wrong (out of range: name the channel and the count; reversed range; not a number; empty).
/// Ranges are inclusive; spaces around numbers, dashes and commas are ignored.
pub fn parse_channels(text: &str, count: usize) -> Result<Vec<usize>, ViewError> {
    if text.trim().is_empty() {
        return Err(ViewError::NoChannels);
    }
    let mut ranges = Vec::new();
    for item in text.split(',') {
        let item = item.trim();
        let (a, b) = match item.split_once('-') {
            Some((a, b)) => (number(a, item)?, number(b, item)?),
            None => {
                let n = number(item, item)?;
                (n, n)
            }
        };
        if a > b {
            return Err(ViewError::ReversedChannels { start: a, end: b });
        }
        for c in [a, b] {
            if usize::try_from(c).map_or(true, |c| c >= count) {
                return Err(ViewError::ChannelOutOfRange { channel: c, count });
            }
        }
        // Both ends are below `count`, so they fit in usize.
        ranges.push((a as usize, b as usize));
    }
    ranges.sort_unstable();
    let mut out: Vec<usize> = Vec::new();
    for (a, b) in ranges {
        let from = match out.last() {
            Some(&last) if last >= b => continue,
            Some(&last) => a.max(last + 1),
            None => a,
        };
        out.extend(from..=b);
    }
    Ok(out)
}

/// One channel number of `item`: digits only (no sign).
fn number(text: &str, item: &str) -> Result<u64, ViewError> {
    let text = text.trim();
    let bad = || ViewError::NotAChannel {
        item: item.chars().take(40).collect(),
    };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    // All digits: the only failure left is overflow, which is out of range for any count.
    Ok(text.parse().unwrap_or(u64::MAX))
}

/// The shortest text for a set (`0-31,40,41`): runs of three or more as `a-b`, others listed. Unsorted input or
/// duplicates are fine.
pub fn format_channels(channels: &[usize]) -> String {
    let mut sorted = channels.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut j = i;
        while j + 1 < sorted.len() && sorted[j + 1] == sorted[j] + 1 {
            j += 1;
        }
        match j - i {
            0 => parts.push(start.to_string()),
            1 => parts.extend([start.to_string(), sorted[j].to_string()]),
            _ => parts.push(format!("{start}-{}", sorted[j])),
        }
        i = j + 1;
    }
    parts.join(",")
}

/// Default: the first min(count, 32) channels.
pub fn default_channels(count: usize) -> Vec<usize> {
    (0..count.min(DEFAULT_COUNT)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_with_spaces_overlaps_and_order() {
        assert_eq!(parse_channels("0-3", 64).unwrap(), vec![0, 1, 2, 3]);
        assert_eq!(parse_channels(" 40 ,41", 64).unwrap(), vec![40, 41]);
        assert_eq!(
            parse_channels("20-23, 0 - 2 , 16,1-3,16, 22", 64).unwrap(),
            vec![0, 1, 2, 3, 16, 20, 21, 22, 23]
        );
        assert_eq!(parse_channels("5", 6).unwrap(), vec![5]);
        assert_eq!(
            parse_channels("0-31", 32).unwrap(),
            (0..32).collect::<Vec<_>>()
        );
        assert_eq!(
            parse_channels("0-9,2-4", 10).unwrap(),
            (0..10).collect::<Vec<_>>()
        );
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let err = |t: &str, n| parse_channels(t, n).unwrap_err();
        assert_eq!(err("", 8).kind(), "no_channels");
        assert_eq!(err("  ", 8).kind(), "no_channels");
        assert_eq!(err("1,,2", 8).kind(), "not_a_channel");
        assert_eq!(err("a", 8).kind(), "not_a_channel");
        assert_eq!(err("-3", 8).kind(), "not_a_channel");
        assert_eq!(err("1-2-3", 8).kind(), "not_a_channel");
        assert_eq!(err("1.5", 8).kind(), "not_a_channel");
        assert_eq!(err("1-", 8).kind(), "not_a_channel");
        let e = err("7-3", 8);
        assert_eq!(e.kind(), "reversed_channels");
        assert!(e.to_string().contains("3-7"), "{e}");
        let e = err("0-40", 32);
        assert_eq!(
            e.to_string(),
            "channel 40 does not exist: there are 32 channels (0-31)"
        );
        let e = err("99999999999999999999999", 32);
        assert_eq!(e.kind(), "channel_out_of_range");
        assert_eq!(err("0", 0).kind(), "channel_out_of_range");
        let e = err("x y", 8);
        assert!(e.to_string().contains("\"x y\""), "{e}");
    }

    #[test]
    fn format_round_trips() {
        assert_eq!(format_channels(&[]), "");
        assert_eq!(format_channels(&[3]), "3");
        let mut set: Vec<usize> = (0..32).collect();
        set.extend([40, 41]);
        assert_eq!(format_channels(&set), "0-31,40,41");
        assert_eq!(
            format_channels(&[5, 1, 2, 3, 3, 9, 10, 11, 7]),
            "1-3,5,7,9-11"
        );
        for text in ["0-31,40,41", "1-3,5,7,9-11", "0", "0,2,4-6,8,9"] {
            let parsed = parse_channels(text, 64).unwrap();
            assert_eq!(format_channels(&parsed), text);
            assert_eq!(
                parse_channels(&format_channels(&parsed), 64).unwrap(),
                parsed
            );
        }
        assert_eq!(default_channels(4), vec![0, 1, 2, 3]);
        assert_eq!(default_channels(100).len(), 32);
        assert!(default_channels(0).is_empty());
    }
}
