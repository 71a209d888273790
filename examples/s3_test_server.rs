//! The tests' S3 server as a process, for benchmarks: serves a folder over the S3 protocol on
//! loopback (signed requests, keys below), optionally after uploading a folder's files into a
//! bucket through the S3 API. Prints `endpoint http://127.0.0.1:PORT`, then serves until its
//! standard input closes.
//!
//! `cargo run --release --example s3_test_server -- ROOT [--upload DIR --bucket B --prefix P]`

#[path = "../tests/support/s3_server.rs"]
mod s3_server;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use object_store::ObjectStoreExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjPath;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = PathBuf::from(args.first().ok_or_else(|| {
        anyhow::anyhow!("usage: s3_test_server ROOT [--upload DIR --bucket B --prefix P]")
    })?);
    let option = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    std::fs::create_dir_all(&root)?;
    let server = s3_server::S3TestServer::start(&root);
    if let Some(upload) = option("--upload") {
        let bucket = option("--bucket").unwrap_or_else(|| "bench".to_string());
        let prefix = option("--prefix").unwrap_or_default();
        server.create_bucket(&bucket);
        let runtime = tokio::runtime::Runtime::new()?;
        let count =
            runtime.block_on(upload_folder(&server, Path::new(&upload), &bucket, &prefix))?;
        eprintln!("uploaded {count} files into s3://{bucket}/{prefix}");
    }
    println!("endpoint {}", server.endpoint());
    println!("access_key {}", s3_server::ACCESS_KEY);
    println!("secret_key {}", s3_server::SECRET_KEY);
    // Serve until whoever started us closes our standard input.
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    Ok(())
}

async fn upload_folder(
    server: &s3_server::S3TestServer,
    dir: &Path,
    bucket: &str,
    prefix: &str,
) -> anyhow::Result<usize> {
    let client = Arc::new(
        AmazonS3Builder::new()
            .with_endpoint(server.endpoint())
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_bucket_name(bucket)
            .with_access_key_id(s3_server::ACCESS_KEY)
            .with_secret_access_key(s3_server::SECRET_KEY)
            .build()?,
    );
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for item in std::fs::read_dir(&folder)? {
            let path = item?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    let count = files.len();
    let mut tasks = tokio::task::JoinSet::new();
    let semaphore = Arc::new(tokio::sync::Semaphore::new(32));
    for path in files {
        let rel = path.strip_prefix(dir)?.to_string_lossy().replace('\\', "/");
        let key = if prefix.is_empty() {
            rel
        } else {
            format!("{}/{rel}", prefix.trim_matches('/'))
        };
        let client = Arc::clone(&client);
        let permit = Arc::clone(&semaphore).acquire_owned().await?;
        tasks.spawn(async move {
            let _permit = permit;
            let bytes = tokio::fs::read(&path).await?;
            client.put(&ObjPath::parse(&key)?, bytes.into()).await?;
            anyhow::Ok(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    Ok(count)
}
