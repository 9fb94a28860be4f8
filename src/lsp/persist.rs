//! Keeping the on-disk index (`crate::cache`) current: written after the first index when the
//! disk had changed since the last one, when the server has been idle a while after notes were
//! read from the disk again, and at shutdown. Writing runs off the async reactor and holds the
//! vault's read lock one segment at a time, so edits keep being applied meanwhile.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::state::Server;

/// How often the idle writer looks whether the on-disk index is behind.
const IDLE_CHECK: Duration = Duration::from_secs(30);

impl Server {
    /// Write the on-disk index now, if there is one and notes were read since it was written.
    /// One write at a time, and not beside a cold start's catch-up walk (`cache_writing`): so a
    /// shutdown that comes during that walk waits for it (~0.1–0.4 s at 50,000 notes).
    pub(in crate::lsp) async fn save_index(&self) {
        let Some(cache) = self
            .state
            .cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
        else {
            return;
        };
        let _writing = self.state.cache_writing.lock().await;
        // A sketch's notes hold names alone (and no stamp, so none would be written); the
        // index on disk stays as it was until the full one is served.
        if self.state.is_sketch() {
            return;
        }
        // Cleared before writing: a change read while the file is written marks it again.
        if !self.state.cache_dirty.swap(false, Ordering::SeqCst) {
            return;
        }
        let state = self.state.clone();
        let started = Instant::now();
        let written = tokio::task::spawn_blocking(move || {
            // What the start or the notes read again freed (their texts, the decoded
            // segments, the parse buffers) given back first: the write's buffers are then new
            // pages on top of what the index holds, not on top of that as well.
            super::memory::release_free_pages();
            // Completion's candidates as they are, which the image is taken from when they
            // are current (read under the names' guard, as the vault).
            let image = |vault: &crate::index::Vault, files: &[crate::index::FileId]| {
                let current = state
                    .candidates
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .clone();
                crate::features::completion::encode_image_from(current, vault, files)
            };
            cache.save(|| state.read(), Some(&image))
        })
        .await;
        // The segments were encoded in buffers on rayon's threads, since freed: without this,
        // a restart that wrote the index after reading 5% of a dense 50k vault again kept 70 MB
        // more than it needed until the next index.
        let _ = tokio::task::spawn_blocking(super::memory::release_free_pages).await;
        match written {
            Ok(Ok(notes)) => tracing::info!(
                "on-disk index: {notes} notes written in {} ms",
                started.elapsed().as_millis()
            ),
            Ok(Err(err)) => tracing::warn!("on-disk index not written: {err}"),
            Err(err) => tracing::warn!("on-disk index not written: {err}"),
        }
    }

    /// Until shutdown, write the on-disk index whenever it is behind and the server idle.
    pub(in crate::lsp) fn keep_index_saved(&self) {
        let server = self.clone();
        self.state.cache_saver.call_once(|| {
            tokio::spawn(async move {
                let mut generation = server.state.read().generation();
                loop {
                    tokio::time::sleep(IDLE_CHECK).await;
                    if server.state.shutdown_requested.load(Ordering::SeqCst) {
                        return;
                    }
                    // Idle: nothing changed in the vault since the last look.
                    let now = server.state.read().generation();
                    if now == generation {
                        server.save_index().await;
                    }
                    generation = now;
                }
            });
        });
    }
}
