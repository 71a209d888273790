//! What a plot shows of an array: axis and slice choice, channel sets, colour ranges and maps, statistics, export.
//!
//! Pure functions over raw `.npy` data bytes (file byte order and layout, memory-mapped or loaded); no GUI types,
//! so the plot panel and tests call them alike.

pub mod axes;
pub mod channels;
pub mod color;
mod csv_rows;
mod error;
pub mod export;
mod palette;
pub mod plane;
pub mod rate;
pub mod stats;

pub use axes::SliceSpec;
pub use channels::{default_channels, format_channels, parse_channels};
pub use color::{Colormap, NAN_RGB, colorize, percentile_range};
pub use csv_rows::{write_rows_csv, write_rows_csv_numbered};
pub use error::ViewError;
pub use export::write_rows_npy;
pub use plane::{Plane, plane};
pub use stats::{Stats, stats};
