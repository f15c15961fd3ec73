//! Python's tokenizer, for the text of one format field (what `eval` compiles): names, numbers,
//! strings, operators, comments, line continuations and the newline rules of an `eval` input.

/// One token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Name(String),
    Int(i64),
    Float(f64),
    Str(String),
    /// An operator or a delimiter.
    Op(&'static str),
    /// The end of a logical line (only blank lines may follow).
    Newline,
    End,
}

/// A token and its byte offset in the field text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub pos: usize,
}

/// A syntax error at a byte offset of the field text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SyntaxError {
    pub pos: usize,
    pub message: String,
}

fn error<T>(pos: usize, message: impl Into<String>) -> Result<T, SyntaxError> {
    Err(SyntaxError {
        pos,
        message: message.into(),
    })
}

/// Operators, longest first so that the first match is the longest.
const OPERATORS: &[&str] = &[
    "**=", "//=", ">>=", "<<=", "...", "**", "//", "<=", ">=", "==", "!=", "<<", ">>", "->", ":=",
    "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=", "+", "-", "*", "/", "%", "<", ">", "(",
    ")", "[", "]", "{", "}", ",", ".", ":", ";", "=", "~", "|", "&", "^", "@", "!",
];

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    depth: usize,
    tokens: Vec<Token>,
    /// Whether the current logical line has produced a token.
    line_has_tokens: bool,
}

/// Splits a field's expression into tokens.
pub(crate) fn tokenize(src: &str) -> Result<Vec<Token>, SyntaxError> {
    let mut lexer = Lexer {
        src,
        pos: 0,
        depth: 0,
        tokens: Vec::new(),
        line_has_tokens: false,
    };
    lexer.run()?;
    Ok(lexer.tokens)
}

impl Lexer<'_> {
    fn rest(&self) -> &str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.rest().chars().nth(n)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn push(&mut self, tok: Tok, pos: usize) {
        self.tokens.push(Token { tok, pos });
        self.line_has_tokens = true;
    }

    /// Consumes a newline (`\n`, `\r\n` or `\r`) if there is one.
    fn eat_newline(&mut self) -> bool {
        match self.peek() {
            Some('\n') => {
                self.pos += 1;
                true
            }
            Some('\r') => {
                self.pos += 1;
                if self.peek() == Some('\n') {
                    self.pos += 1;
                }
                true
            }
            _ => false,
        }
    }

    fn skip_comment(&mut self) {
        while let Some(c) = self.peek() {
            if c == '\n' || c == '\r' {
                break;
            }
            self.bump();
        }
    }

    fn run(&mut self) -> Result<(), SyntaxError> {
        // `eval` strips leading spaces and tabs from its source.
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.pos += 1;
        }
        self.line_start()?;
        while let Some(c) = self.peek() {
            let start = self.pos;
            match c {
                ' ' | '\t' | '\x0c' => {
                    self.pos += 1;
                }
                '#' => self.skip_comment(),
                '\\' => {
                    self.pos += 1;
                    if !self.eat_newline() {
                        return error(
                            start,
                            "unexpected character after line continuation character `\\`",
                        );
                    }
                }
                '\n' | '\r' => {
                    self.eat_newline();
                    if self.depth == 0 {
                        if self.line_has_tokens {
                            self.tokens.push(Token {
                                tok: Tok::Newline,
                                pos: start,
                            });
                            self.line_has_tokens = false;
                        }
                        self.line_start()?;
                    }
                }
                '0'..='9' => self.number()?,
                '.' if self.peek_at(1).is_some_and(|d| d.is_ascii_digit()) => self.number()?,
                '\'' | '"' => self.string(start, false)?,
                c if c.is_ascii_alphabetic() || c == '_' => self.name_or_prefixed_string()?,
                c if c.is_alphabetic() => {
                    return error(
                        start,
                        format!(
                            "non-ASCII names are not supported (found `{c}`); use ASCII variable names"
                        ),
                    );
                }
                _ => self.operator()?,
            }
        }
        self.tokens.push(Token {
            tok: Tok::End,
            pos: self.src.len(),
        });
        Ok(())
    }

    /// At the start of a physical line outside brackets: blank and comment lines are skipped,
    /// and an indented line is an error (as Python's "unexpected indent").
    fn line_start(&mut self) -> Result<(), SyntaxError> {
        loop {
            let mut column = 0;
            let mut indent_pos = self.pos;
            while let Some(c) = self.peek() {
                match c {
                    ' ' | '\t' => column += 1,
                    '\x0c' => column = 0,
                    _ => break,
                }
                self.pos += 1;
                indent_pos = self.pos;
            }
            match self.peek() {
                None => return Ok(()),
                Some('#') => {
                    self.skip_comment();
                    if !self.eat_newline() {
                        return Ok(());
                    }
                }
                Some('\n' | '\r') => {
                    self.eat_newline();
                }
                Some(_) if column > 0 => {
                    return error(
                        indent_pos,
                        "unexpected indent; to continue an expression on another line, wrap it in parentheses",
                    );
                }
                Some(_) => return Ok(()),
            }
        }
    }

    fn operator(&mut self) -> Result<(), SyntaxError> {
        let start = self.pos;
        let rest = self.rest();
        let Some(op) = OPERATORS.iter().find(|op| rest.starts_with(**op)) else {
            let c = self.peek().unwrap_or(' ');
            return error(
                start,
                format!("invalid character `{c}` (U+{:04X})", c as u32),
            );
        };
        self.pos += op.len();
        match *op {
            "(" | "[" | "{" => self.depth += 1,
            ")" | "]" | "}" => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        self.push(Tok::Op(op), start);
        Ok(())
    }

    fn name_or_prefixed_string(&mut self) -> Result<(), SyntaxError> {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == '_' {
                self.pos += 1;
            } else if c.is_alphanumeric() {
                return error(
                    start,
                    "non-ASCII names are not supported; use ASCII variable names",
                );
            } else {
                break;
            }
        }
        let name = self.src.get(start..self.pos).unwrap_or("");
        if matches!(self.peek(), Some('\'' | '"')) {
            let lower = name.to_ascii_lowercase();
            match lower.as_str() {
                "r" | "u" => return self.string(start, lower == "r"),
                "b" | "br" | "rb" => {
                    return error(start, "bytes literals (`b'...'`) are not supported");
                }
                "f" | "fr" | "rf" => {
                    return error(start, "f-strings are not supported");
                }
                _ => {}
            }
        }
        self.push(Tok::Name(name.to_string()), start);
        Ok(())
    }

    /// A string literal; `self.pos` is at the opening quote.
    fn string(&mut self, start: usize, raw: bool) -> Result<(), SyntaxError> {
        let Some(quote) = self.bump() else {
            return error(start, "unterminated string literal");
        };
        let triple = self.peek() == Some(quote) && self.peek_at(1) == Some(quote);
        if triple {
            self.pos += 2;
        }
        let mut value = String::new();
        loop {
            let Some(c) = self.bump() else {
                return error(start, "unterminated string literal");
            };
            if c == quote {
                if !triple {
                    break;
                }
                if self.peek() == Some(quote) && self.peek_at(1) == Some(quote) {
                    self.pos += 2;
                    break;
                }
                value.push(c);
                continue;
            }
            match c {
                '\n' | '\r' if !triple => {
                    return error(start, "unterminated string literal");
                }
                '\r' => {
                    // Python reads `\r\n` and `\r` in source as `\n`.
                    if self.peek() == Some('\n') {
                        self.pos += 1;
                    }
                    value.push('\n');
                }
                '\\' if raw => {
                    value.push('\\');
                    match self.peek() {
                        Some('\r') => {
                            self.eat_newline();
                            value.push('\n');
                        }
                        Some(next) => {
                            self.bump();
                            value.push(next);
                        }
                        None => {}
                    }
                }
                '\\' => self.escape(&mut value)?,
                c => value.push(c),
            }
        }
        self.check_size(start, &value)?;
        self.push(Tok::Str(value), start);
        Ok(())
    }

    fn check_size(&self, start: usize, value: &str) -> Result<(), SyntaxError> {
        if value.len() > super::value::MAX_SIZE {
            return error(start, "string literal too long");
        }
        Ok(())
    }

    /// A backslash escape in a string; `self.pos` is after the backslash.
    fn escape(&mut self, value: &mut String) -> Result<(), SyntaxError> {
        let at = self.pos.saturating_sub(1);
        let Some(c) = self.bump() else {
            return error(at, "unterminated string literal");
        };
        let simple = match c {
            '\n' => Some(None),
            '\r' => {
                if self.peek() == Some('\n') {
                    self.pos += 1;
                }
                Some(None)
            }
            '\\' => Some(Some('\\')),
            '\'' => Some(Some('\'')),
            '"' => Some(Some('"')),
            'a' => Some(Some('\x07')),
            'b' => Some(Some('\x08')),
            'f' => Some(Some('\x0c')),
            'n' => Some(Some('\n')),
            'r' => Some(Some('\r')),
            't' => Some(Some('\t')),
            'v' => Some(Some('\x0b')),
            _ => None,
        };
        if let Some(out) = simple {
            if let Some(out) = out {
                value.push(out);
            }
            return Ok(());
        }
        match c {
            '0'..='7' => {
                let mut code = c.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match self.peek().and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            code = code * 8 + d;
                            self.pos += 1;
                        }
                        None => break,
                    }
                }
                value.push(char::from_u32(code).unwrap_or('\u{fffd}'));
            }
            'x' | 'u' | 'U' => {
                let len = match c {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let mut code: u32 = 0;
                for _ in 0..len {
                    match self.peek().and_then(|d| d.to_digit(16)) {
                        Some(d) => {
                            code = code.saturating_mul(16).saturating_add(d);
                            self.pos += 1;
                        }
                        None => {
                            return error(at, format!("truncated `\\{c}` escape in string"));
                        }
                    }
                }
                match char::from_u32(code) {
                    Some(ch) => value.push(ch),
                    None if (0xd800..=0xdfff).contains(&code) => {
                        return error(
                            at,
                            "surrogate code points (`\\ud800`..`\\udfff`) are not supported in strings",
                        );
                    }
                    None => return error(at, "illegal Unicode character in `\\U` escape"),
                }
            }
            'N' => return error(at, "`\\N{...}` escapes are not supported"),
            other => {
                // Python keeps unknown escapes as they are.
                value.push('\\');
                value.push(other);
            }
        }
        Ok(())
    }

    /// Digits with single underscores between them, in the given radix. Returns the digits.
    fn digit_part(&mut self, radix: u32, start: usize) -> Result<String, SyntaxError> {
        let mut digits = String::new();
        loop {
            match self.peek() {
                Some(c) if c.is_digit(radix) => {
                    digits.push(c);
                    self.pos += 1;
                }
                Some('_') if !digits.is_empty() => {
                    if self.peek_at(1).is_some_and(|d| d.is_digit(radix)) {
                        self.pos += 1;
                    } else {
                        return error(start, "invalid number literal (misplaced `_`)");
                    }
                }
                _ => return Ok(digits),
            }
        }
    }

    fn number(&mut self) -> Result<(), SyntaxError> {
        let start = self.pos;
        if self.peek() == Some('0') {
            let radix = match self.peek_at(1) {
                Some('x' | 'X') => Some(16),
                Some('o' | 'O') => Some(8),
                Some('b' | 'B') => Some(2),
                _ => None,
            };
            if let Some(radix) = radix {
                self.pos += 2;
                if self.peek() == Some('_') {
                    self.pos += 1;
                }
                let digits = self.digit_part(radix, start)?;
                if digits.is_empty() {
                    return error(start, "invalid number literal");
                }
                if self.peek().is_some_and(|c| c.is_ascii_alphanumeric()) {
                    return error(start, "invalid number literal");
                }
                let value =
                    i64::from_str_radix(&digits, radix).map_err(|_| integer_too_large(start))?;
                self.push(Tok::Int(value), start);
                return Ok(());
            }
        }
        let int_part = self.digit_part(10, start)?;
        let mut text = int_part.clone();
        let mut is_float = false;
        if self.peek() == Some('.') {
            self.pos += 1;
            is_float = true;
            let frac = self.digit_part(10, start)?;
            text.push('.');
            text.push_str(&frac);
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            let sign = matches!(self.peek_at(1), Some('+' | '-'));
            let digit_at = if sign { 2 } else { 1 };
            if self.peek_at(digit_at).is_some_and(|c| c.is_ascii_digit()) {
                self.pos += digit_at;
                let sign_text = if sign {
                    self.src.get(self.pos - 1..self.pos).unwrap_or("")
                } else {
                    ""
                };
                let sign_text = sign_text.to_string();
                let exp = self.digit_part(10, start)?;
                text.push('e');
                text.push_str(&sign_text);
                text.push_str(&exp);
                is_float = true;
            }
        }
        if matches!(self.peek(), Some('j' | 'J')) {
            return error(start, "complex numbers are not supported");
        }
        if is_float {
            if text.starts_with('.') {
                text.insert(0, '0');
            }
            let value: f64 = text.parse().map_err(|_| SyntaxError {
                pos: start,
                message: "invalid number literal".into(),
            })?;
            self.push(Tok::Float(value), start);
        } else {
            if int_part.len() > 1
                && int_part.starts_with('0')
                && int_part.bytes().any(|b| b != b'0')
            {
                return error(
                    start,
                    "leading zeros in decimal integer literals are not permitted",
                );
            }
            let value: i64 = int_part.parse().map_err(|_| integer_too_large(start))?;
            self.push(Tok::Int(value), start);
        }
        Ok(())
    }
}

fn integer_too_large(pos: usize) -> SyntaxError {
    SyntaxError {
        pos,
        message: "integer literal too large (rcluster's integers are 64-bit)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok> {
        tokenize(src)
            .map(|t| t.into_iter().map(|t| t.tok).collect())
            .unwrap_or_default()
    }

    #[test]
    fn numbers() {
        assert_eq!(toks("1_000"), vec![Tok::Int(1000), Tok::End]);
        assert_eq!(toks("0x_1f"), vec![Tok::Int(31), Tok::End]);
        assert_eq!(toks("1."), vec![Tok::Float(1.0), Tok::End]);
        assert_eq!(toks(".5e1"), vec![Tok::Float(5.0), Tok::End]);
        assert_eq!(toks("00"), vec![Tok::Int(0), Tok::End]);
        assert!(tokenize("010").is_err());
        assert!(tokenize("1__0").is_err());
        assert!(tokenize("1_").is_err());
        assert!(tokenize("99999999999999999999").is_err());
    }

    #[test]
    fn strings() {
        assert_eq!(toks(r"'a\tb'"), vec![Tok::Str("a\tb".into()), Tok::End]);
        assert_eq!(toks(r"r'\d'"), vec![Tok::Str("\\d".into()), Tok::End]);
        assert_eq!(toks(r"'\101'"), vec![Tok::Str("A".into()), Tok::End]);
        assert_eq!(toks("'''a\nb'''"), vec![Tok::Str("a\nb".into()), Tok::End]);
        assert!(tokenize("'abc").is_err());
        assert!(tokenize("b'x'").is_err());
    }

    #[test]
    fn lines() {
        assert_eq!(
            toks("\nn\n\n"),
            vec![Tok::Name("n".into()), Tok::Newline, Tok::End]
        );
        assert_eq!(toks("(n\n+1)").len(), 6);
        assert!(tokenize("\n n").is_err());
        assert_eq!(toks("n # comment"), vec![Tok::Name("n".into()), Tok::End]);
    }
}
