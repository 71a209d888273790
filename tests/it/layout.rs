//! Integration tests: layout.
//!
//! The paths in `DATAJOINT_PATHS` were produced by DataJoint's own `build_object_path` (and
//! `encode_pk_value`) from `src/datajoint/storage.py` of datajoint/datajoint-python, run with Python
//! without a database: HEAD (8e6ef316, 2026-08), the version before `schema_prefix` was honored
//! (c74a8309^, i.e. ≤ 2.3.0) and the version before the `objects/` segment was removed (5512659d^).

use npyscope::config::LayoutSettings;
use npyscope::store::layout::{DjPath, parse_datajoint_path};
use serde_json::json;

fn settings() -> LayoutSettings {
    LayoutSettings::default()
}

fn with_token_length(token_length: usize) -> LayoutSettings {
    LayoutSettings {
        token_length,
        ..LayoutSettings::default()
    }
}

fn dj(schema: &str, table: &str, key: &[(&str, &str)], attribute: &str, token: &str) -> DjPath {
    DjPath {
        schema: schema.to_string(),
        table: table.to_string(),
        key: key
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        attribute: attribute.to_string(),
        token: token.to_string(),
    }
}

fn parse(path: &str) -> Option<DjPath> {
    parse_datajoint_path(path, &settings())
}

struct Generated {
    path: &'static str,
    schema_prefix: &'static str,
    token_length: usize,
    expected: (
        &'static str,
        &'static str,
        &'static [(&'static str, &'static str)],
        &'static str,
        &'static str,
    ),
}

/// Paths written by DataJoint's `build_object_path`, with the parts they were built from.
const DATAJOINT_PATHS: &[Generated] = &[
    Generated {
        path: "_schema/lab_ephys/recording/recording_id=1/waveform_4OALEKMt.npy",
        schema_prefix: "_schema",
        token_length: 8,
        expected: (
            "lab_ephys",
            "recording",
            &[("recording_id", "1")],
            "waveform",
            "4OALEKMt",
        ),
    },
    Generated {
        path: "_schema/lab_ephys/__spectrogram/subject_id=42/session_date=2024-01-15/probe=mouse%2F1/raw_lfp_data_eCDCs97T.npy",
        schema_prefix: "_schema",
        token_length: 8,
        expected: (
            "lab_ephys",
            "__spectrogram",
            &[
                ("subject_id", "42"),
                ("session_date", "2024-01-15"),
                ("probe", "mouse/1"),
            ],
            "raw_lfp_data",
            "eCDCs97T",
        ),
    },
    Generated {
        path: "_schema/lab_ephys/#param/t=2024-01-15T10-30-05/name=a%3Ab%2Ac%3F%22d%3Ce%3Ef%7Cg%5Ch/data_LXOB-fI7.npy",
        schema_prefix: "_schema",
        token_length: 8,
        expected: (
            "lab_ephys",
            "#param",
            &[("t", "2024-01-15T10-30-05"), ("name", "a:b*c?\"d<e>f|g\\h")],
            "data",
            "LXOB-fI7",
        ),
    },
    Generated {
        // A 118-character string cut to 50 + `_` + md5[:8]; a float key.
        path: "_schema/lab_ephys/session__channel/note=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx_a1a84138/x=1.5/trace_ILFiIm9t.npy",
        schema_prefix: "_schema",
        token_length: 8,
        expected: (
            "lab_ephys",
            "session__channel",
            &[
                (
                    "note",
                    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx_a1a84138",
                ),
                ("x", "1.5"),
            ],
            "trace",
            "ILFiIm9t",
        ),
    },
    Generated {
        // partition_pattern = "{subject_id}/{session_date}"
        path: "_schema/subject_id=42/session_date=2024-01-15/lab_ephys/recording/rec=3/waveform_ifZ6CJAq.npy",
        schema_prefix: "_schema",
        token_length: 8,
        expected: (
            "lab_ephys",
            "recording",
            &[
                ("subject_id", "42"),
                ("session_date", "2024-01-15"),
                ("rec", "3"),
            ],
            "waveform",
            "ifZ6CJAq",
        ),
    },
    Generated {
        // Same pattern, a table whose key holds none of the partition attributes; token with `_`.
        path: "_schema/lab_ephys/recording/rec=3/waveform_S8wVGJ_U.npy",
        schema_prefix: "_schema",
        token_length: 8,
        expected: (
            "lab_ephys",
            "recording",
            &[("rec", "3")],
            "waveform",
            "S8wVGJ_U",
        ),
    },
    Generated {
        // schema_prefix "objects/_schema/" (stripped of `/`), token_length 16, a value holding `=`.
        path: "objects/_schema/lab/scan/k=a=b/frames_JbSDsOSn6F1jFWiT.npy",
        schema_prefix: "objects/_schema/",
        token_length: 16,
        expected: ("lab", "scan", &[("k", "a=b")], "frames", "JbSDsOSn6F1jFWiT"),
    },
    Generated {
        // No key attributes; token_length 2 is clamped to 4.
        path: "_schema/lab/scan/frames_mT7F.npy",
        schema_prefix: "_schema",
        token_length: 2,
        expected: ("lab", "scan", &[], "frames", "mT7F"),
    },
    Generated {
        // schema_prefix "" (root level); `<object@>` with extension "zarr".
        path: "lab/scan/scan_id=7/movie_xs_r78F8.zarr",
        schema_prefix: "",
        token_length: 8,
        expected: ("lab", "scan", &[("scan_id", "7")], "movie", "xs_r78F8"),
    },
    Generated {
        // `<object@>` folder: no extension.
        path: "_schema/lab/scan/scan_id=7/folder_V44ljPX1",
        schema_prefix: "_schema",
        token_length: 8,
        expected: ("lab", "scan", &[("scan_id", "7")], "folder", "V44ljPX1"),
    },
    Generated {
        // Long value with `/` and spaces (cut, then quoted); a literal `%25`; a `%` with a space (not
        // encoded by DataJoint: no unsafe character); non-ASCII with `/`.
        path: "_schema/lab/_ingest/src=dir%2Fsub%20dir%2Fdir%2Fsub%20dir%2Fdir%2Fsub%20dir%2Fdir%2Fsub%20dir%2Fdi_29174d0a/pct=50%25/label=50% off/who=caf%C3%A9%2F%C3%BC/img_yY6eua1W.npy",
        schema_prefix: "_schema",
        token_length: 8,
        expected: (
            "lab",
            "_ingest",
            &[
                (
                    "src",
                    "dir/sub dir/dir/sub dir/dir/sub dir/dir/sub dir/di_29174d0a",
                ),
                ("pct", "50%25"),
                ("label", "50% off"),
                ("who", "café/ü"),
            ],
            "img",
            "yY6eua1W",
        ),
    },
    Generated {
        // partition_pattern "subject_id/session_date" without braces: DataJoint's regex finds no
        // placeholder, so nothing moves in front.
        path: "_schema/lab/_ingest/subject_id=42/rec=1/img_amHtT_8q.npy",
        schema_prefix: "_schema",
        token_length: 8,
        expected: (
            "lab",
            "_ingest",
            &[("subject_id", "42"), ("rec", "1")],
            "img",
            "amHtT_8q",
        ),
    },
    Generated {
        // Empty string, negative int, bool.
        path: "_schema/lab/_ingest/empty=/neg=-3/flag=True/img_RQGVSIpV.npy",
        schema_prefix: "_schema",
        token_length: 8,
        expected: (
            "lab",
            "_ingest",
            &[("empty", ""), ("neg", "-3"), ("flag", "True")],
            "img",
            "RQGVSIpV",
        ),
    },
    Generated {
        // DataJoint ≤ 2.3.0: no schema_prefix, partitions at the root.
        path: "subject_id=42/session_date=2024-01-15/lab_ephys/recording/rec=3/waveform_3PN-wgYs.npy",
        schema_prefix: "_schema",
        token_length: 8,
        expected: (
            "lab_ephys",
            "recording",
            &[
                ("subject_id", "42"),
                ("session_date", "2024-01-15"),
                ("rec", "3"),
            ],
            "waveform",
            "3PN-wgYs",
        ),
    },
    Generated {
        path: "lab_ephys/recording/recording_id=1/waveform_NUiTp5JK.npy",
        schema_prefix: "_schema",
        token_length: 8,
        expected: (
            "lab_ephys",
            "recording",
            &[("recording_id", "1")],
            "waveform",
            "NUiTp5JK",
        ),
    },
    Generated {
        // Early 2.0: `objects/` after the table; partitions in Python-set order.
        path: "session_date=2024-01-15/subject_id=42/lab_ephys/recording/objects/rec=3/raw_lfp_data_ybGkEcLo.npy",
        schema_prefix: "_schema",
        token_length: 8,
        expected: (
            "lab_ephys",
            "recording",
            &[
                ("session_date", "2024-01-15"),
                ("subject_id", "42"),
                ("rec", "3"),
            ],
            "raw_lfp_data",
            "ybGkEcLo",
        ),
    },
    Generated {
        path: "lab_ephys/recording/objects/recording_id=1/waveform_n6IgJ2ZM.npy",
        schema_prefix: "_schema",
        token_length: 8,
        expected: (
            "lab_ephys",
            "recording",
            &[("recording_id", "1")],
            "waveform",
            "n6IgJ2ZM",
        ),
    },
];

#[test]
fn layout_paths_written_by_datajoint() {
    for case in DATAJOINT_PATHS {
        let layout = LayoutSettings {
            schema_prefix: case.schema_prefix.to_string(),
            partition_pattern: Some("{subject_id}/{session_date}".to_string()),
            token_length: case.token_length,
            ..LayoutSettings::default()
        };
        let (schema, table, key, attribute, token) = case.expected;
        assert_eq!(
            parse_datajoint_path(case.path, &layout),
            Some(dj(schema, table, key, attribute, token)),
            "{}",
            case.path
        );
    }
}

#[test]
fn layout_basic_path() {
    assert_eq!(
        parse("_schema/lab/recording/subject_id=42/rec=1/waveform_Ab3_-x9Z.npy"),
        Some(dj(
            "lab",
            "recording",
            &[("subject_id", "42"), ("rec", "1")],
            "waveform",
            "Ab3_-x9Z"
        ))
    );
}

#[test]
fn layout_attribute_with_underscores_split_by_token_length() {
    let parsed = parse("_schema/lab/recording/rec=1/raw_lfp_data_Ab3_-x9Z.npy").expect("parses");
    assert_eq!(parsed.attribute, "raw_lfp_data");
    assert_eq!(parsed.token, "Ab3_-x9Z");
    // With token length 4 the same stem would leave `raw_lfp_data_Ab3`, not a DataJoint attribute name.
    let path = "_schema/lab/recording/rec=1/raw_lfp_data_Ab3_-x9Z.npy";
    assert_eq!(parse_datajoint_path(path, &with_token_length(4)), None);
    // A lowercase stem splits either way, by the configured length.
    let path = "_schema/lab/recording/rec=1/raw_lfp_data_ab3_-x9z.npy";
    let split = |token_length| {
        parse_datajoint_path(path, &with_token_length(token_length)).map(|p| (p.attribute, p.token))
    };
    assert_eq!(
        split(8),
        Some(("raw_lfp_data".to_string(), "ab3_-x9z".to_string()))
    );
    assert_eq!(
        split(4),
        Some(("raw_lfp_data_ab3".to_string(), "-x9z".to_string()))
    );
    assert_eq!(split(5), None);
    // Token lengths outside 4–16 are clamped as DataJoint's generate_token does.
    let parsed = parse_datajoint_path(
        "_schema/lab/scan/frames_ABCDEFGHIJKLMNOP.npy",
        &with_token_length(40),
    );
    assert_eq!(
        parsed.map(|p| p.token),
        Some("ABCDEFGHIJKLMNOP".to_string())
    );
}

#[test]
fn layout_partitions_with_and_without_setting() {
    let path =
        "_schema/subject_id=42/session_date=2024-01-15/lab/recording/rec=3/waveform_Ab3_-x9Z.npy";
    let expected = Some(dj(
        "lab",
        "recording",
        &[
            ("subject_id", "42"),
            ("session_date", "2024-01-15"),
            ("rec", "3"),
        ],
        "waveform",
        "Ab3_-x9Z",
    ));
    for pattern in [
        None,
        Some("{subject_id}/{session_date}"),
        Some("subject_id/session_date"),
        Some("{other}"),
    ] {
        let layout = LayoutSettings {
            partition_pattern: pattern.map(str::to_string),
            ..LayoutSettings::default()
        };
        assert_eq!(parse_datajoint_path(path, &layout), expected, "{pattern:?}");
    }
}

#[test]
fn layout_legacy_layouts() {
    let expected = Some(dj(
        "lab",
        "recording",
        &[("rec", "3")],
        "waveform",
        "Ab3_-x9Z",
    ));
    assert_eq!(parse("lab/recording/rec=3/waveform_Ab3_-x9Z.npy"), expected);
    assert_eq!(
        parse("lab/recording/objects/rec=3/waveform_Ab3_-x9Z.npy"),
        expected
    );
    // `objects/` only existed before schema_prefix was honored.
    assert_eq!(
        parse("_schema/lab/recording/objects/rec=3/waveform_Ab3_-x9Z.npy"),
        None
    );
    // A table literally named `objects`.
    assert_eq!(
        parse("_schema/lab/objects/rec=3/waveform_Ab3_-x9Z.npy"),
        Some(dj(
            "lab",
            "objects",
            &[("rec", "3")],
            "waveform",
            "Ab3_-x9Z"
        ))
    );
    assert_eq!(
        parse("lab/recording/objects/waveform_Ab3_-x9Z.npy"),
        Some(dj("lab", "recording", &[], "waveform", "Ab3_-x9Z"))
    );
}

#[test]
fn layout_custom_prefixes() {
    let layout = LayoutSettings {
        schema_prefix: "/data/schemas/".to_string(),
        hash_prefix: "blobs".to_string(),
        filepath_prefix: Some("raw/".to_string()),
        ..LayoutSettings::default()
    };
    let expected = Some(dj(
        "lab",
        "recording",
        &[("rec", "3")],
        "waveform",
        "Ab3_-x9Z",
    ));
    assert_eq!(
        parse_datajoint_path(
            "data/schemas/lab/recording/rec=3/waveform_Ab3_-x9Z.npy",
            &layout
        ),
        expected
    );
    // The default prefix is not special when another is configured: `_schema` reads as a schema name.
    assert_eq!(
        parse_datajoint_path("_schema/lab/recording/rec=3/waveform_Ab3_-x9Z.npy", &layout),
        None
    );
    assert_eq!(
        parse_datajoint_path("blobs/lab/recording/rec=3/waveform_Ab3_-x9Z.npy", &layout),
        None
    );
    assert_eq!(
        parse_datajoint_path("raw/lab/recording/rec=3/waveform_Ab3_-x9Z.npy", &layout),
        None
    );
    // Only whole segments match a prefix.
    assert_eq!(
        parse_datajoint_path("rawdata/recording/rec=3/waveform_Ab3_-x9Z.npy", &layout),
        Some(dj(
            "rawdata",
            "recording",
            &[("rec", "3")],
            "waveform",
            "Ab3_-x9Z"
        ))
    );
}

#[test]
fn layout_hash_and_filepath_objects_are_plain() {
    let layout = LayoutSettings {
        filepath_prefix: Some("files".to_string()),
        ..LayoutSettings::default()
    };
    for path in [
        "_hash/lab/4OALEKMtABCDEFGHIJKLMNOPQRSTUVWX",
        "_hash/lab/recording/rec=3/waveform_Ab3_-x9Z.npy",
        "_hash",
        "files/lab/recording/rec=3/waveform_Ab3_-x9Z.npy",
    ] {
        assert_eq!(parse_datajoint_path(path, &layout), None, "{path}");
    }
}

#[test]
fn layout_key_values() {
    let parsed = parse("_schema/lab/recording/probe=mouse%2F1/expr=a=b=c/when=2024-01-15T10-30-05/waveform_Ab3_-x9Z.npy")
        .expect("parses");
    assert_eq!(
        parsed.key,
        vec![
            ("probe".to_string(), "mouse/1".to_string()),
            ("expr".to_string(), "a=b=c".to_string()),
            ("when".to_string(), "2024-01-15T10-30-05".to_string()),
        ]
    );
    // Escapes DataJoint did not write are kept as they are.
    let parsed = parse("_schema/lab/recording/a=%ZZ/b=100%25/c=%FF%2F/d=%/waveform_Ab3_-x9Z.npy")
        .expect("parses");
    let values: Vec<&str> = parsed.key.iter().map(|(_, v)| v.as_str()).collect();
    assert_eq!(values, ["%ZZ", "100%25", "%FF%2F", "%"]);
}

#[test]
fn layout_table_without_key_and_folder_objects() {
    assert_eq!(
        parse("_schema/lab/settings/config_Ab3_-x9Z.npy"),
        Some(dj("lab", "settings", &[], "config", "Ab3_-x9Z"))
    );
    // A folder object of `<object@>` listed with a trailing slash.
    assert_eq!(
        parse("_schema/lab/scan/scan_id=7/movie_Ab3_-x9Z/"),
        Some(dj("lab", "scan", &[("scan_id", "7")], "movie", "Ab3_-x9Z"))
    );
    // Files inside a folder object are not themselves schema-addressed objects.
    assert_eq!(
        parse("_schema/lab/scan/scan_id=7/movie_Ab3_-x9Z/frame_0001.tif"),
        None
    );
}

#[test]
fn layout_rejects_malformed() {
    for path in [
        "",
        "/",
        "_schema",
        "_schema/",
        "_schema/lab",
        "_schema/lab/recording",
        "_schema/lab/recording/",
        "_schema/lab/recording/rec=1",
        "_schema/lab/recording/rec=1/",
        "_schema/lab/recording/rec=1/waveform.npy",
        "_schema/lab/recording/rec=1/waveform_.npy",
        "_schema/lab/recording/rec=1/_Ab3_-x9Z.npy",
        "_schema/lab/recording/rec=1/waveformAb3_-x9Z.npy",
        "_schema/lab/recording/rec=1/w_Ab3-x9.npy",
        "_schema/lab/recording/rec=1/waveform_Ab3_+x9Z.npy",
        "_schema/lab/recording/rec=1/waveform_Ab3_.x9Z.npy",
        "_schema/lab/recording/rec=1/waveform_Ab3_éx9.npy",
        "_schema/lab/recording/rec=1/.npy",
        "_schema/lab/recording/rec1/waveform_Ab3_-x9Z.npy",
        "_schema/lab/recording/=1/waveform_Ab3_-x9Z.npy",
        "_schema/lab/recording/Rec=1/waveform_Ab3_-x9Z.npy",
        "_schema/lab/recording/rec=1/rec=2/waveform_Ab3_-x9Z.npy",
        "_schema/lab/recording/rec=1/Waveform_Ab3_-x9Z.npy",
        "_schema/lab//recording/rec=1/waveform_Ab3_-x9Z.npy",
        "_schema/lab/recording//waveform_Ab3_-x9Z.npy",
        "/_schema/lab/recording/rec=1/waveform_Ab3_-x9Z.npy",
        "_schema/../recording/rec=1/waveform_Ab3_-x9Z.npy",
        "_schema/lab/../rec=1/waveform_Ab3_-x9Z.npy",
        "_schema/lab/Recording/rec=1/waveform_Ab3_-x9Z.npy",
        "_schema/lab/rec=1/waveform_Ab3_-x9Z.npy",
        "_schema/rec=1/waveform_Ab3_-x9Z.npy",
        "_schema/lab/recording/rec=1/waveform_Ab3_-x9Z.npy//",
        "sessions/Mouse1/notes.txt",
    ] {
        assert_eq!(parse(path), None, "{path:?}");
    }
}

#[test]
fn layout_never_panics_on_odd_input() {
    let pieces = [
        "",
        "/",
        "//",
        "=",
        "==",
        "%",
        "%Z",
        "%ZZ",
        "%2F",
        "%FF",
        "%C3",
        "..",
        ".",
        "_",
        "-",
        "é",
        "日本",
        "\u{0}",
        "\n",
        "a=b",
        "k=%E6%97%A5",
        "_schema",
        "_hash",
        "objects",
        "lab",
        "recording",
        "#x",
        "__x",
        "w_ABCD",
        "w_Ab3_-x9Z.npy",
        "data_日本語です.npy",
        "x_ééééé",
        "ü_ABCD.npy",
        "\u{10FFFF}",
        "\\",
        "a b",
        "%%%%",
        "_Ab3_-x9Z",
        "__________",
        "a=é%",
        "🦀_ABCD🦀",
    ];
    let layouts = [
        with_token_length(0),
        with_token_length(4),
        settings(),
        with_token_length(16),
        with_token_length(usize::MAX),
    ];
    let mut count = 0usize;
    for a in pieces {
        for b in pieces {
            for c in ["", "/", "/w_Ab3_-x9Z.npy", "/k=v/", "/日本/w_ABCD"] {
                let path = format!("{a}/{b}{c}");
                let joined = format!("{a}{b}{c}");
                for layout in &layouts {
                    let _ = parse_datajoint_path(&path, layout);
                    let _ = parse_datajoint_path(&joined, layout);
                    count += 2;
                }
            }
        }
    }
    // Every truncation of a valid path, at every char boundary.
    let valid =
        "_schema/subject_id=42/lab/__spec/probe=mouse%2F1/rawé=日本/raw_lfp_data_Ab3_-x9Z.npy";
    for (i, _) in valid.char_indices() {
        for layout in &layouts {
            let _ = parse_datajoint_path(&valid[..i], layout);
            let _ = parse_datajoint_path(&valid[i..], layout);
            count += 2;
        }
    }
    assert!(count > 10_000);
}

#[test]
fn layout_json_keeps_key_order() {
    let parsed = parse(
        "_schema/subject_id=42/lab/recording/zeta=1/alpha=mouse%2F1/raw_lfp_data_Ab3_-x9Z.npy",
    )
    .expect("parses");
    let value = parsed.to_json();
    assert_eq!(
        value,
        json!({
            "schema": "lab",
            "table": "recording",
            "key": {"subject_id": "42", "zeta": "1", "alpha": "mouse/1"},
            "attribute": "raw_lfp_data",
            "token": "Ab3_-x9Z",
        })
    );
    let keys: Vec<&String> = value["key"]
        .as_object()
        .expect("key object")
        .keys()
        .collect();
    assert_eq!(keys, ["subject_id", "zeta", "alpha"]);
    assert_eq!(
        serde_json::to_string(&value).expect("serializes"),
        r#"{"schema":"lab","table":"recording","key":{"subject_id":"42","zeta":"1","alpha":"mouse/1"},"attribute":"raw_lfp_data","token":"Ab3_-x9Z"}"#
    );
}
