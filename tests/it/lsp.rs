//! End-to-end: the real binary over stdio, driven as an editor drives it.

use serde_json::{Value, json};

use crate::client::{Client, TempVault, uri};

fn pos(line: u32, character: u32) -> Value {
    json!({"line": line, "character": character})
}

fn at(path: &std::path::Path, line: u32, character: u32) -> Value {
    json!({"textDocument": {"uri": uri(path)}, "position": pos(line, character)})
}

fn labels(result: &Value) -> Vec<String> {
    result["items"]
        .as_array()
        .expect("a completion list")
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect()
}

fn small_vault(name: &str) -> TempVault {
    TempVault::new(
        name,
        &[
            ("a.md", "# A\nSee [[Target]] and [[Missing Note]].\n"),
            (
                "notes/Target.md",
                "---\naliases: [Goal]\n---\n# Target\nThe target note.\n## Details\nMore.\n",
            ),
            ("notes/Other.md", "Links to [[Target#Details]].\n"),
        ],
    )
}

#[test]
fn completion_definition_hover_references_and_diagnostics_over_stdio() {
    let vault = small_vault("core");
    let mut client = Client::start(&vault.root, Client::editor_capabilities());
    client.wait_indexed();
    let a = vault.path("a.md");
    client.open(&a);

    let diagnostics = client.diagnostics(&a, |d| !d.is_empty());
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(
        diagnostics[0]["message"],
        "Unresolved link: no note named ‘Missing Note’ in the vault"
    );
    assert_eq!(
        diagnostics[0]["range"],
        json!({"start": pos(1, 19), "end": pos(1, 35)})
    );
    assert_eq!(diagnostics[0]["code"], "unresolved-note");

    let definition = client.request("textDocument/definition", at(&a, 1, 8));
    assert_eq!(definition["uri"], uri(&vault.path("notes/Target.md")));
    assert_eq!(definition["range"]["start"], pos(0, 0));

    let hover = client.request("textDocument/hover", at(&a, 1, 8));
    let markdown = hover["contents"]["value"].as_str().expect("markdown hover");
    assert!(
        markdown.starts_with("**Target** — `notes/Target.md`\n\naliases: Goal · 2 backlinks"),
        "{markdown}"
    );
    assert!(markdown.contains("The target note."), "{markdown}");
    assert!(
        !markdown.contains("aliases: [Goal]"),
        "frontmatter must be stripped: {markdown}"
    );

    let references = client.request(
        "textDocument/references",
        json!({"textDocument": {"uri": uri(&a)}, "position": pos(1, 8), "context": {"includeDeclaration": false}}),
    );
    let mut found: Vec<String> = references
        .as_array()
        .expect("locations")
        .iter()
        .map(|l| {
            format!(
                "{}:{}",
                l["uri"].as_str().unwrap().rsplit('/').next().unwrap(),
                l["range"]["start"]["line"]
            )
        })
        .collect();
    found.sort();
    assert_eq!(found, ["Other.md:0", "a.md:1"]);

    // Type `[[Go` on a new line: the edit and the completion go back to back.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&a), "version": 2},
               "contentChanges": [{"range": {"start": pos(2, 0), "end": pos(2, 0)}, "text": "[[Go"}]}),
    );
    let completion = client.request("textDocument/completion", at(&a, 2, 4));
    assert_eq!(labels(&completion), ["Goal"]);
    let item = &completion["items"][0];
    assert_eq!(
        item["textEdit"],
        json!({"range": {"start": pos(2, 2), "end": pos(2, 4)}, "newText": "Target|Goal]]"})
    );
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn an_edit_is_seen_by_the_very_next_request() {
    let vault = small_vault("ordering");
    let mut client = Client::start(&vault.root, Client::editor_capabilities());
    client.wait_indexed();
    let a = vault.path("a.md");
    client.open(&a);
    for version in 2..40 {
        // Alternate the link on line 1 between two targets and ask for its definition at once.
        let (text, expected) = if version % 2 == 0 {
            ("Other", "notes/Other.md")
        } else {
            ("Target", "notes/Target.md")
        };
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri(&a), "version": version},
                   "contentChanges": [{"text": format!("# A\nSee [[{text}]].\n")}]}),
        );
        let definition = client.request("textDocument/definition", at(&a, 1, 7));
        assert_eq!(
            definition["uri"],
            uri(&vault.path(expected)),
            "after change {version}"
        );
    }
}

#[test]
fn a_note_created_outside_the_editor_clears_broken_link_diagnostics() {
    let vault = small_vault("created");
    let mut client = Client::start(&vault.root, Client::editor_capabilities());
    client.wait_indexed();
    let a = vault.path("a.md");
    let other = vault.path("notes/Other.md");
    client.open(&a);
    client.open(&other);
    client.diagnostics(&a, |d| d.len() == 1);

    vault.write("inbox/Missing Note.md", "# Missing Note\nnow it exists\n");
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&vault.path("inbox/Missing Note.md")), "type": 1}]}),
    );
    client.diagnostics(&a, |d| d.is_empty());

    // Deleting the heading's note breaks the link in the other open note.
    std::fs::remove_file(vault.path("notes/Target.md")).unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&vault.path("notes/Target.md")), "type": 3}]}),
    );
    let broken = client.diagnostics(&other, |d| !d.is_empty());
    assert_eq!(
        broken[0]["message"],
        "Unresolved link: no note named ‘Target’ in the vault"
    );
}

#[test]
fn without_client_watching_the_server_watches_files_itself() {
    let vault = small_vault("own-watcher");
    let mut client = Client::start(&vault.root, json!({"window": {"workDoneProgress": true}}));
    client.wait_indexed();
    let a = vault.path("a.md");
    client.open(&a);
    client.diagnostics(&a, |d| d.len() == 1);
    vault.write("Missing Note.md", "here now\n");
    client.diagnostics(&a, |d| d.is_empty());
}

#[test]
fn utf8_positions_when_the_client_offers_them_and_utf16_otherwise() {
    let text = "中文😀 [[Target]]\n";
    let vault = TempVault::new("encoding", &[("a.md", text), ("Target.md", "x\n")]);
    for (offered, expected_encoding, link_start) in [
        (json!(["utf-8", "utf-16"]), "utf-8", 11),
        (json!(["utf-16"]), "utf-16", 5),
    ] {
        let mut client = Client::spawn(&["lsp"]);
        let result = client.request(
            "initialize",
            json!({"processId": null, "rootUri": uri(&vault.root),
                   "capabilities": {"general": {"positionEncodings": offered}, "window": {"workDoneProgress": true}}}),
        );
        assert_eq!(
            result["capabilities"]["positionEncoding"],
            expected_encoding
        );
        client.notify("initialized", json!({}));
        client.wait_indexed();
        let a = vault.path("a.md");
        client.open(&a);
        let hover = client.request("textDocument/hover", at(&a, 0, link_start + 3));
        assert_eq!(
            hover["range"]["start"],
            pos(0, link_start),
            "{expected_encoding}"
        );
        assert_eq!(client.shutdown(), 0);
    }
}

#[test]
fn requests_past_the_end_get_empty_answers_and_the_server_keeps_serving() {
    let vault = small_vault("bounds");
    let mut client = Client::start(&vault.root, Client::editor_capabilities());
    client.wait_indexed();
    let a = vault.path("a.md");
    client.open(&a);
    assert_eq!(
        client.request("textDocument/hover", at(&a, 99, 0)),
        Value::Null
    );
    assert_eq!(
        client.request("textDocument/definition", at(&a, 1, 999)),
        Value::Null
    );
    let unknown = vault.path("not-open.md");
    assert_eq!(
        client.request("textDocument/hover", at(&unknown, 0, 0)),
        Value::Null
    );
    let definition = client.request("textDocument/definition", at(&a, 1, 8));
    assert_eq!(definition["uri"], uri(&vault.path("notes/Target.md")));
}

#[test]
fn exit_without_shutdown_is_code_1_and_closed_stdin_ends_the_server() {
    let vault = small_vault("lifecycle");
    let mut client = Client::start(&vault.root, json!({}));
    client.notify("exit", Value::Null);
    assert_eq!(client.wait_exit(), 1);
    let mut client = Client::start(&vault.root, json!({}));
    assert_eq!(client.wait_exit(), 1);
}

#[test]
fn notes_of_one_name_show_their_folder_in_the_list_where_the_client_can_show_it() {
    let vault = TempVault::new(
        "label-details",
        &[
            ("a.md", "[[ind\n"),
            ("reading/index.md", "# Reading\n"),
            ("projects/index.md", "# Projects\n"),
        ],
    );
    let a = vault.path("a.md");
    let shown = |capabilities: Value| {
        let mut client = Client::start(&vault.root, capabilities);
        client.wait_indexed();
        client.open(&a);
        let completion = client.request("textDocument/completion", at(&a, 0, 5));
        let items: Vec<Value> = completion["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| json!([i["label"], i["labelDetails"], i["detail"]]))
            .collect();
        assert_eq!(client.shutdown(), 0);
        items
    };
    let mut capabilities = Client::editor_capabilities();
    capabilities["textDocument"]["completion"]["completionItem"]["labelDetailsSupport"] =
        json!(true);
    assert_eq!(
        shown(capabilities),
        [
            json!(["index", {"description": "projects"}, "projects/index.md"]),
            json!(["index", {"description": "reading"}, "reading/index.md"]),
        ]
    );
    // Without the capability, the path stays in `detail` alone.
    assert_eq!(
        shown(Client::editor_capabilities()),
        [
            json!(["index", null, "projects/index.md"]),
            json!(["index", null, "reading/index.md"]),
        ]
    );
}

/// Editors show a server's stderr as they please (Helix files every line under `[ERROR]`), so
/// by default only warnings and errors are written; `NOTEGRAPH_LOG=info` brings the rest back.
#[test]
fn default_log_holds_warnings_but_no_info_lines() {
    let vault = TempVault::new(
        "log-default",
        &[
            ("a.md", "[[b]]\n"),
            ("b.md", "# B\n"),
            (".notegraph.toml", "mystery = 1\n"),
        ],
    );
    let run = |level: &str| {
        // An empty NOTEGRAPH_LOG is the same as none: the default level.
        let mut client = Client::start_with_env(
            &vault.root,
            Client::editor_capabilities(),
            &[("NOTEGRAPH_LOG", level)],
        );
        client.wait_indexed();
        client.shutdown_with_log()
    };
    let default = run("");
    let levels = |log: &str| -> Vec<String> {
        log.lines()
            .filter_map(|l| l.split_whitespace().nth(1).map(str::to_string))
            .collect()
    };
    assert_eq!(levels(&default), vec!["WARN"], "{default}");
    assert!(
        default.contains("configuration: .notegraph.toml: unknown setting `mystery`"),
        "{default}"
    );
    let info = run("info");
    assert!(info.contains(" INFO "), "{info}");
    assert!(info.contains("indexed 2 notes"), "{info}");
}

/// A closed note's text is kept packed (`index::NoteText`): what a feature reads of it — a
/// hover's preview, the positions of references in it — is its text on the disk, byte for byte,
/// before it is opened, while an unsaved buffer stands for it, and after that buffer is closed.
#[test]
fn a_closed_notes_text_reads_as_on_the_disk_before_it_is_opened_and_after_it_is_closed() {
    let prose = "Ein Absatz über Café-Notizen in 東京. ".repeat(30);
    let disk = format!("# Target\r\n{prose}\r\n😀 [[a]] naïve\r\n");
    let vault = TempVault::new(
        "packed",
        &[
            ("a.md", "# A\nSee [[Target]].\n"),
            ("b.md", "[[a]]\n"),
            ("Target.md", &disk),
        ],
    );
    let mut client = Client::start(&vault.root, Client::editor_capabilities());
    client.wait_indexed();
    let (a, b, target) = (
        vault.path("a.md"),
        vault.path("b.md"),
        vault.path("Target.md"),
    );
    client.open(&a);
    client.open(&b);
    let seen = |client: &mut Client| {
        let hover = client.request("textDocument/hover", at(&a, 1, 7));
        let preview = hover["contents"]["value"]
            .as_str()
            .expect("markdown")
            .to_string();
        let references = client.request(
            "textDocument/references",
            json!({"textDocument": {"uri": uri(&b)}, "position": pos(0, 2), "context": {"includeDeclaration": false}}),
        );
        let mut found: Vec<String> = references
            .as_array()
            .expect("locations")
            .iter()
            .map(|l| {
                let name = l["uri"].as_str().unwrap().rsplit('/').next().unwrap();
                format!("{name} {} {}", l["range"]["start"], l["range"]["end"])
            })
            .collect();
        found.sort();
        (preview, found)
    };
    let on_disk = [
        r#"Target.md {"character":3,"line":2} {"character":8,"line":2}"#.to_string(),
        r#"b.md {"character":0,"line":0} {"character":5,"line":0}"#.to_string(),
    ];
    let (closed, found) = seen(&mut client);
    assert!(closed.contains(prose.trim_end()), "{closed}");
    assert_eq!(found, on_disk);

    // Opened and changed, not saved: the buffer is what every feature reads.
    // Each step waits for the diagnostics the server publishes once it has taken it in.
    let target_uri = uri(&target);
    let published = |client: &mut Client, version: Value| {
        client.wait_for("textDocument/publishDiagnostics", |p| {
            p["uri"] == target_uri.as_str() && p["version"] == version
        })
    };
    client.open(&target);
    published(&mut client, json!(1));
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&target), "version": 2},
               "contentChanges": [{"text": "# Target\nOnly in the buffer: [[a]]\n"}]}),
    );
    published(&mut client, json!(2));
    let (open, found) = seen(&mut client);
    assert!(open.contains("Only in the buffer"), "{open}");
    assert_eq!(
        found,
        [
            r#"Target.md {"character":20,"line":1} {"character":25,"line":1}"#,
            r#"b.md {"character":0,"line":0} {"character":5,"line":0}"#
        ]
    );

    // Closed without saving: the disk's text again, exactly as before (read again before the
    // server clears the buffer's diagnostics, with no version).
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri(&target)}}),
    );
    published(&mut client, Value::Null);
    assert_eq!(seen(&mut client), (closed, on_disk.to_vec()));
    assert_eq!(client.shutdown(), 0);
}
