//! The `.npy` preamble and header dict: from the first bytes of an object to [`ArrayMeta`], with every size checked.

use super::descr::parse_descr;
use super::dtype::DType;
use super::error::{NpyError, clip};
use super::pylit::{self, Value};

/// Size of the first ranged read of an object: enough for every header numpy writes for ordinary arrays.
pub const MIN_PROBE_BYTES: usize = 4096;
/// Hard cap on magic + version + length field + header; longer headers are refused as hostile.
pub const MAX_HEADER_BYTES: u64 = 1 << 20;
/// The magic string every `.npy` file starts with.
pub const MAGIC: &[u8; 6] = b"\x93NUMPY";

/// Largest element count or byte count numpy can address (`intp` on 64-bit platforms).
const NUMPY_MAX_SIZE: u64 = i64::MAX as u64;

/// Metadata of a `.npy` array, all from its header; sizes are checked at parse time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArrayMeta {
    /// Format version from the preamble: (1, 0), (2, 0) or (3, 0).
    pub format_version: (u8, u8),
    /// Element dtype.
    pub dtype: DType,
    /// Whether the data is stored in Fortran (column-major) order.
    pub fortran_order: bool,
    /// Array shape; empty for a 0-d array.
    pub shape: Vec<u64>,
    /// Offset of the first data byte: the total header length.
    pub data_offset: u64,
    /// Element count (product of the shape, 1 for 0-d).
    pub size: u64,
    /// Bytes per element.
    pub itemsize: u64,
    /// Bytes of data: `size * itemsize`.
    pub nbytes: u64,
}

impl ArrayMeta {
    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// Bytes the whole object must have: `data_offset + nbytes` (checked when the header was parsed).
    pub fn expected_object_size(&self) -> u64 {
        self.data_offset.saturating_add(self.nbytes)
    }

    /// `Err(NpyError::Truncated)` when the object is shorter than the header promises; longer is fine, like numpy.
    pub fn check_object_size(&self, object_size: u64) -> Result<(), NpyError> {
        let expected = self.expected_object_size();
        if object_size < expected {
            Err(NpyError::Truncated {
                expected,
                actual: object_size,
            })
        } else {
            Ok(())
        }
    }
}

/// Length of the preamble (magic, version, length field) for a version, or an error for unknown versions.
fn preamble_len(major: u8, minor: u8) -> Result<usize, NpyError> {
    match (major, minor) {
        (1, 0) => Ok(10),
        (2, 0) | (3, 0) => Ok(12),
        _ => Err(NpyError::UnsupportedVersion { major, minor }),
    }
}

/// From the first bytes of an object, the total header length (= data offset): magic, version, length field, header.
/// Errors: fewer bytes than the preamble (10 or 12), wrong magic, unknown version, header over [`MAX_HEADER_BYTES`].
pub fn header_total_len(prefix: &[u8]) -> Result<u64, NpyError> {
    read_preamble(prefix).map(|p| p.total)
}

/// What the preamble says.
struct Preamble {
    version: (u8, u8),
    /// Bytes of magic, version and length field.
    len: usize,
    /// Preamble plus header text, at most [`MAX_HEADER_BYTES`].
    total: u64,
}

fn read_preamble(prefix: &[u8]) -> Result<Preamble, NpyError> {
    if prefix.is_empty() {
        return Err(NpyError::Empty);
    }
    let n = prefix.len().min(MAGIC.len());
    if prefix[..n] != MAGIC[..n] {
        return Err(NpyError::NotNpy {
            found: escape_bytes(&prefix[..prefix.len().min(8)]),
        });
    }
    let (Some(&major), Some(&minor)) = (prefix.get(6), prefix.get(7)) else {
        return Err(truncated(10, prefix.len()));
    };
    let pre = preamble_len(major, minor)?;
    let header_len = match prefix.get(8..pre) {
        Some(&[a, b]) => u64::from(u16::from_le_bytes([a, b])),
        Some(&[a, b, c, d]) => u64::from(u32::from_le_bytes([a, b, c, d])),
        _ => return Err(truncated(pre as u64, prefix.len())),
    };
    let total = pre as u64 + header_len;
    if total > MAX_HEADER_BYTES {
        return Err(NpyError::HeaderTooLarge {
            len: total,
            max: MAX_HEADER_BYTES,
        });
    }
    Ok(Preamble {
        version: (major, minor),
        len: pre,
        total,
    })
}

/// Parses a complete header (`bytes` holds at least [`header_total_len`] bytes; extra bytes are ignored).
pub fn parse_header(bytes: &[u8]) -> Result<ArrayMeta, NpyError> {
    let Preamble {
        version,
        len: pre,
        total,
    } = read_preamble(bytes)?;
    // `total` is at most MAX_HEADER_BYTES, so it fits in usize.
    let Some(raw) = bytes.get(pre..total as usize) else {
        return Err(truncated(total, bytes.len()));
    };
    let text = decode(raw, version)?;
    let opts = pylit::Options {
        allow_long_suffix: version.0 < 3,
    };
    let dict = match pylit::parse(&text, opts)? {
        Value::Dict(entries) => entries,
        other => {
            return Err(NpyError::NotADict {
                found: other.described(),
            });
        }
    };
    let (descr, fortran, shape) = take_keys(dict)?;
    let fortran_order = match fortran {
        Value::Bool(b) => b,
        other => return Err(NpyError::FortranOrder(other.described())),
    };
    let shape = parse_shape(&shape)?;
    let dtype = parse_descr(&descr)?;
    let itemsize = dtype.itemsize();
    let size = shape.iter().try_fold(1u64, |acc, &d| {
        acc.checked_mul(d).filter(|&p| p <= NUMPY_MAX_SIZE)
    });
    let size = size.ok_or_else(|| {
        NpyError::TooBig(format!(
            "the element count of a {}-dimensional shape",
            shape.len()
        ))
    })?;
    let nbytes = size
        .checked_mul(itemsize)
        .filter(|&b| b <= NUMPY_MAX_SIZE)
        .ok_or_else(|| {
            NpyError::TooBig(format!(
                "the byte count of {size} elements of {itemsize} bytes"
            ))
        })?;
    if total.checked_add(nbytes).is_none() {
        return Err(NpyError::TooBig("the end of the data".to_string()));
    }
    Ok(ArrayMeta {
        format_version: version,
        dtype,
        fortran_order,
        shape,
        data_offset: total,
        size,
        itemsize,
        nbytes,
    })
}

/// Header text: latin-1 for versions 1.0 and 2.0, UTF-8 for 3.0.
fn decode(raw: &[u8], version: (u8, u8)) -> Result<String, NpyError> {
    if version.0 >= 3 {
        std::str::from_utf8(raw)
            .map(str::to_owned)
            .map_err(|e| NpyError::HeaderEncoding {
                offset: e.valid_up_to(),
            })
    } else {
        Ok(raw.iter().map(|&b| char::from(b)).collect())
    }
}

/// Splits the header dict into descr, fortran_order, shape; exactly these keys, as numpy requires
/// (a repeated key keeps its last value, as in Python).
fn take_keys(entries: Vec<(Value, Value)>) -> Result<(Value, Value, Value), NpyError> {
    let (mut descr, mut fortran, mut shape) = (None, None, None);
    let mut extra = Vec::new();
    for (k, v) in entries {
        match &k {
            Value::Str(s) if s == "descr" => descr = Some(v),
            Value::Str(s) if s == "fortran_order" => fortran = Some(v),
            Value::Str(s) if s == "shape" => shape = Some(v),
            Value::Str(s) => extra.push(clip(s)),
            other => extra.push(format!("{} key", other.described())),
        }
    }
    match (descr, fortran, shape) {
        (Some(d), Some(f), Some(s)) if extra.is_empty() => Ok((d, f, s)),
        (d, f, s) => {
            let missing = [
                ("descr", d.is_none()),
                ("fortran_order", f.is_none()),
                ("shape", s.is_none()),
            ]
            .into_iter()
            .filter(|(_, absent)| *absent)
            .map(|(name, _)| name.to_string())
            .collect();
            if extra.len() > 5 {
                let more = extra.len() - 4;
                extra.truncate(4);
                extra.push(format!("and {more} more"));
            }
            Err(NpyError::Keys { missing, extra })
        }
    }
}

/// `shape` must be a tuple of non-negative ints (numpy refuses lists too).
fn parse_shape(v: &Value) -> Result<Vec<u64>, NpyError> {
    let Value::Tuple(dims) = v else {
        return Err(NpyError::Shape(format!(
            "expected a tuple of ints, found {}",
            v.described()
        )));
    };
    dims.iter()
        .map(|d| match d {
            Value::Int(n) if *n < 0 => Err(NpyError::Shape(format!("dimension {n} is negative"))),
            Value::Int(n) => u64::try_from(*n)
                .ok()
                .filter(|&n| n <= NUMPY_MAX_SIZE)
                .ok_or_else(|| NpyError::TooBig(format!("dimension {n}"))),
            Value::BigInt { negative: true } => {
                Err(NpyError::Shape("a dimension is negative".to_string()))
            }
            Value::BigInt { negative: false } => {
                Err(NpyError::TooBig("a dimension over 2**127".to_string()))
            }
            other => Err(NpyError::Shape(format!(
                "a dimension is {}, not an int",
                other.described()
            ))),
        })
        .collect()
}

fn truncated(expected: u64, actual: usize) -> NpyError {
    NpyError::Truncated {
        expected,
        actual: actual as u64,
    }
}

/// Bytes shown in a `b'...'`-like form for error messages.
fn escape_bytes(b: &[u8]) -> String {
    let body: String = b
        .iter()
        .flat_map(|&c| std::ascii::escape_default(c))
        .map(char::from)
        .collect();
    format!("b'{body}'")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v1(header: &str) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend([1, 0]);
        out.extend((header.len() as u16).to_le_bytes());
        out.extend(header.bytes());
        out
    }

    #[test]
    fn preamble_errors() {
        assert_eq!(header_total_len(b""), Err(NpyError::Empty));
        assert_eq!(
            header_total_len(b"\x93NUM").unwrap_err().kind(),
            "truncated"
        );
        assert_eq!(
            header_total_len(b"\x93NUMPY\x01\x00\x10")
                .unwrap_err()
                .kind(),
            "truncated"
        );
        assert_eq!(
            header_total_len(b"\x93NUMPY\x02\x00\x10\x00\x00")
                .unwrap_err()
                .kind(),
            "truncated"
        );
        assert_eq!(
            header_total_len(b"hello world").unwrap_err().kind(),
            "not_npy"
        );
        assert_eq!(
            header_total_len(b"\x93NUMPY\x09\x00\x10\x00")
                .unwrap_err()
                .kind(),
            "unsupported_version"
        );
        assert_eq!(
            header_total_len(b"\x93NUMPY\x02\x00\xff\xff\xff\xff")
                .unwrap_err()
                .kind(),
            "header_too_large"
        );
        assert_eq!(header_total_len(b"\x93NUMPY\x01\x00\x76\x00").unwrap(), 128);
        assert_eq!(
            header_total_len(b"\x93NUMPY\x03\x00\xf4\xff\x0f\x00").unwrap(),
            MAX_HEADER_BYTES
        );
    }

    #[test]
    fn overflow_is_an_error_not_a_panic() {
        for (shape, kind) in [
            ("(4611686018427387904, 4611686018427387904)", "too_big"),
            ("(4611686018427387904, 4)", "too_big"),
            ("(4611686018427387904, 4611686018427387904, 0)", "too_big"),
            ("(9223372036854775808, 0)", "too_big"),
            ("(1152921504606846976,)", "too_big"),
            ("(99999999999999999999999999999999999999999999,)", "too_big"),
            ("(-1,)", "shape"),
            ("(-99999999999999999999999999999999999999999999,)", "shape"),
            ("[3]", "shape"),
            ("(3.0,)", "shape"),
            ("(True,)", "shape"),
        ] {
            let h = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}\n");
            assert_eq!(parse_header(&v1(&h)).unwrap_err().kind(), kind, "{shape}");
        }
        let h = "{'descr': '<f8', 'fortran_order': False, 'shape': (1152921504606846975,), }\n";
        let m = parse_header(&v1(h)).unwrap();
        assert_eq!(m.nbytes, 8 * 1152921504606846975);
        assert_eq!(m.check_object_size(10).unwrap_err().kind(), "truncated");
    }

    #[test]
    fn header_dict_rules() {
        let ok = "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }  \n";
        let m = parse_header(&v1(ok)).unwrap();
        assert_eq!(
            (m.shape.clone(), m.fortran_order, m.size, m.nbytes),
            (vec![2, 3], true, 6, 48)
        );
        let dup = "{'descr': '|O', 'descr': '<i4', 'fortran_order': False, 'shape': ()}";
        assert_eq!(parse_header(&v1(dup)).unwrap().size, 1);
        let py2 = "{'descr': '<f8', 'fortran_order': False, 'shape': (2L, 3L), }";
        assert_eq!(parse_header(&v1(py2)).unwrap().shape, vec![2, 3]);
        for (h, kind) in [
            ("['<f8', False, (3,)]", "not_a_dict"),
            ("{'descr': '<f8', 'shape': (3,)}", "keys"),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'x': 1}",
                "keys",
            ),
            (
                "{'descr': '<f8', 'fortran_order': 0, 'shape': (3,)}",
                "fortran_order",
            ),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (3,)} x",
                "syntax",
            ),
            (
                "{'descr': '|O', 'fortran_order': False, 'shape': (3,)}",
                "object_dtype",
            ),
        ] {
            assert_eq!(parse_header(&v1(h)).unwrap_err().kind(), kind, "{h}");
        }
        let mut cut = v1(ok);
        cut.truncate(40);
        assert_eq!(
            parse_header(&cut).unwrap_err(),
            NpyError::Truncated {
                expected: 10 + ok.len() as u64,
                actual: 40
            }
        );
    }

    #[test]
    fn hostile_headers_give_short_messages() {
        let long = "x".repeat(500_000);
        let keys: String = (0..1000).map(|i| format!("'k{i}': 1, ")).collect();
        for h in [
            format!("{{'descr': '<{long}', 'fortran_order': False, 'shape': ()}}"),
            format!(
                "{{'descr': [('{long}', '<f8'), ('{long}', '<f8')], 'fortran_order': False, 'shape': ()}}"
            ),
            format!("{{'descr': '<f8', 'fortran_order': {long}, 'shape': ()}}"),
            format!("{{'descr': '<f8', 'fortran_order': False, 'shape': (), {keys}}}"),
            format!(
                "{{'descr': '<f8', 'fortran_order': False, 'shape': ({}), }}",
                "4611686018427387904, ".repeat(9000)
            ),
        ] {
            let mut b = MAGIC.to_vec();
            b.extend([2, 0]);
            b.extend((h.len() as u32).to_le_bytes());
            b.extend(h.bytes());
            let msg = parse_header(&b).unwrap_err().to_string();
            assert!(msg.len() < 300, "{}", &msg[..300]);
        }
    }

    #[test]
    fn v3_header_must_be_utf8() {
        let mut b = MAGIC.to_vec();
        b.extend([3, 0]);
        let h = b"{'descr': [('\xff', '<f8')], 'fortran_order': False, 'shape': ()}";
        b.extend((h.len() as u32).to_le_bytes());
        b.extend(h);
        assert_eq!(parse_header(&b).unwrap_err().kind(), "header_encoding");
        b[6] = 2; // the same bytes as latin-1 are fine
        let DType::Structured(f) = parse_header(&b).unwrap().dtype else {
            panic!()
        };
        assert_eq!(f[0].name, "ÿ");
    }
}
