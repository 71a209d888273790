//! Text of one `U`/`S` element: UCS-4 decoded, byte strings escaped like Python shows them.

use crate::npy::{ByteOrder, DType, ScalarKind, ScalarType};

/// One element as text: `U` strings decoded from UCS-4 in their byte order (invalid code points become U+FFFD),
/// `S` bytes escaped like the inside of Python's `b'…'`; trailing NULs are stripped, as numpy does. Any other
/// dtype shows its raw bytes escaped the same way.
pub fn text(dtype: &DType, bytes: &[u8]) -> String {
    match dtype {
        DType::Scalar(ScalarType {
            kind: ScalarKind::Str(_),
            order,
        }) => {
            let (units, _) = bytes.as_chunks::<4>();
            let mut s: String = units
                .iter()
                .map(|&u| {
                    let v = match order {
                        ByteOrder::Big => u32::from_be_bytes(u),
                        ByteOrder::Little => u32::from_le_bytes(u),
                        ByteOrder::NotApplicable => u32::from_ne_bytes(u),
                    };
                    char::from_u32(v).unwrap_or(char::REPLACEMENT_CHARACTER)
                })
                .collect();
            s.truncate(s.trim_end_matches('\0').len());
            s
        }
        DType::Scalar(ScalarType {
            kind: ScalarKind::Bytes(_),
            ..
        }) => {
            let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
            escape_bytes(&bytes[..end])
        }
        _ => escape_bytes(bytes),
    }
}

/// Bytes as Python writes them inside `b'…'`: printable ASCII as is, `\\`, `\t`, `\n`, `\r`, and `\xNN` for the
/// rest (quotes are left alone, since no quotes surround the result).
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::npy::parse_typestr;

    fn scalar(s: &str) -> DType {
        DType::Scalar(parse_typestr(s).unwrap())
    }

    #[test]
    fn strings_and_bytes() {
        let be: Vec<u8> = ['μ', 'a', '\0', '\0']
            .iter()
            .flat_map(|&c| (c as u32).to_be_bytes())
            .collect();
        assert_eq!(text(&scalar(">U4"), &be), "μa");
        let le: Vec<u8> = [0xD800u32, 'b' as u32]
            .iter()
            .flat_map(|c| c.to_le_bytes())
            .collect();
        assert_eq!(text(&scalar("<U2"), &le), "\u{fffd}b");
        assert_eq!(text(&scalar("|S7"), b"xyz\x00q\x00\x00"), "xyz\\x00q");
        assert_eq!(text(&scalar("|S4"), b"a'\\\n"), "a'\\\\\\n");
        assert_eq!(text(&scalar("|V2"), &[0, 255]), "\\x00\\xff");
    }
}
