//! S3 stores without credentials, against the real S3 test server (which signs and checks
//! requests): anonymous requests and a clear error, never the cloud instance-metadata service
//! unless the user opts in with `AWS_EC2_METADATA_DISABLED=false`.

use std::net::TcpListener;
use std::process::{Command, Output};
use std::time::Duration;

use crate::common::{self, S3TestServer};

/// `npyscope ls lab` in `project`, whose S3 store has no keys, with no AWS settings around;
/// the instance-metadata endpoint pointed at `metadata` (a loopback listener).
fn ls_without_credentials(
    project: &std::path::Path,
    server: &S3TestServer,
    metadata: &str,
    opt_in: bool,
) -> Command {
    let config = serde_json::json!({"stores": {
        "lab": {"protocol": "s3", "endpoint": server.host_port(), "bucket": "lab", "location": "dj", "secure": false},
    }});
    std::fs::write(project.join("datajoint.json"), config.to_string()).expect("config");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_npyscope"));
    cmd.args(["ls", "lab"]).current_dir(project);
    for (var, _) in std::env::vars() {
        if var.starts_with("AWS_") || var.starts_with("DJ_") {
            cmd.env_remove(var);
        }
    }
    cmd.env("AWS_SHARED_CREDENTIALS_FILE", project.join("none"))
        .env("AWS_METADATA_ENDPOINT", metadata);
    if opt_in {
        cmd.env("AWS_EC2_METADATA_DISABLED", "false");
    }
    cmd
}

/// Whether anything connects to `listener` within `wait` (it never answers).
fn was_asked(listener: &TcpListener, wait: Duration) -> bool {
    listener.set_nonblocking(true).expect("non-blocking");
    let started = std::time::Instant::now();
    loop {
        if listener.accept().is_ok() {
            return true;
        }
        if started.elapsed() > wait {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn no_credentials_means_anonymous_requests_and_a_clear_error() {
    let root = tempfile::tempdir().expect("server root");
    let server = S3TestServer::start(root.path());
    let metadata = TcpListener::bind("127.0.0.1:0").expect("a listener");
    let url = format!("http://{}", metadata.local_addr().expect("its address"));
    let project = common::project_dir();
    let out: Output = ls_without_credentials(project.path(), &server, &url, false)
        .output()
        .expect("run npyscope");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no credentials found"), "{err}");
    assert!(err.contains("store \"lab\""), "{err}");
    assert!(
        err.contains("AWS_ACCESS_KEY_ID"),
        "says where it looked: {err}"
    );
    assert!(
        !was_asked(&metadata, Duration::from_millis(100)),
        "the instance-metadata service was asked without opting in"
    );
    // Opted in: the metadata service is asked (so the check above can fail).
    let mut child = ls_without_credentials(project.path(), &server, &url, true)
        .spawn()
        .expect("run npyscope");
    let asked = was_asked(&metadata, Duration::from_secs(30));
    let _ = child.kill();
    let _ = child.wait();
    assert!(asked, "opted in, yet the metadata service was not asked");
}
