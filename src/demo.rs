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
const MARKER: &str = ".npyscope-demo-v4";

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
    fs::write(dir.join(MARKER), "npyscope demo store, format 4\n")
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

/// Samples of a spike's window, and where in it the trough lies.
const SPIKE_WINDOW: usize = 60;
/// The trough's sample in the spike window.
const SPIKE_TROUGH: usize = 15;
/// No unit fires twice within this many samples (2 ms).
const REFRACTORY: f64 = 60.0;
/// Frequency of the probe's theta rhythm, in Hz.
const THETA_HZ: f64 = 8.0;
/// Standard deviation of the probe's noise, in µV.
const NOISE_UV: f64 = 6.0;

/// A unit of the demo probe: where its spikes are largest and how it fires.
struct Unit {
    /// Channel of its largest spike (neighbours see it smaller).
    channel: usize,
    /// Depth of its trough on that channel, in µV.
    amplitude: f64,
    /// Mean firing rate, in Hz.
    rate: f64,
    /// Width of its trough, in samples (narrow: a fast-spiking interneuron).
    width: f64,
    /// How strongly its firing follows the theta phase (0 not at all, 1 fully).
    locking: f64,
}

/// The probe's units: a handful of pyramidal cells and one fast-spiking interneuron, five or more
/// channels apart so their spikes do not overlap.
const UNITS: [Unit; 6] = [
    Unit {
        channel: 4,
        amplitude: 160.0,
        rate: 10.0,
        width: 3.5,
        locking: 0.6,
    },
    Unit {
        channel: 10,
        amplitude: 110.0,
        rate: 4.0,
        width: 4.0,
        locking: 0.3,
    },
    Unit {
        channel: 15,
        amplitude: 220.0,
        rate: 7.0,
        width: 3.5,
        locking: 0.5,
    },
    Unit {
        channel: 21,
        amplitude: 90.0,
        rate: 15.0,
        width: 2.2,
        locking: 0.8,
    },
    Unit {
        channel: 26,
        amplitude: 140.0,
        rate: 3.0,
        width: 4.5,
        locking: 0.2,
    },
    Unit {
        channel: 31,
        amplitude: 120.0,
        rate: 5.0,
        width: 3.5,
        locking: 0.4,
    },
];

/// One spike placed in a recording.
struct Spike {
    /// Sample of its trough.
    time: usize,
    /// Index of its unit in [`UNITS`].
    unit: usize,
    /// Depth of its trough on the unit's channel, in µV.
    amplitude: f64,
}

/// A unit's spike shape at sample `i` of its window, trough −1 at [`SPIKE_TROUGH`]: a sharp
/// trough `width` samples wide, then a slower positive repolarisation.
fn unit_shape(i: f64, width: f64) -> f64 {
    let trough = SPIKE_TROUGH as f64;
    let bump_at = trough + 3.5 * width;
    let bump_width = 2.3 * width;
    -(-((i - trough) / width).powi(2) / 2.0).exp()
        + 0.3 * (-((i - bump_at) / bump_width).powi(2) / 2.0).exp()
}

/// How much of a spike channel `c` sees from a unit on `channel` (nothing beyond four channels).
fn falloff(c: usize, channel: usize) -> f64 {
    let d = c.abs_diff(channel);
    if d > 4 {
        0.0
    } else {
        (-((d * d) as f64) / (2.0 * 1.5 * 1.5)).exp()
    }
}

/// The theta phase of channel `c` at sample `t` (it shifts across the probe).
fn theta_phase(t: f64, c: usize) -> f64 {
    TAU * THETA_HZ * t / RATE_HZ + 0.08 * c as f64
}

/// The spike troughs of `unit` over `samples`: a Poisson train at its rate, more likely near the theta
/// trough (by its locking), never within [`REFRACTORY`] of the last, each with its amplitude.
fn spike_train(rng: &mut Rng, unit: usize, u: &Unit, samples: usize) -> Vec<Spike> {
    let mut spikes = Vec::new();
    let peak_rate = u.rate * (1.0 + u.locking);
    let (first, end) = (
        SPIKE_TROUGH as f64,
        samples.saturating_sub(SPIKE_WINDOW) as f64,
    );
    let mut t = first;
    let mut last = f64::NEG_INFINITY;
    loop {
        t += -(1.0 - rng.uniform()).ln() / peak_rate * RATE_HZ;
        if t >= end {
            return spikes;
        }
        let phase = theta_phase(t, u.channel);
        let accept = (1.0 - u.locking * phase.sin()) / (1.0 + u.locking);
        if rng.uniform() < accept && t - last >= REFRACTORY {
            last = t;
            spikes.push(Spike {
                time: t as usize,
                unit,
                amplitude: u.amplitude * (0.9 + 0.2 * rng.uniform()),
            });
        }
    }
}

/// A probe recording of `samples` × `channels` float32 in µV, as a wideband 30 kHz recording
/// looks: small noise, a theta rhythm whose phase shifts across the channels, a slow drift, and
/// the spikes of [`UNITS`], each spreading to its neighbours; with the spikes, in time order.
fn probe_recording(rng: &mut Rng, samples: usize, channels: usize) -> (Vec<f32>, Vec<Spike>) {
    let mut wave = vec![0f32; samples * channels];
    let shift: Vec<(f64, f64)> = (0..channels)
        .map(|c| theta_phase(0.0, c).sin_cos())
        .collect();
    let mut drift = 0.0f64;
    for t in 0..samples {
        let s = t as f64 / RATE_HZ;
        let (sin, cos) = (TAU * THETA_HZ * s).sin_cos();
        let theta_amp = 70.0 * (1.0 + 0.3 * (TAU * 0.3 * s).sin());
        let hum = 2.0 * (TAU * 60.0 * s).sin();
        drift = 0.9995 * drift + 0.3 * rng.normal();
        for (c, &(sin_c, cos_c)) in shift.iter().enumerate() {
            // sin(a + b) with b the channel's phase shift.
            let theta = theta_amp * (sin * cos_c + cos * sin_c);
            let v = theta + drift + hum + NOISE_UV * rng.normal();
            wave[t * channels + c] = v as f32;
        }
    }
    let mut spikes: Vec<Spike> = UNITS
        .iter()
        .enumerate()
        .filter(|(_, u)| u.channel < channels)
        .flat_map(|(i, u)| spike_train(rng, i, u, samples))
        .collect();
    spikes.sort_by_key(|s| s.time);
    for spike in &spikes {
        let u = &UNITS[spike.unit];
        let start = spike.time - SPIKE_TROUGH;
        for c in u.channel.saturating_sub(4)..(u.channel + 5).min(channels) {
            let scale = spike.amplitude * falloff(c, u.channel);
            for i in 0..SPIKE_WINDOW {
                wave[(start + i) * channels + c] += (scale * unit_shape(i as f64, u.width)) as f32;
            }
        }
    }
    (wave, spikes)
}

fn demo_arrays() -> Vec<DemoArray> {
    let session = [("subject_id", "mouse01"), ("session", "1")];
    let mut arrays = Vec::new();

    // 10 s of a 32-channel probe at 30 kHz for session 1; shorter sessions beside it, so the
    // recording table has several rows.
    let mut rng = Rng(1);
    let mut first_spikes: Vec<Spike> = Vec::new();
    for (subject, session_id, seconds) in [
        ("mouse01", "1", 10),
        ("mouse01", "2", 3),
        ("mouse02", "1", 2),
    ] {
        let key = [("subject_id", subject), ("session", session_id)];
        let samples = seconds * RATE_HZ as usize;
        let (wave, spikes) = probe_recording(&mut rng, samples, 32);
        let times: Vec<i64> = spikes.iter().map(|s| s.time as i64).collect();
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
            shape: vec![times.len() as u64],
            data: times.iter().flat_map(|v| v.to_le_bytes()).collect(),
        });
        arrays.push(DemoArray {
            path: object_path("demo_ephys", "recording", &key, "sampling_rate"),
            dtype: scalar(ByteOrder::Little, ScalarKind::Float(8)),
            fortran_order: false,
            shape: vec![],
            data: RATE_HZ.to_le_bytes().to_vec(),
        });
        if first_spikes.is_empty() {
            first_spikes = spikes;
        }
    }

    // LFP: 16 channels at 2.5 kHz for 60 s: theta whose phase shifts across the channels, gamma
    // nested in its peaks, a slow drift and noise; stored in Fortran order.
    let (lfp_samples, lfp_channels) = (150_000usize, 16usize);
    let mut lfp = vec![0f32; lfp_samples * lfp_channels];
    for c in 0..lfp_channels {
        let phase = c as f64 * 0.3;
        let mut drift = 0.0f64;
        for t in 0..lfp_samples {
            let s = t as f64 / 2500.0;
            let theta = (TAU * 8.0 * s + phase).sin();
            let gamma = 15.0 * (1.0 + theta) * (TAU * 40.0 * s).sin();
            drift = 0.995 * drift + 3.0 * rng.normal();
            let v = 150.0 * theta + gamma + drift + 10.0 * rng.normal();
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

    // Detected events (a structured array with a sub-array field): the first session's spikes,
    // with their unit's channel and waveform.
    let events = first_spikes.len().min(500);
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
    for spike in first_spikes.iter().take(events) {
        let unit = &UNITS[spike.unit];
        event_bytes.extend_from_slice(&(spike.time as f64 / RATE_HZ).to_le_bytes());
        event_bytes.extend_from_slice(&(unit.channel as i16).to_le_bytes());
        event_bytes.extend_from_slice(&(spike.amplitude as f32).to_le_bytes());
        for i in 0..8 {
            let shape = unit_shape(i as f64 * 7.0, unit.width);
            event_bytes.extend_from_slice(&((spike.amplitude * shape) as f32).to_le_bytes());
        }
    }
    arrays.push(DemoArray {
        path: object_path("demo_ephys", "spike_event", &session, "events"),
        dtype: event_dtype,
        fortran_order: false,
        shape: vec![events as u64],
        data: event_bytes,
    });

    // Two-photon imaging: 60 frames (10 Hz) of 128 × 128 uint16: a dozen cells (bright rims around
    // darker nuclei) whose calcium transients rise at once and decay over about a second, on a dim
    // background with shot noise.
    let scan = [("subject_id", "mouse%2F02"), ("scan_id", "3")];
    let (n_frames, side) = (60usize, 128usize);
    let cells: Vec<(f64, f64)> = (0..12)
        .map(|_| (rng.uniform() * side as f64, rng.uniform() * side as f64))
        .collect();
    // Each cell's ΔF/F per frame: events at about 0.4 Hz, each adding 1 to 3, decaying over 8 frames.
    let activity: Vec<Vec<f64>> = cells
        .iter()
        .map(|_| {
            let mut level = 0.0f64;
            (0..n_frames)
                .map(|_| {
                    level *= (-1.0f64 / 8.0).exp();
                    if rng.uniform() < 0.04 {
                        level += 1.0 + 2.0 * rng.uniform();
                    }
                    level
                })
                .collect()
        })
        .collect();
    let mut frames_bytes = Vec::with_capacity(n_frames * side * side * 2);
    for f in 0..n_frames {
        for y in 0..side {
            for x in 0..side {
                let mut v = 400.0;
                for (&(cx, cy), level) in cells.iter().zip(&activity) {
                    let d2 = (x as f64 - cx).powi(2) + (y as f64 - cy).powi(2);
                    let soma = (-d2 / 18.0).exp() * (1.0 - 0.6 * (-d2 / 4.0).exp());
                    v += 600.0 * (1.0 + level[f]) * soma;
                }
                v += 2.0 * v.sqrt() * rng.normal();
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The array of `demo_arrays()` whose path has `part`.
    fn array<'a>(arrays: &'a [DemoArray], part: &str) -> &'a DemoArray {
        arrays
            .iter()
            .find(|a| a.path.contains(part))
            .unwrap_or_else(|| panic!("no demo array with {part}"))
    }

    #[test]
    fn spikes_lie_where_spike_times_say() {
        let arrays = demo_arrays();
        let session = "recording/subject_id=mouse01/session=1/";
        let wave = array(&arrays, &format!("{session}waveform_"));
        assert_eq!(wave.shape, vec![300_000, 32]);
        let wave: Vec<f32> = wave
            .data
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let at = |t: usize, c: usize| f64::from(wave[t * 32 + c]);
        let times: Vec<usize> = array(&arrays, &format!("{session}spike_times_"))
            .data
            .chunks_exact(8)
            .map(|b| i64::from_le_bytes(b.try_into().expect("8 bytes")) as usize)
            .collect();
        // Each event: time_s f8, channel i2, amplitude_uv f4, snippet 8 f4.
        let events = array(&arrays, "spike_event/");
        let channels: Vec<usize> = events
            .data
            .chunks_exact(8 + 2 + 4 + 32)
            .map(|e| i16::from_le_bytes([e[8], e[9]]) as usize)
            .collect();
        assert_eq!(channels.len(), times.len(), "an event per spike");
        // A handful of units at 3-20 Hz for 10 s.
        assert!((200..500).contains(&times.len()), "{} spikes", times.len());
        let mut units: Vec<usize> = channels.clone();
        units.sort_unstable();
        units.dedup();
        assert_eq!(units, vec![4, 10, 15, 21, 26, 31]);
        for &c in &units {
            let n = channels.iter().filter(|&&ch| ch == c).count();
            assert!(
                (20..=200).contains(&n),
                "channel {c} fires {n} times in 10 s"
            );
        }
        // The noise floor per channel, from first differences (blind to the slow theta).
        let sigma = |c: usize| {
            let mut d: Vec<f64> = (1..300_000)
                .map(|t| (at(t, c) - at(t - 1, c)).abs())
                .collect();
            d.sort_by(f64::total_cmp);
            d[d.len() / 2] / (0.6745 * std::f64::consts::SQRT_2)
        };
        let floors: Vec<(usize, f64)> = units.iter().map(|&c| (c, sigma(c))).collect();
        for &(c, floor) in &floors {
            assert!(
                (4.0..9.0).contains(&floor),
                "channel {c} noise {floor:.1} µV"
            );
        }
        for (&t, &c) in times.iter().zip(&channels) {
            let floor = floors.iter().find(|f| f.0 == c).map_or(0.0, |f| f.1);
            let before = (t - 40..t - 20).map(|s| at(s, c)).sum::<f64>() / 20.0;
            let depth = before - at(t, c);
            assert!(
                depth > 6.0 * floor,
                "the spike at {t} on channel {c} is {depth:.1} µV deep; noise {floor:.1} µV"
            );
        }
    }

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
