//! Global options of the real binary: accepted before or after the command, as `--help` lists
//! them.

use std::path::Path;
use std::process::{Command, Output};

/// The binary in `cwd`, with no DataJoint settings from the outside.
fn npyscope(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_npyscope"))
        .args(args)
        .current_dir(cwd)
        .env_remove("DJ_STORES")
        .env_remove("DJ_IGNORE_CONFIG_FILE")
        .env_remove("NPYSCOPE_LOG")
        .output()
        .expect("run npyscope")
}

#[test]
fn config_is_accepted_before_or_after_the_command() {
    let work = tempfile::tempdir().expect("a temporary folder");
    std::fs::create_dir(work.path().join(".git")).expect(".git");
    let elsewhere = work.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).expect("a folder");
    let config = elsewhere.join("lab.json");
    std::fs::write(
        &config,
        serde_json::json!({"stores": {"rig7": {"protocol": "file", "location": "/data/rig7"}}})
            .to_string(),
    )
    .expect("the config");
    let file = config.to_string_lossy().into_owned();
    for args in [
        vec!["--config", file.as_str(), "stores", "--json"],
        vec!["stores", "--config", file.as_str(), "--json"],
        vec!["stores", "--json", "--config", file.as_str()],
    ] {
        let out = npyscope(work.path(), &args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("\"rig7\""), "{args:?}: {stdout}");
    }
    // Without --config the file elsewhere is not found.
    let out = npyscope(work.path(), &["stores", "--json"]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("rig7"));
}

#[cfg(unix)]
#[test]
fn files_written_with_output_follow_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let work = tempfile::tempdir().expect("a temporary folder");
    std::fs::create_dir(work.path().join(".git")).expect(".git");
    let source = crate::common::fixtures_dir().join("fortran_2d.npy");
    let out = npyscope(
        work.path(),
        &["get", &source.to_string_lossy(), "-o", "out.npy"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mode = std::fs::metadata(work.path().join("out.npy"))
        .expect("the output")
        .permissions()
        .mode()
        & 0o777;
    // The test process's umask is the child's.
    let umask = nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o022));
    nix::sys::stat::umask(umask);
    assert_eq!(mode, 0o666 & !umask.bits(), "mode {mode:o}");
}

#[test]
fn version_names_the_simd_level_of_the_min_max_loops() {
    let work = tempfile::tempdir().expect("a temporary folder");
    let out = npyscope(work.path(), &["--version"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    let version = format!("npyscope {} (min/max loops: ", env!("CARGO_PKG_VERSION"));
    assert!(stdout.starts_with(&version), "{stdout}");
    let level = stdout
        .trim()
        .strip_prefix(&version)
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_default();
    assert!(
        ["scalar", "sse2", "avx2", "avx512", "neon", "portable"].contains(&level),
        "{stdout}"
    );
    // A forced level is the one named.
    let scalar = Command::new(env!("CARGO_BIN_EXE_npyscope"))
        .arg("--version")
        .env("NPYSCOPE_SIMD", "scalar")
        .output()
        .expect("run npyscope");
    assert!(
        String::from_utf8_lossy(&scalar.stdout).contains("(min/max loops: scalar)"),
        "{}",
        String::from_utf8_lossy(&scalar.stdout)
    );
}
