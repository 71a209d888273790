//! What a listing is made of: one object as listed, one level of a store, and which names are
//! arrays. Shared by the listing code and the local-folder code below it.

use chrono::{DateTime, Utc};

/// One object as listed: its store-relative path and what the listing says of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectInfo {
    /// Path relative to the store's location, `/`-separated.
    pub path: String,
    /// Size of the object in bytes.
    pub size: u64,
    /// Last modification time reported by the store.
    pub last_modified: DateTime<Utc>,
    /// The store's ETag, when it has one (used to notice replaced objects).
    pub e_tag: Option<String>,
}

/// One level of a listing: sub-folders and listed objects (see [`is_listed`]), both sorted by path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Level {
    /// Store-relative paths of the sub-folders, without a trailing `/`.
    pub folders: Vec<String>,
    /// The listed objects of this level (`.npy`, and `_hash` objects).
    pub objects: Vec<ObjectInfo>,
    /// How many other objects this level holds; they are not shown.
    pub other_files: usize,
}

impl Level {
    /// `true` when the level holds nothing at all.
    pub fn is_empty(&self) -> bool {
        self.folders.is_empty() && self.objects.is_empty() && self.other_files == 0
    }
}

/// `true` for names that end in `.npy` (any case).
pub fn is_npy(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.len() > 4 && bytes[bytes.len() - 4..].eq_ignore_ascii_case(b".npy")
}

/// `true` for what a listing shows: `.npy` objects anywhere, and every object under the
/// store's `hash_prefix` folder (DataJoint's `_hash`: blobs, attachments, raw bytes, told apart by
/// their first bytes).
pub fn is_listed(path: &str, hash_prefix: &str) -> bool {
    if is_npy(path) {
        return true;
    }
    let hash = hash_prefix.trim_matches('/');
    !hash.is_empty()
        && path
            .strip_prefix(hash)
            .is_some_and(|rest| rest.starts_with('/') && rest.len() > 1)
}

#[cfg(test)]
mod tests {
    use super::{is_listed, is_npy};

    #[test]
    fn hash_objects_are_listed() {
        assert!(is_listed("_hash/s/vreefuusdyo3mff4bn6i7yr5tq", "_hash"));
        assert!(is_listed("_hash/s/ab/cd/x", "/_hash/"));
        assert!(is_listed("a/x.npy", "_hash"));
        assert!(!is_listed("_hashes/s/x", "_hash"));
        assert!(!is_listed("_schema/s/t/x", "_hash"));
        assert!(!is_listed("_hash/s/x", ""));
    }

    #[test]
    fn npy_names() {
        assert!(is_npy("a/b/x.npy"));
        assert!(is_npy("X.NPY"));
        assert!(!is_npy(".npy"));
        assert!(!is_npy("a.npz"));
        assert!(!is_npy("é.np"));
        assert!(!is_npy("aé"));
    }
}
