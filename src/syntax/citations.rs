//! Pandoc citations in a note's body: bracketed groups `[see @a, p. 12; -@b]` and in-text `@key`
//! (with an optional `[locator]` after it), each with exact byte ranges. Scanned on the raw text
//! outside code, math, HTML, comments and links, one line at a time.

use super::breaks::Breaks;
use super::inline::Mask;
use super::{NoteSyntax, Span};

/// One cited source: an in-text `@key`, or one item of a bracketed `[…; …]` group.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Citation {
    /// The key as written, without `@` or braces.
    pub key: super::Name,
    /// `@key`, with the `-` of a suppressed author and the braces of `@{key}` when present.
    pub span: Span,
    pub key_span: Span,
    /// The whole `[…]` group for bracketed citations; `None` for in-text ones.
    pub group: Option<Span>,
    /// Text before the key inside its item (`see`), trimmed.
    pub prefix: Option<Span>,
    /// Locator and suffix after the key (`p. 12`), without the separating comma; for an in-text
    /// citation, the text of a `[…]` that follows it.
    pub suffix: Option<Span>,
    /// `-@key`: cite without naming the author.
    pub suppress_author: bool,
}

impl Citation {
    pub fn is_bracketed(&self) -> bool {
        self.group.is_some()
    }
}

impl NoteSyntax {
    /// The citation whose `@key` the cursor touches.
    pub fn citation_at(&self, offset: usize) -> Option<&Citation> {
        self.citations.iter().find(|c| c.span.touches(offset))
    }
}

/// Pandoc's internal punctuation in keys: allowed inside a key, never at its end.
fn is_key_punct(c: char) -> bool {
    matches!(
        c,
        ':' | '.' | '#' | '$' | '%' | '&' | '-' | '+' | '?' | '<' | '>' | '~' | '/'
    )
}

/// Whether `c` may be part of a citation key (start excepted: see [`key_at`]).
pub fn is_key_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || is_key_punct(c)
}

/// The key after an `@` at `at` in `line`: (key, key span within the line, end of the `@…`).
fn key_at(line: &str, at: usize) -> Option<(String, Span, usize)> {
    let rest = &line[at + 1..];
    if let Some(inner) = rest.strip_prefix('{') {
        // A key holds no brackets: the search stops at the first, so that a line of unclosed
        // `@{` is scanned once, not once per `@{` to its end.
        let close = inner.find(['}', '{', '[', ']'])?;
        if inner.as_bytes()[close] != b'}' {
            return None;
        }
        let key = inner[..close].trim();
        if key.is_empty() {
            return None;
        }
        let start = at + 2 + (inner[..close].len() - inner[..close].trim_start().len());
        return Some((
            key.to_string(),
            Span::new(start, start + key.len()),
            at + 2 + close + 1,
        ));
    }
    let first = rest.chars().next()?;
    if !(first.is_alphanumeric() || first == '_') {
        return None;
    }
    let len: usize = rest
        .chars()
        .take_while(|&c| is_key_char(c))
        .map(char::len_utf8)
        .sum();
    // Trailing punctuation ends the sentence, not the key: `@doe99.` cites `doe99`.
    let key = rest[..len].trim_end_matches(is_key_punct);
    // `@user@host` is a handle, not a citation.
    if rest[key.len()..].starts_with('@') {
        return None;
    }
    let start = at + 1;
    Some((
        key.to_string(),
        Span::new(start, start + key.len()),
        start + key.len(),
    ))
}

/// Characters after which an in-text `@` cannot start a citation: word characters (emails) and
/// the punctuation of URLs, paths and escapes.
fn blocks_in_text(c: char) -> bool {
    c.is_alphanumeric()
        || matches!(
            c,
            '@' | '.' | '/' | '\\' | ':' | '+' | '=' | '&' | '%' | '~' | '#' | '$' | '-' | '`'
        )
}

/// Every citation in the body, in text order, added to `out` (empty when it comes). `hidden`
/// holds code, math, HTML and comments; `links` the spans of links, inside which nothing is a
/// citation.
pub(super) fn scan(
    text: &str,
    body_start: usize,
    breaks: &Breaks,
    hidden: &Mask,
    links: &Mask,
    out: &mut Vec<Citation>,
) {
    // One search of the whole body rules out the notes that cite nothing: most of them.
    if memchr::memchr(b'@', &text.as_bytes()[body_start.min(text.len())..]).is_none() {
        return;
    }
    for (start, end, _) in breaks.lines(text, body_start) {
        let line = &text[start..end];
        if memchr::memchr(b'@', line.as_bytes()).is_none() {
            continue;
        }
        let blocked = |i: usize| hidden.contains(start + i) || links.contains(start + i);
        let groups = bracket_groups(line, start, &blocked, out);
        in_text(line, start, &groups, &blocked, out);
    }
    out.sort_by_key(|c| c.span);
}

/// Bracketed groups of one line: `[` … `]` with no bracket inside, every `;`-separated item
/// holding a key. Returns the groups' spans (line-relative) so in-text scanning skips them.
fn bracket_groups(
    line: &str,
    base: usize,
    blocked: &dyn Fn(usize) -> bool,
    out: &mut Vec<Citation>,
) -> Vec<Span> {
    let bytes = line.as_bytes();
    let mut groups = Vec::new();
    let mut i = 0;
    while let Some(rel) = line[i..].find('[') {
        let open = i + rel;
        i = open + 1;
        // `[[link]]`, `![image]` and `[^footnote]` are not citation groups.
        if bytes.get(open + 1) == Some(&b'[')
            || (open > 0 && matches!(bytes[open - 1], b'[' | b'!'))
            || blocked(open)
        {
            continue;
        }
        let Some(close_rel) = line[open + 1..].find([']', '[']) else {
            break;
        };
        let close = open + 1 + close_rel;
        if bytes[close] != b']' {
            continue;
        }
        // `[text](url)` and `[text][ref]` are links (web links are not in `links`): nothing in
        // them is a citation.
        if let Some(&next) = bytes.get(close + 1).filter(|b| matches!(b, b'(' | b'[')) {
            let closer = if next == b'(' { ')' } else { ']' };
            let end = line[close + 1..]
                .find(closer)
                .map_or(line.len(), |e| close + 2 + e);
            groups.push(Span::new(open, end));
            i = end;
            continue;
        }
        let items = group_items(line, open + 1, close);
        if items.is_empty() || items.iter().any(Option::is_none) || blocked(close) {
            continue;
        }
        let group = Span::new(open, close + 1);
        for item in items.into_iter().flatten() {
            out.push(Citation {
                key: item.key.into(),
                span: item.span.shift(base),
                key_span: item.key_span.shift(base),
                group: Some(group.shift(base)),
                prefix: item.prefix.map(|s| s.shift(base)),
                suffix: item.suffix.map(|s| s.shift(base)),
                suppress_author: item.suppress,
            });
        }
        groups.push(group);
        i = close + 1;
    }
    groups
}

struct Item {
    key: String,
    span: Span,
    key_span: Span,
    prefix: Option<Span>,
    suffix: Option<Span>,
    suppress: bool,
}

/// The items of a group's content `line[from..to]`; `None` for an item without a key.
fn group_items(line: &str, from: usize, to: usize) -> Vec<Option<Item>> {
    let mut items = Vec::new();
    let mut item_start = from;
    for piece in line[from..to].split(';') {
        let item_end = item_start + piece.len();
        items.push(group_item(line, item_start, item_end));
        item_start = item_end + 1;
    }
    items
}

fn trimmed(line: &str, from: usize, to: usize) -> Option<Span> {
    let s = &line[from..to];
    let lead = s.len() - s.trim_start().len();
    let t = s.trim();
    (!t.is_empty()).then(|| Span::new(from + lead, from + lead + t.len()))
}

fn group_item(line: &str, from: usize, to: usize) -> Option<Item> {
    let piece = &line[from..to];
    for (rel, _) in piece.match_indices('@') {
        let at = from + rel;
        let before = line[from..at].chars().next_back();
        let suppress = before == Some('-')
            && line[from..at - 1]
                .chars()
                .next_back()
                .is_none_or(char::is_whitespace);
        if !(before.is_none_or(char::is_whitespace) || suppress) {
            continue;
        }
        let Some((key, key_span, end)) = key_at(line, at) else {
            continue;
        };
        if end > to {
            continue;
        }
        let start = if suppress { at - 1 } else { at };
        let suffix_from = if line[end..to].trim_start().starts_with(',') {
            end + line[end..to].find(',').expect("starts with a comma") + 1
        } else {
            end
        };
        return Some(Item {
            key,
            span: Span::new(start, end),
            key_span,
            prefix: trimmed(line, from, start),
            suffix: trimmed(line, suffix_from, to),
            suppress,
        });
    }
    None
}

/// In-text `@key` outside groups, with an optional `[locator]` right after it.
fn in_text(
    line: &str,
    base: usize,
    groups: &[Span],
    blocked: &dyn Fn(usize) -> bool,
    out: &mut Vec<Citation>,
) {
    for (at, _) in line.match_indices('@') {
        // Groups come in order and apart: a binary search, where a scan of every group per `@`
        // was quadratic on a line of `[@k] [@k] …`.
        let i = groups.partition_point(|g| g.end() <= at);
        if groups.get(i).is_some_and(|g| g.start() <= at) || blocked(at) {
            continue;
        }
        if line[..at].chars().next_back().is_some_and(blocks_in_text) {
            continue;
        }
        let Some((key, key_span, end)) = key_at(line, at) else {
            continue;
        };
        let after = &line[end..];
        let gap = after.len() - after.trim_start_matches(' ').len();
        let suffix = after[gap..]
            .strip_prefix('[')
            .filter(|_| gap <= 1)
            .and_then(|inner| {
                let close = inner.find([']', '['])?;
                (inner.as_bytes()[close] == b']' && !inner[..close].contains('@'))
                    .then(|| trimmed(line, end + gap + 1, end + gap + 1 + close))
                    .flatten()
            });
        out.push(Citation {
            key: key.into(),
            span: Span::new(at, end).shift(base),
            key_span: key_span.shift(base),
            group: None,
            prefix: None,
            suffix: suffix.map(|s| s.shift(base)),
            suppress_author: false,
        });
    }
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use crate::syntax::parse;

    fn check(text: &str, expect: Expect) {
        let syntax = parse(text);
        let at = |s: crate::syntax::Span| &text[s.range()];
        let rendered: Vec<String> = syntax
            .citations
            .iter()
            .map(|c| {
                let mut line = format!("cite {:?} at {:?}", c.key, at(c.span));
                assert_eq!(at(c.key_span), &*c.key, "key span of {c:?}");
                if let Some(g) = c.group {
                    line += &format!(" in {:?}", at(g));
                }
                if let Some(p) = c.prefix {
                    line += &format!(" prefix={:?}", at(p));
                }
                if let Some(s) = c.suffix {
                    line += &format!(" suffix={:?}", at(s));
                }
                if c.suppress_author {
                    line += " (no author)";
                }
                line
            })
            .collect();
        expect.assert_eq(&rendered.join("\n"));
    }

    #[test]
    fn bracketed_groups_with_prefixes_locators_and_suppressed_authors() {
        check(
            "As argued [@adler1939, p. 12]; see [see @doe:2020-a, pp. 3-5; also -@smith_j.k 2004, chap. 1].\n\
             Two at once [@a; @b] and braced [@{odd key}, 7].\n",
            expect![[r#"
                cite "adler1939" at "@adler1939" in "[@adler1939, p. 12]" suffix="p. 12"
                cite "doe:2020-a" at "@doe:2020-a" in "[see @doe:2020-a, pp. 3-5; also -@smith_j.k 2004, chap. 1]" prefix="see" suffix="pp. 3-5"
                cite "smith_j.k" at "-@smith_j.k" in "[see @doe:2020-a, pp. 3-5; also -@smith_j.k 2004, chap. 1]" prefix="also" suffix="2004, chap. 1" (no author)
                cite "a" at "@a" in "[@a; @b]"
                cite "b" at "@b" in "[@a; @b]"
                cite "odd key" at "@{odd key}" in "[@{odd key}, 7]" suffix="7""#]],
        );
    }

    #[test]
    fn in_text_citations_with_and_without_a_locator() {
        check(
            "@adler1939 says so, and @wang2021china [p. 33] agrees with @doe99.\n(@paren) -@no **@bold**\n",
            expect![[r#"
                cite "adler1939" at "@adler1939"
                cite "wang2021china" at "@wang2021china" suffix="p. 33"
                cite "doe99" at "@doe99"
                cite "paren" at "@paren"
                cite "bold" at "@bold""#]],
        );
    }

    #[test]
    fn emails_handles_urls_code_math_and_links_are_not_citations() {
        check(
            "mail me@example.com or <a@b.org>, see https://x.com/@user and @me@mastodon.social\n\
             `[@code]` $@math$ [[@adler1939]] [text @inlink](https://e.com) %% @comment %% \\@escaped\n\
             ```\n[@fenced]\n```\n<!-- [@html] -->\n[@real]\n",
            expect![[r#"cite "real" at "@real" in "[@real]""#]],
        );
    }

    #[test]
    fn a_bracket_with_an_item_lacking_a_key_is_not_a_group() {
        check(
            "[see @doe; and more] [no key here] [@ok]\n",
            expect![[r#"
                cite "doe" at "@doe"
                cite "ok" at "@ok" in "[@ok]""#]],
        );
    }

    #[test]
    fn citations_in_fields_lists_quotes_and_after_frontmatter() {
        check(
            "---\nbibliography: refs.bib\n---\n- source:: @wang2021china\n> quoted [@q, 4]\n",
            expect![[r#"
                cite "wang2021china" at "@wang2021china"
                cite "q" at "@q" in "[@q, 4]" suffix="4""#]],
        );
    }

    #[test]
    fn every_prefix_of_a_tricky_note_parses_with_spans_on_char_boundaries() {
        let text = "[see @ké:y-1, p. 3; -@{b c}] @x [p. 2] [[@l]] `[@c]` é@m [@ñ; ¿] @";
        for (end, _) in text.char_indices() {
            let prefix = &text[..end];
            for c in parse(prefix).citations {
                for span in [Some(c.span), Some(c.key_span), c.group, c.prefix, c.suffix]
                    .into_iter()
                    .flatten()
                {
                    assert!(prefix.get(span.range()).is_some(), "{prefix:?} {c:?}");
                }
            }
        }
    }

    #[test]
    fn unicode_keys_and_lines_never_panic() {
        check(
            "[@müller2020] @ @ [@] [@;] é@x [@{] @{}\r\n@ñ\r",
            expect![[r#"
                cite "müller2020" at "@müller2020" in "[@müller2020]"
                cite "ñ" at "@ñ""#]],
        );
    }
}
