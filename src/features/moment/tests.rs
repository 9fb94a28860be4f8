//! moment's format checked token by token against the examples of moment's documentation
//! (momentjs.com/docs/#/displaying/format/) and the formats Obsidian's daily notes suggest.

use jiff::civil::{DateTime, date};

use super::format;

/// moment's own example instant: Sunday, February 14th 2010, 3:25:50 pm.
fn example() -> DateTime {
    date(2010, 2, 14).at(15, 25, 50, 0)
}

fn at(y: i16, m: i8, d: i8) -> DateTime {
    date(y, m, d).at(0, 0, 0, 0)
}

#[test]
fn the_documentations_sentences() {
    let t = example();
    assert_eq!(
        format("dddd, MMMM Do YYYY, h:mm:ss a", t),
        "Sunday, February 14th 2010, 3:25:50 pm"
    );
    assert_eq!(format("ddd, hA", t), "Sun, 3PM");
    assert_eq!(format("[Today is] dddd", t), "Today is Sunday");
    assert_eq!(format("[today] dddd", t), "today Sunday");
}

#[test]
fn each_token_of_the_table() {
    let t = example();
    let table = [
        ("M", "2"),
        ("Mo", "2nd"),
        ("MM", "02"),
        ("MMM", "Feb"),
        ("MMMM", "February"),
        ("Q", "1"),
        ("Qo", "1st"),
        ("D", "14"),
        ("Do", "14th"),
        ("DD", "14"),
        ("DDD", "45"),
        ("DDDo", "45th"),
        ("DDDD", "045"),
        ("d", "0"),
        ("do", "0th"),
        ("dd", "Su"),
        ("ddd", "Sun"),
        ("dddd", "Sunday"),
        ("e", "0"),
        ("E", "7"),
        ("w", "8"),
        ("wo", "8th"),
        ("ww", "08"),
        ("W", "6"),
        ("Wo", "6th"),
        ("WW", "06"),
        ("YY", "10"),
        ("YYYY", "2010"),
        ("YYYYYY", "+002010"),
        ("Y", "2010"),
        ("gg", "10"),
        ("gggg", "2010"),
        ("GG", "10"),
        ("GGGG", "2010"),
        ("A", "PM"),
        ("a", "pm"),
        ("H", "15"),
        ("HH", "15"),
        ("h", "3"),
        ("hh", "03"),
        ("k", "15"),
        ("kk", "15"),
        ("m", "25"),
        ("mm", "25"),
        ("s", "50"),
        ("ss", "50"),
        ("X", "1266161150"),
        ("x", "1266161150000"),
        ("YYYYY", "02010"),
        ("ggggg", "02010"),
        ("GGGGG", "02010"),
    ];
    for (token, expected) in table {
        assert_eq!(format(token, t), expected, "token {token}");
    }
}

#[test]
fn fractional_seconds_and_the_tables_unix_examples() {
    // The table's Unix examples are one instant, 2013-02-04 21:28:16.123 UTC.
    let t = date(2013, 2, 4).at(21, 28, 16, 123_000_000);
    let table = [
        ("X", "1360013296"),
        ("x", "1360013296123"),
        ("S", "1"),
        ("SS", "12"),
        ("SSS", "123"),
        ("SSSS", "1230"),
        ("SSSSSSSSS", "123000000"),
    ];
    for (token, expected) in table {
        assert_eq!(format(token, t), expected, "token {token}");
    }
    assert_eq!(format("SSS", example()), "000");
}

#[test]
fn each_localized_format_of_the_table() {
    // The documentation's instant for these: Thursday, September 4th 1986, 8:30:25 pm.
    let t = date(1986, 9, 4).at(20, 30, 25, 0);
    let table = [
        ("LT", "8:30 PM"),
        ("LTS", "8:30:25 PM"),
        ("L", "09/04/1986"),
        ("l", "9/4/1986"),
        ("LL", "September 4, 1986"),
        ("ll", "Sep 4, 1986"),
        ("LLL", "September 4, 1986 8:30 PM"),
        ("lll", "Sep 4, 1986 8:30 PM"),
        ("LLLL", "Thursday, September 4, 1986 8:30 PM"),
        ("llll", "Thu, Sep 4, 1986 8:30 PM"),
    ];
    for (token, expected) in table {
        assert_eq!(format(token, t), expected, "token {token}");
    }
    // Mixed with other tokens, and escaped.
    assert_eq!(format("LL [at] HH:mm", t), "September 4, 1986 at 20:30");
    assert_eq!(format("[LL] LL", t), "LL September 4, 1986");
}

#[test]
fn small_values_pad_and_midnight_is_12_am_and_24_k() {
    let t = date(2026, 3, 1).at(0, 5, 9, 0);
    assert_eq!(
        format("M MM D DD H HH h hh k kk m mm s ss A", t),
        "3 03 1 01 0 00 12 12 24 24 5 05 9 09 AM"
    );
    assert_eq!(format("Do", at(2026, 3, 1)), "1st");
    assert_eq!(format("Do", at(2026, 3, 2)), "2nd");
    assert_eq!(format("Do", at(2026, 3, 3)), "3rd");
    assert_eq!(format("Do", at(2026, 3, 11)), "11th");
    assert_eq!(format("Do", at(2026, 3, 12)), "12th");
    assert_eq!(format("Do", at(2026, 3, 13)), "13th");
    assert_eq!(format("Do", at(2026, 3, 21)), "21st");
    assert_eq!(format("Do", at(2026, 3, 22)), "22nd");
    assert_eq!(format("Do", at(2026, 3, 23)), "23rd");
    assert_eq!(format("Do", at(2026, 3, 31)), "31st");
}

#[test]
fn weeks_at_the_turn_of_the_year() {
    // Friday 1 January 2021: ISO week 53 of 2020; the locale's week 1 of 2021.
    assert_eq!(
        format("GGGG-[W]WW gggg-[w]ww", at(2021, 1, 1)),
        "2020-W53 2021-w01"
    );
    // Sunday 29 December 2024: ISO week 52 of 2024; its Sunday-to-Saturday week holds
    // 1 January 2025, so the locale's week 1 of 2025.
    assert_eq!(
        format("GGGG-[W]WW gggg-[w]ww", at(2024, 12, 29)),
        "2024-W52 2025-w01"
    );
    // Monday 30 December 2024: ISO week 1 of 2025.
    assert_eq!(format("GGGG-[W]WW", at(2024, 12, 30)), "2025-W01");
    // Thursday 31 December 2026: ISO week 53.
    assert_eq!(format("GGGG-[W]WW", at(2026, 12, 31)), "2026-W53");
}

#[test]
fn obsidian_daily_note_formats_folders_and_escapes() {
    let day = at(2026, 3, 14);
    assert_eq!(format("YYYY-MM-DD", day), "2026-03-14");
    assert_eq!(format("YYYY/MM/YYYY-MM-DD", day), "2026/03/2026-03-14");
    assert_eq!(
        format("YYYY/MMMM/YYYY-MM-DD-dddd", day),
        "2026/March/2026-03-14-Saturday"
    );
    assert_eq!(format("[Week] WW [of] gggg", day), "Week 11 of 2026");
    assert_eq!(format("DD.MM.YY", day), "14.03.26");
    // A backslash escapes the token after it; anything that is no token is copied.
    assert_eq!(format("\\YYYY-MM é _", day), "YYYY-03 é _");
    // An unclosed bracket is no escape, nor is one holding another `[`: moment escapes from
    // the last `[` before the `]`.
    assert_eq!(format("[YYYY", day), "[2026");
    assert_eq!(format("[Q[Week]", day), "[1Week");
}

#[test]
fn obsidians_documented_daily_note_examples() {
    // Obsidian's help on daily notes: the default name, and a format with folders.
    let new_year = at(2023, 1, 1);
    assert_eq!(format("YYYY-MM-DD", new_year), "2023-01-01");
    assert_eq!(
        format("YYYY/MMMM/YYYY-MMM-DD", new_year),
        "2023/January/2023-Jan-01"
    );
    // Its templates' defaults: `{{date}}` is YYYY-MM-DD, `{{time}}` HH:mm.
    assert_eq!(format("HH:mm", example()), "15:25");
}
