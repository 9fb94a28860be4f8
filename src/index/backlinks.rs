//! Backlinks: every link that resolves to a file, found through the reverse index of links by
//! target key, never by reading the vault. [`KeyRefs`] is that index's entry for one key.

use super::{Broken, FileId, Vault, keys};

impl Vault {
    /// Every link in the vault that resolves to `target`, as (source note, index into its links),
    /// plus same-note links inside `target` itself. Looks only at links filed under the target's
    /// keys, never at the whole vault.
    pub fn backlinks(&self, target: FileId) -> Vec<(FileId, usize)> {
        self.first_backlinks(target, usize::MAX)
    }

    /// [`Vault::backlinks`], of which only the first `wanted` are needed: sources are read in
    /// order and the reading stops once `wanted` links from them are found, so the answer
    /// starts with the first `wanted` of the whole list (every link from a later source sorts
    /// after them) and may hold more. An answer capped at 10,000 locations need not resolve
    /// the links of a note cited 25,000 times.
    pub fn first_backlinks(&self, target: FileId, wanted: usize) -> Vec<(FileId, usize)> {
        let mut out = Vec::new();
        let mut sources: Vec<FileId> = Vec::new();
        let target_keys = self.keys_of(target);
        for key in &target_keys {
            sources.extend(self.sources_with_key(key));
        }
        sources.sort();
        sources.dedup();
        for source in sources {
            if out.len() >= wanted {
                break;
            }
            let Some(note) = self.note(source) else {
                continue;
            };
            for (i, link) in note.syntax.links.iter().enumerate() {
                // Only a link filed under one of the target's keys can reach it (the invariant
                // the reverse index rests on): resolve those alone.
                if link.is_same_note() || !keys::link_key_in(&link.target, &target_keys) {
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

/// Which notes hold links filed under one key, and how many links in all: (note, links) pairs
/// sorted by note. A sorted list, not a map: most keys have a handful of sources, and a map
/// allocated per key cost several times their bytes; a key linked from many notes still finds
/// a source by binary search, and a load files notes in id order, so adding one appends. A key
/// with one source keeps it inline, without an allocation (the key of a note linked from one
/// other note, or a spelling only one note uses).
#[derive(Debug, Default)]
pub(super) struct KeyRefs {
    sources: smallvec::SmallVec<[(FileId, u32); 1]>,
    pub(super) total: u32,
}

impl KeyRefs {
    /// The notes holding links under the key, in id order.
    pub(super) fn sources(&self) -> impl Iterator<Item = FileId> + '_ {
        self.sources.iter().map(|&(id, _)| id)
    }

    /// One more link from `id`.
    pub(super) fn add(&mut self, id: FileId) {
        self.total += 1;
        match self.sources.binary_search_by_key(&id, |&(s, _)| s) {
            Ok(i) => self.sources[i].1 += 1,
            Err(i) => self.sources.insert(i, (id, 1)),
        }
    }

    /// One link fewer from `id`; true when no link is left under the key and no count: a
    /// sketch's seeded count (`Vault::seed_popularity`, no source behind it) stays when a note
    /// takes out the link it put in, so that taking it out and putting it back leaves the count
    /// as it was — which completion's cached popularity relies on.
    pub(super) fn remove(&mut self, id: FileId) -> bool {
        self.total = self.total.saturating_sub(1);
        if let Ok(i) = self.sources.binary_search_by_key(&id, |&(s, _)| s) {
            self.sources[i].1 -= 1;
            if self.sources[i].1 == 0 {
                self.sources.remove(i);
            }
        }
        // Back inline once one source is left: a spilled list of two keeps room for two.
        if self.sources.len() * 2 < self.sources.capacity()
            || (self.sources.spilled() && self.sources.len() <= 1)
        {
            self.sources.shrink_to_fit();
        }
        self.sources.is_empty() && self.total == 0
    }
}

#[cfg(test)]
mod tests {
    use super::{FileId, KeyRefs};

    /// A seeded count (a sketch's, no source behind it) survives a note's link taken out and
    /// put back: the count comes back to what it was.
    #[test]
    fn a_seeded_count_survives_a_link_taken_out_and_put_back() {
        let mut refs = KeyRefs {
            total: 5,
            ..KeyRefs::default()
        };
        refs.add(FileId(1));
        assert_eq!(refs.total, 6);
        assert!(!refs.remove(FileId(1)), "the seeded count is kept");
        refs.add(FileId(1));
        assert_eq!(refs.total, 6);
    }

    /// The old map's behaviour: per note the count of its links, the total of all, empty when
    /// the last link goes; sources come out in id order whatever order they came in.
    #[test]
    fn key_refs_count_links_per_note_and_forget_a_note_with_its_last_link() {
        let mut refs = KeyRefs::default();
        for id in [7, 3, 7, 5, 3, 7] {
            refs.add(FileId(id));
        }
        assert_eq!(
            refs.sources().collect::<Vec<_>>(),
            [FileId(3), FileId(5), FileId(7)]
        );
        assert_eq!(
            refs.sources[..],
            [(FileId(3), 2), (FileId(5), 1), (FileId(7), 3)]
        );
        assert_eq!(refs.total, 6);
        assert!(!refs.remove(FileId(5)));
        assert!(
            !refs.remove(FileId(9)),
            "a note with no link there changes no source"
        );
        assert_eq!(refs.sources[..], [(FileId(3), 2), (FileId(7), 3)]);
        for _ in 0..2 {
            assert!(!refs.remove(FileId(3)));
        }
        assert!(!refs.remove(FileId(7)));
        assert!(!refs.remove(FileId(7)));
        assert!(refs.remove(FileId(7)));
        assert_eq!(refs.sources().count(), 0);
    }

    /// A key linked from one note keeps its source without an allocation, however many links
    /// that note has under it, and goes back to that when all but one source are gone.
    #[test]
    fn a_key_with_one_source_keeps_it_inline() {
        let mut refs = KeyRefs::default();
        for _ in 0..3 {
            refs.add(FileId(4));
        }
        assert_eq!(refs.sources[..], [(FileId(4), 3)]);
        assert!(!refs.sources.spilled());
        for id in [1, 9] {
            refs.add(FileId(id));
        }
        assert!(refs.sources.spilled());
        assert!(!refs.remove(FileId(1)));
        assert!(!refs.remove(FileId(9)));
        assert_eq!(refs.sources[..], [(FileId(4), 3)]);
        assert!(!refs.sources.spilled());
        // From two sources (a list spilled with room for two) down to one.
        refs.add(FileId(6));
        assert!(refs.sources.spilled());
        assert!(!refs.remove(FileId(6)));
        assert_eq!(refs.sources[..], [(FileId(4), 3)]);
        assert!(!refs.sources.spilled());
    }
}
