//! The vault's files by path: a hash table of file ids, each found by hashing and comparing
//! its file's own path, rather than a map keeping a second copy of every path (100 bytes or
//! so a file, and an allocation each when a restart files 100,000 notes).

use std::hash::BuildHasher;
use std::path::Path;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

use super::{File, FileId};

/// Every file of the vault's slab by its path, compared as [`Path`]s are (by component).
#[derive(Debug, Default)]
pub(super) struct ByPath {
    table: HashTable<FileId>,
}

/// A path's hash in [`ByPath`]: `Path`'s own, which hashes it by component as it compares.
pub fn hash(path: &Path) -> u64 {
    FxBuildHasher.hash_one(path)
}

fn path_of(files: &[Option<File>], id: FileId) -> &Path {
    &files[id.0 as usize].as_ref().expect("a live file").path
}

impl ByPath {
    /// The file at `path` (its [`hash`] given).
    pub(super) fn get_hashed(
        &self,
        files: &[Option<File>],
        hash: u64,
        path: &Path,
    ) -> Option<FileId> {
        self.table
            .find(hash, |&id| path_of(files, id) == path)
            .copied()
    }

    pub(super) fn get(&self, files: &[Option<File>], path: &Path) -> Option<FileId> {
        self.get_hashed(files, hash(path), path)
    }

    /// File `id`, whose path no other file has, under its path's `hash`.
    pub(super) fn insert_hashed(&mut self, files: &[Option<File>], hash: u64, id: FileId) {
        debug_assert_eq!(hash, self::hash(path_of(files, id)));
        self.table
            .insert_unique(hash, id, |&id| self::hash(path_of(files, id)));
    }

    /// File `id`, whose path no other file has.
    pub(super) fn insert(&mut self, files: &[Option<File>], id: FileId) {
        self.insert_hashed(files, hash(path_of(files, id)), id);
    }

    /// Forget the file at `path` (before its slot is emptied): its id.
    pub(super) fn remove(&mut self, files: &[Option<File>], path: &Path) -> Option<FileId> {
        let found = self
            .table
            .find_entry(hash(path), |&id| path_of(files, id) == path)
            .ok()?;
        Some(found.remove().0)
    }

    pub(super) fn reserve(&mut self, files: &[Option<File>], additional: usize) {
        self.table
            .reserve(additional, |&id| hash(path_of(files, id)));
    }

    /// Every file's id, in no order.
    pub(super) fn ids(&self) -> impl Iterator<Item = FileId> + '_ {
        self.table.iter().copied()
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use crate::index::{Note, Vault};

    /// The table grows (rehashing every file by its own path) and frees slots that new files
    /// take again; every path is found as a `Path` compares, doubled separators and all.
    #[test]
    fn files_are_found_by_path_through_growth_removal_and_reused_slots() {
        let mut vault = Vault::new(vec![PathBuf::from("/v")]);
        let path = |i: usize| PathBuf::from(format!("/v/f{}/n{i}.md", i % 7));
        for i in 0..1000 {
            vault.upsert_note(&path(i), Note::parse("x"));
        }
        for i in (0..1000).step_by(3) {
            vault.remove(&path(i));
        }
        for i in 1000..1200 {
            vault.upsert_note(&path(i), Note::parse("y"));
        }
        for i in 0..1200 {
            let found = vault
                .id(&path(i))
                .map(|id| vault.file(id).path.to_path_buf());
            let expected = (i >= 1000 || i % 3 != 0).then(|| path(i));
            assert_eq!(found, expected, "n{i}");
        }
        let id = vault.id(Path::new("/v/f1/n1.md"));
        assert!(id.is_some());
        assert_eq!(vault.id(Path::new("/v//f1/./n1.md")), id);
        assert_eq!(vault.id(Path::new("/v/f1/n1.MD")), None);
        vault.remove_under(Path::new("/v/f1"));
        assert_eq!(vault.id(Path::new("/v/f1/n1.md")), None);
        let kept = (0..1200).filter(|i| (*i >= 1000 || i % 3 != 0) && i % 7 != 1);
        assert_eq!(vault.files().count(), kept.count());
    }
}
