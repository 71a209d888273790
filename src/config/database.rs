//! [`DatabaseSpec`]: the DataJoint database connection settings, resolved the way
//! datajoint-python 2.x resolves them (`settings.py` `DatabaseSettings`, `Config.load`,
//! `_load_secrets`; `connection.py`):
//!
//! 1. the `DJ_HOST`, `DJ_PORT`, `DJ_USER`, `DJ_PASS`, `DJ_BACKEND`, `DJ_DATABASE_NAME` and
//!    `DJ_USE_TLS` variables;
//! 2. `datajoint.json` (`"database": {…}` or flat `"database.host"` keys) over them, except the
//!    keys whose variable is set and non-empty (all but `use_tls`: DataJoint's
//!    `ENV_VAR_MAPPING` has no `DJ_USE_TLS`, so the file wins there);
//! 3. `.secrets/database.user` and `.secrets/database.password` (then
//!    `/run/secrets/datajoint/`) fill the user and password only where still unset;
//! 4. a `host` of the form `h:p` gives the port.
//!
//! One deliberate difference: DataJoint keeps port 3306 when `backend: postgresql` is set only
//! in the file (its default port is chosen before the file is read). npyscope uses 5432 there,
//! as DataJoint's documentation intends.

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::env::parse_env_bool;
use super::spec::Secret;

/// The database server kind (`database.backend`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DbBackend {
    /// MySQL 8 or MariaDB (DataJoint's default backend).
    MySql,
    /// PostgreSQL.
    PostgreSql,
}

impl DbBackend {
    /// The name DataJoint uses in `database.backend`.
    pub fn name(self) -> &'static str {
        match self {
            DbBackend::MySql => "mysql",
            DbBackend::PostgreSql => "postgresql",
        }
    }

    /// The server's usual port.
    pub fn default_port(self) -> u16 {
        match self {
            DbBackend::MySql => 3306,
            DbBackend::PostgreSql => 5432,
        }
    }

    /// Parses a `backend` value (`mysql`, `postgresql`; `postgres` is accepted too).
    pub fn parse(text: &str) -> Option<DbBackend> {
        match text.trim().to_ascii_lowercase().as_str() {
            "mysql" | "mariadb" => Some(DbBackend::MySql),
            "postgresql" | "postgres" => Some(DbBackend::PostgreSql),
            _ => None,
        }
    }
}

impl fmt::Display for DbBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The `DJ_*` database variables of the process (empty values count as unset).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DatabaseEnv {
    /// `DJ_HOST`.
    pub host: Option<String>,
    /// `DJ_PORT`.
    pub port: Option<String>,
    /// `DJ_USER`.
    pub user: Option<String>,
    /// `DJ_PASS` (a secret: never printed).
    pub password: Option<Secret>,
    /// `DJ_BACKEND`.
    pub backend: Option<String>,
    /// `DJ_DATABASE_NAME`.
    pub name: Option<String>,
    /// `DJ_USE_TLS`.
    pub use_tls: Option<String>,
}

impl DatabaseEnv {
    /// Reads the `DJ_*` database variables of this process.
    pub fn from_process() -> DatabaseEnv {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        DatabaseEnv {
            host: var("DJ_HOST"),
            port: var("DJ_PORT"),
            user: var("DJ_USER"),
            password: var("DJ_PASS").map(Secret::new),
            backend: var("DJ_BACKEND"),
            name: var("DJ_DATABASE_NAME"),
            use_tls: var("DJ_USE_TLS"),
        }
    }

    /// Whether any database variable is set.
    fn any(&self) -> bool {
        self.host.is_some()
            || self.port.is_some()
            || self.user.is_some()
            || self.password.is_some()
            || self.backend.is_some()
            || self.name.is_some()
            || self.use_tls.is_some()
    }
}

/// The validated connection settings of a DataJoint database. The password is a [`Secret`].
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseSpec {
    /// Server host name or address (without the port).
    pub host: String,
    /// Server port.
    pub port: u16,
    /// User name; `None` when configured nowhere.
    pub user: Option<String>,
    /// Password; `None` when configured nowhere.
    pub password: Option<Secret>,
    /// Server kind.
    pub backend: DbBackend,
    /// The PostgreSQL database holding the schemas (`database.name`, default `postgres`).
    pub name: String,
    /// TLS: `None` tries TLS and falls back to plain; `Some(true)` requires it; `Some(false)`
    /// never uses it.
    pub use_tls: Option<bool>,
    /// Where the settings came from, for `npyscope db` and the window (`datajoint.json`, env).
    pub sources: Vec<String>,
}

impl fmt::Debug for DatabaseSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseSpec")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("backend", &self.backend)
            .field("name", &self.name)
            .field("use_tls", &self.use_tls)
            .finish()
    }
}

impl DatabaseSpec {
    /// `user@host:port` (and `/name` on PostgreSQL), for messages: never the password.
    pub fn describe(&self) -> String {
        let user = self.user.as_deref().unwrap_or("(no user)");
        match self.backend {
            DbBackend::PostgreSql => format!(
                "{} {user}@{}:{}/{}",
                self.backend, self.host, self.port, self.name
            ),
            DbBackend::MySql => format!("{} {user}@{}:{}", self.backend, self.host, self.port),
        }
    }

    /// Settings for a server the user names in the window (no file, no variables).
    pub fn new(backend: DbBackend, host: &str, port: Option<u16>) -> DatabaseSpec {
        DatabaseSpec {
            host: host.to_string(),
            port: port.unwrap_or(backend.default_port()),
            user: None,
            password: None,
            backend,
            name: "postgres".to_string(),
            use_tls: None,
            sources: vec!["added in npyscope".to_string()],
        }
    }

    /// The settings as JSON for `npyscope db info --json`: the password only as `"***"`.
    pub fn to_redacted_json(&self) -> Value {
        serde_json::json!({
            "backend": self.backend.name(),
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password.as_ref().map(|_| "***"),
            "name": self.name,
            "use_tls": self.use_tls,
            "sources": self.sources,
        })
    }
}

/// Why the database settings cannot be used; names the key and where it was set.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("database setting \"{key}\" ({source_name}): {problem}")]
pub struct DatabaseSpecError {
    /// The setting, e.g. `database.port`.
    pub key: String,
    /// Where it was set: the config file, a variable, a secret file.
    pub source_name: String,
    /// What is wrong with it.
    pub problem: String,
}

/// The raw `database` settings of one `datajoint.json` (nested block and flat keys merged, in
/// file order as DataJoint applies them).
#[derive(Clone, Debug, Default)]
pub(crate) struct RawDatabase {
    /// Attribute (`host`, `port`, …) → value.
    pub values: Map<String, Value>,
    /// The file they came from.
    pub file: Option<PathBuf>,
}

impl RawDatabase {
    /// Takes a top-level key of the file if it is a database setting; `false` otherwise.
    pub fn take_key(&mut self, key: &str, value: &Value, warnings: &mut Vec<String>) -> bool {
        if key == "database" {
            match value {
                Value::Object(block) => {
                    for (attr, value) in block {
                        self.values.insert(attr.clone(), value.clone());
                    }
                }
                Value::Null => {}
                _ => warnings.push("\"database\" is not a JSON object; ignored".to_string()),
            }
            return true;
        }
        if let Some(attr) = key.strip_prefix("database.") {
            self.values.insert(attr.to_string(), value.clone());
            return true;
        }
        false
    }
}

/// The database secrets of a secrets folder (`database.user`, `database.password`).
fn read_secret(dir: &Path, attr: &str) -> Result<Option<String>, DatabaseSpecError> {
    let path = dir.join(format!("database.{attr}"));
    if !path.is_file() {
        return Ok(None);
    }
    std::fs::read_to_string(&path)
        .map(|text| Some(text.trim().to_string()))
        .map_err(|err| DatabaseSpecError {
            key: format!("database.{attr}"),
            source_name: format!("secret file {}", path.display()),
            problem: format!("cannot be read: {err}"),
        })
}

/// Resolves the database settings; `None` when no file key, variable or secret mentions a
/// database (npyscope then shows no database).
pub(crate) fn resolve(
    raw: &RawDatabase,
    env: &DatabaseEnv,
    secrets_dir: Option<&Path>,
) -> Option<Result<DatabaseSpec, DatabaseSpecError>> {
    let secret_user = secrets_dir.map(|dir| read_secret(dir, "user"));
    let secret_password = secrets_dir.map(|dir| read_secret(dir, "password"));
    let has_secret = matches!(&secret_user, Some(Ok(Some(_)) | Err(_)))
        || matches!(&secret_password, Some(Ok(Some(_)) | Err(_)));
    if raw.values.is_empty() && !env.any() && !has_secret {
        return None;
    }
    Some(resolve_some(raw, env, secret_user, secret_password))
}

/// [`resolve`] once a database is known to be configured.
fn resolve_some(
    raw: &RawDatabase,
    env: &DatabaseEnv,
    secret_user: Option<Result<Option<String>, DatabaseSpecError>>,
    secret_password: Option<Result<Option<String>, DatabaseSpecError>>,
) -> Result<DatabaseSpec, DatabaseSpecError> {
    let file_name = raw
        .file
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "datajoint.json".to_string());
    let mut sources = Vec::new();
    // A file value, unless its variable is set (DataJoint's ENV_VAR_MAPPING).
    let pick = |attr: &str, env_value: Option<String>, env_var: &str| match (
        env_value,
        raw.values.get(attr),
    ) {
        (Some(value), _) => Ok(Some((value, env_var.to_string()))),
        (None, None | Some(Value::Null)) => Ok(None),
        (None, Some(value)) => text_value(value)
            .map(|text| Some((text, file_name.clone())))
            .ok_or_else(|| DatabaseSpecError {
                key: format!("database.{attr}"),
                source_name: file_name.clone(),
                problem: format!("must be a string or a number, not {}", json_kind(value)),
            }),
    };
    let mut note = |what: &str, from: &str| sources.push(format!("{what} from {from}"));

    let backend = match pick("backend", env.backend.clone(), "DJ_BACKEND")? {
        Some((text, from)) => {
            note("backend", &from);
            DbBackend::parse(&text).ok_or_else(|| DatabaseSpecError {
                key: "database.backend".to_string(),
                source_name: from,
                problem: format!("must be \"mysql\" or \"postgresql\", not \"{text}\""),
            })?
        }
        None => DbBackend::MySql,
    };
    let (mut host, host_from) = pick("host", env.host.clone(), "DJ_HOST")?
        .unwrap_or_else(|| ("localhost".to_string(), "the default".to_string()));
    note("host", &host_from);
    let mut port = match pick("port", env.port.clone(), "DJ_PORT")? {
        Some((text, from)) => {
            note("port", &from);
            Some(parse_port(&text).ok_or_else(|| DatabaseSpecError {
                key: "database.port".to_string(),
                source_name: from,
                problem: format!("must be a whole number from 1 to 65535, not \"{text}\""),
            })?)
        }
        None => None,
    };
    // `host:port` overrides the port (DataJoint's Connection.__init__); a bracketed IPv6
    // address keeps its colons.
    if let Some((name, port_text)) = split_host_port(&host) {
        let parsed = parse_port(port_text).ok_or_else(|| DatabaseSpecError {
            key: "database.host".to_string(),
            source_name: host_from.clone(),
            problem: format!("the port in \"{host}\" must be a whole number from 1 to 65535"),
        })?;
        port = Some(parsed);
        host = name.to_string();
    }
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    if host.trim().is_empty() || host.chars().any(|c| c.is_whitespace() || c == '/') {
        return Err(DatabaseSpecError {
            key: "database.host".to_string(),
            source_name: host_from,
            problem: format!("\"{host}\" is not a host name or address"),
        });
    }

    let mut user = pick("user", env.user.clone(), "DJ_USER")?.map(|(text, from)| {
        note("user", &from);
        text
    });
    if user.is_none()
        && let Some(secret) = secret_user
        && let Some(text) = secret?
    {
        note("user", "the secrets folder");
        user = Some(text);
    }
    let mut password = match (&env.password, raw.values.get("password")) {
        (Some(secret), _) => {
            note("password", "DJ_PASS");
            Some(secret.clone())
        }
        (None, None | Some(Value::Null)) => None,
        (None, Some(Value::String(text))) => {
            note("password", &file_name);
            Some(Secret::new(text.clone()))
        }
        (None, Some(other)) => {
            return Err(DatabaseSpecError {
                key: "database.password".to_string(),
                source_name: file_name,
                problem: format!("must be a string, not {}", json_kind(other)),
            });
        }
    };
    if password.is_none()
        && let Some(secret) = secret_password
        && let Some(text) = secret?
    {
        note("password", "the secrets folder");
        password = Some(Secret::new(text));
    }
    let name = pick("name", env.name.clone(), "DJ_DATABASE_NAME")?
        .map(|(text, _)| text)
        .unwrap_or_else(|| "postgres".to_string());
    // The file beats DJ_USE_TLS, as in DataJoint (the variable is not in ENV_VAR_MAPPING).
    let use_tls = match raw.values.get("use_tls") {
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::Null) | None => match &env.use_tls {
            Some(text) => Some(parse_env_bool(text).ok_or_else(|| DatabaseSpecError {
                key: "database.use_tls".to_string(),
                source_name: "DJ_USE_TLS".to_string(),
                problem: format!("must be true or false, not \"{text}\""),
            })?),
            None => None,
        },
        Some(Value::String(text)) if parse_env_bool(text).is_some() => parse_env_bool(text),
        Some(other) => {
            return Err(DatabaseSpecError {
                key: "database.use_tls".to_string(),
                source_name: file_name,
                problem: format!("must be true, false or null, not {other}"),
            });
        }
    };
    let port = port.unwrap_or(backend.default_port());
    Ok(DatabaseSpec {
        host,
        port,
        user,
        password,
        backend,
        name,
        use_tls,
        sources,
    })
}

/// A JSON string or number as text (DataJoint's pydantic settings coerce both).
fn text_value(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A JSON value's kind, for messages (never the value: it may be a password).
fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A port number 1–65535.
fn parse_port(text: &str) -> Option<u16> {
    text.trim().parse::<u16>().ok().filter(|p| *p > 0)
}

/// `host:port` split at the port's colon: `None` when there is no port (`localhost`, `::1`).
fn split_host_port(host: &str) -> Option<(&str, &str)> {
    if let Some(rest) = host.strip_prefix('[') {
        let (name, after) = rest.split_once(']')?;
        let port = after.strip_prefix(':')?;
        return Some((name, port));
    }
    match host.matches(':').count() {
        1 => host.split_once(':'),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn raw(value: Value) -> RawDatabase {
        let mut raw = RawDatabase {
            file: Some(PathBuf::from("/p/datajoint.json")),
            ..RawDatabase::default()
        };
        let mut warnings = Vec::new();
        if let Value::Object(top) = value {
            for (k, v) in top {
                raw.take_key(&k, &v, &mut warnings);
            }
        }
        raw
    }

    fn spec(raw: &RawDatabase, env: &DatabaseEnv) -> DatabaseSpec {
        match resolve(raw, env, None) {
            Some(Ok(spec)) => spec,
            other => panic!("expected settings, got {other:?}"),
        }
    }

    #[test]
    fn nothing_configured_is_no_database() {
        assert!(resolve(&RawDatabase::default(), &DatabaseEnv::default(), None).is_none());
    }

    #[test]
    fn postgres_backend_in_the_file_defaults_to_5432() {
        let s = spec(
            &raw(json!({"database": {"backend": "postgresql", "host": "db"}})),
            &DatabaseEnv::default(),
        );
        assert_eq!(
            (s.backend, s.port, s.host.as_str()),
            (DbBackend::PostgreSql, 5432, "db")
        );
        let s = spec(
            &raw(json!({"database.host": "db"})),
            &DatabaseEnv::default(),
        );
        assert_eq!((s.backend, s.port), (DbBackend::MySql, 3306));
    }

    #[test]
    fn variables_beat_the_file_except_use_tls() {
        let file = raw(json!({"database": {"host": "filehost", "use_tls": true,
            "backend": "postgresql", "user": "fileuser"}, "database.port": 6000}));
        let env = DatabaseEnv {
            host: Some("envhost".into()),
            port: Some("7000".into()),
            user: Some("envuser".into()),
            password: Some(Secret::new("envpw")),
            use_tls: Some("false".into()),
            ..DatabaseEnv::default()
        };
        let s = spec(&file, &env);
        assert_eq!(s.host, "envhost");
        assert_eq!(s.port, 7000);
        assert_eq!(s.user.as_deref(), Some("envuser"));
        assert_eq!(s.password.as_ref().map(Secret::expose), Some("envpw"));
        assert_eq!(
            s.use_tls,
            Some(true),
            "the file beats DJ_USE_TLS, as in DataJoint"
        );
        assert!(!format!("{s:?}").contains("envpw"));
        assert!(!s.to_redacted_json().to_string().contains("envpw"));
    }

    #[test]
    fn host_port_overrides_the_port() {
        let s = spec(
            &raw(json!({"database": {"host": "h:6543", "port": 1}})),
            &DatabaseEnv::default(),
        );
        assert_eq!((s.host.as_str(), s.port), ("h", 6543));
        let s = spec(
            &raw(json!({"database.host": "[::1]:7"})),
            &DatabaseEnv::default(),
        );
        assert_eq!((s.host.as_str(), s.port), ("::1", 7));
        let s = spec(
            &raw(json!({"database.host": "::1"})),
            &DatabaseEnv::default(),
        );
        assert_eq!((s.host.as_str(), s.port), ("::1", 3306));
    }

    #[test]
    fn bad_values_name_the_key_and_the_file() {
        for (value, key) in [
            (json!({"database.port": "99999"}), "database.port"),
            (json!({"database.port": [1]}), "database.port"),
            (json!({"database.backend": "oracle"}), "database.backend"),
            (json!({"database.host": "h:x"}), "database.host"),
            (json!({"database.host": "a b"}), "database.host"),
            (json!({"database.use_tls": 3}), "database.use_tls"),
            (json!({"database.password": 3}), "database.password"),
        ] {
            match resolve(&raw(value.clone()), &DatabaseEnv::default(), None) {
                Some(Err(err)) => {
                    assert_eq!(err.key, key, "{value}");
                    assert!(err.to_string().contains("/p/datajoint.json"), "{err}");
                }
                other => panic!("{value}: expected an error, got {other:?}"),
            }
        }
    }
}
