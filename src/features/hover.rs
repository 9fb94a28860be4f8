//! Hover: a preview of what a link points to — the note without its frontmatter (the section
//! for a heading link, the block for a block link), bounded — with its aliases, tags and
//! backlink count; and a count of notes for a tag.

use pulldown_cmark::{Event, Parser, Tag};

pub use super::Hover;
use super::{citations, link_at};
use crate::index::{Anchor, Broken, FileId, Missing, Resolved, Vault, keys};
use crate::syntax::{Heading, Span, cmark_options, cmark_text, floor_boundary};

/// Previews stop after this many lines or bytes, at a line boundary.
const PREVIEW_LINES: usize = 40;
const PREVIEW_BYTES: usize = 4000;

pub fn hover(vault: &Vault, file: FileId, offset: usize) -> Option<Hover> {
    if let Some(hover) = citation_hover(vault, file, offset) {
        return Some(hover);
    }
    if let Some(hover) = super::properties::hover(vault, file, offset) {
        return Some(hover);
    }
    if let Some((link, resolution)) = link_at(vault, file, offset) {
        let markdown = match resolution {
            Ok(resolved) => describe(vault, &resolved, None),
            Err(Broken::File {
                target,
                missing: Missing::WebAddress,
            }) => format!(
                "`{target}` looks like a web address: no file of that name is in the vault. \
                 Write `https://{target}` to link to the site."
            ),
            Err(Broken::File { target, missing }) => format!(
                "**Unresolved link** — no {} named `{}` in the vault.",
                if missing == Missing::Attachment {
                    "file"
                } else {
                    "note"
                },
                target
            ),
            Err(Broken::Heading { resolved, heading }) => describe(
                vault,
                &resolved,
                Some(format!(
                    "*No heading `{}` in this note.*",
                    heading.join("#")
                )),
            ),
            Err(Broken::Block { resolved, id }) => describe(
                vault,
                &resolved,
                Some(format!("*No block `^{id}` in this note.*")),
            ),
        };
        return Some(Hover {
            markdown,
            span: link.span,
        });
    }
    let note = vault.note(file)?;
    let tag = note
        .syntax
        .tags()
        .into_iter()
        .find(|t| t.span.touches(offset))?;
    let entry = vault.tag(&keys::fold(&tag.name));
    let count = entry.map_or(0, |e| e.notes.len());
    Some(Hover {
        markdown: format!(
            "**#{}** — used in {count} note{}",
            tag.name,
            if count == 1 { "" } else { "s" }
        ),
        span: tag.span,
    })
}

pub(crate) fn describe(vault: &Vault, resolved: &Resolved, warning: Option<String>) -> String {
    let file = vault.file(resolved.file);
    // A literature note's hover starts with its bibliography entry.
    let mut out = super::citations::reference_header(vault, resolved.file);
    out.push_str(&format!("**{}** — `{}`", file.display_name(), file.rel()));
    let Some(note) = file.note() else {
        out.push_str("\n\nAttachment.");
        return out;
    };
    let mut facts = Vec::new();
    let aliases = note.syntax.aliases();
    if !aliases.is_empty() {
        facts.push(format!("aliases: {}", aliases.join(", ")));
    }
    let mut tags: Vec<String> = note
        .syntax
        .tags()
        .iter()
        .map(|t| format!("#{}", t.name))
        .collect();
    tags.dedup();
    if !tags.is_empty() {
        facts.push(format!("tags: {}", tags.join(" ")));
    }
    let backlinks = vault
        .backlinks(resolved.file)
        .iter()
        .filter(|(src, _)| *src != resolved.file)
        .count();
    facts.push(format!(
        "{backlinks} backlink{}",
        if backlinks == 1 { "" } else { "s" }
    ));
    out.push_str("\n\n");
    out.push_str(&facts.join(" · "));
    if let Some(alias) = &resolved.via_alias {
        out.push_str(&format!(
            "\n\n*Resolved through the alias “{alias}”: no file has that name.*"
        ));
    }
    if resolved.is_ambiguous() {
        let others: Vec<&str> = resolved.candidates[1..]
            .iter()
            .map(|id| vault.file(*id).rel())
            .collect();
        out.push_str(&format!(
            "\n\n*Ambiguous: also matches {}.*",
            others.join(", ")
        ));
    }
    if let Some(warning) = warning {
        out.push_str("\n\n");
        out.push_str(&warning);
    }
    let text = &note.text();
    let section = match resolved.anchor {
        Anchor::File => Span::new(note.syntax.body_start(), text.len()),
        Anchor::Heading(i) => {
            let headings = note.syntax.headings();
            let heading = &headings[i];
            let end = headings[i + 1..]
                .iter()
                .find(|h| h.level <= heading.level)
                .map_or(text.len(), |h| h.span.start());
            Span::new(heading.span.start(), end)
        }
        Anchor::Block(i) => note.syntax.blocks()[i].block,
    };
    let body = preview_source(text, section, &note.syntax.headings());
    let preview = bounded(&body);
    if !preview.trim().is_empty() {
        out.push_str("\n\n---\n\n");
        out.push_str(preview.trim_end());
        // `bounded` skips leading line breaks: what is left starts after them and the preview.
        let skipped = body.len() - body.trim_start_matches(['\n', '\r']).len();
        if !body[skipped + preview.len()..].trim().is_empty() {
            out.push_str("\n\n…");
        }
    }
    out
}

/// The section `text[section]` as the preview shows it. Its headings become bold lines set apart
/// by blank lines: full-size headings are heavy in a popup, and a bold line touching text would
/// join that paragraph. HTML comments are dropped: they are notes to the writer, and some editors
/// (Neovim) show them raw; a line left blank by a dropped comment goes too.
fn preview_source(text: &str, section: Span, headings: &[Heading]) -> String {
    enum Edit {
        HeadingStart,
        HeadingEnd,
        Drop,
    }
    let mut edits: Vec<(Span, Edit)> = Vec::new();
    for h in headings.iter().filter(|h| section.contains_span(h.span)) {
        if h.text_span().is_empty() || !h.span.contains_span(h.text_span()) {
            // `#` alone: nothing to show in bold.
            edits.push((h.span, Edit::Drop));
        } else {
            let start = Span::new(h.span.start(), h.text_span().start());
            edits.push((start, Edit::HeadingStart));
            edits.push((
                Span::new(h.text_span().end(), h.span.end()),
                Edit::HeadingEnd,
            ));
        }
    }
    edits.extend(
        html_comments(text, section)
            .into_iter()
            .map(|c| (c, Edit::Drop)),
    );
    edits.sort_by_key(|(span, _)| (span.start, span.end));

    // Offsets in `out` where a bold heading starts and where something was dropped.
    let mut heading_starts = Vec::new();
    let mut drops = Vec::new();
    let mut out = String::with_capacity(section.len());
    let mut at = section.start();
    let mut bold = false;
    for (span, edit) in edits {
        // A heading's end closes the bold its start opened, whatever an overlapping edit took;
        // any other edit overlapping an earlier one is left out (the first one wins).
        if matches!(edit, Edit::HeadingEnd) {
            if !bold {
                continue;
            }
        } else if span.start() < at {
            continue;
        }
        if span.start() >= at {
            out.push_str(&text[at..span.start()]);
        }
        match edit {
            Edit::HeadingStart => {
                heading_starts.push(out.len());
                out.push_str("**");
                bold = true;
            }
            Edit::HeadingEnd => {
                out.push_str("**");
                bold = false;
            }
            Edit::Drop => drops.push(out.len()),
        }
        at = at.max(span.end());
    }
    out.push_str(&text[at.min(section.end())..section.end()]);

    let mut result = String::with_capacity(out.len() + 2 * heading_starts.len());
    let (mut previous_blank, mut previous_heading) = (true, false);
    let mut start = 0;
    for line in out.split_inclusive('\n') {
        let content_end = start + line.trim_end_matches(['\n', '\r']).len();
        let within = |offsets: &[usize]| {
            let i = offsets.partition_point(|&o| o < start);
            offsets[i..]
                .iter()
                .take_while(|&&o| o <= content_end)
                .copied()
                .next()
        };
        let blank = line.trim().is_empty();
        let heading = within(&heading_starts).is_some_and(|h| out[start..h].trim().is_empty());
        if !(blank && within(&drops).is_some()) {
            if (heading && !previous_blank) || (previous_heading && !blank) {
                result.push('\n');
            }
            result.push_str(line);
            previous_blank = blank;
            previous_heading = heading;
        }
        start += line.len();
    }
    result
}

/// HTML comments in `text[section]` outside code: `<!-- … -->`, or to the end of their HTML if
/// never closed. Found by CommonMark's rules, so a `<!--` in code stays.
fn html_comments(text: &str, section: Span) -> Vec<Span> {
    let slice = &text[section.range()];
    if !slice.contains("<!--") {
        return Vec::new();
    }
    let mut comments = Vec::new();
    let seen = cmark_text(slice);
    for (event, html) in Parser::new_ext(&seen, cmark_options()).into_offset_iter() {
        if !matches!(event, Event::Start(Tag::HtmlBlock) | Event::InlineHtml(_)) {
            continue;
        }
        let mut at = html.start;
        while let Some(open) = slice[at..html.end].find("<!--") {
            let start = at + open;
            let end = slice[start + 4..html.end]
                .find("-->")
                .map_or(html.end, |close| start + 4 + close + 3);
            comments.push(Span::new(start, end).shift(section.start()));
            at = end;
        }
    }
    comments
}

/// The start of `text`, at most `PREVIEW_LINES` lines and `PREVIEW_BYTES` bytes, cut at a line end.
fn bounded(text: &str) -> &str {
    let text = text.trim_start_matches(['\n', '\r']);
    let mut end = text
        .match_indices('\n')
        .nth(PREVIEW_LINES - 1)
        .map_or(text.len(), |(i, _)| i);
    if end > PREVIEW_BYTES {
        end = floor_boundary(text, PREVIEW_BYTES);
        if let Some(nl) = text[..end].rfind('\n') {
            end = nl;
        }
    }
    &text[..end]
}

// --- Citations: `[@key]` and links to literature notes that do not exist yet.

/// Hover on a citation: the entry, then the literature note's preview where one exists.
/// Links to literature notes are handled by the note hover, which starts with the entry.
fn citation_hover(vault: &Vault, file: FileId, offset: usize) -> Option<Hover> {
    let note = vault.note(file)?;
    let Some(citation) = note.syntax.citation_at(offset) else {
        return missing_note_hover(vault, file, offset);
    };
    let markdown = match citations::literature_notes(vault, &citation.key).first() {
        Some(&lit) => {
            let resolved = Resolved {
                file: lit,
                anchor: Anchor::File,
                via_alias: None,
                candidates: Vec::new(),
            };
            let described = describe(vault, &resolved, None);
            if vault.sources.entry(&citation.key).is_some() {
                described
            } else {
                format!(
                    "{}\n\n---\n\n{described}",
                    citations::entry_hover(vault, &citation.key)
                )
            }
        }
        None => citations::entry_hover(vault, &citation.key),
    };
    Some(Hover {
        markdown,
        span: citation.span,
    })
}

/// Hover on `[[@key]]` whose literature note does not exist yet but whose entry does.
fn missing_note_hover(vault: &Vault, file: FileId, offset: usize) -> Option<Hover> {
    let (link, resolution) = link_at(vault, file, offset)?;
    if resolution.is_ok() {
        return None;
    }
    let key = citations::link_key(vault, link, resolution)?;
    vault.sources.entry(&key)?;
    Some(Hover {
        markdown: format!(
            "{}\n\n*No literature note `{}` in the vault yet.*",
            citations::entry_hover(vault, &key),
            link.target
        ),
        span: link.span,
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
        let actual = match hover(&f.vault, file, offset) {
            Some(h) => format!("{}\n{}", f.render(file, h.span), h.markdown),
            None => "none".to_string(),
        };
        expect.assert_eq(&actual);
    }

    #[test]
    fn note_preview_strips_frontmatter_and_counts_backlinks() {
        check(
            r####"
//- /a.md
Read [[Tar$0get]].
//- /Target.md
---
aliases: [The Target]
tags: [project]
---
# Target
Body text with #inline tag.
//- /c.md
[[target]] and [[The Target]]
"####,
            expect![[r#"
                a.md 1:6-1:16 "[[Target]]"
                **Target** — `Target.md`

                aliases: The Target · tags: #project #inline · 3 backlinks

                ---

                **Target**

                Body text with #inline tag."#]],
        );
    }

    #[test]
    fn heading_link_previews_its_section_only() {
        check(
            r####"
//- /a.md
[[b#Two$0]]
//- /b.md
# One
one
## Two
two
### Two point five
deeper
## Three
three
"####,
            expect![[r#"
                a.md 1:1-1:10 "[[b#Two]]"
                **b** — `b.md`

                1 backlink

                ---

                **Two**

                two

                **Two point five**

                deeper"#]],
        );
    }

    #[test]
    fn alias_resolution_and_missing_block_are_said() {
        check(
            r####"
//- /a.md
[[Nick$0name#^nope]]
//- /Real Name.md
---
aliases: [Nickname]
---
text
"####,
            expect![[r#"
                a.md 1:1-1:19 "[[Nickname#^nope]]"
                **Real Name** — `Real Name.md`

                aliases: Nickname · 1 backlink

                *Resolved through the alias “Nickname”: no file has that name.*

                *No block `^nope` in this note.*

                ---

                text"#]],
        );
    }

    #[test]
    fn a_bare_domain_is_said_to_be_a_web_address() {
        check(
            "//- /a.md\n[Figma](fig$0ma.com)\n",
            expect![[r#"
                a.md 1:1-1:19 "[Figma](figma.com)"
                `figma.com` looks like a web address: no file of that name is in the vault. Write `https://figma.com` to link to the site."#]],
        );
    }

    #[test]
    fn preview_after_blank_lines_ends_where_the_text_does() {
        // Found by fuzzing: the rest after the preview was measured from before the skipped
        // line breaks, mid-character here, and hover panicked.
        use std::path::{Path, PathBuf};

        use crate::index::Note;
        let mut vault = Vault::new(vec![PathBuf::from("/v")]);
        vault.upsert_note(Path::new("/v/a.md"), Note::parse("[[b]]"));
        vault.upsert_note(Path::new("/v/b.md"), Note::parse("\n€"));
        let a = vault.id(Path::new("/v/a.md")).unwrap();
        let h = hover(&vault, a, 2).expect("hover");
        assert!(h.markdown.ends_with("---\n\n€"), "{}", h.markdown);
    }

    #[test]
    fn long_note_preview_is_bounded() {
        let body: String = (1..=100).map(|i| format!("line {i}\n")).collect();
        let fixture = format!("//- /a.md\n[[lo$0ng]]\n//- /long.md\n{body}");
        let f = Fixture::parse(&fixture);
        let (file, offset) = f.cursor();
        let h = hover(&f.vault, file, offset).expect("hover");
        assert!(h.markdown.contains("line 40\n\n…"), "{}", h.markdown);
        assert!(!h.markdown.contains("line 41"));
    }

    #[test]
    fn preview_headings_are_bold_lines_apart_from_their_text() {
        // ATX with closing hashes, setext, text touching a heading on either side, an empty
        // heading, and a `#` line in code that is no heading.
        check(
            r####"
//- /a.md
[[Ta$0rget]]
//- /Target.md
# Target ##
Intro right under the title.
Last line before
## Details
Setext title
------------
```
# not a heading
```
#
end
"####,
            expect![[r#"
                a.md 1:1-1:11 "[[Target]]"
                **Target** — `Target.md`

                1 backlink

                ---

                **Target**

                Intro right under the title.
                Last line before

                **Details**

                **Setext title**

                ```
                # not a heading
                ```
                end"#]],
        );
    }

    #[test]
    fn preview_drops_html_comments_but_not_code() {
        check(
            r####"
//- /a.md
[[Ta$0rget]]
//- /Target.md
<!-- A note to myself, on its own line. -->
# Target
Text <!-- inline --> goes on.
<!--
several
lines
-->
Kept: `<!-- in code -->`, and <!-- across
two lines --> this.
```html
<!-- in a fence -->
```
"####,
            expect![[r#"
                a.md 1:1-1:11 "[[Target]]"
                **Target** — `Target.md`

                1 backlink

                ---

                **Target**

                Text  goes on.
                Kept: `<!-- in code -->`, and  this.
                ```html
                <!-- in a fence -->
                ```"#]],
        );
    }

    #[test]
    fn unresolved_link_and_tag() {
        check(
            r####"
//- /a.md
[[Gh$0ost]]
"####,
            expect![[r####"
                a.md 1:1-1:10 "[[Ghost]]"
                **Unresolved link** — no note named `Ghost` in the vault."####]],
        );
        check(
            r####"
//- /a.md
#pro$0ject
//- /b.md
#Project
"####,
            expect![[r####"
                a.md 1:1-1:9 "#project"
                **#project** — used in 2 notes"####]],
        );
    }
}
