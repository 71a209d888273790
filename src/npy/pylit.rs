//! A small, strict parser for the Python literals found in `.npy` headers (what `ast.literal_eval` accepts
//! there): strings, ints, `True`/`False`/`None`, tuples, lists and dicts. Nothing is evaluated; nesting is capped.

use super::error::{NpyError, clip};

/// Deepest container nesting accepted; real headers need a few levels, hostile ones could need thousands.
pub const MAX_DEPTH: usize = 64;

/// A parsed Python literal.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A `str` literal (adjacent literals concatenated, escapes resolved).
    Str(String),
    /// A `bytes` literal; never valid in a header, kept only to report it.
    Bytes,
    /// An integer that fits in `i128`.
    Int(i128),
    /// An integer too large for `i128`; only its sign is kept.
    BigInt {
        /// Whether it was negative.
        negative: bool,
    },
    /// A float or complex literal; never valid in a header, kept only to report it.
    Float,
    /// `True` or `False`.
    Bool(bool),
    /// `None`.
    None,
    /// A tuple.
    Tuple(Vec<Value>),
    /// A list.
    List(Vec<Value>),
    /// A dict, entries in source order (duplicates kept; the caller applies Python's last-wins rule).
    Dict(Vec<(Value, Value)>),
}

impl Value {
    /// The type with an article, for error messages: `"an int"`, `"a list"`, `"None"`.
    pub fn described(&self) -> &'static str {
        match self {
            Value::Str(_) => "a str",
            Value::Bytes => "a bytes literal",
            Value::Int(_) | Value::BigInt { .. } => "an int",
            Value::Float => "a float",
            Value::Bool(_) => "a bool",
            Value::None => "None",
            Value::Tuple(_) => "a tuple",
            Value::List(_) => "a list",
            Value::Dict(_) => "a dict",
        }
    }

    /// The Python type name, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "str",
            Value::Bytes => "bytes",
            Value::Int(_) | Value::BigInt { .. } => "int",
            Value::Float => "float",
            Value::Bool(_) => "bool",
            Value::None => "NoneType",
            Value::Tuple(_) => "tuple",
            Value::List(_) => "list",
            Value::Dict(_) => "dict",
        }
    }
}

/// Options for [`parse`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Accept Python 2's `L` suffix on integers (`3L`), as numpy does for format 1.0 and 2.0 headers.
    pub allow_long_suffix: bool,
}

/// Parses one literal that must fill `text` (surrounding whitespace allowed).
pub fn parse(text: &str, opts: Options) -> Result<Value, NpyError> {
    let chars: Vec<char> = text.chars().collect();
    let mut p = Parser {
        s: &chars,
        pos: 0,
        depth: 0,
        opts,
    };
    p.skip_ws();
    let v = p.value()?;
    p.skip_ws();
    if p.pos < p.s.len() {
        return Err(p.err(format!(
            "unexpected {} after the literal",
            p.describe_here()
        )));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [char],
    pos: usize,
    depth: usize,
    opts: Options,
}

impl Parser<'_> {
    fn err(&self, msg: impl Into<String>) -> NpyError {
        NpyError::Syntax {
            pos: self.pos,
            msg: msg.into(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.s.get(self.pos).copied()
    }

    fn peek_at(&self, off: usize) -> Option<char> {
        self.s.get(self.pos + off).copied()
    }

    fn describe_here(&self) -> String {
        match self.peek() {
            Some(c) => format!("{c:?}"),
            None => "end of header".to_string(),
        }
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn value(&mut self) -> Result<Value, NpyError> {
        match self.peek() {
            None => Err(self.err("expected a value, found end of header")),
            Some('{') => self.nested(|p| p.dict()),
            Some('[') => self.nested(|p| p.seq(']').map(Value::List)),
            Some('(') => self.nested(|p| p.paren()),
            Some('\'' | '"') => self.strings(),
            Some('-' | '+') => self.signed(),
            Some(c) if c.is_ascii_digit() => self.number(false),
            Some('.') if self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) => self.number(false),
            Some(c) if c.is_alphabetic() || c == '_' => self.word(),
            Some(_) => Err(self.err(format!("unexpected {}", self.describe_here()))),
        }
    }

    /// Runs `f` one nesting level deeper, refusing to go past [`MAX_DEPTH`].
    fn nested(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<Value, NpyError>,
    ) -> Result<Value, NpyError> {
        if self.depth >= MAX_DEPTH {
            return Err(NpyError::TooDeep { max: MAX_DEPTH });
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    /// Comma-separated values after an opening bracket, up to `close`; trailing comma allowed.
    fn seq(&mut self, close: char) -> Result<Vec<Value>, NpyError> {
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.skip_ws();
            if self.peek() == Some(close) {
                self.pos += 1;
                return Ok(items);
            }
            items.push(self.value()?);
            self.skip_ws();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(c) if c == close => {}
                _ => {
                    return Err(self.err(format!(
                        "expected ',' or '{close}', found {}",
                        self.describe_here()
                    )));
                }
            }
        }
    }

    /// `(...)`: a tuple when empty or holding a comma, otherwise just the parenthesised value.
    fn paren(&mut self) -> Result<Value, NpyError> {
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(')') {
            self.pos += 1;
            return Ok(Value::Tuple(Vec::new()));
        }
        let first = self.value()?;
        self.skip_ws();
        match self.peek() {
            Some(')') => {
                self.pos += 1;
                Ok(first)
            }
            Some(',') => {
                self.pos += 1;
                let mut items = vec![first];
                loop {
                    self.skip_ws();
                    if self.peek() == Some(')') {
                        self.pos += 1;
                        return Ok(Value::Tuple(items));
                    }
                    items.push(self.value()?);
                    self.skip_ws();
                    match self.peek() {
                        Some(',') => self.pos += 1,
                        Some(')') => {}
                        _ => {
                            return Err(self.err(format!(
                                "expected ',' or ')', found {}",
                                self.describe_here()
                            )));
                        }
                    }
                }
            }
            _ => Err(self.err(format!(
                "expected ',' or ')', found {}",
                self.describe_here()
            ))),
        }
    }

    fn dict(&mut self) -> Result<Value, NpyError> {
        self.pos += 1;
        let mut entries = Vec::new();
        loop {
            self.skip_ws();
            if self.peek() == Some('}') {
                self.pos += 1;
                return Ok(Value::Dict(entries));
            }
            let key = self.value()?;
            self.skip_ws();
            if self.peek() != Some(':') {
                return Err(self.err(format!(
                    "expected ':' after a dict key, found {}",
                    self.describe_here()
                )));
            }
            self.pos += 1;
            self.skip_ws();
            let val = self.value()?;
            entries.push((key, val));
            self.skip_ws();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some('}') => {}
                _ => {
                    return Err(self.err(format!(
                        "expected ',' or '}}', found {}",
                        self.describe_here()
                    )));
                }
            }
        }
    }

    /// A single leading `-` or `+` before a number literal (as `literal_eval` allows).
    fn signed(&mut self) -> Result<Value, NpyError> {
        let negative = self.peek() == Some('-');
        self.pos += 1;
        self.skip_ws();
        match self.peek() {
            Some(c) if c.is_ascii_digit() => self.number(negative),
            Some('.') => self.number(negative),
            _ => Err(self.err(format!(
                "expected a number after the sign, found {}",
                self.describe_here()
            ))),
        }
    }

    fn number(&mut self, negative: bool) -> Result<Value, NpyError> {
        let start = self.pos;
        let radix = match (self.peek(), self.peek_at(1)) {
            (Some('0'), Some('x' | 'X')) => 16,
            (Some('0'), Some('o' | 'O')) => 8,
            (Some('0'), Some('b' | 'B')) => 2,
            _ => 10,
        };
        if radix != 10 {
            self.pos += 2;
        }
        let mut digits = String::new();
        let mut last_underscore = true; // no leading underscore (after a prefix `0x_1` is legal; we are stricter)
        while let Some(c) = self.peek() {
            if c == '_' && !last_underscore {
                last_underscore = true;
            } else if c.is_digit(radix) {
                digits.push(c);
                last_underscore = false;
            } else {
                break;
            }
            self.pos += 1;
        }
        if last_underscore && !(digits.is_empty() && radix == 10) {
            return Err(self.err("malformed integer literal"));
        }
        if radix == 10 && matches!(self.peek(), Some('.' | 'e' | 'E' | 'j' | 'J')) {
            return self.float_tail();
        }
        if self.opts.allow_long_suffix && matches!(self.peek(), Some('L' | 'l')) {
            self.pos += 1;
        }
        if self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            return Err(self.err(format!(
                "invalid character {} in a number",
                self.describe_here()
            )));
        }
        if radix == 10
            && digits.len() > 1
            && digits.starts_with('0')
            && digits.chars().any(|c| c != '0')
        {
            self.pos = start;
            return Err(self.err("leading zeros in a decimal integer are not allowed"));
        }
        let mut mag: Option<i128> = Some(0);
        for c in digits.chars() {
            let d = c.to_digit(radix).map(i128::from);
            mag = mag.zip(d).and_then(|(m, d)| {
                m.checked_mul(i128::from(radix))
                    .and_then(|m| m.checked_add(d))
            });
        }
        Ok(match mag {
            Some(m) if negative => Value::Int(-m),
            Some(m) => Value::Int(m),
            None => Value::BigInt { negative },
        })
    }

    /// Consumes the rest of a float/complex literal (digits, `.`, exponent, `j`).
    fn float_tail(&mut self) -> Result<Value, NpyError> {
        while let Some(c) = self.peek() {
            let exp_sign = matches!(c, '+' | '-')
                && matches!(self.s.get(self.pos.wrapping_sub(1)), Some('e' | 'E'));
            if c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '_' | 'j' | 'J') || exp_sign {
                self.pos += 1;
            } else {
                break;
            }
        }
        Ok(Value::Float)
    }

    fn word(&mut self) -> Result<Value, NpyError> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            self.pos += 1;
        }
        let w: String = self.s[start..self.pos].iter().collect();
        match w.as_str() {
            "True" => Ok(Value::Bool(true)),
            "False" => Ok(Value::Bool(false)),
            "None" => Ok(Value::None),
            _ if matches!(self.peek(), Some('\'' | '"')) && is_string_prefix(&w) => {
                self.pos = start;
                self.strings()
            }
            _ => {
                self.pos = start;
                Err(self.err(format!(
                    "unexpected name {}: only literals are allowed",
                    clip(&w)
                )))
            }
        }
    }

    /// One or more adjacent string literals, concatenated as Python does.
    fn strings(&mut self) -> Result<Value, NpyError> {
        let mut out = String::new();
        let mut kind: Option<bool> = None; // Some(true) = bytes
        loop {
            let (s, is_bytes) = self.string()?;
            if kind.is_some_and(|k| k != is_bytes) {
                return Err(self.err("cannot mix bytes and str literals"));
            }
            kind = Some(is_bytes);
            out.push_str(&s);
            let save = self.pos;
            self.skip_ws();
            let next_is_string = match self.peek() {
                Some('\'' | '"') => true,
                Some(c) if c.is_alphabetic() => {
                    let mut end = self.pos;
                    while self.s.get(end).is_some_and(|c| c.is_alphabetic()) {
                        end += 1;
                    }
                    let w: String = self.s[self.pos..end].iter().collect();
                    matches!(self.s.get(end), Some('\'' | '"')) && is_string_prefix(&w)
                }
                _ => false,
            };
            if !next_is_string {
                self.pos = save;
                break;
            }
        }
        Ok(if kind == Some(true) {
            Value::Bytes
        } else {
            Value::Str(out)
        })
    }

    /// One string literal with optional prefix; returns its text and whether it is bytes.
    fn string(&mut self) -> Result<(String, bool), NpyError> {
        let mut raw = false;
        let mut bytes = false;
        while let Some(c) = self.peek() {
            match c.to_ascii_lowercase() {
                'r' => raw = true,
                'b' => bytes = true,
                'u' => {}
                _ => break,
            }
            self.pos += 1;
        }
        let Some(q) = self.peek().filter(|c| matches!(c, '\'' | '"')) else {
            return Err(self.err("expected a string literal"));
        };
        let triple = self.peek_at(1) == Some(q) && self.peek_at(2) == Some(q);
        self.pos += if triple { 3 } else { 1 };
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.err("unterminated string literal"));
            };
            if c == q && (!triple || (self.peek_at(1) == Some(q) && self.peek_at(2) == Some(q))) {
                self.pos += if triple { 3 } else { 1 };
                return Ok((out, bytes));
            }
            if (c == '\n' || c == '\r') && !triple {
                return Err(self.err("line break inside a single-quoted string"));
            }
            self.pos += 1;
            if c != '\\' {
                out.push(c);
                continue;
            }
            let Some(e) = self.peek() else {
                return Err(self.err("unterminated string literal"));
            };
            if raw {
                // In raw strings a backslash only stops the next quote from closing the string.
                out.push('\\');
                out.push(e);
                self.pos += 1;
                continue;
            }
            self.pos += 1;
            match e {
                '\n' => {}
                '\r' => {
                    if self.peek() == Some('\n') {
                        self.pos += 1;
                    }
                }
                '\\' | '\'' | '"' => out.push(e),
                'a' => out.push('\x07'),
                'b' => out.push('\x08'),
                'f' => out.push('\x0c'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                'v' => out.push('\x0b'),
                '0'..='7' => {
                    let mut v = e.to_digit(8).unwrap_or(0);
                    for _ in 0..2 {
                        match self.peek().and_then(|c| c.to_digit(8)) {
                            Some(d) => {
                                v = v * 8 + d;
                                self.pos += 1;
                            }
                            None => break,
                        }
                    }
                    out.push(self.code_point(v)?);
                }
                'x' => {
                    let v = self.hex_digits(2)?;
                    out.push(self.code_point(v)?);
                }
                'u' if !bytes => {
                    let v = self.hex_digits(4)?;
                    out.push(self.code_point(v)?);
                }
                'U' if !bytes => {
                    let v = self.hex_digits(8)?;
                    out.push(self.code_point(v)?);
                }
                'N' if !bytes => return Err(self.err("\\N{...} escapes are not supported")),
                other => {
                    // Python keeps unknown escapes as they are (with a warning).
                    out.push('\\');
                    out.push(other);
                }
            }
        }
    }

    fn hex_digits(&mut self, n: usize) -> Result<u32, NpyError> {
        let mut v: u32 = 0;
        for _ in 0..n {
            let Some(d) = self.peek().and_then(|c| c.to_digit(16)) else {
                return Err(self.err(format!("truncated escape: expected {n} hex digits")));
            };
            v = (v << 4) | d;
            self.pos += 1;
        }
        Ok(v)
    }

    fn code_point(&self, v: u32) -> Result<char, NpyError> {
        char::from_u32(v)
            .ok_or_else(|| self.err(format!("escape \\U{v:08x} is not a valid character")))
    }
}

/// Whether `w` is a string prefix Python accepts for a plain (non-f) literal.
fn is_string_prefix(w: &str) -> bool {
    matches!(
        w.to_ascii_lowercase().as_str(),
        "r" | "u" | "b" | "br" | "rb"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Value, NpyError> {
        parse(s, Options::default())
    }

    fn s(x: &str) -> Value {
        Value::Str(x.to_string())
    }

    #[test]
    fn scalars() {
        assert_eq!(p("0").unwrap(), Value::Int(0));
        assert_eq!(p(" 42 \n").unwrap(), Value::Int(42));
        assert_eq!(p("-7").unwrap(), Value::Int(-7));
        assert_eq!(p("+ 7").unwrap(), Value::Int(7));
        assert_eq!(p("1_000").unwrap(), Value::Int(1000));
        assert_eq!(p("0x1F").unwrap(), Value::Int(31));
        assert_eq!(p("0o17").unwrap(), Value::Int(15));
        assert_eq!(p("0b101").unwrap(), Value::Int(5));
        assert_eq!(p("000").unwrap(), Value::Int(0));
        assert_eq!(p("True").unwrap(), Value::Bool(true));
        assert_eq!(p("False").unwrap(), Value::Bool(false));
        assert_eq!(p("None").unwrap(), Value::None);
        assert_eq!(p("1.5").unwrap(), Value::Float);
        assert_eq!(p("1e-3").unwrap(), Value::Float);
        assert_eq!(p("2j").unwrap(), Value::Float);
    }

    #[test]
    fn bad_numbers() {
        for bad in [
            "007", "1__0", "1_", "0x", "--5", "- -5", "3L", "12abc", "-True",
        ] {
            assert_eq!(p(bad).unwrap_err().kind(), "syntax", "{bad}");
        }
        let long = parse(
            "(3L, 4l)",
            Options {
                allow_long_suffix: true,
            },
        )
        .unwrap();
        assert_eq!(long, Value::Tuple(vec![Value::Int(3), Value::Int(4)]));
    }

    #[test]
    fn int_overflow_is_kept_as_big() {
        assert_eq!(
            p("1".repeat(60).as_str()).unwrap(),
            Value::BigInt { negative: false }
        );
        assert_eq!(
            p(&format!("-{}", "9".repeat(60))).unwrap(),
            Value::BigInt { negative: true }
        );
        assert_eq!(p("18446744073709551616").unwrap(), Value::Int(1 << 64));
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(p("'abc'").unwrap(), s("abc"));
        assert_eq!(p("\"a'b\"").unwrap(), s("a'b"));
        assert_eq!(p(r"'a\'b'").unwrap(), s("a'b"));
        assert_eq!(
            p(r"'\\\n\t\r\a\b\f\v'").unwrap(),
            s("\\\n\t\r\x07\x08\x0c\x0b")
        );
        assert_eq!(p(r"'\x41\101\u00b5\U0001F600\0'").unwrap(), s("AAµ😀\0"));
        assert_eq!(p(r"'\q'").unwrap(), s("\\q"));
        assert_eq!(p("'a\\\nb'").unwrap(), s("ab"));
        assert_eq!(p(r"r'\n'").unwrap(), s("\\n"));
        assert_eq!(p("u'x'").unwrap(), s("x"));
        assert_eq!(p("'a' \"b\" 'c'").unwrap(), s("abc"));
        assert_eq!(p("'''x'y'''").unwrap(), s("x'y"));
        assert_eq!(p("b'x'").unwrap(), Value::Bytes);
        assert_eq!(p("'温度'").unwrap(), s("温度"));
        for bad in [
            "'abc",
            "'a\nb'",
            r"'\x4'",
            r"'\ud800'",
            r"'\N{DASH}'",
            "'a' b'c'",
            "f'x'",
            r"'\U00110000'",
        ] {
            assert_eq!(p(bad).unwrap_err().kind(), "syntax", "{bad}");
        }
    }

    #[test]
    fn containers() {
        assert_eq!(p("()").unwrap(), Value::Tuple(vec![]));
        assert_eq!(p("(5,)").unwrap(), Value::Tuple(vec![Value::Int(5)]));
        assert_eq!(p("(5)").unwrap(), Value::Int(5));
        assert_eq!(
            p("( 2 , 3 , )").unwrap(),
            Value::Tuple(vec![Value::Int(2), Value::Int(3)])
        );
        assert_eq!(p("[]").unwrap(), Value::List(vec![]));
        assert_eq!(p("[1,]").unwrap(), Value::List(vec![Value::Int(1)]));
        assert_eq!(p("{}").unwrap(), Value::Dict(vec![]));
        assert_eq!(
            p("{'a': (1,), 'b': [('x', '<f8')], }").unwrap(),
            Value::Dict(vec![
                (s("a"), Value::Tuple(vec![Value::Int(1)])),
                (
                    s("b"),
                    Value::List(vec![Value::Tuple(vec![s("x"), s("<f8")])])
                ),
            ])
        );
        assert_eq!(
            p("\t{\n'a'\n:\r\n1}\n  \n").unwrap(),
            Value::Dict(vec![(s("a"), Value::Int(1))])
        );
        for bad in [
            "(,)", "[,]", "(1,,)", "{'a'}", "{'a':}", "{,}", "(1 2)", "[1", "{'a': 1", "", "  ",
            "{} x", "{}}",
        ] {
            assert_eq!(p(bad).unwrap_err().kind(), "syntax", "{bad:?}");
        }
    }

    #[test]
    fn nesting_is_capped() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(p(&ok).is_ok());
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert_eq!(p(&deep).unwrap_err(), NpyError::TooDeep { max: MAX_DEPTH });
        // Hostile: a megabyte of open brackets must fail fast, not overflow the stack.
        let hostile = "(".repeat(1 << 20);
        assert_eq!(p(&hostile).unwrap_err().kind(), "too_deep");
        // Nested one-element tuples parse in linear time (no re-parsing on the comma).
        let tuples = format!("{}1{}", "(".repeat(MAX_DEPTH), ",)".repeat(MAX_DEPTH));
        assert!(p(&tuples).is_ok());
        let mixed = "[{'a': (".repeat(1000);
        assert_eq!(p(&mixed).unwrap_err().kind(), "too_deep");
    }
}
