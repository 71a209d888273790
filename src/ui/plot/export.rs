//! Export from the plot panel: the shown rows as `.npy` or `.csv`, and the plot as a PNG.
//!
//! Every file is written atomically (a temporary file in the destination folder, then a rename),
//! on a background job; the save dialog runs off the UI thread too. How the panel wires it:
//!
//! ```text
//! // once:            let mut export = ExportState::new(options.save_path.clone());
//! // each frame:      let view = ExportView { data, stem, rows, plot_rect };
//!                     if let Some(action) = export_buttons_ui(ui, &mut export, &view) {
//!                         export.start(&jobs, action);
//!                     }
//!                     if let Some(Err(err)) = export.poll(ui.ctx(), &jobs) { /* status bar */ }
//! // jobs panel:      export.job_rows(), export.cancel(id)
//! ```

use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::data::PlotData;
use crate::jobs::{JobHandle, Jobs};
use crate::npy::ArrayMeta;
use crate::ui::requests::{JobRow, Request, take_done};

/// Seconds to wait for the window to deliver a requested screenshot before giving up.
const SCREENSHOT_TIMEOUT_S: f64 = 5.0;

/// The file format of a rows export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum ExportFormat {
    /// A `.npy` file numpy loads as it is (same dtype, byte order and layout as the data held).
    Npy,
    /// Comma-separated text, one array row per line.
    Csv,
}

impl ExportFormat {
    /// The file extension, without the dot.
    pub(crate) fn extension(self) -> &'static str {
        match self {
            ExportFormat::Npy => "npy",
            ExportFormat::Csv => "csv",
        }
    }

    /// The save dialog's filter name.
    fn filter_name(self) -> &'static str {
        match self {
            ExportFormat::Npy => "NumPy array",
            ExportFormat::Csv => "CSV table",
        }
    }
}

/// What an export button asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum ExportKind {
    /// The shown rows in this format.
    Rows(ExportFormat),
    /// A PNG of the plot as it is on screen.
    Png,
}

impl ExportKind {
    /// The file extension, without the dot.
    pub(crate) fn extension(self) -> &'static str {
        match self {
            ExportKind::Rows(format) => format.extension(),
            ExportKind::Png => "png",
        }
    }

    /// The save dialog's filter name.
    fn filter_name(self) -> &'static str {
        match self {
            ExportKind::Rows(format) => format.filter_name(),
            ExportKind::Png => "PNG image",
        }
    }
}

/// What the panel shows now, as the export buttons need it (rebuilt each frame; cheap).
#[derive(Clone, Debug)]
pub(crate) struct ExportView<'a> {
    /// The data plotted.
    pub data: &'a PlotData,
    /// The array's file stem (`frames_AbCd1234`), for suggested file names.
    pub stem: &'a str,
    /// The rows to export, numbered as in the stored array (a preview's rows start at
    /// `data.first_row()`); clamped to the rows held.
    pub rows: Range<u64>,
    /// The plot's rectangle on screen (points), for Save PNG; `None` disables it.
    pub plot_rect: Option<egui::Rect>,
}

/// A button's request, for [`ExportState::start`]: what to write, and the name to suggest.
#[derive(Clone, Debug)]
pub(crate) struct ExportAction {
    /// What to write.
    pub kind: ExportKind,
    /// The data (a clone of the panel's: an `Arc`, cheap), so a later preview does not change
    /// what this export writes.
    pub data: PlotData,
    /// Stored-array rows to write (rows exports).
    pub rows: Range<u64>,
    /// The plot's rectangle on screen, in points (PNG).
    pub plot_rect: Option<egui::Rect>,
    /// The file name the save dialog suggests.
    pub suggested_name: String,
}

/// A screenshot asked of the window, waiting to arrive.
struct PendingShot {
    /// Filled by the screenshot callback.
    slot: Arc<Mutex<Option<Arc<egui::ColorImage>>>>,
    /// The plot's rectangle in points.
    rect: egui::Rect,
    /// Where the PNG goes.
    path: PathBuf,
    /// `ctx.input().time` when it was asked for.
    asked_at: Option<f64>,
}

/// The export row's state: the save dialog, the write job, a pending screenshot, the last outcome.
pub(crate) struct ExportState {
    /// Test hook (`AppOptions::save_path`): when set, no dialog is shown and this path is used.
    save_path: Option<PathBuf>,
    /// The folder of the last export, where the next dialog opens.
    last_dir: Option<PathBuf>,
    /// The save dialog, with what to write once it answers.
    dialog: Option<Request<ExportAction, Option<PathBuf>>>,
    /// The file being written (key: the destination).
    write: Option<Request<PathBuf, Result<String, String>>>,
    /// A screenshot on its way.
    shot: Option<PendingShot>,
    /// The last outcome: a note (`Ok`) or an error (`Err`), shown beside the buttons.
    last: Option<Result<String, String>>,
}

impl std::fmt::Debug for ExportState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExportState")
            .field("save_path", &self.save_path)
            .field("busy", &self.busy())
            .field("last", &self.last)
            .finish_non_exhaustive()
    }
}

impl ExportState {
    /// A fresh state; `save_path` is the `AppOptions::save_path` test hook.
    pub(crate) fn new(save_path: Option<PathBuf>) -> ExportState {
        ExportState {
            save_path,
            last_dir: None,
            dialog: None,
            write: None,
            shot: None,
            last: None,
        }
    }

    /// Whether an export is under way (the buttons are disabled meanwhile).
    pub(crate) fn busy(&self) -> bool {
        self.dialog.is_some() || self.write.is_some() || self.shot.is_some()
    }

    /// Rows for the jobs panel (dialog and write jobs).
    pub(crate) fn job_rows(&self) -> Vec<JobRow> {
        let mut rows = Vec::new();
        if let Some(r) = &self.dialog {
            rows.push(JobRow::of(r));
        }
        if let Some(r) = &self.write {
            rows.push(JobRow::of(r));
        }
        rows
    }

    /// Cancels the export job numbered `id`, if it is one of these.
    pub(crate) fn cancel(&mut self, id: u64) {
        if self.dialog.as_ref().is_some_and(|r| r.handle.id() == id) {
            self.dialog = None;
        }
        if let Some(r) = &self.write
            && r.handle.id() == id
        {
            r.handle.cancel();
        }
    }

    /// Starts `action`: asks where to save (or takes the test hook's path) in the background.
    pub(crate) fn start(&mut self, jobs: &Jobs, action: ExportAction) {
        if self.busy() {
            return;
        }
        let handle = ask_save_path(
            jobs,
            self.save_path.as_deref(),
            self.last_dir.as_deref(),
            &action.suggested_name,
            action.kind,
        );
        self.dialog = Some(Request::new(action, handle));
    }

    /// Moves a started export on: the dialog's answer starts the write (or the screenshot), a
    /// screenshot that arrived is cropped and written. Returns an outcome once, when an export
    /// ends (`Ok(note)` or `Err(error)`); call every frame.
    pub(crate) fn poll(
        &mut self,
        ctx: &egui::Context,
        jobs: &Jobs,
    ) -> Option<Result<String, String>> {
        let mut outcome = None;
        if let Some((action, answer)) = take_done(&mut self.dialog) {
            match answer {
                Ok(Some(path)) => {
                    self.last_dir = path.parent().map(Path::to_path_buf);
                    outcome = self.write_or_capture(ctx, jobs, action, path);
                }
                Ok(None) => {}
                Err(err) => outcome = Some(Err(format!("choosing where to save: {err}"))),
            }
        }
        if let Some(done) = self.poll_shot(ctx, jobs) {
            outcome = Some(done);
        }
        if let Some((_, done)) = take_done(&mut self.write) {
            outcome = Some(done.map_err(|e| format!("export: {e}")).and_then(|r| r));
        }
        if outcome.is_some() {
            self.last.clone_from(&outcome);
        }
        if self.busy() {
            // The dialog and write jobs repaint when they end; a screenshot does not.
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
        outcome
    }

    /// Starts writing rows to `path`, or asks the window for the screenshot a PNG is cut from.
    fn write_or_capture(
        &mut self,
        ctx: &egui::Context,
        jobs: &Jobs,
        action: ExportAction,
        path: PathBuf,
    ) -> Option<Result<String, String>> {
        match action.kind {
            ExportKind::Rows(format) => {
                let data = action.data;
                let rows = action.rows;
                let dest = path.clone();
                let label = format!("Export {}", file_label(&path));
                let shown = path.display().to_string();
                let handle = jobs.spawn(label, move |_, _| async move {
                    tokio::task::spawn_blocking(move || {
                        export_rows(&data, rows.clone(), format, &dest)?;
                        Ok(format!(
                            "Exported rows {}..{} to {}",
                            rows.start,
                            rows.end,
                            dest.display()
                        ))
                    })
                    .await
                    .map_err(|e| format!("the export of {shown} stopped: {e}"))?
                });
                self.write = Some(Request::new(path, handle));
                None
            }
            ExportKind::Png => {
                let Some(rect) = action.plot_rect else {
                    return Some(Err(
                        "there is no plot on screen to save; show a plot, then Save PNG"
                            .to_string(),
                    ));
                };
                let slot: Arc<Mutex<Option<Arc<egui::ColorImage>>>> = Arc::default();
                let filled = Arc::clone(&slot);
                let repaint = ctx.clone();
                ctx.request_screenshot(move |image| {
                    if let Ok(mut slot) = filled.lock() {
                        *slot = Some(image);
                    }
                    repaint.request_repaint();
                });
                self.shot = Some(PendingShot {
                    slot,
                    rect,
                    path,
                    asked_at: None,
                });
                None
            }
        }
    }

    /// Takes a screenshot that arrived and starts cropping and writing it; gives up after
    /// [`SCREENSHOT_TIMEOUT_S`].
    fn poll_shot(&mut self, ctx: &egui::Context, jobs: &Jobs) -> Option<Result<String, String>> {
        let shot = self.shot.as_mut()?;
        let now = ctx.input(|i| i.time);
        let asked_at = *shot.asked_at.get_or_insert(now);
        let image = shot.slot.lock().ok().and_then(|mut slot| slot.take());
        let Some(image) = image else {
            if now - asked_at > SCREENSHOT_TIMEOUT_S {
                let path = self.shot.take().map(|s| s.path).unwrap_or_default();
                return Some(Err(format!(
                    "the window gave no screenshot for {}; try Save PNG again",
                    path.display()
                )));
            }
            return None;
        };
        let shot = self.shot.take()?;
        let ppp = ctx.pixels_per_point();
        let path = shot.path;
        let rect = shot.rect;
        let dest = path.clone();
        let label = format!("Save {}", file_label(&path));
        let shown = path.display().to_string();
        let handle = jobs.spawn(label, move |_, _| async move {
            tokio::task::spawn_blocking(move || {
                save_png(&image, rect, ppp, &dest)?;
                Ok(format!("Saved the plot to {}", dest.display()))
            })
            .await
            .map_err(|e| format!("saving {shown} stopped: {e}"))?
        });
        self.write = Some(Request::new(path, handle));
        None
    }
}

/// The row of export buttons ("Export .npy", "Export .csv", "Save PNG") and the last outcome;
/// returns what a click asks for (for [`ExportState::start`]).
pub(crate) fn export_buttons_ui(
    ui: &mut egui::Ui,
    state: &mut ExportState,
    view: &ExportView<'_>,
) -> Option<ExportAction> {
    let mut clicked = None;
    let rows_ok = !view.rows.is_empty() && held_rows(view.data, view.rows.clone()).is_ok();
    ui.horizontal(|ui| {
        let idle = !state.busy();
        let rows_tip = format!("Rows {}..{} of the array", view.rows.start, view.rows.end);
        if ui
            .add_enabled(idle && rows_ok, egui::Button::new("Export .npy"))
            .on_hover_text(format!("{rows_tip}, as a .npy file"))
            .clicked()
        {
            clicked = Some(ExportKind::Rows(ExportFormat::Npy));
        }
        if ui
            .add_enabled(idle && rows_ok, egui::Button::new("Export .csv"))
            .on_hover_text(format!("{rows_tip}, as comma-separated text"))
            .clicked()
        {
            clicked = Some(ExportKind::Rows(ExportFormat::Csv));
        }
        if ui
            .add_enabled(
                idle && view.plot_rect.is_some(),
                egui::Button::new("Save PNG"),
            )
            .on_hover_text("The plot as it is on screen, as a PNG image")
            .clicked()
        {
            clicked = Some(ExportKind::Png);
        }
        if state.busy() {
            ui.label("Exporting...");
        } else {
            match &state.last {
                Some(Ok(note)) => {
                    ui.label(note);
                }
                Some(Err(err)) => {
                    ui.colored_label(ui.visuals().error_fg_color, err);
                }
                None => {}
            }
        }
    });
    let kind = clicked?;
    Some(ExportAction {
        kind,
        data: view.data.clone(),
        rows: view.rows.clone(),
        plot_rect: view.plot_rect,
        suggested_name: suggested_name(view.stem, view.rows.clone(), kind),
    })
}

/// A save path in the background: the test hook's path when set (no dialog), else the system's
/// save dialog (rfd, async) opened at `dir` with `suggested` and a filter for `kind`. The job
/// gives `None` when the user cancels.
pub(crate) fn ask_save_path(
    jobs: &Jobs,
    save_path: Option<&Path>,
    dir: Option<&Path>,
    suggested: &str,
    kind: ExportKind,
) -> JobHandle<Option<PathBuf>> {
    let hook = save_path.map(Path::to_path_buf);
    let dir = dir.map(Path::to_path_buf);
    let suggested = suggested.to_string();
    jobs.spawn(
        format!("Choosing where to save {suggested}"),
        move |_, _| async move {
            if hook.is_some() {
                return hook;
            }
            let mut dialog = rfd::AsyncFileDialog::new()
                .set_title("Save as")
                .set_file_name(suggested)
                .add_filter(kind.filter_name(), &[kind.extension()]);
            if let Some(dir) = dir {
                dialog = dialog.set_directory(dir);
            }
            dialog
                .save_file()
                .await
                .map(|handle| handle.path().to_path_buf())
        },
    )
}

/// `{stem}_rows_{A}-{B}.{ext}` for rows (A..B as in Python slicing: B not included),
/// `{stem}_plot.png` for a PNG; a blank stem is `array`.
pub(crate) fn suggested_name(stem: &str, rows: Range<u64>, kind: ExportKind) -> String {
    let stem = stem.trim();
    let stem = if stem.is_empty() { "array" } else { stem };
    match kind {
        ExportKind::Rows(format) => format!(
            "{stem}_rows_{}-{}.{}",
            rows.start,
            rows.end,
            format.extension()
        ),
        ExportKind::Png => format!("{stem}_plot.png"),
    }
}

/// A path's file name, for job labels.
fn file_label(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// The metadata of the bytes `data` holds: a preview's window or loaded array (native order,
/// C order, its own shape) or a map (the file's).
pub(crate) fn held_meta(data: &PlotData) -> ArrayMeta {
    match data {
        PlotData::Memory { array, .. } => ArrayMeta {
            format_version: (1, 0),
            dtype: array.dtype().clone(),
            fortran_order: false,
            shape: array.shape().to_vec(),
            data_offset: 0,
            size: array.size(),
            itemsize: array.itemsize(),
            nbytes: array.nbytes() as u64,
        },
        PlotData::Mapped(map) => map.meta().clone(),
    }
}

/// `stored` rows (numbered as in the stored array) as rows of the data held, or why they
/// cannot be exported.
pub(crate) fn held_rows(data: &PlotData, stored: Range<u64>) -> Result<Range<u64>, String> {
    let shape = data.shape();
    let Some(&held) = shape.first() else {
        return Err("a 0-d array has no rows to export; use Copy Python to get it".to_string());
    };
    let first = data.first_row();
    let last = first.saturating_add(held);
    if stored.start >= stored.end {
        return Err(format!(
            "rows {}..{} are empty; choose at least one row to export",
            stored.start, stored.end
        ));
    }
    if stored.start < first || stored.end > last {
        return Err(format!(
            "rows {}..{} are not all held (rows {first}..{last} are); preview or load those rows first",
            stored.start, stored.end
        ));
    }
    Ok(stored.start - first..stored.end - first)
}

/// Writes `stored` rows (numbered as in the stored array) of `data` to `path` as `format`,
/// atomically: a temporary file in the same folder, renamed over `path` once complete.
pub(crate) fn export_rows(
    data: &PlotData,
    stored: Range<u64>,
    format: ExportFormat,
    path: &Path,
) -> Result<(), String> {
    let rows = held_rows(data, stored)?;
    let meta = held_meta(data);
    write_atomically(path, |out| {
        match format {
            ExportFormat::Npy => crate::view::write_rows_npy(&meta, data.bytes(), rows, out),
            ExportFormat::Csv => crate::view::write_rows_csv_numbered(
                &meta,
                data.bytes(),
                rows,
                data.first_row(),
                out,
            ),
        }
        .map_err(|e| e.to_string())
    })
}

/// Writes a file through `write` into a temporary file beside `path`, then renames it over
/// `path`; on any error the temporary file is removed and `path` is untouched.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<(), String>,
) -> Result<(), String> {
    let shown = path.display();
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let temp = crate::output::temporary_beside(&folder, ".npyscope-export-").map_err(|e| {
        format!(
            "cannot write {shown}: {e}; check that the folder {} exists and is writable",
            folder.display()
        )
    })?;
    let mut out = std::io::BufWriter::new(temp);
    write(&mut out).map_err(|e| format!("cannot write {shown}: {e}"))?;
    let temp = out
        .into_inner()
        .map_err(|e| format!("cannot write {shown}: {}; check the free space", e.error()))?;
    temp.as_file()
        .sync_all()
        .map_err(|e| format!("cannot write {shown}: {e}; check the free space"))?;
    temp.persist(path).map_err(|e| {
        format!(
            "cannot save {shown}: {}; check that it is not a folder and is writable",
            e.error
        )
    })?;
    Ok(())
}

/// The pixels of `rect` (points) in an image taken at `pixels_per_point`, clamped to the image:
/// `(x, y, width, height)`, or `None` when nothing of it is inside.
pub(crate) fn crop_pixels(
    image_size: [usize; 2],
    rect: egui::Rect,
    pixels_per_point: f32,
) -> Option<[usize; 4]> {
    let ppp = if pixels_per_point.is_finite() && pixels_per_point > 0.0 {
        pixels_per_point
    } else {
        1.0
    };
    if !(rect.min.x.is_finite()
        && rect.min.y.is_finite()
        && rect.max.x.is_finite()
        && rect.max.y.is_finite())
    {
        return None;
    }
    // Float to usize casts saturate: negatives become 0.
    let [w, h] = image_size;
    let x0 = ((rect.min.x * ppp).round() as usize).min(w);
    let y0 = ((rect.min.y * ppp).round() as usize).min(h);
    let x1 = ((rect.max.x * ppp).round() as usize).min(w);
    let y1 = ((rect.max.y * ppp).round() as usize).min(h);
    (x1 > x0 && y1 > y0).then_some([x0, y0, x1 - x0, y1 - y0])
}

/// `image`'s pixels inside `rect` as PNG bytes (8-bit RGBA).
pub(crate) fn encode_png(
    image: &egui::ColorImage,
    rect: egui::Rect,
    pixels_per_point: f32,
) -> Result<Vec<u8>, String> {
    let [x, y, w, h] = crop_pixels(image.size, rect, pixels_per_point).ok_or(
        "the plot is not inside the window's screenshot; scroll it into view and save again",
    )?;
    let mut rgba = Vec::with_capacity(w * h * 4);
    for row in y..y + h {
        let start = row * image.size[0] + x;
        for pixel in image.pixels.get(start..start + w).unwrap_or_default() {
            rgba.extend_from_slice(&pixel.to_srgba_unmultiplied());
        }
    }
    if rgba.len() != w * h * 4 {
        return Err("the screenshot is smaller than the window; save again".to_string());
    }
    let too_big = |_| "the plot is too big for a PNG".to_string();
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(
        &mut bytes,
        u32::try_from(w).map_err(too_big)?,
        u32::try_from(h).map_err(too_big)?,
    );
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder
        .write_header()
        .map_err(|e| format!("cannot encode the PNG: {e}"))?;
    writer
        .write_image_data(&rgba)
        .map_err(|e| format!("cannot encode the PNG: {e}"))?;
    writer
        .finish()
        .map_err(|e| format!("cannot encode the PNG: {e}"))?;
    Ok(bytes)
}

/// Crops `image` to `rect` and writes it to `path` as a PNG, atomically.
pub(crate) fn save_png(
    image: &egui::ColorImage,
    rect: egui::Rect,
    pixels_per_point: f32,
    path: &Path,
) -> Result<(), String> {
    let bytes = encode_png(image, rect, pixels_per_point)
        .map_err(|e| format!("cannot save {}: {e}", path.display()))?;
    write_atomically(path, |out| out.write_all(&bytes).map_err(|e| e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::array::NdArray;
    use crate::npy::{ByteOrder, DType, ScalarKind, ScalarType};

    fn u16_stack(first_row: u64, total_rows: u64) -> PlotData {
        let dtype = DType::Scalar(ScalarType {
            order: ByteOrder::Little,
            kind: ScalarKind::UInt(2),
        });
        let values: Vec<u8> = (0u16..24).flat_map(|v| v.to_le_bytes()).collect();
        let array = NdArray::from_parts(&dtype, false, &[4, 2, 3], &values).unwrap();
        PlotData::Memory {
            array: Arc::new(array),
            first_row,
            total_rows,
        }
    }

    #[test]
    fn suggested_names() {
        let npy = ExportKind::Rows(ExportFormat::Npy);
        let csv = ExportKind::Rows(ExportFormat::Csv);
        assert_eq!(
            suggested_name("frames_AbCd1234", 5..6, npy),
            "frames_AbCd1234_rows_5-6.npy"
        );
        assert_eq!(suggested_name("w", 0..100_000, csv), "w_rows_0-100000.csv");
        assert_eq!(suggested_name(" ", 0..1, ExportKind::Png), "array_plot.png");
        assert_eq!(suggested_name("a_b", 0..1, ExportKind::Png), "a_b_plot.png");
    }

    #[test]
    fn held_rows_and_meta_of_a_preview() {
        let data = u16_stack(100, 1000);
        assert_eq!(held_rows(&data, 101..103), Ok(1..3));
        assert_eq!(held_rows(&data, 100..104), Ok(0..4));
        assert!(held_rows(&data, 99..101).unwrap_err().contains("100..104"));
        assert!(held_rows(&data, 103..105).is_err());
        assert!(held_rows(&data, 102..102).unwrap_err().contains("empty"));
        let meta = held_meta(&data);
        assert_eq!(meta.shape, vec![4, 2, 3]);
        assert_eq!((meta.size, meta.itemsize, meta.nbytes), (24, 2, 48));
        assert!(!meta.fortran_order);
        assert_eq!(meta.dtype, *data.dtype());
    }

    #[test]
    fn export_writes_the_held_rows_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let data = u16_stack(10, 50);
        let path = dir.path().join("x_rows_11-13.npy");
        export_rows(&data, 11..13, ExportFormat::Npy, &path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let meta = crate::npy::parse_header(&bytes).unwrap();
        assert_eq!(meta.shape, vec![2, 2, 3]);
        let want: Vec<u8> = (6u16..18).flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(&bytes[meta.data_offset as usize..], &want[..]);
        // CSV: a file appears; rows outside the window write nothing.
        let csv = dir.path().join("x.csv");
        export_rows(&data, 11..12, ExportFormat::Csv, &csv).unwrap();
        let text = std::fs::read_to_string(&csv).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(lines[0].starts_with("row,"), "{text}");
        assert!(lines[1].ends_with(",6,7,8,9,10,11"), "{text}");
        let missing = dir.path().join("y.npy");
        assert!(export_rows(&data, 0..5, ExportFormat::Npy, &missing).is_err());
        assert!(!missing.exists());
        // A folder that does not exist: the error names it.
        let nowhere = dir.path().join("no/such/folder/z.npy");
        let err = export_rows(&data, 10..11, ExportFormat::Npy, &nowhere).unwrap_err();
        assert!(err.contains("z.npy") && err.contains("folder"), "{err}");
        // No temporary files are left behind.
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.iter().all(|n| !n.starts_with(".npyscope-export-")),
            "{names:?}"
        );
    }

    /// Polls `state` in frames (time advancing 0.1 s each) until an export ends.
    fn run_until_done(
        ctx: &egui::Context,
        jobs: &Jobs,
        state: &mut ExportState,
    ) -> Result<String, String> {
        for frame in 0..400 {
            let input = egui::RawInput {
                time: Some(f64::from(frame) * 0.1),
                ..Default::default()
            };
            let mut outcome = None;
            let mut out = ctx.run_ui(input, |ui| outcome = state.poll(ui.ctx(), jobs));
            out.textures_delta.clear();
            if let Some(outcome) = outcome {
                assert!(!state.busy());
                return outcome;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        panic!("the export never ended");
    }

    #[test]
    fn state_exports_through_the_save_path_hook() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let jobs = Jobs::new(runtime.handle().clone(), None);
        let ctx = egui::Context::default();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hooked.npy");
        let mut state = ExportState::new(Some(path.clone()));
        let data = u16_stack(10, 50);
        let action = ExportAction {
            kind: ExportKind::Rows(ExportFormat::Npy),
            data: data.clone(),
            rows: 12..14,
            plot_rect: None,
            suggested_name: suggested_name("x", 12..14, ExportKind::Rows(ExportFormat::Npy)),
        };
        state.start(&jobs, action.clone());
        assert!(state.busy());
        let note = run_until_done(&ctx, &jobs, &mut state).unwrap();
        assert!(note.starts_with("Exported rows 12..14 to "), "{note}");
        assert!(note.ends_with("hooked.npy"), "{note}");
        assert_eq!(state.last, Some(Ok(note)));
        let bytes = std::fs::read(&path).unwrap();
        let meta = crate::npy::parse_header(&bytes).unwrap();
        assert_eq!(meta.shape, vec![2, 2, 3]);
        // Rows not held: the error comes back and is kept for the buttons' row.
        let mut bad = action.clone();
        bad.rows = 0..3;
        state.start(&jobs, bad);
        let err = run_until_done(&ctx, &jobs, &mut state).unwrap_err();
        assert!(err.contains("preview or load those rows"), "{err}");
        // A PNG with no plot on screen: an error, not a hang.
        let mut png = action.clone();
        png.kind = ExportKind::Png;
        state.start(&jobs, png.clone());
        let err = run_until_done(&ctx, &jobs, &mut state).unwrap_err();
        assert!(err.contains("no plot on screen"), "{err}");
        // A screenshot that never comes (no renderer here): gives up after the timeout.
        png.plot_rect = Some(egui::Rect::from_min_max(
            egui::pos2(0.0, 0.0),
            egui::pos2(9.0, 9.0),
        ));
        state.start(&jobs, png);
        let err = run_until_done(&ctx, &jobs, &mut state).unwrap_err();
        assert!(err.contains("gave no screenshot"), "{err}");
        assert_eq!(state.job_rows().len(), 0);
    }

    #[test]
    fn crop_rect_maths() {
        let r = |x0: f32, y0: f32, x1: f32, y1: f32| {
            egui::Rect::from_min_max(egui::pos2(x0, y0), egui::pos2(x1, y1))
        };
        assert_eq!(
            crop_pixels([200, 100], r(10.0, 5.0, 60.0, 45.0), 1.0),
            Some([10, 5, 50, 40])
        );
        assert_eq!(
            crop_pixels([400, 200], r(10.0, 5.0, 60.0, 45.0), 2.0),
            Some([20, 10, 100, 80])
        );
        // Clamped to the image; outside or empty gives nothing.
        assert_eq!(
            crop_pixels([100, 100], r(-5.0, 90.0, 150.0, 120.0), 1.0),
            Some([0, 90, 100, 10])
        );
        assert_eq!(
            crop_pixels([100, 100], r(120.0, 0.0, 150.0, 10.0), 1.0),
            None
        );
        assert_eq!(
            crop_pixels([100, 100], r(10.0, 10.0, 10.0, 20.0), 1.0),
            None
        );
        assert_eq!(
            crop_pixels([100, 100], r(f32::NAN, 0.0, 10.0, 10.0), 1.0),
            None
        );
        assert_eq!(
            crop_pixels([100, 100], r(0.0, 0.0, 10.0, 10.0), 0.0),
            Some([0, 0, 10, 10])
        );
    }

    #[test]
    fn png_of_a_region() {
        let mut image = egui::ColorImage::filled([8, 6], egui::Color32::BLACK);
        image.pixels[8 + 2] = egui::Color32::from_rgb(255, 0, 0);
        let rect = egui::Rect::from_min_max(egui::pos2(1.0, 0.5), egui::pos2(3.0, 2.0));
        let bytes = encode_png(&image, rect, 2.0).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (4, 3));
        // Pixel (2, 1) of the image is (0, 0) of the crop (origin at (2, 1)).
        assert_eq!(&buf[..4], &[255, 0, 0, 255]);
        assert_eq!(&buf[4..8], &[0, 0, 0, 255]);
        let outside = egui::Rect::from_min_max(egui::pos2(50.0, 50.0), egui::pos2(60.0, 60.0));
        assert!(encode_png(&image, outside, 1.0).is_err());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.png");
        save_png(&image, rect, 2.0, &path).unwrap();
        assert!(std::fs::read(&path).unwrap().starts_with(b"\x89PNG"));
    }
}
