//! Fixture tests of frontmatter completion: keys, values, lists, tags, aliases and links.

use expect_test::expect;

use super::tests::check;

const VAULT: &str = r#"
//- /a.md
---
status: done
rating: 4
tags: [project/alpha, area]
related: "[[Beta]]"
---
//- /b.md
---
status: open
rating: 4
tags: project/beta
related: "[[a]]"
---
//- /c.md
---
status: done
aliases: [Gamma]
---
//- /Beta.md
"#;

#[test]
fn keys_at_the_start_of_a_line_ranked_by_note_count_without_the_notes_own() {
    check(
        &format!("{VAULT}//- /new.md\n---\nrating: 2\n$0\n---\n"),
        expect![[r#"
            Property "status" replaces "" with "status: " (3 notes)
            Property "tags" replaces "" with "tags: " (2 notes)
            Property "related" replaces "" with "related: " (2 notes)
            Property "aliases" replaces "" with "aliases: " (1 note)"#]],
    );
    check(
        &format!("{VAULT}//- /new.md\n---\nre$0: x\n---\n"),
        expect![[r#"Property "related" replaces "re" with "related" (2 notes)"#]],
    );
}

#[test]
fn values_in_use_for_the_key_after_the_colon_and_in_lists() {
    check(
        &format!("{VAULT}//- /new.md\n---\nstatus: $0\n---\n"),
        expect![[r#"
            Value "done" replaces "" with "done" (2 notes)
            Value "open" replaces "" with "open" (1 note)"#]],
    );
    check(
        &format!("{VAULT}//- /new.md\n---\nstatus: op$0\n---\n"),
        expect![[r#"Value "open" replaces "op" with "open" (1 note)"#]],
    );
    check(
        &format!("{VAULT}//- /new.md\n---\nrating: [1, $0]\n---\n"),
        expect![[r#"Value "4" replaces "" with "4" (2 notes)"#]],
    );
    check(
        &format!("{VAULT}//- /new.md\n---\nstatus:\n  - d$0\n---\n"),
        expect![[r#"Value "done" replaces "d" with "done" (2 notes)"#]],
    );
}

#[test]
fn tags_complete_as_in_the_body_and_aliases_offer_nothing() {
    check(
        &format!("{VAULT}//- /new.md\n---\ntags: [area, proj$0]\n---\n"),
        expect![[r#"
            Tag "project/beta" replaces "proj" with "project/beta" (1 note)
            Tag "project/alpha" replaces "proj" with "project/alpha" (1 note)"#]],
    );
    check(
        &format!("{VAULT}//- /new.md\n---\ntags:\n- #ar$0\n---\n"),
        expect![[r#"Tag "area" replaces "ar" with "area" (1 note)"#]],
    );
    check(
        &format!("{VAULT}//- /new.md\n---\naliases: [G$0]\n---\n"),
        expect![""],
    );
}

#[test]
fn link_valued_keys_complete_notes() {
    check(
        &format!("{VAULT}//- /new.md\n---\nrelated: Be$0\n---\n"),
        expect![[r#"Note "Beta" replaces "Be" with "\"[[Beta]]\"" (Beta.md)"#]],
    );
    check(
        &format!("{VAULT}//- /new.md\n---\nrelated: \"[[Be$0\n---\n"),
        expect![[r#"Note "Beta" replaces "Be" with "Beta]]" (Beta.md)"#]],
    );
}

#[test]
fn outside_the_frontmatter_nothing_of_this() {
    check(
        &format!("{VAULT}//- /new.md\n---\nstatus: done\n---\nstatus: $0\n"),
        expect!["none"],
    );
    // The closing fence is no key.
    check(
        &format!("{VAULT}//- /new.md\n---\nstatus: done\n$0---\n"),
        expect!["none"],
    );
}

#[test]
fn many_values_keep_the_best_and_say_the_list_is_incomplete() {
    let mut fixture = String::new();
    for i in 0..30 {
        fixture.push_str(&format!("//- /n{i}.md\n---\nid: n{i:03}\n---\n"));
    }
    fixture.push_str("//- /n99.md\n---\nid: n00\n---\n");
    fixture.push_str("//- /new.md\n---\nid: n00$0\n---\n");
    super::tests::check_limit(
        &fixture,
        3,
        expect![[r#"
            Value "n00" replaces "n00" with "n00" (1 note)
            Value "n000" replaces "n00" with "n000" (1 note)
            Value "n001" replaces "n00" with "n001" (1 note)
            (incomplete)"#]],
    );
}

/// 520 ids, one per note, `common` in three notes and `zx` in one: more values than are scored.
fn many_ids(cursor_line: &str) -> String {
    let mut fixture = String::new();
    for i in 0..520 {
        fixture.push_str(&format!("//- /n{i}.md\n---\nid: v{i:03}\n---\n"));
    }
    for name in ["c1", "c2", "c3"] {
        fixture.push_str(&format!("//- /{name}.md\n---\nid: common\n---\n"));
    }
    fixture.push_str("//- /z.md\n---\nid: zx\n---\n");
    fixture.push_str(&format!("//- /new.md\n---\n{cursor_line}\n---\n"));
    fixture
}

#[test]
fn beyond_512_values_only_prefix_matches_and_the_most_common_are_scored() {
    // What is typed as a prefix is found wherever it sorts, ranked as a full scan ranks it.
    super::tests::check_limit(
        &many_ids("id: v51$0"),
        3,
        expect![[r#"
            Value "v510" replaces "v51" with "v510" (1 note)
            Value "v511" replaces "v51" with "v511" (1 note)
            Value "v512" replaces "v51" with "v512" (1 note)
            (incomplete)"#]],
    );
    super::tests::check_limit(
        &many_ids("id: zx$0"),
        3,
        expect![[r#"
            Value "zx" replaces "zx" with "zx" (1 note)
            (incomplete)"#]],
    );
    // Nothing typed: the most common first.
    super::tests::check_limit(
        &many_ids("id: $0"),
        3,
        expect![[r#"
            Value "common" replaces "" with "common" (3 notes)
            Value "v000" replaces "" with "v000" (1 note)
            Value "v001" replaces "" with "v001" (1 note)
            (incomplete)"#]],
    );
    // A match inside a rare value that sorts past the bound is not scored: the list is empty
    // but incomplete, and typing its start (`zx`, above) finds it.
    super::tests::check_limit(&many_ids("id: x$0"), 3, expect!["(incomplete)"]);
}
