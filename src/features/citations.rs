//! Citations and literature notes: hover (the formatted entry, then the literature note's
//! preview), definition (the literature note, else the entry's line in its bibliography),
//! references (every citation of a key in any form), diagnostics (unknown keys, duplicate keys)
//! and the code action that creates a missing literature note.

use std::path::PathBuf;

use serde_json::Value;

use super::actions::{Action, ActionKind};
use super::diagnostics::{Diagnostic, Kind, Severity};
use super::hover::{Hover, describe};
use super::refactor::{self, FileOp, WorkspaceChange};
use super::{Location, link_at};
use crate::index::{Anchor, Broken, FileId, Resolved, Vault, keys};
use crate::sources::{self, Bibliography, Entry, TextPos, fold_key, format};
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
                .and_then(sources::literature_keys)
                .is_some_and(|(k, _)| k == folded)
        })
        .collect();
    out.sort_by_key(|&id| {
        let rel = &vault.file(id).rel;
        (rel.len(), rel.clone())
    });
    out
}

/// The key note `id` is the literature note of, when the note says so (`@key` name or
/// `citekey:`) or its name's first token is a key of a bibliography.
pub fn key_of_note(vault: &Vault, id: FileId) -> Option<String> {
    let (key, explicit) = sources::literature_keys(vault.get(id)?)?;
    (explicit || vault.sources.entry(&key).is_some()).then_some(key)
}

/// The cited key under the cursor: a citation, or a link to a literature note (or an
/// unresolved `[[@key]]`). Returns the key and the span of what names it.
fn key_at(vault: &Vault, file: FileId, offset: usize) -> Option<(String, Span)> {
    let note = vault.note(file)?;
    if let Some(c) = note.syntax.citation_at(offset) {
        return Some((c.key.clone(), c.span));
    }
    let (link, resolution) = link_at(vault, file, offset)?;
    link_key(vault, link, resolution).map(|key| (key, link.span))
}

fn link_key(vault: &Vault, link: &Link, resolution: Result<Resolved, Broken>) -> Option<String> {
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

fn entry_hover(vault: &Vault, key: &str) -> String {
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

/// Hover on a citation: the entry, then the literature note's preview where one exists.
/// Links to literature notes are handled by the note hover, which starts with the entry.
pub fn hover(vault: &Vault, file: FileId, offset: usize) -> Option<Hover> {
    let note = vault.note(file)?;
    let Some(citation) = note.syntax.citation_at(offset) else {
        return missing_note_hover(vault, file, offset);
    };
    let markdown = match literature_notes(vault, &citation.key).first() {
        Some(&lit) => {
            let resolved = Resolved {
                file: lit,
                anchor: Anchor::File,
                via_alias: None,
                candidates: Vec::new(),
            };
            let described = describe(vault, &resolved, None);
            if vault.sources.entry(&citation.key).is_some() {
                described
            } else {
                format!(
                    "{}\n\n---\n\n{described}",
                    entry_hover(vault, &citation.key)
                )
            }
        }
        None => entry_hover(vault, &citation.key),
    };
    Some(Hover {
        markdown,
        span: citation.span,
    })
}

/// Hover on `[[@key]]` whose literature note does not exist yet but whose entry does.
fn missing_note_hover(vault: &Vault, file: FileId, offset: usize) -> Option<Hover> {
    let (link, resolution) = link_at(vault, file, offset)?;
    if resolution.is_ok() {
        return None;
    }
    let key = link_key(vault, link, resolution)?;
    vault.sources.entry(&key)?;
    Some(Hover {
        markdown: format!(
            "{}\n\n*No literature note `{}` in the vault yet.*",
            entry_hover(vault, &key),
            link.target
        ),
        span: link.span,
    })
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
            let elsewhere = syntax.headings.iter().any(|h| h.span.touches(offset))
                || syntax.tags.iter().any(|t| t.span.touches(offset))
                || syntax.blocks.iter().any(|b| b.span.touches(offset))
                || syntax.link_at(offset).is_some();
            if elsewhere {
                return None;
            }
            key_of_note(vault, file)?
        }
    };
    Some(citations_of(vault, &key))
}

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
    if let Some((key, true)) = vault.get(file).and_then(sources::literature_keys) {
        if sources.entry(&key).is_none() {
            let citekey_span = note.syntax.frontmatter.as_ref().and_then(|fm| {
                fm.citekey.as_ref()?;
                let content = &note.text[fm.content.start..fm.content.end];
                let at = content.find("citekey")?;
                let line_end = content[at..]
                    .find(['\n', '\r'])
                    .map_or(content.len(), |e| at + e);
                Some(Span::new(
                    fm.content.start + at,
                    fm.content.start + line_end,
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
    let Some(fm) = &note.syntax.frontmatter else {
        return Vec::new();
    };
    let folder = f.path.parent().unwrap_or(std::path::Path::new(""));
    fm.bibliography
        .iter()
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

/// Citation settings: `bibliography` (a path or a list, relative to the vault) and the
/// `citations` table (`literatureNoteFolder`, `literatureNoteName`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CitationSettings {
    pub bibliography: Vec<String>,
    pub literature: LiteratureNoteSettings,
}

impl CitationSettings {
    /// Take setting `key` if it is one of ours: `None` when it is not, else whether the value
    /// was usable (problems in the `citations` table are pushed to `problems`).
    pub fn apply(&mut self, key: &str, value: &Value, problems: &mut Vec<String>) -> Option<bool> {
        match key {
            "bibliography" => Some(
                crate::config::string_list(value, true)
                    .map(|paths| self.bibliography = paths)
                    .is_some(),
            ),
            "citations" => {
                let Value::Object(map) = value else {
                    return Some(false);
                };
                for (k, v) in map {
                    match (k.as_str(), v.as_str()) {
                        ("literatureNoteFolder", Some(folder)) if inside_vault(folder) => {
                            self.literature.folder = folder.to_string()
                        }
                        // A separator would make the name a path (`../../{key}`).
                        ("literatureNoteName", Some(name))
                            if name.contains("{key}") && !name.contains(['/', '\\']) =>
                        {
                            self.literature.name = name.to_string()
                        }
                        _ => problems.push(format!(
                            "setting `citations.{k}` is unknown or has an unusable value {v}"
                        )),
                    }
                }
                Some(true)
            }
            _ => None,
        }
    }
}

/// Whether a configured folder names a folder inside the vault: relative, without `..`.
fn inside_vault(folder: &str) -> bool {
    !folder.starts_with(['/', '~'])
        && !folder.contains(['\\', ':'])
        && folder.split('/').all(|part| part != "..")
}

/// The literature-note actions at `offset`, as code actions.
pub fn literature_note_actions(
    vault: &Vault,
    file: FileId,
    offset: usize,
    settings: &CitationSettings,
) -> Vec<Action> {
    create_literature_notes(vault, file, Span::new(offset, offset), &settings.literature)
        .into_iter()
        .map(|new| Action {
            title: new.title,
            kind: ActionKind::QuickFix,
            change: WorkspaceChange {
                ops: vec![FileOp::Create {
                    path: new.path.clone(),
                    text: new.text,
                }],
                ..WorkspaceChange::default()
            },
            fixes: None,
            preferred: false,
            open: Some(new.path),
        })
        .collect()
}

/// Where new literature notes go and how they are named.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiteratureNoteSettings {
    /// Vault-relative folder; empty for the vault root.
    pub folder: String,
    /// File name without `.md`: `{key}` and `{title}` are replaced.
    pub name: String,
}

impl Default for LiteratureNoteSettings {
    fn default() -> LiteratureNoteSettings {
        LiteratureNoteSettings {
            folder: String::new(),
            name: "{key} {title}".to_string(),
        }
    }
}

/// A note to create: where, and its first text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewNote {
    /// What the action is called in the editor's menu.
    pub title: String,
    pub path: PathBuf,
    pub text: String,
}

/// A title as a file name: no path separators or characters links reserve, bounded length.
fn file_safe(title: &str) -> String {
    let cleaned: String = title
        .chars()
        .map(|c| {
            if matches!(
                c,
                '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' | '#' | '^' | '[' | ']'
            ) || c.is_control()
            {
                ' '
            } else {
                c
            }
        })
        .collect();
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    let mut out = String::new();
    for word in words {
        if out.chars().count() + word.chars().count() > 80 {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.trim_end_matches('.').to_string()
}

/// Code actions at `range`: create the literature note of each cited key there that has
/// none. The key need not be in a bibliography; with an entry, the title names the note.
pub fn create_literature_notes(
    vault: &Vault,
    file: FileId,
    range: Span,
    settings: &LiteratureNoteSettings,
) -> Vec<NewNote> {
    let Some(note) = vault.note(file) else {
        return Vec::new();
    };
    let root = vault.file(file).root;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for c in &note.syntax.citations {
        let touches = c.span.start <= range.end && range.start <= c.span.end;
        if !touches || !seen.insert(fold_key(&c.key)) || !literature_notes(vault, &c.key).is_empty()
        {
            continue;
        }
        let entry = vault.sources.entry(&c.key).map(|(_, e)| e);
        let title = entry.and_then(|e| e.title.as_deref()).unwrap_or("");
        let key_safe = file_safe(&c.key);
        let name = settings
            .name
            .replace("{key}", &key_safe)
            .replace("{title}", &file_safe(title));
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        let name = if name.is_empty() { key_safe } else { name };
        // The folder and name template come from the settings, which a vault can carry: a
        // note that would land outside the vault is not offered.
        let Ok(path) = refactor::new_file_in(vault, root, &settings.folder, &name) else {
            continue;
        };
        let Some((_, rel)) = vault.locate(&path) else {
            continue;
        };
        if vault.id(&path).is_some() {
            continue;
        }
        let mut text = format!("---\ncitekey: {}\n---\n", c.key);
        if let Some(entry) = entry {
            text.push_str(&format!(
                "# {}\n",
                entry.title.as_deref().unwrap_or(&entry.key)
            ));
            let by = format::author_year(entry);
            if !by.is_empty() {
                text.push_str(&format!("\n{by}\n"));
            }
        }
        out.push(NewNote {
            title: format!("Create literature note ‘{rel}’"),
            path,
            text,
        });
    }
    out
}

#[cfg(test)]
mod tests;
