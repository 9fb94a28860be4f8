//! Loading with the on-disk index (`crate::cache`): a note whose file still has the stamp the
//! index saw comes from the index; every other note is read and parsed as [`super::load`] does.

use std::ffi::OsStr;
use std::path::PathBuf;

use rustc_hash::FxHashSet as HashSet;

use rayon::prelude::*;

use super::{Counted, Exclude, Loaded, Skipped, read_note, walk};
use crate::cache::stamp::unchanged;
use crate::cache::{ByPath, Cache, NamedNote, Names};
use crate::index::{Dialect, Note, NoteText, Stamp, Vault, is_note_path};
use crate::syntax::{Frontmatter, Name, NoteSyntax, Property, Shape, Span};

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

/// A restart's first index, made from the on-disk index's names section alone (see
/// [`load_sketch`]).
pub struct Sketch {
    /// The vault's files as the walk found them: every note the names section holds as a note
    /// of names alone (no text, no stamp: never written back), new notes read and parsed; the
    /// popularity of names (what completion ranks by) as the full index had it.
    pub vault: Vault,
    /// The notes taken from the names section, with the stamp it gave each, for
    /// `Server::all_verified` to check before an answer that read them stands.
    pub unverified: Vec<(PathBuf, Stamp)>,
}

/// Walk the vault (`roots`) while the on-disk index's names section is read and filed as a
/// vault of `vault_roots`, each note reduced to its names (path, aliases, citation key): when
/// the names section is usable and of this vault's dialect, that vault made to hold the files
/// the walk found — notes the names section does not know read, notes it knows that the walk
/// did not find removed — is the sketch.
///
/// What a sketch can answer exactly: where a link resolves by its target's path or name (the
/// walk gives every path; a name is a path's), and which names complete a prefix. What it
/// cannot: anything in a note's text — headings, blocks, links, tags; the caller answers only
/// the former from it.
pub fn load_sketch(
    roots: &[PathBuf],
    vault_roots: Vec<PathBuf>,
    exclude: &Exclude,
    cache: &Cache,
) -> Option<Sketch> {
    // No index written yet (a first start): no sketch, and no walk the full load would repeat.
    if !cache.file().is_file() {
        return None;
    }
    let started = std::time::Instant::now();
    // Filing is the longer half and runs on one thread but for its preparation: the walk runs
    // beside it rather than before it, and hands its files over when done. The names are
    // borrowed from the section's bytes, which live on the filing side until the sketch is
    // made (a map of owned paths and aliases cost more than the filing).
    let (walked, walking) = std::sync::mpsc::channel();
    let ((), sketch) = rayon::join(
        || {
            let files = walk(roots, exclude);
            tracing::debug!(
                "sketch: walked the vault in {} ms",
                started.elapsed().as_millis()
            );
            // Only gone when the filing side gave up (an unusable names section).
            let _ = walked.send(files);
        },
        move || {
            let cached = cache.load_names()?;
            let names = cached.read()?;
            let mut vault = Vault::new(vault_roots);
            vault.dialect = cached.dialect;
            // Each note is made of its names as its chunk is prepared for filing.
            let named: Vec<&NamedNote> = names.notes.iter().collect();
            let (by_path, ()) = rayon::join(
                || names.by_path(),
                || {
                    vault.insert_names(
                        named,
                        &|named| Some((names.path(named), names_only(named))),
                        &names.popularity,
                    )
                },
            );
            tracing::debug!(
                "sketch: read and filed the names of {} notes in {} ms",
                names.notes.len(),
                started.elapsed().as_millis()
            );
            // This rayon worker waits here for the walk on the other side of the join: safe
            // while `walk` itself queues no rayon work (it does not), which would wait too.
            let walked = walking.recv().ok()?;
            complete_sketch(roots, vault, cached.dialect, &names, &by_path, walked)
        },
    );
    let sketch = sketch?;
    tracing::debug!(
        "sketched {} notes from the names of the on-disk index in {} ms ({} new, {} gone)",
        sketch.vault.note_count(),
        started.elapsed().as_millis(),
        sketch.new,
        sketch.gone,
    );
    Some(Sketch {
        vault: sketch.vault,
        unverified: sketch.unverified,
    })
}

/// A sketch made, and how many of its notes the names section did not know (`new`) and how
/// many of those it knows are no longer in the vault (`gone`).
struct Made {
    vault: Vault,
    unverified: Vec<(PathBuf, Stamp)>,
    new: usize,
    gone: usize,
}

/// Make `vault`, filed from `names`, hold the files the walk found (`walked`): attachments
/// added, notes `names` does not know read, notes it knows that the walk did not find removed.
/// `None` when the vault's dialect is no longer the one the names were filed by.
fn complete_sketch(
    roots: &[PathBuf],
    mut vault: Vault,
    dialect: Dialect,
    names: &Names,
    by_path: &ByPath,
    walked: Vec<PathBuf>,
) -> Option<Made> {
    let mut skipped = Vec::new();
    let (note_paths, attachments) = sort_walked(walked, &mut skipped);
    if Dialect::of_files(roots, attachments.iter().map(PathBuf::as_path)) != dialect {
        // `load_trusting` discards the whole index for this, and says so.
        return None;
    }
    for path in &attachments {
        vault.upsert_attachment(path);
    }
    // Each walked note's entry in the names section, if it has one.
    let found: Vec<Option<usize>> = note_paths.par_iter().map(|p| by_path.find(p)).collect();
    let fresh: Vec<&PathBuf> = note_paths
        .iter()
        .zip(&found)
        .filter_map(|(path, found)| found.is_none().then_some(path))
        .collect();
    // Read where the walk found them; not logged when skipped: the full load reads them again.
    let read: Vec<(&PathBuf, Result<Note, Skipped>)> = fresh
        .into_par_iter()
        .map(|path| (path, read_note(path)))
        .collect();
    let new = read.len();
    for (path, note) in read {
        if let Ok(note) = note {
            vault.upsert_note(path, note);
        }
    }
    // Every walked note not new is in the names section: unless the section holds more, none
    // of its notes is gone, and no set of the walked paths is needed to find them — but only
    // when each path was walked once, which nested roots break (their notes are walked twice),
    // and each entry names its own path, which a section naming one path twice breaks.
    let nested = roots.iter().enumerate().any(|(i, a)| {
        roots
            .iter()
            .enumerate()
            .any(|(j, b)| i != j && b.starts_with(a))
    });
    let mut gone = 0;
    if nested || note_paths.len() - new < names.notes.len() {
        let found: HashSet<&OsStr> = note_paths.iter().map(|p| p.as_os_str()).collect();
        for named in &names.notes {
            let path = names.path(named);
            if !found.contains(path.as_os_str()) && vault.id(&path).is_some() {
                vault.remove(&path);
                gone += 1;
            }
        }
    }
    let unverified = note_paths
        .into_iter()
        .zip(found)
        .filter_map(|(path, found)| Some((path, names.notes[found?].stamp)))
        .collect();
    Some(Made {
        vault,
        unverified,
        new,
        gone,
    })
}

/// A note of names alone: no text, its aliases and citation key as its frontmatter's properties
/// (which is where a parse's frontmatter keeps them). Read back they are what was written: an
/// alias was already split and trimmed, so splitting it again leaves it whole.
fn names_only(named: &NamedNote) -> Box<Note> {
    let frontmatter = (!named.aliases.is_empty() || named.citekey.is_some()).then(|| {
        let property = |key: &str, shape, values: Box<[(Name, Span)]>| Property {
            key: key.into(),
            key_span: Span::default(),
            shape,
            values,
        };
        let aliases = (!named.aliases.is_empty()).then(|| {
            let values = named.aliases.iter().map(|&a| (a.into(), Span::default()));
            property("aliases", Shape::List, values.collect())
        });
        let citekey = named.citekey.map(|key| {
            property(
                "citekey",
                Shape::Scalar,
                [(key.into(), Span::default())].into(),
            )
        });
        Box::new(Frontmatter {
            properties: aliases.into_iter().chain(citekey).collect(),
            valid: true,
            ..Frontmatter::default()
        })
    });
    Box::new(Note {
        text: NoteText::plain(""),
        syntax: NoteSyntax {
            frontmatter,
            ..NoteSyntax::default()
        },
        stamp: None,
    })
}

/// Split the walk's files into notes and attachments, setting aside (and logging) files whose
/// name is not UTF-8: links name notes by their text, so such a name cannot be linked, shown
/// or sent as a URI.
fn sort_walked(walked: Vec<PathBuf>, skipped: &mut Vec<Skipped>) -> (Vec<PathBuf>, Vec<PathBuf>) {
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
pub fn verify(
    unverified: &[(PathBuf, Stamp)],
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Vec<(PathBuf, Verified)> {
    let counted = Counted::new(unverified.len(), 1024, progress);
    unverified
        .par_iter()
        .filter_map(|(path, stamp)| {
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
            found.map(|f| (path.clone(), f))
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
                    notes.push((path, Box::new(entry.into_note(stamp))));
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
    use std::time::{Duration, SystemTime};

    use super::super::test_support::Scratch;
    use super::*;

    fn age(path: &std::path::Path, hours: u64) {
        let file = std::fs::File::options().append(true).open(path).unwrap();
        file.set_modified(SystemTime::now() - Duration::from_secs(3600 * hours))
            .unwrap();
    }

    #[test]
    fn a_sketch_of_nested_roots_leaves_out_a_note_deleted_since_the_index_was_written() {
        let dir = Scratch::new("sketch-nested");
        let root = dir.0.join("v");
        // Notes below `sub` are walked twice, once from each root.
        let roots = vec![root.clone(), root.join("sub")];
        for rel in ["v/sub/a.md", "v/sub/b.md", "v/gone.md"] {
            age(&dir.write(rel, "# x\n"), 2);
        }
        let cache = Cache::at(dir.0.join("cache").join("index"), roots.clone());
        let (loaded, _) = load_cached(&roots, &Exclude::default(), &|_, _| {}, None);
        let (vault, _) = loaded.into_vault(roots.clone());
        assert_eq!(cache.save(|| &vault).expect("saved"), 3);
        std::fs::remove_file(root.join("gone.md")).unwrap();

        let sketch = load_sketch(&roots, roots.clone(), &Exclude::default(), &cache).unwrap();
        let mut notes: Vec<PathBuf> = sketch
            .vault
            .files()
            .filter(|(_, file)| file.is_note())
            .map(|(_, file)| file.path.strip_prefix(&root).unwrap().to_path_buf())
            .collect();
        notes.sort();
        assert_eq!(
            notes,
            [PathBuf::from("sub/a.md"), PathBuf::from("sub/b.md")]
        );
    }

    /// A sketch's notes are names alone, kept as frontmatter properties: each reads back the
    /// aliases (already split) and the citation key of the note it stands for.
    #[test]
    fn a_sketch_note_has_the_aliases_and_citation_key_of_the_note_it_stands_for() {
        let dir = Scratch::new("sketch-names");
        let roots = vec![dir.0.join("v")];
        let fm = "---\naliases: [Alpha, \"b,c\", d e]\ncitekey: smith2020\n---\n# a\n";
        age(&dir.write("v/a.md", fm), 2);
        age(&dir.write("v/plain.md", "# plain\n"), 2);
        let cache = Cache::at(dir.0.join("cache").join("index"), roots.clone());
        let (loaded, _) = load_cached(&roots, &Exclude::default(), &|_, _| {}, None);
        let (vault, _) = loaded.into_vault(roots.clone());
        assert_eq!(cache.save(|| &vault).expect("saved"), 2);
        let names = |vault: &Vault| {
            let mut out: Vec<_> = (vault.notes())
                .map(|(_, file, note)| {
                    let fm = note.syntax.frontmatter.as_ref();
                    let citekey = fm.and_then(|fm| fm.citekey()).map(|k| k.to_string());
                    let name = file.path.file_name().unwrap().to_owned();
                    (
                        name,
                        note.syntax.aliases().collect::<Vec<_>>().join("|"),
                        citekey,
                    )
                })
                .collect();
            out.sort();
            out
        };
        let sketch = load_sketch(&roots, roots.clone(), &Exclude::default(), &cache).unwrap();
        assert_eq!(names(&sketch.vault), names(&vault));
        let a = (
            "a.md".into(),
            "Alpha|b|c|d e".into(),
            Some("smith2020".into()),
        );
        assert_eq!(names(&vault), [a, ("plain.md".into(), String::new(), None)]);
    }

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
