//! Frontmatter properties across the vault: per key, how many notes use it and which values
//! they give it, updated one note at a time; and the types Obsidian's `.obsidian/types.json`
//! assigns to keys (set by whoever reads that file).

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::Note;
use crate::syntax::Name;

/// A property type as Obsidian names it in `types.json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PropertyType {
    Text,
    /// `multitext` in `types.json`; `list` is accepted too.
    List,
    Number,
    Checkbox,
    Date,
    DateTime,
    Aliases,
    Tags,
}

impl PropertyType {
    /// The type named `name` in `types.json`, if Obsidian has one by that name.
    pub fn parse(name: &str) -> Option<PropertyType> {
        Some(match name {
            "text" => PropertyType::Text,
            "multitext" | "list" => PropertyType::List,
            "number" => PropertyType::Number,
            "checkbox" => PropertyType::Checkbox,
            "date" => PropertyType::Date,
            "datetime" => PropertyType::DateTime,
            "aliases" => PropertyType::Aliases,
            "tags" => PropertyType::Tags,
            _ => return None,
        })
    }

    /// The name a user sees (Obsidian's, with `list` for `multitext`).
    pub fn name(self) -> &'static str {
        match self {
            PropertyType::Text => "text",
            PropertyType::List => "list",
            PropertyType::Number => "number",
            PropertyType::Checkbox => "checkbox",
            PropertyType::Date => "date",
            PropertyType::DateTime => "date & time",
            PropertyType::Aliases => "aliases",
            PropertyType::Tags => "tags",
        }
    }
}

/// One value of one key: its spelling and how many notes give it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValueStats<'a> {
    pub text: &'a str,
    pub notes: u32,
}

/// One key across the vault.
#[derive(Debug, Default)]
pub struct KeyStats {
    /// The spelling first seen, for display.
    pub name: String,
    /// Notes whose frontmatter has the key.
    pub notes: u32,
    /// Notes per exact value text. The text is the key only (it was also copied into the
    /// value), and a `Name`, inline when short: a key such as `aliases` or `created` has a
    /// value per note, so this map holds about one entry per note of the vault.
    values: HashMap<Name, u32>,
}

impl KeyStats {
    pub fn values(&self) -> impl Iterator<Item = ValueStats<'_>> {
        self.values.iter().map(|(text, &notes)| ValueStats {
            text: text.as_str(),
            notes,
        })
    }

    /// The `n` values most notes give, most first (ties alphabetical).
    pub fn most_common(&self, n: usize) -> Vec<ValueStats<'_>> {
        let mut all: Vec<ValueStats> = self.values().collect();
        all.sort_by(|a, b| b.notes.cmp(&a.notes).then_with(|| a.text.cmp(b.text)));
        all.truncate(n);
        all
    }
}

#[derive(Debug, Default)]
pub struct Properties {
    /// By lower-cased key: Obsidian compares property names without case.
    keys: HashMap<String, KeyStats>,
    /// By lower-cased key.
    types: HashMap<String, PropertyType>,
}

/// A property name as the maps file it.
pub fn fold_key(key: &str) -> String {
    key.trim().to_lowercase()
}

/// What a note files: each key once (folded, written) with its distinct values.
fn entries(note: &Note) -> Vec<(String, &str, Vec<&str>)> {
    let Some(fm) = &note.syntax.frontmatter else {
        return Vec::new();
    };
    let mut seen = HashSet::default();
    let mut out = Vec::new();
    for property in &fm.properties {
        let folded = fold_key(&property.key);
        if folded.is_empty() || !seen.insert(folded.clone()) {
            continue;
        }
        let mut values: Vec<&str> = property
            .values
            .iter()
            .map(|(v, _)| v.trim())
            .filter(|v| !v.is_empty())
            .collect();
        values.sort_unstable();
        values.dedup();
        out.push((folded, property.key.as_str(), values));
    }
    out
}

impl Properties {
    pub fn key(&self, key: &str) -> Option<&KeyStats> {
        self.keys.get(&fold_key(key))
    }

    /// Every key in use, by folded key.
    pub fn keys(&self) -> impl Iterator<Item = (&String, &KeyStats)> {
        self.keys.iter()
    }

    pub fn type_of(&self, key: &str) -> Option<PropertyType> {
        self.types.get(&fold_key(key)).copied()
    }

    /// Replace the types (from `.obsidian/types.json`): key → type.
    pub fn set_types(&mut self, types: impl IntoIterator<Item = (String, PropertyType)>) {
        self.types = types.into_iter().map(|(k, t)| (fold_key(&k), t)).collect();
    }

    pub(super) fn index_note(&mut self, note: &Note) {
        for (folded, written, values) in entries(note) {
            let stats = self.keys.entry(folded).or_insert_with(|| KeyStats {
                name: written.to_string(),
                ..KeyStats::default()
            });
            stats.notes += 1;
            for value in values {
                match stats.values.get_mut(value) {
                    Some(notes) => *notes += 1,
                    None => {
                        stats.values.insert(Name::new(value), 1);
                    }
                }
            }
        }
    }

    /// The exact inverse of `index_note` for the same note.
    pub(super) fn unindex_note(&mut self, note: &Note) {
        for (folded, _, values) in entries(note) {
            let Some(stats) = self.keys.get_mut(&folded) else {
                continue;
            };
            for value in values {
                if let Some(notes) = stats.values.get_mut(value) {
                    *notes = notes.saturating_sub(1);
                    if *notes == 0 {
                        stats.values.remove(value);
                    }
                }
            }
            stats.notes = stats.notes.saturating_sub(1);
            if stats.notes == 0 {
                self.keys.remove(&folded);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use crate::index::{Note, Vault};

    fn summary(vault: &Vault) -> String {
        let mut keys: Vec<_> = vault.properties.keys().collect();
        keys.sort_by_key(|(k, _)| k.as_str());
        keys.iter()
            .map(|(_, stats)| {
                let values: Vec<String> = stats
                    .most_common(10)
                    .iter()
                    .map(|v| format!("{}×{}", v.text, v.notes))
                    .collect();
                format!("{} {}: {}", stats.name, stats.notes, values.join(" "))
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn statistics_follow_each_note_as_it_changes_and_disappears() {
        let mut vault = Vault::new(vec![PathBuf::from("/v")]);
        let a = Path::new("/v/a.md");
        let b = Path::new("/v/b.md");
        vault.upsert_note(a, Note::parse("---\nstatus: done\ntags: [x, y]\n---\n"));
        vault.upsert_note(b, Note::parse("---\nStatus: done\nrating: 3\n---\n"));
        assert_eq!(
            summary(&vault),
            "rating 1: 3×1\nstatus 2: done×2\ntags 1: x×1 y×1"
        );
        vault.upsert_note(a, Note::parse("---\nstatus: open\n---\n"));
        assert_eq!(summary(&vault), "rating 1: 3×1\nstatus 2: done×1 open×1");
        vault.remove(b);
        assert_eq!(summary(&vault), "status 1: open×1");
        vault.remove(a);
        assert_eq!(summary(&vault), "");
    }
}
