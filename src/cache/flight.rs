//! One download in progress (a flight) and its waiters: everyone who asks for the same object
//! while it downloads joins it, sees its bytes on their own progress, and the last one to leave
//! cancels it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::watch;

use super::CacheError;
use super::pin::CachedFile;
use crate::jobs::{CancellationToken, Progress};
use crate::store::{ObjectInfo, ReadNews};

/// The outcome of a download, shared by everyone waiting for it.
pub(super) type Outcome = Result<CachedFile, Arc<CacheError>>;

/// One download in progress and who waits for it.
#[derive(Debug)]
pub(crate) struct Flight {
    /// The version being downloaded.
    pub(super) object: ObjectInfo,
    /// Cancelled when the last waiter leaves.
    pub(super) cancel: CancellationToken,
    /// Set once, when the download ends.
    pub(super) outcome: watch::Receiver<Option<Outcome>>,
    /// Waiters and the bytes they have been told of.
    state: Mutex<FlightState>,
}

#[derive(Debug, Default)]
struct FlightState {
    waiters: usize,
    /// Bytes written so far.
    done: u64,
    /// Each waiter's progress view, by waiter id.
    views: Vec<(u64, Progress)>,
}

/// Numbers waiters.
static WAITER_SEQ: AtomicU64 = AtomicU64::new(0);

impl Flight {
    /// A download of `object` whose end is announced on `outcome`, with no waiter yet.
    pub(super) fn new(object: ObjectInfo, outcome: watch::Receiver<Option<Outcome>>) -> Flight {
        Flight {
            object,
            cancel: CancellationToken::new(),
            outcome,
            state: Mutex::new(FlightState::default()),
        }
    }

    /// Tells every waiter's progress of a data read's news (bytes, retries).
    pub(super) fn news(&self, news: ReadNews<'_>) {
        match news {
            ReadNews::Received(bytes) => self.advance(bytes),
            other => {
                let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
                for (_, view) in &state.views {
                    view.on_read(other);
                }
            }
        }
    }

    /// Adds `bytes` to every waiter's progress.
    pub(super) fn advance(&self, bytes: u64) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.done += bytes;
        for (_, view) in &state.views {
            view.add(bytes);
        }
    }
}

/// A waiter's place in a flight; leaving (or being dropped) as the last one cancels it.
pub(super) struct Waiter {
    /// The download waited for.
    pub(super) flight: Arc<Flight>,
    id: u64,
    joined: bool,
}

impl Waiter {
    /// Joins `flight`, reporting its bytes so far and from now on on `progress`.
    pub(super) fn join(flight: &Arc<Flight>, progress: &Progress) -> Waiter {
        let id = WAITER_SEQ.fetch_add(1, Ordering::Relaxed);
        let mut state = flight.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.waiters += 1;
        progress.set_total_bytes(flight.object.size);
        if state.done > 0 {
            progress.add(state.done);
        }
        state.views.push((id, progress.clone()));
        drop(state);
        Waiter {
            flight: Arc::clone(flight),
            id,
            joined: true,
        }
    }

    /// Leaves; `true` when this was the last waiter (the download is then cancelled).
    pub(super) fn leave(&mut self) -> bool {
        if !std::mem::take(&mut self.joined) {
            return false;
        }
        let mut state = self
            .flight
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        state.waiters -= 1;
        state.views.retain(|(id, _)| *id != self.id);
        let last = state.waiters == 0;
        if last {
            self.flight.cancel.cancel();
        }
        last
    }
}

impl Drop for Waiter {
    fn drop(&mut self) {
        self.leave();
    }
}
