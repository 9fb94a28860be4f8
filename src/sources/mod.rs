//! Sources: bibliographies (`.bib` and CSL-JSON files) read into plain entries, and formatted
//! for people. Knows nothing of notes: the vault's citation index (`crate::index::citations`)
//! files these entries by key beside the notes that cite them.

pub mod bibtex;
pub mod csl;
pub mod format;
pub mod load;

use std::path::PathBuf;

/// A person as a bibliography names them.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Name {
    /// Family name with its particle (`van Gogh`), or the whole name of an institution.
    pub family: String,
    pub given: String,
}

/// A line/column place in a bibliography file, in both encodings a client may negotiate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TextPos {
    /// 0-based line.
    pub line: u32,
    /// Column in UTF-8 bytes.
    pub utf8: u32,
    /// Column in UTF-16 code units.
    pub utf16: u32,
}

/// One bibliography entry, its fields rendered as plain text (LaTeX resolved).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    /// The key as written.
    pub key: String,
    /// `article`, `book`, `chapter`… as the file says.
    pub kind: String,
    pub authors: Vec<Name>,
    pub editors: Vec<Name>,
    pub year: Option<String>,
    pub title: Option<String>,
    /// Journal, book or proceedings the entry appeared in.
    pub container: Option<String>,
    pub publisher: Option<String>,
    pub volume: Option<String>,
    pub issue: Option<String>,
    pub pages: Option<String>,
    pub doi: Option<String>,
    pub url: Option<String>,
    pub abstract_text: Option<String>,
    /// Where the key is written in the file: start and end.
    pub start: TextPos,
    pub end: TextPos,
}

/// Something in a bibliography file that could not be read; the rest of the file still is.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Problem {
    pub at: TextPos,
    pub message: String,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Origin {
    /// Named in the client's settings.
    Configured,
    /// Named by a note's `bibliography:` frontmatter.
    Frontmatter,
    /// A `.bib` or CSL-JSON file found in the vault.
    Discovered,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Format {
    BibTex,
    CslJson,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bibliography {
    pub path: PathBuf,
    /// How the user sees the file: vault-relative where it is inside the vault.
    pub label: String,
    pub origin: Origin,
    pub format: Format,
    pub entries: Vec<Entry>,
    pub problems: Vec<Problem>,
}

/// Line starts of a text, to turn byte offsets into [`TextPos`].
pub(crate) struct Lines<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> Lines<'t> {
    pub(crate) fn new(text: &'t str) -> Lines<'t> {
        let mut starts = vec![0];
        let bytes = text.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
                starts.push(i + 1);
            }
        }
        Lines { text, starts }
    }

    /// Each line's start offset and text, line break excluded.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (usize, &'t str)> + '_ {
        self.starts.iter().enumerate().map(|(i, &start)| {
            let end = self.starts.get(i + 1).copied().unwrap_or(self.text.len());
            (start, self.text[start..end].trim_end_matches(['\n', '\r']))
        })
    }

    pub(crate) fn pos(&self, offset: usize) -> TextPos {
        let offset = crate::syntax::floor_boundary(self.text, offset);
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let before = &self.text[self.starts[line]..offset];
        TextPos {
            line: line as u32,
            utf8: before.len() as u32,
            utf16: before.encode_utf16().count() as u32,
        }
    }
}
