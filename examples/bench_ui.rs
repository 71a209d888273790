//! Frame times of the real inspector window, headless (egui_kittest, no GPU), for
//! `benches/run.sh ui`: the app is stepped frame by frame and each frame's layout plus
//! tessellation is timed. Prints `NAME: p50 X ms, p99 Y ms over N frames (budget 16 ms)`.
//!
//! ```text
//! bench_ui listing DIR      # a folder of 100,000 .npy files (made on first use): move down the table
//! ```
//!
//! What is timed per frame: `Harness::step` (input, the app's update, layout, the
//! accessibility tree that kittest asks for, which the real window builds only for a screen
//! reader) and `Context::tessellate` of its shapes. GPU upload and painting are not included.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use npyscope::config::ConfigEnv;
use npyscope::npy::{ByteOrder, DType, ScalarKind, ScalarType, encode_header};
use npyscope::ui::{App, AppOptions};

/// Rows of the listing benchmark.
const LISTING_FILES: usize = 100_000;
/// Frames timed per scenario.
const FRAMES: usize = 300;
/// How long set-up (listing, headers) may take.
const SETUP_TIMEOUT: Duration = Duration::from_secs(300);

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["listing", dir] => listing(Path::new(dir)),
        _ => bail!("usage: bench_ui listing DIR"),
    }
}

/// A folder of `LISTING_FILES` small float32 arrays of different shapes.
fn make_listing(dir: &Path) -> anyhow::Result<()> {
    let done = dir.join(".complete");
    if done.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let dtype = DType::Scalar(ScalarType {
        order: ByteOrder::Little,
        kind: ScalarKind::Float(4),
    });
    for i in 0..LISTING_FILES {
        let shape = [(i % 100 + 1) as u64, (i % 7 + 1) as u64];
        let mut bytes = encode_header(&dtype, false, &shape);
        bytes.resize(bytes.len() + (shape[0] * shape[1] * 4) as usize, 0);
        let path = dir.join(format!("trial_{i:06}.npy"));
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    std::fs::write(&done, b"")?;
    Ok(())
}

fn harness(open: Option<PathBuf>, work: &Path) -> anyhow::Result<Harness<'static, App>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let handle = runtime.handle().clone();
    // The runtime lives as long as the process (the harness's jobs run on it).
    std::mem::forget(runtime);
    let demo = work.join("demo");
    std::fs::create_dir_all(&demo)?;
    let options = AppOptions {
        runtime: handle,
        config_env: ConfigEnv::isolated(work),
        config_file: None,
        demo_dir: Some(demo),
        open,
        data_gate: None,
        cache_dir: Some(work.join("cache")),
        save_path: None,
        settings_dir: Some(work.join("settings")),
    };
    Ok(Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_eframe(move |cc| App::new(cc, options)))
}

/// Steps until `done` holds.
fn wait(
    h: &mut Harness<'_, App>,
    what: &str,
    done: impl Fn(&Harness<'_, App>) -> bool,
) -> anyhow::Result<()> {
    let started = Instant::now();
    while !done(h) {
        if started.elapsed() > SETUP_TIMEOUT {
            bail!("timed out waiting for {what}");
        }
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(())
}

/// One frame: step and tessellate; returns its time.
fn frame(h: &mut Harness<'_, App>) -> Duration {
    let started = Instant::now();
    h.step();
    let shapes = h.output().shapes.clone();
    let ppp = h.output().pixels_per_point;
    let primitives = h.ctx.tessellate(shapes, ppp);
    std::hint::black_box(primitives);
    started.elapsed()
}

fn report(name: &str, mut times: Vec<Duration>) {
    if std::env::var_os("BENCH_UI_TRACE").is_some() {
        for (i, t) in times.iter().enumerate() {
            eprintln!("frame {i}: {:.2} ms", t.as_secs_f64() * 1e3);
        }
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "{name}: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms over {} frames (budget 16 ms)",
        ms(at(0.5)),
        ms(at(0.99)),
        ms(at(1.0)),
        times.len()
    );
}

fn listing(dir: &Path) -> anyhow::Result<()> {
    let files = dir.join("listing_100k");
    make_listing(&files)?;
    let work = tempfile::tempdir()?;
    let mut h = harness(Some(files), work.path())?;
    let total = format!("{LISTING_FILES} arrays");
    wait(&mut h, "the listing", |h| {
        h.query_all_by_label_contains(&total).next().is_some()
    })?;
    // While the 100,000 headers stream in: rows update in place.
    let mut streaming = Vec::new();
    let started = Instant::now();
    while h.query_all_by_label("No jobs running").next().is_none() {
        if started.elapsed() > SETUP_TIMEOUT {
            bail!("timed out waiting for the headers");
        }
        streaming.push(frame(&mut h));
    }
    report("frame_listing_100k_while_reading_headers", streaming);
    wait(&mut h, "the listing and its headers", |h| {
        h.query_all_by_label_contains(&total).next().is_some()
            && h.query_all_by_label_contains("trial_000000.npy")
                .next()
                .is_some()
            && h.query_all_by_label("No jobs running").next().is_some()
    })?;
    let mut times = Vec::with_capacity(FRAMES);
    for i in 0..FRAMES {
        // Move down the table, one row per frame (the table scrolls to keep it in view); the
        // first frames also read the filter box's text again.
        let _ = i;
        h.key_press(egui::Key::ArrowDown);
        times.push(frame(&mut h));
    }
    report("frame_listing_100k", times);
    Ok(())
}
