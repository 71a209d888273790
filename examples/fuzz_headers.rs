//! A structure-aware mutation fuzzer for what npyscope reads from untrusted objects: the `.npy` header parser
//! (then the data conversion of what it accepts) and the DataJoint blob reader (header from the first bytes, the
//! whole decode, the array path Load takes, the first-bytes sniffing). Seeded with every fixture in `tests/fixtures`
//! (written by numpy and by DataJoint), it mutates them as the formats invite: bit and byte flips, interesting
//! integers over length and dimension fields, the header text's tokens (digits, quotes, brackets, dtype letters),
//! cuts, repeats and splices of two seeds. Stable Rust, no coverage feedback: it runs for a stretch of time,
//! deterministic for a given seed, so any finding reproduces with the same arguments.
//!
//! ```text
//! cargo run --release --example fuzz_headers -- [SECONDS] [SEED] [CRASH_DIR]
//! ```
//!
//! A panic is caught, reported with the input's first bytes, and the input is written to `CRASH_DIR` (default
//! `target/fuzz-crashes`); an input taking over a second is reported as slow. Prints one summary line:
//! `fuzz_headers: N executions in S s (R/s), C crashes, slowest input M ms`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use npyscope::array::NdArray;
use npyscope::array::decoded::blob_array;
use npyscope::blob;
use npyscope::npy;

/// Small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Integers that break length and dimension arithmetic.
const INTERESTING: [u64; 14] = [
    0,
    1,
    2,
    7,
    255,
    256,
    65_535,
    65_536,
    (1 << 31) - 1,
    1 << 31,
    u32::MAX as u64,
    1 << 32,
    1 << 62,
    u64::MAX,
];

/// Bytes the `.npy` header text is made of.
const HEADER_TOKENS: &[&[u8]] = &[
    b"(",
    b")",
    b"[",
    b"]",
    b"{",
    b"}",
    b"'",
    b"\"",
    b",",
    b":",
    b"-",
    b"0",
    b"9",
    b"99999999999999999999",
    b"<f8",
    b">i4",
    b"|S0",
    b"<U0",
    b"|V0",
    b"<M8[ns]",
    b"O",
    b"True",
    b"False",
    b"None",
    b"\\x",
    b"\n",
    b" ",
    b"'descr'",
    b"'shape'",
    b"'fortran_order'",
    b"((((((((",
    b"[[[[[[[[",
];

fn seeds(root: &Path) -> Vec<Vec<u8>> {
    let mut found = Vec::new();
    for folder in ["tests/fixtures/npy", "tests/fixtures/blob"] {
        let Ok(entries) = std::fs::read_dir(root.join(folder)) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let keep = path.extension().is_some_and(|e| e == "npy" || e == "blob");
            if let (true, Ok(bytes)) = (keep, std::fs::read(&path)) {
                // Big seeds only slow the loop down: their first 64 KiB hold every header.
                found.push(bytes[..bytes.len().min(64 << 10)].to_vec());
            }
        }
    }
    found
}

fn mutate(rng: &mut Rng, input: &mut Vec<u8>, seeds: &[Vec<u8>]) {
    for _ in 0..1 + rng.below(6) {
        let len = input.len();
        match rng.below(9) {
            0 if len > 0 => {
                let at = rng.below(len);
                input[at] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let at = rng.below(len);
                input[at] = rng.next() as u8;
            }
            2 if len >= 4 => {
                // An interesting integer over a length or dimension field (4 or 8 bytes, little-endian).
                let value = INTERESTING[rng.below(INTERESTING.len())];
                let width = if rng.below(2) == 0 { 4 } else { 8 };
                let at = rng.below(len.saturating_sub(width - 1).max(1));
                let bytes = value.to_le_bytes();
                for (i, b) in bytes.iter().take(width).enumerate() {
                    if let Some(slot) = input.get_mut(at + i) {
                        *slot = *b;
                    }
                }
            }
            3 => {
                let token = HEADER_TOKENS[rng.below(HEADER_TOKENS.len())];
                let at = rng.below(len + 1);
                input.splice(at..at, token.iter().copied());
            }
            4 if len > 0 => {
                let token = HEADER_TOKENS[rng.below(HEADER_TOKENS.len())];
                let at = rng.below(len);
                let end = (at + token.len()).min(len);
                input.splice(at..end, token.iter().copied());
            }
            5 if len > 0 => {
                let at = rng.below(len);
                let end = (at + 1 + rng.below(16)).min(len);
                input.drain(at..end);
            }
            6 if len > 0 => input.truncate(rng.below(len)),
            7 if len > 0 && len < 1 << 20 => {
                let at = rng.below(len);
                let end = (at + 1 + rng.below(64)).min(len);
                let piece = input[at..end].to_vec();
                input.splice(at..at, piece);
            }
            _ => {
                // Splice: this input's start, another seed's rest.
                let other = &seeds[rng.below(seeds.len())];
                let cut = rng.below(len + 1);
                let from = rng.below(other.len() + 1);
                input.truncate(cut);
                input.extend_from_slice(&other[from..]);
            }
        }
    }
}

/// Runs every target on `input`; panics propagate to the caller's `catch_unwind`.
fn run_targets(input: &[u8]) {
    if let Ok(meta) = npy::parse_header(input) {
        let _ = meta.dtype.display_name();
        let _ = meta.dtype.descr_literal();
        let _ = npy::encode_header(&meta.dtype, meta.fortran_order, &meta.shape);
        let start = meta.data_offset as usize;
        if meta.nbytes <= 1 << 20
            && let Some(data) = input.get(start..start + meta.nbytes as usize)
        {
            let _ = NdArray::from_npy_data(&meta, data);
        }
    }
    let _ = npy::header_total_len(input);
    let _ = blob::sniff(input);
    let _ = blob::read_header(input, Some(input.len() as u64));
    let _ = blob::read_header(input, None);
    if let Ok(value) = blob::decode(input) {
        let _ = value.to_json();
        let _ = value.numeric_arrays().count();
        let _ = value.summary();
    }
    let _ = blob_array(input);
}

fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(60);
    let seed: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let crash_dir = args
        .next()
        .map_or_else(|| PathBuf::from("target/fuzz-crashes"), PathBuf::from);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let seeds = seeds(root);
    if seeds.is_empty() {
        eprintln!("fuzz_headers: no seeds under {}", root.display());
        std::process::exit(2);
    }
    std::panic::set_hook(Box::new(|_| {}));
    let mut rng = Rng(seed.max(1));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let (mut executions, mut crashes, mut slowest) = (0u64, 0u64, Duration::ZERO);
    while Instant::now() < deadline {
        let mut input = seeds[rng.below(seeds.len())].clone();
        mutate(&mut rng, &mut input, &seeds);
        let began = Instant::now();
        let outcome = std::panic::catch_unwind(|| run_targets(&input));
        let took = began.elapsed();
        executions += 1;
        if took > slowest {
            slowest = took;
        }
        if took > Duration::from_secs(1) {
            eprintln!(
                "slow input ({} ms), execution {executions}",
                took.as_millis()
            );
        }
        if let Err(panic) = outcome {
            crashes += 1;
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            let _ = std::fs::create_dir_all(&crash_dir);
            let file = crash_dir.join(format!("crash-{seed}-{executions}.bin"));
            let _ = std::fs::write(&file, &input);
            eprintln!(
                "crash at execution {executions}: {message} (input in {})",
                file.display()
            );
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "fuzz_headers: {executions} executions in {secs:.0} s ({:.0}/s), {crashes} crashes, slowest input {} ms",
        executions as f64 / secs,
        slowest.as_millis()
    );
    if crashes > 0 {
        std::process::exit(1);
    }
}
