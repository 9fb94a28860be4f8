//! Conversions of the features' plain answers into protocol types: locations, workspace edits,
//! severities and request errors.

use std::collections::hash_map::Entry;
use std::path::PathBuf;

use dashmap::DashMap;
use rustc_hash::FxHashMap;
use tower_lsp_server::jsonrpc::Error;
use tower_lsp_server::ls_types::*;

use super::convert::{Encoding, LineIndex, NoteRanges, placed_range, range_once};
use super::document::Document;
use super::state::uri_of;
use crate::features::Location as NoteLocation;
use crate::features::diagnostics::Severity;
use crate::features::refactor::{FileOp, WorkspaceChange};
use crate::index::{FileId, Vault};

pub(in crate::lsp) fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Information => DiagnosticSeverity::INFORMATION,
        Severity::Hint => DiagnosticSeverity::HINT,
    }
}

pub(in crate::lsp) fn to_location(
    vault: &Vault,
    loc: &NoteLocation,
    encoding: Encoding,
) -> Option<Location> {
    let file = vault.get(loc.file)?;
    let uri = uri_of(&file.path)?;
    Some(Location::new(
        uri,
        NoteRanges::new(file.note(), encoding).range(loc.span),
    ))
}

/// The most items (locations, symbols, links) one answer holds. Each costs a few kilobytes on
/// its way out (protocol value, JSON tree, text), so an answer with 400,000 of them took
/// gigabytes; no editor shows that many anyway.
pub(in crate::lsp) const MAX_ANSWER_ITEMS: usize = 10_000;

/// Whether an answer of `count` items must be cut to [`MAX_ANSWER_ITEMS`]; says so in the log.
pub(in crate::lsp) fn over_cap(count: usize, what: &str) -> bool {
    let over = count > MAX_ANSWER_ITEMS;
    if over {
        tracing::warn!("{count} {what}: answering with the first {MAX_ANSWER_ITEMS}");
    }
    over
}

/// Up to this many locations in one file are converted without a line index (see
/// [`range_once`]); each costs a scan of the text before it.
const FEW_LOCATIONS: usize = 4;

/// Many locations at once: a link's range from the place its parse kept, so that a closed
/// note's packed text is not unpacked for it (a note cited from 10,000 notes unpacked 10,000
/// texts); other spans from the text, through one line index per file, not per location (a
/// hub note can have 100,000 backlinks in a single source). At most [`MAX_ANSWER_ITEMS`].
pub(in crate::lsp) fn to_locations(
    vault: &Vault,
    locs: &[NoteLocation],
    encoding: Encoding,
) -> Vec<Location> {
    let locs = if over_cap(locs.len(), "locations") {
        &locs[..MAX_ANSWER_ITEMS]
    } else {
        locs
    };
    // A file with a few locations (most backlinks come one per note) gets them found in its
    // text directly; one with more gets a line index, built once, and its URI made once.
    let mut per_file: FxHashMap<FileId, usize> = FxHashMap::default();
    for loc in locs {
        *per_file.entry(loc.file).or_default() += 1;
    }
    let mut uris: FxHashMap<FileId, Uri> = FxHashMap::default();
    let mut indexes: FxHashMap<FileId, LineIndex<'_>> = FxHashMap::default();
    let mut out = Vec::with_capacity(locs.len());
    for loc in locs {
        let Some(file) = vault.get(loc.file) else {
            continue;
        };
        let count = per_file.get(&loc.file).copied().unwrap_or_default();
        let uri = if count > 1 {
            match uris.entry(loc.file) {
                Entry::Occupied(entry) => Some(entry.get().clone()),
                Entry::Vacant(entry) => uri_of(&file.path).map(|uri| entry.insert(uri).clone()),
            }
        } else {
            uri_of(&file.path)
        };
        let Some(uri) = uri else {
            continue;
        };
        let note = file.note();
        let placed = note.and_then(|note| placed_range(note, loc.span, encoding));
        let range = match placed {
            Some(range) => range,
            None if count <= FEW_LOCATIONS => {
                let text = note.map(|n| n.text()).unwrap_or_default();
                range_once(&text, loc.span, encoding)
            }
            None => indexes
                .entry(loc.file)
                .or_insert_with(|| {
                    LineIndex::new(note.map(|n| n.text()).unwrap_or_default(), encoding)
                })
                .range(loc.span),
        };
        out.push(Location::new(uri, range));
    }
    out
}

/// A refactor's change as the protocol's `WorkspaceEdit`: versioned text edits first (on the
/// files' current URIs), then file operations, in `documentChanges` so that renames are in it.
///
/// Refused when a file it edits changed on disk since it was read, the server not having seen
/// the change yet: its edits (and the text they put in) were made from the parse of a text the
/// file no longer holds, so applied they could overwrite what the user wrote.
pub(in crate::lsp) fn to_workspace_edit(
    vault: &Vault,
    docs: &DashMap<PathBuf, Document>,
    change: WorkspaceChange,
    encoding: Encoding,
) -> Result<WorkspaceEdit, String> {
    // Each file's text is read (a closed note's, from its file, and checked) on rayon's
    // threads: a rename edits thousands of files.
    use rayon::prelude::*;
    let edits: Vec<(FileId, Vec<crate::features::refactor::TextEdit>)> =
        change.edits.into_iter().collect();
    let mut ops = edits
        .into_par_iter()
        .map(|(id, edits)| {
            let Some(file) = vault.get(id) else {
                return Ok(None);
            };
            let Some(uri) = uri_of(&file.path) else {
                return Ok(None);
            };
            let text = match file.note().map(|n| n.text.exact()) {
                Some(Some(text)) => text,
                Some(None) => {
                    return Err(format!(
                        "{} changed on disk since notegraph read it: try again in a moment",
                        file.path.display()
                    ));
                }
                None => Default::default(),
            };
            let index = LineIndex::new(text, encoding);
            Ok(Some(DocumentChangeOperation::Edit(TextDocumentEdit {
                text_document: OptionalVersionedTextDocumentIdentifier {
                    uri,
                    version: docs.get(&*file.path).map(|d| d.version),
                },
                edits: edits
                    .into_iter()
                    .map(|e| OneOf::Left(TextEdit::new(index.range(e.span), e.text)))
                    .collect(),
            })))
        })
        .collect::<Result<Vec<_>, String>>()?
        .into_iter()
        .flatten()
        .collect::<Vec<_>>();
    for op in change.ops {
        match op {
            // Every path an edit creates or renames into is checked once more here, whatever
            // feature made it: inside a workspace folder, without `..` steps.
            FileOp::Rename { to, .. } | FileOp::Create { path: to, .. }
                if vault.locate(&to).is_none() =>
            {
                tracing::error!(
                    "refusing an edit that puts {} outside the vault",
                    to.display()
                );
            }
            FileOp::Rename { from, to } => {
                let (Some(old_uri), Some(new_uri)) = (uri_of(&from), uri_of(&to)) else {
                    continue;
                };
                ops.push(DocumentChangeOperation::Op(ResourceOp::Rename(
                    RenameFile {
                        old_uri,
                        new_uri,
                        options: Some(RenameFileOptions {
                            overwrite: Some(false),
                            ignore_if_exists: Some(false),
                        }),
                        annotation_id: None,
                    },
                )));
            }
            FileOp::Create { path, text } => {
                let Some(uri) = uri_of(&path) else { continue };
                ops.push(DocumentChangeOperation::Op(ResourceOp::Create(
                    CreateFile {
                        uri: uri.clone(),
                        options: Some(CreateFileOptions {
                            overwrite: Some(false),
                            ignore_if_exists: Some(true),
                        }),
                        annotation_id: None,
                    },
                )));
                if !text.is_empty() {
                    ops.push(DocumentChangeOperation::Edit(TextDocumentEdit {
                        text_document: OptionalVersionedTextDocumentIdentifier {
                            uri,
                            version: None,
                        },
                        edits: vec![OneOf::Left(TextEdit::new(
                            Range::new(Position::new(0, 0), Position::new(0, 0)),
                            text,
                        ))],
                    }));
                }
            }
        }
    }
    Ok(WorkspaceEdit {
        document_changes: Some(DocumentChanges::Operations(ops)),
        ..WorkspaceEdit::default()
    })
}

/// A request the server understood but cannot carry out (LSP's `RequestFailed`), with the
/// reason for the user.
pub(in crate::lsp) fn request_failed(message: impl Into<String>) -> Error {
    Error {
        code: tower_lsp_server::jsonrpc::ErrorCode::ServerError(-32803),
        message: message.into().into(),
        data: None,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::index::Note;
    use crate::lsp::convert::link_range;
    use crate::syntax::Span;

    const ROOT: &str = "/vault";

    /// Texts whose links sit after non-ASCII text, across CRLF and lone CR line ends, on the
    /// first and the last line, across two lines, after a byte order mark, and in a repeated
    /// prose long enough for the text to be kept packed.
    fn texts() -> Vec<String> {
        let prose =
            "Some prose about [[Target]] and café [[Target#Part|alias]], then more. ".repeat(20);
        vec![
            format!("[[Target]] first\r\n{prose}\r\ncafé 中文 😀 [[Target]]\rz [x](Target.md)"),
            format!("\u{feff}[[Target]]\n[multi\nline](Target.md)\n{prose}\n[[Target]]"),
            format!("---\nup: \"[[Target]]\"\n---\n{prose}\n\n  ![[Target]]  \n"),
        ]
    }

    /// Each link of each text, as a location: converted with the note closed (its text packed)
    /// and open (a buffer's plain text), one by one and all at once (a line index per file),
    /// the ranges are those a line index over the text gives.
    #[test]
    fn locations_of_links_are_the_text_positions_whether_a_note_is_open_or_closed() {
        for (n, text) in texts().iter().enumerate() {
            for closed in [true, false] {
                let mut vault = Vault::new(vec![PathBuf::from(ROOT)]);
                let path = Path::new(ROOT).join(format!("n{n}.md"));
                let note = if closed {
                    Note::read(text.clone())
                } else {
                    Note::parse(text.as_str())
                };
                assert_eq!(note.text.is_packed(), closed, "{n}");
                vault.upsert_note(&path, note);
                let id = vault.id(&path).unwrap();
                let spans: Vec<Span> = vault
                    .note(id)
                    .unwrap()
                    .syntax
                    .links
                    .iter()
                    .map(|l| l.span)
                    .collect();
                assert!(spans.len() > FEW_LOCATIONS, "{n}");
                let locs: Vec<NoteLocation> = spans
                    .iter()
                    .map(|&span| NoteLocation { file: id, span })
                    .collect();
                for encoding in [Encoding::Utf8, Encoding::Utf16] {
                    let index = LineIndex::new(text.as_str(), encoding);
                    let expected: Vec<Range> = spans.iter().map(|&s| index.range(s)).collect();
                    let one_by_one: Vec<Range> = locs
                        .iter()
                        .map(|loc| to_locations(&vault, std::slice::from_ref(loc), encoding))
                        .map(|found| found[0].range)
                        .collect();
                    let at_once: Vec<Range> = to_locations(&vault, &locs, encoding)
                        .into_iter()
                        .map(|l| l.range)
                        .collect();
                    assert_eq!(one_by_one, expected, "{n} {encoding:?} closed: {closed}");
                    assert_eq!(at_once, expected, "{n} {encoding:?} closed: {closed}");
                }
            }
        }
    }

    /// A closed note's link on an ASCII line is placed without its text in both encodings; one
    /// after `é` only in UTF-8 (byte columns), and one across lines in neither.
    #[test]
    fn a_link_range_comes_from_its_place_where_the_encoding_counts_as_the_place_does() {
        let note = Note::read("[[a]] x\r\ncafé [[a]]\n[two\nlines](a.md)".repeat(30));
        let links = &note.syntax.links;
        let ranges = |encoding| {
            links[..3]
                .iter()
                .map(|l| link_range(l, encoding))
                .collect::<Vec<_>>()
        };
        let range = |line, start, end| {
            Some(Range::new(
                Position::new(line, start),
                Position::new(line, end),
            ))
        };
        assert_eq!(
            ranges(Encoding::Utf8),
            [range(0, 0, 5), range(1, 6, 11), None]
        );
        assert_eq!(ranges(Encoding::Utf16), [range(0, 0, 5), None, None]);
    }

    /// An open buffer edited since the note was read: its locations are those of the buffer's
    /// text, not the disk's.
    #[test]
    fn locations_in_an_edited_buffer_follow_the_buffer_not_the_disk() {
        let mut vault = Vault::new(vec![PathBuf::from(ROOT)]);
        let path = Path::new(ROOT).join("a.md");
        vault.upsert_note(&path, Note::read(format!("[[b]]\n{}", "prose ".repeat(50))));
        let buffer = "# New first line\nthen [[b]]";
        vault.upsert_note(&path, Note::parse(buffer));
        let id = vault.id(&path).unwrap();
        let span = vault.note(id).unwrap().syntax.links[0].span;
        let found = to_locations(&vault, &[NoteLocation { file: id, span }], Encoding::Utf16);
        assert_eq!(
            found,
            [Location::new(
                uri_of(&path).unwrap(),
                Range::new(Position::new(1, 5), Position::new(1, 10))
            )]
        );
    }

    /// A rename's edit of a closed note, read from its file: given with the ranges of the file's
    /// text while the file holds what was read; refused once the file changed on disk and the
    /// server has not read it again, since ranges and new text were made from the old text.
    #[test]
    fn an_edit_of_a_file_changed_on_disk_since_it_was_read_is_refused() {
        use crate::features::refactor::TextEdit as NoteEdit;
        let dir = std::env::temp_dir().join(format!("notegraph-edit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.md");
        let text = "# A\ncafé [[b]] and [[b]]\n";
        std::fs::write(&path, text).unwrap();
        let mut vault = Vault::new(vec![dir.clone()]);
        vault.upsert_note(&path, Note::read_file(&path, text.to_string()));
        let id = vault.id(&path).unwrap();
        let change = || {
            let mut change = WorkspaceChange::default();
            let target = vault.note(id).unwrap().syntax.links[1].target_span;
            change.edits.insert(
                id,
                vec![NoteEdit {
                    span: target,
                    text: "c".into(),
                }],
            );
            change
        };
        let docs = DashMap::new();
        let edit = to_workspace_edit(&vault, &docs, change(), Encoding::Utf16).unwrap();
        let Some(DocumentChanges::Operations(ops)) = edit.document_changes else {
            panic!("operations")
        };
        let DocumentChangeOperation::Edit(edit) = &ops[0] else {
            panic!("an edit")
        };
        assert_eq!(
            edit.edits,
            [OneOf::Left(TextEdit::new(
                Range::new(Position::new(1, 17), Position::new(1, 18)),
                "c".into()
            ))]
        );
        std::fs::write(&path, "# A\ncafé [[b]] and [[b]]\nmore the user wrote\n").unwrap();
        let refused = to_workspace_edit(&vault, &docs, change(), Encoding::Utf16).unwrap_err();
        assert!(refused.contains("changed on disk"), "{refused}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The URI written without `format!` is the one `Uri::from_file_path` makes, for paths with
    /// spaces, non-ASCII letters and every character it encodes or keeps.
    #[test]
    fn a_files_uri_is_the_one_uri_from_file_path_makes() {
        for path in [
            "/vault/a.md",
            "/vault/area 1/über système 中文 😀.md",
            "/v/%20 #hash ?q &amp; +plus ,comma ;semi =eq @at [b] {c} 'q' \"dq\".md",
            "/v/-._~!$()*:|<>^`\\.md",
            "/",
        ] {
            let path = Path::new(path);
            assert_eq!(
                uri_of(path),
                Uri::from_file_path(path),
                "{}",
                path.display()
            );
            assert!(uri_of(path).is_some());
        }
    }
}
