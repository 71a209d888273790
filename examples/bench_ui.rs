//! Frame times of the real inspector window, headless (egui_kittest, no GPU), for
//! `benches/run.sh ui`: the app is stepped frame by frame and each frame's layout plus
//! tessellation is timed. Prints `NAME: p50 X ms, p99 Y ms over N frames (budget 16 ms)`.
//!
//! ```text
//! bench_ui listing DIR                 # a folder of 100,000 .npy files (made on first use): move down the table
//! bench_ui plot FILE.npy [CHANNELS]    # memory-map FILE, wait for its overview, pan the plot
//! bench_ui database PROJECT SCHEMA TABLE TEXT  # the datajoint.json in PROJECT: open SCHEMA in
//!                                      # the tree, click TABLE (e.g. "Trace · manual"), time until
//!                                      # a cell reading TEXT is drawn, then scroll the rows down
//! ```
//!
//! The database scenario prints `RESULT db_first_page_ms X`: from the click on the table to the
//! end of the first frame that draws its first row (frames are stepped every 2 ms meanwhile).
//!
//! The plot scenario also prints the process's peak memory: `VmHWM` (resident, all kinds), and
//! `RssAnon` / `RssFile` at the end (private memory such as the overview pyramid and the drawn
//! window, against pages of the mapped file, which the kernel can drop at any time).
//!
//! What is timed per frame: `Harness::step` (input, the app's update, layout, the
//! accessibility tree that kittest asks for, which the real window builds only for a screen
//! reader) and `Context::tessellate` of its shapes. GPU upload and painting are not included.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use npyscope::config::ConfigEnv;
use npyscope::npy::{ByteOrder, DType, ScalarKind, ScalarType, encode_header};
use npyscope::ui::{App, AppOptions};

/// The binary's allocator (src/main.rs), so frame times and memory are the window's own.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Rows of the listing benchmark.
const LISTING_FILES: usize = 100_000;
/// Frames timed per scenario.
const FRAMES: usize = 300;
/// How long set-up (listing, headers) may take (long: a shared, busy machine reads 100,000
/// headers slowly).
const SETUP_TIMEOUT: Duration = Duration::from_secs(600);
/// `BENCH_UI_SETUP_S` shortens (or lengthens) the set-up timeout, for a quick look.
fn setup_timeout() -> Duration {
    std::env::var("BENCH_UI_SETUP_S")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(SETUP_TIMEOUT, Duration::from_secs)
}

fn main() -> anyhow::Result<()> {
    npyscope::allocator::configure_mimalloc();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["listing", dir] => listing(Path::new(dir)),
        ["plot", file] => plot(Path::new(file), None),
        ["plot", file, channels] => plot(Path::new(file), Some(channels)),
        ["database", project, schema, table, text] => {
            database(Path::new(project), schema, table, text)
        }
        _ => bail!(
            "usage: bench_ui listing DIR | bench_ui plot FILE.npy [CHANNELS] | bench_ui database PROJECT SCHEMA TABLE TEXT"
        ),
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
    harness_with_config(open, None, work)
}

fn harness_with_config(
    open: Option<PathBuf>,
    config_file: Option<PathBuf>,
    work: &Path,
) -> anyhow::Result<Harness<'static, App>> {
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
        config_file,
        demo_dir: Some(demo),
        open,
        cache_dir: Some(work.join("cache")),
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
    wait_for(h, what, setup_timeout(), done)
}

/// Steps until `done` holds, for at most `timeout`.
fn wait_for(
    h: &mut Harness<'_, App>,
    what: &str,
    timeout: Duration,
    done: impl Fn(&Harness<'_, App>) -> bool,
) -> anyhow::Result<()> {
    let started = Instant::now();
    while !done(h) {
        if started.elapsed() > timeout {
            bail!(
                "timed out waiting for {what}; the window shows: {}",
                shown_text(h)
            );
        }
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(())
}

/// The texts of the window (labels and values, the first 80), for a set-up that timed out.
fn shown_text(h: &Harness<'_, App>) -> String {
    let texts: Vec<String> = h
        .query_all_by_label_contains("")
        .filter_map(|n| {
            let node = n.accesskit_node();
            node.label().or(node.value()).map(|l| l.to_string())
        })
        .filter(|t| !t.is_empty())
        .take(80)
        .collect();
    texts.join(" | ")
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
    // While the 100,000 headers stream in: rows update in place (a bounded number per frame, so
    // the frames go on until the last header is applied and no row in view shows "…").
    let mut streaming = Vec::new();
    let started = Instant::now();
    while h.query_all_by_label("No jobs running").next().is_none()
        || h.query_all_by_label("\u{2026}").next().is_some()
    {
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

/// `VmHWM`, `RssAnon` and `RssFile` of this process from `/proc/self/status`, in MiB.
fn memory_line() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or("?".to_string(), |kb| format!("{:.0} MiB", kb / 1024.0))
    };
    format!(
        "peak resident {} (VmHWM); now private {} (RssAnon), mapped file pages {} (RssFile)",
        field("VmHWM:"),
        field("RssAnon:"),
        field("RssFile:")
    )
}

fn plot(file: &Path, channels: Option<&str>) -> anyhow::Result<()> {
    let work = tempfile::tempdir()?;
    let mut h = harness(Some(file.to_path_buf()), work.path())?;
    wait(&mut h, "the file's details", |h| {
        h.query_all_by_label("Memory-map").next().is_some()
    })?;
    h.get_by_label("Memory-map").click();
    // A click in the very first frames can miss (layout still settling): ask again if so.
    if wait_for(&mut h, "the map", Duration::from_secs(10), |h| {
        h.query_all_by_label_contains("Memory-mapped")
            .next()
            .is_some()
    })
    .is_err()
    {
        h.get_by_label("Memory-map").click();
    }
    wait(&mut h, "the map and its overview", |h| {
        h.query_all_by_label_contains("Memory-mapped")
            .next()
            .is_some()
            && h.query_all_by_label("No jobs running").next().is_some()
    })?;
    if let Some(channels) = channels {
        h.query_all_by_label("Channels")
            .find(|n| n.accesskit_node().role() == egui::accesskit::Role::TextInput)
            .context("the Channels box")?
            .set_text_value_accesskit(channels);
        h.step();
        wait(&mut h, "the overview of the channels", |h| {
            h.query_all_by_label("No jobs running").next().is_some()
        })?;
    }
    let top = h.get_by_label("Save PNG").rect().bottom();
    let bottom = h.get_by_label_contains("Statistics of").rect().top();
    let left = h.get_by_label("Export .npy").rect().left();
    let start = egui::pos2(left + 400.0, (top + bottom) / 2.0);
    let shown = h
        .query_all_by_label_contains("channel")
        .filter_map(|n| {
            n.accesskit_node()
                .label()
                .or(n.accesskit_node().value())
                .map(|l| l.to_string())
        })
        .find(|l| l.contains("shown") || l.contains("Heatmap"))
        .unwrap_or_default();
    // Pan: drag left for 50 frames, right for 50, and so on; every frame moves the view.
    let mut times = Vec::with_capacity(FRAMES);
    let mut x = start.x;
    h.hover_at(start);
    h.step();
    h.drag_at(start);
    h.step();
    for i in 0..FRAMES {
        x += if (i / 50) % 2 == 0 { -4.0 } else { 4.0 };
        h.hover_at(egui::pos2(x, start.y));
        times.push(frame(&mut h));
    }
    h.drop_at(egui::pos2(x, start.y));
    h.step();
    let name = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    println!("plot of {name}: {shown}");
    report(&format!("frame_pan_{name}"), times);
    println!("memory_{name}: {}", memory_line());
    Ok(())
}

/// The database: the first page of a big table after its click, then frames scrolling it.
fn database(project: &Path, schema: &str, table: &str, first_text: &str) -> anyhow::Result<()> {
    let work = tempfile::tempdir()?;
    let config = project.join("datajoint.json");
    let mut h = harness_with_config(None, Some(config), work.path())?;
    wait(&mut h, "the schema in the database tree", |h| {
        h.query_all_by_label(schema).next().is_some()
    })?;
    if h.query_all_by_label(table).next().is_none() {
        h.get_by_label(schema).click();
    }
    wait(&mut h, "the table in the database tree", |h| {
        h.query_all_by_label(table).next().is_some()
            && h.query_all_by_label("No jobs running").next().is_some()
    })?;
    h.get_by_label(table).click();
    let clicked = Instant::now();
    loop {
        h.step();
        if h.query_all_by_label(first_text).next().is_some() {
            break;
        }
        if clicked.elapsed() > SETUP_TIMEOUT {
            bail!("timed out waiting for the first page of {table}");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let first_page = clicked.elapsed();
    println!(
        "db_first_page: {:.1} ms from the click on {table} to its first row drawn (budget 300 ms)",
        first_page.as_secs_f64() * 1e3
    );
    println!(
        "RESULT db_first_page_ms {:.3}",
        first_page.as_secs_f64() * 1e3
    );
    // Scroll down one wheel notch per frame over the rows; pages are read as they come into view.
    let rows = h
        .query_all_by_label(first_text)
        .next()
        .context("the first row")?
        .rect();
    let over_rows = egui::pos2(rows.center().x, rows.center().y + 200.0);
    h.hover_at(over_rows);
    h.step();
    let mut times = Vec::with_capacity(FRAMES);
    for _ in 0..FRAMES {
        h.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Line,
            delta: egui::vec2(0.0, -3.0),
            modifiers: egui::Modifiers::NONE,
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Unknown,
        });
        times.push(frame(&mut h));
    }
    let drawn = h
        .query_all_by_label_contains("trace ")
        .filter_map(|n| n.accesskit_node().label().map(|l| l.to_string()))
        .next_back()
        .unwrap_or_default();
    println!("db scroll: the last row drawn after {FRAMES} frames reads \"{drawn}\"");
    report("frame_db_scroll_100k", times);
    Ok(())
}
