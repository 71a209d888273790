//! Stores: a [`StoreSpec`] opened for reading — a local folder read with system calls, or a
//! remote object store through `object_store`; browsing one level, walking a prefix, and
//! reading `.npy` headers with small ranged reads.

mod client;
mod entry;
mod error;
mod format;
mod headers;
pub mod layout;
mod listing;
mod local;
mod object;
mod read;
pub mod retry;
pub mod sizes;
pub mod target;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use object_store::ObjectStore;
use object_store::path::Path as ObjPath;

pub use entry::Entry;
pub use error::StoreError;
pub use format::{Format, MAX_BLOB_HEADER_READ, array_meta};
pub use headers::{HEADER_CONCURRENCY, RequestStats, entries};
pub(crate) use local::file_stamp;
pub use object::{Level, ObjectInfo, is_listed, is_npy};
pub use read::ReadNews;
pub use retry::RetryPolicy;

use crate::config::{Backend, StoreSpec};

/// An open store: its spec, where its objects are read from, and request counters.
pub struct Store {
    context: Arc<ErrorContext>,
    source: Source,
    stats: Arc<RequestStats>,
    /// Retry budget and stall timeout of remote requests.
    policy: RetryPolicy,
}

/// Where a store's objects are read from.
enum Source {
    /// A folder on this machine, read with plain system calls.
    Local {
        /// The store's `location`.
        root: PathBuf,
    },
    /// An object store reached over the network.
    Remote {
        /// The client for listings, heads and header reads.
        client: Arc<dyn ObjectStore>,
        /// The client for data reads (retried by npyscope's read loop).
        data: Arc<dyn ObjectStore>,
        /// The key prefix of the store's `location` inside the bucket or container.
        root: ObjPath,
    },
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("name", &self.context.spec.name)
            .field("root", &self.context.display_root)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens `spec`: checks that a local folder exists, or builds the client of a remote
    /// store (no request is made yet), with the retry policy of the environment
    /// ([`RetryPolicy::from_env`]).
    pub fn open(spec: StoreSpec) -> Result<Store, StoreError> {
        Store::open_with(spec, RetryPolicy::from_env())
    }

    /// Opens `spec` with `policy` for its remote requests.
    pub fn open_with(spec: StoreSpec, policy: RetryPolicy) -> Result<Store, StoreError> {
        let (source, display_root, anonymous) = match &spec.backend {
            Backend::File { location } => {
                if !location.is_dir() {
                    return Err(StoreError::Open {
                        store: spec.name.clone(),
                        detail: format!(
                            "location {} is not an existing folder; check the store's \"location\"",
                            location.display()
                        ),
                    });
                }
                let root = location.clone();
                (Source::Local { root }, location.display().to_string(), None)
            }
            _ => {
                let client = client::build(&spec, &policy)?;
                let source = Source::Remote {
                    client: client.store,
                    data: client.data,
                    root: client.root,
                };
                (source, client.display_root, client.anonymous)
            }
        };
        Ok(Store {
            context: Arc::new(ErrorContext {
                spec,
                display_root,
                anonymous,
            }),
            source,
            stats: Arc::new(RequestStats::default()),
            policy,
        })
    }

    /// The store's name.
    pub fn name(&self) -> &str {
        &self.context.spec.name
    }

    /// The spec the store was opened from.
    pub fn spec(&self) -> &StoreSpec {
        &self.context.spec
    }

    /// Where the store's objects live, e.g. `/data/store` or `http://host:9000/bucket/prefix`.
    pub fn display_root(&self) -> &str {
        &self.context.display_root
    }

    /// What identifies the store's data, without secrets: protocol, endpoint, bucket and
    /// location (the cache keys its files by this and the object path).
    pub fn identity(&self) -> String {
        match &self.context.spec.backend {
            Backend::File { location } => format!("file:{}", location.display()),
            Backend::S3 {
                endpoint,
                bucket,
                location,
                secure,
                ..
            } => format!(
                "s3:{}:{bucket}:{location}",
                endpoint
                    .as_deref()
                    .map(|e| crate::config::endpoint_url(e, *secure))
                    .unwrap_or_default()
            ),
            Backend::Gcs {
                bucket, location, ..
            } => format!("gcs:{bucket}:{location}"),
            Backend::Azure {
                container,
                location,
                account_name,
                ..
            } => format!(
                "azure:{}:{container}:{location}",
                account_name.as_deref().unwrap_or_default()
            ),
        }
    }

    /// The retry budget and stall timeout of its remote requests.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// Counters of the requests this store has made (for `--stats` and benchmarks).
    pub fn stats(&self) -> &RequestStats {
        &self.stats
    }

    /// The local file of an object, for stores on the local file system.
    pub fn local_path(&self, path: &str) -> Option<PathBuf> {
        match &self.source {
            Source::Local { root } => local::resolve(root, path),
            Source::Remote { .. } => None,
        }
    }

    /// `true` for stores on the local file system.
    pub fn is_local(&self) -> bool {
        matches!(self.source, Source::Local { .. })
    }

    /// The file of a store-relative path in a local store.
    fn file(&self, root: &Path, path: &str) -> Result<PathBuf, StoreError> {
        local::resolve(root, path).ok_or_else(|| {
            self.context
                .invalid_path(path, "\".\" and \"..\" are not allowed in store paths")
        })
    }

    /// The full key of a store-relative path in a remote store.
    fn key(&self, root: &ObjPath, path: &str) -> Result<ObjPath, StoreError> {
        let trimmed = path.trim_matches('/');
        let relative =
            ObjPath::parse(trimmed).map_err(|e| self.context.invalid_path(path, e.to_string()))?;
        Ok(root.parts().chain(relative.parts()).collect())
    }

    /// The store-relative path of a full key.
    fn relative(root: &ObjPath, key: &ObjPath) -> String {
        match key.prefix_match(root) {
            Some(parts) => parts
                .map(|p| p.as_ref().to_string())
                .collect::<Vec<_>>()
                .join("/"),
            None => key.as_ref().to_string(),
        }
    }
}

/// What error messages need to name the store and redact its secrets; shared with tasks.
struct ErrorContext {
    spec: StoreSpec,
    display_root: String,
    /// Requests are anonymous because no credentials were found: where npyscope looked.
    anonymous: Option<String>,
}

impl ErrorContext {
    /// `root/what` for messages.
    fn describe(&self, what: &str) -> String {
        if what.is_empty() {
            self.display_root.clone()
        } else {
            format!("{}/{}", self.display_root.trim_end_matches('/'), what)
        }
    }

    fn invalid_path(&self, path: &str, detail: impl Into<String>) -> StoreError {
        StoreError::InvalidPath {
            store: self.spec.name.clone(),
            path: path.to_string(),
            detail: detail.into(),
        }
    }

    /// A file-system error as a [`StoreError`] that names the store and file.
    fn io_error(&self, operation: &'static str, what: &str, err: std::io::Error) -> StoreError {
        let store = self.spec.name.clone();
        let what = self.describe(what);
        match err.kind() {
            std::io::ErrorKind::NotFound => StoreError::NotFound {
                store,
                what,
                hint: String::new(),
            },
            std::io::ErrorKind::PermissionDenied => StoreError::AccessDenied {
                store,
                what,
                detail: err.to_string(),
            },
            _ => StoreError::Request {
                store,
                operation,
                what,
                detail: err.to_string(),
            },
        }
    }

    /// An object_store error as a [`StoreError`] that names the store and object.
    fn remote_error(
        &self,
        operation: &'static str,
        what: &str,
        err: object_store::Error,
    ) -> StoreError {
        let store = self.spec.name.clone();
        let what = self.describe(what);
        let detail = redact(&error_chain(&err), &self.spec);
        let denied = matches!(
            err,
            object_store::Error::PermissionDenied { .. }
                | object_store::Error::Unauthenticated { .. }
        ) || looks_like_access_denied(&detail);
        if denied && let Some(looked_in) = &self.anonymous {
            return StoreError::NoCredentials {
                store,
                what,
                looked_in: looked_in.clone(),
            };
        }
        match err {
            object_store::Error::NotFound { .. } => StoreError::NotFound {
                store,
                what,
                hint: "; check the path, and that the bucket exists".to_string(),
            },
            object_store::Error::PermissionDenied { .. }
            | object_store::Error::Unauthenticated { .. } => StoreError::AccessDenied {
                store,
                what,
                detail,
            },
            _ if looks_like_access_denied(&detail) => StoreError::AccessDenied {
                store,
                what,
                detail,
            },
            _ if detail.contains("NoSuchBucket") => StoreError::NotFound {
                store,
                what,
                hint: "; the bucket does not exist".to_string(),
            },
            _ => StoreError::Request {
                store,
                operation,
                what,
                detail,
            },
        }
    }
}

/// Opens a store and wraps it for sharing between tasks.
pub fn open_shared(spec: StoreSpec) -> Result<Arc<Store>, StoreError> {
    Store::open(spec).map(Arc::new)
}

fn looks_like_access_denied(detail: &str) -> bool {
    [
        "AccessDenied",
        "SignatureDoesNotMatch",
        "InvalidAccessKeyId",
        "403 Forbidden",
    ]
    .iter()
    .any(|needle| detail.contains(needle))
}

/// An error with its causes, one after another.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Replaces every secret of `spec` found in `text` with `***` (servers may echo a key back).
pub(crate) fn redact(text: &str, spec: &StoreSpec) -> String {
    let mut secrets: Vec<&str> = Vec::new();
    match &spec.backend {
        Backend::S3 {
            access_key,
            secret_key,
            ..
        } => secrets.extend(access_key.iter().chain(secret_key).map(|s| s.expose())),
        Backend::Gcs { token, .. } => secrets.extend(token.iter().map(|s| s.expose())),
        Backend::Azure {
            account_key,
            connection_string,
            ..
        } => secrets.extend(
            account_key
                .iter()
                .chain(connection_string)
                .map(|s| s.expose()),
        ),
        Backend::File { .. } => {}
    }
    let mut out = text.to_string();
    for secret in secrets {
        if secret.len() >= 4 {
            out = out.replace(secret, "***");
        }
    }
    out
}
