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

/// How long mimalloc waits before it gives freed pages back to the system while the server
/// starts or indexes again: 10 ms (v2's default), not v3's second. A start frees as much as it
/// keeps (texts read, parse buffers, the runs completion's candidates are built in, the
/// walk's paths) while it keeps allocating, and pages freed a second ago were still held when
/// the next ones were touched. Dense 50k cold start, 6 alternated (`bench/cold_ab.py`): peak
/// RSS 207 → 203 MB at the same CPU (1,860 / 1,865 ms). Given back at once (0): 201 MB for 13%
/// more CPU, and a restart's full index 18% slower — pages given back and touched again at
/// each batch. README, "Freed pages given back sooner", has the starts with the on-disk index.
const START_PURGE_DELAY_MS: std::ffi::c_long = 10;

/// Indexing runs under way, each holding a [`StartPurging`].
static STARTS: std::sync::Mutex<usize> = std::sync::Mutex::new(0);

/// mimalloc's purge delay of its own (v3: a second), read before the first start changed it.
static USUAL_PURGE_DELAY: std::sync::OnceLock<std::ffi::c_long> = std::sync::OnceLock::new();

/// While held, mimalloc gives freed pages back after [`START_PURGE_DELAY_MS`]; once the last
/// is dropped, after its usual delay again. Not between starts: a keystroke's request that
/// allocates and frees megabytes (completion at 1,000,000 notes) would find its pages given
/// back since the last one and fault them in again (1M notes, 20 rounds: completion after one
/// letter p50 9 → 16 ms, references of the hub 76 → 99 ms with 10 ms kept). Nothing is changed
/// when `MIMALLOC_PURGE_DELAY` in the environment, which mimalloc reads itself, sets it.
pub struct StartPurging(());

impl StartPurging {
    pub fn begin() -> StartPurging {
        let mut starts = STARTS.lock().unwrap_or_else(|p| p.into_inner());
        if *starts == 0 && std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            // SAFETY: reading and setting an option have no preconditions; mimalloc reads the
            // delay each time it schedules a purge.
            unsafe {
                USUAL_PURGE_DELAY.get_or_init(|| libmimalloc_sys::mi_option_get(PURGE_DELAY));
                libmimalloc_sys::mi_option_set(PURGE_DELAY, START_PURGE_DELAY_MS);
            }
        }
        *starts += 1;
        StartPurging(())
    }
}

impl Drop for StartPurging {
    fn drop(&mut self) {
        let mut starts = STARTS.lock().unwrap_or_else(|p| p.into_inner());
        *starts -= 1;
        if *starts == 0
            && let Some(&usual) = USUAL_PURGE_DELAY.get()
        {
            // SAFETY: as above.
            unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, usual) }
        }
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
    /// libmimalloc-sys, [`StartPurging`] would set another option.
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
