//! One cell of a DataJoint table, decoded from what the server sent: numbers, text, dates
//! (ISO 8601), JSON, in-table bytes (length and first bytes), and the codecs' JSON
//! (`<npy@>` with shape and dtype, `<blob@>`/`<attach@>`/`<hash@>` with hash path and size,
//! `<object@>`/`<filepath@>` with path and size).

use serde_json::Value;

use super::catalog::{Codec, ValueKind};
use crate::npy::{DType, dtype_from_numpy_name};

/// Bytes of an in-table blob fetched with its row: enough for a blob's array header, also of a
/// compressed one whose zlib stream starts with a long Huffman table (typically 120-180 bytes).
pub const BYTES_HEAD: usize = 1024;

/// What a blob's header says of the array it holds: shape and numpy dtype.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobShape {
    /// The shape; empty for 0-d.
    pub shape: Vec<u64>,
    /// numpy's dtype of the decoded array.
    pub dtype: DType,
}

impl BlobShape {
    /// The shape and dtype of the array a blob holds, from its first bytes (`len` is the whole
    /// blob's length); `None` when the blob holds something else or its first bytes are not enough.
    pub fn from_head(head: &[u8], len: u64) -> Option<BlobShape> {
        match crate::blob::read_header(head, Some(len)).ok()?.kind {
            crate::blob::BlobKind::Array(array) => Some(BlobShape {
                shape: array.shape,
                dtype: array.dtype,
            }),
            _ => None,
        }
    }

    fn text(&self) -> String {
        format!(
            "{} \u{b7} {}",
            shape_text(&self.shape),
            self.dtype.display_name()
        )
    }
}

/// `(n,)`, `(a, b)`, `()` as numpy prints shapes.
fn shape_text(shape: &[u64]) -> String {
    let parts: Vec<String> = shape.iter().map(u64::to_string).collect();
    if parts.len() == 1 {
        format!("({},)", parts[0])
    } else {
        format!("({})", parts.join(", "))
    }
}

/// An `<npy@store>` cell: what the database knows of the `.npy` file.
#[derive(Clone, Debug, PartialEq)]
pub struct NpyCell {
    /// The store named in the cell; `None` for the configured default store (null, empty or
    /// missing in the JSON).
    pub store: Option<String>,
    /// The file's path relative to the store.
    pub path: String,
    /// The array's shape.
    pub shape: Vec<u64>,
    /// numpy's dtype name as DataJoint wrote it (`float32`, `<U5`).
    pub dtype_name: String,
    /// The dtype, or why the name is not one npyscope knows.
    pub dtype: Result<DType, String>,
}

impl NpyCell {
    /// The array's size in bytes (`None` when the dtype is unknown or it overflows).
    pub fn nbytes(&self) -> Option<u64> {
        let itemsize = self.dtype.as_ref().ok()?.checked_itemsize()?;
        self.shape
            .iter()
            .try_fold(itemsize, |acc, &d| acc.checked_mul(d))
    }
}

/// A cell of a codec that keeps its bytes in a store (`<blob@>`, `<attach@>`, `<hash@>`,
/// `<object@>`, `<filepath@>`).
#[derive(Clone, Debug, PartialEq)]
pub struct StoredCell {
    /// The codec's name.
    pub codec: String,
    /// The store; `None` for the default store.
    pub store: Option<String>,
    /// The object's path relative to the store.
    pub path: Option<String>,
    /// Its size in bytes.
    pub size: Option<u64>,
    /// `<object@>`: a folder rather than a file.
    pub is_dir: bool,
    /// `<blob@>`: the array's shape and dtype, once the object's first bytes were read
    /// ([`crate::db::read_blob_headers`]).
    pub array: Option<BlobShape>,
}

/// A decoded cell.
#[derive(Clone, Debug, PartialEq)]
pub enum CellValue {
    /// SQL NULL.
    Null,
    /// A whole number.
    Int(i64),
    /// A whole number above `i64::MAX`.
    UInt(u64),
    /// A floating-point number.
    Float(f64),
    /// An exact decimal, as the server wrote it.
    Decimal(String),
    /// A boolean.
    Bool(bool),
    /// Text (also enums and UUIDs).
    Text(String),
    /// A date, `YYYY-MM-DD`.
    Date(String),
    /// A date and time, ISO 8601 (`YYYY-MM-DDTHH:MM:SS[.ffffff]`).
    DateTime(String),
    /// A time of day or duration.
    Time(String),
    /// A JSON attribute.
    Json(Value),
    /// Bytes kept in the table (`<blob>`, `<attach>`, or a native blob column).
    InTable {
        /// The codec (`blob`, `attach`), or `None` for a column DataJoint did not type.
        codec: Option<String>,
        /// The cell's length in bytes.
        len: u64,
        /// Its first bytes (at most [`BYTES_HEAD`]).
        head: Vec<u8>,
        /// A `<blob>` holding an array: its shape and dtype, from the first bytes.
        array: Option<BlobShape>,
    },
    /// An `<npy@>` cell.
    Npy(NpyCell),
    /// A codec cell whose bytes live in a store.
    Stored(StoredCell),
    /// A value that cannot be read as its type says, with why.
    Invalid(String),
}

impl CellValue {
    /// The number a numeric cell holds (a decimal as parsed); `None` for any other value.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            CellValue::Int(v) => Some(*v as f64),
            CellValue::UInt(v) => Some(*v as f64),
            CellValue::Float(v) => Some(*v),
            CellValue::Decimal(text) => text.trim().parse().ok(),
            _ => None,
        }
    }

    /// Whether the cell holds an array: `<npy@>`, or a blob whose header says so.
    pub fn holds_array(&self) -> bool {
        match self {
            CellValue::Npy(_) => true,
            CellValue::Stored(cell) => cell.array.is_some(),
            CellValue::InTable { array, .. } => array.is_some(),
            _ => false,
        }
    }
}

/// `YYYY-MM-DD HH:MM:SS` (as servers print) → ISO 8601 `YYYY-MM-DDTHH:MM:SS`.
fn iso_datetime(text: &str) -> String {
    match text.split_once(' ') {
        Some((date, time)) if date.len() == 10 => format!("{date}T{time}"),
        _ => text.to_string(),
    }
}

/// Decodes a cell of a column of `kind` from its text (or, for bytes, its length text and
/// head).
pub fn decode(kind: &ValueKind, text: Option<&[u8]>, head: Option<&[u8]>) -> CellValue {
    let Some(raw) = text else {
        return CellValue::Null;
    };
    let s = String::from_utf8_lossy(raw);
    let s = s.as_ref();
    match kind {
        ValueKind::Int => s
            .trim()
            .parse::<i64>()
            .map(CellValue::Int)
            .or_else(|_| s.trim().parse::<u64>().map(CellValue::UInt))
            .unwrap_or_else(|_| CellValue::Text(s.to_string())),
        ValueKind::UInt => s
            .trim()
            .parse::<u64>()
            .map(|u| match i64::try_from(u) {
                Ok(i) => CellValue::Int(i),
                Err(_) => CellValue::UInt(u),
            })
            .unwrap_or_else(|_| CellValue::Text(s.to_string())),
        ValueKind::Float => match s.trim() {
            "NaN" | "nan" => CellValue::Float(f64::NAN),
            "Infinity" | "inf" => CellValue::Float(f64::INFINITY),
            "-Infinity" | "-inf" => CellValue::Float(f64::NEG_INFINITY),
            t => t
                .parse::<f64>()
                .map(CellValue::Float)
                .unwrap_or_else(|_| CellValue::Text(s.to_string())),
        },
        ValueKind::Decimal => CellValue::Decimal(s.to_string()),
        ValueKind::Bool => match s.trim() {
            "true" | "t" | "1" => CellValue::Bool(true),
            "false" | "f" | "0" => CellValue::Bool(false),
            _ => CellValue::Text(s.to_string()),
        },
        ValueKind::Text => CellValue::Text(s.to_string()),
        ValueKind::Date => CellValue::Date(s.to_string()),
        ValueKind::DateTime => CellValue::DateTime(iso_datetime(s)),
        ValueKind::Time => CellValue::Time(s.to_string()),
        ValueKind::Json => match serde_json::from_str(s) {
            Ok(value) => CellValue::Json(value),
            Err(err) => CellValue::Invalid(format!("not JSON: {err}")),
        },
        ValueKind::Bytes => CellValue::InTable {
            codec: None,
            len: s.trim().parse().unwrap_or(0),
            head: head.map(<[u8]>::to_vec).unwrap_or_default(),
            array: None,
        },
        ValueKind::Codec(codec) if codec.store.is_none() => {
            let len = s.trim().parse().unwrap_or(0);
            let head = head.map(<[u8]>::to_vec).unwrap_or_default();
            let array = (codec.name == "blob")
                .then(|| BlobShape::from_head(&head, len))
                .flatten();
            CellValue::InTable {
                codec: Some(codec.name.clone()),
                len,
                head,
                array,
            }
        }
        ValueKind::Codec(codec) => codec_cell(codec, raw),
    }
}

/// The JSON a codec keeps in its column, read into fields (no intermediate JSON tree: a table
/// of a million `<npy@>` cells parses each once, straight into these).
#[derive(serde::Deserialize)]
struct CodecJson {
    path: Option<String>,
    store: Option<String>,
    dtype: Option<serde_json::Value>,
    shape: Option<Vec<serde_json::Value>>,
    size: Option<u64>,
    is_dir: Option<bool>,
}

/// A codec cell from its JSON text.
fn codec_cell(codec: &Codec, text: &[u8]) -> CellValue {
    let json: CodecJson = match serde_json::from_slice(text) {
        Ok(json) => json,
        Err(err) => {
            return CellValue::Invalid(format!(
                "the <{}@> value is not the JSON DataJoint writes: {err}",
                codec.name
            ));
        }
    };
    // A store that is null, empty or missing means the default store.
    let store = json.store.filter(|s| !s.is_empty());
    if codec.name != "npy" {
        return CellValue::Stored(StoredCell {
            codec: codec.name.clone(),
            store,
            path: json.path,
            size: json.size,
            is_dir: json.is_dir.unwrap_or(false),
            array: None,
        });
    }
    let Some(path) = json.path else {
        return CellValue::Invalid("the <npy@> value has no \"path\"".to_string());
    };
    let shape: Option<Vec<u64>> = json
        .shape
        .map(|items| items.iter().map(serde_json::Value::as_u64).collect())
        .unwrap_or(None);
    let Some(shape) = shape else {
        return CellValue::Invalid(format!(
            "the <npy@> value of {path} has no shape (a list of whole numbers)"
        ));
    };
    let dtype_name = match json.dtype {
        Some(serde_json::Value::String(s)) => s,
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let dtype = dtype_from_numpy_name(&dtype_name).map_err(|e| e.to_string());
    CellValue::Npy(NpyCell {
        store,
        path,
        shape,
        dtype_name,
        dtype,
    })
}

/// A cell as `db rows --json` writes it, serialized straight to the output (no JSON tree in
/// between). `default_store` names the store of cells that name none.
pub struct CellJson<'a> {
    /// The cell.
    pub value: &'a CellValue,
    /// The configured default store.
    pub default_store: Option<&'a str>,
}

impl<'a> serde::Serialize for CellJson<'a> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let default_store = self.default_store;
        let store = |s: &'a Option<String>| s.as_deref().or(default_store);
        match self.value {
            CellValue::Null => serializer.serialize_none(),
            CellValue::Int(i) => serializer.serialize_i64(*i),
            CellValue::UInt(u) => serializer.serialize_u64(*u),
            CellValue::Float(f) if f.is_finite() => serializer.serialize_f64(*f),
            CellValue::Float(f) => serializer.serialize_str(&f.to_string()),
            CellValue::Decimal(s)
            | CellValue::Text(s)
            | CellValue::Date(s)
            | CellValue::DateTime(s)
            | CellValue::Time(s) => serializer.serialize_str(s),
            CellValue::Bool(b) => serializer.serialize_bool(*b),
            CellValue::Json(v) => v.serialize(serializer),
            CellValue::InTable {
                codec, len, array, ..
            } => {
                let mut map = serializer.serialize_map(Some(6))?;
                map.serialize_entry("codec", codec.as_deref().unwrap_or("bytes"))?;
                map.serialize_entry("store", &None::<&str>)?;
                map.serialize_entry("path", &None::<&str>)?;
                map.serialize_entry("bytes", len)?;
                map.serialize_entry("shape", &array.as_ref().map(|a| &a.shape))?;
                map.serialize_entry("dtype", &array.as_ref().map(|a| a.dtype.descr_json()))?;
                map.end()
            }
            CellValue::Npy(npy) => {
                let mut map = serializer.serialize_map(Some(6))?;
                map.serialize_entry("codec", "npy")?;
                map.serialize_entry("store", &store(&npy.store))?;
                map.serialize_entry("path", &npy.path)?;
                map.serialize_entry("shape", &npy.shape)?;
                map.serialize_entry("dtype", &npy.dtype.as_ref().ok().map(DType::descr_json))?;
                map.serialize_entry("nbytes", &npy.nbytes())?;
                map.end()
            }
            CellValue::Stored(cell) if cell.codec == "blob" => {
                let mut map = serializer.serialize_map(Some(6))?;
                map.serialize_entry("codec", "blob")?;
                map.serialize_entry("store", &store(&cell.store))?;
                map.serialize_entry("path", &cell.path)?;
                map.serialize_entry("bytes", &cell.size)?;
                let array = cell.array.as_ref();
                map.serialize_entry("shape", &array.map(|a| &a.shape))?;
                map.serialize_entry("dtype", &array.map(|a| a.dtype.descr_json()))?;
                map.end()
            }
            CellValue::Stored(cell) => {
                let mut map = serializer.serialize_map(Some(5))?;
                map.serialize_entry("codec", &cell.codec)?;
                map.serialize_entry("store", &store(&cell.store))?;
                map.serialize_entry("path", &cell.path)?;
                map.serialize_entry("bytes", &cell.size)?;
                map.serialize_entry("is_dir", &cell.is_dir)?;
                map.end()
            }
            CellValue::Invalid(why) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("error", why)?;
                map.end()
            }
        }
    }
}

impl CellValue {
    /// The value in `db rows --json` as a JSON tree (see [`CellJson`]).
    pub fn to_json(&self, default_store: Option<&str>) -> Value {
        serde_json::to_value(CellJson {
            value: self,
            default_store,
        })
        .unwrap_or(Value::Null)
    }

    /// Short text for a table cell.
    pub fn display(&self) -> String {
        let bytes = |n: u64| humansize::format_size(n, humansize::BINARY);
        match self {
            CellValue::Null => "NULL".to_string(),
            CellValue::Int(i) => i.to_string(),
            CellValue::UInt(u) => u.to_string(),
            CellValue::Float(f) => f.to_string(),
            CellValue::Decimal(s)
            | CellValue::Text(s)
            | CellValue::Date(s)
            | CellValue::DateTime(s)
            | CellValue::Time(s) => s.clone(),
            CellValue::Bool(b) => b.to_string(),
            CellValue::Json(v) => v.to_string(),
            CellValue::InTable {
                codec, len, array, ..
            } => match array {
                Some(array) => format!("{} \u{b7} {}", array.text(), bytes(*len)),
                None => format!(
                    "{} \u{b7} {}",
                    codec.as_deref().unwrap_or("bytes"),
                    bytes(*len)
                ),
            },
            CellValue::Npy(npy) => {
                let shape: Vec<String> = npy.shape.iter().map(u64::to_string).collect();
                let shape = if shape.len() == 1 {
                    format!("({},)", shape[0])
                } else {
                    format!("({})", shape.join(", "))
                };
                let dtype = match &npy.dtype {
                    Ok(d) => d.display_name(),
                    Err(_) => npy.dtype_name.clone(),
                };
                match npy.nbytes() {
                    Some(n) => format!("{shape} \u{b7} {dtype} \u{b7} {}", bytes(n)),
                    None => format!("{shape} \u{b7} {dtype}"),
                }
            }
            CellValue::Stored(StoredCell {
                array: Some(array),
                size,
                ..
            }) => match size {
                Some(n) => format!("{} \u{b7} {}", array.text(), bytes(*n)),
                None => array.text(),
            },
            CellValue::Stored(cell) => match cell.size {
                Some(n) => format!("{} \u{b7} {}", cell.codec, bytes(n)),
                None => cell.codec.clone(),
            },
            CellValue::Invalid(why) => format!("error: {why}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn npy_kind() -> ValueKind {
        ValueKind::Codec(Codec {
            name: "npy".into(),
            store: Some("main".into()),
        })
    }

    #[test]
    fn npy_cells_read_the_database_json() {
        let text = br#"{"path": "_schema/s/t/k=1/w_abc.npy", "dtype": "float32", "shape": [2528, 16], "store": "main"}"#;
        let cell = decode(&npy_kind(), Some(text), None);
        let CellValue::Npy(npy) = &cell else {
            panic!("{cell:?}");
        };
        assert_eq!(npy.nbytes(), Some(2528 * 16 * 4));
        let json = cell.to_json(None);
        assert_eq!(json["dtype"], "<f4");
        assert_eq!(json["store"], "main");
        assert_eq!(json["shape"], json!([2528, 16]));
        // No store: the default store.
        let text = br#"{"path": "p.npy", "dtype": ">f8", "shape": [], "store": ""}"#;
        let cell = decode(&npy_kind(), Some(text), None);
        assert_eq!(cell.to_json(Some("lab"))["store"], "lab");
        assert_eq!(cell.to_json(Some("lab"))["dtype"], ">f8");
        assert_eq!(cell.to_json(Some("lab"))["nbytes"], 8);
        // Broken JSON is an error cell, not a panic.
        assert!(matches!(
            decode(&npy_kind(), Some(b"{"), None),
            CellValue::Invalid(_)
        ));
        assert!(matches!(
            decode(&npy_kind(), Some(br#"{"path": "p", "shape": [-1]}"#), None),
            CellValue::Invalid(_)
        ));
    }

    #[test]
    fn scalars() {
        assert_eq!(
            decode(&ValueKind::Int, Some(b"-3"), None),
            CellValue::Int(-3)
        );
        assert_eq!(
            decode(&ValueKind::UInt, Some(b"18446744073709551615"), None),
            CellValue::UInt(u64::MAX)
        );
        assert_eq!(
            decode(&ValueKind::Bool, Some(b"t"), None),
            CellValue::Bool(true)
        );
        assert_eq!(
            decode(&ValueKind::DateTime, Some(b"2024-01-15 12:00:01.5"), None).to_json(None),
            json!("2024-01-15T12:00:01.5")
        );
        assert_eq!(decode(&ValueKind::Int, None, None), CellValue::Null);
        assert_eq!(
            decode(&ValueKind::Float, Some(b"NaN"), None).to_json(None),
            json!("NaN")
        );
    }
}
