//! Sources end to end: the real binary over stdio on a vault with a `.bib` and a CSL-JSON
//! bibliography (hover, completion, definition, diagnostics, the literature-note action, and a
//! bibliography edited on disk), and `notegraph check` on the same vault.

use std::process::Command;

use expect_test::expect;
use serde_json::{Value, json};

use crate::client::{Client, TempVault, uri};

const FILES: &[(&str, &str)] = &[
    (
        "vault/refs.bib",
        include_str!("../data/cite-vault/refs.bib"),
    ),
    (
        "vault/library.json",
        include_str!("../data/cite-vault/library.json"),
    ),
    ("vault/Seed.md", include_str!("../data/cite-vault/Seed.md")),
    (
        "vault/Citing.md",
        include_str!("../data/cite-vault/Citing.md"),
    ),
    (
        "vault/wang2021china China’s Sputnik Moment.md",
        include_str!("../data/cite-vault/wang2021china China’s Sputnik Moment.md"),
    ),
    (
        "vault/@adler1939.md",
        include_str!("../data/cite-vault/@adler1939.md"),
    ),
    (
        "vault/notes/Reading notes.md",
        include_str!("../data/cite-vault/notes/Reading notes.md"),
    ),
    (
        "vault/notes/Orphan.md",
        include_str!("../data/cite-vault/notes/Orphan.md"),
    ),
    ("cite-extra.bib", include_str!("../data/cite-extra.bib")),
];

fn at(path: &std::path::Path, line: u32, character: u32) -> Value {
    json!({"textDocument": {"uri": uri(path)}, "position": {"line": line, "character": character}})
}

fn range(l1: u32, c1: u32, l2: u32, c2: u32) -> Value {
    json!({"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}})
}

fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| {
            format!(
                "{}:{} {}",
                d["range"]["start"]["line"],
                d["range"]["start"]["character"],
                d["code"].as_str().unwrap_or("")
            )
        })
        .collect()
}

#[test]
fn seed_link_hover_key_completion_definition_and_misspelt_key_over_stdio() {
    let files = TempVault::new("cite-e2e", FILES);
    let root = files.path("vault");
    let mut client = Client::start(&root, Client::editor_capabilities());
    client.wait_indexed();
    let seed = root.join("Seed.md");
    client.open(&seed);

    // The seed note's `source::` link: the formatted entry, then the literature note's preview.
    let hover = client.request("textDocument/hover", at(&seed, 8, 20));
    let markdown = hover["contents"]["value"].as_str().expect("markdown");
    assert!(
        markdown.starts_with(
            "**@wang2021china** — Dan Wang (2021). *China's Sputnik Moment?*. Foreign Affairs 100(4), pp. 46–55. [doi:10.1000/fa.2021.china](https://doi.org/10.1000/fa.2021.china)\n\n> The Chinese government has long had twin ambitions for industrial policy. It has relied on ministries and state-owned enterprises to pursue them. Private firms have driven the bulk of its technological success. A fourth line, shown as the abstract is short.\n\n*article in `refs.bib`*\n\n*Cited in 2 notes.*\n\n---\n\n**wang2021china China’s Sputnik Moment** — `wang2021china China’s Sputnik Moment.md`"
        ),
        "{markdown}"
    );
    assert!(
        markdown.ends_with("Trade restrictions pushed private firms towards the state's goals."),
        "{markdown}"
    );
    assert_eq!(hover["range"], range(8, 9, 8, 49));

    // The same entry on a pandoc citation in a group.
    let hover = client.request("textDocument/hover", at(&seed, 4, 36));
    assert_eq!(hover["range"], range(4, 33, 4, 47));
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .starts_with("**@wang2021china** — Dan Wang (2021)."),
        "{hover}"
    );

    // Type `[@sput` on a new line: the edit and the completion go back to back.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&seed), "version": 2},
               "contentChanges": [{"range": range(9, 0, 9, 0), "text": "[@sput"}]}),
    );
    let completion = client.request("textDocument/completion", at(&seed, 9, 6));
    let first = &completion["items"][0];
    assert_eq!(first["label"], "wang2021china", "{completion}");
    assert_eq!(first["detail"], "Wang 2021 · China's Sputnik Moment?");
    assert_eq!(
        first["textEdit"],
        json!({"range": range(9, 2, 9, 6), "newText": "wang2021china"})
    );

    // Definition: the literature note where one exists, else the key in the bibliography.
    let citing = root.join("Citing.md");
    client.open(&citing);
    let definition = client.request("textDocument/definition", at(&citing, 5, 30));
    assert_eq!(definition["uri"], uri(&root.join("@adler1939.md")));
    let definition = client.request("textDocument/definition", at(&citing, 6, 3));
    assert_eq!(definition["uri"], uri(&root.join("refs.bib")));
    assert_eq!(definition["range"], range(35, 6, 35, 18));

    // A misspelt key is a warning, an unknown in-text key is information.
    let diagnostics = client.diagnostics(&citing, |d| !d.is_empty());
    assert_eq!(
        codes(&diagnostics),
        [
            "7:81 unresolved-note",
            "8:69 duplicate-citation-key",
            "9:16 unknown-citation",
            "9:51 unknown-citation"
        ]
    );
    assert_eq!(diagnostics[2]["range"], range(9, 16, 9, 30));
    assert_eq!(
        diagnostics[2]["message"],
        "Unknown citation key ‘wang2021chian’: no entry in ../cite-extra.bib, library.json, refs.bib"
    );
    assert_eq!(diagnostics[2]["severity"], 2);
    assert_eq!(diagnostics[3]["severity"], 3);

    // The bibliography's own problems are published on it.
    let bib = client.diagnostics(&root.join("refs.bib"), |d| !d.is_empty());
    assert_eq!(
        bib.iter()
            .map(|d| format!("{} {}", d["range"]["start"]["line"], d["message"]))
            .collect::<Vec<_>>(),
        [
            "41 \"entry skipped: unexpected end of file (line 47)\"",
            "46 \"‘dup2001’ is already defined in library.json at line 15; that entry is used\""
        ]
    );

    // An open bibliography buffer counts as it is typed, and is no note.
    let bib_path = root.join("refs.bib");
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&bib_path), "languageId": "bibtex", "version": 1,
               "text": "@misc{wang2021chian, title = {Typed in the editor}}\n"}}),
    );
    // Notifications of earlier states may still be queued: wait for the exact one expected.
    let diagnostics = client.diagnostics(&citing, |d| {
        codes(d).contains(&"5:26 unknown-citation".to_string())
    });
    assert!(
        !diagnostics
            .iter()
            .any(|d| d["message"].as_str().unwrap().contains("wang2021chian")),
        "the buffer defines wang2021chian: {diagnostics:?}"
    );
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri(&bib_path)}}),
    );

    // Fixing the bibliography on disk clears the warning.
    let fixed = format!(
        "{}\n@misc{{wang2021chian,\n  title = {{Added later}},\n  year = 2021\n}}\n",
        include_str!("../data/cite-vault/refs.bib")
    );
    files.write("vault/refs.bib", &fixed);
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&root.join("refs.bib")), "type": 2}]}),
    );
    let fixed = [
        "7:81 unresolved-note",
        "8:69 duplicate-citation-key",
        "9:51 unknown-citation",
    ];
    client.diagnostics(&citing, |d| codes(d) == fixed);

    // The frontmatter's bibliography lies outside the vault; its edits count too.
    files.write("cite-extra.bib", "@misc{other, title = {Another}}\n");
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&files.path("cite-extra.bib")), "type": 2}]}),
    );
    let extra_gone = [
        "7:81 unresolved-note",
        "8:35 unknown-citation",
        "8:69 duplicate-citation-key",
        "9:51 unknown-citation",
    ];
    let diagnostics = client.diagnostics(&citing, |d| codes(d) == extra_gone);
    assert_eq!(diagnostics[1]["range"], range(8, 35, 8, 49));

    // Deleting the CSL-JSON file forgets its keys: `van-dyke.1999` is unknown now, and
    // `dup2001` is defined once.
    std::fs::remove_file(root.join("library.json")).expect("delete");
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&root.join("library.json")), "type": 3}]}),
    );
    let json_gone = [
        "6:16 unknown-citation",
        "7:81 unresolved-note",
        "8:35 unknown-citation",
        "9:51 unknown-citation",
    ];
    client.diagnostics(&citing, |d| codes(d) == json_gone);
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn code_action_creates_the_missing_literature_note_and_bracket_at_completes_after_at() {
    let files = TempVault::new("cite-action", FILES);
    let root = files.path("vault");
    let mut client = Client::start(
        &root,
        json!({"workspace": {"workspaceEdit": {"documentChanges": true, "resourceOperations": ["create"]}}}),
    );
    let citing = root.join("Citing.md");
    client.open(&citing);
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&citing)}, "range": range(8, 70, 8, 70), "context": {"diagnostics": []}}),
    );
    let new_path = root.join("dup2001 A second definition of the same key.md");
    assert_eq!(
        actions,
        json!([{
            "title": "Create literature note ‘dup2001 A second definition of the same key.md’",
            "kind": "quickfix",
            "command": {"title": "Open the new note", "command": "notegraph.open", "arguments": [uri(&new_path)]},
            "edit": {"documentChanges": [
                {"kind": "create", "uri": uri(&new_path), "options": {"overwrite": false, "ignoreIfExists": true}},
                {"textDocument": {"uri": uri(&new_path), "version": null},
                 "edits": [{"range": range(0, 0, 0, 0), "newText": "---\ncitekey: dup2001\n---\n# A second definition of the same key\n\n2001\n"}]}
            ]}
        }])
    );
    // A citation that already has its literature note offers nothing.
    let none = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&citing)}, "range": range(5, 30, 5, 30), "context": {"diagnostics": []}}),
    );
    assert_eq!(none, Value::Null);

    // `[@` then a space-separated second item, with the `@` trigger character.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&citing), "version": 2},
               "contentChanges": [{"range": range(12, 0, 12, 0), "text": "[see @adler1939; @"}]}),
    );
    let completion = client.request("textDocument/completion", at(&citing, 12, 18));
    let labels: Vec<&str> = completion["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    // Most cited first, then alphabetical.
    assert_eq!(
        labels,
        [
            "adler1939",
            "wang2021china",
            "doe:2020-a",
            "dup2001",
            "extra:outside",
            "smith_j.2004",
            "van-dyke.1999"
        ]
    );
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn check_reports_citation_and_bibliography_problems() {
    let out = Command::new(env!("CARGO_BIN_EXE_notegraph"))
        .env("XDG_CACHE_HOME", crate::client::test_cache_home())
        .args(["check", "tests/data/cite-vault"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run notegraph");
    assert_eq!(out.status.code(), Some(1), "the vault has a broken link");
    expect![[r#"
        tests/data/cite-vault/Citing.md:8:82: warning: Unresolved link: no note named ‘@smith_j.2004’ in the vault
        tests/data/cite-vault/Citing.md:9:70: hint: ‘dup2001’ is defined 2 times (library.json, refs.bib); the entry in library.json is used
        tests/data/cite-vault/Citing.md:10:17: warning: Unknown citation key ‘wang2021chian’: no entry in ../cite-extra.bib, library.json, refs.bib
        tests/data/cite-vault/Citing.md:10:52: info: Unknown citation key ‘smiht2004’: no entry in ../cite-extra.bib, library.json, refs.bib
        tests/data/cite-vault/notes/Orphan.md:2:1: warning: This is the literature note of ‘ghost1900’, which is in no bibliography (../cite-extra.bib, library.json, refs.bib)
        tests/data/cite-vault/library.json:1:1: warning: item 3 skipped: it has no "id"
        tests/data/cite-vault/refs.bib:42:1: warning: entry skipped: unexpected end of file (line 47)
        tests/data/cite-vault/refs.bib:47:7: hint: ‘dup2001’ is already defined in library.json at line 15; that entry is used
        6 notes checked: 1 broken link, 0 ambiguous, 7 other problems
    "#]]
    .assert_eq(&String::from_utf8(out.stdout).expect("UTF-8"));
}

#[test]
fn neovim_headless_shows_the_entry_completes_the_key_and_flags_the_misspelt_one() {
    let files = TempVault::new("cite-nvim", FILES);
    // Neovim's own folders in the test's: no user config is read, nothing is left behind.
    let nvim = || {
        let mut command = Command::new("nvim");
        for (var, dir) in [
            ("XDG_CONFIG_HOME", "xdg/config"),
            ("XDG_DATA_HOME", "xdg/data"),
            ("XDG_STATE_HOME", "xdg/state"),
            ("XDG_CACHE_HOME", "xdg/cache"),
        ] {
            command.env(var, files.path(dir));
        }
        command
    };
    let Ok(found) = nvim().arg("--version").output() else {
        eprintln!("notice: nvim is not installed; skipping the Neovim client test");
        return;
    };
    assert!(found.status.success());
    let root = files.path("vault");
    let out = files.path("nvim-out.txt");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/cite-nvim.lua");
    let mut child = nvim()
        .args(["--headless", "--clean", "-c", &format!("luafile {script}")])
        .env("NOTEGRAPH_BIN", env!("CARGO_BIN_EXE_notegraph"))
        .env("NOTEGRAPH_LOG", "warn")
        .env("VAULT", &root)
        .env("OUT", &out)
        .current_dir(&root)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start nvim");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    while child.try_wait().expect("wait for nvim").is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("nvim did not finish");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let report = std::fs::read_to_string(&out).expect("the script's report");
    expect![[r#"
        hover: **@wang2021china** — Dan Wang (2021). *China's Sputnik Moment?*. Foreign Affairs 100(4), pp. 46–55. [doi:10.1000/fa.2021.china](https://doi.org/10.1000/fa.2021.china)
        completion: wang2021china (Wang 2021 · China's Sputnik Moment?)
        diagnostic 9:1 Unknown citation key ‘wang2021chian’: no entry in ../cite-extra.bib, library.json, refs.bib
        definition: @adler1939.md
    "#]]
    .assert_eq(&report);
}
