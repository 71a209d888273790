//! The checks GCS and Azure stores share, each run against a real server on loopback
//! (fake-gcs-server, Azurite; see `tests/support/cloud_emulators.rs`): listings from headers
//! alone that agree with numpy, `info`, `get`, `--rows` windows read with ranged requests, the
//! download cache, and missing buckets or containers.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use futures::TryStreamExt;
use npyscope::array::ArrayRef;
use npyscope::cache::Cache;
use npyscope::config::{Backend, LayoutSettings, Origin, Secret, StoreSpec};
use npyscope::jobs::{CancellationToken, Progress};
use npyscope::store::{self, Entry, RetryPolicy, Store, StoreError};
use serde_json::{Value, json};

use crate::cloud_emulators::{Azurite, FakeGcs};
use crate::common;

pub use crate::cloud_emulators::Objects;

/// A GCS or Azure server holding some buckets (containers).
pub enum Cloud {
    /// fake-gcs-server.
    Gcs(FakeGcs),
    /// Azurite.
    Azure(Azurite),
}

impl Cloud {
    /// Starts fake-gcs-server with `buckets`.
    pub fn gcs(buckets: Vec<(&str, Objects)>) -> Cloud {
        Cloud::Gcs(FakeGcs::start(&buckets))
    }

    /// Starts Azurite and fills `containers` through the Blob API.
    pub fn azure(containers: Vec<(&str, Objects)>) -> Cloud {
        let azurite = Azurite::start();
        for (container, objects) in containers {
            azurite.fill(container, objects);
        }
        Cloud::Azure(azurite)
    }

    /// The protocol name.
    pub fn protocol(&self) -> &'static str {
        match self {
            Cloud::Gcs(_) => "gcs",
            Cloud::Azure(_) => "azure",
        }
    }

    /// A store on `bucket`/`location` as a `datajoint.json` entry. GCS: token `anon`, the
    /// server named by `STORAGE_EMULATOR_HOST` (see [`Cloud::command`]); Azure: a connection
    /// string with the account key.
    pub fn store_json(&self, bucket: &str, location: &str) -> Value {
        match self {
            Cloud::Gcs(_) => json!({
                "protocol": "gcs", "bucket": bucket, "location": location,
                "token": "anon", "project": "npyscope-test",
            }),
            Cloud::Azure(azurite) => json!({
                "protocol": "azure", "container": bucket, "location": location,
                "connection_string": azurite.connection_string(),
            }),
        }
    }

    /// A store on `bucket`/`location` for in-process use. GCS: a service-account key naming
    /// the server (no environment variable, so tests may run in parallel); Azure: as
    /// [`Cloud::store_json`].
    pub fn spec(&self, name: &str, bucket: &str, location: &str) -> StoreSpec {
        let backend = match self {
            Cloud::Gcs(gcs) => Backend::Gcs {
                bucket: bucket.to_string(),
                location: location.to_string(),
                project: None,
                token: Some(Secret::new(gcs.key_json().to_string())),
            },
            Cloud::Azure(azurite) => Backend::Azure {
                container: bucket.to_string(),
                location: location.to_string(),
                account_name: None,
                account_key: None,
                connection_string: Some(Secret::new(azurite.connection_string())),
            },
        };
        StoreSpec {
            name: name.to_string(),
            backend,
            layout: LayoutSettings::default(),
            origin: Origin::AdHoc,
            secrets_from: Vec::new(),
        }
    }

    /// The binary in `cwd`, pointed at this server as a user would: `STORAGE_EMULATOR_HOST`
    /// for GCS; Azure's connection string is in the config.
    pub fn command(&self, cwd: &Path, args: &[&str]) -> Command {
        let mut cmd = common::npyscope_in(cwd, args);
        if let Cloud::Gcs(gcs) = self {
            cmd.env("STORAGE_EMULATOR_HOST", gcs.host_port());
        }
        cmd
    }

    /// A project folder whose `datajoint.json` has the store `lab` on `bucket`/`location`.
    pub fn project(&self, bucket: &str, location: &str) -> tempfile::TempDir {
        let project = common::project_dir();
        let config =
            json!({"stores": {"default": "lab", "lab": self.store_json(bucket, location)}});
        std::fs::write(project.path().join("datajoint.json"), config.to_string())
            .expect("datajoint.json");
        project
    }
}

/// A 16 MiB float64 array: its header is all a listing may read.
pub fn big_npy() -> Vec<u8> {
    let dtype = npyscope::npy::DType::Scalar(npyscope::npy::parse_typestr("<f8").expect("f8"));
    let mut bytes = npyscope::npy::encode_header(&dtype, false, &[2_097_152]);
    bytes.resize(bytes.len() + 2_097_152 * 8, 0);
    bytes
}

/// 200,000 × 8 float32, each value its flat index, so windows can be checked.
pub fn numbered_npy() -> Vec<u8> {
    let (rows, cols) = (200_000u64, 8u64);
    let dtype = npyscope::npy::DType::Scalar(npyscope::npy::parse_typestr("<f4").expect("f4"));
    let mut bytes = npyscope::npy::encode_header(&dtype, false, &[rows, cols]);
    for i in 0..rows * cols {
        bytes.extend_from_slice(&(i as f32).to_le_bytes());
    }
    bytes
}

/// The `.npy` fixtures below `prefix/`, the big array below `prefix/big/`, and an array
/// outside the store's location.
pub fn fixture_objects(prefix: &str) -> Objects {
    let mut files = common::files_below(&common::fixtures_dir());
    files.retain(|(path, _)| path.ends_with(".npy"));
    assert!(files.len() > 20, "fixtures missing: {}", files.len());
    let mut objects: Objects = files
        .into_iter()
        .map(|(p, b)| (format!("{prefix}/{p}"), b))
        .collect();
    objects.push((format!("{prefix}/big/recording.npy"), big_npy()));
    objects.push(("elsewhere/not-listed.npy".to_string(), big_npy()));
    objects
}

/// Lists `prefix` recursively and reads every header.
async fn list_all(store: Arc<Store>, prefix: &str) -> Vec<Entry> {
    let objects = store.walk_stream(prefix);
    store::entries(store, objects)
        .try_collect()
        .await
        .expect("listing")
}

/// The store on `data` of `bucket` lists what the local fixtures folder lists, with the same
/// metadata or the same error, reading only headers, concurrently.
pub async fn listing_matches_local_and_reads_only_headers(cloud: &Cloud, bucket: &str) {
    let remote = store::open_shared(cloud.spec("remote", bucket, "data")).expect("open remote");
    let local = store::open_shared(common::file_spec("local", &common::fixtures_dir()))
        .expect("open local");
    let remote_entries = list_all(remote.clone(), "").await;
    let local_entries = list_all(local, "").await;
    let remote_fixtures: Vec<&Entry> = remote_entries
        .iter()
        .filter(|e| !e.object.path.starts_with("big/"))
        .collect();
    assert_eq!(remote_fixtures.len(), local_entries.len());
    for (r, l) in remote_fixtures.iter().zip(&local_entries) {
        assert_eq!(r.object.path, l.object.path);
        assert_eq!(r.object.size, l.object.size, "{}", r.object.path);
        match (&r.meta, &l.meta) {
            (Ok(rm), Ok(lm)) => assert_eq!(rm, lm, "{}", r.object.path),
            (Err(re), Err(le)) => assert_eq!(
                re.to_string().replace("\"remote\"", "\"local\""),
                le.to_string(),
                "{}",
                r.object.path
            ),
            _ => panic!(
                "{}: remote {:?} vs local {:?}",
                r.object.path, r.meta, l.meta
            ),
        }
    }
    let big = remote_entries
        .iter()
        .find(|e| e.object.path == "big/recording.npy")
        .expect("big array listed");
    assert_eq!(
        big.meta.as_ref().expect("big header").shape,
        vec![2_097_152]
    );
    let stats = remote.stats();
    assert!(stats.requests() >= remote_entries.len() as u64);
    assert!(
        stats.bytes() <= stats.requests() * npyscope::npy::MIN_PROBE_BYTES as u64,
        "read {} bytes in {} requests",
        stats.bytes(),
        stats.requests()
    );
    assert!(
        stats.bytes() < 2_097_152 * 8,
        "the big array was not downloaded"
    );
    assert!(stats.peak_in_flight() > 1, "headers are read concurrently");
    assert!(
        remote_entries
            .iter()
            .all(|e| !e.object.path.contains("not-listed"))
    );
}

fn run(mut cmd: Command) -> Output {
    cmd.output().expect("run npyscope")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect()
}

/// The binary on a configured store: `ls -r --json` agrees with numpy's view of every fixture
/// (the manifest numpy wrote), `info` names the array, `get` writes what numpy reads back,
/// `get --rows` windows too, and `stores` shows no secret.
pub fn cli_agrees_with_numpy(cloud: &Cloud, bucket: &str, secret: Option<&str>) {
    let project = cloud.project(bucket, "data");
    let dir = project.path();
    let out = run(cloud.command(dir, &["ls", "-r", "--json", "lab"]));
    assert!(out.status.success(), "{}", text(&out));
    let records = json_lines(&out);
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(common::fixtures_dir().join("manifest.json")).expect("manifest"),
    )
    .expect("manifest JSON");
    let mut good = 0;
    for record in records.iter().filter(|r| r["path"] != "big/recording.npy") {
        let path = record["path"].as_str().expect("path");
        assert_eq!(record["store"], "lab");
        if let Some(want) = manifest["good"].get(path) {
            assert_eq!(record["error"], Value::Null, "{record}");
            for field in [
                "shape",
                "fortran_order",
                "ndim",
                "size",
                "itemsize",
                "nbytes",
                "data_offset",
                "format_version",
            ] {
                assert_eq!(record[field], want[field], "{path}: {field}");
            }
            assert_eq!(record["object_size"], want["file_size"], "{path}");
            good += 1;
        } else {
            assert!(
                manifest["broken"].get(path).is_some(),
                "{path} not in manifest"
            );
            let error = record["error"].as_str().unwrap_or_default();
            assert!(
                error.contains(path) && error.contains("\"lab\""),
                "{record}"
            );
        }
    }
    assert_eq!(
        records.len(),
        1 + manifest["good"].as_object().map_or(0, |m| m.len())
            + manifest["broken"].as_object().map_or(0, |m| m.len())
    );
    assert!(good > 200, "{good} good records");

    let out = run(cloud.command(dir, &["info", "--json", "lab:fortran_2d.npy"]));
    assert!(out.status.success(), "{}", text(&out));
    let info = &json_lines(&out)[0];
    assert_eq!(info["shape"], manifest["good"]["fortran_2d.npy"]["shape"]);
    assert_eq!(info["fortran_order"], true);

    let fortran = common::fixtures_dir().join("fortran_2d.npy");
    for args in [
        vec!["get", "lab:fortran_2d.npy", "-o", "whole.npy"],
        vec![
            "get",
            "lab:fortran_2d.npy",
            "--rows",
            "1:",
            "-o",
            "rows.npy",
        ],
        vec!["get", "lab:c_3d.npy", "--rows", "-1:", "-o", "last.npy"],
    ] {
        let out = run(cloud.command(dir, &args));
        assert!(out.status.success(), "{args:?}: {}", text(&out));
    }
    crate::array::numpy_agrees(&format!(
        "import os\nos.chdir('{}')\n\
         f = np.load('{}')\n\
         assert np.array_equal(np.load('whole.npy'), f)\n\
         assert np.array_equal(np.load('rows.npy'), f[1:])\n\
         c = np.load('{}')\n\
         assert np.array_equal(np.load('last.npy'), c[-1:])\n",
        dir.display(),
        fortran.display(),
        common::fixtures_dir().join("c_3d.npy").display(),
    ));

    let out = run(cloud.command(dir, &["stores", "--json"]));
    assert!(out.status.success(), "{}", text(&out));
    let all = text(&out);
    assert!(all.contains(cloud.protocol()), "{all}");
    if let Some(secret) = secret {
        assert!(!all.contains(secret), "{all}");
    }
}

/// A window of rows reads only its bytes, with ranged requests; the download cache fetches the
/// whole object once and serves it again with no request.
pub async fn rows_are_ranged_reads_and_the_cache_reuses_downloads(cloud: &Cloud, bucket: &str) {
    let store = store::open_shared(cloud.spec("rec", bucket, "")).expect("open");
    let array = ArrayRef::open(Arc::clone(&store), "numbered.npy")
        .await
        .expect("open array");
    let before = store.stats().bytes();
    let (covered, window) = array
        .read_rows(
            150_000..151_000,
            &Progress::new(None),
            &CancellationToken::new(),
        )
        .await
        .expect("rows");
    assert_eq!(covered, 150_000..151_000);
    assert_eq!(window.shape(), &[1000, 8]);
    let values: &[f32] = window.as_slice().expect("f32 values");
    assert_eq!(values[0], (150_000 * 8) as f32);
    assert_eq!(values[7999], (151_000 * 8 - 1) as f32);
    assert_eq!(
        store.stats().bytes() - before,
        1000 * 8 * 4,
        "only the window's bytes were read"
    );

    let objects = store.walk("").await.expect("walk");
    let object = objects
        .iter()
        .find(|o| o.path == "numbered.npy")
        .expect("listed");
    let dir = tempfile::tempdir().expect("cache dir");
    let cache = Cache::open_at(dir.path().join("cache"), 1 << 30).expect("cache");
    let file = cache
        .fetch(
            &store,
            object,
            &Progress::new(None),
            &CancellationToken::new(),
        )
        .await
        .expect("fetch");
    let bytes = numbered_npy();
    assert_eq!(std::fs::read(file.path()).expect("copy"), bytes);
    drop(file);
    let requests = store.stats().requests();
    let again = cache
        .fetch(
            &store,
            object,
            &Progress::new(None),
            &CancellationToken::new(),
        )
        .await
        .expect("second fetch");
    assert_eq!(store.stats().requests(), requests, "served from the cache");
    assert_eq!(
        std::fs::read(again.path()).expect("copy").len(),
        bytes.len()
    );
    let headed = store.head("numbered.npy").await.expect("head");
    assert!(
        cache.lookup(&store, &headed).is_some(),
        "HEAD matches the copy"
    );
}

/// A store on a bucket (container) that does not exist: a clear error naming the store and
/// the bucket, with no secret in it.
pub async fn missing_bucket_is_a_clear_error(cloud: &Cloud, secret: Option<&str>) {
    // fake-gcs-server answers 500 (retried) where GCS answers 404: a short retry budget.
    let policy = RetryPolicy {
        budget: std::time::Duration::from_secs(1),
        ..RetryPolicy::from_env()
    };
    let store = Store::open_with(cloud.spec("gone", "absent-bucket", ""), policy).expect("open");
    let err = store.walk("").await.expect_err("no such bucket");
    let message = err.to_string();
    assert!(matches!(err, StoreError::NotFound { .. }), "{message}");
    assert!(message.contains("\"gone\""), "{message}");
    assert!(message.contains("absent-bucket"), "{message}");
    let word = match cloud {
        Cloud::Gcs(_) => "bucket",
        Cloud::Azure(_) => "container",
    };
    assert!(message.contains(word), "{message}");
    if let Some(secret) = secret {
        assert!(!message.contains(secret), "{message}");
        assert!(!format!("{err:?}").contains(secret));
    }
}
