//! Integration tests: npy. Every fixture was written by numpy (`tests/fixtures/npy/gen_fixtures.py`), and
//! `manifest.json` holds what numpy reads back, so the truth here comes from numpy, not from hard-coded values.

use std::path::{Path, PathBuf};

use npyscope::npy::{
    ArrayMeta, MIN_PROBE_BYTES, NpyError, encode_header, header_total_len, parse_header,
};
use serde_json::Value;

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/npy")
}

fn manifest() -> Value {
    let text = std::fs::read_to_string(fixture_dir().join("manifest.json")).expect("manifest.json");
    serde_json::from_str(&text).expect("manifest is JSON")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(fixture_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Reads an object the way the store does: a probe of the first bytes, the header range (clamped to the object),
/// then the size check. Returns the stage that failed with the error.
fn read_like_store(bytes: &[u8]) -> Result<ArrayMeta, (&'static str, NpyError)> {
    let probe = &bytes[..bytes.len().min(MIN_PROBE_BYTES)];
    let total = header_total_len(probe).map_err(|e| ("header_total_len", e))?;
    let end = usize::try_from(total).unwrap().min(bytes.len());
    let meta = parse_header(&bytes[..end]).map_err(|e| ("parse_header", e))?;
    meta.check_object_size(bytes.len() as u64)
        .map_err(|e| ("check_object_size", e))?;
    Ok(meta)
}

fn u64_of(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a u64: {v}"))
}

#[test]
fn npy_good_fixtures_match_numpy() {
    let m = manifest();
    let good = m["good"].as_object().unwrap();
    assert!(good.len() > 50, "manifest lists {} good files", good.len());
    for (name, want) in good {
        let bytes = read(name);
        let meta =
            read_like_store(&bytes).unwrap_or_else(|(stage, e)| panic!("{name}: {stage}: {e}"));
        let shape: Vec<u64> = want["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(u64_of)
            .collect();
        assert_eq!(meta.shape, shape, "{name}: shape");
        assert_eq!(meta.dtype.descr_json(), want["descr"], "{name}: descr");
        assert_eq!(
            Value::Bool(meta.fortran_order),
            want["fortran_order"],
            "{name}: fortran_order"
        );
        assert_eq!(meta.itemsize, u64_of(&want["itemsize"]), "{name}: itemsize");
        assert_eq!(
            meta.dtype.itemsize(),
            meta.itemsize,
            "{name}: dtype itemsize"
        );
        assert_eq!(meta.nbytes, u64_of(&want["nbytes"]), "{name}: nbytes");
        assert_eq!(meta.size, u64_of(&want["size"]), "{name}: size");
        assert_eq!(meta.ndim() as u64, u64_of(&want["ndim"]), "{name}: ndim");
        let version = [meta.format_version.0, meta.format_version.1].map(u64::from);
        assert_eq!(
            serde_json::json!(version),
            want["format_version"],
            "{name}: format_version"
        );
        assert_eq!(
            meta.data_offset,
            u64_of(&want["data_offset"]),
            "{name}: data_offset"
        );
        assert_eq!(
            bytes.len() as u64,
            u64_of(&want["file_size"]),
            "{name}: file_size"
        );
        assert_eq!(
            meta.expected_object_size(),
            bytes.len() as u64,
            "{name}: expected_object_size"
        );
        // Extra bytes after the header (a whole-object read) change nothing.
        assert_eq!(
            parse_header(&bytes).unwrap(),
            meta,
            "{name}: parse of the whole file"
        );
        assert!(!meta.dtype.display_name().is_empty());
    }
}

#[test]
fn npy_broken_fixtures_give_the_expected_error() {
    let m = manifest();
    let broken = m["broken"].as_object().unwrap();
    assert!(broken.len() >= 15);
    for (name, want) in broken {
        let bytes = read(name);
        let (stage, err) = match read_like_store(&bytes) {
            Ok(meta) => panic!("{name}: parsed as {meta:?}"),
            Err(e) => e,
        };
        assert_eq!(err.kind(), want["error"].as_str().unwrap(), "{name}: {err}");
        assert_eq!(stage, want["stage"].as_str().unwrap(), "{name}: {err}");
        // Messages never name the object and never run on for pages.
        let msg = err.to_string();
        assert!(
            !msg.contains(name.as_str()) && msg.len() < 400,
            "{name}: {msg}"
        );
    }
}

#[test]
fn npy_cut_data_reports_both_sizes() {
    let bytes = read("cut_data.npy");
    let meta = parse_header(&bytes).unwrap();
    assert_eq!(
        meta.check_object_size(bytes.len() as u64),
        Err(NpyError::Truncated {
            expected: meta.data_offset + meta.nbytes,
            actual: bytes.len() as u64
        })
    );
    assert_eq!(meta.check_object_size(meta.expected_object_size()), Ok(()));
    assert_eq!(
        meta.check_object_size(meta.expected_object_size() + 1),
        Ok(())
    );
}

#[test]
fn npy_every_fixture_is_in_the_manifest() {
    let m = manifest();
    for entry in std::fs::read_dir(fixture_dir()).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".npy") {
            assert!(
                m["good"].get(&name).is_some() || m["broken"].get(&name).is_some(),
                "{name} is not in manifest.json; re-run gen_fixtures.py"
            );
        }
    }
}

#[test]
fn npy_encode_header_matches_numpy_byte_for_byte() {
    let m = manifest();
    let mut checked = 0;
    for (name, want) in m["good"].as_object().unwrap() {
        let bytes = read(name);
        let meta = parse_header(&bytes).unwrap();
        let encoded = encode_header(&meta.dtype, meta.fortran_order, &meta.shape);
        if want["roundtrip"] == Value::Bool(true) {
            let header = &bytes[..meta.data_offset as usize];
            assert_eq!(
                encoded,
                header,
                "{name}:\n ours:  {}\n numpy: {}",
                String::from_utf8_lossy(&encoded),
                String::from_utf8_lossy(header)
            );
            checked += 1;
        }
        let back = parse_header(&encoded).unwrap_or_else(|e| panic!("{name}: re-parse: {e}"));
        assert_eq!(back.data_offset, encoded.len() as u64, "{name}");
        assert_eq!(
            back.data_offset % 64,
            0,
            "{name}: data offset is 64-aligned"
        );
        let strip = |m: &ArrayMeta| ArrayMeta {
            format_version: (0, 0),
            data_offset: 0,
            ..m.clone()
        };
        assert_eq!(strip(&back), strip(&meta), "{name}: round trip");
    }
    assert!(checked > 50, "only {checked} byte-for-byte round trips");
}

#[test]
fn npy_display_names() {
    for (name, want) in [
        ("le_f4.npy", "float32"),
        ("be_i4.npy", "int32 (big-endian)"),
        ("i1.npy", "int8"),
        ("bool.npy", "bool"),
        ("le_U5.npy", "str (U5)"),
        ("S7.npy", "bytes (S7)"),
        ("longdouble.npy", "float128"),
        ("datetime_ns.npy", "datetime64[ns]"),
        ("timedelta_10us.npy", "timedelta64[10us]"),
        ("datetime_generic.npy", "datetime64"),
        ("struct_simple.npy", "struct{x: float64, y: float64}"),
        (
            "struct_aligned.npy",
            "struct{a: uint8, b: float64, c: int16}",
        ),
    ] {
        let meta = parse_header(&read(name)).unwrap();
        if name == "longdouble.npy" && meta.itemsize != 16 {
            continue; // platform without 16-byte long double wrote the fixture
        }
        assert_eq!(meta.dtype.display_name(), want, "{name}");
    }
    let big = parse_header(&read("v2_large_header.npy")).unwrap();
    let label = big.dtype.display_name();
    assert!(label.len() < 600 && label.contains("696 more"), "{label}");
}

/// Every prefix of a header and every single-byte corruption of it must give an error or a valid meta, never a
/// panic, and never claim more bytes than the cap.
#[test]
fn npy_hostile_variants_never_panic() {
    let m = manifest();
    for name in m["good"].as_object().unwrap().keys() {
        let bytes = read(name);
        let Ok(total) = header_total_len(&bytes) else {
            continue;
        };
        let total = total as usize;
        if total > 1024 {
            continue;
        }
        for cut in 0..total {
            assert_eq!(
                parse_header(&bytes[..cut]).unwrap_err().kind(),
                if cut == 0 { "empty" } else { "truncated" }
            );
        }
        let mut copy = bytes[..total].to_vec();
        for pos in 0..total {
            let orig = copy[pos];
            for b in [0u8, b'(', b'[', b'\'', b'-', b'9', 0xff, orig ^ 0x20] {
                copy[pos] = b;
                if let Ok(meta) = parse_header(&copy) {
                    assert!(meta.data_offset <= npyscope::npy::MAX_HEADER_BYTES);
                    assert!(meta.size.checked_mul(meta.itemsize) == Some(meta.nbytes));
                }
            }
            copy[pos] = orig;
        }
    }
}
