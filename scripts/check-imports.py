#!/usr/bin/env python3
"""Prints the module dependency graph of the rcluster library and its import cycles.

Usage: scripts/check-imports.py [--under MODULE] [--depth N] [--strict] [--quiet] [SRC]

A node is a module that has its own file (inline `mod tests { ... }` blocks count as part of
their file). An edge A -> B means a file of A names an item of B: through `use` (including
`crate::`, `super::`, `self::` and child-module paths) or an inline `crate::`/`super::`/`self::`
path, or a path that starts with a name A imported. `pub use` re-exports are followed to the
module that defines the item, so importing `inventory::Role` counts as a dependency on `role`.

Edges from a module to its own descendants are left out unless --strict: a parent declares its
children and is their facade, so it always depends on them, while the children use the parent's
shared types; that pair is one unit, not a tangle. Edges from children to ancestors are kept.

--under MODULE checks only the modules inside MODULE (e.g. `template`); --depth N merges every
module into its first N path segments (`--depth 1` gives the graph between top-level modules).

Exit status: 0 without cycles, 1 when there is a cycle (each strongly connected component with
more than one module is printed with the edges inside it and where each edge comes from), 2 on a
usage or parse problem.
"""

import argparse
import os
import re
import sys
from collections import defaultdict

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
KEYWORD_PREFIXES = {"crate", "super", "self"}


def strip_code(text):
    """The text with comments, string and char literals blanked (newlines kept, so offsets and
    line numbers still match): doc links and messages are not dependencies."""
    out = list(text)
    i, n = 0, len(text)

    def blank(a, b):
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            blank(i, j)
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            blank(i, j)
            i = j
        elif (m := re.compile(r'b?r(#*)"').match(text, i)) and (
            i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")
        ):
            close = '"' + m.group(1)
            j = text.find(close, m.end())
            j = n if j < 0 else j + len(close)
            blank(i, j)
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            blank(i, j + 1)
            i = j + 1
        elif c == "'":
            # A char literal ('x', '\n', '\u{1F600}') or a lifetime ('a, 'static).
            if text.startswith("\\", i + 1):
                j = text.find("'", i + 2)
                j = n if j < 0 else j
                blank(i, j + 1)
                i = j + 1
            elif i + 2 < n and text[i + 2] == "'":
                blank(i, i + 3)
                i += 3
            else:
                i += 1
        else:
            i += 1
    return "".join(out)


def matching_brace(text, start):
    depth = 0
    for k in range(start, len(text)):
        if text[k] == "{":
            depth += 1
        elif text[k] == "}":
            depth -= 1
            if depth == 0:
                return k
    return len(text)


def expand_use_tree(tree):
    """`a::{b, c::{d, self}} as e` -> [['a','b'], ['a','c','d'], ['a','c']] (renames dropped,
    a glob `*` ends the path at its module)."""
    tree = re.sub(r"\s+", " ", tree).strip()

    def split_top(s):
        parts, depth, cur = [], 0, ""
        for ch in s:
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            if ch == "," and depth == 0:
                parts.append(cur)
                cur = ""
            else:
                cur += ch
        parts.append(cur)
        return [p.strip() for p in parts if p.strip()]

    def expand(prefix, s):
        s = s.strip()
        brace = s.find("{")
        if brace >= 0:
            head = [seg for seg in s[:brace].split("::") if seg.strip()]
            inner = s[brace + 1 : s.rfind("}")]
            paths = []
            for part in split_top(inner):
                paths.extend(expand(prefix + [h.strip() for h in head], part))
            return paths
        s = re.sub(r"\s+as\s+\S+$", "", s)
        segs = [seg.strip() for seg in s.split("::") if seg.strip()]
        if segs and segs[0] == "::":
            segs = segs[1:]
        if segs and segs[-1] == "*":
            segs = segs[:-1]
        if segs and segs[-1] == "self":
            segs = segs[:-1]
        return [prefix + segs]

    return expand([], tree)


class File:
    def __init__(self, path, module):
        self.path = path
        self.module = module  # tuple of segments, () for the crate root
        self.raw = open(path, encoding="utf-8").read()
        self.code = strip_code(self.raw)
        self.inline = []  # (start, end, name) of inline `mod name { ... }` blocks
        for m in re.finditer(rf"\bmod\s+({IDENT})\s*\{{", self.code):
            brace = m.end() - 1
            self.inline.append((brace, matching_brace(self.code, brace), m.group(1)))
        self.children = [
            m.group(1)
            for m in re.finditer(rf"\bmod\s+({IDENT})\s*;", self.code)
        ]

    def scope(self, offset):
        """The module path at an offset, inside inline modules included."""
        inner = [(s, name) for s, e, name in self.inline if s < offset < e]
        return self.module + tuple(name for _, name in sorted(inner))

    def line(self, offset):
        return self.raw.count("\n", 0, offset) + 1


def discover(src):
    """Every file module of the library, following `mod x;` from lib.rs."""
    files = {}

    def visit(path, module):
        f = File(path, module)
        files[module] = f
        base = os.path.basename(path)
        if base in ("lib.rs", "mod.rs", "main.rs"):
            directory = os.path.dirname(path)
        else:
            directory = os.path.splitext(path)[0]
        for child in f.children:
            for candidate in (
                os.path.join(directory, child + ".rs"),
                os.path.join(directory, child, "mod.rs"),
            ):
                if os.path.exists(candidate):
                    visit(candidate, module + (child,))
                    break
            else:
                sys.exit(f"check-imports: {path} declares `mod {child};` but neither "
                         f"{child}.rs nor {child}/mod.rs exists under {directory}")

    lib = os.path.join(src, "lib.rs")
    if not os.path.exists(lib):
        print(f"check-imports: no {lib}; pass the crate's src directory", file=sys.stderr)
        sys.exit(2)
    visit(lib, ())
    return files


USE_RE = re.compile(r"\b(pub(?:\s*\([^)]*\))?\s+)?use\s+([^;]+);")
PATH_RE = re.compile(rf"(?<![A-Za-z0-9_:])({IDENT})((?:\s*::\s*{IDENT})+)")


class Graph:
    def __init__(self, files):
        self.files = files
        self.modules = set(files)
        self.uses = []  # (file, offset, scope, segments, is_pub)
        for f in files.values():
            for m in USE_RE.finditer(f.code):
                scope = f.scope(m.start())
                for segs in expand_use_tree(m.group(2)):
                    self.uses.append((f, m.start(), scope, segs, bool(m.group(1))))
        self.aliases = defaultdict(dict)  # scope -> imported name -> absolute path
        self.reexports = defaultdict(dict)  # module -> public name -> absolute path
        for f, _, scope, segs, is_pub in self.uses:
            absolute = self.absolute(segs, scope, aliases=False)
            if absolute is None or not segs:
                continue
            self.aliases[scope][segs[-1]] = absolute
            if is_pub and scope == f.module:
                self.reexports[f.module][segs[-1]] = absolute

    def absolute(self, segs, scope, aliases=True):
        """The path from the crate root that `segs` names in `scope`, or None (another crate)."""
        if not segs:
            return None
        head, rest = segs[0], list(segs[1:])
        if head == "crate":
            base = ()
        elif head in ("super", "self"):
            base = tuple(scope)
            while segs and segs[0] in ("super", "self"):
                if segs[0] == "super":
                    base = base[:-1]
                segs = segs[1:]
            return base + tuple(segs)
        elif any(m[: len(scope) + 1] == tuple(scope) + (head,) for m in self.modules):
            return tuple(scope) + tuple(segs)
        elif aliases:
            for s in [tuple(scope[:k]) for k in range(len(scope), -1, -1)]:
                if head in self.aliases.get(s, {}):
                    return tuple(self.aliases[s][head]) + tuple(rest)
            return None
        else:
            return None
        return base + tuple(rest)

    def module_of(self, path, seen=0):
        """The file module that defines what `path` names, through `pub use` re-exports."""
        for k in range(len(path), -1, -1):
            if path[:k] in self.modules:
                module = path[:k]
                break
        if k < len(path) and seen < 16:
            target = self.reexports.get(module, {}).get(path[k])
            if target is not None and tuple(target) != path[: k + 1]:
                return self.module_of(tuple(target) + tuple(path[k + 1 :]), seen + 1)
        return module

    def edges(self, strict):
        """{(from, to): 'file:line'} for every dependency between two different modules."""
        found = {}

        def add(f, offset, target_path):
            if target_path is None:
                return
            to = self.module_of(target_path)
            frm = f.module
            if to == frm:
                return
            if not strict and to[: len(frm)] == frm:
                return  # a parent on its own child: see the module docs
            found.setdefault((frm, to), f"{os.path.relpath(f.path)}:{f.line(offset)}")

        for f, offset, scope, segs, _ in self.uses:
            add(f, offset, self.absolute(segs, scope))
        for f in self.files.values():
            for m in PATH_RE.finditer(f.code):
                if f.code[max(0, m.start() - 4) : m.start()].rstrip().endswith("use"):
                    continue
                segs = [m.group(1)] + re.findall(IDENT, m.group(2))
                scope = f.scope(m.start())
                add(f, m.start(), self.absolute(segs, scope))
        return found


def name(module):
    return "::".join(module) if module else "crate"


def strongly_connected(nodes, adjacency):
    """Tarjan's algorithm, iterative: the components, each a sorted list."""
    index, low, on_stack, stack, result = {}, {}, set(), [], []
    counter = [0]
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(sorted(adjacency[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            advanced = False
            for nxt in successors:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter[0]
                    counter[0] += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(adjacency[nxt]))))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                result.append(sorted(component))
    return result


def shortest_cycle(component, adjacency):
    """A shortest cycle through the component's first module, as a list of modules."""
    members = set(component)
    start = component[0]
    previous = {start: None}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(adjacency[node]):
            if nxt == start:
                path = [node]
                while previous[path[-1]] is not None:
                    path.append(previous[path[-1]])
                return list(reversed(path)) + [start]
            if nxt in members and nxt not in previous:
                previous[nxt] = node
                queue.append(nxt)
    return [start]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("src", nargs="?", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "src"))
    parser.add_argument("--under", help="check only the modules inside this one, e.g. template")
    parser.add_argument("--depth", type=int, help="merge modules into their first N segments")
    parser.add_argument("--strict", action="store_true",
                        help="also count a parent module's uses of its own children")
    parser.add_argument("--quiet", action="store_true", help="print only the cycles")
    args = parser.parse_args()

    src = os.path.normpath(args.src)
    graph = Graph(discover(src))
    under = tuple(args.under.split("::")) if args.under else ()
    if under and under not in graph.modules:
        print(f"check-imports: no module `{args.under}` in {src}", file=sys.stderr)
        return 2

    def node(module):
        return module[: args.depth] if args.depth is not None else module

    nodes = {node(m) for m in graph.modules if m[: len(under)] == under}
    adjacency = defaultdict(set)
    evidence = {}
    for (frm, to), where in sorted(graph.edges(args.strict).items()):
        a, b = node(frm), node(to)
        if a == b or a not in nodes or b not in nodes:
            continue
        adjacency[a].add(b)
        evidence.setdefault((a, b), where)

    if not args.quiet:
        print(f"module graph ({len(nodes)} modules{', under ' + args.under if under else ''}):")
        for n in sorted(nodes):
            deps = ", ".join(name(d) for d in sorted(adjacency[n])) or "-"
            print(f"  {name(n)} -> {deps}")

    tangles = [c for c in strongly_connected(nodes, adjacency) if len(c) > 1]
    if not tangles:
        print("no import cycles")
        return 0
    print(f"{len(tangles)} import cycle(s):")
    for component in tangles:
        cycle = shortest_cycle(component, adjacency)
        print(f"  {', '.join(name(m) for m in component)}")
        print(f"    e.g. {' -> '.join(name(m) for m in cycle)}")
        for a in component:
            for b in sorted(adjacency[a] & set(component)):
                print(f"    {name(a)} -> {name(b)}  ({evidence[(a, b)]})")
    return 1


if __name__ == "__main__":
    sys.exit(main())
