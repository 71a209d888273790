//! Blob reading against the format's test vectors and hostile input: lying lengths, huge shapes, zip bombs, deep
//! nesting, legacy 32-bit blobs.

use std::io::Write;

use flate2::Compression as Level;
use flate2::write::ZlibEncoder;

use super::*;

/// `int16 [[1,2,3],[4,5,6]]` as `datajoint.blob.pack` writes it.
const INT16_2X3: &str = "6d596d00410200000000000000020000000000000003000000000000000a00000000000000010004000200050003000600";
/// `float64 3.25` (0-d) as `datajoint.blob.pack` writes it.
const F64_0D: &str = "646a300041000000000000000006000000000000000000000000000a40";

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

fn u64s(v: &[u64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = ZlibEncoder::new(Vec::new(), Level::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn compressed(blob: &[u8]) -> Vec<u8> {
    let mut v = ZLIB_PREFIX.to_vec();
    v.extend((blob.len() as u64).to_le_bytes());
    v.extend(zlib(blob));
    v
}

fn kind(bytes: &[u8]) -> &'static str {
    match decode(bytes) {
        Ok(v) => panic!("decoded {v:?}"),
        Err(e) => e.kind(),
    }
}

#[test]
fn test_vectors_decode_like_datajoint() {
    let v = decode(&unhex(INT16_2X3)).unwrap();
    let a = v.as_array().unwrap();
    assert_eq!(a.dtype.descr_json(), "<i2");
    assert_eq!(a.shape, vec![2, 3]);
    let nd = a.to_ndarray().unwrap();
    assert_eq!(nd.as_slice::<i16>().unwrap(), &[1, 2, 3, 4, 5, 6]);
    let v = decode(&unhex(F64_0D)).unwrap();
    let a = v.as_array().unwrap();
    assert_eq!(
        (a.dtype.descr_json(), a.shape.clone()),
        ("<f8".into(), vec![])
    );
    assert_eq!(a.to_ndarray().unwrap().as_slice::<f64>().unwrap(), &[3.25]);
    let blob = decode_blob(&unhex(F64_0D), &DecodeOptions::default()).unwrap();
    assert_eq!(
        (blob.protocol, blob.legacy_32bit, blob.uncompressed_len),
        (Protocol::Dj0, false, None)
    );
}

#[test]
fn headers_say_where_the_data_is() {
    let bytes = unhex(INT16_2X3);
    let h = read_header(&bytes, Some(bytes.len() as u64)).unwrap();
    let BlobKind::Array(a) = &h.kind else {
        panic!("{h:?}")
    };
    assert_eq!(
        (a.data_offset, a.data_len, a.shape.clone()),
        (37, 12, vec![2, 3])
    );
    assert!(a.stored_as_numpy() && a.fortran_order && !a.is_complex);
    assert_eq!(h.protocol, Protocol::Mym);
    // A short prefix asks for exactly what is missing.
    for (n, want) in [
        (0, 6),
        (3, 4),
        (4, 5),
        (12, 13),
        (20, 21),
        (21, 29),
        (36, 37),
    ] {
        let e = read_header(&bytes[..n], None).unwrap_err();
        assert_eq!(
            e,
            BlobError::NeedMore {
                have: n as u64,
                at_least: want
            },
            "prefix {n}"
        );
    }
    // The whole array header is enough when the object's size is not known…
    assert!(read_header(&bytes[..37], None).is_ok());
    // …and a known size that does not fit the data is an error, not a request for more.
    assert_eq!(
        read_header(&bytes[..37], Some(40)).unwrap_err().kind(),
        "truncated"
    );
    assert_eq!(
        read_header(&bytes, Some(60)).unwrap_err().kind(),
        "trailing_bytes"
    );
}

#[test]
fn compressed_headers_inflate_only_the_start() {
    let mut blob = b"mYm\0A".to_vec();
    blob.extend(u64s(&[2, 100, 100]));
    blob.extend([6, 0, 0, 0, 0, 0, 0, 0]);
    blob.extend((0..10_000u32).flat_map(|i| f64::from(i).to_le_bytes()));
    let z = compressed(&blob);
    let mut n = 15;
    let h = loop {
        match read_header(&z[..n], Some(z.len() as u64)) {
            Ok(h) => break h,
            Err(BlobError::NeedMore { at_least, .. }) => {
                assert!(at_least as usize > n);
                n = at_least as usize;
            }
            Err(e) => panic!("{e}"),
        }
    };
    assert!(n <= HEADER_PROBE_BYTES, "{n} bytes were read");
    assert_eq!(h.compression.unwrap().uncompressed_len, blob.len() as u64);
    let BlobKind::Array(a) = &h.kind else {
        panic!("{h:?}")
    };
    assert_eq!(
        (a.shape.clone(), a.data_offset, a.data_len),
        (vec![100, 100], 37, 80_000)
    );
    let e = read_header(&z[..15], Some(z.len() as u64)).unwrap_err();
    let BlobError::NeedMore { at_least, .. } = e else {
        panic!("{e}")
    };
    assert!(at_least > 15 && at_least <= z.len() as u64);
    let v = decode(&z).unwrap();
    assert_eq!(v.as_array().unwrap().data.len(), 80_000);
}

#[test]
fn lying_lengths_are_errors() {
    // A list that claims 2^60 items.
    let mut b = b"dj0\0\x02".to_vec();
    b.extend((1u64 << 60).to_le_bytes());
    assert_eq!(kind(&b), "count_too_big");
    // A str that claims more bytes than there are.
    let mut b = b"dj0\0\x05".to_vec();
    b.extend(1000u64.to_le_bytes());
    b.extend(b"abc");
    assert_eq!(kind(&b), "truncated");
    // An item whose length prefix is longer than its contents.
    let mut b = b"dj0\0\x02".to_vec();
    b.extend(1u64.to_le_bytes());
    b.extend(2u64.to_le_bytes());
    b.extend([0xff, 0xff]);
    assert_eq!(kind(&b), "item_length");
    // …or shorter.
    let mut b = b"dj0\0\x02".to_vec();
    b.extend(1u64.to_le_bytes());
    b.extend(1u64.to_le_bytes());
    b.push(0x0d);
    b.extend(1.5f64.to_le_bytes());
    assert_eq!(kind(&b), "truncated");
    // Bytes after the one item.
    let mut b = unhex(F64_0D);
    b.push(0);
    assert_eq!(kind(&b), "trailing_bytes");
    // Struct field count with no names behind it.
    let mut b = b"mYm\0S".to_vec();
    b.extend(u64s(&[2, 1, 1]));
    b.extend(u32::MAX.to_le_bytes());
    assert_eq!(kind(&b), "count_too_big");
}

#[test]
fn huge_shapes_are_refused_before_allocating() {
    let array = |shape: &[u64], type_id: u32| {
        let mut b = b"mYm\0A".to_vec();
        b.extend((shape.len() as u64).to_le_bytes());
        b.extend(u64s(shape));
        b.extend(type_id.to_le_bytes());
        b.extend(0u32.to_le_bytes());
        b
    };
    assert_eq!(kind(&array(&[1 << 32, 1 << 32], 6)), "count_too_big");
    assert_eq!(kind(&array(&[u64::MAX, 2], 6)), "count_too_big");
    assert_eq!(kind(&array(&[1 << 40], 5)), "count_too_big");
    assert_eq!(kind(&array(&[1 << 40], 4)), "count_too_big");
    let mut b = b"mYm\0A".to_vec();
    b.extend(u64::MAX.to_le_bytes());
    assert_eq!(kind(&b), "too_many_dims");
    assert_eq!(kind(&array(&[1; 65], 6)), "too_many_dims");
    // A zero dimension makes the array empty whatever the others say.
    let v = decode(&array(&[u64::MAX, 0, u64::MAX], 6)).unwrap();
    assert_eq!(v.as_array().unwrap().size(), 0);
    assert_eq!(kind(&array(&[2], 0)), "unknown_type");
    assert_eq!(kind(&array(&[2], 16)), "unknown_type");
    let mut b = array(&[1], 65_545);
    let flag = b.len() - 4;
    b[flag] = 1;
    b.extend([0; 16]);
    assert_eq!(kind(&b), "complex_not_allowed");
}

#[test]
fn zip_bombs_stop_at_the_claim_or_the_limit() {
    let zeros = zlib(&vec![0u8; 8 << 20]);
    let wrap = |claim: u64| {
        let mut v = ZLIB_PREFIX.to_vec();
        v.extend(claim.to_le_bytes());
        v.extend(&zeros);
        v
    };
    let small = DecodeOptions {
        max_decompressed: 1 << 20,
        ..DecodeOptions::default()
    };
    let e = decode_blob(&wrap(8 << 20), &small).unwrap_err();
    assert_eq!(e.kind(), "over_limit");
    assert_eq!(kind(&wrap(1 << 20)), "size_mismatch");
    assert_eq!(kind(&wrap(u64::MAX)), "over_limit");
    assert_eq!(kind(&wrap(1 << 31)), "implausible_claim");
    // Within the limit, the claim is honoured: the inflated zeros are just not a blob.
    assert_eq!(kind(&wrap(8 << 20)), "not_blob");
    let e = read_header(&wrap(u64::MAX)[..4096], Some(zeros.len() as u64 + 14)).unwrap_err();
    assert_eq!(e.kind(), "implausible_claim");
}

#[test]
fn deep_nesting_is_bounded() {
    // `depth` lists each holding the next, None innermost: the item k levels from the bottom is 1 + 17 k bytes.
    let nested = |depth: usize| {
        let mut b = b"dj0\0".to_vec();
        for level in 0..depth {
            b.push(0x02);
            b.extend(1u64.to_le_bytes());
            b.extend((1 + 17 * (depth - level - 1) as u64).to_le_bytes());
        }
        b.push(0xff);
        b
    };
    assert!(decode(&nested(DEFAULT_MAX_DEPTH)).is_ok());
    assert_eq!(kind(&nested(DEFAULT_MAX_DEPTH + 1)), "too_deep");
    let any_depth = DecodeOptions {
        max_depth: usize::MAX,
        ..DecodeOptions::default()
    };
    let e = decode_blob(&nested(100_000), &any_depth).unwrap_err();
    assert_eq!(
        e,
        BlobError::TooDeep {
            max: HARD_MAX_DEPTH,
            at: 4 + 17 * (HARD_MAX_DEPTH as u64 + 1)
        }
    );
}

#[test]
fn bad_codes_and_text() {
    assert_eq!(kind(b"dj0\0\x07"), "unknown_code");
    assert_eq!(kind(b"mYm\0P"), "sparse");
    assert_eq!(kind(b""), "empty");
    assert_eq!(kind(b"mY"), "truncated");
    assert_eq!(kind(b"\x93NUMPY"), "not_blob");
    assert_eq!(kind(b"ZL1"), "truncated");
    let mut b = b"dj0\0\x05".to_vec();
    b.extend(2u64.to_le_bytes());
    b.extend([0xc3, 0x28]);
    assert_eq!(kind(&b), "bad_text");
    let mut b = b"dj0\0t".to_vec();
    b.extend(20230229i32.to_le_bytes());
    b.extend((-1i64).to_le_bytes());
    assert_eq!(kind(&b), "bad_datetime");
    let mut b = b"dj0\0t".to_vec();
    b.extend((-1i32).to_le_bytes());
    b.extend((-1i64).to_le_bytes());
    assert_eq!(decode(&b).unwrap(), BlobValue::None);
}

#[test]
fn legacy_32bit_blobs_are_read() {
    let mut b = b"mYm\0A".to_vec();
    for v in [2u32, 2, 3, 10, 0] {
        b.extend(v.to_le_bytes());
    }
    b.extend([1, 0, 4, 0, 2, 0, 5, 0, 3, 0, 6, 0]);
    let blob = decode_blob(&b, &DecodeOptions::default()).unwrap();
    assert!(blob.legacy_32bit);
    let nd = blob.value.as_array().unwrap().to_ndarray().unwrap();
    assert_eq!(nd.as_slice::<i16>().unwrap(), &[1, 2, 3, 4, 5, 6]);
    let h = read_header(&b, Some(b.len() as u64)).unwrap();
    assert!(h.legacy_32bit);
    // dj0 blobs are never 32-bit: the 64-bit error stands.
    b[..4].copy_from_slice(b"dj0\0");
    assert_eq!(kind(&b), "too_many_dims");
    // Compressed with a u32 length.
    b[..4].copy_from_slice(b"mYm\0");
    let mut z = ZLIB_PREFIX.to_vec();
    z.extend((b.len() as u32).to_le_bytes());
    z.extend(zlib(&b));
    let blob = decode_blob(&z, &DecodeOptions::default()).unwrap();
    assert!(blob.legacy_32bit);
    assert_eq!(blob.uncompressed_len, Some(b.len() as u64));
}

#[test]
fn chars_beyond_ascii_read_as_latin1() {
    let mut b = b"mYm\0A".to_vec();
    b.extend(u64s(&[2, 1, 3]));
    b.extend(4u32.to_le_bytes());
    b.extend(0u32.to_le_bytes());
    b.extend([b'c', 0, b'a', 0, 0xe9, 0x03]);
    assert_eq!(decode(&b).unwrap(), BlobValue::Text("caé".into()));
}

#[test]
fn shared_decoding_does_not_copy_arrays() {
    let bytes = bytes::Bytes::from(unhex(INT16_2X3));
    let blob = decode_shared(bytes.clone(), &DecodeOptions::default()).unwrap();
    let data = &blob.value.as_array().unwrap().data;
    assert_eq!(data.as_ptr(), bytes[37..].as_ptr());
}

#[test]
fn paths_find_arrays() {
    // {"x": [f64 0-d, "s"], 3: cell{int16 2x3}}
    let f64_item = unhex(F64_0D)[4..].to_vec();
    let i16_item = unhex(INT16_2X3)[4..].to_vec();
    let sized = |item: &[u8]| {
        let mut v = (item.len() as u64).to_le_bytes().to_vec();
        v.extend(item);
        v
    };
    let mut list = vec![0x02];
    list.extend(2u64.to_le_bytes());
    list.extend(sized(&f64_item));
    let mut s = vec![0x05];
    s.extend(1u64.to_le_bytes());
    s.push(b's');
    list.extend(sized(&s));
    let mut cell = vec![b'C'];
    cell.extend(u64s(&[1, 1]));
    cell.extend(sized(&i16_item));
    let mut key_x = vec![0x05];
    key_x.extend(1u64.to_le_bytes());
    key_x.push(b'x');
    let key_3 = vec![0x0a, 1, 0, 3];
    let mut b = b"dj0\0\x04".to_vec();
    b.extend(2u64.to_le_bytes());
    for part in [&key_x, &list, &key_3, &cell] {
        b.extend(sized(part));
    }
    let v = decode(&b).unwrap();
    let paths: Vec<Vec<String>> = v.numeric_arrays().map(|(p, _)| p).collect();
    assert_eq!(
        paths,
        vec![
            vec!["x".to_string(), "0".into()],
            vec!["3".into(), "0".into()]
        ]
    );
    assert_eq!(v.array_at(&["3", "0"]).unwrap().shape, vec![2, 3]);
    assert_eq!(v.get(&["#0", "1"]).unwrap().as_text(), Some("s"));
    assert!(v.get(&["x", "5"]).is_none());
    assert_eq!(
        v.to_json()["items"][0][1]["items"][1],
        serde_json::json!({"kind": "text", "value": "s"})
    );
}
