//! Diagnostics of one note: unresolved notes, attachments, headings and blocks, ambiguous
//! links, and frontmatter the parser could not read.

pub use super::Diagnostic;
use super::Location;
use crate::config::Config;
pub use crate::config::{Kind, Severity};
use crate::index::{Broken, FileId, Missing, Vault};
use crate::syntax::Span;

fn quote(s: &str) -> String {
    format!("‘{s}’")
}

/// Every diagnostic of note `file`, in text order.
pub fn diagnostics(vault: &Vault, file: FileId) -> Vec<Diagnostic> {
    let Some(note) = vault.note(file) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for problem in &note.syntax.problems {
        out.push(Diagnostic {
            span: problem.span,
            severity: Severity::Information,
            kind: Kind::Frontmatter,
            message: problem.message.clone(),
            related: Vec::new(),
        });
    }
    for link in &note.syntax.links {
        match vault.resolve(file, link) {
            Ok(resolved) if resolved.is_ambiguous() => {
                let chosen = vault.file(resolved.file);
                let names: Vec<String> = resolved
                    .candidates
                    .iter()
                    .map(|id| vault.file(*id).rel().to_string())
                    .collect();
                out.push(Diagnostic {
                    span: link.target_span,
                    severity: Severity::Hint,
                    kind: Kind::Ambiguous,
                    message: format!(
                        "{} matches {} files: {}; it resolves to {}",
                        quote(&link.target),
                        names.len(),
                        names.join(", "),
                        chosen.rel()
                    ),
                    related: resolved
                        .candidates
                        .iter()
                        .map(|id| {
                            (
                                Location {
                                    file: *id,
                                    span: Span::default(),
                                },
                                format!("candidate {}", vault.file(*id).rel()),
                            )
                        })
                        .collect(),
                });
            }
            Ok(_) => {}
            // `[Figma](figma.com)` is a web address without its scheme, not a missing file:
            // hover says so, and it is not counted as broken.
            Err(Broken::File {
                missing: Missing::WebAddress,
                ..
            }) => {}
            Err(Broken::File { target, missing }) => out.push(Diagnostic {
                span: link.span,
                severity: Severity::Warning,
                kind: if missing == Missing::Attachment {
                    Kind::UnresolvedAttachment
                } else {
                    Kind::UnresolvedNote
                },
                message: format!(
                    "Unresolved link: no {} named {} in the vault",
                    if missing == Missing::Attachment {
                        "file"
                    } else {
                        "note"
                    },
                    quote(&target)
                ),
                related: Vec::new(),
            }),
            Err(broken @ (Broken::Heading { .. } | Broken::Block { .. })) => {
                let resolved = broken.reached().expect("fragment errors reach a file");
                let place = if resolved.file == file {
                    "this note".to_string()
                } else {
                    quote(vault.file(resolved.file).display_name())
                };
                let (kind, missing) = match &broken {
                    Broken::Heading { heading, .. } => (
                        Kind::UnresolvedHeading,
                        format!("heading {}", quote(&heading.join("#"))),
                    ),
                    Broken::Block { id, .. } => (
                        Kind::UnresolvedBlock,
                        format!("block {}", quote(&format!("^{id}"))),
                    ),
                    Broken::File { .. } => unreachable!("matched above"),
                };
                out.push(Diagnostic {
                    span: link.fragment_span().unwrap_or(link.span),
                    severity: Severity::Warning,
                    kind,
                    message: format!("Unresolved link: no {missing} in {place}"),
                    related: Vec::new(),
                });
            }
        }
    }
    out.extend(super::citations::diagnostics(vault, file));
    out.extend(super::properties::diagnostics(vault, file));
    out.sort_by_key(|d| d.span);
    out
}

/// Every diagnostic of note `file` with the severities the configuration sets; those turned
/// off are dropped. What the editor and `check` show.
pub fn configured(vault: &Vault, file: FileId, config: &Config) -> Vec<Diagnostic> {
    diagnostics(vault, file)
        .into_iter()
        .filter_map(|mut d| match config.severity.get(d.kind.code()) {
            Some(None) => None,
            Some(Some(severity)) => {
                d.severity = *severity;
                Some(d)
            }
            None => Some(d),
        })
        .collect()
}

/// The diagnostics to show while the user types at `edited` (the span the last change wrote):
/// a link or citation the change touched is being typed — `[[Alp]]` on its way to
/// `[[Alpha]]` — and its problems are held back until the user has moved on (a change
/// elsewhere). Everything else stands. Spans touch when they share an end: typing right after
/// `[[Alp` still types the link.
pub fn settled(vault: &Vault, file: FileId, all: Vec<Diagnostic>, edited: Span) -> Vec<Diagnostic> {
    let touches = |span: Span| span.start <= edited.end && edited.start <= span.end;
    let typed: Vec<Span> = vault.note(file).map_or_else(Vec::new, |note| {
        let links = note.syntax.links.iter().map(|l| l.span);
        let citations = note
            .syntax
            .citations
            .iter()
            .map(|c| c.group.unwrap_or(c.span));
        links.chain(citations).filter(|&s| touches(s)).collect()
    });
    all.into_iter()
        .filter(|d| {
            !touches(d.span)
                && !typed
                    .iter()
                    .any(|t| t.start <= d.span.start && d.span.end <= t.end)
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use expect_test::{Expect, expect};

    use super::*;
    use crate::features::fixture::Fixture;

    /// Diagnostics of the first file of the fixture, one line each.
    pub(crate) fn render_first(fixture: &str) -> String {
        let f = Fixture::parse(fixture);
        let first = f.vault.files().map(|(id, _)| id).min().expect("a file");
        let actual: Vec<String> = diagnostics(&f.vault, first)
            .iter()
            .map(|d| {
                format!(
                    "{} {}: {} [{}]",
                    f.render(first, d.span),
                    d.severity.as_str(),
                    d.message,
                    d.kind.code()
                )
            })
            .collect();
        actual.join("\n")
    }

    fn check(fixture: &str, expect: Expect) {
        expect.assert_eq(&render_first(fixture));
    }

    #[test]
    fn each_message_names_what_is_missing() {
        check(
            r####"
//- /a.md
[[Missing]] [[b#No Such]] [[b#^gone]] ![[lost.png]] [[#Nowhere]] [x](nope.md)
//- /b.md
# Exists
"####,
            expect![[r#"
                a.md 1:1-1:12 "[[Missing]]" warning: Unresolved link: no note named ‘Missing’ in the vault [unresolved-note]
                a.md 1:17-1:24 "No Such" warning: Unresolved link: no heading ‘No Such’ in ‘b’ [unresolved-heading]
                a.md 1:31-1:36 "^gone" warning: Unresolved link: no block ‘^gone’ in ‘b’ [unresolved-block]
                a.md 1:39-1:52 "![[lost.png]]" warning: Unresolved link: no file named ‘lost.png’ in the vault [unresolved-attachment]
                a.md 1:56-1:63 "Nowhere" warning: Unresolved link: no heading ‘Nowhere’ in this note [unresolved-heading]
                a.md 1:66-1:78 "[x](nope.md)" warning: Unresolved link: no note named ‘nope.md’ in the vault [unresolved-note]"#]],
        );
    }

    #[test]
    fn only_known_attachment_types_are_missing_files_and_bare_domains_are_not_flagged() {
        check(
            r####"
//- /a.md
[[dendron.faq]] [Figma](figma.com) [[https://example.com]] [[paper.pdf]] [g](github.com/o/r) [r](lib.rs)
"####,
            expect![[r#"
                a.md 1:1-1:16 "[[dendron.faq]]" warning: Unresolved link: no note named ‘dendron.faq’ in the vault [unresolved-note]
                a.md 1:36-1:59 "[[https://example.com]]" warning: Unresolved link: no note named ‘https://example.com’ in the vault [unresolved-note]
                a.md 1:60-1:73 "[[paper.pdf]]" warning: Unresolved link: no file named ‘paper.pdf’ in the vault [unresolved-attachment]
                a.md 1:94-1:105 "[r](lib.rs)" warning: Unresolved link: no note named ‘lib.rs’ in the vault [unresolved-note]"#]],
        );
    }

    /// The forms a public Dendron workspace uses, each resolving to the note Dendron opens.
    const DENDRON: &str = r####"
//- /notes/root.md
[[Our mission|careers.mission]] ![[dendron://handbook/careers.mission]]
[[Values|careers.mission#our-values]] ![[careers.mission#our-values,1:#*]]
![[dendron.testimonials.*]] ![[careers.mission#^intro:#*]] [[careers.mission#Our Values]]
[[Label|nowhere.at.all]] ![[nothing.here.*]] [[careers.mission#no-such]]
//- /notes/careers.mission.md
Intro ^intro
## Our Values
//- /notes/dendron.testimonials.alice.md
//- /notes/dendron.testimonials.bob.md
"####;

    #[test]
    fn a_dendron_workspace_resolves_dendrons_link_forms() {
        check(
            &format!("{DENDRON}//- /dendron.yml\nversion: 5\n"),
            expect![[r#"
                notes/root.md 4:1-4:25 "[[Label|nowhere.at.all]]" warning: Unresolved link: no note named ‘nowhere.at.all’ in the vault [unresolved-note]
                notes/root.md 4:26-4:45 "![[nothing.here.*]]" warning: Unresolved link: no note named ‘nothing.here.*’ in the vault [unresolved-note]
                notes/root.md 4:64-4:71 "no-such" warning: Unresolved link: no heading ‘no-such’ in ‘careers.mission’ [unresolved-heading]"#]],
        );
        // Without `dendron.yml`, Obsidian's rules: the label is read as the target.
        let obsidian = render_first(DENDRON);
        assert!(
            obsidian.contains("no note named ‘Our mission’"),
            "{obsidian}"
        );
    }

    #[test]
    fn ambiguous_link_is_a_hint_naming_every_candidate() {
        check(
            r####"
//- /a.md
[[index]]
//- /x/index.md
//- /y/index.md
"####,
            expect![[
                r####"a.md 1:3-1:8 "index" hint: ‘index’ matches 2 files: x/index.md, y/index.md; it resolves to x/index.md [ambiguous-link]"####
            ]],
        );
    }

    #[test]
    fn resolved_links_of_every_form_are_silent() {
        check(
            r####"
//- /notes/a.md
---
up: "[[b]]"
aliases: [Self]
---
# Top
[[b]] [[B#Part]] [[b#^id]] [[#Top]] ![[img.png]] [[dir/c]] [[/dir/c]] [[./sib]] [[../dir/c]] [[Alias of C]]
[y](../dir/c.md) [z](<sib.md>) [w](sib) field:: [[b|shown]]
//- /b.md
## Part
text ^id
//- /dir/c.md
---
aliases: [Alias of C]
---
//- /notes/sib.md
//- /assets/img.png
"####,
            expect![[r####""####]],
        );
    }
}

#[cfg(test)]
mod settled_tests {
    use super::*;
    use crate::features::fixture::Fixture;

    /// The diagnostics of `a.md` left when the last change wrote `edited` (a part of `text`, found
    /// as `context` with the part in it marked by `«»`).
    fn left(text: &str, context: &str) -> Vec<String> {
        let f = Fixture::parse(&format!("//- /a.md\n{text}//- /b.md\n# Head\n"));
        let a = f.vault.id(std::path::Path::new("/vault/a.md")).unwrap();
        let note = f.vault.note(a).unwrap();
        let plain = context.replace(['«', '»'], "");
        let at = note.text().find(&plain).expect("context in the note");
        let start = at + context.find('«').unwrap();
        let end = at + context.find('»').unwrap() - '«'.len_utf8();
        settled(&f.vault, a, diagnostics(&f.vault, a), Span::new(start, end))
            .iter()
            .map(|d| note.text()[d.span.range()].to_string())
            .collect()
    }

    #[test]
    fn the_link_being_typed_is_held_back_and_the_others_stand() {
        let text = "[[Missing]] then [[Alp]] and [[b#Nope]]\n";
        // Typing the `p` of `[[Alp]]`, its closing brackets, or right after it.
        for context in ["[[Al«p»]]", "[[Alp«]]»", "[[Alp]]« »and", "«[[Alp]]»"] {
            assert_eq!(left(text, context), ["[[Missing]]", "Nope"], "{context}");
        }
        // Typing in a heading fragment holds back that link's heading problem.
        assert_eq!(left(text, "#No«p»e"), ["[[Missing]]", "[[Alp]]"]);
        // A change elsewhere (the user moved on): every problem is shown.
        assert_eq!(left(text, "«the»n"), ["[[Missing]]", "[[Alp]]", "Nope"]);
    }
}
