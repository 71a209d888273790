//! The statistics of the plot's visible window: min, max, mean, std and NaN count per channel
//! shown, over a bounded sample of the window, recomputed once the view rests.

use std::ops::Range;

use super::{PlotPanel, StatsKey};
use crate::ui::plot::traces;
use crate::view;

/// Statistics lines shown at most (then "...").
const MAX_STATS_LINES: usize = 8;
/// Samples one statistics line reads at most (more: every n-th sample).
const STATS_BUDGET: u64 = 1 << 19;
/// How long the view must rest before the statistics of a moved window are computed.
const STATS_SETTLE: std::time::Duration = std::time::Duration::from_millis(250);

impl PlotPanel {
    /// Statistics lines of the visible window (cached per view).
    pub(super) fn stats_lines(&mut self, ctx: &egui::Context, range: &Range<u64>) -> Vec<String> {
        let key = StatsKey {
            range: range.clone(),
            channels: self.channels.clone(),
            spec: self.spec.clone(),
            generation: self.generation,
        };
        if let Some((k, lines)) = &self.stats {
            if *k == key {
                return lines.clone();
            }
            // While the view pans or zooms, the last figures stay (marked): reading samples
            // spread over a big window every frame would cost the frame budget.
            let resting = self.moved_at.elapsed();
            if k.channels == key.channels && k.spec == key.spec && resting < STATS_SETTLE {
                ctx.request_repaint_after(STATS_SETTLE - resting);
                let mut lines = lines.clone();
                if let Some(head) = lines.first_mut() {
                    head.push_str(" (updating when the view rests)");
                }
                return lines;
            }
        }
        let n = range.end - range.start;
        let stride = n.div_ceil(STATS_BUDGET).max(1);
        let first = self.spec.first_index(&self.data);
        let mut lines = Vec::new();
        for &c in self.channels.iter().take(MAX_STATS_LINES) {
            let line = match self.spec.lane(&self.data, c) {
                Ok(lane) => {
                    let lane = traces::strided_lane(&lane, range.clone(), stride);
                    let s = view::stats(&lane, 0..lane.len as u64);
                    format!(
                        "ch {c:>4}: min {} max {} mean {} std {} NaN {}",
                        num(s.min),
                        num(s.max),
                        num(s.mean),
                        num(s.std),
                        s.nans
                    )
                }
                Err(err) => format!("ch {c:>4}: {err}"),
            };
            lines.push(line);
        }
        if self.channels.len() > MAX_STATS_LINES {
            lines.push(format!(
                "... {} more channels",
                self.channels.len() - MAX_STATS_LINES
            ));
        }
        let axis = if self.spec.transposed {
            "columns"
        } else {
            "rows"
        };
        let mut header = format!(
            "Statistics of {axis} {}..{}",
            first + range.start,
            first + range.end
        );
        if stride > 1 {
            header.push_str(&format!(" (every {stride}th sample)"));
        }
        lines.insert(0, header);
        self.stats = Some((key, lines.clone()));
        lines
    }
}

/// A statistic with 4 significant digits (NaN as "nan").
fn num(v: f64) -> String {
    if v.is_nan() {
        "nan".to_string()
    } else if v != 0.0 && (v.abs() >= 1e5 || v.abs() < 1e-3) {
        format!("{v:.3e}")
    } else {
        format!("{v:.4}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_for_statistics() {
        assert_eq!(num(f64::NAN), "nan");
        assert_eq!(num(1.5), "1.5000");
        assert_eq!(num(123456.0), "1.235e5");
    }
}
