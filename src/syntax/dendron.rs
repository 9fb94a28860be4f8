//! Dendron's wikilink rules, applied to a parsed note when the workspace is a Dendron one
//! (`dendron.yml` at its root). Read from Dendron's own parser (`LinkUtils.parseLink`,
//! `parseNoteRefRaw`, `parseDendronURI` in dendronhq/dendron):
//! - `[[label|target]]`: the label comes first, the opposite of Obsidian's order;
//! - `[[dendron://vault/target]]`: a cross-vault prefix before the note's name;
//! - `[[target#anchor]]`: one anchor — a heading (by its text or its slug) or `^block`;
//! - note references `![[target#start,offset:#end]]`: a range from the `start` anchor
//!   (`,offset` lines after it) to the `end` anchor (`*`: the next heading or the note's end),
//!   which lands on its start anchor; `![[a.b.*]]` is a wildcard over hierarchy names.

use super::{Fragment, Link, LinkKind, Name, NoteSyntax, Span};

/// Re-read every wikilink of `syntax` by Dendron's rules. Spans and order stay; only targets,
/// labels and anchors change.
pub fn adapt(text: &str, syntax: &mut NoteSyntax) {
    for link in &mut syntax.links {
        if link.kind != LinkKind::Wiki {
            continue;
        }
        if let Some(mut dendron) = read(text, link.span, link.embed) {
            dendron.set_field(link.take_field());
            dendron.in_frontmatter = link.in_frontmatter;
            // The span stays, and so does where it sits.
            dendron.place = link.place;
            *link = dendron;
        }
    }
}

/// A piece of the link's text with its place.
fn trimmed(text: &str, start: usize, end: usize) -> (usize, &str) {
    let raw = &text[start..end];
    let lead = raw.len() - raw.trim_start().len();
    (start + lead, raw.trim())
}

/// The `[[…]]` or `![[…]]` at `span` by Dendron's rules; `None` when it names nothing.
fn read(text: &str, span: Span, embed: bool) -> Option<Link> {
    let open = span.start() + if embed { 3 } else { 2 };
    let close = span.end().checked_sub(2)?;
    if close < open || !text[span.range()].ends_with("]]") {
        return None;
    }
    let inner = &text[open..close];
    // `label|target`; a second `|` ends the target, as Dendron's destructuring drops the rest.
    let (alias, mut start) = match inner.find('|') {
        Some(pipe) => (Some(inner[..pipe].trim().to_string()), open + pipe + 1),
        None => (None, open),
    };
    let end = text[start..close].find('|').map_or(close, |p| start + p);
    let (at, value) = trimmed(text, start, end);
    if let Some(rest) = value.strip_prefix("dendron://") {
        // `dendron://vault/name`: the vault's name, then the note's.
        let slash = rest.find('/')?;
        start = at + "dendron://".len() + slash + 1;
    }
    let (name_end, anchor) = match text[start..end].find('#') {
        Some(hash) => (start + hash, Some(start + hash + 1)),
        None => (end, None),
    };
    let (target_at, target) = trimmed(text, start, name_end);
    let (fragment, fragment_span) = match anchor {
        Some(from) => {
            let rest = &text[from..end];
            // A reference's range ends at `:`; a plain link keeps one anchor, up to a `#`.
            let stop = rest
                .find(if embed { ':' } else { '#' })
                .unwrap_or(rest.len());
            let mut anchor_text = &rest[..stop];
            if embed {
                // `heading,1`: an offset in lines after the anchor.
                anchor_text = anchor_text.split(',').next().unwrap_or("");
            }
            let (a_at, a) = trimmed(text, from, from + anchor_text.len());
            let fragment = match a.strip_prefix('^') {
                Some(id) if !id.trim().is_empty() => Some(Fragment::Block(id.trim().into())),
                Some(_) => None,
                // `*` starts at the top: the whole note.
                None if a.is_empty() || a == "*" => None,
                None => Some(Fragment::Heading(Box::new([a.into()]))),
            };
            let span = fragment.as_ref().map(|_| Span::new(a_at, a_at + a.len()));
            (fragment, span)
        }
        None => (None, None),
    };
    if target.is_empty() && fragment.is_none() {
        return None;
    }
    let target_span = Span::new(target_at, target_at + target.len());
    let mut link = Link::new(LinkKind::Wiki, embed, span, target.into(), target_span);
    link.set_fragment(fragment, fragment_span);
    link.set_alias(alias.map(Name::from));
    Some(link)
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use super::*;

    fn check(text: &str, expect: Expect) {
        let mut syntax = super::super::parse(text);
        adapt(text, &mut syntax);
        let at = |s: Span| &text[s.range()];
        let out: Vec<String> = syntax
            .links
            .iter()
            .map(|l| {
                format!(
                    "{:?} target={:?} at {:?} frag={:?} frag_at={:?} alias={:?}",
                    at(l.span),
                    l.target,
                    at(l.target_span),
                    l.fragment(),
                    l.fragment_span().map(at),
                    l.alias()
                )
            })
            .collect();
        expect.assert_eq(&out.join("\n"));
    }

    #[test]
    fn dendron_reads_label_first_vault_prefixes_anchors_and_reference_ranges() {
        check(
            "[[Our mission|careers.mission]] ![[dendron://handbook/careers.mission]]\n\
             [[Label|dendron://handbook/careers.mission#Our Values]] [[a.b#some-heading]]\n\
             ![[dendron.faq#install,1:#*]] ![[a.b#^block-id:#^end]] ![[dendron.testimonials.*]]\n\
             ![[a.b#*]] [[plain]] [[#local]]\n",
            expect![[r#"
                "[[Our mission|careers.mission]]" target="careers.mission" at "careers.mission" frag=None frag_at=None alias=Some("Our mission")
                "![[dendron://handbook/careers.mission]]" target="careers.mission" at "careers.mission" frag=None frag_at=None alias=None
                "[[Label|dendron://handbook/careers.mission#Our Values]]" target="careers.mission" at "careers.mission" frag=Some(Heading(["Our Values"])) frag_at=Some("Our Values") alias=Some("Label")
                "[[a.b#some-heading]]" target="a.b" at "a.b" frag=Some(Heading(["some-heading"])) frag_at=Some("some-heading") alias=None
                "![[dendron.faq#install,1:#*]]" target="dendron.faq" at "dendron.faq" frag=Some(Heading(["install"])) frag_at=Some("install") alias=None
                "![[a.b#^block-id:#^end]]" target="a.b" at "a.b" frag=Some(Block("block-id")) frag_at=Some("^block-id") alias=None
                "![[dendron.testimonials.*]]" target="dendron.testimonials.*" at "dendron.testimonials.*" frag=None frag_at=None alias=None
                "![[a.b#*]]" target="a.b" at "a.b" frag=None frag_at=None alias=None
                "[[plain]]" target="plain" at "plain" frag=None frag_at=None alias=None
                "[[#local]]" target="" at "" frag=Some(Heading(["local"])) frag_at=Some("local") alias=None"#]],
        );
    }
}
