//! Refactor tests in a Dendron workspace: renames edit the target after the label and the
//! vault prefix, and keep slug anchors slugs.

use expect_test::expect;

use super::tests::check_rename;

#[test]
fn renaming_a_dendron_note_edits_the_target_after_the_label_and_the_vault_prefix() {
    check_rename(
        r####"
//- /careers.mission.md
## Our Values
body$0
//- /a.md
[[Our mission|careers.mission]] ![[dendron://handbook/careers.mission#our-values,1:#*]]
[[Values|careers.mission#our-values]]
//- /dendron.yml
version: 5
"####,
        "careers.goals",
        expect![[r#"
            rename careers.mission.md -> careers.goals.md
            //- /a.md
            [[Our mission|careers.goals]] ![[dendron://handbook/careers.goals#our-values,1:#*]]
            [[Values|careers.goals#our-values]]
        "#]],
    );
}

#[test]
fn renaming_a_heading_in_a_dendron_workspace_updates_slug_anchors() {
    check_rename(
        r####"
//- /careers.mission.md
## Our Values$0
//- /a.md
[[Values|careers.mission#our-values]] ![[careers.mission#our-values,1:#*]] [[careers.mission#Our Values]]
//- /dendron.yml
version: 5
"####,
        "What we value",
        expect![[r#"
            //- /a.md
            [[Values|careers.mission#what-we-value]] ![[careers.mission#what-we-value,1:#*]] [[careers.mission#What we value]]
            //- /careers.mission.md
            ## What we value
        "#]],
    );
}
