//! The contents room: what a DataJoint blob holds when it is not one array (a struct, a cell,
//! a dict, a list, a record…), decoded in the background from a store object or a database
//! cell and shown as a tree in the details panel ([`super::contents_ui`]); its numeric arrays
//! can be plotted. One blob is shown at a time: the one selected.

use std::sync::Arc;

use bytes::Bytes;
use futures::future::BoxFuture;

use super::requests::{JobRow, Request, cancel_if, flatten, take_done};
use super::room::Cx;
use crate::array::NdArray;
use crate::blob::{self, BlobValue, DecodeOptions};
use crate::store::{Entry, Format, ObjectInfo, Store, StoreError};

/// Reads a blob's whole bytes (`None`: a NULL cell).
pub(crate) type ReadBytes = BoxFuture<'static, Result<Option<Vec<u8>>, String>>;

/// Where a blob's bytes come from.
pub(crate) enum ContentsSource {
    /// A blob object in a store, read whole.
    Object {
        /// Its store.
        store: Arc<Store>,
        /// The object as listed.
        object: ObjectInfo,
    },
    /// Bytes read by this future (a database cell's, `None` for NULL; a `<blob@>` cell's object).
    Read(ReadBytes),
}

/// A blob whose contents are wanted: what names it, and where its bytes are.
pub(crate) struct Wanted {
    /// Names the blob (`store:path`, or the cell's table, key and attribute); also the plot's title.
    pub key: String,
    /// Where its bytes are.
    pub source: ContentsSource,
}

/// The key of a store object's contents: `store:path`.
pub(crate) fn object_key(store: &str, path: &str) -> String {
    format!("{store}:{path}")
}

/// Whether a listed object is a DataJoint blob that holds something other than one array (not
/// an array, an attachment, raw bytes or a broken object).
pub(crate) fn holds_contents(entry: &Entry) -> bool {
    matches!(
        (&entry.format, &entry.meta),
        (Format::Blob(Some(_)), Err(StoreError::NotArray { .. }))
    )
}

/// The contents wanted for a listed object of `store` that [`holds_contents`].
pub(crate) fn object_wanted(store: &Arc<Store>, entry: &Entry) -> Option<Wanted> {
    if !holds_contents(entry) {
        return None;
    }
    Some(Wanted {
        key: object_key(store.name(), &entry.object.path),
        source: ContentsSource::Object {
            store: Arc::clone(store),
            object: entry.object.clone(),
        },
    })
}

/// The contents room's state; see the [module documentation](self).
#[derive(Default)]
pub(crate) struct ContentsRoom {
    /// Reads and decodes the wanted blob.
    job: Option<Request<String, Result<Arc<BlobValue>, String>>>,
    /// The blob last decoded (or why it could not be), by key.
    pub(crate) shown: Option<(String, Result<Arc<BlobValue>, String>)>,
}

impl ContentsRoom {
    /// Whether the blob named `key` is decoded, being decoded, or failed.
    pub(crate) fn has(&self, key: &str) -> bool {
        self.shown.as_ref().is_some_and(|(k, _)| k == key)
            || self.job.as_ref().is_some_and(|j| j.key == key)
    }

    /// Whether the blob named `key` is being read.
    pub(crate) fn is_reading(&self, key: &str) -> bool {
        self.job.as_ref().is_some_and(|j| j.key == key)
    }

    /// Reads and decodes `wanted` in the background unless it is already (the job before is
    /// dropped: one blob is shown at a time).
    pub(crate) fn want(&mut self, cx: &mut Cx<'_>, wanted: Wanted) {
        if self.has(&wanted.key) {
            return;
        }
        let Wanted { key, source } = wanted;
        let label = format!("Reading the contents of {key}");
        let job = cx.jobs().spawn(label, move |progress, _| async move {
            let bytes = match source {
                ContentsSource::Object { store, object } => {
                    progress.set_total_bytes(object.size);
                    let bytes = store
                        .read_range_of(&object, 0..object.size)
                        .await
                        .map_err(|e| e.to_string())?;
                    progress.add(object.size);
                    bytes
                }
                ContentsSource::Read(read) => match read.await? {
                    Some(bytes) => Bytes::from(bytes),
                    None => return Ok(Arc::new(BlobValue::None)),
                },
            };
            let decoded = tokio::task::spawn_blocking(move || {
                blob::decode_shared(bytes, &DecodeOptions::default())
            })
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
            Ok(Arc::new(decoded.value))
        });
        self.job = Some(Request::new(key, job));
    }

    /// Takes the decoded blob when its job ends.
    pub(crate) fn poll(&mut self) {
        if let Some((key, outcome)) = take_done(&mut self.job) {
            self.shown = Some((key, flatten(outcome)));
        }
    }

    /// The numeric array at `path` in the blob named `key`, in memory for the plot, with the
    /// name the plot shows (`key/path`).
    pub(crate) fn array(&self, key: &str, path: &[String]) -> Result<(String, NdArray), String> {
        let value = match &self.shown {
            Some((k, Ok(value))) if k == key => value,
            _ => return Err(format!("the contents of {key} are gone; select it again")),
        };
        let array = value
            .array_at(path)
            .ok_or_else(|| format!("{key}: no array at {}", path.join("/")))?;
        let array = array.to_ndarray().map_err(|e| format!("{key}: {e}"))?;
        let name = if path.is_empty() {
            key.to_string()
        } else {
            format!("{key}/{}", path.join("/"))
        };
        Ok((name, array))
    }

    /// This room's running job, for the jobs bar.
    pub(crate) fn job_rows(&self) -> Vec<JobRow> {
        self.job.iter().map(JobRow::of).collect()
    }

    /// Cancels the job numbered `id` if it is this room's.
    pub(crate) fn cancel(&mut self, id: u64) {
        cancel_if(self.job.as_ref(), id);
    }
}
