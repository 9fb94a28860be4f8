//! Filing many new notes at once (the first index, cold or from the on-disk index): what each
//! note files — its place, name keys, folded aliases, link keys and tags — is computed for all
//! notes in parallel, and only the inserts into the vault's maps run one note at a time. The
//! result is the vault [`Vault::upsert_note`] would build note by note, in the same order.

use std::path::PathBuf;

use rayon::prelude::*;

use super::backlinks::KeyRefs;
use super::{Content, Dialect, File, FileId, Note, TagEntry, Vault, keys};
use crate::syntax;

/// What a note files in the vault's maps: folded aliases, link keys, and (folded, written) tags.
pub(super) struct Entries {
    pub aliases: Vec<String>,
    pub link_keys: Vec<String>,
    pub tags: Vec<(String, String)>,
}

impl Entries {
    pub(super) fn of(note: &Note) -> Entries {
        Entries {
            aliases: note.syntax.aliases().map(keys::fold).collect(),
            link_keys: note
                .syntax
                .links
                .iter()
                .filter(|l| !l.is_same_note())
                .map(|l| keys::link_key(&l.target))
                .collect(),
            tags: note
                .syntax
                .tags
                .iter()
                .map(|t| (keys::fold(&t.name), t.name.to_string()))
                .collect(),
        }
    }
}

/// Notes prepared at once: enough to share among threads, few enough that their entries — kept
/// until filed — add little to the peak memory (all 50,000 dense notes' entries at once cost
/// 14 MB more at the peak).
const CHUNK: usize = 4096;

/// A new note with everything it files computed.
struct Prepared {
    path: PathBuf,
    root: usize,
    rel: String,
    name_key: String,
    path_key: String,
    note: Box<Note>,
    entries: Entries,
}

impl Vault {
    /// Insert every note of `notes`, in order, as [`Vault::upsert_note`] would one by one: notes
    /// outside every root are left out, and a path already in the vault is replaced.
    pub fn insert_notes(&mut self, notes: Vec<(PathBuf, Box<Note>)>) {
        self.files.reserve(notes.len());
        self.by_path.reserve(notes.len());
        let mut notes = notes.into_iter();
        loop {
            let chunk: Vec<(PathBuf, Box<Note>)> = notes.by_ref().take(CHUNK).collect();
            if chunk.is_empty() {
                return;
            }
            self.insert_chunk(chunk);
        }
    }

    fn insert_chunk(&mut self, notes: Vec<(PathBuf, Box<Note>)>) {
        let dendron = self.dialect == Dialect::Dendron;
        let prepared: Vec<Option<Prepared>> = {
            let this: &Vault = self;
            notes
                .into_par_iter()
                .map(|(path, mut note)| {
                    if dendron {
                        syntax::dendron::adapt(&note.text.get(), &mut note.syntax);
                    }
                    let (root, rel) = this.locate(&path)?;
                    let name_key = keys::fold(keys::strip_md(keys::basename(&rel)));
                    let path_key = keys::fold(keys::strip_md(&rel));
                    let entries = Entries::of(&note);
                    Some(Prepared {
                        path,
                        root,
                        rel,
                        name_key,
                        path_key,
                        note,
                        entries,
                    })
                })
                .collect()
        };
        for p in prepared.into_iter().flatten() {
            if self.by_path.contains_key(&p.path) {
                // Already adapted: a replacement goes the one-note way.
                if !self.upsert(&p.path, Content::Note(p.note)).keys.is_empty() {
                    self.links_generation += 1;
                }
                continue;
            }
            self.generation += 1;
            let file = File {
                path: p.path.clone(),
                root: p.root,
                rel: p.rel,
                name_key: p.name_key.clone(),
                path_key: p.path_key,
                content: Content::Note(p.note),
                revision: self.generation,
            };
            let id = self.place(file);
            self.by_path.insert(p.path, id);
            // As `upsert` does: the folder index (`folders.rs`) knows every file.
            if let Some(file) = self.files[id.0 as usize].as_ref() {
                self.folders.insert(&file.path_key, id);
            }
            self.add_name(p.name_key, id);
            self.index_entries(id, p.entries);
            self.names_generation += 1;
            // A new note always brings its name: links may resolve differently.
            self.links_generation += 1;
        }
    }

    /// File note `id`'s content in the citation and property indexes and `entries` in the
    /// vault's maps.
    pub(super) fn index_entries(&mut self, id: FileId, entries: Entries) {
        let Some(file) = self.files[id.0 as usize].as_ref() else {
            return;
        };
        self.sources.index_file(id, file);
        let Some(note) = file.note() else {
            return;
        };
        self.properties.index_note(note);
        for alias in entries.aliases {
            match self.by_alias.get_mut(alias.as_str()) {
                Some(ids) => {
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
                None => {
                    self.by_alias.insert(syntax::Name::new(&alias), vec![id]);
                }
            }
        }
        for key in entries.link_keys {
            match self.links_by_key.get_mut(key.as_str()) {
                Some(refs) => refs.add(id),
                None => {
                    let mut refs = KeyRefs::default();
                    refs.add(id);
                    self.links_by_key.insert(syntax::Name::new(&key), refs);
                }
            }
        }
        for (folded, name) in entries.tags {
            let entry = self.tags.entry(folded).or_insert_with(|| TagEntry {
                name,
                notes: Default::default(),
            });
            *entry.notes.entry(id).or_default() += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Everything the vault's maps hold, in an order that does not depend on hashing.
    fn dump(vault: &Vault) -> String {
        let mut out = Vec::new();
        for (id, file) in vault.files() {
            out.push(format!(
                "file {id:?} {} root={} rel={} name={} path={} rev={} text={:?}",
                file.path.display(),
                file.root,
                file.rel,
                file.name_key,
                file.path_key,
                file.revision,
                file.note().map(|n| (n.text(), &n.syntax)),
            ));
        }
        let sorted = |m: &rustc_hash::FxHashMap<syntax::Name, Vec<FileId>>| {
            let mut v: Vec<_> = m.iter().collect();
            v.sort();
            format!("{v:?}")
        };
        out.push(format!("by_name {}", sorted(&vault.by_name)));
        out.push(format!("by_alias {}", sorted(&vault.by_alias)));
        let mut paths: Vec<_> = vault.by_path.iter().collect();
        paths.sort();
        out.push(format!("by_path {paths:?}"));
        let folders: Vec<FileId> = vault.files_under("").collect();
        out.push(format!("folders {folders:?}"));
        let mut links: Vec<_> = vault
            .links_by_key
            .iter()
            // The sources are kept sorted by note: their Debug form is in a fixed order.
            .map(|(k, r)| (k, format!("{r:?}")))
            .collect();
        links.sort();
        out.push(format!("links {links:?}"));
        let mut tags: Vec<_> = vault
            .tags
            .iter()
            .map(|(k, t)| {
                let mut n: Vec<_> = t.notes.iter().collect();
                n.sort();
                (k, &t.name, n)
            })
            .collect();
        tags.sort();
        out.push(format!("tags {tags:?}"));
        out.push(format!("sorted {:?}", vault.sorted_names));
        out.push(format!(
            "generations {} {} {}",
            vault.generation, vault.names_generation, vault.links_generation
        ));
        let mut properties: Vec<_> = vault
            .properties
            .keys()
            .map(|(k, stats)| (k, &stats.name, stats.notes, stats.most_common(usize::MAX)))
            .map(|(k, name, notes, values)| {
                let values: Vec<_> = values.iter().map(|v| (&v.text, v.notes)).collect();
                format!("{k} {name} {notes} {values:?}")
            })
            .collect();
        properties.sort();
        out.push(format!("properties {properties:?}"));
        let mut cited: Vec<_> = vault.sources.citing("key").collect();
        cited.sort();
        out.push(format!(
            "cites {cited:?} literature {:?}",
            vault.sources.literature_candidates("key")
        ));
        out.join("\n")
    }

    fn notes(root: &Path) -> Vec<(PathBuf, Note)> {
        let texts = [
            (
                "a.md",
                "---\naliases: [Ay, Café]\ntags: [x]\nstatus: done\n---\n[[b]] [[B#H]] #Tag #tag/sub [@key]\n",
            ),
            ("sub/b.md", "## H\n[[a|ay]] [[./c.md]] [[#H]] ^blk\n"),
            ("other/B.md", "[[Café]] [x](../a.md) #TAG\n"),
            ("sub/c.md", "up:: [[a]]\n![[img.png]]\n"),
            // Outside the root: not filed.
            ("../elsewhere.md", "[[a]]\n"),
            // The same path twice (nested roots): the second replaces the first.
            ("a.md", "# A again\n[[c]]\n"),
            ("@key Literature.md", "[[a]]\n"),
        ];
        texts
            .iter()
            .map(|(rel, text)| (root.join(rel), Note::parse(*text)))
            .collect()
    }

    #[test]
    fn filing_notes_at_once_builds_the_vault_filing_them_one_by_one_builds() {
        for dialect in [Dialect::Obsidian, Dialect::Dendron] {
            let root = PathBuf::from("/vault/root");
            let mut one_by_one = Vault::new(vec![root.clone()]);
            one_by_one.dialect = dialect;
            one_by_one.upsert_attachment(&root.join("img.png"));
            for (path, note) in notes(&root) {
                one_by_one.upsert_note(&path, note);
            }
            let mut at_once = Vault::new(vec![root.clone()]);
            at_once.dialect = dialect;
            at_once.upsert_attachment(&root.join("img.png"));
            at_once.insert_notes(
                notes(&root)
                    .into_iter()
                    .map(|(path, note)| (path, Box::new(note)))
                    .collect(),
            );
            assert_eq!(dump(&at_once), dump(&one_by_one));
            assert_eq!(at_once.note_count(), 5);
        }
    }
}
