//! Tests of bulk filing: the vault of notes filed at once, or read as they are filed, is the vault of
//! filing them one by one.

use super::*;
use std::path::Path;

/// Everything the vault's maps hold, in an order that does not depend on hashing.
fn dump(vault: &Vault) -> String {
    let mut out = Vec::new();
    for (id, file) in vault.files() {
        out.push(format!(
            "file {id:?} {} root={} rel={} name={} path={} rev={} text={:?}",
            file.path.display(),
            file.root,
            file.rel(),
            file.name_key(),
            file.path_key,
            file.revision,
            file.note().map(|n| (n.text(), &n.syntax)),
        ));
    }
    let sorted = |m: &rustc_hash::FxHashMap<syntax::Name, super::super::Ids>| {
        let mut v: Vec<_> = m.iter().collect();
        v.sort();
        format!("{v:?}")
    };
    out.push(format!("by_name {}", sorted(&vault.by_name)));
    out.push(format!("by_alias {}", sorted(&vault.by_alias)));
    let mut paths: Vec<_> = (vault.by_path.ids())
        .map(|id| (&vault.file(id).path, id))
        .collect();
    paths.sort();
    out.push(format!("by_path {paths:?}"));
    let folders: Vec<FileId> = vault.files_under("").collect();
    out.push(format!("folders {folders:?}"));
    let mut links: Vec<_> = vault
        .links_by_key
        .iter()
        // The sources are kept sorted by note: their Debug form is in a fixed order.
        .map(|(k, r)| (k, format!("{r:?}")))
        .collect();
    links.sort();
    out.push(format!("links {links:?}"));
    let mut tags: Vec<_> = vault
        .tags
        .iter()
        .map(|(k, t)| {
            let mut n: Vec<_> = t.notes.iter().collect();
            n.sort();
            (k, &t.name, n)
        })
        .collect();
    tags.sort();
    out.push(format!("tags {tags:?}"));
    out.push(format!(
        "sorted {:?}",
        vault.names_from("").collect::<Vec<_>>()
    ));
    out.push(format!(
        "generations {} {} {}",
        vault.generation, vault.names_generation, vault.links_generation
    ));
    let mut properties: Vec<_> = vault
        .properties
        .keys()
        .map(|(k, stats)| {
            let by_count: Vec<_> = stats.by_count().map(|v| (&v.text, v.notes)).collect();
            let by_text: Vec<_> = stats.starting_with("").map(|v| &v.text).collect();
            format!(
                "{k} {} {} {by_count:?} {by_text:?}",
                stats.name, stats.notes
            )
        })
        .collect();
    properties.sort();
    out.push(format!("properties {properties:?}"));
    let mut cited: Vec<_> = vault.sources.citing("key").collect();
    cited.sort();
    out.push(format!(
        "cites {cited:?} literature {:?}",
        vault.sources.literature_candidates("key")
    ));
    out.join("\n")
}

fn notes(root: &Path) -> Vec<(PathBuf, Note)> {
    let texts = [
        (
            "a.md",
            "---\naliases: [Ay, Café]\ntags: [x]\nstatus: done\n---\n[[b]] [[B#H]] #Tag #tag/sub [@key]\n",
        ),
        ("sub/b.md", "## H\n[[a|ay]] [[./c.md]] [[#H]] ^blk\n"),
        (
            "other/B.md",
            "---\nstatus: [open, Done, zz]\n---\n[[Café]] [x](../a.md) #TAG\n",
        ),
        ("other/d.md", "---\nstatus: [open, zz]\nid: 7\n---\n"),
        ("sub/c.md", "up:: [[a]]\n![[img.png]]\n"),
        // Outside the root: not filed.
        ("../elsewhere.md", "[[a]]\n"),
        // The same path twice (nested roots): the second replaces the first.
        ("a.md", "# A again\n[[c]]\n"),
        ("@key Literature.md", "[[a]]\n"),
    ];
    texts
        .iter()
        .map(|(rel, text)| (root.join(rel), Note::parse(*text)))
        .collect()
}

#[test]
fn filing_notes_at_once_builds_the_vault_filing_them_one_by_one_builds() {
    for dialect in [Dialect::Obsidian, Dialect::Dendron] {
        let root = PathBuf::from("/vault/root");
        let mut one_by_one = Vault::new(vec![root.clone()]);
        one_by_one.dialect = dialect;
        one_by_one.upsert_attachment(&root.join("img.png"));
        for (path, note) in notes(&root) {
            one_by_one.upsert_note(&path, note);
        }
        let mut at_once = Vault::new(vec![root.clone()]);
        at_once.dialect = dialect;
        at_once.upsert_attachment(&root.join("img.png"));
        at_once.insert_notes(
            notes(&root)
                .into_iter()
                .map(|(path, note)| (path, Box::new(note)))
                .collect(),
        );
        assert_eq!(dump(&at_once), dump(&one_by_one));
        assert_eq!(at_once.note_count(), 6);
    }
}

/// A sketch's filing (`insert_names`) files what resolving and completing names reads as
/// filing one by one does: every map but properties, citations and folders, which it leaves
/// out.
#[test]
fn filing_names_alone_builds_the_name_maps_of_filing_one_by_one() {
    let root = PathBuf::from("/vault/root");
    let mut one_by_one = Vault::new(vec![root.clone()]);
    one_by_one.upsert_attachment(&root.join("img.png"));
    for (path, note) in notes(&root) {
        one_by_one.upsert_note(&path, note);
    }
    let mut names = Vault::new(vec![root.clone()]);
    names.upsert_attachment(&root.join("img.png"));
    names.insert_names(
        notes(&root),
        // Notes plainly below the one root placed by the caller, as a sketch places them; the
        // one outside it left to the vault, which refuses it.
        &|(path, note)| {
            let rel = path.strip_prefix(&root).ok()?.to_str()?.to_string();
            let plain = !rel.split('/').any(|part| part == "..");
            Some((path, Box::new(note), plain.then_some((0, rel))))
        },
        &[],
    );
    let of_names = |vault: &Vault| -> String {
        dump(vault)
            .lines()
            .filter(|l| {
                !["properties", "cites", "folders"]
                    .iter()
                    .any(|p| l.starts_with(p))
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(of_names(&names), of_names(&one_by_one));
    assert_eq!(names.note_count(), 6);
    assert!(names.properties.key("status").is_none());
}

/// Notes filed in more than one chunk (each prepared while the one before is filed), some
/// paths again in a later chunk: the vault of filing them one by one.
#[test]
fn notes_filed_across_chunks_with_paths_again_build_the_vault_of_one_by_one() {
    let root = PathBuf::from("/vault/root");
    let notes = || {
        (0..CHUNK + CHUNK / 2).map(|k| {
            // Past the first chunk, every third note files a path of the first chunk again.
            let n = if k > CHUNK && k % 3 == 0 {
                k - CHUNK
            } else {
                k
            };
            let text = format!(
                "---\naliases: [Alias {n}, al {k}]\ntags: [t{}]\n---\n[[n{}]] [[Alias {}]]\n",
                k % 7,
                (k + 1) % 50,
                k % 13
            );
            (root.join(format!("f{}/n{n}.md", n % 5)), Note::parse(text))
        })
    };
    let mut one_by_one = Vault::new(vec![root.clone()]);
    for (path, note) in notes() {
        one_by_one.upsert_note(&path, note);
    }
    let mut at_once = Vault::new(vec![root.clone()]);
    at_once.insert_notes(notes().map(|(path, note)| (path, Box::new(note))).collect());
    assert_eq!(dump(&at_once), dump(&one_by_one));
    let paths: std::collections::HashSet<PathBuf> = notes().map(|(path, _)| path).collect();
    assert!(paths.len() > CHUNK && paths.len() < CHUNK + CHUNK / 2);
    assert_eq!(at_once.note_count(), paths.len());
    assert_eq!(at_once.names_generation(), one_by_one.names_generation());
}

/// Notes read as they are filed: some unreadable (`None`) — at a chunk's start and end, a
/// run across a chunk boundary, one whose path is filed again later — some outside the
/// root, paths again in a later chunk: the vault of reading them first and filing the
/// notes read, in both dialects, each path read once per occurrence.
#[test]
fn notes_read_as_they_are_filed_build_the_vault_of_reading_them_first() {
    let root = PathBuf::from("/vault/root");
    let total = 2 * CHUNK + CHUNK / 2;
    let path_of = |k: usize| -> PathBuf {
        let n = if k > CHUNK && k % 3 == 0 {
            k - CHUNK
        } else {
            k
        };
        match k % 97 {
            5 => PathBuf::from(format!("/vault/elsewhere/n{n}.md")),
            _ => root.join(format!("f{}/n{n}.md", n % 5)),
        }
    };
    let unreadable = |k: usize| {
        k == 0
            || k == CHUNK - 1
            || k == CHUNK
            || (2 * CHUNK - 3..2 * CHUNK + 3).contains(&k)
            || k == total - 1
            || k % 11 == 0
    };
    let note_of = |k: usize| {
        let text = format!(
            "---\naliases: [Alias {k}]\ntags: [t{}]\nstatus: s{}\n---\n[[n{}]] [@key{}]\n",
            k % 7,
            k % 4,
            (k + 1) % 50,
            k % 9
        );
        Box::new(Note::parse(text))
    };
    let paths: Vec<(usize, PathBuf)> = (0..total).map(|k| (k, path_of(k))).collect();
    for dialect in [Dialect::Obsidian, Dialect::Dendron] {
        let mut first = Vault::new(vec![root.clone()]);
        first.dialect = dialect;
        first.insert_notes(
            paths
                .iter()
                .filter(|(k, _)| !unreadable(*k))
                .map(|(k, path)| (path.clone(), note_of(*k)))
                .collect(),
        );
        let mut filed = Vault::new(vec![root.clone()]);
        filed.dialect = dialect;
        // Each path with its position: the closure sees only the path, so the k is
        // recovered by a lookup that counts each occurrence.
        let calls = std::sync::Mutex::new(Vec::new());
        let by_path: std::collections::HashMap<PathBuf, Vec<usize>> =
            paths.iter().fold(Default::default(), |mut m, (k, p)| {
                m.entry(p.clone()).or_insert_with(Vec::new).push(*k);
                m
            });
        let seen = std::sync::Mutex::new(std::collections::HashMap::<PathBuf, usize>::new());
        let failed = filed.read_notes(paths.iter().map(|(_, p)| p.clone()).collect(), &|path| {
            let mut seen = seen.lock().unwrap();
            let i = seen.entry(path.to_path_buf()).or_default();
            let k = by_path[path][*i];
            *i += 1;
            drop(seen);
            calls.lock().unwrap().push(k);
            if unreadable(k) {
                Err(k)
            } else {
                Ok(note_of(k))
            }
        });
        let mut calls = calls.into_inner().unwrap();
        calls.sort();
        assert_eq!(calls, (0..total).collect::<Vec<_>>());
        assert_eq!(dump(&filed), dump(&first));
        assert_eq!(filed.counts_generation(), first.counts_generation());
        let expected: Vec<usize> = (0..total).filter(|&k| unreadable(k)).collect();
        assert_eq!(failed, expected, "failures in the order of the paths");
    }
}

#[test]
fn locating_a_path_by_its_bytes_gives_what_comparing_components_gives() {
    let root_sets: [&[&str]; 6] = [
        &["/v"],
        &["/v/"],
        &["/"],
        &["/v", "/v/sub"],
        &["/v/sub", "/v", "/v"],
        &["/v/./x", "/v"],
    ];
    let paths = [
        "/v/a.md",
        "/v/sub/a.md",
        "/v//a.md",
        "/v/./a.md",
        "/v/../a.md",
        "/v/sub/../a.md",
        "/vault/a.md",
        "/v",
        "/v/",
        "/v/x/a.md",
        "/v/a\\b.md",
        "/v/Cafe\u{301}.md",
        "/a.md",
        "v/a.md",
    ];
    for roots in root_sets {
        let roots: Vec<PathBuf> = roots.iter().map(PathBuf::from).collect();
        for path in paths {
            let path = Path::new(path);
            if let Some(plainly) = locate_plainly(&roots, path) {
                assert_eq!(
                    Some(plainly),
                    locate_by_components(&roots, path),
                    "{path:?} in {roots:?}"
                );
            }
        }
    }
    // The plain cases do take the byte path.
    let roots = [PathBuf::from("/v"), PathBuf::from("/v/sub")];
    assert_eq!(
        locate_plainly(&roots, Path::new("/v/sub/a b.md")),
        Some((1, "a b.md"))
    );
    assert_eq!(
        locate_plainly(&roots, Path::new("/v/x/a.md")),
        Some((0, "x/a.md"))
    );
    assert_eq!(locate_plainly(&roots, Path::new("/v//a.md")), None);
}

#[test]
fn a_path_is_located_in_its_longest_root_with_its_separators_and_form_normalized() {
    let roots = [PathBuf::from("/v"), PathBuf::from("/v/sub")];
    let cases = [
        ("/v/sub/a.md", Some((1, "a.md"))),
        ("/v/a\\b.md", Some((0, "a/b.md"))),
        ("/v/Cafe\u{301}.md", Some((0, "Caf\u{e9}.md"))),
        ("/v/../a.md", None),
        ("/vault/a.md", None),
        ("/v", None),
    ];
    for (path, expected) in cases {
        let expected = expected.map(|(root, rel): (usize, &str)| (root, rel.to_string()));
        assert_eq!(locate_in(&roots, Path::new(path)), expected, "{path}");
    }
}

/// The name keys in order are built when first read, then follow the notes filed and removed.
#[test]
fn names_in_order_follow_notes_filed_and_removed_after_they_are_first_read() {
    let root = PathBuf::from("/vault/root");
    let mut vault = Vault::new(vec![root.clone()]);
    let boxed = notes(&root).into_iter().map(|(p, n)| (p, Box::new(n)));
    vault.insert_notes(boxed.collect());
    let all = |vault: &Vault| -> Vec<String> { vault.names_from("").map(String::from).collect() };
    assert_eq!(all(&vault), ["@key literature", "a", "b", "c", "d"]);
    vault.upsert_note(&root.join("zz/New.md"), Note::parse(""));
    vault.remove(&root.join("other/d.md"));
    assert_eq!(all(&vault), ["@key literature", "a", "b", "c", "new"]);
    assert_eq!(vault.names_from("n").collect::<Vec<_>>(), ["new"]);
}

/// A filing of names seeds each name's popularity beside the filing when no note brings links,
/// and after it when one does: the same counts either way, the links' own sources kept.
#[test]
fn a_names_filing_seeds_the_popularity_of_names_whether_or_not_a_note_brings_links() {
    let root = PathBuf::from("/vault/root");
    let file = |text: &'static str| {
        let mut vault = Vault::new(vec![root.clone()]);
        vault.insert_names(
            vec![root.join("a.md"), root.join("b.md")],
            &|path| Some((path, Box::new(Note::parse(text)), None)),
            &[("a", 3), ("b", 5)],
        );
        let sources = |key| {
            vault
                .links_by_key
                .get(key)
                .map(|refs| refs.sources().count())
        };
        (
            vault.key_ref_count("a"),
            vault.key_ref_count("b"),
            sources("b"),
        )
    };
    assert_eq!(file(""), (3, 5, Some(0)));
    assert_eq!(file("[[b]]\n"), (3, 5, Some(2)));
}

/// A note kept as its file's text names the file by the very path the vault files it under:
/// one allocation for both, whether filed at once, one by one, or replacing a note there.
#[test]
fn a_closed_note_and_its_file_share_one_path() {
    let root = PathBuf::from("/vault/root");
    let read = |rel: &str, text: &str| {
        let path = root.join(rel);
        let note = Note::read_file(&path, text.to_string());
        (path, Box::new(note))
    };
    let mut vault = Vault::new(vec![root.clone()]);
    vault.insert_notes(vec![read("a.md", "[[b]]"), read("sub/b.md", "# b")]);
    let (path, note) = read("c.md", "[[a]]");
    vault.upsert_note(&path, *note);
    let (path, note) = read("a.md", "[[c]]");
    vault.upsert_note(&path, *note);
    let shared: Vec<_> = (vault.notes())
        .map(|(_, file, note)| {
            let kept = note.text.file_path().expect("kept as the file's");
            (
                file.rel().to_string(),
                std::sync::Arc::ptr_eq(kept, &file.path),
            )
        })
        .collect();
    assert_eq!(
        shared,
        [
            ("a.md".into(), true),
            ("sub/b.md".into(), true),
            ("c.md".into(), true)
        ]
    );

    // Filed under a path that compares equal to the note's but is spelled otherwise (`//`):
    // the file keeps the path it was filed under, whose bytes its relative path is read from.
    let filed = PathBuf::from("/vault/root//sub/d.md");
    let note = Note::read_file(&root.join("sub/d.md"), "# d".to_string());
    vault.upsert_note(&filed, note);
    let id = vault.id(&filed).expect("filed");
    let file = vault.file(id);
    assert_eq!((file.rel(), &*file.path), ("sub/d.md", filed.as_path()));
    let kept = vault
        .note(id)
        .and_then(|n| n.text.file_path())
        .expect("kept");
    assert!(!std::sync::Arc::ptr_eq(kept, &file.path));
}
