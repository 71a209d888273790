//! Stores on the local file system, read with plain system calls: a directory walk, `stat`,
//! and one `read` of the first bytes per header. Faster than going through object_store's
//! `LocalFileSystem` (no task per read), and the real file paths are what memory maps need.

use std::fs::{self, File, Metadata};
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use chrono::{DateTime, Utc};

use super::listing::{Level, ObjectInfo, is_npy};

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
    let modified = meta.modified().ok();
    let last_modified = modified.map(DateTime::<Utc>::from).unwrap_or_default();
    let mtime_nanos = modified
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(meta);
    #[cfg(not(unix))]
    let inode = 0u64;
    ObjectInfo {
        path: relative,
        size: meta.len(),
        last_modified,
        e_tag: Some(format!("{inode:x}-{mtime_nanos:x}-{:x}", meta.len())),
    }
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

/// One level below `dir` (the file of `prefix`): folders and `.npy` files, hidden ones left out.
pub(crate) fn browse(dir: &Path, prefix: &str) -> io::Result<Level> {
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
        } else if is_npy(&name) {
            level.objects.push(object_info(relative, &meta));
        } else {
            level.other_files += 1;
        }
    }
    level.folders.sort();
    level.objects.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(level)
}

/// Every `.npy` file below `dir` (the file of `prefix`), in path order; hidden entries skipped,
/// symbolic links followed (loops are detected by walkdir).
pub(crate) fn walk(dir: &Path, prefix: &str) -> io::Result<Vec<ObjectInfo>> {
    let mut objects = Vec::new();
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_str().is_some_and(is_hidden));
    for item in walker {
        let item = match item {
            Ok(item) => item,
            // The root itself is unreadable: the walk fails. Deeper problems are skipped.
            Err(err) if err.depth() == 0 => return Err(err.into()),
            Err(err) => {
                tracing::warn!("skipping {err}");
                continue;
            }
        };
        if !item.file_type().is_file() || !is_npy(&item.file_name().to_string_lossy()) {
            continue;
        }
        let Ok(rest) = item.path().strip_prefix(dir) else {
            continue;
        };
        let Some(rest) = rest.to_str() else {
            tracing::warn!(
                "skipping a path that is not UTF-8: {}",
                item.path().display()
            );
            continue;
        };
        let relative = join_relative(prefix, &rest.replace(std::path::MAIN_SEPARATOR, "/"));
        match item.metadata() {
            Ok(meta) => objects.push(object_info(relative, &meta)),
            Err(err) => tracing::warn!("skipping {}: {err}", item.path().display()),
        }
    }
    objects.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(objects)
}

/// Reads up to `len` bytes from the start of `file` (fewer at its end).
pub(crate) fn read_prefix(file: &mut File, len: usize) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(len);
    file.take(len as u64).read_to_end(&mut buf)?;
    Ok(buf)
}
