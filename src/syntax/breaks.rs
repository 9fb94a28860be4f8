//! Where a note's lines end, found once per parse for the scanners that go line by line.

use super::frontmatter::lines;

/// Where a text's lines end, found once by [`super::parse`] for every scanner that goes line
/// by line: each of them searching the text for line ends again was, together, a tenth of a
/// parse.
pub(super) struct Breaks {
    /// Every `\n`, in order.
    pub(super) newlines: Vec<usize>,
    /// Whether the text holds a `\r`, which ends a line too (alone or before `\n`): then the
    /// scanners split lines themselves, as [`lines`] does.
    pub(super) cr: bool,
}

impl Breaks {
    #[cfg(test)]
    pub(super) fn of(text: &str) -> Breaks {
        Breaks::of_in(text, Vec::new())
    }

    /// The breaks of `text`, listed in `newlines` (emptied first): a parse passes the list its
    /// thread kept from the last note, which has room already.
    pub(super) fn of_in(text: &str, mut newlines: Vec<usize>) -> Breaks {
        let bytes = text.as_bytes();
        newlines.clear();
        // Sized for lines of ~40 bytes: growing from empty was most of this search's time.
        // (Bounded: a huge note of few lines would reserve megabytes it never uses; and at
        // 8,192, 64 KB, what a parse's thread keeps of a list between notes.)
        newlines.reserve((bytes.len() / 40 + 1).min(1 << 13));
        newlines.extend(memchr::memchr_iter(b'\n', bytes));
        Breaks {
            newlines,
            cr: memchr::memchr(b'\r', bytes).is_some(),
        }
    }

    /// [`lines`] of `text` (the text these breaks are of) from `start`.
    pub(super) fn lines<'a>(
        &'a self,
        text: &'a str,
        start: usize,
    ) -> impl Iterator<Item = (usize, usize, usize)> + 'a {
        let mut split = self.cr.then(|| lines(text, start));
        let mut newlines = match self.cr {
            true => [].iter(),
            false => self.newlines[self.newlines.partition_point(|&b| b < start)..].iter(),
        };
        let mut pos = start;
        std::iter::from_fn(move || {
            if let Some(split) = &mut split {
                return split.next();
            }
            if pos >= text.len() {
                return None;
            }
            let line_start = pos;
            let end = newlines.next().copied().unwrap_or(text.len());
            pos = (end + 1).min(text.len());
            Some((line_start, end, pos))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines read from the breaks found once are the lines a scan splits itself, with `\n`,
    /// `\r\n` or a lone `\r` ending them, from any start.
    #[test]
    fn lines_from_breaks_are_the_lines_a_scan_splits() {
        let texts = [
            "",
            "one",
            "one\n",
            "a\n\nb\nlast",
            "\n\n",
            "dos\r\nlines\r\n",
            "old\rmac\rstyle",
            "mixed\nends\r\nhere\r",
        ];
        for text in texts {
            let breaks = Breaks::of(text);
            for start in 0..=text.len() {
                let ours: Vec<_> = breaks.lines(text, start).collect();
                let split: Vec<_> = lines(text, start).collect();
                assert_eq!(ours, split, "{text:?} from {start}");
            }
        }
    }
}
