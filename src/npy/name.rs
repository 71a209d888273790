//! numpy's dtype *names* (`str(dtype)`: `float32`, `int64`, `bool`, `datetime64[ns]`, `>f8`,
//! `<U5`, `[('a', '<i4'), …]`) turned into the same [`DType`] a `.npy` header gives. DataJoint
//! keeps these names in the database for `<npy@>` attributes.

use super::descr::{parse_descr, parse_typestr};
use super::dtype::DType;
use super::error::NpyError;
use super::pylit;

/// The dtype named by `str(numpy.dtype)`. Native byte order is little-endian (the machines
/// DataJoint runs on).
pub fn dtype_from_numpy_name(name: &str) -> Result<DType, NpyError> {
    let name = name.trim();
    if name.starts_with('[') {
        let literal = pylit::parse(name, pylit::Options::default())?;
        return parse_descr(&literal);
    }
    let (base, unit) = match name.find('[') {
        Some(i) => (&name[..i], &name[i..]),
        None => (name, ""),
    };
    let typestr = match base {
        "bool" => "|b1".to_string(),
        "int8" => "|i1".to_string(),
        "uint8" => "|u1".to_string(),
        "int16" | "int32" | "int64" | "uint16" | "uint32" | "uint64" | "float16" | "float32"
        | "float64" | "float128" | "float96" | "complex64" | "complex128" | "complex192"
        | "complex256" => {
            let (kind, bits) = split_bits(base);
            let bytes = bits / 8;
            format!("<{kind}{bytes}")
        }
        "datetime64" => format!("<M8{unit}"),
        "timedelta64" => format!("<m8{unit}"),
        _ => name.to_string(),
    };
    Ok(DType::Scalar(parse_typestr(&typestr)?))
}

/// `float32` → (`f`, 32).
fn split_bits(name: &str) -> (&'static str, u32) {
    let digits = name.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    let bits = digits.parse().unwrap_or(0);
    let kind = if name.starts_with("uint") {
        "u"
    } else if name.starts_with("int") {
        "i"
    } else if name.starts_with("float") {
        "f"
    } else {
        "c"
    };
    (kind, bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn descr(name: &str) -> String {
        match dtype_from_numpy_name(name) {
            Ok(d) => d.descr_json().to_string(),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn names_numpy_prints_become_descrs() {
        let cases = [
            ("bool", "\"|b1\""),
            ("int8", "\"|i1\""),
            ("uint8", "\"|u1\""),
            ("int16", "\"<i2\""),
            ("uint64", "\"<u8\""),
            ("float16", "\"<f2\""),
            ("float32", "\"<f4\""),
            ("float64", "\"<f8\""),
            ("float128", "\"<f16\""),
            ("complex64", "\"<c8\""),
            ("complex128", "\"<c16\""),
            ("datetime64[ns]", "\"<M8[ns]\""),
            ("timedelta64[s]", "\"<m8[s]\""),
            ("datetime64[10us]", "\"<M8[10us]\""),
            (">f8", "\">f8\""),
            ("<U5", "\"<U5\""),
            ("|S3", "\"|S3\""),
            ("|V8", "\"|V8\""),
            (
                "[('f0', '<i8'), ('f1', '<f4')]",
                "[[\"f0\",\"<i8\"],[\"f1\",\"<f4\"]]",
            ),
        ];
        for (name, want) in cases {
            assert_eq!(descr(name), want, "{name}");
        }
        assert!(dtype_from_numpy_name("object").is_err());
        assert!(dtype_from_numpy_name("O").is_err());
        assert!(dtype_from_numpy_name("").is_err());
    }
}
