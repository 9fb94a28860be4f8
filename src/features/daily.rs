//! Daily notes as Obsidian's core plugin keeps them: a note per day, named by a moment format
//! (which may hold folders, `YYYY/MM/YYYY-MM-DD`) in the daily folder, made from a template.
//! Days are named as people say them: today, tomorrow, yesterday, next monday, last friday.

use jiff::civil::{Date, DateTime, Weekday};

use super::moment;
use super::templates::{NewNote, create, expand, new_file_in};
use crate::config::obsidian::{DailyNotes, Obsidian};
use crate::index::{FileId, Vault, keys};

const WEEKDAYS: [(&str, Weekday); 7] = [
    ("monday", Weekday::Monday),
    ("tuesday", Weekday::Tuesday),
    ("wednesday", Weekday::Wednesday),
    ("thursday", Weekday::Thursday),
    ("friday", Weekday::Friday),
    ("saturday", Weekday::Saturday),
    ("sunday", Weekday::Sunday),
];

/// Every phrase naming a day: today, tomorrow, yesterday, next/last + each weekday.
pub fn phrases() -> Vec<String> {
    let mut out = vec!["today".to_string(), "tomorrow".into(), "yesterday".into()];
    for (name, _) in WEEKDAYS {
        out.push(format!("next {name}"));
    }
    for (name, _) in WEEKDAYS {
        out.push(format!("last {name}"));
    }
    out
}

/// The day `phrase` names, seen from `today`: "next monday" is the first Monday after today,
/// "last friday" the last Friday before it.
pub fn day(phrase: &str, today: Date) -> Option<Date> {
    let phrase = phrase.trim().to_lowercase();
    let step = |days: i64| today.checked_add(jiff::Span::new().days(days)).ok();
    match phrase.as_str() {
        "today" => return Some(today),
        "tomorrow" => return step(1),
        "yesterday" => return step(-1),
        _ => {}
    }
    let (direction, name) = phrase.split_once(' ')?;
    let (_, weekday) = WEEKDAYS.iter().find(|(n, _)| *n == name.trim())?;
    let now = i64::from(today.weekday().to_monday_zero_offset());
    let want = i64::from(weekday.to_monday_zero_offset());
    match direction {
        "next" => step((want - now - 1).rem_euclid(7) + 1),
        "last" => step(-((now - want - 1).rem_euclid(7) + 1)),
        _ => None,
    }
}

/// The daily note of `date`, root-relative and without `.md`: (folder, name).
pub fn daily_note_name(settings: &DailyNotes, date: Date) -> (String, String) {
    let formatted = moment::format(
        &settings.format,
        date.to_datetime(jiff::civil::Time::midnight()),
    );
    let rel = match settings.folder.as_str() {
        "" => formatted,
        folder => format!("{folder}/{formatted}"),
    };
    match rel.rsplit_once('/') {
        Some((folder, name)) => (folder.to_string(), name.to_string()),
        None => (String::new(), rel),
    }
}

/// The daily note of `date` if the vault has it.
pub fn existing(vault: &Vault, settings: &DailyNotes, date: Date) -> Option<FileId> {
    let (folder, name) = daily_note_name(settings, date);
    let path = new_file_in(vault, &folder, &name).ok()?;
    vault.id(&path)
}

/// `notegraph.daily`: the daily note `offset` days from `now`'s day, and the edit that creates it
/// from the daily template when it is missing. The template's `{{date}}` is the note's day in
/// the daily format, `{{time}}` the current time, `{{title}}` the note's name.
pub fn daily_note(
    vault: &Vault,
    settings: &Obsidian,
    now: DateTime,
    offset: i64,
) -> Result<NewNote, String> {
    let date = now
        .date()
        .checked_add(jiff::Span::new().days(offset))
        .map_err(|err| format!("no such day: {err}"))?;
    let daily = &settings.daily;
    let (folder, name) = daily_note_name(daily, date);
    let path = new_file_in(vault, &folder, &name)?;
    let text = match daily.template.as_str() {
        "" => String::new(),
        template => {
            let template_path =
                new_file_in(vault, keys::folder(template), keys::basename(template))?;
            let body = vault
                .id(&template_path)
                .and_then(|id| vault.note(id))
                .ok_or_else(|| format!("the daily note template ‘{template}’ is not in the vault"))?
                .text
                .exact()
                .ok_or_else(|| {
                    format!("the daily note template ‘{template}’ changed on disk: try again")
                })?;
            let at = date.to_datetime(now.time());
            expand(
                &body,
                &name,
                at,
                &daily.format,
                &settings.templates.time_format,
            )
        }
    };
    Ok(create(vault, path, text))
}

#[cfg(test)]
mod tests;
