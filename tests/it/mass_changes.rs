//! Mass changes on disk, as a `git checkout` of another branch makes them: thousands of notes
//! created, changed, renamed and deleted (whole folders too) while the server runs. Afterwards
//! its index must equal a fresh index of the same tree: the same diagnostics for every note and
//! the same backlinks. Both ways of hearing about changes are tested: the editor's
//! `workspace/didChangeWatchedFiles` and the server's own watcher.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::client::{Client, TempVault, uri};

const NOTES: usize = 2_000;

/// The text of note `i` in generation `generation`: links to other notes by name (some of them
/// only exist in one generation), a heading link, an alias and a tag.
fn note_text(i: usize, generation: usize) -> String {
    let a = (i * 7 + generation) % (NOTES + 300);
    let b = (i * 13 + 5 * generation) % (NOTES + 300);
    format!(
        "---\naliases: [alias{i}g{generation}]\n---\n# Note {i}\n## Part\n\
         See [[note{a}]] and [[note{b}#Part]] and [[alias{a}g{generation}]] #tag{}\n",
        i % 10
    )
}

fn folder(i: usize) -> &'static str {
    ["alpha", "beta", "gamma", "delta/deep"][i % 4]
}

/// Every note under `root`, sorted.
fn notes_in(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// What a server says about every note: its diagnostics (after opening it) and its references.
fn observe(client: &mut Client, notes: &[PathBuf]) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for path in notes {
        // The diagnostics its open publishes, not older ones kept unread (the probe's from
        // before the sentinel was filed).
        client.forget_diagnostics(path);
        client.open(path);
        let diagnostics = client.diagnostics(path, |_| true);
        let mut diagnostics: Vec<String> = diagnostics
            .iter()
            .map(|d| format!("{} {}", d["range"], d["message"]))
            .collect();
        diagnostics.sort();
        let references = client.request(
            "textDocument/references",
            json!({"textDocument": {"uri": uri(path)}, "position": {"line": 0, "character": 0},
                   "context": {"includeDeclaration": false}}),
        );
        let mut references: Vec<String> = references
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|l| format!("{} {}", l["uri"], l["range"]))
            .collect();
        references.sort();
        out.insert(
            uri(path),
            json!({"diagnostics": diagnostics, "references": references}),
        );
    }
    out
}

/// Change the tree as a checkout does; returns the (path, LSP change type) of every change an
/// editor would report, and how many files were created, changed, moved or deleted.
fn checkout(vault: &TempVault) -> (Vec<(PathBuf, u32)>, usize) {
    const CREATED: u32 = 1;
    const CHANGED: u32 = 2;
    const DELETED: u32 = 3;
    let mut events = Vec::new();
    // A whole folder renamed, and one deleted.
    let from = vault.path("beta");
    let to = vault.path("beta-renamed");
    let mut touched = notes_in(&from).len() + notes_in(&vault.path("gamma")).len();
    std::fs::rename(&from, &to).unwrap();
    events.push((from, DELETED));
    events.push((to, CREATED));
    let gone = vault.path("gamma");
    std::fs::remove_dir_all(&gone).unwrap();
    events.push((gone, DELETED));
    for i in (0..NOTES).filter(|i| i % 4 == 0 || i % 4 == 3) {
        let rel = format!("{}/note{i}.md", folder(i));
        let path = vault.path(&rel);
        touched += 1;
        match i % 3 {
            // Changed in place.
            0 => {
                vault.write(&rel, &note_text(i, 1));
                events.push((path, CHANGED));
            }
            // Renamed to a name of the new branch.
            1 => {
                let new_rel = format!("renamed/note{}.md", NOTES + i % 300);
                let new = vault.path(&new_rel);
                std::fs::create_dir_all(new.parent().unwrap()).unwrap();
                std::fs::rename(&path, &new).unwrap();
                events.push((path, DELETED));
                events.push((new, CREATED));
            }
            // Deleted.
            _ => {
                std::fs::remove_file(&path).unwrap();
                events.push((path, DELETED));
            }
        }
    }
    // Some clients report a folder whose files changed, not each file: the changes inside
    // `delta/deep` (a quarter of the notes) are reported as one event for the folder.
    let deep = vault.path("delta/deep");
    events.retain(|(path, _)| !path.starts_with(&deep));
    events.push((deep, CHANGED));
    // New notes in new folders.
    for i in 0..500 {
        let rel = format!("new/{}/fresh{i}.md", i % 7);
        vault.write(&rel, &note_text(NOTES + i, 1));
        events.push((vault.path(&rel), CREATED));
        touched += 1;
    }
    (events, touched)
}

fn mass_changes_leave_the_index_of_a_fresh_start(name: &str, client_watches: bool) {
    let vault = TempVault::new(name, &[]);
    for i in 0..NOTES {
        vault.write(&format!("{}/note{i}.md", folder(i)), &note_text(i, 0));
    }
    let capabilities = if client_watches {
        Client::editor_capabilities()
    } else {
        json!({"window": {"workDoneProgress": true}})
    };
    let mut client = Client::start(&vault.root, capabilities.clone());
    client.wait_indexed();
    // An open note whose only link names the last file the checkout writes: when its
    // diagnostics clear, every change before it has been applied.
    vault.write("probe.md", "[[sentinel]]\n");
    let probe = vault.path("probe.md");
    client.open(&probe);
    client.diagnostics(&probe, |d| d.len() == 1);

    let (mut events, touched) = checkout(&vault);
    vault.write("sentinel.md", "# Sentinel\n");
    events.push((vault.path("sentinel.md"), 1));
    if client_watches {
        let changes: Vec<Value> = events
            .iter()
            .map(|(path, kind)| json!({"uri": uri(path), "type": kind}))
            .collect();
        client.notify(
            "workspace/didChangeWatchedFiles",
            json!({ "changes": changes }),
        );
    }
    client.diagnostics(&probe, |d| d.is_empty());

    let notes = notes_in(&vault.root);
    let changed = observe(&mut client, &notes);
    let mut fresh = Client::start(&vault.root, capabilities);
    fresh.wait_indexed();
    let expected = observe(&mut fresh, &notes);
    assert_eq!(changed.len(), expected.len());
    let with = |what: &str| {
        expected
            .values()
            .filter(|v| !v[what].as_array().unwrap().is_empty())
            .count()
    };
    assert!(with("diagnostics") > 100 && with("references") > 100);
    for (note, seen) in &changed {
        assert_eq!(seen, &expected[note], "{note}");
    }
    eprintln!(
        "mass changes ({}): {} files created, changed, moved or deleted; {} notes compared",
        if client_watches {
            "client watcher"
        } else {
            "own watcher"
        },
        touched + 1,
        notes.len()
    );
    assert_eq!(client.shutdown(), 0);
    assert_eq!(fresh.shutdown(), 0);
}

#[test]
fn mass_changes_reported_by_the_client_leave_the_index_of_a_fresh_start() {
    mass_changes_leave_the_index_of_a_fresh_start("mass-client", true);
}

#[test]
fn mass_changes_seen_by_the_own_watcher_leave_the_index_of_a_fresh_start() {
    mass_changes_leave_the_index_of_a_fresh_start("mass-own", false);
}

#[test]
fn file_events_for_gitignored_notes_leave_the_index_of_a_fresh_start() {
    let vault = TempVault::new(
        "gitignored-events",
        &[
            (".gitignore", "build/\n*.tmp.md\n!keep.tmp.md\n"),
            ("sub/.gitignore", "local.md\n"),
            ("hub.md", "The hub.\n"),
            ("a.md", "[[hub]]\n"),
        ],
    );
    let mut client = Client::start(&vault.root, Client::editor_capabilities());
    client.wait_indexed();
    let written = [
        "build/out.md",
        "scratch.tmp.md",
        "keep.tmp.md",
        "sub/local.md",
        "sub/other.md",
        "sub/deeper/x.tmp.md",
    ];
    for rel in written {
        vault.write(rel, "[[hub]]\n");
    }
    let changes: Vec<Value> = written
        .iter()
        .map(|rel| json!({"uri": uri(&vault.path(rel)), "type": 1}))
        .chain([json!({"uri": uri(&vault.path("build")), "type": 1})])
        .collect();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": changes }),
    );
    let notes = [vault.path("hub.md")];
    let mut fresh = Client::start(&vault.root, Client::editor_capabilities());
    fresh.wait_indexed();
    let expected = observe(&mut fresh, &notes);
    let references = &expected[&uri(&vault.path("hub.md"))]["references"];
    // a.md, keep.tmp.md and sub/other.md: the ignored ones are not in a fresh index.
    assert_eq!(references.as_array().unwrap().len(), 3, "{references}");
    let deadline = std::time::Instant::now() + crate::client::TIMEOUT;
    loop {
        let seen = client.request(
            "textDocument/references",
            json!({"textDocument": {"uri": uri(&vault.path("hub.md"))},
                   "position": {"line": 0, "character": 0},
                   "context": {"includeDeclaration": false}}),
        );
        let mut seen: Vec<String> = seen
            .as_array()
            .unwrap()
            .iter()
            .map(|l| format!("{} {}", l["uri"], l["range"]))
            .collect();
        seen.sort();
        if json!(seen) == *references {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "references {seen:?}, a fresh index has {references}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// What `a.md` of `vault` shows once a server started on it has caught up with `change`,
/// made after the first index read every file and before the server's own watcher was armed
/// (the index is held back 1.5 s then, unwatched): its diagnostics, as "character: message",
/// once the one naming `missing` is the only one left.
fn shown_after_changes_while_read(
    vault: &TempVault,
    change: impl FnOnce(),
    missing: &str,
) -> Vec<String> {
    // Progress but no watching by the client: the server watches the files itself.
    let mut client = Client::start_with_env(
        &vault.root,
        json!({"window": {"workDoneProgress": true}}),
        &[("NOTEGRAPH_TEST_READ_DELAY_MS", "1500")],
    );
    // Every file read (the index is then held back, unwatched).
    client.wait_for("$/progress", |p| p["value"]["percentage"] == 100);
    change();
    client.wait_indexed();
    let a = vault.path("a.md");
    client.open(&a);
    // The catch-up may land after the note's first diagnostics (on a loaded machine): they
    // are published again once it does, and those are the ones that must be exact.
    let missing = format!("‘{missing}’");
    let caught_up = |d: &[serde_json::Value]| {
        d.len() == 1
            && d[0]["message"]
                .as_str()
                .is_some_and(|m| m.contains(&missing))
    };
    let shown = client
        .diagnostics(&a, caught_up)
        .iter()
        .map(|d| {
            let message = d["message"].as_str().unwrap_or_default();
            format!("{}: {message}", d["range"]["start"]["character"])
        })
        .collect();
    assert_eq!(client.shutdown(), 0);
    shown
}

/// The server's own watcher is armed once the first index serves (the kernel would tell it of
/// every file the index reads): a note changed, created or deleted after its read and before
/// the arming is still seen, by the walk and stat check that follows the arming.
#[test]
fn changes_between_the_first_read_and_the_watchers_arming_are_seen() {
    let vault = TempVault::new(
        "changed-while-read",
        &[
            ("a.md", "[[b#Bee]] [[new]] [[c]]\n"),
            ("b.md", "# B\n"),
            ("c.md", "[[b]]\n"),
        ],
    );
    let change = || {
        vault.write("b.md", "# Bee\n");
        vault.write("new.md", "# New\n");
        std::fs::remove_file(vault.path("c.md")).unwrap();
    };
    assert_eq!(
        shown_after_changes_while_read(&vault, change, "c"),
        ["18: Unresolved link: no note named ‘c’ in the vault".to_string()]
    );
}

/// The walk that follows the arming checks the files a chunk at a time as it finds them (a
/// thousand at once): with more files than a chunk, notes changed, created or deleted after
/// their read are still seen, in every chunk (every note is changed, and `a.md` links to a
/// heading of one in ten: one not seen leaves its link broken).
#[test]
fn changes_while_the_first_index_was_read_are_seen_past_the_first_chunk_of_the_walk() {
    let names: Vec<String> = (0..1100).map(|i| format!("n{i}.md")).collect();
    let mut files: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "# N\n")).collect();
    let mut a = "[[new]] [[n1090]]".to_string();
    for i in (0..1100).step_by(10).filter(|&i| i != 1090) {
        a.push_str(&format!(" [[n{i}#Bee]]"));
    }
    files.push(("a.md", &a));
    let vault = TempVault::new("changed-while-read-chunks", &files);
    let change = || {
        for name in &names {
            vault.write(name, "# Bee\n");
        }
        vault.write("new.md", "# New\n");
        std::fs::remove_file(vault.path("n1090.md")).unwrap();
    };
    assert_eq!(
        shown_after_changes_while_read(&vault, change, "n1090"),
        ["8: Unresolved link: no note named ‘n1090’ in the vault".to_string()]
    );
}
