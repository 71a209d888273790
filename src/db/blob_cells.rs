//! Blob cells beyond what the database row holds: the shape and dtype of `<blob@>` cells, read from the first
//! bytes of their objects in the store (one small ranged read each, many at once), and the whole bytes of an
//! in-table `<blob>` cell for `db get`.

use std::collections::HashMap;
use std::sync::Arc;

use futures::StreamExt;

use super::catalog::{Attribute, Table};
use super::connect::Database;
use super::error::DbError;
use super::introspect::{quote, quote_table};
use super::npy_terms;
use super::restrict::{SqlFilter, Term};
use super::rows::DbRow;
use super::value::{BlobShape, CellValue};
use crate::config::Config;
use crate::store::{self, HEADER_CONCURRENCY, Store};

/// Fills in the shape and dtype of every `<blob@>` cell of `rows` from its object's first bytes (a blob whose
/// object cannot be read, or holds no array, keeps none; its store is named by the cell, else the configured
/// default store). Stores are opened once each.
pub async fn read_blob_headers(config: &Config, rows: &mut [DbRow]) {
    let mut stores: HashMap<String, Option<Arc<Store>>> = HashMap::new();
    let mut wanted = Vec::new();
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.values.iter().enumerate() {
            let CellValue::Stored(cell) = value else {
                continue;
            };
            let (true, Some(path)) = (cell.codec == "blob", &cell.path) else {
                continue;
            };
            let Some(name) = cell.store.clone().or_else(|| config.default_store.clone()) else {
                continue;
            };
            let store = stores
                .entry(name.clone())
                .or_insert_with(|| {
                    let spec = config.store(&name).ok()?.clone();
                    store::open_shared(spec).ok()
                })
                .clone();
            if let Some(store) = store {
                wanted.push((r, c, store, path.clone()));
            }
        }
    }
    let found: Vec<(usize, usize, Option<BlobShape>)> = futures::stream::iter(wanted)
        .map(|(r, c, store, path)| async move {
            let shape = blob_shape(&store, &path).await;
            (r, c, shape)
        })
        .buffer_unordered(HEADER_CONCURRENCY)
        .collect()
        .await;
    for (r, c, shape) in found {
        if let Some(CellValue::Stored(cell)) = rows.get_mut(r).and_then(|row| row.values.get_mut(c))
        {
            cell.array = shape;
        }
    }
}

/// The shape and dtype of the blob at `path`, from its first bytes.
async fn blob_shape(store: &Store, path: &str) -> Option<BlobShape> {
    let object = store.head(path).await.ok()?;
    let (format, meta) = store.read_object_header(&object).await;
    let meta = meta.ok()?;
    format.blob_array()?;
    Some(BlobShape {
        shape: meta.shape,
        dtype: meta.dtype,
    })
}

/// The whole bytes of the in-table cell `attribute` of the one row of `table` that `terms` select (`None` for
/// NULL). The caller checks first that exactly one row matches.
pub async fn fetch_cell_bytes(
    db: &Database,
    table: &Table,
    attribute: &Attribute,
    terms: &[Term],
) -> Result<Option<Vec<u8>>, DbError> {
    let backend = db.backend();
    let catalog = npy_terms::catalog(db, table, terms).await?;
    let mut filter = SqlFilter::default();
    filter.restrict(backend, table, terms, &catalog)?;
    let sql = format!(
        "SELECT {} FROM {}{} LIMIT 1",
        quote(backend, &attribute.name),
        quote_table(backend, &table.schema, &table.sql_name),
        filter.where_clause()
    );
    let what = format!(
        "reading {}.{}.{}",
        table.schema, table.class_name, attribute.name
    );
    let rows = db.select(&what, sql, &filter.binds).await?;
    Ok(rows
        .into_iter()
        .next()
        .and_then(|row| row.into_iter().next())
        .flatten())
}
