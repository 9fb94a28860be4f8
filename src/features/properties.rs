//! Typed frontmatter properties: a value that does not fit the type `.obsidian/types.json` gives
//! its key is a diagnostic naming the type (keys without a type are never flagged), and hover on
//! a key shows its type, how many notes use it and its most common values.

use super::{Diagnostic, Hover};
use crate::config::{Kind, Severity};
use crate::index::properties::PropertyType;
use crate::index::{FileId, Vault};
use crate::syntax::{Shape, Span};

/// How many values a key's hover lists.
const HOVER_VALUES: usize = 5;

/// Why `value` does not fit `ty`, if it does not.
pub fn misfit(ty: PropertyType, value: &str) -> Option<&'static str> {
    let value = value.trim();
    let fits = match ty {
        PropertyType::Number => value.parse::<f64>().is_ok_and(f64::is_finite),
        PropertyType::Checkbox => {
            value.eq_ignore_ascii_case("true") || value.eq_ignore_ascii_case("false")
        }
        PropertyType::Date => parse_date(value).is_some(),
        PropertyType::DateTime => parse_datetime(value).is_some(),
        PropertyType::Text | PropertyType::List | PropertyType::Aliases | PropertyType::Tags => {
            true
        }
    };
    (!fits).then_some(match ty {
        PropertyType::Number => "a number",
        PropertyType::Checkbox => "a checkbox (true or false)",
        PropertyType::Date => "a date (YYYY-MM-DD)",
        PropertyType::DateTime => "a date & time (YYYY-MM-DDTHH:mm)",
        _ => "text",
    })
}

/// `YYYY-MM-DD`, a real day of the calendar.
pub fn parse_date(value: &str) -> Option<jiff::civil::Date> {
    let b = value.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |s: &str| -> Option<i16> {
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let year = num(&value[0..4])?;
    let month = i8::try_from(num(&value[5..7])?).ok()?;
    let day = i8::try_from(num(&value[8..10])?).ok()?;
    jiff::civil::Date::new(year, month, day).ok()
}

/// `YYYY-MM-DDTHH:mm`, optionally `:ss` and a fraction (Obsidian writes the first form).
fn parse_datetime(value: &str) -> Option<()> {
    if value.len() < 16 || !value.is_char_boundary(10) || !value.is_char_boundary(11) {
        return None;
    }
    parse_date(&value[..10])?;
    if !matches!(&value[10..11], "T" | " ") {
        return None;
    }
    let time = &value[11..];
    let b = time.as_bytes();
    let two = |at: usize, max: u8| -> Option<()> {
        let (h, l) = (*b.get(at)?, *b.get(at + 1)?);
        (h.is_ascii_digit() && l.is_ascii_digit() && (h - b'0') * 10 + (l - b'0') <= max)
            .then_some(())
    };
    two(0, 23)?;
    (b.get(2) == Some(&b':')).then_some(())?;
    two(3, 59)?;
    match b.len() {
        5 => Some(()),
        _ => {
            (b.get(5) == Some(&b':')).then_some(())?;
            two(6, 59)?;
            let frac = &time[8..];
            (frac.is_empty()
                || frac
                    .strip_prefix('.')
                    .is_some_and(|f| !f.is_empty() && f.bytes().all(|c| c.is_ascii_digit())))
            .then_some(())
        }
    }
}

/// Values of typed keys in `file`'s frontmatter that do not fit their type.
pub fn diagnostics(vault: &Vault, file: FileId) -> Vec<Diagnostic> {
    let Some(fm) = vault.note(file).and_then(|n| n.syntax.frontmatter()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut push = |span: Span, message: String| {
        out.push(Diagnostic {
            span,
            severity: Severity::Warning,
            kind: Kind::PropertyType,
            message,
            related: Vec::new(),
        })
    };
    for property in &fm.properties {
        let Some(ty) = vault.properties.type_of(&property.key) else {
            continue;
        };
        let key = &property.key;
        let single = matches!(
            ty,
            PropertyType::Text
                | PropertyType::Number
                | PropertyType::Checkbox
                | PropertyType::Date
                | PropertyType::DateTime
        );
        match property.shape {
            Shape::Other => push(
                property.key_span,
                format!(
                    "‘{key}’ is typed {} but holds neither a value nor a list",
                    ty.name()
                ),
            ),
            Shape::List if single => push(
                property.key_span,
                format!("‘{key}’ is typed {} but holds a list", ty.name()),
            ),
            _ => {
                for (value, span) in &property.values {
                    if let Some(wanted) = misfit(ty, value) {
                        push(
                            *span,
                            format!("‘{value}’ is not {wanted}: ‘{key}’ is typed {}", ty.name()),
                        );
                    }
                }
            }
        }
    }
    out
}

/// Hover on a frontmatter key: its type, how many notes use it, its most common values.
pub fn hover(vault: &Vault, file: FileId, offset: usize) -> Option<Hover> {
    let fm = vault.note(file)?.syntax.frontmatter()?;
    let property = fm.properties.iter().find(|p| p.key_span.touches(offset))?;
    let stats = vault.properties.key(&property.key)?;
    let ty = match vault.properties.type_of(&property.key) {
        Some(ty) => format!("type {}", ty.name()),
        None => "no type set".to_string(),
    };
    let notes = stats.notes;
    let mut markdown = format!(
        "**{}** — {ty}; in {notes} note{}",
        property.key,
        if notes == 1 { "" } else { "s" }
    );
    let common = stats.most_common(HOVER_VALUES);
    if !common.is_empty() {
        markdown.push_str("\n\nMost common values:");
        for value in common {
            markdown.push_str(&format!("\n- `{}` ({})", value.text, value.notes));
        }
    }
    Some(Hover {
        markdown,
        span: property.key_span,
    })
}

#[cfg(test)]
mod tests;
