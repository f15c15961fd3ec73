//! Evaluates a field's syntax tree with Python's semantics: arithmetic on 64-bit integers and
//! floats, comparisons, truthiness, indexing and slicing. Nothing here can run code: the only
//! callables are the builtins and string methods of [`super::builtins`].

use std::cmp::Ordering;

use super::parser::{BinOp, CmpOp, Kind, Node, UnaryOp};
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

// ---------------------------------------------------------------------------------------------
// Numbers

/// An operand of arithmetic: bools are ints, as in Python.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Num {
    I(i64),
    F(f64),
}

pub(crate) fn as_num(v: &Value) -> Option<Num> {
    match v {
        Value::Bool(b) => Some(Num::I(i64::from(*b))),
        Value::Int(i) => Some(Num::I(*i)),
        Value::Float(f) => Some(Num::F(*f)),
        _ => None,
    }
}

impl Num {
    fn to_f64(self) -> f64 {
        match self {
            Num::I(i) => i as f64,
            Num::F(f) => f,
        }
    }
}

pub(crate) fn overflow() -> String {
    "integer overflow: the result does not fit in 64 bits (rcluster's integers are 64-bit, Python's are unbounded)".to_string()
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

fn arith(op: BinOp, x: Num, y: Num) -> std::result::Result<Value, String> {
    use Num::I;
    match (x, y) {
        (I(a), I(b)) => int_arith(op, a, b),
        _ => {
            let (a, b) = (x.to_f64(), y.to_f64());
            float_arith(op, a, b).map(Value::Float)
        }
    }
}

fn int_arith(op: BinOp, a: i64, b: i64) -> std::result::Result<Value, String> {
    let int = |r: Option<i64>| r.map(Value::Int).ok_or_else(overflow);
    match op {
        BinOp::Add => int(a.checked_add(b)),
        BinOp::Sub => int(a.checked_sub(b)),
        BinOp::Mul => int(a.checked_mul(b)),
        BinOp::Div => int_true_divide(a, b).map(Value::Float),
        BinOp::FloorDiv => {
            if b == 0 {
                return Err("ZeroDivisionError: integer division or modulo by zero".into());
            }
            let q = a.checked_div(b).ok_or_else(overflow)?;
            let r = a.checked_rem(b).ok_or_else(overflow)?;
            if r != 0 && ((r < 0) != (b < 0)) {
                int(q.checked_sub(1))
            } else {
                Ok(Value::Int(q))
            }
        }
        BinOp::Mod => {
            if b == 0 {
                return Err("ZeroDivisionError: integer division or modulo by zero".into());
            }
            // i64::MIN % -1 is 0 in Python; checked_rem reports it as overflow.
            let r = a.checked_rem(b).unwrap_or(0);
            if r != 0 && ((r < 0) != (b < 0)) {
                int(r.checked_add(b))
            } else {
                Ok(Value::Int(r))
            }
        }
        BinOp::Pow => {
            if b < 0 {
                return float_pow(a as f64, b as f64).map(Value::Float);
            }
            match a {
                0 => Ok(Value::Int(if b == 0 { 1 } else { 0 })),
                1 => Ok(Value::Int(1)),
                -1 => Ok(Value::Int(if b % 2 == 0 { 1 } else { -1 })),
                _ => {
                    let exp = u32::try_from(b).map_err(|_| overflow())?;
                    int(a.checked_pow(exp))
                }
            }
        }
    }
}

/// `a / b` for ints, correctly rounded as Python does it (not `float(a) / float(b)`).
pub(crate) fn int_true_divide(a: i64, b: i64) -> std::result::Result<f64, String> {
    if b == 0 {
        return Err("ZeroDivisionError: division by zero".into());
    }
    const EXACT: u64 = 1 << 53;
    if a.unsigned_abs() <= EXACT && b.unsigned_abs() <= EXACT {
        return Ok(a as f64 / b as f64);
    }
    let negative = (a < 0) != (b < 0);
    let u = u128::from(a.unsigned_abs());
    let v = u128::from(b.unsigned_abs());
    if u == 0 {
        return Ok(if negative { -0.0 } else { 0.0 });
    }
    let bits = |x: u128| 128 - x.leading_zeros() as i32;
    // Scale so that the quotient has at least 55 bits, then round once with a sticky bit.
    let shift = 55 + bits(v) - bits(u);
    let (num, den) = if shift >= 0 {
        (u << shift, v)
    } else {
        (u, v << (-shift))
    };
    let q = num / den;
    let sticky = u128::from(num % den != 0);
    let magnitude = ((q << 1) | sticky) as f64 * 2f64.powi(-(shift + 1));
    Ok(if negative { -magnitude } else { magnitude })
}

fn float_arith(op: BinOp, a: f64, b: f64) -> std::result::Result<f64, String> {
    match op {
        BinOp::Add => Ok(a + b),
        BinOp::Sub => Ok(a - b),
        BinOp::Mul => Ok(a * b),
        BinOp::Div => {
            if b == 0.0 {
                Err("ZeroDivisionError: float division by zero".into())
            } else {
                Ok(a / b)
            }
        }
        BinOp::FloorDiv => {
            if b == 0.0 {
                Err("ZeroDivisionError: float floor division by zero".into())
            } else {
                Ok(float_divmod(a, b).0)
            }
        }
        BinOp::Mod => {
            if b == 0.0 {
                Err("ZeroDivisionError: float modulo".into())
            } else {
                Ok(float_divmod(a, b).1)
            }
        }
        BinOp::Pow => float_pow(a, b),
    }
}

/// `float_divmod` of Objects/floatobject.c: (floor quotient, remainder with the divisor's sign).
fn float_divmod(vx: f64, wx: f64) -> (f64, f64) {
    let mut modulo = vx % wx;
    let mut div = (vx - modulo) / wx;
    if modulo != 0.0 {
        if (wx < 0.0) != (modulo < 0.0) {
            modulo += wx;
            div -= 1.0;
        }
    } else {
        modulo = 0.0f64.copysign(wx);
    }
    let floordiv = if div != 0.0 {
        let mut f = div.floor();
        if div - f > 0.5 {
            f += 1.0;
        }
        f
    } else {
        0.0f64.copysign(vx / wx)
    };
    (floordiv, modulo)
}

/// `float_pow` of Objects/floatobject.c.
fn float_pow(iv: f64, iw: f64) -> std::result::Result<f64, String> {
    if iw == 0.0 {
        return Ok(1.0);
    }
    if iv.is_nan() {
        return Ok(if iw == 0.0 { 1.0 } else { iv });
    }
    if iw.is_nan() {
        return Ok(if iv == 1.0 { 1.0 } else { iw });
    }
    if iw.is_infinite() {
        let av = iv.abs();
        return Ok(if av == 1.0 {
            1.0
        } else if (iw > 0.0) == (av > 1.0) {
            f64::INFINITY
        } else {
            0.0
        });
    }
    let odd_integer_exponent = iw.abs() % 2.0 == 1.0;
    if iv.is_infinite() {
        return Ok(if iw > 0.0 {
            if odd_integer_exponent { iv } else { iv.abs() }
        } else if odd_integer_exponent {
            0.0f64.copysign(iv)
        } else {
            0.0
        });
    }
    if iv == 0.0 {
        if iw < 0.0 {
            return Err("ZeroDivisionError: 0.0 cannot be raised to a negative power".into());
        }
        return Ok(if odd_integer_exponent { iv } else { 0.0 });
    }
    let mut base = iv;
    let mut negate = false;
    if iv < 0.0 {
        if iw != iw.floor() {
            return Err(
                "a negative number raised to a fractional power is complex, which is not supported"
                    .into(),
            );
        }
        base = -iv;
        negate = odd_integer_exponent;
    }
    if base == 1.0 {
        return Ok(if negate { -1.0 } else { 1.0 });
    }
    let result = base.powf(iw);
    if result.is_infinite() {
        return Err("OverflowError: (34, 'Numerical result out of range')".into());
    }
    Ok(if negate { -result } else { result })
}

// ---------------------------------------------------------------------------------------------
// Comparisons

/// Compares an int with a float exactly, as Python does (no rounding of the int).
fn cmp_int_float(i: i64, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if f >= TWO_63 {
        return Some(Ordering::Less);
    }
    if f < -TWO_63 {
        return Some(Ordering::Greater);
    }
    let t = f.trunc() as i64;
    match i.cmp(&t) {
        Ordering::Equal => 0.0f64.partial_cmp(&f.fract()),
        other => Some(other),
    }
}

fn cmp_num(x: Num, y: Num) -> Option<Ordering> {
    match (x, y) {
        (Num::I(a), Num::I(b)) => Some(a.cmp(&b)),
        (Num::F(a), Num::F(b)) => a.partial_cmp(&b),
        (Num::I(a), Num::F(b)) => cmp_int_float(a, b),
        (Num::F(a), Num::I(b)) => cmp_int_float(b, a).map(Ordering::reverse),
    }
}

/// Python's `a == b`.
pub(crate) fn py_eq(a: &Value, b: &Value) -> bool {
    if let (Some(x), Some(y)) = (as_num(a), as_num(b)) {
        return cmp_num(x, y) == Some(Ordering::Equal);
    }
    match (a, b) {
        (Value::None, Value::None) => true,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| py_eq(p, q))
        }
        _ => false,
    }
}

fn symbol(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Lt => "<",
        CmpOp::Le => "<=",
        CmpOp::Gt => ">",
        CmpOp::Ge => ">=",
        CmpOp::Eq => "==",
        CmpOp::Ne => "!=",
        CmpOp::In => "in",
        CmpOp::NotIn => "not in",
        CmpOp::Is => "is",
        CmpOp::IsNot => "is not",
    }
}

/// Python's ordering comparisons (`<`, `<=`, `>`, `>=`).
pub(crate) fn py_order(op: CmpOp, a: &Value, b: &Value) -> std::result::Result<bool, String> {
    let holds = |ord: Option<Ordering>| match ord {
        None => false,
        Some(o) => match op {
            CmpOp::Lt => o == Ordering::Less,
            CmpOp::Le => o != Ordering::Greater,
            CmpOp::Gt => o == Ordering::Greater,
            _ => o != Ordering::Less,
        },
    };
    if let (Some(x), Some(y)) = (as_num(a), as_num(b)) {
        return Ok(holds(cmp_num(x, y)));
    }
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => Ok(holds(Some(x.cmp(y)))),
        (Value::List(x), Value::List(y)) => {
            for (p, q) in x.iter().zip(y) {
                if !py_eq(p, q) {
                    return py_order(op, p, q);
                }
            }
            Ok(holds(Some(x.len().cmp(&y.len()))))
        }
        _ => Err(format!(
            "'{}' not supported between instances of '{}' and '{}'",
            symbol(op),
            a.type_name(),
            b.type_name()
        )),
    }
}

fn compare(op: CmpOp, a: &Value, b: &Value) -> std::result::Result<bool, String> {
    match op {
        CmpOp::Eq => Ok(py_eq(a, b)),
        CmpOp::Ne => Ok(!py_eq(a, b)),
        CmpOp::In => contains(b, a),
        CmpOp::NotIn => contains(b, a).map(|found| !found),
        CmpOp::Is | CmpOp::IsNot => {
            let same = match (a, b) {
                (Value::None, Value::None) => true,
                (Value::Bool(x), Value::Bool(y)) => x == y,
                (Value::None | Value::Bool(_), _) | (_, Value::None | Value::Bool(_)) => false,
                _ => {
                    return Err(
                        "`is` and `is not` can only compare with None, True or False in rcluster templates; use `==`"
                            .into(),
                    );
                }
            };
            Ok(same == (op == CmpOp::Is))
        }
        _ => py_order(op, a, b),
    }
}

fn contains(container: &Value, item: &Value) -> std::result::Result<bool, String> {
    match (container, item) {
        (Value::Str(s), Value::Str(sub)) => Ok(s.contains(sub.as_str())),
        (Value::Str(_), other) => Err(format!(
            "'in <string>' requires string as left operand, not {}",
            other.type_name()
        )),
        (Value::List(items), _) => Ok(items.iter().any(|x| py_eq(x, item))),
        (other, _) => Err(format!(
            "argument of type '{}' is not iterable",
            other.type_name()
        )),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_division_rounds_like_python() {
        assert_eq!(int_true_divide(10, 4), Ok(2.5));
        assert_eq!(int_true_divide(9007199254740993, 1), Ok(9007199254740992.0));
        assert_eq!(int_true_divide(i64::MAX, 3), Ok(3.0744573456182584e18));
        assert_eq!(int_true_divide(i64::MIN, -1), Ok(9223372036854775808.0));
        assert!(int_true_divide(1, 0).is_err());
    }

    #[test]
    fn floor_semantics() {
        assert_eq!(int_arith(BinOp::FloorDiv, 5, -2), Ok(Value::Int(-3)));
        assert_eq!(int_arith(BinOp::Mod, -5, 3), Ok(Value::Int(1)));
        assert_eq!(int_arith(BinOp::Mod, i64::MIN, -1), Ok(Value::Int(0)));
        assert!(int_arith(BinOp::FloorDiv, i64::MIN, -1).is_err());
        assert_eq!(float_divmod(5.5, -2.0), (-3.0, -0.5));
        assert_eq!(float_divmod(-5.5, 3.0), (-2.0, 0.5));
    }

    #[test]
    fn exact_int_float_comparison() {
        assert_eq!(
            cmp_int_float(9007199254740993, 9007199254740992.0),
            Some(Ordering::Greater)
        );
        assert_eq!(cmp_int_float(i64::MAX, 9.3e18), Some(Ordering::Less));
        assert_eq!(cmp_int_float(2, 2.5), Some(Ordering::Less));
        assert_eq!(cmp_int_float(-2, -2.5), Some(Ordering::Greater));
    }
}
