//! Background work: jobs with progress counters, cancellation and results, used by downloads,
//! listings and window reads. The runtime itself is built by the binary (or the GUI) and
//! handed in; library code never creates one.

mod job;
mod progress;

pub use job::{JobError, JobHandle, JobState, Jobs};
pub use progress::{Notify, Progress, RetryNotes};
pub use tokio_util::sync::CancellationToken;
