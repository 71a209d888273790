//! What an object in a DataJoint store holds, from its first bytes: a blob, an attachment (`name\0bytes`, as
//! DataJoint's `<attach>` codec writes), or anything else.

use super::zlib::ZLIB_PREFIX;

/// The protocol line of an uncompressed blob written for MATLAB compatibility.
pub const MYM_PREFIX: &[u8; 4] = b"mYm\0";
/// The protocol line of an uncompressed blob that uses Python-only features.
pub const DJ0_PREFIX: &[u8; 4] = b"dj0\0";
/// The longest file name an attachment can have (bytes; `NAME_MAX` on common file systems).
pub const MAX_ATTACH_NAME: usize = 255;

/// What the first bytes of an object say it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sniffed {
    /// A DataJoint blob (`mYm\0`, `dj0\0` or `ZL123\0`).
    Blob,
    /// A DataJoint attachment: the file name, then the file's bytes after the NUL.
    Attach {
        /// The attached file's name.
        name: String,
        /// Offset of the file's first byte (the name's length plus the NUL).
        data_offset: usize,
    },
    /// Neither: raw bytes (a `.npy`, a file put there by hand…).
    Raw,
}

/// Classifies an object by its first bytes (a few hundred are enough; see [`MAX_ATTACH_NAME`]). An attachment is
/// recognised by a non-empty UTF-8 name without `/` or control characters ending in a NUL within the first 256
/// bytes; this is a heuristic (raw bytes can look like that), so prefer what the table's column type says.
pub fn sniff(prefix: &[u8]) -> Sniffed {
    if prefix.starts_with(MYM_PREFIX)
        || prefix.starts_with(DJ0_PREFIX)
        || prefix.starts_with(ZLIB_PREFIX)
    {
        return Sniffed::Blob;
    }
    match attach_name(prefix) {
        Some(name) => Sniffed::Attach {
            data_offset: name.len() + 1,
            name: name.to_string(),
        },
        None => Sniffed::Raw,
    }
}

/// The file name of an attachment, if `prefix` starts like one.
fn attach_name(prefix: &[u8]) -> Option<&str> {
    let head = &prefix[..prefix.len().min(MAX_ATTACH_NAME + 1)];
    let nul = head.iter().position(|&b| b == 0)?;
    let name = std::str::from_utf8(&head[..nul]).ok()?;
    let plausible = !name.is_empty()
        && name != "."
        && name != ".."
        && !name.chars().any(|c| c == '/' || c.is_control());
    plausible.then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies() {
        assert_eq!(sniff(b"mYm\0A"), Sniffed::Blob);
        assert_eq!(sniff(b"dj0\0\x05"), Sniffed::Blob);
        assert_eq!(sniff(b"ZL123\0\x01"), Sniffed::Blob);
        assert_eq!(
            sniff("données.csv\0a,b\n".as_bytes()),
            Sniffed::Attach {
                name: "données.csv".into(),
                data_offset: 13
            }
        );
        assert_eq!(sniff(b"\x93NUMPY\x01\x00"), Sniffed::Raw);
        assert_eq!(sniff(b"no nul here"), Sniffed::Raw);
        assert_eq!(sniff(b"\0abc"), Sniffed::Raw);
        assert_eq!(sniff(b"a/b\0x"), Sniffed::Raw);
        assert_eq!(sniff(b"a\tb\0x"), Sniffed::Raw);
        assert_eq!(sniff(b""), Sniffed::Raw);
        assert_eq!(sniff(b"mYm"), Sniffed::Raw);
        let long = [b'x'; 300];
        assert_eq!(sniff(&long), Sniffed::Raw);
    }
}
