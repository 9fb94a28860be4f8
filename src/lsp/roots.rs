//! The vault's roots: the client's workspace folders, or — for a client that names none (Neovim
//! on a folder without a root marker, an editor opening a single file) — roots found from the
//! notes it opens (`loader::find_root`).
//!
//! What a note opened without a workspace folder adds, and why:
//! - the nearest folder above it holding `.obsidian` or `.notegraph.toml`, else its own folder:
//!   what the user would point Obsidian at, and never more than the folder they are working in;
//! - a note already inside a root adds nothing (its vault is indexed already);
//! - a note outside every root adds its own root beside the others, its own vault as a
//!   multi-root workspace's folders are (links do not cross roots); a new root that holds earlier ones replaces them (the vault widens to the parent the
//!   user has now shown to be theirs), so no file is indexed twice;
//! - the home folder or `/` without a marker is a root that is never walked: only notes opened
//!   there are indexed, so that opening `~/todo.md` costs one note, not a whole disk. A note in a
//!   subfolder of such a root finds its own root.
//!
//! Changing the roots re-indexes them all, as a change of workspace folders does: it happens once
//! per folder the user opens a note in, not per keystroke.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use super::state::Server;
use crate::index::Vault;
use crate::loader;

impl Server {
    /// Replace the roots and empty the index until it is rebuilt. Synchronous, so that a
    /// notification handler applies it before its first `.await`; follow with
    /// [`Server::roots_changed`].
    pub(in crate::lsp) fn set_roots(&self, roots: Vec<PathBuf>) -> Vec<String> {
        tracing::info!("vault roots now {roots:?}; indexing again");
        // Requests wait for the new index rather than answer from a half-built one, and a build
        // of the old roots still running is dropped when it ends, never installed.
        self.state.ready.send_replace(false);
        self.state.serving.send_replace(false);
        self.state.reindex().latest += 1;
        *self.state.write() = Vault::new(roots);
        // Completion's candidates and the symbol index hold the old vault's file ids.
        self.forget_derived(None);
        self.reconfigure(None)
    }

    /// After [`Server::set_roots`]: show configuration problems, ask the client's settings again,
    /// watch the new roots and index them.
    pub(in crate::lsp) async fn roots_changed(&self, problems: Vec<String>) {
        self.report_config_problems(problems).await;
        self.pull_configuration().await;
        if self
            .state
            .watcher
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .is_some()
        {
            self.watch_files().await;
        }
        // The settings files of the new first root, when we watch those beside the client.
        if self
            .state
            .settings_watcher
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .is_some()
        {
            self.watch_settings_files();
        }
        let server = self.clone();
        tokio::spawn(async move { server.index_workspace().await });
    }

    /// When the client named no workspace folder and `note` lies in no root yet, add the root
    /// `note` belongs to (see the module's notes). Returns the configuration problems of the new
    /// roots when they changed, for [`Server::roots_changed`].
    pub(in crate::lsp) fn adopt_root_of(&self, note: &Path) -> Option<Vec<String>> {
        if !self.state.discover_roots.load(Ordering::SeqCst) || self.covered(note) {
            return None;
        }
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let found = loader::find_root(note, home.as_deref())?;
        let mut roots = self.state.read().roots().to_vec();
        let mut unwalked = self
            .state
            .unwalked
            .write()
            .unwrap_or_else(|p| p.into_inner());
        if found.walk {
            // Roots inside the new one are part of it now.
            roots.retain(|r| !r.starts_with(&found.root));
            unwalked.retain(|r| !r.starts_with(&found.root));
        } else if roots.contains(&found.root) {
            return None;
        } else {
            unwalked.push(found.root.clone());
        }
        roots.push(found.root);
        drop(unwalked);
        Some(self.set_roots(roots))
    }

    /// Whether `note` belongs to a root already: any root that is walked, or directly in a
    /// root that is not.
    fn covered(&self, note: &Path) -> bool {
        let vault = self.state.read();
        let Some((root, _)) = vault.locate(note) else {
            return false;
        };
        let root = &vault.roots()[root];
        !self.is_unwalked(root) || note.parent() == Some(root.as_path())
    }

    pub(in crate::lsp) fn is_unwalked(&self, root: &Path) -> bool {
        self.state
            .unwalked
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .any(|r| r == root)
    }

    /// The roots whose notes are read from disk.
    pub(in crate::lsp) fn walked_roots(&self) -> Vec<PathBuf> {
        let roots = self.state.read().roots().to_vec();
        roots.into_iter().filter(|r| !self.is_unwalked(r)).collect()
    }
}
