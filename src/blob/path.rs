//! Paths into a [`BlobValue`] tree, so a UI can list the numeric arrays a blob holds and select one to plot.
//!
//! A path is a list of segments: a field name for records and struct arrays (a struct array with more than one
//! element takes its column-major element index first: `["1", "x"]`), an index for cells, object arrays, tuples,
//! lists and sets (column-major for arrays), and for dicts the key when it is a `str` or an `int` (that fits an i128), else `#i` for
//! the i-th pair.

use super::array::BlobArray;
use super::scalar::Scalar;
use super::value::BlobValue;

impl BlobValue {
    /// The node at `path` (empty: this node); `None` when a segment names nothing.
    pub fn get<S: AsRef<str>>(&self, path: &[S]) -> Option<&BlobValue> {
        let mut node = self;
        let mut rest = path;
        while let Some((seg, tail)) = rest.split_first() {
            let seg = seg.as_ref();
            rest = tail;
            node = match node {
                BlobValue::Record(r) => r.field(seg)?,
                BlobValue::Struct(s) => match s.names.iter().position(|n| n == seg) {
                    Some(j) if s.elements.len() == 1 => s.elements[0].get(j)?,
                    _ => {
                        let (name, tail) = rest.split_first()?;
                        rest = tail;
                        s.get(seg.parse().ok()?, name.as_ref())?
                    }
                },
                BlobValue::Cell(o) | BlobValue::Objects(o) => {
                    o.items.get(seg.parse::<usize>().ok()?)?
                }
                BlobValue::Tuple(v) | BlobValue::List(v) | BlobValue::Set(v) => {
                    v.get(seg.parse::<usize>().ok()?)?
                }
                BlobValue::Dict(pairs) => {
                    let by_key = pairs
                        .iter()
                        .find(|(k, _)| dict_label(k).as_deref() == Some(seg));
                    match by_key {
                        Some((_, v)) => v,
                        None => {
                            let i: usize = seg.strip_prefix('#')?.parse().ok()?;
                            &pairs.get(i)?.1
                        }
                    }
                }
                _ => return None,
            };
        }
        Some(node)
    }

    /// The array at `path`, if that node is one.
    pub fn array_at<S: AsRef<str>>(&self, path: &[S]) -> Option<&BlobArray> {
        self.get(path)?.as_array()
    }

    /// Every numeric array in the tree (see [`BlobArray::is_numeric`]) with its path, depth first in stored order;
    /// lazy, so a UI can take the first few of a huge tree.
    pub fn numeric_arrays(&self) -> NumericArrays<'_> {
        NumericArrays {
            root: Some(self),
            stack: Vec::new(),
            path: Vec::new(),
        }
    }

    /// The `k`-th child and its label (the path segments it adds), in stored order; `None` past the last child
    /// and for leaves. A struct array's children are its elements' fields, element by element.
    pub fn child(&self, k: usize) -> Option<(Vec<String>, &BlobValue)> {
        match self {
            BlobValue::Record(r) => Some((vec![r.names.get(k)?.clone()], r.fields.get(k)?)),
            BlobValue::Struct(s) => {
                let nf = s.names.len();
                if nf == 0 {
                    return None;
                }
                let (i, j) = (k / nf, k % nf);
                let value = s.elements.get(i)?.get(j)?;
                let name = s.names[j].clone();
                let label = if s.elements.len() == 1 {
                    vec![name]
                } else {
                    vec![i.to_string(), name]
                };
                Some((label, value))
            }
            BlobValue::Cell(o) | BlobValue::Objects(o) => {
                Some((vec![k.to_string()], o.items.get(k)?))
            }
            BlobValue::Tuple(v) | BlobValue::List(v) | BlobValue::Set(v) => {
                Some((vec![k.to_string()], v.get(k)?))
            }
            BlobValue::Dict(pairs) => {
                let (key, value) = pairs.get(k)?;
                Some((
                    vec![dict_label(key).unwrap_or_else(|| format!("#{k}"))],
                    value,
                ))
            }
            _ => None,
        }
    }
}

/// The path segment of a dict key: the text of a `str`, the decimal of an `int`.
fn dict_label(key: &BlobValue) -> Option<String> {
    match key {
        BlobValue::Text(t) => Some(t.clone()),
        BlobValue::Scalar(Scalar::Int(i)) => i.to_i128().map(|v| v.to_string()),
        _ => None,
    }
}

/// Iterator over the numeric arrays of a tree: (path, array). Made by [`BlobValue::numeric_arrays`].
#[derive(Debug)]
pub struct NumericArrays<'a> {
    root: Option<&'a BlobValue>,
    /// (node, next child, segments its label added to `path`).
    stack: Vec<(&'a BlobValue, usize, usize)>,
    path: Vec<String>,
}

impl<'a> Iterator for NumericArrays<'a> {
    type Item = (Vec<String>, &'a BlobArray);

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(root) = self.root.take() {
            match root {
                BlobValue::Array(a) if a.is_numeric() => return Some((Vec::new(), a)),
                _ => self.stack.push((root, 0, 0)),
            }
        }
        loop {
            let (node, next, _) = self.stack.last_mut()?;
            let k = *next;
            *next += 1;
            match node.child(k) {
                Some((label, BlobValue::Array(a))) => {
                    if a.is_numeric() {
                        let mut path = self.path.clone();
                        path.extend(label);
                        return Some((path, a));
                    }
                }
                Some((label, child)) => {
                    let added = label.len();
                    self.path.extend(label);
                    self.stack.push((child, 0, added));
                }
                None => {
                    if let Some((_, _, added)) = self.stack.pop() {
                        self.path.truncate(self.path.len() - added);
                    }
                }
            }
        }
    }
}
