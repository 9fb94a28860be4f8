//! How the server's process holds memory with glibc's allocator: fewer arenas, and the pages
//! freed while indexing handed back to the system once the index is built. Elsewhere (musl,
//! macOS, Windows) these do nothing.
//!
//! Why (issue 12, `bench/lsp_bench.py` on 50,000 generated notes, peak RSS after the request
//! rounds): indexing reads and parses notes on rayon's threads, and glibc gives each thread that
//! contends for the heap an arena of its own (up to eight per core). A note's text and parse are
//! allocated in a worker's arena and live on; what the worker freed in between stays mapped in
//! that arena for that arena's next allocations only. The same build peaked at 373 MB with
//! glibc's default, 355 MB with two arenas and 347 MB with one (`MALLOC_ARENA_MAX`), against a
//! live heap of 270 MB. Two keeps most of the gain and still lets two threads allocate at once.

/// Called once, before any thread starts: at most two arenas (the main one and one the other
/// threads share), so that what one worker freed is there for the next allocation of another.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        /// `M_ARENA_MAX` in glibc's `malloc.h`.
        const M_ARENA_MAX: i32 = -8;
        // SAFETY: `mallopt` only sets a parameter of the allocator; it is called before any
        // other thread exists. glibc has exported it since 2.0.
        unsafe {
            glibc::mallopt(M_ARENA_MAX, 2);
        }
    }
}

/// Hand the pages no allocation uses back to the system: after the first index is built, whose
/// texts and parses were read in buffers since freed.
pub fn release_free_pages() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` takes the allocator's own locks; it frees only unused pages.
    unsafe {
        glibc::malloc_trim(0);
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod glibc {
    // The two glibc functions, declared here rather than through the `libc` crate: two
    // signatures do not need a dependency.
    unsafe extern "C" {
        pub fn mallopt(param: i32, value: i32) -> i32;
        pub fn malloc_trim(pad: usize) -> i32;
    }
}
