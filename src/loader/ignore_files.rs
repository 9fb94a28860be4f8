//! Ignore files (`.ignore`, `.gitignore`, `.git/info/exclude`) read through [`read_file`], not
//! by the `ignore` crate's walker, which opens whatever the name leads to: a committed
//! `.gitignore -> /dev/stdin` made the server read its own protocol pipe.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ignore::gitignore::{Gitignore, GitignoreBuilder};

use super::read::{IGNORE_FILE, read_file};

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
pub(super) struct IgnoreFiles {
    root: PathBuf,
    folders: Mutex<HashMap<PathBuf, Arc<FolderRules>>>,
    /// The rules of the folders above the last path asked about: a walk asks about a folder's
    /// entries one after another, so this spares a lookup per ancestor for each of them.
    last: Mutex<Option<Arc<Chain>>>,
}

/// The rules of `folder` and of each folder above it up to the root, deepest first.
struct Chain {
    folder: PathBuf,
    rules: Vec<Arc<FolderRules>>,
    /// No folder of the chain has an ignore file (most vaults): nothing below is ignored.
    none: bool,
}

impl IgnoreFiles {
    pub(super) fn new(root: &Path) -> IgnoreFiles {
        IgnoreFiles {
            root: root.to_path_buf(),
            folders: Mutex::new(HashMap::new()),
            last: Mutex::new(None),
        }
    }

    /// The chain of the folder asked about last, if that is `folder`, written the same.
    fn last_chain(&self, folder: &Path) -> Option<Arc<Chain>> {
        let last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let same = |c: &&Arc<Chain>| c.folder.as_os_str() == folder.as_os_str();
        last.as_ref().filter(same).cloned()
    }

    /// The chain of rules above the entries of `folder` (within the root).
    fn chain(&self, folder: &Path) -> Arc<Chain> {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(chain) = last.as_ref().filter(|c| c.folder == folder) {
            return chain.clone();
        }
        let mut rules = Vec::new();
        for above in folder.ancestors() {
            if !above.starts_with(&self.root) {
                break;
            }
            rules.push(self.folder(above));
            if above == self.root {
                break;
            }
        }
        let none = rules
            .iter()
            .all(|r| r.ignore.is_none() && r.gitignore.is_none() && r.exclude.is_none());
        let chain = Arc::new(Chain {
            folder: folder.to_path_buf(),
            rules,
            none,
        });
        *last = Some(chain.clone());
        chain
    }

    /// Whether `path` is ignored. `parents`: also when a folder holding it is (the walker
    /// never enters an ignored folder, so it asks about each path alone).
    pub(super) fn ignores(&self, path: &Path, is_dir: bool, parents: bool) -> bool {
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
        let Some(parent) = parent_of(path) else {
            return false;
        };
        // The folder asked about last is within the root (it was checked when its chain was
        // made): a walk asks about its entries one after another, each without that check.
        let chain = match self.last_chain(parent) {
            Some(chain) => chain,
            None if within(parent, &self.root) => self.chain(parent),
            None => return false,
        };
        if chain.none {
            return false;
        }
        let (mut ignore, mut gitignore, mut exclude) = (None, None, None);
        let mut saw_git = false;
        for rules in &chain.rules {
            ignore = ignore.or_else(|| matched(&rules.ignore));
            if !saw_git {
                gitignore = gitignore.or_else(|| matched(&rules.gitignore));
                exclude = exclude.or_else(|| matched(&rules.exclude));
            }
            saw_git |= rules.has_git;
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

/// `path.parent()`, read from the bytes where they settle it (on Unix, a last part that is a
/// plain name after a single `/`): the component walk it replaces, once per walked file, was a
/// tenth of a restart's walk.
fn parent_of(path: &Path) -> Option<&Path> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let bytes = path.as_os_str().as_bytes();
        if let Some(at) = bytes.iter().rposition(|&b| b == b'/') {
            let (folder, name) = (&bytes[..at], &bytes[at + 1..]);
            // `Path::parent` drops a trailing `.` of the folder (`a/./b` → `a`): left to it.
            let plain = !name.is_empty() && name != b"." && name != b"..";
            let folder_plain = folder != b"." && !folder.ends_with(b"/.");
            if at > 0 && bytes[at - 1] != b'/' && plain && folder_plain {
                return Some(Path::new(std::ffi::OsStr::from_bytes(&bytes[..at])));
            }
        }
    }
    path.parent()
}

/// `path.starts_with(root)`, answered from the bytes when they settle it: the component walk
/// it replaces, once per walked file, was a tenth of a restart's walk.
fn within(path: &Path, root: &Path) -> bool {
    let plainly = path
        .to_str()
        .zip(root.to_str())
        .and_then(|(path, root)| crate::index::keys::under_root(path, root));
    plainly.is_some() || path.starts_with(root)
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
/// Log a problem with an ignore file once per session: a restart walks the vault twice (for
/// its first answers, then for the full index once the watcher is armed), and each walk reads
/// the ignore files again.
fn warn_once(message: String) {
    static SAID: Mutex<Option<std::collections::HashSet<String>>> = Mutex::new(None);
    let mut said = SAID.lock().unwrap_or_else(|p| p.into_inner());
    if said
        .get_or_insert_with(Default::default)
        .insert(message.clone())
    {
        tracing::warn!("{message}");
    }
}

fn read_ignore_file(folder: &Path, file: &Path) -> Option<Gitignore> {
    let bytes = match read_file(file, &IGNORE_FILE) {
        Ok(bytes) => bytes,
        Err(err) if err.not_found => return None,
        Err(err) => {
            warn_once(format!("ignored {}: {err}", file.display()));
            return None;
        }
    };
    let text = String::from_utf8_lossy(&bytes);
    let mut builder = GitignoreBuilder::new(folder);
    for line in text.trim_start_matches('\u{feff}').lines() {
        if let Err(err) = builder.add_line(Some(file.to_path_buf()), line) {
            warn_once(format!("{}: {err}", file.display()));
        }
    }
    builder
        .build()
        .map_err(|err| warn_once(format!("{}: {err}", file.display())))
        .ok()
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::symlink;

    use super::super::test_support::{Scratch, finishes};
    use super::super::{Exclude, walk};
    use super::*;

    #[test]
    fn parent_of_answers_what_path_parent_answers() {
        for path in [
            "/v/a/b.md",
            "/v/a/",
            "/c",
            "/",
            "",
            "rel",
            "a/b",
            "a//b",
            "a/./b",
            "a/.",
            "/a/..",
            "./x",
            "/v/a b/ü.md",
            "a/./b/c",
            "/./c",
            "x/../y",
        ] {
            let path = Path::new(path);
            // Byte for byte, not only by component.
            let bytes = |p: Option<&Path>| p.map(|p| p.as_os_str().to_owned());
            assert_eq!(
                bytes(parent_of(path)),
                bytes(path.parent()),
                "{}",
                path.display()
            );
        }
    }

    #[test]
    fn within_answers_what_path_starts_with_answers() {
        let pairs = [
            ("/v/a.md", "/v", true),
            ("/v", "/v", true),
            ("/vault/a.md", "/v", false),
            ("/v/a.md", "/v/", true),
            ("/v//a.md", "/v", true),
            ("/v/./a.md", "/v", true),
            ("/v/a.md", "/v/.", true),
            ("/x/a.md", "/v", false),
            ("/a.md", "/", true),
            ("v/a.md", "/v", false),
        ];
        for (path, root, expected) in pairs {
            let (path, root) = (Path::new(path), Path::new(root));
            assert_eq!(path.starts_with(root), expected, "{path:?} in {root:?}");
            assert_eq!(within(path, root), expected, "{path:?} in {root:?}");
        }
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
