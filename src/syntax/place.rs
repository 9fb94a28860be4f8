//! Where each link starts as an editor counts it (line, column), worked out once when a note is
//! parsed: a location in a closed note, whose text the vault keeps packed, then needs no
//! unpacking to become a protocol position (a note cited 10,000 times unpacked 10,000 texts).

use super::Link;
use super::breaks::Breaks;

/// A link's start as a line and a byte column, with whether the link's line up to its end is
/// ASCII, packed into the five bytes a [`Link`] has spare, so that a link stays 56 bytes:
/// the column in the low 16 bits, the ASCII flag in bit 16, the line plus one in the top 23
/// (0 is "not kept"). Kept only for a link on one line (its span holds no line break) whose
/// line and column fit; [`Place::get`] says `None` for the others, whose positions are read
/// from the text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Place([u8; 5]);

/// A kept [`Place`], unpacked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placed {
    /// The line of the link (0-based; lines end at `\n`, `\r\n` or a lone `\r`).
    pub line: u32,
    /// Bytes from the line's start to the link's start.
    pub column: u32,
    /// Whether the line from its start to the link's end is ASCII: then a column counts the
    /// same in UTF-8 bytes and UTF-16 units, and so does the link's length.
    pub ascii: bool,
}

impl Place {
    /// No place kept: positions come from the text.
    pub const UNKNOWN: Place = Place([0; 5]);
    const MAX_LINE: usize = (1 << 23) - 2;

    fn new(line: usize, column: usize, ascii: bool) -> Place {
        if line > Place::MAX_LINE || column > usize::from(u16::MAX) {
            return Place::UNKNOWN;
        }
        let packed = ((line as u64 + 1) << 17) | (u64::from(ascii) << 16) | column as u64;
        let bytes = packed.to_le_bytes();
        Place([bytes[0], bytes[1], bytes[2], bytes[3], bytes[4]])
    }

    pub fn get(self) -> Option<Placed> {
        let [a, b, c, d, e] = self.0;
        let packed = u64::from_le_bytes([a, b, c, d, e, 0, 0, 0]);
        let line = (packed >> 17) as u32;
        (line != 0).then(|| Placed {
            line: line - 1,
            column: (packed & 0xffff) as u32,
            ascii: packed & (1 << 16) != 0,
        })
    }
}

/// Set every link's [`Place`] from the text it was parsed from. One pass over the text when the
/// links come in order of their starts (as a parse sorts them); a link before the previous one
/// starts the count again, so any order gives the right places.
pub(super) fn place_links(text: &str, breaks: &Breaks, links: &mut [Link]) {
    let bytes = text.as_bytes();
    // The line reached so far, where it starts, and how far the text has been read.
    let (mut line, mut line_start, mut read) = (0, 0, 0);
    // On the current line: up to where it is known to be ASCII, and its first byte that is not.
    let (mut ascii_to, mut not_ascii) = (0, None);
    for link in links {
        let (start, end) = (link.span.start(), link.span.end());
        if end > bytes.len() || start > end {
            link.place = Place::UNKNOWN;
            continue;
        }
        if start < read {
            (line, line_start, read) = (0, 0, 0);
            (ascii_to, not_ascii) = (0, None);
        }
        if breaks.cr {
            for i in memchr::memchr2_iter(b'\n', b'\r', &bytes[read..start]) {
                let i = read + i;
                // `\r\n` ends one line, after its `\n` (as `lsp::convert::LineIndex` counts).
                if bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n') {
                    line += 1;
                    line_start = i + 1;
                    (ascii_to, not_ascii) = (line_start, None);
                }
            }
        } else {
            // Lines end at `\n` alone: the line is how many come before the link.
            let before = breaks.newlines.partition_point(|&b| b < start);
            if before != line {
                line = before;
                line_start = breaks.newlines[before - 1] + 1;
                (ascii_to, not_ascii) = (line_start, None);
            }
        }
        read = start;
        let across = match breaks.cr {
            true => memchr::memchr2(b'\n', b'\r', &bytes[start..end]).is_some(),
            false => breaks.newlines.get(line).is_some_and(|&b| b < end),
        };
        if across {
            link.place = Place::UNKNOWN;
            continue;
        }
        if not_ascii.is_none() && ascii_to < end {
            match bytes[ascii_to..end].iter().position(|b| !b.is_ascii()) {
                Some(at) => not_ascii = Some(ascii_to + at),
                None => ascii_to = end,
            }
        }
        let ascii = not_ascii.is_none_or(|at| at >= end);
        link.place = Place::new(line, start - line_start, ascii);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{LinkKind, Span, parse};

    /// The places of a parse's links, as (line, column, ascii).
    fn places(text: &str) -> Vec<Option<(u32, u32, bool)>> {
        parse(text)
            .links
            .iter()
            .map(|l| l.place().map(|p| (p.line, p.column, p.ascii)))
            .collect()
    }

    #[test]
    fn a_place_packs_its_line_column_and_ascii_flag_exactly() {
        for (line, column, ascii) in [(0, 0, true), (1, 65_535, false), (Place::MAX_LINE, 7, true)]
        {
            let placed = Place::new(line, column, ascii).get();
            assert_eq!(
                placed,
                Some(Placed {
                    line: line as u32,
                    column: column as u32,
                    ascii
                })
            );
        }
        assert_eq!(Place::new(Place::MAX_LINE + 1, 0, true), Place::UNKNOWN);
        assert_eq!(Place::new(0, 65_536, true), Place::UNKNOWN);
        assert_eq!(Place::UNKNOWN.get(), None);
        assert_eq!(Place::default(), Place::UNKNOWN);
    }

    #[test]
    fn links_are_placed_on_their_lines_after_crlf_lone_cr_and_non_ascii_text() {
        let text = "[[first]] x\r\ncafé [[b]] [[c]]\rz [[d]]\n\n中文\n[[last]]";
        assert_eq!(
            places(text),
            [
                Some((0, 0, true)),
                // `é` is two bytes before the link: a byte column, not ASCII.
                Some((1, 6, false)),
                Some((1, 12, false)),
                Some((2, 2, true)),
                Some((5, 0, true)),
            ]
        );
    }

    #[test]
    fn a_link_is_ascii_when_its_line_is_up_to_its_end_though_not_after() {
        assert_eq!(
            places("see [[a]] then [[b]] and café [[c]]\n[[dé]]"),
            [
                Some((0, 4, true)),
                Some((0, 15, true)),
                Some((0, 31, false)),
                Some((1, 0, false))
            ]
        );
    }

    #[test]
    fn a_link_across_lines_or_past_a_long_line_keeps_no_place() {
        let long = format!("{} [[far]]\n[x](a.md)", "y".repeat(70_000));
        assert_eq!(places(&long), [None, Some((1, 0, true))]);
        assert_eq!(
            places("[two\nlines](a.md) [[b]]"),
            [None, Some((1, 13, true))]
        );
    }

    #[test]
    fn links_out_of_order_are_placed_all_the_same() {
        let text = "a\n[[x]]\nb [[y]]";
        let syntax = parse(text);
        let mut links: Vec<Link> = syntax.links.iter().rev().cloned().collect();
        place_links(text, &Breaks::of(text), &mut links);
        let got: Vec<_> = links.iter().map(|l| l.place().map(|p| p.line)).collect();
        assert_eq!(got, [Some(2), Some(1)]);
        // A span past the text (never from a parse) is left without a place.
        let mut stray = [Link::new(
            LinkKind::Wiki,
            false,
            Span::new(1, 99),
            "x".into(),
            Span::new(3, 4),
        )];
        place_links(text, &Breaks::of(text), &mut stray);
        assert_eq!(stray[0].place(), None);
    }
}
