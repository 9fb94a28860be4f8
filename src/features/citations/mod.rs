//! Citations and literature notes: which notes are a key's literature notes, the formatted entry
//! that hovers start with, definition (the literature note, else the entry's line in its
//! bibliography) and references (every citation of a key in any form). Diagnostics are in
//! `checks`, new literature notes in `new_note`; hovers and actions are gathered by
//! `features::hover` and `features::actions`.

mod checks;
mod new_note;

pub use checks::{BibDiagnostic, bibliography_diagnostics, diagnostics};
pub use new_note::{NewNote, create_literature_notes};

use std::path::PathBuf;

use super::{Location, link_at};
use crate::index::citations::{fold_key, literature_keys};
use crate::index::{Broken, FileId, Resolved, Vault, keys};
use crate::sources::{Bibliography, Entry, TextPos, format};
use crate::syntax::{Link, Span};

/// The literature notes of `key`, best first (shortest path, then alphabetical).
pub fn literature_notes(vault: &Vault, key: &str) -> Vec<FileId> {
    let folded = fold_key(key);
    let mut out: Vec<FileId> = vault
        .sources
        .literature_candidates(key)
        .iter()
        .copied()
        .filter(|&id| {
            vault
                .get(id)
                .and_then(literature_keys)
                .is_some_and(|(k, _)| k == folded)
        })
        .collect();
    out.sort_by_key(|&id| {
        let rel = vault.file(id).rel();
        (rel.len(), rel)
    });
    out
}

/// The key note `id` is the literature note of, when the note says so (`@key` name or
/// `citekey:`) or its name's first token is a key of a bibliography.
pub fn key_of_note(vault: &Vault, id: FileId) -> Option<String> {
    let (key, explicit) = literature_keys(vault.get(id)?)?;
    (explicit || vault.sources.entry(&key).is_some()).then_some(key)
}

/// The cited key under the cursor: a citation, or a link to a literature note (or an
/// unresolved `[[@key]]`). Returns the key and the span of what names it.
fn key_at(vault: &Vault, file: FileId, offset: usize) -> Option<(String, Span)> {
    let note = vault.note(file)?;
    if let Some(c) = note.syntax.citation_at(offset) {
        return Some((c.key.to_string(), c.span));
    }
    let (link, resolution) = link_at(vault, file, offset)?;
    link_key(vault, link, resolution).map(|key| (key, link.span))
}

pub(crate) fn link_key(
    vault: &Vault,
    link: &Link,
    resolution: Result<Resolved, Broken>,
) -> Option<String> {
    match resolution {
        Ok(resolved) => key_of_note(vault, resolved.file),
        Err(Broken::File { target, .. }) => {
            let name = keys::basename(&keys::normalize_target(&target)).to_string();
            name.starts_with('@').then(|| fold_key(&name))
        }
        Err(_) => None,
    }
    .filter(|_| !link.is_same_note())
}

pub(crate) fn entry_hover(vault: &Vault, key: &str) -> String {
    let mut entries = vault.sources.entries(key);
    match entries.next() {
        Some((bib, entry)) => {
            let mut out = format::reference(entry, &bib.label);
            // Bounded like the rest of a hover: a vault can define one key in any number of
            // files.
            const SHOWN: usize = 5;
            let others: Vec<&str> = entries.map(|(b, _)| b.label.as_str()).collect();
            if !others.is_empty() {
                let mut list = others[..others.len().min(SHOWN)].join(", ");
                if others.len() > SHOWN {
                    list.push_str(&format!(" and {} more", others.len() - SHOWN));
                }
                out.push_str(&format!("\n\n*Also defined in {list}.*"));
            }
            // Pandoc citations only; links to the literature note are its backlinks.
            let citing = vault.sources.citing(key).count();
            if citing > 0 {
                out.push_str(&format!(
                    "\n\n*Cited in {citing} note{}.*",
                    if citing == 1 { "" } else { "s" }
                ));
            }
            out
        }
        None if vault.sources.has_bibliography() => {
            format!("**@{key}** — *not in any bibliography.*")
        }
        None => format!("**@{key}** — *no bibliography is loaded.*"),
    }
}

/// What a literature note's hover starts with: its formatted entry and a rule, or nothing.
pub(crate) fn reference_header(vault: &Vault, id: FileId) -> String {
    match key_of_note(vault, id) {
        Some(key) if vault.sources.entry(&key).is_some() => {
            format!("{}\n\n---\n\n", entry_hover(vault, &key))
        }
        _ => String::new(),
    }
}

/// Where a citation leads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// The literature note.
    Note(Location),
    /// The entry in a bibliography file: the range of its key.
    Entry {
        path: PathBuf,
        start: TextPos,
        end: TextPos,
    },
}

fn entry_target(bib: &Bibliography, entry: &Entry) -> Target {
    Target::Entry {
        path: bib.path.clone(),
        start: entry.start,
        end: entry.end,
    }
}

/// Definition of a citation (the literature note, else the entry), or of an unresolved
/// `[[@key]]` (the entry). Resolved links are left to the link definition.
pub fn definition(vault: &Vault, file: FileId, offset: usize) -> Option<Target> {
    let note = vault.note(file)?;
    if let Some(c) = note.syntax.citation_at(offset) {
        if let Some(&lit) = literature_notes(vault, &c.key).first() {
            return Some(Target::Note(Location {
                file: lit,
                span: Span::default(),
            }));
        }
        let (bib, entry) = vault.sources.entry(&c.key)?;
        return Some(entry_target(bib, entry));
    }
    let (link, resolution) = link_at(vault, file, offset)?;
    if resolution.is_ok() {
        return None;
    }
    let key = link_key(vault, link, resolution)?;
    let (bib, entry) = vault.sources.entry(&key)?;
    Some(entry_target(bib, entry))
}

/// Every place that cites `key`: pandoc citations, links to its literature notes, and
/// `[[@key]]` links even where no literature note exists. Found through the citation index and
/// the link index, never by scanning the vault.
pub fn citations_of(vault: &Vault, key: &str) -> Vec<Location> {
    let folded = fold_key(key);
    let mut out = Vec::new();
    for source in vault.sources.citing(key) {
        let Some(note) = vault.note(source) else {
            continue;
        };
        out.extend(
            note.syntax
                .citations
                .iter()
                .filter(|c| fold_key(&c.key) == folded)
                .map(|c| Location {
                    file: source,
                    span: c.span,
                }),
        );
    }
    for lit in literature_notes(vault, key) {
        for (source, index) in vault.backlinks(lit) {
            let Some(note) = vault.note(source) else {
                continue;
            };
            let link = &note.syntax.links[index];
            if !link.is_same_note() {
                out.push(Location {
                    file: source,
                    span: link.span,
                });
            }
        }
    }
    let at_key = format!("@{folded}");
    for source in vault.sources_with_key(&at_key) {
        let Some(note) = vault.note(source) else {
            continue;
        };
        for link in &note.syntax.links {
            if keys::link_key(&link.target) == at_key
                && matches!(vault.resolve(source, link), Err(Broken::File { .. }))
            {
                out.push(Location {
                    file: source,
                    span: link.span,
                });
            }
        }
    }
    out.sort_by_key(|l| (l.file, l.span));
    out.dedup();
    out
}

/// References of what the cursor names when it is a source: on a citation or a link to a
/// literature note, or anywhere but a heading in a literature note. `None` leaves the request
/// to the link references.
pub fn references(vault: &Vault, file: FileId, offset: usize) -> Option<Vec<Location>> {
    let key = match key_at(vault, file, offset) {
        Some((key, _)) => key,
        None => {
            let note = vault.note(file)?;
            // Headings, tags and block ids have references of their own.
            let syntax = &note.syntax;
            let elsewhere = syntax.headings().iter().any(|h| h.span.touches(offset))
                || syntax.tags().iter().any(|t| t.span.touches(offset))
                || syntax.blocks().iter().any(|b| b.span.touches(offset))
                || syntax.link_at(offset).is_some();
            if elsewhere {
                return None;
            }
            key_of_note(vault, file)?
        }
    };
    Some(citations_of(vault, &key))
}

#[cfg(test)]
mod tests;
