//! Document sync: `didOpen`, `didChange`, `didClose`. Each applies its change to the state
//! before its first `.await` (see `server.rs`), then re-indexes and publishes.

use std::path::PathBuf;
use std::time::Duration;

use tower_lsp_server::ls_types::*;

use crate::index::Note;
use crate::lsp::cite;
use crate::lsp::document::{Document, edited_span};
use crate::lsp::state::Server;
use crate::lsp::state::{path_of, uri_of};

/// How long the user must pause typing before the diagnostics of the note they type in are
/// published: 300 ms, or `NOTEGRAPH_DIAGNOSTICS_DELAY_MS` (benchmarks set 0 to time the work
/// alone). Pushing them at every keystroke flashes a warning under each half-typed link; the
/// link the last change touched is held back even then (see `features::diagnostics::settled`).
fn quiet_period() -> Duration {
    static PERIOD: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();
    *PERIOD.get_or_init(|| {
        let ms = std::env::var("NOTEGRAPH_DIAGNOSTICS_DELAY_MS")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(300);
        Duration::from_millis(ms)
    })
}

impl Server {
    /// Re-parse an open note from its buffer, then publish the open notes it affects at once and
    /// the note itself — when `typed` (a change, not an open) — once the user pauses.
    /// Callers have already applied the buffer change, before any `.await`.
    pub(in crate::lsp) async fn reindex_open(&self, path: PathBuf, text: String, typed: bool) {
        if cite::reindex_bibliography_buffer(&self.state, &path, &text) {
            self.bibliographies_changed().await;
            return;
        }
        let change = {
            let mut vault = self.state.write();
            let note = Note::parse_over(text, vault.id(&path).and_then(|id| vault.note(id)));
            vault.upsert_note(&path, note)
        };
        self.load_named_bibliographies(&path).await;
        let others = self.affected_open_notes(&self.state.read(), &change, Some(&path));
        if !typed {
            self.publish(std::iter::once(path).chain(others).collect())
                .await;
            return;
        }
        // Other notes' links broke or healed now: they hear of it at once.
        self.publish(others).await;
        let version = self.state.docs.get(&path).map(|d| d.version);
        let server = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(quiet_period()).await;
            // A later change has its own wait: only the last one of a burst publishes.
            if server.state.docs.get(&path).map(|d| d.version) == version {
                server.publish(vec![path]).await;
            }
        });
    }
}

pub(crate) async fn did_open(server: &Server, params: DidOpenTextDocumentParams) {
    let Some(path) = path_of(&params.text_document.uri) else {
        tracing::warn!(
            "ignoring a document that is not a file: {}",
            params.text_document.uri.as_str()
        );
        return;
    };
    let text = params.text_document.text;
    let new_roots = server.adopt_root_of(&path);
    server.state.set_last_note(&path);
    server.state.docs.insert(
        path.clone(),
        Document::new(&text, params.text_document.version),
    );
    // Indexed first, before any `.await`, so that a change sent right after the open applies
    // after it; the new roots' index then takes the buffer as it is.
    server.reindex_open(path, text, false).await;
    if let Some(problems) = new_roots {
        server.roots_changed(problems).await;
    }
}

pub(crate) async fn did_change(server: &Server, params: DidChangeTextDocumentParams) {
    let Some(path) = path_of(&params.text_document.uri) else {
        return;
    };
    let encoding = server.state.encoding();
    server.state.set_last_note(&path);
    let text = {
        let Some(mut doc) = server.state.docs.get_mut(&path) else {
            tracing::warn!(
                "didChange for a document that is not open: {}",
                path.display()
            );
            return;
        };
        if params.text_document.version <= doc.version {
            tracing::warn!(
                "ignoring stale change to {} (version {} after {})",
                path.display(),
                params.text_document.version,
                doc.version
            );
            return;
        }
        let mut updated = Document::new("", params.text_document.version);
        updated.rope = doc.rope.clone();
        for change in &params.content_changes {
            if let Err(err) = updated.apply(change, encoding) {
                tracing::error!("refusing a change to {}: {err}", path.display());
                return;
            }
        }
        let text = updated.rope.to_string();
        updated.edited = Some(edited_span(&doc.rope.to_string(), &text));
        *doc = updated;
        text
    };
    server.reindex_open(path, text, true).await;
}

pub(crate) async fn did_close(server: &Server, params: DidCloseTextDocumentParams) {
    let Some(path) = path_of(&params.text_document.uri) else {
        return;
    };
    server.state.docs.remove(&path);
    // Unsaved edits are gone with the buffer: the disk is the truth again.
    server.apply_disk_changes(vec![path.clone()]).await;
    if let Some(uri) = uri_of(&path) {
        // After any publication that read the note open (see `State::publishing`).
        let _turn = server.state.publishing.lock().await;
        server
            .client
            .publish_diagnostics(uri, Vec::new(), None)
            .await;
    }
    if server.state.config().push_closed && !server.state.pulls() {
        // Closed notes show their diagnostics too: the disk's, now (or, while the index is
        // loading, with the closed notes' once it is ready).
        server.publish(vec![path]).await;
    }
}
