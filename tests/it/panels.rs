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
