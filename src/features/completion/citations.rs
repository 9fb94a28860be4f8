//! Completion of citation keys after `[@`, after `@` inside a citation bracket, and after
//! `[[@`. Fuzzy over key, authors, title and year (`sputnik` finds `wang2021china`), against
//! the candidate list the sources index builds once per bibliography change.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher};

use super::{Completion, CompletionKind, Completions};
use crate::features::citations::literature_notes;
use crate::index::{FileId, Vault};
use crate::sources::format;
use crate::syntax::{Span, is_citation_key_char};

/// The key being typed after an `@` that opens a citation item: (span of the typed key up to
/// its end, the part before the cursor).
pub(super) fn citation_context(text: &str, offset: usize) -> Option<(Span, &str)> {
    let line_start = text[..offset].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let prefix = &text[line_start..offset];
    let typed_len: usize = prefix
        .chars()
        .rev()
        .take_while(|&c| is_citation_key_char(c))
        .map(char::len_utf8)
        .sum();
    let at = offset - typed_len;
    if at == line_start || text.as_bytes()[at - 1] != b'@' {
        return None;
    }
    let before_at = &text[line_start..at - 1];
    let opens = match before_at.chars().next_back() {
        // `[@`, but not `[[@` (a link, completed with the link's targets).
        Some('[') => !before_at[..before_at.len() - 1].ends_with('['),
        Some(c) if c.is_whitespace() || c == ';' || c == '-' => {
            // Inside a bracket opened earlier on the line and not closed yet.
            match before_at.rfind('[') {
                Some(open) => {
                    !before_at[open..].contains(']')
                        && !before_at[..open].ends_with('[')
                        && !before_at[open + 1..].starts_with('[')
                }
                None => false,
            }
        }
        _ => false,
    };
    if !opens {
        return None;
    }
    let line_end = text[offset..]
        .find(['\n', '\r'])
        .map_or(text.len(), |i| offset + i);
    let after: usize = text[offset..line_end]
        .chars()
        .take_while(|&c| is_citation_key_char(c))
        .map(char::len_utf8)
        .sum();
    Some((Span::new(at, offset + after), &text[at..offset]))
}

/// (index into the candidates, score, popularity) of the `limit` best matches of `query`, and
/// whether more matched. No allocation per candidate: an empty query matches them all.
fn ranked(vault: &Vault, query: &str, limit: usize) -> (Vec<(usize, u32, u32)>, bool) {
    let candidates = vault.sources.key_candidates();
    let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut scored: Vec<(usize, u32, u32)> = candidates
        .items
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let score = pattern.score(c.haystack.slice(..), &mut matcher)?;
            Some((i, score, vault.sources.cite_count(&c.folded)))
        })
        .collect();
    let order = |a: &(usize, u32, u32), b: &(usize, u32, u32)| {
        (b.1, b.2).cmp(&(a.1, a.2)).then_with(|| {
            candidates.items[a.0]
                .folded
                .cmp(&candidates.items[b.0].folded)
        })
    };
    let incomplete = scored.len() > limit;
    if incomplete {
        scored.select_nth_unstable_by(limit, order);
        scored.truncate(limit);
    }
    scored.sort_by(order);
    (scored, incomplete)
}

/// Keys after `[@` or after `@` in a citation bracket; `None` elsewhere.
pub fn complete(vault: &Vault, file: FileId, offset: usize, limit: usize) -> Option<Completions> {
    let note = vault.note(file)?;
    let text = note.text();
    let (replace, query) = citation_context(&text, offset)?;
    if !vault.sources.has_bibliography() {
        return None;
    }
    let (ranked, incomplete) = ranked(vault, query, limit);
    let candidates = vault.sources.key_candidates();
    let items = ranked
        .into_iter()
        .map(|(i, _, _)| {
            let c = &candidates.items[i];
            let (_, entry) = vault.sources.bib_entry(c.bib, c.entry);
            Completion {
                label: entry.key.clone(),
                kind: CompletionKind::Citation,
                detail: Some(format::short(entry)),
                description: None,
                insert: entry.key.clone(),
                replace,
                filter: format::haystack(entry),
            }
        })
        .collect();
    Some(Completions { items, incomplete })
}

/// After `[[@`: bibliography keys first (each inserting its literature note's link target, or
/// `@key` when it has none), then the notes `notes` already holds that are not among them.
pub fn extend_link_completion(
    vault: &Vault,
    file: FileId,
    typed: &str,
    replace: Span,
    close: &str,
    notes: Completions,
    limit: usize,
) -> Completions {
    let Some(query) = typed.trim_start().strip_prefix('@') else {
        return notes;
    };
    if !vault.sources.has_bibliography() {
        return notes;
    }
    let (ranked, incomplete) = ranked(vault, query, limit);
    let candidates = vault.sources.key_candidates();
    let mut shown_notes = std::collections::HashSet::new();
    let mut items: Vec<Completion> = ranked
        .into_iter()
        .map(|(i, _, _)| {
            let c = &candidates.items[i];
            let (_, entry) = vault.sources.bib_entry(c.bib, c.entry);
            let target = match literature_notes(vault, &entry.key).first() {
                Some(&lit) => {
                    shown_notes.insert(vault.file(lit).display_name().to_string());
                    vault.shortest_target(file, lit)
                }
                None => format!("@{}", entry.key),
            };
            Completion {
                label: format!("@{}", entry.key),
                kind: CompletionKind::Citation,
                detail: Some(format::short(entry)),
                description: None,
                insert: format!("{target}{close}"),
                replace,
                filter: format!("@{}", format::haystack(entry)),
            }
        })
        .collect();
    let mut incomplete = incomplete || notes.incomplete;
    for item in notes.items {
        if items.len() >= limit {
            incomplete = true;
            break;
        }
        if item.kind == CompletionKind::Note && shown_notes.contains(&item.label) {
            continue;
        }
        items.push(item);
    }
    Completions { items, incomplete }
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use crate::features::completion::{Candidates, complete};
    use crate::features::fixture::Fixture;

    const BIB: &str = r#"
//- /refs.bib
@article{wang2021china,
  author = {Wang, Dan},
  title = {China's Sputnik Moment},
  journal = {Foreign Affairs},
  year = {2021}
}
@book{adler1939,
  author = {Adler, Mortimer J.},
  title = {How to Read a Book},
  year = {1939}
}
@misc{doe:2020-a,
  author = {Doe, Jane and Roe, Rick and Poe, Pat},
  title = {Keys with colons},
  year = {2020}
}
//- /wang2021china China’s Sputnik Moment.md
# China’s Sputnik Moment
"#;

    fn check(note: &str, expect: Expect) {
        let f = Fixture::parse(&format!("//- /a.md\n{note}\n{BIB}"));
        let (file, offset) = f.cursor();
        let candidates = Candidates::build(&f.vault);
        let style = crate::features::completion::InsertStyle::default();
        let actual = match complete(&f.vault, &candidates, file, offset, 50, style) {
            None => "none".to_string(),
            Some(list) => {
                let text = &f.vault.note(file).unwrap().text();
                list.items
                    .iter()
                    .map(|c| {
                        format!(
                            "{:?} {:?} replaces {:?} with {:?} ({})",
                            c.kind,
                            c.label,
                            &text[c.replace.range()],
                            c.insert,
                            c.detail.as_deref().unwrap_or("")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            }
        };
        expect.assert_eq(&actual);
    }

    #[test]
    fn title_words_find_a_key_after_bracket_at() {
        check(
            "As shown [@sput$0]",
            expect![[
                r#"Citation "wang2021china" replaces "sput" with "wang2021china" (Wang 2021 · China's Sputnik Moment)"#
            ]],
        );
    }

    #[test]
    fn second_item_of_a_group_and_author_and_year_queries() {
        check(
            "[see @adler1939, p. 3; @roe$0 more]",
            expect![[r#"
                Citation "doe:2020-a" replaces "roe" with "doe:2020-a" (Doe et al. 2020 · Keys with colons)
                Citation "adler1939" replaces "roe" with "adler1939" (Adler 1939 · How to Read a Book)"#]],
        );
        check(
            "[@1939$0",
            expect![[
                r#"Citation "adler1939" replaces "1939" with "adler1939" (Adler 1939 · How to Read a Book)"#
            ]],
        );
    }

    #[test]
    fn empty_query_offers_every_key_and_the_typed_key_is_replaced_whole() {
        check(
            "[@$0]",
            expect![[r#"
                Citation "adler1939" replaces "" with "adler1939" (Adler 1939 · How to Read a Book)
                Citation "doe:2020-a" replaces "" with "doe:2020-a" (Doe et al. 2020 · Keys with colons)
                Citation "wang2021china" replaces "" with "wang2021china" (Wang 2021 · China's Sputnik Moment)"#]],
        );
        check(
            "[@ad$0ler1939, p. 3]",
            expect![[r#"
                Citation "adler1939" replaces "adler1939" with "adler1939" (Adler 1939 · How to Read a Book)
                Citation "doe:2020-a" replaces "adler1939" with "doe:2020-a" (Doe et al. 2020 · Keys with colons)"#]],
        );
    }

    #[test]
    fn link_completion_after_at_inserts_the_literature_note_or_the_key() {
        check(
            "source:: [[@sput$0",
            expect![[
                r#"Citation "@wang2021china" replaces "@sput" with "wang2021china China’s Sputnik Moment]]" (Wang 2021 · China's Sputnik Moment)"#
            ]],
        );
        check(
            "[[@adl$0]]",
            expect![[r#"
                Citation "@adler1939" replaces "@adl" with "@adler1939" (Adler 1939 · How to Read a Book)
                Citation "@doe:2020-a" replaces "@adl" with "@doe:2020-a" (Doe et al. 2020 · Keys with colons)"#]],
        );
    }

    #[test]
    fn no_key_completion_for_emails_bare_mentions_or_outside_brackets() {
        check("mail me@ex$0", expect!["none"]);
        check("hello @adl$0", expect!["none"]);
        check("[done] @adl$0", expect!["none"]);
    }
}
