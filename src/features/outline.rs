//! A note's structure for the editor — the heading tree (document symbols), folding ranges,
//! document links and semantic tokens that tell resolved links from unresolved ones — and the
//! vault-wide symbol search over notes, aliases and headings.

use super::Location;
use crate::index::{Broken, FileId, Vault, keys};
use crate::syntax::Span;

/// A heading and the headings nested under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    pub level: u8,
    /// From the heading to the end of its section.
    pub span: Span,
    /// The heading's text.
    pub selection: Span,
    pub children: Vec<Symbol>,
}

/// Where heading `i`'s section ends: before the next heading of the same or a higher level.
fn section_end(vault_text: &str, headings: &[crate::syntax::Heading], i: usize) -> usize {
    let level = headings[i].level;
    headings[i + 1..]
        .iter()
        .find(|h| h.level <= level)
        .map_or(vault_text.len(), |h| h.span.start())
}

/// The heading tree of note `file`.
pub fn document_symbols(vault: &Vault, file: FileId) -> Vec<Symbol> {
    let Some(note) = vault.note(file) else {
        return Vec::new();
    };
    let headings = &note.syntax.headings();
    // A stack of open sections; a heading closes those at its level or deeper.
    let mut roots: Vec<Symbol> = Vec::new();
    let mut stack: Vec<Symbol> = Vec::new();
    let text = note.text();
    for (i, h) in headings.iter().enumerate() {
        let end = section_end(&text, headings, i);
        let symbol = Symbol {
            name: h.text.to_string(),
            level: h.level,
            span: Span::new(h.span.start(), trim_end(&text, h.span.start(), end)),
            selection: h.text_span(),
            children: Vec::new(),
        };
        while stack.last().is_some_and(|s| s.level >= h.level) {
            let done = stack.pop().expect("non-empty");
            match stack.last_mut() {
                Some(parent) => parent.children.push(done),
                None => roots.push(done),
            }
        }
        stack.push(symbol);
    }
    while let Some(done) = stack.pop() {
        match stack.last_mut() {
            Some(parent) => parent.children.push(done),
            None => roots.push(done),
        }
    }
    roots
}

/// `end` moved back over trailing line breaks, not before `start`.
fn trim_end(text: &str, start: usize, end: usize) -> usize {
    start + text[start..end].trim_end_matches(['\n', '\r']).len()
}

/// A foldable range of lines, as byte offsets of its first and last line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fold {
    pub span: Span,
    pub comment: bool,
}

/// Heading sections, frontmatter, code blocks, lists, quotes and tables that span lines.
pub fn folding_ranges(vault: &Vault, file: FileId) -> Vec<Fold> {
    let Some(note) = vault.note(file) else {
        return Vec::new();
    };
    let text = &note.text();
    let mut out = Vec::new();
    if let Some(fm) = &note.syntax.frontmatter() {
        out.push(Fold {
            span: Span::new(
                fm.span.start(),
                trim_end(text, fm.span.start(), fm.span.end()),
            ),
            comment: true,
        });
    }
    let headings = &note.syntax.headings();
    for (i, h) in headings.iter().enumerate() {
        let end = trim_end(text, h.span.start(), section_end(text, headings, i));
        out.push(Fold {
            span: Span::new(h.span.start(), end),
            comment: false,
        });
    }
    out.extend(note.syntax.regions.iter().map(|&span| Fold {
        span,
        comment: false,
    }));
    out.retain(|f| text[f.span.range()].contains('\n'));
    out.sort_by_key(|f| f.span);
    out
}

/// A link the editor can follow: its span and where it leads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocLink {
    pub span: Span,
    pub target: Location,
}

/// Every resolved link of note `file`, with its destination.
pub fn document_links(vault: &Vault, file: FileId) -> Vec<DocLink> {
    let Some(note) = vault.note(file) else {
        return Vec::new();
    };
    note.syntax
        .links
        .iter()
        .filter_map(|link| {
            let resolved = vault.resolve(file, link).ok()?;
            Some(DocLink {
                span: link.span,
                target: Location {
                    file: resolved.file,
                    span: super::anchor_span(vault, &resolved),
                },
            })
        })
        .collect()
}

/// What a semantic token marks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// A link that resolves.
    Link,
    /// A link whose note, attachment, heading or block is missing.
    BrokenLink,
    /// A link that resolves, but only by choosing among several notes.
    AmbiguousLink,
    Tag,
}

/// Links (by resolution) and tags of note `file`, in text order.
pub fn semantic_tokens(vault: &Vault, file: FileId) -> Vec<(Span, TokenKind)> {
    let Some(note) = vault.note(file) else {
        return Vec::new();
    };
    let mut out: Vec<(Span, TokenKind)> = note
        .syntax
        .links
        .iter()
        .map(|link| {
            let kind = match vault.resolve(file, link) {
                Ok(r) if r.is_ambiguous() => TokenKind::AmbiguousLink,
                Ok(_) => TokenKind::Link,
                Err(Broken::File { .. } | Broken::Heading { .. } | Broken::Block { .. }) => {
                    TokenKind::BrokenLink
                }
            };
            (link.span, kind)
        })
        .collect();
    out.extend(
        note.syntax
            .tags()
            .iter()
            .filter(|t| !note.syntax.tag_in_frontmatter(t))
            .map(|t| (t.span, TokenKind::Tag)),
    );
    out.sort_by_key(|(span, _)| *span);
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymbolKind {
    Note,
    Alias,
    Heading,
}

/// A workspace symbol: a note, one of its aliases, or one of its headings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkspaceSymbol {
    pub name: String,
    pub kind: SymbolKind,
    pub location: Location,
    /// The note holding an alias or heading.
    pub container: Option<String>,
}

/// Whether every byte of `atom` (folded ASCII) appears in `name` in order, ignoring ASCII case:
/// a cheap test that rejects most names before the fuzzy scorer runs.
fn subsequence(atom: &[u8], name: &str) -> bool {
    let mut q = atom.iter().peekable();
    for b in name.bytes() {
        match q.peek() {
            Some(&&c) if c == b.to_ascii_lowercase() => {
                q.next();
            }
            Some(_) => {}
            None => return true,
        }
    }
    q.peek().is_none()
}

/// Which symbol of a note an entry is. Indexes are `u32` (a note holds far fewer items), so that
/// an entry is 20 bytes, not 32: a 50,000-note vault has some 275,000 of them.
#[derive(Clone, Copy)]
enum Hit {
    Note,
    Alias(u32),
    Heading(u32),
}

struct SymbolEntry {
    /// Where the folded name sits in [`SymbolIndex::names`].
    start: u32,
    len: u32,
    file: FileId,
    hit: Hit,
}

/// Every note, alias and heading name of the vault, folded, in one buffer: a query scans it
/// front to back instead of chasing a pointer per name. Built once per [`Vault::generation`];
/// queries typed into a symbol picker reuse it.
pub struct SymbolIndex {
    pub generation: u64,
    names: String,
    entries: Vec<SymbolEntry>,
}

impl SymbolIndex {
    pub fn build(vault: &Vault) -> SymbolIndex {
        // Sized before filling: grown by doubling, the two buffers held up to twice what they
        // needed, and three times while a doubling copied (26 MB of peak RSS at 50k notes).
        // The headings' texts are counted by their packed size, which holds them and a few
        // bytes more each, rather than decoded twice.
        let (mut count, mut bytes) = (0, 0);
        for (_, file, note) in vault.notes() {
            let aliases = note.syntax.aliases();
            let (headings, packed) = note.syntax.packed().headings_size();
            count += 1 + aliases.len() + headings;
            bytes += file.display_name().len() + aliases.iter().map(|a| a.len()).sum::<usize>();
            bytes += packed;
        }
        let mut names = String::with_capacity(bytes);
        let mut entries = Vec::with_capacity(count);
        let mut push = |name: &str, file: FileId, hit: Hit| {
            let start = names.len() as u32;
            names.push_str(&keys::fold(name));
            entries.push(SymbolEntry {
                start,
                len: names.len() as u32 - start,
                file,
                hit,
            });
        };
        for (id, file, note) in vault.notes() {
            push(file.display_name(), id, Hit::Note);
            for (i, alias) in note.syntax.aliases().iter().enumerate() {
                push(alias, id, Hit::Alias(i as u32));
            }
            for (i, h) in note.syntax.headings().iter().enumerate() {
                push(&h.text, id, Hit::Heading(i as u32));
            }
        }
        // The room counted for the headings' packed bytes beyond their texts.
        names.shrink_to_fit();
        SymbolIndex {
            generation: vault.generation(),
            names,
            entries,
        }
    }

    /// Notes, aliases and headings matching `query` fuzzily (words in any order), best first, at
    /// most `limit`. Scoring is split across threads; symbols are built only for those returned.
    pub fn query(&self, vault: &Vault, query: &str, limit: usize) -> Vec<WorkspaceSymbol> {
        use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
        use nucleo_matcher::{Config, Matcher, Utf32Str};
        use rayon::prelude::*;

        let query = query.trim();
        // Each whitespace-separated word must match somewhere, as nucleo requires; the byte
        // prefilter applies per word, to plain ASCII words.
        let atoms: Vec<Vec<u8>> = query
            .split_whitespace()
            .map(keys::fold)
            .filter(|a| a.is_ascii() && !a.starts_with(['^', '!', '\'', '\\']) && !a.ends_with('$'))
            .map(String::into_bytes)
            .collect();
        let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
        let chunk = self
            .entries
            .len()
            .div_ceil(rayon::current_num_threads().max(1))
            .max(1);
        let mut scored: Vec<(u32, u32, usize)> = self
            .entries
            .par_chunks(chunk)
            .enumerate()
            .map(|(c, part)| {
                let mut matcher = Matcher::new(Config::DEFAULT);
                let mut buf = Vec::new();
                let mut out = Vec::new();
                for (k, e) in part.iter().enumerate() {
                    let name = &self.names[e.start as usize..(e.start + e.len) as usize];
                    if !atoms.iter().all(|a| subsequence(a, name)) {
                        continue;
                    }
                    let score = if query.is_empty() {
                        Some(0)
                    } else {
                        pattern.score(Utf32Str::new(name, &mut buf), &mut matcher)
                    };
                    if let Some(score) = score {
                        out.push((score, e.len, c * chunk + k));
                    }
                }
                out
            })
            .reduce(Vec::new, |mut a, b| {
                a.extend(b);
                a
            });
        let cheap = |&(score, len, _): &(u32, u32, usize)| (std::cmp::Reverse(score), len);
        if scored.len() > limit && limit > 0 {
            scored.select_nth_unstable_by_key(limit - 1, cheap);
            let threshold = cheap(&scored[limit - 1]);
            scored.retain(|s| cheap(s) <= threshold);
        }
        // Ties at the threshold can be thousands (a heading every note has): cut them by their
        // container too, which needs no decoding, so that only the symbols that can rank are
        // built (a heading's or alias's symbol decodes its note's packed parts).
        if scored.len() > limit && limit > 0 {
            let key = |&(score, len, i): &(u32, u32, usize)| {
                (std::cmp::Reverse(score), len, self.container(vault, i))
            };
            scored.sort_by_cached_key(key);
            let threshold = key(&scored[limit - 1]);
            scored.retain(|s| key(s) <= threshold);
        }
        // Best score first; shorter names first among equals; then by container and name.
        let mut ranked: Vec<(u32, u32, WorkspaceSymbol)> = scored
            .iter()
            .filter_map(|&(score, len, i)| Some((score, len, self.symbol(vault, i)?)))
            .collect();
        ranked.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then(a.1.cmp(&b.1))
                .then_with(|| a.2.container.cmp(&b.2.container))
                .then_with(|| a.2.name.cmp(&b.2.name))
        });
        ranked.truncate(limit);
        ranked.into_iter().map(|(_, _, s)| s).collect()
    }

    /// The container [`SymbolIndex::symbol`] gives entry `i`, without decoding its note.
    fn container<'v>(&self, vault: &'v Vault, i: usize) -> &'v str {
        let e = &self.entries[i];
        match (vault.get(e.file), e.hit) {
            (Some(file), Hit::Note) => file.rel(),
            (Some(file), _) => file.display_name(),
            (None, _) => "",
        }
    }

    fn symbol(&self, vault: &Vault, i: usize) -> Option<WorkspaceSymbol> {
        let e = &self.entries[i];
        let file = vault.get(e.file)?;
        let note = file.note()?;
        let (name, kind, span, container) = match e.hit {
            Hit::Note => (
                file.display_name().to_string(),
                SymbolKind::Note,
                Span::default(),
                file.rel().to_string(),
            ),
            Hit::Alias(i) => {
                let frontmatter = note.syntax.frontmatter()?;
                let (alias, span) = frontmatter.aliases().nth(i as usize)?;
                (
                    alias.to_string(),
                    SymbolKind::Alias,
                    span,
                    file.display_name().to_string(),
                )
            }
            Hit::Heading(i) => {
                let h = note.syntax.headings().into_iter().nth(i as usize)?;
                (
                    h.text.to_string(),
                    SymbolKind::Heading,
                    h.span,
                    file.display_name().to_string(),
                )
            }
        };
        Some(WorkspaceSymbol {
            name,
            kind,
            location: Location { file: e.file, span },
            container: Some(container),
        })
    }
}

/// A one-off symbol query (tests, the CLI): builds the index and queries it.
pub fn workspace_symbols(vault: &Vault, query: &str, limit: usize) -> Vec<WorkspaceSymbol> {
    SymbolIndex::build(vault).query(vault, query, limit)
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use super::*;
    use crate::features::fixture::Fixture;

    fn render_symbols(f: &Fixture, symbols: &[Symbol], depth: usize, out: &mut String) {
        for s in symbols {
            out.push_str(&format!(
                "{}{} {}\n",
                "  ".repeat(depth),
                s.name,
                f.render(f.cursor().0, s.span)
            ));
            render_symbols(f, &s.children, depth + 1, out);
        }
    }

    #[test]
    fn document_symbols_are_the_heading_tree_with_sections() {
        let f =
            Fixture::parse("//- /a.md\n$0# One\ntext\n## Two\n### Three\n## Four\n# Five\nend\n");
        let mut out = String::new();
        render_symbols(&f, &document_symbols(&f.vault, f.cursor().0), 0, &mut out);
        expect![[r####"
            One a.md 1:1-5:8 "# One\ntext\n## Two\n### Three\n## Four"
              Two a.md 3:1-4:10 "## Two\n### Three"
                Three a.md 4:1-4:10 "### Three"
              Four a.md 5:1-5:8 "## Four"
            Five a.md 6:1-7:4 "# Five\nend"
        "####]]
        .assert_eq(&out);
    }

    #[test]
    fn folding_covers_frontmatter_sections_and_blocks() {
        let f = Fixture::parse("//- /a.md\n$0---\ntags: [x]\n---\n# H\n- a\n- b\n# Single\n");
        let folds: Vec<String> = folding_ranges(&f.vault, f.cursor().0)
            .iter()
            .map(|fold| {
                format!(
                    "{} comment={}",
                    f.render(f.cursor().0, fold.span),
                    fold.comment
                )
            })
            .collect();
        expect![[r####"
            a.md 1:1-3:4 "---\ntags: [x]\n---" comment=true
            a.md 4:1-6:4 "# H\n- a\n- b" comment=false
            a.md 5:1-6:4 "- a\n- b" comment=false"####]]
        .assert_eq(&folds.join("\n"));
    }

    #[test]
    fn semantic_tokens_tell_resolved_broken_and_ambiguous_links_apart() {
        let f = Fixture::parse(
            "//- /a.md\n$0[[b]] [[nope]] [[Log]] [[b#missing]] #tag\n//- /b.md\n//- /x/Log.md\n//- /y/Log.md\n",
        );
        let tokens: Vec<String> = semantic_tokens(&f.vault, f.cursor().0)
            .iter()
            .map(|(span, kind)| format!("{kind:?} {}", f.render(f.cursor().0, *span)))
            .collect();
        expect![[r####"
            Link a.md 1:1-1:6 "[[b]]"
            BrokenLink a.md 1:7-1:15 "[[nope]]"
            AmbiguousLink a.md 1:16-1:23 "[[Log]]"
            BrokenLink a.md 1:24-1:37 "[[b#missing]]"
            Tag a.md 1:38-1:42 "#tag""####]]
        .assert_eq(&tokens.join("\n"));
    }

    fn check_symbols(fixture: &str, query: &str, expect: Expect) {
        let f = Fixture::parse(fixture);
        let found: Vec<String> = workspace_symbols(&f.vault, query, 5)
            .iter()
            .map(|s| format!("{:?} {} in {:?}", s.kind, s.name, s.container))
            .collect();
        expect.assert_eq(&found.join("\n"));
    }

    #[test]
    fn workspace_symbols_find_notes_aliases_and_headings_fuzzily() {
        check_symbols(
            r####"
//- /Project Plan.md
---
aliases: [Roadmap]
---
# Milestones
//- /Other.md
## Plan B
//- /Planet.md
"####,
            "plan",
            expect![[r#"
                Heading Plan B in Some("Other")
                Note Planet in Some("Planet.md")
                Note Project Plan in Some("Project Plan.md")"#]],
        );
        check_symbols(
            "//- /Project Plan.md\n---\naliases: [Roadmap]\n---\n",
            "rdmp",
            expect![[r####"Alias Roadmap in Some("Project Plan")"####]],
        );
        // Words match in any order.
        check_symbols(
            "//- /Project Plan.md\n//- /Plan.md\n",
            "plan proj",
            expect![[r####"Note Project Plan in Some("Project Plan.md")"####]],
        );
    }

    /// A heading many notes share scores alike in each: the answer is cut to the limit by
    /// container, then by the heading as written, building only the symbols that can rank.
    #[test]
    fn a_heading_every_note_has_ranks_by_container_then_as_written() {
        let mut fixture = String::new();
        for name in ["e", "c", "g", "b", "f", "d"] {
            fixture += &format!("//- /{name}.md\n## Summary\n");
        }
        fixture += "//- /a.md\n## summary\n# SUMMARY\n## Summary\n";
        check_symbols(
            &fixture,
            "summary",
            expect![[r#"
                Heading SUMMARY in Some("a")
                Heading Summary in Some("a")
                Heading summary in Some("a")
                Heading Summary in Some("b")
                Heading Summary in Some("c")"#]],
        );
    }

    /// The index is sized before it is filled: its buffers hold exactly its entries and names
    /// (none of a doubling's spare room), and an entry is 20 bytes.
    #[test]
    fn the_symbol_index_holds_its_entries_and_names_without_spare_room() {
        let f = Fixture::parse(
            "//- /Project Plan.md\n---\naliases: [Roadmap, Plan 2]\n---\n# Milestones\n## Risks\n//- /Other.md\n## Plan B\n",
        );
        let index = SymbolIndex::build(&f.vault);
        assert_eq!(size_of::<SymbolEntry>(), 20);
        assert_eq!(index.entries.len(), 7);
        assert_eq!(index.entries.capacity(), 7);
        assert_eq!(
            index.names,
            "project planroadmapplan 2milestonesrisksotherplan b"
        );
        assert_eq!(index.names.capacity(), index.names.len());
    }
}
