//! Benchmark of `npyscope::signal`: min/max decimation of 1e8 float32 and 1e8 int16 samples to 2,000 columns (one
//! core and all cores), the machine's plain read bandwidth over the same bytes, the level-of-detail pyramid build
//! of a large float32 file in the page cache, pyramid view queries at random zooms (exact column rule and
//! block-aligned windows), and the pyramids of every channel of a (T, 384) float32 recording: `build_many` in one
//! pass vs `Pyramid::build` lane by lane.
//!
//! Data is written as `.npy` under `--dir` (default `$NPYSCOPE_BENCH_DIR` or /tmp/npyscope-bench) and reused by
//! later runs; `--f32 PATH` / `--i16 PATH` read existing 1-D files instead. Prints detail lines, then
//! `RESULT name value unit` lines that `benches/decimate_peer.py` sets beside tsdownsample's figures.
//!
//! `cargo run --release --example bench_decimate -- [--samples 1e8] [--pyramid-samples 1e9] [--width 2000]
//! [--rows 7e5] [--channels 384] [--loop-channels 16] [--only decimate|pyramid|many]`; `--simd-levels` prints
//! the instruction-set levels this CPU has (for `NPYSCOPE_SIMD`) and exits. The level in use is printed first
//! (`SIMD level`), with a warning on stderr when `NPYSCOPE_SIMD` could not be followed.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use rayon::prelude::*;

use npyscope::array::lane::lane;
use npyscope::array::{Lane, MapMode, MappedArray, Selection};
use npyscope::jobs::{CancellationToken, Progress};
use npyscope::npy::{DType, encode_header, header_total_len, parse_header, parse_typestr};
use npyscope::signal::{
    Pyramid, aligned_view, aligned_window, build_many, decimate, decimate_par, simd_level,
    simd_levels, simd_warning, view, view_par,
};

struct Args {
    dir: PathBuf,
    samples: u64,
    pyramid_samples: u64,
    width: usize,
    reps: usize,
    queries: usize,
    f32_path: Option<PathBuf>,
    i16_path: Option<PathBuf>,
    rows: u64,
    channels: u64,
    loop_channels: u64,
    only: Option<String>,
}

fn parse_args() -> anyhow::Result<Args> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let option = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let count = |name: &str, default: u64| -> anyhow::Result<u64> {
        match option(name) {
            // Accepts 1e8 as well as 100000000.
            Some(v) => {
                let f: f64 = v.parse().with_context(|| format!("{name} {v}"))?;
                Ok(f as u64)
            }
            None => Ok(default),
        }
    };
    let dir = option("--dir")
        .or_else(|| std::env::var("NPYSCOPE_BENCH_DIR").ok())
        .unwrap_or_else(|| "/tmp/npyscope-bench".to_string());
    Ok(Args {
        dir: PathBuf::from(dir),
        samples: count("--samples", 100_000_000)?,
        pyramid_samples: count("--pyramid-samples", 1_000_000_000)?,
        width: count("--width", 2000)? as usize,
        reps: count("--reps", 5)?.max(1) as usize,
        queries: count("--queries", 200)?.max(1) as usize,
        f32_path: option("--f32").map(PathBuf::from),
        i16_path: option("--i16").map(PathBuf::from),
        rows: count("--rows", 700_000)?.max(1),
        channels: count("--channels", 384)?.max(1),
        loop_channels: count("--loop-channels", 16)?.max(1),
        only: option("--only"),
    })
}

/// xorshift64*: deterministic data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
}

/// Samples per generated chunk (each chunk has its own seed, so chunks are made in parallel).
const CHUNK: u64 = 1 << 20;

/// A recording-like chunk in µV: drifting baseline, noise, and spikes (a 1.5 ms trough every ~100 ms at 30 kHz).
fn chunk(index: u64, len: usize) -> Vec<f32> {
    let mut rng = Rng((index + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let base = index * CHUNK;
    let mut out = Vec::with_capacity(len);
    let mut spike_at = (rng.next() % 3000) as usize;
    let mut amp = 0.0;
    for i in 0..len {
        let t = (base + i as u64) as f32;
        let noise = (rng.unit() + rng.unit() + rng.unit() - 1.5) * 12.0;
        let drift = 30.0 * (t * 2.0e-5).sin();
        if i == spike_at {
            amp = -60.0 - 150.0 * rng.unit();
            spike_at += 1000 + (rng.next() % 5000) as usize;
        }
        out.push(drift + noise + amp);
        amp *= 0.8;
    }
    out
}

/// Writes `n` samples of `descr` (`<f4` or `<i2`) to `path` unless a file of the right size is there already.
fn ensure_file(path: &Path, descr: &str, n: u64) -> anyhow::Result<()> {
    let dtype = DType::Scalar(parse_typestr(descr).map_err(|e| anyhow::anyhow!("{e}"))?);
    let header = encode_header(&dtype, false, &[n]);
    let size = header.len() as u64 + n * dtype.itemsize();
    if std::fs::metadata(path)
        .map(|m| m.len() == size)
        .unwrap_or(false)
    {
        eprintln!("reusing {}", path.display());
        return Ok(());
    }
    let start = Instant::now();
    let tmp = path.with_extension("npy.part");
    let mut w = BufWriter::with_capacity(1 << 22, File::create(&tmp)?);
    w.write_all(&header)?;
    let chunks = n.div_ceil(CHUNK);
    let batch = 64;
    for first in (0..chunks).step_by(batch) {
        let last = (first + batch as u64).min(chunks);
        let parts: Vec<Vec<u8>> = (first..last)
            .into_par_iter()
            .map(|c| {
                let len = (n - c * CHUNK).min(CHUNK) as usize;
                let v = chunk(c, len);
                if descr == "<i2" {
                    v.iter()
                        .flat_map(|x| {
                            ((x * 4.0).round().clamp(-32768.0, 32767.0) as i16).to_le_bytes()
                        })
                        .collect()
                } else {
                    v.iter().flat_map(|x| x.to_le_bytes()).collect()
                }
            })
            .collect();
        for p in parts {
            w.write_all(&p)?;
        }
    }
    w.flush()?;
    drop(w);
    std::fs::rename(&tmp, path)?;
    eprintln!(
        "wrote {} ({:.1} s)",
        path.display(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn map(path: &Path) -> anyhow::Result<MappedArray> {
    let mut head = vec![0u8; 4096];
    let mut f = File::open(path).with_context(|| path.display().to_string())?;
    let got = f.read(&mut head)?;
    head.truncate(got);
    let total = header_total_len(&head).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    if total as usize > head.len() {
        head.resize(total as usize, 0);
        f.read_exact(&mut head[got..])?;
    }
    let meta = parse_header(&head).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(MappedArray::map(path, meta, MapMode::ReadOnly)?)
}

fn lane_of(m: &MappedArray) -> anyhow::Result<Lane<'_>> {
    let meta = m.meta();
    if meta.ndim() != 1 {
        bail!(
            "the benchmark reads 1-D arrays; this one has shape {:?}",
            meta.shape
        );
    }
    Ok(lane(
        &meta.dtype,
        meta.fortran_order,
        &meta.shape,
        m.data(),
        None,
        &Selection::default(),
    )?)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<T>(reps: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::with_capacity(reps);
    let mut out = None;
    for _ in 0..reps {
        let start = Instant::now();
        let r = f();
        times.push(start.elapsed());
        out = Some(r);
    }
    (median(times), out.unwrap_or_else(f))
}

fn gbps(bytes: usize, t: Duration) -> f64 {
    bytes as f64 / t.as_secs_f64() / 1e9
}

/// The plain read: a wrapping sum of the bytes as u64 words, 8 accumulators, with the kernels' one prefetch per
/// 4 KiB page, 16 KiB ahead (without it this scan of a mapped file ran 9-23 % below the kernels on a Zen 4 EPYC,
/// and stopped being the ceiling it stands for).
fn sum_words(b: &[u8]) -> u64 {
    let (words, _) = b.as_chunks::<8>();
    let (blocks, rest) = words.as_chunks::<8>();
    let mut acc = [0u64; 8];
    for (k, page) in blocks.chunks(4096 / 64).enumerate() {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE is part of the x86-64 baseline; a prefetch never faults, wherever it points.
        unsafe {
            use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
            _mm_prefetch::<_MM_HINT_T0>(b.as_ptr().cast::<i8>().wrapping_add(k * 4096 + 16384));
        }
        for blk in page {
            for i in 0..8 {
                acc[i] = acc[i].wrapping_add(u64::from_le_bytes(blk[i]));
            }
        }
    }
    let tail: u64 = rest
        .iter()
        .map(|w| u64::from_le_bytes(*w))
        .fold(0, u64::wrapping_add);
    acc.iter().fold(tail, |a, &x| a.wrapping_add(x))
}

fn sum_words_par(b: &[u8]) -> u64 {
    b.par_chunks(1 << 20)
        .map(sum_words)
        .reduce(|| 0, u64::wrapping_add)
}

fn decimation(name: &str, path: &Path, args: &Args) -> anyhow::Result<()> {
    let m = map(path)?;
    let l = lane_of(&m)?;
    let bytes = m.data().len();
    let range = 0..l.len as u64;
    // Warm the page cache, then the plain read scan as the bandwidth ceiling.
    std::hint::black_box(sum_words_par(m.data()));
    let (t_read1, s1) = time(args.reps, || sum_words(std::hint::black_box(m.data())));
    let (t_readn, sn) = time(args.reps, || sum_words_par(std::hint::black_box(m.data())));
    if s1 != sn {
        bail!("read scans disagree");
    }
    let (t1, c1) = time(args.reps, || decimate(&l, range.clone(), args.width));
    let (tn, cn) = time(args.reps, || decimate_par(&l, range.clone(), args.width));
    let (c1, cn) = (c1?, cn?);
    if c1 != cn || c1.len() != args.width {
        bail!("single and multi-threaded decimation disagree");
    }
    println!(
        "{name}: {} samples ({:.0} MB), {} columns: read scan {:.2} GB/s (1 core), {:.2} GB/s (all cores); decimate {:.1} ms (1 core), {:.1} ms (all cores)",
        l.len,
        bytes as f64 / 1e6,
        args.width,
        gbps(bytes, t_read1),
        gbps(bytes, t_readn),
        t1.as_secs_f64() * 1e3,
        tn.as_secs_f64() * 1e3
    );
    println!("RESULT {name}_read_1t {:.3} GB/s", gbps(bytes, t_read1));
    println!("RESULT {name}_read_mt {:.3} GB/s", gbps(bytes, t_readn));
    println!("RESULT {name}_1t {:.3} GB/s", gbps(bytes, t1));
    println!("RESULT {name}_mt {:.3} GB/s", gbps(bytes, tn));
    Ok(())
}

/// Free bytes on the file system holding `dir` (from `df`), and the memory available for the page cache.
fn free_space(dir: &Path) -> (Option<u64>, Option<u64>) {
    let disk = std::process::Command::new("df")
        .arg("-Pk")
        .arg(dir)
        .output()
        .ok()
        .and_then(|o| {
            let text = String::from_utf8_lossy(&o.stdout).into_owned();
            let line = text.lines().nth(1)?.to_string();
            line.split_whitespace().nth(3)?.parse::<u64>().ok()
        })
        .map(|kb| kb * 1024);
    let mem = std::fs::read_to_string("/proc/meminfo").ok().and_then(|t| {
        t.lines()
            .find(|l| l.starts_with("MemAvailable:"))?
            .split_whitespace()
            .nth(1)?
            .parse::<u64>()
            .ok()
            .map(|kb| kb * 1024)
    });
    (disk, mem)
}

fn pyramid(args: &Args) -> anyhow::Result<()> {
    let n = args.pyramid_samples;
    let path = args.dir.join(format!("pyramid_f32_{n}.npy"));
    let need = n * 4;
    let exists = std::fs::metadata(&path)
        .map(|m| m.len() >= need)
        .unwrap_or(false);
    let (disk, mem) = free_space(&args.dir);
    if !exists && disk.is_some_and(|d| d < need + (1 << 30)) {
        println!(
            "pyramid: skipped: {} samples need {:.1} GB and {} has {:.1} GB free (use --pyramid-samples)",
            n,
            need as f64 / 1e9,
            args.dir.display(),
            disk.unwrap_or(0) as f64 / 1e9
        );
        return Ok(());
    }
    if mem.is_some_and(|m| m < need + (1 << 30)) {
        println!(
            "pyramid: note: {:.1} GB available memory may not keep the {:.1} GB file in the page cache",
            mem.unwrap_or(0) as f64 / 1e9,
            need as f64 / 1e9
        );
    }
    ensure_file(&path, "<f4", n)?;
    let m = map(&path)?;
    let l = lane_of(&m)?;
    let bytes = m.data().len();
    // First touch maps the pages (and reads the file if it is not cached yet); then time the plain read.
    std::hint::black_box(sum_words_par(m.data()));
    let (t_read, _) = time(2, || sum_words_par(std::hint::black_box(m.data())));
    let reps = args.reps.min(3);
    let (t_build, pyr) = time(reps, || {
        let progress = Progress::new(None);
        progress.set_total(l.len as u64);
        Pyramid::build(&l, &progress, &CancellationToken::new())
    });
    let pyr = pyr?;
    let levels: Vec<String> = pyr
        .levels()
        .map(|v| format!("{}×2^{}", v.blocks, v.block.trailing_zeros()))
        .collect();
    println!(
        "pyramid: {} f32 samples ({:.2} GB, page cache read {:.2} GB/s all cores): built in {:.2} s = {:.2} GB/s (all cores); {} bytes = {:.3} % of the array; levels {}",
        l.len,
        bytes as f64 / 1e9,
        gbps(bytes, t_read),
        t_build.as_secs_f64(),
        gbps(bytes, t_build),
        pyr.size_bytes(),
        100.0 * pyr.size_bytes() as f64 / bytes as f64,
        levels.join(", ")
    );
    println!("RESULT pyramid_build {:.3} GB/s", gbps(bytes, t_build));
    println!(
        "RESULT pyramid_size {:.4} %",
        100.0 * pyr.size_bytes() as f64 / bytes as f64
    );

    // Random zooms: log-uniform spans from 2 × width samples to the whole array, random positions.
    let mut rng = Rng(42);
    let len = l.len as u64;
    let lo = (2 * args.width as u64).min(len).max(1) as f64;
    let queries: Vec<std::ops::Range<u64>> = (0..args.queries)
        .map(|_| {
            let span = (lo * (len as f64 / lo).powf(rng.unit() as f64)) as u64;
            let start = (rng.next() % (len - span + 1)).min(len - span);
            start..start + span
        })
        .collect();
    // Sanity: the smallest queries equal direct decimation.
    for q in queries
        .iter()
        .filter(|q| q.end - q.start < 50_000_000)
        .take(5)
    {
        if view(&pyr, &l, q.clone(), args.width)? != decimate(&l, q.clone(), args.width)? {
            bail!("a pyramid view differs from direct decimation for {q:?}");
        }
    }
    let mut per: Vec<Duration> = Vec::with_capacity(queries.len());
    for q in &queries {
        let start = Instant::now();
        std::hint::black_box(view(&pyr, &l, q.clone(), args.width)?);
        per.push(start.elapsed());
    }
    let mean1 = per.iter().sum::<Duration>() / per.len() as u32;
    let worst1 = per.iter().max().copied().unwrap_or_default();
    let med1 = median(per);
    let start = Instant::now();
    for q in &queries {
        std::hint::black_box(view_par(&pyr, &l, q.clone(), args.width)?);
    }
    let meann = start.elapsed() / queries.len() as u32;
    println!(
        "pyramid view: {} queries at random zooms ({}..{} samples), {} columns: mean {:.0} µs, median {:.0} µs, worst {:.0} µs (1 core); mean {:.0} µs (all cores)",
        queries.len(),
        lo as u64,
        len,
        args.width,
        mean1.as_secs_f64() * 1e6,
        med1.as_secs_f64() * 1e6,
        worst1.as_secs_f64() * 1e6,
        meann.as_secs_f64() * 1e6
    );
    println!("RESULT view_1t {:.1} us", mean1.as_secs_f64() * 1e6);
    println!("RESULT view_mt {:.1} us", meann.as_secs_f64() * 1e6);
    aligned_queries("view_aligned", &pyr, &l, &queries, args)
}

/// Mean, median and worst of `per`.
fn stats(per: &[Duration]) -> (Duration, Duration, Duration) {
    let mean = per.iter().sum::<Duration>() / per.len().max(1) as u32;
    let worst = per.iter().max().copied().unwrap_or_default();
    (mean, median(per.to_vec()), worst)
}

/// Random zooms (`queries`) plus pans (a window of each zoom moved in 200 steps across the lane) through
/// `aligned_view`, one core, and the whole lane; prints detail and `RESULT {name}_*` lines.
fn aligned_queries(
    name: &str,
    pyr: &Pyramid,
    l: &Lane<'_>,
    queries: &[std::ops::Range<u64>],
    args: &Args,
) -> anyhow::Result<()> {
    let len = l.len as u64;
    // Exact: equal to direct decimation of the aligned request.
    for q in queries
        .iter()
        .filter(|q| q.end - q.start < 20_000_000)
        .take(5)
    {
        let (r, w) = aligned_window(pyr, l, q.clone(), args.width);
        if r.end <= len && aligned_view(pyr, l, q.clone(), args.width)? != decimate(l, r, w)? {
            bail!("an aligned view differs from direct decimation for {q:?}");
        }
    }
    let mut all = queries.to_vec();
    for span in [len / 1000, len / 50, len / 3] {
        let span = span.max(1);
        for step in 0..200u64 {
            let start = (len - span) * step / 200;
            all.push(start..start + span);
        }
    }
    let mut per: Vec<Duration> = Vec::with_capacity(all.len());
    let mut cols = 0usize;
    for q in &all {
        let start = Instant::now();
        let c = std::hint::black_box(aligned_view(pyr, l, q.clone(), args.width)?);
        per.push(start.elapsed());
        cols = cols.max(c.len());
    }
    if cols > args.width {
        bail!(
            "an aligned view has {cols} columns for width {}",
            args.width
        );
    }
    let (mean, med, worst) = stats(&per);
    let mut sorted = per.clone();
    sorted.sort();
    let p99 = sorted[(sorted.len() * 99 / 100).min(sorted.len() - 1)];
    let (t_full, full) = time(args.reps, || aligned_view(pyr, l, 0..len, args.width));
    let full = full?;
    let (t_full_exact, _) = time(args.reps, || view(pyr, l, 0..len, args.width));
    println!(
        "{name}: {} aligned queries (random zooms, and pans at 3 zooms) on {} samples (stride {} bytes), width {}: mean {:.1} µs, median {:.1} µs, 99th percentile {:.1} µs, worst {:.1} µs (1 core); whole lane ({} columns, ends at the lane's end) {:.0} µs vs exact-rule view {:.0} µs",
        all.len(),
        len,
        l.stride,
        args.width,
        mean.as_secs_f64() * 1e6,
        med.as_secs_f64() * 1e6,
        p99.as_secs_f64() * 1e6,
        worst.as_secs_f64() * 1e6,
        full.len(),
        t_full.as_secs_f64() * 1e6,
        t_full_exact.as_secs_f64() * 1e6
    );
    println!("RESULT {name}_median {:.1} us", med.as_secs_f64() * 1e6);
    println!("RESULT {name}_mean {:.1} us", mean.as_secs_f64() * 1e6);
    println!("RESULT {name}_p99 {:.1} us", p99.as_secs_f64() * 1e6);
    println!("RESULT {name}_worst {:.1} us", worst.as_secs_f64() * 1e6);
    println!("RESULT {name}_whole {:.1} us", t_full.as_secs_f64() * 1e6);
    Ok(())
}

/// Writes a (rows, channels) C-order float32 array (each channel a shifted recording-like signal) to `path`
/// unless a file of the right size is there already.
fn ensure_matrix(path: &Path, rows: u64, channels: u64) -> anyhow::Result<()> {
    let dtype = DType::Scalar(parse_typestr("<f4").map_err(|e| anyhow::anyhow!("{e}"))?);
    let header = encode_header(&dtype, false, &[rows, channels]);
    let size = header.len() as u64 + rows * channels * 4;
    if std::fs::metadata(path)
        .map(|m| m.len() == size)
        .unwrap_or(false)
    {
        eprintln!("reusing {}", path.display());
        return Ok(());
    }
    let start = Instant::now();
    let tmp = path.with_extension("npy.part");
    let mut w = BufWriter::with_capacity(1 << 22, File::create(&tmp)?);
    w.write_all(&header)?;
    // Rows in chunks of 4,096; each chunk's values from one 1-D chunk of samples spread over the channels.
    let chunk_rows = 4096u64;
    let chunks = rows.div_ceil(chunk_rows);
    for first in (0..chunks).step_by(64) {
        let last = (first + 64).min(chunks);
        let parts: Vec<Vec<u8>> = (first..last)
            .into_par_iter()
            .map(|c| {
                let r = (rows - c * chunk_rows).min(chunk_rows) as usize;
                let v = chunk(c * 131 + 7, r * channels as usize);
                v.iter().flat_map(|x| x.to_le_bytes()).collect()
            })
            .collect();
        for p in parts {
            w.write_all(&p)?;
        }
    }
    w.flush()?;
    drop(w);
    std::fs::rename(&tmp, path)?;
    eprintln!(
        "wrote {} ({:.1} s)",
        path.display(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Pyramids of every channel of a (T, C) float32 recording: `build_many` vs a loop of `Pyramid::build`.
fn many(args: &Args) -> anyhow::Result<()> {
    let (rows, ch) = (args.rows, args.channels);
    let path = args.dir.join(format!("multichannel_f32_{rows}x{ch}.npy"));
    ensure_matrix(&path, rows, ch)?;
    let m = map(&path)?;
    let meta = m.meta();
    let lanes: Vec<Lane<'_>> = (0..ch)
        .map(|c| {
            let sel = Selection {
                element: c,
                ..Selection::default()
            };
            lane(
                &meta.dtype,
                meta.fortran_order,
                &meta.shape,
                m.data(),
                None,
                &sel,
            )
        })
        .collect::<Result<_, _>>()?;
    let bytes = m.data().len();
    std::hint::black_box(sum_words_par(m.data()));
    let (t_read, _) = time(3, || sum_words_par(std::hint::black_box(m.data())));
    let reps = args.reps.min(3);
    let (t_many, pyrs) = time(reps, || {
        let progress = Progress::new(None);
        progress.set_total(rows * ch);
        build_many(&lanes, &progress, &CancellationToken::new())
    });
    let pyrs = pyrs?;
    // The per-lane loop on a subset of channels (each strided lane reads the whole file), extrapolated.
    let sub = (args.loop_channels.min(ch)) as usize;
    let start = Instant::now();
    let singles: Vec<Pyramid> = lanes[..sub]
        .iter()
        .map(|l| Pyramid::build(l, &Progress::new(None), &CancellationToken::new()))
        .collect::<Result<_, _>>()?;
    let t_sub = start.elapsed();
    if singles[..] != pyrs[..sub] {
        bail!("build_many differs from Pyramid::build");
    }
    let t_loop = t_sub.mul_f64(ch as f64 / sub as f64);
    println!(
        "build_many: ({rows}, {ch}) float32 C-order ({:.2} GB, page cache read {:.2} GB/s all cores): all {ch} pyramids in {:.2} s = {:.2} GB/s (all cores); Pyramid::build lane by lane: {sub} lanes in {:.2} s, extrapolated to {ch} lanes {:.1} s = {:.3} GB/s; speed-up {:.0}×",
        bytes as f64 / 1e9,
        gbps(bytes, t_read),
        t_many.as_secs_f64(),
        gbps(bytes, t_many),
        t_sub.as_secs_f64(),
        t_loop.as_secs_f64(),
        gbps(bytes, t_loop),
        t_loop.as_secs_f64() / t_many.as_secs_f64()
    );
    println!("RESULT build_many {:.3} GB/s", gbps(bytes, t_many));
    println!(
        "RESULT build_loop_extrapolated {:.3} GB/s",
        gbps(bytes, t_loop)
    );

    // Views of one strided channel (every value a cache miss): exact rule vs aligned.
    let l = lanes[7.min(lanes.len() - 1)];
    let pyr = &pyrs[7.min(pyrs.len() - 1)];
    let len = l.len as u64;
    let mut rng = Rng(7);
    let lo = (2 * args.width as u64).min(len).max(1) as f64;
    let queries: Vec<std::ops::Range<u64>> = (0..args.queries)
        .map(|_| {
            let span = (lo * (len as f64 / lo).powf(rng.unit() as f64)) as u64;
            let start = (rng.next() % (len - span + 1)).min(len - span);
            start..start + span
        })
        .collect();
    let mut per = Vec::with_capacity(queries.len());
    for q in &queries {
        let start = Instant::now();
        std::hint::black_box(view(pyr, &l, q.clone(), args.width)?);
        per.push(start.elapsed());
    }
    let (mean, med, worst) = stats(&per);
    println!(
        "view_strided: {} exact-rule queries at random zooms on channel 7 ({} samples, stride {} bytes), width {}: mean {:.0} µs, median {:.0} µs, worst {:.0} µs (1 core)",
        queries.len(),
        len,
        l.stride,
        args.width,
        mean.as_secs_f64() * 1e6,
        med.as_secs_f64() * 1e6,
        worst.as_secs_f64() * 1e6
    );
    println!(
        "RESULT view_strided_median {:.1} us",
        med.as_secs_f64() * 1e6
    );
    aligned_queries("view_aligned_strided", pyr, &l, &queries, args)
}

fn main() -> anyhow::Result<()> {
    if std::env::args().any(|a| a == "--simd-levels") {
        println!("{}", simd_levels().join(" "));
        return Ok(());
    }
    if let Some(w) = simd_warning() {
        eprintln!("warning: {w}");
    }
    println!("SIMD {}", simd_level());
    let args = parse_args()?;
    std::fs::create_dir_all(&args.dir)?;
    let f32_path = match &args.f32_path {
        Some(p) => p.clone(),
        None => {
            let p = args.dir.join(format!("decimate_f32_{}.npy", args.samples));
            ensure_file(&p, "<f4", args.samples)?;
            p
        }
    };
    let i16_path = match &args.i16_path {
        Some(p) => p.clone(),
        None => {
            let p = args.dir.join(format!("decimate_i16_{}.npy", args.samples));
            ensure_file(&p, "<i2", args.samples)?;
            p
        }
    };
    println!("FILE f32 {}", f32_path.display());
    println!("FILE i16 {}", i16_path.display());
    println!("threads: {}", rayon::current_num_threads());
    let run = |part: &str| args.only.as_deref().is_none_or(|o| o == part);
    if run("decimate") {
        decimation("decimate_f32", &f32_path, &args)?;
        decimation("decimate_i16", &i16_path, &args)?;
    }
    if run("pyramid") {
        pyramid(&args)?;
    }
    if run("many") {
        many(&args)?;
    }
    Ok(())
}
