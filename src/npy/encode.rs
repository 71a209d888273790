//! Writes `.npy` headers byte-for-byte as numpy's `np.save` does, for output files and demo stores.

use super::dtype::DType;
use super::header::MAGIC;
use super::repr::py_tuple;

/// numpy aligns the data start to this many bytes.
const ARRAY_ALIGN: usize = 64;
/// numpy leaves room for the growth axis to reach this many digits (`GROWTH_AXIS_MAX_DIGITS`).
const GROWTH_AXIS_MAX_DIGITS: usize = 21;

/// Encodes a header exactly as numpy's `np.save` would write it: format 1.0 if the header fits a u16 length, else
/// 2.0; 3.0 only if the text is not latin-1 (a field name outside latin-1).
pub fn encode_header(dtype: &DType, fortran_order: bool, shape: &[u64]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(u64::to_string).collect();
    let mut text = format!(
        "{{'descr': {}, 'fortran_order': {}, 'shape': {}, }}",
        dtype.descr_literal(),
        if fortran_order { "True" } else { "False" },
        py_tuple(&dims)
    );
    let growth_axis = if fortran_order {
        dims.last()
    } else {
        dims.first()
    };
    if let Some(d) = growth_axis {
        text.push_str(&" ".repeat(GROWTH_AXIS_MAX_DIGITS.saturating_sub(d.len())));
    }
    match latin1(&text) {
        Some(bytes) => wrap(&bytes, (1, 0)).unwrap_or_else(|| wrap_u32(&bytes, (2, 0))),
        None => wrap_u32(text.as_bytes(), (3, 0)),
    }
}

/// The text as latin-1 bytes, or `None` if a character is outside latin-1.
fn latin1(text: &str) -> Option<Vec<u8>> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect()
}

/// Magic, version, length field, header text, space padding and `\n`, aligned to [`ARRAY_ALIGN`];
/// `None` when the length does not fit the version's field.
fn wrap(header: &[u8], version: (u8, u8)) -> Option<Vec<u8>> {
    let field_len = if version == (1, 0) { 2 } else { 4 };
    let hlen = header.len() + 1;
    let padlen = ARRAY_ALIGN - ((MAGIC.len() + 2 + field_len + hlen) % ARRAY_ALIGN);
    let total = hlen + padlen;
    let mut out = Vec::with_capacity(MAGIC.len() + 2 + field_len + total);
    out.extend_from_slice(MAGIC);
    out.extend([version.0, version.1]);
    if field_len == 2 {
        out.extend(u16::try_from(total).ok()?.to_le_bytes());
    } else {
        out.extend(u32::try_from(total).ok()?.to_le_bytes());
    }
    out.extend_from_slice(header);
    out.resize(out.len() + padlen, b' ');
    out.push(b'\n');
    Some(out)
}

/// [`wrap`] for the u32-length versions; a header over 4 GiB cannot occur for real dtypes, so the length saturates.
fn wrap_u32(header: &[u8], version: (u8, u8)) -> Vec<u8> {
    wrap(header, version).unwrap_or_else(|| {
        let mut out = MAGIC.to_vec();
        out.extend([version.0, version.1]);
        out.extend(u32::MAX.to_le_bytes());
        out.extend_from_slice(header);
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::npy::parse_header;

    #[test]
    fn simple_header_matches_numpy() {
        let dt = DType::Scalar(crate::npy::descr::parse_typestr("<f8").unwrap());
        let h = encode_header(&dt, false, &[3]);
        let want =
            b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }";
        assert_eq!(&h[..want.len()], want);
        assert_eq!(h.len(), 128);
        assert_eq!(h.last(), Some(&b'\n'));
        let m = parse_header(&h).unwrap();
        assert_eq!((m.dtype, m.shape, m.data_offset), (dt, vec![3], 128));
    }
}
