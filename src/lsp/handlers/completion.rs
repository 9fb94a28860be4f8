//! Completion: `[[` links, headings, blocks, tags, attachments and citation keys, from a
//! candidate list cached until the vault's names change, then patched for the names changed.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use crate::features;
use crate::features::completion::{Candidates, CompletionKind};
use crate::index::Vault;
use crate::lsp::convert::LineIndex;
use crate::lsp::state::Server;

impl Server {
    pub(in crate::lsp) fn candidates(&self, vault: &Vault) -> Arc<Candidates> {
        let mut cache = self
            .state
            .candidates
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let current = Candidates::current(cache.as_ref(), vault);
        *cache = Some(current.clone());
        current
    }
}

fn completion_kind(kind: CompletionKind) -> CompletionItemKind {
    match kind {
        CompletionKind::Note => CompletionItemKind::FILE,
        CompletionKind::Alias => CompletionItemKind::REFERENCE,
        CompletionKind::Attachment => CompletionItemKind::FILE,
        CompletionKind::Heading => CompletionItemKind::REFERENCE,
        CompletionKind::Block => CompletionItemKind::REFERENCE,
        CompletionKind::Tag => CompletionItemKind::KEYWORD,
        CompletionKind::Citation => CompletionItemKind::REFERENCE,
        CompletionKind::Property => CompletionItemKind::PROPERTY,
        CompletionKind::Value => CompletionItemKind::VALUE,
        CompletionKind::Day => CompletionItemKind::EVENT,
    }
}

pub(crate) async fn completion(
    server: &Server,
    params: CompletionParams,
) -> Result<Option<CompletionResponse>> {
    let pos = params.text_document_position;
    let config = server.state.config();
    let limit = config.completion_limit;
    let label_details = server.state.flags.get().is_some_and(|f| f.label_details);
    let style = features::completion::InsertStyle {
        target: config.link_style,
        markdown: config.markdown_links,
    };
    // Before the notes from the on-disk index are verified, completion answers from them as
    // they were (the note's own text checked first) and says the list is incomplete, so that
    // the editor asks again as the user types and gets the verified list once it exists: names
    // and paths are the walk's, exact; only what a changed note holds (its aliases, headings,
    // its links' weight in the ranking) may be behind.
    let (answer, _) = server
        .at_checked(
            &pos.text_document.uri,
            pos.position,
            |vault, id, offset, encoding, early| {
                // A sketch holds names alone: headings, blocks and citation keys wait.
                if early.is_some()
                    && server.state.is_sketch()
                    && !features::completion::completes_names(&vault.note(id)?.text(), offset)
                {
                    return None;
                }
                let candidates = server.candidates(vault);
                let list = features::completion::complete_with_days(
                    vault,
                    &candidates,
                    id,
                    offset,
                    limit,
                    style,
                    crate::lsp::state::now().date(),
                    &config.obsidian.daily,
                )?;
                let index = LineIndex::new(vault.note(id)?.text(), encoding);
                let items = list
                    .items
                    .into_iter()
                    .enumerate()
                    .map(|(rank, c)| CompletionItem {
                        label: c.label,
                        kind: Some(completion_kind(c.kind)),
                        // The folder beside the name in the list, where the client can show
                        // it; `detail` (the whole path) is for the focused item.
                        label_details: c.description.filter(|_| label_details).map(|d| {
                            CompletionItemLabelDetails {
                                detail: None,
                                description: Some(d),
                            }
                        }),
                        detail: c.detail,
                        sort_text: Some(format!("{rank:05}")),
                        filter_text: Some(c.filter),
                        text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(
                            index.range(c.replace),
                            c.insert,
                        ))),
                        ..CompletionItem::default()
                    })
                    .collect();
                Some(CompletionResponse::List(CompletionList {
                    is_incomplete: list.incomplete || early.is_some(),
                    items,
                }))
            },
        )
        .await;
    // Written to text here, not through the transport's tree (see `raw`).
    Ok(answer.map(|list| server.state.raw.completion(list)))
}
