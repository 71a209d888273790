//! The DataJoint database, read-only: a connection made as DataJoint makes it
//! ([`Database::connect`] from a [`crate::config::DatabaseSpec`]), the catalog of DataJoint
//! schemas and tables ([`list_schemas`], [`load_schema`]: tiers, attribute types from the
//! `:type:` column comments, keys, foreign keys), and rows a page at a time ([`fetch_page`])
//! with `<npy@>` cells decoded from the database's JSON ([`CellValue`]), restricted by values and
//! by the `<npy@>` metadata in the files table's filter language ([`Term`]).
//!
//! PostgreSQL and the MySQL protocol (MySQL 8, MariaDB) through `sqlx`; every value is cast to
//! text in the `SELECT` (bytes columns give their length and first bytes), so one decoder serves
//! both servers and every column type. Nothing here knows of the window.

mod blob_cells;
mod catalog;
mod connect;
mod error;
mod introspect;
mod npy_terms;
mod restrict;
mod rows;
mod value;

pub use blob_cells::{
    blob_object, blob_stores, fetch_cell_bytes, read_blob_headers, read_blob_headers_in,
};
pub use catalog::{
    Attribute, Codec, Table, Tier, ValueKind, class_name, parse_codec, parse_table_name,
    split_type_comment,
};
pub use connect::{
    Bind, CONNECT_TIMEOUT, Database, STATEMENT_TIMEOUT, mysql_options, mysql_session_setup,
    pg_options,
};
pub use error::DbError;
pub use introspect::{count_rows, find_table, list_schemas, load_schema, quote, quote_table};
pub use npy_terms::{NpyCatalog, catalog as npy_catalog};
pub use restrict::{NpyTerm, Op, Term, ValueTerm};
pub use rows::{DbRow, Order, PAGE_ROWS, PageStart, RowQuery, count_matching, fetch_page};
pub use value::{BYTES_HEAD, BlobShape, CellJson, CellValue, NpyCell, StoredCell};

/// `SCHEMA.TABLE` split at the first dot (a part table's class name `Master.Part` keeps its
/// own dot in the table half).
pub fn split_table_name(text: &str) -> Result<(&str, &str), DbError> {
    match text.split_once('.') {
        Some((schema, table)) if !schema.is_empty() && !table.is_empty() => Ok((schema, table)),
        _ => Err(DbError::BadRequest(format!(
            "\"{text}\" is not SCHEMA.TABLE (e.g. lab_ephys.Recording or lab_ephys.recording)"
        ))),
    }
}
