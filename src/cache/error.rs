//! Errors of the cache, each naming the folder or the object and saying what to do.

use std::io;
use std::path::PathBuf;

use crate::store::StoreError;

/// What went wrong keeping or making a cached copy.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CacheError {
    /// No cache folder could be found (no home folder) and none was set.
    #[error("no cache folder: there is no home folder to put it in; set NPYSCOPE_CACHE_DIR")]
    NoFolder,
    /// The cache folder cannot be created or read.
    #[error(
        "cache folder {}: cannot {action}: {source}; use a writable folder (set NPYSCOPE_CACHE_DIR)",
        dir.display()
    )]
    Folder {
        /// The cache folder.
        dir: PathBuf,
        /// What was tried: "create", "read", …
        action: &'static str,
        /// The system's words.
        #[source]
        source: io::Error,
    },
    /// The disk (or quota) of the cache folder is full.
    #[error(
        "cache folder {} is full (no space left on the device) while saving {what}; free space, \
         or set NPYSCOPE_CACHE_DIR to a folder on a larger disk (or lower NPYSCOPE_CACHE_LIMIT)",
        dir.display()
    )]
    DiskFull {
        /// The cache folder.
        dir: PathBuf,
        /// The object being saved (`store:path`).
        what: String,
    },
    /// A file in the cache folder could not be written.
    #[error(
        "cache folder {}: cannot {action} for {what}: {source}; check that the folder is \
         writable and has free space, or set NPYSCOPE_CACHE_DIR",
        dir.display()
    )]
    Write {
        /// The cache folder.
        dir: PathBuf,
        /// What was tried.
        action: &'static str,
        /// The object being saved (`store:path`).
        what: String,
        /// The system's words.
        #[source]
        source: io::Error,
    },
    /// The store failed (after its retries); `StoreError::Changed` means the object was
    /// replaced: list it again.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The object has no bytes: it cannot be a `.npy` file.
    #[error(
        "store \"{store}\": {path}: the object is empty (0 bytes), not a .npy file; nothing to download"
    )]
    Empty {
        /// Store name.
        store: String,
        /// Object path.
        path: String,
    },
    /// The bytes received do not add up to the listed size.
    #[error(
        "store \"{store}\": {path}: received {received} bytes where the listing says {expected}; \
         list it again and retry"
    )]
    SizeMismatch {
        /// Store name.
        store: String,
        /// Object path.
        path: String,
        /// Bytes the listing promised.
        expected: u64,
        /// Bytes received.
        received: u64,
    },
    /// The caller cancelled the download; nothing was kept.
    #[error("store \"{store}\": download of {path} cancelled")]
    Cancelled {
        /// Store name.
        store: String,
        /// Object path.
        path: String,
    },
    /// `NPYSCOPE_CACHE_LIMIT` (or a setting) is not a size.
    #[error(
        "cache size limit \"{text}\" is not a size ({why}); write e.g. 20GiB, 500MB or 1073741824"
    )]
    InvalidLimit {
        /// The text given.
        text: String,
        /// Why it was refused.
        why: String,
    },
    /// A background task of the cache died (a bug).
    #[error("cache: {0}")]
    Internal(String),
}

impl CacheError {
    /// `true` when the object changed since it was listed: list it again and retry.
    pub fn is_changed(&self) -> bool {
        matches!(self, CacheError::Store(StoreError::Changed { .. }))
    }

    /// `true` when the caller cancelled.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, CacheError::Cancelled { .. })
    }

    /// A copy for a second waiter of a shared download (the error types hold `io::Error`s,
    /// which are not `Clone`): same variant where it matters, same message always.
    pub(crate) fn duplicate(&self) -> CacheError {
        let io_copy = |e: &io::Error| io::Error::new(e.kind(), e.to_string());
        match self {
            CacheError::NoFolder => CacheError::NoFolder,
            CacheError::Folder {
                dir,
                action,
                source,
            } => CacheError::Folder {
                dir: dir.clone(),
                action,
                source: io_copy(source),
            },
            CacheError::DiskFull { dir, what } => CacheError::DiskFull {
                dir: dir.clone(),
                what: what.clone(),
            },
            CacheError::Write {
                dir,
                action,
                what,
                source,
            } => CacheError::Write {
                dir: dir.clone(),
                action,
                what: what.clone(),
                source: io_copy(source),
            },
            CacheError::Store(err) => CacheError::Store(duplicate_store_error(err)),
            CacheError::Empty { store, path } => CacheError::Empty {
                store: store.clone(),
                path: path.clone(),
            },
            CacheError::SizeMismatch {
                store,
                path,
                expected,
                received,
            } => CacheError::SizeMismatch {
                store: store.clone(),
                path: path.clone(),
                expected: *expected,
                received: *received,
            },
            CacheError::Cancelled { store, path } => CacheError::Cancelled {
                store: store.clone(),
                path: path.clone(),
            },
            CacheError::InvalidLimit { text, why } => CacheError::InvalidLimit {
                text: text.clone(),
                why: why.clone(),
            },
            CacheError::Internal(text) => CacheError::Internal(text.clone()),
        }
    }
}

/// A copy of a store error, variant for variant.
fn duplicate_store_error(err: &StoreError) -> StoreError {
    match err {
        StoreError::Changed { store, path } => StoreError::Changed {
            store: store.clone(),
            path: path.clone(),
        },
        StoreError::NotFound { store, what, hint } => StoreError::NotFound {
            store: store.clone(),
            what: what.clone(),
            hint: hint.clone(),
        },
        StoreError::AccessDenied {
            store,
            what,
            advice,
            detail,
        } => StoreError::AccessDenied {
            store: store.clone(),
            what: what.clone(),
            advice: advice.clone(),
            detail: detail.clone(),
        },
        StoreError::NoCredentials {
            store,
            what,
            advice,
            looked_in,
        } => StoreError::NoCredentials {
            store: store.clone(),
            what: what.clone(),
            advice: advice.clone(),
            looked_in: looked_in.clone(),
        },
        StoreError::Request {
            store,
            operation,
            what,
            detail,
        } => StoreError::Request {
            store: store.clone(),
            operation,
            what: what.clone(),
            detail: detail.clone(),
        },
        StoreError::Open { store, detail } => StoreError::Open {
            store: store.clone(),
            detail: detail.clone(),
        },
        StoreError::Npy {
            store,
            path,
            source,
        } => StoreError::Npy {
            store: store.clone(),
            path: path.clone(),
            source: source.clone(),
        },
        StoreError::Stalled {
            store,
            what,
            seconds,
        } => StoreError::Stalled {
            store: store.clone(),
            what: what.clone(),
            seconds: *seconds,
        },
        StoreError::Empty { store, path } => StoreError::Empty {
            store: store.clone(),
            path: path.clone(),
        },
        StoreError::Blob {
            store,
            path,
            source,
        } => StoreError::Blob {
            store: store.clone(),
            path: path.clone(),
            source: source.clone(),
        },
        StoreError::NotArray { store, path, what } => StoreError::NotArray {
            store: store.clone(),
            path: path.clone(),
            what: what.clone(),
        },
        StoreError::InvalidPath {
            store,
            path,
            detail,
        } => StoreError::InvalidPath {
            store: store.clone(),
            path: path.clone(),
            detail: detail.clone(),
        },
    }
}

/// `true` for "no space left on device" and "quota exceeded".
pub(crate) fn is_disk_full(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
    ) || err.raw_os_error() == Some(28)
}
