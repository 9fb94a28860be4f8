//! Obsidian's side panels over stdio: unlinked mentions (command and link actions, proven
//! lossless with `notegraph check`), links as a call hierarchy, pulled diagnostics and counts.

use serde_json::{Value, json};

use crate::client::{Client, TempVault, uri};
use crate::refactor::apply_edit;

fn vault(name: &str) -> TempVault {
    TempVault::new(
        name,
        &[
            (
                "people/Isaac Newton.md",
                "---\naliases: [Newton]\n---\n# Isaac Newton\n",
            ),
            (
                "Gravity.md",
                "up:: [[Optics]]\nIsaac Newton wrote on gravity; newton is a unit.\n`Newton` in code.\n",
            ),
            (
                "Optics.md",
                "# Optics\nBy ISAAC NEWTON, see [[Gravity#Nope]].\n",
            ),
        ],
    )
}

fn at(path: &std::path::Path, line: u32, character: u32) -> Value {
    json!({
        "textDocument": {"uri": uri(path)},
        "range": {"start": {"line": line, "character": character},
                  "end": {"line": line, "character": character}},
        "context": {"diagnostics": []},
    })
}

fn titles(actions: &Value) -> Vec<String> {
    actions
        .as_array()
        .map(|a| {
            a.iter()
                .map(|a| a["title"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn unlinked_mentions_are_listed_and_linked_losslessly_over_stdio() {
    let vault = vault("mentions");
    let newton = vault.path("people/Isaac Newton.md");
    let mut client = Client::start(&vault.path(""), Client::editor_capabilities());
    client.wait_indexed();
    let found = client.request(
        "workspace/executeCommand",
        json!({"command": "notegraph.unlinkedMentions", "arguments": [uri(&newton)]}),
    );
    let gravity = uri(&vault.path("Gravity.md"));
    let optics = uri(&vault.path("Optics.md"));
    let loc = |uri: &str, line: u32, from: u32, to: u32| {
        json!({"uri": uri, "range": {"start": {"line": line, "character": from},
                                     "end": {"line": line, "character": to}}})
    };
    assert_eq!(
        found,
        json!([
            loc(&gravity, 1, 0, 12),
            loc(&gravity, 1, 31, 37),
            loc(&optics, 1, 3, 15),
        ])
    );

    // On the mention `newton` in Gravity: link it, or both mentions in the note.
    let actions = client.request(
        "textDocument/codeAction",
        at(&vault.path("Gravity.md"), 1, 33),
    );
    assert_eq!(
        titles(&actions),
        [
            "Link to ‘Isaac Newton’",
            "Link all 2 mentions of ‘Isaac Newton’ in this note"
        ]
    );
    let edit = &actions[0]["edit"]["documentChanges"][0]["edits"];
    assert_eq!(
        edit,
        &json!([{"range": {"start": {"line": 1, "character": 31}, "end": {"line": 1, "character": 37}},
                 "newText": "[[Isaac Newton|newton]]"}])
    );

    // From the note itself: every unlinked mention across the vault, as one edit.
    let actions = client.request("textDocument/codeAction", at(&newton, 3, 3));
    assert_eq!(
        titles(&actions),
        ["Link all 3 unlinked mentions across the vault"]
    );
    apply_edit(&actions[0]["edit"]);
    client.shutdown();
    assert_eq!(
        std::fs::read_to_string(vault.path("Gravity.md")).unwrap(),
        "up:: [[Optics]]\n[[Isaac Newton]] wrote on gravity; [[Isaac Newton|newton]] is a unit.\n`Newton` in code.\n"
    );
    assert_eq!(
        std::fs::read_to_string(vault.path("Optics.md")).unwrap(),
        "# Optics\nBy [[ISAAC NEWTON]], see [[Gravity#Nope]].\n"
    );
    // `check` finds the new links resolved: the one broken link is the heading that was
    // broken before.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_notegraph"))
        .args(["check", vault.path("").to_str().unwrap()])
        .output()
        .expect("run notegraph check");
    let out = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        out.lines().last(),
        Some("3 notes checked: 1 broken link, 0 ambiguous, 0 other problems"),
        "{out}"
    );
    assert!(out.contains("Nope"), "{out}");
}

#[test]
fn links_answer_as_a_call_hierarchy_over_stdio() {
    let vault = TempVault::new(
        "hierarchy",
        &[
            (
                "Physics.md",
                "---\nsource: \"[[Optics]]\"\n---\nup:: [[Science]]\nSee [[Optics]].\n",
            ),
            ("Optics.md", "# Optics\n[[Physics]] and [[Physics]]\n"),
            ("sub/Science.md", ""),
        ],
    );
    let mut client = Client::start(&vault.path(""), Client::editor_capabilities());
    client.wait_indexed();
    let optics = uri(&vault.path("Optics.md"));
    let physics = uri(&vault.path("Physics.md"));
    let science = uri(&vault.path("sub/Science.md"));
    let range = |l1: u32, c1: u32, l2: u32, c2: u32| json!({"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}});
    let items = client.request(
        "textDocument/prepareCallHierarchy",
        json!({"textDocument": {"uri": optics}, "position": {"line": 1, "character": 3}}),
    );
    let physics_item = json!({
        "name": "Physics", "kind": 1, "detail": "Physics.md", "uri": physics,
        "range": range(0, 0, 5, 0), "selectionRange": range(0, 0, 0, 0), "data": {"file": true},
    });
    assert_eq!(items, json!([physics_item]));

    let incoming = client.request("callHierarchy/incomingCalls", json!({"item": physics_item}));
    assert_eq!(
        incoming,
        json!([{
            "from": {"name": "Optics", "kind": 1, "detail": "Optics.md", "uri": optics,
                     "range": range(0, 0, 2, 0), "selectionRange": range(0, 0, 0, 0),
                     "data": {"file": true}},
            "fromRanges": [range(1, 0, 1, 11), range(1, 16, 1, 27)],
        }])
    );

    let outgoing = client.request("callHierarchy/outgoingCalls", json!({"item": physics_item}));
    let to = |detail: &str| {
        let mut item = json!({"name": "Optics", "kind": 1, "detail": detail, "uri": optics,
                              "range": range(0, 0, 2, 0), "selectionRange": range(0, 0, 0, 0),
                              "data": {"file": true}});
        if detail.starts_with("up") {
            item["name"] = json!("Science");
            item["uri"] = json!(science);
            item["range"] = range(0, 0, 0, 0);
        }
        item
    };
    assert_eq!(
        outgoing,
        json!([
            {"to": to("source · Optics.md"), "fromRanges": [range(1, 9, 1, 19)]},
            {"to": to("up · sub/Science.md"), "fromRanges": [range(3, 5, 3, 16)]},
            {"to": to("Optics.md"), "fromRanges": [range(4, 4, 4, 14)]},
        ])
    );
    client.shutdown();
}

fn pulling_client(vault: &TempVault, options: Value) -> Client {
    let mut client = Client::spawn(&["lsp"]);
    let mut capabilities = Client::editor_capabilities();
    capabilities["textDocument"]["diagnostic"] = json!({});
    capabilities["workspace"]["diagnostics"] = json!({"refreshSupport": true});
    if options["pull"] == false {
        capabilities["textDocument"]
            .as_object_mut()
            .unwrap()
            .remove("diagnostic");
    }
    client.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": uri(&vault.path("")),
            "capabilities": capabilities,
            "initializationOptions": options["settings"],
        }),
    );
    client.notify("initialized", json!({}));
    client.wait_indexed();
    client
}

/// (file name, diagnostic count, result id) of each report, sorted by name.
fn reports(answer: &Value) -> Vec<(String, usize, String)> {
    let mut out: Vec<(String, usize, String)> = answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let uri = r["uri"].as_str().unwrap();
            (
                uri.rsplit('/').next().unwrap().to_string(),
                r["items"].as_array().map_or(0, Vec::len),
                r["resultId"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn workspace_diagnostics_are_pulled_and_an_unchanged_note_is_left_out() {
    let vault = TempVault::new(
        "pull",
        &[
            ("a.md", "[[missing]]\n"),
            ("b.md", "[[a]]\n"),
            ("c.md", "# C\n"),
        ],
    );
    let mut client = pulling_client(&vault, json!({}));
    let first = client.request("workspace/diagnostic", json!({"previousResultIds": []}));
    let first = reports(&first);
    assert_eq!(
        first
            .iter()
            .map(|(n, c, _)| (n.as_str(), *c))
            .collect::<Vec<_>>(),
        [("a.md", 1), ("b.md", 0), ("c.md", 0)]
    );
    let previous: Vec<Value> = first
        .iter()
        .map(|(name, _, id)| json!({"uri": uri(&vault.path(name)), "value": id}))
        .collect();
    let again = client.request(
        "workspace/diagnostic",
        json!({"previousResultIds": previous}),
    );
    assert_eq!(again, json!({"items": []}), "nothing changed, nothing sent");

    // An edit to b's body: only b is computed and sent again.
    let b = vault.path("b.md");
    client.open(&b);
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&b), "version": 2},
               "contentChanges": [{"text": "[[a]] [[gone]]\n"}]}),
    );
    // Typing goes on below, so the link is no longer the one being typed (which the note's own
    // diagnostics leave alone).
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&b), "version": 3},
               "contentChanges": [{"text": "[[a]] [[gone]]\nmore\n"}]}),
    );
    let after = client.request(
        "workspace/diagnostic",
        json!({"previousResultIds": previous}),
    );
    assert_eq!(
        reports(&after)
            .iter()
            .map(|(n, c, _)| (n.as_str(), *c))
            .collect::<Vec<_>>(),
        [("b.md", 1)]
    );
    // The document pull of an unchanged note answers `unchanged`.
    let a = client.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": uri(&vault.path("a.md"))},
               "previousResultId": first[0].2}),
    );
    assert_eq!(a, json!({"kind": "unchanged", "resultId": first[0].2}));
    let c = client.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": uri(&vault.path("a.md"))}}),
    );
    assert_eq!(c["kind"], "full");
    assert_eq!(c["items"][0]["code"], "unresolved-note");
    client.shutdown();
}

#[test]
fn a_push_client_gets_closed_notes_diagnostics_when_it_asks() {
    let vault = TempVault::new("push-closed", &[("a.md", "[[missing]]\n"), ("b.md", "")]);
    let mut client = pulling_client(
        &vault,
        json!({"pull": false, "settings": {"publish": {"closedNotes": true}}}),
    );
    let pushed = client.diagnostics(&vault.path("a.md"), |d| d.len() == 1);
    assert_eq!(pushed[0]["code"], "unresolved-note");
    client.shutdown();
}

/// With `publish.closedNotes`, a note closed with unsaved edits shows its disk text's
/// diagnostics (here two broken links, written while it was open), not none — as a client
/// that shows open notes' alone gets.
#[test]
fn a_note_closed_unsaved_shows_its_disk_diagnostics_when_closed_notes_are_pushed() {
    for (closed_notes, after_close) in [(true, 2), (false, 0)] {
        let vault = TempVault::new("push-close", &[("a.md", "[[missing]]\n"), ("b.md", "")]);
        let a = vault.path("a.md");
        let mut client = pulling_client(
            &vault,
            json!({"pull": false, "settings": {"publish": {"closedNotes": closed_notes}}}),
        );
        client.open(&a);
        client.diagnostics(&a, |d| d.len() == 1);
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri(&a), "version": 2},
                   "contentChanges": [{"text": "fixed\n"}]}),
        );
        client.diagnostics(&a, |d| d.is_empty());
        vault.write("a.md", "[[gone one]] [[gone two]]\n");
        client.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": uri(&a)}}),
        );
        let pushed = client.wait_for("textDocument/publishDiagnostics", |p| {
            p["uri"] == uri(&a)
                && p["version"].is_null()
                && p["diagnostics"].as_array().map(Vec::len) == Some(after_close)
        });
        if closed_notes {
            assert_eq!(pushed["diagnostics"][1]["code"], "unresolved-note");
        }
        client.shutdown();
    }
}

#[test]
fn the_title_heading_shows_its_backlink_count_as_hint_and_lens() {
    let vault = TempVault::new(
        "counts",
        &[
            ("Optics.md", "# Optics\ntext\n"),
            ("a.md", "[[Optics]] and [[Optics#Optics]]\n"),
            ("b.md", "[[Optics]]\n"),
        ],
    );
    let mut client = Client::start(&vault.path(""), Client::editor_capabilities());
    client.wait_indexed();
    let optics = uri(&vault.path("Optics.md"));
    let range = |l1: u32, c1: u32, l2: u32, c2: u32| json!({"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}});
    let doc = json!({"textDocument": {"uri": optics}, "range": range(0, 0, 2, 0)});
    let hints = client.request("textDocument/inlayHint", doc.clone());
    assert_eq!(
        hints,
        json!([{"position": {"line": 0, "character": 8}, "label": "← 3",
                "tooltip": "3 links from other notes", "paddingLeft": true}])
    );
    let lenses = client.request("textDocument/codeLens", doc);
    let a = uri(&vault.path("a.md"));
    let b = uri(&vault.path("b.md"));
    let locations = json!([
        {"uri": a, "range": range(0, 0, 0, 10)},
        {"uri": a, "range": range(0, 15, 0, 32)},
        {"uri": b, "range": range(0, 0, 0, 10)},
    ]);
    assert_eq!(
        lenses,
        json!([{"range": range(0, 0, 0, 8), "command": {
            "title": "3 backlinks", "command": "notegraph.showReferences",
            "arguments": [optics, {"line": 0, "character": 0}, locations]}}])
    );
    let answered = client.request("workspace/executeCommand", lenses[0]["command"].clone());
    assert_eq!(answered, locations);
    client.shutdown();

    // Both off.
    let mut client = Client::spawn(&["lsp"]);
    client.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&vault.path("")),
               "capabilities": Client::editor_capabilities(),
               "initializationOptions": {"counts": {"inlayHint": false, "codeLens": false}}}),
    );
    client.notify("initialized", json!({}));
    client.wait_indexed();
    let doc = json!({"textDocument": {"uri": optics}, "range": range(0, 0, 2, 0)});
    assert_eq!(
        client.request("textDocument/inlayHint", doc.clone()),
        Value::Null
    );
    assert_eq!(client.request("textDocument/codeLens", doc), Value::Null);
    client.shutdown();
}
