//! Files by folder: every file's folded path in order, so that the files under a folder are one
//! range of it. Finding what a folder holds (the templates folder's notes) then costs what the
//! folder holds, never a walk of the vault; kept per file as files appear, move and disappear.

use std::collections::BTreeSet;
use std::ops::Bound;

use super::FileId;

#[derive(Debug, Default)]
pub(super) struct Folders {
    /// (`File::path_key`, file). A key can repeat: the same path in two roots, or `x.md` and
    /// `X.md` on a file system that tells them apart.
    paths: BTreeSet<(String, FileId)>,
}

impl Folders {
    pub(super) fn insert(&mut self, path_key: &str, id: FileId) {
        self.paths.insert((path_key.to_string(), id));
    }

    /// Insert many at once: sorted once and merged, not a tree insert each.
    pub(super) fn extend(&mut self, files: Vec<(String, FileId)>) {
        let mut fresh: BTreeSet<(String, FileId)> = files.into_iter().collect();
        self.paths.append(&mut fresh);
    }

    pub(super) fn remove(&mut self, path_key: &str, id: FileId) {
        self.paths.remove(&(path_key.to_string(), id));
    }

    /// Files whose folded path starts with `prefix` (a folded folder and its `/`), in path order.
    pub(super) fn under<'a>(&'a self, prefix: String) -> impl Iterator<Item = FileId> + 'a {
        let start = (prefix.clone(), FileId(0));
        self.paths
            .range((Bound::Included(start), Bound::Unbounded))
            .take_while(move |(key, _)| key.starts_with(&prefix))
            .map(|(_, id)| *id)
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use crate::index::{Note, Vault};

    fn under(vault: &Vault, folder: &str) -> Vec<String> {
        vault
            .files_under(folder)
            .map(|id| vault.file(id).rel.clone())
            .collect()
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
