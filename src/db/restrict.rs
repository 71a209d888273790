//! Restrictions of a table's rows: `attr=value` terms (also `!=`, `<`, `<=`, `>`, `>=`, and
//! `attr=null`) and the filter language's metadata conditions on `<npy@>` columns
//! (`waveform.shape[0]>1000`), combined with AND, checked against the table's attributes and
//! turned into SQL with bound values — never spliced into the statement.

use super::catalog::{Attribute, Table, ValueKind};
use super::connect::Bind;
use super::error::DbError;
use super::introspect::quote;
use super::npy_terms::{self, NpyCatalog};
use crate::config::DbBackend;
use crate::filter::MetaCondition;

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Op {
    fn sql(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "<>",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }
}

/// One restriction term as written.
#[derive(Clone, Debug, PartialEq)]
pub enum Term {
    /// `attr OP value` on a column.
    Value(ValueTerm),
    /// A condition on an `<npy@>` column's metadata in the filter language
    /// (`shape[0]>1000`, `waveform.dtype:float32`, `size>1GB`).
    Npy(NpyTerm),
}

/// `attr OP value` on a column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueTerm {
    /// The attribute.
    pub attr: String,
    /// The comparison.
    pub op: Op,
    /// The value as written (`None` for `null`).
    pub value: Option<String>,
}

/// A metadata condition on an `<npy@>` column.
#[derive(Clone, Debug, PartialEq)]
pub struct NpyTerm {
    /// The column named before a dot (`waveform.shape[0]`); `None`: the table's only `<npy@>`
    /// column.
    pub column: Option<String>,
    /// The term as written (a table with a column named like the key reads it as a value term).
    pub text: String,
    /// The condition.
    pub condition: MetaCondition,
}

impl Term {
    /// Parses `attr=value`, `attr>=value`, … (the value may be quoted: `name="a b"`), or a
    /// metadata condition on an `<npy@>` column, `[column.]shape[0]>1000`, `dtype:float32`,
    /// `nbytes<=10MiB`.
    pub fn parse(text: &str) -> Result<Term, DbError> {
        let trimmed = text.trim();
        // `column.key…`: the part before the first dot names the column when it is a name.
        let (column, rest) = match trimmed.split_once('.') {
            Some((column, rest))
                if !column.is_empty()
                    && column
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                (Some(column), rest)
            }
            _ => (None, trimmed),
        };
        let meta = MetaCondition::parse(rest);
        match (meta, column) {
            (Ok(Some(condition)), column) => Ok(Term::Npy(NpyTerm {
                column: column.map(str::to_string),
                text: trimmed.to_string(),
                condition,
            })),
            (Err(err), Some(_)) => Err(DbError::BadRequest(err.to_string())),
            (Err(err), None) => {
                ValueTerm::parse(trimmed).map_err(|_| DbError::BadRequest(err.to_string()))
            }
            (Ok(None), _) => ValueTerm::parse(trimmed),
        }
    }
}

impl ValueTerm {
    /// Parses `attr=value`, `attr>=value`, …; the value may be quoted (`name="a b"`).
    fn parse(text: &str) -> Result<Term, DbError> {
        let bad = || {
            DbError::BadRequest(format!(
                "\"{text}\" is not a restriction: write ATTRIBUTE=VALUE (or !=, <, <=, >, >=), \
                 e.g. subject_id=mouse01 or session_date>=2024-01-01, or an <npy@> column's \
                 metadata, e.g. waveform.shape[0]>1000 or waveform.dtype:float32"
            ))
        };
        let at = text.find(['=', '!', '<', '>']).ok_or_else(bad)?;
        let attr = text[..at].trim();
        let rest = &text[at..];
        let (op, value) = [
            ("!=", Op::Ne),
            ("<>", Op::Ne),
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("==", Op::Eq),
            ("=", Op::Eq),
            ("<", Op::Lt),
            (">", Op::Gt),
        ]
        .iter()
        .find_map(|(sym, op)| rest.strip_prefix(sym).map(|v| (*op, v)))
        .ok_or_else(bad)?;
        if attr.is_empty() || !attr.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(bad());
        }
        let value = value.trim();
        let unquoted = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')));
        let value = match unquoted {
            Some(v) => Some(v.to_string()),
            None if value.eq_ignore_ascii_case("null") => None,
            None => Some(value.to_string()),
        };
        Ok(Term::Value(ValueTerm {
            attr: attr.to_string(),
            op,
            value,
        }))
    }
}

/// A `WHERE` clause body and its bound values, for one backend.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SqlFilter {
    /// Conditions joined with AND (empty: every row).
    pub conditions: Vec<String>,
    /// Values for the placeholders, in order.
    pub binds: Vec<Bind>,
}

impl SqlFilter {
    /// The next placeholder: `$n` on PostgreSQL, `?` on MySQL.
    pub fn placeholder(&self, backend: DbBackend) -> String {
        match backend {
            DbBackend::PostgreSql => format!("${}", self.binds.len() + 1),
            DbBackend::MySql => "?".to_string(),
        }
    }

    /// ` WHERE a AND b`, or nothing.
    pub fn where_clause(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.conditions.join(" AND "))
        }
    }

    /// Adds `column OP value` with the value bound and typed for the column.
    pub fn compare(
        &mut self,
        backend: DbBackend,
        attribute: &Attribute,
        op: Op,
        value: &str,
        table_name: &str,
    ) -> Result<(), DbError> {
        let bind = typed_bind(attribute, value, table_name)?;
        let column = quote(backend, &attribute.name);
        let placeholder = self.placeholder(backend);
        let condition = match backend {
            // PostgreSQL: text compared as text (an enum or varchar with any value length);
            // everything else with the value cast to the column's own type.
            DbBackend::PostgreSql => match attribute.kind {
                ValueKind::Text => format!("{column}::text {} {placeholder}", op.sql()),
                _ => format!(
                    "{column} {} CAST({placeholder} AS {})",
                    op.sql(),
                    attribute.sql_type
                ),
            },
            DbBackend::MySql => format!("{column} {} {placeholder}", op.sql()),
        };
        self.conditions.push(condition);
        self.binds.push(match backend {
            DbBackend::PostgreSql => Bind::Text(value.to_string()),
            DbBackend::MySql => bind,
        });
        Ok(())
    }

    /// Adds the restriction `terms` on `table`; `catalog` holds the dtypes of the `<npy@>`
    /// columns that `dtype`, `size` and `nbytes` conditions look at ([`npy_terms::catalog`]).
    pub fn restrict(
        &mut self,
        backend: DbBackend,
        table: &Table,
        terms: &[Term],
        catalog: &NpyCatalog,
    ) -> Result<(), DbError> {
        let table_name = format!("{}.{}", table.schema, table.class_name);
        for term in terms {
            match resolve(table, term)? {
                Resolved::Value(term) => self.value_term(backend, table, &term, &table_name)?,
                Resolved::Npy(column, condition) => {
                    npy_terms::restrict(backend, column, condition, catalog, self)?
                }
            }
        }
        Ok(())
    }

    /// Adds one `attr OP value` term.
    fn value_term(
        &mut self,
        backend: DbBackend,
        table: &Table,
        term: &ValueTerm,
        table_name: &str,
    ) -> Result<(), DbError> {
        let attribute = table.attribute(&term.attr).ok_or_else(|| {
            let names: Vec<&str> = table.attributes.iter().map(|a| a.name.as_str()).collect();
            DbError::BadRequest(format!(
                "{table_name} has no attribute \"{}\" (attributes: {})",
                term.attr,
                names.join(", ")
            ))
        })?;
        if term.value.is_some() && !attribute.kind.is_comparable() {
            let hint = if npy_terms::is_npy(attribute) {
                format!(
                    "; restrict its metadata instead, e.g. {0}.shape[0]>1000 or {0}.dtype:float32",
                    attribute.name
                )
            } else {
                String::new()
            };
            return Err(DbError::BadRequest(format!(
                "{table_name}.{} is {}: it cannot be compared with a value{hint}",
                attribute.name, attribute.dj_type
            )));
        }
        match (&term.value, term.op) {
            (None, Op::Eq) => self
                .conditions
                .push(format!("{} IS NULL", quote(backend, &attribute.name))),
            (None, Op::Ne) => self
                .conditions
                .push(format!("{} IS NOT NULL", quote(backend, &attribute.name))),
            (None, _) => {
                return Err(DbError::BadRequest(format!(
                    "{}: null can only be compared with = or !=",
                    term.attr
                )));
            }
            (Some(value), op) => self.compare(backend, attribute, op, value, table_name)?,
        }
        Ok(())
    }
}

/// A term checked against the table: a value term, or a metadata condition on a column.
pub(crate) enum Resolved<'a> {
    /// `attr OP value`.
    Value(ValueTerm),
    /// A condition on this `<npy@>` column.
    Npy(&'a Attribute, &'a MetaCondition),
}

/// Which column a term is about. A metadata condition without a column takes the table's only
/// `<npy@>` column; a table with an attribute named like the key (`size`) reads it as a value.
pub(crate) fn resolve<'a>(table: &'a Table, term: &'a Term) -> Result<Resolved<'a>, DbError> {
    let table_name = format!("{}.{}", table.schema, table.class_name);
    let npy = match term {
        Term::Value(term) => return Ok(Resolved::Value(term.clone())),
        Term::Npy(npy) => npy,
    };
    let npy_columns: Vec<&Attribute> = table
        .attributes
        .iter()
        .filter(|a| npy_terms::is_npy(a))
        .collect();
    let names = |columns: &[&Attribute]| {
        columns
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let column = match &npy.column {
        Some(name) => match table.attribute(name) {
            Some(a) if npy_terms::is_npy(a) => a,
            Some(a) => {
                return Err(DbError::BadRequest(format!(
                    "{table_name}.{name} is {}, not an <npy@> column: \"{}\" needs one of: {}",
                    a.dj_type,
                    npy.text,
                    names(&npy_columns)
                )));
            }
            None => {
                return Err(DbError::BadRequest(format!(
                    "{table_name} has no attribute \"{name}\" (its <npy@> columns: {})",
                    names(&npy_columns)
                )));
            }
        },
        None => {
            let key: String = npy
                .text
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if table.attribute(&key).is_some()
                && let Ok(Term::Value(value)) = ValueTerm::parse(&npy.text)
            {
                return Ok(Resolved::Value(value));
            }
            match npy_columns.as_slice() {
                [only] => only,
                [] => {
                    return Err(DbError::BadRequest(format!(
                        "{table_name} has no <npy@> column for \"{}\"",
                        npy.text
                    )));
                }
                several => {
                    return Err(DbError::BadRequest(format!(
                        "{table_name} has several <npy@> columns ({}): name one, e.g. {}.{}",
                        names(several),
                        several[0].name,
                        npy.text
                    )));
                }
            }
        }
    };
    Ok(Resolved::Npy(column, &npy.condition))
}

/// `value` checked against the attribute's type and bound with the right type.
pub fn typed_bind(attribute: &Attribute, value: &str, table_name: &str) -> Result<Bind, DbError> {
    let wrong = |expected: &str| {
        DbError::BadRequest(format!(
            "{table_name}.{} is {}: \"{value}\" is not {expected}",
            attribute.name, attribute.dj_type
        ))
    };
    Ok(match attribute.kind {
        ValueKind::Int => Bind::Int(value.trim().parse().map_err(|_| wrong("a whole number"))?),
        ValueKind::UInt => {
            let u: u64 = value
                .trim()
                .parse()
                .map_err(|_| wrong("a whole number ≥ 0"))?;
            i64::try_from(u).map(Bind::Int).unwrap_or(Bind::UInt(u))
        }
        ValueKind::Float => Bind::Float(value.trim().parse().map_err(|_| wrong("a number"))?),
        ValueKind::Decimal => {
            value.trim().parse::<f64>().map_err(|_| wrong("a number"))?;
            Bind::Text(value.trim().to_string())
        }
        ValueKind::Bool => match value.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "t" | "yes" => Bind::Int(1),
            "false" | "0" | "f" | "no" => Bind::Int(0),
            _ => return Err(wrong("true or false")),
        },
        ValueKind::Date => {
            chrono::NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
                .map_err(|_| wrong("a date (YYYY-MM-DD)"))?;
            Bind::Text(value.trim().to_string())
        }
        ValueKind::DateTime => {
            let v = value.trim().replacen('T', " ", 1);
            let ok = ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%d"]
                .iter()
                .any(|f| {
                    chrono::NaiveDateTime::parse_from_str(&v, f).is_ok()
                        || chrono::NaiveDate::parse_from_str(&v, f).is_ok()
                });
            if !ok {
                return Err(wrong("a date and time (YYYY-MM-DD HH:MM:SS)"));
            }
            Bind::Text(v)
        }
        _ => Bind::Text(value.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value term of `text`, or why it is not one.
    fn value(text: &str) -> Result<ValueTerm, String> {
        match Term::parse(text).map_err(|e| e.to_string())? {
            Term::Value(v) => Ok(v),
            Term::Npy(n) => Err(format!("an npy term: {n:?}")),
        }
    }

    #[test]
    fn terms_parse() {
        assert_eq!(
            value("subject_id=mouse01"),
            Ok(ValueTerm {
                attr: "subject_id".into(),
                op: Op::Eq,
                value: Some("mouse01".into())
            })
        );
        let t = value("session >= 3");
        assert_eq!(t.map(|t| (t.op, t.value)), Ok((Op::Ge, Some("3".into()))));
        assert_eq!(
            value("note=\"a = b\"").map(|t| t.value),
            Ok(Some("a = b".into()))
        );
        assert_eq!(value("note=null").map(|t| t.value), Ok(None));
        assert_eq!(value("value=0.5").map(|t| t.attr), Ok("value".into()));
        for bad in ["", "noop", "=3", "a b=3", "x;drop=1", "a.b=3"] {
            assert!(Term::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn npy_metadata_terms_parse_with_or_without_a_column() {
        let npy = |text: &str| match Term::parse(text) {
            Ok(Term::Npy(n)) => Some(n),
            _ => None,
        };
        let t = npy("waveform.shape[0] > 1000");
        assert_eq!(
            t.as_ref().and_then(|t| t.column.as_deref()),
            Some("waveform")
        );
        assert_eq!(
            t.map(|t| t.condition.field()),
            Some(crate::filter::MetaField::Axis(0))
        );
        assert!(npy("dtype:float32").is_some_and(|t| t.column.is_none()));
        assert!(npy("size>1.5GB").is_some());
        // Malformed metadata terms say what the filter language expects.
        let err = Term::parse("waveform.shape[x]>3")
            .map(|_| ())
            .map_err(|e| e.to_string());
        assert!(err.as_ref().is_err_and(|e| e.contains("axis")), "{err:?}");
        let err = Term::parse("dtype:float33")
            .map(|_| ())
            .map_err(|e| e.to_string());
        assert!(
            err.as_ref().is_err_and(|e| e.contains("unknown dtype")),
            "{err:?}"
        );
    }

    #[test]
    fn values_are_checked_and_bound_not_spliced() {
        let attr = Attribute {
            name: "session".into(),
            dj_type: "int32".into(),
            sql_type: "integer".into(),
            in_key: true,
            nullable: false,
            comment: String::new(),
            kind: ValueKind::Int,
        };
        let mut filter = SqlFilter::default();
        filter
            .compare(DbBackend::PostgreSql, &attr, Op::Eq, "3", "s.T")
            .map_err(|e| e.to_string())
            .ok();
        assert_eq!(filter.conditions, vec!["\"session\" = CAST($1 AS integer)"]);
        assert_eq!(filter.binds, vec![Bind::Text("3".into())]);
        let err = typed_bind(&attr, "3; DROP TABLE x", "s.T").map(|_| ());
        assert!(err.is_err());
    }
}
