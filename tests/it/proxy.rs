//! A fault-injecting loopback proxy between npyscope and the S3 test server: it forwards the
//! bytes of each connection unchanged (requests stay signed for the Host they name) and parses
//! just enough HTTP to see where each request starts, so it can answer `503 SlowDown`, cut or
//! stall a response after N bytes, add latency to each request, and share a bandwidth limit
//! across all connections.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// What S3 answers when it throttles.
const SLOW_DOWN_BODY: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code>\
     <Message>Please reduce your request rate.</Message></Error>";

/// The proxy's settings and counters, changed by tests while it runs.
#[derive(Default)]
struct Faults {
    /// Requests seen.
    requests: AtomicUsize,
    /// Requests answered `503 SlowDown` so far.
    slow_downs: AtomicUsize,
    /// The next this many (matching) requests are answered `503 SlowDown`.
    fail_next: AtomicUsize,
    /// The next this many (matching) responses are cut after `cut_after` bytes.
    cut_next: AtomicUsize,
    cut_after: AtomicU64,
    /// The next this many (matching) responses stop after `stall_after` bytes, connection open.
    stall_next: AtomicUsize,
    stall_after: AtomicU64,
    /// Faults apply only to requests whose `Range` asks for at least this many bytes (0: all).
    min_range: AtomicU64,
    /// Added before each request is forwarded.
    latency_ms: AtomicU64,
    /// Bytes per second for all responses together (0: unlimited).
    rate: AtomicU64,
    /// When the shared link is free again.
    link_free_at: Mutex<Option<Instant>>,
}

/// A running proxy; stops when dropped.
pub struct FaultProxy {
    addr: SocketAddr,
    faults: Arc<Faults>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FaultProxy {
    /// Starts a proxy on a free loopback port that forwards to `upstream` (`127.0.0.1:PORT`).
    pub fn start(upstream: &str) -> FaultProxy {
        let upstream: SocketAddr = upstream.parse().expect("upstream address");
        let faults = Arc::new(Faults::default());
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = oneshot::channel::<()>();
        let shared = Arc::clone(&faults);
        let thread = std::thread::Builder::new()
            .name("fault-proxy".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("proxy runtime");
                runtime.block_on(async move {
                    let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy bind");
                    addr_tx
                        .send(listener.local_addr().expect("proxy address"))
                        .expect("proxy address sent");
                    let accept = async {
                        loop {
                            let Ok((client, _)) = listener.accept().await else {
                                continue;
                            };
                            let _ = client.set_nodelay(true);
                            tokio::spawn(connection(client, upstream, Arc::clone(&shared)));
                        }
                    };
                    tokio::select! {
                        _ = stopped => {}
                        () = accept => {}
                    }
                });
                // Dropping the runtime ends every connection task.
                runtime.shutdown_background();
            })
            .expect("proxy thread");
        let addr = addr_rx.recv().expect("proxy did not start");
        FaultProxy {
            addr,
            faults,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// `127.0.0.1:PORT`, for a store's `endpoint`.
    pub fn host_port(&self) -> String {
        self.addr.to_string()
    }

    /// Requests seen so far.
    pub fn requests(&self) -> usize {
        self.faults.requests.load(Ordering::SeqCst)
    }

    /// Requests answered `503 SlowDown` so far.
    pub fn slow_downs(&self) -> usize {
        self.faults.slow_downs.load(Ordering::SeqCst)
    }

    /// Answers the next `n` requests `503 SlowDown`, as S3 does when it throttles.
    pub fn fail_next(&self, n: usize) {
        self.faults.fail_next.store(n, Ordering::SeqCst);
    }

    /// Cuts the next `n` responses after `bytes` bytes (headers included), closing the connection.
    pub fn cut_next(&self, n: usize, bytes: u64) {
        self.faults.cut_after.store(bytes, Ordering::SeqCst);
        self.faults.cut_next.store(n, Ordering::SeqCst);
    }

    /// Stops forwarding the next `n` responses after `bytes` bytes, keeping the connection open.
    pub fn stall_next(&self, n: usize, bytes: u64) {
        self.faults.stall_after.store(bytes, Ordering::SeqCst);
        self.faults.stall_next.store(n, Ordering::SeqCst);
    }

    /// Faults apply only to requests whose `Range` asks for at least `bytes` (data reads, not
    /// header reads or listings); 0 for all requests.
    pub fn only_ranges_of(&self, bytes: u64) {
        self.faults.min_range.store(bytes, Ordering::SeqCst);
    }

    /// Adds `latency` before each request reaches the server.
    pub fn set_latency(&self, latency: Duration) {
        self.faults
            .latency_ms
            .store(latency.as_millis() as u64, Ordering::SeqCst);
    }

    /// Limits all responses together to `bytes_per_second` (0: unlimited).
    pub fn set_rate(&self, bytes_per_second: u64) {
        self.faults.rate.store(bytes_per_second, Ordering::SeqCst);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What the response to the request being served may suffer.
#[derive(Default)]
struct ResponseFault {
    cut_after: Option<u64>,
    stall_after: Option<u64>,
    /// Bytes of this response forwarded so far.
    sent: u64,
}

/// Takes one of `counter`'s remaining faults, if any.
fn take(counter: &AtomicUsize) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

async fn connection(client: TcpStream, upstream: SocketAddr, faults: Arc<Faults>) {
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let _ = server.set_nodelay(true);
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let client_write = Arc::new(tokio::sync::Mutex::new(client_write));
    let fault = Arc::new(Mutex::new(ResponseFault::default()));
    tokio::select! {
        () = requests(client_read, server_write, Arc::clone(&client_write), Arc::clone(&fault), Arc::clone(&faults)) => {}
        () = responses(server_read, client_write, fault, faults) => {}
    }
}

/// Client to server: one request head at a time (npyscope sends no bodies), each counted and
/// forwarded or answered `503 SlowDown`.
async fn requests(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    client: Arc<tokio::sync::Mutex<OwnedWriteHalf>>,
    fault: Arc<Mutex<ResponseFault>>,
    faults: Arc<Faults>,
) {
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 64 << 10];
    loop {
        let head_end = loop {
            if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            match from.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        let body_len: usize = header(&head, "content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        while buf.len() < head_end + body_len {
            match from.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let request: Vec<u8> = buf.drain(..head_end + body_len).collect();
        faults.requests.fetch_add(1, Ordering::SeqCst);
        let min_range = faults.min_range.load(Ordering::SeqCst);
        let matches = min_range == 0 || range_len(&head).is_some_and(|len| len >= min_range);
        if matches && take(&faults.fail_next) {
            faults.slow_downs.fetch_add(1, Ordering::SeqCst);
            let answer = format!(
                "HTTP/1.1 503 Slow Down\r\ncontent-type: application/xml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{SLOW_DOWN_BODY}",
                SLOW_DOWN_BODY.len()
            );
            let mut client = client.lock().await;
            let _ = client.write_all(answer.as_bytes()).await;
            let _ = client.shutdown().await;
            return;
        }
        {
            let mut next = fault.lock().expect("fault lock");
            *next = ResponseFault::default();
            if matches && take(&faults.cut_next) {
                next.cut_after = Some(faults.cut_after.load(Ordering::SeqCst));
            }
            if matches && take(&faults.stall_next) {
                next.stall_after = Some(faults.stall_after.load(Ordering::SeqCst));
            }
        }
        let latency = faults.latency_ms.load(Ordering::SeqCst);
        if latency > 0 {
            tokio::time::sleep(Duration::from_millis(latency)).await;
        }
        if to.write_all(&request).await.is_err() {
            return;
        }
    }
}

/// Server to client: bytes forwarded under the shared rate, a response cut or stalled when
/// its request asked for it.
async fn responses(
    mut from: OwnedReadHalf,
    to: Arc<tokio::sync::Mutex<OwnedWriteHalf>>,
    fault: Arc<Mutex<ResponseFault>>,
    faults: Arc<Faults>,
) {
    let mut chunk = vec![0u8; 16 << 10];
    loop {
        let n = match from.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let (send, then) = {
            let mut state = fault.lock().expect("fault lock");
            let limit = state.cut_after.or(state.stall_after);
            let send = match limit {
                Some(limit) => (limit.saturating_sub(state.sent) as usize).min(n),
                None => n,
            };
            state.sent += send as u64;
            let then = if send < n {
                if state.cut_after.is_some() {
                    Then::Cut
                } else {
                    Then::Stall
                }
            } else {
                Then::Go
            };
            (send, then)
        };
        throttle(&faults, send as u64).await;
        if to.lock().await.write_all(&chunk[..send]).await.is_err() {
            return;
        }
        match then {
            Then::Go => {}
            Then::Cut => return,
            Then::Stall => std::future::pending::<()>().await,
        }
    }
}

enum Then {
    Go,
    Cut,
    Stall,
}

/// Waits until the shared link has carried `bytes` more at the set rate.
async fn throttle(faults: &Faults, bytes: u64) {
    let rate = faults.rate.load(Ordering::SeqCst);
    if rate == 0 || bytes == 0 {
        return;
    }
    let done_at = {
        let mut free = faults.link_free_at.lock().expect("link lock");
        let now = Instant::now();
        let start = free.map_or(now, |t| t.max(now));
        let done = start + Duration::from_secs_f64(bytes as f64 / rate as f64);
        *free = Some(done);
        done
    };
    tokio::time::sleep_until(tokio::time::Instant::from_std(done_at)).await;
}

/// A header's value in a lower-cased request head.
fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.trim() == name).then(|| value.trim())
    })
}

/// How many bytes a `Range: bytes=A-B` header asks for.
fn range_len(head: &str) -> Option<u64> {
    let spec = header(head, "range")?.strip_prefix("bytes=")?;
    let (start, end) = spec.split_once('-')?;
    let (start, end): (u64, u64) = (start.parse().ok()?, end.parse().ok()?);
    Some(end.saturating_sub(start) + 1)
}
