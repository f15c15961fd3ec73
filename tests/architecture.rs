//! The shape of `src/`: clap stays at the edge, and no two files depend on each other.
//!
//! Each `.rs` file under `src/` is read as text (no compiler), its comments, strings and char
//! literals blanked, and its paths rooted at `crate::`, `super::` and `clap` collected, whether in
//! `use` items (with `{...}` groups) or in code. A path names the file of its longest module
//! prefix. A module's paths into its own submodules do not count: the parent declares and
//! re-exports them, so the child may still use the parent without a cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Modules that may use clap and `crate::cli`: the command-line edge.
fn may_use_cli(module: &str) -> bool {
    matches!(module, "cli" | "lib" | "main" | "commands") || module.starts_with("commands::")
}

#[test]
fn only_the_command_line_edge_uses_clap() {
    let files = source_files();
    let mut offenders = Vec::new();
    for file in &files {
        let name = file.name();
        if may_use_cli(&name) {
            continue;
        }
        for reference in file.refs.iter().filter(|r| names_the_cli(r)) {
            offenders.push(format!(
                "{} uses `{}`",
                file.path.display(),
                reference.join("::")
            ));
        }
    }
    assert!(
        offenders.is_empty(),
        "clap types belong in src/cli.rs and src/commands/; convert to plain types there:\n  {}",
        offenders.join("\n  ")
    );
}

#[test]
fn no_import_cycle_among_source_files() {
    let files = source_files();
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| f.module.clone()).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let deps = graph.entry(file.name()).or_default();
        for target in file.crate_targets() {
            let module = longest_module(&modules, &target);
            // Self, and the file's own submodules: not a dependency (see the file comment).
            if module.starts_with(&file.module) {
                continue;
            }
            deps.insert(module_name(&module));
        }
    }
    let cycles = cycles(&graph);
    assert!(
        cycles.is_empty(),
        "import cycles among the files of src/ (each line is one cycle; break it by moving the \
         shared part into a module both can use):\n  {}",
        cycles.join("\n  ")
    );
}

/// The checker itself, on snippets: comments and strings hide paths, groups expand, `super`
/// counts inline modules.
/// A command file over this many lines mixes concerns that belong in modules of their own.
const COMMAND_FILE_MAX_LINES: usize = 500;

#[test]
fn command_files_stay_short() {
    let mut files = Vec::new();
    collect_rs(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/commands"),
        &mut files,
    );
    assert!(!files.is_empty(), "no files under src/commands");
    let long: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let lines = std::fs::read_to_string(path).ok()?.lines().count();
            (lines > COMMAND_FILE_MAX_LINES).then(|| format!("{} ({lines} lines)", path.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "split these by concern (plan, launch, checks...) into modules of their own:\n  {}",
        long.join("\n  ")
    );
}

#[test]
fn the_reference_parser_reads_groups_super_comments_and_strings() {
    let text = r##"
        //! [`crate::cli`] in a doc comment
        use crate::{a, b::{c, d::E}};
        use super::{F, g::h};
        /* crate::hidden /* nested */ crate::hidden2 */
        const S: &str = "crate::in_string \" crate::still";
        const R: &str = r#"crate::raw "# ;
        const C: char = '"';
        fn f<'a>(x: &'a str) -> char { crate::x::y(x); '{' }
        mod tests {
            use super::*;
            use super::super::k::L;
            #[test] fn t() { super::super::super::m::n(); }
        }
        pub(crate) fn z() {}
        #[derive(clap::Parser)] struct A;
        const B: &[u8] = br"crate::raw_bytes \";
        use crate::cli as command_line;
    "##;
    let file = SourceFile::parse(
        PathBuf::from("src/p/q.rs"),
        vec!["p".into(), "q".into()],
        text,
    );
    let got: BTreeSet<String> = file.crate_targets().map(|t| t.join("::")).collect();
    let want: BTreeSet<String> = [
        "a", "b::c", "b::d::E", "x::y", "p::F", "p::g::h", "p::q", "p::k::L", "m::n", "cli",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(got, want);
    let cli: Vec<String> = file
        .refs
        .iter()
        .filter(|r| names_the_cli(r))
        .map(|r| r.join("::"))
        .collect();
    assert_eq!(cli, ["clap::Parser", "crate::cli"]);
}

#[test]
fn the_cycle_finder_prints_each_cycle_as_a_path() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a", "d"]),
        ("d", vec![]),
        ("e", vec!["f"]),
        ("f", vec!["e"]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.into_iter().map(String::from).collect()))
    .collect();
    assert_eq!(cycles(&graph), ["a -> b -> c -> a", "e -> f -> e"]);
}

/// A path into clap (or its companion crates) or into `crate::cli`.
fn names_the_cli(reference: &[String]) -> bool {
    match reference {
        [root, ..] if root.starts_with("clap") => true,
        [root, module, ..] => root == "crate" && module == "cli",
        _ => false,
    }
}

/// One file of `src/` and the paths it names.
struct SourceFile {
    path: PathBuf,
    /// `src/foo/bar.rs` is `["foo", "bar"]`; `src/lib.rs` and `src/main.rs` are crate roots.
    module: Vec<String>,
    /// Paths, the root resolved: `crate`/`super` paths become `["crate", ...]` absolute ones;
    /// others (e.g. `clap::Parser`) are kept as written.
    refs: Vec<Vec<String>>,
}

impl SourceFile {
    fn name(&self) -> String {
        match self.path.file_name().and_then(|n| n.to_str()) {
            Some("main.rs") if self.module.is_empty() => "main".to_string(),
            _ => module_name(&self.module),
        }
    }

    /// The module paths (without `crate`) this file names inside the crate.
    fn crate_targets(&self) -> impl Iterator<Item = Vec<String>> + '_ {
        self.refs
            .iter()
            .filter(|r| r.first().is_some_and(|root| root == "crate"))
            .map(|r| r[1..].to_vec())
    }

    fn parse(path: PathBuf, module: Vec<String>, text: &str) -> SourceFile {
        let tokens = tokenize(&blank_comments_and_literals(text));
        let mut refs = Vec::new();
        // Inline `mod name { ... }` blocks open at these brace depths: `super` inside them
        // climbs through them first.
        let mut inline_mods: Vec<usize> = Vec::new();
        let mut depth = 0usize;
        let mut i = 0;
        while i < tokens.len() {
            match tokens[i].as_str() {
                "{" => depth += 1,
                "}" => {
                    depth = depth.saturating_sub(1);
                    if inline_mods.last() == Some(&depth) {
                        inline_mods.pop();
                    }
                }
                "mod" if tokens.get(i + 2).map(String::as_str) == Some("{") => {
                    inline_mods.push(depth);
                    depth += 1;
                    i += 3;
                    continue;
                }
                "use" => {
                    let mut paths = Vec::new();
                    i = use_tree(&tokens, i + 1, Vec::new(), &mut paths);
                    for p in paths {
                        refs.extend(resolve(&module, inline_mods.len(), p));
                    }
                    continue;
                }
                "crate" | "super" | "clap" | "clap_complete" | "clap_mangen"
                    if tokens.get(i + 1).map(String::as_str) == Some("::")
                        && (i == 0 || tokens[i - 1] != "::") =>
                {
                    let mut p = vec![tokens[i].clone()];
                    i += 1;
                    while tokens.get(i).map(String::as_str) == Some("::")
                        && tokens.get(i + 1).is_some_and(|t| is_ident(t))
                    {
                        p.push(tokens[i + 1].clone());
                        i += 2;
                    }
                    refs.extend(resolve(&module, inline_mods.len(), p));
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        SourceFile { path, module, refs }
    }
}

/// Reads one `use` tree starting at `i` under `prefix`; returns the index after it. A `self` in
/// a group names the group's prefix.
fn use_tree(
    tokens: &[String],
    mut i: usize,
    prefix: Vec<String>,
    out: &mut Vec<Vec<String>>,
) -> usize {
    let mut path = prefix;
    loop {
        match tokens.get(i).map(String::as_str) {
            Some("{") => {
                i += 1;
                loop {
                    match tokens.get(i).map(String::as_str) {
                        Some("}") => return i + 1,
                        Some(",") => i += 1,
                        None => return i,
                        _ => i = use_tree(tokens, i, path.clone(), out),
                    }
                }
            }
            Some("::") => i += 1,
            Some("self") if tokens.get(i + 1).map(String::as_str) != Some("::") => {
                out.push(path);
                return i + 1;
            }
            Some(t) if is_ident(t) && t != "as" => {
                path.push(t.to_string());
                i += 1;
            }
            // `;`, `,`, `}`, `*` or `as`: the path ends (a glob or an alias names the same module).
            _ => {
                if !path.is_empty() {
                    out.push(path);
                }
                while let Some(t) = tokens.get(i).map(String::as_str) {
                    if matches!(t, ";" | "," | "}") {
                        break;
                    }
                    i += 1;
                }
                if tokens.get(i).map(String::as_str) == Some(";") {
                    i += 1;
                }
                return i;
            }
        }
    }
}

/// Makes `super::` paths absolute (`["crate", ...]`): each `super` leaves one inline module, then
/// one level of the file's module. Other roots are kept; relative paths (no root) are dropped.
fn resolve(module: &[String], inline_depth: usize, path: Vec<String>) -> Option<Vec<String>> {
    let root = path.first()?.as_str();
    match root {
        "crate" => Some(path),
        "super" => {
            let supers = path.iter().take_while(|s| *s == "super").count();
            let up = supers.saturating_sub(inline_depth);
            let base = &module[..module.len().saturating_sub(up)];
            let mut absolute = vec!["crate".to_string()];
            absolute.extend(base.iter().cloned());
            absolute.extend(path[supers..].iter().cloned());
            Some(absolute)
        }
        _ if root.starts_with("clap") => Some(path),
        _ => None,
    }
}

fn is_ident(token: &str) -> bool {
    token
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
}

/// Identifiers, `::` and single punctuation characters.
fn tokenize(code: &str) -> Vec<String> {
    let chars: Vec<char> = code.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(chars[start..i].iter().collect());
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            tokens.push("::".to_string());
            i += 2;
        } else {
            tokens.push(c.to_string());
            i += 1;
        }
    }
    tokens
}

/// The code with comments, string literals and char literals replaced by spaces, so neither a
/// path in a doc comment nor a `{` in a char literal is read as code.
fn blank_comments_and_literals(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    while i < c.len() {
        // A raw string may follow a `b` or `c` prefix, which is not the end of an identifier.
        let prev_ident = i > 0
            && ident(c[i - 1])
            && !(matches!(c[i - 1], 'b' | 'c') && (i < 2 || !ident(c[i - 2])));
        if c[i] == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i] == '/' && c.get(i + 1) == Some(&'*') {
            let mut nesting = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    nesting += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    nesting -= 1;
                    i += 2;
                    if nesting == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c[i] == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c[i] == 'r' && !prev_ident && raw_string_hashes(&c, i + 1).is_some() {
            let hashes = raw_string_hashes(&c, i + 1).unwrap_or(0);
            i += 2 + hashes;
            let closing: Vec<char> = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            while i < c.len() && !c[i..].starts_with(&closing) {
                i += 1;
            }
            i += closing.len();
            out.push_str("\"\"");
        } else if c[i] == '\'' {
            // A char literal (`'x'`, `'\n'`, `'\u{7f}'`), else a lifetime or label (`'a`).
            if c.get(i + 1) == Some(&'\\') {
                i += 2;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
                out.push_str("' '");
            } else if c.get(i + 2) == Some(&'\'') {
                i += 3;
                out.push_str("' '");
            } else {
                out.push('\'');
                i += 1;
            }
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// At `i`, after an `r`: the number of `#` before a `"` if a raw string starts here.
fn raw_string_hashes(c: &[char], i: usize) -> Option<usize> {
    let hashes = c[i.min(c.len())..]
        .iter()
        .take_while(|&&ch| ch == '#')
        .count();
    (c.get(i + hashes) == Some(&'"')).then_some(hashes)
}

fn module_name(module: &[String]) -> String {
    if module.is_empty() {
        "lib".to_string()
    } else {
        module.join("::")
    }
}

/// The module of the longest prefix of `path` that is a file of `src/` (else the crate root).
fn longest_module(modules: &BTreeSet<Vec<String>>, path: &[String]) -> Vec<String> {
    (0..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|prefix| modules.contains(prefix))
        .unwrap_or_default()
}

fn source_files() -> Vec<SourceFile> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    collect_rs(&src, &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let relative = path.strip_prefix(&src).unwrap_or(&path).to_path_buf();
            let mut module: Vec<String> = relative
                .with_extension("")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(module.last().map(String::as_str), Some("mod")) {
                module.pop();
            }
            if module == ["lib"] || module == ["main"] {
                module.clear();
            }
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|err| panic!("cannot read `{}`: {err}", path.display()));
            SourceFile::parse(Path::new("src").join(relative), module, &text)
        })
        .collect()
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("cannot list `{}`: {err}", dir.display()));
    for entry in entries {
        let path = entry
            .unwrap_or_else(|err| panic!("cannot list `{}`: {err}", dir.display()))
            .path();
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every cycle of the graph, one per strongly connected component of two or more files, as
/// `a -> b -> ... -> a`, starting at the component's first file by name.
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let mut found = Vec::new();
    let mut seen: BTreeSet<&String> = BTreeSet::new();
    for start in graph.keys() {
        if seen.contains(start) {
            continue;
        }
        let component: BTreeSet<&String> = reachable(graph, start)
            .into_iter()
            .filter(|node| reachable(graph, node).contains(start))
            .collect();
        seen.extend(component.iter().copied());
        if component.len() < 2 {
            continue;
        }
        // The shortest way back to `start` within the component (breadth-first).
        let mut parent: BTreeMap<&String, &String> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        let mut last = None;
        while let Some(node) = queue.pop_front() {
            for next in graph.get(node).into_iter().flatten() {
                if next == start {
                    last = Some(node);
                    queue.clear();
                    break;
                }
                if component.contains(next) && !parent.contains_key(next) {
                    parent.insert(next, node);
                    queue.push_back(next);
                }
            }
        }
        let mut back = Vec::new();
        let mut node = last;
        while let Some(n) = node.filter(|n| *n != start) {
            back.push(n.clone());
            node = parent.get(n).copied();
        }
        back.reverse();
        let mut ordered = vec![start.clone()];
        ordered.extend(back);
        ordered.push(start.clone());
        found.push(ordered.join(" -> "));
    }
    found
}

/// The nodes reachable from `start` (including itself).
fn reachable<'a>(
    graph: &'a BTreeMap<String, BTreeSet<String>>,
    start: &'a String,
) -> BTreeSet<&'a String> {
    let mut seen = BTreeSet::from([start]);
    let mut stack = vec![start];
    while let Some(node) = stack.pop() {
        for next in graph.get(node).into_iter().flatten() {
            if seen.insert(next) {
                stack.push(next);
            }
        }
    }
    seen
}
