//! The inner loops: min/max/NaN-count scans over a [`Lane`]'s raw bytes, monomorphised per (type, byte order)
//! and chosen once per call by [`with_src!`].

use std::marker::PhantomData;

use super::SignalError;
use super::simd::{self, Level, Simd};
use crate::array::Lane;
use crate::array::lane::{ComplexPart, Endian, NumKind};

/// Accumulator lanes of the contiguous float loop at the baseline levels: 16 independent min/max pairs let the
/// compiler keep them in vector registers (4 × f32x4 with SSE2 or NEON). Wider levels use more ([`contiguous_at`]).
const LANES: usize = 16;
/// Values per part of a contiguous scan, so that the per-lane `u32` NaN counters cannot overflow.
const PART: usize = 1 << 24;
/// The contiguous loops go a page (4 KiB) at a time and, at each page, ask the CPU for a line
/// [`PREFETCH_AHEAD`] bytes further on ([`prefetch_ahead`]).
const PAGE: usize = 4096;
/// How far ahead of the scan the one prefetch per page reaches: four 4 KiB pages. The hardware prefetchers stop
/// at page boundaries, so a scan of a memory-mapped file (4 KiB pages) otherwise waits at each new page for its
/// address translation and first line. Measured on a Zen 4 EPYC, 1e8 samples mapped from the page cache, one
/// core, at the AVX2 level: f32 22.5 -> 28.8 GB/s, int16 27.4 -> 29.0 GB/s (medians of three). One and two pages
/// ahead gained less (f32: 23.0 and 24.3 against 27.6 GB/s), eight and sixteen about the same.
const PREFETCH_AHEAD: usize = 4 * PAGE;

/// A native value a lane's bytes decode to; min/max run in this type and widen to f64 once per scan.
pub(crate) trait Val: Copy + PartialOrd + Send + Sync + 'static {
    /// The largest value (start of a minimum).
    const HI: Self;
    /// The smallest value (start of a maximum).
    const LO: Self;
    /// Whether the type has NaN at all (integers do not: their NaN counting compiles away).
    const FLOAT: bool;
    /// Whether this value is NaN.
    fn is_nan(self) -> bool;
    /// Exact (for 64-bit integers: nearest) f64.
    fn to_f64(self) -> f64;
}

macro_rules! int_val {
    ($($t:ty),*) => {$(
        impl Val for $t {
            const HI: Self = <$t>::MAX;
            const LO: Self = <$t>::MIN;
            const FLOAT: bool = false;
            #[inline(always)]
            fn is_nan(self) -> bool {
                false
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
        }
    )*};
}
int_val!(i8, u8, i16, u16, i32, u32, i64, u64);

macro_rules! float_val {
    ($($t:ty),*) => {$(
        impl Val for $t {
            const HI: Self = <$t>::INFINITY;
            const LO: Self = <$t>::NEG_INFINITY;
            const FLOAT: bool = true;
            #[inline(always)]
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
        }
    )*};
}
float_val!(f32, f64);

/// Min, max and NaN count of some samples. NaNs are skipped: an all-NaN (or empty) span keeps the `+inf`/`-inf`
/// starting values, and its NaN count tells the two apart ([`Acc::finish`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Acc {
    pub min: f64,
    pub max: f64,
    pub nans: u64,
}

impl Acc {
    /// Nothing seen yet.
    pub const EMPTY: Acc = Acc {
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
        nans: 0,
    };

    /// Both spans together.
    #[inline]
    pub fn merge(self, o: Acc) -> Acc {
        Acc {
            min: if o.min < self.min { o.min } else { self.min },
            max: if o.max > self.max { o.max } else { self.max },
            nans: self.nans + o.nans,
        }
    }

    /// `(min, max)` of a span of `count` samples: NaN for a span of only NaN; zeros come out as `+0.0` so that
    /// the result does not depend on the order samples were visited in.
    #[inline]
    pub fn finish(self, count: u64) -> (f64, f64) {
        if self.nans >= count {
            (f64::NAN, f64::NAN)
        } else {
            (self.min + 0.0, self.max + 0.0)
        }
    }
}

/// What the algorithms need from a lane, whatever its type: scans of sample spans and single values.
pub(crate) trait Scan: Sync {
    /// Number of samples.
    fn len(&self) -> usize;
    /// Min/max/NaNs of samples `a..b` (`a <= b <= len`; anything else scans what exists).
    fn scan(&self, a: usize, b: usize) -> Acc;
    /// Sample `i` as f64 (NaN past the end).
    fn value(&self, i: usize) -> f64;
    /// Whether samples can be NaN (floats, complex parts, NaT).
    fn can_nan(&self) -> bool;
}

/// A validated lane with its decoder: `bytes` starts at value 0 and holds all `len` values.
pub(crate) struct Src<'a, const N: usize, V, F> {
    bytes: &'a [u8],
    stride: usize,
    len: usize,
    conv: F,
    /// The instruction-set level of the contiguous loop, taken from [`simd::current`] when the scan is set up.
    simd: Simd,
    _v: PhantomData<V>,
}

impl<'a, const N: usize, V: Val, F: Fn([u8; N]) -> V + Sync> Src<'a, N, V, F> {
    /// `lane` read with `conv`; `bytes` is [`checked_bytes`]'s result for it.
    pub fn new(bytes: &'a [u8], lane: &Lane<'_>, conv: F) -> Self {
        Src {
            bytes,
            stride: lane.stride,
            len: lane.len,
            conv,
            simd: simd::current(),
            _v: PhantomData,
        }
    }

    /// The instruction-set level this scan was set up with.
    pub fn simd(&self) -> Simd {
        self.simd
    }

    /// The value whose bytes are `b`.
    #[inline(always)]
    pub fn decode(&self, b: [u8; N]) -> V {
        (self.conv)(b)
    }

    #[inline]
    fn one(&self, i: usize) -> Option<V> {
        let off = i.checked_mul(self.stride)?;
        let b = self.bytes.get(off..)?.first_chunk::<N>()?;
        Some((self.conv)(*b))
    }
}

impl<const N: usize, V: Val, F: Fn([u8; N]) -> V + Sync> Scan for Src<'_, N, V, F> {
    fn len(&self) -> usize {
        self.len
    }

    fn can_nan(&self) -> bool {
        V::FLOAT
    }

    fn value(&self, i: usize) -> f64 {
        if i >= self.len {
            return f64::NAN;
        }
        self.one(i).map_or(f64::NAN, V::to_f64)
    }

    fn scan(&self, a: usize, b: usize) -> Acc {
        let b = b.min(self.len);
        if a >= b {
            return Acc::EMPTY;
        }
        // In range by construction (checked_bytes); `get` keeps a hand-made lane from panicking anyway.
        let span = a.checked_mul(self.stride).and_then(|start| {
            let end = (b - 1).checked_mul(self.stride)?.checked_add(N)?;
            self.bytes.get(start..end)
        });
        match span {
            Some(sub) if self.stride == N => {
                contiguous_at(self.simd, sub.as_chunks::<N>().0, &self.conv)
            }
            Some(sub) if self.stride > N => strided(sub, self.stride, &self.conv),
            _ => {
                let mut m = Minmax::<V>::new();
                for i in a..b {
                    if let Some(v) = self.one(i) {
                        m.push(v);
                    }
                }
                m.acc()
            }
        }
    }
}

/// One min/max/NaN accumulator in the native type.
struct Minmax<V> {
    min: V,
    max: V,
    nans: u64,
}

impl<V: Val> Minmax<V> {
    fn new() -> Self {
        Minmax {
            min: V::HI,
            max: V::LO,
            nans: 0,
        }
    }

    #[inline(always)]
    fn push(&mut self, v: V) {
        self.min = if v < self.min { v } else { self.min };
        self.max = if v > self.max { v } else { self.max };
        if V::FLOAT {
            self.nans += u64::from(v.is_nan());
        }
    }

    fn acc(&self) -> Acc {
        Acc {
            min: self.min.to_f64(),
            max: self.max.to_f64(),
            nans: self.nans,
        }
    }
}

/// Contiguous values with the loop compiled for `simd`'s instruction set (see [`simd`] for the technique). The
/// float loops get more accumulator lanes where vectors are wider: 32 with AVX2 (4 × f32x8) and 64 with AVX-512
/// (4 × f32x16), half that for 8-byte values so that min, max and NaN counters still fit in registers.
#[inline(always)]
fn contiguous_at<const N: usize, V: Val, F: Fn([u8; N]) -> V>(
    simd: Simd,
    vals: &[[u8; N]],
    conv: &F,
) -> Acc {
    match simd.level() {
        Level::Scalar => sequential(vals, conv),
        // SAFETY: a `Simd` holding Avx2 or Avx512 exists only where `simd::available` detected those features.
        #[cfg(target_arch = "x86_64")]
        Level::Avx2 => unsafe { x86::avx2(vals, conv) },
        #[cfg(target_arch = "x86_64")]
        Level::Avx512 => unsafe { x86::avx512(vals, conv) },
        // SAFETY: a `Simd` holding Neon exists only where `simd::available` detected NEON.
        #[cfg(target_arch = "aarch64")]
        Level::Neon => unsafe { arm::neon(vals, conv) },
        _ => baseline(vals, conv),
    }
}

/// [`contiguous`] for the target's baseline (SSE2 on x86-64), in a function of its own like the other levels:
/// inlined into [`Src::scan`] with its other branches, the compiler left the integer loop scalar (int16 at SSE2:
/// 2.7 against 28 GB/s).
#[inline(never)]
fn baseline<const N: usize, V: Val, F: Fn([u8; N]) -> V>(vals: &[[u8; N]], conv: &F) -> Acc {
    contiguous::<N, V, LANES>(vals, conv)
}

/// The `target_feature` copies of [`contiguous`]: each inlines the generic body, so the compiler vectorises it
/// for that instruction set.
#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{Acc, Val, contiguous};

    /// [`contiguous`] for AVX2. Never inlined: [`avx512`] calls it for integers, and inlined there it would be
    /// vectorised for 512 bits again.
    #[inline(never)]
    #[target_feature(enable = "avx2")]
    pub(super) fn avx2<const N: usize, V: Val, F: Fn([u8; N]) -> V>(
        vals: &[[u8; N]],
        conv: &F,
    ) -> Acc {
        if N >= 8 {
            contiguous::<N, V, 16>(vals, conv)
        } else {
            contiguous::<N, V, 32>(vals, conv)
        }
    }

    /// [`contiguous`] for AVX-512 (F, BW for 8/16-bit integers, DQ and VL). Integers up to 4 bytes run the AVX2
    /// copy: their min/max is one packed instruction per vector at either width, and the 512-bit copy was slower
    /// on a Zen 4 EPYC (int16, 1e8 samples mapped: 25.7 against 28.9 GB/s on one core; 1e6 samples in cache:
    /// 30.0 against 32.5 GB/s) and no faster on a Xeon (1.55 against 1.50 times tsdownsample). 8-byte integers
    /// stay here: AVX2 has no packed 64-bit min/max (int64 in cache: 70 against 44 GB/s).
    #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl")]
    pub(super) fn avx512<const N: usize, V: Val, F: Fn([u8; N]) -> V>(
        vals: &[[u8; N]],
        conv: &F,
    ) -> Acc {
        if !V::FLOAT && N < 8 {
            return avx2(vals, conv);
        }
        if N >= 8 {
            contiguous::<N, V, 32>(vals, conv)
        } else {
            contiguous::<N, V, 64>(vals, conv)
        }
    }
}

/// The NEON copy of [`contiguous`] (NEON is baseline on aarch64; the wrapper keeps the dispatch uniform).
#[cfg(target_arch = "aarch64")]
mod arm {
    use super::{Acc, LANES, Val, contiguous};

    /// [`contiguous`] for NEON.
    #[target_feature(enable = "neon")]
    pub(super) fn neon<const N: usize, V: Val, F: Fn([u8; N]) -> V>(
        vals: &[[u8; N]],
        conv: &F,
    ) -> Acc {
        contiguous::<N, V, LANES>(vals, conv)
    }
}

/// The scalar reference: one accumulator, one value after another.
#[inline(never)]
fn sequential<const N: usize, V: Val>(vals: &[[u8; N]], conv: &impl Fn([u8; N]) -> V) -> Acc {
    let mut m = Minmax::<V>::new();
    for &c in vals {
        m.push(std::hint::black_box(conv(c)));
    }
    m.acc()
}

/// Contiguous values. Integers: a plain min/max reduction, which the loop vectoriser turns into packed
/// min/max (about 8× the lane version below for i16). Floats: `L` independent accumulators, because
/// NaN-skipping float min/max is not associative and would otherwise stay scalar.
#[inline(always)]
fn contiguous<const N: usize, V: Val, const L: usize>(
    vals: &[[u8; N]],
    conv: &impl Fn([u8; N]) -> V,
) -> Acc {
    if !V::FLOAT {
        let (mut mn, mut mx) = (V::HI, V::LO);
        for page in vals.chunks(PAGE / N) {
            prefetch_ahead(page);
            for &c in page {
                let v = conv(c);
                mn = if v < mn { v } else { mn };
                mx = if v > mx { v } else { mx };
            }
        }
        return Acc {
            min: mn.to_f64(),
            max: mx.to_f64(),
            nans: 0,
        };
    }
    let mut total = Acc::EMPTY;
    for part in vals.chunks(PART) {
        let mut mn = [V::HI; L];
        let mut mx = [V::LO; L];
        let mut nan = [0u32; L];
        let (blocks, rest) = part.as_chunks::<L>();
        for page in blocks.chunks((PAGE / (L * N)).max(1)) {
            prefetch_ahead(page);
            for block in page {
                for i in 0..L {
                    let v = conv(block[i]);
                    mn[i] = if v < mn[i] { v } else { mn[i] };
                    mx[i] = if v > mx[i] { v } else { mx[i] };
                    if V::FLOAT {
                        nan[i] += u32::from(v.is_nan());
                    }
                }
            }
        }
        // With wide blocks (AVX2, AVX-512) up to L - 1 values are left: blocks of [`LANES`] first, into the
        // same accumulators, so a short column does not run its tail one value at a time.
        let rest = if L > LANES {
            let (small, tail) = rest.as_chunks::<LANES>();
            for block in small {
                for i in 0..LANES {
                    let v = conv(block[i]);
                    mn[i] = if v < mn[i] { v } else { mn[i] };
                    mx[i] = if v > mx[i] { v } else { mx[i] };
                    nan[i] += u32::from(v.is_nan());
                }
            }
            tail
        } else {
            rest
        };
        // Fold the accumulators in halves, so each step is a few vector operations rather than L scalar ones
        // (a short column, e.g. 500 samples, otherwise spends as long here as in its loop). Exact: accumulators
        // never hold NaN, and `Acc::finish` makes the sign of a zero independent of the order.
        const { assert!(L.is_power_of_two()) };
        let mut w = L;
        while w > 1 {
            w /= 2;
            for i in 0..w {
                mn[i] = if mn[i + w] < mn[i] { mn[i + w] } else { mn[i] };
                mx[i] = if mx[i + w] > mx[i] { mx[i + w] } else { mx[i] };
                nan[i] += nan[i + w];
            }
        }
        let mut m = Minmax::<V>::new();
        for &c in rest {
            m.push(conv(c));
        }
        m.min = if mn[0] < m.min { mn[0] } else { m.min };
        m.max = if mx[0] > m.max { mx[0] } else { m.max };
        m.nans += u64::from(nan[0]);
        total = total.merge(m.acc());
    }
    total
}

/// Ask for the cache line [`PREFETCH_AHEAD`] bytes past the start of `from` (x86-64; elsewhere nothing). The
/// address may lie past the slice, even past the mapping: a prefetch is a hint that never faults and reads
/// nothing the program sees, so the next column's first pages are requested too.
#[inline(always)]
pub(crate) fn prefetch_ahead<T>(from: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let p = from.as_ptr().cast::<i8>().wrapping_add(PREFETCH_AHEAD);
        // SAFETY: SSE, the feature `_mm_prefetch` needs, is part of the x86-64 baseline.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(p) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = from;
}

/// Every `stride`-th value (one channel of a row-major multi-channel array): memory-bound, one cache line or so
/// per value.
#[inline(always)]
fn strided<const N: usize, V: Val>(sub: &[u8], stride: usize, conv: &impl Fn([u8; N]) -> V) -> Acc {
    let mut m = Minmax::<V>::new();
    for c in sub.chunks(stride) {
        if let Some(b) = c.first_chunk::<N>() {
            m.push(conv(*b));
        }
    }
    m.acc()
}

/// The part of `lane.bytes` from value 0 to the end of the last value, or why the lane does not fit its bytes.
pub(crate) fn checked_bytes<'a>(lane: &Lane<'a>) -> Result<&'a [u8], SignalError> {
    if lane.len == 0 {
        return Ok(&[]);
    }
    let end = (lane.len - 1)
        .checked_mul(lane.stride)
        .and_then(|o| o.checked_add(lane.first))
        .and_then(|o| o.checked_add(lane.kind.size()));
    match end.and_then(|end| lane.bytes.get(lane.first..end)) {
        Some(b) => Ok(b),
        None => Err(SignalError::LaneOutOfBounds {
            len: lane.len,
            first: lane.first,
            stride: lane.stride,
            bytes: lane.bytes.len(),
        }),
    }
}

/// Whether every value of `kind` is exactly an f32 (so a pyramid can keep f32 pairs and stay exact).
pub(crate) fn exact_in_f32(kind: NumKind) -> bool {
    matches!(
        kind,
        NumKind::Bool
            | NumKind::I8
            | NumKind::U8
            | NumKind::I16(_)
            | NumKind::U16(_)
            | NumKind::F16(_)
            | NumKind::F32(_)
    )
}

/// An `N`-byte array of `b` from `at` (zeros if short, which the callers' fixed sizes rule out).
#[inline(always)]
fn part<const N: usize>(b: &[u8], at: usize) -> [u8; N] {
    b.get(at..)
        .and_then(|s| s.first_chunk::<N>())
        .copied()
        .unwrap_or([0; N])
}

/// `(re, im)` of a `c8` value.
#[inline(always)]
pub(crate) fn c64(e: Endian, b: [u8; 8]) -> (f64, f64) {
    let (re, im) = (part::<4>(&b, 0), part::<4>(&b, 4));
    match e {
        Endian::Little => (f32::from_le_bytes(re).into(), f32::from_le_bytes(im).into()),
        Endian::Big => (f32::from_be_bytes(re).into(), f32::from_be_bytes(im).into()),
    }
}

/// `(re, im)` of a `c16` value.
#[inline(always)]
pub(crate) fn c128(e: Endian, b: [u8; 16]) -> (f64, f64) {
    let (re, im) = (part::<8>(&b, 0), part::<8>(&b, 8));
    match e {
        Endian::Little => (f64::from_le_bytes(re), f64::from_le_bytes(im)),
        Endian::Big => (f64::from_be_bytes(re), f64::from_be_bytes(im)),
    }
}

/// The chosen part of a complex number, as [`Lane`] reads it (a predictable branch per value: complex data is
/// rare enough that four more copies of every loop are not worth it).
#[inline(always)]
pub(crate) fn complex_part(p: ComplexPart, (re, im): (f64, f64)) -> f64 {
    match p {
        ComplexPart::Real => re,
        ComplexPart::Imag => im,
        ComplexPart::Magnitude => re.hypot(im),
        ComplexPart::Phase => im.atan2(re),
    }
}

/// A datetime/timedelta count, NaT as NaN.
#[inline(always)]
pub(crate) fn count_or_nan(v: i64) -> f64 {
    if v == i64::MIN { f64::NAN } else { v as f64 }
}

/// Evaluates `$body` with `$s` bound to a [`Scan`] for `$lane` (whose checked bytes are `$bytes`): one match per
/// call, and `$body` compiled once per (type, byte order), so the loops inside it are monomorphic.
macro_rules! with_src {
    ($lane:expr, $bytes:expr, |$s:ident| $body:expr) => {{
        use $crate::array::lane::{Endian::Big as B, Endian::Little as L, NumKind as K};
        use $crate::signal::kernel::{Src, c64, c128, complex_part, count_or_nan};
        let lane: &$crate::array::Lane<'_> = $lane;
        let bytes: &[u8] = $bytes;
        match lane.kind {
            K::Bool => {
                let $s = Src::<1, u8, _>::new(bytes, lane, |b: [u8; 1]| u8::from(b[0] != 0));
                $body
            }
            K::I8 => {
                let $s = Src::<1, i8, _>::new(bytes, lane, i8::from_ne_bytes);
                $body
            }
            K::U8 => {
                let $s = Src::<1, u8, _>::new(bytes, lane, |b: [u8; 1]| b[0]);
                $body
            }
            K::I16(L) => {
                let $s = Src::<2, i16, _>::new(bytes, lane, i16::from_le_bytes);
                $body
            }
            K::I16(B) => {
                let $s = Src::<2, i16, _>::new(bytes, lane, i16::from_be_bytes);
                $body
            }
            K::U16(L) => {
                let $s = Src::<2, u16, _>::new(bytes, lane, u16::from_le_bytes);
                $body
            }
            K::U16(B) => {
                let $s = Src::<2, u16, _>::new(bytes, lane, u16::from_be_bytes);
                $body
            }
            K::I32(L) => {
                let $s = Src::<4, i32, _>::new(bytes, lane, i32::from_le_bytes);
                $body
            }
            K::I32(B) => {
                let $s = Src::<4, i32, _>::new(bytes, lane, i32::from_be_bytes);
                $body
            }
            K::U32(L) => {
                let $s = Src::<4, u32, _>::new(bytes, lane, u32::from_le_bytes);
                $body
            }
            K::U32(B) => {
                let $s = Src::<4, u32, _>::new(bytes, lane, u32::from_be_bytes);
                $body
            }
            K::I64(L) => {
                let $s = Src::<8, i64, _>::new(bytes, lane, i64::from_le_bytes);
                $body
            }
            K::I64(B) => {
                let $s = Src::<8, i64, _>::new(bytes, lane, i64::from_be_bytes);
                $body
            }
            K::U64(L) => {
                let $s = Src::<8, u64, _>::new(bytes, lane, u64::from_le_bytes);
                $body
            }
            K::U64(B) => {
                let $s = Src::<8, u64, _>::new(bytes, lane, u64::from_be_bytes);
                $body
            }
            K::F16(L) => {
                let $s = Src::<2, f64, _>::new(bytes, lane, |b: [u8; 2]| {
                    $crate::array::lane::f16_to_f64(u16::from_le_bytes(b))
                });
                $body
            }
            K::F16(B) => {
                let $s = Src::<2, f64, _>::new(bytes, lane, |b: [u8; 2]| {
                    $crate::array::lane::f16_to_f64(u16::from_be_bytes(b))
                });
                $body
            }
            K::F32(L) => {
                let $s = Src::<4, f32, _>::new(bytes, lane, f32::from_le_bytes);
                $body
            }
            K::F32(B) => {
                let $s = Src::<4, f32, _>::new(bytes, lane, f32::from_be_bytes);
                $body
            }
            K::F64(L) => {
                let $s = Src::<8, f64, _>::new(bytes, lane, f64::from_le_bytes);
                $body
            }
            K::F64(B) => {
                let $s = Src::<8, f64, _>::new(bytes, lane, f64::from_be_bytes);
                $body
            }
            K::C64(e, p) => {
                let $s = Src::<8, f64, _>::new(bytes, lane, move |b: [u8; 8]| {
                    complex_part(p, c64(e, b))
                });
                $body
            }
            K::C128(e, p) => {
                let $s = Src::<16, f64, _>::new(bytes, lane, move |b: [u8; 16]| {
                    complex_part(p, c128(e, b))
                });
                $body
            }
            K::DateTime(L, _) | K::TimeDelta(L, _) => {
                let $s = Src::<8, f64, _>::new(bytes, lane, |b: [u8; 8]| {
                    count_or_nan(i64::from_le_bytes(b))
                });
                $body
            }
            K::DateTime(B, _) | K::TimeDelta(B, _) => {
                let $s = Src::<8, f64, _>::new(bytes, lane, |b: [u8; 8]| {
                    count_or_nan(i64::from_be_bytes(b))
                });
                $body
            }
        }
    }};
}
pub(crate) use with_src;
