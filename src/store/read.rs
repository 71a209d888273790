//! Data reads: one ranged read of a listed object, streamed chunk by chunk and each chunk
//! reported as it arrives, resumed where it stopped after a passing failure (within the retry
//! budget, its retries reported), failed when no byte arrives for the stall timeout.

use std::ops::Range;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use object_store::ObjectStore;
use object_store::path::Path as ObjPath;

use super::retry::{self, Backoff, RETRY_BUDGET_ENV};
use super::{ObjectInfo, Source, Store, StoreError};

/// What a data read tells its caller as it goes.
#[derive(Clone, Copy, Debug)]
pub enum ReadNews<'a> {
    /// This many more bytes arrived.
    Received(u64),
    /// A passing failure (`reason`); retry number `retry` of at most `max` follows a wait.
    Retrying {
        /// The retry about to be made, from 1.
        retry: u32,
        /// The most retries of one request.
        max: u32,
        /// What failed, in a few words.
        reason: &'a str,
    },
    /// Bytes flow again after retries.
    Recovered,
}

/// How one attempt of a read ended when it did not end well.
enum Failure {
    /// Worth another try: the object_store error.
    Passing(object_store::Error),
    /// The body ended short of the range without an error.
    Short { got: u64, wanted: u64 },
    /// Final.
    Final(StoreError),
}

impl Store {
    /// Reads `range` of a listed object, failing with [`StoreError::Changed`] if the object is
    /// no longer the version that was listed (ETag, else size and time), so bytes of two
    /// versions are never mixed. Remote reads send `If-Match`; local reads compare the file's
    /// identity before and after. Retries and stalls as in
    /// [`read_range_reported`](Self::read_range_reported).
    pub async fn read_range_of(
        &self,
        object: &ObjectInfo,
        range: Range<u64>,
    ) -> Result<Bytes, StoreError> {
        self.read_range_reported(object, range, &|_| {}).await
    }

    /// [`read_range_of`](Self::read_range_of), telling `news` of each chunk as it arrives and
    /// of each retry. A remote read that fails for a passing reason (throttling, a server
    /// error, a dropped connection, a body cut short) is resumed from its last byte while the
    /// store's retry budget lasts; one with no byte for the stall timeout fails.
    pub async fn read_range_reported(
        &self,
        object: &ObjectInfo,
        range: Range<u64>,
        news: &(dyn Fn(ReadNews<'_>) + Sync),
    ) -> Result<Bytes, StoreError> {
        match &self.source {
            Source::Local { .. } => {
                let changed = || self.changed(object);
                if self.head(&object.path).await? != *object {
                    return Err(changed());
                }
                let bytes = self.read_range(&object.path, range).await?;
                if self.head(&object.path).await? != *object {
                    return Err(changed());
                }
                news(ReadNews::Received(bytes.len() as u64));
                Ok(bytes)
            }
            Source::Remote { data, root, .. } => {
                let key = self.key(root, &object.path)?;
                self.read_remote(data, &key, object, range, news).await
            }
        }
    }

    fn changed(&self, object: &ObjectInfo) -> StoreError {
        StoreError::Changed {
            store: self.name().to_string(),
            path: object.path.clone(),
        }
    }

    fn stalled(&self, object: &ObjectInfo) -> StoreError {
        StoreError::Stalled {
            store: self.name().to_string(),
            what: self.context.describe(&object.path),
            seconds: self.policy.stall.as_secs_f64(),
        }
    }

    /// The retry loop of a remote read: attempts until the range is whole, a final error, or
    /// the budget is spent.
    async fn read_remote(
        &self,
        client: &Arc<dyn ObjectStore>,
        key: &ObjPath,
        object: &ObjectInfo,
        range: Range<u64>,
        news: &(dyn Fn(ReadNews<'_>) + Sync),
    ) -> Result<Bytes, StoreError> {
        let wanted = range.end.saturating_sub(range.start);
        let mut buf = BytesMut::with_capacity(usize::try_from(wanted).unwrap_or(0));
        let mut backoff = Backoff::new(&self.policy);
        loop {
            let start = range.start + buf.len() as u64;
            if start >= range.end {
                return Ok(buf.freeze());
            }
            let failure = match self
                .attempt(
                    client,
                    key,
                    object,
                    start..range.end,
                    &mut buf,
                    &mut backoff,
                    news,
                )
                .await
            {
                Ok(()) if buf.len() as u64 >= wanted => return Ok(buf.freeze()),
                Ok(()) => Failure::Short {
                    got: buf.len() as u64,
                    wanted,
                },
                Err(failure) => failure,
            };
            let reason = match &failure {
                Failure::Final(_) => None,
                Failure::Passing(err) => Some(super::redact(&short_reason(err), self.spec())),
                Failure::Short { got, wanted } => {
                    Some(format!("the body ended after {got} of {wanted} bytes"))
                }
            };
            let (Some(reason), Some((retry, wait))) = (reason.as_deref(), backoff.next()) else {
                return Err(self.gave_up(object, failure, &backoff));
            };
            tracing::info!(
                "store \"{}\": reading {}: {reason}; retry {retry}/{} in {:.1} s",
                self.name(),
                object.path,
                backoff.max_retries(),
                wait.as_secs_f64()
            );
            news(ReadNews::Retrying {
                retry,
                max: backoff.max_retries(),
                reason,
            });
            tokio::time::sleep(wait).await;
        }
    }

    /// The error of a read that will not be tried again.
    fn gave_up(&self, object: &ObjectInfo, failure: Failure, backoff: &Backoff) -> StoreError {
        let spent = if backoff.retries() > 0 {
            format!(
                "; gave up after {} retries over {:.0} s (the retry budget, {:.0} s, is set by {RETRY_BUDGET_ENV})",
                backoff.retries(),
                backoff.failing_for().as_secs_f64(),
                self.policy.budget.as_secs_f64()
            )
        } else {
            String::new()
        };
        match failure {
            Failure::Final(err) => err,
            Failure::Passing(err) => match self.context.remote_error("read", &object.path, err) {
                StoreError::Request {
                    store,
                    operation,
                    what,
                    detail,
                } => StoreError::Request {
                    store,
                    operation,
                    what,
                    detail: format!("{detail}{spent}"),
                },
                other => other,
            },
            Failure::Short { got, wanted } => StoreError::Request {
                store: self.name().to_string(),
                operation: "read",
                what: self.context.describe(&object.path),
                detail: format!("the server sent {got} of {wanted} bytes{spent}"),
            },
        }
    }

    /// One ranged request for `range`, its chunks appended to `buf` as they arrive.
    #[allow(clippy::too_many_arguments)]
    async fn attempt(
        &self,
        client: &Arc<dyn ObjectStore>,
        key: &ObjPath,
        object: &ObjectInfo,
        range: Range<u64>,
        buf: &mut BytesMut,
        backoff: &mut Backoff,
        news: &(dyn Fn(ReadNews<'_>) + Sync),
    ) -> Result<(), Failure> {
        let stall = self.policy.stall;
        let options = object_store::GetOptions {
            if_match: object.e_tag.clone(),
            if_unmodified_since: object.e_tag.is_none().then_some(object.last_modified),
            range: Some(object_store::GetRange::Bounded(range)),
            ..Default::default()
        };
        let _guard = self.stats.begin();
        let asked = std::time::Instant::now();
        let result = match tokio::time::timeout(stall, client.get_opts(key, options)).await {
            Err(_) => return Err(Failure::Final(self.stalled(object))),
            // A timeout sooner than the stall timeout is the connect timeout: worth a retry.
            Ok(Err(e)) if retry::is_stall(&e) && asked.elapsed() < stall => {
                return Err(Failure::Passing(e));
            }
            Ok(result) => result.map_err(|e| self.failure(object, e))?,
        };
        // Servers without ETags (and that ignore If-Unmodified-Since) still report size and
        // time: a different size or a later time is another version.
        let later = result.meta.last_modified.timestamp() > object.last_modified.timestamp();
        if result.meta.size != object.size || (object.e_tag.is_none() && later) {
            return Err(Failure::Final(self.changed(object)));
        }
        let mut stream = result.into_stream();
        loop {
            let chunk = match tokio::time::timeout(stall, stream.next()).await {
                Err(_) => return Err(Failure::Final(self.stalled(object))),
                Ok(None) => return Ok(()),
                Ok(Some(chunk)) => chunk.map_err(|e| self.failure(object, e))?,
            };
            if backoff.retries() > 0 {
                backoff.succeeded();
                news(ReadNews::Recovered);
            }
            buf.extend_from_slice(&chunk);
            self.stats.received(chunk.len());
            news(ReadNews::Received(chunk.len() as u64));
        }
    }

    /// Sorts an object_store error: passing, a stall, a changed object, or final.
    fn failure(&self, object: &ObjectInfo, err: object_store::Error) -> Failure {
        if matches!(err, object_store::Error::Precondition { .. }) {
            Failure::Final(self.changed(object))
        } else if retry::is_stall(&err) {
            Failure::Final(self.stalled(object))
        } else if retry::is_transient(&err) {
            Failure::Passing(err)
        } else {
            Failure::Final(self.context.remote_error("read", &object.path, err))
        }
    }
}

/// A failure in a few words for a progress line: the HTTP status, else the innermost cause.
fn short_reason(err: &object_store::Error) -> String {
    let mut last = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        last = cause.to_string();
        source = cause.source();
    }
    let text = err.to_string();
    match text.find("status code: ") {
        Some(at) => text[at + "status code: ".len()..]
            .split(':')
            .next()
            .unwrap_or_default()
            .trim()
            .to_string(),
        None => last,
    }
}
