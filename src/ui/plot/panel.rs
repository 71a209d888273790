//! [`PlotPanel`]: what the centre panel plots of the array last previewed, loaded or memory-mapped: modes
//! (Line, Stacked, Image), channel choice, gain and offset, the row window, a level-of-detail overview built in
//! the background for big whole arrays, and statistics of the visible window.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use egui::RichText;
use egui_plot::{GridInput, GridMark, HoverPosition, Plot, PlotBounds, PlotPoint};

use super::data::PlotData;
use super::envelope::{EnvelopeItem, SharedMesh, TextureItem, TraceStyle};
use super::export::{ExportState, ExportView, export_buttons_ui};
use super::heat::HeatWorker;
use super::image::ImageView;
use super::readout::{self, Readout, ReadoutKind};
use super::traces::{
    self, LaneSpec, Layout, Mode, PYRAMID_ROWS, Pyramids, TraceRequest, Traces, default_layout,
};
use crate::jobs::Jobs;
use crate::npy::ScalarKind;
use crate::signal::{self, Pyramid};
use crate::ui::format;
use crate::ui::requests::{JobRow, Request, take_done};
use crate::view;

mod controls;
mod stats;

/// Rows read by Preview: enough for a few seconds of a typical recording (the row window
/// moves by this many).
pub(crate) const PREVIEW_ROWS: u64 = 100_000;
/// Grid lines closer than this, in points, are not drawn (egui_plot's default; the channel axis
/// reads the points per plot unit from it).
const GRID_SPACING_MIN: f32 = 8.0;
/// Grid lines are fully opaque from this far apart, in points (egui_plot's default).
const GRID_SPACING_MAX: f32 = 300.0;
/// Shortest lane worth a pyramid (a few of its first-level blocks).
const PYRAMID_MIN_LANE: u64 = 1 << 14;
/// Width of the statistics column beside the plot.
const STATS_WIDTH: f32 = 330.0;
/// Below this width the statistics go under the plot instead.
const STATS_BESIDE_MIN_WIDTH: f32 = 900.0;
/// Samples the default offset estimate reads per channel.
const SPREAD_SAMPLES: usize = 20_000;

/// Where the plotted data came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// A row window read by Preview.
    Preview,
    /// The whole array, in memory.
    Loaded,
    /// The whole array, memory-mapped.
    Mapped,
}

/// A pyramid job's result: the spec it was built for and one pyramid per channel.
type PyramidResult = Result<Vec<(usize, Pyramid)>, String>;

/// The plot panel's state; see the [module documentation](self).
pub(crate) struct PlotPanel {
    /// The array's store path.
    path: String,
    /// The bytes plotted.
    data: PlotData,
    /// Preview, Loaded or Memory-mapped (the title).
    source: Source,
    /// Shown under the title (a remote preview's caveat).
    note: Option<String>,
    /// Where background work (overview, export) runs.
    jobs: Jobs,
    /// What the array's shape and dtype allow (value, text, empty, plot).
    layout: Layout,
    /// The mode chosen.
    mode: Mode,
    /// Field, complex part and axes of the channels.
    spec: LaneSpec,
    /// Numeric leaf fields of a structured dtype (the Field menu).
    fields: Vec<Vec<String>>,
    /// The chosen values are complex (the Part menu).
    complex: bool,
    /// The Channels box's text.
    channels_text: String,
    /// The channels shown, in order (the last text that parsed).
    channels: Vec<usize>,
    /// Why the Channels text does not parse.
    channels_error: Option<String>,
    /// Values are multiplied by this.
    gain: f64,
    /// Stacked trace k sits at k * offset.
    offset: f64,
    /// The spec and channels the offset was estimated for (re-estimated when they change).
    offset_for: Option<(LaneSpec, Vec<usize>)>,
    /// The Sampling rate box's text (empty: x in rows).
    rate_text: String,
    /// Where the sampling rate shown came from (`recording.sampling_rate`), until the user edits it.
    rate_from: Option<String>,
    /// A rate from the array's row was offered (once per panel).
    rate_offered: bool,
    /// Bumped when the data, spec or pyramids change (part of every cache key).
    generation: u64,
    /// The envelopes of the last request (a still view recomputes nothing).
    traces: Option<(TraceRequest, Arc<Traces>)>,
    /// Bumped when the traces or their style change (the mesh cache's key).
    mesh_generation: u64,
    /// What the mesh generation was bumped for.
    mesh_inputs: Option<(TraceRequest, TraceStyle)>,
    /// The traces' mesh, built once per view by the plot item.
    mesh: SharedMesh,
    /// Computes the heatmap off the UI thread (latest request wins).
    heat_worker: HeatWorker,
    /// The request last sent to the heat worker (a still view sends nothing).
    heat_asked: Option<TraceRequest>,
    /// The heatmap drawn: its request, envelopes and texture (kept until the next is ready).
    heat: Option<(TraceRequest, Arc<Traces>, egui::TextureHandle)>,
    /// The statistics lines and what they were computed for.
    stats: Option<(StatsKey, Vec<String>)>,
    /// When the visible window last moved: statistics wait until it rests.
    moved_at: std::time::Instant,
    /// Level-of-detail pyramids per channel (whole data of many rows).
    pyramids: Pyramids,
    /// The overview being built.
    pyramid_job: Option<Request<LaneSpec, PyramidResult>>,
    /// How the overview stands, for the status line.
    pyramid_note: Option<String>,
    /// No new pyramid job for this spec (one was cancelled or failed).
    pyramids_stopped: bool,
    /// A preview window the app should read next.
    requested_rows: Option<Range<u64>>,
    /// Start row typed into the Rows box of a preview.
    window_start: u64,
    /// The next frame resets the plot's bounds (new data).
    reset: bool,
    /// Visible x range in sample indices (last frame).
    visible: Range<f64>,
    /// Set the x range (sample indices) on the next frame.
    goto: Option<Range<f64>>,
    /// Fit the y axis to the traces on the next frame (channels changed).
    fit_y: bool,
    /// The last frame drew a heatmap.
    drawn_heatmap: bool,
    /// The sampling rate the plot's x axis was last drawn with (a change resets the bounds).
    drawn_rate: Option<f64>,
    /// Largest |value| estimate of the channels shown (y extent of a Line view).
    extent: f64,
    /// The plot's data frame in pixels (last frame).
    plot_size: egui::Vec2,
    /// The Image mode.
    image: ImageView,
    /// Export of the shown rows and of the plot.
    export: ExportState,
    /// The traces plot's rectangle last frame (Save PNG).
    plot_rect: Option<egui::Rect>,
}

/// What the statistics lines depend on.
#[derive(Clone, Debug, PartialEq)]
struct StatsKey {
    /// Held sample indices of the window.
    range: Range<u64>,
    /// Channels shown.
    channels: Vec<usize>,
    /// Field, part and axes.
    spec: LaneSpec,
    /// Data generation.
    generation: u64,
}

impl PlotPanel {
    /// A panel over `data` (the array at `path`), with `note` shown under the title.
    pub(crate) fn new(
        path: String,
        data: PlotData,
        source: Source,
        note: Option<String>,
        jobs: &Jobs,
        save_path: Option<PathBuf>,
    ) -> PlotPanel {
        let mut shape = data.shape().to_vec();
        if let Some(rows) = shape.first_mut() {
            *rows = data.total_rows();
        }
        let layout = default_layout(&shape, data.dtype());
        let mode = match layout {
            Layout::Plot(mode) => mode,
            _ => Mode::Line,
        };
        let fields = traces::numeric_fields(data.dtype());
        let spec = LaneSpec {
            field: fields.first().cloned().unwrap_or_default(),
            ..LaneSpec::default()
        };
        let window_start = data.first_row();
        let mut panel = PlotPanel {
            path,
            data,
            source,
            note,
            jobs: jobs.clone(),
            layout,
            mode,
            spec,
            fields,
            complex: false,
            channels_text: String::new(),
            channels: Vec::new(),
            channels_error: None,
            gain: 1.0,
            offset: 1.0,
            offset_for: None,
            rate_text: String::new(),
            rate_from: None,
            rate_offered: false,
            generation: 0,
            traces: None,
            mesh_generation: 0,
            mesh_inputs: None,
            mesh: SharedMesh::default(),
            heat_worker: HeatWorker::new(),
            heat_asked: None,
            heat: None,
            stats: None,
            moved_at: std::time::Instant::now(),
            pyramids: Pyramids::new(),
            pyramid_job: None,
            pyramid_note: None,
            pyramids_stopped: false,
            requested_rows: None,
            window_start,
            reset: true,
            visible: 0.0..1.0,
            goto: None,
            fit_y: false,
            drawn_rate: None,
            drawn_heatmap: false,
            extent: 1.0,
            plot_size: egui::vec2(600.0, 200.0),
            image: ImageView::new(),
            export: ExportState::new(save_path),
            plot_rect: None,
        };
        panel.spec_changed();
        panel
    }

    /// Replaces `slot` with a panel over new data; a new window of the array already shown keeps the
    /// user's choices (mode, channels, gain, offset, sampling rate).
    pub(crate) fn present(slot: &mut Option<PlotPanel>, panel: PlotPanel) {
        let mut old = slot.take();
        let mut old_export = old
            .as_mut()
            .map(|o| std::mem::replace(&mut o.export, ExportState::new(None)));
        let keep = old.filter(|old| {
            old.path == panel.path
                && old.source == Source::Preview
                && panel.source == Source::Preview
                && old.data.dtype() == panel.data.dtype()
                && old.data.shape().get(1..) == panel.data.shape().get(1..)
        });
        let mut panel = panel;
        if let Some(old) = &mut old_export {
            // An export under way finishes whatever is shown next.
            std::mem::swap(&mut panel.export, old);
        }
        if let Some(old) = keep {
            panel.mode = old.mode;
            panel.spec = old.spec;
            panel.channels_text = old.channels_text;
            panel.channels = old.channels;
            panel.channels_error = old.channels_error;
            panel.gain = old.gain;
            panel.offset = old.offset;
            panel.offset_for = old.offset_for;
            panel.extent = old.extent;
            panel.rate_text = old.rate_text;
            panel.rate_from = old.rate_from;
            // The image mode's frame, axes and colours too: a preview of the same array read
            // again (the one the window opened with, or a window of rows asked for) keeps them.
            panel.image = old.image;
        }
        *slot = Some(panel);
    }

    /// The row window the user asked to preview next (taken once).
    pub(crate) fn take_requested_rows(&mut self) -> Option<Range<u64>> {
        self.requested_rows.take()
    }

    /// Fills the sampling rate with `hz`, the rate the array's row carries (`from` names the
    /// attribute), unless the user set one; offered once per panel.
    pub(crate) fn offer_rate(&mut self, hz: f64, from: &str) {
        if std::mem::replace(&mut self.rate_offered, true) || !self.rate_text.trim().is_empty() {
            return;
        }
        self.rate_text = format_rate(hz);
        self.rate_from = Some(from.to_string());
    }

    /// The array's store path.
    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    /// The panel's background jobs (the overview being built, an export), for the jobs bar.
    pub(crate) fn job_rows(&self) -> Vec<JobRow> {
        let mut rows: Vec<JobRow> = self.pyramid_job.iter().map(JobRow::of).collect();
        rows.extend(self.export.job_rows());
        rows
    }

    /// Cancels the panel's job numbered `id`, if it is one of them.
    pub(crate) fn cancel_job(&mut self, id: u64) {
        if let Some(r) = &self.pyramid_job
            && r.handle.id() == id
        {
            r.handle.cancel();
        }
        self.export.cancel(id);
    }

    /// The export buttons for `rows` (stored-array rows) and the plot at `plot_rect`.
    fn export_ui(&mut self, ui: &mut egui::Ui, rows: Range<u64>, plot_rect: Option<egui::Rect>) {
        // The outcome is shown beside the buttons.
        let _ = self.export.poll(ui.ctx(), &self.jobs);
        let name = format::file_name(&self.path);
        let stem = name.strip_suffix(".npy").unwrap_or(name);
        let view = ExportView {
            data: &self.data,
            stem,
            rows,
            plot_rect,
        };
        if let Some(action) = export_buttons_ui(ui, &mut self.export, &view) {
            self.export.start(&self.jobs, action);
        }
    }

    /// The title: where the data came from.
    pub(crate) fn title(&self) -> String {
        match self.source {
            Source::Preview => {
                let first = self.data.first_row();
                let held = self.data.shape().first().copied().unwrap_or(1);
                format!(
                    "Preview rows {}-{} of {}",
                    thousands(first),
                    thousands(first + held),
                    thousands(self.data.total_rows())
                )
            }
            Source::Loaded => "Loaded".to_string(),
            Source::Mapped => "Memory-mapped".to_string(),
        }
    }

    /// Field, part or axes changed: channels, pyramids and caches start over.
    fn spec_changed(&mut self) {
        self.complex = traces::leaf_scalar(self.data.dtype(), &self.spec.field)
            .is_some_and(|s| matches!(s.kind, ScalarKind::Complex(_)));
        let count = self.channel_count();
        let parsed = view::parse_channels(&self.channels_text, count);
        match parsed {
            Ok(channels) if !self.channels_text.is_empty() => self.channels = channels,
            _ => {
                self.channels = view::default_channels(count);
                self.channels_text = view::format_channels(&self.channels);
                self.channels_error = None;
            }
        }
        self.pyramids.clear();
        self.pyramid_job = None;
        self.pyramids_stopped = false;
        self.generation += 1;
        self.offset_for = None;
        self.start_pyramids();
    }

    /// Channels under the current spec.
    fn channel_count(&self) -> usize {
        usize::try_from(self.spec.channel_count(&self.data)).unwrap_or(usize::MAX)
    }

    /// Starts building pyramids of all channels (whole data of more than 2^20 samples in all),
    /// one pass.
    fn start_pyramids(&mut self) {
        let samples = self.spec.samples(&self.data);
        // Worth it once a redraw would scan many samples in all: long lanes, or many of them.
        let total = samples.saturating_mul(self.channel_count() as u64);
        if !self.data.is_whole()
            || total <= PYRAMID_ROWS
            || samples < PYRAMID_MIN_LANE
            || self.pyramid_job.is_some()
            || self.pyramids_stopped
            || !matches!(self.mode, Mode::Line | Mode::Stacked)
        {
            return;
        }
        let count = self.channel_count();
        // All channels when there are not too many (one pass builds them all), else the ones shown.
        let wanted: Vec<usize> = if count <= 1024 {
            (0..count).collect()
        } else {
            self.channels.clone()
        };
        let wanted: Vec<usize> = wanted
            .into_iter()
            .filter(|c| !self.pyramids.contains_key(c))
            .collect();
        if wanted.is_empty() {
            return;
        }
        let data = self.data.clone();
        let spec = self.spec.clone();
        let key = spec.clone();
        let label = format!("Building overview of {}", format::file_name(&self.path));
        let handle = self.jobs.spawn(label, move |progress, cancel| async move {
            tokio::task::spawn_blocking(move || -> PyramidResult {
                let lanes = wanted
                    .iter()
                    .map(|&c| spec.lane(&data, c))
                    .collect::<Result<Vec<_>, String>>()?;
                progress.set_total(samples.saturating_mul(lanes.len() as u64));
                let built =
                    signal::build_many(&lanes, &progress, &cancel).map_err(|e| e.to_string())?;
                Ok(wanted.into_iter().zip(built).collect())
            })
            .await
            .map_err(|e| e.to_string())?
        });
        self.pyramid_note = Some(
            "Building the overview; zoomed-out views are approximate until it is ready".to_string(),
        );
        self.pyramid_job = Some(Request::new(key, handle));
    }

    /// Takes a finished pyramid job's result.
    fn poll_pyramids(&mut self) {
        let Some((spec, outcome)) = take_done(&mut self.pyramid_job) else {
            return;
        };
        if spec != self.spec {
            return;
        }
        match outcome {
            Ok(Ok(built)) => {
                for (c, p) in built {
                    self.pyramids.insert(c, Arc::new(p));
                }
                self.pyramid_note = None;
                self.generation += 1;
                // Channels chosen while it was built (more than 1,024 channels: only those shown).
                self.start_pyramids();
            }
            Ok(Err(err)) => {
                self.pyramids_stopped = true;
                self.pyramid_note = Some(if err == signal::SignalError::Cancelled.to_string() {
                    "Overview cancelled: zoomed-out views read every n-th sample".to_string()
                } else {
                    format!("No overview: {err}")
                });
            }
            Err(_) => {
                self.pyramids_stopped = true;
                self.pyramid_note =
                    Some("Overview cancelled: zoomed-out views read every n-th sample".to_string());
            }
        }
    }

    /// Draws the panel in exactly the space `ui` has left: content that would overflow is clipped
    /// rather than growing the panel (a growing panel moves every widget from frame to frame).
    pub(crate) fn ui(&mut self, ui: &mut egui::Ui) {
        let rect = ui.available_rect_before_wrap();
        let mut child = ui.new_child(egui::UiBuilder::new().max_rect(rect).layout(*ui.layout()));
        child.set_clip_rect(rect.intersect(ui.clip_rect()));
        self.contents_ui(&mut child);
        ui.advance_cursor_after_rect(rect);
    }

    /// The panel's contents.
    fn contents_ui(&mut self, ui: &mut egui::Ui) {
        self.poll_pyramids();
        ui.horizontal_wrapped(|ui| {
            ui.strong(self.title());
            ui.label(format!(
                "{} {} {}",
                format::file_name(&self.path),
                format::shape(self.data.shape()),
                self.data.dtype().display_name()
            ));
        });
        if let Some(note) = &self.note {
            ui.add(egui::Label::new(RichText::new(note).small()).wrap());
        }
        match self.layout {
            Layout::Value => return self.value_ui(ui),
            Layout::Text => {
                ui.label("text dtype, not plotted");
                return;
            }
            Layout::Empty => {
                ui.label("The array has no elements; there is nothing to plot.");
                return;
            }
            Layout::Plot(_) => {}
        }
        self.mode_ui(ui);
        if self.mode == Mode::Image {
            self.image_ui(ui);
            return;
        }
        self.controls_ui(ui);
        self.window_ui(ui);
        self.traces_ui(ui);
    }

    /// A 0-d array: its value.
    fn value_ui(&self, ui: &mut egui::Ui) {
        let text = match self.spec.lane(&self.data, 0) {
            Ok(lane) => match lane.get(0) {
                Some(v) => format!("Value: {v}"),
                None => "The value could not be read".to_string(),
            },
            Err(err) => format!("Value not shown: {err}"),
        };
        ui.label(text);
    }

    /// The image area (the image view's, when there is one).
    fn image_ui(&mut self, ui: &mut egui::Ui) {
        let first = self.data.first_row();
        let held = self.data.shape().first().copied().unwrap_or(1);
        let rows = self
            .image
            .export_rows(&self.data)
            .unwrap_or(first..first + held);
        let rect = self.image.plot_rect();
        self.export_ui(ui, rows, rect);
        self.image
            .ui(ui, &self.data, &self.spec.field, self.spec.part);
    }

    /// The traces (or the heatmap), the status line and the statistics.
    fn traces_ui(&mut self, ui: &mut egui::Ui) {
        let held = self.spec.samples(&self.data);
        let x0 = self.spec.first_index(&self.data) as f64;
        self.ensure_offset();
        let offset = if self.mode == Mode::Stacked {
            self.offset
        } else {
            0.0
        };
        let shown = self.channels.len();
        let heatmap = shown > 1 && traces::use_heatmap(shown, self.plot_size.y);
        // The visible window in held sample indices, from the last frame's bounds.
        let lo = (self.visible.start - x0).floor().max(0.0) as u64;
        let hi = ((self.visible.end - x0).ceil().max(0.0) as u64).min(held);
        let range = if hi > lo { lo..hi } else { 0..held };
        let width = (self.plot_size.x.round() as usize).clamp(1, signal::MAX_WIDTH);
        let req = TraceRequest {
            range: range.clone(),
            width,
            channels: self.channels.clone(),
            spec: self.spec.clone(),
            generation: self.generation,
        };
        let mut heat_texture = None;
        let traces = if heatmap {
            // The worker's envelopes: those of the image drawn (none until the first is ready).
            let (traces, texture) = self.heat_traces(ui.ctx(), &req);
            heat_texture = texture;
            traces
        } else {
            match &self.traces {
                Some((r, t)) if *r == req => Arc::clone(t),
                _ => {
                    let t = Arc::new(traces::compute(&self.data, &req, &self.pyramids));
                    self.traces = Some((req.clone(), Arc::clone(&t)));
                    t
                }
            }
        };
        let style = TraceStyle {
            gain: self.gain,
            offset,
            x_scale: self.x_scale(),
            steps: traces.steps,
        };
        if self.mesh_inputs.as_ref() != Some(&(req.clone(), style)) {
            self.mesh_generation += 1;
            self.mesh_inputs = Some((req.clone(), style));
        }

        // Status line: honest about what is drawn.
        ui.horizontal_wrapped(|ui| {
            ui.label(format!(
                "{} channel{} shown",
                shown,
                if shown == 1 { "" } else { "s" }
            ));
            if traces.raw {
                ui.label("every sample");
            } else if traces.samples_per_column > 0.0 {
                ui.label(format!("{:.0} samples per pixel, min/max", traces.samples_per_column));
            }
            if traces.stride > 1 {
                ui.label(format!("approximate: every {}th sample", traces.stride));
            }
            if heatmap {
                ui.label(format!(
                    "Heatmap: {shown} channels do not fit as traces in {:.0} pixel rows; colour is the largest |value| per column. Select fewer channels for traces.",
                    self.plot_size.y
                ));
            }
            if let Some(note) = &self.pyramid_note {
                ui.label(note);
            }
            for err in traces.errors.iter().take(2) {
                ui.colored_label(ui.visuals().error_fg_color, err);
            }
        });

        let first = self.spec.first_index(&self.data);
        let export_rows = if self.spec.transposed {
            let rows = self.data.shape().first().copied().unwrap_or(1);
            self.data.first_row()..self.data.first_row() + rows
        } else {
            first + range.start..first + range.end
        };
        self.export_ui(ui, export_rows, self.plot_rect);
        let stats = self.stats_lines(ui.ctx(), &range);

        let x_scale = self.x_scale();
        if self.rate() != self.drawn_rate {
            // Rows and seconds differ in scale: show the whole range in the new unit.
            self.drawn_rate = self.rate();
            self.reset = true;
        }
        if heatmap != self.drawn_heatmap {
            // Heatmap rows are channel positions, traces are values: fit the y axis anew.
            self.drawn_heatmap = heatmap;
            self.fit_y = true;
        }
        let (y_lo, y_hi) = if heatmap {
            (-0.5, shown as f64 - 0.5)
        } else {
            (self.y_min(offset), self.y_max(offset, shown))
        };
        let whole = PlotBounds::from_min_max(
            [x0 * x_scale, y_lo],
            [(x0 + held.max(1) as f64) * x_scale, y_hi],
        );
        let mut plot = Plot::new("plot_panel")
            .allow_scroll(false)
            .x_axis_label(if self.rate().is_some() {
                "seconds"
            } else {
                "row"
            })
            .default_x_bounds(whole.min()[0], whole.max()[0].max(whole.min()[0] + 1e-9))
            .default_y_bounds(whole.min()[1], whole.max()[1].max(whole.min()[1] + 1e-9));
        if self.reset {
            plot = plot.reset();
            self.reset = false;
        }
        // Stacked traces and heatmap rows are channels: the y axis names them.
        let kind = if heatmap {
            ReadoutKind::Heatmap
        } else if offset > 0.0 {
            ReadoutKind::Stacked { offset }
        } else {
            ReadoutKind::Line
        };
        let drawn: Vec<usize> = traces.traces.iter().map(|t| t.channel).collect();
        plot = match kind {
            ReadoutKind::Heatmap => channel_axis(plot, drawn, 1.0),
            ReadoutKind::Stacked { offset } => channel_axis(plot, drawn, offset),
            ReadoutKind::Line => plot,
        };
        let readout = Readout {
            data: self.data.clone(),
            spec: self.spec.clone(),
            traces: Arc::clone(&traces),
            kind,
            gain: self.gain,
            x_scale,
            rate: self.rate(),
        };
        plot = plot.label_formatter(move |hover| {
            let at = hover_point(hover);
            readout.text(at.x, at.y)
        });
        let goto = self.goto.take();
        let fit_y = std::mem::take(&mut self.fit_y);
        let dark = ui.visuals().dark_mode;
        let item_traces = Arc::clone(&traces);
        let mesh = Arc::clone(&self.mesh);
        let generation = self.mesh_generation;
        let y_rows = shown as f64;
        let draw = move |ui: &mut egui::Ui, plot: Plot<'static>| {
            plot.show(ui, move |plot_ui| {
                if let Some(goto) = goto {
                    plot_ui.set_plot_bounds_x(goto.start * x_scale..=goto.end * x_scale);
                }
                if fit_y {
                    plot_ui.set_plot_bounds_y(whole.range_y());
                }
                match heat_texture {
                    _ if !heatmap => {
                        plot_ui.add(EnvelopeItem::new(
                            item_traces,
                            style,
                            generation,
                            mesh,
                            whole,
                            dark,
                        ));
                    }
                    Some(texture) => {
                        let x_lo = item_traces
                            .traces
                            .first()
                            .and_then(|t| t.x.first())
                            .copied()
                            .unwrap_or(0.0);
                        let x_hi = item_traces
                            .traces
                            .first()
                            .and_then(|t| t.x.last())
                            .copied()
                            .unwrap_or(1.0);
                        plot_ui.add(TextureItem::new(
                            texture,
                            PlotPoint::new(x_lo * x_scale, -0.5),
                            PlotPoint::new(x_hi * x_scale, y_rows - 0.5),
                            PlotBounds::from_min_max(
                                [whole.min()[0], -0.5],
                                [whole.max()[0], y_rows - 0.5],
                            ),
                        ));
                    }
                    // The first heatmap is still being computed: nothing to draw yet.
                    None => {}
                }
                plot_ui.response().hovered()
            })
        };
        // The statistics beside the plot when there is room, else under it (bottom up, so the
        // plot fills what is left and the panel's content never outgrows it).
        let response = if ui.available_width() >= STATS_BESIDE_MIN_WIDTH {
            let height = ui.available_height().max(120.0);
            ui.horizontal_top(|ui| {
                let plot_width = (ui.available_width() - STATS_WIDTH).max(200.0);
                let response = draw(ui, plot.width(plot_width).height(height));
                ui.vertical(|ui| {
                    ui.set_width(STATS_WIDTH - ui.spacing().item_spacing.x);
                    egui::ScrollArea::vertical()
                        .id_salt("plot_statistics")
                        .max_height(height)
                        .show(ui, |ui| {
                            for line in &stats {
                                ui.label(RichText::new(line).monospace().small());
                            }
                        });
                });
                response
            })
            .inner
        } else {
            let layout = egui::Layout::bottom_up(egui::Align::Min);
            ui.with_layout(layout, |ui| {
                // Two channels per line (monospace, padded), so the plot keeps its height.
                let lines = two_per_line(&stats);
                for line in lines.iter().rev() {
                    ui.label(RichText::new(line).monospace().small());
                }
                draw(ui, plot.height(ui.available_height().max(120.0)))
            })
            .inner
        };
        let hovered = response.inner;
        let bounds = response.transform.bounds();
        let visible = bounds.min()[0] / x_scale..bounds.max()[0] / x_scale;
        self.plot_rect = Some(response.response.rect);
        // The data frame (inside the axes), in pixels: one column per pixel.
        let size = response.transform.frame().size() * ui.ctx().pixels_per_point();
        if visible != self.visible || size != self.plot_size {
            // Bounds moved this frame: the next frame computes the new window.
            self.visible = visible;
            self.moved_at = std::time::Instant::now();
            self.plot_size = size;
            ui.ctx().request_repaint();
        }
        if hovered {
            let (up, down) = ui.input(|i| {
                (
                    i.key_pressed(egui::Key::PageUp),
                    i.key_pressed(egui::Key::PageDown),
                )
            });
            self.page(up, down);
        }
    }

    /// Lower y bound of the whole view.
    fn y_min(&self, offset: f64) -> f64 {
        if offset > 0.0 {
            -offset
        } else {
            -self.extent * self.gain.abs().max(1e-12)
        }
    }

    /// Upper y bound of the whole view.
    fn y_max(&self, offset: f64, shown: usize) -> f64 {
        if offset > 0.0 {
            shown as f64 * offset
        } else {
            self.extent * self.gain.abs().max(1e-12)
        }
    }

    /// Estimates the channels' spread when channels or spec changed (a sample of each channel):
    /// the default stacking offset and the y extent of a Line view; the y axis is fitted again.
    fn ensure_offset(&mut self) {
        let key = (self.spec.clone(), self.channels.clone());
        if self.offset_for.as_ref() == Some(&key) {
            return;
        }
        let ranges: Vec<(f64, f64)> = self
            .channels
            .iter()
            .take(64)
            .filter_map(|&c| self.spec.lane(&self.data, c).ok())
            .filter_map(|lane| traces::robust_range(&lane, SPREAD_SAMPLES))
            .collect();
        let spreads: Vec<f64> = ranges.iter().map(|(lo, hi)| hi - lo).collect();
        self.offset = traces::default_offset(&spreads);
        let extent = ranges
            .iter()
            .map(|(lo, hi)| lo.abs().max(hi.abs()))
            .fold(0.0, f64::max);
        self.extent = if extent > 0.0 { extent * 1.1 } else { 1.0 };
        self.offset_for = Some(key);
        self.fit_y = true;
    }

    /// The envelopes of the heatmap drawn: asks the worker for `req` when it is new, uploads a
    /// finished image into the texture (once per result; a still view uploads nothing). The
    /// worker repaints the window when a result is ready, so no frame is drawn while it waits.
    fn heat_traces(
        &mut self,
        ctx: &egui::Context,
        req: &TraceRequest,
    ) -> (Arc<Traces>, Option<egui::TextureId>) {
        if self.heat_asked.as_ref() != Some(req) {
            self.heat_worker
                .request(ctx, &self.data, req, &self.pyramids);
            self.heat_asked = Some(req.clone());
        }
        if let Some(frame) = self.heat_worker.take() {
            let started = std::time::Instant::now();
            let options = egui::TextureOptions::NEAREST;
            match &mut self.heat {
                Some((r, t, handle)) => {
                    handle.set(frame.image, options);
                    *r = frame.req;
                    *t = frame.traces;
                }
                None => {
                    let handle = ctx.load_texture("plot_heatmap", frame.image, options);
                    self.heat = Some((frame.req, frame.traces, handle));
                }
            }
            if std::env::var_os(super::heat::PROFILE_ENV).is_some() {
                eprintln!(
                    "heatmap upload (UI thread) {:.2} ms",
                    started.elapsed().as_secs_f64() * 1e3
                );
            }
        }
        match &self.heat {
            // Drawn only while it is of the same channels and data (else an older view's image).
            Some((r, t, handle))
                if r.channels == req.channels
                    && r.spec == req.spec
                    && r.generation == req.generation =>
            {
                (Arc::clone(t), Some(handle.id()))
            }
            _ => (Arc::new(Traces::default()), None),
        }
    }
}

/// `plot` with its y axis naming channels: ticks at the rows of `channels` (`spacing` apart in plot
/// units), every k-th one where they would crowd, labelled `ch N`.
fn channel_axis(plot: Plot<'static>, channels: Vec<usize>, spacing: f64) -> Plot<'static> {
    let count = channels.len();
    plot.y_axis_label("channel")
        .grid_spacing(egui::Rangef::new(GRID_SPACING_MIN, GRID_SPACING_MAX))
        .y_grid_spacer(move |input: GridInput| {
            // egui_plot's base step is the plot distance of GRID_SPACING_MIN points.
            let points_per_unit = if input.base_step_size > 0.0 {
                f64::from(GRID_SPACING_MIN) / input.base_step_size
            } else {
                0.0
            };
            readout::channel_ticks(count, spacing, input.bounds, points_per_unit)
                .into_iter()
                .map(|t| GridMark {
                    value: t.value,
                    step_size: t.step,
                })
                .collect()
        })
        .y_axis_formatter(move |mark, _| readout::channel_label(&channels, spacing, mark.value))
}

/// The plot point under the pointer, whether near a data point or not.
fn hover_point(hover: &HoverPosition<'_>) -> PlotPoint {
    match hover {
        HoverPosition::NearDataPoint { position, .. } | HoverPosition::Elsewhere { position } => {
            *position
        }
    }
}

/// The statistics lines with the channel lines paired side by side (the first line, a header,
/// stays alone).
fn two_per_line(lines: &[String]) -> Vec<String> {
    let Some((head, rest)) = lines.split_first() else {
        return Vec::new();
    };
    let width = rest.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    std::iter::once(head.clone())
        .chain(rest.chunks(2).map(|pair| match pair {
            [a, b] => format!("{a:<width$}   {b}"),
            _ => pair.concat(),
        }))
        .collect()
}

/// `1234567` as `1,234,567`.
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests;

/// A rate as typed: `30000`, `2500.5` (no trailing zeros, no exponent for ordinary rates).
fn format_rate(hz: f64) -> String {
    if hz.fract() == 0.0 && hz.abs() < 1e15 {
        format!("{hz:.0}")
    } else {
        format!("{hz}")
    }
}
