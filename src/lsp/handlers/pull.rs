//! Pulled diagnostics: `textDocument/diagnostic` and `workspace/diagnostic`, with result ids
//! made of what a note's diagnostics depend on — its own revision, the vault's links
//! generation (names, headings, block ids), its bibliographies and the configuration — so an
//! unchanged note is answered without computing anything. Also the push of closed notes'
//! diagnostics, for push clients that ask for it (`publish.closedNotes`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::Ordering;

use rayon::prelude::*;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use super::diagnostics::to_diagnostics;
use crate::index::{FileId, Vault};
use crate::lsp::raw::Written;
use crate::lsp::state::{Server, State, path_of, uri_of};

fn result_id(state: &State, vault: &Vault, id: FileId) -> String {
    format!(
        "{}.{}.{}.{}",
        vault.file(id).revision,
        vault.links_generation(),
        vault.sources.generation(),
        state.config_epoch.load(Ordering::Relaxed)
    )
}

fn full(result_id: String, items: Vec<Diagnostic>) -> FullDocumentDiagnosticReport {
    FullDocumentDiagnosticReport {
        result_id: Some(result_id),
        items,
    }
}

pub(crate) async fn diagnostic(
    server: &Server,
    params: DocumentDiagnosticParams,
) -> Result<DocumentDiagnosticReportResult> {
    server.wait_ready().await;
    let state = &server.state;
    let vault = state.read();
    let id = path_of(&params.text_document.uri).and_then(|p| vault.id(&p));
    let report = match id {
        Some(id) if vault.note(id).is_some() => {
            let rid = result_id(state, &vault, id);
            if params.previous_result_id.as_deref() == Some(rid.as_str()) {
                DocumentDiagnosticReport::Unchanged(RelatedUnchangedDocumentDiagnosticReport {
                    related_documents: None,
                    unchanged_document_diagnostic_report: UnchangedDocumentDiagnosticReport {
                        result_id: rid,
                    },
                })
            } else {
                let edited = state.docs.get(&*vault.file(id).path).and_then(|d| d.edited);
                let items = to_diagnostics(&vault, id, &state.config(), state.encoding(), edited);
                DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
                    related_documents: None,
                    full_document_diagnostic_report: full(rid, items),
                })
            }
        }
        _ => DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport::default()),
    };
    Ok(DocumentDiagnosticReportResult::Report(report))
}

/// Every note whose diagnostics changed since the client's result ids (all notes on the first
/// pull); notes the client already has are left out of the answer.
pub(crate) async fn workspace_diagnostic(
    server: &Server,
    params: WorkspaceDiagnosticParams,
) -> Result<WorkspaceDiagnosticReportResult> {
    server.wait_ready().await;
    let previous: HashMap<PathBuf, String> = params
        .previous_result_ids
        .into_iter()
        .filter_map(|p| Some((path_of(&p.uri)?, p.value)))
        .collect();
    let state = server.state.clone();
    let task = tokio::task::spawn_blocking(move || {
        let vault = state.read();
        let config = state.config();
        let encoding = state.encoding();
        let ids: Vec<FileId> = vault.notes().map(|(id, _, _)| id).collect();
        let items = ids
            .par_iter()
            .filter_map(|&id| {
                let file = vault.file(id);
                let rid = result_id(&state, &vault, id);
                if previous.get(&*file.path) == Some(&rid) {
                    return None;
                }
                let edited = state.docs.get(&*file.path).and_then(|d| d.edited);
                let items = to_diagnostics(&vault, id, &config, encoding, edited);
                Some(WorkspaceDocumentDiagnosticReport::Full(
                    WorkspaceFullDocumentDiagnosticReport {
                        uri: uri_of(&file.path)?,
                        version: state.docs.get(&*file.path).map(|d| d.version as i64),
                        full_document_diagnostic_report: full(rid, items),
                    },
                ))
            })
            .collect::<Vec<_>>();
        drop(vault);
        // Every note's on the first pull: written to text here (see `raw`).
        let report = WorkspaceDiagnosticReportResult::Report(WorkspaceDiagnosticReport { items });
        state.raw.workspace_diagnostics(report)
    });
    let written = task.await.unwrap_or_else(|err| {
        tracing::error!("workspace diagnostics failed: {err}");
        Written::Plain(WorkspaceDiagnosticReportResult::Report(
            WorkspaceDiagnosticReport { items: Vec::new() },
        ))
    });
    Ok(server.state.raw.keep(written))
}

impl Server {
    /// A pulling client re-pulls when diagnostics beyond the edited note may differ: links
    /// resolve differently, bibliographies or settings changed. Asked once per such change.
    pub(in crate::lsp) async fn refresh_pulled(&self) {
        if !self.state.flags.get().is_some_and(|f| f.pull_refresh) {
            return;
        }
        let now = {
            let vault = self.state.read();
            (
                vault.links_generation(),
                vault.sources.generation(),
                self.state.config_epoch.load(Ordering::Relaxed),
            )
        };
        let changed = {
            let mut last = self
                .state
                .pull_refreshed
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            std::mem::replace(&mut *last, now) != now
        };
        if changed {
            if let Err(err) = self.client.workspace_diagnostic_refresh().await {
                tracing::info!("client refused a diagnostics refresh: {err}");
            }
        }
    }

    /// Push the diagnostics of every closed note that has any (`publish.closedNotes`).
    pub(in crate::lsp) async fn publish_closed_notes(&self) {
        let _turn = self.state.publishing.lock().await;
        let batches: Vec<(Uri, Vec<Diagnostic>)> = {
            let vault = self.state.read();
            let config = self.state.config();
            let encoding = self.state.encoding();
            let ids: Vec<FileId> = vault
                .notes()
                .filter(|(_, f, _)| !self.state.docs.contains_key(&*f.path))
                .map(|(id, _, _)| id)
                .collect();
            ids.par_iter()
                .filter_map(|&id| {
                    let items = to_diagnostics(&vault, id, &config, encoding, None);
                    (!items.is_empty()).then(|| Some((uri_of(&vault.file(id).path)?, items)))?
                })
                .collect()
        };
        for (uri, items) in batches {
            self.client.publish_diagnostics(uri, items, None).await;
        }
    }
}
