//! `format(value, spec)`: Python's format-spec mini-language for str, int, bool and float, ported
//! from Python/formatter_unicode.c (`parse_internal_render_format_spec`, `calc_number_widths`,
//! `fill_number`) and `_PyUnicode_InsertThousandsGrouping`.

use super::Value;
use super::float_repr::{Flags, double_to_string};
use super::value::{MAX_SIZE, py_str};

/// Thousands separators requested by the spec.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Grouping {
    None,
    /// `,`: every 3 digits.
    Comma,
    /// `_`: every 3 digits (every 4 for `b`, `o`, `x`, `X`).
    Underscore,
}

/// A parsed `[[fill]align][sign][z][#][0][width][grouping][.precision][type]`.
#[derive(Debug, Clone)]
struct Spec {
    fill: char,
    align: char,
    sign: Option<char>,
    no_neg_0: bool,
    alternate: bool,
    width: Option<usize>,
    grouping: Grouping,
    precision: Option<usize>,
    ty: Option<char>,
}

/// `format(value, spec)`.
pub(crate) fn format_value(v: &Value, spec: &str) -> Result<String, String> {
    if spec.is_empty() {
        return Ok(py_str(v));
    }
    match v {
        Value::Str(s) => {
            let parsed = parse(spec, Some('s'), '<', v.type_name())?;
            match parsed.ty {
                Some('s') => format_str(s, &parsed),
                other => Err(unknown_code(other, v.type_name())),
            }
        }
        Value::Int(_) | Value::Bool(_) => {
            let i = match v {
                Value::Int(i) => *i,
                Value::Bool(b) => i64::from(*b),
                _ => 0,
            };
            let parsed = parse(spec, Some('d'), '>', v.type_name())?;
            match parsed.ty {
                Some('b' | 'c' | 'd' | 'o' | 'x' | 'X' | 'n') => format_int(i, &parsed),
                Some('e' | 'E' | 'f' | 'F' | 'g' | 'G' | '%') => format_float(i as f64, &parsed),
                other => Err(unknown_code(other, v.type_name())),
            }
        }
        Value::Float(f) => {
            let parsed = parse(spec, None, '>', v.type_name())?;
            match parsed.ty {
                None | Some('e' | 'E' | 'f' | 'F' | 'g' | 'G' | 'n' | '%') => {
                    format_float(*f, &parsed)
                }
                other => Err(unknown_code(other, v.type_name())),
            }
        }
        Value::None | Value::List(_) => Err(format!(
            "unsupported format string passed to {}.__format__",
            v.type_name()
        )),
    }
}

fn unknown_code(ty: Option<char>, type_name: &str) -> String {
    let code = ty.unwrap_or('\0');
    if (' '..='~').contains(&code) && code != ' ' {
        format!("Unknown format code '{code}' for object of type '{type_name}'")
    } else {
        format!(
            "Unknown format code '\\x{:x}' for object of type '{type_name}'",
            code as u32
        )
    }
}

fn is_align(c: char) -> bool {
    matches!(c, '<' | '>' | '=' | '^')
}

/// Reads decimal digits at `*pos`; `None` if there are none.
fn get_integer(chars: &[char], pos: &mut usize) -> Result<Option<usize>, String> {
    let mut value: usize = 0;
    let mut any = false;
    while let Some(d) = chars.get(*pos).and_then(|c| c.to_digit(10)) {
        if !chars.get(*pos).is_some_and(char::is_ascii_digit) {
            break;
        }
        any = true;
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(d as usize))
            .filter(|v| *v <= MAX_SIZE)
            .ok_or_else(|| {
                format!(
                    "format width or precision too large (rcluster's limit is {} MiB)",
                    MAX_SIZE / (1024 * 1024)
                )
            })?;
        *pos += 1;
    }
    Ok(any.then_some(value))
}

/// `parse_internal_render_format_spec`.
fn parse(
    spec: &str,
    default_type: Option<char>,
    default_align: char,
    type_name: &str,
) -> Result<Spec, String> {
    let chars: Vec<char> = spec.chars().collect();
    let end = chars.len();
    let mut pos = 0;
    let mut out = Spec {
        fill: ' ',
        align: default_align,
        sign: None,
        no_neg_0: false,
        alternate: false,
        width: None,
        grouping: Grouping::None,
        precision: None,
        ty: default_type,
    };
    let at = |i: usize| chars.get(i).copied();
    let mut align_specified = false;
    let mut fill_specified = false;
    if end >= 2 && at(1).is_some_and(is_align) {
        out.align = at(1).unwrap_or(default_align);
        out.fill = at(0).unwrap_or(' ');
        fill_specified = true;
        align_specified = true;
        pos = 2;
    } else if end >= 1 && at(0).is_some_and(is_align) {
        out.align = at(0).unwrap_or(default_align);
        align_specified = true;
        pos = 1;
    }
    if let Some(c @ ('+' | '-' | ' ')) = at(pos) {
        out.sign = Some(c);
        pos += 1;
    }
    if at(pos) == Some('z') {
        out.no_neg_0 = true;
        pos += 1;
    }
    if at(pos) == Some('#') {
        out.alternate = true;
        pos += 1;
    }
    if !fill_specified && at(pos) == Some('0') {
        out.fill = '0';
        if !align_specified && default_align == '>' {
            out.align = '=';
        }
        pos += 1;
    }
    out.width = get_integer(&chars, &mut pos)?;
    if at(pos) == Some(',') {
        out.grouping = Grouping::Comma;
        pos += 1;
    }
    if at(pos) == Some('_') {
        if out.grouping != Grouping::None {
            return Err("Cannot specify both ',' and '_'.".into());
        }
        out.grouping = Grouping::Underscore;
        pos += 1;
    }
    if at(pos) == Some(',') && out.grouping == Grouping::Underscore {
        return Err("Cannot specify both ',' and '_'.".into());
    }
    if at(pos) == Some('.') {
        pos += 1;
        out.precision = get_integer(&chars, &mut pos)?;
        if out.precision.is_none() {
            return Err("Format specifier missing precision".into());
        }
    }
    if end.saturating_sub(pos) > 1 {
        return Err(format!(
            "Invalid format specifier '{spec}' for object of type '{type_name}'"
        ));
    }
    if let Some(c) = at(pos) {
        out.ty = Some(c);
    }
    if out.grouping != Grouping::None {
        let allowed = match out.ty {
            None | Some('d' | 'e' | 'f' | 'g' | 'E' | 'G' | '%' | 'F') => true,
            Some('b' | 'o' | 'x' | 'X') => out.grouping == Grouping::Underscore,
            _ => false,
        };
        if !allowed {
            let sep = if out.grouping == Grouping::Comma {
                ','
            } else {
                '_'
            };
            let ty = out.ty.unwrap_or('\0');
            return Err(if (' '..='~').contains(&ty) && ty != ' ' {
                format!("Cannot specify '{sep}' with '{ty}'.")
            } else {
                format!("Cannot specify '{sep}' with '\\x{:x}'.", ty as u32)
            });
        }
    }
    Ok(out)
}

/// Padding on the left and right of `len` characters (`calc_padding`).
fn padding(len: usize, width: Option<usize>, align: char) -> (usize, usize) {
    let total = width.map_or(len, |w| w.max(len));
    let free = total - len;
    let left = match align {
        '>' => free,
        '^' => free / 2,
        _ => 0,
    };
    (left, free - left)
}

fn push_fill(out: &mut String, fill: char, n: usize) {
    out.extend(std::iter::repeat_n(fill, n));
}

/// `format_string_internal`.
fn format_str(s: &str, spec: &Spec) -> Result<String, String> {
    if let Some(sign) = spec.sign {
        return Err(if sign == ' ' {
            "Space not allowed in string format specifier".into()
        } else {
            "Sign not allowed in string format specifier".into()
        });
    }
    if spec.no_neg_0 {
        return Err("Negative zero coercion (z) not allowed in string format specifier".into());
    }
    if spec.alternate {
        return Err("Alternate form (#) not allowed in string format specifier".into());
    }
    if spec.align == '=' {
        return Err("'=' alignment not allowed in string format specifier".into());
    }
    let mut len = s.chars().count();
    let text: String = match spec.precision {
        Some(p) if p < len => {
            len = p;
            s.chars().take(p).collect()
        }
        _ => s.to_string(),
    };
    let (left, right) = padding(len, spec.width, spec.align);
    let mut out = String::with_capacity(text.len() + left + right);
    push_fill(&mut out, spec.fill, left);
    out.push_str(&text);
    push_fill(&mut out, spec.fill, right);
    Ok(out)
}

fn grouping_for(spec: &Spec, ty: char) -> Option<(usize, char)> {
    match (spec.grouping, ty) {
        (_, 'n') | (Grouping::None, _) => None,
        (Grouping::Comma, _) => Some((3, ',')),
        (Grouping::Underscore, 'b' | 'o' | 'x' | 'X') => Some((4, '_')),
        (Grouping::Underscore, _) => Some((3, '_')),
    }
}

/// `format_long_internal`.
fn format_int(value: i64, spec: &Spec) -> Result<String, String> {
    if spec.precision.is_some() {
        return Err("Precision not allowed in integer format specifier".into());
    }
    if spec.no_neg_0 {
        return Err("Negative zero coercion (z) not allowed in integer format specifier".into());
    }
    let ty = spec.ty.unwrap_or('d');
    if ty == 'c' {
        if spec.sign.is_some() {
            return Err("Sign not allowed with integer format specifier 'c'".into());
        }
        if spec.alternate {
            return Err("Alternate form (#) not allowed with integer format specifier 'c'".into());
        }
        let c = u32::try_from(value)
            .ok()
            .filter(|c| *c <= 0x10ffff)
            .ok_or("OverflowError: %c arg not in range(0x110000)")?;
        let c = char::from_u32(c)
            .ok_or("surrogate code points cannot be formatted with 'c' in rcluster templates")?;
        return layout_number(false, "", "", false, &c.to_string(), spec, None);
    }
    let magnitude = value.unsigned_abs();
    let (digits, prefix) = match ty {
        'b' => (format!("{magnitude:b}"), "0b"),
        'o' => (format!("{magnitude:o}"), "0o"),
        'x' => (format!("{magnitude:x}"), "0x"),
        'X' => (format!("{magnitude:X}"), "0X"),
        _ => (magnitude.to_string(), ""),
    };
    let prefix = if spec.alternate { prefix } else { "" };
    layout_number(
        value < 0,
        prefix,
        &digits,
        false,
        "",
        spec,
        grouping_for(spec, ty),
    )
}

/// `format_float_internal`.
fn format_float(value: f64, spec: &Spec) -> Result<String, String> {
    let flags = Flags {
        add_dot_0: spec.ty.is_none(),
        alt: spec.alternate,
        no_neg_0: spec.no_neg_0,
    };
    let (mut code, default_precision) = match spec.ty {
        None => ('r', 0),
        Some('n') => ('g', 6),
        Some('%') => ('f', 6),
        Some(c) => (c, 6),
    };
    let val = if spec.ty == Some('%') {
        value * 100.0
    } else {
        value
    };
    let precision = match spec.precision {
        None => default_precision,
        Some(p) => {
            if code == 'r' {
                code = 'g';
            }
            p as i64
        }
    };
    let mut text = double_to_string(val, code, precision, flags);
    if spec.ty == Some('%') {
        text.push('%');
    }
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.as_str()),
    };
    let digit_end = body
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(body.len());
    let (digits, rest) = body.split_at(digit_end);
    let (has_decimal, remainder) = match rest.strip_prefix('.') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let ty = spec.ty.unwrap_or('g');
    layout_number(
        negative,
        "",
        digits,
        has_decimal,
        remainder,
        spec,
        grouping_for(spec, ty),
    )
}

/// `_PyUnicode_InsertThousandsGrouping`: the digits with separators, padded with zeros (and
/// separators) on the left up to `min_width`.
fn group_digits(digits: &str, min_width: i64, group: Option<(usize, char)>) -> String {
    let digits: Vec<char> = digits.chars().collect();
    let mut min_width = min_width.max(0);
    let mut remaining = digits.len() as i64;
    let mut end = digits.len();
    let mut chunks: Vec<String> = Vec::new();
    let mut use_separator = false;
    let mut emit = |n_zeros: i64, n_chars: i64, sep: Option<char>, end: &mut usize| {
        let start = end.saturating_sub(n_chars.max(0) as usize);
        let mut chunk = String::new();
        push_fill(&mut chunk, '0', n_zeros.max(0) as usize);
        chunk.extend(digits.get(start..*end).unwrap_or(&[]).iter());
        if let Some(sep) = sep {
            chunk.push(sep);
        }
        *end = start;
        chunks.push(chunk);
    };
    let mut finished = false;
    if let Some((size, sep)) = group {
        loop {
            let len = (size as i64).min(remaining.max(min_width).max(1));
            let n_zeros = (len - remaining).max(0);
            let n_chars = remaining.min(len).max(0);
            emit(n_zeros, n_chars, use_separator.then_some(sep), &mut end);
            use_separator = true;
            remaining -= n_chars;
            min_width -= len;
            if remaining <= 0 && min_width <= 0 {
                finished = true;
                break;
            }
            min_width -= 1;
        }
    }
    if !finished {
        let len = remaining.max(min_width).max(1);
        let n_zeros = (len - remaining).max(0);
        let n_chars = remaining.min(len).max(0);
        let sep = group.map(|(_, sep)| sep).filter(|_| use_separator);
        emit(n_zeros, n_chars, sep, &mut end);
    }
    chunks.iter().rev().map(String::as_str).collect()
}

/// `calc_number_widths` + `fill_number`: sign, prefix, padding, grouped digits, decimal point
/// and the rest (fraction, exponent, `%`, or the character of `c`).
fn layout_number(
    negative: bool,
    prefix: &str,
    digits: &str,
    has_decimal: bool,
    remainder: &str,
    spec: &Spec,
    group: Option<(usize, char)>,
) -> Result<String, String> {
    let sign = match spec.sign {
        Some('+') => Some(if negative { '-' } else { '+' }),
        Some(' ') => Some(if negative { '-' } else { ' ' }),
        _ => negative.then_some('-'),
    };
    let non_digits = i64::from(sign.is_some())
        + prefix.chars().count() as i64
        + i64::from(has_decimal)
        + remainder.chars().count() as i64;
    let width = spec.width.map_or(-1, |w| w as i64);
    let min_width = if spec.fill == '0' && spec.align == '=' {
        width - non_digits
    } else {
        0
    };
    let grouped = if digits.is_empty() {
        String::new()
    } else {
        group_digits(digits, min_width, group)
    };
    let padding = (width - (non_digits + grouped.chars().count() as i64)).max(0) as usize;
    let (left, middle, right) = match spec.align {
        '<' => (0, 0, padding),
        '^' => (padding / 2, 0, padding - padding / 2),
        '=' => (0, padding, 0),
        _ => (padding, 0, 0),
    };
    let mut out = String::new();
    push_fill(&mut out, spec.fill, left);
    if let Some(sign) = sign {
        out.push(sign);
    }
    out.push_str(prefix);
    push_fill(&mut out, spec.fill, middle);
    out.push_str(&grouped);
    if has_decimal {
        out.push('.');
    }
    out.push_str(remainder);
    push_fill(&mut out, spec.fill, right);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(v: Value, spec: &str) -> String {
        format_value(&v, spec).unwrap_or_else(|e| format!("ERROR {e}"))
    }

    #[test]
    fn python_examples() {
        assert_eq!(fmt(Value::Float(2.5), ""), "2.5");
        assert_eq!(fmt(Value::Int(10), "04d"), "0010");
        assert_eq!(fmt(Value::Bool(true), "d"), "1");
        assert_eq!(fmt(Value::Bool(true), ">5"), "    1");
        assert_eq!(fmt(Value::Str("ab".into()), "05"), "ab000");
        assert_eq!(fmt(Value::Float(f64::INFINITY), "010"), "0000000inf");
        assert_eq!(fmt(Value::Int(10), "08,"), "0,000,010");
        assert_eq!(fmt(Value::Int(-1234567), "011,"), "-01,234,567");
        assert_eq!(fmt(Value::Int(1234567), "08,"), "1,234,567");
        assert_eq!(fmt(Value::Float(12345.678), ",.2f"), "12,345.68");
        assert_eq!(fmt(Value::Float(-2.5), "=+8.2f"), "-   2.50");
        assert_eq!(fmt(Value::Int(10), "-^+9"), "---+10---");
        assert_eq!(fmt(Value::Int(10), "#x"), "0xa");
        assert_eq!(fmt(Value::Int(10), "c"), "\n");
        assert_eq!(fmt(Value::Float(0.5), ".0%"), "50%");
        assert_eq!(fmt(Value::Float(-0.0), "z"), "0.0");
        assert_eq!(fmt(Value::Float(1e16), "#"), "1.e+16");
        assert_eq!(fmt(Value::Int(255), "_b"), "1111_1111");
    }

    #[test]
    fn errors() {
        for (v, spec) in [
            (Value::Int(10), ".2"),
            (Value::Int(10), "s"),
            (Value::Float(1.0), "d"),
            (Value::Str("a".into()), "d"),
            (Value::Str("a".into()), "=5"),
            (Value::Str("a".into()), "+"),
            (Value::Str("a".into()), ","),
            (Value::None, ">5"),
            (Value::Int(1), ",_"),
            (Value::Int(1), "5x5"),
            (Value::Int(1), "."),
            (Value::Int(1), "99999999999999999999999"),
        ] {
            assert!(format_value(&v, spec).is_err(), "{v:?} {spec:?}");
        }
    }
}
