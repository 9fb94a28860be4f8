//! Frontmatter properties across the vault: per key, how many notes use it and which values
//! they give it, updated one note at a time; and the types Obsidian's `.obsidian/types.json`
//! assigns to keys (set by whoever reads that file).

use std::cmp::Reverse;
use std::collections::BTreeSet;
use std::ops::Bound;
use std::sync::Arc;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::Note;
use crate::syntax::Frontmatter;

/// A property type as Obsidian names it in `types.json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PropertyType {
    Text,
    /// `multitext` in `types.json`; `list` is accepted too.
    List,
    Number,
    Checkbox,
    Date,
    DateTime,
    Aliases,
    Tags,
}

impl PropertyType {
    /// The type named `name` in `types.json`, if Obsidian has one by that name.
    pub fn parse(name: &str) -> Option<PropertyType> {
        Some(match name {
            "text" => PropertyType::Text,
            "multitext" | "list" => PropertyType::List,
            "number" => PropertyType::Number,
            "checkbox" => PropertyType::Checkbox,
            "date" => PropertyType::Date,
            "datetime" => PropertyType::DateTime,
            "aliases" => PropertyType::Aliases,
            "tags" => PropertyType::Tags,
            _ => return None,
        })
    }

    /// The name a user sees (Obsidian's, with `list` for `multitext`).
    pub fn name(self) -> &'static str {
        match self {
            PropertyType::Text => "text",
            PropertyType::List => "list",
            PropertyType::Number => "number",
            PropertyType::Checkbox => "checkbox",
            PropertyType::Date => "date",
            PropertyType::DateTime => "date & time",
            PropertyType::Aliases => "aliases",
            PropertyType::Tags => "tags",
        }
    }
}

/// One value of one key: its spelling and how many notes give it.
#[derive(Debug, Default)]
pub struct ValueStats {
    pub text: Arc<str>,
    pub notes: u32,
}

/// One key across the vault. Besides the values by text, two orders of them are kept as notes
/// come and go, so that completion and hover read the few values they show without looking at
/// all of them: a key like `id:` has a value per note.
#[derive(Debug, Default)]
pub struct KeyStats {
    /// The spelling first seen, for display.
    pub name: String,
    /// Notes whose frontmatter has the key.
    pub notes: u32,
    /// By exact value text.
    values: HashMap<Arc<str>, ValueStats>,
    /// (lower-cased text, text), in order: the values starting with what is typed are a range.
    by_text: BTreeSet<(Arc<str>, Arc<str>)>,
    /// (notes giving it, most first; lower-cased text, text) of the values two notes or more
    /// give: the most common values first, ties alphabetical ignoring case. Those one note
    /// gives follow in `by_text`'s order, which is theirs: kept once, not in both orders (a
    /// key whose values are one per note, `aliases:` or `id:`, had a second tree of them).
    by_count: BTreeSet<(Reverse<u32>, Arc<str>, Arc<str>)>,
    /// Distinct values written as links (`[[…`): what makes a key link-valued.
    links: usize,
}

/// Lower case, shared with the text itself when that is lower case already (most values).
fn lower(text: &Arc<str>) -> Arc<str> {
    if text.chars().any(char::is_uppercase) {
        text.to_lowercase().into()
    } else {
        text.clone()
    }
}

/// Move `text` in `by_count` from the place of a value `from` notes give to that of one `to`
/// notes give: only values two notes or more give are in it (see `KeyStats::by_count`).
fn reorder_count(
    by_count: &mut BTreeSet<(Reverse<u32>, Arc<str>, Arc<str>)>,
    text: &Arc<str>,
    from: u32,
    to: u32,
) {
    if from == to || (from <= 1 && to <= 1) {
        return;
    }
    let folded = lower(text);
    if from > 1 {
        by_count.remove(&(Reverse(from), folded.clone(), text.clone()));
    }
    if to > 1 {
        by_count.insert((Reverse(to), folded, text.clone()));
    }
}

impl KeyStats {
    pub fn values(&self) -> impl Iterator<Item = &ValueStats> {
        self.values.values()
    }

    /// How many distinct values the key has.
    pub fn value_count(&self) -> usize {
        self.values.len()
    }

    /// How many of the distinct values are links (`[[…`).
    pub fn link_values(&self) -> usize {
        self.links
    }

    /// Values most notes give first (ties alphabetical ignoring case); read in order, so taking
    /// `n` costs `n`, and at most as many more as values two notes or more give once those
    /// are all taken (passed over in `by_text` to reach those one note gives).
    pub fn by_count(&self) -> impl Iterator<Item = &ValueStats> {
        let common = (self.by_count.iter()).filter_map(|(_, _, text)| self.values.get(text));
        let once = (self.by_text.iter())
            .filter_map(|(_, text)| self.values.get(text))
            .filter(|value| value.notes == 1);
        common.chain(once)
    }

    /// Values starting with `prefix` ignoring case, alphabetically (lower-cased); a range, so
    /// taking `n` costs `n` and a lookup.
    pub fn starting_with(&self, prefix: &str) -> impl Iterator<Item = &ValueStats> {
        let prefix = prefix.to_lowercase();
        let start: (Arc<str>, Arc<str>) = (prefix.as_str().into(), "".into());
        self.by_text
            .range((Bound::Included(start), Bound::Unbounded))
            .take_while(move |(folded, _)| folded.starts_with(&prefix))
            .filter_map(|(_, text)| self.values.get(text))
    }

    /// The `n` values most notes give, most first (ties alphabetical ignoring case).
    pub fn most_common(&self, n: usize) -> Vec<&ValueStats> {
        self.by_count().take(n).collect()
    }

    /// Count one more note giving `value`; the two orders follow unless `ordered` is false
    /// (a bulk filing, see [`Properties::defer_orders`]), when they are rebuilt afterwards.
    fn add_value(&mut self, value: &str, ordered: bool) {
        let entry = match self.values.get_mut(value) {
            Some(entry) => entry,
            None => {
                let text: Arc<str> = value.into();
                if ordered {
                    self.by_text.insert((lower(&text), text.clone()));
                }
                self.links += usize::from(value.starts_with("[["));
                self.values
                    .entry(text.clone())
                    .or_insert(ValueStats { text, notes: 0 })
            }
        };
        if ordered {
            reorder_count(
                &mut self.by_count,
                &entry.text,
                entry.notes,
                entry.notes + 1,
            );
        }
        entry.notes += 1;
    }

    fn remove_value(&mut self, value: &str, ordered: bool) {
        let Some(entry) = self.values.get_mut(value) else {
            return;
        };
        let notes = entry.notes.saturating_sub(1);
        if ordered {
            reorder_count(&mut self.by_count, &entry.text, entry.notes, notes);
        }
        entry.notes = notes;
        if notes > 0 {
            return;
        }
        let text = entry.text.clone();
        self.values.remove(value);
        if ordered {
            self.by_text.remove(&(lower(&text), text));
        }
        self.links = self
            .links
            .saturating_sub(usize::from(value.starts_with("[[")));
    }

    /// Both orders again from the values: sorting once beats a tree update per value when a
    /// bulk filing counted many notes.
    fn reorder(&mut self) {
        let values = &self.values;
        (self.by_text, self.by_count) = rayon::join(
            || {
                values
                    .values()
                    .map(|v| (lower(&v.text), v.text.clone()))
                    .collect()
            },
            || {
                (values.values())
                    .filter(|v| v.notes > 1)
                    .map(|v| (Reverse(v.notes), lower(&v.text), v.text.clone()))
                    .collect()
            },
        );
    }
}

#[derive(Debug, Default)]
pub struct Properties {
    /// By lower-cased key: Obsidian compares property names without case.
    keys: HashMap<String, KeyStats>,
    /// By lower-cased key.
    types: HashMap<String, PropertyType>,
    /// While a bulk filing runs ([`Properties::defer_orders`]): the keys whose value orders
    /// are left behind, rebuilt by [`Properties::settle_orders`].
    deferred: Option<HashSet<String>>,
}

/// A property name as the maps file it.
pub fn fold_key(key: &str) -> String {
    key.trim().to_lowercase()
}

/// What a note's frontmatter files: each key once (folded, written) with its distinct values.
fn entries(fm: &Frontmatter) -> Vec<(String, &str, Vec<&str>)> {
    let mut seen = HashSet::default();
    let mut out = Vec::new();
    for property in &fm.properties {
        let folded = fold_key(&property.key);
        if folded.is_empty() || !seen.insert(folded.clone()) {
            continue;
        }
        let mut values: Vec<&str> = property
            .values
            .iter()
            .map(|(v, _)| v.trim())
            .filter(|v| !v.is_empty())
            .collect();
        values.sort_unstable();
        values.dedup();
        out.push((folded, property.key.as_str(), values));
    }
    out
}

impl Properties {
    pub fn key(&self, key: &str) -> Option<&KeyStats> {
        self.keys.get(&fold_key(key))
    }

    /// Every key in use, by folded key.
    pub fn keys(&self) -> impl Iterator<Item = (&String, &KeyStats)> {
        self.keys.iter()
    }

    pub fn type_of(&self, key: &str) -> Option<PropertyType> {
        self.types.get(&fold_key(key)).copied()
    }

    /// Replace the types (from `.obsidian/types.json`): key → type.
    pub fn set_types(&mut self, types: impl IntoIterator<Item = (String, PropertyType)>) {
        self.types = types.into_iter().map(|(k, t)| (fold_key(&k), t)).collect();
    }

    pub(super) fn index_note(&mut self, note: &Note) {
        let ordered = self.deferred.is_none();
        let Some(fm) = note.syntax.frontmatter() else {
            return;
        };
        for (folded, written, values) in entries(&fm) {
            if let Some(deferred) = &mut self.deferred
                && !deferred.contains(&folded)
            {
                deferred.insert(folded.clone());
            }
            let stats = self.keys.entry(folded).or_insert_with(|| KeyStats {
                name: written.to_string(),
                ..KeyStats::default()
            });
            stats.notes += 1;
            for value in values {
                stats.add_value(value, ordered);
            }
        }
    }

    /// The exact inverse of `index_note` for the same note.
    pub(super) fn unindex_note(&mut self, note: &Note) {
        let ordered = self.deferred.is_none();
        let Some(fm) = note.syntax.frontmatter() else {
            return;
        };
        for (folded, _, values) in entries(&fm) {
            if let Some(deferred) = &mut self.deferred {
                deferred.insert(folded.clone());
            }
            let Some(stats) = self.keys.get_mut(&folded) else {
                continue;
            };
            for value in values {
                stats.remove_value(value, ordered);
            }
            stats.notes = stats.notes.saturating_sub(1);
            if stats.notes == 0 {
                self.keys.remove(&folded);
            }
        }
    }

    /// From now until [`Properties::settle_orders`], count values without keeping their
    /// orders: a bulk filing of many notes sorts each key's values once at the end instead.
    pub(super) fn defer_orders(&mut self) {
        self.deferred.get_or_insert_with(HashSet::default);
    }

    /// The keys and values counted in `other` (a count made aside, see `complete.rs`) in
    /// place of these; the types stay.
    pub(super) fn take_counts_from(&mut self, mut other: Properties) {
        other.settle_orders();
        self.keys = other.keys;
        self.deferred = None;
    }

    /// Rebuild the orders of every key counted since [`Properties::defer_orders`].
    pub(super) fn settle_orders(&mut self) {
        use rayon::prelude::*;
        let Some(deferred) = self.deferred.take() else {
            return;
        };
        // Keys apart on every core: a key with a value per note (`id:`, `created:`) sorts
        // as many values as there are notes.
        let mut stats: Vec<&mut KeyStats> = self
            .keys
            .iter_mut()
            .filter(|(key, _)| deferred.contains(*key))
            .map(|(_, stats)| stats)
            .collect();
        stats.par_iter_mut().for_each(|stats| stats.reorder());
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use crate::index::{Note, Vault};

    fn summary(vault: &Vault) -> String {
        let mut keys: Vec<_> = vault.properties.keys().collect();
        keys.sort_by_key(|(k, _)| k.as_str());
        keys.iter()
            .map(|(_, stats)| {
                let values: Vec<String> = stats
                    .most_common(10)
                    .iter()
                    .map(|v| format!("{}×{}", v.text, v.notes))
                    .collect();
                format!("{} {}: {}", stats.name, stats.notes, values.join(" "))
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn statistics_follow_each_note_as_it_changes_and_disappears() {
        let mut vault = Vault::new(vec![PathBuf::from("/v")]);
        let a = Path::new("/v/a.md");
        let b = Path::new("/v/b.md");
        vault.upsert_note(a, Note::parse("---\nstatus: done\ntags: [x, y]\n---\n"));
        vault.upsert_note(b, Note::parse("---\nStatus: done\nrating: 3\n---\n"));
        assert_eq!(
            summary(&vault),
            "rating 1: 3×1\nstatus 2: done×2\ntags 1: x×1 y×1"
        );
        vault.upsert_note(a, Note::parse("---\nstatus: open\n---\n"));
        assert_eq!(summary(&vault), "rating 1: 3×1\nstatus 2: done×1 open×1");
        vault.remove(b);
        assert_eq!(summary(&vault), "status 1: open×1");
        vault.remove(a);
        assert_eq!(summary(&vault), "");
    }

    fn texts<'a>(values: impl Iterator<Item = &'a super::ValueStats>) -> Vec<String> {
        values.map(|v| format!("{}×{}", v.text, v.notes)).collect()
    }

    #[test]
    fn values_stay_ordered_by_text_and_by_count_as_notes_change() {
        let mut vault = Vault::new(vec![PathBuf::from("/v")]);
        let notes = [
            ("a", "id: N-1\nrelated: \"[[x]]\""),
            ("b", "id: n-2\nrelated: \"[[y]]\""),
            ("c", "id: n-2\nrelated: plain"),
            ("d", "id: m-1"),
        ];
        for (name, fm) in notes {
            let path = PathBuf::from(format!("/v/{name}.md"));
            vault.upsert_note(&path, Note::parse(format!("---\n{fm}\n---\n")));
        }
        let id = vault.properties.key("id").unwrap();
        // Prefix without case, alphabetical (lower-cased); counts most first, ties alphabetical
        // ignoring case.
        assert_eq!(texts(id.starting_with("n-")), ["N-1×1", "n-2×2"]);
        assert_eq!(texts(id.starting_with("N-2")), ["n-2×2"]);
        assert!(texts(id.starting_with("x")).is_empty());
        assert_eq!(texts(id.by_count()), ["n-2×2", "m-1×1", "N-1×1"]);
        assert_eq!(vault.properties.key("related").unwrap().link_values(), 2);

        vault.upsert_note(Path::new("/v/b.md"), Note::parse("---\nid: m-1\n---\n"));
        let id = vault.properties.key("id").unwrap();
        assert_eq!(texts(id.by_count()), ["m-1×2", "N-1×1", "n-2×1"]);
        assert_eq!(texts(id.starting_with("")), ["m-1×2", "N-1×1", "n-2×1"]);
        assert_eq!(id.value_count(), 3);
        let related = vault.properties.key("related").unwrap();
        assert_eq!((related.link_values(), related.value_count()), (1, 2));
        for name in ["a", "c", "d"] {
            vault.remove(&PathBuf::from(format!("/v/{name}.md")));
        }
        let id = vault.properties.key("id").unwrap();
        assert_eq!(texts(id.by_count()), ["m-1×1"]);
        assert_eq!(texts(id.starting_with("M")), ["m-1×1"]);
        assert!(vault.properties.key("related").is_none());
    }

    /// Values one note gives are kept in one order only (by text), values more notes give in
    /// the order by count too; a value moves between them as notes come and go, and the
    /// values by count read the same either way: most first, ties alphabetical ignoring case.
    #[test]
    fn values_one_note_gives_are_ordered_by_count_without_a_second_tree() {
        let mut vault = Vault::new(vec![PathBuf::from("/v")]);
        let upsert = |vault: &mut Vault, name: &str, status: &str| {
            let path = PathBuf::from(format!("/v/{name}.md"));
            vault.upsert_note(&path, Note::parse(format!("---\nstatus: {status}\n---\n")));
        };
        for (name, status) in [("a", "Zed"), ("b", "beta"), ("c", "Alpha"), ("d", "beta")] {
            upsert(&mut vault, name, status);
        }
        let stats = vault.properties.key("status").unwrap();
        assert_eq!(texts(stats.by_count()), ["beta×2", "Alpha×1", "Zed×1"]);
        assert_eq!(stats.by_count.len(), 1, "only beta is given by two notes");
        assert_eq!(
            texts(stats.most_common(2).into_iter()),
            ["beta×2", "Alpha×1"]
        );

        upsert(&mut vault, "e", "Zed");
        upsert(&mut vault, "b", "Alpha");
        let stats = vault.properties.key("status").unwrap();
        assert_eq!(texts(stats.by_count()), ["Alpha×2", "Zed×2", "beta×1"]);
        assert_eq!(stats.by_count.len(), 2);

        upsert(&mut vault, "d", "Zed");
        let stats = vault.properties.key("status").unwrap();
        assert_eq!(texts(stats.by_count()), ["Zed×3", "Alpha×2"]);
        assert_eq!(stats.by_count.len(), 2);
    }
}
