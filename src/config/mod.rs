//! DataJoint configuration: `datajoint.json` discovery, `DJ_STORES`, secrets → [`StoreSpec`], and the
//! database settings → [`DatabaseSpec`].
//!
//! Loading follows datajoint-python 2.x (`settings.py`, `storage.py`); [`ConfigEnv`] carries
//! every process input so the loader never reads the environment itself.

mod database;
mod discover;
mod env;
mod error;
mod load;
mod parse;
mod secrets;
mod spec;

pub use database::{DatabaseEnv, DatabaseSpec, DatabaseSpecError, DbBackend};
pub use discover::{CONFIG_FILENAME, SECRETS_DIRNAME, find_config_file, find_secrets_dir};
pub use env::{ConfigEnv, EnvProblem, SYSTEM_SECRETS_DIR, parse_env_bool};
pub use error::{ConfigError, StoreSpecError};
pub use load::Config;
pub use parse::endpoint_url;
pub use spec::{Backend, LayoutSettings, Origin, Secret, StoreSpec};
