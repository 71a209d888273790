//! Which headers of a remote level to read next: the rows in view first, the rest only when
//! the user asks for all of them. A local level is read whole at once (it costs little).

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use futures::StreamExt;

use crate::jobs::{CancellationToken, Progress};
use crate::store::{self, Entry, ObjectInfo, Store};

/// Headers read per batch (one batch runs its reads concurrently).
const BATCH: usize = 64;

/// The shared to-do list of a level's header job.
#[derive(Debug, Default)]
pub(crate) struct HeaderQueue {
    state: Mutex<QueueState>,
    wake: tokio::sync::Notify,
}

#[derive(Debug, Default)]
struct QueueState {
    /// Objects asked for, in the order they are to be read.
    wanted: VecDeque<ObjectInfo>,
    /// Paths ever asked for (read, being read or waiting).
    asked: HashSet<String>,
    /// Every object of the level, for "read all".
    all: Vec<ObjectInfo>,
    /// Index in `all` of each path.
    index: std::collections::HashMap<String, usize>,
    /// Read every header, not only those asked for.
    read_all: bool,
    /// Index in `all` of the first object reading all has not passed yet (each is passed once,
    /// so reading a level of n headers costs O(n), not a scan from the top per batch).
    all_cursor: usize,
}

impl HeaderQueue {
    /// A queue over the objects of one level; with `read_all`, every header is read.
    pub(crate) fn new(objects: Vec<ObjectInfo>, read_all: bool) -> Arc<HeaderQueue> {
        Arc::new(HeaderQueue {
            state: Mutex::new(QueueState {
                index: objects
                    .iter()
                    .enumerate()
                    .map(|(i, o)| (o.path.clone(), i))
                    .collect(),
                all: objects,
                read_all,
                ..QueueState::default()
            }),
            wake: tokio::sync::Notify::new(),
        })
    }

    /// Puts the objects at `paths` (rows coming into view) first, unless asked for already.
    pub(crate) fn want(&self, paths: &[&str], progress: &Progress) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let mut added = Vec::new();
        for path in paths {
            if state.asked.contains(*path) {
                continue;
            }
            if let Some(object) = state.index.get(*path).and_then(|&i| state.all.get(i)) {
                added.push(object.clone());
            }
        }
        for object in &added {
            state.asked.insert(object.path.clone());
        }
        // In front of what was asked for earlier, in the order given.
        for object in added.iter().rev() {
            state.wanted.push_front(object.clone());
        }
        if !added.is_empty() {
            if !state.read_all {
                progress.set_total(state.asked.len() as u64);
            }
            self.wake.notify_one();
        }
    }

    /// Reads every remaining header too.
    pub(crate) fn read_all(&self, progress: &Progress) {
        if let Ok(mut state) = self.state.lock() {
            state.read_all = true;
            progress.set_total(state.all.len() as u64);
        }
        self.wake.notify_one();
    }

    /// Whether every header is (being) read.
    pub(crate) fn reads_all(&self) -> bool {
        self.state.lock().is_ok_and(|s| s.read_all)
    }

    /// The next batch: wanted objects first, then (reading all) the rest in listing order.
    /// Empty when nothing is left to do now.
    fn next_batch(&self) -> (Vec<ObjectInfo>, bool) {
        let Ok(mut state) = self.state.lock() else {
            return (Vec::new(), true);
        };
        let mut batch = Vec::new();
        while batch.len() < BATCH {
            match state.wanted.pop_front() {
                Some(object) => batch.push(object),
                None => break,
            }
        }
        if state.read_all && batch.len() < BATCH {
            let QueueState {
                all,
                asked,
                all_cursor,
                ..
            } = &mut *state;
            while batch.len() < BATCH
                && let Some(object) = all.get(*all_cursor)
            {
                *all_cursor += 1;
                if !asked.contains(&object.path) {
                    asked.insert(object.path.clone());
                    batch.push(object.clone());
                }
            }
        }
        let finished = state.read_all && state.wanted.is_empty() && batch.is_empty();
        (batch, finished)
    }

    /// The job's work: reads batches as they are asked for into `sink`, until every header is
    /// read (reading all) or the job is cancelled.
    pub(crate) async fn run(
        self: Arc<Self>,
        store: Arc<Store>,
        sink: Arc<Mutex<Vec<Entry>>>,
        progress: Progress,
        cancel: CancellationToken,
    ) {
        loop {
            let (batch, finished) = self.next_batch();
            if finished {
                return;
            }
            if batch.is_empty() {
                tokio::select! {
                    () = self.wake.notified() => continue,
                    () = cancel.cancelled() => return,
                }
            }
            let objects = futures::stream::iter(batch.into_iter().map(Ok));
            let mut entries = std::pin::pin!(store::entries(Arc::clone(&store), objects));
            while let Some(item) = entries.next().await {
                match item {
                    Ok(entry) => {
                        if let Ok(mut sink) = sink.lock() {
                            sink.push(entry);
                        }
                        // After the push: the repaint this asks for finds the entry.
                        progress.add(1);
                    }
                    Err(err) => tracing::warn!("{err}"),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(path: &str) -> ObjectInfo {
        ObjectInfo {
            path: path.to_string(),
            size: 1,
            last_modified: chrono::DateTime::default(),
            e_tag: None,
        }
    }

    fn paths(batch: &[ObjectInfo]) -> Vec<&str> {
        batch.iter().map(|o| o.path.as_str()).collect()
    }

    #[test]
    fn rows_in_view_first_then_all_on_request() {
        let objects: Vec<ObjectInfo> = (0..100).map(|i| object(&format!("a{i:03}"))).collect();
        let queue = HeaderQueue::new(objects, false);
        let progress = Progress::new(None);
        assert_eq!(queue.next_batch(), (Vec::new(), false));
        queue.want(&["a050", "a051", "nothing"], &progress);
        assert_eq!(progress.total(), Some(2));
        // The latest rows in view come first; a row asked for twice is read once.
        queue.want(&["a010", "a050"], &progress);
        let (batch, finished) = queue.next_batch();
        assert_eq!(paths(&batch), ["a010", "a050", "a051"]);
        assert!(!finished);
        assert_eq!(queue.next_batch(), (Vec::new(), false));
        queue.read_all(&progress);
        assert_eq!(progress.total(), Some(100));
        let (first, _) = queue.next_batch();
        let (second, _) = queue.next_batch();
        assert_eq!(first.len() + second.len(), 97);
        assert!(!paths(&first).contains(&"a050"));
        assert_eq!(queue.next_batch(), (Vec::new(), true));
    }
}
