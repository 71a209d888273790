//! The browser room: the level shown (a folder of the current store), its listing, the header
//! job and its queue (the rows in view first), the files table's rows with their filter and
//! sort, the selection, and the totals line with its cached part.
//!
//! A table folder's DataJoint view is the DataJoint room's; the browser is handed it where the
//! rows, the totals or the selection depend on it. Drawn by `browser_ui.rs`.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use super::command::{Column, Command, Place};
use super::datajoint::{DataJointRoom, DjTable};
use super::folder_sizes::{FolderSizes, count_text};
use super::format;
use super::headers::HeaderQueue;
use super::requests::{JobRow, Request, cancel_if, flatten, take_done};
use super::room::Cx;
use crate::array::ArrayRef;
use crate::filter::Filter;
use crate::jobs::JobError;
use crate::store::{Entry, Level, ObjectInfo, Store};

/// A remote level with more objects than this reads headers as rows come into view.
pub(crate) const LAZY_HEADERS_ABOVE: usize = 500;
/// Rows above and below the view whose headers are read ahead.
const READ_AHEAD_ROWS: usize = 40;
/// Time one frame may spend applying arrived headers to the rows (the rest wait for the next
/// frames), so a level of 100,000 arrays streams in without a long frame.
const HEADERS_FRAME_BUDGET: std::time::Duration = std::time::Duration::from_millis(3);
/// Headers applied between two looks at the clock.
const HEADERS_PER_CHECK: usize = 256;

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

/// The browser room's state; see the [module documentation](self).
pub(crate) struct BrowserRoom {
    /// Index (in the stores panel) of the store shown.
    pub current: Option<usize>,
    /// The store shown and its name in the stores panel.
    store: Option<(Arc<Store>, String)>,
    /// The folder shown, store-relative.
    pub prefix: String,
    /// Lists the folder shown, keyed by the level it was started for.
    listing_job: Option<Request<(usize, String), Result<Level, String>>>,
    /// Reads the level's headers (as the queue asks).
    headers_job: Option<Request<(usize, String), ()>>,
    /// What the header job reads next (rows in view first).
    pub header_queue: Option<Arc<HeaderQueue>>,
    /// The files table's rows drawn in the last frame.
    pub visible_rows: Range<usize>,
    /// Entries of the current level's header job as they arrive (a new buffer per level, so
    /// a late job of a level the user left fills a buffer nobody reads).
    headers_sink: Arc<Mutex<Vec<Entry>>>,
    /// Headers taken from the sink but not yet applied (over a frame's budget).
    headers_backlog: std::collections::VecDeque<Entry>,
    /// The listing of the level shown, once read.
    pub level: Option<Level>,
    /// Headers read so far, by path.
    pub entries: HashMap<String, Entry>,
    /// Why the level could not be listed.
    pub listing_error: Option<String>,
    /// The files table's rows.
    pub rows: Vec<Row>,
    /// The rows need rebuilding (listing, headers, filter or sort changed).
    rows_dirty: bool,
    /// Headers arrived that change the order or the filter's choice (rebuild soon).
    headers_changed_rows: bool,
    /// When the rows were last rebuilt.
    rows_built: std::time::Instant,
    /// Index in `rows` of each path.
    pub row_index: HashMap<String, usize>,
    /// The filter box's text.
    pub filter: String,
    /// The filter text the rows were built with.
    shown_filter: String,
    /// Why the filter text cannot be used (shown under the box); the table is then unfiltered.
    pub filter_error: Option<String>,
    /// The files table's sort column and direction (ascending).
    pub sort: (Column, bool),
    /// The selected row's path.
    pub selected: Option<String>,
    /// The selection moved by keys: scroll the table to it in the next frame.
    pub scroll_to_selected: bool,
    /// A file to select once its folder is listed (a `.npy` that was opened).
    select_after_listing: Option<String>,
    /// The array opened (a path argument, a dropped file): previewed once its header is read.
    preview_after_header: Option<String>,
    /// The folder shown was restored from the last run (if it is gone, the top is shown).
    restored_prefix: bool,
    /// The arrays the table shows, summed (with the rows).
    pub totals: Totals,
    /// Counts the cached part of [`BrowserRoom::totals`] for these paths (a remote store's).
    cached_job: Option<Request<Vec<String>, Result<u64, String>>>,
    /// The paths the cached part was last counted (or is being counted) for.
    cached_for: Vec<String>,
    /// How many arrays and bytes each folder row holds, once known.
    pub sizes: FolderSizes,
}

impl Default for BrowserRoom {
    fn default() -> Self {
        BrowserRoom {
            current: None,
            store: None,
            prefix: String::new(),
            listing_job: None,
            headers_job: None,
            header_queue: None,
            visible_rows: 0..0,
            headers_sink: Arc::default(),
            headers_backlog: std::collections::VecDeque::new(),
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
            sort: (Column::Name, true),
            selected: None,
            scroll_to_selected: false,
            select_after_listing: None,
            preview_after_header: None,
            restored_prefix: false,
            totals: Totals::default(),
            cached_job: None,
            cached_for: Vec::new(),
            sizes: FolderSizes::default(),
        }
    }
}

impl BrowserRoom {
    /// Shows `place` of `store` (named `name` in the stores panel): lists it in the background.
    /// `place.prefix` is store-relative without surrounding `/`.
    pub(crate) fn show(&mut self, cx: &mut Cx<'_>, store: Arc<Store>, name: String, place: Place) {
        let index = place.store;
        self.current = Some(index);
        self.prefix = place.prefix;
        if place.select.is_some() {
            self.select_after_listing = place.select;
        }
        self.restored_prefix |= place.restored;
        self.level = None;
        self.entries.clear();
        self.listing_error = None;
        self.selected = None;
        self.headers_job = None;
        self.header_queue = None;
        self.headers_sink = Arc::default();
        self.headers_backlog.clear();
        self.rows.clear();
        self.rows_dirty = true;
        let prefix = self.prefix.clone();
        let label = format!(
            "Listing {}:{}",
            store.name(),
            format::display_prefix(&prefix)
        );
        self.store = Some((Arc::clone(&store), name));
        let job = cx.jobs().spawn(label, move |progress, _| async move {
            let _retries = progress.show_retries_of(&store);
            store.browse(&prefix).await.map_err(|e| e.to_string())
        });
        self.listing_job = Some(Request::new((index, self.prefix.clone()), job));
    }

    /// The level shown: the store's index and the folder.
    pub(crate) fn level_key(&self) -> Option<(usize, &str)> {
        Some((self.current?, self.prefix.as_str()))
    }

    /// The store shown.
    pub(crate) fn store(&self) -> Option<&Arc<Store>> {
        self.store.as_ref().map(|(store, _)| store)
    }

    /// The name of the store shown, as in the stores panel.
    pub(crate) fn store_name(&self) -> &str {
        self.store.as_ref().map_or("", |(_, name)| name.as_str())
    }

    /// Whether the demo store's first table is shown (the window opens there; a hint says what
    /// to do next).
    pub(crate) fn shows_demo_first_table(&self) -> bool {
        self.store_name() == super::stores::DEMO_NAME && self.prefix == crate::demo::FIRST_TABLE
    }

    /// A listing arrived: show it and read its headers.
    fn listed(&mut self, cx: &mut Cx<'_>, index: usize, level: Level) {
        self.preview_after_header = None;
        if let Some(wanted) = self.select_after_listing.take() {
            let path = join(&self.prefix, &wanted);
            if level.objects.iter().any(|o| o.path == path) {
                self.selected = Some(path.clone());
                self.preview_after_header = Some(path);
            }
        }
        if let Some(store) = self.store().cloned()
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
                format::display_prefix(&self.prefix)
            );
            let sink: Arc<Mutex<Vec<Entry>>> = Arc::default();
            self.headers_sink = Arc::clone(&sink);
            self.headers_backlog.clear();
            // Room for every header at once: no rehash of a big map in the middle of a frame.
            self.entries
                .reserve(total.saturating_sub(self.entries.len()));
            let queue = HeaderQueue::new(objects, read_all);
            self.header_queue = Some(Arc::clone(&queue));
            let job = cx.jobs().spawn(label, move |progress, cancel| async move {
                if read_all {
                    progress.set_total(total as u64);
                }
                let _retries = progress.show_retries_of(&store);
                queue.run(store, sink, progress, cancel).await;
            });
            self.headers_job = Some(Request::new((index, self.prefix.clone()), job));
        }
        if let Some(store) = self.store().cloned()
            && store.is_local()
            && !self.sizes.knows_all(index, &level.folders)
        {
            self.sizes.count(cx, index, &store, &self.prefix);
        }
        self.level = Some(level);
        self.rows_dirty = true;
    }

    /// The array the window was opened on is plotted once its header is read (and while it is
    /// still the one selected).
    fn preview_opened_array(&mut self, cx: &mut Cx<'_>) {
        let Some(path) = &self.preview_after_header else {
            return;
        };
        let Some(entry) = self.entries.get(path) else {
            return;
        };
        if entry.meta.is_ok() && self.selected.as_ref() == Some(path) {
            cx.emit(Command::Preview);
        }
        self.preview_after_header = None;
    }

    /// Sizes the folders of the level shown (a remote store's, on request).
    pub(crate) fn count_folder_sizes(&mut self, cx: &mut Cx<'_>) {
        if let (Some(index), Some(store)) = (self.current, self.store().cloned()) {
            let prefix = self.prefix.clone();
            self.sizes.count(cx, index, &store, &prefix);
        }
    }

    /// Whether the level shown has folders whose size is unknown and not being counted.
    pub(crate) fn folder_sizes_wanted(&self) -> bool {
        match (self.current, &self.level) {
            (Some(index), Some(level)) => {
                !self.sizes.knows_all(index, &level.folders)
                    && !self.sizes.counting(index, &self.prefix)
            }
            _ => false,
        }
    }

    /// Takes the listing, the headers that arrived and the cached count. A remembered folder
    /// that cannot be listed any more emits [`Command::Show`] of the store's top.
    pub(crate) fn poll(&mut self, cx: &mut Cx<'_>, dj: &DataJointRoom) {
        // Late results of a level the user left are dropped.
        if let Some(((index, prefix), outcome)) = take_done(&mut self.listing_job)
            && Some(index) == self.current
            && prefix == self.prefix
        {
            match flatten(outcome) {
                Ok(level) => {
                    self.restored_prefix = false;
                    self.listed(cx, index, level)
                }
                // The folder remembered from the last run is gone: show the store's top.
                Err(err) if std::mem::take(&mut self.restored_prefix) => {
                    cx.status.note(format!(
                        "The folder shown last time cannot be listed ({err}); showing the top \
                         of the store"
                    ));
                    cx.emit(Command::Show(Place::folder(index, "")));
                }
                Err(err) => {
                    self.listing_error = Some(err.clone());
                    cx.error(err);
                }
            }
        }
        if self.sizes.poll(cx) {
            self.rows_dirty = true;
        }
        self.want_visible_headers();
        // Headers are shown as they arrive, not when the whole level is read.
        let finished = take_done(&mut self.headers_job);
        if let Ok(mut sink) = self.headers_sink.lock() {
            self.headers_backlog.extend(sink.drain(..));
        }
        if self.apply_headers() > 0 {
            // Rows are shown in place as headers arrive; the order and the filter need them
            // only when they depend on headers (then at most a few times a second).
            if self.rows_depend_on_headers(dj) {
                self.headers_changed_rows = true;
            }
        }
        self.preview_opened_array(cx);
        let settle = std::time::Duration::from_millis(300);
        let all_applied = self.headers_job.is_none() && self.headers_backlog.is_empty();
        if self.headers_changed_rows && (all_applied || self.rows_built.elapsed() >= settle) {
            self.headers_changed_rows = false;
            self.rows_dirty = true;
        }
        if let Some((_, Err(err))) = finished {
            cx.error(format!("reading headers: {err}"));
        }
        if let Some((paths, outcome)) = take_done(&mut self.cached_job) {
            match flatten(outcome) {
                Ok(bytes) if paths == self.cached_for => self.totals.cached = Some(bytes),
                Ok(_) => {}
                Err(err) if err == JobError::Cancelled.to_string() => {}
                Err(err) => cx.error(format!("counting cached arrays: {err}")),
            }
        }
    }

    /// Applies arrived headers to their rows and the entries, oldest first, for at most
    /// [`HEADERS_FRAME_BUDGET`] (the rest stay for the next frames); returns how many.
    fn apply_headers(&mut self) -> usize {
        let started = std::time::Instant::now();
        let mut applied = 0;
        while let Some(entry) = self.headers_backlog.pop_front() {
            if let Some(&at) = self.row_index.get(&entry.object.path)
                && let Some(row) = self.rows.get_mut(at)
            {
                (row.shape, row.shape_text, row.dtype_text) = header_texts(Some(&entry));
            }
            self.entries.insert(entry.object.path.clone(), entry);
            applied += 1;
            if applied % HEADERS_PER_CHECK == 0 && started.elapsed() >= HEADERS_FRAME_BUDGET {
                break;
            }
        }
        applied
    }

    /// Whether arrived headers wait to be applied (the window repaints until they are).
    pub(crate) fn headers_waiting(&self) -> bool {
        !self.headers_backlog.is_empty()
    }

    /// Rebuilds the rows once the filter text, the listing, the headers or the sort changed
    /// (called after the frame's commands are applied).
    pub(crate) fn settle(&mut self, cx: &mut Cx<'_>, dj: &mut DataJointRoom, files_view: bool) {
        if self.filter != self.shown_filter {
            self.shown_filter = self.filter.clone();
            self.rows_dirty = true;
        }
        if self.rows_dirty {
            self.rebuild_rows(cx, dj, files_view);
        }
    }

    /// Headers of the DataJoint room's rows job: they are entries of this level too.
    pub(crate) fn add_entries(&mut self, entries: Vec<Entry>) {
        // The DataJoint view walked everything below the level shown: its folders' sizes.
        if let Some(index) = self.current {
            self.sizes
                .learn(index, &self.prefix, entries.iter().map(|e| &e.object));
        }
        for entry in entries {
            self.entries.insert(entry.object.path.clone(), entry);
        }
        self.rows_dirty = true;
    }

    /// The rows are to be rebuilt (the view or the DataJoint sort changed).
    pub(crate) fn mark_dirty(&mut self) {
        self.rows_dirty = true;
    }

    /// An array entered the download cache: the cached part is counted again.
    pub(crate) fn recount_cached(&mut self) {
        self.cached_for.clear();
        self.rows_dirty = true;
    }

    /// Sorts the files table by `column` (again: reverse), at once.
    pub(crate) fn sort_by(
        &mut self,
        cx: &mut Cx<'_>,
        column: Column,
        dj: &mut DataJointRoom,
        files_view: bool,
    ) {
        self.sort = if self.sort.0 == column {
            (column, !self.sort.1)
        } else {
            (column, true)
        };
        self.rows_dirty = true;
        self.rebuild_rows(cx, dj, files_view);
    }

    /// Reads the headers of every array of the level, not only of the rows in view.
    pub(crate) fn read_all_headers(&self) {
        if let (Some(queue), Some(job)) = (&self.header_queue, &self.headers_job) {
            queue.read_all(job.handle.progress());
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

    /// Selects `path` if it is a row of the level shown (or a cell of its DataJoint view): a
    /// click in the frame that also opened a folder names a row of the old level.
    pub(crate) fn select(&mut self, path: String, dj: &DataJointRoom) {
        if self.rows.iter().any(|row| row.path == path) || dj.contains(&path) {
            self.selected = Some(path);
        }
    }

    /// The selected row when it is a folder of the level shown.
    pub(crate) fn selected_folder(&self) -> Option<&str> {
        let path = self.selected.as_deref()?;
        self.level
            .as_ref()
            .is_some_and(|l| l.folders.iter().any(|f| f == path))
            .then_some(path)
    }

    /// The parent of the folder shown (`None` at the top or with no store shown).
    pub(crate) fn parent(&self) -> Option<Place> {
        let index = self.current?;
        if self.prefix.is_empty() {
            return None;
        }
        let parent = match self.prefix.rsplit_once('/') {
            Some((parent, _)) => parent.to_string(),
            None => String::new(),
        };
        Some(Place::folder(index, parent))
    }

    /// Selects the row `step` rows from the selected one in the table shown (`dj`: the
    /// DataJoint view when it is the one shown; it keeps the attribute column); the first row
    /// when nothing is selected.
    pub(crate) fn move_selection(&mut self, step: i32, dj: Option<&DjTable>) {
        let move_in = |len: usize, at: Option<usize>| match at {
            Some(at) => (at as i64 + i64::from(step)).clamp(0, len as i64 - 1) as usize,
            None => 0,
        };
        match dj {
            Some(dj) => {
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
            None => {
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

    /// The selected array's listing entry, when its header was read.
    pub(crate) fn selected_entry(&self) -> Option<&Entry> {
        self.entries.get(self.selected.as_ref()?)
    }

    /// The selected array as a reference, or why there is none.
    pub(crate) fn selected_array(&self) -> Result<ArrayRef, String> {
        let store = self.store().ok_or("no store is open")?;
        let entry = self.selected_entry().ok_or("select an array first")?;
        if let Err(err) = &entry.meta {
            return Err(err.to_string());
        }
        ArrayRef::from_entry(Arc::clone(store), entry).ok_or_else(|| "no header".to_string())
    }

    /// The selected array's path, store and listing (once its header is read).
    pub(crate) fn selected_object(&self) -> Option<(&str, &Arc<Store>, &ObjectInfo)> {
        let path = self.selected.as_deref()?;
        Some((path, self.store()?, &self.entries.get(path)?.object))
    }

    /// Rebuilds the table rows from the listing, headers, filter and sort (and the DataJoint
    /// view's shown rows, which `dj` refreshes with the same filter).
    fn rebuild_rows(&mut self, cx: &mut Cx<'_>, dj: &mut DataJointRoom, files_view: bool) {
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
        dj.refresh(&filter, &self.entries);
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
        let sizes = &self.sizes;
        let current = self.current;
        let mut folders: Vec<Row> = level
            .folders
            .iter()
            .map(|path| {
                let size = current.and_then(|store| sizes.get(store, path));
                Row {
                    name: format!("{}/", format::file_name(path)),
                    path: path.clone(),
                    is_folder: true,
                    shape: None,
                    shape_text: size.as_ref().map(count_text).unwrap_or_default(),
                    dtype_text: "folder".to_string(),
                    size_bytes: size.map(|s| s.bytes),
                }
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
        let shown = self.shown_objects(dj.shown(files_view));
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
        self.count_cached(cx, cached, shown);
    }

    /// Whether the rows' order or choice depends on headers: sorted by shape or dtype, a
    /// filter on metadata, or a DataJoint view.
    fn rows_depend_on_headers(&self, dj: &DataJointRoom) -> bool {
        matches!(self.sort.0, Column::Shape | Column::Dtype)
            || dj.table.is_some()
            || Filter::parse(&self.filter).is_ok_and(|f| f.has_metadata_terms())
    }

    /// Counts, on a blocking thread, how much of the shown arrays (`objects`) of a remote store
    /// is in the download cache; only when the shown arrays changed (else keeps `previous`).
    fn count_cached(&mut self, cx: &mut Cx<'_>, previous: Option<u64>, objects: Vec<ObjectInfo>) {
        let Some(store) = self.store().cloned() else {
            return;
        };
        if self.level.is_none() || store.is_local() {
            return;
        }
        let paths: Vec<String> = objects.iter().map(|o| o.path.clone()).collect();
        if paths == self.cached_for {
            self.totals.cached = previous;
            return;
        }
        self.cached_for = paths;
        let cache = cx.services.cache.clone();
        let label = format!("Counting cached arrays in {}", store.name());
        let job = cx.jobs().spawn(label, move |_, _| async move {
            tokio::task::spawn_blocking(move || {
                let cache = cache.get()?;
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

    /// The arrays the table shows: the DataJoint view's cells (`dj`, when it is the one shown),
    /// or the files view's arrays.
    fn shown_objects(&self, dj: Option<&DjTable>) -> Vec<ObjectInfo> {
        if let Some(dj) = dj {
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
        let by_path: HashMap<&str, &ObjectInfo> =
            level.objects.iter().map(|o| (o.path.as_str(), o)).collect();
        self.rows
            .iter()
            .filter(|row| !row.is_folder)
            .filter_map(|row| by_path.get(row.path.as_str()).map(|o| (*o).clone()))
            .collect()
    }

    /// This room's running jobs, for the jobs bar.
    pub(crate) fn job_rows(&self) -> Vec<JobRow> {
        let mut rows = Vec::new();
        if let Some(r) = &self.listing_job {
            rows.push(JobRow::of(r));
        }
        if let Some(r) = &self.headers_job {
            rows.push(JobRow::of(r));
        }
        rows.extend(self.sizes.job_rows());
        rows
    }

    /// Cancels the job numbered `id` if it is one of this room's.
    pub(crate) fn cancel(&self, id: u64) {
        cancel_if(self.listing_job.as_ref(), id);
        cancel_if(self.headers_job.as_ref(), id);
        self.sizes.cancel(id);
    }
}

/// Shape (for sorting), shape text and dtype text of a row whose header is `entry`.
fn header_texts(entry: Option<&Entry>) -> (Option<Vec<u64>>, String, String) {
    // An attachment, raw bytes or a blob of something else: what it is, not an error.
    if let Some(what) = entry.and_then(Entry::not_an_array) {
        return (None, what, String::new());
    }
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

/// `prefix/name`, or `name` at the top.
fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}/{name}")
    }
}
