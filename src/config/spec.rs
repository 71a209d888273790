//! `StoreSpec`: one validated store of a DataJoint config, protocol-specific fields included.
//!
//! Raw store JSON is parsed into this type once (see `parse.rs`); everything downstream works
//! with validated values. Secret values are wrapped in [`Secret`] so they never reach `Debug`
//! output, logs, errors or the screen.

use std::fmt;
use std::path::PathBuf;

/// A secret string (key, password, token). `Debug` and `Display` print `***`; read the value
/// with [`Secret::expose`] only where it is handed to the object-store client.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself: only for handing to a client, never for printing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Where a store's definition came from, shown by `npyscope stores`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The stores block of this `datajoint.json`.
    File(PathBuf),
    /// The `DJ_STORES` environment variable.
    Env,
    /// Only secret files (`stores.<name>.<attr>`) in this secrets folder define the store.
    Secrets(PathBuf),
    /// Given on the command line or opened directly (a folder path, an `s3://` URL).
    AdHoc,
    /// Added by the user in npyscope's own settings.
    Settings,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File(path) => write!(f, "file {}", path.display()),
            Origin::Env => f.write_str("env DJ_STORES"),
            Origin::Secrets(path) => write!(f, "secrets {}", path.display()),
            Origin::AdHoc => f.write_str("command line"),
            Origin::Settings => f.write_str("npyscope settings"),
        }
    }
}

/// Protocol-specific connection settings of a store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    /// A local (or mounted) folder.
    File {
        /// The folder that holds the store's objects.
        location: PathBuf,
    },
    /// Amazon S3 or an S3-compatible server (MinIO, …).
    S3 {
        /// `host:port` or a full URL; `None` means AWS itself.
        endpoint: Option<String>,
        /// The bucket name.
        bucket: String,
        /// Key prefix inside the bucket (may be empty).
        location: String,
        /// Access key id; `None` falls back to the AWS environment/credential chain.
        access_key: Option<Secret>,
        /// Secret access key; `None` falls back to the AWS environment/credential chain.
        secret_key: Option<Secret>,
        /// `true` (the default) means https for an endpoint given without a scheme.
        secure: bool,
        /// Region, when given (`region` attribute); otherwise the client default.
        region: Option<String>,
    },
    /// Google Cloud Storage.
    Gcs {
        /// The bucket name.
        bucket: String,
        /// Key prefix inside the bucket (may be empty).
        location: String,
        /// The GCP project (informational; object access does not need it).
        project: Option<String>,
        /// Service-account JSON, a path to it, or `None` for application default credentials.
        token: Option<Secret>,
    },
    /// Azure Blob Storage.
    Azure {
        /// The container name.
        container: String,
        /// Key prefix inside the container (may be empty).
        location: String,
        /// The storage account.
        account_name: Option<String>,
        /// The account key.
        account_key: Option<Secret>,
        /// A full connection string (holds account name and key).
        connection_string: Option<Secret>,
    },
}

impl Backend {
    /// The protocol name as written in `datajoint.json`: `file`, `s3`, `gcs` or `azure`.
    pub fn protocol(&self) -> &'static str {
        match self {
            Backend::File { .. } => "file",
            Backend::S3 { .. } => "s3",
            Backend::Gcs { .. } => "gcs",
            Backend::Azure { .. } => "azure",
        }
    }
}

/// DataJoint's path-layout settings of a store, with DataJoint's defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayoutSettings {
    /// Folder in front of schema-addressed objects (default `_schema`).
    pub schema_prefix: String,
    /// Folder of hash-addressed objects (default `_hash`).
    pub hash_prefix: String,
    /// Folder of `filepath` objects, when set.
    pub filepath_prefix: Option<String>,
    /// Key attributes moved in front of the schema, e.g. `{subject_id}/{session_date}`.
    pub partition_pattern: Option<String>,
    /// Length of the random token in file names (default 8, clamped to 4–16).
    pub token_length: usize,
}

impl Default for LayoutSettings {
    fn default() -> Self {
        LayoutSettings {
            schema_prefix: "_schema".to_string(),
            hash_prefix: "_hash".to_string(),
            filepath_prefix: None,
            partition_pattern: None,
            token_length: 8,
        }
    }
}

/// One validated store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreSpec {
    /// The store's name (the `@name` of `<npy@name>`).
    pub name: String,
    /// Connection settings.
    pub backend: Backend,
    /// DataJoint layout settings.
    pub layout: LayoutSettings,
    /// Where the definition came from.
    pub origin: Origin,
    /// Attributes filled from secret files (names only, e.g. `secret_key`), shown by `stores`.
    pub secrets_from: Vec<String>,
}
