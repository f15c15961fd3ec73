//! What Python does with a value on its own: type names, truthiness, `str()`, `repr()`,
//! `ascii()`, and the size limit on values that templates build.

use std::fmt::Write;

use super::Value;
use super::float_repr::float_repr;
use super::printable::is_printable;

/// The largest string or list (in bytes, roughly) that an expression may build: 10 MiB.
pub(crate) const MAX_SIZE: usize = 10 * 1024 * 1024;

/// Nesting deeper than this in a list is printed as `[...]` instead of recursing further.
const MAX_REPR_DEPTH: usize = 200;

impl Value {
    /// Python's `type(v).__name__`.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Value::None => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::List(_) => "list",
        }
    }

    /// Python's `bool(v)`.
    pub(crate) fn truthy(&self) -> bool {
        match self {
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(items) => !items.is_empty(),
        }
    }
}

/// Roughly how many bytes a value takes, to keep built values under [`MAX_SIZE`].
pub(crate) fn size_of(v: &Value) -> usize {
    match v {
        Value::Str(s) => s.len(),
        Value::List(items) => items
            .iter()
            .fold(items.len(), |acc, item| acc.saturating_add(size_of(item))),
        _ => 8,
    }
}

/// Fails when a value about to be built would be larger than [`MAX_SIZE`].
pub(crate) fn check_size(size: usize) -> Result<(), String> {
    if size > MAX_SIZE {
        Err(format!(
            "the result would be larger than rcluster's limit of {} MiB",
            MAX_SIZE / (1024 * 1024)
        ))
    } else {
        Ok(())
    }
}

/// Python's `str(v)`.
pub(crate) fn py_str(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        other => py_repr(other),
    }
}

/// Python's `repr(v)`.
pub(crate) fn py_repr(v: &Value) -> String {
    let mut out = String::new();
    write_repr(&mut out, v, 0);
    out
}

fn write_repr(out: &mut String, v: &Value, depth: usize) {
    match v {
        Value::None => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&float_repr(*f)),
        Value::Str(s) => out.push_str(&str_repr(s)),
        Value::List(items) => {
            if depth >= MAX_REPR_DEPTH {
                out.push_str("[...]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(out, item, depth + 1);
            }
            out.push(']');
        }
    }
}

/// Python's `repr(s)` of a string: single quotes unless the string has a single quote and no
/// double quote; backslash escapes for the quote, backslashes and unprintable characters.
pub(crate) fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            c if c == quote || c == '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_ascii() || is_printable(c) => out.push(c),
            c => push_escape(&mut out, c),
        }
    }
    out.push(quote);
    out
}

/// `\xhh`, `\uhhhh` or `\Uhhhhhhhh`, as Python escapes a character.
fn push_escape(out: &mut String, c: char) {
    let code = c as u32;
    let _ = if code <= 0xff {
        write!(out, "\\x{code:02x}")
    } else if code <= 0xffff {
        write!(out, "\\u{code:04x}")
    } else {
        write!(out, "\\U{code:08x}")
    };
}

/// Python's `ascii(v)`: `repr(v)` with every non-ASCII character escaped.
pub(crate) fn py_ascii(v: &Value) -> String {
    let repr = py_repr(v);
    let mut out = String::with_capacity(repr.len());
    for c in repr.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            push_escape(&mut out, c);
        }
    }
    out
}

/// Python's `str.isspace()` for one character (Unicode White_Space plus the separators
/// U+001C..U+001F).
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}
