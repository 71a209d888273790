//! npyscope: inspect NumPy `.npy` arrays kept in DataJoint object stores.
//!
//! The library holds the core (config, stores, `.npy` headers, arrays, cache, jobs, signal
//! reduction) and the CLI; it knows nothing of the GUI.

pub mod array;
pub mod cache;
pub mod cli;
pub mod config;
pub mod demo;
pub mod jobs;
pub mod npy;
pub mod signal;
pub mod store;
pub mod ui;
