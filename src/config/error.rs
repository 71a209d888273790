//! Errors of config loading ([`ConfigError`]) and of one store's validation ([`StoreSpecError`]).
//!
//! No message ever holds a secret value: attribute errors name the attribute, never its value.

use std::fmt;
use std::path::PathBuf;

/// Why one store of the config cannot be used. The rest of the config stays usable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StoreSpecError {
    /// The store's entry is not a JSON object of attributes.
    #[error("store \"{store}\" must be a JSON object of attributes")]
    NotAnObject {
        /// The store's name.
        store: String,
    },
    /// No `protocol` attribute.
    #[error("store \"{store}\": protocol is missing")]
    MissingProtocol {
        /// The store's name.
        store: String,
    },
    /// A protocol npyscope (and DataJoint without plugins) does not know.
    #[error("store \"{store}\": unknown protocol \"{protocol}\" (expected file, s3, gcs or azure)")]
    UnknownProtocol {
        /// The store's name.
        store: String,
        /// The protocol as written.
        protocol: String,
    },
    /// Required attributes are absent (or empty where DataJoint needs a value).
    #[error("store \"{store}\" ({protocol}) is missing: {}", .attrs.join(", "))]
    Missing {
        /// The store's name.
        store: String,
        /// The store's protocol.
        protocol: String,
        /// Every missing attribute, sorted.
        attrs: Vec<String>,
    },
    /// Attributes DataJoint rejects for this protocol (`Invalid key(s) in config.stores[...]`).
    #[error(
        "store \"{store}\" ({protocol}) has unknown attributes: {} (DataJoint rejects them; check the spelling)",
        .attrs.join(", ")
    )]
    UnknownAttributes {
        /// The store's name.
        store: String,
        /// The store's protocol.
        protocol: String,
        /// The unknown attribute names, sorted.
        attrs: Vec<String>,
    },
    /// An attribute holds the wrong JSON type.
    #[error("store \"{store}\": \"{attr}\" must be {expected}")]
    WrongType {
        /// The store's name.
        store: String,
        /// The attribute's name.
        attr: String,
        /// What it must be, e.g. `true or false`, `a string`.
        expected: &'static str,
    },
    /// An S3 `endpoint` that is no `host:port` or URL (checked before any client is built).
    #[error(
        "store \"{store}\" (s3): endpoint \"{endpoint}\" is not a host[:port] or http(s) URL ({problem}); write e.g. \"minio.lab.org:9000\" or \"https://s3.lab.org\""
    )]
    BadEndpoint {
        /// The store's name.
        store: String,
        /// The endpoint as written.
        endpoint: String,
        /// What is wrong with it.
        problem: String,
    },
    /// Only one of `access_key` / `secret_key` is set.
    #[error(
        "store \"{store}\" (s3): set both access_key and secret_key, or neither to use the AWS credential chain"
    )]
    PartialCredentials {
        /// The store's name.
        store: String,
    },
    /// Two section prefixes overlap (DataJoint requires them mutually exclusive).
    #[error(
        "store \"{store}\": {first}=\"{first_value}\" and {second}=\"{second_value}\" overlap; DataJoint requires separate prefixes"
    )]
    PrefixOverlap {
        /// The store's name.
        store: String,
        /// The first prefix attribute.
        first: &'static str,
        /// Its value.
        first_value: String,
        /// The second prefix attribute.
        second: &'static str,
        /// Its value.
        second_value: String,
    },
    /// A secret file for this store could not be read.
    #[error("store \"{store}\": cannot read secret file {}: {message}", .path.display())]
    SecretUnreadable {
        /// The store's name.
        store: String,
        /// The secret file.
        path: PathBuf,
        /// The I/O error, as text.
        message: String,
    },
}

impl StoreSpecError {
    /// The name of the store the error is about.
    pub fn store(&self) -> &str {
        match self {
            StoreSpecError::NotAnObject { store }
            | StoreSpecError::MissingProtocol { store }
            | StoreSpecError::UnknownProtocol { store, .. }
            | StoreSpecError::Missing { store, .. }
            | StoreSpecError::UnknownAttributes { store, .. }
            | StoreSpecError::WrongType { store, .. }
            | StoreSpecError::PartialCredentials { store }
            | StoreSpecError::BadEndpoint { store, .. }
            | StoreSpecError::PrefixOverlap { store, .. }
            | StoreSpecError::SecretUnreadable { store, .. } => store,
        }
    }
}

/// Errors of reading the configuration or looking a store up in it.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The requested store is not in the config.
    #[error("store \"{name}\" is not configured ({})", ConfiguredList(.configured))]
    NotConfigured {
        /// The requested name.
        name: String,
        /// The names that are configured (valid or not), sorted.
        configured: Vec<String>,
    },
    /// No default store is named in the config.
    #[error(
        "no default store is configured (set \"default\" in the stores block of datajoint.json, or name a store)"
    )]
    NoDefault,
    /// The store is configured but invalid.
    #[error(transparent)]
    Store(#[from] StoreSpecError),
    /// A config file could not be read.
    #[error("cannot read {}: {source}", .path.display())]
    Read {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A config file is not valid JSON.
    #[error("{}:{line}:{column}: invalid JSON: {message}", .path.display())]
    InvalidJson {
        /// The file.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What the parser found wrong.
        message: String,
    },
    /// A config file or one of its blocks has the wrong shape.
    #[error("{}: {what} must be a JSON object", .path.display())]
    NotAnObject {
        /// The file.
        path: PathBuf,
        /// Which part: `the top level`, `"stores"`, `"object_storage"`.
        what: &'static str,
    },
    /// `DJ_STORES` is not valid JSON.
    #[error("DJ_STORES is not valid JSON: {message}")]
    DjStoresJson {
        /// What the parser found wrong (with line and column).
        message: String,
    },
    /// `DJ_STORES` is JSON but not an object of stores.
    #[error(
        "DJ_STORES must be a JSON object of stores (like the \"stores\" block of datajoint.json)"
    )]
    DjStoresNotObject,
    /// An environment variable holds a value npyscope cannot use.
    #[error("{var} {problem}")]
    BadEnv {
        /// The variable.
        var: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// `stores.default` / `stores.filepath_default` that is not the name of a configured store.
    #[error("{source_name}: stores.{key} {problem}")]
    BadStoreName {
        /// `default` or `filepath_default`.
        key: &'static str,
        /// Where it was set: the config file, or `DJ_STORES`.
        source_name: String,
        /// What is wrong and what to do.
        problem: String,
    },
    /// An ad-hoc `s3://` URL that cannot be used.
    #[error(
        "\"{url}\" is not a usable S3 URL: {reason} (expected s3://bucket or s3://bucket/prefix)"
    )]
    BadS3Url {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// Formats the list of configured stores for [`ConfigError::NotConfigured`].
struct ConfiguredList<'a>(&'a [String]);

impl fmt::Display for ConfiguredList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("no stores are configured")
        } else {
            write!(f, "configured: {}", self.0.join(", "))
        }
    }
}

/// Splits serde_json's "msg at line L column C" into the message and its position.
pub(crate) fn json_error_parts(err: &serde_json::Error) -> (String, usize, usize) {
    let text = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    let message = text.strip_suffix(&suffix).unwrap_or(&text).to_string();
    (message, err.line(), err.column())
}
