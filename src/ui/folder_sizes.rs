//! Sizes of folder rows: how many arrays and bytes each folder of the level shown holds. A local
//! level is walked in the background as soon as it is listed; a remote one on request (one
//! listing of everything below, with progress), and the DataJoint view's walk of a table folder
//! sizes it and its key folders for free.

use std::collections::HashMap;
use std::sync::Arc;

use super::format;
use super::requests::{JobRow, Request, cancel_if, flatten, take_done};
use super::room::Cx;
use crate::display::count;
use crate::store::sizes::{FolderSize, sizes_below};
use crate::store::{ObjectInfo, Store};

/// Sizes by folder path, of one level's walk.
type Sizes = HashMap<String, FolderSize>;

/// The folder sizes known for the store shown, and the walk under way.
#[derive(Debug, Default)]
pub(crate) struct FolderSizes {
    /// The store (its index in the stores panel) the sizes are of.
    store: Option<usize>,
    /// Known sizes, by folder path.
    known: Sizes,
    /// Walks everything below a level, keyed by (store index, level).
    job: Option<Request<(usize, String), Result<Sizes, String>>>,
}

impl FolderSizes {
    /// The size of `folder` of store `store`, once known.
    pub(crate) fn get(&self, store: usize, folder: &str) -> Option<FolderSize> {
        (self.store == Some(store))
            .then(|| self.known.get(folder).copied())
            .flatten()
    }

    /// Whether every folder of `folders` (of store `store`) has a size.
    pub(crate) fn knows_all(&self, store: usize, folders: &[String]) -> bool {
        folders.iter().all(|f| self.get(store, f).is_some())
    }

    /// Whether a walk of `prefix` of store `store` is under way.
    pub(crate) fn counting(&self, store: usize, prefix: &str) -> bool {
        self.job
            .as_ref()
            .is_some_and(|j| j.key.0 == store && j.key.1 == prefix)
    }

    /// Sizes learned from a complete listing of what lies below `prefix` (the DataJoint view's
    /// walk of a table folder).
    pub(crate) fn learn<'a>(
        &mut self,
        store: usize,
        prefix: &str,
        objects: impl IntoIterator<Item = &'a ObjectInfo>,
    ) {
        self.merge(store, sizes_below(prefix, objects));
    }

    /// Starts walking everything below `prefix` of `store` (numbered `index`), unless under way.
    pub(crate) fn count(
        &mut self,
        cx: &mut Cx<'_>,
        index: usize,
        store: &Arc<Store>,
        prefix: &str,
    ) {
        if self.counting(index, prefix) {
            return;
        }
        let store = Arc::clone(store);
        let top = prefix.to_string();
        let label = format!(
            "Sizing the folders of {}:{}",
            store.name(),
            format::display_prefix(prefix)
        );
        let job = cx.jobs().spawn(label, move |progress, cancel| async move {
            use futures::StreamExt;
            let _retries = progress.show_retries_of(&store);
            let mut objects = store.walk_stream(&top);
            let mut listed = Vec::new();
            while let Some(object) = objects.next().await {
                if cancel.is_cancelled() {
                    return Err("cancelled".to_string());
                }
                listed.push(object.map_err(|e| e.to_string())?);
                progress.add(1);
            }
            Ok(sizes_below(&top, &listed))
        });
        self.job = Some(Request::new((index, prefix.to_string()), job));
    }

    /// Takes the walk's sizes; `true` when new ones arrived (the rows show them).
    pub(crate) fn poll(&mut self, cx: &mut Cx<'_>) -> bool {
        let Some(((store, prefix), outcome)) = take_done(&mut self.job) else {
            return false;
        };
        match flatten(outcome) {
            Ok(sizes) => {
                self.merge(store, sizes);
                true
            }
            Err(err) => {
                cx.status.note(format!(
                    "The folders of {} were not sized: {err}",
                    format::display_prefix(&prefix)
                ));
                false
            }
        }
    }

    /// Adds `sizes` of store `store` (forgetting another store's).
    fn merge(&mut self, store: usize, sizes: Sizes) {
        if self.store != Some(store) {
            self.store = Some(store);
            self.known.clear();
        }
        self.known.extend(sizes);
    }

    /// The walk under way, for the jobs bar.
    pub(crate) fn job_rows(&self) -> Vec<JobRow> {
        self.job.iter().map(JobRow::of).collect()
    }

    /// Cancels the walk if it is job `id`.
    pub(crate) fn cancel(&self, id: u64) {
        cancel_if(self.job.as_ref(), id);
    }
}

/// A folder row's Shape column: `9 arrays` (or `4 files` when none is an array).
pub(crate) fn count_text(size: &FolderSize) -> String {
    match (size.arrays, size.objects) {
        (0, n) => count(n, "file"),
        (n, _) => count(n, "array"),
    }
}
