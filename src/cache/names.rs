//! The on-disk index's names section (see the parent module's doc): what a restart reads
//! before anything else, to resolve links to notes and complete names while the rest is read.

use std::ffi::OsString;
use std::fs::File;

use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};

use super::{Cache, dialect_of, read_segment};
use crate::index::{Dialect, Stamp, Vault};

/// What the names section holds of one note (see the module's doc).
#[derive(Serialize, Deserialize)]
struct NameEntry<'a> {
    root: u32,
    rel: &'a str,
    stamp: Stamp,
    #[serde(borrow)]
    aliases: Vec<&'a str>,
    citekey: Option<&'a str>,
}

#[derive(Serialize, Deserialize)]
struct NamesSection<'a> {
    #[serde(borrow)]
    notes: Vec<NameEntry<'a>>,
    /// How many links name each file's name key (the ones named at least once).
    #[serde(borrow)]
    popularity: Vec<(&'a str, u32)>,
}

/// What the names section of a cache file held: enough to resolve a link to a note and to
/// complete note names, before the notes themselves are read.
pub struct CachedNames {
    pub dialect: Dialect,
    /// By path (its bytes: hashing a `Path` walks its components, slower by far at 100,000
    /// lookups).
    pub notes: HashMap<OsString, NamedNote>,
    /// The name keys links use, with how many links use each.
    pub popularity: Vec<(String, u32)>,
}

/// One note as the names section holds it.
pub struct NamedNote {
    pub stamp: Stamp,
    pub aliases: Vec<String>,
    pub citekey: Option<String>,
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
                tracing::warn!(
                    "on-disk index {}: names unusable: {why}",
                    self.file.display()
                );
                None
            }
        }
    }

    fn read_names(&self, file: &File) -> Result<CachedNames, String> {
        let (trailer, trailer_at) = self.trailer(file)?;
        let (at, names_len) = trailer.names;
        let bytes = read_segment(file, at, names_len, trailer_at)?;
        let section: NamesSection =
            postcard::from_bytes(&bytes[16..]).map_err(|e| e.to_string())?;
        let mut notes = HashMap::default();
        notes.reserve(section.notes.len());
        for entry in section.notes {
            let path = self.entry_path(entry.root, entry.rel)?;
            let named = NamedNote {
                stamp: entry.stamp,
                aliases: entry.aliases.into_iter().map(str::to_string).collect(),
                citekey: entry.citekey.map(str::to_string),
            };
            notes.insert(path.into_os_string(), named);
        }
        let popularity = section
            .popularity
            .into_iter()
            .map(|(key, n)| (key.to_string(), n))
            .collect();
        Ok(CachedNames {
            dialect: dialect_of(trailer.dendron),
            notes,
            popularity,
        })
    }
}

/// The names section of the notes `ids` (see the module's doc). An id whose note went since
/// the list was made is left out; one saved in no segment is harmless: a restart that finds
/// its file reads it.
pub(super) fn encode_names(
    vault: &Vault,
    ids: &[crate::index::FileId],
) -> std::io::Result<Vec<u8>> {
    let notes: Vec<NameEntry> = ids
        .iter()
        .filter_map(|&id| {
            let file = vault.get(id)?;
            let note = file.note()?;
            let rel = file.path.strip_prefix(&vault.roots()[file.root]).ok()?;
            Some(NameEntry {
                root: file.root as u32,
                rel: rel.to_str()?,
                stamp: note.stamp?,
                aliases: note.syntax.aliases().collect(),
                citekey: note
                    .syntax
                    .frontmatter
                    .as_ref()
                    .and_then(|fm| fm.citekey.as_deref()),
            })
        })
        .collect();
    let popularity = vault.name_popularity();
    let section = NamesSection {
        notes,
        popularity: popularity.iter().map(|(k, n)| (k.as_str(), *n)).collect(),
    };
    postcard::to_allocvec(&section).map_err(std::io::Error::other)
}
