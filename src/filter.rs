//! The files table's filter language: path text, dtype, ndim, size bounds and shape conditions.
