//! Integration tests: config — discovery, both stores shapes, `DJ_STORES`,
//! `DJ_IGNORE_CONFIG_FILE`, secrets, validation messages, redaction.

use std::path::{Path, PathBuf};

use npyscope::config::{
    Backend, Config, ConfigEnv, ConfigError, EnvProblem, Origin, StoreSpec, StoreSpecError,
};
use serde_json::json;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A temp folder with helpers to write files into it.
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> std::io::Result<Fixture> {
        Ok(Fixture {
            dir: tempfile::tempdir()?,
        })
    }

    /// The canonical root (macOS-style /tmp symlinks would break path comparisons).
    fn root(&self) -> PathBuf {
        self.dir
            .path()
            .canonicalize()
            .unwrap_or_else(|_| self.dir.path().to_path_buf())
    }

    fn write(&self, rel: &str, text: &str) -> std::io::Result<PathBuf> {
        let path = self.root().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, text)?;
        Ok(path)
    }

    fn mkdir(&self, rel: &str) -> std::io::Result<PathBuf> {
        let path = self.root().join(rel);
        std::fs::create_dir_all(&path)?;
        Ok(path)
    }

    /// An environment with nothing set, working in the fixture root.
    fn env(&self) -> ConfigEnv {
        ConfigEnv::isolated(&self.root())
    }
}

fn file_store(location: &str) -> String {
    json!({"protocol": "file", "location": location}).to_string()
}

fn location_of(spec: &StoreSpec) -> Option<&Path> {
    match &spec.backend {
        Backend::File { location } => Some(location),
        _ => None,
    }
}

// ---------- discovery ----------

#[test]
fn search_stops_at_git_root_and_ignores_config_above() -> TestResult {
    let fx = Fixture::new()?;
    fx.write(
        "outer/datajoint.json",
        &format!(r#"{{"stores": {{"above": {}}}}}"#, file_store("/above")),
    )?;
    fx.mkdir("outer/repo/.git")?;
    let deep = fx.mkdir("outer/repo/src/analysis")?;

    let config = Config::discover(&deep, &fx.env())?;
    assert_eq!(config.path, None);
    assert!(config.stores.is_empty());

    // A datajoint.json at the repo root (the folder holding .git) is still found.
    let at_root = fx.write(
        "outer/repo/datajoint.json",
        &format!(r#"{{"stores": {{"root": {}}}}}"#, file_store("/root")),
    )?;
    let config = Config::discover(&deep, &fx.env())?;
    assert_eq!(config.path, Some(at_root.clone()));
    assert_eq!(config.store_names(), vec!["root".to_string()]);
    assert_eq!(
        config.store("root")?.origin,
        Origin::File(at_root.clone()),
        "origin names the file"
    );
    Ok(())
}

#[test]
fn search_stops_at_hg_and_at_git_file() -> TestResult {
    let fx = Fixture::new()?;
    fx.write("datajoint.json", r#"{"stores": {}}"#)?;
    fx.mkdir("hgrepo/.hg")?;
    let in_hg = fx.mkdir("hgrepo/a")?;
    assert_eq!(Config::discover(&in_hg, &fx.env())?.path, None);

    // A git worktree/submodule has a `.git` *file*: still a boundary.
    fx.write("worktree/.git", "gitdir: /elsewhere\n")?;
    let in_wt = fx.mkdir("worktree/b/c")?;
    assert_eq!(Config::discover(&in_wt, &fx.env())?.path, None);

    // Without a boundary the parent search reaches the config.
    let plain = fx.mkdir("plain/x/y")?;
    assert_eq!(
        Config::discover(&plain, &fx.env())?.path,
        Some(fx.root().join("datajoint.json"))
    );
    Ok(())
}

#[test]
fn relative_start_dir_is_taken_from_working_dir() -> TestResult {
    let fx = Fixture::new()?;
    fx.mkdir(".git")?;
    let cfg = fx.write("proj/datajoint.json", r#"{"stores": {}}"#)?;
    fx.mkdir("proj/sub")?;
    let config = Config::discover(Path::new("proj/sub"), &fx.env())?;
    assert_eq!(config.path, Some(cfg));
    Ok(())
}

#[test]
fn no_config_file_is_an_empty_config() -> TestResult {
    let fx = Fixture::new()?;
    fx.mkdir(".git")?;
    let config = Config::discover(&fx.root(), &fx.env())?;
    assert_eq!(config, Config::default());
    let err = config.store("main").err().map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some(r#"store "main" is not configured (no stores are configured)"#)
    );
    Ok(())
}

#[test]
fn explicit_file_overrides_search_and_must_exist() -> TestResult {
    let fx = Fixture::new()?;
    fx.mkdir(".git")?;
    fx.write(
        "datajoint.json",
        &format!(r#"{{"stores": {{"found": {}}}}}"#, file_store("/f")),
    )?;
    let other = fx.write(
        "elsewhere/other.json",
        &format!(r#"{{"stores": {{"explicit": {}}}}}"#, file_store("/e")),
    )?;
    // Relative to the working folder.
    let config = Config::from_file(Path::new("elsewhere/other.json"), &fx.env())?;
    assert_eq!(config.path, Some(other));
    assert_eq!(config.store_names(), vec!["explicit".to_string()]);

    let config = Config::load(None, &fx.env())?;
    assert_eq!(config.store_names(), vec!["found".to_string()]);

    let missing = fx.root().join("nope.json");
    let err = Config::from_file(&missing, &fx.env())
        .err()
        .map(|e| e.to_string());
    let err = err.unwrap_or_default();
    assert!(
        err.starts_with(&format!("cannot read {}: ", missing.display())),
        "{err}"
    );
    Ok(())
}

// ---------- shapes ----------

#[test]
fn stores_block_with_default_names() -> TestResult {
    let fx = Fixture::new()?;
    fx.mkdir(".git")?;
    fx.write(
        "datajoint.json",
        r#"{
            "database": {"host": "db.example.org"},
            "stores": {
                "default": "main",
                "filepath_default": "raw",
                "main": {"protocol": "file", "location": "/data/main"},
                "raw": {"protocol": "file", "location": "/data/raw", "partition_pattern": "{subject_id}/{session_date}", "token_length": 10}
            }
        }"#,
    )?;
    let config = Config::discover(&fx.root(), &fx.env())?;
    assert_eq!(
        config.store_names(),
        vec!["main".to_string(), "raw".to_string()]
    );
    assert_eq!(config.default_store.as_deref(), Some("main"));
    assert_eq!(config.filepath_default.as_deref(), Some("raw"));
    assert_eq!(config.default_store_spec()?.name, "main");
    let raw = config.store("raw")?;
    assert_eq!(location_of(raw), Some(Path::new("/data/raw")));
    assert_eq!(
        raw.layout.partition_pattern.as_deref(),
        Some("{subject_id}/{session_date}")
    );
    assert_eq!(raw.layout.token_length, 10);
    assert_eq!(raw.layout.schema_prefix, "_schema");
    assert_eq!(raw.layout.hash_prefix, "_hash");
    assert_eq!(raw.layout.filepath_prefix, None);
    for reserved in ["default", "filepath_default"] {
        let msg = config.store(reserved).err().map(|e| e.to_string());
        assert_eq!(
            msg.as_deref(),
            Some(
                format!(r#"store "{reserved}" is not configured (configured: main, raw)"#).as_str()
            )
        );
    }
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
    Ok(())
}

#[test]
fn object_storage_shape_with_default_store() -> TestResult {
    let fx = Fixture::new()?;
    fx.mkdir(".git")?;
    fx.write(
        "datajoint.json",
        r#"{
            "object_storage": {
                "project_name": "lab",
                "default_store": "arrays",
                "token_length": 12,
                "stores": {
                    "arrays": {"protocol": "s3", "endpoint": "minio:9000", "bucket": "lab", "location": "npy", "project_name": "lab"},
                    "scratch": {"protocol": "file", "location": "/scratch", "token_length": 6}
                }
            }
        }"#,
    )?;
    let config = Config::discover(&fx.root(), &fx.env())?;
    assert_eq!(
        config.store_names(),
        vec!["arrays".to_string(), "scratch".to_string()]
    );
    assert_eq!(config.default_store.as_deref(), Some("arrays"));
    let arrays = config.store("arrays")?;
    assert_eq!(
        arrays.layout.token_length, 12,
        "inherited from object_storage"
    );
    assert_eq!(config.store("scratch")?.layout.token_length, 6);
    match &arrays.backend {
        Backend::S3 {
            bucket,
            location,
            endpoint,
            ..
        } => {
            assert_eq!(bucket, "lab");
            assert_eq!(location, "npy");
            assert_eq!(endpoint.as_deref(), Some("minio:9000"));
        }
        other => panic!("expected s3, got {other:?}"),
    }
    Ok(())
}

#[test]
fn stores_block_wins_over_object_storage() -> TestResult {
    let fx = Fixture::new()?;
    fx.mkdir(".git")?;
    fx.write(
        "datajoint.json",
        r#"{
            "stores": {"default": "a", "a": {"protocol": "file", "location": "/new"}},
            "object_storage": {"default_store": "b", "stores": {
                "a": {"protocol": "file", "location": "/old"},
                "b": {"protocol": "file", "location": "/b"}
            }}
        }"#,
    )?;
    let config = Config::discover(&fx.root(), &fx.env())?;
    assert_eq!(location_of(config.store("a")?), Some(Path::new("/new")));
    assert_eq!(location_of(config.store("b")?), Some(Path::new("/b")));
    assert_eq!(config.default_store.as_deref(), Some("a"));
    assert_eq!(config.warnings.len(), 1, "{:?}", config.warnings);
    Ok(())
}

#[test]
fn flat_dot_keys_are_read() -> TestResult {
    let fx = Fixture::new()?;
    fx.mkdir(".git")?;
    fx.write(
        "datajoint.json",
        r#"{"stores.flat.protocol": "file", "stores.flat.location": "/flat"}"#,
    )?;
    let config = Config::discover(&fx.root(), &fx.env())?;
    assert_eq!(location_of(config.store("flat")?), Some(Path::new("/flat")));
    Ok(())
}

#[test]
fn relative_file_location_is_relative_to_working_dir() -> TestResult {
    let fx = Fixture::new()?;
    fx.mkdir(".git")?;
    fx.write(
        "proj/datajoint.json",
        &format!(r#"{{"stores": {{"rel": {}}}}}"#, file_store("data/store")),
    )?;
    let cwd = fx.mkdir("proj/notebooks")?;
    let env = ConfigEnv::isolated(&cwd);
    let config = Config::discover(&cwd, &env)?;
    assert_eq!(
        location_of(config.store("rel")?),
        Some(cwd.join("data/store").as_path())
    );
    Ok(())
}

// ---------- DJ_STORES / DJ_IGNORE_CONFIG_FILE ----------

#[test]
fn dj_stores_replaces_the_files_block() -> TestResult {
    let fx = Fixture::new()?;
    fx.mkdir(".git")?;
    fx.write(
        "datajoint.json",
        r#"{"stores": {"default": "filestore", "filestore": {"protocol": "file", "location": "/f"}}}"#,
    )?;
    let mut env = fx.env();
    env.dj_stores = Some(
        json!({"default": "envstore", "envstore": {"protocol": "file", "location": "/e"}})
            .to_string(),
    );
    let config = Config::discover(&fx.root(), &env)?;
    assert_eq!(config.store_names(), vec!["envstore".to_string()]);
    assert_eq!(config.default_store.as_deref(), Some("envstore"));
    assert_eq!(config.store("envstore")?.origin, Origin::Env);
    assert_eq!(config.path, Some(fx.root().join("datajoint.json")));

    // Empty DJ_STORES counts as unset.
    env.dj_stores = Some(String::new());
    let config = Config::discover(&fx.root(), &env)?;
    assert_eq!(config.store_names(), vec!["filestore".to_string()]);
    Ok(())
}

#[test]
fn dj_stores_errors() -> TestResult {
    let fx = Fixture::new()?;
    fx.mkdir(".git")?;
    let mut env = fx.env();
    env.dj_stores = Some(r#"{"a": {"protocol": "file",}"#.to_string());
    let err = Config::discover(&fx.root(), &env)
        .err()
        .map(|e| e.to_string());
    let err = err.unwrap_or_default();
    assert!(err.starts_with("DJ_STORES is not valid JSON: "), "{err}");
    assert!(err.contains("line 1 column"), "{err}");

    env.dj_stores = Some("[1, 2]".to_string());
    let err = Config::discover(&fx.root(), &env)
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some(
            r#"DJ_STORES must be a JSON object of stores (like the "stores" block of datajoint.json)"#
        )
    );
    Ok(())
}

#[test]
fn ignore_config_file_skips_file_and_secrets_but_not_dj_stores() -> TestResult {
    let fx = Fixture::new()?;
    fx.mkdir(".git")?;
    fx.write(
        "datajoint.json",
        &format!(r#"{{"stores": {{"filestore": {}}}}}"#, file_store("/f")),
    )?;
    fx.write(".secrets/stores.envstore.secret_key", "SECRET-FROM-PROJECT")?;
    let system = fx.mkdir("system-secrets")?;
    fx.write(
        "system-secrets/stores.envstore.access_key",
        "KEY-FROM-SYSTEM",
    )?;
    let mut env = fx.env();
    env.ignore_config_file = true;
    env.system_secrets_dir = Some(system);
    env.dj_stores = Some(
        json!({"envstore": {"protocol": "s3", "endpoint": "minio:9000", "bucket": "b", "location": ""}})
            .to_string(),
    );
    let config = Config::discover(&fx.root(), &env)?;
    assert_eq!(config.path, None);
    assert_eq!(config.secrets_dir, None);
    assert_eq!(config.store_names(), vec!["envstore".to_string()]);
    let spec = config.store("envstore")?;
    assert!(spec.secrets_from.is_empty());
    assert!(matches!(
        &spec.backend,
        Backend::S3 {
            access_key: None,
            secret_key: None,
            ..
        }
    ));
    Ok(())
}

#[test]
fn bad_env_value_is_reported_when_loading() -> TestResult {
    let fx = Fixture::new()?;
    let mut env = fx.env();
    env.problem = Some(EnvProblem {
        var: "DJ_IGNORE_CONFIG_FILE",
        problem: "must be true or false".to_string(),
    });
    let err = Config::discover(&fx.root(), &env)
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("DJ_IGNORE_CONFIG_FILE must be true or false")
    );
    Ok(())
}

// ---------- secrets ----------

const S3_NO_KEYS: &str = r#"{"stores": {"lab": {"protocol": "s3", "endpoint": "minio:9000", "bucket": "lab", "location": "data"}}}"#;

fn s3_keys(spec: &StoreSpec) -> (Option<String>, Option<String>) {
    match &spec.backend {
        Backend::S3 {
            access_key,
            secret_key,
            ..
        } => (
            access_key.as_ref().map(|s| s.expose().to_string()),
            secret_key.as_ref().map(|s| s.expose().to_string()),
        ),
        _ => (None, None),
    }
}

#[test]
fn project_secrets_fill_unset_attributes() -> TestResult {
    let fx = Fixture::new()?;
    fx.mkdir(".git")?;
    fx.write("datajoint.json", S3_NO_KEYS)?;
    fx.write(".secrets/stores.lab.access_key", "AKIA-PROJECT\n")?;
    fx.write(".secrets/stores.lab.secret_key", "  s3cr3t-project \n")?;
    fx.write(".secrets/database.password", "dbpw")?;
    let config = Config::discover(&fx.root(), &fx.env())?;
    assert_eq!(config.secrets_dir, Some(fx.root().join(".secrets")));
    let spec = config.store("lab")?;
    assert_eq!(
        s3_keys(spec),
        (
            Some("AKIA-PROJECT".to_string()),
            Some("s3cr3t-project".to_string())
        )
    );
    assert_eq!(spec.secrets_from, vec!["access_key", "secret_key"]);
    assert_eq!(spec.origin, Origin::File(fx.root().join("datajoint.json")));
    Ok(())
}

#[test]
fn config_value_wins_over_secret_file() -> TestResult {
    let fx = Fixture::new()?;
    fx.mkdir(".git")?;
    fx.write(
        "datajoint.json",
        r#"{"stores": {"lab": {"protocol": "s3", "endpoint": "minio:9000", "bucket": "lab", "location": "",
            "access_key": "AKIA-CONFIG", "secret_key": "from-config"}}}"#,
    )?;
    fx.write(".secrets/stores.lab.secret_key", "from-secret-file")?;
    fx.write(".secrets/stores.lab.bucket", "other-bucket")?;
    let config = Config::discover(&fx.root(), &fx.env())?;
    let spec = config.store("lab")?;
    assert_eq!(
        s3_keys(spec),
        (
            Some("AKIA-CONFIG".to_string()),
            Some("from-config".to_string())
        )
    );
    assert!(matches!(&spec.backend, Backend::S3 { bucket, .. } if bucket == "lab"));
    assert!(spec.secrets_from.is_empty());
    Ok(())
}

#[test]
fn project_secrets_folder_shadows_system_folder() -> TestResult {
    let fx = Fixture::new()?;
    fx.mkdir(".git")?;
    fx.write("datajoint.json", S3_NO_KEYS)?;
    let system = fx.mkdir("system")?;
    fx.write("system/stores.lab.access_key", "AKIA-SYSTEM")?;
    fx.write("system/stores.lab.secret_key", "system-secret")?;
    let mut env = fx.env();
    env.system_secrets_dir = Some(system.clone());

    // No project folder: the system folder is used.
    let config = Config::discover(&fx.root(), &env)?;
    assert_eq!(config.secrets_dir, Some(system.clone()));
    assert_eq!(
        s3_keys(config.store("lab")?),
        (
            Some("AKIA-SYSTEM".to_string()),
            Some("system-secret".to_string())
        )
    );

    // A project `.secrets/` wins, and (as in DataJoint) the system folder is then not read at
    // all: only one secrets folder is ever used.
    fx.write(".secrets/stores.lab.secret_key", "project-secret")?;
    let config = Config::discover(&fx.root(), &env)?;
    assert_eq!(config.secrets_dir, Some(fx.root().join(".secrets")));
    let err = config.store("lab").err().map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some(
            r#"store "lab" (s3): set both access_key and secret_key, or neither to use the AWS credential chain"#
        )
    );
    fx.write(".secrets/stores.lab.access_key", "AKIA-PROJECT")?;
    let config = Config::discover(&fx.root(), &env)?;
    assert_eq!(
        s3_keys(config.store("lab")?),
        (
            Some("AKIA-PROJECT".to_string()),
            Some("project-secret".to_string())
        )
    );
    Ok(())
}

#[test]
fn secrets_fill_dj_stores_and_can_define_a_store() -> TestResult {
    let fx = Fixture::new()?;
    fx.mkdir(".git")?;
    let system = fx.mkdir("system")?;
    fx.write("system/stores.env.access_key", "AKIA-SYS")?;
    fx.write("system/stores.env.secret_key", "sys-secret")?;
    fx.write("system/stores.onlysecrets.protocol", "file")?;
    fx.write("system/stores.onlysecrets.location", "/from/secrets\n")?;
    fx.write("system/stores.partial.secret_key", "lonely")?;
    let mut env = fx.env();
    env.system_secrets_dir = Some(system.clone());
    env.dj_stores = Some(
        json!({"env": {"protocol": "s3", "endpoint": "minio:9000", "bucket": "b", "location": ""}})
            .to_string(),
    );
    let config = Config::discover(&fx.root(), &env)?;
    assert_eq!(
        config.store_names(),
        vec![
            "env".to_string(),
            "onlysecrets".to_string(),
            "partial".to_string()
        ]
    );
    let spec = config.store("env")?;
    assert_eq!(spec.origin, Origin::Env);
    assert_eq!(
        s3_keys(spec),
        (Some("AKIA-SYS".to_string()), Some("sys-secret".to_string()))
    );
    let only = config.store("onlysecrets")?;
    assert_eq!(only.origin, Origin::Secrets(system));
    assert_eq!(location_of(only), Some(Path::new("/from/secrets")));
    let err = config.store("partial").err().map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some(r#"store "partial": protocol is missing"#)
    );
    Ok(())
}

// ---------- validation messages ----------

/// Writes `stores` as the stores block of a fresh config and loads it.
fn load_stores(stores: serde_json::Value) -> Result<(Fixture, Config), Box<dyn std::error::Error>> {
    let fx = Fixture::new()?;
    fx.mkdir(".git")?;
    fx.write("datajoint.json", &json!({ "stores": stores }).to_string())?;
    let config = Config::discover(&fx.root(), &fx.env())?;
    Ok((fx, config))
}

fn store_err(config: &Config, name: &str) -> String {
    match config.store(name) {
        Ok(spec) => format!("unexpectedly valid: {spec:?}"),
        Err(err) => err.to_string(),
    }
}

#[test]
fn validation_messages() -> TestResult {
    let (_fx, config) = load_stores(json!({
        "good": {"protocol": "file", "location": "/ok"},
        "nobucket": {"protocol": "s3", "location": "x"},
        "emptybucket": {"protocol": "s3", "endpoint": "m:9000", "bucket": "", "location": "x"},
        "ftp": {"protocol": "ftp", "location": "/x"},
        "noproto": {"location": "/x"},
        "insecure": {"protocol": "s3", "endpoint": "m:9000", "bucket": "b", "location": "", "secure": "false"},
        "tokenstr": {"protocol": "file", "location": "/x", "token_length": "8"},
        "typo": {"protocol": "file", "location": "/x", "bukcet": "b", "acess_key": "k"},
        "gcsmissing": {"protocol": "gcs"},
        "azmissing": {"protocol": "azure", "location": ""},
        "overlap": {"protocol": "file", "location": "/x", "hash_prefix": "data", "schema_prefix": "data/schema"},
        "notobj": "just a string",
        "number": {"protocol": "file", "location": 5},
    }))?;
    assert_eq!(
        config.store_names().len(),
        13,
        "invalid stores stay listed: {:?}",
        config.store_names()
    );
    assert!(config.store("good").is_ok());
    assert_eq!(
        store_err(&config, "nobucket"),
        r#"store "nobucket" (s3) is missing: bucket, endpoint"#
    );
    assert_eq!(
        store_err(&config, "emptybucket"),
        r#"store "emptybucket" (s3) is missing: bucket"#
    );
    assert_eq!(
        store_err(&config, "ftp"),
        r#"store "ftp": unknown protocol "ftp" (expected file, s3, gcs or azure)"#
    );
    assert_eq!(
        store_err(&config, "noproto"),
        r#"store "noproto": protocol is missing"#
    );
    assert_eq!(
        store_err(&config, "insecure"),
        r#"store "insecure": "secure" must be true or false"#
    );
    assert_eq!(
        store_err(&config, "tokenstr"),
        r#"store "tokenstr": "token_length" must be an integer"#
    );
    assert_eq!(
        store_err(&config, "typo"),
        r#"store "typo" (file) has unknown attributes: acess_key, bukcet (DataJoint rejects them; check the spelling)"#
    );
    assert_eq!(
        store_err(&config, "gcsmissing"),
        r#"store "gcsmissing" (gcs) is missing: bucket, location"#
    );
    assert_eq!(
        store_err(&config, "azmissing"),
        r#"store "azmissing" (azure) is missing: container"#
    );
    assert_eq!(
        store_err(&config, "overlap"),
        r#"store "overlap": hash_prefix="data" and schema_prefix="data/schema" overlap; DataJoint requires separate prefixes"#
    );
    assert_eq!(
        store_err(&config, "notobj"),
        r#"store "notobj" must be a JSON object of attributes"#
    );
    assert_eq!(
        store_err(&config, "number"),
        r#"store "number": "location" must be a string"#
    );
    assert_eq!(
        store_err(&config, "nope"),
        "store \"nope\" is not configured (configured: azmissing, emptybucket, ftp, gcsmissing, \
         good, insecure, nobucket, noproto, notobj, number, overlap, tokenstr, typo)"
    );
    // The error is the store's own, reachable without a lookup too.
    assert!(matches!(
        config.stores.get("ftp"),
        Some(Err(StoreSpecError::UnknownProtocol { .. }))
    ));
    Ok(())
}

#[test]
fn invalid_json_names_file_line_and_column() -> TestResult {
    let fx = Fixture::new()?;
    fx.mkdir(".git")?;
    let path = fx.write(
        "datajoint.json",
        "{\n  \"stores\": {\n    \"a\": {\"protocol\": \"file\",}\n  }\n}\n",
    )?;
    let err = Config::discover(&fx.root(), &fx.env()).err();
    assert!(
        matches!(
            err,
            Some(ConfigError::InvalidJson {
                line: 3,
                column: 30,
                ..
            })
        ),
        "{err:?}"
    );
    let msg = err.map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(
        msg,
        format!("{}:3:30: invalid JSON: trailing comma", path.display())
    );

    fx.write("datajoint.json", r#"{"stores": []}"#)?;
    let msg = Config::discover(&fx.root(), &fx.env())
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        msg,
        Some(format!(
            "{}: \"stores\" must be a JSON object",
            path.display()
        ))
    );
    Ok(())
}

#[test]
fn default_must_name_a_configured_store() -> TestResult {
    for (default, says) in [
        (
            json!({"protocol": "file", "location": "/x"}),
            "stores.default must be the name of a store (a string), not an object",
        ),
        (
            json!(7),
            "stores.default must be the name of a store (a string), not a number",
        ),
        (
            json!("mian"),
            "stores.default names \"mian\", which is not configured (stores: main)",
        ),
    ] {
        let fx = Fixture::new()?;
        fx.mkdir(".git")?;
        let stores = json!({"default": default, "main": {"protocol": "file", "location": "/x"}});
        fx.write("datajoint.json", &json!({ "stores": stores }).to_string())?;
        let err = Config::discover(&fx.root(), &fx.env()).map(|_| ());
        let text = err.map_err(|e| e.to_string()).err().unwrap_or_default();
        assert!(text.contains(says), "{text}");
        assert!(text.contains("datajoint.json"), "names the file: {text}");
    }
    // Unset, null and empty mean no default.
    let (_fx, config) =
        load_stores(json!({"default": "", "main": {"protocol": "file", "location": "/x"}}))?;
    assert_eq!(config.default_store, None);
    Ok(())
}

// ---------- s3 attributes, layout ----------

#[test]
fn s3_endpoint_forms_and_secure_default() -> TestResult {
    let (_fx, config) = load_stores(json!({
        "plain": {"protocol": "s3", "endpoint": "minio:9000", "bucket": "b", "location": "x"},
        "http": {"protocol": "s3", "endpoint": "http://minio:9000", "bucket": "b", "location": "x"},
        "insecure": {"protocol": "s3", "endpoint": "minio:9000", "bucket": "b", "location": "x", "secure": false, "region": "eu-west-1"},
        "upper": {"protocol": "S3", "endpoint": "s3.amazonaws.com", "bucket": "b", "location": null},
    }))?;
    let view = |name: &str| -> Result<serde_json::Value, ConfigError> {
        Ok(config.store(name)?.to_redacted_json())
    };
    let plain = view("plain")?;
    assert_eq!(plain["endpoint"], "minio:9000");
    assert_eq!(plain["endpoint_url"], "https://minio:9000");
    assert_eq!(plain["secure"], true);
    assert_eq!(plain["region"], serde_json::Value::Null);
    let http = view("http")?;
    assert_eq!(http["endpoint_url"], "http://minio:9000");
    assert_eq!(http["secure"], true);
    let insecure = view("insecure")?;
    assert_eq!(insecure["endpoint_url"], "http://minio:9000");
    assert_eq!(insecure["secure"], false);
    assert_eq!(insecure["region"], "eu-west-1");
    let upper = view("upper")?;
    assert_eq!(upper["protocol"], "s3");
    assert_eq!(upper["location"], "");
    Ok(())
}

#[test]
fn token_length_is_clamped() -> TestResult {
    let (_fx, config) = load_stores(json!({
        "short": {"protocol": "file", "location": "/x", "token_length": 2},
        "long": {"protocol": "file", "location": "/x", "token_length": 40},
        "neg": {"protocol": "file", "location": "/x", "token_length": -3},
        "ok": {"protocol": "file", "location": "/x", "token_length": 12},
        "default": "unset",
        "unset": {"protocol": "file", "location": "/x"},
    }))?;
    let len = |name: &str| config.store(name).map(|s| s.layout.token_length).ok();
    assert_eq!(len("short"), Some(4));
    assert_eq!(len("long"), Some(16));
    assert_eq!(len("neg"), Some(4));
    assert_eq!(len("ok"), Some(12));
    assert_eq!(len("unset"), Some(8));
    Ok(())
}

#[test]
fn ad_hoc_stores() -> TestResult {
    let folder = StoreSpec::local_folder(Path::new("some/data"));
    assert_eq!(folder.name, "some/data");
    assert_eq!(folder.origin, Origin::AdHoc);
    assert_eq!(location_of(&folder), Some(Path::new("some/data")));
    assert_eq!(folder.layout.schema_prefix, "_schema");

    let s3 = StoreSpec::from_s3_url("s3://lab-data/arrays/v1")?;
    assert_eq!(s3.name, "s3://lab-data/arrays/v1");
    assert!(matches!(
        &s3.backend,
        Backend::S3 { endpoint: None, bucket, location, access_key: None, secret_key: None, secure: true, region: None }
            if bucket == "lab-data" && location == "arrays/v1"
    ));
    let err = StoreSpec::from_s3_url("https://lab-data/x")
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some(
            r#""https://lab-data/x" is not a usable S3 URL: it does not start with s3:// (expected s3://bucket or s3://bucket/prefix)"#
        )
    );
    Ok(())
}

// ---------- redaction ----------

#[test]
fn secrets_never_leak_into_debug_display_or_json() -> TestResult {
    const PLANTED: [&str; 6] = [
        "PLANTED-ACCESS-7f3a",
        "PLANTED-SECRET-9c1e",
        "PLANTED-TOKEN-42aa",
        "PLANTED-AZKEY-0b0b",
        "PLANTED-CONN-5d5d",
        "PLANTED-FILESECRET-ee11",
    ];
    let fx = Fixture::new()?;
    fx.mkdir(".git")?;
    fx.write(
        "datajoint.json",
        &json!({"stores": {
            "s3": {"protocol": "s3", "endpoint": "minio:9000", "bucket": "b", "location": "",
                   "access_key": PLANTED[0], "secret_key": PLANTED[1]},
            "gcs": {"protocol": "gcs", "bucket": "b", "location": "", "token": PLANTED[2]},
            "az": {"protocol": "azure", "container": "c", "location": "", "account_name": "acct",
                   "account_key": PLANTED[3], "connection_string": PLANTED[4]},
            "half": {"protocol": "s3", "endpoint": "minio:9000", "bucket": "b", "location": "",
                     "access_key": PLANTED[0]},
            "badtype": {"protocol": "s3", "endpoint": "minio:9000", "bucket": "b", "location": "",
                        "secret_key": {"nested": PLANTED[1]}, "access_key": "x"},
            "gcsfile": {"protocol": "gcs", "bucket": "b", "location": ""},
        }})
        .to_string(),
    )?;
    fx.write(".secrets/stores.gcsfile.token", PLANTED[5])?;
    let config = Config::discover(&fx.root(), &fx.env())?;
    assert!(config.store("s3").is_ok() && config.store("gcsfile").is_ok());

    let mut texts = vec![
        format!("{config:?}"),
        format!("{config:#?}"),
        config.to_redacted_json().to_string(),
    ];
    for name in config.store_names() {
        match config.store(&name) {
            Ok(spec) => {
                texts.push(format!("{spec:?}"));
                texts.push(spec.to_redacted_json().to_string());
            }
            Err(err) => {
                texts.push(format!("{err:?}"));
                texts.push(err.to_string());
            }
        }
    }
    let all = texts.join("\n");
    for secret in PLANTED {
        assert!(!all.contains(secret), "{secret} leaked");
    }

    let s3 = config.store("s3")?.to_redacted_json();
    assert_eq!(s3["access_key"], "***");
    assert_eq!(s3["secret_key"], "***");
    let gcsfile = config.store("gcsfile")?.to_redacted_json();
    assert_eq!(gcsfile["token"], "***");
    assert_eq!(gcsfile["secrets_from"], json!(["token"]));
    assert_eq!(gcsfile["origin"]["kind"], "file");
    let az = config.store("az")?.to_redacted_json();
    assert_eq!(az["account_name"], "acct");
    assert_eq!(az["account_key"], "***");
    assert_eq!(az["connection_string"], "***");
    let plain = StoreSpec::from_s3_url("s3://b")?.to_redacted_json();
    assert_eq!(plain["access_key"], serde_json::Value::Null);
    assert_eq!(plain["origin"]["kind"], "ad-hoc");
    // The real values are still there for the client.
    assert_eq!(s3_keys(config.store("s3")?).1.as_deref(), Some(PLANTED[1]));
    Ok(())
}

/// Hostile store settings: whatever a `datajoint.json` holds, the config parser and the store
/// builder answer with a spec or an error, never a panic (an endpoint such as `h:1:2:3` once
/// panicked inside the S3 client).
mod hostile {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use npyscope::config::{Origin, StoreSpec};

    /// Text with the characters that break URLs, ports and paths.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z0-9.:/@\\[\\]%?#_ -]{0,24}",
            Just(String::new()),
            Just("127.0.0.1:99999".to_string()),
            Just(":5066".to_string()),
            Just("h:1:2:3".to_string()),
            Just("http://[::1".to_string()),
            Just("http://u:p@h:9000".to_string()),
            "\\PC{0,12}",
        ]
    }

    /// Any JSON value a user might put where a string belongs.
    fn value() -> impl Strategy<Value = Value> {
        prop_oneof![
            text().prop_map(Value::String),
            any::<i64>().prop_map(|n| json!(n)),
            any::<bool>().prop_map(Value::Bool),
            Just(Value::Null),
            Just(json!([1, "a"])),
            Just(json!({"a": 1})),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn store_settings_never_panic(
            protocol in prop_oneof![Just("s3"), Just("file"), Just("gcs"), Just("azure")],
            endpoint in value(),
            bucket in value(),
            location in value(),
            secure in value(),
            region in value(),
            keys in any::<bool>(),
        ) {
            let mut entry = json!({
                "protocol": protocol,
                "endpoint": endpoint,
                "bucket": bucket,
                "location": location,
                "secure": secure,
                "region": region,
                "container": "c",
            });
            if keys {
                entry["access_key"] = json!("AKID");
                entry["secret_key"] = json!("hostile-secret");
            }
            let dir = std::env::temp_dir();
            if let Ok(spec) = StoreSpec::from_json("hostile", &entry, Origin::Settings, &dir) {
                // Building the client reads nothing from the network; it must not panic.
                if let Err(err) = npyscope::store::open_shared(spec) {
                    prop_assert!(!err.to_string().contains("hostile-secret"));
                }
            }
        }
    }
}
