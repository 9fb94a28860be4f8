//! Link resolution, as DESIGN.md's steps 1–7: name and path-suffix lookup through the name
//! index, `./` `../` `/` paths, attachments, the ambiguity order, the alias fallback, then the
//! heading path or block id inside the target. Every lookup is a map access, never a scan.

use super::keys::{self, fold};
use super::layout::{Layout, Place};
use super::{Dialect, FileId, Vault};
use crate::syntax::{Fragment, Link, LinkKind, Name, NoteSyntax};

/// Where a link lands inside its target note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// The note (or attachment) as a whole.
    File,
    /// Index into the target's headings.
    Heading(usize),
    /// Index into the target's block ids.
    Block(usize),
}

/// A link that names an existing file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    pub file: FileId,
    pub anchor: Anchor,
    /// Set when no file matched and a note's alias did (step 5): the alias matched.
    pub via_alias: Option<String>,
    /// Every candidate, the chosen one first, when more than one file matched (step 4).
    pub candidates: Vec<FileId>,
}

impl Resolved {
    pub fn is_ambiguous(&self) -> bool {
        self.candidates.len() > 1
    }
}

/// What a link that names no file seems to want, which decides how it is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Missing {
    /// A note: no extension, or one that is no known attachment type (`[[dendron.faq]]`).
    Note,
    /// A file of a known attachment type (`![[lost.png]]`, `[[paper.pdf]]`).
    Attachment,
    /// A markdown link to a bare domain (`[Figma](figma.com)`): a web address written without
    /// `https://`, not a file the vault lacks.
    WebAddress,
}

/// Why a link does not resolve.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Broken {
    /// No note or attachment matches the target.
    File { target: String, missing: Missing },
    /// The note exists but has no such heading (path).
    Heading {
        resolved: Resolved,
        heading: Vec<String>,
    },
    /// The note exists but has no such block id.
    Block { resolved: Resolved, id: String },
}

impl Broken {
    /// The file the link reaches, when only its fragment is missing.
    pub fn reached(&self) -> Option<&Resolved> {
        match self {
            Broken::File { .. } => None,
            Broken::Heading { resolved, .. } | Broken::Block { resolved, .. } => Some(resolved),
        }
    }
}

/// Extensions of the files people link as attachments: what Obsidian opens itself (images,
/// audio, video, PDF, canvases, bases) and the documents, data and archives vaults keep beside
/// notes. A target with any other "extension" is read as a note name with a dot in it.
const ATTACHMENT_EXTENSIONS: &[&str] = &[
    "3gp",
    "7z",
    "aac",
    "avi",
    "avif",
    "base",
    "bib",
    "bmp",
    "canvas",
    "csv",
    "djvu",
    "doc",
    "docx",
    "drawio",
    "epub",
    "excalidraw",
    "flac",
    "gif",
    "gz",
    "heic",
    "htm",
    "html",
    "ico",
    "jpeg",
    "jpg",
    "json",
    "key",
    "m4a",
    "mkv",
    "mobi",
    "mov",
    "mp3",
    "mp4",
    "numbers",
    "odp",
    "ods",
    "odt",
    "oga",
    "ogg",
    "ogv",
    "opus",
    "pages",
    "pdf",
    "png",
    "ppt",
    "pptx",
    "psd",
    "rar",
    "ris",
    "rtf",
    "svg",
    "tar",
    "tif",
    "tiff",
    "tsv",
    "txt",
    "wav",
    "webm",
    "webp",
    "xls",
    "xlsx",
    "xml",
    "yaml",
    "yml",
    "zip",
];

/// Top-level domains that mark a bare `name.tld` as a web address. Only those that are not
/// also common file extensions (`.md`, `.rs`, `.py`, `.pl`, `.sh` are left out).
const WEB_DOMAINS: &[&str] = &[
    "ai", "app", "at", "au", "be", "biz", "blog", "br", "ca", "ch", "cloud", "cn", "co", "com",
    "de", "dev", "dk", "edu", "es", "eu", "fi", "fm", "fr", "gg", "gov", "ie", "in", "info", "int",
    "io", "it", "jp", "ly", "me", "mil", "net", "nl", "no", "nz", "online", "org", "page", "ru",
    "se", "site", "tech", "to", "tv", "uk", "us", "wiki", "xyz",
];

/// The extension of a target's last segment, lower-cased.
fn extension(target: &str) -> Option<String> {
    let name = keys::basename(target);
    let dot = name.rfind('.').filter(|&d| d > 0)?;
    Some(name[dot + 1..].to_ascii_lowercase())
}

/// Whether `target` names a file of a known attachment type.
fn is_attachment_name(target: &str) -> bool {
    extension(target).is_some_and(|ext| ATTACHMENT_EXTENSIONS.contains(&ext.as_str()))
}

/// Whether a markdown link's destination is plainly a web address without its scheme:
/// `figma.com`, `www.example.org/path`, `github.com/o/r` — a host of dot-separated labels ending
/// in a well-known top-level domain, then optionally a path.
fn is_web_address(target: &str) -> bool {
    let host = target.split(['/', '?', '#']).next().unwrap_or("");
    let labels: Vec<&str> = host.split('.').collect();
    let plain = labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    plain
        && (labels[0].eq_ignore_ascii_case("www")
            || WEB_DOMAINS.contains(&labels[labels.len() - 1].to_ascii_lowercase().as_str()))
}

impl Vault {
    /// Resolve `link`, written in note `source`, with the files where they are.
    pub fn resolve(&self, source: FileId, link: &Link) -> Result<Resolved, Broken> {
        self.layout().resolve(source, link)
    }

    /// The shortest wikilink target that resolves to `id` from `source` without ambiguity.
    pub fn shortest_target(&self, source: FileId, id: FileId) -> String {
        self.layout().shortest_target(source, id)
    }
}

/// Resolution reads where files are through the layout (see `layout.rs`), and what they hold
/// from the vault.
impl Layout<'_> {
    /// Resolve `link`, written in note `source`, with the files where this layout puts them.
    pub fn resolve(&self, source: FileId, link: &Link) -> Result<Resolved, Broken> {
        let src = self.place(source);
        let resolved = if link.is_same_note() {
            Resolved {
                file: source,
                anchor: Anchor::File,
                via_alias: None,
                candidates: Vec::new(),
            }
        } else {
            let found = match link.kind {
                LinkKind::Wiki => self.resolve_wiki_target(&src, &link.target),
                LinkKind::Markdown => self.resolve_markdown_target(&src, &link.target),
            };
            match found {
                Some(found) => found,
                None => {
                    let target = keys::normalize_target(&link.target);
                    let missing = if link.kind == LinkKind::Markdown && is_web_address(&target) {
                        Missing::WebAddress
                    } else if is_attachment_name(&target) {
                        Missing::Attachment
                    } else {
                        Missing::Note
                    };
                    return Err(Broken::File {
                        target: link.target.to_string(),
                        missing,
                    });
                }
            }
        };
        let Some(note) = self.vault().note(resolved.file) else {
            // `![[doc.pdf#page=3]]`: the fragment is for the viewer, not a heading.
            return Ok(resolved);
        };
        match link.fragment() {
            None => Ok(resolved),
            Some(Fragment::Heading(path)) => {
                // Dendron anchors its wikilinks by slug, as GitHub does markdown links.
                let slug =
                    link.kind == LinkKind::Markdown || self.vault().dialect == Dialect::Dendron;
                match find_heading(&note.syntax, path, slug) {
                    Some(i) => Ok(Resolved {
                        anchor: Anchor::Heading(i),
                        ..resolved
                    }),
                    None => Err(Broken::Heading {
                        resolved,
                        heading: path.iter().map(|h| h.to_string()).collect(),
                    }),
                }
            }
            Some(Fragment::Block(id)) => match note
                .syntax
                .blocks()
                .iter()
                .position(|b| b.id.eq_ignore_ascii_case(id))
            {
                Some(i) => Ok(Resolved {
                    anchor: Anchor::Block(i),
                    ..resolved
                }),
                None => Err(Broken::Block {
                    resolved,
                    id: id.to_string(),
                }),
            },
        }
    }

    /// Steps 1–5 for a wikilink target.
    fn resolve_wiki_target(&self, src: &Place, target: &str) -> Option<Resolved> {
        let t = keys::normalize_target(target);
        if t.is_empty() {
            return None;
        }
        let name_key = fold(keys::basename(&t));
        let in_root = |id: &FileId| self.place(*id).root == src.root;
        if self.vault().dialect == Dialect::Dendron && t.contains('*') {
            return self.resolve_wildcard(src, &name_key);
        }
        let candidates: Vec<FileId> = if t.starts_with("./") || t.starts_with("../") {
            let path = keys::join(src.folder(), &t)?;
            let path_key = fold(&path);
            self.by_name(&name_key)
                .iter()
                .filter(|id| in_root(id) && self.place(**id).path_key == path_key)
                .copied()
                .collect()
        } else if let Some(anchored) = t.strip_prefix('/') {
            let path_key = fold(anchored);
            self.by_name(&name_key)
                .iter()
                .filter(|id| in_root(id) && self.place(**id).path_key == path_key)
                .copied()
                .collect()
        } else if t.contains('/') {
            let suffix = fold(&t);
            self.by_name(&name_key)
                .iter()
                .filter(|id| {
                    let pk = self.place(**id).path_key;
                    in_root(id)
                        && (pk == suffix
                            || (pk.ends_with(&suffix)
                                && pk[..pk.len() - suffix.len()].ends_with('/')))
                })
                .copied()
                .collect()
        } else {
            self.by_name(&name_key)
                .iter()
                .filter(|id| in_root(id))
                .copied()
                .collect()
        };
        if !candidates.is_empty() {
            return Some(self.choose(src, &t, candidates, None));
        }
        if self.vault().alias_fallback && !t.contains('/') {
            let aliased: Vec<FileId> = self
                .vault()
                .by_alias(&name_key)
                .iter()
                .filter(|id| in_root(id))
                .copied()
                .collect();
            if !aliased.is_empty() {
                return Some(self.choose(src, &t, aliased, Some(t.clone())));
            }
        }
        None
    }

    /// A Dendron wildcard (`a.b.*`, `*` standing for any run of characters, dots included):
    /// it lands on the first matching note in name order, and is not ambiguous, as it names
    /// all of them. The names are read from the range of the pattern's literal prefix.
    fn resolve_wildcard(&self, src: &Place, pattern: &str) -> Option<Resolved> {
        let prefix = &pattern[..pattern.find('*').unwrap_or(pattern.len())];
        let file = self
            .names_from(prefix)
            .filter(|name| glob_matches(pattern, name))
            .flat_map(|name| self.by_name(name).into_owned())
            .find(|id| {
                let place = self.place(*id);
                place.root == src.root && place.is_note()
            })?;
        Some(Resolved {
            file,
            anchor: Anchor::File,
            via_alias: None,
            candidates: Vec::new(),
        })
    }

    /// Markdown links name a path relative to the note (or the root, with a leading `/`);
    /// where that file does not exist, they fall back to wikilink resolution of the path, as
    /// Obsidian does for links it wrote with "shortest path when possible".
    fn resolve_markdown_target(&self, src: &Place, target: &str) -> Option<Resolved> {
        let t = keys::nfc(target.trim()).replace('\\', "/");
        let joined = match t.strip_prefix('/') {
            Some(anchored) => keys::join("", anchored),
            None => keys::join(src.folder(), &t),
        };
        // Climbing out of the vault names nothing in it; the fallback must not rescue that.
        let path = joined?;
        let path = keys::strip_md(&path);
        let path_key = fold(path);
        let name_key = fold(keys::basename(path));
        let exact: Vec<FileId> = self
            .by_name(&name_key)
            .iter()
            .filter(|id| {
                let f = self.place(**id);
                f.root == src.root && f.path_key == path_key
            })
            .copied()
            .collect();
        if !exact.is_empty() {
            return Some(self.choose(src, path, exact, None));
        }
        if t.starts_with("./") || t.starts_with("../") || t.starts_with('/') {
            return None;
        }
        self.resolve_wiki_target(src, &t)
    }

    /// Step 4: order several candidates as Obsidian's `getFirstLinkpathDest` does, and keep
    /// them all so that the link can be flagged as ambiguous. Obsidian's order (its
    /// `MetadataCache._getLinkpathDest`): the file whose whole vault path is the link's path,
    /// compared without case; then the candidates in the linking note's folder or below it,
    /// shortest path first; then the others, shortest path first. Case never counts. Path
    /// lengths are counted in UTF-16 units, as JavaScript counts them. Obsidian breaks the
    /// remaining ties by the order it happened to load files in; here the path does, so
    /// that every run agrees.
    fn choose(
        &self,
        src: &Place,
        written: &str,
        mut candidates: Vec<FileId>,
        via_alias: Option<String>,
    ) -> Resolved {
        if candidates.len() > 1 {
            let whole_path = fold(written.trim_start_matches('/'));
            let folder = fold(src.folder());
            candidates.sort_by_cached_key(|id| {
                let f = self.place(*id);
                let at_path = via_alias.is_none() && f.path_key == whole_path;
                let near = folder.is_empty()
                    || f.path_key
                        .strip_prefix(folder.as_str())
                        .is_some_and(|rest| rest.starts_with('/'));
                (
                    !at_path,
                    !near,
                    f.rel.encode_utf16().count(),
                    f.rel.to_string(),
                )
            });
        }
        let file = candidates[0];
        Resolved {
            file,
            anchor: Anchor::File,
            via_alias,
            candidates: if candidates.len() > 1 {
                candidates
            } else {
                Vec::new()
            },
        }
    }

    /// The shortest wikilink target that resolves to `id` from `source` without ambiguity: the
    /// bare name when it is unique, else the shortest unique path suffix, else the full path.
    pub fn shortest_target(&self, source: FileId, id: FileId) -> String {
        let file = self.place(id);
        let same_name: Vec<FileId> = self
            .by_name(file.name_key)
            .iter()
            .filter(|o| self.place(**o).root == file.root)
            .copied()
            .collect();
        if same_name.len() <= 1 {
            return file.display_name().to_string();
        }
        let path = file.link_path();
        let segments: Vec<&str> = path.split('/').collect();
        for take in 2..=segments.len() {
            let suffix = segments[segments.len() - take..].join("/");
            let suffix_key = fold(&suffix);
            let clashes = same_name.iter().any(|o| {
                *o != id && {
                    let pk = self.place(*o).path_key;
                    pk == suffix_key
                        || (pk.ends_with(&suffix_key)
                            && pk[..pk.len() - suffix_key.len()].ends_with('/'))
                }
            });
            if !clashes {
                // A full path equal to another note's suffix still needs anchoring.
                return suffix;
            }
        }
        let _ = source;
        format!("/{path}")
    }
}

/// Find the heading named by `path` (`#H1#H2`: H2 nested somewhere under H1). Each part is
/// compared by [`keys::heading_key`], Obsidian's rule; with `slug` (markdown links) a part may
/// also be the heading's GitHub slug.
pub fn find_heading(syntax: &NoteSyntax, path: &[Name], slug: bool) -> Option<usize> {
    let headings = syntax.headings();
    let mut range = 0..headings.len();
    let mut found = None;
    for wanted in path {
        let key = keys::heading_key(wanted);
        let folded = fold(wanted);
        let i = range.clone().find(|&i| {
            let text = &headings[i].text;
            (!key.is_empty() && keys::heading_key(text) == key)
                || (slug && keys::github_slug(text) == folded)
        })?;
        let level = headings[i].level;
        let end = (i + 1..headings.len())
            .find(|&j| headings[j].level <= level)
            .unwrap_or(headings.len());
        range = i + 1..end;
        found = Some(i);
    }
    found
}

/// Whether `name` matches `pattern`, where `*` stands for any run of characters.
fn glob_matches(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}
