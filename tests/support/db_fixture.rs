//! Real DataJoint databases for the tests: a PostgreSQL and a MariaDB server on loopback,
//! filled by DataJoint itself (`tests/db/fixture.py`), started once per test binary and stopped
//! when it exits (the fixture watches this process). What DataJoint's own fetch returned for
//! each table comes with it, so tests compare npyscope's rows with DataJoint's.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use npyscope::config::{DatabaseSpec, DbBackend, Secret};
use serde_json::Value;

/// One server of the fixture.
#[derive(Clone, Debug)]
pub struct DbServer {
    /// PostgreSQL or MySQL protocol (MariaDB).
    pub backend: DbBackend,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// A user that owns the schema.
    pub user: String,
    /// That user's password.
    pub password: String,
    /// The password of `reader`, a user that may log in but not read the schema.
    pub reader_password: String,
    /// The `file` store DataJoint wrote the `<npy@main>` arrays to.
    pub store: PathBuf,
    /// PostgreSQL's statement log (`log_statement=mod`, lines prefixed `application|`).
    pub log: Option<PathBuf>,
    /// What DataJoint's `to_dicts()` returned, per table class name.
    pub expected: Value,
}

/// Both servers and the schema they hold.
#[derive(Debug)]
pub struct DbFixture {
    /// The DataJoint schema declared in both.
    pub schema: String,
    /// Rows of its `Big` table.
    pub big_rows: u64,
    /// PostgreSQL.
    pub pg: DbServer,
    /// MariaDB.
    pub my: DbServer,
}

impl DbServer {
    /// Connection settings for the schema's owner.
    pub fn spec(&self) -> DatabaseSpec {
        let mut spec = DatabaseSpec::new(self.backend, "127.0.0.1", Some(self.port));
        spec.user = Some(self.user.clone());
        spec.password = Some(Secret::new(self.password.clone()));
        spec
    }

    /// A `datajoint.json` with this database (the password included) and its `main` store.
    pub fn config_json(&self) -> Value {
        serde_json::json!({
            "database": {
                "host": "127.0.0.1",
                "port": self.port,
                "user": self.user,
                "password": self.password,
                "backend": self.backend.name(),
            },
            "stores": {
                "default": "main",
                "main": {"protocol": "file", "location": self.store},
            },
        })
    }

    /// A fresh project folder (with `.git`, so discovery stops there) holding
    /// [`DbServer::config_json`] as `datajoint.json`.
    pub fn project(&self) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join(".git")).expect(".git");
        std::fs::write(
            dir.path().join("datajoint.json"),
            self.config_json().to_string(),
        )
        .expect("datajoint.json");
        dir
    }

    /// The rows DataJoint fetched from a table (class name, e.g. `Recording`).
    pub fn expected_rows(&self, class: &str) -> Vec<Value> {
        self.expected[class]["rows"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

static FIXTURE: OnceLock<Result<DbFixture, String>> = OnceLock::new();

/// The running fixture (started on first use; the test fails with the fixture's log if it
/// cannot start).
pub fn db_fixture() -> &'static DbFixture {
    match FIXTURE.get_or_init(start) {
        Ok(fixture) => fixture,
        Err(err) => panic!("the database fixture could not start: {err}"),
    }
}

fn start() -> Result<DbFixture, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/db/fixture.py");
    let dir = std::env::temp_dir().join(format!(
        "npyscope-db-{}-{}",
        std::process::id(),
        Instant::now().elapsed().as_nanos()
    ));
    let log_path = std::env::temp_dir().join(format!("npyscope-db-{}.log", std::process::id()));
    let log = std::fs::File::create(&log_path).map_err(|e| e.to_string())?;
    let log_err = log.try_clone().map_err(|e| e.to_string())?;
    let mut child = Command::new("python3")
        .arg(&script)
        .args(["serve", "--dir"])
        .arg(&dir)
        .args(["--parent", &std::process::id().to_string()])
        .env_remove("DJ_STORES")
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .spawn()
        .map_err(|e| format!("cannot run python3 {}: {e}", script.display()))?;
    let ready = dir.join("fixture.json");
    // Installing the servers on a fresh machine takes a few minutes; filling them half a minute.
    let deadline = Instant::now() + Duration::from_secs(900);
    let tail = |path: &Path| {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let start = text.len().saturating_sub(3000);
        text.get(start..).unwrap_or_default().to_string()
    };
    loop {
        if ready.exists() {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "{} ({status}):\n{}",
                script.display(),
                tail(&log_path)
            ));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err(format!("no fixture after 15 minutes:\n{}", tail(&log_path)));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    // The child keeps serving; it stops the servers when this process ends.
    std::mem::forget(child);
    let text = std::fs::read_to_string(&ready).map_err(|e| e.to_string())?;
    let json: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let server = |key: &str, backend: DbBackend| -> Result<DbServer, String> {
        let v = &json[key];
        Ok(DbServer {
            backend,
            port: v["port"].as_u64().ok_or("no port")? as u16,
            user: v["user"].as_str().ok_or("no user")?.to_string(),
            password: v["password"].as_str().ok_or("no password")?.to_string(),
            reader_password: v["reader_password"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            store: PathBuf::from(v["store"].as_str().ok_or("no store")?),
            log: v["log"].as_str().map(PathBuf::from),
            expected: v["expected"].clone(),
        })
    };
    Ok(DbFixture {
        schema: json["schema"]
            .as_str()
            .unwrap_or("npyscope_test")
            .to_string(),
        big_rows: json["big_rows"].as_u64().unwrap_or(0),
        pg: server("postgresql", DbBackend::PostgreSql)?,
        my: server("mysql", DbBackend::MySql)?,
    })
}
