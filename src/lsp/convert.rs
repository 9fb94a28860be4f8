//! Positions at the protocol edge: byte offsets of the core ⇄ LSP line/character in the
//! negotiated encoding (UTF-8 or UTF-16). Lines end at `\n`, `\r\n` or a lone `\r`, as LSP says.

use std::borrow::Cow;

use tower_lsp_server::ls_types::{Position, Range};

use crate::index::Note;
use crate::syntax::{Link, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

impl Encoding {
    fn width(self, c: char) -> usize {
        match self {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
        }
    }
}

/// Line starts of one text, computed once per request or publish. It owns the text when given
/// a closed note's, which is unpacked for it (`Note::text`).
pub struct LineIndex<'t> {
    text: Cow<'t, str>,
    starts: Vec<usize>,
    encoding: Encoding,
    /// For each character wider in UTF-8 than in the encoding: the byte offset just past it,
    /// and how many more bytes than units all such characters so far take. Lets `position`
    /// answer in O(log n): counting characters from the line start made a publish of a note
    /// with 100,000 links on one line quadratic.
    narrower: Vec<(usize, usize)>,
}

impl<'t> LineIndex<'t> {
    pub fn new(text: impl Into<Cow<'t, str>>, encoding: Encoding) -> LineIndex<'t> {
        let text = text.into();
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            // `\r\n` starts its line after the `\n`.
            if bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n') {
                starts.push(i + 1);
            }
        }
        let mut narrower = Vec::new();
        if encoding != Encoding::Utf8 && !text.is_ascii() {
            // Only characters outside ASCII differ: visit their lead bytes alone.
            let mut extra = 0;
            let mut i = 0;
            while let Some(at) = bytes[i..].iter().position(|&b| b >= 0x80) {
                let start = i + at;
                let c = text[start..].chars().next().expect("a char at a lead byte");
                let units = encoding.width(c);
                extra += c.len_utf8() - units;
                narrower.push((start + c.len_utf8(), extra));
                i = start + c.len_utf8();
            }
        }
        LineIndex {
            text,
            starts,
            encoding,
            narrower,
        }
    }

    /// Bytes beyond units taken by the characters before byte `offset` (a char boundary).
    fn extra_before(&self, offset: usize) -> usize {
        match self.narrower.partition_point(|&(end, _)| end <= offset) {
            0 => 0,
            i => self.narrower[i - 1].1,
        }
    }

    /// The end of line `line`'s content, before its line break.
    fn line_end(&self, line: usize) -> usize {
        let next = self
            .starts
            .get(line + 1)
            .copied()
            .unwrap_or(self.text.len());
        let content = &self.text[self.starts[line]..next];
        self.starts[line] + content.trim_end_matches(['\n', '\r']).len()
    }

    pub fn position(&self, offset: usize) -> Position {
        let offset = crate::syntax::floor_boundary(&self.text, offset);
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let character = (offset - start) - (self.extra_before(offset) - self.extra_before(start));
        Position::new(line as u32, character as u32)
    }

    pub fn range(&self, span: Span) -> Range {
        Range::new(self.position(span.start()), self.position(span.end()))
    }

    /// The byte offset of `position`. A character past the end of its line means the line's
    /// end (as the spec asks); a line past the end of the text is `None`. A position inside a
    /// UTF-16 surrogate pair rounds down to the character's start.
    pub fn offset(&self, position: Position) -> Option<usize> {
        let line = position.line as usize;
        if line >= self.starts.len() {
            return None;
        }
        let start = self.starts[line];
        let end = self.line_end(line);
        let mut remaining = position.character as usize;
        for (i, c) in self.text[start..end].char_indices() {
            let w = self.encoding.width(c);
            if remaining < w {
                return Some(start + i);
            }
            remaining -= w;
        }
        Some(end)
    }
}

/// The position of byte `offset` in `text`, as [`LineIndex::position`] gives it, without
/// indexing the whole text: the line breaks before it are counted and the characters of its
/// own line measured. For a text asked about once or twice (a reference in each of 10,000
/// notes), indexing every line and every non-ASCII character of each note cost more than the
/// rest of the answer.
pub fn position_once(text: &str, offset: usize, encoding: Encoding) -> Position {
    let offset = crate::syntax::floor_boundary(text, offset);
    let bytes = text.as_bytes();
    let (mut line, mut start) = (0, 0);
    for i in memchr::memchr2_iter(b'\n', b'\r', &bytes[..offset]) {
        // `\r\n` starts its line after the `\n`, as in `LineIndex::new`.
        if bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n') {
            line += 1;
            start = i + 1;
        }
    }
    let prefix = &text[start..offset];
    let character = match encoding {
        Encoding::Utf8 => prefix.len(),
        Encoding::Utf16 if prefix.is_ascii() => prefix.len(),
        Encoding::Utf16 => prefix.chars().map(char::len_utf16).sum(),
    };
    Position::new(line, character as u32)
}

/// [`position_once`] of a span's ends.
pub fn range_once(text: &str, span: Span, encoding: Encoding) -> Range {
    Range::new(
        position_once(text, span.start(), encoding),
        position_once(text, span.end(), encoding),
    )
}

/// A link's range from the place its parse kept (see `syntax::Link::place`), without the
/// note's text: what [`LineIndex::range`] gives for its span. `None` when the parse kept no
/// place, or when the encoding counts UTF-16 units and the link's line holds other characters
/// than ASCII before its end (a place keeps byte columns): then the text is needed.
pub fn link_range(link: &Link, encoding: Encoding) -> Option<Range> {
    let place = link.place()?;
    if encoding == Encoding::Utf16 && !place.ascii {
        return None;
    }
    // A placed link lies on one line: its end is its length further on.
    let end = place
        .column
        .checked_add(u32::try_from(link.span.len()).ok()?)?;
    Some(Range::new(
        Position::new(place.line, place.column),
        Position::new(place.line, end),
    ))
}

/// Ranges of spans of one note, made without its text where its parse placed them: a span
/// inside a link the parse placed (which lies on one line) from that place; any other from a
/// line index over the text, built on the first such span. A closed note's text is read from
/// its file, so a note whose diagnostics are all on links is not read at all.
pub struct NoteRanges<'n> {
    note: Option<&'n Note>,
    encoding: Encoding,
    index: Option<LineIndex<'n>>,
}

impl<'n> NoteRanges<'n> {
    pub fn new(note: Option<&'n Note>, encoding: Encoding) -> NoteRanges<'n> {
        NoteRanges {
            note,
            encoding,
            index: None,
        }
    }

    pub fn range(&mut self, span: Span) -> Range {
        if span.end == 0 {
            // The note's start (a candidate file of an ambiguous link, say).
            return Range::default();
        }
        if let Some(range) = self.note.and_then(|n| placed_range(n, span, self.encoding)) {
            return range;
        }
        let (note, encoding) = (self.note, self.encoding);
        self.index
            .get_or_insert_with(|| {
                LineIndex::new(note.map(|n| n.text()).unwrap_or_default(), encoding)
            })
            .range(span)
    }
}

/// The range of `span` from the place of the link holding it ([`link_range`], moved along the
/// link's one line), when the parse placed that link and the encoding counts its line's
/// columns as the place does.
pub fn placed_range(note: &Note, span: Span, encoding: Encoding) -> Option<Range> {
    let links = &note.syntax.links;
    // A parse keeps its links in order of their spans: the last one starting at or before.
    let i = links
        .partition_point(|l| l.span.start <= span.start)
        .checked_sub(1)?;
    let link = &links[i];
    if span.end > link.span.end {
        return None;
    }
    let whole = link_range(link, encoding)?;
    let start = whole.start.character + (span.start - link.span.start);
    Some(Range::new(
        Position::new(whole.start.line, start),
        Position::new(whole.start.line, start + (span.end - span.start)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every span inside a link (a diagnostic's, an edit's) and every other span gets the
    /// range a line index over the text gives, in both encodings, after non-ASCII text, CRLF
    /// and lone CR line ends, in frontmatter, nested; and those inside placed links get it with
    /// the note's file gone (so without reading the text).
    #[test]
    fn a_spans_range_from_its_links_place_is_the_line_index_range() {
        let texts = [
            "# T\n\n[[a]] \u{e9}[[b#H|x]]\r\n\r\n\r\r[c](d%20e.md) end\n",
            "---\nup: \"[[a]]\"\n---\ncafé 😀 [[a|b]] x ![[i.png]]\r[![[i.png]]](u.md)\n",
            "no breaks, caf\u{e9} [[x]] [y](<z w.md>)",
        ];
        let dir = std::env::temp_dir().join(format!("notegraph-ranges-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (n, text) in texts.iter().enumerate() {
            let path = dir.join(format!("n{n}.md"));
            std::fs::write(&path, text).unwrap();
            let plain = Note::parse(*text);
            let in_file = Note::read_file(&path, text.to_string());
            std::fs::remove_file(&path).unwrap();
            let mut spans: Vec<Span> = Vec::new();
            for link in plain.syntax.links.iter() {
                let range = link.span.range();
                for start in range.clone().filter(|&i| text.is_char_boundary(i)) {
                    for end in (start..=range.end).filter(|&i| text.is_char_boundary(i)) {
                        spans.push(Span::new(start, end));
                    }
                }
            }
            let placed = spans.len();
            spans.extend([Span::new(0, 1), Span::new(2, text.len())]);
            for encoding in [Encoding::Utf8, Encoding::Utf16] {
                let index = LineIndex::new(*text, encoding);
                let mut ranges = NoteRanges::new(Some(&plain), encoding);
                let mut without_text = NoteRanges::new(Some(&in_file), encoding);
                for (i, &span) in spans.iter().enumerate() {
                    assert_eq!(ranges.range(span), index.range(span), "{n} {span:?}");
                    if i < placed && placed_range(&plain, span, encoding).is_some() {
                        assert_eq!(without_text.range(span), index.range(span), "{n} {span:?}");
                    }
                }
            }
            assert!(plain.syntax.links.iter().any(|l| l.place().is_some()));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_position_found_once_is_the_line_index_position_at_every_offset() {
        let texts = [
            "a😀b中\r\nx\u{e9}😀\rz\n😀",
            "# T\n\n[[a]] \u{e9}[[b]]\r\n\r\n\r\rend",
            "",
            "\n\r\n\r",
            "no breaks at all, caf\u{e9} [[x]]",
        ];
        for text in texts {
            for encoding in [Encoding::Utf8, Encoding::Utf16] {
                let idx = LineIndex::new(text, encoding);
                // Every byte offset, boundaries or not, and one past the end.
                for offset in 0..=text.len() + 1 {
                    assert_eq!(
                        position_once(text, offset, encoding),
                        idx.position(offset),
                        "{text:?} {encoding:?} at {offset}"
                    );
                }
            }
        }
    }

    #[test]
    fn utf16_counts_surrogate_pairs_and_cjk() {
        let text = "a😀b\n中文[[x]]\r\nz";
        let idx = LineIndex::new(text, Encoding::Utf16);
        assert_eq!(idx.position(text.find('b').unwrap()), Position::new(0, 3));
        assert_eq!(idx.position(text.find("[[").unwrap()), Position::new(1, 2));
        assert_eq!(
            idx.offset(Position::new(1, 2)),
            Some(text.find("[[").unwrap())
        );
        assert_eq!(
            idx.offset(Position::new(2, 0)),
            Some(text.find('z').unwrap())
        );
    }

    #[test]
    fn positions_agree_with_counting_characters_on_mixed_lines() {
        let text = "a😀b中\r\nx\u{e9}😀\rz\n😀";
        for encoding in [Encoding::Utf8, Encoding::Utf16] {
            let idx = LineIndex::new(text, encoding);
            for (offset, c) in text.char_indices().chain([(text.len(), ' ')]) {
                if c == '\n' && text[..offset].ends_with('\r') {
                    continue; // Inside a CRLF: not a position on either line.
                }
                let line_start = text[..offset].rfind(['\n', '\r']).map_or(0, |i| i + 1);
                let expected: usize = text[line_start..offset]
                    .chars()
                    .map(|c| encoding.width(c))
                    .sum();
                assert_eq!(
                    idx.position(offset).character as usize,
                    expected,
                    "{encoding:?} at {offset}"
                );
            }
        }
    }

    #[test]
    fn utf8_counts_bytes() {
        let text = "中文x";
        let idx = LineIndex::new(text, Encoding::Utf8);
        assert_eq!(idx.position(6), Position::new(0, 6));
        assert_eq!(idx.offset(Position::new(0, 6)), Some(6));
        // Inside a multi-byte character: rounds down to its start.
        assert_eq!(idx.offset(Position::new(0, 4)), Some(3));
    }

    #[test]
    fn past_line_end_clamps_and_past_last_line_is_none() {
        let text = "ab\r\ncd\rlast";
        let idx = LineIndex::new(text, Encoding::Utf16);
        assert_eq!(idx.offset(Position::new(0, 99)), Some(2));
        assert_eq!(idx.offset(Position::new(2, 1)), Some(8));
        assert_eq!(idx.position(text.len()), Position::new(2, 4));
        assert_eq!(idx.offset(Position::new(3, 0)), None);
    }
}
