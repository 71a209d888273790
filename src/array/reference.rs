//! [`ArrayRef`]: a lazy reference to one stored array (a `.npy`, or a DataJoint blob holding an
//! array), the counterpart of DataJoint's `NpyRef`. Metadata needs no I/O once listed; `load`,
//! `mmap` and `read_rows` fetch data on demand. A blob whose stored bytes are numpy's (uncompressed,
//! plain numbers) is read in place like a Fortran-order `.npy`; any other blob is decoded whole
//! ([`super::decoded`]).

use std::ops::Range;
use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};

use super::data::NdArray;
use super::decoded::{self, DecodeError};
use super::error::{ArrayError, to_usize};
use super::mapped::{MapMode, MappedArray};
use super::window::{self, Window};
use crate::cache::{Cache, CacheError, PART_BYTES, PARTS_IN_FLIGHT};
use crate::jobs::{CancellationToken, Progress};
use crate::npy::{ArrayMeta, DType};
use crate::store::{Entry, Format, ObjectInfo, Store, StoreError};

/// Why data could not be had.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// The store failed (not found, access denied, network, object replaced, …).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The download cache failed.
    #[error(transparent)]
    Cache(#[from] CacheError),
    /// The bytes do not make the array the header describes.
    #[error("store \"{store}\": {path}: {cause}")]
    Data {
        /// Store name.
        store: String,
        /// Object path.
        path: String,
        /// What is wrong (part of the message, so not repeated as a source).
        cause: ArrayError,
    },
    /// A DataJoint blob's bytes give no array.
    #[error("store \"{store}\": {path}: {cause}")]
    Decode {
        /// Store name.
        store: String,
        /// Object path.
        path: String,
        /// Why (part of the message).
        cause: DecodeError,
    },
    /// The array's stored bytes cannot be used in place (a compressed or converted blob).
    #[error(
        "store \"{store}\": {path}: cannot be {what}: {why}; load it instead (Load, or `get` without --mmap)"
    )]
    NotInPlace {
        /// Store name.
        store: String,
        /// Object path.
        path: String,
        /// What was asked: "memory-mapped", "read as a byte window".
        what: &'static str,
        /// Why.
        why: &'static str,
    },
    /// A file could not be read or mapped.
    #[error("store \"{store}\": {path}: cannot map {file}: {cause}")]
    Map {
        /// Store name.
        store: String,
        /// Object path.
        path: String,
        /// The local file.
        file: String,
        /// Why (part of the message).
        cause: std::io::Error,
    },
    /// The caller cancelled.
    #[error("store \"{store}\": reading {path} was cancelled")]
    Cancelled {
        /// Store name.
        store: String,
        /// Object path.
        path: String,
    },
}

/// A stored array: where it is, what the listing said of it, its format and its header.
#[derive(Clone, Debug)]
pub struct ArrayRef {
    store: Arc<Store>,
    object: ObjectInfo,
    format: Format,
    meta: ArrayMeta,
}

impl ArrayRef {
    /// Looks the object up and reads its header (two small requests; on a local store both on one
    /// blocking thread).
    pub async fn open(store: Arc<Store>, path: &str) -> Result<ArrayRef, StoreError> {
        if let Some(read) = store.head_and_header(path).await {
            let (object, format, meta) = read?;
            return Ok(ArrayRef {
                store,
                object,
                format,
                meta,
            });
        }
        let object = store.head(path).await?;
        let (format, meta) = store.read_header(&object).await?;
        Ok(ArrayRef {
            store,
            object,
            format,
            meta,
        })
    }

    /// The reference of a listing entry whose header was read; `None` for a broken entry.
    pub fn from_entry(store: Arc<Store>, entry: &Entry) -> Option<ArrayRef> {
        let meta = entry.meta.as_ref().ok()?.clone();
        Some(ArrayRef {
            store,
            object: entry.object.clone(),
            format: entry.format.clone(),
            meta,
        })
    }

    /// How the array is stored: a `.npy` or a DataJoint blob.
    pub fn format(&self) -> &Format {
        &self.format
    }

    /// Whether [`mmap`](Self::mmap) can map the array: a `.npy`, or an uncompressed blob of plain
    /// numbers whose data starts at a multiple of its item size (DataJoint's headers rarely allow it;
    /// other blobs are loaded).
    pub fn can_mmap(&self) -> bool {
        self.mmap_refusal().is_none()
    }

    fn mmap_refusal(&self) -> Option<&'static str> {
        self.format.mmap_refusal(&self.meta)
    }

    /// The store holding the array.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Name of the store (`ref.store` in DataJoint).
    pub fn store_name(&self) -> &str {
        self.store.name()
    }

    /// Path relative to the store's location (`ref.path`).
    pub fn path(&self) -> &str {
        &self.object.path
    }

    /// What the listing said of the object (size, ETag, time).
    pub fn object(&self) -> &ObjectInfo {
        &self.object
    }

    /// The parsed header.
    pub fn meta(&self) -> &ArrayMeta {
        &self.meta
    }

    /// Shape (`ref.shape`).
    pub fn shape(&self) -> &[u64] {
        &self.meta.shape
    }

    /// Dtype (`ref.dtype`).
    pub fn dtype(&self) -> &DType {
        &self.meta.dtype
    }

    /// Number of dimensions (`ref.ndim`).
    pub fn ndim(&self) -> usize {
        self.meta.ndim()
    }

    /// Number of elements (`ref.size`).
    pub fn size(&self) -> u64 {
        self.meta.size
    }

    /// Bytes of data (`ref.nbytes`).
    pub fn nbytes(&self) -> u64 {
        self.meta.nbytes
    }

    /// `true` when the data is on this machine already: a local store's file, or a valid
    /// cached copy of a remote object (no store I/O).
    pub fn is_cached(&self, cache: &Cache) -> bool {
        self.store.is_local() || cache.lookup(&self.store, &self.object).is_some()
    }

    /// The same object as it is now: a fresh listing entry and header (after
    /// [`StoreError::Changed`]).
    pub async fn refresh(&self) -> Result<ArrayRef, StoreError> {
        ArrayRef::open(Arc::clone(&self.store), &self.object.path).await
    }

    fn data_error(&self, cause: ArrayError) -> AccessError {
        AccessError::Data {
            store: self.store_name().to_string(),
            path: self.object.path.clone(),
            cause,
        }
    }

    fn not_in_place(&self, what: &'static str, why: &'static str) -> AccessError {
        AccessError::NotInPlace {
            store: self.store_name().to_string(),
            path: self.object.path.clone(),
            what,
            why,
        }
    }

    fn cancelled(&self) -> AccessError {
        AccessError::Cancelled {
            store: self.store_name().to_string(),
            path: self.object.path.clone(),
        }
    }

    /// Reads an absolute byte range of this version of the object (file layout and byte
    /// order, as stored): parts of [`PART_BYTES`],
    /// [`PARTS_IN_FLIGHT`] at a time, each checked against the listed version.
    pub async fn read_bytes(
        &self,
        range: Range<u64>,
        progress: &Progress,
        cancel: &CancellationToken,
    ) -> Result<Vec<u8>, AccessError> {
        let total = range.end.saturating_sub(range.start);
        progress.set_total_bytes(total);
        self.fetch_bytes(range, progress, cancel).await
    }

    /// [`read_bytes`](Self::read_bytes) without setting the total: bytes are added to
    /// `progress` as they arrive.
    async fn fetch_bytes(
        &self,
        range: Range<u64>,
        progress: &Progress,
        cancel: &CancellationToken,
    ) -> Result<Vec<u8>, AccessError> {
        let total = range.end.saturating_sub(range.start);
        let capacity = usize::try_from(total).map_err(|_| {
            self.data_error(ArrayError::TooBig(format!(
                "{total} bytes do not fit in memory here"
            )))
        })?;
        let mut all = Vec::with_capacity(capacity);
        let parts = window::split_range(range, PART_BYTES);
        self.read_parts(parts, progress, cancel, |_, bytes| {
            all.extend_from_slice(bytes);
            Ok(())
        })
        .await?;
        Ok(all)
    }

    /// Fills `dest` with the bytes of `range` (as many as `dest` holds), each part copied to
    /// its place as it arrives.
    async fn fetch_into(
        &self,
        range: Range<u64>,
        dest: &mut [u8],
        progress: &Progress,
        cancel: &CancellationToken,
    ) -> Result<(), AccessError> {
        let wanted = range.end.saturating_sub(range.start);
        if wanted != dest.len() as u64 {
            return Err(self.data_error(ArrayError::DataLength {
                expected: dest.len() as u64,
                actual: wanted,
            }));
        }
        let start = range.start;
        let parts = window::split_range(range, PART_BYTES);
        self.read_parts(parts, progress, cancel, |part, bytes| {
            // In bounds: every part lies inside `range`, whose length `dest` has.
            let at = (part.start - start) as usize;
            dest[at..at + bytes.len()].copy_from_slice(bytes);
            Ok(())
        })
        .await
    }

    /// Reads `parts` (absolute byte ranges, in order) of this version of the object,
    /// [`PARTS_IN_FLIGHT`] at a time, and hands each to `place` in order as it arrives: only
    /// the parts in flight are held. A part the store returns short is an error, never handed on.
    async fn read_parts(
        &self,
        parts: Vec<Range<u64>>,
        progress: &Progress,
        cancel: &CancellationToken,
        mut place: impl FnMut(Range<u64>, &[u8]) -> Result<(), AccessError>,
    ) -> Result<(), AccessError> {
        let reads = futures::stream::iter(parts)
            .map(|part| async move {
                let bytes = self
                    .store
                    .read_range_reported(&self.object, part.clone(), &|news| progress.on_read(news))
                    .await?;
                Ok::<_, AccessError>((part, bytes))
            })
            .buffered(PARTS_IN_FLIGHT)
            .try_for_each(|(part, bytes)| {
                let expected = part.end - part.start;
                let placed = if bytes.len() as u64 == expected {
                    place(part, &bytes)
                } else {
                    Err(self.data_error(ArrayError::DataLength {
                        expected,
                        actual: bytes.len() as u64,
                    }))
                };
                futures::future::ready(placed)
            });
        tokio::select! {
            biased;
            () = cancel.cancelled() => Err(self.cancelled()),
            read = reads => read,
        }
    }

    /// The bytes of `range`, an array of `dtype` and `shape` as stored, in memory in native C
    /// order. C-order bytes are read straight into the array, so it is never held twice;
    /// Fortran-order ones (2-D and up) are read whole, then transposed into the array.
    async fn fetch_array(
        &self,
        range: Range<u64>,
        (dtype, shape, fortran_order): (&DType, &[u64], bool),
        progress: &Progress,
        cancel: &CancellationToken,
    ) -> Result<NdArray, AccessError> {
        progress.set_total_bytes(range.end.saturating_sub(range.start));
        if fortran_order && shape.len() >= 2 {
            let bytes = self.fetch_bytes(range, progress, cancel).await?;
            let (dtype, shape) = (dtype.clone(), shape.to_vec());
            return self
                .convert(move || NdArray::from_parts(&dtype, true, &shape, &bytes))
                .await;
        }
        let mut filling = NdArray::filling(dtype, shape).map_err(|e| self.data_error(e))?;
        self.fetch_into(range, filling.bytes_mut(), progress, cancel)
            .await?;
        self.convert(move || Ok(filling.finish())).await
    }

    /// The whole array in memory: typed, native byte order, C order (Fortran-order files are
    /// transposed). A valid cached copy is read instead of the store. If the object was
    /// replaced since it was listed, its header is read again and the new version loaded;
    /// bytes of two versions are never mixed.
    pub async fn load(
        &self,
        cache: Option<&Cache>,
        progress: &Progress,
        cancel: &CancellationToken,
    ) -> Result<NdArray, AccessError> {
        match self.load_version(cache, progress, cancel).await {
            Err(AccessError::Store(StoreError::Changed { .. })) => {
                let fresh = self.refresh().await?;
                fresh.load_version(cache, progress, cancel).await
            }
            other => other,
        }
    }

    async fn load_version(
        &self,
        cache: Option<&Cache>,
        progress: &Progress,
        cancel: &CancellationToken,
    ) -> Result<NdArray, AccessError> {
        if !self.format.data_in_place() {
            return self.load_decoded(cache, progress, cancel).await;
        }
        if let Some(cached) = cache.and_then(|c| c.lookup(&self.store, &self.object)) {
            let meta = self.meta.clone();
            let copied = tokio::task::spawn_blocking(move || {
                let mapped = MappedArray::map_cached(cached, meta.clone(), MapMode::ReadOnly)?;
                Ok::<_, std::io::Error>(NdArray::from_npy_data(&meta, mapped.data()))
            })
            .await
            .map_err(|e| self.map_error(std::io::Error::other(e)))?
            .map_err(|source| self.map_error(source))?;
            progress.set_total_bytes(self.meta.nbytes);
            progress.add(self.meta.nbytes);
            return copied.map_err(|e| self.data_error(e));
        }
        if let Some(file) = self.store.local_path(&self.object.path) {
            return self.load_local(file, progress).await;
        }
        let meta = &self.meta;
        let start = meta.data_offset;
        let stored = (&meta.dtype, meta.shape.as_slice(), meta.fortran_order);
        self.fetch_array(start..start + meta.nbytes, stored, progress, cancel)
            .await
    }

    /// A blob that must be decoded: its whole object (from the download cache, the local file,
    /// or the store by ranged reads) decoded off the async workers.
    async fn load_decoded(
        &self,
        cache: Option<&Cache>,
        progress: &Progress,
        cancel: &CancellationToken,
    ) -> Result<NdArray, AccessError> {
        let size = self.object.size;
        let local = cache
            .and_then(|c| c.lookup(&self.store, &self.object))
            .map(|cached| (cached.path().to_path_buf(), Some(cached)))
            .or_else(|| self.store.local_path(&self.object.path).map(|f| (f, None)));
        let bytes = match local {
            Some((file, pin)) => {
                progress.set_total_bytes(size);
                let read = tokio::task::spawn_blocking(move || {
                    let _pin = pin;
                    std::fs::read(file)
                })
                .await
                .map_err(|e| self.map_error(std::io::Error::other(e)))?
                .map_err(|e| self.map_error(e))?;
                if read.len() as u64 != size {
                    return Err(StoreError::Changed {
                        store: self.store_name().to_string(),
                        path: self.object.path.clone(),
                    }
                    .into());
                }
                progress.add(size);
                read
            }
            None => self.read_bytes(0..size, progress, cancel).await?,
        };
        tokio::task::spawn_blocking(move || decoded::blob_array(&bytes))
            .await
            .map_err(|e| self.map_error(std::io::Error::other(e)))?
            .map_err(|cause| AccessError::Decode {
                store: self.store_name().to_string(),
                path: self.object.path.clone(),
                cause,
            })
    }

    /// A local file read straight into the array's buffer with one read when its layout is
    /// already native and C order (as `numpy.load` does), else read and converted.
    async fn load_local(
        &self,
        file: std::path::PathBuf,
        progress: &Progress,
    ) -> Result<NdArray, AccessError> {
        let meta = self.meta.clone();
        progress.set_total_bytes(meta.nbytes);
        let read = tokio::task::spawn_blocking(move || read_local(&file, &meta))
            .await
            .map_err(|e| self.map_error(std::io::Error::other(e)))?
            .map_err(|e| self.map_error(e))?
            .map_err(|e| self.data_error(e))?;
        // The file must still be the version whose header was parsed.
        if self.store.head(&self.object.path).await? != self.object {
            return Err(StoreError::Changed {
                store: self.store_name().to_string(),
                path: self.object.path.clone(),
            }
            .into());
        }
        progress.add(self.meta.nbytes);
        Ok(read)
    }

    /// The contiguous window `rows` along the layout's row axis (axis 0 in C order, the last
    /// axis in Fortran order): one byte range, fetched with ranged requests (several at once
    /// for large windows). Rows past the end are clamped.
    pub async fn read_window(
        &self,
        rows: Range<u64>,
        progress: &Progress,
        cancel: &CancellationToken,
    ) -> Result<(Window, NdArray), AccessError> {
        if !self.format.data_in_place() {
            return Err(self.not_in_place(
                "read as a byte window",
                "its stored bytes must be decoded first (read_rows decodes it)",
            ));
        }
        let window = window::row_window(&self.meta, rows).map_err(|e| self.data_error(e))?;
        let stored = (
            &self.meta.dtype,
            window.shape.as_slice(),
            window.fortran_order,
        );
        let array = self
            .fetch_array(window.byte_range.clone(), stored, progress, cancel)
            .await?;
        Ok((window, array))
    }

    /// Rows `rows` of axis 0, as numpy's `a[A:B]`, reading only their bytes. In C order they
    /// are one contiguous range ([`read_window`](Self::read_window)); in Fortran order each
    /// column holds its own run of those rows, read with one ranged request per run (runs
    /// closer than a part are merged). Rows past the end are clamped.
    pub async fn read_rows(
        &self,
        rows: Range<u64>,
        progress: &Progress,
        cancel: &CancellationToken,
    ) -> Result<(Range<u64>, NdArray), AccessError> {
        if !self.format.data_in_place() {
            let whole = self
                .load_decoded(None, &Progress::new(None), cancel)
                .await?;
            progress.set_total_bytes(self.object.size);
            progress.add(self.object.size);
            return decoded::rows_of(&whole, rows).map_err(|e| self.data_error(e));
        }
        let meta = &self.meta;
        if !meta.fortran_order || meta.ndim() < 2 {
            let (window, array) = self.read_window(rows, progress, cancel).await?;
            return Ok((window.rows, array));
        }
        let n = meta.shape[0];
        let end = rows.end.min(n);
        let start = rows.start.min(end);
        let columns: u64 = meta.shape[1..].iter().product();
        let itemsize = meta.itemsize;
        let run = (end - start) * itemsize;
        let column_bytes = n * itemsize;
        // Fetch the bounding range when runs are dense; else one request per merged run.
        let runs: Vec<Range<u64>> = (0..columns)
            .map(|k| {
                let first = meta.data_offset + k * column_bytes + start * itemsize;
                first..first + run
            })
            .collect();
        if run == 0 {
            let mut shape = meta.shape.clone();
            shape[0] = 0;
            let empty = NdArray::from_parts(&meta.dtype, true, &shape, &[])
                .map_err(|e| self.data_error(e))?;
            return Ok((start..end, empty));
        }
        // No overflow: the window is at most the whole array, whose byte count was checked.
        let window_bytes =
            to_usize(run * columns, "the window's bytes").map_err(|e| self.data_error(e))?;
        // The runs of the window, column after column (Fortran order), each copied out of the
        // parts that hold it as they arrive; bytes between close runs are read and dropped.
        let merged = merge_runs(&runs, PART_BYTES);
        progress.set_total_bytes(merged.iter().map(|r| r.end - r.start).sum());
        let parts: Vec<Range<u64>> = merged
            .into_iter()
            .flat_map(|range| window::split_range(range, PART_BYTES))
            .collect();
        let mut bytes = vec![0u8; window_bytes];
        let mut copied = 0usize;
        let mut first = 0;
        self.read_parts(parts, progress, cancel, |part, data| {
            while runs.get(first).is_some_and(|r| r.end <= part.start) {
                first += 1;
            }
            for (k, wanted) in runs.iter().enumerate().skip(first) {
                if wanted.start >= part.end {
                    break;
                }
                let from = wanted.start.max(part.start);
                let to = wanted.end.min(part.end);
                // In bounds: `from..to` lies in both the part and column k's run.
                let at = k * run as usize + (from - wanted.start) as usize;
                let len = (to - from) as usize;
                let src = (from - part.start) as usize;
                bytes[at..at + len].copy_from_slice(&data[src..src + len]);
                copied += len;
            }
            Ok(())
        })
        .await?;
        if copied != window_bytes {
            return Err(self.data_error(ArrayError::DataLength {
                expected: window_bytes as u64,
                actual: copied as u64,
            }));
        }
        let mut shape = meta.shape.clone();
        shape[0] = end - start;
        let dtype = meta.dtype.clone();
        let array = self
            .convert(move || NdArray::from_parts(&dtype, true, &shape, &bytes))
            .await?;
        Ok((start..end, array))
    }

    /// The array memory-mapped: a local store's own file in place (no copy, no download: the
    /// cost does not depend on the file's size), or for a remote store a cached copy,
    /// downloaded first when needed. Read-only or copy-on-write; never read-write.
    pub async fn mmap(
        &self,
        mode: MapMode,
        cache: &Cache,
        progress: &Progress,
        cancel: &CancellationToken,
    ) -> Result<MappedArray, AccessError> {
        if let Some(why) = self.mmap_refusal() {
            return Err(self.not_in_place("memory-mapped", why));
        }
        if let Some(file) = self.store.local_path(&self.object.path) {
            let meta = self.meta.clone();
            let mapped = tokio::task::spawn_blocking(move || MappedArray::map(&file, meta, mode))
                .await
                .map_err(|e| self.map_error(std::io::Error::other(e)))?;
            return mapped.map_err(|source| self.map_error(source));
        }
        let mut current = self.clone();
        let cached = match cache
            .fetch(&self.store, &self.object, progress, cancel)
            .await
        {
            Err(err) if err.is_changed() => {
                current = self.refresh().await?;
                cache
                    .fetch(&current.store, &current.object, progress, cancel)
                    .await?
            }
            other => other?,
        };
        let meta = current.meta.clone();
        tokio::task::spawn_blocking(move || MappedArray::map_cached(cached, meta, mode))
            .await
            .map_err(|e| current.map_error(std::io::Error::other(e)))?
            .map_err(|source| current.map_error(source))
    }

    /// Runs a byte conversion (a copy of the whole array) off the async workers.
    async fn convert(
        &self,
        work: impl FnOnce() -> Result<NdArray, ArrayError> + Send + 'static,
    ) -> Result<NdArray, AccessError> {
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| self.map_error(std::io::Error::other(e)))?
            .map_err(|e| self.data_error(e))
    }

    fn map_error(&self, cause: std::io::Error) -> AccessError {
        AccessError::Map {
            store: self.store_name().to_string(),
            path: self.object.path.clone(),
            file: self.store.local_path(&self.object.path).map_or_else(
                || "the cached copy".to_string(),
                |p| p.display().to_string(),
            ),
            cause,
        }
    }
}

/// Reads a local `.npy`'s data (blocking), on all cores: C order straight into the array's own
/// buffer (bytes swapped there when the file's byte order is not native); Fortran order into a
/// buffer of its size, then transposed into the array.
fn read_local(
    file: &std::path::Path,
    meta: &ArrayMeta,
) -> std::io::Result<Result<NdArray, ArrayError>> {
    let handle = std::fs::File::open(file)?;
    if !meta.fortran_order || meta.ndim() < 2 {
        let mut filling = match NdArray::filling(&meta.dtype, &meta.shape) {
            Ok(filling) => filling,
            Err(e) => return Ok(Err(e)),
        };
        read_parallel(&handle, meta.data_offset, filling.bytes_mut())?;
        return Ok(Ok(filling.finish()));
    }
    let len = match to_usize(meta.nbytes, "the array's bytes") {
        Ok(len) => len,
        Err(e) => return Ok(Err(e)),
    };
    let mut bytes = vec![0u8; len];
    super::data::advise_huge_pages(&bytes);
    read_parallel(&handle, meta.data_offset, &mut bytes)?;
    Ok(NdArray::from_npy_data(meta, &bytes))
}

/// Fills `buf` from `file` at `offset`, one thread per core for large reads: copying from the
/// page cache and faulting in fresh pages go faster side by side than on one core.
fn read_parallel(file: &std::fs::File, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
    const MIN_PER_THREAD: usize = 64 << 20;
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(buf.len() / MIN_PER_THREAD)
        .max(1);
    let chunk = buf.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = buf
            .chunks_mut(chunk)
            .enumerate()
            .map(|(i, part)| {
                let at = offset + (i * chunk) as u64;
                scope.spawn(move || read_exact_at(file, part, at))
            })
            .collect();
        workers.into_iter().try_for_each(|w| {
            w.join()
                .unwrap_or_else(|_| Err(std::io::Error::other("a reader thread stopped")))
        })
    })
}

#[cfg(unix)]
fn read_exact_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(not(unix))]
fn read_exact_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = file.try_clone()?;
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buf)
}

/// Merges sorted byte runs whose gaps are smaller than `max_gap` into larger ranges.
fn merge_runs(runs: &[Range<u64>], max_gap: u64) -> Vec<Range<u64>> {
    let mut merged: Vec<Range<u64>> = Vec::new();
    for run in runs.iter().filter(|r| r.start < r.end) {
        match merged.last_mut() {
            Some(last) if run.start.saturating_sub(last.end) < max_gap => {
                last.end = last.end.max(run.end)
            }
            _ => merged.push(run.clone()),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::merge_runs;

    #[test]
    fn runs_merge_across_small_gaps() {
        assert_eq!(
            merge_runs(&[0..10, 12..20, 100..110], 5),
            vec![0..20, 100..110]
        );
        assert_eq!(merge_runs(&[0..10, 10..10, 50..60], 100), vec![0..60]);
        assert!(merge_runs(&[], 5).is_empty());
    }
}
