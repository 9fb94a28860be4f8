//! Logs of what changed generation by generation, for caches of whole-vault lists to follow
//! an edit instead of building the list again: the link keys whose counts changed (completion's
//! popularity, `counts.rs`) and the files whose names changed (completion's candidates).

use super::{FileId, Vault};

/// Past this many entries a log starts again: a change that large (a bulk load, a `git pull`)
/// is cheaper to follow by building everything again.
const MAX_ENTRIES: usize = 4096;

/// What changed after generation `since`, up to generation `until`, each entry with the
/// generation that changed it. Every change goes through [`ChangeLog::record`], leaves `until`
/// behind the vault's generation (a bulk filing, a sketch's seeded counts), which the log then
/// does not answer for, or is no change at all (an edit that takes a note's links out and puts
/// the same back sets the counts' generation back).
#[derive(Debug)]
pub(super) struct ChangeLog<T> {
    since: u64,
    until: u64,
    entries: Vec<(u64, T)>,
}

impl<T> Default for ChangeLog<T> {
    fn default() -> Self {
        ChangeLog {
            since: 0,
            until: 0,
            entries: Vec::new(),
        }
    }
}

impl<T> ChangeLog<T> {
    /// The generation went from `from` to `to` by changes to `entries`.
    pub(super) fn record(&mut self, from: u64, to: u64, entries: impl IntoIterator<Item = T>) {
        if from == to {
            return;
        }
        if self.until != from {
            // A change in between went unrecorded: nothing before `from` can be told.
            self.entries.clear();
            self.since = from;
        }
        self.until = to;
        for entry in entries {
            if self.entries.len() == MAX_ENTRIES {
                self.entries.clear();
                self.since = to;
                return;
            }
            self.entries.push((to, entry));
        }
    }

    /// What changed after generation `then`, when the log knows every change up to `now`, the
    /// vault's generation; `None` when it cannot tell.
    pub(super) fn since(&self, then: u64, now: u64) -> Option<impl Iterator<Item = &T>> {
        (self.since <= then && then <= now && self.until == now).then(|| {
            let at = self
                .entries
                .partition_point(|&(generation, _)| generation <= then);
            self.entries[at..].iter().map(|(_, entry)| entry)
        })
    }
}

impl Vault {
    /// The names as completion lists them: [`Vault::names_generation`] (names, paths and
    /// aliases as links fold them), moved on too when an alias is rewritten folding the same.
    /// Unlinked mentions, which match folded names, follow the former alone.
    pub fn listed_generation(&self) -> u64 {
        self.names_generation + self.spellings
    }

    /// The aliases of note `id` as written: completion lists them so, where links fold them
    /// ([`Vault::keys_of`]).
    pub(super) fn aliases_written(&self, id: FileId) -> Vec<String> {
        let note = self.get(id).and_then(super::File::note);
        note.into_iter()
            .flat_map(|n| n.syntax.aliases())
            .map(|a| a.to_string())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn since(log: &ChangeLog<&'static str>, then: u64, now: u64) -> Option<Vec<&'static str>> {
        log.since(then, now)
            .map(|entries| entries.copied().collect())
    }

    #[test]
    fn the_entries_changed_after_a_generation_are_told_while_every_change_was_recorded() {
        let mut log = ChangeLog::default();
        log.record(0, 1, ["a", "b"]);
        log.record(1, 3, ["c"]);
        assert_eq!(since(&log, 0, 3), Some(vec!["a", "b", "c"]));
        assert_eq!(since(&log, 1, 3), Some(vec!["c"]));
        assert_eq!(since(&log, 3, 3), Some(vec![]));
        // The vault moved on without recording: the log cannot tell what changed.
        assert_eq!(since(&log, 1, 4), None);
    }

    #[test]
    fn a_change_left_unrecorded_forgets_what_came_before_it() {
        let mut log = ChangeLog::default();
        log.record(0, 1, ["a"]);
        // Generation 2 came from a bulk filing, never recorded.
        log.record(2, 3, ["b"]);
        assert_eq!(since(&log, 0, 3), None);
        assert_eq!(since(&log, 1, 3), None);
        assert_eq!(since(&log, 2, 3), Some(vec!["b"]));
    }

    #[test]
    fn more_entries_than_the_log_holds_start_it_again() {
        let mut log = ChangeLog::default();
        log.record(0, 1, ["a"]);
        log.record(1, 2, std::iter::repeat_n("k", MAX_ENTRIES));
        assert_eq!(since(&log, 1, 2), None);
        assert_eq!(since(&log, 2, 2), Some(vec![]));
        log.record(2, 3, ["z"]);
        assert_eq!(since(&log, 2, 3), Some(vec!["z"]));
    }

    /// A note read again from the same bytes moves nothing but its stamp (its unlinked
    /// mentions are scanned again); from other bytes it is filed again; a buffer's note (its
    /// text held, not the file's) is always filed again.
    #[test]
    fn a_note_read_again_from_the_same_bytes_moves_no_generation() {
        let dir = std::env::temp_dir().join(format!("notegraph-refresh-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.md");
        std::fs::write(&path, "# A\n[[b]]\n").unwrap();
        let mut vault = Vault::new(vec![dir.clone()]);
        vault.upsert_note(&path, crate::loader::read_note(&path).unwrap());
        let generation = vault.generation();
        let stamp = |vault: &Vault| vault.note(vault.id(&path).unwrap()).unwrap().stamp.unwrap();
        let before = stamp(&vault);

        // Touched: the same bytes, a later time.
        let later = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(later)
            .unwrap();
        let again = crate::loader::read_note(&path).unwrap();
        let change = vault.refresh_note(&path, again);
        assert_eq!(vault.generation(), generation);
        assert!(change.keys.is_empty(), "{:?}", change.keys);
        assert_ne!(
            stamp(&vault).mtime_ns,
            before.mtime_ns,
            "the new stamp is kept"
        );
        assert_eq!(
            (stamp(&vault).size, stamp(&vault).hash),
            (before.size, before.hash)
        );

        // Its unlinked mentions are scanned again all the same: a scan made while the file
        // held other bytes found nothing (here: its list emptied as that scan left it).
        let beta = dir.join("Beta.md");
        std::fs::write(&beta, "").unwrap();
        vault.upsert_note(&beta, crate::loader::read_note(&beta).unwrap());
        std::fs::write(&path, "# A\n[[b]]\n").unwrap();
        let mentions = |vault: &Vault| vault.mentions_of("beta").len();
        vault.refresh_note(&path, crate::loader::read_note(&path).unwrap());
        std::fs::write(&path, "# A\n[[b]] and Beta\n").unwrap();
        vault.refresh_note(&path, crate::loader::read_note(&path).unwrap());
        vault.refresh_mentions();
        assert_eq!(mentions(&vault), 1);
        let a = vault.id(&path).unwrap();
        vault.mentions.file(a, Vec::new());
        assert_eq!(mentions(&vault), 0);
        let generation = vault.generation();
        vault.refresh_note(&path, crate::loader::read_note(&path).unwrap());
        assert_eq!(vault.generation(), generation);
        assert_eq!(mentions(&vault), 1);

        // Changed: filed again.
        std::fs::write(&path, "# A\n[[c]]\n").unwrap();
        vault.refresh_note(&path, crate::loader::read_note(&path).unwrap());
        assert!(vault.generation() > generation);
        let id = vault.id(&path).unwrap();
        assert_eq!(vault.note(id).unwrap().syntax.links[0].target.as_str(), "c");

        // A buffer's note with the file's stamp (its text the same as the file's): filed again,
        // so that the note takes the file's form and leaves the buffer's text.
        let file = crate::loader::read_note(&path).unwrap();
        let buffer = crate::index::Note::parse_over("# A\n[[c]]\n".to_string(), Some(&file));
        assert!(buffer.stamp.is_some());
        vault.upsert_note(&path, buffer);
        let generation = vault.generation();
        vault.refresh_note(&path, crate::loader::read_note(&path).unwrap());
        assert!(vault.generation() > generation);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
