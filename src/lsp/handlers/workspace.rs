//! Workspace notifications: folders added or removed, configuration changed, files changed on
//! disk as the client watched them.

use std::path::PathBuf;

use tower_lsp_server::ls_types::*;

use crate::lsp::state::Server;
use crate::lsp::state::path_of;

pub(crate) async fn did_change_workspace_folders(
    server: &Server,
    params: DidChangeWorkspaceFoldersParams,
) {
    let mut roots = server.state.read().roots().to_vec();
    for gone in params.event.removed.iter().filter_map(|f| path_of(&f.uri)) {
        roots.retain(|r| *r != gone);
    }
    for added in params.event.added.iter().filter_map(|f| path_of(&f.uri)) {
        if !roots.contains(&added) {
            roots.push(added);
        }
    }
    let problems = server.set_roots(roots);
    server.roots_changed(problems).await;
}

pub(crate) async fn did_change_configuration(
    server: &Server,
    params: DidChangeConfigurationParams,
) {
    let before = server.state.config();
    if server.pull_configuration().await.is_none() {
        // Clients that cannot be asked push their settings here.
        let value = params
            .settings
            .get("notegraph")
            .cloned()
            .unwrap_or(params.settings);
        let problems = server.reconfigure(Some(&value));
        server.report_config_problems(problems).await;
    }
    server.configuration_changed(&before).await;
}

pub(crate) async fn did_change_watched_files(server: &Server, params: DidChangeWatchedFilesParams) {
    let paths: Vec<PathBuf> = params
        .changes
        .iter()
        .filter_map(|c| path_of(&c.uri))
        .collect();
    server.apply_disk_changes(paths).await;
}
