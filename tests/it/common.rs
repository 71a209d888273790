//! Helpers shared by the integration tests: fresh folders, the S3 test server with a bucket
//! filled through the S3 API, specs and configs that point at it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use npyscope::config::{Backend, LayoutSettings, Origin, Secret, StoreSpec};
use object_store::ObjectStoreExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjPath;

pub use crate::s3_server::{ACCESS_KEY, S3TestServer, SECRET_KEY};

/// The real binary, run in `cwd` with no DataJoint, AWS, GCS, Azure or npyscope settings from
/// the outside, and never the machine's own `~/.aws/credentials`.
pub fn npyscope_in(cwd: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_npyscope"));
    cmd.args(args).current_dir(cwd);
    for var in [
        "DJ_STORES",
        "DJ_IGNORE_CONFIG_FILE",
        "DJ_HOST",
        "DJ_PORT",
        "DJ_USER",
        "DJ_PASS",
        "DJ_BACKEND",
        "DJ_DATABASE_NAME",
        "DJ_USE_TLS",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT",
        "AWS_ENDPOINT_URL",
        "AWS_PROFILE",
        "AWS_REGION",
        "STORAGE_EMULATOR_HOST",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "GOOGLE_SERVICE_ACCOUNT",
        "GOOGLE_SERVICE_ACCOUNT_KEY",
        "AZURE_STORAGE_CONNECTION_STRING",
        "AZURE_STORAGE_ACCOUNT_NAME",
        "AZURE_STORAGE_ACCOUNT_KEY",
        "AZURE_STORAGE_SAS_TOKEN",
        "AZURE_STORAGE_ENDPOINT",
        "NPYSCOPE_LOG",
        "NPYSCOPE_RETRY_BUDGET_S",
        "NPYSCOPE_STALL_TIMEOUT_S",
    ] {
        cmd.env_remove(var);
    }
    cmd.env(
        "AWS_SHARED_CREDENTIALS_FILE",
        cwd.join("no-aws-credentials"),
    );
    cmd
}

/// The committed `.npy` fixtures written by numpy.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/npy")
}

/// A fresh temporary folder that holds a `.git` folder, so config discovery stops there.
pub fn project_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join(".git")).expect(".git");
    dir
}

/// An S3 spec for `bucket`/`location` on the test server, with the right keys.
pub fn s3_spec(server: &S3TestServer, name: &str, bucket: &str, location: &str) -> StoreSpec {
    StoreSpec {
        name: name.to_string(),
        backend: Backend::S3 {
            endpoint: Some(server.host_port()),
            bucket: bucket.to_string(),
            location: location.to_string(),
            access_key: Some(Secret::new(ACCESS_KEY)),
            secret_key: Some(Secret::new(SECRET_KEY)),
            secure: false,
            region: None,
        },
        layout: LayoutSettings::default(),
        origin: Origin::AdHoc,
        secrets_from: Vec::new(),
    }
}

/// A local-folder spec.
pub fn file_spec(name: &str, location: &Path) -> StoreSpec {
    StoreSpec {
        name: name.to_string(),
        backend: Backend::File {
            location: location.to_path_buf(),
        },
        layout: LayoutSettings::default(),
        origin: Origin::AdHoc,
        secrets_from: Vec::new(),
    }
}

/// Uploads `files` (key → bytes) into `bucket` through the S3 API (as a real client would;
/// s3s-fs then has the checksums it needs).
pub async fn upload(server: &S3TestServer, bucket: &str, files: Vec<(String, Vec<u8>)>) {
    server.create_bucket(bucket);
    let client = Arc::new(
        AmazonS3Builder::new()
            .with_endpoint(server.endpoint())
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_bucket_name(bucket)
            .with_access_key_id(ACCESS_KEY)
            .with_secret_access_key(SECRET_KEY)
            .build()
            .expect("upload client"),
    );
    let mut tasks = tokio::task::JoinSet::new();
    for (key, bytes) in files {
        let client = Arc::clone(&client);
        tasks.spawn(async move {
            client
                .put(&ObjPath::parse(&key).expect("key"), bytes.into())
                .await
                .unwrap_or_else(|e| panic!("upload {key}: {e}"));
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("upload task");
    }
}

/// Every file below `dir` as (relative path with `/`, bytes).
pub fn files_below(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for item in std::fs::read_dir(&folder).expect("read_dir") {
            let path = item.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .expect("below dir")
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, std::fs::read(&path).expect("read file")));
            }
        }
    }
    out.sort();
    out
}
