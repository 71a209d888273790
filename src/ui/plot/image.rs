//! [`ImageView`]: a 2-D plane of an array (a 2-D array, or a slice of one with more axes) as a
//! colour-mapped image in a zoomable plot, with a colour bar, the colour controls, axis choice
//! and one slider per other axis.
//!
//! The plane is read by [`crate::view::plane()`] (reduced to at most [`MAX_SIDE`] pixels a side)
//! and coloured by [`crate::view::colorize`]; both run again only when their inputs change.

use std::ops::Range;
use std::sync::{Arc, Weak};

use egui_plot::{HoverPosition, Plot, PlotBounds, PlotImage, PlotPoint};

use super::data::PlotData;
use crate::array::{ComplexPart, MappedArray, NdArray};
use crate::view::{Colormap, Plane, SliceSpec, colorize, percentile_range};

/// The most pixels a side of the plane read for the image (a bigger plane is stride-sampled).
pub(crate) const MAX_SIDE: usize = 2048;
/// The most values the colour range's percentiles are computed over (a bigger plane is sampled).
const MAX_RANGE_SAMPLES: usize = 100_000;
/// Width of the colour bar column (points).
const BAR_COLUMN: f32 = 90.0;
/// Colour steps drawn in the colour bar.
const BAR_STEPS: usize = 64;

/// Which data a plane was read from: the very allocation (a weak pointer keeps its address from
/// being reused while the cache remembers it) and the rows it starts at.
#[derive(Clone, Debug)]
enum DataId {
    /// A preview window or loaded array.
    Memory(Weak<NdArray>, u64),
    /// A memory map.
    Mapped(Weak<MappedArray>),
}

impl DataId {
    /// The identity of `data`.
    fn of(data: &PlotData) -> DataId {
        match data {
            PlotData::Memory {
                array, first_row, ..
            } => DataId::Memory(Arc::downgrade(array), *first_row),
            PlotData::Mapped(map) => DataId::Mapped(Arc::downgrade(map)),
        }
    }
}

impl PartialEq for DataId {
    fn eq(&self, other: &DataId) -> bool {
        match (self, other) {
            (DataId::Memory(a, ra), DataId::Memory(b, rb)) => Weak::ptr_eq(a, b) && ra == rb,
            (DataId::Mapped(a), DataId::Mapped(b)) => Weak::ptr_eq(a, b),
            _ => false,
        }
    }
}

/// Everything a plane depends on.
#[derive(Clone, Debug, PartialEq)]
struct PlaneKey {
    /// The data read.
    data: DataId,
    /// Its shape (a new window of another size is another plane).
    shape: Vec<u64>,
    /// Axes and indices.
    spec: SliceSpec,
    /// The structured field path chosen.
    field: Vec<String>,
    /// The complex part chosen.
    part: ComplexPart,
    /// The pixel budget per side.
    max_side: usize,
}

/// Everything the texture depends on besides the plane.
#[derive(Clone, Copy, Debug, PartialEq)]
struct TextureKey {
    /// [`ImageView::generation`] of the plane coloured.
    generation: u64,
    /// The colour map.
    map: Colormap,
    /// The colour range's bits (exact comparison, NaN-safe).
    range: (u64, u64),
}

/// Where the image sits in plot coordinates: array index of the first row and column shown, and
/// array indices per pixel along each.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Placement {
    /// Array index (stored-array numbering) of pixel row 0.
    row0: u64,
    /// Array index of pixel column 0.
    col0: u64,
    /// Array rows per pixel row.
    step_rows: u64,
    /// Array columns per pixel column.
    step_cols: u64,
    /// Pixel rows.
    height: usize,
    /// Pixel columns.
    width: usize,
}

impl Placement {
    /// Plot-space centre and size of the image: pixel centres sit on whole array indices (like
    /// matplotlib's `imshow`), rows grow downwards (the plot's y axis is inverted).
    fn rect(&self) -> (PlotPoint, egui::Vec2) {
        let w = self.width as f64 * self.step_cols as f64;
        let h = self.height as f64 * self.step_rows as f64;
        let centre = PlotPoint::new(
            self.col0 as f64 - 0.5 + w / 2.0,
            self.row0 as f64 - 0.5 + h / 2.0,
        );
        (centre, egui::vec2(w as f32, h as f32))
    }

    /// The pixel `(y, x)` under plot point (`x`, `y`), and its array (row, column).
    fn pixel_at(&self, x: f64, y: f64) -> Option<((usize, usize), (u64, u64))> {
        let index = |v: f64, origin: u64, step: u64, count: usize| -> Option<(usize, u64)> {
            let rel = (v + 0.5).floor() - origin as f64;
            if !rel.is_finite() || rel < 0.0 {
                return None;
            }
            let pixel = (rel / step.max(1) as f64).floor();
            if pixel >= count as f64 {
                return None;
            }
            let pixel = pixel as usize;
            Some((pixel, origin + pixel as u64 * step.max(1)))
        };
        let (py, row) = index(y, self.row0, self.step_rows, self.height)?;
        let (px, col) = index(x, self.col0, self.step_cols, self.width)?;
        Some(((py, px), (row, col)))
    }
}

/// The plane read for the current inputs, or why it could not be.
struct Built {
    /// What it was read from.
    key: PlaneKey,
    /// The plane, or the reason it could not be read.
    plane: Result<Plane, String>,
}

/// The image mode of the plot panel: its controls' state and the cached plane and texture.
pub(crate) struct ImageView {
    /// Axes shown and the index of every other axis.
    spec: SliceSpec,
    /// The colour map.
    map: Colormap,
    /// Percentile of the plane's values that gives the range's low end.
    lo_pct: f64,
    /// Percentile that gives the range's high end.
    hi_pct: f64,
    /// The range follows each new plane (on), or stays as it is so slices compare (off).
    auto: bool,
    /// The colour range in use (values at or below the first get the map's first colour).
    range: Option<(f64, f64)>,
    /// The range must be computed again from the plane.
    range_dirty: bool,
    /// The plane for the current inputs.
    built: Option<Built>,
    /// Counts planes read, so the texture knows its plane.
    generation: u64,
    /// The texture and what it was made from.
    texture: Option<(TextureKey, egui::TextureHandle)>,
    /// Where the last image was placed; a change resets the plot's zoom.
    placement: Option<Placement>,
    /// The plot's bounds last frame (for the visible rows).
    bounds: Option<PlotBounds>,
    /// The plot and colour bar's rectangle last frame (for Save PNG).
    rect: Option<egui::Rect>,
}

impl Default for ImageView {
    fn default() -> ImageView {
        ImageView::new()
    }
}

impl std::fmt::Debug for ImageView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImageView")
            .field("spec", &self.spec)
            .field("map", &self.map)
            .field("percentiles", &(self.lo_pct, self.hi_pct))
            .field("range", &self.range)
            .finish_non_exhaustive()
    }
}

impl ImageView {
    /// A view with the default map (Viridis) and range (percentiles 1 to 99, automatic).
    pub(crate) fn new() -> ImageView {
        ImageView {
            spec: SliceSpec::default(),
            map: Colormap::default(),
            lo_pct: 1.0,
            hi_pct: 99.0,
            auto: true,
            range: None,
            range_dirty: true,
            built: None,
            generation: 0,
            texture: None,
            placement: None,
            bounds: None,
            rect: None,
        }
    }

    /// The slices shown (for tests of the panel that keeps them).
    #[cfg(test)]
    pub(crate) fn spec_mut(&mut self) -> &mut SliceSpec {
        &mut self.spec
    }

    /// The plot and colour bar's rectangle on screen last frame, in points (for Save PNG).
    pub(crate) fn plot_rect(&self) -> Option<egui::Rect> {
        self.rect
    }

    /// The rows of the stored array the image shows, for export: the frame of a slider on axis
    /// 0, or the rows in view when axis 0 is drawn; `None` when nothing is shown.
    pub(crate) fn export_rows(&self, data: &PlotData) -> Option<Range<u64>> {
        let shape = data.shape();
        let held = *shape.first()?;
        if held == 0 || shape.len() < 2 || self.placement.is_none() {
            return None;
        }
        let first = data.first_row();
        let mut spec = self.spec.clone();
        spec.make_valid(shape);
        let in_view = |range: std::ops::RangeInclusive<f64>| {
            let lo = (range.start() + 0.5).floor().max(first as f64);
            let hi = ((range.end() + 0.5).floor() + 1.0).min((first + held) as f64);
            (hi > lo).then_some(lo as u64..hi as u64)
        };
        if spec.rows_axis == 0 {
            match &self.bounds {
                Some(b) => in_view(b.range_y()),
                None => Some(first..first + held),
            }
        } else if spec.cols_axis == Some(0) {
            match &self.bounds {
                Some(b) => in_view(b.range_x()),
                None => Some(first..first + held),
            }
        } else {
            let i = first + spec.index.first().copied().unwrap_or(0);
            Some(i..i + 1)
        }
    }

    /// Draws the image mode for `data`, with the panel's `field` and complex `part` choice.
    pub(crate) fn ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &PlotData,
        field: &[String],
        part: ComplexPart,
    ) {
        let shape = data.shape().to_vec();
        if self.spec.index.len() != shape.len() {
            // Another rank: the default view (last two axes), not a fix-up of the old one.
            self.spec = SliceSpec::for_shape(&shape);
        }
        self.spec.make_valid(&shape);
        if shape.len() < 2 {
            self.forget();
            ui.label(format!(
                "An image needs an array with 2 or more axes; this one has {}. Use the line plot.",
                shape.len()
            ));
            return;
        }
        if shape.contains(&0) {
            self.forget();
            ui.label(format!(
                "The array has no values (shape {}); there is nothing to draw.",
                shape_text(&shape)
            ));
            return;
        }
        self.colour_controls_ui(ui);
        self.axis_controls_ui(ui, data, &shape);
        self.spec.make_valid(&shape);

        let max_side = ui.ctx().input(|i| i.max_texture_side).clamp(1, MAX_SIDE);
        self.refresh_plane(data, &shape, field, part, max_side);
        // Taken out while drawing (no copy of the plane), put back after.
        let Some(built) = self.built.take() else {
            return;
        };
        match &built.plane {
            Ok(plane) if plane.width > 0 && plane.height > 0 => {
                self.refresh_range(plane);
                let range = self.range.unwrap_or((0.0, 1.0));
                self.refresh_texture(ui.ctx(), plane, range);
                let placement = self.placement_for(data, plane);
                self.image_ui(ui, plane, placement, range);
            }
            Ok(_) => {
                self.rect = None;
                ui.label("This slice has no values to draw.");
            }
            Err(err) => {
                self.rect = None;
                ui.label(format!("Cannot draw this image: {err}"));
            }
        }
        self.built = Some(built);
    }

    /// Drops the cached plane and texture (nothing to show).
    fn forget(&mut self) {
        self.built = None;
        self.texture = None;
        self.placement = None;
        self.bounds = None;
        self.rect = None;
    }

    /// "Colormap" combo, "Range" percentiles, "Auto", and the range's numbers.
    fn colour_controls_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            egui::ComboBox::from_label("Colormap")
                .selected_text(map_label(self.map))
                .show_ui(ui, |ui| {
                    for &map in Colormap::ALL {
                        ui.selectable_value(&mut self.map, map, map_label(map));
                    }
                });
            ui.separator();
            ui.label("Range");
            let lo = ui
                .add(
                    egui::DragValue::new(&mut self.lo_pct)
                        .range(0.0..=100.0)
                        .prefix("low ")
                        .speed(0.1)
                        .suffix(" %"),
                )
                .on_hover_text("Low percentile: values at or below it get the map's first colour");
            let hi = ui
                .add(
                    egui::DragValue::new(&mut self.hi_pct)
                        .range(0.0..=100.0)
                        .prefix("high ")
                        .speed(0.1)
                        .suffix(" %"),
                )
                .on_hover_text("High percentile: values at or above it get the map's last colour");
            if lo.changed() || hi.changed() {
                self.range_dirty = true;
            }
            let auto = ui.toggle_value(&mut self.auto, "Auto").on_hover_text(
                "On: the range follows each slice. Off: it stays, so slices compare.",
            );
            if auto.changed() && self.auto {
                self.range_dirty = true;
            }
            if let Some((lo, hi)) = self.range {
                ui.label(format!("{} to {}", number(lo), number(hi)));
            }
        });
    }

    /// "Rows axis" and "Columns axis" combos and a slider per other axis (N-D arrays).
    fn axis_controls_ui(&mut self, ui: &mut egui::Ui, data: &PlotData, shape: &[u64]) {
        let ndim = shape.len();
        let first = data.first_row();
        // Axis 0's size and numbering are the stored array's (a preview holds a window of it).
        let size = |k: usize| if k == 0 { data.total_rows() } else { shape[k] };
        if ndim > 2 {
            ui.horizontal(|ui| {
                let before = (self.spec.rows_axis, self.spec.cols_axis);
                let cols = self.spec.cols_axis.unwrap_or(ndim - 1);
                let mut rows = self.spec.rows_axis;
                egui::ComboBox::from_label("Rows axis")
                    .selected_text(format!("axis {rows} ({})", size(rows)))
                    .show_ui(ui, |ui| {
                        for k in 0..ndim {
                            ui.selectable_value(&mut rows, k, format!("axis {k} ({})", size(k)));
                        }
                    });
                let mut new_cols = cols;
                egui::ComboBox::from_label("Columns axis")
                    .selected_text(format!("axis {cols} ({})", size(cols)))
                    .show_ui(ui, |ui| {
                        for k in 0..ndim {
                            ui.selectable_value(
                                &mut new_cols,
                                k,
                                format!("axis {k} ({})", size(k)),
                            );
                        }
                    });
                // Choosing the other displayed axis swaps the two.
                if rows != self.spec.rows_axis {
                    if rows == cols {
                        self.spec.swap_axes();
                    } else {
                        self.spec.rows_axis = rows;
                    }
                } else if new_cols != cols {
                    if new_cols == self.spec.rows_axis {
                        self.spec.swap_axes();
                    } else {
                        self.spec.cols_axis = Some(new_cols);
                    }
                }
                self.spec.make_valid(shape);
                if ui
                    .button("Swap")
                    .on_hover_text("Exchange the rows and columns axes (transpose)")
                    .clicked()
                {
                    self.spec.swap_axes();
                }
                if before != (self.spec.rows_axis, self.spec.cols_axis) {
                    self.bounds = None;
                }
            });
        }
        for k in self.spec.slider_axes(ndim) {
            let held = shape[k];
            let offset = if k == 0 { first } else { 0 };
            let Some(index) = self.spec.index.get_mut(k) else {
                continue;
            };
            let mut value = offset.saturating_add(*index);
            let last = offset.saturating_add(held.saturating_sub(1));
            ui.horizontal(|ui| {
                ui.add(
                    egui::Slider::new(&mut value, offset..=last)
                        .text(format!("Axis {k}"))
                        .show_value(false)
                        .integer(),
                );
                ui.label(format!("{value} / {}", size(k)));
            });
            *index = value.clamp(offset, last) - offset;
        }
    }

    /// Reads the plane again when any of its inputs changed.
    fn refresh_plane(
        &mut self,
        data: &PlotData,
        shape: &[u64],
        field: &[String],
        part: ComplexPart,
        max_side: usize,
    ) {
        let key = PlaneKey {
            data: DataId::of(data),
            shape: shape.to_vec(),
            spec: self.spec.clone(),
            field: field.to_vec(),
            part,
            max_side,
        };
        if self.built.as_ref().is_some_and(|b| b.key == key) {
            return;
        }
        let plane = crate::view::plane(
            data.dtype(),
            data.fortran(),
            shape,
            data.bytes(),
            &self.spec,
            field,
            part,
            max_side,
            max_side,
        )
        .map_err(|e| e.to_string());
        self.built = Some(Built { key, plane });
        self.generation += 1;
        if self.auto || self.range.is_none() {
            self.range_dirty = true;
        }
    }

    /// Computes the colour range from the plane's percentiles when asked to.
    fn refresh_range(&mut self, plane: &Plane) {
        if !self.range_dirty {
            return;
        }
        self.range_dirty = false;
        let step = plane.values.len().div_ceil(MAX_RANGE_SAMPLES).max(1);
        let sample: Vec<f64> = plane.values.iter().step_by(step).copied().collect();
        self.range = percentile_range(&sample, self.lo_pct, self.hi_pct);
    }

    /// Colours the plane into the texture when the plane, map or range changed.
    fn refresh_texture(&mut self, ctx: &egui::Context, plane: &Plane, range: (f64, f64)) {
        let key = TextureKey {
            generation: self.generation,
            map: self.map,
            range: (range.0.to_bits(), range.1.to_bits()),
        };
        if self.texture.as_ref().is_some_and(|(k, _)| *k == key) {
            return;
        }
        let pixels: Vec<egui::Color32> = colorize(plane, range, self.map)
            .into_iter()
            .map(|[r, g, b, a]| egui::Color32::from_rgba_unmultiplied(r, g, b, a))
            .collect();
        if pixels.len() != plane.width * plane.height {
            self.texture = None;
            return;
        }
        let image = egui::ColorImage::new([plane.width, plane.height], pixels);
        let options = egui::TextureOptions::NEAREST;
        match &mut self.texture {
            Some((k, handle)) => {
                handle.set(image, options);
                *k = key;
            }
            None => {
                let handle = ctx.load_texture("npyscope-image", image, options);
                self.texture = Some((key, handle));
            }
        }
    }

    /// Where `plane` sits in plot coordinates (row numbers of axis 0 are the stored array's).
    fn placement_for(&self, data: &PlotData, plane: &Plane) -> Placement {
        let first = data.first_row();
        Placement {
            row0: if self.spec.rows_axis == 0 { first } else { 0 },
            col0: if self.spec.cols_axis == Some(0) {
                first
            } else {
                0
            },
            step_rows: plane.step.0.max(1),
            step_cols: plane.step.1.max(1),
            height: plane.height,
            width: plane.width,
        }
    }

    /// The plot with the image, the colour bar beside it, and the value under the pointer.
    fn image_ui(
        &mut self,
        ui: &mut egui::Ui,
        plane: &Plane,
        placement: Placement,
        range: (f64, f64),
    ) {
        let Some((_, texture)) = &self.texture else {
            return;
        };
        let texture_id = texture.id();
        // A new image extent (data, axes or reduction changed) shows the whole image again.
        let reset = self.placement != Some(placement);
        self.placement = Some(placement);
        let rows_axis = self.spec.rows_axis;
        let cols_axis = self.spec.cols_axis.unwrap_or(0);
        let info_height = ui.text_style_height(&egui::TextStyle::Body) + 8.0;
        let height = (ui.available_height() - info_height).max(80.0);
        let width = (ui.available_width() - BAR_COLUMN - ui.spacing().item_spacing.x).max(80.0);
        let (centre, size) = placement.rect();
        let map = self.map;
        let mut hover = None;
        let row = ui.horizontal(|ui| {
            let mut plot = Plot::new("npyscope_image")
                .width(width)
                .height(height)
                .invert_y(true)
                .data_aspect(1.0)
                .show_grid(false)
                .x_axis_label(format!("axis {cols_axis} (columns)"))
                .y_axis_label(format!("axis {rows_axis} (rows)"))
                .label_formatter(move |pos| {
                    let position = match pos {
                        HoverPosition::NearDataPoint { position, .. }
                        | HoverPosition::Elsewhere { position } => position,
                    };
                    hover_text(plane, &placement, position.x, position.y)
                });
            if reset {
                plot = plot.reset();
            }
            let response = plot.show(ui, |plot_ui| {
                plot_ui.image(PlotImage::new("image", texture_id, centre, size));
            });
            if let Some(pos) = response.response.hover_pos() {
                let at = response.transform.value_from_position(pos);
                hover = hover_text(plane, &placement, at.x, at.y);
            }
            self.bounds = Some(*response.transform.bounds());
            colour_bar_ui(ui, map, range, height);
        });
        self.rect = Some(row.response.rect);
        let mut info = format!(
            "{} x {} values",
            placement.height as u64 * placement.step_rows,
            placement.width as u64 * placement.step_cols
        );
        if placement.step_rows > 1 || placement.step_cols > 1 {
            info.push_str(&format!(
                ", drawn every {} rows and {} columns",
                placement.step_rows, placement.step_cols
            ));
        }
        ui.horizontal(|ui| {
            ui.label(info);
            if let Some(text) = hover {
                ui.separator();
                ui.label(text);
            }
        });
    }
}

/// "row R, col C: V" for the pixel under plot point (`x`, `y`), or `None` off the image.
fn hover_text(plane: &Plane, placement: &Placement, x: f64, y: f64) -> Option<String> {
    let ((py, px), (row, col)) = placement.pixel_at(x, y)?;
    let value = plane.get(py, px)?;
    Some(format!("row {row}, col {col}: {}", number(value)))
}

/// The colour bar: the range's high value on top, the map's colours, its low value below.
fn colour_bar_ui(ui: &mut egui::Ui, map: Colormap, range: (f64, f64), height: f32) {
    ui.vertical(|ui| {
        ui.set_width(BAR_COLUMN - 4.0);
        ui.label(number(range.1));
        let line = ui.text_style_height(&egui::TextStyle::Body) + ui.spacing().item_spacing.y;
        let bar_height = (height - 3.0 * line).max(20.0);
        let (rect, _) = ui.allocate_exact_size(egui::vec2(18.0, bar_height), egui::Sense::hover());
        let painter = ui.painter_at(rect);
        let step = rect.height() / BAR_STEPS as f32;
        for i in 0..BAR_STEPS {
            // Top is the high end.
            let t = 1.0 - (i as f64 + 0.5) / BAR_STEPS as f64;
            let [r, g, b] = map.rgb(t);
            let top = rect.top() + i as f32 * step;
            let band = egui::Rect::from_min_max(
                egui::pos2(rect.left(), top),
                egui::pos2(rect.right(), top + step + 0.5),
            );
            painter.rect_filled(band, 0.0, egui::Color32::from_rgb(r, g, b));
        }
        painter.rect_stroke(
            rect,
            0.0,
            ui.visuals().widgets.noninteractive.bg_stroke,
            egui::StrokeKind::Inside,
        );
        ui.label(number(range.0));
    });
}

/// A colour map's name for the combo: `Viridis`, `Grey`, `Magma`.
fn map_label(map: Colormap) -> String {
    let name = map.name();
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// `(a, b, c)` as numpy prints a shape.
fn shape_text(shape: &[u64]) -> String {
    match shape {
        [one] => format!("({one},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A value for labels: whole numbers as they are, others with 4 significant decimals or in
/// scientific notation when very large or small.
pub(crate) fn number(v: f64) -> String {
    if v.is_nan() {
        return "nan".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    let a = v.abs();
    if v == v.trunc() && a < 1e15 {
        return format!("{}", v as i64);
    }
    if !(1e-3..1e6).contains(&a) {
        return format!("{v:.3e}");
    }
    let text = format!("{v:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::npy::{ByteOrder, DType, ScalarKind, ScalarType};

    fn stack(first_row: u64) -> PlotData {
        let dtype = DType::Scalar(ScalarType {
            order: ByteOrder::Little,
            kind: ScalarKind::UInt(2),
        });
        let values: Vec<u8> = (0u16..24).flat_map(|v| v.to_le_bytes()).collect();
        let array = NdArray::from_parts(&dtype, false, &[4, 2, 3], &values).unwrap();
        PlotData::Memory {
            array: Arc::new(array),
            first_row,
            total_rows: 100,
        }
    }

    #[test]
    fn numbers_for_labels() {
        assert_eq!(number(400.0), "400");
        assert_eq!(number(-3.0), "-3");
        assert_eq!(number(0.5), "0.5");
        assert_eq!(number(1.23456), "1.2346");
        assert_eq!(number(1.5e-7), "1.500e-7");
        assert_eq!(number(2.5e6 + 0.5), "2.500e6");
        assert_eq!(number(f64::NAN), "nan");
        assert_eq!(number(f64::NEG_INFINITY), "-inf");
        assert_eq!(map_label(Colormap::Viridis), "Viridis");
        assert_eq!(shape_text(&[0]), "(0,)");
        assert_eq!(shape_text(&[2, 0, 3]), "(2, 0, 3)");
    }

    #[test]
    fn placement_maps_pointer_to_pixels() {
        let p = Placement {
            row0: 10,
            col0: 0,
            step_rows: 1,
            step_cols: 2,
            height: 3,
            width: 4,
        };
        // Pixel centres on whole indices; each pixel column covers two array columns.
        let (centre, size) = p.rect();
        assert_eq!((centre.x, centre.y), (3.5, 11.0));
        assert_eq!(size, egui::vec2(8.0, 3.0));
        assert_eq!(p.pixel_at(0.0, 10.0), Some(((0, 0), (10, 0))));
        assert_eq!(p.pixel_at(-0.4, 9.6), Some(((0, 0), (10, 0))));
        assert_eq!(p.pixel_at(3.2, 12.4), Some(((2, 1), (12, 2))));
        assert_eq!(p.pixel_at(7.4, 12.0), Some(((2, 3), (12, 6))));
        assert_eq!(p.pixel_at(7.6, 12.0), None);
        assert_eq!(p.pixel_at(0.0, 9.4), None);
        assert_eq!(p.pixel_at(f64::NAN, 10.0), None);
        let plane = Plane {
            width: 4,
            height: 3,
            values: (0..12).map(f64::from).collect(),
            step: (1, 2),
        };
        assert_eq!(
            hover_text(&plane, &p, 3.0, 11.0).as_deref(),
            Some("row 11, col 2: 5")
        );
    }

    #[test]
    fn export_rows_follow_the_slice() {
        let data = stack(20);
        let mut view = ImageView::new();
        assert_eq!(view.export_rows(&data), None, "nothing drawn yet");
        view.spec = SliceSpec::for_shape(data.shape());
        view.spec.index[0] = 2;
        view.placement = Some(Placement {
            row0: 0,
            col0: 0,
            step_rows: 1,
            step_cols: 1,
            height: 2,
            width: 3,
        });
        assert_eq!(view.export_rows(&data), Some(22..23));
        // Axis 0 drawn as rows: the rows in view, clamped to those held.
        view.spec.rows_axis = 0;
        view.spec.cols_axis = Some(2);
        view.bounds = Some(PlotBounds::from_min_max([0.0, 20.6], [3.0, 40.0]));
        assert_eq!(view.export_rows(&data), Some(21..24));
        view.bounds = None;
        assert_eq!(view.export_rows(&data), Some(20..24));
    }

    #[test]
    fn a_stack_starts_on_its_last_two_axes() {
        let ctx = egui::Context::default();
        let mut view = ImageView::new();
        let mut out = ctx.run_ui(egui::RawInput::default(), |ui| {
            view.ui(ui, &stack(0), &[], ComplexPart::Real);
        });
        out.textures_delta.clear();
        assert_eq!((view.spec.rows_axis, view.spec.cols_axis), (1, Some(2)));
        assert_eq!(view.spec.slider_axes(3), vec![0]);
        assert!(view.plot_rect().is_some());
        // Percentiles 1..99 of the frame's values 0..5, linearly interpolated.
        let (lo, hi) = view.range.unwrap();
        assert!(
            (lo - 0.05).abs() < 1e-9 && (hi - 4.95).abs() < 1e-9,
            "{lo} {hi}"
        );
    }

    #[test]
    fn odd_shapes_never_panic() {
        let ctx = egui::Context::default();
        let f8 = DType::Scalar(ScalarType {
            order: ByteOrder::Little,
            kind: ScalarKind::Float(8),
        });
        let shapes: [&[u64]; 6] = [
            &[],
            &[3],
            &[2, 0, 4],
            &[2, 3],
            &[1, 1, 1, 1, 1, 1, 2, 2],
            &[3, 1, 2],
        ];
        let mut view = ImageView::new();
        for shape in shapes {
            let n: u64 = shape.iter().product();
            let bytes: Vec<u8> = (0..n).flat_map(|v| (v as f64).to_le_bytes()).collect();
            let array = NdArray::from_parts(&f8, false, shape, &bytes).unwrap();
            let data = PlotData::Memory {
                array: Arc::new(array),
                first_row: 5,
                total_rows: 50,
            };
            for _ in 0..2 {
                let mut out = ctx.run_ui(egui::RawInput::default(), |ui| {
                    view.ui(ui, &data, &[], ComplexPart::Real);
                });
                // No renderer here: the texture uploads are dropped on purpose.
                out.textures_delta.clear();
            }
            let drawn = shape.len() >= 2 && n > 0;
            assert_eq!(view.plot_rect().is_some(), drawn, "{shape:?}");
            assert!(view.spec.is_valid(shape));
        }
        // A field that does not exist: a note, no texture.
        let mut out = ctx.run_ui(egui::RawInput::default(), |ui| {
            view.ui(ui, &stack(0), &["nope".to_string()], ComplexPart::Real);
        });
        out.textures_delta.clear();
        assert!(view.plot_rect().is_none());
    }
}
