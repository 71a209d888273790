//! The database in the window, against the real PostgreSQL server of the tests (filled by
//! DataJoint): the tree of schemas and tables, a table's rows with every attribute, an
//! `<npy@>` cell previewed from its store, and a 100,000-row table read page by page as it
//! scrolls.

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use npyscope::ui::App;

use crate::common::*;
use crate::db_fixture::db_fixture;

/// The app in a project whose `datajoint.json` names the test database and its store.
fn database_app() -> Setup {
    let server = &db_fixture().pg;
    let work = tempfile::tempdir().expect("a temporary folder");
    std::fs::create_dir(work.path().join(".git")).expect(".git");
    std::fs::write(
        work.path().join("datajoint.json"),
        server.config_json().to_string(),
    )
    .expect("datajoint.json");
    setup_in(work)
}

/// Opens `table` (its button in the tree, e.g. `Recording · manual`).
fn open_table(harness: &mut Harness<'_, App>, table: &str) {
    step_until(harness, "the schema in the database tree", |h| {
        has_label(h, "npyscope_test")
    });
    step_until(harness, &format!("{table} in the tree"), |h| {
        has_label(h, table)
    });
    harness.get_by_label(table).click();
}

#[test]
fn the_tree_opens_a_table_whose_npy_cell_previews() {
    let mut setup = database_app();
    let harness = &mut setup.harness;
    open_table(harness, "Recording · manual");
    // Key attributes, the arrays' shape · dtype · size from the database, an in-table blob's from its bytes.
    step_until(harness, "the recording rows", |h| {
        has_label(h, "(3000, 4) · float32 · 46.88 KiB") && has_label(h, "mouse01")
    });
    for column in [
        "animal",
        "session",
        "recording_id",
        "waveform",
        "spikes",
        "small",
    ] {
        assert!(has_label(harness, column), "column {column}");
    }
    assert!(
        has_label_containing(harness, "(2, 3) · int16 · 49 B"),
        "the in-table blob's shape, dtype (from its first bytes) and size"
    );
    assert!(has_label_containing(harness, "6 rows"), "the row count");
    // Selecting the cell shows its array and the row's other attributes.
    harness
        .query_all_by_label("(3000, 4) · float32 · 46.88 KiB")
        .next()
        .expect("the waveform cell")
        .click();
    step_until(harness, "the cell's details", |h| {
        has_label(h, "Preview") && has_label(h, "<npy@main>")
    });
    harness.get_by_label("Preview").click();
    step_until(harness, "the preview's plot", |h| {
        has_label_containing(h, "Preview rows 0-3,000 of 3,000")
    });
}

#[test]
fn secondary_attributes_and_restriction() {
    let mut setup = database_app();
    let harness = &mut setup.harness;
    open_table(harness, "Session · manual");
    step_until(harness, "the session rows", |h| {
        has_label(h, "2024-03-01T10:15:00") && has_label(h, "{\"rig\":\"A\",\"probes\":[1,2]}")
    });
    assert!(has_label_containing(harness, "· 3 rows"));
    assert!(has_label(harness, "NULL"), "a null JSON attribute");
    harness.get_by_label("Restrict:").click();
    harness.step();
    harness
        .get_by_label("Restrict:")
        .type_text("session_date>=2024-04-01");
    harness.step();
    harness.key_press(egui::Key::Enter);
    step_until(harness, "one row left", |h| {
        has_label_containing(h, "· 1 row") && !has_label(h, "2024-03-01T10:15:00")
    });
}

#[test]
fn a_big_table_is_read_page_by_page_as_it_scrolls() {
    let mut setup = database_app();
    let harness = &mut setup.harness;
    open_table(harness, "Big · manual");
    step_until(harness, "the first page", |h| {
        has_label(h, "item 0") && has_label_containing(h, "· 100000 rows")
    });
    assert!(
        !has_label(harness, "item 1010"),
        "the second page is not read yet"
    );
    for _ in 0..600 {
        if has_label(harness, "item 1010") {
            break;
        }
        if let Some(cell) = harness.query_all_by_label_contains("item ").last() {
            cell.scroll_down();
        }
        harness.step();
    }
    step_until(harness, "rows of the second page", |h| {
        has_label(h, "item 1010")
    });
}

#[test]
fn npy_metadata_restricts_the_rows_in_the_database() {
    let mut setup = database_app();
    let harness = &mut setup.harness;
    open_table(harness, "Recording · manual");
    step_until(harness, "the recording rows", |h| {
        has_label_containing(h, "· 6 rows")
    });
    harness.get_by_label("Restrict:").click();
    harness.step();
    harness
        .get_by_label("Restrict:")
        .type_text("waveform.shape[0] > 2500  spikes.dtype:int64");
    harness.step();
    harness.key_press(egui::Key::Enter);
    // The count and the first page come from two queries: wait for both.
    step_until(harness, "the two long recordings", |h| {
        has_label_containing(h, "· 2 rows")
            && has_label(h, "(3000, 4) · float32 · 46.88 KiB")
            && !has_label(h, "(1500, 4) · float32 · 23.44 KiB")
    });
}

/// Types `text` into the field labelled `label`.
fn type_into(harness: &mut Harness<'_, App>, label: &str, text: &str) {
    harness.get_by_label(label).click();
    harness.step();
    harness.get_by_label(label).type_text(text);
    harness.step();
}

#[test]
fn a_database_connected_in_the_dialog_is_kept_without_its_password() {
    let server = &db_fixture().pg;
    let work = tempfile::tempdir().expect("a temporary folder");
    std::fs::create_dir(work.path().join(".git")).expect(".git");
    {
        let mut harness = app(options(work.path()));
        step_until(&mut harness, "the stores panel", |h| {
            has_label(h, "Connect to database…") && has_label(h, "No jobs running")
        });
        harness.get_by_label("Connect to database…").click();
        step_until(&mut harness, "the dialog", |h| {
            has_label(h, "Test connection")
        });
        type_into(&mut harness, "Host:", "127.0.0.1");
        type_into(&mut harness, "Port:", &server.port.to_string());
        type_into(&mut harness, "User:", &server.user);
        type_into(&mut harness, "Password:", &server.password);
        assert!(
            !has_label_containing(&harness, &server.password),
            "the typed password is not on screen"
        );
        harness.get_by_label("Test connection").click();
        step_until(&mut harness, "the test's answer", |h| {
            has_label_containing(h, "Connected (") && has_label_containing(h, "DataJoint schema")
        });
        harness.check_accessibility();
        harness.get_by_label("Connect").click();
        step_until(&mut harness, "the database tree", |h| {
            has_label(h, "npyscope_test") && !has_label(h, "Test connection")
        });
        step_until(&mut harness, "the settings saved", |h| {
            has_label(h, "No jobs running")
        });
    }
    let settings = std::fs::read_to_string(work.path().join("settings").join("settings.json"))
        .expect("the settings file");
    assert!(settings.contains("\"host\": \"127.0.0.1\""), "{settings}");
    assert!(settings.contains("\"ask_password\": true"), "{settings}");
    assert!(!settings.contains(&server.password), "{settings}");
    // The next run shows the database waiting for its password, then connects with it.
    let mut harness = app(options(work.path()));
    step_until(&mut harness, "the saved database", |h| {
        has_label(h, "Enter password…")
    });
    harness.get_by_label("Enter password…").click();
    step_until(&mut harness, "the dialog, filled", |h| {
        has_label(h, "Test connection")
    });
    type_into(&mut harness, "Password:", &server.password);
    harness.get_by_label("Connect").click();
    step_until(&mut harness, "the database tree", |h| {
        has_label(h, "npyscope_test")
    });
}

#[test]
fn arrow_keys_move_down_the_rows_and_enter_previews() {
    let mut setup = database_app();
    let harness = &mut setup.harness;
    open_table(harness, "Recording · manual");
    step_until(harness, "the recording rows", |h| {
        has_label(h, "(3000, 4) · float32 · 46.88 KiB")
    });
    // mouse01's recordings are in key order: session 1 (3000 samples) twice, then session 2
    // (1500 samples) twice.
    harness
        .query_all_by_label("(3000, 4) · float32 · 46.88 KiB")
        .next()
        .expect("the first waveform cell")
        .click();
    harness.step();
    harness.key_press(egui::Key::ArrowDown);
    harness.step();
    harness.key_press(egui::Key::ArrowDown);
    harness.step();
    harness.key_press(egui::Key::Enter);
    step_until(harness, "the preview of session 2's recording", |h| {
        has_label_containing(h, "Preview rows 0-1,500 of 1,500")
    });
}

#[test]
fn blob_cells_show_shapes_preview_load_and_contents() {
    let mut setup = database_app();
    let harness = &mut setup.harness;
    open_table(harness, "Trace · manual");
    // <blob@> cells: shape and dtype from their objects' first bytes, read as the page arrives;
    // in-table <blob> cells: from the cell's first bytes.
    step_until(harness, "the <blob@> headers", |h| {
        has_label_containing(h, "(600, 3) · float64")
            && has_label_containing(h, "(20, 15) · complex64")
    });
    assert!(has_label_containing(harness, "(20, 20) · float64"));

    // An in-table <blob> array is read from the database and loaded (the last row: before the plot panel
    // takes the bottom of the window).
    harness
        .query_all_by_label_contains("(20, 20) · float64")
        .next()
        .expect("the summary cell")
        .click();
    step_until(harness, "the in-table blob's details", |h| {
        has_label(h, "in the table") && has_label(h, "Load")
    });
    harness.get_by_label("Load").click();
    step_until(harness, "the in-table blob loaded", |h| {
        has_label_containing(h, "Trace[mouse01,2,1].summary: (20, 20) float64")
    });
    // The row's fs attribute gives the plot its sampling rate, and the plot says so.
    step_until(harness, "the row's rate", |h| has_label(h, "from Trace.fs"));
    assert_eq!(sampling_rate(harness), "500");

    // A <blob@> array previews from its store.
    harness
        .query_all_by_label_contains("(600, 3) · float64")
        .next()
        .expect("the signal cell")
        .click();
    step_until(harness, "the blob cell's details", |h| {
        has_label(h, "Preview") && has_label(h, "<blob@main>")
    });
    harness.get_by_label("Preview").click();
    step_until(harness, "the <blob@> preview", |h| {
        has_label_containing(h, "Preview rows 0-600 of 600")
    });
    step_until(harness, "that row's rate", |h| sampling_rate(h) == "1000");
    assert!(has_label(harness, "from Trace.fs"));

    // A <blob> holding a dict shows its tree.
    harness
        .query_all_by_label_contains("blob · ")
        .next()
        .expect("the dict cell")
        .click();
    step_until(harness, "the dict's contents", |h| {
        has_label_containing(h, "dict · 2 keys") && has_label_containing(h, "units: \"mV\"")
    });
    assert!(has_label_containing(harness, "rate: 30000"));
}

/// The plot's Sampling rate box's text.
fn sampling_rate(harness: &Harness<'_, App>) -> String {
    harness
        .query_all_by_label("Sampling rate (Hz)")
        .find(|n| n.accesskit_node().role() == egui::accesskit::Role::TextInput)
        .and_then(|n| n.accesskit_node().value())
        .unwrap_or_default()
}
