//! Fixture tests of completion ranking: which of several matches comes first.

use expect_test::expect;

use super::*;
use crate::features::fixture::Fixture;

/// The labels listed for the `[[` at `f`'s cursor and whether the list is incomplete, with the
/// fast paths or (`every`) with every candidate scored; `None` where nothing is completed.
pub(super) fn listed(
    f: &Fixture,
    candidates: &Candidates,
    limit: usize,
    every: bool,
) -> Option<(Vec<String>, bool)> {
    let (file, offset) = f.cursor();
    candidates::EVERY_CANDIDATE_SCORED.set(every);
    let list = complete(
        &f.vault,
        candidates,
        file,
        offset,
        limit,
        InsertStyle::default(),
    );
    candidates::EVERY_CANDIDATE_SCORED.set(false);
    list.map(|list| {
        let labels = list.items.into_iter().map(|c| c.label).collect();
        (labels, list.incomplete)
    })
}

#[test]
fn a_note_ranks_above_its_own_alias() {
    let f = Fixture::parse(
        "//- /a.md\n[[5000$0\n//- /x/outline draft 5000.md\n---\naliases: [alias 5000]\n---\n",
    );
    let (file, offset) = f.cursor();
    let list = complete(
        &f.vault,
        &Candidates::build(&f.vault),
        file,
        offset,
        50,
        InsertStyle::default(),
    )
    .unwrap();
    let labels: Vec<&str> = list.items.iter().map(|c| c.label.as_str()).collect();
    expect![[r#"["outline draft 5000", "alias 5000"]"#]].assert_eq(&format!("{labels:?}"));
}

/// Where more names start with what was typed than the list holds, they alone fill it, and an
/// alias among them still ranks no higher than its own note's match: `ap two` (whose note
/// does not match `ap`) before `ap one` (whose note `Kappa` matches it only inside a word).
#[test]
fn an_alias_starting_with_the_query_ranks_no_higher_than_its_notes_own_match() {
    let f = Fixture::parse(
        "//- /a.md\n[[ap$0\n//- /apex.md\n//- /apse.md\n\
         //- /Kappa.md\n---\naliases: [ap one]\n---\n\
         //- /Zulu.md\n---\naliases: [ap two]\n---\n",
    );
    let candidates = Candidates::build(&f.vault);
    let labels = |limit| listed(&f, &candidates, limit, false).expect("a list");
    expect![[r#"(["apex", "apse", "ap two"], true)"#]].assert_eq(&format!("{:?}", labels(3)));
    expect![[r#"(["apex", "apse", "ap two", "ap one", "Kappa"], false)"#]]
        .assert_eq(&format!("{:?}", labels(50)));
}

/// An alias holding what was typed at a word start, of a note that holds it only inside a
/// word, ranks with its note's score: below `c-ab`, whose `ab` follows a dash, though the
/// alias's own words would score top.
#[test]
fn an_alias_at_a_word_start_ranks_with_its_notes_lower_score() {
    let f = Fixture::parse(
        "//- /a.md\n[[ab$0\n//- /ab c.md\n//- /c ab.md\n//- /c-ab.md\n\
         //- /xab.md\n---\naliases: [ba ab, c1 ab]\n---\n",
    );
    let candidates = Candidates::build(&f.vault);
    let labels = |limit| listed(&f, &candidates, limit, false).expect("a list");
    expect![[r#"(["ab c", "c ab", "c-ab"], true)"#]].assert_eq(&format!("{:?}", labels(3)));
    expect![[r#"(["ab c", "c ab", "c-ab", "xab", "ba ab", "c1 ab"], false)"#]]
        .assert_eq(&format!("{:?}", labels(50)));
}

/// The note being written in is never offered, even where its name is what was typed and
/// the names starting so fill the list.
#[test]
fn the_note_being_written_in_is_not_offered_among_names_starting_with_the_query() {
    let f = Fixture::parse("//- /ab.md\n[[ab$0\n//- /ab c.md\n//- /ab d.md\n//- /x ab.md\n");
    let candidates = Candidates::build(&f.vault);
    let (labels, _) = listed(&f, &candidates, 2, false).expect("a list");
    assert_eq!(labels, ["ab c", "ab d"]);
}

/// Thousands of names with a word starting with what was typed are read on several threads,
/// in runs that may part one name's word starts: each name is listed once, and the list is
/// the one every candidate scored gives.
#[test]
fn names_read_on_several_threads_are_listed_once_as_every_candidate_scored_lists_them() {
    let mut fixture = String::from("//- /typed.md\n[[ab$0\n");
    // Three word starts with `a` in each of 9,001 names: the two runs part one name's.
    for i in 0..9001 {
        fixture.push_str(&format!("//- /ab a{i} ab.md\n"));
    }
    let f = Fixture::parse(&fixture);
    let candidates = Candidates::build(&f.vault);
    let list = |limit, every| listed(&f, &candidates, limit, every).expect("a list");
    // Filled by the names starting with `ab`; and every name, each once (none left out).
    for limit in [8000, 9001] {
        let fast = list(limit, false);
        assert_eq!(fast.0.len(), limit);
        assert_eq!(fast.0[0], "ab a0 ab");
        assert_eq!(fast.1, limit < 9001);
        assert_eq!(fast, list(limit, true));
    }
}

#[test]
fn configured_link_style_and_markdown_format_shape_the_insert() {
    let fixture = "//- /notes/a.md\nsee [[tar$0]] now\n//- /deep/My Target.md\n";
    let f = Fixture::parse(fixture);
    let (file, offset) = f.cursor();
    let candidates = Candidates::build(&f.vault);
    let first = |style| {
        let list = complete(&f.vault, &candidates, file, offset, 5, style).unwrap();
        let c = list.items.into_iter().next().unwrap();
        let text = &f.vault.note(file).unwrap().text();
        format!("{:?} -> {:?}", &text[c.replace.range()], c.insert)
    };
    let style = |target, markdown| InsertStyle { target, markdown };
    assert_eq!(
        first(style(LinkStyle::Shortest, false)),
        r#""tar" -> "My Target""#
    );
    assert_eq!(
        first(style(LinkStyle::Relative, false)),
        r#""tar" -> "../deep/My Target""#
    );
    assert_eq!(
        first(style(LinkStyle::Absolute, false)),
        r#""tar" -> "deep/My Target""#
    );
    assert_eq!(
        first(style(LinkStyle::Shortest, true)),
        r#""[[tar]]" -> "[My Target](../deep/My%20Target.md)""#
    );
}

#[test]
fn narrowing_from_the_last_query_gives_what_a_fresh_query_gives() {
    let notes = [
        "research",
        "reading list",
        "review",
        "rename me",
        "area",
        "Résumé",
        "tree",
        "rest",
    ];
    let mut fixture = String::from("//- /a.md\nstart\n");
    for (i, n) in notes.iter().enumerate() {
        fixture.push_str(&format!(
            "//- /f{i}/{n}.md\n---\naliases: [{n} alias]\n---\n"
        ));
    }
    let f = Fixture::parse(&fixture);
    let (file, _) = (f.vault.id(std::path::Path::new("/vault/a.md")).unwrap(), 0);
    let shared = Candidates::build(&f.vault);
    for query in ["r", "re", "res", "re", "e", "r e", "r es", "re$", "res"] {
        let mut vault = Fixture::parse(&fixture).vault;
        let path = std::path::Path::new("/vault/a.md");
        let text = format!("[[{query}");
        vault.upsert_note(path, crate::index::Note::parse(text.clone()));
        let labels = |c: &Candidates| {
            complete(&vault, c, file, text.len(), 50, InsertStyle::default())
                .unwrap()
                .items
                .iter()
                .map(|i| i.label.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            labels(&shared),
            labels(&Candidates::build(&vault)),
            "query {query:?}"
        );
    }
}

/// The labels offered for the fixture's cursor, with the folder shown beside each.
fn ranked(fixture: &str) -> String {
    let f = Fixture::parse(fixture);
    let (file, offset) = f.cursor();
    let list = complete(
        &f.vault,
        &Candidates::build(&f.vault),
        file,
        offset,
        50,
        InsertStyle::default(),
    )
    .unwrap();
    list.items
        .iter()
        .map(|c| match &c.description {
            Some(folder) => format!("{} ({folder})", c.label),
            None => c.label.clone(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Notes that link `times` times to `target`, to make it popular.
fn links_to(target: &str, times: usize) -> String {
    (0..times)
        .map(|i| format!("//- /fans/{}-{i}.md\n[[{target}]]\n", target.len()))
        .collect()
}

#[test]
fn the_exact_name_comes_first_then_prefixes_then_words_then_scattered_letters() {
    let fixture = format!(
        "//- /a.md\n[[Corollary Socket$0\n\
         //- /Socket Compiler Corollary.md\n\
         //- /lit/haddad1965budget Corollary Socket.md\n\
         //- /z/Corollary Socket.md\n\
         //- /Corollary Sockets and Plugs.md\n\
         //- /Cor ollary So cket.md\n{}{}",
        links_to("Socket Compiler Corollary", 5),
        links_to("haddad1965budget Corollary Socket", 3),
    );
    // Popularity orders within a tier only: the two popular notes stay below the exact name and
    // the prefix, and the scattered match stays last.
    expect![[r#"
        Corollary Socket (z)
        Corollary Sockets and Plugs
        Socket Compiler Corollary
        haddad1965budget Corollary Socket (lit)
        Cor ollary So cket"#]]
    .assert_eq(&ranked(&fixture));
}

#[test]
fn names_starting_with_what_was_typed_come_before_scattered_matches() {
    let fixture = format!(
        "//- /a.md\n[[Bu$0\n\
         //- /x/Brûlée Buffer.md\n\
         //- /Poetry Budget Thesis.md\n\
         //- /Budget.md\n\
         //- /Bus routes.md\n\
         //- /Rebus.md\n\
         //- /lit/bauer2001book Urban Life.md\n{}{}",
        links_to("Brûlée Buffer", 4),
        links_to("bauer2001book Urban Life", 6),
    );
    expect![[r#"
        Budget
        Bus routes
        Brûlée Buffer (x)
        Poetry Budget Thesis
        Rebus
        bauer2001book Urban Life (lit)"#]]
    .assert_eq(&ranked(&fixture));
}

#[test]
fn an_exact_alias_ranks_with_exact_names_and_same_names_show_their_folders() {
    let fixture = "//- /a.md\n[[index$0\n\
         //- /reading/index.md\n\
         //- /projects/index.md\n\
         //- /Index of places.md\n\
         //- /Home.md\n---\naliases: [Index]\n---\n";
    expect![[r#"
        index (projects)
        index (reading)
        Index
        Index of places"#]]
    .assert_eq(&ranked(fixture));
}

/// A small random vault (names of one to three common words, shared words and prefixes, random
/// links for popularity): typing any note's whole name puts that note first.
#[test]
fn typing_a_whole_name_ranks_that_note_first_for_every_note() {
    const WORDS: [&str; 16] = [
        "graph",
        "note",
        "link",
        "idea",
        "memory",
        "method",
        "theory",
        "market",
        "design",
        "café",
        "review",
        "index",
        "draft",
        "source",
        "socket",
        "corollary",
    ];
    let mut seed: u64 = 0x5eed;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize % n
    };
    let mut names: Vec<String> = Vec::new();
    while names.len() < 200 {
        let words: Vec<&str> = (0..1 + next(3)).map(|_| WORDS[next(WORDS.len())]).collect();
        let name = words.join(" ");
        if !names.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
            names.push(name);
        }
    }
    let mut fixture = String::from("//- /a.md\nstart\n");
    for (i, name) in names.iter().enumerate() {
        let links: String = (0..next(6))
            .map(|_| format!("[[{}]] ", names[next(names.len())]))
            .collect();
        fixture.push_str(&format!("//- /f{}/{name}.md\n{links}\n", i % 7));
    }
    let mut vault = Fixture::parse(&fixture).vault;
    let path = std::path::Path::new("/vault/a.md");
    let file = vault.id(path).unwrap();
    let candidates = Candidates::build(&vault);
    let mut not_first = Vec::new();
    for name in &names {
        let text = format!("[[{name}");
        vault.upsert_note(path, crate::index::Note::parse(text.clone()));
        let list = complete(
            &vault,
            &candidates,
            file,
            text.len(),
            50,
            InsertStyle::default(),
        )
        .unwrap();
        if list.items.first().map(|c| c.label.as_str()) != Some(name.as_str()) {
            not_first.push(name.clone());
        }
    }
    assert_eq!(not_first, Vec::<String>::new());
}

/// A name left unread for its shape (no `h` at a word start, no `hu` anywhere) can score as
/// much as the list's last scattered match: `ah ub` ties `hxxxxxxxxxxxu` (read: `h` starts it)
/// at 39, the most such a name can score, and wins on its shorter name, so every name is read.
#[test]
fn a_name_left_unread_that_could_tie_the_last_place_is_read() {
    let f = Fixture::parse(
        "//- /a.md\n[[hu$0\n//- /ah ub.md\n//- /hxxxxxxxxxxxu.md\n//- /hzzzzzzzzzzzzzzu.md\n",
    );
    let candidates = Candidates::build(&f.vault);
    assert_eq!(
        listed(&f, &candidates, 1, false),
        Some((vec!["ah ub".to_string()], true))
    );
    let all = ["ah ub", "hxxxxxxxxxxxu", "hzzzzzzzzzzzzzzu"].map(String::from);
    assert_eq!(
        listed(&f, &candidates, 3, false),
        Some((all.to_vec(), false))
    );
}

/// An alias read while its note was left unread for its shape still ranks with at most its
/// note's score: `h u` alone would score above `hxxxxu`, but its note `ah ub` scores 39.
#[test]
fn an_alias_whose_note_was_left_unread_ranks_with_its_notes_score() {
    let f = Fixture::parse(
        "//- /a.md\n[[hu$0\n//- /ah ub.md\n---\naliases: [h u]\n---\n\
         //- /hxxxxu.md\n//- /hxxxxxu.md\n//- /hzzzzzzzzzzzzzzu.md\n",
    );
    let expected = ["hxxxxu", "hxxxxxu"].map(String::from).to_vec();
    assert_eq!(
        listed(&f, &Candidates::build(&f.vault), 2, false),
        Some((expected, true))
    );
}
