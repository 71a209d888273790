//! What the user points at on the command line: `STORE`, `STORE:PREFIX`, a local folder or
//! file, or `s3://bucket/prefix`, resolved to a store spec and a store-relative path.

use std::path::Path;

use crate::config::{Config, ConfigError, StoreSpec};

/// A store and a path inside it (a prefix to list, or an object).
#[derive(Clone, Debug)]
pub struct Target {
    /// The store to open.
    pub spec: StoreSpec,
    /// Path relative to the store's location (empty for the whole store).
    pub path: String,
}

/// Why a target names nothing usable.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// The config or a named store in it is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Neither a store nor a file or folder.
    #[error(
        "\"{target}\" is not a configured store ({configured}) and no such file or folder exists"
    )]
    Unknown {
        /// The target as given.
        target: String,
        /// The configured store names, or a note that there are none.
        configured: String,
    },
    /// A URL scheme we cannot open without a config entry.
    #[error(
        "\"{target}\": only s3:// URLs can be opened without a config; add a {scheme} store to datajoint.json"
    )]
    UnsupportedUrl {
        /// The target as given.
        target: String,
        /// The URL's scheme.
        scheme: String,
    },
}

/// Resolves a listing target: `STORE`, `STORE:PREFIX`, a local folder, or `s3://bucket/prefix`.
/// A local file resolves to its folder as the store and its name as the path.
pub fn resolve(target: &str, config: &Config) -> Result<Target, TargetError> {
    if let Some((scheme, _)) = target.split_once("://") {
        return match scheme {
            "s3" => Ok(Target {
                spec: StoreSpec::from_s3_url(target)?,
                path: String::new(),
            }),
            "file" => local(Path::new(&target["file://".len()..]), target, config),
            other => Err(TargetError::UnsupportedUrl {
                target: target.to_string(),
                scheme: other.to_string(),
            }),
        };
    }
    let (name, path) = target.split_once(':').unwrap_or((target, ""));
    if config.store_names().iter().any(|n| n == name) {
        return Ok(Target {
            spec: config.store(name)?.clone(),
            path: path.trim_matches('/').to_string(),
        });
    }
    local(Path::new(target), target, config)
}

/// A local path inside a DataJoint store (below a `_schema` folder) opens the whole store, so
/// its objects keep their schema, table and key; any other path opens as it is.
fn local_in_store(path: &Path) -> Option<Target> {
    let schema_prefix = crate::config::LayoutSettings::default().schema_prefix;
    let ancestor = path
        .ancestors()
        .find(|a| a.file_name().is_some_and(|n| n == schema_prefix.as_str()))?;
    let root = match ancestor.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let rest = path.strip_prefix(root).ok()?;
    let parts: Vec<String> = rest
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(Target {
        spec: StoreSpec::local_folder(root),
        path: parts.join("/"),
    })
}

fn local(path: &Path, target: &str, config: &Config) -> Result<Target, TargetError> {
    if path.exists()
        && let Some(target) = local_in_store(path)
    {
        return Ok(target);
    }
    if path.is_dir() {
        return Ok(Target {
            spec: StoreSpec::local_folder(path),
            path: String::new(),
        });
    }
    if path.is_file() {
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        return Ok(Target {
            spec: StoreSpec::local_folder(folder),
            path: name,
        });
    }
    // `name:path` with an unknown store name: say which stores exist.
    if let Some((name, _)) = target.split_once(':')
        && !name.is_empty()
        && !name.contains('/')
    {
        config.store(name)?;
    }
    let names = config.store_names();
    Err(TargetError::Unknown {
        target: target.to_string(),
        configured: if names.is_empty() {
            "no stores are configured".to_string()
        } else {
            format!("configured: {}", names.join(", "))
        },
    })
}
