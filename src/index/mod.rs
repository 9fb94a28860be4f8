//! The vault graph: every file by id, name keys, aliases, the reverse index of links by target
//! key (backlinks), and tags. Updated one note at a time: replacing a note touches only that
//! note's entries and the keys it adds or removes.

mod backlinks;
mod bulk;
mod changes;
pub mod citations;
mod complete;
mod counts;
mod dismantle;
mod file;
mod folders;
pub mod keys;
mod layout;
pub mod mentions;
mod note;
mod paths;
pub use paths::hash as path_hash;
pub mod properties;
mod resolve;

#[cfg(test)]
mod conformance;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::path::{Path, PathBuf};

use backlinks::KeyRefs;
pub use complete::{Completion, Incoming, prepare_incoming};
pub use file::{Content, File};
pub use layout::{Layout, Place};
pub use note::{Nanos, Note, NoteText, Stamp};
pub use resolve::{Anchor, Broken, Missing, Resolved};

use crate::syntax::{self, NoteSyntax};

/// A file's place in the vault's slab; stable while the file exists.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct FileId(pub u32);

/// The files filed under one name or alias key: inline up to four, in the 24 bytes a `Vec`
/// takes. Nearly every key names one file, and a `Vec` of one was an allocation (and a free
/// from another thread's heap) for each of a restart's 100,000 names.
pub(crate) type Ids = smallvec::SmallVec<[FileId; 4]>;

/// Whether a path names a markdown note (by extension).
pub fn is_note_path(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("md"))
}

#[derive(Debug, Default)]
pub struct TagEntry {
    /// The spelling first seen, for display.
    pub name: String,
    pub notes: HashMap<FileId, u32>,
}

/// What an update changed that other notes may see: the keys whose resolution may differ now.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Change {
    pub keys: HashSet<String>,
}

impl Change {
    pub fn merge(&mut self, other: Change) {
        self.keys.extend(other.keys);
    }
}

/// Whose link rules the vault follows (DESIGN.md, "Dialects").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Dialect {
    #[default]
    Obsidian,
    /// A Dendron workspace: [`syntax::dendron`]'s link forms, slug anchors in wikilinks, and
    /// `*` wildcards over hierarchy names in note references.
    Dendron,
}

impl Dialect {
    /// Dendron's when `dendron.yml` is at a root: the file Dendron keeps its workspace in.
    pub fn of_files<'p>(roots: &[PathBuf], mut files: impl Iterator<Item = &'p Path>) -> Dialect {
        if files.any(|f| {
            f.file_name().is_some_and(|n| n == "dendron.yml")
                && f.parent().is_some_and(|dir| roots.iter().any(|r| r == dir))
        }) {
            Dialect::Dendron
        } else {
            Dialect::Obsidian
        }
    }
}

#[derive(Debug, Default)]
pub struct Vault {
    roots: Vec<PathBuf>,
    files: Vec<Option<File>>,
    free: Vec<u32>,
    by_path: paths::ByPath,
    /// Keys as [`syntax::Name`]s, inline when short (most are): no allocation per key.
    by_name: HashMap<syntax::Name, Ids>,
    by_alias: HashMap<syntax::Name, Ids>,
    links_by_key: HashMap<syntax::Name, KeyRefs>,
    tags: HashMap<String, TagEntry>,
    /// Bumped whenever a name, alias or file appears or disappears, so that callers can cache
    /// whole-vault lists (completion candidates) and rebuild them only then.
    names_generation: u64,
    /// Bumped on every change to any file: for caches of whole-vault content (symbols).
    generation: u64,
    /// Bumped whenever links may resolve differently (names, headings or block ids changed).
    links_generation: u64,
    /// Bumped whenever the count of links under some key may have changed (a link added or
    /// removed, not an edit that leaves a note's links as they were): what completion caches
    /// its ranking's popularity by ([`Vault::key_ref_count`]).
    counts_generation: u64,
    /// The keys whose counts the last edits changed, for completion to follow.
    counts_log: counts::CountsLog,
    /// The files whose names the last edits changed, for completion's candidates to follow.
    names_log: changes::ChangeLog<FileId>,
    /// Aliases rewritten folding the same (`ab` → `AB`): see [`Vault::listed_generation`].
    spellings: u64,
    pub alias_fallback: bool,
    /// Set before notes are added: each note's links are read by it as it is indexed.
    pub dialect: Dialect,
    /// Every name key in order, for the prefix of a Dendron wildcard (`a.b.*`).
    sorted_names: SortedNames,
    /// Bibliographies, citations and literature notes (`crate::sources`).
    pub sources: citations::Sources,
    /// Unlinked mentions (`mentions.rs`).
    mentions: mentions::Mentions,
    /// Frontmatter keys and values in use, and their types.
    pub properties: properties::Properties,
    /// Every file by folded folder, for the files under a folder (`folders.rs`).
    folders: folders::Folders,
}

impl Vault {
    pub fn new(roots: Vec<PathBuf>) -> Vault {
        Vault {
            roots,
            alias_fallback: true,
            ..Vault::default()
        }
    }

    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    pub fn names_generation(&self) -> u64 {
        self.names_generation
    }

    /// The files whose names as listed (name, path or aliases as written) came, went or
    /// changed since [`Vault::listed_generation`] `then`, when the vault can tell; `None` when
    /// it cannot (a bulk filing).
    pub fn names_changed_since(&self, then: u64) -> Option<impl Iterator<Item = FileId> + '_> {
        let changed = self.names_log.since(then, self.listed_generation())?;
        Some(changed.copied())
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn links_generation(&self) -> u64 {
        self.links_generation
    }

    pub fn counts_generation(&self) -> u64 {
        self.counts_generation
    }

    /// The root holding `path` (the deepest, where roots nest) and the root-relative path.
    pub fn locate(&self, path: &Path) -> Option<(usize, String)> {
        bulk::locate_in(&self.roots, path)
    }

    pub fn file(&self, id: FileId) -> &File {
        self.files[id.0 as usize]
            .as_ref()
            .expect("a FileId names a live file")
    }

    pub fn get(&self, id: FileId) -> Option<&File> {
        self.files.get(id.0 as usize).and_then(Option::as_ref)
    }

    pub fn note(&self, id: FileId) -> Option<&Note> {
        self.get(id).and_then(File::note)
    }

    pub fn id(&self, path: &Path) -> Option<FileId> {
        self.by_path.get(&self.files, path)
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &File)> {
        self.files
            .iter()
            .enumerate()
            .filter_map(|(i, f)| f.as_ref().map(|f| (FileId(i as u32), f)))
    }

    pub fn notes(&self) -> impl Iterator<Item = (FileId, &File, &Note)> {
        self.files()
            .filter_map(|(id, f)| f.note().map(|n| (id, f, n)))
    }

    pub fn note_count(&self) -> usize {
        self.notes().count()
    }

    pub fn tags(&self) -> impl Iterator<Item = (&String, &TagEntry)> {
        self.tags.iter()
    }

    pub fn tag(&self, folded: &str) -> Option<&TagEntry> {
        self.tags.get(folded)
    }

    /// Every use of tag `folded` and of the tags nested under it (`#a` covers `#a/x`), body and
    /// frontmatter: (note, index into its tags), in note order.
    pub fn tag_uses(&self, folded: &str) -> Vec<(FileId, usize)> {
        let prefix = format!("{folded}/");
        let nested = |key: &str| key == folded || key.starts_with(&prefix);
        let mut notes: Vec<FileId> = self
            .tags
            .iter()
            .filter(|(key, _)| nested(key))
            .flat_map(|(_, entry)| entry.notes.keys().copied())
            .collect();
        notes.sort();
        notes.dedup();
        let mut out = Vec::new();
        for id in notes {
            let Some(note) = self.note(id) else { continue };
            for (i, tag) in note.syntax.tags().iter().enumerate() {
                if nested(&keys::fold(&tag.name)) {
                    out.push((id, i));
                }
            }
        }
        out
    }

    /// Unfile `id` from the files of name key `key`.
    fn remove_name(&mut self, key: &str, id: FileId) {
        remove_from(&mut self.by_name, key, id);
        if !self.by_name.contains_key(key) {
            self.sorted_names.remove(key);
        }
    }

    /// Name keys starting with `prefix`, in order.
    pub fn names_from(&self, prefix: &str) -> impl Iterator<Item = &str> {
        (self.sorted_names.0)
            .get_or_init(|| self.by_name.keys().cloned().collect())
            .range::<str, _>((
                std::ops::Bound::Included(prefix),
                std::ops::Bound::Unbounded,
            ))
            .map(syntax::Name::as_str)
            .take_while(move |k| k.starts_with(prefix))
    }

    /// Files in `folder` (root-relative, any case; `""` is the root) and its subfolders, in
    /// every root, in folded path order: a range of the index, costing what the folder holds.
    pub fn files_under(&self, folder: &str) -> impl Iterator<Item = FileId> + '_ {
        let folder = keys::fold(folder.trim_matches('/'));
        let prefix = match folder.is_empty() {
            true => folder,
            false => format!("{folder}/"),
        };
        let mut ids: Vec<FileId> = self.folders.under(&prefix).collect();
        ids.sort_unstable_by(|a, b| {
            (&self.file(*a).path_key, a).cmp(&(&self.file(*b).path_key, b))
        });
        ids.into_iter()
    }

    pub fn by_name(&self, key: &str) -> &[FileId] {
        self.by_name.get(key).map_or(&[], |ids| ids.as_slice())
    }

    /// Notes with an alias whose key is `key`.
    pub fn by_alias(&self, key: &str) -> &[FileId] {
        self.by_alias.get(key).map_or(&[], |ids| ids.as_slice())
    }

    /// Notes holding links filed under `key`.
    pub fn sources_with_key(&self, key: &str) -> impl Iterator<Item = FileId> + '_ {
        self.links_by_key
            .get(key)
            .into_iter()
            .flat_map(KeyRefs::sources)
    }

    /// How many links in the vault are filed under `key`: a cheap popularity measure.
    pub fn key_ref_count(&self, key: &str) -> u32 {
        self.links_by_key.get(key).map_or(0, |refs| refs.total)
    }

    /// The keys a file can be reached by: its name and, for notes, its aliases.
    pub fn keys_of(&self, id: FileId) -> Vec<String> {
        let Some(file) = self.get(id) else {
            return Vec::new();
        };
        let mut out = vec![file.name_key().to_string()];
        if let Some(note) = file.note() {
            out.extend(note.syntax.aliases().iter().map(|a| keys::fold(a)));
        }
        out.sort();
        out.dedup();
        out
    }

    /// Record that the note at `path` was read again and found to hold the same bytes (a file
    /// touched, not changed): only its stamp moves, nothing is re-filed. Whether it was a note.
    pub fn restamp(&mut self, path: &Path, stamp: Stamp) -> bool {
        let Some(id) = self.by_path.get(&self.files, path) else {
            return false;
        };
        match self.files[id.0 as usize].as_mut().map(|f| &mut f.content) {
            Some(Content::Note(note)) => {
                note.stamp = Some(stamp);
                true
            }
            _ => false,
        }
    }

    /// [`Vault::upsert_note`] for `note` read again from its file: when the vault holds that
    /// file's note as read from the same bytes (length and hash), only the new stamp is kept
    /// ([`Vault::restamp`]) and no generation moves, so nothing derived from the vault (symbol
    /// index, completion's candidates, diagnostics) is made again. A file rewritten unchanged,
    /// or read within seconds of its last write (which its stamp cannot vouch for), comes back
    /// so: after a `git checkout` just before a start, the first index's catch-up read 5,000
    /// such files of a 100k vault again, each filing moving the generation, and every workspace
    /// symbol query for seconds after built the symbol index again (~130 ms each).
    pub fn refresh_note(&mut self, path: &Path, note: Note) -> Change {
        let id = self.id(path);
        let held = id.and_then(|id| self.note(id));
        if let (Some(id), Some(stamp), Some(held)) = (id, note.stamp, held)
            && held.stamp.is_some()
            && held.text.is_in_file_as(stamp.size, stamp.hash)
        {
            self.restamp(path, stamp);
            // Its unlinked mentions scanned again all the same: a scan that read the file
            // while it held other bytes (changed and changed back, the change not yet applied)
            // found its text unreadable and nothing in it.
            self.rescan_mentions(id);
            return Change::default();
        }
        self.upsert_note(path, note)
    }

    /// Insert or replace the note at `path`. Outside every root, nothing happens.
    pub fn upsert_note(&mut self, path: &Path, mut note: Note) -> Change {
        if self.dialect == Dialect::Dendron {
            syntax::dendron::adapt(&note.text.get(), &mut note.syntax);
        }
        let change = self.upsert(path, Content::Note(Box::new(note)));
        if !change.keys.is_empty() {
            self.links_generation += 1;
        }
        change
    }

    pub fn upsert_attachment(&mut self, path: &Path) -> Change {
        if self.by_path.get(&self.files, path).is_some() {
            return Change::default();
        }
        self.links_generation += 1;
        self.upsert(path, Content::Attachment)
    }

    fn upsert(&mut self, path: &Path, content: Content) -> Change {
        let Some((root, rel)) = self.locate(path) else {
            return Change::default();
        };
        self.generation += 1;
        let mut change = Change::default();
        if let Some(id) = self.by_path.get(&self.files, path) {
            let (old_keys, old_aliases) = (self.keys_of(id), self.aliases_written(id));
            let old_shape = self.note(id).map(|n| shape(&n.syntax));
            let counts = self.counts_generation;
            let unfiled = self.unindex_content(id);
            let file = self.files[id.0 as usize].as_mut().expect("live file");
            let mut content = content;
            if let Content::Note(note) = &mut content {
                note.text.share_path(&file.path);
            }
            file.content = content;
            file.revision = self.generation;
            let filed = self.index_content(id);
            // The same links taken out and put back: every count is as it was.
            if unfiled == filed {
                self.counts_generation = counts;
            } else {
                let now = self.counts_generation;
                let changed = counts::changed(&unfiled, &filed);
                self.counts_log
                    .record(counts, now, changed.into_iter().map(syntax::Name::new));
            }
            let new_keys = self.keys_of(id);
            let new_shape = self.note(id).map(|n| shape(&n.syntax));
            let listed = self.listed_generation();
            // An alias written otherwise but folding the same (`ab` → `AB`) resolves as before,
            // but completion lists it as written.
            if old_keys == new_keys && old_aliases != self.aliases_written(id) {
                self.spellings += 1;
            }
            if old_keys != new_keys {
                self.names_generation += 1;
                change.keys.extend(old_keys.iter().cloned());
                change.keys.extend(new_keys.iter().cloned());
            } else if old_shape != new_shape {
                // Headings or block ids changed: links into them may break or heal.
                change.keys.extend(new_keys);
            }
            self.names_log
                .record(listed, self.listed_generation(), [id]);
            self.rescan_mentions(id);
            return change;
        }

        let file = File::new(path.to_path_buf(), root, rel, content, self.generation);
        let id = place(&mut self.files, &mut self.free, file);
        self.by_path.insert(&self.files, id);
        let file = self.files[id.0 as usize].as_ref().expect("placed");
        self.folders.insert(file, id);
        if let Some(fresh) = bulk::add_name_unsorted(&mut self.by_name, file.name_key(), id) {
            self.sorted_names.add(fresh);
        }
        let counts = self.counts_generation;
        let filed = self.index_content(id);
        let (listed, now) = (self.listed_generation(), self.counts_generation);
        self.counts_log
            .record(counts, now, filed.iter().map(syntax::Name::new));
        self.names_log.record(listed, listed + 1, [id]);
        self.names_generation += 1;
        change.keys.extend(self.keys_of(id));
        change
    }

    /// Remove the file at `path`, if known.
    pub fn remove(&mut self, path: &Path) -> Change {
        let Some(id) = self.by_path.remove(&self.files, path) else {
            return Change::default();
        };
        let keys = self.keys_of(id);
        self.generation += 1;
        self.mentions.forget(id);
        let counts = self.counts_generation;
        let unfiled = self.unindex_content(id);
        let now = self.counts_generation;
        self.counts_log
            .record(counts, now, unfiled.iter().map(syntax::Name::new));
        let file = self.files[id.0 as usize].take().expect("live file");
        self.remove_name(file.name_key(), id);
        self.folders.remove(&file, id);
        self.free.push(id.0);
        let listed = self.listed_generation();
        self.names_log.record(listed, listed + 1, [id]);
        self.names_generation += 1;
        self.links_generation += 1;
        Change {
            keys: keys.into_iter().collect(),
        }
    }

    /// Remove every file under `dir` (a deleted folder).
    pub fn remove_under(&mut self, dir: &Path) -> Change {
        let paths: Vec<PathBuf> = (self.by_path.ids())
            .map(|id| &*self.file(id).path)
            .filter(|p| p.starts_with(dir))
            .map(Path::to_path_buf)
            .collect();
        let mut change = Change::default();
        for path in paths {
            change.merge(self.remove(&path));
        }
        change
    }

    /// File file `id`'s content in the vault's maps; the link keys filed.
    fn index_content(&mut self, id: FileId) -> bulk::Keys {
        let entries = self.files[id.0 as usize]
            .as_ref()
            .and_then(|file| Some(bulk::Entries::of_file(file, file.note()?)));
        match entries {
            Some(entries) => self.index_entries(id, entries, bulk::Filing::Full),
            None => {
                if let Some(file) = self.files[id.0 as usize].as_ref() {
                    self.sources.index_file(id, file);
                }
                bulk::Keys::default()
            }
        }
    }

    /// Take file `id`'s content out of the vault's maps; the link keys unfiled.
    fn unindex_content(&mut self, id: FileId) -> bulk::Keys {
        if let Some(file) = self.files[id.0 as usize].as_ref() {
            self.sources.unindex_file(id, file);
        }
        let Some(note) = self.files[id.0 as usize].as_ref().and_then(File::note) else {
            return bulk::Keys::default();
        };
        self.properties.unindex_note(note);
        let bulk::Entries {
            aliases,
            link_keys,
            tags,
            literature: _,
        } = bulk::Entries::of(note);
        for alias in aliases {
            remove_from(&mut self.by_alias, &alias, id);
        }
        for key in link_keys.iter() {
            if let Some(refs) = self.links_by_key.get_mut(key) {
                if refs.remove(id) {
                    self.links_by_key.remove(key);
                }
            }
        }
        if !link_keys.is_empty() {
            self.counts_generation += 1;
        }
        for (tag, _) in tags {
            if let Some(entry) = self.tags.get_mut(&tag) {
                if let Some(n) = entry.notes.get_mut(&id) {
                    *n -= 1;
                    if *n == 0 {
                        entry.notes.remove(&id);
                    }
                }
                if entry.notes.is_empty() {
                    self.tags.remove(&tag);
                }
            }
        }
        link_keys
    }
}

/// What other notes can link into: heading texts and block ids.
fn shape(syntax: &NoteSyntax) -> (Vec<(u8, syntax::Name)>, Vec<syntax::Name>) {
    (
        syntax
            .headings()
            .iter()
            .map(|h| (h.level, h.text.clone()))
            .collect(),
        syntax.blocks().iter().map(|b| b.id.clone()).collect(),
    )
}

/// Store a new file in a freed slot of `files` (one of `free`), or a new one: its id. Taking the
/// fields rather than the vault lets bulk filing place a file while it holds a `by_path` entry.
fn place(files: &mut Vec<Option<File>>, free: &mut Vec<u32>, file: File) -> FileId {
    match free.pop() {
        Some(slot) => {
            files[slot as usize] = Some(file);
            FileId(slot)
        }
        None => {
            files.push(Some(file));
            FileId(files.len() as u32 - 1)
        }
    }
}

/// Every name key of `by_name` in order: a range for the prefix of a Dendron wildcard, where
/// `by_name` would need a scan. Built the first time one is resolved ([`Vault::names_from`]),
/// then kept up to date; a vault that resolves none (any but a Dendron vault) never builds it.
/// Built by every filing, it was ~40 ms of CPU on the path of a 100,000-note restart's first
/// answers, and ~4 MB.
#[derive(Debug, Default)]
struct SortedNames(std::sync::OnceLock<std::collections::BTreeSet<syntax::Name>>);

impl SortedNames {
    /// `name`, new to `by_name`, added (when built).
    fn add(&mut self, name: syntax::Name) {
        if let Some(names) = self.0.get_mut() {
            names.insert(name);
        }
    }

    /// `key`, gone from `by_name`, removed (when built).
    fn remove(&mut self, key: &str) {
        if let Some(names) = self.0.get_mut() {
            names.remove(key);
        }
    }
}

fn remove_from(map: &mut HashMap<syntax::Name, Ids>, key: &str, id: FileId) {
    if let Some(ids) = map.get_mut(key) {
        ids.retain(|x| *x != id);
        if ids.is_empty() {
            map.remove(key);
        }
    }
}
