//! Timings of array access for `benches/run.sh` (array access part): prints one JSON object.
//!
//! ```text
//! bench_access load FILE            # ArrayRef::load of a local file (median and best of 3 runs)
//! bench_access mmap FILE            # ArrayRef::open + mmap of a local file (median of 50)
//! bench_access download S3_URL      # Cache::fetch into a fresh cache (AWS_* env: keys, endpoint)
//! bench_access window S3_URL A B    # read_rows(A..B): bytes transferred vs the window's bytes
//! ```

use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use npyscope::array::{ArrayRef, MapMode};
use npyscope::cache::Cache;
use npyscope::config::StoreSpec;
use npyscope::jobs::{CancellationToken, Progress};
use npyscope::store::{self, Store};

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

async fn open_local(file: &str) -> anyhow::Result<ArrayRef> {
    let path = std::path::Path::new(file);
    let folder = path.parent().context("file has a folder")?;
    let name = path
        .file_name()
        .context("file name")?
        .to_string_lossy()
        .into_owned();
    let store: Arc<Store> = store::open_shared(StoreSpec::local_folder(folder))?;
    Ok(ArrayRef::open(store, &name).await?)
}

async fn open_s3(url: &str) -> anyhow::Result<ArrayRef> {
    let (prefix, name) = url.rsplit_once('/').context("s3://bucket/key")?;
    let store = store::open_shared(StoreSpec::from_s3_url(prefix)?)?;
    Ok(ArrayRef::open(store, name).await?)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (none, cancel) = (Progress::new(None), CancellationToken::new());
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["load", file] => {
            let mut times = Vec::new();
            for _ in 0..3 {
                let array = open_local(file).await?;
                let started = Instant::now();
                let loaded = array.load(None, &none, &cancel).await?;
                times.push(started.elapsed().as_secs_f64());
                std::hint::black_box(loaded.bytes().len());
            }
            let best = times.iter().copied().fold(f64::INFINITY, f64::min);
            println!(
                "{{\"seconds\": {}, \"best\": {best}, \"all\": {times:?}}}",
                median(times.clone())
            );
        }
        ["mmap", file] => {
            let cache_dir = tempfile::tempdir()?;
            let cache = Cache::open(Some(cache_dir.path().join("c")), None)?;
            let mut times = Vec::new();
            for _ in 0..50 {
                let started = Instant::now();
                let array = open_local(file).await?;
                let mapped = array
                    .mmap(MapMode::ReadOnly, &cache, &none, &cancel)
                    .await?;
                times.push(started.elapsed().as_secs_f64());
                std::hint::black_box(mapped.data().len());
            }
            println!("{{\"seconds\": {}}}", median(times));
        }
        ["download", url] => {
            let array = open_s3(url).await?;
            let mut times = Vec::new();
            for _ in 0..3 {
                let cache_dir = tempfile::tempdir()?;
                let cache = Cache::open(Some(cache_dir.path().join("c")), Some(u64::MAX))?;
                let started = Instant::now();
                let file = cache
                    .fetch(array.store(), array.object(), &none, &cancel)
                    .await?;
                times.push(started.elapsed().as_secs_f64());
                if file.size() != array.object().size {
                    bail!(
                        "downloaded {} of {} bytes",
                        file.size(),
                        array.object().size
                    );
                }
            }
            let peak = array.store().stats().peak_in_flight();
            println!(
                "{{\"seconds\": {}, \"bytes\": {}, \"peak_in_flight\": {peak}}}",
                median(times),
                array.object().size
            );
        }
        ["window", url, a, b] => {
            let array = open_s3(url).await?;
            let rows = a.parse::<u64>()?..b.parse::<u64>()?;
            let before = array.store().stats().bytes();
            let started = Instant::now();
            let (_, window) = array.read_rows(rows, &none, &cancel).await?;
            let seconds = started.elapsed().as_secs_f64();
            let transferred = array.store().stats().bytes() - before;
            println!(
                "{{\"seconds\": {seconds}, \"transferred\": {transferred}, \"window_bytes\": {}, \"object_bytes\": {}}}",
                window.nbytes(),
                array.object().size
            );
        }
        _ => {
            bail!("usage: bench_access load FILE | mmap FILE | download S3_URL | window S3_URL A B")
        }
    }
    Ok(())
}
