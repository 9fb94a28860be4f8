//! A restart's full load handed over a segment of the on-disk index at a time
//! ([`load_streamed`]), for a server to file into the sketch it serves as it decodes the next:
//! the whole load decoded first was held beside the sketch (dense 50k: 117 MB of notes).

use std::path::PathBuf;

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

use super::cached::sort_walked;
use super::{CacheUse, CachedBibliographies, Exclude, Skipped, read_note, walk};
use crate::cache::Cache;
use crate::index::{Dialect, Note, path_hash as hash};

/// Notes the index does not hold, read from their files and handed over at once.
const CHUNK: usize = 1024;

/// What a streamed load found beside the notes it handed over.
pub struct Streamed {
    pub attachments: Vec<PathBuf>,
    pub skipped: Vec<Skipped>,
    pub bibliographies: CachedBibliographies,
    pub usage: CacheUse,
}

/// How a streamed load ended.
pub enum Stream {
    /// Every note was handed over.
    Done(Streamed),
    /// The taker said stop.
    Stopped,
    /// Nothing can be streamed, perhaps after some notes were handed over: the vault's dialect
    /// is not `dialect` (a `dendron.yml` came or went since the sketch), or the on-disk index
    /// is no longer usable (a segment or the bibliographies damaged, the file replaced by
    /// another build's). The caller loads again as it would without a sketch, which says why
    /// the index is discarded, once.
    Unusable,
}

/// [`super::load_trusting`] for a vault of `dialect`, handing its notes to `take` as they come,
/// rather than returning them at once: each segment of the on-disk index as it is decoded (the
/// next one decoded meanwhile), `true` with notes taken from it on trust (their stamps are the
/// index's), then the walked notes it does not hold, read from their files a chunk at a time,
/// with `false`. `take` returns whether to go on. `before_walk` runs before the walk, as there.
pub fn load_streamed(
    roots: &[PathBuf],
    exclude: &Exclude,
    cache: &Cache,
    dialect: Dialect,
    before_walk: &(dyn Fn() + Sync),
    progress: &(dyn Fn(usize, usize) + Sync),
    take: &mut (dyn FnMut(Vec<(PathBuf, Box<Note>)>, bool) -> bool + Send),
) -> Stream {
    let (walked, segments) = rayon::join(
        || {
            before_walk();
            walk(roots, exclude)
        },
        || cache.segments(),
    );
    let mut skipped = Vec::new();
    let (note_paths, attachments) = sort_walked(walked, &mut skipped);
    let Some(segments) = segments else {
        return Stream::Unusable;
    };
    let walked_dialect = Dialect::of_files(roots, attachments.iter().map(PathBuf::as_path));
    if walked_dialect != dialect || segments.dialect() != dialect {
        return Stream::Unusable;
    }
    let Ok(bibliographies) = segments.bibliographies() else {
        return Stream::Unusable;
    };
    // Each walked note's place in the walk by its path's hash, and whether it was given yet;
    // a given note's walked path is dropped as it is given (dense 50k: 5 MB held to the end).
    // A path walked twice (nested roots) is given once: its second place counts as given. Of
    // two paths of one hash, the second is never found here, so it is read from its file.
    let mut place: HashMap<u64, u32> = HashMap::default();
    let mut given = vec![false; note_paths.len()];
    let mut note_paths = note_paths;
    for (i, path) in note_paths.iter().enumerate() {
        let first = *place.entry(hash(path)).or_insert(i as u32);
        if first != i as u32 && note_paths[first as usize] == *path {
            given[i] = true;
        }
    }
    let mut usage = CacheUse {
        found: true,
        ..CacheUse::default()
    };
    let total = note_paths.len();
    let mut done = 0;
    let count = segments.len();
    let mut next = (count > 0).then(|| segments.decode(0));
    let mut at = 0;
    while let Some(decoded) = next {
        let Ok(decoded) = decoded else {
            return Stream::Unusable;
        };
        let mut notes = Vec::with_capacity(decoded.len());
        for (path, cached) in decoded {
            match place.get(&hash(&path)).map(|&i| i as usize) {
                Some(i) if !given[i] && note_paths[i] == path => {
                    given[i] = true;
                    note_paths[i] = PathBuf::new();
                    let stamp = cached.stamp;
                    notes.push((path, cached.into_note(stamp)));
                }
                // Gone since the index was written (or named twice in it).
                _ => usage.vanished += 1,
            }
        }
        usage.reused += notes.len();
        done += notes.len();
        at += 1;
        // The next segment decoded on rayon's threads while `take` runs on this one: `take`
        // waits for the vault's guard, which no thread of the pool should (one holding the
        // guard may be waiting for the pool).
        let mut following = None;
        let went_on = rayon::in_place_scope(|scope| {
            if at < count {
                scope.spawn(|_| following = Some(segments.decode(at)));
            }
            take(notes, true)
        });
        if !went_on {
            return Stream::Stopped;
        }
        progress(done, total);
        next = following;
    }
    drop(place);
    // New since the index was written: read.
    let unread: Vec<&PathBuf> = (note_paths.iter().zip(&given))
        .filter_map(|(path, &given)| (!given).then_some(path))
        .collect();

    usage.read = unread.len();
    for paths in unread.chunks(CHUNK) {
        let read: Vec<Result<Note, Skipped>> = paths.par_iter().map(|p| read_note(p)).collect();
        let mut notes = Vec::with_capacity(read.len());
        for (path, note) in paths.iter().zip(read) {
            match note {
                Ok(note) => notes.push(((*path).clone(), Box::new(note))),
                Err(skip) => {
                    tracing::warn!("skipped {}: {}", skip.path.display(), skip.reason);
                    skipped.push(skip);
                }
            }
        }
        if !take(notes, false) {
            return Stream::Stopped;
        }
        done += paths.len();
        progress(done, total);
    }
    Stream::Done(Streamed {
        attachments,
        skipped,
        bibliographies,
        usage,
    })
}
