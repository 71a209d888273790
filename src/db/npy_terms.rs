//! The filter language's metadata conditions (`shape[0]>1000`, `ndim=2`, `dtype:float32`,
//! `nbytes<=10MiB`) on an `<npy@>` column, turned into SQL on the JSON DataJoint keeps there
//! (`{"path", "store", "dtype", "shape"}`), so the database restricts, counts and pages by them
//! as it does by plain values.
//!
//! `shape`, `len` and `ndim` read the JSON directly. `dtype`, `size` and `nbytes` need numpy's
//! dtype rules, which SQL does not know: the column's distinct dtype names are read first
//! ([`catalog`], one grouped query), judged here with the same code the files table uses, and
//! bound as a list (`dtype IN (…)`) or as item sizes (`CASE dtype WHEN … THEN 4 END × shape`).
//! `size` of a cell is its data bytes (the `.npy` header is not in the database).

use std::collections::HashMap;

use super::catalog::{Attribute, Table, ValueKind};
use super::connect::{Bind, Database};
use super::error::DbError;
use super::introspect::{quote, quote_table};
use super::restrict::{Resolved, SqlFilter, Term, resolve};
use crate::config::DbBackend;
use crate::filter::{MetaCondition, MetaField};
use crate::npy::{DType, dtype_from_numpy_name};

/// Distinct dtype names read per column at most (a column has a handful).
const MAX_DTYPE_NAMES: usize = 10_000;

/// Whether `attribute` is an `<npy@>` column.
pub(crate) fn is_npy(attribute: &Attribute) -> bool {
    matches!(&attribute.kind, ValueKind::Codec(codec) if codec.name == "npy" && codec.store.is_some())
}

/// One dtype name found in a column.
#[derive(Clone, Debug)]
struct DtypeName {
    /// As DataJoint wrote it (`float32`, `<U5`).
    name: String,
    /// What npyscope makes of it (`None`: a name it does not know; such cells match nothing).
    dtype: Option<DType>,
    /// The most axes of the arrays with this dtype.
    max_ndim: u64,
}

/// The dtype names of the `<npy@>` columns that conditions need them for.
#[derive(Clone, Debug, Default)]
pub struct NpyCatalog {
    columns: HashMap<String, Vec<DtypeName>>,
}

/// Reads the dtype names of every `<npy@>` column a `dtype`, `size` or `nbytes` condition of
/// `terms` is about (nothing when there is none).
pub async fn catalog(db: &Database, table: &Table, terms: &[Term]) -> Result<NpyCatalog, DbError> {
    let mut catalog = NpyCatalog::default();
    let backend = db.backend();
    for term in terms {
        let Resolved::Npy(column, condition) = resolve(table, term)? else {
            continue;
        };
        let needs_dtypes = matches!(
            condition.field(),
            MetaField::Dtype | MetaField::Size | MetaField::Nbytes
        );
        if !needs_dtypes || catalog.columns.contains_key(&column.name) {
            continue;
        }
        let (dtype, ndim, text) = (
            dtype_expr(backend, column),
            ndim_expr(backend, column),
            match backend {
                DbBackend::PostgreSql => "text",
                DbBackend::MySql => "CHAR",
            },
        );
        let sql = format!(
            "SELECT CAST({dtype} AS {text}), CAST(MAX({ndim}) AS {text}) FROM {} \
             WHERE {} IS NOT NULL GROUP BY {dtype} LIMIT {MAX_DTYPE_NAMES}",
            quote_table(backend, &table.schema, &table.sql_name),
            quote(backend, &column.name)
        );
        let what = format!(
            "reading the dtypes of {}.{}.{}",
            table.schema, table.class_name, column.name
        );
        let rows = db.select(&what, sql, &[]).await?;
        let names = rows
            .into_iter()
            .filter_map(|row| {
                let mut values = row.into_iter();
                let name = String::from_utf8(values.next()??).ok()?;
                let max_ndim = values
                    .next()
                    .flatten()
                    .and_then(|v| String::from_utf8(v).ok())
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                Some(DtypeName {
                    dtype: dtype_from_numpy_name(&name).ok(),
                    name,
                    max_ndim,
                })
            })
            .collect();
        catalog.columns.insert(column.name.clone(), names);
    }
    Ok(catalog)
}

/// Adds `condition` on `column` to `filter`.
pub(crate) fn restrict(
    backend: DbBackend,
    column: &Attribute,
    condition: &MetaCondition,
    catalog: &NpyCatalog,
    filter: &mut SqlFilter,
) -> Result<(), DbError> {
    let names = || {
        catalog.columns.get(&column.name).ok_or_else(|| {
            DbError::BadRequest(format!(
                "the dtypes of {} were not read before its restriction",
                column.name
            ))
        })
    };
    let value = match condition.field() {
        MetaField::Dtype => return dtype_condition(backend, column, condition, names()?, filter),
        MetaField::Ndim => ndim_expr(backend, column),
        MetaField::Len => axis_expr(backend, column, 0),
        MetaField::Axis(i) => axis_expr(backend, column, i),
        MetaField::Size | MetaField::Nbytes => nbytes_expr(backend, column, names()?, filter),
    };
    let Some((op, num, den)) = condition.comparison() else {
        return Err(DbError::BadRequest(format!(
            "{}: this condition cannot be used on the database",
            column.name
        )));
    };
    // `value OP num / den` as `value × den OP num`: exact for sizes such as 1.5GB.
    let den_at = filter.placeholder(backend);
    filter.binds.push(Bind::Text(den.to_string()));
    let num_at = filter.placeholder(backend);
    filter.binds.push(Bind::Text(num.to_string()));
    let number = match backend {
        DbBackend::PostgreSql => "numeric",
        DbBackend::MySql => "DECIMAL(65,0)",
    };
    filter.conditions.push(format!(
        "({value}) * CAST({den_at} AS {number}) {op} CAST({num_at} AS {number})"
    ));
    Ok(())
}

/// `dtype IN (…)` with the column's dtype names the condition holds for (bound).
fn dtype_condition(
    backend: DbBackend,
    column: &Attribute,
    condition: &MetaCondition,
    names: &[DtypeName],
    filter: &mut SqlFilter,
) -> Result<(), DbError> {
    let matching: Vec<&DtypeName> = names
        .iter()
        .filter(|n| n.dtype.as_ref().is_some_and(|d| condition.dtype_holds(d)))
        .collect();
    if matching.is_empty() {
        filter.conditions.push("1 = 0".to_string());
        return Ok(());
    }
    let dtype = dtype_expr(backend, column);
    let mut placeholders = Vec::new();
    for name in matching {
        placeholders.push(filter.placeholder(backend));
        filter.binds.push(Bind::Text(name.name.clone()));
    }
    filter
        .conditions
        .push(format!("{dtype} IN ({})", placeholders.join(", ")));
    Ok(())
}

/// The cell's JSON as a value the backend's JSON functions take.
fn json(backend: DbBackend, column: &Attribute) -> String {
    let quoted = quote(backend, &column.name);
    match backend {
        DbBackend::PostgreSql => format!("CAST({quoted} AS jsonb)"),
        DbBackend::MySql => quoted,
    }
}

/// The dtype name written in the cell.
fn dtype_expr(backend: DbBackend, column: &Attribute) -> String {
    let json = json(backend, column);
    match backend {
        DbBackend::PostgreSql => format!("({json} ->> 'dtype')"),
        DbBackend::MySql => format!("JSON_UNQUOTE(JSON_EXTRACT({json}, '$.dtype'))"),
    }
}

/// The number of axes of the cell's shape.
fn ndim_expr(backend: DbBackend, column: &Attribute) -> String {
    let json = json(backend, column);
    match backend {
        DbBackend::PostgreSql => format!("jsonb_array_length({json} -> 'shape')"),
        DbBackend::MySql => format!("JSON_LENGTH({json}, '$.shape')"),
    }
}

/// The length of axis `i` (negative counts from the end); NULL when there is no such axis.
fn axis_expr(backend: DbBackend, column: &Attribute, i: i64) -> String {
    let json = json(backend, column);
    match backend {
        // jsonb counts negative indexes from the end itself.
        DbBackend::PostgreSql => format!("CAST(({json} -> 'shape') ->> ({i}) AS numeric)"),
        DbBackend::MySql if i >= 0 => {
            format!("CAST(JSON_EXTRACT({json}, '$.shape[{i}]') AS DECIMAL(65,0))")
        }
        DbBackend::MySql => {
            let back = i.unsigned_abs();
            let ndim = ndim_expr(backend, column);
            format!(
                "CASE WHEN {ndim} >= {back} THEN CAST(JSON_EXTRACT({json}, \
                 CONCAT('$.shape[', {ndim} - {back}, ']')) AS DECIMAL(65,0)) END"
            )
        }
    }
}

/// The cell's data bytes: the item size of its dtype (bound names) times every axis length.
fn nbytes_expr(
    backend: DbBackend,
    column: &Attribute,
    names: &[DtypeName],
    filter: &mut SqlFilter,
) -> String {
    let mut cases = Vec::new();
    let mut max_ndim = 0;
    for name in names {
        let Some(itemsize) = name.dtype.as_ref().and_then(DType::checked_itemsize) else {
            continue;
        };
        cases.push(format!(
            "WHEN {} THEN {itemsize}",
            filter.placeholder(backend)
        ));
        filter.binds.push(Bind::Text(name.name.clone()));
        max_ndim = max_ndim.max(name.max_ndim);
    }
    if cases.is_empty() {
        return "NULL".to_string();
    }
    let mut product = format!(
        "(CASE {} {} END)",
        dtype_expr(backend, column),
        cases.join(" ")
    );
    // numpy allows at most 64 axes; the JSON has no more than the catalog saw.
    for i in 0..max_ndim.min(64) {
        let axis = axis_expr(backend, column, i as i64);
        product.push_str(&format!(" * COALESCE({axis}, 1)"));
    }
    product
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{Codec, Term};

    fn npy_column() -> Attribute {
        Attribute {
            name: "waveform".into(),
            dj_type: "<npy@main>".into(),
            sql_type: "jsonb".into(),
            in_key: false,
            nullable: false,
            comment: String::new(),
            kind: ValueKind::Codec(Codec {
                name: "npy".into(),
                store: Some("main".into()),
            }),
        }
    }

    fn condition(text: &str) -> MetaCondition {
        match Term::parse(text) {
            Ok(Term::Npy(t)) => t.condition,
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn shape_conditions_read_the_json_and_bind_the_value() {
        let column = npy_column();
        for backend in [DbBackend::PostgreSql, DbBackend::MySql] {
            let mut filter = SqlFilter::default();
            let c = condition("shape[-1]>=3");
            let done = restrict(backend, &column, &c, &NpyCatalog::default(), &mut filter);
            assert!(done.is_ok(), "{done:?}");
            assert_eq!(filter.conditions.len(), 1);
            assert!(filter.conditions[0].contains("shape"), "{filter:?}");
            assert!(filter.conditions[0].contains(">="), "{filter:?}");
            assert_eq!(
                filter.binds,
                vec![Bind::Text("1".into()), Bind::Text("3".into())]
            );
        }
    }

    #[test]
    fn dtype_conditions_bind_the_matching_names() {
        let column = npy_column();
        let mut catalog = NpyCatalog::default();
        let name = |n: &str, ndim| DtypeName {
            name: n.into(),
            dtype: dtype_from_numpy_name(n).ok(),
            max_ndim: ndim,
        };
        catalog.columns.insert(
            "waveform".into(),
            vec![
                name("float32", 2),
                name("int64", 1),
                name("<U5", 1),
                name("nonsense", 3),
            ],
        );
        let mut filter = SqlFilter::default();
        let c = condition("dtype:float");
        assert!(restrict(DbBackend::PostgreSql, &column, &c, &catalog, &mut filter).is_ok());
        assert_eq!(filter.binds, vec![Bind::Text("float32".into())]);
        let mut filter = SqlFilter::default();
        let c = condition("dtype:complex");
        assert!(restrict(DbBackend::MySql, &column, &c, &catalog, &mut filter).is_ok());
        assert_eq!(filter.conditions, vec!["1 = 0"]);
        // nbytes: one CASE arm per known name, as many axes as the column has.
        let mut filter = SqlFilter::default();
        let c = condition("nbytes>1kB");
        assert!(restrict(DbBackend::PostgreSql, &column, &c, &catalog, &mut filter).is_ok());
        let sql = &filter.conditions[0];
        assert_eq!(sql.matches("WHEN").count(), 3, "{sql}");
        assert_eq!(sql.matches("COALESCE").count(), 2, "{sql}");
        assert!(
            !sql.contains("nonsense"),
            "names are bound, not spliced: {sql}"
        );
    }
}
