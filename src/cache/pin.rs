//! Files in use: a [`CachedFile`] pins its copy (a count in this process and a shared lock
//! on the file for other processes) so eviction never deletes it from under its reader; and
//! temporary files that vanish unless committed.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use super::naming;

/// How many live [`CachedFile`]s of this process hold each data file.
#[derive(Debug, Default)]
pub(crate) struct PinTable {
    counts: Mutex<HashMap<PathBuf, usize>>,
}

impl PinTable {
    fn pin(&self, path: &Path) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        *counts.entry(path.to_path_buf()).or_default() += 1;
    }

    fn unpin(&self, path: &Path) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = counts.get_mut(path) {
            *count -= 1;
            if *count == 0 {
                counts.remove(path);
            }
        }
    }

    /// `true` while a [`CachedFile`] of this process holds `path`.
    pub(crate) fn is_pinned(&self, path: &Path) -> bool {
        self.counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains_key(path)
    }
}

/// A usable copy of an object, kept in place while this value (or a clone) lives: map or read
/// it through [`file`](CachedFile::file) or [`path`](CachedFile::path), then drop it.
#[derive(Clone, Debug)]
pub struct CachedFile {
    inner: Arc<Held>,
}

#[derive(Debug)]
struct Held {
    path: PathBuf,
    size: u64,
    file: File,
    /// `None` for a local store's own file, which the cache does not manage.
    pins: Option<Arc<PinTable>>,
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(pins) = &self.pins {
            pins.unpin(&self.path);
        }
        // Closing `file` releases the shared lock.
    }
}

impl CachedFile {
    /// A cached copy, open as `file` (already share-locked), pinned in `pins`.
    pub(crate) fn pinned(path: PathBuf, size: u64, file: File, pins: &Arc<PinTable>) -> Self {
        pins.pin(&path);
        CachedFile {
            inner: Arc::new(Held {
                path,
                size,
                file,
                pins: Some(Arc::clone(pins)),
            }),
        }
    }

    /// A local store's file, used where it is (no copy).
    pub(crate) fn in_place(path: PathBuf, size: u64, file: File) -> Self {
        CachedFile {
            inner: Arc::new(Held {
                path,
                size,
                file,
                pins: None,
            }),
        }
    }

    /// The file: a copy in the cache folder, or a local store's own file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Its size in bytes (the object's listed size).
    pub fn size(&self) -> u64 {
        self.inner.size
    }

    /// The open file, the surest thing to memory-map (it stays this version even if the
    /// path is later replaced by a newer download).
    pub fn file(&self) -> &File {
        &self.inner.file
    }

    /// `true` for a local store's own file, read in place rather than copied.
    pub fn is_in_place(&self) -> bool {
        self.inner.pins.is_none()
    }
}

/// Takes a shared lock on `file` (other processes' eviction then skips it). File systems
/// without locks only get the pin of this process.
pub(crate) fn lock_shared(file: &File) {
    if let Err(err) = file.lock_shared() {
        tracing::debug!("cache: no shared lock on a cached file: {err}");
    }
}

/// Whether a cached file may be deleted: `Some(handle)` holding an exclusive lock while no
/// reader (of any process) has it; `None` while one does.
pub(crate) fn try_lock_exclusive(path: &Path) -> io::Result<Option<File>> {
    let file = File::open(path)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        // No locks on this file system: only this process's pins can tell.
        Err(std::fs::TryLockError::Error(err)) => {
            tracing::debug!("cache: cannot lock {}: {err}", path.display());
            Ok(Some(file))
        }
    }
}

/// Whether a temporary file is locked by its writer: `Some(true)` while a live download holds
/// it, `Some(false)` when none does, `None` when this file system cannot tell.
pub(crate) fn try_lock_temp(path: &Path) -> Option<bool> {
    let file = File::open(path).ok()?;
    match file.try_lock() {
        Ok(()) => Some(false),
        Err(std::fs::TryLockError::WouldBlock) => Some(true),
        Err(std::fs::TryLockError::Error(err)) => {
            tracing::debug!("cache: cannot lock {}: {err}", path.display());
            None
        }
    }
}

/// Temporary files of this process that are being written (never stale).
static LIVE_TEMPS: LazyLock<Mutex<HashSet<PathBuf>>> = LazyLock::new(|| Mutex::new(HashSet::new()));

/// Numbers temporary files of this process.
static TEMP_SEQ: AtomicU64 = AtomicU64::new(0);

/// `true` while this process writes `path`.
pub(crate) fn is_live_temp(path: &Path) -> bool {
    LIVE_TEMPS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .contains(path)
}

/// A new file in the cache folder that is removed when dropped, unless committed with
/// [`persist`](TempFile::persist): an interrupted write never leaves a complete-looking file.
#[derive(Debug)]
pub(crate) struct TempFile {
    path: PathBuf,
    /// `None` only while dropping.
    file: Option<Arc<File>>,
    armed: bool,
}

impl TempFile {
    /// Creates `<key>.<ext>.<pid>-<seq>.tmp` in `dir`, mode 0600, with a shared lock held
    /// while it lives.
    pub(crate) fn create(dir: &Path, key: &str, ext: &str) -> io::Result<TempFile> {
        let seq = TEMP_SEQ.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(naming::temp_name(key, ext, std::process::id(), seq));
        let mut options = OpenOptions::new();
        options.read(true).write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        LIVE_TEMPS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(path.clone());
        let file = match options.open(&path) {
            Ok(file) => file,
            Err(err) => {
                LIVE_TEMPS
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(&path);
                return Err(err);
            }
        };
        // Held until the file is gone: another process sees the download is alive (a killed
        // process's lock goes with it, so its leftover is known stale at once).
        lock_shared(&file);
        Ok(TempFile {
            path,
            file: Some(Arc::new(file)),
            armed: true,
        })
    }

    /// The open file, shared with writer tasks.
    pub(crate) fn file(&self) -> &Arc<File> {
        // Set from creation until drop.
        self.file
            .as_ref()
            .unwrap_or_else(|| unreachable!("temporary file used after drop"))
    }

    /// Renames the file to `to` (atomically replacing it): from now on it is kept.
    pub(crate) fn persist(mut self, to: &Path) -> io::Result<()> {
        std::fs::rename(&self.path, to)?;
        self.armed = false;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.armed {
            match std::fs::remove_file(&self.path) {
                Ok(()) => {}
                Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                Err(err) => tracing::warn!(
                    "cache: cannot remove the temporary file {}: {err}",
                    self.path.display()
                ),
            }
        }
        LIVE_TEMPS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.path);
        // Closing the last handle of a large deleted file frees its pages, which can take a
        // while: not on an async worker (a cancelled download must return at once).
        if let Some(file) = self.file.take()
            && self.armed
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn_blocking(move || drop(file));
        }
    }
}
