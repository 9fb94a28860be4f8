//! Go to definition: from any link to the file, heading or block it names.

use super::{Location, anchor_span, link_at};
use crate::index::{FileId, Vault};

/// Where the link at `offset` leads. A link whose heading or block is missing still leads to
/// its note, which is where the user will want to fix it.
pub fn definition(vault: &Vault, file: FileId, offset: usize) -> Option<Location> {
    let (_, resolution) = link_at(vault, file, offset)?;
    let resolved = match resolution {
        Ok(resolved) => resolved,
        Err(broken) => broken.reached()?.clone(),
    };
    Some(Location {
        file: resolved.file,
        span: anchor_span(vault, &resolved),
    })
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use super::*;
    use crate::features::fixture::Fixture;

    fn check(fixture: &str, expect: Expect) {
        let f = Fixture::parse(fixture);
        let (file, offset) = f.cursor();
        let actual = match definition(&f.vault, file, offset) {
            Some(loc) => f.render(loc.file, loc.span),
            None => "none".to_string(),
        };
        expect.assert_eq(&actual);
    }

    /// The definition is the range marked with `^^^` in the fixture.
    fn check_marked(fixture: &str) {
        let f = Fixture::parse(fixture);
        let (file, offset) = f.cursor();
        let (target, span, _) = f.marks.first().cloned().expect("a ^^^ mark");
        assert_eq!(
            definition(&f.vault, file, offset),
            Some(Location { file: target, span })
        );
    }

    #[test]
    fn definition_is_the_marked_heading_or_block() {
        check_marked(
            r####"
//- /a.md
[[b#Sec$0ond]]
//- /b.md
# First
## Second
^^^^^^^^^
"####,
        );
        check_marked(
            r####"
//- /a.md
[see](b.md#^$0anchor)
//- /b.md
# First
- item ^anchor
^^^^^^^^^^^^^^
"####,
        );
    }

    #[test]
    fn wikilink_goes_to_the_note() {
        check(
            r####"
//- /a.md
See [[Other$0 Note]].
//- /sub/Other Note.md
# Other
"####,
            expect![[r####"sub/Other Note.md 1:1-1:1 """####]],
        );
    }

    #[test]
    fn heading_link_goes_to_the_nested_heading() {
        check(
            r####"
//- /a.md
[[b#Top#Deep$0]]
//- /b.md
# Deep
# Top
## Middle
### Deep
"####,
            expect![[r####"b.md 4:1-4:9 "### Deep""####]],
        );
    }

    #[test]
    fn block_link_goes_to_the_labelled_block() {
        check(
            r####"
//- /a.md
![[b#^$0quote]]
//- /b.md
intro

a wise line ^quote
"####,
            expect![[r####"b.md 3:1-3:19 "a wise line ^quote""####]],
        );
    }

    #[test]
    fn same_note_heading_link() {
        check(
            r####"
//- /a.md
# Intro
jump to [[#$0Later]]
## Later
"####,
            expect![[r####"a.md 3:1-3:9 "## Later""####]],
        );
    }

    #[test]
    fn markdown_link_with_relative_path_and_slug() {
        check(
            r####"
//- /notes/a.md
[x](../ref/Target%20Note.md#second-part$0)
//- /ref/Target Note.md
# First
## Second Part
"####,
            expect![[r####"ref/Target Note.md 2:1-2:15 "## Second Part""####]],
        );
    }

    #[test]
    fn missing_heading_still_goes_to_the_note() {
        check(
            r####"
//- /a.md
[[b#Nope$0]]
//- /b.md
text
"####,
            expect![[r####"b.md 1:1-1:1 """####]],
        );
    }

    #[test]
    fn unresolved_link_has_no_definition() {
        check(
            r####"
//- /a.md
[[Nowhere$0]]
"####,
            expect!["none"],
        );
    }

    #[test]
    fn inline_field_and_frontmatter_links() {
        check(
            r####"
//- /a.md
---
up: "[[Pa$0rent]]"
---
//- /Parent.md
"####,
            expect![[r####"Parent.md 1:1-1:1 """####]],
        );
        check(
            r####"
//- /a.md
source:: [[wang2021china China’s $0Sputnik Moment]]
//- /lit/wang2021china China’s Sputnik Moment.md
"####,
            expect![[r####"lit/wang2021china China’s Sputnik Moment.md 1:1-1:1 """####]],
        );
    }
}
