//! A restart's first index, made from the on-disk index's names section alone while the vault is
//! walked: a vault of names, no text, that answers what names decide until the full index is
//! read (see [`load_sketch`]).

use std::ffi::OsStr;
use std::path::PathBuf;

use rustc_hash::FxHashSet as HashSet;

use rayon::prelude::*;

use super::cached::sort_walked;
use super::{Exclude, Skipped, read_note, walk};
use crate::cache::{Cache, NamedNote, Names};
use crate::index::{Dialect, FileId, Note, NoteText, Stamp, Vault};
use crate::syntax::{Frontmatter, Name, NoteSyntax, Parts, Property, Shape, Span};

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
    /// The completion image written beside the names section, when the vault filed the
    /// section's files under the ids the image gives them.
    pub image: Option<SketchImage>,
    /// Whether the walk found other attachments than the names section lists: the on-disk
    /// index is then behind the vault though no note changed, and is to be written again (or
    /// every restart would patch the completion image for them again).
    pub attachments_changed: bool,
}

/// A completion image (`crate::cache::Image`) that fits a sketch: the vault held, at
/// `generation` (its [`Vault::listed_generation`]), exactly the `files` files the image lists,
/// file `i` under `FileId(i)`. What changed since — the walk's new and vanished files, open
/// buffers — the vault's log of changed names tells.
pub struct SketchImage {
    pub bytes: Vec<u8>,
    pub files: usize,
    pub generation: u64,
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
            // Sorted here, on the walk's side, which finishes long before the filing: the
            // sort was ~20 ms of one core on the filing's side at 100,000 notes.
            let files = sort_walked(walk(roots, exclude), &mut Vec::new());
            tracing::debug!(
                "sketch: walked the vault in {} ms",
                started.elapsed().as_millis()
            );
            // Only gone when the filing side gave up (an unusable names section).
            let _ = walked.send(files);
        },
        move || {
            let mut cached = cache.load_names()?;
            let image = cached.completion.take();
            let names = cached.read()?;
            let mut vault = Vault::new(vault_roots);
            vault.dialect = cached.dialect;
            // Each note is made of its names as its chunk is prepared for filing.
            let named: Vec<&NamedNote> = names.notes.iter().collect();
            // A note's place is its entry's root and relative path where the vault's one root is
            // the section's, byte for byte, and the path reads the same in every form (ASCII, no
            // `\`): what `Vault::locate` would find, without its walk over the path.
            let one_root = matches!(
                (vault.roots(), names.roots()),
                ([a], [b]) if a.as_os_str() == b.as_os_str()
            );
            let located = |named: &NamedNote| {
                let plain = one_root && named.rel.is_ascii() && !named.rel.contains('\\');
                plain.then(|| (0, named.rel.to_string()))
            };
            vault.insert_names(
                named,
                &|named| Some((names.path(named), names_only(named), located(named))),
                &names.popularity,
            );
            // Filed after the notes, in order, as the image lists them.
            for &attachment in &names.attachments {
                vault.upsert_attachment(&names.attachment_path(attachment));
            }
            let image = image
                .filter(|_| files_in_order(&vault, &names))
                .map(|bytes| SketchImage {
                    bytes,
                    files: names.files(),
                    generation: vault.listed_generation(),
                });
            tracing::debug!(
                "sketch: read and filed the names of {} notes in {} ms",
                names.notes.len(),
                started.elapsed().as_millis()
            );
            // This rayon worker waits here for the walk on the other side of the join: safe
            // while `walk` itself queues no rayon work (it does not), which would wait too.
            let walked = walking.recv().ok()?;
            let made = complete_sketch(roots, vault, cached.dialect, &names, walked)?;
            Some((made, image))
        },
    );
    let (sketch, image) = sketch?;
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
        image,
        attachments_changed: sketch.attachments_changed,
    })
}

/// Whether `vault` holds the files of `names` (its notes, then its attachments) under ids
/// 0, 1, … in that order, and no other: as a fresh vault files them unless an entry was
/// refused or named twice, which a completion image written with the section cannot follow.
fn files_in_order(vault: &Vault, names: &Names) -> bool {
    let notes = names.notes.iter().map(|n| (n.root, n.rel));
    let files = notes.chain(names.attachments.iter().copied());
    let files: Vec<(u32, &str)> = files.collect();
    vault.files().count() == names.files()
        && files.par_iter().enumerate().all(|(i, &(root, rel))| {
            vault.get(FileId(i as u32)).is_some_and(|file| {
                file.root as u32 == root && names.is_at(&file.path, (root, rel))
            })
        })
}

/// A sketch made, and how many of its notes the names section did not know (`new`) and how
/// many of those it knows are no longer in the vault (`gone`).
struct Made {
    vault: Vault,
    unverified: Vec<(PathBuf, Stamp)>,
    new: usize,
    gone: usize,
    /// See [`Sketch::attachments_changed`].
    attachments_changed: bool,
}

/// Make `vault`, filed from `names`, hold the files the walk found (its notes and its
/// attachments, as `sort_walked` parts them): attachments
/// added, notes `names` does not know read, notes it knows that the walk did not find removed.
/// `None` when the vault's dialect is no longer the one the names were filed by.
fn complete_sketch(
    roots: &[PathBuf],
    mut vault: Vault,
    dialect: Dialect,
    names: &Names,
    (note_paths, attachments): (Vec<PathBuf>, Vec<PathBuf>),
) -> Option<Made> {
    if Dialect::of_files(roots, attachments.iter().map(PathBuf::as_path)) != dialect {
        // `load_trusting` discards the whole index for this, and says so.
        return None;
    }
    for path in &attachments {
        vault.upsert_attachment(path);
    }
    // The section's attachments were filed with its notes: those the walk did not find go.
    // (Compared as paths: a walked path written otherwise is the same file, upserted above.)
    let mut gone = 0;
    // The section's attachments the walk did not find; with none, the walk found the section's
    // attachments alone when it found as many.
    let mut unwalked = 0;
    if !names.attachments.is_empty() {
        let walked: HashSet<&std::path::Path> = attachments.iter().map(PathBuf::as_path).collect();
        for &attachment in &names.attachments {
            let path = names.attachment_path(attachment);
            if walked.contains(path.as_path()) {
                continue;
            }
            unwalked += 1;
            let filed = vault.id(&path).and_then(|id| vault.get(id));
            if filed.is_some_and(|f| !f.is_note()) {
                vault.remove(&path);
                gone += 1;
            }
        }
    }
    let attachments_changed = unwalked > 0 || attachments.len() != names.attachments.len();
    // Each walked note's entry in the names section, if it has one: most often the entry in
    // the same place, since the section lists the notes in the order the last full index filed
    // them, which is the order its walk found them and an unchanged folder gives again (a map
    // of the section's paths, built only when one is elsewhere, cost ~10 ms of the sketch's
    // critical path at 100,000 notes, and hashing every walked path ~15 ms more).
    let by_path = std::sync::OnceLock::new();
    let found: Vec<Option<usize>> = note_paths
        .par_iter()
        .enumerate()
        .map(|(i, path)| match names.notes.get(i) {
            Some(named) if names.is_path_of(named, path) => Some(i),
            _ => by_path.get_or_init(|| names.by_path()).find(path),
        })
        .collect();
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
    // Sized first: collected through `filter_map`, the list grew by doubling (~15 ms at
    // 100,000 notes, on one core).
    let mut unverified = Vec::with_capacity(note_paths.len() - new);
    for (path, found) in note_paths.into_iter().zip(found) {
        if let Some(found) = found {
            unverified.push((path, names.notes[found].stamp));
        }
    }
    Some(Made {
        vault,
        unverified,
        new,
        gone,
        attachments_changed,
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
            let values = named.aliases.iter().map(|a| (a.into(), Span::default()));
            property("aliases", Shape::List, values.collect())
        });
        let citekey = named.citekey.map(|key| {
            property(
                "citekey",
                Shape::Scalar,
                [(key.into(), Span::default())].into(),
            )
        });
        Frontmatter {
            properties: aliases.into_iter().chain(citekey).collect(),
            valid: true,
            ..Frontmatter::default()
        }
    });
    Box::new(Note {
        text: NoteText::empty(),
        syntax: NoteSyntax::of_parts(Parts {
            frontmatter: frontmatter.as_ref(),
            headings: &[],
            tags: &[],
            blocks: &[],
            fields: &[],
        }),
        stamp: None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{Scratch, age};
    use super::super::{Exclude, load_cached};
    use super::*;

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
        assert_eq!(cache.save(|| &vault, None).expect("saved"), 3);
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

    /// An image written with the names section fits a sketch that filed the section's files
    /// under ids 0, 1, …: notes (a decomposed name among them, whose relative path the vault
    /// writes composed), then attachments.
    #[test]
    fn a_sketch_takes_the_image_written_with_its_names_when_it_files_their_files_in_order() {
        let dir = Scratch::new("sketch-image");
        let roots = vec![dir.0.join("v")];
        age(&dir.write("v/Cafe\u{301}.md", "# café\n"), 2);
        age(&dir.write("v/sub/b.md", "# b\n"), 2);
        dir.write("v/sub/pic.png", "png");
        let cache = Cache::at(dir.0.join("cache").join("index"), roots.clone());
        let (loaded, _) = load_cached(&roots, &Exclude::default(), &|_, _| {}, None);
        let (vault, _) = loaded.into_vault(roots.clone());
        // The image a caller would lay out: here, the number of files it was given.
        let image: crate::cache::Image = &|_, files| {
            let count = files.len() as u8;
            Some(Box::new(move || {
                Some(Box::new(vec![count]) as Box<dyn crate::cache::Payload>)
            }))
        };
        assert_eq!(cache.save(|| &vault, Some(image)).expect("saved"), 2);

        let sketch = load_sketch(&roots, roots.clone(), &Exclude::default(), &cache).unwrap();
        let image = sketch.image.expect("the image fits");
        assert_eq!((image.bytes, image.files), (vec![3], 3));
        assert_eq!(image.generation, sketch.vault.listed_generation());
    }

    /// A sketch says the on-disk index is behind when the walk found other attachments than
    /// its names section lists — one added, one gone, one renamed — and not when it found the
    /// same ones.
    #[test]
    fn a_sketch_tells_whether_the_vault_s_attachments_changed_since_the_index_was_written() {
        let dir = Scratch::new("sketch-attachments");
        let root = dir.0.join("v");
        let roots = vec![root.clone()];
        age(&dir.write("v/a.md", "![[pic.png]]\n"), 2);
        dir.write("v/pic.png", "png");
        let cache = Cache::at(dir.0.join("cache").join("index"), roots.clone());
        let (loaded, _) = load_cached(&roots, &Exclude::default(), &|_, _| {}, None);
        let (vault, _) = loaded.into_vault(roots.clone());
        assert_eq!(cache.save(|| &vault, None).expect("saved"), 1);
        let changed = || {
            load_sketch(&roots, roots.clone(), &Exclude::default(), &cache)
                .expect("a sketch")
                .attachments_changed
        };
        assert!(!changed(), "nothing changed");
        dir.write("v/new.png", "png");
        assert!(changed(), "one added");
        std::fs::remove_file(root.join("new.png")).unwrap();
        assert!(!changed(), "back as written");
        std::fs::rename(root.join("pic.png"), root.join("renamed.png")).unwrap();
        assert!(changed(), "one renamed");
        std::fs::remove_file(root.join("renamed.png")).unwrap();
        assert!(changed(), "one gone");
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
        assert_eq!(cache.save(|| &vault, None).expect("saved"), 2);
        let names = |vault: &Vault| {
            let mut out: Vec<_> = (vault.notes())
                .map(|(_, file, note)| {
                    let fm = note.syntax.frontmatter();
                    let citekey = fm.and_then(|fm| fm.citekey().map(|k| k.to_string()));
                    let name = file.path.file_name().unwrap().to_owned();
                    (name, note.syntax.aliases().join("|"), citekey)
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

    /// Each walked note is matched to its entry in the names section wherever the walk puts it:
    /// in the entry's place, or (new notes walked among the others) by its path.
    #[test]
    fn a_sketch_gives_each_known_note_its_stamp_when_new_notes_change_the_walk_s_order() {
        let dir = Scratch::new("sketch-order");
        let roots = vec![dir.0.join("v")];
        for i in 0..20 {
            age(&dir.write(&format!("v/n{i}.md"), &format!("# {i}\n")), 2);
        }
        let cache = Cache::at(dir.0.join("cache").join("index"), roots.clone());
        let (loaded, _) = load_cached(&roots, &Exclude::default(), &|_, _| {}, None);
        let (vault, _) = loaded.into_vault(roots.clone());
        assert_eq!(cache.save(|| &vault, None).expect("saved"), 20);
        for name in ["a", "m", "n10b", "z"] {
            dir.write(&format!("v/{name}.md"), "# new\n");
        }
        let known = |vault: &Vault| {
            let mut out: Vec<(PathBuf, Stamp)> = (vault.notes())
                .filter_map(|(_, file, note)| Some((file.path.to_path_buf(), note.stamp?)))
                .collect();
            out.sort_by(|a, b| a.0.cmp(&b.0));
            out
        };

        let sketch = load_sketch(&roots, roots.clone(), &Exclude::default(), &cache).unwrap();
        let mut unverified = sketch.unverified.clone();
        unverified.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(unverified, known(&vault));
        assert_eq!(sketch.vault.note_count(), 24);
        // Each note filed where the vault finds its path, the ones placed from the section too.
        for (_, file) in sketch.vault.files() {
            let at = sketch.vault.locate(&file.path);
            assert_eq!(at, Some((file.root, file.rel().to_string())));
        }
    }
}
