//! The sampling rate a DataJoint row carries beside its signals: a scalar attribute named like
//! a rate (`sampling_rate`, `fs`, `sample_rate`, `sr`, in Hz) fills the plot's x axis in seconds.

use crate::array::{NdArray, Selection};

/// Attribute names read as a sampling rate in Hz (compared without case).
const RATE_NAMES: [&str; 8] = [
    "sampling_rate",
    "sample_rate",
    "sampling_frequency",
    "fs",
    "sr",
    "srate",
    "sampling_rate_hz",
    "sample_rate_hz",
];

/// Whether an attribute named `name` holds a sampling rate in Hz.
pub fn is_rate_name(name: &str) -> bool {
    RATE_NAMES
        .iter()
        .any(|n| n.eq_ignore_ascii_case(name.trim()))
}

/// `value` as a sampling rate: finite and above zero (a row's 0 or NaN means "unknown").
pub fn plausible_rate(value: f64) -> Option<f64> {
    (value.is_finite() && value > 0.0).then_some(value)
}

/// The rate held by a one-element numeric array (a 0-d `.npy` scalar or a one-element vector).
pub fn rate_of_array(array: &NdArray) -> Option<f64> {
    if array.size() != 1 {
        return None;
    }
    let lane = array.lane(None, &Selection::default()).ok()?;
    plausible_rate(lane.get(0)?)
}

/// The first of `names` that is a rate attribute, with its position.
pub fn rate_attribute<'a>(names: impl IntoIterator<Item = &'a str>) -> Option<(usize, &'a str)> {
    names.into_iter().enumerate().find(|(_, n)| is_rate_name(n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::npy::{ByteOrder, DType, ScalarKind, ScalarType};

    fn array(kind: ScalarKind, shape: &[u64], bytes: Vec<u8>) -> NdArray {
        let dtype = DType::Scalar(ScalarType {
            order: ByteOrder::Little,
            kind,
        });
        NdArray::from_parts(&dtype, false, shape, &bytes).expect("valid test array")
    }

    #[test]
    fn names_like_a_rate_are_rates() {
        for name in [
            "sampling_rate",
            "FS",
            "sample_rate",
            "sr",
            " Sampling_Rate_Hz ",
        ] {
            assert!(is_rate_name(name), "{name}");
        }
        for name in ["rate", "fsx", "spike_times", "sampling", ""] {
            assert!(!is_rate_name(name), "{name}");
        }
        assert_eq!(
            rate_attribute(["waveform", "fs", "sr"]),
            Some((1, "fs")),
            "the first rate attribute wins"
        );
    }

    #[test]
    fn one_element_arrays_give_their_value() {
        let scalar = array(ScalarKind::Float(8), &[], 30_000f64.to_le_bytes().to_vec());
        assert_eq!(rate_of_array(&scalar), Some(30_000.0));
        let vector = array(ScalarKind::Int(4), &[1], 2500i32.to_le_bytes().to_vec());
        assert_eq!(rate_of_array(&vector), Some(2500.0));
        let two = array(
            ScalarKind::Int(4),
            &[2],
            [1i32, 2].map(i32::to_le_bytes).concat(),
        );
        assert_eq!(rate_of_array(&two), None, "a signal is not a rate");
        let zero = array(ScalarKind::Float(8), &[], 0f64.to_le_bytes().to_vec());
        assert_eq!(rate_of_array(&zero), None);
        let nan = array(ScalarKind::Float(8), &[], f64::NAN.to_le_bytes().to_vec());
        assert_eq!(rate_of_array(&nan), None);
    }
}
