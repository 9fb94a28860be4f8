//! The vault's citation index: bibliography entries by key, which notes cite which key, and
//! which notes are literature notes of which key. The bibliographies themselves are plain data
//! from `crate::sources`; the vault owns this index beside its other maps and updates it the
//! same way: one bibliography or one note at a time, never a rebuild of the notes' side.

use rustc_hash::FxHashMap as HashMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use nucleo_matcher::Utf32String;

use super::{File, FileId, Stamp, keys};
use crate::sources::{Bibliography, Entry, format};

/// Where an entry lives: index of its bibliography and of the entry in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct EntryRef {
    bib: u32,
    entry: u32,
}

/// One completion candidate: an entry with the text a query is matched against.
pub struct KeyCandidate {
    pub bib: usize,
    pub entry: usize,
    /// The folded key: the citation index's key, and the tie-break order.
    pub folded: String,
    /// Key, authors' family names, title and year.
    pub haystack: Utf32String,
}

/// Completion candidates for every distinct key, built once per bibliography change.
pub struct KeyCandidates {
    pub items: Vec<KeyCandidate>,
}

/// The comparison key of a citation key: `@` dropped, NFC, case-folded (BibTeX keys are
/// case-insensitive, and notes are named in any case).
pub fn fold_key(key: &str) -> String {
    keys::fold(key.trim().trim_start_matches('@'))
}

/// The keys a note is the literature note of: its frontmatter `citekey` when it has one (an
/// explicit key wins), else its name's first token without `@`.
pub fn literature_keys(file: &File) -> Option<(String, bool)> {
    let note = file.note()?;
    if let Some(key) = note.syntax.citekey().map(fold_key) {
        return (!key.is_empty()).then_some((key, true));
    }
    let name = file.display_name();
    let token = name.split_whitespace().next()?;
    let key = fold_key(token);
    (!key.is_empty()).then_some((key, token.starts_with('@')))
}

#[derive(Default)]
pub struct Sources {
    /// In priority order: configured, then frontmatter, then discovered; by path within each.
    bibs: Vec<Bibliography>,
    by_key: HashMap<String, Vec<EntryRef>>,
    /// The reverse index of citations: folded key → citing notes and how often each cites it.
    cites: HashMap<String, HashMap<FileId, u32>>,
    /// Folded key → notes whose name or `citekey` carries it.
    literature: HashMap<String, Vec<FileId>>,
    generation: u64,
    candidates: OnceLock<Arc<KeyCandidates>>,
    /// The stamp of the file read for each bibliography that was read from the disk (not from
    /// an editor's buffer): only those go to the on-disk index.
    stamps: HashMap<std::path::PathBuf, Stamp>,
}

impl std::fmt::Debug for Sources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sources")
            .field("bibliographies", &self.bibs.len())
            .field("keys", &self.by_key.len())
            .field("cited_keys", &self.cites.len())
            .finish()
    }
}

impl Sources {
    /// Whether any bibliography is loaded: without one, nothing can be said about keys.
    pub fn has_bibliography(&self) -> bool {
        !self.bibs.is_empty()
    }

    pub fn bibliographies(&self) -> &[Bibliography] {
        &self.bibs
    }

    pub fn bibliography(&self, path: &Path) -> Option<&Bibliography> {
        self.bibs.iter().find(|b| b.path == path)
    }

    /// Bumped on every bibliography change.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Insert or replace a bibliography. A file already known keeps its higher-priority origin.
    pub fn set_bibliography(&mut self, bib: Bibliography) {
        self.set_bibliographies(vec![bib]);
    }

    /// Insert or replace bibliographies read from the disk, each with the stamp of its file
    /// (`None` where the file's time could not be read), rebuilding the key map once.
    pub fn set_read_bibliographies(&mut self, bibs: Vec<(Bibliography, Option<Stamp>)>) {
        let stamps: Vec<_> = bibs
            .iter()
            .filter_map(|(bib, stamp)| Some((bib.path.clone(), (*stamp)?)))
            .collect();
        self.set_bibliographies(bibs.into_iter().map(|(bib, _)| bib).collect());
        self.stamps.extend(stamps);
    }

    /// Bibliographies read from the disk, with the stamp of the read.
    pub fn read_bibliographies(&self) -> impl Iterator<Item = (&Bibliography, Stamp)> {
        self.bibs
            .iter()
            .filter_map(|bib| Some((bib, *self.stamps.get(&bib.path)?)))
    }

    /// Insert or replace several bibliographies (from a buffer, or unstamped), rebuilding the
    /// key map once.
    pub fn set_bibliographies(&mut self, bibs: Vec<Bibliography>) {
        for mut bib in bibs {
            self.stamps.remove(&bib.path);
            if let Some(old) = self.bibs.iter().position(|b| b.path == bib.path) {
                let old = self.bibs.remove(old);
                bib.origin = bib.origin.min(old.origin);
            }
            self.bibs.push(bib);
        }
        self.bibs
            .sort_by(|a, b| (a.origin, &a.path).cmp(&(b.origin, &b.path)));
        self.rebuild_keys();
    }

    /// Forget the bibliography at `path`, or every one under it when it was a folder.
    pub fn remove_bibliography(&mut self, path: &Path) -> bool {
        let before = self.bibs.len();
        self.bibs.retain(|b| !b.path.starts_with(path));
        self.stamps.retain(|p, _| !p.starts_with(path));
        let removed = self.bibs.len() != before;
        if removed {
            self.rebuild_keys();
        }
        removed
    }

    /// Per bibliography change only: proportional to the entries, never to the notes.
    fn rebuild_keys(&mut self) {
        self.by_key.clear();
        for (b, bib) in self.bibs.iter().enumerate() {
            for (e, entry) in bib.entries.iter().enumerate() {
                self.by_key
                    .entry(fold_key(&entry.key))
                    .or_default()
                    .push(EntryRef {
                        bib: b as u32,
                        entry: e as u32,
                    });
            }
        }
        self.generation += 1;
        self.candidates = OnceLock::new();
    }

    /// Every definition of `key`, the one that counts first.
    pub fn entries(&self, key: &str) -> impl Iterator<Item = (&Bibliography, &Entry)> {
        self.by_key
            .get(&fold_key(key))
            .into_iter()
            .flatten()
            .map(|r| {
                let bib = &self.bibs[r.bib as usize];
                (bib, &bib.entries[r.entry as usize])
            })
    }

    pub fn entry(&self, key: &str) -> Option<(&Bibliography, &Entry)> {
        self.entries(key).next()
    }

    /// Notes citing `key` pandoc-style (`[@key]`, `@key`).
    pub fn citing(&self, key: &str) -> impl Iterator<Item = FileId> + '_ {
        self.cites
            .get(&fold_key(key))
            .into_iter()
            .flat_map(|notes| notes.keys().copied())
    }

    /// How many citations of the folded key the vault holds: a popularity measure for ranking.
    pub fn cite_count(&self, folded: &str) -> u32 {
        self.cites
            .get(folded)
            .map_or(0, |notes| notes.values().sum())
    }

    /// Notes whose name or `citekey` carries `key` (the caller checks which still do).
    pub fn literature_candidates(&self, key: &str) -> &[FileId] {
        self.literature
            .get(&fold_key(key))
            .map_or(&[], Vec::as_slice)
    }

    /// Completion candidates, built on first use after a bibliography change.
    pub fn key_candidates(&self) -> Arc<KeyCandidates> {
        self.candidates
            .get_or_init(|| {
                let mut seen = std::collections::HashSet::new();
                let mut items = Vec::new();
                for (b, bib) in self.bibs.iter().enumerate() {
                    for (e, entry) in bib.entries.iter().enumerate() {
                        let folded = fold_key(&entry.key);
                        if !seen.insert(folded.clone()) {
                            continue;
                        }
                        items.push(KeyCandidate {
                            bib: b,
                            entry: e,
                            folded,
                            haystack: Utf32String::from(format::haystack(entry).as_str()),
                        });
                    }
                }
                Arc::new(KeyCandidates { items })
            })
            .clone()
    }

    pub fn bib_entry(&self, bib: usize, entry: usize) -> (&Bibliography, &Entry) {
        let b = &self.bibs[bib];
        (b, &b.entries[entry])
    }

    /// File a note's citations and literature key. Called by the vault whenever it indexes a
    /// file, so the per-note work stays proportional to the note.
    pub fn index_file(&mut self, id: FileId, file: &File) {
        let literature = literature_keys(file).map(|(key, _)| key);
        self.index_file_with(id, file, literature);
    }

    /// [`Sources::index_file`] with the file's literature key (`literature_keys`) worked out
    /// already: the bulk filing works them out on every core.
    pub fn index_file_with(&mut self, id: FileId, file: &File, literature: Option<String>) {
        let Some(note) = file.note() else { return };
        for citation in &note.syntax.citations {
            *self
                .cites
                .entry(fold_key(&citation.key))
                .or_default()
                .entry(id)
                .or_default() += 1;
        }
        if let Some(key) = literature {
            let ids = self.literature.entry(key).or_default();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }

    /// The notes' citations and literature keys filed in `other` (filed aside, see
    /// `complete.rs`) in place of these; the bibliographies stay.
    pub(super) fn take_notes_from(&mut self, other: Sources) {
        self.cites = other.cites;
        self.literature = other.literature;
    }

    /// Undo [`Sources::index_file`] for the file as it still is.
    pub fn unindex_file(&mut self, id: FileId, file: &File) {
        let Some(note) = file.note() else { return };
        for citation in &note.syntax.citations {
            let key = fold_key(&citation.key);
            if let Some(notes) = self.cites.get_mut(&key) {
                notes.remove(&id);
                if notes.is_empty() {
                    self.cites.remove(&key);
                }
            }
        }
        if let Some((key, _)) = literature_keys(file) {
            if let Some(ids) = self.literature.get_mut(&key) {
                ids.retain(|&x| x != id);
                if ids.is_empty() {
                    self.literature.remove(&key);
                }
            }
        }
    }
}
