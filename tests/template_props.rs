//! Property tests: `render` never panics, whatever the template, and its errors always have a
//! position inside the template.

use proptest::prelude::*;
use rcluster::template::{Context, Value, render};

fn context() -> Context {
    let mut ctx = Context::new();
    ctx.insert("n".into(), Value::Int(10));
    ctx.insert("big".into(), Value::Int(i64::MAX));
    ctx.insert("x".into(), Value::Float(2.5));
    ctx.insert("s".into(), Value::from("Hello, World"));
    ctx.insert("u".into(), Value::from("héllo ☃"));
    ctx.insert("t".into(), Value::Bool(true));
    ctx.insert("none".into(), Value::None);
    ctx.insert(
        "l".into(),
        Value::List(vec![Value::Int(1), Value::from("a"), Value::Float(-0.0)]),
    );
    ctx
}

/// Checks one template: no panic (proptest reports panics as failures), and an error points
/// at a line and column that exist.
fn check(template: &str) -> Result<(), TestCaseError> {
    match render(template, &context()) {
        Ok(_) => Ok(()),
        Err(err) => {
            let lines = template.split('\n').count();
            prop_assert!(err.line >= 1 && err.line <= lines, "{err} for {template:?}");
            let width = template
                .split('\n')
                .nth(err.line - 1)
                .map_or(0, |l| l.chars().count());
            prop_assert!(
                err.column >= 1 && err.column <= width + 1,
                "{err} for {template:?}"
            );
            prop_assert!(!err.message.is_empty());
            Ok(())
        }
    }
}

/// Pieces of expressions: valid tokens, odd tokens, and characters that matter to the format
/// parser.
const TOKENS: &[&str] = &[
    "n",
    "x",
    "s",
    "u",
    "t",
    "l",
    "big",
    "none",
    "undefined",
    "0",
    "1",
    "-1",
    "2",
    "10",
    "255",
    "9223372036854775807",
    "1e308",
    "0.5",
    "1.5",
    "1e-5",
    "0x1f",
    "0o7",
    "0b1",
    "1_000",
    "'a'",
    "\"b\"",
    "''",
    "'\\n'",
    "'\\x41'",
    "r'\\d'",
    "'''t'''",
    "'{'",
    "'}'",
    "True",
    "False",
    "None",
    "+",
    "-",
    "*",
    "/",
    "//",
    "%",
    "**",
    "<",
    "<=",
    ">",
    ">=",
    "==",
    "!=",
    "not",
    "and",
    "or",
    "if",
    "else",
    "in",
    "is",
    "lambda",
    "for",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "::",
    ".",
    "!",
    "!r",
    "!s",
    "!a",
    "=",
    "~",
    "|",
    "&",
    "^",
    "@",
    ";",
    "#",
    "\\",
    "\n",
    " ",
    "\t",
    "int",
    "float",
    "str",
    "abs",
    "min",
    "max",
    "round",
    "len",
    "repr",
    "bool",
    "format",
    "slice",
    "upper()",
    "lower()",
    "strip()",
    "split()",
    "replace('l', 'L')",
    "startswith('H')",
    "endswith('d')",
    "join(l)",
    "zfill(5)",
    "__class__",
    "__import__",
    "open",
    "é",
    "☃",
    "$",
    ":>10",
    ":04d",
    ":.2f",
    ":,",
    ":{n}",
    ":%",
    ":e",
    ":g",
    ":x",
    ":c",
    "'a' * 99999999",
    "2 ** 70",
    "l * 9999999",
];

fn expression() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..24).prop_map(|tokens| tokens.concat())
}

/// Characters that stress the format-string parser.
fn template_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::sample::select(vec!['{', '}', '[', ']', '!', ':', '\'', '"', '\\', '\n', ' ', 'n', 'x', '0', '5', '.', '=', '<', '>', '^', '#', ',', '_', 'r', 's', 'd', 'f', '%']),
        1 => any::<char>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_never_panic(template in any::<String>()) {
        check(&template)?;
    }

    #[test]
    fn brace_heavy_strings_never_panic(chars in prop::collection::vec(template_char(), 0..80)) {
        let template: String = chars.into_iter().collect();
        check(&template)?;
    }

    #[test]
    fn fields_from_token_grammar_never_panic(
        before in "[a-z ${}\n]{0,6}",
        expr in expression(),
        after in "[a-z ${}\n]{0,6}",
    ) {
        check(&format!("{before}{{{expr}}}{after}"))?;
    }

    #[test]
    fn several_fields_never_panic(exprs in prop::collection::vec(expression(), 1..5)) {
        let template: String = exprs.iter().map(|e| format!("#SBATCH --x={{{e}}}\n")).collect();
        check(&template)?;
    }

    #[test]
    fn rendering_is_deterministic(expr in expression()) {
        let template = format!("{{{expr}}}");
        prop_assert_eq!(render(&template, &context()), render(&template, &context()));
    }
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let ctx = context();
    for depth in [63, 64, 65, 100, 1000, 100_000] {
        for (open, close) in [("(", ")"), ("[", "]"), ("-", ""), ("not ", ""), ("2**", "")] {
            let template = format!("{{{}1{}}}", open.repeat(depth), close.repeat(depth));
            let _ = render(&template, &ctx);
        }
    }
    let chain = format!("{{{}}}", vec!["n"; 100_000].join("+"));
    assert!(render(&chain, &ctx).is_err());
    let ifs = format!("{{{}1}}", "1 if 1 else ".repeat(10_000));
    assert!(render(&ifs, &ctx).is_err());
    let methods = format!("{{s{}}}", ".upper()".repeat(10_000));
    assert!(render(&methods, &ctx).is_err());
    let specs = format!("{{n:{}}}", "{n:".repeat(10_000));
    assert!(render(&specs, &ctx).is_err());
}
