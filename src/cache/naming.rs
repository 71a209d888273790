//! File names in the cache folder: a SHA-256 of the store's identity and the object path
//! (never the path itself), the data file, its JSON record, and temporary files.

use sha2::{Digest, Sha256};

/// Extension of a cached `.npy` copy.
pub(crate) const DATA_EXT: &str = "npy";
/// Extension of an entry's JSON record.
pub(crate) const RECORD_EXT: &str = "json";
/// Extension of a temporary file (a download or record being written).
pub(crate) const TEMP_EXT: &str = "tmp";

/// The key of an object in the cache: hex SHA-256 of the store identity and the object path.
pub(crate) fn entry_key(identity: &str, path: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(identity.as_bytes());
    // A separator that occurs in neither part, so ("a", "bc") and ("ab", "c") differ.
    hasher.update([0u8]);
    hasher.update(path.as_bytes());
    hex::encode(hasher.finalize())
}

/// `<key>.npy`.
pub(crate) fn data_name(key: &str) -> String {
    format!("{key}.{DATA_EXT}")
}

/// `<key>.json`.
pub(crate) fn record_name(key: &str) -> String {
    format!("{key}.{RECORD_EXT}")
}

/// `<key>.<ext>.<pid>-<seq>.tmp`: the writing process is in the name, so leftovers of a
/// crashed run can be told from downloads in progress.
pub(crate) fn temp_name(key: &str, ext: &str, pid: u32, seq: u64) -> String {
    format!("{key}.{ext}.{pid}-{seq}.{TEMP_EXT}")
}

/// What a file in the cache folder is, by its name. Files of any other name are not the
/// cache's and are never touched.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum FileKind {
    /// A cached copy, with its key.
    Data(String),
    /// An entry's record, with its key.
    Record(String),
    /// A temporary file written by process `pid`.
    Temp {
        /// The process that wrote it.
        pid: u32,
    },
    /// Not a file of the cache.
    Other,
}

fn is_key(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Classifies a file name of the cache folder.
pub(crate) fn classify(name: &str) -> FileKind {
    let mut parts = name.split('.');
    let (Some(key), Some(ext)) = (parts.next(), parts.next()) else {
        return FileKind::Other;
    };
    if !is_key(key) || (ext != DATA_EXT && ext != RECORD_EXT) {
        return FileKind::Other;
    }
    match (parts.next(), parts.next(), parts.next()) {
        (None, _, _) if ext == DATA_EXT => FileKind::Data(key.to_string()),
        (None, _, _) => FileKind::Record(key.to_string()),
        (Some(owner), Some(TEMP_EXT), None) => {
            match owner
                .split_once('-')
                .map(|(pid, seq)| (pid.parse(), seq.parse::<u64>()))
            {
                Some((Ok(pid), Ok(_))) => FileKind::Temp { pid },
                _ => FileKind::Other,
            }
        }
        _ => FileKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_sha256_of_identity_and_path_not_the_path() {
        let key = entry_key("s3:http://h:9000:bucket:lab", "a/b/x.npy");
        assert_eq!(key.len(), 64);
        assert!(!key.contains("x.npy"));
        assert_eq!(key, entry_key("s3:http://h:9000:bucket:lab", "a/b/x.npy"));
        assert_ne!(key, entry_key("s3:http://h:9000:bucket:lab", "a/b/y.npy"));
        assert_ne!(key, entry_key("s3:http://h:9001:bucket:lab", "a/b/x.npy"));
        assert_ne!(entry_key("a", "bc"), entry_key("ab", "c"));
        // The digest of "id\0path", computed independently.
        assert_eq!(
            entry_key("id", "path"),
            hex::encode(Sha256::digest(b"id\0path"))
        );
    }

    #[test]
    fn names_round_trip() {
        let key = entry_key("file:/x", "y.npy");
        assert_eq!(classify(&data_name(&key)), FileKind::Data(key.clone()));
        assert_eq!(classify(&record_name(&key)), FileKind::Record(key.clone()));
        assert_eq!(
            classify(&temp_name(&key, DATA_EXT, 4242, 7)),
            FileKind::Temp { pid: 4242 }
        );
        assert_eq!(
            classify(&temp_name(&key, RECORD_EXT, 1, 0)),
            FileKind::Temp { pid: 1 }
        );
    }

    #[test]
    fn foreign_files_are_other() {
        for name in [
            "notes.txt",
            "x.npy",
            ".hidden",
            "",
            &format!("{}.npy", "A".repeat(64)),
            &format!("{}.npz", "a".repeat(64)),
            &format!("{}.npy.12-x.tmp", "a".repeat(64)),
            &format!("{}.npy.12-3.tmp.bak", "a".repeat(64)),
            &format!("{}.npy.bak", "a".repeat(64)),
        ] {
            assert_eq!(classify(name), FileKind::Other, "{name}");
        }
    }
}
