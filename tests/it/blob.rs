//! Integration tests: DataJoint blobs. Every fixture was written by DataJoint (`tests/fixtures/blob/gen_blobs.py`;
//! a few legacy layouts by hand) and `manifest.json` holds what `datajoint.blob.unpack` returns, so the truth here
//! comes from DataJoint, not from hard-coded values. Property tests pack random arrays and trees with a test-side
//! encoder of the same layout, and corrupt every fixture.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use flate2::Compression;
use flate2::write::ZlibEncoder;
use npyscope::array::NdArray;
use npyscope::array::decoded::blob_array;
use npyscope::blob::{
    BlobError, BlobKind, BlobValue, DecodeOptions, HEADER_PROBE_BYTES, Protocol, decode,
    decode_blob, read_header,
};
use npyscope::npy::{DType, parse_header, parse_typestr};
use proptest::prelude::*;
use serde_json::Value;

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/blob")
}

fn manifest() -> &'static Value {
    static M: OnceLock<Value> = OnceLock::new();
    M.get_or_init(|| {
        let text =
            std::fs::read_to_string(fixture_dir().join("manifest.json")).expect("manifest.json");
        serde_json::from_str(&text).expect("manifest is JSON")
    })
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(fixture_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Every good fixture: (name, bytes, manifest entry).
fn fixtures() -> &'static [(String, Vec<u8>, Value)] {
    static F: OnceLock<Vec<(String, Vec<u8>, Value)>> = OnceLock::new();
    F.get_or_init(|| {
        let blobs = manifest()["blobs"].as_object().expect("blobs");
        blobs
            .iter()
            .map(|(name, entry)| {
                (
                    name.clone(),
                    read(entry["file"].as_str().unwrap()),
                    entry.clone(),
                )
            })
            .collect()
    })
}

/// A `.npy` read with the crate's own reader, as an array in native C order.
fn load_npy(name: &str) -> NdArray {
    let bytes = read(name);
    let meta = parse_header(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    let start = meta.data_offset as usize;
    NdArray::from_npy_data(&meta, &bytes[start..start + meta.nbytes as usize]).unwrap()
}

/// Sets compare as multisets: Python's set order after unpacking is its own.
fn normalize(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut out: serde_json::Map<String, Value> =
                m.iter().map(|(k, v)| (k.clone(), normalize(v))).collect();
            if m.get("kind") == Some(&Value::String("set".into()))
                && let Some(Value::Array(items)) = out.get_mut("items")
            {
                items.sort_by_key(|i| i.to_string());
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(normalize).collect()),
        other => other.clone(),
    }
}

fn path_of(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn blob_fixtures_decode_as_datajoint_does() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 120, "{} fixtures", fixtures.len());
    let (mut arrays, mut compressed) = (0, 0);
    for (name, bytes, want) in fixtures {
        let blob =
            decode_blob(bytes, &DecodeOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(blob.protocol.name(), want["protocol"], "{name}: protocol");
        assert_eq!(
            Value::Bool(blob.uncompressed_len.is_some()),
            want["compressed"],
            "{name}: compressed"
        );
        assert_eq!(
            Value::Bool(blob.legacy_32bit),
            want["legacy_32bit"],
            "{name}: legacy"
        );
        compressed += usize::from(blob.uncompressed_len.is_some());
        assert_eq!(
            normalize(&blob.value.to_json()),
            normalize(&want["value"]),
            "{name}: tree"
        );
        let mut numeric = Vec::new();
        for entry in want["arrays"].as_array().unwrap() {
            let path = path_of(&entry["path"]);
            let array = blob
                .value
                .array_at(&path)
                .unwrap_or_else(|| panic!("{name}: no array at {path:?}"));
            let expected = load_npy(entry["npy"].as_str().unwrap());
            let got = array
                .to_ndarray()
                .unwrap_or_else(|e| panic!("{name} {path:?}: {e}"));
            assert_eq!(got, expected, "{name} {path:?}: values");
            if path.is_empty() {
                // What Load and `get` use (a compressed vector is inflated straight into the array).
                let loaded = blob_array(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(loaded, expected, "{name}: blob_array");
            }
            // The .npy the crate writes holds the same array.
            let npy = array.to_npy();
            let meta = parse_header(&npy).unwrap();
            let start = meta.data_offset as usize;
            assert_eq!(
                NdArray::from_npy_data(&meta, &npy[start..]).unwrap(),
                expected,
                "{name}: npy"
            );
            if array.is_numeric() {
                numeric.push(path);
            }
            arrays += 1;
        }
        let walked: Vec<Vec<String>> = blob.value.numeric_arrays().map(|(p, _)| p).collect();
        assert_eq!(walked, numeric, "{name}: numeric arrays");
    }
    assert!(arrays >= 100, "{arrays} arrays compared");
    assert!(compressed >= 10, "{compressed} compressed");
}

/// Reads a header as a store would: a small first read, then as many bytes as `NeedMore` asks for.
fn header_like_store(
    bytes: &[u8],
    first: usize,
    len: Option<u64>,
) -> (npyscope::blob::BlobHeader, usize) {
    let mut n = first.min(bytes.len());
    loop {
        match read_header(&bytes[..n], len) {
            Ok(h) => return (h, n),
            Err(BlobError::NeedMore { have, at_least }) => {
                assert_eq!(have, n as u64);
                assert!(at_least as usize > n, "NeedMore must ask for more than {n}");
                assert!(n < bytes.len(), "NeedMore with the whole object");
                n = (at_least as usize).min(bytes.len());
            }
            Err(e) => panic!("header after {n} bytes: {e}"),
        }
    }
}

#[test]
fn blob_headers_from_first_bytes_match_the_full_decode() {
    for (name, bytes, _) in fixtures() {
        let blob = decode_blob(bytes, &DecodeOptions::default()).unwrap();
        let len = bytes.len() as u64;
        for (first, known) in [(1, Some(len)), (1, None), (HEADER_PROBE_BYTES, Some(len))] {
            let (h, used) = header_like_store(bytes, first, known);
            if first == HEADER_PROBE_BYTES {
                assert_eq!(
                    used,
                    bytes.len().min(HEADER_PROBE_BYTES),
                    "{name}: one probe is enough"
                );
            }
            assert_eq!(h.protocol, blob.protocol, "{name}");
            assert_eq!(h.legacy_32bit, blob.legacy_32bit, "{name}");
            assert_eq!(
                h.compression.map(|c| c.uncompressed_len),
                blob.uncompressed_len,
                "{name}"
            );
            assert_eq!(h.kind.name(), blob.value.kind_name(), "{name}: kind");
            match (&h.kind, &blob.value) {
                (BlobKind::Array(a), BlobValue::Array(b)) => {
                    assert_eq!(
                        (&a.dtype, &a.shape),
                        (&b.dtype, &b.shape),
                        "{name}: dtype and shape"
                    );
                    assert!(a.fortran_order && b.fortran_order);
                    assert_eq!(a.nbytes(), b.data.len() as u64, "{name}: nbytes");
                    let total = blob.uncompressed_len.unwrap_or(len);
                    assert_eq!(
                        a.data_offset + a.data_len,
                        total,
                        "{name}: data ends the blob"
                    );
                    if a.stored_as_numpy() && blob.uncompressed_len.is_none() {
                        let at = a.data_offset as usize;
                        assert_eq!(&bytes[at..], &b.data[..], "{name}: data range");
                    }
                }
                (BlobKind::Objects { shape }, BlobValue::Objects(o))
                | (BlobKind::Cell { shape }, BlobValue::Cell(o)) => {
                    assert_eq!(shape, &o.shape, "{name}")
                }
                (BlobKind::Struct { shape, nfields }, BlobValue::Struct(s)) => {
                    assert_eq!(
                        (shape, *nfields as usize),
                        (&s.shape, s.names.len()),
                        "{name}"
                    )
                }
                (BlobKind::Record { nfields }, BlobValue::Record(r)) => {
                    assert_eq!(*nfields as usize, r.names.len())
                }
                (BlobKind::List { len }, BlobValue::List(v))
                | (BlobKind::Tuple { len }, BlobValue::Tuple(v))
                | (BlobKind::Set { len }, BlobValue::Set(v)) => {
                    assert_eq!(*len as usize, v.len(), "{name}")
                }
                (BlobKind::Dict { len }, BlobValue::Dict(v)) => {
                    assert_eq!(*len as usize, v.len(), "{name}")
                }
                _ => {}
            }
        }
    }
}

#[test]
fn blob_refused_fixtures_are_refused_with_the_right_error() {
    let refused = manifest()["refused"].as_object().unwrap();
    assert!(!refused.is_empty());
    for (name, want) in refused {
        let bytes = read(want["file"].as_str().unwrap());
        let e = decode(&bytes).unwrap_err();
        assert_eq!(e.kind(), want["error"], "{name}: {e}");
    }
    // Nesting past the default bound is readable when asked for.
    let bytes = read("nested_70.blob");
    let deeper = DecodeOptions {
        max_depth: 100,
        ..DecodeOptions::default()
    };
    let v = decode_blob(&bytes, &deeper).unwrap().value;
    let path = vec!["0"; 70];
    assert_eq!(v.array_at(&path).unwrap().shape, vec![2]);
}

#[test]
fn blob_every_truncation_is_an_error_and_every_prefix_a_header_or_a_request() {
    let start = Instant::now();
    let mut ambiguous = 0;
    for (name, bytes, want) in fixtures() {
        let len = bytes.len() as u64;
        let legacy = want["legacy_32bit"] == Value::Bool(true);
        for n in 0..bytes.len() {
            let cut = &bytes[..n];
            // A 64-bit mYm blob cut short can be a valid legacy 32-bit one (an empty cell: `C`, ndim 1, dim 0):
            // the fallback reads it so, and says so. Nothing else may decode.
            if let Ok(b) = decode_blob(cut, &DecodeOptions::default()) {
                assert!(
                    b.legacy_32bit && !legacy,
                    "{name}: the first {n} bytes decoded"
                );
                ambiguous += 1;
            }
            match read_header(cut, Some(len)) {
                Ok(_) | Err(BlobError::NeedMore { .. }) => {}
                Err(e) => panic!("{name}: header of the first {n} bytes: {e}"),
            }
            // The same bytes said to be the whole object: a clear error, never a panic or a request for more.
            if let Err(e) = read_header(cut, Some(n as u64)) {
                assert_ne!(e.kind(), "need_more", "{name} cut at {n}");
            }
        }
    }
    eprintln!("{ambiguous} cut blobs read as legacy 32-bit ones");
    assert!(
        ambiguous < 20,
        "{ambiguous} cut blobs read as legacy 32-bit ones"
    );
    assert!(
        start.elapsed() < Duration::from_secs(120),
        "took {:?}",
        start.elapsed()
    );
}

// --- a test-side encoder of DataJoint's layout -------------------------------------------------------

/// Numeric element types DataJoint writes: (type id, stored numpy type, bytes).
const TYPES: &[(u32, &str, usize)] = &[
    (3, "|b1", 1),
    (6, "<f8", 8),
    (7, "<f4", 4),
    (8, "|i1", 1),
    (9, "|u1", 1),
    (10, "<i2", 2),
    (11, "<u2", 2),
    (12, "<i4", 4),
    (13, "<u4", 4),
    (14, "<i8", 8),
    (15, "<u8", 8),
    (65_536, "<M8[Y]", 8),
    (65_542, "<M8[s]", 8),
    (65_545, "<M8[ns]", 8),
    (65_548, "<M8[as]", 8),
];

/// A random numeric array: its type, shape, and real (and imaginary) parts in C order.
#[derive(Clone, Debug)]
struct Arr {
    ty: usize,
    shape: Vec<u64>,
    re: Vec<u8>,
    im: Option<Vec<u8>>,
}

/// How a blob stores lengths.
#[derive(Clone, Copy, Debug)]
struct Layout {
    wide: bool,
}

impl Layout {
    fn len(self, n: u64) -> Vec<u8> {
        if self.wide {
            n.to_le_bytes().to_vec()
        } else {
            u32::try_from(n).unwrap().to_le_bytes().to_vec()
        }
    }
}

/// C-order element bytes to Fortran order.
pub(crate) fn c_to_f(c: &[u8], shape: &[u64], item: usize) -> Vec<u8> {
    let dims: Vec<usize> = shape.iter().map(|&d| d as usize).collect();
    let n: usize = dims.iter().product();
    let mut out = Vec::with_capacity(c.len());
    let mut idx = vec![0usize; dims.len()];
    for _ in 0..n {
        // C offset of the multi-index; idx advances first axis fastest (Fortran order).
        let off = idx.iter().zip(&dims).fold(0, |acc, (&i, &d)| acc * d + i);
        out.extend_from_slice(&c[off * item..(off + 1) * item]);
        for (i, &d) in idx.iter_mut().zip(&dims) {
            *i += 1;
            if *i < d {
                break;
            }
            *i = 0;
        }
    }
    out
}

impl Arr {
    fn encode(&self, l: Layout) -> Vec<u8> {
        let (type_id, _, item) = TYPES[self.ty];
        let mut b = vec![b'A'];
        b.extend(l.len(self.shape.len() as u64));
        for &d in &self.shape {
            b.extend(l.len(d));
        }
        b.extend(type_id.to_le_bytes());
        b.extend(u32::from(self.im.is_some()).to_le_bytes());
        b.extend(c_to_f(&self.re, &self.shape, item));
        if let Some(im) = &self.im {
            b.extend(c_to_f(im, &self.shape, item));
        }
        b
    }

    /// The numpy array DataJoint returns, in C order: dtype and bytes.
    fn expected(&self) -> NdArray {
        let (_, stored, item) = TYPES[self.ty];
        let (dtype, data) = match &self.im {
            None => (stored.to_string(), self.re.clone()),
            Some(im) => {
                let as_f64 = |b: &[u8]| -> f64 {
                    match stored {
                        "|b1" => f64::from(u8::from(b[0] != 0)),
                        "|i1" => f64::from(b[0] as i8),
                        "|u1" => f64::from(b[0]),
                        "<i2" => f64::from(i16::from_le_bytes(b.try_into().unwrap())),
                        "<u2" => f64::from(u16::from_le_bytes(b.try_into().unwrap())),
                        "<i4" => f64::from(i32::from_le_bytes(b.try_into().unwrap())),
                        "<u4" => f64::from(u32::from_le_bytes(b.try_into().unwrap())),
                        "<i8" => i64::from_le_bytes(b.try_into().unwrap()) as f64,
                        "<u8" => u64::from_le_bytes(b.try_into().unwrap()) as f64,
                        "<f8" => f64::from_le_bytes(b.try_into().unwrap()),
                        other => panic!("no complex {other}"),
                    }
                };
                let mut data = Vec::new();
                for (r, i) in self.re.chunks(item).zip(im.chunks(item)) {
                    if stored == "<f4" {
                        data.extend(r);
                        data.extend(i);
                    } else {
                        data.extend(as_f64(r).to_le_bytes());
                        data.extend(as_f64(i).to_le_bytes());
                    }
                }
                (
                    (if stored == "<f4" { "<c8" } else { "<c16" }).to_string(),
                    data,
                )
            }
        };
        let dtype = DType::Scalar(parse_typestr(&dtype).unwrap());
        NdArray::from_parts(&dtype, false, &self.shape, &data).unwrap()
    }
}

fn arr_strategy() -> impl Strategy<Value = Arr> {
    (
        0..TYPES.len(),
        prop::collection::vec(0u64..5, 0..5),
        any::<bool>(),
    )
        .prop_flat_map(|(ty, shape, cplx)| {
            let n = shape.iter().product::<u64>() as usize * TYPES[ty].2;
            let cplx = cplx && !TYPES[ty].1.starts_with("<M8");
            let im_len = if cplx { n } else { 0 };
            (
                prop::collection::vec(any::<u8>(), n),
                prop::collection::vec(any::<u8>(), im_len),
            )
                .prop_map(move |(re, im)| Arr {
                    ty,
                    shape: shape.clone(),
                    re,
                    im: cplx.then_some(im),
                })
        })
}

/// Wraps an item as a blob: protocol line, then optionally zlib with the length in the layout's width.
fn blob(item: &[u8], mym: bool, zlib: bool, l: Layout) -> Vec<u8> {
    let mut b = if mym {
        b"mYm\0".to_vec()
    } else {
        b"dj0\0".to_vec()
    };
    b.extend(item);
    if !zlib {
        return b;
    }
    let mut e = ZlibEncoder::new(Vec::new(), Compression::fast());
    e.write_all(&b).unwrap();
    let mut z = b"ZL123\0".to_vec();
    z.extend(l.len(b.len() as u64));
    z.extend(e.finish().unwrap());
    z
}

/// A random tree of the values DataJoint packs.
#[derive(Clone, Debug)]
enum Model {
    Arr(Arr),
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    None,
    Bytes(Vec<u8>),
    List(Vec<Model>),
    Tuple(Vec<Model>),
    Dict(Vec<(String, Model)>),
    Cell(Vec<Model>),
}

fn model_strategy() -> impl Strategy<Value = Model> {
    let leaf = prop_oneof![
        arr_strategy().prop_map(Model::Arr),
        ".{0,12}".prop_map(Model::Str),
        any::<i64>().prop_map(Model::Int),
        any::<f64>().prop_map(Model::Float),
        any::<bool>().prop_map(Model::Bool),
        Just(Model::None),
        prop::collection::vec(any::<u8>(), 0..10).prop_map(Model::Bytes),
    ];
    leaf.prop_recursive(5, 40, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Model::List),
            prop::collection::vec(inner.clone(), 0..5).prop_map(Model::Tuple),
            prop::collection::vec(("[a-z]{1,4}", inner.clone()), 0..5).prop_map(Model::Dict),
            prop::collection::vec(inner, 0..5).prop_map(Model::Cell),
        ]
    })
}

impl Model {
    fn encode(&self, l: Layout) -> Vec<u8> {
        let sized = |m: &Model| {
            let item = m.encode(l);
            let mut v = l.len(item.len() as u64);
            v.extend(item);
            v
        };
        let text = |code: u8, s: &[u8]| {
            let mut v = vec![code];
            v.extend(l.len(s.len() as u64));
            v.extend(s);
            v
        };
        match self {
            Model::Arr(a) => a.encode(l),
            Model::Str(s) => text(0x05, s.as_bytes()),
            Model::Bytes(b) => text(0x06, b),
            Model::Int(i) => {
                let mut v = vec![0x0a, 8, 0];
                v.extend(i.to_le_bytes());
                v
            }
            Model::Float(f) => {
                let mut v = vec![0x0d];
                v.extend(f.to_le_bytes());
                v
            }
            Model::Bool(b) => vec![0x0b, u8::from(*b)],
            Model::None => vec![0xff],
            Model::List(items) | Model::Tuple(items) => {
                let mut v = vec![if matches!(self, Model::List(_)) {
                    0x02
                } else {
                    0x01
                }];
                v.extend(l.len(items.len() as u64));
                items.iter().for_each(|m| v.extend(sized(m)));
                v
            }
            Model::Dict(pairs) => {
                let mut v = vec![0x04];
                v.extend(l.len(pairs.len() as u64));
                for (k, m) in pairs {
                    v.extend(sized(&Model::Str(k.clone())));
                    v.extend(sized(m));
                }
                v
            }
            Model::Cell(items) => {
                let mut v = vec![b'C'];
                v.extend(l.len(1));
                v.extend(l.len(items.len() as u64));
                items.iter().for_each(|m| v.extend(sized(m)));
                v
            }
        }
    }

    fn check(&self, got: &BlobValue) {
        use npyscope::blob::Scalar;
        match (self, got) {
            (Model::Arr(a), BlobValue::Array(b)) => {
                assert_eq!(b.to_ndarray().unwrap(), a.expected());
                assert_eq!(b.shape, a.shape);
            }
            (Model::Str(s), BlobValue::Text(t)) => assert_eq!(s, t),
            (Model::Bytes(s), BlobValue::Bytes(t)) => assert_eq!(&s[..], &t[..]),
            (Model::Int(i), BlobValue::Scalar(Scalar::Int(b))) => {
                assert_eq!(b.to_i64(), Some(*i));
                assert_eq!(b.to_string(), i.to_string());
            }
            (Model::Float(f), BlobValue::Scalar(Scalar::Float(g))) => {
                assert_eq!(f.to_bits(), g.to_bits())
            }
            (Model::Bool(b), BlobValue::Scalar(Scalar::Bool(c))) => assert_eq!(b, c),
            (Model::None, BlobValue::None) => {}
            (Model::List(m), BlobValue::List(v)) | (Model::Tuple(m), BlobValue::Tuple(v)) => {
                assert_eq!(m.len(), v.len());
                m.iter().zip(v).for_each(|(m, v)| m.check(v));
            }
            (Model::Cell(m), BlobValue::Cell(c)) => {
                assert_eq!(c.shape, vec![m.len() as u64]);
                m.iter().zip(&c.items).for_each(|(m, v)| m.check(v));
            }
            (Model::Dict(m), BlobValue::Dict(v)) => {
                assert_eq!(m.len(), v.len());
                for ((k, m), (kv, vv)) in m.iter().zip(v) {
                    assert_eq!(kv.as_text(), Some(k.as_str()));
                    m.check(vv);
                }
            }
            (m, v) => panic!("expected {m:?}, got {v:?}"),
        }
    }
}

/// Flips bytes of a fixture at the given fractions of its length.
fn corrupt(bytes: &[u8], flips: &[(f64, u8)]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for &(at, xor) in flips {
        let i = ((at * out.len() as f64) as usize).min(out.len().saturating_sub(1));
        if let Some(b) = out.get_mut(i) {
            *b ^= xor;
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn blob_random_arrays_round_trip(a in arr_strategy(), mym in any::<bool>(), zlib in any::<bool>(), wide in any::<bool>()) {
        let l = Layout { wide: wide || !mym };
        let bytes = blob(&a.encode(l), mym, zlib, l);
        let got = decode_blob(&bytes, &DecodeOptions::default()).unwrap();
        prop_assert_eq!(got.legacy_32bit, !l.wide);
        prop_assert_eq!(got.protocol, if mym { Protocol::Mym } else { Protocol::Dj0 });
        Model::Arr(a.clone()).check(&got.value);
        let h = read_header(&bytes, Some(bytes.len() as u64)).unwrap();
        let BlobKind::Array(hdr) = h.kind else { panic!("{:?}", h.kind) };
        let arr = got.value.as_array().unwrap();
        prop_assert_eq!(&hdr.dtype, &arr.dtype);
        prop_assert_eq!(&hdr.shape, &a.shape);
    }

    #[test]
    fn blob_random_trees_round_trip(m in model_strategy(), mym in any::<bool>(), zlib in any::<bool>(), wide in any::<bool>()) {
        let l = Layout { wide: wide || !mym };
        let bytes = blob(&m.encode(l), mym, zlib, l);
        // No legacy check here: a tree without lengths (a lone int) reads the same in both widths.
        let got = decode_blob(&bytes, &DecodeOptions::default()).unwrap();
        m.check(&got.value);
        let h = read_header(&bytes, Some(bytes.len() as u64)).unwrap();
        prop_assert_eq!(h.kind.name(), got.value.kind_name());
    }

    #[test]
    fn blob_corrupted_fixtures_never_panic(
        which in any::<prop::sample::Index>(),
        flips in prop::collection::vec((0.0f64..1.0, 1u8..=255), 1..8),
        cut in 0.0f64..1.0,
    ) {
        let fixtures = fixtures();
        let (_, bytes, _) = &fixtures[which.index(fixtures.len())];
        let bad = corrupt(bytes, &flips);
        let start = Instant::now();
        let _ = decode(&bad);
        let _ = blob_array(&bad);
        let _ = read_header(&bad, Some(bad.len() as u64));
        let _ = read_header(&bad, None);
        let short = &bad[..(cut * bad.len() as f64) as usize];
        let _ = decode(short);
        let _ = read_header(short, None);
        prop_assert!(start.elapsed() < Duration::from_secs(2), "took {:?}", start.elapsed());
    }
}
