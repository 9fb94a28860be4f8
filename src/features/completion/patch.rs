//! Candidates patched onto the last full build: after a note is created, removed or renamed,
//! or its aliases change, completion builds candidates for those files alone and lists them
//! beside the last full build's, whose candidates of the same files are hidden. Building every
//! candidate again takes ~0.1–0.25 s at 100,000 notes, which the first completion after such an
//! edit (an unsaved new note opened, a note created from a link) would wait for.

use std::sync::Arc;

use super::candidates::{Candidates, Patch};
use crate::index::{FileId, Vault};

/// Past this many files changed since the last full build, candidates are built afresh: the
/// patch's own candidates are scored with every keystroke's, and a large change (a `git pull`,
/// a folder moved) is cheaper to take in once.
const MAX_PATCHED_FILES: usize = 256;

impl Candidates {
    /// The candidates of `vault` as it is now, from `cached`, the ones last used: those when no
    /// name changed since they were built; patched onto their last full build when the vault
    /// can tell which files' names changed and they are few; else built afresh.
    pub fn current(cached: Option<&Arc<Candidates>>, vault: &Vault) -> Arc<Candidates> {
        match cached {
            Some(c) if c.generation == vault.listed_generation() => c.clone(),
            Some(c) => match Candidates::patched(c, vault) {
                Some(patched) => Arc::new(patched),
                None => Arc::new(Candidates::build(vault)),
            },
            None => Arc::new(Candidates::build(vault)),
        }
    }

    /// Candidates for the files whose names changed since `cached`'s full build, patched onto
    /// it; `None` when the vault cannot tell which those are, or they are too many.
    fn patched(cached: &Arc<Candidates>, vault: &Vault) -> Option<Candidates> {
        let base = cached.patch.as_ref().map_or(cached, |p| &p.base);
        let mut changed: Vec<FileId> = vault.names_changed_since(base.generation)?.collect();
        changed.sort_unstable();
        changed.dedup();
        if changed.len() > MAX_PATCHED_FILES {
            return None;
        }
        // A file gone since has no candidates; its id, freed, may name a new file by now.
        let files: Vec<_> = changed
            .iter()
            .filter_map(|&id| Some((id, vault.get(id)?)))
            .collect();
        let mut patched = Candidates::of_files(&files);
        patched.index_bytes();
        patched.generation = vault.listed_generation();
        // The base's candidates lie in its files' order, as `changed` does.
        let hidden = changed
            .iter()
            .flat_map(|&id| base.of_file(id))
            .map(|i| i as u32)
            .collect();
        patched.patch = Some(Patch {
            base: base.clone(),
            hidden,
        });
        Some(patched)
    }

    /// Whether candidate `i` is one of the base's hidden by a patch (see [`Patch`]), asked of
    /// the base with the patch's `hidden`.
    pub(super) fn is_hidden(hidden: &[u32], i: u32) -> bool {
        !hidden.is_empty() && hidden.binary_search(&i).is_ok()
    }
}

#[cfg(test)]
#[path = "patch_tests.rs"]
mod tests;
