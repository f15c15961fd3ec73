//! Batch-script templates, rendered as ipcluster renders them.
//!
//! ipcluster fills its batch templates with IPython's `EvalFormatter`: Python's `str.format`, where
//! each `{field}` is a Python expression evaluated over the template variables. [`render`]
//! produces the same text, byte for byte, for every template that stays inside a small, closed
//! expression language (names, literals, arithmetic, comparisons, `and`/`or`/`not`, conditional
//! expressions, indexing and slicing, a few builtins and string methods, conversions and format
//! specs; see `docs/templates.md`). Nothing is ever executed: anything outside the language is a
//! clear error.
//!
//! The pieces, in the order a field goes through them:
//! - [`markup`]: splits the template like `_string.formatter_parser` and drives the rendering
//!   like `string.Formatter._vformat`;
//! - [`lexer`] and [`parser`]: the field's expression, as Python's tokenizer and grammar read it;
//! - [`eval`] and [`builtins`]: Python's semantics for the supported operations, with
//!   [`numeric`] and [`compare`] for the arithmetic and comparisons both of them need;
//! - [`format_spec`] and [`float_repr`]: `format(value, spec)` and float printing.

mod builtins;
mod compare;
mod eval;
mod float_repr;
mod format_spec;
mod lexer;
mod markup;
mod numeric;
mod parser;
mod printable;
pub mod sge;
pub mod slurm;
mod value;

use std::collections::BTreeMap;

/// A template variable's value: the Python types a template can see.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Value>),
}

impl Value {
    /// A TOML value as a template value: strings, integers, floats, booleans and arrays of
    /// those. Tables and datetimes (and arrays nested deeper than 32 levels) give `None`.
    pub fn from_toml(v: &toml::Value) -> Option<Value> {
        from_toml_at(v, 0)
    }
}

fn from_toml_at(v: &toml::Value, depth: usize) -> Option<Value> {
    match v {
        toml::Value::String(s) => Some(Value::Str(s.clone())),
        toml::Value::Integer(i) => Some(Value::Int(*i)),
        toml::Value::Float(f) => Some(Value::Float(*f)),
        toml::Value::Boolean(b) => Some(Value::Bool(*b)),
        toml::Value::Array(items) if depth < 32 => items
            .iter()
            .map(|item| from_toml_at(item, depth + 1))
            .collect::<Option<Vec<_>>>()
            .map(Value::List),
        _ => None,
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<u32> for Value {
    fn from(i: u32) -> Self {
        Value::Int(i64::from(i))
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Value::Float(f)
    }
}

/// The variables a template sees, by name.
pub type Context = BTreeMap<String, Value>;

/// Why a template could not be rendered, and where (1-based line and column, in characters, of
/// the field's `{` for evaluation errors, of the offending character otherwise).
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for TemplateError {}

/// Renders `template` as `EvalFormatter().format(template, **context)` would.
pub fn render(template: &str, context: &Context) -> Result<String, TemplateError> {
    markup::render(template, context).map_err(|failure| {
        let (line, column) = line_and_column(template, failure.offset);
        TemplateError {
            line,
            column,
            message: failure.message,
        }
    })
}

/// An error at a byte offset of the template.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Failure {
    pub offset: usize,
    pub message: String,
}

impl Failure {
    pub(crate) fn new(offset: usize, message: impl Into<String>) -> Self {
        Failure {
            offset,
            message: message.into(),
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let mut line = 1;
    let mut column = 1;
    for (i, c) in text.char_indices() {
        if i >= offset {
            break;
        }
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    (line, column)
}

#[cfg(test)]
mod tests;
