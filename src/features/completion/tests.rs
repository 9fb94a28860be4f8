//! Fixture tests of completion: what each context offers and what an item inserts.

use expect_test::{Expect, expect};

use super::*;
use crate::features::fixture::Fixture;

/// A list as the list-comparing tests compare it: whether it is incomplete, and each item's
/// label, insert text and detail.
pub(super) fn shown(list: Option<Completions>) -> String {
    format!(
        "{:?}",
        list.map(|l| (
            l.incomplete,
            l.items
                .iter()
                .map(|c| (c.label.clone(), c.insert.clone(), c.detail.clone()))
                .collect::<Vec<_>>()
        ))
    )
}

/// Every list the queries of `typed` give from `candidates` (at most `limit` items each): one
/// query per line of `typed`, the note `typed.md` of `f` holding them, the cursor at each
/// line's end.
pub(super) fn typed_lists(
    f: &Fixture,
    typed: &str,
    candidates: &Candidates,
    limit: usize,
) -> Vec<String> {
    let note = f.vault.roots()[0].join("typed.md");
    let note = f.vault.id(&note).expect("typed note");
    let mut offset = 0;
    typed
        .split('\n')
        .map(|line| {
            offset += line.len();
            let list = complete(
                &f.vault,
                candidates,
                note,
                offset,
                limit,
                InsertStyle::default(),
            );
            offset += 1;
            shown(list)
        })
        .collect()
}

pub(super) fn check_limit(fixture: &str, limit: usize, expect: Expect) {
    let f = Fixture::parse(fixture);
    let (file, offset) = f.cursor();
    let candidates = Candidates::build(&f.vault);
    let actual = match complete(
        &f.vault,
        &candidates,
        file,
        offset,
        limit,
        InsertStyle::default(),
    ) {
        None => "none".to_string(),
        Some(list) => {
            let text = &f.vault.note(file).unwrap().text();
            let mut lines: Vec<String> = list
                .items
                .iter()
                .map(|c| {
                    format!(
                        "{:?} {:?} replaces {:?} with {:?} ({})",
                        c.kind,
                        c.label,
                        &text[c.replace.range()],
                        c.insert,
                        c.detail.as_deref().unwrap_or("")
                    )
                })
                .collect();
            if list.incomplete {
                lines.push("(incomplete)".to_string());
            }
            lines.join("\n")
        }
    };
    expect.assert_eq(&actual);
}

pub(super) fn check(fixture: &str, expect: Expect) {
    check_limit(fixture, 50, expect);
}

#[test]
fn notes_and_aliases_after_double_bracket_fuzzy_ranked() {
    check(
        r####"
//- /a.md
source:: [[sput$0
//- /lit/wang2021china China’s Sputnik Moment.md
//- /Sputter.md
---
aliases: [Spray]
---
//- /Other.md
---
aliases: [Sputnik Program]
---
"####,
        expect![[r#"
            Note "Sputter" replaces "sput" with "Sputter]]" (Sputter.md)
            Alias "Sputnik Program" replaces "sput" with "Other|Sputnik Program]]" (alias of Other.md)
            Note "wang2021china China’s Sputnik Moment" replaces "sput" with "wang2021china China’s Sputnik Moment]]" (lit/wang2021china China’s Sputnik Moment.md)"#]],
    );
}

#[test]
fn in_a_dendron_workspace_hierarchy_names_complete_and_aliases_go_label_first() {
    check(
        r####"
//- /a.md
[[mission$0
//- /careers.mission.md
---
aliases: [Careers Mission Statement]
---
//- /careers.md
//- /dendron.yml
version: 5
"####,
        expect![[r#"
            Note "careers.mission" replaces "mission" with "careers.mission]]" (careers.mission.md)
            Alias "Careers Mission Statement" replaces "mission" with "Careers Mission Statement|careers.mission]]" (alias of careers.mission.md)"#]],
    );
}

#[test]
fn replaces_the_whole_target_up_to_the_closing_brackets() {
    check(
        r####"
//- /a.md
See [[My No$0te old|shown]] here
//- /My Note.md
---
aliases: [Mine]
---
"####,
        expect![[r####"Note "My Note" replaces "My Note old" with "My Note" (My Note.md)"####]],
    );
}

#[test]
fn duplicate_names_insert_the_shortest_unambiguous_path() {
    check(
        r####"
//- /a.md
[[ind$0]]
//- /x/index.md
//- /y/deep/index.md
//- /indigo.md
"####,
        expect![[r####"
            Note "index" replaces "ind" with "x/index" (x/index.md)
            Note "index" replaces "ind" with "deep/index" (y/deep/index.md)
            Note "indigo" replaces "ind" with "indigo" (indigo.md)"####]],
    );
}

#[test]
fn attachments_only_after_embed() {
    let fixture = r####"
//- /a.md
EMBED[[pic$0
//- /img/picture.png
//- /pictures.md
"####;
    check(
        &fixture.replace("EMBED", "!"),
        expect![[r#"
        Note "pictures" replaces "pic" with "pictures]]" (pictures.md)
        Attachment "picture.png" replaces "pic" with "picture.png]]" (img/picture.png)"#]],
    );
    check(
        &fixture.replace("EMBED", ""),
        expect![[r####"Note "pictures" replaces "pic" with "pictures]]" (pictures.md)"####]],
    );
}

#[test]
fn headings_of_another_note_and_of_this_one() {
    check(
        r####"
//- /a.md
[[b#$0]]
//- /b.md
# Intro
## Setup [[Tool]]
## Usage
"####,
        expect![[r####"
            Heading "Intro" replaces "" with "Intro" (# b)
            Heading "Setup Tool" replaces "" with "Setup Tool" (## b)
            Heading "Usage" replaces "" with "Usage" (## b)"####]],
    );
    check(
        r####"
//- /a.md
# Alpha
# Beta
[[#be$0
"####,
        expect![[r####"Heading "Beta" replaces "be" with "Beta]]" (# a)"####]],
    );
}

#[test]
fn headings_are_inserted_as_obsidian_links_them() {
    // Obsidian's `stripHeadingForLink`: only what breaks a link goes; `?`, `&` and markup
    // stay, and every inserted text resolves back to its heading.
    check(
        r####"
//- /a.md
[[b#$0]]
//- /b.md
# What is it?
## Step: one | two
## `hasTag()` & D&D
"####,
        expect![[r####"
            Heading "What is it?" replaces "" with "What is it?" (# b)
            Heading "Step one two" replaces "" with "Step one two" (## b)
            Heading "`hasTag()` & D&D" replaces "" with "`hasTag()` & D&D" (## b)"####]],
    );
}

#[test]
fn block_ids_after_caret() {
    check(
        r####"
//- /a.md
[[b#^$0]]
//- /b.md
A claim worth citing ^claim

- a list item ^item
"####,
        expect![[r####"
            Block "claim" replaces "" with "claim" (A claim worth citing)
            Block "item" replaces "" with "item" (- a list item)"####]],
    );
}

#[test]
fn tags_after_hash_but_not_in_headings() {
    check(
        r####"
//- /a.md
text #on/c$0
//- /b.md
#on/china #on/fp #china
"####,
        expect![[r#"Tag "on/china" replaces "on/c" with "on/china" (1 note)"#]],
    );
    check(
        r####"
//- /a.md
# $0
"####,
        expect!["none"],
    );
}

#[test]
fn bounded_list_is_marked_incomplete() {
    check_limit(
        r####"
//- /a.md
[[note$0
//- /note1.md
//- /note2.md
//- /note3.md
"####,
        2,
        expect![[r####"
            Note "note1" replaces "note" with "note1]]" (note1.md)
            Note "note2" replaces "note" with "note2]]" (note2.md)
            (incomplete)"####]],
    );
}

#[test]
fn nothing_in_display_text() {
    check(
        r####"
//- /a.md
[[b|sho$0
"####,
        expect!["none"],
    );
}

#[test]
fn only_a_link_target_being_typed_is_answered_from_names_alone() {
    let cases = [
        ("see [[ab", true),
        ("see [[folder/ab", true),
        ("see [[ab#hea", false),
        ("see [[ab|shown", false),
        ("see [[ab^blo", false),
        // Bibliography keys and the literature notes they name: not in a sketch.
        ("see [[@wang", false),
        ("see [[ @wang", false),
        ("see [@wang", false),
        ("plain text", false),
    ];
    for (text, expected) in cases {
        assert_eq!(completes_names(text, text.len()), expected, "{text}");
    }
}
