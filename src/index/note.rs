//! One note as the vault holds it: its text, its parse, and — when the text came from the disk —
//! the stamp of the file it was read from, which the on-disk index (`crate::cache`) keys it by.

use std::sync::Arc;

use crate::syntax::{self, NoteSyntax};

/// A parsed markdown note: its text and what the syntax layer found in it.
#[derive(Debug)]
pub struct Note {
    pub text: Arc<str>,
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
            text,
            syntax,
            stamp: None,
        }
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

/// What identifies a file's content without reading it: modification time and size, as the
/// file system reported them just before the read, and a hash of the bytes read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stamp {
    /// Nanoseconds since the Unix epoch (negative before it).
    pub mtime_ns: i128,
    pub size: u64,
    /// xxh3-64 of the file's bytes.
    pub hash: u64,
    /// Modified so shortly before it was read that a later write could keep the same time and
    /// size (file system clocks tick coarsely): such a file is re-hashed, never trusted on its
    /// time and size alone (git's "racily clean" entries).
    pub racy: bool,
}
