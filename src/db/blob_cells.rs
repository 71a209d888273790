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
    for name in blob_stores(rows, config.default_store.as_deref()) {
        let store = config
            .store(&name)
            .ok()
            .and_then(|spec| store::open_shared(spec.clone()).ok());
        stores.insert(name, store);
    }
    let stores = stores
        .into_iter()
        .filter_map(|(name, store)| Some((name, store?)))
        .collect();
    read_blob_headers_in(&stores, config.default_store.as_deref(), rows).await;
}

/// The names of the stores the `<blob@>` cells of `rows` are in (`default_store` for cells that
/// name none), each once.
pub fn blob_stores(rows: &[DbRow], default_store: Option<&str>) -> Vec<String> {
    let mut names: Vec<String> = rows
        .iter()
        .flat_map(|row| &row.values)
        .filter_map(|value| blob_object(value, default_store).map(|(store, _)| store))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The store and path of a `<blob@>` cell's object (`default_store` when the cell names none);
/// `None` for other cells.
pub fn blob_object(value: &CellValue, default_store: Option<&str>) -> Option<(String, String)> {
    let CellValue::Stored(cell) = value else {
        return None;
    };
    let (true, Some(path)) = (cell.codec == "blob", &cell.path) else {
        return None;
    };
    let store = cell
        .store
        .clone()
        .or_else(|| default_store.map(str::to_string))?;
    Some((store, path.clone()))
}

/// [`read_blob_headers`] with stores already open (`stores` by name; cells in other stores keep
/// no shape): the window uses its open stores.
pub async fn read_blob_headers_in(
    stores: &HashMap<String, Arc<Store>>,
    default_store: Option<&str>,
    rows: &mut [DbRow],
) {
    let mut wanted = Vec::new();
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.values.iter().enumerate() {
            if let Some((name, path)) = blob_object(value, default_store)
                && let Some(store) = stores.get(&name)
            {
                wanted.push((r, c, Arc::clone(store), path));
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
