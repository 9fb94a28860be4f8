//! Document sync: `didOpen`, `didChange`, `didClose`. Each applies its change to the state
//! before its first `.await` (see `server.rs`), then re-indexes and publishes.

use std::path::PathBuf;

use tower_lsp_server::ls_types::*;

use crate::index::Note;
use crate::lsp::cite;
use crate::lsp::document::Document;
use crate::lsp::state::Server;
use crate::lsp::state::{path_of, uri_of};

impl Server {
    /// Re-parse an open note from its buffer, then publish it and the open notes it affects.
    /// Callers have already applied the buffer change, before any `.await`.
    pub(in crate::lsp) async fn reindex_open(&self, path: PathBuf, text: String) {
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
        let mut publish = vec![path.clone()];
        publish.extend(self.affected_open_notes(&self.state.read(), &change, Some(&path)));
        self.publish(publish).await;
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
    server.state.set_last_note(&path);
    server.state.docs.insert(
        path.clone(),
        Document::new(&text, params.text_document.version),
    );
    server.reindex_open(path, text).await;
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
        *doc = updated;
        doc.rope.to_string()
    };
    server.reindex_open(path, text).await;
}

pub(crate) async fn did_close(server: &Server, params: DidCloseTextDocumentParams) {
    let Some(path) = path_of(&params.text_document.uri) else {
        return;
    };
    server.state.docs.remove(&path);
    // Unsaved edits are gone with the buffer: the disk is the truth again.
    server.apply_disk_changes(vec![path.clone()]).await;
    if let Some(uri) = uri_of(&path) {
        server
            .client
            .publish_diagnostics(uri, Vec::new(), None)
            .await;
    }
}
