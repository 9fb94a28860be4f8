//! Verifying the notes a restart took from the on-disk index: every file is checked against
//! the stamp the index holds (one `stat` each, a read where it changed) in the background,
//! while requests are already answered (see `Server::at_checked`), and what changed is filed.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tower_lsp_server::{Bounded, NotCancellable, OngoingProgress};

use super::state::{Server, Unverified};
use crate::loader::{self, CacheUse, Verified};

/// Tests set this (milliseconds) to hold the verification back, so that what is answered
/// before it ends can be observed; nothing else should.
pub const VERIFY_DELAY_VARIABLE: &str = "NOTEGRAPH_TEST_VERIFY_DELAY_MS";

fn delay() -> Option<Duration> {
    let ms = std::env::var(VERIFY_DELAY_VARIABLE).ok()?.parse().ok()?;
    Some(Duration::from_millis(ms))
}

impl Server {
    /// Check the notes of index `generation` that came from the on-disk index unverified, file
    /// what changed, log what the index saved (`usage`, completed here) and empty
    /// `State::unverified`. False when a newer index replaced this one meanwhile (that one is
    /// verified on its own; nothing is filed into it from here).
    pub(in crate::lsp) async fn verify(
        &self,
        generation: u64,
        mut usage: CacheUse,
        progress: Option<&OngoingProgress<Bounded, NotCancellable>>,
    ) -> bool {
        if let Some(delay) = delay() {
            tokio::time::sleep(delay).await;
        }
        let started = Instant::now();
        // The notes to check, listed from `State::unverified` off the reactor (a copy of every
        // path: ~100 ms at 1M notes). Taken now, once the index is installed, so that the copy
        // is never held beside the sketch and the notes being filed.
        let count = self.state.unverified().len();
        let listed = Arc::new(std::sync::OnceLock::new());
        let (tx, mut rx) = mpsc::unbounded_channel::<(usize, usize)>();
        let task = tokio::task::spawn_blocking({
            let server = self.clone();
            let listed = listed.clone();
            move || {
                let report = |done, total| {
                    let _ = tx.send((done, total));
                };
                let list = listed.get_or_init(|| server.unverified_list());
                loader::verify(list, &report)
            }
        });
        while let Some((done, total)) = rx.recv().await {
            if let Some(progress) = progress {
                let percent = (done * 100 / total.max(1)) as u32;
                progress
                    .report_with_message(format!("checked {done}/{total} files"), percent)
                    .await;
            }
        }
        let found = match task.await {
            Ok(found) => found,
            Err(err) => {
                // Nothing can be vouched for: every note is read again.
                tracing::error!("verifying the on-disk index failed: {err}; reading every note");
                let paths = match listed.get() {
                    Some(list) => list.iter().map(|(p, _)| p.to_path_buf()).collect(),
                    None => self.state.unverified().keys().cloned().collect(),
                };
                return self.reread(generation, paths).await;
            }
        };
        usage.count_verified(&found);
        tracing::debug!(
            "checked {} notes against their files in {} ms ({} changed or touched)",
            count,
            started.elapsed().as_millis(),
            found.len()
        );
        let server = self.clone();
        let filed = tokio::task::spawn_blocking(move || {
            let Some(_one_batch) = server.batch_if_current(generation) else {
                return false;
            };
            let changed = !found.is_empty();
            for (path, verified) in found {
                // An open note's buffer is the truth, as for every change from disk.
                let Some(mut vault) = server.state.write_unless_open(&path) else {
                    continue;
                };
                match verified {
                    Verified::Touched(stamp) => {
                        vault.restamp(&path, stamp);
                    }
                    Verified::Changed(note) => {
                        vault.upsert_note(&path, *note);
                    }
                    Verified::Failed(skip) => {
                        tracing::warn!("skipped {}: {}", skip.path.display(), skip.reason);
                        vault.remove(&path);
                    }
                }
            }
            if changed {
                server.state.cache_dirty.store(true, Ordering::SeqCst);
            }
            *server.state.unverified() = Unverified::default();
            true
        })
        .await
        .unwrap_or(false);
        if filed {
            usage.log();
            // The notes read again were read and parsed in buffers since freed.
            tokio::task::spawn_blocking(super::memory::release_free_pages);
        }
        filed
    }

    /// The disk-change batch lock (one batch of disk changes at a time, see
    /// `apply_disk_changes`), held only while index `generation` is both installed and the
    /// latest build: a check of a replaced index must file nothing.
    fn batch_if_current(&self, generation: u64) -> Option<std::sync::MutexGuard<'_, ()>> {
        let batch = self
            .state
            .disk_batch
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let run = self.state.reindex();
        (run.installed == generation && run.latest == generation).then_some(batch)
    }

    /// Read `paths` again as disk changes and empty `State::unverified`, unless index
    /// `generation` was replaced meanwhile.
    async fn reread(&self, generation: u64, paths: Vec<PathBuf>) -> bool {
        let server = self.clone();
        let current = tokio::task::spawn_blocking(move || {
            let Some(_one_batch) = server.batch_if_current(generation) else {
                return false;
            };
            for path in paths {
                server.refresh_from_disk(&path);
            }
            server.state.cache_dirty.store(true, Ordering::SeqCst);
            *server.state.unverified() = Unverified::default();
            true
        })
        .await;
        current.unwrap_or(false)
    }
}
