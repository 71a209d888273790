//! Plot items that draw many traces as ONE mesh: per pixel column a thin quad from min to max, plus thin
//! quads joining a column's last sample to the next column's first (a line or steps when raw). The mesh is
//! cached for the transform it was built for, so a still frame only clones an `Arc`.

use std::ops::RangeInclusive;
use std::sync::{Arc, Mutex};

use egui::epaint::{Mesh, Vertex, WHITE_UV};
use egui::{Color32, Pos2, Rect, Shape, TextureId, Ui, pos2, vec2};
use egui_plot::{PlotBounds, PlotGeometry, PlotItem, PlotItemBase, PlotPoint, PlotTransform};

use super::traces::{Traces, baseline};

/// Thickness of lines and the least height of a column, in points.
const THICKNESS: f32 = 1.0;

/// How traces map to plot coordinates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct TraceStyle {
    /// Values are multiplied by this.
    pub gain: f64,
    /// Trace `k` is drawn at `k * offset`.
    pub offset: f64,
    /// Plot x per sample index (1, or 1 / sampling rate).
    pub x_scale: f64,
    /// Draw steps instead of slanted joins.
    pub steps: bool,
}

/// The mesh last built and what it was built for.
#[derive(Default)]
pub(crate) struct MeshCache {
    /// Plot frame, bounds and traces generation the mesh was built for.
    key: Option<(Rect, [f64; 4], u64)>,
    /// The mesh, in screen coordinates.
    mesh: Option<Arc<Mesh>>,
}

/// Shared mesh cache (the panel keeps it across frames; the item fills it).
pub(crate) type SharedMesh = Arc<Mutex<MeshCache>>;

/// The trace colour of display position `pos`.
pub(crate) fn trace_color(pos: usize, dark: bool) -> Color32 {
    const PALETTE: [(u8, u8, u8); 8] = [
        (31, 119, 180),
        (255, 127, 14),
        (44, 160, 44),
        (214, 39, 40),
        (148, 103, 189),
        (140, 86, 75),
        (227, 119, 194),
        (23, 190, 207),
    ];
    let (r, g, b) = PALETTE[pos % PALETTE.len()];
    if dark {
        Color32::from_rgb(
            r.saturating_add(30),
            g.saturating_add(30),
            b.saturating_add(30),
        )
    } else {
        Color32::from_rgb(r, g, b)
    }
}

/// The envelope mesh of `traces` under `style`, in screen coordinates of `transform`.
pub(crate) fn build_mesh(
    traces: &Traces,
    style: &TraceStyle,
    transform: &PlotTransform,
    dark: bool,
) -> Mesh {
    let mut mesh = Mesh::default();
    let columns: usize = traces.traces.iter().map(|t| t.x.len()).sum();
    mesh.reserve_vertices(columns * if style.steps { 12 } else { 8 });
    mesh.reserve_triangles(columns * if style.steps { 6 } else { 4 });
    let half = THICKNESS / 2.0;
    for (pos, trace) in traces.traces.iter().enumerate() {
        let color = trace_color(pos, dark);
        let base = baseline(pos, style.offset);
        let sx = |x: f64| transform.position_from_point_x(x * style.x_scale);
        let sy = |v: f64| transform.position_from_point_y(base + style.gain * v);
        let n = trace.x.len();
        for j in 0..n {
            let (lo, hi) = (trace.min[j], trace.max[j]);
            if lo.is_nan() || hi.is_nan() {
                continue;
            }
            let px = sx(trace.x[j]);
            let (a, b) = (sy(lo), sy(hi));
            let (mut top, mut bottom) = (a.min(b), a.max(b));
            if bottom - top < THICKNESS {
                let mid = (top + bottom) / 2.0;
                top = mid - half;
                bottom = mid + half;
            }
            mesh.add_colored_rect(
                Rect::from_min_max(pos2(px - half, top), pos2(px + half, bottom)),
                color,
            );
            if j + 1 == n {
                continue;
            }
            let (from, to) = (trace.last[j], trace.first[j + 1]);
            if from.is_nan() || to.is_nan() || trace.min[j + 1].is_nan() {
                continue;
            }
            let nx = sx(trace.x[j + 1]);
            let (y0, y1) = (sy(from), sy(to));
            if style.steps {
                mesh.add_colored_rect(
                    Rect::from_min_max(pos2(px, y0 - half), pos2(nx, y0 + half)),
                    color,
                );
                mesh.add_colored_rect(
                    Rect::from_min_max(
                        pos2(nx - half, y0.min(y1) - half),
                        pos2(nx + half, y0.max(y1) + half),
                    ),
                    color,
                );
            } else {
                add_segment(&mut mesh, pos2(px, y0), pos2(nx, y1), color);
            }
        }
    }
    mesh
}

/// A quad of [`THICKNESS`] along the segment `a`–`b`.
fn add_segment(mesh: &mut Mesh, a: Pos2, b: Pos2, color: Color32) {
    let d = b - a;
    let len = d.length();
    let normal = if len > 0.0 {
        vec2(-d.y, d.x) / len * (THICKNESS / 2.0)
    } else {
        vec2(0.0, THICKNESS / 2.0)
    };
    let at = mesh.vertices.len() as u32;
    for p in [a + normal, a - normal, b - normal, b + normal] {
        mesh.vertices.push(Vertex {
            pos: p,
            uv: WHITE_UV,
            color,
        });
    }
    mesh.add_triangle(at, at + 1, at + 2);
    mesh.add_triangle(at, at + 2, at + 3);
}

/// The traces as one plot item.
pub(crate) struct EnvelopeItem {
    /// egui_plot's item data (name, id).
    base: PlotItemBase,
    /// What to draw.
    traces: Arc<Traces>,
    /// How values map to plot coordinates.
    style: TraceStyle,
    /// Changes whenever `traces` or `style` do (part of the mesh cache's key).
    generation: u64,
    /// The panel's mesh cache.
    cache: SharedMesh,
    /// What a double click resets to.
    bounds: PlotBounds,
    /// Dark theme colours.
    dark: bool,
}

impl EnvelopeItem {
    /// An item drawing `traces`; `bounds` is what a double click resets to (the whole held range).
    pub(crate) fn new(
        traces: Arc<Traces>,
        style: TraceStyle,
        generation: u64,
        cache: SharedMesh,
        bounds: PlotBounds,
        dark: bool,
    ) -> EnvelopeItem {
        EnvelopeItem {
            base: PlotItemBase::new("traces".to_string()),
            traces,
            style,
            generation,
            cache,
            bounds,
            dark,
        }
    }
}

impl PlotItem for EnvelopeItem {
    fn shapes(&self, _ui: &Ui, transform: &PlotTransform, shapes: &mut Vec<Shape>) {
        let b = transform.bounds();
        let key = (
            *transform.frame(),
            [b.min()[0], b.min()[1], b.max()[0], b.max()[1]],
            self.generation,
        );
        let Ok(mut cache) = self.cache.lock() else {
            return;
        };
        if cache.key != Some(key) || cache.mesh.is_none() {
            cache.mesh = Some(Arc::new(build_mesh(
                &self.traces,
                &self.style,
                transform,
                self.dark,
            )));
            cache.key = Some(key);
        }
        if let Some(mesh) = &cache.mesh {
            shapes.push(Shape::Mesh(Arc::clone(mesh)));
        }
    }

    fn initialize(&mut self, _x_range: RangeInclusive<f64>) {}

    fn color(&self) -> Color32 {
        trace_color(0, self.dark)
    }

    fn geometry(&self) -> PlotGeometry<'_> {
        PlotGeometry::None
    }

    fn bounds(&self) -> PlotBounds {
        self.bounds
    }

    fn base(&self) -> &PlotItemBase {
        &self.base
    }

    fn base_mut(&mut self) -> &mut PlotItemBase {
        &mut self.base
    }
}

/// A texture stretched over a rectangle of plot coordinates (the many-channels heatmap).
pub(crate) struct TextureItem {
    /// egui_plot's item data (name, id).
    base: PlotItemBase,
    /// The texture drawn.
    texture: TextureId,
    /// Its lower left corner, in plot coordinates.
    min: PlotPoint,
    /// Its upper right corner.
    max: PlotPoint,
    /// What a double click resets to.
    bounds: PlotBounds,
}

impl TextureItem {
    /// `texture` drawn from `min` to `max` (plot coordinates); `bounds` for a double-click reset.
    pub(crate) fn new(
        texture: TextureId,
        min: PlotPoint,
        max: PlotPoint,
        bounds: PlotBounds,
    ) -> TextureItem {
        TextureItem {
            base: PlotItemBase::new("heatmap".to_string()),
            texture,
            min,
            max,
            bounds,
        }
    }
}

impl PlotItem for TextureItem {
    fn shapes(&self, _ui: &Ui, transform: &PlotTransform, shapes: &mut Vec<Shape>) {
        let rect = transform.rect_from_values(&self.min, &self.max);
        let uv = Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0));
        shapes.push(Shape::image(self.texture, rect, uv, Color32::WHITE));
    }

    fn initialize(&mut self, _x_range: RangeInclusive<f64>) {}

    fn color(&self) -> Color32 {
        Color32::WHITE
    }

    fn geometry(&self) -> PlotGeometry<'_> {
        PlotGeometry::None
    }

    fn bounds(&self) -> PlotBounds {
        self.bounds
    }

    fn base(&self) -> &PlotItemBase {
        &self.base
    }

    fn base_mut(&mut self) -> &mut PlotItemBase {
        &mut self.base
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::plot::traces::Trace;

    fn traces(cols: usize, channels: usize) -> Traces {
        let trace = |c: usize| Trace {
            channel: c,
            x: (0..cols).map(|j| j as f64 * 10.0).collect(),
            min: vec![-1.0; cols],
            max: vec![1.0; cols],
            first: vec![0.0; cols],
            last: vec![0.5; cols],
        };
        Traces {
            traces: (0..channels).map(trace).collect(),
            ..Traces::default()
        }
    }

    fn transform() -> PlotTransform {
        PlotTransform::new(
            Rect::from_min_size(pos2(0.0, 0.0), vec2(400.0, 200.0)),
            PlotBounds::from_min_max([0.0, -5.0], [100.0, 5.0]),
            false,
        )
    }

    #[test]
    fn mesh_vertices_per_column() {
        let style = TraceStyle {
            gain: 1.0,
            offset: 3.0,
            x_scale: 1.0,
            steps: false,
        };
        // A quad per column plus a joining quad between neighbours: 8 w - 4 vertices per trace.
        let mesh = build_mesh(&traces(10, 2), &style, &transform(), false);
        assert_eq!(mesh.vertices.len(), 2 * (8 * 10 - 4));
        assert_eq!(mesh.indices.len(), 2 * (12 * 10 - 6));
        assert!(mesh.is_valid());
        // Steps: a horizontal and a vertical quad per join.
        let steps = TraceStyle {
            steps: true,
            ..style
        };
        let mesh = build_mesh(&traces(10, 1), &steps, &transform(), false);
        assert_eq!(mesh.vertices.len(), 4 * 10 + 8 * 9);
        // A NaN column leaves a gap: no quad, no joins to or from it.
        let mut gap = traces(10, 1);
        gap.traces[0].min[4] = f64::NAN;
        gap.traces[0].max[4] = f64::NAN;
        let mesh = build_mesh(&gap, &style, &transform(), false);
        assert_eq!(mesh.vertices.len(), 4 * 9 + 4 * 7);
    }

    #[test]
    fn columns_span_min_to_max() {
        let style = TraceStyle {
            gain: 2.0,
            offset: 0.0,
            x_scale: 1.0,
            steps: false,
        };
        let mesh = build_mesh(&traces(1, 1), &style, &transform(), false);
        let r = mesh.calc_bounds();
        // Values -1..1 with gain 2 on a -5..5 axis 200 points high: 40 points per unit.
        assert!((r.height() - 80.0).abs() < 1e-3, "{r:?}");
        assert!((r.width() - THICKNESS).abs() < 1e-3);
    }
}
