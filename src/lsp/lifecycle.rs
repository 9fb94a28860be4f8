//! The session's lifecycle: `initialize` (encoding, client flags, workspace folders),
//! `initialized` (configuration, watching, the first index), indexing with progress, `shutdown`.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use serde_json::Value;
use tokio::sync::mpsc;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use super::capabilities;
use super::cite;
use super::complete::Completed;
use super::convert::Encoding;
use super::state::Server;
use super::state::{ClientFlags, Unverified, path_of};
use crate::cache::Cache;
use crate::features::completion::Candidates;
use crate::index::{Note, Vault};
use crate::loader;

/// Tests set this (milliseconds) to hold the full load back once a restart serves its sketch,
/// so that what the sketch answers can be observed; nothing else should.
const LOAD_DELAY_VARIABLE: &str = "NOTEGRAPH_TEST_LOAD_DELAY_MS";

/// Tests set this (milliseconds) to hold an index back once its files are read, so that files
/// can change between their read and the arming of the watcher; nothing else should.
const READ_DELAY_VARIABLE: &str = "NOTEGRAPH_TEST_READ_DELAY_MS";

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

pub(crate) async fn initialize(
    server: &Server,
    params: InitializeParams,
) -> Result<InitializeResult> {
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
    let _ = server.state.encoding.set(encoding);
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
        pull: params
            .capabilities
            .text_document
            .as_ref()
            .is_some_and(|t| t.diagnostic.is_some()),
        pull_refresh: params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.diagnostics.as_ref())
            .and_then(|d| d.refresh_support)
            .unwrap_or(false),
        label_details: params
            .capabilities
            .text_document
            .as_ref()
            .and_then(|t| t.completion.as_ref())
            .and_then(|c| c.completion_item.as_ref())
            .and_then(|i| i.label_details_support)
            .unwrap_or(false),
    };
    let _ = server.state.flags.set(flags);
    let _ = server
        .state
        .init_options
        .set(params.initialization_options.clone().unwrap_or(Value::Null));
    let roots = roots_from(&params);
    if roots.is_empty() {
        tracing::info!("no workspace folder given: the vault is found from the notes opened");
        server.state.discover_roots.store(true, Ordering::SeqCst);
    }
    tracing::info!(
        "workspace folders: {:?}; position encoding {:?}",
        roots,
        encoding
    );
    *server.state.write() = Vault::new(roots);
    let problems = server.reconfigure(None);
    *server
        .state
        .startup_problems
        .lock()
        .unwrap_or_else(|p| p.into_inner()) = problems;
    Ok(InitializeResult {
        capabilities: capabilities::server_capabilities(utf8),
        server_info: Some(ServerInfo {
            name: "notegraph".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
        offset_encoding: None,
    })
}

pub(crate) async fn initialized(server: &Server, _: InitializedParams) {
    let problems = std::mem::take(
        &mut *server
            .state
            .startup_problems
            .lock()
            .unwrap_or_else(|p| p.into_inner()),
    );
    server.report_config_problems(problems).await;
    server.pull_configuration().await;
    // The full load reads the on-disk index while watching is set up, and walks the vault only
    // once it is (see `index_workspace`). Our own watcher is armed after a restart's sketch
    // (see `watch_files`).
    let indexer = server.clone();
    tokio::spawn(async move { indexer.index_workspace().await });
    let started = Instant::now();
    server.watch_files().await;
    server.state.watching.send_replace(true);
    tracing::debug!(
        "watching files set up in {} ms",
        started.elapsed().as_millis()
    );
}

pub(crate) async fn shutdown(server: &Server) -> Result<()> {
    server
        .state
        .shutdown_requested
        .store(true, Ordering::SeqCst);
    server.save_index().await;
    Ok(())
}

impl Server {
    /// Build the index from disk and install it, unless a newer build started meanwhile (the
    /// newest build read the newest roots and settings). Changes seen during the build are
    /// applied to it once installed; open buffers replace what it read from disk.
    pub(in crate::lsp) async fn index_workspace(&self) {
        // Freed pages go back sooner until the index is served and written (or superseded).
        let _purging = super::memory::StartPurging::begin();
        let (generation, roots) = {
            let mut run = self.state.reindex();
            run.latest += 1;
            (run.latest, self.state.read().roots().to_vec())
        };
        tracing::info!("indexing {roots:?} (generation {generation})");
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
        // Roots found from a note in the home folder or `/` are not walked (see `roots.rs`).
        let load_roots = self.walked_roots();
        let vault_roots = roots.clone();
        let state = self.state.clone();
        let exclude = self.state.exclude_rules();
        let cache = if self.state.config().index_cache {
            Cache::locate(&roots)
        } else {
            None
        };
        *self.state.cache.lock().unwrap_or_else(|p| p.into_inner()) = cache.clone();
        let trust = !self.state.is_ready();
        // A first start with an on-disk index: names first (see `sketch`), then the rest,
        // once the file watcher is armed: the walk that finds the vault's files must come after
        // it, or a file created between the two would be seen by neither.
        let sketched = {
            // Set however this block ends (a panic too): `watch_files` waits for it.
            let _sketched = Sketched(&self.state.sketched);
            match (&cache, trust) {
                (Some(cache), true) => {
                    self.sketch(generation, &load_roots, &roots, &exclude, cache)
                        .await
                }
                _ => false,
            }
        };
        let delay = std::env::var(LOAD_DELAY_VARIABLE).ok();
        if let Some(ms) = delay.and_then(|ms| ms.parse().ok()).filter(|_| sketched) {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        }
        let watching = self.state.watching.subscribe();
        let runtime = tokio::runtime::Handle::current();
        let server = self.clone();
        let task = tokio::task::spawn_blocking(move || {
            let report = |done, total| {
                let _ = tx.send((done, total));
            };
            // Called by the load before it walks the vault (on a blocking thread, not the
            // reactor's), while the on-disk index is read.
            let armed = || {
                let mut watching = watching.clone();
                let _ = runtime.block_on(watching.wait_for(|armed| *armed));
            };
            // Notes come from the on-disk index unverified: the server answers from them at
            // once, and checks them against their files in the background (`verify`). A
            // re-index while a verified index serves (settings changed) checks them first
            // instead, so that what is served meanwhile stays whole.
            // Behind a sketch, the notes are filed into it as they are read (`complete.rs`),
            // rather than into a vault beside it, which held both at once.
            if let (true, Some(cache)) = (sketched, &cache) {
                let how = (load_roots.as_slice(), &exclude);
                match server.stream_into_sketch(generation, how, cache, &armed, &report, started) {
                    Completed::Installed(installed, skipped, usage) => {
                        return (Filed::InPlace(installed), skipped, usage);
                    }
                    Completed::Unusable => {}
                }
            }
            let (mut loaded, usage, unverified) = if trust {
                loader::load_trusting(&load_roots, &exclude, &report, cache.as_ref(), &armed)
            } else {
                armed();
                let (loaded, usage) =
                    loader::load_cached(&load_roots, &exclude, &report, cache.as_ref());
                (loaded, usage, Vec::new())
            };
            if let Some(ms) = std::env::var(READ_DELAY_VARIABLE)
                .ok()
                .and_then(|ms| ms.parse().ok())
            {
                std::thread::sleep(std::time::Duration::from_millis(ms));
            }
            // The paths moved into the map, not copied: the list the verification reads is
            // taken from it once the index is installed (`unverified_list`), not held beside it
            // while the notes are filed (1M notes: ~60 MB). Behind a sketch, whose notes to
            // verify are in `State::unverified` already with the stamps this load took (both
            // come from the one on-disk index), only those not there with the same stamp are
            // added at the install: the sketch's map is kept, not built again beside it. Taken
            // before the notes are filed, so that the load's list (a path and stamp per note,
            // dense 50k: ~7 MB) is not held beside the sketch while they are.
            let to_verify = if sketched {
                let listed = state.unverified();
                ToVerify::Add(
                    (unverified.into_iter())
                        .filter(|(path, stamp)| listed.get(path) != Some(stamp))
                        .collect(),
                )
            } else {
                ToVerify::Replace(unverified.into_iter().collect())
            };
            // Behind a sketch, the pages of the on-disk index's segments, read and decoded
            // on rayon's threads, are given back before the notes are filed: held, they were
            // most of a restart's peak above its end (100k: ~50 MB).
            if sketched {
                super::memory::release_free_pages();
            }
            let cached_bibliographies = std::mem::take(&mut loaded.bibliographies);
            let filed = Instant::now();
            let (mut vault, skipped) = loaded.into_vault_reporting(vault_roots, &report);
            tracing::debug!(
                "notes filed in the index in {} ms",
                filed.elapsed().as_millis()
            );
            server.finish_loading(&mut vault, cached_bibliographies, usage.is_stale());
            // Built here, off the reactor, so that installing it is a swap.
            let epoch = server.state.config_epoch.load(Ordering::SeqCst);
            server.configure(&mut vault);
            // Completion's candidates too (~0.1 s at 100,000 notes), or the first completion
            // after every index would wait for them. With the buffers open now filed first, as
            // the sketch does: filing them again at the swap changes no name, so the candidates
            // stay current unless a buffer changed a name meanwhile. Behind a sketch, they are
            // built once it is dropped (below): beside the sketch's own and the sketch itself,
            // they were a restart's peak (dense 50k: 18 MB of it).
            server.open_buffers_into(&mut vault);
            let candidates = (!sketched).then(|| Arc::new(Candidates::build(&vault)));
            let built = Built {
                vault,
                candidates,
                unverified: to_verify,
                config_epoch: epoch,
            };
            (Filed::Built(Box::new(built)), skipped, usage)
        });
        while let Some((done, total)) = rx.recv().await {
            if let Some(progress) = &progress {
                let percent = (done * 100 / total.max(1)) as u32;
                progress
                    .report_with_message(format!("{done}/{total} notes"), percent)
                    .await;
            }
        }
        let (filed, skipped, usage) = match task.await {
            Ok(result) => result,
            Err(err) => {
                tracing::error!("indexing failed: {err}");
                let built = Built {
                    vault: Vault::new(roots.clone()),
                    candidates: None,
                    unverified: ToVerify::Replace(Unverified::default()),
                    // Never current: configured at the install.
                    config_epoch: u64::MAX,
                };
                (
                    Filed::Built(Box::new(built)),
                    Vec::new(),
                    loader::CacheUse::default(),
                )
            }
        };
        let installed = match filed {
            Filed::Built(built) => self.install(generation, *built, started, skipped.len()),
            Filed::InPlace(installed) => installed,
        };
        // Off the reactor: it waits for each of rayon's threads to collect its heap. Behind a
        // sketch, completion's candidates are built first (a completion asked meanwhile builds
        // them itself, and this finds them current), the sketch's pages given back after.
        let server = self.clone();
        let behind_sketch = sketched && installed.is_some();
        tokio::task::spawn_blocking(move || {
            if behind_sketch {
                super::memory::release_free_pages();
                server.candidates(&server.state.read());
            }
            super::memory::release_free_pages();
        });
        let Some(pending) = installed else {
            if let Some(progress) = progress {
                progress.finish_with_message("superseded").await;
            }
            return;
        };
        self.state.serving.send_replace(true);
        if usage.found && trust && !self.verify(generation, usage, progress.as_ref()).await {
            if let Some(progress) = progress {
                progress.finish_with_message("superseded").await;
            }
            return;
        }
        self.state.ready.send_replace(true);
        if let Some(progress) = progress {
            progress.finish_with_message("done").await;
        }
        // The buffers open now, not when the index was installed: one opened while a restart's
        // notes were verified published nothing then (`publish` waits for `ready`). Read after
        // `ready` is set, so a buffer opened later publishes for itself.
        let open = self.state.docs.iter().map(|e| e.key().clone()).collect();
        self.publish(open).await;
        if self.state.config().push_closed && !self.state.pulls() {
            self.publish_closed_notes().await;
        }
        self.bibliographies_loaded().await;
        if !pending.is_empty() {
            self.apply_disk_changes(pending).await;
        }
        self.save_index().await;
        self.keep_index_saved();
    }

    /// The notes still to verify (`State::unverified`), in the order of their paths, as the
    /// load listed them: taken by `verify` once the index is installed and the sketch it
    /// replaced freed. Each path is the vault's own where it holds one, not a copy (dense 50k:
    /// 3 MB against 7 MB, at what had become a restart's peak).
    pub(in crate::lsp) fn unverified_list(
        &self,
    ) -> Vec<(Arc<std::path::Path>, crate::index::Stamp)> {
        let vault = self.state.read();
        let shared = |path: &PathBuf| match vault.id(path) {
            Some(id) => vault.file(id).path.clone(),
            None => Arc::from(path.as_path()),
        };
        let mut list: Vec<_> = (self.state.unverified().iter())
            .map(|(path, stamp)| (shared(path), *stamp))
            .collect();
        drop(vault);
        list.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        list
    }

    /// The settings a vault takes from the configuration rather than from its files.
    pub(in crate::lsp) fn configure(&self, vault: &mut Vault) {
        let config = self.state.config();
        vault.alias_fallback = config.alias_fallback;
        vault.set_mention_rules(config.mentions.clone());
        vault
            .properties
            .set_types(config.obsidian.property_types.iter().cloned());
    }

    /// A restart's first answers: walk the vault and read the on-disk index's names section
    /// (`loader::load_sketch`), and serve the sketch they make — a vault of names alone — until
    /// the full index is read and filed. Only what names decide is answered from it (see
    /// `at_checked`'s callers, which check `State::sketch`); everything else waits. Whether
    /// the sketch was served.
    async fn sketch(
        &self,
        generation: u64,
        load_roots: &[PathBuf],
        roots: &[PathBuf],
        exclude: &loader::Exclude,
        cache: &Cache,
    ) -> bool {
        let started = Instant::now();
        let (load_roots, roots) = (load_roots.to_vec(), roots.to_vec());
        let (exclude, cache) = (exclude.clone(), cache.clone());
        let server = self.clone();
        let built = tokio::task::spawn_blocking(move || {
            let sketch = loader::load_sketch(&load_roots, roots, &exclude, &cache)?;
            server
                .state
                .attachments_behind
                .store(sketch.attachments_changed, Ordering::SeqCst);
            let mut vault = sketch.vault;
            let image = sketch.image;
            // Completion's candidates, built here rather than by the first completion: that
            // one would otherwise compete with the full load for the cores. With the buffers
            // open now filed first, so that filing them again at the swap changes no name.
            server.open_buffers_into(&mut vault);
            let building = Instant::now();
            // The map of unverified notes (100,000 paths hashed) is built beside them.
            let (candidates, unverified) = rayon::join(
                || {
                    // Read from the image written with the names when it fits, and brought up
                    // to date by the vault's log of changed names (the walk's new and vanished
                    // files, the buffers just filed): patched, or built afresh when many.
                    // (Without one, `current` builds them.)
                    let read = image.and_then(|image| {
                        Candidates::from_image(&image.bytes, image.files, image.generation)
                    });
                    let read = read.map(Arc::new);
                    (Candidates::current(read.as_ref(), &vault), read.is_some())
                },
                || sketch.unverified.into_iter().collect::<Unverified>(),
            );
            tracing::debug!(
                "sketch: completion candidates made in {} ms ({} ms after the start)",
                building.elapsed().as_millis(),
                started.elapsed().as_millis()
            );
            Some((vault, candidates, unverified))
        })
        .await;
        let (mut vault, (candidates, from_image), unverified) = match built {
            Ok(Some(built)) => built,
            Ok(None) => return false,
            Err(err) => {
                tracing::error!("sketching the vault from the on-disk index failed: {err}");
                return false;
            }
        };
        let notes = vault.note_count();
        let installed = {
            let run = self.state.reindex();
            let current = run.latest == generation;
            if current {
                let mut live = self.state.write();
                // Under the lock, so that a settings change lands in this vault or the live one
                // after it (see `reconfigure`).
                self.configure(&mut vault);
                self.open_buffers_into(&mut vault);
                *self.state.unverified() = unverified;
                self.state.sketch.send_replace(true);
                *live = vault;
                self.forget_derived(Some(candidates));
            }
            current
        };
        if installed {
            self.state.serving.send_replace(true);
            tracing::info!(
                "serving names of {notes} notes from the on-disk index after {} ms (completion \
                 candidates {}); the rest follows (generation {generation})",
                started.elapsed().as_millis(),
                if from_image { "read from it" } else { "built" }
            );
        }
        installed
    }

    /// Buffers opened while indexing ran are newer than the disk; bibliographies stay
    /// bibliographies.
    pub(in crate::lsp) fn open_buffers_into(&self, vault: &mut Vault) {
        for entry in self.state.docs.iter() {
            let (path, text) = (entry.key(), entry.value().rope.to_string());
            if !cite::bibliography_buffer_into(&self.state, vault, path, &text) {
                let note = Note::parse_over(text, vault.id(path).and_then(|id| vault.note(id)));
                vault.upsert_note(path, note);
            }
        }
    }

    /// Drop what was derived from the vault being replaced: completion candidates and the
    /// symbol index hold its file ids, and a new vault's generation counters start again, so
    /// they could match the old ones.
    ///
    /// `candidates` are the new vault's, when built with it: stale at once (patched when asked)
    /// if a buffer opened meanwhile named a new note, as `listed_generation` then moved.
    pub(in crate::lsp) fn forget_derived(&self, candidates: Option<Arc<Candidates>>) {
        *self
            .state
            .candidates
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = candidates;
        *self.state.symbols.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Install the index of build `generation`, unless a newer build started: returns the paths
    /// changed on disk during the build, or `None` when it was dropped.
    fn install(
        &self,
        generation: u64,
        built: Built,
        started: Instant,
        skipped: usize,
    ) -> Option<Vec<PathBuf>> {
        let Built {
            mut vault,
            candidates,
            unverified,
            config_epoch,
        } = built;
        let mut run = self.state.reindex();
        if run.latest != generation {
            tracing::info!(
                "dropped the index of generation {generation}: generation {} is newer",
                run.latest
            );
            return None;
        }
        let mut live = self.state.write();
        // The settings changed while the index was built: they are the ones to keep (see
        // `reconfigure`, which configures the live vault after counting the change).
        if self.state.config_epoch.load(Ordering::SeqCst) != config_epoch {
            self.configure(&mut vault);
        }
        self.open_buffers_into(&mut vault);
        let notes = vault.note_count();
        // Until its notes from the on-disk index are verified, this index answers only what
        // `Server::at_checked` can vouch for; the rest waits for `ready`. Behind a sketch, the
        // sketch's notes to verify stay listed (less those verified since, whose files hold
        // what both loads took), with this load's others added.
        let mut listed = self.state.unverified();
        match unverified {
            ToVerify::Replace(map) => *listed = map,
            ToVerify::Add(rest) => listed.extend(rest),
        }
        if !listed.is_empty() {
            self.state.ready.send_replace(false);
        }
        drop(listed);
        *live = vault;
        self.state.sketch.send_replace(false);
        self.forget_derived(candidates);
        run.installed = generation;
        let pending = std::mem::take(&mut run.pending);
        tracing::info!(
            "indexed {notes} notes in {} ms ({} files skipped; generation {generation})",
            started.elapsed().as_millis(),
            skipped
        );
        Some(pending)
    }
}

/// An index built off the reactor, ready to install: the vault, completion's candidates built
/// from it, and its notes from the on-disk index still to verify.
struct Built {
    vault: Vault,
    candidates: Option<Arc<Candidates>>,
    unverified: ToVerify,
    /// `State::config_epoch` when the vault was configured.
    config_epoch: u64,
}

/// A full load as filed: into a vault built beside the one served, or into the sketch served
/// (then installed already, with the paths changed on disk meanwhile; `None`: superseded).
enum Filed {
    Built(Box<Built>),
    InPlace(Option<Vec<PathBuf>>),
}

/// The notes a load took from the on-disk index unverified, as the install files them in
/// `State::unverified`.
enum ToVerify {
    /// Every one of them, in place of what is listed.
    Replace(Unverified),
    /// Those the sketch being replaced did not list with the same stamp, added to its list.
    Add(Vec<(PathBuf, crate::index::Stamp)>),
}

/// Sets `State::sketched` when dropped.
struct Sketched<'a>(&'a tokio::sync::watch::Sender<bool>);

impl Drop for Sketched<'_> {
    fn drop(&mut self) {
        self.0.send_replace(true);
    }
}
