//! Opening things: the Add store dialog (File, S3, GCS and Azure, kept in the settings), files dropped on
//! the window, and the question asked before a big remote array is downloaded.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use npyscope::ui::App;

use crate::cloud_emulators::{AZURITE_KEY, Azurite, FakeGcs};
use crate::common::*;
use crate::s3_server;

/// The app working in `work`, with its settings in `work/settings`.
fn app_in(work: &Path) -> Harness<'static, App> {
    let options = options(work);
    app(options)
}

/// A folder holding one array, `trace.npy`.
fn folder_with_an_array(work: &Path) -> PathBuf {
    let folder = work.join("data");
    std::fs::create_dir(&folder).expect("a folder");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/npy/le_f4.npy");
    std::fs::copy(fixture, folder.join("trace.npy")).expect("a copied array");
    folder
}

/// Waits for the demo store and the start-up jobs.
fn started(harness: &mut Harness<'_, App>) {
    demo_first_table(harness);
    step_until(harness, "the start-up jobs to end", |h| {
        has_label(h, "No jobs running")
    });
}

/// Types `text` into the field labelled `label`.
fn type_into(harness: &mut Harness<'_, App>, label: &str, text: &str) {
    harness.get_by_label(label).click();
    harness.step();
    harness.get_by_label(label).type_text(text);
    harness.step();
}

/// Opens the Add store dialog from the stores panel.
fn open_add_store(harness: &mut Harness<'_, App>) {
    harness.get_by_label("Add store…").click();
    step_until(harness, "the Add store dialog", |h| {
        has_label(h, "Test connection")
    });
}

#[test]
fn a_file_store_added_in_the_dialog_is_listed_and_kept() {
    let work = tempfile::tempdir().expect("a temporary folder");
    let folder = folder_with_an_array(work.path());
    {
        let mut harness = app_in(work.path());
        started(&mut harness);
        open_add_store(&mut harness);
        type_into(&mut harness, "Name:", "mydata");
        type_into(&mut harness, "Folder:", &folder.to_string_lossy());
        harness.get_by_label("Test connection").click();
        step_until(&mut harness, "the test's answer", |h| {
            has_label(h, "Connected: 0 folders, 1 array")
        });
        harness.check_accessibility();
        harness.get_by_label("Add").click();
        step_until(&mut harness, "the new store shown with its array", |h| {
            has_label(h, "mydata") && has_label(h, "trace.npy")
        });
        assert!(
            !has_label(&harness, "Test connection"),
            "the dialog is closed"
        );
        step_until(&mut harness, "the settings saved", |h| {
            has_label(h, "No jobs running")
        });
    }
    let saved =
        std::fs::read_to_string(work.path().join("settings/settings.json")).expect("the settings");
    assert!(saved.contains("mydata"), "{saved}");

    // A fresh app with the same settings shows the store again, after the demo store.
    let mut harness = app_in(work.path());
    step_until(&mut harness, "the saved store open", |h| {
        has_label(h, "mydata") && has_label(h, "Demo")
    });
    step_until(&mut harness, "the saved store ready", |h| {
        !has_label_containing(h, "opening…")
    });
    harness.get_by_label("mydata").click();
    step_until(&mut harness, "the saved store's array", |h| {
        has_label(h, "trace.npy")
    });
}

#[test]
fn testing_a_missing_folder_shows_why() {
    let work = tempfile::tempdir().expect("a temporary folder");
    let mut harness = app_in(work.path());
    started(&mut harness);
    open_add_store(&mut harness);
    type_into(&mut harness, "Name:", "gone");
    let missing = work.path().join("no-such-folder");
    type_into(&mut harness, "Folder:", &missing.to_string_lossy());
    harness.get_by_label("Test connection").click();
    step_until(&mut harness, "the test's error", |h| {
        has_label_containing(h, "is not an existing folder")
    });
    assert!(has_label_containing(&harness, "gone"));
    // Add without a name says what to do; Cancel closes the dialog and adds nothing.
    harness.get_by_label("Name:").click();
    harness.step();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.key_press(egui::Key::Backspace);
    harness.step();
    harness.get_by_label("Add").click();
    step_until(&mut harness, "Add refused", |h| {
        has_label_containing(h, "needs a name")
    });
    step_until(&mut harness, "no jobs", |h| has_label(h, "No jobs running"));
    harness.get_by_label("Cancel").click();
    step_until(&mut harness, "the dialog closed", |h| {
        !has_label(h, "Test connection")
    });
    assert!(!work.path().join("settings/settings.json").exists());
}

/// A file dropped on the window, as the platform hands it over.
#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

#[test]
fn a_dropped_file_opens_its_folder_with_the_file_selected() {
    let work = tempfile::tempdir().expect("a temporary folder");
    let folder = folder_with_an_array(work.path());
    let mut harness = app_in(work.path());
    started(&mut harness);
    // The File menu offers the ways to open things.
    harness.get_by_label("File").click();
    step_until(&mut harness, "the File menu", |h| {
        has_label(h, "Open datajoint.json…")
    });
    assert!(has_label_containing(&harness, "Open file…") && has_label(&harness, "Quit"));
    harness.key_press(egui::Key::Escape);
    step_until(&mut harness, "the File menu closed", |h| {
        !has_label(h, "Open datajoint.json…")
    });
    harness
        .input_mut()
        .dropped_files
        .push(Arc::new(Dropped(folder.join("trace.npy"))));
    step_until(
        &mut harness,
        "the dropped file's folder, file selected",
        |h| has_label(h, "Memory-map") && h.query_all_by_label("trace.npy").count() >= 2,
    );
    let folder_name = folder.display().to_string();
    assert!(has_label(&harness, &folder_name), "the store of the folder");
    // Memory-map of a local array maps it in place, without asking.
    harness.get_by_label("Memory-map").click();
    step_until(&mut harness, "the array mapped", |h| {
        has_label_containing(h, "Mapped trace.npy")
    });
    assert!(has_label_containing(&harness, "no copy"));

    // While files are dragged over the window, an overlay says what a drop does.
    harness.input_mut().hovered_files.push(egui::HoveredFile {
        path: Some(folder.clone()),
        ..Default::default()
    });
    harness.step();
    harness.step();

    // A dropped datajoint.json adds its stores.
    let config = work.path().join("elsewhere/datajoint.json");
    std::fs::create_dir(work.path().join("elsewhere")).expect("a folder");
    let stores = serde_json::json!({
        "stores": {"dropped_lab": {"protocol": "file", "location": folder.to_string_lossy()}}
    });
    std::fs::write(&config, stores.to_string()).expect("a config");
    harness
        .input_mut()
        .dropped_files
        .push(Arc::new(Dropped(config)));
    step_until(&mut harness, "the dropped config's store", |h| {
        has_label(h, "dropped_lab")
    });
    step_until(&mut harness, "the config's store open", |h| {
        has_label(h, "No jobs running")
    });
    harness.get_by_label("dropped_lab").click();
    step_until(&mut harness, "the config store's array", |h| {
        has_label(h, "dropped_lab:") && has_label(h, "trace.npy")
    });
}

#[test]
fn an_s3_store_added_in_the_dialog_asks_before_a_big_download() {
    use object_store::ObjectStoreExt;

    let root = tempfile::tempdir().expect("a temporary folder");
    let server = s3_server::S3TestServer::start(root.path());
    server.create_bucket("lab");
    let client = object_store::aws::AmazonS3Builder::new()
        .with_endpoint(server.endpoint())
        .with_allow_http(true)
        .with_region("us-east-1")
        .with_bucket_name("lab")
        .with_access_key_id(s3_server::ACCESS_KEY)
        .with_secret_access_key(s3_server::SECRET_KEY)
        .build()
        .expect("an upload client");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/npy/le_f4.npy");
    let bytes = std::fs::read(fixture).expect("a fixture");
    let key = object_store::path::Path::parse("dj/trace.npy").expect("a key");
    runtime()
        .block_on(client.put(&key, bytes.into()))
        .expect("an upload");

    // Every download asks: the threshold is 1 byte.
    let work = tempfile::tempdir().expect("a temporary folder");
    std::fs::create_dir(work.path().join("settings")).expect("a settings folder");
    std::fs::write(
        work.path().join("settings/settings.json"),
        r#"{"confirm_download_bytes": 1}"#,
    )
    .expect("the settings");
    let mut harness = app_in(work.path());
    started(&mut harness);
    open_add_store(&mut harness);
    type_into(&mut harness, "Name:", "lab");
    harness.get_by_label("S3").click();
    step_until(&mut harness, "the S3 fields", |h| has_label(h, "Endpoint:"));
    type_into(&mut harness, "Endpoint:", &server.host_port());
    type_into(&mut harness, "Bucket:", "lab");
    type_into(&mut harness, "Location:", "dj");
    harness.get_by_label("Use https").click();
    harness.step();
    type_into(&mut harness, "Access key:", s3_server::ACCESS_KEY);
    type_into(&mut harness, "Secret key:", s3_server::SECRET_KEY);
    assert!(
        !has_label_containing(&harness, s3_server::SECRET_KEY),
        "the secret is not shown"
    );
    harness.get_by_label("Test connection").click();
    step_until(&mut harness, "the test's answer", |h| {
        has_label(h, "Connected: 0 folders, 1 array")
    });
    harness.get_by_label("Add").click();
    step_until(&mut harness, "the lab store with its array", |h| {
        has_label(h, "lab") && has_label(h, "trace.npy")
    });
    step_until(&mut harness, "the settings saved", |h| {
        has_label(h, "No jobs running")
    });
    let saved =
        std::fs::read_to_string(work.path().join("settings/settings.json")).expect("the settings");
    assert!(saved.contains(s3_server::ACCESS_KEY), "{saved}");
    assert!(
        !saved.contains(s3_server::SECRET_KEY),
        "the secret is not remembered unless asked: {saved}"
    );
    assert!(saved.contains("\"confirm_download_bytes\": 1"), "{saved}");

    harness.get_by_label("trace.npy").click();
    step_until(&mut harness, "the array's details", |h| {
        has_label(h, "Load")
    });
    harness.get_by_label("Load").click();
    step_until(&mut harness, "the download question", |h| {
        has_label(h, "Download trace.npy?") && has_label_containing(h, "Free space where")
    });
    step_until(&mut harness, "the free space measured", |h| {
        has_label(h, "No jobs running") && !has_label_containing(h, "checking…")
    });
    harness.check_accessibility();
    harness.get_by_label("Cancel").click();
    step_until(&mut harness, "the question closed", |h| {
        !has_label(h, "Download trace.npy?")
    });
    assert!(
        has_label(&harness, "No jobs running"),
        "Cancel starts no job"
    );
    assert!(has_label_containing(
        &harness,
        "Download of trace.npy cancelled"
    ));

    // Download goes ahead.
    harness.get_by_label("Load").click();
    step_until(&mut harness, "the download question again", |h| {
        has_label(h, "Download")
    });
    harness.get_by_label("Download").click();
    step_until(&mut harness, "the array loaded", |h| {
        has_label_containing(h, "Loaded trace.npy")
    });

    // Memory-map asks too, downloads to the cache; mapping the cached copy again does not ask.
    harness.get_by_label("Memory-map").click();
    step_until(&mut harness, "the download question for the map", |h| {
        has_label(h, "Download trace.npy?")
    });
    harness.get_by_label("Download").click();
    step_until(&mut harness, "the array mapped from the cache", |h| {
        has_label_containing(h, "Mapped trace.npy") && has_label(h, "No jobs running")
    });
    assert!(has_label_containing(&harness, "from the download cache"));
    harness.get_by_label("Memory-map").click();
    for _ in 0..50 {
        harness.step();
        assert!(
            !has_label(&harness, "Download trace.npy?"),
            "a cached copy is mapped without asking"
        );
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    step_until(&mut harness, "the cached copy mapped", |h| {
        has_label(h, "No jobs running")
    });
    drop(harness);

    // The secret was not remembered: a fresh app says how to give it again.
    let mut harness = app_in(work.path());
    step_until(&mut harness, "the saved S3 store's error", |h| {
        has_label_containing(h, "secret key was not remembered")
    });
    assert!(!has_label_containing(&harness, s3_server::SECRET_KEY));
}

/// `le_f4.npy` as `dj/trace.npy`.
fn trace_object() -> Vec<(String, Vec<u8>)> {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/npy/le_f4.npy");
    vec![(
        "dj/trace.npy".to_string(),
        std::fs::read(fixture).expect("a fixture"),
    )]
}

/// Adds store `name` in the dialog with `protocol` and `fields` (label, text), tests it and
/// adds it; waits for its array. Returns the saved settings file.
fn add_cloud_store(
    harness: &mut Harness<'_, App>,
    work: &Path,
    name: &str,
    protocol: &str,
    fields: &[(&str, &str)],
) -> String {
    started(harness);
    open_add_store(harness);
    type_into(harness, "Name:", name);
    harness.get_by_label(protocol).click();
    step_until(harness, "the protocol's fields", |h| {
        has_label(h, fields[0].0)
    });
    for (label, text) in fields {
        type_into(harness, label, text);
    }
    harness.get_by_label("Test connection").click();
    step_until(harness, "the test's answer", |h| {
        has_label(h, "Connected: 0 folders, 1 array")
    });
    harness.get_by_label("Add").click();
    step_until(harness, "the store with its array", |h| {
        has_label(h, name) && has_label(h, "trace.npy")
    });
    step_until(harness, "the settings saved", |h| {
        has_label(h, "No jobs running")
    });
    harness.get_by_label("trace.npy").click();
    step_until(harness, "the array's details", |h| has_label(h, "Load"));
    std::fs::read_to_string(work.join("settings/settings.json")).expect("the settings")
}

#[test]
fn a_gcs_store_added_in_the_dialog_is_listed_and_kept() {
    let gcs = FakeGcs::start(&[("lab", trace_object())]);
    let work = tempfile::tempdir().expect("a temporary folder");
    // The token as DataJoint takes it: the path of a service-account key file (this one
    // names the emulator, as object_store's tests do).
    let key = work.path().join("key.json");
    std::fs::write(&key, gcs.key_json().to_string()).expect("a key file");
    let key = key.to_string_lossy().into_owned();
    let mut harness = app_in(work.path());
    let saved = add_cloud_store(
        &mut harness,
        work.path(),
        "gcs_lab",
        "GCS",
        &[("Bucket:", "lab"), ("Location:", "dj"), ("Token:", &key)],
    );
    assert!(saved.contains("\"gcs\"") && saved.contains(&key), "{saved}");
    drop(harness);

    // A fresh app opens the saved store again.
    let mut harness = app_in(work.path());
    step_until(&mut harness, "the saved store open", |h| {
        has_label(h, "gcs_lab") && has_label(h, "Demo")
    });
    step_until(&mut harness, "the saved store ready", |h| {
        !has_label_containing(h, "opening…")
    });
    harness.get_by_label("gcs_lab").click();
    step_until(&mut harness, "the saved GCS store's array", |h| {
        has_label(h, "trace.npy")
    });
}

#[test]
fn an_azure_store_added_in_the_dialog_keeps_its_connection_string_secret() {
    let azurite = Azurite::start();
    azurite.fill("lab", trace_object());
    let work = tempfile::tempdir().expect("a temporary folder");
    let mut harness = app_in(work.path());
    let connection = azurite.connection_string();
    let saved = add_cloud_store(
        &mut harness,
        work.path(),
        "azure_lab",
        "Azure",
        &[
            ("Container:", "lab"),
            ("Location:", "dj"),
            ("Key or connection string:", &connection),
        ],
    );
    assert!(
        !has_label_containing(&harness, AZURITE_KEY),
        "the key is not shown"
    );
    assert!(saved.contains("\"azure\""), "{saved}");
    assert!(
        !saved.contains(AZURITE_KEY),
        "the secret is not remembered unless asked: {saved}"
    );
    drop(harness);

    // Not remembered: a fresh app says how to give it again.
    let mut harness = app_in(work.path());
    step_until(&mut harness, "the saved Azure store's error", |h| {
        has_label_containing(h, "must be entered again")
    });
    assert!(!has_label_containing(&harness, AZURITE_KEY));
}
