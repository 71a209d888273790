//! Run-time choice of the instruction set the contiguous min/max loops (and `build_many`'s row loop, through
//! [`Kernel`]) run with, made once per process.
//!
//! Technique: multiversioning. The loops in [`kernel`](super::kernel) are `#[inline(always)]` generic bodies;
//! small wrappers marked `#[target_feature(enable = "avx2")]` / `"avx512f,avx512bw,avx512dq,avx512vl"` inline
//! them, so the compiler emits an AVX2 and an AVX-512 copy of every (type, byte order) loop next to the baseline
//! SSE2 one, from one source and with the same semantics. This beats hand-written intrinsics for us because the
//! loops exist for 25 (type, byte order) decoders and the vectoriser already produces packed min/max for them;
//! it beats compiling the whole crate with `-C target-cpu` because the binary still runs on any x86-64.
//!
//! Calling a `target_feature` function on a CPU without the feature is undefined behaviour, so a [`Simd`] can
//! only be made by [`Simd::clamped`], which checks `is_x86_feature_detected!`; every call of a wrapper is gated
//! by a `Simd` value.

use std::cell::Cell;
use std::sync::OnceLock;

/// An instruction-set level. Not every level exists on every CPU; see [`Simd`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Level {
    /// One accumulator, one value at a time: the reference the vector levels are tested against.
    Scalar,
    /// x86-64 baseline: 16 accumulator lanes, vectorised for SSE2.
    Sse2,
    /// x86-64 with AVX2 (256-bit vectors).
    Avx2,
    /// x86-64 with AVX-512 F/BW/DQ/VL (512-bit vectors).
    Avx512,
    /// aarch64 baseline (128-bit NEON vectors).
    Neon,
    /// Any other target: the 16-lane loop for whatever the target's baseline is.
    Portable,
}

impl Level {
    /// The name `NPYSCOPE_SIMD` takes and [`simd_level`] reports.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Level::Scalar => "scalar",
            Level::Sse2 => "sse2",
            Level::Avx2 => "avx2",
            Level::Avx512 => "avx512",
            Level::Neon => "neon",
            Level::Portable => "portable",
        }
    }

    fn parse(s: &str) -> Option<Level> {
        [
            Level::Scalar,
            Level::Sse2,
            Level::Avx2,
            Level::Avx512,
            Level::Neon,
            Level::Portable,
        ]
        .into_iter()
        .find(|l| l.name().eq_ignore_ascii_case(s.trim()))
    }
}

/// A level this CPU has: the only way to reach the `target_feature` loops, so holding one proves the call is
/// sound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Simd(Level);

impl Simd {
    /// The level the loops use.
    pub(crate) fn level(self) -> Level {
        self.0
    }

    /// `want` if this CPU has it, else the best level it has.
    pub(crate) fn clamped(want: Level) -> Simd {
        let have = available();
        if have.contains(&Simd(want)) {
            Simd(want)
        } else {
            best()
        }
    }
}

/// A loop body that [`Simd::run`] compiles once per instruction-set level. `run` must be `#[inline(always)]`
/// (and so must what it calls in the hot loop), so that each `target_feature` wrapper gets its own vectorised copy.
pub(crate) trait Kernel {
    /// What the loop returns.
    type Out;
    /// The loop.
    fn run(self) -> Self::Out;
}

impl Simd {
    /// Runs `kernel` compiled for this level: AVX2, AVX-512 or NEON copies where the level is one of those, the
    /// baseline copy otherwise (`Scalar` included: the one-value-at-a-time reference exists only for the
    /// contiguous scans of [`kernel`](super::kernel)).
    #[inline(always)]
    pub(crate) fn run<K: Kernel>(self, kernel: K) -> K::Out {
        match self.0 {
            // SAFETY: a `Simd` holding Avx2, Avx512 or Neon exists only where `available` detected the features.
            #[cfg(target_arch = "x86_64")]
            Level::Avx2 => unsafe { versions::avx2(kernel) },
            #[cfg(target_arch = "x86_64")]
            Level::Avx512 => unsafe { versions::avx512(kernel) },
            #[cfg(target_arch = "aarch64")]
            Level::Neon => unsafe { versions::neon(kernel) },
            _ => kernel.run(),
        }
    }
}

/// The `target_feature` wrappers of [`Simd::run`].
mod versions {
    #[allow(unused_imports)]
    use super::Kernel;

    /// `k` compiled for AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    pub(super) fn avx2<K: Kernel>(k: K) -> K::Out {
        k.run()
    }

    /// `k` compiled for AVX-512 (F, BW, DQ, VL).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl")]
    pub(super) fn avx512<K: Kernel>(k: K) -> K::Out {
        k.run()
    }

    /// `k` compiled for NEON.
    #[cfg(target_arch = "aarch64")]
    #[target_feature(enable = "neon")]
    pub(super) fn neon<K: Kernel>(k: K) -> K::Out {
        k.run()
    }
}

/// Every level this CPU has, slowest first (the last is [`best`]).
pub(crate) fn available() -> Vec<Simd> {
    #[allow(unused_mut)]
    let mut v = vec![Simd(Level::Scalar)];
    #[cfg(target_arch = "x86_64")]
    {
        v.push(Simd(Level::Sse2));
        if std::arch::is_x86_feature_detected!("avx2") {
            v.push(Simd(Level::Avx2));
        }
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512dq")
            && std::arch::is_x86_feature_detected!("avx512vl")
        {
            v.push(Simd(Level::Avx512));
        }
    }
    #[cfg(target_arch = "aarch64")]
    {
        if std::arch::is_aarch64_feature_detected!("neon") {
            v.push(Simd(Level::Neon));
        }
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    v.push(Simd(Level::Portable));
    v
}

fn best() -> Simd {
    available().last().copied().unwrap_or(Simd(Level::Scalar))
}

/// The process-wide choice and, when `NPYSCOPE_SIMD` asked for something else, why it was not followed.
struct Choice {
    simd: Simd,
    note: Option<String>,
}

fn choice() -> &'static Choice {
    static CHOICE: OnceLock<Choice> = OnceLock::new();
    CHOICE.get_or_init(|| choose(std::env::var("NPYSCOPE_SIMD").ok().as_deref()))
}

/// The level for an `NPYSCOPE_SIMD` value (`None`: unset).
fn choose(var: Option<&str>) -> Choice {
    let Some(v) = var.filter(|v| !v.trim().is_empty() && !v.trim().eq_ignore_ascii_case("auto"))
    else {
        return Choice {
            simd: best(),
            note: None,
        };
    };
    match Level::parse(v) {
        Some(want) => {
            let simd = Simd::clamped(want);
            let note = (simd.level() != want).then(|| {
                format!(
                    "NPYSCOPE_SIMD={v}: this CPU lacks {}, using {}",
                    want.name(),
                    simd.level().name()
                )
            });
            Choice { simd, note }
        }
        None => Choice {
            simd: best(),
            note: Some(format!(
                "NPYSCOPE_SIMD={v} is not one of scalar, sse2, avx2, avx512, neon, auto; using {}",
                best().level().name()
            )),
        },
    }
}

thread_local! {
    /// A level forced on this thread by [`with_simd`] (tests), read where a scan is set up.
    static FORCED: Cell<Option<Simd>> = const { Cell::new(None) };
}

/// The level scans set up on this thread use: [`with_simd`]'s if inside one, else the process-wide choice.
pub(crate) fn current() -> Simd {
    FORCED.with(Cell::get).unwrap_or_else(|| choice().simd)
}

/// Runs `f` with scans set up on this thread using `simd` (the scans carry it to rayon's threads).
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn with_simd<R>(simd: Simd, f: impl FnOnce() -> R) -> R {
    let before = FORCED.with(|c| c.replace(Some(simd)));
    let out = f();
    FORCED.with(|c| c.set(before));
    out
}

/// The name of the instruction-set level the min/max loops use in this process (`scalar`, `sse2`, `avx2`,
/// `avx512`, `neon` or `portable`): chosen once, the best this CPU has unless `NPYSCOPE_SIMD` names a lower one.
pub fn simd_level() -> &'static str {
    choice().simd.level().name()
}

/// Why `NPYSCOPE_SIMD` was not followed (unknown value, or a level this CPU lacks), for a one-line warning.
pub fn simd_warning() -> Option<&'static str> {
    choice().note.as_deref()
}

/// The names of every level this CPU has, slowest first, so that a benchmark can run each.
pub fn simd_levels() -> Vec<&'static str> {
    available().into_iter().map(|s| s.level().name()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_values_parse_and_clamp() {
        assert_eq!(choose(None).simd, best());
        assert_eq!(choose(Some("auto")).simd, best());
        let s = choose(Some("scalar"));
        assert_eq!((s.simd.level(), s.note), (Level::Scalar, None));
        let bad = choose(Some("avx9000"));
        assert_eq!(bad.simd, best());
        assert!(bad.note.is_some_and(|n| n.contains("avx9000")));
        for want in ["sse2", "avx2", "avx512", "neon"] {
            let c = choose(Some(want));
            let level = Level::parse(want).map(Simd::clamped);
            assert_eq!(Some(c.simd), level);
            assert!(available().contains(&c.simd));
            // A note exactly when the level was not available.
            assert_eq!(c.note.is_some(), c.simd.level().name() != want);
        }
    }

    #[test]
    fn forced_level_is_scoped() {
        let outer = current();
        let got = with_simd(Simd(Level::Scalar), current);
        assert_eq!(got.level(), Level::Scalar);
        assert_eq!(current(), outer);
    }
}
