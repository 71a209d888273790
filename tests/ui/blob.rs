//! DataJoint blobs in the window: the demo store's `<blob@>` objects under `_hash/demo_ephys` list with shape and
//! dtype, preview and load through the same array path as `.npy` files; a compressed blob is not offered for
//! memory-mapping.

use egui_kittest::kittest::{NodeT, Queryable};

use crate::common::*;

/// The name of the demo's `<blob@>` object whose array has `shape`, compressed or not (names are MD5s of the
/// packed bytes, so they follow the zlib backend's output: found by reading the headers).
fn demo_blob(shape: &[u64], compressed: bool) -> String {
    let folder = demo_dir().join("_hash/demo_ephys");
    let entries = std::fs::read_dir(&folder).expect("the demo's _hash folder");
    for entry in entries {
        let path = entry.expect("a demo blob").path();
        let bytes = std::fs::read(&path).expect("a demo blob's bytes");
        let Ok(header) = npyscope::blob::read_header(&bytes, Some(bytes.len() as u64)) else {
            continue;
        };
        if let npyscope::blob::BlobKind::Array(array) = &header.kind
            && array.shape == shape
            && header.compression.is_some() == compressed
        {
            return path
                .file_name()
                .expect("a name")
                .to_string_lossy()
                .into_owned();
        }
    }
    panic!("no demo blob of shape {shape:?} (compressed: {compressed})");
}

#[test]
fn hash_blobs_preview_and_load_like_npy_arrays() {
    let mut setup = setup(None);
    let harness = &mut setup.harness;
    // The (1000, 2) float32 pupil trace of session 1, zlib-compressed as DataJoint packs it; the (4,) int64 trial
    // times of the shortest session, small, so stored uncompressed.
    let (compressed, plain) = (demo_blob(&[1000, 2], true), demo_blob(&[4], false));
    demo_top(harness);
    step_until(harness, "the Demo store's _hash folder", |h| {
        has_label(h, "_hash/")
    });
    open_folder(harness, "_hash/", "demo_ephys/");
    open_folder(harness, "demo_ephys/", &compressed);
    step_until(harness, "the blobs' headers", |h| has_label(h, "(1000, 2)"));

    harness.get_by_label_contains(&compressed).click();
    step_until(harness, "the blob's details", |h| has_label(h, "dj-blob"));
    assert!(
        harness
            .query_all_by_label("Memory-map")
            .any(|n| n.accesskit_node().is_disabled()),
        "a compressed blob is loaded, not mapped"
    );
    harness.get_by_label("Preview").click();
    step_until(harness, "the blob previewed", |h| {
        has_label_containing(h, "Preview rows 0-1,000 of 1,000")
    });
    harness.get_by_label("Load").click();
    step_until(harness, "the blob loaded", |h| has_label(h, "Loaded"));

    harness.get_by_label_contains(&plain).click();
    step_until(harness, "the plain blob's details", |h| {
        has_label(h, "(4,)")
    });
    harness.get_by_label("Preview").click();
    step_until(harness, "the plain blob previewed", |h| {
        has_label_containing(h, "Preview rows 0-4 of 4")
    });
    harness.check_accessibility();
}

/// A folder store with two blobs DataJoint packed (tests/fixtures/blob): a 1×1 struct (`x`: 5 float64, `name`:
/// text) and a dict of mixed items.
fn struct_store() -> (tempfile::TempDir, std::path::PathBuf) {
    let work = tempfile::tempdir().expect("a temporary folder");
    let lab = work.path().join("store/_hash/lab");
    std::fs::create_dir_all(&lab).expect("_hash/lab");
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/blob");
    for (from, to) in [
        ("struct_1x1.blob", "structblob"),
        ("dict_mixed.blob", "dictblob"),
    ] {
        std::fs::copy(fixtures.join(from), lab.join(to)).expect("a fixture blob");
    }
    let store = work.path().join("store");
    (work, store)
}

#[test]
fn a_struct_blob_shows_its_tree_and_plots_a_numeric_leaf() {
    let (work, store) = struct_store();
    let mut options = options(work.path());
    options.open = Some(store);
    let harness = &mut app(options);
    step_until(harness, "the store listed", |h| has_label(h, "_hash/"));
    open_folder(harness, "_hash/", "lab/");
    open_folder(harness, "lab/", "structblob");
    step_until(harness, "what the blobs hold", |h| {
        has_label_containing(h, "blob · struct")
    });

    harness.get_by_label("structblob").click();
    step_until(harness, "the struct's tree", |h| {
        has_label_containing(h, "struct 1×1 · x, name")
            && has_label_containing(h, "x: float64 array 5")
    });
    assert!(has_label_containing(harness, "name: \"trial\""));
    harness.get_by_label("Plot").click();
    step_until(harness, "the leaf plotted", |h| {
        has_label_containing(h, "structblob/x: (5,) float64")
    });

    // Another blob: its own tree.
    harness.get_by_label("dictblob").click();
    step_until(harness, "the dict's tree", |h| {
        has_label_containing(h, "dict · 6 keys")
    });
    assert!(has_label_containing(harness, "arr: int32 array 4"));
    drop(work);
}
