//! One element as text, the way numpy prints it: exact integers, shortest round-trip floats,
//! `True`/`False`, complex as `(re+imj)`, strings decoded. For CSV export and value tables.

use super::lane::f16_to_f64;
use super::text::text;
use crate::npy::{ByteOrder, DType, ScalarKind, ScalarType};

fn array<const N: usize>(bytes: &[u8]) -> Option<[u8; N]> {
    bytes.get(..N)?.try_into().ok()
}

/// Reads an N-byte number in `order`.
macro_rules! read {
    ($t:ty, $bytes:expr, $order:expr) => {{
        let raw = array::<{ size_of::<$t>() }>($bytes)?;
        match $order {
            ByteOrder::Big => <$t>::from_be_bytes(raw),
            _ => <$t>::from_le_bytes(raw),
        }
    }};
}

fn float(value: f64) -> String {
    if value.is_nan() {
        "nan".to_string()
    } else if value.is_infinite() {
        if value > 0.0 { "inf" } else { "-inf" }.to_string()
    } else {
        format!("{value}")
    }
}

fn float32(value: f32) -> String {
    if value.is_finite() {
        format!("{value}")
    } else {
        float(f64::from(value))
    }
}

fn complex(re: String, im: String) -> String {
    let sign = if im.starts_with('-') { "" } else { "+" };
    format!("({re}{sign}{im}j)")
}

/// The element `bytes` of a scalar dtype as text; `None` for structured or unreadable input.
pub fn format_value(dtype: &DType, bytes: &[u8]) -> Option<String> {
    let DType::Scalar(ScalarType { order, kind }) = dtype else {
        return None;
    };
    let order = *order;
    Some(match kind {
        ScalarKind::Bool => if *bytes.first()? != 0 {
            "True"
        } else {
            "False"
        }
        .to_string(),
        ScalarKind::Int(1) => (*bytes.first()? as i8).to_string(),
        ScalarKind::Int(2) => read!(i16, bytes, order).to_string(),
        ScalarKind::Int(4) => read!(i32, bytes, order).to_string(),
        ScalarKind::Int(8) => read!(i64, bytes, order).to_string(),
        ScalarKind::UInt(1) => bytes.first()?.to_string(),
        ScalarKind::UInt(2) => read!(u16, bytes, order).to_string(),
        ScalarKind::UInt(4) => read!(u32, bytes, order).to_string(),
        ScalarKind::UInt(8) => read!(u64, bytes, order).to_string(),
        ScalarKind::Float(2) => float(f16_to_f64(read!(u16, bytes, order))),
        ScalarKind::Float(4) => float32(read!(f32, bytes, order)),
        ScalarKind::Float(8) => float(read!(f64, bytes, order)),
        ScalarKind::Complex(8) => complex(
            float32(read!(f32, bytes, order)),
            float32(read!(f32, bytes.get(4..)?, order)),
        ),
        ScalarKind::Complex(16) => complex(
            float(read!(f64, bytes, order)),
            float(read!(f64, bytes.get(8..)?, order)),
        ),
        ScalarKind::DateTime(_) | ScalarKind::TimeDelta(_) => match read!(i64, bytes, order) {
            i64::MIN => "NaT".to_string(),
            count => count.to_string(),
        },
        ScalarKind::Str(_) | ScalarKind::Bytes(_) => text(dtype, bytes),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::npy::parse_typestr;

    fn fmt(typestr: &str, bytes: &[u8]) -> String {
        format_value(&DType::Scalar(parse_typestr(typestr).unwrap()), bytes).unwrap()
    }

    #[test]
    fn numbers_like_numpy() {
        assert_eq!(fmt("<i8", &i64::MIN.to_le_bytes()), "-9223372036854775808");
        assert_eq!(fmt(">i4", &(-5i32).to_be_bytes()), "-5");
        assert_eq!(fmt("<u8", &u64::MAX.to_le_bytes()), "18446744073709551615");
        assert_eq!(fmt("<f4", &0.1f32.to_le_bytes()), "0.1");
        assert_eq!(fmt("<f8", &f64::NAN.to_le_bytes()), "nan");
        assert_eq!(fmt("<f8", &f64::NEG_INFINITY.to_le_bytes()), "-inf");
        assert_eq!(fmt("<f2", &0x3c00u16.to_le_bytes()), "1");
        assert_eq!(fmt("|b1", &[1]), "True");
        let mut c = 1.5f32.to_le_bytes().to_vec();
        c.extend_from_slice(&(-2.0f32).to_le_bytes());
        assert_eq!(fmt("<c8", &c), "(1.5-2j)");
        assert_eq!(fmt("<M8[ns]", &i64::MIN.to_le_bytes()), "NaT");
        assert_eq!(fmt("|S3", b"ab\0"), "ab");
    }
}
