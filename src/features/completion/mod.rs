//! Completion inside `[[…]]` (notes, aliases, attachments after `![[`, headings after `#`, block
//! ids after `#^`) and after `#` (tags). Fuzzy-ranked with nucleo; every item replaces the whole
//! typed target, so names with spaces work whatever the client's word pattern. This file holds
//! the answer's types, the context under the cursor and the dispatch to each kind's producer;
//! citation keys are completed in `citations`.

mod anchors;
mod bound;
mod candidates;
mod citations;
mod days;
mod notes;
mod patch;
mod properties;
mod tags;
mod tiers;
mod top;

pub use candidates::{Candidates, encode_image, encode_image_from, scoring_threads};

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher};

use anchors::{blocks, headings};
use notes::notes;
use tags::{tag_context, tags};

use crate::config::LinkStyle;
use crate::index::{FileId, Vault, keys};
use crate::syntax::{Link, LinkKind, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompletionKind {
    Note,
    Alias,
    Attachment,
    Heading,
    Block,
    Tag,
    Citation,
    /// A frontmatter key.
    Property,
    /// A frontmatter value.
    Value,
    /// A day's daily note (`[[today`).
    Day,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub label: String,
    pub kind: CompletionKind,
    pub detail: Option<String>,
    /// A short word shown beside the label in the list itself (the note's folder), so that
    /// notes of the same name can be told apart before one is focused.
    pub description: Option<String>,
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
    let text = &note.text();
    if offset > text.len() || !text.is_char_boundary(offset) {
        return None;
    }
    if let Some(keys) = citations::complete(vault, file, offset, limit) {
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
                citations::extend_link_completion(
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
    if let Some(found) = properties::complete(vault, candidates, file, offset, limit) {
        return Some(found);
    }
    tag_context(text, offset).map(|(replace, query)| tags(vault, file, query, replace, limit))
}

/// [`complete`], with the daily notes of the days a `[[` names (`[[today`, `[[next monday`…)
/// first, `today` being the user's today.
#[allow(clippy::too_many_arguments)]
pub fn complete_with_days(
    vault: &Vault,
    candidates: &Candidates,
    file: FileId,
    offset: usize,
    limit: usize,
    style: InsertStyle,
    today: jiff::civil::Date,
    daily: &crate::config::obsidian::DailyNotes,
) -> Option<Completions> {
    let mut found = complete(vault, candidates, file, offset, limit, style)?;
    let text = &vault.note(file)?.text();
    if let Some(ctx) = link_context(text, offset).filter(|_| !style.markdown) {
        days::prepend_days(
            vault,
            file,
            &ctx,
            offset,
            today,
            daily,
            style.target,
            &mut found,
        );
    }
    Some(found)
}

/// Whether completion at `offset` in `text` offers names alone — a link's target typed so
/// far, no heading, block, display text or citation key (`[[@key`, which lists bibliography
/// keys and their literature notes) —, which a vault of names alone (a restart's sketch, see
/// `loader::load_sketch`) answers as the full index would.
pub fn completes_names(text: &str, offset: usize) -> bool {
    offset <= text.len()
        && text.is_char_boundary(offset)
        && citations::citation_context(text, offset).is_none()
        && link_context(text, offset).is_some_and(|ctx| {
            !ctx.typed.contains(['#', '|', '^']) && !ctx.typed.trim_start().starts_with('@')
        })
}

/// Resolve what the user typed before `#` as a wikilink from `file`.
fn resolve_typed(vault: &Vault, file: FileId, target: &str) -> Option<FileId> {
    let link = Link::new(
        LinkKind::Wiki,
        false,
        Span::default(),
        target.trim().into(),
        Span::default(),
    );
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

/// Completions of a whole folded vault name, used by tests and benchmarks to find an item.
pub fn position_of(completions: &Completions, label: &str) -> Option<usize> {
    let wanted = keys::fold(label);
    completions
        .items
        .iter()
        .position(|c| keys::fold(&c.label) == wanted)
}

#[cfg(test)]
mod property_tests;
#[cfg(test)]
mod ranking_tests;
#[cfg(test)]
mod tests;
