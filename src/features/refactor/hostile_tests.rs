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
    let mut f = Fixture::parse(fixture);
    let (file, offset) = f.cursor();
    match rename(&mut f.vault, file, offset, new_name) {
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
    let mut f = Fixture::parse(note);
    let (file, offset) = f.cursor();
    assert!(rename(&mut f.vault, file, offset, &"x".repeat(252)).is_ok());

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
        let mut f = Fixture::parse(&fixture);
        let (file, offset) = f.cursor();
        let _ = done.send(rename(&mut f.vault, file, offset, "Goal").map(|change| {
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
