//! What a folder holds, summed from a listing of everything below it: its arrays and its bytes.
//! The window shows these beside folder rows; one walk of a level sizes every folder below it.

use std::collections::HashMap;

use super::object::{ObjectInfo, is_npy};

/// The arrays (`.npy` objects), objects and bytes below one folder.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FolderSize {
    /// `.npy` objects below the folder.
    pub arrays: u64,
    /// All objects below the folder.
    pub objects: u64,
    /// Their sizes, summed.
    pub bytes: u64,
}

impl FolderSize {
    /// Counts `object` in.
    pub fn add(&mut self, object: &ObjectInfo) {
        self.objects += 1;
        self.bytes = self.bytes.saturating_add(object.size);
        if is_npy(&object.path) {
            self.arrays += 1;
        }
    }
}

/// The sizes of `top` and of every folder between it and each of `objects` (a complete listing
/// of what lies below `top`), by store-relative folder path without a trailing `/`.
pub fn sizes_below<'a>(
    top: &str,
    objects: impl IntoIterator<Item = &'a ObjectInfo>,
) -> HashMap<String, FolderSize> {
    let top = top.trim_matches('/');
    let mut sizes: HashMap<String, FolderSize> = HashMap::new();
    for object in objects {
        let Some(below) = relative_to(top, &object.path) else {
            continue;
        };
        sizes.entry(top.to_string()).or_default().add(object);
        // Each folder between `top` and the object: `top/a`, `top/a/b` …
        let mut end = 0;
        while let Some(slash) = below[end..].find('/') {
            end += slash;
            let folder = if top.is_empty() {
                below[..end].to_string()
            } else {
                format!("{top}/{}", &below[..end])
            };
            sizes.entry(folder).or_default().add(object);
            end += 1;
        }
    }
    sizes
}

/// `path` below folder `top` (`""`: the store's top), or `None` when it is not below it.
fn relative_to<'p>(top: &str, path: &'p str) -> Option<&'p str> {
    if top.is_empty() {
        return Some(path);
    }
    path.strip_prefix(top)?.strip_prefix('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(path: &str, size: u64) -> ObjectInfo {
        ObjectInfo {
            path: path.to_string(),
            size,
            last_modified: chrono::DateTime::UNIX_EPOCH,
            e_tag: None,
        }
    }

    #[test]
    fn every_folder_between_the_top_and_an_object_counts_it() {
        let objects = [
            object("s/t/k=1/a_x.npy", 100),
            object("s/t/k=1/b_y.npy", 20),
            object("s/t/k=2/a_z.npy", 5),
            object("s/t/notes.txt", 7),
            object("s/other/a.npy", 1000),
            object("s/tt/a.npy", 3),
        ];
        let sizes = sizes_below("s/t", &objects);
        let size = |arrays, objects, bytes| FolderSize {
            arrays,
            objects,
            bytes,
        };
        assert_eq!(sizes["s/t"], size(3, 4, 132));
        assert_eq!(sizes["s/t/k=1"], size(2, 2, 120));
        assert_eq!(sizes["s/t/k=2"], size(1, 1, 5));
        assert_eq!(sizes.len(), 3, "nothing outside s/t: {sizes:?}");

        let all = sizes_below("", &objects);
        assert_eq!(all[""], size(5, 6, 1135));
        assert_eq!(all["s"], size(5, 6, 1135));
        assert_eq!(all["s/tt"], size(1, 1, 3));
        assert_eq!(all["s/t/k=1"], sizes["s/t/k=1"]);
    }
}
