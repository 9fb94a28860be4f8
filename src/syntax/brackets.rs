//! What pulldown-cmark is given to parse: the note's text, or — when it holds more brackets that
//! can be part of no link than [`MAX_IDLE_BRACKETS`] — a copy of the same length with those
//! brackets replaced by `,`, so that every span it reports is still a span of the note.
//!
//! Why: pulldown-cmark keeps a tree node (and a link-stack entry) for every `[`, `![` and `]`
//! it meets, some 50 to 80 bytes each, until the block is done: 8 MB of unclosed `[[` took
//! 670 MB. A note's own links keep theirs, since they become links we keep anyway; brackets no
//! link can use (an idle bracket) are what an adversary multiplies.
//!
//! A bracket is in use, on its line, when it belongs to a matched pair `[…]` that is half of a
//! wikilink `[[…]]`, an inline link `[…](…)` whose parenthesis closes on the line, or a
//! reference definition `[…]:`; brackets inside such a link's `(…)` or definition are left as
//! they are, so destinations read the same. Every other bracket is idle: unmatched on its
//! line, or a pair that is none of those (a shortcut or full reference, a task box, a footnote
//! reference — none of them a link the index keeps). Wikilinks never span lines, so none is
//! lost; a markdown link whose text spans lines is, in a note over the bound only.

use std::borrow::Cow;

/// Idle brackets a note may hold before they are hidden from pulldown-cmark: more than the
/// task boxes and bracketed words of a long note people write, and few enough that
/// pulldown-cmark's nodes for them stay under a megabyte.
pub const MAX_IDLE_BRACKETS: usize = 4096;

/// What an idle bracket becomes: ASCII punctuation (as brackets are, so emphasis next to it
/// flanks the same way) that means nothing to CommonMark.
const NEUTRAL: u8 = b',';

/// `body` as pulldown-cmark should see it (see the module doc). Linear in the text's length.
pub fn cmark_text(body: &str) -> Cow<'_, str> {
    hide_idle_brackets(body, MAX_IDLE_BRACKETS)
}

/// `body` with every idle bracket replaced, if it holds more than `max_idle` of them; else
/// `body` itself. (The fuzz target hides them from its short inputs with `max_idle` 0.)
pub fn hide_idle_brackets(body: &str, max_idle: usize) -> Cow<'_, str> {
    let bytes = body.as_bytes();
    // Most notes: too short to hold that many brackets; most others too few of them. (Counted
    // in a loop the compiler vectorises: a search stopping at each bracket cost ~3% of a parse
    // of notes dense with links.)
    if bytes.len() <= max_idle
        || bytes.iter().filter(|&&b| b == b'[' || b == b']').count() <= max_idle
        || u32::try_from(bytes.len()).is_err()
    {
        return Cow::Borrowed(body);
    }
    let mut idle = 0;
    sweep(bytes, |_| idle += 1);
    if idle <= max_idle {
        return Cow::Borrowed(body);
    }
    let mut copy = bytes.to_vec();
    sweep(bytes, |at| copy[at] = NEUTRAL);
    // ASCII replaced by ASCII: still UTF-8.
    match String::from_utf8(copy) {
        Ok(copy) => Cow::Owned(copy),
        Err(_) => Cow::Borrowed(body),
    }
}

/// Call `idle` with the offset of every idle bracket of `text`, line by line.
fn sweep(text: &[u8], mut idle: impl FnMut(usize)) {
    let mut lines = Lines::default();
    let mut start = 0;
    for end in memchr::memchr2_iter(b'\n', b'\r', text).chain([text.len()]) {
        lines.line(&text[start..end], start, &mut idle);
        start = end + 1;
    }
}

/// Buffers reused from line to line.
#[derive(Default)]
struct Lines {
    /// `(` after `]` whose `)` is on the line: (open, close), by open.
    parens: Vec<(u32, u32)>,
    /// Unmatched `(` after `]`, and then unmatched `[`, by offset in the line.
    open: Vec<u32>,
    /// Where brackets are left alone: the insides of links and definitions, merged, in order.
    kept: Vec<(u32, u32)>,
}

impl Lines {
    fn line(&mut self, line: &[u8], offset: usize, idle: &mut impl FnMut(usize)) {
        if memchr::memchr2(b'[', b']', line).is_none() {
            return;
        }
        self.match_parens(line);
        self.kept.clear();
        self.open.clear();
        // The last pair closed, while it may still be the inside of a wikilink.
        let mut pending: Option<(u32, u32)> = None;
        let mut at = 0;
        while at < line.len() {
            let b = line[at];
            let here = at as u32;
            at += 1;
            match b {
                b'\\' => at += 1,
                b'[' => self.open.push(here),
                b']' => {
                    let Some(o) = self.open.pop() else {
                        self.report(here, offset, idle);
                        continue;
                    };
                    match pending.take() {
                        Some((po, pc)) if po == o + 1 && pc + 1 == here => continue,
                        Some((po, pc)) => self.decide(line, po, pc, offset, idle),
                        None => {}
                    }
                    let c = here as usize;
                    let wiki_inside =
                        o > 0 && line[o as usize - 1] == b'[' && line.get(c + 1) == Some(&b']');
                    if wiki_inside {
                        pending = Some((o, here));
                    } else {
                        self.decide(line, o, here, offset, idle);
                    }
                }
                _ => {}
            }
        }
        if let Some((po, pc)) = pending {
            self.decide(line, po, pc, offset, idle);
        }
        for i in 0..self.open.len() {
            let o = self.open[i];
            self.report(o, offset, idle);
        }
    }

    /// Pair the `(` that follow a `]` with their `)`, by nesting.
    fn match_parens(&mut self, line: &[u8]) {
        self.parens.clear();
        self.open.clear();
        let mut at = 0;
        while at < line.len() {
            let here = at as u32;
            match line[at] {
                b'\\' => at += 1,
                b'(' => self.open.push(here),
                b')' => {
                    if let Some(o) = self.open.pop() {
                        if o > 0 && line[o as usize - 1] == b']' {
                            self.parens.push((o, here));
                        }
                    }
                }
                _ => {}
            }
            at += 1;
        }
        self.parens.sort_unstable();
    }

    /// Decide a matched pair that is no wikilink's: in use as a link or a definition (its
    /// parenthesis or the rest of the line kept as written), or idle.
    fn decide(&mut self, line: &[u8], o: u32, c: u32, offset: usize, idle: &mut impl FnMut(usize)) {
        let after = c + 1;
        let kept = match line.get(after as usize) {
            Some(b'(') => self
                .parens
                .binary_search_by_key(&after, |&(open, _)| open)
                .ok()
                .map(|i| (after, self.parens[i].1)),
            Some(b':') => Some((after, line.len() as u32)),
            _ => None,
        };
        match kept {
            Some(range) => self.keep(range),
            None => {
                self.report(o, offset, idle);
                self.report(c, offset, idle);
            }
        }
    }

    fn keep(&mut self, (start, end): (u32, u32)) {
        match self.kept.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => self.kept.push((start, end)),
        }
    }

    /// Report the bracket at `at` idle unless it lies inside a link or definition kept.
    fn report(&self, at: u32, offset: usize, idle: &mut impl FnMut(usize)) {
        let i = self.kept.partition_point(|&(start, _)| start <= at);
        let inside = i > 0 && at <= self.kept[i - 1].1;
        if !inside {
            idle(offset + at as usize);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_with_few_idle_brackets_are_parsed_as_written() {
        // 8,000 brackets, half of them idle.
        let text = "- [ ] task [x] [[a]]\n".repeat(1000);
        assert!(matches!(cmark_text(&text), Cow::Borrowed(_)));
    }

    #[test]
    fn past_the_bound_only_idle_brackets_are_hidden_and_lengths_stay() {
        let junk = "[".repeat(MAX_IDLE_BRACKETS);
        let text = format!(
            "{junk}[[a]] ![[b|c]] [t](u[v].md) ![i](j.png) [x](\n\
             [d]: e[f].md\n\
             [[[g]] [h] [^1] \\[ ]] [[k [l]]\n"
        );
        let seen = cmark_text(&text);
        assert_eq!(seen.len(), text.len());
        let commas = ",".repeat(MAX_IDLE_BRACKETS);
        assert_eq!(
            seen,
            format!(
                "{commas}[[a]] ![[b|c]] [t](u[v].md) ![i](j.png) ,x,(\n\
                 [d]: e[f].md\n\
                 ,[[g]] ,h, ,^1, \\[ ,, ,,k ,l,,\n"
            )
        );
    }

    /// Every `[[…]]` written plainly (no bracket, backslash or line break inside, no backslash
    /// before it): what must be left whole.
    fn plain_wikilinks(text: &str) -> Vec<std::ops::Range<usize>> {
        let b = text.as_bytes();
        let mut out = Vec::new();
        for start in 0..b.len().saturating_sub(3) {
            if &b[start..start + 2] != b"[[" || (start > 0 && b[start - 1] == b'\\') {
                continue;
            }
            let inner = b[start + 2..]
                .iter()
                .position(|c| matches!(c, b'[' | b']' | b'\\' | b'\n' | b'\r'))
                .map(|i| start + 2 + i);
            if let Some(close) = inner.filter(|&i| i > start + 2 && b[i..].starts_with(b"]]")) {
                out.push(start..close + 2);
            }
        }
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]

        /// Hidden or not, the text keeps its length, only brackets become `,`, and plain
        /// wikilinks stay as written.
        #[test]
        fn hiding_idle_brackets_changes_only_brackets_and_keeps_plain_wikilinks(
            text in "(\\[|\\]|\\(|\\)|!|x|:|\\\\|\n|\r| |\\[\\[x\\]\\]|\\]\\(x\\)){0,40}",
        ) {
            let seen = hide_idle_brackets(&text, 0);
            proptest::prop_assert_eq!(seen.len(), text.len());
            for (was, is) in text.bytes().zip(seen.bytes()) {
                proptest::prop_assert!(was == is || (matches!(was, b'[' | b']') && is == NEUTRAL));
            }
            for link in plain_wikilinks(&text) {
                proptest::prop_assert_eq!(&seen[link.clone()], &text[link]);
            }
        }
    }
}
