//! The server's shared state — the vault index, open documents, negotiated client facts,
//! configuration and caches —, the `Server` handle every handler gets (the client and the
//! state, with the helpers that run a request against an indexed note), and the helpers that
//! say whether a path belongs to the vault.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use dashmap::DashMap;
use serde_json::Value;
use tokio::sync::watch;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::{Position, Uri};

use super::convert::{Encoding, LineIndex};
use super::document::Document;
use crate::config::Config;
use crate::features::completion::Candidates;
use crate::features::outline::SymbolIndex;
use crate::index::{FileId, Vault};
use crate::loader;

#[derive(Default)]
pub(in crate::lsp) struct ClientFlags {
    pub(in crate::lsp) dynamic_watch: bool,
    pub(in crate::lsp) progress: bool,
    /// The client answers `workspace/configuration`.
    pub(in crate::lsp) configuration: bool,
    /// The client pulls diagnostics (`textDocument/diagnostic`): nothing is pushed to it.
    pub(in crate::lsp) pull: bool,
    /// The client accepts `workspace/diagnostic/refresh`.
    pub(in crate::lsp) pull_refresh: bool,
    /// The client shows a completion item's `labelDetails` in the list.
    pub(in crate::lsp) label_details: bool,
}

/// Index builds in flight. A build reads the disk for a while; whatever changes meanwhile
/// must not be lost when it installs its index, and an older build must not install over a
/// newer one (a workspace folder added and at once removed).
#[derive(Default)]
pub(in crate::lsp) struct Reindex {
    /// The generation of the newest build started; only that build may install its index.
    pub(in crate::lsp) latest: u64,
    /// The generation of the index in use.
    pub(in crate::lsp) installed: u64,
    /// Paths changed on disk while a build ran, applied again once it is installed.
    pub(in crate::lsp) pending: Vec<PathBuf>,
}

/// Paths of notes taken from the on-disk index and not yet checked, with their cached stamps.
/// Keyed by `PathBuf`, not by the path's bytes (faster to hash): a request's path equal as a
/// `Path` but spelled otherwise would miss, and a miss counts as verified.
pub(in crate::lsp) type Unverified = rustc_hash::FxHashMap<PathBuf, crate::index::Stamp>;

/// Everything the handlers share.
pub struct State {
    pub(in crate::lsp) vault: RwLock<Vault>,
    pub(in crate::lsp) docs: DashMap<PathBuf, Document>,
    pub(in crate::lsp) encoding: OnceLock<Encoding>,
    pub(in crate::lsp) flags: OnceLock<ClientFlags>,
    pub(in crate::lsp) config: RwLock<Arc<Config>>,
    /// Bumped on every configuration change: part of pulled diagnostics' result ids.
    pub(in crate::lsp) config_epoch: std::sync::atomic::AtomicU64,
    /// (links, bibliographies, configuration) generations a pulling client was last asked to
    /// refresh at.
    pub(in crate::lsp) pull_refreshed: Mutex<(u64, u64, u64)>,
    /// A background scan of the vault's unlinked mentions is running.
    pub(in crate::lsp) mention_scan: AtomicBool,
    /// The client's `initializationOptions`, a layer of the configuration kept to rebuild it.
    pub(in crate::lsp) init_options: OnceLock<Value>,
    /// The client's last `notegraph` settings (answered or pushed), the top layer of the
    /// configuration, kept to rebuild it when a settings file changes on disk.
    pub(in crate::lsp) client_settings: Mutex<Option<Value>>,
    pub(in crate::lsp) exclude: RwLock<loader::Exclude>,
    pub(in crate::lsp) candidates: Mutex<Option<Arc<Candidates>>>,
    /// Large answers written to text by their handlers (see `raw`).
    pub(in crate::lsp) raw: Arc<crate::lsp::raw::RawAnswers>,
    pub(in crate::lsp) symbols: Mutex<Option<Arc<SymbolIndex>>>,
    pub(in crate::lsp) ready: watch::Sender<bool>,
    /// Turns true once an index is installed, perhaps before its notes from the on-disk index
    /// are verified (`ready` says they are): the requests whose answers can be checked note by
    /// note (`Server::at_checked`) are served from then on.
    pub(in crate::lsp) serving: watch::Sender<bool>,
    /// True while the live vault is a restart's sketch (names alone, `loader::load_sketch`):
    /// `Server::at_checked`'s callers answer only what names decide, and the vault is never
    /// written to the on-disk index. Its properties, citation keys and folder index are not
    /// filed (`Vault::insert_names`): nothing answered from a sketch may read them. Read and
    /// written under the vault's lock.
    pub(in crate::lsp) sketch: watch::Sender<bool>,
    /// True once the first file watching is set up (the client's, or ours armed): a restart's
    /// full load walks the vault only after it (see `index_workspace`).
    pub(in crate::lsp) watching: watch::Sender<bool>,
    /// True once the first index build is past its sketch (made, or not needed): our own
    /// watcher is armed only then, as arming it walks the whole tree and would take a core
    /// from the sketch (see `watch_files`).
    pub(in crate::lsp) sketched: watch::Sender<bool>,
    /// True once the client has answered what the server asks it at startup (the
    /// registration of file watching; configuration and the progress token are answered
    /// before any index serves): the input guard holds the client's requests until then, as
    /// requests waiting for the full index — which waits for watching — could otherwise fill
    /// the transport before the answer is read (see `framing`).
    pub(in crate::lsp) asked: watch::Sender<bool>,
    /// Notes taken from the on-disk index and not yet checked against their files, with the
    /// stamp the index holds for each; emptied when the background verification ends.
    pub(in crate::lsp) unverified: Mutex<Unverified>,
    /// The server's own file watcher, for clients that cannot watch for it.
    pub(in crate::lsp) watcher: Mutex<Option<notify::RecommendedWatcher>>,
    /// The server's own watcher of the settings files, kept whoever watches the rest
    /// (`watch.rs`, `watch_settings_files`).
    pub(in crate::lsp) settings_watcher: Mutex<Option<notify::RecommendedWatcher>>,
    /// What the settings files at the first root looked like when the configuration was last
    /// read from them (`loader::settings_fingerprint`): a watcher armed later compares.
    pub(in crate::lsp) settings_seen: AtomicU64,
    /// Held while a batch of disk changes is read and applied (see `apply_disk_changes`).
    pub(in crate::lsp) disk_batch: Mutex<()>,
    /// Held while pushed diagnostics are worked out and sent, so that publications go out in
    /// the order they read the state: the last one a note gets is the newest, whether it
    /// raced an open (published from the disk's text until the buffer is filed) or a close
    /// (cleared after any publication that read the note open).
    pub(in crate::lsp) publishing: tokio::sync::Mutex<()>,
    /// Taken before the vault's lock wherever both are held.
    pub(in crate::lsp) reindex: Mutex<Reindex>,
    pub shutdown_requested: AtomicBool,
    /// The on-disk index of the vault, once the first index has looked for it.
    pub(in crate::lsp) cache: Mutex<Option<crate::cache::Cache>>,
    /// Set when a note is read from the disk again: the on-disk index is behind.
    pub(in crate::lsp) cache_dirty: AtomicBool,
    /// Set by a restart's sketch when the walk found other attachments than the on-disk index
    /// lists (`Sketch::attachments_changed`), for the full load after it to count the index
    /// behind though no note changed.
    pub(in crate::lsp) attachments_behind: AtomicBool,
    /// Held while the on-disk index is written: one write at a time, and `shutdown` waits for
    /// a write under way (the process ends at `exit`, leaving a half-written temporary file).
    pub(in crate::lsp) cache_writing: tokio::sync::Mutex<()>,
    /// The idle writer starts once, whatever the number of re-indexes.
    pub(in crate::lsp) cache_saver: std::sync::Once,
    /// The client named no workspace folder: roots are found from the notes it opens
    /// (`roots.rs`).
    pub(in crate::lsp) discover_roots: AtomicBool,
    /// Roots found that way whose notes are not read from disk (home, `/`): only open notes.
    pub(in crate::lsp) unwalked: RwLock<Vec<PathBuf>>,
    /// Configuration problems found during `initialize`, shown once the client is initialized.
    pub(in crate::lsp) startup_problems: Mutex<Vec<String>>,
    /// The note last opened or edited: the "current note" of commands sent without one
    /// (Helix's `:lsp-workspace-command` sends no arguments).
    pub(in crate::lsp) last_note: Mutex<Option<PathBuf>>,
}

impl State {
    pub fn new() -> Arc<State> {
        Arc::new(State {
            vault: RwLock::new(Vault::new(Vec::new())),
            docs: DashMap::new(),
            encoding: OnceLock::new(),
            flags: OnceLock::new(),
            config: RwLock::new(Arc::new(Config::default())),
            config_epoch: Default::default(),
            pull_refreshed: Mutex::new((0, 0, 0)),
            mention_scan: AtomicBool::new(false),
            init_options: OnceLock::new(),
            client_settings: Mutex::new(None),
            exclude: RwLock::new(loader::Exclude::default()),
            candidates: Mutex::new(None),
            raw: Arc::default(),
            symbols: Mutex::new(None),
            ready: watch::channel(false).0,
            serving: watch::channel(false).0,
            sketch: watch::channel(false).0,
            watching: watch::channel(false).0,
            sketched: watch::channel(false).0,
            asked: watch::channel(false).0,
            unverified: Mutex::new(Unverified::default()),
            watcher: Mutex::new(None),
            settings_watcher: Mutex::new(None),
            settings_seen: AtomicU64::new(0),
            disk_batch: Mutex::new(()),
            publishing: tokio::sync::Mutex::new(()),
            reindex: Mutex::new(Reindex::default()),
            shutdown_requested: AtomicBool::new(false),
            cache: Mutex::new(None),
            cache_dirty: AtomicBool::new(false),
            attachments_behind: AtomicBool::new(false),
            cache_writing: tokio::sync::Mutex::new(()),
            cache_saver: std::sync::Once::new(),
            discover_roots: AtomicBool::new(false),
            unwalked: RwLock::new(Vec::new()),
            startup_problems: Mutex::new(Vec::new()),
            last_note: Mutex::new(None),
        })
    }

    pub(in crate::lsp) fn reindex(&self) -> std::sync::MutexGuard<'_, Reindex> {
        self.reindex.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(in crate::lsp) fn unverified(&self) -> std::sync::MutexGuard<'_, Unverified> {
        self.unverified.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(in crate::lsp) fn encoding(&self) -> Encoding {
        *self.encoding.get().unwrap_or(&Encoding::Utf16)
    }

    pub(in crate::lsp) fn read(&self) -> std::sync::RwLockReadGuard<'_, Vault> {
        self.vault
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Shared, not copied: it is read by every request and every publish of diagnostics.
    pub(in crate::lsp) fn config(&self) -> Arc<Config> {
        self.config
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub(in crate::lsp) fn write(&self) -> std::sync::RwLockWriteGuard<'_, Vault> {
        self.vault
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The write lock, unless `path` is open in the editor (`None` then): the buffer is the
    /// truth for an open file, so what was read from disk must not replace it. Deciding under
    /// the write lock closes the race with `did_open`, which files the buffer in `docs` before
    /// it takes this lock to index the buffer: either the check sees the buffer, or the disk
    /// text is stored first and the buffer's replaces it.
    pub(in crate::lsp) fn write_unless_open(
        &self,
        path: &Path,
    ) -> Option<std::sync::RwLockWriteGuard<'_, Vault>> {
        let vault = self.write();
        (!self.docs.contains_key(path)).then_some(vault)
    }

    /// Turns true once the first index is built.
    pub fn ready_signal(&self) -> watch::Receiver<bool> {
        self.ready.subscribe()
    }

    /// A copy of the exclusion rules now in force, for a walk off the lock.
    pub(in crate::lsp) fn exclude_rules(&self) -> loader::Exclude {
        self.exclude.read().map(|e| e.clone()).unwrap_or_default()
    }

    /// Whether the live vault is a restart's sketch (see `sketch`).
    pub(in crate::lsp) fn is_sketch(&self) -> bool {
        *self.sketch.borrow()
    }

    /// Turns true once an index answers, perhaps before its notes from the on-disk index are
    /// verified (see `serving`).
    pub fn serving_signal(&self) -> watch::Receiver<bool> {
        self.serving.subscribe()
    }

    /// Turns true once the client has answered the server's startup questions (see `asked`).
    pub fn asked_signal(&self) -> watch::Receiver<bool> {
        self.asked.subscribe()
    }

    pub(in crate::lsp) fn pulls(&self) -> bool {
        self.flags.get().is_some_and(|f| f.pull)
    }

    pub(in crate::lsp) fn set_last_note(&self, path: &Path) {
        *self.last_note.lock().unwrap_or_else(|p| p.into_inner()) = Some(path.to_path_buf());
    }

    pub(in crate::lsp) fn last_note(&self) -> Option<PathBuf> {
        self.last_note
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub(in crate::lsp) fn is_ready(&self) -> bool {
        *self.ready.borrow()
    }
}

/// The file a URI names, for `file:` URIs only. Only those are notes of the vault: an editor's
/// `untitled:/vault/a.md`, a notebook cell or an `https:` page may carry the path of a note, and
/// treating it as that note would let it replace (and on close, detach) the note's buffer.
pub(in crate::lsp) fn path_of(uri: &Uri) -> Option<PathBuf> {
    if !uri.scheme().as_str().eq_ignore_ascii_case("file") {
        return None;
    }
    // `file://host/…` names a file on another machine (Windows shares are mapped by
    // `to_file_path` itself).
    let host = uri.authority().map(|a| a.host()).unwrap_or_default();
    if !cfg!(windows) && !host.is_empty() && !host.eq_ignore_ascii_case("localhost") {
        return None;
    }
    uri.to_file_path().map(|p| p.into_owned())
}

pub(in crate::lsp) fn uri_of(path: &Path) -> Option<Uri> {
    // `Uri::from_file_path`'s own encoding, written straight into one string: it goes through
    // `format!`, which cost as much as the rest of an answer's 10,000 locations together.
    #[cfg(not(windows))]
    if path.is_absolute() {
        let path = path.to_string_lossy();
        let mut uri = String::with_capacity("file://".len() + path.len() + path.len() / 2);
        uri.push_str("file://");
        uri.extend(percent_encoding::utf8_percent_encode(&path, &PATH_ENCODED));
        return uri.parse().ok();
    }
    Uri::from_file_path(path)
}

/// What `Uri::from_file_path` percent-encodes in a path: all but ASCII letters and digits and
/// `-._~/`.
#[cfg(not(windows))]
const PATH_ENCODED: percent_encoding::AsciiSet = percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// Whether a path lies in a hidden folder of its root (`.git/`, `.obsidian/`, `.trash/`…).
pub(in crate::lsp) fn is_hidden(vault: &Vault, path: &Path) -> bool {
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
pub(in crate::lsp) fn in_workspace(vault: &Vault, path: &Path) -> bool {
    vault.roots().iter().any(|root| root == path) || vault.locate(path).is_some()
}

/// Whether the ignore files of `path`'s workspace folder ignore it (see `loader::is_ignored`).
pub(in crate::lsp) fn is_gitignored(vault: &Vault, path: &Path) -> bool {
    let is_dir = path.is_dir();
    vault
        .roots()
        .iter()
        .any(|root| loader::is_ignored(root, path, is_dir))
}

#[derive(Clone)]
pub struct Server {
    pub(in crate::lsp) client: Client,
    pub(in crate::lsp) state: Arc<State>,
}

impl Server {
    pub fn new(client: Client, state: Arc<State>) -> Server {
        Server { client, state }
    }

    pub(in crate::lsp) async fn wait_ready(&self) {
        let mut rx = self.state.ready.subscribe();
        let _ = rx.wait_for(|ready| *ready).await;
    }

    /// Run `f` on the note at `uri` and the byte offset of `position`, once indexing is done.
    pub(in crate::lsp) async fn at<T>(
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
        let text = note.text();
        let offset = LineIndex::new(&*text, encoding).offset(position)?;
        super::catch_panic::debug_panic_point(&text, offset);
        f(&vault, id, offset, encoding)
    }

    /// Whether every file of `paths` is known to hold what the index holds: verified, open in
    /// the editor (the buffer is the truth), not from the on-disk index, or — checked now, one
    /// `stat` each — still with the time and size the index saw, or else, read now, with its
    /// bytes (a touched file: a rewrite with the same text, or one read within seconds of a
    /// write, made every answer reading it wait for the whole vault's check).
    pub(in crate::lsp) fn all_verified(&self, paths: &[PathBuf]) -> bool {
        paths.iter().all(|path| {
            let stamp = self.state.unverified().get(path).copied();
            let Some(stamp) = stamp else {
                return true;
            };
            // The `stat` runs without the lock, which the verification also takes.
            let same_bytes = || {
                crate::loader::read_file(path, &crate::loader::NOTE)
                    .is_ok_and(|bytes| crate::cache::stamp::holds(&bytes, &stamp))
            };
            if self.state.docs.contains_key(path)
                || crate::cache::stamp::unchanged(path, &stamp)
                || same_bytes()
            {
                self.state.unverified().remove(path);
                return true;
            }
            false
        })
    }

    /// [`Server::at`], answered before the notes from the on-disk index are verified when it
    /// can be. `f` is called first with `Some(files)`: it answers only what cannot be wrong for
    /// unchanged files, and lists every file its answer was read from (beyond the request's own
    /// note). That answer stands when it exists and each of those files, and the note, still
    /// has the stamp of the read the index holds; otherwise the request waits for the
    /// verification and `f` answers with `None`. The second value says whether the early path
    /// answered.
    pub(in crate::lsp) async fn at_checked<T>(
        &self,
        uri: &Uri,
        position: Position,
        f: impl Fn(&Vault, FileId, usize, Encoding, Option<&mut Vec<PathBuf>>) -> Option<T>,
    ) -> (Option<T>, bool) {
        let mut rx = self.state.serving.subscribe();
        let _ = rx.wait_for(|serving| *serving).await;
        while !self.state.is_ready() {
            let mut read = Vec::new();
            let mut sketched = false;
            let early = path_of(uri).and_then(|path| {
                read.push(path.clone());
                let vault = self.state.read();
                sketched = self.state.is_sketch();
                let id = vault.id(&path)?;
                let note = vault.note(id)?;
                let encoding = self.state.encoding();
                let text = note.text();
                let offset = LineIndex::new(&*text, encoding).offset(position)?;
                super::catch_panic::debug_panic_point(&text, offset);
                f(&vault, id, offset, encoding, Some(&mut read))
            });
            if early.is_some() && self.all_verified(&read) {
                return (early, true);
            }
            if !sketched {
                break;
            }
            // What a sketch of names could not answer, the full index may, before its notes
            // are verified: ask again once it is served.
            let mut sketch = self.state.sketch.subscribe();
            let _ = sketch.wait_for(|sketch| !*sketch).await;
        }
        let answer = self
            .at(uri, position, |vault, id, offset, encoding| {
                f(vault, id, offset, encoding, None)
            })
            .await;
        (answer, false)
    }

    /// Run `f` on the note at `uri`, once indexing is done.
    pub(in crate::lsp) async fn on_note<T>(
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
}

/// The environment variable that fixes "now" (`2026-03-14` or `2026-03-14T09:30`): for tests,
/// so that "today" does not depend on when they run.
pub const NOW_VARIABLE: &str = "NOTEGRAPH_NOW";

/// The user's local date and time, or the one `NOTEGRAPH_NOW` gives.
pub(in crate::lsp) fn now() -> jiff::civil::DateTime {
    if let Ok(fixed) = std::env::var(NOW_VARIABLE) {
        // A day alone stands for 9 o'clock that morning.
        let parsed = match fixed.parse::<jiff::civil::Date>() {
            Ok(day) if !fixed.contains('T') => Ok(day.at(9, 0, 0, 0)),
            _ => fixed.parse::<jiff::civil::DateTime>(),
        };
        match parsed {
            Ok(at) => return at,
            Err(err) => tracing::warn!("{NOW_VARIABLE}={fixed:?} is not a date: {err}"),
        }
    }
    jiff::ZonedDateTime::now().datetime()
}
