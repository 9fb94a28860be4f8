//! A note's structure and the vault's names: document and workspace symbols, folding ranges,
//! document links and semantic tokens.

use std::str::FromStr;
use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use crate::features;
use crate::features::outline::SymbolIndex;
use crate::lsp::convert::LineIndex;
use crate::lsp::state::Server;
use crate::lsp::to_proto::{MAX_ANSWER_ITEMS, over_cap, to_location};
use crate::syntax::Span;

pub(crate) async fn document_symbol(
    server: &Server,
    params: DocumentSymbolParams,
) -> Result<Option<DocumentSymbolResponse>> {
    Ok(server
        .on_note(&params.text_document.uri, |vault, id, encoding| {
            let index = LineIndex::new(vault.note(id)?.text(), encoding);
            /// Converts at most `budget` symbols, parents before their children.
            fn convert(
                symbols: Vec<features::outline::Symbol>,
                index: &LineIndex,
                budget: &mut usize,
            ) -> Vec<DocumentSymbol> {
                let mut out = Vec::new();
                for s in symbols {
                    if *budget == 0 {
                        break;
                    }
                    *budget -= 1;
                    #[allow(deprecated)]
                    out.push(DocumentSymbol {
                        name: if s.name.is_empty() {
                            "(empty heading)".to_string()
                        } else {
                            s.name
                        },
                        detail: Some("#".repeat(s.level as usize)),
                        kind: SymbolKind::STRING,
                        tags: None,
                        deprecated: None,
                        range: index.range(s.span),
                        selection_range: index.range(s.selection),
                        children: Some(convert(s.children, index, budget)),
                    });
                }
                out
            }
            let symbols = features::outline::document_symbols(vault, id);
            let mut budget = MAX_ANSWER_ITEMS;
            let headings = vault.note(id)?.syntax.headings().len();
            over_cap(headings, &format!("headings in {}", vault.file(id).rel()));
            Some(DocumentSymbolResponse::Nested(convert(
                symbols,
                &index,
                &mut budget,
            )))
        })
        .await)
}

pub(crate) async fn symbol(
    server: &Server,
    params: WorkspaceSymbolParams,
) -> Result<Option<WorkspaceSymbolResponse>> {
    server.wait_ready().await;
    let encoding = server.state.encoding();
    let limit = server.state.config().completion_limit.max(100);
    let vault = server.state.read();
    let index = {
        let mut cache = server
            .state
            .symbols
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        match cache.as_ref() {
            Some(index) if index.generation == vault.generation() => index.clone(),
            _ => {
                let built = Arc::new(SymbolIndex::build(&vault));
                *cache = Some(built.clone());
                built
            }
        }
    };
    let found = index.query(&vault, &params.query, limit);
    let symbols = found
        .into_iter()
        .filter_map(|s| {
            #[allow(deprecated)]
            Some(SymbolInformation {
                name: s.name,
                kind: match s.kind {
                    features::outline::SymbolKind::Note => SymbolKind::FILE,
                    features::outline::SymbolKind::Alias => SymbolKind::KEY,
                    features::outline::SymbolKind::Heading => SymbolKind::STRING,
                },
                tags: None,
                deprecated: None,
                location: to_location(&vault, &s.location, encoding)?,
                container_name: s.container,
            })
        })
        .collect();
    Ok(Some(WorkspaceSymbolResponse::Flat(symbols)))
}

pub(crate) async fn folding_range(
    server: &Server,
    params: FoldingRangeParams,
) -> Result<Option<Vec<FoldingRange>>> {
    Ok(server
        .on_note(&params.text_document.uri, |vault, id, encoding| {
            let index = LineIndex::new(vault.note(id)?.text(), encoding);
            let mut folds = features::outline::folding_ranges(vault, id);
            if over_cap(folds.len(), "folding ranges") {
                folds.truncate(MAX_ANSWER_ITEMS);
            }
            Some(
                folds
                    .into_iter()
                    .map(|fold| {
                        let range = index.range(fold.span);
                        FoldingRange {
                            start_line: range.start.line,
                            end_line: range.end.line,
                            kind: fold.comment.then_some(FoldingRangeKind::Comment),
                            ..FoldingRange::default()
                        }
                    })
                    .collect(),
            )
        })
        .await)
}

pub(crate) async fn document_link(
    server: &Server,
    params: DocumentLinkParams,
) -> Result<Option<Vec<DocumentLink>>> {
    Ok(server
        .on_note(&params.text_document.uri, |vault, id, encoding| {
            let index = LineIndex::new(vault.note(id)?.text(), encoding);
            let mut links = features::outline::document_links(vault, id);
            if over_cap(links.len(), "document links") {
                links.truncate(MAX_ANSWER_ITEMS);
            }
            Some(
                links
                    .into_iter()
                    .filter_map(|link| {
                        let target = to_location(vault, &link.target, encoding)?;
                        // `#L12` opens a heading or block's line in editors that follow it.
                        let uri = if link.target.span == Span::default() {
                            target.uri
                        } else {
                            Uri::from_str(&format!(
                                "{}#L{}",
                                target.uri.as_str(),
                                target.range.start.line + 1
                            ))
                            .ok()?
                        };
                        Some(DocumentLink {
                            range: index.range(link.span),
                            target: Some(uri),
                            tooltip: None,
                            data: None,
                        })
                    })
                    .collect(),
            )
        })
        .await)
}

pub(crate) async fn semantic_tokens_full(
    server: &Server,
    params: SemanticTokensParams,
) -> Result<Option<SemanticTokensResult>> {
    Ok(server
        .on_note(&params.text_document.uri, |vault, id, encoding| {
            let index = LineIndex::new(vault.note(id)?.text(), encoding);
            let mut data = Vec::new();
            let (mut line, mut start) = (0, 0);
            for (span, kind) in features::outline::semantic_tokens(vault, id) {
                let range = index.range(span);
                // Tokens cannot span lines; a link broken over lines is left unmarked.
                if range.start.line != range.end.line {
                    continue;
                }
                let delta_line = range.start.line - line;
                let delta_start = if delta_line == 0 {
                    range.start.character - start
                } else {
                    range.start.character
                };
                data.push(SemanticToken {
                    delta_line,
                    delta_start,
                    length: range.end.character - range.start.character,
                    token_type: kind as u32,
                    token_modifiers_bitset: 0,
                });
                line = range.start.line;
                start = range.start.character;
            }
            Some(SemanticTokensResult::Tokens(SemanticTokens {
                result_id: None,
                data,
            }))
        })
        .await)
}
