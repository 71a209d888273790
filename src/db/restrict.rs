//! Restrictions of a table's rows: `attr=value` terms (also `!=`, `<`, `<=`, `>`, `>=`, and
//! `attr=null`), combined with AND, checked against the table's attributes and turned into SQL
//! with bound values — never spliced into the statement.

use super::catalog::{Attribute, Table, ValueKind};
use super::connect::Bind;
use super::error::DbError;
use super::introspect::quote;
use crate::config::DbBackend;

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

/// One restriction term as written: `attr OP value`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    /// The attribute.
    pub attr: String,
    /// The comparison.
    pub op: Op,
    /// The value as written (`None` for `null`).
    pub value: Option<String>,
}

impl Term {
    /// Parses `attr=value`, `attr>=value`, …; the value may be quoted (`name="a b"`).
    pub fn parse(text: &str) -> Result<Term, DbError> {
        let bad = || {
            DbError::BadRequest(format!(
                "\"{text}\" is not a restriction: write ATTRIBUTE=VALUE (or !=, <, <=, >, >=), \
                 e.g. subject_id=mouse01 or session_date>=2024-01-01"
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
        Ok(Term {
            attr: attr.to_string(),
            op,
            value,
        })
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

    /// Adds the restriction `terms` on `table`.
    pub fn restrict(
        &mut self,
        backend: DbBackend,
        table: &Table,
        terms: &[Term],
    ) -> Result<(), DbError> {
        let table_name = format!("{}.{}", table.schema, table.class_name);
        for term in terms {
            let attribute = table.attribute(&term.attr).ok_or_else(|| {
                let names: Vec<&str> = table.attributes.iter().map(|a| a.name.as_str()).collect();
                DbError::BadRequest(format!(
                    "{table_name} has no attribute \"{}\" (attributes: {})",
                    term.attr,
                    names.join(", ")
                ))
            })?;
            if term.value.is_some() && !attribute.kind.is_comparable() {
                return Err(DbError::BadRequest(format!(
                    "{table_name}.{} is {}: it cannot be compared with a value",
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
                (Some(value), op) => {
                    self.compare(backend, attribute, op, value, &table_name)?;
                }
            }
        }
        Ok(())
    }
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

    #[test]
    fn terms_parse() {
        let t = Term::parse("subject_id=mouse01").map_err(|e| e.to_string());
        assert_eq!(
            t,
            Ok(Term {
                attr: "subject_id".into(),
                op: Op::Eq,
                value: Some("mouse01".into())
            })
        );
        let t = Term::parse("session >= 3").map_err(|e| e.to_string());
        assert_eq!(t.map(|t| (t.op, t.value)), Ok((Op::Ge, Some("3".into()))));
        let t = Term::parse("note=\"a = b\"").map_err(|e| e.to_string());
        assert_eq!(t.map(|t| t.value), Ok(Some("a = b".into())));
        let t = Term::parse("note=null").map_err(|e| e.to_string());
        assert_eq!(t.map(|t| t.value), Ok(None));
        for bad in ["", "noop", "=3", "a b=3", "x;drop=1"] {
            assert!(Term::parse(bad).is_err(), "{bad}");
        }
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
