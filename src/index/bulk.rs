//! Filing many new notes at once (the first index, cold or from the on-disk index): what each
//! note files — its place, name keys, folded aliases, link keys and tags — is computed for all
//! notes in parallel, and only the inserts into the vault's maps run one note at a time. The
//! result is the vault [`Vault::upsert_note`] would build note by note, in the same order.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::backlinks::KeyRefs;
use super::citations::literature_keys;
use super::{Content, Dialect, File, FileId, Note, TagEntry, Vault, keys};
use crate::syntax;

/// What a note files in the vault's maps: folded aliases, link keys, (folded, written) tags,
/// and the citation key its name or `citekey` carries.
pub(super) struct Entries {
    /// As names: inline when short (most are), so not an allocation each; and the first
    /// inline in the list, which a note with one alias then files without an allocation (and
    /// a free on another thread's heap).
    pub aliases: smallvec::SmallVec<[syntax::Name; 1]>,
    pub link_keys: Keys,
    pub tags: Vec<(String, String)>,
    pub literature: Option<String>,
}

impl Entries {
    /// What `file`, a note, files (`note` is its note).
    pub(super) fn of_file(file: &File, note: &Note) -> Entries {
        Entries {
            literature: literature_keys(file).map(|(key, _)| key),
            ..Entries::of(note)
        }
    }

    /// What `note` files but its citation key, which its file's name may carry.
    pub(super) fn of(note: &Note) -> Entries {
        Entries {
            literature: None,
            aliases: (note.syntax.aliases().iter())
                .map(|a| keys::fold_name(a))
                .collect(),
            link_keys: {
                let mut out = Keys::default();
                for link in note.syntax.links.iter().filter(|l| !l.is_same_note()) {
                    keys::push_link_key(&link.target, &mut out.text);
                    out.ends.push(out.text.len() as u32);
                }
                out
            },
            tags: note
                .syntax
                .tags()
                .iter()
                .map(|t| (keys::fold(&t.name), t.name.to_string()))
                .collect(),
        }
    }
}

/// Strings end to end in one allocation: a note's link keys, made on every core and read once
/// by the one thread that files them, without an allocation and a free each (a dense vault has
/// 13 links per note).
#[derive(Default, PartialEq)]
pub(super) struct Keys {
    text: String,
    ends: Vec<u32>,
}

impl Keys {
    /// Add `key` at the end, for a list built by hand.
    #[cfg(test)]
    pub(super) fn push(&mut self, key: &str) {
        self.text.push_str(key);
        self.ends.push(self.text.len() as u32);
    }

    pub(super) fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &str> {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let key = &self.text[start..end as usize];
            start = end as usize;
            key
        })
    }
}

/// A note to file, as a bulk filing's `open` makes it: its path and note, and where the path
/// lies (its root and relative path, as [`locate_in`] gives them) when the caller knows.
pub type Opened = (PathBuf, Box<Note>, Option<(usize, String)>);

/// Notes prepared at once: enough to share among threads, few enough that their entries — kept
/// until filed — add little to the peak memory (all 50,000 dense notes' entries at once cost
/// 14 MB more at the peak).
const CHUNK: usize = 4096;

/// How much of each note a bulk filing files.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Filing {
    /// Everything [`Vault::upsert_note`] files.
    Full,
    /// What resolving and completing names needs, for a restart's sketch (see
    /// [`Vault::insert_names`]): no citation keys, properties or folder index.
    Names,
}

/// What a bulk filing adds to the vault's sorted sets at the end, at once: (in a full filing)
/// every filed note (for `folders.rs`).
struct Fresh {
    files: Vec<FileId>,
}

/// A new note with everything it files computed (here, on every core, rather than by the one
/// thread that files): its file (but the revision, given when filed), its entries, and its
/// path's hash in `by_path`.
struct Prepared {
    file: File,
    entries: Entries,
    hash: u64,
}

impl Vault {
    /// Insert every note of `notes`, in order, as [`Vault::upsert_note`] would one by one: notes
    /// outside every root are left out, and a path already in the vault is replaced.
    pub fn insert_notes(&mut self, notes: Vec<(PathBuf, Box<Note>)>) {
        self.insert_filing(
            notes,
            &|(path, note)| Some((path, note, None)),
            Filing::Full,
            None,
        );
    }

    /// Read the notes at `paths` and insert them, in order, as [`Vault::insert_notes`] does:
    /// `read` gives a path's note, `None` for a file it skips. The reading and parsing is
    /// done a chunk at a time on the other cores while the chunk before is filed, so that a
    /// cold start's filing, which runs on one thread, is no longer a phase of its own after
    /// the reading (the cold start of 50,000 dense notes filed for ~1.4 s after reading).
    pub fn read_notes<E: Send>(
        &mut self,
        paths: Vec<PathBuf>,
        read: &(dyn Fn(&Path) -> Result<Box<Note>, E> + Sync),
    ) -> Vec<E> {
        // Each failure with its path's place: returned in the order of `paths`.
        let failed = std::sync::Mutex::new(Vec::new());
        self.insert_filing(
            paths.into_iter().enumerate().collect(),
            &|(i, path): (usize, PathBuf)| match read(&path) {
                Ok(note) => Some((path, note, None)),
                Err(err) => {
                    failed
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((i, err));
                    None
                }
            },
            Filing::Full,
            None,
        );
        let mut failed = failed.into_inner().unwrap_or_else(|e| e.into_inner());
        failed.sort_unstable_by_key(|(i, _)| *i);
        failed.into_iter().map(|(_, err)| err).collect()
    }

    /// [`Vault::insert_notes`] for a restart's sketch (`loader::load_sketch`), of what `open`
    /// makes of each of `notes` (made on every core, as the chunk before is filed). Its notes
    /// are names alone, and it answers only what names decide: their literature keys (one per
    /// note, ~150 ms at 100,000 notes), properties (~80 ms) and folders are not filed. An
    /// upsert into it (an open buffer) files that note's properties and citation key, and a new
    /// path's folder entry: partial, and read by nothing a sketch answers (see `State::sketch`);
    /// the full index replaces it whole. The vault is then seeded with the `popularity` of names
    /// ([`Vault::seed_popularity`]), beside the sorting of its names. Where `open` gives a
    /// note's place, it must be the one [`Vault::locate`] finds.
    pub fn insert_names<T: Send>(
        &mut self,
        notes: Vec<T>,
        open: &(dyn Fn(T) -> Option<Opened> + Sync),
        popularity: &[(&str, u32)],
    ) {
        self.insert_filing(notes, open, Filing::Names, Some(popularity));
    }

    /// File what `open` makes of each of `notes` (`None`: nothing), in order.
    fn insert_filing<T: Send>(
        &mut self,
        notes: Vec<T>,
        open: &(dyn Fn(T) -> Option<Opened> + Sync),
        filing: Filing,
        popularity: Option<&[(&str, u32)]>,
    ) {
        self.files.reserve(notes.len());
        self.by_path.reserve(&self.files, notes.len());
        // Most notes bring a name of their own: rehashing as the map grows cost ~5% of a
        // sketch's filing.
        self.by_name.reserve(notes.len());
        // Sorted orders are built once at the end rather than kept by an insert per note:
        // each property's values in order, the folders' files.
        let mut fresh = Fresh {
            files: Vec::with_capacity(notes.len()),
        };
        let full = filing == Filing::Full;
        if full {
            self.properties.defer_orders();
        }
        let seeds = popularity.unwrap_or_default();
        // A vault with no link counts yet (a sketch's) is seeded with the popularity of names
        // beside the filing, into a map of its own: at the end, on one core, it was ~20 ms of
        // a 100,000-note restart. Kept unless a note filed meanwhile brought links (notes of
        // names bring none): then the vault's own map is seeded after, as before.
        let mut seeded = None;
        if !seeds.is_empty() && self.links_by_key.is_empty() {
            let mut counts = rustc_hash::FxHashMap::default();
            rayon::join(
                || self.file_chunks(notes, open, filing, &mut fresh),
                || seed_counts(&mut counts, seeds),
            );
            seeded = Some(counts);
        } else {
            self.file_chunks(notes, open, filing, &mut fresh);
        }
        if full {
            self.properties.settle_orders();
        }
        let seeded = match seeded {
            Some(counts) if self.links_by_key.is_empty() => {
                self.links_by_key = counts;
                true
            }
            _ => false,
        };
        let (folders, filed) = (&mut self.folders, fresh.files);
        let (links_by_key, files) = (&mut self.links_by_key, &self.files);
        rayon::join(
            || folders.extend(files, filed),
            || {
                if !seeded {
                    seed_counts(links_by_key, seeds)
                }
            },
        );
        if popularity.is_some() {
            self.counts_generation += 1;
        }
    }

    /// File what `open` makes of each of `notes`, in order: each chunk prepared on the other
    /// cores while the one before it is filed.
    fn file_chunks<T: Send>(
        &mut self,
        notes: Vec<T>,
        open: &(dyn Fn(T) -> Option<Opened> + Sync),
        filing: Filing,
        fresh: &mut Fresh,
    ) {
        let (roots, dendron) = (self.roots.clone(), self.dialect == Dialect::Dendron);
        let mut notes = notes.into_iter();
        let mut next = || -> Vec<T> { notes.by_ref().take(CHUNK).collect() };
        let mut chunk = next();
        let mut prepared = prepare(&roots, dendron, filing, open, chunk);
        loop {
            chunk = next();
            if chunk.is_empty() {
                self.insert_chunk(prepared, fresh, filing);
                break;
            }
            let ((), following) = rayon::join(
                || self.insert_chunk(prepared, fresh, filing),
                || prepare(&roots, dendron, filing, open, chunk),
            );
            prepared = following;
        }
    }

    /// File `prepared`; what goes to the vault's sorted sets goes to `fresh` instead, for
    /// `insert_filing` to add at once.
    fn insert_chunk(&mut self, prepared: Vec<Option<Prepared>>, fresh: &mut Fresh, filing: Filing) {
        for prepared in prepared.into_iter().flatten() {
            let Prepared {
                mut file,
                entries,
                hash,
            } = prepared;
            if self
                .by_path
                .get_hashed(&self.files, hash, &file.path)
                .is_some()
            {
                let Content::Note(note) = file.content else {
                    continue;
                };
                // Already adapted: a replacement goes the one-note way.
                if !self.upsert(&file.path, Content::Note(note)).keys.is_empty() {
                    self.links_generation += 1;
                }
                continue;
            }
            self.generation += 1;
            file.revision = self.generation;
            let id = super::place(&mut self.files, &mut self.free, file);
            self.by_path.insert_hashed(&self.files, hash, id);
            // As `upsert` does: the folder index (`folders.rs`) knows every file.
            if filing == Filing::Full {
                fresh.files.push(id);
            }
            let name_key = self.files[id.0 as usize]
                .as_ref()
                .expect("placed")
                .name_key();
            if let Some(name) = add_name_unsorted(&mut self.by_name, name_key, id) {
                self.sorted_names.add(name);
            }
            self.index_entries(id, entries, filing);
            self.names_generation += 1;
            // A new note always brings its name: links may resolve differently.
            self.links_generation += 1;
        }
    }

    /// File note `id`'s content in the citation and property indexes (in a full filing) and
    /// `entries` in the vault's maps; the link keys filed.
    pub(super) fn index_entries(&mut self, id: FileId, entries: Entries, filing: Filing) -> Keys {
        let Some(file) = self.files[id.0 as usize].as_ref() else {
            return Keys::default();
        };
        let full = filing == Filing::Full;
        if full {
            self.sources.index_file_with(id, file, entries.literature);
        }
        let Some(note) = file.note() else {
            return Keys::default();
        };
        if full {
            self.properties.index_note(note);
        }
        for alias in entries.aliases {
            let ids = self.by_alias.entry(alias).or_default();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        file_links(&mut self.links_by_key, id, &entries.link_keys);
        if !entries.link_keys.is_empty() {
            self.counts_generation += 1;
        }
        file_tags(&mut self.tags, id, entries.tags);
        entries.link_keys
    }
}

/// File note `id`'s link keys (one per link) in `links_by_key`.
pub(super) fn file_links(
    links_by_key: &mut rustc_hash::FxHashMap<syntax::Name, KeyRefs>,
    id: FileId,
    keys: &Keys,
) {
    for key in keys.iter() {
        match links_by_key.get_mut(key) {
            Some(refs) => refs.add(id),
            None => {
                let mut refs = KeyRefs::default();
                refs.add(id);
                links_by_key.insert(syntax::Name::new(key), refs);
            }
        }
    }
}

/// File note `id`'s tags, (folded, written) one per use, in `tags`.
pub(super) fn file_tags(
    tags: &mut rustc_hash::FxHashMap<String, TagEntry>,
    id: FileId,
    uses: Vec<(String, String)>,
) {
    for (folded, name) in uses {
        let entry = tags.entry(folded).or_insert_with(|| TagEntry {
            name,
            notes: Default::default(),
        });
        *entry.notes.entry(id).or_default() += 1;
    }
}

/// What each of `notes` files, worked out on every core (see [`Prepared`]): `None` for one
/// `open` makes nothing of and for a note outside every root of `roots`. Citation keys (and
/// the folder index's copy of the path key) only for a full filing.
fn prepare<T: Send>(
    roots: &[PathBuf],
    dendron: bool,
    filing: Filing,
    open: &(dyn Fn(T) -> Option<Opened> + Sync),
    notes: Vec<T>,
) -> Vec<Option<Prepared>> {
    notes
        .into_par_iter()
        .map(|note| {
            let (path, mut note, located) = open(note)?;
            if dendron {
                syntax::dendron::adapt(&note.text.get(), &mut note.syntax);
            }
            let (root, rel) = match located {
                Some(located) => located,
                None => locate_in(roots, &path)?,
            };
            let entries = Entries::of(&note);
            let full = filing == Filing::Full;
            let hash = super::paths::hash(&path);
            let file = File::new(path, root, rel, Content::Note(note), 0);
            let literature = match full {
                true => literature_keys(&file).map(|(key, _)| key),
                false => None,
            };
            Some(Prepared {
                file,
                entries: Entries {
                    literature,
                    ..entries
                },
                hash,
            })
        })
        .collect()
}

/// [`Vault::locate`] among `roots`.
pub(super) fn locate_in(roots: &[PathBuf], path: &Path) -> Option<(usize, String)> {
    let (root, rel) = locate_plainly(roots, path).or_else(|| locate_by_components(roots, path))?;
    if rel.is_empty() {
        return None;
    }
    // One copy of the path (most hold no `\` and are NFC), not two.
    let rel = match rel.contains('\\') {
        true => rel.replace('\\', "/"),
        false => rel.to_string(),
    };
    Some((root, keys::nfc_owned(rel)))
}

/// The root holding `path` (the longest) and the path within it, comparing components.
fn locate_by_components<'a>(roots: &[PathBuf], path: &'a Path) -> Option<(usize, &'a str)> {
    let (root, rel) = roots
        .iter()
        .enumerate()
        .filter_map(|(i, root)| path.strip_prefix(root).ok().map(|rel| (i, rel)))
        .max_by_key(|(i, _)| roots[*i].as_os_str().len())?;
    // `root/../x` has the root as a prefix but names a file outside it.
    if rel
        .components()
        .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        return None;
    }
    Some((root, rel.to_str()?))
}

/// [`locate_by_components`]'s answer read from the bytes, when they settle it (on Unix, every
/// root and the path plain: absolute, UTF-8, no empty, `.` or `..` segment but a root's
/// trailing `/`): then comparing components gives the same answer. That component walk was a
/// quarter of the work of preparing a restart's notes for filing.
fn locate_plainly<'a>(roots: &[PathBuf], path: &'a Path) -> Option<(usize, &'a str)> {
    if !cfg!(unix) {
        return None;
    }
    let plain = |s: &str| {
        s.split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
    };
    let path = path.to_str()?;
    let mut found: Option<(usize, &str)> = None;
    for (i, root) in roots.iter().enumerate() {
        let root = root.to_str()?;
        // Absolute, and plain but for one trailing `/` (`/` itself: no segment).
        let segments = root.strip_prefix('/')?;
        let segments = segments.strip_suffix('/').unwrap_or(segments);
        if !segments.is_empty() && !plain(segments) {
            return None;
        }
        // The longest root holding the path (the last of equals), as `locate_in` picks.
        if let Some(rel) = keys::under_root(path, root)
            && found.is_none_or(|(j, _)| roots[j].as_os_str().len() <= roots[i].as_os_str().len())
        {
            found = Some((i, rel));
        }
    }
    found.filter(|(_, rel)| plain(rel))
}

/// File `id` under name key `key` in `by_name`; a key new to the vault is returned, for the
/// caller to add to `sorted_names`.
pub(super) fn add_name_unsorted(
    by_name: &mut rustc_hash::FxHashMap<syntax::Name, super::Ids>,
    key: &str,
    id: FileId,
) -> Option<syntax::Name> {
    match by_name.entry(syntax::Name::new(key)) {
        std::collections::hash_map::Entry::Occupied(mut ids) => {
            ids.get_mut().push(id);
            None
        }
        std::collections::hash_map::Entry::Vacant(slot) => {
            let key = slot.key().clone();
            slot.insert(std::iter::once(id).collect());
            Some(key)
        }
    }
}

/// Set each key's count of links in `links_by_key` to its `popularity` (see
/// [`Vault::seed_popularity`]).
pub(super) fn seed_counts(
    links_by_key: &mut rustc_hash::FxHashMap<syntax::Name, KeyRefs>,
    popularity: &[(&str, u32)],
) {
    links_by_key.reserve(popularity.len());
    for &(key, total) in popularity {
        links_by_key
            .entry(syntax::Name::new(key))
            .or_default()
            .total = total;
    }
}

#[cfg(test)]
#[path = "bulk_tests.rs"]
mod tests;
