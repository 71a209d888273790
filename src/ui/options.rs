//! What the app starts with: the options a user (or the binary) sets, what it remembers from the
//! last run, and the seams only tests use.

use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::config::ConfigEnv;

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
    /// The download cache's folder; `None` for the usual one (`NPYSCOPE_CACHE_DIR` or the
    /// platform cache folder).
    pub cache_dir: Option<PathBuf>,
    /// The app's settings folder (stores added in the window); `None` for the usual one
    /// ([`crate::settings`]).
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
            cache_dir: None,
            settings_dir: None,
        }
    }
}

/// Seams the UI tests drive, kept out of [`AppOptions`]: the shipped app always runs with the
/// default (no gate, real dialogs). Given to [`crate::ui::App::with_test_hooks`].
#[doc(hidden)]
#[derive(Clone, Debug, Default)]
pub struct TestHooks {
    /// When set, data reads (Preview, Load, Memory-map) wait for a permit of this semaphore
    /// before they start: tests hold them open to see progress and cancel them deterministically.
    pub data_gate: Option<Arc<tokio::sync::Semaphore>>,
    /// A save dialog (export) answers this path instead of asking the user.
    pub save_path: Option<PathBuf>,
}

/// What survives a restart (eframe persistence): the last store and folder.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Persisted {
    /// Name of the store shown last.
    pub last_store: Option<String>,
    /// The folder (store-relative) shown last.
    pub last_prefix: String,
    /// Table folders show their files rather than the DataJoint view of their rows.
    pub files_view: bool,
}
