//! Heading completion after `[[Note#` and block completion after `[[Note#^`, in the target note.

use super::{Completion, CompletionKind, Completions, matcher, pattern, rank};
use crate::index::{FileId, Vault, keys};
use crate::syntax::Span;

pub(super) fn headings(
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
    let headings = note.syntax.headings();
    let count = headings.len() as u32;
    let scored = headings
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
                    description: None,
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
            headings
                .iter()
                .position(|h| keys::heading_link_text(&h.text) == c.label)
        });
    }
    out
}

pub(super) fn blocks(
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
    let blocks = note.syntax.blocks();
    let count = blocks.len() as u32;
    let scored = blocks
        .iter()
        .enumerate()
        .filter_map(|(i, b)| {
            let block_text = note.text()[b.block.range()].replace(&format!("^{}", b.id), "");
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
                    label: b.id.to_string(),
                    kind: CompletionKind::Block,
                    detail: Some(detail),
                    description: None,
                    insert: format!("{}{close}", b.id),
                    replace,
                    filter: haystack,
                },
            ))
        })
        .collect();
    rank(scored, limit)
}
