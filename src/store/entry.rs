//! One row of a listing: an object, its parsed header or the reason it has none, and its
//! DataJoint parts. Also the `--json` record of that row.

use serde_json::{Value, json};

use super::layout::{DjPath, parse_datajoint_path};
use super::{ObjectInfo, StoreError};
use crate::config::StoreSpec;
use crate::npy::ArrayMeta;

/// A listed `.npy` object with what its header says.
#[derive(Debug)]
pub struct Entry {
    /// Name of the store the object is in.
    pub store: String,
    /// The object as listed.
    pub object: ObjectInfo,
    /// The parsed header, or why it could not be read. A broken object is a row, not a failure.
    pub meta: Result<ArrayMeta, StoreError>,
    /// Schema, table, key, attribute and token when the path follows DataJoint's layout.
    pub datajoint: Option<DjPath>,
}

impl Entry {
    /// Builds the entry of `object`, parsing its path with the store's layout settings.
    pub fn new(spec: &StoreSpec, object: ObjectInfo, meta: Result<ArrayMeta, StoreError>) -> Entry {
        let datajoint = parse_datajoint_path(&object.path, &spec.layout);
        Entry {
            store: spec.name.clone(),
            object,
            meta,
            datajoint,
        }
    }

    /// The `--json` record: exactly the documented fields; on error the metadata fields are null.
    pub fn to_json(&self) -> Value {
        let datajoint = self.datajoint.as_ref().map_or(Value::Null, DjPath::to_json);
        match &self.meta {
            Ok(meta) => json!({
                "store": self.store,
                "path": self.object.path,
                "object_size": self.object.size,
                "shape": meta.shape,
                "dtype": meta.dtype.descr_json(),
                "fortran_order": meta.fortran_order,
                "ndim": meta.ndim(),
                "size": meta.size,
                "itemsize": meta.itemsize,
                "nbytes": meta.nbytes,
                "format_version": [meta.format_version.0, meta.format_version.1],
                "data_offset": meta.data_offset,
                "datajoint": datajoint,
                "error": null,
            }),
            Err(err) => json!({
                "store": self.store,
                "path": self.object.path,
                "object_size": self.object.size,
                "shape": null,
                "dtype": null,
                "fortran_order": null,
                "ndim": null,
                "size": null,
                "itemsize": null,
                "nbytes": null,
                "format_version": null,
                "data_offset": null,
                "datajoint": datajoint,
                "error": err.to_string(),
            }),
        }
    }
}
