//! Faults of the network between npyscope and a real S3 server (the fault proxy in front of the
//! S3 test server): throttling (`503 SlowDown`), a slow link shared by all connections, cut
//! and stalled responses, latency, permanent errors, and a `get` killed mid-download. Each
//! case prints a `FAULT-MATRIX` line (fault, operation, outcome, time) for the README's table:
//! `cargo test --release --test it -- faults --nocapture`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use npyscope::array::{AccessError, ArrayRef, MapMode};
use npyscope::cache::Cache;
use npyscope::config::{Backend, StoreSpec};
use npyscope::jobs::{CancellationToken, Progress};
use npyscope::store::{self, RetryPolicy, Store, StoreError};

use crate::common::{self, ACCESS_KEY, S3TestServer, SECRET_KEY};
use crate::proxy::FaultProxy;

/// 1 MB/s: a slow home or VPN link.
const ONE_MB_PER_S: u64 = 1_000_000;

/// A `.npy` of `n` bytes (`|u1`) with a pattern, and its data.
fn npy(n: usize) -> (Vec<u8>, Vec<u8>) {
    let dtype = npyscope::npy::DType::Scalar(npyscope::npy::parse_typestr("|u1").unwrap());
    let data: Vec<u8> = (0..n).map(|i| (i * 31 + i / 4099) as u8).collect();
    let mut file = npyscope::npy::encode_header(&dtype, false, &[n as u64]);
    file.extend_from_slice(&data);
    (file, data)
}

/// The S3 test server holding `objects` in bucket `lab`, and a proxy in front of it.
async fn serve(objects: Vec<(&str, Vec<u8>)>) -> (tempfile::TempDir, S3TestServer, FaultProxy) {
    let root = tempfile::tempdir().unwrap();
    let server = S3TestServer::start(root.path());
    let files = objects
        .into_iter()
        .map(|(key, bytes)| (format!("data/{key}"), bytes))
        .collect();
    common::upload(&server, "lab", files).await;
    let proxy = FaultProxy::start(&server.host_port());
    (root, server, proxy)
}

/// A spec for bucket `lab`, location `data`, reached through `proxy`.
fn spec_via(server: &S3TestServer, proxy: &FaultProxy) -> StoreSpec {
    let mut spec = common::s3_spec(server, "lab", "lab", "data");
    if let Backend::S3 { endpoint, .. } = &mut spec.backend {
        *endpoint = Some(proxy.host_port());
    }
    spec
}

fn open_via(server: &S3TestServer, proxy: &FaultProxy) -> Arc<Store> {
    Arc::new(Store::open_with(spec_via(server, proxy), RetryPolicy::default()).unwrap())
}

/// One row of the fault matrix, printed for the README.
fn report(fault: &str, operation: &str, outcome: &str, took: Duration) {
    eprintln!(
        "FAULT-MATRIX | {fault} | {operation} | {outcome} | {:.1} s",
        took.as_secs_f64()
    );
}

/// Seconds since the start, bytes done, note.
type Sample = (f64, u64, Option<String>);

/// Samples a progress every 50 ms: (seconds since start, bytes done, note).
struct Samples {
    seen: Arc<Mutex<Vec<Sample>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Samples {
    fn watch(progress: &Progress) -> Samples {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (progress, out) = (progress.clone(), Arc::clone(&seen));
        let start = Instant::now();
        let task = tokio::spawn(async move {
            loop {
                out.lock().unwrap().push((
                    start.elapsed().as_secs_f64(),
                    progress.done(),
                    progress.note(),
                ));
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        });
        Samples { seen, task }
    }

    fn stop(self) -> Vec<Sample> {
        self.task.abort();
        self.seen.lock().unwrap().clone()
    }
}

/// Bytes counted by the first sample at or after `seconds`.
fn done_at(samples: &[Sample], seconds: f64) -> u64 {
    samples
        .iter()
        .find(|(t, _, _)| *t >= seconds)
        .map_or(0, |(_, done, _)| *done)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn six_503s_in_a_row_are_retried_for_listing_header_and_download() {
    let (file, data) = npy(3 << 20);
    let (_root, server, proxy) = serve(vec![("a/x.npy", file)]).await;
    let store = open_via(&server, &proxy);

    proxy.fail_next(6);
    let start = Instant::now();
    let progress = Progress::new(None);
    let samples = Samples::watch(&progress);
    let retries = progress.show_retries_of(&store);
    let objects: Vec<_> = store.walk_stream("").try_collect().await.expect("listing");
    drop(retries);
    let samples = samples.stop();
    assert_eq!(objects.len(), 1);
    assert_eq!(proxy.slow_downs(), 6);
    // object_store retries the listing by itself; the progress (the jobs panel's bar) shows it.
    let notes: Vec<&String> = samples.iter().filter_map(|(_, _, n)| n.as_ref()).collect();
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("retrying (") && n.contains("/12): 503 Service Unavailable")),
        "the listing's retries were not shown: {notes:?}"
    );
    assert_eq!(
        store.metadata_retry_note(),
        None,
        "the note outlived the retries"
    );
    report(
        "503 SlowDown × 6",
        "listing",
        "listed, \"retrying (n/12): 503 Service Unavailable\" shown",
        start.elapsed(),
    );

    proxy.fail_next(6);
    let start = Instant::now();
    let array = ArrayRef::open(Arc::clone(&store), "a/x.npy")
        .await
        .expect("header read");
    assert_eq!(proxy.slow_downs(), 12);
    report("503 SlowDown × 6", "header read", "read", start.elapsed());

    proxy.fail_next(6);
    let start = Instant::now();
    let progress = Progress::new(None);
    let samples = Samples::watch(&progress);
    let loaded = array
        .load(None, &progress, &CancellationToken::new())
        .await
        .expect("download");
    let samples = samples.stop();
    assert_eq!(loaded.bytes(), &data[..]);
    assert_eq!(proxy.slow_downs(), 18);
    let notes: Vec<&String> = samples.iter().filter_map(|(_, _, n)| n.as_ref()).collect();
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("retrying (") && n.contains("/12): 503")),
        "the retries were not shown: {notes:?}"
    );
    report(
        "503 SlowDown × 6",
        "download",
        "complete, \"retrying (n/12): 503 Service Unavailable\" shown",
        start.elapsed(),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_past_the_budget_fails_naming_the_budget() {
    let (file, _) = npy(1 << 20);
    let (_root, server, proxy) = serve(vec![("x.npy", file)]).await;
    let policy = RetryPolicy {
        budget: Duration::from_secs(2),
        ..RetryPolicy::default()
    };
    let store = Arc::new(Store::open_with(spec_via(&server, &proxy), policy).unwrap());
    let array = ArrayRef::open(Arc::clone(&store), "x.npy").await.unwrap();
    proxy.fail_next(1000);
    let start = Instant::now();
    let err = array
        .load(None, &Progress::new(None), &CancellationToken::new())
        .await
        .expect_err("a server that always throttles");
    let text = err.to_string();
    assert!(text.contains("store \"lab\""), "{text}");
    assert!(text.contains("503"), "{text}");
    assert!(text.contains("NPYSCOPE_RETRY_BUDGET_S"), "{text}");
    assert!(start.elapsed() < Duration::from_secs(10), "{text}");
    report(
        "503 SlowDown always (budget 2 s)",
        "download",
        "fails, names the budget",
        start.elapsed(),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permanent_errors_are_not_retried() {
    let (file, _) = npy(1 << 20);
    let (root, server, proxy) = serve(vec![("x.npy", file)]).await;
    let store = open_via(&server, &proxy);
    let array = ArrayRef::open(Arc::clone(&store), "x.npy").await.unwrap();

    // 404: the object went away after it was listed.
    std::fs::remove_file(root.path().join("lab/data/x.npy")).unwrap();
    let before = proxy.requests();
    let start = Instant::now();
    let err = array
        .load(None, &Progress::new(None), &CancellationToken::new())
        .await
        .expect_err("a deleted object");
    assert!(
        matches!(err, AccessError::Store(StoreError::NotFound { .. })),
        "{err}"
    );
    assert_eq!(proxy.requests() - before, 1, "404 was retried");
    report(
        "404 Not Found",
        "download",
        "fails at once",
        start.elapsed(),
    );

    // 403: wrong keys.
    let mut spec = spec_via(&server, &proxy);
    if let Backend::S3 { secret_key, .. } = &mut spec.backend {
        *secret_key = Some(npyscope::config::Secret::new("not-the-secret"));
    }
    let wrong = store::open_shared(spec).unwrap();
    let before = proxy.requests();
    let start = Instant::now();
    let err = wrong.head("x.npy").await.expect_err("wrong keys");
    assert!(matches!(err, StoreError::AccessDenied { .. }), "{err}");
    assert_eq!(proxy.requests() - before, 1, "403 was retried");
    report(
        "403 Forbidden",
        "header read",
        "fails at once",
        start.elapsed(),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_link_downloads_66_mib_with_progress_from_the_first_second_in_smaller_parts() {
    let (file, data) = npy(66 << 20);
    let (small_file, small_data) = npy(8 << 20);
    let (_root, server, proxy) = serve(vec![("big.npy", file), ("small.npy", small_file)]).await;
    let store = open_via(&server, &proxy);
    let big = ArrayRef::open(Arc::clone(&store), "big.npy").await.unwrap();
    let small = ArrayRef::open(Arc::clone(&store), "small.npy")
        .await
        .unwrap();
    proxy.set_rate(ONE_MB_PER_S);

    // A read into memory (`get`, the window's Load): 8 MiB, one part.
    let progress = Progress::new(None);
    let samples = Samples::watch(&progress);
    let start = Instant::now();
    let loaded = small
        .load(None, &progress, &CancellationToken::new())
        .await
        .expect("8 MiB at 1 MB/s");
    let samples = samples.stop();
    assert_eq!(loaded.bytes(), &small_data[..]);
    assert!(
        done_at(&samples, 2.0) > 0,
        "no byte counted in the first 2 s: {:?}",
        &samples[..samples.len().min(50)]
    );
    report(
        "1 MB/s link",
        "download 8 MiB (load)",
        &format!(
            "complete; {} bytes counted after 2 s",
            done_at(&samples, 2.0)
        ),
        start.elapsed(),
    );

    // A download into the cache (`get --mmap`, the window's Memory-map): 66 MiB, 8 parts at
    // once, each far longer than the old 60 s whole-request deadline; the last 2 MiB are
    // planned once the link's speed is known.
    let cache_dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(Some(cache_dir.path().to_path_buf()), None).unwrap();
    let progress = Progress::new(None);
    let samples = Samples::watch(&progress);
    let requests_before = proxy.requests();
    let start = Instant::now();
    let mapped = big
        .mmap(
            MapMode::ReadOnly,
            &cache,
            &progress,
            &CancellationToken::new(),
        )
        .await
        .expect("66 MiB at 1 MB/s");
    let took = start.elapsed();
    let samples = samples.stop();
    assert_eq!(mapped.data(), &data[..]);
    // Whole 8 MiB parts would be 9 requests; at 1 MB/s the tail after the first eight is cut
    // into parts of under 2 MiB.
    let requests = proxy.requests() - requests_before;
    assert!(
        requests >= 10,
        "the parts did not adapt to the slow link: {requests} requests"
    );
    assert!(
        done_at(&samples, 2.0) > 0,
        "no byte counted in the first 2 s"
    );
    // The count moves every second, not once per 8 MiB part.
    let per_second: Vec<u64> = (1..(took.as_secs() as usize).min(30))
        .map(|s| done_at(&samples, s as f64))
        .collect();
    assert!(
        per_second.windows(2).all(|w| w[1] > w[0]),
        "progress stood still for a second: {per_second:?}"
    );
    report(
        "1 MB/s link",
        "download 66 MiB (cache, mmap)",
        &format!(
            "complete; {} bytes counted after 2 s; {:.2} MB/s",
            done_at(&samples, 2.0),
            (66 << 20) as f64 / took.as_secs_f64() / 1e6
        ),
        took,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cut_responses_are_resumed_where_they_stopped() {
    let (file, data) = npy(16 << 20);
    let (_root, server, proxy) = serve(vec![("x.npy", file)]).await;
    let store = open_via(&server, &proxy);
    let array = ArrayRef::open(Arc::clone(&store), "x.npy").await.unwrap();
    proxy.cut_next(4, 1 << 20);
    let before = proxy.requests();
    let start = Instant::now();
    let loaded = array
        .load(None, &Progress::new(None), &CancellationToken::new())
        .await
        .expect("download with cut responses");
    assert_eq!(loaded.bytes(), &data[..]);
    // 2 parts, each cut twice at most and resumed: more requests than parts.
    assert!(proxy.requests() - before > 2);
    report(
        "response cut after 1 MiB × 4",
        "download 16 MiB",
        "complete (resumed with ranges)",
        start.elapsed(),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_only_slows() {
    let (file, data) = npy(1 << 20);
    let (_root, server, proxy) = serve(vec![("x.npy", file)]).await;
    let store = open_via(&server, &proxy);
    proxy.set_latency(Duration::from_millis(300));
    let start = Instant::now();
    let objects: Vec<_> = store.walk_stream("").try_collect().await.unwrap();
    assert_eq!(objects.len(), 1);
    report("300 ms latency", "listing", "listed", start.elapsed());
    let start = Instant::now();
    let array = ArrayRef::open(Arc::clone(&store), "x.npy").await.unwrap();
    report("300 ms latency", "header read", "read", start.elapsed());
    let start = Instant::now();
    let loaded = array
        .load(None, &Progress::new(None), &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(loaded.bytes(), &data[..]);
    report("300 ms latency", "download", "complete", start.elapsed());
}

/// A project whose `datajoint.json` names store `lab` at `endpoint`, keys in `.secrets/`.
fn project(endpoint: &str) -> tempfile::TempDir {
    let project = common::project_dir();
    let config = serde_json::json!({
        "stores": {
            "lab": {"protocol": "s3", "endpoint": endpoint, "bucket": "lab", "location": "data", "secure": false},
        }
    });
    std::fs::write(project.path().join("datajoint.json"), config.to_string()).unwrap();
    let secrets = project.path().join(".secrets");
    std::fs::create_dir(&secrets).unwrap();
    std::fs::write(secrets.join("stores.lab.access_key"), ACCESS_KEY).unwrap();
    std::fs::write(secrets.join("stores.lab.secret_key"), SECRET_KEY).unwrap();
    project
}

/// The binary in `cwd`, with no settings from the outside and its cache in `cwd/cache`.
fn npyscope(cwd: &Path, args: &[&str]) -> Command {
    let mut cmd = crate::common::npyscope_in(cwd, args);
    cmd.env("NPYSCOPE_CACHE_DIR", cwd.join("cache"));
    cmd
}

/// Temporary files left in a cache folder.
fn temp_files(cache: &Path) -> Vec<String> {
    std::fs::read_dir(cache)
        .map(|dir| {
            dir.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| name.ends_with(".tmp"))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn cli_ls_and_get_ride_out_six_503s() {
    let (file, data) = npy(2 << 20);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (_root, server, proxy) = runtime.block_on(serve(vec![("x.npy", file)]));
    let project = project(&proxy.host_port());

    proxy.fail_next(6);
    let start = Instant::now();
    let out = npyscope(project.path(), &["ls", "-r", "lab"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("x.npy"));
    assert_eq!(proxy.slow_downs(), 6);
    // The retries object_store makes by itself are told on stderr, one line each.
    let told: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("npyscope: store \"lab\": retrying (") && l.contains("/12): 503"))
        .collect();
    assert!(told.len() >= 3, "retries not told: {stderr}");
    report(
        "503 SlowDown × 6",
        "`npyscope ls`",
        "listed; \"retrying (n/12): 503 Service Unavailable\" on stderr",
        start.elapsed(),
    );

    proxy.fail_next(6);
    let start = Instant::now();
    let out = npyscope(project.path(), &["get", "lab:x.npy", "-o", "x.npy"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = std::fs::read(project.path().join("x.npy")).unwrap();
    assert!(written.ends_with(&data));
    assert_eq!(proxy.slow_downs(), 12);
    report(
        "503 SlowDown × 6",
        "`npyscope get`",
        "written",
        start.elapsed(),
    );
    drop(server);
}

#[test]
fn cli_get_fails_clearly_when_the_download_stalls() {
    let (file, _) = npy(16 << 20);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (_root, _server, proxy) = runtime.block_on(serve(vec![("x.npy", file)]));
    let project = project(&proxy.host_port());
    proxy.only_ranges_of(1 << 20);
    proxy.stall_next(100, 256 << 10);
    let start = Instant::now();
    let out = npyscope(project.path(), &["get", "lab:x.npy", "-o", "x.npy"])
        .env("NPYSCOPE_STALL_TIMEOUT_S", "2")
        .output()
        .unwrap();
    let took = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("no data arrived for 2 s"), "{stderr}");
    assert!(stderr.contains("store \"lab\""), "{stderr}");
    assert!(took < Duration::from_secs(30), "{took:?}: {stderr}");
    report(
        "stall after 256 KiB (stall timeout 2 s)",
        "`npyscope get`",
        "fails: \"no data arrived for 2 s\"",
        took,
    );
}

#[test]
fn a_killed_get_leaves_nothing_stale_and_the_next_run_succeeds() {
    let (file, data) = npy(16 << 20);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (_root, _server, proxy) = runtime.block_on(serve(vec![("x.npy", file)]));
    let project = project(&proxy.host_port());
    let cache = project.path().join("cache");
    proxy.set_rate(ONE_MB_PER_S);
    let mut child = npyscope(
        project.path(),
        &["get", "lab:x.npy", "--mmap", "-o", "x.npy"],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let waited = Instant::now();
    while temp_files(&cache).is_empty() && waited.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!temp_files(&cache).is_empty(), "the download never started");
    std::thread::sleep(Duration::from_secs(2));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(
        !project.path().join("x.npy").exists(),
        "finished before the kill"
    );
    assert!(
        !temp_files(&cache).is_empty(),
        "the killed run left no temp file"
    );

    proxy.set_rate(0);
    let start = Instant::now();
    let out = npyscope(
        project.path(),
        &["get", "lab:x.npy", "--mmap", "-o", "x.npy"],
    )
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = std::fs::read(project.path().join("x.npy")).unwrap();
    assert!(written.ends_with(&data));
    assert_eq!(temp_files(&cache), Vec::<String>::new(), "stale temp files");
    report(
        "SIGKILL mid-download",
        "`npyscope get --mmap`, next run",
        "written; no stale temp file",
        start.elapsed(),
    );
}
