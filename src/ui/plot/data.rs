//! [`PlotData`]: the bytes a plot reads, whether a previewed window, a loaded array or a map.

use std::ops::Range;
use std::sync::Arc;

use crate::array::lane::lane;
use crate::array::{ArrayError, Lane, MappedArray, NdArray, Selection};
use crate::npy::DType;

/// An array a plot can read synchronously (all of it is in memory or mapped).
#[derive(Clone, Debug)]
pub(crate) enum PlotData {
    /// Rows `first_row..first_row + shape[0]` of a bigger array (a preview), or the whole array
    /// (`first_row` 0 and `whole`), in memory in native C order.
    Memory {
        /// The rows read.
        array: Arc<NdArray>,
        /// Index of the array's row 0 in the stored array.
        first_row: u64,
        /// Rows of the stored array (the preview's total).
        total_rows: u64,
    },
    /// The whole stored array, memory-mapped (file byte order and layout).
    Mapped(Arc<MappedArray>),
}

impl PlotData {
    /// The element type.
    pub(crate) fn dtype(&self) -> &DType {
        match self {
            PlotData::Memory { array, .. } => array.dtype(),
            PlotData::Mapped(map) => &map.meta().dtype,
        }
    }

    /// Whether the bytes are in Fortran order (only a map of a Fortran file).
    pub(crate) fn fortran(&self) -> bool {
        match self {
            PlotData::Memory { .. } => false,
            PlotData::Mapped(map) => map.meta().fortran_order,
        }
    }

    /// Shape of the bytes held (a preview's first axis is the window's rows).
    pub(crate) fn shape(&self) -> &[u64] {
        match self {
            PlotData::Memory { array, .. } => array.shape(),
            PlotData::Mapped(map) => &map.meta().shape,
        }
    }

    /// The data bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        match self {
            PlotData::Memory { array, .. } => array.bytes(),
            PlotData::Mapped(map) => map.data(),
        }
    }

    /// Index, in the stored array, of the first row held.
    pub(crate) fn first_row(&self) -> u64 {
        match self {
            PlotData::Memory { first_row, .. } => *first_row,
            PlotData::Mapped(_) => 0,
        }
    }

    /// Rows of the stored array (more than held for a preview window).
    pub(crate) fn total_rows(&self) -> u64 {
        match self {
            PlotData::Memory { total_rows, .. } => *total_rows,
            PlotData::Mapped(map) => map.meta().shape.first().copied().unwrap_or(1),
        }
    }

    /// Whether every row of the stored array is held (a loaded or mapped array).
    pub(crate) fn is_whole(&self) -> bool {
        self.first_row() == 0 && self.shape().first().copied().unwrap_or(1) == self.total_rows()
    }

    /// A lane over `rows` (of the rows held; default all) of the element `sel` chooses.
    pub(crate) fn lane(
        &self,
        rows: Option<Range<u64>>,
        sel: &Selection,
    ) -> Result<Lane<'_>, ArrayError> {
        lane(
            self.dtype(),
            self.fortran(),
            self.shape(),
            self.bytes(),
            rows,
            sel,
        )
    }
}
