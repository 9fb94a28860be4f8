//! Obsidian's side panels through standard requests: unlinked mentions (the
//! `notegraph.unlinkedMentions` command, and keeping the mention index ready for code actions),
//! links as a call hierarchy (backlinks in, outgoing links out), and backlink counts as an
//! inlay hint and a code lens on the title heading.

use std::str::FromStr;
use std::sync::atomic::Ordering;

use serde_json::{Value, json};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;

use crate::features;
use crate::features::hierarchy;
use crate::index::{Anchor, FileId, Vault};
use crate::lsp::capabilities::REFERENCES_COMMAND;
use crate::lsp::convert::{Encoding, LineIndex};
use crate::lsp::state::{Server, path_of, uri_of};
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
        // One background scan at a time; a caller that must wait runs its own.
        let running = &self.state.mention_scan;
        if !wait && running.swap(true, Ordering::AcqRel) {
            return;
        }
        let state = self.state.clone();
        let task = tokio::task::spawn_blocking(move || {
            // The scan holds only a read lock: requests go on meanwhile.
            let scan = state.read().scan_mentions();
            if let Some(scan) = scan {
                state.write().install_mentions(scan);
            }
            if !wait {
                state.mention_scan.store(false, Ordering::Release);
            }
        });
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

/// An item as the protocol has it; `data` names the heading or block so the item comes back.
fn to_item(
    vault: &Vault,
    item: &hierarchy::Item,
    key: Option<&str>,
    encoding: Encoding,
) -> Option<CallHierarchyItem> {
    let f = vault.get(item.file)?;
    let index = LineIndex::new(f.note().map(|n| n.text()).unwrap_or_default(), encoding);
    let (kind, data) = match item.anchor {
        Anchor::File => (SymbolKind::FILE, json!({"file": true})),
        Anchor::Heading(i) => (SymbolKind::STRING, json!({"heading": i})),
        Anchor::Block(i) => (SymbolKind::KEY, json!({"block": i})),
    };
    Some(CallHierarchyItem {
        name: item.name.clone(),
        kind,
        tags: None,
        // A typed edge reads as one: its key (`up`, `source`) before the note's path.
        detail: Some(match key {
            Some(key) => format!("{key} · {}", item.detail),
            None => item.detail.clone(),
        }),
        uri: uri_of(&f.path)?,
        range: index.range(item.span),
        selection_range: index.range(item.selection),
        data: Some(data),
    })
}

/// The file and anchor an item names, from its URI and `data`.
fn from_item(vault: &Vault, item: &CallHierarchyItem) -> Option<(FileId, Anchor)> {
    let id = vault.id(&path_of(&item.uri)?)?;
    let data = item.data.as_ref();
    let index = |key: &str| data.and_then(|d| d.get(key)).and_then(Value::as_u64);
    let anchor = match (index("heading"), index("block")) {
        (Some(i), _) => Anchor::Heading(i as usize),
        (None, Some(i)) => Anchor::Block(i as usize),
        (None, None) => Anchor::File,
    };
    Some((id, anchor))
}

pub(crate) async fn prepare_call_hierarchy(
    server: &Server,
    params: CallHierarchyPrepareParams,
) -> Result<Option<Vec<CallHierarchyItem>>> {
    let pos = params.text_document_position_params;
    Ok(server
        .at(
            &pos.text_document.uri,
            pos.position,
            |vault, id, offset, encoding| {
                let item = hierarchy::prepare(vault, id, offset)?;
                Some(vec![to_item(vault, &item, None, encoding)?])
            },
        )
        .await)
}

pub(crate) async fn incoming_calls(
    server: &Server,
    params: CallHierarchyIncomingCallsParams,
) -> Result<Option<Vec<CallHierarchyIncomingCall>>> {
    server.wait_ready().await;
    let vault = server.state.read();
    let encoding = server.state.encoding();
    let Some((id, anchor)) = from_item(&vault, &params.item) else {
        return Ok(None);
    };
    let calls = hierarchy::incoming(&vault, id, &anchor)
        .into_iter()
        .filter_map(|call| {
            let text = vault
                .note(call.item.file)
                .map(|n| n.text())
                .unwrap_or_default();
            let index = LineIndex::new(text, encoding);
            Some(CallHierarchyIncomingCall {
                from: to_item(&vault, &call.item, call.key.as_deref(), encoding)?,
                from_ranges: call.ranges.iter().map(|&r| index.range(r)).collect(),
            })
        })
        .collect();
    drop(vault);
    // A note linked from everywhere has thousands of callers: written to text (see `raw`).
    Ok(Some(server.state.raw.incoming_calls(calls)))
}

pub(crate) async fn outgoing_calls(
    server: &Server,
    params: CallHierarchyOutgoingCallsParams,
) -> Result<Option<Vec<CallHierarchyOutgoingCall>>> {
    server.wait_ready().await;
    let vault = server.state.read();
    let encoding = server.state.encoding();
    let Some((id, anchor)) = from_item(&vault, &params.item) else {
        return Ok(None);
    };
    let text = vault.note(id).map(|n| n.text()).unwrap_or_default();
    let index = LineIndex::new(text, encoding);
    let calls = hierarchy::outgoing(&vault, id, &anchor)
        .into_iter()
        .filter_map(|call| {
            Some(CallHierarchyOutgoingCall {
                to: to_item(&vault, &call.item, call.key.as_deref(), encoding)?,
                from_ranges: call.ranges.iter().map(|&r| index.range(r)).collect(),
            })
        })
        .collect();
    Ok(Some(calls))
}

/// The backlink count after the title heading: `← 12`.
pub(crate) async fn inlay_hint(
    server: &Server,
    params: InlayHintParams,
) -> Result<Option<Vec<InlayHint>>> {
    if !server.state.config().count_hints {
        return Ok(None);
    }
    Ok(server
        .on_note(&params.text_document.uri, |vault, id, encoding| {
            let (title, links) = hierarchy::title_backlinks(vault, id)?;
            let index = LineIndex::new(vault.note(id)?.text(), encoding);
            Some(vec![InlayHint {
                position: index.position(title.end()),
                label: InlayHintLabel::String(format!("← {}", links.len())),
                kind: None,
                text_edits: None,
                tooltip: Some(InlayHintTooltip::String(format!(
                    "{} links from other notes",
                    links.len()
                ))),
                padding_left: Some(true),
                padding_right: None,
                data: None,
            }])
        })
        .await)
}

/// The same count as a code lens on the title heading, whose command carries the references:
/// `notegraph.showReferences [uri, position, locations]` (the editors' set-ups show them; sent
/// to the server, it answers the locations).
pub(crate) async fn code_lens(
    server: &Server,
    params: CodeLensParams,
) -> Result<Option<Vec<CodeLens>>> {
    if !server.state.config().count_lens {
        return Ok(None);
    }
    let uri = params.text_document.uri;
    Ok(server
        .on_note(&uri, |vault, id, encoding| {
            let (title, links) = hierarchy::title_backlinks(vault, id)?;
            let index = LineIndex::new(vault.note(id)?.text(), encoding);
            let range = index.range(title);
            let locations = to_locations(vault, &links, encoding);
            let title = match links.len() {
                1 => "1 backlink".to_string(),
                n => format!("{n} backlinks"),
            };
            Some(vec![CodeLens {
                range,
                command: Some(Command::new(
                    title,
                    REFERENCES_COMMAND.to_string(),
                    Some(vec![json!(uri), json!(range.start), json!(locations)]),
                )),
                data: None,
            }])
        })
        .await)
}

/// `notegraph.showReferences [uri, position, locations]`: the locations, for clients that send
/// a lens's command to the server.
pub(crate) fn show_references(arguments: &[Value]) -> Result<Option<Value>> {
    match arguments.get(2) {
        Some(locations @ Value::Array(_)) => Ok(Some(locations.clone())),
        _ => Err(Error::invalid_params(
            "notegraph.showReferences takes a URI, a position and locations",
        )),
    }
}
