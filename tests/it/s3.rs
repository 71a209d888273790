//! Stores against a real S3 protocol server on loopback (s3s-fs, signed requests): listing,
//! header-only ranged reads, wrong credentials, a missing bucket.

use std::sync::Arc;

use futures::TryStreamExt;
use npyscope::config::{Backend, Secret};
use npyscope::store::{self, Entry, Store, StoreError};

use crate::common::{self, S3TestServer};

/// Lists `prefix` recursively and reads every header.
async fn list_all(store: Arc<Store>, prefix: &str) -> Vec<Entry> {
    let objects = store.walk_stream(prefix);
    store::entries(store, objects)
        .try_collect()
        .await
        .expect("listing")
}

/// A 16 MiB float64 array: its header is all a listing may read.
fn big_npy() -> Vec<u8> {
    let dtype = npyscope::npy::DType::Scalar(npyscope::npy::parse_typestr("<f8").unwrap());
    let mut bytes = npyscope::npy::encode_header(&dtype, false, &[2_097_152]);
    bytes.resize(bytes.len() + 2_097_152 * 8, 0);
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_listing_matches_local_listing_and_reads_only_headers() {
    let root = tempfile::tempdir().unwrap();
    let server = S3TestServer::start(root.path());
    let mut files = common::files_below(&common::fixtures_dir());
    files.retain(|(path, _)| path.ends_with(".npy"));
    assert!(files.len() > 20, "fixtures missing: {}", files.len());
    let mut uploads: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(p, b)| (format!("lab/data/{p}"), b.clone()))
        .collect();
    uploads.push(("lab/data/big/recording.npy".to_string(), big_npy()));
    uploads.push(("lab/elsewhere/not-listed.npy".to_string(), big_npy()));
    common::upload(&server, "bucket", uploads).await;

    let remote =
        store::open_shared(common::s3_spec(&server, "remote", "bucket", "lab/data")).unwrap();
    let local = store::open_shared(common::file_spec("local", &common::fixtures_dir())).unwrap();
    let remote_entries = list_all(remote.clone(), "").await;
    let local_entries = list_all(local, "").await;

    // Same objects, same metadata or the same kind of error, whichever side reads them.
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

    // The 16 MiB array was listed from its header alone.
    let big = remote_entries
        .iter()
        .find(|e| e.object.path == "big/recording.npy")
        .expect("big array listed");
    let meta = big.meta.as_ref().expect("big header");
    assert_eq!(meta.shape, vec![2_097_152]);
    let stats = remote.stats();
    let objects = remote_entries.len() as u64;
    assert!(stats.requests() >= objects, "one read per object at least");
    assert!(
        stats.bytes() <= stats.requests() * npyscope::npy::MIN_PROBE_BYTES as u64,
        "read {} bytes in {} requests",
        stats.bytes(),
        stats.requests()
    );
    assert!(
        stats.bytes() < 2_097_152 * 8,
        "the big array's data was not downloaded"
    );
    assert!(stats.peak_in_flight() > 1, "headers are read concurrently");

    // Nothing outside the store's location is listed.
    assert!(
        remote_entries
            .iter()
            .all(|e| !e.object.path.contains("not-listed"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_browse_lists_one_level_with_folders() {
    let root = tempfile::tempdir().unwrap();
    let server = S3TestServer::start(root.path());
    let array = big_npy()[..128].to_vec();
    common::upload(
        &server,
        "lab",
        vec![
            ("top.npy".to_string(), array.clone()),
            ("notes.txt".to_string(), b"hello".to_vec()),
            (
                "_schema/ephys/recording/subject_id=mouse%2F1/trace_Ab3_-x9Z.npy".to_string(),
                array.clone(),
            ),
            (
                "_schema/imaging/scan/scan_id=1/frames_abcdefgh.npy".to_string(),
                array,
            ),
        ],
    )
    .await;
    let store = Store::open(common::s3_spec(&server, "lab", "lab", "")).unwrap();
    let level = store.browse("").await.unwrap();
    assert_eq!(level.folders, vec!["_schema"]);
    assert_eq!(level.objects.len(), 1);
    assert_eq!(level.objects[0].path, "top.npy");
    assert_eq!(level.other_files, 1);
    let level = store.browse("_schema").await.unwrap();
    assert_eq!(level.folders, vec!["_schema/ephys", "_schema/imaging"]);

    // Keys holding URL-encoded values come back as stored, and parse as DataJoint paths.
    let objects = store.walk("_schema/ephys").await.unwrap();
    assert_eq!(objects.len(), 1);
    let entry = store.entry(objects[0].clone()).await;
    assert_eq!(
        entry.object.path,
        "_schema/ephys/recording/subject_id=mouse%2F1/trace_Ab3_-x9Z.npy"
    );
    let dj = entry.datajoint.expect("DataJoint path");
    assert_eq!(
        dj.key,
        vec![("subject_id".to_string(), "mouse/1".to_string())]
    );
    assert_eq!(dj.attribute, "trace");
    assert_eq!(dj.token, "Ab3_-x9Z");
    // The truncated array is flagged, not a failure of the listing.
    let err = entry.meta.expect_err("data is cut");
    assert!(err.to_string().contains("trace_Ab3_-x9Z.npy"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_wrong_credentials_say_access_denied_without_the_secret() {
    let root = tempfile::tempdir().unwrap();
    let server = S3TestServer::start(root.path());
    common::upload(
        &server,
        "bucket",
        vec![("a.npy".to_string(), big_npy()[..128].to_vec())],
    )
    .await;
    let mut spec = common::s3_spec(&server, "locked", "bucket", "");
    let wrong_secret = "definitely-wrong-secret-9f8e7d";
    if let Backend::S3 { secret_key, .. } = &mut spec.backend {
        *secret_key = Some(Secret::new(wrong_secret));
    }
    let store = Store::open(spec).unwrap();
    let err = store.walk("").await.expect_err("wrong secret key");
    let message = err.to_string();
    assert!(matches!(err, StoreError::AccessDenied { .. }), "{message}");
    assert!(message.contains("access denied"), "{message}");
    assert!(message.contains("\"locked\""), "{message}");
    assert!(!message.contains(wrong_secret), "{message}");
    assert!(!format!("{err:?}").contains(wrong_secret));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_missing_bucket_is_a_clear_error() {
    let root = tempfile::tempdir().unwrap();
    let server = S3TestServer::start(root.path());
    server.create_bucket("present");
    let store = Store::open(common::s3_spec(&server, "gone", "absent-bucket", "")).unwrap();
    let err = store.walk("").await.expect_err("no such bucket");
    let message = err.to_string();
    assert!(matches!(err, StoreError::NotFound { .. }), "{message}");
    assert!(message.contains("absent-bucket"), "{message}");
    assert!(message.contains("bucket"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_server_down_is_an_error_not_a_hang() {
    let root = tempfile::tempdir().unwrap();
    let mut server = S3TestServer::start(root.path());
    server.create_bucket("bucket");
    let spec = common::s3_spec(&server, "down", "bucket", "");
    server.stop();
    let store = Store::open(spec).unwrap();
    let started = std::time::Instant::now();
    let err = store.walk("").await.expect_err("server is down");
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
    assert!(err.to_string().contains("\"down\""), "{err}");
}
