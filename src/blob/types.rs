//! DataJoint's array type ids (`deserialize_lookup` in `datajoint/blob.py`) and the numpy dtypes they decode to.

use crate::npy::{ByteOrder, DType, DateUnit, ScalarKind, ScalarType, TimeUnit};

/// What the elements of an `'A'` array are, by its type id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Elem {
    /// MATLAB char (id 4): one u16 per character, DataJoint keeps the low byte.
    Char,
    /// Objects (id 5): each element a length-prefixed nested item.
    Void,
    /// Numbers, bool and datetime64: fixed-size little-endian elements of this numpy type.
    Num(ScalarType),
}

/// The datetime64 units of type ids 65536 + k, in DataJoint's order.
const DATE_UNITS: [TimeUnit; 13] = [
    TimeUnit::Year,
    TimeUnit::Month,
    TimeUnit::Week,
    TimeUnit::Day,
    TimeUnit::Hour,
    TimeUnit::Minute,
    TimeUnit::Second,
    TimeUnit::Milli,
    TimeUnit::Micro,
    TimeUnit::Nano,
    TimeUnit::Pico,
    TimeUnit::Femto,
    TimeUnit::Atto,
];

fn le(kind: ScalarKind) -> ScalarType {
    ScalarType {
        order: ByteOrder::Little,
        kind,
    }
}

fn single(kind: ScalarKind) -> ScalarType {
    ScalarType {
        order: ByteOrder::NotApplicable,
        kind,
    }
}

/// The element kind of a type id, or `None` for ids DataJoint does not read (0 unknown, 1 cell, 2 struct,
/// 16 function, anything else).
pub(crate) fn elem_of(type_id: u32) -> Option<Elem> {
    Some(match type_id {
        3 => Elem::Num(single(ScalarKind::Bool)),
        4 => Elem::Char,
        5 => Elem::Void,
        6 => Elem::Num(le(ScalarKind::Float(8))),
        7 => Elem::Num(le(ScalarKind::Float(4))),
        8 => Elem::Num(single(ScalarKind::Int(1))),
        9 => Elem::Num(single(ScalarKind::UInt(1))),
        10 => Elem::Num(le(ScalarKind::Int(2))),
        11 => Elem::Num(le(ScalarKind::UInt(2))),
        12 => Elem::Num(le(ScalarKind::Int(4))),
        13 => Elem::Num(le(ScalarKind::UInt(4))),
        14 => Elem::Num(le(ScalarKind::Int(8))),
        15 => Elem::Num(le(ScalarKind::UInt(8))),
        65_536..=65_548 => {
            let unit = DATE_UNITS[(type_id - 65_536) as usize];
            Elem::Num(le(ScalarKind::DateTime(DateUnit { unit, count: 1 })))
        }
        _ => return None,
    })
}

/// The dtype numpy gives `real + 1j * imag` for parts of type `part` (float32 → complex64, every other number and
/// bool → complex128); `None` for datetime64, which has no complex form.
pub(crate) fn complex_of(part: ScalarType) -> Option<ScalarType> {
    match part.kind {
        ScalarKind::Float(4) => Some(le(ScalarKind::Complex(8))),
        ScalarKind::Float(_) | ScalarKind::Int(_) | ScalarKind::UInt(_) | ScalarKind::Bool => {
            Some(le(ScalarKind::Complex(16)))
        }
        _ => None,
    }
}

/// The dtype of a MATLAB char matrix as DataJoint returns it: `<U1`.
pub(crate) fn char_dtype() -> DType {
    DType::Scalar(le(ScalarKind::Str(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typestr(id: u32) -> String {
        match elem_of(id) {
            Some(Elem::Num(s)) => s.typestr(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn ids_match_datajoint() {
        let want = [
            (3, "|b1"),
            (6, "<f8"),
            (7, "<f4"),
            (8, "|i1"),
            (9, "|u1"),
            (10, "<i2"),
            (11, "<u2"),
            (12, "<i4"),
            (13, "<u4"),
            (14, "<i8"),
            (15, "<u8"),
            (65_536, "<M8[Y]"),
            (65_539, "<M8[D]"),
            (65_545, "<M8[ns]"),
            (65_548, "<M8[as]"),
        ];
        for (id, s) in want {
            assert_eq!(typestr(id), s, "type id {id}");
        }
        assert_eq!(elem_of(4), Some(Elem::Char));
        assert_eq!(elem_of(5), Some(Elem::Void));
        for id in [0, 1, 2, 16, 17, 65_535, 65_549, u32::MAX] {
            assert_eq!(elem_of(id), None, "type id {id}");
        }
    }

    #[test]
    fn complex_dtypes_follow_numpy() {
        let c = |id| match elem_of(id) {
            Some(Elem::Num(s)) => complex_of(s).map(|t| t.typestr()),
            _ => None,
        };
        assert_eq!(c(7).as_deref(), Some("<c8"));
        assert_eq!(c(6).as_deref(), Some("<c16"));
        assert_eq!(c(8).as_deref(), Some("<c16"));
        assert_eq!(c(3).as_deref(), Some("<c16"));
        assert_eq!(c(65_545), None);
    }
}
