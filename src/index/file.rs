//! A file of the vault: its path, where it lies in its root, its folded keys, and its content
//! (a note, or an attachment known by path only). Each path is kept once: the relative path is
//! the end of the path, the name key the end of the folded path (100,000 notes, 4 to 5 fewer
//! allocations each).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Note, keys};

#[derive(Debug)]
pub enum Content {
    Note(Box<Note>),
    /// Any other file: images, PDFs, bibliographies… known by path only, never read.
    Attachment,
}

/// A file as the vault keeps it. Its path and keys are set once, by `File::new`, and never
/// changed while it is filed (the vault hands out no `&mut File`): the vault's tables find it by
/// them (`paths.rs`, `folders.rs`), and `rel` and `name_key` are read from them. A file moved
/// is removed and filed again.
#[derive(Debug)]
pub struct File {
    /// Shared with the note's text when that is kept as the file's (see `NoteText::share_path`).
    pub path: Arc<Path>,
    /// Index into the vault's roots (`Vault::roots`).
    pub root: usize,
    /// Root-relative path, `/`-separated, NFC ([`File::rel`]).
    rel: Rel,
    /// Folded root-relative path, without `.md` for notes: what path-qualified targets match.
    pub path_key: String,
    /// Where in `path_key` the name key ([`File::name_key`]) starts.
    name_at: u32,
    pub content: Content,
    /// The vault's `generation` when the content last changed: with
    /// [`Vault::links_generation`], what a pulled diagnostic's result id is made of.
    pub revision: u64,
}

/// Where a [`File`] keeps its root-relative path: as the end of its path where that reads the
/// same (a Unix path, NFC: nearly every file), else as a copy of its own.
#[derive(Debug)]
enum Rel {
    /// The path's bytes from this one on.
    Tail(u32),
    Own(Box<str>),
}

impl File {
    /// The file at `path`, `rel` within root `root`, its keys folded.
    pub(super) fn new(
        path: PathBuf,
        root: usize,
        rel: String,
        content: Content,
        revision: u64,
    ) -> File {
        let is_note = matches!(content, Content::Note(_));
        let (path_key, name_at) = keys::file_keys(&rel, is_note);
        let bytes = path.as_os_str().as_encoded_bytes();
        let at = bytes.len().wrapping_sub(rel.len());
        let rel =
            match bytes.ends_with(rel.as_bytes()) && bytes.get(at.wrapping_sub(1)) == Some(&b'/') {
                true => Rel::Tail(at as u32),
                false => Rel::Own(rel.into_boxed_str()),
            };
        let name_at = name_at as u32;
        // The note's own copy of the path, when its text is kept as the file's: one copy.
        let kept = match &content {
            Content::Note(note) => note.text.kept_as(&path).cloned(),
            Content::Attachment => None,
        };
        let path = kept.unwrap_or_else(|| Arc::from(path));
        let file = File {
            path,
            root,
            rel,
            path_key,
            name_at,
            content,
            revision,
        };
        debug_assert_eq!(file.name_key(), {
            let name = keys::basename(file.rel());
            keys::fold(if is_note { keys::strip_md(name) } else { name })
        });
        file
    }

    /// Root-relative path, `/`-separated, NFC.
    pub fn rel(&self) -> &str {
        match &self.rel {
            Rel::Own(rel) => rel,
            // UTF-8 when filed (`locate_in` refuses other paths), and a path never changes.
            Rel::Tail(at) => {
                std::str::from_utf8(&self.path.as_os_str().as_encoded_bytes()[*at as usize..])
                    .expect("a file's path is UTF-8 from its relative path on")
            }
        }
    }

    /// Folded name key: the stem for a note, the whole file name for an attachment.
    pub fn name_key(&self) -> &str {
        &self.path_key[self.name_at as usize..]
    }

    pub fn note(&self) -> Option<&Note> {
        match &self.content {
            Content::Note(note) => Some(note),
            Content::Attachment => None,
        }
    }

    pub fn is_note(&self) -> bool {
        matches!(self.content, Content::Note(_))
    }

    /// The name a user sees: the stem for notes, the file name for attachments.
    pub fn display_name(&self) -> &str {
        let name = keys::basename(self.rel());
        if self.is_note() {
            keys::strip_md(name)
        } else {
            name
        }
    }

    /// The root-relative path without `.md` for notes: the longest form of a wikilink target.
    pub fn link_path(&self) -> &str {
        if self.is_note() {
            keys::strip_md(self.rel())
        } else {
            self.rel()
        }
    }

    pub fn folder(&self) -> &str {
        keys::folder(self.rel())
    }
}
