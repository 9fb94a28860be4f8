//! Unlinked mentions: where a note's prose names another note — its file name or an alias —
//! without linking it. One Aho–Corasick automaton over every folded name and alias finds them;
//! it is rebuilt only when the vault's names change. Each note's mention list is rescanned when
//! the note changes, and a reverse map (name → notes mentioning it) answers "who mentions X"
//! without reading the vault.
//!
//! Matching follows Obsidian: case-insensitive, whole words, NFC; never inside frontmatter,
//! code, math, comments, HTML, links, URLs, tags, citations, block ids or field keys.

use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use super::{FileId, Note};
use crate::syntax::Span;

/// Which names count as mentions: the noise guards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rules {
    pub enabled: bool,
    /// Names shorter than this (in characters) are never looked for.
    pub min_chars: usize,
    /// Folded names never looked for: common words that happen to name a note.
    pub stoplist: HashSet<String>,
}

/// Words that name notes in real vaults but read as ordinary prose: function words of the
/// languages in our fixture vaults, and vault-structure names (`index`, `readme`, `note`…).
/// Chosen on `../shared/fixtures` (see README, "Unlinked mentions").
pub const STOPLIST: &[&str] = &[
    // English
    "the", "and", "for", "with", "from", "this", "that", "then", "than", "there", "here", "what",
    "when", "where", "which", "who", "why", "how", "not", "but", "are", "was", "were", "has",
    "have", "had", "you", "your", "our", "they", "them", "their", "its", "into", "onto", "also",
    "about", "more", "most", "some", "such", "only", "other", "each", "all", "any", "can", "will",
    "use", "used", "using", "new", "one", "two", "see", "note", "notes", "index", "readme", "todo",
    "inbox", "home", "untitled", "list", "tag", "tags", "link", "links", "page", "pages", "file",
    "files", "draft", "example", "examples", "test", "update", "search", "daily",
    // Spanish and Portuguese
    "que", "los", "las", "del", "una", "uno", "unos", "unas", "por", "para", "con", "sin", "como",
    "más", "pero", "sus", "este", "esta", "esto", "estos", "estas", "ese", "esa", "eso", "entre",
    "sobre", "desde", "hasta", "cuando", "donde", "también", "ser", "son", "fue", "hay", "nota",
    "notas", "não", "uma", "com", "mas", // French and German
    "les", "des", "une", "pour", "dans", "avec", "sur", "pas", "est", "der", "die", "das", "und",
    "mit", "von", "für", "ist", "ein", "eine", "nicht", "auf",
];

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            enabled: true,
            min_chars: 3,
            stoplist: STOPLIST.iter().map(|w| w.to_string()).collect(),
        }
    }
}

impl Rules {
    /// Whether a folded name is looked for at all.
    pub fn admits(&self, folded: &str) -> bool {
        self.enabled
            && folded.chars().count() >= self.min_chars
            && folded.chars().any(char::is_alphabetic)
            && !self.stoplist.contains(folded)
    }
}

/// The automaton over every admitted name and alias of the vault.
pub struct Automaton {
    ac: Option<AhoCorasick>,
    /// Pattern id → folded name.
    keys: Vec<String>,
    ids: HashMap<String, u32>,
}

impl std::fmt::Debug for Automaton {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Automaton({} names)", self.keys.len())
    }
}

impl Automaton {
    pub fn new(names: impl IntoIterator<Item = String>, rules: &Rules) -> Automaton {
        let mut keys: Vec<String> = names.into_iter().filter(|k| rules.admits(k)).collect();
        keys.sort();
        keys.dedup();
        let ids = keys
            .iter()
            .enumerate()
            .map(|(i, k)| (k.clone(), i as u32))
            .collect();
        // Overlapping search (Standard kind) so that a longer name failing the whole-word test
        // cannot hide a shorter one that passes; `scan` picks among them.
        let ac = (!keys.is_empty())
            .then(|| {
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::Standard)
                    .build(&keys)
                    .map_err(|err| tracing::warn!("no mention automaton: {err}"))
                    .ok()
            })
            .flatten();
        Automaton { ac, keys, ids }
    }

    pub fn key(&self, pattern: u32) -> &str {
        &self.keys[pattern as usize]
    }

    pub fn id(&self, key: &str) -> Option<u32> {
        self.ids.get(key).copied()
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The mentions in `note`'s prose, in text order, without overlaps (the longest name wins).
    pub fn scan(&self, note: &Note) -> Vec<Mention> {
        let Some(ac) = &self.ac else {
            return Vec::new();
        };
        let text = note.text();
        let text: &str = &text;
        let body = note.syntax.body_start().min(text.len());
        let folded = Folded::new(&text[body..]);
        let mut found: Vec<Mention> = Vec::new();
        for m in ac.find_overlapping_iter(folded.text.as_str()) {
            let (Some(start), Some(end)) = (folded.original(m.start()), folded.original(m.end()))
            else {
                continue;
            };
            let span = Span::new(body + start, body + end);
            if whole_word(text, span) {
                found.push(Mention {
                    span,
                    pattern: m.pattern().as_u32(),
                });
            }
        }
        found.sort_by_key(|m| (m.span.start, std::cmp::Reverse(m.span.end)));
        let blocked = Blocked::new(note, text);
        let mut out: Vec<Mention> = Vec::new();
        for m in found {
            if out.last().is_some_and(|last| m.span.start < last.span.end) || blocked.hits(m.span) {
                continue;
            }
            out.push(m);
        }
        out
    }
}

/// One mention: where, and which name (an [`Automaton`] pattern id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mention {
    pub span: Span,
    pub pattern: u32,
}

/// Whether the characters around `span` end words there.
fn whole_word(text: &str, span: Span) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_' || is_combining_mark(c);
    let before = text[..span.start()]
        .chars()
        .next_back()
        .is_none_or(|c| !word(c));
    let after = text[span.end()..].chars().next().is_none_or(|c| !word(c));
    before && after
}

/// A text folded as names are (NFC, lower case), with the way back to the original offsets.
struct Folded {
    text: String,
    /// For a folded byte offset, the original offset of the character cluster starting there;
    /// `u32::MAX` inside a cluster. Empty when folding kept every offset (ASCII).
    map: Vec<u32>,
    len: usize,
}

impl Folded {
    fn new(text: &str) -> Folded {
        if text.is_ascii() {
            return Folded {
                text: text.to_ascii_lowercase(),
                map: Vec::new(),
                len: text.len(),
            };
        }
        let mut out = String::with_capacity(text.len());
        let mut map: Vec<u32> = Vec::with_capacity(text.len() + 1);
        let mut chars = text.char_indices().peekable();
        let mut cluster = String::new();
        while let Some((start, c)) = chars.next() {
            let marks = chars
                .peek()
                .is_some_and(|&(_, next)| is_combining_mark(next));
            let before = out.len();
            if c.is_ascii() && !marks {
                out.push(c.to_ascii_lowercase());
            } else if !marks && is_nfc_quick(std::iter::once(c)) == IsNormalized::Yes {
                out.extend(c.to_lowercase());
            } else {
                // A base character and the combining marks after it fold together, so that NFD
                // text (macOS file names pasted in) matches NFC names.
                cluster.clear();
                cluster.push(c);
                while let Some(&(_, next)) = chars.peek() {
                    if !is_combining_mark(next) {
                        break;
                    }
                    cluster.push(next);
                    chars.next();
                }
                for c in cluster.nfc() {
                    out.extend(c.to_lowercase());
                }
            }
            map.push(start as u32);
            map.extend(std::iter::repeat_n(u32::MAX, out.len() - before - 1));
        }
        map.push(text.len() as u32);
        Folded {
            text: out,
            map,
            len: text.len(),
        }
    }

    fn original(&self, folded: usize) -> Option<usize> {
        if self.map.is_empty() {
            return Some(folded.min(self.len));
        }
        self.map
            .get(folded)
            .filter(|&&o| o != u32::MAX)
            .map(|&o| o as usize)
    }
}

/// The parts of a note's body that are not prose, merged into sorted, disjoint spans.
struct Blocked(Vec<Span>);

impl Blocked {
    fn new(note: &Note, text: &str) -> Blocked {
        let s = &note.syntax;
        let mut spans: Vec<Span> = s.hidden.to_vec();
        spans.extend(s.links.iter().map(|l| l.span));
        spans.extend(s.tags().iter().map(|t| t.span));
        spans.extend(s.blocks().iter().map(|b| b.span));
        spans.extend(s.fields().iter().map(|f| f.key_span));
        spans.extend(s.citations.iter().map(|c| c.span));
        spans.extend(urls(text, s.body_start()));
        spans.sort();
        let mut merged: Vec<Span> = Vec::with_capacity(spans.len());
        for span in spans {
            match merged.last_mut() {
                Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
                _ => merged.push(span),
            }
        }
        Blocked(merged)
    }

    /// Whether `span` overlaps a blocked span.
    fn hits(&self, span: Span) -> bool {
        let i = self.0.partition_point(|b| b.end <= span.start);
        self.0.get(i).is_some_and(|b| b.start < span.end)
    }
}

/// Bare URLs (`https://…`, `www.…`): each a run of non-space characters.
fn urls(text: &str, from: usize) -> Vec<Span> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut search = from;
    while let Some(i) = memchr::memmem::find(&bytes[search..], b"://")
        .map(|i| search + i)
        .or_else(|| memchr::memmem::find(&bytes[search..], b"www.").map(|i| search + i))
    {
        let start = bytes[..i]
            .iter()
            .rposition(|b| b.is_ascii_whitespace() || matches!(b, b'(' | b'<' | b'['))
            .map_or(0, |p| p + 1)
            .max(from);
        let end = bytes[i..]
            .iter()
            .position(|b| b.is_ascii_whitespace() || matches!(b, b')' | b'>' | b']'))
            .map_or(bytes.len(), |p| i + p);
        out.push(Span::new(start, end));
        search = end.max(i + 3);
    }
    out
}

/// Every note's mentions, scanned for one state of the vault's names.
pub struct MentionScan {
    names: u64,
    generation: u64,
    lists: Vec<(FileId, Vec<Mention>)>,
}

/// The vault's mention index: the automaton, each note's mentions, and who mentions what.
#[derive(Debug, Default)]
pub struct Mentions {
    pub(super) rules: Rules,
    /// The automaton and the `names_generation` it was built for.
    pub(super) automaton: Option<(u64, Arc<Automaton>)>,
    /// The `names_generation` the per-note lists were all scanned with; `None` until the first
    /// vault-wide query.
    pub(super) lists: Option<u64>,
    pub(super) by_note: HashMap<FileId, Box<[Mention]>>,
    pub(super) by_pattern: HashMap<u32, HashMap<FileId, u32>>,
}

impl Mentions {
    pub(super) fn forget(&mut self, id: FileId) {
        if let Some(old) = self.by_note.remove(&id) {
            for m in old.iter() {
                if let Some(notes) = self.by_pattern.get_mut(&m.pattern) {
                    if let Some(n) = notes.get_mut(&id) {
                        *n -= 1;
                        if *n == 0 {
                            notes.remove(&id);
                        }
                    }
                    if notes.is_empty() {
                        self.by_pattern.remove(&m.pattern);
                    }
                }
            }
        }
    }

    pub(super) fn file(&mut self, id: FileId, found: Vec<Mention>) {
        self.forget(id);
        if found.is_empty() {
            return;
        }
        for m in &found {
            *self
                .by_pattern
                .entry(m.pattern)
                .or_default()
                .entry(id)
                .or_default() += 1;
        }
        self.by_note.insert(id, crate::syntax::exact::exact(found));
    }
}

impl super::Vault {
    pub fn mention_rules(&self) -> &Rules {
        &self.mentions.rules
    }

    /// New noise guards: every mention is found again at the next query.
    pub fn set_mention_rules(&mut self, rules: Rules) {
        if self.mentions.rules != rules {
            self.mentions = Mentions {
                rules,
                ..Mentions::default()
            };
        }
    }

    /// The automaton, when it was built for the vault's current names.
    pub fn mention_automaton(&self) -> Option<Arc<Automaton>> {
        self.mentions
            .automaton
            .as_ref()
            .filter(|(generation, _)| *generation == self.names_generation)
            .map(|(_, automaton)| automaton.clone())
    }

    /// The automaton for the current names, built if they changed: costs the vault's names,
    /// never its text.
    pub fn refresh_mention_automaton(&mut self) -> Arc<Automaton> {
        if let Some(automaton) = self.mention_automaton() {
            return automaton;
        }
        let names = self
            .by_name
            .iter()
            .filter(|(_, ids)| ids.iter().any(|&id| self.note(id).is_some()))
            .map(|(key, _)| key.to_string())
            .chain(self.by_alias.keys().map(|key| key.to_string()));
        let automaton = Arc::new(Automaton::new(names, &self.mentions.rules));
        self.mentions.automaton = Some((self.names_generation, automaton.clone()));
        automaton
    }

    /// Whether every note's mention list is up to date (see [`Vault::refresh_mentions`]).
    pub fn mentions_current(&self) -> bool {
        self.mentions.lists == Some(self.names_generation)
    }

    /// Bring every note's mention list up to date: after names changed, every note is scanned
    /// again (in parallel); otherwise nothing happens. Edits keep the lists current one note at
    /// a time. The server does the same in two steps ([`Vault::scan_mentions`] under a read
    /// lock, [`Vault::install_mentions`] under a short write lock) so requests never wait for
    /// the scan.
    pub fn refresh_mentions(&mut self) {
        if self.mentions_current() {
            return;
        }
        self.refresh_mention_automaton();
        if let Some(scan) = self.scan_mentions() {
            self.install_mentions(scan);
        }
    }

    /// Scan every note with the current automaton (`None` when it is not current).
    pub fn scan_mentions(&self) -> Option<MentionScan> {
        use rayon::prelude::*;
        let automaton = self.mention_automaton()?;
        let ids: Vec<FileId> = self.notes().map(|(id, _, _)| id).collect();
        let lists = ids
            .par_iter()
            .filter_map(|&id| Some((id, automaton.scan(self.note(id)?))))
            .collect();
        Some(MentionScan {
            names: self.names_generation,
            generation: self.generation,
            lists,
        })
    }

    /// Install a scan, unless names changed since it started (`false`: it is dropped). Notes
    /// edited during the scan are scanned again.
    pub fn install_mentions(&mut self, scan: MentionScan) -> bool {
        if scan.names != self.names_generation {
            return false;
        }
        self.mentions.by_note.clear();
        self.mentions.by_pattern.clear();
        for (id, found) in scan.lists {
            self.mentions.file(id, found);
        }
        self.mentions.lists = Some(self.names_generation);
        let edited: Vec<FileId> = self
            .notes()
            .filter(|(_, f, _)| f.revision > scan.generation)
            .map(|(id, _, _)| id)
            .collect();
        for id in edited {
            self.rescan_mentions(id);
        }
        true
    }

    /// After note `id` changed: scan it again, when the lists are current (else the next
    /// refresh does). Costs the note, not the vault.
    pub(super) fn rescan_mentions(&mut self, id: FileId) {
        if !self.mentions_current() {
            return;
        }
        let Some(automaton) = self.mention_automaton() else {
            return;
        };
        let found = self.note(id).map(|n| automaton.scan(n)).unwrap_or_default();
        self.mentions.file(id, found);
    }

    /// The notes whose prose mentions the folded name `key`, with each mention, from the lists
    /// (current only after [`Vault::refresh_mentions`]).
    pub fn mentions_of(&self, key: &str) -> Vec<(FileId, Span)> {
        let Some((_, automaton)) = &self.mentions.automaton else {
            return Vec::new();
        };
        let Some(pattern) = automaton.id(key) else {
            return Vec::new();
        };
        let mut notes: Vec<FileId> = self
            .mentions
            .by_pattern
            .get(&pattern)
            .map(|notes| notes.keys().copied().collect())
            .unwrap_or_default();
        notes.sort();
        let mut out = Vec::new();
        for id in notes {
            let found = self.mentions.by_note.get(&id).map_or(&[][..], |m| &m[..]);
            out.extend(
                found
                    .iter()
                    .filter(|m| m.pattern == pattern)
                    .map(|m| (id, m.span)),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::keys;

    fn scan(names: &[&str], text: &str) -> Vec<String> {
        let automaton = Automaton::new(names.iter().map(|n| keys::fold(n)), &Rules::default());
        let note = Note::parse(text);
        automaton
            .scan(&note)
            .iter()
            .map(|m| format!("{}={}", &text[m.span.range()], automaton.key(m.pattern)))
            .collect()
    }

    #[test]
    fn mentions_are_case_insensitive_whole_words_and_longest_first() {
        assert_eq!(
            scan(
                &["Isaac Newton", "Newton", "Newt"],
                "ISAAC NEWTON met newton; Newtonian, Newt."
            ),
            ["ISAAC NEWTON=isaac newton", "newton=newton", "Newt=newt"]
        );
    }

    #[test]
    fn mentions_fold_nfd_text_and_keep_original_offsets() {
        let text = "Über Cafe\u{301} und CAFÉ.";
        assert_eq!(scan(&["café"], text), ["Cafe\u{301}=café", "CAFÉ=café"]);
    }

    #[test]
    fn mentions_skip_frontmatter_code_math_comments_links_urls_and_tags() {
        let text = "---\ntitle: Newton\n---\n`Newton` $Newton$ %% Newton %% [[Newton]] \
                    [x](Newton.md) https://x.org/Newton #Newton [@Newton]\n\
                    ```\nNewton\n```\nNewton:: 1\nNewton!";
        assert_eq!(scan(&["Newton"], text), ["Newton=newton"]);
        let note = Note::parse(text);
        let automaton = Automaton::new(["newton".to_string()], &Rules::default());
        assert_eq!(
            automaton.scan(&note)[0].span.start(),
            text.rfind("Newton").unwrap()
        );
    }

    #[test]
    fn short_stoplisted_and_letterless_names_are_not_looked_for() {
        assert_eq!(
            scan(
                &["AI", "note", "2024", "Index", "Rust"],
                "AI note 2024 index rust"
            ),
            ["rust=rust"]
        );
    }
}
