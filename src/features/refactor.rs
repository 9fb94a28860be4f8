//! Refactors that rewrite links across the vault: renaming a note, moving files and folders,
//! renaming a heading or a tag. Each returns a [`WorkspaceChange`] — text edits plus file
//! operations — for the user to apply; nothing here touches the disk.
//!
//! Moves are computed by resolving every affected link again in a layout of the vault where the
//! moved files sit at their new paths (`index::Layout`), which reads the index and leaves it
//! alone — so a rename needs only the read lock. A link is rewritten only when its current text
//! would no longer reach the same note (or would become ambiguous), so edits are minimal and the
//! rules are the resolver's own, not a copy of them.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

mod link_text;

pub(crate) use link_text::{encode_dest, relative_path, styled_target};
use link_text::{encodes_unicode, is_exact_path, reaches, rewritten_target};

use crate::index::{Anchor, Broken, Dialect, FileId, Vault, keys};
use crate::syntax::{Fragment, LinkKind, Span, is_tag_char};

/// Replace `span` of a file's text with `text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextEdit {
    pub span: Span,
    pub text: String,
}

/// A file operation, applied after every text edit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileOp {
    Create { path: PathBuf, text: String },
    Rename { from: PathBuf, to: PathBuf },
}

/// Everything a refactor changes: text edits per file (spans of the current text, sorted, never
/// overlapping), then file operations.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkspaceChange {
    pub edits: BTreeMap<FileId, Vec<TextEdit>>,
    pub ops: Vec<FileOp>,
}

impl WorkspaceChange {
    /// Add an edit. Constant time: a rename can push hundreds of thousands of edits into one
    /// file, so a second edit of the same span is dropped by [`WorkspaceChange::finish`], not
    /// looked for here.
    pub(crate) fn push(&mut self, file: FileId, span: Span, text: String) {
        self.edits
            .entry(file)
            .or_default()
            .push(TextEdit { span, text });
    }

    fn merge(&mut self, other: WorkspaceChange) {
        for (file, edits) in other.edits {
            for edit in edits {
                self.push(file, edit.span, edit.text);
            }
        }
        self.ops.extend(other.ops);
    }

    /// Sort each file's edits and keep the first edit pushed for each span. Every change a
    /// feature returns has been through this.
    pub(crate) fn finish(mut self) -> WorkspaceChange {
        for edits in self.edits.values_mut() {
            // Stable: among edits of one span, the first pushed comes first and is kept.
            edits.sort_by_key(|e| e.span);
            edits.dedup_by_key(|e| e.span);
        }
        self
    }

    /// The number of text edits.
    pub fn edit_count(&self) -> usize {
        self.edits.values().map(Vec::len).sum()
    }
}

/// What a rename at some position would rename.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RenameTarget {
    Note(FileId),
    /// A heading of a note; `title` when it is the note's title heading (its text is the note's
    /// name), which renames the note too.
    Heading {
        note: FileId,
        index: usize,
        title: bool,
    },
    /// A tag, by its folded name.
    Tag(String),
}

/// The thing to rename at `offset`, the span the editor highlights, and the current name.
pub fn prepare_rename(
    vault: &Vault,
    file: FileId,
    offset: usize,
) -> Result<(RenameTarget, Span, String), String> {
    let note = vault.note(file).ok_or("not a note")?;
    if let Some(link) = note.syntax.link_at(offset) {
        let resolved = match vault.resolve(file, link) {
            Ok(resolved) => resolved,
            Err(Broken::File { target, .. }) => {
                return Err(format!(
                    "`{target}` names no file in the vault: there is nothing to rename"
                ));
            }
            Err(broken) => broken
                .reached()
                .cloned()
                .expect("fragment errors reach a file"),
        };
        if let (Some(frag), Anchor::Heading(index)) = (link.fragment_span(), &resolved.anchor) {
            if frag.touches(offset) {
                let heading = &vault
                    .note(resolved.file)
                    .expect("heading in a note")
                    .syntax
                    .headings()[*index];
                let target = heading_target(vault, resolved.file, *index);
                return Ok((target, frag, heading.text.to_string()));
            }
        }
        if resolved.via_alias.is_some() {
            return Err(
                "this link names the note by an alias; rename the note from its file or \
                 edit the alias in its frontmatter"
                    .to_string(),
            );
        }
        let target = vault.file(resolved.file);
        if !target.is_note() {
            return Err(
                "only notes can be renamed here; rename attachments in the file explorer"
                    .to_string(),
            );
        }
        let span = if link.target_span.is_empty() {
            link.span
        } else {
            link.target_span
        };
        return Ok((
            RenameTarget::Note(resolved.file),
            span,
            target.display_name().to_string(),
        ));
    }
    if let Some(tag) = note.syntax.tags().iter().find(|t| t.span.touches(offset)) {
        return Ok((
            RenameTarget::Tag(keys::fold(&tag.name)),
            note.syntax.tag_name_span(tag),
            tag.name.to_string(),
        ));
    }
    let headings = note.syntax.headings();
    if let Some(index) = headings.iter().position(|h| h.span.touches(offset)) {
        let heading = &headings[index];
        return Ok((
            heading_target(vault, file, index),
            heading.text_span(),
            heading.text.to_string(),
        ));
    }
    let at = Span::new(offset, offset);
    Ok((
        RenameTarget::Note(file),
        at,
        vault.file(file).display_name().to_string(),
    ))
}

fn heading_target(vault: &Vault, note: FileId, index: usize) -> RenameTarget {
    let title = super::is_title_heading(vault, note, index);
    RenameTarget::Heading { note, index, title }
}

/// Rename what is at `offset` to `new_name`.
pub fn rename(
    vault: &Vault,
    file: FileId,
    offset: usize,
    new_name: &str,
) -> Result<WorkspaceChange, String> {
    let (target, _, _) = prepare_rename(vault, file, offset)?;
    match target {
        RenameTarget::Note(id) => rename_note(vault, id, new_name),
        RenameTarget::Heading {
            note,
            index,
            title: false,
        } => rename_heading(vault, note, index, new_name),
        RenameTarget::Heading {
            note,
            index,
            title: true,
        } => {
            let mut change = rename_heading(vault, note, index, new_name)?;
            change.merge(rename_note(vault, note, new_name)?);
            Ok(change.finish())
        }
        RenameTarget::Tag(tag) => rename_tag(vault, &tag, new_name),
    }
}

/// Characters a note name may not hold: path separators and what Obsidian forbids, plus what
/// would break a wikilink to it.
const BAD_NAME_CHARS: &[char] = &['\\', ':', '*', '?', '"', '<', '>', '|', '#', '^', '[', ']'];

/// The longest file name most file systems take, in bytes.
const MAX_FILE_NAME: usize = 255;

/// Characters that end a line somewhere: a name or heading holding one would be cut in two
/// by the links that name it (a wikilink never spans a line break).
fn breaks_lines(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

/// Why `part` cannot be one folder or file name of a path in the vault (`ext` is the file
/// extension it gets, for the length), if it cannot.
pub(crate) fn unusable_name(part: &str, ext: &str) -> Option<String> {
    let shown = part.escape_debug();
    if part.is_empty() || part == "." || part == ".." || part.starts_with('.') {
        return Some(format!(
            "`{shown}` is not a usable name: empty, `.` or `..` parts and names starting with `.` \
             are not allowed"
        ));
    }
    if let Some(c) = part
        .chars()
        .find(|c| BAD_NAME_CHARS.contains(c) || *c == '/' || breaks_lines(*c))
    {
        return Some(format!(
            "`{shown}` holds `{}`, which a note name cannot hold (links could not name it)",
            c.escape_debug()
        ));
    }
    if part.len() + ext.len() > MAX_FILE_NAME {
        return Some(format!(
            "a name of {} bytes is too long: file names hold at most {MAX_FILE_NAME}",
            part.len() + ext.len()
        ));
    }
    None
}

/// The path of a file an edit creates at `folder/name.md` in workspace folder `root`, when it
/// lies inside that folder: each part of `folder` and `name` a plain name (no `..`, no
/// absolute or drive part, no separator inside `name`). Folder and name may come from the
/// vault's own settings, which whoever wrote the vault controls.
pub(crate) fn new_file_in(
    vault: &Vault,
    root: usize,
    folder: &str,
    name: &str,
) -> Result<PathBuf, String> {
    let base = vault.roots().get(root).ok_or("no such workspace folder")?;
    if folder.starts_with('/') || folder.starts_with('~') {
        return Err(format!("`{folder}` is not a folder inside the vault"));
    }
    let mut path = base.clone();
    for part in folder.split('/').filter(|p| !p.is_empty()) {
        if let Some(why) = unusable_name(part, "") {
            return Err(format!("folder `{folder}`: {why}"));
        }
        path.push(part);
    }
    if let Some(why) = unusable_name(name, ".md") {
        return Err(why);
    }
    path.push(format!("{name}.md"));
    // The same check every read of the vault passes: inside the folder, no `..` step.
    match vault.locate(&path) {
        Some((r, _)) if r == root => Ok(path),
        _ => Err(format!("{} is outside the vault", path.display())),
    }
}

/// Rename note `id` to `new_name` (a name, or a root-relative path to move it as well), with
/// every link to it.
pub fn rename_note(vault: &Vault, id: FileId, new_name: &str) -> Result<WorkspaceChange, String> {
    let new_name = new_name.trim();
    let new_name = keys::strip_md(new_name).trim();
    let file = vault.get(id).ok_or("the note is gone")?;
    if new_name.is_empty() {
        return Err("a note needs a name".to_string());
    }
    let segments: Vec<&str> = new_name.trim_start_matches('/').split('/').collect();
    let last = segments.len() - 1;
    for (i, segment) in segments.iter().enumerate() {
        if let Some(why) = unusable_name(segment, if i == last { ".md" } else { "" }) {
            return Err(why);
        }
    }
    let root = &vault.roots()[file.root];
    let rel = if new_name.contains('/') {
        format!("{}.md", new_name.trim_start_matches('/'))
    } else if file.folder().is_empty() {
        format!("{new_name}.md")
    } else {
        format!("{}/{new_name}.md", file.folder())
    };
    let new_path = root.join(&rel);
    if *new_path == *file.path {
        return Ok(WorkspaceChange::default());
    }
    move_files(vault, &[(id, new_path)], true)
}

/// The edits that keep every link reaching the same file when each `(file, new path)` moves.
/// With `rename_files`, the change also holds the renames (for a rename the server proposes);
/// without, only the link edits (for `willRenameFiles`, where the editor moves the files).
pub fn move_files(
    vault: &Vault,
    moves: &[(FileId, PathBuf)],
    rename_files: bool,
) -> Result<WorkspaceChange, String> {
    let moved: HashSet<FileId> = moves.iter().map(|(id, _)| *id).collect();
    for (id, to) in moves {
        if vault.locate(to).is_none() {
            return Err(format!("{} is outside the vault", to.display()));
        }
        let new_key = {
            let file = vault.file(*id);
            let rel = vault.locate(to).map(|(_, rel)| rel).unwrap_or_default();
            keys::fold(if file.is_note() {
                keys::strip_md(&rel)
            } else {
                &rel
            })
        };
        let clash = vault
            .by_name(&keys::fold(keys::basename(&new_key)))
            .iter()
            .find(|other| {
                !moved.contains(other) && {
                    let f = vault.file(**other);
                    f.path_key == new_key && Some(f.root) == vault.locate(to).map(|(r, _)| r)
                }
            });
        if let Some(other) = clash {
            return Err(format!(
                "{} already exists: a rename would put two notes at one path",
                vault.file(*other).rel()
            ));
        }
    }

    // Every link that can see a moved file: links filed under its names and aliases (old and
    // new), and every link written in a moved note (their relative paths change).
    let mut keys: HashSet<String> = HashSet::new();
    for (id, to) in moves {
        keys.extend(vault.keys_of(*id));
        if let Some((_, rel)) = vault.locate(to) {
            let name = keys::basename(&rel);
            let is_note = vault.file(*id).is_note();
            keys.insert(keys::fold(if is_note {
                keys::strip_md(name)
            } else {
                name
            }));
        }
    }
    let mut sources: Vec<FileId> = keys
        .iter()
        .flat_map(|k| vault.sources_with_key(k))
        .chain(moved.iter().copied().filter(|id| vault.file(*id).is_note()))
        .collect();
    sources.sort();
    sources.dedup();
    let now = vault.layout();
    let mut before: Vec<(FileId, usize, FileId, bool, bool)> = Vec::new();
    for &source in &sources {
        let Some(note) = vault.note(source) else {
            continue;
        };
        for (i, link) in note.syntax.links.iter().enumerate() {
            if link.is_same_note() {
                continue;
            }
            if let Some(reached) = reaches(vault.resolve(source, link)) {
                let exact = is_exact_path(&now, source, link, reached.file);
                before.push((source, i, reached.file, reached.is_ambiguous(), exact));
            }
        }
    }

    let Some(after) = vault.layout().with_moves(moves) else {
        return Err("the files cannot be moved there".to_string());
    };
    let mut change = WorkspaceChange::default();
    for (source, i, target, was_ambiguous, was_exact) in before {
        let link = &vault.note(source).expect("source note").syntax.links[i];
        let reached = reaches(after.resolve(source, link));
        // A markdown link written as a real relative path must stay one, not lean on the
        // by-name fallback that only Obsidian-style tools apply.
        let keeps = reached
            .as_ref()
            .is_some_and(|r| r.file == target && (was_ambiguous || !r.is_ambiguous()))
            && (!was_exact || is_exact_path(&after, source, link, target));
        if keeps {
            continue;
        }
        let text = rewritten_target(&after, source, link, target);
        change.push(source, link.target_span, text);
    }
    if rename_files {
        let mut renames: Vec<(PathBuf, PathBuf)> = moves
            .iter()
            .map(|(id, to)| (vault.file(*id).path.to_path_buf(), to.clone()))
            .collect();
        renames.sort();
        change.ops.extend(
            renames
                .into_iter()
                .map(|(from, to)| FileOp::Rename { from, to }),
        );
    }
    Ok(change.finish())
}

/// Rename heading `index` of `note` to `new_text`, with every link into it.
pub fn rename_heading(
    vault: &Vault,
    note_id: FileId,
    index: usize,
    new_text: &str,
) -> Result<WorkspaceChange, String> {
    let new_text = new_text.trim();
    if new_text.is_empty() {
        return Err("a heading needs text".to_string());
    }
    if let Some(c) = new_text
        .chars()
        .find(|c| matches!(c, '[' | ']' | '#' | '|' | '^') || breaks_lines(*c))
    {
        return Err(format!(
            "`{}` holds `{}`, which links to a heading cannot hold",
            new_text.escape_debug(),
            c.escape_debug()
        ));
    }
    if new_text.len() > MAX_FILE_NAME {
        // Links carry the heading: past a file name's length, some tools cut them.
        return Err(format!(
            "a heading of {} bytes is too long to link to: at most {MAX_FILE_NAME}",
            new_text.len()
        ));
    }
    let note = vault.note(note_id).ok_or("not a note")?;
    let headings = note.syntax.headings();
    let heading = headings.get(index).ok_or("no such heading")?;
    let old_key = keys::heading_key(&heading.text);
    let old_slug = keys::github_slug(&heading.text);
    let mut change = WorkspaceChange::default();
    change.push(note_id, heading.text_span(), new_text.to_string());
    for (source, i) in vault.backlinks(note_id) {
        let link = &vault.note(source).expect("source note").syntax.links[i];
        let Ok(resolved) = vault.resolve(source, link) else {
            continue;
        };
        let (Anchor::Heading(at), Some(frag_span), Some(Fragment::Heading(path))) =
            (&resolved.anchor, link.fragment_span(), link.fragment())
        else {
            continue;
        };
        // Markdown links, and Dendron's wikilinks, may name a heading by its slug.
        let slugs = link.kind == LinkKind::Markdown || vault.dialect == Dialect::Dendron;
        // A nested path `#A#B` lands on B; the renamed heading may be A or B.
        let Some(segment) = path
            .iter()
            .position(|p| keys::heading_key(p) == old_key || (slugs && keys::fold(p) == old_slug))
        else {
            continue;
        };
        if *at != index && segment == path.len() - 1 {
            continue;
        }
        let by_slug = slugs
            && keys::fold(&path[segment]) == old_slug
            && keys::heading_key(&path[segment]) != old_key;
        let text = match link.kind {
            LinkKind::Wiki if by_slug => keys::github_slug(new_text),
            LinkKind::Wiki => {
                let mut parts = path.clone();
                // As Obsidian writes a heading link: `Step: one` is linked as `#Step one`.
                parts[segment] = keys::heading_link_text(new_text).into();
                parts.join("#")
            }
            LinkKind::Markdown => {
                if keys::fold(&path[segment]) == old_slug {
                    keys::github_slug(new_text)
                } else {
                    let raw = &vault.note(source).expect("source note").text()[frag_span.range()];
                    encode_dest(new_text, encodes_unicode(raw))
                }
            }
        };
        change.push(source, frag_span, text);
    }
    Ok(change.finish())
}

/// Rename tag `old` (folded) to `new_name`, nested tags included: `#a` → `#b` makes `#a/x` into
/// `#b/x`. Frontmatter `tags:` values follow.
pub fn rename_tag(vault: &Vault, old: &str, new_name: &str) -> Result<WorkspaceChange, String> {
    let new_name = new_name.trim().trim_start_matches('#');
    if new_name.is_empty()
        || !new_name.chars().all(is_tag_char)
        || new_name.chars().all(|c| c.is_ascii_digit() || c == '/')
        || new_name.split('/').any(str::is_empty)
    {
        return Err(format!(
            "`{new_name}` is not a tag: use letters, digits, `_`, `-` and `/` between parts"
        ));
    }
    let depth = old.split('/').count();
    let mut change = WorkspaceChange::default();
    for (id, i) in vault.tag_uses(old) {
        let note = vault.note(id).expect("tagged note");
        let tag = &note.syntax.tags()[i];
        let rest: Vec<&str> = tag.name.split('/').skip(depth).collect();
        let mut renamed = new_name.to_string();
        for part in rest {
            renamed.push('/');
            renamed.push_str(part);
        }
        change.push(id, note.syntax.tag_name_span(tag), renamed);
    }
    if change.edits.is_empty() {
        return Err(format!("no note uses #{old}"));
    }
    Ok(change.finish())
}

#[cfg(test)]
mod dendron_tests;
#[cfg(test)]
mod frontmatter_tests;
#[cfg(test)]
mod hostile_tests;
#[cfg(test)]
pub(crate) mod tests;
