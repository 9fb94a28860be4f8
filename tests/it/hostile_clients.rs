//! Hostile clients and racing state: what an editor may send (documents of other URI schemes,
//! a note closed and reopened while its file changes on disk, re-indexes that overlap) must
//! never leave the server answering from the wrong text.

use std::path::Path;

use serde_json::{Value, json};

use crate::client::{Client, TempVault, uri};

fn doc(path: &Path) -> Value {
    json!({"uri": uri(path)})
}

/// The names of a note's top-level headings, as `documentSymbol` answers them.
fn headings(client: &mut Client, uri: &str) -> Vec<String> {
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    symbols
        .as_array()
        .map(|all| {
            all.iter()
                .map(|s| s["name"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn open_text(client: &mut Client, uri: &str, version: i32, text: &str) {
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "markdown", "version": version, "text": text}}),
    );
}

#[test]
fn a_note_reopened_while_its_disk_text_is_read_keeps_the_buffer_text() {
    // A large file makes reading and parsing it slow enough for the reopen to land meanwhile.
    let disk = |round: usize| {
        format!(
            "# Disk {round}\n{}",
            "Text on disk. [[Other]]\n".repeat(30_000)
        )
    };
    let vault = TempVault::new(
        "reopen-race",
        &[("Ok.md", &disk(0)), ("Other.md", "# Other\n")],
    );
    let mut client = Client::start(&vault.root, Client::editor_capabilities());
    client.wait_indexed();
    let ok = vault.path("Ok.md");
    let ok_uri = uri(&ok);
    open_text(&mut client, &ok_uri, 1, "# Buffer start\n");
    let mut wrong = Vec::new();
    for round in 1..=20 {
        vault.write("Ok.md", &disk(round));
        client.notify("textDocument/didClose", json!({"textDocument": doc(&ok)}));
        let buffer = format!("# Buffer {round}\n");
        open_text(&mut client, &ok_uri, 1, &buffer);
        // The close is done (its disk refresh included) when it clears the note's diagnostics,
        // the only publish without a version.
        client.wait_for("textDocument/publishDiagnostics", |p| {
            p["uri"] == ok_uri.as_str() && p["version"].is_null()
        });
        let seen = headings(&mut client, &ok_uri);
        if seen != [format!("Buffer {round}")] {
            wrong.push((round, seen));
        }
    }
    assert_eq!(
        wrong,
        Vec::<(usize, Vec<String>)>::new(),
        "rounds answered from the disk text"
    );
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn documents_of_other_schemes_with_a_notes_path_leave_the_note_and_its_buffer_alone() {
    let vault = TempVault::new("schemes", &[("Ok.md", "# Disk\n")]);
    let mut client = Client::start(&vault.root, Client::editor_capabilities());
    client.wait_indexed();
    let ok = vault.path("Ok.md");
    let ok_uri = uri(&ok);
    let path = ok.to_str().unwrap();
    open_text(&mut client, &ok_uri, 1, "# Buffer\n");
    assert_eq!(headings(&mut client, &ok_uri), ["Buffer"]);
    for other in [
        format!("untitled:{path}"),
        format!("vscode-notebook-cell:{path}#cell1"),
        format!("https://example.org{path}"),
        format!("file://otherhost{path}"),
    ] {
        open_text(&mut client, &other, 1, "# Impostor\n");
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": other, "version": 2},
                   "contentChanges": [{"text": "# Impostor changed\n"}]}),
        );
        // Requests on it find no note of the vault; the real note is untouched.
        assert_eq!(
            client.request(
                "textDocument/documentSymbol",
                json!({"textDocument": {"uri": other}})
            ),
            Value::Null,
            "{other}"
        );
        assert_eq!(headings(&mut client, &ok_uri), ["Buffer"], "{other}");
        client.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": other}}),
        );
    }
    // The real buffer is still attached: its edits apply.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": ok_uri, "version": 2},
               "contentChanges": [{"text": "# Edited\n"}]}),
    );
    assert_eq!(headings(&mut client, &ok_uri), ["Edited"]);
    assert_eq!(client.shutdown(), 0);
}

/// The code actions at `line:character` of `path`: (title, URIs of the files each creates).
fn actions_at(
    client: &mut Client,
    path: &Path,
    line: u32,
    character: u32,
) -> Vec<(String, Vec<String>)> {
    let position = json!({"line": line, "character": character});
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": doc(path), "range": {"start": position, "end": position},
               "context": {"diagnostics": []}}),
    );
    actions
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|a| {
            let created = a["edit"]["documentChanges"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .filter(|op| op["kind"] == "create")
                .map(|op| op["uri"].as_str().unwrap_or_default().to_string())
                .collect();
            (a["title"].as_str().unwrap_or_default().to_string(), created)
        })
        .collect()
}

#[test]
fn a_vaults_own_settings_cannot_place_a_literature_note_outside_it() {
    for settings in [
        "[citations]\nliteratureNoteFolder = \"../../../../tmp/x\"\n",
        "[citations]\nliteratureNoteName = \"../../{key}\"\n",
    ] {
        let vault = TempVault::new(
            "literature-outside",
            &[
                (".notegraph.toml", settings),
                ("a.md", "See [@smith2020].\n"),
            ],
        );
        let mut client = Client::start(&vault.root, Client::editor_capabilities());
        client.wait_indexed();
        let a = vault.path("a.md");
        let actions = actions_at(&mut client, &a, 0, 7);
        // The setting is refused (and reported), so the note goes where the default puts it.
        let created: Vec<&String> = actions.iter().flat_map(|(_, c)| c).collect();
        assert_eq!(
            created,
            [&uri(&vault.path("smith2020.md"))],
            "{settings}: {actions:?}"
        );
        assert_eq!(client.shutdown(), 0);
    }
}

#[test]
fn no_note_is_offered_for_creation_where_a_file_the_index_skips_exists() {
    let vault = TempVault::new(
        "create-existing",
        &[
            (".gitignore", "private.md\n"),
            (".notegraph.toml", "exclude = [\"drafts/**\"]\n"),
            ("private.md", "# Private\n"),
            ("drafts/plan.md", "# Plan\n"),
            (".hidden/secret.md", "# Secret\n"),
            (
                "a.md",
                "[[private]] [[drafts/plan]] [[missing]] [[.hidden/secret]] [[big]]\n",
            ),
        ],
    );
    // Over the 16 MB a note may have: skipped by the index, yet a file that exists.
    vault.write("big.md", &"x".repeat(17 << 20));
    let mut client = Client::start(&vault.root, Client::editor_capabilities());
    client.wait_indexed();
    let a = vault.path("a.md");
    // Gitignored, excluded, in a hidden folder, over the size limit.
    for character in [3, 15, 45, 61] {
        let actions = actions_at(&mut client, &a, 0, character);
        assert!(
            actions.iter().all(|(_, created)| created.is_empty()),
            "at {character}: {actions:?}"
        );
    }
    // A note that is truly missing is still offered.
    let actions = actions_at(&mut client, &a, 0, 32);
    assert_eq!(
        actions,
        [(
            "Create note ‘missing’ at missing.md".to_string(),
            vec![uri(&vault.path("missing.md"))]
        )]
    );
    assert_eq!(client.shutdown(), 0);
}

/// Notes enough that building their index takes a while, so that changes land during a build.
fn many_notes(folder: &str) -> Vec<(String, String)> {
    (0..2000)
        .map(|i| {
            (
                format!("{folder}/n{i}.md"),
                format!(
                    "# Note {i}\n{}",
                    "Some words and a [[link]] or two.\n".repeat(20)
                ),
            )
        })
        .collect()
}

fn vault_of(name: &str, files: &[(String, String)]) -> TempVault {
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    TempVault::new(name, &refs)
}

/// The files `workspace/symbol` finds for `query`, as paths relative to `root`.
fn symbols(client: &mut Client, root: &Path, query: &str) -> Vec<String> {
    let found = client.request("workspace/symbol", json!({"query": query}));
    let base = format!("{}/", uri(root));
    found
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|s| s["location"]["uri"].as_str())
        .map(|u| u.strip_prefix(&base).unwrap_or(u).to_string())
        .collect()
}

/// Wait until the log holds `count` lines saying an index build ended (installed or dropped).
fn wait_builds(client: &Client, count: usize) {
    let deadline = std::time::Instant::now() + crate::client::TIMEOUT;
    loop {
        let log = client.log();
        let ended = log
            .lines()
            .filter(|l| l.contains("indexed ") || l.contains("dropped the index"))
            .count();
        if ended >= count {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{ended} builds ended; log:\n{log}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn a_note_created_during_a_settings_reindex_is_indexed() {
    let mut files = many_notes("bulk");
    files.push(("a.md".into(), "# A\n".into()));
    let vault = vault_of("reindex-create", &files);
    let mut client = Client::start(&vault.root, Client::editor_capabilities());
    client.wait_indexed();
    client.notifications.clear();
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"notegraph": {"exclude": ["elsewhere/**"]}}}),
    );
    // The build has listed the vault once it reports progress: this note is not in its list.
    client.wait_for("$/progress", |p| p["value"]["kind"] == "report");
    vault.write("Fresh idea.md", "# Fresh idea\n");
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&vault.path("Fresh idea.md")), "type": 1}]}),
    );
    client.wait_for("$/progress", |p| p["value"]["kind"] == "end");
    // The change is applied again after the new index is installed: poll, bounded.
    let mut found = Vec::new();
    for _ in 0..100 {
        found = symbols(&mut client, &vault.root, "Fresh idea");
        if !found.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // The note and its title heading.
    assert_eq!(found, ["Fresh%20idea.md", "Fresh%20idea.md"]);
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn a_workspace_folder_added_and_at_once_removed_is_not_indexed() {
    let temp = vault_of("folder-race", &many_notes("big"));
    temp.write("small/a.md", "# A\n");
    let (small, big) = (temp.path("small"), temp.path("big"));
    // No progress and no registrations: the server asks the client nothing, so the test may
    // wait on the log without answering requests.
    let mut client = Client::start_with_env(&small, json!({}), &[("NOTEGRAPH_LOG", "info")]);
    wait_builds(&client, 1);
    let folder = json!([{"uri": uri(&big), "name": "big"}]);
    client.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": folder, "removed": []}}),
    );
    // Removed once the build with the big folder has read its roots (it says so; waiting a
    // little does the same where it does not).
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(500);
    while !client.log().contains("(generation 2)") && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    client.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [], "removed": folder}}),
    );
    // The first build, the one with the big folder, and the one without it.
    wait_builds(&client, 3);
    assert_eq!(
        symbols(&mut client, &small, "Note 12"),
        Vec::<String>::new()
    );
    // The note and its title heading.
    assert_eq!(symbols(&mut client, &small, "A"), ["a.md", "a.md"]);
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn an_open_bibliography_stays_a_bibliography_through_a_reindex() {
    let vault = TempVault::new(
        "reindex-bib",
        &[
            ("refs.bib", "@misc{disk2020, title = {From the disk}}\n"),
            ("a.md", "See [@buffer2021].\n"),
        ],
    );
    let mut client = Client::start(&vault.root, Client::editor_capabilities());
    client.wait_indexed();
    client.notifications.clear();
    let refs = vault.path("refs.bib");
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&refs), "languageId": "bibtex", "version": 1,
               "text": "@misc{buffer2021, title = {From the buffer}}\n"}}),
    );
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"notegraph": {"exclude": ["elsewhere/**"]}}}),
    );
    client.wait_for("$/progress", |p| p["value"]["kind"] == "end");
    let a = vault.path("a.md");
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": doc(&a), "position": {"line": 0, "character": 8}}),
    );
    let shown = hover["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        shown.starts_with("**@buffer2021** — *From the buffer*."),
        "{shown}"
    );
    assert_eq!(
        symbols(&mut client, &vault.root, "refs"),
        Vec::<String>::new()
    );
    assert_eq!(client.shutdown(), 0);
}

/// How many symbols a `documentSymbol` answer holds, children included.
fn count_symbols(symbols: &Value) -> usize {
    symbols.as_array().map_or(0, |all| {
        all.iter().map(|s| 1 + count_symbols(&s["children"])).sum()
    })
}

#[test]
fn answers_with_more_items_than_an_editor_can_show_are_cut_with_a_log_line() {
    const MANY: usize = 12_000;
    let headings: String = (0..MANY).map(|i| format!("## H{i}\ntext\n")).collect();
    let vault = TempVault::new(
        "big-answers",
        &[
            ("T.md", "# T\n"),
            ("headings.md", &format!("# Top\n{headings}")),
            ("links.md", &"[[T]] ".repeat(MANY)),
        ],
    );
    let mut client = Client::start(&vault.root, Client::editor_capabilities());
    client.wait_indexed();
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({"textDocument": doc(&vault.path("headings.md"))}),
    );
    assert_eq!(count_symbols(&symbols), 10_000);
    client.wait_log("12001 headings in headings.md: answering with the first 10000");
    let folds = client.request(
        "textDocument/foldingRange",
        json!({"textDocument": doc(&vault.path("headings.md"))}),
    );
    assert_eq!(folds.as_array().map(Vec::len), Some(10_000));
    client.wait_log("12001 folding ranges: answering with the first 10000");

    let links = client.request(
        "textDocument/documentLink",
        json!({"textDocument": doc(&vault.path("links.md"))}),
    );
    assert_eq!(links.as_array().map(Vec::len), Some(10_000));
    client.wait_log("12000 document links: answering with the first 10000");

    let references = client.request(
        "textDocument/references",
        json!({"textDocument": doc(&vault.path("links.md")), "position": {"line": 0, "character": 2},
               "context": {"includeDeclaration": false}}),
    );
    assert_eq!(references.as_array().map(Vec::len), Some(10_000));
    client.wait_log("12000 locations: answering with the first 10000");
    assert_eq!(client.shutdown(), 0);
}
