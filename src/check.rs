//! `notegraph check`: every diagnostic of every note in a vault, for people (`path:line:col:
//! severity: message`) and for tools (`--format json`). Read-only.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::features::diagnostics::Severity;
use crate::loader;

/// 1-based line and column (in characters) of `offset`; `\r\n`, `\n` and lone `\r` end lines.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let mut line = 1;
    let mut line_start = 0;
    let bytes = before.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                line += 1;
                line_start = i + 1;
            }
            b'\r' if bytes.get(i + 1) != Some(&b'\n') => {
                line += 1;
                line_start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    (line, before[line_start..].chars().count() + 1)
}

/// [`line_col`] of many offsets in one pass over `text`: one call per diagnostic made a note
/// with 100,000 broken links quadratic.
pub fn line_cols(text: &str, offsets: &[usize]) -> Vec<(usize, usize)> {
    let mut order: Vec<usize> = (0..offsets.len()).collect();
    order.sort_by_key(|&i| offsets[i]);
    let mut out = vec![(1, 1); offsets.len()];
    let bytes = text.as_bytes();
    let (mut line, mut col, mut at) = (1, 1, 0);
    for i in order {
        let offset = offsets[i].min(text.len());
        while at < offset {
            match bytes[at] {
                b'\n' => {
                    line += 1;
                    col = 1;
                }
                b'\r' if bytes.get(at + 1) != Some(&b'\n') => {
                    line += 1;
                    col = 1;
                }
                // A character starts at every byte that is not a UTF-8 continuation byte.
                b if b & 0xC0 != 0x80 && b != b'\r' => col += 1,
                _ => {}
            }
            at += 1;
        }
        out[i] = (line, col);
    }
    out
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub notes: usize,
    pub broken: usize,
    pub ambiguous: usize,
    pub other: usize,
    pub skipped: usize,
}

/// One reported problem, written as a text line or kept as a JSON record.
struct Record<'a> {
    path: &'a Path,
    line: usize,
    col: usize,
    severity: &'a str,
    code: &'a str,
    message: &'a str,
}

impl Record<'_> {
    fn write(
        &self,
        json: bool,
        out: &mut dyn Write,
        records: &mut Vec<serde_json::Value>,
    ) -> std::io::Result<()> {
        if json {
            records.push(serde_json::json!({
                "path": self.path.to_string_lossy(),
                "line": self.line,
                "column": self.col,
                "severity": self.severity,
                "code": self.code,
                "message": self.message,
            }));
            Ok(())
        } else {
            writeln!(
                out,
                "{}:{}:{}: {}: {}",
                self.path.display(),
                self.line,
                self.col,
                self.severity,
                self.message
            )
        }
    }
}

/// Check the vault at `dir`, writing the report to `out`. Returns the counts.
pub fn run(dir: &Path, json: bool, out: &mut dyn Write) -> std::io::Result<Summary> {
    let root = dir.canonicalize()?;
    let (config, vault, skipped) =
        loader::load_configured(&root, Some(&crate::features::completion::encode_image));
    let mut notes: Vec<_> = vault.notes().collect();
    // Each path read once, not once per comparison.
    notes.sort_by_cached_key(|(_, file, _)| file.rel());
    let mut summary = Summary {
        notes: notes.len(),
        skipped: skipped.len(),
        ..Summary::default()
    };
    let mut records = Vec::new();
    for (id, file, note) in notes {
        let shown: PathBuf = dir.join(file.rel());
        let found = crate::features::diagnostics::configured(&vault, id, &config);
        let starts: Vec<usize> = found.iter().map(|d| d.span.start()).collect();
        let positions = line_cols(&note.text(), &starts);
        for (d, (line, col)) in found.into_iter().zip(positions) {
            if d.kind.is_broken_link() {
                summary.broken += 1;
            } else if d.kind == crate::features::diagnostics::Kind::Ambiguous {
                summary.ambiguous += 1;
            } else {
                summary.other += 1;
            }
            let record = Record {
                path: &shown,
                line,
                col,
                severity: d.severity.as_str(),
                code: d.kind.code(),
                message: &d.message,
            };
            record.write(json, out, &mut records)?;
        }
    }
    // Bibliography problems (unreadable entries, keys defined again) are in no note.
    for (bib, problems) in crate::features::citations::bibliography_diagnostics(&vault) {
        let shown = match vault.locate(&bib.path) {
            Some((_, rel)) => dir.join(rel),
            None => bib.path.clone(),
        };
        for d in problems {
            summary.other += 1;
            let (line, col) = (d.start.line as usize + 1, d.start.utf16 as usize + 1);
            let record = Record {
                path: &shown,
                line,
                col,
                severity: d.severity.as_str(),
                code: "bibliography",
                message: &d.message,
            };
            record.write(json, out, &mut records)?;
        }
    }
    for skip in &skipped {
        if !json {
            writeln!(
                out,
                "{}: {}: skipped: {}",
                skip.path.display(),
                Severity::Information.as_str(),
                skip.reason
            )?;
        }
    }
    if json {
        let report = serde_json::json!({
            "diagnostics": records,
            "skipped": skipped.iter().map(|s| serde_json::json!({"path": s.path.to_string_lossy(), "reason": s.reason})).collect::<Vec<_>>(),
            "summary": {
                "notes": summary.notes,
                "broken": summary.broken,
                "ambiguous": summary.ambiguous,
                "other": summary.other,
                "skipped": summary.skipped,
            }
        });
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&report).expect("JSON values serialise")
        )?;
    } else {
        writeln!(
            out,
            "{} note{} checked: {} broken link{}, {} ambiguous, {} other problem{}{}",
            summary.notes,
            if summary.notes == 1 { "" } else { "s" },
            summary.broken,
            if summary.broken == 1 { "" } else { "s" },
            summary.ambiguous,
            summary.other,
            if summary.other == 1 { "" } else { "s" },
            if summary.skipped > 0 {
                format!(", {} files skipped", summary.skipped)
            } else {
                String::new()
            }
        )?;
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_cols_in_one_pass_agree_with_line_col() {
        let text = "a\r\nb中😀c\rd\n\ne\u{301}f";
        let offsets: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .chain([text.len()])
            // Between the two bytes of a CRLF is on no line; diagnostics never start there.
            .filter(|&o| !(text[..o].ends_with('\r') && text[o..].starts_with('\n')))
            .rev()
            .collect();
        let expected: Vec<(usize, usize)> = offsets.iter().map(|&o| line_col(text, o)).collect();
        assert_eq!(line_cols(text, &offsets), expected);
    }
}
