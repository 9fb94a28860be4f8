//! The configuration's layers at run time: rebuilt from the vault's files, the client's
//! `initializationOptions` and its `workspace/configuration` answer, with problems shown.

use std::path::PathBuf;

use serde_json::Value;
use tower_lsp_server::ls_types::*;

use super::state::Server;
use crate::config::Config;
use crate::loader;

impl Server {
    /// Rebuild the configuration from its layers: files at the root, `initializationOptions`,
    /// then the client's settings — `client` when given (its `workspace/configuration` answer
    /// or pushed settings), else the last ones it gave. Returns the problems found.
    pub(in crate::lsp) fn reconfigure(&self, client: Option<&Value>) -> Vec<String> {
        let client = {
            let mut kept = self
                .state
                .client_settings
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if let Some(client) = client {
                *kept = Some(client.clone());
            }
            kept.clone()
        };
        let client = client.as_ref();
        let roots = self.state.read().roots().to_vec();
        // Taken before the files are read: a write during the read shows as a change later.
        let seen = roots
            .first()
            .map_or(0, |root| loader::settings_fingerprint(root));
        self.state
            .settings_seen
            .store(seen, std::sync::atomic::Ordering::SeqCst);
        let (mut config, mut problems) =
            crate::loader::load_config(roots.first().map(PathBuf::as_path));
        if let Some(init) = self.state.init_options.get() {
            problems.extend(
                config
                    .apply(init)
                    .into_iter()
                    .map(|p| format!("initializationOptions: {p}")),
            );
        }
        if let Some(client) = client {
            problems.extend(
                config
                    .apply(client)
                    .into_iter()
                    .map(|p| format!("client settings: {p}")),
            );
        }
        *self
            .state
            .exclude
            .write()
            .unwrap_or_else(|p| p.into_inner()) = loader::Exclude::new(&roots, &config.exclude);
        *self.state.config.write().unwrap_or_else(|p| p.into_inner()) = std::sync::Arc::new(config);
        // Stored and counted before the vault takes it: an index built meanwhile, off the
        // reactor, configures its vault again at its install when the epoch moved (`install`),
        // and is configured here when installed before.
        self.state
            .config_epoch
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.configure(&mut self.state.write());
        problems
    }

    /// A settings file at the first root changed on disk (`loader::SETTINGS_FILES`): rebuild the
    /// configuration with the client's settings as they were, then let what depends on it
    /// follow — property types, daily notes and templates are read from it from now on.
    pub(in crate::lsp) async fn settings_files_changed(&self) {
        tracing::info!("a settings file changed on disk; reading the settings again");
        let before = self.state.config();
        let problems = self.reconfigure(None);
        self.report_config_problems(problems).await;
        self.configuration_changed(&before).await;
    }

    /// After the configuration changed from `before`: index again when what is indexed changed
    /// (exclusions, bibliographies), else publish the open notes' diagnostics again.
    pub(in crate::lsp) async fn configuration_changed(&self, before: &Config) {
        let after = self.state.config();
        if after.exclude != before.exclude
            || after.citations.bibliography != before.citations.bibliography
        {
            self.index_in_background();
        } else if *after != *before {
            let open: Vec<PathBuf> = self.state.docs.iter().map(|e| e.key().clone()).collect();
            self.publish(open).await;
        }
    }

    /// Index the workspace again without waiting for it. A plain function: indexing applies
    /// the disk changes seen meanwhile, which may reconfigure and so come back here, and an
    /// `async fn` spawning it would make its own future's type depend on itself.
    fn index_in_background(&self) {
        let server = self.clone();
        tokio::spawn(async move { server.index_workspace().await });
    }

    pub(in crate::lsp) async fn report_config_problems(&self, problems: Vec<String>) {
        if problems.is_empty() {
            return;
        }
        for problem in &problems {
            tracing::warn!("configuration: {problem}");
        }
        self.client
            .show_message(
                MessageType::WARNING,
                format!("notegraph configuration: {}", problems.join("; ")),
            )
            .await;
    }

    /// Ask the client for its `notegraph` settings, when it can answer, and apply them.
    pub(in crate::lsp) async fn pull_configuration(&self) -> Option<Value> {
        if !self.state.flags.get().is_some_and(|f| f.configuration) {
            return None;
        }
        let item = ConfigurationItem {
            scope_uri: None,
            section: Some("notegraph".to_string()),
        };
        let value = match self.client.configuration(vec![item]).await {
            Ok(mut values) if !values.is_empty() => values.swap_remove(0),
            Ok(_) => return None,
            Err(err) => {
                tracing::warn!("workspace/configuration failed: {err}");
                return None;
            }
        };
        let problems = self.reconfigure(Some(&value));
        self.report_config_problems(problems).await;
        Some(value)
    }
}
