//! Edits the user asks for: code actions and their commands, rename (with `prepareRename`) and
//! the link edits that follow files moved in the editor. Each answer is a `WorkspaceEdit`.

use std::path::PathBuf;
use std::str::FromStr;

use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;

use crate::features;
use crate::features::actions::ActionKind;
use crate::features::refactor::FileOp;
use crate::index::Vault;
use crate::lsp::capabilities::OPEN_COMMAND;
use crate::lsp::convert::LineIndex;
use crate::lsp::state::Server;
use crate::lsp::state::{path_of, uri_of};
use crate::lsp::to_proto::{request_failed, to_workspace_edit};

pub(crate) async fn code_action(
    server: &Server,
    params: CodeActionParams,
) -> Result<Option<CodeActionResponse>> {
    let config = server.state.config();
    if config.mentions.enabled {
        server.prepare_mentions(false).await;
    }
    let context = params.context.diagnostics;
    let actions = server
        .at(
            &params.text_document.uri,
            params.range.start,
            |vault, id, offset, encoding| {
                let mut actions = features::actions::actions(vault, id, offset, &config);
                let now = crate::lsp::state::now();
                actions.extend(features::templates::actions(
                    vault, id, offset, &config, now,
                ));
                // Features do no I/O: an action that creates a file is offered only if nothing
                // is at its path. A link to a file the index skips (ignored, excluded, hidden,
                // too large) is broken, yet "creating" it would prepend to that file.
                actions.retain(|action| {
                    action
                        .change
                        .ops
                        .iter()
                        .all(|op| creates_nothing_existing(vault, op))
                });
                Some(
                    actions
                        .into_iter()
                        .filter_map(|action| {
                            // Offered only with an edit that can be applied safely.
                            let edit = to_workspace_edit(
                                vault,
                                &server.state.docs,
                                action.change,
                                encoding,
                            )
                            .map_err(|err| tracing::warn!("action not offered: {err}"))
                            .ok()?;
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
                            Some(CodeActionOrCommand::CodeAction(CodeAction {
                                title: action.title,
                                kind: Some(match action.kind {
                                    ActionKind::QuickFix => CodeActionKind::QUICKFIX,
                                    ActionKind::Rewrite => CodeActionKind::REFACTOR_REWRITE,
                                }),
                                diagnostics: (!diagnostics.is_empty()).then_some(diagnostics),
                                edit: Some(edit),
                                command,
                                is_preferred: action.preferred.then_some(true),
                                ..CodeAction::default()
                            }))
                        })
                        .collect::<Vec<_>>(),
                )
            },
        )
        .await;
    Ok(actions.filter(|a| !a.is_empty()))
}

/// Whether `op` leaves existing files alone: a rename, or a file created at a path inside the
/// vault where nothing is yet (not even a dangling symlink).
pub(crate) fn creates_nothing_existing(vault: &Vault, op: &FileOp) -> bool {
    match op {
        FileOp::Create { path, .. } => {
            vault.locate(path).is_some() && std::fs::symlink_metadata(path).is_err()
        }
        FileOp::Rename { .. } => true,
    }
}

/// `notegraph.showGraph [note URI | "vault"] [depth]`: write the graph page (the note's local
/// graph, by default of the note last opened or edited, at depth 2; or the whole vault) under
/// the cache folder — never in the vault — and ask the client to open it in the browser.
/// Answers the page's URI, for clients that cannot show documents.
pub(crate) async fn show_graph(server: &Server, arguments: Vec<Value>) -> Result<Option<Value>> {
    use crate::graph::command::{DEFAULT_DEPTH, Format};
    server.wait_ready().await;
    let note = match arguments.first() {
        Some(Value::String(s)) if s == "vault" => None,
        Some(Value::String(s)) => Some(
            Uri::from_str(s)
                .ok()
                .as_ref()
                .and_then(path_of)
                .ok_or_else(|| Error::invalid_params("notegraph.showGraph takes a file URI"))?,
        ),
        None | Some(Value::Null) => server.state.last_note(),
        Some(_) => {
            return Err(Error::invalid_params(
                "notegraph.showGraph takes a note URI or \"vault\"",
            ));
        }
    };
    let depth = match arguments.get(1) {
        None | Some(Value::Null) => DEFAULT_DEPTH,
        Some(d) => d
            .as_u64()
            .filter(|d| (1..=100).contains(d))
            .ok_or_else(|| Error::invalid_params("the depth is a whole number from 1 to 100"))?
            as u32,
    };
    let state = server.state.clone();
    // The graph of a big vault takes a while to lay out: off the reactor, and the vault's lock
    // is held only while the graph is read from it.
    let written = tokio::task::spawn_blocking(move || -> std::result::Result<PathBuf, String> {
        let (graph, root) = {
            let vault = state.read();
            let located = note.as_ref().and_then(|p| vault.locate(p));
            let root = match &located {
                Some((root, _)) => vault.roots()[*root].clone(),
                None => vault
                    .roots()
                    .first()
                    .cloned()
                    .ok_or("no workspace folder")?,
            };
            let graph = crate::graph::extract(&vault, &Default::default());
            let graph = match &located {
                Some((_, rel)) => {
                    let center = crate::graph::node_of_path(&graph, rel)
                        .ok_or_else(|| format!("{rel} is not in the vault"))?;
                    crate::graph::local(&graph, center, depth)
                }
                None if note.is_some() => return Err("the note is not in the vault".into()),
                None => graph,
            };
            (graph, root)
        };
        let mut page = Vec::new();
        crate::graph::command::write(&graph, &root, Format::Html, &mut page)
            .map_err(|e| e.to_string())?;
        let path = crate::graph::command::page_path(&root, note.is_some())
            .ok_or("no cache folder: neither XDG_CACHE_HOME nor HOME is set")?;
        if path.starts_with(&root) {
            return Err(format!(
                "the cache folder {} is inside the vault",
                path.display()
            ));
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(&path, page).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(path)
    })
    .await
    .map_err(|e| request_failed(format!("the graph failed: {e}")))?
    .map_err(|e| request_failed(format!("cannot write the graph: {e}")))?;
    let uri = uri_of(&written).ok_or_else(|| request_failed("the page's path is not a URI"))?;
    let shown = server
        .client
        .show_document(ShowDocumentParams {
            uri: uri.clone(),
            external: Some(true),
            take_focus: Some(true),
            selection: None,
        })
        .await;
    if !matches!(shown, Ok(true)) {
        // A client without window/showDocument: say where the page is.
        tracing::info!("client did not open the graph page: {shown:?}");
        server
            .client
            .show_message(
                MessageType::INFO,
                format!("notegraph: graph written to {}", written.display()),
            )
            .await;
    }
    Ok(Some(Value::String(uri.as_str().to_string())))
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
                let index = LineIndex::new(vault.note(id)?.text(), encoding);
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
    // The position names a place in the note as it is now: the offset and the note's revision
    // are taken here, and the rename is computed only if the note is still that text.
    let (id, revision, offset) = {
        let vault = server.state.read();
        let Some(id) = vault.id(&path) else {
            return Ok(None);
        };
        let file = vault.file(id);
        let Some(offset) = file
            .note()
            .and_then(|n| LineIndex::new(n.text(), encoding).offset(pos.position))
        else {
            return Err(Error::invalid_params("the position is not in the document"));
        };
        (id, file.revision, offset)
    };
    let state = server.state.clone();
    // A rename of a note linked from everywhere takes a while. It reads the index (moves are
    // resolved in a pretend layout, `index::Layout`), so it runs under the read lock, and off
    // the transport's task, which polls every handler: other requests are answered meanwhile.
    let task = tokio::task::spawn_blocking(move || {
        let vault = state.read();
        if vault.get(id).map(|f| f.revision) != Some(revision) || vault.id(&path) != Some(id) {
            return Err(Error::content_modified());
        }
        let change = features::refactor::rename(&vault, id, offset, &params.new_name)
            .map_err(request_failed)?;
        let edit =
            to_workspace_edit(&vault, &state.docs, change, encoding).map_err(request_failed)?;
        drop(vault);
        // Thousands of edits: written to text here, off the transport's task (see `raw`).
        Ok(Some(state.raw.workspace_edit(edit)))
    });
    let written = task
        .await
        .map_err(|e| request_failed(format!("the rename failed: {e}")))??;
    Ok(written.map(|edit| server.state.raw.keep(edit)))
}

pub(crate) async fn will_rename_files(
    server: &Server,
    params: RenameFilesParams,
) -> Result<Option<WorkspaceEdit>> {
    server.wait_ready().await;
    let encoding = server.state.encoding();
    let renamed: Vec<(PathBuf, PathBuf)> = params
        .files
        .iter()
        .filter_map(|file| {
            Some((
                Uri::from_str(&file.old_uri)
                    .ok()
                    .as_ref()
                    .and_then(path_of)?,
                Uri::from_str(&file.new_uri)
                    .ok()
                    .as_ref()
                    .and_then(path_of)?,
            ))
        })
        .collect();
    let state = server.state.clone();
    // As for `rename`: under the read lock, off the transport's task.
    let task = tokio::task::spawn_blocking(move || {
        let vault = state.read();
        let mut moves = Vec::new();
        for (from, to) in &renamed {
            // A folder moves every file under it.
            let under = vault
                .files()
                .filter(|(_, f)| f.path.starts_with(from))
                .filter_map(|(id, f)| {
                    let rest = f.path.strip_prefix(from).ok()?;
                    let dest = if rest.as_os_str().is_empty() {
                        to.clone()
                    } else {
                        to.join(rest)
                    };
                    Some((id, dest))
                });
            moves.extend(under);
        }
        if moves.is_empty() {
            return None;
        }
        match features::refactor::move_files(&vault, &moves, false) {
            Ok(change) if change.edits.is_empty() => None,
            Ok(change) => match to_workspace_edit(&vault, &state.docs, change, encoding) {
                Ok(edit) => {
                    drop(vault);
                    Some(state.raw.workspace_edit(edit))
                }
                Err(message) => {
                    tracing::warn!("links cannot follow this move: {message}");
                    None
                }
            },
            Err(message) => {
                tracing::warn!("links cannot follow this move: {message}");
                None
            }
        }
    });
    let written = task
        .await
        .map_err(|e| request_failed(format!("the link edits for the move failed: {e}")))?;
    Ok(written.map(|edit| server.state.raw.keep(edit)))
}
