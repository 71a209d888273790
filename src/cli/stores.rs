//! `npyscope stores`: the configured stores, where they point and where they came from.

use std::io::Write;

use super::format;
use crate::config::{Backend, Config, StoreSpec};

/// Where a store points, for the table: a folder, `s3://bucket/location @ endpoint`, ….
fn where_it_points(spec: &StoreSpec) -> String {
    let join = |base: String, location: &str| {
        let location = location.trim_matches('/');
        if location.is_empty() {
            base
        } else {
            format!("{base}/{location}")
        }
    };
    match &spec.backend {
        Backend::File { location } => location.display().to_string(),
        Backend::S3 {
            endpoint,
            bucket,
            location,
            ..
        } => {
            let url = join(format!("s3://{bucket}"), location);
            match endpoint {
                Some(endpoint) => format!("{url} @ {endpoint}"),
                None => url,
            }
        }
        Backend::Gcs {
            bucket, location, ..
        } => join(format!("gs://{bucket}"), location),
        Backend::Azure {
            container,
            location,
            ..
        } => join(format!("az://{container}"), location),
    }
}

/// Prints the stores of `config`.
pub fn run(config: &Config, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    if json {
        for name in config.store_names() {
            let value = match config.store(&name) {
                Ok(spec) => spec.to_redacted_json(),
                Err(err) => serde_json::json!({ "name": name, "error": err.to_string() }),
            };
            writeln!(out, "{value}")?;
        }
        return Ok(());
    }
    match &config.path {
        Some(path) => writeln!(out, "config: {}", path.display())?,
        None => writeln!(out, "config: no datajoint.json found")?,
    }
    let names = config.store_names();
    if names.is_empty() {
        writeln!(out, "no stores are configured")?;
        return Ok(());
    }
    let mut table = format::table(&["STORE", "PROTOCOL", "WHERE", "CONFIGURED IN"], &[]);
    for name in names {
        let marker = if config.default_store.as_deref() == Some(name.as_str()) {
            " (default)"
        } else {
            ""
        };
        match config.store(&name) {
            Ok(spec) => {
                let mut origin = spec.origin.to_string();
                if !spec.secrets_from.is_empty() {
                    origin.push_str(&format!(" + secrets ({})", spec.secrets_from.join(", ")));
                }
                table.add_row(vec![
                    format!("{name}{marker}"),
                    spec.backend.protocol().to_string(),
                    where_it_points(spec),
                    origin,
                ]);
            }
            Err(err) => {
                table.add_row(vec![
                    format!("{name}{marker}"),
                    "?".to_string(),
                    format!("error: {err}"),
                    String::new(),
                ]);
            }
        }
    }
    writeln!(out, "{}", format::render(&table))?;
    for warning in &config.warnings {
        writeln!(out, "warning: {warning}")?;
    }
    Ok(())
}
