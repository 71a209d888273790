//! Errors of store access, each naming the store and object and saying what to do.

use crate::npy::NpyError;

/// What went wrong talking to a store or reading an object's header.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The client for the store could not be built from its spec.
    #[error("store \"{store}\": cannot open: {detail}")]
    Open {
        /// Store name.
        store: String,
        /// Why (secrets redacted).
        detail: String,
    },
    /// The object or prefix does not exist (or the bucket does not).
    #[error("store \"{store}\": {what} not found{hint}")]
    NotFound {
        /// Store name.
        store: String,
        /// The object, prefix or bucket.
        what: String,
        /// Extra advice, starting with "; " when present.
        hint: String,
    },
    /// The server refused the credentials.
    #[error("store \"{store}\": access denied to {what}: check {advice} ({detail})")]
    AccessDenied {
        /// Store name.
        store: String,
        /// The object, prefix or bucket.
        what: String,
        /// What to check, for the store's protocol (its credentials and permissions).
        advice: String,
        /// The server's words (secrets redacted).
        detail: String,
    },
    /// The server wants credentials and none were found (requests were anonymous).
    #[error(
        "store \"{store}\": no credentials found for {what} (looked in {looked_in}); the server \
         refused anonymous access: set {advice}"
    )]
    NoCredentials {
        /// Store name.
        store: String,
        /// The object, prefix or bucket.
        what: String,
        /// Which of the store's attributes to set.
        advice: String,
        /// Where npyscope looked.
        looked_in: String,
    },
    /// Any other failure of a request.
    #[error("store \"{store}\": {operation} {what} failed: {detail}")]
    Request {
        /// Store name.
        store: String,
        /// `list`, `read` or `head`.
        operation: &'static str,
        /// The object or prefix.
        what: String,
        /// Why (secrets redacted).
        detail: String,
    },
    /// The object is not a `.npy` array this tool can read.
    #[error("store \"{store}\": {path}: {source}")]
    Npy {
        /// Store name.
        store: String,
        /// Object path relative to the store's location.
        path: String,
        /// What is wrong with the bytes.
        #[source]
        source: NpyError,
    },
    /// The object is a DataJoint blob whose bytes cannot be read.
    #[error("store \"{store}\": {path}: {source}")]
    Blob {
        /// Store name.
        store: String,
        /// Object path relative to the store's location.
        path: String,
        /// What is wrong with the bytes.
        #[source]
        source: crate::blob::BlobError,
    },
    /// The object was read but holds no array (an attachment, raw bytes, a blob holding a dict…).
    #[error(
        "store \"{store}\": {path}: {what}, not an array; only arrays can be shown, plotted or written to .npy"
    )]
    NotArray {
        /// Store name.
        store: String,
        /// Object path relative to the store's location.
        path: String,
        /// What the object holds, e.g. `an attachment "notes.txt" (23 bytes)`.
        what: String,
    },
    /// The object is empty.
    #[error("store \"{store}\": {path}: the object is empty (0 bytes), not a .npy file")]
    Empty {
        /// Store name.
        store: String,
        /// Object path relative to the store's location.
        path: String,
    },
    /// No byte arrived for the stall timeout: the server or the network is stuck.
    #[error(
        "store \"{store}\": reading {what}: no data arrived for {seconds} s; the server or the \
         network is stuck: check the connection and try again (NPYSCOPE_STALL_TIMEOUT_S sets how \
         long to wait)"
    )]
    Stalled {
        /// Store name.
        store: String,
        /// The object.
        what: String,
        /// The stall timeout, in seconds.
        seconds: f64,
    },
    /// The object changed since it was listed (another version was written).
    #[error(
        "store \"{store}\": {path} changed while it was being read (it was replaced); list it again and retry"
    )]
    Changed {
        /// Store name.
        store: String,
        /// Object path relative to the store's location.
        path: String,
    },
    /// A path given by the user cannot be an object key.
    #[error("store \"{store}\": invalid path \"{path}\": {detail}")]
    InvalidPath {
        /// Store name.
        store: String,
        /// The path as given.
        path: String,
        /// Why.
        detail: String,
    },
}
