//! Tests of unlinked mentions: the actions' exact edits, their losslessness, and the index kept
//! current note by note.

use std::path::Path;

use expect_test::{Expect, expect};

use super::*;
use crate::config::LinkStyle;
use crate::features::fixture::Fixture;
use crate::features::refactor::tests::apply;
use crate::index::Note;

const VAULT: &str = "
//- /people/Isaac Newton.md
---
aliases: [Newton]
---
# Isaac Newton
//- /Gravity.md
Isaac Newton wrote on gravity; newton$0 is also a unit, and so is [[Isaac Newton]].
`Newton` in code, [[Gravity]] itself, Newtonian.
//- /Optics.md
Optics, by ISAAC NEWTON. See https://example.org/Newton and #Newton.
";

fn check(fixture: &str, config: &Config, expect: Expect) {
    let mut f = Fixture::parse(fixture);
    f.vault.refresh_mentions();
    let (file, offset) = f.cursor();
    let before: std::collections::HashMap<String, String> =
        apply(&f.vault, &WorkspaceChange::default())
            .into_iter()
            .collect();
    let mut out = String::new();
    for action in actions(&f.vault, file, offset, config) {
        out.push_str(&format!("== {}\n", action.title));
        for (rel, new) in apply(&f.vault, &action.change) {
            if before.get(&rel).is_some_and(|old| *old != new) {
                out.push_str(&format!("{rel}: {new:?}\n"));
            }
        }
    }
    expect.assert_eq(&out);
}

#[test]
fn a_mention_links_to_its_note_through_the_name_or_the_alias() {
    check(
        VAULT,
        &Config::default(),
        expect![[r#"
            == Link to ‘Isaac Newton’
            Gravity.md: "Isaac Newton wrote on gravity; [[Isaac Newton|newton]] is also a unit, and so is [[Isaac Newton]].\n`Newton` in code, [[Gravity]] itself, Newtonian.\n"
            == Link all 2 mentions of ‘Isaac Newton’ in this note
            Gravity.md: "[[Isaac Newton]] wrote on gravity; [[Isaac Newton|newton]] is also a unit, and so is [[Isaac Newton]].\n`Newton` in code, [[Gravity]] itself, Newtonian.\n"
        "#]],
    );
    let markdown = Config {
        markdown_links: true,
        ..Config::default()
    };
    check(
        VAULT,
        &markdown,
        expect![[r#"
            == Link to ‘Isaac Newton’
            Gravity.md: "Isaac Newton wrote on gravity; [newton](people/Isaac%20Newton.md) is also a unit, and so is [[Isaac Newton]].\n`Newton` in code, [[Gravity]] itself, Newtonian.\n"
            == Link all 2 mentions of ‘Isaac Newton’ in this note
            Gravity.md: "[Isaac Newton](people/Isaac%20Newton.md) wrote on gravity; [newton](people/Isaac%20Newton.md) is also a unit, and so is [[Isaac Newton]].\n`Newton` in code, [[Gravity]] itself, Newtonian.\n"
        "#]],
    );
    let absolute = Config {
        link_style: LinkStyle::Absolute,
        ..Config::default()
    };
    check(
        "//- /people/Isaac Newton.md\n//- /a.md\nsaid isaac newton$0\n",
        &absolute,
        expect![[r#"
            == Link to ‘Isaac Newton’
            a.md: "said [[people/Isaac Newton|isaac newton]]\n"
        "#]],
    );
}

#[test]
fn the_target_note_links_every_unlinked_mention_across_the_vault() {
    check(
        &VAULT
            .replace("newton$0", "newton")
            .replace("# Isaac Newton", "# Isaac Newton$0"),
        &Config::default(),
        expect![[r#"
            == Link all 3 unlinked mentions across the vault
            Gravity.md: "[[Isaac Newton]] wrote on gravity; [[Isaac Newton|newton]] is also a unit, and so is [[Isaac Newton]].\n`Newton` in code, [[Gravity]] itself, Newtonian.\n"
            Optics.md: "Optics, by [[ISAAC NEWTON]]. See https://example.org/Newton and #Newton.\n"
        "#]],
    );
}

#[test]
fn the_vault_wide_action_is_offered_on_the_title_only() {
    let vault = VAULT
        .replace("newton$0", "newton")
        .replace("# Isaac Newton", "# Isaac Newton\nBody text.$0");
    check(&vault, &Config::default(), expect![[""]]);
}

/// Linking every mention is lossless: each edit replaces a mention by one link that shows the
/// mention's own text, and every new link resolves to the mentioned note.
#[test]
fn linking_every_mention_changes_only_the_mentions_and_every_link_resolves() {
    let mut f = Fixture::parse(VAULT);
    f.vault.refresh_mentions();
    let target = f
        .vault
        .id(Path::new("/vault/people/Isaac Newton.md"))
        .unwrap();
    let mentions = unlinked_mentions(&f.vault, target);
    assert_eq!(mentions.len(), 3);
    let change = link_all(&f.vault, target, &mentions, &Config::default());
    for (id, edits) in &change.edits {
        let old = f.vault.note(*id).unwrap().text().into_owned();
        for edit in edits {
            let link = Note::parse(edit.text.clone()).syntax.links;
            assert_eq!(link.len(), 1, "{}", edit.text);
            assert_eq!(link[0].span, Span::new(0, edit.text.len()));
            let shown = link[0]
                .alias()
                .map(|a| a.as_str())
                .unwrap_or(&link[0].target);
            assert_eq!(shown, &old[edit.span.range()]);
        }
    }
    for (rel, new) in apply(&f.vault, &change) {
        f.vault
            .upsert_note(&Path::new("/vault").join(&rel), Note::parse(new));
    }
    for (id, _, note) in f.vault.notes() {
        for link in note.syntax.links.iter().filter(|l| &*l.target != "Gravity") {
            let resolved = f.vault.resolve(id, link).ok().map(|r| r.file);
            assert_eq!(resolved, Some(target));
        }
    }
    f.vault.refresh_mentions();
    assert_eq!(unlinked_mentions(&f.vault, target), []);
}

#[test]
fn edits_keep_the_mention_lists_current_note_by_note() {
    let mut f = Fixture::parse(VAULT);
    f.vault.refresh_mentions();
    let target = f
        .vault
        .id(Path::new("/vault/people/Isaac Newton.md"))
        .unwrap();
    let optics = Path::new("/vault/Optics.md");
    f.vault
        .upsert_note(optics, Note::parse("Newton and Newton, not [[Newton]]."));
    assert!(
        f.vault.mentions_current(),
        "a body edit needs no vault scan"
    );
    let render = |f: &Fixture| -> Vec<String> {
        unlinked_mentions(&f.vault, target)
            .iter()
            .map(|l| f.render(l.file, l.span))
            .collect()
    };
    assert_eq!(
        render(&f),
        [
            r#"Gravity.md 1:1-1:13 "Isaac Newton""#,
            r#"Gravity.md 1:32-1:38 "newton""#,
            r#"Optics.md 1:1-1:7 "Newton""#,
            r#"Optics.md 1:12-1:18 "Newton""#,
        ]
    );
    // A new name: the lists wait for the next refresh, which finds its mentions.
    f.vault
        .upsert_note(Path::new("/vault/Gravity Wave.md"), Note::parse(""));
    assert!(!f.vault.mentions_current());
    f.vault.refresh_mentions();
    let wave = f.vault.id(Path::new("/vault/Gravity Wave.md")).unwrap();
    f.vault.upsert_note(optics, Note::parse("A gravity wave."));
    assert_eq!(
        unlinked_mentions(&f.vault, wave)
            .iter()
            .map(|l| f.render(l.file, l.span))
            .collect::<Vec<_>>(),
        [r#"Optics.md 1:3-1:15 "gravity wave""#]
    );
}
