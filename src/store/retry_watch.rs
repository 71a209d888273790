//! Makes the retries object_store does by itself visible: listings, heads and header reads go
//! through object_store's own retry loop, which reports nothing, so the metadata client's HTTP
//! calls pass through [`WatchingConnector`], which counts the passing failures (throttling,
//! server errors, dropped connections) it sees until an answer comes back well. Progress bars
//! and the window's jobs panel show [`RetryWatch::note`] while a store's listing or header reads
//! wait to try again.

use std::sync::{Arc, Mutex, PoisonError};

use object_store::ClientOptions;
use object_store::client::{
    HttpClient, HttpConnector, HttpError, HttpErrorKind, HttpRequest, HttpResponse, HttpService,
    ReqwestConnector,
};

/// The passing failures a store's metadata requests met since the last good answer.
#[derive(Debug)]
pub struct RetryWatch {
    /// Most retries of one request under the store's budget (the `/12` of the note).
    max: u32,
    state: Mutex<Failures>,
}

#[derive(Debug, Default)]
struct Failures {
    /// Failed answers in a row.
    in_a_row: u32,
    /// What the last one was, in a few words.
    reason: Option<String>,
}

impl RetryWatch {
    /// Nothing failed yet; `max` is the retry limit the note names.
    pub(crate) fn new(max: u32) -> RetryWatch {
        RetryWatch {
            max,
            state: Mutex::new(Failures::default()),
        }
    }

    /// "retrying (3/12): 503 Service Unavailable" while the last answers failed for a
    /// passing reason and object_store waits to try again; `None` once an answer came back.
    /// The count is of failed answers in a row (capped at the limit), across the store's
    /// requests in flight.
    pub fn note(&self) -> Option<String> {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let reason = state.reason.as_ref()?;
        let retry = state.in_a_row.min(self.max);
        Some(format!("retrying ({retry}/{}): {reason}", self.max))
    }

    fn failed(&self, reason: String) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.in_a_row = state.in_a_row.saturating_add(1);
        state.reason = Some(reason);
    }

    fn answered(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.reason.is_some() {
            *state = Failures::default();
        }
    }
}

/// An object_store HTTP connector (reqwest, as object_store's default) that reports every
/// answer to a [`RetryWatch`].
#[derive(Debug)]
pub(crate) struct WatchingConnector {
    watch: Arc<RetryWatch>,
}

impl WatchingConnector {
    /// Reports to `watch`.
    pub(crate) fn new(watch: Arc<RetryWatch>) -> WatchingConnector {
        WatchingConnector { watch }
    }
}

impl HttpConnector for WatchingConnector {
    fn connect(&self, options: &ClientOptions) -> object_store::Result<HttpClient> {
        let inner = ReqwestConnector::default().connect(options)?;
        Ok(HttpClient::new(Watched {
            inner,
            watch: Arc::clone(&self.watch),
        }))
    }
}

/// The HTTP client the connector hands to object_store.
#[derive(Debug)]
struct Watched {
    inner: HttpClient,
    watch: Arc<RetryWatch>,
}

#[async_trait::async_trait]
impl HttpService for Watched {
    async fn call(&self, req: HttpRequest) -> Result<HttpResponse, HttpError> {
        let answer = self.inner.execute(req).await;
        match &answer {
            Ok(response) => {
                let status = response.status();
                // The statuses object_store retries: throttling and server errors.
                if status.as_u16() == 429 || status.is_server_error() {
                    let words = status.canonical_reason().unwrap_or("");
                    self.watch.failed(
                        format!("{} {words}", status.as_u16())
                            .trim_end()
                            .to_string(),
                    );
                } else {
                    self.watch.answered();
                }
            }
            Err(err) => match err.kind() {
                HttpErrorKind::Connect => self.watch.failed("cannot connect".to_string()),
                HttpErrorKind::Timeout => self.watch.failed("timed out".to_string()),
                HttpErrorKind::Request | HttpErrorKind::Interrupted => {
                    self.watch.failed("connection dropped".to_string())
                }
                // Decoding and unknown errors are not retried.
                _ => {}
            },
        }
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_failures_in_a_row_until_an_answer() {
        let watch = RetryWatch::new(12);
        assert_eq!(watch.note(), None);
        watch.failed("503 Service Unavailable".to_string());
        watch.failed("503 Service Unavailable".to_string());
        assert_eq!(
            watch.note().as_deref(),
            Some("retrying (2/12): 503 Service Unavailable")
        );
        watch.answered();
        assert_eq!(watch.note(), None);
        for _ in 0..20 {
            watch.failed("cannot connect".to_string());
        }
        assert_eq!(
            watch.note().as_deref(),
            Some("retrying (12/12): cannot connect")
        );
    }
}
