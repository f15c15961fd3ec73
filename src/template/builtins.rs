//! The builtin functions and string methods a template may call, with Python's semantics. This
//! is the complete list: no other function, method or attribute is reachable.

use super::Value;
use super::compare::py_order;
use super::float_repr::round_float;
use super::format_spec::format_value;
use super::numeric::{Num, as_num, overflow};
use super::parser::CmpOp;
use super::value::{check_size, is_space, py_repr, py_str, size_of, str_repr};

/// The builtin functions templates may call.
pub(crate) const FUNCTIONS: &[&str] = &[
    "abs", "bool", "float", "format", "int", "len", "max", "min", "repr", "round", "str",
];

/// The string methods templates may call.
pub(crate) const METHODS: &[&str] = &[
    "endswith",
    "join",
    "lower",
    "lstrip",
    "replace",
    "rsplit",
    "rstrip",
    "split",
    "startswith",
    "strip",
    "upper",
    "zfill",
];

/// Python builtins that exist but are not available in templates (so that using one says
/// "not supported" rather than "unknown variable").
const PYTHON_BUILTINS: &[&str] = &[
    "__build_class__",
    "__debug__",
    "__import__",
    "__builtins__",
    "__name__",
    "__doc__",
    "aiter",
    "all",
    "anext",
    "any",
    "ascii",
    "bin",
    "breakpoint",
    "bytearray",
    "bytes",
    "callable",
    "chr",
    "classmethod",
    "compile",
    "complex",
    "copyright",
    "credits",
    "delattr",
    "dict",
    "dir",
    "divmod",
    "enumerate",
    "eval",
    "exec",
    "exit",
    "filter",
    "frozenset",
    "getattr",
    "globals",
    "hasattr",
    "hash",
    "help",
    "hex",
    "id",
    "input",
    "isinstance",
    "issubclass",
    "iter",
    "license",
    "list",
    "locals",
    "map",
    "memoryview",
    "next",
    "object",
    "oct",
    "open",
    "ord",
    "pow",
    "print",
    "property",
    "quit",
    "range",
    "reversed",
    "set",
    "setattr",
    "sorted",
    "staticmethod",
    "sum",
    "super",
    "tuple",
    "type",
    "vars",
    "zip",
    "Ellipsis",
    "NotImplemented",
];

/// Other methods of Python's `str`, which templates cannot call.
const OTHER_STR_METHODS: &[&str] = &[
    "capitalize",
    "casefold",
    "center",
    "count",
    "encode",
    "expandtabs",
    "find",
    "format",
    "format_map",
    "index",
    "isalnum",
    "isalpha",
    "isascii",
    "isdecimal",
    "isdigit",
    "isidentifier",
    "islower",
    "isnumeric",
    "isprintable",
    "isspace",
    "istitle",
    "isupper",
    "ljust",
    "maketrans",
    "partition",
    "removeprefix",
    "removesuffix",
    "rfind",
    "rindex",
    "rjust",
    "rpartition",
    "splitlines",
    "swapcase",
    "title",
    "translate",
];

pub(crate) fn is_function(name: &str) -> bool {
    FUNCTIONS.contains(&name)
}

pub(crate) fn is_unsupported_python_builtin(name: &str) -> bool {
    PYTHON_BUILTINS.contains(&name) || name.ends_with("Error") || name.ends_with("Exception")
}

type Result<T> = std::result::Result<T, String>;
type Kwargs = Vec<(String, Value)>;

/// Binds arguments to parameters: `positional_only` parameters first, then `keyword` ones
/// (which may also be given by position). Returns one slot per parameter.
fn bind(
    fname: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
    positional_only: &[&str],
    keyword: &[&str],
    required: usize,
) -> Result<Vec<Option<Value>>> {
    let total = positional_only.len() + keyword.len();
    if args.len() > total {
        return Err(format!(
            "{fname}() takes at most {total} argument{} ({} given)",
            if total == 1 { "" } else { "s" },
            args.len()
        ));
    }
    let mut slots: Vec<Option<Value>> = args.into_iter().map(Some).collect();
    slots.resize(total, None);
    for (name, value) in kwargs {
        let Some(i) = keyword.iter().position(|k| *k == name) else {
            return Err(format!(
                "{fname}() got an unexpected keyword argument '{name}'"
            ));
        };
        let slot = positional_only.len() + i;
        if slots.get(slot).is_some_and(Option::is_some) {
            return Err(format!(
                "{fname}() got multiple values for argument '{name}'"
            ));
        }
        if let Some(s) = slots.get_mut(slot) {
            *s = Some(value);
        }
    }
    let given = slots.iter().take(required).filter(|s| s.is_some()).count();
    if given < required {
        return Err(format!(
            "{fname}() missing required argument{}",
            if required == 1 { "" } else { "s" }
        ));
    }
    Ok(slots)
}

fn take(slots: &mut [Option<Value>], i: usize) -> Option<Value> {
    slots.get_mut(i).and_then(Option::take)
}

/// An int argument (bools count as ints).
fn int_arg(v: &Value) -> Result<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Bool(b) => Ok(i64::from(*b)),
        other => Err(format!(
            "'{}' object cannot be interpreted as an integer",
            other.type_name()
        )),
    }
}

/// The items of an iterable argument: a list's items or a string's characters.
fn iterate(v: &Value) -> Result<Vec<Value>> {
    match v {
        Value::List(items) => Ok(items.clone()),
        Value::Str(s) => Ok(s.chars().map(|c| Value::Str(c.to_string())).collect()),
        other => Err(format!("'{}' object is not iterable", other.type_name())),
    }
}

/// Calls a builtin function.
pub(crate) fn call_function(name: &str, args: Vec<Value>, kwargs: Kwargs) -> Result<Value> {
    match name {
        "abs" => {
            let mut s = bind(name, args, kwargs, &["x"], &[], 1)?;
            match take(&mut s, 0) {
                Some(Value::Int(i)) => i.checked_abs().map(Value::Int).ok_or_else(overflow),
                Some(Value::Bool(b)) => Ok(Value::Int(i64::from(b))),
                Some(Value::Float(f)) => Ok(Value::Float(f.abs())),
                Some(other) => Err(format!(
                    "bad operand type for abs(): '{}'",
                    other.type_name()
                )),
                None => Err("abs() takes exactly one argument".into()),
            }
        }
        "bool" => {
            let mut s = bind(name, args, kwargs, &["x"], &[], 0)?;
            Ok(Value::Bool(take(&mut s, 0).is_some_and(|v| v.truthy())))
        }
        "float" => {
            let mut s = bind(name, args, kwargs, &["x"], &[], 0)?;
            match take(&mut s, 0) {
                None => Ok(Value::Float(0.0)),
                Some(Value::Str(text)) => float_from_str(&text).map(Value::Float),
                Some(v) => match as_num(&v) {
                    Some(Num::I(i)) => Ok(Value::Float(i as f64)),
                    Some(Num::F(f)) => Ok(Value::Float(f)),
                    None => Err(format!(
                        "float() argument must be a string or a real number, not '{}'",
                        v.type_name()
                    )),
                },
            }
        }
        "format" => {
            let mut s = bind(name, args, kwargs, &["value", "format_spec"], &[], 1)?;
            let value = take(&mut s, 0).unwrap_or(Value::None);
            match take(&mut s, 1) {
                None => format_value(&value, "").map(Value::Str),
                Some(Value::Str(spec)) => format_value(&value, &spec).map(Value::Str),
                Some(other) => Err(format!(
                    "format() argument 2 must be str, not {}",
                    other.type_name()
                )),
            }
        }
        "int" => {
            let mut s = bind(name, args, kwargs, &["x"], &["base"], 0)?;
            let x = take(&mut s, 0);
            let base = take(&mut s, 1);
            int_call(x, base)
        }
        "len" => {
            let mut s = bind(name, args, kwargs, &["obj"], &[], 1)?;
            match take(&mut s, 0) {
                Some(Value::Str(text)) => Ok(Value::Int(text.chars().count() as i64)),
                Some(Value::List(items)) => Ok(Value::Int(items.len() as i64)),
                Some(other) => Err(format!(
                    "object of type '{}' has no len()",
                    other.type_name()
                )),
                None => Err("len() takes exactly one argument".into()),
            }
        }
        "max" => min_max(name, CmpOp::Gt, args, kwargs),
        "min" => min_max(name, CmpOp::Lt, args, kwargs),
        "repr" => {
            let mut s = bind(name, args, kwargs, &["obj"], &[], 1)?;
            Ok(Value::Str(py_repr(&take(&mut s, 0).unwrap_or(Value::None))))
        }
        "str" => {
            let mut s = bind(name, args, kwargs, &[], &["object"], 0)?;
            Ok(Value::Str(
                take(&mut s, 0).map(|v| py_str(&v)).unwrap_or_default(),
            ))
        }
        "round" => {
            let mut s = bind(name, args, kwargs, &[], &["number", "ndigits"], 1)?;
            let number = take(&mut s, 0).unwrap_or(Value::None);
            let ndigits = match take(&mut s, 1) {
                None | Some(Value::None) => None,
                Some(v) => Some(int_arg(&v)?),
            };
            round(&number, ndigits)
        }
        other => Err(format!("`{other}` is not supported in rcluster templates")),
    }
}

fn min_max(name: &str, op: CmpOp, args: Vec<Value>, kwargs: Kwargs) -> Result<Value> {
    let mut default = None;
    for (key, value) in kwargs {
        match key.as_str() {
            "default" => default = Some(value),
            "key" => {
                return Err(format!(
                    "{name}(key=...) is not supported in rcluster templates"
                ));
            }
            other => {
                return Err(format!(
                    "'{other}' is an invalid keyword argument for {name}()"
                ));
            }
        }
    }
    let items = match args.len() {
        0 => return Err(format!("{name} expected at least 1 argument, got 0")),
        1 => iterate(args.first().unwrap_or(&Value::None))?,
        _ => {
            if default.is_some() {
                return Err(format!(
                    "Cannot specify a default for {name}() with multiple positional arguments"
                ));
            }
            args
        }
    };
    let mut iter = items.into_iter();
    let Some(mut best) = iter.next() else {
        return default.ok_or_else(|| format!("{name}() arg is an empty sequence"));
    };
    for item in iter {
        if py_order(op, &item, &best)? {
            best = item;
        }
    }
    Ok(best)
}

fn int_call(x: Option<Value>, base: Option<Value>) -> Result<Value> {
    if let Some(base) = base {
        let base = int_arg(&base)?;
        if base != 0 && !(2..=36).contains(&base) {
            return Err("int() base must be >= 2 and <= 36, or 0".into());
        }
        return match x {
            Some(Value::Str(text)) => int_from_str(&text, base as u32).map(Value::Int),
            None => Err("int() missing string argument".into()),
            Some(_) => Err("int() can't convert non-string with explicit base".into()),
        };
    }
    match x {
        None => Ok(Value::Int(0)),
        Some(Value::Str(text)) => int_from_str(&text, 10).map(Value::Int),
        Some(Value::Int(i)) => Ok(Value::Int(i)),
        Some(Value::Bool(b)) => Ok(Value::Int(i64::from(b))),
        Some(Value::Float(f)) => float_to_int(f.trunc()).map(Value::Int),
        Some(other) => Err(format!(
            "int() argument must be a string, a bytes-like object or a real number, not '{}'",
            other.type_name()
        )),
    }
}

/// An integral float as an int.
fn float_to_int(f: f64) -> Result<i64> {
    if f.is_nan() {
        return Err("ValueError: cannot convert float NaN to integer".into());
    }
    if f.is_infinite() {
        return Err("OverflowError: cannot convert float infinity to integer".into());
    }
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if !(-TWO_63..TWO_63).contains(&f) {
        return Err(overflow());
    }
    Ok(f as i64)
}

/// Python's `int(text, base)`: whitespace, a sign, an optional base prefix, and digits with
/// single underscores between them.
fn int_from_str(text: &str, base: u32) -> Result<i64> {
    let invalid = || {
        format!(
            "ValueError: invalid literal for int() with base {base}: {}",
            str_repr(text)
        )
    };
    let s = text.trim_matches(is_space);
    let (negative, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let lower = s.get(..2).map(str::to_ascii_lowercase);
    let prefix_base = match lower.as_deref() {
        Some("0x") => Some(16),
        Some("0o") => Some(8),
        Some("0b") => Some(2),
        _ => None,
    };
    let (radix, mut digits) = match (base, prefix_base) {
        (0, Some(b)) => (b, s.get(2..).unwrap_or("")),
        (0, None) => (10, s),
        (b, Some(p)) if b == p => (b, s.get(2..).unwrap_or("")),
        (b, _) => (b, s),
    };
    let has_prefix = digits.len() != s.len();
    if has_prefix {
        digits = digits.strip_prefix('_').unwrap_or(digits);
    }
    let mut value: i64 = 0;
    let mut need_digit = true;
    for c in digits.chars() {
        if c == '_' {
            if need_digit {
                return Err(invalid());
            }
            need_digit = true;
            continue;
        }
        let d = c
            .to_digit(radix)
            .filter(|_| c.is_ascii())
            .ok_or_else(invalid)?;
        need_digit = false;
        value = value
            .checked_mul(i64::from(radix))
            .and_then(|v| {
                if negative {
                    v.checked_sub(i64::from(d))
                } else {
                    v.checked_add(i64::from(d))
                }
            })
            .ok_or_else(overflow)?;
    }
    if need_digit {
        return Err(invalid());
    }
    // With base 0, a decimal number may not have leading zeros ("010").
    if base == 0 && !has_prefix && digits.starts_with('0') && value != 0 {
        return Err(invalid());
    }
    Ok(value)
}

/// Python's `float(text)`.
fn float_from_str(text: &str) -> Result<f64> {
    let invalid = || {
        format!(
            "ValueError: could not convert string to float: {}",
            str_repr(text)
        )
    };
    let s = text.trim_matches(is_space);
    let chars: Vec<char> = s.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if *c == '_' {
            let before = i.checked_sub(1).and_then(|j| chars.get(j));
            let after = chars.get(i + 1);
            if !before.is_some_and(char::is_ascii_digit) || !after.is_some_and(char::is_ascii_digit)
            {
                return Err(invalid());
            }
        }
    }
    let cleaned: String = chars.iter().filter(|c| **c != '_').collect();
    if !cleaned.is_ascii() {
        return Err(invalid());
    }
    cleaned.parse::<f64>().map_err(|_| invalid())
}

fn round(number: &Value, ndigits: Option<i64>) -> Result<Value> {
    match (number, ndigits) {
        (Value::Float(f), None) => {
            let mut r = f.round();
            if (f - r).abs() == 0.5 {
                r = 2.0 * (f / 2.0).round();
            }
            float_to_int(r).map(Value::Int)
        }
        (Value::Float(f), Some(n)) => round_float(*f, n).map(Value::Float),
        (Value::Int(_) | Value::Bool(_), _) => {
            let i = int_arg(number)?;
            match ndigits {
                Some(n) if n < 0 => round_int(i, n).map(Value::Int),
                _ => Ok(Value::Int(i)),
            }
        }
        (other, _) => Err(format!(
            "type {} doesn't define __round__ method",
            other.type_name()
        )),
    }
}

/// `round(int, negative ndigits)`: round half to even to a multiple of 10**-ndigits.
fn round_int(value: i64, ndigits: i64) -> Result<i64> {
    let k = ndigits.unsigned_abs();
    if k > 38 {
        return Ok(0);
    }
    let p = 10i128.pow(k as u32);
    let v = i128::from(value);
    let mut q = v.div_euclid(p);
    let r = v.rem_euclid(p);
    if 2 * r > p || (2 * r == p && q % 2 != 0) {
        q += 1;
    }
    i64::try_from(q * p).map_err(|_| overflow())
}

// ---------------------------------------------------------------------------------------------
// String methods

/// Calls a method on a value (only strings have methods in templates).
pub(crate) fn call_method(
    receiver: &Value,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> Result<Value> {
    let Value::Str(s) = receiver else {
        return Err(format!(
            "'{}' object has no attribute '{name}' (only string methods can be called: {})",
            receiver.type_name(),
            METHODS.join(", ")
        ));
    };
    let fname = format!("str.{name}");
    match name {
        "upper" | "lower" => {
            bind(&fname, args, kwargs, &[], &[], 0)?;
            let out = if name == "upper" {
                s.to_uppercase()
            } else {
                s.to_lowercase()
            };
            check_size(out.len())?;
            Ok(Value::Str(out))
        }
        "strip" | "lstrip" | "rstrip" => {
            let mut slots = bind(&fname, args, kwargs, &["chars"], &[], 0)?;
            let chars: Option<Vec<char>> = match take(&mut slots, 0) {
                None | Some(Value::None) => None,
                Some(Value::Str(c)) => Some(c.chars().collect()),
                Some(other) => {
                    return Err(format!(
                        "{name} arg must be None or str, not {}",
                        other.type_name()
                    ));
                }
            };
            let matches = |c: char| match &chars {
                None => is_space(c),
                Some(set) => set.contains(&c),
            };
            let out = match name {
                "strip" => s.trim_matches(matches),
                "lstrip" => s.trim_start_matches(matches),
                _ => s.trim_end_matches(matches),
            };
            Ok(Value::Str(out.to_string()))
        }
        "replace" => {
            let mut slots = bind(&fname, args, kwargs, &["old", "new", "count"], &[], 2)?;
            let old = str_arg(&fname, take(&mut slots, 0), 1)?;
            let new = str_arg(&fname, take(&mut slots, 1), 2)?;
            let count = match take(&mut slots, 2) {
                None => -1,
                Some(v) => int_arg(&v)?,
            };
            let occurrences = if old.is_empty() {
                s.chars().count() + 1
            } else {
                s.matches(old.as_str()).count()
            };
            let n = if count < 0 {
                occurrences
            } else {
                occurrences.min(usize::try_from(count).unwrap_or(usize::MAX))
            };
            check_size(s.len().saturating_add(n.saturating_mul(new.len())))?;
            Ok(Value::Str(s.replacen(old.as_str(), &new, n)))
        }
        "split" | "rsplit" => {
            let mut slots = bind(&fname, args, kwargs, &[], &["sep", "maxsplit"], 0)?;
            let sep = match take(&mut slots, 0) {
                None | Some(Value::None) => None,
                Some(Value::Str(sep)) if sep.is_empty() => {
                    return Err("ValueError: empty separator".into());
                }
                Some(Value::Str(sep)) => Some(sep),
                Some(other) => {
                    return Err(format!("must be str or None, not {}", other.type_name()));
                }
            };
            let maxsplit = match take(&mut slots, 1) {
                None => -1,
                Some(v) => int_arg(&v)?,
            };
            let parts = if name == "split" {
                split(s, sep.as_deref(), maxsplit)
            } else {
                rsplit(s, sep.as_deref(), maxsplit)
            };
            let list = Value::List(parts.into_iter().map(Value::Str).collect());
            check_size(size_of(&list))?;
            Ok(list)
        }
        "startswith" | "endswith" => {
            let mut slots = bind(&fname, args, kwargs, &["prefix", "start", "end"], &[], 1)?;
            let affix = match take(&mut slots, 0) {
                Some(Value::Str(a)) => a,
                Some(other) => {
                    return Err(format!(
                        "{name} first arg must be str or a tuple of str, not {}",
                        other.type_name()
                    ));
                }
                None => String::new(),
            };
            let bound = |v: Option<Value>| -> Result<Option<i64>> {
                match v {
                    None | Some(Value::None) => Ok(None),
                    Some(v) => int_arg(&v).map(Some).map_err(|_| {
                        "slice indices must be integers or None or have an __index__ method"
                            .to_string()
                    }),
                }
            };
            let start = bound(take(&mut slots, 1))?;
            let end = bound(take(&mut slots, 2))?;
            Ok(Value::Bool(tailmatch(
                s,
                &affix,
                start,
                end,
                name == "endswith",
            )))
        }
        "join" => {
            let mut slots = bind(&fname, args, kwargs, &["iterable"], &[], 1)?;
            let items = iterate(&take(&mut slots, 0).unwrap_or(Value::None))?;
            let mut parts = Vec::with_capacity(items.len());
            let mut total = 0usize;
            for (i, item) in items.into_iter().enumerate() {
                match item {
                    Value::Str(part) => {
                        total = total.saturating_add(part.len()).saturating_add(s.len());
                        parts.push(part);
                    }
                    other => {
                        return Err(format!(
                            "sequence item {i}: expected str instance, {} found",
                            other.type_name()
                        ));
                    }
                }
            }
            check_size(total)?;
            Ok(Value::Str(parts.join(s)))
        }
        "zfill" => {
            let mut slots = bind(&fname, args, kwargs, &["width"], &[], 1)?;
            let width = int_arg(&take(&mut slots, 0).unwrap_or(Value::None))?;
            let len = s.chars().count();
            let width = usize::try_from(width).unwrap_or(0);
            if width <= len {
                return Ok(Value::Str(s.clone()));
            }
            check_size(width)?;
            let fill = "0".repeat(width - len);
            let out = match s.chars().next() {
                Some(sign @ ('+' | '-')) => {
                    format!("{sign}{fill}{}", s.get(1..).unwrap_or(""))
                }
                _ => format!("{fill}{s}"),
            };
            Ok(Value::Str(out))
        }
        other if OTHER_STR_METHODS.contains(&other) => Err(format!(
            "the string method `{other}` is not supported in rcluster templates; supported: {}",
            METHODS.join(", ")
        )),
        other => Err(format!(
            "'str' object has no attribute '{other}' (supported string methods: {})",
            METHODS.join(", ")
        )),
    }
}

fn str_arg(fname: &str, v: Option<Value>, n: usize) -> Result<String> {
    match v {
        Some(Value::Str(s)) => Ok(s),
        Some(other) => Err(format!(
            "{fname}() argument {n} must be str, not {}",
            other.type_name()
        )),
        None => Err(format!("{fname}() missing argument {n}")),
    }
}

/// `str.split(sep, maxsplit)`.
fn split(s: &str, sep: Option<&str>, maxsplit: i64) -> Vec<String> {
    let limit = usize::try_from(maxsplit).unwrap_or(usize::MAX);
    match sep {
        Some(sep) => {
            if maxsplit < 0 {
                s.split(sep).map(String::from).collect()
            } else {
                s.splitn(limit.saturating_add(1), sep)
                    .map(String::from)
                    .collect()
            }
        }
        None => {
            let chars: Vec<char> = s.chars().collect();
            let mut out = Vec::new();
            let mut i = 0;
            let mut count = limit;
            while count > 0 {
                while chars.get(i).is_some_and(|c| is_space(*c)) {
                    i += 1;
                }
                if i >= chars.len() {
                    break;
                }
                let j = i;
                while chars.get(i).is_some_and(|c| !is_space(*c)) {
                    i += 1;
                }
                out.push(chars.get(j..i).unwrap_or(&[]).iter().collect());
                count -= 1;
            }
            if i < chars.len() {
                while chars.get(i).is_some_and(|c| is_space(*c)) {
                    i += 1;
                }
                if i < chars.len() {
                    out.push(chars.get(i..).unwrap_or(&[]).iter().collect());
                }
            }
            out
        }
    }
}

/// `str.rsplit(sep, maxsplit)`.
fn rsplit(s: &str, sep: Option<&str>, maxsplit: i64) -> Vec<String> {
    let limit = usize::try_from(maxsplit).unwrap_or(usize::MAX);
    match sep {
        Some(sep) => {
            let mut parts: Vec<String> = if maxsplit < 0 {
                s.rsplit(sep).map(String::from).collect()
            } else {
                s.rsplitn(limit.saturating_add(1), sep)
                    .map(String::from)
                    .collect()
            };
            parts.reverse();
            parts
        }
        None => {
            let chars: Vec<char> = s.chars().collect();
            let mut out = Vec::new();
            let mut i = chars.len();
            let mut count = limit;
            while count > 0 {
                while i > 0 && chars.get(i - 1).is_some_and(|c| is_space(*c)) {
                    i -= 1;
                }
                if i == 0 {
                    break;
                }
                let j = i;
                while i > 0 && chars.get(i - 1).is_some_and(|c| !is_space(*c)) {
                    i -= 1;
                }
                out.push(chars.get(i..j).unwrap_or(&[]).iter().collect());
                count -= 1;
            }
            if i > 0 {
                while i > 0 && chars.get(i - 1).is_some_and(|c| is_space(*c)) {
                    i -= 1;
                }
                if i > 0 {
                    out.push(chars.get(..i).unwrap_or(&[]).iter().collect());
                }
            }
            out.reverse();
            out
        }
    }
}

/// `tailmatch` of Objects/unicodeobject.c (startswith / endswith with start and end).
fn tailmatch(s: &str, affix: &str, start: Option<i64>, end: Option<i64>, at_end: bool) -> bool {
    let chars: Vec<char> = s.chars().collect();
    let affix: Vec<char> = affix.chars().collect();
    let len = chars.len() as i128;
    let mut start = i128::from(start.unwrap_or(0));
    let mut end = end.map_or(len, i128::from);
    if end > len {
        end = len;
    } else if end < 0 {
        end += len;
        if end < 0 {
            end = 0;
        }
    }
    if start < 0 {
        start += len;
        if start < 0 {
            start = 0;
        }
    }
    let alen = affix.len() as i128;
    if end - alen < start {
        return false;
    }
    if alen == 0 {
        return true;
    }
    let from = if at_end { end - alen } else { start };
    let from = from as usize;
    chars
        .get(from..from + affix.len())
        .is_some_and(|window| window == affix.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_parsing() {
        assert_eq!(int_from_str(" 1_2 ", 10), Ok(12));
        assert_eq!(int_from_str("-10", 10), Ok(-10));
        assert_eq!(int_from_str("ff", 16), Ok(255));
        assert_eq!(int_from_str("0x10", 0), Ok(16));
        assert_eq!(int_from_str("0x_10", 0), Ok(16));
        assert_eq!(int_from_str("0x10", 16), Ok(16));
        assert_eq!(int_from_str("0", 0), Ok(0));
        assert_eq!(int_from_str("000", 0), Ok(0));
        assert_eq!(int_from_str("z", 36), Ok(35));
        assert_eq!(int_from_str("-9223372036854775808", 10), Ok(i64::MIN));
        for bad in ["12.5", "+ 1", "", "_1", "1_", "1__0", "0x", "x"] {
            assert!(int_from_str(bad, 10).is_err(), "{bad:?}");
        }
        assert!(int_from_str("010", 0).is_err());
        assert!(int_from_str("0x__1", 0).is_err());
    }

    #[test]
    fn float_parsing() {
        assert_eq!(float_from_str(" 1_0.5 "), Ok(10.5));
        assert_eq!(float_from_str("-iNF"), Ok(f64::NEG_INFINITY));
        assert!(float_from_str("nAn").is_ok_and(f64::is_nan));
        for bad in ["_1", "1_", ".", "1e", "0x1p3", "infinit", ""] {
            assert!(float_from_str(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn splitting() {
        assert_eq!(split("  a b  c  ", None, 1), vec!["a", "b  c  "]);
        assert_eq!(split("a,b,,c", Some(","), -1), vec!["a", "b", "", "c"]);
        assert_eq!(split("", None, -1), Vec::<String>::new());
        assert_eq!(rsplit("  a b  c  ", None, 1), vec!["  a b", "c"]);
        assert_eq!(rsplit("a,b,c", Some(","), 1), vec!["a,b", "c"]);
    }

    #[test]
    fn rounding_ints() {
        assert_eq!(round_int(125, -1), Ok(120));
        assert_eq!(round_int(135, -1), Ok(140));
        assert_eq!(round_int(-125, -1), Ok(-120));
        assert_eq!(round_int(5, -100), Ok(0));
        assert!(round_int(9_000_000_000_000_000_000, -19).is_err());
    }
}
