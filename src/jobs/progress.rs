//! Progress of a background job: counters any thread can bump, read by whoever shows them,
//! plus a "something changed" callback (the GUI's repaint request).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::store::{ReadNews, Store};

/// Keeps a store's retry notes on a progress ([`Progress::show_retries_of`]) while it lives.
#[derive(Debug)]
pub struct RetryNotes(Option<tokio::task::JoinHandle<()>>);

impl Drop for RetryNotes {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.abort();
        }
    }
}

/// Called when progress moves, from whatever thread moved it; must be cheap.
pub type Notify = Arc<dyn Fn() + Send + Sync>;

/// Shared progress counters: units done (bytes, or entries for listings) out of a total.
#[derive(Clone, Default)]
pub struct Progress {
    inner: Arc<Counters>,
    notify: Option<Notify>,
}

#[derive(Default)]
struct Counters {
    done: AtomicU64,
    /// `u64::MAX` while the total is unknown.
    total: AtomicU64,
    /// The units are bytes (a download or read), not entries.
    bytes: std::sync::atomic::AtomicBool,
    /// What the job is waiting for, e.g. "retrying (3/10): 503 Service Unavailable".
    note: Mutex<Option<String>>,
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress")
            .field("done", &self.done())
            .field("total", &self.total())
            .field("note", &self.note())
            .finish()
    }
}

impl Progress {
    /// New counters with an unknown total; `notify` is called whenever they move.
    pub fn new(notify: Option<Notify>) -> Progress {
        let progress = Progress {
            inner: Arc::new(Counters::default()),
            notify,
        };
        progress.inner.total.store(u64::MAX, Ordering::Relaxed);
        progress
    }

    /// Sets the total (bytes or entries).
    pub fn set_total(&self, total: u64) {
        self.inner.total.store(total, Ordering::Relaxed);
        self.changed();
    }

    /// Sets the total in bytes: the units are bytes (shown as sizes and a transfer rate).
    pub fn set_total_bytes(&self, total: u64) {
        self.inner.bytes.store(true, Ordering::Relaxed);
        self.set_total(total);
    }

    /// Whether the units are bytes ([`Progress::set_total_bytes`]).
    pub fn is_bytes(&self) -> bool {
        self.inner.bytes.load(Ordering::Relaxed)
    }

    /// Adds `units` to what is done.
    pub fn add(&self, units: u64) {
        self.inner.done.fetch_add(units, Ordering::Relaxed);
        self.changed();
    }

    /// Units done so far.
    pub fn done(&self) -> u64 {
        self.inner.done.load(Ordering::Relaxed)
    }

    /// The total, once known.
    pub fn total(&self) -> Option<u64> {
        match self.inner.total.load(Ordering::Relaxed) {
            u64::MAX => None,
            total => Some(total),
        }
    }

    /// Done as a fraction of the total (0 while the total is unknown or zero).
    pub fn fraction(&self) -> f32 {
        match self.total() {
            Some(total) if total > 0 => (self.done() as f64 / total as f64).min(1.0) as f32,
            _ => 0.0,
        }
    }

    /// Sets (or with `None` clears) the note shown beside the counters.
    pub fn set_note(&self, note: Option<String>) {
        *self
            .inner
            .note
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = note;
        self.changed();
    }

    /// The note shown beside the counters, e.g. "retrying (3/10): 503 Service Unavailable".
    pub fn note(&self) -> Option<String> {
        self.inner
            .note
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Follows a data read: bytes as they arrive, retries as a note (cleared when bytes
    /// flow again).
    pub fn on_read(&self, news: ReadNews<'_>) {
        match news {
            ReadNews::Received(bytes) => self.add(bytes),
            ReadNews::Retrying { retry, max, reason } => {
                self.set_note(Some(format!("retrying ({retry}/{max}): {reason}")))
            }
            ReadNews::Recovered => self.set_note(None),
        }
    }

    /// Shows `store`'s metadata retries ([`Store::metadata_retry_note`]: listings, heads and
    /// header reads, which object_store retries by itself) as this progress's note until the
    /// returned guard is dropped; checked ten times a second. Needs a tokio runtime (without
    /// one nothing is shown).
    pub fn show_retries_of(&self, store: &Arc<Store>) -> RetryNotes {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return RetryNotes(None);
        };
        let (progress, store) = (self.clone(), Arc::clone(store));
        let task = runtime.spawn(async move {
            let mut shown: Option<String> = None;
            loop {
                let note = store.metadata_retry_note();
                if note != shown {
                    // Clears only its own note, never a data read's.
                    if note.is_some() || progress.note() == shown {
                        progress.set_note(note.clone());
                    }
                    shown = note;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        });
        RetryNotes(Some(task))
    }

    fn changed(&self) {
        if let Some(notify) = &self.notify {
            notify();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn counts_and_notifies() {
        let calls = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&calls);
        let progress = Progress::new(Some(Arc::new(move || {
            seen.fetch_add(1, Ordering::Relaxed);
        })));
        assert_eq!(progress.total(), None);
        assert_eq!(progress.fraction(), 0.0);
        progress.set_total(200);
        progress.add(50);
        progress.clone().add(50);
        assert_eq!(progress.done(), 100);
        assert_eq!(progress.fraction(), 0.5);
        assert_eq!(calls.load(Ordering::Relaxed), 3);
        progress.on_read(ReadNews::Retrying {
            retry: 3,
            max: 10,
            reason: "503 Service Unavailable",
        });
        assert_eq!(
            progress.note().as_deref(),
            Some("retrying (3/10): 503 Service Unavailable")
        );
        progress.on_read(ReadNews::Recovered);
        progress.on_read(ReadNews::Received(7));
        assert_eq!(progress.note(), None);
        assert_eq!(progress.done(), 107);
    }
}
