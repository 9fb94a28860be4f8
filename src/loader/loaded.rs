//! What a load found, and the vault built from it: notes read already are filed at once, notes
//! not read yet are read as they are filed.

use std::path::PathBuf;

use super::{Counted, Exclude, Skipped, load_cached, read_note};
use crate::cache::CachedBibliography;
use crate::index::{Dialect, Note, Vault};

/// What a load found: parsed notes and attachments, and what was skipped.
pub struct Loaded {
    /// Boxed where they are read and filed as they are (unboxed, 50k notes copied 16 MB twice).
    pub notes: Vec<(PathBuf, Box<Note>)>,
    /// Notes not read yet: [`Loaded::into_vault`] reads them as it files them (a load without
    /// an on-disk index reads every note so).
    pub unread: Vec<PathBuf>,
    pub attachments: Vec<PathBuf>,
    pub skipped: Vec<Skipped>,
    /// The bibliographies the on-disk index held, for [`load_bibliographies`].
    pub bibliographies: CachedBibliographies,
}

/// Parsed bibliographies from the on-disk index, by path.
pub type CachedBibliographies = rustc_hash::FxHashMap<PathBuf, CachedBibliography>;

/// Walk the vault under `roots`: every note is listed unread, for [`Loaded::into_vault`] to read
/// and parse as it files them. `progress` is not called (without an on-disk index nothing is
/// read here; [`Loaded::into_vault_reporting`] reports the reading).
pub fn load(
    roots: &[PathBuf],
    exclude: &Exclude,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Loaded {
    load_cached(roots, exclude, progress, None).0
}

impl Loaded {
    /// Build the index from what was loaded.
    pub fn into_vault(self, roots: Vec<PathBuf>) -> (Vault, Vec<Skipped>) {
        self.into_vault_reporting(roots, &|_, _| {})
    }

    /// [`Loaded::into_vault`], calling `progress(done, total)` as the unread notes are read.
    pub fn into_vault_reporting(
        self,
        roots: Vec<PathBuf>,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> (Vault, Vec<Skipped>) {
        let dialect = Dialect::of_files(&roots, self.attachments.iter().map(PathBuf::as_path));
        let mut vault = Vault::new(roots);
        vault.dialect = dialect;
        for path in &self.attachments {
            vault.upsert_attachment(path);
        }
        vault.insert_notes(self.notes);
        let counted = Counted::new(self.unread.len(), 256, progress);
        let unreadable = vault.read_notes(self.unread, &|path| {
            let note = read_note(path).map(Box::new);
            if let Err(skip) = &note {
                tracing::warn!("skipped {}: {}", skip.path.display(), skip.reason);
            }
            counted.step();
            note
        });
        let mut skipped = self.skipped;
        skipped.extend(unreadable);
        (vault, skipped)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::Scratch;
    use super::super::{Skipped, read_note, walk};
    use super::*;

    /// A load without an on-disk index (nested roots: `sub` walked twice; binary notes, one
    /// note gone between the walk and the read) builds the vault, and lists the skipped files
    /// in the order, of reading every walked note first, in walk order, and filing those read.
    #[test]
    fn a_cold_load_builds_the_vault_and_skips_of_reading_every_note_first() {
        let dir = Scratch::new("cold-order");
        let root = dir.0.join("v");
        let roots = vec![root.clone(), root.join("sub")];
        for i in 0..40 {
            let rel = if i % 3 == 0 {
                format!("v/sub/n{i}.md")
            } else {
                format!("v/n{i}.md")
            };
            if i % 4 == 1 {
                std::fs::create_dir_all(dir.0.join(rel.rsplit_once('/').unwrap().0)).unwrap();
                std::fs::write(dir.0.join(&rel), b"\x89PNG\r\n\x1a\n\x00\x00").unwrap();
            } else {
                dir.write(
                    &rel,
                    &format!("# n{i}\n[[n{}]] #t{}\n", (i + 1) % 40, i % 3),
                );
            }
        }
        dir.write("v/img.png", "x");
        let (loaded, _) = load_cached(&roots, &Exclude::default(), &|_, _| {}, None);
        // What reading every note first gave: walk order, the notes read filed at once.
        let walked = walk(&roots, &Exclude::default());
        // Gone between the walk and the read.
        let gone = root.join("n2.md");
        std::fs::remove_file(&gone).unwrap();
        let (notes, attachments): (Vec<PathBuf>, Vec<PathBuf>) = walked
            .into_iter()
            .partition(|p| crate::index::is_note_path(p));
        let mut expected_skipped: Vec<Skipped> = Vec::new();
        let mut read = Vec::new();
        for path in notes {
            match read_note(&path) {
                Ok(note) => read.push((path, Box::new(note))),
                Err(skip) => expected_skipped.push(skip),
            }
        }
        let dialect = Dialect::of_files(&roots, attachments.iter().map(PathBuf::as_path));
        let mut expected = Vault::new(roots.clone());
        expected.dialect = dialect;
        for path in &attachments {
            expected.upsert_attachment(path);
        }
        expected.insert_notes(read);

        let (vault, skipped) = loaded.into_vault(roots.clone());
        let files = |v: &Vault| -> Vec<String> {
            v.files()
                .map(|(id, f)| {
                    format!(
                        "{id:?} {} {} {:?}",
                        f.path.display(),
                        f.revision,
                        f.note().map(|n| n.text().to_string())
                    )
                })
                .collect()
        };
        assert_eq!(files(&vault), files(&expected));
        assert_eq!(vault.names_generation(), expected.names_generation());
        assert_eq!(vault.links_generation(), expected.links_generation());
        assert!(expected_skipped.iter().any(|s| s.path == gone));
        assert_eq!(
            skipped.iter().map(|s| s.path.clone()).collect::<Vec<_>>(),
            expected_skipped
                .iter()
                .map(|s| s.path.clone())
                .collect::<Vec<_>>(),
            "skipped in walk order"
        );
        assert_eq!(skipped, expected_skipped);
    }
}
