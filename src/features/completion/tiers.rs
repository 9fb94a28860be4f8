//! How a name matches what was typed: the tiers that order note completion before fuzzy
//! scores do, worked out a byte at a time for ASCII names.

use nucleo_matcher::Utf32Str;

/// How a name matches what was typed, best first. Tiers order the list before any fuzzy score
/// or popularity does, as Obsidian's suggester and fuzzy finders order theirs: typing a note's
/// whole name puts it first, and typing its start lists the names that start so before names
/// where the letters only turn up scattered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Tier {
    /// The whole name (or alias, or path for a path query).
    Exact,
    /// The name starts with what was typed.
    Prefix,
    /// What was typed stands whole in the name, or each typed word starts a word of the name.
    Words,
    /// The letters turn up in order, scattered.
    Fuzzy,
}

/// The longest name (in chars) and typed word (in bytes) for which note completion takes the
/// matcher's score from `Typed::prefixes_score_top` and `Typed::at_word_starts`: nucleo 0.3.1
/// searches for the best alignment in a matrix of at most 100 × 1024 cells (name × word) and
/// 2,048 chars of name, and falls back to a greedy search past them.
pub(super) const TOP_NAME_LEN: usize = 1024;
pub(super) const TOP_WORD_LEN: usize = 100;

/// What was typed, in the form names are matched in (`match_form`).
pub(super) struct Typed {
    whole: Vec<char>,
    words: Vec<Vec<char>>,
    /// The same as bytes when it is ASCII, to compare with ASCII names as they are stored.
    pub(super) ascii: Option<(Vec<u8>, Vec<Vec<u8>>)>,
}

impl Typed {
    pub(super) fn new(query: &str) -> Typed {
        let form = super::match_form(query.trim());
        Typed {
            whole: form.chars().collect(),
            words: form
                .split_whitespace()
                .map(|w| w.chars().collect())
                .collect(),
            ascii: form.is_ascii().then(|| {
                (
                    form.as_bytes().to_vec(),
                    form.split_whitespace()
                        .map(|w| w.as_bytes().to_vec())
                        .collect(),
                )
            }),
        }
    }

    /// The distinct bytes of an ASCII query's words, in order; `None` for a query that is not
    /// ASCII or holds no letter (every name may match it).
    pub(super) fn letters(&self) -> Option<Vec<u8>> {
        let (_, words) = self.ascii.as_ref()?;
        let mut letters = words.concat();
        letters.sort_unstable();
        letters.dedup();
        (!letters.is_empty()).then_some(letters)
    }

    /// Whether every name starting with what was typed gets the matcher's best score for it,
    /// the score of the query itself. True for an ASCII query whose every word starts with a
    /// letter or digit (the `Pattern` of a plain query of words is these words): nucleo scores
    /// a word by the best alignment of its letters in the name, each letter at most
    /// `SCORE_MATCH` plus a bonus of at most `bonus_boundary_white` (the first letter's
    /// doubled), less penalties for gaps. A word at the start of the name, or after a space,
    /// earns that bonus on its first letter (a letter or digit after whitespace, and the
    /// matcher reads the start of a name as whitespace), and every letter that follows it
    /// without a gap earns at least its first letter's bonus: every letter earns the most it
    /// can, and no gap is paid. In a name starting with the query each word stands so.
    /// Checked against nucleo itself by a property test.
    ///
    /// Only within the bounds of the matcher's optimal search: a query of at most
    /// [`TOP_NAME_LEN`] bytes whose words have at most [`TOP_WORD_LEN`], against names of at
    /// most [`TOP_NAME_LEN`] (callers check the names). Past them nucleo scores greedily, below
    /// the best.
    pub(super) fn prefixes_score_top(&self) -> bool {
        self.ascii.as_ref().is_some_and(|(whole, words)| {
            whole.len() <= TOP_NAME_LEN
                && words.iter().all(|w| {
                    w.first().is_some_and(u8::is_ascii_alphanumeric) && w.len() <= TOP_WORD_LEN
                })
        })
    }

    /// Whether each typed word stands whole at the start of the ASCII `name` or right after
    /// whitespace: for a query whose prefixes score top (see [`Typed::prefixes_score_top`]),
    /// whether the matcher gives `name` that top score. A word elsewhere earns less on its
    /// first letter, and a gap costs a penalty that no later bonus makes up.
    pub(super) fn at_word_starts(&self, name: &[u8]) -> bool {
        let Some((_, words)) = &self.ascii else {
            return false;
        };
        words.iter().all(|word| {
            (0..name.len()).any(|at| {
                (at == 0 || name[at - 1].is_ascii_whitespace()) && bytes_at(name, at, word)
            })
        })
    }

    /// The typed words as ASCII bytes, for an ASCII query.
    pub(super) fn ascii_words(&self) -> &[Vec<u8>] {
        self.ascii
            .as_ref()
            .map_or(&[], |(_, words)| words.as_slice())
    }

    /// Whether each typed word's letters turn up in order in the ASCII `name`: whether the fuzzy
    /// matcher matches it, for an ASCII query of words parted by spaces. False for a query
    /// that is not ASCII.
    pub(super) fn words_in_order(&self, name: &[u8]) -> bool {
        let Some((_, words)) = &self.ascii else {
            return false;
        };
        // A byte at a time, for the reason `ascii_tier_in` gives.
        words.iter().all(|word| {
            let mut bytes = name.iter();
            word.iter().all(|&b| bytes.any(|&n| n == b))
        })
    }

    /// The tier of `name` as the matcher stores it: ASCII names (most of a vault's) are
    /// compared as bytes in place; `chars` is scratch space for the rare ASCII name met by a
    /// query that is not.
    pub(super) fn tier_of(&self, name: Utf32Str<'_>, chars: &mut Vec<char>) -> Tier {
        let alphanumeric = |c: char| c.is_alphanumeric();
        match (name, &self.ascii) {
            (Utf32Str::Unicode(name), _) => tier_in(name, &self.whole, &self.words, alphanumeric),
            // For ASCII bytes, `is_ascii_alphanumeric` is `char::is_alphanumeric`.
            (Utf32Str::Ascii(name), Some((whole, words))) => ascii_tier_in(name, whole, words),
            (Utf32Str::Ascii(name), None) => {
                chars.clear();
                chars.extend(name.iter().map(|&b| char::from(b)));
                tier_in(chars, &self.whole, &self.words, alphanumeric)
            }
        }
    }
}

/// [`tier_in`] for ASCII bytes, compared a byte at a time in place: names are a few bytes
/// long, and a library call per comparison (`memcmp`, a searcher's set-up) cost more than the
/// comparison on the vault-wide first keystroke.
fn ascii_tier_in(name: &[u8], whole: &[u8], words: &[Vec<u8>]) -> Tier {
    if name.len() == whole.len() && bytes_at(name, 0, whole) {
        return Tier::Exact;
    }
    if bytes_at(name, 0, whole) {
        return Tier::Prefix;
    }
    let contiguous = !whole.is_empty()
        && (0..=name.len().saturating_sub(whole.len())).any(|at| bytes_at(name, at, whole));
    // For ASCII bytes, `is_ascii_alphanumeric` is `char::is_alphanumeric`.
    let word_starts = || {
        words.iter().all(|word| {
            (0..name.len()).any(|at| {
                (at == 0 || !name[at - 1].is_ascii_alphanumeric()) && bytes_at(name, at, word)
            })
        })
    };
    if contiguous || word_starts() {
        Tier::Words
    } else {
        Tier::Fuzzy
    }
}

/// Whether `name` holds `part` from `at`.
#[inline]
fn bytes_at(name: &[u8], at: usize, part: &[u8]) -> bool {
    name.len() >= at + part.len() && name[at..].iter().zip(part).all(|(a, b)| a == b)
}

/// The tier of `name` for the typed `whole` and its `words`, all in match form, as chars or as
/// ASCII bytes. Linear in the name's length.
pub(super) fn tier_in<T: Copy + PartialEq>(
    name: &[T],
    whole: &[T],
    words: &[Vec<T>],
    alphanumeric: impl Fn(T) -> bool,
) -> Tier {
    if name == whole {
        return Tier::Exact;
    }
    if name.starts_with(whole) {
        return Tier::Prefix;
    }
    // The first letter compared before the rest: a slice comparison is a library call, and
    // a one-letter query would make one per letter of every name read.
    let contiguous = whole.first().is_some_and(|&first| {
        name.windows(whole.len())
            .any(|w| w[0] == first && w == whole)
    });
    let word_starts = || {
        words.iter().all(|word| {
            (0..name.len()).any(|at| {
                (at == 0 || !alphanumeric(name[at - 1]))
                    && word.first().is_none_or(|&first| name[at] == first)
                    && name[at..].starts_with(word)
            })
        })
    };
    if contiguous || word_starts() {
        Tier::Words
    } else {
        Tier::Fuzzy
    }
}
