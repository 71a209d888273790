//! The question asked before a big remote array is downloaded (Load, Memory-map): how much,
//! from which store, and how much room the download cache's disk has left. Part of the actions
//! room, which starts it and acts on the answer.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::command::DataAction;
use super::format;
use super::requests::{JobRow, Request, cancel_if, take_done};
use super::room::Cx;
use crate::array::ArrayRef;

/// What is measured before the download question is shown.
struct Check {
    /// Bytes free where the cache is, when it can be told.
    free: Option<u64>,
    /// A valid copy is in the download cache already (Memory-map then needs no download).
    cached: bool,
}

/// The question asked before a big remote array is downloaded.
pub(crate) struct Confirm {
    /// Load or Memory-map.
    pub action: DataAction,
    /// The array's path (the selection it was asked for).
    pub path: String,
    /// The array's store, for the question.
    store: String,
    /// The download's size.
    bytes: u64,
    /// The download cache's folder.
    cache_dir: Option<PathBuf>,
    /// Measures the free space of the cache's file system (and whether a copy is cached).
    check_job: Option<Request<(), Check>>,
    /// Free space once measured (`Some(None)`: unknown); the question shows from then on.
    free: Option<Option<u64>>,
}

/// What the measurement found.
pub(crate) enum Checked {
    /// Still measuring, or measured: the question is (to be) shown.
    Ask,
    /// A valid copy to map is cached: nothing to download, no question.
    NoDownload,
}

impl Confirm {
    /// Starts measuring the free space (and, for Memory-map, looking for a cached copy) of a
    /// download of `array`; the question shows once that is done.
    pub(crate) fn start(cx: &mut Cx<'_>, action: DataAction, array: &ArrayRef) -> Confirm {
        let cache_dir = cx
            .options()
            .cache_dir
            .clone()
            .or_else(|| std::env::var_os(crate::cache::CACHE_DIR_ENV).map(PathBuf::from))
            .or_else(crate::cache::Cache::default_dir);
        let dir = cache_dir.clone();
        let shared = cx.services.cache.clone();
        let store = Arc::clone(array.store());
        let object = array.object().clone();
        let mapping = action == DataAction::MemoryMap;
        let job = cx
            .jobs()
            .spawn("Checking free disk space", move |_, _| async move {
                tokio::task::spawn_blocking(move || {
                    let cached = mapping
                        && shared
                            .get()
                            .is_ok_and(|cache| cache.lookup(&store, &object).is_some());
                    Check {
                        free: dir.as_deref().and_then(free_space),
                        cached,
                    }
                })
                .await
                .unwrap_or(Check {
                    free: None,
                    cached: false,
                })
            });
        Confirm {
            action,
            path: array.path().to_string(),
            store: array.store_name().to_string(),
            bytes: array.object().size,
            cache_dir,
            check_job: Some(Request::new((), job)),
            free: None,
        }
    }

    /// Takes the measurement once it is done.
    pub(crate) fn poll(&mut self) -> Checked {
        if let Some(((), outcome)) = take_done(&mut self.check_job) {
            match outcome {
                // Mapping a cached copy downloads nothing: no question.
                Ok(check) if check.cached && self.action == DataAction::MemoryMap => {
                    return Checked::NoDownload;
                }
                Ok(check) => self.free = Some(check.free),
                Err(_) => self.free = Some(None),
            }
        }
        Checked::Ask
    }

    /// The question, once the free space is measured: `Some(true)` to download, `Some(false)`
    /// to cancel, `None` while unanswered.
    pub(crate) fn ui(&self, ctx: &egui::Context) -> Option<bool> {
        let free = self.free?;
        let mut answer = None;
        egui::Modal::new(egui::Id::unique("confirm_download")).show(ctx, |ui| {
            ui.set_max_width(460.0);
            let name = format::file_name(&self.path);
            ui.heading(format!("Download {name}?"));
            ui.label(format!(
                "{} will be downloaded from store {}.",
                format::bytes(self.bytes),
                self.store
            ));
            let place = match &self.cache_dir {
                Some(dir) => format!("the download cache ({})", dir.display()),
                None => "the download cache".to_string(),
            };
            match free {
                None => {
                    ui.label(format!("Free space where {place} is: unknown"));
                }
                Some(free) => {
                    let text = format!("Free space where {place} is: {}", format::bytes(free));
                    if free < self.bytes {
                        ui.colored_label(
                            ui.visuals().error_fg_color,
                            format!("{text} — not enough; free some space or clear the cache"),
                        );
                    } else {
                        ui.label(text);
                    }
                }
            }
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                if ui.button("Download").clicked() {
                    answer = Some(true);
                }
                if ui.button("Cancel").clicked() {
                    answer = Some(false);
                }
            });
            if ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                answer = Some(false);
            }
        });
        answer
    }

    /// The measurement's job while it runs, for the jobs bar.
    pub(crate) fn job_rows(&self) -> Vec<JobRow> {
        self.check_job.iter().map(JobRow::of).collect()
    }

    /// Cancels the measurement if it is the job numbered `id`.
    pub(crate) fn cancel(&self, id: u64) {
        cancel_if(self.check_job.as_ref(), id);
    }
}

/// Bytes free for unprivileged users on the file system of `dir` (or of its nearest existing
/// parent, as the cache folder may not exist yet); `None` when it cannot be told.
#[cfg(unix)]
fn free_space(dir: &Path) -> Option<u64> {
    let mut dir = dir;
    while !dir.exists() {
        dir = match dir.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            Some(_) => Path::new("."),
            None => return None,
        };
    }
    let stat = nix::sys::statvfs::statvfs(dir).ok()?;
    #[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
    let (blocks, block_size) = (stat.blocks_available() as u64, stat.fragment_size() as u64);
    blocks.checked_mul(block_size)
}

/// Free space is not measured on this platform.
#[cfg(not(unix))]
fn free_space(_dir: &Path) -> Option<u64> {
    None
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    #[test]
    fn free_space_of_a_folder_yet_to_be_made_is_measured_on_its_parent() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        assert!(super::free_space(dir.path()).is_some_and(|bytes| bytes > 0));
        assert!(super::free_space(&dir.path().join("cache/not/made")).is_some());
    }
}
