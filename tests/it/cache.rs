//! The on-disk index over stdio: a restart answers as the first session did; files changed,
//! added and deleted while no server ran are seen; a damaged cache file is discarded with one
//! log line and the answers stay right; two servers (and a `check`) on one vault at once leave
//! a usable file; `check` uses the same file; a cache folder inside the vault is never used.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use crate::client::{Client, TempVault, uri};

const A: &str = "# A\n[[b]] and [[b#Sec]] and [[c#H]] and [[missing]]\n";
const B: &str = "# B\n## Sec\nbody of b ^blk\n[[a]]\n";
const C: &str = "# C\n## H\n[[b#^blk]]\n";

/// A cache folder of the test's own, emptied.
fn cache_home(name: &str) -> PathBuf {
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("home-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("cache folder");
    dir
}

/// Date every file of the vault back by `hours`: a file written in the same instant as the
/// index is re-hashed on the next start (racily clean), which the tests do not want to count.
fn age(vault: &TempVault, hours: u64) {
    let when = SystemTime::now() - Duration::from_secs(3600 * hours);
    for entry in std::fs::read_dir(&vault.root).expect("vault") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            let file = std::fs::File::options()
                .append(true)
                .open(&path)
                .expect("open");
            file.set_modified(when).expect("set mtime");
        }
    }
}

/// The one cache file under `home`.
fn cache_file(home: &Path) -> PathBuf {
    let dir = home.join("notegraph");
    let entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path().join("index"))
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(entries[0].is_file(), "no index file in {}", dir.display());
    entries[0].clone()
}

fn start(vault: &TempVault, home: &Path, options: Value) -> Client {
    let mut client = spawn_held(vault, home, options, &[]);
    client.wait_indexed();
    client
}

/// Spawn a server on `vault` with its cache under `home`, `options` and `extra` environment:
/// initialized, not waited for.
fn spawn_held(vault: &TempVault, home: &Path, options: Value, extra: &[(&str, &str)]) -> Client {
    let mut env = vec![
        ("XDG_CACHE_HOME", home.to_str().expect("UTF-8")),
        ("NOTEGRAPH_LOG", "info"),
    ];
    env.extend_from_slice(extra);
    let mut capabilities = Client::editor_capabilities();
    capabilities["workspace"]["configuration"] = json!(false);
    let mut client = Client::spawn_with_env(&["lsp"], &env);
    client.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&vault.root),
               "workspaceFolders": [{"uri": uri(&vault.root), "name": "vault"}],
               "capabilities": capabilities, "initializationOptions": options}),
    );
    client.notify("initialized", json!({}));
    client
}

/// A restart whose full load is held back 5 s once the names are served, with `a.md` open in
/// the editor holding `text`.
fn restart_held_with_a_open(vault: &TempVault, home: &Path, text: &str) -> Client {
    let mut client = spawn_held(
        vault,
        home,
        Value::Null,
        &[("NOTEGRAPH_TEST_LOAD_DELAY_MS", "5000")],
    );
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&vault.path("a.md")), "languageId": "markdown",
                                "version": 1, "text": text}}),
    );
    client
}

fn sorted_labels(list: &Value) -> Vec<String> {
    let mut labels: Vec<String> = list["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| i["label"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default();
    labels.sort();
    labels
}

fn at(path: &Path, line: u32, character: u32) -> Value {
    json!({"textDocument": {"uri": uri(path)}, "position": {"line": line, "character": character}})
}

/// What an editor sees of the vault: a.md's diagnostics, where its links lead, the backlinks of
/// b.md, hover on `[[b]]`, and completion after `[[`, each reduced to comparable data.
fn answers(client: &mut Client, vault: &TempVault) -> Value {
    let a = vault.path("a.md");
    client.open(&a);
    let mut diagnostics: Vec<String> = client
        .diagnostics(&a, |_| true)
        .iter()
        .map(|d| format!("{}: {}", d["range"]["start"]["character"], d["message"]))
        .collect();
    diagnostics.sort();
    let short = |v: &Value| -> Value {
        let s = v["uri"].as_str().unwrap_or_default();
        json!(format!(
            "{}:{}",
            s.rsplit('/').next().unwrap_or_default(),
            v["range"]["start"]["line"]
        ))
    };
    let definitions: Vec<Value> = [2, 14, 29, 44]
        .iter()
        .map(|&ch| {
            let found = client.request("textDocument/definition", at(&a, 1, ch));
            if found.is_null() {
                found
            } else {
                short(&found)
            }
        })
        .collect();
    let mut references: Vec<Value> = client
        .request(
            "textDocument/references",
            json!({"textDocument": {"uri": uri(&vault.path("b.md"))},
                   "position": {"line": 0, "character": 2},
                   "context": {"includeDeclaration": false}}),
        )
        .as_array()
        .map(|refs| refs.iter().map(short).collect())
        .unwrap_or_default();
    references.sort_by_key(|v| v.to_string());
    let hover = client.request("textDocument/hover", at(&a, 1, 3))["contents"]["value"].clone();
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&a), "version": 2},
               "contentChanges": [{"text": format!("{A}[[")}]}),
    );
    let completion = sorted_labels(&client.request("textDocument/completion", at(&a, 2, 2)));
    json!({"diagnostics": diagnostics, "definitions": definitions, "references": references,
           "hover": hover, "completion": completion})
}

fn vault(name: &str) -> TempVault {
    let vault = TempVault::new(name, &[("a.md", A), ("b.md", B), ("c.md", C)]);
    age(&vault, 2);
    vault
}

#[test]
fn a_restart_on_an_unchanged_vault_answers_from_the_on_disk_index_as_before() {
    let vault = vault("cache-restart");
    let home = cache_home("restart");
    let mut first = start(&vault, &home, Value::Null);
    // Written once indexed; the note edited in `answers` is left out of later writes.
    first.wait_log("notes written");
    let before = answers(&mut first, &vault);
    assert_eq!(first.shutdown(), 0);
    let file = cache_file(&home);
    assert!(!file.starts_with(&vault.root));

    let mut second = start(&vault, &home, Value::Null);
    let log = second.wait_log("on-disk index:");
    assert!(
        log.contains("on-disk index: 3 notes unchanged (0 of them touched), 0 read, 0 gone"),
        "{log}"
    );
    let after = answers(&mut second, &vault);
    assert_eq!(after, before);
    assert_eq!(
        after["definitions"],
        json!(["b.md:0", "b.md:1", "c.md:1", null]),
        "{after}"
    );
    assert_eq!(after["references"], json!(["a.md:1", "a.md:1", "c.md:2"]));
    assert_eq!(after["completion"], json!(["b", "c"]));
    assert_eq!(second.shutdown(), 0);
}

#[test]
fn files_changed_added_and_deleted_while_no_server_ran_are_seen() {
    let vault = vault("cache-changed");
    let home = cache_home("changed");
    let mut first = start(&vault, &home, Value::Null);
    first.wait_log("notes written");
    let before = answers(&mut first, &vault);
    assert_eq!(first.shutdown(), 0);

    // While no server runs: b loses its heading `Sec` (same size: only the time and bytes
    // tell), c is deleted, the missing note appears, and a is touched without changing.
    vault.write("b.md", &B.replace("## Sec", "## Se_"));
    std::fs::remove_file(vault.path("c.md")).expect("delete c");
    vault.write("missing.md", "# Missing no more\n[[b#Sec]]\n");
    age(&vault, 1);

    let mut second = start(&vault, &home, Value::Null);
    let log = second.wait_log("on-disk index:");
    assert!(
        log.contains("on-disk index: 1 notes unchanged (1 of them touched), 2 read, 1 gone"),
        "{log}"
    );
    let after = answers(&mut second, &vault);
    assert_ne!(after, before);
    // Every answer is what a server without the cache gives on the same files...
    let fresh_home = cache_home("changed-fresh");
    let mut fresh = start(&vault, &fresh_home, json!({"indexCache": false}));
    assert_eq!(answers(&mut fresh, &vault), after);
    assert!(
        !fresh_home.join("notegraph").exists(),
        "indexCache = false wrote a cache"
    );
    // ...and each changed one is what the changes make it.
    assert_eq!(
        after["definitions"],
        json!(["b.md:0", "b.md:0", null, "missing.md:0"])
    );
    assert_eq!(
        after["references"],
        json!(["a.md:1", "a.md:1", "missing.md:1"])
    );
    assert_eq!(after["completion"], json!(["b", "missing"]));
    let diagnostics = after["diagnostics"].to_string();
    assert!(diagnostics.contains("no heading"), "{diagnostics}");
    assert!(diagnostics.contains("‘c’"), "{diagnostics}");
    assert!(!diagnostics.contains("missing"), "{diagnostics}");
    assert_eq!(second.shutdown(), 0);
    assert_eq!(fresh.shutdown(), 0);
}

/// Set `rel`'s modification time `hours` back, leaving its bytes.
fn age_file(vault: &TempVault, rel: &str, hours: u64) {
    let file = std::fs::File::options()
        .append(true)
        .open(vault.path(rel))
        .expect("open");
    file.set_modified(SystemTime::now() - Duration::from_secs(3600 * hours))
        .expect("set mtime");
}

#[test]
fn a_restart_answers_before_checking_the_files_but_never_from_a_changed_one() {
    let vault = vault("cache-early");
    let home = cache_home("early");
    let first = start(&vault, &home, Value::Null);
    first.wait_log("notes written");
    assert_eq!(first.shutdown(), 0);
    // While no server runs, b's heading `Sec` moves a line down; a and c stay as they were.
    vault.write("b.md", &B.replace("## Sec", "\n## Sec"));
    age_file(&vault, "b.md", 1);

    // The check of the files against the on-disk index is held back 5 s.
    let mut second = spawn_held(
        &vault,
        &home,
        Value::Null,
        &[("NOTEGRAPH_TEST_VERIFY_DELAY_MS", "5000")],
    );
    let a = vault.path("a.md");
    let labels = sorted_labels;
    let open = format!("{A}[[");
    second.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&a), "languageId": "markdown", "version": 1,
                                "text": open}}),
    );
    // Answered before the check: completion from the index as it was, marked incomplete so
    // that the editor asks again; the definition of a link into c, which a `stat` of c vouches
    // for.
    let early = second.request("textDocument/completion", at(&a, 2, 2));
    assert_eq!(early["isIncomplete"], json!(true), "{early}");
    assert_eq!(labels(&early), ["b", "c"]);
    let into_c = second.request("textDocument/definition", at(&a, 1, 29));
    assert!(
        into_c["uri"].as_str().unwrap_or("").ends_with("/c.md"),
        "{into_c}"
    );
    assert_eq!(into_c["range"]["start"]["line"], json!(1));
    let log = second.wait_log("indexed 3 notes");
    assert!(
        !log.contains("on-disk index:"),
        "answered after the check: {log}"
    );
    // A link into the changed b waits for the check and lands on the heading's new line.
    let into_b = second.request("textDocument/definition", at(&a, 1, 14));
    assert!(
        into_b["uri"].as_str().unwrap_or("").ends_with("/b.md"),
        "{into_b}"
    );
    assert_eq!(into_b["range"]["start"]["line"], json!(2));
    // The check's log line: stderr is read beside stdout, so it may come just after the answer.
    second.wait_log("on-disk index: 2 notes unchanged (0 of them touched), 1 read, 0 gone");
    // Once checked, the same completion is complete.
    let late = second.request("textDocument/completion", at(&a, 2, 2));
    assert_eq!(late["isIncomplete"], json!(false), "{late}");
    assert_eq!(labels(&late), labels(&early));
    assert_eq!(second.shutdown(), 0);
}

#[test]
fn a_restart_answers_names_from_the_index_before_reading_its_notes_and_the_rest_waits() {
    let vault = vault("cache-sketch");
    vault.write("e.md", "# E\n");
    age_file(&vault, "e.md", 2);
    vault.write("pic.png", "png");
    vault.write("old.png", "png");
    let home = cache_home("sketch");
    let first = start(&vault, &home, Value::Null);
    first.wait_log("notes written");
    assert_eq!(first.shutdown(), 0);
    // While no server runs, a note is added and one the index holds is deleted.
    vault.write("d.md", "# D\n");
    age_file(&vault, "d.md", 1);
    std::fs::remove_file(vault.path("e.md")).expect("deleted");
    // And an attachment added, one deleted.
    vault.write("new.pdf", "pdf");
    std::fs::remove_file(vault.path("old.png")).expect("deleted");

    // The full load is held back 5 s once the names are served.
    let mut second = restart_held_with_a_open(&vault, &home, &format!("{A}[[\n![["));
    let a = vault.path("a.md");
    // From the names alone: completion of names (the new note's and attachment's among them,
    // not the deleted ones'), marked incomplete, and the definition of a link to a whole note.
    // The candidates are the image written with the names, brought up to date.
    let early = second.request("textDocument/completion", at(&a, 2, 2));
    assert_eq!(early["isIncomplete"], json!(true), "{early}");
    assert_eq!(sorted_labels(&early), ["b", "c", "d"]);
    let embed = second.request("textDocument/completion", at(&a, 3, 3));
    assert_eq!(sorted_labels(&embed), ["b", "c", "d", "new.pdf", "pic.png"]);
    let into_b = second.request("textDocument/definition", at(&a, 1, 3));
    let log = second.log();
    assert!(
        log.contains("serving names of 4 notes from the on-disk index")
            && log.contains("(completion candidates read from it)")
            && !log.contains("indexed 4 notes"),
        "not answered from the names alone: {log}"
    );
    // A heading is not among the names: that link waits for the full index, and lands on the
    // heading's line.
    let into_sec = second.request("textDocument/definition", at(&a, 1, 14));
    second.wait_log("indexed 4 notes");
    assert!(
        into_sec["uri"].as_str().unwrap_or("").ends_with("/b.md"),
        "{into_sec}"
    );
    assert_eq!(into_sec["range"]["start"]["line"], json!(1));
    // What the names answered is what the full index answers.
    second.wait_log("on-disk index: 3 notes unchanged (0 of them touched), 1 read, 1 gone");
    assert_eq!(
        second.request("textDocument/definition", at(&a, 1, 3)),
        into_b
    );
    let late = second.request("textDocument/completion", at(&a, 2, 2));
    assert_eq!(late["isIncomplete"], json!(false), "{late}");
    assert_eq!(sorted_labels(&late), sorted_labels(&early));
    let late_embed = second.request("textDocument/completion", at(&a, 3, 3));
    assert_eq!(sorted_labels(&late_embed), sorted_labels(&embed));
    second.wait_log("notes written");
    assert_eq!(second.shutdown(), 0);

    // A session that ends while it serves the names leaves the on-disk index as it was.
    let file = cache_file(&home);
    let saved = std::fs::read(&file).expect("index");
    let mut third = restart_held_with_a_open(&vault, &home, &format!("{A}[["));
    // Answered once the names are served (the client answers the server's requests meanwhile).
    third.request("textDocument/completion", at(&a, 2, 2));
    third.wait_log("serving names of 4 notes");
    assert_eq!(third.shutdown(), 0);
    assert!(
        std::fs::read(&file).expect("index") == saved,
        "the index was rewritten"
    );
}

/// An attachment added while no server ran changes no note, but the on-disk index lists the
/// vault's attachments: the restart writes it again (once), and a link to the new attachment
/// resolves.
#[test]
fn an_attachment_added_while_no_server_ran_has_the_index_written_again() {
    let vault = TempVault::new(
        "cache-attachment",
        &[("a.md", "# A\n![[pic.png]] ![[new.png]]\n")],
    );
    vault.write("pic.png", "png");
    age(&vault, 2);
    let home = cache_home("attachment");
    let first = start(&vault, &home, Value::Null);
    first.wait_log("notes written");
    assert_eq!(first.shutdown(), 0);
    let file = cache_file(&home);
    let written = std::fs::read(&file).expect("index");

    // Only the attachment: the note keeps its time, so nothing else makes the index behind.
    vault.write("new.png", "png");
    let mut second = start(&vault, &home, Value::Null);
    second.wait_log("on-disk index: 1 notes unchanged (0 of them touched), 0 read, 0 gone");
    let a = vault.path("a.md");
    let to_new = second.request("textDocument/definition", at(&a, 1, 17));
    assert!(
        to_new.to_string().contains("new.png"),
        "the link to the new attachment: {to_new}"
    );
    second.wait_log("notes written");
    assert_eq!(second.shutdown(), 0);
    let rewritten = std::fs::read(&file).expect("index");
    assert_ne!(rewritten, written, "the index was not written again");

    // Now current: a third start has nothing to write.
    let third = start(&vault, &home, Value::Null);
    third.wait_log("on-disk index: 1 notes unchanged (0 of them touched), 0 read, 0 gone");
    let log = third.shutdown_with_log();
    assert!(
        !log.contains("notes written"),
        "written again with nothing changed: {log}"
    );
    assert!(std::fs::read(&file).expect("index") == rewritten);
}

const BIB: &str =
    "@book{wang2021,\n  author = {Wang, Dan},\n  title = {First Title},\n  year = {2021},\n}\n";

fn hover_on_citation(client: &mut Client, vault: &TempVault) -> String {
    let note = vault.path("cites.md");
    client.request("textDocument/hover", at(&note, 1, 14))["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn bibliographies_come_from_the_on_disk_index_while_unchanged_and_are_read_again_when_changed() {
    let vault = TempVault::new(
        "cache-bib",
        &[
            ("cites.md", "# Cites\nAs argued [@wang2021].\n"),
            ("refs.bib", BIB),
        ],
    );
    age(&vault, 2);
    let home = cache_home("bib");
    let mut first = start(&vault, &home, Value::Null);
    first.wait_log("notes written");
    assert!(hover_on_citation(&mut first, &vault).contains("First Title"));
    assert_eq!(first.shutdown(), 0);

    let mut second = start(&vault, &home, Value::Null);
    let log = second.wait_log("bibliographies unchanged");
    assert!(
        log.contains("on-disk index: 1 bibliographies unchanged, 0 read"),
        "{log}"
    );
    assert!(hover_on_citation(&mut second, &vault).contains("First Title"));
    assert!(
        !log.contains("notes written"),
        "nothing changed, nothing to write: {log}"
    );
    assert_eq!(second.shutdown(), 0);

    // Changed while no server runs: read again, and the index written again with the new parse.
    vault.write(
        "refs.bib",
        &BIB.replace("First Title", "A Second, Longer Title"),
    );
    age(&vault, 1);
    let mut third = start(&vault, &home, Value::Null);
    let log = third.wait_log("bibliographies unchanged");
    assert!(
        log.contains("on-disk index: 0 bibliographies unchanged, 1 read"),
        "{log}"
    );
    let hover = hover_on_citation(&mut third, &vault);
    assert!(hover.contains("A Second, Longer Title"), "{hover}");
    third.wait_log("notes written");
    assert_eq!(third.shutdown(), 0);

    let mut fourth = start(&vault, &home, Value::Null);
    let log = fourth.wait_log("bibliographies unchanged");
    assert!(
        log.contains("on-disk index: 1 bibliographies unchanged, 0 read"),
        "{log}"
    );
    let hover = hover_on_citation(&mut fourth, &vault);
    assert!(hover.contains("A Second, Longer Title"), "{hover}");
    assert_eq!(fourth.shutdown(), 0);
}

/// Ways a cache file goes bad: cut short, a flipped bit in a note, another format version,
/// not ours at all, empty.
fn damaged(good: &[u8]) -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let mut flipped = good.to_vec();
    // In b's parse: its heading `Sec` (texts its file holds are not stored).
    let at = good
        .windows(3)
        .position(|w| w == b"Sec")
        .expect("b's heading is in the cache");
    flipped[at] ^= 0x20;
    let mut newer = good.to_vec();
    newer[8..12].copy_from_slice(&99u32.to_le_bytes());
    vec![
        ("truncated", good[..good.len() / 2].to_vec(), "truncated"),
        ("a flipped bit", flipped, "checksum mismatch"),
        ("a newer format", newer, "file format 99"),
        (
            "foreign",
            b"SQLite format 3\0 and so on and so on".to_vec(),
            "not a notegraph index",
        ),
        ("empty", Vec::new(), "truncated"),
    ]
}

#[test]
fn a_damaged_cache_is_discarded_with_one_log_line_and_the_answers_stay_right() {
    let vault = vault("cache-damaged");
    let home = cache_home("damaged");
    let mut first = start(&vault, &home, Value::Null);
    let expected = answers(&mut first, &vault);
    assert_eq!(first.shutdown(), 0);
    let file = cache_file(&home);
    let good = std::fs::read(&file).expect("cache");
    for (what, bytes, why) in damaged(&good) {
        std::fs::write(&file, &bytes).expect("damage the cache");
        let mut client = start(&vault, &home, Value::Null);
        let got = answers(&mut client, &vault);
        assert_eq!(got, expected, "with a {what} cache");
        let log = client.log();
        assert_eq!(log.matches("discarded").count(), 1, "{what}: {log}");
        assert!(log.contains(why), "{what}: expected {why:?} in {log}");
        assert!(!log.contains("panicked"), "{log}");
        assert_eq!(client.shutdown(), 0, "{what}");
        // The server wrote a good cache again in its place.
        let mut again = start(&vault, &home, Value::Null);
        assert!(
            !again.log().contains("discarded"),
            "{what}: {}",
            again.log()
        );
        assert_eq!(answers(&mut again, &vault), expected);
        assert_eq!(again.shutdown(), 0);
    }
}

#[test]
fn two_servers_and_a_check_on_one_vault_at_once_leave_a_usable_cache() {
    let mut files: Vec<(String, String)> = (0..400)
        .map(|i| {
            (
                format!("n{i}.md"),
                format!(
                    "# N{i}\n[[n{}]] [[b#Sec]]\n{}\n",
                    (i + 1) % 400,
                    "x".repeat(2000)
                ),
            )
        })
        .collect();
    files.extend(
        [("a.md", A), ("b.md", B), ("c.md", C)].map(|(p, t)| (p.to_string(), t.to_string())),
    );
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let vault = TempVault::new("cache-two", &refs);
    age(&vault, 2);
    let home = cache_home("two");
    let home_str = home.to_str().expect("UTF-8").to_string();
    let root = vault.root.to_str().expect("UTF-8").to_string();
    // Two servers write their caches at once (both find none), then again at shutdown after a
    // change on disk each saw, while a `check` writes its own.
    let mut one = start(&vault, &home, Value::Null);
    let mut two = start(&vault, &home, Value::Null);
    let check = std::thread::spawn(move || {
        Command::new(env!("CARGO_BIN_EXE_notegraph"))
            .env("XDG_CACHE_HOME", &home_str)
            .args(["check", &root])
            .output()
    });
    vault.write("n7.md", "# N7 changed\n[[a]]\n");
    let event = json!({"changes": [{"uri": uri(&vault.path("n7.md")), "type": 2}]});
    one.notify("workspace/didChangeWatchedFiles", event.clone());
    two.notify("workspace/didChangeWatchedFiles", event);
    let expected = answers(&mut one, &vault);
    assert_eq!(answers(&mut two, &vault), expected);
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| one.shutdown());
        let b = s.spawn(|| two.shutdown());
        (a.join().expect("one"), b.join().expect("two"))
    });
    assert_eq!((a, b), (0, 0));
    let _ = check.join().expect("check thread");

    let mut third = start(&vault, &home, Value::Null);
    let log = third.wait_log("on-disk index:");
    assert!(!log.contains("discarded"), "{log}");
    assert_eq!(answers(&mut third, &vault), expected);
    assert_eq!(third.shutdown(), 0);
    // No temporary file is left behind.
    let dir = cache_file(&home).parent().expect("folder").to_path_buf();
    let names: Vec<String> = std::fs::read_dir(dir)
        .expect("cache folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["index".to_string()]);
}

fn check(vault: &TempVault, home: &Path) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_notegraph"))
        .env("XDG_CACHE_HOME", home)
        .env("NOTEGRAPH_LOG", "info")
        .args(["check", vault.root.to_str().expect("UTF-8")])
        .output()
        .expect("run check");
    (
        String::from_utf8(out.stdout).expect("UTF-8"),
        String::from_utf8(out.stderr).expect("UTF-8"),
    )
}

#[test]
fn check_uses_the_same_cache_and_reports_the_same() {
    let vault = vault("cache-check");
    let home = cache_home("check");
    let (cold, _) = check(&vault, &home);
    let (warm, log) = check(&vault, &home);
    assert_eq!(warm, cold);
    assert!(
        log.contains("3 notes unchanged (0 of them touched), 0 read, 0 gone"),
        "{log}"
    );
    // A server finds the file `check` wrote.
    let server = start(&vault, &home, Value::Null);
    assert!(
        server
            .wait_log("on-disk index:")
            .contains("3 notes unchanged")
    );
    assert_eq!(server.shutdown(), 0);
    // A change while nothing runs shows in the next report.
    vault.write("c.md", "# C\n[[nowhere]]\n");
    let (changed, _) = check(&vault, &home);
    assert!(
        changed.contains("c.md:2:1: warning: Unresolved link: no note named ‘nowhere’"),
        "{changed}"
    );
    assert!(
        changed.contains("‘c#H’") || changed.contains("heading"),
        "{changed}"
    );
    // `indexCache = false` in .notegraph.toml: nothing is written.
    let off = TempVault::new(
        "cache-check-off",
        &[("a.md", A), (".notegraph.toml", "indexCache = false\n")],
    );
    let off_home = cache_home("check-off");
    check(&off, &off_home);
    assert!(!off_home.join("notegraph").exists());
}

#[test]
fn a_cache_folder_inside_the_vault_is_never_written() {
    let vault = vault("cache-inside");
    let inside = vault.path(".cache");
    let mut client = start(&vault, &inside, Value::Null);
    answers(&mut client, &vault);
    let log = client.log();
    assert_eq!(client.shutdown(), 0);
    assert!(log.contains("is inside the vault"), "{log}");
    check(&vault, &inside);
    assert!(!inside.exists(), "notegraph wrote {}", inside.display());
}

mod touched;
