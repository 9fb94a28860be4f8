//! The matches that score top for what was typed (the names starting with it, and the names
//! where each typed word starts a word), found among the names with a word starting with one
//! typed letter: when there are more of them than the list holds, they alone fill it, and the
//! rest of the vault is never looked at.

use nucleo_matcher::pattern::Pattern;
use nucleo_matcher::{Matcher, Utf32Str};

use super::candidates::{Candidate, Candidates, PARALLEL_SCORING, WordStart, scoring_threads};
use super::tiers::{TOP_NAME_LEN, Tier, Typed};

/// A query whose matches at word starts score `top`: an ASCII query whose every word starts
/// with a letter or digit ([`Typed::prefixes_score_top`]).
pub(super) struct TopQuery<'a> {
    pub(super) candidates: &'a Candidates,
    pub(super) typed: &'a Typed,
    pub(super) pattern: &'a Pattern,
    /// The query's own score: the best the matcher gives any name for it.
    pub(super) top: u32,
    /// The candidate of the note being written in, never offered.
    pub(super) own: Option<u32>,
    /// Candidates hidden by a patch (`patch.rs`), never offered.
    pub(super) hidden: &'a [u32],
    /// Attachments are offered too (an embed).
    pub(super) embed: bool,
}

/// How a name's score stands against top.
#[derive(Clone, Copy, PartialEq)]
enum Standing {
    Top,
    /// Matched below top, at the score when it was worked out.
    Below(Option<u32>),
    Unmatched,
}

impl TopQuery<'_> {
    /// The matches ranking above every match not at a word start, with their scores, in no
    /// particular order — when there are more than `limit` of them; else `None`, and the
    /// caller scans the vault. `offered` says which candidates (by index) may be listed.
    pub(super) fn fill(
        &self,
        limit: usize,
        offered: impl Fn(u32, &Candidate) -> bool + Sync,
        matcher: &mut Matcher,
    ) -> Option<Vec<(Tier, Option<u32>, u32)>> {
        let candidates = self.candidates;
        let words = self.typed.ascii_words();
        // A name scoring top holds each word at a word start, so it is among the names with
        // a word starting with any one word's first letter: the fewest are read.
        let word = words
            .iter()
            .filter(|word| !word.is_empty())
            .min_by_key(|word| candidates.at_word_start(word[0]).len());
        // The names with a word whose first letter the matcher may read as an ASCII one
        // (`ø` as `o`) are read on their own, once.
        let odd = candidates.odd_word_starts();
        let mut found = match word {
            Some(word) => {
                let starts = candidates.at_word_start(word[0]);
                // A query of one word of at most 5 bytes is told at each word start from the
                // bytes kept there (0 past a name's end), without reading the name.
                let short = words.len() == 1 && word.len() <= 5 && !word.contains(&0);
                let run = |part: &[WordStart], matcher: &mut Matcher| {
                    self.sure_at(part, word, short, odd, &offered, matcher)
                };
                // On the scoring threads for thousands of names (the first letters of a query).
                let mut found = match scoring_threads().filter(|_| starts.len() > PARALLEL_SCORING)
                {
                    Some(threads) => {
                        use rayon::prelude::*;
                        let chunk = starts.len().div_ceil(threads.current_num_threads().max(1));
                        threads.install(|| {
                            starts
                                .par_chunks(chunk)
                                .map(|part| run(part, &mut super::matcher()))
                                .reduce(Vec::new, |mut a, b| {
                                    a.extend(b);
                                    a
                                })
                        })
                    }
                    None => run(starts, matcher),
                };
                // A name whose word starts fall in two runs is taken from the first, which
                // saw its earliest (the start of the name, when it starts so).
                found.dedup_by_key(|e| e.2);
                self.sure_of(odd, &offered, matcher, &mut found);
                found
            }
            // Nothing typed: every name starts with it.
            None => {
                let all: Vec<u32> = (0..candidates.items.len() as u32).collect();
                let mut found = Vec::new();
                self.sure_of(&all, &offered, matcher, &mut found);
                found
            }
        };
        // Aliases whose note scores below top rank below the names of their tier scoring top:
        // their scores are worked out only where the list can reach them.
        let exact_top = found
            .iter()
            .filter(|e| e.0 == Tier::Exact && e.1 == Some(self.top))
            .count();
        let above_prefix_below = found
            .iter()
            .filter(|e| e.0 == Tier::Exact || (e.0 == Tier::Prefix && e.1 == Some(self.top)))
            .count();
        found.retain_mut(|entry| {
            if entry.1.is_some() {
                return true;
            }
            let reached = match entry.0 {
                Tier::Exact => exact_top < limit,
                _ => above_prefix_below < limit,
            };
            if reached {
                entry.1 =
                    Some(self.under_note(&candidates.items[entry.2 as usize], self.top, matcher));
            }
            reached
        });
        (found.len() > limit).then_some(found)
    }

    /// The sure matches among the names with a word starting at `starts` (in order), as
    /// [`TopQuery::sure_of`] finds them: a name is read only where `word` may start there (and
    /// not at all, for a `short` query: that one word alone, which the bytes kept at the word
    /// start tell whole). The names of `odd` are left to their own pass.
    fn sure_at(
        &self,
        starts: &[WordStart],
        word: &[u8],
        short: bool,
        odd: &[u32],
        offered: &(impl Fn(u32, &Candidate) -> bool + Sync),
        matcher: &mut Matcher,
    ) -> Vec<(Tier, Option<u32>, u32)> {
        let mut found = Vec::new();
        // The last name read: its later word starts are passed over.
        let mut last = u32::MAX;
        for &start in starts {
            if start.candidate == last || !start.may_hold(word) {
                continue;
            }
            if !start.ascii() && odd.binary_search(&start.candidate).is_ok() {
                continue;
            }
            last = start.candidate;
            if short
                && start.ascii()
                && !start.is_alias()
                && start.len().is_some_and(|n| n <= TOP_NAME_LEN)
            {
                // One word, whole at this word start: a match scoring top, its tier told by
                // where it starts and how long the name is.
                if Some(start.candidate) == self.own
                    || !(start.is_note() || self.embed)
                    || Candidates::is_hidden(self.hidden, start.candidate)
                {
                    continue;
                }
                let tier = match (start.at_start(), start.len() == Some(word.len())) {
                    (true, true) => Tier::Exact,
                    (true, false) => Tier::Prefix,
                    (false, _) => Tier::Words,
                };
                found.push((tier, Some(self.top), start.candidate));
                continue;
            }
            self.sure_of(&[start.candidate], offered, matcher, &mut found);
        }
        found
    }

    /// Add to `found` the sure matches among `names`, each with its score, or `None` where it
    /// is an alias whose note scores below top, not worked out yet.
    fn sure_of(
        &self,
        names: &[u32],
        offered: &(impl Fn(u32, &Candidate) -> bool + Sync),
        matcher: &mut Matcher,
        found: &mut Vec<(Tier, Option<u32>, u32)>,
    ) {
        let candidates = self.candidates;
        let mut chars = Vec::new();
        for &i in names {
            let c = &candidates.items[i as usize];
            if !offered(i, c) {
                continue;
            }
            let Some((tier, standing)) = self.standing(c, false, &mut chars, matcher) else {
                continue;
            };
            // Below top, a name in `Words` is lower in its tier than every name scoring top; a
            // name in a tier above ranks above every `Words` match, with its score (below top
            // only for a name too long for the matcher's optimal search).
            let own = match standing {
                Standing::Top => self.top,
                Standing::Below(Some(score)) if tier <= Tier::Prefix => score,
                _ => continue,
            };
            // An alias never outranks its own note (see `notes`): its score is at most the
            // note's, where the note is offered and matches.
            let note = &candidates.items[c.note as usize];
            let score = if c.alias.is_some() && offered(c.note, note) {
                match self.standing(note, true, &mut chars, matcher) {
                    // Worked out only where the list reaches it (see `fill`).
                    Some((_, Standing::Below(None))) if tier <= Tier::Prefix && own == self.top => {
                        None
                    }
                    Some((_, Standing::Below(_))) if tier <= Tier::Prefix => {
                        Some(self.under_note(c, own, matcher))
                    }
                    Some((_, Standing::Below(_))) => continue,
                    _ => Some(own),
                }
            } else {
                Some(own)
            };
            found.push((tier, score, i));
        }
    }

    /// The score of the alias `c`, whose own is `own`: at most its note's (`notes`' rule).
    fn under_note(&self, c: &Candidate, own: u32, matcher: &mut Matcher) -> u32 {
        let note = self
            .candidates
            .haystack(&self.candidates.items[c.note as usize], false);
        self.pattern
            .score(note, matcher)
            .map_or(own, |note| note.min(own))
    }

    /// The tier of `c` and how its score stands against top, for a name in a tier up to
    /// `Words`; `None` for the others, which rank below every name scoring top. With
    /// `matched`, a name in the `Fuzzy` tier gets its standing too.
    fn standing(
        &self,
        c: &Candidate,
        matched: bool,
        chars: &mut Vec<char>,
        matcher: &mut Matcher,
    ) -> Option<(Tier, Standing)> {
        let haystack = self.candidates.haystack(c, false);
        let tier = self.typed.tier_of(haystack, chars);
        if tier == Tier::Fuzzy && !matched {
            return None;
        }
        let short = haystack.len() <= TOP_NAME_LEN;
        // A name starting with the query scores top (`Typed::prefixes_score_top`).
        if tier <= Tier::Prefix && short {
            return Some((tier, Standing::Top));
        }
        let standing = match haystack {
            // The matcher reads ASCII names as they are: each word at a word start is top,
            // each word's letters in order a match (`Typed::words_in_order`).
            Utf32Str::Ascii(name) if short => {
                if tier == Tier::Words && self.typed.at_word_starts(name) {
                    Standing::Top
                } else if tier == Tier::Words || self.typed.words_in_order(name) {
                    Standing::Below(None)
                } else {
                    Standing::Unmatched
                }
            }
            // Other names may match through letters the matcher reads as others, and a name
            // too long for its optimal search is scored by a greedy one: asked.
            _ => match self.pattern.score(haystack, matcher) {
                Some(score) if score >= self.top => Standing::Top,
                Some(score) => Standing::Below(Some(score)),
                None => Standing::Unmatched,
            },
        };
        Some((tier, standing))
    }
}
