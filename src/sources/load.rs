//! Finding and reading bibliographies: the part of the loader that reads `.bib` and CSL-JSON
//! files. Which files count: those the settings name, those notes name in `bibliography:`
//! (relative to the note), and every `*.bib` and CSL-JSON `*.json` in the vault.

use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use super::{Bibliography, Format, Origin, Problem, TextPos, bibtex, csl};
use crate::index::Vault;

/// Bibliographies: larger files are refused (one of 100,000 entries is far below the limit),
/// and a symlink must lead to a `.bib` or `.json` file.
const BIBLIOGRAPHY: crate::loader::FileKind = crate::loader::FileKind {
    noun: "a bibliography",
    target: "a .bib or .json file",
    limit: 64 * 1024 * 1024,
    leads_to_kind: is_bibliography_path,
};

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

/// The label users see for a bibliography: vault-relative (with `../` for a file beside the
/// vault), or the whole path when it shares nothing with the vault.
pub fn label(vault: &Vault, path: &Path) -> String {
    if let Some((_, rel)) = vault.locate(path) {
        return rel;
    }
    let Some(root) = vault.roots().first() else {
        return path.display().to_string();
    };
    let root: Vec<Component> = root.components().collect();
    let file: Vec<Component> = path.components().collect();
    let common = root.iter().zip(&file).take_while(|(a, b)| a == b).count();
    // Sharing only `/` says nothing: the whole path is clearer than a run of `../`.
    if common <= 1 || root.len() - common > 2 {
        return path.display().to_string();
    }
    let mut parts: Vec<String> = vec!["..".to_string(); root.len() - common];
    parts.extend(
        file[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// Parse a bibliography's text. `None` for a discovered `.json` that is not CSL: it is some
/// other data file, not a bibliography.
pub fn parse(path: &Path, text: &str, origin: Origin, label: String) -> Option<Bibliography> {
    let (format, entries, problems) = if is_json(path) {
        if origin == Origin::Discovered && !csl::looks_like_csl(text) {
            return None;
        }
        match csl::parse(text) {
            Ok((entries, problems)) => (Format::CslJson, entries, problems),
            Err(_) if origin == Origin::Discovered => return None,
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

/// Read and parse a bibliography file. A file that cannot be read is an empty bibliography
/// with the reason as its problem, so the user hears of it.
pub fn read(path: &Path, origin: Origin, label: String) -> Option<Bibliography> {
    let unreadable = |message: String| {
        Some(Bibliography {
            path: path.to_path_buf(),
            label: label.clone(),
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
        })
    };
    let bytes = match crate::loader::read_file(path, &BIBLIOGRAPHY) {
        Ok(bytes) => bytes,
        // A named file that is not there is no bibliography: the note naming it says so, and
        // the vault's keys are not all declared unknown for it.
        Err(err) if origin == Origin::Discovered || err.not_found => {
            tracing::warn!("cannot read {}: {err}", path.display());
            return None;
        }
        Err(err) => return unreadable(err.message),
    };
    let text = String::from_utf8_lossy(&bytes);
    let bib = parse(path, &text, origin, label)?;
    for problem in &bib.problems {
        tracing::warn!(
            "{}:{}: {}",
            path.display(),
            problem.at.line + 1,
            problem.message
        );
    }
    Some(bib)
}

/// Every bibliography the vault should have: configured ones (relative to the first root),
/// those named in notes' frontmatter, and the vault's own `.bib` and `.json` files.
pub fn wanted(vault: &Vault, configured: &[String]) -> Vec<(PathBuf, Origin)> {
    let mut out = Vec::new();
    let base = vault.roots().first().cloned().unwrap_or_default();
    for written in configured {
        out.push((resolve_path(written, &base), Origin::Configured));
    }
    for (_, file, note) in vault.notes() {
        let Some(fm) = &note.syntax.frontmatter else {
            continue;
        };
        let folder = file.path.parent().unwrap_or(Path::new(""));
        for (written, _) in &fm.bibliography {
            out.push((resolve_path(written, folder), Origin::Frontmatter));
        }
    }
    for (_, file) in vault.files() {
        if !file.is_note() && is_bibliography_path(&file.path) {
            out.push((file.path.clone(), Origin::Discovered));
        }
    }
    // One read per file, under its highest-priority origin.
    out.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    out.dedup_by(|later, first| later.0 == first.0);
    out
}

/// The bibliographies a note names in its frontmatter, as paths.
pub fn named_by_note(note_path: &Path, syntax: &crate::syntax::NoteSyntax) -> Vec<PathBuf> {
    let folder = note_path.parent().unwrap_or(Path::new(""));
    syntax
        .frontmatter
        .iter()
        .flat_map(|fm| fm.bibliography.iter())
        .map(|(written, _)| resolve_path(written, folder))
        .collect()
}

/// Read every wanted bibliography (in parallel) into the vault.
pub fn load_into(vault: &mut Vault, configured: &[String]) {
    let wanted = wanted(vault, configured);
    let labels: Vec<String> = wanted.iter().map(|(p, _)| label(vault, p)).collect();
    let bibs: Vec<Bibliography> = wanted
        .into_par_iter()
        .zip(labels)
        .filter_map(|((path, origin), label)| read(&path, origin, label))
        .collect();
    if !bibs.is_empty() {
        vault.sources.set_bibliographies(bibs);
        // Built here, off the request path, so the first `[@` does not pay for it.
        vault.sources.key_candidates();
    }
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
        let p = Path::new("/vault/data.json");
        assert!(parse(p, "{\"a\": 1}", Origin::Discovered, "data.json".into()).is_none());
        let configured = parse(p, "{\"a\": 1}", Origin::Configured, "data.json".into())
            .expect("a configured file is always reported");
        assert_eq!(configured.problems.len(), 1);
    }
}
