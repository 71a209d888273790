//! What a DataJoint schema holds, as DataJoint records it (`declare.py`, `heading.py`,
//! `user_tables.py`): tables with their tier (from the name's prefix), comments, attributes
//! with their DataJoint type (from the `:type:comment` column comment), primary keys, and
//! parents/children through foreign keys. Pure: the SQL that fills it is in `introspect.rs`.

use serde_json::{Value, json};

/// A table's tier, from the prefix of its SQL name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tier {
    /// No prefix: `dj.Manual`.
    Manual,
    /// `#name`: `dj.Lookup`.
    Lookup,
    /// `_name`: `dj.Imported`.
    Imported,
    /// `__name`: `dj.Computed`.
    Computed,
    /// `master__part`: `dj.Part`.
    Part,
}

impl Tier {
    /// The name used in `db tables --json`: `manual`, `lookup`, `imported`, `computed`, `part`.
    pub fn name(self) -> &'static str {
        match self {
            Tier::Manual => "manual",
            Tier::Lookup => "lookup",
            Tier::Imported => "imported",
            Tier::Computed => "computed",
            Tier::Part => "part",
        }
    }
}

/// Whether `s` is a DataJoint base name: `[a-z][a-z0-9]*(_[a-z][a-z0-9]*)*`.
fn is_base_name(s: &str) -> bool {
    !s.is_empty()
        && s.split('_').all(|word| {
            let mut chars = word.chars();
            chars.next().is_some_and(|c| c.is_ascii_lowercase())
                && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// A master's name with its tier prefix: Manual, Lookup, Computed, Imported, in DataJoint's
/// order (`_get_tier`).
fn master_tier(name: &str) -> Option<(Tier, &str)> {
    if is_base_name(name) {
        Some((Tier::Manual, name))
    } else if let Some(base) = name.strip_prefix('#').filter(|b| is_base_name(b)) {
        Some((Tier::Lookup, base))
    } else if let Some(base) = name.strip_prefix("__").filter(|b| is_base_name(b)) {
        Some((Tier::Computed, base))
    } else if let Some(base) = name.strip_prefix('_').filter(|b| is_base_name(b)) {
        Some((Tier::Imported, base))
    } else {
        None
    }
}

/// The tier of a SQL table name and the name without its tier prefix (`__recording_stats`
/// → computed, `recording_stats`; `__processed__detail` → part, `processed__detail`).
/// `None` for hidden (`~…`) and non-DataJoint tables.
pub fn parse_table_name(sql_name: &str) -> Option<(Tier, String)> {
    if let Some((tier, base)) = master_tier(sql_name) {
        return Some((tier, base.to_string()));
    }
    // A part: the last `__` separates master and part (a part's own name has no `__`).
    let (master, part) = sql_name.rsplit_once("__")?;
    if !is_base_name(part) {
        return None;
    }
    let (_, master_base) = master_tier(master)?;
    Some((Tier::Part, format!("{master_base}__{part}")))
}

/// The class name of a name without tier prefix: `recording_stats` → `RecordingStats`,
/// `processed__detail` → `Processed.Detail`.
pub fn class_name(name: &str) -> String {
    name.split("__")
        .map(|part| {
            part.split('_')
                .map(|word| {
                    let mut chars = word.chars();
                    match chars.next() {
                        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                        None => String::new(),
                    }
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// A codec attribute type such as `<npy@main>`, `<blob@>`, `<blob>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Codec {
    /// The codec's name: `npy`, `blob`, `attach`, `hash`, `object`, `filepath`, or another.
    pub name: String,
    /// `None`: kept in the table; `Some("")`: the default store; `Some(name)`: that store.
    pub store: Option<String>,
}

/// How a column's values are shown and compared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// Whole numbers (`int32`, `smallint`, …).
    Int,
    /// Non-negative whole numbers (`uint64`, `int unsigned`).
    UInt,
    /// Floating point (`float32`, `double`).
    Float,
    /// Exact decimals (shown as written).
    Decimal,
    /// `bool`.
    Bool,
    /// Text, `varchar`, `char`, `enum(…)`, `uuid`.
    Text,
    /// `date`.
    Date,
    /// `datetime`, `timestamp`.
    DateTime,
    /// `time`.
    Time,
    /// `json`.
    Json,
    /// Raw bytes (`longblob`, `bytea`): an in-table blob of unknown content.
    Bytes,
    /// A DataJoint codec.
    Codec(Codec),
}

impl ValueKind {
    /// Whether a restriction may compare this column with a value.
    pub fn is_comparable(&self) -> bool {
        !matches!(
            self,
            ValueKind::Json | ValueKind::Bytes | ValueKind::Codec(_)
        )
    }

    /// Whether the column holds bytes (fetched as length and head, not as text).
    pub fn is_bytes(&self) -> bool {
        match self {
            ValueKind::Bytes => true,
            ValueKind::Codec(codec) => codec.store.is_none(),
            _ => false,
        }
    }
}

/// One attribute (column) of a table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    /// Column name.
    pub name: String,
    /// The DataJoint type (`int32`, `<npy@main>`, `varchar(16)`), or the SQL type when
    /// DataJoint recorded none.
    pub dj_type: String,
    /// The SQL type as the server reports it (`smallint`, `jsonb`,
    /// `"schema".enum_724cdf44`); PostgreSQL casts bound values to it.
    pub sql_type: String,
    /// Part of the primary key.
    pub in_key: bool,
    /// May be NULL.
    pub nullable: bool,
    /// The user's comment (without the `:type:` marker).
    pub comment: String,
    /// How values are shown and compared.
    pub kind: ValueKind,
}

/// A table of a DataJoint schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// The schema.
    pub schema: String,
    /// The SQL name (`__recording_stats`).
    pub sql_name: String,
    /// The name without tier prefix (`recording_stats`).
    pub name: String,
    /// The class name (`RecordingStats`, `Processed.Detail`).
    pub class_name: String,
    /// The tier.
    pub tier: Tier,
    /// The table comment (the definition's first `#` line).
    pub comment: String,
    /// Attributes in declaration order; hidden (`_…`) columns left out.
    pub attributes: Vec<Attribute>,
    /// Primary-key attribute names in key order.
    pub primary_key: Vec<String>,
    /// Tables this one references (`schema.sql_name`).
    pub parents: Vec<String>,
    /// Tables that reference this one (`schema.sql_name`).
    pub children: Vec<String>,
    /// The catalog's row estimate (PostgreSQL `reltuples`, MySQL `TABLE_ROWS`); `None` when
    /// the server has none yet.
    pub rows_estimate: Option<u64>,
}

impl Table {
    /// The attribute named `name`.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// The key attributes in key order.
    pub fn key_attributes(&self) -> Vec<&Attribute> {
        self.primary_key
            .iter()
            .filter_map(|name| self.attribute(name))
            .collect()
    }

    /// Attributes in display order: key attributes first (in key order), then the rest.
    pub fn display_attributes(&self) -> Vec<&Attribute> {
        let mut shown = self.key_attributes();
        shown.extend(self.attributes.iter().filter(|a| !a.in_key));
        shown
    }

    /// Whether `text` names this table: its SQL name, its name without tier prefix, or its
    /// class name (`Recording`, `RecordingStats`; a part as `Master.Part` or `MasterPart`).
    pub fn is_named(&self, text: &str) -> bool {
        text == self.sql_name
            || text == self.name
            || text == self.class_name
            || text == self.class_name.replace('.', "")
    }

    /// The `db tables --json` line (`rows` is filled by the caller with the exact count).
    pub fn to_json(&self, rows: Option<u64>) -> Value {
        json!({
            "schema": self.schema,
            "table": self.name,
            "sql_name": self.sql_name,
            "tier": self.tier.name(),
            "rows": rows,
            "comment": self.comment,
            "primary_key": self.primary_key,
            "attributes": self.display_attributes().iter().map(|a| json!({
                "name": a.name,
                "type": a.dj_type,
                "in_key": a.in_key,
                "comment": a.comment,
            })).collect::<Vec<_>>(),
        })
    }
}

/// Splits a column comment into DataJoint type and user comment (`heading.py`:
/// `:(?P<type>[^:]+):(?P<comment>.*)`); `None` type when there is no marker.
pub fn split_type_comment(comment: &str) -> (Option<&str>, &str) {
    if let Some(rest) = comment.strip_prefix(':')
        && let Some((dj_type, user)) = rest.split_once(':')
        && !dj_type.is_empty()
    {
        return (Some(dj_type), user);
    }
    (None, comment)
}

/// The codec of a type such as `<npy@main>` (`codecs.py` `parse_type_spec`).
pub fn parse_codec(dj_type: &str) -> Option<Codec> {
    let inner = dj_type.trim().strip_prefix('<')?.strip_suffix('>')?;
    let (name, store) = match inner.split_once('@') {
        Some((name, store)) => (name.trim(), Some(store.trim().to_string())),
        None => (inner.trim(), None),
    };
    (!name.is_empty()).then(|| Codec {
        name: name.to_string(),
        store,
    })
}

/// How values of a column are shown: from the DataJoint type when there is one, else from
/// the SQL type.
pub fn value_kind(dj_type: Option<&str>, sql_type: &str) -> ValueKind {
    if let Some(dj) = dj_type {
        if let Some(codec) = parse_codec(dj) {
            return ValueKind::Codec(codec);
        }
        if let Some(kind) = core_kind(dj) {
            return kind;
        }
    }
    sql_kind(sql_type)
}

/// The kind of a DataJoint core type (`int32`, `float64`, `varchar(16)`, `date`, …).
fn core_kind(dj: &str) -> Option<ValueKind> {
    let t = dj.trim().to_ascii_lowercase();
    let base = t.split('(').next().unwrap_or("").trim();
    Some(match base {
        "int8" | "int16" | "int32" | "int64" => ValueKind::Int,
        "uint8" | "uint16" | "uint32" | "uint64" => ValueKind::UInt,
        "float32" | "float64" => ValueKind::Float,
        "decimal" => ValueKind::Decimal,
        "bool" => ValueKind::Bool,
        "date" => ValueKind::Date,
        "datetime" | "timestamp" => ValueKind::DateTime,
        "time" => ValueKind::Time,
        "json" => ValueKind::Json,
        "bytes" => ValueKind::Bytes,
        "varchar" | "char" | "enum" | "uuid" | "text" => ValueKind::Text,
        _ => return None,
    })
}

/// The kind of a SQL type (PostgreSQL `format_type`, MySQL `COLUMN_TYPE`).
fn sql_kind(sql: &str) -> ValueKind {
    let t = sql.trim().to_ascii_lowercase();
    let unsigned = t.contains("unsigned");
    let base = t.split(['(', ' ']).next().unwrap_or("");
    match base {
        "tinyint" if t.starts_with("tinyint(1)") => ValueKind::Bool,
        "smallint" | "integer" | "int" | "bigint" | "tinyint" | "mediumint" | "serial"
        | "bigserial" => {
            if unsigned {
                ValueKind::UInt
            } else {
                ValueKind::Int
            }
        }
        "real" | "double" | "float" => ValueKind::Float,
        "numeric" | "decimal" => ValueKind::Decimal,
        "boolean" | "bool" => ValueKind::Bool,
        "date" => ValueKind::Date,
        "timestamp" | "datetime" => ValueKind::DateTime,
        "time" => ValueKind::Time,
        "json" | "jsonb" => ValueKind::Json,
        "bytea" | "blob" | "longblob" | "mediumblob" | "tinyblob" | "binary" | "varbinary" => {
            ValueKind::Bytes
        }
        _ => ValueKind::Text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_follow_datajoint_prefixes() {
        let cases = [
            ("recording", Some((Tier::Manual, "recording"))),
            ("#animal", Some((Tier::Lookup, "animal"))),
            ("_loaded", Some((Tier::Imported, "loaded"))),
            (
                "__recording_stats",
                Some((Tier::Computed, "recording_stats")),
            ),
            ("trial__event", Some((Tier::Part, "trial__event"))),
            (
                "__processed__detail",
                Some((Tier::Part, "processed__detail")),
            ),
            ("#animal__note", Some((Tier::Part, "animal__note"))),
            ("~lineage", None),
            ("~~processed", None),
            ("Bad", None),
        ];
        for (sql, want) in cases {
            let got = parse_table_name(sql);
            assert_eq!(got.as_ref().map(|(t, n)| (*t, n.as_str())), want, "{sql}");
        }
    }

    #[test]
    fn class_names() {
        assert_eq!(class_name("recording_stats"), "RecordingStats");
        assert_eq!(class_name("processed__detail"), "Processed.Detail");
        assert_eq!(class_name("lfp2"), "Lfp2");
    }

    #[test]
    fn type_comments_and_codecs() {
        assert_eq!(
            split_type_comment(":varchar(16):name of animal"),
            (Some("varchar(16)"), "name of animal")
        );
        assert_eq!(split_type_comment("plain"), (None, "plain"));
        assert_eq!(
            split_type_comment(":enum('M','F'):"),
            (Some("enum('M','F')"), "")
        );
        assert_eq!(
            parse_codec("<npy@main>"),
            Some(Codec {
                name: "npy".into(),
                store: Some("main".into())
            })
        );
        assert_eq!(
            parse_codec("<blob@>"),
            Some(Codec {
                name: "blob".into(),
                store: Some(String::new())
            })
        );
        assert_eq!(
            parse_codec("<blob>"),
            Some(Codec {
                name: "blob".into(),
                store: None
            })
        );
        assert_eq!(value_kind(Some("int16"), "smallint"), ValueKind::Int);
        assert_eq!(value_kind(None, "int(10) unsigned"), ValueKind::UInt);
        assert_eq!(value_kind(None, "tinyint(1)"), ValueKind::Bool);
        assert!(value_kind(Some("<blob>"), "bytea").is_bytes());
        assert_eq!(value_kind(None, "longblob"), ValueKind::Bytes);
        assert_eq!(
            value_kind(None, "timestamp(3) without time zone"),
            ValueKind::DateTime
        );
    }
}
