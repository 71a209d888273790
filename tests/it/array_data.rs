//! Integration tests: array data. The truth comes from numpy: `tests/fixtures/values/gen_values.py` wrote each good
//! fixture's native C-order bytes, its lanes as float64, row windows and text into `tests/fixtures/values/`.

use std::path::{Path, PathBuf};

use npyscope::array::data::NdArray;
use npyscope::array::error::ArrayError;
use npyscope::array::lane::{ComplexPart, Lane, Selection, datetime_unit, lane};
use npyscope::array::text::text;
use npyscope::array::window::{row_count, row_window, split_range};
use npyscope::npy::{ArrayMeta, ByteOrder, DType, parse_header};
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(fixtures().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn expected() -> serde_json::Map<String, Value> {
    let text =
        std::fs::read_to_string(fixtures().join("values/expected.json")).expect("expected.json");
    match serde_json::from_str(&text).expect("expected.json is JSON") {
        Value::Object(m) => m,
        other => panic!("expected.json is not an object: {other}"),
    }
}

/// A fixture: its metadata and the whole file (data starts at `meta.data_offset`).
struct Fixture {
    meta: ArrayMeta,
    file: Vec<u8>,
}

impl Fixture {
    fn load(entry: &Value) -> Fixture {
        let file = read(str_of(&entry["path"]));
        let meta = parse_header(&file).expect("good fixture parses");
        Fixture { meta, file }
    }

    fn data(&self) -> &[u8] {
        let start = self.meta.data_offset as usize;
        &self.file[start..start + self.meta.nbytes as usize]
    }
}

fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

fn u64s(v: &Value) -> Vec<u64> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|x| x.as_u64().expect("u64"))
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|x| str_of(x).to_string())
        .collect()
}

fn selection(l: &Value) -> Selection {
    let part = match l.get("part").and_then(Value::as_str).unwrap_or("real") {
        "real" => ComplexPart::Real,
        "imag" => ComplexPart::Imag,
        "magnitude" => ComplexPart::Magnitude,
        "phase" => ComplexPart::Phase,
        other => panic!("unknown part {other}"),
    };
    Selection {
        field: strings(&l["field"]),
        element: l["element"].as_u64().expect("element"),
        part,
    }
}

/// Values as numpy wrote them: Python `repr` of each float64, parsed exactly.
fn values(l: &Value) -> Vec<f64> {
    strings(&l["values"])
        .iter()
        .map(|s| s.parse::<f64>().unwrap_or_else(|e| panic!("{s}: {e}")))
        .collect()
}

fn all(l: &Lane<'_>) -> Vec<f64> {
    let mut out = Vec::new();
    l.fill_f64(0..l.len, &mut out);
    out
}

/// Bitwise equal, except that any NaN matches any NaN.
fn same(got: &[f64], want: &[f64]) -> bool {
    within_ulps(got, want, 0)
}

/// Equal within `ulps` units in the last place (same sign), NaN matching NaN.
fn within_ulps(got: &[f64], want: &[f64], ulps: u64) -> bool {
    got.len() == want.len()
        && got.iter().zip(want).all(|(g, w)| {
            (g.is_nan() && w.is_nan())
                || g.to_bits() == w.to_bits()
                || (g.is_sign_negative() == w.is_sign_negative()
                    && g.to_bits().abs_diff(w.to_bits()) <= ulps)
        })
}

fn has_foreign_order(dtype: &DType) -> bool {
    let foreign = if cfg!(target_endian = "little") {
        ByteOrder::Big
    } else {
        ByteOrder::Little
    };
    match dtype {
        DType::Scalar(s) => s.order == foreign,
        DType::Structured(fields) => fields.iter().any(|f| has_foreign_order(&f.dtype)),
    }
}

#[test]
fn native_c_bytes_match_numpy() {
    let all = expected();
    assert!(all.len() >= 60, "only {} fixtures", all.len());
    for (name, entry) in &all {
        let fx = Fixture::load(entry);
        let arr =
            NdArray::from_npy_data(&fx.meta, fx.data()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let want = read(&format!("values/{}", str_of(&entry["cbin"])));
        assert!(
            arr.bytes() == &want[..],
            "{name}: native C-order bytes differ from numpy's"
        );
        assert_eq!(arr.shape(), &u64s(&entry["shape"])[..], "{name}");
        assert_eq!(arr.size(), fx.meta.size, "{name}");
        assert_eq!(arr.dtype().itemsize(), fx.meta.itemsize, "{name}");
        assert!(!has_foreign_order(arr.dtype()), "{name}: {:?}", arr.dtype());
        assert_eq!(
            fx.meta.fortran_order,
            entry["fortran_order"].as_bool().expect("bool"),
            "{name}"
        );
    }
}

#[test]
fn lanes_match_numpy_in_file_layout_and_in_memory() {
    let mut checked = 0;
    for (name, entry) in &expected() {
        let fx = Fixture::load(entry);
        let m = &fx.meta;
        let arr = NdArray::from_npy_data(m, fx.data()).expect("converts");
        for l in entry["lanes"].as_array().expect("lanes") {
            let sel = selection(l);
            let want = values(l);
            let file = lane(&m.dtype, m.fortran_order, &m.shape, fx.data(), None, &sel)
                .unwrap_or_else(|e| panic!("{name} {sel:?}: {e}"));
            // hypot and atan2 are not correctly rounded in every libm: numpy's may differ by an ulp.
            let ulps = match sel.part {
                ComplexPart::Magnitude | ComplexPart::Phase => 1,
                ComplexPart::Real | ComplexPart::Imag => 0,
            };
            let ok = |got: &[f64], want: &[f64]| within_ulps(got, want, ulps);
            let got = all(&file);
            assert!(ok(&got, &want), "{name} {sel:?}: {got:?} != {want:?}");
            let one: Vec<f64> = (0..file.len).filter_map(|i| file.get(i)).collect();
            assert!(same(&one, &got), "{name} {sel:?} by get: {one:?}");
            let mem = arr
                .lane(None, &sel)
                .unwrap_or_else(|e| panic!("{name} {sel:?}: {e}"));
            assert!(same(&all(&mem), &got), "{name} {sel:?} in memory");
            // A sub-range of rows, through the whole-data lane and through a row-restricted lane.
            if want.len() >= 2 {
                let mut part = Vec::new();
                file.fill_f64(1..want.len(), &mut part);
                assert!(ok(&part, &want[1..]), "{name} {sel:?} rows 1..");
                let rows = lane(
                    &m.dtype,
                    m.fortran_order,
                    &m.shape,
                    fx.data(),
                    Some(1..2),
                    &sel,
                )
                .expect("rows");
                assert!(ok(&all(&rows), &want[1..2]), "{name} {sel:?} rows 1..2");
            }
            if let Some(unit) = l.get("unit") {
                let u = file
                    .kind
                    .date_unit()
                    .unwrap_or_else(|| panic!("{name}: no unit"));
                let code = if u.unit.code().is_empty() {
                    "generic"
                } else {
                    u.unit.code()
                };
                assert_eq!(code, str_of(&unit[0]), "{name}");
                assert_eq!(
                    u64::from(u.count),
                    unit[1].as_u64().expect("count"),
                    "{name}"
                );
                if sel.field.is_empty() {
                    assert_eq!(datetime_unit(&m.dtype), Some(u), "{name}");
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 150, "only {checked} lanes checked");
}

#[test]
fn impossible_lanes_are_errors() {
    let mut checked = 0;
    for (name, entry) in &expected() {
        let fx = Fixture::load(entry);
        let m = &fx.meta;
        for e in entry["errors"].as_array().expect("errors") {
            let sel = selection(e);
            let err = lane(&m.dtype, m.fortran_order, &m.shape, fx.data(), None, &sel)
                .map(|l| l.len)
                .expect_err(&format!("{name} {sel:?} should fail"));
            assert_eq!(err.kind(), str_of(&e["kind"]), "{name} {sel:?}: {err}");
            assert!(!err.to_string().is_empty());
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} errors checked");
}

#[test]
fn text_of_string_fixtures() {
    let mut checked = 0;
    for (name, entry) in &expected() {
        let want = strings(&entry["text"]);
        if want.is_empty() {
            continue;
        }
        let fx = Fixture::load(entry);
        let arr = NdArray::from_npy_data(&fx.meta, fx.data()).expect("converts");
        let size = fx.meta.itemsize as usize;
        for (i, w) in want.iter().enumerate() {
            let raw = &fx.data()[i * size..(i + 1) * size];
            assert_eq!(&text(&fx.meta.dtype, raw), w, "{name}[{i}] from the file");
            let native = arr.element(i as u64).expect("element");
            assert_eq!(&text(arr.dtype(), native), w, "{name}[{i}] in memory");
        }
        checked += 1;
    }
    assert!(checked >= 3);
}

#[test]
fn row_windows_reassemble_to_numpy_slices() {
    let mut checked = 0;
    for (name, entry) in &expected() {
        let fx = Fixture::load(entry);
        for w in entry["windows"].as_array().expect("windows") {
            let rows = u64s(&w["rows"]);
            let win =
                row_window(&fx.meta, rows[0]..rows[1]).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(win.shape, u64s(&w["shape"]), "{name} {rows:?}");
            assert_eq!(win.rows.end, rows[1].min(row_count(&fx.meta)), "{name}");
            // Fetched in parts, as concurrent ranged requests would.
            let mut bytes = Vec::new();
            for part in split_range(win.byte_range.clone(), 5) {
                bytes.extend_from_slice(&fx.file[part.start as usize..part.end as usize]);
            }
            assert_eq!(
                bytes.len() as u64,
                win.byte_range.end - win.byte_range.start
            );
            let arr = NdArray::from_parts(&fx.meta.dtype, win.fortran_order, &win.shape, &bytes)
                .unwrap_or_else(|e| panic!("{name} {rows:?}: {e}"));
            let want = read(&format!("values/{}", str_of(&w["bin"])));
            assert!(
                arr.bytes() == &want[..],
                "{name} {rows:?}: window bytes differ from numpy's"
            );
            checked += 1;
        }
    }
    assert!(checked > 40, "only {checked} windows checked");
}

#[test]
fn typed_slices_of_numeric_fixtures() {
    let all = expected();
    let load = |name: &str| {
        let fx = Fixture::load(&all[name]);
        NdArray::from_npy_data(&fx.meta, fx.data()).expect("converts")
    };
    assert_eq!(
        load("be_f4").as_slice::<f32>(),
        Some(&[0.0f32, 1.0, 2.0, 3.0][..])
    );
    assert_eq!(load("be_i8").as_slice::<i64>(), Some(&[0i64, 1, 2, 3][..]));
    assert_eq!(load("be_u2").as_slice::<u16>(), Some(&[0u16, 1, 2, 3][..]));
    assert_eq!(
        load("be_c16").as_slice::<[f64; 2]>(),
        Some(&[[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [3.0, 0.0]][..])
    );
    assert_eq!(
        load("bool").as_slice::<bool>(),
        Some(&[true, false, true][..])
    );
    assert_eq!(
        load("fortran_3d").as_slice::<i32>(),
        Some(&(0..24).collect::<Vec<i32>>()[..])
    );
    assert!(load("datetime_be_s").as_slice::<i64>().is_some());
    assert!(load("be_f4").as_slice::<f64>().is_none());
    assert!(load("struct_simple").as_slice::<f64>().is_none());
    assert!(load("le_U5").as_slice::<u32>().is_none());
}

#[test]
fn hostile_inputs_are_errors_not_panics() {
    let all = expected();
    let fx = Fixture::load(&all["x_struct_fortran_2d"]);
    let m = &fx.meta;
    let data = fx.data();
    let kind = |r: Result<usize, ArrayError>| r.expect_err("should fail").kind();
    // Wrong data length, both ways.
    assert_eq!(
        kind(NdArray::from_npy_data(m, &data[1..]).map(|a| a.nbytes())),
        "data_length"
    );
    let mut longer = data.to_vec();
    longer.push(0);
    assert_eq!(
        kind(NdArray::from_npy_data(m, &longer).map(|a| a.nbytes())),
        "data_length"
    );
    let msg = NdArray::from_npy_data(m, &[]).unwrap_err().to_string();
    assert!(msg.contains("read the whole data range again"), "{msg}");
    let run = |sel: &Selection, data: &[u8]| {
        lane(&m.dtype, m.fortran_order, &m.shape, data, None, sel).map(|l| l.len)
    };
    let sel = |field: &[&str], element: u64| Selection {
        field: field.iter().map(|s| s.to_string()).collect(),
        element,
        part: ComplexPart::Real,
    };
    // Row shape is (2 columns) × field `v` of 3 → 6 elements.
    assert_eq!(run(&sel(&["v"], 5), data), Ok(6));
    assert_eq!(kind(run(&sel(&["v"], 6), data)), "element_out_of_range");
    assert_eq!(kind(run(&sel(&["t"], 2), data)), "element_out_of_range");
    assert_eq!(kind(run(&sel(&["nope"], 0), data)), "unknown_field");
    assert_eq!(kind(run(&sel(&["n"], 0), data)), "needs_field");
    assert_eq!(kind(run(&sel(&[], 0), data)), "needs_field");
    assert_eq!(kind(run(&sel(&["t", "x"], 0), data)), "not_structured");
    assert_eq!(kind(run(&sel(&["s"], 0), data)), "not_numeric");
    assert_eq!(
        kind(run(&sel(&["t"], 0), &data[..data.len() - 1])),
        "data_length"
    );
    let msg = run(&sel(&["nope"], 0), data).unwrap_err().to_string();
    assert!(msg.contains("\"t\"") && msg.contains("\"n\""), "{msg}");
    // Windows: reversed ranges are errors, ranges past the end are clamped.
    assert_eq!(
        row_window(m, std::ops::Range { start: 3, end: 1 })
            .unwrap_err()
            .kind(),
        "reversed_range"
    );
    let w = row_window(m, 1..u64::MAX).expect("clamped");
    assert_eq!((w.rows, w.shape), (1..2, vec![6, 1]));
    // Hostile metadata: a shape that does not fit the data, or does not fit in u64 at all.
    let mut bad = m.clone();
    bad.shape = vec![u64::MAX, u64::MAX];
    assert_eq!(
        kind(NdArray::from_npy_data(&bad, data).map(|a| a.nbytes())),
        "too_big"
    );
    assert_eq!(row_window(&bad, 0..1).unwrap_err().kind(), "too_big");
    bad.shape = vec![1 << 40, 2];
    assert_eq!(
        kind(NdArray::from_npy_data(&bad, data).map(|a| a.nbytes())),
        "data_length"
    );
    assert_eq!(
        kind(lane(&bad.dtype, true, &bad.shape, data, None, &sel(&["t"], 0)).map(|l| l.len)),
        "data_length"
    );
}
