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

/// One level of a listing: sub-folders and `.npy` objects, both sorted by path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Level {
    /// Store-relative paths of the sub-folders, without a trailing `/`.
    pub folders: Vec<String>,
    /// The `.npy` objects of this level.
    pub objects: Vec<ObjectInfo>,
    /// How many other (non-`.npy`) objects this level holds; they are not shown.
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

#[cfg(test)]
mod tests {
    use super::is_npy;

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
