//! Obsidian's features end to end over stdio: typed properties from `.obsidian/types.json`
//! (diagnostics, key and value completion, hover), daily notes and templates.

use serde_json::{Value, json};

use crate::client::{Client, TempVault, uri};

fn at(path: &std::path::Path, line: u32, character: u32) -> Value {
    json!({"textDocument": {"uri": uri(path)}, "position": {"line": line, "character": character}})
}

fn labels(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            format!(
                "{} ({})",
                i["label"].as_str().unwrap(),
                i["detail"].as_str().unwrap_or("")
            )
        })
        .collect()
}

#[test]
fn typed_properties_over_stdio() {
    let vault = TempVault::new(
        "obsidian-properties",
        &[
            (
                ".obsidian/types.json",
                r#"{"types": {"due": "date", "status": "text"}}"#,
            ),
            ("a.md", "---\nstatus: done\ndue: 2026-13-01\n---\n# A\n"),
            ("b.md", "---\nstatus: done\n---\n"),
            ("c.md", "---\nstatus: open\npriority: 1\n---\n"),
            ("d.md", "---\n\n---\n"),
        ],
    );
    let mut capabilities = Client::editor_capabilities();
    capabilities["textDocument"]["completion"]["completionItem"]["labelDetailsSupport"] =
        json!(true);
    let mut client = Client::start(&vault.root, capabilities);
    client.wait_indexed();
    let a = vault.path("a.md");
    client.open(&a);
    let diagnostics = client.diagnostics(&a, |d| !d.is_empty());
    assert_eq!(
        diagnostics,
        vec![json!({
            "range": {"start": {"line": 2, "character": 5}, "end": {"line": 2, "character": 15}},
            "severity": 2,
            "code": "property-type",
            "source": "notegraph",
            "message": "‘2026-13-01’ is not a date (YYYY-MM-DD): ‘due’ is typed date",
        })]
    );

    let d = vault.path("d.md");
    client.open(&d);
    let keys = client.request("textDocument/completion", at(&d, 1, 0));
    assert_eq!(
        labels(&keys),
        vec![
            "status (3 notes, text)",
            "due (1 note, date)",
            "priority (1 note)"
        ]
    );
    assert_eq!(keys["items"][0]["textEdit"]["newText"], "status: ");
    assert_eq!(keys["items"][0]["kind"], 10);
    // The count stands beside the key in the list, where the client shows label details.
    assert_eq!(
        keys["items"][0]["labelDetails"],
        json!({"description": "3 notes"})
    );

    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&d), "version": 2},
               "contentChanges": [{"text": "---\nstatus: \n---\n"}]}),
    );
    let values = client.request("textDocument/completion", at(&d, 1, 8));
    assert_eq!(labels(&values), vec!["done (2 notes)", "open (1 note)"]);

    // d.md's edit gave it `status:` too: the statistics follow the buffer.
    let hover = client.request("textDocument/hover", at(&a, 1, 2));
    assert_eq!(
        hover["contents"]["value"],
        "**status** — type text; in 4 notes\n\nMost common values:\n- `done` (2)\n- `open` (1)"
    );
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn frontmatter_values_over_stdio_tags_links_and_no_aliases() {
    let vault = TempVault::new(
        "obsidian-values",
        &[
            (
                "a.md",
                "---\ntags: [project/alpha]\nrelated: \"[[Beta]]\"\n---\n",
            ),
            (
                "Beta.md",
                "---\ntags: project/beta\nrelated: \"[[a]]\"\n---\n",
            ),
            (
                "d.md",
                "---\ntags: [proj]\nrelated: Be\naliases: [Al]\n---\n",
            ),
        ],
    );
    let mut client = Client::start(&vault.root, Client::editor_capabilities());
    client.wait_indexed();
    let d = vault.path("d.md");
    client.open(&d);
    // `tags:` completes the vault's tags, nested ones too, as `#` does in the body.
    let tags = client.request("textDocument/completion", at(&d, 1, 11));
    assert_eq!(
        labels(&tags),
        vec!["project/beta (1 note)", "project/alpha (1 note)"]
    );
    assert_eq!(tags["items"][0]["textEdit"]["newText"], "project/beta");
    // A key whose values are links completes notes, written as Obsidian writes them.
    let related = client.request("textDocument/completion", at(&d, 2, 11));
    assert_eq!(labels(&related), vec!["Beta (Beta.md)"]);
    assert_eq!(
        related["items"][0]["textEdit"],
        json!({"range": {"start": {"line": 2, "character": 9}, "end": {"line": 2, "character": 11}},
               "newText": "\"[[Beta]]\""})
    );
    // `aliases:` are the note's own names: nothing to offer.
    let aliases = client.request("textDocument/completion", at(&d, 3, 12));
    assert_eq!(labels(&aliases), Vec::<String>::new());
    assert_eq!(client.shutdown(), 0);
}

fn obsidian_vault(name: &str) -> TempVault {
    TempVault::new(
        name,
        &[
            (
                ".obsidian/daily-notes.json",
                r#"{"folder": "Journal", "format": "YYYY/MM/YYYY-MM-DD", "template": "Templates/Daily"}"#,
            ),
            (
                ".obsidian/templates.json",
                r#"{"folder": "Templates", "timeFormat": "h:mm A"}"#,
            ),
            (
                "Templates/Daily.md",
                "# {{date:dddd, MMMM Do YYYY}}\nWritten at {{time}}.\n",
            ),
            ("Templates/Meeting.md", "# {{title}}\nOn {{date}}.\n"),
            ("Journal/2026/03/2026-03-13.md", "# Friday\n"),
            ("a.md", "See [[Sync notes]].\n"),
        ],
    )
}

const NOW: [(&str, &str); 1] = [("NOTEGRAPH_NOW", "2026-03-14T09:30")];

/// The one `workspace/applyEdit` the server sent, as (created file, its text).
fn created_file(client: &Client) -> (String, String) {
    let edits: Vec<&Value> = client
        .server_requests
        .iter()
        .filter(|r| r["method"] == "workspace/applyEdit")
        .collect();
    assert_eq!(edits.len(), 1, "{edits:?}");
    let ops = edits[0]["params"]["edit"]["documentChanges"]
        .as_array()
        .unwrap();
    assert_eq!(ops[0]["kind"], "create");
    let text = ops[1]["edits"][0]["newText"]
        .as_str()
        .unwrap_or("")
        .to_string();
    (ops[0]["uri"].as_str().unwrap().to_string(), text)
}

fn shown(client: &Client) -> Vec<String> {
    client
        .server_requests
        .iter()
        .filter(|r| r["method"] == "window/showDocument")
        .map(|r| r["params"]["uri"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_daily_note_command_creates_from_the_template_then_shows_it() {
    let vault = obsidian_vault("obsidian-daily");
    let mut client = Client::start_with_env(&vault.root, Client::editor_capabilities(), &NOW);
    client.wait_indexed();
    let today = vault.path("Journal/2026/03/2026-03-14.md");
    let answer = client.request(
        "workspace/executeCommand",
        json!({"command": "notegraph.daily", "arguments": []}),
    );
    assert_eq!(answer, json!({"uri": uri(&today), "created": true}));
    assert_eq!(
        created_file(&client),
        (
            uri(&today),
            "# Saturday, March 14th 2026\nWritten at 9:30 AM.\n".to_string()
        )
    );
    assert_eq!(shown(&client), vec![uri(&today)]);

    // Yesterday's exists: only shown. Helix's command line sends its argument as a string.
    client.server_requests.clear();
    let yesterday = vault.path("Journal/2026/03/2026-03-13.md");
    let answer = client.request(
        "workspace/executeCommand",
        json!({"command": "notegraph.daily", "arguments": ["-1"]}),
    );
    assert_eq!(answer, json!({"uri": uri(&yesterday), "created": false}));
    assert!(
        client
            .server_requests
            .iter()
            .all(|r| r["method"] != "workspace/applyEdit")
    );
    assert_eq!(shown(&client), vec![uri(&yesterday)]);

    let bad = client.send_request(
        "workspace/executeCommand",
        json!({"command": "notegraph.daily", "arguments": ["soon"]}),
    );
    assert_eq!(client.response(bad)["error"]["code"], -32602);

    let a = vault.path("a.md");
    client.open(&a);
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&a), "version": 2},
               "contentChanges": [{"text": "See [[Sync notes]] and [[tomo"}]}),
    );
    let list = client.request("textDocument/completion", at(&a, 0, 29));
    assert_eq!(list["items"][0]["label"], "tomorrow");
    assert_eq!(
        list["items"][0]["detail"],
        "2026-03-15 (daily note, not created yet)"
    );
    assert_eq!(list["items"][0]["textEdit"]["newText"], "2026-03-15]]");
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn templates_over_stdio_actions_and_the_new_note_command() {
    let vault = obsidian_vault("obsidian-templates");
    let mut client = Client::start_with_env(&vault.root, Client::editor_capabilities(), &NOW);
    client.wait_indexed();
    let a = vault.path("a.md");
    client.open(&a);
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&a)},
               "range": {"start": {"line": 0, "character": 8}, "end": {"line": 0, "character": 8}},
               "context": {"diagnostics": []}}),
    );
    let titles: Vec<&str> = actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        vec![
            "Create note ‘Sync notes’ at Sync notes.md",
            "Create ‘Sync notes’ from template ‘Daily’",
            "Create ‘Sync notes’ from template ‘Meeting’",
        ]
    );
    let meeting = &actions[2];
    let ops = &meeting["edit"]["documentChanges"];
    assert_eq!(ops[0]["uri"], uri(&vault.path("Sync notes.md")));
    assert_eq!(
        ops[1]["edits"][0]["newText"],
        "# Sync notes\nOn 2026-03-14.\n"
    );
    assert_eq!(meeting["command"]["command"], "notegraph.open");

    let answer = client.request(
        "workspace/executeCommand",
        json!({"command": "notegraph.newNote", "arguments": ["Standup", "Meeting", "work"]}),
    );
    let standup = vault.path("work/Standup.md");
    assert_eq!(answer, json!({"uri": uri(&standup), "created": true}));
    assert_eq!(
        created_file(&client),
        (uri(&standup), "# Standup\nOn 2026-03-14.\n".to_string())
    );
    assert_eq!(shown(&client), vec![uri(&standup)]);

    let outside = client.send_request(
        "workspace/executeCommand",
        json!({"command": "notegraph.newNote", "arguments": [{"title": "x", "folder": "../.."}]}),
    );
    let error = client.response(outside);
    assert_eq!(error["error"]["code"], -32803, "{error}");
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn templates_added_renamed_and_removed_on_disk_change_the_actions() {
    let vault = obsidian_vault("obsidian-templates-on-disk");
    let mut client = Client::start_with_env(&vault.root, Client::editor_capabilities(), &NOW);
    client.wait_indexed();
    let a = vault.path("a.md");
    client.open(&a);
    let mut titles = |client: &mut Client| -> Vec<String> {
        let actions = client.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri(&a)},
                   "range": {"start": {"line": 0, "character": 8}, "end": {"line": 0, "character": 8}},
                   "context": {"diagnostics": []}}),
        );
        actions
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["title"].as_str().unwrap().to_string())
            .collect()
    };
    // Each change reported as VS Code reports it.
    let events = |client: &mut Client, changes: Value| {
        client.notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": changes}),
        );
    };
    let plain = "Create note ‘Sync notes’ at Sync notes.md".to_string();
    let from = |t: &str| format!("Create ‘Sync notes’ from template ‘{t}’");

    vault.write("Templates/Book.md", "# {{title}}\nBy\n");
    events(
        &mut client,
        json!([{"uri": uri(&vault.path("Templates/Book.md")), "type": 1}]),
    );
    let expected = vec![plain.clone(), from("Book"), from("Daily"), from("Meeting")];
    assert_eq!(wait_titles(&mut client, &mut titles, &expected), expected);

    // A rename is a deletion and a creation.
    std::fs::rename(
        vault.path("Templates/Meeting.md"),
        vault.path("Templates/Standup.md"),
    )
    .unwrap();
    events(
        &mut client,
        json!([{"uri": uri(&vault.path("Templates/Meeting.md")), "type": 3},
               {"uri": uri(&vault.path("Templates/Standup.md")), "type": 1}]),
    );
    let expected = vec![plain.clone(), from("Book"), from("Daily"), from("Standup")];
    assert_eq!(wait_titles(&mut client, &mut titles, &expected), expected);

    std::fs::remove_file(vault.path("Templates/Daily.md")).unwrap();
    std::fs::remove_file(vault.path("Templates/Book.md")).unwrap();
    events(
        &mut client,
        json!([{"uri": uri(&vault.path("Templates/Daily.md")), "type": 3},
               {"uri": uri(&vault.path("Templates/Book.md")), "type": 3}]),
    );
    let expected = vec![plain, from("Standup")];
    assert_eq!(wait_titles(&mut client, &mut titles, &expected), expected);
    assert_eq!(client.shutdown(), 0);
}

/// Ask for the titles until they are `expected` (a disk change is applied off the reactor, after
/// its notification returns), within the client's timeout; the last answer.
fn wait_titles(
    client: &mut Client,
    titles: &mut impl FnMut(&mut Client) -> Vec<String>,
    expected: &[String],
) -> Vec<String> {
    let deadline = std::time::Instant::now() + crate::client::TIMEOUT;
    loop {
        let got = titles(client);
        if got == expected || std::time::Instant::now() > deadline {
            return got;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
