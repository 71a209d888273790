//! One row of a listing: an object, its parsed header or the reason it has none, and its
//! DataJoint parts. Also the `--json` record of that row.

use serde::Serialize;
use serde_json::Value;

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
    pub fn record(&self) -> Record<'_> {
        let meta = self.meta.as_ref().ok();
        Record {
            store: &self.store,
            path: &self.object.path,
            object_size: self.object.size,
            shape: meta.map(|m| m.shape.as_slice()),
            dtype: meta.map(|m| m.dtype.descr_json()),
            fortran_order: meta.map(|m| m.fortran_order),
            ndim: meta.map(ArrayMeta::ndim),
            size: meta.map(|m| m.size),
            itemsize: meta.map(|m| m.itemsize),
            nbytes: meta.map(|m| m.nbytes),
            format_version: meta.map(|m| [m.format_version.0, m.format_version.1]),
            data_offset: meta.map(|m| m.data_offset),
            datajoint: self.datajoint.as_ref().map(|dj| DataJointRecord {
                schema: &dj.schema,
                table: &dj.table,
                key: KeyRecord(&dj.key),
                attribute: &dj.attribute,
                token: &dj.token,
            }),
            error: self.meta.as_ref().err().map(ToString::to_string),
        }
    }

    /// The `--json` record as a JSON value.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self.record()).unwrap_or(Value::Null)
    }
}

/// One line of `ls --json`: the fields, in this order, that scripts rely on.
#[derive(Debug, Serialize)]
pub struct Record<'a> {
    store: &'a str,
    path: &'a str,
    object_size: u64,
    shape: Option<&'a [u64]>,
    dtype: Option<Value>,
    fortran_order: Option<bool>,
    ndim: Option<usize>,
    size: Option<u64>,
    itemsize: Option<u64>,
    nbytes: Option<u64>,
    format_version: Option<[u8; 2]>,
    data_offset: Option<u64>,
    datajoint: Option<DataJointRecord<'a>>,
    error: Option<String>,
}

/// The `datajoint` field of a record.
#[derive(Debug, Serialize)]
struct DataJointRecord<'a> {
    schema: &'a str,
    table: &'a str,
    key: KeyRecord<'a>,
    attribute: &'a str,
    token: &'a str,
}

/// Key attributes as a JSON object, in path order.
#[derive(Debug)]
struct KeyRecord<'a>(&'a [(String, String)]);

impl Serialize for KeyRecord<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}
