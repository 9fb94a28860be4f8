//! Completion inside the frontmatter: property keys at the start of a line (the vault's keys,
//! most used first, with their note counts) and values after `key: `, in `[a, b]` and in
//! `- item` lists (the values in use for that key; tags for `tags:`; nothing for `aliases:`;
//! notes, written `"[[Name]]"`, for keys whose values are links).

use super::candidates::Candidates;
use super::notes::notes;
use super::tags::tags;
use super::{
    Completion, CompletionKind, Completions, InsertStyle, LinkContext, line_bounds, matcher,
    pattern, rank,
};
use crate::index::properties::{KeyStats, ValueStats, fold_key};
use crate::index::{FileId, Vault};
use crate::syntax::Span;

/// What the cursor is on inside the frontmatter.
enum Context<'t> {
    /// A key being typed at the start of a line: the span it occupies and the typed part.
    Key { replace: Span, typed: &'t str },
    /// A value of `key`: the span it occupies and the typed part.
    Value {
        key: &'t str,
        replace: Span,
        typed: &'t str,
    },
}

fn context(text: &str, content: Span, offset: usize) -> Option<Context<'_>> {
    // At `content.end` the cursor is on the closing fence, which is no key.
    if offset < content.start() || offset >= content.end() {
        return None;
    }
    let (line_start, line_end) = line_bounds(text, offset);
    let line = &text[line_start..line_end];
    let before = &text[line_start..offset];
    if let Some(item) = before.trim_start_matches(' ').strip_prefix("- ") {
        // A block-list item: its key is on the nearest line above that starts at column 0.
        let key = text[content.start()..line_start]
            .lines()
            .rev()
            .find(|l| !l.is_empty() && !l.starts_with([' ', '-', '#']))?;
        let key = key.split_once(':')?.0;
        let typed = item.trim_start();
        let start = offset - typed.len();
        return Some(Context::Value {
            key,
            replace: Span::new(start, line_end - trailing_spaces(line)),
            typed,
        });
    }
    let Some(colon) = before.find(':') else {
        if before.starts_with([' ', '-', '#']) || before.contains(['[', '"', '\'', '{']) {
            return None;
        }
        let key_end = line.find(':').unwrap_or(line.len() - trailing_spaces(line));
        return Some(Context::Key {
            replace: Span::new(line_start, line_start + key_end.max(before.len())),
            typed: before,
        });
    };
    let key = &before[..colon];
    if key.is_empty() || key.starts_with([' ', '-', '#']) {
        return None;
    }
    let value = &before[colon + 1..];
    if !value.is_empty() && !value.starts_with(' ') {
        return None;
    }
    let after = &text[offset..line_end];
    if let Some(open) = value.rfind('[') {
        // Inside `[a, b]`: the item between the last `[` or `,` and the next `,` or `]`.
        let from = value.rfind(',').filter(|&c| c > open).unwrap_or(open) + 1;
        let typed = value[from..].trim_start();
        let start = offset - typed.len();
        let end = offset + after.find([',', ']']).unwrap_or(after.len());
        let end = end - text[offset..end].len() + text[offset..end].trim_end().len();
        return Some(Context::Value {
            key,
            replace: Span::new(start, end),
            typed,
        });
    }
    let typed = value.trim_start();
    Some(Context::Value {
        key,
        replace: Span::new(
            offset - typed.len(),
            (line_end - trailing_spaces(line)).max(offset),
        ),
        typed,
    })
}

fn trailing_spaces(line: &str) -> usize {
    line.len() - line.trim_end().len()
}

fn plural(n: u32) -> String {
    format!("{n} note{}", if n == 1 { "" } else { "s" })
}

/// Completion in the frontmatter of `file`, or `None` when the cursor is elsewhere.
pub(super) fn complete(
    vault: &Vault,
    candidates: &Candidates,
    file: FileId,
    offset: usize,
    limit: usize,
) -> Option<Completions> {
    let note = vault.note(file)?;
    let fm = note.syntax.frontmatter()?;
    let text = &note.text();
    let own: Vec<String> = fm.properties.iter().map(|p| fold_key(&p.key)).collect();
    match context(text, fm.content, offset)? {
        Context::Key { replace, typed } => {
            let pattern = pattern(typed);
            let mut matcher = matcher();
            let mut buf = Vec::new();
            let typed_key = fold_key(typed);
            let rest = &text[replace.end()..line_bounds(text, offset).1];
            let suffix = if rest.starts_with(':') { "" } else { ": " };
            let scored = vault
                .properties
                .keys()
                .filter_map(|(folded, stats)| {
                    // This note's own keys are not suggestions (a key appears once), nor is the
                    // half-typed one if no other note has it.
                    let mine = own.contains(folded);
                    let others = stats.notes - u32::from(mine);
                    if (mine && *folded != typed_key) || others == 0 {
                        return None;
                    }
                    let score = pattern.score(
                        nucleo_matcher::Utf32Str::new(&stats.name, &mut buf),
                        &mut matcher,
                    )?;
                    let detail = match vault.properties.type_of(folded) {
                        Some(t) => format!("{}, {}", plural(others), t.name()),
                        None => plural(others),
                    };
                    Some((
                        others,
                        score,
                        Completion {
                            label: stats.name.clone(),
                            kind: CompletionKind::Property,
                            detail: Some(detail),
                            // The count beside the key in the list itself (`status  412
                            // notes`), where the client shows one, not only on the focused item.
                            description: Some(plural(others)),
                            insert: format!("{}{suffix}", stats.name),
                            replace,
                            filter: stats.name.clone(),
                        },
                    ))
                })
                .collect();
            // Ranked by how many notes use a key first (`rank` orders by its first number): the
            // list is short and users pick keys by use.
            Some(rank(scored, limit))
        }
        Context::Value {
            key,
            replace,
            typed,
        } => {
            let folded = fold_key(key);
            match folded.as_str() {
                "aliases" | "alias" => return Some(Completions::default()),
                "tags" | "tag" => {
                    let query = typed.trim_start_matches('#');
                    let at = replace.start() + (typed.len() - query.len());
                    return Some(tags(
                        vault,
                        file,
                        query,
                        Span::new(at, replace.end()),
                        limit,
                    ));
                }
                _ => {}
            }
            let stats = vault.properties.key(&folded)?;
            if stats.link_values() * 2 > stats.value_count() && !typed.starts_with(['[', '"']) {
                return Some(link_values(vault, candidates, file, replace, typed, limit));
            }
            let mine: Vec<&str> = fm
                .properties
                .iter()
                .filter(|p| fold_key(&p.key) == folded)
                .flat_map(|p| p.values.iter().map(|(v, _)| v.trim()))
                .collect();
            let (values, bounded) = value_candidates(stats, typed);
            let pattern = pattern(typed);
            let mut matcher = matcher();
            let mut buf = Vec::new();
            let mut scored: Vec<(u32, u32, &str)> = values
                .into_iter()
                .filter_map(|value| {
                    let others = value.notes - u32::from(mine.contains(&&*value.text));
                    if others == 0 {
                        return None;
                    }
                    let score = pattern.score(
                        nucleo_matcher::Utf32Str::new(&value.text, &mut buf),
                        &mut matcher,
                    )?;
                    Some((score, others, &*value.text))
                })
                .collect();
            // A key can have a value per note (ids, dates): keep the best before building items,
            // in `rank`'s order, so that only `limit` of them are ever allocated.
            let incomplete = scored.len() > limit;
            let order = |a: &(u32, u32, &str), b: &(u32, u32, &str)| {
                (b.0, b.1)
                    .cmp(&(a.0, a.1))
                    .then_with(|| a.2.chars().count().cmp(&b.2.chars().count()))
                    .then_with(|| a.2.cmp(b.2))
            };
            if incomplete {
                scored.select_nth_unstable_by(limit, order);
                scored.truncate(limit);
            }
            let items = scored
                .into_iter()
                .map(|(score, others, text)| {
                    let item = Completion {
                        label: text.to_string(),
                        kind: CompletionKind::Value,
                        detail: Some(plural(others)),
                        description: Some(plural(others)),
                        insert: yaml_scalar(text),
                        replace,
                        filter: text.to_string(),
                    };
                    (score, others, item)
                })
                .collect();
            let mut found = rank(items, limit);
            // Values left unscored may match better as more is typed: ask again then.
            found.incomplete = incomplete || bounded;
            Some(found)
        }
    }
}

/// Keys with at most this many distinct values have every one scored: the common keys
/// (`status`, `type`, dates) answer exactly as a full scan would.
const SCORE_ALL: usize = 512;
/// Beyond that, at most this many values starting with the typed text and as many of the most
/// common are scored, so that a keystroke costs the same for 600 values as for 50,000.
const BOUNDED: usize = 256;

/// The values of `stats` worth scoring for `typed`, and whether some were left out.
fn value_candidates<'s>(stats: &'s KeyStats, typed: &str) -> (Vec<&'s ValueStats>, bool) {
    if stats.value_count() <= SCORE_ALL {
        return (stats.values().collect(), false);
    }
    let mut values: Vec<&ValueStats> = stats
        .starting_with(typed.trim())
        .take(BOUNDED)
        .chain(stats.by_count().take(BOUNDED))
        .collect();
    values.sort_unstable_by(|a, b| a.text.cmp(&b.text));
    values.dedup_by(|a, b| a.text == b.text);
    (values, true)
}

/// Notes for a link-valued key, written as Obsidian writes them there: `"[[Name]]"`.
fn link_values(
    vault: &Vault,
    candidates: &Candidates,
    file: FileId,
    replace: Span,
    typed: &str,
    limit: usize,
) -> Completions {
    let ctx = LinkContext {
        embed: false,
        open: replace.start(),
        typed,
        rest: "",
        closed: false,
    };
    let mut found = notes(
        vault,
        candidates,
        file,
        &ctx,
        replace,
        "",
        false,
        limit,
        InsertStyle::default(),
    );
    for item in &mut found.items {
        item.insert = format!("\"[[{}]]\"", item.insert);
    }
    found
}

/// `value` as YAML reads it back: plain where that is safe, else double-quoted.
fn yaml_scalar(value: &str) -> String {
    let plain = !value.starts_with([
        '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@',
        '`', ' ',
    ]) && !value.ends_with([':', ' '])
        && !value.contains(": ")
        && !value.contains(" #")
        && !value.contains([',', '\n', '\t']);
    if plain {
        value.to_string()
    } else {
        serde_json::to_string(value).unwrap_or_else(|_| value.to_string())
    }
}
