//! The command line: `stores`, `ls`, `info`. Each command prints to stdout and returns an
//! error only when the target itself cannot be used (a broken object is a row, not a failure).

mod cache;
mod db;
mod format;
mod get;
mod info;
mod ls;
mod retries;
mod stores;

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::{Config, ConfigEnv};

/// npyscope — see the NumPy arrays your DataJoint pipelines keep in object stores.
#[derive(Debug, Parser)]
#[command(
    name = "npyscope",
    version,
    about,
    long_about = None
)]
pub struct Cli {
    /// Use this datajoint.json instead of searching the current folder and its parents
    /// (before or after the command).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// What to do; without a command, npyscope opens the inspector window.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// A local folder or .npy file, or STORE:PATH, to open in the window (without a command).
    #[arg(value_name = "PATH")]
    pub open: Option<PathBuf>,

    /// Linux: add npyscope to the desktop's applications and make it open .npy files (writes
    /// only under ~/.local/share and, through xdg-mime, ~/.config/mimeapps.list), then exit.
    #[arg(long, exclusive = true)]
    pub install_desktop: bool,

    /// Linux: remove what --install-desktop wrote, then exit.
    #[arg(long, exclusive = true)]
    pub uninstall_desktop: bool,
}

impl Cli {
    /// Whether this run opens the window (no command, no desktop action).
    pub fn opens_window(&self) -> bool {
        self.command.is_none() && !self.install_desktop && !self.uninstall_desktop
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the listing of the built-in demo store (made on first use).
    Demo,
    /// List the configured stores: name, protocol, where they point, where they were configured.
    Stores {
        /// One JSON object per store and line (secrets masked).
        #[arg(long)]
        json: bool,
    },
    /// List .npy arrays with shape, dtype and size, reading only their headers.
    Ls {
        /// STORE, STORE:PREFIX, a local folder, or s3://bucket/prefix.
        target: String,
        /// Every .npy object below the target, not just one level.
        #[arg(short, long)]
        recursive: bool,
        /// One JSON object per .npy object and line.
        #[arg(long)]
        json: bool,
        /// Print request counts and timing to stderr when done.
        #[arg(long)]
        stats: bool,
    },
    /// Write an array, a window of its rows or one field as .npy or CSV.
    Get {
        /// STORE:PATH, a local .npy file, or s3://bucket/key.
        target: String,
        /// Output file, .npy or .csv (default: the object's file name here).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Only these rows, A:B like a Python slice (axis 0; the last axis of Fortran-order arrays).
        #[arg(long, value_name = "A:B", allow_hyphen_values = true)]
        rows: Option<String>,
        /// One field of a structured array (nested: outer.inner).
        #[arg(long, value_name = "NAME")]
        field: Option<String>,
        /// Memory-map the file (local) or a cached copy (remote) instead of reading into memory.
        #[arg(long)]
        mmap: bool,
        /// Overwrite the output file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Show, clear or trim the download cache of remote arrays.
    Cache {
        /// What to do with the cache.
        #[command(subcommand)]
        action: cache::CacheAction,
    },
    /// The DataJoint database (read-only): schemas, tables, rows, one cell's array.
    Db {
        /// What to read.
        #[command(subcommand)]
        action: db::DbAction,
    },
    /// Show one array's full metadata, reading only its header.
    Info {
        /// STORE:PATH, a local .npy file, or s3://bucket/key.
        target: String,
        /// One JSON object, as `ls --json` prints it.
        #[arg(long)]
        json: bool,
    },
}

/// Loads the config the way DataJoint does, or from `--config`.
pub fn load_config(
    explicit: Option<&std::path::Path>,
) -> Result<Config, crate::config::ConfigError> {
    let env = ConfigEnv::from_process();
    match explicit {
        Some(path) => Config::from_file(path, &env),
        None => {
            let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
            Config::discover(&cwd, &env)
        }
    }
}

/// Runs one subcommand, writing its output to `out`.
pub async fn run(cli: &Cli, command: &Command, out: &mut dyn Write) -> anyhow::Result<()> {
    match command {
        Command::Demo => demo(out).await,
        Command::Stores { json } => {
            let config = load_config(cli.config.as_deref())?;
            stores::run(&config, *json, out)
        }
        Command::Ls {
            target,
            recursive,
            json,
            stats,
        } => {
            let config = config_for_target(cli, target)?;
            ls::run(&config, target, *recursive, *json, *stats, out).await
        }
        Command::Get {
            target,
            output,
            rows,
            field,
            mmap,
            force,
        } => {
            let config = config_for_target(cli, target)?;
            let args = get::GetArgs {
                target: target.clone(),
                output: output.clone(),
                rows: rows.clone(),
                field: field.clone(),
                mmap: *mmap,
                force: *force,
            };
            get::run(&config, &args, out).await
        }
        Command::Cache { action } => {
            let cache = crate::cache::Cache::open(None, None)?;
            cache::run(&cache, action, out)
        }
        Command::Db { action } => {
            let config = load_config(cli.config.as_deref())?;
            db::run(&config, action, out).await
        }
        Command::Info { target, json } => {
            let config = config_for_target(cli, target)?;
            info::run(&config, target, *json, out).await
        }
    }
}

/// The config for a command on `target`. A broken `datajoint.json` does not stop commands on
/// a local path or an `s3://` URL, which need no config; it stops everything else.
fn config_for_target(cli: &Cli, target: &str) -> anyhow::Result<Config> {
    match load_config(cli.config.as_deref()) {
        Ok(config) => Ok(config),
        Err(err) if target.contains("://") || std::path::Path::new(target).exists() => {
            tracing::warn!("ignoring the config: {err}");
            Ok(Config::default())
        }
        Err(err) => Err(err.into()),
    }
}

/// `npyscope demo`: makes the demo store if needed and lists it.
async fn demo(out: &mut dyn Write) -> anyhow::Result<()> {
    let folder = crate::demo::ensure_demo_store()?;
    let target = folder.to_string_lossy().into_owned();
    writeln!(out, "Demo store: {target}")?;
    writeln!(
        out,
        "(`npyscope` without a command opens it in the inspector window; `npyscope --help` lists the commands)"
    )?;
    ls::run(&Config::default(), &target, true, false, false, out).await
}

/// The binary's entry for a subcommand or a desktop action; without either the binary opens
/// the window instead.
pub async fn main(cli: &Cli, out: &mut dyn Write) -> anyhow::Result<()> {
    if cli.install_desktop || cli.uninstall_desktop {
        return desktop(cli.install_desktop, out);
    }
    match &cli.command {
        Some(command) => run(cli, command, out).await,
        None => demo(out).await,
    }
}

/// `--install-desktop` / `--uninstall-desktop`: the desktop entry in the user's data folder.
fn desktop(install: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    let data = crate::desktop::data_home()
        .ok_or_else(|| anyhow::anyhow!("no home folder to install the desktop entry in"))?;
    let done = if install {
        let exe = std::env::current_exe()?;
        crate::desktop::install(&data, &exe)?
    } else {
        crate::desktop::uninstall(&data)?
    };
    for line in done {
        writeln!(out, "{line}")?;
    }
    Ok(())
}
