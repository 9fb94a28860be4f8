//! Diagnostics while typing: the note being typed in is published after a pause, without the
//! link the last change touched; other notes hear of links that broke or healed at once.

use serde_json::{Value, json};

use crate::client::{Client, TempVault, uri};

fn messages(params: &Value) -> Vec<String> {
    params["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["message"].as_str().unwrap().to_string())
        .collect()
}

fn insert(
    client: &mut Client,
    path: &std::path::Path,
    version: i64,
    line: u32,
    col: u32,
    text: &str,
) {
    let at = json!({"line": line, "character": col});
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(path), "version": version},
               "contentChanges": [{"range": {"start": at, "end": at}, "text": text}]}),
    );
}

#[test]
fn a_link_being_typed_is_not_flagged_until_the_user_moves_on() {
    let vault = TempVault::new(
        "typing",
        &[
            ("a.md", "# A\nSee [[Missing]].\n\n"),
            ("b.md", "Up to [[a#New]].\n"),
            ("Alpha.md", "# Alpha\n"),
        ],
    );
    let mut client = Client::start(&vault.root, Client::editor_capabilities());
    client.wait_indexed();
    let (a, b) = (vault.path("a.md"), vault.path("b.md"));
    client.open(&a);
    client.open(&b);
    let missing = "Unresolved link: no note named ‘Missing’ in the vault";
    assert_eq!(
        messages(&json!({"diagnostics": client.diagnostics(&a, |d| !d.is_empty())})),
        [missing]
    );
    assert_eq!(
        messages(&json!({"diagnostics": client.diagnostics(&b, |d| !d.is_empty())})),
        ["Unresolved link: no heading ‘New’ in ‘a’"]
    );

    // One change writes the heading `b` wants and starts a link, brackets auto-closed.
    insert(&mut client, &a, 2, 2, 0, "## New\n[[Alp]]");
    let (a_uri, b_uri) = (uri(&a), uri(&b));
    let typed = client.wait_for("textDocument/publishDiagnostics", |p| {
        p["uri"] == a_uri.as_str() && p["version"] == 2
    });
    // The link being typed is not flagged; the note's other problem still is.
    assert_eq!(messages(&typed), [missing]);
    // `b`'s link healed, and `b` heard of it before the typed note's own pause was over.
    assert!(
        client
            .notifications
            .iter()
            .any(|n| n["method"] == "textDocument/publishDiagnostics"
                && n["params"]["uri"] == b_uri.as_str()
                && n["params"]["diagnostics"] == json!([])),
        "{:?}",
        client.notifications
    );

    // A change elsewhere: the user has moved on, and the link is flagged.
    insert(&mut client, &a, 3, 0, 3, "!");
    let moved_on = client.wait_for("textDocument/publishDiagnostics", |p| {
        p["uri"] == a_uri.as_str() && p["version"] == 3
    });
    assert_eq!(
        messages(&moved_on),
        [missing, "Unresolved link: no note named ‘Alp’ in the vault"]
    );

    // Back to the link, typed out: nothing is flagged while typing, nothing after.
    insert(&mut client, &a, 4, 3, 5, "ha");
    let done = client.wait_for("textDocument/publishDiagnostics", |p| {
        p["uri"] == a_uri.as_str() && p["version"] == 4
    });
    assert_eq!(messages(&done), [missing]);
    assert_eq!(client.shutdown(), 0);
}
