//! Opening things: the File menu (a file, a folder, a `datajoint.json`, Add store…, Quit),
//! Ctrl+O, files and folders dropped on the window, the app's own settings (stores added in
//! the window), and the question asked before a big remote array is downloaded.
//!
//! System dialogs (rfd) block, so each runs in a job on a blocking thread, like the stores
//! panel's "Open folder…".

use std::path::{Path, PathBuf};

use super::add_store::AddStoreDialog;
use super::app::{App, Command, SlotState, StoreSlot};
use super::format;
use super::requests::{JobRow, Request, take_done};
use crate::config::Config;
use crate::jobs::JobError;
use crate::settings::Settings;

/// What the File menu, the stores panel or a drop asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum OpenAction {
    /// Show the Add store dialog.
    AddStore,
    /// Ask the system for a `.npy` file and open it.
    File,
    /// Ask the system for a folder and open it.
    Folder,
    /// Ask the system for a `datajoint.json` and add its stores.
    Config,
    /// Open this path (dropped on the window): a `.json` as a DataJoint config, anything else
    /// as a folder or `.npy` file.
    Path(PathBuf),
}

/// A data read that downloads a remote array.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DataAction {
    /// Load into memory.
    Load,
    /// Memory-map (a remote array through the download cache).
    MemoryMap,
}

/// What a system dialog was asked to pick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pick {
    File,
    Folder,
    Config,
}

/// The question asked before a big remote array is downloaded.
struct Confirm {
    action: DataAction,
    /// The array's path (the selection it was asked for).
    path: String,
    store: String,
    bytes: u64,
    /// The download cache's folder.
    cache_dir: Option<PathBuf>,
    /// Measures the free space of the cache's file system (and whether a copy is cached).
    check_job: Option<Request<(), Check>>,
    /// Free space once measured (`Some(None)`: unknown); the question shows from then on.
    free: Option<Option<u64>>,
}

/// What is measured before the download question is shown.
struct Check {
    /// Bytes free where the cache is, when it can be told.
    free: Option<u64>,
    /// A valid copy is in the download cache already (Memory-map then needs no download).
    cached: bool,
}

/// The state behind the File menu, the Add store dialog and the download question.
#[derive(Default)]
pub(crate) struct OpenState {
    /// The app's settings as loaded (plus the stores added since).
    pub settings: Settings,
    /// Where they are kept (`None`: no home folder).
    settings_dir: Option<PathBuf>,
    /// The settings file could not be read: it is never overwritten this session.
    settings_unreadable: bool,
    /// The Add store dialog, while shown.
    pub add_store: Option<AddStoreDialog>,
    pick_job: Option<Request<Pick, Option<PathBuf>>>,
    config_job: Option<Request<PathBuf, Result<Config, String>>>,
    save_job: Option<Request<(), Result<(), String>>>,
    confirm: Option<Confirm>,
}

impl OpenState {
    /// The running jobs of this state, for the jobs panel.
    pub(crate) fn job_rows(&self) -> Vec<JobRow> {
        let mut rows = Vec::new();
        if let Some(r) = &self.pick_job {
            rows.push(JobRow::of(r));
        }
        if let Some(r) = &self.config_job {
            rows.push(JobRow::of(r));
        }
        if let Some(r) = &self.save_job {
            rows.push(JobRow::of(r));
        }
        if let Some(r) = self.confirm.as_ref().and_then(|c| c.check_job.as_ref()) {
            rows.push(JobRow::of(r));
        }
        if let Some(dialog) = &self.add_store {
            rows.extend(dialog.job_rows());
        }
        rows
    }

    /// Cancels the job numbered `id` if it is one of these.
    pub(crate) fn cancel(&mut self, id: u64) {
        cancel_if(self.pick_job.as_ref(), id);
        cancel_if(self.config_job.as_ref(), id);
        cancel_if(self.save_job.as_ref(), id);
        cancel_if(self.confirm.as_ref().and_then(|c| c.check_job.as_ref()), id);
        if let Some(dialog) = &self.add_store {
            dialog.cancel(id);
        }
    }
}

/// Cancels `request` if it is the job numbered `id`.
pub(crate) fn cancel_if<K, T>(request: Option<&Request<K, T>>, id: u64) {
    if let Some(r) = request
        && r.handle.id() == id
    {
        r.handle.cancel();
    }
}

impl App {
    /// Reads the settings (small, at start) and adds the stores saved there; a broken file
    /// goes to the status bar and is left as it is.
    pub(crate) fn load_settings(&mut self) {
        let dir = self.options.settings_dir.clone().or_else(Settings::dir);
        self.open_state.settings_dir = dir.clone();
        let settings = match Settings::load_from(dir.as_deref()) {
            Ok(settings) => settings,
            Err(err) => {
                self.open_state.settings_unreadable = true;
                return self.error(err.to_string());
            }
        };
        let working_dir = self.options.config_env.working_dir.clone();
        for saved in &settings.stores {
            match saved.to_spec(None, &working_dir) {
                Ok(spec) => self.add_store(Ok(spec)),
                Err(err) => self.stores.push(StoreSlot {
                    name: saved.name.clone(),
                    protocol: format!("{:?}", saved.protocol).to_lowercase(),
                    location: String::new(),
                    state: SlotState::Failed(err),
                }),
            }
        }
        self.open_state.settings = settings;
    }

    /// Saves the settings in a background job (errors go to the status bar).
    pub(crate) fn save_settings(&mut self) {
        if self.open_state.settings_unreadable {
            return self.error(
                "the settings were not saved because the settings file could not be read; fix or delete it, then add the store again",
            );
        }
        let Some(dir) = self.open_state.settings_dir.clone() else {
            return self
                .error("the settings were not saved: there is no settings folder (set HOME)");
        };
        let settings = self.open_state.settings.clone();
        let job = self.jobs.spawn("Saving settings", move |_, _| async move {
            tokio::task::spawn_blocking(move || settings.save(&dir).map_err(|e| e.to_string()))
                .await
                .map_err(|e| e.to_string())?
        });
        self.open_state.save_job = Some(Request::new((), job));
    }

    /// Takes the results of this module's jobs; called at the start of each frame's polling.
    pub(crate) fn poll_open(&mut self) {
        if let Some((pick, outcome)) = take_done(&mut self.open_state.pick_job) {
            match outcome {
                Ok(Some(path)) => match pick {
                    Pick::Config => self.open_config(path),
                    Pick::File | Pick::Folder => self.open_any(path),
                },
                Ok(None) | Err(JobError::Cancelled) => {}
                Err(err) => self.error(format!("choosing a file: {err}")),
            }
        }
        if let Some((path, outcome)) = take_done(&mut self.open_state.config_job) {
            match outcome.map_err(|e| e.to_string()).and_then(|r| r) {
                Ok(config) => self.apply_config(config),
                Err(err) => self.error(format!("{}: {err}", path.display())),
            }
        }
        if let Some(((), outcome)) = take_done(&mut self.open_state.save_job)
            && let Err(err) = outcome.map_err(|e| e.to_string()).and_then(|r| r)
        {
            self.error(err);
        }
        if let Some(confirm) = &mut self.open_state.confirm
            && let Some(((), outcome)) = take_done(&mut confirm.check_job)
        {
            match outcome {
                // Mapping a cached copy downloads nothing: no question.
                Ok(check) if check.cached && confirm.action == DataAction::MemoryMap => {
                    let path = confirm.path.clone();
                    self.open_state.confirm = None;
                    if self.selected.as_deref() == Some(path.as_str()) {
                        self.start_data(DataAction::MemoryMap);
                    }
                }
                Ok(check) => confirm.free = Some(check.free),
                Err(_) => confirm.free = Some(None),
            }
        }
        self.poll_add_store();
    }

    /// Applies a File-menu, stores-panel or drop action.
    pub(crate) fn apply_open(&mut self, action: OpenAction) {
        match action {
            OpenAction::AddStore => {
                if self.open_state.add_store.is_none() {
                    self.open_state.add_store = Some(AddStoreDialog::default());
                }
            }
            OpenAction::File => self.pick(Pick::File),
            OpenAction::Folder => self.pick(Pick::Folder),
            OpenAction::Config => self.pick(Pick::Config),
            OpenAction::Path(path) => {
                if path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("json"))
                {
                    self.open_config(path);
                } else {
                    self.open_any(path);
                }
            }
        }
    }

    /// Asks the system for a file or folder (in a job: the dialog blocks).
    fn pick(&mut self, pick: Pick) {
        if self.open_state.pick_job.is_some() {
            return;
        }
        let label = match pick {
            Pick::File => "Choosing a .npy file",
            Pick::Folder => "Choosing a folder",
            Pick::Config => "Choosing a datajoint.json",
        };
        let job = self.jobs.spawn(label, move |_, _| async move {
            tokio::task::spawn_blocking(move || {
                let dialog = rfd::FileDialog::new();
                match pick {
                    Pick::File => dialog
                        .set_title("Open a .npy file")
                        .add_filter("NumPy arrays", &["npy"])
                        .pick_file(),
                    Pick::Folder => dialog
                        .set_title("Open a folder of .npy files")
                        .pick_folder(),
                    Pick::Config => dialog
                        .set_title("Open a DataJoint config")
                        .add_filter("DataJoint config", &["json"])
                        .pick_file(),
                }
            })
            .await
            .ok()
            .flatten()
        });
        self.open_state.pick_job = Some(Request::new(pick, job));
    }

    /// Opens a folder or `.npy` file as a store and shows it once open.
    fn open_any(&mut self, path: PathBuf) {
        let target = self.open_path(&path);
        self.show_when_open = Some(target);
    }

    /// Reads a `datajoint.json` in a job and adds its stores.
    fn open_config(&mut self, path: PathBuf) {
        let env = self.options.config_env.clone();
        let file = path.clone();
        let label = format!("Reading {}", path.display());
        let job = self.jobs.spawn(label, move |_, _| async move {
            tokio::task::spawn_blocking(move || {
                Config::from_file(&file, &env).map_err(|e| e.to_string())
            })
            .await
            .map_err(|e| e.to_string())?
        });
        self.open_state.config_job = Some(Request::new(path, job));
    }

    /// Load or Memory-map of the selected array: at once for a local or small array, else
    /// after the user confirms the download.
    pub(crate) fn confirm_download(&mut self, action: DataAction) {
        let Ok(array) = self.selected_array() else {
            // Let the action report why it cannot run.
            return self.start_data(action);
        };
        let bytes = array.object().size;
        if array.store().is_local() || bytes <= self.open_state.settings.confirm_download_bytes {
            return self.start_data(action);
        }
        let cache_dir = self
            .options
            .cache_dir
            .clone()
            .or_else(|| std::env::var_os(crate::cache::CACHE_DIR_ENV).map(PathBuf::from))
            .or_else(crate::cache::Cache::default_dir);
        let dir = cache_dir.clone();
        let shared = std::sync::Arc::clone(&self.cache);
        let cache_option = self.options.cache_dir.clone();
        let store = std::sync::Arc::clone(array.store());
        let object = array.object().clone();
        let mapping = action == DataAction::MemoryMap;
        let job = self
            .jobs
            .spawn("Checking free disk space", move |_, _| async move {
                tokio::task::spawn_blocking(move || {
                    let cached = mapping
                        && super::app::shared_cache(&shared, cache_option)
                            .is_ok_and(|cache| cache.lookup(&store, &object).is_some());
                    Check {
                        free: dir.as_deref().and_then(free_space),
                        cached,
                    }
                })
                .await
                .unwrap_or(Check {
                    free: None,
                    cached: false,
                })
            });
        self.open_state.confirm = Some(Confirm {
            action,
            path: array.path().to_string(),
            store: array.store_name().to_string(),
            bytes,
            cache_dir,
            check_job: Some(Request::new((), job)),
            free: None,
        });
    }

    fn start_data(&mut self, action: DataAction) {
        match action {
            DataAction::Load => self.start_load(),
            DataAction::MemoryMap => self.start_mmap(),
        }
    }

    /// The top menu bar, and Ctrl+O.
    pub(crate) fn menu_ui(&mut self, ui: &mut egui::Ui) {
        let open_shortcut = egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::O);
        let modal = self.open_state.add_store.is_some() || self.open_state.confirm.is_some();
        if !modal && ui.input_mut(|i| i.consume_shortcut(&open_shortcut)) {
            self.commands.push(Command::Open(OpenAction::File));
        }
        let shortcut_text = ui.ctx().format_shortcut(&open_shortcut);
        let mut actions = Vec::new();
        egui::Panel::top("menu").show(ui, |ui| {
            egui::MenuBar::new().ui(ui, |ui| {
                ui.menu_button("File", |ui| {
                    let open_file = ui
                        .add(egui::Button::new("Open file…").shortcut_text(shortcut_text))
                        .on_hover_text("Open a .npy file: its folder is shown with it selected");
                    if open_file.clicked() {
                        actions.push(OpenAction::File);
                    }
                    if ui
                        .button("Open folder…")
                        .on_hover_text("Open a local folder of .npy files as a store")
                        .clicked()
                    {
                        actions.push(OpenAction::Folder);
                    }
                    if ui
                        .button("Open datajoint.json…")
                        .on_hover_text("Add the stores of a DataJoint config file")
                        .clicked()
                    {
                        actions.push(OpenAction::Config);
                    }
                    if ui
                        .button("Add store…")
                        .on_hover_text("Add a local folder or an S3 bucket as a store")
                        .clicked()
                    {
                        actions.push(OpenAction::AddStore);
                    }
                    ui.separator();
                    if ui.button("Quit").clicked() {
                        ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
                    }
                });
            });
        });
        self.commands.extend(actions.into_iter().map(Command::Open));
    }

    /// The dialogs over the panels, files dropped on the window, and the drop overlay.
    pub(crate) fn dialogs_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let (hovering, dropped) = ctx.input(|i| {
            (
                !i.raw.hovered_files.is_empty(),
                i.raw
                    .dropped_files
                    .iter()
                    .map(|f| f.path().to_path_buf())
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect::<Vec<_>>(),
            )
        });
        for path in dropped {
            self.commands.push(Command::Open(OpenAction::Path(path)));
        }
        if hovering {
            drop_overlay(&ctx);
        }
        self.add_store_ui(&ctx);
        self.confirm_ui(&ctx);
    }

    fn confirm_ui(&mut self, ctx: &egui::Context) {
        // Shown once the free space is measured (a cached copy to map needs no question).
        let Some(confirm) = self
            .open_state
            .confirm
            .as_ref()
            .filter(|c| c.free.is_some())
        else {
            return;
        };
        let mut answer = None;
        egui::Modal::new(egui::Id::unique("confirm_download")).show(ctx, |ui| {
            ui.set_max_width(460.0);
            let name = format::file_name(&confirm.path);
            ui.heading(format!("Download {name}?"));
            ui.label(format!(
                "{} will be downloaded from store {}.",
                format::bytes(confirm.bytes),
                confirm.store
            ));
            let place = match &confirm.cache_dir {
                Some(dir) => format!("the download cache ({})", dir.display()),
                None => "the download cache".to_string(),
            };
            match confirm.free {
                None | Some(None) => {
                    ui.label(format!("Free space where {place} is: unknown"));
                }
                Some(Some(free)) => {
                    let text = format!("Free space where {place} is: {}", format::bytes(free));
                    if free < confirm.bytes {
                        ui.colored_label(
                            ui.visuals().error_fg_color,
                            format!("{text} — not enough; free some space or clear the cache"),
                        );
                    } else {
                        ui.label(text);
                    }
                }
            }
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                if ui.button("Download").clicked() {
                    answer = Some(true);
                }
                if ui.button("Cancel").clicked() {
                    answer = Some(false);
                }
            });
            if ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                answer = Some(false);
            }
        });
        match answer {
            Some(true) => {
                if let Some(confirm) = self.open_state.confirm.take()
                    && self.selected.as_deref() == Some(confirm.path.as_str())
                {
                    self.start_data(confirm.action);
                }
            }
            Some(false) => {
                if let Some(confirm) = self.open_state.confirm.take() {
                    self.note = Some(format!(
                        "Download of {} cancelled",
                        format::file_name(&confirm.path)
                    ));
                }
            }
            None => {}
        }
    }
}

/// A dimmed window with a note while files are dragged over it.
fn drop_overlay(ctx: &egui::Context) {
    let painter = ctx.layer_painter(egui::LayerId::new(
        egui::Order::Foreground,
        egui::Id::unique("drop_overlay"),
    ));
    let rect = ctx.content_rect();
    painter.rect_filled(rect, 0.0, egui::Color32::from_black_alpha(170));
    painter.text(
        rect.center(),
        egui::Align2::CENTER_CENTER,
        "Drop a .npy file, a folder or a datajoint.json to open it",
        egui::FontId::proportional(22.0),
        egui::Color32::WHITE,
    );
}

/// Bytes free for unprivileged users on the file system of `dir` (or of its nearest existing
/// parent, as the cache folder may not exist yet); `None` when it cannot be told.
#[cfg(unix)]
fn free_space(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let mut dir = dir;
    while !dir.exists() {
        dir = match dir.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            Some(_) => Path::new("."),
            None => return None,
        };
    }
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: `statvfs` is a plain C struct for which all-zero bytes are a valid value.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `path` is a NUL-terminated string and `stat` a valid, writable struct; both
    // outlive the call.
    let rc = unsafe { libc::statvfs(path.as_ptr(), &mut stat) };
    if rc != 0 {
        return None;
    }
    #[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
    let (blocks, block_size) = (stat.f_bavail as u64, stat.f_frsize as u64);
    blocks.checked_mul(block_size)
}

/// Free space is not measured on this platform.
#[cfg(not(unix))]
fn free_space(_dir: &Path) -> Option<u64> {
    None
}
