//! Completing a restart's sketch in place: the full load's notes take the place of the sketch's
//! notes of names a chunk at a time, so that the full index is never built beside the sketch
//! (both at once were a restart's peak memory). What the sketch never filed — links, tags,
//! properties, citations, folders — is filed aside as the chunks go, and put in at the end.
//!
//! The sketch answers only what names decide while this runs (`State::sketch`): its names,
//! aliases and the popularity it was seeded with stay as they are until the end. A note an
//! editor's buffer holds is filed aside at the end, as the buffer is then. A file changed after
//! its chunk was filed (a buffer opened or closed on it meanwhile, filed the one-note way over
//! maps about to be replaced) is found at the end by its revision, and everything is filed
//! aside again then.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

use super::backlinks::KeyRefs;
use super::bulk::{Entries, file_links, file_tags};
use super::citations::{Sources, literature_keys};
use super::folders::Folders;
use super::mentions::Mentions;
use super::properties::Properties;
use super::{Content, Dialect, FileId, Note, TagEntry, Vault};
use crate::syntax;

/// In [`Completion::filed`]: a file the load brought while a buffer held it, to be filed at
/// the end as it is then.
const KEPT: u64 = u64::MAX;

/// What a sketch's completion has filed aside so far (see [`Vault::complete_notes`]).
pub struct Completion {
    links_by_key: HashMap<syntax::Name, KeyRefs>,
    tags: HashMap<String, TagEntry>,
    properties: Properties,
    sources: Sources,
    folders: Folders,
    /// By file id: the file's revision when it was filed aside, 0 for a file not filed (every
    /// filed file's revision is at least 1), [`KEPT`] for one to file at the end. A revision
    /// that moved since means the file was changed after it was filed: what is filed aside
    /// for it is stale.
    filed: Vec<u64>,
    /// Whether a file was filed twice (a path given twice): what was filed aside for it
    /// first is still there, so all is filed again at the end.
    twice: bool,
}

/// A note of the full load, made ready off the vault's guard: Dendron's link forms read, and
/// what it files worked out.
pub struct Incoming {
    path: PathBuf,
    note: Box<Note>,
    entries: Entries,
}

/// Make `notes` ready for [`Vault::complete_notes`] on every core, for a vault of `dialect`.
pub fn prepare_incoming(dialect: Dialect, notes: Vec<(PathBuf, Box<Note>)>) -> Vec<Incoming> {
    notes
        .into_par_iter()
        .map(|(path, mut note)| {
            if dialect == Dialect::Dendron {
                syntax::dendron::adapt(&note.text.get(), &mut note.syntax);
            }
            let entries = Entries::of(&note);
            Incoming {
                path,
                note,
                entries,
            }
        })
        .collect()
}

impl Completion {
    fn new(vault: &Vault) -> Completion {
        let mut properties = Properties::default();
        properties.defer_orders();
        Completion {
            links_by_key: HashMap::default(),
            tags: HashMap::default(),
            properties,
            sources: Sources::default(),
            folders: Folders::default(),
            filed: vec![0; vault.files.len()],
            twice: false,
        }
    }

    /// Mark file `id`, which the load brought while a buffer held it, to be filed aside at
    /// the end as it is then: kept whether or not the buffer is still open.
    fn keep(&mut self, id: FileId) {
        *self.filed_slot(id) = KEPT;
    }

    /// File `id`'s place in [`Completion::filed`], made for a file newer than the completion.
    fn filed_slot(&mut self, id: FileId) -> &mut u64 {
        let at = id.0 as usize;
        if self.filed.len() <= at {
            self.filed.resize(at + 1, 0);
        }
        &mut self.filed[at]
    }

    /// File file `id` of `vault` as it is now: `entries` are its note's, when worked out.
    fn file(&mut self, vault: &Vault, id: FileId, entries: Option<Entries>) {
        let Some(file) = vault.get(id) else { return };
        let slot = self.filed_slot(id);
        let twice = !matches!(*slot, 0 | KEPT);
        *slot = file.revision;
        self.twice |= twice;
        self.folders.insert(file, id);
        let Some(note) = file.note() else { return };
        let entries = entries.unwrap_or_else(|| Entries::of(note));
        let literature = literature_keys(file).map(|(key, _)| key);
        self.sources.index_file_with(id, file, literature);
        self.properties.index_note(note);
        file_links(&mut self.links_by_key, id, &entries.link_keys);
        file_tags(&mut self.tags, id, entries.tags);
    }
}

impl Vault {
    /// Start completing this vault, a restart's sketch, with the full load's files.
    pub fn begin_completion(&self) -> Completion {
        Completion::new(self)
    }

    /// File `notes`, a chunk of the full load, into this sketch. A note the sketch holds with
    /// the same aliases takes its place (the names the sketch filed for it stay); a note new to
    /// it, or named otherwise, is filed the one-note way. What each files goes aside, into
    /// `completion`. A note an editor's buffer holds (`open`) keeps the buffer's text, filed
    /// aside at the end as it is then: edits meanwhile cost nothing.
    pub fn complete_notes(
        &mut self,
        completion: &mut Completion,
        notes: Vec<Incoming>,
        open: &dyn Fn(&Path) -> bool,
    ) {
        for Incoming {
            path,
            mut note,
            entries,
        } in notes
        {
            let held = self.by_path.get(&self.files, &path);
            let id = match held {
                // Filed aside at the end, as its buffer is then (or its file, once closed).
                Some(id) if open(&path) => {
                    completion.keep(id);
                    continue;
                }
                Some(id)
                    if self
                        .note(id)
                        .is_some_and(|held| held.syntax.aliases() == note.syntax.aliases()) =>
                {
                    self.generation += 1;
                    let file = self.files[id.0 as usize].as_mut().expect("live file");
                    note.text.share_path(&file.path);
                    file.content = Content::Note(note);
                    file.revision = self.generation;
                    id
                }
                _ => {
                    if !self.upsert(&path, Content::Note(note)).keys.is_empty() {
                        self.links_generation += 1;
                    }
                    match self.by_path.get(&self.files, &path) {
                        Some(id) => id,
                        // Outside every root.
                        None => continue,
                    }
                }
            };
            completion.file(self, id, Some(entries));
        }
    }

    /// File `path`, an attachment of the full load, into this sketch.
    pub fn complete_attachment(&mut self, completion: &mut Completion, path: &Path) {
        self.upsert_attachment(path);
        if let Some(id) = self.by_path.get(&self.files, path) {
            completion.file(self, id, None);
        }
    }

    /// End a completion: the sketch's files the full load did not bring (gone between the two
    /// walks, or unreadable now) are removed, those a buffer holds are filed aside as they
    /// are, and what was filed aside replaces what the sketch filed — filed again from every
    /// file when one changed after it was filed (a buffer opened or closed on it meanwhile).
    /// Unlinked mentions are found again when asked. The number of files removed.
    pub fn finish_completion(
        &mut self,
        mut completion: Completion,
        open: &dyn Fn(&Path) -> bool,
    ) -> usize {
        let (mut gone, mut buffers) = (Vec::new(), Vec::new());
        let mut stale = completion.twice;
        for (id, file) in self.files() {
            match completion.filed.get(id.0 as usize).copied().unwrap_or(0) {
                KEPT => buffers.push(id),
                0 if open(&file.path) => buffers.push(id),
                0 => gone.push(file.path.to_path_buf()),
                filed => stale |= filed != file.revision,
            }
        }
        for path in &gone {
            self.remove(path);
        }
        for id in buffers {
            completion.file(self, id, None);
        }
        if stale {
            tracing::debug!(
                "a note changed or came twice as the sketch was completed: filing again"
            );
            completion = Completion::new(self);
            let ids: Vec<FileId> = self.files().map(|(id, _)| id).collect();
            for id in ids {
                completion.file(self, id, None);
            }
        }
        let Completion {
            links_by_key,
            tags,
            properties,
            sources,
            folders,
            filed: _,
            twice: _,
        } = completion;
        self.links_by_key = links_by_key;
        self.tags = tags;
        self.properties.take_counts_from(properties);
        self.sources.take_notes_from(sources);
        self.folders = folders;
        let rules = std::mem::take(&mut self.mentions.rules);
        self.mentions = Mentions {
            rules,
            ..Mentions::default()
        };
        self.generation += 1;
        // Headings and blocks came: links into them resolve now.
        self.links_generation += 1;
        // Every count is new, and left unrecorded: completion takes every key's count again.
        self.counts_generation += 1;
        gone.len()
    }
}
