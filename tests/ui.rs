//! The inspector window, driven through its accessibility tree with egui_kittest (no GPU):
//! the real app on a real tokio runtime, over the demo store written to a temporary folder.

use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use npyscope::config::ConfigEnv;
use npyscope::ui::{App, AppOptions};
use tokio::sync::Semaphore;

#[path = "support/s3_server.rs"]
mod s3_server;

/// How long a flow may wait for background jobs before the test fails.
const TIMEOUT: Duration = Duration::from_secs(20);

fn runtime() -> &'static tokio::runtime::Runtime {
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
fn demo_dir() -> &'static Path {
    static DEMO: OnceLock<tempfile::TempDir> = OnceLock::new();
    DEMO.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary folder");
        npyscope::demo::write_demo_store(dir.path()).expect("the demo store");
        dir
    })
    .path()
}

/// The app and the folder it works in (no `datajoint.json` there).
struct Setup {
    harness: Harness<'static, App>,
    _work: tempfile::TempDir,
}

fn setup(gate: Option<Arc<Semaphore>>) -> Setup {
    let work = tempfile::tempdir().expect("a temporary folder");
    let options = AppOptions {
        runtime: runtime().handle().clone(),
        config_env: ConfigEnv::isolated(work.path()),
        config_file: None,
        demo_dir: Some(demo_dir().to_path_buf()),
        open: None,
        data_gate: gate,
        cache_dir: Some(work.path().join("cache")),
    };
    let harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_eframe(move |cc| App::new(cc, options));
    Setup {
        harness,
        _work: work,
    }
}

/// Steps frames until `done` holds; fails with `what` after [`TIMEOUT`].
fn step_until(
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
            "timed out after {TIMEOUT:?} waiting for: {what}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn has_label(harness: &Harness<'_, App>, label: &str) -> bool {
    harness.query_all_by_label(label).next().is_some()
}

fn has_label_containing(harness: &Harness<'_, App>, part: &str) -> bool {
    harness.query_all_by_label_contains(part).next().is_some()
}

/// Opens a folder row: click to select, Enter to open; waits for `next` to be listed.
fn open_folder(harness: &mut Harness<'_, App>, row: &str, next: &str) {
    step_until(harness, &format!("row {row}"), |h| has_label(h, row));
    harness.get_by_label(row).click();
    harness.step();
    harness.key_press(egui::Key::Enter);
    step_until(harness, &format!("{next} listed inside {row}"), |h| {
        has_label_containing(h, next)
    });
}

/// From start-up to the session folder listed with its headers read.
fn open_session(harness: &mut Harness<'_, App>) {
    step_until(harness, "the Demo store listed", |h| {
        has_label(h, "_schema/")
    });
    open_folder(harness, "_schema/", "demo_ephys/");
    open_folder(harness, "demo_ephys/", "recording/");
    open_folder(harness, "recording/", "subject_id=mouse01/");
    open_folder(harness, "subject_id=mouse01/", "session=1/");
    open_folder(harness, "session=1/", "waveform_");
    step_until(harness, "the headers of the session's arrays", |h| {
        has_label(h, "(300000, 32)")
    });
}

/// From start-up to the waveform array selected and its header shown.
fn select_waveform(harness: &mut Harness<'_, App>) {
    open_session(harness);
    harness.get_by_label_contains("waveform_").click();
    step_until(harness, "the waveform's details", |h| {
        has_label(h, "subject_id=mouse01, session=1")
    });
    harness.check_accessibility();
}

#[test]
fn demo_store_appears_beside_no_config() {
    let mut setup = setup(None);
    let harness = &mut setup.harness;
    step_until(harness, "the Demo store", |h| has_label(h, "Demo"));
    step_until(harness, "the Demo store's top level", |h| {
        has_label(h, "_schema/")
    });
    step_until(harness, "the config note", |h| {
        has_label(h, "no datajoint.json found")
    });
    step_until(harness, "all start-up jobs to end", |h| {
        has_label(h, "No jobs running")
    });
    harness.check_accessibility();
}

#[test]
fn navigate_to_the_waveform_and_see_its_metadata() {
    let mut setup = setup(None);
    let harness = &mut setup.harness;
    select_waveform(harness);
    // The shape shows twice: in the table row and in the details.
    assert!(harness.query_all_by_label("(300000, 32)").count() >= 2);
    assert!(has_label(harness, "float32"));
    assert!(has_label(harness, "waveform"), "the DataJoint attribute");
    assert!(has_label(harness, "Copy path"));
    // Copy Python puts an np.load(…, mmap_mode='r') of the local file on the clipboard.
    harness.get_by_label("Copy Python").click();
    harness.step();
    let copied: Vec<String> = harness
        .output()
        .platform_output
        .commands
        .iter()
        .filter_map(|command| match command {
            egui::OutputCommand::CopyText(text) => Some(text.clone()),
            _ => None,
        })
        .collect();
    assert!(
        copied.iter().any(|text| text.contains("np.load(")
            && text.contains("mmap_mode='r'")
            && text.contains(&*demo_dir().to_string_lossy())
            && text.contains("waveform_")),
        "{copied:?}"
    );

    // Backspace goes up a level, a breadcrumb click to the schema.
    harness.key_press(egui::Key::Backspace);
    step_until(harness, "Backspace to the subject level", |h| {
        has_label(h, "session=1/")
    });
    harness.get_by_label("demo_ephys").click();
    step_until(harness, "the breadcrumb to demo_ephys", |h| {
        has_label(h, "recording/") && has_label(h, "lfp/")
    });
    harness.get_by_label("Demo:").click();
    step_until(harness, "the breadcrumb to the top", |h| {
        has_label(h, "_schema/")
    });
}

#[test]
fn preview_plots_the_first_rows() {
    let mut setup = setup(None);
    let harness = &mut setup.harness;
    select_waveform(harness);
    harness.get_by_label("Preview").click();
    step_until(harness, "the preview of rows 0..100000", |h| {
        has_label_containing(h, "rows 0..100000")
    });
    assert!(
        !has_label_containing(harness, "not plotted"),
        "a float array is plotted"
    );
    harness.check_accessibility();
}

#[test]
fn filter_narrows_the_table() {
    let mut setup = setup(None);
    let harness = &mut setup.harness;
    open_session(harness);
    assert!(has_label_containing(harness, "spike_times_"));
    harness.get_by_label("Filter:").click();
    harness.step();
    harness.get_by_label("Filter:").type_text("spike");
    step_until(harness, "the waveform row filtered out", |h| {
        h.query_all_by_label_contains("waveform_").next().is_none()
    });
    assert!(has_label_containing(harness, "spike_times_"));
    assert!(!has_label_containing(harness, "sampling_rate_"));
}

#[test]
fn sorting_by_size_puts_the_largest_array_last() {
    let mut setup = setup(None);
    let harness = &mut setup.harness;
    open_session(harness);
    let order = |h: &Harness<'_, App>| -> Vec<String> {
        let mut rows: Vec<(f32, String)> = h
            .query_all_by_label_contains(".npy")
            .filter(|n| n.accesskit_node().role() != egui::accesskit::Role::Label)
            .filter_map(|n| Some((n.rect().top(), n.accesskit_node().label()?)))
            .collect();
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
        rows.into_iter().map(|(_, name)| name).collect()
    };
    harness.get_by_label("Size").click();
    step_until(harness, "sorted by size", |h| {
        order(h).last().is_some_and(|n| n.starts_with("waveform_"))
    });
    harness.get_by_label("Size").click();
    step_until(harness, "sorted by size, largest first", |h| {
        order(h).first().is_some_and(|n| n.starts_with("waveform_"))
    });
}

#[test]
fn load_shows_progress_and_cancels() {
    let gate = Arc::new(Semaphore::new(0));
    let mut setup = setup(Some(Arc::clone(&gate)));
    let harness = &mut setup.harness;
    select_waveform(harness);
    harness.get_by_label("Load").click();
    step_until(harness, "the Load job in the jobs panel", |h| {
        has_label_containing(h, "Load waveform_") && has_label(h, "Cancel")
    });
    assert!(
        harness
            .query_all_by_role(egui::accesskit::Role::ProgressIndicator)
            .next()
            .is_some(),
        "a progress bar"
    );
    harness.check_accessibility();
    harness.get_by_label("Cancel").click();
    step_until(harness, "the Load cancelled", |h| {
        has_label_containing(h, "cancelled") && has_label(h, "No jobs running")
    });

    // With the gate open the same Load runs to the end.
    gate.add_permits(16);
    harness.get_by_label("Load").click();
    step_until(harness, "the array loaded", |h| {
        has_label_containing(h, "Loaded waveform_")
    });
    assert!(has_label_containing(harness, "(300000, 32) float32"));
}

#[test]
fn a_path_argument_opens_its_folder_and_selects_the_file() {
    let session = demo_dir().join("_schema/demo_ephys/recording/subject_id=mouse01/session=1");
    let file = std::fs::read_dir(&session)
        .expect("the demo session folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().contains("waveform_"))
        .expect("the demo waveform");
    let work = tempfile::tempdir().expect("a temporary folder");
    let options = AppOptions {
        runtime: runtime().handle().clone(),
        config_env: ConfigEnv::isolated(work.path()),
        config_file: None,
        demo_dir: Some(demo_dir().to_path_buf()),
        open: Some(file),
        data_gate: None,
        cache_dir: Some(work.path().join("cache")),
    };
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_eframe(move |cc| App::new(cc, options));
    step_until(&mut harness, "the file's details", |h| {
        h.query_all_by_label("(300000, 32)").count() >= 2 && has_label(h, "Copy Python")
    });
    assert!(
        has_label(&harness, "Demo"),
        "the demo store is still listed"
    );
    harness.check_accessibility();
}

/// The core never knows of the UI: only `src/ui/` (and the binary) may name egui or eframe.
#[test]
fn only_the_ui_module_mentions_egui() {
    fn visit(dir: &Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("a source folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                if !path.ends_with("ui") {
                    visit(&path, found);
                }
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("main.rs") {
                let text = std::fs::read_to_string(&path).expect("a source file");
                if text.contains("egui") || text.contains("eframe") {
                    found.push(path.display().to_string());
                }
            }
        }
    }
    let mut found = Vec::new();
    visit(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut found,
    );
    assert!(
        found.is_empty(),
        "core modules that mention egui: {found:?}"
    );
}

#[test]
fn configured_stores_appear_beside_the_demo_with_their_status() {
    let work = tempfile::tempdir().expect("a temporary folder");
    let config = serde_json::json!({
        "stores": {
            "lab": {"protocol": "file", "location": demo_dir()},
            "gone": {"protocol": "file", "location": work.path().join("missing")},
            "broken": {"protocol": "s3", "location": "npy"}
        }
    });
    std::fs::write(work.path().join("datajoint.json"), config.to_string()).expect("a config");
    let options = AppOptions {
        runtime: runtime().handle().clone(),
        config_env: ConfigEnv::isolated(work.path()),
        config_file: None,
        demo_dir: Some(demo_dir().to_path_buf()),
        open: None,
        data_gate: None,
        cache_dir: Some(work.path().join("cache")),
    };
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_eframe(move |cc| App::new(cc, options));
    step_until(&mut harness, "the configured stores", |h| {
        has_label(h, "Demo")
            && has_label(h, "lab")
            && has_label(h, "gone")
            && has_label(h, "broken")
    });
    step_until(&mut harness, "the stores' status", |h| {
        has_label_containing(h, "datajoint.json: ")
            && has_label_containing(h, "file: ")
            && h.query_all_by_label_contains("not an existing folder")
                .next()
                .is_some()
    });
    // The broken s3 store says why, in the library's words.
    assert!(
        has_label_containing(&harness, "invalid: store \"broken\" (s3) is missing"),
        "the broken store's error"
    );
    // A working configured store can be browsed.
    harness.get_by_label("lab").click();
    step_until(&mut harness, "the lab store listed", |h| {
        has_label(h, "lab:") && has_label(h, "_schema/")
    });
    harness.check_accessibility();
}

#[test]
fn totals_sum_the_arrays_shown() {
    let mut setup = setup(None);
    let harness = &mut setup.harness;
    open_session(harness);
    step_until(harness, "the totals of the session's 3 arrays", |h| {
        has_label_containing(h, "3 arrays · ")
    });
    let total = harness
        .get_by_label_contains("3 arrays · ")
        .accesskit_node()
        .value()
        .unwrap_or_default();
    assert!(total.ends_with(" MiB · on this machine"), "{total}");
    // The filter narrows the totals with the table.
    harness.get_by_label("Filter:").click();
    harness.step();
    harness.get_by_label("Filter:").type_text("waveform");
    step_until(harness, "the totals of the waveform alone", |h| {
        has_label(h, "1 array · 36.62 MiB · on this machine")
    });
}

#[test]
fn memory_map_maps_the_waveform_in_place() {
    let mut setup = setup(None);
    let harness = &mut setup.harness;
    select_waveform(harness);
    harness.get_by_label("Memory-map").click();
    step_until(harness, "the array mapped", |h| {
        has_label_containing(h, "Mapped waveform_")
    });
    assert!(has_label_containing(
        harness,
        ": (300000, 32) float32, 36.62 MiB, no copy"
    ));
    assert!(
        has_label(harness, "Mapped: 36.62 MiB"),
        "the details say so"
    );
    harness.check_accessibility();
}

#[test]
fn ctrl_f_focuses_the_filter() {
    let mut setup = setup(None);
    let harness = &mut setup.harness;
    open_session(harness);
    assert!(!harness.get_by_label("Filter:").is_focused());
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::F);
    step_until(harness, "the filter focused", |h| {
        h.get_by_label("Filter:").is_focused()
    });
    harness.event(egui::Event::Text("spike".to_string()));
    step_until(harness, "the waveform row filtered out", |h| {
        h.query_all_by_label_contains("waveform_").next().is_none()
    });
    assert!(has_label_containing(harness, "spike_times_"));
}

#[test]
fn totals_of_a_remote_store_count_the_cached_part() {
    use object_store::ObjectStoreExt;

    let root = tempfile::tempdir().expect("a temporary folder");
    let server = s3_server::S3TestServer::start(root.path());
    server.create_bucket("lab");
    let session = demo_dir().join("_schema/demo_ephys/recording/subject_id=mouse01/session=1");
    let client = object_store::aws::AmazonS3Builder::new()
        .with_endpoint(server.endpoint())
        .with_allow_http(true)
        .with_region("us-east-1")
        .with_bucket_name("lab")
        .with_access_key_id(s3_server::ACCESS_KEY)
        .with_secret_access_key(s3_server::SECRET_KEY)
        .build()
        .expect("an upload client");
    let mut uploaded = 0;
    for entry in std::fs::read_dir(&session)
        .expect("the demo session")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("waveform_") {
            continue;
        }
        let bytes = std::fs::read(entry.path()).expect("a demo array");
        let key = object_store::path::Path::parse(format!("dj/{name}")).expect("a key");
        runtime()
            .block_on(client.put(&key, bytes.into()))
            .expect("an upload");
        uploaded += 1;
    }
    assert_eq!(uploaded, 2);

    let work = tempfile::tempdir().expect("a temporary folder");
    let config = serde_json::json!({
        "stores": {
            "lab": {"protocol": "s3", "endpoint": server.host_port(), "bucket": "lab",
                    "location": "dj", "secure": false}
        }
    });
    std::fs::write(work.path().join("datajoint.json"), config.to_string()).expect("a config");
    let secrets = work.path().join(".secrets");
    std::fs::create_dir(&secrets).expect("a secrets folder");
    std::fs::write(secrets.join("stores.lab.access_key"), s3_server::ACCESS_KEY).expect("a key");
    std::fs::write(secrets.join("stores.lab.secret_key"), s3_server::SECRET_KEY).expect("a key");
    let options = AppOptions {
        runtime: runtime().handle().clone(),
        config_env: ConfigEnv::isolated(work.path()),
        config_file: None,
        demo_dir: Some(demo_dir().to_path_buf()),
        open: None,
        data_gate: None,
        cache_dir: Some(work.path().join("cache")),
    };
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_eframe(move |cc| App::new(cc, options));
    step_until(&mut harness, "the lab store", |h| has_label(h, "lab"));
    step_until(&mut harness, "the lab store open", |h| has_label(h, "s3"));
    harness.get_by_label("lab").click();
    step_until(&mut harness, "the lab store's totals", |h| {
        has_label_containing(h, "2 arrays · ") && has_label_containing(h, " · 0 B cached")
    });
    harness.get_by_label_contains("spike_times_").click();
    step_until(&mut harness, "the spike times' details", |h| {
        has_label(h, "Memory-map")
    });
    harness.get_by_label("Memory-map").click();
    step_until(&mut harness, "the spike times mapped", |h| {
        has_label_containing(h, "Mapped spike_times_")
    });
    assert!(has_label_containing(&harness, "from the download cache"));
    let spikes = std::fs::read_dir(&session)
        .expect("the demo session")
        .flatten()
        .find(|e| e.file_name().to_string_lossy().starts_with("spike_times_"))
        .and_then(|e| e.metadata().ok())
        .expect("the demo spike times")
        .len();
    let cached = format!(" · {} cached", npyscope::display::bytes(spikes));
    step_until(&mut harness, "the cached part counted again", |h| {
        h.query_all_by_label_contains("2 arrays · ").any(|n| {
            n.accesskit_node()
                .value()
                .is_some_and(|v| v.ends_with(&cached))
        })
    });
    harness.check_accessibility();
}
