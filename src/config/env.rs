//! [`ConfigEnv`]: everything config loading takes from the process, gathered in one place so
//! that the loader itself never reads environment variables (tests pass their own).

use std::path::{Path, PathBuf};

use super::database::DatabaseEnv;

/// DataJoint's system-wide secrets folder (Docker/Kubernetes secrets).
pub const SYSTEM_SECRETS_DIR: &str = "/run/secrets/datajoint";

/// An environment variable that holds a value npyscope cannot use; reported when loading.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvProblem {
    /// The variable.
    pub var: &'static str,
    /// What is wrong with it (never the value of a secret).
    pub problem: String,
}

/// The process inputs of config loading: environment variables and folders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigEnv {
    /// `DJ_STORES`: a JSON object of stores that replaces the file's stores block. Empty = unset.
    pub dj_stores: Option<String>,
    /// `DJ_IGNORE_CONFIG_FILE`: skip `datajoint.json` discovery and every secrets folder.
    pub ignore_config_file: bool,
    /// The system secrets folder (`/run/secrets/datajoint`); `None` disables it.
    pub system_secrets_dir: Option<PathBuf>,
    /// The working folder: where discovery starts by default and what a relative `file`
    /// location is relative to (as in DataJoint, which opens such paths from its cwd).
    pub working_dir: PathBuf,
    /// A variable that could not be used; loading a config then fails with it (as importing
    /// DataJoint does).
    pub problem: Option<EnvProblem>,
    /// The `DJ_*` database variables (`DJ_HOST`, `DJ_PASS`, …).
    pub database: DatabaseEnv,
}

impl ConfigEnv {
    /// Reads `DJ_STORES`, `DJ_IGNORE_CONFIG_FILE` and the working folder from this process.
    /// A bad value is kept in [`ConfigEnv::problem`] and reported by the loader.
    pub fn from_process() -> ConfigEnv {
        let mut problem = None;
        let dj_stores = match std::env::var("DJ_STORES") {
            Ok(value) => Some(value),
            Err(std::env::VarError::NotPresent) => None,
            Err(std::env::VarError::NotUnicode(_)) => {
                problem = Some(EnvProblem {
                    var: "DJ_STORES",
                    problem: "is not valid UTF-8".to_string(),
                });
                None
            }
        };
        let ignore_config_file = match std::env::var("DJ_IGNORE_CONFIG_FILE") {
            Ok(value) => parse_env_bool(&value).unwrap_or_else(|| {
                problem = Some(EnvProblem {
                    var: "DJ_IGNORE_CONFIG_FILE",
                    problem: format!(
                        "must be true or false (1/0, yes/no, on/off, t/f, y/n), not \"{}\"",
                        value.escape_debug()
                    ),
                });
                false
            }),
            Err(std::env::VarError::NotPresent) => false,
            Err(std::env::VarError::NotUnicode(_)) => {
                problem = Some(EnvProblem {
                    var: "DJ_IGNORE_CONFIG_FILE",
                    problem: "is not valid UTF-8".to_string(),
                });
                false
            }
        };
        let working_dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        ConfigEnv {
            dj_stores,
            ignore_config_file,
            system_secrets_dir: Some(PathBuf::from(SYSTEM_SECRETS_DIR)),
            working_dir,
            problem,
            database: DatabaseEnv::from_process(),
        }
    }

    /// An environment with no DataJoint variables and no system secrets folder, working in `dir`.
    pub fn isolated(working_dir: &Path) -> ConfigEnv {
        ConfigEnv {
            dj_stores: None,
            ignore_config_file: false,
            system_secrets_dir: None,
            working_dir: working_dir.to_path_buf(),
            problem: None,
            database: DatabaseEnv::default(),
        }
    }
}

/// Parses a boolean environment value the way pydantic (DataJoint's settings) does:
/// case-insensitive `1 true t yes y on` / `0 false f no n off`. An empty value counts as
/// false (pydantic would reject it; treating it as unset is kinder). `None` = not a boolean.
pub fn parse_env_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "t" | "yes" | "y" | "on" => Some(true),
        "0" | "false" | "f" | "no" | "n" | "off" | "" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::parse_env_bool;

    #[test]
    fn pydantic_bool_spellings() {
        for yes in [
            "true", "True", "TRUE", "1", "t", "yes", "Y", "on", " true\n",
        ] {
            assert_eq!(parse_env_bool(yes), Some(true), "{yes:?}");
        }
        for no in ["false", "False", "0", "f", "no", "n", "OFF", ""] {
            assert_eq!(parse_env_bool(no), Some(false), "{no:?}");
        }
        for bad in ["2", "maybe", "tru", "yess"] {
            assert_eq!(parse_env_bool(bad), None, "{bad:?}");
        }
    }
}
