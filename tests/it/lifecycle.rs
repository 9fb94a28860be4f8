//! Lifecycle as the specification says: `shutdown` then `exit` is code 0, `exit` alone is code
//! 1, requests after `shutdown` are refused, and stdin closed by a crashed editor ends the
//! server — mid-session, with requests in flight, or while the index is being built.

use serde_json::{Value, json};

use crate::client::{Client, TempVault, uri};

const INVALID_REQUEST: i64 = -32600;

fn vault(name: &str, notes: usize) -> TempVault {
    let vault = TempVault::new(name, &[("a.md", "[[b]]\n"), ("b.md", "# B\n")]);
    for i in 0..notes {
        vault.write(&format!("bulk/n{i}.md"), &"[[a]] [[b]] text\n".repeat(50));
    }
    vault
}

#[test]
fn after_shutdown_requests_are_refused_and_exit_is_code_0() {
    let vault = vault("after-shutdown", 0);
    let mut client = Client::start(&vault.root, Client::editor_capabilities());
    client.wait_indexed();
    assert_eq!(client.request("shutdown", Value::Null), Value::Null);
    let id = client.send_request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&vault.path("a.md"))}, "position": {"line": 0, "character": 3}}),
    );
    assert_eq!(client.response(id)["error"]["code"], INVALID_REQUEST);
    let id = client.send_request("shutdown", Value::Null);
    assert_eq!(client.response(id)["error"]["code"], INVALID_REQUEST);
    client.notify("exit", Value::Null);
    assert_eq!(client.wait_exit(), 0);
}

#[test]
fn exit_without_shutdown_is_code_1_even_while_indexing() {
    let vault = vault("exit-indexing", 2_000);
    let mut client = Client::start(&vault.root, json!({}));
    client.notify("exit", Value::Null);
    assert_eq!(client.wait_exit(), 1);
}

#[test]
fn stdin_closed_by_a_crashed_editor_ends_the_server_mid_session_with_requests_in_flight() {
    let vault = vault("crashed-editor", 0);
    let mut client = Client::start(&vault.root, Client::editor_capabilities());
    client.wait_indexed();
    let a = vault.path("a.md");
    client.open(&a);
    for line in 0..50 {
        client.send_request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri(&a)}, "position": {"line": line % 2, "character": 3}}),
        );
    }
    // Half a message, then nothing: the editor died while writing.
    client.send_bytes(b"Content-Length: 120\r\n\r\n{\"jsonrpc\":");
    client.close_stdin();
    assert_eq!(client.wait_exit(), 1);
}

#[test]
fn stdin_closed_while_the_index_is_built_ends_the_server() {
    let vault = vault("crashed-indexing", 2_000);
    let mut client = Client::start(&vault.root, json!({}));
    client.close_stdin();
    assert_eq!(client.wait_exit(), 1);
}

#[test]
fn stdin_closed_after_shutdown_is_code_0() {
    let vault = vault("closed-after-shutdown", 0);
    let mut client = Client::start(&vault.root, Client::editor_capabilities());
    client.wait_indexed();
    assert_eq!(client.request("shutdown", Value::Null), Value::Null);
    client.close_stdin();
    assert_eq!(client.wait_exit(), 0);
}

fn frame(message: &Value) -> Vec<u8> {
    let body = serde_json::to_string(message).expect("serialise");
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

#[test]
fn a_client_that_sends_initialized_and_opens_a_note_before_the_initialize_answer_gets_one_index() {
    let vault = vault("pipelined-handshake", 20);
    let mut client = Client::spawn_with_env(&["lsp"], &[("NOTEGRAPH_LOG", "info")]);
    let a = vault.path("a.md");
    // One write: the handshake and an open buffer, before any answer is read (out of spec, but
    // some clients pipeline). The transport dropped every notification before its answer to
    // `initialize`, `initialized` too, and so never indexed.
    let mut bytes = frame(
        &json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "processId": null,
            "rootUri": uri(&vault.root),
            "workspaceFolders": [{"uri": uri(&vault.root), "name": "vault"}],
            "capabilities": Client::editor_capabilities(),
        }}),
    );
    bytes.extend(frame(
        &json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
    ));
    bytes.extend(frame(
        &json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
            "textDocument": {"uri": uri(&a), "languageId": "markdown", "version": 1,
                             "text": "# Buffer\n[[b]]\n"},
        }}),
    ));
    client.send_bytes(&bytes);
    assert!(client.response(0)["result"]["capabilities"].is_object());
    client.wait_indexed();
    // The open buffer is the note's text, and the index holds the whole vault.
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri(&a)}}),
    );
    assert_eq!(symbols[0]["name"], "Buffer");
    let references = client.request(
        "textDocument/references",
        json!({"textDocument": {"uri": uri(&a)},
               "position": {"line": 1, "character": 3},
               "context": {"includeDeclaration": false}}),
    );
    // The buffer's link, and the 50 of each of the 20 bulk notes.
    assert_eq!(references.as_array().map(Vec::len), Some(1 + 50 * 20));
    let log = client.shutdown_with_log();
    let builds: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("indexed ") && l.contains(" notes in "))
        .collect();
    assert_eq!(builds.len(), 1, "{builds:?}");
    assert!(builds[0].contains("indexed 22 notes"), "{builds:?}");
}
