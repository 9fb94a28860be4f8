//! Workspace commands: `notegraph.open` (show a file), `notegraph.daily` (the daily note, made
//! from its template when missing), `notegraph.newNote` (a note, from a template or empty),
//! `notegraph.showGraph`, `notegraph.unlinkedMentions` and `notegraph.showReferences`.
//! A note to create is a `workspace/applyEdit` the client carries out; then
//! `window/showDocument` opens it.

use std::path::Path;
use std::str::FromStr;

use serde_json::{Value, json};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;

use crate::features;
use crate::features::templates::NewNote;
use crate::lsp::state::{Server, now, uri_of};
use crate::lsp::to_proto::{request_failed, to_workspace_edit};

use crate::lsp::capabilities::{
    DAILY_COMMAND as DAILY, GRAPH_COMMAND, MENTIONS_COMMAND, NEW_NOTE_COMMAND as NEW_NOTE,
    OPEN_COMMAND as OPEN, REFERENCES_COMMAND,
};

pub(crate) async fn execute_command(
    server: &Server,
    params: ExecuteCommandParams,
) -> Result<Option<Value>> {
    let args = &params.arguments;
    match params.command.as_str() {
        GRAPH_COMMAND => super::edits::show_graph(server, params.arguments).await,
        MENTIONS_COMMAND => super::panels::unlinked_mentions(server, args).await,
        REFERENCES_COMMAND => super::panels::show_references(args),
        OPEN => {
            let Some(uri) = args
                .first()
                .and_then(Value::as_str)
                .and_then(|s| Uri::from_str(s).ok())
            else {
                return Err(Error::invalid_params("notegraph.open takes a file URI"));
            };
            show(server, uri).await;
            Ok(None)
        }
        DAILY => {
            // One optional argument: days from today (a number, or a numeric string as some
            // editors' command lines send it).
            let offset = match args.first() {
                None | Some(Value::Null) => 0,
                Some(v) => v
                    .as_i64()
                    .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
                    .filter(|n| n.abs() <= 100_000)
                    .ok_or_else(|| {
                        Error::invalid_params("notegraph.daily takes a day offset (0 is today)")
                    })?,
            };
            server.wait_ready().await;
            let config = server.state.config();
            let note =
                features::daily::daily_note(&server.state.read(), &config.obsidian, now(), offset);
            create_and_show(server, note.map_err(request_failed)?).await
        }
        NEW_NOTE => {
            // `[title, template?, folder?]`, or one object `{title, template, folder}`.
            let field = |i: usize, name: &str| -> Option<String> {
                args.first()
                    .filter(|v| v.is_object())
                    .and_then(|o| o.get(name))
                    .or_else(|| args.get(i))
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .filter(|s| !s.trim().is_empty())
            };
            let Some(title) = field(0, "title") else {
                return Err(Error::invalid_params(
                    "notegraph.newNote takes a title, then optionally a template and a folder",
                ));
            };
            server.wait_ready().await;
            let config = server.state.config();
            let note = features::templates::new_note(
                &server.state.read(),
                &config,
                &title,
                field(1, "template").as_deref(),
                field(2, "folder").as_deref(),
                now(),
            );
            create_and_show(server, note.map_err(request_failed)?).await
        }
        other => Err(Error::invalid_params(format!("unknown command {other}"))),
    }
}

/// Create the note when it is missing (through the client), then show it. Answers the note's
/// URI and whether it was created.
async fn create_and_show(server: &Server, note: NewNote) -> Result<Option<Value>> {
    let uri = uri_of(&note.path).ok_or_else(|| request_failed("the note has no file URI"))?;
    // A file the index skips (ignored, excluded, too large) may be there: open it, never write
    // over it.
    let creates = note
        .change
        .ops
        .iter()
        .all(|op| super::edits::creates_nothing_existing(&server.state.read(), op));
    if !note.exists && creates {
        let edit = to_workspace_edit(
            &server.state.read(),
            &server.state.docs,
            note.change,
            server.state.encoding(),
        )
        .map_err(request_failed)?;
        let applied =
            server.client.apply_edit(edit).await.map_err(|err| {
                request_failed(format!("the editor did not apply the edit: {err}"))
            })?;
        if !applied.applied {
            return Err(request_failed(format!(
                "the editor refused to create {}: {}",
                display(&note.path),
                applied.failure_reason.unwrap_or_default()
            )));
        }
    }
    show(server, uri.clone()).await;
    Ok(Some(json!({"uri": uri.as_str(), "created": !note.exists})))
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

async fn show(server: &Server, uri: Uri) {
    let shown = server
        .client
        .show_document(ShowDocumentParams {
            uri,
            external: Some(false),
            take_focus: Some(true),
            selection: None,
        })
        .await;
    if let Err(err) = shown {
        tracing::info!("client cannot show the note: {err}");
    }
}
