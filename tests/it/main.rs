//! One integration-test binary, a module per area.

#[path = "../support/db_fixture.rs"]
mod db_fixture;
#[path = "../support/s3_server.rs"]
mod s3_server;

mod array;
mod array_data;
mod blob;
mod blob_store;
mod cache;
mod cli;
mod cli_options;
mod common;
mod config;
mod credentials;
mod db;
mod faults;
mod layout;
mod npy;
mod proxy;
mod s3;
mod view;
