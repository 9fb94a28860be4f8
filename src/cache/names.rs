//! The on-disk index's names section (see the parent module's doc): what a restart reads
//! before anything else, to resolve links to notes and complete names while the rest is read.

use std::fs::File;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};

use super::{Cache, dialect_of, is_plain_relative, read_segment};
use crate::index::{Dialect, FileId, Stamp, Vault};

/// One note as the names section holds it, borrowed from the section's bytes (see the
/// module's doc): its path is `rel` below root number `root` ([`Names::path`]).
#[derive(Serialize, Deserialize)]
pub struct NamedNote<'a> {
    pub root: u32,
    pub rel: &'a str,
    pub stamp: Stamp,
    #[serde(borrow)]
    pub aliases: Vec<&'a str>,
    pub citekey: Option<&'a str>,
}

#[derive(Serialize, Deserialize)]
pub(super) struct NamesSection<'a> {
    #[serde(borrow)]
    pub(super) notes: Vec<NamedNote<'a>>,
    /// The vault's other files (attachments), each as root number and relative path: with
    /// the notes, the files a completion image lists ([`Names::files`]).
    #[serde(borrow)]
    pub(super) attachments: Vec<(u32, &'a str)>,
    /// How many links name each file's name key (the ones named at least once).
    #[serde(borrow)]
    pub(super) popularity: Vec<(&'a str, u32)>,
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
            read_segment(file, at, len, trailer_at)
                .map_err(|why| tracing::warn!("on-disk index: completion image unusable: {why}"))
                .ok()
                .map(|mut bytes| {
                    bytes.drain(..16);
                    bytes
                })
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
        // Checked on every core: a path's components are walked to find a `..`.
        let roots = self.roots.len();
        let bad = section
            .notes
            .par_iter()
            .map(|n| (n.root, n.rel))
            .chain(section.attachments.par_iter().copied())
            .find_any(|&(root, rel)| root as usize >= roots || !is_plain_relative(rel));
        if let Some((root, rel)) = bad {
            return Err(match root as usize >= roots {
                true => "an entry names no workspace folder".into(),
                false => format!("the entry of {rel} leaves its folder"),
            });
        }
        Ok(Names {
            notes: section.notes,
            attachments: section.attachments,
            popularity: section.popularity,
            roots: &self.roots,
        })
    }
}

impl<'a> Names<'a> {
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

/// The names section of the notes `ids` and of every attachment (see the module's doc), and the
/// files it lists in order: its notes, then its attachments. An id whose note went since the
/// list was made is left out; one saved in no segment is harmless: a restart that finds its
/// file reads it.
pub(super) fn encode_names(
    vault: &Vault,
    ids: &[FileId],
) -> std::io::Result<(Vec<u8>, Vec<FileId>)> {
    let mut files = Vec::with_capacity(ids.len());
    let notes: Vec<NamedNote> = ids
        .iter()
        .filter_map(|&id| {
            let file = vault.get(id)?;
            let note = file.note()?;
            let rel = file.path.strip_prefix(&vault.roots()[file.root]).ok()?;
            let (rel, stamp) = (rel.to_str()?, note.stamp?);
            files.push(id);
            Some(NamedNote {
                root: file.root as u32,
                rel,
                stamp,
                aliases: note.syntax.aliases().collect(),
                citekey: note
                    .syntax
                    .frontmatter
                    .as_ref()
                    .and_then(|fm| fm.citekey().map(|key| key.as_str())),
            })
        })
        .collect();
    let attachments = vault
        .files()
        .filter(|(_, file)| !file.is_note())
        .filter_map(|(id, file)| {
            let rel = file
                .path
                .strip_prefix(&vault.roots()[file.root])
                .ok()?
                .to_str()?;
            files.push(id);
            Some((file.root as u32, rel))
        })
        .collect();
    let popularity = vault.name_popularity();
    let section = NamesSection {
        notes,
        attachments,
        popularity: popularity.iter().map(|(k, n)| (k.as_str(), *n)).collect(),
    };
    let bytes = postcard::to_allocvec(&section).map_err(std::io::Error::other)?;
    Ok((bytes, files))
}
