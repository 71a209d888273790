//! The app: the rooms of the window and the routing between them. Each frame the rooms take
//! their jobs' results (`logic`), the panels are drawn (`ui`, see `panels.rs`), and the
//! [`Command`]s both emitted are applied here, each by the room that owns what it changes.

use std::sync::Arc;

use super::actions::{ActionsRoom, Selected};
use super::browser::BrowserRoom;
use super::command::{Command, DataAction, OpenAction, Place};
use super::contents::{self, ContentsRoom};
use super::database::{CellAction, DatabaseRoom};
use super::datajoint::DataJointRoom;
use super::open::OpenRoom;
use super::options::{AppOptions, Persisted, TestHooks};
use super::plot::PREVIEW_ROWS;
use super::rates::{RateHint, RatesRoom};
use super::requests::JobRow;
use super::room::{Cx, Services};
use super::status::Status;
use super::stores::StoresRoom;
use crate::jobs::Jobs;

/// The context handed to a room: the app's services, its status bar and its commands (the
/// fields, not `self`, so the rooms stay free to borrow).
macro_rules! cx {
    ($app:ident) => {
        Cx {
            services: &$app.services,
            status: &mut $app.status,
            commands: &mut $app.commands,
        }
    };
}

/// The inspector app: the rooms and what they share.
pub struct App {
    /// Jobs, options, the download cache, test seams.
    pub(crate) services: Services,
    /// What survives a restart.
    pub(crate) persisted: Persisted,
    /// The jobs bar, notes and errors.
    pub(crate) status: Status,
    /// What the panels and rooms asked for, applied between frames.
    pub(crate) commands: Vec<Command>,
    /// The stores panel and the stores' opening.
    pub(crate) stores: StoresRoom,
    /// The level shown and its files table.
    pub(crate) browser: BrowserRoom,
    /// The DataJoint view of a table folder.
    pub(crate) datajoint: DataJointRoom,
    /// Preview, Load, Memory-map and the plot.
    pub(crate) actions: ActionsRoom,
    /// The File menu and dropped files.
    pub(crate) open: OpenRoom,
    /// The DataJoint database: its tree, the open table, the selected cell.
    pub(crate) database: DatabaseRoom,
    /// What the selected blob holds when it is not one array.
    pub(crate) contents: ContentsRoom,
    /// The sampling rate of the plotted array's row.
    rates: RatesRoom,
    /// The first frame was logged (start-up time).
    first_frame_logged: bool,
    /// The window's title as last set (`npyscope — STORE:FOLDER`, or the array plotted).
    title: String,
}

impl App {
    /// The app, with its stores starting to open in the background.
    pub fn new(cc: &eframe::CreationContext<'_>, options: AppOptions) -> App {
        App::with_test_hooks(cc, options, TestHooks::default())
    }

    /// [`App::new`] with the seams the UI tests drive (a gate on data reads, a save path).
    #[doc(hidden)]
    pub fn with_test_hooks(
        cc: &eframe::CreationContext<'_>,
        options: AppOptions,
        hooks: TestHooks,
    ) -> App {
        let ctx = cc.egui_ctx.clone();
        let jobs = Jobs::new(
            options.runtime.clone(),
            Some(Arc::new(move || ctx.request_repaint())),
        );
        let persisted: Persisted = cc
            .storage
            .and_then(|storage| eframe::get_value(storage, eframe::APP_KEY))
            .unwrap_or_default();
        let mut app = App {
            services: Services::new(jobs, options, hooks),
            persisted,
            status: Status::default(),
            commands: Vec::new(),
            stores: StoresRoom::default(),
            browser: BrowserRoom::default(),
            datajoint: DataJointRoom::default(),
            actions: ActionsRoom::default(),
            open: OpenRoom::default(),
            database: DatabaseRoom::default(),
            contents: ContentsRoom::default(),
            rates: RatesRoom::default(),
            first_frame_logged: false,
            title: super::TITLE.to_string(),
        };
        app.stores.start(&mut cx!(app));
        app
    }

    /// Takes the results of ended jobs, room by room, and applies what that asked for; called
    /// before each frame's UI.
    pub(crate) fn poll_rooms(&mut self, ctx: &egui::Context) {
        self.open.poll(&mut cx!(self));
        self.stores.poll(&mut cx!(self), &self.persisted);
        self.actions.poll(&mut cx!(self));
        self.database.poll(&mut cx!(self));
        self.database
            .poll_blob_headers(&mut cx!(self), &self.stores);
        self.contents.poll();
        if let Some((name, array)) = self.database.take_ready_loaded() {
            self.want_db_row_rate(&name);
            self.actions.show_array(&mut cx!(self), name, array);
        }
        if let Some((action, array)) = self.database.take_ready() {
            self.want_db_row_rate(array.path());
            match action {
                CellAction::Preview => {
                    self.actions
                        .start_preview(&mut cx!(self), array, 0..PREVIEW_ROWS)
                }
                CellAction::Data(action) => {
                    let confirm_above = self.stores.confirm_download_bytes();
                    self.actions
                        .request(&mut cx!(self), action, Ok(array), confirm_above);
                }
            }
        }
        self.rates.poll(self.actions.plot.as_mut());
        let level = self.browser.level_key();
        if let Some(entries) = self.datajoint.poll(&mut cx!(self), level) {
            self.browser.add_entries(entries);
        }
        self.browser.poll(&mut cx!(self), &self.datajoint);
        self.apply_commands(ctx);
        let files_view = self.persisted.files_view;
        self.browser
            .settle(&mut cx!(self), &mut self.datajoint, files_view);
        let selected = self
            .browser
            .selected_object()
            .map(|(path, store, object)| Selected {
                path,
                store,
                object,
            });
        self.actions.check_selected_cached(&mut cx!(self), selected);
        self.want_contents();
    }

    /// The database row of the array at `path` (its selected cell) gives the plot its sampling
    /// rate when it has a rate attribute.
    fn want_db_row_rate(&mut self, path: &str) {
        if let Some((hz, from)) = self.database.selected_row_rate() {
            self.rates.set(RateHint {
                path: path.to_string(),
                hz,
                from,
            });
        }
    }

    /// The selected array's row in a DataJoint table folder gives the plot its sampling rate
    /// when it has a rate attribute (read in the background).
    fn want_store_row_rate(&mut self) {
        if let Some(path) = self.browser.selected.clone() {
            self.rates.want_for(&mut cx!(self), &path, &self.browser);
        }
    }

    /// Starts reading what the selected blob holds when it is not one array (a store object in
    /// the browser, a cell in the database view).
    fn want_contents(&mut self) {
        let has = |key: &str| self.contents.has(key);
        let wanted = if self.database.active {
            self.database.wanted_contents(&self.stores, has)
        } else {
            let store = self.browser.store();
            let entry = self.browser.selected_entry();
            store
                .zip(entry)
                .and_then(|(store, entry)| contents::object_wanted(store, entry))
                .filter(|wanted| !has(&wanted.key))
        };
        if let Some(wanted) = wanted {
            self.contents.want(&mut cx!(self), wanted);
        }
    }

    /// Shows `place`: the browser lists it, the DataJoint room reads a table folder's rows, and
    /// the store and folder are remembered for the next run.
    fn show(&mut self, place: Place) {
        let (Some(store), Some(name)) = (
            self.stores.store(place.store).cloned(),
            self.stores.name(place.store).map(str::to_string),
        ) else {
            return;
        };
        let prefix = place.prefix.trim_matches('/').to_string();
        self.database.active = false;
        self.datajoint
            .show(&mut cx!(self), place.store, &store, &prefix);
        self.persisted.last_store = Some(name.clone());
        self.persisted.last_prefix = prefix.clone();
        let place = Place { prefix, ..place };
        self.browser.show(&mut cx!(self), store, name, place);
    }

    /// The jobs now running, room by room, for the jobs bar.
    pub(crate) fn running_jobs(&self) -> Vec<JobRow> {
        let mut rows = self.stores.job_rows();
        rows.extend(self.browser.job_rows());
        rows.extend(self.datajoint.job_rows());
        rows.extend(self.actions.job_rows());
        rows.extend(self.open.job_rows());
        rows.extend(self.database.job_rows());
        rows.extend(self.contents.job_rows());
        rows
    }

    /// Cancels the job numbered `id`, whichever room holds it.
    fn cancel(&mut self, id: u64) {
        self.stores.cancel(id);
        self.browser.cancel(id);
        self.datajoint.cancel(id);
        self.actions.cancel(id);
        self.open.cancel(id);
        self.database.cancel(id);
        self.contents.cancel(id);
    }

    /// Applies what the panels and rooms asked for.
    pub(crate) fn apply_commands(&mut self, ctx: &egui::Context) {
        for command in std::mem::take(&mut self.commands) {
            self.apply(ctx, command);
        }
        self.actions.preview_requested_rows(&mut cx!(self));
    }

    /// Routes one command to the room that owns what it changes.
    fn apply(&mut self, ctx: &egui::Context, command: Command) {
        let files_view = self.persisted.files_view;
        match command {
            Command::SelectStore(index) => self.show(Place::folder(index, "")),
            Command::OpenFolder(path) => {
                if let Some(index) = self.browser.current {
                    self.show(Place::folder(index, path));
                }
            }
            Command::GoUp => {
                if let Some(parent) = self.browser.parent() {
                    self.show(parent);
                }
            }
            Command::Show(place) => self.show(place),
            Command::Select(path) => self.browser.select(path, &self.datajoint),
            Command::OpenSelected => {
                if self.browser.selected.is_none() {
                    return;
                }
                match self.browser.selected_folder().map(str::to_string) {
                    Some(folder) => self.apply(ctx, Command::OpenFolder(folder)),
                    None => self.apply(ctx, Command::Preview),
                }
            }
            Command::MoveSelection(step) => {
                let dj = self.datajoint.shown(files_view);
                self.browser.move_selection(step, dj);
            }
            Command::SortBy(column) => {
                self.browser
                    .sort_by(&mut cx!(self), column, &mut self.datajoint, files_view)
            }
            Command::SortRowsBy(column) => {
                self.datajoint.sort_by(column);
                self.browser.mark_dirty();
            }
            Command::FilesView(files) => {
                self.persisted.files_view = files;
                self.browser.mark_dirty();
            }
            Command::ReadAllHeaders => self.browser.read_all_headers(),
            Command::CountFolderSizes => self.browser.count_folder_sizes(&mut cx!(self)),
            Command::Preview => match self.browser.selected_array() {
                Ok(array) => {
                    self.want_store_row_rate();
                    self.actions
                        .start_preview(&mut cx!(self), array, 0..PREVIEW_ROWS)
                }
                Err(err) => self.status.error(err),
            },
            Command::Load => self.request_data(DataAction::Load),
            Command::MemoryMap => self.request_data(DataAction::MemoryMap),
            Command::StartData { action, path } if self.database.active => {
                if let Some(array) = self.database.last_array(&path) {
                    self.actions.start(&mut cx!(self), action, Ok(array));
                }
            }
            Command::StartData { action, path } => {
                if self.browser.selected.as_deref() == Some(path.as_str()) {
                    let array = self.browser.selected_array();
                    self.actions.start(&mut cx!(self), action, array);
                }
            }
            Command::CacheChanged => self.browser.recount_cached(),
            Command::Cancel(id) => self.cancel(id),
            Command::Copy { text, note } => {
                ctx.copy_text(text);
                self.status.note(note);
            }
            Command::DismissErrors => self.status.errors.clear(),
            Command::ChooseFolder => self.stores.choose_folder(&mut cx!(self)),
            Command::Open(OpenAction::AddStore) => self.stores.show_add_store(),
            Command::Open(OpenAction::ConnectDatabase) => self.database.show_dialog(),
            Command::Open(OpenAction::Path(path)) => {
                let config = path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("json"));
                self.apply(
                    ctx,
                    if config {
                        Command::ReadConfig(path)
                    } else {
                        Command::OpenStore(path)
                    },
                );
            }
            Command::Open(action) => self.open.pick(&mut cx!(self), &action),
            Command::OpenStore(path) => self.stores.open_any(&mut cx!(self), &path),
            Command::ReadConfig(path) => self.stores.read_config(&mut cx!(self), path),
            Command::ConnectDatabase(spec, default_store) => {
                self.database.connect(&mut cx!(self), *spec, default_store)
            }
            Command::UseSavedDatabase(saved, default_store) => {
                self.database
                    .use_saved(&mut cx!(self), &saved, default_store)
            }
            Command::SaveDatabase(saved) => self.stores.save_database(&mut cx!(self), *saved),
            Command::DbExpandSchema(schema) => self.database.expand_schema(&mut cx!(self), &schema),
            Command::DbOpenTable { schema, table } => {
                self.database.open_table(&mut cx!(self), &schema, &table)
            }
            Command::DbRestrict(text) => self.database.restrict(&mut cx!(self), text),
            Command::DbSortBy(column) => self.database.sort_by(&mut cx!(self), column),
            Command::DbSelect { row, column } => self.database.select(row, column),
            Command::DbMoveSelection(step) => self.database.move_selection(step),
            Command::DbCell(action) => {
                self.database
                    .open_cell(&mut cx!(self), &self.stores, action)
            }
            Command::PlotContents { key, path } => match self.contents.array(&key, &path) {
                Ok((name, array)) => self.actions.show_array(&mut cx!(self), name, array),
                Err(err) => self.status.error(err),
            },
        }
    }

    /// Load or Memory-map of the selected array (after the download question when it is big
    /// and remote).
    fn request_data(&mut self, action: DataAction) {
        self.want_store_row_rate();
        let array = self.browser.selected_array();
        let confirm_above = self.stores.confirm_download_bytes();
        self.actions
            .request(&mut cx!(self), action, array, confirm_above);
    }

    /// What eframe keeps between runs.
    pub fn persisted(&self) -> &Persisted {
        &self.persisted
    }

    /// The window's title: where the user is (`npyscope — STORE:FOLDER`, or the database
    /// table shown).
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The path selected in the files or DataJoint table, if any.
    pub fn selected_path(&self) -> Option<&str> {
        self.browser.selected.as_deref()
    }

    /// Sets the window's title to where the user is, when that changed.
    fn update_title(&mut self, ctx: &egui::Context) {
        let place = if let Some(plotted) = self.actions.plotted_place() {
            Some(plotted)
        } else if self.database.active {
            self.database
                .open
                .as_ref()
                .map(|open| format!("database {}.{}", open.table.schema, open.table.class_name))
        } else {
            let store = self.browser.store_name();
            (!store.is_empty()).then(|| format!("{store}:{}", self.browser.prefix))
        };
        let title = match place {
            Some(place) => format!("{} \u{2014} {place}", super::TITLE),
            None => super::TITLE.to_string(),
        };
        if title != self.title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title = title;
        }
    }
}

impl eframe::App for App {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.poll_rooms(ctx);
        self.update_title(ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        if !self.first_frame_logged {
            // `benches/cold_start.py` times start-up to this line (NPYSCOPE_LOG=info).
            self.first_frame_logged = true;
            tracing::info!("first frame");
        }
        // The menu bar first, so it spans the whole width above the panels.
        let modal = self.stores.add_store.is_some()
            || self.database.dialog.is_some()
            || self.actions.confirm.is_some();
        self.open.menu_ui(ui, modal, &mut self.commands);
        self.panels_ui(ui);
        // Dialogs (Add store, download confirmation) and the drop overlay over the panels.
        let ctx = ui.ctx().clone();
        self.open.drops_ui(&ctx, &mut self.commands);
        self.stores.add_store_ui(&mut cx!(self), &ctx);
        self.database.dialog_ui(&mut cx!(self), &ctx);
        self.actions.confirm_ui(&mut cx!(self), &ctx);
        self.apply_commands(&ctx);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.persisted);
    }
}
