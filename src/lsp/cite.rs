//! The protocol side of sources: loading and refreshing bibliographies, their diagnostics, and
//! definition into a bibliography file. Hooks called from the lifecycle, sync and watch code, kept here so those files
//! stays small.

use std::path::{Path, PathBuf};

use tower_lsp_server::ls_types::*;

use super::state::Server;
use super::state::{State, is_gitignored, is_hidden, uri_of};
use super::to_proto::{severity, to_location};
use crate::config::CitationSettings;
use crate::features::citations::{self, Target};
use crate::index::{FileId, Vault};
use crate::lsp::convert::Encoding;
use crate::sources::{TextPos, load};

fn position(at: TextPos, encoding: Encoding) -> Position {
    match encoding {
        Encoding::Utf8 => Position::new(at.line, at.utf8),
        Encoding::Utf16 => Position::new(at.line, at.utf16),
    }
}

fn settings(state: &State) -> CitationSettings {
    state.config().citations.clone()
}

/// The bibliographies `vault`, freshly loaded, wants, for `loader::read_bibliographies`.
pub(in crate::lsp) fn bibliographies_wanted(
    state: &State,
    vault: &Vault,
    cached: crate::loader::CachedBibliographies,
) -> crate::loader::WantedBibliographies {
    crate::loader::bibliographies_wanted(vault, &settings(state).bibliography, cached)
}

/// Load every bibliography into a freshly loaded vault (on the indexing thread).
pub(in crate::lsp) fn load_bibliographies(
    state: &State,
    vault: &mut Vault,
    cached: crate::loader::CachedBibliographies,
) -> usize {
    crate::loader::load_bibliographies(vault, &settings(state).bibliography, cached)
}

/// Whether `path` is, or would be, one of the vault's bibliographies.
fn is_bibliography(state: &State, vault: &Vault, path: &Path) -> bool {
    if vault.sources.bibliography(path).is_some() {
        return true;
    }
    let base = vault.roots().first().cloned().unwrap_or_default();
    let configured = settings(state)
        .bibliography
        .iter()
        .any(|written| load::resolve_path(written, &base) == path);
    let excluded = state.exclude.read().is_ok_and(|e| e.is_excluded(path));
    configured
        || (load::is_bibliography_path(path)
            && vault.locate(path).is_some()
            && !is_hidden(vault, path)
            && !excluded
            && !is_gitignored(vault, path))
}

/// Re-read a bibliography that changed on disk, or forget one that is gone. Runs on a blocking
/// thread, like the rest of a disk refresh; reads the file before taking the write lock.
pub(in crate::lsp) fn refresh_bibliography(state: &State, path: &Path) {
    if !path.exists() {
        // A deleted file or folder: forget whatever bibliography it held.
        let known = state
            .read()
            .sources
            .bibliographies()
            .iter()
            .any(|b| b.path.starts_with(path));
        if known {
            state.write().sources.remove_bibliography(path);
            state.read().sources.key_candidates();
        }
        return;
    }
    let (origin, label) = {
        let vault = state.read();
        if !is_bibliography(state, &vault, path) {
            return;
        }
        let origin = vault
            .sources
            .bibliography(path)
            .map_or(crate::sources::Origin::Discovered, |b| b.origin);
        (origin, crate::loader::bibliography_label(&vault, path))
    };
    if !path.is_file() {
        return;
    }
    let read = crate::loader::read_bibliography(path, origin, label);
    // An open bibliography's buffer is its truth, even if the editor opened it while the disk
    // text was read.
    let Some(mut vault) = state.write_unless_open(path) else {
        return;
    };
    match read {
        Some(read) => vault.sources.set_read_bibliographies(vec![read]),
        // A `.json` rewritten into something that is not CSL is no bibliography any more.
        None => {
            vault.sources.remove_bibliography(path);
        }
    }
    drop(vault);
    // Completion candidates are built here, under a read lock and off the request path.
    state.read().sources.key_candidates();
}

/// An open bibliography buffer is read as a bibliography, never as a note. Parsed at once, not
/// on a blocking thread: a request sent after an edit must see it. Returns whether `path` was
/// one.
pub(in crate::lsp) fn reindex_bibliography_buffer(state: &State, path: &Path, text: &str) -> bool {
    if crate::index::is_note_path(path) {
        return false;
    }
    let (origin, label) = {
        let vault = state.read();
        if !is_bibliography(state, &vault, path) {
            return false;
        }
        buffer_origin(&vault, path)
    };
    let parsed = load::parse(path, text, origin, label);
    store_buffer(&mut state.write(), path, parsed);
    state.read().sources.key_candidates();
    true
}

/// [`reindex_bibliography_buffer`] into a vault being installed (under its write lock): a
/// fresh index read the disk, but an open bibliography's buffer is newer. Returns whether
/// `path` is a bibliography.
pub(in crate::lsp) fn bibliography_buffer_into(
    state: &State,
    vault: &mut Vault,
    path: &Path,
    text: &str,
) -> bool {
    if crate::index::is_note_path(path) || !is_bibliography(state, vault, path) {
        return false;
    }
    let (origin, label) = buffer_origin(vault, path);
    let parsed = load::parse(path, text, origin, label);
    store_buffer(vault, path, parsed);
    true
}

fn buffer_origin(vault: &Vault, path: &Path) -> (crate::sources::Origin, String) {
    let origin = vault
        .sources
        .bibliography(path)
        .map_or(crate::sources::Origin::Discovered, |b| b.origin);
    (origin, crate::loader::bibliography_label(vault, path))
}

fn store_buffer(vault: &mut Vault, path: &Path, parsed: Option<crate::sources::Bibliography>) {
    match parsed {
        Some(bib) => vault.sources.set_bibliography(bib),
        None => {
            vault.sources.remove_bibliography(path);
        }
    }
}

impl Server {
    /// Load the bibliographies an open note names in `bibliography:` that are not loaded yet.
    /// Cheap when there are none, which is every keystroke but the one that adds a path.
    pub(in crate::lsp) async fn load_named_bibliographies(&self, note: &Path) {
        let missing: Vec<PathBuf> = {
            let vault = self.state.read();
            let Some(syntax) = vault
                .id(note)
                .and_then(|id| vault.note(id))
                .map(|n| &n.syntax)
            else {
                return;
            };
            load::named_by_note(note, syntax)
                .into_iter()
                .filter(|p| vault.sources.bibliography(p).is_none() && p.is_file())
                .collect()
        };
        if missing.is_empty() {
            return;
        }
        let state = self.state.clone();
        let loaded = tokio::task::spawn_blocking(move || {
            let vault = state.read();
            let labelled: Vec<(PathBuf, String)> = missing
                .into_iter()
                .map(|p| {
                    let label = crate::loader::bibliography_label(&vault, &p);
                    (p, label)
                })
                .collect();
            drop(vault);
            labelled
                .into_iter()
                .filter_map(|(p, label)| {
                    crate::loader::read_bibliography(&p, crate::sources::Origin::Frontmatter, label)
                })
                .collect::<Vec<_>>()
        })
        .await
        .unwrap_or_default();
        if loaded.is_empty() {
            return;
        }
        {
            self.state.write().sources.set_read_bibliographies(loaded);
            let state = self.state.clone();
            let _ = tokio::task::spawn_blocking(move || {
                state.read().sources.key_candidates();
            })
            .await;
        }
        self.bibliographies_changed().await;
        self.watch_outside_bibliographies().await;
    }

    /// After bibliographies were loaded: show their problems and watch those outside the
    /// vault, which the vault's own watching does not see.
    pub(in crate::lsp) async fn bibliographies_loaded(&self) {
        self.publish_bibliographies().await;
        self.watch_outside_bibliographies().await;
    }

    async fn watch_outside_bibliographies(&self) {
        let (outside, generation): (Vec<PathBuf>, u64) = {
            let vault = self.state.read();
            let outside = vault
                .sources
                .bibliographies()
                .iter()
                .filter(|b| vault.locate(&b.path).is_none())
                .map(|b| b.path.clone())
                .collect();
            (outside, vault.sources.generation())
        };
        if outside.is_empty() {
            return;
        }
        {
            let mut own = self.state.watcher.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(watcher) = own.as_mut() {
                use notify::Watcher;
                for path in &outside {
                    let Some(folder) = path.parent() else {
                        continue;
                    };
                    if let Err(err) = watcher.watch(folder, notify::RecursiveMode::NonRecursive) {
                        tracing::warn!("cannot watch {}: {err}", folder.display());
                    }
                }
                return;
            }
        }
        if !self.state.flags.get().is_some_and(|f| f.dynamic_watch) {
            return;
        }
        let watchers: Vec<FileSystemWatcher> = outside
            .iter()
            .filter_map(|path| {
                Some(FileSystemWatcher {
                    glob_pattern: GlobPattern::Relative(RelativePattern {
                        base_uri: OneOf::Right(uri_of(path.parent()?)?),
                        pattern: path.file_name()?.to_str()?.to_string(),
                    }),
                    kind: None,
                })
            })
            .collect();
        let options = DidChangeWatchedFilesRegistrationOptions { watchers };
        let registration = Registration {
            // One registration per load: ids must be unique, and earlier ones stay valid.
            id: format!("notegraph/bibliographies/{generation}"),
            method: "workspace/didChangeWatchedFiles".to_string(),
            register_options: serde_json::to_value(options).ok(),
        };
        if let Err(err) = self.client.register_capability(vec![registration]).await {
            tracing::warn!("cannot watch bibliographies outside the vault: {err}");
        }
    }

    /// After a bibliography change: every open note's citations may read differently now.
    pub(in crate::lsp) async fn bibliographies_changed(&self) {
        let open: Vec<PathBuf> = self.state.docs.iter().map(|e| e.key().clone()).collect();
        self.publish(open).await;
        self.publish_bibliographies().await;
    }

    /// Publish each bibliography's problems on the bibliography file itself (an empty list
    /// for clean ones, clearing what was shown before).
    pub(in crate::lsp) async fn publish_bibliographies(&self) {
        if !self.state.is_ready() {
            return;
        }
        let encoding = self.state.encoding();
        let batches: Vec<(Uri, Vec<Diagnostic>)> = {
            let vault = self.state.read();
            citations::bibliography_diagnostics(&vault)
                .into_iter()
                .filter_map(|(bib, problems)| {
                    let uri = uri_of(&bib.path)?;
                    let diagnostics = problems
                        .into_iter()
                        .map(|d| Diagnostic {
                            range: Range::new(
                                position(d.start, encoding),
                                position(d.end, encoding),
                            ),
                            severity: Some(severity(d.severity)),
                            source: Some("notegraph".to_string()),
                            message: d.message,
                            ..Diagnostic::default()
                        })
                        .collect();
                    Some((uri, diagnostics))
                })
                .collect()
        };
        for (uri, diagnostics) in batches {
            self.client
                .publish_diagnostics(uri, diagnostics, None)
                .await;
        }
    }
}

/// Definition of a citation: the literature note, or the entry's key in its bibliography.
pub(in crate::lsp) fn definition(
    vault: &Vault,
    id: FileId,
    offset: usize,
    encoding: Encoding,
) -> Option<GotoDefinitionResponse> {
    let location = match citations::definition(vault, id, offset)? {
        Target::Note(loc) => to_location(vault, &loc, encoding)?,
        Target::Entry { path, start, end } => Location::new(
            uri_of(&path)?,
            Range::new(position(start, encoding), position(end, encoding)),
        ),
    };
    Some(GotoDefinitionResponse::Scalar(location))
}
