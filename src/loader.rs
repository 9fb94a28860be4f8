//! The loader: the only code that reads the vault from disk. Walks the workspace folders
//! (respecting `.gitignore`, skipping `.obsidian/`, `.trash/`, `.git/` and other hidden folders),
//! reads and parses notes in parallel, and hands finished notes to the index.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use rayon::prelude::*;

use crate::index::{Note, Vault, is_note_path};

/// Notes larger than this are skipped: nobody writes one, and parsing it on every keystroke
/// would stall the server.
pub const MAX_NOTE_BYTES: u64 = 16 * 1024 * 1024;

/// A kind of file notegraph reads, with what [`read_file`] checks for it.
pub struct FileKind {
    /// How messages name a file of this kind: `a note`.
    pub noun: &'static str,
    /// How messages name what a symlink of this kind must lead to: `a markdown note`.
    pub target: &'static str,
    /// Larger files are not read.
    pub limit: u64,
    /// Whether a symlink may lead to `target` (its resolved path).
    pub leads_to_kind: fn(&Path) -> bool,
}

/// Notes: a symlink must lead to a markdown file. A vault cloned from someone else could hold
/// `notes.md -> ~/.ssh/id_rsa`, and a hover shows notes.
pub const NOTE: FileKind = FileKind {
    noun: "a note",
    target: "a markdown note",
    limit: MAX_NOTE_BYTES,
    leads_to_kind: is_note_path,
};

/// `.gitignore`, `.ignore` and `.git/info/exclude`: never shown, so a link may lead to any
/// regular file (shared ignore files are often linked).
pub const IGNORE_FILE: FileKind = FileKind {
    noun: "an ignore file",
    target: "a regular file",
    limit: 1024 * 1024,
    leads_to_kind: |_| true,
};

/// `.notegraph.toml`, whose parse errors quote its lines: a link must lead to a `.toml` file.
pub const TOML_SETTINGS: FileKind = FileKind {
    noun: "a settings file",
    target: "a .toml file",
    limit: 1024 * 1024,
    leads_to_kind: |p| has_extension(p, "toml"),
};

/// `.obsidian/app.json`: a link must lead to a `.json` file.
pub const JSON_SETTINGS: FileKind = FileKind {
    noun: "a settings file",
    target: "a .json file",
    limit: 1024 * 1024,
    leads_to_kind: |p| has_extension(p, "json"),
};

fn has_extension(path: &Path, extension: &str) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(extension))
}

/// Why a file was not read.
#[derive(Debug)]
pub struct Unreadable {
    /// Said after the file's name: `cannot read: …`, `… bytes is larger than …`.
    pub message: String,
    /// Nothing is there (a dangling symlink included): often no problem at all.
    pub not_found: bool,
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Read a file of `kind`: the one way notegraph reads a file. Only a regular file (after
/// following links) of at most `kind.limit` bytes is read, and a symlink only when it leads to a
/// file of the kind. Why: a path from a vault (a note's `bibliography: /dev/stdin`, a committed
/// `.gitignore -> /dev/zero`, a FIFO) would otherwise make the server read its own protocol pipe,
/// block for ever, or fill memory.
pub fn read_file(path: &Path, kind: &FileKind) -> Result<Vec<u8>, Unreadable> {
    let io = |err: std::io::Error| Unreadable {
        not_found: err.kind() == std::io::ErrorKind::NotFound,
        message: format!("cannot read: {err}"),
    };
    let refuse = |message: String| Unreadable {
        message,
        not_found: false,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(refuse(format!(
            "{}, not a regular file: not read",
            file_type_name(&meta.file_type())
        )));
    }
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        let target = std::fs::canonicalize(path).map_err(io)?;
        if !(kind.leads_to_kind)(&target) {
            return Err(refuse(format!(
                "a symlink to {}, which is not {}",
                target.display(),
                kind.target
            )));
        }
    }
    let too_large = |len: u64| {
        refuse(format!(
            "{len} bytes is larger than the {} byte limit for {}",
            kind.limit, kind.noun
        ))
    };
    if meta.len() > kind.limit {
        return Err(too_large(meta.len()));
    }
    let file = std::fs::File::open(path).map_err(io)?;
    // What was opened may not be what was looked at (the file was replaced in between).
    let opened = file.metadata().map_err(io)?;
    if !opened.is_file() {
        return Err(refuse(format!(
            "{}, not a regular file: not read",
            file_type_name(&opened.file_type())
        )));
    }
    // Bounded even if the file grows while it is read, or says less than it holds (`/proc`).
    let mut bytes = Vec::with_capacity(opened.len().min(kind.limit) as usize);
    file.take(kind.limit + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > kind.limit {
        return Err(refuse(format!(
            "more than the {} byte limit for {}",
            kind.limit, kind.noun
        )));
    }
    Ok(bytes)
}

/// [`read_file`] for text: invalid UTF-8 is replaced.
pub fn read_text(path: &Path, kind: &FileKind) -> Result<String, Unreadable> {
    let bytes = read_file(path, kind)?;
    Ok(String::from_utf8(bytes)
        .unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned()))
}

fn file_type_name(file_type: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a folder"
    } else {
        "a special file"
    }
}

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

/// Every file under `roots` that belongs to the vault.
pub fn walk(roots: &[PathBuf], exclude: &Exclude) -> Vec<PathBuf> {
    let mut out = Vec::new();
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
                    out.push(entry.into_path())
                }
                Ok(_) => {}
                Err(err) => tracing::warn!("skipping part of the vault: {err}"),
            }
        }
    }
    out
}

/// Whether the `.ignore` and `.gitignore` files in `root` and the folders between it and `path`
/// ignore `path`, as they make [`walk`] skip it. For file events, which name one path: without
/// this a changed ignored note was indexed, unlike in a fresh index of the same tree.
pub fn is_ignored(root: &Path, path: &Path, is_dir: bool) -> bool {
    path.starts_with(root) && path != root && IgnoreFiles::new(root).ignores(path, is_dir, true)
}

/// The ignore rules of one folder.
#[derive(Default)]
struct FolderRules {
    ignore: Option<Gitignore>,
    gitignore: Option<Gitignore>,
    /// `.git/info/exclude`, when the folder holds a repository.
    exclude: Option<Gitignore>,
    /// The folder holds a repository: `.gitignore` files above it do not apply inside.
    has_git: bool,
}

/// The ignore files of a workspace folder's tree, each read once (through [`read_file`]) when
/// first needed. The same precedence as the `ignore` crate's walker: any `.ignore` match, the
/// deepest first, then `.gitignore`, then `.git/info/exclude`; none above a repository's root.
struct IgnoreFiles {
    root: PathBuf,
    folders: Mutex<HashMap<PathBuf, Arc<FolderRules>>>,
}

impl IgnoreFiles {
    fn new(root: &Path) -> IgnoreFiles {
        IgnoreFiles {
            root: root.to_path_buf(),
            folders: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `path` is ignored. `parents`: also when a folder holding it is (the walker
    /// never enters an ignored folder, so it asks about each path alone).
    fn ignores(&self, path: &Path, is_dir: bool, parents: bool) -> bool {
        // `Some(true)`: ignored; `Some(false)`: explicitly kept (`!pattern`); `None`: no rule.
        let matched = |rules: &Option<Gitignore>| -> Option<bool> {
            let rules = rules.as_ref()?;
            let found = if parents {
                rules.matched_path_or_any_parents(path, is_dir)
            } else {
                rules.matched(path, is_dir)
            };
            (!found.is_none()).then(|| found.is_ignore())
        };
        let (mut ignore, mut gitignore, mut exclude) = (None, None, None);
        let mut saw_git = false;
        for folder in path.ancestors().skip(1) {
            if !folder.starts_with(&self.root) {
                break;
            }
            let rules = self.folder(folder);
            ignore = ignore.or_else(|| matched(&rules.ignore));
            if !saw_git {
                gitignore = gitignore.or_else(|| matched(&rules.gitignore));
                exclude = exclude.or_else(|| matched(&rules.exclude));
            }
            saw_git |= rules.has_git;
            if folder == self.root {
                break;
            }
        }
        ignore.or(gitignore).or(exclude).unwrap_or(false)
    }

    fn folder(&self, folder: &Path) -> Arc<FolderRules> {
        let mut folders = self.folders.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(rules) = folders.get(folder) {
            return rules.clone();
        }
        let rules = Arc::new(read_folder_rules(folder));
        folders.insert(folder.to_path_buf(), rules.clone());
        rules
    }
}

fn read_folder_rules(folder: &Path) -> FolderRules {
    let git = folder.join(".git");
    // Only a real `.git` folder: a `.git` file (a worktree's) names a folder elsewhere.
    let has_git = std::fs::symlink_metadata(&git).is_ok_and(|m| m.is_dir());
    FolderRules {
        ignore: read_ignore_file(folder, &folder.join(".ignore")),
        gitignore: read_ignore_file(folder, &folder.join(".gitignore")),
        exclude: has_git
            .then(|| read_ignore_file(folder, &git.join("info/exclude")))
            .flatten(),
        has_git,
    }
}

/// One ignore file's rules, relative to `folder`; `None` when there is none or it cannot be read.
fn read_ignore_file(folder: &Path, file: &Path) -> Option<Gitignore> {
    let bytes = match read_file(file, &IGNORE_FILE) {
        Ok(bytes) => bytes,
        Err(err) if err.not_found => return None,
        Err(err) => {
            tracing::warn!("ignored {}: {err}", file.display());
            return None;
        }
    };
    let text = String::from_utf8_lossy(&bytes);
    let mut builder = GitignoreBuilder::new(folder);
    for line in text.trim_start_matches('\u{feff}').lines() {
        if let Err(err) = builder.add_line(Some(file.to_path_buf()), line) {
            tracing::warn!("{}: {err}", file.display());
        }
    }
    builder
        .build()
        .map_err(|err| tracing::warn!("{}: {err}", file.display()))
        .ok()
}

/// Read a note, lossily where it is not UTF-8. Binary and oversized files are refused, and so
/// is a symlink that leads to anything but a markdown file (see [`NOTE`]).
pub fn read_note(path: &Path) -> Result<Note, Skipped> {
    let bytes = read_file(path, &NOTE).map_err(|err| Skipped {
        path: path.to_path_buf(),
        reason: err.message,
    })?;
    note_from_bytes(path, bytes)
}

/// Decode a note's bytes: binary data is refused, invalid UTF-8 is replaced and logged.
pub fn note_from_bytes(path: &Path, bytes: Vec<u8>) -> Result<Note, Skipped> {
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return Err(Skipped {
            path: path.to_path_buf(),
            reason: "binary data (NUL bytes), not a markdown note".into(),
        });
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            tracing::warn!(
                "{}: not valid UTF-8; invalid bytes are shown as U+FFFD",
                path.display()
            );
            String::from_utf8_lossy(err.as_bytes()).into_owned()
        }
    };
    Ok(Note::parse(text))
}

/// What a load found: parsed notes and attachments, and what was skipped.
pub struct Loaded {
    pub notes: Vec<(PathBuf, Note)>,
    pub attachments: Vec<PathBuf>,
    pub skipped: Vec<Skipped>,
}

/// Read and parse every note under `roots` in parallel. `progress(done, total)` is called from
/// worker threads as notes finish.
pub fn load(
    roots: &[PathBuf],
    exclude: &Exclude,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Loaded {
    let mut skipped = Vec::new();
    // Links name notes by their text, so a name that is not UTF-8 cannot be linked, shown or
    // sent as a URI; say so instead of dropping the file silently.
    let (files, unnamed): (Vec<PathBuf>, Vec<PathBuf>) = walk(roots, exclude)
        .into_iter()
        .partition(|p| p.to_str().is_some());
    for path in unnamed {
        let skip = Skipped {
            reason: "its file name is not valid UTF-8".into(),
            path,
        };
        tracing::warn!("skipped {}: {}", skip.path.display(), skip.reason);
        skipped.push(skip);
    }
    let (note_paths, attachments): (Vec<PathBuf>, Vec<PathBuf>) =
        files.into_iter().partition(|p| is_note_path(p));
    let total = note_paths.len();
    let done = AtomicUsize::new(0);
    let results: Vec<Result<(PathBuf, Note), Skipped>> = note_paths
        .into_par_iter()
        .map(|path| {
            let note = read_note(&path);
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            if n % 256 == 0 || n == total {
                progress(n, total);
            }
            note.map(|note| (path, note))
        })
        .collect();
    let mut notes = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(note) => notes.push(note),
            Err(skip) => {
                tracing::warn!("skipped {}: {}", skip.path.display(), skip.reason);
                skipped.push(skip);
            }
        }
    }
    Loaded {
        notes,
        attachments,
        skipped,
    }
}

impl Loaded {
    /// Build the index from what was loaded.
    pub fn into_vault(self, roots: Vec<PathBuf>) -> (Vault, Vec<Skipped>) {
        let mut vault = Vault::new(roots);
        for path in &self.attachments {
            vault.upsert_attachment(path);
        }
        for (path, note) in self.notes {
            vault.upsert_note(&path, note);
        }
        (vault, self.skipped)
    }
}

/// Load a vault in one call, for the CLI and tests: notes, attachments and bibliographies.
pub fn load_vault(roots: Vec<PathBuf>) -> (Vault, Vec<Skipped>) {
    let (mut vault, skipped) = load(&roots, &Exclude::default(), &|_, _| {}).into_vault(roots);
    crate::sources::load::load_into(&mut vault, &[]);
    (vault, skipped)
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::symlink;
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;

    /// A fresh folder under the system's temp dir, removed when dropped.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Scratch {
            let dir = std::env::temp_dir().join(format!("notegraph-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            Scratch(dir)
        }

        fn write(&self, rel: &str, text: &str) -> PathBuf {
            let path = self.0.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
            path
        }

        fn fifo(&self, rel: &str) -> PathBuf {
            let path = self.0.join(rel);
            let made = std::process::Command::new("mkfifo")
                .arg(&path)
                .status()
                .unwrap();
            assert!(made.success());
            path
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// Run `work` on a thread; a hang (a FIFO opened for reading waits for a writer for ever)
    /// fails the test instead of stalling it.
    fn finishes<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(work());
        });
        rx.recv_timeout(Duration::from_secs(20))
            .expect("blocked reading a special file")
    }

    #[test]
    fn only_regular_files_within_the_limit_are_read_and_links_only_to_their_kind() {
        let dir = Scratch::new("read-file");
        let fifo = dir.fifo("fifo");
        let toml = dir.write("real.toml", "a = 1\n");
        let text = dir.write("notes.txt", "secret\n");
        let big = dir.write("big.toml", &"#\n".repeat(600 * 1024));
        for (name, target) in [
            ("to-fifo.toml", fifo.as_path()),
            ("to-zero.toml", Path::new("/dev/zero")),
            ("to-toml.toml", &toml),
            ("to-text.toml", &text),
            ("dangling.toml", Path::new("/no/such/file.toml")),
        ] {
            symlink(target, dir.0.join(name)).unwrap();
        }
        let root = dir.0.clone();
        let results = finishes(move || {
            [
                "fifo",
                "to-fifo.toml",
                "to-zero.toml",
                "to-toml.toml",
                "to-text.toml",
                "big.toml",
                "dangling.toml",
                "missing.toml",
                ".",
            ]
            .map(|name| match read_text(&root.join(name), &TOML_SETTINGS) {
                Ok(text) => format!("{name}: read {text:?}"),
                Err(err) => format!("{name}: {} (not found: {})", err.message, err.not_found),
            })
            .join("\n")
        });
        let results = results.replace(&dir.0.display().to_string(), "DIR");
        let big_len = std::fs::metadata(&big).unwrap().len();
        assert_eq!(
            results,
            format!(
                "fifo: a FIFO, not a regular file: not read (not found: false)\n\
                 to-fifo.toml: a FIFO, not a regular file: not read (not found: false)\n\
                 to-zero.toml: a character device, not a regular file: not read (not found: false)\n\
                 to-toml.toml: read \"a = 1\\n\"\n\
                 to-text.toml: a symlink to DIR/notes.txt, which is not a .toml file (not found: false)\n\
                 big.toml: {big_len} bytes is larger than the 1048576 byte limit for a settings file (not found: false)\n\
                 dangling.toml: cannot read: No such file or directory (os error 2) (not found: true)\n\
                 missing.toml: cannot read: No such file or directory (os error 2) (not found: true)\n\
                 .: a folder, not a regular file: not read (not found: false)"
            )
        );
    }

    #[test]
    fn ignore_files_that_are_special_files_are_skipped_and_the_others_still_apply() {
        let dir = Scratch::new("walk-ignore");
        let outside = Scratch::new("walk-ignore-outside");
        let fifo = outside.fifo("fifo");
        let root = dir.0.join("vault");
        dir.write("vault/a.md", "");
        dir.write("vault/build/b.md", "");
        dir.write("vault/sub/.gitignore", "x.md\n*.tmp.md\n");
        dir.write("vault/sub/.ignore", "!keep.tmp.md\n");
        for rel in ["x.md", "y.md", "scratch.tmp.md", "keep.tmp.md"] {
            dir.write(&format!("vault/sub/{rel}"), "");
        }
        // A nested repository: the ignore files above it do not apply inside, its own do.
        std::fs::create_dir_all(root.join("repo/.git/info")).unwrap();
        dir.write("vault/repo/.git/info/exclude", "excluded.md\n");
        for rel in ["x.md", "excluded.md", "kept.md"] {
            dir.write(&format!("vault/repo/{rel}"), "");
        }
        dir.write("vault/.ignore", "build/\n");
        symlink(&fifo, root.join(".gitignore")).unwrap();
        std::fs::create_dir_all(root.join("deep")).unwrap();
        symlink("/dev/zero", root.join("deep/.gitignore")).unwrap();
        symlink(&fifo, root.join("deep/.ignore")).unwrap();
        dir.write("vault/deep/c.md", "");

        let walked_root = root.clone();
        let mut found: Vec<String> = finishes(move || walk(&[walked_root], &Exclude::default()))
            .iter()
            .map(|p| p.strip_prefix(&root).unwrap().display().to_string())
            .collect();
        found.sort();
        assert_eq!(
            found,
            [
                "a.md",
                "deep/c.md",
                "repo/kept.md",
                "repo/x.md",
                "sub/keep.tmp.md",
                "sub/y.md",
            ]
        );
        // File events ask the same question one path at a time.
        let ignored: Vec<&str> = [
            "a.md",
            "build/b.md",
            "build/new.md",
            "sub/x.md",
            "sub/keep.tmp.md",
            "sub/other.tmp.md",
            "repo/x.md",
            "repo/excluded.md",
            "deep/c.md",
        ]
        .into_iter()
        .filter(|rel| is_ignored(&root, &root.join(rel), false))
        .collect();
        assert_eq!(
            ignored,
            [
                "build/b.md",
                "build/new.md",
                "sub/x.md",
                "sub/other.tmp.md",
                "repo/excluded.md"
            ]
        );
    }
}
