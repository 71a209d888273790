//! The files table's filter language: path text, dtype, ndim, size bounds and shape conditions.
//!
//! A filter is a list of terms separated by whitespace; a row is shown when every term holds. Plain words match the
//! name or path; `key OP value` terms test the array's header (`dtype`, `ndim`, `len`, `shape[i]`, `nbytes`) or the
//! object's size (`size`). Spaces around an operator are allowed, so `shape[0] > 1000` is one term. See [`HELP`].

use std::cmp::Ordering;

use crate::npy::{ArrayMeta, ByteOrder, DType, ScalarKind, ScalarType, TimeUnit, parse_typestr};

/// A short description of the filter syntax, fit for the filter box's tooltip.
pub const HELP: &str = "\
Show rows matching every term:
  waveform  \"two words\"    name or path contains the text (any case)
  dtype:float32  dtype!=int64  dtype:<f4  dtype:U5  dtype:datetime64[ns]
  dtype:float  (kinds: float int uint complex bool datetime timedelta
                str bytes text structured)
  ndim>=2  len>1000  shape[0]>1000  shape[-1]=3
  size>1.5GB  nbytes<=10MiB   (units: B kB MB GB TB, KiB MiB GiB TiB)
Operators: = == != < <= > >=  (spaces around them are fine)
Folders and rows without a readable header fail dtype/ndim/len/shape/nbytes;
size uses the object size.";

/// A parsed filter: every term must hold (AND).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Filter {
    terms: Vec<Term>,
}

/// What a row offers to the filter.
#[derive(Clone, Copy, Debug)]
pub struct FilterItem<'a> {
    /// File or folder name as shown.
    pub name: &'a str,
    /// Store-relative path.
    pub path: &'a str,
    /// Whether the row is a folder (folders fail every metadata term).
    pub is_folder: bool,
    /// The array header; `None` while the header is unread or unreadable.
    pub meta: Option<&'a ArrayMeta>,
    /// Object size in bytes, if known.
    pub size: Option<u64>,
}

/// Why a filter text could not be parsed; the message names the term and shows the accepted form.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum FilterError {
    /// A `"` with no closing `"`.
    #[error("`{term}`: the quote is not closed, e.g. \"two words\"")]
    UnclosedQuote {
        /// The term as typed.
        term: String,
    },
    /// An operator with nothing after it.
    #[error("`{term}`: a value is missing after the operator, e.g. {example}")]
    MissingValue {
        /// The term as typed.
        term: String,
        /// An accepted form of this key.
        example: String,
    },
    /// An operator this key does not take.
    #[error("`{term}`: {key} takes one of {accepted}, e.g. {example}")]
    BadOperator {
        /// The term as typed.
        term: String,
        /// The key, e.g. `dtype`.
        key: String,
        /// The operators the key takes.
        accepted: String,
        /// An accepted form of this key.
        example: String,
    },
    /// A count (`ndim`, `len`, `shape[i]`) that is not a whole number.
    #[error("`{term}`: {key} needs a whole number, e.g. {example}")]
    BadNumber {
        /// The term as typed.
        term: String,
        /// The key as typed, e.g. `ndim` or `shape[0]`.
        key: String,
        /// An accepted form of this key.
        example: String,
    },
    /// A byte count (`size`, `nbytes`) that is not a number with an optional unit.
    #[error(
        "`{term}`: {key} needs a number with an optional unit (B, kB, MB, GB, TB, KiB, MiB, GiB, TiB), e.g. {example}"
    )]
    BadSize {
        /// The term as typed.
        term: String,
        /// The key, `size` or `nbytes`.
        key: String,
        /// An accepted form of this key.
        example: String,
    },
    /// `shape` without a whole-number axis in brackets.
    #[error("`{term}`: shape needs an axis number in brackets, e.g. shape[0]>1000 or shape[-1]=3")]
    BadAxis {
        /// The term as typed.
        term: String,
    },
    /// A dtype that is neither a numpy name, a type string nor a kind.
    #[error(
        "`{term}`: unknown dtype `{value}`; use a numpy name (float32, int16, datetime64[ns]), a type string \
         (<f4, i2, U5) or a kind (float, int, uint, complex, bool, datetime, timedelta, str, bytes, text, \
         structured), e.g. dtype:float32"
    )]
    UnknownDtype {
        /// The term as typed.
        term: String,
        /// The dtype text.
        value: String,
    },
}

/// One condition of a filter.
#[derive(Clone, Debug, PartialEq)]
enum Term {
    /// Lower-cased text the name or path must contain.
    Text(String),
    /// The dtype must (or, negated, must not) match.
    Dtype { negate: bool, spec: DtypeSpec },
    /// A number of the row compared with a value.
    Compare {
        field: NumField,
        op: Op,
        value: Amount,
    },
}

/// A number a row may offer.
#[derive(Clone, Copy, Debug, PartialEq)]
enum NumField {
    Ndim,
    Len,
    /// An axis length; negative counts from the end.
    Axis(i64),
    /// Object size in bytes.
    Size,
    /// Array data bytes.
    Nbytes,
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A non-negative rational value `num / den` (sizes such as `1.5GB` are exact this way).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Amount {
    num: u128,
    den: u128,
}

/// What a `dtype` term asks for.
#[derive(Clone, Debug, PartialEq)]
enum DtypeSpec {
    /// A family of dtypes, e.g. any float.
    Kind(KindClass),
    /// One scalar dtype; the byte order counts only when the user wrote `<` or `>`.
    Exact {
        scalar: ScalarType,
        order_explicit: bool,
    },
}

/// The kind words of a `dtype` term.
#[derive(Clone, Copy, Debug, PartialEq)]
enum KindClass {
    Bool,
    /// Signed and unsigned integers.
    Int,
    UInt,
    Float,
    Complex,
    DateTime,
    TimeDelta,
    /// `U<n>`.
    Str,
    /// `S<n>`.
    Bytes,
    /// `U<n>` or `S<n>`.
    Text,
    /// Raw `V<n>`.
    Void,
    Structured,
}

impl Filter {
    /// Parses a filter text; an empty or blank text gives the empty filter, which matches every row.
    pub fn parse(text: &str) -> Result<Filter, FilterError> {
        let mut cursor = Cursor { src: text, pos: 0 };
        let mut terms = Vec::new();
        loop {
            cursor.skip_ws();
            if cursor.rest().is_empty() {
                break;
            }
            if let Some(term) = cursor.term()? {
                terms.push(term);
            }
        }
        Ok(Filter { terms })
    }

    /// Whether the filter has no terms (it matches every row).
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether any term needs more than the name and path (dtype, ndim, len, shape, size, nbytes).
    pub fn has_metadata_terms(&self) -> bool {
        self.terms.iter().any(|t| !matches!(t, Term::Text(_)))
    }

    /// Whether the row satisfies every term.
    pub fn matches(&self, item: &FilterItem<'_>) -> bool {
        let mut lowered: Option<(String, String)> = None;
        self.terms.iter().all(|term| match term {
            Term::Text(needle) => {
                let (name, path) = lowered
                    .get_or_insert_with(|| (item.name.to_lowercase(), item.path.to_lowercase()));
                name.contains(needle.as_str()) || path.contains(needle.as_str())
            }
            Term::Dtype { negate, spec } => {
                array_meta(item).is_some_and(|m| spec.matches(&m.dtype) != *negate)
            }
            Term::Compare { field, op, value } => field
                .value(item)
                .is_some_and(|v| op.holds(value.compare(v))),
        })
    }
}

/// The row's header, unless it is a folder.
fn array_meta<'a>(item: &FilterItem<'a>) -> Option<&'a ArrayMeta> {
    if item.is_folder { None } else { item.meta }
}

impl NumField {
    /// The row's number, or `None` when the row has none (folder, no header, missing axis).
    fn value(self, item: &FilterItem<'_>) -> Option<u64> {
        if item.is_folder {
            return None;
        }
        match self {
            NumField::Size => item.size,
            NumField::Ndim => u64::try_from(item.meta?.ndim()).ok(),
            NumField::Len => item.meta?.shape.first().copied(),
            NumField::Nbytes => item.meta.map(|m| m.nbytes),
            NumField::Axis(i) => {
                let shape = &item.meta?.shape;
                let index = if i >= 0 {
                    usize::try_from(i).ok()?
                } else {
                    let back = usize::try_from(i.unsigned_abs()).ok()?;
                    shape.len().checked_sub(back)?
                };
                shape.get(index).copied()
            }
        }
    }
}

impl Op {
    /// Whether `row OP value` holds, given how the row's number compares with the value.
    fn holds(self, row_vs_value: Ordering) -> bool {
        match self {
            Op::Eq => row_vs_value == Ordering::Equal,
            Op::Ne => row_vs_value != Ordering::Equal,
            Op::Lt => row_vs_value == Ordering::Less,
            Op::Le => row_vs_value != Ordering::Greater,
            Op::Gt => row_vs_value == Ordering::Greater,
            Op::Ge => row_vs_value != Ordering::Less,
        }
    }
}

impl Amount {
    /// How the row's number `v` compares with this amount.
    fn compare(self, v: u64) -> Ordering {
        // den is at most 10^18 and v below 2^64, so the product fits in u128.
        u128::from(v).saturating_mul(self.den).cmp(&self.num)
    }
}

impl DtypeSpec {
    /// Whether a row's dtype is of this kind or this exact type.
    fn matches(&self, dtype: &DType) -> bool {
        let scalar = match dtype {
            DType::Structured(_) => return *self == DtypeSpec::Kind(KindClass::Structured),
            DType::Scalar(s) => s,
        };
        match self {
            DtypeSpec::Kind(class) => class.contains(scalar.kind),
            DtypeSpec::Exact {
                scalar: want,
                order_explicit,
            } => {
                want.kind == scalar.kind
                    && (!order_explicit
                        || !scalar.kind.has_byte_order()
                        || want.order == scalar.order)
            }
        }
    }
}

impl KindClass {
    /// Whether a scalar kind belongs to this class.
    fn contains(self, kind: ScalarKind) -> bool {
        match self {
            KindClass::Bool => matches!(kind, ScalarKind::Bool),
            KindClass::Int => matches!(kind, ScalarKind::Int(_) | ScalarKind::UInt(_)),
            KindClass::UInt => matches!(kind, ScalarKind::UInt(_)),
            KindClass::Float => matches!(kind, ScalarKind::Float(_)),
            KindClass::Complex => matches!(kind, ScalarKind::Complex(_)),
            KindClass::DateTime => matches!(kind, ScalarKind::DateTime(_)),
            KindClass::TimeDelta => matches!(kind, ScalarKind::TimeDelta(_)),
            KindClass::Str => matches!(kind, ScalarKind::Str(_)),
            KindClass::Bytes => matches!(kind, ScalarKind::Bytes(_)),
            KindClass::Text => matches!(kind, ScalarKind::Str(_) | ScalarKind::Bytes(_)),
            KindClass::Void => matches!(kind, ScalarKind::Void(_)),
            KindClass::Structured => false,
        }
    }

    /// The class named by a lower-cased kind word.
    fn from_word(word: &str) -> Option<KindClass> {
        Some(match word {
            "bool" | "bool_" | "boolean" => KindClass::Bool,
            "int" | "integer" => KindClass::Int,
            "uint" | "unsigned" => KindClass::UInt,
            "float" | "floating" => KindClass::Float,
            "complex" | "complexfloating" => KindClass::Complex,
            "datetime" | "datetime64" => KindClass::DateTime,
            "timedelta" | "timedelta64" => KindClass::TimeDelta,
            "str" | "str_" | "unicode" => KindClass::Str,
            "bytes" | "bytes_" => KindClass::Bytes,
            "text" | "string" => KindClass::Text,
            "void" => KindClass::Void,
            "structured" | "struct" | "record" => KindClass::Structured,
            _ => return None,
        })
    }
}

/// Reads the dtype text of a `dtype` term: a kind word, a numpy name or a type string.
fn parse_dtype(value: &str) -> Option<DtypeSpec> {
    let lower = value.to_ascii_lowercase();
    if let Some(class) = KindClass::from_word(&lower) {
        return Some(DtypeSpec::Kind(class));
    }
    let exact = |scalar: ScalarType| DtypeSpec::Exact {
        scalar,
        order_explicit: false,
    };
    // Sized numpy names: int16, uint8, float32, complex64 …, by their bit count.
    for (prefix, letter) in [
        ("uint", 'u'),
        ("int", 'i'),
        ("float", 'f'),
        ("complex", 'c'),
    ] {
        if let Some(bits) = lower.strip_prefix(prefix)
            && !bits.is_empty()
            && bits.bytes().all(|b| b.is_ascii_digit())
        {
            let bits: u32 = bits.parse().ok()?;
            if !bits.is_multiple_of(8) {
                return None;
            }
            return parse_typestr(&format!("{letter}{}", bits / 8))
                .ok()
                .map(exact);
        }
    }
    // datetime64[ns], timedelta64[10us]: the unit keeps its case (`M` is months, `m` minutes).
    for (name, letter) in [("datetime64[", "M8"), ("timedelta64[", "m8")] {
        if let Some(head) = value.get(..name.len())
            && head.eq_ignore_ascii_case(name)
        {
            let unit = &value[name.len() - 1..];
            return parse_typestr(&format!("{letter}{unit}")).ok().map(exact);
        }
    }
    let scalar = parse_typestr(value).ok()?;
    // A datetime type string without a unit (`M8`) means any datetime, like the word `datetime`.
    match scalar.kind {
        ScalarKind::DateTime(u) if u.unit == TimeUnit::Generic && !value.contains('[') => {
            return Some(DtypeSpec::Kind(KindClass::DateTime));
        }
        ScalarKind::TimeDelta(u) if u.unit == TimeUnit::Generic && !value.contains('[') => {
            return Some(DtypeSpec::Kind(KindClass::TimeDelta));
        }
        _ => {}
    }
    let order_explicit = value.starts_with(['<', '>']) && scalar.order != ByteOrder::NotApplicable;
    Some(DtypeSpec::Exact {
        scalar,
        order_explicit,
    })
}

/// Reads a whole number (`ndim`, `len`, `shape[i]` values).
fn parse_count(value: &str) -> Option<Amount> {
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = value.parse().ok()?;
    Some(Amount {
        num: u128::from(n),
        den: 1,
    })
}

/// Reads a byte count: a decimal number and an optional unit, e.g. `1.5GB`, `512`, `10 MiB`.
fn parse_bytes(value: &str, unit: &str) -> Option<Amount> {
    // Caps keep every product below u128::MAX: 10^24 x 2^40 for the number, 10^18 for the denominator.
    const MAX_WHOLE_DIGITS: usize = 24;
    const MAX_FRAC_DIGITS: usize = 18;
    let (whole, frac) = value.split_once('.').unwrap_or((value, ""));
    if (whole.is_empty() && frac.is_empty())
        || !whole
            .bytes()
            .chain(frac.bytes())
            .all(|b| b.is_ascii_digit())
        || frac.len() > MAX_FRAC_DIGITS
        || whole.len() > MAX_WHOLE_DIGITS
    {
        return None;
    }
    let mult: u128 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        _ => return None,
    };
    let digits = format!("{whole}{frac}");
    let mantissa: u128 = digits.parse().ok()?;
    let den = 10u128.checked_pow(u32::try_from(frac.len()).ok()?)?;
    Some(Amount {
        num: mantissa.checked_mul(mult)?,
        den,
    })
}

/// Splits a size value into its number and unit: `1.5GB` → (`1.5`, `GB`).
fn split_unit(value: &str) -> (&str, &str) {
    let end = value
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(value.len());
    value.split_at(end)
}

/// Whether a word is a size unit (so `size > 1 GiB` takes `GiB` as part of the term).
fn is_unit(word: &str) -> bool {
    !word.is_empty() && parse_bytes("1", word).is_some()
}

/// The keys of metadata terms.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Key {
    Dtype,
    Ndim,
    Len,
    Shape,
    Size,
    Nbytes,
}

impl Key {
    fn from_word(word: &str) -> Option<Key> {
        Some(match word.to_ascii_lowercase().as_str() {
            "dtype" => Key::Dtype,
            "ndim" => Key::Ndim,
            "len" => Key::Len,
            "shape" => Key::Shape,
            "size" => Key::Size,
            "nbytes" => Key::Nbytes,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Key::Dtype => "dtype",
            Key::Ndim => "ndim",
            Key::Len => "len",
            Key::Shape => "shape",
            Key::Size => "size",
            Key::Nbytes => "nbytes",
        }
    }

    fn example(self) -> &'static str {
        match self {
            Key::Dtype => "dtype:float32",
            Key::Ndim => "ndim=2",
            Key::Len => "len>1000",
            Key::Shape => "shape[0]>1000",
            Key::Size => "size>1.5GB",
            Key::Nbytes => "nbytes<=10MiB",
        }
    }
}

/// Operators, longest first so `<=` is not read as `<`.
const OPERATORS: [(&str, Op); 8] = [
    ("==", Op::Eq),
    ("!=", Op::Ne),
    ("<=", Op::Le),
    (">=", Op::Ge),
    ("=", Op::Eq),
    (":", Op::Eq),
    ("<", Op::Lt),
    (">", Op::Gt),
];

/// A position in the filter text.
struct Cursor<'s> {
    src: &'s str,
    pos: usize,
}

impl<'s> Cursor<'s> {
    fn rest(&self) -> &'s str {
        &self.src[self.pos..]
    }

    fn skip_ws(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
    }

    /// Takes the run of non-whitespace characters at the cursor.
    fn word(&mut self) -> &'s str {
        let rest = self.rest();
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        self.pos += end;
        &rest[..end]
    }

    /// The text from `start` to the cursor, for error messages.
    fn since(&self, start: usize) -> String {
        self.src[start..self.pos].trim().to_string()
    }

    /// Reads one term at the cursor (which is not at whitespace or the end); `None` for an empty quote.
    fn term(&mut self) -> Result<Option<Term>, FilterError> {
        let start = self.pos;
        if let Some(body) = self.rest().strip_prefix('"') {
            let Some(close) = body.find('"') else {
                self.pos = self.src.len();
                return Err(FilterError::UnclosedQuote {
                    term: self.since(start),
                });
            };
            self.pos += 1 + close + 1;
            let text = body[..close].trim();
            return Ok((!text.is_empty()).then(|| Term::Text(text.to_lowercase())));
        }
        if let Some((key, index)) = self.key() {
            return self.metadata_term(start, key, index).map(Some);
        }
        Ok(Some(Term::Text(self.word().to_lowercase())))
    }

    /// If the cursor is at `key [index] OP` (spaces allowed before the operator), moves to the operator and returns
    /// the key and the bracket text of `shape[…]`; otherwise leaves the cursor alone.
    fn key(&mut self) -> Option<(Key, Option<&'s str>)> {
        let rest = self.rest();
        let ident_end = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let key = Key::from_word(&rest[..ident_end])?;
        let mut after = &rest[ident_end..];
        let mut index = None;
        if key == Key::Shape
            && let Some(bracketed) = after.strip_prefix('[')
        {
            let word_end = bracketed
                .find(char::is_whitespace)
                .unwrap_or(bracketed.len());
            match bracketed[..word_end].find(']') {
                Some(close) => {
                    index = Some(&bracketed[..close]);
                    after = &bracketed[close + 1..];
                }
                // No `]`: keep the `[` in the index so it is rejected as an axis.
                None => {
                    index = Some(&after[..=word_end]);
                    after = &bracketed[word_end..];
                }
            }
        }
        let trimmed = after.trim_start();
        if !trimmed.starts_with([':', '=', '!', '<', '>']) {
            return None;
        }
        self.pos += rest.len() - trimmed.len();
        Some((key, index))
    }

    /// Reads the operator and value of a metadata term; the cursor is at the operator.
    fn metadata_term(
        &mut self,
        start: usize,
        key: Key,
        index: Option<&str>,
    ) -> Result<Term, FilterError> {
        let rest = self.rest();
        let op = OPERATORS
            .iter()
            .find(|(text, _)| rest.starts_with(text))
            .map(|&(text, op)| {
                self.pos += text.len();
                op
            });
        // The value: the next word, even after spaces (`ndim > 2`).
        self.skip_ws();
        let mut value = self.word();
        let mut unit = "";
        let is_bytes = matches!(key, Key::Size | Key::Nbytes);
        if is_bytes && !value.is_empty() {
            let (number, attached) = split_unit(value);
            value = number;
            unit = attached;
            if unit.is_empty() {
                // `size > 1 GiB`: a unit may follow after a space.
                let save = self.pos;
                self.skip_ws();
                let next = self.word();
                if is_unit(next) {
                    unit = next;
                } else {
                    self.pos = save;
                }
            }
        }
        let term = self.since(start);
        let Some(op) = op else {
            return Err(bad_operator(term, key));
        };
        if key == Key::Dtype && !matches!(op, Op::Eq | Op::Ne) {
            return Err(bad_operator(term, key));
        }
        if value.is_empty() && unit.is_empty() {
            return Err(FilterError::MissingValue {
                term,
                example: key.example().to_string(),
            });
        }
        let field = match key {
            Key::Dtype => {
                return match parse_dtype(value) {
                    Some(spec) => Ok(Term::Dtype {
                        negate: op == Op::Ne,
                        spec,
                    }),
                    None => Err(FilterError::UnknownDtype {
                        term,
                        value: value.to_string(),
                    }),
                };
            }
            Key::Ndim => NumField::Ndim,
            Key::Len => NumField::Len,
            Key::Size => NumField::Size,
            Key::Nbytes => NumField::Nbytes,
            Key::Shape => match index.and_then(|i| i.parse::<i64>().ok()) {
                Some(axis) => NumField::Axis(axis),
                None => return Err(FilterError::BadAxis { term }),
            },
        };
        let key_text = match index {
            Some(i) => format!("shape[{i}]"),
            None => key.name().to_string(),
        };
        let example = key.example().to_string();
        let amount = if is_bytes {
            parse_bytes(value, unit).ok_or(FilterError::BadSize {
                term,
                key: key_text,
                example,
            })?
        } else {
            parse_count(value).ok_or(FilterError::BadNumber {
                term,
                key: key_text,
                example,
            })?
        };
        Ok(Term::Compare {
            field,
            op,
            value: amount,
        })
    }
}

/// The error for an operator the key does not take.
fn bad_operator(term: String, key: Key) -> FilterError {
    let accepted = if key == Key::Dtype {
        ": = or !="
    } else {
        "= == != < <= > >="
    };
    FilterError::BadOperator {
        term,
        key: key.name().to_string(),
        accepted: accepted.to_string(),
        example: key.example().to_string(),
    }
}

/// What a metadata condition looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetaField {
    /// `dtype:…` / `dtype!=…`.
    Dtype,
    /// `ndim`.
    Ndim,
    /// `len` (the first axis).
    Len,
    /// `shape[i]`; negative counts from the end.
    Axis(i64),
    /// `size` (the object's bytes).
    Size,
    /// `nbytes` (the data's bytes).
    Nbytes,
}

/// One metadata term of the filter language (`shape[0]>1000`, `dtype:float32`, `size>1GB`), for
/// a back end that evaluates it itself: the database turns it into SQL on the `<npy@>` JSON.
#[derive(Clone, Debug, PartialEq)]
pub struct MetaCondition(Term);

impl MetaCondition {
    /// Parses `text` when it is exactly one metadata term; `Ok(None)` when it is not one (plain
    /// text, or several terms); an error when it starts like one but is malformed.
    pub fn parse(text: &str) -> Result<Option<MetaCondition>, FilterError> {
        let mut cursor = Cursor { src: text, pos: 0 };
        cursor.skip_ws();
        let start = cursor.pos;
        let Some((key, index)) = cursor.key() else {
            return Ok(None);
        };
        let term = cursor.metadata_term(start, key, index)?;
        cursor.skip_ws();
        Ok(cursor.rest().is_empty().then_some(MetaCondition(term)))
    }

    /// What the condition looks at.
    pub fn field(&self) -> MetaField {
        match &self.0 {
            Term::Compare { field, .. } => match field {
                NumField::Ndim => MetaField::Ndim,
                NumField::Len => MetaField::Len,
                NumField::Axis(i) => MetaField::Axis(*i),
                NumField::Size => MetaField::Size,
                NumField::Nbytes => MetaField::Nbytes,
            },
            _ => MetaField::Dtype,
        }
    }

    /// For a `dtype` condition: whether it holds for `dtype`.
    pub fn dtype_holds(&self, dtype: &DType) -> bool {
        match &self.0 {
            Term::Dtype { negate, spec } => spec.matches(dtype) != *negate,
            _ => false,
        }
    }

    /// For a number condition: the comparison (`=`, `<>`, `<`, `<=`, `>`, `>=`) and the value as
    /// numerator and denominator (`1.5kB` is 1500/1; `0.5B` is 5/10).
    pub fn comparison(&self) -> Option<(&'static str, u128, u128)> {
        match &self.0 {
            Term::Compare { op, value, .. } => {
                let symbol = match op {
                    Op::Eq => "=",
                    Op::Ne => "<>",
                    Op::Lt => "<",
                    Op::Le => "<=",
                    Op::Gt => ">",
                    Op::Ge => ">=",
                };
                Some((symbol, value.num, value.den))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::npy::{MAGIC, parse_header};

    /// An `ArrayMeta` from a numpy header dict, through the crate's header parser (format 1.0).
    fn meta(dict: &str) -> ArrayMeta {
        let mut text = dict.to_string();
        while !(MAGIC.len() + 4 + text.len() + 1).is_multiple_of(64) {
            text.push(' ');
        }
        text.push('\n');
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&[1, 0]);
        bytes.extend_from_slice(&u16::try_from(text.len()).unwrap().to_le_bytes());
        bytes.extend_from_slice(text.as_bytes());
        parse_header(&bytes).unwrap()
    }

    /// A scalar-dtype array header.
    fn arr(descr: &str, shape: &str) -> ArrayMeta {
        meta(&format!(
            "{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}"
        ))
    }

    fn file<'a>(name: &'a str, meta: Option<&'a ArrayMeta>, size: Option<u64>) -> FilterItem<'a> {
        FilterItem {
            name,
            path: name,
            is_folder: false,
            meta,
            size,
        }
    }

    fn folder(name: &str) -> FilterItem<'_> {
        FilterItem {
            name,
            path: name,
            is_folder: true,
            meta: None,
            size: None,
        }
    }

    fn parse(text: &str) -> Filter {
        Filter::parse(text).unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
    }

    fn hits(filter: &str, item: &FilterItem<'_>) -> bool {
        parse(filter).matches(item)
    }

    fn err(text: &str) -> FilterError {
        match Filter::parse(text) {
            Ok(f) => panic!("{text:?} should fail, parsed as {f:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn empty_filter_matches_everything() {
        for text in ["", "   ", "\t\n", "\"\"", "\"  \""] {
            let f = parse(text);
            assert!(f.is_empty(), "{text:?}");
            assert!(!f.has_metadata_terms());
            assert!(f.matches(&folder("x")));
            assert!(f.matches(&file("a.npy", None, None)));
        }
        assert_eq!(Filter::default(), parse(""));
    }

    #[test]
    fn text_is_a_case_insensitive_substring_of_name_or_path() {
        let item = FilterItem {
            name: "Waveform_ab12CD34.npy",
            path: "_schema/ephys/recording/subject_id=42/Waveform_ab12CD34.npy",
            is_folder: false,
            meta: None,
            size: None,
        };
        assert!(hits("waveform", &item));
        assert!(hits("WAVEFORM", &item));
        assert!(hits("ephys", &item), "path counts");
        assert!(
            hits("subject_id=42", &item),
            "= inside a plain word is text"
        );
        assert!(hits("wave ephys", &item));
        assert!(!hits("wave spikes", &item), "all terms must hold");
        assert!(!hits("lfp", &item));
        let f = parse("waveform ephys");
        assert!(!f.is_empty());
        assert!(!f.has_metadata_terms());
    }

    #[test]
    fn quoted_text_keeps_spaces() {
        let item = file("my Two Words file.npy", None, None);
        assert!(hits("\"two words\"", &item));
        assert!(!hits("\"two  words\"", &item));
        assert!(!hits("\"words two\"", &item));
        assert!(hits("\"two words\" file", &item));
        assert!(hits("\"  two words \"", &item), "quotes are trimmed");
        let other = file("two.npy", None, None);
        assert!(!hits("\"two words\"", &other));
    }

    #[test]
    fn unicode_text() {
        let item = file("Ünïcode μs.npy", None, None);
        assert!(hits("ünï", &item));
        assert!(hits("ÜNÏ μS", &item));
    }

    #[test]
    fn words_that_only_look_like_keys_are_text() {
        for text in [
            "size",
            "shape[0]",
            "dtypes:float",
            "ndim2",
            "sizes>3",
            "len[0]>3",
            "shape_x>3",
        ] {
            let f = parse(text);
            assert!(!f.has_metadata_terms(), "{text:?} is text: {f:?}");
        }
        assert!(hits("shape[0]", &file("shape[0].npy", None, None)));
        assert!(hits("size", &folder("sizes")));
    }

    #[test]
    fn folders_pass_text_but_fail_metadata_terms() {
        let dir = folder("waveforms");
        assert!(hits("wave", &dir));
        assert!(!hits("wave ndim=0", &dir));
        for text in [
            "dtype:float32",
            "dtype!=float32",
            "ndim>=0",
            "len>=0",
            "shape[0]>=0",
            "size>=0",
            "nbytes>=0",
        ] {
            assert!(!hits(text, &dir), "{text}");
            // A folder with meta and size set by mistake still fails.
            let m = arr("<f4", "(3,)");
            let odd = FilterItem {
                meta: Some(&m),
                size: Some(10),
                ..dir
            };
            assert!(!hits(text, &odd), "{text}");
        }
    }

    #[test]
    fn rows_without_a_header_fail_header_terms() {
        let item = file("a.npy", None, Some(5_000));
        for text in [
            "dtype:float32",
            "dtype!=float32",
            "ndim>=0",
            "len>=0",
            "shape[-1]>=0",
            "nbytes>=0",
        ] {
            assert!(!hits(text, &item), "{text}");
        }
        // size is the object's size, known from the listing.
        assert!(hits("size>=1kB", &item));
        assert!(!hits("size>=1KiB a.npy size<5000", &item));
        assert!(
            !hits("size>0", &file("a.npy", None, None)),
            "unknown size fails"
        );
    }

    #[test]
    fn dtype_names_typestrs_and_byte_order() {
        let le = arr("<f4", "(3,)");
        let be = arr(">f4", "(3,)");
        let f8 = arr("<f8", "(3,)");
        let (le, be, f8) = (
            file("a", Some(&le), None),
            file("b", Some(&be), None),
            file("c", Some(&f8), None),
        );
        for text in [
            "dtype:float32",
            "dtype=float32",
            "dtype==float32",
            "DTYPE:Float32",
            "dtype:f4",
            "dtype:=f4",
            "dtype : float32",
            "dtype: f4",
        ] {
            assert!(hits(text, &le), "{text}");
            assert!(
                hits(text, &be),
                "{text}: order does not matter unless written"
            );
            assert!(!hits(text, &f8), "{text}");
        }
        assert!(hits("dtype:<f4", &le));
        assert!(!hits("dtype:<f4", &be));
        assert!(hits("dtype:>f4", &be));
        assert!(hits("dtype=>f4", &be), "= then >f4");
        assert!(!hits("dtype:>f4", &le));
        assert!(hits("dtype!=float32", &f8));
        assert!(!hits("dtype!=float32", &le));
        assert!(hits("dtype!=<f4", &be));
        assert!(hits("dtype:float64", &f8));
        assert!(hits("dtype:float", &le) && hits("dtype:float", &f8));
        let p = parse("dtype:float32");
        assert!(p.has_metadata_terms());
    }

    #[test]
    fn dtype_kinds() {
        let cases: [(&str, &[&str]); 12] = [
            ("|b1", &["bool", "b1", "|b1"]),
            ("|i1", &["int", "int8", "i1", "<i1"]),
            ("<i2", &["int", "int16", "i2"]),
            ("<u8", &["int", "uint", "uint64", "u8"]),
            ("<f2", &["float", "float16"]),
            ("<c8", &["complex", "complex64", "c8"]),
            ("<c16", &["complex", "complex128"]),
            (
                "<M8[ns]",
                &[
                    "datetime",
                    "datetime64",
                    "datetime64[ns]",
                    "M8[ns]",
                    "<M8[ns]",
                    "M8",
                ],
            ),
            (
                "<m8[s]",
                &["timedelta", "timedelta64", "timedelta64[s]", "m8"],
            ),
            ("<U5", &["str", "text", "<U5", "U5", "unicode"]),
            ("|S3", &["bytes", "text", "S3", "|S3"]),
            ("|V4", &["void", "V4"]),
        ];
        let kinds = [
            "bool",
            "int",
            "uint",
            "float",
            "complex",
            "datetime",
            "timedelta",
            "str",
            "bytes",
            "text",
            "void",
            "structured",
        ];
        for (descr, yes) in cases {
            let m = arr(descr, "(2,)");
            let item = file("x", Some(&m), None);
            for text in yes {
                assert!(hits(&format!("dtype:{text}"), &item), "{descr} is {text}");
                assert!(!hits(&format!("dtype!={text}"), &item), "{descr} is {text}");
            }
            for kind in kinds.iter().filter(|k| !yes.contains(k)) {
                assert!(
                    !hits(&format!("dtype:{kind}"), &item),
                    "{descr} is not {kind}"
                );
            }
        }
        let m = arr("<M8[ns]", "(2,)");
        let ns = file("x", Some(&m), None);
        assert!(!hits("dtype:datetime64[us]", &ns));
        assert!(!hits("dtype:int64", &ns));
        let m = arr("<M8[M]", "(2,)");
        let months = file("x", Some(&m), None);
        assert!(hits("dtype:datetime64[M]", &months));
        assert!(
            !hits("dtype:datetime64[m]", &months),
            "unit case matters: m is minutes"
        );
        let m = arr("<U5", "(2,)");
        assert!(!hits("dtype:U6", &file("x", Some(&m), None)));
    }

    #[test]
    fn structured_dtypes() {
        let m = meta(
            "{'descr': [('x', '<f8'), ('y', '<f8', (3,))], 'fortran_order': False, 'shape': (4,), }",
        );
        let item = file("rec.npy", Some(&m), None);
        for text in [
            "dtype:structured",
            "dtype:struct",
            "dtype:record",
            "dtype!=float64",
            "dtype!=float",
        ] {
            assert!(hits(text, &item), "{text}");
        }
        for text in [
            "dtype:float64",
            "dtype:float",
            "dtype:void",
            "dtype!=structured",
        ] {
            assert!(!hits(text, &item), "{text}");
        }
        let m = arr("<f8", "(4,)");
        assert!(!hits("dtype:structured", &file("x", Some(&m), None)));
    }

    #[test]
    fn ndim_len_and_shape() {
        let m = arr("<i2", "(1000, 32, 3)");
        let item = file("x", Some(&m), None);
        for text in [
            "ndim=3",
            "ndim==3",
            "ndim:3",
            "ndim>=2",
            "ndim>2",
            "ndim<4",
            "ndim<=3",
            "ndim!=2",
            "len=1000",
            "len>999",
            "shape[0]=1000",
            "shape[1]=32",
            "shape[2]=3",
            "shape[-1]=3",
            "shape[-2]=32",
            "shape[-3]=1000",
            "shape[+1]=32",
            "NDIM=3",
            "Shape[0]>1",
        ] {
            assert!(hits(text, &item), "{text}");
        }
        for text in [
            "ndim=2",
            "ndim>3",
            "ndim<3",
            "ndim!=3",
            "len<1000",
            "shape[0]>1000",
            "shape[3]>=0",
            "shape[-4]>=0",
            "shape[99999999999999]>=0",
            "shape[-9223372036854775808]>=0",
        ] {
            assert!(!hits(text, &item), "{text}");
        }
        let scalar = arr("<f8", "()");
        let scalar = file("s", Some(&scalar), None);
        assert!(hits("ndim=0", &scalar));
        assert!(!hits("len>=0", &scalar), "0-d arrays have no len");
        assert!(!hits("shape[0]>=0", &scalar));
        assert!(!hits("shape[-1]>=0", &scalar));
        let empty = arr("<f8", "(0, 5)");
        let empty = file("e", Some(&empty), None);
        assert!(hits("len=0 shape[-1]=5", &empty));
    }

    #[test]
    fn size_and_nbytes_with_units() {
        // 1000 x 500 float32 = 2_000_000 bytes of data.
        let m = arr("<f4", "(1000, 500)");
        let object = m.expected_object_size();
        let item = file("x", Some(&m), Some(object));
        for text in [
            "nbytes=2000000",
            "nbytes=2MB",
            "nbytes=2mb",
            "nbytes==2000kB",
            "nbytes=2000KB",
            "nbytes>1.9MB",
            "nbytes<2.1MB",
            "nbytes<=2MB",
            "nbytes>=2MB",
            "nbytes>1MiB",
            "nbytes<2MiB",
            "nbytes=0.002GB",
            "nbytes=0.000002TB",
            "nbytes<1GiB",
            "nbytes<1TiB",
            "nbytes>1953KiB",
            "nbytes<1954KiB",
            "nbytes=2000000B",
            "nbytes>.5MB",
            "nbytes<3.MB",
            "size>2MB",
            "size<2.1MB",
            "size!=2MB",
        ] {
            assert!(hits(text, &item), "{text}");
        }
        for text in [
            "nbytes!=2MB",
            "nbytes>2MB",
            "nbytes<2MB",
            "nbytes=1.9999999MB",
            "size=2MB",
            "size<=2MB",
        ] {
            assert!(!hits(text, &item), "{text}");
        }
        let exact = file("x", Some(&m), Some(1536));
        assert!(hits("size=1.5KiB", &exact));
        assert!(hits("size=1.536kB", &exact));
        assert!(!hits("size=1.5kB", &exact));
        let big = file("x", None, Some(u64::MAX));
        assert!(hits("size>1000000TiB", &big));
        assert!(hits("size=18446744073709551615", &big));
    }

    #[test]
    fn spaces_around_operators() {
        let m = arr("<f4", "(2000, 3)");
        let item = file("waveform.npy", Some(&m), Some(3 << 30));
        for text in [
            "shape[0] > 1000",
            "shape[0]> 1000",
            "shape[0] >1000",
            "shape[0]   >=   1000",
            "shape[-1] = 3",
            "ndim >= 2",
            "len != 5",
            "size >= 1 GiB",
            "size>= 1 GiB",
            "size >=1GiB",
            "size >= 1GiB",
            "size > 3 gb",
            "dtype : float32",
            "dtype != int16",
            "  waveform   ndim = 2\tsize > 1 GB  ",
            "waveform dtype:float32 ndim>=2 size>1MB shape[0] > 1000",
        ] {
            let f = parse(text);
            assert!(f.matches(&item), "{text}: {f:?}");
        }
        // Spaced forms are one term each: a following word stays a text term.
        let f = parse("size > 1 GiB waveform");
        assert_eq!(f.terms.len(), 2);
        assert!(f.matches(&item));
        assert!(!parse("size > 1 GiB spikes").matches(&item));
        assert_eq!(parse("shape[0] > 1000 ndim = 2").terms.len(), 2);
        assert_eq!(
            parse("size > 1 waveform").terms.len(),
            2,
            "a non-unit word is not eaten"
        );
    }

    #[test]
    fn errors_name_the_term_and_show_the_form() {
        let e = err("ndim>x");
        assert_eq!(
            e,
            FilterError::BadNumber {
                term: "ndim>x".into(),
                key: "ndim".into(),
                example: "ndim=2".into()
            }
        );
        assert_eq!(
            e.to_string(),
            "`ndim>x`: ndim needs a whole number, e.g. ndim=2"
        );
        assert!(matches!(err("ndim>2.5"), FilterError::BadNumber { .. }));
        assert!(matches!(err("ndim>-1"), FilterError::BadNumber { .. }));
        assert!(matches!(err("ndim>2MB"), FilterError::BadNumber { .. }));
        assert!(matches!(
            err("len>99999999999999999999999"),
            FilterError::BadNumber { .. }
        ));
        let e = err("wave shape[1] > x");
        assert_eq!(
            e.to_string(),
            "`shape[1] > x`: shape[1] needs a whole number, e.g. shape[0]>1000"
        );

        for text in [
            "size>1XB",
            "size>abc",
            "nbytes<1.2.3",
            "size>.",
            "size>GB",
            "size>1e6",
            "size>-1",
        ] {
            assert!(matches!(err(text), FilterError::BadSize { .. }), "{text}");
        }
        // A word after the number that is not a unit is a text term, not part of the size.
        let f = parse("size > 1 XB");
        assert_eq!(f.terms.len(), 2);
        assert_eq!(f.terms[1], Term::Text("xb".into()));
        assert_eq!(
            err("size > 1XB").to_string(),
            "`size > 1XB`: size needs a number with an optional unit (B, kB, MB, GB, TB, KiB, MiB, GiB, TiB), \
             e.g. size>1.5GB"
        );
        assert!(matches!(
            err("size>1.0000000000000000001GB"),
            FilterError::BadSize { .. }
        ));

        for text in [
            "shape>3",
            "shape[x]>3",
            "shape[]>3",
            "shape[0 >3",
            "shape[1.5]=2",
        ] {
            let e = err(text);
            assert!(matches!(e, FilterError::BadAxis { .. }), "{text}: {e:?}");
            assert!(e.to_string().contains("e.g. shape[0]>1000"), "{e}");
        }
        assert_eq!(
            err("shape > 3").to_string().split(':').next(),
            Some("`shape > 3`")
        );

        for text in ["ndim>", "ndim >  ", "dtype:", "dtype: ", "size >="] {
            let e = err(text);
            assert!(
                matches!(e, FilterError::MissingValue { .. }),
                "{text}: {e:?}"
            );
        }
        assert_eq!(
            err("ndim>").to_string(),
            "`ndim>`: a value is missing after the operator, e.g. ndim=2"
        );

        let e = err("dtype<f4");
        assert_eq!(
            e.to_string(),
            "`dtype<f4`: dtype takes one of : = or !=, e.g. dtype:float32"
        );
        assert!(matches!(
            err("dtype>=float32"),
            FilterError::BadOperator { .. }
        ));
        assert!(matches!(err("ndim!2"), FilterError::BadOperator { .. }));

        for text in [
            "dtype:flaot32",
            "dtype:object",
            "dtype:O",
            "dtype:int12",
            "dtype:int128",
            "dtype:f3",
            "dtype:datetime64[xx]",
        ] {
            let e = err(text);
            assert!(
                matches!(e, FilterError::UnknownDtype { .. }),
                "{text}: {e:?}"
            );
        }
        let e = err("a dtype:flaot32 b");
        assert!(
            e.to_string()
                .starts_with("`dtype:flaot32`: unknown dtype `flaot32`; use a numpy name"),
            "{e}"
        );

        let e = err("wave \"two words");
        assert_eq!(
            e,
            FilterError::UnclosedQuote {
                term: "\"two words".into()
            }
        );
        assert_eq!(
            e.to_string(),
            "`\"two words`: the quote is not closed, e.g. \"two words\""
        );
    }

    #[test]
    fn help_mentions_every_key() {
        for key in [
            "dtype",
            "ndim",
            "len",
            "shape[0]",
            "shape[-1]",
            "size",
            "nbytes",
            "KiB",
            "\"two words\"",
            "!=",
        ] {
            assert!(HELP.contains(key), "{key}");
        }
    }

    #[test]
    fn single_metadata_conditions_for_other_back_ends() {
        let c = MetaCondition::parse("shape[-1] >= 3").ok().flatten();
        assert_eq!(
            c.as_ref().map(MetaCondition::field),
            Some(MetaField::Axis(-1))
        );
        assert_eq!(c.and_then(|c| c.comparison()), Some((">=", 3, 1)));
        let c = MetaCondition::parse("size>1.5kB").ok().flatten();
        assert_eq!(c.and_then(|c| c.comparison()), Some((">", 15000, 10)));
        let c = MetaCondition::parse("dtype!=float").ok().flatten();
        let f32 = crate::npy::dtype_from_numpy_name("float32").ok();
        let i64 = crate::npy::dtype_from_numpy_name("int64").ok();
        assert_eq!(
            c.map(|c| (
                f32.as_ref().is_some_and(|d| c.dtype_holds(d)),
                i64.as_ref().is_some_and(|d| c.dtype_holds(d))
            )),
            Some((false, true))
        );
        // Not one metadata term: plain text, or two terms.
        assert_eq!(MetaCondition::parse("waveform"), Ok(None));
        assert_eq!(MetaCondition::parse("ndim=2 len>3"), Ok(None));
        assert!(MetaCondition::parse("shape[x]>3").is_err());
    }
}
