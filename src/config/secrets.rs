//! Reading per-store secret files (`stores.<name>.<attr>`) from a secrets folder, as
//! DataJoint's `Config._load_secrets` does.

use std::path::{Path, PathBuf};

use super::error::ConfigError;

/// One `stores.<store>.<attr>` file of a secrets folder.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct SecretFile {
    /// The store the file is for.
    pub store: String,
    /// The attribute it fills.
    pub attr: String,
    /// The file itself.
    pub path: PathBuf,
    /// Its content with surrounding whitespace removed, or why it could not be read.
    pub value: Result<String, String>,
}

impl std::fmt::Debug for SecretFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretFile")
            .field("store", &self.store)
            .field("attr", &self.attr)
            .field("path", &self.path)
            .field("value", &self.value.as_ref().map(|_| "***"))
            .finish()
    }
}

/// Lists the store secrets of `dir`, sorted by file name.
///
/// Like DataJoint: only regular files (symlinks followed) whose names do not start with `.`
/// and split on `.` into exactly `stores`, a store name and an attribute; the content is
/// stripped of leading and trailing whitespace (Python's `str.strip()`).
pub(crate) fn read_store_secrets(dir: &Path) -> Result<Vec<SecretFile>, ConfigError> {
    let entries = std::fs::read_dir(dir).map_err(|source| ConfigError::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| ConfigError::Read {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if name.starts_with('.') || !path.is_file() {
            continue;
        }
        let parts: Vec<&str> = name.split('.').collect();
        let [group, store, attr] = parts.as_slice() else {
            continue;
        };
        if *group != "stores" {
            continue;
        }
        let value = std::fs::read_to_string(&path)
            .map(|text| text.trim().to_string())
            .map_err(|err| err.to_string());
        found.push(SecretFile {
            store: (*store).to_string(),
            attr: (*attr).to_string(),
            path,
            value,
        });
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_only_store_secrets() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        std::fs::write(dir.path().join("stores.main.secret_key"), "  s3cr3t\n")?;
        std::fs::write(dir.path().join("database.password"), "pw")?;
        std::fs::write(dir.path().join("stores.a.b.c"), "x")?;
        std::fs::write(dir.path().join(".stores.hidden.key"), "x")?;
        std::fs::create_dir(dir.path().join("stores.dir.attr"))?;
        let found = read_store_secrets(dir.path())?;
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].store, "main");
        assert_eq!(found[0].attr, "secret_key");
        assert_eq!(found[0].value, Ok("s3cr3t".to_string()));
        assert!(!format!("{found:?}").contains("s3cr3t"));
        Ok(())
    }
}
