//! `npyscope info`: everything the header and the listing say of one object.

use std::io::Write;

use super::format;
use crate::config::Config;
use crate::npy::DType;
use crate::store::{self, Format, target};

/// Prints one object's metadata; fails when the object cannot be read.
pub async fn run(
    config: &Config,
    target: &str,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let target = target::resolve(target, config)?;
    let store = store::open_shared(target.spec)?;
    let _retries = super::retries::print_retries(&store);
    let object = store.head(&target.path).await?;
    let entry = store.entry(object).await;
    if json {
        writeln!(out, "{}", entry.to_json())?;
        return match entry.meta {
            // An attachment or raw object holds no array; its record says what it is.
            Ok(_) | Err(store::StoreError::NotArray { .. }) => Ok(()),
            Err(err) => Err(err.into()),
        };
    }
    if let Some(what) = entry.not_an_array() {
        let object = &entry.object;
        writeln!(out, "{:>11}  {}", "store", entry.store)?;
        writeln!(out, "{:>11}  {}", "path", object.path)?;
        writeln!(
            out,
            "{:>11}  {} ({} bytes)",
            "object size",
            format::bytes(object.size),
            object.size
        )?;
        writeln!(out, "{:>11}  {}", "holds", what)?;
        return Ok(());
    }
    let meta = entry.meta?;
    let object = &entry.object;
    let mut rows: Vec<(&str, String)> = vec![
        ("store", entry.store.clone()),
        ("path", object.path.clone()),
        (
            "location",
            format!(
                "{}/{}",
                store.display_root().trim_end_matches('/'),
                object.path
            ),
        ),
        (
            "object size",
            format!("{} ({} bytes)", format::bytes(object.size), object.size),
        ),
        ("modified", object.last_modified.to_rfc3339()),
    ];
    if let Some(tag) = &object.e_tag {
        rows.push(("etag", tag.clone()));
    }
    rows.extend([
        ("shape", format::shape(&meta.shape)),
        (
            "dtype",
            format!(
                "{} ({})",
                meta.dtype.display_name(),
                meta.dtype.descr_json()
            ),
        ),
        ("ndim", meta.ndim().to_string()),
        ("size", meta.size.to_string()),
        ("itemsize", meta.itemsize.to_string()),
        (
            "nbytes",
            format!("{} ({} bytes)", format::bytes(meta.nbytes), meta.nbytes),
        ),
        (
            "order",
            if meta.fortran_order {
                "Fortran (column-major)"
            } else {
                "C (row-major)"
            }
            .to_string(),
        ),
    ]);
    match &entry.format {
        Format::Blob(Some(header)) => {
            let compression = match &header.compression {
                Some(c) => format!(", zlib-compressed, {} bytes inflated", c.uncompressed_len),
                None => String::new(),
            };
            rows.push((
                "format",
                format!(
                    "DataJoint blob ({}{}{})",
                    header.protocol.name(),
                    if header.legacy_32bit { ", 32-bit" } else { "" },
                    compression
                ),
            ));
        }
        _ => {
            rows.push((
                "format",
                format!("{}.{}", meta.format_version.0, meta.format_version.1),
            ));
            rows.push(("data offset", meta.data_offset.to_string()));
        }
    }
    if let Some(dj) = &entry.datajoint {
        rows.push(("schema", dj.schema.clone()));
        rows.push(("table", dj.table.clone()));
        let key: Vec<String> = dj.key.iter().map(|(k, v)| format!("{k}={v}")).collect();
        rows.push(("key", key.join(", ")));
        rows.push(("attribute", dj.attribute.clone()));
    }
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (key, value) in &rows {
        writeln!(out, "{key:>width$}  {value}")?;
    }
    if let DType::Structured(fields) = &meta.dtype {
        writeln!(out, "{:>width$}", "fields")?;
        for field in fields {
            let shape = if field.shape.is_empty() {
                String::new()
            } else {
                format!(" {}", format::shape(&field.shape))
            };
            writeln!(
                out,
                "{:>width$}  {}: {}{}",
                "",
                field.name,
                field.dtype.display_name(),
                shape
            )?;
        }
    }
    Ok(())
}
