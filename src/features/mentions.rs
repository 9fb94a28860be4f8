//! Unlinked mentions as answers: which notes a note's prose names without linking them, the
//! code actions that link them ("Link to ‘X’", "Link all N mentions…", across the vault), and
//! the list of a note's unlinked mentions. Found through the vault's mention index
//! (`index/mentions.rs`), never by reading the vault.

use super::refactor::{WorkspaceChange, encode_dest, relative_path, styled_target};
use super::{Action, ActionKind, Location};
use crate::config::{Config, LinkStyle};
use crate::index::{FileId, Vault, keys};
use crate::syntax::Span;

/// A mention in a note: where, and the note it names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mention {
    pub span: Span,
    pub target: FileId,
}

/// The notes a folded name names: notes of that file name first, then notes with that alias.
fn targets(vault: &Vault, key: &str) -> Vec<FileId> {
    let mut out: Vec<FileId> = vault
        .by_name(key)
        .iter()
        .copied()
        .filter(|&id| vault.note(id).is_some())
        .collect();
    out.sort();
    let mut aliased = vault.by_alias(key).to_vec();
    aliased.sort();
    for id in aliased {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// The mentions in `file` of other notes, in text order. Needs the mention automaton for the
/// vault's current names (`Vault::refresh_mention_automaton`); without it, none.
pub fn in_note(vault: &Vault, file: FileId) -> Vec<Mention> {
    let (Some(automaton), Some(note)) = (vault.mention_automaton(), vault.note(file)) else {
        return Vec::new();
    };
    automaton
        .scan(note)
        .into_iter()
        .filter_map(|m| {
            let target = *targets(vault, automaton.key(m.pattern)).first()?;
            (target != file).then_some(Mention {
                span: m.span,
                target,
            })
        })
        .collect()
}

/// The unlinked mentions of `target` across the vault (its name and aliases, in other notes),
/// from the mention lists: current only after `Vault::refresh_mentions`.
pub fn unlinked_mentions(vault: &Vault, target: FileId) -> Vec<Location> {
    let mut out: Vec<Location> = vault
        .keys_of(target)
        .iter()
        .filter(|key| targets(vault, key).contains(&target))
        .flat_map(|key| vault.mentions_of(key))
        .filter(|(file, _)| *file != target)
        .map(|(file, span)| Location { file, span })
        .collect();
    out.sort_by(|a, b| {
        let rel = |l: &Location| vault.file(l.file).rel();
        (rel(a), a.span).cmp(&(rel(b), b.span))
    });
    out.dedup();
    out
}

/// The link that replaces `written` (a mention of `target` in `source`) and shows the same
/// text: `[[Target]]`, `[[Target|written]]` or `[written](Target.md)`, as configured.
pub fn link_text(
    vault: &Vault,
    source: FileId,
    target: FileId,
    written: &str,
    config: &Config,
) -> String {
    let f = vault.file(target);
    if config.markdown_links {
        let dest = match config.link_style {
            LinkStyle::Absolute => format!("/{}", encode_dest(f.rel(), false)),
            _ => encode_dest(&relative_path(vault.file(source).folder(), f.rel()), false),
        };
        return format!("[{written}]({dest})");
    }
    let styled = styled_target(vault, source, target, config.link_style);
    // Names compare folded: `[[isaac newton]]` reaches `Isaac Newton` and shows as written.
    if keys::fold(&styled) == keys::fold(written) && !written.contains(['|', '#', '^']) {
        format!("[[{written}]]")
    } else {
        format!("[[{styled}|{written}]]")
    }
}

/// Code actions on a mention at `offset`: link it, link every mention of its note in this
/// note; and, on the title of a note that others mention, link every unlinked mention across
/// the vault (only when the mention lists are current: the caller refreshes them).
pub fn actions(vault: &Vault, file: FileId, offset: usize, config: &Config) -> Vec<Action> {
    let Some(note) = vault.note(file) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let found = in_note(vault, file);
    if let Some(here) = found.iter().find(|m| m.span.touches(offset)) {
        let name = vault.file(here.target).display_name();
        let mut one = WorkspaceChange::default();
        let text = note.text();
        let written = &text[here.span.range()];
        one.push(
            file,
            here.span,
            link_text(vault, file, here.target, written, config),
        );
        out.push(rewrite(format!("Link to ‘{name}’"), one));
        let same: Vec<&Mention> = found.iter().filter(|m| m.target == here.target).collect();
        if same.len() > 1 {
            let mut all = WorkspaceChange::default();
            for m in &same {
                let written = &text[m.span.range()];
                all.push(
                    file,
                    m.span,
                    link_text(vault, file, m.target, written, config),
                );
            }
            out.push(rewrite(
                format!("Link all {} mentions of ‘{name}’ in this note", same.len()),
                all,
            ));
        }
    }
    if vault.mentions_current() && on_title(note, offset) {
        let across = unlinked_mentions(vault, file);
        if !across.is_empty() {
            out.push(rewrite(
                format!(
                    "Link all {} unlinked mentions across the vault",
                    across.len()
                ),
                link_all(vault, file, &across, config),
            ));
        }
    }
    out
}

/// Whether `offset` is on the note's title — its first `#` heading, its frontmatter, or (with
/// no `#` heading) its first line —: where the vault-wide action is offered, so that a code
/// action elsewhere in a much-mentioned note does not build that edit.
fn on_title(note: &crate::index::Note, offset: usize) -> bool {
    let body = note.syntax.body_start();
    if offset < body {
        return true;
    }
    match note.syntax.headings().iter().find(|h| h.level == 1) {
        Some(title) => title.span.touches(offset),
        None => !note.text()[body..offset.min(note.text_len())].contains('\n'),
    }
}

/// One change linking every mention in `mentions` to `target`.
pub fn link_all(
    vault: &Vault,
    target: FileId,
    mentions: &[Location],
    config: &Config,
) -> WorkspaceChange {
    let mut change = WorkspaceChange::default();
    // A note's mentions come together: its text is taken (unpacked) once for them.
    let mut text: Option<(FileId, std::borrow::Cow<str>)> = None;
    for m in mentions {
        if text.as_ref().is_none_or(|(file, _)| *file != m.file) {
            let Some(note) = vault.note(m.file) else {
                continue;
            };
            text = Some((m.file, note.text()));
        }
        let Some((_, text)) = &text else { continue };
        let written = &text[m.span.range()];
        change.push(
            m.file,
            m.span,
            link_text(vault, m.file, target, written, config),
        );
    }
    change
}

fn rewrite(title: String, change: WorkspaceChange) -> Action {
    Action {
        title,
        kind: ActionKind::Rewrite,
        change,
        fixes: None,
        preferred: false,
        open: None,
    }
}

#[cfg(test)]
#[path = "mentions_tests.rs"]
mod tests;
