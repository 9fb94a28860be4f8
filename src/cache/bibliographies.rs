//! Bibliographies in the on-disk index: each parsed bibliography read from the disk, keyed by
//! its path and the [`Stamp`] of the read, in one checksummed segment beside the notes'. A
//! Zotero export of thousands of entries costs far more to parse than to decode.

use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};

use crate::index::{Stamp, Vault};
use crate::sources::{Bibliography, Entry, Format, Origin, Problem};

/// A bibliography as read back: usable for the file at its path while the file has `stamp`
/// and the vault wants it under the same `origin` (a discovered `.json` is read more leniently
/// than a named one).
#[derive(Debug, PartialEq, Deserialize)]
pub struct CachedBibliography {
    pub stamp: Stamp,
    pub origin: Origin,
    pub format: Format,
    pub entries: Vec<Entry>,
    pub problems: Vec<Problem>,
}

impl CachedBibliography {
    /// The bibliography at `path`, shown as `label`.
    pub fn into_bibliography(self, path: PathBuf, label: String) -> Bibliography {
        Bibliography {
            path,
            label,
            origin: self.origin,
            format: self.format,
            entries: self.entries,
            problems: self.problems,
        }
    }
}

/// [`CachedBibliography`] borrowed from the vault for writing (the same fields in the same
/// order: postcard writes a struct as its fields in sequence).
#[derive(Serialize)]
struct BibliographyRef<'a> {
    stamp: Stamp,
    origin: Origin,
    format: Format,
    entries: &'a [Entry],
    problems: &'a [Problem],
}

/// The segment of every bibliography of `vault` read from the disk.
pub(super) fn encode(vault: &Vault) -> std::io::Result<Vec<u8>> {
    let stored: Vec<(&str, BibliographyRef)> = vault
        .sources
        .read_bibliographies()
        .filter_map(|(bib, stamp)| {
            let path = bib.path.to_str()?;
            Some((
                path,
                BibliographyRef {
                    stamp,
                    origin: bib.origin,
                    format: bib.format,
                    entries: &bib.entries,
                    problems: &bib.problems,
                },
            ))
        })
        .collect();
    postcard::to_allocvec(&stored).map_err(std::io::Error::other)
}

/// The bibliographies of a segment, by path. Only absolute paths are taken: the loader compares
/// them with the paths it wants, which are absolute.
pub(super) fn decode(bytes: &[u8]) -> Result<HashMap<PathBuf, CachedBibliography>, String> {
    let stored: Vec<(String, CachedBibliography)> =
        postcard::from_bytes(bytes).map_err(|e| e.to_string())?;
    let mut out = HashMap::default();
    for (path, bibliography) in stored {
        if !Path::new(&path).is_absolute() {
            return Err(format!("a bibliography's path {path:?} is not absolute"));
        }
        out.insert(PathBuf::from(path), bibliography);
    }
    Ok(out)
}
