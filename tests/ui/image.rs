//! The image view: the demo's image stack previewed as an image, a slider per other axis, and
//! the shown frame exported as `.npy` (through the save-dialog test hook) byte for byte.

use std::path::{Path, PathBuf};

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use npyscope::array::ArrayRef;
use npyscope::config::StoreSpec;
use npyscope::jobs::{CancellationToken, Progress};
use npyscope::ui::{App, TestHooks};

use crate::common::*;

/// The app as [`setup`] makes it, opened at `open` (a file is selected), with the save dialog
/// answering `save_path`.
fn setup_saving_to(open: PathBuf, save_path: PathBuf) -> Setup {
    let work = tempfile::tempdir().expect("a temporary folder");
    let mut options = options(work.path());
    options.open = Some(open);
    let hooks = TestHooks {
        save_path: Some(save_path),
        ..TestHooks::default()
    };
    let harness = app_with(options, hooks);
    Setup {
        harness,
        _work: work,
    }
}

/// The demo store's path (relative to its folder) of the first file whose name starts with `prefix`.
fn demo_file(prefix: &str) -> String {
    fn visit(dir: &Path, prefix: &str) -> Option<PathBuf> {
        for entry in std::fs::read_dir(dir).ok()? {
            let path = entry.ok()?.path();
            if path.is_dir() {
                if let Some(found) = visit(&path, prefix) {
                    return Some(found);
                }
            } else if path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
            {
                return Some(path);
            }
        }
        None
    }
    let found = visit(demo_dir(), prefix).expect("the demo file");
    found
        .strip_prefix(demo_dir())
        .expect("inside the demo folder")
        .to_string_lossy()
        .replace('\\', "/")
}

/// The slider labelled `label`.
fn slider<'h>(harness: &'h Harness<'_, App>, label: &'h str) -> Option<egui_kittest::Node<'h>> {
    harness
        .query_all_by_label(label)
        .find(|n| n.accesskit_node().role() == Role::Slider)
}

/// `A..B` of the first label `Exported rows A..B to ...`.
fn exported_rows(harness: &Harness<'_, App>) -> Option<std::ops::Range<u64>> {
    let label = harness
        .query_all_by_label_contains("Exported rows ")
        .find_map(|n| {
            let node = n.accesskit_node();
            node.value().or_else(|| node.label())
        })?;
    let rest = label.split("Exported rows ").nth(1)?;
    let (range, _) = rest.split_once(" to ")?;
    let (a, b) = range.split_once("..")?;
    Some(a.parse().ok()?..b.parse().ok()?)
}

#[test]
fn image_stack_slider_moves_and_the_frame_exports() {
    let out_dir = tempfile::tempdir().expect("a temporary folder");
    let out = out_dir.path().join("frame.npy");
    let stack = demo_dir().join(demo_file("frames_"));
    let mut setup = setup_saving_to(stack, out.clone());
    let harness = &mut setup.harness;

    step_until(harness, "the stack selected", |h| {
        has_label(h, "Preview") && has_label_containing(h, "(60, 128, 128)")
    });
    harness.get_by_label("Preview").click();
    step_until(harness, "the Image mode button", |h| has_label(h, "Image"));
    harness.get_by_label("Image").click();
    step_until(harness, "the image controls", |h| {
        slider(h, "Axis 0").is_some() && has_label(h, "0 / 60")
    });
    assert!(has_label(harness, "Colormap"));
    assert!(has_label(harness, "Rows axis"));
    assert!(has_label(harness, "Columns axis"));
    assert!(has_label(harness, "128 x 128 values"));
    assert!(
        !has_label_containing(harness, "Cannot draw"),
        "a uint16 stack draws"
    );

    // Frame 5 of 60.
    slider(harness, "Axis 0")
        .expect("the Axis 0 slider")
        .set_value_accesskit(5.0);
    step_until(harness, "the slider at frame 5", |h| has_label(h, "5 / 60"));
    assert!(!has_label(harness, "0 / 60"));
    harness.check_accessibility();

    // Hovering the image reads the value under the pointer (the plot lies between the slider
    // and the size note below it; the square image is centred in it).
    let top = slider(harness, "Axis 0")
        .expect("the slider")
        .rect()
        .bottom();
    let below = harness.get_by_label("128 x 128 values").rect();
    let y = (top + below.top()) / 2.0;
    let mut x = below.left() + 20.0;
    while x < 1400.0 && !has_label_containing(harness, ", col ") {
        harness.hover_at(egui::pos2(x, y));
        harness.step();
        harness.step();
        x += 40.0;
    }
    assert!(
        has_label_containing(harness, ", col "),
        "hovering the image names a row, a column and a value"
    );

    // Export .npy: the save dialog's test hook answers `out`.
    step_until(harness, "the export buttons", |h| {
        has_label(h, "Export .npy")
    });
    harness.get_by_label("Export .npy").click();
    step_until(harness, "the export's note", |h| exported_rows(h).is_some());
    let rows = exported_rows(harness).expect("the exported rows");
    assert_eq!(rows, 5..6, "the shown frame is exported");

    // The file holds exactly those rows, as the library reads them from the store.
    let written = std::fs::read(&out).expect("the exported file");
    let meta = npyscope::npy::parse_header(&written).expect("a .npy header");
    let store =
        npyscope::store::open_shared(StoreSpec::local_folder(demo_dir())).expect("the demo store");
    let array = runtime()
        .block_on(ArrayRef::open(store, &demo_file("frames_")))
        .expect("the stack");
    let (read, expected) = runtime()
        .block_on(array.read_rows(
            rows.clone(),
            &Progress::new(None),
            &CancellationToken::new(),
        ))
        .expect("the rows");
    assert_eq!(read, rows);
    assert_eq!(meta.shape, expected.shape());
    assert_eq!(meta.dtype, *expected.dtype());
    assert!(!meta.fortran_order);
    assert_eq!(&written[meta.data_offset as usize..], expected.bytes());
}
