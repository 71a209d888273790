//! A job: one background task (a download, a listing, a window read) with a handle that shows
//! its progress, cancels it, and hands over its result without ever blocking the caller.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::runtime::Handle;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use super::{Notify, Progress};

/// Why a job has no result.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum JobError {
    /// The job was cancelled.
    #[error("cancelled")]
    Cancelled,
    /// The job's task ended without a result (it panicked).
    #[error("the background task stopped unexpectedly")]
    Lost,
}

/// Where a job stands, as seen from its handle.
#[derive(Debug)]
pub enum JobState<T> {
    /// Still running.
    Running,
    /// Finished with this outcome (taken once).
    Done(Result<T, JobError>),
    /// The outcome was already taken.
    Taken,
}

/// Runs jobs on a tokio runtime owned elsewhere (the binary or the app) and numbers them.
#[derive(Clone)]
pub struct Jobs {
    runtime: Handle,
    notify: Option<Notify>,
    next_id: Arc<AtomicU64>,
}

impl std::fmt::Debug for Jobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jobs").finish_non_exhaustive()
    }
}

impl Jobs {
    /// Jobs on `runtime`; `notify` is called whenever a job makes progress or ends (the GUI
    /// passes its repaint request here).
    pub fn new(runtime: Handle, notify: Option<Notify>) -> Jobs {
        Jobs {
            runtime,
            notify,
            next_id: Arc::new(AtomicU64::new(1)),
        }
    }

    /// The runtime the jobs run on.
    pub fn runtime(&self) -> &Handle {
        &self.runtime
    }

    /// Starts `work` in the background. It gets the job's progress counters and cancellation
    /// token; cancelling drops its future at the next await (within a few milliseconds), so
    /// work must leave nothing half-done at an await point (write to temporary files).
    pub fn spawn<T, F, Fut>(&self, label: impl Into<String>, work: F) -> JobHandle<T>
    where
        T: Send + 'static,
        F: FnOnce(Progress, CancellationToken) -> Fut,
        Fut: Future<Output = T> + Send + 'static,
    {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let progress = Progress::new(self.notify.clone());
        let cancel = CancellationToken::new();
        let (tx, rx) = oneshot::channel();
        let future = work(progress.clone(), cancel.clone());
        let token = cancel.clone();
        let notify = self.notify.clone();
        self.runtime.spawn(async move {
            let outcome = tokio::select! {
                biased;
                () = token.cancelled() => Err(JobError::Cancelled),
                value = future => Ok(value),
            };
            let _ = tx.send(outcome);
            if let Some(notify) = notify {
                notify();
            }
        });
        JobHandle {
            id,
            label: label.into(),
            progress,
            cancel,
            result: Some(rx),
        }
    }
}

/// The caller's side of a job.
#[derive(Debug)]
pub struct JobHandle<T> {
    id: u64,
    label: String,
    progress: Progress,
    cancel: CancellationToken,
    result: Option<oneshot::Receiver<Result<T, JobError>>>,
}

impl<T> JobHandle<T> {
    /// A number unique among the jobs of one [`Jobs`]; late results of replaced jobs can be
    /// recognised by it.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// What the job does, for a jobs panel.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The job's progress counters.
    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    /// Asks the job to stop; its result becomes [`JobError::Cancelled`].
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// The job's state, without waiting: the outcome is handed over once.
    pub fn poll(&mut self) -> JobState<T> {
        let Some(rx) = self.result.as_mut() else {
            return JobState::Taken;
        };
        match rx.try_recv() {
            Ok(outcome) => {
                self.result = None;
                JobState::Done(outcome)
            }
            Err(oneshot::error::TryRecvError::Empty) => JobState::Running,
            Err(oneshot::error::TryRecvError::Closed) => {
                self.result = None;
                JobState::Done(Err(JobError::Lost))
            }
        }
    }

    /// Waits for the outcome (for the command line and tests; the GUI polls instead).
    pub async fn wait(mut self) -> Result<T, JobError> {
        match self.result.take() {
            Some(rx) => rx.await.unwrap_or(Err(JobError::Lost)),
            None => Err(JobError::Lost),
        }
    }
}

impl<T> Drop for JobHandle<T> {
    /// A job nobody can see any more is not worth finishing.
    fn drop(&mut self) {
        if self.result.is_some() {
            self.cancel.cancel();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::time::{Duration, Instant};

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn result_progress_and_notify() {
        let rt = runtime();
        let notified = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&notified);
        let jobs = Jobs::new(
            rt.handle().clone(),
            Some(Arc::new(move || {
                seen.fetch_add(1, Ordering::Relaxed);
            })),
        );
        let mut job = jobs.spawn("sum", |progress, _cancel| async move {
            progress.set_total(3);
            for _ in 0..3 {
                progress.add(1);
            }
            6
        });
        let started = Instant::now();
        loop {
            match job.poll() {
                JobState::Running => std::thread::sleep(Duration::from_millis(1)),
                JobState::Done(result) => {
                    assert_eq!(result, Ok(6));
                    break;
                }
                JobState::Taken => panic!("taken before done"),
            }
            assert!(started.elapsed() < Duration::from_secs(5));
        }
        assert!(matches!(job.poll(), JobState::Taken));
        assert_eq!(job.progress().done(), 3);
        assert!(
            notified.load(Ordering::Relaxed) >= 5,
            "progress and the end notify"
        );
    }

    #[test]
    fn cancel_ends_a_job_at_its_next_await() {
        let rt = runtime();
        let jobs = Jobs::new(rt.handle().clone(), None);
        let job = jobs.spawn("forever", |_progress, _cancel| async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        });
        std::thread::sleep(Duration::from_millis(20));
        let started = Instant::now();
        job.cancel();
        let result = rt.block_on(job.wait());
        assert_eq!(result, Err(JobError::Cancelled));
        // The job would sleep an hour; cancelled, it ends at once (typically well under 1 ms
        // here). No tight bound: machines are noisy.
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn dropping_the_handle_cancels() {
        let rt = runtime();
        let jobs = Jobs::new(rt.handle().clone(), None);
        let finished = Arc::new(AtomicUsize::new(0));
        let flag = Arc::clone(&finished);
        let job = jobs.spawn("dropped", move |_p, _c| async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            flag.fetch_add(1, Ordering::Relaxed);
        });
        drop(job);
        std::thread::sleep(Duration::from_millis(400));
        assert_eq!(finished.load(Ordering::Relaxed), 0);
    }
}
