//! Stores on the local file system, read with plain system calls: a directory walk, `stat`,
//! and one `read` of the first bytes per header. Faster than going through object_store's
//! `LocalFileSystem` (no task per read), and the real file paths are what memory maps need.

use std::collections::HashSet;
use std::fs::{self, File, Metadata};
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

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
    info_of(relative, &FileFacts::from(meta))
}

/// Inode, modification time (ns) and length of a file: what changes when the file is
/// replaced or rewritten.
pub(crate) fn file_stamp(meta: &Metadata) -> String {
    FileFacts::from(meta).stamp()
}

/// The parts of a file's status a listing uses, from `std`'s [`Metadata`] or (on Unix) a `stat`
/// made relative to the file's folder.
struct FileFacts {
    len: u64,
    modified: Option<SystemTime>,
    inode: u64,
}

impl From<&Metadata> for FileFacts {
    fn from(meta: &Metadata) -> Self {
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(meta);
        #[cfg(not(unix))]
        let inode = 0u64;
        FileFacts {
            len: meta.len(),
            modified: meta.modified().ok(),
            inode,
        }
    }
}

impl FileFacts {
    /// `inode-mtime_ns-len` in hex ([`file_stamp`]).
    fn stamp(&self) -> String {
        let mtime_nanos = self
            .modified
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        format!("{:x}-{mtime_nanos:x}-{:x}", self.inode, self.len)
    }
}

fn info_of(relative: String, facts: &FileFacts) -> ObjectInfo {
    ObjectInfo {
        path: relative,
        size: facts.len,
        last_modified: facts
            .modified
            .map(DateTime::<Utc>::from)
            .unwrap_or_default(),
        e_tag: Some(facts.stamp()),
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
    walk_with(dir, prefix, hash_prefix, false, &|_, info| info)
}

/// One listed file as the walk found it: its path and, in a [`walk_map`], the file itself, opened
/// read-only relative to its folder (`None` when that failed: opening the path again gives the
/// error).
pub(crate) struct Found<'a> {
    pub path: &'a Path,
    pub file: Option<File>,
}

/// Like [`walk`], turning each file into a `T` on the walking thread, while its folder is
/// fresh in the cache (e.g. reading its header): `map` gets the file, already open, and its
/// listing info.
pub(crate) fn walk_map<T: Send>(
    dir: &Path,
    prefix: &str,
    hash_prefix: &str,
    map: &(dyn Fn(Found<'_>, ObjectInfo) -> T + Sync),
) -> io::Result<Vec<T>> {
    walk_with(dir, prefix, hash_prefix, true, map)
}

fn walk_with<T: Send>(
    dir: &Path,
    prefix: &str,
    hash_prefix: &str,
    open_files: bool,
    map: &(dyn Fn(Found<'_>, ObjectInfo) -> T + Sync),
) -> io::Result<Vec<T>> {
    // The root itself must be readable; deeper problems are skipped with a warning.
    let first = Folder::open(dir)?;
    let found = Mutex::new(Vec::new());
    let visited_links = Mutex::new(HashSet::new());
    let walker = Walker {
        hash_prefix,
        open_files,
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
    /// Open each listed file for `map` (a header scan) rather than only stat it.
    open_files: bool,
    found: &'a Mutex<Vec<(String, T)>>,
    visited_links: &'a Mutex<HashSet<PathBuf>>,
    map: &'a (dyn Fn(Found<'_>, ObjectInfo) -> T + Sync),
}

impl<T: Send> Walker<'_, T> {
    fn visit(&self, dir: PathBuf, mut folder: Folder, prefix: String, depth: usize) {
        let mut subfolders = Vec::new();
        let mut files = Vec::new();
        for (name, kind) in folder.entries(&dir) {
            if is_hidden(&name) {
                continue;
            }
            let relative = join_relative(&prefix, &name);
            // The listing's d_type: no system call for plain files and folders.
            let kind = match kind {
                Kind::Unknown => match fs::symlink_metadata(dir.join(&name)) {
                    Ok(meta) if meta.is_symlink() => Kind::Link,
                    Ok(meta) if meta.is_dir() => Kind::Folder,
                    Ok(_) => Kind::File,
                    Err(_) => continue,
                },
                known => known,
            };
            let (is_dir, link) = match kind {
                Kind::Folder => (true, false),
                Kind::Link => {
                    let path = dir.join(&name);
                    match fs::metadata(&path) {
                        Ok(target) if target.is_dir() && !self.first_visit(&path) => continue,
                        Ok(target) => (target.is_dir(), true),
                        Err(_) => continue,
                    }
                }
                _ => (false, false),
            };
            if is_dir {
                subfolders.push((name, relative));
            } else if is_listed(&relative, self.hash_prefix) {
                files.push((name, relative, link));
            }
        }
        // A folder of many files (a flat store, `_hash` buckets) is read on all threads too.
        let folder = &folder;
        let dir = &dir;
        let found: Vec<(String, T)> = if files.len() > PARALLEL_FILES {
            files
                .into_par_iter()
                .filter_map(|(name, relative, link)| self.file(folder, dir, &name, relative, link))
                .collect()
        } else {
            files
                .into_iter()
                .filter_map(|(name, relative, link)| self.file(folder, dir, &name, relative, link))
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
        subfolders.into_par_iter().for_each(|(name, relative)| {
            match folder.open_folder(dir, &name) {
                Ok(sub) => self.visit(dir.join(&name), sub, relative, depth + 1),
                Err(err) => tracing::warn!("skipping {}: {err}", dir.join(&name).display()),
            }
        });
    }

    /// Stats (or opens and stats) one listed file and maps it; `None` (with a warning) when it
    /// cannot be stat'ed.
    fn file(
        &self,
        folder: &Folder,
        dir: &Path,
        name: &str,
        relative: String,
        link: bool,
    ) -> Option<(String, T)> {
        let path = dir.join(name);
        let opened = if self.open_files {
            folder.open_file(dir, name).ok()
        } else {
            None
        };
        // Relative to the open folder, without following a link; a link by its path (what it
        // points to), as a file that could not be opened (its error comes when it is read).
        let facts = match &opened {
            Some(file) => file.metadata().map(|m| FileFacts::from(&m)),
            None if link || self.open_files => fs::metadata(&path).map(|m| FileFacts::from(&m)),
            None => folder.stat(dir, name),
        };
        match facts {
            Ok(facts) => {
                let info = info_of(relative.clone(), &facts);
                let found = Found {
                    path: &path,
                    file: opened,
                };
                Some((relative, (self.map)(found, info)))
            }
            Err(err) => {
                tracing::warn!("skipping {}: {err}", path.display());
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

/// What a folder's listing says an entry is (`Unknown` where the file system does not say).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Folder,
    Link,
    Unknown,
}

/// A folder of the walk, open. On Unix its entries are read, and its files and subfolders opened
/// and stat'ed, relative to it (`openat`, `fstatat`): the kernel resolves one name per file
/// instead of the whole path, which was the largest cost of a local scan after the system calls
/// themselves (`__d_lookup_rcu` and `link_path_walk` about 10 % of a 100,000-file scan's samples).
/// Elsewhere it is the folder's path.
#[cfg(unix)]
struct Folder {
    dir: rustix::fs::Dir,
}

#[cfg(unix)]
impl Folder {
    /// Folders are opened non-blocking and close-on-exec, as `std::fs::read_dir` opens them.
    const FLAGS: rustix::fs::OFlags = rustix::fs::OFlags::RDONLY
        .union(rustix::fs::OFlags::DIRECTORY)
        .union(rustix::fs::OFlags::CLOEXEC)
        .union(rustix::fs::OFlags::NONBLOCK);

    fn open(path: &Path) -> io::Result<Folder> {
        let fd = rustix::fs::open(path, Self::FLAGS, rustix::fs::Mode::empty())?;
        Ok(Folder {
            dir: rustix::fs::Dir::new(fd)?,
        })
    }

    /// The subfolder `name` (a link to a folder is followed).
    fn open_folder(&self, _dir: &Path, name: &str) -> io::Result<Folder> {
        let fd = rustix::fs::openat(self.dir.fd()?, name, Self::FLAGS, rustix::fs::Mode::empty())?;
        Ok(Folder {
            dir: rustix::fs::Dir::new(fd)?,
        })
    }

    /// The file `name`, read-only (non-blocking: a FIFO named like an array does not hang the
    /// scan; a regular file reads as usual).
    fn open_file(&self, _dir: &Path, name: &str) -> io::Result<File> {
        use rustix::fs::OFlags;
        let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NONBLOCK;
        let fd = rustix::fs::openat(self.dir.fd()?, name, flags, rustix::fs::Mode::empty())?;
        Ok(File::from(fd))
    }

    /// `lstat` of `name`.
    fn stat(&self, _dir: &Path, name: &str) -> io::Result<FileFacts> {
        let st = rustix::fs::statat(self.dir.fd()?, name, rustix::fs::AtFlags::SYMLINK_NOFOLLOW)?;
        let secs = u64::try_from(st.st_mtime).unwrap_or(0);
        let nanos = u32::try_from(st.st_mtime_nsec).unwrap_or(0);
        Ok(FileFacts {
            len: u64::try_from(st.st_size).unwrap_or(0),
            modified: UNIX_EPOCH.checked_add(std::time::Duration::new(secs, nanos)),
            inode: st.st_ino,
        })
    }

    /// Names (UTF-8 ones; others skipped with a warning) and kinds; `dir` names the folder in warnings.
    fn entries(&mut self, dir: &Path) -> Vec<(String, Kind)> {
        use rustix::fs::FileType;
        let mut out = Vec::new();
        while let Some(item) = self.dir.read() {
            let item = match item {
                Ok(item) => item,
                Err(err) => {
                    tracing::warn!("skipping the rest of {}: {err}", dir.display());
                    break;
                }
            };
            let Ok(name) = item.file_name().to_str() else {
                tracing::warn!("skipping a name that is not UTF-8 in {}", dir.display());
                continue;
            };
            let kind = match item.file_type() {
                FileType::RegularFile => Kind::File,
                FileType::Directory => Kind::Folder,
                FileType::Symlink => Kind::Link,
                FileType::Unknown => Kind::Unknown,
                // FIFOs, sockets, devices: listed like files when named like arrays (their
                // header read then says what is wrong).
                _ => Kind::File,
            };
            out.push((name.to_string(), kind));
        }
        out
    }
}

#[cfg(not(unix))]
struct Folder {
    entries: fs::ReadDir,
}

#[cfg(not(unix))]
impl Folder {
    fn open(path: &Path) -> io::Result<Folder> {
        Ok(Folder {
            entries: fs::read_dir(path)?,
        })
    }

    fn open_folder(&self, dir: &Path, name: &str) -> io::Result<Folder> {
        Folder::open(&dir.join(name))
    }

    fn open_file(&self, dir: &Path, name: &str) -> io::Result<File> {
        File::open(dir.join(name))
    }

    fn stat(&self, dir: &Path, name: &str) -> io::Result<FileFacts> {
        fs::symlink_metadata(dir.join(name)).map(|m| FileFacts::from(&m))
    }

    fn entries(&mut self, dir: &Path) -> Vec<(String, Kind)> {
        let mut out = Vec::new();
        for item in &mut self.entries {
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
            let kind = match item.file_type() {
                Ok(t) if t.is_symlink() => Kind::Link,
                Ok(t) if t.is_dir() => Kind::Folder,
                Ok(_) => Kind::File,
                Err(_) => Kind::Unknown,
            };
            out.push((name, kind));
        }
        out
    }
}

/// Reads up to `len` bytes from the start of `file` (fewer at its end).
pub(crate) fn read_prefix(file: &mut File, len: usize) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(len);
    file.take(len as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn write(root: &Path, relative: &str, bytes: &[u8]) {
        let path = root.join(relative);
        fs::create_dir_all(path.parent().expect("a parent")).expect("folders");
        fs::write(path, bytes).expect("a file");
    }

    fn paths(items: &[ObjectInfo]) -> Vec<&str> {
        items.iter().map(|o| o.path.as_str()).collect()
    }

    /// Plain files and folders, hidden ones, files that are not listed, `_hash` objects, and the
    /// same facts from the stat-only walk and from the walk that opens each file.
    #[test]
    fn walks_list_files_in_order_with_their_facts() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        write(root, "b/x=1/a.npy", b"0123456789");
        write(root, "a.npy", b"abc");
        write(root, "b/notes.txt", b"not listed");
        write(root, ".hidden/c.npy", b"hidden folder");
        write(root, "b/.d.npy", b"hidden file");
        write(root, "_hash/s/ab/cdef", b"blob");
        let listed = walk(root, "", "_hash").expect("walk");
        assert_eq!(paths(&listed), ["_hash/s/ab/cdef", "a.npy", "b/x=1/a.npy"]);
        assert_eq!(
            listed.iter().map(|o| o.size).collect::<Vec<_>>(),
            [4, 3, 10]
        );
        let meta = fs::metadata(root.join("b/x=1/a.npy")).expect("stat");
        assert_eq!(listed[2].e_tag.as_deref(), Some(file_stamp(&meta).as_str()));

        let read = walk_map(root, "", "_hash", &|found, info| {
            let mut text = String::new();
            found
                .file
                .expect("opened by the walk")
                .read_to_string(&mut text)
                .expect("read");
            (info, text, found.path.to_path_buf())
        })
        .expect("walk_map");
        assert_eq!(
            read.iter().map(|(_, t, _)| t.as_str()).collect::<Vec<_>>(),
            ["blob", "abc", "0123456789"]
        );
        assert_eq!(read[1].2, root.join("a.npy"));
        assert_eq!(
            read.iter().map(|(i, _, _)| i.clone()).collect::<Vec<_>>(),
            listed
        );
        // Below a prefix, paths keep it.
        let below = walk(&root.join("b"), "b", "_hash").expect("walk below");
        assert_eq!(paths(&below), ["b/x=1/a.npy"]);
        assert!(walk(&root.join("missing"), "missing", "").is_err());
    }

    /// A linked folder is followed once (a loop ends), a linked file is listed with what it points
    /// to, a dangling link is skipped, and a FIFO named like an object does not hang the scan.
    #[cfg(unix)]
    #[test]
    fn links_loops_and_fifos() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        write(root, "real/a.npy", b"12345");
        symlink(root.join("real"), root.join("alias")).expect("link to a folder");
        symlink(root, root.join("real/loop")).expect("link back to the root");
        symlink(root.join("real/a.npy"), root.join("linked.npy")).expect("link to a file");
        symlink(root.join("nothing"), root.join("dangling.npy")).expect("dangling link");
        nix::unistd::mkfifo(&root.join("fifo.npy"), nix::sys::stat::Mode::S_IRWXU).expect("fifo");
        fs::create_dir_all(root.join("_hash/s")).expect("folders");
        nix::unistd::mkfifo(&root.join("_hash/s/fifo"), nix::sys::stat::Mode::S_IRWXU)
            .expect("fifo");

        let listed = walk(root, "", "_hash").expect("walk");
        let names = paths(&listed);
        assert!(names.contains(&"linked.npy"), "{names:?}");
        assert!(names.contains(&"fifo.npy") && names.contains(&"_hash/s/fifo"));
        assert!(!names.contains(&"dangling.npy"), "{names:?}");
        // `real` and `alias` are one folder, reached once or twice but never in a loop.
        let copies = names.iter().filter(|p| p.ends_with("a.npy")).count();
        assert!((2..=4).contains(&copies), "{names:?}");
        let linked = listed
            .iter()
            .find(|o| o.path == "linked.npy")
            .expect("linked file");
        assert_eq!(linked.size, 5);

        // Opening every file: the FIFOs open without a writer and read as empty.
        let read = walk_map(root, "", "_hash", &|found, info| {
            let mut bytes = Vec::new();
            let n = found.file.map(|mut f| f.read_to_end(&mut bytes));
            (info.path, n.map(|r| r.map_or(usize::MAX, |_| bytes.len())))
        })
        .expect("walk_map");
        let fifo = read
            .iter()
            .find(|(p, _)| p == "_hash/s/fifo")
            .expect("fifo");
        assert_eq!(fifo.1, Some(0));
        let linked = read.iter().find(|(p, _)| p == "linked.npy").expect("link");
        assert_eq!(linked.1, Some(5));
    }
}
