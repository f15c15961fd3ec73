//! PLACEHOLDER written by the lead so the rest of the tree compiles while the template engine is
//! being written: it only substitutes plain `{name}` fields. The template helper owns this
//! directory and replaces this file entirely with the real parser/evaluator (same API).

pub mod slurm;

use std::collections::BTreeMap;

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
    pub fn from_toml(v: &toml::Value) -> Option<Value> {
        match v {
            toml::Value::String(s) => Some(Value::Str(s.clone())),
            toml::Value::Integer(i) => Some(Value::Int(*i)),
            toml::Value::Float(f) => Some(Value::Float(*f)),
            toml::Value::Boolean(b) => Some(Value::Bool(*b)),
            toml::Value::Array(items) => items
                .iter()
                .map(Value::from_toml)
                .collect::<Option<Vec<_>>>()
                .map(Value::List),
            _ => None,
        }
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

pub type Context = BTreeMap<String, Value>;

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

pub fn render(template: &str, context: &Context) -> Result<String, TemplateError> {
    let mut out = template.replace("{{", "\u{1}").replace("}}", "\u{2}");
    for (k, v) in context {
        let text = match v {
            Value::Str(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            other => format!("{other:?}"),
        };
        out = out.replace(&format!("{{{k}}}"), &text);
    }
    Ok(out.replace('\u{1}', "{").replace('\u{2}', "}"))
}
