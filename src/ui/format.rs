//! Text of the UI: shapes as numpy prints them, byte counts, times, Python snippets.

use chrono::{DateTime, Utc};

use crate::npy::repr::py_str;

pub(crate) use crate::display::{bytes, shape};

/// A time as `2024-01-15 10:42:07 UTC`.
pub(crate) fn time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// The snippet that maps a local `.npy` file in Python without reading it.
pub(crate) fn python_mmap(file: &str) -> String {
    format!(
        "import numpy as np\na = np.load({}, mmap_mode='r')\n",
        py_str(file)
    )
}

/// The last segment of a `/`-separated path.
pub(crate) fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// A store folder for labels: `/` for the top, `/a/b` below it.
pub(crate) fn display_prefix(prefix: &str) -> String {
    format!("/{prefix}")
}

/// A job's progress: `12.0 MiB / 1.00 GiB · 45.0 MiB/s · 22 s left` for bytes,
/// `120 / 600 · 80/s · 6 s left` for entries; rate and time left once a second has passed.
pub(crate) fn progress(done: u64, total: Option<u64>, is_bytes: bool, elapsed_s: f64) -> String {
    let amount = |n: u64| if is_bytes { bytes(n) } else { n.to_string() };
    let mut text = match total {
        Some(total) => format!("{} / {}", amount(done), amount(total)),
        None if done > 0 => amount(done),
        None => return "working…".to_string(),
    };
    if elapsed_s >= 1.0 && done > 0 {
        let rate = done as f64 / elapsed_s;
        if is_bytes {
            text.push_str(&format!(" · {}/s", bytes(rate as u64)));
        } else {
            text.push_str(&format!(" · {rate:.0}/s"));
        }
        if let Some(total) = total.filter(|t| *t > done) {
            let left = ((total - done) as f64 / rate).ceil();
            text.push_str(&match left {
                l if l < 120.0 => format!(" · {l:.0} s left"),
                l => format!(" · {:.0} min left", (l / 60.0).ceil()),
            });
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_with_rate_and_time_left() {
        assert_eq!(progress(0, None, true, 0.0), "working…");
        assert_eq!(progress(3, Some(10), false, 0.5), "3 / 10");
        assert_eq!(progress(4, Some(10), false, 2.0), "4 / 10 · 2/s · 3 s left");
        assert_eq!(
            progress(1 << 20, Some(1 << 30), true, 1.0),
            "1 MiB / 1 GiB · 1 MiB/s · 18 min left"
        );
        assert_eq!(progress(7, None, false, 0.0), "7");
    }

    #[test]
    fn shapes_and_snippets() {
        assert_eq!(
            python_mmap("/d/x.npy"),
            "import numpy as np\na = np.load('/d/x.npy', mmap_mode='r')\n"
        );
        assert_eq!(file_name("a/b/c.npy"), "c.npy");
        assert_eq!(file_name("c.npy"), "c.npy");
    }
}
