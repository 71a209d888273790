//! [`SliceSpec`]: which array axes an image shows (rows, columns) and the index of every other axis, kept valid
//! for the array's shape. The plane it selects is read by [`plane`](super::plane::plane).

/// Which two axes an image shows and the index of every other axis; always valid for its shape.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SliceSpec {
    /// The axis drawn top to bottom (ignored for a 0-d array).
    pub rows_axis: usize,
    /// The axis drawn left to right; `None` only for 0-d and 1-D arrays.
    pub cols_axis: Option<usize>,
    /// One index per axis (`len == ndim`); entries of the displayed axes are kept but not used.
    pub index: Vec<u64>,
}

impl SliceSpec {
    /// Default for a shape: last two axes for ndim>=2 (rows = ndim-2, cols = ndim-1), axis 0 alone for 1-D,
    /// nothing for 0-d; other indices 0.
    pub fn for_shape(shape: &[u64]) -> SliceSpec {
        let ndim = shape.len();
        let (rows_axis, cols_axis) = match ndim {
            0 | 1 => (0, None),
            n => (n - 2, Some(n - 1)),
        };
        SliceSpec {
            rows_axis,
            cols_axis,
            index: vec![0; ndim],
        }
    }

    /// Clamps itself to `shape` (axes in range and distinct, index.len()==ndim, each index < dim or 0 for a
    /// zero-length axis). A rows axis out of range becomes ndim-2; a missing, out-of-range or clashing columns
    /// axis becomes the last axis that is not the rows axis.
    pub fn make_valid(&mut self, shape: &[u64]) {
        let ndim = shape.len();
        match ndim {
            0 | 1 => {
                self.rows_axis = 0;
                self.cols_axis = None;
            }
            n => {
                if self.rows_axis >= n {
                    self.rows_axis = n - 2;
                }
                let rows = self.rows_axis;
                let fits = |c: usize| c < n && c != rows;
                if !self.cols_axis.is_some_and(fits) {
                    self.cols_axis = Some(if rows == n - 1 { n - 2 } else { n - 1 });
                }
            }
        }
        self.index.resize(ndim, 0);
        for (i, &d) in self.index.iter_mut().zip(shape) {
            *i = (*i).min(d.saturating_sub(1));
        }
    }

    /// The axes that get a slider (all but the displayed ones).
    pub fn slider_axes(&self, ndim: usize) -> Vec<usize> {
        (0..ndim)
            .filter(|&a| a != self.rows_axis && Some(a) != self.cols_axis)
            .collect()
    }

    /// Whether `make_valid(shape)` would leave this spec unchanged.
    pub fn is_valid(&self, shape: &[u64]) -> bool {
        let mut fixed = self.clone();
        fixed.make_valid(shape);
        fixed == *self
    }

    /// Exchanges the rows and columns axes (a transpose of the image); nothing for 0-d and 1-D.
    pub fn swap_axes(&mut self) {
        if let Some(c) = self.cols_axis {
            self.cols_axis = Some(self.rows_axis);
            self.rows_axis = c;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(spec: &SliceSpec, shape: &[u64]) {
        assert!(spec.is_valid(shape), "{spec:?} for {shape:?}");
        assert_eq!(spec.index.len(), shape.len());
        for (&i, &d) in spec.index.iter().zip(shape) {
            assert!(i < d.max(1));
        }
        if shape.len() >= 2 {
            let c = spec.cols_axis.unwrap();
            assert!(spec.rows_axis < shape.len() && c < shape.len() && c != spec.rows_axis);
        } else {
            assert_eq!((spec.rows_axis, spec.cols_axis), (0, None));
        }
        let sliders = spec.slider_axes(shape.len());
        assert_eq!(sliders.len(), shape.len().saturating_sub(2));
    }

    #[test]
    fn defaults_for_every_rank() {
        let shapes: [&[u64]; 6] = [
            &[],
            &[0],
            &[5],
            &[3, 4],
            &[2, 0, 4],
            &[2, 3, 4, 5, 6, 7, 8, 9],
        ];
        for shape in shapes {
            let s = SliceSpec::for_shape(shape);
            check(&s, shape);
        }
        let s = SliceSpec::for_shape(&[2, 3, 4, 5, 6, 7, 8, 9]);
        assert_eq!((s.rows_axis, s.cols_axis), (6, Some(7)));
        assert_eq!(s.slider_axes(8), vec![0, 1, 2, 3, 4, 5]);
        assert_eq!(
            SliceSpec::for_shape(&[5]).slider_axes(1),
            Vec::<usize>::new()
        );
        assert_eq!(SliceSpec::for_shape(&[]), SliceSpec::default());
    }

    #[test]
    fn make_valid_clamps_anything() {
        let mut s = SliceSpec {
            rows_axis: 9,
            cols_axis: Some(9),
            index: vec![7, 99, 3, 5, 1, 2, 3, 4, 5, 6],
        };
        s.make_valid(&[4, 0, 3]);
        assert_eq!(s.rows_axis, 1);
        assert_eq!(s.cols_axis, Some(2));
        assert_eq!(s.index, vec![3, 0, 2]);
        check(&s, &[4, 0, 3]);
        // Clashing axes: the columns axis moves.
        let mut s = SliceSpec {
            rows_axis: 2,
            cols_axis: Some(2),
            index: vec![],
        };
        s.make_valid(&[2, 3, 4]);
        assert_eq!(
            (s.rows_axis, s.cols_axis, s.index.clone()),
            (2, Some(1), vec![0, 0, 0])
        );
        s.cols_axis = None;
        s.make_valid(&[2, 3, 4]);
        assert_eq!(s.cols_axis, Some(1));
        // Rank changes both ways.
        s.make_valid(&[6]);
        check(&s, &[6]);
        s.make_valid(&[]);
        check(&s, &[]);
        s.make_valid(&[2, 2, 2, 2, 2, 2, 2, 2]);
        check(&s, &[2, 2, 2, 2, 2, 2, 2, 2]);
        s.make_valid(&[u64::MAX, u64::MAX]);
        check(&s, &[u64::MAX, u64::MAX]);
    }

    #[test]
    fn swapping_keeps_it_valid() {
        let shape = [2, 3, 4, 5];
        let mut s = SliceSpec::for_shape(&shape);
        s.index = vec![1, 2, 3, 4];
        s.swap_axes();
        assert_eq!((s.rows_axis, s.cols_axis), (3, Some(2)));
        check(&s, &shape);
        assert_eq!(s.slider_axes(4), vec![0, 1]);
        // Choosing a displayed axis as rows, then fixing up.
        s.rows_axis = 2;
        s.make_valid(&shape);
        check(&s, &shape);
        assert_eq!((s.rows_axis, s.cols_axis), (2, Some(3)));
        let mut one = SliceSpec::for_shape(&[5]);
        one.swap_axes();
        check(&one, &[5]);
    }
}
