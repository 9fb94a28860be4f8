//! How a rewritten link is written: the target text that reaches a file in the link's own
//! style (bare name, relative or absolute path, percent-encoded or raw markdown destination).

use crate::config::LinkStyle;
use crate::index::{Broken, FileId, Layout, Resolved, Vault, keys};
use crate::syntax::{Link, LinkKind};

/// Whether markdown `link` names `target` by its path (relative to the note, or to the root with
/// a leading `/`), not through the by-name fallback, with the files where `layout` puts them.
pub(super) fn is_exact_path(layout: &Layout, source: FileId, link: &Link, target: FileId) -> bool {
    if link.kind != LinkKind::Markdown {
        return false;
    }
    let written = keys::nfc(link.target.trim()).replace('\\', "/");
    let joined = match written.strip_prefix('/') {
        Some(anchored) => keys::join("", anchored),
        None => keys::join(layout.place(source).folder(), &written),
    };
    let file = layout.place(target);
    joined.is_some_and(|path| {
        let path = if file.is_note() {
            keys::strip_md(&path)
        } else {
            &path
        };
        keys::fold(path) == file.path_key
    })
}

/// The file a link reaches, even when its heading or block is missing.
pub(super) fn reaches(resolution: Result<Resolved, Broken>) -> Option<Resolved> {
    match resolution {
        Ok(resolved) => Some(resolved),
        Err(broken) => broken.reached().cloned(),
    }
}

/// Percent-encode a markdown link destination: ASCII that would end or confuse it always;
/// letters outside ASCII only with `unicode`, so that a link keeps the style it was written in
/// (Obsidian writes them raw, GitHub-style tools encode them).
pub(crate) fn encode_dest(dest: &str, unicode: bool) -> String {
    let mut out = String::with_capacity(dest.len());
    for c in dest.chars() {
        let escape = if c.is_ascii() {
            c.is_ascii_control() || " %#?()<>[]`^|{}\\".contains(c)
        } else {
            unicode
        };
        if escape {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether a raw destination holds a percent-encoded byte outside ASCII.
pub(super) fn encodes_unicode(raw: &str) -> bool {
    raw.as_bytes().windows(3).any(|w| {
        w[0] == b'%'
            && matches!(w[1], b'8'..=b'9' | b'A'..=b'F' | b'a'..=b'f')
            && w[2].is_ascii_hexdigit()
    })
}

/// `to` (root-relative) as seen from `folder`: `../x/y.md`.
pub(crate) fn relative_path(folder: &str, to: &str) -> String {
    let from: Vec<&str> = folder.split('/').filter(|s| !s.is_empty()).collect();
    let to: Vec<&str> = to.split('/').collect();
    let common = from
        .iter()
        .zip(&to)
        .take_while(|(a, b)| a == b)
        .count()
        .min(to.len() - 1);
    let mut parts: Vec<&str> = vec![".."; from.len() - common];
    parts.extend(&to[common..]);
    parts.join("/")
}

/// The target text that makes `link` (in `source`) reach `target` with the files where `layout`
/// puts them, in the link's own style: wikilinks stay bare names where that is unambiguous, paths stay
/// relative or absolute as written; markdown links get their relative path recomputed and
/// percent-encoded as before.
pub(super) fn rewritten_target(
    layout: &Layout,
    source: FileId,
    link: &Link,
    target: FileId,
) -> String {
    let src = layout.place(source);
    let file = layout.place(target);
    let written = keys::nfc(link.target.trim()).replace('\\', "/");
    let with_md = file.is_note() && keys::strip_md(&written).len() < written.len();
    let candidate = match link.kind {
        LinkKind::Wiki => {
            let path = if written.starts_with("./") || written.starts_with("../") {
                let rel = relative_path(src.folder(), file.link_path());
                if rel.starts_with("../") {
                    rel
                } else {
                    format!("./{rel}")
                }
            } else if written.starts_with('/') {
                format!("/{}", file.link_path())
            } else if written.contains('/') {
                file.link_path().to_string()
            } else {
                layout.shortest_target(source, target)
            };
            if with_md { format!("{path}.md") } else { path }
        }
        LinkKind::Markdown => {
            let path = if written.starts_with('/') {
                format!("/{}", file.link_path())
            } else {
                let rel = relative_path(src.folder(), file.link_path());
                if written.starts_with("./") && !rel.starts_with("../") {
                    format!("./{rel}")
                } else {
                    rel
                }
            };
            if with_md || (file.is_note() && !written.contains('/') && written.ends_with(".md")) {
                format!("{path}.md")
            } else {
                path
            }
        }
    };
    if reaches_uniquely(layout, source, link, &candidate, target) {
        return encode_for(layout.vault(), source, link, &candidate);
    }
    let anchored = format!(
        "/{}{}",
        file.link_path(),
        if with_md || (link.kind == LinkKind::Markdown && file.is_note()) {
            ".md"
        } else {
            ""
        }
    );
    encode_for(layout.vault(), source, link, &anchored)
}

/// Whether `link` with its target replaced by `candidate` resolves to `target` alone.
pub(super) fn reaches_uniquely(
    layout: &Layout,
    source: FileId,
    link: &Link,
    candidate: &str,
    target: FileId,
) -> bool {
    let mut probe = link.clone();
    probe.target = candidate.into();
    reaches(layout.resolve(source, &probe)).is_some_and(|r| r.file == target && !r.is_ambiguous())
}

/// The candidate as it is written into the link: markdown destinations percent-encoded unless
/// they were written raw inside `<…>`.
fn encode_for(vault: &Vault, source: FileId, link: &Link, candidate: &str) -> String {
    if link.kind == LinkKind::Wiki {
        return candidate.to_string();
    }
    let text = vault.note(source).expect("source note").text();
    let angle = link.target_span.start > 0 && text.as_bytes()[link.target_span.start() - 1] == b'<';
    if angle {
        candidate.to_string()
    } else {
        let raw = &text[link.target_span.range()];
        encode_dest(candidate, encodes_unicode(raw))
    }
}

/// The wikilink target for `target` in the configured style.
pub(crate) fn styled_target(
    vault: &Vault,
    source: FileId,
    target: FileId,
    style: LinkStyle,
) -> String {
    let f = vault.file(target);
    match style {
        LinkStyle::Shortest => vault.shortest_target(source, target),
        LinkStyle::Absolute => f.link_path().to_string(),
        LinkStyle::Relative => {
            let rel = relative_path(vault.file(source).folder(), f.link_path());
            if rel.starts_with("../") {
                rel
            } else {
                format!("./{rel}")
            }
        }
    }
}
