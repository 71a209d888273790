//! One row of a listing: an object, its parsed header or the reason it has none, and its
//! DataJoint parts. Also the `--json` record of that row.

use serde::Serialize;
use serde_json::Value;

use super::format::Format;
use super::layout::{DjPath, parse_datajoint_path};
use super::{ObjectInfo, StoreError};
use crate::config::StoreSpec;
use crate::npy::ArrayMeta;

/// A listed object (a `.npy`, or a `_hash` object: blob, attachment, raw) with what its header says.
#[derive(Debug)]
pub struct Entry {
    /// Name of the store the object is in.
    pub store: String,
    /// The object as listed.
    pub object: ObjectInfo,
    /// What kind of bytes the object holds.
    pub format: Format,
    /// The parsed header, or why it could not be read. A broken object is a row, not a failure.
    pub meta: Result<ArrayMeta, StoreError>,
    /// Schema, table, key, attribute and token when the path follows DataJoint's layout.
    pub datajoint: Option<DjPath>,
}

impl Entry {
    /// Builds the entry of a `.npy` `object`, parsing its path with the store's layout settings.
    pub fn new(spec: &StoreSpec, object: ObjectInfo, meta: Result<ArrayMeta, StoreError>) -> Entry {
        Entry::read(spec, object, Format::Npy, meta)
    }

    /// Builds the entry of an object of any [`Format`].
    pub fn read(
        spec: &StoreSpec,
        object: ObjectInfo,
        format: Format,
        meta: Result<ArrayMeta, StoreError>,
    ) -> Entry {
        let datajoint = parse_datajoint_path(&object.path, &spec.layout);
        Entry {
            store: spec.name.clone(),
            object,
            format,
            meta,
            datajoint,
        }
    }

    /// What the row shows when it holds no array and that is no fault: an attachment's name
    /// and size, or raw bytes. `None` for arrays and for broken objects.
    pub fn not_an_array(&self) -> Option<String> {
        match (&self.format, &self.meta) {
            (Format::Attach { name, size }, Err(StoreError::NotArray { .. })) => {
                Some(format!("attachment {name} · {size} B"))
            }
            (Format::Raw, Err(StoreError::NotArray { .. })) => Some("raw bytes".to_string()),
            (Format::Blob(Some(header)), Err(StoreError::NotArray { .. })) => {
                Some(format!("blob · {}", header.kind.name()))
            }
            _ => None,
        }
    }

    /// The `--json` record: exactly the documented fields; on error the metadata fields are null.
    pub fn record(&self) -> Record<'_> {
        let meta = self.meta.as_ref().ok();
        let npy = matches!(self.format, Format::Npy);
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
            format_version: meta
                .filter(|_| npy)
                .map(|m| [m.format_version.0, m.format_version.1]),
            data_offset: meta.filter(|_| npy).map(|m| m.data_offset),
            format: self.format.name(),
            attach_name: match &self.format {
                Format::Attach { name, .. } => Some(name),
                _ => None,
            },
            datajoint: self.datajoint.as_ref().map(|dj| DataJointRecord {
                schema: &dj.schema,
                table: &dj.table,
                key: KeyRecord(&dj.key),
                attribute: &dj.attribute,
                token: &dj.token,
            }),
            // An object that holds no array (an attachment, raw bytes, a blob of a dict) is no error.
            error: self
                .meta
                .as_ref()
                .err()
                .filter(|e| !matches!(e, StoreError::NotArray { .. }))
                .map(ToString::to_string),
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
    format: &'static str,
    attach_name: Option<&'a str>,
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
