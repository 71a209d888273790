//! Colour for images: colour maps (matplotlib's exact tables), a colour range from percentiles of the values
//! shown, and the RGBA pixels of a [`Plane`].

use super::palette::{MAGMA, VIRIDIS, to_bytes};
use super::plane::Plane;

/// The colour of NaN values (magenta: in none of the maps), opaque.
pub const NAN_RGB: [u8; 3] = [255, 0, 255];

const VIRIDIS_RGB: [[u8; 3]; 256] = to_bytes(&VIRIDIS);
const MAGMA_RGB: [[u8; 3]; 256] = to_bytes(&MAGMA);

/// A colour map from values scaled to 0..=1 to RGB.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
pub enum Colormap {
    /// matplotlib's default: dark blue through green to yellow, perceptually uniform and colour-blind safe.
    #[default]
    Viridis,
    /// Black to white.
    Grey,
    /// matplotlib's `magma`: black through purple and orange to pale yellow.
    Magma,
}

impl Colormap {
    /// Every map, in the order a menu lists them.
    pub const ALL: &[Colormap] = &[Colormap::Viridis, Colormap::Grey, Colormap::Magma];

    /// The map's name as matplotlib spells it (`viridis`, `gray`… here `grey`, `magma`).
    pub fn name(self) -> &'static str {
        match self {
            Colormap::Viridis => "viridis",
            Colormap::Grey => "grey",
            Colormap::Magma => "magma",
        }
    }

    /// The colour of `t`, clamped to 0..=1, picked from 256 levels the way matplotlib does (level
    /// `min(floor(t·256), 255)`); NaN gives [`NAN_RGB`].
    pub fn rgb(self, t: f64) -> [u8; 3] {
        if t.is_nan() {
            return NAN_RGB;
        }
        let level = (t.clamp(0.0, 1.0) * 256.0).min(255.0) as usize;
        match self {
            Colormap::Viridis => VIRIDIS_RGB[level],
            Colormap::Magma => MAGMA_RGB[level],
            Colormap::Grey => [level as u8; 3],
        }
    }
}

/// Colour range from percentiles (e.g. 1.0, 99.0) of the finite values (NaN and ±inf ignored); None if no finite
/// values; if lo == hi, widen to lo-0.5..hi+0.5. Percentiles interpolate linearly between order statistics, like
/// numpy's default; they are clamped to 0..=100 (NaN: 0 for `lo_pct`, 100 for `hi_pct`) and swapped if reversed.
pub fn percentile_range(values: &[f64], lo_pct: f64, hi_pct: f64) -> Option<(f64, f64)> {
    let mut finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        return None;
    }
    let pct = |p: f64, default: f64| {
        if p.is_nan() {
            default
        } else {
            p.clamp(0.0, 100.0)
        }
    };
    let (mut a, mut b) = (pct(lo_pct, 0.0), pct(hi_pct, 100.0));
    if a > b {
        std::mem::swap(&mut a, &mut b);
    }
    // Order statistics by selection (linear time), not a full sort: this runs per frame for
    // heatmaps and images.
    let (lo, hi) = (quantile(&mut finite, a), quantile(&mut finite, b));
    if lo < hi {
        Some((lo, hi))
    } else {
        Some((lo - 0.5, hi + 0.5))
    }
}

/// The `p`-th percentile (0..=100) of non-empty `v` (reordered), interpolated linearly.
fn quantile(v: &mut [f64], p: f64) -> f64 {
    let last = v.len() - 1;
    let rank = p / 100.0 * last as f64;
    let below = (rank.floor() as usize).min(last);
    let frac = rank - below as f64;
    let (_, &mut x, rest) = v.select_nth_unstable_by(below, f64::total_cmp);
    // The next order statistic is the smallest of what lies above.
    let y = rest.iter().copied().min_by(f64::total_cmp).unwrap_or(x);
    // numpy's form: exact at the ends and when x == y.
    if frac == 0.0 { x } else { x + (y - x) * frac }
}

/// RGBA pixels of a plane for a colour range and map (row-major, height rows of width): values at or below
/// `range.0` get the map's first colour, at or above `range.1` its last (±inf too), NaN [`NAN_RGB`]; all opaque.
/// An empty or reversed range colours values below it low, above it high and equal to it mid-map.
pub fn colorize(plane: &Plane, range: (f64, f64), map: Colormap) -> Vec<[u8; 4]> {
    let (lo, hi) = range;
    let span = hi - lo;
    let scale = |v: f64| -> f64 {
        if v.is_nan() {
            f64::NAN
        } else if span > 0.0 && span.is_finite() {
            (v - lo) / span
        } else if v < lo {
            0.0
        } else if v > lo {
            1.0
        } else {
            0.5
        }
    };
    let n = plane
        .width
        .saturating_mul(plane.height)
        .min(plane.values.len());
    plane.values[..n]
        .iter()
        .map(|&v| {
            let [r, g, b] = map.rgb(scale(v));
            [r, g, b, 255]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(c: [u8; 3]) -> String {
        format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
    }

    #[test]
    fn maps_match_matplotlib() {
        assert_eq!(hex(Colormap::Viridis.rgb(0.0)), "#440154");
        assert_eq!(hex(Colormap::Viridis.rgb(1.0)), "#fde725");
        // matplotlib: to_hex(viridis(0.5)) == '#21918c', magma ends '#000004' and '#fcfdbf'.
        assert_eq!(hex(Colormap::Viridis.rgb(0.5)), "#21918c");
        assert_eq!(hex(Colormap::Magma.rgb(0.0)), "#000004");
        assert_eq!(hex(Colormap::Magma.rgb(1.0)), "#fcfdbf");
        assert_eq!(Colormap::Viridis.rgb(-3.0), Colormap::Viridis.rgb(0.0));
        assert_eq!(
            Colormap::Viridis.rgb(f64::INFINITY),
            Colormap::Viridis.rgb(1.0)
        );
        assert_eq!(Colormap::Grey.rgb(f64::NAN), NAN_RGB);
        assert_eq!(Colormap::Grey.rgb(0.0), [0; 3]);
        assert_eq!(Colormap::Grey.rgb(1.0), [255; 3]);
        assert_eq!(Colormap::default(), Colormap::Viridis);
        let names: Vec<&str> = Colormap::ALL.iter().map(|m| m.name()).collect();
        assert_eq!(names, ["viridis", "grey", "magma"]);
        // Tables are smooth: no transcription slips.
        for t in [&VIRIDIS, &MAGMA] {
            for w in t.windows(2) {
                for (a, b) in w[0].iter().zip(&w[1]) {
                    assert!((b - a).abs() < 0.011);
                }
            }
        }
    }

    #[test]
    fn percentiles_ignore_non_finite_values() {
        let v: Vec<f64> = (0..=100).map(f64::from).collect();
        assert_eq!(percentile_range(&v, 1.0, 99.0), Some((1.0, 99.0)));
        assert_eq!(percentile_range(&v, 99.0, 1.0), Some((1.0, 99.0)));
        assert_eq!(percentile_range(&v, -5.0, 500.0), Some((0.0, 100.0)));
        // numpy.percentile([0, 10, nan-free], [25, 75]) with linear interpolation.
        let w = [
            10.0,
            f64::NAN,
            0.0,
            f64::INFINITY,
            20.0,
            f64::NEG_INFINITY,
            30.0,
        ];
        assert_eq!(percentile_range(&w, 25.0, 75.0), Some((7.5, 22.5)));
        assert_eq!(
            percentile_range(&[f64::NAN, f64::INFINITY], 1.0, 99.0),
            None
        );
        assert_eq!(percentile_range(&[], 1.0, 99.0), None);
        assert_eq!(
            percentile_range(&[4.0, 4.0, f64::NAN], 1.0, 99.0),
            Some((3.5, 4.5))
        );
        assert_eq!(
            percentile_range(&[1.0, 2.0], f64::NAN, f64::NAN),
            Some((1.0, 2.0))
        );
    }

    #[test]
    fn colorize_a_plane() {
        let p = Plane {
            width: 2,
            height: 2,
            values: vec![0.0, 10.0, f64::NAN, f64::NEG_INFINITY],
            step: (1, 1),
        };
        let px = colorize(&p, (0.0, 10.0), Colormap::Grey);
        assert_eq!(
            px,
            vec![
                [0, 0, 0, 255],
                [255, 255, 255, 255],
                [255, 0, 255, 255],
                [0, 0, 0, 255]
            ]
        );
        let flat = colorize(&p, (5.0, 5.0), Colormap::Grey);
        assert_eq!(flat[0], [0, 0, 0, 255]);
        assert_eq!(flat[1], [255, 255, 255, 255]);
        assert!(colorize(&Plane::default(), (0.0, 1.0), Colormap::Viridis).is_empty());
    }
}
