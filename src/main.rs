//! The `npyscope` binary: parses arguments, builds the tokio runtime, then opens the inspector
//! window (no command) or runs a command.

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use npyscope::cli::{self, Cli};

/// mimalloc, not the system's allocator: a header scan allocates about 60 small buffers per file
/// on every core, and mimalloc cut the time of `ls -r` by 12-21 % (README, Benchmarks).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The arguments; `--version` also names the SIMD level of the min/max loops (as `-V` does not),
/// so a benchmark figure can say which one this machine ran.
fn parse_args() -> Cli {
    let long_version = format!(
        "{} (min/max loops: {})",
        env!("CARGO_PKG_VERSION"),
        npyscope::signal::simd_level()
    );
    let matches = Cli::command().long_version(long_version).get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|err| err.exit())
}

fn main() -> ExitCode {
    npyscope::allocator::configure_mimalloc();
    let cli = parse_args();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("NPYSCOPE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the I/O runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    if (cli.install_desktop || cli.uninstall_desktop) && cli.command.is_some() {
        eprintln!("error: --install-desktop and --uninstall-desktop take no command");
        return ExitCode::from(2);
    }
    if cli.opens_window() {
        let mut options = npyscope::ui::AppOptions::from_process(runtime.handle().clone());
        options.config_file = cli.config.clone();
        options.open = cli.open.clone();
        return match npyscope::ui::run(options) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("error: {}", message_with_causes(&err));
                ExitCode::FAILURE
            }
        };
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let result = runtime.block_on(cli::main(&cli, &mut out));
    let result = result.and_then(|()| out.flush().map_err(anyhow::Error::from));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", message_with_causes(&err));
            ExitCode::FAILURE
        }
    }
}

/// `npyscope ls … | head` closes our stdout early; that is not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The error and its causes, each cause added only when the message does not already say it
/// (many messages include their cause's text).
fn message_with_causes(err: &anyhow::Error) -> String {
    let mut message = err.to_string();
    for cause in err.chain().skip(1) {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
    }
    message
}
