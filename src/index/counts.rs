//! Link counts as completion ranks by them: each name's popularity, what a restart's sketch is
//! seeded with, and which keys' counts changed generation by generation. Completion keeps the
//! popularity of the names it ranks ([`Vault::key_ref_count`]) and, after an edit that adds or
//! removes a link, brings it up to date for the few keys the edit touched instead of looking
//! up thousands again.

use crate::syntax::Name;

use super::{Vault, bulk, seed_counts};

/// Past this many keys the log starts again: a change that large (a bulk load, a `git pull`)
/// is cheaper to follow by looking everything up again.
const MAX_KEYS: usize = 4096;

/// The keys whose link counts changed after generation `since`, up to generation `until`, each
/// with the generation that changed it. Every change of the counts goes through
/// [`CountsLog::record`], leaves `until` behind the vault's generation (a bulk filing, a
/// sketch's seeded counts), which the log then does not answer for, or is no change at all (an
/// edit that takes a note's links out and puts the same back sets the generation back).
#[derive(Debug, Default)]
pub(super) struct CountsLog {
    since: u64,
    until: u64,
    keys: Vec<(u64, Name)>,
}

impl CountsLog {
    /// The counts went from generation `from` to `to` by changes to the counts of `keys`.
    pub(super) fn record<'a>(&mut self, from: u64, to: u64, keys: impl Iterator<Item = &'a str>) {
        if from == to {
            return;
        }
        if self.until != from {
            // A change in between went unrecorded: nothing before `from` can be told.
            self.keys.clear();
            self.since = from;
        }
        self.until = to;
        for key in keys {
            if self.keys.len() == MAX_KEYS {
                self.keys.clear();
                self.since = to;
                return;
            }
            self.keys.push((to, Name::new(key)));
        }
    }

    /// The keys whose counts changed after generation `then`, when the log knows every one up
    /// to `now`, the vault's generation; `None` when it cannot tell.
    pub(super) fn since(&self, then: u64, now: u64) -> Option<impl Iterator<Item = &str>> {
        (self.since <= then && then <= now && self.until == now).then(|| {
            let at = self
                .keys
                .partition_point(|&(generation, _)| generation <= then);
            self.keys[at..].iter().map(|(_, key)| key.as_str())
        })
    }
}

/// The keys `unfiled` and `filed` (a note's link keys before and after an edit, one per
/// link) hold a different number of times: the keys whose counts the edit changed. Editing
/// one link of a note with hundreds changes one or two counts, not hundreds.
pub(super) fn changed<'a>(unfiled: &'a bulk::Keys, filed: &'a bulk::Keys) -> Vec<&'a str> {
    let (mut before, mut after): (Vec<&str>, Vec<&str>) =
        (unfiled.iter().collect(), filed.iter().collect());
    before.sort_unstable();
    after.sort_unstable();
    let mut out = Vec::new();
    let (mut b, mut a) = (before.as_slice(), after.as_slice());
    loop {
        let key = match (b.first(), a.first()) {
            (Some(&x), Some(&y)) => x.min(y),
            (Some(&x), None) | (None, Some(&x)) => x,
            (None, None) => return out,
        };
        let in_before = b.iter().take_while(|&&k| k == key).count();
        let in_after = a.iter().take_while(|&&k| k == key).count();
        if in_before != in_after {
            out.push(key);
        }
        b = &b[in_before..];
        a = &a[in_after..];
    }
}

impl Vault {
    /// The keys whose link counts ([`Vault::key_ref_count`]) changed since counts generation
    /// `then`, when the vault can tell (edits since then added or removed a few links); `None`
    /// when it cannot, and every count must be taken as changed.
    pub fn counts_changed_since(&self, then: u64) -> Option<impl Iterator<Item = &str>> {
        self.counts_log.since(then, self.counts_generation)
    }

    /// How many links name each file's name key, for the keys named at least once: what
    /// completion ranks by ([`Vault::key_ref_count`]), kept in the on-disk index's names
    /// section so that a sketch ([`Vault::seed_popularity`]) ranks as the full index does.
    pub fn name_popularity(&self) -> Vec<(String, u32)> {
        let mut out: Vec<(String, u32)> = self
            .files()
            .filter_map(|(_, file)| {
                let n = self.key_ref_count(&file.name_key);
                (n > 0).then(|| (file.name_key.clone(), n))
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Give a sketch — a vault of names alone, whose links are not filed — the popularity the
    /// full index had ([`Vault::name_popularity`]). Only counts: no link is behind them, so
    /// nothing that lists links (references, backlinks) may be answered from such a vault.
    pub fn seed_popularity(&mut self, popularity: &[(&str, u32)]) {
        self.counts_generation += 1;
        seed_counts(&mut self.links_by_key, popularity);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn since(log: &CountsLog, then: u64, now: u64) -> Option<Vec<&str>> {
        log.since(then, now).map(Iterator::collect)
    }

    #[test]
    fn the_keys_changed_after_a_generation_are_told_while_every_change_was_recorded() {
        let mut log = CountsLog::default();
        log.record(0, 1, ["a", "b"].into_iter());
        log.record(1, 3, ["c"].into_iter());
        assert_eq!(since(&log, 0, 3), Some(vec!["a", "b", "c"]));
        assert_eq!(since(&log, 1, 3), Some(vec!["c"]));
        assert_eq!(since(&log, 3, 3), Some(vec![]));
        // The vault moved on without recording: the log cannot tell what changed.
        assert_eq!(since(&log, 1, 4), None);
    }

    #[test]
    fn a_change_left_unrecorded_forgets_what_came_before_it() {
        let mut log = CountsLog::default();
        log.record(0, 1, ["a"].into_iter());
        // Generation 2 came from a bulk filing, never recorded.
        log.record(2, 3, ["b"].into_iter());
        assert_eq!(since(&log, 0, 3), None);
        assert_eq!(since(&log, 1, 3), None);
        assert_eq!(since(&log, 2, 3), Some(vec!["b"]));
    }

    #[test]
    fn an_edit_changes_the_counts_of_the_keys_it_links_a_different_number_of_times() {
        let keys = |list: &[&str]| {
            let mut out = bulk::Keys::default();
            for key in list {
                out.push(key);
            }
            out
        };
        let before = keys(&["b", "a", "c", "a", "d"]);
        let after = keys(&["a", "c", "e", "b", "a", "c"]);
        assert_eq!(changed(&before, &after), ["c", "d", "e"]);
        assert!(changed(&before, &keys(&["d", "a", "c", "b", "a"])).is_empty());
    }

    #[test]
    fn more_keys_than_the_log_holds_start_it_again() {
        let mut log = CountsLog::default();
        log.record(0, 1, ["a"].into_iter());
        let many: Vec<String> = (0..MAX_KEYS).map(|i| format!("k{i}")).collect();
        log.record(1, 2, many.iter().map(String::as_str));
        assert_eq!(since(&log, 1, 2), None);
        assert_eq!(since(&log, 2, 2), Some(vec![]));
        log.record(2, 3, ["z"].into_iter());
        assert_eq!(since(&log, 2, 3), Some(vec!["z"]));
    }
}
