//! [`Database`]: a read-only connection pool to a DataJoint database, opened as DataJoint
//! opens one (`connection.py`): TLS tried first when `use_tls` is unset and plain used when
//! the server has none, required when `true`, off when `false`.
//!
//! Read-only by construction: every session is read-only (`default_transaction_read_only` on
//! PostgreSQL, `SET SESSION TRANSACTION READ ONLY` on MySQL/MariaDB), every statement has a
//! time limit, and the only way to run SQL is [`Database::select`], which the catalog and row
//! modules call with SQL they build from quoted identifiers and bound values.

use std::time::Duration;

use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions, MySqlSslMode};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgSslMode};
use sqlx::{ConnectOptions, Connection, Executor, Row};

use super::error::DbError;
use crate::config::{DatabaseSpec, DbBackend};

/// How long a connection attempt may take (DataJoint's `connect_timeout`).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest a single statement may run before the server stops it.
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(60);
/// Connections kept open at most (the window reads a page, a count and a catalog at once).
const MAX_CONNECTIONS: u32 = 4;

/// A value bound to a `?`/`$n` placeholder.
#[derive(Clone, Debug, PartialEq)]
pub enum Bind {
    /// Text (PostgreSQL casts it to the column's type in the SQL).
    Text(String),
    /// A whole number.
    Int(i64),
    /// A non-negative whole number too big for `i64`.
    UInt(u64),
    /// A floating-point number.
    Float(f64),
}

/// One result row: each value as raw bytes (text for everything npyscope casts to text), or
/// `None` for SQL NULL.
pub type RawRow = Vec<Option<Vec<u8>>>;

/// Runs `sql` with `binds` on `pool` and reads every value as raw bytes (one body for both
/// backends; `|u| expr` binds an unsigned value, which PostgreSQL has no type for).
macro_rules! select_raw {
    ($pool:expr, $sql:expr, $binds:expr, |$u:ident| $uint:expr) => {{
        let mut query = sqlx::query(sqlx::AssertSqlSafe($sql));
        for bind in $binds {
            query = match bind {
                Bind::Text(t) => query.bind(t.clone()),
                Bind::Int(i) => query.bind(*i),
                Bind::UInt($u) => query.bind($uint),
                Bind::Float(f) => query.bind(*f),
            };
        }
        query.fetch_all($pool).await.map(|rows| {
            rows.iter()
                .map(|row| {
                    (0..row.len())
                        .map(|i| row.try_get_unchecked::<Option<Vec<u8>>, _>(i))
                        .collect::<Result<RawRow, _>>()
                })
                .collect::<Result<Vec<RawRow>, _>>()
        })
    }};
}

/// The pool of one backend.
#[derive(Clone, Debug)]
enum Pool {
    /// PostgreSQL.
    Pg(sqlx::PgPool),
    /// MySQL or MariaDB.
    My(sqlx::MySqlPool),
}

/// An open, read-only DataJoint database.
#[derive(Clone, Debug)]
pub struct Database {
    pool: Pool,
    backend: DbBackend,
    /// `backend user@host:port[/name]`, for messages (no password).
    server: String,
    /// The user, for messages.
    user: String,
    /// Whether the connection uses TLS.
    tls: bool,
    /// What the user should know about the connection (a TLS fallback).
    notes: Vec<String>,
    /// The PostgreSQL database, for the window's tree.
    name: String,
}

impl Database {
    /// Connects with `spec`'s settings: one connection is opened now (so a wrong password or
    /// an unknown host is reported at once, in words a person can act on), more as needed.
    pub async fn connect(spec: &DatabaseSpec) -> Result<Database, DbError> {
        let server = spec.describe();
        let user = spec.user.clone().unwrap_or_default();
        let mut notes = Vec::new();
        let tls = match spec.use_tls {
            Some(required) => {
                probe(spec, required).await.map_err(|err| match err {
                    Probe::Tls(detail) if required => DbError::TlsRequired {
                        server: server.clone(),
                        detail,
                    },
                    other => other.into_error(spec),
                })?;
                required
            }
            None => match probe(spec, true).await {
                Ok(()) => true,
                Err(Probe::Tls(detail)) => {
                    probe(spec, false).await.map_err(|e| e.into_error(spec))?;
                    notes.push(format!(
                        "TLS is not available on {}:{} ({detail}); connected without TLS. Set \
                         database.use_tls to false to skip trying, or true to require it.",
                        spec.host, spec.port
                    ));
                    false
                }
                Err(other) => return Err(other.into_error(spec)),
            },
        };
        let pool = match spec.backend {
            DbBackend::PostgreSql => Pool::Pg(
                PgPoolOptions::new()
                    .max_connections(MAX_CONNECTIONS)
                    .acquire_timeout(CONNECT_TIMEOUT)
                    .connect_lazy_with(pg_options(spec, tls)),
            ),
            DbBackend::MySql => Pool::My(
                MySqlPoolOptions::new()
                    .max_connections(MAX_CONNECTIONS)
                    .acquire_timeout(CONNECT_TIMEOUT)
                    .after_connect(|conn, _| {
                        Box::pin(async move { mysql_session_setup(conn).await })
                    })
                    .connect_lazy_with(mysql_options(spec, tls)),
            ),
        };
        for note in &notes {
            tracing::info!("{note}");
        }
        Ok(Database {
            pool,
            backend: spec.backend,
            server,
            user,
            tls,
            notes,
            name: spec.name.clone(),
        })
    }

    /// The server kind.
    pub fn backend(&self) -> DbBackend {
        self.backend
    }

    /// `backend user@host:port[/name]`: what the window and messages call the server.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// The PostgreSQL database name (the window's tree shows it).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the connection is encrypted.
    pub fn uses_tls(&self) -> bool {
        self.tls
    }

    /// What the user should know about the connection (e.g. that TLS was not available).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Runs one read-only `SELECT` and returns every row with each value as raw bytes.
    /// `what` says what is read, for the error message. Callers cast values to text in the
    /// SQL (and keep bytes columns as bytes), so no value needs a Rust type of its own.
    pub(crate) async fn select(
        &self,
        what: &str,
        sql: String,
        binds: &[Bind],
    ) -> Result<Vec<RawRow>, DbError> {
        tracing::debug!(target: "npyscope::db", "{what}: {sql}");
        let result = match &self.pool {
            // PostgreSQL has no unsigned type: DataJoint's uint64 is numeric, bound as text.
            Pool::Pg(pool) => select_raw!(pool, sql, binds, |u| u.to_string()),
            Pool::My(pool) => select_raw!(pool, sql, binds, |u| *u),
        };
        match result {
            Ok(Ok(rows)) => Ok(rows),
            Ok(Err(err)) | Err(err) => Err(self.query_error(what, err)),
        }
    }

    /// A query error in words: permission, read-only refusals and time limits are named.
    fn query_error(&self, what: &str, err: sqlx::Error) -> DbError {
        let detail = err.to_string();
        match classify(&err) {
            Class::Permission => DbError::PermissionDenied {
                server: self.server.clone(),
                user: self.user.clone(),
                what: what.to_string(),
                detail,
            },
            Class::ReadOnly => DbError::ReadOnly {
                server: self.server.clone(),
                detail,
            },
            Class::Timeout => DbError::Query {
                server: self.server.clone(),
                what: what.to_string(),
                detail: format!(
                    "stopped after {} s (the statement time limit): {detail}",
                    STATEMENT_TIMEOUT.as_secs()
                ),
            },
            _ => DbError::Query {
                server: self.server.clone(),
                what: what.to_string(),
                detail,
            },
        }
    }

    /// Closes every connection.
    pub async fn close(&self) {
        match &self.pool {
            Pool::Pg(pool) => pool.close().await,
            Pool::My(pool) => pool.close().await,
        }
    }
}

/// The PostgreSQL session npyscope opens: read-only transactions, a statement time limit, its
/// own application name. Public so tests can open a session exactly like npyscope's and
/// prove that the server refuses a write in it.
pub fn pg_options(spec: &DatabaseSpec, tls: bool) -> PgConnectOptions {
    let mut options = PgConnectOptions::new_without_pgpass()
        .host(&spec.host)
        .port(spec.port)
        .database(&spec.name)
        .application_name("npyscope")
        .ssl_mode(if tls {
            PgSslMode::Require
        } else {
            PgSslMode::Disable
        })
        .options([
            ("default_transaction_read_only", "on".to_string()),
            (
                "statement_timeout",
                STATEMENT_TIMEOUT.as_millis().to_string(),
            ),
        ])
        .disable_statement_logging();
    if let Some(user) = &spec.user {
        options = options.username(user);
    }
    if let Some(password) = &spec.password {
        options = options.password(password.expose());
    }
    options
}

/// The MySQL/MariaDB connection options (the session is made read-only by
/// [`mysql_session_setup`] on every new connection).
pub fn mysql_options(spec: &DatabaseSpec, tls: bool) -> MySqlConnectOptions {
    let mut options = MySqlConnectOptions::new()
        .host(&spec.host)
        .port(spec.port)
        .ssl_mode(if tls {
            MySqlSslMode::Required
        } else {
            MySqlSslMode::Disabled
        })
        // Keep the server's time zone, as DataJoint does.
        .timezone(None)
        .disable_statement_logging();
    if let Some(user) = &spec.user {
        options = options.username(user);
    }
    if let Some(password) = &spec.password {
        options = options.password(password.expose());
    }
    options
}

/// Makes a MySQL/MariaDB session read-only and bounds its statements (MySQL 8 calls the limit
/// `max_execution_time`, in ms; MariaDB `max_statement_time`, in s).
pub async fn mysql_session_setup(conn: &mut sqlx::MySqlConnection) -> Result<(), sqlx::Error> {
    conn.execute("SET SESSION TRANSACTION READ ONLY").await?;
    let secs = STATEMENT_TIMEOUT.as_secs();
    let mariadb = format!("SET SESSION max_statement_time = {secs}");
    if conn.execute(sqlx::AssertSqlSafe(mariadb)).await.is_err() {
        let mysql = format!("SET SESSION max_execution_time = {}", secs * 1000);
        conn.execute(sqlx::AssertSqlSafe(mysql)).await?;
    }
    Ok(())
}

/// Why a probe connection failed.
enum Probe {
    /// TLS could not be set up.
    Tls(String),
    /// Anything else.
    Other(sqlx::Error),
    /// No answer in time.
    Timeout,
}

impl Probe {
    /// The error a person sees.
    fn into_error(self, spec: &DatabaseSpec) -> DbError {
        let server = spec.describe();
        let user = spec.user.clone().unwrap_or_default();
        let err = match self {
            Probe::Tls(detail) => {
                return DbError::Query {
                    server,
                    what: "connecting".to_string(),
                    detail: format!("TLS failed: {detail}"),
                };
            }
            Probe::Timeout => {
                return DbError::Timeout {
                    server,
                    seconds: CONNECT_TIMEOUT.as_secs(),
                };
            }
            Probe::Other(err) => err,
        };
        let detail = scrub(&err.to_string(), spec);
        match classify(&err) {
            Class::Auth => DbError::WrongPassword {
                server,
                user,
                detail,
            },
            Class::Refused => DbError::Refused {
                server,
                backend: spec.backend.name().to_string(),
            },
            Class::UnknownHost => DbError::UnknownHost {
                server,
                host: spec.host.clone(),
                detail,
            },
            Class::NoDatabase => DbError::NoSuchDatabase {
                server,
                name: spec.name.clone(),
            },
            Class::Permission => DbError::PermissionDenied {
                server,
                user,
                what: "the database".to_string(),
                detail,
            },
            _ => DbError::Query {
                server,
                what: "connecting".to_string(),
                detail,
            },
        }
    }
}

/// Opens and closes one connection with these settings.
async fn probe(spec: &DatabaseSpec, tls: bool) -> Result<(), Probe> {
    let attempt = async {
        match spec.backend {
            DbBackend::PostgreSql => {
                let conn = pg_options(spec, tls).connect().await?;
                conn.close().await
            }
            DbBackend::MySql => {
                let mut conn = mysql_options(spec, tls).connect().await?;
                mysql_session_setup(&mut conn).await?;
                conn.close().await
            }
        }
    };
    match tokio::time::timeout(CONNECT_TIMEOUT, attempt).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(sqlx::Error::Tls(err))) => Err(Probe::Tls(scrub(&err.to_string(), spec))),
        // A server without TLS: PostgreSQL answers the TLS request with "N", which sqlx
        // reports as a configuration or protocol error naming TLS/SSL.
        Ok(Err(err)) if tls && mentions_tls(&err) => Err(Probe::Tls(scrub(&err.to_string(), spec))),
        Ok(Err(err)) => Err(Probe::Other(err)),
        Err(_) => Err(Probe::Timeout),
    }
}

/// Whether an error is about TLS rather than the server or the login.
fn mentions_tls(err: &sqlx::Error) -> bool {
    if matches!(err, sqlx::Error::Database(_)) {
        return false;
    }
    let text = err.to_string().to_ascii_lowercase();
    text.contains("tls") || text.contains("ssl")
}

/// Kinds of error a person acts on differently.
#[derive(Debug, PartialEq, Eq)]
enum Class {
    /// Wrong user or password.
    Auth,
    /// Nothing listens.
    Refused,
    /// The host name does not resolve.
    UnknownHost,
    /// The PostgreSQL database does not exist.
    NoDatabase,
    /// Not allowed.
    Permission,
    /// Refused because the session is read-only.
    ReadOnly,
    /// The statement time limit.
    Timeout,
    /// Anything else.
    Other,
}

/// Sorts an error by SQLSTATE (PostgreSQL), error number (MySQL) or I/O kind.
fn classify(err: &sqlx::Error) -> Class {
    match err {
        sqlx::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => Class::Refused,
            _ if io.to_string().contains("lookup address")
                || io.to_string().contains("Name or service not known")
                || io.to_string().contains("No address associated") =>
            {
                Class::UnknownHost
            }
            _ => Class::Other,
        },
        sqlx::Error::Database(db) => {
            if let Some(my) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
                return match my.number() {
                    1045 | 1698 => Class::Auth,
                    1049 => Class::NoDatabase,
                    1044 | 1142 | 1143 | 1227 => Class::Permission,
                    1792 => Class::ReadOnly,
                    1969 | 3024 => Class::Timeout,
                    _ => Class::Other,
                };
            }
            match db.code().as_deref() {
                Some("28P01" | "28000") => Class::Auth,
                Some("3D000") => Class::NoDatabase,
                Some("42501") => Class::Permission,
                Some("25006") => Class::ReadOnly,
                Some("57014") => Class::Timeout,
                _ => Class::Other,
            }
        }
        _ => Class::Other,
    }
}

/// A server message with the password blanked, in case a server or driver ever echoes it.
fn scrub(text: &str, spec: &DatabaseSpec) -> String {
    match &spec.password {
        Some(secret) if !secret.expose().is_empty() => text.replace(secret.expose(), "***"),
        _ => text.to_string(),
    }
}

/// Reads the first column of each row as text (catalog queries).
pub(crate) fn text(value: &Option<Vec<u8>>) -> Option<String> {
    value
        .as_ref()
        .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    #[test]
    fn options_carry_no_password_in_debug_output_of_the_spec() {
        let mut spec = DatabaseSpec::new(DbBackend::PostgreSql, "h", None);
        spec.user = Some("u".into());
        spec.password = Some(Secret::new("pw-xyz"));
        assert!(!format!("{spec:?}").contains("pw-xyz"));
        assert_eq!(scrub("bad pw-xyz here", &spec), "bad *** here");
    }
}
