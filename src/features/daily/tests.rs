//! Daily notes: days named as people say them, the note's path from the format, its creation
//! from the template, and `[[today` completion.

use expect_test::expect;
use jiff::civil::date;

use super::*;
use crate::config::obsidian::Obsidian;
use crate::features::completion::{Candidates, InsertStyle, complete_with_days};
use crate::features::fixture::Fixture;
use crate::features::refactor::FileOp;

fn settings(folder: &str, format: &str, template: &str) -> Obsidian {
    Obsidian {
        daily: DailyNotes {
            folder: folder.into(),
            format: format.into(),
            template: template.into(),
        },
        ..Obsidian::default()
    }
}

#[test]
fn days_seen_from_a_saturday() {
    let today = date(2026, 3, 14);
    let named: Vec<String> = phrases()
        .iter()
        .map(|p| format!("{p} {}", day(p, today).unwrap()))
        .collect();
    expect![[r#"
        today 2026-03-14
        tomorrow 2026-03-15
        yesterday 2026-03-13
        next monday 2026-03-16
        next tuesday 2026-03-17
        next wednesday 2026-03-18
        next thursday 2026-03-19
        next friday 2026-03-20
        next saturday 2026-03-21
        next sunday 2026-03-15
        last monday 2026-03-09
        last tuesday 2026-03-10
        last wednesday 2026-03-11
        last thursday 2026-03-12
        last friday 2026-03-13
        last saturday 2026-03-07
        last sunday 2026-03-08"#]]
    .assert_eq(&named.join("\n"));
    assert_eq!(day("Next Monday", today), Some(date(2026, 3, 16)));
    assert_eq!(day("next moonday", today), None);
}

#[test]
fn the_daily_note_is_made_from_its_template_in_its_folder() {
    let f = Fixture::parse(
        r#"
//- /Templates/Daily.md
# {{title}}
{{date:dddd, MMMM Do YYYY}} at {{time}}, filed {{date}}
//- /Journal/2026/03/2026-03-13.md
"#,
    );
    let obsidian = settings("Journal", "YYYY/MM/YYYY-MM-DD", "Templates/Daily");
    let now = date(2026, 3, 14).at(9, 30, 0, 0);
    let note = daily_note(&f.vault, &obsidian, now, 0).unwrap();
    assert_eq!(
        note.path.to_str(),
        Some("/vault/Journal/2026/03/2026-03-14.md")
    );
    assert!(!note.exists);
    match note.change.ops.as_slice() {
        [FileOp::Create { path, text }] => {
            assert_eq!(path, &note.path);
            assert_eq!(
                text,
                "# 2026-03-14\nSaturday, March 14th 2026 at 09:30, filed 2026/03/2026-03-14\n"
            );
        }
        other => panic!("one creation expected, got {other:?}"),
    }
    let yesterday = daily_note(&f.vault, &obsidian, now, -1).unwrap();
    assert!(yesterday.exists);
    assert!(yesterday.change.ops.is_empty());
}

#[test]
fn defaults_and_paths_that_would_leave_the_vault() {
    let f = Fixture::parse("//- /a.md\n");
    let now = date(2026, 3, 14).at(9, 30, 0, 0);
    let plain = daily_note(&f.vault, &Obsidian::default(), now, 1).unwrap();
    assert_eq!(plain.path.to_str(), Some("/vault/2026-03-15.md"));
    let outside = daily_note(
        &f.vault,
        &settings("../elsewhere", "YYYY-MM-DD", ""),
        now,
        0,
    );
    assert_eq!(
        outside,
        Err(
            "folder `../elsewhere`: `..` is not a usable name: empty, `.` or `..` parts and names \
             starting with `.` are not allowed"
                .to_string()
        )
    );
    let absolute = daily_note(&f.vault, &settings("/etc", "YYYY-MM-DD", ""), now, 0);
    assert_eq!(
        absolute,
        Err("`/etc` is not a folder inside the vault".to_string())
    );
    let missing = daily_note(
        &f.vault,
        &settings("", "YYYY-MM-DD", "Templates/Gone"),
        now,
        0,
    );
    assert_eq!(
        missing,
        Err("the daily note template ‘Templates/Gone’ is not in the vault".to_string())
    );
}

#[test]
fn double_bracket_today_offers_the_daily_note_and_says_if_it_exists() {
    let check = |fixture: &str, expect: expect_test::Expect| {
        let f = Fixture::parse(fixture);
        let (file, offset) = f.cursor();
        let candidates = Candidates::build(&f.vault);
        let obsidian = settings("Journal", "YYYY/MM/YYYY-MM-DD", "");
        let list = complete_with_days(
            &f.vault,
            &candidates,
            file,
            offset,
            50,
            InsertStyle::default(),
            date(2026, 3, 14),
            &obsidian.daily,
        )
        .unwrap();
        let lines: Vec<String> = list
            .items
            .iter()
            .map(|c| {
                format!(
                    "{:?} {:?} → {:?} ({})",
                    c.kind,
                    c.label,
                    c.insert,
                    c.detail.as_deref().unwrap_or("")
                )
            })
            .collect();
        expect.assert_eq(&lines.join("\n"));
    };
    check(
        "//- /a.md\nSee [[toda$0\n//- /Journal/2026/03/2026-03-14.md\n//- /Today list.md\n",
        expect![[r#"
            Day "today" → "2026-03-14]]" (2026-03-14 (daily note))
            Note "Today list" → "Today list]]" (Today list.md)"#]],
    );
    check(
        "//- /a.md\nSee [[next fr$0]]\n",
        expect![[r#"Day "next friday" → "2026-03-20" (2026-03-20 (daily note, not created yet))"#]],
    );
    check(
        "//- /a.md\nSee [[yes$0\n//- /old/2026-03-13.md\n",
        expect![[
            r#"Day "yesterday" → "Journal/2026/03/2026-03-13]]" (2026-03-13 (daily note, not created yet))"#
        ]],
    );
    // Two letters are more often a note's name than a day.
    check("//- /a.md\nSee [[to$0\n", expect![""]);
}
