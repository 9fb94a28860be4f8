//! Link counts as completion ranks by them: each name's popularity, what a restart's sketch is
//! seeded with, and which keys' counts changed generation by generation. Completion keeps the
//! popularity of the names it ranks ([`Vault::key_ref_count`]) and, after an edit that adds or
//! removes a link, brings it up to date for the few keys the edit touched instead of looking
//! up thousands again.

use crate::syntax::Name;

use super::changes::ChangeLog;
use super::{Vault, bulk};

/// The keys whose link counts changed, generation by generation.
pub(super) type CountsLog = ChangeLog<Name>;

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
        self.counts_log
            .since(then, self.counts_generation)
            .map(|keys| keys.map(Name::as_str))
    }

    /// How many links name each file's name key, for the keys named at least once: what
    /// completion ranks by ([`Vault::key_ref_count`]), kept in the on-disk index's names
    /// section so that a sketch ([`Vault::seed_popularity`]) ranks as the full index does.
    /// Borrowed from the files' own keys: 100,000 copied strings were a fifth of what writing
    /// the on-disk index allocated.
    pub fn name_popularity(&self) -> Vec<(&str, u32)> {
        let mut out: Vec<(&str, u32)> = self
            .files()
            .filter_map(|(_, file)| {
                let n = self.key_ref_count(file.name_key());
                (n > 0).then(|| (file.name_key(), n))
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
        bulk::seed_counts(&mut self.links_by_key, popularity);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
