//! Navigation and configuration end to end: symbols, folding, document links, semantic tokens,
//! code actions, and `.notegraph.toml` layered under the client's settings.

use serde_json::{Value, json};

use crate::client::{Client, TempVault, uri};
use crate::refactor::apply_edit;

fn doc(path: &std::path::Path) -> Value {
    json!({"textDocument": {"uri": uri(path)}})
}

fn range(l1: u32, c1: u32, l2: u32, c2: u32) -> Value {
    json!({"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}})
}

fn vault(name: &str) -> TempVault {
    TempVault::new(
        name,
        &[
            (
                "a.md",
                "---\ntags: [x]\n---\n# Alpha\n[[b]] [[Nope]] #t\n## Sub\n- one\n- two\n",
            ),
            ("b.md", "# Beta\n## Details\n"),
            (
                ".notegraph.toml",
                "newNoteFolder = \"inbox\"\nmystery = 1\n[diagnostics]\nunresolved-note = \"error\"\n",
            ),
        ],
    )
}

#[test]
fn symbols_folding_links_and_tokens_over_stdio() {
    let vault = vault("navigate");
    let mut client = Client::start(&vault.root, Client::editor_capabilities());
    client.wait_indexed();
    let a = vault.path("a.md");
    client.open(&a);

    let symbols = client.request("textDocument/documentSymbol", doc(&a));
    assert_eq!(symbols[0]["name"], "Alpha");
    assert_eq!(symbols[0]["range"], range(3, 0, 7, 5));
    assert_eq!(symbols[0]["children"][0]["name"], "Sub");

    let found = client.request("workspace/symbol", json!({"query": "detail"}));
    assert_eq!(found[0]["name"], "Details");
    assert_eq!(found[0]["containerName"], "b");
    assert_eq!(found[0]["location"]["uri"], uri(&vault.path("b.md")));

    let folds = client.request("textDocument/foldingRange", doc(&a));
    let lines: Vec<(u64, u64)> = folds
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["startLine"].as_u64().unwrap(),
                f["endLine"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(lines, vec![(0, 2), (3, 7), (5, 7), (6, 7)]);

    let links = client.request("textDocument/documentLink", doc(&a));
    assert_eq!(
        links,
        json!([{"range": range(4, 0, 4, 5), "target": uri(&vault.path("b.md"))}])
    );

    let tokens = client.request("textDocument/semanticTokens/full", doc(&a));
    // [[b]] resolved (type 0), [[Nope]] unresolved (1), #t tag (3); all on line 4.
    assert_eq!(
        tokens["data"],
        json!([4, 0, 5, 0, 0, 0, 6, 8, 1, 0, 0, 9, 2, 3, 0])
    );
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn notegraph_toml_sets_severity_and_new_note_folder_and_reports_unknown_keys() {
    let vault = vault("configured");
    let mut client = Client::start(&vault.root, Client::editor_capabilities());
    let message = client.wait_for("window/showMessage", |_| true);
    assert_eq!(
        message["message"],
        "notegraph configuration: .notegraph.toml: unknown setting `mystery`"
    );
    client.wait_indexed();
    let a = vault.path("a.md");
    client.open(&a);
    let diagnostics = client.diagnostics(&a, |d| !d.is_empty());
    assert_eq!(diagnostics[0]["code"], "unresolved-note");
    assert_eq!(diagnostics[0]["severity"], 1, "error, from .notegraph.toml");

    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&a)}, "range": range(4, 8, 4, 8),
               "context": {"diagnostics": diagnostics}}),
    );
    let create = &actions[0];
    assert_eq!(create["title"], "Create note ‘Nope’ at inbox/Nope.md");
    assert_eq!(create["kind"], "quickfix");
    assert_eq!(create["isPreferred"], true);
    assert_eq!(create["diagnostics"][0]["code"], "unresolved-note");
    assert_eq!(create["command"]["command"], "notegraph.open");
    apply_edit(&create["edit"]);
    assert!(vault.path("inbox/Nope.md").is_file());
    // The client tells the server about the new file; the link heals.
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&vault.path("inbox/Nope.md")), "type": 1}]}),
    );
    client.diagnostics(&a, |d| d.is_empty());
}

#[test]
fn client_settings_win_over_notegraph_toml() {
    let vault = vault("client-wins");
    let mut client = Client::spawn(&["lsp"]);
    client.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": uri(&vault.root),
            "capabilities": Client::editor_capabilities(),
            "initializationOptions": {"diagnostics": {"unresolved-note": "hint"}},
        }),
    );
    client.notify("initialized", json!({}));
    client.wait_indexed();
    let a = vault.path("a.md");
    client.open(&a);
    let diagnostics = client.diagnostics(&a, |d| !d.is_empty());
    assert_eq!(
        diagnostics[0]["severity"], 4,
        "hint, from initializationOptions"
    );
}

#[test]
fn an_added_workspace_folder_is_indexed_and_a_removed_one_forgotten() {
    let first = TempVault::new("folders-a", &[("a.md", "[[b]]\n"), ("b.md", "# B\n")]);
    let second = TempVault::new("folders-b", &[("x.md", "[[y]]\n"), ("y.md", "# Y\n")]);
    let mut client = Client::start(&first.root, Client::editor_capabilities());
    client.wait_indexed();
    let x = second.path("x.md");
    let at_x = json!({"textDocument": {"uri": uri(&x)}, "position": {"line": 0, "character": 3}});
    assert_eq!(
        client.request("textDocument/definition", at_x.clone()),
        Value::Null
    );

    let folder = |vault: &TempVault| json!({"uri": uri(&vault.root), "name": "v"});
    client.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [folder(&second)], "removed": [folder(&first)]}}),
    );
    client.wait_indexed();
    let definition = client.request("textDocument/definition", at_x);
    assert_eq!(definition["uri"], uri(&second.path("y.md")));
    let at_a = json!({"textDocument": {"uri": uri(&first.path("a.md"))},
                      "position": {"line": 0, "character": 3}});
    assert_eq!(client.request("textDocument/definition", at_a), Value::Null);
    assert_eq!(client.shutdown(), 0);
}
