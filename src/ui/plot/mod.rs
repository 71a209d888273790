//! The plot panel: the array last previewed, loaded or memory-mapped, drawn as traces (Line, Stacked) with
//! min/max envelopes per pixel column, or as an image. [`PlotPanel`] is the panel; the rest are its parts.

pub(crate) mod data;
mod envelope;
pub(crate) mod export;
mod heat;
pub(crate) mod image;
mod panel;
mod readout;
mod traces;

pub(crate) use data::PlotData;
pub(crate) use panel::{PREVIEW_ROWS, PlotPanel, Source};
