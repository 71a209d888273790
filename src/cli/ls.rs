//! `npyscope ls`: one level or a whole tree of `.npy` objects with their header metadata.

use std::io::Write;
use std::time::Instant;

use futures::StreamExt;

use super::format;
use crate::config::Config;
use crate::store::{self, Entry, ObjectInfo, target};

/// Lists `target`; broken objects become rows with their error.
pub async fn run(
    config: &Config,
    target: &str,
    recursive: bool,
    json: bool,
    stats: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let target = target::resolve(target, config)?;
    let store = store::open_shared(target.spec)?;
    let _retries = super::retries::print_retries(&store);
    let prefix = target.path.as_str();
    let started = Instant::now();
    let single = store.single_object(prefix).await?;
    if recursive && json && single.is_none() {
        // A local tree: every line is formatted on the thread that read its file.
        if let Some(lines) = store.scan_local(prefix, json_line).await {
            let lines = lines?;
            if lines.is_empty() && !prefix.is_empty() {
                store.ensure_prefix_exists(prefix).await?;
            }
            write_chunks(&lines, out)?;
            if stats {
                print_stats(&store, lines.len(), started);
            }
            return Ok(());
        }
    }
    let (folders, mut stream) = if let Some(single) = single {
        // `ls STORE:path/to/file.npy` lists that file, like `ls` does.
        let one = futures::stream::iter([Ok(single)]);
        (Vec::new(), store::entries(store.clone(), one).boxed())
    } else if recursive {
        (Vec::new(), store.scan(prefix))
    } else {
        let level = store.browse(prefix).await?;
        if level.is_empty() && !prefix.is_empty() {
            store.ensure_prefix_exists(prefix).await?;
        }
        let objects = futures::stream::iter(level.objects.into_iter().map(Ok));
        (
            level.folders,
            store::entries(store.clone(), objects).boxed(),
        )
    };
    let mut entries = Vec::new();
    let mut count = 0usize;
    while let Some(entry) = stream.next().await {
        let entry = entry?;
        count += 1;
        if json {
            out.write_all(&json_line(entry))?;
        } else {
            entries.push(entry);
        }
    }
    if count == 0 && recursive && !prefix.is_empty() {
        store.ensure_prefix_exists(prefix).await?;
    }
    if !json {
        print_table(prefix, &folders, &entries, out)?;
    }
    if stats {
        print_stats(&store, count, started);
    }
    Ok(())
}

/// The `--stats` line on stderr: objects, reads, bytes read and the most reads at once.
fn print_stats(store: &store::Store, count: usize, started: Instant) {
    let s = store.stats();
    eprintln!(
        "{count} objects in {:.3} s: {} reads, {} read, at most {} in flight",
        started.elapsed().as_secs_f64(),
        s.requests(),
        format::bytes(s.bytes()),
        s.peak_in_flight()
    );
}

/// One `--json` line of `entry`, newline included. Serializing a record of plain fields into
/// a `Vec` cannot fail; should it, the line says so rather than going missing.
fn json_line(entry: Entry) -> Vec<u8> {
    let mut line = Vec::with_capacity(512);
    if let Err(err) = serde_json::to_writer(&mut line, &entry.record()) {
        line.clear();
        let fallback = serde_json::json!({ "path": entry.object.path, "error": err.to_string() });
        line = fallback.to_string().into_bytes();
    }
    line.push(b'\n');
    line
}

/// Lines gathered into chunks of about this many bytes before each write.
const CHUNK_BYTES: usize = 1 << 20;

/// Writes `lines` in order, a large chunk per write.
fn write_chunks(lines: &[Vec<u8>], out: &mut dyn Write) -> std::io::Result<()> {
    let mut chunk = Vec::with_capacity(CHUNK_BYTES + 4096);
    for line in lines {
        chunk.extend_from_slice(line);
        if chunk.len() >= CHUNK_BYTES {
            out.write_all(&chunk)?;
            chunk.clear();
        }
    }
    out.write_all(&chunk)
}

/// The path of `object` relative to the listed prefix, as `ls` shows names.
fn shown_path<'a>(prefix: &str, path: &'a str) -> &'a str {
    if prefix.is_empty() {
        return path;
    }
    path.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('/'))
        .unwrap_or(path)
}

fn print_table(
    prefix: &str,
    folders: &[String],
    entries: &[Entry],
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let mut table = format::table(&["PATH", "SHAPE", "DTYPE", "SIZE"], &[3]);
    for folder in folders {
        table.add_row(vec![
            format!("{}/", shown_path(prefix, folder)),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
    let mut total_bytes = 0u64;
    let mut broken = 0usize;
    let mut others = 0usize;
    for entry in entries {
        let ObjectInfo { path, size, .. } = &entry.object;
        total_bytes = total_bytes.saturating_add(*size);
        let shown = shown_path(prefix, path).to_string();
        match &entry.meta {
            Err(_) if entry.not_an_array().is_some() => {
                others += 1;
                table.add_row(vec![
                    shown,
                    entry.not_an_array().unwrap_or_default(),
                    String::new(),
                    format::bytes(*size),
                ]);
            }
            Ok(meta) => {
                table.add_row(vec![
                    shown,
                    format::shape(&meta.shape),
                    meta.dtype.display_name(),
                    format::bytes(*size),
                ]);
            }
            Err(err) => {
                broken += 1;
                table.add_row(vec![
                    shown,
                    format!("error: {}", short_error(&err.to_string())),
                    String::new(),
                    format::bytes(*size),
                ]);
            }
        }
    }
    if !folders.is_empty() || !entries.is_empty() {
        writeln!(out, "{}", format::render(&table))?;
    }
    // Attachments, raw bytes and blobs of other things are listed but are not arrays (an
    // unreadable file still counts as one, and as unreadable).
    let arrays = entries.len() - others;
    let mut total = format!("{arrays} array{}", if arrays == 1 { "" } else { "s" });
    if others > 0 {
        total.push_str(&format!(
            ", {others} other object{}",
            if others == 1 { "" } else { "s" }
        ));
    }
    total.push_str(&format!(
        ", {} ({} bytes)",
        format::bytes(total_bytes),
        total_bytes
    ));
    if entries.is_empty() && !folders.is_empty() {
        writeln!(
            out,
            "{} folder{}, no arrays at this level (ls -r lists every array below)",
            folders.len(),
            if folders.len() == 1 { "" } else { "s" }
        )?;
        return Ok(());
    }
    if !folders.is_empty() {
        total.push_str(&format!(
            ", {} folder{}",
            folders.len(),
            if folders.len() == 1 { "" } else { "s" }
        ));
    }
    if broken > 0 {
        total.push_str(&format!(", {broken} unreadable"));
    }
    writeln!(out, "{total}")?;
    Ok(())
}

/// The part of an entry's error after the `store "x": path: ` context the row already shows.
fn short_error(message: &str) -> &str {
    message
        .rsplit_once(".npy: ")
        .map_or(message, |(_, rest)| rest)
}
