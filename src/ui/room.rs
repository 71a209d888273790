//! What a room is given. A room is one capability of the window (the stores panel, the browser,
//! the DataJoint view, the array actions, the File menu, …): a struct in its own module that
//! owns that capability's state and its [`super::requests::Request`]s, takes their results in
//! its `poll`, draws its panels in `*_ui` functions, and lists and cancels its own jobs
//! (`job_rows`, `cancel`).
//!
//! A room never holds another room. What it needs from the rest of the window comes in a
//! [`Cx`] (the shared [`Services`], the status bar, the frame's commands) or as plain arguments;
//! what it wants of another room goes out as a [`super::command::Command`], which the app
//! routes between frames. To add a feature, add a room beside the others and route its commands
//! in `app.rs`.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::command::Command;
use super::options::{AppOptions, TestHooks};
use super::status::Status;
use crate::cache::Cache;
use crate::jobs::Jobs;

/// What every room may use: the jobs runner, the user's options, the download cache and the
/// test seams.
pub(crate) struct Services {
    /// Where background work runs (each job's progress and end repaint the window).
    pub jobs: Jobs,
    /// What the app was started with.
    pub options: AppOptions,
    /// Seams the UI tests drive (the default in the shipped app).
    pub hooks: TestHooks,
    /// The download cache, opened by the first job that needs it.
    pub cache: SharedCache,
}

impl Services {
    /// The services of an app started with `options` and `hooks`, its jobs on `jobs`.
    pub(crate) fn new(jobs: Jobs, options: AppOptions, hooks: TestHooks) -> Services {
        let cache = SharedCache::new(options.cache_dir.clone());
        Services {
            jobs,
            options,
            hooks,
            cache,
        }
    }

    /// Waits for the test gate when one is set (a permit is taken and given back at once); data
    /// reads call this before they start.
    pub(crate) fn data_gate(&self) -> impl Future<Output = ()> + Send + 'static {
        let gate = self.hooks.data_gate.clone();
        async move {
            if let Some(gate) = gate {
                let _permit = gate.acquire().await;
            }
        }
    }
}

/// The download cache shared by the rooms' jobs: opened once, on a blocking thread, by the first
/// job that needs it. Cloning shares it.
#[derive(Clone, Debug, Default)]
pub(crate) struct SharedCache {
    /// The cache once opened.
    slot: Arc<Mutex<Option<Arc<Cache>>>>,
    /// Its folder; `None` for the usual one.
    dir: Option<PathBuf>,
}

impl SharedCache {
    /// A cache in `dir` (`None`: the usual folder), not opened yet.
    pub(crate) fn new(dir: Option<PathBuf>) -> SharedCache {
        SharedCache {
            slot: Arc::default(),
            dir,
        }
    }

    /// The download cache, opened once (small blocking file work: call on a blocking thread).
    pub(crate) fn get(&self) -> Result<Arc<Cache>, String> {
        let mut slot = self
            .slot
            .lock()
            .map_err(|_| "the download cache is unavailable".to_string())?;
        if let Some(cache) = &*slot {
            return Ok(Arc::clone(cache));
        }
        let cache = Arc::new(Cache::open(self.dir.clone(), None).map_err(|e| e.to_string())?);
        *slot = Some(Arc::clone(&cache));
        Ok(cache)
    }
}

/// What a room's `poll` and request-starting functions are handed.
pub(crate) struct Cx<'a> {
    /// Jobs, options, the download cache, test seams.
    pub services: &'a Services,
    /// Where errors and notes go.
    pub status: &'a mut Status,
    /// What the room asks of other rooms (routed by the app between frames).
    pub commands: &'a mut Vec<Command>,
}

impl Cx<'_> {
    /// The jobs runner.
    pub(crate) fn jobs(&self) -> &Jobs {
        &self.services.jobs
    }

    /// The app's options.
    pub(crate) fn options(&self) -> &AppOptions {
        &self.services.options
    }

    /// Records an error for the status bar.
    pub(crate) fn error(&mut self, err: impl Into<String>) {
        self.status.error(err);
    }

    /// Asks the app for `command` between frames.
    pub(crate) fn emit(&mut self, command: Command) {
        self.commands.push(command);
    }
}
