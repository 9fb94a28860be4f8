//! A restart's full load filed into the sketch it serves (`Vault::complete_notes`), a chunk of
//! notes at a time under the vault's guard, rather than built beside the sketch and swapped in:
//! a vault of names and the full index at once were a restart's peak memory (dense 50k: the
//! sketch's 57 MB on top of the full index being filed).

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Instant;

use rayon::prelude::*;

use super::cite;
use super::state::Server;
use crate::index::{Completion, Incoming, Note, Stamp, Vault, prepare_incoming};
use crate::loader::{self, CachedBibliographies, Loaded, Skipped};

/// Notes filed under one hold of the vault's guard: a request the sketch answers waits at most
/// for one chunk (~10 ms at dense 50k).
const CHUNK: usize = 1024;

impl Server {
    /// Whether build `generation`'s full load can be filed into the sketch the live vault is:
    /// it still is (no newer build started), and the load found the sketch's dialect.
    pub(in crate::lsp) fn can_complete_sketch(
        &self,
        generation: u64,
        roots: &[PathBuf],
        loaded: &Loaded,
    ) -> bool {
        let run = self.state.reindex();
        let dialect =
            crate::index::Dialect::of_files(roots, loaded.attachments.iter().map(PathBuf::as_path));
        run.latest == generation && self.state.is_sketch() && self.state.read().dialect == dialect
    }

    /// File `loaded`, build `generation`'s full load, into the sketch the live vault is: its
    /// notes a chunk at a time (those not read yet read first, on every core), then its
    /// attachments. What was filed and the files skipped, or `None` when a newer build started
    /// meanwhile (the sketch, partly completed, is left for it to replace: it still answers
    /// what names decide, as it did).
    fn complete_sketch(
        &self,
        generation: u64,
        loaded: Loaded,
        report: &(dyn Fn(usize, usize) + Sync),
    ) -> Option<(Completion, Vec<Skipped>)> {
        let (dialect, mut completion) = {
            let live = self.state.read();
            (live.dialect, live.begin_completion())
        };
        let Loaded {
            notes,
            unread,
            attachments,
            mut skipped,
            bibliographies: _,
        } = loaded;
        let total = notes.len() + unread.len();
        let mut done = 0;
        let open = |path: &Path| self.state.docs.contains_key(path);
        // Under the index lock, as an install is: a newer build's sketch is never filed into.
        let mut file = |completion: &mut Completion, ready: Vec<Incoming>| {
            let count = ready.len();
            let run = self.state.reindex();
            if run.latest != generation {
                return false;
            }
            self.state.write().complete_notes(completion, ready, &open);
            drop(run);
            done += count;
            report(done, total);
            true
        };
        // The notes read, then those not read yet, read on every core a chunk at a time.
        let mut notes = notes.into_iter();
        let mut unread = unread.chunks(CHUNK);
        let mut next = || -> Option<Vec<Incoming>> {
            let mut chunk: Vec<_> = notes.by_ref().take(CHUNK).collect();
            if chunk.is_empty() {
                let paths = unread.next()?;
                let read: Vec<Result<Note, Skipped>> = paths
                    .par_iter()
                    .map(|path| loader::read_note(path))
                    .collect();
                for (path, note) in paths.iter().zip(read) {
                    match note {
                        Ok(note) => chunk.push((path.clone(), Box::new(note))),
                        Err(skip) => {
                            tracing::warn!("skipped {}: {}", skip.path.display(), skip.reason);
                            skipped.push(skip);
                        }
                    }
                }
            }
            Some(prepare_incoming(dialect, chunk))
        };
        // Each chunk made ready on the other cores while the one before it is filed.
        let mut ready = next();
        while let Some(chunk) = ready {
            let (filed, following) = rayon::join(|| file(&mut completion, chunk), &mut next);
            if !filed {
                return None;
            }
            ready = following;
        }
        let run = self.state.reindex();
        if run.latest != generation {
            return None;
        }
        let mut live = self.state.write();
        for path in &attachments {
            live.complete_attachment(&mut completion, path);
        }
        Some((completion, skipped))
    }

    /// [`Server::complete_sketch`], then [`Server::install_completed`]: whether installed
    /// (with the paths changed on disk meanwhile), and the files skipped.
    pub(in crate::lsp) fn complete_and_install(
        &self,
        generation: u64,
        loaded: Loaded,
        finish: (Vec<(PathBuf, Stamp)>, CachedBibliographies, bool),
        started: Instant,
        report: &(dyn Fn(usize, usize) + Sync),
    ) -> (Option<Vec<PathBuf>>, Vec<Skipped>) {
        let filing = Instant::now();
        let Some((completion, skipped)) = self.complete_sketch(generation, loaded, report) else {
            return (None, Vec::new());
        };
        tracing::debug!(
            "notes filed into the sketch in {} ms",
            filing.elapsed().as_millis()
        );
        let count = skipped.len();
        let installed = self.install_completed(generation, completion, finish, started, count);
        (installed, skipped)
    }

    /// End build `generation`'s completion of the sketch (see `Vault::finish_completion`) and
    /// serve the vault as the full index, as `install` does a vault built beside the sketch:
    /// the bibliographies loaded, the open buffers filed, the notes still to verify listed
    /// (`rest`: the load's notes the sketch did not list with the same stamp). The paths
    /// changed on disk during the build, or `None` when a newer build started.
    fn install_completed(
        &self,
        generation: u64,
        completion: Completion,
        (rest, bibliographies, stale): (Vec<(PathBuf, Stamp)>, CachedBibliographies, bool),
        started: Instant,
        skipped: usize,
    ) -> Option<Vec<PathBuf>> {
        let mut run = self.state.reindex();
        if run.latest != generation {
            tracing::info!(
                "dropped the index of generation {generation}: generation {} is newer",
                run.latest
            );
            return None;
        }
        let mut live = self.state.write();
        let open = |path: &Path| self.state.docs.contains_key(path);
        let gone = live.finish_completion(completion, &open);
        self.finish_loading(&mut live, bibliographies, stale);
        // The vault was configured when the sketch was served, and by every change of the
        // settings since (`reconfigure` configures the live vault).
        self.open_buffers_into(&mut live);
        let notes = live.note_count();
        let mut listed = self.state.unverified();
        listed.extend(rest);
        if !listed.is_empty() {
            self.state.ready.send_replace(false);
        }
        drop(listed);
        drop(live);
        self.state.sketch.send_replace(false);
        // Completion's candidates stay: the full load changed no name the sketch listed (one
        // that did is in the vault's log of changed names, which brings them up to date).
        *self.state.symbols.lock().unwrap_or_else(|p| p.into_inner()) = None;
        run.installed = generation;
        let pending = std::mem::take(&mut run.pending);
        tracing::info!(
            "indexed {notes} notes in {} ms, filed into the sketch ({gone} of its files gone, \
             {skipped} files skipped; generation {generation})",
            started.elapsed().as_millis(),
        );
        Some(pending)
    }

    /// What every full load does once its notes are filed: the bibliographies loaded (from
    /// the on-disk index's `bibliographies` where their files are unchanged), and whether the
    /// on-disk index is behind the vault (`stale`: its notes were).
    pub(in crate::lsp) fn finish_loading(
        &self,
        vault: &mut Vault,
        bibliographies: CachedBibliographies,
        stale: bool,
    ) {
        let bibliographies_behind = cite::load_bibliographies(&self.state, vault, bibliographies);
        let attachments_behind = self.state.attachments_behind.swap(false, Ordering::SeqCst);
        let behind = stale || bibliographies_behind > 0 || attachments_behind;
        self.state.cache_dirty.store(behind, Ordering::SeqCst);
    }
}
