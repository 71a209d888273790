//! The actions room: what is done with the selected array — Preview (a row window), Load (into
//! memory), Memory-map (in place, or through the download cache) — with the question asked before
//! a big download, what those produced, the plot panel that shows it, and whether the selected
//! remote array is in the download cache.
//!
//! The room is handed the selected array ([`ArrayRef`]); which one is selected is the browser's.

use std::sync::Arc;

use super::command::{Command, DataAction};
use super::download::{Checked, Confirm};
use super::format;
use super::plot::{PlotData, PlotPanel, Source};
use super::requests::{JobRow, Request, cancel_if, flatten, take_done};
use super::room::Cx;
use crate::array::{ArrayRef, MapMode, MappedArray, NdArray};
use crate::jobs::JobError;
use crate::store::{ObjectInfo, Store};

/// A previewed window.
#[derive(Clone, Debug)]
pub(crate) struct Preview {
    /// The array's path.
    pub path: String,
    /// Rows read.
    pub rows: std::ops::Range<u64>,
    /// The rows, in memory.
    pub array: NdArray,
    /// Rows of the stored array.
    pub total_rows: u64,
    /// Shown under the plot's title (a remote array not yet cached).
    pub note: Option<String>,
}

/// A loaded array.
pub(crate) struct Loaded {
    /// The array's path.
    pub path: String,
    /// The data, in memory (shared with the plot).
    pub array: Arc<NdArray>,
}

/// A memory-mapped array.
pub(crate) struct Mapped {
    /// The array's path.
    pub path: String,
    /// The map (a local store's own file, or a cached copy; shared with the plot).
    pub array: Arc<MappedArray>,
    /// Mapped in place (a local store): no copy was made.
    pub in_place: bool,
}

/// The selected array as the cache lookup needs it: its path, store and listing.
pub(crate) struct Selected<'a> {
    /// The array's path.
    pub path: &'a str,
    /// Its store.
    pub store: &'a Arc<Store>,
    /// The object as listed.
    pub object: &'a ObjectInfo,
}

/// The actions room's state; see the [module documentation](self).
#[derive(Default)]
pub(crate) struct ActionsRoom {
    /// Reads a row window.
    preview_job: Option<Request<String, Result<Preview, String>>>,
    /// The array last previewed (the plot's row window asks for more of it).
    preview_array: Option<ArrayRef>,
    /// Loads a whole array.
    load_job: Option<Request<String, Result<Loaded, String>>>,
    /// Maps an array (downloading a remote one to the cache first).
    mmap_job: Option<Request<String, Result<Mapped, String>>>,
    /// The plot panel: what was last previewed, loaded or mapped.
    pub plot: Option<PlotPanel>,
    /// The last loaded array.
    pub loaded: Option<Loaded>,
    /// The last memory-mapped array.
    pub mapped: Option<Mapped>,
    /// The question before a big download, while it is asked.
    pub confirm: Option<Confirm>,
    /// Whether the selected remote array is in the download cache (`None` while checking).
    pub selected_cached: Option<(String, Option<bool>)>,
    /// Looks the selected remote array up in the download cache.
    selected_cached_job: Option<Request<String, Result<bool, String>>>,
    /// The store of the array last asked for, by its path: (path, store name), for the title.
    origin: Option<(String, String)>,
}

impl ActionsRoom {
    /// Reads `rows` of `array` in the background and plots them (the plot's row window calls
    /// this again for other windows of the same array).
    pub(crate) fn start_preview(
        &mut self,
        cx: &mut Cx<'_>,
        array: ArrayRef,
        rows: std::ops::Range<u64>,
    ) {
        self.preview_array = Some(array.clone());
        self.note_origin(&array);
        let path = array.path().to_string();
        let gate = cx.services.data_gate();
        let label = format!("Preview {}", format::file_name(&path));
        let key = path.clone();
        let cache = cx.services.cache.clone();
        let job = cx.jobs().spawn(label, move |progress, cancel| async move {
            gate.await;
            let total_rows = array.shape().first().copied().unwrap_or(1);
            let (rows, data) = array
                .read_rows(rows, &progress, &cancel)
                .await
                .map_err(|e| e.to_string())?;
            let note = if array.store().is_local() || rows.start == 0 && rows.end >= total_rows {
                None
            } else {
                let probe = array.clone();
                let cached = tokio::task::spawn_blocking(move || {
                    cache.get().is_ok_and(|c| probe.is_cached(&c))
                })
                .await
                .unwrap_or(false);
                (!cached).then(|| {
                    format!(
                        "Showing rows {}-{} of {}. The whole-array overview comes once the array is cached (Memory-map downloads it).",
                        rows.start, rows.end, total_rows
                    )
                })
            };
            Ok(Preview {
                path,
                rows,
                array: data,
                total_rows,
                note,
            })
        });
        self.preview_job = Some(Request::new(key, job));
    }

    /// Previews the rows the plot's row window asked for (another window of the same array).
    pub(crate) fn preview_requested_rows(&mut self, cx: &mut Cx<'_>) {
        let Some(rows) = self.plot.as_mut().and_then(PlotPanel::take_requested_rows) else {
            return;
        };
        match self.preview_array.clone() {
            Some(array) if self.plot.as_ref().is_some_and(|p| p.path() == array.path()) => {
                self.start_preview(cx, array, rows)
            }
            _ => cx.error("the previewed array is gone; select it and press Preview again"),
        }
    }

    /// Load or Memory-map of the selected `array`: at once for a local or small array (or to
    /// report why there is none), else after the user confirms a download of more than
    /// `confirm_above` bytes.
    pub(crate) fn request(
        &mut self,
        cx: &mut Cx<'_>,
        action: DataAction,
        array: Result<ArrayRef, String>,
        confirm_above: u64,
    ) {
        let array = match array {
            Ok(array) => array,
            // Let the action report why it cannot run.
            Err(err) => return self.start(cx, action, Err(err)),
        };
        if array.store().is_local() || array.object().size <= confirm_above {
            return self.start(cx, action, Ok(array));
        }
        self.confirm = Some(Confirm::start(cx, action, &array));
    }

    /// Starts Load or Memory-map of `array` (or reports why there is none).
    pub(crate) fn start(
        &mut self,
        cx: &mut Cx<'_>,
        action: DataAction,
        array: Result<ArrayRef, String>,
    ) {
        match array {
            Ok(array) => {
                self.drop_pending_preview();
                match action {
                    DataAction::Load => self.start_load(cx, array),
                    DataAction::MemoryMap => self.start_mmap(cx, array),
                }
            }
            Err(err) => cx.error(err),
        }
    }

    /// A whole array the user asked for supersedes any preview still on its way (the one the
    /// window opened with, say): arriving later, it would replace the load or map in the plot.
    /// Dropping the request cancels its job.
    fn drop_pending_preview(&mut self) {
        self.preview_job = None;
    }

    /// Loads `array` into memory in the background.
    fn start_load(&mut self, cx: &mut Cx<'_>, array: ArrayRef) {
        self.note_origin(&array);
        let path = array.path().to_string();
        let gate = cx.services.data_gate();
        let label = format!("Load {}", format::file_name(&path));
        let key = path.clone();
        let job = cx.jobs().spawn(label, move |progress, cancel| async move {
            gate.await;
            let array = array
                .load(None, &progress, &cancel)
                .await
                .map_err(|e| e.to_string())?;
            Ok(Loaded {
                path,
                array: Arc::new(array),
            })
        });
        self.load_job = Some(Request::new(key, job));
    }

    /// Maps `array` in the background (a remote one through the download cache).
    fn start_mmap(&mut self, cx: &mut Cx<'_>, array: ArrayRef) {
        self.note_origin(&array);
        let path = array.path().to_string();
        let gate = cx.services.data_gate();
        let label = format!("Memory-map {}", format::file_name(&path));
        let key = path.clone();
        let cache = cx.services.cache.clone();
        let job = cx.jobs().spawn(label, move |progress, cancel| async move {
            gate.await;
            let cache = tokio::task::spawn_blocking(move || cache.get())
                .await
                .map_err(|e| e.to_string())??;
            let in_place = array.store().is_local();
            let array = array
                .mmap(MapMode::ReadOnly, &cache, &progress, &cancel)
                .await
                .map_err(|e| e.to_string())?;
            Ok(Mapped {
                path,
                array: Arc::new(array),
                in_place,
            })
        });
        self.mmap_job = Some(Request::new(key, job));
    }

    /// Takes the results of Preview, Load, Memory-map and the download question's measurement;
    /// a new map emits [`Command::CacheChanged`], a download that needs no question
    /// [`Command::StartData`].
    pub(crate) fn poll(&mut self, cx: &mut Cx<'_>) {
        if let Some(confirm) = &mut self.confirm
            && let Checked::NoDownload = confirm.poll()
        {
            let path = confirm.path.clone();
            self.confirm = None;
            cx.emit(Command::StartData {
                action: DataAction::MemoryMap,
                path,
            });
        }
        if let Some((path, outcome)) = take_done(&mut self.preview_job) {
            match flatten(outcome) {
                Ok(preview) => {
                    let data = PlotData::Memory {
                        array: Arc::new(preview.array),
                        first_row: preview.rows.start,
                        total_rows: preview.total_rows,
                    };
                    self.present(cx, preview.path, data, Source::Preview, preview.note);
                }
                Err(err) if err == JobError::Cancelled.to_string() => {
                    cx.status
                        .note(format!("Preview of {} cancelled", format::file_name(&path)));
                }
                Err(err) => cx.error(err),
            }
        }
        if let Some((path, outcome)) = take_done(&mut self.load_job) {
            match flatten(outcome) {
                Ok(loaded) => {
                    cx.status.note(format!(
                        "Loaded {}: {} {}, {} in memory",
                        format::file_name(&loaded.path),
                        format::shape(loaded.array.shape()),
                        loaded.array.dtype().display_name(),
                        format::bytes(loaded.array.nbytes() as u64)
                    ));
                    let data = PlotData::Memory {
                        array: Arc::clone(&loaded.array),
                        first_row: 0,
                        total_rows: loaded.array.shape().first().copied().unwrap_or(1),
                    };
                    self.present(cx, loaded.path.clone(), data, Source::Loaded, None);
                    self.loaded = Some(loaded);
                }
                Err(err) if err == JobError::Cancelled.to_string() => {
                    cx.status
                        .note(format!("Load of {} cancelled", format::file_name(&path)));
                }
                Err(err) => cx.error(err),
            }
        }
        if let Some((path, outcome)) = take_done(&mut self.mmap_job) {
            match flatten(outcome) {
                Ok(mapped) => {
                    let meta = mapped.array.meta();
                    cx.status.note(format!(
                        "Mapped {}: {} {}, {}, {}",
                        format::file_name(&mapped.path),
                        format::shape(&meta.shape),
                        meta.dtype.display_name(),
                        format::bytes(meta.nbytes),
                        if mapped.in_place {
                            "no copy"
                        } else {
                            "from the download cache"
                        }
                    ));
                    let data = PlotData::Mapped(Arc::clone(&mapped.array));
                    self.present(cx, mapped.path.clone(), data, Source::Mapped, None);
                    self.mapped = Some(mapped);
                    // A remote array is in the cache now: look it up and count again.
                    self.selected_cached = None;
                    cx.emit(Command::CacheChanged);
                }
                Err(err) if err == JobError::Cancelled.to_string() => {
                    cx.status.note(format!(
                        "Memory-map of {} cancelled",
                        format::file_name(&path)
                    ));
                }
                Err(err) => cx.error(err),
            }
        }
    }

    /// Shows an array already in memory (a database cell's blob, an array inside a blob) as
    /// loaded: in the plot panel, under the name `path`.
    pub(crate) fn show_array(&mut self, cx: &mut Cx<'_>, path: String, array: NdArray) {
        self.drop_pending_preview();
        let array = Arc::new(array);
        cx.status.note(format!(
            "Loaded {path}: {} {}, {} in memory",
            format::shape(array.shape()),
            array.dtype().display_name(),
            format::bytes(array.nbytes() as u64)
        ));
        let data = PlotData::Memory {
            array: Arc::clone(&array),
            first_row: 0,
            total_rows: array.shape().first().copied().unwrap_or(1),
        };
        self.present(cx, path.clone(), data, Source::Loaded, None);
        self.loaded = Some(Loaded { path, array });
    }

    /// Remembers which store `array` comes from (the title names it while it is plotted).
    fn note_origin(&mut self, array: &ArrayRef) {
        self.origin = Some((array.path().to_string(), array.store().name().to_string()));
    }

    /// What the plot shows: `STORE:PATH` of a store's array, else the name it was shown under
    /// (a database cell's blob, an array inside a blob).
    pub(crate) fn plotted_place(&self) -> Option<String> {
        let path = self.plot.as_ref()?.path();
        Some(match &self.origin {
            Some((origin, store)) if origin == path => format!("{store}:{path}"),
            _ => path.to_string(),
        })
    }

    /// Shows `data` (the array at `path`) in the plot panel.
    fn present(
        &mut self,
        cx: &mut Cx<'_>,
        path: String,
        data: PlotData,
        source: Source,
        note: Option<String>,
    ) {
        let panel = PlotPanel::new(
            path,
            data,
            source,
            note,
            cx.jobs(),
            cx.services.hooks.save_path.clone(),
        );
        PlotPanel::present(&mut self.plot, panel);
    }

    /// Starts (once per selection) the lookup of the selected remote array in the download
    /// cache, and takes its answer.
    pub(crate) fn check_selected_cached(&mut self, cx: &mut Cx<'_>, selected: Option<Selected>) {
        if let Some((path, outcome)) = take_done(&mut self.selected_cached_job)
            && let Some((selected, state)) = &mut self.selected_cached
            && *selected == path
        {
            *state = flatten(outcome).ok();
        }
        let Some(selected) = selected else {
            return;
        };
        if self
            .selected_cached
            .as_ref()
            .is_some_and(|(p, _)| p == selected.path)
        {
            return;
        }
        let path = selected.path.to_string();
        self.selected_cached = Some((path.clone(), None));
        if selected.store.is_local() {
            return;
        }
        let store = Arc::clone(selected.store);
        let object = selected.object.clone();
        let cache = cx.services.cache.clone();
        let label = format!("Looking up {} in the cache", format::file_name(&path));
        let job = cx.jobs().spawn(label, move |_, _| async move {
            tokio::task::spawn_blocking(move || {
                let cache = cache.get()?;
                Ok(cache.lookup(&store, &object).is_some())
            })
            .await
            .map_err(|e| e.to_string())?
        });
        self.selected_cached_job = Some(Request::new(path, job));
    }

    /// The download question while it is asked; the answer starts the download (if the array
    /// is still selected) or notes that it was cancelled.
    pub(crate) fn confirm_ui(&mut self, cx: &mut Cx<'_>, ctx: &egui::Context) {
        let Some(answer) = self.confirm.as_ref().and_then(|c| c.ui(ctx)) else {
            return;
        };
        let Some(confirm) = self.confirm.take() else {
            return;
        };
        if answer {
            cx.emit(Command::StartData {
                action: confirm.action,
                path: confirm.path,
            });
        } else {
            cx.status.note(format!(
                "Download of {} cancelled",
                format::file_name(&confirm.path)
            ));
        }
    }

    /// The plot panel, when something was previewed, loaded or mapped.
    pub(crate) fn plot_ui(&mut self, ui: &mut egui::Ui) {
        if let Some(plot) = &mut self.plot {
            plot.ui(ui);
        }
    }

    /// This room's running jobs (the plot panel's included), for the jobs bar.
    pub(crate) fn job_rows(&self) -> Vec<JobRow> {
        let mut rows = Vec::new();
        if let Some(r) = &self.preview_job {
            rows.push(JobRow::of(r));
        }
        if let Some(plot) = &self.plot {
            rows.extend(plot.job_rows());
        }
        if let Some(r) = &self.load_job {
            rows.push(JobRow::of(r));
        }
        if let Some(r) = &self.mmap_job {
            rows.push(JobRow::of(r));
        }
        if let Some(confirm) = &self.confirm {
            rows.extend(confirm.job_rows());
        }
        rows
    }

    /// Cancels the job numbered `id` if it is one of this room's.
    pub(crate) fn cancel(&mut self, id: u64) {
        cancel_if(self.preview_job.as_ref(), id);
        if let Some(plot) = &mut self.plot {
            plot.cancel_job(id);
        }
        cancel_if(self.load_job.as_ref(), id);
        cancel_if(self.mmap_job.as_ref(), id);
        if let Some(confirm) = &self.confirm {
            confirm.cancel(id);
        }
    }
}
