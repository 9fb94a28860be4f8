//! Refactor tests: each applies the proposed change to the fixture's files and snapshots the
//! files that changed, then checks that every link that reached a file before still reaches the
//! same file (at its new path) and that nothing outside link targets changed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use expect_test::{Expect, expect};

use super::*;
use crate::features::fixture::{Fixture, ROOT};
use crate::index::Note;

/// The file renames of a change, old path to new.
fn renames(change: &WorkspaceChange) -> HashMap<&Path, &Path> {
    change
        .ops
        .iter()
        .filter_map(|op| match op {
            FileOp::Rename { from, to } => Some((from.as_path(), to.as_path())),
            FileOp::Create { .. } => None,
        })
        .collect()
}

/// The vault's files after `change`: (root-relative path, text), sorted by path.
pub(crate) fn apply(vault: &Vault, change: &WorkspaceChange) -> Vec<(String, String)> {
    let renamed = renames(change);
    let mut out = Vec::new();
    for (id, file) in vault.files() {
        let mut text = file.note().map_or(String::new(), |n| n.text().into_owned());
        if let Some(edits) = change.edits.get(&id) {
            for edit in edits.iter().rev() {
                text.replace_range(edit.span.range(), &edit.text);
            }
        }
        let path = renamed.get(&*file.path).copied().unwrap_or(&file.path);
        let rel = path
            .strip_prefix(ROOT)
            .expect("in the vault")
            .to_string_lossy()
            .into_owned();
        out.push((rel, text));
    }
    for op in &change.ops {
        if let FileOp::Create { path, text } = op {
            let rel = path.strip_prefix(ROOT).expect("in the vault");
            out.push((rel.to_string_lossy().into_owned(), text.clone()));
        }
    }
    out.sort();
    out
}

/// Build a vault from applied files.
pub(crate) fn vault_of(files: &[(String, String)]) -> Vault {
    let mut vault = Vault::new(vec![PathBuf::from(ROOT)]);
    let paths: Vec<PathBuf> = files
        .iter()
        .map(|(rel, _)| Path::new(ROOT).join(rel))
        .collect();
    vault.dialect =
        crate::index::Dialect::of_files(vault.roots(), paths.iter().map(PathBuf::as_path));
    for (rel, text) in files {
        let path = Path::new(ROOT).join(rel);
        if crate::index::is_note_path(&path) {
            vault.upsert_note(&path, Note::parse(text.as_str()));
        } else {
            vault.upsert_attachment(&path);
        }
    }
    vault
}

/// Every link that reached a file before the change reaches the same file (followed through
/// renames) after it, and no link became ambiguous.
pub(crate) fn assert_links_kept(before: &Vault, change: &WorkspaceChange) {
    let renamed = renames(change);
    let after = vault_of(&apply(before, change));
    let moved = |p: &Path| renamed.get(p).copied().unwrap_or(p).to_path_buf();
    for (id, file, note) in before.notes() {
        let after_id = after.id(&moved(&file.path)).expect("note still there");
        let after_note = after.note(after_id).expect("still a note");
        assert_eq!(
            note.syntax.links.len(),
            after_note.syntax.links.len(),
            "{}: link count changed",
            file.rel()
        );
        for (link, after_link) in note.syntax.links.iter().zip(&after_note.syntax.links) {
            let Some(was) = reaches(before.resolve(id, link)) else {
                continue;
            };
            let now = reaches(after.resolve(after_id, after_link)).unwrap_or_else(|| {
                panic!("{}: {:?} no longer resolves", file.rel(), after_link.target)
            });
            assert_eq!(
                after.file(now.file).path.to_path_buf(),
                moved(&before.file(was.file).path),
                "{}: {:?} now reaches another file",
                file.rel(),
                after_link.target
            );
            assert!(
                was.is_ambiguous() || !now.is_ambiguous(),
                "{}: {:?} became ambiguous",
                file.rel(),
                after_link.target
            );
        }
    }
}

fn render(before: &Vault, change: &WorkspaceChange) -> String {
    let mut out = String::new();
    for op in &change.ops {
        if let FileOp::Rename { from, to } = op {
            out.push_str(&format!(
                "rename {} -> {}\n",
                from.strip_prefix(ROOT).unwrap().display(),
                to.strip_prefix(ROOT).unwrap().display()
            ));
        }
    }
    // Only files whose text changed, under their new names.
    let renamed = renames(change);
    let after: HashMap<String, String> = apply(before, change).into_iter().collect();
    let mut changed: Vec<(String, String)> = before
        .files()
        .filter_map(|(_, f)| {
            let path = renamed.get(&*f.path).copied().unwrap_or(&f.path);
            let rel = path.strip_prefix(ROOT).ok()?.to_string_lossy().into_owned();
            let text = after.get(&rel)?;
            let old = f.note().map(|n| n.text()).unwrap_or_default();
            (text.as_str() != old).then(|| (rel, text.clone()))
        })
        .collect();
    changed.sort();
    for (rel, text) in changed {
        out.push_str(&format!("//- /{rel}\n{text}"));
    }
    out
}

pub(crate) fn check_rename(fixture: &str, new_name: &str, expect: Expect) {
    let f = Fixture::parse(fixture);
    let (file, offset) = f.cursor();
    let actual = match rename(&f.vault, file, offset, new_name) {
        Ok(change) => {
            assert_links_kept(&f.vault, &change);
            render(&f.vault, &change)
        }
        Err(message) => format!("error: {message}"),
    };
    expect.assert_eq(&actual);
}

fn check_move(fixture: &str, moves: &[(&str, &str)], expect: Expect) {
    let f = Fixture::parse(fixture);
    let mut list = Vec::new();
    for (from, to) in moves {
        let from = Path::new(ROOT).join(from);
        let to = Path::new(ROOT).join(to);
        let under: Vec<FileId> = f
            .vault
            .files()
            .filter(|(_, file)| *file.path == *from || file.path.starts_with(&from))
            .map(|(id, _)| id)
            .collect();
        for id in under {
            let path = &f.vault.file(id).path;
            let rest = path.strip_prefix(&from).unwrap();
            let dest = if rest.as_os_str().is_empty() {
                to.clone()
            } else {
                to.join(rest)
            };
            list.push((id, dest));
        }
    }
    let change = move_files(&f.vault, &list, true).expect("a move");
    assert_links_kept(&f.vault, &change);
    expect.assert_eq(&render(&f.vault, &change));
}

#[test]
fn renaming_a_note_from_a_link_rewrites_every_form_and_renames_the_file() {
    check_rename(
        r####"
//- /a.md
[[Old$0 Note]] [[Old Note#Part|shown]] ![[Old Note#^blk]] [[old note.md]]
up:: [[Old Note]]
[md](Old%20Note.md#part) [angle](<Old Note.md>)
//- /sub/b.md
---
up: "[[Old Note]]"
---
[rel](../Old%20Note.md) [[Other]]
//- /Old Note.md
# Part
para ^blk
//- /Other.md
"####,
        "New Name",
        expect![[r#"
            rename Old Note.md -> New Name.md
            //- /a.md
            [[New Name]] [[New Name#Part|shown]] ![[New Name#^blk]] [[New Name.md]]
            up:: [[New Name]]
            [md](New%20Name.md#part) [angle](<New Name.md>)
            //- /sub/b.md
            ---
            up: "[[New Name]]"
            ---
            [rel](../New%20Name.md) [[Other]]
        "#]],
    );
}

#[test]
fn renaming_from_the_title_heading_renames_the_heading_and_links_into_it() {
    check_rename(
        r####"
//- /Draft.md
# Dr$0aft
body
//- /a.md
[[Draft]] [[Draft#Draft]] [x](Draft.md#draft)
"####,
        "Final",
        expect![[r#"
            rename Draft.md -> Final.md
            //- /Final.md
            # Final
            body
            //- /a.md
            [[Final]] [[Final#Final]] [x](Final.md#final)
        "#]],
    );
}

#[test]
fn renaming_keeps_unicode_and_relative_paths_from_other_folders() {
    check_rename(
        r####"
//- /notes/Café.md
x$0
//- /notes/deep/a.md
[[../Café]] [up](../Café.md) [[notes/Café]]
//- /b.md
[[/notes/Café]] [c](notes/Caf%C3%A9.md)
"####,
        "Crème brûlée",
        expect![[r#"
            rename notes/Café.md -> notes/Crème brûlée.md
            //- /b.md
            [[/notes/Crème brûlée]] [c](notes/Cr%C3%A8me%20br%C3%BBl%C3%A9e.md)
            //- /notes/deep/a.md
            [[../Crème brûlée]] [up](../Crème%20brûlée.md) [[notes/Crème brûlée]]
        "#]],
    );
}

#[test]
fn a_rename_that_would_make_a_name_ambiguous_qualifies_the_links() {
    check_rename(
        r####"
//- /a/Plan.md
$0
//- /b/Goal.md
//- /c.md
[[Plan]] [[Goal]]
"####,
        "Goal",
        expect![[r#"
            rename a/Plan.md -> a/Goal.md
            //- /c.md
            [[a/Goal]] [[b/Goal]]
        "#]],
    );
}

#[test]
fn a_rename_onto_an_existing_note_or_with_bad_characters_is_refused() {
    check_rename(
        r####"
//- /Plan.md
$0
//- /goal.md
"####,
        "Goal",
        expect!["error: goal.md already exists: a rename would put two notes at one path"],
    );
    check_rename(
        "//- /Plan.md\n$0\n",
        "a#b",
        expect!["error: `a#b` holds `#`, which a note name cannot hold (links could not name it)"],
    );
    check_rename(
        "//- /a.md\n[[Nowhere$0]]\n",
        "x",
        expect!["error: `Nowhere` names no file in the vault: there is nothing to rename"],
    );
}

#[test]
fn markdown_links_to_a_file_with_hash_in_its_name_are_recomputed() {
    check_rename(
        r####"
//- /C# tips.md
x$0
//- /sub/a.md
[tips](../C%23%20tips.md)
"####,
        "CSharp tips",
        expect![[r#"
            rename C# tips.md -> CSharp tips.md
            //- /sub/a.md
            [tips](../CSharp%20tips.md)
        "#]],
    );
}

#[test]
fn renaming_a_heading_updates_wikilinks_nested_paths_and_slugs() {
    check_rename(
        r####"
//- /Note.md
# Top
## Old Part$0
[[#Old Part]]
//- /a.md
[[Note#Old Part]] [[Note#Top#Old Part|x]] [s](Note.md#old-part) [[Note#Top]]
"####,
        "New Part",
        expect![[r##"
            //- /Note.md
            # Top
            ## New Part
            [[#New Part]]
            //- /a.md
            [[Note#New Part]] [[Note#Top#New Part|x]] [s](Note.md#new-part) [[Note#Top]]
        "##]],
    );
}

#[test]
fn renamed_heading_links_are_written_as_obsidian_writes_them() {
    check_rename(
        r####"
//- /Note.md
## Old$0
//- /a.md
[[Note#Old]] [[Note#old|x]] [s](Note.md#old)
"####,
        "Step: one?",
        expect![[r##"
            //- /Note.md
            ## Step: one?
            //- /a.md
            [[Note#Step one?]] [[Note#Step one?|x]] [s](Note.md#step-one)
        "##]],
    );
}

#[test]
fn renaming_a_tag_renames_nested_tags_and_frontmatter_tags() {
    check_rename(
        r####"
//- /a.md
---
tags: [proj, proj/alpha, project]
---
#proj$0 #proj/alpha/x #project #Proj
//- /b.md
---
tags:
  - proj/beta
---
text
"####,
        "work",
        expect![[r#"
            //- /a.md
            ---
            tags: [work, work/alpha, project]
            ---
            #work #work/alpha/x #project #work
            //- /b.md
            ---
            tags:
              - work/beta
            ---
            text
        "#]],
    );
}

#[test]
fn moving_a_folder_keeps_relative_and_path_links_working() {
    check_move(
        r####"
//- /projects/alpha/Plan.md
[[Notes]] [n](Notes.md) [root](../../Index.md) [[../../Index]]
//- /projects/alpha/Notes.md
//- /Index.md
[[Plan]] [p](projects/alpha/Plan.md) [[projects/alpha/Notes]] [[/projects/alpha/Plan]]
//- /archive/x.md
[x](../projects/alpha/Plan.md)
"####,
        &[("projects/alpha", "archive/old/alpha")],
        expect![[r#"
            rename projects/alpha/Notes.md -> archive/old/alpha/Notes.md
            rename projects/alpha/Plan.md -> archive/old/alpha/Plan.md
            //- /Index.md
            [[Plan]] [p](archive/old/alpha/Plan.md) [[archive/old/alpha/Notes]] [[/archive/old/alpha/Plan]]
            //- /archive/old/alpha/Plan.md
            [[Notes]] [n](Notes.md) [root](../../../Index.md) [[../../../Index]]
            //- /archive/x.md
            [x](old/alpha/Plan.md)
        "#]],
    );
}

#[test]
fn moving_a_note_next_to_a_namesake_keeps_each_link_on_its_note() {
    // `[[Log]]` from /z picks /k/Log, the shorter path; moving the deep Log to the root
    // would make it the shortest and steal the link.
    check_move(
        r####"
//- /deep/folder/Log.md
//- /k/Log.md
//- /z/x.md
[[Log]]
"####,
        &[("deep/folder/Log.md", "Log.md")],
        expect![[r#"
            rename deep/folder/Log.md -> Log.md
            //- /z/x.md
            [[k/Log]]
        "#]],
    );
}

#[test]
fn moving_a_note_into_a_subfolder_changes_only_links_that_need_it() {
    check_move(
        r####"
//- /Solo.md
[[Other]] [o](Other.md)
//- /Other.md
[[Solo]] [s](Solo.md) ![[pic.png]]
//- /pic.png
"####,
        &[("Solo.md", "deep/er/Solo.md")],
        expect![[r#"
            rename Solo.md -> deep/er/Solo.md
            //- /Other.md
            [[Solo]] [s](deep/er/Solo.md) ![[pic.png]]
            //- /deep/er/Solo.md
            [[Other]] [o](../../Other.md)
        "#]],
    );
}

/// A small deterministic generator (xorshift), so that the property test needs no dependency
/// and every failure names the seed that reproduces it.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const FOLDERS: [&str; 6] = ["", "a", "a/b", "c d", "é", "a/b/deep"];
const NAMES: [&str; 8] = [
    "Plan",
    "plan",
    "Log",
    "Note One",
    "Café",
    "Cafe\u{301} 2",
    "C# tips",
    "x.y",
];

/// A random vault: notes in nested folders with duplicate names, linking each other in every
/// form (and to notes that do not exist).
fn random_vault(rng: &mut Rng) -> Vec<(String, String)> {
    let mut paths: Vec<String> = Vec::new();
    for _ in 0..(4 + rng.below(8)) {
        let folder = rng.pick(&FOLDERS);
        let name = rng.pick(&NAMES);
        let rel = if folder.is_empty() {
            format!("{name}.md")
        } else {
            format!("{folder}/{name}.md")
        };
        if !paths.iter().any(|p| keys::fold(p) == keys::fold(&rel)) {
            paths.push(rel);
        }
    }
    let mut files = Vec::new();
    for rel in &paths {
        let folder = keys::folder(rel);
        let mut text = String::from("# Title\nintro ^blk\n");
        for _ in 0..rng.below(10) {
            let other = rng.pick(&paths).clone();
            let path = keys::strip_md(&other).to_string();
            let name = keys::basename(&path).to_string();
            let wiki_ok = !name.contains('#');
            let piece = match rng.below(9) {
                0 | 1 if wiki_ok => format!("[[{name}]]"),
                2 if wiki_ok => format!("[[{path}#Title|shown]]"),
                3 if wiki_ok => format!("![[/{path}]]"),
                4 if wiki_ok => format!("up:: [[{name}.md#^blk]]"),
                5 => format!(
                    "[md]({})",
                    encode_dest(&relative_path(folder, &other), false)
                ),
                6 => format!("[angle](<{}>)", relative_path(folder, &other)),
                7 => "[[Nowhere]] `[[Plan]]`".to_string(),
                _ => "plain words, #tag and (parens)".to_string(),
            };
            text.push_str(&piece);
            text.push(if rng.below(3) == 0 { '\n' } else { ' ' });
        }
        files.push((rel.clone(), text));
    }
    files
}

/// Every edit a rename or move makes is the exact target of a link: nothing else changes.
fn assert_only_link_targets_change(vault: &Vault, change: &WorkspaceChange) {
    for (id, edits) in &change.edits {
        let note = vault.note(*id).expect("edited note");
        for edit in edits {
            assert!(
                note.syntax.links.iter().any(|l| l.target_span == edit.span),
                "{}: edit {:?} of {:?} is not a link target",
                vault.file(*id).rel(),
                edit,
                &note.text()[edit.span.range()]
            );
        }
    }
}

#[test]
fn random_renames_and_moves_keep_every_link_on_its_note() {
    let mut checked = 0;
    for seed in 1..=300u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let files = random_vault(&mut rng);
        let vault = vault_of(&files);
        let ids: Vec<FileId> = vault.notes().map(|(id, _, _)| id).collect();
        let id = *rng.pick(&ids);
        let result = match rng.below(3) {
            0 => {
                let name = *rng.pick(&NAMES);
                rename_note(&vault, id, name)
            }
            1 => {
                let rel = vault.file(id).rel();
                let to = Path::new(ROOT)
                    .join(rng.pick(&FOLDERS))
                    .join(keys::basename(rel));
                move_files(&vault, &[(id, to)], true)
            }
            _ => {
                let folder = *rng.pick(&FOLDERS[1..]);
                let dest = *rng.pick(&["z", "a/b/c", "é/new"]);
                let moves: Vec<(FileId, PathBuf)> = vault
                    .files()
                    .filter_map(|(id, f)| {
                        let rest = f.rel().strip_prefix(&format!("{folder}/"))?;
                        Some((id, Path::new(ROOT).join(dest).join(rest)))
                    })
                    .collect();
                if moves.is_empty() {
                    continue;
                }
                move_files(&vault, &moves, true)
            }
        };
        // A refusal (a name already taken) is a valid answer; anything else must keep links.
        let Ok(change) = result else { continue };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            assert_only_link_targets_change(&vault, &change);
            assert_links_kept(&vault, &change);
        }));
        if let Err(panic) = outcome {
            panic!("seed {seed}: {files:#?}\n{change:#?}\n{panic:?}");
        }
        checked += 1;
    }
    assert!(checked > 200, "only {checked} cases exercised a change");
}
