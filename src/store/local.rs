//! Stores on the local file system, read with plain system calls: a directory walk, `stat`,
//! and one `read` of the first bytes per header. Faster than going through object_store's
//! `LocalFileSystem` (no task per read), and the real file paths are what memory maps need.

use std::collections::HashSet;
use std::fs::{self, File, Metadata};
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use rayon::prelude::*;

use super::object::{Level, ObjectInfo, is_listed};

/// The file of a store-relative path, refusing paths that would leave the store (`..`).
pub(crate) fn resolve(root: &Path, relative: &str) -> Option<PathBuf> {
    let mut path = root.to_path_buf();
    for part in relative.split('/').filter(|p| !p.is_empty()) {
        let mut components = Path::new(part).components();
        match (components.next(), components.next()) {
            (Some(Component::Normal(name)), None) => path.push(name),
            _ => return None,
        }
    }
    Some(path)
}

/// What a listing says of a file: size, modification time and an ETag made of inode, time
/// and size (as object_store's local store makes them), so a replaced file is noticed.
pub(crate) fn object_info(relative: String, meta: &Metadata) -> ObjectInfo {
    let last_modified = meta
        .modified()
        .ok()
        .map(DateTime::<Utc>::from)
        .unwrap_or_default();
    ObjectInfo {
        path: relative,
        size: meta.len(),
        last_modified,
        e_tag: Some(file_stamp(meta)),
    }
}

/// Inode, modification time (ns) and length of a file: what changes when the file is
/// replaced or rewritten.
pub(crate) fn file_stamp(meta: &Metadata) -> String {
    let mtime_nanos = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(meta);
    #[cfg(not(unix))]
    let inode = 0u64;
    format!("{inode:x}-{mtime_nanos:x}-{:x}", meta.len())
}

fn is_hidden(name: &str) -> bool {
    name.starts_with('.')
}

fn join_relative(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}/{name}")
    }
}

/// One level below `dir` (the file of `prefix`): folders and listed files ([`is_listed`] with
/// `hash_prefix`), hidden ones left out.
pub(crate) fn browse(dir: &Path, prefix: &str, hash_prefix: &str) -> io::Result<Level> {
    let mut level = Level::default();
    for item in fs::read_dir(dir)? {
        let item = item?;
        let Some(name) = item.file_name().to_str().map(str::to_string) else {
            tracing::warn!(
                "skipping a file name that is not UTF-8 in {}",
                dir.display()
            );
            continue;
        };
        if is_hidden(&name) {
            continue;
        }
        // Follow symbolic links, as `ls` shows what they point to.
        let Ok(meta) = fs::metadata(item.path()) else {
            continue;
        };
        let relative = join_relative(prefix, &name);
        if meta.is_dir() {
            level.folders.push(relative);
        } else if is_listed(&relative, hash_prefix) {
            level.objects.push(object_info(relative, &meta));
        } else {
            level.other_files += 1;
        }
    }
    level.folders.sort();
    level.objects.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(level)
}

/// Every listed file ([`is_listed`] with `hash_prefix`) below `dir` (the file of `prefix`),
/// sorted by path; hidden entries skipped. Folders are read in parallel (a store is often one
/// folder per key, so the walk is mostly `getdents`); symbolic links to folders are followed
/// once each.
pub(crate) fn walk(dir: &Path, prefix: &str, hash_prefix: &str) -> io::Result<Vec<ObjectInfo>> {
    walk_map(dir, prefix, hash_prefix, &|_, info| info)
}

/// Like [`walk`], turning each file into a `T` on the walking thread, while its folder is
/// fresh in the cache (e.g. reading its header): `map` gets the file's path and listing info.
pub(crate) fn walk_map<T: Send>(
    dir: &Path,
    prefix: &str,
    hash_prefix: &str,
    map: &(dyn Fn(&Path, ObjectInfo) -> T + Sync),
) -> io::Result<Vec<T>> {
    // The root itself must be readable; deeper problems are skipped with a warning.
    let first = fs::read_dir(dir)?;
    let found = Mutex::new(Vec::new());
    let visited_links = Mutex::new(HashSet::new());
    let walker = Walker {
        hash_prefix,
        found: &found,
        visited_links: &visited_links,
        map,
    };
    walker.visit(dir.to_path_buf(), first, prefix.to_string(), 0);
    let mut items = found
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    // Paths are unique (each is one name in one folder), so an unstable sort gives one order.
    items.par_sort_unstable_by(|a: &(String, T), b| a.0.cmp(&b.0));
    Ok(items.into_iter().map(|(_, item)| item).collect())
}

/// Deeper than this, a folder tree is surely a link loop or an accident.
const MAX_DEPTH: usize = 64;

/// A folder with more listed files than this has them stat'ed and mapped in parallel.
const PARALLEL_FILES: usize = 16;

struct Walker<'a, T> {
    hash_prefix: &'a str,
    found: &'a Mutex<Vec<(String, T)>>,
    visited_links: &'a Mutex<HashSet<PathBuf>>,
    map: &'a (dyn Fn(&Path, ObjectInfo) -> T + Sync),
}

impl<T: Send> Walker<'_, T> {
    fn visit(&self, dir: PathBuf, entries: fs::ReadDir, prefix: String, depth: usize) {
        let mut subfolders = Vec::new();
        let mut files = Vec::new();
        for item in entries {
            let item = match item {
                Ok(item) => item,
                Err(err) => {
                    tracing::warn!("skipping an entry of {}: {err}", dir.display());
                    continue;
                }
            };
            let Some(name) = item.file_name().to_str().map(str::to_string) else {
                tracing::warn!("skipping a name that is not UTF-8 in {}", dir.display());
                continue;
            };
            if is_hidden(&name) {
                continue;
            }
            // d_type from the directory listing: no system call for plain files and folders.
            let Ok(mut file_type) = item.file_type() else {
                continue;
            };
            let link = file_type.is_symlink();
            if link {
                match fs::metadata(item.path()) {
                    Ok(target) if target.is_dir() && !self.first_visit(&item.path()) => continue,
                    Ok(target) => file_type = target.file_type(),
                    Err(_) => continue,
                }
            }
            let relative = join_relative(&prefix, &name);
            if file_type.is_dir() {
                subfolders.push((item.path(), relative));
            } else if is_listed(&relative, self.hash_prefix) {
                files.push((item, relative, link));
            }
        }
        // A folder of many files (a flat store, `_hash` buckets) is read on all threads too.
        let found: Vec<(String, T)> = if files.len() > PARALLEL_FILES {
            files
                .into_par_iter()
                .filter_map(|(item, relative, link)| self.file(&item, relative, link))
                .collect()
        } else {
            files
                .into_iter()
                .filter_map(|(item, relative, link)| self.file(&item, relative, link))
                .collect()
        };
        if !found.is_empty() {
            let mut all = self
                .found
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            all.extend(found);
        }
        if depth >= MAX_DEPTH {
            tracing::warn!(
                "not descending below {} (over {MAX_DEPTH} levels deep)",
                dir.display()
            );
            return;
        }
        subfolders
            .into_par_iter()
            .for_each(|(path, relative)| match fs::read_dir(&path) {
                Ok(entries) => self.visit(path, entries, relative, depth + 1),
                Err(err) => tracing::warn!("skipping {}: {err}", path.display()),
            });
    }

    /// Stats one listed file and maps it; `None` (with a warning) when it cannot be stat'ed.
    fn file(&self, item: &fs::DirEntry, relative: String, link: bool) -> Option<(String, T)> {
        // `DirEntry::metadata` stats relative to the open folder (fstatat), and follows
        // links only when asked: use the path for links.
        let meta = if link {
            fs::metadata(item.path())
        } else {
            item.metadata()
        };
        match meta {
            Ok(meta) => {
                let info = object_info(relative.clone(), &meta);
                let mapped = (self.map)(&item.path(), info);
                Some((relative, mapped))
            }
            Err(err) => {
                tracing::warn!("skipping {}: {err}", item.path().display());
                None
            }
        }
    }

    /// `true` the first time a linked folder is reached, so link loops end.
    fn first_visit(&self, link: &Path) -> bool {
        let Ok(target) = fs::canonicalize(link) else {
            return false;
        };
        let mut visited = self
            .visited_links
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        visited.insert(target)
    }
}

/// Reads up to `len` bytes from the start of `file` (fewer at its end).
pub(crate) fn read_prefix(file: &mut File, len: usize) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(len);
    file.take(len as u64).read_to_end(&mut buf)?;
    Ok(buf)
}
