//! An open editor buffer: a rope that takes incremental changes in the negotiated encoding.

use ropey::Rope;
use tower_lsp_server::ls_types::{Position, TextDocumentContentChangeEvent};

use super::convert::Encoding;
use crate::syntax::Span;

pub struct Document {
    pub rope: Rope,
    pub version: i32,
    /// What the last change wrote, as a byte span of the text after it; `None` until the first
    /// change. A link it touches is being typed (see `features::diagnostics::settled`).
    pub edited: Option<Span>,
}

/// The span of `new` that differs from `old`: what remains after their common start and common
/// end (empty where text was only deleted). Whole-text changes get the same answer as
/// incremental ones.
pub fn edited_span(old: &str, new: &str) -> Span {
    let prefix = old
        .bytes()
        .zip(new.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    let prefix = crate::syntax::floor_boundary(new, prefix);
    let room = old.len().min(new.len()) - prefix;
    let suffix = old
        .bytes()
        .rev()
        .zip(new.bytes().rev())
        .take(room)
        .take_while(|(a, b)| a == b)
        .count();
    let mut end = new.len() - suffix;
    while !new.is_char_boundary(end) {
        end += 1;
    }
    Span::new(prefix, end.max(prefix))
}

impl Document {
    pub fn new(text: &str, version: i32) -> Document {
        Document {
            rope: Rope::from_str(text),
            version,
            edited: None,
        }
    }

    /// The char index of `position`, clamped to the line's end; `None` past the last line.
    fn char_index(&self, position: Position, encoding: Encoding) -> Option<usize> {
        let line = position.line as usize;
        if line >= self.rope.len_lines() {
            return None;
        }
        let line_start = self.rope.line_to_char(line);
        let slice = self.rope.line(line);
        let mut remaining = position.character as usize;
        let mut chars = 0;
        for c in slice.chars() {
            if c == '\n' || c == '\r' {
                break;
            }
            let w = match encoding {
                Encoding::Utf8 => c.len_utf8(),
                Encoding::Utf16 => c.len_utf16(),
            };
            if remaining < w {
                break;
            }
            remaining -= w;
            chars += 1;
        }
        Some(line_start + chars)
    }

    /// Apply one change. An out-of-range change is refused whole and the buffer left as it was.
    pub fn apply(
        &mut self,
        change: &TextDocumentContentChangeEvent,
        encoding: Encoding,
    ) -> Result<(), String> {
        let Some(range) = change.range else {
            self.rope = Rope::from_str(&change.text);
            return Ok(());
        };
        let start = self.char_index(range.start, encoding);
        let end = self.char_index(range.end, encoding);
        let (Some(start), Some(end)) = (start, end) else {
            return Err(format!(
                "change range {}:{}-{}:{} is outside the document ({} lines)",
                range.start.line,
                range.start.character,
                range.end.line,
                range.end.character,
                self.rope.len_lines()
            ));
        };
        if start > end {
            return Err("change range ends before it starts".to_string());
        }
        self.rope.remove(start..end);
        self.rope.insert(start, &change.text);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use tower_lsp_server::ls_types::Range;

    use super::*;

    fn change(l1: u32, c1: u32, l2: u32, c2: u32, text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(l1, c1), Position::new(l2, c2))),
            range_length: None,
            text: text.to_string(),
        }
    }

    #[test]
    fn incremental_edits_in_utf16_after_emoji_and_crlf() {
        let mut doc = Document::new("a😀b\r\nsecond\rthird", 1);
        doc.apply(&change(0, 3, 0, 4, "B"), Encoding::Utf16)
            .unwrap();
        doc.apply(&change(1, 0, 1, 6, "2nd"), Encoding::Utf16)
            .unwrap();
        doc.apply(&change(2, 5, 2, 5, "!"), Encoding::Utf16)
            .unwrap();
        assert_eq!(doc.rope.to_string(), "a😀B\r\n2nd\rthird!");
    }

    #[test]
    fn the_edited_span_is_what_differs_between_the_texts() {
        fn span<'n>(old: &str, new: &'n str) -> (usize, &'n str) {
            let s = edited_span(old, new);
            (s.start(), &new[s.range()])
        }
        assert_eq!(span("See [[Al]].", "See [[Alp]]."), (8, "p"));
        assert_eq!(span("See [[Alp]].", "See [[Al]]."), (8, ""));
        assert_eq!(span("aaa", "aaaa"), (3, "a"));
        assert_eq!(span("", "[[x]]"), (0, "[[x]]"));
        assert_eq!(span("same", "same"), (4, ""));
        // Multi-byte characters sharing their first bytes are not split.
        assert_eq!(span("[[é]]", "[[è]]"), (2, "è"));
    }

    #[test]
    fn out_of_range_change_is_refused_and_changes_nothing() {
        let mut doc = Document::new("one\ntwo", 1);
        assert!(
            doc.apply(&change(5, 0, 5, 1, "x"), Encoding::Utf16)
                .is_err()
        );
        assert_eq!(doc.rope.to_string(), "one\ntwo");
    }
}
