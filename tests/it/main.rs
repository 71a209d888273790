//! One integration-test binary, a module per area.

#[path = "../support/cloud_emulators.rs"]
mod cloud_emulators;
#[path = "../support/db_fixture.rs"]
mod db_fixture;
#[path = "../support/s3_server.rs"]
mod s3_server;

mod array;
mod array_data;
mod azure;
mod blob;
mod blob_store;
mod cache;
mod cli;
mod cli_options;
mod cloud;
mod common;
mod config;
mod credentials;
mod db;
mod faults;
mod gcs;
mod layout;
mod npy;
mod proxy;
mod s3;
mod view;
