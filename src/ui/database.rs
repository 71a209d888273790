//! The database room: the DataJoint database of `datajoint.json`, read-only — the connection,
//! the tree of schemas and tables in the left panel, the open table's rows a page at a time as
//! they scroll into view (sorted and restricted by the database), the selected cell, and the
//! array of an `<npy@>` or blob cell opened for Preview, Load and Memory-map (blob cells:
//! `database_blobs.rs`).
//!
//! The database comes from `datajoint.json`, or from the "Connect to database…" dialog
//! (`connect_database.rs`), which the settings keep for the next run; a password that was not
//! remembered is asked for before connecting.
//!
//! Everything runs in jobs ([`crate::db`] does the work); drawing is in `database_ui.rs`.

use std::collections::{BTreeMap, HashMap};

use super::command::{Command, DataAction};
use super::connect_database::{ConnectAction, ConnectDatabaseDialog};
use super::database_blobs::{BlobHeaders, LoadedRequest};
use super::requests::{JobRow, Request, cancel_if, flatten, take_done};
use super::room::Cx;
use super::stores::StoresRoom;
use crate::array::{ArrayRef, NdArray};
use crate::config::DatabaseSpec;
use crate::db::{self, CellValue, Database, DbRow, Order, PageStart, RowQuery, Table, Term};
use crate::settings::SavedDatabase;
use crate::view::rate::{plausible_rate, rate_attribute};

/// Rows per page read from the database.
pub(crate) const PAGE_ROWS: u64 = db::PAGE_ROWS;
/// Pages read at once at most (the rest wait for their turn).
const PAGES_IN_FLIGHT: usize = 2;

/// A page being read: keyed by (generation, page number).
type PageRequest = Request<(u64, u64), Result<Vec<DbRow>, String>>;
/// Connecting and listing the schemas.
type ConnectRequest = Request<(), Result<(Database, Vec<String>), String>>;

/// What to do with an `<npy@>` cell's array once it is opened in its store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CellAction {
    /// Read its first rows and plot them.
    Preview,
    /// Load or memory-map it.
    Data(DataAction),
}

/// One schema of the tree.
pub(crate) struct SchemaNode {
    /// The schema's name.
    pub name: String,
    /// Its tables, once read.
    pub tables: Option<Vec<Table>>,
    /// Why its tables could not be read.
    pub error: Option<String>,
}

/// The table shown in the centre.
pub(crate) struct OpenTable {
    /// The table's catalog entry.
    pub table: Table,
    /// The restriction as typed (`attr=value …`).
    pub restriction: String,
    /// The parsed restriction, or why it cannot be used.
    pub terms: Result<Vec<Term>, String>,
    /// The order.
    pub order: Order,
    /// Rows matching the restriction: the catalog's estimate until counted.
    pub rows: Option<u64>,
    /// Whether [`OpenTable::rows`] is exact.
    pub rows_exact: bool,
    /// Pages read so far, by page number.
    pub pages: BTreeMap<u64, Vec<DbRow>>,
    /// Pages being read, by page number.
    page_jobs: HashMap<u64, PageRequest>,
    /// Counts the matching rows.
    count_job: Option<Request<u64, Result<u64, String>>>,
    /// Changes with the restriction and the order: results of an older query are dropped.
    pub generation: u64,
    /// The rows drawn in the last frame.
    pub visible: std::ops::Range<u64>,
    /// The selected cell: (row, index in [`Table::display_attributes`]).
    pub selected: Option<(u64, usize)>,
    /// Why the last page could not be read.
    pub error: Option<String>,
    /// A row to scroll into view in the next frame (the keyboard moved the selection).
    pub scroll_to: Option<u64>,
    /// The `<blob@>` headers of the pages read (`database_blobs.rs`).
    pub blobs: BlobHeaders,
}

impl OpenTable {
    /// The row at `index`, if its page is read.
    pub(crate) fn row(&self, index: u64) -> Option<&DbRow> {
        self.pages
            .get(&(index / PAGE_ROWS))?
            .get((index % PAGE_ROWS) as usize)
    }

    /// The selected cell's value.
    pub(crate) fn selected_value(&self) -> Option<&CellValue> {
        let (row, column) = self.selected?;
        self.row(row)?.values.get(column)
    }
}

/// The database room's state; see the [module documentation](self).
#[derive(Default)]
pub(crate) struct DatabaseRoom {
    /// The settings from `datajoint.json` (and the variables and secrets).
    pub spec: Option<DatabaseSpec>,
    /// The store of `<npy@>` cells that name none.
    pub default_store: Option<String>,
    /// Connects and lists the schemas.
    connect_job: Option<ConnectRequest>,
    /// The open database.
    pub db: Option<Database>,
    /// Why it could not be opened.
    pub error: Option<String>,
    /// The schemas, in the tree.
    pub schemas: Vec<SchemaNode>,
    /// Reads a schema's tables.
    schema_jobs: Vec<Request<String, Result<Vec<Table>, String>>>,
    /// The table shown in the centre.
    pub open: Option<OpenTable>,
    /// The centre shows the database (not a store's folder).
    pub active: bool,
    /// Opens an `<npy@>` cell's array in its store.
    array_job: Option<Request<CellAction, Result<ArrayRef, String>>>,
    /// An opened array the app hands to the actions room.
    ready: Option<(CellAction, ArrayRef)>,
    /// Reads an in-table `<blob>` cell's array from the database (its name, the array).
    pub(crate) loaded_job: Option<LoadedRequest>,
    /// An in-table blob's array the app hands to the actions room, with its name.
    pub(crate) ready_loaded: Option<(String, NdArray)>,
    /// The last array opened from a cell (Load and Memory-map start it after a question).
    last: Option<ArrayRef>,
    /// When the open table's first page was asked for (the window's 300 ms budget is logged).
    opened_at: Option<std::time::Instant>,
    /// The "Connect to database…" dialog, while it is open.
    pub dialog: Option<ConnectDatabaseDialog>,
    /// A saved database waiting for its password (it was not remembered).
    pub needs_password: bool,
}

impl DatabaseRoom {
    /// Connects with `spec` in the background and lists its DataJoint schemas.
    pub(crate) fn connect(
        &mut self,
        cx: &mut Cx<'_>,
        spec: DatabaseSpec,
        default_store: Option<String>,
    ) {
        self.default_store = default_store;
        self.db = None;
        self.error = None;
        self.needs_password = false;
        self.active = false;
        self.schemas.clear();
        self.open = None;
        let job_spec = spec.clone();
        let label = format!("Connecting to {}", spec.describe());
        let job = cx.jobs().spawn(label, move |_, _| async move {
            let db = Database::connect(&job_spec)
                .await
                .map_err(|e| e.to_string())?;
            let schemas = db::list_schemas(&db).await.map_err(|e| e.to_string())?;
            Ok((db, schemas))
        });
        self.spec = Some(spec);
        self.connect_job = Some(Request::new((), job));
    }

    /// Uses the database saved in the settings: connects, or, when its password was not
    /// remembered, shows it in the tree waiting for the password.
    pub(crate) fn use_saved(
        &mut self,
        cx: &mut Cx<'_>,
        saved: &SavedDatabase,
        default_store: Option<String>,
    ) {
        match saved.to_spec(None) {
            Ok(spec) if saved.ask_password && spec.password.is_none() => {
                self.default_store = default_store;
                self.spec = Some(spec);
                self.needs_password = true;
            }
            Ok(spec) => self.connect(cx, spec, default_store),
            Err(err) => cx.error(format!("the saved database: {err}")),
        }
    }

    /// Shows the Connect to database dialog, filled from the database shown (if any).
    pub(crate) fn show_dialog(&mut self) {
        if self.dialog.is_none() {
            self.dialog = Some(ConnectDatabaseDialog::new(self.spec.as_ref()));
        }
    }

    /// Shows the dialog while it is open and applies its buttons: Connect connects and asks
    /// the stores room to keep the settings.
    pub(crate) fn dialog_ui(&mut self, cx: &mut Cx<'_>, ctx: &egui::Context) {
        let Some(dialog) = &mut self.dialog else {
            return;
        };
        let response =
            egui::Modal::new(egui::Id::unique("connect_database")).show(ctx, |ui| dialog.ui(ui));
        match response.inner {
            Some(ConnectAction::Cancel) => self.dialog = None,
            Some(ConnectAction::Test) => dialog.test_connection(cx.jobs()),
            Some(ConnectAction::Connect) => {
                if let Some((spec, saved)) = dialog.connection() {
                    self.dialog = None;
                    cx.status.note(format!("Connecting to {}", spec.describe()));
                    let default_store = self.default_store.clone();
                    self.connect(cx, spec, default_store);
                    cx.emit(Command::SaveDatabase(Box::new(saved)));
                }
            }
            None => {}
        }
    }

    /// Reads `schema`'s tables (once; the tree shows them when they arrive).
    pub(crate) fn expand_schema(&mut self, cx: &mut Cx<'_>, schema: &str) {
        let Some(db) = self.db.clone() else {
            return;
        };
        let known = self
            .schemas
            .iter()
            .any(|s| s.name == schema && s.tables.is_some());
        if known || self.schema_jobs.iter().any(|r| r.key == schema) {
            return;
        }
        let name = schema.to_string();
        let label = format!("Reading schema {schema}");
        let job = cx.jobs().spawn(label, move |_, _| async move {
            db::load_schema(&db, &name).await.map_err(|e| e.to_string())
        });
        self.schema_jobs.push(Request::new(schema.to_string(), job));
    }

    /// Shows `schema`.`table` (its SQL name) in the centre, from its first page.
    pub(crate) fn open_table(&mut self, cx: &mut Cx<'_>, schema: &str, table: &str) {
        let found = self
            .schemas
            .iter()
            .find(|s| s.name == schema)
            .and_then(|s| s.tables.as_ref())
            .and_then(|tables| tables.iter().find(|t| t.sql_name == table))
            .cloned();
        let Some(table) = found else {
            cx.error(format!("{schema}.{table} is not read yet"));
            return;
        };
        self.active = true;
        self.open = Some(OpenTable {
            rows: table.rows_estimate,
            table,
            restriction: String::new(),
            terms: Ok(Vec::new()),
            order: Order::default(),
            rows_exact: false,
            pages: BTreeMap::new(),
            page_jobs: HashMap::new(),
            count_job: None,
            generation: 0,
            visible: 0..0,
            selected: None,
            error: None,
            scroll_to: None,
            blobs: BlobHeaders::default(),
        });
        self.opened_at = Some(std::time::Instant::now());
        self.requery(cx);
    }

    /// Sets the restriction text (read again when it parses).
    pub(crate) fn restrict(&mut self, cx: &mut Cx<'_>, text: String) {
        let Some(open) = &mut self.open else {
            return;
        };
        open.terms = split_terms(&text)
            .iter()
            .map(|t| Term::parse(t).map_err(|e| e.to_string()))
            .collect();
        open.restriction = text;
        if open.terms.is_ok() {
            self.requery(cx);
        }
    }

    /// Sorts by the attribute at `column` of the display order (again: reverse; a third time:
    /// back to the key order).
    pub(crate) fn sort_by(&mut self, cx: &mut Cx<'_>, column: usize) {
        let Some(open) = &mut self.open else {
            return;
        };
        let Some(name) = open
            .table
            .display_attributes()
            .get(column)
            .map(|a| a.name.clone())
        else {
            return;
        };
        open.order = match &open.order.attribute {
            Some(current) if *current == name && !open.order.descending => Order {
                attribute: Some(name),
                descending: true,
            },
            Some(current) if *current == name => Order::default(),
            _ => Order {
                attribute: Some(name),
                descending: false,
            },
        };
        self.requery(cx);
    }

    /// Drops the pages read and reads the table again (new restriction or order).
    fn requery(&mut self, cx: &mut Cx<'_>) {
        let Some(open) = &mut self.open else {
            return;
        };
        open.generation += 1;
        open.pages.clear();
        open.page_jobs.clear();
        open.blobs = BlobHeaders::default();
        open.selected = None;
        open.error = None;
        open.rows_exact = false;
        let (Some(db), Ok(terms)) = (self.db.clone(), open.terms.clone()) else {
            return;
        };
        if !terms.is_empty() {
            open.rows = None;
        }
        let table = open.table.clone();
        let label = format!("Counting rows of {}.{}", table.schema, table.class_name);
        let job = cx.jobs().spawn(label, move |_, _| async move {
            db::count_matching(&db, &table, &terms)
                .await
                .map_err(|e| e.to_string())
        });
        open.count_job = Some(Request::new(open.generation, job));
        self.want_pages(cx);
    }

    /// Reads the pages of the rows in view (and the next one) that are not read yet.
    pub(crate) fn want_pages(&mut self, cx: &mut Cx<'_>) {
        let Some(db) = self.db.clone() else {
            return;
        };
        let Some(open) = &mut self.open else {
            return;
        };
        let Ok(terms) = open.terms.clone() else {
            return;
        };
        let first = open.visible.start / PAGE_ROWS;
        let last = open.visible.end.saturating_add(PAGE_ROWS / 4) / PAGE_ROWS;
        let known_end = open.rows.map(|n| n.div_ceil(PAGE_ROWS));
        for page in first..=last {
            if open.page_jobs.len() >= PAGES_IN_FLIGHT {
                break;
            }
            if known_end.is_some_and(|end| open.rows_exact && page >= end.max(1)) {
                break;
            }
            if open.pages.contains_key(&page) || open.page_jobs.contains_key(&page) {
                continue;
            }
            // After the previous page's last key when it is read (keyset: the database seeks,
            // it does not count); else by offset (a jump into the middle).
            let start = match (page.checked_sub(1), &open.order.attribute) {
                (Some(previous), None) => match open.pages.get(&previous).and_then(|p| p.last()) {
                    Some(row) if !open.table.primary_key.is_empty() => {
                        PageStart::AfterKey(row.key_text.clone())
                    }
                    _ => PageStart::Offset(page * PAGE_ROWS),
                },
                _ => PageStart::Offset(page * PAGE_ROWS),
            };
            let query = RowQuery {
                terms: terms.clone(),
                order: open.order.clone(),
            };
            let table = open.table.clone();
            let db = db.clone();
            let label = format!(
                "Rows of {}.{} (page {})",
                table.schema,
                table.class_name,
                page + 1
            );
            let job = cx.jobs().spawn(label, move |_, _| async move {
                db::fetch_page(&db, &table, &query, &start, PAGE_ROWS)
                    .await
                    .map_err(|e| e.to_string())
            });
            open.page_jobs
                .insert(page, Request::new((open.generation, page), job));
        }
    }

    /// Takes the results of the room's jobs.
    pub(crate) fn poll(&mut self, cx: &mut Cx<'_>) {
        if let Some(dialog) = &mut self.dialog {
            dialog.poll();
        }
        if let Some(((), outcome)) = take_done(&mut self.connect_job) {
            match flatten(outcome) {
                Ok((db, schemas)) => {
                    for note in db.notes() {
                        cx.status.note(note.clone());
                    }
                    self.schemas = schemas
                        .into_iter()
                        .map(|name| SchemaNode {
                            name,
                            tables: None,
                            error: None,
                        })
                        .collect();
                    self.db = Some(db);
                }
                Err(err) => {
                    cx.error(format!("database: {err}"));
                    self.error = Some(err);
                }
            }
        }
        let mut pending = Vec::new();
        for mut request in std::mem::take(&mut self.schema_jobs) {
            match request.poll() {
                None => pending.push(request),
                Some(outcome) => {
                    let result = flatten(outcome);
                    if let Some(node) = self.schemas.iter_mut().find(|s| s.name == request.key) {
                        match result {
                            Ok(tables) => node.tables = Some(tables),
                            Err(err) => node.error = Some(err),
                        }
                    }
                }
            }
        }
        self.schema_jobs = pending;
        if let Some(open) = &mut self.open {
            if let Some((generation, outcome)) = take_done(&mut open.count_job)
                && generation == open.generation
            {
                match flatten(outcome) {
                    Ok(count) => {
                        open.rows = Some(count);
                        open.rows_exact = true;
                    }
                    Err(err) => open.error = Some(err),
                }
            }
            let mut finished = Vec::new();
            for (page, request) in open.page_jobs.iter_mut() {
                if let Some(outcome) = request.poll() {
                    finished.push((*page, request.key.0, outcome));
                }
            }
            for (page, generation, outcome) in finished {
                open.page_jobs.remove(&page);
                if generation != open.generation {
                    continue;
                }
                match flatten(outcome) {
                    Ok(rows) => {
                        if page == 0
                            && let Some(at) = self.opened_at.take()
                        {
                            tracing::info!(
                                "first page of {}.{} shown {} ms after it was opened",
                                open.table.schema,
                                open.table.class_name,
                                at.elapsed().as_millis()
                            );
                        }
                        // A short page is the last: the count is known exactly.
                        if (rows.len() as u64) < PAGE_ROWS {
                            open.rows = Some(page * PAGE_ROWS + rows.len() as u64);
                            open.rows_exact = true;
                        }
                        open.pages.insert(page, rows);
                    }
                    Err(err) => open.error = Some(err),
                }
            }
        }
        self.want_pages(cx);
        if let Some((name, outcome)) = take_done(&mut self.loaded_job) {
            match flatten(outcome) {
                Ok(array) => self.ready_loaded = Some((name, array)),
                Err(err) => cx.error(err),
            }
        }
        if let Some((action, outcome)) = take_done(&mut self.array_job) {
            match flatten(outcome) {
                Ok(array) => {
                    self.last = Some(array.clone());
                    self.ready = Some((action, array));
                }
                Err(err) => cx.error(err),
            }
        }
    }

    /// Selects a cell of the open table.
    pub(crate) fn select(&mut self, row: u64, column: usize) {
        if let Some(open) = &mut self.open {
            open.selected = Some((row, column));
        }
    }

    /// Moves the selection `step` rows (the first row's first cell when nothing is selected),
    /// within the rows known, and scrolls it into view.
    pub(crate) fn move_selection(&mut self, step: i32) {
        let Some(open) = &mut self.open else {
            return;
        };
        let last = open.rows.unwrap_or(0).saturating_sub(1);
        let (row, column) = match open.selected {
            Some((row, column)) => {
                let moved = if step < 0 {
                    row.saturating_sub(u64::from(step.unsigned_abs()))
                } else {
                    row.saturating_add(step as u64).min(last)
                };
                (moved, column)
            }
            None => (0, 0),
        };
        open.selected = Some((row, column));
        open.scroll_to = Some(row);
    }

    /// Whether the selected cell holds an array (Enter previews it): `<npy@>`, or a blob whose
    /// header says so.
    pub(crate) fn selected_is_array(&self) -> bool {
        self.open
            .as_ref()
            .and_then(OpenTable::selected_value)
            .is_some_and(CellValue::holds_array)
    }

    /// The sampling rate the selected cell's row carries in a numeric attribute named like a
    /// rate, with `Table.attribute` (where it came from).
    pub(crate) fn selected_row_rate(&self) -> Option<(f64, String)> {
        let open = self.open.as_ref()?;
        let row = open.row(open.selected?.0)?;
        let attributes = open.table.display_attributes();
        let (index, name) = rate_attribute(attributes.iter().map(|a| a.name.as_str()))?;
        let hz = plausible_rate(row.values.get(index)?.as_f64()?)?;
        Some((hz, format!("{}.{name}", open.table.class_name)))
    }

    /// The store and path of a cell's array in a store (`<npy@>`, `<blob@>`), the default store
    /// for a cell that names none.
    pub(crate) fn cell_object(&self, value: &CellValue) -> Option<(Option<String>, String)> {
        match value {
            CellValue::Npy(npy) => Some((
                npy.store.clone().or_else(|| self.default_store.clone()),
                npy.path.clone(),
            )),
            CellValue::Stored(cell) if cell.codec == "blob" => Some((
                cell.store.clone().or_else(|| self.default_store.clone()),
                cell.path.clone()?,
            )),
            _ => None,
        }
    }

    /// Opens the selected cell's array for `action`: an `<npy@>` or `<blob@>` array in the store
    /// it names, one of `stores` (its header is read); an in-table `<blob>` read whole from the
    /// database.
    pub(crate) fn open_cell(&mut self, cx: &mut Cx<'_>, stores: &StoresRoom, action: CellAction) {
        const SELECT: &str = "select an <npy@> or blob cell holding an array first";
        let Some(value) = self.open.as_ref().and_then(OpenTable::selected_value) else {
            return cx.error(SELECT);
        };
        if matches!(value, CellValue::InTable { codec: Some(c), .. } if c == "blob") {
            return self.load_in_table(cx, action);
        }
        let Some((name, path)) = self.cell_object(value) else {
            return cx.error(SELECT);
        };
        let Some(name) = name else {
            return cx.error(
                "this cell names no store and no default store is configured (set \"default\" \
                 in the stores block of datajoint.json)",
            );
        };
        let Some(store) = stores.store_named(&name).cloned() else {
            let names: Vec<&str> = stores.slots.iter().map(|s| s.name.as_str()).collect();
            return cx.error(format!(
                "the cell's array is in store \"{name}\", which is not open (stores: {}); \
                 configure it in datajoint.json",
                names.join(", ")
            ));
        };
        let label = format!("Opening {}:{path}", store.name());
        let job = cx.jobs().spawn(label, move |_, _| async move {
            ArrayRef::open(store, &path)
                .await
                .map_err(|e| e.to_string())
        });
        self.array_job = Some(Request::new(action, job));
    }

    /// The array last opened from a cell, if it is the one at `path`.
    pub(crate) fn last_array(&self, path: &str) -> Option<ArrayRef> {
        self.last.clone().filter(|a| a.path() == path)
    }

    /// An opened cell array for the actions room, once.
    pub(crate) fn take_ready(&mut self) -> Option<(CellAction, ArrayRef)> {
        self.ready.take()
    }

    /// This room's running jobs, for the jobs bar.
    pub(crate) fn job_rows(&self) -> Vec<JobRow> {
        let mut rows: Vec<JobRow> = self.connect_job.iter().map(JobRow::of).collect();
        rows.extend(self.schema_jobs.iter().map(JobRow::of));
        if let Some(open) = &self.open {
            rows.extend(open.page_jobs.values().map(JobRow::of));
            rows.extend(open.count_job.iter().map(JobRow::of));
        }
        rows.extend(self.array_job.iter().map(JobRow::of));
        rows.extend(self.loaded_job.iter().map(JobRow::of));
        if let Some(open) = &self.open {
            rows.extend(open.blobs.job_rows());
        }
        if let Some(dialog) = &self.dialog {
            rows.extend(dialog.job_rows());
        }
        rows
    }

    /// Cancels the job numbered `id` if it is this room's.
    pub(crate) fn cancel(&mut self, id: u64) {
        cancel_if(self.connect_job.as_ref(), id);
        for request in &self.schema_jobs {
            cancel_if(Some(request), id);
        }
        if let Some(open) = &self.open {
            for request in open.page_jobs.values() {
                cancel_if(Some(request), id);
            }
            cancel_if(open.count_job.as_ref(), id);
        }
        cancel_if(self.array_job.as_ref(), id);
        cancel_if(self.loaded_job.as_ref(), id);
        if let Some(open) = &self.open {
            open.blobs.cancel(id);
        }
        if let Some(dialog) = &self.dialog {
            dialog.cancel(id);
        }
    }
}

/// Splits a restriction into terms at spaces and commas outside quotes
/// (`animal="mouse 02" session>=2`); spaces around an operator stay inside the term
/// (`waveform.shape[0] > 1000`).
pub(crate) fn split_terms(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quote = None;
    for c in text.chars() {
        match (quote, c) {
            (None, '"' | '\'') => {
                quote = Some(c);
                current.push(c);
            }
            (Some(q), c) if c == q => {
                quote = None;
                current.push(c);
            }
            (None, ' ' | ',' | '\t') => {
                if !current.trim().is_empty() {
                    words.push(std::mem::take(&mut current));
                }
                current.clear();
            }
            _ => current.push(c),
        }
    }
    if !current.trim().is_empty() {
        words.push(current);
    }
    let is_operator = |c: char| matches!(c, '=' | '!' | '<' | '>' | ':');
    let mut terms: Vec<String> = Vec::new();
    for word in words {
        let joins = terms
            .last()
            .is_some_and(|last| last.ends_with(is_operator) || word.starts_with(is_operator));
        match terms.last_mut() {
            Some(last) if joins => last.push_str(&word),
            _ => terms.push(word),
        }
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::split_terms;

    #[test]
    fn restriction_splits_outside_quotes() {
        assert_eq!(
            split_terms("animal=\"mouse 02\" session>=2, x=1"),
            vec!["animal=\"mouse 02\"", "session>=2", "x=1"]
        );
        assert!(split_terms("  ").is_empty());
        assert_eq!(
            split_terms("waveform.shape[0] > 1000 dtype: float32 size >1GB n=\"a b\""),
            vec![
                "waveform.shape[0]>1000",
                "dtype:float32",
                "size>1GB",
                "n=\"a b\""
            ]
        );
    }
}
