//! The language server: capability negotiation, document sync, indexing with progress, file
//! watching, and handlers that convert params, query the index and convert the answer.
//!
//! Ordering invariant: notification handlers (`did_open`, `did_change`, `did_close`) apply
//! their change to the state before their first `.await`, so a request that arrives after a
//! change always sees it. Publishing diagnostics comes after.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Instant;

use dashmap::DashMap;
use serde_json::Value;
use tokio::sync::{mpsc, watch};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use super::convert::{Encoding, LineIndex};
use super::document::Document;
use crate::config::Config;
use crate::features::actions::ActionKind;
use crate::features::completion::{Candidates, CompletionKind};
use crate::features::diagnostics::Severity;
use crate::features::outline::SymbolIndex;
use crate::features::refactor::{FileOp, WorkspaceChange};
use crate::features::{self, Location as NoteLocation};
use crate::index::{Change, FileId, Note, Vault, is_note_path};
use crate::loader;
use crate::syntax::Span;

mod cite;

#[derive(Default)]
struct ClientFlags {
    dynamic_watch: bool,
    progress: bool,
    /// The client answers `workspace/configuration`.
    configuration: bool,
}

/// Everything the handlers share.
pub struct State {
    vault: RwLock<Vault>,
    docs: DashMap<PathBuf, Document>,
    encoding: OnceLock<Encoding>,
    flags: OnceLock<ClientFlags>,
    config: RwLock<Config>,
    /// The client's `initializationOptions`, a layer of the configuration kept to rebuild it.
    init_options: OnceLock<Value>,
    exclude: RwLock<loader::Exclude>,
    candidates: Mutex<Option<Arc<Candidates>>>,
    symbols: Mutex<Option<Arc<SymbolIndex>>>,
    ready: watch::Sender<bool>,
    /// The server's own file watcher, for clients that cannot watch for it.
    watcher: Mutex<Option<notify::RecommendedWatcher>>,
    /// Held while a batch of disk changes is read and applied (see `apply_disk_changes`).
    disk_batch: Mutex<()>,
    pub shutdown_requested: AtomicBool,
    /// Configuration problems found during `initialize`, shown once the client is initialized.
    startup_problems: Mutex<Vec<String>>,
}

impl State {
    pub fn new() -> Arc<State> {
        Arc::new(State {
            vault: RwLock::new(Vault::new(Vec::new())),
            docs: DashMap::new(),
            encoding: OnceLock::new(),
            flags: OnceLock::new(),
            config: RwLock::new(Config::default()),
            init_options: OnceLock::new(),
            exclude: RwLock::new(loader::Exclude::default()),
            candidates: Mutex::new(None),
            symbols: Mutex::new(None),
            ready: watch::channel(false).0,
            watcher: Mutex::new(None),
            disk_batch: Mutex::new(()),
            shutdown_requested: AtomicBool::new(false),
            startup_problems: Mutex::new(Vec::new()),
        })
    }

    fn encoding(&self) -> Encoding {
        *self.encoding.get().unwrap_or(&Encoding::Utf16)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vault> {
        self.vault
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn config(&self) -> Config {
        self.config
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Vault> {
        self.vault
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Turns true once the first index is built.
    pub fn ready_signal(&self) -> watch::Receiver<bool> {
        self.ready.subscribe()
    }

    fn is_ready(&self) -> bool {
        *self.ready.borrow()
    }
}

#[derive(Clone)]
pub struct Server {
    client: Client,
    state: Arc<State>,
}

fn path_of(uri: &Uri) -> Option<PathBuf> {
    uri.to_file_path().map(|p| p.into_owned())
}

fn uri_of(path: &Path) -> Option<Uri> {
    Uri::from_file_path(path)
}

/// Whether a path lies in a hidden folder of its root (`.git/`, `.obsidian/`, `.trash/`…).
fn is_hidden(vault: &Vault, path: &Path) -> bool {
    vault
        .roots()
        .iter()
        .filter_map(|root| path.strip_prefix(root).ok())
        .any(|rel| {
            rel.components()
                .any(|c| c.as_os_str().to_str().is_some_and(|s| s.starts_with('.')))
        })
}

/// Whether `path` is a workspace folder or lies inside one (without `..` steps).
fn in_workspace(vault: &Vault, path: &Path) -> bool {
    vault.roots().iter().any(|root| root == path) || vault.locate(path).is_some()
}

/// Whether the ignore files of `path`'s workspace folder ignore it (see `loader::is_ignored`).
fn is_gitignored(vault: &Vault, path: &Path) -> bool {
    let is_dir = path.is_dir();
    vault
        .roots()
        .iter()
        .any(|root| loader::is_ignored(root, path, is_dir))
}

impl Server {
    pub fn new(client: Client, state: Arc<State>) -> Server {
        Server { client, state }
    }

    async fn wait_ready(&self) {
        let mut rx = self.state.ready.subscribe();
        let _ = rx.wait_for(|ready| *ready).await;
    }

    /// Run `f` on the note at `uri` and the byte offset of `position`, once indexing is done.
    async fn at<T>(
        &self,
        uri: &Uri,
        position: Position,
        f: impl FnOnce(&Vault, FileId, usize, Encoding) -> Option<T>,
    ) -> Option<T> {
        self.wait_ready().await;
        let path = path_of(uri)?;
        let vault = self.state.read();
        let id = vault.id(&path)?;
        let note = vault.note(id)?;
        let encoding = self.state.encoding();
        let offset = LineIndex::new(&note.text, encoding).offset(position)?;
        super::catch_panic::debug_panic_point(&note.text, offset);
        f(&vault, id, offset, encoding)
    }

    /// Run `f` on the note at `uri`, once indexing is done.
    async fn on_note<T>(
        &self,
        uri: &Uri,
        f: impl FnOnce(&Vault, FileId, Encoding) -> Option<T>,
    ) -> Option<T> {
        self.wait_ready().await;
        let path = path_of(uri)?;
        let vault = self.state.read();
        let id = vault.id(&path)?;
        f(&vault, id, self.state.encoding())
    }

    fn candidates(&self, vault: &Vault) -> Arc<Candidates> {
        let mut cache = self
            .state
            .candidates
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        match cache.as_ref() {
            Some(c) if c.generation == vault.names_generation() => c.clone(),
            _ => {
                let built = Arc::new(Candidates::build(vault));
                *cache = Some(built.clone());
                built
            }
        }
    }

    /// Open notes holding links filed under the changed keys (besides `except`).
    fn affected_open_notes(
        &self,
        vault: &Vault,
        change: &Change,
        except: Option<&Path>,
    ) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = change
            .keys
            .iter()
            .flat_map(|key| vault.sources_with_key(key))
            .filter_map(|id| vault.get(id).map(|f| f.path.clone()))
            .filter(|path| Some(path.as_path()) != except && self.state.docs.contains_key(path))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Compute and send the diagnostics of open notes.
    async fn publish(&self, paths: Vec<PathBuf>) {
        if !self.state.is_ready() {
            return;
        }
        let encoding = self.state.encoding();
        let config = self.state.config();
        let mut batches = Vec::new();
        {
            let vault = self.state.read();
            for path in paths {
                let Some(uri) = uri_of(&path) else { continue };
                let version = self.state.docs.get(&path).map(|d| d.version);
                let diagnostics = match vault.id(&path) {
                    Some(id) => to_diagnostics(&vault, id, &config, encoding),
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

    /// Bring the index in line with the disk at `path` (created, changed, deleted or a folder).
    fn refresh_from_disk(&self, path: &Path) -> Change {
        if !self.state.docs.contains_key(path) {
            // Bibliographies named by the settings or a note's frontmatter may lie outside the
            // workspace: those, and only those, are read there.
            cite::refresh_bibliography(&self.state, path);
        }
        // Only paths inside a workspace folder are ever read: an event or a closed document
        // elsewhere (or with `..` in it) names nothing of the vault.
        if !in_workspace(&self.state.read(), path) {
            return Change::default();
        }
        if self.state.docs.contains_key(path) {
            // The editor's buffer is the truth for open notes.
            return Change::default();
        }
        if is_hidden(&self.state.read(), path) {
            return Change::default();
        }
        if self.state.exclude.read().is_ok_and(|e| e.is_excluded(path))
            || is_gitignored(&self.state.read(), path)
        {
            // Out of the index too, in case it was indexed before the rule was written.
            let mut vault = self.state.write();
            let mut change = vault.remove(path);
            if path.is_dir() {
                change.merge(vault.remove_under(path));
            }
            return change;
        }
        if path.is_dir() {
            let mut change = Change::default();
            let exclude = self
                .state
                .exclude
                .read()
                .map(|e| e.clone())
                .unwrap_or_default();
            let found: std::collections::HashSet<PathBuf> =
                loader::walk(&[path.to_path_buf()], &exclude)
                    .into_iter()
                    .collect();
            // Files indexed under the folder but no longer in it: their own events were lost
            // (a watcher overflow asks for this rescan) or never sent for a folder's contents.
            let stale: Vec<PathBuf> = self
                .state
                .read()
                .files()
                .map(|(_, f)| &f.path)
                .filter(|p| {
                    p.starts_with(path) && !found.contains(*p) && !self.state.docs.contains_key(*p)
                })
                .cloned()
                .collect();
            for gone in stale {
                change.merge(self.state.write().remove(&gone));
            }
            for file in found {
                change.merge(self.refresh_from_disk(&file));
            }
            return change;
        }
        if path.is_file() {
            if is_note_path(path) {
                return match loader::read_note(path) {
                    Ok(note) => self.state.write().upsert_note(path, note),
                    Err(skip) => {
                        tracing::warn!("skipped {}: {}", skip.path.display(), skip.reason);
                        self.state.write().remove(path)
                    }
                };
            }
            return self.state.write().upsert_attachment(path);
        }
        let mut vault = self.state.write();
        let mut change = vault.remove(path);
        change.merge(vault.remove_under(path));
        change
    }

    /// Re-parse an open note from its buffer, then publish it and the open notes it affects.
    /// Callers have already applied the buffer change, before any `.await`.
    async fn reindex_open(&self, path: PathBuf, text: String) {
        if cite::reindex_bibliography_buffer(&self.state, &path, &text) {
            self.bibliographies_changed().await;
            return;
        }
        let change = self.state.write().upsert_note(&path, Note::parse(text));
        self.load_named_bibliographies(&path).await;
        let mut publish = vec![path.clone()];
        publish.extend(self.affected_open_notes(&self.state.read(), &change, Some(&path)));
        self.publish(publish).await;
    }

    async fn apply_disk_changes(&self, paths: Vec<PathBuf>) {
        // Changes seen while the first index is built wait for it: that index replaces the
        // whole vault when done, and would drop whatever was applied before it.
        self.wait_ready().await;
        let bibliographies = self.state.read().sources.generation();
        let server = self.clone();
        let change = tokio::task::spawn_blocking(move || {
            // One batch at a time: two batches naming one file could read it at different
            // times and store the older text last.
            let _one_batch = server
                .state
                .disk_batch
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            let mut change = Change::default();
            for path in paths {
                change.merge(server.refresh_from_disk(&path));
            }
            change
        })
        .await
        .unwrap_or_default();
        let affected = self.affected_open_notes(&self.state.read(), &change, None);
        self.publish(affected).await;
        let now = self.state.read().sources.generation();
        if now != bibliographies {
            self.bibliographies_changed().await;
        }
    }

    async fn index_workspace(&self) {
        let roots = self.state.read().roots().to_vec();
        let started = Instant::now();
        let flags = self.state.flags.get();
        let progress = if flags.is_some_and(|f| f.progress) {
            let token = ProgressToken::String("notegraph/indexing".to_string());
            match self.client.create_work_done_progress(token.clone()).await {
                Ok(()) => Some(
                    self.client
                        .progress(token, "Indexing notes")
                        .with_percentage(0)
                        .with_message("walking the vault")
                        .begin()
                        .await,
                ),
                Err(err) => {
                    tracing::warn!("client refused a progress token: {err}");
                    None
                }
            }
        } else {
            None
        };

        let (tx, mut rx) = mpsc::unbounded_channel::<(usize, usize)>();
        let load_roots = roots.clone();
        let state = self.state.clone();
        let exclude = self
            .state
            .exclude
            .read()
            .map(|e| e.clone())
            .unwrap_or_default();
        let task = tokio::task::spawn_blocking(move || {
            let loaded = loader::load(&load_roots, &exclude, &|done, total| {
                let _ = tx.send((done, total));
            });
            let (mut vault, skipped) = loaded.into_vault(load_roots);
            cite::load_bibliographies(&state, &mut vault);
            (vault, skipped)
        });
        while let Some((done, total)) = rx.recv().await {
            if let Some(progress) = &progress {
                let percent = (done * 100 / total.max(1)) as u32;
                progress
                    .report_with_message(format!("{done}/{total} notes"), percent)
                    .await;
            }
        }
        let (mut vault, skipped) = match task.await {
            Ok(result) => result,
            Err(err) => {
                tracing::error!("indexing failed: {err}");
                (Vault::new(roots.clone()), Vec::new())
            }
        };
        vault.alias_fallback = self.state.config().alias_fallback;
        let open: Vec<PathBuf>;
        {
            let mut live = self.state.write();
            // Buffers opened while indexing ran are newer than the disk.
            for entry in self.state.docs.iter() {
                vault.upsert_note(entry.key(), Note::parse(entry.value().rope.to_string()));
            }
            open = self.state.docs.iter().map(|e| e.key().clone()).collect();
            let notes = vault.note_count();
            *live = vault;
            tracing::info!(
                "indexed {notes} notes in {} ms ({} files skipped)",
                started.elapsed().as_millis(),
                skipped.len()
            );
        }
        self.state.ready.send_replace(true);
        if let Some(progress) = progress {
            progress.finish_with_message("done").await;
        }
        self.publish(open).await;
        self.bibliographies_loaded().await;
    }

    /// Rebuild the configuration from its layers: files at the root, `initializationOptions`,
    /// then the client's `workspace/configuration` answer (`client`, when there is one).
    /// Returns the problems found.
    fn reconfigure(&self, client: Option<&Value>) -> Vec<String> {
        let roots = self.state.read().roots().to_vec();
        let (mut config, mut problems) = Config::load(roots.first().map(PathBuf::as_path));
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
        self.state.write().alias_fallback = config.alias_fallback;
        *self
            .state
            .exclude
            .write()
            .unwrap_or_else(|p| p.into_inner()) = loader::Exclude::new(&roots, &config.exclude);
        *self.state.config.write().unwrap_or_else(|p| p.into_inner()) = config;
        problems
    }

    async fn report_config_problems(&self, problems: Vec<String>) {
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
    async fn pull_configuration(&self) -> Option<Value> {
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

    async fn watch_files(&self) {
        let dynamic = self.state.flags.get().is_some_and(|f| f.dynamic_watch);
        if dynamic {
            let options = DidChangeWatchedFilesRegistrationOptions {
                watchers: vec![FileSystemWatcher {
                    glob_pattern: GlobPattern::String("**/*".to_string()),
                    kind: None,
                }],
            };
            let registration = Registration {
                id: "notegraph/watched-files".to_string(),
                method: "workspace/didChangeWatchedFiles".to_string(),
                register_options: serde_json::to_value(options).ok(),
            };
            if let Err(err) = self.client.register_capability(vec![registration]).await {
                tracing::warn!("client refused file watching ({err}); watching files ourselves");
            } else {
                return;
            }
        }
        let roots = self.state.read().roots().to_vec();
        let (tx, mut rx) = mpsc::unbounded_channel::<Vec<PathBuf>>();
        let rescan = roots.clone();
        let watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| match event {
                // The kernel's event queue overflowed: some changes are unknown, so look at
                // every folder again.
                Ok(event) if event.need_rescan() => {
                    tracing::warn!("the file watcher lost events; rescanning the vault");
                    let _ = tx.send(rescan.clone());
                }
                // Reads (our own loader's among them) change nothing; handling them would re-read
                // every note the loader opens.
                Ok(event) if matches!(event.kind, notify::EventKind::Access(_)) => {}
                Ok(event) => {
                    let _ = tx.send(event.paths);
                }
                Err(err) => tracing::warn!("file watcher: {err}"),
            });
        let mut watcher = match watcher {
            Ok(w) => w,
            Err(err) => {
                tracing::error!(
                    "cannot watch files: {err}; changes made outside the editor will not be seen"
                );
                return;
            }
        };
        use notify::Watcher;
        for root in &roots {
            if let Err(err) = watcher.watch(root, notify::RecursiveMode::Recursive) {
                tracing::error!("cannot watch {}: {err}", root.display());
            }
        }
        *self.state.watcher.lock().unwrap_or_else(|p| p.into_inner()) = Some(watcher);
        let server = self.clone();
        tokio::spawn(async move {
            while let Some(mut paths) = rx.recv().await {
                // Coalesce a burst (a checkout, a sync) into one pass.
                while let Ok(more) = rx.try_recv() {
                    paths.extend(more);
                }
                paths.sort();
                paths.dedup();
                server.apply_disk_changes(paths).await;
            }
        });
    }
}

fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Information => DiagnosticSeverity::INFORMATION,
        Severity::Hint => DiagnosticSeverity::HINT,
    }
}

fn to_location(vault: &Vault, loc: &NoteLocation, encoding: Encoding) -> Option<Location> {
    let file = vault.get(loc.file)?;
    let uri = uri_of(&file.path)?;
    let text = file.note().map_or("", |n| &n.text);
    Some(Location::new(
        uri,
        LineIndex::new(text, encoding).range(loc.span),
    ))
}

/// Many locations at once: one line index per file, not per location (a hub note can have
/// 100,000 backlinks in a single source).
fn to_locations(vault: &Vault, locs: &[NoteLocation], encoding: Encoding) -> Vec<Location> {
    let mut indexes: std::collections::HashMap<FileId, (Uri, LineIndex<'_>)> =
        std::collections::HashMap::new();
    let mut out = Vec::with_capacity(locs.len());
    for loc in locs {
        let Some(file) = vault.get(loc.file) else {
            continue;
        };
        let (uri, index) = match indexes.entry(loc.file) {
            std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::hash_map::Entry::Vacant(entry) => {
                let Some(uri) = uri_of(&file.path) else {
                    continue;
                };
                let text = file.note().map_or("", |n| &n.text);
                entry.insert((uri, LineIndex::new(text, encoding)))
            }
        };
        out.push(Location::new(uri.clone(), index.range(loc.span)));
    }
    out
}

/// A refactor's change as the protocol's `WorkspaceEdit`: versioned text edits first (on the
/// files' current URIs), then file operations, in `documentChanges` so that renames are in it.
fn to_workspace_edit(
    vault: &Vault,
    docs: &DashMap<PathBuf, Document>,
    change: WorkspaceChange,
    encoding: Encoding,
) -> WorkspaceEdit {
    let mut ops = Vec::new();
    for (id, edits) in change.edits {
        let Some(file) = vault.get(id) else { continue };
        let Some(uri) = uri_of(&file.path) else {
            continue;
        };
        let text = file.note().map_or("", |n| &n.text);
        let index = LineIndex::new(text, encoding);
        ops.push(DocumentChangeOperation::Edit(TextDocumentEdit {
            text_document: OptionalVersionedTextDocumentIdentifier {
                uri,
                version: docs.get(&file.path).map(|d| d.version),
            },
            edits: edits
                .into_iter()
                .map(|e| OneOf::Left(TextEdit::new(index.range(e.span), e.text)))
                .collect(),
        }));
    }
    for op in change.ops {
        match op {
            FileOp::Rename { from, to } => {
                let (Some(old_uri), Some(new_uri)) = (uri_of(&from), uri_of(&to)) else {
                    continue;
                };
                ops.push(DocumentChangeOperation::Op(ResourceOp::Rename(
                    RenameFile {
                        old_uri,
                        new_uri,
                        options: Some(RenameFileOptions {
                            overwrite: Some(false),
                            ignore_if_exists: Some(false),
                        }),
                        annotation_id: None,
                    },
                )));
            }
            FileOp::Create { path, text } => {
                let Some(uri) = uri_of(&path) else { continue };
                ops.push(DocumentChangeOperation::Op(ResourceOp::Create(
                    CreateFile {
                        uri: uri.clone(),
                        options: Some(CreateFileOptions {
                            overwrite: Some(false),
                            ignore_if_exists: Some(true),
                        }),
                        annotation_id: None,
                    },
                )));
                if !text.is_empty() {
                    ops.push(DocumentChangeOperation::Edit(TextDocumentEdit {
                        text_document: OptionalVersionedTextDocumentIdentifier {
                            uri,
                            version: None,
                        },
                        edits: vec![OneOf::Left(TextEdit::new(
                            Range::new(Position::new(0, 0), Position::new(0, 0)),
                            text,
                        ))],
                    }));
                }
            }
        }
    }
    WorkspaceEdit {
        document_changes: Some(DocumentChanges::Operations(ops)),
        ..WorkspaceEdit::default()
    }
}

/// A request the server understood but cannot carry out (LSP's `RequestFailed`), with the
/// reason for the user.
fn request_failed(message: impl Into<String>) -> Error {
    Error {
        code: tower_lsp_server::jsonrpc::ErrorCode::ServerError(-32803),
        message: message.into().into(),
        data: None,
    }
}

fn to_diagnostics(
    vault: &Vault,
    id: FileId,
    config: &Config,
    encoding: Encoding,
) -> Vec<Diagnostic> {
    let Some(note) = vault.note(id) else {
        return Vec::new();
    };
    let index = LineIndex::new(&note.text, encoding);
    config
        .apply_severity(features::diagnostics::diagnostics(vault, id))
        .into_iter()
        .map(|d| Diagnostic {
            range: index.range(d.span),
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

fn completion_kind(kind: CompletionKind) -> CompletionItemKind {
    match kind {
        CompletionKind::Note => CompletionItemKind::FILE,
        CompletionKind::Alias => CompletionItemKind::REFERENCE,
        CompletionKind::Attachment => CompletionItemKind::FILE,
        CompletionKind::Heading => CompletionItemKind::REFERENCE,
        CompletionKind::Block => CompletionItemKind::REFERENCE,
        CompletionKind::Tag => CompletionItemKind::KEYWORD,
        CompletionKind::Citation => CompletionItemKind::REFERENCE,
    }
}

fn roots_from(params: &InitializeParams) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = params
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|folder| path_of(&folder.uri))
        .collect();
    #[allow(deprecated)]
    if roots.is_empty() {
        if let Some(path) = params.root_uri.as_ref().and_then(path_of) {
            roots.push(path);
        } else if let Some(path) = &params.root_path {
            roots.push(PathBuf::from(path));
        }
    }
    roots
}

impl LanguageServer for Server {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let utf8 = params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_ref())
            .is_some_and(|encodings| encodings.contains(&PositionEncodingKind::UTF8));
        let encoding = if utf8 {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        };
        let _ = self.state.encoding.set(encoding);
        let flags = ClientFlags {
            dynamic_watch: params
                .capabilities
                .workspace
                .as_ref()
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|w| w.dynamic_registration)
                .unwrap_or(false),
            progress: params
                .capabilities
                .window
                .as_ref()
                .and_then(|w| w.work_done_progress)
                .unwrap_or(false),
            configuration: params
                .capabilities
                .workspace
                .as_ref()
                .and_then(|w| w.configuration)
                .unwrap_or(false),
        };
        let _ = self.state.flags.set(flags);
        let _ = self
            .state
            .init_options
            .set(params.initialization_options.clone().unwrap_or(Value::Null));
        let roots = roots_from(&params);
        if roots.is_empty() {
            tracing::warn!(
                "no workspace folder given: only links between open notes in no folder can be seen"
            );
        }
        tracing::info!(
            "workspace folders: {:?}; position encoding {:?}",
            roots,
            encoding
        );
        *self.state.write() = Vault::new(roots);
        let problems = self.reconfigure(None);
        *self
            .state
            .startup_problems
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = problems;
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(if utf8 {
                    PositionEncodingKind::UTF8
                } else {
                    PositionEncodingKind::UTF16
                }),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        ..TextDocumentSyncOptions::default()
                    },
                )),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(vec![
                        "[".into(),
                        "#".into(),
                        "^".into(),
                        "/".into(),
                        "@".into(),
                    ]),
                    ..CompletionOptions::default()
                }),
                definition_provider: Some(OneOf::Left(true)),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                references_provider: Some(OneOf::Left(true)),
                document_symbol_provider: Some(OneOf::Left(true)),
                workspace_symbol_provider: Some(OneOf::Left(true)),
                folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
                document_link_provider: Some(DocumentLinkOptions {
                    resolve_provider: Some(false),
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                }),
                semantic_tokens_provider: Some(
                    SemanticTokensServerCapabilities::SemanticTokensOptions(
                        SemanticTokensOptions {
                            legend: SemanticTokensLegend {
                                token_types: TOKEN_TYPES
                                    .iter()
                                    .map(|t| SemanticTokenType::new(t))
                                    .collect(),
                                token_modifiers: Vec::new(),
                            },
                            full: Some(SemanticTokensFullOptions::Bool(true)),
                            range: Some(false),
                            ..SemanticTokensOptions::default()
                        },
                    ),
                ),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![
                            CodeActionKind::QUICKFIX,
                            CodeActionKind::REFACTOR_REWRITE,
                        ]),
                        ..CodeActionOptions::default()
                    },
                )),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: vec![OPEN_COMMAND.to_string()],
                    ..ExecuteCommandOptions::default()
                }),
                rename_provider: Some(OneOf::Right(RenameOptions {
                    prepare_provider: Some(true),
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                })),
                workspace: Some(WorkspaceServerCapabilities {
                    workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                        supported: Some(true),
                        change_notifications: Some(OneOf::Left(true)),
                    }),
                    file_operations: Some(WorkspaceFileOperationsServerCapabilities {
                        will_rename: Some(FileOperationRegistrationOptions {
                            filters: vec![FileOperationFilter {
                                scheme: Some("file".to_string()),
                                pattern: FileOperationPattern {
                                    glob: "**/*".to_string(),
                                    matches: None,
                                    options: None,
                                },
                            }],
                        }),
                        ..WorkspaceFileOperationsServerCapabilities::default()
                    }),
                }),
                ..ServerCapabilities::default()
            },
            server_info: Some(ServerInfo {
                name: "notegraph".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        let problems = std::mem::take(
            &mut *self
                .state
                .startup_problems
                .lock()
                .unwrap_or_else(|p| p.into_inner()),
        );
        self.report_config_problems(problems).await;
        self.pull_configuration().await;
        self.watch_files().await;
        let server = self.clone();
        tokio::spawn(async move { server.index_workspace().await });
    }

    async fn shutdown(&self) -> Result<()> {
        self.state.shutdown_requested.store(true, Ordering::SeqCst);
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let Some(path) = path_of(&params.text_document.uri) else {
            tracing::warn!(
                "ignoring a document that is not a file: {}",
                params.text_document.uri.as_str()
            );
            return;
        };
        let text = params.text_document.text;
        self.state.docs.insert(
            path.clone(),
            Document::new(&text, params.text_document.version),
        );
        self.reindex_open(path, text).await;
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let Some(path) = path_of(&params.text_document.uri) else {
            return;
        };
        let encoding = self.state.encoding();
        let text = {
            let Some(mut doc) = self.state.docs.get_mut(&path) else {
                tracing::warn!(
                    "didChange for a document that is not open: {}",
                    path.display()
                );
                return;
            };
            if params.text_document.version <= doc.version {
                tracing::warn!(
                    "ignoring stale change to {} (version {} after {})",
                    path.display(),
                    params.text_document.version,
                    doc.version
                );
                return;
            }
            let mut updated = Document::new("", params.text_document.version);
            updated.rope = doc.rope.clone();
            for change in &params.content_changes {
                if let Err(err) = updated.apply(change, encoding) {
                    tracing::error!("refusing a change to {}: {err}", path.display());
                    return;
                }
            }
            *doc = updated;
            doc.rope.to_string()
        };
        self.reindex_open(path, text).await;
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let Some(path) = path_of(&params.text_document.uri) else {
            return;
        };
        self.state.docs.remove(&path);
        // Unsaved edits are gone with the buffer: the disk is the truth again.
        self.apply_disk_changes(vec![path.clone()]).await;
        if let Some(uri) = uri_of(&path) {
            self.client.publish_diagnostics(uri, Vec::new(), None).await;
        }
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        let mut roots = self.state.read().roots().to_vec();
        for gone in params.event.removed.iter().filter_map(|f| path_of(&f.uri)) {
            roots.retain(|r| *r != gone);
        }
        for added in params.event.added.iter().filter_map(|f| path_of(&f.uri)) {
            if !roots.contains(&added) {
                roots.push(added);
            }
        }
        tracing::info!("workspace folders now {roots:?}; indexing again");
        // Requests wait for the new index rather than answer from a half-built one.
        self.state.ready.send_replace(false);
        *self.state.write() = Vault::new(roots);
        let problems = self.reconfigure(None);
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
        let server = self.clone();
        tokio::spawn(async move { server.index_workspace().await });
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        let before = self.state.config();
        if self.pull_configuration().await.is_none() {
            // Clients that cannot be asked push their settings here.
            let value = params
                .settings
                .get("notegraph")
                .cloned()
                .unwrap_or(params.settings);
            let problems = self.reconfigure(Some(&value));
            self.report_config_problems(problems).await;
        }
        let after = self.state.config();
        if after.exclude != before.exclude
            || after.citations.bibliography != before.citations.bibliography
        {
            let server = self.clone();
            tokio::spawn(async move { server.index_workspace().await });
        } else if after != before {
            let open: Vec<PathBuf> = self.state.docs.iter().map(|e| e.key().clone()).collect();
            self.publish(open).await;
        }
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let paths: Vec<PathBuf> = params
            .changes
            .iter()
            .filter_map(|c| path_of(&c.uri))
            .collect();
        self.apply_disk_changes(paths).await;
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let pos = params.text_document_position;
        let config = self.state.config();
        let limit = config.completion_limit;
        let style = features::completion::InsertStyle {
            target: config.link_style,
            markdown: config.markdown_links,
        };
        Ok(self
            .at(
                &pos.text_document.uri,
                pos.position,
                |vault, id, offset, encoding| {
                    let candidates = self.candidates(vault);
                    let list = features::completion::complete(
                        vault,
                        &candidates,
                        id,
                        offset,
                        limit,
                        style,
                    )?;
                    let index = LineIndex::new(&vault.note(id)?.text, encoding);
                    let items = list
                        .items
                        .into_iter()
                        .enumerate()
                        .map(|(rank, c)| CompletionItem {
                            label: c.label,
                            kind: Some(completion_kind(c.kind)),
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
                        is_incomplete: list.incomplete,
                        items,
                    }))
                },
            )
            .await)
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let pos = params.text_document_position_params;
        Ok(self
            .at(
                &pos.text_document.uri,
                pos.position,
                |vault, id, offset, encoding| {
                    if let Some(cited) = cite::definition(vault, id, offset, encoding) {
                        return Some(cited);
                    }
                    let target = features::definition::definition(vault, id, offset)?;
                    Some(GotoDefinitionResponse::Scalar(to_location(
                        vault, &target, encoding,
                    )?))
                },
            )
            .await)
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let pos = params.text_document_position_params;
        Ok(self
            .at(
                &pos.text_document.uri,
                pos.position,
                |vault, id, offset, encoding| {
                    let hover = features::hover::hover(vault, id, offset)?;
                    let index = LineIndex::new(&vault.note(id)?.text, encoding);
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

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let pos = params.text_document_position;
        let found = self
            .at(
                &pos.text_document.uri,
                pos.position,
                |vault, id, offset, encoding| {
                    let locations = features::references::references(vault, id, offset);
                    Some(to_locations(vault, &locations, encoding))
                },
            )
            .await;
        Ok(found)
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        Ok(self
            .on_note(&params.text_document.uri, |vault, id, encoding| {
                let index = LineIndex::new(&vault.note(id)?.text, encoding);
                fn convert(
                    symbols: Vec<features::outline::Symbol>,
                    index: &LineIndex,
                ) -> Vec<DocumentSymbol> {
                    symbols
                        .into_iter()
                        .map(|s| {
                            #[allow(deprecated)]
                            DocumentSymbol {
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
                                children: Some(convert(s.children, index)),
                            }
                        })
                        .collect()
                }
                let symbols = features::outline::document_symbols(vault, id);
                Some(DocumentSymbolResponse::Nested(convert(symbols, &index)))
            })
            .await)
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        self.wait_ready().await;
        let encoding = self.state.encoding();
        let limit = self.state.config().completion_limit.max(100);
        let vault = self.state.read();
        let index = {
            let mut cache = self.state.symbols.lock().unwrap_or_else(|p| p.into_inner());
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

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        Ok(self
            .on_note(&params.text_document.uri, |vault, id, encoding| {
                let index = LineIndex::new(&vault.note(id)?.text, encoding);
                Some(
                    features::outline::folding_ranges(vault, id)
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

    async fn document_link(&self, params: DocumentLinkParams) -> Result<Option<Vec<DocumentLink>>> {
        Ok(self
            .on_note(&params.text_document.uri, |vault, id, encoding| {
                let index = LineIndex::new(&vault.note(id)?.text, encoding);
                Some(
                    features::outline::document_links(vault, id)
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

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        Ok(self
            .on_note(&params.text_document.uri, |vault, id, encoding| {
                let index = LineIndex::new(&vault.note(id)?.text, encoding);
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

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let config = self.state.config();
        let context = params.context.diagnostics;
        let actions = self
            .at(
                &params.text_document.uri,
                params.range.start,
                |vault, id, offset, encoding| {
                    let mut actions = features::actions::actions(vault, id, offset, &config);
                    actions.extend(features::citations::literature_note_actions(
                        vault,
                        id,
                        offset,
                        &config.citations,
                    ));
                    Some(
                        actions
                            .into_iter()
                            .map(|action| {
                                let diagnostics: Vec<Diagnostic> = context
                                    .iter()
                                    .filter(|d| {
                                        action.fixes.is_some_and(|k| {
                                            d.code
                                                == Some(NumberOrString::String(
                                                    k.code().to_string(),
                                                ))
                                        })
                                    })
                                    .cloned()
                                    .collect();
                                let command = action.open.as_deref().and_then(uri_of).map(|uri| {
                                    Command::new(
                                        "Open the new note".to_string(),
                                        OPEN_COMMAND.to_string(),
                                        Some(vec![Value::String(uri.as_str().to_string())]),
                                    )
                                });
                                CodeActionOrCommand::CodeAction(CodeAction {
                                    title: action.title,
                                    kind: Some(match action.kind {
                                        ActionKind::QuickFix => CodeActionKind::QUICKFIX,
                                        ActionKind::Rewrite => CodeActionKind::REFACTOR_REWRITE,
                                    }),
                                    diagnostics: (!diagnostics.is_empty()).then_some(diagnostics),
                                    edit: Some(to_workspace_edit(
                                        vault,
                                        &self.state.docs,
                                        action.change,
                                        encoding,
                                    )),
                                    command,
                                    is_preferred: action.preferred.then_some(true),
                                    ..CodeAction::default()
                                })
                            })
                            .collect::<Vec<_>>(),
                    )
                },
            )
            .await;
        Ok(actions.filter(|a| !a.is_empty()))
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<Value>> {
        if params.command != OPEN_COMMAND {
            return Err(Error::invalid_params(format!(
                "unknown command {}",
                params.command
            )));
        }
        let Some(uri) = params
            .arguments
            .first()
            .and_then(Value::as_str)
            .and_then(|s| Uri::from_str(s).ok())
        else {
            return Err(Error::invalid_params("notegraph.open takes a file URI"));
        };
        let shown = self
            .client
            .show_document(ShowDocumentParams {
                uri,
                external: Some(false),
                take_focus: Some(true),
                selection: None,
            })
            .await;
        if let Err(err) = shown {
            tracing::info!("client cannot show the new note: {err}");
        }
        Ok(None)
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        let answer = self
            .at(
                &params.text_document.uri,
                params.position,
                |vault, id, offset, encoding| {
                    let index = LineIndex::new(&vault.note(id)?.text, encoding);
                    Some(features::refactor::prepare_rename(vault, id, offset).map(
                        |(_, span, placeholder)| PrepareRenameResponse::RangeWithPlaceholder {
                            range: index.range(span),
                            placeholder,
                        },
                    ))
                },
            )
            .await;
        match answer {
            None => Ok(None),
            Some(Ok(response)) => Ok(Some(response)),
            Some(Err(message)) => Err(request_failed(message)),
        }
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        self.wait_ready().await;
        let pos = params.text_document_position;
        let Some(path) = path_of(&pos.text_document.uri) else {
            return Ok(None);
        };
        let encoding = self.state.encoding();
        // Moves are computed by relocating files in the index and back: a write lock, held
        // only for that computation.
        let mut vault = self.state.write();
        let Some(id) = vault.id(&path) else {
            return Ok(None);
        };
        let Some(offset) = vault
            .note(id)
            .and_then(|n| LineIndex::new(&n.text, encoding).offset(pos.position))
        else {
            return Err(Error::invalid_params("the position is not in the document"));
        };
        let change = features::refactor::rename(&mut vault, id, offset, &params.new_name)
            .map_err(request_failed)?;
        Ok(Some(to_workspace_edit(
            &vault,
            &self.state.docs,
            change,
            encoding,
        )))
    }

    async fn will_rename_files(&self, params: RenameFilesParams) -> Result<Option<WorkspaceEdit>> {
        self.wait_ready().await;
        let encoding = self.state.encoding();
        let mut vault = self.state.write();
        let mut moves = Vec::new();
        for file in &params.files {
            let (Some(from), Some(to)) = (
                Uri::from_str(&file.old_uri).ok().as_ref().and_then(path_of),
                Uri::from_str(&file.new_uri).ok().as_ref().and_then(path_of),
            ) else {
                continue;
            };
            // A folder moves every file under it.
            let under: Vec<(FileId, PathBuf)> = vault
                .files()
                .filter(|(_, f)| f.path.starts_with(&from))
                .filter_map(|(id, f)| {
                    let rest = f.path.strip_prefix(&from).ok()?;
                    let dest = if rest.as_os_str().is_empty() {
                        to.clone()
                    } else {
                        to.join(rest)
                    };
                    Some((id, dest))
                })
                .collect();
            moves.extend(under);
        }
        if moves.is_empty() {
            return Ok(None);
        }
        match features::refactor::move_files(&mut vault, &moves, false) {
            Ok(change) if change.edits.is_empty() => Ok(None),
            Ok(change) => Ok(Some(to_workspace_edit(
                &vault,
                &self.state.docs,
                change,
                encoding,
            ))),
            Err(message) => {
                tracing::warn!("links cannot follow this move: {message}");
                Ok(None)
            }
        }
    }
}

/// Semantic token types, in the order of [`features::outline::TokenKind`].
const TOKEN_TYPES: [&str; 4] = ["link", "unresolvedLink", "ambiguousLink", "tag"];

/// The command a "create note" action runs after its edit: show the new note.
const OPEN_COMMAND: &str = "notegraph.open";

/// An internal error answer, for handlers that fail in a way the client should see.
#[allow(dead_code)]
fn internal(message: impl Into<String>) -> Error {
    Error {
        code: tower_lsp_server::jsonrpc::ErrorCode::InternalError,
        message: message.into().into(),
        data: None,
    }
}
