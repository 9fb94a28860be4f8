//! Templates: variables, the code actions on an unresolved link, and `notegraph.newNote`.

use jiff::civil::date;

use super::*;
use crate::config::Config;
use crate::features::fixture::Fixture;

fn config() -> Config {
    let mut config = Config::default();
    config.obsidian.templates.folder = "Templates".into();
    config
}

fn created(note: &NewNote) -> (String, String) {
    match note.change.ops.as_slice() {
        [FileOp::Create { path, text }] => (path.display().to_string(), text.clone()),
        other => panic!("one creation expected, got {other:?}"),
    }
}

const VAULT: &str = r#"
//- /a.md
See [[New Id$0ea]] and [[Templates/Meeting]].
//- /Templates/Meeting.md
# {{title}} — {{date}} {{time}}
Week {{date:WW}}, {{ Date : dddd }} at {{time:h A}}; {{unknown}} {{title
//- /Templates/sub/Plain.md
{{TITLE}}
"#;

#[test]
fn every_variable_is_filled_in() {
    let now = date(2026, 3, 14).at(15, 5, 0, 0);
    assert_eq!(
        expand(
            "# {{title}} — {{date}} {{time}}\nWeek {{date:WW}}, {{ Date : dddd }} at {{time:h A}}; {{unknown}} {{title",
            "Idea",
            now,
            "YYYY-MM-DD",
            "HH:mm"
        ),
        "# Idea — 2026-03-14 15:05\nWeek 11, Saturday at 3 PM; {{unknown}} {{title"
    );
}

#[test]
fn an_unresolved_link_offers_each_template_beside_the_plain_note() {
    let f = Fixture::parse(VAULT);
    let (file, offset) = f.cursor();
    let now = date(2026, 3, 14).at(15, 5, 0, 0);
    let found = actions(&f.vault, file, offset, &config(), now);
    let titles: Vec<&str> = found.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(
        titles,
        vec![
            "Create ‘New Idea’ from template ‘Meeting’",
            "Create ‘New Idea’ from template ‘Plain’"
        ]
    );
    let (path, text) = match found[0].change.ops.as_slice() {
        [FileOp::Create { path, text }] => (path.display().to_string(), text.clone()),
        _ => panic!("a creation"),
    };
    assert_eq!(path, "/vault/New Idea.md");
    assert_eq!(
        text,
        "# New Idea — 2026-03-14 15:05\nWeek 11, Saturday at 3 PM; {{unknown}} {{title\n"
    );
    assert_eq!(
        found[0].open.as_ref().map(|p| p.display().to_string()),
        Some(path)
    );
    // A resolved link has none; without a templates folder there are none.
    let resolved = f
        .vault
        .note(file)
        .unwrap()
        .text()
        .find("Templates/")
        .unwrap();
    assert!(actions(&f.vault, file, resolved, &config(), now).is_empty());
    assert!(actions(&f.vault, file, offset, &Config::default(), now).is_empty());
}

#[test]
fn new_note_from_a_template_in_a_folder_and_names_that_leave_the_vault() {
    let f = Fixture::parse(VAULT);
    let now = date(2026, 3, 14).at(15, 5, 0, 0);
    let note = new_note(
        &f.vault,
        &config(),
        "Standup",
        Some("meeting"),
        Some("work/"),
        now,
    )
    .unwrap();
    assert_eq!(
        created(&note),
        (
            "/vault/work/Standup.md".to_string(),
            "# Standup — 2026-03-14 15:05\nWeek 11, Saturday at 3 PM; {{unknown}} {{title\n"
                .to_string()
        )
    );
    let plain = new_note(
        &f.vault,
        &config(),
        "v1.2 notes",
        Some("sub/Plain"),
        None,
        now,
    )
    .unwrap();
    assert_eq!(
        created(&plain),
        ("/vault/v1.2 notes.md".into(), "v1.2 notes\n".into())
    );
    let empty = new_note(&f.vault, &config(), "Blank", None, None, now).unwrap();
    assert_eq!(created(&empty), ("/vault/Blank.md".into(), String::new()));
    // A folder is vault-relative, a leading `/` naming the vault's root as in links.
    let rooted = new_note(&f.vault, &config(), "x", None, Some("/abs"), now).unwrap();
    assert_eq!(created(&rooted).0, "/vault/abs/x.md");
    let existing = new_note(&f.vault, &config(), "a", None, None, now).unwrap();
    assert!(existing.exists && existing.change.ops.is_empty());
    for (title, folder) in [
        ("../../etc/x", None),
        ("x", Some("../up")),
        ("x", Some("C:/win")),
        (".hidden", None),
    ] {
        assert!(
            new_note(&f.vault, &config(), title, None, folder, now).is_err(),
            "{title} in {folder:?}"
        );
    }
    assert_eq!(
        new_note(&f.vault, &config(), "x", Some("Nope"), None, now),
        Err("no template ‘Nope’ in ‘Templates’".to_string())
    );
}

#[test]
fn the_actions_follow_templates_added_renamed_and_removed() {
    let mut f = Fixture::parse(VAULT);
    let (file, offset) = f.cursor();
    let now = date(2026, 3, 14).at(15, 5, 0, 0);
    let titles = |vault: &Vault| -> Vec<String> {
        actions(vault, file, offset, &config(), now)
            .into_iter()
            .map(|a| a.title)
            .collect()
    };
    let path = |rel: &str| PathBuf::from("/vault").join(rel);
    f.vault.upsert_note(
        &path("templates/Book.md"),
        crate::index::Note::parse("# {{title}}\n"),
    );
    // Not a note, so not a template.
    f.vault.upsert_attachment(&path("Templates/cover.png"));
    assert_eq!(
        titles(&f.vault),
        [
            "Create ‘New Idea’ from template ‘Meeting’",
            "Create ‘New Idea’ from template ‘Plain’",
            "Create ‘New Idea’ from template ‘Book’",
        ]
    );
    // Renamed and moved as the disk watcher reports it: the old path gone, the new one added.
    for (from, to) in [
        ("Templates/Meeting.md", "Templates/Minutes.md"),
        ("Templates/sub/Plain.md", "Archive/Plain.md"),
    ] {
        f.vault.remove(&path(from));
        f.vault
            .upsert_note(&path(to), crate::index::Note::parse("# {{title}}\n"));
    }
    f.vault.remove(&path("templates/Book.md"));
    assert_eq!(
        titles(&f.vault),
        ["Create ‘New Idea’ from template ‘Minutes’"]
    );
}
