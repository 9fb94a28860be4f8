//! How the server's process gives memory back: the binary's allocator is mimalloc (set up in
//! `src/main.rs`, which says why), and what indexing freed is handed back to the system once
//! the first index is built. Where the allocator is another (the library's tests), the calls
//! only tidy mimalloc's unused state.

/// Hand the pages no allocation uses back to the system: after the first index is built, whose
/// texts and parses were read in buffers since freed. mimalloc collects a thread's own heap
/// only, so each of rayon's threads (which read and parsed the notes) collects its own, and so
/// does each of completion's scoring threads (which build its candidates), then the calling
/// thread.
pub fn release_free_pages() {
    rayon::broadcast(|_| collect());
    if let Some(scoring) = crate::features::completion::scoring_threads() {
        scoring.broadcast(|_| collect());
    }
    collect();
}

/// mimalloc's `mi_option_purge_delay`: its place in v3's `mi_option_t` (mimalloc.h), which
/// libmimalloc-sys does not name. A test checks that the option there is the purge delay.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// How long mimalloc waits before it gives freed pages back to the system: 10 ms (v2's
/// default), not v3's second. A start frees as much as it keeps (texts read, parse buffers,
/// the runs completion's candidates are built in, the walk's paths) while it keeps
/// allocating, and pages freed a second ago were still held when the next ones were touched.
/// Dense 50k cold start, 6 alternated (`bench/cold_ab.py`): peak RSS 207 → 203 MB at the same
/// CPU (1,860 / 1,865 ms). Given back at once (0): 201 MB for 13% more CPU, and a restart's
/// full index 18% slower — pages given back and touched again at each batch. README,
/// "Freed pages given back sooner", has the starts with the on-disk index.
const PURGE_DELAY_MS: std::ffi::c_long = 10;

/// Set mimalloc's purge delay ([`PURGE_DELAY_MS`]), unless `MIMALLOC_PURGE_DELAY` in the
/// environment, which mimalloc reads itself, sets it.
pub fn tune_purging() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: setting an option has no preconditions; mimalloc reads it at each purge.
        unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, PURGE_DELAY_MS) }
    }
}

fn collect() {
    // SAFETY: `mi_collect` has no arguments or preconditions and may be called on any thread;
    // on a thread mimalloc never served it finds nothing to free.
    unsafe {
        libmimalloc_sys::mi_collect(true);
    }
}

#[cfg(test)]
mod tests {
    /// The option [`super::PURGE_DELAY`] names holds mimalloc v3's default purge delay, 1000
    /// ms, where its neighbours hold 1 and 0: were the enum renumbered by an update of
    /// libmimalloc-sys, `tune_purging` would set another option.
    #[test]
    fn the_option_set_is_mimallocs_purge_delay() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        // SAFETY: reading options has no preconditions.
        let get = |option| unsafe { libmimalloc_sys::mi_option_get(option) };
        assert_eq!(
            (
                get(super::PURGE_DELAY - 1),
                get(super::PURGE_DELAY),
                get(super::PURGE_DELAY + 1)
            ),
            (1, 1000, 0)
        );
    }
}
