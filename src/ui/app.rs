//! The app's state and the work between frames: starting jobs for what the user asked,
//! taking their results, applying the commands the panels emitted.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use super::AppOptions;
use super::format;
use super::plot::{self, Series};
use super::requests::{JobRow, Request, take_done};
use crate::array::{ArrayRef, MapMode, MappedArray, NdArray};
use crate::cache::Cache;
use crate::config::{Config, StoreSpec};
use crate::jobs::{JobError, Jobs};
use crate::store::{self, Entry, Level, Store};

/// Rows read by Preview: enough for a few seconds of a typical recording.
pub(crate) const PREVIEW_ROWS: u64 = 100_000;
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
    /// What to draw.
    pub series: Series,
}

/// A loaded array.
pub(crate) struct Loaded {
    /// The array's path.
    pub path: String,
    /// The data, in memory.
    pub array: NdArray,
}

/// A memory-mapped array.
pub(crate) struct Mapped {
    /// The array's path.
    pub path: String,
    /// The map (a local store's own file, or a cached copy).
    pub array: MappedArray,
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
}

/// The inspector app.
pub struct App {
    pub(crate) jobs: Jobs,
    options: AppOptions,
    pub(crate) persisted: Persisted,
    config_job: Option<Request<(), Result<Config, String>>>,
    /// `datajoint.json` used, or why none could be.
    pub(crate) config_note: Option<String>,
    pub(crate) stores: Vec<StoreSlot>,
    pub(crate) current: Option<usize>,
    pub(crate) prefix: String,
    listing_job: Option<Request<(usize, String), Result<Level, String>>>,
    headers_job: Option<Request<(usize, String), ()>>,
    /// Entries of the current level's header job as they arrive (a new buffer per level, so
    /// a late job of a level the user left fills a buffer nobody reads).
    headers_sink: Arc<Mutex<Vec<Entry>>>,
    pub(crate) level: Option<Level>,
    pub(crate) entries: HashMap<String, Entry>,
    pub(crate) listing_error: Option<String>,
    pub(crate) rows: Vec<Row>,
    rows_dirty: bool,
    pub(crate) filter: String,
    shown_filter: String,
    pub(crate) sort: (Column, bool),
    pub(crate) selected: Option<String>,
    /// A file to select once its folder is listed (a `.npy` given on the command line).
    select_after_listing: Option<String>,
    /// The folder inside the path argument's store to show first.
    open_prefix: String,
    preview_job: Option<Request<String, Result<Preview, String>>>,
    pub(crate) preview: Option<Preview>,
    load_job: Option<Request<String, Result<Loaded, String>>>,
    mmap_job: Option<Request<String, Result<Mapped, String>>>,
    /// The download cache, opened on a blocking thread by the first job that needs it.
    cache: Arc<Mutex<Option<Arc<Cache>>>>,
    /// The last memory-mapped array.
    pub(crate) mapped: Option<Mapped>,
    /// The arrays the table shows, summed (with the rows).
    pub(crate) totals: Totals,
    /// Counts the cached part of [`App::totals`] for these paths (a remote store's).
    cached_job: Option<Request<Vec<String>, Result<u64, String>>>,
    /// The paths the cached part was last counted (or is being counted) for.
    cached_for: Vec<String>,
    folder_job: Option<Request<(), Option<PathBuf>>>,
    /// A store to show once it is open (one the user just added).
    show_when_open: Option<usize>,
    pub(crate) loaded: Option<Loaded>,
    pub(crate) errors: Vec<String>,
    pub(crate) note: Option<String>,
    pub(crate) commands: Vec<Command>,
    chose_store: bool,
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
            headers_sink: Arc::default(),
            level: None,
            entries: HashMap::new(),
            listing_error: None,
            rows: Vec::new(),
            rows_dirty: true,
            filter: String::new(),
            shown_filter: String::new(),
            sort: (Column::Name, true),
            selected: None,
            select_after_listing: None,
            open_prefix: String::new(),
            preview_job: None,
            preview: None,
            load_job: None,
            mmap_job: None,
            cache: Arc::default(),
            mapped: None,
            totals: Totals::default(),
            cached_job: None,
            cached_for: Vec::new(),
            folder_job: None,
            show_when_open: None,
            loaded: None,
            errors: Vec::new(),
            note: None,
            commands: Vec::new(),
            chose_store: false,
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
            // A path inside a DataJoint store (below `_schema`) opens the whole store at that
            // folder, so its arrays keep their schema, table and key.
            let resolved = store::target::resolve(&path.to_string_lossy(), &Config::default());
            match resolved {
                Ok(target) => {
                    let (prefix, file) = if store::is_npy(&target.path) {
                        match target.path.rsplit_once('/') {
                            Some((folder, name)) => (folder.to_string(), Some(name.to_string())),
                            None => (String::new(), Some(target.path.clone())),
                        }
                    } else {
                        (target.path.clone(), None)
                    };
                    self.select_after_listing = file;
                    self.open_prefix = prefix;
                    self.add_store(Ok(target.spec));
                }
                Err(_) => {
                    let (folder, file) = split_open_path(&path);
                    self.select_after_listing = file;
                    self.add_store(Ok(StoreSpec::local_folder(&folder)));
                }
            }
        }

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

    /// Adds a store and starts opening it (a local folder is checked on a blocking thread).
    fn add_store(&mut self, spec: Result<StoreSpec, String>) {
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
                    self.add_store(Ok(StoreSpec::local_folder(&folder)));
                    self.show_when_open = Some(self.stores.len() - 1);
                }
                Ok(None) => {}
                Err(err) => self.error(format!("choosing a folder: {err}")),
            }
        }
        if let Some(index) = self.show_when_open {
            match self.stores.get(index).map(|s| &s.state) {
                Some(SlotState::Ready(_)) => {
                    self.show_when_open = None;
                    self.show(index, String::new());
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
                Ok(level) => self.listed(index, level),
                Err(err) => {
                    self.listing_error = Some(err.clone());
                    self.error(err);
                }
            }
        }
        // Headers are shown as they arrive, not when the whole level is read.
        let finished = take_done(&mut self.headers_job);
        let arrived = match self.headers_sink.lock() {
            Ok(mut sink) => std::mem::take(&mut *sink),
            Err(_) => Vec::new(),
        };
        if !arrived.is_empty() {
            for entry in arrived {
                self.entries.insert(entry.object.path.clone(), entry);
            }
            self.rows_dirty = true;
        }
        if let Some((_, Err(err))) = finished {
            self.error(format!("reading headers: {err}"));
        }
        if let Some((path, outcome)) = take_done(&mut self.preview_job) {
            match flatten(outcome) {
                Ok(preview) => self.preview = Some(preview),
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
                    self.mapped = Some(mapped);
                    // A remote array is in the cache now: count the cached part again.
                    self.cached_for.clear();
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
    }

    /// Adds the configured stores beside the demo store.
    fn apply_config(&mut self, config: Config) {
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
            (None, Some(index)) => (Some(index), self.persisted.last_prefix.clone()),
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
        self.headers_sink = Arc::default();
        self.rows.clear();
        self.rows_dirty = true;
        let prefix = self.prefix.clone();
        let label = format!("Listing {}:{}", store.name(), display_prefix(&prefix));
        let job = self.jobs.spawn(label, move |_, _| async move {
            store.browse(&prefix).await.map_err(|e| e.to_string())
        });
        self.listing_job = Some(Request::new((index, self.prefix.clone()), job));
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
            let total = objects.len() as u64;
            let label = format!(
                "Reading {} headers in {}:{}",
                total,
                store.name(),
                display_prefix(&self.prefix)
            );
            let sink: Arc<Mutex<Vec<Entry>>> = Arc::default();
            self.headers_sink = Arc::clone(&sink);
            let job = self.jobs.spawn(label, move |progress, _| async move {
                use futures::StreamExt;
                progress.set_total(total);
                let stream =
                    store::entries(store, futures::stream::iter(objects.into_iter().map(Ok)));
                let mut stream = std::pin::pin!(stream);
                while let Some(item) = stream.next().await {
                    match item {
                        Ok(entry) => {
                            if let Ok(mut sink) = sink.lock() {
                                sink.push(entry);
                            }
                            // After the push: the repaint this asks for finds the entry.
                            progress.add(1);
                        }
                        // The objects were listed already; only a listing error ends early.
                        Err(err) => {
                            tracing::warn!("{err}");
                            break;
                        }
                    }
                }
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
        let needle = self.filter.trim().to_lowercase();
        let keep = |name: &str| needle.is_empty() || name.to_lowercase().contains(&needle);
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
            .filter(|row| keep(&row.name))
            .collect();
        let mut arrays: Vec<Row> = level
            .objects
            .iter()
            .map(|object| {
                let (shape, shape_text, dtype_text) = match self.entries.get(&object.path) {
                    None => (None, "…".to_string(), "…".to_string()),
                    Some(entry) => match &entry.meta {
                        Ok(meta) => (
                            Some(meta.shape.clone()),
                            format::shape(&meta.shape),
                            meta.dtype.display_name(),
                        ),
                        Err(_) => (None, "error".to_string(), "error".to_string()),
                    },
                };
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
            .filter(|row| keep(&row.name))
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
        self.totals = Totals {
            arrays: arrays.len(),
            bytes: arrays.iter().filter_map(|row| row.size_bytes).sum(),
            cached: None,
        };
        self.rows = folders;
        self.rows.append(&mut arrays);
        self.count_cached(cached);
    }

    /// Counts, on a blocking thread, how much of the shown arrays of a remote store is in the
    /// download cache; only when the shown arrays changed (else keeps `previous`).
    fn count_cached(&mut self, previous: Option<u64>) {
        let Some(store) = self.current.and_then(|i| self.store(i)).cloned() else {
            return;
        };
        let Some(level) = &self.level else {
            return;
        };
        if store.is_local() {
            return;
        }
        let paths: Vec<String> = self
            .rows
            .iter()
            .filter(|row| !row.is_folder)
            .map(|row| row.path.clone())
            .collect();
        if paths == self.cached_for {
            self.totals.cached = previous;
            return;
        }
        self.cached_for = paths.clone();
        let objects: Vec<_> = level
            .objects
            .iter()
            .filter(|o| paths.contains(&o.path))
            .cloned()
            .collect();
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
        if let Some(r) = &self.preview_job {
            rows.push(JobRow::of(r));
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
        rows
    }

    /// Applies what the panels asked for during the frame.
    pub(crate) fn apply_commands(&mut self, ctx: &egui::Context) {
        for command in std::mem::take(&mut self.commands) {
            self.apply(ctx, command);
        }
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
                if self.rows.iter().any(|row| row.path == path) {
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
            Command::Preview => self.start_preview(),
            Command::Load => self.start_load(),
            Command::MemoryMap => self.start_mmap(),
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

    /// The selected array as a reference, or why there is none.
    fn selected_array(&self) -> Result<ArrayRef, String> {
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

    fn start_preview(&mut self) {
        let array = match self.selected_array() {
            Ok(array) => array,
            Err(err) => return self.error(err),
        };
        let path = array.path().to_string();
        let gate = self.options.data_gate.clone();
        let label = format!("Preview {}", format::file_name(&path));
        let key = path.clone();
        let job = self.jobs.spawn(label, move |progress, cancel| async move {
            wait_for_gate(gate).await;
            let (rows, data) = array
                .read_rows(0..PREVIEW_ROWS, &progress, &cancel)
                .await
                .map_err(|e| e.to_string())?;
            let first = rows.start;
            let series = tokio::task::spawn_blocking(move || plot::series(&data, first))
                .await
                .map_err(|e| e.to_string())?;
            Ok(Preview { path, rows, series })
        });
        self.preview_job = Some(Request::new(key, job));
    }

    fn start_load(&mut self) {
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
            Ok(Loaded { path, array })
        });
        self.load_job = Some(Request::new(key, job));
    }

    fn start_mmap(&mut self) {
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
                array,
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
        cancel_if(self.load_job.as_ref(), id);
        cancel_if(self.mmap_job.as_ref(), id);
        cancel_if(self.listing_job.as_ref(), id);
        cancel_if(self.headers_job.as_ref(), id);
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
        self.panels_ui(ui);
        let ctx = ui.ctx().clone();
        self.apply_commands(&ctx);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.persisted);
    }
}

/// A job's outcome with a cancelled or lost job as an error message.
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
fn shared_cache(
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
