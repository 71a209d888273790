//! Fields of structured arrays: where a (nested) field sits in a record, and the field alone
//! as an array of its own (`a['x']` in numpy).

use super::data::NdArray;
use super::error::ArrayError;
use crate::npy::DType;

/// A field found by name: its byte offset within the record, its dtype and sub-array shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldSlot {
    /// Byte offset from the start of the record.
    pub offset: u64,
    /// The field's element dtype.
    pub dtype: DType,
    /// The field's sub-array shape (empty for scalars).
    pub shape: Vec<u64>,
}

impl FieldSlot {
    /// Bytes the field takes in each record (element size × sub-array size).
    pub fn nbytes(&self) -> u64 {
        self.shape.iter().product::<u64>() * self.dtype.itemsize()
    }
}

/// Finds the field at `path` (names from the outermost record inwards) in `dtype`.
pub fn find_field(dtype: &DType, path: &[String]) -> Result<FieldSlot, ArrayError> {
    let mut slot = FieldSlot {
        offset: 0,
        dtype: dtype.clone(),
        shape: Vec::new(),
    };
    for name in path {
        let DType::Structured(fields) = &slot.dtype else {
            return Err(ArrayError::NotStructured {
                name: name.clone(),
                dtype: slot.dtype.display_name(),
            });
        };
        if !slot.shape.is_empty() {
            return Err(ArrayError::NotStructured {
                name: name.clone(),
                dtype: format!("a sub-array of {}", slot.dtype.display_name()),
            });
        }
        let mut offset = slot.offset;
        let mut found = None;
        for field in fields {
            if field.name == *name || field.title.as_deref() == Some(name.as_str()) {
                found = Some(field);
                break;
            }
            offset += field.itemsize();
        }
        let Some(field) = found else {
            let available: Vec<&str> = fields
                .iter()
                .filter(|f| !f.is_padding())
                .map(|f| f.name.as_str())
                .collect();
            return Err(ArrayError::UnknownField {
                name: name.clone(),
                available: available.join(", "),
            });
        };
        slot = FieldSlot {
            offset,
            dtype: field.dtype.clone(),
            shape: field.shape.clone(),
        };
    }
    Ok(slot)
}

/// The field at `path` of every record of `array`, as its own array: shape is the array's
/// shape followed by the field's sub-array shape (as numpy's `a['x']`).
pub fn extract_field(array: &NdArray, path: &[String]) -> Result<NdArray, ArrayError> {
    let slot = find_field(array.dtype(), path)?;
    let record = array.itemsize() as usize;
    let start = slot.offset as usize;
    let len = slot.nbytes() as usize;
    let mut bytes = Vec::with_capacity(array.size() as usize * len);
    if record > 0 {
        for element in array.bytes().chunks_exact(record) {
            bytes.extend_from_slice(&element[start..start + len]);
        }
    }
    let mut shape = array.shape().to_vec();
    shape.extend_from_slice(&slot.shape);
    NdArray::from_parts(&slot.dtype, false, &shape, &bytes)
}
