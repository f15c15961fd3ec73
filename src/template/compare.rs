//! Python's comparison operators on template values (`==`, `<`, `in`, `is`, ...), used by the
//! evaluator and by the builtins that order values (`min`, `max`).

use std::cmp::Ordering;

use super::Value;
use super::numeric::{as_num, cmp_num};
use super::parser::CmpOp;

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

pub(crate) fn compare(op: CmpOp, a: &Value, b: &Value) -> std::result::Result<bool, String> {
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
