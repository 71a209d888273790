//! One integration-test binary, a module per area.

#[path = "../support/s3_server.rs"]
mod s3_server;

mod array;
mod array_data;
mod cache;
mod cli;
mod common;
mod config;
mod layout;
mod npy;
mod s3;
mod view;
