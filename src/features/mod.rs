//! Features: completion, definition, hover, diagnostics and references as pure functions of
//! (vault, note, byte offset) → plain data. No protocol types here; `lsp` converts.

pub mod actions;
pub mod citations;
pub mod completion;
pub mod daily;
pub mod definition;
pub mod diagnostics;
pub mod hierarchy;
pub mod hover;
pub mod mentions;
pub mod moment;
pub mod outline;
pub mod properties;
pub mod refactor;
pub mod references;
pub mod templates;

#[cfg(test)]
pub(crate) mod fixture;

use std::path::PathBuf;

use crate::config::{Kind, Severity};
use crate::index::{Anchor, Broken, FileId, Resolved, Vault};
use crate::syntax::{Link, Span};
use refactor::WorkspaceChange;

/// A place in a file of the vault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub file: FileId,
    pub span: Span,
}

// --- The answers several producers give (kept here so no producer imports another).

/// A problem in a note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub span: Span,
    pub severity: Severity,
    pub kind: Kind,
    pub message: String,
    /// Other places the message names (the candidates of an ambiguous link).
    pub related: Vec<(Location, String)>,
}

/// A hover: markdown about what is under the cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hover {
    /// Markdown to show.
    pub markdown: String,
    /// What the hover is about (the link or tag under the cursor).
    pub span: Span,
}

/// A code action: an edit the user may apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionKind {
    QuickFix,
    Rewrite,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    pub title: String,
    pub kind: ActionKind,
    pub change: WorkspaceChange,
    /// The diagnostic this action fixes, by kind.
    pub fixes: Option<Kind>,
    pub preferred: bool,
    /// A file the editor should show once the change is applied (a created note).
    pub open: Option<PathBuf>,
}

/// The link under the cursor, with how it resolves.
pub(crate) fn link_at(
    vault: &Vault,
    file: FileId,
    offset: usize,
) -> Option<(&Link, Result<Resolved, Broken>)> {
    let note = vault.note(file)?;
    let link = note.syntax.link_at(offset)?;
    Some((link, vault.resolve(file, link)))
}

/// The span a resolved link lands on in its target: the heading line, the labelled block, or
/// the start of the file.
pub(crate) fn anchor_span(vault: &Vault, resolved: &Resolved) -> Span {
    let Some(note) = vault.note(resolved.file) else {
        return Span::default();
    };
    match resolved.anchor {
        Anchor::File => Span::default(),
        Anchor::Heading(i) => note.syntax.headings()[i].span,
        Anchor::Block(i) => note.syntax.blocks()[i].block,
    }
}

/// Whether heading `index` of `note` is its title heading: level 1, with the note's name as
/// its text. Rename and references treat it as the note itself.
pub(crate) fn is_title_heading(vault: &Vault, note: FileId, index: usize) -> bool {
    let file = vault.file(note);
    file.note()
        .and_then(|n| n.syntax.headings().into_iter().nth(index))
        .is_some_and(|h| h.level == 1 && crate::index::keys::fold(&h.text) == file.name_key())
}
