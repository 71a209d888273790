//! Reading the catalog: which schemas are DataJoint schemas, and each schema's tables with
//! attributes, keys and foreign keys — a few queries per schema, on either backend.

use std::collections::{BTreeMap, HashMap};

use super::catalog::{
    Attribute, Table, ValueKind, class_name, parse_table_name, split_type_comment, value_kind,
};
use super::connect::{Bind, Database, RawRow, text};
use super::error::DbError;
use crate::config::DbBackend;

/// Schemas MySQL/MariaDB keep for themselves.
const MYSQL_SYSTEM: &str = "'mysql','information_schema','performance_schema','sys'";

/// How deep foreign keys are followed to find an inherited attribute's type.
const MAX_INHERITANCE_DEPTH: usize = 32;

/// `ident` quoted for the backend (`"a""b"` or `` `a``b` ``).
pub fn quote(backend: DbBackend, ident: &str) -> String {
    match backend {
        DbBackend::PostgreSql => format!("\"{}\"", ident.replace('"', "\"\"")),
        DbBackend::MySql => format!("`{}`", ident.replace('`', "``")),
    }
}

/// `schema.table`, quoted.
pub fn quote_table(backend: DbBackend, schema: &str, table: &str) -> String {
    format!("{}.{}", quote(backend, schema), quote(backend, table))
}

/// The DataJoint schemas of the database: those with a `~lineage` table or a column whose
/// comment carries DataJoint's `:type:` marker. System schemas are left out.
pub async fn list_schemas(db: &Database) -> Result<Vec<String>, DbError> {
    let sql = match db.backend() {
        DbBackend::PostgreSql => "SELECT n.nspname::text FROM pg_namespace n \
             WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') \
             AND n.nspname NOT LIKE 'pg\\_%' \
             AND EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = n.oid \
               AND c.relkind IN ('r', 'p') AND (c.relname = '~lineage' OR EXISTS ( \
                 SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 \
                 AND col_description(c.oid, a.attnum) LIKE ':%:%'))) \
             ORDER BY 1"
            .to_string(),
        DbBackend::MySql => format!(
            "SELECT DISTINCT CAST(TABLE_SCHEMA AS CHAR) FROM information_schema.columns \
             WHERE TABLE_SCHEMA NOT IN ({MYSQL_SYSTEM}) \
             AND (COLUMN_COMMENT LIKE ':%:%' OR TABLE_NAME = '~lineage') ORDER BY 1"
        ),
    };
    let rows = db.select("listing schemas", sql, &[]).await?;
    Ok(rows.iter().filter_map(|row| col(row, 0)).collect())
}

/// The tables of `schema`, sorted by tier order of declaration is unknown, so by name;
/// hidden (`~…`) tables and tables DataJoint did not name are left out.
pub async fn load_schema(db: &Database, schema: &str) -> Result<Vec<Table>, DbError> {
    let what = format!("reading schema \"{schema}\"");
    let tables = db
        .select(
            &what,
            tables_sql(db.backend()),
            &[Bind::Text(schema.into())],
        )
        .await?;
    if tables.is_empty() {
        let known = list_schemas(db).await.unwrap_or_default();
        if !known.iter().any(|s| s == schema) {
            return Err(DbError::NoSuchSchema {
                server: db.server().to_string(),
                schema: schema.to_string(),
                known,
            });
        }
    }
    let mut columns = ColumnIndex::default();
    columns.load(db, schema).await?;
    let keys = db
        .select(
            &what,
            primary_keys_sql(db.backend()),
            &[Bind::Text(schema.into())],
        )
        .await?;
    let fk_binds = [Bind::Text(schema.into()), Bind::Text(schema.into())];
    let fks = db
        .select(&what, foreign_keys_sql(db.backend()), &fk_binds)
        .await?;
    let links: Vec<ForeignKeyColumn> = fks.iter().filter_map(ForeignKeyColumn::from_row).collect();
    // Parents in other schemas: load their columns too, to find inherited types.
    let mut other: Vec<String> = links
        .iter()
        .map(|l| l.parent.0.clone())
        .filter(|s| s != schema)
        .collect();
    other.sort();
    other.dedup();
    for other_schema in other {
        // A schema the user may not read leaves its attributes untyped, not the listing.
        let _ = columns.load(db, &other_schema).await;
    }

    let mut primary: HashMap<String, Vec<String>> = HashMap::new();
    for row in &keys {
        if let (Some(table), Some(column)) = (col(row, 0), col(row, 1)) {
            primary.entry(table).or_default().push(column);
        }
    }
    let mut result = Vec::new();
    for row in &tables {
        let Some(sql_name) = col(row, 0) else {
            continue;
        };
        let Some((tier, name)) = parse_table_name(&sql_name) else {
            continue;
        };
        let primary_key: Vec<String> = primary
            .get(&sql_name)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|c| !c.starts_with('_'))
            .collect();
        let attributes = columns
            .table(schema, &sql_name)
            .iter()
            .filter(|c| !c.name.starts_with('_'))
            .map(|c| {
                let (dj_type, comment, kind) = columns.resolve_type(schema, &sql_name, c, &links);
                Attribute {
                    name: c.name.clone(),
                    dj_type,
                    sql_type: c.sql_type.clone(),
                    in_key: primary_key.contains(&c.name),
                    nullable: c.nullable,
                    comment,
                    kind,
                }
            })
            .collect();
        let mut parents: Vec<String> = links
            .iter()
            .filter(|l| l.child.0 == schema && l.child.1 == sql_name)
            .map(|l| format!("{}.{}", l.parent.0, l.parent.1))
            .collect();
        parents.dedup();
        let mut children: Vec<String> = links
            .iter()
            .filter(|l| l.parent.0 == schema && l.parent.1 == sql_name)
            .filter(|l| !l.child.1.starts_with('~'))
            .map(|l| format!("{}.{}", l.child.0, l.child.1))
            .collect();
        children.dedup();
        result.push(Table {
            schema: schema.to_string(),
            class_name: class_name(&name),
            sql_name,
            name,
            tier,
            comment: col(row, 1).unwrap_or_default(),
            attributes,
            primary_key,
            parents,
            children,
            rows_estimate: col(row, 2)
                .and_then(|t| t.parse::<f64>().ok())
                .filter(|n| *n >= 0.0)
                .map(|n| n as u64),
        });
    }
    Ok(result)
}

/// The table of `schema` named `name` (SQL name, name without tier prefix, or class name).
pub async fn find_table(db: &Database, schema: &str, name: &str) -> Result<Table, DbError> {
    let tables = load_schema(db, schema).await?;
    let known: Vec<String> = tables.iter().map(|t| t.class_name.clone()).collect();
    tables
        .into_iter()
        .find(|t| t.is_named(name))
        .ok_or_else(|| DbError::NoSuchTable {
            schema: schema.to_string(),
            table: name.to_string(),
            known,
        })
}

/// The exact number of rows of a table.
pub async fn count_rows(db: &Database, table: &Table) -> Result<u64, DbError> {
    let sql = format!(
        "SELECT CAST(count(*) AS {}) FROM {}",
        text_type(db.backend()),
        quote_table(db.backend(), &table.schema, &table.sql_name)
    );
    let what = format!("counting the rows of {}.{}", table.schema, table.class_name);
    let rows = db.select(&what, sql, &[]).await?;
    rows.first()
        .and_then(|row| col(row, 0))
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| DbError::Query {
            server: db.server().to_string(),
            what,
            detail: "the server returned no count".to_string(),
        })
}

/// The type every value is cast to: `text` or `CHAR`.
pub fn text_type(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::PostgreSql => "text",
        DbBackend::MySql => "CHAR",
    }
}

/// Column `i` of a catalog row as text.
fn col(row: &RawRow, i: usize) -> Option<String> {
    row.get(i).and_then(text)
}

fn tables_sql(backend: DbBackend) -> String {
    match backend {
        DbBackend::PostgreSql => "SELECT c.relname::text, \
             coalesce(obj_description(c.oid, 'pg_class'), ''), c.reltuples::text \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY c.relname"
            .to_string(),
        DbBackend::MySql => "SELECT CAST(TABLE_NAME AS CHAR), CAST(TABLE_COMMENT AS CHAR), \
             CAST(TABLE_ROWS AS CHAR) FROM information_schema.tables \
             WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME"
            .to_string(),
    }
}

fn columns_sql(backend: DbBackend) -> String {
    match backend {
        DbBackend::PostgreSql => "SELECT c.relname::text, a.attname::text, \
             format_type(a.atttypid, a.atttypmod), (NOT a.attnotnull)::text, \
             coalesce(col_description(c.oid, a.attnum), '') \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
             WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY c.relname, a.attnum"
            .to_string(),
        DbBackend::MySql => "SELECT CAST(TABLE_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR), \
             CAST(COLUMN_TYPE AS CHAR), CAST(IS_NULLABLE = 'YES' AS CHAR), \
             CAST(COLUMN_COMMENT AS CHAR) FROM information_schema.columns \
             WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION"
            .to_string(),
    }
}

fn primary_keys_sql(backend: DbBackend) -> String {
    match backend {
        DbBackend::PostgreSql => "SELECT c.relname::text, a.attname::text FROM pg_constraint p \
             JOIN pg_class c ON c.oid = p.conrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             CROSS JOIN LATERAL unnest(p.conkey) WITH ORDINALITY k(attnum, ord) \
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum \
             WHERE p.contype = 'p' AND n.nspname = $1 ORDER BY c.relname, k.ord"
            .to_string(),
        DbBackend::MySql => "SELECT CAST(TABLE_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR) \
             FROM information_schema.key_column_usage \
             WHERE TABLE_SCHEMA = ? AND CONSTRAINT_NAME = 'PRIMARY' \
             ORDER BY TABLE_NAME, ORDINAL_POSITION"
            .to_string(),
    }
}

/// Foreign keys from or to the schema, one row per column pair (the `pg_constraint … unnest`
/// form: DataJoint's own per-table PostgreSQL query returns a cross product).
fn foreign_keys_sql(backend: DbBackend) -> String {
    match backend {
        DbBackend::PostgreSql => "SELECT c.conname::text, ns1.nspname::text, cl1.relname::text, \
             ns2.nspname::text, cl2.relname::text, a1.attname::text, a2.attname::text \
             FROM pg_constraint c JOIN pg_class cl1 ON c.conrelid = cl1.oid \
             JOIN pg_namespace ns1 ON cl1.relnamespace = ns1.oid \
             JOIN pg_class cl2 ON c.confrelid = cl2.oid \
             JOIN pg_namespace ns2 ON cl2.relnamespace = ns2.oid \
             CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY \
               AS cols(conkey, confkey, ord) \
             JOIN pg_attribute a1 ON a1.attrelid = cl1.oid AND a1.attnum = cols.conkey \
             JOIN pg_attribute a2 ON a2.attrelid = cl2.oid AND a2.attnum = cols.confkey \
             WHERE c.contype = 'f' AND (ns1.nspname = $1 OR ns2.nspname = $2) \
             ORDER BY c.conname, cols.ord"
            .to_string(),
        DbBackend::MySql => "SELECT CAST(CONSTRAINT_NAME AS CHAR), CAST(TABLE_SCHEMA AS CHAR), \
             CAST(TABLE_NAME AS CHAR), CAST(REFERENCED_TABLE_SCHEMA AS CHAR), \
             CAST(REFERENCED_TABLE_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR), \
             CAST(REFERENCED_COLUMN_NAME AS CHAR) FROM information_schema.key_column_usage \
             WHERE REFERENCED_TABLE_NAME IS NOT NULL \
             AND (TABLE_SCHEMA = ? OR REFERENCED_TABLE_SCHEMA = ?) \
             ORDER BY CONSTRAINT_NAME, ORDINAL_POSITION"
            .to_string(),
    }
}

/// One column of the catalog, before its type is resolved.
#[derive(Clone, Debug)]
struct RawColumn {
    name: String,
    sql_type: String,
    nullable: bool,
    comment: String,
}

/// One column pair of a foreign key: (schema, table, column) → (schema, table, column).
#[derive(Clone, Debug)]
struct ForeignKeyColumn {
    child: (String, String, String),
    parent: (String, String, String),
}

impl ForeignKeyColumn {
    fn from_row(row: &RawRow) -> Option<ForeignKeyColumn> {
        Some(ForeignKeyColumn {
            child: (col(row, 1)?, col(row, 2)?, col(row, 5)?),
            parent: (col(row, 3)?, col(row, 4)?, col(row, 6)?),
        })
    }
}

/// Columns of the schemas read so far, by (schema, table).
#[derive(Default)]
struct ColumnIndex {
    tables: BTreeMap<(String, String), Vec<RawColumn>>,
}

impl ColumnIndex {
    /// Reads every column of `schema`.
    async fn load(&mut self, db: &Database, schema: &str) -> Result<(), DbError> {
        let what = format!("reading the columns of schema \"{schema}\"");
        let rows = db
            .select(
                &what,
                columns_sql(db.backend()),
                &[Bind::Text(schema.into())],
            )
            .await?;
        for row in &rows {
            let (Some(table), Some(name)) = (col(row, 0), col(row, 1)) else {
                continue;
            };
            let nullable = matches!(col(row, 3).as_deref(), Some("true" | "1"));
            self.tables
                .entry((schema.to_string(), table))
                .or_default()
                .push(RawColumn {
                    name,
                    sql_type: col(row, 2).unwrap_or_default(),
                    nullable,
                    comment: col(row, 4).unwrap_or_default(),
                });
        }
        Ok(())
    }

    fn table(&self, schema: &str, table: &str) -> &[RawColumn] {
        self.tables
            .get(&(schema.to_string(), table.to_string()))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The DataJoint type, user comment and kind of a column. A foreign-key column carries no
    /// type marker (DataJoint copies only the user comment, on PostgreSQL not even that):
    /// its type is its parent column's, followed up the chain of foreign keys.
    fn resolve_type(
        &self,
        schema: &str,
        table: &str,
        column: &RawColumn,
        links: &[ForeignKeyColumn],
    ) -> (String, String, ValueKind) {
        let (own_type, own_comment) = split_type_comment(&column.comment);
        if let Some(dj) = own_type {
            return (
                dj.to_string(),
                own_comment.to_string(),
                value_kind(Some(dj), &column.sql_type),
            );
        }
        let mut at = (schema.to_string(), table.to_string(), column.name.clone());
        for _ in 0..MAX_INHERITANCE_DEPTH {
            let Some(link) = links.iter().find(|l| l.child == at) else {
                break;
            };
            at = link.parent.clone();
            let Some(parent) = self.table(&at.0, &at.1).iter().find(|c| c.name == at.2) else {
                break;
            };
            let (parent_type, parent_comment) = split_type_comment(&parent.comment);
            if let Some(dj) = parent_type {
                let comment = if own_comment.is_empty() {
                    parent_comment
                } else {
                    own_comment
                };
                return (
                    dj.to_string(),
                    comment.to_string(),
                    value_kind(Some(dj), &column.sql_type),
                );
            }
        }
        (
            column.sql_type.clone(),
            own_comment.to_string(),
            value_kind(None, &column.sql_type),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote(DbBackend::PostgreSql, "a\"b"), "\"a\"\"b\"");
        assert_eq!(quote(DbBackend::MySql, "#a`b"), "`#a``b`");
        assert_eq!(
            quote_table(DbBackend::PostgreSql, "s", "__t"),
            "\"s\".\"__t\""
        );
    }
}
