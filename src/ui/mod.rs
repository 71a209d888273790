//! The inspector window (eframe/egui): stores on the left, the files of one store level in the
//! centre, the selected array's metadata on the right, jobs and errors at the bottom.
//!
//! The UI only calls the core (config, store, array, jobs); the core never knows of it. Every
//! listing, header read and data read is a [`crate::jobs::Jobs`] job whose progress and end
//! request a repaint; each frame polls the job handles and never waits on I/O.
//!
//! The window is split into rooms (see `room.rs`): each owns one capability's state, starts its
//! own requests and takes their results, draws its own panels and emits `Command`s
//! that [`App`] routes between rooms. A new feature is a new room beside these:
//!
//! - `stores`: the stores panel, `datajoint.json`, the app's settings, the Add store dialog;
//! - `browser`: the level shown, its header queue, the files table with its filter and sort;
//! - `datajoint`: the DataJoint view of a table folder (its rows job, sort and table);
//! - `actions`: Preview, Load, Memory-map, what they produced, the plot panel, the download
//!   question, whether the selected array is cached;
//! - `open`: the File menu, its system dialogs and files dropped on the window;
//! - `status`: the jobs bar, notes and errors.

mod actions;
mod add_store;
mod app;
mod browser;
mod browser_ui;
mod command;
mod connect_database;
mod contents;
mod contents_ui;
mod database;
mod database_blobs;
mod database_ui;
mod datajoint;
mod datajoint_ui;
mod dialog;
mod download;
mod folder_sizes;
mod format;
mod headers;
mod open;
mod options;
mod panels;
mod plot;
mod rates;
mod requests;
mod room;
mod status;
mod stores;

pub use app::App;
#[doc(hidden)]
pub use options::TestHooks;
pub use options::{AppOptions, Persisted};

/// The window's title.
pub const TITLE: &str = "npyscope";

/// The window icon, `assets/icon.png` (drawn by `tools/make_icon.py`), built into the binary.
fn icon() -> Option<egui::IconData> {
    let decoder = png::Decoder::new(std::io::Cursor::new(include_bytes!(
        "../../assets/icon.png"
    )));
    let mut reader = decoder.read_info().ok()?;
    let mut rgba = vec![0; reader.output_buffer_size()?];
    let info = reader.next_frame(&mut rgba).ok()?;
    if info.color_type != png::ColorType::Rgba || info.bit_depth != png::BitDepth::Eight {
        return None;
    }
    rgba.truncate(info.buffer_size());
    Some(egui::IconData {
        rgba,
        width: info.width,
        height: info.height,
    })
}

/// Opens the window and runs it until it is closed.
pub fn run(options: AppOptions) -> anyhow::Result<()> {
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title(TITLE)
            .with_app_id("npyscope")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([640.0, 400.0])
            .with_icon(icon().unwrap_or_default()),
        ..eframe::NativeOptions::default()
    };
    eframe::run_native(
        TITLE,
        native,
        Box::new(move |cc| Ok(Box::new(App::new(cc, options)))),
    )
    .map_err(|err| anyhow::anyhow!("cannot open the window: {err}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_icon_decodes() {
        let icon = super::icon();
        assert!(
            icon.as_ref()
                .is_some_and(|i| i.width == 128 && i.rgba.len() == 128 * 128 * 4),
            "assets/icon.png must be a 128x128 RGBA PNG: {icon:?}"
        );
    }
}
