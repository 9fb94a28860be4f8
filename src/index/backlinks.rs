//! Backlinks: every link that resolves to a file, found through the reverse index of links by
//! target key, never by reading the vault.

use super::{Broken, FileId, Vault, keys};

impl Vault {
    /// Every link in the vault that resolves to `target`, as (source note, index into its links),
    /// plus same-note links inside `target` itself. Looks only at links filed under the target's
    /// keys, never at the whole vault.
    pub fn backlinks(&self, target: FileId) -> Vec<(FileId, usize)> {
        let mut out = Vec::new();
        let mut sources: Vec<FileId> = Vec::new();
        let target_keys = self.keys_of(target);
        for key in &target_keys {
            sources.extend(self.sources_with_key(key));
        }
        sources.sort();
        sources.dedup();
        for source in sources {
            let Some(note) = self.note(source) else {
                continue;
            };
            for (i, link) in note.syntax.links.iter().enumerate() {
                // Only a link filed under one of the target's keys can reach it (the invariant
                // the reverse index rests on): resolve those alone.
                if link.is_same_note() || !target_keys.contains(&keys::link_key(&link.target)) {
                    continue;
                }
                if let Ok(resolved)
                | Err(Broken::Heading { resolved, .. } | Broken::Block { resolved, .. }) =
                    self.resolve(source, link)
                {
                    if resolved.file == target {
                        out.push((source, i));
                    }
                }
            }
        }
        if let Some(note) = self.note(target) {
            out.extend(
                note.syntax
                    .links
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| l.is_same_note())
                    .map(|(i, _)| (target, i)),
            );
        }
        out.sort();
        out
    }
}
