//! The fixture mini-language of feature tests: `//- /path/Note.md` starts a file, `$0` marks the
//! cursor, and a line of `^^^` (optionally followed by a label) marks a range in the line above.
//! Marker lines are removed before the vault is built.

use std::path::{Path, PathBuf};

use crate::index::{FileId, Note, Vault, is_note_path};
use crate::syntax::Span;

pub const ROOT: &str = "/vault";

pub struct Fixture {
    pub vault: Vault,
    /// The file holding `$0` and the cursor's byte offset.
    pub cursor: Option<(FileId, usize)>,
    /// Ranges marked with `^^^`: (file, span, label).
    pub marks: Vec<(FileId, Span, String)>,
}

impl Fixture {
    pub fn parse(fixture: &str) -> Fixture {
        let mut vault = Vault::new(vec![PathBuf::from(ROOT)]);
        // As the loader does: the dialect is known before the first note is indexed.
        if fixture.contains("//- /dendron.yml") {
            vault.dialect = crate::index::Dialect::Dendron;
        }
        let mut cursor = None;
        let mut marks = Vec::new();
        // A file starts at `//- ` opening a line (after the indentation), not anywhere: a
        // typed query may hold `//- `.
        let starts: Vec<usize> = fixture
            .match_indices("//- ")
            .map(|(at, _)| at)
            .filter(|&at| {
                let line = fixture[..at].rfind('\n').map_or(0, |nl| nl + 1);
                fixture[line..at].chars().all(|c| c == ' ' || c == '\t')
            })
            .collect();
        let chunks = starts.iter().enumerate().map(|(k, &at)| {
            let end = starts.get(k + 1).map_or(fixture.len(), |&next| next);
            &fixture[at + "//- ".len()..end]
        });
        for chunk in chunks {
            let (path, body) = chunk.split_once('\n').unwrap_or((chunk, ""));
            let path = Path::new(ROOT).join(path.trim().trim_start_matches('/'));
            let mut text = String::new();
            let mut file_marks = Vec::new();
            let mut file_cursor = None;
            let mut prev_line_start = 0;
            // Fixtures are indented inside raw strings; strip the common indentation.
            let indent = body
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| l.len() - l.trim_start().len())
                .min()
                .unwrap_or(0);
            for line in body.lines() {
                let line = if line.len() >= indent {
                    &line[indent..]
                } else {
                    line.trim_start()
                };
                let trimmed = line.trim();
                if trimmed.starts_with('^')
                    && trimmed.chars().take_while(|&c| c == '^').count() >= 1
                    && is_marker(trimmed)
                {
                    let col = line.chars().take_while(|&c| c == ' ').count();
                    let width = trimmed.chars().take_while(|&c| c == '^').count();
                    let label = trimmed[width..].trim().to_string();
                    let prev = &text[prev_line_start..];
                    let start =
                        prev_line_start + prev.chars().take(col).map(char::len_utf8).sum::<usize>();
                    let end = start
                        + prev[start - prev_line_start..]
                            .chars()
                            .take(width)
                            .map(char::len_utf8)
                            .sum::<usize>();
                    file_marks.push((Span::new(start, end), label));
                    continue;
                }
                prev_line_start = text.len();
                match line.find("$0") {
                    Some(at) => {
                        file_cursor = Some(text.len() + at);
                        text.push_str(&line.replacen("$0", "", 1));
                    }
                    None => text.push_str(line),
                }
                text.push('\n');
            }
            let id = if is_note_path(&path) {
                vault.upsert_note(&path, Note::parse(text));
                vault.id(&path).expect("note just inserted")
            } else {
                vault.upsert_attachment(&path);
                if crate::sources::load::is_bibliography_path(&path) {
                    let label = crate::loader::bibliography_label(&vault, &path);
                    let origin = crate::sources::Origin::Discovered;
                    if let Some(bib) = crate::sources::load::parse(&path, &text, origin, label) {
                        vault.sources.set_bibliography(bib);
                    }
                }
                vault.id(&path).expect("attachment just inserted")
            };
            if let Some(offset) = file_cursor {
                cursor = Some((id, offset));
            }
            marks.extend(
                file_marks
                    .into_iter()
                    .map(|(span, label)| (id, span, label)),
            );
        }
        Fixture {
            vault,
            cursor,
            marks,
        }
    }

    pub fn cursor(&self) -> (FileId, usize) {
        self.cursor.expect("fixture has a $0 cursor")
    }

    /// `rel/path.md 3:5-3:9 "text"`: a span rendered for snapshots, with 1-based line:col.
    pub fn render(&self, id: FileId, span: Span) -> String {
        let file = self.vault.file(id);
        let text = file.note().map(|n| n.text()).unwrap_or_default();
        let (l1, c1) = line_col(&text, span.start());
        let (l2, c2) = line_col(&text, span.end());
        format!(
            "{} {l1}:{c1}-{l2}:{c2} {:?}",
            file.rel(),
            &text[span.range()]
        )
    }
}

fn is_marker(trimmed: &str) -> bool {
    let carets = trimmed.chars().take_while(|&c| c == '^').count();
    let rest = &trimmed[carets..];
    rest.is_empty() || rest.starts_with(' ')
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}
