//! [`BlobValue`]: the tree a blob decodes to, node for node what `datajoint.blob.unpack` returns.

use bytes::Bytes;

use super::array::BlobArray;
use super::scalar::Scalar;

/// One decoded item.
#[derive(Clone, Debug, PartialEq)]
pub enum BlobValue {
    /// A numpy array of numbers, bool or datetime64 (or a MATLAB char matrix as `<U1`): `'A'`.
    Array(BlobArray),
    /// A `str`: code 0x05, or a MATLAB char row (`'A'` char with one row), which DataJoint returns as text.
    Text(String),
    /// A numpy object array (`'A'` with type id 5; also how DataJoint stores numpy unicode arrays).
    Objects(ObjectArray),
    /// A MATLAB cell array (`'C'`, DataJoint's `MatCell`).
    Cell(ObjectArray),
    /// A MATLAB struct array (`'S'`, DataJoint's `MatStruct`).
    Struct(StructArray),
    /// A numpy structured (record) array (`'F'`): one item per field.
    Record(Record),
    /// A `tuple` (0x01).
    Tuple(Vec<BlobValue>),
    /// A `list` (0x02).
    List(Vec<BlobValue>),
    /// A `set` (0x03), in stored order.
    Set(Vec<BlobValue>),
    /// A `dict` (0x04): (key, value) pairs in stored order.
    Dict(Vec<(BlobValue, BlobValue)>),
    /// `bytes` (0x06).
    Bytes(Bytes),
    /// A Python scalar: int, bool, float, complex, Decimal, date/time, UUID.
    Scalar(Scalar),
    /// `None` (0xff; also a `'t'` item with neither date nor time).
    None,
}

/// An object or cell array: the shape and the items in Fortran (column-major) order.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectArray {
    /// The shape; empty for 0-d.
    pub shape: Vec<u64>,
    /// The items, column-major.
    pub items: Vec<BlobValue>,
}

/// A MATLAB struct array: field names and, per element (column-major), one value per field.
#[derive(Clone, Debug, PartialEq)]
pub struct StructArray {
    /// The shape (kept even when there are no fields, where DataJoint returns `np.array(None)`).
    pub shape: Vec<u64>,
    /// The field names, in stored order.
    pub names: Vec<String>,
    /// `elements[i][j]`: field `j` of element `i`, elements column-major.
    pub elements: Vec<Vec<BlobValue>>,
}

/// A numpy structured array: each field's values as one item (usually an array of the record's shape).
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// The field names, in dtype order.
    pub names: Vec<String>,
    /// One item per field.
    pub fields: Vec<BlobValue>,
}

impl StructArray {
    /// The value of field `name` of element `i` (column-major index).
    pub fn get(&self, i: usize, name: &str) -> Option<&BlobValue> {
        let j = self.names.iter().position(|n| n == name)?;
        self.elements.get(i)?.get(j)
    }
}

impl Record {
    /// The item of field `name`.
    pub fn field(&self, name: &str) -> Option<&BlobValue> {
        let j = self.names.iter().position(|n| n == name)?;
        self.fields.get(j)
    }
}

impl BlobValue {
    /// A short name of the node's kind: `"array"`, `"text"`, `"objects"`, `"cell"`, `"struct"`, `"record"`,
    /// `"tuple"`, `"list"`, `"set"`, `"dict"`, `"bytes"`, `"none"`, or the scalar's type name (`"int"`, `"date"`…).
    pub fn kind_name(&self) -> &'static str {
        match self {
            BlobValue::Array(_) => "array",
            BlobValue::Text(_) => "text",
            BlobValue::Objects(_) => "objects",
            BlobValue::Cell(_) => "cell",
            BlobValue::Struct(_) => "struct",
            BlobValue::Record(_) => "record",
            BlobValue::Tuple(_) => "tuple",
            BlobValue::List(_) => "list",
            BlobValue::Set(_) => "set",
            BlobValue::Dict(_) => "dict",
            BlobValue::Bytes(_) => "bytes",
            BlobValue::Scalar(s) => s.type_name(),
            BlobValue::None => "none",
        }
    }

    /// The array, if this node is one.
    pub fn as_array(&self) -> Option<&BlobArray> {
        match self {
            BlobValue::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The text, if this node is a `str` or a char row.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            BlobValue::Text(t) => Some(t),
            _ => None,
        }
    }
}
