//! Load and ordering: thousands of `didChange`s pipelined with completion, hover and definition
//! requests, half of them cancelled. Every request gets an answer or a RequestCancelled /
//! ContentModified error; every answer matches the text as of its request (the client keeps its
//! own copy); the final buffer is byte-identical to the client's (read back through the hover
//! preview of a self-link); and the server's peak memory stays bounded.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::client::{Client, TempVault, uri};

const CHANGES: usize = 3_000;
/// Requests in flight before the client stops to read answers.
const WINDOW: usize = 200;
const REQUEST_CANCELLED: i64 = -32800;
const CONTENT_MODIFIED: i64 = -32801;
/// A bound on the server's peak resident memory for this session; the session itself needs a
/// few tens of MB, so crossing it means something grows with the number of edits.
const PEAK_RSS_LIMIT_KB: u64 = 200 * 1024;

/// Note names of different lengths, so that a range from a stale text differs from a fresh one.
fn name(k: usize) -> String {
    format!("T{}{k}", "e".repeat(k))
}

fn line_of(k: usize) -> String {
    // The emoji takes two UTF-16 units: positions are checked in the default encoding.
    format!("😀 [[{}]] filler\n", name(k))
}

/// A deterministic stream of small numbers (xorshift).
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn pos(line: usize, character: usize) -> Value {
    json!({"line": line, "character": character})
}

fn range(line: usize, start: usize, end: usize) -> Value {
    json!({"start": pos(line, start), "end": pos(line, end)})
}

/// The client's copy: line 0 is a self-link, every other line a link to `name(k)`.
struct Model {
    targets: Vec<usize>,
}

impl Model {
    fn text(&self) -> String {
        let mut text = String::from("[[doc]] self\n");
        for &k in &self.targets {
            text.push_str(&line_of(k));
        }
        text
    }
}

/// What the answer to a request must be, given the text when it was sent.
enum Expect {
    Definition(String),
    Hover(Value),
    Completion(Value),
}

#[test]
fn pipelined_edits_and_requests_half_cancelled_are_answered_in_order_and_memory_stays_bounded() {
    let mut files: Vec<(String, String)> = (0..10)
        .map(|k| {
            (
                format!("{}.md", name(k)),
                format!("# {}\nbody {k}\n", name(k)),
            )
        })
        .collect();
    files.push(("doc.md".to_string(), String::new()));
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let vault = TempVault::new("load", &borrowed);
    let mut client = Client::start(&vault.root, Client::editor_capabilities());
    client.wait_indexed();
    let doc = vault.path("doc.md");
    let doc_uri = uri(&doc);
    let mut model = Model {
        targets: (0..10).collect(),
    };
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": doc_uri, "languageId": "markdown", "version": 1, "text": model.text()}}),
    );

    let mut dice = Dice(0x9E37_79B9_7F4A_7C15);
    let mut expected: HashMap<i64, Expect> = HashMap::new();
    let mut in_flight = 0;
    let (mut answered, mut cancelled, mut cancel_sent, mut requests) = (0, 0, 0, 0);
    for version in 2..CHANGES as i64 + 2 {
        let line = 1 + dice.below(model.targets.len());
        let i = line - 1;
        let changes = match dice.below(10) {
            // Retarget the link on `line`.
            0..=5 => {
                let old = name(model.targets[i]).chars().count();
                let k = dice.below(10);
                model.targets[i] = k;
                json!([{"range": range(line, 5, 5 + old), "text": name(k)}])
            }
            6 if model.targets.len() < 30 => {
                let k = dice.below(10);
                model.targets.insert(i, k);
                json!([{"range": {"start": pos(line, 0), "end": pos(line, 0)}, "text": line_of(k)}])
            }
            7 if model.targets.len() > 3 => {
                model.targets.remove(i);
                json!([{"range": {"start": pos(line, 0), "end": pos(line + 1, 0)}, "text": ""}])
            }
            // Two changes in one notification, applied in order.
            8 if model.targets.len() < 30 => {
                let (a, b) = (dice.below(10), dice.below(10));
                let old = name(model.targets[i]).chars().count();
                model.targets[i] = a;
                model.targets.insert(0, b);
                json!([
                    {"range": range(line, 5, 5 + old), "text": name(a)},
                    {"range": {"start": pos(1, 0), "end": pos(1, 0)}, "text": line_of(b)}
                ])
            }
            _ => json!([{"text": model.text()}]),
        };
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": doc_uri, "version": version}, "contentChanges": changes}),
        );

        // Ask about a line, right after the change, without waiting for anything.
        let line = 1 + dice.below(model.targets.len());
        let target = name(model.targets[line - 1]);
        let len = target.chars().count();
        let at = json!({"textDocument": {"uri": doc_uri}, "position": pos(line, 6)});
        let (method, expect) = match version % 3 {
            0 => (
                "textDocument/definition",
                Expect::Definition(uri(&vault.path(&format!("{target}.md")))),
            ),
            1 => (
                "textDocument/hover",
                Expect::Hover(range(line, 3, 5 + len + 2)),
            ),
            _ => (
                "textDocument/completion",
                Expect::Completion(range(line, 5, 5 + len)),
            ),
        };
        let id = client.send_request(method, at);
        requests += 1;
        expected.insert(id, expect);
        in_flight += 1;
        if dice.below(2) == 0 {
            client.notify("$/cancelRequest", json!({"id": id}));
            cancel_sent += 1;
        }
        if in_flight >= WINDOW || version as usize == CHANGES + 1 {
            while in_flight > 0 {
                let message = client.recv();
                let Some(id) = message["id"].as_i64() else {
                    continue; // A notification (diagnostics).
                };
                if message.get("method").is_some() {
                    continue; // A request from the server, answered by the client.
                }
                let expect = expected.remove(&id).expect("one answer per request");
                in_flight -= 1;
                if let Some(error) = message.get("error") {
                    let code = error["code"].as_i64().unwrap();
                    assert!(
                        code == REQUEST_CANCELLED || code == CONTENT_MODIFIED,
                        "request {id}: {message}"
                    );
                    cancelled += 1;
                    continue;
                }
                answered += 1;
                let result = &message["result"];
                match expect {
                    Expect::Definition(uri) => assert_eq!(result["uri"], uri, "request {id}"),
                    Expect::Hover(range) => assert_eq!(result["range"], range, "request {id}"),
                    Expect::Completion(range) => {
                        let items = result["items"].as_array().expect("completion items");
                        assert!(!items.is_empty(), "request {id}");
                        for item in items {
                            assert_eq!(item["textEdit"]["range"], range, "request {id}");
                        }
                    }
                }
            }
        }
    }
    assert!(expected.is_empty());
    assert_eq!(answered + cancelled, requests);

    // The buffer is byte-identical to the client's copy: the hover preview of the self-link on
    // line 0 shows the whole note (it is short enough not to be cut).
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": doc_uri}, "position": pos(0, 3)}),
    );
    let markdown = hover["contents"]["value"].as_str().unwrap();
    let preview = markdown.split("\n\n---\n\n").nth(1).expect("a preview");
    assert_eq!(preview, model.text().trim_end());

    let status = std::fs::read_to_string(format!("/proc/{}/status", client.pid())).unwrap();
    let peak_kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
        .expect("VmHWM");
    eprintln!(
        "load: {CHANGES} changes, {requests} requests ({cancel_sent} cancellations sent; \
         {answered} answered, {cancelled} cancelled); peak RSS {} MB",
        peak_kb / 1024
    );
    assert!(peak_kb < PEAK_RSS_LIMIT_KB, "peak RSS {peak_kb} kB");
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn a_flood_of_messages_before_the_client_answers_the_servers_startup_requests_does_not_deadlock() {
    let vault = TempVault::new("startup-flood", &[("a.md", "[[b]]\n"), ("b.md", "# B\n")]);
    flood(&vault);
}

/// The same on a restart, while the server answers from its sketch (the names of the on-disk
/// index the first session wrote): the requests the sketch cannot answer wait for the full
/// index, which waits for file watching — registered by the client, which answers only after
/// its flood. The notes opened while the restart's notes are verified get their diagnostics
/// too (they once got none: the open buffers were listed when the index was installed).
#[test]
fn a_flood_of_messages_while_a_restart_serves_its_sketch_is_answered_with_every_diagnostic() {
    let vault = TempVault::new("restart-flood", &[("a.md", "[[b]]\n"), ("b.md", "# B\n")]);
    flood(&vault);
    flood(&vault);
}

/// Start a session on `vault` by hand and flood it before answering its startup requests:
/// every definition is answered, every opened note's broken link is reported, and the session
/// shuts down cleanly (writing its index).
fn flood(vault: &TempVault) {
    let a = vault.path("a.md");
    // Initialize by hand: after `initialized` the server asks the client to register file
    // watching and to create a progress token, and the client answers only after its flood.
    let mut client = Client::spawn(&["lsp"]);
    let id = client.send_request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&vault.root),
               "capabilities": Client::editor_capabilities()}),
    );
    client.response(id);
    client.notify("initialized", json!({}));
    let at = json!({"textDocument": {"uri": uri(&a)}, "position": pos(0, 3)});
    let mut ids = Vec::new();
    for i in 0..300 {
        if i % 3 == 0 {
            ids.push(client.send_request("textDocument/definition", at.clone()));
        } else {
            client.notify(
                "textDocument/didOpen",
                json!({"textDocument": {"uri": uri(&vault.path(&format!("open{i}.md"))),
                                        "languageId": "markdown", "version": 1,
                                        "text": "[[b]] [[nowhere]]"}}),
            );
        }
    }
    for id in ids {
        let response = client.response(id);
        assert_eq!(
            response["result"]["uri"],
            uri(&vault.path("b.md")),
            "{response}"
        );
    }
    // Every note opened during the flood has its broken link reported.
    for i in (0..300).filter(|i| i % 3 != 0) {
        let note = uri(&vault.path(&format!("open{i}.md")));
        client.wait_for("textDocument/publishDiagnostics", |params| {
            params["uri"] == note
                && params["diagnostics"]
                    .as_array()
                    .is_some_and(|d| d.len() == 1)
        });
    }
    assert_eq!(client.shutdown(), 0);
}
