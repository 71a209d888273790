//! One line about a [`BlobValue`] node and how many children it has, for a tree view of what a blob holds
//! (the window's details panel): arrays by dtype and shape, containers by kind and size, scalars by value.

use super::scalar::Scalar;
use super::value::BlobValue;
use crate::npy::DType;

/// Longest text shown of a `str` node, in characters.
const TEXT_CHARS: usize = 80;
/// Most field names listed in a struct's or record's line.
const NAMES_SHOWN: usize = 6;

impl BlobValue {
    /// How many children [`BlobValue::child`] gives: fields × elements of a struct array, items of containers,
    /// fields of a record, pairs of a dict; 0 for leaves.
    pub fn child_count(&self) -> usize {
        match self {
            BlobValue::Struct(s) => s.names.len().saturating_mul(s.elements.len()),
            BlobValue::Record(r) => r.fields.len(),
            BlobValue::Cell(o) | BlobValue::Objects(o) => o.items.len(),
            BlobValue::Tuple(v) | BlobValue::List(v) | BlobValue::Set(v) => v.len(),
            BlobValue::Dict(pairs) => pairs.len(),
            _ => 0,
        }
    }

    /// One line about the node: `float64 (1000, 4)` for an array, `struct 1×1 · a, b, c` for a struct, `dict ·
    /// 3 keys`, the value of a scalar, a `str` quoted (cut at 80 characters).
    pub fn summary(&self) -> String {
        let shape = |shape: &[u64]| {
            let dims: Vec<String> = shape.iter().map(u64::to_string).collect();
            if dims.is_empty() {
                "0-d".to_string()
            } else {
                dims.join("×")
            }
        };
        let names = |names: &[String]| {
            let mut shown: Vec<&str> = names.iter().take(NAMES_SHOWN).map(String::as_str).collect();
            if names.len() > NAMES_SHOWN {
                shown.push("…");
            }
            shown.join(", ")
        };
        let count =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        match self {
            BlobValue::Array(a) => {
                let dtype = match &a.dtype {
                    DType::Scalar(s) => s.display_name(),
                    other => other.display_name(),
                };
                format!("{dtype} array {}", shape(&a.shape))
            }
            BlobValue::Text(t) => {
                let mut shown: String = t.chars().take(TEXT_CHARS).collect();
                if t.chars().count() > TEXT_CHARS {
                    shown.push('…');
                }
                format!("{shown:?}")
            }
            BlobValue::Objects(o) => format!("object array {}", shape(&o.shape)),
            BlobValue::Cell(o) => format!("cell {}", shape(&o.shape)),
            BlobValue::Struct(s) => format!("struct {} · {}", shape(&s.shape), names(&s.names)),
            BlobValue::Record(r) => format!("record · {}", names(&r.names)),
            BlobValue::Tuple(v) => format!("tuple · {}", count(v.len(), "item", "items")),
            BlobValue::List(v) => format!("list · {}", count(v.len(), "item", "items")),
            BlobValue::Set(v) => format!("set · {}", count(v.len(), "item", "items")),
            BlobValue::Dict(p) => format!("dict · {}", count(p.len(), "key", "keys")),
            BlobValue::Bytes(b) => format!("bytes · {}", count(b.len(), "byte", "bytes")),
            BlobValue::Scalar(s) => s.value_text(),
            BlobValue::None => "None".to_string(),
        }
    }
}

impl Scalar {
    /// The value as Python prints it (`str()`): `42`, `True`, `0.5`, `(1+2j)`, a decimal's digits, an ISO date, a
    /// UUID's hyphenated hex.
    pub fn value_text(&self) -> String {
        match self {
            Scalar::Int(i) => i.to_string(),
            Scalar::Bool(b) => if *b { "True" } else { "False" }.to_string(),
            Scalar::Float(f) => f.to_string(),
            Scalar::Complex { re, im } => format!("({re}{im:+}j)"),
            Scalar::Decimal(d) => d.clone(),
            Scalar::DateTime(dt) => dt.isoformat(),
            Scalar::Uuid(u) => super::json::uuid(u),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blob::{ObjectArray, StructArray};

    #[test]
    fn lines_name_kind_size_and_value() {
        let text = BlobValue::Text("x".repeat(100));
        assert_eq!(text.summary().chars().count(), TEXT_CHARS + 3);
        let cell = BlobValue::Cell(ObjectArray {
            shape: vec![1, 2],
            items: vec![BlobValue::None, BlobValue::Scalar(Scalar::Bool(true))],
        });
        assert_eq!(cell.summary(), "cell 1×2");
        assert_eq!(cell.child_count(), 2);
        assert_eq!(cell.child(1).map(|(_, v)| v.summary()), Some("True".into()));
        let st = BlobValue::Struct(StructArray {
            shape: vec![2, 1],
            names: vec!["a".into(), "b".into()],
            elements: vec![vec![BlobValue::None; 2], vec![BlobValue::None; 2]],
        });
        assert_eq!(st.summary(), "struct 2×1 · a, b");
        assert_eq!(st.child_count(), 4);
        assert_eq!(
            BlobValue::Scalar(Scalar::Complex { re: 1.0, im: -2.0 }).summary(),
            "(1-2j)"
        );
        assert_eq!(
            BlobValue::Dict(vec![(BlobValue::None, BlobValue::None)]).summary(),
            "dict · 1 key"
        );
    }
}
