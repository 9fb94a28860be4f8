//! Loading with the on-disk index (`crate::cache`): a note whose file still has the stamp the
//! index saw comes from the index; every other note is read and parsed as [`super::load`] does.

use std::path::PathBuf;

use rayon::prelude::*;

use super::{Counted, Exclude, Loaded, Skipped, read_note, walk};
use crate::cache::Cache;
use crate::cache::stamp::unchanged;
use crate::index::{Dialect, Note, Stamp, is_note_path};

/// What a load did with the on-disk index.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CacheUse {
    /// Notes taken from the cache without reading their file.
    pub reused: usize,
    /// Notes whose file was read again because its time or size changed, or that are new
    /// (without an on-disk index: every note, to be read as it is filed, unreadable ones too).
    pub read: usize,
    /// Cached notes whose file is gone (or no longer a note of the vault).
    pub vanished: usize,
    /// Reused notes whose file was touched (new time, same bytes): their stamp is new.
    pub touched: usize,
    /// Whether there was a usable cache at all.
    pub found: bool,
}

impl CacheUse {
    /// The one line that says what the on-disk index saved (tests and the benchmark read it).
    pub fn log(&self) {
        tracing::info!(
            "on-disk index: {} notes unchanged ({} of them touched), {} read, {} gone",
            self.reused,
            self.touched,
            self.read,
            self.vanished
        );
    }

    /// Count what [`verify`] found among the notes taken on trust.
    pub fn count_verified(&mut self, found: &[(PathBuf, Verified)]) {
        for (_, verified) in found {
            match verified {
                Verified::Touched(_) => self.touched += 1,
                Verified::Changed(_) => {
                    self.reused = self.reused.saturating_sub(1);
                    self.read += 1;
                }
                Verified::Failed(_) => {
                    self.reused = self.reused.saturating_sub(1);
                    self.vanished += 1;
                }
            }
        }
    }

    /// Whether the cache on disk no longer matches the vault and should be written again.
    pub fn is_stale(&self) -> bool {
        !self.found || self.read > 0 || self.vanished > 0 || self.touched > 0
    }
}

/// What became of one note's path in [`load_cached`].
enum Outcome {
    /// Read (and parsed) from its file.
    Read(Box<Note>),
    /// The cached note stands, under this stamp.
    Cached(Stamp),
}

/// [`load`], taking every note whose file still has the time and size the cache saw from the
/// cache instead of reading and parsing it. A file whose time or size changed is read; if its
/// bytes hash as before, its cached parse is kept. The cache is read while the vault is walked.
pub fn load_cached(
    roots: &[PathBuf],
    exclude: &Exclude,
    progress: &(dyn Fn(usize, usize) + Sync),
    cache: Option<&Cache>,
) -> (Loaded, CacheUse) {
    let (loaded, usage, unverified) = load_with(roots, exclude, progress, cache, true, &|| {});
    debug_assert!(unverified.is_empty());
    (loaded, usage)
}

/// [`load_cached`] without the check of each cached note's file: the vault's files are those
/// the walk finds (new ones read, vanished ones left out), and every note the cache holds comes
/// from it as it was, its path and cached stamp listed in the third value for [`verify`] to
/// check later. This is what lets a server answer before it has looked at every file.
/// `before_walk` runs just before the walk, while the on-disk index is being read (the server
/// waits there for its file watcher: a file created before it is armed must be walked).
pub fn load_trusting(
    roots: &[PathBuf],
    exclude: &Exclude,
    progress: &(dyn Fn(usize, usize) + Sync),
    cache: Option<&Cache>,
    before_walk: &(dyn Fn() + Sync),
) -> (Loaded, CacheUse, Vec<(PathBuf, Stamp)>) {
    load_with(roots, exclude, progress, cache, false, before_walk)
}

/// Split the walk's files into notes and attachments, setting aside (and logging) files whose
/// name is not UTF-8: links name notes by their text, so such a name cannot be linked, shown
/// or sent as a URI.
pub(super) fn sort_walked(
    walked: Vec<PathBuf>,
    skipped: &mut Vec<Skipped>,
) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let (files, unnamed): (Vec<PathBuf>, Vec<PathBuf>) =
        walked.into_iter().partition(|p| p.to_str().is_some());
    for path in unnamed {
        let skip = Skipped {
            reason: "its file name is not valid UTF-8".into(),
            path,
        };
        tracing::warn!("skipped {}: {}", skip.path.display(), skip.reason);
        skipped.push(skip);
    }
    files.into_iter().partition(|p| is_note_path(p))
}

/// What [`verify`] found of a note taken from the on-disk index on trust.
pub enum Verified {
    /// Its file has a new time but the same bytes: the cached parse stands, under this stamp.
    Touched(Stamp),
    /// Its file changed: here it is, read and parsed again.
    Changed(Box<Note>),
    /// Its file can no longer be read as a note (gone since the walk, or now too large…).
    Failed(Skipped),
}

/// Check every note `load_trusting` took on trust against its file (in parallel): the notes
/// whose file changed, with what became of each; unchanged ones are not listed.
pub fn verify<P: AsRef<std::path::Path> + Sync>(
    unverified: &[(P, Stamp)],
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Vec<(PathBuf, Verified)> {
    let counted = Counted::new(unverified.len(), 1024, progress);
    unverified
        .par_iter()
        .filter_map(|(path, stamp)| {
            let path = path.as_ref();
            let found = if unchanged(path, stamp) {
                None
            } else {
                Some(match read_note(path) {
                    Ok(note) => match note.stamp {
                        Some(new) if new.hash == stamp.hash => Verified::Touched(new),
                        _ => Verified::Changed(Box::new(note)),
                    },
                    Err(skip) => Verified::Failed(skip),
                })
            };
            counted.step();
            found.map(|f| (path.to_path_buf(), f))
        })
        .collect()
}

fn load_with(
    roots: &[PathBuf],
    exclude: &Exclude,
    progress: &(dyn Fn(usize, usize) + Sync),
    cache: Option<&Cache>,
    check: bool,
    before_walk: &(dyn Fn() + Sync),
) -> (Loaded, CacheUse, Vec<(PathBuf, Stamp)>) {
    let started = std::time::Instant::now();
    let (walked, cached) = rayon::join(
        || {
            before_walk();
            let walking = std::time::Instant::now();
            let walked = walk(roots, exclude);
            tracing::debug!(
                "walked the vault in {} ms ({} ms after the start)",
                walking.elapsed().as_millis(),
                started.elapsed().as_millis()
            );
            walked
        },
        || {
            let cached = cache.and_then(Cache::load);
            tracing::debug!(
                "read the on-disk index in {} ms",
                started.elapsed().as_millis()
            );
            cached
        },
    );
    let mut skipped = Vec::new();
    let (note_paths, attachments) = sort_walked(walked, &mut skipped);
    let dialect = Dialect::of_files(roots, attachments.iter().map(PathBuf::as_path));
    // A parse read by another dialect's link rules is of no use.
    let mut cached = cached.filter(|c| {
        let same = c.dialect == dialect;
        if !same {
            tracing::info!("on-disk index discarded: the vault's link dialect changed");
        }
        same
    });
    let bibliographies = cached
        .as_mut()
        .map(|c| std::mem::take(&mut c.bibliographies))
        .unwrap_or_default();
    let mut usage = CacheUse {
        found: cached.is_some(),
        ..CacheUse::default()
    };
    // No on-disk index: every note is read, and is read as it is filed (`Loaded::into_vault`).
    if cached.is_none() {
        usage.read = note_paths.len();
        let loaded = Loaded {
            notes: Vec::new(),
            unread: note_paths,
            attachments,
            skipped,
            bibliographies,
        };
        return (loaded, usage, Vec::new());
    }
    let counted = Counted::new(note_paths.len(), 256, progress);
    let results: Vec<(PathBuf, Result<Outcome, Skipped>)> = note_paths
        .into_par_iter()
        .map(|path| {
            let entry = cached.as_ref().and_then(|c| c.notes.get(&path));
            let result = match entry {
                Some(entry) if !check || unchanged(&path, &entry.stamp) => {
                    Ok(Outcome::Cached(entry.stamp))
                }
                _ => read_note(&path).map(|note| match (entry, note.stamp) {
                    // Touched but not changed (a checkout, a sync): keep the parse.
                    (Some(entry), Some(stamp)) if stamp.hash == entry.stamp.hash => {
                        Outcome::Cached(stamp)
                    }
                    _ => Outcome::Read(Box::new(note)),
                }),
            };
            counted.step();
            (path, result)
        })
        .collect();
    let mut notes = Vec::with_capacity(results.len());
    let mut unverified = Vec::new();
    for (path, result) in results {
        match result {
            Ok(Outcome::Read(note)) => {
                usage.read += 1;
                if let Some(c) = cached.as_mut() {
                    c.notes.remove(&path);
                }
                notes.push((path, note));
            }
            Ok(Outcome::Cached(stamp)) => match cached.as_mut().and_then(|c| c.notes.remove(&path))
            {
                Some(entry) => {
                    usage.reused += 1;
                    usage.touched += usize::from(entry.stamp != stamp);
                    if !check {
                        unverified.push((path.clone(), stamp));
                    }
                    notes.push((path, entry.into_note(stamp)));
                }
                // Walked twice (nested roots): the first took the entry; read this one.
                None => match read_note(&path) {
                    Ok(note) => notes.push((path, Box::new(note))),
                    Err(skip) => skipped.push(skip),
                },
            },
            Err(skip) => {
                tracing::warn!("skipped {}: {}", skip.path.display(), skip.reason);
                skipped.push(skip);
            }
        }
    }
    usage.vanished = cached.map_or(0, |c| c.notes.len());
    tracing::debug!(
        "notes checked and read in {} ms",
        started.elapsed().as_millis()
    );
    // Trusted notes are not known to be unchanged yet: the caller says so once verified.
    if usage.found && check {
        usage.log();
    }
    let loaded = Loaded {
        notes,
        unread: Vec::new(),
        attachments,
        skipped,
        bibliographies,
    };
    (loaded, usage, unverified)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{Scratch, age};
    use super::*;

    #[test]
    fn verify_lists_each_changed_note_with_what_became_of_it_and_leaves_out_the_unchanged() {
        let dir = Scratch::new("verify");
        let names = ["same", "touched", "changed", "gone"];
        let paths: Vec<PathBuf> = names
            .iter()
            .map(|n| {
                let path = dir.write(&format!("{n}.md"), &format!("# {n}\n[[other]]\n"));
                age(&path, 2);
                path
            })
            .collect();
        let unverified: Vec<(PathBuf, Stamp)> = paths
            .iter()
            .map(|p| (p.clone(), read_note(p).unwrap().stamp.unwrap()))
            .collect();
        age(&paths[1], 1);
        std::fs::write(&paths[2], "# changed\n[[else]]\n").unwrap();
        age(&paths[2], 1);
        std::fs::remove_file(&paths[3]).unwrap();

        let mut found: Vec<(String, String)> = verify(&unverified, &|_, _| {})
            .into_iter()
            .map(|(path, v)| {
                let name = path.file_stem().unwrap().to_string_lossy().into_owned();
                let what = match v {
                    Verified::Touched(stamp) => {
                        format!("touched, hash kept: {}", stamp.hash == unverified[1].1.hash)
                    }
                    Verified::Changed(note) => format!("changed: {:?}", note.text()),
                    Verified::Failed(_) => "failed".to_string(),
                };
                (name, what)
            })
            .collect();
        found.sort();
        assert_eq!(
            found,
            [
                ("changed", "changed: \"# changed\\n[[else]]\\n\""),
                ("gone", "failed"),
                ("touched", "touched, hash kept: true"),
            ]
            .map(|(a, b)| (a.to_string(), b.to_string()))
        );
        let mut usage = CacheUse {
            reused: 4,
            found: true,
            ..CacheUse::default()
        };
        usage.count_verified(&verify(&unverified, &|_, _| {}));
        assert_eq!(
            (usage.reused, usage.touched, usage.read, usage.vanished),
            (2, 1, 1, 1)
        );
    }
}
