//! Every instruction-set level this CPU has against the scalar reference, bit for bit: decimation (one thread and
//! all cores), the pyramid built at that level and its views, for every number kind, both byte orders, complex
//! parts, NaT, NaN-heavy data, ±0.0 and strided channels.

use proptest::prelude::*;

use super::simd::{Level, Simd, available, with_simd};
use super::tests::{KINDS, make_data, none, reference, same};
use super::*;
use crate::array::Lane;
use crate::array::lane::{ComplexPart, Endian, NumKind};
use crate::npy::{DateUnit, TimeUnit};

/// [`KINDS`] plus the kinds and parts it leaves out.
fn all_kinds() -> Vec<NumKind> {
    let unit = DateUnit {
        unit: TimeUnit::Micro,
        count: 1,
    };
    let mut k = KINDS.to_vec();
    for e in [Endian::Little, Endian::Big] {
        k.extend([
            NumKind::U16(e),
            NumKind::I32(e),
            NumKind::U32(e),
            NumKind::U64(e),
            NumKind::TimeDelta(e, unit),
            NumKind::DateTime(e, unit),
        ]);
        for p in [
            ComplexPart::Real,
            ComplexPart::Imag,
            ComplexPart::Magnitude,
            ComplexPart::Phase,
        ] {
            k.extend([NumKind::C64(e, p), NumKind::C128(e, p)]);
        }
    }
    k
}

#[test]
fn scalar_and_baseline_levels_exist() {
    let have = available();
    assert_eq!(have.first().map(|s| s.level()), Some(Level::Scalar));
    #[cfg(target_arch = "x86_64")]
    assert!(have.iter().any(|s| s.level() == Level::Sse2));
    #[cfg(target_arch = "aarch64")]
    assert!(have.iter().any(|s| s.level() == Level::Neon));
    // Forcing a level the CPU lacks gives one it has.
    for want in [Level::Avx512, Level::Neon, Level::Avx2] {
        assert!(have.contains(&Simd::clamped(want)));
    }
}

/// The comparison these tests rely on does tell -0.0 from +0.0 and a NaN from a number.
#[test]
fn comparison_sees_signed_zero_and_nan() {
    let data: Vec<u8> = [1.0f32, 0.0, 2.0, 3.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let lane = Lane {
        bytes: &data,
        first: 0,
        stride: 4,
        len: 4,
        kind: NumKind::F32(Endian::Little),
    };
    let good = decimate(&lane, 0..4, 2).unwrap();
    assert_eq!(good.min[0].to_bits(), 0.0f64.to_bits());
    let mut zero = good.clone();
    zero.min[0] = -0.0;
    assert!(same(&zero, &good).is_err());
    let mut nan = good.clone();
    nan.max[0] = f64::NAN;
    assert!(same(&nan, &good).is_err());
    let mut count = good.clone();
    count.nans[0] = 1;
    assert!(same(&count, &good).is_err());
}

/// All-NaN, all -0.0, and long runs that fill every accumulator lane of the widest loop many times over.
#[test]
fn long_special_runs_at_every_level() {
    let n = 5000usize;
    let cases: Vec<(&str, Vec<f32>)> = vec![
        ("nan", vec![f32::NAN; n]),
        ("neg_zero", vec![-0.0; n]),
        (
            "zeros",
            (0..n)
                .map(|i| if i % 3 == 0 { -0.0 } else { 0.0 })
                .collect(),
        ),
        (
            "nan_but_one",
            (0..n)
                .map(|i| if i == 4321 { -7.5 } else { f32::NAN })
                .collect(),
        ),
        (
            "inf",
            (0..n)
                .map(|i| {
                    if i % 2 == 0 {
                        f32::INFINITY
                    } else {
                        f32::NEG_INFINITY
                    }
                })
                .collect(),
        ),
    ];
    for (name, v) in cases {
        for e in [Endian::Little, Endian::Big] {
            let data: Vec<u8> = v
                .iter()
                .flat_map(|x| match e {
                    Endian::Little => x.to_le_bytes(),
                    Endian::Big => x.to_be_bytes(),
                })
                .collect();
            let lane = Lane {
                bytes: &data,
                first: 0,
                stride: 4,
                len: n,
                kind: NumKind::F32(e),
            };
            let want = reference(&lane, 0..n as u64, 3);
            for simd in available() {
                let got = with_simd(simd, || decimate(&lane, 0..n as u64, 3)).unwrap();
                if let Err(err) = same(&got, &want) {
                    panic!("{name} {e:?} at {:?}: {err}", simd.level());
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn every_level_equals_the_reference(
        kind in proptest::sample::select(all_kinds()),
        channels in prop_oneof![Just(1usize), 1usize..5],
        ch in 0usize..5,
        len in prop_oneof![0usize..200, 0usize..5000, 5000usize..120_000],
        start in 0u64..120_000,
        span in 0u64..130_000,
        width in prop_oneof![1usize..8, 1usize..300, Just(2000usize)],
        nan_p in proptest::sample::select(&[0.0, 0.05, 0.5, 0.97, 1.0][..]),
        pad in 0usize..3,
        seed in any::<u64>(),
    ) {
        let ch = ch % channels;
        let size = kind.size();
        let data = make_data(kind, channels, len, pad, nan_p, seed);
        let lane = Lane { bytes: &data, first: pad + ch * size, stride: channels * size, len, kind };
        let start = if len == 0 { start } else { start % (len as u64 + 2) };
        let range = start..start + span;
        let want = reference(&lane, range.clone(), width);
        for simd in available() {
            let at = format!("level {:?}", simd.level());
            let got = with_simd(simd, || decimate(&lane, range.clone(), width))?;
            same(&got, &want).map_err(|e| TestCaseError::fail(format!("{at}: {e}")))?;
            let got = with_simd(simd, || decimate_par(&lane, range.clone(), width))?;
            same(&got, &want).map_err(|e| TestCaseError::fail(format!("{at} par: {e}")))?;
            let (p, c) = none();
            let pyr = with_simd(simd, || Pyramid::build(&lane, &p, &c))?;
            let got = with_simd(simd, || view_par(&pyr, &lane, range.clone(), width))?;
            same(&got, &want).map_err(|e| TestCaseError::fail(format!("{at} pyramid: {e}")))?;
        }
    }
}
