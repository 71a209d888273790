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

#[cfg(test)]
mod tests {
    use super::*;

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
