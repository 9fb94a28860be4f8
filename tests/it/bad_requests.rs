//! Bad requests: a panicking handler, requests before `initialize`, unknown methods, malformed
//! params and JSON, positions past the end, documents outside the workspace or not open, stale
//! and out-of-range `didChange`s. Each gets an LSP error or a logged ignore, and the server keeps
//! serving: every test ends with a request that must still be answered correctly.

use std::path::Path;

use serde_json::{Value, json};

use crate::client::{Client, TempVault, uri};

const INTERNAL_ERROR: i64 = -32603;
const INVALID_PARAMS: i64 = -32602;
const METHOD_NOT_FOUND: i64 = -32601;
const INVALID_REQUEST: i64 = -32600;
const SERVER_NOT_INITIALIZED: i64 = -32002;

fn at(path: &Path, line: u32, character: u32) -> Value {
    json!({"textDocument": {"uri": uri(path)}, "position": {"line": line, "character": character}})
}

fn error_code(response: &Value) -> i64 {
    response["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("expected an error answer, got {response}"))
}

fn vault(name: &str) -> TempVault {
    TempVault::new(
        name,
        &[
            ("a.md", "# A\n[[Target]] BOOM-ON-THIS-LINE\n[[Target]]\n"),
            ("Target.md", "# Target\nThe target.\n"),
            ("Other.md", "# Other\n"),
        ],
    )
}

/// Definition of the link at line `line` of `a.md`, as the target file's name.
fn definition_name(client: &mut Client, a: &Path, line: u32) -> String {
    let definition = client.request("textDocument/definition", at(a, line, 3));
    definition["uri"].as_str().map_or("null".to_string(), |u| {
        u.rsplit('/').next().unwrap().to_string()
    })
}

#[test]
fn a_panicking_handler_is_answered_with_internal_error_logged_and_the_next_request_is_served() {
    let vault = vault("panic");
    let mut client = Client::start_with_env(
        &vault.root,
        Client::editor_capabilities(),
        &[("NOTEGRAPH_DEBUG_PANIC", "BOOM-ON-THIS-LINE")],
    );
    client.wait_indexed();
    let a = vault.path("a.md");
    client.open(&a);
    // Every request kind that reads a note goes through the hook; each panic costs one answer.
    for method in [
        "textDocument/hover",
        "textDocument/definition",
        "textDocument/completion",
        "textDocument/hover",
    ] {
        let id = client.send_request(method, at(&a, 1, 3));
        let response = client.response(id);
        assert_eq!(
            error_code(&response),
            INTERNAL_ERROR,
            "{method}: {response}"
        );
        let message = response["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("notegraph failed on {method}: ")),
            "{message}"
        );
        // The next request, on a line without the marker, is served normally.
        assert_eq!(definition_name(&mut client, &a, 2), "Target.md");
    }
    let log = client.wait_log("handler for textDocument/completion panicked");
    assert!(
        log.contains("handler for textDocument/hover panicked: NOTEGRAPH_DEBUG_PANIC test hook"),
        "{log}"
    );
    // Edits still apply after the panics, and a clean shutdown is still possible.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&a), "version": 2},
               "contentChanges": [{"text": "# A\nx\n[[Other]]\n"}]}),
    );
    assert_eq!(definition_name(&mut client, &a, 2), "Other.md");
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn without_the_debug_variable_the_panic_marker_is_plain_text() {
    let vault = vault("no-panic");
    let mut client = Client::start(&vault.root, Client::editor_capabilities());
    client.wait_indexed();
    let a = vault.path("a.md");
    client.open(&a);
    assert_eq!(definition_name(&mut client, &a, 1), "Target.md");
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn requests_before_initialize_are_refused_then_initialize_works() {
    let vault = vault("before-init");
    let a = vault.path("a.md");
    let mut client = Client::spawn(&["lsp"]);
    let id = client.send_request("textDocument/hover", at(&a, 1, 3));
    assert_eq!(error_code(&client.response(id)), SERVER_NOT_INITIALIZED);
    let id = client.send_request("shutdown", Value::Null);
    assert_eq!(error_code(&client.response(id)), SERVER_NOT_INITIALIZED);
    // A notification before initialize is dropped, not applied.
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&a), "languageId": "markdown", "version": 1,
                                "text": "[[Other]]\n[[Other]]\n[[Other]]\n"}}),
    );
    let result = client.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&vault.root),
               "capabilities": {"window": {"workDoneProgress": true}}}),
    );
    assert!(result["capabilities"].is_object());
    // A second initialize is an invalid request.
    let id = client.send_request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&vault.root), "capabilities": {}}),
    );
    assert_eq!(error_code(&client.response(id)), INVALID_REQUEST);
    client.notify("initialized", json!({}));
    client.wait_indexed();
    // The note is as on disk: the early didOpen was not applied.
    assert_eq!(definition_name(&mut client, &a, 1), "Target.md");
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn unknown_methods_malformed_params_and_malformed_json_get_errors_and_serving_goes_on() {
    let vault = vault("malformed");
    let mut client = Client::start(&vault.root, Client::editor_capabilities());
    client.wait_indexed();
    let a = vault.path("a.md");
    client.open(&a);

    let id = client.send_request("notegraph/noSuchMethod", json!({}));
    assert_eq!(error_code(&client.response(id)), METHOD_NOT_FOUND);
    // Unknown notifications, `$/` ones included, are ignored without an answer.
    client.notify("custom/whatever", json!({"x": 1}));
    client.notify("$/unknownNotification", json!([1, 2]));

    for params in [
        json!({"textDocument": 5}),
        json!({"textDocument": {"uri": uri(&a)}, "position": {"line": -1, "character": 0}}),
        json!({"textDocument": {"uri": "not a uri"}, "position": {"line": 0, "character": 0}}),
        json!([1, 2, 3]),
        Value::Null,
    ] {
        let id = client.send_request("textDocument/hover", params.clone());
        assert_eq!(error_code(&client.response(id)), INVALID_PARAMS, "{params}");
    }
    // Malformed notifications are dropped.
    client.notify("textDocument/didChange", json!({"textDocument": 1}));
    client.notify("textDocument/didOpen", Value::Null);

    // Unreadable messages are dropped with a log line; the connection stays up.
    client.send_raw(b"{ this is not json");
    client.wait_log("dropped an unreadable message (not a JSON-RPC message");
    client.send_raw(b"[1, 2, 3]");
    client.send_raw(b"\"just a string\"");
    client.send_raw(b"{\"jsonrpc\": \"2.0\", \"method\": \"\xff\xfe\"}");
    client.wait_log("dropped an unreadable message (not UTF-8");
    client.send_raw(br#"{"jsonrpc": "2.0", "id": 77, "params": {}}"#);
    assert_eq!(error_code(&client.response(77)), METHOD_NOT_FOUND);
    client.send_bytes(b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n");
    client.wait_log("dropped a message header without Content-Length");

    assert_eq!(definition_name(&mut client, &a, 2), "Target.md");
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn after_frames_with_a_wrong_length_the_server_reads_on_and_exit_still_ends_it() {
    let vault = vault("resync");
    let mut client = Client::start(&vault.root, Client::editor_capabilities());
    client.wait_indexed();
    let a = vault.path("a.md");
    client.open(&a);

    client.send_bytes(b"Content-Length: abc\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"$/x\"}");
    assert_eq!(definition_name(&mut client, &a, 2), "Target.md");
    client.wait_log("skipped 32 bytes before a Content-Length header");
    // A length a few bytes short, a few bytes long, and far too long: the request is lost,
    // the next one is answered.
    for (id, delta) in [(9001, -3), (9002, 5), (9003, 100_000)] {
        let body = json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/definition", "params": at(&a, 2, 3)})
            .to_string();
        let claimed = body.len() as i64 + delta;
        client.send_bytes(format!("Content-Length: {claimed}\r\n\r\n{body}").as_bytes());
        assert_eq!(definition_name(&mut client, &a, 2), "Target.md", "{delta}");
    }

    client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
    assert_eq!(client.wait_exit_with_stdin_open(), 0);
}

#[test]
fn positions_past_the_end_and_documents_outside_or_unknown_get_empty_answers() {
    let vault = vault("positions");
    let mut client = Client::start(&vault.root, Client::editor_capabilities());
    client.wait_indexed();
    let a = vault.path("a.md");
    client.open(&a);
    let outside = vault.root.parent().unwrap().join("outside.md");
    for method in [
        "textDocument/hover",
        "textDocument/definition",
        "textDocument/completion",
    ] {
        for params in [
            at(&a, 3, 0),
            at(&a, 99, 0),
            at(&a, u32::MAX, u32::MAX),
            at(&vault.path("never-written.md"), 0, 0),
            at(&outside, 0, 0),
            json!({"textDocument": {"uri": "untitled:Untitled-1"}, "position": {"line": 0, "character": 0}}),
            json!({"textDocument": {"uri": "https://example.com/a.md"}, "position": {"line": 0, "character": 0}}),
        ] {
            assert_eq!(
                client.request(method, params.clone()),
                Value::Null,
                "{method} {params}"
            );
        }
    }
    let references = client.request(
        "textDocument/references",
        json!({"textDocument": {"uri": uri(&a)}, "position": {"line": 99, "character": 0},
               "context": {"includeDeclaration": true}}),
    );
    assert_eq!(references, Value::Null);
    // A character past the end of a line means the line's end, as the spec says.
    assert_eq!(
        client.request("textDocument/completion", at(&a, 2, u32::MAX)),
        client.request("textDocument/completion", at(&a, 2, 10)),
    );
    assert_eq!(definition_name(&mut client, &a, 2), "Target.md");
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn stale_and_out_of_range_changes_are_ignored_with_a_log_line_and_later_changes_apply() {
    let vault = vault("bad-changes");
    let mut client = Client::start(&vault.root, Client::editor_capabilities());
    client.wait_indexed();
    let a = vault.path("a.md");
    client.open(&a);
    let change = |version: i64, changes: Value| json!({"textDocument": {"uri": uri(&a), "version": version}, "contentChanges": changes});
    // Version 1 is the open; a change with version 1 or lower is stale.
    client.notify(
        "textDocument/didChange",
        change(1, json!([{"text": "[[Other]]\n[[Other]]\n[[Other]]\n"}])),
    );
    client.wait_log("ignoring stale change");
    assert_eq!(definition_name(&mut client, &a, 2), "Target.md");

    // A batch whose second change is out of range is refused whole.
    client.notify(
        "textDocument/didChange",
        change(
            5,
            json!([
                {"range": {"start": {"line": 2, "character": 2}, "end": {"line": 2, "character": 8}}, "text": "Other"},
                {"range": {"start": {"line": 40, "character": 0}, "end": {"line": 41, "character": 0}}, "text": "x"}
            ]),
        ),
    );
    client.wait_log("outside the document");
    assert_eq!(definition_name(&mut client, &a, 2), "Target.md");
    // A range that ends before it starts.
    client.notify(
        "textDocument/didChange",
        change(
            6,
            json!([{"range": {"start": {"line": 2, "character": 5}, "end": {"line": 2, "character": 1}}, "text": "y"}]),
        ),
    );
    client.wait_log("ends before it starts");
    // A change to a document that is not open.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&vault.path("Other.md")), "version": 3},
               "contentChanges": [{"text": "[[a]]"}]}),
    );
    client.wait_log("didChange for a document that is not open");
    assert_eq!(definition_name(&mut client, &a, 2), "Target.md");

    // A valid change after all that applies; its end past the line's end clamps to it.
    client.notify(
        "textDocument/didChange",
        change(
            7,
            json!([{"range": {"start": {"line": 2, "character": 2}, "end": {"line": 2, "character": 500}}, "text": "Other]]"}]),
        ),
    );
    assert_eq!(definition_name(&mut client, &a, 2), "Other.md");
    assert_eq!(client.shutdown(), 0);
}
