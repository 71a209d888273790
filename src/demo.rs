//! The built-in demo store: a local folder in DataJoint's schema-addressed layout holding
//! synthetic but realistic recordings, made on first run, deterministically, in Rust.
//!
//! Beside the `.npy` arrays of `<npy@>` attributes, a `behavior` table's `<blob@>` attributes lie
//! under `_hash/demo_ephys/` as DataJoint packs them (zlib-compressed when that is shorter) and
//! names them (base32 of the MD5 of the bytes), so the first run shows both kinds.
//!
//! A new user sees data at once, without a config. The folder lives in the app's data folder
//! (`NPYSCOPE_DEMO_DIR` overrides it); a marker file records the version of its contents so a
//! newer release can rebuild it.

use std::f64::consts::TAU;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::blob::{PackType, pack_array};
use crate::npy::{ByteOrder, DType, Field, ScalarKind, ScalarType, encode_header};

/// Name of the marker file written last: its presence means the demo store is complete.
const MARKER: &str = ".npyscope-demo-v3";

/// The folder the window opens the demo store at: its first DataJoint table (a row per
/// session, a column per attribute), so a new user starts one double click from a plot.
pub const FIRST_TABLE: &str = "_schema/demo_ephys/recording";

/// Environment variable that moves the demo store (tests point it at a temporary folder).
pub const DEMO_DIR_ENV: &str = "NPYSCOPE_DEMO_DIR";

/// Where the demo store lives: `$NPYSCOPE_DEMO_DIR`, else `<data dir>/demo-store`.
pub fn demo_dir() -> io::Result<PathBuf> {
    if let Some(dir) = std::env::var_os(DEMO_DIR_ENV) {
        return Ok(PathBuf::from(dir));
    }
    let dirs = directories::ProjectDirs::from("org", "npyscope", "npyscope").ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!("no home folder to put the demo store in; set {DEMO_DIR_ENV}"),
        )
    })?;
    Ok(dirs.data_dir().join("demo-store"))
}

/// Makes the demo store unless it is already complete; returns its folder.
pub fn ensure_demo_store() -> io::Result<PathBuf> {
    let dir = demo_dir()?;
    if !dir.join(MARKER).is_file() {
        write_demo_store(&dir).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot make the demo store in {}: {e}", dir.display()),
            )
        })?;
    }
    Ok(dir)
}

/// Writes every demo array into `dir` (in DataJoint's layout), then the marker.
pub fn write_demo_store(dir: &Path) -> io::Result<()> {
    for array in demo_arrays() {
        write_npy(
            &dir.join(&array.path),
            &array.dtype,
            array.fortran_order,
            &array.shape,
            &array.data,
        )?;
    }
    for (path, bytes) in demo_blobs() {
        let file = dir.join(path);
        if let Some(parent) = file.parent() {
            fs::create_dir_all(parent)?;
        }
        let tmp = file.with_extension("partial");
        fs::write(&tmp, bytes)?;
        fs::rename(&tmp, &file)?;
    }
    fs::write(dir.join(MARKER), "npyscope demo store, format 3\n")
}

/// DataJoint's name of a hash-addressed object: base32 (RFC 4648, lower case, no padding) of the
/// MD5 of its bytes (`hash_registry.py` `compute_hash`).
fn content_hash(bytes: &[u8]) -> String {
    use md5::Digest;
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let digest = md5::Md5::digest(bytes);
    let mut out = String::with_capacity(26);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &byte in digest.iter() {
        acc = (acc << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((acc >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((acc << (5 - bits)) & 31) as usize]));
    }
    out
}

/// The `<blob@>` objects of the demo's `behavior` table (running speed and pupil position of each
/// session at 100 Hz, trial start times), as `_hash/demo_ephys/{hash}` paths and blob bytes.
fn demo_blobs() -> Vec<(String, Vec<u8>)> {
    let mut rng = Rng(7);
    let mut blobs = Vec::new();
    for seconds in [10usize, 3, 2] {
        let n = seconds * 100;
        let mut speed = 0.0f64;
        let running: Vec<u8> = (0..n)
            .flat_map(|_| {
                speed = (speed * 0.98 + rng.normal()).max(0.0);
                speed.to_le_bytes()
            })
            .collect();
        blobs.push(pack_array(PackType::F64, &[n as u64], &running));
        // Column-major (n, 2): every x, then every y.
        let pupil: Vec<u8> = (0..2 * n)
            .flat_map(|i| {
                let t = (i % n) as f64 / 100.0;
                let base = if i < n {
                    (t * 0.7).sin()
                } else {
                    (t * 0.3).cos()
                };
                ((base * 5.0 + 0.3 * rng.normal()) as f32).to_le_bytes()
            })
            .collect();
        blobs.push(pack_array(PackType::F32, &[n as u64, 2], &pupil));
        let trials: Vec<u8> = (0..seconds as i64 * 2)
            .flat_map(|k| (k * 50 + 7).to_le_bytes())
            .collect();
        blobs.push(pack_array(
            PackType::I64,
            &[trials.len() as u64 / 8],
            &trials,
        ));
    }
    blobs
        .into_iter()
        .map(|bytes| (format!("_hash/demo_ephys/{}", content_hash(&bytes)), bytes))
        .collect()
}

/// One array of the demo store.
struct DemoArray {
    path: String,
    dtype: DType,
    fortran_order: bool,
    shape: Vec<u64>,
    data: Vec<u8>,
}

fn scalar(order: ByteOrder, kind: ScalarKind) -> DType {
    DType::Scalar(ScalarType { order, kind })
}

fn f32_le() -> DType {
    scalar(ByteOrder::Little, ScalarKind::Float(4))
}

/// Writes one `.npy` file through a temporary name, so a cut-short run leaves no half file.
fn write_npy(
    path: &Path,
    dtype: &DType,
    fortran_order: bool,
    shape: &[u64],
    data: &[u8],
) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let tmp = path.with_extension("npy.partial");
    {
        let mut out = BufWriter::new(fs::File::create(&tmp)?);
        out.write_all(&encode_header(dtype, fortran_order, shape))?;
        out.write_all(data)?;
        out.flush()?;
    }
    fs::rename(&tmp, path)
}

/// A small deterministic generator (SplitMix64): the same bytes on every machine and release.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(1e-300);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (TAU * u2).cos()
    }
}

/// A DataJoint token (`A–Z a–z 0–9 - _`), derived from the attribute so paths never change.
fn token(seed: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut rng = Rng(seed.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    }));
    (0..8)
        .map(|_| ALPHABET[(rng.next_u64() % 64) as usize] as char)
        .collect()
}

fn object_path(schema: &str, table: &str, key: &[(&str, &str)], attribute: &str) -> String {
    let mut path = format!("_schema/{schema}/{table}");
    for (name, value) in key {
        path.push_str(&format!("/{name}={value}"));
    }
    let token = token(&format!("{path}/{attribute}"));
    format!("{path}/{attribute}_{token}.npy")
}

fn le_f32(values: impl Iterator<Item = f32>) -> Vec<u8> {
    values.flat_map(f32::to_le_bytes).collect()
}

/// Sampling rate of the demo recordings, in Hz.
const RATE_HZ: f64 = 30_000.0;

/// A probe recording of `samples` × `channels` float32: noise, 60 Hz hum, and spikes of a few
/// units; with the spike times (in samples).
fn probe_recording(rng: &mut Rng, samples: usize, channels: usize) -> (Vec<f32>, Vec<i64>) {
    let mut wave = vec![0f32; samples * channels];
    for t in 0..samples {
        let hum = 12.0 * (TAU * 60.0 * t as f64 / RATE_HZ).sin();
        for c in 0..channels {
            wave[t * channels + c] = (hum + 8.0 * rng.normal()) as f32;
        }
    }
    let mut spike_times: Vec<i64> = Vec::new();
    let mut t = 0usize;
    while t < samples.saturating_sub(60) {
        t += 150 + (rng.uniform() * 3000.0) as usize;
        if t >= samples.saturating_sub(60) {
            break;
        }
        spike_times.push(t as i64);
        let unit_channel = (rng.uniform() * channels as f64) as usize;
        let amplitude = 80.0 + 120.0 * rng.uniform();
        for (i, shape) in (0..48).map(|i| (i, spike_shape(i as f64))) {
            for c in unit_channel.saturating_sub(2)..(unit_channel + 3).min(channels) {
                let falloff = 1.0 / (1.0 + (c as f64 - unit_channel as f64).abs());
                wave[(t + i) * channels + c] += (amplitude * shape * falloff) as f32;
            }
        }
    }
    (wave, spike_times)
}

fn demo_arrays() -> Vec<DemoArray> {
    let session = [("subject_id", "mouse01"), ("session", "1")];
    let mut arrays = Vec::new();

    // 10 s of a 32-channel probe at 30 kHz for session 1; shorter sessions beside it, so the
    // recording table has several rows.
    let mut rng = Rng(1);
    let mut spike_times: Vec<i64> = Vec::new();
    for (subject, session_id, seconds) in [
        ("mouse01", "1", 10),
        ("mouse01", "2", 3),
        ("mouse02", "1", 2),
    ] {
        let key = [("subject_id", subject), ("session", session_id)];
        let samples = seconds * RATE_HZ as usize;
        let (wave, spikes) = probe_recording(&mut rng, samples, 32);
        arrays.push(DemoArray {
            path: object_path("demo_ephys", "recording", &key, "waveform"),
            dtype: f32_le(),
            fortran_order: false,
            shape: vec![samples as u64, 32],
            data: le_f32(wave.into_iter()),
        });
        arrays.push(DemoArray {
            path: object_path("demo_ephys", "recording", &key, "spike_times"),
            dtype: scalar(ByteOrder::Little, ScalarKind::Int(8)),
            fortran_order: false,
            shape: vec![spikes.len() as u64],
            data: spikes.iter().flat_map(|v| v.to_le_bytes()).collect(),
        });
        arrays.push(DemoArray {
            path: object_path("demo_ephys", "recording", &key, "sampling_rate"),
            dtype: scalar(ByteOrder::Little, ScalarKind::Float(8)),
            fortran_order: false,
            shape: vec![],
            data: RATE_HZ.to_le_bytes().to_vec(),
        });
        if spike_times.is_empty() {
            spike_times = spikes;
        }
    }

    // LFP: 16 channels at 2.5 kHz for 60 s, theta and gamma rhythms; stored in Fortran order.
    let (lfp_samples, lfp_channels) = (150_000usize, 16usize);
    let mut lfp = vec![0f32; lfp_samples * lfp_channels];
    for c in 0..lfp_channels {
        let phase = c as f64 * 0.3;
        for t in 0..lfp_samples {
            let s = t as f64 / 2500.0;
            let v = 150.0 * (TAU * 8.0 * s + phase).sin()
                + 30.0 * (TAU * 40.0 * s).sin()
                + 20.0 * rng.normal();
            lfp[c * lfp_samples + t] = v as f32; // column-major: channel by channel
        }
    }
    arrays.push(DemoArray {
        path: object_path("demo_ephys", "lfp", &session, "lfp"),
        dtype: f32_le(),
        fortran_order: true,
        shape: vec![lfp_samples as u64, lfp_channels as u64],
        data: le_f32(lfp.into_iter()),
    });

    // Spectrogram of channel 0: complex64, 257 frequencies × 400 frames.
    let (freqs, frames) = (257usize, 400usize);
    let mut spec = Vec::with_capacity(freqs * frames * 8);
    for f in 0..freqs {
        for k in 0..frames {
            let power = (-((f as f64 - 16.0).powi(2)) / 40.0).exp()
                * (1.0 + 0.5 * (k as f64 / 25.0).sin())
                + 0.05 * rng.uniform();
            let angle = TAU * rng.uniform();
            spec.extend_from_slice(&((power * angle.cos()) as f32).to_le_bytes());
            spec.extend_from_slice(&((power * angle.sin()) as f32).to_le_bytes());
        }
    }
    arrays.push(DemoArray {
        path: object_path("demo_ephys", "spectrogram", &session, "stft"),
        dtype: scalar(ByteOrder::Little, ScalarKind::Complex(8)),
        fortran_order: false,
        shape: vec![freqs as u64, frames as u64],
        data: spec,
    });

    // Detected events: a structured array with a sub-array field.
    let events = spike_times.len().min(500);
    let event_dtype = DType::Structured(vec![
        Field {
            name: "time_s".into(),
            title: None,
            dtype: scalar(ByteOrder::Little, ScalarKind::Float(8)),
            shape: vec![],
            levels: Vec::new(),
        },
        Field {
            name: "channel".into(),
            title: None,
            dtype: scalar(ByteOrder::Little, ScalarKind::Int(2)),
            shape: vec![],
            levels: Vec::new(),
        },
        Field {
            name: "amplitude_uv".into(),
            title: None,
            dtype: f32_le(),
            shape: vec![],
            levels: Vec::new(),
        },
        Field {
            name: "snippet".into(),
            title: None,
            dtype: f32_le(),
            shape: vec![8],
            levels: Vec::new(),
        },
    ]);
    let mut event_bytes = Vec::new();
    for &time in spike_times.iter().take(events) {
        event_bytes.extend_from_slice(&(time as f64 / RATE_HZ).to_le_bytes());
        event_bytes.extend_from_slice(&((time % 32) as i16).to_le_bytes());
        event_bytes.extend_from_slice(&((80.0 + 120.0 * rng.uniform()) as f32).to_le_bytes());
        for i in 0..8 {
            event_bytes
                .extend_from_slice(&((100.0 * spike_shape(i as f64 * 6.0)) as f32).to_le_bytes());
        }
    }
    arrays.push(DemoArray {
        path: object_path("demo_ephys", "spike_event", &session, "events"),
        dtype: event_dtype,
        fortran_order: false,
        shape: vec![events as u64],
        data: event_bytes,
    });

    // Two-photon imaging: 60 frames of 128 × 128 uint16 with a few blinking cells.
    let scan = [("subject_id", "mouse%2F02"), ("scan_id", "3")];
    let (n_frames, side) = (60usize, 128usize);
    let cells: Vec<(f64, f64, f64)> = (0..12)
        .map(|_| {
            (
                rng.uniform() * side as f64,
                rng.uniform() * side as f64,
                rng.uniform() * TAU,
            )
        })
        .collect();
    let mut frames_bytes = Vec::with_capacity(n_frames * side * side * 2);
    for f in 0..n_frames {
        for y in 0..side {
            for x in 0..side {
                let mut v = 400.0 + 40.0 * rng.normal();
                for &(cx, cy, phase) in &cells {
                    let d2 = (x as f64 - cx).powi(2) + (y as f64 - cy).powi(2);
                    let brightness = 1.0 + (f as f64 / 6.0 + phase).sin().max(0.0) * 3.0;
                    v += 600.0 * brightness * (-d2 / 18.0).exp();
                }
                frames_bytes.extend_from_slice(&(v.clamp(0.0, 65535.0) as u16).to_le_bytes());
            }
        }
    }
    arrays.push(DemoArray {
        path: object_path("demo_imaging", "scan", &scan, "frames"),
        dtype: scalar(ByteOrder::Little, ScalarKind::UInt(2)),
        fortran_order: false,
        shape: vec![n_frames as u64, side as u64, side as u64],
        data: frames_bytes,
    });
    arrays
}

/// A spike's shape at sample `i` of its 48-sample window: a sharp trough, then a slow bump.
fn spike_shape(i: f64) -> f64 {
    -(-((i - 12.0).powi(2)) / 6.0).exp() + 0.35 * (-((i - 22.0).powi(2)) / 30.0).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_names_as_datajoint() {
        // base32(md5) of an attachment DataJoint stored (DATAJOINT.md §4).
        assert_eq!(
            content_hash(b"notes.txt\0hello attach\n"),
            "omg6hawxq4aey7kmkmgbmcefdm"
        );
        let blobs = demo_blobs();
        assert_eq!(blobs.len(), 9);
        assert!(
            blobs
                .iter()
                .all(|(p, _)| p.len() == "_hash/demo_ephys/".len() + 26)
        );
    }
}
