//! Navigation: go to definition, hover and references.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use crate::features;
use crate::lsp::cite;
use crate::lsp::convert::LineIndex;
use crate::lsp::state::Server;
use crate::lsp::to_proto::{MAX_ANSWER_ITEMS, to_location, to_locations};

pub(crate) async fn goto_definition(
    server: &Server,
    params: GotoDefinitionParams,
) -> Result<Option<GotoDefinitionResponse>> {
    let pos = params.text_document_position_params;
    let (answer, _) = server
        .at_checked(
            &pos.text_document.uri,
            pos.position,
            |vault, id, offset, encoding, early| {
                if let Some(read) = early {
                    // Before verification, only a link resolved by its target's path or name:
                    // the walk gave every file's path exactly, so only the target's own text
                    // (its headings and blocks), checked by the caller, can differ. An alias
                    // or a citation depends on notes that may have changed.
                    // A restart's sketch holds names alone, not the headings and blocks a
                    // fragment names: such a link waits for the full index.
                    let (link, resolution) = features::link_at(vault, id, offset)?;
                    if link.fragment().is_some() && server.state.is_sketch() {
                        return None;
                    }
                    let resolved = resolution.ok().filter(|r| r.via_alias.is_none())?;
                    read.push(vault.get(resolved.file)?.path.to_path_buf());
                    let target = features::definition::definition(vault, id, offset)?;
                    return Some(GotoDefinitionResponse::Scalar(to_location(
                        vault, &target, encoding,
                    )?));
                }
                if let Some(cited) = cite::definition(vault, id, offset, encoding) {
                    return Some(cited);
                }
                let target = features::definition::definition(vault, id, offset)?;
                Some(GotoDefinitionResponse::Scalar(to_location(
                    vault, &target, encoding,
                )?))
            },
        )
        .await;
    Ok(answer)
}

pub(crate) async fn hover(server: &Server, params: HoverParams) -> Result<Option<Hover>> {
    let pos = params.text_document_position_params;
    Ok(server
        .at(
            &pos.text_document.uri,
            pos.position,
            |vault, id, offset, encoding| {
                let hover = features::hover::hover(vault, id, offset)?;
                let index = LineIndex::new(vault.note(id)?.text(), encoding);
                Some(Hover {
                    contents: HoverContents::Markup(MarkupContent {
                        kind: MarkupKind::Markdown,
                        value: hover.markdown,
                    }),
                    range: Some(index.range(hover.span)),
                })
            },
        )
        .await)
}

pub(crate) async fn references(
    server: &Server,
    params: ReferenceParams,
) -> Result<Option<Vec<Location>>> {
    let pos = params.text_document_position;
    let found = server
        .at(
            &pos.text_document.uri,
            pos.position,
            |vault, id, offset, encoding| {
                // The answer holds at most `MAX_ANSWER_ITEMS` (one more lets `to_locations`
                // say in the log that it was cut).
                let locations =
                    features::references::first_references(vault, id, offset, MAX_ANSWER_ITEMS + 1);
                Some(to_locations(vault, &locations, encoding))
            },
        )
        .await;
    // Thousands of locations: written to text here, not through the transport's tree.
    Ok(found.map(|locations| server.state.raw.locations(locations)))
}
