//! Python's arithmetic and number comparison on the two numeric types a template has: 64-bit
//! integers (bools count as integers) and floats, with CPython's rounding, floor and overflow rules.
//! Shared by the evaluator's operators and by the builtins (`float`, `int`, `round`).

use std::cmp::Ordering;

use super::Value;
use super::parser::BinOp;

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

pub(crate) fn arith(op: BinOp, x: Num, y: Num) -> std::result::Result<Value, String> {
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

pub(crate) fn cmp_num(x: Num, y: Num) -> Option<Ordering> {
    match (x, y) {
        (Num::I(a), Num::I(b)) => Some(a.cmp(&b)),
        (Num::F(a), Num::F(b)) => a.partial_cmp(&b),
        (Num::I(a), Num::F(b)) => cmp_int_float(a, b),
        (Num::F(a), Num::I(b)) => cmp_int_float(b, a).map(Ordering::reverse),
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
