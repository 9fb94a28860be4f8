//! The vault's settings files changed on disk while the server runs — `.obsidian/types.json`,
//! `daily-notes.json`, `templates.json` and `.notegraph.toml` — take effect without a restart,
//! whether the client watches the files (and sends `workspace/didChangeWatchedFiles`, as VS Code
//! does) or the server's own watcher sees them (Neovim on Linux, Helix).

use serde_json::{Value, json};

use crate::client::{Client, TempVault, uri};

const NOW: [(&str, &str); 1] = [("NOTEGRAPH_NOW", "2026-03-14T09:30")];

fn vault(name: &str) -> TempVault {
    TempVault::new(
        name,
        &[
            (".obsidian/types.json", r#"{"types": {"due": "date"}}"#),
            (
                ".obsidian/daily-notes.json",
                r#"{"folder": "Journal", "format": "YYYY-MM-DD"}"#,
            ),
            (".obsidian/templates.json", r#"{"folder": "Templates"}"#),
            ("Templates/Meeting.md", "# {{title}}\n"),
            ("Snippets/Letter.md", "Dear {{title}},\n"),
            (
                "a.md",
                "---\ndue: soon\nrating: many\n---\nSee [[Sync notes]].\n",
            ),
        ],
    )
}

/// (code, severity, message) of each diagnostic.
fn summary(diagnostics: &[Value]) -> Vec<(String, u64, String)> {
    diagnostics
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or("").to_string(),
                d["severity"].as_u64().unwrap_or(0),
                d["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn unresolved(severity: u64) -> (String, u64, String) {
    (
        "unresolved-note".to_string(),
        severity,
        "Unresolved link: no note named ‘Sync notes’ in the vault".to_string(),
    )
}

fn not_a_date() -> (String, u64, String) {
    (
        "property-type".to_string(),
        2,
        "‘soon’ is not a date (YYYY-MM-DD): ‘due’ is typed date".to_string(),
    )
}

fn not_a_number() -> (String, u64, String) {
    (
        "property-type".to_string(),
        2,
        "‘many’ is not a number: ‘rating’ is typed number".to_string(),
    )
}

/// Send the event VS Code sends for `rel` (1 created, 2 changed, 3 deleted), forgetting the
/// notifications seen before it.
fn changed(client: &mut Client, vault: &TempVault, rel: &str, kind: u8) {
    client.notifications.clear();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&vault.path(rel)), "type": kind}]}),
    );
}

/// Wait until `path`'s diagnostics are published as `expected` (the client's wait fails the
/// test if they never are). Each change is seen twice — the client's event and the server's
/// own watcher — and each publishes what the disk held when it was handled, so a publish of the
/// step before may still be on its way when a step starts; the last publish is the disk's
/// latest state.
fn diagnostics_become(
    client: &mut Client,
    path: &std::path::Path,
    expected: Vec<(String, u64, String)>,
) {
    let got = client.diagnostics(path, |d| summary(d) == expected);
    assert_eq!(summary(&got), expected);
}

fn action_titles(client: &mut Client, path: &std::path::Path) -> Vec<String> {
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(path)},
               "range": {"start": {"line": 4, "character": 8}, "end": {"line": 4, "character": 8}},
               "context": {"diagnostics": []}}),
    );
    actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap().to_string())
        .collect()
}

/// Ask for `path`'s code actions until their titles are `expected`, for at most 20 s (as long
/// as the client waits for any answer); then the last titles must be those.
fn titles_become(client: &mut Client, path: &std::path::Path, expected: Vec<&str>) {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut titles = action_titles(client, path);
    while titles != expected && std::time::Instant::now() < until {
        std::thread::sleep(std::time::Duration::from_millis(50));
        titles = action_titles(client, path);
    }
    assert_eq!(titles, expected);
}

/// Run `notegraph.daily` until it answers `expected`, for at most 20 s; then the last answer
/// must be that. An answer by the old settings opens or creates the old folder's note, which
/// no later step looks at.
fn daily_becomes(client: &mut Client, expected: Value) {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let daily = |client: &mut Client| {
        client.request(
            "workspace/executeCommand",
            json!({"command": "notegraph.daily", "arguments": []}),
        )
    };
    let mut answer = daily(client);
    while answer != expected && std::time::Instant::now() < until {
        std::thread::sleep(std::time::Duration::from_millis(50));
        answer = daily(client);
    }
    assert_eq!(answer, expected);
}

#[test]
fn settings_files_changed_on_disk_take_effect_without_a_restart() {
    let vault = vault("settings-files-watched");
    let mut client = Client::start_with_env(&vault.root, Client::editor_capabilities(), &NOW);
    client.wait_indexed();
    let a = vault.path("a.md");
    client.open(&a);
    let first = client.diagnostics(&a, |d| !d.is_empty());
    assert_eq!(summary(&first), vec![not_a_date(), unresolved(2)]);

    // Property types: the open note's diagnostics are published again, by the new types.
    vault.write(".obsidian/types.json", r#"{"types": {"rating": "number"}}"#);
    changed(&mut client, &vault, ".obsidian/types.json", 2);
    diagnostics_become(&mut client, &a, vec![not_a_number(), unresolved(2)]);
    std::fs::remove_file(vault.path(".obsidian/types.json")).unwrap();
    changed(&mut client, &vault, ".obsidian/types.json", 3);
    diagnostics_become(&mut client, &a, vec![unresolved(2)]);

    // `.notegraph.toml`, created: its severities apply.
    vault.write(
        ".notegraph.toml",
        "[diagnostics]\nunresolved-note = \"error\"\n",
    );
    changed(&mut client, &vault, ".notegraph.toml", 1);
    diagnostics_become(&mut client, &a, vec![unresolved(1)]);

    // Daily notes: the command follows the new folder and format.
    vault.write(
        ".obsidian/daily-notes.json",
        r#"{"folder": "Days", "format": "DD.MM.YYYY"}"#,
    );
    changed(&mut client, &vault, ".obsidian/daily-notes.json", 2);
    // No publish marks this change handled (the next one may be the step before's second):
    // ask until the answer is in the new folder.
    daily_becomes(
        &mut client,
        json!({"uri": uri(&vault.path("Days/14.03.2026.md")), "created": true}),
    );

    // Templates: the actions list the new folder's notes.
    assert_eq!(
        action_titles(&mut client, &a),
        vec![
            "Create note ‘Sync notes’ at Sync notes.md",
            "Create ‘Sync notes’ from template ‘Meeting’",
        ]
    );
    vault.write(".obsidian/templates.json", r#"{"folder": "Snippets"}"#);
    changed(&mut client, &vault, ".obsidian/templates.json", 2);
    // The next publish may still be the daily-notes step's second one (see
    // `diagnostics_become`): ask until the change is handled.
    titles_become(
        &mut client,
        &a,
        vec![
            "Create note ‘Sync notes’ at Sync notes.md",
            "Create ‘Sync notes’ from template ‘Letter’",
        ],
    );
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn without_client_watching_the_server_sees_its_settings_files_change() {
    let vault = vault("settings-files-own-watcher");
    let mut client = Client::start(&vault.root, json!({"window": {"workDoneProgress": true}}));
    client.wait_indexed();
    let a = vault.path("a.md");
    client.open(&a);
    let first = client.diagnostics(&a, |d| !d.is_empty());
    assert_eq!(summary(&first), vec![not_a_date(), unresolved(2)]);
    // The watcher may see the write in steps (truncated, then written): wait for the last.
    vault.write(".obsidian/types.json", r#"{"types": {"rating": "number"}}"#);
    let expected = vec![not_a_number(), unresolved(2)];
    let last = client.diagnostics(&a, |d| summary(d) == expected);
    assert_eq!(summary(&last), expected);
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn a_client_that_watches_files_but_reports_no_outside_edit_still_gets_the_new_types() {
    // As Helix does: it takes the file-watching registration, then reports only the files
    // written in it. Obsidian's edit of types.json is no write of the editor's.
    let vault = vault("settings-files-silent-client");
    let mut client = Client::start(&vault.root, Client::editor_capabilities());
    client.wait_indexed();
    assert!(
        client
            .server_requests
            .iter()
            .any(|r| r["method"] == "client/registerCapability"),
        "the client watches files for the server"
    );
    let a = vault.path("a.md");
    client.open(&a);
    let first = client.diagnostics(&a, |d| !d.is_empty());
    assert_eq!(summary(&first), vec![not_a_date(), unresolved(2)]);
    client.notifications.clear();
    vault.write(".obsidian/types.json", r#"{"types": {"rating": "number"}}"#);
    let expected = vec![not_a_number(), unresolved(2)];
    let last = client.diagnostics(&a, |d| summary(d) == expected);
    assert_eq!(summary(&last), expected);
    // `.obsidian` made afresh (a vault Obsidian opens for the first time) is watched too.
    std::fs::remove_dir_all(vault.path(".obsidian")).unwrap();
    let expected = vec![unresolved(2)];
    client.diagnostics(&a, |d| summary(d) == expected);
    vault.write(".obsidian/types.json", r#"{"types": {"due": "date"}}"#);
    let expected = vec![not_a_date(), unresolved(2)];
    let last = client.diagnostics(&a, |d| summary(d) == expected);
    assert_eq!(summary(&last), expected);
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn a_pulling_client_is_asked_to_refresh_and_pulls_the_new_types() {
    let vault = vault("settings-files-pull");
    let mut client = Client::spawn(&["lsp"]);
    let mut capabilities = Client::editor_capabilities();
    capabilities["textDocument"]["diagnostic"] = json!({});
    capabilities["workspace"]["diagnostics"] = json!({"refreshSupport": true});
    client.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&vault.root),
               "workspaceFolders": [{"uri": uri(&vault.root), "name": "vault"}],
               "capabilities": capabilities}),
    );
    client.notify("initialized", json!({}));
    client.wait_indexed();
    let a = vault.path("a.md");
    client.open(&a);
    let pull = |client: &mut Client, previous: Option<&str>| {
        client.request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": uri(&a)}, "previousResultId": previous}),
        )
    };
    let first = pull(&mut client, None);
    let items = first["items"].as_array().unwrap();
    assert_eq!(summary(items), vec![not_a_date(), unresolved(2)]);
    let first_id = first["resultId"].as_str().unwrap().to_string();

    client.server_requests.clear();
    vault.write(".obsidian/types.json", r#"{"types": {"rating": "number"}}"#);
    changed(&mut client, &vault, ".obsidian/types.json", 2);
    // The server asks the client to pull again (the test client answers as an editor does;
    // `recv` fails the test when nothing comes), and pulls. The change is seen twice — the
    // client's event and the server's own watcher of the settings files, which may see the
    // write in steps (truncated, then written) — so a refresh may come for a step before the
    // last: each refresh is followed by a pull, until the pull has the new types.
    let expected = vec![not_a_number(), unresolved(2)];
    let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut previous = first_id;
    loop {
        while !client
            .server_requests
            .iter()
            .any(|r| r["method"] == "workspace/diagnostic/refresh")
        {
            client.recv();
        }
        client.server_requests.clear();
        let next = pull(&mut client, Some(&previous));
        // A refresh for a step that changed nothing since the last pull is answered
        // `unchanged`: the next refresh is waited for.
        if next["kind"] == "unchanged" {
            continue;
        }
        assert_eq!(next["kind"], "full", "{next}");
        let items = summary(next["items"].as_array().unwrap());
        if items == expected || std::time::Instant::now() > until {
            assert_eq!(items, expected);
            break;
        }
        previous = next["resultId"].as_str().unwrap().to_string();
    }
    assert_eq!(client.shutdown(), 0);
}

/// The settings files' own watcher (beside a client that watches the rest) is armed once the
/// first index serves, as a watch on the root folder is told of every note read there: a
/// settings file written after the settings were read and before that arming still takes
/// effect, found by comparing what `stat` says of the files then and now.
#[test]
fn a_settings_file_written_while_the_first_index_is_read_takes_effect() {
    let vault = vault("settings-files-while-read");
    let mut client = Client::start_with_env(
        &vault.root,
        Client::editor_capabilities(),
        &[
            ("NOTEGRAPH_NOW", NOW[0].1),
            ("NOTEGRAPH_TEST_READ_DELAY_MS", "1500"),
        ],
    );
    // Every file read (the index is then held back 1.5 s, the settings files unwatched).
    client.wait_for("$/progress", |p| p["value"]["percentage"] == 100);
    vault.write(".obsidian/types.json", r#"{"types": {"rating": "number"}}"#);
    client.wait_indexed();
    let a = vault.path("a.md");
    client.open(&a);
    diagnostics_become(&mut client, &a, vec![not_a_number(), unresolved(2)]);
    assert_eq!(client.shutdown(), 0);
}
