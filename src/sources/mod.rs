//! Sources: bibliography entries (from `.bib` and CSL-JSON files), which notes cite which key,
//! and which notes are literature notes of which key. Plain data kept beside the vault's other
//! maps and updated the same way: one bibliography or one note at a time, never a rebuild of the
//! notes' side.

pub mod bibtex;
pub mod csl;
pub mod format;
pub mod load;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use nucleo_matcher::Utf32String;

use crate::index::{File, FileId, keys};

/// A person as a bibliography names them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Name {
    /// Family name with its particle (`van Gogh`), or the whole name of an institution.
    pub family: String,
    pub given: String,
}

/// A line/column place in a bibliography file, in both encodings a client may negotiate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TextPos {
    /// 0-based line.
    pub line: u32,
    /// Column in UTF-8 bytes.
    pub utf8: u32,
    /// Column in UTF-16 code units.
    pub utf16: u32,
}

/// One bibliography entry, its fields rendered as plain text (LaTeX resolved).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    /// The key as written.
    pub key: String,
    /// `article`, `book`, `chapter`… as the file says.
    pub kind: String,
    pub authors: Vec<Name>,
    pub editors: Vec<Name>,
    pub year: Option<String>,
    pub title: Option<String>,
    /// Journal, book or proceedings the entry appeared in.
    pub container: Option<String>,
    pub publisher: Option<String>,
    pub volume: Option<String>,
    pub issue: Option<String>,
    pub pages: Option<String>,
    pub doi: Option<String>,
    pub url: Option<String>,
    pub abstract_text: Option<String>,
    /// Where the key is written in the file: start and end.
    pub start: TextPos,
    pub end: TextPos,
}

/// Something in a bibliography file that could not be read; the rest of the file still is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub at: TextPos,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Origin {
    /// Named in the client's settings.
    Configured,
    /// Named by a note's `bibliography:` frontmatter.
    Frontmatter,
    /// A `.bib` or CSL-JSON file found in the vault.
    Discovered,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    BibTex,
    CslJson,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bibliography {
    pub path: PathBuf,
    /// How the user sees the file: vault-relative where it is inside the vault.
    pub label: String,
    pub origin: Origin,
    pub format: Format,
    pub entries: Vec<Entry>,
    pub problems: Vec<Problem>,
}

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
    if let Some(key) = note
        .syntax
        .frontmatter
        .as_ref()
        .and_then(|fm| fm.citekey.as_ref())
    {
        let key = fold_key(key);
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

    /// Insert or replace several bibliographies, rebuilding the key map once.
    pub fn set_bibliographies(&mut self, bibs: Vec<Bibliography>) {
        for mut bib in bibs {
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
        let Some(note) = file.note() else { return };
        for citation in &note.syntax.citations {
            *self
                .cites
                .entry(fold_key(&citation.key))
                .or_default()
                .entry(id)
                .or_default() += 1;
        }
        if let Some((key, _)) = literature_keys(file) {
            let ids = self.literature.entry(key).or_default();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
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

/// Line starts of a text, to turn byte offsets into [`TextPos`].
pub(crate) struct Lines<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> Lines<'t> {
    pub(crate) fn new(text: &'t str) -> Lines<'t> {
        let mut starts = vec![0];
        let bytes = text.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
                starts.push(i + 1);
            }
        }
        Lines { text, starts }
    }

    /// Each line's start offset and text, line break excluded.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (usize, &'t str)> + '_ {
        self.starts.iter().enumerate().map(|(i, &start)| {
            let end = self.starts.get(i + 1).copied().unwrap_or(self.text.len());
            (start, self.text[start..end].trim_end_matches(['\n', '\r']))
        })
    }

    pub(crate) fn pos(&self, offset: usize) -> TextPos {
        let offset = crate::features::floor_boundary(self.text, offset);
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let before = &self.text[self.starts[line]..offset];
        TextPos {
            line: line as u32,
            utf8: before.len() as u32,
            utf16: before.encode_utf16().count() as u32,
        }
    }
}
