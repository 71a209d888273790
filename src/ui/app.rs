//! The app's state and the work between frames: starting jobs for what the user asked,
//! taking their results, applying the commands the panels emitted.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use super::AppOptions;
use super::datajoint::DjTable;
use super::format;
use super::headers::HeaderQueue;
use super::plot::{PlotData, PlotPanel, Source};
use super::requests::{JobRow, Request, take_done};
use crate::array::{ArrayRef, MapMode, MappedArray, NdArray};
use crate::cache::Cache;
use crate::config::{Config, StoreSpec};
use crate::filter::Filter;
use crate::jobs::{JobError, Jobs};
use crate::store::{self, Entry, Level, Store};

/// Rows read by Preview: enough for a few seconds of a typical recording.
pub(crate) const PREVIEW_ROWS: u64 = 100_000;
/// A remote level with more objects than this reads headers as rows come into view.
pub(crate) const LAZY_HEADERS_ABOVE: usize = 500;
/// Rows above and below the view whose headers are read ahead.
const READ_AHEAD_ROWS: usize = 40;
/// Errors kept for the status bar (the newest is shown).
const MAX_ERRORS: usize = 20;
/// Name of the built-in store.
pub(crate) const DEMO_NAME: &str = "Demo";

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

/// A column of the files table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Column {
    /// File or folder name.
    Name,
    /// Array shape.
    Shape,
    /// Array dtype.
    Dtype,
    /// Object size.
    Size,
}

/// One row of the files table (rebuilt only when the listing, filter or sort change).
#[derive(Clone, Debug)]
pub(crate) struct Row {
    /// Shown name: a folder ends in `/`.
    pub name: String,
    /// Store-relative path.
    pub path: String,
    /// A folder (opens) rather than an array (selects).
    pub is_folder: bool,
    /// Shape for sorting.
    pub shape: Option<Vec<u64>>,
    /// Shape as text (`…` while the header is read, `error` when it cannot be).
    pub shape_text: String,
    /// Dtype as text.
    pub dtype_text: String,
    /// Object size in bytes.
    pub size_bytes: Option<u64>,
}

/// A previewed window.
#[derive(Clone, Debug)]
pub(crate) struct Preview {
    /// The array's path.
    pub path: String,
    /// Rows read.
    pub rows: std::ops::Range<u64>,
    /// The rows, in memory.
    pub array: NdArray,
    /// Rows of the stored array.
    pub total_rows: u64,
    /// Shown under the plot's title (a remote array not yet cached).
    pub note: Option<String>,
}

/// A loaded array.
pub(crate) struct Loaded {
    /// The array's path.
    pub path: String,
    /// The data, in memory (shared with the plot).
    pub array: Arc<NdArray>,
}

/// A memory-mapped array.
pub(crate) struct Mapped {
    /// The array's path.
    pub path: String,
    /// The map (a local store's own file, or a cached copy; shared with the plot).
    pub array: Arc<MappedArray>,
    /// Mapped in place (a local store): no copy was made.
    pub in_place: bool,
}

/// The arrays the table shows, summed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Totals {
    /// How many arrays.
    pub arrays: usize,
    /// Their object sizes, summed.
    pub bytes: u64,
    /// Of those bytes, how many are in the download cache (remote stores; `None` until
    /// counted).
    pub cached: Option<u64>,
}

/// What the panels ask for; applied after the frame's panels are drawn.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Command {
    /// Show this store's top level.
    SelectStore(usize),
    /// Show this folder of the current store.
    OpenFolder(String),
    /// Show the parent folder.
    GoUp,
    /// Select a row.
    Select(String),
    /// Open the selected row: a folder is shown, an array previewed.
    OpenSelected,
    /// Read the selected array's first rows and plot them.
    Preview,
    /// Load the selected array into memory.
    Load,
    /// Memory-map the selected array (a remote one is downloaded to the cache first).
    MemoryMap,
    /// Cancel the job with this id.
    Cancel(u64),
    /// Sort by a column (again: reverse).
    SortBy(Column),
    /// Copy text to the clipboard, with a note for the status bar.
    Copy { text: String, note: String },
    /// Forget the shown errors.
    DismissErrors,
    /// Ask the system for a folder and open it as a store.
    ChooseFolder,
    /// The File menu, the Add store dialog, dropped files (see `open.rs`).
    Open(super::open::OpenAction),
    /// Show table folders as files (`true`) or as DataJoint rows.
    FilesView(bool),
    /// Sort the DataJoint view by a column (key columns first; again: reverse).
    SortRowsBy(usize),
    /// Select the row this many rows below (negative: above) the selected one.
    MoveSelection(i32),
    /// Read the headers of every array of the level, not only of the rows in view.
    ReadAllHeaders,
}

/// A job's entries, or why they could not be read.
type EntriesOutcome = Result<Vec<Entry>, String>;

/// The inspector app.
pub struct App {
    pub(crate) jobs: Jobs,
    pub(crate) options: AppOptions,
    pub(crate) persisted: Persisted,
    config_job: Option<Request<(), Result<Config, String>>>,
    /// `datajoint.json` used, or why none could be.
    pub(crate) config_note: Option<String>,
    pub(crate) stores: Vec<StoreSlot>,
    pub(crate) current: Option<usize>,
    pub(crate) prefix: String,
    listing_job: Option<Request<(usize, String), Result<Level, String>>>,
    headers_job: Option<Request<(usize, String), ()>>,
    /// What the header job reads next (rows in view first).
    pub(crate) header_queue: Option<Arc<HeaderQueue>>,
    /// The files table's rows drawn in the last frame.
    pub(crate) visible_rows: std::ops::Range<usize>,
    /// Entries of the current level's header job as they arrive (a new buffer per level, so
    /// a late job of a level the user left fills a buffer nobody reads).
    headers_sink: Arc<Mutex<Vec<Entry>>>,
    pub(crate) level: Option<Level>,
    pub(crate) entries: HashMap<String, Entry>,
    pub(crate) listing_error: Option<String>,
    pub(crate) rows: Vec<Row>,
    rows_dirty: bool,
    /// Headers arrived that change the order or the filter's choice (rebuild soon).
    headers_changed_rows: bool,
    /// When the rows were last rebuilt.
    rows_built: std::time::Instant,
    /// Index in `rows` of each path.
    pub(crate) row_index: HashMap<String, usize>,
    pub(crate) filter: String,
    shown_filter: String,
    /// Why the filter text cannot be used (shown under the box); the table is then unfiltered.
    pub(crate) filter_error: Option<String>,
    /// The schema and table when the current folder is a DataJoint table folder.
    pub(crate) table_folder: Option<(String, String)>,
    /// Reads every array below a table folder for its DataJoint view.
    rows_job: Option<Request<(usize, String), EntriesOutcome>>,
    /// The DataJoint view of the current table folder, once read.
    pub(crate) dj: Option<DjTable>,
    /// The DataJoint view's sort column and direction.
    pub(crate) dj_sort: (usize, bool),
    /// The selection moved by keys: scroll the table to it in the next frame.
    pub(crate) scroll_to_selected: bool,
    pub(crate) sort: (Column, bool),
    pub(crate) selected: Option<String>,
    /// A file to select once its folder is listed (a `.npy` given on the command line).
    select_after_listing: Option<String>,
    /// The folder inside the path argument's store to show first.
    open_prefix: String,
    preview_job: Option<Request<String, Result<Preview, String>>>,
    /// The plot panel: what was last previewed, loaded or mapped.
    pub(crate) plot: Option<PlotPanel>,
    /// The array last previewed (the plot's row window asks for more of it).
    preview_array: Option<ArrayRef>,
    load_job: Option<Request<String, Result<Loaded, String>>>,
    mmap_job: Option<Request<String, Result<Mapped, String>>>,
    /// The download cache, opened on a blocking thread by the first job that needs it.
    pub(crate) cache: Arc<Mutex<Option<Arc<Cache>>>>,
    /// The last memory-mapped array.
    pub(crate) mapped: Option<Mapped>,
    /// The arrays the table shows, summed (with the rows).
    pub(crate) totals: Totals,
    /// Counts the cached part of [`App::totals`] for these paths (a remote store's).
    cached_job: Option<Request<Vec<String>, Result<u64, String>>>,
    /// The paths the cached part was last counted (or is being counted) for.
    cached_for: Vec<String>,
    folder_job: Option<Request<(), Option<PathBuf>>>,
    /// A store to show once it is open (one the user just added), at this folder.
    pub(crate) show_when_open: Option<(usize, String)>,
    /// Settings, the File menu's dialogs, Add store, download confirmation (see `open.rs`).
    pub(crate) open_state: super::open::OpenState,
    pub(crate) loaded: Option<Loaded>,
    pub(crate) errors: Vec<String>,
    pub(crate) note: Option<String>,
    pub(crate) commands: Vec<Command>,
    chose_store: bool,
    /// The first frame was logged (start-up time).
    first_frame_logged: bool,
    /// When each running job was first shown (for its rate and time left).
    pub(crate) job_started: HashMap<u64, std::time::Instant>,
    /// The folder shown was restored from the last run (if it is gone, the top is shown).
    restored_prefix: bool,
    /// Whether the selected remote array is in the download cache (`None` while checking).
    pub(crate) selected_cached: Option<(String, Option<bool>)>,
    /// Looks the selected remote array up in the download cache.
    selected_cached_job: Option<Request<String, Result<bool, String>>>,
}

impl App {
    /// The app, with its stores starting to open in the background.
    pub fn new(cc: &eframe::CreationContext<'_>, options: AppOptions) -> App {
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
            jobs,
            options,
            persisted,
            config_job: None,
            config_note: None,
            stores: Vec::new(),
            current: None,
            prefix: String::new(),
            listing_job: None,
            headers_job: None,
            header_queue: None,
            visible_rows: 0..0,
            headers_sink: Arc::default(),
            level: None,
            entries: HashMap::new(),
            listing_error: None,
            rows: Vec::new(),
            rows_dirty: true,
            headers_changed_rows: false,
            rows_built: std::time::Instant::now(),
            row_index: HashMap::new(),
            filter: String::new(),
            shown_filter: String::new(),
            filter_error: None,
            table_folder: None,
            rows_job: None,
            dj: None,
            dj_sort: (0, true),
            scroll_to_selected: false,
            sort: (Column::Name, true),
            selected: None,
            select_after_listing: None,
            open_prefix: String::new(),
            preview_job: None,
            plot: None,
            preview_array: None,
            load_job: None,
            mmap_job: None,
            cache: Arc::default(),
            mapped: None,
            totals: Totals::default(),
            cached_job: None,
            cached_for: Vec::new(),
            folder_job: None,
            show_when_open: None,
            open_state: super::open::OpenState::default(),
            loaded: None,
            errors: Vec::new(),
            note: None,
            commands: Vec::new(),
            chose_store: false,
            first_frame_logged: false,
            job_started: HashMap::new(),
            restored_prefix: false,
            selected_cached: None,
            selected_cached_job: None,
        };
        app.start();
        app
    }

    /// Starts the demo store, the store of a path argument, and config discovery.
    fn start(&mut self) {
        let demo_dir = self.options.demo_dir.clone();
        let demo = self
            .jobs
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
        self.stores.push(StoreSlot {
            name: DEMO_NAME.to_string(),
            protocol: "file".to_string(),
            location: "built-in demo data".to_string(),
            state: SlotState::Opening(Request::new((), demo)),
        });

        if let Some(path) = self.options.open.clone() {
            let (_, prefix) = self.open_path(&path);
            self.open_prefix = prefix;
        }
        // The stores added in the window (after the path argument's: see choose_first_store).
        self.load_settings();

        let env = self.options.config_env.clone();
        let explicit = self.options.config_file.clone();
        let job = self
            .jobs
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
    /// folder, so its arrays keep their schema, table and key. Returns the new store's index
    /// and the folder to show first.
    pub(crate) fn open_path(&mut self, path: &Path) -> (usize, String) {
        let resolved = store::target::resolve(&path.to_string_lossy(), &Config::default());
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
        self.select_after_listing = file;
        self.add_store(Ok(spec));
        (self.stores.len() - 1, prefix)
    }

    /// Adds a store and starts opening it (a local folder is checked on a blocking thread).
    pub(crate) fn add_store(&mut self, spec: Result<StoreSpec, String>) {
        match spec {
            Ok(spec) => {
                let name = spec.name.clone();
                let protocol = spec.backend.protocol().to_string();
                let location = describe_location(&spec);
                let job =
                    self.jobs
                        .spawn(format!("Opening store {name}"), move |_, _| async move {
                            tokio::task::spawn_blocking(move || {
                                store::open_shared(spec).map_err(|e| e.to_string())
                            })
                            .await
                            .map_err(|e| e.to_string())?
                        });
                self.stores.push(StoreSlot {
                    name,
                    protocol,
                    location,
                    state: SlotState::Opening(Request::new((), job)),
                });
            }
            Err(err) => self.error(err),
        }
    }

    /// Records an error for the status bar (in the library's words).
    pub(crate) fn error(&mut self, err: impl Into<String>) {
        let err = err.into();
        tracing::warn!("{err}");
        self.errors.push(err);
        if self.errors.len() > MAX_ERRORS {
            self.errors.remove(0);
        }
    }

    /// Takes the results of ended jobs; called before each frame's UI.
    pub(crate) fn poll_jobs(&mut self) {
        self.poll_open();
        if let Some(((), outcome)) = take_done(&mut self.config_job) {
            match flatten(outcome) {
                Ok(config) => self.apply_config(config),
                Err(err) => {
                    self.config_note = Some(format!("datajoint.json: {err}"));
                    self.error(err);
                }
            }
        }
        for index in 0..self.stores.len() {
            let outcome = match &mut self.stores[index].state {
                SlotState::Opening(request) => request.poll(),
                _ => None,
            };
            if let Some(outcome) = outcome {
                self.stores[index].state = match flatten(outcome) {
                    Ok(store) => {
                        self.stores[index].location = store.display_root().to_string();
                        SlotState::Ready(store)
                    }
                    Err(err) => SlotState::Failed(err),
                };
            }
        }
        self.choose_first_store();
        if let Some(((), outcome)) = take_done(&mut self.folder_job) {
            match outcome {
                Ok(Some(folder)) => {
                    let target = self.open_path(&folder);
                    self.show_when_open = Some(target);
                }
                Ok(None) => {}
                Err(err) => self.error(format!("choosing a folder: {err}")),
            }
        }
        if let Some((index, prefix)) = self.show_when_open.clone() {
            match self.stores.get(index).map(|s| &s.state) {
                Some(SlotState::Ready(_)) => {
                    self.show_when_open = None;
                    self.show(index, prefix);
                }
                Some(SlotState::Opening(_)) => {}
                _ => self.show_when_open = None,
            }
        }

        // Late results of a level the user left are dropped.
        if let Some(((index, prefix), outcome)) = take_done(&mut self.listing_job)
            && Some(index) == self.current
            && prefix == self.prefix
        {
            match flatten(outcome) {
                Ok(level) => {
                    self.restored_prefix = false;
                    self.listed(index, level)
                }
                // The folder remembered from the last run is gone: show the store's top.
                Err(err) if std::mem::take(&mut self.restored_prefix) => {
                    self.note = Some(format!(
                        "The folder shown last time cannot be listed ({err}); showing the top \
                         of the store"
                    ));
                    self.show(index, String::new());
                }
                Err(err) => {
                    self.listing_error = Some(err.clone());
                    self.error(err);
                }
            }
        }
        if let Some(((index, prefix), outcome)) = take_done(&mut self.rows_job)
            && Some(index) == self.current
            && prefix == self.prefix
        {
            match flatten(outcome) {
                Ok(entries) => {
                    if let Some((schema, table)) = &self.table_folder {
                        self.dj = Some(DjTable::from_entries(schema, table, &entries));
                    }
                    for entry in entries {
                        self.entries.insert(entry.object.path.clone(), entry);
                    }
                    self.rows_dirty = true;
                }
                Err(err) if err == JobError::Cancelled.to_string() => {}
                Err(err) => self.error(format!("reading the table's rows: {err}")),
            }
        }
        self.want_visible_headers();
        // Headers are shown as they arrive, not when the whole level is read.
        let finished = take_done(&mut self.headers_job);
        let arrived = match self.headers_sink.lock() {
            Ok(mut sink) => std::mem::take(&mut *sink),
            Err(_) => Vec::new(),
        };
        if !arrived.is_empty() {
            for entry in &arrived {
                if let Some(&at) = self.row_index.get(&entry.object.path)
                    && let Some(row) = self.rows.get_mut(at)
                {
                    (row.shape, row.shape_text, row.dtype_text) = header_texts(Some(entry));
                }
            }
            for entry in arrived {
                self.entries.insert(entry.object.path.clone(), entry);
            }
            // Rows are shown in place as headers arrive; the order and the filter need them
            // only when they depend on headers (then at most a few times a second).
            if self.rows_depend_on_headers() {
                self.headers_changed_rows = true;
            }
        }
        let settle = std::time::Duration::from_millis(300);
        if self.headers_changed_rows && (finished.is_some() || self.rows_built.elapsed() >= settle)
        {
            self.headers_changed_rows = false;
            self.rows_dirty = true;
        }
        if let Some((_, Err(err))) = finished {
            self.error(format!("reading headers: {err}"));
        }
        if let Some((path, outcome)) = take_done(&mut self.preview_job) {
            match flatten(outcome) {
                Ok(preview) => {
                    let data = PlotData::Memory {
                        array: Arc::new(preview.array),
                        first_row: preview.rows.start,
                        total_rows: preview.total_rows,
                    };
                    let panel = PlotPanel::new(
                        preview.path,
                        data,
                        Source::Preview,
                        preview.note,
                        &self.jobs,
                        self.options.save_path.clone(),
                    );
                    PlotPanel::present(&mut self.plot, panel);
                }
                Err(err) if err == JobError::Cancelled.to_string() => {
                    self.note = Some(format!("Preview of {} cancelled", format::file_name(&path)));
                }
                Err(err) => self.error(err),
            }
        }
        if let Some((path, outcome)) = take_done(&mut self.load_job) {
            match flatten(outcome) {
                Ok(loaded) => {
                    self.note = Some(format!(
                        "Loaded {}: {} {}, {} in memory",
                        format::file_name(&loaded.path),
                        format::shape(loaded.array.shape()),
                        loaded.array.dtype().display_name(),
                        format::bytes(loaded.array.nbytes() as u64)
                    ));
                    let data = PlotData::Memory {
                        array: Arc::clone(&loaded.array),
                        first_row: 0,
                        total_rows: loaded.array.shape().first().copied().unwrap_or(1),
                    };
                    let panel = PlotPanel::new(
                        loaded.path.clone(),
                        data,
                        Source::Loaded,
                        None,
                        &self.jobs,
                        self.options.save_path.clone(),
                    );
                    PlotPanel::present(&mut self.plot, panel);
                    self.loaded = Some(loaded);
                }
                Err(err) if err == JobError::Cancelled.to_string() => {
                    self.note = Some(format!("Load of {} cancelled", format::file_name(&path)));
                }
                Err(err) => self.error(err),
            }
        }
        if let Some((path, outcome)) = take_done(&mut self.mmap_job) {
            match flatten(outcome) {
                Ok(mapped) => {
                    let meta = mapped.array.meta();
                    self.note = Some(format!(
                        "Mapped {}: {} {}, {}, {}",
                        format::file_name(&mapped.path),
                        format::shape(&meta.shape),
                        meta.dtype.display_name(),
                        format::bytes(meta.nbytes),
                        if mapped.in_place {
                            "no copy"
                        } else {
                            "from the download cache"
                        }
                    ));
                    let data = PlotData::Mapped(Arc::clone(&mapped.array));
                    let panel = PlotPanel::new(
                        mapped.path.clone(),
                        data,
                        Source::Mapped,
                        None,
                        &self.jobs,
                        self.options.save_path.clone(),
                    );
                    PlotPanel::present(&mut self.plot, panel);
                    self.mapped = Some(mapped);
                    // A remote array is in the cache now: count the cached part again.
                    self.cached_for.clear();
                    self.selected_cached = None;
                    self.rows_dirty = true;
                }
                Err(err) if err == JobError::Cancelled.to_string() => {
                    self.note = Some(format!(
                        "Memory-map of {} cancelled",
                        format::file_name(&path)
                    ));
                }
                Err(err) => self.error(err),
            }
        }
        if let Some((paths, outcome)) = take_done(&mut self.cached_job) {
            match flatten(outcome) {
                Ok(bytes) if paths == self.cached_for => self.totals.cached = Some(bytes),
                Ok(_) => {}
                Err(err) if err == JobError::Cancelled.to_string() => {}
                Err(err) => self.error(format!("counting cached arrays: {err}")),
            }
        }
        if self.filter != self.shown_filter {
            self.shown_filter = self.filter.clone();
            self.rows_dirty = true;
        }
        if self.rows_dirty {
            self.rebuild_rows();
        }
        self.check_selected_cached();
    }

    /// Starts (once per selection) the lookup of the selected remote array in the download
    /// cache, and takes its answer.
    fn check_selected_cached(&mut self) {
        if let Some((path, outcome)) = take_done(&mut self.selected_cached_job)
            && let Some((selected, state)) = &mut self.selected_cached
            && *selected == path
        {
            *state = flatten(outcome).ok();
        }
        let Some(path) = self.selected.clone() else {
            return;
        };
        if self
            .selected_cached
            .as_ref()
            .is_some_and(|(p, _)| *p == path)
        {
            return;
        }
        let Some(store) = self.current.and_then(|i| self.store(i)).cloned() else {
            return;
        };
        let Some(object) = self.entries.get(&path).map(|e| e.object.clone()) else {
            return;
        };
        self.selected_cached = Some((path.clone(), None));
        if store.is_local() {
            return;
        }
        let cache = Arc::clone(&self.cache);
        let cache_dir = self.options.cache_dir.clone();
        let label = format!("Looking up {} in the cache", format::file_name(&path));
        let job = self.jobs.spawn(label, move |_, _| async move {
            tokio::task::spawn_blocking(move || {
                let cache = shared_cache(&cache, cache_dir)?;
                Ok(cache.lookup(&store, &object).is_some())
            })
            .await
            .map_err(|e| e.to_string())?
        });
        self.selected_cached_job = Some(Request::new(path, job));
    }

    /// Adds the configured stores beside the demo store.
    pub(crate) fn apply_config(&mut self, config: Config) {
        self.config_note = Some(match &config.path {
            Some(path) => format!("datajoint.json: {}", path.display()),
            None => "no datajoint.json found".to_string(),
        });
        for warning in &config.warnings {
            self.errors.push(format!("datajoint.json: {warning}"));
        }
        for (name, spec) in config.stores {
            match spec {
                Ok(spec) => self.add_store(Ok(spec)),
                Err(err) => self.stores.push(StoreSlot {
                    name,
                    protocol: "invalid".to_string(),
                    location: String::new(),
                    state: SlotState::Failed(err.to_string()),
                }),
            }
        }
    }

    /// Shows a store once the stores are open: the one shown last time, else a path
    /// argument's, else the demo store.
    fn choose_first_store(&mut self) {
        if self.chose_store
            || self.config_job.is_some()
            || self
                .stores
                .iter()
                .any(|s| matches!(s.state, SlotState::Opening(_)))
        {
            return;
        }
        self.chose_store = true;
        let ready = |slot: &StoreSlot| matches!(slot.state, SlotState::Ready(_));
        let remembered = self
            .persisted
            .last_store
            .clone()
            .and_then(|name| self.stores.iter().position(|s| s.name == name && ready(s)));
        let argument = self
            .options
            .open
            .as_ref()
            .and_then(|_| self.stores.iter().skip(1).position(ready).map(|i| i + 1));
        let (index, prefix) = match (argument, remembered) {
            (Some(index), _) => (Some(index), self.open_prefix.clone()),
            (None, Some(index)) => {
                self.restored_prefix = !self.persisted.last_prefix.is_empty();
                (Some(index), self.persisted.last_prefix.clone())
            }
            (None, None) => (self.stores.iter().position(ready), String::new()),
        };
        if let Some(index) = index {
            self.show(index, prefix);
        }
    }

    /// The open store at `index`.
    pub(crate) fn store(&self, index: usize) -> Option<&Arc<Store>> {
        match &self.stores.get(index)?.state {
            SlotState::Ready(store) => Some(store),
            _ => None,
        }
    }

    /// Shows `prefix` of store `index`: lists it in the background.
    fn show(&mut self, index: usize, prefix: String) {
        let Some(store) = self.store(index).cloned() else {
            return;
        };
        self.current = Some(index);
        self.prefix = prefix.trim_matches('/').to_string();
        self.persisted.last_store = Some(self.stores[index].name.clone());
        self.persisted.last_prefix = self.prefix.clone();
        self.level = None;
        self.entries.clear();
        self.listing_error = None;
        self.selected = None;
        self.headers_job = None;
        self.header_queue = None;
        self.headers_sink = Arc::default();
        self.rows.clear();
        self.rows_dirty = true;
        self.dj = None;
        self.rows_job = None;
        self.table_folder = store::layout::table_folder(&self.prefix, &store.spec().layout);
        if self.table_folder.is_some() {
            self.start_rows(index, &store);
        }
        let prefix = self.prefix.clone();
        let label = format!("Listing {}:{}", store.name(), display_prefix(&prefix));
        let job = self.jobs.spawn(label, move |_, _| async move {
            store.browse(&prefix).await.map_err(|e| e.to_string())
        });
        self.listing_job = Some(Request::new((index, self.prefix.clone()), job));
    }

    /// Reads the headers of every array below the table folder shown, for its DataJoint view.
    fn start_rows(&mut self, index: usize, store: &Arc<Store>) {
        let store = Arc::clone(store);
        let prefix = self.prefix.clone();
        let label = format!("Reading the rows of {}", display_prefix(&prefix));
        let job = self.jobs.spawn(label, move |progress, _| async move {
            use futures::StreamExt;
            let objects = store.walk_stream(&prefix);
            let mut stream = std::pin::pin!(store::entries(store, objects));
            let mut entries = Vec::new();
            while let Some(item) = stream.next().await {
                entries.push(item.map_err(|e| e.to_string())?);
                progress.add(1);
            }
            Ok(entries)
        });
        self.rows_job = Some(Request::new((index, self.prefix.clone()), job));
    }

    /// A listing arrived: show it and read its headers.
    fn listed(&mut self, index: usize, level: Level) {
        if let Some(wanted) = self.select_after_listing.take() {
            let path = join(&self.prefix, &wanted);
            if level.objects.iter().any(|o| o.path == path) {
                self.selected = Some(path);
            }
        }
        if let Some(store) = self.store(index).cloned()
            && !level.objects.is_empty()
        {
            let objects = level.objects.clone();
            let total = objects.len();
            // A remote level of many objects reads the headers of the rows in view (and all
            // of them on request); anything else is read whole at once.
            let read_all = store.is_local() || total <= LAZY_HEADERS_ABOVE;
            let label = format!(
                "Reading headers in {}:{}",
                store.name(),
                display_prefix(&self.prefix)
            );
            let sink: Arc<Mutex<Vec<Entry>>> = Arc::default();
            self.headers_sink = Arc::clone(&sink);
            let queue = HeaderQueue::new(objects, read_all);
            self.header_queue = Some(Arc::clone(&queue));
            let job = self.jobs.spawn(label, move |progress, cancel| async move {
                if read_all {
                    progress.set_total(total as u64);
                }
                queue.run(store, sink, progress, cancel).await;
            });
            self.headers_job = Some(Request::new((index, self.prefix.clone()), job));
        }
        self.level = Some(level);
        self.rows_dirty = true;
    }

    /// Rebuilds the table rows from the listing, headers, filter and sort.
    fn rebuild_rows(&mut self) {
        self.rows_dirty = false;
        self.rows.clear();
        let Some(level) = &self.level else {
            self.totals = Totals::default();
            self.cached_for.clear();
            self.cached_job = None;
            return;
        };
        let filter = match Filter::parse(&self.filter) {
            Ok(filter) => {
                self.filter_error = None;
                filter
            }
            Err(err) => {
                self.filter_error = Some(err.to_string());
                Filter::default()
            }
        };
        if let Some(dj) = &mut self.dj {
            dj.refresh(&filter, &self.entries, self.dj_sort.0, self.dj_sort.1);
        }
        let entries = &self.entries;
        let keep = |row: &Row| {
            let meta = entries
                .get(&row.path)
                .and_then(|entry| entry.meta.as_ref().ok());
            filter.matches(&crate::filter::FilterItem {
                name: &row.name,
                path: &row.path,
                is_folder: row.is_folder,
                meta,
                size: row.size_bytes,
            })
        };
        let mut folders: Vec<Row> = level
            .folders
            .iter()
            .map(|path| Row {
                name: format!("{}/", format::file_name(path)),
                path: path.clone(),
                is_folder: true,
                shape: None,
                shape_text: String::new(),
                dtype_text: "folder".to_string(),
                size_bytes: None,
            })
            .filter(|row| keep(row))
            .collect();
        let mut arrays: Vec<Row> = level
            .objects
            .iter()
            .map(|object| {
                let (shape, shape_text, dtype_text) = header_texts(self.entries.get(&object.path));
                Row {
                    name: format::file_name(&object.path).to_string(),
                    path: object.path.clone(),
                    is_folder: false,
                    shape,
                    shape_text,
                    dtype_text,
                    size_bytes: Some(object.size),
                }
            })
            .filter(|row| keep(row))
            .collect();
        let (column, ascending) = self.sort;
        let order = |a: &Row, b: &Row| {
            let by = match column {
                Column::Name => a.name.cmp(&b.name),
                Column::Shape => a.shape.cmp(&b.shape),
                Column::Dtype => a.dtype_text.cmp(&b.dtype_text),
                Column::Size => a.size_bytes.cmp(&b.size_bytes),
            };
            let by = by.then_with(|| a.name.cmp(&b.name));
            if ascending { by } else { by.reverse() }
        };
        folders.sort_by(order);
        arrays.sort_by(order);
        let cached = self.totals.cached;
        self.rows = folders;
        self.rows.append(&mut arrays);
        let shown = self.shown_objects();
        self.totals = Totals {
            arrays: shown.len(),
            bytes: shown.iter().map(|object| object.size).sum(),
            cached: None,
        };
        self.row_index = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, row)| (row.path.clone(), i))
            .collect();
        self.rows_built = std::time::Instant::now();
        self.count_cached(cached);
    }

    /// Whether the rows' order or choice depends on headers: sorted by shape or dtype, a
    /// filter on metadata, or a DataJoint view.
    fn rows_depend_on_headers(&self) -> bool {
        matches!(self.sort.0, Column::Shape | Column::Dtype)
            || self.dj.is_some()
            || Filter::parse(&self.filter).is_ok_and(|f| f.has_metadata_terms())
    }

    /// Counts, on a blocking thread, how much of the shown arrays of a remote store is in the
    /// download cache; only when the shown arrays changed (else keeps `previous`).
    fn count_cached(&mut self, previous: Option<u64>) {
        let Some(store) = self.current.and_then(|i| self.store(i)).cloned() else {
            return;
        };
        if self.level.is_none() || store.is_local() {
            return;
        }
        let objects = self.shown_objects();
        let paths: Vec<String> = objects.iter().map(|o| o.path.clone()).collect();
        if paths == self.cached_for {
            self.totals.cached = previous;
            return;
        }
        self.cached_for = paths;
        let cache = Arc::clone(&self.cache);
        let cache_dir = self.options.cache_dir.clone();
        let label = format!("Counting cached arrays in {}", store.name());
        let job = self.jobs.spawn(label, move |_, _| async move {
            tokio::task::spawn_blocking(move || {
                let cache = shared_cache(&cache, cache_dir)?;
                Ok(objects
                    .iter()
                    .filter(|object| cache.lookup(&store, object).is_some())
                    .map(|object| object.size)
                    .sum())
            })
            .await
            .map_err(|e| e.to_string())?
        });
        self.cached_job = Some(Request::new(self.cached_for.clone(), job));
    }

    /// The arrays the table shows: the DataJoint view's cells, or the files view's arrays.
    fn shown_objects(&self) -> Vec<crate::store::ObjectInfo> {
        if let Some(dj) = self.dj_shown() {
            return dj
                .shown
                .iter()
                .filter_map(|&i| dj.rows.get(i))
                .flat_map(|row| row.cells.iter().flatten())
                .filter_map(|path| Some(self.entries.get(path)?.object.clone()))
                .collect();
        }
        let Some(level) = &self.level else {
            return Vec::new();
        };
        let by_path: HashMap<&str, &crate::store::ObjectInfo> =
            level.objects.iter().map(|o| (o.path.as_str(), o)).collect();
        self.rows
            .iter()
            .filter(|row| !row.is_folder)
            .filter_map(|row| by_path.get(row.path.as_str()).map(|o| (*o).clone()))
            .collect()
    }

    /// The DataJoint view when it is the one shown (a table folder with rows, not switched
    /// to files).
    pub(crate) fn dj_shown(&self) -> Option<&DjTable> {
        let dj = self.dj.as_ref()?;
        (self.table_folder.is_some() && !self.persisted.files_view && !dj.rows.is_empty())
            .then_some(dj)
    }

    /// The selected array's listing entry, when its header was read.
    pub(crate) fn selected_entry(&self) -> Option<&Entry> {
        self.entries.get(self.selected.as_ref()?)
    }

    /// The jobs now running, for the jobs panel.
    pub(crate) fn running_jobs(&self) -> Vec<JobRow> {
        let mut rows = Vec::new();
        if let Some(r) = &self.config_job {
            rows.push(JobRow::of(r));
        }
        for slot in &self.stores {
            if let SlotState::Opening(r) = &slot.state {
                rows.push(JobRow::of(r));
            }
        }
        if let Some(r) = &self.listing_job {
            rows.push(JobRow::of(r));
        }
        if let Some(r) = &self.headers_job {
            rows.push(JobRow::of(r));
        }
        if let Some(r) = &self.rows_job {
            rows.push(JobRow::of(r));
        }
        if let Some(r) = &self.preview_job {
            rows.push(JobRow::of(r));
        }
        if let Some(plot) = &self.plot {
            rows.extend(plot.job_rows());
        }
        if let Some(r) = &self.load_job {
            rows.push(JobRow::of(r));
        }
        if let Some(r) = &self.mmap_job {
            rows.push(JobRow::of(r));
        }
        if let Some(r) = &self.folder_job {
            rows.push(JobRow::of(r));
        }
        rows.extend(self.open_state.job_rows());
        rows
    }

    /// Applies what the panels asked for during the frame.
    pub(crate) fn apply_commands(&mut self, ctx: &egui::Context) {
        for command in std::mem::take(&mut self.commands) {
            self.apply(ctx, command);
        }
        self.preview_requested_rows();
    }

    fn apply(&mut self, ctx: &egui::Context, command: Command) {
        match command {
            Command::SelectStore(index) => self.show(index, String::new()),
            Command::OpenFolder(path) => {
                if let Some(index) = self.current {
                    self.show(index, path);
                }
            }
            Command::GoUp => {
                if let Some(index) = self.current
                    && !self.prefix.is_empty()
                {
                    let parent = match self.prefix.rsplit_once('/') {
                        Some((parent, _)) => parent.to_string(),
                        None => String::new(),
                    };
                    self.show(index, parent);
                }
            }
            Command::Select(path) => {
                // A click in the frame that also opened a folder names a row of the old level.
                if self.rows.iter().any(|row| row.path == path)
                    || self.dj.as_ref().is_some_and(|dj| dj.contains(&path))
                {
                    self.selected = Some(path);
                }
            }
            Command::OpenSelected => {
                let Some(path) = self.selected.clone() else {
                    return;
                };
                if self
                    .level
                    .as_ref()
                    .is_some_and(|l| l.folders.contains(&path))
                {
                    self.apply(ctx, Command::OpenFolder(path));
                } else {
                    self.apply(ctx, Command::Preview);
                }
            }
            Command::Preview => match self.selected_array() {
                Ok(array) => self.start_preview(array, 0..PREVIEW_ROWS),
                Err(err) => self.error(err),
            },
            Command::Load => self.confirm_download(super::open::DataAction::Load),
            Command::MemoryMap => self.confirm_download(super::open::DataAction::MemoryMap),
            Command::Open(action) => self.apply_open(action),
            Command::Cancel(id) => self.cancel(id),
            Command::SortBy(column) => {
                self.sort = if self.sort.0 == column {
                    (column, !self.sort.1)
                } else {
                    (column, true)
                };
                self.rows_dirty = true;
                self.rebuild_rows();
            }
            Command::Copy { text, note } => {
                ctx.copy_text(text);
                self.note = Some(note);
            }
            Command::DismissErrors => self.errors.clear(),
            Command::FilesView(files) => {
                self.persisted.files_view = files;
                self.rows_dirty = true;
            }
            Command::MoveSelection(step) => self.move_selection(step),
            Command::ReadAllHeaders => {
                if let (Some(queue), Some(job)) = (&self.header_queue, &self.headers_job) {
                    queue.read_all(job.handle.progress());
                }
            }
            Command::SortRowsBy(column) => {
                self.dj_sort = if self.dj_sort.0 == column {
                    (column, !self.dj_sort.1)
                } else {
                    (column, true)
                };
                self.rows_dirty = true;
            }
            Command::ChooseFolder => {
                let job = self.jobs.spawn("Choosing a folder", |_, _| async {
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
        }
    }

    /// Asks the header job for the rows in view (and a few around them) still without one.
    fn want_visible_headers(&self) {
        let (Some(queue), Some(job)) = (&self.header_queue, &self.headers_job) else {
            return;
        };
        if queue.reads_all() {
            return;
        }
        let start = self.visible_rows.start.saturating_sub(READ_AHEAD_ROWS);
        let end = (self.visible_rows.end + READ_AHEAD_ROWS).min(self.rows.len());
        let missing: Vec<&str> = self.rows[start.min(end)..end]
            .iter()
            .filter(|row| !row.is_folder && !self.entries.contains_key(&row.path))
            .map(|row| row.path.as_str())
            .collect();
        if !missing.is_empty() {
            queue.want(&missing, job.handle.progress());
        }
    }

    /// Selects the row `step` rows from the selected one in the table shown (the DataJoint
    /// view keeps the attribute column); the first row when nothing is selected.
    fn move_selection(&mut self, step: i32) {
        let move_in = |len: usize, at: Option<usize>| match at {
            Some(at) => (at as i64 + i64::from(step)).clamp(0, len as i64 - 1) as usize,
            None => 0,
        };
        match (&self.dj, self.table_folder.is_some()) {
            (Some(dj), true) if !self.persisted.files_view && !dj.rows.is_empty() => {
                let column = self
                    .selected
                    .as_ref()
                    .and_then(|s| {
                        dj.rows
                            .iter()
                            .find_map(|row| row.cells.iter().position(|c| c.as_ref() == Some(s)))
                    })
                    .unwrap_or(0);
                let paths: Vec<&String> = dj
                    .shown
                    .iter()
                    .filter_map(|&i| dj.rows.get(i)?.cells.get(column)?.as_ref())
                    .collect();
                if paths.is_empty() {
                    return;
                }
                let at = self
                    .selected
                    .as_ref()
                    .and_then(|s| paths.iter().position(|p| *p == s));
                self.selected = paths.get(move_in(paths.len(), at)).map(|p| p.to_string());
            }
            _ => {
                if self.rows.is_empty() {
                    return;
                }
                let at = self
                    .selected
                    .as_ref()
                    .and_then(|s| self.row_index.get(s).copied());
                self.selected = self
                    .rows
                    .get(move_in(self.rows.len(), at))
                    .map(|row| row.path.clone());
            }
        }
        self.scroll_to_selected = true;
    }

    /// The selected array as a reference, or why there is none.
    pub(crate) fn selected_array(&self) -> Result<ArrayRef, String> {
        let store = self
            .current
            .and_then(|i| self.store(i))
            .ok_or("no store is open")?;
        let entry = self.selected_entry().ok_or("select an array first")?;
        if let Err(err) = &entry.meta {
            return Err(err.to_string());
        }
        ArrayRef::from_entry(Arc::clone(store), entry).ok_or_else(|| "no header".to_string())
    }

    /// Reads `rows` of `array` in the background and plots them (the plot's row window calls
    /// this again for other windows of the same array).
    fn start_preview(&mut self, array: ArrayRef, rows: std::ops::Range<u64>) {
        self.preview_array = Some(array.clone());
        let path = array.path().to_string();
        let gate = self.options.data_gate.clone();
        let label = format!("Preview {}", format::file_name(&path));
        let key = path.clone();
        let cache = Arc::clone(&self.cache);
        let cache_dir = self.options.cache_dir.clone();
        let job = self.jobs.spawn(label, move |progress, cancel| async move {
            wait_for_gate(gate).await;
            let total_rows = array.shape().first().copied().unwrap_or(1);
            let (rows, data) = array
                .read_rows(rows, &progress, &cancel)
                .await
                .map_err(|e| e.to_string())?;
            let note = if array.store().is_local() || rows.start == 0 && rows.end >= total_rows {
                None
            } else {
                let probe = array.clone();
                let cached = tokio::task::spawn_blocking(move || {
                    shared_cache(&cache, cache_dir).is_ok_and(|c| probe.is_cached(&c))
                })
                .await
                .unwrap_or(false);
                (!cached).then(|| {
                    format!(
                        "Showing rows {}-{} of {}. The whole-array overview comes once the array is cached (Memory-map downloads it).",
                        rows.start, rows.end, total_rows
                    )
                })
            };
            Ok(Preview {
                path,
                rows,
                array: data,
                total_rows,
                note,
            })
        });
        self.preview_job = Some(Request::new(key, job));
    }

    /// Previews the rows the plot's row window asked for (another window of the same array).
    pub(crate) fn preview_requested_rows(&mut self) {
        let Some(rows) = self.plot.as_mut().and_then(PlotPanel::take_requested_rows) else {
            return;
        };
        match self.preview_array.clone() {
            Some(array) if self.plot.as_ref().is_some_and(|p| p.path() == array.path()) => {
                self.start_preview(array, rows)
            }
            _ => self.error("the previewed array is gone; select it and press Preview again"),
        }
    }

    pub(crate) fn start_load(&mut self) {
        let array = match self.selected_array() {
            Ok(array) => array,
            Err(err) => return self.error(err),
        };
        let path = array.path().to_string();
        let gate = self.options.data_gate.clone();
        let label = format!("Load {}", format::file_name(&path));
        let key = path.clone();
        let job = self.jobs.spawn(label, move |progress, cancel| async move {
            wait_for_gate(gate).await;
            let array = array
                .load(None, &progress, &cancel)
                .await
                .map_err(|e| e.to_string())?;
            Ok(Loaded {
                path,
                array: Arc::new(array),
            })
        });
        self.load_job = Some(Request::new(key, job));
    }

    pub(crate) fn start_mmap(&mut self) {
        let array = match self.selected_array() {
            Ok(array) => array,
            Err(err) => return self.error(err),
        };
        let path = array.path().to_string();
        let gate = self.options.data_gate.clone();
        let label = format!("Memory-map {}", format::file_name(&path));
        let key = path.clone();
        let cache = Arc::clone(&self.cache);
        let cache_dir = self.options.cache_dir.clone();
        let job = self.jobs.spawn(label, move |progress, cancel| async move {
            wait_for_gate(gate).await;
            let cache = tokio::task::spawn_blocking(move || shared_cache(&cache, cache_dir))
                .await
                .map_err(|e| e.to_string())??;
            let in_place = array.store().is_local();
            let array = array
                .mmap(MapMode::ReadOnly, &cache, &progress, &cancel)
                .await
                .map_err(|e| e.to_string())?;
            Ok(Mapped {
                path,
                array: Arc::new(array),
                in_place,
            })
        });
        self.mmap_job = Some(Request::new(key, job));
    }

    /// Cancels the job numbered `id`, whichever request holds it.
    fn cancel(&mut self, id: u64) {
        cancel_if(self.config_job.as_ref(), id);
        for slot in &self.stores {
            if let SlotState::Opening(r) = &slot.state {
                cancel_if(Some(r), id);
            }
        }
        cancel_if(self.folder_job.as_ref(), id);
        cancel_if(self.preview_job.as_ref(), id);
        if let Some(plot) = &mut self.plot {
            plot.cancel_job(id);
        }
        cancel_if(self.load_job.as_ref(), id);
        cancel_if(self.mmap_job.as_ref(), id);
        cancel_if(self.listing_job.as_ref(), id);
        cancel_if(self.headers_job.as_ref(), id);
        self.open_state.cancel(id);
        cancel_if(self.rows_job.as_ref(), id);
    }

    /// What eframe keeps between runs.
    pub fn persisted(&self) -> &Persisted {
        &self.persisted
    }
}

impl eframe::App for App {
    fn logic(&mut self, _ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.poll_jobs();
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        if !self.first_frame_logged {
            // `benches/cold_start.py` times start-up to this line (NPYSCOPE_LOG=info).
            self.first_frame_logged = true;
            tracing::info!("first frame");
        }
        // The menu bar first, so it spans the whole width above the panels.
        self.menu_ui(ui);
        self.panels_ui(ui);
        // Dialogs (Add store, download confirmation) and the drop overlay over the panels.
        self.dialogs_ui(ui);
        let ctx = ui.ctx().clone();
        self.apply_commands(&ctx);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.persisted);
    }
}

/// A job's outcome with a cancelled or lost job as an error message.
/// Shape (for sorting), shape text and dtype text of a row whose header is `entry`.
fn header_texts(entry: Option<&Entry>) -> (Option<Vec<u64>>, String, String) {
    match entry.map(|e| &e.meta) {
        None => (None, "\u{2026}".to_string(), "\u{2026}".to_string()),
        Some(Ok(meta)) => (
            Some(meta.shape.clone()),
            format::shape(&meta.shape),
            meta.dtype.display_name(),
        ),
        Some(Err(_)) => (None, "error".to_string(), "error".to_string()),
    }
}

fn flatten<T>(outcome: Result<Result<T, String>, JobError>) -> Result<T, String> {
    outcome.map_err(|e| e.to_string()).and_then(|r| r)
}

/// Cancels `request` if it is the job numbered `id`.
fn cancel_if<K, T>(request: Option<&Request<K, T>>, id: u64) {
    if let Some(r) = request
        && r.handle.id() == id
    {
        r.handle.cancel();
    }
}

/// The download cache, opened once (small blocking file work: call on a blocking thread).
pub(crate) fn shared_cache(
    slot: &Mutex<Option<Arc<Cache>>>,
    dir: Option<std::path::PathBuf>,
) -> Result<Arc<Cache>, String> {
    let mut slot = slot
        .lock()
        .map_err(|_| "the download cache is unavailable".to_string())?;
    if let Some(cache) = &*slot {
        return Ok(Arc::clone(cache));
    }
    let cache = Arc::new(Cache::open(dir, None).map_err(|e| e.to_string())?);
    *slot = Some(Arc::clone(&cache));
    Ok(cache)
}

/// Waits for a permit when a gate is set (tests); the permit is given back at once.
async fn wait_for_gate(gate: Option<Arc<tokio::sync::Semaphore>>) {
    if let Some(gate) = gate {
        let _permit = gate.acquire().await;
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

/// `prefix` for labels: `/` for the top.
pub(crate) fn display_prefix(prefix: &str) -> String {
    format!("/{prefix}")
}

/// `prefix/name`, or `name` at the top.
fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}/{name}")
    }
}
