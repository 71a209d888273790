//! npyscope: inspect NumPy `.npy` arrays kept in DataJoint object stores.
//!
//! The core (config, stores, `.npy` headers, arrays, cache, jobs, signal reduction) knows
//! nothing of the GUI; `cli` and `ui` call it, never the reverse (a UI test checks this).

pub mod allocator;
pub mod array;
pub mod blob;
pub mod cache;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod desktop;
pub mod display;
pub mod filter;
pub mod jobs;
pub mod npy;
pub mod output;
pub mod settings;
pub mod signal;
pub mod store;
pub mod ui;
pub mod view;
