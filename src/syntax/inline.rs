//! What CommonMark does not know and notes are full of: `%% comments %%`, `#tags`, `^block`
//! ids and Dataview inline fields (`key:: value`, `[key:: value]`), scanned on the raw text
//! outside code, math, HTML and comments.

use super::breaks::Breaks;
use super::{BlockId, InlineField, Span, Tag};

/// Sorted, non-overlapping spans with a fast membership test.
pub(super) struct Mask {
    spans: Vec<Span>,
}

impl Mask {
    pub(super) fn new(mut spans: Vec<Span>) -> Mask {
        spans.sort();
        // Merged in place: a parse makes a mask or three, and a second list for each was an
        // allocation more.
        let mut kept: usize = 0;
        for i in 0..spans.len() {
            let span = spans[i];
            match kept.checked_sub(1).map(|last| &mut spans[last]) {
                Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
                _ => {
                    spans[kept] = span;
                    kept += 1;
                }
            }
        }
        spans.truncate(kept);
        Mask { spans }
    }

    pub(super) fn into_spans(self) -> Vec<Span> {
        self.spans
    }

    pub(super) fn contains(&self, pos: usize) -> bool {
        let i = self.spans.partition_point(|s| s.end() <= pos);
        self.spans.get(i).is_some_and(|s| s.start() <= pos)
    }
}

/// `%% … %%` comments in the body, outside `hidden` (code, math, HTML). An unclosed `%%` runs to
/// the end of the note, as in Obsidian.
pub(super) fn comment_spans(text: &str, body_start: usize, hidden: &[Span]) -> Vec<Span> {
    // Built at the first `%%`: most notes have none.
    let mut mask: Option<Mask> = None;
    let bytes = text.as_bytes();
    let mut marks = Vec::new();
    let mut i = body_start;
    while let Some(found) = memchr::memchr(b'%', &bytes[i.min(bytes.len())..]) {
        i += found;
        if i + 1 >= bytes.len() {
            break;
        }
        if bytes[i + 1] == b'%'
            && !mask
                .get_or_insert_with(|| Mask::new(hidden.to_vec()))
                .contains(i)
        {
            marks.push(i);
            i += 2;
        } else {
            i += 1;
        }
    }
    marks
        .chunks(2)
        .map(|pair| Span::new(pair[0], pair.get(1).map_or(text.len(), |&end| end + 2)))
        .collect()
}

/// What [`scan`] finds, in lists a parse's [`super::draft::Draft`] keeps from note to note.
#[derive(Default)]
pub(super) struct Scanned {
    pub tags: Vec<Tag>,
    pub blocks: Vec<BlockId>,
    pub fields: Vec<InlineField>,
    /// (start, end) of the lines since the last blank line: the paragraph a block id labels.
    pub paragraph: Vec<(usize, usize)>,
    /// The `#`s of the line at hand.
    pub hashes: Vec<usize>,
}

/// Tags, block ids and fields of the body, outside `hidden` (and, for tags, outside `links`),
/// added to `out`'s lists (empty when it comes).
pub(super) fn scan(
    text: &str,
    body_start: usize,
    breaks: &Breaks,
    hidden: &Mask,
    links: &Mask,
    out: &mut Scanned,
) {
    let Scanned {
        tags: found_tags,
        blocks,
        fields,
        paragraph,
        hashes,
    } = out;
    paragraph.clear();
    let mut previous_paragraph: Option<Span> = None;
    // Every byte that can start a field (`:`), a block id (`^`) or a tag (`#`), found in one
    // search of the body and read line by line beside the lines: most lines hold none, and a
    // search of each line (then another for its tags) cost more than the rest of the scan.
    let bytes = text.as_bytes();
    let mut marks = memchr::memchr3_iter(b':', b'^', b'#', &bytes[body_start.min(bytes.len())..])
        .map(|i| body_start + i)
        .peekable();

    for (start, end, _) in breaks.lines(text, body_start) {
        let line = &text[start..end];
        let (mut colons, mut caret) = (false, false);
        hashes.clear();
        while let Some(i) = marks.next_if(|&i| i < end) {
            match bytes[i] {
                b':' => colons |= i + 1 < end && bytes[i + 1] == b':',
                b'^' => caret = true,
                _ => hashes.push(i),
            }
        }
        if super::trim::is_blank(line) {
            if let (Some(first), Some(last)) = (paragraph.first(), paragraph.last()) {
                previous_paragraph = Some(Span::new(first.0, last.1));
            }
            paragraph.clear();
            continue;
        }
        paragraph.push((start, end));
        if hidden.contains(start) && hidden.contains(end.saturating_sub(1).max(start)) {
            // Most likely a code block line; fields and ids there mean nothing.
            continue;
        }
        let content = start + content_offset(line);

        if colons {
            line_field(text, content, end, hidden, fields);
            bracket_fields(text, start, end, hidden, fields);
        }

        let block = if caret {
            block_id(text, start, content, end, hidden)
        } else {
            None
        };
        if let Some(block) = block {
            let alone = block.span.start() == content;
            let labelled = if alone {
                // `^id` on a line of its own labels the block above it (a table, a quote, a list).
                if paragraph.len() > 1 {
                    Span::new(paragraph[0].0, paragraph[paragraph.len() - 2].1)
                } else {
                    previous_paragraph.unwrap_or(Span::new(start, end))
                }
            } else if content > start + line.len() - line.trim_start().len() {
                // A list item labels itself only.
                Span::new(start, end)
            } else {
                Span::new(paragraph[0].0, end)
            };
            blocks.push(BlockId {
                block: labelled,
                ..block
            });
        }

        if !hashes.is_empty() {
            tags(text, start, end, hashes, hidden, links, found_tags);
        }
    }
}

/// Offset of a line's content after indentation, blockquote markers, list markers and task boxes.
fn content_offset(line: &str) -> usize {
    let bytes = line.as_bytes();
    let mut i = 0;
    loop {
        while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t') {
            i += 1;
        }
        if i < bytes.len() && bytes[i] == b'>' {
            i += 1;
            continue;
        }
        if i + 1 < bytes.len() && matches!(bytes[i], b'-' | b'*' | b'+') && bytes[i + 1] == b' ' {
            i += 2;
            continue;
        }
        let digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        if digits > 0
            && digits < 10
            && i + digits + 1 < bytes.len()
            && matches!(bytes[i + digits], b'.' | b')')
            && bytes[i + digits + 1] == b' '
        {
            i += digits + 2;
            continue;
        }
        if bytes[i..].starts_with(b"[ ] ")
            || bytes[i..].starts_with(b"[x] ")
            || bytes[i..].starts_with(b"[X] ")
        {
            i += 4;
            continue;
        }
        return i;
    }
}

fn is_key_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, ' ' | '_' | '-' | '/' | '*' | '.')
}

/// A Dataview field key: word characters and spaces, optionally in `**bold**`.
fn field_key(raw: &str) -> Option<(usize, &str)> {
    if raw.is_empty() || !raw.chars().all(is_key_char) {
        return None;
    }
    let lead = raw.len() - raw.trim_start_matches([' ', '*']).len();
    let key = raw.trim_matches([' ', '*']);
    (!key.is_empty() && !raw.starts_with(' ')).then_some((lead, key))
}

/// `key:: value` filling a line (after list or quote markers).
fn line_field(text: &str, content: usize, end: usize, hidden: &Mask, out: &mut Vec<InlineField>) {
    let rest = &text[content..end];
    let Some(colons) = rest.find("::") else {
        return;
    };
    let Some((lead, key)) = field_key(&rest[..colons]) else {
        return;
    };
    if hidden.contains(content) {
        return;
    }
    let value = &rest[colons + 2..];
    let value_lead = value.len() - value.trim_start().len();
    let value_start = content + colons + 2 + value_lead;
    out.push(InlineField {
        key: key.into(),
        key_span: Span::new(content + lead, content + lead + key.len()),
        value_span: Span::new(value_start, end.max(value_start)),
    });
}

/// A bracketed field's value longer than this is not looked for: no one writes one.
const MAX_FIELD_VALUE: usize = 4096;

/// `[key:: value]` and `(key:: value)` anywhere in a line.
fn bracket_fields(text: &str, start: usize, end: usize, hidden: &Mask, out: &mut Vec<InlineField>) {
    let line = &text[start..end];
    let bytes = line.as_bytes();
    let mut i = 0;
    // The next `::` at or after `i + 1`, found once and reused: searching again for every
    // bracket made a line of many brackets quadratic.
    let mut next_colons: Option<usize> = None;
    while i < bytes.len() {
        let (open, close) = match bytes[i] {
            b'[' => (b'[', b']'),
            b'(' => (b'(', b')'),
            _ => {
                i += 1;
                continue;
            }
        };
        // `[[link]]` is not a field.
        if open == b'[' && (bytes.get(i + 1) == Some(&b'[') || (i > 0 && bytes[i - 1] == b'[')) {
            i += 1;
            continue;
        }
        if next_colons.is_none_or(|c| c < i + 1) {
            next_colons = line[i + 1..].find("::").map(|c| i + 1 + c);
        }
        let Some(colons_at) = next_colons else {
            break;
        };
        let colons = colons_at - (i + 1);
        let key_raw = &line[i + 1..colons_at];
        let Some((lead, key)) = field_key(key_raw) else {
            i += 1;
            continue;
        };
        // Find the matching close bracket, stepping over nested `[[…]]`.
        let value_from = i + 1 + colons + 2;
        let mut depth = 0i32;
        let mut j = value_from;
        let mut found = None;
        // Bounded, so that many unclosed `[key::` on one line stay linear.
        let limit = bytes.len().min(value_from + MAX_FIELD_VALUE);
        while j < limit {
            if bytes[j] == open {
                depth += 1;
            } else if bytes[j] == close {
                if depth == 0 {
                    found = Some(j);
                    break;
                }
                depth -= 1;
            }
            j += 1;
        }
        let Some(close_at) = found else {
            i += 1;
            continue;
        };
        if !hidden.contains(start + i) {
            let value = &line[value_from..close_at];
            let value_lead = value.len() - value.trim_start().len();
            let key_start = start + i + 1 + lead;
            out.push(InlineField {
                key: key.into(),
                key_span: Span::new(key_start, key_start + key.len()),
                value_span: Span::new(start + value_from + value_lead, start + close_at),
            });
        }
        i = close_at + 1;
    }
}

/// A `^block-id` ending the line.
fn block_id(
    text: &str,
    start: usize,
    content: usize,
    end: usize,
    hidden: &Mask,
) -> Option<BlockId> {
    let line = text[start..end].trim_end();
    let caret = line.rfind('^')?;
    let id = &line[caret + 1..];
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return None;
    }
    let at = start + caret;
    let preceded_ok = at == content || line[..caret].ends_with([' ', '\t']);
    if !preceded_ok || hidden.contains(at) {
        return None;
    }
    Some(BlockId {
        id: id.into(),
        span: Span::new(at, at + 1 + id.len()),
        block: Span::new(start, end),
    })
}

/// Characters that may follow `#` in a tag: letters and digits of any script, `_`, `-`, `/`,
/// and non-ASCII symbols such as emoji — but not punctuation.
pub fn is_tag_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '/');
    }
    if c.is_alphanumeric() {
        return true;
    }
    let cp = c as u32;
    let punctuation = (0x2000..=0x206F).contains(&cp) // general punctuation: ’ “ — …
        || (0x3000..=0x303F).contains(&cp) // CJK symbols and punctuation: 。、「」
        || (0xFF00..=0xFF0F).contains(&cp)
        || (0xFF1A..=0xFF20).contains(&cp)
        || (0xFF3B..=0xFF40).contains(&cp)
        || (0xFF5B..=0xFF65).contains(&cp)
        || matches!(cp, 0x00A0..=0x00BF | 0x00D7 | 0x00F7);
    !c.is_whitespace() && !punctuation
}

/// The tags of line `start..end`, whose `#`s are at `hashes`.
fn tags(
    text: &str,
    start: usize,
    end: usize,
    hashes: &[usize],
    hidden: &Mask,
    links: &Mask,
    out: &mut Vec<Tag>,
) {
    let line = &text[start..end];
    for &at in hashes {
        let i = at - start;
        let preceded_ok = i == 0 || line[..i].ends_with(|c: char| c.is_whitespace() || c == '(');
        if !preceded_ok || hidden.contains(at) || links.contains(at) {
            continue;
        }
        let name_len: usize = line[i + 1..]
            .chars()
            .take_while(|&c| is_tag_char(c))
            .map(char::len_utf8)
            .sum();
        let name = line[i + 1..i + 1 + name_len].trim_end_matches('/');
        if name.is_empty() || name.chars().all(|c| c.is_ascii_digit() || c == '/') {
            continue;
        }
        out.push(Tag {
            name: name.into(),
            span: Span::new(at, at + 1 + name.len()),
        });
    }
}
