//! Reading a file safely: the one way notegraph reads a file from disk. Only regular files (after
//! following links), only up to a size limit, and a symlink only when it leads to a file of the
//! kind expected (the rule notes always had).

use std::io::Read;
use std::path::Path;

use crate::index::is_note_path;
use crate::sources::load::is_bibliography_path;

use super::MAX_NOTE_BYTES;

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

/// Bibliographies: larger files are refused (one of 100,000 entries is far below the limit),
/// and a symlink must lead to a `.bib` or `.json` file.
pub const BIBLIOGRAPHY: FileKind = FileKind {
    noun: "a bibliography",
    target: "a .bib or .json file",
    limit: 64 * 1024 * 1024,
    leads_to_kind: is_bibliography_path,
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
    read_file_with_metadata(path, kind).map(|(bytes, _)| bytes)
}

/// [`read_file`], with the metadata of the file opened, taken just before it was read (a write
/// after it shows as a newer time). One lookup of the path before the open (two for a symlink):
/// at a cold start every note is read, and each lookup walks the path in the kernel again.
pub fn read_file_with_metadata(
    path: &Path,
    kind: &FileKind,
) -> Result<(Vec<u8>, std::fs::Metadata), Unreadable> {
    let io = |err: std::io::Error| Unreadable {
        not_found: err.kind() == std::io::ErrorKind::NotFound,
        message: format!("cannot read: {err}"),
    };
    let refuse = |message: String| Unreadable {
        message,
        not_found: false,
    };
    let mut meta = std::fs::symlink_metadata(path).map_err(io)?;
    if meta.file_type().is_symlink() {
        meta = std::fs::metadata(path).map_err(io)?;
        if meta.is_file() {
            let target = std::fs::canonicalize(path).map_err(io)?;
            if !(kind.leads_to_kind)(&target) {
                return Err(refuse(format!(
                    "a symlink to {}, which is not {}",
                    target.display(),
                    kind.target
                )));
            }
        }
    }
    if !meta.is_file() {
        return Err(refuse(format!(
            "{}, not a regular file: not read",
            file_type_name(&meta.file_type())
        )));
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
    (&file)
        .take(kind.limit + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > kind.limit {
        return Err(refuse(format!(
            "more than the {} byte limit for {}",
            kind.limit, kind.noun
        )));
    }
    Ok((bytes, opened))
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

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::symlink;
    use std::path::Path;

    use super::super::test_support::{Scratch, finishes};
    use super::*;

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
}
