//! A layout of the vault's files: where each one is, as link resolution sees it. The vault's own
//! layout is the disk's; a layout with moves places some files elsewhere without touching the
//! vault, so that a rename or move is computed by resolving links "as if" under a read lock.
//!
//! Why: relocating the moved files in the index and back needed the vault's write lock for the
//! whole computation, and every other request (definition, hover) waited behind a big rename.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::PathBuf;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::{FileId, Vault, keys};

/// Where a file is: what resolution and link writing read of its path.
#[derive(Clone, Copy, Debug)]
pub struct Place<'a> {
    /// Index into [`Vault::roots`].
    pub root: usize,
    /// Root-relative path, `/`-separated, NFC.
    pub rel: &'a str,
    /// Folded name key: the stem for a note, the whole file name for an attachment.
    pub name_key: &'a str,
    /// Folded root-relative path, without `.md` for notes.
    pub path_key: &'a str,
    note: bool,
}

impl Place<'_> {
    pub fn is_note(&self) -> bool {
        self.note
    }

    /// The name a user sees: the stem for notes, the file name for attachments.
    pub fn display_name(&self) -> &str {
        let name = keys::basename(self.rel);
        if self.note {
            keys::strip_md(name)
        } else {
            name
        }
    }

    /// The root-relative path without `.md` for notes: the longest form of a wikilink target.
    pub fn link_path(&self) -> &str {
        if self.note {
            keys::strip_md(self.rel)
        } else {
            self.rel
        }
    }

    pub fn folder(&self) -> &str {
        keys::folder(self.rel)
    }
}

/// A moved file's new place, owned.
#[derive(Debug)]
struct Moved {
    root: usize,
    rel: String,
    path_key: String,
    /// Where in `path_key` the name key starts (`keys::file_keys`).
    name_at: usize,
}

/// The vault's files as placed by this layout; contents are the vault's.
#[derive(Debug)]
pub struct Layout<'v> {
    vault: &'v Vault,
    moved: HashMap<FileId, Moved>,
    /// Name key → the moved files that have it at their new place.
    names: HashMap<String, Vec<FileId>>,
}

impl Vault {
    /// The files where they are on disk (as the index knows it).
    pub fn layout(&self) -> Layout<'_> {
        Layout {
            vault: self,
            moved: HashMap::default(),
            names: HashMap::default(),
        }
    }
}

impl<'v> Layout<'v> {
    pub fn vault(&self) -> &'v Vault {
        self.vault
    }

    /// This layout with each `(file, new path)` moved there, all at once (so swaps and chains
    /// within one move are fine). `None` when a new path lies outside every root, names a file
    /// that does not move, or is the new path of two files, or a file is gone.
    pub fn with_moves(mut self, moves: &[(FileId, PathBuf)]) -> Option<Layout<'v>> {
        let moving: HashSet<FileId> = moves.iter().map(|(id, _)| *id).collect();
        // New path → the file moving there: one file per path.
        let mut taken: HashMap<&PathBuf, FileId> = HashMap::default();
        for (id, to) in moves {
            let file = self.vault.get(*id)?;
            let (root, rel) = self.vault.locate(to)?;
            let occupied = self
                .vault
                .id(to)
                .is_some_and(|other| other != *id && !moving.contains(&other));
            if occupied || *taken.entry(to).or_insert(*id) != *id {
                return None;
            }
            let (path_key, name_at) = keys::file_keys(&rel, file.is_note());
            self.moved.insert(
                *id,
                Moved {
                    root,
                    rel,
                    path_key,
                    name_at,
                },
            );
        }
        // In the order of the moves, as the index files a name moved into it: last.
        let mut filed: HashSet<FileId> = HashSet::default();
        for (id, _) in moves {
            if filed.insert(*id) {
                let moved = &self.moved[id];
                let key = moved.path_key[moved.name_at..].to_string();
                self.names.entry(key).or_default().push(*id);
            }
        }
        Some(self)
    }

    /// Where file `id` is in this layout.
    pub fn place(&self, id: FileId) -> Place<'_> {
        if !self.moved.is_empty() {
            if let Some(m) = self.moved.get(&id) {
                let note = self.vault.file(id).is_note();
                return Place {
                    root: m.root,
                    rel: &m.rel,
                    name_key: &m.path_key[m.name_at..],
                    path_key: &m.path_key,
                    note,
                };
            }
        }
        let f = self.vault.file(id);
        Place {
            root: f.root,
            rel: f.rel(),
            name_key: f.name_key(),
            path_key: &f.path_key,
            note: f.is_note(),
        }
    }

    /// Files whose name key is `key` in this layout.
    pub fn by_name(&self, key: &str) -> Cow<'_, [FileId]> {
        let on_disk = self.vault.by_name(key);
        if self.moved.is_empty() {
            return Cow::Borrowed(on_disk);
        }
        let arrived = self.names.get(key).map_or(&[][..], Vec::as_slice);
        // A rename resolves every link to the moved note: no copy in the usual cases.
        let staying = on_disk
            .iter()
            .filter(|id| !self.moved.contains_key(id))
            .count();
        if staying == on_disk.len() && arrived.is_empty() {
            return Cow::Borrowed(on_disk);
        }
        if staying == 0 {
            return Cow::Borrowed(arrived);
        }
        Cow::Owned(
            on_disk
                .iter()
                .filter(|id| !self.moved.contains_key(id))
                .chain(arrived)
                .copied()
                .collect(),
        )
    }

    /// Name keys starting with `prefix`, in order. Lazy on the disk's layout: a wildcard stops
    /// at its first match.
    pub fn names_from<'a>(&'a self, prefix: &'a str) -> Box<dyn Iterator<Item = &'a str> + 'a> {
        let on_disk = self.vault.names_from(prefix);
        if self.moved.is_empty() {
            return Box::new(on_disk);
        }
        let arrived = self
            .names
            .keys()
            .map(String::as_str)
            .filter(move |k| k.starts_with(prefix));
        Box::new(
            on_disk
                .chain(arrived)
                .collect::<BTreeSet<&str>>()
                .into_iter(),
        )
    }
}
