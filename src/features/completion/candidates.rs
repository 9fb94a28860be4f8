//! The vault's note completion candidates: every note, alias and attachment name in match
//! form, laid end to end in one arena, with a bitset per ASCII byte of the names holding it,
//! the last query's matches, and the popularity looked up so far.

use nucleo_matcher::Utf32Str;

use super::bound::Shape;
use super::match_form;
use crate::index::{FileId, Vault};

#[path = "image.rs"]
mod image;
pub use image::{encode_image, encode_image_from};
#[path = "words.rs"]
mod words;
use words::word_starts_of;
pub(super) use words::{WordStart, may_read_as_ascii};

/// One thing a `[[` can complete to, with where its name lies, ready for the fuzzy matcher,
/// in the candidates' own text.
#[derive(Clone)]
pub(super) struct Candidate {
    pub(super) file: FileId,
    /// For an alias, the index of its note's own candidate.
    pub(super) note: u32,
    /// For an alias, its text in [`Candidates::aliases`].
    pub(super) alias: Option<Slice>,
    pub(super) name: Form,
    pub(super) path: Form,
    pub(super) is_note: bool,
}

/// Where a text lies in one of the candidates' arenas: `len` items from `at`.
#[derive(Clone, Copy, Default)]
pub(super) struct Slice {
    at: u32,
    len: u32,
}

/// A name in match form, as the matcher reads it: ASCII bytes (most names) or chars.
#[derive(Clone, Copy)]
pub(super) enum Form {
    Ascii(Slice),
    Unicode(Slice),
}

#[cfg(test)]
thread_local! {
    /// Set by the tests to have the fuzzy matcher score every candidate, as it once did, and
    /// compare the lists.
    pub(super) static EVERY_CANDIDATE_SCORED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

pub(super) fn every_candidate_scored() -> bool {
    #[cfg(test)]
    return EVERY_CANDIDATE_SCORED.get();
    #[cfg(not(test))]
    false
}

impl Candidates {
    /// What a query is matched against: the path for a query naming a folder (never an
    /// alias's), else the name.
    pub(super) fn haystack(&self, c: &Candidate, by_path: bool) -> Utf32Str<'_> {
        let form = if by_path && c.alias.is_none() {
            c.path
        } else {
            c.name
        };
        let range = |s: Slice| s.at as usize..(s.at + s.len) as usize;
        match form {
            Form::Ascii(s) => Utf32Str::Ascii(&self.ascii[range(s)]),
            Form::Unicode(s) => Utf32Str::Unicode(&self.unicode[range(s)]),
        }
    }

    /// The alias `c` stands for, as written.
    pub(super) fn alias(&self, c: &Candidate) -> Option<&str> {
        c.alias
            .map(|s| &self.aliases[s.at as usize..(s.at + s.len) as usize])
    }
}

/// The vault's completion candidates. Building them walks the vault, so callers keep one
/// while [`Vault::listed_generation`] stands and then patch it (`patch.rs`) — never per
/// keystroke.
#[derive(Default)]
pub struct Candidates {
    pub generation: u64,
    pub(super) items: Vec<Candidate>,
    /// The names in match form, end to end: ASCII ones as bytes, the others as chars. A
    /// keystroke reads them all in order, where one allocation per name cost a cache miss
    /// each (most of a first keystroke's time at 100,000 notes).
    ascii: Vec<u8>,
    unicode: Vec<char>,
    /// The aliases as written, end to end.
    aliases: String,
    /// For each ASCII byte, the candidates whose name (in match form) holds it, one bit each
    /// (empty for a byte no name holds): a new query scans only the names holding every letter
    /// typed — a third of the vault for one letter, far fewer for two.
    holders: Vec<Vec<u64>>,
    /// The candidates whose name holds a letter that is not ASCII but that the matcher may
    /// read as an ASCII one (`ø` as `o`, see [`may_read_as_ascii`]), which no byte leaves out.
    /// (Other names, CJK ones among them, are in `holders` by their ASCII letters.)
    odd_names: Vec<u64>,
    /// For each ASCII byte, the candidates with a word of their name (in match form) starting
    /// with it, in order: a word at the start of the name or after whitespace, where a typed
    /// word earns the matcher's best score. The names that can fill the list for the first
    /// letters of a query are found among a few thousand, without a pass over the vault.
    word_starts: Vec<Vec<WordStart>>,
    /// The candidates with a word starting with a letter that is not ASCII but that the
    /// matcher may read as an ASCII one (`ø` as `o`): no byte's `word_starts` rules them out.
    odd_word_starts: Vec<u32>,
    /// The last query and the candidates it matched: typing one more letter can only narrow
    /// the matches, so the next query scores those alone.
    pub(super) last: std::sync::Mutex<Option<LastQuery>>,
    /// Each candidate's popularity as looked up, for one state of the vault's link counts.
    popularity: std::sync::Mutex<Popularity>,
    /// Each candidate's [`Shape`]: which names a query of one word can leave unread.
    shapes: Vec<Shape>,
    /// Set for candidates of the files whose names changed since the last full build, listed
    /// beside that build's (`patch.rs`).
    pub(super) patch: Option<Patch>,
}

/// What candidates patched onto an older build (`patch.rs`) list beside their own.
pub(super) struct Patch {
    /// The last full build.
    pub(super) base: std::sync::Arc<Candidates>,
    /// The base's candidates of the files whose names changed since it was built, in order:
    /// never offered.
    pub(super) hidden: Vec<u32>,
}

/// Candidates' popularity ([`Vault::key_ref_count`] of their file's name) looked up so far, for
/// the vault's [`Vault::counts_generation`]: thousands tie on a keystroke (every name starting
/// with the letter typed), each look-up a few cache misses, and typing inside `[[` adds or
/// removes no link.
#[derive(Default)]
pub(super) struct Popularity {
    generation: Option<u64>,
    /// [`UNKNOWN`] where not looked up yet.
    pub(super) values: Vec<u32>,
}

const UNKNOWN: u32 = u32::MAX;

pub(super) struct LastQuery {
    pub(super) file: FileId,
    pub(super) query: String,
    pub(super) by_path: bool,
    pub(super) embed: bool,
    pub(super) matched: Vec<u32>,
}

/// Above this many candidates to score, scoring is split across threads.
pub(super) const PARALLEL_SCORING: usize = 8192;

/// Above this many ties to look up the popularity of, the lookups are split across threads.
const PARALLEL_POPULARITY: usize = 2048;

/// The threads that score candidates: a pool of their own, not rayon's global one, where a
/// load or a verification may have queued seconds of work that a keystroke would wait behind.
/// `None` when its threads could not be started: then scoring runs on the caller's.
pub fn scoring_threads() -> Option<&'static rayon::ThreadPool> {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get().min(8));
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("notegraph-scoring-{i}"))
            .build()
            .map_err(|err| tracing::warn!("completion scores on one thread: {err}"))
            .ok()
    })
    .as_ref()
}

impl Candidates {
    /// The heap bytes of each of the candidates' lists (their capacities), for
    /// `examples/memory`'s breakdown.
    pub fn heap_parts(&self) -> Vec<(&'static str, usize)> {
        use std::mem::size_of;
        let lists = |lists: &[Vec<_>], item: usize| -> usize {
            lists.len() * size_of::<Vec<u8>>()
                + lists
                    .iter()
                    .map(|l: &Vec<_>| l.capacity() * item)
                    .sum::<usize>()
        };
        vec![
            ("items", self.items.capacity() * size_of::<Candidate>()),
            ("ascii forms", self.ascii.capacity()),
            ("unicode forms", self.unicode.capacity() * size_of::<char>()),
            ("aliases", self.aliases.capacity()),
            ("holders", lists(&self.holders, 8)),
            ("odd names", self.odd_names.capacity() * 8),
            (
                "word starts",
                self.word_starts.len() * size_of::<Vec<WordStart>>()
                    + (self.word_starts.iter())
                        .map(|l| l.capacity() * size_of::<WordStart>())
                        .sum::<usize>(),
            ),
            ("odd word starts", self.odd_word_starts.capacity() * 4),
            ("shapes", self.shapes.capacity() * size_of::<Shape>()),
        ]
    }

    pub fn build(vault: &Vault) -> Candidates {
        Candidates::of_listed(
            &vault.files().collect::<Vec<_>>(),
            vault.listed_generation(),
        )
    }

    /// The candidates of `files`, in their order (which must be their ids'), as of the
    /// vault's `generation`.
    pub(super) fn of_listed(
        files: &[(FileId, &crate::index::File)],
        generation: u64,
    ) -> Candidates {
        let mut all = Candidates::of_listed_unindexed(files, true);
        all.generation = generation;
        all.index_bytes();
        all
    }

    /// [`Candidates::of_listed`] but for [`Candidates::index_bytes`], which reads no vault;
    /// on the scoring threads (see [`scoring_threads`]) or the caller's rayon pool.
    pub(super) fn of_listed_unindexed(
        files: &[(FileId, &crate::index::File)],
        scoring: bool,
    ) -> Candidates {
        // Each file's candidates (its own, then its aliases') are worked out on the scoring
        // threads, a run of files each, then laid out in the files' order, aliases pointing
        // back: each run joined to the end of the lists, its offsets moved by what came before.
        // A few runs at a time (one a thread), each freed once joined: all the runs at once,
        // beside the lists they were joined into, held twice the candidates (dense 50k: +8 MB
        // of a cold start's peak).
        let run = files.len().div_ceil(64).max(1024);
        let mut all = Candidates::sized_for(files);
        let mut join = |runs: Vec<Candidates>| runs.into_iter().for_each(|part| all.join(part));
        match scoring_threads().filter(|_| scoring) {
            Some(threads) => {
                use rayon::prelude::*;
                for group in files.chunks(run * threads.current_num_threads().max(1)) {
                    join(
                        threads
                            .install(|| group.par_chunks(run).map(Candidates::of_files).collect()),
                    );
                }
            }
            None if scoring => {
                for part in files.chunks(run) {
                    join(vec![Candidates::of_files(part)]);
                }
            }
            None => {
                use rayon::prelude::*;
                for group in files.chunks(run * rayon::current_num_threads().max(1)) {
                    join(group.par_chunks(run).map(Candidates::of_files).collect());
                }
            }
        }
        all
    }

    /// Empty candidates with room for those of `files`: exactly for the items and the aliases
    /// as written; for the match forms, their names' lengths (an ASCII name's form is as
    /// long; another's takes as many chars, rarely more, or as many bytes or fewer when its
    /// form is ASCII). Room never written to is never touched, so it costs no memory; a list
    /// that needs more grows as any `Vec` does.
    fn sized_for(files: &[(FileId, &crate::index::File)]) -> Candidates {
        let (mut items, mut ascii, mut unicode, mut aliases) = (0, 0, 0, 0);
        let mut name = |name: &str| {
            ascii += name.len();
            if !name.is_ascii() {
                unicode += name.chars().count();
            }
        };
        for (_, file) in files {
            items += 1;
            name(file.display_name());
            name(file.link_path());
            for alias in file.note().into_iter().flat_map(|n| n.syntax.aliases()) {
                items += 1;
                aliases += alias.len();
                name(alias);
            }
        }
        Candidates {
            items: Vec::with_capacity(items),
            ascii: Vec::with_capacity(ascii),
            unicode: Vec::with_capacity(unicode),
            aliases: String::with_capacity(aliases),
            ..Candidates::default()
        }
    }

    /// Lay `part`'s candidates out after these, its offsets moved by what came before.
    fn join(&mut self, part: Candidates) {
        let (items, ascii, unicode, aliases) = (
            self.items.len() as u32,
            self.ascii.len() as u32,
            self.unicode.len() as u32,
            self.aliases.len() as u32,
        );
        let moved = |form: Form| match form {
            Form::Ascii(s) => Form::Ascii(Slice {
                at: s.at + ascii,
                len: s.len,
            }),
            Form::Unicode(s) => Form::Unicode(Slice {
                at: s.at + unicode,
                len: s.len,
            }),
        };
        self.items.extend(part.items.into_iter().map(|c| Candidate {
            note: c.note + items,
            alias: c.alias.map(|s| Slice {
                at: s.at + aliases,
                len: s.len,
            }),
            name: moved(c.name),
            path: moved(c.path),
            ..c
        }));
        self.ascii.extend_from_slice(&part.ascii);
        self.unicode.extend_from_slice(&part.unicode);
        self.aliases.push_str(&part.aliases);
    }

    /// Fill [`Candidates::holders`], [`Candidates::odd_names`] and
    /// [`Candidates::word_starts`].
    pub(super) fn index_bytes(&mut self) {
        let words = self.items.len().div_ceil(64);
        let mut holders = vec![Vec::new(); 128];
        let mut odd_names = vec![0u64; words];
        // Each byte's list sized first, exactly: grown by doubling and then copied into a block
        // of its length, the lists left freed blocks that a start's next allocations (the
        // on-disk index's write) did not reuse.
        let mut counts = [0usize; 128];
        let mut odd = 0;
        for c in &self.items {
            let mut last_odd = false;
            for (_, c) in word_starts_of(self.haystack(c, false)) {
                if c.is_ascii() {
                    counts[c as usize] += 1;
                } else if may_read_as_ascii(c) && !last_odd {
                    odd += 1;
                    last_odd = true;
                }
            }
        }
        let mut word_starts: Vec<Vec<WordStart>> =
            counts.iter().map(|&n| Vec::with_capacity(n)).collect();
        let mut odd_word_starts = Vec::with_capacity(odd);
        let mut shapes = Vec::with_capacity(self.items.len());
        for (i, c) in self.items.iter().enumerate() {
            let bit = 1u64 << (i % 64);
            let name = self.haystack(c, false);
            shapes.push(match name {
                Utf32Str::Ascii(bytes) => Shape::of(bytes),
                _ => Shape::ALWAYS_READ,
            });
            let flags = if c.is_note { WordStart::NOTE } else { 0 }
                | if c.alias.is_some() {
                    WordStart::ALIAS
                } else {
                    0
                }
                | (name.len() as u32).min(WordStart::LEN);
            for (at, c) in word_starts_of(name) {
                if c.is_ascii() {
                    // The name's next bytes after this one, for an ASCII name.
                    let mut next = [0; 4];
                    if let Utf32Str::Ascii(bytes) = name {
                        for (slot, &b) in next.iter_mut().zip(&bytes[at + 1..]) {
                            *slot = b;
                        }
                    }
                    word_starts[c as usize].push(WordStart {
                        candidate: i as u32,
                        next,
                        meta: flags
                            | if at == 0 { WordStart::AT_START } else { 0 }
                            | if matches!(name, Utf32Str::Ascii(_)) {
                                WordStart::ASCII
                            } else {
                                0
                            },
                    });
                } else if may_read_as_ascii(c) && odd_word_starts.last() != Some(&(i as u32)) {
                    odd_word_starts.push(i as u32);
                }
            }
            // A name is indexed by its ASCII letters unless it holds one the matcher may read
            // as an ASCII letter (`ø` as `o`): no byte rules such a name out.
            if name.chars().any(|c| !c.is_ascii() && may_read_as_ascii(c)) {
                odd_names[i / 64] |= bit;
                continue;
            }
            for c in name.chars().filter(char::is_ascii) {
                let held: &mut Vec<u64> = &mut holders[c as usize];
                if held.is_empty() {
                    held.resize(words, 0);
                }
                held[i / 64] |= bit;
            }
        }
        self.holders = holders;
        self.odd_names = odd_names;
        self.shapes = shapes;
        self.word_starts = word_starts;
        self.odd_word_starts = odd_word_starts;
    }

    /// The shape of candidate `i`'s name (see [`Shape`]).
    pub(super) fn shape(&self, i: u32) -> Shape {
        self.shapes
            .get(i as usize)
            .copied()
            .unwrap_or(Shape::ALWAYS_READ)
    }

    /// The candidates with a word starting with the ASCII byte `b` (see
    /// [`Candidates::word_starts`]), in order.
    pub(super) fn at_word_start(&self, b: u8) -> &[WordStart] {
        self.word_starts
            .get(usize::from(b))
            .map_or(&[], Vec::as_slice)
    }

    /// The candidate of `file`'s own name, if it has one: candidates are laid out in the
    /// files' order.
    pub(super) fn own_of(&self, file: FileId) -> Option<u32> {
        let at = self.of_file(file).start;
        self.items
            .get(at)
            .filter(|c| c.file == file && c.alias.is_none())
            .map(|_| at as u32)
    }

    /// The candidates of `file`: its own name's, then its aliases'.
    pub(super) fn of_file(&self, file: FileId) -> std::ops::Range<usize> {
        let start = self.items.partition_point(|c| c.file < file);
        start..start + self.items[start..].partition_point(|c| c.file == file)
    }

    /// The candidates with a word starting with a letter the matcher may read as an ASCII
    /// one (see [`Candidates::odd_word_starts`]), in order.
    pub(super) fn odd_word_starts(&self) -> &[u32] {
        &self.odd_word_starts
    }

    /// The popularity of candidates `wanted`, looked up where not known for the vault's link
    /// counts as they are: a guard over every candidate's, to index by candidate.
    pub(super) fn popularity(
        &self,
        vault: &Vault,
        wanted: impl Iterator<Item = usize>,
    ) -> std::sync::MutexGuard<'_, Popularity> {
        let mut known = self.popularity.lock().unwrap_or_else(|p| p.into_inner());
        let now = vault.counts_generation();
        if known.generation != Some(now) {
            let changed = known
                .generation
                .and_then(|then| vault.counts_changed_since(then));
            match changed {
                // An edit added or removed a few links: only the names they count for are
                // looked up again, not the thousands a keystroke ties.
                Some(keys) => {
                    for file in keys.flat_map(|key| vault.by_name(key)) {
                        for i in self.of_file(*file) {
                            known.values[i] = UNKNOWN;
                        }
                    }
                }
                None => {
                    known.values.clear();
                    known.values.resize(self.items.len(), UNKNOWN);
                }
            }
            known.generation = Some(now);
        }
        let missing: Vec<usize> = wanted.filter(|&i| known.values[i] == UNKNOWN).collect();
        let look_up = |&i: &usize| vault.key_ref_count(vault.file(self.items[i].file).name_key());
        // On the scoring threads when thousands are missing (a new state of the counts).
        let found: Vec<u32> =
            match scoring_threads().filter(|_| missing.len() > PARALLEL_POPULARITY) {
                Some(threads) => {
                    use rayon::prelude::*;
                    threads.install(|| missing.par_iter().map(look_up).collect())
                }
                None => missing.iter().map(look_up).collect(),
            };
        for (i, n) in missing.into_iter().zip(found) {
            known.values[i] = n;
        }
        known
    }

    /// Keep of `matched` the candidates [`Candidates::holding`] would give.
    pub(super) fn keep_holding(&self, matched: &mut Vec<u32>, letters: &[u8]) {
        let has = |bits: &[u64], i: usize| bits.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 == 1);
        matched.retain(|&i| {
            let i = i as usize;
            has(&self.odd_names, i)
                || letters
                    .iter()
                    .all(|&b| has(&self.holders[usize::from(b)], i))
        });
    }

    /// The candidates whose name holds every one of `letters` (ASCII bytes, see
    /// `Typed::letters`), and those that no byte rules out (`odd_names`), in order.
    pub(super) fn holding(&self, letters: &[u8]) -> Vec<u32> {
        let mut out = Vec::new();
        for (w, &odd) in self.odd_names.iter().enumerate() {
            let mut held = !0u64;
            for &b in letters {
                held &= self.holders[usize::from(b)].get(w).copied().unwrap_or(0);
            }
            held |= odd;
            while held != 0 {
                out.push((w * 64) as u32 + held.trailing_zeros());
                held &= held - 1;
            }
        }
        out
    }

    /// The candidates of `files` alone, each file's own followed by its aliases', folded and
    /// widened for the matcher (most of the cost: ~200 ms at 100,000 notes on one core).
    pub(super) fn of_files(files: &[(FileId, &crate::index::File)]) -> Candidates {
        let mut candidates = Candidates::default();
        for &(id, file) in files {
            let at = candidates.items.len() as u32;
            let own = Candidate {
                file: id,
                note: at,
                alias: None,
                name: candidates.push_form(file.display_name()),
                path: candidates.push_form(file.link_path()),
                is_note: file.is_note(),
            };
            candidates.items.push(own);
            for alias in file.note().into_iter().flat_map(|n| n.syntax.aliases()) {
                let written = Slice {
                    at: candidates.aliases.len() as u32,
                    len: alias.len() as u32,
                };
                candidates.aliases.push_str(alias);
                let name = candidates.push_form(alias);
                candidates.items.push(Candidate {
                    file: id,
                    note: at,
                    alias: Some(written),
                    name,
                    // Aliases are matched by name only, never by path.
                    path: Form::Ascii(Slice::default()),
                    is_note: true,
                });
            }
        }
        candidates
    }

    /// Lay `name` end to end with the other names, in the form the matcher reads
    /// ([`match_form`]). An ASCII name (most are) is lowered in place, without a copy of its
    /// own: a restart's sketch lays out ~250,000 names, paths and aliases at 100,000 notes.
    fn push_form(&mut self, name: &str) -> Form {
        if name.is_ascii() {
            let at = self.ascii.len() as u32;
            self.ascii
                .extend(name.bytes().map(|b| b.to_ascii_lowercase()));
            return Form::Ascii(Slice {
                at,
                len: name.len() as u32,
            });
        }
        let form = match_form(name);
        if form.is_ascii() {
            let at = self.ascii.len() as u32;
            self.ascii.extend_from_slice(form.as_bytes());
            Form::Ascii(Slice {
                at,
                len: form.len() as u32,
            })
        } else {
            let at = self.unicode.len() as u32;
            self.unicode.extend(form.chars());
            Form::Unicode(Slice {
                at,
                len: self.unicode.len() as u32 - at,
            })
        }
    }
}
