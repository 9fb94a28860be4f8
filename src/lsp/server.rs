//! The service's assembly: the registration of every handler, one line each. The handlers live
//! in `handlers/` (one file per request family), the lifecycle in `lifecycle.rs`, the `Server`
//! handle they share in `state.rs`.
//!
//! Ordering invariant: notification handlers (`did_open`, `did_change`, `did_close`) apply
//! their change to the state before their first `.await`, so a request that arrives after a
//! change always sees it. Publishing diagnostics comes after.

use serde_json::Value;
use tower_lsp_server::LanguageServer;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use super::handlers::{completion, edits, navigation, panels, pull, symbols, sync, workspace};
use super::lifecycle;
use super::state::Server;

impl LanguageServer for Server {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        lifecycle::initialize(self, params).await
    }
    async fn initialized(&self, params: InitializedParams) {
        lifecycle::initialized(self, params).await
    }
    async fn shutdown(&self) -> Result<()> {
        lifecycle::shutdown(self).await
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        sync::did_open(self, params).await
    }
    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        sync::did_change(self, params).await
    }
    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        sync::did_close(self, params).await
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        workspace::did_change_workspace_folders(self, params).await
    }
    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        workspace::did_change_configuration(self, params).await
    }
    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        workspace::did_change_watched_files(self, params).await
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        completion::completion(self, params).await
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        navigation::goto_definition(self, params).await
    }
    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        navigation::hover(self, params).await
    }
    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        navigation::references(self, params).await
    }
    async fn prepare_call_hierarchy(
        &self,
        params: CallHierarchyPrepareParams,
    ) -> Result<Option<Vec<CallHierarchyItem>>> {
        panels::prepare_call_hierarchy(self, params).await
    }
    async fn incoming_calls(
        &self,
        params: CallHierarchyIncomingCallsParams,
    ) -> Result<Option<Vec<CallHierarchyIncomingCall>>> {
        panels::incoming_calls(self, params).await
    }
    async fn outgoing_calls(
        &self,
        params: CallHierarchyOutgoingCallsParams,
    ) -> Result<Option<Vec<CallHierarchyOutgoingCall>>> {
        panels::outgoing_calls(self, params).await
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        symbols::document_symbol(self, params).await
    }
    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        symbols::symbol(self, params).await
    }
    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        symbols::folding_range(self, params).await
    }
    async fn document_link(&self, params: DocumentLinkParams) -> Result<Option<Vec<DocumentLink>>> {
        symbols::document_link(self, params).await
    }
    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        symbols::semantic_tokens_full(self, params).await
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        panels::inlay_hint(self, params).await
    }
    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        panels::code_lens(self, params).await
    }
    async fn diagnostic(
        &self,
        params: DocumentDiagnosticParams,
    ) -> Result<DocumentDiagnosticReportResult> {
        pull::diagnostic(self, params).await
    }
    async fn workspace_diagnostic(
        &self,
        params: WorkspaceDiagnosticParams,
    ) -> Result<WorkspaceDiagnosticReportResult> {
        pull::workspace_diagnostic(self, params).await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        edits::code_action(self, params).await
    }
    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<Value>> {
        edits::execute_command(self, params).await
    }
    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        edits::prepare_rename(self, params).await
    }
    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        edits::rename(self, params).await
    }
    async fn will_rename_files(&self, params: RenameFilesParams) -> Result<Option<WorkspaceEdit>> {
        edits::will_rename_files(self, params).await
    }
}
