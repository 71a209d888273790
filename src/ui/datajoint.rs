//! The DataJoint room: the view of a table folder as DataJoint rows — one row per primary key
//! (the key values parsed from the paths), one column per attribute showing its array's shape,
//! dtype and size. The room reads every array below the folder in a job of its own; the
//! browser gets the headers it read (they are the browser's entries too). Drawn by
//! `datajoint_ui.rs`.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

use super::format;
use super::requests::{JobRow, Request, cancel_if, flatten, take_done};
use super::room::Cx;
use crate::filter::{Filter, FilterItem};
use crate::jobs::JobError;
use crate::store::layout::DjPath;
use crate::store::{self, Entry, Store};

/// A job's entries, or why they could not be read.
type EntriesOutcome = Result<Vec<Entry>, String>;

/// The DataJoint room's state: the table folder shown, its rows and their sort.
#[derive(Debug)]
pub(crate) struct DataJointRoom {
    /// The schema and table when the current folder is a DataJoint table folder.
    pub table_folder: Option<(String, String)>,
    /// Reads every array below the table folder, keyed by the level it was started for.
    rows_job: Option<Request<(usize, String), EntriesOutcome>>,
    /// The view of the current table folder, once read.
    pub table: Option<DjTable>,
    /// The sort column and direction (ascending).
    pub sort: (usize, bool),
}

impl Default for DataJointRoom {
    fn default() -> Self {
        DataJointRoom {
            table_folder: None,
            rows_job: None,
            table: None,
            sort: (0, true),
        }
    }
}

impl DataJointRoom {
    /// A new level is shown (`prefix` of store `index`): forgets the last table, and reads the
    /// rows of a table folder.
    pub(crate) fn show(&mut self, cx: &mut Cx<'_>, index: usize, store: &Arc<Store>, prefix: &str) {
        self.table = None;
        self.rows_job = None;
        self.table_folder = store::layout::table_folder(prefix, &store.spec().layout);
        if self.table_folder.is_none() {
            return;
        }
        let store = Arc::clone(store);
        let folder = prefix.to_string();
        let label = format!("Reading the rows of {}", format::display_prefix(prefix));
        let job = cx.jobs().spawn(label, move |progress, _| async move {
            use futures::StreamExt;
            let _retries = progress.show_retries_of(&store);
            let objects = store.walk_stream(&folder);
            let mut stream = std::pin::pin!(store::entries(store, objects));
            let mut entries = Vec::new();
            while let Some(item) = stream.next().await {
                entries.push(item.map_err(|e| e.to_string())?);
                progress.add(1);
            }
            Ok(entries)
        });
        self.rows_job = Some(Request::new((index, prefix.to_string()), job));
    }

    /// Takes the rows job's result for the level shown (`level`: store index and folder): the
    /// table is built, and the entries read are handed back for the browser.
    pub(crate) fn poll(
        &mut self,
        cx: &mut Cx<'_>,
        level: Option<(usize, &str)>,
    ) -> Option<Vec<Entry>> {
        let ((index, prefix), outcome) = take_done(&mut self.rows_job)?;
        // Late results of a level the user left are dropped.
        if level != Some((index, prefix.as_str())) {
            return None;
        }
        match flatten(outcome) {
            Ok(entries) => {
                if let Some((schema, table)) = &self.table_folder {
                    self.table = Some(DjTable::from_entries(schema, table, &entries));
                }
                Some(entries)
            }
            Err(err) if err == JobError::Cancelled.to_string() => None,
            Err(err) => {
                cx.error(format!("reading the table's rows: {err}"));
                None
            }
        }
    }

    /// Whether the level is a table folder with rows (else it is shown as files).
    pub(crate) fn has_rows(&self) -> bool {
        self.table_folder.is_some() && self.table.as_ref().is_none_or(|t| !t.rows.is_empty())
    }

    /// The view when it is the one shown: a table folder with rows, not switched to files.
    pub(crate) fn shown(&self, files_view: bool) -> Option<&DjTable> {
        let table = self.table.as_ref()?;
        (self.table_folder.is_some() && !files_view && !table.rows.is_empty()).then_some(table)
    }

    /// Whether one of the rows holds the array at `path`.
    pub(crate) fn contains(&self, path: &str) -> bool {
        self.table.as_ref().is_some_and(|t| t.contains(path))
    }

    /// Sorts by `column` (again: reverse).
    pub(crate) fn sort_by(&mut self, column: usize) {
        self.sort = if self.sort.0 == column {
            (column, !self.sort.1)
        } else {
            (column, true)
        };
    }

    /// Recomputes the rows shown (the filter or the headers changed).
    pub(crate) fn refresh(&mut self, filter: &Filter, entries: &HashMap<String, Entry>) {
        let (column, ascending) = self.sort;
        if let Some(table) = &mut self.table {
            table.refresh(filter, entries, column, ascending);
        }
    }

    /// This room's running job, for the jobs bar.
    pub(crate) fn job_rows(&self) -> Vec<JobRow> {
        self.rows_job.iter().map(JobRow::of).collect()
    }

    /// Cancels the job numbered `id` if it is this room's.
    pub(crate) fn cancel(&self, id: u64) {
        cancel_if(self.rows_job.as_ref(), id);
    }
}

/// A table folder's arrays arranged as DataJoint rows.
#[derive(Clone, Debug, Default)]
pub(crate) struct DjTable {
    /// The schema (database) name.
    pub schema: String,
    /// The table folder name (DataJoint's `table_name`, tier prefix included).
    pub table: String,
    /// Primary-key attribute names, in path order.
    pub key_names: Vec<String>,
    /// Attribute (column) names, sorted.
    pub attributes: Vec<String>,
    /// Every row, in key order.
    pub rows: Vec<DjRow>,
    /// Indices into `rows` of the rows the filter keeps, in the sort order.
    pub shown: Vec<usize>,
    /// Objects below the folder that do not follow the layout (not shown as rows).
    pub other_objects: usize,
}

/// One primary key and its arrays.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct DjRow {
    /// Key values, one per [`DjTable::key_names`] (empty where the path lacks that key).
    pub key: Vec<String>,
    /// Store path of each attribute's array, one per [`DjTable::attributes`].
    pub cells: Vec<Option<String>>,
}

impl DjRow {
    /// `subject_id=mouse01, session=1`.
    pub(crate) fn key_text(&self, names: &[String]) -> String {
        names
            .iter()
            .zip(&self.key)
            .filter(|(_, value)| !value.is_empty())
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl DjTable {
    /// The rows of the arrays below the table folder `schema`/`table`.
    pub(crate) fn from_entries<'a>(
        schema: &str,
        table: &str,
        entries: impl IntoIterator<Item = &'a Entry>,
    ) -> DjTable {
        let mut key_names: Vec<String> = Vec::new();
        let mut attributes: Vec<String> = Vec::new();
        // Each array that follows the layout, with its path.
        let mut parsed: Vec<(&DjPath, &str)> = Vec::new();
        let mut other_objects = 0;
        for entry in entries {
            let Some(dj) = entry
                .datajoint
                .as_ref()
                .filter(|dj| dj.schema == schema && dj.table == table)
            else {
                other_objects += 1;
                continue;
            };
            for (name, _) in &dj.key {
                if !key_names.contains(name) {
                    key_names.push(name.clone());
                }
            }
            if !attributes.contains(&dj.attribute) {
                attributes.push(dj.attribute.clone());
            }
            parsed.push((dj, &entry.object.path));
        }
        attributes.sort();
        let mut by_key: HashMap<Vec<String>, usize> = HashMap::new();
        let mut rows: Vec<DjRow> = Vec::new();
        for (dj, path) in parsed {
            let (key, attribute) = (&dj.key, &dj.attribute);
            let values: Vec<String> = key_names
                .iter()
                .map(|name| {
                    key.iter()
                        .find(|(k, _)| k == name)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default()
                })
                .collect();
            let index = *by_key.entry(values.clone()).or_insert_with(|| {
                rows.push(DjRow {
                    key: values,
                    cells: vec![None; attributes.len()],
                });
                rows.len() - 1
            });
            if let Some(column) = attributes.iter().position(|a| a == attribute) {
                // A key with two writes of one attribute (a stale token): the last path wins.
                let cell = &mut rows[index].cells[column];
                if cell.as_deref().is_none_or(|old| old < path) {
                    *cell = Some(path.to_string());
                }
            }
        }
        rows.sort_by(|a, b| compare_keys(&a.key, &b.key));
        DjTable {
            schema: schema.to_string(),
            table: table.to_string(),
            key_names,
            attributes,
            shown: (0..rows.len()).collect(),
            rows,
            other_objects,
        }
    }

    /// Column names: the key's, then the attributes'.
    pub(crate) fn columns(&self) -> impl Iterator<Item = &str> {
        self.key_names
            .iter()
            .chain(&self.attributes)
            .map(String::as_str)
    }

    /// Recomputes [`DjTable::shown`]: rows with a key value or an array the filter keeps,
    /// sorted by `column` (a key column by value, numbers as numbers; an attribute column by
    /// its array's size).
    pub(crate) fn refresh(
        &mut self,
        filter: &Filter,
        entries: &HashMap<String, Entry>,
        column: usize,
        ascending: bool,
    ) {
        let keep = |row: &DjRow| {
            if filter.is_empty() {
                return true;
            }
            let key_text = row.key_text(&self.key_names);
            row.cells
                .iter()
                .zip(&self.attributes)
                .filter_map(|(cell, attribute)| Some((cell.as_ref()?, attribute)))
                .any(|(path, attribute)| {
                    let entry = entries.get(path);
                    let name = format!("{key_text} {attribute}");
                    filter.matches(&FilterItem {
                        name: &name,
                        path,
                        is_folder: false,
                        meta: entry.and_then(|e| e.meta.as_ref().ok()),
                        size: entry.map(|e| e.object.size),
                    })
                })
        };
        let mut shown: Vec<usize> = (0..self.rows.len())
            .filter(|&i| keep(&self.rows[i]))
            .collect();
        let keys = self.key_names.len();
        let size_of = |row: &DjRow, attribute: usize| {
            row.cells
                .get(attribute)
                .and_then(Option::as_ref)
                .and_then(|path| entries.get(path))
                .map(|entry| entry.object.size)
        };
        shown.sort_by(|&a, &b| {
            let (ra, rb) = (&self.rows[a], &self.rows[b]);
            let by = if column < keys {
                compare_values(&ra.key[column], &rb.key[column])
            } else {
                size_of(ra, column - keys).cmp(&size_of(rb, column - keys))
            };
            let by = by.then_with(|| compare_keys(&ra.key, &rb.key));
            if ascending { by } else { by.reverse() }
        });
        self.shown = shown;
    }

    /// Whether one of the rows holds the array at `path`.
    pub(crate) fn contains(&self, path: &str) -> bool {
        self.rows
            .iter()
            .any(|row| row.cells.iter().flatten().any(|p| p == path))
    }
}

/// Key values in order, each compared as [`compare_values`].
fn compare_keys(a: &[String], b: &[String]) -> Ordering {
    a.iter()
        .zip(b)
        .map(|(x, y)| compare_values(x, y))
        .find(|o| o.is_ne())
        .unwrap_or_else(|| a.len().cmp(&b.len()))
}

/// Numbers as numbers (`2` before `10`), anything else as text.
fn compare_values(a: &str, b: &str) -> Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.total_cmp(&y),
        _ => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::StoreSpec;
    use crate::store::ObjectInfo;

    fn entry(path: &str, size: u64) -> Entry {
        let spec = StoreSpec::local_folder(std::path::Path::new("/nowhere"));
        let object = ObjectInfo {
            path: path.to_string(),
            size,
            last_modified: chrono::DateTime::default(),
            e_tag: None,
        };
        Entry::new(
            &spec,
            object,
            Err(crate::store::StoreError::NotFound {
                store: "x".into(),
                what: path.into(),
                hint: String::new(),
            }),
        )
    }

    fn table() -> (DjTable, HashMap<String, Entry>) {
        let entries: Vec<Entry> = [
            (
                "_schema/lab/rec/subject=m1/session=10/trace_ABCDEFGH.npy",
                30,
            ),
            (
                "_schema/lab/rec/subject=m1/session=2/trace_ABCDEFGH.npy",
                10,
            ),
            ("_schema/lab/rec/subject=m1/session=2/lfp_ABCDEFGH.npy", 5),
            (
                "_schema/lab/rec/subject=m2/session=1/trace_ABCDEFGH.npy",
                20,
            ),
            ("_schema/lab/rec/notes.npy", 1),
        ]
        .iter()
        .map(|(p, s)| entry(p, *s))
        .collect();
        let table = DjTable::from_entries("lab", "rec", &entries);
        let map = entries
            .into_iter()
            .map(|e| (e.object.path.clone(), e))
            .collect();
        (table, map)
    }

    #[test]
    fn rows_are_keys_and_columns_attributes() {
        let (table, _) = table();
        assert_eq!(table.key_names, ["subject", "session"]);
        assert_eq!(table.attributes, ["lfp", "trace"]);
        assert_eq!(table.other_objects, 1);
        let keys: Vec<String> = table
            .rows
            .iter()
            .map(|r| r.key_text(&table.key_names))
            .collect();
        // Numbers sort as numbers: session 2 before session 10.
        assert_eq!(
            keys,
            [
                "subject=m1, session=2",
                "subject=m1, session=10",
                "subject=m2, session=1"
            ]
        );
        assert!(table.rows[0].cells.iter().all(Option::is_some));
        assert_eq!(table.rows[1].cells[0], None);
        assert!(table.contains("_schema/lab/rec/subject=m2/session=1/trace_ABCDEFGH.npy"));
        assert!(!table.contains("_schema/lab/rec/notes.npy"));
    }

    #[test]
    fn refresh_filters_and_sorts() -> Result<(), crate::filter::FilterError> {
        let (mut table, entries) = table();
        // By the trace's size, largest first.
        table.refresh(&Filter::default(), &entries, 3, false);
        assert_eq!(table.shown, [1, 2, 0]);
        table.refresh(&Filter::parse("m2")?, &entries, 0, true);
        assert_eq!(table.shown, [2]);
        table.refresh(&Filter::parse("lfp")?, &entries, 0, true);
        assert_eq!(table.shown, [0]);
        Ok(())
    }
}
