//! A JSON description of a [`BlobValue`] tree (arrays by dtype and shape, not values), for `npyscope` output and
//! for comparing with what DataJoint returns (`tests/fixtures/blob/manifest.json` uses the same form).

use serde_json::{Value, json};

use super::scalar::Scalar;
use super::value::BlobValue;

/// A float as JSON: the number when finite, else Python's `repr` (`"nan"`, `"inf"`, `"-inf"`).
fn float(v: f64) -> Value {
    match serde_json::Number::from_f64(v) {
        Some(n) => Value::Number(n),
        None if v.is_nan() => json!("nan"),
        None if v > 0.0 => json!("inf"),
        None => json!("-inf"),
    }
}

/// A UUID in Python's `str(uuid)` form.
pub(super) fn uuid(b: &[u8; 16]) -> String {
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

impl BlobValue {
    /// The tree as JSON: `{"kind": …}` objects (see [`BlobValue::kind_name`]); arrays give `dtype` (numpy's
    /// `descr`) and `shape`; containers `items` (cells and object arrays column-major, dicts as `[key, value]`
    /// pairs), struct arrays `names` and `elements`, records `names` and `fields`; ints are decimal strings,
    /// floats a number (or `"nan"`/`"inf"`) plus `hex` of their little-endian bytes; bytes as `hex`.
    pub fn to_json(&self) -> Value {
        let list = |v: &[BlobValue]| Value::Array(v.iter().map(BlobValue::to_json).collect());
        let kind = self.kind_name();
        match self {
            BlobValue::Array(a) => {
                json!({"kind": kind, "dtype": a.dtype.descr_json(), "shape": a.shape})
            }
            BlobValue::Text(t) => json!({"kind": kind, "value": t}),
            BlobValue::Objects(o) | BlobValue::Cell(o) => {
                json!({"kind": kind, "shape": o.shape, "items": list(&o.items)})
            }
            BlobValue::Struct(s) => {
                let elements: Vec<Value> = s.elements.iter().map(|e| list(e)).collect();
                json!({"kind": kind, "shape": s.shape, "names": s.names, "elements": elements})
            }
            BlobValue::Record(r) => {
                json!({"kind": kind, "names": r.names, "fields": list(&r.fields)})
            }
            BlobValue::Tuple(v) | BlobValue::List(v) | BlobValue::Set(v) => {
                json!({"kind": kind, "items": list(v)})
            }
            BlobValue::Dict(pairs) => {
                let items: Vec<Value> = pairs
                    .iter()
                    .map(|(k, v)| json!([k.to_json(), v.to_json()]))
                    .collect();
                json!({"kind": kind, "items": items})
            }
            BlobValue::Bytes(b) => json!({"kind": kind, "hex": hex::encode(b)}),
            BlobValue::None => json!({"kind": kind}),
            BlobValue::Scalar(s) => match s {
                Scalar::Int(i) => json!({"kind": kind, "value": i.to_string()}),
                Scalar::Bool(b) => json!({"kind": kind, "value": b}),
                Scalar::Float(f) => {
                    json!({"kind": kind, "value": float(*f), "hex": hex::encode(f.to_le_bytes())})
                }
                Scalar::Complex { re, im } => {
                    let mut bytes = re.to_le_bytes().to_vec();
                    bytes.extend(im.to_le_bytes());
                    json!({"kind": kind, "value": [float(*re), float(*im)], "hex": hex::encode(bytes)})
                }
                Scalar::Decimal(d) => json!({"kind": kind, "value": d}),
                Scalar::DateTime(dt) => json!({"kind": kind, "value": dt.isoformat()}),
                Scalar::Uuid(u) => json!({"kind": kind, "value": uuid(u)}),
            },
        }
    }
}
