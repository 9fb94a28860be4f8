//! The on-disk index's names section (see the parent module's doc): what a restart reads
//! before anything else, to resolve links to notes and complete names while the rest is read.

use std::fs::File;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};

use super::{
    Cache, dialect_of, is_plain_relative, read_segment, read_segment_payload, unpack, word,
};
use crate::index::{Dialect, Nanos, Stamp};

/// One note as the names section holds it, borrowed from the section's bytes (see the
/// module's doc): its path is `rel` below root number `root` ([`Names::path`]).
pub struct NamedNote<'a> {
    pub root: u32,
    pub rel: &'a str,
    pub stamp: Stamp,
    pub aliases: Aliases<'a>,
    pub citekey: Option<&'a str>,
}

/// A named note's aliases: its run of the section's table of aliases, each checked when read.
#[derive(Clone, Copy)]
pub struct Aliases<'a> {
    entries: &'a [u8],
    strings: &'a str,
}

impl<'a> Aliases<'a> {
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        let strings = self.strings;
        // Every entry was found in `strings` when the section was read.
        (self.entries.chunks_exact(SLICE_BYTES)).filter_map(move |entry| string_at(strings, entry))
    }
}

/// The names section as stored: every string end to end, every list of fixed-width
/// little-endian records, read in one pass each. Decoding 100,000 notes field by field through
/// serde (a varint each, a list of aliases allocated for each note) was ~30 ms on the critical
/// path of a restart's sketch.
#[derive(Serialize, Deserialize)]
pub(super) struct NamesSection<'a> {
    /// [`NOTE_BYTES`] each: root, relative path (at, len), aliases (first, count), citation key
    /// (at, len), flags ([`RACY`], [`HAS_CITEKEY`]), then the stamp's time, size and hash.
    #[serde(borrow, serialize_with = "super::as_bytes")]
    pub(super) notes: &'a [u8],
    /// Every note's aliases, each a string's (at, len), a note's in a run.
    #[serde(borrow, serialize_with = "super::as_bytes")]
    pub(super) aliases: &'a [u8],
    /// The vault's other files (attachments), each as root number and relative path (at,
    /// len): with the notes, the files a completion image lists ([`Names::files`]).
    #[serde(borrow, serialize_with = "super::as_bytes")]
    pub(super) attachments: &'a [u8],
    /// How many links name each file's name key (the ones named at least once): the key (at,
    /// len) and the count.
    #[serde(borrow, serialize_with = "super::as_bytes")]
    pub(super) popularity: &'a [u8],
    /// Last, so that a writer lays the records out before it has written a string: where each
    /// string lies is a count of the bytes before it (see `section.rs`).
    #[serde(borrow)]
    pub(super) strings: &'a str,
}

pub(super) const SLICE_BYTES: usize = 8;
pub(super) const NOTE_BYTES: usize = 64;
pub(super) const RACY: u32 = 1;
pub(super) const HAS_CITEKEY: u32 = 2;

fn wide(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

/// The string a slice record (at, len) names in `strings`, if it lies there on char boundaries.
fn string_at<'a>(strings: &'a str, entry: &[u8]) -> Option<&'a str> {
    let at = word(entry, 0) as usize;
    strings.get(at..at.checked_add(word(entry, 4) as usize)?)
}

/// A cache file's names section, its checksum checked but not decoded yet ([`CachedNames::read`]
/// borrows from it): enough to resolve a link to a note and to complete note names, before the
/// notes themselves are read. Decoding borrowed, not into a map of owned paths and aliases,
/// is what lets a restart file 100,000 names in a fraction of the time.
pub struct CachedNames {
    pub dialect: Dialect,
    /// The section as stored: length and checksum, then the postcard payload.
    pub(super) bytes: Vec<u8>,
    /// The completion image written beside the section (see [`super::Image`]), its checksum
    /// checked: its payload alone, for its reader to check in every other way.
    pub completion: Option<Vec<u8>>,
    pub(super) roots: Vec<PathBuf>,
    /// The cache file, for the log line.
    pub(super) file: PathBuf,
}

/// The names section decoded, every entry checked: its root exists and its path stays in it.
pub struct Names<'a> {
    pub notes: Vec<NamedNote<'a>>,
    /// The attachments, as root number and relative path ([`Names::attachment_path`]).
    pub attachments: Vec<(u32, &'a str)>,
    /// The name keys links use, with how many links use each.
    pub popularity: Vec<(&'a str, u32)>,
    roots: &'a [PathBuf],
}

impl Cache {
    /// Read only the names section. `None` when there is no cache, or (with one log line) when
    /// it is unusable — then [`Cache::load`] finds it unusable too and says so again, which is
    /// why this line says nothing of indexing.
    pub fn load_names(&self) -> Option<CachedNames> {
        let file = self.open()?;
        match self.read_names(&file) {
            Ok(names) => Some(names),
            Err(why) => {
                unusable(&self.file, &why);
                None
            }
        }
    }

    fn read_names(&self, file: &File) -> Result<CachedNames, String> {
        let (trailer, trailer_at) = self.trailer(file)?;
        let (at, names_len) = trailer.names;
        let bytes = read_segment(file, at, names_len, trailer_at)?;
        // Without its image (damaged, say) a sketch builds the candidates itself.
        let completion = trailer.completion.and_then(|(at, len)| {
            read_segment_payload(file, at, len, trailer_at)
                .map_err(|why| tracing::warn!("on-disk index: completion image unusable: {why}"))
                .ok()
        });
        Ok(CachedNames {
            dialect: dialect_of(trailer.dendron),
            bytes,
            completion,
            roots: self.roots.clone(),
            file: self.file.clone(),
        })
    }
}

fn unusable(file: &Path, why: &str) {
    tracing::warn!("on-disk index {}: names unusable: {why}", file.display());
}

impl CachedNames {
    /// The section decoded, or `None` (with one log line, as [`Cache::load_names`] gives) when
    /// it does not decode or an entry names no root or leaves its root.
    pub fn read(&self) -> Option<Names<'_>> {
        match self.decode() {
            Ok(names) => Some(names),
            Err(why) => {
                unusable(&self.file, &why);
                None
            }
        }
    }

    fn decode(&self) -> Result<Names<'_>, String> {
        let section: NamesSection =
            postcard::from_bytes(&self.bytes[16..]).map_err(|e| e.to_string())?;
        let strings = section.strings;
        let aliases = section.aliases;
        if aliases.len() % SLICE_BYTES != 0
            || !(aliases.chunks_exact(SLICE_BYTES)).all(|entry| string_at(strings, entry).is_some())
        {
            return Err("an alias leaves the section's strings".into());
        }
        let notes = unpack(section.notes, |n: &[u8; NOTE_BYTES]| {
            let flags = word(n, 28);
            if flags & !(RACY | HAS_CITEKEY) != 0 {
                return None;
            }
            let (first, count) = (word(n, 12) as usize, word(n, 16) as usize);
            let run = first.checked_mul(SLICE_BYTES)?
                ..(first.checked_add(count)?).checked_mul(SLICE_BYTES)?;
            Some(NamedNote {
                root: word(n, 0),
                rel: string_at(strings, &n[4..12])?,
                stamp: Stamp {
                    mtime_ns: Nanos::new(i128::from_le_bytes(
                        n[32..48].try_into().expect("16 bytes"),
                    )),
                    size: wide(n, 48),
                    hash: wide(n, 56),
                    racy: flags & RACY != 0,
                },
                aliases: Aliases {
                    entries: aliases.get(run)?,
                    strings,
                },
                citekey: match flags & HAS_CITEKEY {
                    0 => None,
                    _ => Some(string_at(strings, &n[20..28])?),
                },
            })
        })
        .ok_or("a note's entry leaves the section")?;
        let attachments = unpack(section.attachments, |a: &[u8; 12]| {
            Some((word(a, 0), string_at(strings, &a[4..])?))
        })
        .ok_or("an attachment's entry leaves the section")?;
        let popularity = unpack(section.popularity, |p: &[u8; 12]| {
            Some((string_at(strings, &p[..8])?, word(p, 8)))
        })
        .ok_or("a name's entry leaves the section")?;
        // Checked on every core: a path's components are walked to find a `..`.
        let roots = self.roots.len();
        let bad = notes
            .par_iter()
            .map(|n| (n.root, n.rel))
            .chain(attachments.par_iter().copied())
            .find_any(|&(root, rel)| root as usize >= roots || !is_plain_relative(rel));
        if let Some((root, rel)) = bad {
            return Err(match root as usize >= roots {
                true => "an entry names no workspace folder".into(),
                false => format!("the entry of {rel} leaves its folder"),
            });
        }
        Ok(Names {
            notes,
            attachments,
            popularity,
            roots: &self.roots,
        })
    }
}

impl<'a> Names<'a> {
    /// The workspace folders the entries lie in, as the vault names them.
    pub fn roots(&self) -> &[PathBuf] {
        self.roots
    }

    /// The path of `note`, as the vault names it.
    pub fn path(&self, note: &NamedNote) -> PathBuf {
        joined(&self.roots[note.root as usize], note.rel)
    }

    /// Whether `path` is [`Names::path`] of `note`, byte for byte (as [`ByPath::find`] finds
    /// it), without making that path.
    pub fn is_path_of(&self, note: &NamedNote, path: &Path) -> bool {
        self.is_at(path, (note.root, note.rel))
    }

    /// Whether `path` is the path of the file at `rel` below root number `root` (a note's or
    /// an attachment's), byte for byte: the root, a separator unless the root ends with one,
    /// then `rel` — what `root.join(rel)` gives for a plain relative `rel`.
    pub fn is_at(&self, path: &Path, (root, rel): (u32, &str)) -> bool {
        let Some(root) = self.roots.get(root as usize) else {
            return false;
        };
        let (path, root) = (
            path.as_os_str().as_encoded_bytes(),
            root.as_os_str().as_encoded_bytes(),
        );
        let separator = root
            .last()
            .is_some_and(|&b| !std::path::is_separator(b as char));
        path.len() == root.len() + usize::from(separator) + rel.len()
            && path.starts_with(root)
            && path.ends_with(rel.as_bytes())
            && (!separator || std::path::is_separator(path[root.len()] as char))
    }

    /// The path of attachment `(root, rel)` of [`Names::attachments`].
    pub fn attachment_path(&self, (root, rel): (u32, &str)) -> PathBuf {
        joined(&self.roots[root as usize], rel)
    }

    /// How many files a completion image written with this section lists: its notes, then
    /// its attachments, in order.
    pub fn files(&self) -> usize {
        self.notes.len() + self.attachments.len()
    }

    /// Each note's index in [`Names::notes`] by its path ([`ByPath::find`]).
    pub fn by_path(&self) -> ByPath<'a> {
        let mut map = HashMap::default();
        map.reserve(self.notes.len());
        for (i, note) in self.notes.iter().enumerate() {
            map.insert((note.root, note.rel), i);
        }
        ByPath {
            // What `root.join(rel)` puts before `rel`: the root and, unless it ends with one, a
            // separator. A root that is not UTF-8 holds no path a note can have.
            prefixes: self
                .roots
                .iter()
                .map(|root| {
                    let joined = root.join("x");
                    let joined = joined.to_str()?;
                    Some(joined[..joined.len() - 1].to_string())
                })
                .collect(),
            map,
        }
    }
}

/// `root.join(rel)`, allocated once at its size: `join` copies the root and then grows the
/// buffer for `rel`, a second allocation and copy for every one of a restart's 100,000 paths
/// (~5% of its sketch's CPU time, measured with `perf`).
fn joined(root: &Path, rel: &str) -> PathBuf {
    let mut path = PathBuf::with_capacity(root.as_os_str().len() + 1 + rel.len());
    path.push(root);
    path.push(rel);
    path
}

/// The names section's notes by path, keyed by root and relative path as the section holds
/// them (hashing a `Path` walks its components: slower by far at 100,000 look-ups).
pub struct ByPath<'a> {
    prefixes: Vec<Option<String>>,
    map: HashMap<(u32, &'a str), usize>,
}

impl ByPath<'_> {
    /// The index of the note whose [`Names::path`] is `path`, byte for byte.
    pub fn find(&self, path: &Path) -> Option<usize> {
        let path = path.to_str()?;
        self.prefixes.iter().enumerate().find_map(|(root, prefix)| {
            let rel = path.strip_prefix(prefix.as_deref()?)?;
            self.map.get(&(root as u32, rel)).copied()
        })
    }
}
