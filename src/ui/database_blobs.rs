//! The database room's blob cells: the shape and dtype of `<blob@>` cells read from their
//! objects' first bytes as pages arrive (one job per page, through the window's open stores),
//! an in-table `<blob>` cell's array read whole from the database for Preview and Load, and the
//! contents wanted for a blob cell that holds something other than one array.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use futures::FutureExt;

use super::command::DataAction;
use super::contents::{ContentsSource, ReadBytes, Wanted};
use super::database::{CellAction, DatabaseRoom, OpenTable};
use super::requests::{JobRow, Request, cancel_if, flatten};
use super::room::Cx;
use super::stores::StoresRoom;
use crate::array::{NdArray, decoded};
use crate::db::{self, CellValue, DbRow};
use crate::store::Store;

/// Reads the `<blob@>` headers of one page: keyed by (generation, page number).
type HeadersRequest = Request<(u64, u64), Result<Vec<DbRow>, String>>;
/// Reads an in-table blob's array: keyed by the cell's name.
pub(crate) type LoadedRequest = Request<String, Result<NdArray, String>>;

/// The `<blob@>` headers of the open table's pages.
#[derive(Default)]
pub(crate) struct BlobHeaders {
    /// Pages whose headers are being read.
    jobs: HashMap<u64, HeadersRequest>,
    /// Pages whose headers were read (or that have no `<blob@>` cell).
    read: HashSet<u64>,
}

impl BlobHeaders {
    /// Whether the `<blob@>` headers of the page holding row `row` were read.
    pub(crate) fn read_for(&self, row: u64) -> bool {
        self.read.contains(&(row / db::PAGE_ROWS))
    }

    /// The running header reads, for the jobs bar.
    pub(crate) fn job_rows(&self) -> Vec<JobRow> {
        self.jobs.values().map(JobRow::of).collect()
    }

    /// Cancels the job numbered `id` if it is one of these.
    pub(crate) fn cancel(&self, id: u64) {
        for request in self.jobs.values() {
            cancel_if(Some(request), id);
        }
    }
}

impl DatabaseRoom {
    /// Takes the `<blob@>` headers read, and starts reading those of the pages read since (the
    /// cells' stores are `stores`' open ones; a cell in a store that is not open keeps no shape).
    pub(crate) fn poll_blob_headers(&mut self, cx: &mut Cx<'_>, stores: &StoresRoom) {
        let default_store = self.default_store.clone();
        let Some(open) = &mut self.open else {
            return;
        };
        let mut finished = Vec::new();
        for (page, request) in open.blobs.jobs.iter_mut() {
            if let Some(outcome) = request.poll() {
                finished.push((*page, request.key.0, outcome));
            }
        }
        for (page, generation, outcome) in finished {
            open.blobs.jobs.remove(&page);
            if generation != open.generation {
                continue;
            }
            open.blobs.read.insert(page);
            if let Ok(rows) = flatten(outcome) {
                open.pages.insert(page, rows);
            }
        }
        for (page, rows) in &open.pages {
            if open.blobs.read.contains(page) || open.blobs.jobs.contains_key(page) {
                continue;
            }
            let names = db::blob_stores(rows, default_store.as_deref());
            let in_stores: HashMap<String, Arc<Store>> = names
                .iter()
                .filter_map(|name| Some((name.clone(), Arc::clone(stores.store_named(name)?))))
                .collect();
            if in_stores.is_empty() {
                open.blobs.read.insert(*page);
                continue;
            }
            let mut rows = rows.clone();
            let default_store = default_store.clone();
            let label = format!(
                "Blob headers of {}.{} (page {})",
                open.table.schema,
                open.table.class_name,
                page + 1
            );
            let job = cx.jobs().spawn(label, move |_, _| async move {
                db::read_blob_headers_in(&in_stores, default_store.as_deref(), &mut rows).await;
                Ok(rows)
            });
            open.blobs
                .jobs
                .insert(*page, Request::new((open.generation, *page), job));
        }
    }

    /// Reads the selected in-table `<blob>` cell whole from the database and decodes its array
    /// (Preview and Load both show it all: it is in memory).
    pub(crate) fn load_in_table(&mut self, cx: &mut Cx<'_>, action: CellAction) {
        if action == CellAction::Data(DataAction::MemoryMap) {
            return cx.error(
                "an in-table <blob> is kept in the database, not in a file: it cannot be \
                 memory-mapped; Load reads it",
            );
        }
        let (Some(db), Some(open)) = (self.db.clone(), &self.open) else {
            return;
        };
        let Some((name, read)) = selected_cell_read(&db, open) else {
            return cx
                .error("this table has no primary key, so one row's cell cannot be read alone");
        };
        let label = format!("Reading {name}");
        let what = name.clone();
        let job = cx.jobs().spawn(label, move |_, _| async move {
            let bytes = read.await?.ok_or_else(|| format!("{what} is NULL"))?;
            tokio::task::spawn_blocking(move || decoded::blob_array(&bytes))
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| format!("{what}: {e}"))
        });
        self.loaded_job = Some(Request::new(name, job));
    }

    /// An in-table blob's array read for Preview or Load, once, with its name.
    pub(crate) fn take_ready_loaded(&mut self) -> Option<(String, NdArray)> {
        self.ready_loaded.take()
    }

    /// The name of the selected cell's contents: `schema.Table[key].attribute`.
    pub(crate) fn contents_key(&self) -> Option<String> {
        let open = self.open.as_ref()?;
        cell_name(open)
    }

    /// The contents wanted for the selected cell: a blob that holds something other than one
    /// array (an in-table `<blob>`, or a `<blob@>` whose header was read), unless `has` it.
    pub(crate) fn wanted_contents(
        &self,
        stores: &StoresRoom,
        has: impl Fn(&str) -> bool,
    ) -> Option<Wanted> {
        let open = self.open.as_ref()?;
        let (row, _) = open.selected?;
        let key = cell_name(open)?;
        if has(&key) {
            return None;
        }
        let source = match open.selected_value()? {
            CellValue::InTable {
                codec: Some(codec),
                array: None,
                ..
            } if codec == "blob" => {
                let (_, read) = selected_cell_read(self.db.as_ref()?, open)?;
                ContentsSource::Read(read)
            }
            value @ CellValue::Stored(cell) if cell.array.is_none() && open.blobs.read_for(row) => {
                let (store, path) = db::blob_object(value, self.default_store.as_deref())?;
                let store = Arc::clone(stores.store_named(&store)?);
                ContentsSource::Read(
                    async move {
                        let object = store.head(&path).await.map_err(|e| e.to_string())?;
                        let bytes = store
                            .read_range_of(&object, 0..object.size)
                            .await
                            .map_err(|e| e.to_string())?;
                        Ok(Some(bytes.to_vec()))
                    }
                    .boxed(),
                )
            }
            _ => return None,
        };
        Some(Wanted { key, source })
    }
}

/// `schema.Table[key].attribute` of the selected cell.
fn cell_name(open: &OpenTable) -> Option<String> {
    let (row, column) = open.selected?;
    let attribute = open.table.display_attributes().get(column)?.name.clone();
    let key = open.row(row)?.key_text.join(",");
    Some(format!(
        "{}.{}[{key}].{attribute}",
        open.table.schema, open.table.class_name
    ))
}

/// The selected cell's name and a future reading its whole bytes from the database (`None`:
/// no cell is selected, or the table has no primary key to select one row by).
fn selected_cell_read(db: &db::Database, open: &OpenTable) -> Option<(String, ReadBytes)> {
    let (row, column) = open.selected?;
    let name = cell_name(open)?;
    let terms = open.row(row)?.key_terms(&open.table)?;
    let attribute = (*open.table.display_attributes().get(column)?).clone();
    let (db, table) = (db.clone(), open.table.clone());
    let read = async move {
        db::fetch_cell_bytes(&db, &table, &attribute, &terms)
            .await
            .map_err(|e| e.to_string())
    }
    .boxed();
    Some((name, read))
}
