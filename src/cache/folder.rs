//! The cache folder: opening it, finding valid copies, listing, clearing and trimming it.
//! Everything here is blocking file-system work on small files; call it from
//! `spawn_blocking` when on an async runtime, except where a method says otherwise.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};

use super::CacheError;
use super::flight::Flight;
use super::limit::{self, CACHE_DIR_ENV, CACHE_LIMIT_ENV};
use super::lru::{self, Candidate};
use super::naming::{self, FileKind};
use super::pin::{self, CachedFile, PinTable};
use super::record::{self, CacheEntry, EntryRecord};
use crate::store::{ObjectInfo, Store};

/// Where file locks do not work: a temporary file of a live process is stale after this long
/// without a write.
const STALE_TEMP_AGE: Duration = Duration::from_secs(3600);
/// Where file locks do not work: a temporary file of a process that is gone is stale after
/// this long (a grace period for processes this one cannot see, e.g. in another container).
const ORPHAN_TEMP_AGE: Duration = Duration::from_secs(60);

/// The on-disk cache of remote `.npy` objects: one complete copy per object under a hashed
/// name, a JSON record beside it, a size limit kept by least-recently-used eviction. `Send +
/// Sync`; share it as `Arc<Cache>`.
#[derive(Debug)]
pub struct Cache {
    pub(crate) inner: Arc<Inner>,
}

/// The state shared with download tasks.
#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) dir: PathBuf,
    pub(crate) limit: u64,
    pub(crate) pins: Arc<PinTable>,
    /// Downloads in progress, by entry key (single-flight).
    pub(crate) flights: Mutex<HashMap<String, Arc<Flight>>>,
    /// Leftovers of interrupted downloads removed when the cache was opened (counted by the
    /// next clean-up, so `cache gc` reports them).
    removed_at_open: std::sync::atomic::AtomicUsize,
}

/// What [`Cache::clear`] or [`Cache::gc`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cleanup {
    /// Cached copies removed.
    pub removed: usize,
    /// Bytes they held.
    pub freed_bytes: u64,
    /// Copies kept because a reader has them open.
    pub kept_in_use: usize,
    /// Leftovers removed: temporary files of interrupted downloads, records without data.
    pub leftovers: usize,
}

/// A listing of the folder.
struct Scan {
    entries: Vec<CacheEntry>,
    /// Records whose data file is missing.
    lone_records: Vec<PathBuf>,
    /// Temporary files that no live download is writing.
    stale_temps: Vec<PathBuf>,
}

impl Cache {
    /// Opens (creating it, mode 0700) the cache folder: `dir`, else `$NPYSCOPE_CACHE_DIR`,
    /// else [`Cache::default_dir`]; with a limit of `limit_bytes`, else
    /// `$NPYSCOPE_CACHE_LIMIT` (e.g. `20GiB`), else 10 GiB. Removes leftovers of crashed runs.
    pub fn open(dir: Option<PathBuf>, limit_bytes: Option<u64>) -> Result<Cache, CacheError> {
        let dir = limit::resolve_dir(dir, std::env::var_os(CACHE_DIR_ENV), Self::default_dir())
            .ok_or(CacheError::NoFolder)?;
        let env_limit = std::env::var(CACHE_LIMIT_ENV).ok();
        let limit = limit::resolve_limit(limit_bytes, env_limit.as_deref()).map_err(|why| {
            CacheError::InvalidLimit {
                text: env_limit.clone().unwrap_or_default(),
                why,
            }
        })?;
        Self::open_at(dir, limit)
    }

    /// Opens the cache folder `dir` with exactly `limit_bytes`, ignoring the environment.
    pub fn open_at(dir: PathBuf, limit_bytes: u64) -> Result<Cache, CacheError> {
        let folder_err = |action, source| CacheError::Folder {
            dir: dir.clone(),
            action,
            source,
        };
        if !dir.exists() {
            let mut builder = fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(&dir).map_err(|e| folder_err("create", e))?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))
                    .map_err(|e| folder_err("set the permissions of", e))?;
            }
        }
        let meta = fs::metadata(&dir).map_err(|e| folder_err("read", e))?;
        if !meta.is_dir() {
            return Err(folder_err(
                "use",
                io::Error::new(io::ErrorKind::NotADirectory, "it is not a folder"),
            ));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if meta.permissions().mode() & 0o077 != 0 {
                tracing::debug!(
                    "cache folder {} can be read by other users (mode {:o})",
                    dir.display(),
                    meta.permissions().mode() & 0o777
                );
            }
        }
        let cache = Cache {
            inner: Arc::new(Inner {
                dir,
                limit: limit_bytes,
                pins: Arc::new(PinTable::default()),
                flights: Mutex::new(HashMap::new()),
                removed_at_open: std::sync::atomic::AtomicUsize::new(0),
            }),
        };
        let scan = cache.inner.scan().map_err(|e| cache.inner.read_error(e))?;
        let removed = scan
            .stale_temps
            .iter()
            .filter(|temp| remove_quietly(temp))
            .count();
        if removed > 0 {
            tracing::info!(
                "cache: removed {removed} leftovers of interrupted downloads in {}",
                cache.inner.dir.display()
            );
        }
        cache
            .inner
            .removed_at_open
            .store(removed, std::sync::atomic::Ordering::Relaxed);
        Ok(cache)
    }

    /// The platform's cache folder for npyscope (e.g. `~/.cache/npyscope`), if there is a
    /// home folder.
    pub fn default_dir() -> Option<PathBuf> {
        directories::ProjectDirs::from("org", "npyscope", "npyscope")
            .map(|dirs| dirs.cache_dir().to_path_buf())
    }

    /// The cache folder.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// The size limit in bytes.
    pub fn limit_bytes(&self) -> u64 {
        self.inner.limit
    }

    /// A valid copy of `object` if one is here, pinned; no store I/O. For a local store, its
    /// own file when it still is the listed version (local stores are read in place).
    pub fn lookup(&self, store: &Store, object: &ObjectInfo) -> Option<CachedFile> {
        if store.is_local() {
            return in_place(store, object);
        }
        let key = naming::entry_key(&store.identity(), &object.path);
        self.inner.open_valid(&key, &store.identity(), object)
    }

    /// Every cached copy, most recently used first.
    pub fn entries(&self) -> Result<Vec<CacheEntry>, CacheError> {
        let mut entries = self
            .inner
            .scan()
            .map_err(|e| self.inner.read_error(e))?
            .entries;
        entries.sort_by(|a, b| b.last_used.cmp(&a.last_used).then(a.key.cmp(&b.key)));
        Ok(entries)
    }

    /// Leftovers of interrupted downloads (killed or crashed runs) removed when the cache was
    /// opened.
    pub fn leftovers_removed_at_open(&self) -> usize {
        self.inner
            .removed_at_open
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Bytes held by cached copies.
    pub fn total_bytes(&self) -> Result<u64, CacheError> {
        let scan = self.inner.scan().map_err(|e| self.inner.read_error(e))?;
        Ok(scan.entries.iter().map(|e| e.size).sum())
    }

    /// Removes every cached copy no reader has open, and leftovers of interrupted downloads.
    pub fn clear(&self) -> Result<Cleanup, CacheError> {
        self.inner.clean(Some(0), true)
    }

    /// Removes leftovers (temporary files of interrupted downloads, copies without a valid
    /// record), then least recently used copies until the cache fits its limit; copies in
    /// use stay.
    pub fn gc(&self) -> Result<Cleanup, CacheError> {
        self.inner.clean(Some(self.inner.limit), false)
    }
}

/// A local store's file, if it still is the listed version.
pub(crate) fn in_place(store: &Store, object: &ObjectInfo) -> Option<CachedFile> {
    let path = store.local_path(&object.path)?;
    let file = fs::File::open(&path).ok()?;
    let meta = file.metadata().ok()?;
    let modified = meta.modified().ok().map(DateTime::<Utc>::from);
    (meta.is_file() && meta.len() == object.size && modified == Some(object.last_modified))
        .then(|| CachedFile::in_place(path, object.size, file))
}

impl Inner {
    pub(crate) fn data_path(&self, key: &str) -> PathBuf {
        self.dir.join(naming::data_name(key))
    }

    pub(crate) fn record_path(&self, key: &str) -> PathBuf {
        self.dir.join(naming::record_name(key))
    }

    fn read_error(&self, source: io::Error) -> CacheError {
        CacheError::Folder {
            dir: self.dir.clone(),
            action: "read",
            source,
        }
    }

    fn load_record(&self, key: &str) -> Option<EntryRecord> {
        let bytes = fs::read(self.record_path(key)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// The copy under `key` if it is a complete copy of this version of `object`: pinned,
    /// and its use recorded.
    pub(crate) fn open_valid(
        &self,
        key: &str,
        identity: &str,
        object: &ObjectInfo,
    ) -> Option<CachedFile> {
        let record = self.load_record(key)?;
        if !record.describes(identity, object) {
            return None;
        }
        let path = self.data_path(key);
        let file = fs::File::open(&path).ok()?;
        pin::lock_shared(&file);
        // Checked after the lock: eviction may have removed it, a download replaced it.
        let held = file.metadata().ok()?;
        let current = fs::metadata(&path).ok()?;
        if held.len() != object.size
            || record::stamp(&held) != record.data_stamp
            || record::stamp(&current) != record.data_stamp
        {
            return None;
        }
        // The record may have been replaced since it was read.
        if self.load_record(key).as_ref() != Some(&record) {
            return None;
        }
        self.touch(key);
        Some(CachedFile::pinned(path, object.size, file, &self.pins))
    }

    /// Records a use: the record file's modification time moves (the record is not
    /// rewritten, so a use never races with a download's commit).
    fn touch(&self, key: &str) {
        let result = fs::OpenOptions::new()
            .write(true)
            .open(self.record_path(key))
            .and_then(|f| f.set_modified(SystemTime::now()));
        if let Err(err) = result {
            tracing::debug!("cache: cannot record the use of {key}: {err}");
        }
    }

    /// Lists the folder (only files with the cache's names).
    fn scan(&self) -> io::Result<Scan> {
        let mut data: Vec<(String, PathBuf, fs::Metadata)> = Vec::new();
        let mut records: HashMap<String, PathBuf> = HashMap::new();
        let mut stale_temps = Vec::new();
        for item in fs::read_dir(&self.dir)? {
            let item = item?;
            let Some(name) = item.file_name().to_str().map(str::to_string) else {
                continue;
            };
            let path = item.path();
            match naming::classify(&name) {
                FileKind::Data(key) => {
                    if let Ok(meta) = fs::symlink_metadata(&path)
                        && meta.is_file()
                    {
                        data.push((key, path, meta));
                    }
                }
                FileKind::Record(key) => {
                    records.insert(key, path);
                }
                FileKind::Temp { pid } => {
                    if let Ok(meta) = fs::symlink_metadata(&path)
                        && temp_is_stale(&path, pid, &meta)
                    {
                        stale_temps.push(path);
                    }
                }
                FileKind::Other => {}
            }
        }
        let mut entries = Vec::with_capacity(data.len());
        for (key, path, meta) in data {
            let record_path = records.remove(&key);
            let record = record_path
                .as_ref()
                .and_then(|_| self.load_record(&key))
                .filter(|r| r.data_stamp == record::stamp(&meta) && r.size == meta.len());
            let record_time = record_path
                .as_ref()
                .and_then(|p| fs::metadata(p).ok())
                .and_then(|m| m.modified().ok())
                .map(DateTime::<Utc>::from);
            let last_used = match &record {
                Some(r) => record_time.map_or(r.last_used, |t| t.max(r.last_used)),
                None => meta
                    .modified()
                    .map(DateTime::<Utc>::from)
                    .unwrap_or_default(),
            };
            let in_use =
                self.pins.is_pinned(&path) || matches!(pin::try_lock_exclusive(&path), Ok(None));
            entries.push(CacheEntry {
                key,
                size: meta.len(),
                data_path: path,
                record,
                last_used,
                in_use,
            });
        }
        Ok(Scan {
            entries,
            lone_records: records.into_values().collect(),
            stale_temps,
        })
    }

    /// Removes a copy and its record unless a reader has it; `Ok(false)` when kept.
    fn remove_entry(&self, entry: &CacheEntry) -> io::Result<bool> {
        if self.pins.is_pinned(&entry.data_path) {
            return Ok(false);
        }
        let lock = match pin::try_lock_exclusive(&entry.data_path) {
            Ok(Some(lock)) => lock,
            Ok(None) => return Ok(false),
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(true),
            Err(err) => return Err(err),
        };
        // The name may already hold a newer download than the file locked.
        let locked = record::stamp(&lock.metadata()?);
        match fs::symlink_metadata(&entry.data_path) {
            Ok(now) if record::stamp(&now) == locked => {}
            _ => return Ok(false),
        }
        match fs::remove_file(self.record_path(&entry.key)) {
            Err(err) if err.kind() != io::ErrorKind::NotFound => return Err(err),
            _ => {}
        }
        fs::remove_file(&entry.data_path)?;
        drop(lock);
        Ok(true)
    }

    /// Removes leftovers, copies without a valid record (or every copy when `all`), then
    /// least recently used copies until at most `limit` bytes stay.
    pub(crate) fn clean(&self, limit: Option<u64>, all: bool) -> Result<Cleanup, CacheError> {
        let scan = self.scan().map_err(|e| self.read_error(e))?;
        let write_err = |source| CacheError::Folder {
            dir: self.dir.clone(),
            action: "remove files in",
            source,
        };
        let mut report = Cleanup {
            leftovers: self
                .removed_at_open
                .swap(0, std::sync::atomic::Ordering::Relaxed),
            ..Cleanup::default()
        };
        for path in scan.stale_temps.iter().chain(&scan.lone_records) {
            if remove_quietly(path) {
                report.leftovers += 1;
            }
        }
        let mut kept = Vec::new();
        for entry in scan.entries {
            if all || entry.record.is_none() {
                if self.remove_entry(&entry).map_err(write_err)? {
                    report.removed += 1;
                    report.freed_bytes += entry.size;
                } else {
                    report.kept_in_use += 1;
                }
            } else {
                kept.push(entry);
            }
        }
        if let Some(limit) = limit {
            let candidates: Vec<Candidate> = kept
                .iter()
                .map(|e| Candidate {
                    size: e.size,
                    last_used: e.last_used,
                    pinned: e.in_use,
                })
                .collect();
            for index in lru::choose_evictions(&candidates, limit) {
                let entry = &kept[index];
                if self.remove_entry(entry).map_err(write_err)? {
                    report.removed += 1;
                    report.freed_bytes += entry.size;
                } else {
                    report.kept_in_use += 1;
                }
            }
            if !all {
                report.kept_in_use += kept.iter().filter(|e| e.in_use).count();
            }
        }
        Ok(report)
    }
}

/// Removes a file; `true` if it was removed.
fn remove_quietly(path: &Path) -> bool {
    match fs::remove_file(path) {
        Ok(()) => true,
        Err(err) => {
            if err.kind() != io::ErrorKind::NotFound {
                tracing::warn!("cache: cannot remove {}: {err}", path.display());
            }
            false
        }
    }
}

/// `true` for a temporary file no download is writing: not one of this process's live ones,
/// and either this process's (a leftover) or one no process holds a lock on (its writer is
/// gone, killed or crashed). Where locks do not work: its process is gone (after a grace
/// period), or it has not been written for an hour.
fn temp_is_stale(path: &Path, pid: u32, meta: &fs::Metadata) -> bool {
    if pin::is_live_temp(path) {
        return false;
    }
    if pid == std::process::id() {
        return true;
    }
    if let Some(locked_by_a_writer) = pin::try_lock_temp(path) {
        return !locked_by_a_writer;
    }
    let age = meta
        .modified()
        .ok()
        .and_then(|t| t.elapsed().ok())
        .unwrap_or_default();
    age > STALE_TEMP_AGE || (age > ORPHAN_TEMP_AGE && !process_alive(pid))
}

/// Whether process `pid` runs (`true` when this cannot be told).
fn process_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") && Path::new("/proc/self").exists() {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true
    }
}
