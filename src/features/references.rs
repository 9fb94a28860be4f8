//! References (backlinks): every link to a note or to one of its headings, found through the
//! reverse index.

use super::{Location, link_at};
use crate::index::{Anchor, Broken, FileId, Vault};

/// What the cursor asks about: on a link, what it points to; on a heading, that heading;
/// elsewhere, the note itself.
pub fn references(vault: &Vault, file: FileId, offset: usize) -> Vec<Location> {
    if let Some(cited) = super::citations::references(vault, file, offset) {
        return cited;
    }
    let (target, heading) = match link_at(vault, file, offset) {
        Some((_, Ok(resolved))) => {
            let heading = match resolved.anchor {
                Anchor::Heading(i) => Some(i),
                _ => None,
            };
            (resolved.file, heading)
        }
        Some((_, Err(Broken::File { .. }))) => return Vec::new(),
        Some((_, Err(broken))) => (
            broken.reached().expect("fragment errors reach a file").file,
            None,
        ),
        None => {
            let heading = vault.note(file).and_then(|n| {
                n.syntax
                    .headings
                    .iter()
                    .position(|h| h.span.touches(offset))
            });
            (file, heading)
        }
    };
    let mut out = Vec::new();
    for (source, index) in vault.backlinks(target) {
        let Some(note) = vault.note(source) else {
            continue;
        };
        let link = &note.syntax.links[index];
        let wanted = match heading {
            // A note's references are links to it from elsewhere, whatever part they name.
            None => source != target || !link.is_same_note(),
            Some(i) => {
                matches!(vault.resolve(source, link), Ok(r) if r.anchor == Anchor::Heading(i))
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

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use super::*;
    use crate::features::fixture::Fixture;

    fn check(fixture: &str, expect: Expect) {
        let f = Fixture::parse(fixture);
        let (file, offset) = f.cursor();
        let mut actual: Vec<String> = references(&f.vault, file, offset)
            .iter()
            .map(|loc| f.render(loc.file, loc.span))
            .collect();
        actual.sort();
        expect.assert_eq(&actual.join("\n"));
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
            expect![[r#"
                a.md 1:1-1:8 "[[Hub]]"
                a.md 1:21-1:29 "![[HUB]]"
                a.md 1:30-1:43 "[[Hub|alias]]"
                a.md 1:9-1:20 "[[hub#Hub]]"
                sub/b.md 1:1-1:15 "[x](../Hub.md)"
                sub/b.md 1:21-1:28 "[[Hub]]""#]],
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
            expect![[r#"
                a.md 1:1-1:11 "[[b#Part]]"
                b.md 3:1-3:10 "[[#Part]]""#]],
        );
    }
}
