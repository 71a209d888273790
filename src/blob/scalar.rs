//! Python scalars in a blob: unbounded ints, bool, float, complex, Decimal, date/time/datetime and UUID.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

/// A Python scalar stored by its own item code.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    /// An `int` of any size (code 0x0a).
    Int(BigInt),
    /// A `bool` (code 0x0b).
    Bool(bool),
    /// A `float` (code 0x0d).
    Float(f64),
    /// A `complex` (code 0x0c).
    Complex {
        /// Real part.
        re: f64,
        /// Imaginary part.
        im: f64,
    },
    /// A `decimal.Decimal`, as the text DataJoint stored (code `'d'`).
    Decimal(String),
    /// A `datetime.date`, `time` or `datetime` (code `'t'`).
    DateTime(BlobDateTime),
    /// A `uuid.UUID`: its 16 bytes in order (code `'u'`).
    Uuid([u8; 16]),
}

impl Scalar {
    /// A short name of the scalar's Python type: `"int"`, `"bool"`, `"float"`, `"complex"`, `"decimal"`,
    /// `"date"`, `"time"`, `"datetime"` or `"uuid"`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Scalar::Int(_) => "int",
            Scalar::Bool(_) => "bool",
            Scalar::Float(_) => "float",
            Scalar::Complex { .. } => "complex",
            Scalar::Decimal(_) => "decimal",
            Scalar::DateTime(BlobDateTime::Date(_)) => "date",
            Scalar::DateTime(BlobDateTime::Time(_)) => "time",
            Scalar::DateTime(BlobDateTime::DateTime(_)) => "datetime",
            Scalar::Uuid(_) => "uuid",
        }
    }
}

/// What a `'t'` item holds, as DataJoint returns it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlobDateTime {
    /// A `datetime.date`.
    Date(NaiveDate),
    /// A `datetime.time` (microseconds).
    Time(NaiveTime),
    /// A `datetime.datetime` (naive, microseconds).
    DateTime(NaiveDateTime),
}

impl BlobDateTime {
    /// From the stored fields: `date` = YYYYMMDD or -1, `time` = HHMMSSuuuuuu or -1, split as DataJoint does.
    /// `Ok(None)` when both are absent (DataJoint returns `None`); `Err(())` for a date or time that does not exist.
    pub(crate) fn from_fields(date: i32, time: i64) -> Result<Option<BlobDateTime>, ()> {
        let d = if date >= 0 {
            let (y, m, d) = (date / 10_000, (date / 100) % 100, date % 100);
            if !(1..=9999).contains(&y) {
                return Err(());
            }
            Some(NaiveDate::from_ymd_opt(y, m as u32, d as u32).ok_or(())?)
        } else {
            None
        };
        let t = if time >= 0 {
            let part = |div: i64| ((time / div) % 100) as u32;
            let micro = (time % 1_000_000) as u32;
            Some(
                NaiveTime::from_hms_micro_opt(
                    part(10_000_000_000),
                    part(100_000_000),
                    part(1_000_000),
                    micro,
                )
                .ok_or(())?,
            )
        } else {
            None
        };
        Ok(match (d, t) {
            (Some(d), Some(t)) => Some(BlobDateTime::DateTime(d.and_time(t))),
            (Some(d), None) => Some(BlobDateTime::Date(d)),
            (None, Some(t)) => Some(BlobDateTime::Time(t)),
            (None, None) => None,
        })
    }

    /// Python's `isoformat()`: `2024-01-02`, `03:04:05.000006`, `2024-01-02T03:04:05` (microseconds only when
    /// not zero).
    pub fn isoformat(&self) -> String {
        fn date(d: NaiveDate) -> String {
            format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
        }
        fn time(t: NaiveTime) -> String {
            let micro = t.nanosecond() / 1000;
            let base = format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second());
            if micro == 0 {
                base
            } else {
                format!("{base}.{micro:06}")
            }
        }
        match self {
            BlobDateTime::Date(d) => date(*d),
            BlobDateTime::Time(t) => time(*t),
            BlobDateTime::DateTime(dt) => format!("{}T{}", date(dt.date()), time(dt.time())),
        }
    }
}

/// A Python `int` of any size: two's complement, little-endian, as stored (at most 65535 bytes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BigInt {
    le: Vec<u8>,
}

impl BigInt {
    /// From DataJoint's bytes: signed two's complement, little-endian (empty is 0).
    pub fn from_le_bytes(le: &[u8]) -> BigInt {
        BigInt { le: le.to_vec() }
    }

    /// The stored bytes.
    pub fn le_bytes(&self) -> &[u8] {
        &self.le
    }

    fn negative(&self) -> bool {
        self.le.last().is_some_and(|&b| b & 0x80 != 0)
    }

    /// The value if it fits an `i128`.
    pub fn to_i128(&self) -> Option<i128> {
        let fill = if self.negative() { 0xff } else { 0 };
        let (low, high) = self.le.split_at(self.le.len().min(16));
        if high.iter().any(|&b| b != fill) {
            return None;
        }
        let mut bytes = [fill; 16];
        bytes[..low.len()].copy_from_slice(low);
        let v = i128::from_le_bytes(bytes);
        // The sign must survive the cut: a 17-byte positive with bit 127 set does not fit.
        ((v < 0) == self.negative()).then_some(v)
    }

    /// The value if it fits an `i64`.
    pub fn to_i64(&self) -> Option<i64> {
        self.to_i128().and_then(|v| i64::try_from(v).ok())
    }
}

/// The most bytes printed in decimal: Python's default limit for `str(int)` is 4300 digits (about 1786 bytes), and
/// the conversion is quadratic, so longer ints (up to 64 KiB in a blob) are printed in hexadecimal.
const MAX_DECIMAL_BYTES: usize = 1786;

impl BigInt {
    /// The magnitude's bytes, little-endian (two's complement negated for negatives).
    fn magnitude(&self) -> Vec<u8> {
        let mut bytes = self.le.clone();
        if self.negative() {
            let mut carry = true;
            for b in &mut bytes {
                *b = !*b;
                if carry {
                    let (v, c) = b.overflowing_add(1);
                    *b = v;
                    carry = c;
                }
            }
        }
        bytes
    }
}

impl std::fmt::Display for BigInt {
    /// Decimal, like Python's `str(int)`; past Python's 4300-digit limit, hexadecimal (`0x…`, `-0x…`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(v) = self.to_i128() {
            return write!(f, "{v}");
        }
        let neg = self.negative();
        let bytes = self.magnitude();
        if bytes.len() > MAX_DECIMAL_BYTES {
            let mut be: Vec<u8> = bytes.into_iter().rev().skip_while(|&b| b == 0).collect();
            if be.is_empty() {
                be.push(0);
            }
            let digits = hex::encode(&be);
            let digits = digits
                .strip_prefix('0')
                .filter(|d| !d.is_empty())
                .unwrap_or(&digits);
            return write!(f, "{}0x{digits}", if neg { "-" } else { "" });
        }
        let mut limbs: Vec<u32> = bytes
            .chunks(4)
            .map(|c| {
                let mut w = [0u8; 4];
                w[..c.len()].copy_from_slice(c);
                u32::from_le_bytes(w)
            })
            .collect();
        const BASE: u64 = 1_000_000_000;
        let mut groups = Vec::new();
        while limbs.iter().any(|&l| l != 0) {
            let mut rem = 0u64;
            for l in limbs.iter_mut().rev() {
                let cur = (rem << 32) | u64::from(*l);
                *l = (cur / BASE) as u32;
                rem = cur % BASE;
            }
            groups.push(rem as u32);
            while limbs.last() == Some(&0) {
                limbs.pop();
            }
        }
        let mut out = String::new();
        if neg {
            out.push('-');
        }
        let mut it = groups.iter().rev();
        if let Some(first) = it.next() {
            out.push_str(&first.to_string());
        }
        for g in it {
            out.push_str(&format!("{g:09}"));
        }
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn big(v: &str) -> BigInt {
        // Python: v.to_bytes(v.bit_length() // 8 + 1, 'little', signed=True) for a few known values.
        let bytes: Vec<u8> = match v {
            "2**100" => {
                let mut b = vec![0u8; 13];
                b[12] = 0x10;
                b
            }
            "-2**100" => {
                let mut b = vec![0u8; 13];
                b[12] = 0xf0;
                b
            }
            _ => unreachable!(),
        };
        BigInt::from_le_bytes(&bytes)
    }

    #[test]
    fn big_ints_print_like_python() {
        assert_eq!(big("2**100").to_string(), "1267650600228229401496703205376");
        assert_eq!(
            big("-2**100").to_string(),
            "-1267650600228229401496703205376"
        );
        let mut b = vec![0u8; 26];
        b[25] = 0x01; // 2**200
        assert_eq!(
            BigInt::from_le_bytes(&b).to_string(),
            "1606938044258990275541962092341162602522202993782792835301376"
        );
        let mut b = vec![0xffu8; 20]; // -1 in 20 bytes
        assert_eq!(BigInt::from_le_bytes(&b).to_i64(), Some(-1));
        b[0] = 0xfe;
        assert_eq!(BigInt::from_le_bytes(&b).to_string(), "-2");
        assert_eq!(BigInt::from_le_bytes(&[]).to_string(), "0");
        assert_eq!(BigInt::from_le_bytes(&[0x80]).to_i64(), Some(-128));
        let mut b = vec![0u8; 17];
        b[15] = 0x80; // 2**127: positive, does not fit i128
        assert_eq!(BigInt::from_le_bytes(&b).to_i128(), None);
        assert_eq!(
            BigInt::from_le_bytes(&b).to_string(),
            "170141183460469231731687303715884105728"
        );
        // Past Python's 4300 digits: hexadecimal, quickly.
        let mut b = vec![0u8; 65535];
        b[65533] = 0x01; // 2**(8 * 65533)
        let text = BigInt::from_le_bytes(&b).to_string();
        assert_eq!((&text[..5], text.len()), ("0x100", 2 + 1 + 2 * 65533));
        let b = vec![0xffu8; 65535]; // -1
        assert_eq!(BigInt::from_le_bytes(&b).to_string(), "-1");
        let mut b = vec![0u8; 65535];
        b[65534] = 0x80; // -2**(8 * 65535 - 1)
        assert!(BigInt::from_le_bytes(&b).to_string().starts_with("-0x8000"));
    }

    #[test]
    fn datetimes_split_like_datajoint() {
        let dt = BlobDateTime::from_fields(20240102, 30405000006)
            .unwrap()
            .unwrap();
        assert_eq!(dt.isoformat(), "2024-01-02T03:04:05.000006");
        let d = BlobDateTime::from_fields(20200229, -1).unwrap().unwrap();
        assert_eq!(d.isoformat(), "2020-02-29");
        let t = BlobDateTime::from_fields(-1, 0).unwrap().unwrap();
        assert_eq!(t.isoformat(), "00:00:00");
        assert_eq!(BlobDateTime::from_fields(-1, -1), Ok(None));
        assert!(BlobDateTime::from_fields(20230229, -1).is_err());
        assert!(BlobDateTime::from_fields(101, -1).is_err());
        assert!(BlobDateTime::from_fields(-1, 250000000000).is_err());
    }
}
