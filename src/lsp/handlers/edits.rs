//! Edits the user asks for: code actions and their commands, rename (with `prepareRename`) and
//! the link edits that follow files moved in the editor. Each answer is a `WorkspaceEdit`.

use std::path::PathBuf;
use std::str::FromStr;

use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;

use crate::features;
use crate::features::actions::ActionKind;
use crate::index::FileId;
use crate::lsp::convert::LineIndex;
use crate::lsp::handlers::commands::OPEN as OPEN_COMMAND;
use crate::lsp::state::Server;
use crate::lsp::state::{path_of, uri_of};
use crate::lsp::to_proto::{request_failed, to_workspace_edit};

pub(crate) async fn code_action(
    server: &Server,
    params: CodeActionParams,
) -> Result<Option<CodeActionResponse>> {
    let config = server.state.config();
    let context = params.context.diagnostics;
    let actions = server
        .at(
            &params.text_document.uri,
            params.range.start,
            |vault, id, offset, encoding| {
                let mut actions = features::actions::actions(vault, id, offset, &config);
                let now = super::commands::now();
                actions.extend(features::templates::actions(
                    vault, id, offset, &config, now,
                ));
                Some(
                    actions
                        .into_iter()
                        .map(|action| {
                            let diagnostics: Vec<Diagnostic> = context
                                .iter()
                                .filter(|d| {
                                    action.fixes.is_some_and(|k| {
                                        d.code == Some(NumberOrString::String(k.code().to_string()))
                                    })
                                })
                                .cloned()
                                .collect();
                            let command = action.open.as_deref().and_then(uri_of).map(|uri| {
                                Command::new(
                                    "Open the new note".to_string(),
                                    OPEN_COMMAND.to_string(),
                                    Some(vec![Value::String(uri.as_str().to_string())]),
                                )
                            });
                            CodeActionOrCommand::CodeAction(CodeAction {
                                title: action.title,
                                kind: Some(match action.kind {
                                    ActionKind::QuickFix => CodeActionKind::QUICKFIX,
                                    ActionKind::Rewrite => CodeActionKind::REFACTOR_REWRITE,
                                }),
                                diagnostics: (!diagnostics.is_empty()).then_some(diagnostics),
                                edit: Some(to_workspace_edit(
                                    vault,
                                    &server.state.docs,
                                    action.change,
                                    encoding,
                                )),
                                command,
                                is_preferred: action.preferred.then_some(true),
                                ..CodeAction::default()
                            })
                        })
                        .collect::<Vec<_>>(),
                )
            },
        )
        .await;
    Ok(actions.filter(|a| !a.is_empty()))
}

pub(crate) async fn prepare_rename(
    server: &Server,
    params: TextDocumentPositionParams,
) -> Result<Option<PrepareRenameResponse>> {
    let answer = server
        .at(
            &params.text_document.uri,
            params.position,
            |vault, id, offset, encoding| {
                let index = LineIndex::new(&vault.note(id)?.text, encoding);
                Some(features::refactor::prepare_rename(vault, id, offset).map(
                    |(_, span, placeholder)| PrepareRenameResponse::RangeWithPlaceholder {
                        range: index.range(span),
                        placeholder,
                    },
                ))
            },
        )
        .await;
    match answer {
        None => Ok(None),
        Some(Ok(response)) => Ok(Some(response)),
        Some(Err(message)) => Err(request_failed(message)),
    }
}

pub(crate) async fn rename(server: &Server, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
    server.wait_ready().await;
    let pos = params.text_document_position;
    let Some(path) = path_of(&pos.text_document.uri) else {
        return Ok(None);
    };
    let encoding = server.state.encoding();
    // Moves are computed by relocating files in the index and back: a write lock, held
    // only for that computation.
    let mut vault = server.state.write();
    let Some(id) = vault.id(&path) else {
        return Ok(None);
    };
    let Some(offset) = vault
        .note(id)
        .and_then(|n| LineIndex::new(&n.text, encoding).offset(pos.position))
    else {
        return Err(Error::invalid_params("the position is not in the document"));
    };
    let change = features::refactor::rename(&mut vault, id, offset, &params.new_name)
        .map_err(request_failed)?;
    Ok(Some(to_workspace_edit(
        &vault,
        &server.state.docs,
        change,
        encoding,
    )))
}

pub(crate) async fn will_rename_files(
    server: &Server,
    params: RenameFilesParams,
) -> Result<Option<WorkspaceEdit>> {
    server.wait_ready().await;
    let encoding = server.state.encoding();
    let mut vault = server.state.write();
    let mut moves = Vec::new();
    for file in &params.files {
        let (Some(from), Some(to)) = (
            Uri::from_str(&file.old_uri).ok().as_ref().and_then(path_of),
            Uri::from_str(&file.new_uri).ok().as_ref().and_then(path_of),
        ) else {
            continue;
        };
        // A folder moves every file under it.
        let under: Vec<(FileId, PathBuf)> = vault
            .files()
            .filter(|(_, f)| f.path.starts_with(&from))
            .filter_map(|(id, f)| {
                let rest = f.path.strip_prefix(&from).ok()?;
                let dest = if rest.as_os_str().is_empty() {
                    to.clone()
                } else {
                    to.join(rest)
                };
                Some((id, dest))
            })
            .collect();
        moves.extend(under);
    }
    if moves.is_empty() {
        return Ok(None);
    }
    match features::refactor::move_files(&mut vault, &moves, false) {
        Ok(change) if change.edits.is_empty() => Ok(None),
        Ok(change) => Ok(Some(to_workspace_edit(
            &vault,
            &server.state.docs,
            change,
            encoding,
        ))),
        Err(message) => {
            tracing::warn!("links cannot follow this move: {message}");
            Ok(None)
        }
    }
}
