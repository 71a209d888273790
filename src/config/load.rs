//! [`Config`]: the stores of a DataJoint configuration, loaded the way datajoint-python 2.x
//! loads them (`_create_config` in `settings.py`):
//!
//! 1. `datajoint.json` (found by [`find_config_file`] or given explicitly): its `"stores"`
//!    block, flat `"stores.<name>.<attr>"` keys, and, for files written from older docs,
//!    `"object_storage": {"stores": …}`.
//! 2. `DJ_STORES`, when set, replaces the whole stores block (store names included).
//! 3. Secret files `stores.<name>.<attr>` fill attributes that are still absent.
//!
//! Each store is then validated on its own; an invalid store keeps its error in the map.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::database::{self, DatabaseSpec, DatabaseSpecError, RawDatabase};
use super::discover::{find_config_file, find_secrets_dir};
use super::env::ConfigEnv;
use super::error::{ConfigError, StoreSpecError, json_error_parts};
use super::parse::{KeyCheck, parse_store};
use super::secrets::read_store_secrets;
use super::spec::{Origin, StoreSpec};

/// Entries of a stores block that name stores instead of defining them.
const RESERVED: [&str; 2] = ["default", "filepath_default"];

/// The stores of a DataJoint configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// The `datajoint.json` that was read, if any.
    pub path: Option<PathBuf>,
    /// The secrets folder that was read, if any.
    pub secrets_dir: Option<PathBuf>,
    /// Every configured store by name: its validated spec, or why it cannot be used.
    pub stores: BTreeMap<String, Result<StoreSpec, StoreSpecError>>,
    /// `stores.default`: the store of `<npy@>` and other attributes without `@name`.
    pub default_store: Option<String>,
    /// `stores.filepath_default`: the store of `<filepath@>` attributes without a name.
    pub filepath_default: Option<String>,
    /// Things in the config that were ignored, for the user to see (never holds secrets).
    pub warnings: Vec<String>,
    /// The DataJoint database: `None` when nothing configures one, else its settings or why
    /// they cannot be used.
    pub database: Option<Result<DatabaseSpec, DatabaseSpecError>>,
}

impl Config {
    /// Finds `datajoint.json` from `start_dir` upward (DataJoint's rule) and loads it with
    /// `DJ_STORES` and secrets. No file is not an error; `DJ_IGNORE_CONFIG_FILE` skips the file
    /// and all secrets. A relative `start_dir` is taken relative to `env.working_dir`.
    pub fn discover(start_dir: &Path, env: &ConfigEnv) -> Result<Config, ConfigError> {
        if env.ignore_config_file {
            tracing::debug!("DJ_IGNORE_CONFIG_FILE is set: no datajoint.json, no secrets");
            return build(None, env, false);
        }
        let start = env.working_dir.join(start_dir);
        let path = find_config_file(&start);
        match &path {
            Some(found) => tracing::debug!("using config {}", found.display()),
            None => tracing::debug!("no datajoint.json above {}", start.display()),
        }
        build(path, env, true)
    }

    /// Loads an explicit config file (`--config FILE`), which must exist, with `DJ_STORES` and
    /// the secrets beside it. An explicit file is read even when `DJ_IGNORE_CONFIG_FILE` is set.
    pub fn from_file(path: &Path, env: &ConfigEnv) -> Result<Config, ConfigError> {
        build(Some(env.working_dir.join(path)), env, true)
    }

    /// [`Config::from_file`] for an explicit path, else [`Config::discover`] from the working
    /// folder: what the CLI and the GUI do at start.
    pub fn load(explicit: Option<&Path>, env: &ConfigEnv) -> Result<Config, ConfigError> {
        match explicit {
            Some(path) => Config::from_file(path, env),
            None => Config::discover(&env.working_dir, env),
        }
    }

    /// The named store, or why it cannot be used (not configured, or invalid).
    pub fn store(&self, name: &str) -> Result<&StoreSpec, ConfigError> {
        match self.stores.get(name) {
            Some(Ok(spec)) => Ok(spec),
            Some(Err(err)) => Err(ConfigError::Store(err.clone())),
            None => Err(ConfigError::NotConfigured {
                name: name.to_string(),
                configured: self.stores.keys().cloned().collect(),
            }),
        }
    }

    /// The store named by `stores.default`.
    pub fn default_store_spec(&self) -> Result<&StoreSpec, ConfigError> {
        match &self.default_store {
            Some(name) => self.store(name),
            None => Err(ConfigError::NoDefault),
        }
    }

    /// Names of all configured stores, valid or not, sorted.
    pub fn store_names(&self) -> Vec<String> {
        self.stores.keys().cloned().collect()
    }

    /// The valid stores, sorted by name.
    pub fn valid_stores(&self) -> impl Iterator<Item = &StoreSpec> {
        self.stores.values().filter_map(|entry| entry.as_ref().ok())
    }

    /// Adds (or replaces) a store, e.g. an ad-hoc folder or `s3://` URL.
    pub fn insert(&mut self, spec: StoreSpec) {
        self.stores.insert(spec.name.clone(), Ok(spec));
    }

    /// The whole config as JSON for `npyscope stores --json`: secrets redacted, invalid stores
    /// as `{"name", "error"}`.
    pub fn to_redacted_json(&self) -> Value {
        let stores: Vec<Value> = self
            .stores
            .iter()
            .map(|(name, entry)| match entry {
                Ok(spec) => spec.to_redacted_json(),
                Err(err) => json!({"name": name, "error": err.to_string()}),
            })
            .collect();
        json!({
            "path": self.path.as_ref().map(|p| p.to_string_lossy()),
            "secrets_dir": self.secrets_dir.as_ref().map(|p| p.to_string_lossy()),
            "default": self.default_store,
            "filepath_default": self.filepath_default,
            "stores": stores,
            "warnings": self.warnings,
        })
    }
}

/// One store entry before validation.
struct RawEntry {
    value: Value,
    origin: Origin,
    keys: KeyCheck,
    secrets_from: Vec<String>,
    secret_error: Option<StoreSpecError>,
}

impl RawEntry {
    fn new(value: Value, origin: Origin, keys: KeyCheck) -> RawEntry {
        RawEntry {
            value,
            origin,
            keys,
            secrets_from: Vec::new(),
            secret_error: None,
        }
    }
}

/// The stores block before validation.
#[derive(Default)]
struct RawStores {
    entries: BTreeMap<String, RawEntry>,
    default: Option<Value>,
    filepath_default: Option<Value>,
}

impl RawStores {
    /// Takes the entries of a `stores` block (later entries replace earlier ones by name).
    fn merge_block(&mut self, block: Map<String, Value>, origin: &Origin) {
        for (name, value) in block {
            match name.as_str() {
                "default" => self.default = Some(value),
                "filepath_default" => self.filepath_default = Some(value),
                _ => {
                    self.entries
                        .insert(name, RawEntry::new(value, origin.clone(), KeyCheck::Strict));
                }
            }
        }
    }
}

/// Runs the whole pipeline for an (optional) config file.
fn build(
    config_path: Option<PathBuf>,
    env: &ConfigEnv,
    use_secrets: bool,
) -> Result<Config, ConfigError> {
    if let Some(problem) = &env.problem {
        return Err(ConfigError::BadEnv {
            var: problem.var,
            problem: problem.problem.clone(),
        });
    }
    let mut warnings = Vec::new();
    let (mut raw, raw_database) = match &config_path {
        Some(path) => read_file(path, &mut warnings)?,
        None => (RawStores::default(), RawDatabase::default()),
    };

    let mut stores_from_env = false;
    if let Some(text) = env.dj_stores.as_deref().filter(|t| !t.trim().is_empty()) {
        let value: Value = serde_json::from_str(text).map_err(|err| ConfigError::DjStoresJson {
            message: err.to_string(),
        })?;
        let Value::Object(block) = value else {
            return Err(ConfigError::DjStoresNotObject);
        };
        raw = RawStores::default();
        raw.merge_block(block, &Origin::Env);
        stores_from_env = true;
        tracing::debug!("stores replaced by DJ_STORES");
    }

    let secrets_dir = if use_secrets {
        find_secrets_dir(config_path.as_deref(), env.system_secrets_dir.as_deref())
    } else {
        None
    };
    if let Some(dir) = &secrets_dir {
        apply_secrets(dir, &mut raw)?;
    }
    let database = database::resolve(&raw_database, &env.database, secrets_dir.as_deref());

    let source_name = if stores_from_env {
        "DJ_STORES".to_string()
    } else {
        config_path
            .as_ref()
            .map_or_else(|| "the config".to_string(), |p| p.display().to_string())
    };
    let names: Vec<&str> = raw.entries.keys().map(String::as_str).collect();
    let default_store = store_name_entry(raw.default, "default", &source_name, &names)?;
    let filepath_default = store_name_entry(
        raw.filepath_default,
        "filepath_default",
        &source_name,
        &names,
    )?;
    let stores = raw
        .entries
        .into_iter()
        .map(|(name, entry)| {
            let spec = match entry.secret_error {
                Some(err) => Err(err),
                None => parse_store(
                    &name,
                    &entry.value,
                    entry.origin,
                    entry.secrets_from,
                    &env.working_dir,
                    entry.keys,
                ),
            };
            (name, spec)
        })
        .collect();
    Ok(Config {
        path: config_path,
        secrets_dir,
        stores,
        default_store,
        filepath_default,
        warnings,
        database,
    })
}

/// Reads the stores and the database settings of one `datajoint.json`.
fn read_file(
    path: &Path,
    warnings: &mut Vec<String>,
) -> Result<(RawStores, RawDatabase), ConfigError> {
    let bytes = std::fs::read(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let top: Value = serde_json::from_slice(&bytes).map_err(|err| {
        let (message, line, column) = json_error_parts(&err);
        ConfigError::InvalidJson {
            path: path.to_path_buf(),
            line,
            column,
            message,
        }
    })?;
    let Value::Object(top) = top else {
        return Err(ConfigError::NotAnObject {
            path: path.to_path_buf(),
            what: "the top level",
        });
    };
    let origin = Origin::File(path.to_path_buf());
    let mut raw = RawStores::default();
    let mut database = RawDatabase {
        file: Some(path.to_path_buf()),
        ..RawDatabase::default()
    };
    let mut legacy = None;
    // In file order, as DataJoint's `_update_from_flat_dict` applies them.
    for (key, value) in top {
        if database.take_key(&key, &value, warnings) {
            continue;
        }
        if key == "stores" {
            let Value::Object(block) = value else {
                return Err(ConfigError::NotAnObject {
                    path: path.to_path_buf(),
                    what: "\"stores\"",
                });
            };
            raw.merge_block(block, &origin);
        } else if key == "object_storage" {
            legacy = Some(value);
        } else if key.starts_with("stores.") {
            apply_flat_key(&key, value, &origin, &mut raw, warnings);
        }
    }
    if let Some(legacy) = legacy {
        apply_legacy(legacy, &origin, &mut raw, warnings);
    }
    Ok((raw, database))
}

/// A flat `"stores.<name>.<attr>": value` key (DataJoint accepts these at the top level).
fn apply_flat_key(
    key: &str,
    value: Value,
    origin: &Origin,
    raw: &mut RawStores,
    warnings: &mut Vec<String>,
) {
    let parts: Vec<&str> = key.split('.').collect();
    let [_, name, attr] = parts.as_slice() else {
        warnings.push(format!(
            "\"{key}\" is ignored (DataJoint reads only \"stores.<name>.<attribute>\" keys; \
             put store names and settings in the \"stores\" block)"
        ));
        return;
    };
    if RESERVED.contains(name) {
        warnings.push(format!(
            "\"{key}\" is ignored: \"{name}\" names a store; set it in the \"stores\" block"
        ));
        return;
    }
    let entry = raw.entries.entry((*name).to_string()).or_insert_with(|| {
        RawEntry::new(Value::Object(Map::new()), origin.clone(), KeyCheck::Strict)
    });
    match &mut entry.value {
        Value::Object(obj) => {
            obj.insert((*attr).to_string(), value);
        }
        _ => warnings.push(format!(
            "\"{key}\" is ignored: store \"{name}\" is not a JSON object"
        )),
    }
}

/// The `object_storage` block of DataJoint 2.0 pre-releases (and older docs). Released
/// DataJoint ignores it; npyscope reads its `stores` (names already in `"stores"` win), its
/// `default_store`, and the `partition_pattern` / `token_length` its stores inherited.
fn apply_legacy(legacy: Value, origin: &Origin, raw: &mut RawStores, warnings: &mut Vec<String>) {
    let Value::Object(block) = legacy else {
        warnings.push("\"object_storage\" is not a JSON object; ignored".to_string());
        return;
    };
    if block.contains_key("protocol") {
        warnings.push(
            "\"object_storage.protocol\" (the unnamed store of DataJoint 2.0 pre-releases) is \
             not supported; define the store under \"stores\" with a name"
                .to_string(),
        );
    }
    let inherited: Vec<(&str, Value)> = ["partition_pattern", "token_length"]
        .into_iter()
        .filter_map(|attr| {
            block
                .get(attr)
                .filter(|v| is_truthy(v))
                .map(|v| (attr, v.clone()))
        })
        .collect();
    match block.get("stores") {
        Some(Value::Object(stores)) => {
            for (name, value) in stores {
                if RESERVED.contains(&name.as_str()) {
                    warnings.push(format!(
                        "\"object_storage.stores.{name}\" is ignored: \"{name}\" is reserved"
                    ));
                    continue;
                }
                if raw.entries.contains_key(name) {
                    warnings.push(format!(
                        "store \"{name}\" is in both \"stores\" and \"object_storage.stores\"; \
                         using \"stores\""
                    ));
                    continue;
                }
                let mut value = value.clone();
                if let Value::Object(obj) = &mut value {
                    for (attr, inherited_value) in &inherited {
                        if !obj.get(*attr).is_some_and(is_truthy) {
                            obj.insert((*attr).to_string(), inherited_value.clone());
                        }
                    }
                }
                raw.entries.insert(
                    name.clone(),
                    RawEntry::new(value, origin.clone(), KeyCheck::Lenient),
                );
            }
        }
        None | Some(Value::Null) => {}
        Some(_) => warnings.push("\"object_storage.stores\" is not a JSON object; ignored".into()),
    }
    if raw.default.is_none()
        && let Some(name) = block.get("default_store")
    {
        raw.default = Some(name.clone());
    }
}

/// Python truthiness of a JSON value (what `x or y` tests).
fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// Fills absent attributes from the `stores.<name>.<attr>` files of `dir`. Like DataJoint, a
/// secret for a store that is not configured creates that store.
fn apply_secrets(dir: &Path, raw: &mut RawStores) -> Result<(), ConfigError> {
    for secret in read_store_secrets(dir)? {
        if RESERVED.contains(&secret.store.as_str()) {
            continue;
        }
        let entry = raw.entries.entry(secret.store.clone()).or_insert_with(|| {
            RawEntry::new(
                Value::Object(Map::new()),
                Origin::Secrets(dir.to_path_buf()),
                KeyCheck::Strict,
            )
        });
        let Value::Object(obj) = &mut entry.value else {
            continue;
        };
        if obj.contains_key(&secret.attr) {
            continue;
        }
        match secret.value {
            Ok(value) => {
                obj.insert(secret.attr.clone(), Value::String(value));
                entry.secrets_from.push(secret.attr);
            }
            Err(message) => {
                entry.secret_error = Some(StoreSpecError::SecretUnreadable {
                    store: secret.store,
                    path: secret.path,
                    message,
                });
            }
        }
    }
    Ok(())
}

/// `stores.default` / `stores.filepath_default`: the name of one of the configured `stores`,
/// or an error naming the key and where it was set.
fn store_name_entry(
    value: Option<Value>,
    key: &'static str,
    source_name: &str,
    stores: &[&str],
) -> Result<Option<String>, ConfigError> {
    let error = |problem: String| ConfigError::BadStoreName {
        key,
        source_name: source_name.to_string(),
        problem,
    };
    let configured = if stores.is_empty() {
        "no stores are configured".to_string()
    } else {
        format!("stores: {}", stores.join(", "))
    };
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(name)) if name.trim().is_empty() => Ok(None),
        Some(Value::String(name)) if stores.contains(&name.as_str()) => Ok(Some(name)),
        Some(Value::String(name)) => Err(error(format!(
            "names \"{name}\", which is not configured ({configured}); fix the name or add the store"
        ))),
        Some(other) => Err(error(format!(
            "must be the name of a store (a string), not {}; e.g. \"{key}\": \"{}\"",
            json_kind(&other),
            stores.first().copied().unwrap_or("main")
        ))),
    }
}

/// What kind of JSON value `value` is, for messages (never its content: it may be a secret).
fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}
