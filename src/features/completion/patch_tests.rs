//! Tests of candidates patched onto the last full build: every list equal to the list of
//! candidates built afresh, whatever names came, went or changed; built afresh when the vault
//! cannot tell what changed.

use std::path::PathBuf;
use std::sync::Arc;

use super::*;
use crate::features::completion::{InsertStyle, complete};
use crate::features::fixture::Fixture;
use crate::index::Note;

/// The queries asked: one per line of `typed.md`, the cursor at its end.
const TYPED: &str = "[[a\n[[ab\n[[b a\n![[a\n[[x/\n[[";

/// Every list the queries of [`TYPED`] give from `candidates`, with what each item inserts and
/// its detail, and whether the list is incomplete.
fn lists(f: &Fixture, candidates: &Candidates, limit: usize) -> Vec<String> {
    crate::features::completion::tests::typed_lists(f, TYPED, candidates, limit)
}

fn path(f: &Fixture, rel: &str) -> PathBuf {
    f.vault.roots()[0].join(rel)
}

fn note_with_aliases(aliases: &[&str]) -> Note {
    if aliases.is_empty() {
        return Note::parse("text");
    }
    Note::parse(format!("---\naliases: [{}]\n---\n", aliases.join(", ")))
}

fn vault() -> Fixture {
    Fixture::parse(&format!(
        "//- /typed.md\n{TYPED}\n//- /ab.md\n//- /abb.md\n---\naliases: [b ab]\n---\n\
         //- /x/a b.md\n//- /ba.md\n[[ab]]\n//- /a.png\n"
    ))
}

#[test]
fn a_note_created_after_the_build_is_listed_from_a_patch_on_that_build() {
    let mut f = vault();
    let built = Arc::new(Candidates::build(&f.vault));
    f.vault
        .upsert_note(&path(&f, "abc.md"), note_with_aliases(&["bab"]));
    let current = Candidates::current(Some(&built), &f.vault);
    let patch = current.patch.as_ref().expect("patched");
    assert!(Arc::ptr_eq(&patch.base, &built));
    assert_eq!(current.items.len(), 2, "the new note and its alias");
    assert!(patch.hidden.is_empty());
    assert_eq!(
        lists(&f, &current, 10),
        lists(&f, &Candidates::build(&f.vault), 10)
    );
    assert!(lists(&f, &current, 10)[1].contains("\"abc\""));
    // Asked again with no name changed: the same candidates.
    assert!(Arc::ptr_eq(
        &Candidates::current(Some(&current), &f.vault),
        &current
    ));
}

#[test]
fn a_note_removed_and_its_id_taken_by_a_new_one_lists_the_new_name_alone() {
    let mut f = vault();
    let built = Arc::new(Candidates::build(&f.vault));
    let gone = f.vault.id(&path(&f, "abb.md")).expect("abb");
    f.vault.remove(&path(&f, "abb.md"));
    f.vault.upsert_note(&path(&f, "bb.md"), Note::parse("text"));
    assert_eq!(
        f.vault.id(&path(&f, "bb.md")),
        Some(gone),
        "the id is reused"
    );
    let current = Candidates::current(Some(&built), &f.vault);
    assert_eq!(
        current.patch.as_ref().expect("patched").hidden,
        [
            built.own_of(gone).expect("abb's own"),
            built.own_of(gone).expect("abb") + 1
        ],
        "abb and its alias hidden"
    );
    let listed = lists(&f, &current, 10).join("\n");
    assert!(
        !listed.contains("abb") && !listed.contains("b ab"),
        "{listed}"
    );
    assert!(listed.contains("\"bb\""), "{listed}");
    assert_eq!(
        lists(&f, &current, 10),
        lists(&f, &Candidates::build(&f.vault), 10)
    );
}

#[test]
fn an_alias_rewritten_folding_the_same_is_listed_as_written_and_leaves_the_names_be() {
    let mut f = vault();
    let built = Arc::new(Candidates::build(&f.vault));
    let (names, listed) = (f.vault.names_generation(), f.vault.listed_generation());
    f.vault
        .upsert_note(&path(&f, "abb.md"), note_with_aliases(&["B AB"]));
    // Links resolve as before (unlinked mentions keep their scans); completion follows.
    assert_eq!(f.vault.names_generation(), names);
    assert_eq!(f.vault.listed_generation(), listed + 1);
    let current = Candidates::current(Some(&built), &f.vault);
    assert!(current.patch.is_some());
    let listed = lists(&f, &current, 10);
    assert!(
        listed[2].contains("\"B AB\"") && !listed[2].contains("\"b ab\""),
        "{listed:?}"
    );
    assert_eq!(listed, lists(&f, &Candidates::build(&f.vault), 10));
}

#[test]
fn completing_in_a_new_unsaved_note_lists_what_candidates_built_afresh_list() {
    let mut f = vault();
    let built = Arc::new(Candidates::build(&f.vault));
    let new = path(&f, "new note.md");
    f.vault.upsert_note(&new, Note::parse("[[ab"));
    let new = f.vault.id(&new).expect("the new note");
    let current = Candidates::current(Some(&built), &f.vault);
    assert!(current.patch.is_some());
    let list = |candidates: &Candidates| {
        let found = complete(&f.vault, candidates, new, 4, 3, InsertStyle::default());
        found.map(|l| {
            (
                l.incomplete,
                l.items.into_iter().map(|c| c.label).collect::<Vec<_>>(),
            )
        })
    };
    assert_eq!(
        list(&current),
        Some((
            true,
            vec!["ab".to_string(), "abb".to_string(), "b ab".to_string()]
        ))
    );
    assert_eq!(list(&current), list(&Candidates::build(&f.vault)));
}

#[test]
fn a_bulk_filing_or_too_many_changed_files_build_the_candidates_afresh() {
    let mut f = vault();
    let built = Arc::new(Candidates::build(&f.vault));
    for i in 0..=MAX_PATCHED_FILES {
        f.vault
            .upsert_note(&path(&f, &format!("n{i}.md")), Note::parse("text"));
    }
    let current = Candidates::current(Some(&built), &f.vault);
    assert!(current.patch.is_none());
    assert_eq!(
        current.items.len(),
        built.items.len() + MAX_PATCHED_FILES + 1
    );
    f.vault.insert_names(
        vec![(path(&f, "bulk.md"), Box::new(Note::parse("text")), None)],
        &Some,
        &[],
    );
    let after_bulk = Candidates::current(Some(&current), &f.vault);
    assert!(after_bulk.patch.is_none());
    assert_eq!(after_bulk.generation, f.vault.listed_generation());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

    /// Candidates patched edit by edit list what candidates built afresh list, for every
    /// query, whatever names come, go or change: notes and attachments created and removed,
    /// aliases changed, ids reused.
    #[test]
    fn candidates_patched_edit_by_edit_list_what_candidates_built_afresh_list(
        edits in proptest::collection::vec(
            (
                0..4usize,
                "(x/)?[ab][ab ]{0,2}[ab]",
                proptest::collection::vec("[ab][ab ]{0,2}", 0..3),
            ),
            1..10,
        ),
        limit in 1..5usize,
    ) {
        let mut f = vault();
        let mut kept = Arc::new(Candidates::build(&f.vault));
        let (mut patched, built) = (false, f.vault.listed_generation());
        for (op, name, aliases) in edits {
            let aliases: Vec<&str> = aliases.iter().map(String::as_str).collect();
            match op {
                0 | 1 => {
                    f.vault.upsert_note(&path(&f, &format!("{name}.md")), note_with_aliases(&aliases));
                }
                2 => {
                    // Remove the first note or attachment whose name starts as `name` does.
                    let first = f.vault.files().find(|(_, file)| {
                        file.rel() != "typed.md" && file.rel().starts_with(&name[..1])
                    }).map(|(_, file)| file.path.clone());
                    if let Some(gone) = first {
                        f.vault.remove(&gone);
                    }
                }
                _ => {
                    f.vault.upsert_attachment(&path(&f, &format!("{name}.png")));
                }
            }
            kept = Candidates::current(Some(&kept), &f.vault);
            patched |= kept.patch.is_some();
            proptest::prop_assert_eq!(
                lists(&f, &kept, limit),
                lists(&f, &Candidates::build(&f.vault), limit)
            );
        }
        // Once a name changed, a patch was listed from.
        proptest::prop_assert!(patched || f.vault.listed_generation() == built);
    }
}
