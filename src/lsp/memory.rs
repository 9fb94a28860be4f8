//! How the server's process gives memory back: the binary's allocator is mimalloc (set up in
//! `src/main.rs`, which says why), and what indexing freed is handed back to the system once
//! the first index is built. Where the allocator is another (the library's tests), the call
//! only tidies mimalloc's unused state.

/// Hand the pages no allocation uses back to the system: after the first index is built, whose
/// texts and parses were read in buffers since freed.
pub fn release_free_pages() {
    // SAFETY: `mi_collect` takes the allocator's own locks and frees only unused pages.
    unsafe {
        libmimalloc_sys::mi_collect(true);
    }
}
