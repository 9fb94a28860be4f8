//! No leaks: whatever a link or a request names, notegraph never reads or shows a file outside
//! the workspace folders; symlinks placed inside the vault are vault files; and a session writes
//! nothing to disk.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::client::{Client, TempVault, uri};

const SECRET: &str = "TOPSECRET-7f3a9";

fn at(path: &Path, line: u32, character: u32) -> Value {
    json!({"textDocument": {"uri": uri(path)}, "position": {"line": line, "character": character}})
}

/// A temp folder holding the workspace `vault/` and, beside it, `outside/` with a secret note.
fn layout(name: &str, vault_files: &[(&str, &str)]) -> (TempVault, PathBuf) {
    let temp = TempVault::new(name, &[]);
    temp.write("outside/secret.md", &format!("# Secret\n{SECRET}\n"));
    temp.write("outside/id_rsa", &format!("{SECRET} key\n"));
    for (path, text) in vault_files {
        temp.write(&format!("vault/{path}"), text);
    }
    let root = temp.path("vault");
    (temp, root)
}

#[test]
fn links_that_point_outside_the_vault_reveal_nothing_in_hover_definition_or_completion() {
    let (temp, _) = layout("leak-links", &[]);
    let outside = temp.path("outside");
    let abs = outside.to_str().unwrap().to_string();
    let links = [
        "[[../outside/secret]]".to_string(),
        "[[../../outside/secret]]".to_string(),
        "[x](../outside/secret.md)".to_string(),
        format!("[x](<{abs}/secret.md>)"),
        format!("![[{abs}/secret.md]]"),
        format!("[x](file://{abs}/secret.md)"),
        format!("![[{abs}/id_rsa]]"),
        "![[~/.ssh/id_rsa]]".to_string(),
        "[x](/etc/hosts)".to_string(),
        "[[/etc/passwd]]".to_string(),
        "[[../../../../../../../../../etc/passwd]]".to_string(),
        "[[secret]]".to_string(),
    ];
    let mut text = String::from("# A\n");
    for link in &links {
        text.push_str(link);
        text.push('\n');
    }
    text.push_str("[[Inside]]\n");
    temp.write("vault/a.md", &text);
    temp.write("vault/Inside.md", "# Inside\ninside text\n");
    let root = temp.path("vault");
    let mut client = Client::start(&root, Client::editor_capabilities());
    client.wait_indexed();
    let a = root.join("a.md");
    client.open(&a);
    for (i, link) in links.iter().enumerate() {
        let line = i as u32 + 1;
        let hover = client.request("textDocument/hover", at(&a, line, 4));
        let shown = hover["contents"]["value"].as_str().unwrap_or("");
        assert!(
            hover.is_null() || shown.starts_with("**Unresolved link**"),
            "{link}: {hover}"
        );
        assert!(!shown.contains(SECRET), "{link}: {shown}");
        let definition = client.request("textDocument/definition", at(&a, line, 4));
        assert_eq!(definition, Value::Null, "{link}");
    }
    // The good link on the last line still resolves.
    let hover = client.request("textDocument/hover", at(&a, links.len() as u32 + 1, 4));
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("inside text")
    );

    // Completion offers vault notes only, however the target climbs.
    for typed in ["[[", "[[../", "[[../outside/", "[[sec", "![[", "![[~/.ssh/"] {
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri(&a), "version": typed.len() + 10},
                   "contentChanges": [{"text": format!("{text}{typed}")}]}),
        );
        let line = links.len() as u32 + 2;
        let completion = client.request(
            "textDocument/completion",
            at(&a, line, typed.chars().count() as u32),
        );
        let listed = completion.to_string();
        assert!(
            !listed.contains("secret") && !listed.contains("id_rsa") && !listed.contains(SECRET),
            "{typed}: {listed}"
        );
    }
    assert_eq!(client.shutdown(), 0);
}

/// Bytes the process has read through `read` calls so far (Linux).
fn bytes_read(pid: u32) -> u64 {
    let io = std::fs::read_to_string(format!("/proc/{pid}/io")).expect("read /proc/PID/io");
    io.lines()
        .find_map(|l| l.strip_prefix("rchar: "))
        .and_then(|n| n.trim().parse().ok())
        .expect("rchar line")
}

#[test]
fn documents_and_file_events_outside_the_workspace_are_neither_read_nor_indexed() {
    let (temp, root) = layout(
        "leak-uris",
        &[("a.md", "[[secret]] [[opened]] [[dotdot]] [[Sentinel]]\n")],
    );
    // Big enough that reading it would show in the process's read count.
    let big = format!("# Big\n{}\n", "x".repeat(4 << 20));
    temp.write("outside/big.md", &big);
    let mut client = Client::start(&root, Client::editor_capabilities());
    client.wait_indexed();
    let a = root.join("a.md");
    client.open(&a);
    client.diagnostics(&a, |d| d.len() == 4);

    let outside = temp.path("outside");
    let dotdot = |name: &str| format!("{}/../outside/{name}", uri(&root));
    // The editor opens files outside the workspace: they are not part of the vault.
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&outside.join("opened.md")), "languageId": "markdown",
                                "version": 1, "text": "# Opened\n"}}),
    );
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": dotdot("dotdot.md"), "languageId": "markdown",
                                "version": 1, "text": "# Dotdot\n"}}),
    );
    assert_eq!(
        client.request("textDocument/hover", at(&outside.join("secret.md"), 1, 0)),
        Value::Null
    );
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri(&outside.join("secret.md"))}}),
    );
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": dotdot("big.md")}}),
    );

    let before = bytes_read(client.pid());
    temp.write("vault/Sentinel.md", "# Sentinel\n");
    // One notification, handled in order: the sentinel is indexed after the outside paths.
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [
            {"uri": uri(&outside.join("secret.md")), "type": 1},
            {"uri": uri(&outside.join("big.md")), "type": 2},
            {"uri": dotdot("big.md"), "type": 2},
            {"uri": dotdot("secret.md"), "type": 1},
            {"uri": uri(&outside), "type": 2},
            {"uri": uri(&root.join("Sentinel.md")), "type": 1},
        ]}),
    );
    let diagnostics = client.diagnostics(&a, |d| d.len() == 3);
    let mut messages: Vec<&str> = diagnostics
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    messages.sort();
    assert_eq!(
        messages,
        [
            "Unresolved link: no note named ‘dotdot’ in the vault",
            "Unresolved link: no note named ‘opened’ in the vault",
            "Unresolved link: no note named ‘secret’ in the vault",
        ]
    );
    let read = bytes_read(client.pid()) - before;
    assert!(
        read < (4 << 20),
        "notegraph read {read} bytes: it read a file outside the workspace"
    );
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn symlinks_placed_in_the_vault_are_followed_as_vault_files() {
    let (temp, root) = layout("symlinked", &[("a.md", "[[linked]]\n[[book]]\n")]);
    temp.write("outside/real.md", "# Real\nSHARED-BODY\n");
    temp.write("outside/shelf/book.md", "# Book\nBOOK-BODY\n");
    std::os::unix::fs::symlink(temp.path("outside/real.md"), root.join("linked.md")).unwrap();
    std::os::unix::fs::symlink(temp.path("outside/shelf"), root.join("shelf")).unwrap();
    // What a cloned vault could hold: a "note" that leads to a private file.
    std::os::unix::fs::symlink(temp.path("outside/id_rsa"), root.join("key.md")).unwrap();
    temp.write("vault/b.md", "[[key]]\n");
    let mut client = Client::start(&root, Client::editor_capabilities());
    client.wait_indexed();
    let a = root.join("a.md");
    client.open(&a);
    client.diagnostics(&a, |d| d.is_empty());
    let b = root.join("b.md");
    client.open(&b);
    client.diagnostics(&b, |d| d.len() == 1);
    let hover = client.request("textDocument/hover", at(&b, 0, 3));
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(
        shown.starts_with("**Unresolved link**") && !shown.contains(SECRET),
        "{shown}"
    );
    client.wait_log("key.md: a symlink to ");
    for (line, path, body) in [
        (0, root.join("linked.md"), "SHARED-BODY"),
        (1, root.join("shelf/book.md"), "BOOK-BODY"),
    ] {
        let definition = client.request("textDocument/definition", at(&a, line, 3));
        assert_eq!(definition["uri"], uri(&path));
        let hover = client.request("textDocument/hover", at(&a, line, 3));
        assert!(
            hover["contents"]["value"].as_str().unwrap().contains(body),
            "{hover}"
        );
    }
    assert_eq!(client.shutdown(), 0);
}

/// Every path under `dir` (symlinks not followed) with its kind, size, mtime and content hash.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            if meta.is_file() {
                std::fs::read(&path).unwrap().hash(&mut hasher);
            } else if meta.is_dir() {
                stack.push(path.clone());
            }
            let described = format!(
                "{:?} {} {:?} {:x}",
                meta.file_type(),
                meta.len(),
                meta.modified().unwrap(),
                hasher.finish()
            );
            out.insert(path, described);
        }
    }
    out
}

#[test]
fn a_session_and_a_check_write_no_file() {
    let (temp, root) = layout(
        "read-only",
        &[
            ("a.md", "# A\n[[b]] [[missing]]\n"),
            ("b.md", "# B\n[[a#A]]\n"),
            (".obsidian/app.json", "{}"),
        ],
    );
    let before = snapshot(&temp.root);
    let mut client = Client::start(&root, Client::editor_capabilities());
    client.wait_indexed();
    let a = root.join("a.md");
    client.open(&a);
    client.diagnostics(&a, |d| d.len() == 1);
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&a), "version": 2},
               "contentChanges": [{"text": "# A changed\n[[b]] [[new]]\n[["}]}),
    );
    client.request("textDocument/completion", at(&a, 2, 2));
    client.request("textDocument/hover", at(&a, 1, 3));
    client.request("textDocument/definition", at(&a, 1, 3));
    client.request(
        "textDocument/references",
        json!({"textDocument": {"uri": uri(&a)}, "position": {"line": 0, "character": 0},
               "context": {"includeDeclaration": true}}),
    );
    // Refactors answer with edits for the editor to apply; they must not apply them.
    let doc = json!({"uri": uri(&a)});
    let b = uri(&root.join("b.md"));
    for (method, params) in [
        (
            "textDocument/rename",
            json!({"textDocument": doc, "position": {"line": 1, "character": 3}, "newName": "c"}),
        ),
        (
            "textDocument/codeAction",
            json!({"textDocument": doc,
                   "range": {"start": {"line": 1, "character": 8}, "end": {"line": 1, "character": 12}},
                   "context": {"diagnostics": []}}),
        ),
        (
            "workspace/willRenameFiles",
            json!({"files": [{"oldUri": b, "newUri": uri(&root.join("moved/b2.md"))}]}),
        ),
        ("workspace/symbol", json!({"query": "b"})),
        ("textDocument/documentSymbol", json!({"textDocument": doc})),
        ("textDocument/documentLink", json!({"textDocument": doc})),
        ("textDocument/foldingRange", json!({"textDocument": doc})),
        (
            "textDocument/semanticTokens/full",
            json!({"textDocument": doc}),
        ),
    ] {
        let id = client.send_request(method, params);
        client.response(id);
    }
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&root.join("b.md")), "type": 2}]}),
    );
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri(&a)}}),
    );
    assert_eq!(client.shutdown(), 0);
    // The buffer's unsaved text never reached the disk.
    assert_eq!(snapshot(&temp.root), before);

    let status = std::process::Command::new(env!("CARGO_BIN_EXE_notegraph"))
        .env("XDG_CACHE_HOME", crate::client::test_cache_home())
        .args(["check", root.to_str().unwrap(), "--format", "json"])
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1));
    assert_eq!(snapshot(&temp.root), before);
}
