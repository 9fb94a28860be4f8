//! Changes on disk: the client's watched-file events or the server's own watcher, and bringing
//! the index in line with the disk for the paths they name.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use tokio::sync::mpsc;
use tower_lsp_server::ls_types::*;

use super::cite;
use super::state::Server;
use super::state::{in_workspace, is_gitignored, is_hidden};
use crate::index::{Change, Stamp, is_note_path};
use crate::loader;

/// A batch of disk changes this large gives the pages its reading freed back to the system.
const RELEASE_AFTER: usize = 256;

impl Server {
    /// Bring the index in line with the disk at `path`. Open files are left to their buffers;
    /// every write checks that under the write lock (see `State::write_unless_open`), as the
    /// editor may open the file while its disk text is being read.
    pub(in crate::lsp) fn refresh_from_disk(&self, path: &Path) -> Change {
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
            // The editor's buffer is the truth for open notes (checked again before writing).
            return Change::default();
        }
        if is_hidden(&self.state.read(), path) {
            return Change::default();
        }
        if self.state.exclude.read().is_ok_and(|e| e.is_excluded(path))
            || is_gitignored(&self.state.read(), path)
        {
            // Out of the index too, in case it was indexed before the rule was written.
            let Some(mut vault) = self.state.write_unless_open(path) else {
                return Change::default();
            };
            let mut change = vault.remove(path);
            if path.is_dir() {
                change.merge(vault.remove_under(path));
            }
            return change;
        }
        if path.is_dir() {
            let mut change = Change::default();
            let exclude = self.state.exclude_rules();
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
                .map(|(_, f)| &*f.path)
                .filter(|p| p.starts_with(path) && !found.contains(*p))
                .map(Path::to_path_buf)
                .collect();
            for gone in stale {
                if let Some(mut vault) = self.state.write_unless_open(&gone) {
                    change.merge(vault.remove(&gone));
                }
            }
            for file in found {
                change.merge(self.refresh_from_disk(&file));
            }
            return change;
        }
        if path.is_file() {
            if is_note_path(path) {
                // Read and parsed before the lock is taken; stored only if still closed.
                let read = loader::read_note(path);
                let Some(mut vault) = self.state.write_unless_open(path) else {
                    return Change::default();
                };
                return match read {
                    Ok(note) => vault.refresh_note(path, note),
                    Err(skip) => {
                        tracing::warn!("skipped {}: {}", skip.path.display(), skip.reason);
                        vault.remove(path)
                    }
                };
            }
            return match self.state.write_unless_open(path) {
                Some(mut vault) => vault.upsert_attachment(path),
                None => Change::default(),
            };
        }
        let Some(mut vault) = self.state.write_unless_open(path) else {
            return Change::default();
        };
        let mut change = vault.remove(path);
        change.merge(vault.remove_under(path));
        change
    }

    pub(in crate::lsp) async fn apply_disk_changes(&self, paths: Vec<PathBuf>) {
        // Changes seen while the first index is built wait for it: that index replaces the
        // whole vault when done, and would drop whatever was applied before it.
        self.wait_ready().await;
        // The vault's settings files live in hidden places (`.obsidian/`, `.notegraph.toml`) the
        // index skips: a change to one reconfigures the server instead.
        let settings = self.state.read().roots().first().is_some_and(|root| {
            paths
                .iter()
                .any(|path| loader::is_settings_path(root, path))
        });
        {
            // A build in flight walked the disk before this change, or may have: its index
            // gets the change once installed.
            let mut run = self.state.reindex();
            if run.installed != run.latest {
                run.pending.extend(paths.iter().cloned());
            }
        }
        let bibliographies = self.state.read().sources.generation();
        let many = paths.len() >= RELEASE_AFTER;
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
            server.state.cache_dirty.store(true, Ordering::SeqCst);
            change
        })
        .await
        .unwrap_or_default();
        let affected = self.affected_open_notes(&self.state.read(), &change, None);
        self.publish(affected).await;
        // A `git pull`'s notes were read and parsed in buffers since freed. After publishing:
        // giving them back waits for each of rayon's threads, which may be busy.
        if many {
            tokio::task::spawn_blocking(super::memory::release_free_pages);
        }
        let now = self.state.read().sources.generation();
        if now != bibliographies {
            self.bibliographies_changed().await;
        }
        if settings {
            self.settings_files_changed().await;
        }
    }
    pub(in crate::lsp) async fn watch_files(&self) {
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
            let registered = self.client.register_capability(vec![registration]).await;
            // The client's answer is read: the input guard may let its requests through.
            self.state.asked.send_replace(true);
            if let Err(err) = registered {
                tracing::warn!("client refused file watching ({err}); watching files ourselves");
            } else {
                // Once the index serves, as our own watcher below: a watch on the root folder
                // is told of every note the first index opens there (most notes of a flat
                // vault).
                let server = self.clone();
                tokio::spawn(async move {
                    let _ = server.state.serving.subscribe().wait_for(|s| *s).await;
                    server.watch_settings_files();
                    server.settings_catch_up().await;
                });
                return;
            }
        }
        self.state.asked.send_replace(true);
        // Arming our own watcher walks the whole tree: a restart's sketch is made first, with
        // every core. (A client's watching is registered at once: it costs us nothing.)
        let _ = self.state.sketched.subscribe().wait_for(|done| *done).await;
        if self.state.is_sketch() {
            // A restart reads few files: its load walks the vault once this watcher is armed,
            // so that a file created between the two is seen by one of them.
            if self.arm_watcher().await {
                self.settings_catch_up().await;
            }
            return;
        }
        // A first index reads every file, and the kernel tells a watcher of every open (notify
        // asks for them): 50,000 events, and the arming's own walk of the tree, would take a
        // quarter of the cores' time while the vault is read. So the watcher is armed once the
        // index serves, and what changed meanwhile is found by `catch_up`.
        let server = self.clone();
        tokio::spawn(async move {
            let _ = server.state.serving.subscribe().wait_for(|s| *s).await;
            if server.arm_watcher().await {
                server.settings_catch_up().await;
                server.catch_up().await;
            }
        });
    }

    /// Arm our own watcher on the roots walked; whether it was.
    async fn arm_watcher(&self) -> bool {
        let roots = self.walked_roots();
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
                return false;
            }
        };
        // Arming walks the whole tree, one watch per folder: off the reactor.
        let armed = tokio::task::spawn_blocking(move || {
            use notify::Watcher;
            for root in &roots {
                if let Err(err) = watcher.watch(root, notify::RecursiveMode::Recursive) {
                    tracing::error!("cannot watch {}: {err}", root.display());
                }
            }
            watcher
        })
        .await;
        let watcher = match armed {
            Ok(watcher) => watcher,
            Err(err) => {
                tracing::error!(
                    "cannot watch files: {err}; changes made outside the editor will not be seen"
                );
                return false;
            }
        };
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
        true
    }

    /// After a watcher of the settings files was armed: read the settings again if their files
    /// changed since the configuration was last read from them (a watcher armed after the
    /// first index; the walk of `catch_up` skips hidden files).
    async fn settings_catch_up(&self) {
        let Some(root) = self.state.read().roots().first().cloned() else {
            return;
        };
        let now = loader::settings_fingerprint(&root);
        if now != self.state.settings_seen.load(Ordering::SeqCst) {
            self.settings_files_changed().await;
        }
    }

    /// After our watcher was armed behind a first index (see `watch_files`): bring in what
    /// changed on disk while that index was read, as the watcher would have — files that
    /// appeared or vanished since the walk, and files and bibliographies changed since their
    /// read. Walked and stat'ed off the reactor; the vault is only read, briefly. Takes turns
    /// with a write of the on-disk index (`state.cache_writing`).
    async fn catch_up(&self) {
        let started = std::time::Instant::now();
        let roots = self.walked_roots();
        let exclude = self.state.exclude_rules();
        let state = self.state.clone();
        // Not beside a write of the on-disk index, which the first index starts at the same
        // moment: each holds a copy of every path for a moment, and together they were a cold
        // start's peak. A change made on disk while the vault was read waits for the write.
        let writing = self.state.cache_writing.lock().await;
        let found = tokio::task::spawn_blocking(move || {
            let found = changed_since_read(&state, &roots, &exclude);
            // The walk's 50,000 paths are freed: their pages go back, as after the index.
            super::memory::release_free_pages();
            found
        })
        .await
        .unwrap_or_default();
        drop(writing);
        tracing::debug!(
            "{} files changed on disk while the index was read (checked in {} ms)",
            found.len(),
            started.elapsed().as_millis()
        );
        if !found.is_empty() {
            self.apply_disk_changes(found).await;
        }
    }

    /// Watch the settings files (`loader::SETTINGS_FILES`) ourselves, beside a client that
    /// watches files for us: a client's watcher may skip hidden folders or report only the
    /// writes made in the editor (Helix), and an edit Obsidian makes to `.obsidian/types.json`
    /// must still be seen. Two folders, neither recursively: the first root and its `.obsidian`.
    /// A change the client reports too reconfigures twice, the second time to the same settings.
    pub(in crate::lsp) fn watch_settings_files(&self) {
        let Some(root) = self.state.read().roots().first().cloned() else {
            return;
        };
        let (tx, mut rx) = mpsc::unbounded_channel::<Vec<PathBuf>>();
        let filter_root = root.clone();
        let watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| match event {
                Ok(event) if matches!(event.kind, notify::EventKind::Access(_)) => {}
                Ok(event) => {
                    let paths: Vec<PathBuf> = event
                        .paths
                        .into_iter()
                        .filter(|p| loader::is_settings_path(&filter_root, p))
                        .collect();
                    if !paths.is_empty() {
                        let _ = tx.send(paths);
                    }
                }
                Err(err) => tracing::warn!("settings file watcher: {err}"),
            });
        let mut watcher = match watcher {
            Ok(w) => w,
            Err(err) => {
                tracing::warn!("cannot watch the settings files: {err}");
                return;
            }
        };
        use notify::Watcher;
        let obsidian = root.join(".obsidian");
        if let Err(err) = watcher.watch(&root, notify::RecursiveMode::NonRecursive) {
            tracing::warn!("cannot watch {}: {err}", root.display());
        }
        // Absent until Obsidian first opens the vault: watched once it appears (below).
        let _ = watcher.watch(&obsidian, notify::RecursiveMode::NonRecursive);
        *self
            .state
            .settings_watcher
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(watcher);
        let server = self.clone();
        // Ends when the watcher is replaced or dropped, which closes the channel.
        tokio::spawn(async move {
            while let Some(mut paths) = rx.recv().await {
                while let Ok(more) = rx.try_recv() {
                    paths.extend(more);
                }
                paths.sort();
                paths.dedup();
                if paths.contains(&obsidian) {
                    let mut own = server
                        .state
                        .settings_watcher
                        .lock()
                        .unwrap_or_else(|p| p.into_inner());
                    if let Some(watcher) = own.as_mut() {
                        let _ = watcher.watch(&obsidian, notify::RecursiveMode::NonRecursive);
                    }
                }
                server.apply_disk_changes(paths).await;
            }
        });
    }
}

/// Files the catch-up walk checks at a time: each chunk's stamps are taken under the vault's
/// guard, then its files stat'ed without it.
const CATCH_UP_CHUNK: usize = 1024;

/// The paths under `roots` that changed since the index of `state` read them (see
/// `Server::catch_up`): files walked that the index does not hold or holds as read from other
/// bytes, then files it holds that the walk did not find, then bibliographies changed. Checked
/// a chunk at a time as the walk finds them: a list of every path walked, with the stamps
/// and a map by path beside it, was ~9 MB at 50,000 notes, and a cold start's peak.
fn changed_since_read(
    state: &super::state::State,
    roots: &[PathBuf],
    exclude: &loader::Exclude,
) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = Vec::new();
    // The files the walk found, by id, with their revision then: a file filed since (an id's
    // slot taken again, a note read again) is checked again, as one the walk did not find.
    let mut seen: Vec<Option<u64>> = Vec::new();
    let changed = |path: &Path, stamp: &Option<Option<Stamp>>| match stamp {
        None => true,
        // A note read from the disk has its stamp; an attachment's being there is all.
        Some(Some(stamp)) => !crate::cache::stamp::unchanged(path, stamp),
        Some(None) => is_note_path(path),
    };
    let mut check = |chunk: &mut Vec<PathBuf>, found: &mut Vec<PathBuf>| {
        // Per file, the stamp of its read (`None`: not in the index, a new file).
        let stamps: Vec<Option<Option<Stamp>>> = {
            let vault = state.read();
            (chunk.iter())
                .map(|path| {
                    let id = vault.id(path)?;
                    let file = vault.get(id)?;
                    if seen.len() <= id.0 as usize {
                        seen.resize(id.0 as usize + 1, None);
                    }
                    seen[id.0 as usize] = Some(file.revision);
                    Some(file.note().and_then(|n| n.stamp))
                })
                .collect()
        };
        // Stat'ed on this thread, not across the cores: the walk, not the stats, sets the
        // walk's pace (100k notes: 440–490 ms on one thread, 458–530 ms with rayon), and it
        // runs in the second after the first index, while the user's first requests arrive
        // (two-letter completion's p95 over 200 rounds begun then: 3.8–4.8 ms, 4.6–5.6 with
        // both cores taken).
        found.extend(
            (chunk.drain(..))
                .zip(stamps)
                .filter(|(path, stamp)| changed(path, stamp))
                .map(|(path, _)| path),
        );
    };
    // Once a shutdown is asked for, no more files are checked (the walk ends on its own) and
    // nothing is reported: the shutdown's write of the on-disk index waits for this walk, and
    // what changed is found by its stamp at the next start.
    let stopping = || (state.shutdown_requested).load(std::sync::atomic::Ordering::SeqCst);
    let mut chunk = Vec::with_capacity(CATCH_UP_CHUNK);
    loader::walk_each(roots, exclude, &mut |path| {
        if stopping() {
            return;
        }
        chunk.push(path);
        if chunk.len() == CATCH_UP_CHUNK {
            check(&mut chunk, &mut found);
        }
    });
    if stopping() {
        return Vec::new();
    }
    check(&mut chunk, &mut found);
    let bibliographies: Vec<_> = {
        let vault = state.read();
        found.extend(
            (vault.files())
                .filter(|(id, file)| seen.get(id.0 as usize) != Some(&Some(file.revision)))
                .map(|(_, file)| file.path.to_path_buf()),
        );
        (vault.sources.read_bibliographies())
            .map(|(bib, stamp)| (bib.path.clone(), stamp))
            .collect()
    };
    found.extend(
        bibliographies
            .into_iter()
            .filter(|(path, stamp)| !crate::cache::stamp::unchanged(path, stamp))
            .map(|(path, _)| path),
    );
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A shutdown asked for during the catch-up walk stops its checks: it reports nothing, so
    /// that the shutdown's write of the on-disk index is not held behind the walk.
    #[test]
    fn the_catch_up_walk_checks_nothing_once_a_shutdown_is_asked_for() {
        let dir = std::env::temp_dir().join(format!("notegraph-catch-up-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for name in ["a.md", "b.md"] {
            std::fs::write(dir.join(name), "# new since the index\n").unwrap();
        }
        let state = super::super::state::State::new();
        let roots = vec![dir.clone()];
        let mut found = changed_since_read(&state, &roots, &loader::Exclude::default());
        found.sort();
        assert_eq!(found, [dir.join("a.md"), dir.join("b.md")]);
        state
            .shutdown_requested
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let found = changed_since_read(&state, &roots, &loader::Exclude::default());
        assert_eq!(found, Vec::<PathBuf>::new());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
