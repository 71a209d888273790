//! The stores room: the stores panel on the left and everything that adds a store to it — the
//! demo store, the command line's path, `datajoint.json` (found at start or opened from the
//! File menu), the stores saved in the app's settings, "Open folder…" and the Add store dialog —
//! each opened in the background, and the choice of the store shown first.
//!
//! Showing a store is the browser's: this room emits [`Command::Show`] once the store to show
//! is open.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui::RichText;

use super::add_store::{AddStoreDialog, DialogAction};
use super::command::{Command, OpenAction, Place};
use super::options::Persisted;
use super::requests::{JobRow, Request, cancel_if, flatten, take_done};
use super::room::Cx;
use crate::config::{Config, StoreSpec};
use crate::settings::{SavedDatabase, Settings};
use crate::store::{self, Store};

/// Name of the built-in store.
pub(crate) const DEMO_NAME: &str = "Demo";

/// A store in the left panel.
pub(crate) struct StoreSlot {
    /// Its name (`Demo` for the built-in one).
    pub name: String,
    /// `file`, `s3`, `gcs`, `azure`.
    pub protocol: String,
    /// Where it points, for the tooltip.
    pub location: String,
    /// Opening, open, or why it cannot be used.
    pub state: SlotState,
}

/// Where a store stands.
pub(crate) enum SlotState {
    /// Being opened (the demo store: also being made).
    Opening(Request<(), Result<Arc<Store>, String>>),
    /// Open and browsable.
    Ready(Arc<Store>),
    /// Unusable, with the library's words.
    Failed(String),
}

/// The stores room's state; see the [module documentation](self).
#[derive(Default)]
pub(crate) struct StoresRoom {
    /// The stores, in the panel's order (the demo store first).
    pub slots: Vec<StoreSlot>,
    /// Finds and reads `datajoint.json` at start.
    config_job: Option<Request<(), Result<Config, String>>>,
    /// `datajoint.json` used, or why none could be.
    pub config_note: Option<String>,
    /// Reads a `datajoint.json` opened from the File menu or dropped on the window.
    config_file_job: Option<Request<PathBuf, Result<Config, String>>>,
    /// "Open folder…" of the stores panel: the folder the system dialog returns.
    folder_job: Option<Request<(), Option<PathBuf>>>,
    /// A store to show once it is open (one the user just opened or added).
    show_when_open: Option<Place>,
    /// Where the path argument's store is shown first (its folder, the file to select).
    open_place: Place,
    /// The first store was chosen (once every store at start is open or failed).
    chose_store: bool,
    /// The stores `datajoint.json` names, its default store first: shown first when no
    /// other store was asked for.
    configured: Vec<String>,
    /// A configured store the path argument (`STORE:PATH`) already opened: not added twice.
    argument_store: Option<String>,
    /// The app's settings as loaded (plus the stores added since).
    settings: Settings,
    /// Where they are kept (`None`: no home folder).
    settings_dir: Option<PathBuf>,
    /// The settings file could not be read: it is never overwritten this session.
    settings_unreadable: bool,
    /// Saves the settings after a store was added.
    save_job: Option<Request<(), Result<(), String>>>,
    /// The Add store dialog, while shown.
    pub add_store: Option<AddStoreDialog>,
}

impl StoresRoom {
    /// Starts the demo store, the store of a path argument, the saved stores and config
    /// discovery.
    pub(crate) fn start(&mut self, cx: &mut Cx<'_>) {
        let demo_dir = cx.options().demo_dir.clone();
        let demo = cx
            .jobs()
            .spawn("Opening the demo store", move |_, _| async move {
                tokio::task::spawn_blocking(move || {
                    let dir = match demo_dir {
                        Some(dir) => dir,
                        None => crate::demo::ensure_demo_store().map_err(|e| e.to_string())?,
                    };
                    let mut spec = StoreSpec::local_folder(&dir);
                    spec.name = DEMO_NAME.to_string();
                    store::open_shared(spec).map_err(|e| e.to_string())
                })
                .await
                .map_err(|e| format!("the demo store could not be made: {e}"))?
            });
        self.slots.push(StoreSlot {
            name: DEMO_NAME.to_string(),
            protocol: "file".to_string(),
            location: "built-in demo data".to_string(),
            state: SlotState::Opening(Request::new((), demo)),
        });

        if let Some(path) = cx.options().open.clone() {
            self.open_place = self.open_path(cx, &path);
        }
        // The stores added in the window (after the path argument's: see choose_first_store).
        self.load_settings(cx);

        let env = cx.options().config_env.clone();
        let explicit = cx.options().config_file.clone();
        let job = cx
            .jobs()
            .spawn("Reading datajoint.json", move |_, _| async move {
                tokio::task::spawn_blocking(move || {
                    Config::load(explicit.as_deref(), &env).map_err(|e| e.to_string())
                })
                .await
                .map_err(|e| e.to_string())?
            });
        self.config_job = Some(Request::new((), job));
    }

    /// Opens a folder or `.npy` file as a store: a file's folder, the file to be selected once
    /// listed. A path inside a DataJoint store (below `_schema`) opens the whole store at that
    /// folder, so its arrays keep their schema, table and key. A `STORE:PATH` that is no local
    /// path opens the configured store at that path. Returns where to show it.
    pub(crate) fn open_path(&mut self, cx: &mut Cx<'_>, path: &Path) -> Place {
        let config = if path.exists() {
            Config::default()
        } else {
            let options = cx.options();
            Config::load(options.config_file.as_deref(), &options.config_env).unwrap_or_default()
        };
        let resolved = store::target::resolve(&path.to_string_lossy(), &config);
        if let Ok(target) = &resolved
            && config.store_names().contains(&target.spec.name)
        {
            self.argument_store = Some(target.spec.name.clone());
        }
        let (spec, prefix, file) = match resolved {
            Ok(target) => {
                let (prefix, file) = if store::is_npy(&target.path) {
                    match target.path.rsplit_once('/') {
                        Some((folder, name)) => (folder.to_string(), Some(name.to_string())),
                        None => (String::new(), Some(target.path.clone())),
                    }
                } else {
                    (target.path.clone(), None)
                };
                (target.spec, prefix, file)
            }
            Err(_) => {
                let (folder, file) = split_open_path(path);
                (StoreSpec::local_folder(&folder), String::new(), file)
            }
        };
        self.add_store(cx, Ok(spec));
        Place {
            store: self.slots.len() - 1,
            prefix,
            select: file,
            restored: false,
        }
    }

    /// Opens a folder or `.npy` file as a store and shows it once open.
    pub(crate) fn open_any(&mut self, cx: &mut Cx<'_>, path: &Path) {
        let place = self.open_path(cx, path);
        self.show_when_open = Some(place);
    }

    /// Adds a store and starts opening it (a local folder is checked on a blocking thread).
    pub(crate) fn add_store(&mut self, cx: &mut Cx<'_>, spec: Result<StoreSpec, String>) {
        match spec {
            Ok(spec) => {
                let name = spec.name.clone();
                let protocol = spec.backend.protocol().to_string();
                let location = describe_location(&spec);
                let job =
                    cx.jobs()
                        .spawn(format!("Opening store {name}"), move |_, _| async move {
                            tokio::task::spawn_blocking(move || {
                                store::open_shared(spec).map_err(|e| e.to_string())
                            })
                            .await
                            .map_err(|e| e.to_string())?
                        });
                self.slots.push(StoreSlot {
                    name,
                    protocol,
                    location,
                    state: SlotState::Opening(Request::new((), job)),
                });
            }
            Err(err) => cx.error(err),
        }
    }

    /// Adds the stores of a `datajoint.json` beside the others.
    fn apply_config(&mut self, cx: &mut Cx<'_>, config: Config) {
        self.config_note = Some(match &config.path {
            Some(path) => format!("datajoint.json: {}", path.display()),
            None => "no datajoint.json found".to_string(),
        });
        for warning in &config.warnings {
            cx.status.errors.push(format!("datajoint.json: {warning}"));
        }
        match &config.database {
            Some(Ok(spec)) => cx.emit(Command::ConnectDatabase(
                Box::new(spec.clone()),
                config.default_store.clone(),
            )),
            Some(Err(err)) => cx.error(format!("datajoint.json: {err}")),
            None => {
                if let Some(saved) = &self.settings.database {
                    cx.emit(Command::UseSavedDatabase(
                        Box::new(saved.clone()),
                        config.default_store.clone(),
                    ));
                }
            }
        }
        self.configured = config.default_store.iter().cloned().collect();
        self.configured.extend(
            config
                .stores
                .keys()
                .filter(|n| Some(*n) != config.default_store.as_ref())
                .cloned(),
        );
        for (name, spec) in config.stores {
            if self.argument_store.as_ref() == Some(&name) {
                continue;
            }
            match spec {
                Ok(spec) => self.add_store(cx, Ok(spec)),
                Err(err) => self.slots.push(StoreSlot {
                    name,
                    protocol: "invalid".to_string(),
                    location: String::new(),
                    state: SlotState::Failed(err.to_string()),
                }),
            }
        }
    }

    /// Reads a `datajoint.json` in a job and adds its stores.
    pub(crate) fn read_config(&mut self, cx: &mut Cx<'_>, path: PathBuf) {
        let env = cx.options().config_env.clone();
        let file = path.clone();
        let label = format!("Reading {}", path.display());
        let job = cx.jobs().spawn(label, move |_, _| async move {
            tokio::task::spawn_blocking(move || {
                Config::from_file(&file, &env).map_err(|e| e.to_string())
            })
            .await
            .map_err(|e| e.to_string())?
        });
        self.config_file_job = Some(Request::new(path, job));
    }

    /// "Open folder…": asks the system for a folder (in a job: the dialog blocks) and opens it
    /// as a store.
    pub(crate) fn choose_folder(&mut self, cx: &mut Cx<'_>) {
        let job = cx.jobs().spawn("Choosing a folder", |_, _| async {
            tokio::task::spawn_blocking(|| {
                rfd::FileDialog::new()
                    .set_title("Open a folder of .npy files")
                    .pick_folder()
            })
            .await
            .ok()
            .flatten()
        });
        self.folder_job = Some(Request::new((), job));
    }

    /// Reads the settings (small, at start) and adds the stores saved there; a broken file
    /// goes to the status bar and is left as it is.
    fn load_settings(&mut self, cx: &mut Cx<'_>) {
        let dir = cx.options().settings_dir.clone().or_else(Settings::dir);
        self.settings_dir = dir.clone();
        let settings = match Settings::load_from(dir.as_deref()) {
            Ok(settings) => settings,
            Err(err) => {
                self.settings_unreadable = true;
                return cx.error(err.to_string());
            }
        };
        let working_dir = cx.options().config_env.working_dir.clone();
        for saved in &settings.stores {
            match saved.to_spec(None, &working_dir) {
                Ok(spec) => self.add_store(cx, Ok(spec)),
                Err(err) => self.slots.push(StoreSlot {
                    name: saved.name.clone(),
                    protocol: format!("{:?}", saved.protocol).to_lowercase(),
                    location: String::new(),
                    state: SlotState::Failed(err),
                }),
            }
        }
        self.settings = settings;
    }

    /// Saves the settings in a background job (errors go to the status bar).
    fn save_settings(&mut self, cx: &mut Cx<'_>) {
        if self.settings_unreadable {
            return cx.error(
                "the settings were not saved because the settings file could not be read; fix or delete it, then add the store again",
            );
        }
        let Some(dir) = self.settings_dir.clone() else {
            return cx.error("the settings were not saved: there is no settings folder (set HOME)");
        };
        let settings = self.settings.clone();
        let job = cx.jobs().spawn("Saving settings", move |_, _| async move {
            tokio::task::spawn_blocking(move || settings.save(&dir).map_err(|e| e.to_string()))
                .await
                .map_err(|e| e.to_string())?
        });
        self.save_job = Some(Request::new((), job));
    }

    /// Keeps `saved` as the database connected in the window, in the settings file.
    pub(crate) fn save_database(&mut self, cx: &mut Cx<'_>, saved: SavedDatabase) {
        self.settings.database = Some(saved);
        self.save_settings(cx);
    }

    /// Remote arrays larger than this are downloaded only after the user confirms.
    pub(crate) fn confirm_download_bytes(&self) -> u64 {
        self.settings.confirm_download_bytes
    }

    /// Takes the results of this room's jobs; emits [`Command::Show`] for a store to show.
    pub(crate) fn poll(&mut self, cx: &mut Cx<'_>, persisted: &Persisted) {
        if let Some((path, outcome)) = take_done(&mut self.config_file_job) {
            match flatten(outcome) {
                Ok(config) => self.apply_config(cx, config),
                Err(err) => cx.error(format!("{}: {err}", path.display())),
            }
        }
        if let Some(((), outcome)) = take_done(&mut self.save_job)
            && let Err(err) = flatten(outcome)
        {
            cx.error(err);
        }
        if let Some(dialog) = &mut self.add_store {
            dialog.poll();
        }
        if let Some(((), outcome)) = take_done(&mut self.config_job) {
            match flatten(outcome) {
                Ok(config) => self.apply_config(cx, config),
                Err(err) => {
                    self.config_note = Some(format!("datajoint.json: {err}"));
                    cx.error(err);
                }
            }
        }
        for slot in &mut self.slots {
            let outcome = match &mut slot.state {
                SlotState::Opening(request) => request.poll(),
                _ => None,
            };
            if let Some(outcome) = outcome {
                slot.state = match flatten(outcome) {
                    Ok(store) => {
                        slot.location = store.display_root().to_string();
                        SlotState::Ready(store)
                    }
                    Err(err) => SlotState::Failed(err),
                };
            }
        }
        self.choose_first_store(cx, persisted);
        if let Some(((), outcome)) = take_done(&mut self.folder_job) {
            match outcome {
                Ok(Some(folder)) => self.open_any(cx, &folder),
                Ok(None) => {}
                Err(err) => cx.error(format!("choosing a folder: {err}")),
            }
        }
        if let Some(place) = self.show_when_open.clone() {
            match self.slots.get(place.store).map(|s| &s.state) {
                Some(SlotState::Ready(_)) => {
                    self.show_when_open = None;
                    cx.emit(Command::Show(place));
                }
                Some(SlotState::Opening(_)) => {}
                _ => self.show_when_open = None,
            }
        }
    }

    /// Shows a store once the stores are open: a path argument's, else the one shown last time
    /// (unless that was the demo store and `datajoint.json` names stores), else the configured
    /// default store, else the first configured store, else the demo store.
    fn choose_first_store(&mut self, cx: &mut Cx<'_>, persisted: &Persisted) {
        if self.chose_store
            || self.config_job.is_some()
            || self
                .slots
                .iter()
                .any(|s| matches!(s.state, SlotState::Opening(_)))
        {
            return;
        }
        self.chose_store = true;
        let ready = |slot: &StoreSlot| matches!(slot.state, SlotState::Ready(_));
        let configured = self
            .configured
            .iter()
            .find_map(|name| self.slots.iter().position(|s| s.name == *name && ready(s)));
        let remembered = persisted
            .last_store
            .clone()
            .and_then(|name| self.slots.iter().position(|s| s.name == name && ready(s)))
            .filter(|&i| self.slots[i].name != DEMO_NAME || configured.is_none());
        let argument = cx
            .options()
            .open
            .as_ref()
            .and_then(|_| self.slots.iter().skip(1).position(ready).map(|i| i + 1));
        let place = match (argument, remembered) {
            (Some(store), _) => Some(Place {
                store,
                ..self.open_place.clone()
            }),
            (None, Some(store)) => Some(Place {
                store,
                prefix: persisted.last_prefix.clone(),
                select: self.open_place.select.clone(),
                restored: !persisted.last_prefix.is_empty(),
            }),
            (None, None) => configured
                .or_else(|| self.slots.iter().position(ready))
                .map(|store| Place {
                    store,
                    // The demo opens at its first table, a double click from a plot.
                    prefix: if self.slots[store].name == DEMO_NAME {
                        crate::demo::FIRST_TABLE.to_string()
                    } else {
                        String::new()
                    },
                    select: self.open_place.select.clone(),
                    // Should the table be gone (an old demo folder), the top is shown instead.
                    restored: self.slots[store].name == DEMO_NAME,
                }),
        };
        if let Some(place) = place {
            cx.emit(Command::Show(place));
        }
    }

    /// The open store named `name` (a configured store, as an `<npy@name>` cell names it).
    pub(crate) fn store_named(&self, name: &str) -> Option<&Arc<Store>> {
        let index = self.slots.iter().position(|s| s.name == name)?;
        self.store(index)
    }

    /// The open store at `index`.
    pub(crate) fn store(&self, index: usize) -> Option<&Arc<Store>> {
        match &self.slots.get(index)?.state {
            SlotState::Ready(store) => Some(store),
            _ => None,
        }
    }

    /// The name of the store at `index`.
    pub(crate) fn name(&self, index: usize) -> Option<&str> {
        Some(self.slots.get(index)?.name.as_str())
    }

    /// Shows the Add store dialog (unless it is shown).
    pub(crate) fn show_add_store(&mut self) {
        if self.add_store.is_none() {
            self.add_store = Some(AddStoreDialog::default());
        }
    }

    /// Shows the Add store dialog while it is open and applies its buttons.
    pub(crate) fn add_store_ui(&mut self, cx: &mut Cx<'_>, ctx: &egui::Context) {
        let Some(dialog) = &mut self.add_store else {
            return;
        };
        let response =
            egui::Modal::new(egui::Id::unique("add_store")).show(ctx, |ui| dialog.ui(ui));
        let working_dir = cx.options().config_env.working_dir.clone();
        match response.inner {
            Some(DialogAction::Cancel) => self.add_store = None,
            Some(DialogAction::Browse) => dialog.browse_folder(cx.jobs()),
            Some(DialogAction::Test) => dialog.test_connection(cx.jobs(), &working_dir),
            Some(DialogAction::Add) => {
                let taken: Vec<String> = self.slots.iter().map(|s| s.name.clone()).collect();
                if let Some((spec, saved)) = dialog.store_to_add(&working_dir, &taken) {
                    self.add_store = None;
                    self.add_store(cx, Ok(spec));
                    self.show_when_open = Some(Place::folder(self.slots.len() - 1, ""));
                    cx.status.note(format!("Added store {}", saved.name));
                    self.settings.stores.push(saved);
                    self.save_settings(cx);
                }
            }
            None => {}
        }
    }

    /// The stores panel: a button per store (with its protocol or why it failed), Open folder…
    /// and Add store…, and which `datajoint.json` was read.
    pub(crate) fn ui(
        &self,
        ui: &mut egui::Ui,
        current: Option<usize>,
        commands: &mut Vec<Command>,
    ) {
        ui.heading("Stores");
        ui.separator();
        egui::ScrollArea::vertical().show(ui, |ui| {
            for (index, slot) in self.slots.iter().enumerate() {
                let selected = current == Some(index);
                let ready = matches!(slot.state, SlotState::Ready(_));
                let button = ui
                    .add_enabled(
                        ready,
                        egui::Button::selectable(selected, slot.name.as_str()),
                    )
                    .on_hover_text(&slot.location);
                if button.clicked() {
                    commands.push(Command::SelectStore(index));
                }
                let status = match &slot.state {
                    SlotState::Opening(_) => RichText::new(format!("{} · opening…", slot.protocol)),
                    SlotState::Ready(_) => RichText::new(slot.protocol.as_str()),
                    SlotState::Failed(err) => RichText::new(format!("{}: {err}", slot.protocol))
                        .color(ui.visuals().error_fg_color),
                };
                ui.add(egui::Label::new(status.small()).wrap());
                ui.add_space(4.0);
            }
            if ui
                .button("Open folder…")
                .on_hover_text("Open a local folder of .npy files as a store")
                .clicked()
            {
                commands.push(Command::ChooseFolder);
            }
            if ui
                .button("Add store…")
                .on_hover_text("Add a folder or an S3 bucket as a store (kept in the settings)")
                .clicked()
            {
                commands.push(Command::Open(OpenAction::AddStore));
            }
            if ui
                .button("Connect to database…")
                .on_hover_text(
                    "Browse the schemas, tables and rows of a DataJoint database (read-only; kept in the settings)",
                )
                .clicked()
            {
                commands.push(Command::Open(OpenAction::ConnectDatabase));
            }
            if let Some(note) = &self.config_note {
                ui.separator();
                ui.add(egui::Label::new(RichText::new(note).small()).wrap());
            }
        });
    }

    /// This room's running jobs, for the jobs bar.
    pub(crate) fn job_rows(&self) -> Vec<JobRow> {
        let mut rows = Vec::new();
        if let Some(r) = &self.config_job {
            rows.push(JobRow::of(r));
        }
        for slot in &self.slots {
            if let SlotState::Opening(r) = &slot.state {
                rows.push(JobRow::of(r));
            }
        }
        if let Some(r) = &self.folder_job {
            rows.push(JobRow::of(r));
        }
        if let Some(r) = &self.config_file_job {
            rows.push(JobRow::of(r));
        }
        if let Some(r) = &self.save_job {
            rows.push(JobRow::of(r));
        }
        if let Some(dialog) = &self.add_store {
            rows.extend(dialog.job_rows());
        }
        rows
    }

    /// Cancels the job numbered `id` if it is one of this room's.
    pub(crate) fn cancel(&self, id: u64) {
        cancel_if(self.config_job.as_ref(), id);
        for slot in &self.slots {
            if let SlotState::Opening(r) = &slot.state {
                cancel_if(Some(r), id);
            }
        }
        cancel_if(self.folder_job.as_ref(), id);
        cancel_if(self.config_file_job.as_ref(), id);
        cancel_if(self.save_job.as_ref(), id);
        if let Some(dialog) = &self.add_store {
            dialog.cancel(id);
        }
    }
}

/// A folder or `.npy` argument as (folder to open, file to select).
fn split_open_path(path: &Path) -> (PathBuf, Option<String>) {
    let is_file = store::is_npy(&path.to_string_lossy()) && !path.is_dir();
    match (is_file, path.parent(), path.file_name()) {
        (true, Some(parent), Some(name)) => {
            let parent = if parent.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                parent.to_path_buf()
            };
            (parent, Some(name.to_string_lossy().into_owned()))
        }
        _ => (path.to_path_buf(), None),
    }
}

/// Where a store points, for the stores panel (no secrets).
fn describe_location(spec: &StoreSpec) -> String {
    match &spec.backend {
        crate::config::Backend::File { location } => location.display().to_string(),
        other => other.protocol().to_string(),
    }
}
