//! Reading `ipcluster_config.py` without running Python: its statements (a statement goes on
//! while a bracket or a triple-quoted string is open), the `c.Class.trait = value` assignments
//! and the literals on their right-hand side.

pub(super) fn is_get_config(stmt: &str) -> bool {
    let code = stmt.split('#').next().unwrap_or("").replace(' ', "");
    code == "c=get_config()" || code.starts_with("c:") && code.ends_with("=get_config()")
}

/// `c.Class.trait = value` → (`Class`, `trait`, `value`).
pub(super) fn split_assignment(stmt: &str) -> Option<(&str, &str, &str)> {
    fn ident(s: &str) -> Option<(&str, &str)> {
        let end = s
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(s.len());
        let (id, rest) = s.split_at(end);
        (!id.is_empty() && !id.starts_with(|c: char| c.is_ascii_digit())).then_some((id, rest))
    }
    let rest = stmt.strip_prefix("c.")?;
    let (class, rest) = ident(rest)?;
    let rest = rest.strip_prefix('.')?;
    let (name, rest) = ident(rest)?;
    let rest = rest.trim_start().strip_prefix('=')?;
    if rest.starts_with('=') {
        return None;
    }
    Some((class, name, rest))
}

/// The file's statements, each with its first line number: a statement continues while a
/// bracket or a triple-quoted string is open, or a line ends with a backslash.
pub(super) fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    for (i, line) in text.lines().enumerate() {
        if current.is_empty() {
            start = i + 1;
        } else {
            current.push('\n');
        }
        current.push_str(line);
        if !statement_open(&current) {
            out.push((start, std::mem::take(&mut current)));
        }
    }
    if !current.is_empty() {
        out.push((start, current));
    }
    out
}

/// Whether a statement goes on past the end of `text`.
fn statement_open(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let mut depth = 0i32;
    let mut i = 0;
    let mut last_significant = None;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '\'' | '"' => {
                let triple = i + 2 < chars.len() && chars[i + 1] == c && chars[i + 2] == c;
                i += if triple { 3 } else { 1 };
                loop {
                    if i >= chars.len() {
                        // Unterminated: a triple-quoted string goes on; a plain one is an error
                        // that the value parser reports.
                        return triple;
                    }
                    if chars[i] == '\\' {
                        i += 2;
                        continue;
                    }
                    if !triple && chars[i] == '\n' {
                        break;
                    }
                    if chars[i] == c
                        && (!triple
                            || (i + 2 < chars.len() && chars[i + 1] == c && chars[i + 2] == c))
                    {
                        i += if triple { 3 } else { 1 };
                        break;
                    }
                    i += 1;
                }
                last_significant = Some(c);
                continue;
            }
            '[' | '(' | '{' => depth += 1,
            ']' | ')' | '}' => depth -= 1,
            _ => {}
        }
        if c == '\n' {
            last_significant = None;
        } else if !c.is_whitespace() {
            last_significant = Some(c);
        }
        i += 1;
    }
    depth > 0 || last_significant == Some('\\')
}

/// A Python literal, as far as config files use them.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Py {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    None,
    List(Vec<Py>),
    /// `{key: value, ...}`, in the order written.
    Dict(Vec<(Py, Py)>),
}

impl Py {
    pub(super) fn as_str(&self) -> Option<&str> {
        match self {
            Py::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(super) fn as_string_list(&self) -> Option<Vec<String>> {
        match self {
            Py::List(items) => items.iter().map(|i| i.as_str().map(String::from)).collect(),
            _ => None,
        }
    }
}

/// Parses the right-hand side of an assignment: one literal, then only a comment.
pub(super) fn parse_literal(text: &str) -> Result<Py, String> {
    let mut parser = LiteralParser {
        chars: text.chars().collect(),
        pos: 0,
    };
    parser.skip_space(false);
    let value = parser.value()?;
    parser.skip_space(false);
    match parser.peek() {
        None | Some('#') => Ok(value),
        Some(_) => {
            let rest: String = parser.chars[parser.pos..].iter().collect();
            Err(format!("unexpected `{}`", rest.trim()))
        }
    }
}

struct LiteralParser {
    chars: Vec<char>,
    pos: usize,
}

impl LiteralParser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    /// Skips spaces and backslash-continuations; inside brackets also newlines and comments.
    fn skip_space(&mut self, in_brackets: bool) {
        while let Some(c) = self.peek() {
            if c == ' ' || c == '\t' || c == '\r' {
                self.pos += 1;
            } else if c == '\\' && self.chars.get(self.pos + 1) == Some(&'\n') {
                self.pos += 2;
            } else if in_brackets && c == '\n' {
                self.pos += 1;
            } else if in_brackets && c == '#' {
                while self.peek().is_some_and(|c| c != '\n') {
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    fn value(&mut self) -> Result<Py, String> {
        match self.peek() {
            None => Err("no value".into()),
            Some('[') => self.sequence(']'),
            Some('(') => self.sequence(')'),
            Some('{') => self.dict(),
            Some(c) if c == '\'' || c == '"' => self.strings(),
            Some(c) if c.is_ascii_digit() || c == '-' || c == '+' || c == '.' => self.number(),
            Some(c) if c.is_alphabetic() || c == '_' => {
                let start = self.pos;
                while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    self.pos += 1;
                }
                let word: String = self.chars[start..self.pos].iter().collect();
                match (word.as_str(), self.peek()) {
                    ("True", _) => Ok(Py::Bool(true)),
                    ("False", _) => Ok(Py::Bool(false)),
                    ("None", _) => Ok(Py::None),
                    (prefix, Some('\'' | '"')) if prefix.len() <= 2 => {
                        let lower = prefix.to_ascii_lowercase();
                        if lower.contains('b') || lower.contains('f') {
                            Err(format!("`{prefix}` strings are not supported"))
                        } else if lower.chars().all(|c| c == 'r' || c == 'u') {
                            self.pos = start;
                            self.strings()
                        } else {
                            Err(format!("`{word}` is not a literal"))
                        }
                    }
                    _ => Err(format!("`{word}` is not a literal")),
                }
            }
            Some(c) => Err(format!("unexpected `{c}`")),
        }
    }

    fn sequence(&mut self, close: char) -> Result<Py, String> {
        self.pos += 1;
        let mut items = Vec::new();
        let mut saw_comma = false;
        loop {
            self.skip_space(true);
            if self.peek() == Some(close) {
                self.pos += 1;
                break;
            }
            items.push(self.value()?);
            self.skip_space(true);
            match self.peek() {
                Some(',') => {
                    saw_comma = true;
                    self.pos += 1;
                }
                Some(c) if c == close => {
                    self.pos += 1;
                    break;
                }
                Some(c) => return Err(format!("unexpected `{c}` in a list")),
                None => return Err(format!("missing `{close}`")),
            }
        }
        // `(x)` is x in parentheses, not a tuple.
        if close == ')' && items.len() == 1 && !saw_comma {
            return Ok(items.remove(0));
        }
        Ok(Py::List(items))
    }

    fn dict(&mut self) -> Result<Py, String> {
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.skip_space(true);
            if self.peek() == Some('}') {
                self.pos += 1;
                return Ok(Py::Dict(items));
            }
            let key = self.value()?;
            self.skip_space(true);
            if self.peek() != Some(':') {
                return Err("missing `:` in a dict".into());
            }
            self.pos += 1;
            self.skip_space(true);
            items.push((key, self.value()?));
            self.skip_space(true);
            match self.peek() {
                Some(',') => self.pos += 1,
                Some('}') => {
                    self.pos += 1;
                    return Ok(Py::Dict(items));
                }
                Some(c) => return Err(format!("unexpected `{c}` in a dict")),
                None => return Err("missing `}`".into()),
            }
        }
    }

    /// One string literal, or several adjacent ones (`'a' 'b'` is `'ab'`).
    fn strings(&mut self) -> Result<Py, String> {
        let mut text = self.string()?;
        loop {
            let save = self.pos;
            self.skip_space(false);
            let prefix_len = self.chars[self.pos..]
                .iter()
                .take_while(|c| matches!(c, 'r' | 'R' | 'u' | 'U'))
                .count();
            if matches!(self.chars.get(self.pos + prefix_len), Some('\'' | '"')) {
                text.push_str(&self.string()?);
            } else {
                self.pos = save;
                return Ok(Py::Str(text));
            }
        }
    }

    fn string(&mut self) -> Result<String, String> {
        let mut raw = false;
        while let Some(c) = self.peek().filter(|c| matches!(c, 'r' | 'R' | 'u' | 'U')) {
            raw |= c == 'r' || c == 'R';
            self.pos += 1;
        }
        let quote = self.peek().ok_or("missing string")?;
        let triple = self.chars.get(self.pos + 1) == Some(&quote)
            && self.chars.get(self.pos + 2) == Some(&quote);
        self.pos += if triple { 3 } else { 1 };
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err("a string is not closed".into());
            };
            if c == quote
                && (!triple
                    || (self.chars.get(self.pos + 1) == Some(&quote)
                        && self.chars.get(self.pos + 2) == Some(&quote)))
            {
                self.pos += if triple { 3 } else { 1 };
                return Ok(out);
            }
            if c == '\n' && !triple {
                return Err("a string is not closed".into());
            }
            self.pos += 1;
            if c != '\\' {
                out.push(c);
                continue;
            }
            let Some(next) = self.peek() else {
                return Err("a string is not closed".into());
            };
            self.pos += 1;
            if raw {
                out.push('\\');
                out.push(next);
                continue;
            }
            match next {
                '\n' => {}
                '\\' | '\'' | '"' => out.push(next),
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                '0' => out.push('\0'),
                'a' => out.push('\x07'),
                'b' => out.push('\x08'),
                'f' => out.push('\x0c'),
                'v' => out.push('\x0b'),
                'x' | 'u' | 'U' => {
                    let len = match next {
                        'x' => 2,
                        'u' => 4,
                        _ => 8,
                    };
                    let hex: String = self.chars.iter().skip(self.pos).take(len).collect();
                    let code = u32::from_str_radix(&hex, 16)
                        .ok()
                        .filter(|_| hex.len() == len)
                        .and_then(char::from_u32)
                        .ok_or_else(|| format!("bad escape `\\{next}{hex}`"))?;
                    out.push(code);
                    self.pos += len;
                }
                // As Python: an unknown escape keeps its backslash.
                other => {
                    out.push('\\');
                    out.push(other);
                }
            }
        }
    }

    fn number(&mut self) -> Result<Py, String> {
        let start = self.pos;
        if matches!(self.peek(), Some('-' | '+')) {
            self.pos += 1;
        }
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_'))
        {
            self.pos += 1;
        }
        let text: String = self.chars[start..self.pos]
            .iter()
            .filter(|c| **c != '_')
            .collect();
        if let Ok(i) = text.parse::<i64>() {
            return Ok(Py::Int(i));
        }
        text.parse::<f64>()
            .map(Py::Float)
            .map_err(|_| format!("`{text}` is not a number"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals() {
        assert_eq!(parse_literal("'a'"), Ok(Py::Str("a".into())));
        assert_eq!(
            parse_literal("\"a\\tb\"  # comment"),
            Ok(Py::Str("a\tb".into()))
        );
        assert_eq!(parse_literal("r'a\\b'"), Ok(Py::Str("a\\b".into())));
        assert_eq!(parse_literal("'a' \"b\""), Ok(Py::Str("ab".into())));
        assert_eq!(parse_literal("12"), Ok(Py::Int(12)));
        assert_eq!(parse_literal("-3"), Ok(Py::Int(-3)));
        assert_eq!(parse_literal("1.5"), Ok(Py::Float(1.5)));
        assert_eq!(
            parse_literal("{'a': 2, \"b\": {'n': 3},}"),
            Ok(Py::Dict(vec![
                (Py::Str("a".into()), Py::Int(2)),
                (
                    Py::Str("b".into()),
                    Py::Dict(vec![(Py::Str("n".into()), Py::Int(3))])
                ),
            ]))
        );
        assert_eq!(parse_literal("True"), Ok(Py::Bool(true)));
        assert_eq!(parse_literal("None"), Ok(Py::None));
        assert_eq!(
            parse_literal("['--a', \"b\",]"),
            Ok(Py::List(vec![Py::Str("--a".into()), Py::Str("b".into())]))
        );
        assert_eq!(
            parse_literal("('x',)"),
            Ok(Py::List(vec![Py::Str("x".into())]))
        );
        assert_eq!(parse_literal("('x')"), Ok(Py::Str("x".into())));
        assert_eq!(
            parse_literal("\"\"\"#!/bin/sh\nsrun {program_and_args}\n\"\"\""),
            Ok(Py::Str("#!/bin/sh\nsrun {program_and_args}\n".into()))
        );
        assert!(parse_literal("os.environ['X']").is_err());
        assert!(parse_literal("'a' + 'b'").is_err());
        assert!(parse_literal("f'{x}'").is_err());
        assert!(parse_literal("'open").is_err());
    }
}
