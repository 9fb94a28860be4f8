//! Files by folder: every folder's folded path, in order, with the files directly in it, so
//! that the files under a folder are those of one range of folders. Finding what a folder
//! holds (the templates folder's notes) then costs what the folder holds, never a walk of the
//! vault; kept per file as files appear, move and disappear. A file costs an id here, not a
//! copy of its path: the folder's key is shared by all its files.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

use super::{File, FileId};

#[derive(Debug, Default)]
pub(super) struct Folders {
    /// Folded folder (the part of a `File::path_key` before its name: `""` at a root, else
    /// ending in `/`) → the files directly in it. A folder can hold a path twice: the same
    /// path in two roots, or `x.md` and `X.md` on a file system that tells them apart.
    folders: BTreeMap<String, BTreeSet<FileId>>,
}

/// The folder part of `file`'s folded path, `/` included.
fn folder_of(file: &File) -> &str {
    &file.path_key[..file.path_key.len() - file.name_key().len()]
}

impl Folders {
    pub(super) fn insert(&mut self, file: &File, id: FileId) {
        let folder = folder_of(file);
        match self.folders.get_mut(folder) {
            Some(ids) => {
                ids.insert(id);
            }
            None => {
                self.folders
                    .insert(folder.to_string(), BTreeSet::from([id]));
            }
        }
    }

    /// Insert many at once (`ids`, each a file of `files`).
    pub(super) fn extend(&mut self, files: &[Option<File>], ids: Vec<FileId>) {
        for id in ids {
            if let Some(file) = files[id.0 as usize].as_ref() {
                self.insert(file, id);
            }
        }
    }

    pub(super) fn remove(&mut self, file: &File, id: FileId) {
        let folder = folder_of(file);
        if let Some(ids) = self.folders.get_mut(folder) {
            ids.remove(&id);
            if ids.is_empty() {
                self.folders.remove(folder);
            }
        }
    }

    /// Files whose folded path starts with `prefix` (a folded folder and its `/`, or `""`),
    /// in no order.
    pub(super) fn under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = FileId> + 'a {
        self.folders
            .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
            .take_while(move |(folder, _)| folder.starts_with(prefix))
            .flat_map(|(_, ids)| ids.iter().copied())
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use crate::index::{Note, Vault};

    fn under(vault: &Vault, folder: &str) -> Vec<String> {
        vault
            .files_under(folder)
            .map(|id| vault.file(id).rel().to_string())
            .collect()
    }

    /// A file's name key is the last segment of its folded path (where `Folders` cuts it):
    /// folding never reads across a `/`, whatever the letters around it.
    #[test]
    fn a_files_name_key_is_the_end_of_its_folded_path_whatever_its_letters() {
        let mut vault = Vault::new(vec![PathBuf::from("/v")]);
        // Final sigma (ς) where a word ends, a folder's end included; decomposed letters
        // composed; İ lowered to two chars.
        let rels = [
            ("ΟΔΟΣ/ΟΔΟΣ.md", "οδο\u{3c2}/οδο\u{3c2}", "οδο\u{3c2}"),
            ("aΣ/Σa.md", "a\u{3c2}/\u{3c3}a", "\u{3c3}a"),
            (
                "Ca\u{301}fe\u{301}/E\u{301}.MD",
                "c\u{e1}f\u{e9}/\u{e9}",
                "\u{e9}",
            ),
            (
                "\u{130}/\u{130}.png",
                "i\u{307}/i\u{307}.png",
                "i\u{307}.png",
            ),
            ("Straße/STRASSE.md", "straße/strasse", "strasse"),
            ("top.md", "top", "top"),
        ];
        for (rel, _, _) in rels {
            let path = Path::new("/v").join(rel);
            match rel.ends_with(".png") {
                true => vault.upsert_attachment(&path),
                false => vault.upsert_note(&path, Note::parse("x")),
            };
        }
        let mut keys: Vec<(String, String)> = vault
            .files()
            .map(|(_, f)| (f.path_key.clone(), f.name_key().to_string()))
            .collect();
        keys.sort();
        // The relative path, read from the end of the path or (decomposed there) its own copy.
        let rel = |path: &str| vault.file(vault.id(Path::new(path)).unwrap()).rel();
        assert_eq!(
            rel("/v/Ca\u{301}fe\u{301}/E\u{301}.MD"),
            "C\u{e1}f\u{e9}/\u{c9}.MD"
        );
        assert_eq!(rel("/v/aΣ/Σa.md"), "aΣ/Σa.md");
        assert_eq!(rel("/v/top.md"), "top.md");
        let mut expected: Vec<(String, String)> = rels
            .iter()
            .map(|(_, path, name)| (path.to_string(), name.to_string()))
            .collect();
        expected.sort();
        assert_eq!(keys, expected);
    }

    #[test]
    fn a_folders_files_follow_files_added_moved_and_removed() {
        let mut vault = Vault::new(vec![PathBuf::from("/v")]);
        for rel in [
            "Templates/Meeting.md",
            "templates/sub/Plain.md",
            "Templates2/Not this.md",
            "Templates.md",
            "a.md",
        ] {
            vault.upsert_note(&Path::new("/v").join(rel), Note::parse("x"));
        }
        vault.upsert_attachment(Path::new("/v/Templates/logo.png"));
        // Any case, with or without slashes; subfolders in; a sibling sharing the prefix out.
        let expected = [
            "Templates/logo.png",
            "Templates/Meeting.md",
            "templates/sub/Plain.md",
        ];
        assert_eq!(under(&vault, "Templates"), expected);
        assert_eq!(under(&vault, "/templates/"), expected);
        assert_eq!(under(&vault, "TEMPLATES/sub"), ["templates/sub/Plain.md"]);
        assert_eq!(under(&vault, "").len(), 6);
        // A note edited in place is still filed once.
        vault.upsert_note(Path::new("/v/Templates/Meeting.md"), Note::parse("y"));
        assert_eq!(under(&vault, "Templates"), expected);

        // A move reaches the index as the disk watcher sees it: the old path gone, the new one
        // added.
        vault.remove(Path::new("/v/Templates/Meeting.md"));
        vault.upsert_note(Path::new("/v/Archive/Minutes.md"), Note::parse("y"));
        assert_eq!(
            under(&vault, "Templates"),
            ["Templates/logo.png", "templates/sub/Plain.md"]
        );
        assert_eq!(under(&vault, "archive"), ["Archive/Minutes.md"]);

        vault.remove(Path::new("/v/templates/sub/Plain.md"));
        vault.upsert_note(Path::new("/v/Templates/Book.md"), Note::parse("z"));
        assert_eq!(
            under(&vault, "Templates"),
            ["Templates/Book.md", "Templates/logo.png"]
        );
        vault.remove_under(Path::new("/v/Templates"));
        assert!(under(&vault, "Templates").is_empty());
        assert_eq!(
            under(&vault, ""),
            [
                "a.md",
                "Archive/Minutes.md",
                "Templates.md",
                "Templates2/Not this.md"
            ]
        );
    }
}
