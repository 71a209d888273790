//! The app's own settings (stores added in the window, the database connected there, the
//! download threshold), kept in the config folder.
//!
//! One JSON file, `settings.json`, in the platform's config folder for npyscope (e.g.
//! `~/.config/npyscope`). It is written to a temporary file and renamed over the old one, with
//! mode 0600 (folder 0700) on unix, because it may hold an S3 secret key or a database password the user asked to keep.

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value, json};

use crate::config::{DatabaseSpec, DbBackend, Origin, Secret, StoreSpec};

/// Name of the settings file inside the settings folder.
pub const SETTINGS_FILENAME: &str = "settings.json";

/// Default size above which downloading a remote array asks first: 1 GiB.
pub const DEFAULT_CONFIRM_DOWNLOAD_BYTES: u64 = 1 << 30;

/// Why the settings could not be read or written. Messages name the file and what to do, and
/// never hold a secret.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The file exists but cannot be read.
    #[error("cannot read the settings file {}: {source}; check its permissions", .path.display())]
    Read {
        /// The settings file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The file is not valid settings JSON.
    #[error(
        "the settings file {} is broken ({detail}); fix it or delete it to start with default settings (the stores added in the window are then forgotten)",
        .path.display()
    )]
    Broken {
        /// The settings file.
        path: PathBuf,
        /// What the JSON parser said (line and column; no values).
        detail: String,
    },
    /// The file or its folder cannot be written.
    #[error("cannot save the settings to {}: {source}; check that the folder is writable", .path.display())]
    Write {
        /// The settings file (or its folder).
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// No home folder, so no config folder.
    #[error("no settings folder: the home folder is unknown (set HOME)")]
    NoFolder,
}

/// The protocol of a store added in the window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SavedProtocol {
    /// A local (or mounted) folder.
    #[default]
    File,
    /// Amazon S3 or an S3-compatible server.
    S3,
    /// Google Cloud Storage (or an emulator named by `STORAGE_EMULATOR_HOST`).
    Gcs,
    /// Azure Blob Storage (or Azurite).
    Azure,
}

/// A store the user added in the window. The secret key is kept here (and in the file) only
/// when the user asked for it; `Debug` never shows it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SavedStore {
    /// The store's name, as shown in the stores panel.
    pub name: String,
    /// `file`, `s3`, `gcs` or `azure`.
    pub protocol: SavedProtocol,
    /// The folder of a `file` store.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub folder: Option<PathBuf>,
    /// S3 endpoint (`host:port` or a URL).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub endpoint: String,
    /// S3 or GCS bucket, or Azure container.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub bucket: String,
    /// Key prefix inside the bucket (may be empty).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub location: String,
    /// S3 region, when not the client default.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub region: String,
    /// https (`true`) or http for an endpoint given without a scheme.
    #[serde(default = "yes")]
    pub secure: bool,
    /// S3 access key id.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_secret",
        deserialize_with = "de_secret"
    )]
    pub access_key: Option<Secret>,
    /// S3 secret key, or an Azure account key or connection string: saved only when the user
    /// ticked "Remember secret key".
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_secret",
        deserialize_with = "de_secret"
    )]
    pub secret_key: Option<Secret>,
    /// GCS project (informational, as in DataJoint).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub project: String,
    /// GCS token as DataJoint reads it: the path of a service-account JSON file, `anon`,
    /// `google_default` or `cloud` (empty: application-default credentials).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub token: String,
    /// Azure storage account name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub account_name: String,
}

fn yes() -> bool {
    true
}

impl Default for SavedStore {
    fn default() -> Self {
        SavedStore {
            name: String::new(),
            protocol: SavedProtocol::File,
            folder: None,
            endpoint: String::new(),
            bucket: String::new(),
            location: String::new(),
            region: String::new(),
            secure: true,
            access_key: None,
            secret_key: None,
            project: String::new(),
            token: String::new(),
            account_name: String::new(),
        }
    }
}

fn ser_secret<S: Serializer>(secret: &Option<Secret>, s: S) -> Result<S::Ok, S::Error> {
    match secret {
        Some(secret) => s.serialize_str(secret.expose()),
        None => s.serialize_none(),
    }
}

fn de_secret<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
    Ok(Option::<String>::deserialize(d)?
        .filter(|v| !v.is_empty())
        .map(Secret::new))
}

impl fmt::Debug for SavedStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SavedStore")
            .field("name", &self.name)
            .field("protocol", &self.protocol)
            .field("folder", &self.folder)
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("location", &self.location)
            .field("region", &self.region)
            .field("secure", &self.secure)
            .field("access_key", &self.access_key)
            .field("secret_key", &self.secret_key)
            .field("project", &self.project)
            .field("token", &self.token)
            .field("account_name", &self.account_name)
            .finish()
    }
}

impl SavedStore {
    /// The store as a validated spec, through the config module's rules (as if it were a
    /// `datajoint.json` entry). `session_secret` fills a secret key that was not saved.
    /// A relative folder is taken relative to `working_dir`.
    pub fn to_spec(
        &self,
        session_secret: Option<&Secret>,
        working_dir: &Path,
    ) -> Result<StoreSpec, String> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err("the store needs a name: enter one".to_string());
        }
        let mut entry = Map::new();
        match self.protocol {
            SavedProtocol::File => {
                let folder = self
                    .folder
                    .as_ref()
                    .filter(|f| !f.as_os_str().is_empty())
                    .ok_or_else(|| format!("store \"{name}\": choose its folder"))?;
                entry.insert("protocol".into(), json!("file"));
                entry.insert("location".into(), json!(folder.to_string_lossy()));
            }
            SavedProtocol::S3 => {
                entry.insert("protocol".into(), json!("s3"));
                entry.insert("endpoint".into(), json!(self.endpoint.trim()));
                entry.insert("bucket".into(), json!(self.bucket.trim()));
                entry.insert("location".into(), json!(self.location.trim()));
                entry.insert("secure".into(), json!(self.secure));
                if !self.region.trim().is_empty() {
                    entry.insert("region".into(), json!(self.region.trim()));
                }
                let secret = self.secret_key.as_ref().or(session_secret);
                if let Some(access) = &self.access_key {
                    if secret.is_none() {
                        return Err(format!(
                            "store \"{name}\": its secret key was not remembered; add the store again with the secret key (tick \"Remember secret key\" to keep it)"
                        ));
                    }
                    entry.insert("access_key".into(), json!(access.expose()));
                }
                if let Some(secret) = secret {
                    entry.insert("secret_key".into(), json!(secret.expose()));
                }
            }
            SavedProtocol::Gcs => {
                entry.insert("protocol".into(), json!("gcs"));
                entry.insert("bucket".into(), json!(self.bucket.trim()));
                entry.insert("location".into(), json!(self.location.trim()));
                let token = self.token.trim();
                if token.starts_with('{') {
                    return Err(format!(
                        "store \"{name}\": give the path of the service-account JSON file as its token, not the file's contents"
                    ));
                }
                if !token.is_empty() {
                    entry.insert("token".into(), json!(token));
                }
                if !self.project.trim().is_empty() {
                    entry.insert("project".into(), json!(self.project.trim()));
                }
            }
            SavedProtocol::Azure => {
                entry.insert("protocol".into(), json!("azure"));
                entry.insert("container".into(), json!(self.bucket.trim()));
                entry.insert("location".into(), json!(self.location.trim()));
                if !self.account_name.trim().is_empty() {
                    entry.insert("account_name".into(), json!(self.account_name.trim()));
                }
                if let Some(secret) = self.secret_key.as_ref().or(session_secret) {
                    let attr = if is_connection_string(secret.expose()) {
                        "connection_string"
                    } else {
                        "account_key"
                    };
                    entry.insert(attr.into(), json!(secret.expose().trim()));
                } else if self.account_name.trim().is_empty() {
                    return Err(format!(
                        "store \"{name}\": no account name and no key or connection string; enter them (a key that was not remembered must be entered again: add the store again, ticking \"Remember secret key\" to keep it)"
                    ));
                }
            }
        }
        StoreSpec::from_json(name, &Value::Object(entry), Origin::Settings, working_dir)
            .map_err(|e| e.to_string())
    }
}

/// Whether an Azure secret typed in the window is a connection string (`Key=Value;…`) rather
/// than an account key (base64, which holds no `;` and no `Name=`).
fn is_connection_string(secret: &str) -> bool {
    let text = secret.trim();
    text.contains(';')
        || [
            "AccountName=",
            "BlobEndpoint=",
            "SharedAccessSignature=",
            "UseDevelopmentStorage=",
        ]
        .iter()
        .any(|key| text.starts_with(key))
}

/// The database the user connected to in the window ("Connect to database…"). The password is
/// kept here (and in the file) only when the user asked for it; `Debug` never shows it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SavedDatabase {
    /// `postgresql` or `mysql`, as in `datajoint.json`.
    pub backend: String,
    /// Server host name or address.
    pub host: String,
    /// Server port; `None` for the backend's usual port.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// User name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user: String,
    /// The PostgreSQL database holding the schemas (empty: `postgres`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// TLS as DataJoint's `use_tls`: `None` tries TLS then plain; `true` requires it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub use_tls: Option<bool>,
    /// The password: saved only when the user ticked "Remember password".
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_secret",
        deserialize_with = "de_secret"
    )]
    pub password: Option<Secret>,
    /// A password was typed but not remembered: ask for it before connecting.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub ask_password: bool,
}

impl Default for SavedDatabase {
    fn default() -> Self {
        SavedDatabase {
            backend: DbBackend::PostgreSql.name().to_string(),
            host: String::new(),
            port: None,
            user: String::new(),
            name: String::new(),
            use_tls: None,
            password: None,
            ask_password: false,
        }
    }
}

impl fmt::Debug for SavedDatabase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SavedDatabase")
            .field("backend", &self.backend)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("name", &self.name)
            .field("use_tls", &self.use_tls)
            .field("password", &self.password)
            .field("ask_password", &self.ask_password)
            .finish()
    }
}

impl SavedDatabase {
    /// The connection settings; `session_password` fills a password that was not saved.
    /// A `host:port` host gives the port, as in `datajoint.json`.
    pub fn to_spec(&self, session_password: Option<&Secret>) -> Result<DatabaseSpec, String> {
        let backend = DbBackend::parse(&self.backend).ok_or_else(|| {
            format!(
                "database backend \"{}\" is not postgresql or mysql",
                self.backend
            )
        })?;
        let host = self.host.trim();
        let (host, port) = match (host.rsplit_once(':'), self.port) {
            (Some((h, p)), None) if !h.is_empty() && !h.contains(':') => {
                let port = p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| {
                    format!("database host \"{host}\": \"{p}\" is not a port (1–65535)")
                })?;
                (h, Some(port))
            }
            _ => (host, self.port),
        };
        if host.is_empty() {
            return Err("the database needs a host: enter its name or address".to_string());
        }
        if host.chars().any(|c| c.is_whitespace() || c == '/') {
            return Err(format!(
                "database host \"{host}\" is not a host name or address"
            ));
        }
        let mut spec = DatabaseSpec::new(backend, host, port);
        let user = self.user.trim();
        spec.user = (!user.is_empty()).then(|| user.to_string());
        spec.password = self.password.clone().or_else(|| session_password.cloned());
        if !self.name.trim().is_empty() {
            spec.name = self.name.trim().to_string();
        }
        spec.use_tls = self.use_tls;
        Ok(spec)
    }

    /// The settings of `spec` as they would be saved, the password only when `remember`.
    pub fn from_spec(spec: &DatabaseSpec, remember: bool) -> SavedDatabase {
        SavedDatabase {
            backend: spec.backend.name().to_string(),
            host: spec.host.clone(),
            port: (spec.port != spec.backend.default_port()).then_some(spec.port),
            user: spec.user.clone().unwrap_or_default(),
            name: match spec.backend {
                DbBackend::PostgreSql if spec.name != "postgres" => spec.name.clone(),
                _ => String::new(),
            },
            use_tls: spec.use_tls,
            password: spec.password.clone().filter(|_| remember),
            ask_password: spec.password.is_some() && !remember,
        }
    }
}

/// npyscope's own settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Stores the user added in the window, in the order they were added.
    pub stores: Vec<SavedStore>,
    /// The database connected in the window, used when `datajoint.json` names none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<SavedDatabase>,
    /// Loading or mapping a remote array bigger than this asks first.
    pub confirm_download_bytes: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            stores: Vec::new(),
            database: None,
            confirm_download_bytes: DEFAULT_CONFIRM_DOWNLOAD_BYTES,
        }
    }
}

impl Settings {
    /// The platform's config folder for npyscope (e.g. `~/.config/npyscope`), if there is a
    /// home folder.
    pub fn dir() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "npyscope").map(|d| d.config_dir().to_path_buf())
    }

    /// The settings file inside `dir`.
    pub fn file(dir: &Path) -> PathBuf {
        dir.join(SETTINGS_FILENAME)
    }

    /// Reads the settings of `dir`; no file means the defaults.
    pub fn load(dir: &Path) -> Result<Settings, SettingsError> {
        let path = Self::file(dir);
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Settings::default()),
            Err(source) => return Err(SettingsError::Read { path, source }),
        };
        serde_json::from_str(&text).map_err(|err| SettingsError::Broken {
            path,
            // Line and column plus the category; serde_json's messages name types and
            // fields, not the values read.
            detail: format!(
                "{} at line {} column {}",
                match err.classify() {
                    serde_json::error::Category::Io => "unreadable",
                    serde_json::error::Category::Syntax => "not valid JSON",
                    serde_json::error::Category::Data => "unexpected contents",
                    serde_json::error::Category::Eof => "cut short",
                },
                err.line(),
                err.column()
            ),
        })
    }

    /// Writes the settings into `dir` (created, mode 0700): a temporary file renamed over the
    /// old one, mode 0600.
    pub fn save(&self, dir: &Path) -> Result<(), SettingsError> {
        let path = Self::file(dir);
        let write_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| SettingsError::Write { path, source }
        };
        create_private_dir(dir).map_err(write_err(dir))?;
        let text = serde_json::to_string_pretty(self).map_err(|e| SettingsError::Write {
            path: path.clone(),
            source: io::Error::other(e.to_string()),
        })?;
        let mut temp = tempfile::Builder::new()
            .prefix(".settings")
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(write_err(dir))?;
        // tempfile creates the file with mode 0600 on unix; set it anyway, in case.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(temp.path(), fs::Permissions::from_mode(0o600))
                .map_err(write_err(&path))?;
        }
        temp.write_all(text.as_bytes()).map_err(write_err(&path))?;
        temp.write_all(b"\n").map_err(write_err(&path))?;
        temp.as_file().sync_all().map_err(write_err(&path))?;
        temp.persist(&path).map_err(|e| SettingsError::Write {
            path: path.clone(),
            source: e.error,
        })?;
        Ok(())
    }

    /// [`Settings::load`] from `dir`, else from [`Settings::dir`].
    pub fn load_from(dir: Option<&Path>) -> Result<Settings, SettingsError> {
        match dir {
            Some(dir) => Self::load(dir),
            None => Self::load(&Self::dir().ok_or(SettingsError::NoFolder)?),
        }
    }
}

/// Creates `dir` (and its parents) with mode 0700 on unix; an existing folder is tightened to
/// 0700 too.
fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Backend;

    fn s3_store(remember: bool) -> SavedStore {
        SavedStore {
            name: "lab".to_string(),
            protocol: SavedProtocol::S3,
            endpoint: "localhost:9000".to_string(),
            bucket: "data".to_string(),
            location: "dj".to_string(),
            secure: false,
            access_key: Some(Secret::new("AKIDEXAMPLE")),
            secret_key: remember.then(|| Secret::new("wJalrXUtnFEMI-top-secret")),
            ..SavedStore::default()
        }
    }

    #[test]
    fn round_trip_keeps_stores_and_threshold() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let settings = Settings {
            stores: vec![
                SavedStore {
                    name: "local".to_string(),
                    folder: Some(PathBuf::from("/data/npy")),
                    ..SavedStore::default()
                },
                s3_store(true),
            ],
            database: None,
            confirm_download_bytes: 12345,
        };
        settings.save(dir.path()).expect("saved");
        let loaded = Settings::load(dir.path()).expect("loaded");
        assert_eq!(loaded, settings);
    }

    #[test]
    fn missing_file_gives_defaults() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let loaded = Settings::load(&dir.path().join("nowhere")).expect("defaults");
        assert_eq!(loaded, Settings::default());
        assert_eq!(loaded.confirm_download_bytes, 1 << 30);
    }

    #[test]
    fn secret_is_saved_only_when_asked() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let settings = Settings {
            stores: vec![s3_store(false)],
            ..Settings::default()
        };
        settings.save(dir.path()).expect("saved");
        let text = fs::read_to_string(Settings::file(dir.path())).expect("the file");
        assert!(!text.contains("top-secret"), "{text}");
        assert!(!text.contains("secret_key"), "{text}");
        assert!(text.contains("AKIDEXAMPLE"));

        let settings = Settings {
            stores: vec![s3_store(true)],
            ..Settings::default()
        };
        settings.save(dir.path()).expect("saved");
        let text = fs::read_to_string(Settings::file(dir.path())).expect("the file");
        assert!(text.contains("wJalrXUtnFEMI-top-secret"));
    }

    #[test]
    fn database_password_is_saved_only_when_asked() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let mut spec = DatabaseSpec::new(DbBackend::PostgreSql, "db.lab.org", Some(5433));
        spec.user = Some("alice".into());
        spec.password = Some(Secret::new("pg-top-secret"));
        spec.name = "pipeline".into();
        for remember in [false, true] {
            let settings = Settings {
                database: Some(SavedDatabase::from_spec(&spec, remember)),
                ..Settings::default()
            };
            settings.save(dir.path()).expect("saved");
            let text = fs::read_to_string(Settings::file(dir.path())).expect("the file");
            assert_eq!(text.contains("pg-top-secret"), remember, "{text}");
            let back = Settings::load(dir.path()).expect("read back");
            let saved = back.database.expect("the database");
            assert_eq!(saved.ask_password, !remember);
            assert!(!format!("{saved:?}").contains("pg-top-secret"));
            let again = saved
                .to_spec(Some(&Secret::new("pg-top-secret")))
                .expect("a spec");
            assert_eq!(again, {
                let mut want = spec.clone();
                want.sources = again.sources.clone();
                want
            });
        }
    }

    #[test]
    fn saved_database_checks_host_port_and_backend() {
        let saved = |backend: &str, host: &str| SavedDatabase {
            backend: backend.into(),
            host: host.into(),
            ..SavedDatabase::default()
        };
        let spec = saved("mysql", "db:3307").to_spec(None).expect("host:port");
        assert_eq!((spec.host.as_str(), spec.port), ("db", 3307));
        let spec = saved("postgresql", "db")
            .to_spec(None)
            .expect("default port");
        assert_eq!(spec.port, 5432);
        for (backend, host, says) in [
            ("oracle", "db", "backend"),
            ("mysql", "", "host"),
            ("mysql", "db:99999", "port"),
            ("mysql", "a b", "host"),
        ] {
            let err = saved(backend, host).to_spec(None).map(|_| ());
            assert!(
                err.as_ref().is_err_and(|e| e.contains(says)),
                "{host}: {err:?}"
            );
        }
    }

    #[test]
    fn debug_never_shows_secrets() {
        let store = s3_store(true);
        let settings = Settings {
            stores: vec![store],
            ..Settings::default()
        };
        let text = format!("{settings:?}");
        assert!(!text.contains("top-secret"), "{text}");
        assert!(!text.contains("AKIDEXAMPLE"), "{text}");
        assert!(text.contains("lab"));
    }

    #[cfg(unix)]
    #[test]
    fn file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().expect("a temporary folder");
        let dir = root.path().join("npyscope");
        Settings::default().save(&dir).expect("saved");
        let file_mode = fs::metadata(Settings::file(&dir))
            .expect("the file")
            .permissions()
            .mode();
        let dir_mode = fs::metadata(&dir).expect("the folder").permissions().mode();
        assert_eq!(file_mode & 0o777, 0o600);
        assert_eq!(dir_mode & 0o777, 0o700);
        // Saving again replaces the file and keeps it private; no temporary file is left.
        Settings::default().save(&dir).expect("saved again");
        let names: Vec<_> = fs::read_dir(&dir)
            .expect("the folder")
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from(SETTINGS_FILENAME)]);
    }

    #[test]
    fn broken_file_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        fs::write(
            Settings::file(dir.path()),
            "{\"stores\": [{\"secret_key\": \"hunter2\",}",
        )
        .expect("written");
        let err = Settings::load(dir.path()).expect_err("broken");
        let text = err.to_string();
        assert!(
            text.contains(&*Settings::file(dir.path()).to_string_lossy()),
            "{text}"
        );
        assert!(text.contains("delete it"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        // Wrong types are reported the same way.
        fs::write(
            Settings::file(dir.path()),
            "{\"confirm_download_bytes\": \"big\"}",
        )
        .expect("written");
        assert!(matches!(
            Settings::load(dir.path()),
            Err(SettingsError::Broken { .. })
        ));
    }

    #[test]
    fn saved_stores_become_validated_specs() {
        let work = Path::new("/work");
        let spec = s3_store(true).to_spec(None, work).expect("a spec");
        assert_eq!(spec.origin, Origin::Settings);
        match &spec.backend {
            Backend::S3 {
                endpoint,
                bucket,
                secret_key,
                secure,
                ..
            } => {
                assert_eq!(endpoint.as_deref(), Some("localhost:9000"));
                assert_eq!(bucket, "data");
                assert_eq!(
                    secret_key.as_ref().map(Secret::expose),
                    Some("wJalrXUtnFEMI-top-secret")
                );
                assert!(!secure);
            }
            other => panic!("not s3: {other:?}"),
        }
        // Without the remembered secret, the session's is used, else a clear error.
        let store = s3_store(false);
        let session = Secret::new("from-the-session");
        assert!(store.to_spec(Some(&session), work).is_ok());
        let err = store.to_spec(None, work).expect_err("no secret");
        assert!(err.contains("lab") && err.contains("secret key"), "{err}");
        // The config module's validation applies: an S3 store needs a bucket.
        let mut no_bucket = s3_store(true);
        no_bucket.bucket.clear();
        let err = no_bucket.to_spec(None, work).expect_err("no bucket");
        assert!(err.contains("bucket"), "{err}");
        assert!(!err.contains("top-secret"));
        // A file store needs its folder; a relative one is taken from the working folder.
        let mut local = SavedStore {
            name: "local".to_string(),
            ..SavedStore::default()
        };
        assert!(local.to_spec(None, work).is_err());
        local.folder = Some(PathBuf::from("npy"));
        let spec = local.to_spec(None, work).expect("a spec");
        assert_eq!(
            spec.backend,
            Backend::File {
                location: PathBuf::from("/work/npy")
            }
        );
    }
}
