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
    let mut client = Client::start(&vault.root, Client::editor_capabilities());
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
