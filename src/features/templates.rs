//! Templates as Obsidian's core plugins use them: the notes in the templates folder, their
//! variables (`{{title}}`, `{{date}}`, `{{time}}`, `{{date:FORMAT}}`, `{{time:FORMAT}}`), and
//! new notes made from them — every one a file created inside the vault by an edit the user
//! applies.

use std::path::PathBuf;

use jiff::civil::DateTime;

use super::refactor::{FileOp, WorkspaceChange};
use super::{Action, ActionKind, link_at, moment};
use crate::config::obsidian::Templates;
use crate::config::{Config, Kind, NewNoteLocation};
use crate::index::{Broken, FileId, Missing, Vault, keys};

/// `template` with its variables filled in: `{{title}}`; `{{date}}` and `{{time}}` in the
/// given formats; `{{date:FORMAT}}` and `{{time:FORMAT}}` in their own. Names are read without
/// case and may be padded with spaces, as Obsidian reads them; anything else is left as is.
pub fn expand(
    template: &str,
    title: &str,
    now: DateTime,
    date_format: &str,
    time_format: &str,
) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            out.push_str(&rest[open..]);
            return out;
        };
        let inner = &after[..close];
        let (name, format) = match inner.split_once(':') {
            Some((name, format)) => (name.trim().to_lowercase(), Some(format.trim())),
            None => (inner.trim().to_lowercase(), None),
        };
        let value = match (name.as_str(), format) {
            ("title", None) => Some(title.to_string()),
            ("date", format) => Some(moment::format(format.unwrap_or(date_format), now)),
            ("time", format) => Some(moment::format(format.unwrap_or(time_format), now)),
            _ => None,
        };
        match value {
            Some(value) => out.push_str(&value),
            None => out.push_str(&rest[open..open + 2 + close + 2]),
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    out
}

/// The template notes: every note under the templates folder, by path. None when no folder
/// is set (Obsidian's Templates plugin then has none either). Looked up in the index's folders,
/// so this costs what the templates folder holds, not what the vault holds.
pub fn templates(vault: &Vault, settings: &Templates) -> Vec<FileId> {
    if settings.folder.trim_matches('/').is_empty() {
        return Vec::new();
    }
    let mut found: Vec<(FileId, &str)> = vault
        .files_under(&settings.folder)
        .filter_map(|id| Some((id, vault.get(id)?)))
        .filter(|(_, file)| file.is_note())
        .map(|(id, file)| (id, file.rel()))
        .collect();
    found.sort_by_key(|(_, rel)| *rel);
    found.into_iter().map(|(id, _)| id).collect()
}

/// The template named `name`: its file name, or its path below the templates folder.
pub fn find_template(vault: &Vault, settings: &Templates, name: &str) -> Option<FileId> {
    let wanted = keys::fold(name.trim().trim_end_matches(".md"));
    templates(vault, settings).into_iter().find(|&id| {
        let file = vault.file(id);
        keys::fold(file.display_name()) == wanted
            || keys::fold(keys::strip_md(file.rel())).strip_prefix(&format!(
                "{}/",
                keys::fold(settings.folder.trim_matches('/'))
            )) == Some(wanted.as_str())
    })
}

/// The path of a note `folder/name.md` in the first workspace folder, when it stays inside it:
/// the containment check every created or renamed file passes (`refactor::new_file_in`: no
/// `..`, no absolute or drive part, no hidden folder, nothing a link could not name). Folder and
/// name may come from the vault's own settings files.
pub fn new_file_in(vault: &Vault, folder: &str, name: &str) -> Result<PathBuf, String> {
    super::refactor::new_file_in(vault, 0, folder, name)
}

/// On an unresolved link: "Create ‘X’ from template ‘T’" for each template, the note going
/// where the plain "create note" action puts it.
pub fn actions(
    vault: &Vault,
    file: FileId,
    offset: usize,
    config: &Config,
    now: DateTime,
) -> Vec<Action> {
    let Some((
        _,
        Err(Broken::File {
            missing: Missing::Note,
            ..
        }),
    )) = link_at(vault, file, offset)
    else {
        return Vec::new();
    };
    let Some(plain) = super::actions::actions(vault, file, offset, config)
        .into_iter()
        .find(|a| a.fixes == Some(Kind::UnresolvedNote))
    else {
        return Vec::new();
    };
    let Some(path) = plain.open else {
        return Vec::new();
    };
    let name = keys::strip_md(keys::basename(&path.to_string_lossy())).to_string();
    let settings = &config.obsidian.templates;
    templates(vault, settings)
        .into_iter()
        .filter_map(|id| {
            let template = vault.file(id);
            // A template whose file changed since it was read is offered once it is read again.
            let body = template.note()?.text.exact()?;
            let text = expand(
                &body,
                &name,
                now,
                &settings.date_format,
                &settings.time_format,
            );
            Some(Action {
                title: format!(
                    "Create ‘{name}’ from template ‘{}’",
                    template.display_name()
                ),
                kind: ActionKind::QuickFix,
                change: create(vault, path.clone(), text).change,
                fixes: Some(Kind::UnresolvedNote),
                preferred: false,
                open: Some(path.clone()),
            })
        })
        .collect()
}

/// A note to create: where, and the edit that creates it (none when it exists already).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewNote {
    pub path: PathBuf,
    pub exists: bool,
    pub change: WorkspaceChange,
}

/// `notegraph.newNote`: a note titled `title` in `folder` (default: where new notes go), from
/// template `template` when given.
pub fn new_note(
    vault: &Vault,
    config: &Config,
    title: &str,
    template: Option<&str>,
    folder: Option<&str>,
    now: DateTime,
) -> Result<NewNote, String> {
    let (folder, name) = match title.trim().rsplit_once('/') {
        Some((sub, name)) => {
            // Kept as typed: `new_file_in` refuses `..` and the like rather than resolving them.
            let base = folder.unwrap_or_default().trim_matches('/');
            let folder = if base.is_empty() {
                sub.to_string()
            } else {
                format!("{base}/{sub}")
            };
            (folder, name.trim().to_string())
        }
        None => (
            match (folder, &config.new_notes) {
                (Some(folder), _) => folder.trim_matches('/').to_string(),
                (None, NewNoteLocation::Folder(folder)) => folder.clone(),
                (None, _) => String::new(),
            },
            title.trim().to_string(),
        ),
    };
    let path = new_file_in(vault, &folder, &name)?;
    let settings = &config.obsidian.templates;
    let text = match template {
        Some(template) => {
            let id = find_template(vault, settings, template)
                .ok_or_else(|| format!("no template ‘{template}’ in ‘{}’", settings.folder))?;
            let body = match vault.note(id).map(|n| n.text.exact()) {
                Some(Some(body)) => body,
                Some(None) => {
                    return Err(format!(
                        "the template ‘{template}’ changed on disk: try again"
                    ));
                }
                None => Default::default(),
            };
            expand(
                &body,
                &name,
                now,
                &settings.date_format,
                &settings.time_format,
            )
        }
        None => String::new(),
    };
    Ok(create(vault, path, text))
}

/// The change that creates `path` with `text`, or nothing when it exists.
pub(crate) fn create(vault: &Vault, path: PathBuf, text: String) -> NewNote {
    let exists = vault.id(&path).is_some();
    let change = if exists {
        WorkspaceChange::default()
    } else {
        WorkspaceChange {
            ops: vec![FileOp::Create {
                path: path.clone(),
                text,
            }],
            ..WorkspaceChange::default()
        }
    };
    NewNote {
        path,
        exists,
        change,
    }
}

#[cfg(test)]
mod tests;
