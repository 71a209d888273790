//! `npyscope db`: the DataJoint database from the command line — schemas, tables, rows with
//! every attribute, and one cell's array written as `.npy`. Output formats are a contract
//! (scripts read `--json`); the work is in [`crate::db`].

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Subcommand;
use serde_json::json;

use super::format;
use super::get::{self, GetArgs};
use crate::config::Config;
use crate::db::{
    self, Attribute, CellJson, CellValue, Database, DbError, DbRow, PAGE_ROWS, PageStart, RowQuery,
    Table, Term,
};

/// What `npyscope db` does.
#[derive(Debug, Clone, Subcommand)]
pub enum DbAction {
    /// Where the database is and whether npyscope can reach it (the password is never shown).
    Info {
        /// One JSON object.
        #[arg(long)]
        json: bool,
    },
    /// The DataJoint schemas of the database.
    Schemas {
        /// One JSON object per schema and line.
        #[arg(long)]
        json: bool,
    },
    /// The tables of a schema: tier, rows, key and attributes with their DataJoint types.
    Tables {
        /// The schema.
        schema: String,
        /// One JSON object per table and line.
        #[arg(long)]
        json: bool,
    },
    /// The rows of a table, every attribute; `<npy@>` cells with shape and dtype.
    Rows {
        /// SCHEMA.TABLE (SQL name or class name: lab.recording, lab.Recording).
        table: String,
        /// Only rows where ATTR=VALUE (also !=, <, <=, >, >=; ATTR=null), or where an <npy@>
        /// column's metadata holds, in the files filter's language (waveform.shape[0]>1000,
        /// waveform.dtype:float32, waveform.nbytes>10MB); repeat to AND them.
        #[arg(long = "where", value_name = "ATTR=VALUE")]
        terms: Vec<String>,
        /// At most this many rows.
        #[arg(long, value_name = "N")]
        limit: Option<u64>,
        /// One JSON object per row and line.
        #[arg(long)]
        json: bool,
    },
    /// Write one cell's array as .npy (an `<npy@>` cell through its store).
    Get {
        /// SCHEMA.TABLE.
        table: String,
        /// The attribute whose array to write.
        attribute: String,
        /// ATTR=VALUE terms (or <npy@> metadata conditions) that pick exactly one row.
        #[arg(long = "where", value_name = "ATTR=VALUE")]
        terms: Vec<String>,
        /// Output file (.npy or .csv).
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
        /// Overwrite the output file if it exists.
        #[arg(long)]
        force: bool,
    },
}

/// Runs `npyscope db ACTION`.
pub async fn run(config: &Config, action: &DbAction, out: &mut dyn Write) -> anyhow::Result<()> {
    let spec = match &config.database {
        None => return Err(DbError::NotConfigured.into()),
        Some(Err(err)) => return Err(DbError::Settings(err.to_string()).into()),
        Some(Ok(spec)) => spec,
    };
    if let DbAction::Info { json: true } = action {
        let mut value = spec.to_redacted_json();
        match Database::connect(spec).await {
            Ok(db) => {
                value["connected"] = json!(true);
                value["tls"] = json!(db.uses_tls());
                value["notes"] = json!(db.notes());
                db.close().await;
            }
            Err(err) => {
                value["connected"] = json!(false);
                value["error"] = json!(err.to_string());
            }
        }
        writeln!(out, "{value}")?;
        return Ok(());
    }
    let db = Database::connect(spec).await?;
    for note in db.notes() {
        eprintln!("note: {note}");
    }
    let result = run_on(config, &db, action, out).await;
    db.close().await;
    result
}

async fn run_on(
    config: &Config,
    db: &Database,
    action: &DbAction,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match action {
        DbAction::Info { .. } => {
            writeln!(out, "database: {}", db.server())?;
            writeln!(out, "tls: {}", if db.uses_tls() { "yes" } else { "no" })?;
            let schemas = db::list_schemas(db).await?;
            writeln!(out, "DataJoint schemas: {}", schemas.len())?;
            Ok(())
        }
        DbAction::Schemas { json } => {
            for schema in db::list_schemas(db).await? {
                if *json {
                    writeln!(out, "{}", json!({ "schema": schema }))?;
                } else {
                    writeln!(out, "{schema}")?;
                }
            }
            Ok(())
        }
        DbAction::Tables { schema, json } => tables(db, schema, *json, out).await,
        DbAction::Rows {
            table,
            terms,
            limit,
            json,
        } => rows(config, db, table, terms, *limit, *json, out).await,
        DbAction::Get {
            table,
            attribute,
            terms,
            output,
            force,
        } => get_cell(config, db, table, attribute, terms, output, *force, out).await,
    }
}

/// `db tables SCHEMA`.
async fn tables(
    db: &Database,
    schema: &str,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let tables = db::load_schema(db, schema).await?;
    let mut text = format::table(&["TABLE", "TIER", "ROWS", "KEY", "COMMENT"], &[2]);
    for table in &tables {
        let rows = db::count_rows(db, table).await?;
        if json {
            writeln!(out, "{}", table.to_json(Some(rows)))?;
        } else {
            text.add_row(vec![
                table.class_name.clone(),
                table.tier.name().to_string(),
                rows.to_string(),
                table.primary_key.join(", "),
                table.comment.clone(),
            ]);
        }
    }
    if !json {
        writeln!(out, "{}", format::render(&text))?;
    }
    Ok(())
}

/// Parses `--where` terms.
fn parse_terms(terms: &[String]) -> anyhow::Result<Vec<Term>> {
    terms
        .iter()
        .map(|t| Term::parse(t).map_err(anyhow::Error::from))
        .collect()
}

/// Looks `SCHEMA.TABLE` up.
async fn find(db: &Database, name: &str) -> anyhow::Result<Table> {
    let (schema, table) = db::split_table_name(name)?;
    Ok(db::find_table(db, schema, table).await?)
}

/// One row as the `db rows --json` object: `{"schema", "table", "key", "attributes"}`,
/// serialized straight to the output.
pub struct RowJson<'a> {
    /// The row's table.
    pub table: &'a Table,
    /// Its attributes in display order (key first), as [`Table::display_attributes`] gives.
    pub attributes: &'a [&'a Attribute],
    /// The row.
    pub row: &'a DbRow,
    /// The configured default store.
    pub default_store: Option<&'a str>,
}

/// The key or the other attributes of a row, as a JSON object.
struct RowFields<'a> {
    of: &'a RowJson<'a>,
    key: bool,
}

impl serde::Serialize for RowFields<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        for (attribute, value) in self.of.attributes.iter().zip(&self.of.row.values) {
            if attribute.in_key == self.key {
                let cell = CellJson {
                    value,
                    default_store: self.of.default_store,
                };
                map.serialize_entry(&attribute.name, &cell)?;
            }
        }
        map.end()
    }
}

impl serde::Serialize for RowJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(4))?;
        map.serialize_entry("schema", &self.table.schema)?;
        map.serialize_entry("table", &self.table.name)?;
        map.serialize_entry(
            "key",
            &RowFields {
                of: self,
                key: true,
            },
        )?;
        map.serialize_entry(
            "attributes",
            &RowFields {
                of: self,
                key: false,
            },
        )?;
        map.end()
    }
}

/// `db rows SCHEMA.TABLE`: pages along the primary key until `limit` rows are printed.
async fn rows(
    config: &Config,
    db: &Database,
    name: &str,
    terms: &[String],
    limit: Option<u64>,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let table = find(db, name).await?;
    let query = RowQuery {
        terms: parse_terms(terms)?,
        ..RowQuery::default()
    };
    let default_store = config.default_store.as_deref();
    let attributes = table.display_attributes();
    if !json {
        let header: Vec<&str> = attributes.iter().map(|a| a.name.as_str()).collect();
        writeln!(out, "{}", header.join("\t"))?;
    }
    let mut start = PageStart::Offset(0);
    let mut printed = 0u64;
    loop {
        let want = match limit {
            Some(limit) => (limit - printed).min(PAGE_ROWS),
            None => PAGE_ROWS,
        };
        if want == 0 {
            break;
        }
        let mut page = db::fetch_page(db, &table, &query, &start, want).await?;
        // <blob@> cells: shape and dtype from their objects' first bytes.
        db::read_blob_headers(config, &mut page).await;
        for row in &page {
            if json {
                let line = RowJson {
                    table: &table,
                    attributes: &attributes,
                    row,
                    default_store,
                };
                serde_json::to_writer(&mut *out, &line)?;
                out.write_all(b"\n")?;
            } else {
                let cells: Vec<String> = row
                    .values
                    .iter()
                    .map(|v| v.display().replace(['\t', '\n'], " "))
                    .collect();
                writeln!(out, "{}", cells.join("\t"))?;
            }
        }
        printed += page.len() as u64;
        match page.last() {
            Some(last) if page.len() as u64 == want && !table.primary_key.is_empty() => {
                start = PageStart::AfterKey(last.key_text.clone());
            }
            Some(_) if page.len() as u64 == want => start = PageStart::Offset(printed),
            _ => break,
        }
    }
    Ok(())
}

/// `db get SCHEMA.TABLE ATTRIBUTE --where … -o FILE`.
#[allow(clippy::too_many_arguments)]
async fn get_cell(
    config: &Config,
    db: &Database,
    name: &str,
    attribute: &str,
    terms: &[String],
    output: &std::path::Path,
    force: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let table = find(db, name).await?;
    let table_name = format!("{}.{}", table.schema, table.class_name);
    let Some(position) = table
        .display_attributes()
        .iter()
        .position(|a| a.name == attribute)
    else {
        let names: Vec<&str> = table.attributes.iter().map(|a| a.name.as_str()).collect();
        bail!(
            "{table_name} has no attribute \"{attribute}\" (attributes: {})",
            names.join(", ")
        );
    };
    let terms = parse_terms(terms)?;
    let matching = db::count_matching(db, &table, &terms).await?;
    if matching != 1 {
        bail!(
            "{matching} rows of {table_name} match{}: add --where ATTR=VALUE terms until exactly \
             one does (key: {})",
            if terms.is_empty() {
                " (no --where given)"
            } else {
                ""
            },
            table.primary_key.join(", ")
        );
    }
    let query = RowQuery {
        terms,
        ..RowQuery::default()
    };
    let page = db::fetch_page(db, &table, &query, &PageStart::Offset(0), 1).await?;
    let value = page
        .first()
        .and_then(|row| row.values.get(position))
        .context("the row went away while it was read")?;
    let cell_name = format!("{table_name}.{attribute}");
    match value {
        CellValue::Npy(npy) => {
            let target = store_target(config, &cell_name, npy.store.as_ref(), &npy.path)?;
            get_target(config, target, output, force, out).await
        }
        CellValue::Null => bail!("{table_name}.{attribute} is NULL in that row"),
        CellValue::Stored(cell) if cell.codec == "blob" => {
            let path = cell
                .path
                .as_deref()
                .with_context(|| format!("{table_name}.{attribute} holds no \"path\""))?;
            let target = store_target(config, &cell_name, cell.store.as_ref(), path)?;
            get_target(config, target, output, force, out).await
        }
        CellValue::InTable {
            codec: Some(codec), ..
        } if codec == "blob" => {
            let attr = table
                .attribute(attribute)
                .with_context(|| format!("{table_name} has no attribute \"{attribute}\""))?;
            let bytes = db::fetch_cell_bytes(db, &table, attr, &query.terms)
                .await?
                .with_context(|| format!("{table_name}.{attribute} is NULL in that row"))?;
            write_blob_cell(&bytes, output, force)
                .with_context(|| format!("{table_name}.{attribute}"))
        }
        CellValue::InTable { .. } | CellValue::Stored(_) => bail!(
            "{table_name}.{attribute} is {}, not an array npyscope can write",
            value.display()
        ),
        other => bail!(
            "{table_name}.{attribute} is not an array: {}",
            other.display()
        ),
    }
}

/// `STORE:PATH` of a cell's object: the store it names, else the configured default store.
fn store_target(
    config: &Config,
    cell_name: &str,
    store: Option<&String>,
    path: &str,
) -> anyhow::Result<String> {
    let store = store.or(config.default_store.as_ref()).with_context(|| {
        format!(
            "{cell_name} names no store and no default store is configured (set \"default\" \
                 in the stores block of datajoint.json)"
        )
    })?;
    Ok(format!("{store}:{path}"))
}

/// `get TARGET -o output` of a cell's object, as the `get` command writes it.
async fn get_target(
    config: &Config,
    target: String,
    output: &std::path::Path,
    force: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let args = GetArgs {
        target,
        output: Some(output.to_path_buf()),
        rows: None,
        field: None,
        mmap: false,
        force,
    };
    get::run(config, &args, out).await
}

/// Writes the array an in-table blob holds to `output` as a `.npy` (DataJoint's dtype, shape and Fortran
/// order, as numpy saves what `fetch` returns).
fn write_blob_cell(bytes: &[u8], output: &std::path::Path, force: bool) -> anyhow::Result<()> {
    if !crate::store::is_npy(&output.to_string_lossy()) {
        bail!(
            "{}: an in-table blob is written as .npy; name the output FILE.npy",
            output.display()
        );
    }
    if output.exists() && !force {
        bail!(
            "{} exists; use --force to overwrite it, or -o to write elsewhere",
            output.display()
        );
    }
    let blob = crate::blob::decode_blob(bytes, &crate::blob::DecodeOptions::default())?;
    let Some(array) = blob.value.as_array() else {
        bail!(
            "the blob holds {}, not an array; only arrays can be written to .npy",
            blob.value.kind_name()
        );
    };
    let tmp = output.with_extension("npy.part");
    std::fs::write(&tmp, array.to_npy())
        .and_then(|()| std::fs::rename(&tmp, output))
        .with_context(|| format!("cannot write {}", output.display()))?;
    Ok(())
}
