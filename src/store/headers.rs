//! Header-only metadata: one small ranged read per object (a second one for long headers),
//! many objects at once, results in listing order as soon as they are ready.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{Stream, StreamExt, TryStreamExt};
use object_store::ObjectStoreExt;

use super::format::{Classified, Format, NotArray, classify};
use super::{Entry, ErrorContext, ObjectInfo, Source, Store, StoreError, is_npy, local};
use crate::npy::{self, ArrayMeta, NpyError};

/// Rounds of "read more" a blob header may ask for before it is called broken (each asks for a longer prefix).
const MAX_BLOB_READS: usize = 6;

/// How many header reads of a remote store are in flight at once.
pub const HEADER_CONCURRENCY: usize = 64;

/// Local headers are read in batches of this many files per blocking task.
const LOCAL_BATCH: usize = 256;

/// Counters of a store's requests: how many, how many bytes, and the most at once.
#[derive(Debug, Default)]
pub struct RequestStats {
    requests: AtomicU64,
    bytes: AtomicU64,
    in_flight: AtomicUsize,
    peak_in_flight: AtomicUsize,
}

impl RequestStats {
    /// Ranged reads made so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Bytes received by those reads.
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// The most reads that were in flight at the same time.
    pub fn peak_in_flight(&self) -> usize {
        self.peak_in_flight.load(Ordering::Relaxed)
    }

    pub(super) fn begin(&self) -> InFlight<'_> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let now = self.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        self.peak_in_flight.fetch_max(now, Ordering::Relaxed);
        InFlight(self)
    }

    pub(super) fn received(&self, bytes: usize) {
        self.bytes.fetch_add(bytes as u64, Ordering::Relaxed);
    }
}

/// Decrements the in-flight count when a read ends, however it ends.
pub(super) struct InFlight<'a>(&'a RequestStats);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// What to do with the first bytes of an object.
enum Probe {
    /// The header is complete in the bytes read.
    Complete,
    /// The header goes on: read this range too.
    ReadMore(Range<u64>),
}

/// Looks at the first bytes of an object of `object_size` bytes.
fn probe(first: &[u8], object_size: u64) -> Result<Probe, NpyError> {
    let header_len = npy::header_total_len(first)?;
    if header_len <= first.len() as u64 {
        Ok(Probe::Complete)
    } else if header_len > object_size {
        Err(NpyError::Truncated {
            expected: header_len,
            actual: object_size,
        })
    } else {
        Ok(Probe::ReadMore(first.len() as u64..header_len))
    }
}

/// Parses a complete header and checks that the object holds the data it promises.
fn finish(header: &[u8], object_size: u64) -> Result<ArrayMeta, NpyError> {
    let meta = npy::parse_header(header)?;
    meta.check_object_size(object_size)?;
    Ok(meta)
}

/// Length of the first read of an object.
fn probe_len(object_size: u64) -> u64 {
    object_size.min(npy::MIN_PROBE_BYTES as u64)
}

impl ErrorContext {
    fn npy_error(&self, path: &str, source: NpyError) -> StoreError {
        StoreError::Npy {
            store: self.spec.name.clone(),
            path: path.to_string(),
            source,
        }
    }

    fn not_array(&self, path: &str, why: NotArray) -> StoreError {
        let (store, path) = (self.spec.name.clone(), path.to_string());
        match why {
            NotArray::Broken(source) => StoreError::Blob {
                store,
                path,
                source,
            },
            NotArray::Holds(what) => StoreError::NotArray { store, path, what },
        }
    }

    /// The result of classifying a non-`.npy` object, with errors naming the object.
    fn classified(
        &self,
        path: &str,
        format: Format,
        meta: Result<ArrayMeta, NotArray>,
    ) -> (Format, Result<ArrayMeta, StoreError>) {
        (format, meta.map_err(|why| self.not_array(path, why)))
    }

    /// A blob whose header still asks for more after [`MAX_BLOB_READS`] reads.
    fn endless_header(&self, path: &str, have: usize) -> (Format, Result<ArrayMeta, StoreError>) {
        let why = NotArray::Broken(crate::blob::BlobError::NeedMore {
            have: have as u64,
            at_least: have as u64 + 1,
        });
        (Format::Blob(None), Err(self.not_array(path, why)))
    }

    fn empty(&self, path: &str) -> StoreError {
        StoreError::Empty {
            store: self.spec.name.clone(),
            path: path.to_string(),
        }
    }
}

/// Reads one local file's first bytes and tells what it is (blocking): a `.npy` (by its name) with its parsed
/// header, or a blob, attachment or raw bytes by those bytes. `opened` is the file already open (a scan opens
/// it relative to its folder); without it, `file` is opened.
fn local_header(
    context: &ErrorContext,
    stats: &RequestStats,
    file: &std::path::Path,
    opened: Option<std::fs::File>,
    object: &ObjectInfo,
) -> (Format, Result<ArrayMeta, StoreError>) {
    if is_npy(&object.path) {
        return (
            Format::Npy,
            local_npy_header(context, stats, file, opened, object),
        );
    }
    let io_err = |e| (Format::Raw, Err(context.io_error("read", &object.path, e)));
    let mut handle = match opened.map_or_else(|| std::fs::File::open(file), Ok) {
        Ok(handle) => handle,
        Err(e) => return io_err(e),
    };
    let mut len = probe_len(object.size);
    for attempt in 0..MAX_BLOB_READS {
        let _guard = stats.begin();
        if attempt > 0
            && let Err(e) = std::io::Seek::rewind(&mut handle)
        {
            return io_err(e);
        }
        let bytes = match local::read_prefix(&mut handle, len as usize) {
            Ok(bytes) => bytes,
            Err(e) => return io_err(e),
        };
        stats.received(bytes.len());
        match classify(&bytes, object.size) {
            Classified::Known(format, meta) => {
                return context.classified(&object.path, format, meta);
            }
            Classified::ReadMore(n) if n > bytes.len() as u64 => len = n,
            Classified::ReadMore(_) => break,
        }
    }
    context.endless_header(&object.path, len as usize)
}

/// Reads and parses one local `.npy` file's header (blocking).
fn local_npy_header(
    context: &ErrorContext,
    stats: &RequestStats,
    file: &std::path::Path,
    opened: Option<std::fs::File>,
    object: &ObjectInfo,
) -> Result<ArrayMeta, StoreError> {
    let io_err = |e| context.io_error("read", &object.path, e);
    if object.size == 0 {
        return Err(context.empty(&object.path));
    }
    let _guard = stats.begin();
    let mut handle = opened
        .map_or_else(|| std::fs::File::open(file), Ok)
        .map_err(io_err)?;
    let mut bytes =
        local::read_prefix(&mut handle, probe_len(object.size) as usize).map_err(io_err)?;
    stats.received(bytes.len());
    if let Probe::ReadMore(rest) =
        probe(&bytes, object.size).map_err(|e| context.npy_error(&object.path, e))?
    {
        let more =
            local::read_prefix(&mut handle, (rest.end - rest.start) as usize).map_err(io_err)?;
        stats.received(more.len());
        bytes.extend_from_slice(&more);
    }
    finish(&bytes, object.size).map_err(|e| context.npy_error(&object.path, e))
}

impl Store {
    /// Reads `range` of the object at `path` (store-relative) with one ranged request.
    pub async fn read_range(&self, path: &str, range: Range<u64>) -> Result<Bytes, StoreError> {
        match &self.source {
            Source::Local { root } => {
                let file = self.file(root, path)?;
                let stats = Arc::clone(&self.stats);
                let read = tokio::task::spawn_blocking(move || -> std::io::Result<Vec<u8>> {
                    use std::io::{Seek, SeekFrom};
                    let _guard = stats.begin();
                    let mut handle = std::fs::File::open(file)?;
                    handle.seek(SeekFrom::Start(range.start))?;
                    let bytes =
                        local::read_prefix(&mut handle, (range.end - range.start) as usize)?;
                    stats.received(bytes.len());
                    Ok(bytes)
                })
                .await
                .map_err(std::io::Error::other)
                .and_then(|r| r)
                .map_err(|e| self.context.io_error("read", path, e))?;
                Ok(Bytes::from(read))
            }
            Source::Remote { client, root, .. } => {
                let key = self.key(root, path)?;
                let _guard = self.stats.begin();
                let bytes = client
                    .get_range(&key, range)
                    .await
                    .map_err(|e| self.context.remote_error("read", path, e))?;
                self.stats.received(bytes.len());
                Ok(bytes)
            }
        }
    }

    /// What a listed object is and, for an array, its metadata: a `.npy` (by its name) through
    /// [`read_npy_header`](Self::read_npy_header); anything else by its first bytes (a DataJoint
    /// blob's header, inflating only the start of a compressed one; an attachment; raw bytes).
    pub async fn read_object_header(
        &self,
        object: &ObjectInfo,
    ) -> (Format, Result<ArrayMeta, StoreError>) {
        if is_npy(&object.path) {
            return (Format::Npy, self.read_npy_header(object).await);
        }
        if object.size == 0 {
            let Classified::Known(format, meta) = classify(&[], 0) else {
                return self.context.endless_header(&object.path, 0);
            };
            return self.context.classified(&object.path, format, meta);
        }
        let mut len = probe_len(object.size);
        for _ in 0..MAX_BLOB_READS {
            let bytes = match self.read_range(&object.path, 0..len).await {
                Ok(bytes) => bytes,
                Err(err) => return (Format::Raw, Err(err)),
            };
            match classify(&bytes, object.size) {
                Classified::Known(format, meta) => {
                    return self.context.classified(&object.path, format, meta);
                }
                Classified::ReadMore(n) if n > bytes.len() as u64 => len = n,
                Classified::ReadMore(_) => break,
            }
        }
        self.context.endless_header(&object.path, len as usize)
    }

    /// A local object's listing info ([`Store::head`]) and header ([`Store::read_header`]) on one
    /// blocking thread: opening a local array hands work to another thread once instead of twice
    /// (each hand-off is a thread wake-up). `None` for a remote store.
    pub async fn head_and_header(
        self: &Arc<Self>,
        path: &str,
    ) -> Option<Result<(ObjectInfo, Format, ArrayMeta), StoreError>> {
        let Source::Local { root } = &self.source else {
            return None;
        };
        let file = match self.file(root, path) {
            Ok(file) => file,
            Err(err) => return Some(Err(err)),
        };
        let store = Arc::clone(self);
        let asked = path.to_string();
        let read = tokio::task::spawn_blocking(move || {
            let object = super::listing::local_head(&store.context, &file, &asked)?;
            let (format, header) = local_header(&store.context, &store.stats, &file, None, &object);
            Ok((object, format, header?))
        })
        .await;
        Some(read.unwrap_or_else(|err| {
            Err(self
                .context
                .io_error("read", path, std::io::Error::other(err)))
        }))
    }

    /// The format and array metadata of a listed object; an object that holds no array is an
    /// error saying what it holds.
    pub async fn read_header(
        &self,
        object: &ObjectInfo,
    ) -> Result<(Format, ArrayMeta), StoreError> {
        let (format, meta) = self.read_object_header(object).await;
        Ok((format, meta?))
    }

    /// Parses the header of a listed `.npy` object, reading only the header's bytes: a first read of
    /// [`npy::MIN_PROBE_BYTES`] (clamped to the object's size), a second one only when the
    /// header is longer, never more than [`npy::MAX_HEADER_BYTES`].
    pub async fn read_npy_header(&self, object: &ObjectInfo) -> Result<ArrayMeta, StoreError> {
        let context = &self.context;
        if object.size == 0 {
            return Err(context.empty(&object.path));
        }
        let npy_err = |e| context.npy_error(&object.path, e);
        let first = self
            .read_range(&object.path, 0..probe_len(object.size))
            .await?;
        match probe(&first, object.size).map_err(npy_err)? {
            Probe::Complete => finish(&first, object.size).map_err(npy_err),
            Probe::ReadMore(rest) => {
                let more = self.read_range(&object.path, rest).await?;
                let mut whole = Vec::with_capacity(first.len() + more.len());
                whole.extend_from_slice(&first);
                whole.extend_from_slice(&more);
                finish(&whole, object.size).map_err(npy_err)
            }
        }
    }

    /// The listing entry of one object: its header (or why it could not be read) and its
    /// DataJoint parts.
    pub async fn entry(&self, object: ObjectInfo) -> Entry {
        let (format, meta) = self.read_object_header(&object).await;
        Entry::read(self.spec(), object, format, meta)
    }

    /// Entries of a batch of local files, read on a blocking thread.
    async fn local_entries(self: Arc<Self>, root: PathBuf, objects: Vec<ObjectInfo>) -> Vec<Entry> {
        let store = Arc::clone(&self);
        let batch = objects.clone();
        let read = tokio::task::spawn_blocking(move || {
            batch
                .into_iter()
                .map(|object| {
                    let (format, meta) = match local::resolve(&root, &object.path) {
                        Some(file) => {
                            local_header(&store.context, &store.stats, &file, None, &object)
                        }
                        None => (
                            Format::Raw,
                            Err(store.context.invalid_path(&object.path, "not a store path")),
                        ),
                    };
                    Entry::read(store.spec(), object, format, meta)
                })
                .collect::<Vec<_>>()
        })
        .await;
        match read {
            Ok(entries) => entries,
            // The blocking task died (it should not): report every object of the batch.
            Err(err) => objects
                .into_iter()
                .map(|object| {
                    let meta = Err(self.context.io_error(
                        "read",
                        &object.path,
                        std::io::Error::other(err.to_string()),
                    ));
                    Entry::new(self.spec(), object, meta)
                })
                .collect(),
        }
    }
}

impl Store {
    /// Every listed object below `prefix` with its header, in path order: the walk and the
    /// header reads of [`entries`] in one. On a local store both happen in one parallel pass
    /// over the folders ([`scan_local`](Self::scan_local)). A listing error ends the stream
    /// with that error.
    pub fn scan(self: &Arc<Self>, prefix: &str) -> BoxStream<'static, Result<Entry, StoreError>> {
        match &self.source {
            Source::Local { .. } => {
                let store = Arc::clone(self);
                let prefix = prefix.to_string();
                futures::stream::once(async move {
                    match store.scan_local(&prefix, |entry| entry).await {
                        Some(scanned) => scanned,
                        None => Ok(Vec::new()),
                    }
                })
                .map_ok(|entries| futures::stream::iter(entries.into_iter().map(Ok)))
                .try_flatten()
                .boxed()
            }
            Source::Remote { .. } => entries(Arc::clone(self), self.walk_stream(prefix)).boxed(),
        }
    }

    /// On a local store, every listed object below `prefix` turned into a `T` by `map`, in
    /// path order: walk, open, read, parse and `map` (e.g. formatting the output row) all run
    /// on rayon's threads, each file on the thread that found it, so nothing between the
    /// folders and the result is single-threaded. `None` for a remote store (use
    /// [`scan`](Self::scan)). The folder of `prefix` itself must be readable; a file that
    /// cannot be read is an entry with its error.
    pub async fn scan_local<T, F>(
        self: &Arc<Self>,
        prefix: &str,
        map: F,
    ) -> Option<Result<Vec<T>, StoreError>>
    where
        T: Send + 'static,
        F: Fn(Entry) -> T + Send + Sync + 'static,
    {
        let Source::Local { root } = &self.source else {
            return None;
        };
        let dir = match self.file(root, prefix) {
            Ok(dir) => dir,
            Err(err) => return Some(Err(err)),
        };
        let relative = prefix.trim_matches('/').to_string();
        let store = Arc::clone(self);
        let scanned = tokio::task::spawn_blocking(move || {
            let hash = store.spec().layout.hash_prefix.clone();
            local::walk_map(&dir, &relative, &hash, &|found, info| {
                let (format, meta) =
                    local_header(&store.context, &store.stats, found.path, found.file, &info);
                map(Entry::read(store.spec(), info, format, meta))
            })
        })
        .await
        .map_err(std::io::Error::other)
        .and_then(|r| r)
        .map_err(|err| self.context.io_error("list", prefix.trim_matches('/'), err));
        Some(scanned)
    }
}

/// Reads the headers of the listed `objects` and yields their entries in listing order, each
/// as soon as it and those before it are ready: [`HEADER_CONCURRENCY`] requests in flight on a
/// remote store, batches on blocking threads for a local one. A listing error ends the stream
/// with that error; a broken object is an entry with its error.
pub fn entries(
    store: Arc<Store>,
    objects: impl Stream<Item = Result<ObjectInfo, StoreError>> + Send + 'static,
) -> impl Stream<Item = Result<Entry, StoreError>> + Send {
    match &store.source {
        Source::Local { root } => {
            let root = root.clone();
            let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
            objects
                .try_ready_chunks(LOCAL_BATCH)
                .map_err(|err| err.1)
                .map_ok(move |batch| {
                    let read = Arc::clone(&store).local_entries(root.clone(), batch);
                    async move { Ok(read.await) }
                })
                .try_buffered(threads * 2)
                .map_ok(|batch| futures::stream::iter(batch.into_iter().map(Ok)))
                .try_flatten()
                .boxed()
        }
        Source::Remote { .. } => objects
            .map_ok(move |object| {
                let store = Arc::clone(&store);
                async move { Ok(store.entry(object).await) }
            })
            .try_buffered(HEADER_CONCURRENCY)
            .boxed(),
    }
}
