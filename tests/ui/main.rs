//! The inspector window, driven through its accessibility tree with egui_kittest (no GPU):
//! the real app on a real tokio runtime, over the demo store written to a temporary folder.

#[path = "../support/cloud_emulators.rs"]
mod cloud_emulators;
#[path = "../support/db_fixture.rs"]
mod db_fixture;
#[path = "../support/s3_server.rs"]
mod s3_server;

mod blob;
mod browse;
mod common;
mod database;
mod datajoint;
mod image;
mod open;
mod plot;
