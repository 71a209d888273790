//! Set-up and helpers shared by the UI tests: the runtime, the demo store, the app, stepping until a condition.

use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use npyscope::config::ConfigEnv;
use npyscope::ui::{App, AppOptions, TestHooks};
use tokio::sync::Semaphore;

/// How long a flow may wait for background jobs before the test fails.
pub const TIMEOUT: Duration = Duration::from_secs(20);

pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime")
    })
}

/// The demo store, written once for all tests of this binary.
pub fn demo_dir() -> &'static Path {
    static DEMO: OnceLock<tempfile::TempDir> = OnceLock::new();
    DEMO.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary folder");
        npyscope::demo::write_demo_store(dir.path()).expect("the demo store");
        dir
    })
    .path()
}

/// The app and the folder it works in (no `datajoint.json` there).
pub struct Setup {
    pub harness: Harness<'static, App>,
    pub _work: tempfile::TempDir,
}

pub fn setup(gate: Option<Arc<Semaphore>>) -> Setup {
    setup_with(tempfile::tempdir().expect("a temporary folder"), gate)
}

/// The app working in `work` (a `datajoint.json` there is found).
pub fn setup_in(work: tempfile::TempDir) -> Setup {
    setup_with(work, None)
}

/// The options of an app working in `work` (no `datajoint.json` unless the test writes one): the
/// shared demo store, its own cache and settings folders.
pub fn options(work: &Path) -> AppOptions {
    AppOptions {
        runtime: runtime().handle().clone(),
        config_env: ConfigEnv::isolated(work),
        config_file: None,
        demo_dir: Some(demo_dir().to_path_buf()),
        open: None,
        cache_dir: Some(work.join("cache")),
        settings_dir: Some(work.join("settings")),
    }
}

/// The real app with `options`, in a 1400x900 window.
pub fn app(options: AppOptions) -> Harness<'static, App> {
    app_with(options, TestHooks::default())
}

/// The real app with `options` and the test seams `hooks` (a gate on data reads, a save path).
pub fn app_with(options: AppOptions, hooks: TestHooks) -> Harness<'static, App> {
    Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_eframe(move |cc| App::with_test_hooks(cc, options, hooks))
}

fn setup_with(work: tempfile::TempDir, gate: Option<Arc<Semaphore>>) -> Setup {
    let options = options(work.path());
    let hooks = TestHooks {
        data_gate: gate,
        ..TestHooks::default()
    };
    let harness = app_with(options, hooks);
    Setup {
        harness,
        _work: work,
    }
}

/// Steps frames until `done` holds; fails with `what` after [`TIMEOUT`].
pub fn step_until(
    harness: &mut Harness<'_, App>,
    what: &str,
    done: impl Fn(&Harness<'_, App>) -> bool,
) {
    let started = Instant::now();
    loop {
        harness.step();
        if done(harness) {
            // One more frame so the tree reflects the state that satisfied `done`.
            harness.step();
            return;
        }
        assert!(
            started.elapsed() < TIMEOUT,
            "timed out after {TIMEOUT:?} waiting for: {what}\nlabels shown: {}",
            labels_shown(harness)
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Every label of the window's accessibility tree, for a failure's message.
fn labels_shown(harness: &Harness<'_, App>) -> String {
    let labels: Vec<String> = harness
        .query_all_by_label_contains("")
        .filter_map(|node| text_of(&node))
        .filter(|label| !label.is_empty())
        .collect();
    labels.join(" | ")
}

/// A node's text: its label, or a plain label's value (where egui keeps a label's text).
pub fn text_of(node: &egui_kittest::Node<'_>) -> Option<String> {
    let node = node.accesskit_node();
    node.label().or_else(|| node.value())
}

pub fn has_label(harness: &Harness<'_, App>, label: &str) -> bool {
    harness.query_all_by_label(label).next().is_some()
}

pub fn has_label_containing(harness: &Harness<'_, App>, part: &str) -> bool {
    harness.query_all_by_label_contains(part).next().is_some()
}

/// Opens a folder row: click to select, Enter to open; waits for `next` to be listed.
pub fn open_folder(harness: &mut Harness<'_, App>, row: &str, next: &str) {
    step_until(harness, &format!("row {row}"), |h| has_label(h, row));
    harness.get_by_label(row).click();
    harness.step();
    harness.key_press(egui::Key::Enter);
    step_until(harness, &format!("{next} listed inside {row}"), |h| {
        has_label_containing(h, next)
    });
}

/// Opens a DataJoint table folder (shown as rows first), switches to its files and waits for
/// `next` to be listed.
pub fn open_table_as_files(harness: &mut Harness<'_, App>, row: &str, next: &str) {
    step_until(harness, &format!("row {row}"), |h| has_label(h, row));
    harness.get_by_label(row).click();
    harness.step();
    harness.key_press(egui::Key::Enter);
    step_until(harness, "the DataJoint / Files switch", |h| {
        has_label(h, "Files")
    });
    harness.get_by_label("Files").click();
    step_until(harness, &format!("{next} listed inside {row}"), |h| {
        has_label_containing(h, next)
    });
}

/// Waits for the window's first screen: the demo's recording table as DataJoint rows.
pub fn demo_first_table(harness: &mut Harness<'_, App>) {
    step_until(harness, "the demo's recording table", |h| {
        has_label(h, "3 of 3 rows, 2 key attributes, 3 array attributes")
    });
}

/// From start-up to the top of the demo store (the breadcrumb's `Demo:`).
pub fn demo_top(harness: &mut Harness<'_, App>) {
    demo_first_table(harness);
    harness.get_by_label("Demo:").click();
    step_until(harness, "the demo's top", |h| has_label(h, "_schema/"));
}

/// From start-up to the session folder listed with its headers read.
pub fn open_session(harness: &mut Harness<'_, App>) {
    demo_first_table(harness);
    harness.get_by_label("Files").click();
    step_until(harness, "the recording table's key folders", |h| {
        has_label(h, "subject_id=mouse01/")
    });
    open_folder(harness, "subject_id=mouse01/", "session=1/");
    open_folder(harness, "session=1/", "waveform_");
    step_until(harness, "the headers of the session's arrays", |h| {
        has_label(h, "(300000, 32)")
    });
}

/// From start-up to the waveform array selected and its header shown.
pub fn select_waveform(harness: &mut Harness<'_, App>) {
    open_session(harness);
    harness.get_by_label_contains("waveform_").click();
    step_until(harness, "the waveform's details", |h| {
        has_label(h, "subject_id=mouse01, session=1")
    });
    harness.check_accessibility();
}

/// A real S3 server on loopback with a bucket `lab`, and a client that uploads to it.
pub struct LabBucket {
    /// The server (stopped when dropped).
    pub server: crate::s3_server::S3TestServer,
    client: object_store::aws::AmazonS3,
    _root: tempfile::TempDir,
}

/// Starts the server with an empty bucket `lab`.
pub fn lab_bucket() -> LabBucket {
    let root = tempfile::tempdir().expect("a temporary folder");
    let server = crate::s3_server::S3TestServer::start(root.path());
    server.create_bucket("lab");
    let client = object_store::aws::AmazonS3Builder::new()
        .with_endpoint(server.endpoint())
        .with_allow_http(true)
        .with_region("us-east-1")
        .with_bucket_name("lab")
        .with_access_key_id(crate::s3_server::ACCESS_KEY)
        .with_secret_access_key(crate::s3_server::SECRET_KEY)
        .build()
        .expect("an upload client");
    LabBucket {
        server,
        client,
        _root: root,
    }
}

impl LabBucket {
    /// Uploads `objects` (key, bytes), all at once.
    pub fn put(&self, objects: Vec<(String, Vec<u8>)>) {
        use object_store::ObjectStoreExt;
        runtime().block_on(async {
            let puts = objects.into_iter().map(|(key, bytes)| async move {
                let key = object_store::path::Path::parse(&key).expect("a key");
                self.client.put(&key, bytes.into()).await
            });
            for put in futures::future::join_all(puts).await {
                put.expect("an upload");
            }
        });
    }

    /// Writes into `work` a `datajoint.json` with the store `lab` at `location` in the bucket,
    /// and its keys in `.secrets/`, as DataJoint users keep them.
    pub fn configure(&self, work: &Path, location: &str) {
        let config = serde_json::json!({
            "stores": {
                "lab": {"protocol": "s3", "endpoint": self.server.host_port(), "bucket": "lab",
                        "location": location, "secure": false}
            }
        });
        std::fs::write(work.join("datajoint.json"), config.to_string()).expect("a config");
        let secrets = work.join(".secrets");
        std::fs::create_dir(&secrets).expect("a secrets folder");
        std::fs::write(
            secrets.join("stores.lab.access_key"),
            crate::s3_server::ACCESS_KEY,
        )
        .expect("a key");
        std::fs::write(
            secrets.join("stores.lab.secret_key"),
            crate::s3_server::SECRET_KEY,
        )
        .expect("a key");
    }
}
