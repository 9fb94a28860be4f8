//! Telling a note from binary data named `.md`, by its first bytes.

/// Whether a file named `.md` holds no text at all: it starts with a binary format's
/// signature, or more than one in ten of its first 8 KiB is neither UTF-8 nor a printable
/// character or ordinary whitespace. A NUL or two in a note (pasted from a terminal or a PDF)
/// leaves it a note: skipping it whole broke every link to it and hid its own broken links.
pub(super) fn is_binary(bytes: &[u8]) -> bool {
    if has_signature(bytes) {
        return true;
    }
    let sample = &bytes[..bytes.len().min(SAMPLE)];
    let odd = odd_in_utf8(sample).unwrap_or_else(|| odd_in(sample));
    odd * 10 > sample.len()
}

/// [`is_binary`] for a file already decoded as UTF-8 (nearly every note): its sample is not
/// checked again, and only a character cut at the sample's end is odd there.
pub(super) fn is_binary_text(text: &str) -> bool {
    let bytes = text.as_bytes();
    if has_signature(bytes) {
        return true;
    }
    let len = bytes.len().min(SAMPLE);
    let mut valid = len;
    while !text.is_char_boundary(valid) {
        valid -= 1;
    }
    let odd = odd_in_valid(&bytes[..valid]) + (len - valid);
    odd * 10 > len
}

/// How much of a file is looked at: its first 8 KiB.
const SAMPLE: usize = 8192;

/// Whether `bytes` start as a kind of binary file does.
fn has_signature(bytes: &[u8]) -> bool {
    // Signatures no note begins with: `ID3\x03`, not `ID3`, as a note may start "ID3 tags…".
    const SIGNATURES: &[&[u8]] = &[
        b"\x89PNG\r\n\x1a\n",
        b"\xFF\xD8\xFF",
        b"GIF87a",
        b"GIF89a",
        b"%PDF-",
        b"PK\x03\x04",
        b"\x1F\x8B",
        b"\x7FELF",
        b"OggS\x00",
        b"fLaC\x00",
        b"ID3\x03",
        b"ID3\x04",
    ];
    SIGNATURES.iter().any(|sig| bytes.starts_with(sig))
}

/// How many of `sample`'s bytes are neither UTF-8 nor a printable character or ordinary
/// whitespace (a control character counts once).
fn odd_in(sample: &[u8]) -> usize {
    let mut odd = 0;
    for chunk in sample.utf8_chunks() {
        odd += chunk.invalid().len();
        odd += chunk
            .valid()
            .chars()
            .filter(|&c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0C' | '\x1B'))
            .count();
    }
    odd
}

/// [`odd_in`] for a sample that is UTF-8 but perhaps for a character cut at its end (nearly
/// every note), a byte at a time: a control character is one byte, or two for U+0080–U+009F
/// (`C2 80`–`C2 9F`). `None` for other samples. Decoding every character of every note took
/// ~2% of a cold start.
fn odd_in_utf8(sample: &[u8]) -> Option<usize> {
    let (valid, cut) = match std::str::from_utf8(sample) {
        Ok(text) => (text.as_bytes(), 0),
        Err(err) if err.error_len().is_none() => {
            let valid = err.valid_up_to();
            (&sample[..valid], sample.len() - valid)
        }
        Err(_) => return None,
    };
    Some(odd_in_valid(valid) + cut)
}

/// The odd bytes of `valid`, UTF-8: control bytes but the whitespace allowed, plus C1 controls
/// after `C2`. Counted into a byte per lane, 255 bytes at a time, which the compiler turns into
/// vector code (a `usize` per byte was ~2% of a cold start, a branch per byte ~1.5%).
fn odd_in_valid(valid: &[u8]) -> usize {
    let controls: usize = valid
        .chunks(255)
        .map(|chunk| {
            let odd = chunk.iter().fold(0u8, |n, &b| {
                let control = b < 0x20 || b == 0x7F;
                let allowed = matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1B);
                n.wrapping_add(u8::from(control & !allowed))
            });
            usize::from(odd)
        })
        .sum();
    let c1 = memchr::memchr_iter(0xC2, valid)
        .filter(|&i| matches!(valid.get(i + 1), Some(0x80..=0x9F)))
        .count();
    controls + c1
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn odd_bytes_counted_a_byte_at_a_time_are_those_counted_by_character(
            text in "[a-z \t\n\r\x00-\x1f\x7f\u{80}-\u{a0}éÀğ\u{800}中😀]{0,40}",
            cut in 0usize..200,
        ) {
            // The sample may end inside a character, as a note's first 8 KiB may.
            let bytes = text.as_bytes();
            let sample = &bytes[..cut.min(bytes.len())];
            proptest::prop_assert_eq!(odd_in_utf8(sample), Some(odd_in(sample)));
        }
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_counted_a_byte_at_a_time_where_they_are_utf8_agree(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)
        ) {
            if let Some(odd) = odd_in_utf8(&bytes) {
                proptest::prop_assert_eq!(odd, odd_in(&bytes));
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn a_decoded_text_is_binary_exactly_when_its_bytes_are(
            // Mostly letters, so that the odd share lands on either side of one in ten.
            text in "[a-z]{0,30}[\t\n\x00-\x1f\x7f\u{80}-\u{a0}é中😀]{0,4}",
            repeat in 0usize..400,
        ) {
            // Repeated past the 8 KiB sample, which then may end inside a character.
            let text = text.repeat(repeat);
            proptest::prop_assert_eq!(is_binary_text(&text), is_binary(text.as_bytes()));
        }
    }

    #[test]
    fn a_text_with_a_character_cut_at_the_samples_end_counts_the_cut_bytes_as_odd() {
        // Control bytes, then `a`s up to 8,191 bytes, then `中` (3 bytes) across the sample's
        // end, whose first byte counts as odd: 818 controls + 1 = 819 odd of 8,192 is not
        // binary (8,190 ≤ 8,192 after × 10); 819 + 1 = 820 is.
        let text = format!("{}{}{}", "\x01".repeat(818), "a".repeat(8191 - 818), "中");
        assert!(!is_binary_text(&text));
        let text = format!("{}{}{}", "\x01".repeat(819), "a".repeat(8191 - 819), "中");
        assert!(is_binary_text(&text));
        assert_eq!(is_binary_text(&text), is_binary(text.as_bytes()));
    }

    #[test]
    fn a_sample_invalid_before_its_end_is_counted_by_character() {
        assert_eq!(odd_in_utf8(b"ab\xffcd"), None);
        assert_eq!(odd_in(b"ab\xffcd\x01"), 2);
    }
}
