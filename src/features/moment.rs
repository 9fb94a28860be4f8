//! The moment.js date format that Obsidian's daily notes and templates use (`YYYY-MM-DD`,
//! `dddd, MMMM Do YYYY`, `[Week] WW`, `YYYY/MM/YYYY-MM-DD`, `LL`…), in the English locale moment
//! ships by default: weeks start on Sunday and week 1 holds January 1st. A civil date has no
//! time zone, so `Z`, `ZZ` and `z` are copied as text. Tokens are read as
//! moment reads them — the longest token first, `[…]` copied as is, a backslash escaping the
//! token after it, anything else copied.

use jiff::civil::{Date, DateTime, Weekday};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// moment's tokens, longest first where one is a prefix of another.
const TOKENS: &[&str] = &[
    "YYYYYY",
    "YYYYY",
    "YYYY",
    "YY",
    "Y",
    "ggggg",
    "gggg",
    "gg",
    "GGGGG",
    "GGGG",
    "GG",
    "MMMM",
    "MMM",
    "Mo",
    "MM",
    "M",
    "DDDD",
    "DDDo",
    "DDD",
    "Do",
    "DD",
    "D",
    "dddd",
    "ddd",
    "do",
    "dd",
    "d",
    "E",
    "e",
    "wo",
    "ww",
    "w",
    "Wo",
    "WW",
    "W",
    "Qo",
    "Q",
    "HH",
    "H",
    "hh",
    "h",
    "kk",
    "k",
    "mm",
    "m",
    "ss",
    "s",
    "SSSSSSSSS",
    "SSSSSSSS",
    "SSSSSSS",
    "SSSSSS",
    "SSSSS",
    "SSSS",
    "SSS",
    "SS",
    "S",
    "A",
    "a",
    "X",
    "x",
    "LTS",
    "LT",
    "LLLL",
    "LLL",
    "LL",
    "L",
    "llll",
    "lll",
    "ll",
    "l",
];

/// The English locale's localized formats, which moment expands before reading the tokens. The
/// short forms (`l`…) are the long ones with `MMMM`, `MM`, `DD` and `dddd` one letter shorter,
/// as moment derives them.
fn localized(token: &str) -> Option<&'static str> {
    Some(match token {
        "LT" => "h:mm A",
        "LTS" => "h:mm:ss A",
        "L" => "MM/DD/YYYY",
        "l" => "M/D/YYYY",
        "LL" => "MMMM D, YYYY",
        "ll" => "MMM D, YYYY",
        "LLL" => "MMMM D, YYYY h:mm A",
        "lll" => "MMM D, YYYY h:mm A",
        "LLLL" => "dddd, MMMM D, YYYY h:mm A",
        "llll" => "ddd, MMM D, YYYY h:mm A",
        _ => return None,
    })
}

/// `n` with its English ordinal suffix: 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st…
pub fn ordinal(n: i64) -> String {
    let suffix = match (n % 100, n % 10) {
        (11..=13, _) => "th",
        (_, 1) => "st",
        (_, 2) => "nd",
        (_, 3) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn sunday_based(day: Weekday) -> i64 {
    i64::from(day.to_sunday_zero_offset())
}

/// The English locale's week: (week-year, week). The week (Sunday to Saturday) that holds
/// January 1st is week 1, so a week belongs to the year its Saturday is in.
fn locale_week(date: Date) -> (i64, i64) {
    let sunday = date
        .checked_sub(jiff::Span::new().days(sunday_based(date.weekday())))
        .unwrap_or(date);
    let saturday = sunday
        .checked_add(jiff::Span::new().days(6))
        .unwrap_or(date);
    let year = saturday.year();
    let jan1 = Date::new(year, 1, 1).unwrap_or(date);
    let first_sunday = jan1
        .checked_sub(jiff::Span::new().days(sunday_based(jan1.weekday())))
        .unwrap_or(jan1);
    let days = first_sunday.until(sunday).map_or(0, |span| span.get_days());
    (i64::from(year), i64::from(days) / 7 + 1)
}

fn pad(n: i64, width: usize) -> String {
    if n < 0 {
        format!("-{:0width$}", -n)
    } else {
        format!("{n:0width$}")
    }
}

fn token(out: &mut String, token: &str, at: DateTime) {
    let date = at.date();
    let iso = date.iso_week_date();
    let year = i64::from(date.year());
    let month = i64::from(date.month());
    let day = i64::from(date.day());
    let hour = i64::from(at.hour());
    let hour12 = if hour % 12 == 0 { 12 } else { hour % 12 };
    let weekday = sunday_based(date.weekday());
    let (week_year, week) = locale_week(date);
    let text = match token {
        "YYYYYY" => format!("{}{}", if year < 0 { "-" } else { "+" }, pad(year.abs(), 6)),
        "YYYYY" => pad(year, 5),
        "YYYY" => pad(year, 4),
        "YY" => pad(year.rem_euclid(100), 2),
        // `+` only past 9999, which a civil date never is.
        "Y" => pad(year, 4),
        "ggggg" => pad(week_year, 5),
        "gggg" => pad(week_year, 4),
        "gg" => pad(week_year.rem_euclid(100), 2),
        "GGGGG" => pad(i64::from(iso.year()), 5),
        "GGGG" => pad(i64::from(iso.year()), 4),
        "GG" => pad(i64::from(iso.year()).rem_euclid(100), 2),
        "MMMM" => MONTHS[month as usize - 1].to_string(),
        "MMM" => MONTHS[month as usize - 1][..3].to_string(),
        "Mo" => ordinal(month),
        "MM" => pad(month, 2),
        "M" => month.to_string(),
        "DDDD" => pad(i64::from(date.day_of_year()), 3),
        "DDDo" => ordinal(i64::from(date.day_of_year())),
        "DDD" => date.day_of_year().to_string(),
        "Do" => ordinal(day),
        "DD" => pad(day, 2),
        "D" => day.to_string(),
        "dddd" => DAYS[weekday as usize].to_string(),
        "ddd" => DAYS[weekday as usize][..3].to_string(),
        "dd" => DAYS[weekday as usize][..2].to_string(),
        "do" => ordinal(weekday),
        "d" | "e" => weekday.to_string(),
        "E" => date.weekday().to_monday_one_offset().to_string(),
        "wo" => ordinal(week),
        "ww" => pad(week, 2),
        "w" => week.to_string(),
        "Wo" => ordinal(i64::from(iso.week())),
        "WW" => pad(i64::from(iso.week()), 2),
        "W" => iso.week().to_string(),
        "Qo" => ordinal((month - 1) / 3 + 1),
        "Q" => ((month - 1) / 3 + 1).to_string(),
        "HH" => pad(hour, 2),
        "H" => hour.to_string(),
        "hh" => pad(hour12, 2),
        "h" => hour12.to_string(),
        "kk" => pad(if hour == 0 { 24 } else { hour }, 2),
        "k" => (if hour == 0 { 24 } else { hour }).to_string(),
        "mm" => pad(i64::from(at.minute()), 2),
        "m" => at.minute().to_string(),
        "ss" => pad(i64::from(at.second()), 2),
        "s" => at.second().to_string(),
        // Fractional seconds: the first digits of the milliseconds, then zeros (moment keeps
        // three significant digits).
        fraction if fraction.starts_with('S') => {
            let millis = format!("{:03}", at.subsec_nanosecond() / 1_000_000);
            let digits = fraction.len();
            format!(
                "{}{}",
                &millis[..digits.min(3)],
                "0".repeat(digits.saturating_sub(3))
            )
        }
        "A" => (if hour < 12 { "AM" } else { "PM" }).to_string(),
        "a" => (if hour < 12 { "am" } else { "pm" }).to_string(),
        // Unix time needs a time zone, which a civil date has not; read as UTC.
        "X" | "x" => {
            let days = Date::constant(1970, 1, 1)
                .until(date)
                .map_or(0, |span| i64::from(span.get_days()));
            let seconds =
                days * 86_400 + hour * 3600 + i64::from(at.minute()) * 60 + i64::from(at.second());
            if token == "X" {
                seconds.to_string()
            } else {
                (seconds * 1000 + i64::from(at.subsec_nanosecond() / 1_000_000)).to_string()
            }
        }
        other => match localized(other) {
            Some(expanded) => format(expanded, at),
            None => other.to_string(),
        },
    };
    out.push_str(&text);
}

/// `at` written in moment format `format`.
pub fn format(format: &str, at: DateTime) -> String {
    let mut out = String::new();
    let mut rest = format;
    while let Some(c) = rest.chars().next() {
        if c == '[' {
            // moment's `\[[^\[]*\]`: up to the first `]`, with no `[` before it.
            if let Some(close) = rest
                .find(']')
                .filter(|&close| !rest[1..close].contains('['))
            {
                out.push_str(&rest[1..close]);
                rest = &rest[close + 1..];
                continue;
            }
        }
        if c == '\\' {
            // As in moment, a backslash escapes the whole token after it (`\\YYYY` is `YYYY`).
            let after = &rest[1..];
            if let Some(next) = after.chars().next() {
                let len = TOKENS
                    .iter()
                    .find(|t| after.starts_with(**t))
                    .map_or(next.len_utf8(), |t| t.len());
                out.push_str(&after[..len]);
                rest = &after[len..];
                continue;
            }
        }
        match TOKENS.iter().find(|t| rest.starts_with(**t)) {
            Some(t) => {
                token(&mut out, t, at);
                rest = &rest[t.len()..];
            }
            None => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
