//! The architecture's invariants, checked over `src/` (ARCHITECTURE.md states them): imports
//! point down the layers, no modules import each other in a circle, only `src/lsp` knows the
//! protocol's types, and no source file grows past what a reader can hold.
//!
//! Modules are files. An import is any `crate::…`, `super::…` or `self::…` path in non-test
//! code, resolved to the deepest module it names. A module may use its ancestors' items (that is
//! what `super::` is for: a folder's `mod.rs` holds the types its files share); every other edge
//! counts, both for the layers and for cycles.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first. A module may import only from its own top-level module or from a
/// lower layer.
const LAYERS: [&str; 11] = [
    "syntax", "sources", "index", "config", "cache", "loader", "features", "graph", "check", "lsp",
    "",
];

/// Longest a source file may be, in lines (tests included). ARCHITECTURE.md says ~600.
const MAX_LINES: usize = 650;

struct Module {
    path: PathBuf,
    text: String,
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every module of the library (not the binary's `main.rs`), by path (`features::hover`).
fn modules() -> BTreeMap<String, Module> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") || path.ends_with("main.rs") {
                continue;
            }
            let rel = path.strip_prefix(src()).unwrap();
            let mut parts: Vec<String> = rel
                .with_extension("")
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
                parts.pop();
            }
            let text = std::fs::read_to_string(&path).unwrap();
            out.insert(parts.join("::"), Module { path, text });
        }
    }
    out
}

/// Test-only modules: declared under `#[cfg(test)]` in their parent.
fn is_test_module(name: &str, all: &BTreeMap<String, Module>) -> bool {
    let (parent, last) = name.rsplit_once("::").unwrap_or(("", name));
    all.get(parent).is_some_and(|p| {
        let lines: Vec<&str> = p.text.lines().collect();
        lines.windows(2).any(|w| {
            w[0].trim() == "#[cfg(test)]"
                && (w[1].trim() == format!("mod {last};")
                    || w[1].trim() == format!("pub(crate) mod {last};")
                    || w[1].trim() == format!("pub mod {last};"))
        })
    })
}

/// The module's code without comments and without its `#[cfg(test)]` items.
fn code(text: &str) -> String {
    let mut out = String::new();
    let mut skip_depth: Option<i32> = None;
    let mut pending_test = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("//") {
            continue;
        }
        if let Some(depth) = skip_depth.as_mut() {
            *depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
            if *depth <= 0 && (line.contains('}') || line.trim_end().ends_with(';')) {
                skip_depth = None;
            }
            continue;
        }
        if trimmed.starts_with("#[cfg(test)]") {
            pending_test = true;
            continue;
        }
        if pending_test {
            pending_test = false;
            let depth = line.matches('{').count() as i32 - line.matches('}').count() as i32;
            if depth > 0 {
                skip_depth = Some(depth);
            }
            continue;
        }
        let line = line.split(" // ").next().unwrap_or(line);
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Paths named in `code`, expanded (`use a::{b, c::d}` gives `a::b`, `a::c::d`), each as the
/// segments after its root (`crate`, `super` or `self`).
fn paths(code: &str) -> Vec<Vec<String>> {
    let bytes: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let at_word_start = i == 0 || !(bytes[i - 1].is_alphanumeric() || bytes[i - 1] == '_');
        if at_word_start {
            for root in ["crate::", "super::", "self::"] {
                let r: Vec<char> = root.chars().collect();
                if bytes[i..].starts_with(&r) {
                    let (found, end) = parse_tree(&bytes, i);
                    out.extend(found);
                    i = end;
                    break;
                }
            }
        }
        i += 1;
    }
    out
}

/// Parse a path tree starting at `i`; returns every expanded path and where it ended.
fn parse_tree(s: &[char], mut i: usize) -> (Vec<Vec<String>>, usize) {
    let mut prefix: Vec<String> = Vec::new();
    loop {
        let start = i;
        while i < s.len() && (s[i].is_alphanumeric() || s[i] == '_') {
            i += 1;
        }
        if i > start {
            prefix.push(s[start..i].iter().collect());
        }
        if s[i..].starts_with(&[':', ':']) {
            i += 2;
            if i < s.len() && s[i] == '{' {
                i += 1;
                let mut out = Vec::new();
                loop {
                    while i < s.len() && s[i].is_whitespace() {
                        i += 1;
                    }
                    if i >= s.len() || s[i] == '}' {
                        break;
                    }
                    let (inner, end) = parse_tree(s, i);
                    for p in inner {
                        let mut full = prefix.clone();
                        full.extend(p.into_iter().filter(|x| x != "self"));
                        out.push(full);
                    }
                    i = end;
                    while i < s.len() && s[i] != ',' && s[i] != '}' {
                        if s[i] == '{' {
                            // `as` renames and the like never hold braces; stop safely.
                            break;
                        }
                        i += 1;
                    }
                    if i < s.len() && s[i] == ',' {
                        i += 1;
                    }
                }
                return (out, i + 1);
            }
            continue;
        }
        return (vec![prefix], i);
    }
}

/// The module a path from `from` names: the deepest existing module along it.
fn resolve(from: &str, path: &[String], all: &BTreeMap<String, Module>) -> Option<String> {
    let mut base: Vec<String> = if from.is_empty() {
        Vec::new()
    } else {
        from.split("::").map(str::to_string).collect()
    };
    let mut rest = &path[1..];
    match path.first().map(String::as_str) {
        Some("crate") => base.clear(),
        Some("self") => {}
        Some("super") => {
            // Module `a::b` (file `a/b.rs` or `a/b/mod.rs`): its `super` is `a`.
            base.pop();
            while rest.first().is_some_and(|s| s == "super") {
                base.pop();
                rest = &rest[1..];
            }
        }
        _ => return None,
    }
    let mut best = None;
    let mut current = base.clone();
    if all.contains_key(&current.join("::")) {
        best = Some(current.join("::"));
    }
    for seg in rest {
        current.push(seg.clone());
        if all.contains_key(&current.join("::")) {
            best = Some(current.join("::"));
        } else {
            break;
        }
    }
    best
}

fn top(module: &str) -> &str {
    module.split("::").next().unwrap_or("")
}

fn is_ancestor(ancestor: &str, of: &str) -> bool {
    ancestor.is_empty() || of.starts_with(&format!("{ancestor}::"))
}

/// Every import edge between modules of the library, test code left out.
fn edges() -> BTreeMap<String, BTreeSet<String>> {
    let all = modules();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, module) in &all {
        if is_test_module(name, &all) {
            continue;
        }
        let deps = out.entry(name.clone()).or_default();
        for path in paths(&code(&module.text)) {
            let Some(to) = resolve(name, &path, &all) else {
                continue;
            };
            if to != *name && !is_ancestor(&to, name) && !is_test_module(&to, &all) {
                deps.insert(to);
            }
        }
    }
    out
}

#[test]
fn imports_point_down_the_layers() {
    let rank = |m: &str| LAYERS.iter().position(|l| *l == top(m));
    let mut wrong = Vec::new();
    for (from, deps) in edges() {
        let Some(from_rank) = rank(&from) else {
            wrong.push(format!("{from}: not in a layer of LAYERS"));
            continue;
        };
        for to in deps {
            let to_rank = rank(&to).unwrap_or(usize::MAX);
            if top(&to) != top(&from) && to_rank >= from_rank {
                wrong.push(format!("{from} imports {to}, which is not below it"));
            }
        }
    }
    assert_eq!(wrong, Vec::<String>::new());
}

#[test]
fn no_modules_import_each_other_in_a_circle() {
    let graph = edges();
    // Tarjan's strongly connected components: any with two or more modules is a circle.
    struct Tarjan<'g> {
        graph: &'g BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        next: usize,
        circles: Vec<Vec<String>>,
    }
    impl<'g> Tarjan<'g> {
        fn visit(&mut self, v: &'g str) {
            self.index.insert(v, self.next);
            self.low.insert(v, self.next);
            self.next += 1;
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.graph.get(v).into_iter().flatten() {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    component.push(w.to_string());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.circles.push(component);
                }
            }
        }
    }
    let mut t = Tarjan {
        graph: &graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        circles: Vec::new(),
    };
    for v in graph.keys() {
        if !t.index.contains_key(v.as_str()) {
            t.visit(v);
        }
    }
    assert_eq!(t.circles, Vec::<Vec<String>>::new());
}

#[test]
fn only_src_lsp_knows_the_protocol_types() {
    let mut wrong = Vec::new();
    for (name, module) in modules() {
        if top(&name) == "lsp" {
            continue;
        }
        let code = code(&module.text);
        for needle in ["tower_lsp_server", "ls_types", "lsp_types"] {
            if code.contains(needle) {
                wrong.push(format!("{name} names {needle}"));
            }
        }
    }
    assert_eq!(wrong, Vec::<String>::new());
}

#[test]
fn no_source_file_is_longer_than_a_reader_can_hold() {
    let mut long: Vec<String> = modules()
        .into_values()
        .filter(|m| m.text.lines().count() > MAX_LINES)
        .map(|m| format!("{} ({} lines)", m.path.display(), m.text.lines().count()))
        .collect();
    long.sort();
    assert_eq!(long, Vec::<String>::new());
}

#[test]
fn the_checker_sees_imports_of_every_form() {
    let code = "use crate::a::{b, c::{d, self}};\nuse super::e;\nlet x = crate::f::g(1);";
    assert_eq!(
        paths(code),
        vec![
            vec!["crate", "a", "b"],
            vec!["crate", "a", "c", "d"],
            vec!["crate", "a", "c"],
            vec!["super", "e"],
            vec!["crate", "f", "g"],
        ]
        .into_iter()
        .map(|p| p.into_iter().map(str::to_string).collect::<Vec<_>>())
        .collect::<Vec<_>>()
    );
}
