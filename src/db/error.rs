//! [`DbError`]: what can go wrong with the database, in words a person can act on. Every
//! message names the server and user (never the password).

/// An error of connecting to or reading the DataJoint database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// No database is configured.
    #[error(
        "no database is configured: set \"database.host\" (and user, password, backend) in \
         datajoint.json, or DJ_HOST, DJ_USER and DJ_PASS"
    )]
    NotConfigured,
    /// The settings cannot be used.
    #[error("{0}")]
    Settings(String),
    /// The server refused the user name or password.
    #[error(
        "{server}: the server refused user \"{user}\" (wrong user name or password?): {detail}"
    )]
    WrongPassword {
        /// `backend user@host:port`.
        server: String,
        /// The user.
        user: String,
        /// The server's words.
        detail: String,
    },
    /// The host name does not resolve.
    #[error("{server}: unknown host \"{host}\" (check database.host or DJ_HOST): {detail}")]
    UnknownHost {
        /// `backend user@host:port`.
        server: String,
        /// The host.
        host: String,
        /// The system's words.
        detail: String,
    },
    /// Nothing listens there.
    #[error(
        "{server}: connection refused (is the {backend} server running, and is the port right?)"
    )]
    Refused {
        /// `backend user@host:port`.
        server: String,
        /// `mysql` or `postgresql`.
        backend: String,
    },
    /// No answer in time.
    #[error("{server}: no answer within {seconds} s (check the host, port and network)")]
    Timeout {
        /// `backend user@host:port`.
        server: String,
        /// How long npyscope waited.
        seconds: u64,
    },
    /// TLS was required but could not be set up.
    #[error(
        "{server}: TLS is required (database.use_tls is true) but could not be set up: {detail}"
    )]
    TlsRequired {
        /// `backend user@host:port`.
        server: String,
        /// Why.
        detail: String,
    },
    /// The PostgreSQL database (`database.name`) does not exist.
    #[error("{server}: there is no database \"{name}\" (check database.name or DJ_DATABASE_NAME)")]
    NoSuchDatabase {
        /// `backend user@host:port`.
        server: String,
        /// The database name.
        name: String,
    },
    /// A schema that is not there.
    #[error("{server}: there is no DataJoint schema \"{schema}\" ({})", list_or_none(.known))]
    NoSuchSchema {
        /// `backend user@host:port`.
        server: String,
        /// The schema asked for.
        schema: String,
        /// The schemas that exist.
        known: Vec<String>,
    },
    /// A table that is not there.
    #[error("schema \"{schema}\" has no table \"{table}\" ({})", list_or_none(.known))]
    NoSuchTable {
        /// The schema.
        schema: String,
        /// The table asked for.
        table: String,
        /// The tables that exist (class names).
        known: Vec<String>,
    },
    /// The user may not read this.
    #[error("{server}: user \"{user}\" may not read {what}: {detail}")]
    PermissionDenied {
        /// `backend user@host:port`.
        server: String,
        /// The user.
        user: String,
        /// What was being read.
        what: String,
        /// The server's words.
        detail: String,
    },
    /// A restriction or attribute the table does not have, or a value of the wrong type.
    #[error("{0}")]
    BadRequest(String),
    /// The server refused a statement because the session is read-only (npyscope never
    /// writes; this is the proof).
    #[error("{server}: refused, the session is read-only: {detail}")]
    ReadOnly {
        /// `backend user@host:port`.
        server: String,
        /// The server's words.
        detail: String,
    },
    /// Any other server or protocol error.
    #[error("{server}: {what}: {detail}")]
    Query {
        /// `backend user@host:port`.
        server: String,
        /// What was being done.
        what: String,
        /// The server's words.
        detail: String,
    },
}

/// `known: a, b, c` or `none found`.
fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none found".to_string()
    } else {
        let shown: Vec<&str> = items.iter().take(20).map(String::as_str).collect();
        let more = items.len().saturating_sub(shown.len());
        if more > 0 {
            format!("known: {}, and {more} more", shown.join(", "))
        } else {
            format!("known: {}", shown.join(", "))
        }
    }
}
