//! Conversions of the features' plain answers into protocol types: locations, workspace edits,
//! severities and request errors.

use std::path::PathBuf;

use dashmap::DashMap;
use tower_lsp_server::jsonrpc::Error;
use tower_lsp_server::ls_types::*;

use super::convert::{Encoding, LineIndex, range_once};
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
    let text = file.note().map(|n| n.text()).unwrap_or_default();
    Some(Location::new(
        uri,
        LineIndex::new(text, encoding).range(loc.span),
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

/// Many locations at once: one line index per file, not per location (a hub note can have
/// 100,000 backlinks in a single source). At most [`MAX_ANSWER_ITEMS`].
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
    // text directly; one with more gets a line index, built once.
    let mut per_file: rustc_hash::FxHashMap<FileId, usize> = rustc_hash::FxHashMap::default();
    for loc in locs {
        *per_file.entry(loc.file).or_default() += 1;
    }
    let mut indexes: std::collections::HashMap<FileId, (Uri, LineIndex<'_>)> =
        std::collections::HashMap::new();
    let mut out = Vec::with_capacity(locs.len());
    for loc in locs {
        let Some(file) = vault.get(loc.file) else {
            continue;
        };
        if per_file.get(&loc.file).is_some_and(|&n| n <= FEW_LOCATIONS) {
            let Some(uri) = uri_of(&file.path) else {
                continue;
            };
            let text = file.note().map(|n| n.text()).unwrap_or_default();
            out.push(Location::new(uri, range_once(&text, loc.span, encoding)));
            continue;
        }
        let (uri, index) = match indexes.entry(loc.file) {
            std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::hash_map::Entry::Vacant(entry) => {
                let Some(uri) = uri_of(&file.path) else {
                    continue;
                };
                let text = file.note().map(|n| n.text()).unwrap_or_default();
                entry.insert((uri, LineIndex::new(text, encoding)))
            }
        };
        out.push(Location::new(uri.clone(), index.range(loc.span)));
    }
    out
}

/// A refactor's change as the protocol's `WorkspaceEdit`: versioned text edits first (on the
/// files' current URIs), then file operations, in `documentChanges` so that renames are in it.
pub(in crate::lsp) fn to_workspace_edit(
    vault: &Vault,
    docs: &DashMap<PathBuf, Document>,
    change: WorkspaceChange,
    encoding: Encoding,
) -> WorkspaceEdit {
    let mut ops = Vec::new();
    for (id, edits) in change.edits {
        let Some(file) = vault.get(id) else { continue };
        let Some(uri) = uri_of(&file.path) else {
            continue;
        };
        let text = file.note().map(|n| n.text()).unwrap_or_default();
        let index = LineIndex::new(text, encoding);
        ops.push(DocumentChangeOperation::Edit(TextDocumentEdit {
            text_document: OptionalVersionedTextDocumentIdentifier {
                uri,
                version: docs.get(&file.path).map(|d| d.version),
            },
            edits: edits
                .into_iter()
                .map(|e| OneOf::Left(TextEdit::new(index.range(e.span), e.text)))
                .collect(),
        }));
    }
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
    WorkspaceEdit {
        document_changes: Some(DocumentChanges::Operations(ops)),
        ..WorkspaceEdit::default()
    }
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
