//! An upper bound of the matcher's score for a name where a typed word's letters only turn up
//! scattered (the `Fuzzy` tier), worked out in one pass over the name. Two letters typed at
//! 100,000 notes match thousands of names so, and the list needs the few best: the matcher
//! scores the names whose bound can reach them, best bound first, and stops there.

use std::cmp::Reverse;

use super::tiers::{TOP_NAME_LEN, TOP_WORD_LEN, Tier, Typed};

/// nucleo-matcher 0.3.1's scoring (`score.rs`, `Config::DEFAULT`): what each matched letter
/// earns before its bonus, the largest bonus any letter earns (`bonus_boundary_white`), and
/// the penalty of a gap's first skipped letter.
const SCORE_MATCH: u32 = 16;
const BONUS_MOST: u32 = 10;
const PENALTY_GAP_START: u32 = 3;

/// A candidate being ranked: its tier, its score once known, its index.
pub(super) type Entry = (Tier, Option<u32>, u32);

/// One typed word of ASCII lower-case letters and digits, 2 to [`TOP_WORD_LEN`] bytes: the
/// queries whose scattered matches are many.
pub(super) struct OneWord {
    word: Vec<u8>,
}

impl OneWord {
    pub(super) fn new(typed: &Typed) -> Option<OneWord> {
        match typed.ascii_words() {
            [word]
                if (2..=TOP_WORD_LEN).contains(&word.len())
                    && word
                        .iter()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) =>
            {
                Some(OneWord { word: word.clone() })
            }
            _ => None,
        }
    }

    /// The tier of the ASCII `name` (in match form) for the word, and for a name where the
    /// word's letters only turn up scattered (`Fuzzy`) a bound of the matcher's score, in one
    /// pass over the name; `None` where the letters do not turn up in order (the matcher does
    /// not match the name). For one word the tiers are `ascii_tier_in`'s: the whole word at
    /// the start (`Prefix`, or `Exact` if that is all), or anywhere (`Words`).
    ///
    /// The bound: each matched letter earns `SCORE_MATCH` and a bonus, at most `BONUS_MOST`,
    /// and none inside a run of lower-case letters or of digits; the first letter's bonus
    /// counts twice. The letters never stand together, so some gap costs at least
    /// `PENALTY_GAP_START`. With two letters the second always follows a gap and earns only
    /// its own position's bonus. Past [`TOP_NAME_LEN`] there is no bound (`u32::MAX`).
    pub(super) fn classify(&self, name: &[u8]) -> Option<(Tier, u32)> {
        let word = &self.word[..];
        let (first, second) = (word[0], word[1]);
        // The word's letters found in order so far, the best bonus of its first and second
        // letter, and where the whole word first stands.
        let (mut next, mut best_first, mut best_second) = (0, 0, 0);
        let mut whole_at = None;
        // The start of a name reads as whitespace.
        let mut before = b' ';
        for (at, &c) in name.iter().enumerate() {
            if word.get(next) == Some(&c) {
                next += 1;
            }
            if c == first || c == second {
                let bonus = if at_boundary(before, c) {
                    BONUS_MOST
                } else {
                    0
                };
                if c == first {
                    best_first = best_first.max(bonus);
                    if whole_at.is_none()
                        && name.len() - at >= word.len()
                        && name[at..].iter().zip(word).all(|(a, b)| a == b)
                    {
                        whole_at = Some(at);
                    }
                }
                if c == second {
                    best_second = best_second.max(bonus);
                }
            }
            before = c;
        }
        match whole_at {
            Some(0) if name.len() == word.len() => Some((Tier::Exact, 0)),
            Some(0) => Some((Tier::Prefix, 0)),
            Some(_) => Some((Tier::Words, 0)),
            None if next < word.len() => None,
            None if name.len() > TOP_NAME_LEN => Some((Tier::Fuzzy, u32::MAX)),
            None => Some((Tier::Fuzzy, bound(word.len(), best_first, best_second))),
        }
    }

    /// Whether a name of `shape` can be left unread: its scattered match, if any, scores at
    /// most [`OneWord::ruled_out_bound`] (the word's first letter earns no bonus anywhere in
    /// it), and the whole word stands nowhere in it (the word's first two letters never stand
    /// together), so its tier is `Fuzzy` or none.
    pub(super) fn leaves_unread(&self, shape: Shape) -> bool {
        shape.boundary & letter_bit(self.word[0]) == 0
            && shape.pairs & pair_bit(self.word[0], self.word[1]) == 0
    }

    /// The most a name [`OneWord::leaves_unread`] can score.
    pub(super) fn ruled_out_bound(&self) -> u32 {
        bound(self.word.len(), 0, BONUS_MOST)
    }

    /// The bound [`OneWord::classify`] gives a name of tier `Fuzzy`.
    #[cfg(test)]
    fn of(&self, name: &[u8]) -> u32 {
        match self.classify(name) {
            Some((Tier::Fuzzy, bound)) => bound,
            other => panic!("{other:?} for {:?}", String::from_utf8_lossy(name)),
        }
    }
}

/// The bound of a scattered match of a word of `n` letters (see [`OneWord::classify`]): the
/// best bonus of its first letter and, for two letters, of its second.
fn bound(n: usize, best_first: u32, best_second: u32) -> u32 {
    let n = n as u32;
    let rest = if n == 2 {
        best_second
    } else {
        BONUS_MOST * (n - 1)
    };
    SCORE_MATCH * n + 2 * best_first + rest - PENALTY_GAP_START
}

/// Whether a letter or digit `c` after `before` may earn a bonus: at a word's start (after
/// anything but a letter or digit; the start of a name reads as whitespace), a digit after
/// a non-digit, an upper-case letter after a lower-case one. Inside a run of lower-case
/// letters or of digits it earns none.
fn at_boundary(before: u8, c: u8) -> bool {
    !before.is_ascii_alphanumeric()
        || c.is_ascii_digit() && !before.is_ascii_digit()
        || c.is_ascii_uppercase() && before.is_ascii_lowercase()
}

/// One bit per lower-case ASCII letter and digit; none for other bytes.
fn letter_bit(b: u8) -> u64 {
    match b {
        b'a'..=b'z' => 1 << (b - b'a'),
        b'0'..=b'9' => 1 << (26 + b - b'0'),
        _ => 0,
    }
}

/// A bit of 64 for a pair of bytes standing together.
fn pair_bit(a: u8, b: u8) -> u64 {
    1 << ((u64::from(a) << 8 | u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58)
}

/// What a name's bytes tell of its matches for one word, read without the name (16 bytes a
/// candidate, in order): the letters and digits it holds where they may earn a bonus, and
/// the pairs of bytes standing together in it (hashed: a pair's bit may be another's).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Shape {
    boundary: u64,
    pairs: u64,
}

impl Shape {
    /// A name never left unread: one that is not ASCII, or is longer than the matcher's
    /// optimal search.
    pub(super) const ALWAYS_READ: Shape = Shape {
        boundary: u64::MAX,
        pairs: u64::MAX,
    };

    /// The shape as the completion image stores it: its two words, little-endian.
    pub(super) fn to_le_bytes(self) -> [u8; 16] {
        let mut bytes = [0; 16];
        bytes[..8].copy_from_slice(&self.boundary.to_le_bytes());
        bytes[8..].copy_from_slice(&self.pairs.to_le_bytes());
        bytes
    }

    /// The shape [`Shape::to_le_bytes`] gave `bytes`.
    pub(super) fn from_le_bytes(bytes: [u8; 16]) -> Shape {
        let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
        Shape {
            boundary: word(0),
            pairs: word(8),
        }
    }

    /// The shape of an ASCII name in match form.
    pub(super) fn of(name: &[u8]) -> Shape {
        if name.len() > TOP_NAME_LEN {
            return Shape::ALWAYS_READ;
        }
        let mut shape = Shape {
            boundary: 0,
            pairs: 0,
        };
        let mut before = b' ';
        for &c in name {
            if at_boundary(before, c) {
                shape.boundary |= letter_bit(c);
            }
            shape.pairs |= pair_bit(before, c);
            before = c;
        }
        shape
    }
}

/// Of `scored` (a list's matches, of tiers down to `Fuzzy`), keep the fuzzy ones that can be
/// among the `limit` listed, scoring them by `score` best bound first: once `need` fuzzy
/// matches score above the next bound, no match left can be listed (ties on score are kept,
/// for popularity to break). `bound_of` gives a candidate's bound.
///
/// Returns the score the list's last scattered place has (`u32::MAX` when better tiers fill
/// the list): a match scoring below it cannot be listed. `None` when the scattered matches do
/// not fill their places (all of them are kept, unscored).
pub(super) fn keep_listable(
    scored: &mut Vec<Entry>,
    limit: usize,
    bound_of: impl Fn(u32) -> u32,
    mut score: impl FnMut(&mut [Entry]),
) -> Option<u32> {
    let better = scored.iter().filter(|e| e.0 < Tier::Fuzzy).count();
    let fuzzy = scored.len() - better;
    let need = limit.saturating_sub(better);
    if need == 0 {
        return Some(u32::MAX);
    }
    if fuzzy <= need {
        return None;
    }
    let mut known: Vec<u32> = scored
        .iter()
        .filter(|e| e.0 == Tier::Fuzzy)
        .filter_map(|e| e.1)
        .collect();
    let mut pending: Vec<(u32, u32)> = scored
        .iter()
        .filter(|e| e.0 == Tier::Fuzzy && e.1.is_none())
        .map(|e| (bound_of(e.2), e.2))
        .collect();
    scored.retain(|e| !(e.0 == Tier::Fuzzy && e.1.is_none()));
    pending.sort_unstable_by_key(|&(bound, i)| (Reverse(bound), i));
    let mut taken = 0;
    while taken < pending.len() {
        let bound = pending[taken].0;
        if known.len() >= need {
            known.select_nth_unstable_by_key(need - 1, |&s| Reverse(s));
            if bound < known[need - 1] {
                break;
            }
        }
        let end = taken + pending[taken..].partition_point(|p| p.0 == bound);
        let mut group: Vec<Entry> = pending[taken..end]
            .iter()
            .map(|&(_, i)| (Tier::Fuzzy, None, i))
            .collect();
        score(&mut group);
        known.extend(group.iter().filter_map(|e| e.1));
        scored.extend(group);
        taken = end;
    }
    (known.len() >= need).then(|| {
        known.select_nth_unstable_by_key(need - 1, |&s| Reverse(s));
        known[need - 1]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use nucleo_matcher::Utf32Str;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

        /// The bound is never below the matcher's own score, for names whose tier is
        /// `Fuzzy`: letters after spaces, delimiters, other signs, digits after letters and
        /// runs of either, at any distance.
        #[test]
        fn the_bound_is_at_least_the_matchers_score_of_every_scattered_match(
            name in "[abc1 ./_,:|()-]{0,24}",
            word in "[abc1]{2,4}",
        ) {
            let typed = Typed::new(&word);
            let one = OneWord::new(&typed).expect("a word of letters and digits");
            let haystack = Utf32Str::Ascii(name.as_bytes());
            let score = crate::features::completion::pattern(&word)
                .score(haystack, &mut crate::features::completion::matcher());
            if let (Some(score), Some((Tier::Fuzzy, bound))) = (score, one.classify(name.as_bytes())) {
                proptest::prop_assert!(score <= bound, "{score} over the bound {bound}");
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

        /// One pass gives the tier that `Typed::tier_of` gives, and a match exactly where the
        /// letters turn up in order (`Typed::words_in_order`).
        #[test]
        fn one_pass_gives_the_tier_and_the_matches_of_the_passes_it_replaces(
            name in "[abc1 ./_-]{0,12}",
            word in "[abc1]{2,4}",
        ) {
            let typed = Typed::new(&word);
            let one = OneWord::new(&typed).expect("a word of letters and digits");
            let tier = typed.tier_of(Utf32Str::Ascii(name.as_bytes()), &mut Vec::new());
            let matched = tier < Tier::Fuzzy || typed.words_in_order(name.as_bytes());
            proptest::prop_assert_eq!(
                one.classify(name.as_bytes()).map(|(tier, _)| tier),
                matched.then_some(tier)
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

        /// A name its shape rules out matches only scattered, bounded by the most a ruled-out
        /// name can score, or not at all.
        #[test]
        fn a_name_ruled_out_by_its_shape_is_scattered_and_scores_at_most_the_ruled_out_bound(
            name in "[abc1 ./_-]{0,12}",
            word in "[abc1]{2,4}",
        ) {
            let one = OneWord::new(&Typed::new(&word)).expect("a word of letters and digits");
            if one.leaves_unread(Shape::of(name.as_bytes())) {
                match one.classify(name.as_bytes()) {
                    None => {}
                    Some((tier, bound)) => {
                        proptest::prop_assert_eq!(tier, Tier::Fuzzy);
                        proptest::prop_assert!(bound <= one.ruled_out_bound());
                    }
                }
            }
        }
    }

    #[test]
    fn a_shape_leaves_unread_names_without_the_first_letter_at_a_word_start_or_the_pair() {
        let one = OneWord::new(&Typed::new("hu")).expect("two letters");
        assert!(one.leaves_unread(Shape::of(b"ah ub")));
        assert!(!one.leaves_unread(Shape::of(b"a hub")), "h at a word start");
        assert!(!one.leaves_unread(Shape::of(b"thumb")), "hu together");
        assert!(!one.leaves_unread(Shape::of(b"a-h u")), "h after a sign");
        assert!(!one.leaves_unread(Shape::ALWAYS_READ));
        assert_eq!(one.ruled_out_bound(), 39);
    }

    #[test]
    fn the_bound_of_two_letters_counts_each_letters_best_place_and_one_gap() {
        let bound = OneWord::new(&Typed::new("hu")).expect("two letters");
        // `h` and `u` each start a word: 32 + 2 × 10 + 10 − 3.
        assert_eq!(bound.of(b"health update"), 59);
        // `h` inside a word: it earns no bonus.
        assert_eq!(bound.of(b"the unit"), 39);
        // `u` inside a word only.
        assert_eq!(bound.of(b"heat sun"), 49);
        assert_eq!(bound.of(b"ohm sun"), 29);
    }

    #[test]
    fn only_one_word_of_lower_case_letters_and_digits_has_a_bound() {
        for query in ["h", "hu tu", "h-u", "h_u"] {
            assert!(OneWord::new(&Typed::new(query)).is_none(), "{query}");
        }
        assert!(OneWord::new(&Typed::new("h2o")).is_some());
        // What was typed is matched in lower case.
        assert!(OneWord::new(&Typed::new("Hu")).is_some());
    }

    /// Of more scattered matches than the list holds, those whose bound is below the
    /// `need`-th best score are dropped unscored; a bound tied with it is scored and kept.
    #[test]
    fn scattered_matches_whose_bound_cannot_reach_the_list_are_dropped_unscored() {
        let mut scored: Vec<Entry> = vec![(Tier::Words, Some(60), 0)];
        scored.extend((1..=5).map(|i| (Tier::Fuzzy, None, i)));
        // Two places are left for scattered matches: 44 and 42 fill them, so 3 (bound 41)
        // cannot reach the list, and 5 (bound 42) can tie.
        let scores = [0, 41, 42, 35, 44, 42];
        let bounds = [0, 51, 52, 41, 54, 42];
        let mut asked = Vec::new();
        let last_place = keep_listable(
            &mut scored,
            3,
            |i| bounds[i as usize],
            |entries| {
                for e in entries {
                    asked.push(e.2);
                    e.1 = Some(scores[e.2 as usize]);
                }
            },
        );
        scored.sort_by_key(|e| e.2);
        assert_eq!(
            scored,
            [
                (Tier::Words, Some(60), 0),
                (Tier::Fuzzy, Some(41), 1),
                (Tier::Fuzzy, Some(42), 2),
                (Tier::Fuzzy, Some(44), 4),
                (Tier::Fuzzy, Some(42), 5)
            ]
        );
        assert_eq!(asked, [4, 2, 1, 5]);
        assert_eq!(last_place, Some(42));
    }
}
