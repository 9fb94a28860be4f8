//! Completion inside `[[…]]` (notes, aliases, attachments after `![[`, headings after `#`, block
//! ids after `#^`) and after `#` (tags). Fuzzy-ranked with nucleo; every item replaces the whole
//! typed target, so names with spaces work whatever the client's word pattern.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32String};

use super::actions::styled_target;
use super::refactor::{encode_dest, relative_path};
use crate::config::LinkStyle;
use crate::index::{FileId, Vault, keys};
use crate::syntax::{Fragment, Link, LinkKind, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompletionKind {
    Note,
    Alias,
    Attachment,
    Heading,
    Block,
    Tag,
    Citation,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub label: String,
    pub kind: CompletionKind,
    pub detail: Option<String>,
    /// Text that replaces `replace`.
    pub insert: String,
    pub replace: Span,
    /// What the client should match the typed text against.
    pub filter: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Completions {
    pub items: Vec<Completion>,
    /// More matched than were returned: the client should ask again as the user types.
    pub incomplete: bool,
}

/// One thing a `[[` can complete to, with its name ready for the fuzzy matcher.
struct Candidate {
    file: FileId,
    /// For an alias, the index of its note's own candidate.
    note: u32,
    alias: Option<String>,
    name: Utf32String,
    path: Utf32String,
    is_note: bool,
}

/// The vault's completion candidates. Building them walks the vault, so callers keep one and
/// rebuild it only when [`Vault::names_generation`] moves — never per keystroke.
pub struct Candidates {
    pub generation: u64,
    items: Vec<Candidate>,
    /// The last query and the candidates it matched: typing one more letter can only narrow
    /// the matches, so the next query scores those alone.
    last: std::sync::Mutex<Option<LastQuery>>,
}

struct LastQuery {
    file: FileId,
    query: String,
    by_path: bool,
    embed: bool,
    matched: Vec<u32>,
}

/// Above this many candidates to score, scoring is split across threads.
const PARALLEL_SCORING: usize = 8192;

impl Candidates {
    pub fn build(vault: &Vault) -> Candidates {
        let mut items = Vec::new();
        for (id, file) in vault.files() {
            let path = Utf32String::from(match_form(file.link_path()).as_str());
            let own = items.len() as u32;
            items.push(Candidate {
                file: id,
                note: own,
                alias: None,
                name: Utf32String::from(match_form(file.display_name()).as_str()),
                path,
                is_note: file.is_note(),
            });
            if let Some(note) = file.note() {
                for alias in note.syntax.aliases() {
                    items.push(Candidate {
                        file: id,
                        note: own,
                        alias: Some(alias.to_string()),
                        name: Utf32String::from(match_form(alias).as_str()),
                        // Aliases are matched by name only, never by path.
                        path: Utf32String::default(),
                        is_note: true,
                    });
                }
            }
        }
        Candidates {
            generation: vault.names_generation(),
            items,
            last: std::sync::Mutex::new(None),
        }
    }
}

/// The `[[` context around the cursor.
struct LinkContext<'t> {
    embed: bool,
    /// Offset just after `[[`.
    open: usize,
    /// From `[[` to the cursor.
    typed: &'t str,
    /// From the cursor to the end of the line.
    rest: &'t str,
    /// Whether `]]` closes this link later on the line.
    closed: bool,
}

fn line_bounds(text: &str, offset: usize) -> (usize, usize) {
    let start = text[..offset].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let end = text[offset..]
        .find(['\n', '\r'])
        .map_or(text.len(), |i| offset + i);
    (start, end)
}

fn link_context(text: &str, offset: usize) -> Option<LinkContext<'_>> {
    let (line_start, line_end) = line_bounds(text, offset);
    let prefix = &text[line_start..offset];
    let open_at = prefix.rfind("[[")?;
    if prefix[open_at + 2..].contains("]]") {
        return None;
    }
    let rest = &text[offset..line_end];
    let closed = match (rest.find("]]"), rest.find("[[")) {
        (Some(close), Some(next)) => close < next,
        (Some(_), None) => true,
        _ => false,
    };
    Some(LinkContext {
        embed: open_at > 0 && prefix.as_bytes()[open_at - 1] == b'!',
        open: line_start + open_at + 2,
        typed: &prefix[open_at + 2..],
        rest,
        closed,
    })
}

/// Where the part being completed ends: at the first of `stops` after the cursor, or at `]]`.
fn part_end(ctx: &LinkContext, offset: usize, stops: &[char]) -> usize {
    if !ctx.closed {
        return offset;
    }
    let close = ctx.rest.find("]]").unwrap_or(0);
    let stop = ctx.rest[..close].find(stops).unwrap_or(close);
    offset + stop
}

/// How inserted links are written: the target's form, and wikilink or markdown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InsertStyle {
    pub target: LinkStyle,
    /// Replace the typed `[[` with a markdown link `[Name](path.md)`, as Obsidian does when it
    /// is set to write markdown links.
    pub markdown: bool,
}

impl Default for InsertStyle {
    fn default() -> InsertStyle {
        InsertStyle {
            target: LinkStyle::Shortest,
            markdown: false,
        }
    }
}

pub fn complete(
    vault: &Vault,
    candidates: &Candidates,
    file: FileId,
    offset: usize,
    limit: usize,
    style: InsertStyle,
) -> Option<Completions> {
    let note = vault.note(file)?;
    let text = &note.text;
    if offset > text.len() || !text.is_char_boundary(offset) {
        return None;
    }
    if let Some(keys) = super::cite_completion::complete(vault, file, offset, limit) {
        return Some(keys);
    }
    if let Some(ctx) = link_context(text, offset) {
        if ctx.typed.contains('|') {
            return None;
        }
        let close = if ctx.closed { "" } else { "]]" };
        return Some(match ctx.typed.find('#') {
            Some(hash) => {
                let target = &ctx.typed[..hash];
                let fragment = &ctx.typed[hash + 1..];
                let target_file = if target.trim().is_empty() {
                    Some(file)
                } else {
                    resolve_typed(vault, file, target)
                };
                let Some(target_file) = target_file else {
                    return Some(Completions::default());
                };
                let end = part_end(&ctx, offset, &['|']);
                if let Some(query) = fragment.strip_prefix('^') {
                    let start = ctx.open + hash + 2;
                    blocks(
                        vault,
                        target_file,
                        query,
                        Span::new(start, end),
                        close,
                        limit,
                    )
                } else {
                    let last_hash = ctx.typed.rfind('#').expect("has #");
                    let start = ctx.open + last_hash + 1;
                    headings(
                        vault,
                        target_file,
                        &ctx.typed[last_hash + 1..],
                        Span::new(start, end),
                        close,
                        limit,
                    )
                }
            }
            None => {
                let end = part_end(&ctx, offset, &['#', '|']);
                let has_display =
                    ctx.closed && ctx.rest[..ctx.rest.find("]]").unwrap_or(0)].contains('|');
                let found = notes(
                    vault,
                    candidates,
                    file,
                    &ctx,
                    Span::new(ctx.open, end),
                    close,
                    has_display,
                    limit,
                    style,
                );
                // Keys join wikilink targets only: markdown links name files, not keys.
                if style.markdown {
                    return Some(found);
                }
                super::cite_completion::extend_link_completion(
                    vault,
                    file,
                    ctx.typed,
                    Span::new(ctx.open, end),
                    close,
                    found,
                    limit,
                )
            }
        });
    }
    tag_context(text, offset).map(|(replace, query)| tags(vault, file, query, replace, limit))
}

/// Resolve what the user typed before `#` as a wikilink from `file`.
fn resolve_typed(vault: &Vault, file: FileId, target: &str) -> Option<FileId> {
    let link = Link {
        kind: LinkKind::Wiki,
        embed: false,
        span: Span::default(),
        target: target.trim().to_string(),
        target_span: Span::default(),
        fragment: None::<Fragment>,
        fragment_span: None,
        alias: None,
        field: None,
        in_frontmatter: false,
    };
    vault.resolve(file, &link).ok().map(|r| r.file)
}

fn matcher() -> Matcher {
    Matcher::new(Config::DEFAULT)
}

fn pattern(query: &str) -> Pattern {
    Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart)
}

/// A name as note completion matches it: lower case, accents dropped (`Café` → `cafe`). Done once
/// when the candidates are built, so that most names are ASCII for the matcher's fast path
/// instead of being normalised on every keystroke.
fn match_form(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    if name.is_ascii() {
        return name.to_ascii_lowercase();
    }
    name.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Keep the `limit` best of `scored` (higher score, then higher popularity, then a name before an
/// alias, then shorter, then alphabetical), in order.
fn rank(mut scored: Vec<(u32, u32, Completion)>, limit: usize) -> Completions {
    let incomplete = scored.len() > limit;
    let key = |(score, popularity, c): &(u32, u32, Completion)| {
        (
            std::cmp::Reverse(*score),
            std::cmp::Reverse(*popularity),
            c.kind == CompletionKind::Alias,
            c.label.chars().count(),
            c.label.clone(),
        )
    };
    if incomplete {
        scored.select_nth_unstable_by_key(limit, key);
        scored.truncate(limit);
    }
    scored.sort_by_cached_key(key);
    Completions {
        items: scored.into_iter().map(|(_, _, c)| c).collect(),
        incomplete,
    }
}

#[allow(clippy::too_many_arguments)]
fn notes(
    vault: &Vault,
    candidates: &Candidates,
    file: FileId,
    ctx: &LinkContext,
    replace: Span,
    close: &str,
    has_display: bool,
    limit: usize,
    style: InsertStyle,
) -> Completions {
    let query = ctx.typed.trim_start();
    // A markdown link replaces the whole `[[…]]`, brackets included, when nothing follows the
    // target inside it.
    let markdown_span = (style.markdown && !has_display).then(|| {
        let start = ctx.open - if ctx.embed { 3 } else { 2 };
        let end = if ctx.closed {
            replace.end
                + ctx.rest[replace.end - ctx.open - ctx.typed.len()..]
                    .find("]]")
                    .map_or(0, |i| i + 2)
        } else {
            replace.end
        };
        Span::new(start, end)
    });
    let by_path = query.contains('/');
    let pattern = pattern(query);
    // Narrow from the last query's matches when this query only adds to it (and uses none of
    // the pattern syntax that could widen it).
    let plain = !query.contains(['^', '$', '!', '\'', '\\']);
    let previous: Option<Vec<u32>> = {
        let last = candidates.last.lock().unwrap_or_else(|p| p.into_inner());
        last.as_ref()
            .filter(|l| {
                plain
                    && l.file == file
                    && l.by_path == by_path
                    && l.embed == ctx.embed
                    && query.starts_with(l.query.as_str())
            })
            .map(|l| l.matched.clone())
    };
    let all: Vec<u32>;
    let pool: &[u32] = match &previous {
        Some(matched) => matched,
        None => {
            all = (0..candidates.items.len() as u32).collect();
            &all
        }
    };
    let score_chunk = |chunk: &[u32]| -> Vec<(u32, u32)> {
        let mut matcher = matcher();
        let mut out = Vec::new();
        for &i in chunk {
            let c = &candidates.items[i as usize];
            if c.file == file && c.alias.is_none() {
                continue;
            }
            // Attachments are offered only where they can be embedded.
            if !c.is_note && !ctx.embed {
                continue;
            }
            let haystack = if by_path && c.alias.is_none() {
                c.path.slice(..)
            } else {
                c.name.slice(..)
            };
            if let Some(score) = pattern.score(haystack, &mut matcher) {
                out.push((score, i));
            }
        }
        out
    };
    let mut scored: Vec<(u32, u32)> = if pool.len() > PARALLEL_SCORING {
        use rayon::prelude::*;
        pool.par_chunks(pool.len().div_ceil(rayon::current_num_threads().max(1)))
            .map(score_chunk)
            .reduce(Vec::new, |mut a, b| {
                a.extend(b);
                a
            })
    } else {
        score_chunk(pool)
    };
    // Chunks come back in order, so `scored` is sorted by candidate index.
    if plain {
        *candidates.last.lock().unwrap_or_else(|p| p.into_inner()) = Some(LastQuery {
            file,
            query: query.to_string(),
            by_path,
            embed: ctx.embed,
            matched: scored.iter().map(|&(_, i)| i).collect(),
        });
    }
    // An alias never outranks its own note when both match: the note's name is what the user
    // is most likely typing, and the alias item follows right after it.
    for k in 0..scored.len() {
        let c = &candidates.items[scored[k].1 as usize];
        if c.alias.is_some() {
            if let Ok(at) = scored[..k].binary_search_by_key(&c.note, |&(_, i)| i) {
                scored[k].0 = scored[k].0.min(scored[at].0);
            }
        }
    }
    let mut scored: Vec<(u32, usize)> = scored
        .into_iter()
        .map(|(score, i)| (score, i as usize))
        .collect();
    let incomplete = scored.len() > limit;
    // Only candidates scoring at least the `limit`-th best score can be shown; popularity and
    // the other tie-breaks are looked up for those alone, never for the whole vault.
    if incomplete {
        scored.select_nth_unstable_by_key(limit - 1, |&(score, _)| std::cmp::Reverse(score));
        let threshold = scored[limit - 1].0;
        scored.retain(|&(score, _)| score >= threshold);
    }
    let label = |i: usize| {
        let c = &candidates.items[i];
        c.alias
            .as_deref()
            .unwrap_or_else(|| vault.file(c.file).display_name())
    };
    let mut ranked: Vec<(u32, u32, usize)> = scored
        .into_iter()
        .map(|(score, i)| {
            let f = vault.file(candidates.items[i].file);
            (score, vault.key_ref_count(&f.name_key), i)
        })
        .collect();
    // Many can tie on score (every name starting with what was typed): narrow again on
    // popularity before the labels are compared.
    if ranked.len() > limit {
        let key = |&(score, popularity, _): &(u32, u32, usize)| {
            (std::cmp::Reverse(score), std::cmp::Reverse(popularity))
        };
        ranked.select_nth_unstable_by_key(limit - 1, key);
        let threshold = key(&ranked[limit - 1]);
        ranked.retain(|entry| key(entry) <= threshold);
    }
    ranked.sort_by_cached_key(|&(score, popularity, i)| {
        let label = label(i);
        (
            std::cmp::Reverse(score),
            std::cmp::Reverse(popularity),
            candidates.items[i].alias.is_some(),
            label.chars().count(),
            label.to_string(),
        )
    });
    ranked.truncate(limit);
    let scored = ranked;
    let items = scored
        .into_iter()
        .map(|(_, _, i)| {
            let c = &candidates.items[i];
            let f = vault.file(c.file);
            let target = styled_target(vault, file, c.file, style.target);
            if let Some(span) = markdown_span {
                let shown = c
                    .alias
                    .clone()
                    .unwrap_or_else(|| f.display_name().to_string());
                let dest = encode_dest(&relative_path(vault.file(file).folder(), &f.rel), false);
                let bang = if ctx.embed { "!" } else { "" };
                return Completion {
                    label: shown.clone(),
                    kind: match (&c.alias, c.is_note) {
                        (Some(_), _) => CompletionKind::Alias,
                        (None, true) => CompletionKind::Note,
                        (None, false) => CompletionKind::Attachment,
                    },
                    detail: Some(f.rel.clone()),
                    // Editors filter on the text from the replaced range's start: `[[` too.
                    filter: format!("{bang}[[{shown}"),
                    insert: format!("{bang}[{shown}]({dest})"),
                    replace: span,
                };
            }
            match &c.alias {
                Some(alias) => Completion {
                    label: alias.clone(),
                    kind: CompletionKind::Alias,
                    detail: Some(format!("alias of {}", f.rel)),
                    insert: if has_display {
                        target
                    } else if vault.dialect == crate::index::Dialect::Dendron {
                        // Dendron reads the label first.
                        format!("{alias}|{target}{close}")
                    } else {
                        format!("{target}|{alias}{close}")
                    },
                    replace,
                    filter: alias.clone(),
                },
                None => Completion {
                    label: f.display_name().to_string(),
                    kind: if c.is_note {
                        CompletionKind::Note
                    } else {
                        CompletionKind::Attachment
                    },
                    detail: Some(f.rel.clone()),
                    filter: if by_path {
                        f.link_path().to_string()
                    } else {
                        f.display_name().to_string()
                    },
                    insert: format!("{target}{close}"),
                    replace,
                },
            }
        })
        .collect();
    Completions { items, incomplete }
}

fn headings(
    vault: &Vault,
    target: FileId,
    query: &str,
    replace: Span,
    close: &str,
    limit: usize,
) -> Completions {
    let Some(note) = vault.note(target) else {
        return Completions::default();
    };
    let pattern = pattern(query.trim_start());
    let mut matcher = matcher();
    let mut buf = Vec::new();
    let count = note.syntax.headings.len() as u32;
    let scored = note
        .syntax
        .headings
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let text = keys::heading_link_text(&h.text);
            let score =
                pattern.score(nucleo_matcher::Utf32Str::new(&text, &mut buf), &mut matcher)?;
            // Ties keep document order.
            let order = count - i as u32;
            Some((
                score,
                order,
                Completion {
                    label: text.clone(),
                    kind: CompletionKind::Heading,
                    detail: Some(format!(
                        "{} {}",
                        "#".repeat(h.level as usize),
                        vault.file(target).display_name()
                    )),
                    insert: format!("{text}{close}"),
                    replace,
                    filter: text,
                },
            ))
        })
        .collect();
    let mut out = rank(scored, limit);
    if query.trim().is_empty() {
        // Without a query, document order is the useful order.
        out.items.sort_by_key(|c| {
            note.syntax
                .headings
                .iter()
                .position(|h| keys::heading_link_text(&h.text) == c.label)
        });
    }
    out
}

fn blocks(
    vault: &Vault,
    target: FileId,
    query: &str,
    replace: Span,
    close: &str,
    limit: usize,
) -> Completions {
    let Some(note) = vault.note(target) else {
        return Completions::default();
    };
    let pattern = pattern(query);
    let mut matcher = matcher();
    let mut buf = Vec::new();
    let count = note.syntax.blocks.len() as u32;
    let scored = note
        .syntax
        .blocks
        .iter()
        .enumerate()
        .filter_map(|(i, b)| {
            let block_text =
                note.text[b.block.start..b.block.end].replace(&format!("^{}", b.id), "");
            let haystack = format!("{} {}", b.id, block_text);
            let score = pattern.score(
                nucleo_matcher::Utf32Str::new(&haystack, &mut buf),
                &mut matcher,
            )?;
            let mut detail: String = block_text.trim().chars().take(80).collect();
            if detail.len() < block_text.trim().len() {
                detail.push('…');
            }
            Some((
                score,
                count - i as u32,
                Completion {
                    label: b.id.clone(),
                    kind: CompletionKind::Block,
                    detail: Some(detail),
                    insert: format!("{}{close}", b.id),
                    replace,
                    filter: haystack,
                },
            ))
        })
        .collect();
    rank(scored, limit)
}

/// `#ta|` outside a link: the span after `#` to the end of the tag, and the typed query.
fn tag_context(text: &str, offset: usize) -> Option<(Span, &str)> {
    let (line_start, line_end) = line_bounds(text, offset);
    let before = &text[line_start..offset];
    let typed_len: usize = before
        .chars()
        .rev()
        .take_while(|&c| crate::syntax::is_tag_char(c))
        .map(char::len_utf8)
        .sum();
    let hash = offset - typed_len;
    if hash == line_start || text.as_bytes()[hash - 1] != b'#' {
        return None;
    }
    let hash_at = hash - 1;
    let preceded_ok = hash_at == line_start
        || text[line_start..hash_at].ends_with(|c: char| c.is_whitespace() || c == '(');
    if !preceded_ok {
        return None;
    }
    let after: usize = text[offset..line_end]
        .chars()
        .take_while(|&c| crate::syntax::is_tag_char(c))
        .map(char::len_utf8)
        .sum();
    Some((Span::new(hash, offset + after), &text[hash..offset]))
}

fn tags(vault: &Vault, file: FileId, query: &str, replace: Span, limit: usize) -> Completions {
    let pattern = pattern(query);
    let typed = keys::fold(query);
    let mut matcher = matcher();
    let mut buf = Vec::new();
    let scored = vault
        .tags()
        .filter_map(|(folded, entry)| {
            // The half-typed tag under the cursor is in the index too; it is not a suggestion.
            if *folded == typed && entry.notes.len() == 1 && entry.notes.get(&file) == Some(&1) {
                return None;
            }
            let score = pattern.score(
                nucleo_matcher::Utf32Str::new(&entry.name, &mut buf),
                &mut matcher,
            )?;
            let count = entry.notes.len() as u32;
            Some((
                score,
                count,
                Completion {
                    label: entry.name.clone(),
                    kind: CompletionKind::Tag,
                    detail: Some(format!("{count} note{}", if count == 1 { "" } else { "s" })),
                    insert: entry.name.clone(),
                    replace,
                    filter: entry.name.clone(),
                },
            ))
        })
        .collect();
    rank(scored, limit)
}

/// Completions of a whole folded vault name, used by tests and benchmarks to find an item.
pub fn position_of(completions: &Completions, label: &str) -> Option<usize> {
    let wanted = keys::fold(label);
    completions
        .items
        .iter()
        .position(|c| keys::fold(&c.label) == wanted)
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use super::*;
    use crate::features::fixture::Fixture;

    fn check_limit(fixture: &str, limit: usize, expect: Expect) {
        let f = Fixture::parse(fixture);
        let (file, offset) = f.cursor();
        let candidates = Candidates::build(&f.vault);
        let actual = match complete(
            &f.vault,
            &candidates,
            file,
            offset,
            limit,
            InsertStyle::default(),
        ) {
            None => "none".to_string(),
            Some(list) => {
                let text = &f.vault.note(file).unwrap().text;
                let mut lines: Vec<String> = list
                    .items
                    .iter()
                    .map(|c| {
                        format!(
                            "{:?} {:?} replaces {:?} with {:?} ({})",
                            c.kind,
                            c.label,
                            &text[c.replace.start..c.replace.end],
                            c.insert,
                            c.detail.as_deref().unwrap_or("")
                        )
                    })
                    .collect();
                if list.incomplete {
                    lines.push("(incomplete)".to_string());
                }
                lines.join("\n")
            }
        };
        expect.assert_eq(&actual);
    }

    fn check(fixture: &str, expect: Expect) {
        check_limit(fixture, 50, expect);
    }

    #[test]
    fn notes_and_aliases_after_double_bracket_fuzzy_ranked() {
        check(
            r####"
//- /a.md
source:: [[sput$0
//- /lit/wang2021china China’s Sputnik Moment.md
//- /Sputter.md
---
aliases: [Spray]
---
//- /Other.md
---
aliases: [Sputnik Program]
---
"####,
            expect![[r#"
                Note "Sputter" replaces "sput" with "Sputter]]" (Sputter.md)
                Note "wang2021china China’s Sputnik Moment" replaces "sput" with "wang2021china China’s Sputnik Moment]]" (lit/wang2021china China’s Sputnik Moment.md)
                Alias "Sputnik Program" replaces "sput" with "Other|Sputnik Program]]" (alias of Other.md)"#]],
        );
    }

    #[test]
    fn in_a_dendron_workspace_hierarchy_names_complete_and_aliases_go_label_first() {
        check(
            r####"
//- /a.md
[[mission$0
//- /careers.mission.md
---
aliases: [Careers Mission Statement]
---
//- /careers.md
//- /dendron.yml
version: 5
"####,
            expect![[r#"
                Note "careers.mission" replaces "mission" with "careers.mission]]" (careers.mission.md)
                Alias "Careers Mission Statement" replaces "mission" with "Careers Mission Statement|careers.mission]]" (alias of careers.mission.md)"#]],
        );
    }

    #[test]
    fn replaces_the_whole_target_up_to_the_closing_brackets() {
        check(
            r####"
//- /a.md
See [[My No$0te old|shown]] here
//- /My Note.md
---
aliases: [Mine]
---
"####,
            expect![[r####"Note "My Note" replaces "My Note old" with "My Note" (My Note.md)"####]],
        );
    }

    #[test]
    fn duplicate_names_insert_the_shortest_unambiguous_path() {
        check(
            r####"
//- /a.md
[[ind$0]]
//- /x/index.md
//- /y/deep/index.md
//- /indigo.md
"####,
            expect![[r####"
                Note "index" replaces "ind" with "x/index" (x/index.md)
                Note "index" replaces "ind" with "deep/index" (y/deep/index.md)
                Note "indigo" replaces "ind" with "indigo" (indigo.md)"####]],
        );
    }

    #[test]
    fn attachments_only_after_embed() {
        let fixture = r####"
//- /a.md
EMBED[[pic$0
//- /img/picture.png
//- /pictures.md
"####;
        check(
            &fixture.replace("EMBED", "!"),
            expect![[r#"
            Note "pictures" replaces "pic" with "pictures]]" (pictures.md)
            Attachment "picture.png" replaces "pic" with "picture.png]]" (img/picture.png)"#]],
        );
        check(
            &fixture.replace("EMBED", ""),
            expect![[r####"Note "pictures" replaces "pic" with "pictures]]" (pictures.md)"####]],
        );
    }

    #[test]
    fn headings_of_another_note_and_of_this_one() {
        check(
            r####"
//- /a.md
[[b#$0]]
//- /b.md
# Intro
## Setup [[Tool]]
## Usage
"####,
            expect![[r####"
                Heading "Intro" replaces "" with "Intro" (# b)
                Heading "Setup Tool" replaces "" with "Setup Tool" (## b)
                Heading "Usage" replaces "" with "Usage" (## b)"####]],
        );
        check(
            r####"
//- /a.md
# Alpha
# Beta
[[#be$0
"####,
            expect![[r####"Heading "Beta" replaces "be" with "Beta]]" (# a)"####]],
        );
    }

    #[test]
    fn headings_are_inserted_as_obsidian_links_them() {
        // Obsidian's `stripHeadingForLink`: only what breaks a link goes; `?`, `&` and
        // markup stay, and every inserted text resolves back to its heading.
        check(
            r####"
//- /a.md
[[b#$0]]
//- /b.md
# What is it?
## Step: one | two
## `hasTag()` & D&D
"####,
            expect![[r####"
                Heading "What is it?" replaces "" with "What is it?" (# b)
                Heading "Step one two" replaces "" with "Step one two" (## b)
                Heading "`hasTag()` & D&D" replaces "" with "`hasTag()` & D&D" (## b)"####]],
        );
    }

    #[test]
    fn block_ids_after_caret() {
        check(
            r####"
//- /a.md
[[b#^$0]]
//- /b.md
A claim worth citing ^claim

- a list item ^item
"####,
            expect![[r####"
                Block "claim" replaces "" with "claim" (A claim worth citing)
                Block "item" replaces "" with "item" (- a list item)"####]],
        );
    }

    #[test]
    fn tags_after_hash_but_not_in_headings() {
        check(
            r####"
//- /a.md
text #on/c$0
//- /b.md
#on/china #on/fp #china
"####,
            expect![[r#"Tag "on/china" replaces "on/c" with "on/china" (1 note)"#]],
        );
        check(
            r####"
//- /a.md
# $0
"####,
            expect!["none"],
        );
    }

    #[test]
    fn bounded_list_is_marked_incomplete() {
        check_limit(
            r####"
//- /a.md
[[note$0
//- /note1.md
//- /note2.md
//- /note3.md
"####,
            2,
            expect![[r####"
                Note "note1" replaces "note" with "note1]]" (note1.md)
                Note "note2" replaces "note" with "note2]]" (note2.md)
                (incomplete)"####]],
        );
    }

    #[test]
    fn nothing_in_display_text() {
        check(
            r####"
//- /a.md
[[b|sho$0
"####,
            expect!["none"],
        );
    }
}

#[cfg(test)]
mod ranking_tests {
    use expect_test::expect;

    use super::*;
    use crate::features::fixture::Fixture;

    #[test]
    fn a_note_ranks_above_its_own_alias() {
        let f = Fixture::parse(
            "//- /a.md\n[[5000$0\n//- /x/outline draft 5000.md\n---\naliases: [alias 5000]\n---\n",
        );
        let (file, offset) = f.cursor();
        let list = complete(
            &f.vault,
            &Candidates::build(&f.vault),
            file,
            offset,
            50,
            InsertStyle::default(),
        )
        .unwrap();
        let labels: Vec<&str> = list.items.iter().map(|c| c.label.as_str()).collect();
        expect![[r#"["outline draft 5000", "alias 5000"]"#]].assert_eq(&format!("{labels:?}"));
    }

    #[test]
    fn configured_link_style_and_markdown_format_shape_the_insert() {
        let fixture = "//- /notes/a.md\nsee [[tar$0]] now\n//- /deep/My Target.md\n";
        let f = Fixture::parse(fixture);
        let (file, offset) = f.cursor();
        let candidates = Candidates::build(&f.vault);
        let first = |style| {
            let list = complete(&f.vault, &candidates, file, offset, 5, style).unwrap();
            let c = list.items.into_iter().next().unwrap();
            let text = &f.vault.note(file).unwrap().text;
            format!(
                "{:?} -> {:?}",
                &text[c.replace.start..c.replace.end],
                c.insert
            )
        };
        let style = |target, markdown| InsertStyle { target, markdown };
        assert_eq!(
            first(style(LinkStyle::Shortest, false)),
            r#""tar" -> "My Target""#
        );
        assert_eq!(
            first(style(LinkStyle::Relative, false)),
            r#""tar" -> "../deep/My Target""#
        );
        assert_eq!(
            first(style(LinkStyle::Absolute, false)),
            r#""tar" -> "deep/My Target""#
        );
        assert_eq!(
            first(style(LinkStyle::Shortest, true)),
            r#""[[tar]]" -> "[My Target](../deep/My%20Target.md)""#
        );
    }

    #[test]
    fn narrowing_from_the_last_query_gives_what_a_fresh_query_gives() {
        let notes = [
            "research",
            "reading list",
            "review",
            "rename me",
            "area",
            "Résumé",
            "tree",
            "rest",
        ];
        let mut fixture = String::from("//- /a.md\nstart\n");
        for (i, n) in notes.iter().enumerate() {
            fixture.push_str(&format!(
                "//- /f{i}/{n}.md\n---\naliases: [{n} alias]\n---\n"
            ));
        }
        let f = Fixture::parse(&fixture);
        let (file, _) = (f.vault.id(std::path::Path::new("/vault/a.md")).unwrap(), 0);
        let shared = Candidates::build(&f.vault);
        for query in ["r", "re", "res", "re", "e", "r e", "r es", "re$", "res"] {
            let mut vault = Fixture::parse(&fixture).vault;
            let path = std::path::Path::new("/vault/a.md");
            let text = format!("[[{query}");
            vault.upsert_note(path, crate::index::Note::parse(text.clone()));
            let labels = |c: &Candidates| {
                complete(&vault, c, file, text.len(), 50, InsertStyle::default())
                    .unwrap()
                    .items
                    .iter()
                    .map(|i| i.label.clone())
                    .collect::<Vec<_>>()
            };
            assert_eq!(
                labels(&shared),
                labels(&Candidates::build(&vault)),
                "query {query:?}"
            );
        }
    }
}
