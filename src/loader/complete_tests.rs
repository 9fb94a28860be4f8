//! A restart's sketch completed in place (`Vault::complete_notes`) against the vault the same
//! full load builds on its own: every table a feature reads holds the same.

use std::path::{Path, PathBuf};

use super::test_support::{Scratch, age};
use super::{Exclude, Stream, load_cached, load_sketch, load_streamed, load_trusting};
use crate::cache::Cache;
use crate::index::{FileId, Vault, prepare_incoming};

/// A note's name: its file's stem.
fn name(path: &Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}

/// What a vault files, by path (ids differ between two vaults of the same files): each file and
/// its text, the files under each of its keys (names, aliases, links filed under the key and
/// their count), its backlinks, the tags, the properties, the literature notes and citations,
/// and the files under the root.
fn summary(vault: &Vault) -> Vec<String> {
    let path = |id: FileId| vault.file(id).rel().to_string();
    let paths = |ids: &mut dyn Iterator<Item = FileId>| {
        let mut out: Vec<String> = ids.map(path).collect();
        out.sort();
        out.join(",")
    };
    let mut out = Vec::new();
    for (id, file) in vault.files() {
        out.push(format!(
            "file {} {:?}",
            file.rel(),
            file.note().map(|n| n.text())
        ));
        for key in vault.keys_of(id) {
            out.push(format!(
                "key {key}: names {} aliases {} linked from {} ({} links)",
                paths(&mut vault.by_name(&key).iter().copied()),
                paths(&mut vault.by_alias(&key).iter().copied()),
                paths(&mut vault.sources_with_key(&key)),
                vault.key_ref_count(&key),
            ));
        }
        let backlinks = vault.backlinks(id);
        // In the order of their sources' ids, which differ: sorted by path.
        let mut backlinks: Vec<String> = (backlinks.iter())
            .map(|&(s, i)| format!("{}#{i}", path(s)))
            .collect();
        backlinks.sort();
        out.push(format!("backlinks of {}: {backlinks:?}", file.rel()));
    }
    for (folded, entry) in vault.tags() {
        let mut notes: Vec<String> = (entry.notes.iter())
            .map(|(&id, n)| format!("{}×{n}", path(id)))
            .collect();
        notes.sort();
        out.push(format!("tag {folded} ({}): {notes:?}", entry.name));
    }
    for (key, stats) in vault.properties.keys() {
        let values: Vec<String> = (stats.most_common(10).iter())
            .map(|v| format!("{}×{}", v.text, v.notes))
            .collect();
        out.push(format!(
            "property {key} ({}, {}): {values:?}",
            stats.name, stats.notes
        ));
    }
    for key in ["smith2020", "jones2021"] {
        out.push(format!(
            "source {key}: literature {} cited by {}",
            paths(&mut vault.sources.literature_candidates(key).iter().copied()),
            paths(&mut vault.sources.citing(key)),
        ));
    }
    out.push(format!(
        "under the root: {}",
        paths(&mut vault.files_under(""))
    ));
    out.sort();
    out
}

/// A sketch, then files changed before the full load: a note and an attachment gone, a note and
/// an attachment new, a note the sketch read renamed by its aliases. Filed into the sketch, the
/// full load makes the vault it makes on its own, but for what the sketch was: the same notes,
/// keys, links, tags, properties, sources and folders.
#[test]
fn a_sketch_completed_in_place_files_what_its_full_load_files_alone() {
    let dir = Scratch::new("complete");
    let root = dir.0.join("v");
    let roots = vec![root.clone()];
    let notes = [
        (
            "a.md",
            "---\naliases: [Alpha]\ntags: [x]\nstatus: done\ncitekey: smith2020\n---\n# A\n\
             [[b]] [[b#Head]] [[b#^blk]] ![[pic.png]] #y [@jones2021] up:: [[c]]\n",
        ),
        ("b.md", "# Head\ntext ^blk\n[[a|alias]] [[Alpha]] #y/z #Y\n"),
        ("c.md", "---\nstatus: open\n---\n[[missing]] [x](a.md)\n"),
        ("sub/d.md", "[[sub/d]] [[a]] [[d]]\n"),
        ("gone.md", "[[a]] #gone\n"),
        ("jones2021.md", "---\nstatus: done\n---\n[@smith2020]\n"),
    ];
    for (rel, text) in notes {
        age(&dir.write(&format!("v/{rel}"), text), 2);
    }
    dir.write("v/pic.png", "png");
    dir.write("v/old.png", "png");
    let cache = Cache::at(dir.0.join("cache").join("index"), roots.clone());
    let (loaded, _) = load_cached(&roots, &Exclude::default(), &|_, _| {}, None);
    let (vault, _) = loaded.into_vault(roots.clone());
    assert_eq!(cache.save(|| &vault, None).expect("saved"), 6);
    // New since the index, read by the sketch, then renamed by its aliases.
    let renamed = dir.write("v/new.md", "---\naliases: [Old]\n---\n[[a]]\n");

    let sketch = load_sketch(&roots, roots.clone(), &Exclude::default(), &cache).unwrap();
    std::fs::remove_file(root.join("gone.md")).unwrap();
    std::fs::remove_file(root.join("old.png")).unwrap();
    dir.write("v/late.md", "[[a]] #late [[Old]] [[Newer]]\n");
    dir.write("v/late.png", "png");
    std::fs::write(&renamed, "---\naliases: [Newer]\n---\n[[b]] #n\n").unwrap();
    let load = || {
        load_trusting(
            &roots,
            &Exclude::default(),
            &|_, _| {},
            Some(&cache),
            &|| {},
        )
        .0
    };

    let (alone, _) = load().into_vault(roots.clone());
    let mut completed = sketch.vault;
    let mut completion = completed.begin_completion();
    let dialect = completed.dialect;
    // What each hand-over held: trusted (from the index) or read, and the notes' names.
    let mut given: Vec<(bool, Vec<String>)> = Vec::new();
    let mut take = |notes: Vec<(PathBuf, Box<crate::index::Note>)>, trusted| {
        let names = notes.iter().map(|(p, _)| name(p)).collect();
        given.push((trusted, names));
        let ready = prepare_incoming(dialect, notes);
        completed.complete_notes(&mut completion, ready, &|_| false);
        true
    };
    let streamed = load_streamed(
        &roots,
        &Exclude::default(),
        &cache,
        dialect,
        &|| {},
        &|_, _| {},
        &mut take,
    );
    let Stream::Done(streamed) = streamed else {
        panic!("streamed");
    };
    for path in &streamed.attachments {
        completed.complete_attachment(&mut completion, path);
    }
    let gone = completed.finish_completion(completion, &|_| false);

    given.iter_mut().for_each(|(_, names)| names.sort());
    let trusted = ["a", "b", "c", "jones2021", "d"].map(String::from);
    let mut trusted = trusted.to_vec();
    trusted.sort();
    assert_eq!(
        given,
        [(true, trusted), (false, vec!["late".into(), "new".into()])],
        "the index's notes on trust, then the new ones read"
    );
    assert_eq!(
        (
            streamed.usage.reused,
            streamed.usage.read,
            streamed.usage.vanished
        ),
        (5, 2, 1)
    );

    assert_eq!(gone, 2, "gone.md and old.png");
    assert_eq!(summary(&completed), summary(&alone));
    let expected_files = [
        "a.md",
        "b.md",
        "c.md",
        "jones2021.md",
        "late.md",
        "late.png",
        "new.md",
        "pic.png",
        "sub/d.md",
    ];
    let mut files: Vec<&str> = completed.files().map(|(_, f)| f.rel()).collect();
    files.sort();
    assert_eq!(files, expected_files);
    let tags: Vec<&String> = {
        let mut tags: Vec<&String> = completed.tags().map(|(t, _)| t).collect();
        tags.sort();
        tags
    };
    assert_eq!(tags, ["late", "n", "x", "y", "y/z"]);
    assert!(completed.by_alias("old").is_empty());
    assert_eq!(completed.by_alias("newer").len(), 1);
}

/// Buffers through a completion: `a.md`, open from the start and edited meanwhile, keeps the
/// buffer's text and is filed as it is at the end; `b.md`, opened and edited after its chunk
/// was filed, has everything filed again from the notes as they are at the end. Either way the
/// links filed are the buffers'. `new.md`, a buffer of a note not on disk, is filed too, and
/// `c.md`, whose buffer was closed after its chunk, is kept.
#[test]
fn buffers_open_or_opened_during_a_completion_are_filed_as_they_are_at_the_end() {
    let dir = Scratch::new("complete-stale");
    let roots = vec![dir.0.join("v")];
    age(&dir.write("v/a.md", "[[b]]\n"), 2);
    age(&dir.write("v/b.md", "[[a]]\n"), 2);
    let c = dir.write("v/c.md", "[[a]]\n");
    age(&c, 2);
    let cache = Cache::at(dir.0.join("cache").join("index"), roots.clone());
    let (loaded, _) = load_cached(&roots, &Exclude::default(), &|_, _| {}, None);
    let (vault, _) = loaded.into_vault(roots.clone());
    assert_eq!(cache.save(|| &vault, None).expect("saved"), 3);
    let (a, b, new) = (
        dir.0.join("v/a.md"),
        dir.0.join("v/b.md"),
        dir.0.join("v/new.md"),
    );
    let parse = |text: &str| crate::index::Note::parse(text);

    for b_opened_late in [false, true] {
        let sketch = load_sketch(&roots, roots.clone(), &Exclude::default(), &cache).unwrap();
        let load = load_trusting(
            &roots,
            &Exclude::default(),
            &|_, _| {},
            Some(&cache),
            &|| {},
        );
        let mut completed = sketch.vault;
        let mut completion = completed.begin_completion();
        let ready = prepare_incoming(completed.dialect, load.0.notes);
        completed.upsert_note(&new, parse("[[a]] [[b]]\n"));
        completed.upsert_note(&c, parse("[[b]] #buf\n"));
        let open_then = |path: &Path| path == a || path == new || path == c;
        completed.complete_notes(&mut completion, ready, &open_then);
        // Edits of the buffers after their notes' chunk was filed.
        completed.upsert_note(&a, parse("[[c]]\n"));
        if b_opened_late {
            completed.upsert_note(&b, parse("[[c]] [[new]]\n"));
        }
        let open = |path: &Path| path == a || path == new || (b_opened_late && path == b);
        completed.finish_completion(completion, &open);

        let linked_from = |key: &str| -> Vec<String> {
            let mut from: Vec<String> = (completed.sources_with_key(key))
                .map(|id| name(&completed.file(id).path))
                .collect();
            from.sort();
            from
        };
        let c = if b_opened_late {
            vec!["a", "b"]
        } else {
            vec!["a"]
        };
        assert_eq!(linked_from("c"), c, "opened late: {b_opened_late}");
        assert_eq!(
            linked_from("b"),
            ["c", "new"],
            "the link a's buffer took out"
        );
        let a_from = if b_opened_late {
            vec!["new"]
        } else {
            vec!["b", "new"]
        };
        assert_eq!(linked_from("a"), a_from);
        assert_eq!(completed.key_ref_count("b"), 2);
        // c's buffer, closed since its chunk, kept as it was (its file is read again when
        // the server applies the close).
        assert_eq!(completed.note_count(), 4);
    }
}

/// A segment of the on-disk index damaged past the first: the first is handed over, then the
/// load says the index cannot be streamed (for the caller to load as without a sketch, which
/// discards the index); a taker that says stop stops it after the first.
#[test]
fn a_damaged_segment_past_the_first_makes_the_streamed_load_unusable() {
    let dir = Scratch::new("stream-damaged");
    let roots = vec![dir.0.join("v")];
    for i in 0..1100 {
        let path = dir.write(&format!("v/n{i:04}.md"), &format!("# Mark{i:04}\n"));
        age(&path, 2);
    }
    let cache = Cache::at(dir.0.join("cache").join("index"), roots.clone());
    let (loaded, _) = load_cached(&roots, &Exclude::default(), &|_, _| {}, None);
    let (vault, _) = loaded.into_vault(roots.clone());
    assert_eq!(cache.save(|| &vault, None).expect("saved"), 1100);
    let stream =
        |take: &mut (dyn FnMut(Vec<(PathBuf, Box<crate::index::Note>)>, bool) -> bool + Send)| {
            load_streamed(
                &roots,
                &Exclude::default(),
                &cache,
                vault.dialect,
                &|| {},
                &|_, _| {},
                take,
            )
        };
    let mut first = Vec::new();
    let stopped = stream(&mut |notes, _| {
        first.push(notes.iter().map(|(p, _)| name(p)).collect::<Vec<_>>());
        false
    });
    assert!(matches!(stopped, Stream::Stopped));
    assert_eq!(first.len(), 1, "stopped after the first");
    // A note of a later segment: its heading damaged.
    let later = (0..1100)
        .map(|i| format!("n{i:04}"))
        .find(|n| !first[0].contains(n))
        .expect("a note past the first segment");
    let mut good = std::fs::read(cache.file()).unwrap();
    let mark = format!("Mark{}", &later[1..]);
    let at = (good.windows(mark.len()))
        .position(|w| w == mark.as_bytes())
        .expect("the note's heading is in the index");
    good[at] ^= 0x20;
    std::fs::write(cache.file(), &good).unwrap();
    let mut given = Vec::new();
    let damaged = stream(&mut |notes, trusted| {
        given.push((notes.len(), trusted));
        true
    });
    assert!(matches!(damaged, Stream::Unusable));
    assert_eq!(given, [(1024, true)]);
}
