//! The format string itself: a port of `MarkupIterator_next` and `parse_field`
//! (Objects/stringlib/unicode_format.h, the `_string.formatter_parser` that `string.Formatter`
//! uses) and of `string.Formatter._vformat`, with `EvalFormatter.get_field` (evaluate the field
//! name as an expression) plugged in.

use super::eval::{EvalError, evaluate};
use super::format_spec::format_value;
use super::value::{py_ascii, py_repr, py_str};
use super::{Context, Failure, Value, lexer, parser};

/// The largest rendered text: 64 MiB.
const MAX_OUTPUT: usize = 64 * 1024 * 1024;

/// `string.Formatter`'s automatic field numbering state (`auto_arg_index`): the next number, or
/// `None` once a field was numbered by hand (Python's `False`).
type AutoIndex = Option<usize>;

/// Renders a whole template.
pub(crate) fn render(template: &str, ctx: &Context) -> Result<String, Failure> {
    let mut auto = Some(0);
    let renderer = Renderer { template, ctx };
    renderer.vformat(0, template.len(), 2, &mut auto)
}

struct Renderer<'a> {
    template: &'a str,
    ctx: &'a Context,
}

/// One replacement field, as byte ranges of the template.
struct Field {
    /// Offset of the `{`.
    open: usize,
    /// Offset just after the closing `}`.
    close: usize,
    name: (usize, usize),
    conversion: Option<char>,
    spec: (usize, usize),
}

impl Renderer<'_> {
    fn text(&self, start: usize, end: usize) -> &str {
        self.template.get(start..end).unwrap_or("")
    }

    fn byte(&self, i: usize) -> Option<u8> {
        self.template.as_bytes().get(i).copied()
    }

    /// `Formatter._vformat` over `template[start..end]`.
    fn vformat(
        &self,
        start: usize,
        end: usize,
        depth: i32,
        auto: &mut AutoIndex,
    ) -> Result<String, Failure> {
        if depth < 0 {
            return Err(Failure::new(
                start,
                "format specs are nested too deeply: a `{field}` inside a format spec may not have a `{field}` in its own spec (Python: \"Max string recursion exceeded\")",
            ));
        }
        let mut out = String::new();
        let mut i = start;
        while i < end {
            let Some(offset) = self
                .text(i, end)
                .bytes()
                .position(|b| b == b'{' || b == b'}')
            else {
                out.push_str(self.text(i, end));
                break;
            };
            let j = i + offset;
            out.push_str(self.text(i, j));
            let c = self.byte(j);
            let next = if j + 1 < end { self.byte(j + 1) } else { None };
            if c == Some(b'}') {
                if next != Some(b'}') {
                    return Err(Failure::new(
                        j,
                        "single `}` in the template: write `}}` for a literal `}` (Python: \"Single '}' encountered in format string\")",
                    ));
                }
                out.push('}');
                i = j + 2;
                continue;
            }
            match next {
                None => {
                    return Err(Failure::new(
                        j,
                        "single `{` at the end of the template: write `{{` for a literal `{` (Python: \"Single '{' encountered in format string\")",
                    ));
                }
                Some(b'{') => {
                    out.push('{');
                    i = j + 2;
                    continue;
                }
                Some(_) => {}
            }
            let field = self.parse_field(j, end)?;
            let rendered = self.render_field(&field, depth, auto)?;
            out.push_str(&rendered);
            if out.len() > MAX_OUTPUT {
                return Err(Failure::new(
                    field.open,
                    format!(
                        "the rendered template would be larger than rcluster's limit of {} MiB",
                        MAX_OUTPUT / (1024 * 1024)
                    ),
                ));
            }
            i = field.close;
        }
        Ok(out)
    }

    /// `parse_field`: the field starting with the `{` at `open`.
    fn parse_field(&self, open: usize, end: usize) -> Result<Field, Failure> {
        let name_start = open + 1;
        let mut pos = name_start;
        let mut last = None;
        while pos < end {
            let c = self.byte(pos);
            pos += 1;
            last = c;
            match c {
                Some(b'{') => {
                    return Err(Failure::new(
                        pos - 1,
                        "unexpected `{` inside a field: a field's expression cannot contain `{` (dict and set literals are not allowed; write `{{` outside fields for a literal `{`)",
                    ));
                }
                Some(b'[') => {
                    while pos < end && self.byte(pos) != Some(b']') {
                        pos += 1;
                    }
                }
                Some(b'}' | b':' | b'!') => break,
                _ => {}
            }
        }
        let terminated = matches!(last, Some(b'}' | b':' | b'!')) && pos <= end;
        if !terminated {
            return Err(Failure::new(
                open,
                "this `{` starts a field that is never closed with `}` (write `{{` for a literal `{`)",
            ));
        }
        let name = (name_start, pos - 1);
        let mut field = Field {
            open,
            close: pos,
            name,
            conversion: None,
            spec: (pos, pos),
        };
        if last == Some(b'}') {
            return Ok(field);
        }
        if last == Some(b'!') {
            let Some(conversion) = self.text(pos, end).chars().next() else {
                return Err(Failure::new(
                    pos - 1,
                    "the template ends while looking for a conversion after `!` (expected `!r`, `!s` or `!a`)",
                ));
            };
            field.conversion = Some(conversion);
            pos += conversion.len_utf8();
            if pos < end {
                let c = self.byte(pos);
                pos += 1;
                if c == Some(b'}') {
                    field.close = pos;
                    field.spec = (pos - 1, pos - 1);
                    return Ok(field);
                }
                if c != Some(b':') {
                    return Err(Failure::new(open, conversion_error(conversion)));
                }
            }
        }
        let spec_start = pos;
        let mut count = 1;
        while pos < end {
            let c = self.byte(pos);
            pos += 1;
            match c {
                Some(b'{') => count += 1,
                Some(b'}') => {
                    count -= 1;
                    if count == 0 {
                        field.spec = (spec_start, pos - 1);
                        field.close = pos;
                        return Ok(field);
                    }
                }
                _ => {}
            }
        }
        Err(Failure::new(
            open,
            "the format spec of this field is never closed with `}` (Python: \"unmatched '{' in format spec\")",
        ))
    }

    /// Evaluates, converts and formats one field.
    fn render_field(
        &self,
        field: &Field,
        depth: i32,
        auto: &mut AutoIndex,
    ) -> Result<String, Failure> {
        let name = self.text(field.name.0, field.name.1);
        let value = if name.is_empty() {
            let Some(n) = *auto else {
                return Err(Failure::new(
                    field.open,
                    "cannot switch from manual field numbering (`{0}`) to automatic field numbering (`{}`)",
                ));
            };
            *auto = Some(n + 1);
            Value::Int(n as i64)
        } else {
            if name.bytes().all(|b| b.is_ascii_digit()) {
                if auto.is_some_and(|n| n > 0) {
                    return Err(Failure::new(
                        field.open,
                        "cannot switch from automatic field numbering (`{}`) to manual field numbering (`{0}`)",
                    ));
                }
                *auto = None;
            }
            self.evaluate_field(field, name)?
        };
        let value = match field.conversion {
            None => value,
            Some('s') => Value::Str(py_str(&value)),
            Some('r') => Value::Str(py_repr(&value)),
            Some('a') => Value::Str(py_ascii(&value)),
            Some(other) => {
                return Err(Failure::new(field.open, conversion_error(other)));
            }
        };
        let spec = self.vformat(field.spec.0, field.spec.1, depth - 1, auto)?;
        format_value(&value, &spec).map_err(|message| {
            Failure::new(
                field.open,
                format!(
                    "cannot format `{}` with the spec `{spec}`: {message}",
                    self.field_text(field)
                ),
            )
        })
    }

    fn field_text(&self, field: &Field) -> String {
        let text = self.text(field.open, field.close);
        if text.chars().count() > 60 {
            let short: String = text.chars().take(57).collect();
            format!("{short}...")
        } else {
            text.to_string()
        }
    }

    /// `EvalFormatter.get_field`: the field name as an expression.
    fn evaluate_field(&self, field: &Field, name: &str) -> Result<Value, Failure> {
        let base = field.name.0;
        if let Some(nul) = name.find('\0') {
            return Err(Failure::new(
                base + nul,
                "a field's expression cannot contain a NUL character",
            ));
        }
        let syntax = |err: lexer::SyntaxError| {
            Failure::new(
                base + err.pos,
                format!(
                    "syntax error in `{}`: {}",
                    self.field_text(field),
                    err.message
                ),
            )
        };
        let tokens = lexer::tokenize(name).map_err(syntax)?;
        let tree = parser::parse(&tokens, name.len()).map_err(syntax)?;
        evaluate(&tree, self.ctx).map_err(|err| match err {
            EvalError::UnknownName(var) => {
                Failure::new(field.open, self.unknown_variable(field, &var))
            }
            EvalError::Message(message) => Failure::new(
                field.open,
                format!("cannot evaluate `{}`: {message}", self.field_text(field)),
            ),
        })
    }

    fn unknown_variable(&self, field: &Field, var: &str) -> String {
        let known: Vec<&str> = self.ctx.keys().map(String::as_str).collect();
        let mut message = format!("unknown variable `{var}` in `{}`; ", self.field_text(field));
        if known.is_empty() {
            message.push_str("no variables are defined");
        } else {
            message.push_str("the variables are: ");
            message.push_str(&known.join(", "));
        }
        if field.open > 0 && self.byte(field.open - 1) == Some(b'$') {
            let inner = self.text(field.name.0, field.name.1);
            message.push_str(&format!(
                " (for a shell variable, double the braces: `${{{{{inner}}}}}`)"
            ));
        }
        message
    }
}

fn conversion_error(conversion: char) -> String {
    if conversion == '=' {
        "`!=` cannot appear in a format field: Python's str.format reads `!` as the start of a conversion like `!r`, so ipcluster fails too (\"expected ':' after conversion specifier\"); write `not a == b` instead of `a != b`".to_string()
    } else {
        format!(
            "unknown conversion `!{conversion}` (expected `!r`, `!s` or `!a`, followed by `:` and a format spec or by `}}`)"
        )
    }
}
