//! Obsidian's side panels through standard requests: unlinked mentions (the
//! `notegraph.unlinkedMentions` command, and keeping the mention index ready for code actions).

use std::str::FromStr;

use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;

use crate::features;
use crate::lsp::state::{Server, path_of};
use crate::lsp::to_proto::to_locations;

impl Server {
    /// Make the mention automaton current (a cost in names, paid once per names change) and
    /// bring every note's mention list up to date: awaited with `wait`, else in the background
    /// so that a code action never waits for a vault scan.
    pub(in crate::lsp) async fn prepare_mentions(&self, wait: bool) {
        self.wait_ready().await;
        if self.state.read().mention_automaton().is_none() {
            self.state.write().refresh_mention_automaton();
        }
        if self.state.read().mentions_current() {
            return;
        }
        let state = self.state.clone();
        let task = tokio::task::spawn_blocking(move || state.write().refresh_mentions());
        if wait {
            if let Err(err) = task.await {
                tracing::error!("mention index refresh failed: {err}");
            }
        }
    }
}

/// `notegraph.unlinkedMentions [uri]`: where other notes name this one without linking it.
pub(crate) async fn unlinked_mentions(
    server: &Server,
    arguments: &[Value],
) -> Result<Option<Value>> {
    let Some(path) = arguments
        .first()
        .and_then(Value::as_str)
        .and_then(|s| Uri::from_str(s).ok())
        .and_then(|uri| path_of(&uri))
    else {
        return Err(Error::invalid_params(
            "notegraph.unlinkedMentions takes a note's URI",
        ));
    };
    server.prepare_mentions(true).await;
    let vault = server.state.read();
    let Some(id) = vault.id(&path) else {
        return Ok(Some(Value::Array(Vec::new())));
    };
    let found = features::mentions::unlinked_mentions(&vault, id);
    let locations = to_locations(&vault, &found, server.state.encoding());
    Ok(Some(serde_json::to_value(locations).unwrap_or_default()))
}
