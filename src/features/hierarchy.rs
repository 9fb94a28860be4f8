//! Links as a call hierarchy: a note, heading or block is an item; its incoming calls are the
//! notes linking to it (each with the exact link ranges), its outgoing calls what it links to.
//! A typed edge — a Dataview field `up:: [[X]]` or a frontmatter link `source: "[[X]]"` — is a
//! call of its own whose detail is the key. Found through the reverse index, never by a scan.

use std::collections::BTreeMap;

use super::link_at;
use crate::index::{Anchor, FileId, Vault};
use crate::syntax::Span;

/// A note, one of its headings, or one of its blocks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub file: FileId,
    pub anchor: Anchor,
    pub name: String,
    /// The note's folder-qualified path (for a heading or block: the note's name).
    pub detail: String,
    /// The whole note, heading line or block.
    pub span: Span,
    /// What to highlight: the heading text or the block id (the note's start for a note).
    pub selection: Span,
}

/// One edge group: the other end, the field key that types it (if any), and the link ranges —
/// in the caller's note, for both directions, as the protocol asks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    pub item: Item,
    pub key: Option<String>,
    pub ranges: Vec<Span>,
}

/// The item at `offset`: what a link there reaches, else the heading or block there, else the
/// note.
pub fn prepare(vault: &Vault, file: FileId, offset: usize) -> Option<Item> {
    if let Some((_, resolution)) = link_at(vault, file, offset) {
        let resolved = match resolution {
            Ok(resolved) => resolved,
            Err(broken) => {
                let reached = broken.reached()?.clone();
                crate::index::Resolved {
                    anchor: Anchor::File,
                    ..reached
                }
            }
        };
        return item(vault, resolved.file, resolved.anchor);
    }
    let syntax = &vault.note(file)?.syntax;
    let anchor = if let Some(i) = syntax
        .headings()
        .iter()
        .position(|h| h.span.touches(offset))
    {
        Anchor::Heading(i)
    } else if let Some(i) = syntax.blocks().iter().position(|b| b.span.touches(offset)) {
        Anchor::Block(i)
    } else {
        Anchor::File
    };
    item(vault, file, anchor)
}

/// The item for `anchor` in `file`.
pub fn item(vault: &Vault, file: FileId, anchor: Anchor) -> Option<Item> {
    let f = vault.get(file)?;
    let text = f.note().map(|n| n.text()).unwrap_or_default();
    let whole = Span::new(0, text.len());
    let (name, detail, span, selection) = match anchor {
        Anchor::File => (
            f.display_name().to_string(),
            f.rel().to_string(),
            whole,
            Span::default(),
        ),
        Anchor::Heading(i) => {
            let h = vault.note(file)?.syntax.headings().into_iter().nth(i)?;
            (
                h.text.to_string(),
                f.display_name().to_string(),
                h.span,
                h.text_span(),
            )
        }
        Anchor::Block(i) => {
            let b = vault.note(file)?.syntax.blocks().into_iter().nth(i)?;
            (
                format!("^{}", b.id),
                f.display_name().to_string(),
                b.block,
                b.span,
            )
        }
    };
    Some(Item {
        file,
        anchor,
        name,
        detail,
        span,
        selection,
    })
}

/// The notes linking to `file` (to `anchor` in it, for a heading or block), one call per
/// (note, field key), ordered by path.
pub fn incoming(vault: &Vault, file: FileId, anchor: &Anchor) -> Vec<Call> {
    let mut groups: BTreeMap<(String, Option<String>), (FileId, Vec<Span>)> = BTreeMap::new();
    for (source, index) in vault.backlinks(file) {
        let Some(note) = vault.note(source) else {
            continue;
        };
        let link = &note.syntax.links[index];
        let wanted = match anchor {
            Anchor::File => source != file || !link.is_same_note(),
            _ => matches!(vault.resolve(source, link), Ok(r) if r.anchor == *anchor),
        };
        if wanted {
            let rel = vault.file(source).rel().to_string();
            groups
                .entry((rel, link.field().map(|k| k.to_string())))
                .or_insert((source, Vec::new()))
                .1
                .push(link.span);
        }
    }
    groups
        .into_iter()
        .filter_map(|((_, key), (source, ranges))| {
            Some(Call {
                item: item(vault, source, Anchor::File)?,
                key,
                ranges,
            })
        })
        .collect()
}

/// What the item links to: every resolved link inside its span (the whole note, a heading's
/// section, a block), one call per (target, field key), in order of first link.
pub fn outgoing(vault: &Vault, file: FileId, anchor: &Anchor) -> Vec<Call> {
    let Some(note) = vault.note(file) else {
        return Vec::new();
    };
    let within = match anchor {
        Anchor::File => Span::new(0, note.text_len()),
        Anchor::Heading(i) => {
            let headings = note.syntax.headings();
            let Some(h) = headings.get(*i) else {
                return Vec::new();
            };
            // A heading's section runs to the next heading of its level or higher.
            let end = headings[i + 1..]
                .iter()
                .find(|next| next.level <= h.level)
                .map_or(note.text_len(), |next| next.span.start());
            Span::new(h.span.start(), end)
        }
        Anchor::Block(i) => match note.syntax.blocks().get(*i) {
            Some(b) => b.block,
            None => return Vec::new(),
        },
    };
    let mut out: Vec<Call> = Vec::new();
    for link in &note.syntax.links {
        if !within.contains_span(link.span) {
            continue;
        }
        let Ok(resolved) = vault.resolve(file, link) else {
            continue;
        };
        let Some(target) = item(vault, resolved.file, resolved.anchor) else {
            continue;
        };
        match out
            .iter_mut()
            .find(|c| c.item == target && c.key.as_deref() == link.field().map(|k| k.as_str()))
        {
            Some(call) => call.ranges.push(link.span),
            None => out.push(Call {
                item: target,
                key: link.field().map(|k| k.to_string()),
                ranges: vec![link.span],
            }),
        }
    }
    out
}

/// The note's title heading (its first level-1 heading) and how many links in other notes reach
/// the note: what the backlink count hint and lens show. Costs the note's backlinks.
pub fn title_backlinks(vault: &Vault, file: FileId) -> Option<(Span, Vec<super::Location>)> {
    let title = vault
        .note(file)?
        .syntax
        .headings()
        .into_iter()
        .find(|h| h.level == 1)?;
    let mut links: Vec<super::Location> = vault
        .backlinks(file)
        .into_iter()
        .filter(|(source, _)| *source != file)
        .filter_map(|(source, i)| {
            Some(super::Location {
                file: source,
                span: vault.note(source)?.syntax.links.get(i)?.span,
            })
        })
        .collect();
    links.sort_by(|a, b| {
        let rel = |l: &super::Location| vault.file(l.file).rel();
        (rel(a), a.span).cmp(&(rel(b), b.span))
    });
    Some((title.span, links))
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use super::*;
    use crate::features::fixture::Fixture;

    fn check(fixture: &str, expect: Expect) {
        let f = Fixture::parse(fixture);
        let (file, offset) = f.cursor();
        let item = prepare(&f.vault, file, offset).expect("an item");
        let mut out = format!(
            "item {} ({}) {}\n",
            item.name,
            item.detail,
            f.render(item.file, item.selection)
        );
        for (dir, calls) in [
            ("in", incoming(&f.vault, item.file, &item.anchor)),
            ("out", outgoing(&f.vault, item.file, &item.anchor)),
        ] {
            for call in calls {
                let caller = if dir == "in" {
                    call.item.file
                } else {
                    item.file
                };
                let ranges: Vec<String> =
                    call.ranges.iter().map(|&r| f.render(caller, r)).collect();
                out.push_str(&format!(
                    "{dir} {} [{}] {}\n",
                    call.item.name,
                    call.key.as_deref().unwrap_or("-"),
                    ranges.join(", ")
                ));
            }
        }
        expect.assert_eq(&out);
    }

    const VAULT: &str = "
//- /Physics.md
---
source: \"[[Optics]]\"
---
# Physics
up:: [[Science]]
See [[Optics]] and [[Optics#Lenses]], [[Optics#^fig]], [[Missing]].
//- /Optics.md
# Optics
[[Physics$0]] again [[Physics]].
## Lenses
Lens text, see [[Science]]
A figure ^fig
//- /Science.md
";

    #[test]
    fn the_title_heading_counts_the_links_from_other_notes() {
        let f = Fixture::parse(VAULT);
        let optics = f
            .vault
            .id(std::path::Path::new("/vault/Optics.md"))
            .unwrap();
        let (title, links) = title_backlinks(&f.vault, optics).unwrap();
        assert_eq!(f.render(optics, title), r##"Optics.md 1:1-1:9 "# Optics""##);
        let links: Vec<String> = links.iter().map(|l| f.render(l.file, l.span)).collect();
        assert_eq!(
            links,
            [
                r#"Physics.md 2:10-2:20 "[[Optics]]""#,
                r#"Physics.md 6:5-6:15 "[[Optics]]""#,
                r#"Physics.md 6:20-6:37 "[[Optics#Lenses]]""#,
                r#"Physics.md 6:39-6:54 "[[Optics#^fig]]""#,
            ]
        );
        let physics = f
            .vault
            .id(std::path::Path::new("/vault/Physics.md"))
            .unwrap();
        assert_eq!(title_backlinks(&f.vault, physics).unwrap().1.len(), 2);
        let science = f
            .vault
            .id(std::path::Path::new("/vault/Science.md"))
            .unwrap();
        assert_eq!(title_backlinks(&f.vault, science), None, "no title heading");
    }

    #[test]
    fn a_link_prepares_its_note_with_typed_edges_apart() {
        check(
            VAULT,
            expect![[r#"
            item Physics (Physics.md) Physics.md 1:1-1:1 ""
            in Optics [-] Optics.md 2:1-2:12 "[[Physics]]", Optics.md 2:19-2:30 "[[Physics]]"
            out Optics [source] Physics.md 2:10-2:20 "[[Optics]]"
            out Science [up] Physics.md 5:6-5:17 "[[Science]]"
            out Optics [-] Physics.md 6:5-6:15 "[[Optics]]"
            out Lenses [-] Physics.md 6:20-6:37 "[[Optics#Lenses]]"
            out ^fig [-] Physics.md 6:39-6:54 "[[Optics#^fig]]"
        "#]],
        );
    }

    #[test]
    fn a_heading_is_called_by_the_links_into_it_and_calls_the_links_in_its_section() {
        check(
            &VAULT.replace("$0", "").replace("## Lenses", "## Len$0ses"),
            expect![[r#"
                item Lenses (Optics) Optics.md 3:4-3:10 "Lenses"
                in Physics [-] Physics.md 6:20-6:37 "[[Optics#Lenses]]"
                out Science [-] Optics.md 4:16-4:27 "[[Science]]"
            "#]],
        );
    }
}
