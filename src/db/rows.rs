//! A table's rows, a page at a time: every attribute cast to text in the `SELECT` (bytes
//! columns as their length and first bytes), key attributes first. Pages follow the primary
//! key with keyset pagination (`WHERE (k1, k2) > (…)`), so the millionth row costs what the
//! first does; a sort by another attribute, or a jump into the middle, uses `OFFSET`.

use super::catalog::{Attribute, Table, ValueKind};
use super::connect::{Bind, Database};
use super::error::DbError;
use super::introspect::{quote, quote_table, text_type};
use super::npy_terms;
use super::restrict::{Op, SqlFilter, Term, ValueTerm};
use super::value::{BYTES_HEAD, CellValue, decode};
use crate::config::DbBackend;

/// Rows of one page (what the window and `db rows` fetch at once).
pub const PAGE_ROWS: u64 = 1000;

/// How rows are ordered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Order {
    /// Sort by this attribute (then by the key); `None`: by the primary key.
    pub attribute: Option<String>,
    /// Descending instead of ascending.
    pub descending: bool,
}

/// Which rows a query reads.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RowQuery {
    /// Restriction terms, combined with AND.
    pub terms: Vec<Term>,
    /// The order.
    pub order: Order,
}

/// Where a page starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PageStart {
    /// After this many rows of the order.
    Offset(u64),
    /// After the row with this primary key (its values as the server printed them); only
    /// for the primary-key order.
    AfterKey(Vec<String>),
}

/// One row: its key values as text (for the next page), and every shown attribute's value in
/// [`Table::display_attributes`] order.
#[derive(Clone, Debug, PartialEq)]
pub struct DbRow {
    /// The primary-key values as the server printed them.
    pub key_text: Vec<String>,
    /// The decoded values, key attributes first.
    pub values: Vec<CellValue>,
}

impl DbRow {
    /// The restriction that selects this row alone: `key = value` for each primary-key
    /// attribute of `table`; `None` when the table has no primary key.
    pub fn key_terms(&self, table: &Table) -> Option<Vec<Term>> {
        let keys = table.key_attributes();
        if keys.is_empty() || keys.len() != self.key_text.len() {
            return None;
        }
        let terms = keys
            .iter()
            .zip(&self.key_text)
            .map(|(attribute, value)| {
                Term::Value(ValueTerm {
                    attr: attribute.name.clone(),
                    op: Op::Eq,
                    value: Some(value.clone()),
                })
            })
            .collect();
        Some(terms)
    }
}

/// Reads up to `limit` rows of `table` from `start`.
pub async fn fetch_page(
    db: &Database,
    table: &Table,
    query: &RowQuery,
    start: &PageStart,
    limit: u64,
) -> Result<Vec<DbRow>, DbError> {
    let backend = db.backend();
    let attributes = table.display_attributes();
    let keys = table.key_attributes();
    let catalog = npy_terms::catalog(db, table, &query.terms).await?;
    let mut filter = SqlFilter::default();
    filter.restrict(backend, table, &query.terms, &catalog)?;
    if let Some(name) = &query.order.attribute
        && table.attribute(name).is_none()
    {
        return Err(DbError::BadRequest(format!(
            "{}.{} has no attribute \"{name}\" to sort by",
            table.schema, table.class_name
        )));
    }
    let mut offset = 0;
    match start {
        PageStart::Offset(n) => offset = *n,
        PageStart::AfterKey(values) => {
            if query.order.attribute.is_some() || values.len() != keys.len() || keys.is_empty() {
                return Err(DbError::BadRequest(
                    "a page after a key needs the primary-key order".to_string(),
                ));
            }
            keyset_condition(backend, &keys, values, query.order.descending, &mut filter);
        }
    }
    // Each value gets an alias of its own: PostgreSQL names `CAST("item" AS text)` `item`, and
    // `ORDER BY "item"` would then sort by the text.
    let select: Vec<String> = attributes
        .iter()
        .enumerate()
        .map(|(i, attribute)| select_expr(backend, attribute, i))
        .collect();
    let direction = if query.order.descending { " DESC" } else { "" };
    let mut order_by: Vec<String> = Vec::new();
    if let Some(name) = &query.order.attribute {
        order_by.push(format!("{}{direction}", quote(backend, name)));
    }
    for key in &keys {
        order_by.push(format!("{}{direction}", quote(backend, &key.name)));
    }
    let mut sql = format!(
        "SELECT {} FROM {}{}",
        select.join(", "),
        quote_table(backend, &table.schema, &table.sql_name),
        filter.where_clause()
    );
    if !order_by.is_empty() {
        sql.push_str(&format!(" ORDER BY {}", order_by.join(", ")));
    }
    sql.push_str(&format!(" LIMIT {limit}"));
    if offset > 0 {
        sql.push_str(&format!(" OFFSET {offset}"));
    }
    let what = format!("reading rows of {}.{}", table.schema, table.class_name);
    let raw = db.select(&what, sql, &filter.binds).await?;
    let key_positions: Vec<usize> = keys
        .iter()
        .filter_map(|k| attributes.iter().position(|a| a.name == k.name))
        .collect();
    Ok(raw
        .into_iter()
        .map(|row| {
            let mut columns = row.into_iter();
            let mut values = Vec::with_capacity(attributes.len());
            let mut texts = Vec::with_capacity(attributes.len());
            for attribute in &attributes {
                let first = columns.next().flatten();
                let head = if attribute.kind.is_bytes() {
                    columns.next().flatten()
                } else {
                    None
                };
                values.push(decode(&attribute.kind, first.as_deref(), head.as_deref()));
                texts.push(first);
            }
            let key_text = key_positions
                .iter()
                .map(|&i| {
                    texts
                        .get(i)
                        .and_then(|t| t.as_ref())
                        .map(|t| String::from_utf8_lossy(t).into_owned())
                        .unwrap_or_default()
                })
                .collect();
            DbRow { key_text, values }
        })
        .collect())
}

/// How many rows match `query` (an exact count).
pub async fn count_matching(db: &Database, table: &Table, terms: &[Term]) -> Result<u64, DbError> {
    let backend = db.backend();
    let catalog = npy_terms::catalog(db, table, terms).await?;
    let mut filter = SqlFilter::default();
    filter.restrict(backend, table, terms, &catalog)?;
    let sql = format!(
        "SELECT CAST(count(*) AS {}) FROM {}{}",
        text_type(backend),
        quote_table(backend, &table.schema, &table.sql_name),
        filter.where_clause()
    );
    let what = format!("counting rows of {}.{}", table.schema, table.class_name);
    let rows = db.select(&what, sql, &filter.binds).await?;
    rows.first()
        .and_then(|row| row.first())
        .and_then(|v| v.as_ref())
        .and_then(|v| String::from_utf8_lossy(v).trim().parse().ok())
        .ok_or_else(|| DbError::Query {
            server: db.server().to_string(),
            what,
            detail: "the server returned no count".to_string(),
        })
}

/// The select-list entry of attribute number `i`: its value as text, or for bytes its length
/// and first [`BYTES_HEAD`] bytes, aliased `v{i}` (and `h{i}`).
fn select_expr(backend: DbBackend, attribute: &Attribute, i: usize) -> String {
    let column = quote(backend, &attribute.name);
    match (backend, attribute.kind.is_bytes()) {
        (DbBackend::PostgreSql, true) => format!(
            "CAST(octet_length({column}) AS text) AS v{i}, \
             substring({column} from 1 for {BYTES_HEAD}) AS h{i}"
        ),
        (DbBackend::MySql, true) => format!(
            "CAST(LENGTH({column}) AS CHAR) AS v{i}, SUBSTRING({column}, 1, {BYTES_HEAD}) AS h{i}"
        ),
        (DbBackend::PostgreSql, false) => format!("CAST({column} AS text) AS v{i}"),
        (DbBackend::MySql, false) => format!("CAST({column} AS CHAR) AS v{i}"),
    }
}

/// `(k1, k2) > (v1, v2)` (or `<` when descending), values bound and cast to the keys' types.
fn keyset_condition(
    backend: DbBackend,
    keys: &[&Attribute],
    values: &[String],
    descending: bool,
    filter: &mut SqlFilter,
) {
    let columns: Vec<String> = keys.iter().map(|k| quote(backend, &k.name)).collect();
    let mut placeholders = Vec::new();
    for (key, value) in keys.iter().zip(values) {
        let placeholder = filter.placeholder(backend);
        match backend {
            DbBackend::PostgreSql => {
                placeholders.push(format!("CAST({placeholder} AS {})", key.sql_type));
                filter.binds.push(Bind::Text(value.clone()));
            }
            DbBackend::MySql => {
                placeholders.push(placeholder);
                filter.binds.push(match key.kind {
                    ValueKind::Int => value
                        .parse()
                        .map(Bind::Int)
                        .unwrap_or(Bind::Text(value.clone())),
                    ValueKind::UInt => value
                        .parse()
                        .map(Bind::UInt)
                        .unwrap_or(Bind::Text(value.clone())),
                    _ => Bind::Text(value.clone()),
                });
            }
        }
    }
    let op = if descending { "<" } else { ">" };
    filter.conditions.push(format!(
        "({}) {op} ({})",
        columns.join(", "),
        placeholders.join(", ")
    ));
}
