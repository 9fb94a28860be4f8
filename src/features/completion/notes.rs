//! Note, alias and attachment completion after `[[` and `![[`: the vault's candidate names,
//! built once per change of names, matched per keystroke (narrowing the last query's matches
//! as the user types on), ranked by tier, fuzzy score and popularity.
use nucleo_matcher::{Matcher, Utf32Str};

use super::bound::{Entry, OneWord, keep_listable};
use super::candidates::{
    Candidate, Candidates, LastQuery, PARALLEL_SCORING, every_candidate_scored, scoring_threads,
};
use super::tiers::{TOP_NAME_LEN, Tier, Typed};
use super::top::TopQuery;
use super::{
    Completion, CompletionKind, Completions, InsertStyle, LinkContext, match_form, matcher, pattern,
};
use crate::features::actions::styled_target;
use crate::features::refactor::{encode_dest, relative_path};
use crate::index::{FileId, Vault};
use crate::syntax::Span;

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
    // Patched candidates (`patch.rs`) list their own best beside their last full build's best,
    // in the one order both are ranked in: the best of the two lists is the list.
    let (listed, incomplete): (Vec<(&Candidates, usize)>, bool) = match &candidates.patch {
        None => {
            let (keyed, incomplete) = ranked(vault, candidates, &[], file, ctx, limit);
            let listed = keyed.into_iter().map(|(_, i)| (candidates, i)).collect();
            (listed, incomplete)
        }
        Some(patch) => {
            let base = ranked(vault, &patch.base, &patch.hidden, file, ctx, limit);
            let own = ranked(vault, candidates, &[], file, ctx, limit);
            let mut both: Vec<(Key, &Candidates, usize)> = (base.0.into_iter())
                .map(|(key, i)| (key, &*patch.base, i))
                .chain(own.0.into_iter().map(|(key, i)| (key, candidates, i)))
                .collect();
            both.sort_by(|a, b| a.0.cmp(&b.0));
            let incomplete = base.1 || own.1 || both.len() > limit;
            both.truncate(limit);
            (
                both.into_iter().map(|(_, set, i)| (set, i)).collect(),
                incomplete,
            )
        }
    };
    let items = listed
        .into_iter()
        .map(|(candidates, i)| {
            let c = &candidates.items[i];
            let f = vault.file(c.file);
            let target = styled_target(vault, file, c.file, style.target);
            if let Some(span) = markdown_span {
                let shown = candidates
                    .alias(c)
                    .unwrap_or_else(|| f.display_name())
                    .to_string();
                let dest = encode_dest(&relative_path(vault.file(file).folder(), f.rel()), false);
                let bang = if ctx.embed { "!" } else { "" };
                return Completion {
                    label: shown.clone(),
                    kind: match (&c.alias, c.is_note) {
                        (Some(_), _) => CompletionKind::Alias,
                        (None, true) => CompletionKind::Note,
                        (None, false) => CompletionKind::Attachment,
                    },
                    detail: Some(f.rel().to_string()),
                    description: folder(f),
                    // Editors filter on the text from the replaced range's start: `[[` too.
                    filter: format!("{bang}[[{shown}"),
                    insert: format!("{bang}[{shown}]({dest})"),
                    replace: span,
                };
            }
            match candidates.alias(c) {
                Some(alias) => Completion {
                    label: alias.to_string(),
                    kind: CompletionKind::Alias,
                    detail: Some(format!("alias of {}", f.rel())),
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
                    filter: alias.to_string(),
                },
                None => Completion {
                    label: f.display_name().to_string(),
                    kind: if c.is_note {
                        CompletionKind::Note
                    } else {
                        CompletionKind::Attachment
                    },
                    detail: Some(f.rel().to_string()),
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

/// Where a listed candidate stands: tier, score, popularity, then the tie-breaks.
type Key<'c> = (
    Tier,
    std::cmp::Reverse<u32>,
    std::cmp::Reverse<u32>,
    bool,
    usize,
    &'c str,
    &'c str,
    usize,
);

/// The best `limit` of `candidates` for the `[[` of `ctx`, in order, each with its [`Key`],
/// leaving out the `hidden` ones (see `Patch`); and whether more matched.
fn ranked<'c>(
    vault: &'c Vault,
    candidates: &'c Candidates,
    hidden: &[u32],
    file: FileId,
    ctx: &LinkContext,
    limit: usize,
) -> (Vec<(Key<'c>, usize)>, bool) {
    let query = ctx.typed.trim_start();
    let by_path = query.contains('/');
    // Names are matched in their match form (accents dropped), so the query is too: `café`
    // finds `Café culture`.
    let pattern = pattern(&match_form(query));
    // Narrow from the last query's matches when this query only adds to it (and uses none of
    // the pattern syntax that could widen it).
    let plain = !query.contains(['^', '$', '!', '\'', '\\']);
    let typed = Typed::new(query);
    // Tiers order the list before fuzzy scores do, so the fuzzy matcher (most of the cost of a
    // keystroke) scores only the candidates of the tiers that can fill the list. Which names
    // match at all is decided without it where that is exact: an ASCII query of plain words
    // against an ASCII name matches when each word's letters turn up in order in the name,
    // and a name in a tier above `Fuzzy` holds each word whole.
    let words_only = plain && !query.contains(|c: char| c.is_whitespace() && c != ' ');
    let fast = words_only && typed.ascii.is_some() && !every_candidate_scored();
    let score_of = |haystack: Utf32Str<'_>, matcher: &mut Matcher| pattern.score(haystack, matcher);
    let offered = |i: u32, c: &Candidate| {
        // Not the note being written in, and attachments only where they can be embedded.
        !(c.file == file && c.alias.is_none())
            && (c.is_note || ctx.embed)
            && !Candidates::is_hidden(hidden, i)
    };
    let mut own_matcher = matcher();
    // Every name starting with what was typed gets the best score the matcher gives any name
    // for it (see `Typed::prefixes_score_top`): the query's own.
    let top = typed
        .ascii
        .as_ref()
        .filter(|_| fast && typed.prefixes_score_top())
        .and_then(|(whole, _)| score_of(Utf32Str::Ascii(whole), &mut own_matcher));
    // The matches scoring top, and the names starting with what was typed, rank above every
    // other match: when there are more of them than the list holds (the first letters of a
    // query, at any size of vault), they alone fill it.
    let sure = top.filter(|_| !by_path).and_then(|top| {
        let query = TopQuery {
            candidates,
            typed: &typed,
            pattern: &pattern,
            top,
            own: candidates.own_of(file),
            hidden,
            embed: ctx.embed,
        };
        query.fill(limit, offered, &mut own_matcher)
    });
    let (scored, incomplete) = if let Some(sure) = sure {
        (sure, true)
    } else {
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
        // Only the names holding every letter typed can match: of the last query's matches, or
        // of the whole vault for a new query.
        let letters = typed.letters().filter(|_| fast && !by_path);
        let pool: Vec<u32> = match (previous, letters) {
            (Some(mut matched), Some(letters)) => {
                candidates.keep_holding(&mut matched, &letters);
                matched
            }
            (Some(matched), None) => matched,
            (None, Some(letters)) => candidates.holding(&letters),
            (None, None) => (0..candidates.items.len() as u32).collect(),
        };
        let pool = pool.as_slice();
        // A query of one word of letters and digits: each name read once for its tier, its
        // match and, where scattered, a bound of its score (`bound.rs`).
        let one_word = OneWord::new(&typed).filter(|_| fast && !by_path);
        // Names whose shape rules them out of the list are left unread at first (`Shape`);
        // where the list cannot be told from them so, every name is read again.
        let mut rank = |leave_unread: bool| -> Option<(Vec<Entry>, bool)> {
            let rule_out = one_word.as_ref().filter(|_| leave_unread);
            // Each match's tier is found beside its score (or its promise of a score), on the
            // scoring threads, reading the matcher's own copy of the name (no per-candidate
            // allocation).
            let score_chunk = |chunk: &[u32]| -> (Vec<Entry>, Vec<(u32, u32)>, usize) {
                let mut matcher = matcher();
                let mut chars = Vec::new();
                let (mut out, mut bounds, mut unread) = (Vec::new(), Vec::new(), 0);
                for &i in chunk {
                    if rule_out.is_some_and(|one| one.leaves_unread(candidates.shape(i))) {
                        unread += 1;
                        continue;
                    }
                    let c = &candidates.items[i as usize];
                    if !offered(i, c) {
                        continue;
                    }
                    let haystack = candidates.haystack(c, by_path);
                    match (haystack, &one_word) {
                        (Utf32Str::Ascii(name), Some(one)) => {
                            if let Some((tier, bound)) = one.classify(name) {
                                out.push((tier, None, i));
                                if tier == Tier::Fuzzy {
                                    bounds.push((i, bound));
                                }
                            }
                        }
                        (Utf32Str::Ascii(name), None) if fast => {
                            let tier = typed.tier_of(haystack, &mut chars);
                            if tier < Tier::Fuzzy || typed.words_in_order(name) {
                                out.push((tier, None, i));
                            }
                        }
                        _ => {
                            if let Some(score) = score_of(haystack, &mut matcher) {
                                out.push((typed.tier_of(haystack, &mut chars), Some(score), i));
                            }
                        }
                    }
                }
                (out, bounds, unread)
            };
            let threads = scoring_threads().filter(|_| pool.len() > PARALLEL_SCORING);
            let (mut scored, bounds, unread) = if let Some(threads) = threads {
                use rayon::prelude::*;
                threads.install(|| {
                    pool.par_chunks(pool.len().div_ceil(threads.current_num_threads().max(1)))
                        .map(score_chunk)
                        .reduce(Default::default, |mut a, b| {
                            a.0.extend(b.0);
                            a.1.extend(b.1);
                            a.2 += b.2;
                            a
                        })
                })
            } else {
                score_chunk(pool)
            };
            // Chunks come back in order, so `scored` is sorted by candidate index.
            // Narrowing reads the last query's matches: all of them, or none.
            if plain && unread == 0 {
                *candidates.last.lock().unwrap_or_else(|p| p.into_inner()) = Some(LastQuery {
                    file,
                    query: query.to_string(),
                    by_path,
                    embed: ctx.embed,
                    matched: scored.iter().map(|&(_, _, i)| i).collect(),
                });
            }
            let incomplete = scored.len() > limit;
            // The worst tier the list can reach: enough matches above it fill it.
            let mut per_tier = [0usize; 4];
            for &(tier, _, _) in &scored {
                per_tier[tier as usize] += 1;
            }
            let mut filled = 0;
            let worst = [Tier::Exact, Tier::Prefix, Tier::Words, Tier::Fuzzy]
                .into_iter()
                .find(|&tier| {
                    filled += per_tier[tier as usize];
                    filled >= limit
                })
                .filter(|_| !every_candidate_scored())
                .unwrap_or(Tier::Fuzzy);
            let score_at = |entry: &mut (Tier, Option<u32>, u32), matcher: &mut Matcher| -> u32 {
                *entry.1.get_or_insert_with(|| {
                    let name = candidates.haystack(&candidates.items[entry.2 as usize], by_path);
                    // Within the matcher's optimal search (see `Typed::prefixes_score_top`).
                    if let Some(top) =
                        top.filter(|_| entry.0 <= Tier::Prefix && name.len() <= TOP_NAME_LEN)
                    {
                        return top;
                    }
                    // A name in a tier above `Fuzzy` holds every word, so the matcher matches
                    // it.
                    score_of(name, matcher).unwrap_or(0)
                })
            };
            // An alias never outranks its own note when both match: the note's name is what the
            // user is most likely typing, and the alias item follows right after it.
            for k in 0..scored.len() {
                if scored[k].0 > worst {
                    continue;
                }
                let c = &candidates.items[scored[k].2 as usize];
                if c.alias.is_none() {
                    continue;
                }
                if let Ok(at) = scored[..k].binary_search_by_key(&c.note, |&(_, _, i)| i) {
                    let note = score_at(&mut scored[at], &mut own_matcher);
                    let alias = score_at(&mut scored[k], &mut own_matcher);
                    scored[k].1 = Some(alias.min(note));
                } else if let Some(note) = rule_out
                    .filter(|one| one.leaves_unread(candidates.shape(c.note)))
                    .map(|_| &candidates.items[c.note as usize])
                    .filter(|&note| offered(c.note, note))
                {
                    // Its note was left unread for its shape: read it now, as it would have been.
                    let name = candidates.haystack(note, by_path);
                    if let Some(note) = score_of(name, &mut own_matcher) {
                        let alias = score_at(&mut scored[k], &mut own_matcher);
                        scored[k].1 = Some(alias.min(note));
                    }
                }
            }
            scored.retain(|&(tier, _, _)| tier <= worst);
            let mut score_all = |entries: &mut [Entry]| {
                let unscored = entries.iter().filter(|e| e.1.is_none()).count();
                match scoring_threads().filter(|_| unscored > PARALLEL_SCORING) {
                    Some(threads) => {
                        use rayon::prelude::*;
                        let chunk = entries.len().div_ceil(threads.current_num_threads().max(1));
                        threads.install(|| {
                            entries.par_chunks_mut(chunk).for_each(|part| {
                                let mut matcher = matcher();
                                for entry in part {
                                    score_at(entry, &mut matcher);
                                }
                            })
                        });
                    }
                    None => {
                        for entry in entries {
                            score_at(entry, &mut own_matcher);
                        }
                    }
                }
            };
            // Thousands of scattered matches for two letters: only those whose bound can reach
            // the list are scored.
            if let Some(one) = &one_word {
                // Sorted by candidate, as the chunks came back; a name without one is scored.
                let bound_of = |i: u32| {
                    bounds
                        .binary_search_by_key(&i, |&(c, _)| c)
                        .map_or(u32::MAX, |k| bounds[k].1)
                };
                let last_place = keep_listable(&mut scored, limit, bound_of, &mut score_all);
                // The names left unread must fall below the list: below its last scattered
                // place's score, and with more matches than it holds read already.
                let below = last_place.is_some_and(|score| one.ruled_out_bound() < score);
                if unread > 0 && !(incomplete && below) {
                    return None;
                }
            }
            score_all(&mut scored);
            Some((scored, incomplete))
        };
        match rank(true) {
            Some(ranked) => ranked,
            None => rank(false).unwrap_or_default(),
        }
    };
    // Tiers first: a better kind of match is never outranked by a better fuzzy score or a more
    // linked note (see `Tier`). Popularity and the other tie-breaks order within a tier.
    let mut scored: Vec<(Tier, u32, usize)> = scored
        .into_iter()
        .map(|(tier, score, i)| (tier, score.unwrap_or(0), i as usize))
        .collect();
    let strength = |&(tier, score, _): &(Tier, u32, usize)| (tier, std::cmp::Reverse(score));
    // Only candidates at least as strong as the `limit`-th can be shown; popularity and the
    // other tie-breaks are looked up for those alone, never for the whole vault.
    if scored.len() > limit {
        scored.select_nth_unstable_by_key(limit - 1, strength);
        let threshold = strength(&scored[limit - 1]);
        scored.retain(|entry| strength(entry) <= threshold);
    }
    let label = |i: usize| {
        let c = &candidates.items[i];
        candidates
            .alias(c)
            .unwrap_or_else(|| vault.file(c.file).display_name())
    };
    let mut ranked: Vec<(Tier, u32, u32, usize)> = {
        let popularity = candidates.popularity(vault, scored.iter().map(|&(_, _, i)| i));
        scored
            .into_iter()
            .map(|(tier, score, i)| (tier, score, popularity.values[i], i))
            .collect()
    };
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
    // The whole order, its texts borrowed: when thousands still tie (names nobody links to,
    // starting with the letter typed), only the first `limit` are sorted.
    let mut keyed: Vec<_> = ranked
        .into_iter()
        .map(|(tier, score, popularity, i)| {
            let label = label(i);
            (
                (
                    tier,
                    std::cmp::Reverse(score),
                    std::cmp::Reverse(popularity),
                    candidates.items[i].alias.is_some(),
                    label.chars().count(),
                    label,
                    // Notes of one name: by path, so the list is the same every time (and by
                    // root, for one path in two roots).
                    vault.file(candidates.items[i].file).rel(),
                    vault.file(candidates.items[i].file).root,
                ),
                i,
            )
        })
        .collect();
    if keyed.len() > limit {
        keyed.select_nth_unstable_by(limit - 1, |a, b| a.0.cmp(&b.0));
        keyed.truncate(limit);
    }
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    (keyed, incomplete)
}

/// The folder shown beside a note's name in the list: what tells two `index` notes apart.
/// Nothing for the vault's top folder.
fn folder(file: &crate::index::File) -> Option<String> {
    let folder = file.folder();
    (!folder.is_empty()).then(|| folder.to_string())
}

#[cfg(test)]
#[path = "notes_tests.rs"]
mod tests;
