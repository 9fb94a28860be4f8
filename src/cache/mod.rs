//! The on-disk index: every note's parse, keyed by its path and the [`Stamp`] of the file it
//! was read from, kept in the user's cache folder so that a restart reads one file instead of
//! parsing the vault again. Nothing in it is trusted: a file that is not exactly what this
//! build of notegraph wrote is discarded with one log line.
//!
//! A note's text is stored only when its file does not hold it (invalid UTF-8 replaced, UTF-16
//! decoded): for nearly every note the stamp's size and hash name the text, which the vault
//! reads from the file when a feature asks ([`NoteText`]), so storing it too doubled the file,
//! and every save read the whole vault again to write it.
//!
//! The format is a versioned flat file, written whole to a temporary file and renamed over the
//! old one (atomic on POSIX and Windows), so readers and a second server never see half a file:
//!
//! ```text
//! MAGIC  format:u32
//! names               len:u64 xxh3:u64 postcard(NamesSection)
//! completion?         len:u64 xxh3:u64 (the caller's image of completion's candidates)
//! segment*            each: len:u64 xxh3:u64 postcard(Vec<Entry>)
//! bibliographies      len:u64 xxh3:u64 postcard(Vec<(path, CachedBibliography)>)
//! trailer             postcard(Trailer): build, roots, dialect, section offsets
//! trailer_len:u64 trailer_xxh3:u64 END
//! ```
//!
//! Segments hold a thousand notes each, so that reading and writing run in parallel and never
//! hold more than a few segments in memory beside the vault itself. The names section and the
//! completion image are written as they are made (heads written over after). The names section
//! comes first and is read alone at a restart ([`Cache::load_names`]):
//! every note's path, stamp, aliases and citation key and the popularity of each name — what
//! resolving a link to a note and completing a name need — so that a server answers those
//! before the rest is read.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};

use crate::index::{Dialect, FileId, Note, NoteText, Stamp, Vault};
use crate::syntax::NoteSyntax;

pub mod bibliographies;
mod names;
mod section;
mod segment;
pub mod stamp;
mod stream;

pub use bibliographies::CachedBibliography;
pub use names::{ByPath, CachedNames, NamedNote, Names};
use section::NamesOf;
pub use segment::Payload;
#[cfg(test)]
pub(crate) use segment::pack;
pub(crate) use segment::{as_bytes, unpack, word, write_len};
use segment::{read_at, read_segment, read_segment_payload, write_payload, write_segment};
pub use stream::Segments;

const MAGIC: &[u8; 8] = b"NGINDEX\0";
const END: &[u8; 8] = b"NGINDEXE";
/// Bumped when the layout of the file (not of the parse) changes.
const FORMAT: u32 = 7;
/// Notes per segment: large enough that per-segment costs vanish, small enough to parallelise
/// and to keep a write's buffers small (2,048 at dense 50k: ~4 MB at once on 2 cores).
const SEGMENT_NOTES: usize = 1024;
/// A segment or trailer longer than this is not one notegraph wrote (notes are ≤ 16 MB each).
const MAX_SEGMENT: u64 = 1 << 36;
/// The longest note a stamp may describe: spans are `u32` offsets.
const MAX_NOTE: u64 = u32::MAX as u64;

/// One note as stored, its path and text borrowed from the segment's bytes: each text is
/// copied once, packed into the note's `NoteText` (decoding a `String` first copied it twice).
/// No text: its file's bytes, as the stamp's size and hash describe them.
#[derive(Deserialize)]
struct Entry<'a> {
    root: u32,
    rel: &'a str,
    stamp: Stamp,
    text: Option<&'a str>,
    syntax: NoteSyntax,
}

/// [`Entry`] borrowed from the vault for writing (postcard encodes `&str` as `String`); the
/// text is unpacked for it (the file holds texts plain, whatever the vault keeps), and left
/// out when the note's file holds it.
#[derive(Serialize)]
struct EntryRef<'a> {
    root: u32,
    rel: &'a str,
    stamp: Stamp,
    text: Option<std::borrow::Cow<'a, str>>,
    syntax: &'a NoteSyntax,
}

#[derive(Serialize, Deserialize)]
struct Trailer {
    /// The build that wrote the file (see [`build_id`]): a parse from another build — older,
    /// newer, or the same version number rebuilt — may differ from what this one would make.
    build: u64,
    roots: Vec<String>,
    dendron: bool,
    notes: u64,
    /// (offset, length) of the names section's payload.
    names: (u64, u64),
    /// (offset, length) of the completion image's payload, when one was written.
    completion: Option<(u64, u64)>,
    /// (offset, length) of each segment's payload.
    segments: Vec<(u64, u64)>,
    /// (offset, length) of the bibliographies' segment's payload.
    bibliographies: (u64, u64),
}

/// A note read back from the cache, to be used if its file still has this stamp. Its text is
/// kept as a note read from the disk keeps it ([`Note::read_file`]). Boxed as the vault files
/// it: the map of a cache's notes holds a pointer, not the ~200-byte note, and its table (25 MB
/// at 100,000 notes) was held beside the notes moved out of it until the whole load was done.
pub struct CachedNote {
    pub stamp: Stamp,
    /// Its `stamp` is this one's.
    note: Box<Note>,
}

impl CachedNote {
    pub fn into_note(self, stamp: Stamp) -> Box<Note> {
        let mut note = self.note;
        note.stamp = Some(stamp);
        note
    }
}

/// The note as read back: its text and parse.
impl std::ops::Deref for CachedNote {
    type Target = Note;

    fn deref(&self) -> &Note {
        &self.note
    }
}

/// What a cache file held.
pub struct Cached {
    pub dialect: Dialect,
    pub notes: HashMap<PathBuf, CachedNote>,
    pub bibliographies: HashMap<PathBuf, CachedBibliography>,
}

/// What lays out an image of completion's candidates for the names section's files (its
/// notes, then its attachments, [`Names::files`]): built by the completion feature, which the
/// cache does not know, and stored beside the names for a restart's sketch to read instead of
/// building the candidates again (`None`: none written). Called under the names section's
/// guard, it reads what it needs of the vault and returns the rest of the work, done after
/// the guard is dropped: a server's edits wait for the guard.
pub type Image<'a> = &'a (dyn Fn(&Vault, &[FileId]) -> Option<ImagePacking> + Sync);

/// The rest of an [`Image`]'s work, done after the names section's guard is dropped: the
/// image as a payload that writes itself into the file (`None`: none made).
pub type ImagePacking = Box<dyn FnOnce() -> Option<Box<dyn Payload>> + Send>;

/// The cache file of one vault.
#[derive(Clone, Debug)]
pub struct Cache {
    file: PathBuf,
    /// The vault's roots, as the vault names them (entries are stored relative to them).
    roots: Vec<PathBuf>,
}

/// This executable's identity, computed once: its version, size and modification time, which
/// every rebuild and install changes, so a parse is never read back by a build whose parser or
/// types may differ. (Hashing the 47 MB executable instead cost 20 ms of every start.) `None`
/// when the executable cannot be found, which turns the cache off.
fn build_id() -> Option<u64> {
    static ID: OnceLock<Option<u64>> = OnceLock::new();
    *ID.get_or_init(|| {
        let meta = std::fs::metadata(std::env::current_exe().ok()?).ok()?;
        let modified = meta
            .modified()
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        let id = format!(
            "{} {FORMAT} {} {}",
            env!("CARGO_PKG_VERSION"),
            meta.len(),
            modified.as_nanos()
        );
        Some(xxhash_rust::xxh3::xxh3_64(id.as_bytes()))
    })
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// `$XDG_CACHE_HOME/notegraph`, else `~/.cache/notegraph`.
fn cache_home() -> Option<PathBuf> {
    let absolute = |v: std::ffi::OsString| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
    let base = std::env::var_os("XDG_CACHE_HOME")
        .and_then(absolute)
        .or_else(|| {
            std::env::var_os("HOME")
                .and_then(absolute)
                .map(|h| h.join(".cache"))
        })?;
    Some(base.join("notegraph"))
}

impl Cache {
    /// A cache file at `file` for `roots`, for tests elsewhere in the crate (`locate` reads the
    /// environment, which tests running at once cannot each set).
    #[cfg(test)]
    pub(crate) fn at(file: PathBuf, roots: Vec<PathBuf>) -> Cache {
        Cache { file, roots }
    }

    /// The cache of the vault at `roots`: `<cache home>/<hash of the roots>/index`. `None` (and
    /// a log line) when there is no cache home or it lies inside the vault, where notegraph
    /// writes nothing.
    pub fn locate(roots: &[PathBuf]) -> Option<Cache> {
        if roots.is_empty() {
            return None;
        }
        let Some(home) = cache_home() else {
            tracing::info!("no cache folder (neither XDG_CACHE_HOME nor HOME): indexing afresh");
            return None;
        };
        let canonical_roots: Vec<PathBuf> = roots.iter().map(|r| canonical(r)).collect();
        let home_real = home
            .ancestors()
            .find_map(|a| std::fs::canonicalize(a).ok().map(|c| (a, c)))
            .map_or(home.clone(), |(a, c)| {
                c.join(home.strip_prefix(a).unwrap_or(Path::new("")))
            });
        if canonical_roots.iter().any(|r| home_real.starts_with(r)) {
            tracing::warn!(
                "the cache folder {} is inside the vault; notegraph writes nothing there, so \
                 the index is not kept",
                home.display()
            );
            return None;
        }
        let key = canonical_roots
            .iter()
            .map(|r| r.to_string_lossy())
            .collect::<Vec<_>>()
            .join("\n");
        let hash = xxhash_rust::xxh3::xxh3_64(key.as_bytes());
        Some(Cache {
            file: home.join(format!("{hash:016x}")).join("index"),
            roots: roots.to_vec(),
        })
    }

    pub fn file(&self) -> &Path {
        &self.file
    }

    fn root_names(&self) -> Vec<String> {
        self.roots
            .iter()
            .map(|r| canonical(r).to_string_lossy().into_owned())
            .collect()
    }

    /// Read the cache. `None` when there is none, or (with one log line) when it is unusable.
    pub fn load(&self) -> Option<Cached> {
        let file = self.open()?;
        self.usable(self.read(file))
    }

    /// `read`'s value, or `None` with one log line saying why the index is discarded.
    fn usable<T>(&self, read: Result<T, String>) -> Option<T> {
        read.inspect_err(|why| {
            tracing::warn!(
                "on-disk index {} discarded: {why}; indexing afresh",
                self.file.display()
            )
        })
        .ok()
    }

    /// The trailer of `file`, checked: this build's, for these roots. Also the trailer's
    /// offset, past which no section lies.
    fn trailer(&self, file: &File) -> Result<(Trailer, u64), String> {
        let len = file.metadata().map_err(|e| e.to_string())?.len();
        let head = read_at(file, 0, 12, len)?;
        if &head[..8] != MAGIC {
            return Err("not a notegraph index".into());
        }
        let format = u32::from_le_bytes(head[8..12].try_into().expect("4 bytes"));
        if format != FORMAT {
            return Err(format!(
                "file format {format}, this notegraph reads {FORMAT}"
            ));
        }
        let tail = read_at(file, len.saturating_sub(24), 24, len)?;
        if len < 36 || &tail[16..] != END {
            return Err("truncated".into());
        }
        let trailer_len = u64::from_le_bytes(tail[..8].try_into().expect("8 bytes"));
        let trailer_hash = u64::from_le_bytes(tail[8..16].try_into().expect("8 bytes"));
        let trailer_at = (len - 24)
            .checked_sub(trailer_len)
            .filter(|&at| at >= 12)
            .ok_or("trailer out of bounds")?;
        let bytes = read_at(file, trailer_at, trailer_len, len)?;
        if xxhash_rust::xxh3::xxh3_64(&bytes) != trailer_hash {
            return Err("trailer checksum mismatch".into());
        }
        let trailer: Trailer = postcard::from_bytes(&bytes).map_err(|e| e.to_string())?;
        if Some(trailer.build) != build_id() {
            return Err("written by another build of notegraph".into());
        }
        if trailer.roots != self.root_names() {
            return Err("written for other workspace folders".into());
        }
        Ok((trailer, trailer_at))
    }

    /// Open the cache file, `None` when there is none (or, logged, when it cannot be opened).
    fn open(&self) -> Option<File> {
        match File::open(&self.file) {
            Ok(file) => Some(file),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
            Err(err) => {
                tracing::warn!("on-disk index {} unreadable ({err})", self.file.display());
                None
            }
        }
    }

    fn read(&self, file: File) -> Result<Cached, String> {
        let segments = self.segments_of(file)?;
        let decoded: Vec<Vec<(PathBuf, CachedNote)>> = (0..segments.len())
            .into_par_iter()
            .map(|i| segments.decode(i))
            .collect::<Result<_, String>>()?;
        let mut notes = HashMap::default();
        notes.reserve(segments.notes().min(segments.limit()) as usize);
        notes.extend(decoded.into_iter().flatten());
        Ok(Cached {
            dialect: segments.dialect(),
            notes,
            bibliographies: segments.bibliographies()?,
        })
    }

    /// An entry as a note at its path, if it fits: its root exists, its path stays below it,
    /// its spans lie in its text (in its file's length, for a text its file holds).
    fn checked(&self, entry: Entry<'_>) -> Result<(PathBuf, CachedNote), String> {
        let path = self.entry_path(entry.root, entry.rel)?;
        let fits = match entry.text {
            Some(text) => spans_fit(&entry.syntax, |at| text.is_char_boundary(at)),
            None => {
                let len = entry.stamp.size;
                len <= MAX_NOTE && spans_fit(&entry.syntax, |at| at as u64 <= len)
            }
        };
        if !fits {
            return Err(format!("the entry of {} does not fit its text", entry.rel));
        }
        // A text its file holds (nearly all) is kept as the file's, read again from it when
        // asked for; only a decoded one (UTF-16, invalid UTF-8 replaced) is stored and packed.
        let text = match entry.text {
            None => NoteText::file_hashed(&path, entry.stamp.size as usize, entry.stamp.hash),
            Some(text) => NoteText::packed(text),
        };
        let note = CachedNote {
            stamp: entry.stamp,
            note: Box::new(Note {
                text,
                syntax: entry.syntax,
                stamp: Some(entry.stamp),
            }),
        };
        Ok((path, note))
    }

    /// The path an entry names: `rel` below root number `root`, which must exist, and never
    /// leaving it (a forged file could name `../../etc`).
    fn entry_path(&self, root: u32, rel: &str) -> Result<PathBuf, String> {
        let Some(root) = self.roots.get(root as usize) else {
            return Err("an entry names no workspace folder".into());
        };
        if !is_plain_relative(rel) {
            return Err(format!("the entry of {rel} leaves its folder"));
        }
        Ok(root.join(rel))
    }

    /// Write every note of the vault that was read from the disk. `vault` is called once per
    /// segment and its guard dropped between segments, so that a server keeps applying edits
    /// while a large vault is written; every entry is consistent in itself (text, parse and
    /// stamp of one read), which is all a later load relies on. `image` lays out completion's
    /// candidates under the names section's guard, so that both list the same files.
    pub fn save<G: std::ops::Deref<Target = Vault>>(
        &self,
        vault: impl Fn() -> G,
        image: Option<Image<'_>>,
    ) -> std::io::Result<usize> {
        let Some(build) = build_id() else {
            return Err(std::io::Error::other("this executable cannot be read"));
        };
        let dir = self.file.parent().expect("the cache file is in a folder");
        std::fs::create_dir_all(dir)?;
        remove_stale_temporaries(dir);
        let temp = dir.join(format!(
            "index.tmp.{}.{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        let result = self.write(&temp, build, vault, image);
        match result {
            Ok(notes) => {
                std::fs::rename(&temp, &self.file)?;
                Ok(notes)
            }
            Err(err) => {
                let _ = std::fs::remove_file(&temp);
                Err(err)
            }
        }
    }

    fn write<G: std::ops::Deref<Target = Vault>>(
        &self,
        temp: &Path,
        build: u64,
        vault: impl Fn() -> G,
        image: Option<Image<'_>>,
    ) -> std::io::Result<usize> {
        let (ids, dendron) = {
            let vault = vault();
            let ids: Vec<_> = vault
                .notes()
                .filter(|(_, _, n)| n.stamp.is_some())
                .map(|(id, _, _)| id)
                .collect();
            (ids, vault.dialect == Dialect::Dendron)
        };
        // A quarter of a MB: held for the whole write, beside whatever is being written.
        let mut out = BufWriter::with_capacity(1 << 18, File::create(temp)?);
        out.write_all(MAGIC)?;
        out.write_all(&FORMAT.to_le_bytes())?;
        let mut at = 12u64;
        // The names section is written under the guard it is laid out under, from the vault
        // as it is serialised (never held whole: ~9 MB at 50,000 dense notes); completion's
        // image is ordered under the same guard, so that both list the same files.
        let (names, completion) = {
            let guard = std::time::Instant::now();
            let vault = vault();
            let section = NamesOf::new(&vault, &ids)?;
            let names = write_payload(&mut out, &mut at, &section)?;
            let written = guard.elapsed();
            let image = image.and_then(|image| image(&vault, &section.files()));
            drop(section);
            drop(vault);
            tracing::debug!(
                "on-disk index: names written in {} ms and laid out for completion in {} ms \
                 under the vault's guard",
                written.as_millis(),
                (guard.elapsed() - written).as_millis()
            );
            (names, image)
        };
        // Packed once the guard is dropped, and written as it is made: never held whole.
        let completion = match completion.and_then(|packing| packing()) {
            Some(image) => Some(write_payload(&mut out, &mut at, &*image)?),
            None => None,
        };
        let mut segments = Vec::new();
        let mut notes = 0;
        // A few segments at a time: encoded in parallel under one read guard, then written.
        for batch in ids.chunks(SEGMENT_NOTES * rayon::current_num_threads().max(1)) {
            let encoded: Vec<(Vec<u8>, usize)> = {
                let guard = vault();
                let vault: &Vault = &guard;
                if (vault.dialect == Dialect::Dendron) != dendron {
                    return Err(std::io::Error::other("the vault's dialect changed"));
                }
                batch
                    .par_chunks(SEGMENT_NOTES)
                    .map(|chunk| encode_segment(vault, chunk))
                    .collect::<Result<_, _>>()?
            };
            for (bytes, count) in encoded {
                segments.push(write_segment(&mut out, &mut at, &bytes)?);
                notes += count;
            }
        }
        let bytes = bibliographies::encode(&vault())?;
        let bibliographies = write_segment(&mut out, &mut at, &bytes)?;
        let trailer = Trailer {
            build,
            roots: self.root_names(),
            dendron,
            notes: notes as u64,
            names,
            completion,
            segments,
            bibliographies,
        };
        let bytes = postcard::to_allocvec(&trailer).map_err(std::io::Error::other)?;
        out.write_all(&bytes)?;
        out.write_all(&(bytes.len() as u64).to_le_bytes())?;
        out.write_all(&xxhash_rust::xxh3::xxh3_64(&bytes).to_le_bytes())?;
        out.write_all(END)?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        Ok(notes)
    }
}

fn dialect_of(dendron: bool) -> Dialect {
    if dendron {
        Dialect::Dendron
    } else {
        Dialect::Obsidian
    }
}

fn encode_segment(
    vault: &Vault,
    ids: &[crate::index::FileId],
) -> std::io::Result<(Vec<u8>, usize)> {
    let entries: Vec<EntryRef> = ids
        .iter()
        .filter_map(|&id| {
            let file = vault.get(id)?;
            let note = file.note()?;
            let stamp = note.stamp?;
            let rel = file.path.strip_prefix(&vault.roots()[file.root]).ok()?;
            Some(EntryRef {
                root: file.root as u32,
                rel: rel.to_str()?,
                stamp,
                // A note whose file changed since it was read (its change not yet seen) is
                // stored as read: its stamp tells the next start to read it again. A decoded
                // text is stored when it still fits the note (never fails for a packed one).
                text: match note.text.is_in_file_as(stamp.size, stamp.hash) {
                    true => None,
                    false => Some(note.text.exact()?),
                },
                syntax: &note.syntax,
            })
        })
        .collect();
    // In a buffer of its exact size: grown by doubling, each segment's buffer was moved
    // through larger and larger blocks, and the freed ones were not all reused by the next
    // (dense 50k: RSS grew ~2.5 MB a batch, 26 MB by the last).
    let size = postcard::experimental::serialized_size(&entries).map_err(std::io::Error::other)?;
    let mut bytes = vec![0; size];
    let used = (postcard::to_slice(&entries, &mut bytes).map_err(std::io::Error::other)?).len();
    bytes.truncate(used);
    Ok((bytes, entries.len()))
}

/// Temporary files older than an hour are a crashed writer's: a live one finishes in seconds.
fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let stale = entry
            .file_name()
            .to_string_lossy()
            .starts_with("index.tmp.")
            && entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age.as_secs() > 3600);
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// A path below a root, written as notegraph writes one: no `..` or `.`, no root or prefix, no
/// empty part (`a//b.md`, `a/b.md/`). Paths compare by component where the walk's compare by
/// bytes: a path written otherwise could stand for another note's file.
fn is_plain_relative(rel: &str) -> bool {
    !rel.is_empty()
        && rel
            .split(std::path::is_separator)
            .all(|part| !part.is_empty() && part != "." && part != "..")
        // On Unix the parts above are the components: a root or prefix is Windows' alone.
        && (cfg!(unix)
            || Path::new(rel)
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_))))
}

/// Whether every span of `syntax` starts and ends where `fits` allows, start before end:
/// features slice the note's text by them, and a cache that passed its checksums may still
/// have been forged. With the text at hand, `fits` checks character boundaries; for a text its
/// file holds, only the file's length (a span inside a character would need a forged file
/// that also carries its own checksums, which only this build writes: see [`build_id`]).
fn spans_fit(syntax: &NoteSyntax, fits: impl Fn(usize) -> bool) -> bool {
    use crate::syntax::Span;
    let ok = |s: &Span| s.start <= s.end && fits(s.start()) && fits(s.end());
    let opt = |s: &Option<Span>| s.as_ref().is_none_or(ok);
    // Packed parts that do not decode would read as empty: a wrong answer, not a panic.
    let Some(parts) = syntax.packed().unpack() else {
        return false;
    };
    let frontmatter = parts.frontmatter;
    let body = frontmatter.as_ref().map_or(0, |fm| fm.span.end());
    syntax.body_start() == body
        && (syntax.links.iter())
            .all(|l| ok(&l.span) && ok(&l.target_span) && opt(&l.fragment_span()))
        && (parts.headings.iter()).all(|h| ok(&h.span) && ok(&h.text_span()))
        && parts.tags.iter().all(|t| ok(&t.span))
        && parts.blocks.iter().all(|b| ok(&b.span) && ok(&b.block))
        && (parts.fields.iter()).all(|f| ok(&f.key_span) && ok(&f.value_span))
        && syntax.citations.iter().all(|c| {
            ok(&c.span) && ok(&c.key_span) && opt(&c.group) && opt(&c.prefix) && opt(&c.suffix)
        })
        && syntax.regions.iter().all(ok)
        && syntax.problems.iter().all(|p| ok(&p.span))
        && frontmatter.is_none_or(|fm| {
            // Aliases and tags are pieces of the values, each checked in turn: a forged value
            // may not read as its span's text.
            ok(&fm.span)
                && ok(&fm.content)
                && fm
                    .properties
                    .iter()
                    .all(|p| ok(&p.key_span) && p.values.iter().all(|(_, s)| ok(s)))
                && fm.aliases().chain(fm.tags()).all(|(_, s)| ok(&s))
        })
}

#[cfg(test)]
mod tests;
