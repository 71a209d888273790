//! Text of the UI: shapes as numpy prints them, byte counts, times, Python snippets.

use chrono::{DateTime, Utc};

/// A shape as numpy prints it: `()`, `(5,)`, `(1000, 32)`.
pub(crate) fn shape(shape: &[u64]) -> String {
    match shape {
        [] => "()".to_string(),
        [n] => format!("({n},)"),
        dims => {
            let parts: Vec<String> = dims.iter().map(u64::to_string).collect();
            format!("({})", parts.join(", "))
        }
    }
}

/// A byte count in binary units: `1.5 KiB`, `12 B`.
pub(crate) fn bytes(n: u64) -> String {
    humansize::format_size(n, humansize::BINARY)
}

/// A time as `2024-01-15 10:42:07 UTC`.
pub(crate) fn time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// A Python string literal of `s` (single quotes, backslash escapes), safe to paste.
pub(crate) fn py_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
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
        assert_eq!(shape(&[]), "()");
        assert_eq!(shape(&[5]), "(5,)");
        assert_eq!(shape(&[300_000, 32]), "(300000, 32)");
        assert_eq!(py_str("a'b\\c"), "'a\\'b\\\\c'");
        assert_eq!(
            python_mmap("/d/x.npy"),
            "import numpy as np\na = np.load('/d/x.npy', mmap_mode='r')\n"
        );
        assert_eq!(file_name("a/b/c.npy"), "c.npy");
        assert_eq!(file_name("c.npy"), "c.npy");
    }
}
