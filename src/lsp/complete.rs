//! A restart's full load filed into the sketch it serves (`Vault::complete_notes`) as the
//! on-disk index's segments are decoded, a chunk of notes at a time under the vault's guard,
//! rather than decoded whole, built beside the sketch and swapped in: the sketch, the decoded
//! notes and the full index at once were a restart's peak memory (dense 50k: 239 MB).

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Instant;

use super::cite;
use super::state::Server;
use crate::cache::Cache;
use crate::index::{Completion, Note, Stamp, Vault, prepare_incoming};
use crate::loader::{self, CacheUse, CachedBibliographies, Skipped, Stream, Streamed};

/// How a restart's full load went into the sketch it serves.
pub(in crate::lsp) enum Completed {
    /// Filed and installed (`None`: a newer build started meanwhile), with the files skipped
    /// and what the on-disk index saved.
    Installed(Option<Vec<PathBuf>>, Vec<Skipped>, CacheUse),
    /// Not filed into the sketch (see `loader::Stream::Unusable`): the load is to be made as
    /// without one, and installed in its place.
    Unusable,
}

impl Server {
    /// Load the vault (`roots`) for build `generation` from the on-disk index a segment at a
    /// time (`loader::load_streamed`) and file each into the sketch the live vault is, a chunk
    /// under one hold of its guard (a request the sketch answers waits at most for one, ~10 ms
    /// at dense 50k); then install it as the full index. A newer build started meanwhile
    /// leaves the sketch, partly completed, for that one to replace: it still answers what
    /// names decide, as it did.
    pub(in crate::lsp) fn stream_into_sketch(
        &self,
        generation: u64,
        (roots, exclude): (&[PathBuf], &loader::Exclude),
        cache: &Cache,
        before_walk: &(dyn Fn() + Sync),
        report: &(dyn Fn(usize, usize) + Sync),
        started: Instant,
    ) -> Completed {
        let superseded = || Completed::Installed(None, Vec::new(), CacheUse::default());
        let (dialect, mut completion) = {
            let run = self.state.reindex();
            if run.latest != generation {
                return superseded();
            }
            if !self.state.is_sketch() {
                return Completed::Unusable;
            }
            let live = self.state.read();
            (live.dialect, live.begin_completion())
        };
        // The notes the index gave that the sketch did not list with the same stamp, to verify.
        let mut rest: Vec<(PathBuf, Stamp)> = Vec::new();
        let open = |path: &Path| self.state.docs.contains_key(path);
        let mut take = |notes: Vec<(PathBuf, Box<Note>)>, trusted: bool| {
            if trusted {
                let listed = self.state.unverified();
                rest.extend(notes.iter().filter_map(|(path, note)| {
                    let stamp = note.stamp?;
                    (listed.get(path) != Some(&stamp)).then(|| (path.clone(), stamp))
                }));
            }
            let ready = prepare_incoming(dialect, notes);
            // Under the index lock, as an install is: a newer build's sketch is never filed
            // into.
            let run = self.state.reindex();
            if run.latest != generation {
                return false;
            }
            self.state
                .write()
                .complete_notes(&mut completion, ready, &open);
            true
        };
        let filing = Instant::now();
        let reported = std::sync::atomic::AtomicUsize::new(0);
        let progress = |done, total| {
            report(done, total);
            if reported.fetch_add(1, Ordering::Relaxed) % 8 == 7 {
                super::memory::release_free_pages();
            }
        };
        let streamed = loader::load_streamed(
            roots,
            exclude,
            cache,
            dialect,
            before_walk,
            &progress,
            &mut take,
        );
        let streamed = match streamed {
            Stream::Done(streamed) => streamed,
            Stream::Stopped => return superseded(),
            Stream::Unusable => {
                tracing::debug!("the on-disk index cannot be filed into the sketch: loading anew");
                return Completed::Unusable;
            }
        };
        {
            let run = self.state.reindex();
            if run.latest != generation {
                return superseded();
            }
            let mut live = self.state.write();
            for path in &streamed.attachments {
                live.complete_attachment(&mut completion, path);
            }
        }
        tracing::debug!(
            "notes read and filed into the sketch in {} ms",
            filing.elapsed().as_millis()
        );
        let Streamed {
            skipped,
            bibliographies,
            usage,
            ..
        } = streamed;
        let finish = (rest, bibliographies, usage.is_stale());
        let installed =
            self.install_completed(generation, completion, finish, started, skipped.len());
        Completed::Installed(installed, skipped, usage)
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
        let dropped = |latest| {
            tracing::info!(
                "dropped the index of generation {generation}: generation {latest} is newer"
            );
            None
        };
        let open = |path: &Path| self.state.docs.contains_key(path);
        let gone = {
            let run = self.state.reindex();
            if run.latest != generation {
                return dropped(run.latest);
            }
            self.state.write().finish_completion(completion, &open)
        };
        // The bibliographies the full vault names, read without holding it: a large one
        // changed since the on-disk index was written is parsed again, which no request the
        // sketch answers should wait for. (Still the sketch: only names are answered.)
        let wanted = cite::bibliographies_wanted(&self.state, &self.state.read(), bibliographies);
        let (bibs, bibliographies_behind) = loader::read_bibliographies(wanted);
        let mut run = self.state.reindex();
        if run.latest != generation {
            return dropped(run.latest);
        }
        let mut live = self.state.write();
        loader::set_bibliographies(&mut live, bibs);
        self.index_behind(stale, bibliographies_behind);
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
        self.index_behind(stale, bibliographies_behind);
    }

    /// Record whether the on-disk index is behind the vault just loaded: its notes were
    /// (`stale`), `bibliographies` of its bibliographies were, or the vault's attachments
    /// changed.
    fn index_behind(&self, stale: bool, bibliographies: usize) {
        let attachments_behind = self.state.attachments_behind.swap(false, Ordering::SeqCst);
        let behind = stale || bibliographies > 0 || attachments_behind;
        self.state.cache_dirty.store(behind, Ordering::SeqCst);
    }
}
