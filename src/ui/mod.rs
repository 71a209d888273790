//! The inspector window (eframe/egui): stores on the left, the files of one store level in the
//! centre, the selected array's metadata on the right, jobs and errors at the bottom.
//!
//! The UI only calls the core (config, store, array, jobs); the core never knows of it. Every
//! listing, header read and data read is a [`crate::jobs::Jobs`] job whose progress and end
//! request a repaint; each frame polls the job handles and never waits on I/O.

mod add_store;
mod app;
mod datajoint;
mod datajoint_ui;
mod format;
mod headers;
mod open;
mod panels;
mod plot;
mod requests;

use std::path::PathBuf;
use std::sync::Arc;

pub use app::{App, Persisted};

use crate::config::ConfigEnv;

/// The window's title.
pub const TITLE: &str = "npyscope";

/// What the app starts with: the runtime its jobs run on and where its stores come from.
#[derive(Clone)]
pub struct AppOptions {
    /// The tokio runtime owned by the binary (or a test); the app never builds one.
    pub runtime: tokio::runtime::Handle,
    /// Process inputs of config loading; stores come from `datajoint.json` found from
    /// `config_env.working_dir` upward.
    pub config_env: ConfigEnv,
    /// An explicit `datajoint.json` (`--config`) instead of searching.
    pub config_file: Option<PathBuf>,
    /// The demo store's folder, used as it is; `None` makes it (once) where
    /// [`crate::demo::ensure_demo_store`] puts it, in a background job.
    pub demo_dir: Option<PathBuf>,
    /// A folder or `.npy` file given on the command line: opened as an extra store (a file's
    /// folder is opened and the file selected).
    pub open: Option<PathBuf>,
    /// When set, data reads (Preview, Load) wait for a permit of this semaphore before they
    /// start: tests hold them open to see progress and cancel them deterministically.
    pub data_gate: Option<Arc<tokio::sync::Semaphore>>,
    /// The download cache's folder; `None` for the usual one (`NPYSCOPE_CACHE_DIR` or the
    /// platform cache folder). Tests pass their own.
    pub cache_dir: Option<PathBuf>,
    /// Tests: a save dialog (export) answers this path instead of asking the user.
    pub save_path: Option<PathBuf>,
    /// The app's settings folder (stores added in the window); `None` for the usual one
    /// ([`crate::settings`]). Tests pass their own.
    pub settings_dir: Option<PathBuf>,
}

impl std::fmt::Debug for AppOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppOptions")
            .field("config_file", &self.config_file)
            .field("demo_dir", &self.demo_dir)
            .field("open", &self.open)
            .finish_non_exhaustive()
    }
}

impl AppOptions {
    /// Options for this process: its environment and working folder, the usual demo store.
    pub fn from_process(runtime: tokio::runtime::Handle) -> AppOptions {
        AppOptions {
            runtime,
            config_env: ConfigEnv::from_process(),
            config_file: None,
            demo_dir: None,
            open: None,
            data_gate: None,
            cache_dir: None,
            save_path: None,
            settings_dir: None,
        }
    }
}

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
