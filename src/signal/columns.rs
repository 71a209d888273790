//! [`Columns`]: what a plot draws for a window of samples, one entry per pixel column.

use std::ops::Range;

/// The min/max envelope of a window of samples, one entry per pixel column (see the [module rule](super) for
/// which samples each column holds). Draw column `j` as a vertical segment from `min[j]` to `max[j]`, joined
/// to its neighbours through `first[j]` and `last[j]`; at that width this is exactly what drawing every sample
/// would show. All vectors have one entry per column.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Columns {
    /// Lane index of the first sample of column 0 (the window's start).
    pub first_sample: u64,
    /// Samples in the window (`n`).
    pub samples: u64,
    /// `n / columns` (1 for raw points, 0 for an empty window).
    pub samples_per_column: f64,
    /// Whether each column is a single sample (the window had no more samples than pixels): draw points.
    pub raw: bool,
    /// Samples at the window's end that lie past the lane's end (only an [aligned view](super::aligned_view)
    /// has any, fewer than one column's worth): the last column holds only the samples that exist.
    pub missing: u64,
    /// Smallest non-NaN value per column; NaN if the column is all NaN.
    pub min: Vec<f64>,
    /// Largest non-NaN value per column; NaN if the column is all NaN.
    pub max: Vec<f64>,
    /// The column's first sample (NaN if that sample is NaN), to join the line from the previous column.
    pub first: Vec<f64>,
    /// The column's last sample, to join the line to the next column.
    pub last: Vec<f64>,
    /// NaN (or NaT) samples in the column.
    pub nans: Vec<u64>,
}

/// One pixel column of [`Columns`], as [`Columns::iter`] yields it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Column {
    /// Lane indices of the column's samples (`start..end`).
    pub start: u64,
    /// End (exclusive) of the column's samples.
    pub end: u64,
    /// Where to draw the column, in sample-index units: the middle of its samples (`(start + end - 1) / 2`).
    pub x: f64,
    /// Smallest non-NaN value (NaN for an all-NaN column: leave a gap).
    pub min: f64,
    /// Largest non-NaN value.
    pub max: f64,
    /// First sample.
    pub first: f64,
    /// Last sample.
    pub last: f64,
    /// NaN samples in the column.
    pub nans: u64,
}

impl Columns {
    /// Number of columns.
    pub fn len(&self) -> usize {
        self.min.len()
    }

    /// Whether there are no columns (an empty window).
    pub fn is_empty(&self) -> bool {
        self.min.is_empty()
    }

    /// Lane indices of column `j`'s samples, by the column rule (the last one clamped to the lane's end, see
    /// [`missing`](Columns::missing)); `None` past the last column.
    pub fn span(&self, j: usize) -> Option<Range<u64>> {
        (j < self.len()).then(|| self.edge(j)..self.edge(j + 1))
    }

    /// Start of column `j` (end of column `j − 1`), clamped to the samples that exist.
    fn edge(&self, j: usize) -> u64 {
        let stop = (self.first_sample + self.samples).saturating_sub(self.missing);
        bound(self.first_sample, self.samples, self.len(), j).min(stop)
    }

    /// The columns in order, each with its sample span and drawing position.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Column> + '_ {
        let w = self.len();
        (0..w).map(move |j| {
            let start = self.edge(j);
            let end = self.edge(j + 1);
            Column {
                start,
                end,
                x: (start as f64 + end as f64 - 1.0) / 2.0,
                min: self.min[j],
                max: self.max[j],
                first: self.first[j],
                last: self.last[j],
                nans: self.nans[j],
            }
        })
    }

    /// `(x, min, max)` per column: the vertical segments to draw (x in sample-index units).
    pub fn segments(&self) -> impl ExactSizeIterator<Item = (f64, f64, f64)> + '_ {
        self.iter().map(|c| (c.x, c.min, c.max))
    }

    /// `(sample index, value)` of every sample when the window is [`raw`](Columns::raw); nothing otherwise.
    pub fn raw_points(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        let n = if self.raw { self.len() } else { 0 };
        (0..n).map(move |j| ((self.first_sample + j as u64) as f64, self.first[j]))
    }
}

/// Start of column `j` of `w` over `n` samples from `start`: `start + floor(j·n/w)` (in u128: no overflow).
pub(crate) fn bound(start: u64, n: u64, w: usize, j: usize) -> u64 {
    if w == 0 {
        return start;
    }
    let off = (j as u128 * u128::from(n)) / w as u128;
    start + u64::try_from(off).unwrap_or(n).min(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_tile_the_window() {
        for (n, w) in [(10u64, 3usize), (7, 7), (1000, 999), (u64::MAX / 2, 1920)] {
            let mut prev = bound(5, n, w, 0);
            assert_eq!(prev, 5);
            for j in 1..=w {
                let b = bound(5, n, w, j);
                assert!(b - prev >= n / w as u64 && b - prev <= n.div_ceil(w as u64));
                prev = b;
            }
            assert_eq!(prev, 5 + n);
        }
    }

    #[test]
    fn iterators() {
        let c = Columns {
            first_sample: 10,
            samples: 3,
            samples_per_column: 1.0,
            raw: true,
            missing: 0,
            min: vec![1.0, 2.0, 3.0],
            max: vec![1.0, 2.0, 3.0],
            first: vec![1.0, 2.0, 3.0],
            last: vec![1.0, 2.0, 3.0],
            nans: vec![0; 3],
        };
        assert_eq!(
            c.raw_points().collect::<Vec<_>>(),
            vec![(10.0, 1.0), (11.0, 2.0), (12.0, 3.0)]
        );
        assert_eq!(c.segments().next(), Some((10.0, 1.0, 1.0)));
        assert_eq!(c.span(2), Some(12..13));
        assert_eq!(c.span(3), None);
        let d = Columns {
            raw: false,
            samples: 6,
            ..c
        };
        assert_eq!(d.raw_points().count(), 0);
        assert_eq!(
            d.iter().map(|c| c.x).collect::<Vec<_>>(),
            vec![10.5, 12.5, 14.5]
        );
    }
}
