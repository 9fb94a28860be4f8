//! Fixture tests of property types (diagnostics) and hover on keys.

use expect_test::{Expect, expect};

use super::*;
use crate::features::fixture::Fixture;

fn typed(fixture: &str) -> Fixture {
    let mut f = Fixture::parse(fixture);
    f.vault.properties.set_types(
        [
            ("due", "date"),
            ("Start", "datetime"),
            ("rating", "number"),
            ("done", "checkbox"),
            ("title", "text"),
            ("topics", "multitext"),
        ]
        .map(|(k, t)| (k.to_string(), PropertyType::parse(t).unwrap())),
    );
    f
}

fn check_diagnostics(fixture: &str, expect: Expect) {
    let f = typed(fixture);
    let first = f.vault.files().map(|(id, _)| id).min().unwrap();
    let lines: Vec<String> = diagnostics(&f.vault, first)
        .iter()
        .map(|d| format!("{} {}", f.render(first, d.span), d.message))
        .collect();
    expect.assert_eq(&lines.join("\n"));
}

#[test]
fn a_value_that_does_not_fit_its_type_names_the_type() {
    check_diagnostics(
        r#"
//- /a.md
---
due: 2026-13-01
start: 2026-02-30T10:00
rating: high
done: yes
title: [a, b]
topics: [x, y]
untyped: 2026-13-01
---
"#,
        expect![[r#"
            a.md 2:6-2:16 "2026-13-01" ‘2026-13-01’ is not a date (YYYY-MM-DD): ‘due’ is typed date
            a.md 3:8-3:24 "2026-02-30T10:00" ‘2026-02-30T10:00’ is not a date & time (YYYY-MM-DDTHH:mm): ‘start’ is typed date & time
            a.md 4:9-4:13 "high" ‘high’ is not a number: ‘rating’ is typed number
            a.md 5:7-5:10 "yes" ‘yes’ is not a checkbox (true or false): ‘done’ is typed checkbox
            a.md 6:1-6:6 "title" ‘title’ is typed text but holds a list"#]],
    );
}

#[test]
fn values_that_fit_and_empty_values_are_silent() {
    check_diagnostics(
        r#"
//- /a.md
---
due: 2024-02-29
start: 2026-03-01T09:30:15
rating: -2.5
done: false
title: plain words
topics: one
---
"#,
        expect![""],
    );
    check_diagnostics("//- /a.md\n---\ndue:\nrating:\n---\n", expect![""]);
}

#[test]
fn date_and_datetime_forms() {
    assert!(parse_date("2024-02-29").is_some());
    assert!(parse_date("2023-02-29").is_none());
    assert!(parse_date("2026-1-01").is_none());
    assert!(parse_datetime("2026-01-01T23:59").is_some());
    assert!(parse_datetime("2026-01-01 23:59:59.250").is_some());
    assert!(parse_datetime("2026-01-01T24:00").is_none());
    assert!(parse_datetime("2026-01-01T10:00:").is_none());
    assert!(parse_datetime("2026-01-01").is_none());
}

#[test]
fn hover_on_a_key_shows_type_count_and_most_common_values() {
    let f = typed(
        r#"
//- /a.md
---
du$0e: 2026-01-02
---
//- /b.md
---
due: 2026-01-02
---
//- /c.md
---
Due: 2026-03-04
---
"#,
    );
    let (file, offset) = f.cursor();
    let hover = hover(&f.vault, file, offset).unwrap();
    expect![[r#"
        **due** — type date; in 3 notes

        Most common values:
        - `2026-01-02` (2)
        - `2026-03-04` (1)"#]]
    .assert_eq(&hover.markdown);
    assert_eq!(f.render(file, hover.span), "a.md 2:1-2:4 \"due\"");
}
