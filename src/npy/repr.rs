//! Python `repr` of the few literal kinds a `.npy` header holds (str, tuple), so encoded headers match numpy's.

/// Python's `repr(s)` for a `str`: single quotes unless the text holds `'` and no `"`, Python's escapes.
pub fn py_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_ascii() || is_printable(c) => out.push(c),
            c if (c as u32) <= 0xff => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) <= 0xffff => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push(quote);
    out
}

/// Python's `repr` of a tuple whose items are already rendered: `()`, `(a,)`, `(a, b)`.
pub fn py_tuple(items: &[String]) -> String {
    match items {
        [] => "()".to_string(),
        [one] => format!("({one},)"),
        _ => format!("({})", items.join(", ")),
    }
}

/// Approximates Python's `str.isprintable` for non-ASCII characters: control, separator (other than the ASCII
/// space), format, private-use and non-characters are not printable. Unassigned code points cannot be told
/// apart without Unicode tables and count as printable; field names never hold them in practice.
fn is_printable(c: char) -> bool {
    let u = c as u32;
    !(c.is_control()
        || c.is_whitespace()
        || matches!(
            u,
            0xad | 0x600..=0x605
                | 0x61c
                | 0x6dd
                | 0x70f
                | 0x180e
                | 0x200b..=0x200f
                | 0x202a..=0x202e
                | 0x2060..=0x2064
                | 0x2066..=0x206f
                | 0xe000..=0xf8ff
                | 0xfeff
                | 0xfff9..=0xfffb
                | 0xfffe..=0xffff
                | 0xe0001
                | 0xe0020..=0xe007f
                | 0xf0000..
        )
        || (u & 0xfffe) == 0xfffe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn str_repr_matches_python() {
        assert_eq!(py_str("<f8"), "'<f8'");
        assert_eq!(py_str("a'b"), "\"a'b\"");
        assert_eq!(py_str("a'b\""), "'a\\'b\"'");
        assert_eq!(py_str("\\\t\n\r\x01\x7f"), "'\\\\\\t\\n\\r\\x01\\x7f'");
        assert_eq!(py_str("μ温度é"), "'μ温度é'");
        assert_eq!(
            py_str("\u{a0}\u{85}\u{ad}\u{2028}\u{1f600}\u{e000}"),
            "'\\xa0\\x85\\xad\\u2028😀\\ue000'"
        );
    }

    #[test]
    fn tuple_repr_matches_python() {
        assert_eq!(py_tuple(&[]), "()");
        assert_eq!(py_tuple(&["5".into()]), "(5,)");
        assert_eq!(py_tuple(&["2".into(), "3".into()]), "(2, 3)");
    }
}
