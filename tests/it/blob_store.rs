//! DataJoint blobs in stores, through the real binary: `_hash` objects (the blob fixtures DataJoint wrote, an
//! attachment, raw bytes) listed header-only with `format`, shape and dtype; `info`; `get` to `.npy` that numpy
//! reads back equal to what `datajoint.blob.unpack` returns (the fixtures' `.expected.npy`, written by numpy from
//! DataJoint's own unpack), `--rows`, `.csv`, and `--mmap` refused for compressed blobs. A local folder and the
//! S3 test server (ranged reads) both. A property test round-trips random arrays packed in DataJoint's format
//! through a `_hash` folder (listing, load, rows) beside corrupted copies that must never panic.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use futures::TryStreamExt;
use npyscope::array::{ArrayRef, NdArray};
use npyscope::blob::{PackType, pack_array};
use npyscope::config::StoreSpec;
use npyscope::jobs::{CancellationToken, Progress};
use npyscope::npy::{DType, parse_typestr};
use npyscope::store::{self, Entry};
use proptest::prelude::*;
use serde_json::Value;

use crate::array::numpy_agrees;
use crate::blob::c_to_f;
use crate::cli::FIELDS;
use crate::common::{self, ACCESS_KEY, S3TestServer, SECRET_KEY};

fn blob_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/blob")
}

fn manifest() -> Value {
    let text = std::fs::read_to_string(blob_dir().join("manifest.json")).expect("manifest.json");
    serde_json::from_str(&text).expect("manifest is JSON")
}

fn npyscope(cwd: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_npyscope"));
    cmd.args(args).current_dir(cwd);
    for var in ["DJ_STORES", "DJ_IGNORE_CONFIG_FILE", "NPYSCOPE_LOG"] {
        cmd.env_remove(var);
    }
    cmd.env("NPYSCOPE_CACHE_DIR", cwd.join("cache"));
    cmd.env(
        "AWS_SHARED_CREDENTIALS_FILE",
        cwd.join("no-aws-credentials"),
    );
    cmd.output().expect("run npyscope")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "npyscope failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const ATTACH: &[u8] = b"notes.txt\0hello attach\n";
const RAW: &[u8] = b"\x01\x02\x03\xff raw bytes";

/// The objects of a `_hash/lab` folder: every blob fixture DataJoint wrote (by fixture name), an attachment
/// and raw bytes.
fn hash_objects() -> Vec<(String, Vec<u8>)> {
    let manifest = manifest();
    let mut objects: Vec<(String, Vec<u8>)> = manifest["blobs"]
        .as_object()
        .expect("blobs")
        .iter()
        .filter(|(_, want)| want["written_by"] == "datajoint")
        .map(|(name, want)| {
            let file = want["file"].as_str().expect("file");
            (
                format!("_hash/lab/{name}"),
                std::fs::read(blob_dir().join(file)).expect("fixture"),
            )
        })
        .collect();
    objects.push(("_hash/lab/attached".into(), ATTACH.to_vec()));
    objects.push(("_hash/lab/rawbytes".into(), RAW.to_vec()));
    objects
}

fn write_store(root: &Path) {
    for (path, bytes) in hash_objects() {
        let file = root.join(&path);
        std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
        std::fs::write(file, bytes).expect("write");
    }
}

/// Checks every `ls --json` record against the manifest (what DataJoint's unpack returned).
fn check_listing(records: &[Value]) {
    let manifest = manifest();
    let blobs = manifest["blobs"].as_object().expect("blobs");
    let objects = hash_objects();
    assert_eq!(records.len(), objects.len(), "one row per object");
    let (mut arrays, mut compressed) = (0, 0);
    for record in records {
        let keys: Vec<&str> = record
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, FIELDS, "{record}");
        let path = record["path"].as_str().expect("path");
        let name = path.rsplit('/').next().expect("name");
        assert_eq!(record["error"], Value::Null, "{record}");
        assert_eq!(record["format_version"], Value::Null, "{record}");
        assert_eq!(record["data_offset"], Value::Null, "{record}");
        assert_eq!(record["datajoint"], Value::Null, "{record}");
        match name {
            "attached" => {
                assert_eq!(record["format"], "attach");
                assert_eq!(record["attach_name"], "notes.txt");
                assert_eq!(record["shape"], Value::Null);
            }
            "rawbytes" => {
                assert_eq!(record["format"], "raw");
                assert_eq!(record["shape"], Value::Null);
            }
            _ => {
                let want = &blobs[name];
                assert_eq!(record["format"], "dj-blob", "{record}");
                assert_eq!(record["object_size"], want["size"], "{record}");
                if want["value"]["kind"] == "array" {
                    assert_eq!(record["shape"], want["value"]["shape"], "{name}: shape");
                    assert_eq!(record["dtype"], want["value"]["dtype"], "{name}: dtype");
                    assert_eq!(record["fortran_order"], Value::Bool(true), "{name}");
                    arrays += 1;
                    compressed += usize::from(want["compressed"] == Value::Bool(true));
                } else {
                    assert_eq!(record["shape"], Value::Null, "{name}: not an array");
                    assert_eq!(record["dtype"], Value::Null, "{name}: not an array");
                }
            }
        }
    }
    assert!(arrays >= 60, "{arrays} array blobs listed");
    assert!(
        compressed >= 5,
        "{compressed} compressed array blobs listed"
    );
}

/// The top-level array fixtures: (name, expected .npy file).
fn array_fixtures() -> Vec<(String, PathBuf)> {
    let manifest = manifest();
    manifest["blobs"]
        .as_object()
        .expect("blobs")
        .iter()
        .filter(|(_, want)| {
            want["written_by"] == "datajoint"
                && want["value"]["kind"] == "array"
                && want["arrays"][0]["path"] == serde_json::json!([])
        })
        .map(|(name, want)| {
            let npy = want["arrays"][0]["npy"].as_str().expect("npy");
            (name.clone(), blob_dir().join(npy))
        })
        .collect()
}

/// `get` of every array blob (through `target(name)`) to `.npy`, compared by numpy with DataJoint's unpack;
/// then rows and CSV of a compressed and of an in-place blob.
fn check_get(work: &Path, target: &dyn Fn(&str) -> String) {
    let out_dir = work.join("out");
    std::fs::create_dir_all(&out_dir).expect("out");
    let mut pairs = Vec::new();
    for (name, expected) in array_fixtures() {
        let output = out_dir.join(format!("{name}.npy"));
        ok(&npyscope(
            work,
            &["get", &target(&name), "-o", output.to_str().expect("utf-8")],
        ));
        pairs.push(format!("({:?}, {:?})", output, expected));
    }
    assert!(pairs.len() >= 60, "{} arrays written", pairs.len());
    // Same dtype, shape and bytes (NaN-safe) as DataJoint's unpack, read by numpy.
    numpy_agrees(&format!(
        "for got, want in [{}]:\n    a, b = np.load(got), np.load(want)\n    \
         assert a.dtype == b.dtype and a.shape == b.shape, (got, a.dtype, a.shape, b.dtype, b.shape)\n    \
         assert np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes(), got\n",
        pairs.join(", ")
    ));
    // Rows of a compressed blob (decoded whole, then cut) and of an uncompressed Fortran-order one (ranged reads).
    for (name, rows, slice) in [
        ("float32_zlib_1d", "10:25", "[10:25]"),
        ("float32_2x3", "1:", "[1:]"),
        ("complex64_zlib_3d", "-3:", "[-3:]"),
    ] {
        let output = out_dir.join(format!("{name}.rows.npy"));
        ok(&npyscope(
            work,
            &[
                "get",
                &target(name),
                "--rows",
                rows,
                "-o",
                output.to_str().expect("utf-8"),
            ],
        ));
        let expected = blob_dir().join(format!("{name}.expected.npy"));
        numpy_agrees(&format!(
            "a, b = np.load({output:?}), np.load({expected:?}){slice}\n\
             assert a.dtype == b.dtype and a.shape == b.shape, (a.shape, b.shape)\n\
             assert np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes()\n"
        ));
    }
    let csv = out_dir.join("float64_1d.csv");
    ok(&npyscope(
        work,
        &[
            "get",
            &target("float64_1d"),
            "-o",
            csv.to_str().expect("utf-8"),
        ],
    ));
    let expected = blob_dir().join("float64_1d.expected.npy");
    numpy_agrees(&format!(
        "a = np.loadtxt({csv:?}, delimiter=',', ndmin=1)\nb = np.load({expected:?})\nassert np.allclose(a, b, rtol=0, atol=0, equal_nan=True), (a, b)\n"
    ));
    // A compressed blob cannot be mapped: the error says so and what to do.
    let mapped = npyscope(
        work,
        &[
            "get",
            &target("float32_zlib_1d"),
            "--mmap",
            "-o",
            out_dir.join("mapped.npy").to_str().expect("utf-8"),
        ],
    );
    assert!(!mapped.status.success());
    let err = String::from_utf8_lossy(&mapped.stderr);
    assert!(
        err.contains("cannot be memory-mapped")
            && err.contains("compressed")
            && err.contains("load it instead"),
        "{err}"
    );
}

#[test]
fn blob_store_local_hash_folder_lists_and_gets_like_datajoint() {
    let work = common::project_dir();
    let store = work.path().join("store");
    write_store(&store);
    let out = ok(&npyscope(
        work.path(),
        &["ls", "-r", "--json", store.to_str().expect("utf-8")],
    ));
    let records: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    check_listing(&records);

    // The table listing names what each object holds.
    let table = ok(&npyscope(
        work.path(),
        &["ls", "-r", store.to_str().expect("utf-8")],
    ));
    assert!(table.contains("attachment notes.txt"), "{table}");
    assert!(!table.contains("unreadable"), "{table}");
    // The totals count attachments and raw bytes apart from the arrays.
    let totals = table.lines().last().unwrap_or_default();
    assert!(totals.contains(" other object"), "{totals}");

    // info of a compressed blob: shape, dtype and the format in words.
    let info = ok(&npyscope(
        work.path(),
        &[
            "info",
            store
                .join("_hash/lab/complex128_zlib")
                .to_str()
                .expect("utf-8"),
        ],
    ));
    assert!(info.contains("(20, 15)"), "{info}");
    assert!(info.contains("complex128"), "{info}");
    assert!(
        info.contains("DataJoint blob (mYm, zlib-compressed"),
        "{info}"
    );

    let root = store.clone();
    check_get(work.path(), &|name| {
        root.join("_hash/lab")
            .join(name)
            .to_string_lossy()
            .into_owned()
    });
}

#[test]
fn blob_store_s3_hash_folder_lists_and_gets_with_ranged_reads() {
    let root = tempfile::tempdir().expect("temp");
    let server = S3TestServer::start(root.path());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(common::upload(
        &server,
        "lab",
        hash_objects()
            .into_iter()
            .map(|(path, bytes)| (format!("dj/{path}"), bytes))
            .collect(),
    ));
    let work = common::project_dir();
    let config = serde_json::json!({"stores": {"lab": {
        "protocol": "s3", "endpoint": server.host_port(), "bucket": "lab", "location": "dj", "secure": false,
        "access_key": ACCESS_KEY, "secret_key": SECRET_KEY}}});
    std::fs::write(work.path().join("datajoint.json"), config.to_string()).expect("config");
    let out = ok(&npyscope(work.path(), &["ls", "-r", "--json", "lab:_hash"]));
    let records: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    check_listing(&records);
    check_get(work.path(), &|name| format!("lab:_hash/lab/{name}"));
}

/// One random array for the store round trip: its dtype, numpy descr and C-order bytes.
fn random_array(
    kind: usize,
    shape: &[u64],
    zeros: bool,
    seed: u64,
) -> (PackType, &'static str, Vec<u8>) {
    let (pack, descr, item) = [
        (PackType::F64, "<f8", 8),
        (PackType::F32, "<f4", 4),
        (PackType::I16, "<i2", 2),
        (PackType::I32, "<i4", 4),
        (PackType::I64, "<i8", 8),
    ][kind % 5];
    let n: u64 = shape.iter().product();
    let mut state = seed | 1;
    let bytes = (0..n * item)
        .map(|_| {
            if zeros {
                return 0;
            }
            // xorshift: any bit pattern, NaNs included (compared bytewise).
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    (pack, descr, bytes)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Random arrays packed in DataJoint's format (compressed when DataJoint would compress them) and put in a
    /// `_hash` folder are listed with their shape and dtype, load equal to the array, and give the rows asked for;
    /// a truncated and corrupted copy beside them never panics the listing or the load.
    #[test]
    fn blob_store_random_arrays_round_trip_through_listing_load_and_rows(
        kind in 0usize..5,
        shape in proptest::collection::vec(0u64..5, 0..4),
        long in any::<bool>(),
        zeros in any::<bool>(),
        seed in any::<u64>(),
        rows in (0u64..600, 0u64..600),
        cut in 0.0f64..1.0,
        flips in proptest::collection::vec((0.0f64..1.0, any::<u8>()), 0..4),
    ) {
        let mut shape = shape;
        if long && !shape.is_empty() {
            shape[0] = shape[0] * 100 + 1;
        }
        let (pack, descr, c_bytes) = random_array(kind, &shape, zeros, seed);
        let dtype = DType::Scalar(parse_typestr(descr).expect("descr"));
        let item = dtype.itemsize() as usize;
        let blob = pack_array(pack, &shape, &c_to_f(&c_bytes, &shape, item));
        let mut broken = blob[..((blob.len() as f64) * cut) as usize].to_vec();
        for (at, byte) in &flips {
            if !broken.is_empty() {
                let i = ((broken.len() as f64) * at) as usize % broken.len();
                broken[i] ^= byte | 1;
            }
        }
        let dir = tempfile::tempdir().expect("temp");
        std::fs::create_dir_all(dir.path().join("_hash/s")).expect("mkdir");
        std::fs::write(dir.path().join("_hash/s/a"), &blob).expect("write");
        std::fs::write(dir.path().join("_hash/s/b"), &broken).expect("write");
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(async {
            let store = store::open_shared(StoreSpec::local_folder(dir.path())).expect("store");
            let entries: Vec<Entry> = store.scan("").try_collect().await.expect("listing");
            prop_assert_eq!(entries.len(), 2);
            let entry = &entries[0];
            prop_assert_eq!(entry.format.name(), "dj-blob");
            let meta = entry.meta.as_ref().expect("the array's header");
            prop_assert_eq!(&meta.shape, &shape);
            prop_assert_eq!(&meta.dtype, &dtype);
            let array = ArrayRef::from_entry(Arc::clone(&store), entry).expect("array");
            let (progress, cancel) = (Progress::new(None), CancellationToken::new());
            let loaded = array.load(None, &progress, &cancel).await.expect("load");
            let expected = NdArray::from_parts(&dtype, false, &shape, &c_bytes).expect("expected");
            prop_assert_eq!(&loaded, &expected);
            // Rows of axis 0, as numpy's a[A:B] (clamped).
            let count = shape.first().copied().unwrap_or(1);
            let (a, b) = (rows.0.min(rows.1), rows.0.max(rows.1));
            let (end, start) = (b.min(count), a.min(b.min(count)));
            let (got_rows, got) = array.read_rows(a..b, &progress, &cancel).await.expect("rows");
            prop_assert_eq!(got_rows, start..end);
            if !shape.is_empty() {
                let per_row = c_bytes.len() / count.max(1) as usize;
                let mut cut_shape = shape.clone();
                cut_shape[0] = end - start;
                let want = NdArray::from_parts(
                    &dtype,
                    false,
                    &cut_shape,
                    &c_bytes[start as usize * per_row..end as usize * per_row],
                )
                .expect("rows");
                prop_assert_eq!(got, want);
            }
            // The broken copy: an entry (maybe with an error); loading it ends in a value or an error.
            if let Some(broken) = ArrayRef::from_entry(Arc::clone(&store), &entries[1]) {
                let _ = broken.load(None, &progress, &cancel).await;
                let _ = broken.read_rows(0..3, &progress, &cancel).await;
            }
            Ok(())
        })?;
    }
}
