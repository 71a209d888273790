//! The real `npyscope` binary: `stores`, `ls`, `info` on local folders, configured stores on the
//! S3 test server, ad-hoc `s3://` URLs, and the main job's demo listing.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::common::{self, ACCESS_KEY, S3TestServer, SECRET_KEY};

/// The binary, run in `cwd` with no DataJoint or AWS settings from the outside.
fn npyscope(cwd: &Path, args: &[&str]) -> Command {
    common::npyscope_in(cwd, args)
}

fn run(mut cmd: impl std::borrow::BorrowMut<Command>) -> Output {
    cmd.borrow_mut().output().expect("run npyscope")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json_lines(out: &Output) -> Vec<Value> {
    stdout(out)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect()
}

pub(crate) const FIELDS: [&str; 16] = [
    "store",
    "path",
    "object_size",
    "shape",
    "dtype",
    "fortran_order",
    "ndim",
    "size",
    "itemsize",
    "nbytes",
    "format_version",
    "data_offset",
    "format",
    "attach_name",
    "datajoint",
    "error",
];

fn assert_fields(record: &Value) {
    let keys: Vec<&str> = record
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, FIELDS, "{record}");
}

#[test]
fn ls_json_on_a_local_folder_has_exactly_the_documented_fields() {
    let project = common::project_dir();
    let fixtures = common::fixtures_dir();
    let out = run(npyscope(
        project.path(),
        &["ls", "--recursive", "--json", fixtures.to_str().unwrap()],
    ));
    assert!(out.status.success(), "{}", stderr(&out));
    let records = json_lines(&out);
    let on_disk = common::files_below(&fixtures)
        .into_iter()
        .filter(|(p, _)| p.ends_with(".npy"))
        .count();
    assert_eq!(records.len(), on_disk);
    let mut good = 0;
    for record in &records {
        assert_fields(record);
        if record["error"].is_null() {
            good += 1;
            assert!(record["shape"].is_array(), "{record}");
            let size: u64 = record["shape"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_u64().unwrap())
                .product();
            assert_eq!(record["size"].as_u64(), Some(size), "{record}");
            assert_eq!(
                record["nbytes"].as_u64(),
                Some(size * record["itemsize"].as_u64().unwrap()),
                "{record}"
            );
        } else {
            assert!(
                record["shape"].is_null() && record["dtype"].is_null(),
                "{record}"
            );
            assert!(
                record["error"]
                    .as_str()
                    .unwrap()
                    .contains(record["path"].as_str().unwrap()),
                "{record}"
            );
        }
    }
    assert!(
        good > 20 && good < records.len(),
        "good {good} of {}",
        records.len()
    );
}

#[test]
fn ls_human_output_is_a_table_with_a_total() {
    let project = common::project_dir();
    let folder = project.path().join("store");
    std::fs::create_dir_all(folder.join("sub")).unwrap();
    std::fs::copy(
        common::fixtures_dir().join("fortran_2d.npy"),
        folder.join("a.npy"),
    )
    .unwrap();
    std::fs::copy(
        common::fixtures_dir().join("empty.npy"),
        folder.join("sub/broken.npy"),
    )
    .unwrap();
    let out = run(npyscope(project.path(), &["ls", "store"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("PATH") && text.contains("SHAPE") && text.contains("DTYPE"),
        "{text}"
    );
    assert!(text.contains("sub/"), "{text}");
    assert!(text.contains("a.npy"), "{text}");
    assert!(text.contains("float64"), "{text}");
    assert!(
        text.lines().last().unwrap().starts_with("1 array,"),
        "{text}"
    );

    // Recursive: the broken file is a row with its error; the exit status stays 0.
    let out = run(npyscope(project.path(), &["ls", "-r", "store"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("sub/broken.npy") && text.contains("error:"),
        "{text}"
    );
    assert!(
        text.lines().last().unwrap().contains("2 arrays") && text.contains("1 unreadable"),
        "{text}"
    );
}

#[test]
fn unknown_store_names_the_configured_ones() {
    let project = common::project_dir();
    std::fs::write(
        project.path().join("datajoint.json"),
        r#"{"stores": {"default": "main", "main": {"protocol": "file", "location": "/tmp"}, "raw": {"protocol": "file", "location": "/tmp"}}}"#,
    )
    .unwrap();
    let out = run(npyscope(project.path(), &["ls", "nosuch:data"]));
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("store \"nosuch\" is not configured (configured: main, raw)"),
        "{err}"
    );
}

#[test]
fn invalid_config_json_names_file_and_line() {
    let project = common::project_dir();
    std::fs::write(
        project.path().join("datajoint.json"),
        "{\n  \"stores\": {\n    \"a\": {,}\n  }\n}\n",
    )
    .unwrap();
    let out = run(npyscope(project.path(), &["stores"]));
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("datajoint.json:3:"), "{err}");
}

/// A project whose datajoint.json names an S3 store on the test server, keys in `.secrets/`.
fn s3_project(server: &S3TestServer) -> tempfile::TempDir {
    let project = common::project_dir();
    let config = serde_json::json!({
        "stores": {
            "default": "lab",
            "lab": {"protocol": "s3", "endpoint": server.host_port(), "bucket": "lab", "location": "dj", "secure": false},
            "local": {"protocol": "file", "location": common::fixtures_dir()},
        }
    });
    std::fs::write(project.path().join("datajoint.json"), config.to_string()).unwrap();
    let secrets = project.path().join(".secrets");
    std::fs::create_dir(&secrets).unwrap();
    std::fs::write(
        secrets.join("stores.lab.access_key"),
        format!("{ACCESS_KEY}\n"),
    )
    .unwrap();
    std::fs::write(
        secrets.join("stores.lab.secret_key"),
        format!("{SECRET_KEY}\n"),
    )
    .unwrap();
    project
}

fn fill_lab_bucket(server: &S3TestServer) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fixture = std::fs::read(common::fixtures_dir().join("le_f4.npy")).unwrap();
    runtime.block_on(common::upload(
        server,
        "lab",
        vec![
            (
                "dj/_schema/ephys/recording/subject_id=7/session=2/lfp_trace_Ab3_-x9Z.npy"
                    .to_string(),
                fixture.clone(),
            ),
            (
                "dj/_schema/ephys/recording/subject_id=8/session=1/lfp_trace_zz99__-Q.npy"
                    .to_string(),
                fixture,
            ),
        ],
    ));
}

#[test]
fn configured_s3_store_lists_and_infos_with_secrets_from_files() {
    let root = tempfile::tempdir().unwrap();
    let server = S3TestServer::start(root.path());
    fill_lab_bucket(&server);
    let project = s3_project(&server);

    let out = run(npyscope(project.path(), &["ls", "-r", "--json", "lab"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let records = json_lines(&out);
    assert_eq!(records.len(), 2);
    let first = &records[0];
    assert_fields(first);
    assert_eq!(first["store"], "lab");
    assert_eq!(
        first["path"],
        "_schema/ephys/recording/subject_id=7/session=2/lfp_trace_Ab3_-x9Z.npy"
    );
    assert_eq!(first["error"], Value::Null);
    assert_eq!(first["datajoint"]["schema"], "ephys");
    assert_eq!(first["datajoint"]["table"], "recording");
    assert_eq!(
        first["datajoint"]["key"],
        serde_json::json!({"subject_id": "7", "session": "2"})
    );
    assert_eq!(first["datajoint"]["attribute"], "lfp_trace");
    assert_eq!(first["datajoint"]["token"], "Ab3_-x9Z");

    let local = run(npyscope(
        project.path(),
        &["info", "--json", "local:le_f4.npy"],
    ));
    assert!(local.status.success(), "{}", stderr(&local));
    let local_record = &json_lines(&local)[0];
    for field in [
        "shape",
        "dtype",
        "fortran_order",
        "ndim",
        "size",
        "itemsize",
        "nbytes",
        "format_version",
        "data_offset",
    ] {
        assert_eq!(first[field], local_record[field], "{field}");
    }

    let out = run(npyscope(
        project.path(),
        &[
            "info",
            "lab:_schema/ephys/recording/subject_id=8/session=1/lfp_trace_zz99__-Q.npy",
        ],
    ));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("subject_id=8, session=1"), "{text}");
    assert!(text.contains("float32"), "{text}");

    // Prefix listing, one level.
    let out = run(npyscope(
        project.path(),
        &["ls", "lab:_schema/ephys/recording"],
    ));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("subject_id=7/") && text.contains("subject_id=8/"),
        "{text}"
    );

    // Stores: secrets masked, their origin shown.
    let out = run(npyscope(project.path(), &["stores"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("lab (default)") && text.contains("s3"),
        "{text}"
    );
    assert!(text.contains("secret_key"), "{text}");
    let json = run(npyscope(project.path(), &["stores", "--json"]));
    assert!(json.status.success(), "{}", stderr(&json));
    for output in [&out, &json] {
        let all = format!("{}{}", stdout(output), stderr(output));
        assert!(
            !all.contains(SECRET_KEY) && !all.contains(ACCESS_KEY),
            "{all}"
        );
    }
}

#[test]
fn wrong_secret_in_config_fails_with_access_denied_and_no_secret() {
    let root = tempfile::tempdir().unwrap();
    let server = S3TestServer::start(root.path());
    fill_lab_bucket(&server);
    let project = s3_project(&server);
    let wrong = "Wrong-Secret-Value-123456";
    std::fs::write(project.path().join(".secrets/stores.lab.secret_key"), wrong).unwrap();
    let out = run(npyscope(project.path(), &["ls", "lab"]));
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("access denied"), "{err}");
    assert!(
        !err.contains(wrong) && !stdout(&out).contains(wrong),
        "{err}"
    );
}

#[test]
fn adhoc_s3_url_uses_the_aws_environment() {
    let root = tempfile::tempdir().unwrap();
    let server = S3TestServer::start(root.path());
    fill_lab_bucket(&server);
    let project = common::project_dir();
    let out = run(npyscope(
        project.path(),
        &["ls", "-r", "--json", "s3://lab/dj/_schema/ephys"],
    )
    .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    .env("AWS_ENDPOINT_URL", server.endpoint())
    .env("AWS_ALLOW_HTTP", "true")
    .env("AWS_REGION", "us-east-1"));
    assert!(out.status.success(), "{}", stderr(&out));
    let records = json_lines(&out);
    assert_eq!(records.len(), 2);
    assert_eq!(
        records[0]["path"],
        "recording/subject_id=7/session=2/lfp_trace_Ab3_-x9Z.npy"
    );
    assert_eq!(records[0]["shape"], serde_json::json!([4]));
}

#[test]
fn main_job_lists_the_demo_store() {
    let project = common::project_dir();
    let demo = project.path().join("demo");
    let out = run(npyscope(project.path(), &["demo"]).env("NPYSCOPE_DEMO_DIR", &demo));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("waveform_") && text.contains("(300000, 32)"),
        "{text}"
    );
    assert!(
        text.contains("complex64") && text.contains("frames_"),
        "{text}"
    );
    assert!(!text.contains("error:"), "{text}");
    // The demo store is a DataJoint layout: ls --json parses its keys.
    let out = run(npyscope(
        project.path(),
        &["ls", "-r", "--json", demo.to_str().unwrap()],
    ));
    let records = json_lines(&out);
    assert!(records.len() >= 6);
    let frames = records
        .iter()
        .find(|r| r["path"].as_str().unwrap().contains("frames_"))
        .unwrap();
    assert_eq!(frames["datajoint"]["key"]["subject_id"], "mouse/02");
    assert_eq!(frames["shape"], serde_json::json!([60, 128, 128]));
}

/// `--install-desktop` writes the entry (running this binary), the icon and the `.npy` MIME type
/// under `$XDG_DATA_HOME` only; `--uninstall-desktop` removes them.
#[test]
fn install_desktop_writes_only_under_the_data_folder_and_uninstall_removes_it() {
    let work = common::project_dir();
    let data = work.path().join("data");
    let home = work.path().join("home");
    std::fs::create_dir_all(&home).expect("a home");
    let desktop = |args: &[&str]| {
        let mut cmd = npyscope(work.path(), args);
        // No desktop helpers (xdg-mime would write the real user's mimeapps.list).
        cmd.env("XDG_DATA_HOME", &data)
            .env("XDG_CONFIG_HOME", work.path().join("config"))
            .env("HOME", &home)
            .env("PATH", work.path().join("no-bin"));
        run(cmd)
    };
    let out = desktop(&["--install-desktop"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let entry = std::fs::read_to_string(data.join("applications/npyscope.desktop"))
        .expect("the desktop entry");
    let exe = env!("CARGO_BIN_EXE_npyscope");
    assert!(
        entry.contains(&format!("\nExec=\"{exe}\" %f\n")),
        "runs this binary: {entry}"
    );
    assert!(entry.contains("\nMimeType=application/x-npy;\n"), "{entry}");
    let icon = std::fs::read(data.join("icons/hicolor/128x128/apps/npyscope.png")).expect("icon");
    assert!(icon.starts_with(b"\x89PNG"), "a PNG icon");
    let mime = std::fs::read_to_string(data.join("mime/packages/npyscope.xml")).expect("mime");
    assert!(mime.contains(r#"<glob pattern="*.npy"/>"#), "{mime}");
    assert_eq!(
        stdout(&out).lines().count(),
        3,
        "one line per file: {}",
        stdout(&out)
    );
    assert_eq!(
        std::fs::read_dir(&home).expect("home").count(),
        0,
        "nothing in the home folder"
    );

    let out = desktop(&["--uninstall-desktop"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for file in npyscope::desktop::FILES {
        assert!(!data.join(file).exists(), "{file} removed");
    }
    let again = desktop(&["--install-desktop"]);
    assert!(again.status.success());
    let conflict = desktop(&["--install-desktop", "ls", "."]);
    assert!(!conflict.status.success(), "the flag takes no command");
    let out = desktop(&["--uninstall-desktop"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// A version 1.0 `.npy` file of `n` zero float32 values, as numpy writes it.
fn small_npy(n: usize) -> Vec<u8> {
    let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({n},), }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(
        &u16::try_from(header.len())
            .expect("short header")
            .to_le_bytes(),
    );
    bytes.extend_from_slice(header.as_bytes());
    bytes.resize(bytes.len() + 4 * n, 0);
    bytes
}

#[test]
fn ls_recursive_gives_the_same_rows_in_path_order_on_one_thread_or_many() {
    let project = common::project_dir();
    let store = tempfile::tempdir().expect("a folder");
    let mut expected = Vec::new();
    // Many folders, a few levels deep, names whose path order differs from a folder-by-folder
    // walk (`a-1` < `a.npy` < `a/` as strings), one folder with enough files to be read in
    // parallel, hidden files and folders that are left out, and broken files among the good.
    for subject in 0..12 {
        for session in 0..(1 + subject % 4) {
            let folder = format!("_schema/ephys/rec/subject_id={subject}/session={session}");
            std::fs::create_dir_all(store.path().join(&folder)).expect("folders");
            for attr in ["a", "a-1", "b"] {
                let path = format!("{folder}/{attr}.npy");
                std::fs::write(store.path().join(&path), small_npy(subject + session + 1))
                    .expect("write");
                expected.push(path);
            }
        }
        let beside = format!("_schema/ephys/rec/subject_id={subject}-x.npy");
        std::fs::write(store.path().join(&beside), small_npy(subject)).expect("write");
        expected.push(beside);
    }
    std::fs::create_dir_all(store.path().join("flat")).expect("folder");
    for i in 0..40 {
        let path = format!("flat/f{i}.npy");
        std::fs::write(store.path().join(&path), small_npy(i + 1)).expect("write");
        expected.push(path);
    }
    let corrupt = "flat/corrupt.npy";
    std::fs::write(store.path().join(corrupt), b"not an npy file at all").expect("write");
    expected.push(corrupt.to_string());
    let truncated = "_schema/ephys/rec/subject_id=3/session=1/truncated.npy";
    let mut cut = small_npy(1000);
    cut.truncate(cut.len() - 10);
    std::fs::write(store.path().join(truncated), cut).expect("write");
    expected.push(truncated.to_string());
    std::fs::create_dir_all(store.path().join(".hidden")).expect("folder");
    std::fs::write(store.path().join(".hidden/h.npy"), small_npy(2)).expect("write");
    std::fs::write(store.path().join("flat/.h.npy"), small_npy(2)).expect("write");
    std::fs::write(store.path().join("flat/notes.txt"), b"not listed").expect("write");
    expected.sort();

    let listing = |threads: &str| {
        let mut cmd = npyscope(
            project.path(),
            &["ls", "-r", "--json", store.path().to_str().expect("utf-8")],
        );
        cmd.env("RAYON_NUM_THREADS", threads);
        let out = run(cmd);
        assert!(out.status.success(), "{}", stderr(&out));
        out
    };
    let one = listing("1");
    let many = listing("8");
    assert_eq!(stdout(&one), stdout(&many), "1 thread vs 8 threads");
    let records = json_lines(&many);
    let paths: Vec<&str> = records
        .iter()
        .map(|r| r["path"].as_str().expect("a path"))
        .collect();
    assert_eq!(paths, expected);
    for record in &records {
        assert_fields(record);
        let path = record["path"].as_str().expect("a path");
        if path == corrupt || path == truncated {
            let error = record["error"]
                .as_str()
                .unwrap_or_else(|| panic!("{record}"));
            assert!(error.contains(path), "{record}");
            assert!(record["shape"].is_null(), "{record}");
        } else {
            assert!(record["error"].is_null(), "{record}");
            assert_eq!(record["dtype"], "<f4", "{record}");
        }
    }
}
