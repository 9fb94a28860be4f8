//! The on-disk index's notes read a segment at a time ([`Cache::segments`]): a restart files
//! each segment's notes as it decodes the next, instead of decoding every segment before
//! filing any (dense 50k: 117 MB of notes held beside the sketch they were filed into).

use std::fs::File;
use std::path::PathBuf;

use rustc_hash::FxHashMap as HashMap;

use super::segment::read_segment;
use super::{Cache, CachedBibliography, CachedNote, Entry, Trailer, bibliographies, dialect_of};
use crate::index::Dialect;

/// An on-disk index whose trailer checked out, open for its segments (see [`Cache::segments`]).
pub struct Segments<'c> {
    cache: &'c Cache,
    file: File,
    trailer: Trailer,
    /// Past this offset no section lies.
    limit: u64,
}

impl Cache {
    /// The index file open for its segments, when it is this build's for these roots (else
    /// `None`, logged as [`Cache::load`] logs it). Each segment is checked as it is read: one
    /// that is not what this build wrote is an error then.
    pub fn segments(&self) -> Option<Segments<'_>> {
        let file = self.open()?;
        self.usable(self.segments_of(file))
    }

    /// `file`, this index's, open for its segments once its trailer checks out.
    pub(super) fn segments_of(&self, file: File) -> Result<Segments<'_>, String> {
        let (trailer, limit) = self.trailer(&file)?;
        Ok(Segments {
            cache: self,
            file,
            trailer,
            limit,
        })
    }
}

impl Segments<'_> {
    /// The link dialect the parses were made by.
    pub fn dialect(&self) -> Dialect {
        dialect_of(self.trailer.dendron)
    }

    /// How many notes the segments hold, as the trailer says.
    pub fn notes(&self) -> u64 {
        self.trailer.notes
    }

    /// The file's length up to its trailer: no count it holds can be more.
    pub(super) fn limit(&self) -> u64 {
        self.limit
    }

    pub fn len(&self) -> usize {
        self.trailer.segments.len()
    }

    pub fn is_empty(&self) -> bool {
        self.trailer.segments.is_empty()
    }

    /// Segment `i`'s notes by path, each checked ([`Cache::checked`]). Decoded and turned into
    /// notes on one thread, so that the decoded strings are freed where the notes' texts are
    /// allocated (on the same thread's heap): when one thread converted every segment's
    /// afterwards, a restart peaked ~20% above a cold start (glibc's allocator).
    pub fn decode(&self, i: usize) -> Result<Vec<(PathBuf, CachedNote)>, String> {
        let &(at, len) = self.trailer.segments.get(i).ok_or("no such segment")?;
        let bytes = read_segment(&self.file, at, len, self.limit)?;
        let entries: Vec<Entry> = postcard::from_bytes(&bytes[16..]).map_err(|e| e.to_string())?;
        entries.into_iter().map(|e| self.cache.checked(e)).collect()
    }

    /// The bibliographies the index holds, by path.
    pub fn bibliographies(&self) -> Result<HashMap<PathBuf, CachedBibliography>, String> {
        let (at, len) = self.trailer.bibliographies;
        let bytes = read_segment(&self.file, at, len, self.limit)?;
        bibliographies::decode(&bytes[16..])
    }
}
