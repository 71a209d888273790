//! Background work: progress counters and cancellation shared by downloads, listings and
//! window reads. The runtime itself is built by the binary (or the GUI) and handed in.

mod progress;

pub use progress::{Notify, Progress};
pub use tokio_util::sync::CancellationToken;
