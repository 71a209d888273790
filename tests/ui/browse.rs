//! Browsing: stores, folders, the files table, details, preview, load, map, totals.

use std::path::Path;
use std::sync::Arc;

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use npyscope::ui::App;
use tokio::sync::Semaphore;

use crate::common::*;

#[test]
fn demo_store_appears_beside_no_config() {
    let mut setup = setup(None);
    let harness = &mut setup.harness;
    step_until(harness, "the Demo store", |h| has_label(h, "Demo"));
    // The first screen is the demo's first table as DataJoint rows, with what to do next.
    demo_first_table(harness);
    assert!(
        has_label_containing(harness, "Double-click a waveform cell to plot it"),
        "the first screen's hint"
    );
    assert_eq!(
        harness.state().title(),
        "npyscope \u{2014} Demo:_schema/demo_ephys/recording"
    );
    step_until(harness, "the config note", |h| {
        has_label(h, "no datajoint.json found")
    });
    step_until(harness, "all start-up jobs to end", |h| {
        has_label(h, "No jobs running")
    });
    harness.check_accessibility();
}

/// Clicks at `pos`, the pointer resting there a frame first.
fn click_at(harness: &mut Harness<'_, App>, pos: egui::Pos2) {
    harness.hover_at(pos);
    harness.step();
    for pressed in [true, false] {
        harness.event(egui::Event::PointerButton {
            pos,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::default(),
        });
    }
    harness.step();
}

#[test]
fn a_click_anywhere_on_a_row_selects_it_and_enter_opens_it() {
    let mut setup = setup(None);
    let harness = &mut setup.harness;
    demo_top(harness);
    open_folder(harness, "_schema/", "demo_ephys/");
    open_folder(harness, "demo_ephys/", "recording/");
    step_until(harness, "the schema's tables", |h| {
        has_label(h, "lfp/") && has_label(h, "recording/")
    });
    // In the row's empty part of the Size column: not on the name's text (nor on a column's
    // resize handle).
    let empty_x = harness.get_by_label("Size").rect().right() + 150.0;
    let row = harness.get_by_label("lfp/").rect();
    click_at(harness, egui::pos2(empty_x, row.center().y));
    step_until(harness, "lfp/ selected", |h| {
        h.state()
            .selected_path()
            .is_some_and(|p| p.trim_end_matches('/') == "_schema/demo_ephys/lfp")
    });
    assert!(
        has_label(harness, "recording/"),
        "a single click does not open"
    );
    // Enter opens the selected row. (A double click on a row is checked in the real window
    // under Xvfb by tools/screenshots.sh: kittest's simulated double click does not register.)
    harness.key_press(egui::Key::Enter);
    step_until(harness, "Enter opens lfp/", |h| {
        h.state().title() == "npyscope \u{2014} Demo:_schema/demo_ephys/lfp"
    });
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
    // The title names the array plotted.
    assert!(
        harness.state().title().starts_with(
            "npyscope \u{2014} Demo:_schema/demo_ephys/recording/subject_id=mouse01/session=1/waveform_"
        ),
        "{}",
        harness.state().title()
    );
    // Its row's sampling_rate attribute fills the sampling rate, and the plot says so.
    step_until(harness, "the row's sampling rate", |h| {
        has_label(h, "from recording.sampling_rate")
    });
    let rate = harness
        .query_all_by_label("Sampling rate (Hz)")
        .find(|n| n.accesskit_node().role() == egui::accesskit::Role::TextInput)
        .expect("the Sampling rate box");
    assert_eq!(rate.accesskit_node().value().as_deref(), Some("30000"));
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
            .filter_map(|n| Some((n.rect().top(), text_of(&n)?)))
            // The table's names, not a path or a note elsewhere.
            .filter(|(_, name)| name.ends_with(".npy") && !name.contains(['/', ' ']))
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

/// The demo's (300000, 32) float32 waveform file, for tests that open the window on it.
fn demo_waveform() -> std::path::PathBuf {
    let session = demo_dir().join("_schema/demo_ephys/recording/subject_id=mouse01/session=1");
    std::fs::read_dir(&session)
        .expect("the demo session folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().contains("waveform_"))
        .expect("the demo waveform")
}

#[test]
fn a_path_argument_opens_its_folder_and_selects_the_file() {
    let file = demo_waveform();
    let work = tempfile::tempdir().expect("a temporary folder");
    let mut options = options(work.path());
    options.open = Some(file.clone());
    let mut harness = app(options);
    step_until(&mut harness, "the file's details", |h| {
        h.query_all_by_label("(300000, 32)").count() >= 2 && has_label(h, "Copy Python")
    });
    assert!(
        has_label(&harness, "Demo"),
        "the demo store is still listed"
    );
    // The array opened is plotted, and the title names it.
    step_until(&mut harness, "the opened array's plot", |h| {
        has_label_containing(h, "rows 0..100000")
    });
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
    assert!(
        name.is_some_and(|n| harness
            .state()
            .title()
            .ends_with(&format!("/session=1/{n}"))),
        "{}",
        harness.state().title()
    );
    harness.check_accessibility();
}

/// The array the window opens on is previewed; a Memory-map asked for before that preview
/// came drops it, so the map is what the plot shows (the late preview once replaced it).
#[test]
fn a_memory_map_asked_for_before_the_opening_preview_came_stays_shown() {
    let file = demo_waveform();
    let work = tempfile::tempdir().expect("a temporary folder");
    let mut options = options(work.path());
    options.open = Some(file);
    let gate = Arc::new(Semaphore::new(0));
    let hooks = npyscope::ui::TestHooks {
        data_gate: Some(Arc::clone(&gate)),
        ..Default::default()
    };
    let mut harness = app_with(options, hooks);
    // The opening preview waits at the gate.
    step_until(&mut harness, "the opening preview's job", |h| {
        has_label_containing(h, "Preview waveform_") && has_label(h, "Memory-map")
    });
    harness.get_by_label("Memory-map").click();
    step_until(&mut harness, "the map's job", |h| {
        has_label_containing(h, "Memory-map waveform_")
    });
    assert!(
        !has_label_containing(&harness, "Preview waveform_"),
        "the map drops the preview still on its way"
    );
    gate.add_permits(16);
    step_until(&mut harness, "the map plotted and no job left", |h| {
        has_label_containing(h, "Memory-mapped") && has_label(h, "No jobs running")
    });
    for _ in 0..10 {
        harness.step();
    }
    assert!(
        has_label_containing(&harness, "Memory-mapped"),
        "the map is still what the plot shows"
    );
    assert!(!has_label_containing(&harness, "Preview rows"));
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
    let options = options(work.path());
    let mut harness = app(options);
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
    let lab = lab_bucket();
    let session = demo_dir().join("_schema/demo_ephys/recording/subject_id=mouse01/session=1");
    let objects: Vec<(String, Vec<u8>)> = std::fs::read_dir(&session)
        .expect("the demo session")
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with("waveform_"))
        .map(|name| {
            let bytes = std::fs::read(session.join(&name)).expect("a demo array");
            (format!("dj/{name}"), bytes)
        })
        .collect();
    assert_eq!(objects.len(), 2);
    lab.put(objects);
    let work = tempfile::tempdir().expect("a temporary folder");
    lab.configure(work.path(), "dj");
    let options = options(work.path());
    let mut harness = app(options);
    step_until(&mut harness, "the lab store", |h| has_label(h, "lab"));
    step_until(&mut harness, "the lab store open", |h| has_label(h, "s3"));
    // The only configured store is shown first.
    step_until(&mut harness, "the lab store's rows and totals", |h| {
        has_label_containing(h, "2 arrays · ")
            && has_label_containing(h, " · 0 B cached")
            && has_label_containing(h, "spike_times_")
    });
    harness.get_by_label_contains("spike_times_").click();
    step_until(
        &mut harness,
        "the spike times' details, not cached yet",
        |h| has_label(h, "Memory-map") && has_label(h, "no (Memory-map downloads it)"),
    );
    harness.get_by_label("Memory-map").click();
    step_until(&mut harness, "the spike times mapped", |h| {
        has_label_containing(h, "Mapped spike_times_")
    });
    step_until(&mut harness, "the details saying it is cached", |h| {
        has_label(h, "yes, in the download cache")
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

#[test]
fn a_big_remote_level_reads_headers_of_the_rows_in_view_then_all_on_request() {
    const OBJECTS: usize = 600;
    let lab = lab_bucket();
    let spikes = std::fs::read_dir(
        demo_dir().join("_schema/demo_ephys/recording/subject_id=mouse01/session=1"),
    )
    .expect("the demo session")
    .flatten()
    .find(|e| e.file_name().to_string_lossy().starts_with("spike_times_"))
    .map(|e| std::fs::read(e.path()).expect("the spike times"))
    .expect("the demo spike times");
    lab.put(
        (0..OBJECTS)
            .map(|i| (format!("many/trial_{i:04}.npy"), spikes.clone()))
            .collect(),
    );
    let work = tempfile::tempdir().expect("a temporary folder");
    lab.configure(work.path(), "many");
    let mut setup = setup_in(work);
    let harness = &mut setup.harness;
    step_until(harness, "the lab store open", |h| has_label(h, "s3"));
    harness.get_by_label("lab").click();
    step_until(harness, "the first rows' headers", |h| {
        has_label_containing(h, &format!("{OBJECTS} arrays · "))
            && has_label(h, "trial_0000.npy")
            && h.query_all_by_label("int64").count() > 5
    });
    // Only the rows in view (and a few around them) are read: a metadata filter keeps those.
    harness.get_by_label("Filter:").click();
    harness.get_by_label("Filter:").type_text("dtype:int64");
    step_until(harness, "the filtered rows", |h| {
        has_label_containing(h, " arrays · ")
            && !has_label_containing(h, &format!("{OBJECTS} arrays · "))
    });
    let shown = |h: &Harness<'_, App>| {
        h.query_all_by_label_contains(" arrays · ")
            .find_map(|n| {
                let node = n.accesskit_node();
                let label = node.label().or(node.value())?.to_string();
                label.split(' ').next()?.parse::<usize>().ok()
            })
            .unwrap_or(0)
    };
    let read = shown(harness);
    assert!(
        read > 0 && read < OBJECTS / 2,
        "{read} headers read before asking for all"
    );
    harness.get_by_label("Read all headers").click();
    step_until(harness, "every header read", |h| {
        has_label_containing(h, &format!("{OBJECTS} arrays · "))
    });
}

/// A project whose `datajoint.json` names two folder stores, `lab` (the default, holding
/// `recording.npy`, a (4,) float64 numpy wrote) and `archive` (empty).
fn lab_project() -> tempfile::TempDir {
    let work = tempfile::tempdir().expect("a temporary folder");
    std::fs::create_dir(work.path().join(".git")).expect(".git");
    let lab = work.path().join("labstore");
    std::fs::create_dir(&lab).expect("the lab store's folder");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/npy");
    std::fs::copy(fixtures.join("le_f8.npy"), lab.join("recording.npy")).expect("a fixture");
    let other = work.path().join("otherstore");
    std::fs::create_dir(&other).expect("another store's folder");
    let config = serde_json::json!({"stores": {
        "default": "lab",
        "archive": {"protocol": "file", "location": other},
        "lab": {"protocol": "file", "location": lab},
    }});
    std::fs::write(work.path().join("datajoint.json"), config.to_string()).expect("datajoint.json");
    work
}

#[test]
fn a_project_opens_on_its_default_store_and_the_title_says_where() {
    let work = lab_project();
    let mut setup = setup_in(work);
    let harness = &mut setup.harness;
    // The configured default store, not the demo (which stays in the list) nor the first by name.
    step_until(harness, "the default store listed", |h| {
        has_label(h, "recording.npy")
    });
    assert!(
        has_label(harness, "Demo"),
        "the demo store stays in the list"
    );
    assert_eq!(harness.state().title(), "npyscope \u{2014} lab:");
    harness.get_by_label("Demo").click();
    step_until(harness, "the demo listed", |h| has_label(h, "_schema/"));
    assert_eq!(harness.state().title(), "npyscope \u{2014} Demo:");
}

/// The `.npy` files below `dir` and the bytes of every file there (what a folder row shows).
fn arrays_and_bytes(dir: &Path) -> (usize, u64) {
    let (mut arrays, mut bytes) = (0, 0);
    for entry in std::fs::read_dir(dir).expect("a folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            let (a, b) = arrays_and_bytes(&path);
            arrays += a;
            bytes += b;
        } else {
            arrays += usize::from(path.extension().is_some_and(|e| e == "npy"));
            bytes += entry.metadata().expect("metadata").len();
        }
    }
    (arrays, bytes)
}

/// The label of the row at `name`'s height whose text contains `part` (another column).
fn same_row(harness: &Harness<'_, App>, name: &str, part: &str) -> Option<String> {
    let y = harness.get_by_label(name).rect().center().y;
    harness
        .query_all_by_label_contains(part)
        .find(|n| (n.rect().center().y - y).abs() < 2.0)
        .and_then(|n| text_of(&n))
}

#[test]
fn folder_rows_show_their_arrays_and_bytes() {
    let mut setup = setup(None);
    let harness = &mut setup.harness;
    demo_top(harness);
    // A local store's folders are sized in the background as soon as they are listed.
    let (arrays, bytes) = arrays_and_bytes(&demo_dir().join("_schema"));
    let count = format!("{arrays} arrays");
    step_until(harness, "the _schema/ folder sized", |h| {
        same_row(h, "_schema/", &count).is_some()
    });
    let size = npyscope::display::bytes(bytes);
    assert_eq!(same_row(harness, "_schema/", "iB"), Some(size));
}

#[test]
fn a_remote_store_sizes_its_folders_on_request() {
    let lab = lab_bucket();
    let spikes = std::fs::read(
        std::fs::read_dir(
            demo_dir().join("_schema/demo_ephys/recording/subject_id=mouse01/session=1"),
        )
        .expect("the demo session")
        .flatten()
        .find(|e| e.file_name().to_string_lossy().starts_with("spike_times_"))
        .expect("the demo spike times")
        .path(),
    )
    .expect("the spike times");
    let mut objects: Vec<(String, Vec<u8>)> = (0..3)
        .map(|i| (format!("dj/a/k={i}/spikes_x.npy"), spikes.clone()))
        .collect();
    objects.push(("dj/a/k=0/notes.txt".to_string(), b"twelve bytes".to_vec()));
    objects.push(("dj/b/one.npy".to_string(), spikes.clone()));
    lab.put(objects);
    let work = tempfile::tempdir().expect("a temporary folder");
    lab.configure(work.path(), "dj");
    let mut setup = setup_in(work);
    let harness = &mut setup.harness;
    step_until(harness, "the lab store's folders", |h| {
        has_label(h, "a/") && has_label(h, "b/")
    });
    // Remote folders are not walked unasked: the button does it.
    assert_eq!(same_row(harness, "a/", "array"), None);
    harness.get_by_label("Count folder sizes").click();
    step_until(harness, "the folders sized", |h| {
        same_row(h, "a/", "3 arrays").is_some() && same_row(h, "b/", "1 array").is_some()
    });
    // Arrays and their bytes: the text file is not shown, nor counted.
    let a_bytes = 3 * spikes.len() as u64;
    let a_size = npyscope::display::bytes(a_bytes);
    assert_eq!(same_row(harness, "a/", "iB"), Some(a_size));
    assert!(!has_label(harness, "Count folder sizes"), "all sized");
}

/// `npyscope STORE:PATH` (what `npyscope.show(ref)` runs for a DataJoint `NpyRef`): the
/// configured store opens once, at the array's folder, with the array selected.
#[test]
fn a_store_path_argument_opens_the_configured_store_on_the_array() {
    let work = lab_project();
    let mut options = options(work.path());
    options.open = Some(std::path::PathBuf::from("lab:recording.npy"));
    let mut harness = app(options);
    step_until(&mut harness, "the array's details", |h| {
        has_label(h, "Copy Python") && has_label_containing(h, "float64")
    });
    assert!(
        harness
            .state()
            .title()
            .starts_with("npyscope \u{2014} lab:")
    );
    // "lab" twice: the stores panel and the details' store row (a second slot would be a third).
    assert_eq!(
        harness.query_all_by_label("lab").count(),
        2,
        "the configured store is listed once"
    );
    assert_eq!(
        harness.query_all_by_label("archive").count(),
        1,
        "the other stores are listed"
    );
}

#[test]
fn a_listing_whose_headers_stream_in_ends_with_every_row_filled_in() {
    use npyscope::npy::{ByteOrder, DType, ScalarKind, ScalarType, encode_header};
    // Enough arrays that their headers arrive over many frames; array i is (i + 1, 3) float32, so
    // every row's shape is its own.
    const FILES: usize = 1500;
    let folder = tempfile::tempdir().expect("a temporary folder");
    let dtype = DType::Scalar(ScalarType {
        order: ByteOrder::Little,
        kind: ScalarKind::Float(4),
    });
    for i in 0..FILES {
        let shape = [i as u64 + 1, 3];
        let mut bytes = encode_header(&dtype, false, &shape);
        bytes.resize(bytes.len() + (shape[0] * shape[1] * 4) as usize, 0);
        std::fs::write(folder.path().join(format!("trial_{i:04}.npy")), bytes).expect("an array");
    }
    let work = tempfile::tempdir().expect("a temporary folder");
    let mut options = options(work.path());
    options.open = Some(folder.path().to_path_buf());
    let mut harness = app(options);
    let harness = &mut harness;
    step_until(harness, "the listing and every header", |h| {
        has_label_containing(h, &format!("{FILES} arrays"))
            && has_label(h, "trial_0000.npy")
            && has_label(h, "No jobs running")
            && !has_label(h, "\u{2026}")
    });
    // Scroll down the whole table: every row shows its own shape and the dtype.
    let first = harness.get_by_label("trial_0000.npy").rect();
    harness.hover_at(egui::pos2(first.center().x, first.center().y + 100.0));
    harness.step();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..3000 {
        let names: Vec<(usize, f32)> = harness
            .query_all_by_label_contains("trial_")
            .filter_map(|n| {
                let text = text_of(&n)?;
                let i = text
                    .strip_prefix("trial_")?
                    .strip_suffix(".npy")?
                    .parse()
                    .ok()?;
                Some((i, n.rect().center().y))
            })
            .collect();
        for (i, y) in names {
            if seen.contains(&i) {
                continue;
            }
            let on_row = |text: &str| {
                harness
                    .query_all_by_label(text)
                    .any(|n| (n.rect().center().y - y).abs() < 2.0)
            };
            let shape = format!("({}, 3)", i + 1);
            assert!(on_row(&shape), "row trial_{i:04}.npy shows {shape}");
            assert!(on_row("float32"), "row trial_{i:04}.npy shows float32");
            seen.insert(i);
        }
        if seen.len() == FILES {
            break;
        }
        harness.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Line,
            delta: egui::vec2(0.0, -3.0),
            modifiers: egui::Modifiers::NONE,
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Unknown,
        });
        harness.step();
    }
    assert_eq!(seen.len(), FILES, "every row was scrolled past");
    assert!(
        !has_label(harness, "\u{2026}"),
        "no row waits for its header"
    );
}
