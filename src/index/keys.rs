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

/// The comparison key of a name or path: NFC, then lower case.
pub fn fold(s: &str) -> String {
    let s = nfc(s);
    if s.bytes().all(|b| !b.is_ascii_uppercase()) && s.is_ascii() {
        return s;
    }
    s.to_lowercase()
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
    fold(basename(&normalize_target(target)))
}

/// Heading text as compared with a link's `#fragment`: folded, with the characters Obsidian
/// drops from heading links (`[ ] # | ^ :`) and runs of whitespace reduced to one space.
pub fn heading_key(heading: &str) -> String {
    let folded = fold(heading);
    let mut out = String::with_capacity(folded.len());
    let mut space = false;
    for c in folded.chars() {
        if matches!(c, '[' | ']' | '#' | '|' | '^' | ':' | '*' | '`') {
            continue;
        }
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    out
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
    fn github_slug_matches_github() {
        assert_eq!(github_slug("Hello, World! 2"), "hello-world-2");
        assert_eq!(github_slug("Über uns"), "über-uns");
    }
}
