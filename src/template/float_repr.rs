//! Floats printed exactly as CPython prints them: a port of `PyOS_double_to_string` and
//! `format_float_short` (Python/pystrtod.c), with David Gay's `_Py_dg_dtoa` modes replaced by
//! Rust's exact and shortest float formatting plus round-half-even on the exact decimal digits.

/// How many digits `_Py_dg_dtoa` is asked for.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Mode {
    /// Mode 0: the shortest digits that read back as the same float (`repr`).
    Shortest,
    /// Mode 2: at most this many significant digits (at least one).
    Significant(i64),
    /// Mode 3: this many digits after the decimal point (may be negative).
    Fixed(i64),
}

/// The decimal digits of a finite `|x|` as `dtoa` returns them: no trailing zeros, and the
/// position of the decimal point (`value = 0.DIGITS × 10^decpt`). Zero is `("0", 1)`; a value that
/// rounds to nothing in fixed mode is `("", -ndigits)`.
pub(crate) fn dtoa(x: f64, mode: Mode) -> (Vec<u8>, i64) {
    let x = x.abs();
    if x == 0.0 {
        return (vec![b'0'], 1);
    }
    match mode {
        Mode::Shortest => shortest_digits(x),
        Mode::Significant(n) => {
            let (digits, decpt) = exact_digits(x);
            round_digits(digits, decpt, n.max(1))
        }
        Mode::Fixed(n) => {
            let (digits, decpt) = exact_digits(x);
            let keep = decpt.saturating_add(n);
            let (digits, decpt) = round_digits(digits, decpt, keep);
            if digits.is_empty() {
                (digits, n.saturating_neg())
            } else {
                (digits, decpt)
            }
        }
    }
}

/// The shortest digits that read back as `x`, and among those the closest to `x`, ties to even
/// (as `_Py_dg_dtoa` mode 0). Rust's shortest formatting finds how many digits are needed, but
/// in an exact tie it may pick the other neighbour (`31426175242860.8125` prints as `...813`
/// in Rust and `...812` in Python), so the digits are recomputed from the exact value.
fn shortest_digits(x: f64) -> (Vec<u8>, i64) {
    let (shortest, decpt) = scientific_digits(&format!("{x:e}"));
    let (exact, exact_decpt) = exact_digits(x);
    let (closest, closest_decpt) = round_digits(exact, exact_decpt, shortest.len() as i64);
    if closest.len() <= shortest.len() && reads_back(&closest, closest_decpt, x) {
        (closest, closest_decpt)
    } else {
        (shortest, decpt)
    }
}

/// Whether `0.DIGITS × 10^decpt` parses back to `x`.
fn reads_back(digits: &[u8], decpt: i64, x: f64) -> bool {
    let text = format!(
        "0.{}e{decpt}",
        String::from_utf8_lossy(if digits.is_empty() { b"0" } else { digits })
    );
    text.parse::<f64>().is_ok_and(|y| y == x)
}

/// All the digits of a finite, positive float: every double has at most 767 significant digits.
fn exact_digits(x: f64) -> (Vec<u8>, i64) {
    scientific_digits(&format!("{x:.800e}"))
}

/// Parses Rust's `D.DDDDe±X` into (digits without trailing zeros, decpt).
fn scientific_digits(text: &str) -> (Vec<u8>, i64) {
    let (mantissa, exponent) = text.split_once('e').unwrap_or((text, "0"));
    let exponent: i64 = exponent.parse().unwrap_or(0);
    let mut digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    if digits.is_empty() {
        digits.push(b'0');
    }
    (digits, exponent + 1)
}

/// Keeps the first `keep` digits, rounding half to even on the exact value; drops trailing zeros.
fn round_digits(mut digits: Vec<u8>, mut decpt: i64, keep: i64) -> (Vec<u8>, i64) {
    let len = digits.len() as i64;
    if keep >= len {
        return (digits, decpt);
    }
    if keep < 0 {
        return (Vec::new(), decpt);
    }
    let keep = keep as usize;
    let first_dropped = digits.get(keep).copied().unwrap_or(b'0');
    let more_after = digits.len() > keep + 1; // no trailing zeros, so anything after is > 0
    let last_kept_odd = keep > 0 && digits.get(keep - 1).is_some_and(|d| (d - b'0') % 2 == 1);
    let round_up = first_dropped > b'5' || (first_dropped == b'5' && (more_after || last_kept_odd));
    digits.truncate(keep);
    if round_up {
        let mut i = digits.len();
        loop {
            if i == 0 {
                digits.insert(0, b'1');
                decpt += 1;
                break;
            }
            i -= 1;
            if let Some(d) = digits.get_mut(i) {
                if *d == b'9' {
                    *d = b'0';
                } else {
                    *d += 1;
                    break;
                }
            }
        }
    }
    while digits.last() == Some(&b'0') {
        digits.pop();
    }
    (digits, decpt)
}

/// Flags of `PyOS_double_to_string`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Flags {
    /// `Py_DTSF_ADD_DOT_0`: `5.0`, not `5`.
    pub add_dot_0: bool,
    /// `Py_DTSF_ALT`: the `#` of a format spec.
    pub alt: bool,
    /// `Py_DTSF_NO_NEG_0`: the `z` of a format spec.
    pub no_neg_0: bool,
}

/// `PyOS_double_to_string(val, code, precision, flags)` for codes `e E f F g G r`.
pub(crate) fn double_to_string(val: f64, code: char, precision: i64, flags: Flags) -> String {
    let upper = code.is_ascii_uppercase();
    let code = code.to_ascii_lowercase();
    let (mode, precision) = match code {
        'e' => {
            let p = precision.saturating_add(1);
            (Mode::Significant(p), p)
        }
        'f' => (Mode::Fixed(precision), precision),
        'g' => {
            let p = if precision == 0 { 1 } else { precision };
            (Mode::Significant(p), p)
        }
        _ => (Mode::Shortest, 0),
    };
    let negative = val.is_sign_negative();
    if val.is_nan() {
        return if upper { "NAN" } else { "nan" }.to_string();
    }
    if val.is_infinite() {
        let text = if upper { "INF" } else { "inf" };
        return if negative {
            format!("-{text}")
        } else {
            text.to_string()
        };
    }
    let (digits, decpt) = dtoa(val, mode);
    let mut sign = negative;
    if flags.no_neg_0 && sign && (digits.is_empty() || digits == b"0") {
        sign = false;
    }
    let digits_len = digits.len() as i64;
    let mut decpt = decpt;
    let mut vdigits_end = digits_len;
    let mut use_exp = false;
    match code {
        'e' => {
            use_exp = true;
            vdigits_end = precision;
        }
        'f' => vdigits_end = decpt.saturating_add(precision),
        'g' => {
            let limit = if flags.add_dot_0 {
                precision - 1
            } else {
                precision
            };
            if decpt <= -4 || decpt > limit {
                use_exp = true;
            }
            if flags.alt {
                vdigits_end = precision;
            }
        }
        _ => {
            if decpt <= -4 || decpt > 16 {
                use_exp = true;
            }
        }
    }
    let mut exp = 0;
    if use_exp {
        exp = decpt - 1;
        decpt = 1;
    }
    let vdigits_start = if decpt <= 0 { decpt - 1 } else { 0 };
    if !use_exp && flags.add_dot_0 {
        vdigits_end = vdigits_end.max(decpt + 1);
    } else {
        vdigits_end = vdigits_end.max(decpt);
    }

    let zeros = |out: &mut String, n: i64| {
        for _ in 0..n.max(0) {
            out.push('0');
        }
    };
    let digit_str = |from: i64, to: i64| -> String {
        let from = from.clamp(0, digits_len) as usize;
        let to = to.clamp(0, digits_len) as usize;
        digits
            .get(from..to)
            .map(|d| String::from_utf8_lossy(d).into_owned())
            .unwrap_or_default()
    };

    let mut out = String::new();
    if sign {
        out.push('-');
    }
    if decpt <= 0 {
        zeros(&mut out, decpt - vdigits_start);
        out.push('.');
        zeros(&mut out, -decpt);
    } else {
        zeros(&mut out, -vdigits_start);
    }
    if 0 < decpt && decpt <= digits_len {
        out.push_str(&digit_str(0, decpt));
        out.push('.');
        out.push_str(&digit_str(decpt, digits_len));
    } else {
        out.push_str(&digit_str(0, digits_len));
    }
    if digits_len < decpt {
        zeros(&mut out, decpt - digits_len);
        out.push('.');
        zeros(&mut out, vdigits_end - decpt);
    } else {
        zeros(&mut out, vdigits_end - digits_len);
    }
    if out.ends_with('.') && !flags.alt {
        out.pop();
    }
    if use_exp {
        out.push(if upper { 'E' } else { 'e' });
        let sign = if exp < 0 { '-' } else { '+' };
        out.push_str(&format!("{sign}{:02}", exp.unsigned_abs()));
    }
    out
}

/// `repr(x)` / `str(x)` of a Python float.
pub(crate) fn float_repr(x: f64) -> String {
    double_to_string(
        x,
        'r',
        0,
        Flags {
            add_dot_0: true,
            ..Flags::default()
        },
    )
}

/// Python's `round(x, ndigits)` for a float (`double_round` in Objects/floatobject.c).
pub(crate) fn round_float(x: f64, ndigits: i64) -> Result<f64, String> {
    const NDIGITS_MAX: i64 = 323;
    const NDIGITS_MIN: i64 = -308;
    if !x.is_finite() || ndigits > NDIGITS_MAX {
        return Ok(x);
    }
    if ndigits < NDIGITS_MIN {
        return Ok(0.0 * x);
    }
    let (digits, decpt) = dtoa(x, Mode::Fixed(ndigits));
    let sign = if x.is_sign_negative() { "-" } else { "" };
    let text = format!(
        "{sign}0{}e{}",
        String::from_utf8_lossy(&digits),
        decpt - digits.len() as i64
    );
    let rounded: f64 = text
        .parse()
        .map_err(|_| "internal error while rounding".to_string())?;
    if rounded.is_infinite() {
        return Err("OverflowError: rounded value too large to represent".to_string());
    }
    Ok(rounded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repr_matches_python() {
        let cases = [
            (1.2000000000000002, "1.2000000000000002"),
            (2.5, "2.5"),
            (5.0, "5.0"),
            (1e16, "1e+16"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1e15, "1000000000000000.0"),
            (-0.0, "-0.0"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
            (5e-324, "5e-324"),
            (0.1 + 0.2, "0.30000000000000004"),
            (12345678901234567.0, "1.2345678901234568e+16"),
            // 31426175242860.8125 exactly: a tie between ...812 and ...813.
            (64_360_806_897_378_944.0 / 2048.0, "31426175242860.812"),
        ];
        for (x, want) in cases {
            assert_eq!(float_repr(x), want, "repr({x:?})");
        }
    }

    #[test]
    fn fixed_and_general() {
        let f = Flags::default();
        assert_eq!(double_to_string(0.125, 'f', 2, f), "0.12");
        assert_eq!(double_to_string(0.375, 'f', 2, f), "0.38");
        assert_eq!(double_to_string(2.5, 'f', 0, f), "2");
        assert_eq!(double_to_string(0.5, 'f', 0, f), "0");
        assert_eq!(double_to_string(0.001, 'f', 1, f), "0.0");
        assert_eq!(double_to_string(-0.001, 'f', 1, f), "-0.0");
        assert_eq!(double_to_string(2.5, 'e', 6, f), "2.500000e+00");
        assert_eq!(double_to_string(123456789.0, 'g', 6, f), "1.23457e+08");
        assert_eq!(double_to_string(1e-5, 'g', 6, f), "1e-05");
        assert_eq!(double_to_string(9.99, 'g', 2, f), "10");
        let dot0 = Flags {
            add_dot_0: true,
            ..f
        };
        assert_eq!(double_to_string(1234.5, 'g', 2, dot0), "1.2e+03");
        assert_eq!(double_to_string(100.0, 'g', 3, dot0), "1e+02");
        assert_eq!(double_to_string(1.0, 'g', 1, dot0), "1e+00");
    }

    #[test]
    fn rounding() {
        assert_eq!(round_float(2.675, 2), Ok(2.67));
        assert_eq!(round_float(1234.5, -2), Ok(1200.0));
        assert_eq!(round_float(2.5, 0), Ok(2.0));
        assert!(round_float(-0.4, 0).is_ok_and(|x| x == 0.0 && x.is_sign_negative()));
        assert!(round_float(1.7e308, -308).is_err());
    }
}
