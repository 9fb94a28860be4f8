//! Note, alias and attachment completion after `[[` and `![[`: the vault's candidate names,
//! built once per change of names, scored fuzzily per keystroke (narrowing the last query's
//! matches as the user types on), ranked by score and popularity.
use nucleo_matcher::{Utf32Str, Utf32String};

use super::{
    Completion, CompletionKind, Completions, InsertStyle, LinkContext, match_form, matcher, pattern,
};
use crate::features::actions::styled_target;
use crate::features::refactor::{encode_dest, relative_path};
use crate::index::{FileId, Vault};
use crate::syntax::Span;

/// One thing a `[[` can complete to, with its name ready for the fuzzy matcher.
struct Candidate {
    file: FileId,
    /// For an alias, the index of its note's own candidate.
    note: u32,
    alias: Option<String>,
    name: Utf32String,
    path: Utf32String,
    is_note: bool,
}

/// The vault's completion candidates. Building them walks the vault, so callers keep one and
/// rebuild it only when [`Vault::names_generation`] moves — never per keystroke.
pub struct Candidates {
    pub generation: u64,
    items: Vec<Candidate>,
    /// The last query and the candidates it matched: typing one more letter can only narrow
    /// the matches, so the next query scores those alone.
    last: std::sync::Mutex<Option<LastQuery>>,
}

struct LastQuery {
    file: FileId,
    query: String,
    by_path: bool,
    embed: bool,
    matched: Vec<u32>,
}

/// Above this many candidates to score, scoring is split across threads.
const PARALLEL_SCORING: usize = 8192;

/// The threads that score candidates: a pool of their own, not rayon's global one, where a
/// load or a verification may have queued seconds of work that a keystroke would wait behind.
/// `None` when its threads could not be started: then scoring runs on the caller's.
fn scoring_threads() -> Option<&'static rayon::ThreadPool> {
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
    pub fn build(vault: &Vault) -> Candidates {
        use rayon::prelude::*;
        // Each file's candidates (its own, then its aliases') are worked out on the scoring
        // threads — folding and widening every name is most of the cost (~200 ms at 100,000
        // notes on one core) —, then laid out in the files' order, aliases pointing back.
        let files: Vec<(FileId, &crate::index::File)> = vault.files().collect();
        let of_file = |&(id, file): &(FileId, &crate::index::File)| {
            let own = Candidate {
                file: id,
                note: 0,
                alias: None,
                name: Utf32String::from(match_form(file.display_name())),
                path: Utf32String::from(match_form(file.link_path())),
                is_note: file.is_note(),
            };
            let aliases: Vec<Candidate> = file
                .note()
                .into_iter()
                .flat_map(|note| note.syntax.aliases())
                .map(|alias| Candidate {
                    file: id,
                    note: 0,
                    alias: Some(alias.to_string()),
                    name: Utf32String::from(match_form(alias)),
                    // Aliases are matched by name only, never by path.
                    path: Utf32String::default(),
                    is_note: true,
                })
                .collect();
            (own, aliases)
        };
        let built: Vec<(Candidate, Vec<Candidate>)> = match scoring_threads() {
            Some(threads) => threads.install(|| files.par_iter().map(of_file).collect()),
            None => files.iter().map(of_file).collect(),
        };
        // Sized before filling, as the symbol index is: grown by doubling, the list held up to
        // twice the room it needed, and three times while a doubling copied it.
        let count: usize = built.iter().map(|(_, aliases)| 1 + aliases.len()).sum();
        let mut items = Vec::with_capacity(count);
        for (mut own, aliases) in built {
            let at = items.len() as u32;
            own.note = at;
            items.push(own);
            items.extend(
                aliases
                    .into_iter()
                    .map(|alias| Candidate { note: at, ..alias }),
            );
        }
        Candidates {
            generation: vault.names_generation(),
            items,
            last: std::sync::Mutex::new(None),
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn notes(
    vault: &Vault,
    candidates: &Candidates,
    file: FileId,
    ctx: &LinkContext,
    replace: Span,
    close: &str,
    has_display: bool,
    limit: usize,
    style: InsertStyle,
) -> Completions {
    let query = ctx.typed.trim_start();
    // A markdown link replaces the whole `[[…]]`, brackets included, when nothing follows the
    // target inside it.
    let markdown_span = (style.markdown && !has_display).then(|| {
        let start = ctx.open - if ctx.embed { 3 } else { 2 };
        let end = if ctx.closed {
            replace.end()
                + ctx.rest[replace.end() - ctx.open - ctx.typed.len()..]
                    .find("]]")
                    .map_or(0, |i| i + 2)
        } else {
            replace.end()
        };
        Span::new(start, end)
    });
    let by_path = query.contains('/');
    // Names are matched in their match form (accents dropped), so the query is too: `café`
    // finds `Café culture`.
    let pattern = pattern(&match_form(query));
    // Narrow from the last query's matches when this query only adds to it (and uses none of
    // the pattern syntax that could widen it).
    let plain = !query.contains(['^', '$', '!', '\'', '\\']);
    let previous: Option<Vec<u32>> = {
        let last = candidates.last.lock().unwrap_or_else(|p| p.into_inner());
        last.as_ref()
            .filter(|l| {
                plain
                    && l.file == file
                    && l.by_path == by_path
                    && l.embed == ctx.embed
                    && query.starts_with(l.query.as_str())
            })
            .map(|l| l.matched.clone())
    };
    let all: Vec<u32>;
    let pool: &[u32] = match &previous {
        Some(matched) => matched,
        None => {
            all = (0..candidates.items.len() as u32).collect();
            &all
        }
    };
    let typed = Typed::new(query);
    // Each match's tier is found beside its score, on the scoring threads, reading the
    // matcher's own copy of the name (no per-candidate allocation).
    let score_chunk = |chunk: &[u32]| -> Vec<(Tier, u32, u32)> {
        let mut matcher = matcher();
        let mut chars = Vec::new();
        let mut out = Vec::new();
        for &i in chunk {
            let c = &candidates.items[i as usize];
            if c.file == file && c.alias.is_none() {
                continue;
            }
            // Attachments are offered only where they can be embedded.
            if !c.is_note && !ctx.embed {
                continue;
            }
            let haystack = if by_path && c.alias.is_none() {
                c.path.slice(..)
            } else {
                c.name.slice(..)
            };
            if let Some(score) = pattern.score(haystack, &mut matcher) {
                out.push((typed.tier_of(haystack, &mut chars), score, i));
            }
        }
        out
    };
    let threads = scoring_threads().filter(|_| pool.len() > PARALLEL_SCORING);
    let mut scored: Vec<(Tier, u32, u32)> = if let Some(threads) = threads {
        use rayon::prelude::*;
        threads.install(|| {
            pool.par_chunks(pool.len().div_ceil(threads.current_num_threads().max(1)))
                .map(score_chunk)
                .reduce(Vec::new, |mut a, b| {
                    a.extend(b);
                    a
                })
        })
    } else {
        score_chunk(pool)
    };
    // Chunks come back in order, so `scored` is sorted by candidate index.
    if plain {
        *candidates.last.lock().unwrap_or_else(|p| p.into_inner()) = Some(LastQuery {
            file,
            query: query.to_string(),
            by_path,
            embed: ctx.embed,
            matched: scored.iter().map(|&(_, _, i)| i).collect(),
        });
    }
    // An alias never outranks its own note when both match: the note's name is what the user
    // is most likely typing, and the alias item follows right after it.
    for k in 0..scored.len() {
        let c = &candidates.items[scored[k].2 as usize];
        if c.alias.is_some() {
            if let Ok(at) = scored[..k].binary_search_by_key(&c.note, |&(_, _, i)| i) {
                scored[k].1 = scored[k].1.min(scored[at].1);
            }
        }
    }
    // Tiers first: a better kind of match is never outranked by a better fuzzy score or a more
    // linked note (see `Tier`). Popularity and the other tie-breaks order within a tier.
    let mut scored: Vec<(Tier, u32, usize)> = scored
        .into_iter()
        .map(|(tier, score, i)| (tier, score, i as usize))
        .collect();
    let incomplete = scored.len() > limit;
    let strength = |&(tier, score, _): &(Tier, u32, usize)| (tier, std::cmp::Reverse(score));
    // Only candidates at least as strong as the `limit`-th can be shown; popularity and the
    // other tie-breaks are looked up for those alone, never for the whole vault.
    if incomplete {
        scored.select_nth_unstable_by_key(limit - 1, strength);
        let threshold = strength(&scored[limit - 1]);
        scored.retain(|entry| strength(entry) <= threshold);
    }
    let label = |i: usize| {
        let c = &candidates.items[i];
        c.alias
            .as_deref()
            .unwrap_or_else(|| vault.file(c.file).display_name())
    };
    let mut ranked: Vec<(Tier, u32, u32, usize)> = scored
        .into_iter()
        .map(|(tier, score, i)| {
            let f = vault.file(candidates.items[i].file);
            (tier, score, vault.key_ref_count(&f.name_key), i)
        })
        .collect();
    // Many can tie on tier and score (every name starting with what was typed): narrow again on
    // popularity before the labels are compared.
    if ranked.len() > limit {
        let key = |&(tier, score, popularity, _): &(Tier, u32, u32, usize)| {
            (
                tier,
                std::cmp::Reverse(score),
                std::cmp::Reverse(popularity),
            )
        };
        ranked.select_nth_unstable_by_key(limit - 1, key);
        let threshold = key(&ranked[limit - 1]);
        ranked.retain(|entry| key(entry) <= threshold);
    }
    ranked.sort_by_cached_key(|&(tier, score, popularity, i)| {
        let label = label(i);
        (
            tier,
            std::cmp::Reverse(score),
            std::cmp::Reverse(popularity),
            candidates.items[i].alias.is_some(),
            label.chars().count(),
            label.to_string(),
            // Notes of one name: by path, so the list is the same every time.
            &vault.file(candidates.items[i].file).rel,
        )
    });
    ranked.truncate(limit);
    let scored: Vec<(u32, u32, usize)> = ranked
        .into_iter()
        .map(|(_, score, popularity, i)| (score, popularity, i))
        .collect();
    let items = scored
        .into_iter()
        .map(|(_, _, i)| {
            let c = &candidates.items[i];
            let f = vault.file(c.file);
            let target = styled_target(vault, file, c.file, style.target);
            if let Some(span) = markdown_span {
                let shown = c
                    .alias
                    .clone()
                    .unwrap_or_else(|| f.display_name().to_string());
                let dest = encode_dest(&relative_path(vault.file(file).folder(), &f.rel), false);
                let bang = if ctx.embed { "!" } else { "" };
                return Completion {
                    label: shown.clone(),
                    kind: match (&c.alias, c.is_note) {
                        (Some(_), _) => CompletionKind::Alias,
                        (None, true) => CompletionKind::Note,
                        (None, false) => CompletionKind::Attachment,
                    },
                    detail: Some(f.rel.clone()),
                    description: folder(f),
                    // Editors filter on the text from the replaced range's start: `[[` too.
                    filter: format!("{bang}[[{shown}"),
                    insert: format!("{bang}[{shown}]({dest})"),
                    replace: span,
                };
            }
            match &c.alias {
                Some(alias) => Completion {
                    label: alias.clone(),
                    kind: CompletionKind::Alias,
                    detail: Some(format!("alias of {}", f.rel)),
                    description: folder(f),
                    insert: if has_display {
                        target
                    } else if vault.dialect == crate::index::Dialect::Dendron {
                        // Dendron reads the label first.
                        format!("{alias}|{target}{close}")
                    } else {
                        format!("{target}|{alias}{close}")
                    },
                    replace,
                    filter: alias.clone(),
                },
                None => Completion {
                    label: f.display_name().to_string(),
                    kind: if c.is_note {
                        CompletionKind::Note
                    } else {
                        CompletionKind::Attachment
                    },
                    detail: Some(f.rel.clone()),
                    description: folder(f),
                    filter: if by_path {
                        f.link_path().to_string()
                    } else {
                        f.display_name().to_string()
                    },
                    insert: format!("{target}{close}"),
                    replace,
                },
            }
        })
        .collect();
    Completions { items, incomplete }
}

/// The folder shown beside a note's name in the list: what tells two `index` notes apart.
/// Nothing for the vault's top folder.
fn folder(file: &crate::index::File) -> Option<String> {
    let folder = file.folder();
    (!folder.is_empty()).then(|| folder.to_string())
}

/// How a name matches what was typed, best first. Tiers order the list before any fuzzy score
/// or popularity does, as Obsidian's suggester and fuzzy finders order theirs: typing a note's
/// whole name puts it first, and typing its start lists the names that start so before names
/// where the letters only turn up scattered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Tier {
    /// The whole name (or alias, or path for a path query).
    Exact,
    /// The name starts with what was typed.
    Prefix,
    /// What was typed stands whole in the name, or each typed word starts a word of the name.
    Words,
    /// The letters turn up in order, scattered.
    Fuzzy,
}

/// What was typed, in the form names are matched in (`match_form`).
pub(super) struct Typed {
    whole: Vec<char>,
    words: Vec<Vec<char>>,
    /// The same as bytes when it is ASCII, to compare with ASCII names as they are stored.
    ascii: Option<(Vec<u8>, Vec<Vec<u8>>)>,
}

impl Typed {
    pub(super) fn new(query: &str) -> Typed {
        let form = super::match_form(query.trim());
        Typed {
            whole: form.chars().collect(),
            words: form
                .split_whitespace()
                .map(|w| w.chars().collect())
                .collect(),
            ascii: form.is_ascii().then(|| {
                (
                    form.as_bytes().to_vec(),
                    form.split_whitespace()
                        .map(|w| w.as_bytes().to_vec())
                        .collect(),
                )
            }),
        }
    }

    /// The tier of `name` as the matcher stores it: ASCII names (most of a vault's) are
    /// compared as bytes in place; `chars` is scratch space for the rare ASCII name met by a
    /// query that is not.
    pub(super) fn tier_of(&self, name: Utf32Str<'_>, chars: &mut Vec<char>) -> Tier {
        let alphanumeric = |c: char| c.is_alphanumeric();
        match (name, &self.ascii) {
            (Utf32Str::Unicode(name), _) => tier_in(name, &self.whole, &self.words, alphanumeric),
            // For ASCII bytes, `is_ascii_alphanumeric` is `char::is_alphanumeric`.
            (Utf32Str::Ascii(name), Some((whole, words))) => {
                tier_in(name, whole, words, |b: u8| b.is_ascii_alphanumeric())
            }
            (Utf32Str::Ascii(name), None) => {
                chars.clear();
                chars.extend(name.iter().map(|&b| char::from(b)));
                tier_in(chars, &self.whole, &self.words, alphanumeric)
            }
        }
    }
}

/// The tier of `name` for the typed `whole` and its `words`, all in match form, as chars or as
/// ASCII bytes. Linear in the name's length.
fn tier_in<T: Copy + PartialEq>(
    name: &[T],
    whole: &[T],
    words: &[Vec<T>],
    alphanumeric: impl Fn(T) -> bool,
) -> Tier {
    if name == whole {
        return Tier::Exact;
    }
    if name.starts_with(whole) {
        return Tier::Prefix;
    }
    let contiguous = !whole.is_empty() && name.windows(whole.len()).any(|w| w == whole);
    let word_starts = || {
        words.iter().all(|word| {
            (0..name.len())
                .any(|at| (at == 0 || !alphanumeric(name[at - 1])) && name[at..].starts_with(word))
        })
    };
    if contiguous || word_starts() {
        Tier::Words
    } else {
        Tier::Fuzzy
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::fixture::Fixture;

    #[test]
    fn the_candidates_hold_every_note_alias_and_attachment_without_spare_room() {
        let f = Fixture::parse(
            "//- /Project Plan.md\n---\naliases: [Roadmap, Plan 2]\n---\n# Milestones\n//- /Other.md\nbody\n//- /img.png\n",
        );
        let candidates = Candidates::build(&f.vault);
        let names: Vec<(Option<&str>, bool)> = candidates
            .items
            .iter()
            .map(|c| (c.alias.as_deref(), c.is_note))
            .collect();
        assert_eq!(
            names,
            [
                (None, true),
                (Some("Roadmap"), true),
                (Some("Plan 2"), true),
                (None, true),
                (None, false)
            ]
        );
        assert_eq!(candidates.items.capacity(), 5);
    }
}
