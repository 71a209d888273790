//! The download cache against the real S3 test server: parallel ranged downloads, reuse
//! without requests, invalidation, cancellation and a server that dies mid-transfer, shared
//! downloads, LRU eviction around pinned files, permissions, unusable folders.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use npyscope::cache::{Cache, CacheError, PART_BYTES};
use npyscope::jobs::{CancellationToken, Progress};
use npyscope::store::{self, ObjectInfo, Store, StoreError};

use crate::common::{self, S3TestServer};

const MIB: usize = 1 << 20;

/// `len` bytes of a reproducible pseudo-random sequence (xorshift), different per `seed`.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// A server with `objects` (keys below `lab/` in `bucket`) and a store on `lab`.
async fn serve(objects: Vec<(&str, Vec<u8>)>) -> (tempfile::TempDir, S3TestServer, Arc<Store>) {
    let root = tempfile::tempdir().expect("server root");
    let server = S3TestServer::start(root.path());
    let files = objects
        .into_iter()
        .map(|(key, bytes)| (format!("lab/{key}"), bytes))
        .collect();
    common::upload(&server, "bucket", files).await;
    let store = store::open_shared(common::s3_spec(&server, "remote", "bucket", "lab"))
        .expect("open store");
    (root, server, store)
}

/// The object as a listing reports it.
async fn listed(store: &Store, path: &str) -> ObjectInfo {
    let objects = store.walk("").await.expect("walk");
    objects
        .into_iter()
        .find(|o| o.path == path)
        .unwrap_or_else(|| panic!("{path} not listed"))
}

/// Names of every file in `dir`.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read cache dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn temp_files(dir: &Path) -> Vec<String> {
    names(dir)
        .into_iter()
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

fn data_files(dir: &Path) -> Vec<String> {
    names(dir)
        .into_iter()
        .filter(|n| n.ends_with(".npy"))
        .collect()
}

async fn fetch(
    cache: &Cache,
    store: &Arc<Store>,
    object: &ObjectInfo,
) -> Result<npyscope::cache::CachedFile, CacheError> {
    cache
        .fetch(
            store,
            object,
            &Progress::new(None),
            &CancellationToken::new(),
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn download_is_the_object_and_the_second_fetch_makes_no_request() {
    let body = noise(37 * MIB + 123, 1);
    let (_root, _server, store) = serve(vec![("big/rec.npy", body.clone())]).await;
    let object = listed(&store, "big/rec.npy").await;
    let dir = tempfile::tempdir().expect("cache dir");
    let cache = Cache::open_at(dir.path().join("cache"), 1 << 30).expect("open cache");

    let progress = Progress::new(None);
    let file = cache
        .fetch(&store, &object, &progress, &CancellationToken::new())
        .await
        .expect("fetch");
    assert!(!file.is_in_place());
    assert_eq!(file.size(), body.len() as u64);
    assert!(file.path().starts_with(cache.dir()));
    assert_eq!(std::fs::read(file.path()).expect("read copy"), body);
    assert_eq!(progress.total(), Some(body.len() as u64));
    assert_eq!(progress.done(), body.len() as u64);
    let parts = (body.len() as u64).div_ceil(PART_BYTES);
    assert_eq!(store.stats().requests(), parts);
    assert!(
        store.stats().peak_in_flight() > 1,
        "parts were not read in parallel: peak {}",
        store.stats().peak_in_flight()
    );

    // Hashed name, never the path; a record beside it.
    let name = file
        .path()
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    assert_eq!(name.len(), 64 + 4, "{name}");
    assert!(!name.contains("rec"));
    let record_path = file.path().with_extension("json");
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&record_path).expect("record")).expect("json");
    assert_eq!(record["store"], "remote");
    assert_eq!(record["path"], "big/rec.npy");
    assert_eq!(record["size"], body.len() as u64);
    assert_eq!(record["identity"], store.identity());
    drop(file);

    // Served from the cache: no request, with the listing's info or HEAD's.
    let again = fetch(&cache, &store, &object).await.expect("second fetch");
    assert_eq!(store.stats().requests(), parts);
    assert_eq!(std::fs::read(again.path()).expect("read"), body);
    let headed = store.head("big/rec.npy").await.expect("head");
    assert!(
        cache.lookup(&store, &headed).is_some(),
        "HEAD info does not match the copy"
    );
    let entries = cache.entries().expect("entries");
    assert_eq!(entries.len(), 1);
    assert!(entries[0].in_use);
    assert_eq!(cache.total_bytes().expect("total"), body.len() as u64);
    assert!(temp_files(cache.dir()).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_replaced_object_is_downloaded_again() {
    let first = noise(3 * MIB, 2);
    let (_root, server, store) = serve(vec![("x.npy", first.clone())]).await;
    let old = listed(&store, "x.npy").await;
    let dir = tempfile::tempdir().expect("cache dir");
    let cache = Cache::open_at(dir.path().join("cache"), 1 << 30).expect("open cache");
    let copy = fetch(&cache, &store, &old).await.expect("fetch");
    assert_eq!(std::fs::read(copy.path()).expect("read"), first);
    let requests = store.stats().requests();

    // HTTP dates (If-Unmodified-Since, when there is no ETag) have whole seconds.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // Another size too: s3s-fs lists no ETags and does not enforce If-Unmodified-Since, so
    // only the size tells the store's version check that a same-size object was replaced.
    let second = noise(3 * MIB + 1, 3);
    common::upload(
        &server,
        "bucket",
        vec![("lab/x.npy".to_string(), second.clone())],
    )
    .await;
    let new = listed(&store, "x.npy").await;
    assert_ne!(
        (&new.e_tag, new.last_modified),
        (&old.e_tag, old.last_modified)
    );
    assert!(
        cache.lookup(&store, &new).is_none(),
        "stale copy taken as valid"
    );
    let fresh = fetch(&cache, &store, &new).await.expect("fetch new");
    assert_eq!(std::fs::read(fresh.path()).expect("read"), second);
    assert!(store.stats().requests() > requests);
    // The first handle still reads the version it pinned.
    let mut held = Vec::new();
    std::io::Read::read_to_end(&mut copy.file(), &mut held).expect("read held");
    assert_eq!(held, first);

    // A stale listing: the old version is gone from the store, the caller must re-list.
    drop(copy);
    let err = fetch(&cache, &store, &old).await.expect_err("old version");
    assert!(err.is_changed(), "{err}");
    assert!(matches!(err, CacheError::Store(StoreError::Changed { .. })));
    assert_eq!(data_files(cache.dir()).len(), 1);
    assert_eq!(std::fs::read(fresh.path()).expect("read"), second);
}

/// Waits until `progress` shows bytes done.
async fn wait_for_progress(progress: &Progress) {
    let started = Instant::now();
    while progress.done() == 0 {
        assert!(started.elapsed() < Duration::from_secs(60), "no progress");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cancel_mid_download_stops_quickly_and_leaves_nothing() {
    let body = noise(160 * MIB, 4);
    let (_root, _server, store) = serve(vec![("huge.npy", body)]).await;
    let object = listed(&store, "huge.npy").await;
    let dir = tempfile::tempdir().expect("cache dir");
    let cache = Arc::new(Cache::open_at(dir.path().join("cache"), 1 << 30).expect("open"));
    let progress = Progress::new(None);
    let cancel = CancellationToken::new();
    let task = {
        let (cache, store, object) = (Arc::clone(&cache), Arc::clone(&store), object.clone());
        let (progress, cancel) = (progress.clone(), cancel.clone());
        tokio::spawn(async move { cache.fetch(&store, &object, &progress, &cancel).await })
    };
    wait_for_progress(&progress).await;
    assert!(
        progress.done() < object.size,
        "finished before it could be cancelled"
    );
    assert_eq!(
        temp_files(cache.dir()).len(),
        1,
        "no temporary file while downloading"
    );
    let cancelled_at = Instant::now();
    cancel.cancel();
    let result = task.await.expect("task");
    let took = cancelled_at.elapsed();
    let err = result.expect_err("cancelled fetch succeeded");
    assert!(err.is_cancelled(), "{err}");
    // Far less than the rest of the download would take (typically well under 100 ms here);
    // no tight bound, machines are noisy.
    assert!(
        progress.done() < object.size && took < Duration::from_secs(10),
        "cancel took {took:?}"
    );
    assert!(
        data_files(cache.dir()).is_empty(),
        "{:?}",
        names(cache.dir())
    );
    assert!(
        temp_files(cache.dir()).is_empty(),
        "{:?}",
        names(cache.dir())
    );
    assert!(cache.lookup(&store, &object).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn server_dying_mid_transfer_is_a_clear_error_and_a_restart_recovers() {
    let body = noise(160 * MIB, 5);
    let (_root, mut server, store) = serve(vec![("dying/rec.npy", body.clone())]).await;
    let object = listed(&store, "dying/rec.npy").await;
    let dir = tempfile::tempdir().expect("cache dir");
    let cache = Arc::new(Cache::open_at(dir.path().join("cache"), 1 << 30).expect("open"));
    let progress = Progress::new(None);
    let task = {
        let (cache, store, object) = (Arc::clone(&cache), Arc::clone(&store), object.clone());
        let progress = progress.clone();
        tokio::spawn(async move {
            cache
                .fetch(&store, &object, &progress, &CancellationToken::new())
                .await
        })
    };
    wait_for_progress(&progress).await;
    tokio::task::block_in_place(|| server.stop());
    let err = task
        .await
        .expect("task")
        .expect_err("fetch survived a dead server");
    assert!(progress.done() < object.size);
    let message = err.to_string();
    assert!(message.contains("remote"), "{message}");
    assert!(message.contains("dying/rec.npy"), "{message}");
    assert!(
        data_files(cache.dir()).is_empty(),
        "{:?}",
        names(cache.dir())
    );
    assert!(
        temp_files(cache.dir()).is_empty(),
        "{:?}",
        names(cache.dir())
    );

    tokio::task::block_in_place(|| server.restart());
    let file = fetch(&cache, &store, &object)
        .await
        .expect("fetch after restart");
    assert_eq!(std::fs::read(file.path()).expect("read"), body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_share_one_download() {
    let body = noise(90 * MIB, 6);
    let (_root, _server, store) = serve(vec![("shared.npy", body.clone())]).await;
    let object = listed(&store, "shared.npy").await;
    let dir = tempfile::tempdir().expect("cache dir");
    let cache = Cache::open_at(dir.path().join("cache"), 1 << 30).expect("open");
    let (one, two) = (Progress::new(None), Progress::new(None));
    let token = CancellationToken::new();
    let (a, b) = tokio::join!(
        cache.fetch(&store, &object, &one, &token),
        cache.fetch(&store, &object, &two, &token)
    );
    let (a, b) = (a.expect("first"), b.expect("second"));
    assert_eq!(a.path(), b.path());
    assert_eq!(
        store.stats().requests(),
        (body.len() as u64).div_ceil(PART_BYTES)
    );
    assert_eq!(one.done(), body.len() as u64);
    assert_eq!(two.done(), body.len() as u64);
    assert_eq!(std::fs::read(b.path()).expect("read"), body);

    // One of two waiters cancelling does not stop the other's download, nor start another.
    let other = tempfile::tempdir().expect("cache dir");
    let cache = Cache::open_at(other.path().to_path_buf(), 1 << 30).expect("open");
    let before = store.stats().requests();
    let quitter = CancellationToken::new();
    let (quitting, staying) = (Progress::new(None), Progress::new(None));
    let (a, b, ()) = tokio::join!(
        cache.fetch(&store, &object, &quitting, &quitter),
        cache.fetch(&store, &object, &staying, &token),
        async {
            wait_for_progress(&staying).await;
            quitter.cancel();
        }
    );
    assert!(a.expect_err("cancelled").is_cancelled());
    assert!(quitting.done() < body.len() as u64);
    assert_eq!(
        std::fs::read(b.expect("kept going").path()).expect("read"),
        body
    );
    assert_eq!(staying.done(), body.len() as u64);
    assert_eq!(
        store.stats().requests() - before,
        (body.len() as u64).div_ceil(PART_BYTES)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eviction_keeps_the_limit_oldest_first_and_spares_pinned_files() {
    let objects: Vec<(String, Vec<u8>)> = (0..4)
        .map(|i| (format!("e{i}.npy"), noise(MIB, 10 + i)))
        .collect();
    let (_root, _server, store) = serve(
        objects
            .iter()
            .map(|(k, b)| (k.as_str(), b.clone()))
            .collect(),
    )
    .await;
    let mut infos = Vec::new();
    for (key, _) in &objects {
        infos.push(listed(&store, key).await);
    }
    let dir = tempfile::tempdir().expect("cache dir");
    let limit = (MIB as u64 * 5) / 2;
    let cache = Cache::open_at(dir.path().join("cache"), limit).expect("open");

    let pinned = fetch(&cache, &store, &infos[0]).await.expect("e0");
    drop(fetch(&cache, &store, &infos[1]).await.expect("e1"));
    drop(fetch(&cache, &store, &infos[2]).await.expect("e2"));
    // e0 is the oldest but in use: e1 went instead.
    assert!(
        cache.lookup(&store, &infos[0]).is_some(),
        "pinned file evicted"
    );
    assert!(cache.lookup(&store, &infos[1]).is_none(), "LRU file kept");
    assert!(cache.lookup(&store, &infos[2]).is_some());
    assert!(cache.total_bytes().expect("total") <= limit);
    assert_eq!(
        std::fs::read(pinned.path()).expect("read pinned"),
        objects[0].1
    );

    // Used just now, e2 outlives e0 once e0 is released.
    drop(pinned);
    std::thread::sleep(Duration::from_millis(20));
    drop(cache.lookup(&store, &infos[2]));
    drop(fetch(&cache, &store, &infos[3]).await.expect("e3"));
    assert!(cache.lookup(&store, &infos[0]).is_none());
    assert!(cache.lookup(&store, &infos[2]).is_some());
    assert!(cache.lookup(&store, &infos[3]).is_some());

    // A smaller limit through gc; clear empties it.
    let small = Cache::open_at(cache.dir().to_path_buf(), MIB as u64).expect("reopen");
    let report = small.gc().expect("gc");
    assert_eq!(report.removed, 1);
    assert_eq!(small.entries().expect("entries").len(), 1);
    assert!(small.lookup(&store, &infos[3]).is_some());
    let report = small.clear().expect("clear");
    assert_eq!(report.removed, 1);
    assert!(data_files(small.dir()).is_empty());
    assert!(names(small.dir()).is_empty(), "{:?}", names(small.dir()));
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn folder_is_private_and_files_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let (_root, _server, store) = serve(vec![("p.npy", noise(1000, 7))]).await;
    let object = listed(&store, "p.npy").await;
    let dir = tempfile::tempdir().expect("cache dir");
    let cache = Cache::open_at(dir.path().join("a/b/cache"), 1 << 30).expect("open");
    let mode = |p: &Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode(cache.dir()), 0o700);
    let file = fetch(&cache, &store, &object).await.expect("fetch");
    assert_eq!(mode(file.path()), 0o600);
    assert_eq!(mode(&file.path().with_extension("json")), 0o600);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unusable_cache_folder_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp");
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, b"x").expect("write");
    let err = Cache::open_at(blocker.join("cache"), 1 << 30).expect_err("opened under a file");
    let message = err.to_string();
    assert!(matches!(err, CacheError::Folder { .. }), "{err:?}");
    assert!(
        message.contains(&blocker.display().to_string()),
        "{message}"
    );
    assert!(message.contains("NPYSCOPE_CACHE_DIR"), "{message}");
    let err = Cache::open_at(blocker.clone(), 1 << 30).expect_err("opened a file");
    assert!(err.to_string().contains("NPYSCOPE_CACHE_DIR"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_object_is_refused_without_a_request() {
    let (_root, _server, store) = serve(vec![("empty.npy", Vec::new())]).await;
    let object = store.head("empty.npy").await.expect("head");
    assert_eq!(object.size, 0);
    let dir = tempfile::tempdir().expect("cache dir");
    let cache = Cache::open_at(dir.path().join("cache"), 1 << 30).expect("open");
    let err = fetch(&cache, &store, &object)
        .await
        .expect_err("empty fetched");
    let message = err.to_string();
    assert!(message.contains("empty (0 bytes)"), "{message}");
    assert!(
        message.contains("empty.npy") && message.contains("remote"),
        "{message}"
    );
    assert!(!message.contains("416"), "{message}");
    assert_eq!(store.stats().requests(), 0);
    assert!(names(cache.dir()).is_empty());
}

#[test]
fn leftovers_of_a_crashed_run_go_at_open_and_foreign_files_stay() {
    let dir = tempfile::tempdir().expect("cache dir");
    let key = "ab".repeat(32);
    let ours = dir
        .path()
        .join(format!("{key}.npy.{}-999.tmp", std::process::id()));
    let record_alone = dir.path().join(format!("{key}.json"));
    let foreign = dir.path().join("notes.txt");
    for path in [&ours, &record_alone, &foreign] {
        std::fs::write(path, b"partial").expect("write");
    }
    let cache = Cache::open_at(dir.path().to_path_buf(), 1 << 30).expect("open");
    assert!(!ours.exists(), "stale temporary file kept");
    assert!(foreign.exists());
    let report = cache.gc().expect("gc");
    // The temporary file removed at open and the record without data.
    assert_eq!(report.leftovers, 2);
    assert!(!record_alone.exists());
    cache.clear().expect("clear");
    assert_eq!(names(dir.path()), vec!["notes.txt".to_string()]);
}

/// A leftover of a killed process goes at once (no grace period: no process holds its lock),
/// while a download another live process holds (a shared lock, as npyscope's own) stays.
#[cfg(unix)]
#[test]
fn a_killed_download_is_a_leftover_at_once_a_live_one_stays() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().expect("cache dir");
    let key = "cd".repeat(32);
    // A process that has ended: its temporary file has no lock.
    let gone = std::process::Command::new("true")
        .spawn()
        .and_then(|mut c| c.wait().map(|_| c.id()))
        .expect("a short process");
    let killed = dir.path().join(format!("{key}.npy.{gone}-0.tmp"));
    std::fs::write(&killed, b"partial").expect("write");
    // A live writer in another process, holding a shared lock as npyscope's downloads do.
    let live = dir.path().join(format!("{}.npy.1-0.tmp", "ef".repeat(32)));
    std::fs::write(&live, b"partial").expect("write");
    let mut writer = std::process::Command::new("python3")
        .args([
            "-c",
            "import fcntl, sys, time\nf = open(sys.argv[1])\nfcntl.flock(f, fcntl.LOCK_SH)\nprint('locked', flush=True)\ntime.sleep(120)",
        ])
        .arg(&live)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    let mut line = String::new();
    let stdout = writer.stdout.take().expect("its output");
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the lock");
    assert_eq!(line.trim(), "locked");
    let cache = Cache::open_at(dir.path().to_path_buf(), 1 << 30).expect("open");
    assert!(
        !killed.exists(),
        "the killed download's file is removed at open"
    );
    assert!(live.exists(), "a live download's file stays");
    let report = cache.gc().expect("gc");
    assert_eq!(report.leftovers, 1, "gc counts what the open removed");
    assert!(live.exists());
    writer.kill().expect("kill");
    writer.wait().expect("wait");
    let report = cache.gc().expect("gc");
    assert_eq!(
        report.leftovers, 1,
        "the writer is gone: its file goes at once"
    );
    assert!(!live.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_store_files_are_used_in_place() {
    let folder = tempfile::tempdir().expect("store");
    std::fs::write(folder.path().join("a.npy"), noise(5000, 8)).expect("write");
    let store = store::open_shared(common::file_spec("here", folder.path())).expect("open");
    let object = store.head("a.npy").await.expect("head");
    let dir = tempfile::tempdir().expect("cache dir");
    let cache = Cache::open_at(dir.path().join("cache"), 1 << 30).expect("open");
    let file = fetch(&cache, &store, &object).await.expect("fetch");
    assert!(file.is_in_place());
    assert_eq!(file.path(), folder.path().join("a.npy"));
    assert!(cache.lookup(&store, &object).is_some());
    assert!(names(cache.dir()).is_empty());
}
