//! A background request as the UI sees it: the job's handle plus what it was asked for, so a
//! result that arrives after the user moved on is recognised and dropped (dropping a handle
//! also cancels its job).

use crate::jobs::{JobError, JobHandle, JobState, Progress};

/// A running job and the key of what it computes (a path, a store index, …).
#[derive(Debug)]
pub(crate) struct Request<K, T> {
    /// What was asked for.
    pub key: K,
    /// The job.
    pub handle: JobHandle<T>,
}

impl<K, T> Request<K, T> {
    /// Wraps a started job.
    pub fn new(key: K, handle: JobHandle<T>) -> Self {
        Request { key, handle }
    }

    /// The outcome once the job has ended (handed over once), else `None`.
    pub fn poll(&mut self) -> Option<Result<T, JobError>> {
        match self.handle.poll() {
            JobState::Running => None,
            JobState::Done(outcome) => Some(outcome),
            JobState::Taken => Some(Err(JobError::Lost)),
        }
    }
}

/// One line of the jobs panel.
#[derive(Clone, Debug)]
pub(crate) struct JobRow {
    /// The job's id (what Cancel names).
    pub id: u64,
    /// What the job does.
    pub label: String,
    /// Its counters.
    pub progress: Progress,
}

impl JobRow {
    /// The row of a running job.
    pub fn of<K, T>(request: &Request<K, T>) -> JobRow {
        JobRow {
            id: request.handle.id(),
            label: request.handle.label().to_string(),
            progress: request.handle.progress().clone(),
        }
    }
}

/// Polls `slot`: takes the outcome out and clears the slot once its job has ended.
pub(crate) fn take_done<K, T>(
    slot: &mut Option<Request<K, T>>,
) -> Option<(K, Result<T, JobError>)> {
    let outcome = slot.as_mut()?.poll()?;
    let request = slot.take()?;
    Some((request.key, outcome))
}

/// Cancels `request` if it is the job numbered `id`.
pub(crate) fn cancel_if<K, T>(request: Option<&Request<K, T>>, id: u64) {
    if let Some(r) = request
        && r.handle.id() == id
    {
        r.handle.cancel();
    }
}

/// A job's outcome with a cancelled or lost job as an error message.
pub(crate) fn flatten<T>(outcome: Result<Result<T, String>, JobError>) -> Result<T, String> {
    outcome.map_err(|e| e.to_string()).and_then(|r| r)
}
