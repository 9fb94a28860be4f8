//! What a load found, and the vault built from it: notes read already are filed at once, notes
//! not read yet are read as they are filed.

use std::path::PathBuf;

use super::{Exclude, Skipped, load_cached, read_note};
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

/// Read and parse every note under `roots` in parallel. `progress(done, total)` is called from
/// worker threads as notes finish.
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
        let total = self.unread.len();
        let done = std::sync::atomic::AtomicUsize::new(0);
        let unreadable = std::sync::Mutex::new(Vec::new());
        vault.read_notes(self.unread, &|path| {
            let note = match read_note(path) {
                Ok(note) => Some(Box::new(note)),
                Err(skip) => {
                    tracing::warn!("skipped {}: {}", skip.path.display(), skip.reason);
                    unreadable
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(skip);
                    None
                }
            };
            let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            if n % 256 == 0 || n == total {
                progress(n, total);
            }
            note
        });
        // In the order of their paths, as a load that read them first listed them.
        let mut unreadable = unreadable.into_inner().unwrap_or_else(|e| e.into_inner());
        unreadable.sort_by(|a, b| a.path.cmp(&b.path));
        let mut skipped = self.skipped;
        skipped.extend(unreadable);
        (vault, skipped)
    }
}
