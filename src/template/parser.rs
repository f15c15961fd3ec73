//! The expression grammar of a format field: Python's expression grammar, restricted to what
//! rcluster evaluates. Everything else (lambdas, tuples, dicts, comprehensions, bitwise
//! operators, starred arguments, ...) is a syntax error that says what is not supported.

use super::Value;
use super::lexer::{SyntaxError, Tok, Token};

/// Brackets, unary operators and conditional expressions nested deeper than this are an error.
pub(crate) const MAX_NESTING: usize = 64;
/// Syntax trees deeper than this (e.g. `1+1+...+1` with this many `+`) are an error.
pub(crate) const MAX_TREE_DEPTH: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Mod,
    Pow,
}

impl BinOp {
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::FloorDiv => "//",
            BinOp::Mod => "%",
            BinOp::Pow => "** or pow()",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    In,
    NotIn,
    Is,
    IsNot,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum UnaryOp {
    Neg,
    Pos,
}

/// A node of the syntax tree, with the byte offset (in the field text) where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub kind: Kind,
    pub pos: usize,
    depth: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Const(Value),
    Name(String),
    List(Vec<Node>),
    Unary(UnaryOp, Box<Node>),
    Not(Box<Node>),
    Binary(BinOp, Box<Node>, Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Compare(Box<Node>, Vec<(CmpOp, Node)>),
    /// `body if test else orelse`
    IfElse {
        body: Box<Node>,
        test: Box<Node>,
        orelse: Box<Node>,
    },
    Call {
        func: Box<Node>,
        args: Vec<Node>,
        kwargs: Vec<(String, Node)>,
    },
    Attribute(Box<Node>, String),
    Index(Box<Node>, Box<Node>),
    Slice {
        target: Box<Node>,
        lower: Option<Box<Node>>,
        upper: Option<Box<Node>>,
        step: Option<Box<Node>>,
    },
}

/// Parsed call arguments: positional, then keyword.
type CallArguments = (Vec<Node>, Vec<(String, Node)>);

const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// Parses a whole field expression (an `eval` input).
pub(crate) fn parse(tokens: &[Token], src_len: usize) -> Result<Node, SyntaxError> {
    let mut parser = Parser {
        tokens,
        at: 0,
        nesting: 0,
        src_len,
    };
    if matches!(parser.peek(), Tok::End | Tok::Newline) {
        return Err(SyntaxError {
            pos: parser.pos(),
            message: "empty expression".into(),
        });
    }
    let node = parser.test()?;
    if parser.peek() == &Tok::Op(",") {
        return parser.fail("tuples are not supported");
    }
    while parser.peek() == &Tok::Newline {
        parser.at += 1;
    }
    if parser.peek() != &Tok::End {
        return parser.unexpected();
    }
    Ok(node)
}

struct Parser<'a> {
    tokens: &'a [Token],
    at: usize,
    nesting: usize,
    src_len: usize,
}

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Name(n) => format!("`{n}`"),
        Tok::Int(i) => format!("number `{i}`"),
        Tok::Float(_) => "a number".to_string(),
        Tok::Str(_) => "a string".to_string(),
        Tok::Op(op) => format!("`{op}`"),
        Tok::Newline => "a line break (wrap multi-line expressions in parentheses)".to_string(),
        Tok::End => "the end of the field".to_string(),
    }
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        self.tokens.get(self.at).map_or(&Tok::End, |t| &t.tok)
    }

    fn peek_at(&self, n: usize) -> &Tok {
        self.tokens.get(self.at + n).map_or(&Tok::End, |t| &t.tok)
    }

    fn pos(&self) -> usize {
        self.tokens.get(self.at).map_or(self.src_len, |t| t.pos)
    }

    fn next(&mut self) -> Tok {
        let tok = self.peek().clone();
        if self.at < self.tokens.len() {
            self.at += 1;
        }
        tok
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(self.peek(), Tok::Op(o) if *o == op)
    }

    fn is_name(&self, name: &str) -> bool {
        matches!(self.peek(), Tok::Name(n) if n == name)
    }

    fn eat_op(&mut self, op: &str) -> bool {
        if self.is_op(op) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn eat_name(&mut self, name: &str) -> bool {
        if self.is_name(name) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn fail<T>(&self, message: impl Into<String>) -> Result<T, SyntaxError> {
        Err(SyntaxError {
            pos: self.pos(),
            message: message.into(),
        })
    }

    fn unexpected<T>(&self) -> Result<T, SyntaxError> {
        self.fail(format!("unexpected {}", describe(self.peek())))
    }

    fn expect_op(&mut self, op: &str) -> Result<(), SyntaxError> {
        if self.eat_op(op) {
            Ok(())
        } else {
            self.fail(format!("expected `{op}`, found {}", describe(self.peek())))
        }
    }

    fn enter(&mut self) -> Result<(), SyntaxError> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return self.fail(format!(
                "expression nested too deeply (more than {MAX_NESTING} levels)"
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.nesting = self.nesting.saturating_sub(1);
    }

    fn node(&self, kind: Kind, pos: usize) -> Result<Node, SyntaxError> {
        let child_depth = match &kind {
            Kind::Const(_) | Kind::Name(_) => 0,
            Kind::List(items) => items.iter().map(|n| n.depth).max().unwrap_or(0),
            Kind::Unary(_, a) | Kind::Not(a) | Kind::Attribute(a, _) => a.depth,
            Kind::Binary(_, a, b) | Kind::And(a, b) | Kind::Or(a, b) | Kind::Index(a, b) => {
                a.depth.max(b.depth)
            }
            Kind::Compare(a, rest) => rest.iter().map(|(_, n)| n.depth).fold(a.depth, usize::max),
            Kind::IfElse { body, test, orelse } => body.depth.max(test.depth).max(orelse.depth),
            Kind::Call { func, args, kwargs } => args
                .iter()
                .chain(kwargs.iter().map(|(_, n)| n))
                .map(|n| n.depth)
                .fold(func.depth, usize::max),
            Kind::Slice {
                target,
                lower,
                upper,
                step,
            } => [lower, upper, step]
                .iter()
                .filter_map(|n| n.as_ref().map(|n| n.depth))
                .fold(target.depth, usize::max),
        };
        let depth = child_depth + 1;
        if depth > MAX_TREE_DEPTH {
            return Err(SyntaxError {
                pos,
                message: format!(
                    "expression too long or too deep (more than {MAX_TREE_DEPTH} levels)"
                ),
            });
        }
        Ok(Node { kind, pos, depth })
    }

    /// `test: or_test ['if' or_test 'else' test] | lambdef`
    fn test(&mut self) -> Result<Node, SyntaxError> {
        self.enter()?;
        let result = self.test_inner();
        self.leave();
        result
    }

    fn test_inner(&mut self) -> Result<Node, SyntaxError> {
        if self.is_name("lambda") {
            return self.fail("`lambda` is not supported");
        }
        let pos = self.pos();
        let body = self.or_test()?;
        if !self.eat_name("if") {
            if self.is_op(":=") {
                return self.fail("assignment expressions (`:=`) are not supported");
            }
            return Ok(body);
        }
        let test = self.or_test()?;
        if !self.eat_name("else") {
            return self.fail("expected `else` after `if` expression");
        }
        let orelse = self.test()?;
        self.node(
            Kind::IfElse {
                body: Box::new(body),
                test: Box::new(test),
                orelse: Box::new(orelse),
            },
            pos,
        )
    }

    fn or_test(&mut self) -> Result<Node, SyntaxError> {
        let pos = self.pos();
        let mut left = self.and_test()?;
        while self.eat_name("or") {
            let right = self.and_test()?;
            left = self.node(Kind::Or(Box::new(left), Box::new(right)), pos)?;
        }
        Ok(left)
    }

    fn and_test(&mut self) -> Result<Node, SyntaxError> {
        let pos = self.pos();
        let mut left = self.not_test()?;
        while self.eat_name("and") {
            let right = self.not_test()?;
            left = self.node(Kind::And(Box::new(left), Box::new(right)), pos)?;
        }
        Ok(left)
    }

    fn not_test(&mut self) -> Result<Node, SyntaxError> {
        let pos = self.pos();
        if self.eat_name("not") {
            self.enter()?;
            let operand = self.not_test();
            self.leave();
            return self.node(Kind::Not(Box::new(operand?)), pos);
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Node, SyntaxError> {
        let pos = self.pos();
        let first = self.arith()?;
        let mut rest = Vec::new();
        loop {
            let op = match self.peek() {
                Tok::Op("<") => CmpOp::Lt,
                Tok::Op("<=") => CmpOp::Le,
                Tok::Op(">") => CmpOp::Gt,
                Tok::Op(">=") => CmpOp::Ge,
                Tok::Op("==") => CmpOp::Eq,
                Tok::Op("!=") => CmpOp::Ne,
                Tok::Name(n) if n == "in" => CmpOp::In,
                Tok::Name(n) if n == "not" && self.peek_at(1) == &Tok::Name("in".into()) => {
                    self.at += 1;
                    CmpOp::NotIn
                }
                Tok::Name(n) if n == "is" => {
                    if self.peek_at(1) == &Tok::Name("not".into()) {
                        self.at += 1;
                        CmpOp::IsNot
                    } else {
                        CmpOp::Is
                    }
                }
                _ => break,
            };
            self.at += 1;
            rest.push((op, self.arith()?));
        }
        if rest.is_empty() {
            Ok(first)
        } else {
            self.node(Kind::Compare(Box::new(first), rest), pos)
        }
    }

    fn reject_bitwise(&self) -> Result<(), SyntaxError> {
        if let Tok::Op(op @ ("|" | "&" | "^" | "<<" | ">>" | "@" | "~")) = self.peek() {
            return self.fail(format!("the operator `{op}` is not supported"));
        }
        Ok(())
    }

    fn arith(&mut self) -> Result<Node, SyntaxError> {
        let pos = self.pos();
        let mut left = self.term()?;
        loop {
            let op = match self.peek() {
                Tok::Op("+") => BinOp::Add,
                Tok::Op("-") => BinOp::Sub,
                _ => break,
            };
            self.at += 1;
            let right = self.term()?;
            left = self.node(Kind::Binary(op, Box::new(left), Box::new(right)), pos)?;
        }
        self.reject_bitwise()?;
        Ok(left)
    }

    fn term(&mut self) -> Result<Node, SyntaxError> {
        let pos = self.pos();
        let mut left = self.factor()?;
        loop {
            let op = match self.peek() {
                Tok::Op("*") => BinOp::Mul,
                Tok::Op("/") => BinOp::Div,
                Tok::Op("//") => BinOp::FloorDiv,
                Tok::Op("%") => BinOp::Mod,
                _ => break,
            };
            self.at += 1;
            let right = self.factor()?;
            left = self.node(Kind::Binary(op, Box::new(left), Box::new(right)), pos)?;
        }
        self.reject_bitwise()?;
        Ok(left)
    }

    /// `factor: ('+'|'-') factor | power`
    fn factor(&mut self) -> Result<Node, SyntaxError> {
        let pos = self.pos();
        let op = match self.peek() {
            Tok::Op("-") => UnaryOp::Neg,
            Tok::Op("+") => UnaryOp::Pos,
            Tok::Op("~") => return self.fail("the operator `~` is not supported"),
            _ => return self.power(),
        };
        self.at += 1;
        self.enter()?;
        let operand = self.factor();
        self.leave();
        self.node(Kind::Unary(op, Box::new(operand?)), pos)
    }

    /// `power: atom_expr ['**' factor]`
    fn power(&mut self) -> Result<Node, SyntaxError> {
        let pos = self.pos();
        let base = self.atom_expr()?;
        if !self.eat_op("**") {
            return Ok(base);
        }
        self.enter()?;
        let exponent = self.factor();
        self.leave();
        self.node(
            Kind::Binary(BinOp::Pow, Box::new(base), Box::new(exponent?)),
            pos,
        )
    }

    fn atom_expr(&mut self) -> Result<Node, SyntaxError> {
        let pos = self.pos();
        let mut node = self.atom()?;
        loop {
            if self.eat_op("(") {
                let (args, kwargs) = self.arguments()?;
                node = self.node(
                    Kind::Call {
                        func: Box::new(node),
                        args,
                        kwargs,
                    },
                    pos,
                )?;
            } else if self.eat_op("[") {
                node = self.subscript(node, pos)?;
            } else if self.eat_op(".") {
                match self.next() {
                    Tok::Name(name) if !KEYWORDS.contains(&name.as_str()) => {
                        node = self.node(Kind::Attribute(Box::new(node), name), pos)?;
                    }
                    _ => {
                        self.at = self.at.saturating_sub(1);
                        return self.fail("expected a name after `.`");
                    }
                }
            } else {
                return Ok(node);
            }
        }
    }

    /// After `(`: call arguments up to and including `)`.
    fn arguments(&mut self) -> Result<CallArguments, SyntaxError> {
        let mut args = Vec::new();
        let mut kwargs: Vec<(String, Node)> = Vec::new();
        loop {
            if self.eat_op(")") {
                return Ok((args, kwargs));
            }
            if self.is_op("*") || self.is_op("**") {
                return self.fail("`*` and `**` arguments are not supported");
            }
            let keyword = match (self.peek(), self.peek_at(1)) {
                (Tok::Name(name), Tok::Op("=")) if !KEYWORDS.contains(&name.as_str()) => {
                    Some(name.clone())
                }
                _ => None,
            };
            if let Some(name) = keyword {
                self.at += 2;
                if kwargs.iter().any(|(k, _)| *k == name) {
                    return self.fail(format!("keyword argument repeated: `{name}`"));
                }
                let value = self.test()?;
                kwargs.push((name, value));
            } else {
                if !kwargs.is_empty() {
                    return self.fail("positional argument follows keyword argument");
                }
                args.push(self.test()?);
                if self.is_name("for") {
                    return self.fail("generator expressions are not supported");
                }
            }
            if !self.eat_op(",") {
                self.expect_op(")")?;
                return Ok((args, kwargs));
            }
        }
    }

    /// After `[`: an index or a slice, up to and including `]`.
    fn subscript(&mut self, target: Node, pos: usize) -> Result<Node, SyntaxError> {
        let mut lower = None;
        if !self.is_op(":") {
            let index = self.test()?;
            if self.eat_op("]") {
                return self.node(Kind::Index(Box::new(target), Box::new(index)), pos);
            }
            if self.is_op(",") {
                return self.fail("tuple indices are not supported");
            }
            lower = Some(Box::new(index));
        }
        self.expect_op(":")?;
        let mut upper = None;
        let mut step = None;
        if !self.is_op("]") && !self.is_op(":") {
            upper = Some(Box::new(self.test()?));
        }
        if self.eat_op(":") && !self.is_op("]") {
            step = Some(Box::new(self.test()?));
        }
        if self.is_op(",") {
            return self.fail("tuple indices are not supported");
        }
        self.expect_op("]")?;
        self.node(
            Kind::Slice {
                target: Box::new(target),
                lower,
                upper,
                step,
            },
            pos,
        )
    }

    fn atom(&mut self) -> Result<Node, SyntaxError> {
        let pos = self.pos();
        match self.next() {
            Tok::Int(i) => self.node(Kind::Const(Value::Int(i)), pos),
            Tok::Float(f) => self.node(Kind::Const(Value::Float(f)), pos),
            Tok::Str(mut s) => {
                // Adjacent string literals are one string.
                while let Tok::Str(more) = self.peek() {
                    if s.len().saturating_add(more.len()) > super::value::MAX_SIZE {
                        return self.fail("string literal too long");
                    }
                    s.push_str(more);
                    self.at += 1;
                }
                self.node(Kind::Const(Value::Str(s)), pos)
            }
            Tok::Name(name) => match name.as_str() {
                "True" => self.node(Kind::Const(Value::Bool(true)), pos),
                "False" => self.node(Kind::Const(Value::Bool(false)), pos),
                "None" => self.node(Kind::Const(Value::None), pos),
                "lambda" => self.fail_at(pos, "`lambda` is not supported"),
                "await" | "yield" => self.fail_at(pos, format!("`{name}` is not supported")),
                kw if KEYWORDS.contains(&kw) => self.fail_at(pos, format!("unexpected `{kw}`")),
                _ => self.node(Kind::Name(name), pos),
            },
            Tok::Op("(") => {
                if self.is_op(")") {
                    return self.fail("tuples are not supported");
                }
                let inner = self.test()?;
                if self.is_op(",") {
                    return self.fail("tuples are not supported");
                }
                if self.is_name("for") {
                    return self.fail("generator expressions are not supported");
                }
                self.expect_op(")")?;
                Ok(inner)
            }
            Tok::Op("[") => {
                let mut items = Vec::new();
                loop {
                    if self.eat_op("]") {
                        break;
                    }
                    if self.is_op("*") {
                        return self.fail("`*` unpacking is not supported");
                    }
                    items.push(self.test()?);
                    if self.is_name("for") {
                        return self.fail("list comprehensions are not supported");
                    }
                    if !self.eat_op(",") {
                        self.expect_op("]")?;
                        break;
                    }
                }
                self.node(Kind::List(items), pos)
            }
            Tok::Op("{") => self.fail_at(pos, "dict and set literals are not supported"),
            Tok::Op("...") => self.fail_at(pos, "`...` is not supported"),
            Tok::Op("~") => self.fail_at(pos, "the operator `~` is not supported"),
            other => {
                let message = format!("expected an expression, found {}", describe(&other));
                self.fail_at(pos, message)
            }
        }
    }

    fn fail_at<T>(&self, pos: usize, message: impl Into<String>) -> Result<T, SyntaxError> {
        Err(SyntaxError {
            pos,
            message: message.into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::lexer::tokenize;
    use super::*;

    fn parse_str(src: &str) -> Result<Node, SyntaxError> {
        let tokens = tokenize(src)?;
        parse(&tokens, src.len())
    }

    #[test]
    fn precedence() {
        let node = parse_str("-2**2").ok();
        assert!(matches!(
            node.map(|n| n.kind),
            Some(Kind::Unary(UnaryOp::Neg, _))
        ));
        assert!(parse_str("1 if 2 else 3 if 4 else 5").is_ok());
        assert!(parse_str("a[1:2:3]").is_ok());
        assert!(parse_str("a[::]").is_ok());
        assert!(parse_str("f(1, x=2,)").is_ok());
    }

    #[test]
    fn rejects() {
        for src in [
            "lambda: 1",
            "(1, 2)",
            "1, 2",
            "[x for x in y]",
            "n | 1",
            "~n",
            "n if n",
            "",
            "n\nm",
            "f(x=1, 2)",
            "a.if",
        ] {
            assert!(parse_str(src).is_err(), "{src:?} should fail");
        }
    }

    #[test]
    fn depth_limits() {
        let deep = format!("{}1{}", "(".repeat(100), ")".repeat(100));
        assert!(parse_str(&deep).is_err());
        let long = vec!["1"; 1000].join("+");
        assert!(parse_str(&long).is_err());
        let unary = format!("{}1", "-".repeat(1000));
        assert!(parse_str(&unary).is_err());
        let ok = format!("{}1{}", "(".repeat(30), ")".repeat(30));
        assert!(parse_str(&ok).is_ok());
    }
}
