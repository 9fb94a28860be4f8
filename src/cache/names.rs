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
use crate::index::{Dialect, FileId, Nanos, Stamp, Vault};

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
    #[serde(borrow)]
    strings: &'a str,
    /// [`NOTE_BYTES`] each: root, relative path (at, len), aliases (first, count), citation key
    /// (at, len), flags ([`RACY`], [`HAS_CITEKEY`]), then the stamp's time, size and hash.
    #[serde(borrow, serialize_with = "super::as_bytes")]
    notes: &'a [u8],
    /// Every note's aliases, each a string's (at, len), a note's in a run.
    #[serde(borrow, serialize_with = "super::as_bytes")]
    aliases: &'a [u8],
    /// The vault's other files (attachments), each as root number and relative path (at,
    /// len): with the notes, the files a completion image lists ([`Names::files`]).
    #[serde(borrow, serialize_with = "super::as_bytes")]
    attachments: &'a [u8],
    /// How many links name each file's name key (the ones named at least once): the key (at,
    /// len) and the count.
    #[serde(borrow, serialize_with = "super::as_bytes")]
    popularity: &'a [u8],
}

const SLICE_BYTES: usize = 8;
const NOTE_BYTES: usize = 64;
const RACY: u32 = 1;
const HAS_CITEKEY: u32 = 2;

fn wide(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

/// The string a slice record (at, len) names in `strings`, if it lies there on char boundaries.
fn string_at<'a>(strings: &'a str, entry: &[u8]) -> Option<&'a str> {
    let at = word(entry, 0) as usize;
    strings.get(at..at.checked_add(word(entry, 4) as usize)?)
}

/// Lays a names section out: strings end to end, lists as fixed-width records.
#[derive(Default)]
pub(super) struct SectionWriter {
    strings: String,
    notes: Vec<u8>,
    aliases: Vec<u8>,
    attachments: Vec<u8>,
    popularity: Vec<u8>,
}

impl SectionWriter {
    /// `s` added to the strings, as its (at, len) record; `None` past 4 GiB of strings.
    fn string(&mut self, s: &str) -> Option<[u8; SLICE_BYTES]> {
        let at = u32::try_from(self.strings.len()).ok()?;
        let len = u32::try_from(s.len()).ok()?;
        at.checked_add(len)?;
        self.strings.push_str(s);
        let mut record = [0; SLICE_BYTES];
        record[..4].copy_from_slice(&at.to_le_bytes());
        record[4..].copy_from_slice(&len.to_le_bytes());
        Some(record)
    }

    pub(super) fn note<'s>(
        &mut self,
        root: u32,
        rel: &str,
        stamp: Stamp,
        aliases: impl IntoIterator<Item = &'s str>,
        citekey: Option<&str>,
    ) -> Option<()> {
        let first = u32::try_from(self.aliases.len() / SLICE_BYTES).ok()?;
        for alias in aliases {
            let record = self.string(alias)?;
            self.aliases.extend_from_slice(&record);
        }
        let count = u32::try_from(self.aliases.len() / SLICE_BYTES).ok()? - first;
        let rel = self.string(rel)?;
        let key = match citekey {
            Some(key) => self.string(key)?,
            None => [0; SLICE_BYTES],
        };
        let flags = (u32::from(stamp.racy) * RACY) | (u32::from(citekey.is_some()) * HAS_CITEKEY);
        let out = &mut self.notes;
        out.extend_from_slice(&root.to_le_bytes());
        out.extend_from_slice(&rel);
        out.extend_from_slice(&first.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&key);
        out.extend_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(&stamp.mtime_ns.get().to_le_bytes());
        out.extend_from_slice(&stamp.size.to_le_bytes());
        out.extend_from_slice(&stamp.hash.to_le_bytes());
        Some(())
    }

    pub(super) fn attachment(&mut self, root: u32, rel: &str) -> Option<()> {
        let rel = self.string(rel)?;
        self.attachments.extend_from_slice(&root.to_le_bytes());
        self.attachments.extend_from_slice(&rel);
        Some(())
    }

    pub(super) fn popular(&mut self, key: &str, count: u32) -> Option<()> {
        let key = self.string(key)?;
        self.popularity.extend_from_slice(&key);
        self.popularity.extend_from_slice(&count.to_le_bytes());
        Some(())
    }

    /// The section in one buffer, as [`super::Payload::bytes`] makes it: for tests, which
    /// compare it with the section read back (the server streams it: below).
    #[cfg(test)]
    pub(super) fn finish(self) -> std::io::Result<Vec<u8>> {
        super::Payload::bytes(&self)
    }
}

/// Serialised as it is written: the lists are ~15 MB at 100,000 notes, and a buffer of the
/// section beside them was as large again.
impl super::Payload for SectionWriter {
    fn write_to(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let section = NamesSection {
            strings: &self.strings,
            notes: &self.notes,
            aliases: &self.aliases,
            attachments: &self.attachments,
            popularity: &self.popularity,
        };
        postcard::to_io(&section, out).map_err(std::io::Error::other)?;
        Ok(())
    }
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

/// The names section of the notes `ids` and of every attachment (see the module's doc), and the
/// files it lists in order: its notes, then its attachments. An id whose note went since the
/// list was made is left out; one saved in no segment is harmless: a restart that finds its
/// file reads it.
pub(super) fn encode_names(
    vault: &Vault,
    ids: &[FileId],
) -> std::io::Result<(SectionWriter, Vec<FileId>)> {
    let too_large = || std::io::Error::other("the names section passes 4 GiB");
    let mut files = Vec::with_capacity(ids.len());
    let mut section = SectionWriter::default();
    let popularity = vault.name_popularity();
    // Sized first (at most): grown by doubling, the lists held up to twice their bytes (a
    // names section is ~15 MB at 100,000 notes).
    let (mut strings, mut aliases) = (0, 0);
    for file in ids.iter().filter_map(|&id| vault.get(id)) {
        let Some(note) = file.note() else { continue };
        strings += file.rel().len();
        for alias in note.syntax.aliases() {
            strings += alias.len();
            aliases += 1;
        }
        let citekey = note.syntax.frontmatter.as_ref().and_then(|fm| fm.citekey());
        strings += citekey.map_or(0, |key| key.as_str().len());
    }
    let mut attachments = 0;
    for (_, file) in vault.files().filter(|(_, file)| !file.is_note()) {
        strings += file.rel().len();
        attachments += 1;
    }
    strings += popularity.iter().map(|(key, _)| key.len()).sum::<usize>();
    section.strings.reserve_exact(strings);
    section.notes.reserve_exact(ids.len() * NOTE_BYTES);
    section.aliases.reserve_exact(aliases * SLICE_BYTES);
    section
        .attachments
        .reserve_exact(attachments * (4 + SLICE_BYTES));
    section
        .popularity
        .reserve_exact(popularity.len() * (SLICE_BYTES + 4));
    for &id in ids {
        let Some((file, note)) = vault.get(id).and_then(|f| Some((f, f.note()?))) else {
            continue;
        };
        let Some(rel) =
            (file.path.strip_prefix(&vault.roots()[file.root]).ok()).and_then(|rel| rel.to_str())
        else {
            continue;
        };
        let Some(stamp) = note.stamp else {
            continue;
        };
        let citekey =
            (note.syntax.frontmatter.as_ref()).and_then(|fm| fm.citekey().map(|key| key.as_str()));
        section
            .note(file.root as u32, rel, stamp, note.syntax.aliases(), citekey)
            .ok_or_else(too_large)?;
        files.push(id);
    }
    for (id, file) in vault.files().filter(|(_, file)| !file.is_note()) {
        let Some(rel) =
            (file.path.strip_prefix(&vault.roots()[file.root]).ok()).and_then(|rel| rel.to_str())
        else {
            continue;
        };
        section
            .attachment(file.root as u32, rel)
            .ok_or_else(too_large)?;
        files.push(id);
    }
    for (key, count) in popularity {
        section.popular(key, count).ok_or_else(too_large)?;
    }
    Ok((section, files))
}
