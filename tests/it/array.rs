//! `ArrayRef` on real stores: loads equal numpy's values (local folder and the S3 test server),
//! local maps are the store's own file, remote windows read only their rows, a replaced
//! object is noticed, and `get` round-trips through numpy.

use std::path::Path;
use std::sync::Arc;

use npyscope::array::{ArrayRef, MapMode};
use npyscope::cache::Cache;
use npyscope::jobs::{CancellationToken, Progress};
use npyscope::store::{self, Store};

use crate::common::{self, S3TestServer};

/// Good fixtures (names) with numpy's native C-order bytes beside them.
fn fixtures_with_values() -> Vec<String> {
    let values = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/values");
    let mut names: Vec<String> = std::fs::read_dir(&values)
        .expect("values folder")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".c.bin").map(str::to_string))
        .collect();
    names.sort();
    assert!(names.len() > 30, "value fixtures missing");
    names
}

/// The `.npy` a value fixture was made from: the shared fixtures, or extra ones beside the values.
fn source_of(name: &str) -> std::path::PathBuf {
    let shared = common::fixtures_dir().join(format!("{name}.npy"));
    if shared.exists() {
        shared
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/values/{name}.npy"))
    }
}

fn expected_bytes(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/values/{name}.c.bin")),
    )
    .unwrap()
}

async fn load(
    store: &Arc<Store>,
    path: &str,
    cache: Option<&Cache>,
) -> npyscope::array::data::NdArray {
    let array = ArrayRef::open(Arc::clone(store), path)
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    array
        .load(cache, &Progress::new(None), &CancellationToken::new())
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loads_equal_numpy_on_a_local_store_and_on_s3() {
    let names = fixtures_with_values();
    let folder = tempfile::tempdir().unwrap();
    for name in &names {
        std::fs::copy(source_of(name), folder.path().join(format!("{name}.npy"))).unwrap();
    }
    let local = store::open_shared(common::file_spec("local", folder.path())).unwrap();
    let root = tempfile::tempdir().unwrap();
    let server = S3TestServer::start(root.path());
    let files = names
        .iter()
        .map(|n| (format!("fx/{n}.npy"), std::fs::read(source_of(n)).unwrap()))
        .collect();
    common::upload(&server, "arrays", files).await;
    let remote = store::open_shared(common::s3_spec(&server, "remote", "arrays", "fx")).unwrap();
    for name in &names {
        let want = expected_bytes(name);
        let path = format!("{name}.npy");
        assert_eq!(
            load(&local, &path, None).await.bytes(),
            want.as_slice(),
            "local {name}"
        );
        assert_eq!(
            load(&remote, &path, None).await.bytes(),
            want.as_slice(),
            "s3 {name}"
        );
    }
}

/// The `/proc/self/maps` line holding `address`, if any (Linux).
fn mapping_of(address: usize) -> Option<String> {
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    maps.lines()
        .find(|line| {
            let range = line.split_whitespace().next().unwrap_or("");
            let Some((a, b)) = range.split_once('-') else {
                return false;
            };
            let (a, b) = (
                usize::from_str_radix(a, 16).unwrap_or(0),
                usize::from_str_radix(b, 16).unwrap_or(0),
            );
            (a..b).contains(&address)
        })
        .map(str::to_string)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_mmap_maps_the_store_file_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.npy");
    let fixture = std::fs::read(common::fixtures_dir().join("c_3d.npy")).unwrap();
    std::fs::write(&file, &fixture).unwrap();
    let store = store::open_shared(common::file_spec("local", dir.path())).unwrap();
    let cache_dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(Some(cache_dir.path().join("cache")), None).unwrap();
    let array = ArrayRef::open(Arc::clone(&store), "big.npy").await.unwrap();
    let mapped = array
        .mmap(
            MapMode::ReadOnly,
            &cache,
            &Progress::new(None),
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    assert_eq!(mapped.data(), &fixture[array.meta().data_offset as usize..]);
    let line = mapping_of(mapped.address_range().start).expect("mapped address in /proc/self/maps");
    assert!(
        line.ends_with(&file.canonicalize().unwrap().display().to_string()),
        "{line}"
    );
    assert!(
        cache.entries().unwrap().is_empty(),
        "nothing was copied into the cache"
    );
    assert!(
        array.is_cached(&cache),
        "a local file counts as on this machine"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_rows_read_only_the_window_and_mmap_goes_through_the_cache() {
    let root = tempfile::tempdir().unwrap();
    let server = S3TestServer::start(root.path());
    // 200,000 × 8 float32 (6.4 MB), rows numbered so windows can be checked.
    let (rows, cols) = (200_000u64, 8u64);
    let dtype = npyscope::npy::DType::Scalar(npyscope::npy::parse_typestr("<f4").unwrap());
    let mut bytes = npyscope::npy::encode_header(&dtype, false, &[rows, cols]);
    for r in 0..rows {
        for c in 0..cols {
            bytes.extend_from_slice(&((r * cols + c) as f32).to_le_bytes());
        }
    }
    common::upload(&server, "rec", vec![("big.npy".to_string(), bytes.clone())]).await;
    let store = store::open_shared(common::s3_spec(&server, "rec", "rec", "")).unwrap();
    let array = ArrayRef::open(Arc::clone(&store), "big.npy").await.unwrap();
    let before = store.stats().bytes();
    let (covered, window) = array
        .read_rows(
            150_000..151_000,
            &Progress::new(None),
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    assert_eq!(covered, 150_000..151_000);
    assert_eq!(window.shape(), &[1000, 8]);
    let values: &[f32] = window.as_slice().unwrap();
    assert_eq!(values[0], (150_000 * 8) as f32);
    assert_eq!(values[7999], (151_000 * 8 - 1) as f32);
    assert_eq!(
        store.stats().bytes() - before,
        1000 * 8 * 4,
        "only the window's bytes were read"
    );

    let cache_dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(Some(cache_dir.path().join("cache")), None).unwrap();
    assert!(!array.is_cached(&cache));
    let mapped = array
        .mmap(
            MapMode::CopyOnWrite,
            &cache,
            &Progress::new(None),
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    assert_eq!(mapped.data(), &bytes[array.meta().data_offset as usize..]);
    assert!(array.is_cached(&cache));
    assert_eq!(cache.entries().unwrap().len(), 1);
}

/// Arrays numpy wrote, served over S3, read in more parts than one ranged request holds: the
/// windows and loads must equal numpy's own slices, made native and C order, byte for byte.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn windows_and_loads_over_many_parts_equal_numpy() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().display();
    // Big-endian, so every path also swaps; columns of 9.6 MB, more than one 8 MiB part.
    numpy_agrees(&format!(
        "rng = np.random.default_rng(3)\n\
         f = np.asfortranarray(rng.standard_normal((1_200_000, 2)).astype('>f8'))\n\
         np.save('{dir}/fortran.npy', f)\n\
         np.ascontiguousarray(f[50_000:1_150_000], dtype='=f8').tofile('{dir}/fortran_mid.raw')\n\
         np.ascontiguousarray(f[:10], dtype='=f8').tofile('{dir}/fortran_head.raw')\n\
         c = rng.integers(-2**31, 2**31, size=(2_500_000, 2)).astype('>i4')\n\
         np.save('{dir}/c.npy', c)\n\
         np.ascontiguousarray(c, dtype='=i4').tofile('{dir}/c_all.raw')\n\
         np.ascontiguousarray(c[7:2_400_007], dtype='=i4').tofile('{dir}/c_rows.raw')\n"
    ));
    let read = |name: &str| std::fs::read(work.path().join(name)).unwrap();
    let root = tempfile::tempdir().unwrap();
    let server = S3TestServer::start(root.path());
    let files = vec![
        ("fortran.npy".to_string(), read("fortran.npy")),
        ("c.npy".to_string(), read("c.npy")),
    ];
    common::upload(&server, "big", files).await;
    let store = store::open_shared(common::s3_spec(&server, "big", "big", "")).unwrap();
    let (progress, cancel) = (Progress::new(None), CancellationToken::new());

    let fortran = ArrayRef::open(Arc::clone(&store), "fortran.npy")
        .await
        .unwrap();
    // Runs of 8.8 MB, 0.8 MB apart: read as one range in parts, each run out of two or three.
    let (rows, mid) = fortran
        .read_rows(50_000..1_150_000, &progress, &cancel)
        .await
        .unwrap();
    assert_eq!(rows, 50_000..1_150_000);
    assert_eq!(mid.shape(), &[1_100_000, 2]);
    assert!(
        mid.bytes() == read("fortran_mid.raw"),
        "rows 50,000:1,150,000"
    );
    // Runs of 80 bytes, 9.6 MB apart: one request each, nothing between them read.
    let before = store.stats().bytes();
    let (_, head) = fortran.read_rows(0..10, &progress, &cancel).await.unwrap();
    assert_eq!(store.stats().bytes() - before, 2 * 10 * 8);
    assert!(head.bytes() == read("fortran_head.raw"), "rows :10");

    let c = ArrayRef::open(Arc::clone(&store), "c.npy").await.unwrap();
    let all = c.load(None, &progress, &cancel).await.unwrap();
    assert_eq!(all.shape(), &[2_500_000, 2]);
    assert!(all.bytes() == read("c_all.raw"), "the whole C-order array");
    let (_, window) = c.read_rows(7..2_400_007, &progress, &cancel).await.unwrap();
    assert!(window.bytes() == read("c_rows.raw"), "rows 7:2,400,007");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_object_replaced_after_listing_is_loaded_whole_from_its_new_version() {
    let root = tempfile::tempdir().unwrap();
    let server = S3TestServer::start(root.path());
    let v1 = std::fs::read(common::fixtures_dir().join("le_f4.npy")).unwrap();
    let v2 = std::fs::read(common::fixtures_dir().join("c_3d.npy")).unwrap();
    common::upload(&server, "lab", vec![("a.npy".to_string(), v1)]).await;
    let store = store::open_shared(common::s3_spec(&server, "lab", "lab", "")).unwrap();
    let listed = ArrayRef::open(Arc::clone(&store), "a.npy").await.unwrap();
    assert_eq!(listed.shape(), &[4]);
    common::upload(&server, "lab", vec![("a.npy".to_string(), v2)]).await;
    let loaded = listed
        .load(None, &Progress::new(None), &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(
        loaded.shape(),
        &[2, 3, 4],
        "the new version's header was read"
    );
    assert_eq!(loaded.bytes(), expected_bytes("c_3d").as_slice());
}

/// Opening a local array (its stat and header read on one blocking thread) gives what the
/// listing's `head` and `read_header` give, and errors that name the object for a folder, a
/// missing file, an empty file and a path that would leave the store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_open_equals_head_and_header_and_names_bad_paths() {
    let root = tempfile::tempdir().unwrap();
    std::fs::copy(
        common::fixtures_dir().join("c_3d.npy"),
        root.path().join("a.npy"),
    )
    .unwrap();
    std::fs::create_dir(root.path().join("folder.npy")).unwrap();
    std::fs::write(root.path().join("empty.npy"), b"").unwrap();
    let spec = npyscope::config::StoreSpec::local_folder(root.path());
    let store = store::open_shared(spec).unwrap();
    let opened = ArrayRef::open(Arc::clone(&store), "a.npy").await.unwrap();
    let head = store.head("a.npy").await.unwrap();
    let (format, meta) = store.read_header(&head).await.unwrap();
    assert_eq!(opened.object(), &head);
    assert_eq!((opened.format(), opened.meta()), (&format, &meta));
    assert_eq!(opened.shape(), &[2, 3, 4]);
    for (path, says) in [
        ("folder.npy", "this is a folder"),
        ("missing.npy", "missing.npy"),
        ("empty.npy", "empty"),
        ("../a.npy", "not allowed"),
    ] {
        let err = ArrayRef::open(Arc::clone(&store), path)
            .await
            .err()
            .unwrap_or_else(|| panic!("{path} opened"))
            .to_string();
        assert!(err.contains(says), "{path}: {err}");
    }
}

/// Installs numpy for `python3` when it is missing (a fresh machine has only pip).
fn ensure_numpy() {
    let python = |args: &[&str]| {
        std::process::Command::new("python3")
            .args(args)
            .output()
            .expect("python3")
    };
    if !python(&["-c", "import numpy"]).status.success() {
        let out = python(&["-m", "pip", "install", "--quiet", "numpy"]);
        assert!(
            out.status.success(),
            "pip install numpy failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Runs `script` with numpy; fails the test with numpy's message if an assertion fails.
pub(crate) fn numpy_agrees(script: &str) {
    ensure_numpy();
    let out = std::process::Command::new("python3")
        .args(["-c", &format!("import numpy as np\n{script}")])
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "numpy check failed (pip install numpy if it is missing):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn get_writes_npy_and_csv_that_numpy_reads_back_equal() {
    let work = common::project_dir();
    let bin = env!("CARGO_BIN_EXE_npyscope");
    let fixtures = common::fixtures_dir();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(bin)
            .args(args)
            .current_dir(work.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let mut checks = String::new();
    for name in fixtures_with_values() {
        let src = source_of(&name);
        let src = src.to_str().unwrap();
        run(&["get", src, "-o", &format!("{name}.npy")]);
        checks.push_str(&format!(
            "a, b = np.load('{src}', max_header_size=1<<20), np.load('{name}.npy', max_header_size=1<<20)\nassert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes(), '{name}'\n"
        ));
    }
    let fortran = fixtures.join("fortran_2d.npy");
    let fortran = fortran.to_str().unwrap();
    run(&["get", fortran, "--rows", "1:", "-o", "f_rows.npy"]);
    run(&[
        "get",
        fortran,
        "--rows",
        "-1:",
        "--mmap",
        "-o",
        "f_rows_mmap.npy",
    ]);
    run(&["get", fortran, "-o", "f.csv"]);
    let structured = fixtures.join("struct_nested.npy");
    let structured = structured.to_str().unwrap();
    checks.push_str(&format!(
        "f = np.load('{fortran}')\n\
         assert np.array_equal(np.load('f_rows.npy'), f[1:])\n\
         assert np.array_equal(np.load('f_rows_mmap.npy'), f[-1:])\n\
         assert np.array_equal(np.loadtxt('f.csv', delimiter=',', ndmin=2), f)\n"
    ));
    ensure_numpy();
    let first_field = {
        let out = std::process::Command::new("python3")
            .args([
                "-c",
                &format!("import numpy as np; print(np.load('{structured}').dtype.names[0])"),
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    run(&[
        "get",
        structured,
        "--field",
        &first_field,
        "-o",
        "field.npy",
    ]);
    checks.push_str(&format!(
        "s = np.load('{structured}')\nassert np.array_equal(np.load('field.npy'), s['{first_field}'])\n"
    ));
    numpy_agrees(&format!(
        "import os\nos.chdir('{}')\n{checks}",
        work.path().display()
    ));
}
