//! DataJoint blobs in the window: the demo store's `<blob@>` objects under `_hash/demo_ephys` list with shape and
//! dtype, preview and load through the same array path as `.npy` files; a compressed blob is not offered for
//! memory-mapping.

use egui_kittest::kittest::{NodeT, Queryable};

use crate::common::*;

/// The demo's (1000, 2) float32 pupil trace of session 1: zlib-compressed, as DataJoint packs it.
const COMPRESSED: &str = "2iigzugyhk47e424cf2gsnh2ka";
/// The demo's (4,) int64 trial times of the shortest session: small, so stored uncompressed.
const PLAIN: &str = "crinq25e274yymffhrp3d464ua";

#[test]
fn hash_blobs_preview_and_load_like_npy_arrays() {
    let mut setup = setup(None);
    let harness = &mut setup.harness;
    step_until(harness, "the Demo store listed", |h| has_label(h, "_hash/"));
    open_folder(harness, "_hash/", "demo_ephys/");
    open_folder(harness, "demo_ephys/", COMPRESSED);
    step_until(harness, "the blobs' headers", |h| has_label(h, "(1000, 2)"));

    harness.get_by_label_contains(COMPRESSED).click();
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

    harness.get_by_label_contains(PLAIN).click();
    step_until(harness, "the plain blob's details", |h| {
        has_label(h, "(4,)")
    });
    harness.get_by_label("Preview").click();
    step_until(harness, "the plain blob previewed", |h| {
        has_label_containing(h, "Preview rows 0-4 of 4")
    });
    harness.check_accessibility();
}
