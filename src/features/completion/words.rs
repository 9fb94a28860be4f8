//! The words a completion candidate's name starts, as completion's candidates index them
//! ([`WordStart`]), and how the fuzzy matcher reads the letters they start with.

use nucleo_matcher::Utf32Str;

/// A word of a candidate's name, kept in the list of the ASCII byte it starts with, with what
/// tells most queries apart without reading the name: a query's first word is looked for at
/// each such word start, and only the names holding it there are read.
#[derive(Clone, Copy)]
pub(in crate::features::completion) struct WordStart {
    pub(in crate::features::completion) candidate: u32,
    /// For an ASCII name, its next bytes after this word's first, as far as 4 (0 past its
    /// end); for another name, 0s.
    pub(in crate::features::completion) next: [u8; 4],
    pub(in crate::features::completion) meta: u32,
}

impl WordStart {
    pub(in crate::features::completion) const AT_START: u32 = 1 << 31;
    pub(in crate::features::completion) const ASCII: u32 = 1 << 30;
    pub(in crate::features::completion) const NOTE: u32 = 1 << 29;
    pub(in crate::features::completion) const ALIAS: u32 = 1 << 28;
    /// The name's length, saturating (a name so long is never taken for an exact match).
    pub(in crate::features::completion) const LEN: u32 = (1 << 28) - 1;

    /// The word start as the completion image stores it: candidate, next bytes and meta,
    /// little-endian.
    pub(in crate::features::completion) fn to_le_bytes(self) -> [u8; 12] {
        let mut bytes = [0; 12];
        bytes[..4].copy_from_slice(&self.candidate.to_le_bytes());
        bytes[4..8].copy_from_slice(&self.next);
        bytes[8..].copy_from_slice(&self.meta.to_le_bytes());
        bytes
    }

    /// The word start [`WordStart::to_le_bytes`] gave `bytes`.
    pub(in crate::features::completion) fn from_le_bytes(bytes: [u8; 12]) -> WordStart {
        let word = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
        WordStart {
            candidate: word(0),
            next: bytes[4..8].try_into().expect("4 bytes"),
            meta: word(8),
        }
    }

    /// The word starts the name.
    pub(in crate::features::completion) fn at_start(self) -> bool {
        self.meta & Self::AT_START != 0
    }
    /// The name is ASCII: `next` holds its bytes.
    pub(in crate::features::completion) fn ascii(self) -> bool {
        self.meta & Self::ASCII != 0
    }
    pub(in crate::features::completion) fn is_note(self) -> bool {
        self.meta & Self::NOTE != 0
    }
    pub(in crate::features::completion) fn is_alias(self) -> bool {
        self.meta & Self::ALIAS != 0
    }
    /// The name's length (bytes of an ASCII name), if below [`WordStart::LEN`].
    pub(in crate::features::completion) fn len(self) -> Option<usize> {
        Some((self.meta & Self::LEN) as usize).filter(|&n| n < Self::LEN as usize)
    }
    /// Whether `word` (ASCII, starting with this list's byte) may start here: its next bytes,
    /// as far as they are kept, are the name's — for a word of at most 5 bytes in an ASCII
    /// name, whether it starts here. Always for a name that is not ASCII.
    pub(in crate::features::completion) fn may_hold(self, word: &[u8]) -> bool {
        !self.ascii() || word.iter().skip(1).zip(self.next).all(|(&w, n)| w == n)
    }
}

/// The chars of `name` that start a word (see [`Candidates::word_starts`]), with their
/// places: the first, and each after whitespace.
pub(super) fn word_starts_of(name: Utf32Str<'_>) -> impl Iterator<Item = (usize, char)> + '_ {
    let mut after_space = true;
    name.chars().enumerate().filter(move |&(_, c)| {
        let starts = after_space;
        after_space = whitespace(c);
        starts
    })
}

/// Whether the fuzzy matcher reads `c` as whitespace (its `CharClass::Whitespace`): a typed
/// word's first letter after it earns the matcher's best bonus.
fn whitespace(c: char) -> bool {
    if c.is_ascii() {
        (c as u8).is_ascii_whitespace()
    } else {
        c.is_whitespace()
    }
}

/// Whether the fuzzy matcher may read the letter `c` (not ASCII) as an ASCII one: its table of
/// letters read without their marks (`ø` as `o`, `ᴀ` as `a`) and its case folding (the Kelvin
/// sign as `k`) reach no further than U+2200. Checked against the matcher for every letter
/// above by a test.
pub(in crate::features::completion) fn may_read_as_ascii(c: char) -> bool {
    u32::from(c) < 0x2200
}
