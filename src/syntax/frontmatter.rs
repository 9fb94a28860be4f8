//! YAML frontmatter: finding the `---` block, reading its properties with their byte ranges —
//! `aliases`, `tags`, `citekey` and `bibliography` among them —, and locating `[[links]]` in its
//! values. Invalid YAML is reported, never fatal.

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use super::{Name, Span, SyntaxProblem};

/// Larger frontmatter is kept as a block but not read as YAML: no real note has one, and the
/// YAML parser's work should stay bounded on hostile input.
const MAX_YAML_BYTES: usize = 256 * 1024;

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Frontmatter {
    /// The whole block, both fences and the closing line break included.
    pub span: Span,
    /// The YAML between the fences.
    pub content: Span,
    /// Every top-level key with its values, in the order written: Obsidian's properties. The
    /// keys notegraph understands ([`Frontmatter::aliases`], [`Frontmatter::tags`], …) are read
    /// from them when asked rather than kept a second time: every note's frontmatter stays in
    /// memory for the session. A boxed slice, as each property's values: no spare capacity.
    pub properties: Box<[Property]>,
    /// False when the YAML could not be read; the rest of the note is still indexed.
    pub valid: bool,
}

/// What a property's value is in YAML: one scalar (possibly empty), a list, or something else
/// (a mapping, an alias) that notegraph does not read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Shape {
    Scalar,
    List,
    Other,
}

/// One top-level frontmatter key and its scalar values (a list's items), with their spans.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Property {
    /// The key as written (compare case-insensitively, as Obsidian does).
    pub key: Name,
    pub key_span: Span,
    pub shape: Shape,
    pub values: Box<[(Name, Span)]>,
}

impl Frontmatter {
    /// The aliases from `aliases:` and `alias:`, split as Obsidian splits them
    /// ([`pieces`]), with where each is written (the whole value's span when the value is not
    /// written as it reads, e.g. with escapes).
    pub fn aliases(&self) -> impl Iterator<Item = (&str, Span)> {
        self.values_of(&["aliases", "alias"])
            .flat_map(|(value, span)| pieces(value, *span, false))
    }

    /// The tags from `tags:` and `tag:`, split as Obsidian splits them, without a leading `#`.
    pub fn tags(&self) -> impl Iterator<Item = (&str, Span)> {
        self.values_of(&["tags", "tag"])
            .flat_map(|(value, span)| pieces(value, *span, true))
    }

    /// Pandoc's `bibliography:` (a path or a list), paths relative to the note.
    pub fn bibliography(&self) -> impl Iterator<Item = &(Name, Span)> {
        self.values_of(&["bibliography"])
    }

    /// The first value of the last `citekey:`, unless empty.
    pub fn citekey(&self) -> Option<&Name> {
        self.properties
            .iter()
            .rev()
            .find(|p| is_key(&p.key, "citekey"))
            .and_then(|p| p.values.first())
            .map(|(value, _)| value)
            .filter(|value| !value.is_empty())
    }

    /// The values of every property with one of `keys`, in the order written.
    fn values_of<'a>(
        &'a self,
        keys: &'static [&'static str],
    ) -> impl Iterator<Item = &'a (Name, Span)> + 'a {
        self.properties
            .iter()
            .filter(move |p| keys.iter().any(|k| is_key(&p.key, k)))
            .flat_map(|p| p.values.iter())
    }
}

/// A property as it is read, its values still growing.
struct Entry {
    key: Name,
    key_span: Span,
    shape: Shape,
    values: Vec<(Name, Span)>,
}

pub(super) enum Scan {
    Absent,
    /// A `---` first line with no closing fence: treated as body text, and reported.
    Unclosed(Span),
    Found(Frontmatter, Option<SyntaxProblem>),
}

/// Lines of `text` from `start`: (line start, content end, next line start). `\n`, `\r\n` and a
/// lone `\r` all end a line, as in LSP.
pub(crate) fn lines(text: &str, start: usize) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    let bytes = text.as_bytes();
    let mut pos = start;
    std::iter::from_fn(move || {
        if pos >= bytes.len() {
            return None;
        }
        let line_start = pos;
        let end = memchr::memchr2(b'\n', b'\r', &bytes[pos..]).map_or(bytes.len(), |i| pos + i);
        let next = if bytes.get(end) == Some(&b'\r') && bytes.get(end + 1) == Some(&b'\n') {
            end + 2
        } else {
            (end + 1).min(bytes.len())
        };
        pos = next;
        Some((line_start, end, next))
    })
}

pub(super) fn scan(text: &str, start: usize) -> Scan {
    let mut it = lines(text, start);
    match it.next() {
        Some((s, e, _)) if text[s..e].trim_end() == "---" => {}
        _ => return Scan::Absent,
    }
    let content_start = match lines(text, start).next() {
        Some((_, _, next)) => next,
        None => return Scan::Absent,
    };
    for (s, e, next) in it {
        let line = text[s..e].trim_end();
        if line == "---" || line == "..." {
            let mut fm = Frontmatter {
                span: Span::new(start, next),
                content: Span::new(content_start, s),
                valid: true,
                ..Frontmatter::default()
            };
            let problem = read_yaml(text, &mut fm);
            return Scan::Found(fm, problem);
        }
    }
    Scan::Unclosed(Span::new(start, start + 3))
}

/// Collects parser events with their positions.
#[derive(Default)]
struct Events(Vec<(Event, Marker)>);

impl MarkedEventReceiver for Events {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        self.0.push((ev, mark));
    }
}

/// Converts the YAML parser's character indices into byte offsets of the note.
struct CharToByte {
    base: usize,
    offsets: Option<Vec<usize>>,
    len: usize,
}

impl CharToByte {
    fn new(base: usize, content: &str) -> CharToByte {
        let offsets =
            (!content.is_ascii()).then(|| content.char_indices().map(|(b, _)| b).collect());
        CharToByte {
            base,
            offsets,
            len: content.len(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        let local = match &self.offsets {
            None => char_index.min(self.len),
            Some(offsets) => offsets.get(char_index).copied().unwrap_or(self.len),
        };
        self.base + local
    }
}

fn read_yaml(text: &str, fm: &mut Frontmatter) -> Option<SyntaxProblem> {
    read_yaml_with(text, fm, true)
}

fn read_yaml_with(text: &str, fm: &mut Frontmatter, fast: bool) -> Option<SyntaxProblem> {
    let content = &text[fm.content.range()];
    if content.trim().is_empty() {
        return None;
    }
    if content.len() > MAX_YAML_BYTES {
        fm.valid = false;
        return Some(SyntaxProblem {
            span: Span::new(fm.span.start(), fm.span.start() + 3),
            message: format!(
                "frontmatter of {} bytes is too large to read; its aliases and tags are ignored",
                content.len()
            ),
        });
    }
    if let Some(entries) = simple_yaml(content, fm.content.start()).filter(|_| fast) {
        apply_entries(fm, entries);
        return None;
    }
    let mut events = Events::default();
    let mut parser = Parser::new_from_str(content);
    let positions = CharToByte::new(fm.content.start(), content);
    if let Err(err) = collect_events(&mut parser, &mut events) {
        fm.valid = false;
        let at = positions.byte(err.marker().index());
        let at = floor_char_boundary(text, at.min(fm.content.end()));
        return Some(SyntaxProblem {
            span: Span::new(at, at),
            message: format!(
                "frontmatter is not valid YAML ({}); its aliases and tags are ignored",
                err.info()
            ),
        });
    }
    let events = events.0;
    // Expect StreamStart, DocumentStart, then a mapping at the top.
    let Some(top) = events
        .iter()
        .position(|(ev, _)| matches!(ev, Event::MappingStart(..)))
    else {
        fm.valid = false;
        return Some(SyntaxProblem {
            span: Span::new(fm.span.start(), fm.span.start() + 3),
            message: "frontmatter is not a YAML mapping of keys to values; it is ignored"
                .to_string(),
        });
    };
    let mut entries = Vec::new();
    let mut i = top + 1;
    while i < events.len() {
        let (key, key_span) = match &events[i].0 {
            Event::Scalar(key, ..) => {
                let span = scalars(&events[i..i + 1], text, &positions)
                    .pop()
                    .map_or(Span::default(), |(_, span)| span);
                (key.clone(), span)
            }
            Event::MappingEnd => break,
            _ => {
                // A complex key: skip it and its value.
                i = skip_node(&events, i);
                i = skip_node(&events, i);
                continue;
            }
        };
        let value_start = i + 1;
        let value_end = skip_node(&events, value_start);
        let values = scalars(
            &events[value_start..value_end.min(events.len())],
            text,
            &positions,
        );
        let shape = match events.get(value_start).map(|(ev, _)| ev) {
            Some(Event::Scalar(..)) => Shape::Scalar,
            Some(Event::SequenceStart(..)) => Shape::List,
            _ => Shape::Other,
        };
        entries.push(Entry {
            key: key.into(),
            key_span,
            shape,
            values,
        });
        i = value_end;
    }
    apply_entries(fm, entries);
    None
}

/// Top-level keys with their scalar values and spans.
type Entries = Vec<Entry>;

/// Keep the properties, each list exactly as long as it is (they grew by doubling, and most
/// hold one or two items).
fn apply_entries(fm: &mut Frontmatter, entries: Entries) {
    // Into a list of their number: collected in place, the entries' list would be shrunk, which
    // keeps its room (`super::exact`).
    let mut properties = Vec::with_capacity(entries.len());
    properties.extend(entries.into_iter().map(|entry| Property {
        key: entry.key,
        key_span: entry.key_span,
        shape: entry.shape,
        values: super::exact::exact(entry.values),
    }));
    fm.properties = properties.into_boxed_slice();
}

/// Whether two keys are the same to Obsidian: equal once lowercased. Compared without
/// allocating when one is ASCII, as the keys notegraph reads are: the frontmatter's accessors
/// compare every key of a note each time they are called. Character by character is
/// `to_lowercase` then, whose one rule beyond it (a word-final `Σ`) never yields ASCII.
fn same_key(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else if a.is_ascii() || b.is_ascii() {
        a.chars()
            .flat_map(char::to_lowercase)
            .eq(b.chars().flat_map(char::to_lowercase))
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

/// [`same_key`] for a key kept as a [`Name`]: decided on the bytes when both are ASCII, as
/// nearly every key is (`wanted` is one of notegraph's keys, or another key of the same
/// note). Each note's keys are compared with several as it is parsed and packed, and reading
/// a short name as a `str` checks its UTF-8 each time.
fn is_key(key: &Name, wanted: &str) -> bool {
    let bytes = key.as_bytes();
    if bytes.is_ascii() && wanted.is_ascii() {
        bytes.eq_ignore_ascii_case(wanted.as_bytes())
    } else {
        same_key(key, wanted)
    }
}

/// A plain YAML scalar that means exactly its text: nothing that starts another YAML construct,
/// no `: ` or ` #` inside, no quotes or escapes.
fn is_plain(value: &str, in_flow: bool) -> bool {
    // The first byte alone tells: every indicator is ASCII (and a character's first byte is
    // ASCII only when the character is).
    if value.is_empty()
        || b"-?:,[]{}#&*!|>'\"%@`".contains(&value.as_bytes()[0])
        || value.ends_with(':')
    {
        return false;
    }
    // One pass over the bytes: a `contains(": ")` per pattern built a substring searcher for
    // each, which cost more than the whole scan of a short value.
    let bytes = value.as_bytes();
    !bytes.iter().enumerate().any(|(i, &b)| match b {
        b'\t' => true,
        b':' => bytes.get(i + 1) == Some(&b' '),
        b' ' => bytes.get(i + 1) == Some(&b'#'),
        b'[' | b']' | b'{' | b'}' | b',' => in_flow,
        _ => false,
    })
}

/// The frontmatter most notes have — `key: plain value`, `key: [a, b]`, and `key:` followed by
/// `- item` lines — read without the YAML parser, which costs more than the rest of the note's
/// parse. Anything else (quotes, nesting, multi-line scalars, anchors…) returns `None` and goes to
/// the YAML parser, so the result is always the parser's: a test checks that on generated input.
fn simple_yaml(content: &str, base: usize) -> Option<Entries> {
    let mut entries: Entries = Vec::new();
    let mut list_open = false;
    let mut list_indent: Option<usize> = None;
    for (s, e, _) in lines(content, 0) {
        let line = &content[s..e];
        let trimmed = line.trim_end_matches(' ');
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some(item) = trimmed
            .trim_start_matches(' ')
            .strip_prefix("- ")
            .or_else(|| (trimmed.trim_start_matches(' ') == "-").then_some(""))
        {
            // A block list item of the last key.
            let lead = trimmed.len() - trimmed.trim_start_matches(' ').len();
            // Every item of one list at the same indentation, as YAML requires.
            if !list_open || *list_indent.get_or_insert(lead) != lead {
                return None;
            }
            entries.last_mut()?.shape = Shape::List;
            let value = item.trim_start_matches(' ');
            if value.is_empty() {
                continue;
            }
            if !is_plain(value, false) {
                return None;
            }
            let start = base + s + (trimmed.len() - value.len());
            entries
                .last_mut()?
                .values
                .push((value.into(), Span::new(start, start + value.len())));
            continue;
        }
        if line.starts_with(' ') {
            return None;
        }
        let colon = trimmed.find(':')?;
        let key = &trimmed[..colon];
        if key.is_empty()
            || key.starts_with(' ')
            || key.ends_with(' ')
            || !key
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | ' '))
        {
            return None;
        }
        let rest = &trimmed[colon + 1..];
        if !rest.is_empty() && !rest.starts_with(' ') {
            return None;
        }
        let value = rest.trim_start_matches(' ');
        let key_span = Span::new(base + s, base + s + colon);
        if entries.iter().any(|p| is_key(&p.key, key)) {
            return None;
        }
        let mut shape = Shape::Scalar;
        let value_start = base + s + (trimmed.len() - value.len());
        let mut values = Vec::new();
        list_open = value.is_empty();
        list_indent = None;
        if let Some(inner) = value.strip_prefix('[') {
            shape = Shape::List;
            let inner = inner.strip_suffix(']')?;
            // Sized for every item at once: grown one by one, then shrunk to fit, the list was
            // three allocations where one does.
            // (At most 64 ahead of the items: `[,,,…]` of a quarter megabyte holds none, and
            // sized by its commas took 8 MB.)
            values.reserve_exact((memchr::memchr_iter(b',', inner.as_bytes()).count() + 1).min(64));
            let mut at = value_start + 1;
            for piece in inner.split(',') {
                let lead = piece.len() - piece.trim_start_matches(' ').len();
                let item = piece.trim_matches(' ');
                if !item.is_empty() {
                    if !is_plain(item, true) {
                        return None;
                    }
                    let start = at + lead;
                    values.push((item.into(), Span::new(start, start + item.len())));
                } else if !inner.trim().is_empty() && !piece.is_empty() {
                    // `[a, , b]` is not what it seems in YAML: let the parser decide.
                    return None;
                }
                at += piece.len() + 1;
            }
        } else if !value.is_empty() {
            if !is_plain(value, false) {
                return None;
            }
            values.reserve_exact(1);
            values.push((
                value.into(),
                Span::new(value_start, value_start + value.len()),
            ));
        }
        entries.push(Entry {
            key: key.into(),
            key_span,
            shape,
            values,
        });
    }
    // Comments alone are not a mapping: the parser reports that.
    (!entries.is_empty()).then_some(entries)
}

/// The events of the first document, pulled one at a time. Not `Parser::load`: it recurses once
/// per nesting level (`- - - - …` ten thousand deep overflowed the stack and aborted the
/// process), and it prints to stdout — the protocol channel — before an `unreachable!`.
fn collect_events(
    parser: &mut Parser<std::str::Chars<'_>>,
    events: &mut Events,
) -> Result<(), yaml_rust2::ScanError> {
    loop {
        let (event, mark) = parser.next_token()?;
        match event {
            Event::StreamEnd => return Ok(()),
            Event::DocumentEnd => {
                events.on_event(event, mark);
                return Ok(());
            }
            _ => events.on_event(event, mark),
        }
    }
}

/// The index just past the node starting at `i`.
fn skip_node(events: &[(Event, Marker)], i: usize) -> usize {
    let mut depth = 0usize;
    let mut j = i;
    while j < events.len() {
        match events[j].0 {
            Event::SequenceStart(..) | Event::MappingStart(..) => depth += 1,
            Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
            _ => {}
        }
        j += 1;
        if depth == 0 {
            break;
        }
    }
    j
}

/// The scalars of a value (a scalar or a flat sequence), with their spans in the note.
fn scalars(events: &[(Event, Marker)], text: &str, positions: &CharToByte) -> Vec<(Name, Span)> {
    events
        .iter()
        .filter_map(|(ev, mark)| match ev {
            Event::Scalar(value, ..) if !value.is_empty() => {
                let mut start = floor_char_boundary(text, positions.byte(mark.index()));
                if text[start..].starts_with(['"', '\'']) {
                    start += 1;
                }
                let end = if text[start..].starts_with(value.as_str()) {
                    start + value.len()
                } else {
                    start
                };
                Some((value.as_str().into(), Span::new(start, end)))
            }
            _ => None,
        })
        .collect()
}

/// One value of `aliases` or `tags` as Obsidian reads it: `tags: a, b` and `aliases: x,y` are
/// lists (tags split at commas and spaces, aliases at commas when the value has no space), and
/// tags may carry a leading `#`. Each piece is trimmed, empty ones dropped; its span is exact
/// when the value is written as it reads (`span` as long as `value`), else the value's span.
fn pieces(value: &str, span: Span, is_tag: bool) -> impl Iterator<Item = (&str, Span)> {
    let exact = span.len() == value.len();
    let split = is_tag || (value.contains(',') && !value.contains(' '));
    // The separators are ASCII, so the value is split byte by byte (a split by characters
    // decoded each one: most of reading a note's frontmatter tags).
    let is_separator = move |b: &u8| split && (*b == b',' || (is_tag && *b == b' '));
    let bytes = value.as_bytes();
    let mut next = Some(0);
    std::iter::from_fn(move || {
        while let Some(from) = next {
            let end = bytes[from..]
                .iter()
                .position(is_separator)
                .map_or(bytes.len(), |i| from + i);
            next = (end < bytes.len()).then_some(end + 1);
            let piece = &value[from..end];
            let mut trimmed = super::trim::trim(piece);
            let mut at = from;
            if trimmed.len() < piece.len() {
                at += piece.len() - piece.trim_start().len();
            }
            if is_tag && trimmed.starts_with('#') {
                trimmed = &trimmed[1..];
                at += 1;
            }
            if trimmed.is_empty() {
                continue;
            }
            let piece_span = if exact {
                Span::new(span.start() + at, span.start() + at + trimmed.len())
            } else {
                span
            };
            return Some((trimmed, piece_span));
        }
        None
    })
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// `[[…]]` spans inside the frontmatter, with the top-level key whose value holds each.
pub(super) fn wikilink_spans<'t>(text: &'t str, fm: &Frontmatter) -> Vec<(Span, Option<&'t str>)> {
    let mut out = Vec::new();
    // Most frontmatter links nothing: one search rules it out before a line is split.
    let content = text[fm.content.range()].as_bytes();
    // (A `[` followed by a `[`: a substring searcher's set-up cost more than this search.)
    if !memchr::memchr_iter(b'[', content).any(|i| content.get(i + 1) == Some(&b'[')) {
        return out;
    }
    let mut key: Option<&str> = None;
    for (s, e, _) in lines(text, fm.content.start()) {
        if s >= fm.content.end() {
            break;
        }
        let line = &text[s..e];
        if !line.starts_with([' ', '\t', '-']) {
            if let Some(colon) = line.find(':') {
                key = Some(line[..colon].trim().trim_matches(['"', '\'']));
            }
        }
        let mut from = 0;
        while let Some(open) = line[from..].find("[[") {
            let open = from + open;
            let Some(close) = line[open + 2..].find("]]") else {
                break;
            };
            let close = open + 2 + close + 2;
            let start = if open > 0 && line.as_bytes()[open - 1] == b'!' {
                open - 1
            } else {
                open
            };
            out.push((Span::new(s + start, s + close), key));
            from = close;
        }
    }
    out
}

#[cfg(test)]
mod tests;
