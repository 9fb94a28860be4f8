//! `[[today`, `[[tomorrow`, `[[yesterday`, `[[next monday`, `[[last friday`: the daily note of
//! that day, whether it exists yet or not, before the notes whose names match.

use jiff::civil::Date;

use super::{Completion, CompletionKind, Completions, LinkContext, part_end};
use crate::config::obsidian::DailyNotes;
use crate::features::actions::styled_target;
use crate::features::daily::{daily_note_name, day, existing, phrases};
use crate::index::{FileId, Vault, keys};
use crate::syntax::Span;

/// Typed text shorter than this offers no days: `[[t` is more often a note than today.
const MIN_TYPED: usize = 3;

#[allow(clippy::too_many_arguments)]
pub(super) fn prepend_days(
    vault: &Vault,
    file: FileId,
    ctx: &LinkContext,
    offset: usize,
    today: Date,
    settings: &DailyNotes,
    style: crate::config::LinkStyle,
    found: &mut Completions,
) {
    let typed = ctx.typed.trim().to_lowercase();
    if typed.chars().count() < MIN_TYPED || ctx.typed.contains(['#', '|', '/']) {
        return;
    }
    let close = if ctx.closed { "" } else { "]]" };
    let replace = Span::new(ctx.open, part_end(ctx, offset, &['#', '|']));
    let mut days = Vec::new();
    for phrase in phrases() {
        if !phrase.starts_with(&typed) {
            continue;
        }
        let Some(date) = day(&phrase, today) else {
            continue;
        };
        let (folder, name) = daily_note_name(settings, date);
        let (target, detail) = match existing(vault, settings, date) {
            Some(id) => (
                styled_target(vault, file, id, style),
                format!("{name} (daily note)"),
            ),
            None => {
                // Not there yet: its name when no other file has that name, else its path.
                let target = if folder.is_empty() || vault.by_name(&keys::fold(&name)).is_empty() {
                    name.clone()
                } else {
                    format!("{folder}/{name}")
                };
                (target, format!("{name} (daily note, not created yet)"))
            }
        };
        days.push(Completion {
            label: phrase.clone(),
            kind: CompletionKind::Day,
            detail: Some(detail),
            description: None,
            insert: format!("{target}{close}"),
            replace,
            filter: phrase,
        });
    }
    found.items.splice(0..0, days);
}
