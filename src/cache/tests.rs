//! The cache file's round trip and its checks on what it reads back.

use super::*;
use crate::index::Nanos;
use crate::syntax;
use crate::syntax::Parts;

fn stamp(hash: u64) -> Stamp {
    Stamp {
        mtime_ns: Nanos::new(1_700_000_000_000_000_000),
        size: 10,
        hash,
        racy: false,
    }
}

#[test]
fn what_is_saved_loads_back_the_same_and_only_notes_read_from_disk() {
    let dir = std::env::temp_dir().join(format!("notegraph-cache-unit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let root = dir.join("vault");
    let mut vault = Vault::new(vec![root.clone()]);
    let texts = [
        "# A\n[[b#H|x]] [[n1]] [[n1]] #tag ^id\n",
        "---\naliases: [bee]\n---\n## H\n[@key]\n",
    ];
    for (i, text) in texts.iter().enumerate() {
        let mut note = Note::parse(*text);
        note.stamp = Some(stamp(i as u64));
        vault.upsert_note(&root.join(format!("sub/n{i}.md")), note);
    }
    // An editor's buffer: not what the disk holds, so not saved.
    vault.upsert_note(&root.join("open.md"), Note::parse("[[unsaved]]"));
    let cache = Cache {
        file: dir.join("cache").join("index"),
        roots: vec![root.clone()],
    };
    assert_eq!(cache.save(|| &vault, None).expect("saved"), 2);
    let loaded = cache.load().expect("loaded");
    assert_eq!(loaded.dialect, Dialect::Obsidian);
    let mut paths: Vec<_> = loaded.notes.keys().cloned().collect();
    paths.sort();
    assert_eq!(paths, vec![root.join("sub/n0.md"), root.join("sub/n1.md")]);
    for (i, text) in texts.iter().enumerate() {
        let cached = &loaded.notes[&root.join(format!("sub/n{i}.md"))];
        assert_eq!(cached.text.get(), *text);
        assert_eq!(cached.syntax, syntax::parse(text));
        assert_eq!(cached.stamp, stamp(i as u64));
    }
    // The names section alone: every saved note's stamp, aliases and citation key, and how
    // often links name each file (n0 links to `b`, which names no file: not counted).
    let cached = cache.load_names().expect("names");
    let names = cached.read().expect("decoded");
    let mut named: Vec<_> = names
        .notes
        .iter()
        .map(|n| {
            (
                names.path(n),
                n.stamp,
                n.aliases.iter().collect(),
                n.citekey,
            )
        })
        .collect();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        named,
        vec![
            (root.join("sub/n0.md"), stamp(0), Vec::<&str>::new(), None),
            (root.join("sub/n1.md"), stamp(1), vec!["bee"], None),
        ]
    );
    assert_eq!(names.popularity, vec![("n1", 2)]);
    // Found by path as the walk gives it; a path of no note, or outside the root, is not.
    let by_path = names.by_path();
    let found = by_path.find(&root.join("sub/n1.md")).expect("found");
    assert_eq!(names.notes[found].rel, "sub/n1.md");
    assert_eq!(by_path.find(&root.join("sub/n2.md")), None);
    assert_eq!(by_path.find(&dir.join("sub/n1.md")), None);
    // Another vault's roots: not this vault's index.
    let other = Cache {
        file: cache.file.clone(),
        roots: vec![dir.join("elsewhere")],
    };
    assert!(other.load().is_none());
    assert!(other.load_names().is_none());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_names_section_with_an_entry_outside_its_folder_or_of_no_folder_is_unusable() {
    let with = |root: u32, rel: &str, attachment: (u32, &str)| {
        let mut section = section::SectionWriter::default();
        section.note(root, rel, stamp(0), ["x"], None).unwrap();
        section.attachment(attachment.0, attachment.1).unwrap();
        section.popular("x", 1).unwrap();
        let mut bytes = vec![0; 16];
        bytes.extend(section.finish().unwrap());
        CachedNames {
            dialect: Dialect::Obsidian,
            bytes,
            roots: vec![PathBuf::from("/v")],
            file: PathBuf::from("/cache/index"),
            completion: None,
        }
    };
    let names = |root, rel| with(root, rel, (0, "a/c.png"));
    let read = |cached: &CachedNames| cached.read().map(|n| n.notes.len());
    assert_eq!(read(&names(0, "a/b.md")), Some(1));
    assert_eq!(read(&names(0, "../b.md")), None);
    assert_eq!(read(&names(0, "/etc/b.md")), None);
    assert_eq!(read(&names(1, "b.md")), None);
    // Written otherwise than notegraph writes it: by component, the path of another note.
    assert_eq!(read(&names(0, "a//b.md")), None);
    assert_eq!(read(&names(0, "a/b.md/")), None);
    assert_eq!(read(&names(0, "a/./b.md")), None);
    // An attachment is held to the same.
    assert_eq!(read(&with(0, "a/b.md", (0, "../c.png"))), None);
    assert_eq!(read(&with(0, "a/b.md", (1, "c.png"))), None);
    // Cut short: does not decode.
    let mut cut = names(0, "a/b.md");
    cut.bytes.truncate(20);
    assert_eq!(read(&cut), None);
}

#[test]
fn a_parse_whose_spans_leave_its_text_is_refused() {
    let text = "# Café\n[[b#H]] #tag ^id [@key]\n";
    let in_text = |text: &'static str| move |at| text.is_char_boundary(at);
    let parsed = syntax::parse(text);
    assert!(spans_fit(&parsed, in_text(text)));
    // The same parse over a shorter text (a forged or mismatched entry)…
    assert!(!spans_fit(&parsed, in_text(&text[..12])));
    // … or a shorter file, for a text its file holds.
    assert!(spans_fit(&parsed, |at| at <= text.len()));
    assert!(!spans_fit(&parsed, |at| at <= 12));
    // A span ending inside `é`.
    let mut inside = parsed.clone();
    let (fm, mut headings) = (inside.frontmatter(), inside.headings());
    let (tags, blocks, fields) = (inside.tags(), inside.blocks(), inside.fields());
    headings[0].text_start = 1;
    inside.set_parts(Parts {
        frontmatter: fm.as_ref(),
        headings: &headings,
        tags: &tags,
        blocks: &blocks,
        fields: &fields,
    });
    assert!(!spans_fit(&inside, in_text(text)));
    assert!(is_plain_relative("a/b.md"));
    assert!(!is_plain_relative("../b.md") && !is_plain_relative("/etc/x.md"));
    assert!(!is_plain_relative("a//b.md") && !is_plain_relative("a/"));
}

#[test]
fn reading_a_dendron_parse_again_changes_nothing() {
    // The loader hands cached, already adapted parses to the vault, which adapts again.
    let text = "[[label|a.b#some-heading]] ![[a.b#h,1:#*]] [[dendron://v/c.d]] [[plain]]\n";
    let mut once = syntax::parse(text);
    syntax::dendron::adapt(text, &mut once);
    let mut twice = once.clone();
    syntax::dendron::adapt(text, &mut twice);
    assert_eq!(twice, once);
}

#[test]
fn bibliographies_read_from_disk_load_back_the_same_and_buffers_are_not_saved() {
    use crate::sources::{Entry, Format, Origin};
    let dir = std::env::temp_dir().join(format!("notegraph-cache-bib-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let root = dir.join("vault");
    let mut vault = Vault::new(vec![root.clone()]);
    let bib = |name: &str, key: &str| crate::sources::Bibliography {
        path: root.join(name),
        label: name.to_string(),
        origin: Origin::Discovered,
        format: Format::BibTex,
        entries: vec![Entry {
            key: key.to_string(),
            title: Some(format!("Title of {key}")),
            ..Entry::default()
        }],
        problems: Vec::new(),
    };
    vault.sources.set_read_bibliographies(vec![
        (bib("refs.bib", "wang2021"), Some(stamp(7))),
        (bib("open.bib", "open2020"), Some(stamp(8))),
    ]);
    // Then opened in an editor: its buffer is not what the disk holds.
    vault
        .sources
        .set_bibliography(bib("open.bib", "edited2020"));
    let cache = Cache {
        file: dir.join("cache").join("index"),
        roots: vec![root.clone()],
    };
    cache.save(|| &vault, None).expect("saved");
    let loaded = cache.load().expect("loaded");
    let paths: Vec<_> = loaded.bibliographies.keys().cloned().collect();
    assert_eq!(paths, vec![root.join("refs.bib")]);
    let cached = &loaded.bibliographies[&root.join("refs.bib")];
    assert_eq!(cached.stamp, stamp(7));
    assert_eq!(cached.origin, Origin::Discovered);
    assert_eq!(cached.entries, bib("refs.bib", "wang2021").entries);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_note_kept_packed_is_saved_as_its_text_and_loads_back_packed_and_the_same() {
    let dir = std::env::temp_dir().join(format!("notegraph-cache-packed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let root = dir.join("vault");
    let mut vault = Vault::new(vec![root.clone()]);
    let text = format!(
        "---\r\naliases: [Café]\r\n---\r\n# Über 東京\r\n{}😀 end\r\n",
        "[[b#H]] prose naïve ^id\r\n".repeat(50)
    );
    let mut note = Note::parse(text.clone()).packed();
    assert!(note.text.is_packed());
    note.stamp = Some(stamp(7));
    vault.upsert_note(&root.join("n.md"), note);
    let cache = Cache {
        file: dir.join("cache").join("index"),
        roots: vec![root.clone()],
    };
    assert_eq!(cache.save(|| &vault, None).expect("saved"), 1);
    let loaded = cache.load().expect("loaded");
    let cached = &loaded.notes[&root.join("n.md")];
    assert!(cached.text.is_packed());
    assert_eq!(cached.text.get(), text);
    assert_eq!(cached.syntax, syntax::parse(&text));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A note read from its file is saved without its text (the file is not read for the save) and
/// loads back keeping only its file's place, the text read from the file. One whose file
/// changed since it was read is saved as read, under the stamp of that read: the next start
/// sees the file's new stamp and reads it again, and until then its text is told apart as
/// changed (spaces, never the new bytes under the old parse).
#[test]
fn a_note_kept_in_its_file_is_saved_without_its_text_and_loads_back_kept_in_its_file() {
    let dir = std::env::temp_dir().join(format!("notegraph-cache-infile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let root = dir.join("vault");
    std::fs::create_dir_all(&root).unwrap();
    let mut vault = Vault::new(vec![root.clone()]);
    let texts = ["# Über\n[[b#H|x]] café ^id\n", "[[c]]\r\nchanged later"];
    for (i, text) in texts.iter().enumerate() {
        let path = root.join(format!("n{i}.md"));
        std::fs::write(&path, text).unwrap();
        let note = crate::loader::read_note(&path).expect("read");
        assert!(note.text.is_in_file());
        vault.upsert_note(&path, note);
    }
    let stamps: Vec<_> = (0..2)
        .map(|i| {
            let id = vault.id(&root.join(format!("n{i}.md"))).unwrap();
            vault.note(id).unwrap().stamp
        })
        .collect();
    std::fs::write(root.join("n1.md"), "[[c]]\r\nchanged now").unwrap();
    let cache = Cache {
        file: dir.join("cache").join("index"),
        roots: vec![root.clone()],
    };
    assert_eq!(cache.save(|| &vault, None).expect("saved"), 2);
    // The texts are not in the file.
    let saved = std::fs::read(&cache.file).unwrap();
    assert!(
        !saved
            .windows(6)
            .any(|w| w == b"\xc3\x9cber\n".as_slice() || w == b"[[b#H|")
    );
    let loaded = cache.load().expect("loaded");
    assert_eq!(loaded.notes.len(), 2);
    for (i, text) in texts.iter().enumerate() {
        let cached = &loaded.notes[&root.join(format!("n{i}.md"))];
        assert!(cached.text.is_in_file());
        assert_eq!(Some(cached.stamp), stamps[i]);
        assert_eq!(cached.syntax, syntax::parse(text));
    }
    assert_eq!(loaded.notes[&root.join("n0.md")].text.get(), texts[0]);
    let changed = &loaded.notes[&root.join("n1.md")].text;
    assert_eq!(changed.exact(), None);
    assert_eq!(changed.get(), " ".repeat(texts[1].len()));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A file's path is its root, one separator and its relative path, compared as bytes: a path
/// of the right length that starts with the root and ends with the relative path is not it
/// unless a separator stands between them.
#[test]
fn a_names_entry_is_at_its_root_joined_with_its_relative_path_alone() {
    let bytes = section::SectionWriter::default().finish().unwrap();
    let cached = CachedNames {
        dialect: Dialect::Obsidian,
        bytes: [vec![0; 16], bytes].concat(),
        completion: None,
        roots: vec![PathBuf::from("/v"), PathBuf::from("/w/")],
        file: PathBuf::from("index"),
    };
    let names = cached.read().expect("decoded");
    let at = |path: &str, root, rel| names.is_at(Path::new(path), (root, rel));
    assert!(at("/v/a/b.md", 0, "a/b.md"));
    assert!(at("/w/b.md", 1, "b.md"));
    assert!(!at("/vXa/b.md", 0, "a/b.md"));
    assert!(!at("/v/a/b.md", 1, "a/b.md"));
    assert!(!at("/v/a/b.md", 2, "a/b.md"));
    assert!(!at("/v/a/b.md", 0, "b.md"));
}

/// The names section's fixed-width records read back what was written — a racy stamp, a
/// citation key, aliases in a note's own run — and a record naming a string or alias that is
/// not there, or a flag no writer sets, makes the section unusable.
#[test]
fn a_packed_names_section_reads_back_what_was_written_and_refuses_a_record_out_of_place() {
    let racy = Stamp {
        mtime_ns: Nanos::new(-5),
        racy: true,
        ..stamp(u64::MAX)
    };
    let mut section = section::SectionWriter::default();
    section
        .note(0, "a/é.md", racy, ["x", "Ünï"], Some("k1"))
        .unwrap();
    section.note(0, "b.md", stamp(2), [], None).unwrap();
    section.attachment(0, "c.png").unwrap();
    section.popular("é", 7).unwrap();
    let mut bytes = vec![0; 16];
    bytes.extend(section.finish().unwrap());
    let cached = |bytes: Vec<u8>| CachedNames {
        dialect: Dialect::Obsidian,
        bytes,
        completion: None,
        roots: vec![PathBuf::from("/v")],
        file: PathBuf::from("index"),
    };
    let whole = cached(bytes.clone());
    let names = whole.read().expect("decoded");
    let read: Vec<_> = (names.notes.iter())
        .map(|n| {
            (
                n.rel,
                n.stamp,
                n.aliases.iter().collect::<Vec<_>>(),
                n.citekey,
            )
        })
        .collect();
    assert_eq!(
        read,
        [
            ("a/é.md", racy, vec!["x", "Ünï"], Some("k1")),
            ("b.md", stamp(2), vec![], None)
        ]
    );
    assert_eq!(names.attachments, [(0, "c.png")]);
    assert_eq!(names.popularity, [("é", 7)]);
    // The records, found by their bytes: the strings are `xÜnïa/é.mdk1b.mdc.pngé`.
    let find = |needle: &[u8]| {
        let at = bytes.windows(needle.len()).position(|w| w == needle);
        at.expect("found")
    };
    let first_note = find(&[0, 0, 0, 0, 6, 0, 0, 0, 7, 0, 0, 0]);
    let changed = |at: usize, value: u32| {
        let mut bytes = bytes.clone();
        bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
        cached(bytes).read().is_none()
    };
    // The path's length cut inside `é`, then past the strings.
    assert!(changed(first_note + 8, 3));
    assert!(changed(first_note + 8, 1000));
    // Three aliases where the table holds two.
    assert!(changed(first_note + 16, 3));
    // A flag no writer sets.
    assert!(changed(first_note + 28, 4 | 3));
    // Unchanged, the same bytes read.
    assert!(!changed(first_note + 16, 2));
}

/// The names section a server writes, laid out from the vault as it is written, is byte for
/// byte the one laid out in memory from the same entries, and reads back whole: 300 notes with
/// aliases, citation keys and a racy stamp, an attachment and the names' popularity, so that
/// every field's length takes more than one byte.
#[test]
fn a_names_section_written_from_the_vault_is_the_one_laid_out_in_memory() {
    let root = PathBuf::from("/v");
    let mut vault = Vault::new(vec![root.clone()]);
    let mut expected = section::SectionWriter::default();
    let mut ids = Vec::new();
    for i in 0..300u64 {
        let text = match i % 3 {
            0 => format!(
                "---\naliases: [a{i}, \"Ä {i}\"]\ncitekey: k{i}\n---\n[[n{}]]\n",
                i / 2
            ),
            1 => format!("[[n{}]] [[n{}]]\n", i / 3, i / 5),
            _ => "plain\n".to_string(),
        };
        let mut note = Note::parse(text);
        note.stamp = Some(Stamp {
            racy: i % 7 == 0,
            ..stamp(i)
        });
        vault.upsert_note(&root.join(format!("d/n{i}.md")), note);
        ids.push(vault.id(&root.join(format!("d/n{i}.md"))).expect("filed"));
    }
    // A buffer: no stamp, so not listed.
    vault.upsert_note(&root.join("open.md"), Note::parse("[[n1]]"));
    ids.push(vault.id(&root.join("open.md")).expect("filed"));
    vault.upsert_attachment(&root.join("d/img.png"));
    for &id in &ids {
        let file = vault.get(id).unwrap();
        let note = file.note().unwrap();
        let Some(stamp) = note.stamp else { continue };
        let frontmatter = note.syntax.frontmatter();
        let citekey = frontmatter.as_ref().and_then(|fm| fm.citekey());
        let rel = file.path.strip_prefix(&root).unwrap().to_str().unwrap();
        (expected.note(
            0,
            rel,
            stamp,
            note.syntax.aliases(),
            citekey.map(|k| k.as_str()),
        ))
        .unwrap();
    }
    expected.attachment(0, "d/img.png").unwrap();
    for (key, count) in vault.name_popularity() {
        expected.popular(key, count).unwrap();
    }
    let section = section::NamesOf::new(&vault, &ids).unwrap();
    let streamed = Payload::bytes(&section).unwrap();
    assert_eq!(streamed, expected.finish().unwrap());
    assert!(streamed.len() > 16_384, "lengths of more than one byte");
    let files = section.files();
    assert_eq!(
        files.len(),
        301,
        "300 notes with a stamp, then the attachment"
    );
    let cached = CachedNames {
        dialect: Dialect::Obsidian,
        bytes: [vec![0; 16], streamed].concat(),
        completion: None,
        roots: vec![root.clone()],
        file: PathBuf::from("index"),
    };
    let names = cached.read().expect("decoded");
    assert_eq!(names.notes.len(), 300);
    let third = &names.notes[3];
    assert_eq!(
        (
            third.rel,
            third.aliases.iter().collect::<Vec<_>>(),
            third.citekey
        ),
        ("d/n3.md", vec!["a3", "Ä 3"], Some("k3"))
    );
    assert!(names.notes[7].stamp.racy && !names.notes[8].stamp.racy);
    assert_eq!(names.attachments, [(0, "d/img.png")]);
    assert_eq!(names.popularity, vault.name_popularity());
}
