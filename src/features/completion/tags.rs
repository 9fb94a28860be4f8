//! Tag completion after `#` outside links: every tag of the vault, nested ones included.

use super::{Completion, CompletionKind, Completions, line_bounds, matcher, pattern, rank};
use crate::index::{FileId, Vault, keys};
use crate::syntax::Span;

/// `#ta|` outside a link: the span after `#` to the end of the tag, and the typed query.
pub(super) fn tag_context(text: &str, offset: usize) -> Option<(Span, &str)> {
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

pub(super) fn tags(
    vault: &Vault,
    file: FileId,
    query: &str,
    replace: Span,
    limit: usize,
) -> Completions {
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
                    description: None,
                    insert: entry.name.clone(),
                    replace,
                    filter: entry.name.clone(),
                },
            ))
        })
        .collect();
    rank(scored, limit)
}
