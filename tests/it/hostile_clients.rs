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
