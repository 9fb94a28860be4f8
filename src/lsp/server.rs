//! The language server: capability negotiation, document sync, indexing with progress, file
//! watching, and handlers that convert params, query the index and convert the answer.
//!
//! Ordering invariant: notification handlers (`did_open`, `did_change`, `did_close`) apply
//! their change to the state before their first `.await`, so a request that arrives after a
//! change always sees it. Publishing diagnostics comes after.

use std::path::{Path, PathBuf};
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
use crate::features::completion::{Candidates, CompletionKind};
use crate::features::diagnostics::Severity;
use crate::features::{self, Location as NoteLocation};
use crate::index::{Change, FileId, Note, Vault, is_note_path};
use crate::loader;

/// Settings a client can pass in `initializationOptions`.
#[derive(Clone, Debug)]
pub struct Settings {
    pub alias_fallback: bool,
    pub completion_limit: usize,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            alias_fallback: true,
            completion_limit: 50,
        }
    }
}

impl Settings {
    fn from_json(value: Option<&Value>) -> Settings {
        let mut settings = Settings::default();
        let Some(Value::Object(map)) = value else {
            return settings;
        };
        for (key, value) in map {
            match (key.as_str(), value) {
                ("aliasFallback", Value::Bool(b)) => settings.alias_fallback = *b,
                ("completion", Value::Object(c)) => {
                    if let Some(limit) = c.get("limit").and_then(Value::as_u64) {
                        settings.completion_limit = (limit as usize).clamp(1, 10_000);
                    }
                }
                _ => tracing::warn!("unknown or ill-typed setting {key:?} = {value}; ignored"),
            }
        }
        settings
    }
}

#[derive(Default)]
struct ClientFlags {
    dynamic_watch: bool,
    progress: bool,
}

/// Everything the handlers share.
pub struct State {
    vault: RwLock<Vault>,
    docs: DashMap<PathBuf, Document>,
    encoding: OnceLock<Encoding>,
    flags: OnceLock<ClientFlags>,
    settings: RwLock<Settings>,
    candidates: Mutex<Option<Arc<Candidates>>>,
    ready: watch::Sender<bool>,
    /// The server's own file watcher, for clients that cannot watch for it.
    watcher: Mutex<Option<notify::RecommendedWatcher>>,
    /// Held while a batch of disk changes is read and applied (see `apply_disk_changes`).
    disk_batch: Mutex<()>,
    pub shutdown_requested: AtomicBool,
}

impl State {
    pub fn new() -> Arc<State> {
        Arc::new(State {
            vault: RwLock::new(Vault::new(Vec::new())),
            docs: DashMap::new(),
            encoding: OnceLock::new(),
            flags: OnceLock::new(),
            settings: RwLock::new(Settings::default()),
            candidates: Mutex::new(None),
            ready: watch::channel(false).0,
            watcher: Mutex::new(None),
            disk_batch: Mutex::new(()),
            shutdown_requested: AtomicBool::new(false),
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

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Vault> {
        self.vault
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
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
        let mut batches = Vec::new();
        {
            let vault = self.state.read();
            for path in paths {
                let Some(uri) = uri_of(&path) else { continue };
                let version = self.state.docs.get(&path).map(|d| d.version);
                let diagnostics = match vault.id(&path) {
                    Some(id) => to_diagnostics(&vault, id, encoding),
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
        if path.is_dir() {
            let mut change = Change::default();
            let found: std::collections::HashSet<PathBuf> =
                loader::walk(&[path.to_path_buf()]).into_iter().collect();
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
        let change = self.state.write().upsert_note(&path, Note::parse(text));
        let mut publish = vec![path.clone()];
        publish.extend(self.affected_open_notes(&self.state.read(), &change, Some(&path)));
        self.publish(publish).await;
    }

    async fn apply_disk_changes(&self, paths: Vec<PathBuf>) {
        // Changes seen while the first index is built wait for it: that index replaces the
        // whole vault when done, and would drop whatever was applied before it.
        self.wait_ready().await;
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
        let task = tokio::task::spawn_blocking(move || {
            let loaded = loader::load(&load_roots, &|done, total| {
                let _ = tx.send((done, total));
            });
            loaded.into_vault(load_roots)
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
        vault.alias_fallback = self
            .state
            .settings
            .read()
            .map(|s| s.alias_fallback)
            .unwrap_or(true);
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

fn to_diagnostics(vault: &Vault, id: FileId, encoding: Encoding) -> Vec<Diagnostic> {
    let Some(note) = vault.note(id) else {
        return Vec::new();
    };
    let index = LineIndex::new(&note.text, encoding);
    features::diagnostics::diagnostics(vault, id)
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
        };
        let _ = self.state.flags.set(flags);
        let settings = Settings::from_json(params.initialization_options.as_ref());
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
        {
            let mut vault = self.state.write();
            *vault = Vault::new(roots);
            vault.alias_fallback = settings.alias_fallback;
        }
        if let Ok(mut s) = self.state.settings.write() {
            *s = settings;
        }
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
                    trigger_characters: Some(vec!["[".into(), "#".into(), "^".into(), "/".into()]),
                    ..CompletionOptions::default()
                }),
                definition_provider: Some(OneOf::Left(true)),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                references_provider: Some(OneOf::Left(true)),
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
        let limit = self
            .state
            .settings
            .read()
            .map(|s| s.completion_limit)
            .unwrap_or(50);
        Ok(self
            .at(
                &pos.text_document.uri,
                pos.position,
                |vault, id, offset, encoding| {
                    let candidates = self.candidates(vault);
                    let list =
                        features::completion::complete(vault, &candidates, id, offset, limit)?;
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
}

/// An internal error answer, for handlers that fail in a way the client should see.
#[allow(dead_code)]
fn internal(message: impl Into<String>) -> Error {
    Error {
        code: tower_lsp_server::jsonrpc::ErrorCode::InternalError,
        message: message.into().into(),
        data: None,
    }
}
