//! Turns the parsed `descr` literal of a header into a [`DType`], as numpy's `descr_to_dtype` would, but strictly:
//! only the type strings numpy writes (`<f8`, `|S5`, `<M8[ns]`…), and never the object dtype.

use std::collections::HashSet;

use super::dtype::{ByteOrder, DType, DateUnit, Field, ScalarKind, ScalarType, TimeUnit};
use super::error::{NpyError, clip};
use super::pylit::Value;

/// The dtype described by a header's `descr` value.
pub fn parse_descr(v: &Value) -> Result<DType, NpyError> {
    let (dtype, groups) = descr_value(v)?;
    if groups.iter().any(|g| !g.is_empty()) {
        return Err(NpyError::Descr(
            "a sub-array dtype (descr, shape) cannot be the dtype of a whole array".to_string(),
        ));
    }
    if dtype.checked_itemsize().is_none() {
        return Err(NpyError::TooBig("the dtype's item size".to_string()));
    }
    Ok(dtype)
}

/// A descr in field position: a type string, a field list, or a `(descr, shape)` sub-array tuple,
/// with the shapes of its sub-array levels, outermost first.
fn descr_value(v: &Value) -> Result<(DType, Vec<Vec<u64>>), NpyError> {
    match v {
        Value::Str(s) => Ok((DType::Scalar(parse_typestr(s)?), Vec::new())),
        Value::List(items) => Ok((DType::Structured(parse_fields(items)?), Vec::new())),
        Value::Tuple(items) if items.len() == 2 => {
            let (dtype, inner) = descr_value(&items[0])?;
            let mut groups = vec![sub_shape(&items[1])?];
            groups.extend(inner);
            Ok((dtype, groups))
        }
        other => Err(NpyError::Descr(format!(
            "expected a type string or a list of fields, found {}",
            other.described()
        ))),
    }
}

fn parse_fields(items: &[Value]) -> Result<Vec<Field>, NpyError> {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut fields = Vec::with_capacity(items.len());
    for item in items {
        let parts = match item {
            Value::Tuple(p) | Value::List(p) if p.len() == 2 || p.len() == 3 => p,
            other => {
                return Err(NpyError::Descr(format!(
                    "a structured field must be (name, descr) or (name, descr, shape), found {}",
                    describe(other)
                )));
            }
        };
        let (title, name) = match &parts[0] {
            Value::Str(n) => (None, n),
            Value::Tuple(tn) => match tn.as_slice() {
                [Value::Str(t), Value::Str(n)] => (Some(t), n),
                _ => {
                    return Err(NpyError::Descr(
                        "a titled field name must be (title, name) strings".to_string(),
                    ));
                }
            },
            other => {
                return Err(NpyError::Descr(format!(
                    "a field name must be a str, found {}",
                    other.described()
                )));
            }
        };
        let (dtype, inner) = descr_value(&parts[1])?;
        let mut groups = match parts.get(2) {
            Some(s) => vec![sub_shape(s)?],
            None => Vec::new(),
        };
        groups.extend(inner);
        // numpy drops empty levels (`('<f8', ())`) and keeps the rest nested only when there is
        // more than one: `('x', ('<f8', (5,)))` is `('x', '<f8', (5,))`.
        groups.retain(|g| !g.is_empty());
        let levels = if groups.len() > 1 {
            groups.iter().map(Vec::len).collect()
        } else {
            Vec::new()
        };
        let field = Field {
            name: name.clone(),
            title: title.cloned(),
            dtype,
            shape: groups.concat(),
            levels,
        };
        // An empty name that is not padding is a field numpy writes and reads (its
        // `descr_to_dtype` keeps it); like any name it may appear once.
        if !field.is_padding() {
            for key in std::iter::once(name).chain(title) {
                if !seen.insert(key) {
                    return Err(NpyError::Descr(format!(
                        "field name or title {} is used twice",
                        clip(key)
                    )));
                }
            }
        }
        if field.checked_itemsize().is_none() {
            return Err(NpyError::TooBig(format!(
                "the item size of field {}",
                clip(name)
            )));
        }
        fields.push(field);
    }
    Ok(fields)
}

/// A sub-array shape: an int or a tuple of ints, each non-negative.
fn sub_shape(v: &Value) -> Result<Vec<u64>, NpyError> {
    let dims: &[Value] = match v {
        Value::Tuple(d) => d,
        Value::Int(_) | Value::BigInt { .. } => std::slice::from_ref(v),
        other => {
            return Err(NpyError::Descr(format!(
                "a sub-array shape must be an int or a tuple of ints, found {}",
                other.described()
            )));
        }
    };
    dims.iter()
        .map(|d| match d {
            Value::Int(n) => u64::try_from(*n).map_err(|_| {
                NpyError::Descr(format!(
                    "sub-array dimension {n} is invalid (must be 0 or more)"
                ))
            }),
            Value::BigInt { .. } => Err(NpyError::TooBig("a sub-array dimension".to_string())),
            other => Err(NpyError::Descr(format!(
                "a sub-array dimension must be an int, found {}",
                other.described()
            ))),
        })
        .collect()
}

fn describe(v: &Value) -> String {
    match v {
        Value::Tuple(p) | Value::List(p) => format!("a {} of {} items", v.type_name(), p.len()),
        other => other.described().to_string(),
    }
}

/// Parses numpy's array-protocol type string: `[<>|=]?` kind, size, and for datetimes an optional `[unit]`.
pub fn parse_typestr(s: &str) -> Result<ScalarType, NpyError> {
    let bad = |why: &str| NpyError::Descr(format!("{}: {why}", clip(s)));
    let (order_char, rest) = match s.chars().next() {
        Some(c @ ('<' | '>' | '|' | '=')) => (Some(c), &s[1..]),
        _ => (None, s),
    };
    let mut chars = rest.chars();
    let kind_char = chars.next().ok_or_else(|| bad("empty type string"))?;
    let tail = chars.as_str();
    if kind_char == 'O' {
        return Err(NpyError::ObjectDtype);
    }
    let (size_text, unit_text) = match tail.find('[') {
        Some(i) => (&tail[..i], Some(&tail[i..])),
        None => (tail, None),
    };
    if size_text.is_empty() || !size_text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(
            "expected a byte order, a kind letter and a size, like '<f8' or '|S5'",
        ));
    }
    let size: u64 = size_text
        .parse()
        .map_err(|_| NpyError::TooBig(format!("the size in {}", clip(s))))?;
    if unit_text.is_some() && !matches!(kind_char, 'M' | 'm') {
        return Err(bad(
            "only datetime64 (M8) and timedelta64 (m8) take a [unit]",
        ));
    }
    let sized = |allowed: &[u64], make: fn(u8) -> ScalarKind| {
        if allowed.contains(&size) {
            Ok(make(size as u8))
        } else {
            Err(bad(&format!(
                "size {size} is not one numpy uses for this kind"
            )))
        }
    };
    let kind = match kind_char {
        'b' => sized(&[1], |_| ScalarKind::Bool)?,
        'i' => sized(&[1, 2, 4, 8], ScalarKind::Int)?,
        'u' => sized(&[1, 2, 4, 8], ScalarKind::UInt)?,
        'f' => sized(&[2, 4, 8, 12, 16], ScalarKind::Float)?,
        'c' => sized(&[8, 16, 24, 32], ScalarKind::Complex)?,
        'S' => ScalarKind::Bytes(size),
        'U' => ScalarKind::Str(size),
        'V' => ScalarKind::Void(size),
        'M' | 'm' => {
            if size != 8 {
                return Err(bad("datetime64/timedelta64 must be 8 bytes"));
            }
            let unit = parse_unit(unit_text).ok_or_else(|| bad("unknown datetime unit"))?;
            if kind_char == 'M' {
                ScalarKind::DateTime(unit)
            } else {
                ScalarKind::TimeDelta(unit)
            }
        }
        _ => return Err(bad("unknown kind letter")),
    };
    if let ScalarKind::Str(n) = kind
        && n.checked_mul(4).is_none()
    {
        return Err(NpyError::TooBig(format!("the item size of {}", clip(s))));
    }
    // numpy writes `|` where byte order does not matter, and reads `|`, `=` or nothing as the native order.
    let order = if !kind.has_byte_order() {
        ByteOrder::NotApplicable
    } else {
        match order_char {
            Some('<') => ByteOrder::Little,
            Some('>') => ByteOrder::Big,
            _ if cfg!(target_endian = "big") => ByteOrder::Big,
            _ => ByteOrder::Little,
        }
    };
    Ok(ScalarType { order, kind })
}

/// `None` (generic), `[unit]` or `[<count>unit]`.
fn parse_unit(text: Option<&str>) -> Option<DateUnit> {
    let Some(text) = text else {
        return Some(DateUnit {
            unit: TimeUnit::Generic,
            count: 1,
        });
    };
    let inner = text.strip_prefix('[')?.strip_suffix(']')?;
    let digits_end = inner
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(inner.len());
    let (count_text, code) = inner.split_at(digits_end);
    let unit = TimeUnit::from_code(code)?;
    let count: u32 = if count_text.is_empty() {
        1
    } else {
        count_text.parse().ok()?
    };
    if count == 0 || count > i32::MAX as u32 || (unit == TimeUnit::Generic && count != 1) {
        return None;
    }
    Some(DateUnit { unit, count })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::npy::pylit::{self, Options};

    fn d(lit: &str) -> Result<DType, NpyError> {
        parse_descr(&pylit::parse(lit, Options::default()).unwrap())
    }

    #[test]
    fn nested_subarrays_keep_numpy_s_descr() {
        for (given, want, shape, itemsize) in [
            // numpy 2.4: np.dtype(given).descr, the field's elements, the itemsize.
            (
                "[('x', ('<f8', (5,)), (2,))]",
                "[('x', ('<f8', (5,)), (2,))]",
                vec![2, 5],
                80,
            ),
            (
                "[('x', (('<f8', (3,)), (5,)), (2,))]",
                "[('x', (('<f8', (3,)), (5,)), (2,))]",
                vec![2, 5, 3],
                240,
            ),
            (
                "[('x', ('<f8', (5, 2)), (2, 3))]",
                "[('x', ('<f8', (5, 2)), (2, 3))]",
                vec![2, 3, 5, 2],
                480,
            ),
            (
                "[('x', ('<f8', (5,)))]",
                "[('x', '<f8', (5,))]",
                vec![5],
                40,
            ),
            (
                "[('x', ('<f8', (5,)), ())]",
                "[('x', '<f8', (5,))]",
                vec![5],
                40,
            ),
            (
                "[('x', ('<f8', ()), (2,))]",
                "[('x', '<f8', (2,))]",
                vec![2],
                16,
            ),
        ] {
            let dtype = d(given).unwrap();
            assert_eq!(dtype.descr_literal(), want, "{given}");
            assert_eq!(dtype.itemsize(), itemsize, "{given}");
            let DType::Structured(fields) = &dtype else {
                panic!("{given}: not structured");
            };
            assert_eq!(fields[0].shape, shape, "{given}");
            // The written descr reads back as the same dtype.
            assert_eq!(d(&dtype.descr_literal()).unwrap(), dtype, "{given}");
        }
        let nested = d("[('x', ('<f8', (5,)), (2,))]").unwrap();
        assert_eq!(
            nested.descr_json(),
            serde_json::json!([["x", ["<f8", [5]], [2]]])
        );
        assert_ne!(
            nested,
            d("[('x', '<f8', (2, 5))]").unwrap(),
            "numpy tells them apart"
        );
    }

    #[test]
    fn typestrs_normalise_like_numpy() {
        for (given, want) in [
            ("<f8", "<f8"),
            ("|f8", "<f8"),
            ("=f8", "<f8"),
            ("f8", "<f8"),
            (">i1", "|i1"),
            ("<S5", "|S5"),
            ("<b1", "|b1"),
            (">U5", ">U5"),
            ("M8[1ns]", "<M8[ns]"),
            ("<M8[μs]", "<M8[us]"),
            ("<M8[generic]", "<M8"),
            ("<m8[10us]", "<m8[10us]"),
            ("<f16", "<f16"),
            ("|V0", "|V0"),
        ] {
            assert_eq!(parse_typestr(given).unwrap().typestr(), want, "{given}");
        }
        for bad in [
            "", "<", "<f", "<f3", "<i16", "float64", "<M4", "<M8[xs]", "<M8[0ns]", "<f8[ns]",
            "<M8[ns", "<x8",
        ] {
            assert_eq!(parse_typestr(bad).unwrap_err().kind(), "descr", "{bad}");
        }
        assert_eq!(parse_typestr("|O").unwrap_err(), NpyError::ObjectDtype);
        assert_eq!(
            parse_typestr("<U99999999999999999999").unwrap_err().kind(),
            "too_big"
        );
        assert_eq!(
            parse_typestr("<U4611686018427387904").unwrap_err().kind(),
            "too_big"
        );
    }

    #[test]
    fn structured() {
        let t = d("[(('T', 'a'), '|i1'), ('', '|V7'), ('n', [('x', '<f4', (2,))], 3), ('s', ('<i2', (2,)), (4,))]")
            .unwrap();
        let DType::Structured(f) = &t else { panic!() };
        assert_eq!(f[0].title.as_deref(), Some("T"));
        assert!(f[1].is_padding());
        assert_eq!(f[2].shape, vec![3]);
        assert_eq!(f[3].shape, vec![4, 2]);
        assert_eq!(t.itemsize(), 1 + 7 + 24 + 16);
        assert_eq!(
            d("[('a', '<f8'), ('b', [('c', '|O')])]").unwrap_err(),
            NpyError::ObjectDtype
        );
        for bad in [
            "[('a', '<f8'), ('a', '<i4')]",
            "[('', '<f8'), ('', '<i4')]",
            "[('a',)]",
            "[('a', '<f8', (-1,))]",
            "[(1, '<f8')]",
            "('<f4', (2,))",
            "3",
        ] {
            assert_eq!(d(bad).unwrap_err().kind(), "descr", "{bad}");
        }
    }

    #[test]
    fn an_empty_name_is_a_field_as_in_numpy() {
        // numpy's descr_to_dtype([('a', '<i4'), ('', '<i4'), ('b', '<i4')]) keeps the '' field.
        let t = d("[('a', '<i4'), ('', '<i4'), ('b', '<i4')]").expect("numpy reads it");
        let DType::Structured(f) = &t else {
            panic!("{t:?}")
        };
        assert_eq!(f.len(), 3);
        assert_eq!(f[1].name, "");
        assert!(!f[1].is_padding());
        assert_eq!(
            t.descr_literal(),
            "[('a', '<i4'), ('', '<i4'), ('b', '<i4')]"
        );
    }

    #[test]
    fn itemsize_overflow() {
        let e = d("[('a', '<f8', (4611686018427387904, 4))]").unwrap_err();
        assert_eq!(e.kind(), "too_big");
        let e = d("[('a', '|V18446744073709551615'), ('b', '|V1')]").unwrap_err();
        assert_eq!(e.kind(), "too_big");
        let e = d("[('a', '<f8', (99999999999999999999999999999999999999999,))]").unwrap_err();
        assert_eq!(e.kind(), "too_big");
    }
}
