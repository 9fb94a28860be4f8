//! Finding and reading bibliographies: the part of the loader that reads `.bib` and CSL-JSON
//! files. Which files count: those the settings name, those notes name in `bibliography:`
//! (relative to the note), and every `*.bib` and CSL-JSON `*.json` in the vault.

use std::path::{Component, Path, PathBuf};

use super::{Bibliography, Format, Origin, Problem, TextPos, bibtex, csl};

/// Whether `path` may be a bibliography by its extension.
pub fn is_bibliography_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "bib" | "bibtex" | "json"))
}

fn is_json(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// `..` and `.` removed without touching the disk, so that paths compare equal to the ones
/// the walker and the watcher report.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// A path as written in settings or frontmatter: absolute, `~/…`, or relative to `base`.
pub fn resolve_path(written: &str, base: &Path) -> PathBuf {
    let written = written.trim();
    if let Some(rest) = written.strip_prefix("~/") {
        if let Some(home) = std::env::var_os("HOME") {
            return normalize(&Path::new(&home).join(rest));
        }
    }
    normalize(&base.join(written))
}

/// Parse a bibliography's text. `None` for a discovered `.json` that is not CSL: it is some
/// other data file, not a bibliography.
pub fn parse(path: &Path, text: &str, origin: Origin, label: String) -> Option<Bibliography> {
    let (format, entries, problems) = if is_json(path) && origin == Origin::Discovered {
        let (entries, problems) = csl::parse_discovered(text)?;
        (Format::CslJson, entries, problems)
    } else if is_json(path) {
        // A bibliography the user named is always read, and every fault in it reported.
        match csl::parse(text) {
            Ok((entries, problems)) => (Format::CslJson, entries, problems),
            Err(problem) => (Format::CslJson, Vec::new(), vec![problem]),
        }
    } else {
        let (entries, problems) = bibtex::parse(text);
        (Format::BibTex, entries, problems)
    };
    Some(Bibliography {
        path: path.to_path_buf(),
        label,
        origin,
        format,
        entries,
        problems,
    })
}

/// The bibliography of a file that could not be read: empty, with the reason as its problem,
/// so the user hears of it.
pub fn unreadable(path: &Path, origin: Origin, label: String, message: String) -> Bibliography {
    Bibliography {
        path: path.to_path_buf(),
        label,
        origin,
        format: if is_json(path) {
            Format::CslJson
        } else {
            Format::BibTex
        },
        entries: Vec::new(),
        problems: vec![Problem {
            at: TextPos::default(),
            message,
        }],
    }
}

/// The bibliographies a note names in its frontmatter, as paths.
pub fn named_by_note(note_path: &Path, syntax: &crate::syntax::NoteSyntax) -> Vec<PathBuf> {
    let folder = note_path.parent().unwrap_or(Path::new(""));
    syntax
        .frontmatter()
        .iter()
        .flat_map(|fm| fm.bibliography())
        .map(|(written, _)| resolve_path(written, folder))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_relative_to_their_base_without_dots() {
        assert_eq!(
            resolve_path("../refs/lib.bib", Path::new("/vault/notes")),
            PathBuf::from("/vault/refs/lib.bib")
        );
        assert_eq!(
            resolve_path("/abs/x.json", Path::new("/vault")),
            PathBuf::from("/abs/x.json")
        );
    }

    #[test]
    fn a_discovered_json_that_is_not_csl_is_not_a_bibliography() {
        // A locale file: an array holding the string "id" is not CSL, unless a setting or a
        // note names it.
        let locales = Path::new("/vault/scripts/locales.json");
        let text = r#"["id", "en", "es"]"#;
        assert!(parse(locales, text, Origin::Discovered, "locales.json".into()).is_none());
        let named = parse(locales, text, Origin::Frontmatter, "locales.json".into())
            .expect("a named file is always read");
        assert_eq!(named.problems.len(), 3);
        let p = Path::new("/vault/data.json");
        assert!(parse(p, "{\"a\": 1}", Origin::Discovered, "data.json".into()).is_none());
        let configured = parse(p, "{\"a\": 1}", Origin::Configured, "data.json".into())
            .expect("a configured file is always reported");
        assert_eq!(configured.problems.len(), 1);
    }
}
