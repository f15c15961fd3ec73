//! Unit tests of `render`: results and every kind of error message. The byte-for-byte comparison
//! with Python's `EvalFormatter` lives in tests/template_differential.rs.

use super::*;

fn ctx() -> Context {
    let mut c = Context::new();
    c.insert("n".into(), Value::Int(10));
    c.insert("queue".into(), Value::from("gpu"));
    c.insert("cluster_id".into(), Value::from("abc"));
    c.insert(
        "profile_dir".into(),
        Value::from("/home/u/.ipython/profile_x"),
    );
    c.insert("x".into(), Value::Float(2.5));
    c.insert("names".into(), Value::List(vec!["a".into(), "b".into()]));
    c
}

fn ok(template: &str) -> String {
    match render(template, &ctx()) {
        Ok(s) => s,
        Err(e) => panic!("{template:?} failed: {e}"),
    }
}

fn err(template: &str) -> TemplateError {
    match render(template, &ctx()) {
        Ok(s) => panic!("{template:?} rendered {s:?}, expected an error"),
        Err(e) => e,
    }
}

#[test]
fn interop_examples() {
    assert_eq!(ok("{n//5 + 1}"), "3");
    assert_eq!(ok("{n/4}"), "2.5");
    assert_eq!(ok("{n/2}"), "5.0");
    assert_eq!(ok("{n*2:04d}"), "0020");
    assert_eq!(ok("{int(n/3)}"), "3");
    assert_eq!(ok("{max(n,16)}"), "16");
    assert_eq!(ok("{queue!r}"), "'gpu'");
    assert_eq!(ok("{cluster_id.upper()}"), "ABC");
    assert_eq!(ok("{profile_dir[0:5]}"), "/home");
    assert_eq!(ok("{profile_dir[slice(0,5)]}"), "/home");
    assert_eq!(ok("{[1,2,3][n%3]}"), "2");
    assert_eq!(ok("{'x' if n > 5 else 'y'}"), "x");
    assert_eq!(ok("{n >= 5}"), "True");
    assert_eq!(ok("{ n }"), "10");
    assert_eq!(ok("{n:>5}"), "   10");
    assert_eq!(ok("{0}"), "0");
    assert_eq!(ok("${{SLURM_JOB_ID}}"), "${SLURM_JOB_ID}");
}

#[test]
fn misc() {
    assert_eq!(ok("{}{}"), "01");
    assert_eq!(ok("{n:{n}}"), "        10");
    assert_eq!(ok("{x:{n}.{n}}"), "       2.5");
    assert_eq!(ok("{names}"), "['a', 'b']");
    assert_eq!(ok("{'it\\'s'!r}"), "\"it's\"");
    assert_eq!(ok("{1 < n < 50}"), "True");
    assert_eq!(ok("{[n != 5][0]}"), "True");
    assert_eq!(ok("{not n == 5}"), "True");
    assert_eq!(ok("{'a' * 3}"), "aaa");
    assert_eq!(ok("{2**-1}"), "0.5");
    assert_eq!(ok("{round(2.5)} {round(3.5)}"), "2 4");
    assert_eq!(ok("{int('12') + 1}"), "13");
    assert_eq!(ok("{str(1e16)}"), "1e+16");
}

#[test]
fn unknown_variable_names_position_variable_and_the_variables() {
    let e = err("#!/bin/sh\n#SBATCH --x={n}\n  srun {nodes + 1}\n");
    assert_eq!((e.line, e.column), (3, 8));
    assert!(
        e.message.contains("unknown variable `nodes`"),
        "{}",
        e.message
    );
    assert!(
        e.message
            .contains("cluster_id, n, names, profile_dir, queue, x"),
        "{}",
        e.message
    );
    assert_eq!(e.to_string(), format!("line 3, column 8: {}", e.message));
}

#[test]
fn unknown_variable_after_dollar_suggests_doubling_braces() {
    let e = err("echo ${HOME}");
    assert_eq!((e.line, e.column), (1, 7));
    assert!(e.message.contains("unknown variable `HOME`"));
    assert!(e.message.contains("`${{HOME}}`"), "{}", e.message);
}

#[test]
fn syntax_error_points_at_the_column() {
    let e = err("ab\ncd {n + * 2}");
    assert_eq!((e.line, e.column), (2, 9));
    assert!(
        e.message.starts_with("syntax error in `{n + * 2}`"),
        "{}",
        e.message
    );
    let e = err("{n +}");
    assert_eq!((e.line, e.column), (1, 5));
    let e = err("{'abc}");
    assert_eq!((e.line, e.column), (1, 2));
    assert!(e.message.contains("unterminated string"), "{}", e.message);
}

#[test]
fn not_equal_explains_itself() {
    let e = err("x {n != 5}");
    assert_eq!((e.line, e.column), (1, 3));
    assert!(e.message.contains("`!=` cannot appear in a format field"));
    assert!(e.message.contains("not a == b"));
    assert!(
        e.message
            .contains("expected ':' after conversion specifier")
    );
}

#[test]
fn lone_braces() {
    let e = err("a\nb } c");
    assert_eq!((e.line, e.column), (2, 3));
    assert!(e.message.contains("single `}`"));
    assert!(
        e.message
            .contains("Single '}' encountered in format string")
    );
    let e = err("abc {");
    assert_eq!((e.line, e.column), (1, 5));
    assert!(e.message.contains("single `{`"));
    let e = err("abc {n");
    assert!(e.message.contains("never closed"));
}

#[test]
fn nested_brace_in_field() {
    let e = err("{ {'a':1}['a'] }");
    assert_eq!((e.line, e.column), (1, 3));
    assert!(e.message.contains("unexpected `{`"));
}

#[test]
fn evaluation_errors_are_clear() {
    let cases = [
        ("{'a' + 1}", "can only concatenate str (not \"int\") to str"),
        ("{n / 0}", "division by zero"),
        ("{n // 0}", "integer division or modulo by zero"),
        ("{names[5]}", "list index out of range"),
        ("{__import__('os')}", "not supported"),
        ("{n.__class__}", "not accessible"),
        ("{open('/etc/passwd')}", "not supported"),
        ("{queue.format(1)}", "not supported"),
        ("{9223372036854775807 + 1}", "integer overflow"),
        ("{2 ** 64}", "integer overflow"),
        ("{len}", "builtin function"),
        ("{n()}", "not callable"),
        ("{None:>5}", "unsupported format string"),
        ("{n:.2}", "Precision not allowed"),
        ("{'a' * 100000000}", "limit"),
        ("{n!x}", "unknown conversion `!x`"),
    ];
    for (template, needle) in cases {
        let e = err(template);
        assert!(
            e.message.contains(needle),
            "{template}: {:?} does not mention {needle:?}",
            e.message
        );
        assert_eq!((e.line, e.column), (1, 1), "{template}");
    }
}

#[test]
fn numbering_and_spec_nesting_errors() {
    let e = err("{}{0}");
    assert_eq!((e.line, e.column), (1, 3));
    assert!(e.message.contains("cannot switch"), "{}", e.message);
    let e = err("{n:{n:{n}}}");
    assert!(e.message.contains("nested too deeply"), "{}", e.message);
}

#[test]
fn syntax_errors_say_what_is_unsupported() {
    let cases = [
        ("{lambda: 1}", "`lambda` is not supported"),
        ("{(1, 2)}", "tuples are not supported"),
        ("{n | 1}", "operator `|` is not supported"),
        ("{[x for x in names]}", "comprehensions are not supported"),
        ("{f'{n}'}", "unexpected `{`"),
        ("{b'x'}", "bytes literals"),
        ("{1j}", "complex numbers"),
        ("{010}", "leading zeros"),
        ("{n\n+1}", "unexpected"),
        ("{\n n}", "unexpected indent"),
    ];
    for (template, needle) in cases {
        let e = err(template);
        assert!(
            e.message.contains(needle),
            "{template}: {:?} does not mention {needle:?}",
            e.message
        );
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("{{{}n{}}}", "(".repeat(10_000), ")".repeat(10_000));
    assert!(render(&deep, &ctx()).is_err());
    let long = format!("{{{}}}", vec!["n"; 5000].join("+"));
    assert!(render(&long, &ctx()).is_err());
    let nots = format!("{{{}n}}", "not ".repeat(5000));
    assert!(render(&nots, &ctx()).is_err());
    let ok_depth = format!("{{{}n{}}}", "(".repeat(40), ")".repeat(40));
    assert_eq!(render(&ok_depth, &ctx()), Ok("10".to_string()));
}

#[test]
fn values_from_toml() {
    let table: toml::Table = toml::from_str(
        "s = 'x'\ni = 3\nf = 1.5\nb = true\na = [1, 'two', [3.0]]\nt = { k = 1 }\nd = 1979-05-27",
    )
    .unwrap_or_default();
    let get = |k: &str| table.get(k).and_then(Value::from_toml);
    assert_eq!(get("s"), Some(Value::from("x")));
    assert_eq!(get("i"), Some(Value::Int(3)));
    assert_eq!(get("f"), Some(Value::Float(1.5)));
    assert_eq!(get("b"), Some(Value::Bool(true)));
    assert_eq!(
        get("a"),
        Some(Value::List(vec![
            Value::Int(1),
            Value::from("two"),
            Value::List(vec![Value::Float(3.0)])
        ]))
    );
    assert_eq!(get("t"), None);
    assert_eq!(get("d"), None);
}

#[test]
fn from_impls() {
    assert_eq!(Value::from(3u32), Value::Int(3));
    assert_eq!(Value::from(3i64), Value::Int(3));
    assert_eq!(Value::from(true), Value::Bool(true));
    assert_eq!(Value::from(1.5), Value::Float(1.5));
    assert_eq!(Value::from(String::from("a")), Value::Str("a".into()));
}
