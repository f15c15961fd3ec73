//! Evaluates a field's syntax tree with Python's semantics: operators (the arithmetic itself is in
//! [`super::numeric`], comparisons in [`super::compare`]), truthiness, indexing and slicing.
//! Nothing here can run code: the only callables are the builtins and string methods of
//! [`super::builtins`].

use super::compare::compare;
use super::numeric::{Num, arith, as_num, overflow};
use super::parser::{BinOp, Kind, Node, UnaryOp};
use super::value::{check_size, size_of};
use super::{Context, Value, builtins};

/// Why a field could not be evaluated.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum EvalError {
    /// A name that is neither a variable nor a builtin.
    UnknownName(String),
    /// Any other error, as a message.
    Message(String),
}

impl From<String> for EvalError {
    fn from(message: String) -> Self {
        EvalError::Message(message)
    }
}

type Result<T> = std::result::Result<T, EvalError>;

/// Evaluated call arguments: positional, then keyword.
type Arguments = (Vec<Value>, Vec<(String, Value)>);

/// Evaluates a node over the variables.
pub(crate) fn evaluate(node: &Node, ctx: &Context) -> Result<Value> {
    match &node.kind {
        Kind::Const(v) => Ok(v.clone()),
        Kind::Name(name) => lookup(name, ctx),
        Kind::List(items) => {
            let values = items
                .iter()
                .map(|item| evaluate(item, ctx))
                .collect::<Result<Vec<_>>>()?;
            let list = Value::List(values);
            check_size(size_of(&list))?;
            Ok(list)
        }
        Kind::Unary(op, operand) => Ok(unary(*op, evaluate(operand, ctx)?)?),
        Kind::Not(operand) => Ok(Value::Bool(!evaluate(operand, ctx)?.truthy())),
        Kind::Binary(op, left, right) => {
            let a = evaluate(left, ctx)?;
            let b = evaluate(right, ctx)?;
            Ok(binary(*op, a, b)?)
        }
        Kind::And(left, right) => {
            let a = evaluate(left, ctx)?;
            if a.truthy() {
                evaluate(right, ctx)
            } else {
                Ok(a)
            }
        }
        Kind::Or(left, right) => {
            let a = evaluate(left, ctx)?;
            if a.truthy() {
                Ok(a)
            } else {
                evaluate(right, ctx)
            }
        }
        Kind::Compare(first, rest) => {
            let mut left = evaluate(first, ctx)?;
            for (op, right) in rest {
                let right = evaluate(right, ctx)?;
                if !compare(*op, &left, &right)? {
                    return Ok(Value::Bool(false));
                }
                left = right;
            }
            Ok(Value::Bool(true))
        }
        Kind::IfElse { body, test, orelse } => {
            if evaluate(test, ctx)?.truthy() {
                evaluate(body, ctx)
            } else {
                evaluate(orelse, ctx)
            }
        }
        Kind::Call { func, args, kwargs } => call(func, args, kwargs, ctx),
        Kind::Attribute(target, name) => {
            let value = evaluate(target, ctx)?;
            Err(attribute_error(&value, name).into())
        }
        Kind::Index(target, index) => {
            let value = evaluate(target, ctx)?;
            if let Some((lower, upper, step)) = slice_call(index, ctx)? {
                return Ok(slice(&value, lower, upper, step)?);
            }
            let index = evaluate(index, ctx)?;
            Ok(index_value(&value, &index)?)
        }
        Kind::Slice {
            target,
            lower,
            upper,
            step,
        } => {
            let value = evaluate(target, ctx)?;
            let bound = |n: &Option<Box<Node>>| -> Result<Value> {
                match n {
                    Some(n) => evaluate(n, ctx),
                    None => Ok(Value::None),
                }
            };
            let (lower, upper, step) = (bound(lower)?, bound(upper)?, bound(step)?);
            Ok(slice(&value, lower, upper, step)?)
        }
    }
}

fn lookup(name: &str, ctx: &Context) -> Result<Value> {
    if let Some(value) = ctx.get(name) {
        return Ok(value.clone());
    }
    if builtins::is_function(name) {
        return Err(EvalError::Message(format!(
            "`{name}` is a builtin function; call it, e.g. `{name}(...)`"
        )));
    }
    if name == "slice" {
        return Err(EvalError::Message(
            "`slice` can only be used inside brackets, e.g. `x[slice(0, 5)]`".into(),
        ));
    }
    if builtins::is_unsupported_python_builtin(name) {
        return Err(EvalError::Message(format!(
            "`{name}` is not supported in rcluster templates (no Python code is executed); supported functions: {}",
            builtins::FUNCTIONS.join(", ")
        )));
    }
    Err(EvalError::UnknownName(name.to_string()))
}

fn attribute_error(value: &Value, name: &str) -> String {
    if name.starts_with('_') {
        format!(
            "attribute `{name}` is not accessible: rcluster templates do not give access to Python objects"
        )
    } else if matches!(value, Value::Str(_)) && builtins::METHODS.contains(&name) {
        format!("the string method `{name}` must be called, e.g. `x.{name}()`")
    } else {
        format!(
            "attribute access (`.{name}` on a {}) is not supported; only these string methods can be called: {}",
            value.type_name(),
            builtins::METHODS.join(", ")
        )
    }
}

fn call(func: &Node, args: &[Node], kwargs: &[(String, Node)], ctx: &Context) -> Result<Value> {
    let eval_args = |ctx: &Context| -> Result<Arguments> {
        let positional = args
            .iter()
            .map(|a| evaluate(a, ctx))
            .collect::<Result<Vec<_>>>()?;
        let keywords = kwargs
            .iter()
            .map(|(k, v)| Ok((k.clone(), evaluate(v, ctx)?)))
            .collect::<Result<Vec<_>>>()?;
        Ok((positional, keywords))
    };
    match &func.kind {
        Kind::Name(name) if !ctx.contains_key(name) => {
            if !builtins::is_function(name) {
                // Raises the right error: unknown name, `slice`, or an unsupported builtin.
                lookup(name, ctx)?;
            }
            let (positional, keywords) = eval_args(ctx)?;
            Ok(builtins::call_function(name, positional, keywords)?)
        }
        Kind::Attribute(target, method) => {
            let receiver = evaluate(target, ctx)?;
            if method.starts_with('_') {
                return Err(attribute_error(&receiver, method).into());
            }
            let (positional, keywords) = eval_args(ctx)?;
            Ok(builtins::call_method(
                &receiver, method, positional, keywords,
            )?)
        }
        _ => {
            let value = evaluate(func, ctx)?;
            Err(EvalError::Message(format!(
                "'{}' object is not callable",
                value.type_name()
            )))
        }
    }
}

/// `x[slice(a, b, c)]`: the bounds when the index is a call of the builtin `slice`.
fn slice_call(index: &Node, ctx: &Context) -> Result<Option<(Value, Value, Value)>> {
    let Kind::Call { func, args, kwargs } = &index.kind else {
        return Ok(None);
    };
    let Kind::Name(name) = &func.kind else {
        return Ok(None);
    };
    if name != "slice" || ctx.contains_key(name) {
        return Ok(None);
    }
    if !kwargs.is_empty() {
        return Err("slice() takes no keyword arguments".to_string().into());
    }
    let mut values = args
        .iter()
        .map(|a| evaluate(a, ctx))
        .collect::<Result<Vec<_>>>()?;
    let bounds = match values.len() {
        1 => (Value::None, values.remove(0), Value::None),
        2 => {
            let upper = values.remove(1);
            (values.remove(0), upper, Value::None)
        }
        3 => {
            let step = values.remove(2);
            let upper = values.remove(1);
            (values.remove(0), upper, step)
        }
        n => {
            return Err(format!("slice expected 1 to 3 arguments, got {n}")
                .to_string()
                .into());
        }
    };
    Ok(Some(bounds))
}

fn unsupported(op: &str, a: &Value, b: &Value) -> String {
    format!(
        "unsupported operand type(s) for {op}: '{}' and '{}'",
        a.type_name(),
        b.type_name()
    )
}

fn unary(op: UnaryOp, v: Value) -> std::result::Result<Value, String> {
    let symbol = match op {
        UnaryOp::Neg => "-",
        UnaryOp::Pos => "+",
    };
    match (op, as_num(&v)) {
        (UnaryOp::Neg, Some(Num::I(i))) => i.checked_neg().map(Value::Int).ok_or_else(overflow),
        (UnaryOp::Neg, Some(Num::F(f))) => Ok(Value::Float(-f)),
        (UnaryOp::Pos, Some(Num::I(i))) => Ok(Value::Int(i)),
        (UnaryOp::Pos, Some(Num::F(f))) => Ok(Value::Float(f)),
        _ => Err(format!(
            "bad operand type for unary {symbol}: '{}'",
            v.type_name()
        )),
    }
}

pub(crate) fn binary(op: BinOp, a: Value, b: Value) -> std::result::Result<Value, String> {
    if let (Some(x), Some(y)) = (as_num(&a), as_num(&b)) {
        return arith(op, x, y);
    }
    match (op, &a, &b) {
        (BinOp::Add, Value::Str(x), Value::Str(y)) => {
            check_size(x.len().saturating_add(y.len()))?;
            Ok(Value::Str(format!("{x}{y}")))
        }
        (BinOp::Add, Value::List(x), Value::List(y)) => {
            check_size(size_of(&a).saturating_add(size_of(&b)))?;
            let mut items = x.clone();
            items.extend(y.iter().cloned());
            Ok(Value::List(items))
        }
        (BinOp::Add, Value::Str(_), _) => Err(format!(
            "can only concatenate str (not \"{}\") to str",
            b.type_name()
        )),
        (BinOp::Add, Value::List(_), _) => Err(format!(
            "can only concatenate list (not \"{}\") to list",
            b.type_name()
        )),
        (BinOp::Mul, Value::Str(_) | Value::List(_), _) => repeat(&a, &b),
        (BinOp::Mul, _, Value::Str(_) | Value::List(_)) => repeat(&b, &a),
        _ => Err(unsupported(op.symbol(), &a, &b)),
    }
}

/// `sequence * count`.
fn repeat(seq: &Value, count: &Value) -> std::result::Result<Value, String> {
    let n = match count {
        Value::Int(i) => *i,
        Value::Bool(b) => i64::from(*b),
        other => {
            return Err(format!(
                "can't multiply sequence by non-int of type '{}'",
                other.type_name()
            ));
        }
    };
    let n = usize::try_from(n).unwrap_or(0);
    check_size(size_of(seq).saturating_mul(n))?;
    let n = if size_of(seq) == 0 { 0 } else { n };
    match seq {
        Value::Str(s) => Ok(Value::Str(s.repeat(n))),
        Value::List(items) => {
            let mut out = Vec::with_capacity(items.len().saturating_mul(n));
            for _ in 0..n {
                out.extend(items.iter().cloned());
            }
            Ok(Value::List(out))
        }
        _ => Err("can't multiply sequence".to_string()),
    }
}

// ---------------------------------------------------------------------------------------------
// Indexing and slicing

fn as_index(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

fn index_value(target: &Value, index: &Value) -> std::result::Result<Value, String> {
    let (len, kind) = match target {
        Value::Str(s) => (s.chars().count(), "string"),
        Value::List(items) => (items.len(), "list"),
        other => {
            return Err(format!(
                "'{}' object is not subscriptable",
                other.type_name()
            ));
        }
    };
    let Some(i) = as_index(index) else {
        return Err(if kind == "string" {
            format!(
                "string indices must be integers, not '{}'",
                index.type_name()
            )
        } else {
            format!(
                "list indices must be integers or slices, not {}",
                index.type_name()
            )
        });
    };
    let len_i = len as i128;
    let mut at = i128::from(i);
    if at < 0 {
        at += len_i;
    }
    if at < 0 || at >= len_i {
        return Err(format!("IndexError: {kind} index out of range"));
    }
    let at = at as usize;
    match target {
        Value::Str(s) => Ok(Value::Str(
            s.chars().nth(at).map(String::from).unwrap_or_default(),
        )),
        Value::List(items) => Ok(items.get(at).cloned().unwrap_or(Value::None)),
        _ => Err("not subscriptable".into()),
    }
}

fn slice_bound(v: &Value) -> std::result::Result<Option<i128>, String> {
    match v {
        Value::None => Ok(None),
        other => as_index(other).map(|i| Some(i128::from(i))).ok_or_else(|| {
            "slice indices must be integers or None or have an __index__ method".to_string()
        }),
    }
}

/// The positions a slice selects, as `PySlice_AdjustIndices` computes them.
fn slice_positions(
    len: usize,
    lower: &Value,
    upper: &Value,
    step: &Value,
) -> std::result::Result<(i128, i128, i128), String> {
    let step = slice_bound(step)?.unwrap_or(1);
    if step == 0 {
        return Err("ValueError: slice step cannot be zero".into());
    }
    let len = len as i128;
    let adjust = |bound: Option<i128>, default: i128| -> i128 {
        match bound {
            None => default,
            Some(mut b) => {
                if b < 0 {
                    b += len;
                    if b < 0 {
                        b = if step < 0 { -1 } else { 0 };
                    }
                } else if b >= len {
                    b = if step < 0 { len - 1 } else { len };
                }
                b
            }
        }
    };
    let (start_default, stop_default) = if step < 0 { (len - 1, -1) } else { (0, len) };
    let start = adjust(slice_bound(lower)?, start_default);
    let stop = adjust(slice_bound(upper)?, stop_default);
    let count = if step < 0 {
        if stop < start {
            (start - stop - 1) / (-step) + 1
        } else {
            0
        }
    } else if start < stop {
        (stop - start - 1) / step + 1
    } else {
        0
    };
    Ok((start, step, count))
}

fn slice(
    target: &Value,
    lower: Value,
    upper: Value,
    step: Value,
) -> std::result::Result<Value, String> {
    match target {
        Value::Str(s) => {
            let chars: Vec<char> = s.chars().collect();
            let (start, step, count) = slice_positions(chars.len(), &lower, &upper, &step)?;
            let out: String = (0..count)
                .filter_map(|k| usize::try_from(start + k * step).ok())
                .filter_map(|i| chars.get(i).copied())
                .collect();
            Ok(Value::Str(out))
        }
        Value::List(items) => {
            let (start, step, count) = slice_positions(items.len(), &lower, &upper, &step)?;
            let out: Vec<Value> = (0..count)
                .filter_map(|k| usize::try_from(start + k * step).ok())
                .filter_map(|i| items.get(i).cloned())
                .collect();
            Ok(Value::List(out))
        }
        other => Err(format!(
            "'{}' object is not subscriptable",
            other.type_name()
        )),
    }
}
