//! Getting a copy: a valid one at once, else one download per object however many ask for
//! it (single-flight), made of concurrent ranged reads written into place in a temporary
//! file, committed by rename, then the cache trimmed to its limit.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use tokio::sync::watch;

use super::flight::{Flight, Outcome, Waiter};
use super::folder::{Cache, Inner, in_place};
use super::naming::{self, DATA_EXT, RECORD_EXT};
use super::parts::{PARTS_IN_FLIGHT, PartPlan};
use super::pin::{CachedFile, TempFile};
use super::record::{self, EntryRecord};
use super::{CacheError, error::is_disk_full};
use crate::jobs::{CancellationToken, Progress};
use crate::store::{ObjectInfo, ReadNews, Store, StoreError};

/// How long a cancelled download may take to clean up before `fetch` returns anyway.
const CLEANUP_WAIT: Duration = Duration::from_secs(2);

/// `store:path`, for messages.
fn what(store: &Store, object: &ObjectInfo) -> String {
    format!("{}:{}", store.name(), object.path)
}

impl Cache {
    /// A complete local copy of `object` (as listed, or from `Store::head`), pinned while the
    /// returned value lives: the valid copy already here at once, else a download (shared
    /// with any other request for the same object) reporting bytes on `progress`, stopped
    /// within 100 ms by `cancel`. A local store's file is returned in place, not copied.
    /// An object replaced since it was listed fails with `StoreError::Changed` (see
    /// [`CacheError::is_changed`]): list it again.
    pub async fn fetch(
        &self,
        store: &Arc<Store>,
        object: &ObjectInfo,
        progress: &Progress,
        cancel: &CancellationToken,
    ) -> Result<CachedFile, CacheError> {
        let cancelled = || CacheError::Cancelled {
            store: store.name().to_string(),
            path: object.path.clone(),
        };
        if store.is_local() {
            return fetch_in_place(store, object, progress).await;
        }
        if object.size == 0 {
            return Err(CacheError::Empty {
                store: store.name().to_string(),
                path: object.path.clone(),
            });
        }
        let identity = store.identity();
        let key = naming::entry_key(&identity, &object.path);
        loop {
            if cancel.is_cancelled() {
                return Err(cancelled());
            }
            let inner = Arc::clone(&self.inner);
            let (key2, identity2, object2) = (key.clone(), identity.clone(), object.clone());
            let hit =
                tokio::task::spawn_blocking(move || inner.open_valid(&key2, &identity2, &object2))
                    .await
                    .map_err(|e| CacheError::Internal(format!("cache lookup failed: {e}")))?;
            if let Some(file) = hit {
                progress.set_total_bytes(object.size);
                progress.add(object.size.saturating_sub(progress.done()));
                return Ok(file);
            }
            let mut waiter = self.join_flight(store, object, &key, progress);
            let flight = Arc::clone(&waiter.flight);
            let mut outcome = flight.outcome.clone();
            let result = tokio::select! {
                biased;
                _ = cancel.cancelled() => None,
                ended = outcome.wait_for(Option::is_some) => Some(ended.map(|v| v.clone()).ok().flatten()),
            };
            match result {
                None => {
                    if waiter.leave() {
                        // The last one out waits (briefly) for the temporary file to go.
                        let _ =
                            tokio::time::timeout(CLEANUP_WAIT, outcome.wait_for(Option::is_some))
                                .await;
                    }
                    return Err(cancelled());
                }
                Some(None) => {
                    return Err(CacheError::Internal(format!(
                        "the download of {} ended without a result",
                        what(store, object)
                    )));
                }
                // Another version was downloaded: look again.
                Some(Some(_)) if flight.object != *object => continue,
                Some(Some(Ok(file))) => return Ok(file),
                // Everyone else left that download as this request joined: start again.
                Some(Some(Err(err))) if err.is_cancelled() => continue,
                Some(Some(Err(err))) => return Err(err.duplicate()),
            }
        }
    }

    /// Joins the download of `key`, starting it if none runs.
    fn join_flight(
        &self,
        store: &Arc<Store>,
        object: &ObjectInfo,
        key: &str,
        progress: &Progress,
    ) -> Waiter {
        let mut flights = self
            .inner
            .flights
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(flight) = flights.get(key)
            && !flight.cancel.is_cancelled()
        {
            return Waiter::join(flight, progress);
        }
        let (sender, outcome) = watch::channel(None);
        let flight = Arc::new(Flight::new(object.clone(), outcome));
        flights.insert(key.to_string(), Arc::clone(&flight));
        let waiter = Waiter::join(&flight, progress);
        drop(flights);
        let task = FlightTask {
            inner: Arc::clone(&self.inner),
            store: Arc::clone(store),
            key: key.to_string(),
            flight,
        };
        tokio::spawn(task.run(sender));
        waiter
    }
}

/// A local store's file, checked against the listing (no copy is made).
async fn fetch_in_place(
    store: &Arc<Store>,
    object: &ObjectInfo,
    progress: &Progress,
) -> Result<CachedFile, CacheError> {
    let current = store.head(&object.path).await?;
    if current != *object {
        return Err(StoreError::Changed {
            store: store.name().to_string(),
            path: object.path.clone(),
        }
        .into());
    }
    let (store2, object2) = (Arc::clone(store), object.clone());
    let file = tokio::task::spawn_blocking(move || in_place(&store2, &object2))
        .await
        .map_err(|e| CacheError::Internal(format!("local file check failed: {e}")))?;
    let file = file.ok_or_else(|| StoreError::Changed {
        store: store.name().to_string(),
        path: object.path.clone(),
    })?;
    progress.set_total_bytes(object.size);
    progress.add(object.size.saturating_sub(progress.done()));
    Ok(file)
}

/// The background task of one download.
struct FlightTask {
    inner: Arc<Inner>,
    store: Arc<Store>,
    key: String,
    flight: Arc<Flight>,
}

/// Takes a flight off the table when its task ends, even by a panic.
struct Unlist {
    inner: Arc<Inner>,
    key: String,
    flight: Arc<Flight>,
}

impl Drop for Unlist {
    fn drop(&mut self) {
        let mut flights = self
            .inner
            .flights
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if flights
            .get(&self.key)
            .is_some_and(|f| Arc::ptr_eq(f, &self.flight))
        {
            flights.remove(&self.key);
        }
    }
}

impl FlightTask {
    async fn run(self, sender: watch::Sender<Option<Outcome>>) {
        let _unlist = Unlist {
            inner: Arc::clone(&self.inner),
            key: self.key.clone(),
            flight: Arc::clone(&self.flight),
        };
        let outcome = match self.download().await {
            Ok(file) => {
                // Trim to the limit while the new copy is pinned, before anyone returns.
                let inner = Arc::clone(&self.inner);
                let limit = inner.limit;
                match tokio::task::spawn_blocking(move || inner.clean(Some(limit), false)).await {
                    Ok(Ok(report)) if report.removed > 0 => tracing::debug!(
                        "cache: evicted {} copies ({} bytes)",
                        report.removed,
                        report.freed_bytes
                    ),
                    Ok(Ok(_)) => {}
                    Ok(Err(err)) => tracing::warn!("cache: cannot trim to the limit: {err}"),
                    Err(err) => tracing::warn!("cache: trimming task failed: {err}"),
                }
                Ok(file)
            }
            Err(err) => Err(Arc::new(err)),
        };
        sender.send_replace(Some(outcome));
    }

    fn write_error(&self, action: &'static str, source: std::io::Error) -> CacheError {
        let what = what(&self.store, &self.flight.object);
        if is_disk_full(&source) {
            CacheError::DiskFull {
                dir: self.inner.dir.clone(),
                what,
            }
        } else {
            CacheError::Write {
                dir: self.inner.dir.clone(),
                action,
                what,
                source,
            }
        }
    }

    /// Downloads into a temporary file and commits it; cancelled through the flight's token.
    async fn download(&self) -> Result<CachedFile, CacheError> {
        let object = &self.flight.object;
        let size = object.size;
        let dir = self.inner.dir.clone();
        let temp = TempFile::create(&dir, &self.key, DATA_EXT)
            .map_err(|e| self.write_error("create a file", e))?;
        // Locked before it has its final name, so no eviction can take it while committing.
        temp.file()
            .set_len(size)
            .map_err(|e| self.write_error("size a file", e))?;

        let body = async {
            let written = self.fetch_parts(&temp).await?;
            if written != size {
                return Err(CacheError::SizeMismatch {
                    store: self.store.name().to_string(),
                    path: object.path.clone(),
                    expected: size,
                    received: written,
                });
            }
            let file = Arc::clone(temp.file());
            tokio::task::spawn_blocking(move || {
                file.sync_data()?;
                file.metadata()
            })
            .await
            .map_err(|e| CacheError::Internal(format!("sync task failed: {e}")))?
            .map_err(|e| self.write_error("write", e))
        };
        let meta = tokio::select! {
            biased;
            _ = self.flight.cancel.cancelled() => {
                return Err(CacheError::Cancelled {
                    store: self.store.name().to_string(),
                    path: object.path.clone(),
                });
            }
            meta = body => meta?,
        };
        if meta.len() != size {
            return Err(CacheError::SizeMismatch {
                store: self.store.name().to_string(),
                path: object.path.clone(),
                expected: size,
                received: meta.len(),
            });
        }
        let record = EntryRecord::new(
            self.store.name(),
            &self.store.identity(),
            object,
            record::stamp(&meta),
        );
        let inner = Arc::clone(&self.inner);
        let key = self.key.clone();
        let committed = tokio::task::spawn_blocking(move || commit(&inner, &key, temp, &record))
            .await
            .map_err(|e| CacheError::Internal(format!("commit task failed: {e}")))?;
        let file = committed.map_err(|e| self.write_error("save a file", e))?;
        Ok(CachedFile::pinned(
            self.inner.data_path(&self.key),
            size,
            file,
            &self.inner.pins,
        ))
    }

    /// Reads every part with ranged requests, [`PARTS_IN_FLIGHT`] at a time, counting bytes
    /// as they arrive and writing each part where it belongs; returns the bytes written. The
    /// parts are planned as the download goes ([`PartPlan`]): smaller on a slow link.
    async fn fetch_parts(&self, temp: &TempFile) -> Result<u64, CacheError> {
        let object = &self.flight.object;
        let received = AtomicU64::new(0);
        let started = Instant::now();
        let mut plan = PartPlan::new(object.size);
        // Polled each time a request slot frees, so each part is sized by the speed so far.
        let ranges = futures::stream::poll_fn(|_| {
            let so_far = received.load(Ordering::Relaxed);
            std::task::Poll::Ready(plan.next(so_far, started.elapsed()))
        });
        let news = |news: ReadNews<'_>| {
            if let ReadNews::Received(bytes) = news {
                received.fetch_add(bytes, Ordering::Relaxed);
            }
            self.flight.news(news);
        };
        ranges
            .map(|range| {
                let file = Arc::clone(temp.file());
                let news = &news;
                async move {
                    let expected = range.end - range.start;
                    let offset = range.start;
                    let bytes = self.store.read_range_reported(object, range, news).await?;
                    if bytes.len() as u64 != expected {
                        return Err(CacheError::SizeMismatch {
                            store: self.store.name().to_string(),
                            path: object.path.clone(),
                            expected,
                            received: bytes.len() as u64,
                        });
                    }
                    tokio::task::spawn_blocking(move || write_all_at(&file, &bytes, offset))
                        .await
                        .map_err(|e| CacheError::Internal(format!("write task failed: {e}")))?
                        .map_err(|e| self.write_error("write", e))?;
                    Ok(expected)
                }
            })
            .buffer_unordered(PARTS_IN_FLIGHT)
            .try_fold(0u64, |total, n| std::future::ready(Ok(total + n)))
            .await
    }
}

/// Makes a finished download the entry of `key`: record removed, data renamed into place,
/// new record written last, so a record always describes the data beside it. Returns the
/// data file, still share-locked.
fn commit(
    inner: &Inner,
    key: &str,
    data: TempFile,
    record: &EntryRecord,
) -> std::io::Result<std::fs::File> {
    use std::io::Write;
    let json = serde_json::to_vec_pretty(record).map_err(std::io::Error::other)?;
    let record_temp = TempFile::create(&inner.dir, key, RECORD_EXT)?;
    {
        let mut file: &std::fs::File = record_temp.file();
        file.write_all(&json)?;
        file.sync_data()?;
    }
    let file = data.file().try_clone()?;
    match std::fs::remove_file(inner.record_path(key)) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => return Err(err),
        _ => {}
    }
    data.persist(&inner.data_path(key))?;
    record_temp.persist(&inner.record_path(key))?;
    Ok(file)
}

/// Writes all of `bytes` at `offset`.
fn write_all_at(file: &std::fs::File, bytes: &[u8], offset: u64) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::write_all_at(file, bytes, offset)
    }
    #[cfg(windows)]
    {
        let mut done = 0usize;
        while done < bytes.len() {
            let n = std::os::windows::fs::FileExt::seek_write(
                file,
                &bytes[done..],
                offset + done as u64,
            )?;
            if n == 0 {
                return Err(std::io::ErrorKind::WriteZero.into());
            }
            done += n;
        }
        Ok(())
    }
}
