//! `npyscope cache`: list the cached copies of remote arrays, clear them, or trim the cache to
//! its limit.

use std::io::Write;

use chrono::{DateTime, Utc};
use clap::Subcommand;

use super::format;
use crate::cache::{Cache, CacheEntry, Cleanup};

/// What `npyscope cache` does.
#[derive(Debug, Clone, Subcommand)]
pub enum CacheAction {
    /// List cached arrays: size, last use, store and path, and the total.
    Ls {
        /// One JSON object per cached file and line.
        #[arg(long)]
        json: bool,
    },
    /// Remove every cached file (files open in a viewer are kept).
    Clear,
    /// Remove least recently used files until the cache fits its limit, and leftovers of
    /// interrupted downloads.
    Gc,
}

/// Runs `npyscope cache ACTION` on `cache`, writing to `out`.
pub fn run(cache: &Cache, action: &CacheAction, out: &mut dyn Write) -> anyhow::Result<()> {
    match action {
        CacheAction::Ls { json } => {
            let entries = cache.entries()?;
            if *json {
                for entry in &entries {
                    serde_json::to_writer(&mut *out, &json_record(entry))?;
                    writeln!(out)?;
                }
            } else {
                print_table(cache, &entries, Utc::now(), out)?;
            }
        }
        CacheAction::Clear => {
            let report = cache.clear()?;
            print_cleanup("cleared", cache, &report, out)?;
        }
        CacheAction::Gc => {
            let report = cache.gc()?;
            print_cleanup("trimmed", cache, &report, out)?;
        }
    }
    Ok(())
}

fn json_record(entry: &CacheEntry) -> serde_json::Value {
    let record = entry.record.as_ref();
    serde_json::json!({
        "file": entry.data_path,
        "size": entry.size,
        "last_used": entry.last_used.to_rfc3339(),
        "in_use": entry.in_use,
        "store": record.map(|r| r.store.as_str()),
        "identity": record.map(|r| r.identity.as_str()),
        "path": record.map(|r| r.path.as_str()),
        "e_tag": record.and_then(|r| r.e_tag.as_deref()),
        "last_modified": record.map(|r| r.last_modified.to_rfc3339()),
        "downloaded": record.map(|r| r.downloaded.to_rfc3339()),
    })
}

fn print_table(
    cache: &Cache,
    entries: &[CacheEntry],
    now: DateTime<Utc>,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let total: u64 = entries.iter().map(|e| e.size).sum();
    if !entries.is_empty() {
        let mut table = format::table(&["SIZE", "USED", "STORE", "PATH"], &[0, 1]);
        for entry in entries {
            let (store, path) = match &entry.record {
                Some(r) => (r.store.clone(), r.path.clone()),
                None => (
                    "?".to_string(),
                    "(incomplete; `cache gc` removes it)".to_string(),
                ),
            };
            let mut used = age(now, entry.last_used);
            if entry.in_use {
                used.push_str(" (open)");
            }
            table.add_row(vec![format::bytes(entry.size), used, store, path]);
        }
        writeln!(out, "{}", format::render(&table))?;
    }
    writeln!(
        out,
        "{} cached {}, {} of {} in {}",
        entries.len(),
        if entries.len() == 1 { "file" } else { "files" },
        format::bytes(total),
        format::bytes(cache.limit_bytes()),
        cache.dir().display()
    )?;
    let leftovers = cache.leftovers_removed_at_open();
    if leftovers > 0 {
        writeln!(
            out,
            "removed {leftovers} {} of interrupted downloads",
            if leftovers == 1 {
                "leftover"
            } else {
                "leftovers"
            }
        )?;
    }
    Ok(())
}

fn print_cleanup(
    verb: &str,
    cache: &Cache,
    report: &Cleanup,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    write!(
        out,
        "{verb} {}: removed {} {} ({})",
        cache.dir().display(),
        report.removed,
        if report.removed == 1 { "file" } else { "files" },
        format::bytes(report.freed_bytes)
    )?;
    if report.leftovers > 0 {
        write!(
            out,
            " and {} {} of interrupted downloads",
            report.leftovers,
            if report.leftovers == 1 {
                "leftover"
            } else {
                "leftovers"
            }
        )?;
    }
    if report.kept_in_use > 0 {
        write!(out, "; kept {} in use", report.kept_in_use)?;
    }
    writeln!(out)?;
    Ok(())
}

/// How long ago `then` was: `just now`, `5 min ago`, `3 h ago`, `2 days ago`.
fn age(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let seconds = (now - then).num_seconds().max(0);
    match seconds {
        0..60 => "just now".to_string(),
        60..3600 => format!("{} min ago", seconds / 60),
        3600..86_400 => format!("{} h ago", seconds / 3600),
        _ => {
            let days = seconds / 86_400;
            format!("{days} {} ago", if days == 1 { "day" } else { "days" })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages() {
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        let ago = |s: i64| age(now, now - chrono::Duration::seconds(s));
        assert_eq!(ago(5), "just now");
        assert_eq!(ago(-5), "just now");
        assert_eq!(ago(125), "2 min ago");
        assert_eq!(ago(7200), "2 h ago");
        assert_eq!(ago(86_400), "1 day ago");
        assert_eq!(ago(3 * 86_400), "3 days ago");
    }

    #[test]
    fn ls_and_clear_of_an_empty_cache() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let cache = Cache::open_at(dir.path().join("c"), 1 << 20).unwrap_or_else(|e| panic!("{e}"));
        let mut out = Vec::new();
        run(&cache, &CacheAction::Ls { json: false }, &mut out).unwrap_or_else(|e| panic!("{e}"));
        let text = String::from_utf8_lossy(&out);
        assert!(
            text.starts_with("0 cached files, 0 B of 1 MiB in "),
            "{text}"
        );
        out.clear();
        run(&cache, &CacheAction::Clear, &mut out).unwrap_or_else(|e| panic!("{e}"));
        assert!(String::from_utf8_lossy(&out).contains("removed 0 files"));
    }

    #[test]
    fn leftovers_of_a_killed_run_are_reported_by_ls_and_gc() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        // A process id that is not running, and no lock on the file: a killed download.
        let key = "ab".repeat(32);
        std::fs::write(
            dir.path().join(format!("{key}.npy.4194300-0.tmp")),
            b"partial",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let cache =
            Cache::open_at(dir.path().to_path_buf(), 1 << 20).unwrap_or_else(|e| panic!("{e}"));
        let mut out = Vec::new();
        run(&cache, &CacheAction::Ls { json: false }, &mut out).unwrap_or_else(|e| panic!("{e}"));
        let text = String::from_utf8_lossy(&out);
        assert!(
            text.contains("removed 1 leftover of interrupted downloads"),
            "{text}"
        );
        out.clear();
        run(&cache, &CacheAction::Gc, &mut out).unwrap_or_else(|e| panic!("{e}"));
        let text = String::from_utf8_lossy(&out);
        assert!(
            text.contains("and 1 leftover of interrupted downloads"),
            "{text}"
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).map(|d| d.count()).ok(),
            Some(0)
        );
    }
}
