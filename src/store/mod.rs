//! Stores: a [`StoreSpec`] opened for reading — a local folder read with system calls, or a
//! remote object store through `object_store`; browsing one level, walking a prefix, and
//! reading `.npy` headers with small ranged reads.

mod azure;
mod client;
mod entry;
mod error;
mod format;
mod gcs;
mod headers;
pub mod layout;
mod listing;
mod local;
mod object;
mod read;
pub mod retry;
mod retry_watch;
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
use retry_watch::RetryWatch;

use crate::config::{Backend, StoreSpec};

/// An open store: its spec, where its objects are read from, and request counters.
pub struct Store {
    context: Arc<ErrorContext>,
    source: Source,
    stats: Arc<RequestStats>,
    /// Retry budget and stall timeout of remote requests.
    policy: RetryPolicy,
    /// The passing failures of the metadata client's requests, for progress notes.
    retries: Arc<RetryWatch>,
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
        let retries = Arc::new(RetryWatch::new(policy.max_retries()));
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
                let client = client::build(&spec, &policy, &retries)?;
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
            retries,
        })
    }

    /// "retrying (3/12): 503 Service Unavailable" while the store's listings, heads or
    /// header reads wait to try again after a passing failure (they retry inside
    /// object_store); `None` otherwise and for local stores.
    pub fn metadata_retry_note(&self) -> Option<String> {
        self.retries.note()
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
            // The endpoint in the display root tells an emulator's objects from the cloud's.
            Backend::Gcs { .. } => format!("gcs:{}", self.context.display_root),
            Backend::Azure { account_name, .. } => format!(
                "azure:{}:{}",
                account_name.as_deref().unwrap_or_default(),
                self.context.display_root
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
                advice: "the permissions of the store's folder".to_string(),
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
        let words = ProtocolWords::of(&self.spec.backend);
        if denied && let Some(looked_in) = &self.anonymous {
            return StoreError::NoCredentials {
                store,
                what,
                advice: words.set_credentials.to_string(),
                looked_in: looked_in.clone(),
            };
        }
        // S3's and GCS's NoSuchBucket, Azure's ContainerNotFound, fake-gcs-server's words.
        let container_missing = [
            "NoSuchBucket",
            "ContainerNotFound",
            "bucket does not exist",
            "no bucket named",
        ]
        .iter()
        .any(|needle| detail.contains(needle));
        match err {
            object_store::Error::NotFound { .. } if container_missing => StoreError::NotFound {
                store,
                what,
                hint: format!("; the {} does not exist", words.container),
            },
            object_store::Error::NotFound { .. } => StoreError::NotFound {
                store,
                what,
                hint: format!("; check the path, and that the {} exists", words.container),
            },
            object_store::Error::PermissionDenied { .. }
            | object_store::Error::Unauthenticated { .. } => StoreError::AccessDenied {
                store,
                what,
                advice: words.advice.to_string(),
                detail,
            },
            _ if looks_like_access_denied(&detail) => StoreError::AccessDenied {
                store,
                what,
                advice: words.advice.to_string(),
                detail,
            },
            _ if container_missing => StoreError::NotFound {
                store,
                what,
                hint: format!("; the {} does not exist", words.container),
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

/// The words of a protocol for error messages.
struct ProtocolWords {
    /// `bucket` or `container`.
    container: &'static str,
    /// What to check when access is denied.
    advice: &'static str,
    /// What to set when anonymous access is refused.
    set_credentials: &'static str,
}

impl ProtocolWords {
    fn of(backend: &Backend) -> ProtocolWords {
        match backend {
            Backend::Azure { .. } => ProtocolWords {
                container: "container",
                advice: azure::AZURE_ADVICE,
                set_credentials: "the store's connection_string, or account_name and account_key",
            },
            Backend::Gcs { .. } => ProtocolWords {
                container: "bucket",
                advice: gcs::GCS_ADVICE,
                set_credentials: "the store's token (the path of a service-account JSON file)",
            },
            _ => ProtocolWords {
                container: "bucket",
                advice: "the store's access_key/secret_key (or the AWS credentials in the \
                         environment) and the bucket's permissions",
                set_credentials: "access_key and secret_key for the store",
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
        "AuthenticationFailed",
        "AuthorizationFailure",
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
    // Pieces of secrets that may show up alone: a connection string's key and signature, the
    // private key of a service-account JSON token, the environment's Azure secrets.
    let mut pieces: Vec<String> = Vec::new();
    match &spec.backend {
        Backend::Azure {
            connection_string, ..
        } => {
            if let Some(text) = connection_string {
                pieces.extend(azure::connection_string_secrets(text.expose()));
            }
            if let Ok(text) = std::env::var("AZURE_STORAGE_CONNECTION_STRING") {
                pieces.extend(azure::connection_string_secrets(&text));
                pieces.push(text);
            }
            for var in ["AZURE_STORAGE_ACCOUNT_KEY", "AZURE_STORAGE_ACCESS_KEY"] {
                pieces.extend(std::env::var(var).ok());
            }
            for var in ["AZURE_STORAGE_SAS_TOKEN", "AZURE_STORAGE_SAS_KEY"] {
                if let Ok(sas) = std::env::var(var) {
                    pieces.extend(azure::sas_values(&sas));
                    pieces.push(sas);
                }
            }
        }
        Backend::Gcs {
            token: Some(token), ..
        } => {
            if let Ok(serde_json::Value::Object(map)) = serde_json::from_str(token.expose())
                && let Some(serde_json::Value::String(key)) = map.get("private_key")
            {
                pieces.push(key.clone());
            }
        }
        _ => {}
    }
    secrets.extend(pieces.iter().map(String::as_str));
    // Longest first, so a secret that holds another is masked whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = text.to_string();
    for secret in secrets {
        if secret.len() >= 4 {
            out = out.replace(secret, "***");
        }
    }
    out
}
