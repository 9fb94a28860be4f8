//! References (backlinks): every link to a note or to one of its headings, found through the
//! reverse index.

use super::{Location, link_at};
use crate::index::{Anchor, Broken, FileId, Vault, keys};

/// What the cursor asks about: on a link, what it points to; on a heading, that heading;
/// elsewhere, the note itself.
pub fn references(vault: &Vault, file: FileId, offset: usize) -> Vec<Location> {
    first_references(vault, file, offset, usize::MAX)
}

/// [`references`], of which only the first `wanted` are needed (an answer has a cap): the
/// answer starts with the first `wanted` of the whole list and may hold more.
pub fn first_references(
    vault: &Vault,
    file: FileId,
    offset: usize,
    wanted: usize,
) -> Vec<Location> {
    if let Some(cited) = super::citations::references(vault, file, offset) {
        return cited;
    }
    let (target, anchor) = match link_at(vault, file, offset) {
        Some((_, Ok(resolved))) => (resolved.file, resolved.anchor),
        Some((_, Err(Broken::File { .. }))) => return Vec::new(),
        Some((_, Err(broken))) => (
            broken.reached().expect("fragment errors reach a file").file,
            Anchor::File,
        ),
        None => {
            let Some(note) = vault.note(file) else {
                return Vec::new();
            };
            if let Some(tag) = note.syntax.tags().iter().find(|t| t.span.touches(offset)) {
                return tag_references(vault, &keys::fold(&tag.name));
            }
            let heading = note
                .syntax
                .headings()
                .iter()
                .position(|h| h.span.touches(offset));
            let block = note
                .syntax
                .blocks()
                .iter()
                .position(|b| b.span.touches(offset));
            match (heading, block) {
                (Some(i), _) => (file, Anchor::Heading(i)),
                (None, Some(i)) => (file, Anchor::Block(i)),
                (None, None) => (file, Anchor::File),
            }
        }
    };
    // A note's title heading (`# Home` in Home.md) stands for the note, as it does in rename:
    // its references are the note's backlinks and the links to the heading itself.
    let title = matches!(anchor, Anchor::Heading(i) if super::is_title_heading(vault, target, i));
    // Only a note's own references keep every backlink its sources hold (the filter below
    // drops only the target's links to itself, which the backlinks add apart from the
    // sources), so only they can stop reading sources early.
    let backlinks = match anchor {
        Anchor::File => vault.first_backlinks(target, wanted),
        Anchor::Heading(_) | Anchor::Block(_) => vault.backlinks(target),
    };
    let mut out = Vec::new();
    for (source, index) in backlinks {
        let Some(note) = vault.note(source) else {
            continue;
        };
        let link = &note.syntax.links[index];
        // A note's references are links to it from elsewhere, whatever part they name.
        let to_note = source != target || !link.is_same_note();
        let wanted = match anchor {
            Anchor::File => to_note,
            Anchor::Heading(_) | Anchor::Block(_) => {
                (title && to_note)
                    || matches!(vault.resolve(source, link), Ok(r) if r.anchor == anchor)
            }
        };
        if wanted {
            out.push(Location {
                file: source,
                span: link.span,
            });
        }
    }
    out
}

/// Every use of tag `folded` and of the tags nested under it.
fn tag_references(vault: &Vault, folded: &str) -> Vec<Location> {
    vault
        .tag_uses(folded)
        .into_iter()
        .filter_map(|(id, i)| {
            Some(Location {
                file: id,
                span: vault.note(id)?.syntax.tags()[i].span,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use super::*;
    use crate::features::fixture::Fixture;

    /// The references at the fixture's cursor, rendered and sorted.
    fn refs(fixture: &str) -> String {
        let f = Fixture::parse(fixture);
        let (file, offset) = f.cursor();
        let mut actual: Vec<String> = references(&f.vault, file, offset)
            .iter()
            .map(|loc| f.render(loc.file, loc.span))
            .collect();
        actual.sort();
        actual.join("\n")
    }

    fn check(fixture: &str, expect: Expect) {
        expect.assert_eq(&refs(fixture));
    }

    #[test]
    fn backlinks_of_the_note_under_the_cursor_in_every_form() {
        check(
            r####"
//- /Hub.md
# Hub
The hub$0 note.
//- /a.md
[[Hub]] [[hub#Hub]] ![[HUB]] [[Hub|alias]]
//- /sub/b.md
[x](../Hub.md) up:: [[Hub]]
//- /c.md
[[Hubble]] [[Other]]
"####,
            expect![[r####"
                a.md 1:1-1:8 "[[Hub]]"
                a.md 1:21-1:29 "![[HUB]]"
                a.md 1:30-1:43 "[[Hub|alias]]"
                a.md 1:9-1:20 "[[hub#Hub]]"
                sub/b.md 1:1-1:15 "[x](../Hub.md)"
                sub/b.md 1:21-1:28 "[[Hub]]""####]],
        );
    }

    #[test]
    fn the_first_references_start_the_whole_answer() {
        let fixture = r####"
//- /Hub.md
# Hub
The hub$0 note [[#Hub]] [[Hub]].
//- /a.md
[[Hub]] [[hub#Hub]]
//- /b.md
![[HUB]]
//- /c.md
[[Hubble]] [[Other]]
//- /d.md
[x](Hub.md) [[Hub|alias]]
//- /e.md
up:: [[Hub]]
"####;
        let f = Fixture::parse(fixture);
        let (file, offset) = f.cursor();
        let all = references(&f.vault, file, offset);
        assert_eq!(all.len(), 7);
        for wanted in 0..=all.len() + 1 {
            let first = first_references(&f.vault, file, offset, wanted);
            let n = wanted.min(all.len());
            assert!(first.len() >= n, "{wanted}: {} found", first.len());
            assert_eq!(first[..n], all[..n], "the first {wanted}");
        }
    }

    #[test]
    fn references_from_the_title_heading_are_the_notes_backlinks_and_the_headings_own() {
        check(
            r####"
//- /Home.md
# Ho$0me
[[#Home]] [[#Other]]
## Other
//- /a.md
[[Home]] [[Home#Other]] [x](Home.md)
"####,
            expect![[r####"
                Home.md 2:1-2:10 "[[#Home]]"
                a.md 1:1-1:9 "[[Home]]"
                a.md 1:10-1:24 "[[Home#Other]]"
                a.md 1:25-1:37 "[x](Home.md)""####]],
        );
        // Any other level-1 heading is only itself.
        check(
            "//- /Home.md\n# Wel$0come\n//- /a.md\n[[Home]] [[Home#Welcome]]\n",
            expect![[r####"a.md 1:10-1:26 "[[Home#Welcome]]""####]],
        );
    }

    #[test]
    fn references_of_a_heading_from_a_link_to_it() {
        check(
            r####"
//- /a.md
[[b#Part$0]] [[b]] [[b#Other]]
//- /b.md
# Part
# Other
[[#Part]]
"####,
            expect![[r####"
                a.md 1:1-1:11 "[[b#Part]]"
                b.md 3:1-3:10 "[[#Part]]""####]],
        );
    }

    #[test]
    fn references_of_a_tag_include_nested_tags_and_frontmatter() {
        check(
            r####"
//- /a.md
---
tags: [proj/alpha]
---
#proj$0 #project #Proj/beta
//- /b.md
#proj text
"####,
            expect![[r####"
                a.md 2:8-2:18 "proj/alpha"
                a.md 4:1-4:6 "#proj"
                a.md 4:16-4:26 "#Proj/beta"
                b.md 1:1-1:6 "#proj""####]],
        );
    }

    #[test]
    fn references_of_a_block_from_its_id_or_a_link_to_it() {
        let fixture = r####"
//- /a.md
[[b#^blk]] [[b]] [x](b.md#^blk) [[b#^other]]
//- /b.md
para ^blk$0
more ^other
"####;
        let expected = r#"a.md 1:1-1:11 "[[b#^blk]]"
a.md 1:18-1:32 "[x](b.md#^blk)""#;
        check(
            fixture,
            expect![[r####"
            a.md 1:1-1:11 "[[b#^blk]]"
            a.md 1:18-1:32 "[x](b.md#^blk)""####]],
        );
        // The same references from a link to the block.
        let from_link = fixture.replace("$0", "").replace("[[b#^b", "[[b#^$0b");
        assert_eq!(refs(&from_link), expected);
    }
}
