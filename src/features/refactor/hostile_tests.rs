//! Refactor tests against hostile input: names that would break links or file systems, and a
//! rename with hundreds of thousands of edits in one file.

use std::collections::HashSet;
use std::path::PathBuf;

use crate::features::fixture::Fixture;
use crate::features::refactor::{FileOp, WorkspaceChange, rename};
use crate::index::FileId;
use crate::syntax::Span;

/// The message a rename at the fixture's cursor to `new_name` is refused with.
fn refusal(fixture: &str, new_name: &str) -> String {
    let f = Fixture::parse(fixture);
    let (file, offset) = f.cursor();
    match rename(&f.vault, file, offset, new_name) {
        Ok(change) => panic!("{new_name:?} was accepted: {change:?}"),
        Err(message) => message,
    }
}

#[test]
fn names_that_break_lines_or_exceed_a_file_name_are_refused_for_notes_and_headings() {
    let note = "//- /Plan.md\n$0x\n//- /a.md\n[[Plan]]\n";
    let cannot = "which a note name cannot hold (links could not name it)";
    for (name, expected) in [
        ("a\nb", format!("`a\\nb` holds `\\n`, {cannot}")),
        ("a\rb", format!("`a\\rb` holds `\\r`, {cannot}")),
        ("a\0b", format!("`a\\0b` holds `\\0`, {cannot}")),
        (
            "a\u{85}b",
            format!("`a\\u{{85}}b` holds `\\u{{85}}`, {cannot}"),
        ),
        (
            "a\u{2028}b",
            format!("`a\\u{{2028}}b` holds `\\u{{2028}}`, {cannot}"),
        ),
        ("dir\nx/b", format!("`dir\\nx` holds `\\n`, {cannot}")),
    ] {
        assert_eq!(refusal(note, name), expected, "{name:?}");
    }
    assert_eq!(
        refusal(note, &"x".repeat(253)),
        "a name of 256 bytes is too long: file names hold at most 255"
    );
    // 252 bytes and `.md` fit.
    let f = Fixture::parse(note);
    let (file, offset) = f.cursor();
    assert!(rename(&f.vault, file, offset, &"x".repeat(252)).is_ok());

    let heading = "//- /Plan.md\n# Plan\n## Part$0\n//- /a.md\n[[Plan#Part]]\n";
    let cannot = "which links to a heading cannot hold";
    for (text, expected) in [
        ("New\nPart", format!("`New\\nPart` holds `\\n`, {cannot}")),
        ("New\rPart", format!("`New\\rPart` holds `\\r`, {cannot}")),
        ("New\0Part", format!("`New\\0Part` holds `\\0`, {cannot}")),
        (
            "New\u{85}Part",
            format!("`New\\u{{85}}Part` holds `\\u{{85}}`, {cannot}"),
        ),
        (
            "New\u{2028}Part",
            format!("`New\\u{{2028}}Part` holds `\\u{{2028}}`, {cannot}"),
        ),
    ] {
        assert_eq!(refusal(heading, text), expected, "{text:?}");
    }
    assert_eq!(
        refusal(heading, &"x".repeat(256)),
        "a heading of 256 bytes is too long to link to: at most 255"
    );
}

#[test]
fn renaming_a_note_linked_two_hundred_thousand_times_from_one_note_ends() {
    // Each edit used to be compared with every edit before it in its file: minutes for this
    // many links, where one pass takes a second. The wait bounds a hang, it times nothing.
    const LINKS: usize = 200_000;
    let fixture = format!(
        "//- /Target.md\n$0# Target\n//- /hub.md\n{}",
        "[[Target]] ".repeat(LINKS)
    );
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let f = Fixture::parse(&fixture);
        let (file, offset) = f.cursor();
        let _ = done.send(rename(&f.vault, file, offset, "Goal").map(|change| {
            let texts: HashSet<String> = change
                .edits
                .values()
                .flatten()
                .map(|e| e.text.clone())
                .collect();
            (change.edit_count(), texts, change.ops)
        }));
    });
    let (count, texts, ops) = finished
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the rename ends")
        .expect("the rename is allowed");
    // Every link, and the title heading the cursor is on.
    assert_eq!(count, LINKS + 1);
    assert_eq!(texts, HashSet::from(["Goal".to_string()]));
    assert_eq!(
        ops,
        [FileOp::Rename {
            from: PathBuf::from("/vault/Target.md"),
            to: PathBuf::from("/vault/Goal.md")
        }]
    );
}

#[test]
fn a_span_edited_twice_keeps_the_first_edit() {
    let mut change = WorkspaceChange::default();
    let (a, b) = (FileId(0), FileId(1));
    change.push(a, Span::new(5, 7), "first".into());
    change.push(a, Span::new(0, 2), "other".into());
    change.push(a, Span::new(5, 7), "second".into());
    change.push(b, Span::new(5, 7), "b".into());
    let change = change.finish();
    let edits: Vec<(FileId, Span, &str)> = change
        .edits
        .iter()
        .flat_map(|(f, edits)| edits.iter().map(move |e| (*f, e.span, e.text.as_str())))
        .collect();
    assert_eq!(
        edits,
        [
            (a, Span::new(0, 2), "other"),
            (a, Span::new(5, 7), "first"),
            (b, Span::new(5, 7), "b")
        ]
    );
}

/// Whether `path` lies in the fixture's vault without `..` or `.` steps, and each part is a
/// name a link can hold on one line and a file system can store.
fn plainly_inside(path: &std::path::Path) -> bool {
    path.strip_prefix(crate::features::fixture::ROOT)
        .is_ok_and(|rel| {
            rel.components().all(|c| match c {
                std::path::Component::Normal(part) => part.to_str().is_some_and(|p| {
                    p.len() <= 255
                        && !p
                            .chars()
                            .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
                }),
                _ => false,
            })
        })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

    /// Whatever folder and name the settings or a user give, a created file lands inside the
    /// vault, or nothing is created.
    #[test]
    fn created_files_land_inside_the_vault_whatever_the_folder_and_name(
        folder in "(\\.\\.|\\.|/|~|\\\\|C:|a|é|\n|\u{2028}|\0| ){0,8}",
        name in "(\\.\\.|\\.|/|\\\\|:|\\{key\\}|n|\n|\r|\u{85}|\0| ){0,8}",
    ) {
        let f = Fixture::parse("//- /a.md\nx\n");
        if let Ok(path) = crate::features::refactor::new_file_in(&f.vault, 0, &folder, &name) {
            proptest::prop_assert!(plainly_inside(&path), "{path:?}");
        }
    }

    /// Whatever name a rename is given, the renamed file lands inside the vault under a name
    /// links can hold, or the rename is refused.
    #[test]
    fn renamed_notes_land_inside_the_vault_whatever_the_name(
        name in "(\\.\\.|\\.|/|\\\\|a|é|\n|\r|\u{85}|\u{2028}|\0|#| ){0,10}",
    ) {
        let f = Fixture::parse("//- /Plan.md\n$0x\n//- /a.md\n[[Plan]]\n");
        let (file, offset) = f.cursor();
        if let Ok(change) = rename(&f.vault, file, offset, &name) {
            for op in &change.ops {
                if let FileOp::Rename { to, .. } = op {
                    proptest::prop_assert!(plainly_inside(to), "{name:?} -> {to:?}");
                }
            }
        }
    }
}
