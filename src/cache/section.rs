//! Writing the on-disk index's names section (`names.rs` reads it): laid out from the vault
//! as it is written, under the vault's guard, so that it is never held whole (a buffer of the
//! section was ~9 MB at 50,000 dense notes, held while completion's image was ordered).

use std::io::Write;

use super::names::{HAS_CITEKEY, NOTE_BYTES, RACY, SLICE_BYTES};
use super::{Payload, write_len};
use crate::index::{FileId, Note, Stamp, Vault};

/// A string's record: where it lies among the section's strings.
fn slice(at: u32, len: u32) -> [u8; SLICE_BYTES] {
    let mut record = [0; SLICE_BYTES];
    record[..4].copy_from_slice(&at.to_le_bytes());
    record[4..].copy_from_slice(&len.to_le_bytes());
    record
}

/// A note's record ([`super::names::NamesSection::notes`]).
fn note_record(
    root: u32,
    rel: [u8; SLICE_BYTES],
    (first, count): (u32, u32),
    key: Option<[u8; SLICE_BYTES]>,
    stamp: Stamp,
) -> [u8; NOTE_BYTES] {
    let flags = (u32::from(stamp.racy) * RACY) | (u32::from(key.is_some()) * HAS_CITEKEY);
    let mut out = [0; NOTE_BYTES];
    out[..4].copy_from_slice(&root.to_le_bytes());
    out[4..12].copy_from_slice(&rel);
    out[12..16].copy_from_slice(&first.to_le_bytes());
    out[16..20].copy_from_slice(&count.to_le_bytes());
    out[20..28].copy_from_slice(&key.unwrap_or_default());
    out[28..32].copy_from_slice(&flags.to_le_bytes());
    out[32..48].copy_from_slice(&stamp.mtime_ns.get().to_le_bytes());
    out[48..56].copy_from_slice(&stamp.size.to_le_bytes());
    out[56..64].copy_from_slice(&stamp.hash.to_le_bytes());
    out
}

/// An attachment's record (root, then its path's string) or a name's popularity (its string,
/// then the count): a string's record and a word.
fn with_word(record: [u8; SLICE_BYTES], word: u32, word_first: bool) -> [u8; SLICE_BYTES + 4] {
    let mut out = [0; SLICE_BYTES + 4];
    let (w, r) = if word_first { (0, 4) } else { (SLICE_BYTES, 0) };
    out[w..w + 4].copy_from_slice(&word.to_le_bytes());
    out[r..r + SLICE_BYTES].copy_from_slice(&record);
    out
}

fn too_large() -> std::io::Error {
    std::io::Error::other("the names section passes 4 GiB")
}

/// `len` more bytes of strings after `at`, which is moved past them: where they start.
fn take(at: &mut u32, len: usize) -> std::io::Result<u32> {
    let start = *at;
    *at = (u32::try_from(len).ok())
        .and_then(|len| start.checked_add(len))
        .ok_or_else(too_large)?;
    Ok(start)
}

/// A note the section lists, and where its strings lie: its aliases from `at`, then its path
/// at `rel_at`, then its citation key (`key_len` bytes, when it has one).
struct Listed<'a> {
    id: FileId,
    rel: &'a str,
    at: u32,
    rel_at: u32,
    first_alias: u32,
    key_len: Option<u32>,
}

/// The names section of some notes of a vault and of its attachments. Where every record's
/// strings lie is worked out when it is listed; each field is then written from the vault in
/// turn ([`Payload`]), under the guard the caller holds for as long as this lives.
pub(super) struct NamesOf<'a> {
    vault: &'a Vault,
    notes: Vec<Listed<'a>>,
    aliases: u32,
    attachments: Vec<(FileId, &'a str)>,
    popularity: Vec<(&'a str, u32)>,
    /// Where the attachments' strings start, then the popularity's, and how long all are.
    attachments_at: u32,
    popularity_at: u32,
    strings: u32,
}

impl<'a> NamesOf<'a> {
    /// The section of the notes `ids` (each with a stamp) and of every attachment. An id whose
    /// note went since the list was made is left out; one saved in no segment is harmless: a
    /// restart that finds its file reads it.
    pub(super) fn new(vault: &'a Vault, ids: &[FileId]) -> std::io::Result<NamesOf<'a>> {
        let rel = |file: &'a crate::index::File| {
            (file.path.strip_prefix(&vault.roots()[file.root]).ok()).and_then(|rel| rel.to_str())
        };
        let (mut at, mut aliases) = (0, 0u32);
        let mut notes = Vec::with_capacity(ids.len());
        for &id in ids {
            let Some((file, note)) = vault.get(id).and_then(|f| Some((f, f.note()?))) else {
                continue;
            };
            let (Some(rel), Some(_)) = (rel(file), note.stamp) else {
                continue;
            };
            let (start, first_alias) = (at, aliases);
            let (note_aliases, citekey) = names(note);
            for alias in note_aliases {
                take(&mut at, alias.len())?;
                aliases = aliases.checked_add(1).ok_or_else(too_large)?;
            }
            let rel_at = take(&mut at, rel.len())?;
            let key_len = match citekey {
                Some(key) => Some(take(&mut at, key.len()).map(|_| key.len() as u32)?),
                None => None,
            };
            notes.push(Listed {
                id,
                rel,
                at: start,
                rel_at,
                first_alias,
                key_len,
            });
        }
        let attachments_at = at;
        let attachments: Vec<_> = (vault.files())
            .filter(|(_, file)| !file.is_note())
            .filter_map(|(id, file)| Some((id, rel(file)?)))
            .collect();
        for (_, rel) in &attachments {
            take(&mut at, rel.len())?;
        }
        let popularity_at = at;
        let popularity = vault.name_popularity();
        for (key, _) in &popularity {
            take(&mut at, key.len())?;
        }
        Ok(NamesOf {
            vault,
            notes,
            aliases,
            attachments,
            popularity,
            attachments_at,
            popularity_at,
            strings: at,
        })
    }

    /// The files the section lists, in order: its notes, then its attachments.
    pub(super) fn files(&self) -> Vec<FileId> {
        let notes = self.notes.iter().map(|n| n.id);
        notes
            .chain(self.attachments.iter().map(|&(id, _)| id))
            .collect()
    }

    fn note(&self, listed: &Listed<'_>) -> std::io::Result<(&'a crate::index::File, &'a Note)> {
        (self.vault.get(listed.id))
            .and_then(|f| Some((f, f.note()?)))
            .ok_or_else(changed)
    }
}

/// What a note's strings and records are made from, read again for each field: the vault
/// does not change under the guard, so what was listed is there.
fn changed() -> std::io::Error {
    std::io::Error::other("the vault changed while its names section was written")
}

/// A note's aliases and citation key.
fn names(note: &Note) -> (Vec<&str>, Option<&str>) {
    (note.syntax.aliases(), note.syntax.citekey())
}

/// Field by field, as postcard writes a [`super::names::NamesSection`]: each field's length,
/// then its records or strings.
impl Payload for NamesOf<'_> {
    fn write_to(&self, out: &mut dyn Write) -> std::io::Result<()> {
        write_len(out, (self.notes.len() * NOTE_BYTES) as u64)?;
        for (i, listed) in self.notes.iter().enumerate() {
            let (file, note) = self.note(listed)?;
            let stamp = note.stamp.ok_or_else(changed)?;
            let next = self
                .notes
                .get(i + 1)
                .map_or(self.aliases, |n| n.first_alias);
            let rel = slice(listed.rel_at, listed.rel.len() as u32);
            let key_at = listed.rel_at + listed.rel.len() as u32;
            let key = listed.key_len.map(|len| slice(key_at, len));
            let aliases = (listed.first_alias, next - listed.first_alias);
            out.write_all(&note_record(file.root as u32, rel, aliases, key, stamp))?;
        }
        write_len(out, u64::from(self.aliases) * SLICE_BYTES as u64)?;
        for listed in &self.notes {
            let mut at = listed.at;
            for alias in self.note(listed)?.1.syntax.aliases() {
                out.write_all(&slice(at, alias.len() as u32))?;
                at += alias.len() as u32;
            }
            if at != listed.rel_at {
                return Err(changed());
            }
        }
        write_len(out, (self.attachments.len() * (SLICE_BYTES + 4)) as u64)?;
        let mut at = self.attachments_at;
        for &(id, rel) in &self.attachments {
            let root = self.vault.get(id).ok_or_else(changed)?.root as u32;
            out.write_all(&with_word(slice(at, rel.len() as u32), root, true))?;
            at += rel.len() as u32;
        }
        write_len(out, (self.popularity.len() * (SLICE_BYTES + 4)) as u64)?;
        let mut at = self.popularity_at;
        for &(key, count) in &self.popularity {
            out.write_all(&with_word(slice(at, key.len() as u32), count, false))?;
            at += key.len() as u32;
        }
        write_len(out, u64::from(self.strings))?;
        for listed in &self.notes {
            let (aliases, citekey) = names(self.note(listed)?.1);
            for alias in aliases {
                out.write_all(alias.as_bytes())?;
            }
            out.write_all(listed.rel.as_bytes())?;
            match (listed.key_len, citekey) {
                (Some(len), Some(key)) if key.len() as u32 == len => {
                    out.write_all(key.as_bytes())?
                }
                (None, None) => {}
                _ => return Err(changed()),
            }
        }
        for (_, rel) in &self.attachments {
            out.write_all(rel.as_bytes())?;
        }
        for (key, _) in &self.popularity {
            out.write_all(key.as_bytes())?;
        }
        Ok(())
    }
}

/// Lays a names section out in memory, entry by entry, and writes it through postcard: the
/// model the server's streamed section ([`NamesOf`]) is compared with, and how tests build
/// sections by hand (hostile ones too).
#[cfg(test)]
#[derive(Default)]
pub(super) struct SectionWriter {
    strings: String,
    notes: Vec<u8>,
    aliases: Vec<u8>,
    attachments: Vec<u8>,
    popularity: Vec<u8>,
}

#[cfg(test)]
impl SectionWriter {
    /// `s` added to the strings, as its (at, len) record; `None` past 4 GiB of strings.
    fn string(&mut self, s: &str) -> Option<[u8; SLICE_BYTES]> {
        let mut at = u32::try_from(self.strings.len()).ok()?;
        let start = take(&mut at, s.len()).ok()?;
        self.strings.push_str(s);
        Some(slice(start, s.len() as u32))
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
            Some(key) => Some(self.string(key)?),
            None => None,
        };
        let record = note_record(root, rel, (first, count), key, stamp);
        self.notes.extend_from_slice(&record);
        Some(())
    }

    pub(super) fn attachment(&mut self, root: u32, rel: &str) -> Option<()> {
        let rel = self.string(rel)?;
        self.attachments
            .extend_from_slice(&with_word(rel, root, true));
        Some(())
    }

    pub(super) fn popular(&mut self, key: &str, count: u32) -> Option<()> {
        let key = self.string(key)?;
        self.popularity
            .extend_from_slice(&with_word(key, count, false));
        Some(())
    }

    /// The section's payload.
    pub(super) fn finish(self) -> std::io::Result<Vec<u8>> {
        let section = super::names::NamesSection {
            notes: &self.notes,
            aliases: &self.aliases,
            attachments: &self.attachments,
            popularity: &self.popularity,
            strings: &self.strings,
        };
        postcard::to_allocvec(&section).map_err(std::io::Error::other)
    }
}
