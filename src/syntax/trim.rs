//! Whitespace trimmed exactly as `str::trim` trims it, without decoding a character when the
//! text's ends are printable ASCII: most targets, aliases and lines of a note.

/// Whether `b` is a byte that is neither whitespace nor part of a longer character: every ASCII
/// byte above the space (the ASCII whitespace characters are all at or below it).
fn plain(b: u8) -> bool {
    (0x21..0x80).contains(&b)
}

/// `s.trim()`: the same slice, found in two byte tests when nothing is to be trimmed.
pub(super) fn trim(s: &str) -> &str {
    match s.as_bytes() {
        [first, .., last] if plain(*first) && plain(*last) => s,
        [only] if plain(*only) => s,
        _ => s.trim(),
    }
}

/// `s.trim().is_empty()`, answered by the first byte when it is printable ASCII.
pub(super) fn is_blank(s: &str) -> bool {
    match s.as_bytes().first() {
        Some(&b) if plain(b) => false,
        _ => s.trim_start().is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast paths give what `str::trim` gives, for ASCII and Unicode whitespace at either
    /// end (vertical tab, no-break space, the line separator) and for none.
    #[test]
    fn trim_and_is_blank_agree_with_str_trim() {
        let texts = [
            "",
            " ",
            "a",
            " a",
            "a ",
            "\ta\t",
            "\u{b}a\u{b}",
            "\u{a0}x\u{a0}",
            "x\u{2028}",
            "\u{2028}",
            "é",
            " é ",
            "a b",
            "~",
            "\u{7f}",
            "  \r\n",
        ];
        for s in texts {
            assert_eq!(trim(s), s.trim(), "{s:?}");
            assert_eq!(is_blank(s), s.trim().is_empty(), "{s:?}");
        }
    }
}
