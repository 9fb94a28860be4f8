//! One note as the vault holds it: its text, its parse, and — when the text came from the disk —
//! the stamp of the file it was read from, which the on-disk index (`crate::cache`) keys it by.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

use crate::syntax::{self, NoteSyntax};

/// A parsed markdown note: its text and what the syntax layer found in it.
#[derive(Debug)]
pub struct Note {
    /// Read it through [`Note::text`]: a note read from the disk keeps only where it is
    /// ([`NoteText::file`]) or, when its text is not the file's bytes, keeps it packed.
    pub text: NoteText,
    pub syntax: NoteSyntax,
    /// The file this text was read from, as it was then; `None` for an editor's buffer, whose
    /// text the disk may not hold. Only stamped notes are written to the on-disk index.
    pub stamp: Option<Stamp>,
}

impl Note {
    pub fn parse(text: impl Into<Arc<str>>) -> Note {
        let text = text.into();
        let syntax = syntax::parse(&text);
        Note {
            text: NoteText::plain(text),
            syntax,
            stamp: None,
        }
    }

    /// The note's text, exactly as it was parsed: borrowed when kept plain, unpacked (a copy)
    /// when packed — so a feature that reads a note's text several times takes it once.
    pub fn text(&self) -> Cow<'_, str> {
        self.text.get()
    }

    /// The text's length in bytes, without unpacking it.
    pub fn text_len(&self) -> usize {
        self.text.len()
    }

    /// A note read from the disk: parsed, its text packed ([`Note::packed`]) straight from
    /// `text`, never copied into a plain one first.
    pub fn read(text: String) -> Note {
        let syntax = syntax::parse(&text);
        Note {
            text: NoteText::packed(&text),
            syntax,
            stamp: None,
        }
    }

    /// A note read from the file at `path`, whose bytes `text` is exactly: parsed, and its text
    /// not kept but read again from the file when a feature asks for it ([`NoteText::file`]).
    pub fn read_file(path: &Path, text: String) -> Note {
        let hash = xxhash_rust::xxh3::xxh3_64(text.as_bytes());
        Note::read_file_hashed(path, text, hash)
    }

    /// [`Note::read_file`] of a text whose xxh3-64 is `hash`, already known (the stamp's).
    pub fn read_file_hashed(path: &Path, text: String, hash: u64) -> Note {
        let syntax = syntax::parse(&text);
        Note {
            text: NoteText::file_hashed(path, text.len(), hash),
            syntax,
            stamp: None,
        }
    }

    /// This note with its text packed: for a note read from the disk, whose text is read only
    /// by the features that look into closed notes (previews, positions of references, mentions,
    /// the on-disk index) and is the largest part of a vault's memory.
    pub fn packed(mut self) -> Note {
        self.text = self.text.pack();
        self
    }
}

impl Note {
    /// `text` from an editor's buffer, parsed. It keeps the stamp of `disk` (the note as read
    /// from the disk) when it is the same text — a buffer just opened, or saved —, so that
    /// the on-disk index still covers the note.
    pub fn parse_over(text: String, disk: Option<&Note>) -> Note {
        let mut note = Note::parse(text);
        note.stamp = disk
            .filter(|old| old.text == note.text)
            .and_then(|old| old.stamp);
        note
    }
}

/// The most room [`NoteText::packed`] keeps on a thread between notes.
const ROOM_KEPT: usize = 1 << 20;
/// The longest text read from a file that [`NoteText::get`] keeps on a thread for the next ask.
const LAST_KEPT: usize = 64 << 10;

/// A note's text as the vault keeps it: plain (shared) for an editor's buffer, which every
/// keystroke's requests read; for a note read from the disk, not at all — only the file's path,
/// length and hash, the file being read again when a feature asks —, or packed with LZ4 where
/// the text is not the file's bytes (invalid UTF-8 replaced, UTF-16 decoded). Either way
/// [`NoteText::get`] gives the same text back.
///
/// Closed notes' texts were the largest part of a vault's memory (54 MB of 179 MB live for
/// 50,000 notes, packed) and are read only by features that look into closed notes: previews,
/// positions of links the parse did not place, a rename's edits, unlinked mentions, the on-disk
/// index. Reading a file again costs about what unpacking its text did (~20 µs a note).
#[derive(Clone)]
pub struct NoteText(Repr);

#[derive(Clone)]
enum Repr {
    Plain(Arc<str>),
    /// LZ4 block with the text's length in front (`lz4_flex::compress_prepend_size`), made
    /// from a `str` by [`NoteText::pack`], so it unpacks to valid UTF-8.
    Packed(Box<[u8]>),
    File(Box<FileText>),
}

/// Where a note's text is: the bytes of the file at `path`, when they are `len` long and hash
/// to `hash` (xxh3-64) — as they were when the note was parsed.
#[derive(Clone, PartialEq, Eq)]
struct FileText {
    /// Shared with the vault's [`super::File`] of the note once it is filed
    /// ([`NoteText::share_path`]): not a second copy of every closed note's path.
    path: Arc<Path>,
    len: u64,
    hash: u64,
}

impl FileText {
    /// The file's text, if the file still holds exactly what was parsed.
    fn read(&self) -> Option<String> {
        use std::io::Read;
        // At most one byte more than the text: a file grown since is told apart without
        // reading it all, and the buffer needs no growing (nor the file's size asked for).
        let mut bytes = Vec::with_capacity(self.len as usize + 1);
        let read = std::fs::File::open(&self.path)
            .and_then(|file| file.take(self.len + 1).read_to_end(&mut bytes));
        if let Err(err) = read {
            tracing::warn!("{}: not read again: {err}", self.path.display());
            return None;
        }
        if bytes.len() as u64 != self.len || xxhash_rust::xxh3::xxh3_64(&bytes) != self.hash {
            tracing::warn!(
                "{}: changed on disk since it was indexed; read again once the change is seen",
                self.path.display()
            );
            return None;
        }
        String::from_utf8(bytes).ok()
    }
}

impl NoteText {
    pub fn plain(text: impl Into<Arc<str>>) -> NoteText {
        NoteText(Repr::Plain(text.into()))
    }

    /// An empty text, one allocation shared by all: a restart's sketch holds a note of names
    /// alone, without text, per file (1,000,000 notes: 16 MB of empty `Arc`s, one each).
    pub fn empty() -> NoteText {
        static EMPTY: std::sync::OnceLock<Arc<str>> = std::sync::OnceLock::new();
        NoteText::plain(EMPTY.get_or_init(|| Arc::from("")).clone())
    }

    /// `text`, packed when that makes it smaller (a very short or random text stays plain).
    ///
    /// Packed into a buffer this thread keeps, then copied into a box of exactly the packed
    /// length: LZ4 needs room for more than the text, and the allocator (mimalloc) shrinks a
    /// block in place when at least half of it stays in use — a box shrunk from that room kept
    /// nearly the whole text's bytes, so packing saved almost nothing.
    pub fn packed(text: &str) -> NoteText {
        thread_local! {
            static ROOM: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let packed = syntax::exact::with_kept(&ROOM, |room| {
            room.resize(lz4_flex::block::get_maximum_output_size(text.len()) + 4, 0);
            room[..4].copy_from_slice(&(text.len() as u32).to_le_bytes());
            let len = lz4_flex::block::compress_into(text.as_bytes(), &mut room[4..]);
            let packed = len
                .ok()
                .filter(|len| 4 + len < text.len())
                .map(|len| Box::<[u8]>::from(&room[..4 + len]));
            // A huge note's room is not kept for the next.
            syntax::exact::emptied(room, ROOM_KEPT);
            packed
        });
        match packed {
            Some(packed) => NoteText(Repr::Packed(packed)),
            None => NoteText(Repr::Plain(text.into())),
        }
    }

    /// `text`, the bytes of the file at `path`: kept as the file's ([`Repr::File`]).
    pub fn file(path: &Path, text: &str) -> NoteText {
        NoteText::file_hashed(
            path,
            text.len(),
            xxhash_rust::xxh3::xxh3_64(text.as_bytes()),
        )
    }

    /// [`NoteText::file`] of a text `len` bytes long whose xxh3-64 is `hash`, already known.
    pub fn file_hashed(path: &Path, len: usize, hash: u64) -> NoteText {
        NoteText(Repr::File(Box::new(FileText {
            path: path.into(),
            len: len as u64,
            hash,
        })))
    }

    /// Where the text is kept as the file at `path`'s, keep `path` itself, dropping the note's
    /// own copy (see [`NoteText::kept_as`]).
    pub(super) fn share_path(&mut self, path: &Arc<Path>) {
        if self
            .kept_as(path)
            .is_some_and(|kept| !Arc::ptr_eq(kept, path))
            && let Repr::File(file) = &mut self.0
        {
            file.path = path.clone();
        }
    }

    /// The note's path when its text is kept as the file at `path`'s: the same bytes, not
    /// merely a path that compares equal (`a//b` and `a/b`), for the vault's `File` reads its
    /// relative path as a tail of them.
    pub(super) fn kept_as(&self, path: &Path) -> Option<&Arc<Path>> {
        self.file_path()
            .filter(|kept| kept.as_os_str() == path.as_os_str())
    }

    /// The path the text is kept as the file of, when it is.
    pub(super) fn file_path(&self) -> Option<&Arc<Path>> {
        match &self.0 {
            Repr::File(file) => Some(&file.path),
            _ => None,
        }
    }

    fn pack(self) -> NoteText {
        match &self.0 {
            Repr::Plain(text) => NoteText::packed(text),
            Repr::Packed(_) | Repr::File(_) => self,
        }
    }

    /// The text: borrowed when plain, unpacked into a new `String` when packed, read from its
    /// file when kept there. A file changed (or gone) since the note was parsed — its change
    /// not yet seen by the server — gives as many spaces as the text had bytes, with a logged
    /// warning: the parse's spans still slice it safely, and nothing is read as text that the
    /// parse did not see. [`NoteText::exact`] tells that case apart.
    ///
    /// The last text read from a file is kept on the reading thread, and given again while the
    /// same text (path, length, hash) is asked for: a feature that reads one note several times
    /// in a row (a rename, link by link) reads its file once.
    pub fn get(&self) -> Cow<'_, str> {
        thread_local! {
            static LAST: std::cell::RefCell<Option<(FileText, String)>> =
                const { std::cell::RefCell::new(None) };
        }
        let text = match &self.0 {
            Repr::File(file) => LAST.with_borrow_mut(|last| {
                if let Some((read, text)) = last.as_ref().filter(|(read, _)| read == &**file) {
                    debug_assert!(read.len == text.len() as u64);
                    return Some(Cow::Owned(text.clone()));
                }
                let text = file.read()?;
                // A huge note's text is not kept.
                *last = (text.len() <= LAST_KEPT).then(|| ((**file).clone(), text.clone()));
                Some(Cow::Owned(text))
            }),
            _ => self.exact(),
        };
        text.unwrap_or_else(|| Cow::Owned(" ".repeat(self.len())))
    }

    /// The text exactly as parsed; `None` only for a text kept in a file that changed since.
    /// A text kept in a file is read from it here, every time: what checks that edits made
    /// from the parse still fit the file ([`NoteText::get`] may give a copy read before).
    pub fn exact(&self) -> Option<Cow<'_, str>> {
        match &self.0 {
            Repr::Plain(text) => Some(Cow::Borrowed(text)),
            Repr::Packed(bytes) => {
                // Packed from a `str` by `packed` and never changed since: a failure here is a
                // bug of this type, not bad input.
                let bytes =
                    lz4_flex::decompress_size_prepended(bytes).expect("a text NoteText packed");
                Some(Cow::Owned(
                    String::from_utf8(bytes).expect("a text packed from a str"),
                ))
            }
            Repr::File(file) => file.read().map(Cow::Owned),
        }
    }

    /// The text's length in bytes, without unpacking it.
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Plain(text) => text.len(),
            // `compress_prepend_size` puts the length first, as a little-endian u32.
            Repr::Packed(bytes) => bytes
                .first_chunk::<4>()
                .map_or(0, |len| u32::from_le_bytes(*len) as usize),
            Repr::File(file) => file.len as usize,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the text is kept packed (for tests and the memory breakdown).
    pub fn is_packed(&self) -> bool {
        matches!(self.0, Repr::Packed(_))
    }

    /// Whether the text is not kept but read from its file (for tests and the memory breakdown).
    pub fn is_in_file(&self) -> bool {
        matches!(self.0, Repr::File(_))
    }

    /// Whether the text is not kept but read from its file, whose bytes were `size` long with
    /// xxh3-64 `hash` when read: then a file stamped with that size and hash holds the text,
    /// and the on-disk index stores the stamp alone (see `crate::cache`).
    pub fn is_in_file_as(&self, size: u64, hash: u64) -> bool {
        matches!(&self.0, Repr::File(file) if file.len == size && file.hash == hash)
    }

    /// Heap bytes the text takes as kept (for the memory breakdown).
    pub fn heap_bytes(&self) -> usize {
        match &self.0 {
            Repr::Plain(text) => text.len(),
            Repr::Packed(bytes) => bytes.len(),
            Repr::File(file) => std::mem::size_of::<FileText>() + file.path.as_os_str().len(),
        }
    }
}

impl PartialEq for NoteText {
    fn eq(&self, other: &NoteText) -> bool {
        match (&self.0, &other.0) {
            (Repr::Plain(a), Repr::Plain(b)) => a == b,
            (Repr::Packed(a), Repr::Packed(b)) if a == b => true,
            (Repr::File(a), Repr::File(b)) if a == b => true,
            _ if self.len() != other.len() => false,
            // A file changed since is equal to no text.
            _ => match (self.exact(), other.exact()) {
                (Some(a), Some(b)) => a == b,
                _ => false,
            },
        }
    }
}

/// Shown as the text itself, as the `Arc<str>` it replaced was.
impl std::fmt::Debug for NoteText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.get(), f)
    }
}

/// An `i128` of nanoseconds as two 8-byte words: an `i128` field gave whatever held it (every
/// [`Note`], through its [`Stamp`]) 16-byte alignment, and each box of one took the allocator's
/// slower aligned path (mimalloc's `mi_theap_malloc_zero_aligned_at_overalloc`, a third of the
/// time a restart spent making its notes of names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Nanos {
    high: i64,
    low: u64,
}

impl Nanos {
    pub const fn new(ns: i128) -> Nanos {
        Nanos {
            high: (ns >> 64) as i64,
            low: ns as u64,
        }
    }

    pub const fn get(self) -> i128 {
        ((self.high as i128) << 64) | self.low as i128
    }
}

/// What identifies a file's content without reading it: modification time and size, as the
/// file system reported them just before the read, and a hash of the bytes read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stamp {
    /// Nanoseconds since the Unix epoch (negative before it).
    pub mtime_ns: Nanos,
    pub size: u64,
    /// xxh3-64 of the file's bytes.
    pub hash: u64,
    /// Modified so shortly before it was read that a later write could keep the same time and
    /// size (file system clocks tick coarsely): such a file is re-hashed, never trusted on its
    /// time and size alone (git's "racily clean" entries).
    pub racy: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Texts a vault holds: prose long enough to pack, non-ASCII, CRLF and lone CR line ends,
    /// a byte order mark, and texts too short to gain from packing.
    fn texts() -> Vec<String> {
        let prose = "[[Target#Heading|alias]] some prose about a note, ".repeat(40);
        vec![
            String::new(),
            "x".to_string(),
            "[[a]]\n".to_string(),
            prose.clone(),
            format!("---\r\naliases: [Café]\r\n---\r\n# Über\r\n{prose}\r\nend\r\n"),
            format!("# 東京\r{prose}\r😀 naïve ^block\r"),
            format!("\u{feff}{prose}\u{0}\u{fffd}"),
        ]
    }

    #[test]
    fn a_closed_notes_text_round_trips_exactly() {
        for text in texts() {
            for note in [Note::parse(text.clone()).packed(), Note::read(text.clone())] {
                assert_eq!(note.text(), text);
                assert_eq!(note.text_len(), text.len());
                assert_eq!(note.text.is_empty(), text.is_empty());
                assert_eq!(note.stamp, None);
            }
        }
    }

    #[test]
    fn nanos_as_two_words_read_back_every_i128_and_align_a_note_on_8_bytes() {
        for ns in [
            i128::MIN,
            i128::MIN + 1,
            -5,
            -1,
            0,
            1,
            1_700_000_000_000_000_000,
            i128::MAX,
        ] {
            assert_eq!(Nanos::new(ns).get(), ns);
        }
        assert_eq!(std::mem::align_of::<Note>(), 8);
    }

    #[test]
    fn a_long_text_is_kept_packed_and_a_short_one_plain() {
        let kept: Vec<(bool, bool)> = texts()
            .into_iter()
            .map(|t| {
                let read = Note::read(t.clone()).text.is_packed();
                (Note::parse(t).packed().text.is_packed(), read)
            })
            .collect();
        let expected = [false, false, false, true, true, true, true];
        assert_eq!(kept, expected.map(|packed| (packed, packed)));
        let prose = &texts()[3];
        assert!(NoteText::packed(prose).heap_bytes() < prose.len() / 4);
    }

    /// A text past the room a thread keeps packs and unpacks as a short one does, before and
    /// after it; each packed box is exactly as long as the LZ4 block the crate itself makes.
    #[test]
    fn texts_pack_exactly_around_one_past_the_kept_room() {
        let huge = "[[Target]] prose of a long note, ".repeat(ROOM_KEPT / 16);
        assert!(huge.len() > ROOM_KEPT);
        for text in [texts()[3].clone(), huge, texts()[4].clone()] {
            let packed = NoteText::packed(&text);
            assert!(packed.is_packed());
            assert_eq!(packed.get(), text);
            let crates = lz4_flex::compress_prepend_size(text.as_bytes());
            assert_eq!(packed.heap_bytes(), crates.len());
        }
    }

    /// A note read from a file keeps no text, only where it is: asked for, its text is read
    /// from the file, the same bytes. Once the file changes (or goes) without the note being
    /// read again, the exact text is not to be had: `get` gives the copy its thread read last
    /// while it has it, else as many spaces (every span still slices them), and the note
    /// equals no text.
    #[test]
    fn a_note_read_from_its_file_reads_it_again_and_refuses_a_file_changed_since() {
        let dir = std::env::temp_dir().join(format!("notegraph-note-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let other_path = dir.join("other.md");
        std::fs::write(&other_path, "[[other]]").unwrap();
        let other = Note::read_file(&other_path, "[[other]]".into());
        for (i, text) in texts().into_iter().enumerate() {
            let path = dir.join(format!("n{i}.md"));
            std::fs::write(&path, &text).unwrap();
            let note = Note::read_file(&path, text.clone());
            assert!(note.text.is_in_file());
            assert_eq!(note.text(), text);
            assert_eq!(note.text.exact().as_deref(), Some(text.as_str()));
            assert_eq!(note.text_len(), text.len());
            assert_eq!(note.syntax, syntax::parse(&text));
            assert_eq!(note.text, NoteText::plain(text.as_str()));
            assert!(note.text.heap_bytes() < 100 + path.as_os_str().len());
            for changed in [Some(format!("{text}!")), Some(text.replace('a', "b")), None] {
                std::fs::write(&path, &text).unwrap();
                assert_eq!(note.text(), text);
                match &changed {
                    Some(changed) => std::fs::write(&path, changed).unwrap(),
                    None => std::fs::remove_file(&path).unwrap(),
                }
                if changed.as_ref() == Some(&text) {
                    continue;
                }
                assert_eq!(note.text.exact(), None, "{i} {changed:?}");
                assert_eq!(note.text(), text, "{i} {changed:?}");
                assert_eq!(other.text(), "[[other]]");
                assert_eq!(note.text(), " ".repeat(text.len()), "{i} {changed:?}");
                assert_eq!(other.text(), "[[other]]");
                assert_eq!(note.text(), " ".repeat(text.len()), "{i} {changed:?}");
                assert_ne!(note.text, NoteText::plain(text.as_str()), "{i} {changed:?}");
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_packed_note_has_the_parse_and_the_debug_form_of_its_plain_twin() {
        for text in texts() {
            let plain = Note::parse(text.clone());
            let packed = Note::read(text);
            assert_eq!(format!("{packed:?}"), format!("{plain:?}"));
            assert_eq!(packed.text, plain.text);
        }
    }

    #[test]
    fn an_opened_buffer_is_plain_and_keeps_the_disks_stamp_only_while_it_holds_the_disks_text() {
        let stamp = Stamp {
            mtime_ns: Nanos::new(1),
            size: 2,
            hash: 3,
            racy: false,
        };
        for text in texts() {
            let mut disk = Note::parse(text.clone()).packed();
            disk.stamp = Some(stamp);
            let opened = Note::parse_over(text.clone(), Some(&disk));
            assert!(!opened.text.is_packed());
            assert_eq!(opened.stamp, Some(stamp));
            assert_eq!(opened.text(), text);
            let edited = Note::parse_over(format!("{text}!"), Some(&disk));
            assert_eq!(edited.stamp, None);
        }
    }
}
