//! A real S3 protocol server on loopback for tests and benchmarks: `s3s` + `s3s-fs`, with
//! signed requests (SigV4, `SimpleAuth`) and path-style addressing, like MinIO on a laptop.
//!
//! The server runs on its own thread with its own tokio runtime, so synchronous tests (CLI
//! tests that run the binary) and async tests can share it. `stop()` drops the listener and
//! every open connection at once (a server crash, as far as a client can tell); `restart()`
//! serves the same folder on the same port again.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinSet;

/// Access key the test server accepts.
pub const ACCESS_KEY: &str = "npyscope-test-access";
/// Secret key the test server accepts (tests check it never shows up in output).
pub const SECRET_KEY: &str = "npyscope-test-secret-Zq8vX2";

/// A running S3 test server.
pub struct S3TestServer {
    root: PathBuf,
    addr: SocketAddr,
    stop_tx: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl S3TestServer {
    /// Serves `root` (each sub-folder is a bucket) on a free loopback port.
    pub fn start(root: &Path) -> S3TestServer {
        Self::start_on(root, SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    fn start_on(root: &Path, addr: SocketAddr) -> S3TestServer {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let root_owned = root.to_path_buf();
        let thread = std::thread::Builder::new()
            .name("s3-test-server".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("test server runtime");
                runtime.block_on(serve(root_owned, addr, addr_tx, stop_rx));
            })
            .expect("test server thread");
        let addr = addr_rx.recv().expect("test server did not start");
        S3TestServer {
            root: root.to_path_buf(),
            addr,
            stop_tx: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `127.0.0.1:PORT`, the form DataJoint configs usually hold.
    pub fn host_port(&self) -> String {
        self.addr.to_string()
    }

    /// The folder served; each sub-folder is a bucket.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Creates an empty bucket (a folder under the root, as s3s-fs stores them).
    pub fn create_bucket(&self, bucket: &str) {
        std::fs::create_dir_all(self.root.join(bucket)).expect("create bucket folder");
    }

    /// Stops serving at once: the listener closes and every open connection is dropped.
    pub fn stop(&mut self) {
        if let Some(tx) = self.stop_tx.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    /// Serves the same folder on the same port again after [`stop`](Self::stop).
    pub fn restart(&mut self) {
        self.stop();
        let fresh = Self::start_on(&self.root.clone(), self.addr);
        *self = fresh;
    }
}

impl Drop for S3TestServer {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn serve(
    root: PathBuf,
    addr: SocketAddr,
    addr_tx: std::sync::mpsc::Sender<SocketAddr>,
    mut stop_rx: oneshot::Receiver<()>,
) {
    let fs = s3s_fs::FileSystem::new(&root).expect("s3s-fs root");
    let mut builder = S3ServiceBuilder::new(fs);
    builder.set_auth(SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
    let service = builder.build();

    // A restart binds the port its predecessor just released; retry briefly.
    let mut listener = None;
    for _ in 0..50 {
        match TcpListener::bind(addr).await {
            Ok(l) => {
                listener = Some(l);
                break;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
        }
    }
    let listener = listener.expect("bind test server");
    let _ = addr_tx.send(listener.local_addr().expect("local addr"));

    let http = Arc::new(ConnBuilder::new(TokioExecutor::new()));
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((socket, _)) = accepted else { continue };
                // As real servers do: without it, Nagle holds a response body back until the
                // client's delayed ACK of the headers, ~40 ms per request.
                let _ = socket.set_nodelay(true);
                let http = Arc::clone(&http);
                let service = service.clone();
                connections.spawn(async move {
                    let _ = http.serve_connection(TokioIo::new(socket), service).await;
                });
            }
            _ = &mut stop_rx => break,
        }
    }
    connections.abort_all();
    while connections.join_next().await.is_some() {}
}
