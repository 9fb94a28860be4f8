//! Tests of note completion: the candidates' layout, and lists ranked from their best tiers
//! alone equal to lists of every candidate scored.

use super::*;
use crate::features::completion::candidates::EVERY_CANDIDATE_SCORED;
use crate::features::completion::tiers::tier_in;
use crate::features::completion::{InsertStyle, complete};
use crate::features::fixture::Fixture;
use crate::index::Note;

/// The list for `[[` + `query` asked at once, then for each start of `query` in turn, as a
/// user types it (each narrowing the last), with every candidate scored or not.
fn typed_lists(
    names: &[String],
    aliases: &[String],
    query: &str,
    limit: usize,
    every: bool,
) -> Vec<String> {
    let mut vault = String::new();
    for (i, name) in names.iter().enumerate() {
        vault.push_str(&format!("//- /{name}.md\n"));
        if i == 0 && !aliases.is_empty() {
            vault.push_str(&format!("---\naliases: [{}]\n---\n", aliases.join(", ")));
        }
    }
    let starts: Vec<&str> = (0..=query.len())
        .filter(|&end| query.is_char_boundary(end))
        .map(|end| &query[..end])
        .collect();
    let fixtures: Vec<Fixture> = starts
        .iter()
        .map(|typed| Fixture::parse(&format!("//- /typed note.md\n[[{typed}$0\n{vault}")))
        .collect();
    let at_once = Candidates::build(&fixtures[0].vault);
    let typed = Candidates::build(&fixtures[0].vault);
    EVERY_CANDIDATE_SCORED.set(every);
    let lists = std::iter::once((fixtures.last().expect("a fixture"), &at_once))
        .chain(fixtures.iter().map(|f| (f, &typed)))
        .map(|(f, candidates)| {
            let (file, offset) = f.cursor();
            let list = complete(
                &f.vault,
                candidates,
                file,
                offset,
                limit,
                InsertStyle::default(),
            );
            crate::features::completion::tests::shown(list)
        })
        .collect();
    EVERY_CANDIDATE_SCORED.set(false);
    lists
}

/// Candidates are laid out in runs of files on several threads and joined: every
/// candidate's name, path and alias text, and its note's index, survive the join.
#[test]
fn candidates_laid_out_in_runs_and_joined_keep_every_name_path_and_alias() {
    let mut fixture = String::new();
    for i in 0..2500 {
        let folder = if i % 3 == 0 { "Zoë/" } else { "" };
        fixture.push_str(&format!("//- /{folder}Note {i} café.md\n"));
        if i % 2 == 0 {
            fixture.push_str(&format!("---\naliases: [Alias {i}, Ålias {i}]\n---\n"));
        }
    }
    let f = Fixture::parse(&fixture);
    let candidates = Candidates::build(&f.vault);
    let text = |form: Utf32Str<'_>| form.chars().collect::<String>();
    let mut expected = Vec::new();
    let mut actual = Vec::new();
    for (_, file) in f.vault.files() {
        expected.push((
            match_form(file.display_name()),
            match_form(file.link_path()),
            None,
        ));
        for alias in file.note().into_iter().flat_map(|n| n.syntax.aliases()) {
            expected.push((match_form(alias), String::new(), Some(alias.to_string())));
        }
    }
    for (i, c) in candidates.items.iter().enumerate() {
        let own = &candidates.items[c.note as usize];
        assert_eq!(own.file, c.file, "candidate {i}");
        assert!(own.alias.is_none(), "candidate {i}");
        actual.push((
            text(candidates.haystack(c, false)),
            if c.alias.is_some() {
                String::new()
            } else {
                text(candidates.haystack(c, true))
            },
            candidates.alias(c).map(str::to_string),
        ));
    }
    assert_eq!(actual.len(), 2500 + 2 * 1250);
    assert_eq!(actual, expected);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

    /// The tiers of ASCII names compared a byte at a time are the tiers the generic
    /// comparison finds.
    #[test]
    fn ascii_tiers_compared_a_byte_at_a_time_are_the_generic_tiers(
        name in "[ab -]{0,8}",
        query in "[ab ]{0,4}",
    ) {
        let typed = Typed::new(&query);
        let (whole, words) = typed.ascii.clone().expect("an ASCII query");
        proptest::prop_assert_eq!(
            typed.tier_of(Utf32Str::Ascii(name.as_bytes()), &mut Vec::new()),
            tier_in(name.as_bytes(), &whole, &words, |b: u8| b.is_ascii_alphanumeric())
        );
    }

    /// A query whose words start with a letter or digit gets from nucleo its own score, the
    /// best it gives any name, from exactly the names where each word stands whole at the
    /// start or after whitespace — which note completion gives them without asking the
    /// matcher (`Typed::prefixes_score_top`, `Typed::at_word_starts`).
    #[test]
    fn a_query_of_words_scores_top_exactly_where_each_word_starts_the_name_or_follows_whitespace(
        query in "[a-c1][a-c1._-]{0,3}( {1,2}[a-c1][a-c1._-]{0,3}){0,2} ?",
        before in "[a-c1 \t._/()-]{0,6}",
        rest in "[a-c1 \t._/()-]{0,12}",
    ) {
        let typed = Typed::new(&query);
        proptest::prop_assert!(typed.prefixes_score_top());
        let pattern = pattern(&query);
        let mut matcher = matcher();
        let top = pattern.score(Utf32Str::Ascii(query.trim().as_bytes()), &mut matcher);
        proptest::prop_assert!(top.is_some());
        for name in [format!("{query}{rest}"), format!("{before}{query}{rest}"), format!("{before}{rest}")] {
            let score = pattern.score(Utf32Str::Ascii(name.as_bytes()), &mut matcher);
            proptest::prop_assert!(score <= top, "{name:?} scores {score:?} over {top:?}");
            proptest::prop_assert_eq!(score == top, typed.at_word_starts(name.as_bytes()), "{:?}", name);
        }
    }

    /// Scoring only the tiers that can fill the list, and deciding the other matches
    /// without the fuzzy matcher, gives the list that scoring every candidate gave.
    #[test]
    fn a_list_ranked_from_its_best_tiers_alone_is_the_list_of_every_candidate_scored(
        names in proptest::collection::btree_set("([ab]{1,2}/)?[abcéø1_-][abcéø1 ._-]{0,4}[abc]", 1..30),
        aliases in proptest::collection::vec("[abc-][abc1 -]{0,3}[abc]", 0..5),
        query in "[abcéo1 /\t-]{0,5}",
        limit in 1usize..6,
    ) {
        let names: Vec<String> = names.into_iter().collect();
        proptest::prop_assert_eq!(
            typed_lists(&names, &aliases, &query, limit, false),
            typed_lists(&names, &aliases, &query, limit, true)
        );
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

    /// The same, for two or three letters scattered over many names, where only the
    /// matches whose score bound can reach the list are scored (`bound.rs`).
    #[test]
    fn a_list_of_scattered_matches_scored_by_bound_is_the_list_of_every_candidate_scored(
        names in proptest::collection::btree_set("[abc1][abc1 ._-]{1,9}", 8..40),
        aliases in proptest::collection::vec("[abc][abc1 -]{1,5}", 0..4),
        query in "[abc1]{2,3}",
        limit in 1usize..8,
    ) {
        let names: Vec<String> = names.into_iter().collect();
        proptest::prop_assert_eq!(
            typed_lists(&names, &aliases, &query, limit, false),
            typed_lists(&names, &aliases, &query, limit, true)
        );
    }

    /// The same, for names made of a few words that start, hold or end what is typed: the
    /// lists that the names scoring top fill alone equal the lists of every candidate scored.
    #[test]
    fn a_list_filled_by_the_names_scoring_top_is_the_list_of_every_candidate_scored(
        names in proptest::collection::btree_set(
            "(ab|xab|a-b|ba|abc|c1|ø|éa|xo|ab ab)([ \t_.-](ab|xab|a-b|ba|abc|c1|ø|éa|xo)){0,2}", 1..30),
        aliases in proptest::collection::vec("(ab|xab|ba)( ab)?", 0..4),
        query in "(a|ab|abc|b|c1|x|o)( {1,2}(a|ab|b))? ?",
        limit in 1usize..8,
    ) {
        let names: Vec<String> = names.into_iter().collect();
        proptest::prop_assert_eq!(
            typed_lists(&names, &aliases, &query, limit, false),
            typed_lists(&names, &aliases, &query, limit, true)
        );
    }
}

#[test]
fn the_candidates_hold_every_note_alias_and_attachment_without_spare_room() {
    let f = Fixture::parse(
        "//- /Project Plan.md\n---\naliases: [Roadmap, Plan 2]\n---\n# Milestones\n//- /Other.md\nbody\n//- /img.png\n",
    );
    let candidates = Candidates::build(&f.vault);
    let names: Vec<(Option<&str>, bool)> = candidates
        .items
        .iter()
        .map(|c| (candidates.alias(c), c.is_note))
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

/// A new query scans only the names holding each letter typed — and every name holding a
/// letter the matcher may read as an ASCII one (`ø` as `o`), which the letters cannot rule
/// out. A CJK name is ruled out by its ASCII letters like any other.
#[test]
fn a_new_query_finds_names_holding_its_letters_and_names_that_may_read_so() {
    let f = Fixture::parse(
        "//- /Søren ab.md\n//- /b only.md\n//- /ba.md\n//- /Ørsted.md\n//- /東京 b.md\n//- /東京 ab.md\n",
    );
    let candidates = Candidates::build(&f.vault);
    let held: Vec<String> = candidates
        .holding(b"a")
        .into_iter()
        .map(|i| {
            let c = &candidates.items[i as usize];
            f.vault.file(c.file).display_name().to_string()
        })
        .collect();
    let mut held = held;
    held.sort();
    assert_eq!(held, ["Søren ab", "ba", "Ørsted", "東京 ab"]);
    let names: Vec<String> = ["Søren ab", "b only", "ba", "Ørsted", "東京 b", "東京 ab"]
        .map(String::from)
        .into();
    assert_eq!(
        typed_lists(&names, &[], "a", 10, false)[0],
        r#"Some((false, [("東京 ab", "東京 ab]]", Some("東京 ab.md")), ("Søren ab", "Søren ab]]", Some("Søren ab.md")), ("ba", "ba]]", Some("ba.md"))]))"#
    );
}

/// Completion keeps the popularity it looked up while the vault's link counts stand: an edit
/// that keeps a note's links leaves them (and the order) as they were; a link added or removed
/// ranks again by the new counts.
#[test]
fn popularity_is_looked_up_again_once_a_link_is_added_or_removed_and_only_then() {
    let mut f = Fixture::parse(
        "//- /typed.md\n[[alp$0\n//- /Alpha one.md\n//- /Alpha two.md\n//- /ref.md\n[[Alpha two]]\n\
         //- /keep.md\n[[Alpha two]]\n",
    );
    let (typed, offset) = f.cursor();
    let candidates = Candidates::build(&f.vault);
    let labels = |vault: &Vault| -> Vec<String> {
        complete(
            vault,
            &candidates,
            typed,
            offset,
            10,
            InsertStyle::default(),
        )
        .expect("a list")
        .items
        .into_iter()
        .map(|c| c.label)
        .collect()
    };
    assert_eq!(labels(&f.vault), ["Alpha two", "Alpha one"]);
    let reference = f.vault.roots()[0].join("ref.md");
    let counts = f.vault.counts_generation();
    f.vault.upsert_note(
        &reference,
        Note::parse("edited, the same link: [[Alpha two]]"),
    );
    assert_eq!(f.vault.counts_generation(), counts);
    assert_eq!(labels(&f.vault), ["Alpha two", "Alpha one"]);
    f.vault.upsert_note(
        &reference,
        Note::parse("[[Alpha one]] [[Alpha one]] [[Alpha one]]"),
    );
    assert_ne!(f.vault.counts_generation(), counts);
    assert_eq!(labels(&f.vault), ["Alpha one", "Alpha two"]);
    f.vault.remove(&reference);
    assert_eq!(labels(&f.vault), ["Alpha two", "Alpha one"]);
}

/// A restart's sketch ranks by the counts the full index had (`seed_popularity`): an edit that
/// takes a note's link out and puts it back leaves that count, as the cached popularity
/// assumes (the seeded count once went with the note's last link).
#[test]
fn a_seeded_count_stands_through_an_edit_that_keeps_the_notes_links() {
    let mut f = Fixture::parse("//- /Alpha.md\n//- /c.md\n[[Alpha]]\n");
    f.vault.seed_popularity(&[("alpha", 5)]);
    let counts = f.vault.counts_generation();
    let c = f.vault.roots()[0].join("c.md");
    f.vault.upsert_note(&c, Note::parse("edited: [[Alpha]]"));
    assert_eq!(f.vault.key_ref_count("alpha"), 5);
    assert_eq!(f.vault.counts_generation(), counts);
}

/// No letter from U+2200 up is read by the matcher as an ASCII letter, digit or sign, as
/// `may_read_as_ascii` assumes to leave names whose words start so out of a query's names
/// scoring top, and CJK names out of a query's names holding its letters.
#[test]
fn the_matcher_reads_no_letter_from_u2200_up_as_ascii() {
    use crate::features::completion::candidates::may_read_as_ascii;
    use nucleo_matcher::pattern::{Atom, AtomKind, CaseMatching, Normalization};
    let letters: Vec<char> = (0x2200..=u32::from(char::MAX))
        .filter_map(char::from_u32)
        .collect();
    assert!(letters.iter().all(|&c| !may_read_as_ascii(c)));
    assert!(may_read_as_ascii('ø') && may_read_as_ascii('\u{212A}'));
    let mut matcher = matcher();
    let fuzzy = |c: char| {
        Atom::new(
            &c.to_string(),
            CaseMatching::Ignore,
            Normalization::Smart,
            AtomKind::Fuzzy,
            false,
        )
    };
    for ascii in (0x21u8..0x7f).map(char::from) {
        let atom = fuzzy(ascii);
        for chunk in letters.chunks(1 << 16) {
            assert_eq!(
                atom.score(Utf32Str::Unicode(chunk), &mut matcher),
                None,
                "{ascii}"
            );
        }
    }
    // And the check can fail: a letter below is read so.
    assert!(
        fuzzy('o')
            .score(Utf32Str::Unicode(&['ø']), &mut matcher)
            .is_some()
    );
}

/// The list of `[[` in `fixture`'s cursor note, with the fast paths and with every candidate
/// scored.
fn both_lists(fixture: &str, limit: usize) -> (String, String) {
    use crate::features::completion::ranking_tests::listed;
    let f = Fixture::parse(fixture);
    let candidates = Candidates::build(&f.vault);
    let run = |every| format!("{:?}", listed(&f, &candidates, limit, every));
    (run(false), run(true))
}

/// A NUL typed after a word is not taken for the end of a name, where the bytes kept at a
/// word start are padded with 0.
#[test]
fn a_nul_typed_after_a_word_matches_no_name_ending_there() {
    let fixture = "//- /typed.md\n[[ab\0$0\n//- /x/ab.md\n//- /y/ab.md\n//- /z/q ab.md\n";
    let (fast, every) = both_lists(fixture, 2);
    assert_eq!(fast, "Some(([], false))");
    assert_eq!(fast, every);
}

/// A name too long for the matcher's optimal search is scored as the matcher scores it
/// (greedily, below the best), not given the best score its word starts would earn: here it
/// ranks after four shorter names, though linked to twice.
#[test]
fn a_name_too_long_for_the_optimal_search_is_scored_by_the_matcher() {
    let long = format!("cxd cd{}d", "x".repeat(20000));
    let fixture = format!(
        "//- /typed.md\n[[cd$0\n//- /{long}.md\n//- /zz cd.md\n//- /zz cdq.md\n\
         //- /zz cdr.md\n//- /zz cds.md\n//- /x-cd.md\n//- /linker.md\n[[{long}]] [[{long}]]\n"
    );
    let (fast, every) = both_lists(&fixture, 4);
    assert_eq!(
        fast,
        r#"Some((["zz cd", "zz cdq", "zz cdr", "zz cds"], true))"#
    );
    assert_eq!(fast, every);
}

/// A typed word too long for the matcher's optimal search (whose score would overflow) is
/// scored by the matcher alone.
#[test]
fn a_typed_word_past_the_optimal_search_is_scored_by_the_matcher_alone() {
    let fixture = format!("//- /typed.md\n[[{}$0\n//- /ab.md\n", "a".repeat(2600));
    let (fast, every) = both_lists(&fixture, 4);
    assert_eq!(fast, "Some(([], false))");
    assert_eq!(fast, every);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

    /// The fast paths' lists equal every candidate scored, over upper case, CJK, the Kelvin
    /// sign, `ß`, other spaces, attachments and `![[`, aliases on any note, and the cursor in
    /// one of the named notes.
    #[test]
    fn lists_over_cases_scripts_attachments_and_the_own_note_are_every_candidate_scored(
        names in proptest::collection::btree_set(
            "(Ab|xab|a-b|BA|abc|c1|ø|éa|Xo|ab ab|漢ab|k|\u{212A}b|ß|a\u{3000}b|ab\u{00A0}c)([ \t_./-](ab|xAb|a-b|ba|abc|c1|ø|éa|xo|漢|ab)){0,2}(\\.png)?", 1..25),
        aliases in proptest::collection::vec("(ab|xab|Ba|漢 ab|øb)( ab)?", 0..4),
        alias_owner in 0usize..5,
        query in "(a|ab|abc|b|c1|x|o|k|AB|漢)( {1,2}(a|ab|b|c))? ?",
        embed in proptest::bool::ANY,
        own_name in proptest::option::of(0usize..5),
        limit in 1usize..8,
    ) {
        let names: Vec<String> = names.into_iter().collect();
        let mut vault = String::new();
        let typed_at = own_name.filter(|&i| i < names.len() && !names[i].ends_with(".png"));
        let bang = if embed { "!" } else { "" };
        if typed_at.is_none() {
            vault.push_str(&format!(
                "//- /typed note.md\n---\naliases: [ab typed]\n---\n{bang}[[{query}$0\n"
            ));
        }
        for (i, name) in names.iter().enumerate() {
            let file = if name.ends_with(".png") { name.clone() } else { format!("{name}.md") };
            vault.push_str(&format!("//- /{file}\n"));
            if i == alias_owner % names.len() && !aliases.is_empty() && !name.ends_with(".png") {
                vault.push_str(&format!("---\naliases: [{}]\n---\n", aliases.join(", ")));
            }
            if Some(i) == typed_at {
                vault.push_str(&format!("{bang}[[{query}$0\n"));
            }
        }
        let (fast, every) = both_lists(&vault, limit);
        proptest::prop_assert_eq!(fast, every, "{}", vault);
    }
}

/// The labels `[[al` lists in `vault` from `candidates`, 3 at most (fewer than the names
/// starting with it, so that popularity decides which are shown).
fn popular_labels(vault: &Vault, candidates: &Candidates) -> Vec<String> {
    let typed = vault
        .id(&vault.roots()[0].join("typed.md"))
        .expect("typed note");
    complete(vault, candidates, typed, 4, 3, InsertStyle::default())
        .expect("a list")
        .items
        .into_iter()
        .map(|c| c.label)
        .collect()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

    /// Popularity kept across edits (only the names whose counts an edit changed are looked
    /// up again) ranks as popularity looked up afresh, whatever the edits: links added,
    /// removed or kept, to names, aliases and missing notes, notes removed and put back.
    #[test]
    fn popularity_followed_edit_by_edit_ranks_as_popularity_looked_up_afresh(
        edits in proptest::collection::vec(
            (0..3usize, proptest::collection::vec(0..7usize, 0..4), proptest::bool::weighted(0.1)),
            1..12,
        ),
    ) {
        let targets = ["Alpha a", "Alpha b", "Alpha c", "al one", "Alpha d", "missing", "alpha A"];
        let mut f = Fixture::parse(
            "//- /typed.md\n[[al\n//- /Alpha a.md\n//- /Alpha b.md\n\
             //- /Alpha c.md\n---\naliases: [al one]\n---\n//- /Alpha d.md\n//- /x/alpha A.md\n\
             //- /r0.md\n[[Alpha d]]\n//- /r1.md\n//- /r2.md\n",
        );
        let mut kept = Candidates::build(&f.vault);
        popular_labels(&f.vault, &kept);
        for (source, links, remove) in edits {
            let path = f.vault.roots()[0].join(format!("r{source}.md"));
            if remove {
                f.vault.remove(&path);
            } else {
                let text: String = links.iter().map(|&t| format!("[[{}]] ", targets[t])).collect();
                f.vault.upsert_note(&path, Note::parse(text));
            }
            // As the server does: candidates are built again when a name comes or goes.
            if kept.generation != f.vault.listed_generation() {
                kept = Candidates::build(&f.vault);
            }
            proptest::prop_assert_eq!(
                popular_labels(&f.vault, &kept),
                popular_labels(&f.vault, &Candidates::build(&f.vault))
            );
        }
    }
}
