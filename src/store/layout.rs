//! DataJoint schema-addressed paths: splitting an object path into schema, table, key, attribute and token.
//!
//! The layout mirrors `build_object_path` and `encode_pk_value` in DataJoint's `src/datajoint/storage.py`:
//!
//! ```text
//! {schema_prefix}/{p1=v1}/…/{schema}/{table}/{k1=v1}/…/{attribute}_{token}{ext}
//! ```
//!
//! * `schema_prefix` (default `_schema`, may span several segments) is absent in data written by
//!   DataJoint ≤ 2.3.0, which wrote root-level `{schema}/…`; early 2.0 builds (before January 2026) also
//!   put a literal `objects/` segment after the table. Both legacy forms are accepted when the path does
//!   not start with the prefix.
//! * Partition attributes (`partition_pattern`) come first, before the schema. The path itself says which
//!   segments they are (`k=v` segments before the first segment without `=`), so the setting is not needed
//!   to parse: this keeps data readable after the setting changed, and early builds wrote the partition
//!   segments in arbitrary (Python `set`) order.
//! * The table folder is DataJoint's `table_name`: snake_case with the tier prefix (`#` lookup, `_`
//!   imported, `__` computed; parts are `master__part`).
//!   Table, key and attribute names must follow DataJoint's naming rules (`[a-z][a-z0-9_]*`, `declare.py`),
//!   which keeps user files under the root-level legacy layout from passing as objects.
//! * The file name is `{attribute}_{token}` plus the codec's extension (`.npy` for `<npy@>`, anything or
//!   nothing for `<object@>`); the token is `token_length` characters (clamped to 4–16) from
//!   `A–Z a–z 0–9 - _`, so the stem is split by length, not at the last underscore.
//! * Key values: DataJoint percent-encodes (`quote(s, safe="")`) a string only when it holds one of
//!   `/ \ : * ? " < > |` or is over 100 characters (then cut to 50 + `_` + 8 hex of its MD5 first). A
//!   value is decoded only when the result shows DataJoint encoded it, so a literal `50%25` stays as
//!   written; a cut value cannot be restored and is returned cut.
//!
//! Paths are relative to the store's location; one trailing `/` (a folder object of `<object@>`) is allowed.

use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

use crate::config::LayoutSettings;

/// Characters whose presence makes DataJoint URL-encode a string key value (`encode_pk_value`).
const UNSAFE_CHARS: &[char] = &['/', '\\', ':', '*', '?', '"', '<', '>', '|'];

/// Length of a truncated long string value: 50 characters, `_`, 8 hex digits of its MD5.
const TRUNCATED_LEN: usize = 59;

/// A schema-addressed object path split into its DataJoint parts.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DjPath {
    /// The schema (database) name.
    pub schema: String,
    /// The table folder: DataJoint's `table_name`, tier prefix included (`recording`, `__spectrogram`).
    pub table: String,
    /// Primary-key attributes in path order (partition attributes first), values URL-decoded.
    pub key: Vec<(String, String)>,
    /// The attribute (column) name.
    pub attribute: String,
    /// The random per-write token that follows the attribute in the file name.
    pub token: String,
}

impl DjPath {
    /// `{"schema", "table", "key": {name: value-string}, "attribute", "token"}` for `--json` output (key order kept).
    pub fn to_json(&self) -> Value {
        let key: Map<String, Value> = self
            .key
            .iter()
            .map(|(name, value)| (name.clone(), Value::String(value.clone())))
            .collect();
        let mut out = Map::new();
        out.insert("schema".into(), Value::String(self.schema.clone()));
        out.insert("table".into(), Value::String(self.table.clone()));
        out.insert("key".into(), Value::Object(key));
        out.insert("attribute".into(), Value::String(self.attribute.clone()));
        out.insert("token".into(), Value::String(self.token.clone()));
        Value::Object(out)
    }
}

/// Parses `path`; None for paths that do not follow the layout (plain entries), including hash-addressed (`_hash/...`) and filepath objects.
pub fn parse_datajoint_path(path: &str, layout: &LayoutSettings) -> Option<DjPath> {
    let path = path.strip_suffix('/').unwrap_or(path);
    if path.is_empty() || in_section(path, &layout.hash_prefix) {
        return None;
    }
    if let Some(filepath_prefix) = &layout.filepath_prefix
        && in_section(path, filepath_prefix)
    {
        return None;
    }
    let schema_prefix = layout.schema_prefix.trim_matches('/');
    let token_length = layout.token_length.clamp(4, 16);
    match strip_section(path, schema_prefix) {
        Some(rest) => parse_body(rest, token_length, false),
        // Root-level layout: DataJoint ≤ 2.3.0, early 2.0 (`objects/`), or an empty schema_prefix.
        None => parse_body(path, token_length, true),
    }
}

/// The schema and table when `prefix` is a DataJoint table folder (its rows' key folders lie
/// below it), so the window can show the table's rows rather than its folders.
pub fn table_folder(prefix: &str, layout: &LayoutSettings) -> Option<(String, String)> {
    let prefix = prefix.trim_matches('/');
    let last = prefix.rsplit('/').next()?;
    if prefix.is_empty() || last.contains('=') {
        return None;
    }
    // A file right inside the table folder parses with no key segments after the table.
    let token = "x".repeat(layout.token_length.clamp(4, 16));
    let probe = format!("{prefix}/a_{token}.npy");
    let parsed = parse_datajoint_path(&probe, layout)?;
    (parsed.table == last).then_some((parsed.schema, parsed.table))
}

/// `path` below the section folder `prefix` (trimmed of `/`), or None when it is outside or `prefix` is empty.
fn strip_section<'a>(path: &'a str, prefix: &str) -> Option<&'a str> {
    if prefix.is_empty() {
        return None;
    }
    path.strip_prefix(prefix)?.strip_prefix('/')
}

/// Whether `path` is the section folder `prefix` or lies inside it.
fn in_section(path: &str, prefix: &str) -> bool {
    let prefix = prefix.trim_matches('/');
    !prefix.is_empty() && (path == prefix || strip_section(path, prefix).is_some())
}

/// Parses `[{p=v}/…]{schema}/{table}/[objects/]{k=v}/…/{file}`.
fn parse_body(rest: &str, token_length: usize, allow_objects_segment: bool) -> Option<DjPath> {
    let segments: Vec<&str> = rest.split('/').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return None;
    }
    let (file_name, folders) = segments.split_last()?;
    let mut key = Vec::new();
    let mut i = 0;
    // Partition segments: every `k=v` segment before the schema.
    while let Some(segment) = folders.get(i).filter(|s| s.contains('=')) {
        key.push(parse_key_segment(segment)?);
        i += 1;
    }
    let schema = *folders.get(i)?;
    let table = *folders.get(i + 1)?;
    if !valid_schema(schema) || !valid_table(table) {
        return None;
    }
    i += 2;
    if allow_objects_segment && folders.get(i) == Some(&"objects") {
        i += 1;
    }
    for segment in folders.get(i..)? {
        key.push(parse_key_segment(segment)?);
    }
    for (n, (name, _)) in key.iter().enumerate() {
        if key[..n].iter().any(|(other, _)| other == name) {
            return None;
        }
    }
    let (attribute, token) = split_file_name(file_name, token_length)?;
    Some(DjPath {
        schema: schema.to_string(),
        table: table.to_string(),
        key,
        attribute: attribute.to_string(),
        token: token.to_string(),
    })
}

/// `name=value` (split at the first `=`, so values may hold `=`) with the value decoded.
fn parse_key_segment(segment: &str) -> Option<(String, String)> {
    let (name, raw) = segment.split_once('=')?;
    if !valid_identifier(name) {
        return None;
    }
    Some((name.to_string(), decode_value(raw)))
}

/// Undoes `encode_pk_value`'s `urllib.parse.quote(s, safe="")`, applied only to unsafe or long strings.
fn decode_value(raw: &str) -> String {
    if !raw.contains('%') {
        return raw.to_string();
    }
    match percent_decode_str(raw).decode_utf8() {
        Ok(decoded) if decoded.contains(UNSAFE_CHARS) || is_truncated(&decoded) => {
            decoded.into_owned()
        }
        _ => raw.to_string(),
    }
}

/// Whether `value` has the form DataJoint gives strings over 100 characters: `s[:50] + "_" + md5[:8]`.
fn is_truncated(value: &str) -> bool {
    let chars: Vec<char> = value.chars().collect();
    chars.len() == TRUNCATED_LEN
        && chars[50] == '_'
        && chars[51..]
            .iter()
            .all(|c| matches!(c, '0'..='9' | 'a'..='f'))
}

/// Splits `{attribute}_{token}[.ext]` by the token's length (the token may itself hold `_`).
fn split_file_name(file_name: &str, token_length: usize) -> Option<(&str, &str)> {
    // Attribute names and tokens hold no `.`, so the stem ends at the first one.
    let stem = file_name.split('.').next()?;
    if stem.len() < token_length + 2 {
        return None;
    }
    let split = stem.len() - token_length;
    let token = stem.get(split..)?;
    if !token.bytes().all(is_token_byte) || stem.as_bytes().get(split - 1) != Some(&b'_') {
        return None;
    }
    let attribute = stem.get(..split - 1)?;
    valid_identifier(attribute).then_some((attribute, token))
}

/// DataJoint's token alphabet: `A–Z a–z 0–9 - _` (`TOKEN_ALPHABET`).
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// A DataJoint attribute name: `[a-z][a-z0-9_]*` (`declare.py`).
fn valid_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// A DataJoint table name: an optional tier prefix (`#`, `_`, `__`) and a snake_case name.
fn valid_table(name: &str) -> bool {
    let base = name
        .strip_prefix('#')
        .or_else(|| name.strip_prefix("__"))
        .or_else(|| name.strip_prefix('_'))
        .unwrap_or(name);
    valid_identifier(base)
}

/// A schema (database) name: DataJoint does not restrict it, so only reject what cannot be one.
fn valid_schema(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains('=')
        && !name.contains(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_folders_are_recognised() {
        let layout = LayoutSettings::default();
        let table = |p: &str| table_folder(p, &layout);
        let pair = |a: &str, b: &str| Some((a.to_string(), b.to_string()));
        assert_eq!(table("_schema/lab/__spikes"), pair("lab", "__spikes"));
        assert_eq!(table("_schema/lab/__spikes/"), pair("lab", "__spikes"));
        assert_eq!(table("_schema/lab=x/lab/session"), pair("lab", "session"));
        assert_eq!(table("lab/session"), pair("lab", "session"));
        assert_eq!(table("_schema/lab"), None);
        assert_eq!(table("_schema/lab/session/subject=1"), None);
        assert_eq!(table("_schema"), None);
        assert_eq!(table(""), None);
        assert_eq!(table("_hash/lab/session"), None);
        assert_eq!(table("raw"), None);
        assert_eq!(table("lab/Session"), None);
    }

    #[test]
    fn file_name_split_by_token_length() {
        assert_eq!(
            split_file_name("raw_lfp_data_Ab3_-x9Z.npy", 8),
            Some(("raw_lfp_data", "Ab3_-x9Z"))
        );
        assert_eq!(split_file_name("a_Ab3_-x9Z", 8), Some(("a", "Ab3_-x9Z")));
        assert_eq!(split_file_name("_Ab3_-x9Z", 8), None);
        assert_eq!(split_file_name("aXAb3_-x9Z", 8), None);
        assert_eq!(split_file_name("a_Ab3_-x9.", 8), None);
        assert_eq!(split_file_name("data_ééééé", 4), None);
        assert_eq!(split_file_name("é_ABCD", 4), None);
    }

    #[test]
    fn truncated_values_are_recognised() {
        let truncated = format!("{}_{}", "x".repeat(50), "a1a84138");
        assert!(is_truncated(&truncated));
        assert!(!is_truncated(&format!("{}_{}", "x".repeat(50), "A1A84138")));
        assert!(!is_truncated(&format!("{}_{}", "x".repeat(49), "a1a84138")));
    }

    #[test]
    fn values_decoded_only_where_datajoint_encoded() {
        assert_eq!(decode_value("mouse%2F1"), "mouse/1");
        assert_eq!(decode_value("50%25"), "50%25");
        assert_eq!(decode_value("%ZZ"), "%ZZ");
        assert_eq!(decode_value("%FF%2F"), "%FF%2F");
        assert_eq!(decode_value("a=b"), "a=b");
    }

    #[test]
    fn table_names() {
        for ok in [
            "recording",
            "#param",
            "_ingest",
            "__spectrogram",
            "session__channel",
            "__a__b",
        ] {
            assert!(valid_table(ok), "{ok}");
        }
        for bad in ["", "#", "_", "__", "___x", "Recording", "#_x", "a-b", ".."] {
            assert!(!valid_table(bad), "{bad}");
        }
    }
}
