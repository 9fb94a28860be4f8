//! Pushed diagnostics: computed for open notes (and closed ones with `publish.closedNotes`) and
//! sent when they or the notes they link to change — for the note being typed in, after a pause
//! and without the link being typed; only to clients that do not pull (`pull.rs`).

use std::path::{Path, PathBuf};

use tower_lsp_server::ls_types::*;

use crate::config::Config;
use crate::features;
use crate::index::{Change, FileId, Vault};
use crate::lsp::convert::{Encoding, NoteRanges};
use crate::lsp::state::Server;
use crate::lsp::state::uri_of;
use crate::lsp::to_proto::{severity, to_location};
use crate::syntax::Span;

impl Server {
    pub(in crate::lsp) fn affected_open_notes(
        &self,
        vault: &Vault,
        change: &Change,
        except: Option<&Path>,
    ) -> Vec<PathBuf> {
        let push_closed = self.state.config().push_closed;
        let mut out: Vec<PathBuf> = change
            .keys
            .iter()
            .flat_map(|key| vault.sources_with_key(key))
            .filter_map(|id| vault.get(id).map(|f| f.path.to_path_buf()))
            .filter(|path| Some(path.as_path()) != except)
            .filter(|path| push_closed || self.state.docs.contains_key(path))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Compute and send the diagnostics of open notes.
    pub(in crate::lsp) async fn publish(&self, paths: Vec<PathBuf>) {
        if !self.state.is_ready() {
            return;
        }
        if self.state.pulls() {
            self.refresh_pulled().await;
            return;
        }
        let _turn = self.state.publishing.lock().await;
        let encoding = self.state.encoding();
        let config = self.state.config();
        let mut batches = Vec::new();
        {
            let vault = self.state.read();
            for path in paths {
                // Closed since it was listed: its close cleared it, or is about to.
                if !config.push_closed && !self.state.docs.contains_key(&path) {
                    continue;
                }
                let Some(uri) = uri_of(&path) else { continue };
                let (version, edited) = self
                    .state
                    .docs
                    .get(&path)
                    .map_or((None, None), |d| (Some(d.version), d.edited));
                let diagnostics = match vault.id(&path) {
                    Some(id) => to_diagnostics(&vault, id, &config, encoding, edited),
                    None => Vec::new(),
                };
                batches.push((uri, diagnostics, version));
            }
        }
        for (uri, diagnostics, version) in batches {
            self.client
                .publish_diagnostics(uri, diagnostics, version)
                .await;
        }
    }
}

pub(in crate::lsp) fn to_diagnostics(
    vault: &Vault,
    id: FileId,
    config: &Config,
    encoding: Encoding,
    edited: Option<Span>,
) -> Vec<Diagnostic> {
    let Some(note) = vault.note(id) else {
        return Vec::new();
    };
    let mut found = features::diagnostics::configured(vault, id, config);
    if let Some(edited) = edited {
        found = features::diagnostics::settled(vault, id, found, edited);
    }
    // Most diagnostics are on links, placed by the parse: a closed note's file is read only
    // for the others.
    let mut ranges = NoteRanges::new(Some(note), encoding);
    found
        .into_iter()
        .map(|d| Diagnostic {
            range: ranges.range(d.span),
            severity: Some(severity(d.severity)),
            code: Some(NumberOrString::String(d.kind.code().to_string())),
            source: Some("notegraph".to_string()),
            message: d.message,
            related_information: (!d.related.is_empty()).then(|| {
                d.related
                    .iter()
                    .filter_map(|(loc, message)| {
                        Some(DiagnosticRelatedInformation {
                            location: to_location(vault, loc, encoding)?,
                            message: message.clone(),
                        })
                    })
                    .collect()
            }),
            ..Diagnostic::default()
        })
        .collect()
}
