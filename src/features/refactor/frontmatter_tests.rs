//! Renames follow links in frontmatter values, one test per way a value can hold a link.

use expect_test::{Expect, expect};

use super::tests::check_rename;

/// Rename `Old` to `New` from the link under `$0` in `a.md`'s frontmatter `yaml`.
fn check(yaml: &str, expect: Expect) {
    check_rename(
        &format!("//- /a.md\n---\n{yaml}\n---\n//- /Old.md\n# Part\n//- /Other.md\n"),
        "New",
        expect,
    );
}

#[test]
fn a_double_quoted_value_follows_a_rename() {
    check(
        r#"related: "[[Old$0]]""#,
        expect![[r#"
            rename Old.md -> New.md
            //- /a.md
            ---
            related: "[[New]]"
            ---
        "#]],
    );
}

#[test]
fn a_single_quoted_value_follows_a_rename() {
    check(
        "related: '[[Old$0]]'",
        expect![[r#"
            rename Old.md -> New.md
            //- /a.md
            ---
            related: '[[New]]'
            ---
        "#]],
    );
}

#[test]
fn a_block_list_item_follows_a_rename() {
    check(
        "related:\n  - \"[[Other]]\"\n  - \"[[Old$0]]\"",
        expect![[r#"
            rename Old.md -> New.md
            //- /a.md
            ---
            related:
              - "[[Other]]"
              - "[[New]]"
            ---
        "#]],
    );
}

#[test]
fn a_flow_list_item_follows_a_rename_with_or_without_spaces() {
    check(
        "related: [ \"[[Old$0]]\" ]\nup: [\"[[Other]]\",\"[[Old]]\"]",
        expect![[r#"
            rename Old.md -> New.md
            //- /a.md
            ---
            related: [ "[[New]]" ]
            up: ["[[Other]]","[[New]]"]
            ---
        "#]],
    );
}

#[test]
fn a_label_and_a_heading_are_kept_through_a_rename() {
    check(
        "shown: \"[[Old$0|the old one]]\"\nheading: \"[[Old#Part]]\"",
        expect![[r#"
            rename Old.md -> New.md
            //- /a.md
            ---
            shown: "[[New|the old one]]"
            heading: "[[New#Part]]"
            ---
        "#]],
    );
}

#[test]
fn a_link_inside_plain_text_follows_a_rename() {
    check(
        "text: see [[Old$0]] too",
        expect![[r#"
            rename Old.md -> New.md
            //- /a.md
            ---
            text: see [[New]] too
            ---
        "#]],
    );
}
