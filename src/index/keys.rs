//! Name keys: how a note's name and a link's target are normalised before they are compared
//! (NFC, case folding, `\` → `/`, trailing `.md` dropped), and the path arithmetic of targets.

use unicode_normalization::{UnicodeNormalization, is_nfc_quick};

/// NFC-normalise `s` (borrowing nothing: callers store the result).
pub fn nfc(s: &str) -> String {
    match is_nfc_quick(s.chars()) {
        unicode_normalization::IsNormalized::Yes => s.to_string(),
        _ => s.nfc().collect(),
    }
}

/// [`nfc`] of a string owned: itself when it is NFC already (ASCII is).
pub fn nfc_owned(s: String) -> String {
    match s.is_ascii() || is_nfc_quick(s.chars()) == unicode_normalization::IsNormalized::Yes {
        true => s,
        false => s.nfc().collect(),
    }
}

/// The comparison key of a name or path: NFC, then lower case.
pub fn fold(s: &str) -> String {
    // ASCII is its own NFC, and its lower case is Unicode's: one copy instead of two.
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    let s = nfc(s);
    if s.bytes().all(|b| !b.is_ascii_uppercase()) && s.is_ascii() {
        return s;
    }
    s.to_lowercase()
}

/// [`fold`] of `s` as a name: for ASCII (most names) without the `String` of `fold`.
pub fn fold_name(s: &str) -> crate::syntax::Name {
    match s.is_ascii() {
        true => crate::syntax::Name::ascii_lowercase(s),
        false => crate::syntax::Name::new(&fold(s)),
    }
}

/// A file's folded path key (`rel` without `.md` for a note) and where in it the folded name
/// key starts. Folding never reads across a `/` (NFC composes nothing with it, nor does case
/// folding, Greek final sigma included, see past it), so the folded name is the folded path's
/// last segment: a place in it, not a copy of its own.
pub fn file_keys(rel: &str, is_note: bool) -> (String, usize) {
    let path_key = fold(if is_note { strip_md(rel) } else { rel });
    let name_at = path_key.rfind('/').map_or(0, |i| i + 1);
    (path_key, name_at)
}

/// Strip a trailing `.md` in any case.
pub fn strip_md(s: &str) -> &str {
    let n = s.len();
    if n >= 3 && s.is_char_boundary(n - 3) && s[n - 3..].eq_ignore_ascii_case(".md") {
        &s[..n - 3]
    } else {
        s
    }
}

/// A wikilink target as the resolver compares it, before folding: NFC, `\` → `/`, trailing
/// `.md` dropped, surrounding whitespace trimmed.
pub fn normalize_target(target: &str) -> String {
    let t = nfc(target.trim()).replace('\\', "/");
    strip_md(&t).to_string()
}

/// What follows `root` in `path`, compared as bytes on Unix (`None` elsewhere): `""` for the
/// root itself, the rest after its `/` for a path below it, `None` otherwise. Where it answers,
/// it is what comparing components (`Path::strip_prefix`) gives, but for the `//`, `.` and `..`
/// segments that comparison reads as others: callers check those (or fall back to it).
pub fn under_root<'a>(path: &'a str, root: &str) -> Option<&'a str> {
    if !cfg!(unix) {
        return None;
    }
    let root = root.strip_suffix('/').unwrap_or(root);
    match path.strip_prefix(root)? {
        "" => Some(""),
        rest => rest.strip_prefix('/'),
    }
}

/// The last path segment.
pub fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The folder part of a root-relative path (`""` at the root).
pub fn folder(rel: &str) -> &str {
    rel.rfind('/').map_or("", |i| &rel[..i])
}

/// Join a relative path onto a folder, resolving `.` and `..`. `None` when it climbs out of the
/// vault root: such a link names nothing in the vault, whatever is on disk.
pub fn join(folder: &str, relative: &str) -> Option<String> {
    let mut parts: Vec<&str> = folder.split('/').filter(|p| !p.is_empty()).collect();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// The key under which a link is filed in the reverse index: its target's folded file name,
/// the same key a note's stem or an alias is filed under.
pub fn link_key(target: &str) -> String {
    // Every link of every note is filed under its key when a vault is indexed: ASCII targets
    // (nearly all) skip the four copies the general path makes, with the same result (NFC
    // leaves ASCII as it is, and ASCII lower case is Unicode's there).
    let trimmed = target.trim();
    if trimmed.is_ascii() && !trimmed.contains('\\') {
        return basename(strip_md(trimmed)).to_ascii_lowercase();
    }
    fold(basename(&normalize_target(target)))
}

/// [`link_key`], appended to `out`: an ASCII target's key (nearly every one) is written there
/// without a string of its own.
pub fn push_link_key(target: &str, out: &mut String) {
    let trimmed = target.trim();
    if trimmed.is_ascii() && !trimmed.contains('\\') {
        let base = basename(strip_md(trimmed));
        out.extend(base.chars().map(|c| c.to_ascii_lowercase()));
        return;
    }
    out.push_str(&link_key(target));
}

/// Whether `target`'s [`link_key`] is one of `keys`, without building the key for an ASCII
/// target: a note's backlinks test every link of every note that links to it, and a note cited
/// 25,000 times made that one allocation per link.
pub fn link_key_in(target: &str, keys: &[String]) -> bool {
    let trimmed = target.trim();
    if trimmed.is_ascii() && !trimmed.contains('\\') {
        let base = basename(strip_md(trimmed));
        return keys.iter().any(|key| {
            key.len() == base.len() && base.bytes().map(|b| b.to_ascii_lowercase()).eq(key.bytes())
        });
    }
    // Other targets are nearly all in NFC already, without `\` and without `Σ` (whose lower
    // case depends on its neighbours): then normalising changes nothing and the key is the
    // name's characters in lower case one by one, compared as they come — where building it
    // cost five strings per link.
    if !trimmed.contains(['\\', 'Σ']) && is_nfc(trimmed) {
        let base = basename(strip_md(trimmed));
        if is_nfc(base) {
            return keys
                .iter()
                .any(|key| base.chars().flat_map(char::to_lowercase).eq(key.chars()));
        }
    }
    keys.contains(&link_key(target))
}

/// Whether `s` is in NFC for sure (a quick check that may say "maybe" of some that are).
fn is_nfc(s: &str) -> bool {
    is_nfc_quick(s.chars()) == unicode_normalization::IsNormalized::Yes
}

/// Whitespace as JavaScript's `\s` knows it, which Obsidian's heading rules collapse.
fn is_js_space(c: char) -> bool {
    (c.is_whitespace() && c != '\u{85}') || c == '\u{feff}'
}

/// Replace every run of whitespace by one space and trim both ends, as Obsidian does after
/// blanking the characters it strips.
fn collapse_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split(is_js_space).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Obsidian's `stripHeading`: every character of
/// ``!"#$%&()*+,.:;<=>?@^`{|}~/[]\`` and line breaks become spaces, then runs of whitespace
/// shrink to one space. Obsidian compares a link's `#fragment` with a heading after this on
/// both sides, so punctuation and inline markup (`` ` ``, `*`, `==`, `~~`) do not count:
/// `#What is it` reaches `## What is it?`, `#D D` reaches `## D&D`, `#hasTag` reaches
/// ``## `hasTag()` ``. `-`, `_` and `'` are kept, as Obsidian keeps them.
pub fn strip_heading(heading: &str) -> String {
    let blanked: String = heading
        .chars()
        .map(|c| match c {
            '!' | '"' | '#' | '$' | '%' | '&' | '(' | ')' | '*' | '+' | ',' | '.' | ':' | ';'
            | '<' | '=' | '>' | '?' | '@' | '^' | '`' | '{' | '|' | '}' | '~' | '/' | '[' | ']'
            | '\\' | '\r' | '\n' => ' ',
            c => c,
        })
        .collect();
    collapse_spaces(&blanked)
}

/// Obsidian's `stripHeadingForLink`: the text Obsidian writes after `#` when it links to a
/// heading. Only what would break the link goes — `: # | ^ \`, line breaks, `%%`, `[[` and
/// `]]` become spaces, then whitespace runs shrink — so `## What is it?` is linked as
/// `#What is it?`, which [`heading_key`] matches again.
pub fn heading_link_text(heading: &str) -> String {
    let mut blanked = String::with_capacity(heading.len());
    let mut chars = heading.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ':' | '#' | '|' | '^' | '\\' | '\r' | '\n' => blanked.push(' '),
            '%' | '[' | ']' if chars.peek() == Some(&c) => {
                chars.next();
                blanked.push(' ');
            }
            c => blanked.push(c),
        }
    }
    collapse_spaces(&blanked)
}

/// Heading text as compared with a link's `#fragment`, the one rule every feature uses
/// (resolution, completion, rename, references): Obsidian's [`strip_heading`], then NFC and
/// case folding, as Obsidian matches headings whatever their case.
pub fn heading_key(heading: &str) -> String {
    fold(&strip_heading(heading))
}

/// GitHub's heading anchor: lower case, punctuation dropped, spaces turned into `-`.
pub fn github_slug(heading: &str) -> String {
    fold(heading)
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_composes_and_lowercases() {
        assert_eq!(fold("Cafe\u{301}"), "café");
        assert_eq!(fold("ÉTÉ"), "été");
    }

    #[test]
    fn a_name_folded_as_a_name_is_the_folded_string_inline_or_not() {
        for s in [
            "Alias 90176",
            "A Much Longer Alias Than Twenty-Two Bytes",
            "Cafe\u{301} Über",
            "",
        ] {
            assert_eq!(fold_name(s).as_str(), fold(s), "{s}");
        }
    }

    #[test]
    fn normalize_target_drops_md_and_backslashes() {
        assert_eq!(normalize_target(" folder\\Note.MD "), "folder/Note");
    }

    #[test]
    fn join_resolves_dots_and_refuses_to_leave_the_root() {
        assert_eq!(join("a/b", "../c/d").as_deref(), Some("a/c/d"));
        assert_eq!(join("a", "./x").as_deref(), Some("a/x"));
        assert_eq!(join("a", "../../etc/passwd"), None);
    }

    #[test]
    fn heading_key_ignores_link_punctuation_and_spacing() {
        assert_eq!(heading_key("See  [[Other]]: Notes"), "see other notes");
    }

    #[test]
    fn heading_key_is_obsidians_strip_heading_folded() {
        // The three headings that Obsidian's own help vault and obsidian-hub link to.
        assert_eq!(
            heading_key("What is the Obsidian Hub?"),
            heading_key("What is the Obsidian Hub")
        );
        assert_eq!(heading_key("D&D WOTC"), "d d wotc");
        assert_eq!(heading_key("`hasTag()`"), "hastag");
        // Every character `stripHeading` blanks, between two words (Obsidian's own example).
        assert_eq!(
            strip_heading("foo!\"#$%&()*+,.:;<=>?@^`{|}~/[]\\\r\nbar"),
            "foo bar"
        );
        // What it keeps.
        assert_eq!(strip_heading("_it's_ a-b"), "_it's_ a-b");
        assert_eq!(
            strip_heading("**Bold** and ==mark== ~~gone~~"),
            "Bold and mark gone"
        );
    }

    #[test]
    fn heading_link_text_is_obsidians_strip_heading_for_link() {
        // Obsidian's own example.
        assert_eq!(heading_link_text("foo:#|^\\\r\n%%[[]]bar"), "foo bar");
        assert_eq!(heading_link_text("What is it?"), "What is it?");
        assert_eq!(heading_link_text("Setup [[Tool]]"), "Setup Tool");
        // A single `%`, `[` or `]` stays: only the pairs break a link.
        assert_eq!(heading_link_text("100% [x]"), "100% [x]");
        for h in ["What is it?", "D&D: WOTC", "`hasTag()`", "a [[b]] #c"] {
            assert_eq!(heading_key(&heading_link_text(h)), heading_key(h), "{h}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
        #[test]
        fn link_key_in_agrees_with_building_the_key(
            target in "[ \\t\u{a0}a-zA-Z0-9./\\\\#|.mdMD\u{e9}\u{301}\u{130}\u{3a3}\u{3c3}\u{212a}\u{df}\u{4e2d}\u{1e9e}]{0,16}",
            other in "[a-zA-Z .\u{e9}\u{3c3}\u{3c2}\u{4e2d}]{0,6}"
        ) {
            let keys = [link_key(&other), link_key(&target)];
            proptest::prop_assert!(link_key_in(&target, &keys));
            proptest::prop_assert_eq!(
                link_key_in(&target, &keys[..1]),
                keys[0] == keys[1]
            );
            // A key never folded (upper case) is never met: keys are compared, not folded.
            let upper = [link_key(&target).to_uppercase()];
            proptest::prop_assert_eq!(link_key_in(&target, &upper), upper[0] == keys[1]);
        }

        #[test]
        fn a_pushed_link_key_is_the_key_after_what_was_there(
            target in "[ \t\u{a0}a-zA-Z0-9./\\\\#|.mdMD\u{e9}\u{301}\u{130}]{0,16}",
            before in "[a-z\u{e9}]{0,4}"
        ) {
            let mut out = before.clone();
            push_link_key(&target, &mut out);
            proptest::prop_assert_eq!(out, format!("{before}{}", link_key(&target)));
        }

        #[test]
        fn a_link_key_is_the_folded_name_of_the_normalised_target(
            target in "[ \\t\u{a0}a-zA-Z0-9./\\\\#|.mdMD\u{e9}\u{301}\u{130}]{0,16}"
        ) {
            proptest::prop_assert_eq!(
                link_key(&target),
                fold(basename(&normalize_target(&target)))
            );
        }
    }

    #[test]
    fn a_non_ascii_target_meets_its_key_as_the_built_key_does() {
        let keys = |k: &[&str]| k.iter().map(|k| k.to_string()).collect::<Vec<_>>();
        assert!(link_key_in(
            " Area 1/Über Système 中文.MD ",
            &keys(&["x", "über système 中文"])
        ));
        assert!(!link_key_in("Über Système", &keys(&["über"])));
        // A final `Σ` lowers to `ς`, as the built key has it; `K` (Kelvin) is `k` after NFC;
        // `\` separates folders.
        assert!(link_key_in("ΟΔΟΣ", &keys(&["οδος"])));
        assert!(!link_key_in("ΟΔΟΣ", &keys(&["οδοσ"])));
        assert!(link_key_in("\u{212a}élvin", &keys(&["kélvin"])));
        assert!(link_key_in("a\\Über", &keys(&["über"])));
    }

    #[test]
    fn link_keys_of_ascii_targets() {
        assert_eq!(link_key(" Folder/Sub/My Note.MD "), "my note");
        assert_eq!(link_key("a\\B.md"), "b");
        assert_eq!(link_key("x/.md"), "");
        assert_eq!(link_key("Café"), "café");
    }

    #[test]
    fn github_slug_matches_github() {
        assert_eq!(github_slug("Hello, World! 2"), "hello-world-2");
        assert_eq!(github_slug("Über uns"), "über-uns");
    }
}
