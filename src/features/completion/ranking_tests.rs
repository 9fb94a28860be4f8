//! Fixture tests of completion ranking: which of several matches comes first.

use expect_test::expect;

use super::*;
use crate::features::fixture::Fixture;

#[test]
fn a_note_ranks_above_its_own_alias() {
    let f = Fixture::parse(
        "//- /a.md\n[[5000$0\n//- /x/outline draft 5000.md\n---\naliases: [alias 5000]\n---\n",
    );
    let (file, offset) = f.cursor();
    let list = complete(
        &f.vault,
        &Candidates::build(&f.vault),
        file,
        offset,
        50,
        InsertStyle::default(),
    )
    .unwrap();
    let labels: Vec<&str> = list.items.iter().map(|c| c.label.as_str()).collect();
    expect![[r#"["outline draft 5000", "alias 5000"]"#]].assert_eq(&format!("{labels:?}"));
}

#[test]
fn configured_link_style_and_markdown_format_shape_the_insert() {
    let fixture = "//- /notes/a.md\nsee [[tar$0]] now\n//- /deep/My Target.md\n";
    let f = Fixture::parse(fixture);
    let (file, offset) = f.cursor();
    let candidates = Candidates::build(&f.vault);
    let first = |style| {
        let list = complete(&f.vault, &candidates, file, offset, 5, style).unwrap();
        let c = list.items.into_iter().next().unwrap();
        let text = &f.vault.note(file).unwrap().text;
        format!(
            "{:?} -> {:?}",
            &text[c.replace.start..c.replace.end],
            c.insert
        )
    };
    let style = |target, markdown| InsertStyle { target, markdown };
    assert_eq!(
        first(style(LinkStyle::Shortest, false)),
        r#""tar" -> "My Target""#
    );
    assert_eq!(
        first(style(LinkStyle::Relative, false)),
        r#""tar" -> "../deep/My Target""#
    );
    assert_eq!(
        first(style(LinkStyle::Absolute, false)),
        r#""tar" -> "deep/My Target""#
    );
    assert_eq!(
        first(style(LinkStyle::Shortest, true)),
        r#""[[tar]]" -> "[My Target](../deep/My%20Target.md)""#
    );
}

#[test]
fn narrowing_from_the_last_query_gives_what_a_fresh_query_gives() {
    let notes = [
        "research",
        "reading list",
        "review",
        "rename me",
        "area",
        "Résumé",
        "tree",
        "rest",
    ];
    let mut fixture = String::from("//- /a.md\nstart\n");
    for (i, n) in notes.iter().enumerate() {
        fixture.push_str(&format!(
            "//- /f{i}/{n}.md\n---\naliases: [{n} alias]\n---\n"
        ));
    }
    let f = Fixture::parse(&fixture);
    let (file, _) = (f.vault.id(std::path::Path::new("/vault/a.md")).unwrap(), 0);
    let shared = Candidates::build(&f.vault);
    for query in ["r", "re", "res", "re", "e", "r e", "r es", "re$", "res"] {
        let mut vault = Fixture::parse(&fixture).vault;
        let path = std::path::Path::new("/vault/a.md");
        let text = format!("[[{query}");
        vault.upsert_note(path, crate::index::Note::parse(text.clone()));
        let labels = |c: &Candidates| {
            complete(&vault, c, file, text.len(), 50, InsertStyle::default())
                .unwrap()
                .items
                .iter()
                .map(|i| i.label.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            labels(&shared),
            labels(&Candidates::build(&vault)),
            "query {query:?}"
        );
    }
}
