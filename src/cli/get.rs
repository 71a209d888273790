//! `npyscope get`: an array, a window of its rows or one field, written as `.npy` (which numpy
//! reads back equal to the source) or as CSV. Remote windows read only their rows.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};

use crate::array::field::extract_field;
use crate::array::format::format_value;
use crate::array::{ArrayRef, MapMode};
use crate::cache::Cache;
use crate::config::Config;
use crate::jobs::{CancellationToken, Progress};
use crate::npy::{DType, encode_header};
use crate::store::{self, target};

/// What `get` was asked for.
#[derive(Debug, Clone)]
pub struct GetArgs {
    /// STORE:PATH, a local file or s3://bucket/key.
    pub target: String,
    /// Where to write (`.npy` or `.csv`); the object's file name in the working folder if unset.
    pub output: Option<PathBuf>,
    /// `A:B` rows, Python slice style.
    pub rows: Option<String>,
    /// A field of a structured array (nested fields as `outer.inner`).
    pub field: Option<String>,
    /// Map the file (local) or the cached copy (remote) instead of reading into memory.
    pub mmap: bool,
    /// Overwrite the output file.
    pub force: bool,
}

/// Parses `A:B` like a Python slice over `count` rows: empty ends, negative from the end,
/// clamped to the array.
pub fn parse_rows(text: &str, count: u64) -> anyhow::Result<std::ops::Range<u64>> {
    let Some((a, b)) = text.split_once(':') else {
        bail!("--rows takes A:B (like a Python slice: 100:200, :500, -1000:), not \"{text}\"");
    };
    let bound = |part: &str, default: u64| -> anyhow::Result<u64> {
        let part = part.trim();
        if part.is_empty() {
            return Ok(default);
        }
        let value: i64 = part
            .parse()
            .with_context(|| format!("--rows: \"{part}\" is not a whole number"))?;
        Ok(if value < 0 {
            count.saturating_sub(value.unsigned_abs())
        } else {
            (value as u64).min(count)
        })
    };
    let start = bound(a, 0)?;
    let end = bound(b, count)?.max(start);
    Ok(start..end)
}

enum Format {
    Npy,
    Csv,
}

fn format_of(path: &Path) -> anyhow::Result<Format> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("npy") => Ok(Format::Npy),
        Some("csv") => Ok(Format::Csv),
        _ => bail!("{}: the output must end in .npy or .csv", path.display()),
    }
}

/// A progress bar on stderr for `progress` (hidden when stderr is not a terminal), updated
/// until the returned guard is dropped.
fn progress_bar(progress: &Progress, label: String) -> impl Drop {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message(label.clone());
    let watched = progress.clone();
    let shown = bar.clone();
    let ticker = tokio::spawn(async move {
        loop {
            if let Some(total) = watched.total() {
                shown.set_length(total);
            }
            shown.set_position(watched.done());
            // "retrying (3/10): 503 Service Unavailable" while a read waits to try again.
            shown.set_message(match watched.note() {
                Some(note) => format!("{label} {note}"),
                None => label.clone(),
            });
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    });
    struct Guard(indicatif::ProgressBar, tokio::task::JoinHandle<()>);
    impl Drop for Guard {
        fn drop(&mut self) {
            self.1.abort();
            self.0.finish_and_clear();
        }
    }
    Guard(bar, ticker)
}

/// The array data to write: dtype, layout, shape and bytes (borrowed from a map or owned).
struct Output<'a> {
    dtype: DType,
    fortran_order: bool,
    shape: Vec<u64>,
    bytes: std::borrow::Cow<'a, [u8]>,
}

/// Runs `get`.
pub async fn run(config: &Config, args: &GetArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let target = target::resolve(&args.target, config)?;
    let store = store::open_shared(target.spec)?;
    let _retries = super::retries::print_retries(&store);
    let array = ArrayRef::open(Arc::clone(&store), &target.path).await?;
    let output_path = match &args.output {
        Some(path) => path.clone(),
        // A blob's name has no extension: the copy is a .npy.
        None => {
            let mut name = Path::new(array.path())
                .file_name()
                .map_or_else(|| "array.npy".into(), |n| n.to_os_string());
            if !crate::store::is_npy(&name.to_string_lossy()) {
                name.push(".npy");
            }
            PathBuf::from(name)
        }
    };
    let format = format_of(&output_path)?;
    if output_path.exists() && !args.force {
        bail!(
            "{} exists; use --force to overwrite it, or -o to write elsewhere",
            output_path.display()
        );
    }
    let rows = match &args.rows {
        // Rows of axis 0, as numpy's a[A:B], whatever the file's order.
        Some(text) => Some(parse_rows(
            text,
            array.shape().first().copied().unwrap_or(1),
        )?),
        None => None,
    };
    let field: Vec<String> = args
        .field
        .as_deref()
        .map(|f| f.split('.').map(str::to_string).collect())
        .unwrap_or_default();

    let progress = Progress::new(None);
    let cancel = CancellationToken::new();
    let _bar = progress_bar(
        &progress,
        format!("{}:{}", array.store_name(), array.path()),
    );
    let cache = if store.is_local() {
        None
    } else {
        Some(Cache::open(None, None)?)
    };

    // Read: a mapped file (local in place, remote via the cache), a window, or the whole array.
    let mapped;
    let loaded;
    let mut data = if args.mmap {
        let cache = match &cache {
            Some(cache) => cache,
            None => &Cache::open(None, None)?,
        };
        mapped = array
            .mmap(MapMode::ReadOnly, cache, &progress, &cancel)
            .await?;
        let meta = mapped.meta();
        match rows.clone() {
            Some(rows) if meta.fortran_order && meta.ndim() >= 2 => {
                // Axis-0 rows of a Fortran-order map: one run per column, copied from the map.
                let item = meta.itemsize as usize;
                let column = meta.shape[0] as usize * item;
                let (start, run) = (
                    rows.start as usize * item,
                    (rows.end - rows.start) as usize * item,
                );
                let bytes: Vec<u8> = mapped
                    .data()
                    .chunks_exact(column.max(1))
                    .flat_map(|col| &col[start..start + run])
                    .copied()
                    .collect();
                let mut shape = meta.shape.clone();
                shape[0] = rows.end - rows.start;
                Output {
                    dtype: meta.dtype.clone(),
                    fortran_order: true,
                    shape,
                    bytes: bytes.into(),
                }
            }
            Some(rows) => {
                let window = crate::array::window::row_window(meta, rows)?;
                let start = (window.byte_range.start - meta.data_offset) as usize;
                let end = (window.byte_range.end - meta.data_offset) as usize;
                Output {
                    dtype: meta.dtype.clone(),
                    fortran_order: window.fortran_order,
                    shape: window.shape,
                    bytes: mapped.data()[start..end].into(),
                }
            }
            None => Output {
                dtype: meta.dtype.clone(),
                fortran_order: meta.fortran_order,
                shape: meta.shape.clone(),
                bytes: mapped.data().into(),
            },
        }
    } else {
        match rows.clone() {
            Some(rows) => {
                loaded = array.read_rows(rows, &progress, &cancel).await?.1;
                Output {
                    dtype: loaded.dtype().clone(),
                    fortran_order: false,
                    shape: loaded.shape().to_vec(),
                    bytes: loaded.bytes().into(),
                }
            }
            // A blob that must be decoded (compressed, complex, chars): decoded whole, C order.
            None if !array.format().data_in_place() => {
                loaded = array.load(cache.as_ref(), &progress, &cancel).await?;
                Output {
                    dtype: loaded.dtype().clone(),
                    fortran_order: false,
                    shape: loaded.shape().to_vec(),
                    bytes: loaded.bytes().into(),
                }
            }
            None => {
                // The whole array as stored: same dtype, byte order and layout as the source.
                let meta = array.meta();
                let start = meta.data_offset;
                let raw = array
                    .read_bytes(start..start + meta.nbytes, &progress, &cancel)
                    .await?;
                Output {
                    dtype: meta.dtype.clone(),
                    fortran_order: meta.fortran_order,
                    shape: meta.shape.clone(),
                    bytes: raw.into(),
                }
            }
        }
    };
    if !field.is_empty() {
        let whole = crate::array::data::NdArray::from_parts(
            &data.dtype,
            data.fortran_order,
            &data.shape,
            &data.bytes,
        )?;
        let picked = extract_field(&whole, &field)?;
        data = Output {
            dtype: picked.dtype().clone(),
            fortran_order: false,
            shape: picked.shape().to_vec(),
            bytes: picked.bytes().to_vec().into(),
        };
    }

    write_atomically(&output_path, |file| match format {
        Format::Npy => {
            file.write_all(&encode_header(&data.dtype, data.fortran_order, &data.shape))?;
            file.write_all(&data.bytes)?;
            Ok(())
        }
        Format::Csv => write_csv(file, &data),
    })?;
    writeln!(
        out,
        "wrote {} ({}, shape {}, {})",
        output_path.display(),
        data.dtype.display_name(),
        super::format::shape(&data.shape),
        super::format::bytes(data.bytes.len() as u64)
    )?;
    Ok(())
}

/// Writes through a temporary file beside `path`, renamed into place when complete.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let tmp = crate::output::temporary_beside(folder, ".npyscope-get-")
        .with_context(|| format!("cannot write in {}", folder.display()))?;
    let mut file = std::io::BufWriter::new(tmp.reopen()?);
    write(&mut file)?;
    file.flush()?;
    drop(file);
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// CSV of a 1-D (one column) or 2-D (rows × columns) array of numbers or strings.
fn write_csv(file: &mut dyn Write, data: &Output<'_>) -> anyhow::Result<()> {
    if matches!(data.dtype, DType::Structured(_)) {
        bail!("CSV needs plain values: choose a field with --field, or write .npy");
    }
    let (rows, columns) = match data.shape.as_slice() {
        [n] => (*n, 1),
        [n, m] => (*n, *m),
        shape => bail!(
            "CSV holds 1-D or 2-D data; this is {}-D (shape {}): use --rows on a 2-D array, or write .npy",
            shape.len(),
            super::format::shape(shape)
        ),
    };
    let itemsize = data.dtype.itemsize() as usize;
    let mut writer = csv::Writer::from_writer(file);
    for r in 0..rows {
        let mut record = Vec::with_capacity(columns as usize);
        for c in 0..columns {
            // Flat index of (r, c) in the data's own layout.
            let index = if data.fortran_order {
                c * rows + r
            } else {
                r * columns + c
            } as usize;
            let bytes = data
                .bytes
                .get(index * itemsize..(index + 1) * itemsize)
                .context("the data is shorter than its shape")?;
            record.push(
                format_value(&data.dtype, bytes).context("this dtype cannot be written as CSV")?,
            );
        }
        writer.write_record(&record)?;
    }
    writer.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_rows;

    #[test]
    fn rows_like_python_slices() {
        assert_eq!(parse_rows("10:20", 100).unwrap(), 10..20);
        assert_eq!(parse_rows(":5", 100).unwrap(), 0..5);
        assert_eq!(parse_rows("90:", 100).unwrap(), 90..100);
        assert_eq!(parse_rows("-10:", 100).unwrap(), 90..100);
        assert_eq!(parse_rows("50:500", 100).unwrap(), 50..100);
        assert_eq!(parse_rows("60:40", 100).unwrap(), 60..60);
        assert!(parse_rows("12", 100).is_err());
        assert!(parse_rows("a:b", 100).is_err());
    }
}
