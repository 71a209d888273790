//! How long npyscope keeps trying a remote request that fails for a passing reason (throttling,
//! a server error, a dropped connection): a retry budget in seconds, exponential backoff with
//! jitter, and the stall timeout that ends a transfer when no bytes arrive.

use std::time::Duration;

use object_store::{BackoffConfig, RetryConfig};

/// Environment variable: seconds a failing request is retried before giving up.
pub const RETRY_BUDGET_ENV: &str = "NPYSCOPE_RETRY_BUDGET_S";
/// Environment variable: seconds without a byte after which a transfer fails.
pub const STALL_TIMEOUT_ENV: &str = "NPYSCOPE_STALL_TIMEOUT_S";

/// Default retry budget.
const DEFAULT_BUDGET: Duration = Duration::from_secs(60);
/// Default stall timeout.
const DEFAULT_STALL: Duration = Duration::from_secs(30);
/// Fewest retries of one request allowed by [`RetryPolicy::max_retries`].
const MIN_RETRIES: u32 = 3;
/// First backoff; later ones grow by [`BACKOFF_BASE`] up to [`MAX_BACKOFF`], with jitter.
const INIT_BACKOFF: Duration = Duration::from_millis(250);
/// Longest wait between two tries.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// Growth of the backoff.
const BACKOFF_BASE: f64 = 3.0;

/// The retry budget and stall timeout of a store's requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// How long a request that keeps failing for a passing reason is tried again.
    pub budget: Duration,
    /// A transfer with no byte for this long fails.
    pub stall: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            budget: DEFAULT_BUDGET,
            stall: DEFAULT_STALL,
        }
    }
}

impl RetryPolicy {
    /// The defaults, overridden by [`RETRY_BUDGET_ENV`] and [`STALL_TIMEOUT_ENV`] (seconds;
    /// a value that is not a number is ignored with a warning).
    pub fn from_env() -> RetryPolicy {
        let mut policy = RetryPolicy::default();
        if let Some(budget) = seconds_from_env(RETRY_BUDGET_ENV) {
            policy.budget = budget;
        }
        if let Some(stall) = seconds_from_env(STALL_TIMEOUT_ENV) {
            policy.stall = stall.max(Duration::from_millis(100));
        }
        policy
    }

    /// Most retries of one request: as many waits of the longest backoff as fit in the
    /// budget (12 for 60 s), at least 3, so a server that never answers is given up within
    /// about the budget.
    pub fn max_retries(&self) -> u32 {
        let fit = (self.budget.as_secs_f64() / MAX_BACKOFF.as_secs_f64()).ceil();
        (fit.min(1e4) as u32).max(MIN_RETRIES)
    }

    /// object_store's retries of metadata requests (listing, head, header reads) under this
    /// budget; data reads retry in npyscope's own loop ([`Backoff`]) to show their retries.
    pub(crate) fn object_store_config(&self) -> RetryConfig {
        RetryConfig {
            backoff: BackoffConfig {
                init_backoff: INIT_BACKOFF,
                max_backoff: MAX_BACKOFF,
                base: BACKOFF_BASE,
            },
            max_retries: self.max_retries() as usize,
            retry_timeout: self.budget,
        }
    }
}

fn seconds_from_env(var: &str) -> Option<Duration> {
    let text = std::env::var(var).ok()?;
    match parse_seconds(&text) {
        Some(value) => Some(value),
        None => {
            tracing::warn!("{var}={text:?} is not a number of seconds; using the default");
            None
        }
    }
}

/// A non-negative number of seconds, e.g. `60` or `2.5`.
fn parse_seconds(text: &str) -> Option<Duration> {
    let value: f64 = text.trim().parse().ok()?;
    (0.0..1e9)
        .contains(&value)
        .then(|| Duration::from_secs_f64(value))
}

/// The waits of one request's retries: decorrelated jitter (each wait random between the first
/// wait and three times the last one, at most [`MAX_BACKOFF`]), while the budget and
/// [`RetryPolicy::max_retries`] last.
#[derive(Debug)]
pub(crate) struct Backoff {
    budget: Duration,
    max_retries: u32,
    /// When the current run of failures began.
    failing_since: Option<std::time::Instant>,
    /// Retries in the current run of failures.
    retries: u32,
    last: Duration,
}

impl Backoff {
    /// A fresh schedule under `policy`.
    pub(crate) fn new(policy: &RetryPolicy) -> Backoff {
        Backoff {
            budget: policy.budget,
            max_retries: policy.max_retries(),
            failing_since: None,
            retries: 0,
            last: Duration::ZERO,
        }
    }

    /// Bytes arrived: the next failure starts a new run with a full budget.
    pub(crate) fn succeeded(&mut self) {
        self.failing_since = None;
        self.retries = 0;
        self.last = Duration::ZERO;
    }

    /// After a failure: the retry number and how long to wait before it, or `None` when the
    /// retries or the budget are spent.
    pub(crate) fn next(&mut self) -> Option<(u32, Duration)> {
        let since = *self
            .failing_since
            .get_or_insert_with(std::time::Instant::now);
        if self.retries >= self.max_retries {
            return None;
        }
        let wait = if self.retries == 0 {
            INIT_BACKOFF
        } else {
            let high = (self.last.as_secs_f64() * BACKOFF_BASE).max(INIT_BACKOFF.as_secs_f64());
            let low = INIT_BACKOFF.as_secs_f64();
            Duration::from_secs_f64(low + (high - low) * random_fraction()).min(MAX_BACKOFF)
        };
        if since.elapsed() + wait > self.budget {
            return None;
        }
        self.retries += 1;
        self.last = wait;
        Some((self.retries, wait))
    }

    /// Most retries of one run of failures.
    pub(crate) fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// Retries made in the current run of failures.
    pub(crate) fn retries(&self) -> u32 {
        self.retries
    }

    /// How long the current run of failures has lasted.
    pub(crate) fn failing_for(&self) -> Duration {
        self.failing_since.map_or(Duration::ZERO, |t| t.elapsed())
    }
}

/// A number in `[0, 1)` that differs between calls and processes (jitter, not cryptography).
fn random_fraction() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Whether a failed request is worth trying again: throttling (429, 503), server errors
/// (500, 502, 504), timeouts (408) and transport failures (refused or reset connections, a
/// body cut short) are; not found, access denied, bad request, a changed object and a
/// stall ([`is_stall`]) are not.
pub(crate) fn is_transient(err: &object_store::Error) -> bool {
    match err {
        object_store::Error::Generic { .. } => {}
        _ => return false,
    }
    if is_stall(err) {
        return false;
    }
    let text = chain_text(err);
    match status_in(&text) {
        Some(status) => status >= 500 || status == 429 || status == 408,
        None => true,
    }
}

/// Whether the client gave up on a silent connection (its read timeout, the stall timeout).
pub(crate) fn is_stall(err: &object_store::Error) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(cause) = current {
        if let Some(http) = cause.downcast_ref::<object_store::client::HttpError>() {
            return http.kind() == object_store::client::HttpErrorKind::Timeout;
        }
        current = cause.source();
    }
    false
}

/// The HTTP status an object_store error reports ("… status code: 503 …"), if any.
fn status_in(text: &str) -> Option<u16> {
    let at = text.find("status code: ")? + "status code: ".len();
    text.get(at..at + 3)?.parse().ok()
}

fn chain_text(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_parse() {
        assert_eq!(parse_seconds("60"), Some(Duration::from_secs(60)));
        assert_eq!(parse_seconds(" 2.5 "), Some(Duration::from_millis(2500)));
        assert_eq!(parse_seconds("-1"), None);
        assert_eq!(parse_seconds("soon"), None);
        assert_eq!(parse_seconds("inf"), None);
    }

    #[test]
    fn backoff_grows_with_jitter_within_the_budget() {
        let policy = RetryPolicy {
            budget: Duration::from_secs(3600),
            stall: DEFAULT_STALL,
        };
        let mut backoff = Backoff::new(&policy);
        let waits: Vec<Duration> = std::iter::from_fn(|| backoff.next().map(|(_, w)| w)).collect();
        assert_eq!(waits.len(), policy.max_retries() as usize);
        assert_eq!(RetryPolicy::default().max_retries(), 12);
        assert_eq!(waits[0], INIT_BACKOFF);
        assert!(
            waits
                .iter()
                .all(|w| *w >= INIT_BACKOFF && *w <= MAX_BACKOFF)
        );
        assert!(waits.windows(2).any(|w| w[0] != w[1]), "{waits:?}");
        backoff.succeeded();
        assert_eq!(backoff.next(), Some((1, INIT_BACKOFF)));
    }

    #[test]
    fn a_spent_budget_ends_the_retries() {
        let policy = RetryPolicy {
            budget: Duration::from_millis(100),
            stall: DEFAULT_STALL,
        };
        assert_eq!(Backoff::new(&policy).next(), None);
    }

    #[test]
    fn statuses_are_found() {
        assert_eq!(
            status_in("Server returned non-2xx status code: 503 Service Unavailable: SlowDown"),
            Some(503)
        );
        assert_eq!(status_in("error sending request"), None);
    }
}
