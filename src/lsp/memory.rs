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

fn collect() {
    // SAFETY: `mi_collect` has no arguments or preconditions and may be called on any thread;
    // on a thread mimalloc never served it finds nothing to free.
    unsafe {
        libmimalloc_sys::mi_collect(true);
    }
}
