//! Citation problems: keys in no bibliography, literature notes whose key is in none, keys
//! defined more than once, `bibliography:` files that are not there, and each bibliography's own
//! problems for `check`.

use crate::config::{Kind, Severity};
use crate::features::Diagnostic;
use crate::index::citations::{fold_key, literature_keys};
use crate::index::{FileId, Vault};
use crate::sources::{self, Bibliography, TextPos};
use crate::syntax::Span;

fn quote(s: &str) -> String {
    format!("‘{s}’")
}

/// Citation problems of one note: keys in no bibliography, literature notes whose key is in
/// none, keys defined more than once. Silent in a vault without bibliographies, where every key
/// would be unknown.
pub fn diagnostics(vault: &Vault, file: FileId) -> Vec<Diagnostic> {
    let mut out = missing_bibliographies(vault, file);
    let sources = &vault.sources;
    let Some(note) = vault.note(file).filter(|_| sources.has_bibliography()) else {
        return out;
    };
    for c in &note.syntax.citations {
        let defined: Vec<&Bibliography> = sources.entries(&c.key).map(|(b, _)| b).collect();
        match defined.as_slice() {
            [] => out.push(Diagnostic {
                span: c.span,
                // An in-text `@name` may be a mention rather than a citation: say it, softly.
                severity: if c.is_bracketed() {
                    Severity::Warning
                } else {
                    Severity::Information
                },
                kind: Kind::UnknownCitation,
                message: format!(
                    "Unknown citation key {}: no entry in {}",
                    quote(&c.key),
                    bibliography_list(sources.bibliographies())
                ),
                related: Vec::new(),
            }),
            [_] => {}
            [first, ..] => out.push(Diagnostic {
                span: c.span,
                severity: Severity::Hint,
                kind: Kind::DuplicateCitationKey,
                message: format!(
                    "{} is defined {} times ({}); the entry in {} is used",
                    quote(&c.key),
                    defined.len(),
                    defined
                        .iter()
                        .map(|b| b.label.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    first.label
                ),
                related: Vec::new(),
            }),
        }
    }
    if let Some((key, true)) = vault.get(file).and_then(literature_keys) {
        if sources.entry(&key).is_none() {
            let citekey_span = note.syntax.frontmatter().and_then(|fm| {
                fm.citekey()?;
                let content = &note.text()[fm.content.range()];
                let at = content.find("citekey")?;
                let line_end = content[at..]
                    .find(['\n', '\r'])
                    .map_or(content.len(), |e| at + e);
                Some(Span::new(
                    fm.content.start() + at,
                    fm.content.start() + line_end,
                ))
            });
            out.push(Diagnostic {
                span: citekey_span.unwrap_or_default(),
                severity: Severity::Warning,
                kind: Kind::UnknownLiteratureKey,
                message: format!(
                    "This is the literature note of {}, which is in no bibliography ({})",
                    quote(&key),
                    bibliography_list(sources.bibliographies())
                ),
                related: Vec::new(),
            });
        }
    }
    out
}

/// `bibliography:` paths of the note that name no loaded bibliography.
fn missing_bibliographies(vault: &Vault, file: FileId) -> Vec<Diagnostic> {
    let (Some(f), Some(note)) = (vault.get(file), vault.note(file)) else {
        return Vec::new();
    };
    let Some(fm) = &note.syntax.frontmatter() else {
        return Vec::new();
    };
    let folder = f.path.parent().unwrap_or(std::path::Path::new(""));
    fm.bibliography()
        .filter(|(written, _)| {
            let path = sources::load::resolve_path(written, folder);
            vault.sources.bibliography(&path).is_none()
        })
        .map(|(written, span)| Diagnostic {
            span: *span,
            severity: Severity::Warning,
            kind: Kind::MissingBibliography,
            message: format!("No bibliography at {}", quote(written)),
            related: Vec::new(),
        })
        .collect()
}

fn bibliography_list(bibs: &[Bibliography]) -> String {
    const SHOWN: usize = 3;
    let mut names: Vec<&str> = bibs.iter().take(SHOWN).map(|b| b.label.as_str()).collect();
    let more = bibs.len().saturating_sub(SHOWN);
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    if names.is_empty() {
        names.push("no bibliography");
    }
    format!("{}{more}", names.join(", "))
}

/// A problem in a bibliography file: an entry that could not be read, or a key defined again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BibDiagnostic {
    pub start: TextPos,
    pub end: TextPos,
    pub severity: Severity,
    pub message: String,
}

/// Every bibliography's problems, in priority order, including the clean ones (with none), so
/// callers can clear what they showed before. Work proportional to the entries: run per
/// bibliography change, never per keystroke.
pub fn bibliography_diagnostics(vault: &Vault) -> Vec<(&Bibliography, Vec<BibDiagnostic>)> {
    let mut first_seen: std::collections::HashMap<String, (&str, u32)> =
        std::collections::HashMap::new();
    vault
        .sources
        .bibliographies()
        .iter()
        .map(|bib| {
            let mut out: Vec<BibDiagnostic> = bib
                .problems
                .iter()
                .map(|p| BibDiagnostic {
                    start: p.at,
                    end: p.at,
                    severity: Severity::Warning,
                    message: p.message.clone(),
                })
                .collect();
            for entry in &bib.entries {
                match first_seen.entry(fold_key(&entry.key)) {
                    std::collections::hash_map::Entry::Vacant(v) => {
                        v.insert((bib.label.as_str(), entry.start.line + 1));
                    }
                    std::collections::hash_map::Entry::Occupied(o) => {
                        let (label, line) = *o.get();
                        out.push(BibDiagnostic {
                            start: entry.start,
                            end: entry.end,
                            severity: Severity::Hint,
                            message: format!(
                                "{} is already defined in {label} at line {line}; that entry is used",
                                quote(&entry.key)
                            ),
                        });
                    }
                }
            }
            out.sort_by_key(|d| (d.start.line, d.start.utf8));
            (bib, out)
        })
        .collect()
}
