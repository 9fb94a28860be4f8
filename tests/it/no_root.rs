//! A client that names no workspace folder (Neovim 0.11 on a folder with no root marker, an
//! editor opening one file): the vault is found from the notes it opens.

use std::path::Path;

use serde_json::{Value, json};

use crate::client::{Client, TempVault, uri};
use notegraph::loader::{FoundRoot, find_root};

fn at(path: &Path, line: u32, character: u32) -> Value {
    json!({"textDocument": {"uri": uri(path)}, "position": {"line": line, "character": character}})
}

/// Start the server and initialize it with no root and no workspace folder.
fn start_without_folders() -> Client {
    let mut client = Client::spawn(&["lsp"]);
    let result = client.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    assert!(result["capabilities"].is_object(), "{result}");
    client.notify("initialized", json!({}));
    client
}

fn definition_rel(client: &mut Client, root: &Path, note: &Path, line: u32, col: u32) -> String {
    let found = client.request("textDocument/definition", at(note, line, col));
    let target = found["uri"].as_str().unwrap_or_default();
    target
        .strip_prefix(&format!("{}/", uri(root)))
        .unwrap_or(target)
        .to_string()
}

#[test]
fn without_a_workspace_folder_the_first_note_opened_finds_its_vault() {
    let vault = TempVault::new(
        "no-root",
        &[
            ("zk/a.md", "# A\nSee [[Target]] and [[Missing]].\n"),
            ("zk/Target.md", "# Target\nThe target note.\n"),
            ("zk/refs/Deep.md", "Deep, found by name.\n"),
            ("marked/.notegraph.toml", ""),
            ("marked/inner/b.md", "To [[c]] and [[Target]].\n"),
            ("marked/c.md", "# C\n"),
        ],
    );
    let mut client = start_without_folders();
    let a = vault.path("zk/a.md");
    client.open(&a);

    // Diagnostics: the one broken link, and not the one whose note was never opened.
    let diagnostics = client.diagnostics(&a, |d| !d.is_empty());
    let messages: Vec<&str> = diagnostics
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        ["Unresolved link: no note named ‘Missing’ in the vault"]
    );
    // Definition and hover reach a note that was never opened, in the note's own folder.
    assert_eq!(
        definition_rel(&mut client, &vault.root, &a, 1, 8),
        "zk/Target.md"
    );
    let hover = client.request("textDocument/hover", at(&a, 1, 8));
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("The target note."),
        "{hover}"
    );
    // Completion offers the folder's notes, its subfolders' too.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&a), "version": 2},
               "contentChanges": [{"range": {"start": {"line": 2, "character": 0}, "end": {"line": 2, "character": 0}}, "text": "[[De"}]}),
    );
    let completion = client.request("textDocument/completion", at(&a, 2, 4));
    assert_eq!(completion["items"][0]["label"], "Deep", "{completion}");

    // A note opened outside that vault adds its own: the nearest folder with a marker.
    let b = vault.path("marked/inner/b.md");
    client.open(&b);
    assert_eq!(
        definition_rel(&mut client, &vault.root, &b, 0, 5),
        "marked/c.md"
    );
    // Each root is its own vault, as a multi-root workspace's folders are.
    let diagnostics = client.diagnostics(&b, |d| !d.is_empty());
    assert_eq!(
        diagnostics[0]["message"],
        "Unresolved link: no note named ‘Target’ in the vault"
    );
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(
        definition_rel(&mut client, &vault.root, &a, 1, 8),
        "zk/Target.md"
    );
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn a_note_in_a_parent_folder_widens_the_vault_to_it() {
    let vault = TempVault::new(
        "no-root-widen",
        &[
            ("notes/sub/x.md", "Up to [[y]] and [[z]].\n"),
            ("notes/y.md", "Down to [[x]] and over to [[z]].\n"),
            ("notes/z.md", "# Z\n"),
        ],
    );
    let mut client = start_without_folders();
    let x = vault.path("notes/sub/x.md");
    client.open(&x);
    // Only `notes/sub` is the vault so far: both links are broken.
    let diagnostics = client.diagnostics(&x, |d| d.len() == 2);
    assert_eq!(diagnostics.len(), 2, "{diagnostics:?}");
    let y = vault.path("notes/y.md");
    client.open(&y);
    // `notes` holds `notes/sub`: one vault, where every link resolves.
    client.diagnostics(&x, |d| d.is_empty());
    client.diagnostics(&y, |d| d.is_empty());
    assert_eq!(
        definition_rel(&mut client, &vault.root, &y, 0, 10),
        "notes/sub/x.md"
    );
    assert_eq!(
        definition_rel(&mut client, &vault.root, &x, 0, 18),
        "notes/z.md"
    );
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn the_vault_root_is_the_nearest_marked_folder_else_the_notes_own_folder_never_home() {
    let vault = TempVault::new(
        "find-root",
        &[
            ("home/todo.md", ""),
            ("home/plain/sub/n.md", ""),
            ("home/obs/.obsidian/app.json", "{}"),
            ("home/obs/deep/er/n.md", ""),
            ("home/obs/.git/HEAD", ""),
            ("home/code/.git/HEAD", ""),
            ("home/code/docs/n.md", ""),
        ],
    );
    let home = vault.path("home");
    let found = |rel: &str| find_root(&vault.path(rel), Some(&home));
    let walked = |rel: &str| {
        Some(FoundRoot {
            root: vault.path(rel),
            walk: true,
        })
    };
    assert_eq!(found("home/plain/sub/n.md"), walked("home/plain/sub"));
    assert_eq!(found("home/obs/deep/er/n.md"), walked("home/obs"));
    // `.git` marks a repository, not a vault.
    assert_eq!(found("home/code/docs/n.md"), walked("home/code/docs"));
    // The home folder and `/` are never walked without a marker.
    assert_eq!(
        found("home/todo.md"),
        Some(FoundRoot {
            root: home.clone(),
            walk: false
        })
    );
    assert_eq!(
        find_root(Path::new("/todo.md"), Some(&home)),
        Some(FoundRoot {
            root: "/".into(),
            walk: false
        })
    );
    vault.write("home/.notegraph.toml", "");
    assert_eq!(found("home/todo.md"), walked("home"));
}
