//! Finding `datajoint.json` and the secrets folder, with DataJoint's exact rules
//! (`find_config_file` / `find_secrets_dir` in datajoint-python's `settings.py`).

use std::path::{Path, PathBuf};

/// The config file's name.
pub const CONFIG_FILENAME: &str = "datajoint.json";
/// The project secrets folder's name, beside `datajoint.json`.
pub const SECRETS_DIRNAME: &str = ".secrets";

/// Searches `start` and its parents for `datajoint.json`.
///
/// Like DataJoint: the start folder is resolved (symlinks, `..`) first; each folder is checked
/// for the file *before* the boundary test, so a `datajoint.json` at the repository root is
/// found, and the search stops after a folder holding `.git` or `.hg` (file or folder) or at
/// the filesystem root.
pub fn find_config_file(start: &Path) -> Option<PathBuf> {
    let mut current = resolve(start);
    loop {
        let candidate = current.join(CONFIG_FILENAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        if current.join(".git").exists() || current.join(".hg").exists() {
            return None;
        }
        if !current.pop() {
            return None;
        }
    }
}

/// The secrets folder DataJoint uses: `.secrets/` beside the config file when that is a
/// folder, else the system folder when that is a folder. Only one of them is ever read.
pub fn find_secrets_dir(config_path: Option<&Path>, system_dir: Option<&Path>) -> Option<PathBuf> {
    if let Some(project) = config_path
        .and_then(Path::parent)
        .map(|dir| dir.join(SECRETS_DIRNAME))
        .filter(|dir| dir.is_dir())
    {
        return Some(project);
    }
    system_dir.filter(|dir| dir.is_dir()).map(Path::to_path_buf)
}

/// `Path.resolve()` without the strictness: canonical when the folder exists, else as given
/// (callers make it absolute against their working folder first).
fn resolve(start: &Path) -> PathBuf {
    start.canonicalize().unwrap_or_else(|_| start.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_in_start_folder_before_boundary() -> std::io::Result<()> {
        let root = tempfile::tempdir()?;
        std::fs::create_dir(root.path().join(".git"))?;
        std::fs::write(root.path().join(CONFIG_FILENAME), "{}")?;
        let found = find_config_file(root.path());
        assert_eq!(
            found,
            Some(root.path().canonicalize()?.join(CONFIG_FILENAME))
        );
        Ok(())
    }

    #[test]
    fn project_secrets_shadow_system_dir() -> std::io::Result<()> {
        let root = tempfile::tempdir()?;
        let system = root.path().join("system");
        std::fs::create_dir(&system)?;
        let config = root.path().join("p").join(CONFIG_FILENAME);
        assert_eq!(
            find_secrets_dir(Some(&config), Some(&system)),
            Some(system.clone())
        );
        std::fs::create_dir_all(root.path().join("p").join(SECRETS_DIRNAME))?;
        assert_eq!(
            find_secrets_dir(Some(&config), Some(&system)),
            Some(root.path().join("p").join(SECRETS_DIRNAME))
        );
        assert_eq!(
            find_secrets_dir(None, Some(&root.path().join("absent"))),
            None
        );
        Ok(())
    }
}
