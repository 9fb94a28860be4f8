//! New literature notes: where a missing one goes, its name from the settings' pattern, and its
//! first text (frontmatter `citekey:`, title, author, year).

use std::path::PathBuf;

use super::literature_notes;
use crate::config::LiteratureNoteSettings;
use crate::features::refactor::new_file_in;
use crate::index::citations::fold_key;
use crate::index::{FileId, Vault};
use crate::sources::format;
use crate::syntax::Span;

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
        let Ok(path) = new_file_in(vault, root, &settings.folder, &name) else {
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
