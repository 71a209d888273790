//! [`HeatWorker`]: the many-channels heatmap (its envelopes and coloured image) computed on a
//! thread of its own, so a pan never waits for 384 channels of column reductions and colouring.
//! The latest request wins: one still waiting is replaced by a newer one, and the panel keeps
//! drawing the last finished image until the next is ready. The work runs on a thread pool of
//! its own (one for all plots), one thread fewer than the cores, so the UI thread always has a core to itself: on 2
//! cores, sharing both with the heatmap made panning frames wait for the scheduler (p99 22-27 ms
//! against 7 ms, README, Benchmarks).

use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use egui::Color32;

use super::data::PlotData;
use super::traces::{self, Pyramids, TraceRequest, Traces};
use crate::view;

/// Environment variable that, when set, prints each heatmap's stage times to stderr (profiling).
pub(crate) const PROFILE_ENV: &str = "NPYSCOPE_PROFILE_HEATMAP";

/// What one heatmap is computed from.
struct Job {
    /// The bytes plotted.
    data: PlotData,
    /// Window, width, channels and spec.
    req: TraceRequest,
    /// Level-of-detail pyramids per channel.
    pyramids: Pyramids,
}

/// A finished heatmap: its request, the envelopes it shows and the image to upload.
pub(crate) struct HeatFrame {
    /// What it was computed for.
    pub req: TraceRequest,
    /// The envelopes (for the read-out, the status line and the image's x extent).
    pub traces: Arc<Traces>,
    /// One pixel row per channel shown (the last channel on top), one column per envelope column.
    pub image: egui::ColorImage,
    /// Time spent on the envelopes (column reduction).
    pub reduce: Duration,
    /// Time spent on the colour range (percentiles of the column values) and colour mapping.
    pub colour: Duration,
}

/// What the UI thread and the worker share.
#[derive(Default)]
struct Slot {
    /// The newest request not yet started.
    pending: Option<Job>,
    /// The newest finished heatmap not yet taken.
    done: Option<HeatFrame>,
    /// The panel is gone: the worker ends.
    closed: bool,
}

/// The slot and the worker's wake-up.
#[derive(Default)]
struct Shared {
    /// Requests and results.
    slot: Mutex<Slot>,
    /// Wakes the worker for a request or the end.
    wake: Condvar,
}

/// The heatmap's background worker (a thread started on the first request, ended with this).
pub(crate) struct HeatWorker {
    /// Shared with the thread.
    shared: Arc<Shared>,
    /// The thread was started.
    started: bool,
}

impl Default for HeatWorker {
    fn default() -> HeatWorker {
        HeatWorker::new()
    }
}

impl HeatWorker {
    /// A worker with no thread yet.
    pub(crate) fn new() -> HeatWorker {
        HeatWorker {
            shared: Arc::default(),
            started: false,
        }
    }

    /// Asks for the heatmap of `req` (replacing any request not yet started); `ctx` is repainted
    /// when it is ready.
    pub(crate) fn request(
        &mut self,
        ctx: &egui::Context,
        data: &PlotData,
        req: &TraceRequest,
        pyramids: &Pyramids,
    ) {
        if !self.started {
            self.started = true;
            let shared = Arc::clone(&self.shared);
            let ctx = ctx.clone();
            let spawned = std::thread::Builder::new()
                .name("npyscope-heatmap".to_string())
                .spawn(move || work(&shared, &ctx));
            if let Err(err) = spawned {
                tracing::warn!("cannot start the heatmap thread: {err}");
                self.started = false;
                return;
            }
        }
        if let Ok(mut slot) = self.shared.slot.lock() {
            slot.pending = Some(Job {
                data: data.clone(),
                req: req.clone(),
                pyramids: pyramids.clone(),
            });
        }
        self.shared.wake.notify_one();
    }

    /// The newest finished heatmap, once.
    pub(crate) fn take(&self) -> Option<HeatFrame> {
        self.shared.slot.lock().ok()?.done.take()
    }
}

impl Drop for HeatWorker {
    fn drop(&mut self) {
        if let Ok(mut slot) = self.shared.slot.lock() {
            slot.closed = true;
            slot.pending = None;
        }
        self.shared.wake.notify_all();
    }
}

/// Threads of the heatmap's pool: all cores but one (at least one), which stays the UI's.
fn pool_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1))
}

/// The one pool every plot's heatmap computes on (made on first use), so more plots open do
/// not mean more threads; `None` if it could not be started (the shared threads are used).
fn pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        let built = rayon::ThreadPoolBuilder::new()
            .num_threads(pool_threads())
            .thread_name(|i| format!("npyscope-heatmap-{i}"))
            .build();
        built
            .map_err(|err| {
                tracing::warn!("cannot start the heatmap's threads, using the shared ones: {err}");
            })
            .ok()
    })
    .as_ref()
}

/// The worker's loop: computes the newest request, publishes it, repaints; ends when closed.
fn work(shared: &Shared, ctx: &egui::Context) {
    loop {
        let job = {
            let Ok(mut slot) = shared.slot.lock() else {
                return;
            };
            loop {
                if slot.closed {
                    return;
                }
                if let Some(job) = slot.pending.take() {
                    break job;
                }
                slot = match shared.wake.wait(slot) {
                    Ok(slot) => slot,
                    Err(_) => return,
                };
            }
        };
        let frame = match pool() {
            Some(pool) => pool.install(|| compute(job)),
            None => compute(job),
        };
        if std::env::var_os(PROFILE_ENV).is_some() {
            eprintln!(
                "heatmap {}x{}: reduce {:.2} ms, colour {:.2} ms",
                frame.image.size[0],
                frame.image.size[1],
                frame.reduce.as_secs_f64() * 1e3,
                frame.colour.as_secs_f64() * 1e3
            );
        }
        if let Ok(mut slot) = shared.slot.lock() {
            if slot.closed {
                return;
            }
            slot.done = Some(frame);
        }
        ctx.request_repaint();
    }
}

/// The envelopes of `job` and their colour image, timed.
fn compute(job: Job) -> HeatFrame {
    let started = Instant::now();
    let traces = traces::compute(&job.data, &job.req, &job.pyramids);
    let reduced = Instant::now();
    let image = heat_image(&traces);
    HeatFrame {
        req: job.req,
        traces: Arc::new(traces),
        image,
        reduce: reduced - started,
        colour: reduced.elapsed(),
    }
}

/// The heatmap image of `traces`: per channel (a pixel row, the last channel on top) and column,
/// the largest |value| coloured with Viridis over its 1st to 99th percentile.
pub(crate) fn heat_image(traces: &Traces) -> egui::ColorImage {
    let values = traces::heat_values(traces);
    let width = values.iter().map(Vec::len).max().unwrap_or(1).max(1);
    let height = values.len().max(1);
    let flat: Vec<f64> = values.iter().flatten().copied().collect();
    let (lo, hi) = view::percentile_range(&flat, 1.0, 99.0).unwrap_or((0.0, 1.0));
    let mut pixels = vec![Color32::BLACK; width * height];
    // Row 0 of the image is the top: the last channel shown.
    for (pos, row) in values.iter().enumerate() {
        let y = height - 1 - pos;
        for (x, v) in row.iter().enumerate() {
            let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
            let [r, g, b] = view::Colormap::Viridis.rgb(t);
            pixels[y * width + x] = Color32::from_rgb(r, g, b);
        }
    }
    egui::ColorImage::new([width, height], pixels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::array::NdArray;
    use crate::npy::{ByteOrder, DType, ScalarKind, ScalarType};
    use crate::ui::plot::traces::LaneSpec;

    /// A (rows, channels) float32 array whose channel c holds c everywhere.
    fn ramp(rows: u64, channels: u64) -> PlotData {
        let dtype = DType::Scalar(ScalarType {
            order: ByteOrder::Little,
            kind: ScalarKind::Float(4),
        });
        let bytes: Vec<u8> = (0..rows * channels)
            .flat_map(|i| ((i % channels) as f32).to_le_bytes())
            .collect();
        let array = NdArray::from_parts(&dtype, false, &[rows, channels], &bytes).unwrap();
        PlotData::Memory {
            array: Arc::new(array),
            first_row: 0,
            total_rows: rows,
        }
    }

    fn request(range: std::ops::Range<u64>, channels: usize) -> TraceRequest {
        TraceRequest {
            range,
            width: 50,
            channels: (0..channels).collect(),
            spec: LaneSpec::default(),
            generation: 0,
        }
    }

    /// Waits for the worker's next result.
    fn next(worker: &HeatWorker) -> HeatFrame {
        let started = Instant::now();
        loop {
            if let Some(frame) = worker.take() {
                return frame;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "no heatmap");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    #[test]
    fn the_latest_request_wins_and_matches_a_recomputation() {
        let data = ramp(1000, 40);
        let ctx = egui::Context::default();
        let mut worker = HeatWorker::new();
        for start in 0..20 {
            worker.request(
                &ctx,
                &data,
                &request(start..start + 500, 40),
                &Pyramids::new(),
            );
        }
        // Whatever ran in between, the last result is the last request's.
        let mut frame = next(&worker);
        while frame.req.range != (19..519) {
            frame = next(&worker);
        }
        let again = traces::compute(&data, &frame.req, &Pyramids::new());
        assert_eq!(*frame.traces, again);
        assert_eq!(frame.image, heat_image(&again));
        assert_eq!(frame.image.size[1], 40);
        // Channel c holds c: brighter rows for later channels, and the last channel on top.
        let lightness = |y: usize| {
            let p = frame.image.pixels[y * frame.image.size[0]];
            u32::from(p.r()) + u32::from(p.g()) + u32::from(p.b())
        };
        assert!(lightness(0) > lightness(20) && lightness(20) > lightness(39));
    }
}
