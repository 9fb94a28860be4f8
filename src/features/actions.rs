//! Code actions on the link under the cursor: create the note a link names, add the heading it
//! names, qualify an ambiguous link with a path, and convert between wikilink and markdown link.
//! Each action is a [`WorkspaceChange`] the user applies.

use std::path::PathBuf;

pub(crate) use super::refactor::styled_target;
use super::refactor::{FileOp, WorkspaceChange, encode_dest, relative_path};
pub use super::{Action, ActionKind};
use crate::config::Kind;
use crate::config::{Config, LiteratureNoteSettings, NewNoteLocation};
use crate::index::{Anchor, Broken, FileId, Missing, Vault, keys};
use crate::syntax::{Fragment, Link, LinkKind, Span};

/// The actions at `offset` in `file`: those of the link there, of the unlinked mention there
/// (and of the note's mentions across the vault), then those of the citation.
pub fn actions(vault: &Vault, file: FileId, offset: usize, config: &Config) -> Vec<Action> {
    let mut out = link_actions(vault, file, offset, config);
    out.extend(super::mentions::actions(vault, file, offset, config));
    out.extend(literature_note_actions(
        vault,
        file,
        offset,
        &config.citations.literature,
    ));
    out
}

/// The actions for the link at `offset` in `file`.
fn link_actions(vault: &Vault, file: FileId, offset: usize, config: &Config) -> Vec<Action> {
    let Some(note) = vault.note(file) else {
        return Vec::new();
    };
    let Some(link) = note.syntax.link_at(offset) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    match vault.resolve(file, link) {
        Err(Broken::File { target, missing }) => {
            if missing == Missing::Note {
                out.extend(create_note(vault, file, link, &target, config));
            }
        }
        Err(Broken::Heading { resolved, heading }) => {
            let target = vault.file(resolved.file);
            let text = target.note().map(|n| n.text()).unwrap_or_default();
            let name = heading.last().cloned().unwrap_or_default();
            let level = target
                .note()
                .and_then(|n| n.syntax.headings().iter().map(|h| h.level).max())
                .unwrap_or(1)
                .clamp(2, 6);
            let mut insert = String::new();
            if !text.is_empty() && !text.ends_with('\n') {
                insert.push('\n');
            }
            if !text.is_empty() {
                insert.push('\n');
            }
            insert.push_str(&format!("{} {name}\n", "#".repeat(level as usize)));
            let mut change = WorkspaceChange::default();
            change.push(
                resolved.file,
                crate::syntax::Span::new(text.len(), text.len()),
                insert,
            );
            out.push(Action {
                title: format!("Add heading ‘{name}’ to {}", target.display_name()),
                kind: ActionKind::QuickFix,
                change,
                fixes: Some(Kind::UnresolvedHeading),
                preferred: true,
                open: None,
            });
        }
        Err(Broken::Block { .. }) => {}
        Ok(resolved) => {
            if resolved.is_ambiguous() && resolved.via_alias.is_none() {
                for &candidate in &resolved.candidates {
                    let f = vault.file(candidate);
                    let text = qualified_target(vault, file, link, candidate);
                    let mut change = WorkspaceChange::default();
                    change.push(file, link.target_span, text);
                    out.push(Action {
                        title: format!("Link to {}", f.rel()),
                        kind: ActionKind::QuickFix,
                        change,
                        fixes: Some(Kind::Ambiguous),
                        preferred: candidate == resolved.file,
                        open: None,
                    });
                }
            }
            if !link.is_same_note() && link.field().is_none() && !link.in_frontmatter {
                out.extend(convert(vault, file, link, resolved.file, resolved.anchor));
            }
        }
    }
    out
}

/// Where a new note for an unresolved `target` goes: the target's own folder when it names one,
/// else the configured location for new notes.
fn new_note_path(
    vault: &Vault,
    source: FileId,
    target: &str,
    config: &Config,
) -> Option<(PathBuf, String)> {
    let src = vault.file(source);
    let t = keys::normalize_target(target);
    let rel = if t.starts_with("./") || t.starts_with("../") {
        keys::join(src.folder(), &t)?
    } else if let Some(anchored) = t.strip_prefix('/') {
        keys::join("", anchored)?
    } else if t.contains('/') {
        keys::join("", &t)?
    } else {
        let folder = match &config.new_notes {
            NewNoteLocation::Root => String::new(),
            NewNoteLocation::Current => src.folder().to_string(),
            NewNoteLocation::Folder(folder) => folder.clone(),
        };
        keys::join(&folder, &t)?
    };
    let name = keys::basename(&rel).to_string();
    let path = vault.roots()[src.root].join(format!("{rel}.md"));
    Some((path, name))
}

fn create_note(
    vault: &Vault,
    source: FileId,
    link: &Link,
    target: &str,
    config: &Config,
) -> Option<Action> {
    let (path, name) = new_note_path(vault, source, target, config)?;
    // A heading link names the heading the new note should start with.
    let text = match link.fragment() {
        Some(Fragment::Heading(path)) => format!("# {}\n", path.last()?),
        _ => String::new(),
    };
    let rel = vault.locate(&path)?.1;
    Some(Action {
        title: format!("Create note ‘{name}’ at {rel}"),
        kind: ActionKind::QuickFix,
        change: WorkspaceChange {
            ops: vec![FileOp::Create {
                path: path.clone(),
                text,
            }],
            ..WorkspaceChange::default()
        },
        fixes: Some(Kind::UnresolvedNote),
        preferred: true,
        open: Some(path),
    })
}

/// A target that names `candidate` alone: its shortest unambiguous path (never the bare name,
/// which is what made the link ambiguous).
fn qualified_target(vault: &Vault, source: FileId, link: &Link, candidate: FileId) -> String {
    let f = vault.file(candidate);
    match link.kind {
        LinkKind::Wiki => {
            let shortest = vault.shortest_target(source, candidate);
            if shortest.contains('/') {
                shortest
            } else {
                f.link_path().to_string()
            }
        }
        LinkKind::Markdown => {
            encode_dest(&relative_path(vault.file(source).folder(), f.rel()), false)
        }
    }
}

/// Wikilink → markdown link and back, keeping the display text, fragment and embed.
fn convert(
    vault: &Vault,
    source: FileId,
    link: &Link,
    target: FileId,
    anchor: Anchor,
) -> Option<Action> {
    let note = vault.note(source)?;
    let f = vault.file(target);
    let bang = if link.embed { "!" } else { "" };
    let (title, text) = match link.kind {
        LinkKind::Wiki => {
            let display = link
                .alias()
                .map(|a| a.as_str())
                .map(str::to_string)
                .unwrap_or_else(|| match link.fragment() {
                    Some(Fragment::Heading(path)) => {
                        format!("{} > {}", f.display_name(), path.join(" > "))
                    }
                    _ => f.display_name().to_string(),
                });
            let fragment = match (link.fragment(), &anchor) {
                (Some(Fragment::Block(id)), _) => format!("#^{id}"),
                (Some(Fragment::Heading(_)), Anchor::Heading(i)) => {
                    let heading = &vault.note(target)?.syntax.headings()[*i];
                    format!("#{}", keys::github_slug(&heading.text))
                }
                _ => String::new(),
            };
            let dest = encode_dest(&relative_path(vault.file(source).folder(), f.rel()), false);
            (
                "Convert to markdown link",
                format!("{bang}[{display}]({dest}{fragment})"),
            )
        }
        LinkKind::Markdown => {
            // Reference definitions keep their label elsewhere: leave them.
            if !note.text()[link.span.range()].contains("](") {
                return None;
            }
            let target_text = vault.shortest_target(source, target);
            let fragment = match (link.fragment(), &anchor) {
                (Some(Fragment::Block(id)), _) => format!("#^{id}"),
                (Some(Fragment::Heading(_)), Anchor::Heading(i)) => {
                    // Obsidian's form of the heading: a raw `#`, `|` or `]]` would break the link.
                    let heading = &vault.note(target)?.syntax.headings()[*i];
                    format!("#{}", keys::heading_link_text(&heading.text))
                }
                _ => String::new(),
            };
            let alias = link
                .alias()
                .map(|a| a.as_str())
                .filter(|a| !a.is_empty() && *a != f.display_name() && *a != target_text)
                .map(|a| format!("|{a}"))
                .unwrap_or_default();
            (
                "Convert to wikilink",
                format!("{bang}[[{target_text}{fragment}{alias}]]"),
            )
        }
    };
    let mut change = WorkspaceChange::default();
    change.push(source, link.span, text);
    Some(Action {
        title: title.to_string(),
        kind: ActionKind::Rewrite,
        change,
        fixes: None,
        preferred: false,
        open: None,
    })
}

/// The literature-note actions at `offset`, as code actions.
pub fn literature_note_actions(
    vault: &Vault,
    file: FileId,
    offset: usize,
    settings: &LiteratureNoteSettings,
) -> Vec<Action> {
    super::citations::create_literature_notes(vault, file, Span::new(offset, offset), settings)
        .into_iter()
        .map(|new| Action {
            title: new.title,
            kind: ActionKind::QuickFix,
            change: WorkspaceChange {
                ops: vec![FileOp::Create {
                    path: new.path.clone(),
                    text: new.text,
                }],
                ..WorkspaceChange::default()
            },
            fixes: None,
            preferred: false,
            open: Some(new.path),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use super::*;
    use crate::features::fixture::Fixture;
    use crate::features::refactor::tests::apply;

    fn check(fixture: &str, config: &Config, expect: Expect) {
        let f = Fixture::parse(fixture);
        let (file, offset) = f.cursor();
        let mut out = String::new();
        for action in actions(&f.vault, file, offset, config) {
            out.push_str(&format!("== {} ({:?})\n", action.title, action.kind));
            for op in &action.change.ops {
                if let FileOp::Create { path, text } = op {
                    out.push_str(&format!("create {} {text:?}\n", path.display()));
                }
            }
            let before: std::collections::HashMap<String, String> =
                apply(&f.vault, &WorkspaceChange::default())
                    .into_iter()
                    .collect();
            for (rel, new) in apply(&f.vault, &action.change) {
                if before.get(&rel).is_some_and(|old| *old != new) {
                    out.push_str(&format!("{rel}: {new:?}\n"));
                }
            }
        }
        expect.assert_eq(&out);
    }

    #[test]
    fn an_unresolved_link_offers_to_create_the_note_in_the_configured_folder() {
        let fixture = "//- /daily/today.md\nSee [[New Idea$0]].\n";
        check(
            fixture,
            &Config::default(),
            expect![[r#"
                == Create note ‘New Idea’ at New Idea.md (QuickFix)
                create /vault/New Idea.md ""
            "#]],
        );
        let config = Config {
            new_notes: NewNoteLocation::Folder("inbox".into()),
            ..Config::default()
        };
        check(
            fixture,
            &config,
            expect![[r#"
                == Create note ‘New Idea’ at inbox/New Idea.md (QuickFix)
                create /vault/inbox/New Idea.md ""
            "#]],
        );
        let config = Config {
            new_notes: NewNoteLocation::Current,
            ..Config::default()
        };
        check(
            "//- /daily/today.md\nSee [[topics/New Idea#First$0]].\n",
            &config,
            expect![[r##"
                == Create note ‘New Idea’ at topics/New Idea.md (QuickFix)
                create /vault/topics/New Idea.md "# First\n"
            "##]],
        );
    }

    #[test]
    fn a_missing_heading_can_be_appended_to_the_target_note() {
        check(
            "//- /a.md\n[[b#Open Questions$0]]\n//- /b.md\n# B\n## Known\ntext",
            &Config::default(),
            expect![[r##"
                == Add heading ‘Open Questions’ to b (QuickFix)
                b.md: "# B\n## Known\ntext\n\n## Open Questions\n"
            "##]],
        );
    }

    #[test]
    fn an_ambiguous_link_can_be_qualified_with_either_path() {
        check(
            "//- /a.md\n[[Log$0|the log]]\n//- /x/Log.md\n//- /y/Log.md\n",
            &Config::default(),
            expect![[r#"
                == Link to x/Log.md (QuickFix)
                a.md: "[[x/Log|the log]]\n"
                == Link to y/Log.md (QuickFix)
                a.md: "[[y/Log|the log]]\n"
                == Convert to markdown link (Rewrite)
                a.md: "[the log](x/Log.md)\n"
            "#]],
        );
    }

    #[test]
    fn links_convert_between_wikilink_and_markdown_keeping_their_parts() {
        check(
            "//- /sub/a.md\n![[My Note#Some Part$0]]\n//- /My Note.md\n# Some Part\n",
            &Config::default(),
            expect![[r#"
                == Convert to markdown link (Rewrite)
                sub/a.md: "![My Note > Some Part](../My%20Note.md#some-part)\n"
            "#]],
        );
        check(
            "//- /sub/a.md\n[shown$0](../My%20Note.md#some-part)\n//- /My Note.md\n# Some Part\n",
            &Config::default(),
            expect![[r##"
                == Convert to wikilink (Rewrite)
                sub/a.md: "[[My Note#Some Part|shown]]\n"
            "##]],
        );
    }

    #[test]
    fn a_markdown_link_to_a_heading_with_link_characters_converts_to_a_working_wikilink() {
        check(
            "//- /a.md\n[x$0](b.md#step-one--why)\n//- /b.md\n## Step: one | why\n",
            &Config::default(),
            expect![[r##"
                == Convert to wikilink (Rewrite)
                a.md: "[[b#Step one why|x]]\n"
            "##]],
        );
    }
}
