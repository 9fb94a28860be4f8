//! The loader: the only code that reads the vault from disk. Walks the workspace folders
//! (respecting `.gitignore`, skipping `.obsidian/`, `.trash/`, `.git/` and other hidden folders),
//! reads and parses notes in parallel, and hands finished notes to the index.

mod bibliographies;
mod binary;
mod cached;
#[cfg(test)]
mod complete_tests;
mod ignore_files;
mod loaded;
mod read;
mod settings_files;
mod sketch;
mod streamed;
#[cfg(test)]
mod test_support;

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::cache::stamp::{stamp_of, unchanged};
use crate::cache::{Cache, CachedBibliography};
use crate::config::{Config, SettingsFiles};
use crate::index::{Note, Stamp, Vault};
use crate::sources::load::{is_bibliography_path, resolve_path, unreadable};
use crate::sources::{Bibliography, Origin};

use binary::{is_binary, is_binary_text};
use ignore_files::IgnoreFiles;
pub use ignore_files::is_ignored;
pub use read::{
    BIBLIOGRAPHY, FileKind, IGNORE_FILE, JSON_SETTINGS, NOTE, TOML_SETTINGS, Unreadable, read_file,
    read_file_with_metadata, read_text,
};

/// Notes larger than this are skipped: nobody writes one, and parsing it on every keystroke
/// would stall the server.
pub const MAX_NOTE_BYTES: u64 = 16 * 1024 * 1024;

/// A file the loader did not index, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: String,
}

/// Files and folders the configuration's `exclude` globs leave out (gitignore syntax, relative
/// to each root).
#[derive(Clone, Default)]
pub struct Exclude {
    matchers: Vec<ignore::overrides::Override>,
}

impl Exclude {
    pub fn new(roots: &[PathBuf], globs: &[String]) -> Exclude {
        if globs.is_empty() {
            return Exclude::default();
        }
        let matchers = roots
            .iter()
            .filter_map(|root| {
                let mut builder = ignore::overrides::OverrideBuilder::new(root);
                for glob in globs {
                    if let Err(err) = builder.add(&format!("!{glob}")) {
                        tracing::warn!("exclude glob {glob:?} is not usable: {err}");
                    }
                }
                builder
                    .build()
                    .map_err(|err| tracing::warn!("exclude globs are not usable: {err}"))
                    .ok()
            })
            .collect();
        Exclude { matchers }
    }

    /// Whether `path`, or a folder holding it, is excluded.
    pub fn is_excluded(&self, path: &Path) -> bool {
        self.matchers.iter().any(|m| {
            let root = m.path();
            path.starts_with(root)
                && path
                    .ancestors()
                    .take_while(|p| p.starts_with(root) && *p != root)
                    .enumerate()
                    .any(|(i, p)| m.matched(p, i > 0 || p.is_dir()).is_ignore())
        })
    }

    fn for_root(&self, root: &Path) -> Option<&ignore::overrides::Override> {
        self.matchers.iter().find(|m| m.path() == root)
    }
}

/// Every file under `roots` in the vault; no rayon work (a sketch waits on it from a worker).
pub fn walk(roots: &[PathBuf], exclude: &Exclude) -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk_each(roots, exclude, &mut |path| out.push(path));
    out
}

/// [`walk`], each file given to `found` as it is found rather than listed: a walk that checks
/// each file then holds none of the vault's paths but the few it is checking.
pub fn walk_each(roots: &[PathBuf], exclude: &Exclude, found: &mut dyn FnMut(PathBuf)) {
    for root in roots {
        let mut builder = ignore::WalkBuilder::new(root);
        if let Some(overrides) = exclude.for_root(root) {
            builder.overrides(overrides.clone());
        }
        // Ignore files are read by `IgnoreFiles`, through `read_file`, not by the walker: it
        // would open a `.gitignore -> /dev/stdin` or a FIFO and wait for ever.
        let rules = Arc::new(IgnoreFiles::new(root));
        let walker = builder
            .hidden(true)
            .git_ignore(false)
            .git_global(false)
            .git_exclude(false)
            .require_git(false)
            .ignore(false)
            .parents(false)
            .follow_links(true)
            .filter_entry(move |entry| {
                let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                !rules.ignores(entry.path(), is_dir, false)
            })
            .build();
        for entry in walker {
            match entry {
                Ok(entry) if entry.file_type().is_some_and(|t| t.is_file()) => {
                    found(entry.into_path())
                }
                Ok(_) => {}
                Err(err) => tracing::warn!("skipping part of the vault: {err}"),
            }
        }
    }
}

/// Read a note (lossily where not UTF-8). Its text is not kept but read again from the file
/// when asked for ([`Note::read_file`]): the server holds it only while the note is closed.
/// Binary and oversized files are refused, and so is a symlink to anything but a note ([`NOTE`]).
pub fn read_note(path: &Path) -> Result<Note, Skipped> {
    // The metadata is taken before the read: a write after it shows as a newer time at the
    // next start.
    let (bytes, meta) = read_file_with_metadata(path, &NOTE).map_err(|err| Skipped {
        path: path.to_path_buf(),
        reason: err.message,
    })?;
    let stamp = stamp_of(&meta, &bytes);
    let mut note = note_from_bytes_hashed(path, bytes, Some(stamp.hash))?;
    note.stamp = Some(stamp);
    Ok(note)
}

/// Decode a note's bytes, those of the file at `path`: binary data is refused; valid UTF-8 — the
/// file's bytes themselves — is kept as the file's ([`Note::read_file`]); UTF-16 with a byte
/// order mark is decoded, invalid UTF-8 replaced and logged, and such a text kept packed
/// ([`Note::read`]), reading the file again not giving it.
pub fn note_from_bytes(path: &Path, bytes: Vec<u8>) -> Result<Note, Skipped> {
    note_from_bytes_hashed(path, bytes, None)
}

/// [`note_from_bytes`] of bytes whose xxh3-64 is `hash` when known (the stamp's): a cold start
/// hashes each note once.
fn note_from_bytes_hashed(path: &Path, bytes: Vec<u8>, hash: Option<u64>) -> Result<Note, Skipped> {
    if let Some(text) = utf16_with_bom(&bytes) {
        return Ok(Note::read(text));
    }
    let binary = || Skipped {
        path: path.to_path_buf(),
        reason: "binary data, not a markdown note".into(),
    };
    // Decoded first: a note's bytes are checked as UTF-8 once, not again for the binary test.
    let text = match String::from_utf8(bytes) {
        Ok(text) if is_binary_text(&text) => return Err(binary()),
        Ok(text) => {
            let hash = hash.unwrap_or_else(|| xxhash_rust::xxh3::xxh3_64(text.as_bytes()));
            return Ok(Note::read_file_hashed(path, text, hash));
        }
        Err(err) if is_binary(err.as_bytes()) => return Err(binary()),
        Err(err) => {
            tracing::warn!(
                "{}: not valid UTF-8; invalid bytes are shown as U+FFFD",
                path.display()
            );
            String::from_utf8_lossy(err.as_bytes()).into_owned()
        }
    };
    Ok(Note::read(text))
}

/// Files whose presence in a folder makes it a vault's root.
pub const VAULT_MARKERS: [&str; 2] = [".obsidian", ".notegraph.toml"];

/// The vault a note belongs to when no workspace folder names one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundRoot {
    pub root: PathBuf,
    /// Whether the root's notes are read from disk. A folder with no marker that is the home
    /// folder or the file system's root is not: reading everything under it would index a whole
    /// disk for one note, so only the notes the user opens there are indexed.
    pub walk: bool,
}

/// The vault of `note`: the nearest folder above it holding a [`VAULT_MARKERS`] entry, else the
/// note's own folder (a plain folder of notes, the common Zettelkasten case). `.git` is not a
/// marker: notes kept inside a code repository are not a vault of the whole repository.
/// `home` is the user's home folder, never walked without a marker.
pub fn find_root(note: &Path, home: Option<&Path>) -> Option<FoundRoot> {
    let folder = note.parent()?;
    let marked = folder
        .ancestors()
        .find(|dir| VAULT_MARKERS.iter().any(|m| dir.join(m).exists()));
    Some(match marked {
        Some(root) => FoundRoot {
            root: root.to_path_buf(),
            walk: true,
        },
        None => FoundRoot {
            root: folder.to_path_buf(),
            walk: folder.parent().is_some() && Some(folder) != home,
        },
    })
}

/// Files done out of `total`, counted from worker threads: every `every`-th and the last are
/// reported to `progress(done, total)`, so that a large vault sends a few hundred progress
/// messages, not one per file.
struct Counted<'a> {
    done: std::sync::atomic::AtomicUsize,
    total: usize,
    every: usize,
    progress: &'a (dyn Fn(usize, usize) + Sync),
}

impl<'a> Counted<'a> {
    fn new(total: usize, every: usize, progress: &'a (dyn Fn(usize, usize) + Sync)) -> Self {
        Counted {
            done: std::sync::atomic::AtomicUsize::new(0),
            total,
            every,
            progress,
        }
    }

    /// One more file done.
    fn step(&self) {
        let n = self.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if n % self.every == 0 || n == self.total {
            (self.progress)(n, self.total);
        }
    }
}

/// Windows editors save "Unicode" text as UTF-16 with a byte order mark: text, though every
/// other byte of it is NUL.
fn utf16_with_bom(bytes: &[u8]) -> Option<String> {
    let little = match bytes {
        [0xFF, 0xFE, ..] => true,
        [0xFE, 0xFF, ..] => false,
        _ => return None,
    };
    let units = bytes[2..].chunks_exact(2).map(|pair| {
        let pair = [pair[0], pair[1]];
        if little {
            u16::from_le_bytes(pair)
        } else {
            u16::from_be_bytes(pair)
        }
    });
    Some(
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
    )
}

pub use bibliographies::{
    WantedBibliographies, bibliographies_wanted, load_bibliographies, read_bibliographies,
    set_bibliographies,
};
pub use cached::{CacheUse, Verified, load_cached, load_trusting, verify};
pub use loaded::{CachedBibliographies, Loaded, load};
pub use settings_files::{SETTINGS_FILES, is_settings_path, settings_fingerprint};
pub use sketch::{Sketch, SketchImage, load_sketch};
pub use streamed::{Stream, Streamed, load_streamed};

/// Load the vault at `root` (canonical) as the CLI commands see it: its settings (exclusions,
/// bibliographies, alias fallback) applied, problems with them logged. `image` is written into
/// the on-disk index with it (see [`crate::cache::Image`]).
pub fn load_configured(
    root: &Path,
    image: Option<crate::cache::Image<'_>>,
) -> (crate::config::Config, Vault, Vec<Skipped>) {
    let (config, problems) = load_config(Some(root));
    for problem in &problems {
        tracing::warn!("configuration: {problem}");
    }
    let roots = vec![root.to_path_buf()];
    let exclude = Exclude::new(&roots, &config.exclude);
    let cache = config.index_cache.then(|| Cache::locate(&roots)).flatten();
    let (mut loaded, usage) = load_cached(&roots, &exclude, &|_, _| {}, cache.as_ref());
    let cached_bibliographies = std::mem::take(&mut loaded.bibliographies);
    let (mut vault, skipped) = loaded.into_vault(roots);
    let bibliographies_behind = load_bibliographies(
        &mut vault,
        &config.citations.bibliography,
        cached_bibliographies,
    );
    vault.alias_fallback = config.alias_fallback;
    vault
        .properties
        .set_types(config.obsidian.property_types.iter().cloned());
    // Written before the command's work, so that the next run (CI, a pre-commit hook) starts
    // from it.
    if let Some(cache) = cache.filter(|_| usage.is_stale() || bibliographies_behind > 0) {
        if let Err(err) = cache.save(|| &vault, image) {
            tracing::warn!(
                "on-disk index not written to {}: {err}",
                cache.file().display()
            );
        }
    }
    (config, vault, skipped)
}

/// Load a vault in one call, for the CLI and tests: notes, attachments and bibliographies.
pub fn load_vault(roots: Vec<PathBuf>) -> (Vault, Vec<Skipped>) {
    let (mut vault, skipped) = load(&roots, &Exclude::default(), &|_, _| {}).into_vault(roots);
    load_bibliographies(&mut vault, &[], CachedBibliographies::default());
    (vault, skipped)
}

// --- Bibliographies: which files the vault wants, read in parallel into its citation index.

/// The label users see for a bibliography: vault-relative (with `../` for a file beside the
/// vault), or the whole path when it shares nothing with the vault.
pub fn bibliography_label(vault: &Vault, path: &Path) -> String {
    if let Some((_, rel)) = vault.locate(path) {
        return rel;
    }
    let Some(root) = vault.roots().first() else {
        return path.display().to_string();
    };
    let root: Vec<Component> = root.components().collect();
    let file: Vec<Component> = path.components().collect();
    let common = root.iter().zip(&file).take_while(|(a, b)| a == b).count();
    // Sharing only `/` says nothing: the whole path is clearer than a run of `../`.
    if common <= 1 || root.len() - common > 2 {
        return path.display().to_string();
    }
    let mut parts: Vec<String> = vec!["..".to_string(); root.len() - common];
    parts.extend(
        file[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// Every bibliography the vault should have: configured ones (relative to the first root),
/// those named in notes' frontmatter, and the vault's own `.bib` and `.json` files.
pub fn wanted_bibliographies(vault: &Vault, configured: &[String]) -> Vec<(PathBuf, Origin)> {
    let mut out = Vec::new();
    let base = vault.roots().first().cloned().unwrap_or_default();
    for written in configured {
        out.push((resolve_path(written, &base), Origin::Configured));
    }
    for (_, file, note) in vault.notes() {
        let Some(fm) = &note.syntax.frontmatter() else {
            continue;
        };
        let folder = file.path.parent().unwrap_or(Path::new(""));
        for (written, _) in fm.bibliography() {
            out.push((resolve_path(written, folder), Origin::Frontmatter));
        }
    }
    for (_, file) in vault.files() {
        if !file.is_note() && is_bibliography_path(&file.path) {
            out.push((file.path.to_path_buf(), Origin::Discovered));
        }
    }
    // One read per file, under its highest-priority origin.
    out.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    out.dedup_by(|later, first| later.0 == first.0);
    out
}

/// Read and parse a bibliography file, with the stamp of the read (`None` where the file's
/// time cannot be read). A file that cannot be read is an empty bibliography with the reason
/// as its problem, so the user hears of it.
pub fn read_bibliography(
    path: &Path,
    origin: Origin,
    label: String,
) -> Option<(Bibliography, Option<Stamp>)> {
    read_bibliography_over(path, origin, label, None).map(|(bib, stamp, _)| (bib, stamp))
}

/// [`read_bibliography`], taking the parse from `cached` (the on-disk index's) when the file
/// still has its stamp — or, touched but not changed, its bytes still hash the same — and the
/// vault wants it under the same origin. The flag says whether the parse was the cached one
/// under the same stamp (else the on-disk index is behind).
fn read_bibliography_over(
    path: &Path,
    origin: Origin,
    label: String,
    cached: Option<CachedBibliography>,
) -> Option<(Bibliography, Option<Stamp>, bool)> {
    let cached = cached.filter(|c| c.origin == origin);
    if let Some(c) = cached.as_ref().filter(|c| unchanged(path, &c.stamp)) {
        let stamp = c.stamp;
        let cached = cached.expect("checked above");
        let bib = cached.into_bibliography(path.to_path_buf(), label);
        return Some((bib, Some(stamp), true));
    }
    // The metadata is taken before the read: a write after it shows as a newer time at the
    // next start.
    let (bytes, meta) = match read_file_with_metadata(path, &BIBLIOGRAPHY) {
        Ok(read) => read,
        // A named file that is not there is no bibliography: the note naming it says so, and
        // the vault's keys are not all declared unknown for it.
        Err(err) if origin == Origin::Discovered || err.not_found => {
            tracing::warn!("cannot read {}: {err}", path.display());
            return None;
        }
        Err(err) => return Some((unreadable(path, origin, label, err.message), None, false)),
    };
    let stamp = stamp_of(&meta, &bytes);
    if let Some(c) = cached.filter(|c| c.stamp.hash == stamp.hash) {
        let bib = c.into_bibliography(path.to_path_buf(), label);
        return Some((bib, Some(stamp), false));
    }
    let text = String::from_utf8_lossy(&bytes);
    let bib = crate::sources::load::parse(path, &text, origin, label)?;
    for problem in &bib.problems {
        tracing::warn!(
            "{}:{}: {}",
            path.display(),
            problem.at.line + 1,
            problem.message
        );
    }
    Some((bib, Some(stamp), false))
}

/// The settings of a vault whose first root is `root`: defaults, then its
/// `.obsidian/app.json` and `.notegraph.toml`, read like every other file (a committed
/// `.notegraph.toml -> /dev/stdin` is not read). Returns the problems found, each naming its
/// file and key.
pub fn load_config(root: Option<&Path>) -> (Config, Vec<String>) {
    let Some(root) = root else {
        return Config::from_files(SettingsFiles::default());
    };
    let notegraph_toml = match read_text(&root.join(".notegraph.toml"), &TOML_SETTINGS) {
        Ok(text) => Some(Ok(text)),
        Err(err) if err.not_found => None,
        Err(err) => Some(Err(err.message)),
    };
    let (mut config, mut problems) = Config::from_files(SettingsFiles {
        obsidian_app: read_text(&root.join(".obsidian/app.json"), &JSON_SETTINGS).ok(),
        notegraph_toml,
    });
    // Property types, daily notes and templates: the rest of `.obsidian/`.
    config.obsidian = crate::config::obsidian::Obsidian::from_files(
        |name| read_text(&root.join(".obsidian").join(name), &JSON_SETTINGS).ok(),
        &mut problems,
    );
    (config, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links_of(bytes: &[u8]) -> Result<Vec<String>, String> {
        note_from_bytes(Path::new("/v/n.md"), bytes.to_vec())
            .map(|note| {
                note.syntax
                    .links
                    .iter()
                    .map(|l| l.target.to_string())
                    .collect()
            })
            .map_err(|skip| skip.reason)
    }

    #[test]
    fn a_note_with_a_nul_byte_is_read() {
        assert_eq!(
            links_of(b"# Log\n[[Target]] pasted \x00 from a terminal\n[[Other]]\n"),
            Ok(vec!["Target".to_string(), "Other".to_string()])
        );
    }

    #[test]
    fn utf16_with_a_byte_order_mark_is_text() {
        let mut le = vec![0xFF, 0xFE];
        le.extend("[[Target]]\n".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(links_of(&le), Ok(vec!["Target".to_string()]));
        let mut be = vec![0xFE, 0xFF];
        be.extend("[[Café]]".encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(links_of(&be), Ok(vec!["Café".to_string()]));
    }

    #[test]
    fn files_that_are_not_text_are_skipped() {
        let binary = Err("binary data, not a markdown note".to_string());
        assert_eq!(links_of(b"\x89PNG\r\n\x1a\n\x00\x00[[Target]]"), binary);
        assert_eq!(links_of(b"%PDF-1.7\n[[Target]]"), binary);
        // No signature, but mostly control bytes and invalid UTF-8.
        let noise: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
        assert_eq!(links_of(&noise), binary);
        // UTF-16 without its mark: half of it NUL.
        let bare: Vec<u8> = "[[Target]] text"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(links_of(&bare), binary);
        assert_eq!(links_of(b""), Ok(vec![]));
    }

    #[test]
    fn a_cached_bibliography_stands_only_for_its_file_unchanged_and_under_its_origin() {
        use crate::sources::{Entry, Format};
        let dir = test_support::Scratch::new("bib-cache");
        let path = dir.write("refs.bib", "@book{k, title = {From the file}}\n");
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        let file = std::fs::File::options().append(true).open(&path).unwrap();
        file.set_modified(hour_ago).unwrap();
        let (_, stamp) = read_bibliography(&path, Origin::Discovered, "refs.bib".into()).unwrap();
        let stamp = stamp.expect("a stamp");
        assert!(!stamp.racy);
        let cached = |origin, stamp| CachedBibliography {
            stamp,
            origin,
            format: Format::BibTex,
            entries: vec![Entry {
                key: "k".into(),
                title: Some("From the cache".into()),
                ..Entry::default()
            }],
            problems: Vec::new(),
        };
        let title = |origin, cache| {
            let (bib, _, reused) =
                read_bibliography_over(&path, origin, "refs.bib".into(), Some(cache)).unwrap();
            (bib.entries[0].title.clone().unwrap(), reused)
        };
        let from_cache = ("From the cache".to_string(), true);
        let from_file = ("From the file".to_string(), false);
        assert_eq!(
            title(Origin::Discovered, cached(Origin::Discovered, stamp)),
            from_cache
        );
        // Wanted under another origin (read by other rules): read again.
        assert_eq!(
            title(Origin::Discovered, cached(Origin::Configured, stamp)),
            from_file
        );
        // Other bytes (another size, another hash): read again.
        let other_bytes = Stamp {
            size: 1,
            hash: stamp.hash ^ 1,
            ..stamp
        };
        assert_eq!(
            title(Origin::Discovered, cached(Origin::Discovered, other_bytes)),
            from_file
        );
        // Another time, the same bytes (touched only): the cached parse, under the new stamp.
        let touched = Stamp {
            mtime_ns: crate::index::Nanos::new(0),
            ..stamp
        };
        assert_eq!(
            title(Origin::Discovered, cached(Origin::Discovered, touched)),
            ("From the cache".to_string(), false)
        );
    }
}
