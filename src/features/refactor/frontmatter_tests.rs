//! Renames follow links in frontmatter values, one test per way a value can hold a link.

use expect_test::expect;

use super::tests::check_rename;

#[test]
fn links_in_every_frontmatter_value_form_follow_a_rename() {
    check_rename(
        r####"
//- /a.md
---
double: "[[Old$0]]"
single: '[[Old]]'
shown: "[[Old|the old one]]"
heading: "[[Old#Part]]"
flow: ["[[Old]]", "[[Other]]"]
block:
  - "[[Other]]"
  - "[[Old]]"
text: see [[Old]] too
---
//- /Old.md
# Part
//- /Other.md
"####,
        "New",
        expect![[r#"
            rename Old.md -> New.md
            //- /a.md
            ---
            double: "[[New]]"
            single: '[[New]]'
            shown: "[[New|the old one]]"
            heading: "[[New#Part]]"
            flow: ["[[New]]", "[[Other]]"]
            block:
              - "[[Other]]"
              - "[[New]]"
            text: see [[New]] too
            ---
        "#]],
    );
}
