//! numpy dtypes as saved in a `.npy` `descr`: the model, numpy's `descr` in JSON and as a Python literal, and a
//! short human label.

use super::repr::{py_str, py_tuple};

/// A numpy dtype as saved in `.npy` `descr`: one scalar type, or a structured record of named fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DType {
    /// A plain (non-structured) dtype such as `<f8` or `<U5`.
    Scalar(ScalarType),
    /// A structured dtype; fields in file order, padding fields (empty name, `|V<n>`) included.
    Structured(Vec<Field>),
}

/// One field of a structured dtype.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// Field name; empty for padding fields.
    pub name: String,
    /// Optional numpy title (the `(title, name)` form); kept so the descr round-trips.
    pub title: Option<String>,
    /// The field's element dtype.
    pub dtype: DType,
    /// Sub-array shape, empty if the field is not a sub-array; a nested sub-array's levels are
    /// flattened here (outermost first), as its elements lie in memory.
    pub shape: Vec<u64>,
    /// How many of `shape`'s dimensions each level of a nested sub-array adds, outermost first
    /// (`('x', ('<f8', (5,)), (2,))` is `shape` `[2, 5]`, `levels` `[1, 1]`), so the descr is
    /// written back as numpy wrote it; empty for a plain (one-level) sub-array or none.
    pub levels: Vec<usize>,
}

/// A non-structured dtype: byte order plus kind and size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScalarType {
    /// Byte order; [`ByteOrder::NotApplicable`] for one-byte and byte-string kinds.
    pub order: ByteOrder,
    /// Kind and size.
    pub kind: ScalarKind,
}

/// Byte order of a multi-byte scalar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ByteOrder {
    /// `<`
    Little,
    /// `>`
    Big,
    /// `|`: single bytes, byte strings, raw void.
    NotApplicable,
}

/// The kind of a scalar and its size (bytes for numbers, characters for strings).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScalarKind {
    /// `b1`
    Bool,
    /// `i1`, `i2`, `i4`, `i8`: the value is the byte size.
    Int(u8),
    /// `u1` … `u8`: the value is the byte size.
    UInt(u8),
    /// `f2`, `f4`, `f8`, and longdouble `f12`/`f16`: the value is the byte size.
    Float(u8),
    /// `c8`, `c16`, and clongdouble `c24`/`c32`: the value is the byte size.
    Complex(u8),
    /// `S<n>`: fixed-length bytes, n bytes.
    Bytes(u64),
    /// `U<n>`: fixed-length UCS-4 string of n characters (4 n bytes).
    Str(u64),
    /// `V<n>`: raw bytes (also padding in structured dtypes).
    Void(u64),
    /// `M8[unit]`: datetime64.
    DateTime(DateUnit),
    /// `m8[unit]`: timedelta64.
    TimeDelta(DateUnit),
}

/// A datetime64/timedelta64 unit with its multiple, e.g. `10us`; generic (`<M8`) has [`TimeUnit::Generic`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DateUnit {
    /// The base unit.
    pub unit: TimeUnit,
    /// The multiple (1 for plain units).
    pub count: u32,
}

/// numpy's datetime units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimeUnit {
    /// No unit (`<M8`): numpy's generic datetime.
    Generic,
    /// `Y`
    Year,
    /// `M`
    Month,
    /// `W`
    Week,
    /// `D`
    Day,
    /// `h`
    Hour,
    /// `m`
    Minute,
    /// `s`
    Second,
    /// `ms`
    Milli,
    /// `us`
    Micro,
    /// `ns`
    Nano,
    /// `ps`
    Pico,
    /// `fs`
    Femto,
    /// `as`
    Atto,
}

impl TimeUnit {
    /// numpy's code for the unit (`"ns"`, `"D"`…); empty for generic.
    pub fn code(self) -> &'static str {
        match self {
            TimeUnit::Generic => "",
            TimeUnit::Year => "Y",
            TimeUnit::Month => "M",
            TimeUnit::Week => "W",
            TimeUnit::Day => "D",
            TimeUnit::Hour => "h",
            TimeUnit::Minute => "m",
            TimeUnit::Second => "s",
            TimeUnit::Milli => "ms",
            TimeUnit::Micro => "us",
            TimeUnit::Nano => "ns",
            TimeUnit::Pico => "ps",
            TimeUnit::Femto => "fs",
            TimeUnit::Atto => "as",
        }
    }

    /// The unit for a numpy code (`μs` accepted as numpy does); `None` if unknown.
    pub fn from_code(code: &str) -> Option<TimeUnit> {
        Some(match code {
            "generic" => TimeUnit::Generic,
            "Y" => TimeUnit::Year,
            "M" => TimeUnit::Month,
            "W" => TimeUnit::Week,
            "D" => TimeUnit::Day,
            "h" => TimeUnit::Hour,
            "m" => TimeUnit::Minute,
            "s" => TimeUnit::Second,
            "ms" => TimeUnit::Milli,
            "us" | "μs" => TimeUnit::Micro,
            "ns" => TimeUnit::Nano,
            "ps" => TimeUnit::Pico,
            "fs" => TimeUnit::Femto,
            "as" => TimeUnit::Atto,
            _ => return None,
        })
    }
}

impl DateUnit {
    /// The bracket suffix numpy writes: `""` for generic, `"[ns]"`, `"[10us]"`.
    fn suffix(self) -> String {
        match (self.unit, self.count) {
            (TimeUnit::Generic, _) => String::new(),
            (u, 1) => format!("[{}]", u.code()),
            (u, n) => format!("[{n}{}]", u.code()),
        }
    }
}

impl ScalarKind {
    /// Bytes per element, saturating (parsed dtypes are checked, so it never saturates for them).
    pub fn itemsize(self) -> u64 {
        match self {
            ScalarKind::Bool => 1,
            ScalarKind::Int(n)
            | ScalarKind::UInt(n)
            | ScalarKind::Float(n)
            | ScalarKind::Complex(n) => u64::from(n),
            ScalarKind::Bytes(n) | ScalarKind::Void(n) => n,
            ScalarKind::Str(n) => n.saturating_mul(4),
            ScalarKind::DateTime(_) | ScalarKind::TimeDelta(_) => 8,
        }
    }

    /// Whether the byte order matters for this kind (numpy writes `|` otherwise).
    pub fn has_byte_order(self) -> bool {
        match self {
            ScalarKind::Bool | ScalarKind::Bytes(_) | ScalarKind::Void(_) => false,
            ScalarKind::Int(n) | ScalarKind::UInt(n) => n > 1,
            _ => true,
        }
    }
}

impl ScalarType {
    /// numpy's `dtype.str`, e.g. `"<f8"`, `"|b1"`, `"<M8[10us]"`.
    pub fn typestr(&self) -> String {
        let order = match self.order {
            ByteOrder::Little => '<',
            ByteOrder::Big => '>',
            ByteOrder::NotApplicable => '|',
        };
        let body = match self.kind {
            ScalarKind::Bool => "b1".to_string(),
            ScalarKind::Int(n) => format!("i{n}"),
            ScalarKind::UInt(n) => format!("u{n}"),
            ScalarKind::Float(n) => format!("f{n}"),
            ScalarKind::Complex(n) => format!("c{n}"),
            ScalarKind::Bytes(n) => format!("S{n}"),
            ScalarKind::Str(n) => format!("U{n}"),
            ScalarKind::Void(n) => format!("V{n}"),
            ScalarKind::DateTime(u) => format!("M8{}", u.suffix()),
            ScalarKind::TimeDelta(u) => format!("m8{}", u.suffix()),
        };
        format!("{order}{body}")
    }

    /// A short label: numpy's `dtype.name` for numbers (`"float32"`), `"str (U5)"` for strings, plus
    /// `" (big-endian)"` when the byte order is big.
    pub fn display_name(&self) -> String {
        let base = match self.kind {
            ScalarKind::Bool => "bool".to_string(),
            ScalarKind::Int(n) => format!("int{}", u32::from(n) * 8),
            ScalarKind::UInt(n) => format!("uint{}", u32::from(n) * 8),
            ScalarKind::Float(n) => format!("float{}", u32::from(n) * 8),
            ScalarKind::Complex(n) => format!("complex{}", u32::from(n) * 8),
            ScalarKind::Bytes(n) => format!("bytes (S{n})"),
            ScalarKind::Str(n) => format!("str (U{n})"),
            ScalarKind::Void(n) => format!("void (V{n})"),
            ScalarKind::DateTime(u) => format!("datetime64{}", u.suffix()),
            ScalarKind::TimeDelta(u) => format!("timedelta64{}", u.suffix()),
        };
        if self.order == ByteOrder::Big && self.kind.has_byte_order() {
            format!("{base} (big-endian)")
        } else {
            base
        }
    }
}

impl Field {
    /// Whether this is a padding field (empty name, raw void, not structured), as numpy writes for aligned structs.
    pub fn is_padding(&self) -> bool {
        self.name.is_empty()
            && matches!(
                self.dtype,
                DType::Scalar(ScalarType {
                    kind: ScalarKind::Void(_),
                    ..
                })
            )
    }

    /// Bytes the field takes in a record: element itemsize times the sub-array size (saturating).
    pub fn itemsize(&self) -> u64 {
        self.shape
            .iter()
            .fold(self.dtype.itemsize(), |acc, &d| acc.saturating_mul(d))
    }

    /// Bytes the field takes, or `None` on overflow; used when validating parsed dtypes.
    pub fn checked_itemsize(&self) -> Option<u64> {
        self.shape
            .iter()
            .try_fold(self.dtype.checked_itemsize()?, |acc, &d| acc.checked_mul(d))
    }

    fn name_json(&self) -> serde_json::Value {
        match &self.title {
            Some(t) => serde_json::json!([t, self.name]),
            None => serde_json::Value::String(self.name.clone()),
        }
    }

    /// The shape's groups, outermost first: one per nested level (or the whole shape).
    fn shape_groups(&self) -> Vec<&[u64]> {
        if self.levels.iter().sum::<usize>() != self.shape.len() || self.levels.len() < 2 {
            return vec![&self.shape];
        }
        let mut rest = self.shape.as_slice();
        self.levels
            .iter()
            .map(|&n| {
                let (group, tail) = rest.split_at(n);
                rest = tail;
                group
            })
            .collect()
    }

    fn name_literal(&self) -> String {
        match &self.title {
            Some(t) => py_tuple(&[py_str(t), py_str(&self.name)]),
            None => py_str(&self.name),
        }
    }
}

impl DType {
    /// Bytes per element (saturating; parsed dtypes are checked so the value is exact for them).
    pub fn itemsize(&self) -> u64 {
        match self {
            DType::Scalar(s) => s.kind.itemsize(),
            DType::Structured(fields) => fields
                .iter()
                .fold(0u64, |acc, f| acc.saturating_add(f.itemsize())),
        }
    }

    /// Bytes per element, or `None` if it does not fit in `u64`; used when validating parsed dtypes.
    pub fn checked_itemsize(&self) -> Option<u64> {
        match self {
            DType::Scalar(ScalarType {
                kind: ScalarKind::Str(n),
                ..
            }) => n.checked_mul(4),
            DType::Scalar(s) => Some(s.kind.itemsize()),
            DType::Structured(fields) => fields
                .iter()
                .try_fold(0u64, |acc, f| acc.checked_add(f.checked_itemsize()?)),
        }
    }

    /// numpy's `dtype.descr`, with tuples as JSON lists: `"<f8"`, `"|b1"`, `"<M8[ns]"`, or for structured dtypes a
    /// list of `[name, descr]` / `[name, descr, shape]` entries, nested; titled names become `[title, name]`.
    pub fn descr_json(&self) -> serde_json::Value {
        match self {
            DType::Scalar(s) => serde_json::Value::String(s.typestr()),
            DType::Structured(fields) => serde_json::Value::Array(
                fields
                    .iter()
                    .map(|f| {
                        let groups = f.shape_groups();
                        let mut descr = f.dtype.descr_json();
                        for inner in groups.iter().skip(1).rev() {
                            descr = serde_json::json!([descr, inner]);
                        }
                        let mut entry = vec![f.name_json(), descr];
                        if !f.shape.is_empty() {
                            entry.push(serde_json::json!(groups[0]));
                        }
                        serde_json::Value::Array(entry)
                    })
                    .collect(),
            ),
        }
    }

    /// The descr as numpy writes it in a header (Python `repr` of `dtype.descr` / `dtype.str`).
    pub fn descr_literal(&self) -> String {
        match self {
            DType::Scalar(s) => py_str(&s.typestr()),
            DType::Structured(fields) => {
                let items: Vec<String> = fields
                    .iter()
                    .map(|f| {
                        let dims = |group: &[u64]| {
                            py_tuple(&group.iter().map(u64::to_string).collect::<Vec<_>>())
                        };
                        let groups = f.shape_groups();
                        let mut descr = f.dtype.descr_literal();
                        for inner in groups.iter().skip(1).rev() {
                            descr = py_tuple(&[descr, dims(inner)]);
                        }
                        let mut parts = vec![f.name_literal(), descr];
                        if !f.shape.is_empty() {
                            parts.push(dims(groups[0]));
                        }
                        py_tuple(&parts)
                    })
                    .collect();
                format!("[{}]", items.join(", "))
            }
        }
    }

    /// A short label for tables: `"float32"`, `"int32 (big-endian)"`, `"str (U5)"`, `"datetime64[ns]"`, or
    /// `"struct{x: float64, y: float64[3]}"` (padding hidden, long field lists shortened).
    pub fn display_name(&self) -> String {
        match self {
            DType::Scalar(s) => s.display_name(),
            DType::Structured(fields) => {
                const SHOWN: usize = 4;
                let named: Vec<&Field> = fields.iter().filter(|f| !f.is_padding()).collect();
                let mut parts: Vec<String> = named
                    .iter()
                    .take(SHOWN)
                    .map(|f| {
                        let mut s = format!("{}: {}", short_name(&f.name), f.dtype.display_name());
                        if !f.shape.is_empty() {
                            let dims: Vec<String> = f.shape.iter().map(u64::to_string).collect();
                            s.push_str(&format!("[{}]", dims.join(", ")));
                        }
                        s
                    })
                    .collect();
                if named.len() > SHOWN {
                    parts.push(format!("… {} more", named.len() - SHOWN));
                }
                format!("struct{{{}}}", parts.join(", "))
            }
        }
    }
}

/// A field name fit for a table cell: control characters escaped, cut to 24 characters.
fn short_name(name: &str) -> String {
    const MAX: usize = 24;
    let mut out: String = name
        .chars()
        .flat_map(|c| {
            let esc: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            esc
        })
        .collect();
    if let Some((cut, _)) = out.char_indices().nth(MAX) {
        out.truncate(cut);
        out.push('…');
    }
    out
}
