//! The DataJoint view of a table folder, the filter language, and a broken file's error.

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use npyscope::ui::App;

use crate::common::*;

/// From start-up to the demo's `recording` table shown as DataJoint rows.
fn open_recording_table(harness: &mut Harness<'_, App>) {
    // The window opens the demo there.
    demo_first_table(harness);
    step_until(harness, "the recording table's rows and headers", |h| {
        has_label(h, "3 of 3 rows, 2 key attributes, 3 array attributes")
            && has_label_containing(h, "(300000, 32) float32")
    });
}

/// The labels containing `part`, top to bottom.
fn labels_top_down(h: &Harness<'_, App>, part: &str) -> Vec<String> {
    let mut nodes: Vec<(f64, String)> = h
        .query_all_by_label_contains(part)
        .filter_map(|n| {
            let y = n.accesskit_node().bounding_box()?.y0;
            Some((y, n.accesskit_node().label()?.to_string()))
        })
        .collect();
    nodes.sort_by(|a, b| a.0.total_cmp(&b.0));
    nodes.into_iter().map(|(_, label)| label).collect()
}

#[test]
fn a_table_folder_shows_one_row_per_key_with_its_arrays() {
    let mut setup = setup(None);
    let harness = &mut setup.harness;
    open_recording_table(harness);
    for column in [
        "subject_id",
        "session",
        "sampling_rate",
        "spike_times",
        "waveform",
    ] {
        assert!(has_label(harness, column), "column {column}");
    }
    assert!(has_label(harness, "table demo_ephys.recording"));
    // The totals count the table's arrays (3 keys x 3 attributes), not the folder's files.
    step_until(harness, "the table's totals", |h| {
        has_label_containing(h, "9 arrays · ")
    });
    // Rows sort by key, numbers as numbers: mouse01/1, mouse01/2, mouse02/1.
    assert_eq!(
        labels_top_down(harness, ", 32) float32"),
        [
            "(300000, 32) float32 36.62 MiB",
            "(90000, 32) float32 10.99 MiB",
            "(60000, 32) float32 7.32 MiB"
        ]
    );
    // Sorting by an attribute sorts by its array's size.
    harness.get_by_label("waveform").click();
    step_until(harness, "rows sorted by waveform size", |h| {
        labels_top_down(h, ", 32) float32")
            .first()
            .is_some_and(|l| l.starts_with("(60000, 32)"))
    });
    // A cell selects its array: the details show its key.
    harness
        .get_by_label("(90000, 32) float32 10.99 MiB")
        .click();
    step_until(harness, "the session 2 waveform's details", |h| {
        has_label(h, "subject_id=mouse01, session=2")
    });
    // Arrow keys move down the same attribute column.
    harness.key_press(egui::Key::ArrowDown);
    step_until(harness, "the next row's waveform", |h| {
        has_label(h, "subject_id=mouse01, session=1")
    });
    // The filter works on rows too.
    harness.get_by_label("Filter:").click();
    harness
        .get_by_label("Filter:")
        .type_text("shape[0] > 100000");
    step_until(harness, "one row left", |h| {
        has_label(h, "1 of 3 rows, 2 key attributes, 3 array attributes")
    });
    harness.check_accessibility();
}

#[test]
fn the_files_switch_shows_the_key_folders() {
    let mut setup = setup(None);
    let harness = &mut setup.harness;
    open_recording_table(harness);
    harness.get_by_label("Files").click();
    step_until(harness, "the key folders", |h| {
        has_label(h, "subject_id=mouse01/") && has_label(h, "subject_id=mouse02/")
    });
    harness.get_by_label("DataJoint").click();
    step_until(harness, "the rows again", |h| {
        has_label_containing(h, "(300000, 32) float32")
    });
}

#[test]
fn the_filter_takes_dtype_shape_and_size_terms_and_explains_mistakes() {
    let mut setup = setup(None);
    let harness = &mut setup.harness;
    open_session(harness);
    harness.get_by_label("Filter:").click();
    harness
        .get_by_label("Filter:")
        .type_text("dtype:float32 ndim = 2 size>1MB");
    step_until(harness, "only the waveform left", |h| {
        has_label_containing(h, "1 array · ")
    });
    assert!(has_label_containing(harness, "waveform_"));
    assert!(!has_label_containing(harness, "spike_times_"));
    harness.get_by_label("Filter:").type_text(" ndim>x");
    step_until(harness, "the filter's error", |h| {
        has_label(h, "`ndim>x`: ndim needs a whole number, e.g. ndim=2")
    });
}

#[test]
fn a_broken_file_shows_its_error_in_the_details() {
    let work = tempfile::tempdir().expect("a temporary folder");
    let folder = work.path().join("data");
    std::fs::create_dir_all(&folder).expect("a folder");
    std::fs::write(
        folder.join("broken.npy"),
        b"\x93NUMPY\x01\x00\x10\x00{'descr': '<f4',",
    )
    .expect("a broken file");
    let mut options = options(work.path());
    options.open = Some(folder.join("broken.npy"));
    let mut harness = app(options);
    step_until(&mut harness, "the broken file's row", |h| {
        has_label(h, "broken.npy") && has_label(h, "error")
    });
    // The row says error; the details say which file and what is wrong with it.
    step_until(
        &mut harness,
        "the broken file's error in the details",
        |h| {
            h.query_all_by_label_contains("broken.npy: cannot parse the header")
                .next()
                .is_some()
        },
    );
    assert!(has_label(&harness, "error"));
}
