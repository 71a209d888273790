//! The DataJoint database, against real servers filled by DataJoint (PostgreSQL and MariaDB):
//! schemas, tables with tiers and types, rows equal to DataJoint's own fetch, paging through
//! 100,000 rows, restriction, `db get`, errors a person can act on, and read-only proof.

use std::path::Path;
use std::process::{Command, Output};

use npyscope::config::{DatabaseSpec, Secret};
use npyscope::db::{self, Database, PageStart, RowQuery};
use serde_json::Value;

use crate::db_fixture::{DbServer, db_fixture};

/// The binary, in `cwd`, with no DataJoint variables from outside.
fn npyscope(cwd: &Path, args: &[&str]) -> Command {
    crate::common::npyscope_in(cwd, args)
}

fn run(mut cmd: Command) -> Output {
    cmd.output().expect("run npyscope")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json_lines(out: &Output) -> Vec<Value> {
    assert!(out.status.success(), "npyscope failed: {}", stderr(out));
    stdout(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn servers() -> [&'static DbServer; 2] {
    let fx = db_fixture();
    [&fx.pg, &fx.my]
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// numpy's descr of a dtype name, as numpy itself prints it (`float32` → `<f4`).
fn descr_of(name: &str) -> Value {
    Value::String(
        match name {
            "float32" => "<f4",
            "float64" => "<f8",
            "int64" => "<i8",
            "int16" => "<i2",
            other => panic!("add {other} to descr_of"),
        }
        .to_string(),
    )
}

#[test]
fn schemas_and_tables_as_datajoint_declared_them() {
    let fx = db_fixture();
    for server in servers() {
        let project = server.project();
        let schemas = json_lines(&run(npyscope(project.path(), &["db", "schemas", "--json"])));
        assert!(
            schemas.iter().any(|s| s["schema"] == fx.schema.as_str()),
            "{:?}: {schemas:?}",
            server.backend
        );
        assert!(
            !schemas
                .iter()
                .any(|s| ["mysql", "information_schema", "pg_catalog", "public"]
                    .contains(&s["schema"].as_str().unwrap_or(""))),
            "system schemas are left out: {schemas:?}"
        );
        let tables = json_lines(&run(npyscope(
            project.path(),
            &["db", "tables", &fx.schema, "--json"],
        )));
        let find = |name: &str| -> &Value {
            tables
                .iter()
                .find(|t| t["table"] == name)
                .unwrap_or_else(|| panic!("{:?}: no table {name} in {tables:?}", server.backend))
        };
        let tiers: Vec<(String, String, String)> = tables
            .iter()
            .map(|t| {
                (
                    t["table"].as_str().unwrap_or("").to_string(),
                    t["sql_name"].as_str().unwrap_or("").to_string(),
                    t["tier"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        for want in [
            ("animal", "#animal", "lookup"),
            ("session", "session", "manual"),
            ("recording", "recording", "manual"),
            ("recording_stats", "__recording_stats", "computed"),
            (
                "recording_stats__channel",
                "__recording_stats__channel",
                "part",
            ),
            ("big", "big", "manual"),
        ] {
            assert!(
                tiers.contains(&(want.0.into(), want.1.into(), want.2.into())),
                "{:?}: {want:?} in {tiers:?}",
                server.backend
            );
        }
        assert_eq!(tables.len(), 7, "hidden ~ tables are left out: {tiers:?}");
        let recording = find("recording");
        assert_eq!(recording["comment"], "raw recordings");
        assert_eq!(
            recording["primary_key"],
            serde_json::json!(["animal", "session", "recording_id"])
        );
        assert_eq!(recording["rows"], 6);
        let types: Vec<(String, String, bool)> = recording["attributes"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|a| {
                        (
                            a["name"].as_str().unwrap_or("").to_string(),
                            a["type"].as_str().unwrap_or("").to_string(),
                            a["in_key"].as_bool().unwrap_or(false),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(
            types,
            vec![
                // Inherited key attributes get their parent's DataJoint type.
                ("animal".into(), "varchar(16)".into(), true),
                ("session".into(), "int16".into(), true),
                ("recording_id".into(), "int32".into(), true),
                ("waveform".into(), "<npy@main>".into(), false),
                ("spikes".into(), "<npy@main>".into(), false),
                ("small".into(), "<blob>".into(), false),
            ],
            "{:?}",
            server.backend
        );
        let waveform = &recording["attributes"][3];
        assert_eq!(waveform["comment"], "raw voltage");
        let animal = find("animal");
        let sex = animal["attributes"]
            .as_array()
            .and_then(|a| a.iter().find(|a| a["name"] == "sex"))
            .cloned()
            .unwrap_or_default();
        assert_eq!(sex["type"], "enum('M', 'F')");
        assert_eq!(find("big")["rows"], fx.big_rows);
        // Class names are accepted as well as SQL names.
        let part = run(npyscope(
            project.path(),
            &[
                "db",
                "rows",
                &format!("{}.RecordingStats.Channel", fx.schema),
                "--limit",
                "1",
                "--json",
            ],
        ));
        assert_eq!(json_lines(&part).len(), 1);
    }
}

/// A row's key as text, for matching rows of two sources.
fn key_of(row: &Value, key: &[&str]) -> String {
    key.iter()
        .map(|k| row[*k].to_string())
        .collect::<Vec<_>>()
        .join("|")
}

#[test]
fn rows_equal_datajoint_fetch() {
    let fx = db_fixture();
    for server in servers() {
        let project = server.project();
        for (class, key) in [
            ("Animal", vec!["animal"]),
            ("Session", vec!["animal", "session"]),
            ("Recording", vec!["animal", "session", "recording_id"]),
            ("RecordingStats", vec!["animal", "session", "recording_id"]),
            (
                "RecordingStats.Channel",
                vec!["animal", "session", "recording_id", "channel"],
            ),
        ] {
            let table = format!("{}.{class}", fx.schema);
            let ours = json_lines(&run(npyscope(
                project.path(),
                &["db", "rows", &table, "--json"],
            )));
            let theirs = server.expected_rows(class);
            assert_eq!(ours.len(), theirs.len(), "{:?} {class}", server.backend);
            for row in &ours {
                assert_eq!(row["schema"], fx.schema.as_str());
                let mut flat = row["key"].as_object().cloned().unwrap_or_default();
                flat.extend(row["attributes"].as_object().cloned().unwrap_or_default());
                let flat = Value::Object(flat);
                let want = theirs
                    .iter()
                    .find(|t| key_of(t, &key) == key_of(&flat, &key))
                    .unwrap_or_else(|| {
                        panic!("{:?} {class}: no DataJoint row for {row}", server.backend)
                    });
                for (name, value) in want.as_object().into_iter().flatten() {
                    let got = &flat[name];
                    if value.get("codec") == Some(&Value::String("npy".into())) {
                        assert_eq!(got["codec"], "npy");
                        assert_eq!(got["store"], value["store"], "{name}");
                        assert_eq!(got["path"], value["path"], "{name}");
                        assert_eq!(got["shape"], value["shape"], "{name}");
                        let dtype = value["dtype"].as_str().unwrap_or("");
                        assert_eq!(got["dtype"], descr_of(dtype), "{name}");
                        let items: u64 = value["shape"]
                            .as_array()
                            .map(|s| s.iter().filter_map(Value::as_u64).product())
                            .unwrap_or(0);
                        let itemsize = if dtype.ends_with("64") { 8 } else { 4 };
                        assert_eq!(got["nbytes"], items * itemsize, "{name}");
                    } else if value.get("array") == Some(&Value::Bool(true)) {
                        // An in-table <blob>: its size now, its shape once blobs are decoded.
                        assert_eq!(got["codec"], "blob", "{name}: {got}");
                        assert_eq!(got["store"], Value::Null);
                        assert!(got["bytes"].as_u64().is_some_and(|b| b > 20), "{got}");
                    } else if let (Some(a), Some(b)) = (got.as_f64(), value.as_f64()) {
                        assert!(
                            (a - b).abs() <= 1e-6 * b.abs().max(1.0),
                            "{class}.{name}: {a} vs {b}"
                        );
                    } else {
                        assert_eq!(got, value, "{:?} {class}.{name}", server.backend);
                    }
                }
            }
        }
        let sizes = server.expected["small_bytes"].clone();
        let recordings = json_lines(&run(npyscope(
            project.path(),
            &["db", "rows", &format!("{}.recording", fx.schema), "--json"],
        )));
        let mut ours: Vec<u64> = recordings
            .iter()
            .filter_map(|r| r["attributes"]["small"]["bytes"].as_u64())
            .collect();
        ours.sort();
        let mut want: Vec<u64> = sizes
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_u64).collect())
            .unwrap_or_default();
        want.sort();
        assert_eq!(ours, want, "in-table blob sizes as the database keeps them");
    }
}

#[test]
fn text_rows_show_every_attribute() {
    let fx = db_fixture();
    let server = &fx.pg;
    let project = server.project();
    let out = run(npyscope(
        project.path(),
        &[
            "db",
            "rows",
            &format!("{}.Session", fx.schema),
            "--where",
            "animal=mouse01",
        ],
    ));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("animal\tsession\tsession_date\tstarted\tsampling_rate\tmeta")
    );
    let first = lines.next().unwrap_or_default();
    assert_eq!(
        first,
        "mouse01\t1\t2024-03-01\t2024-03-01T10:15:00\t30000\t{\"rig\":\"A\",\"probes\":[1,2]}"
    );
    assert_eq!(lines.next().map(|l| l.ends_with("\tNULL")), Some(true));
    assert_eq!(lines.next(), None);
}

#[test]
fn pages_through_100000_rows_by_key() {
    let fx = db_fixture();
    let rt = runtime();
    for server in servers() {
        rt.block_on(async {
            let db = Database::connect(&server.spec()).await.expect("connect");
            let table = db::find_table(&db, &fx.schema, "Big").await.expect("Big");
            let query = RowQuery::default();
            let mut start = PageStart::Offset(0);
            let mut seen = 0u64;
            let mut last = -1i64;
            let mut pages = 0;
            loop {
                let page = db::fetch_page(&db, &table, &query, &start, db::PAGE_ROWS)
                    .await
                    .expect("page");
                for row in &page {
                    let item = match row.values[0] {
                        db::CellValue::Int(i) => i,
                        ref other => panic!("{other:?}"),
                    };
                    assert!(item > last, "{:?}: rows come in key order, none twice: {item} after {last} (page {pages})", server.backend);
                    last = item;
                }
                seen += page.len() as u64;
                pages += 1;
                match page.last() {
                    Some(row) if page.len() as u64 == db::PAGE_ROWS => {
                        start = PageStart::AfterKey(row.key_text.clone())
                    }
                    _ => break,
                }
            }
            assert_eq!(seen, fx.big_rows, "{:?}", server.backend);
            assert_eq!(pages, 101);
            // A jump into the middle (the window's scroll bar) reads by offset.
            let page = db::fetch_page(&db, &table, &query, &PageStart::Offset(50_000), 3)
                .await
                .expect("page");
            assert_eq!(page[0].values[0], db::CellValue::Int(50_000));
            // Sorted by the database, by another attribute, descending.
            let query = RowQuery {
                order: db::Order {
                    attribute: Some("value".into()),
                    descending: true,
                },
                ..RowQuery::default()
            };
            let page = db::fetch_page(&db, &table, &query, &PageStart::Offset(0), 2)
                .await
                .expect("page");
            assert_eq!(page[0].values[0], db::CellValue::Int(99_999));
            db.close().await;
        });
    }
}

#[test]
fn restriction_by_key_and_value() {
    for server in servers() {
        let project = server.project();
        let rows = |terms: &[&str]| {
            let mut args = vec!["db", "rows", "npyscope_test.Recording", "--json"];
            for t in terms {
                args.push("--where");
                args.push(t);
            }
            run(npyscope(project.path(), &args))
        };
        let out = rows(&["animal=mouse/02", "session=1"]);
        let lines = json_lines(&out);
        assert_eq!(lines.len(), 2, "{:?}", server.backend);
        assert!(lines.iter().all(|r| r["key"]["animal"] == "mouse/02"));
        let out = rows(&["recording_id>=2"]);
        assert_eq!(json_lines(&out).len(), 3);
        let sessions = run(npyscope(
            project.path(),
            &[
                "db",
                "rows",
                "npyscope_test.session",
                "--json",
                "--where",
                "session_date>=2024-03-02",
                "--where",
                "meta!=null",
            ],
        ));
        assert_eq!(json_lines(&sessions).len(), 1, "{:?}", server.backend);
        let big = run(npyscope(
            project.path(),
            &[
                "db",
                "rows",
                "npyscope_test.big",
                "--json",
                "--where",
                "label=item 77",
                "--limit",
                "5",
            ],
        ));
        let big = json_lines(&big);
        assert_eq!(big.len(), 1);
        assert_eq!(big[0]["attributes"]["value"], 38.5);
        // Bad restrictions say what is wrong and what would be right.
        let out = rows(&["session=abc"]);
        assert!(!out.status.success());
        assert!(stderr(&out).contains("int16"), "{}", stderr(&out));
        let out = rows(&["nosuch=1"]);
        assert!(
            stderr(&out).contains("has no attribute \"nosuch\""),
            "{}",
            stderr(&out)
        );
        assert!(stderr(&out).contains("recording_id"), "{}", stderr(&out));
        let out = rows(&["waveform=1"]);
        assert!(
            stderr(&out).contains("cannot be compared"),
            "{}",
            stderr(&out)
        );
        // Values are bound, never spliced into the SQL.
        let out = rows(&["animal=x' OR '1'='1"]);
        assert_eq!(json_lines(&out).len(), 0);
    }
}

#[test]
fn restriction_by_npy_metadata_in_the_filter_language() {
    // Recording: waveform float32 (n, 4) with n = 3000, 3000, 1500, 1500, 2000, 2000;
    // spikes int64 (17,). MariaDB holds the same JSON (inserted with DataJoint's encoding).
    for server in servers() {
        let project = server.project();
        let count = |terms: &[&str]| {
            let mut args = vec!["db", "rows", "npyscope_test.Recording", "--json"];
            for t in terms {
                args.push("--where");
                args.push(t);
            }
            let out = run(npyscope(project.path(), &args));
            assert!(out.status.success(), "{terms:?}: {}", stderr(&out));
            json_lines(&out)
        };
        let b = server.backend;
        let rows = count(&["waveform.shape[0] > 1600"]);
        assert_eq!(rows.len(), 4, "{b:?}");
        assert!(rows.iter().all(|r| {
            r["attributes"]["waveform"]["shape"][0]
                .as_u64()
                .is_some_and(|n| n > 1600)
        }));
        assert_eq!(
            count(&["waveform.shape[-1]=4", "waveform.ndim=2"]).len(),
            6,
            "{b:?}"
        );
        assert_eq!(count(&["waveform.shape[2]>0"]).len(), 0, "{b:?}");
        assert_eq!(count(&["spikes.len=17"]).len(), 6, "{b:?}");
        assert_eq!(count(&["spikes.dtype:int64"]).len(), 6, "{b:?}");
        assert_eq!(count(&["waveform.dtype:float"]).len(), 6, "{b:?}");
        assert_eq!(count(&["waveform.dtype!=float32"]).len(), 0, "{b:?}");
        // nbytes = 16 n: > 40 kB only for n = 3000; size < 30000 B only for n = 1500.
        let big = count(&["waveform.nbytes>40kB"]);
        assert_eq!(big.len(), 2, "{b:?}");
        assert!(
            big.iter()
                .all(|r| r["attributes"]["waveform"]["nbytes"] == 48000)
        );
        assert_eq!(count(&["waveform.size < 30000B"]).len(), 2, "{b:?}");
        assert_eq!(count(&["waveform.nbytes=1.5kB"]).len(), 0, "{b:?}");
        // With value terms, ANDed.
        let rows = count(&["animal=mouse01", "waveform.len>=2000"]);
        assert_eq!(rows.len(), 2, "{b:?}");
        // Without a column on a table with two <npy@> columns: the message names them.
        let out = run(npyscope(
            project.path(),
            &[
                "db",
                "rows",
                "npyscope_test.Recording",
                "--where",
                "shape[0]>1",
            ],
        ));
        assert!(!out.status.success());
        let err = stderr(&out);
        assert!(
            err.contains("waveform, spikes") || err.contains("spikes, waveform"),
            "{err}"
        );
        assert!(err.contains(".shape[0]>1"), "{err}");
        // A column that is not <npy@>.
        let out = run(npyscope(
            project.path(),
            &[
                "db",
                "rows",
                "npyscope_test.Recording",
                "--where",
                "small.ndim=2",
            ],
        ));
        assert!(
            stderr(&out).contains("not an <npy@> column"),
            "{}",
            stderr(&out)
        );
        // db get picks its one row by metadata too.
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("w.npy");
        let out = run(npyscope(
            project.path(),
            &[
                "db",
                "get",
                "npyscope_test.Recording",
                "waveform",
                "--where",
                "animal=mouse01",
                "--where",
                "waveform.shape[0]<2000",
                "--where",
                "recording_id=1",
                "-o",
                &file.to_string_lossy(),
            ],
        ));
        assert!(out.status.success(), "{b:?}: {}", stderr(&out));
        assert!(file.exists());
    }
}

#[test]
fn db_get_writes_the_cell_array() {
    for server in servers() {
        let project = server.project();
        let out_file = project.path().join("w.npy");
        let out = run(npyscope(
            project.path(),
            &[
                "db",
                "get",
                "npyscope_test.Recording",
                "waveform",
                "--where",
                "animal=mouse01",
                "--where",
                "session=2",
                "--where",
                "recording_id=1",
                "-o",
                out_file.to_str().unwrap_or(""),
            ],
        ));
        assert!(out.status.success(), "{}", stderr(&out));
        let want = server
            .expected_rows("Recording")
            .into_iter()
            .find(|r| r["animal"] == "mouse01" && r["session"] == 2 && r["recording_id"] == 1)
            .expect("row");
        let source = server
            .store
            .join(want["waveform"]["path"].as_str().unwrap_or(""));
        let check = Command::new("python3")
            .arg("-c")
            .arg(
                "import numpy as np, sys; a=np.load(sys.argv[1]); b=np.load(sys.argv[2]); \
                  sys.exit(0 if a.dtype==b.dtype and a.shape==b.shape and (a==b).all() else 1)",
            )
            .arg(&out_file)
            .arg(&source)
            .status()
            .expect("python3");
        assert!(check.success(), "numpy reads back the stored array");
        let out = run(npyscope(
            project.path(),
            &[
                "db",
                "get",
                "npyscope_test.Recording",
                "waveform",
                "--where",
                "animal=mouse01",
                "-o",
                "x.npy",
            ],
        ));
        assert!(!out.status.success());
        assert!(
            stderr(&out).contains("4 rows of npyscope_test.Recording match"),
            "{}",
            stderr(&out)
        );
    }
}

/// `<blob@main>` and `<blob>` cells of the `Trace` table, inserted by DataJoint itself on PostgreSQL; on MariaDB,
/// where DataJoint 2.3.5 cannot insert JSON-typed codec values, the fixture lets DataJoint's own encoder and
/// insert write them by marking the columns JSON as DataJoint does for `:json:` columns (tests/db/fixture.py), so
/// the bytes and JSON are DataJoint's exact encoding on both. Checked against what `Table.to_dicts()` returned
/// (arrays saved by numpy): `db rows` (JSON and text) gives their shape and dtype, `db get` writes `.npy` files
/// numpy reads back equal, and `ls` of the store's `_hash` folder lists the same blobs.
#[test]
fn blob_cells_show_shape_and_dtype_and_db_get_writes_them() {
    let fx = db_fixture();
    for server in servers() {
        let project = server.project();
        let table = format!("{}.Trace", fx.schema);
        let ours = json_lines(&run(npyscope(
            project.path(),
            &["db", "rows", &table, "--json"],
        )));
        let theirs = server.expected_rows("Trace");
        assert_eq!(ours.len(), theirs.len(), "{:?}", server.backend);
        assert_eq!(theirs.len(), 4);
        let mut pairs = Vec::new();
        let mut scalars = Vec::new();
        let mut blob_paths = Vec::new();
        for want in &theirs {
            let key = &want["key"];
            let row = ours
                .iter()
                .find(|r| {
                    r["key"]["animal"] == key["animal"]
                        && r["key"]["session"] == key["session"]
                        && r["key"]["trace_id"] == key["trace_id"]
                })
                .unwrap_or_else(|| panic!("{:?}: no row {key}", server.backend));
            let signal = &row["attributes"]["signal"];
            assert_eq!(signal["codec"], "blob", "{signal}");
            assert_eq!(signal["store"], "main", "{signal}");
            let path = signal["path"].as_str().expect("path");
            assert!(path.starts_with("_hash/npyscope_test/"), "{signal}");
            blob_paths.push((path.to_string(), want["signal"].clone()));
            for attr in ["signal", "summary"] {
                let got = &row["attributes"][attr];
                let expected = &want[attr];
                // DataJoint's fetch gives a 0-d array as a Python scalar: the blob holds a 0-d array.
                let scalar = expected["value"].as_f64();
                if expected["npy"].is_null() && scalar.is_none() {
                    assert_eq!(
                        got["shape"],
                        Value::Null,
                        "{attr}: not an array: {got} {expected}"
                    );
                    assert_eq!(got["dtype"], Value::Null, "{attr}: {got}");
                    continue;
                }
                if scalar.is_some() {
                    assert_eq!(got["shape"], serde_json::json!([]), "{attr}: 0-d: {got}");
                    assert_eq!(got["dtype"], "<f8", "{attr}: {got}");
                } else {
                    assert_eq!(
                        got["shape"], expected["shape"],
                        "{:?} {attr}: {got}",
                        server.backend
                    );
                    assert_eq!(
                        got["dtype"], expected["dtype"],
                        "{:?} {attr}: {got}",
                        server.backend
                    );
                }
                let out_file = project.path().join(format!(
                    "{}-{}-{}-{attr}.npy",
                    key["animal"].as_str().unwrap_or("").replace('/', "_"),
                    key["session"],
                    key["trace_id"]
                ));
                let terms: Vec<String> = ["animal", "session", "trace_id"]
                    .iter()
                    .map(|k| match &key[*k] {
                        Value::String(s) => format!("{k}={s}"),
                        other => format!("{k}={other}"),
                    })
                    .collect();
                let mut args = vec!["db", "get", table.as_str(), attr];
                for term in &terms {
                    args.extend(["--where", term.as_str()]);
                }
                args.extend(["-o", out_file.to_str().unwrap_or("")]);
                let out = run(npyscope(project.path(), &args));
                assert!(
                    out.status.success(),
                    "{:?} db get {attr}: {}",
                    server.backend,
                    stderr(&out)
                );
                match scalar {
                    Some(value) => scalars.push(format!("({out_file:?}, {value:?})")),
                    None => pairs.push(format!(
                        "({:?}, {:?})",
                        out_file,
                        expected["npy"].as_str().unwrap_or("")
                    )),
                }
            }
        }
        assert!(
            pairs.len() + scalars.len() >= 7,
            "{} cells written",
            pairs.len()
        );
        let script = format!(
            "import numpy as np\n\
             for got, want in [{}]:\n    \
             a, b = np.load(got), np.load(want)\n    \
             assert a.dtype == b.dtype and a.shape == b.shape, (got, a.dtype, a.shape, b.dtype, b.shape)\n    \
             assert np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes(), got\n\
             for got, value in [{}]:\n    \
             a = np.load(got)\n    \
             assert a.shape == () and a.item() == value, (got, a)\n",
            pairs.join(", "),
            scalars.join(", ")
        );
        let check = Command::new("python3")
            .arg("-c")
            .arg(script)
            .output()
            .expect("python3");
        assert!(
            check.status.success(),
            "{:?}: numpy reads back what DataJoint fetched: {}",
            server.backend,
            String::from_utf8_lossy(&check.stderr)
        );

        // The same blobs, listed from the store's _hash folder by their first bytes.
        let listed = json_lines(&run(npyscope(
            project.path(),
            &["ls", "-r", "--json", "main:_hash"],
        )));
        for (path, want) in &blob_paths {
            let record = listed
                .iter()
                .find(|r| r["path"] == path.as_str())
                .unwrap_or_else(|| panic!("{:?}: {path} not listed: {listed:?}", server.backend));
            assert_eq!(record["format"], "dj-blob", "{record}");
            assert_eq!(record["shape"], want["shape"], "{record}");
            assert_eq!(record["dtype"], want["dtype"], "{record}");
        }

        // The text table shows shape · dtype for blob cells.
        let text = stdout(&run(npyscope(project.path(), &["db", "rows", &table])));
        assert!(text.contains("(600, 3) \u{b7} float64"), "{text}");
        assert!(text.contains("(2, 3) \u{b7} int16"), "{text}");
    }
}

/// A spec of `server` with other settings.
fn spec_with(server: &DbServer, edit: impl FnOnce(&mut DatabaseSpec)) -> DatabaseSpec {
    let mut spec = server.spec();
    edit(&mut spec);
    spec
}

#[test]
fn connection_errors_name_host_and_user_never_the_password() {
    let fx = db_fixture();
    let rt = runtime();
    for server in servers() {
        let wrong = spec_with(server, |s| s.password = Some(Secret::new("Wr0ng-pass-123")));
        let err = rt
            .block_on(Database::connect(&wrong))
            .expect_err("wrong password")
            .to_string();
        assert!(
            err.contains("refused user") && err.contains(&server.user),
            "{err}"
        );
        assert!(err.contains(&format!("127.0.0.1:{}", server.port)), "{err}");
        assert!(!err.contains("Wr0ng-pass-123"), "{err}");

        let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
        let port = closed.local_addr().map(|a| a.port()).unwrap_or(1);
        drop(closed);
        let refused = spec_with(server, |s| s.port = port);
        let err = rt
            .block_on(Database::connect(&refused))
            .expect_err("refused")
            .to_string();
        assert!(err.contains("connection refused"), "{err}");

        let unknown = spec_with(server, |s| s.host = "no-such-host.invalid".into());
        let err = rt
            .block_on(Database::connect(&unknown))
            .expect_err("unknown")
            .to_string();
        assert!(
            err.contains("unknown host \"no-such-host.invalid\""),
            "{err}"
        );

        // Neither server has TLS: required TLS is an error, unset falls back with a note.
        let tls = spec_with(server, |s| s.use_tls = Some(true));
        let err = rt
            .block_on(Database::connect(&tls))
            .expect_err("tls")
            .to_string();
        assert!(err.contains("TLS is required"), "{err}");
        let db = rt
            .block_on(Database::connect(&server.spec()))
            .expect("fallback");
        assert!(!db.uses_tls());
        assert!(
            db.notes()
                .iter()
                .any(|n| n.contains("TLS is not available")),
            "{:?}",
            db.notes()
        );

        let missing = rt.block_on(async {
            let db = Database::connect(&server.spec()).await?;
            db::load_schema(&db, "no_such_schema").await
        });
        let err = missing.expect_err("no schema").to_string();
        assert!(
            err.contains("no DataJoint schema \"no_such_schema\""),
            "{err}"
        );
        assert!(
            err.contains(&fx.schema),
            "lists the schemas there are: {err}"
        );

        // A user that may log in but not read the schema.
        let reader = spec_with(server, |s| {
            s.user = Some("reader".into());
            s.password = Some(Secret::new(server.reader_password.clone()));
        });
        let denied = rt.block_on(async {
            let db = Database::connect(&reader).await?;
            let table = db::find_table(&db, &fx.schema, "Big").await?;
            db::fetch_page(&db, &table, &RowQuery::default(), &PageStart::Offset(0), 1).await
        });
        let err = denied.expect_err("permission").to_string();
        assert!(
            err.contains("may not read") || err.contains("no DataJoint schema"),
            "{:?}: {err}",
            server.backend
        );
        assert!(err.contains("reader"), "{err}");
    }
}

#[test]
fn sessions_are_read_only_and_npyscope_writes_nothing() {
    let fx = db_fixture();
    let rt = runtime();
    // PostgreSQL: a session exactly like npyscope's refuses a write.
    let pg = &fx.pg;
    let spec = pg.spec();
    let refused = rt.block_on(async {
        use sqlx::{ConnectOptions, Executor};
        let mut conn = db::pg_options(&spec, false)
            .application_name("npyscope-write-probe")
            .connect()
            .await
            .expect("connect");
        conn.execute("INSERT INTO npyscope_test.big (item, value, label) VALUES (-1, 0, 'x')")
            .await
    });
    let err = refused.expect_err("a read-only session refuses INSERT");
    let code = err
        .as_database_error()
        .and_then(|e| e.code())
        .map(|c| c.to_string());
    assert_eq!(code.as_deref(), Some("25006"), "{err}");
    // MariaDB: the same.
    let my = &fx.my;
    let spec = my.spec();
    let refused = rt.block_on(async {
        use sqlx::{ConnectOptions, Executor};
        let mut conn = db::mysql_options(&spec, false)
            .connect()
            .await
            .expect("connect");
        db::mysql_session_setup(&mut conn).await.expect("setup");
        conn.execute("INSERT INTO npyscope_test.big (item, value, label) VALUES (-1, 0, 'x')")
            .await
    });
    let err = refused
        .expect_err("a read-only session refuses INSERT")
        .to_string();
    assert!(err.contains("READ ONLY"), "{err}");

    // Everything the command line does, then the server's statement log: no write from npyscope.
    let project = pg.project();
    for args in [
        vec!["db", "schemas"],
        vec!["db", "tables", "npyscope_test"],
        vec!["db", "rows", "npyscope_test.Recording", "--json"],
        vec![
            "db",
            "rows",
            "npyscope_test.big",
            "--limit",
            "3000",
            "--where",
            "value>=10",
        ],
        vec![
            "db",
            "get",
            "npyscope_test.Recording",
            "spikes",
            "--where",
            "animal=mouse01",
            "--where",
            "session=1",
            "--where",
            "recording_id=2",
            "-o",
            "s.npy",
        ],
    ] {
        let out = run(npyscope(project.path(), &args));
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }
    let log = std::fs::read_to_string(pg.log.as_ref().expect("pg log")).expect("read log");
    let writes: Vec<&str> = log
        .lines()
        .filter(|l| l.starts_with("npyscope|") && l.contains("statement:"))
        .collect();
    assert!(writes.is_empty(), "npyscope wrote: {writes:?}");
    assert!(
        log.lines()
            .any(|l| l.starts_with("npyscope-write-probe|") && l.contains("INSERT")),
        "the log records writes (the refused probe is there)"
    );
}

#[test]
fn the_password_is_never_printed_even_at_trace_level() {
    for server in servers() {
        let project = server.project();
        for args in [
            vec!["db", "info"],
            vec!["db", "info", "--json"],
            vec!["db", "tables", "npyscope_test"],
            vec!["db", "rows", "npyscope_test.Session", "--json"],
        ] {
            let mut cmd = npyscope(project.path(), &args);
            cmd.env("NPYSCOPE_LOG", "trace");
            let out = run(cmd);
            assert!(out.status.success(), "{args:?}: {}", stderr(&out));
            let all = stdout(&out) + &stderr(&out);
            assert!(
                !all.contains(&server.password),
                "{args:?} printed the password"
            );
            assert!(all.len() > 10);
        }
        // A wrong password, in the environment.
        let mut cmd = npyscope(project.path(), &["db", "schemas"]);
        cmd.env("NPYSCOPE_LOG", "trace")
            .env("DJ_PASS", "Env-Wrong-Pass-77");
        let out = run(cmd);
        assert!(!out.status.success());
        let all = stdout(&out) + &stderr(&out);
        assert!(all.contains("refused user"), "{all}");
        assert!(!all.contains("Env-Wrong-Pass-77"));
        assert!(!all.contains(&server.password));
    }
}

#[test]
fn settings_come_from_file_env_and_secrets_as_datajoint_reads_them() {
    let server = &db_fixture().pg;
    // The password only in .secrets/database.password; the user in DJ_USER; host:port in the file.
    let project = tempfile::tempdir().expect("dir");
    std::fs::create_dir(project.path().join(".git")).expect(".git");
    std::fs::create_dir(project.path().join(".secrets")).expect(".secrets");
    std::fs::write(
        project.path().join("datajoint.json"),
        serde_json::json!({
            "database.host": format!("127.0.0.1:{}", server.port),
            "database": {"backend": "postgresql", "user": "nobody"},
        })
        .to_string(),
    )
    .expect("config");
    std::fs::write(
        project.path().join(".secrets/database.password"),
        format!("{}\n", server.password),
    )
    .expect("secret");
    let mut cmd = npyscope(project.path(), &["db", "info", "--json"]);
    cmd.env("DJ_USER", &server.user);
    let info = json_lines(&run(cmd));
    assert_eq!(info[0]["connected"], true, "{}", info[0]);
    assert_eq!(info[0]["port"], server.port);
    assert_eq!(
        info[0]["user"],
        server.user.as_str(),
        "DJ_USER beats the file"
    );
    assert_eq!(info[0]["password"], "***");
    // DJ_PASS beats the secret file (and is wrong here).
    let mut cmd = npyscope(project.path(), &["db", "info", "--json"]);
    cmd.env("DJ_USER", &server.user).env("DJ_PASS", "nope");
    let info = json_lines(&run(cmd));
    assert_eq!(info[0]["connected"], false);
    // A port that is not a number names the key and the file.
    std::fs::write(
        project.path().join("datajoint.json"),
        r#"{"database": {"port": "fifty", "backend": "postgresql"}}"#,
    )
    .expect("config");
    let out = run(npyscope(project.path(), &["db", "schemas"]));
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("database.port") && err.contains("datajoint.json"),
        "{err}"
    );
    // No database configured at all.
    std::fs::write(project.path().join("datajoint.json"), "{}").expect("config");
    std::fs::remove_dir_all(project.path().join(".secrets")).expect("rm");
    let out = run(npyscope(project.path(), &["db", "schemas"]));
    assert!(
        stderr(&out).contains("no database is configured"),
        "{}",
        stderr(&out)
    );
}
