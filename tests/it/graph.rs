//! `notegraph graph` end to end: the example vault's JSON against its checked-in snapshot, its
//! counts against `check`'s, DOT through Graphviz, GraphML against the GraphML structure, and the
//! command line's errors.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

fn notegraph(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_notegraph"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run notegraph");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("UTF-8 output"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn graph_json(args: &[&str]) -> Value {
    let mut all = vec!["graph", "examples/vault", "--format", "json"];
    all.extend(args);
    let (code, out, err) = notegraph(&all);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).expect("valid JSON")
}

#[test]
fn graph_json_of_the_example_vault_matches_its_snapshot() {
    let (code, out, err) = notegraph(&["graph", "examples/vault", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let root =
        std::fs::canonicalize(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/vault")).unwrap();
    let root = serde_json::to_string(&root.to_string_lossy()).unwrap();
    // The root is where the repo is checked out; everything else is the vault's.
    let out = out.replacen(&format!("\"root\": {root}"), "\"root\": \"<vault>\"", 1);
    expect_test::expect_file!["../data/graph-example-vault.json"].assert_eq(&out);
}

#[test]
fn graph_counts_agree_with_check() {
    let graph = graph_json(&[]);
    let (_, report, _) = notegraph(&["check", "examples/vault", "--format", "json"]);
    let report: Value = serde_json::from_str(&report).unwrap();
    let nodes = graph["nodes"].as_array().unwrap();
    let edges = graph["edges"].as_array().unwrap();
    let kind = |i: &Value| {
        nodes[i.as_u64().unwrap() as usize]["kind"]
            .as_str()
            .unwrap()
    };

    let notes = nodes.iter().filter(|n| n["kind"] == "note").count();
    assert_eq!(notes as u64, report["summary"]["notes"].as_u64().unwrap());

    // Every link check calls unresolved for want of a file ends at a placeholder, and nothing
    // else does; links to missing headings and blocks reach their (existing) note.
    let codes = |code: &str| {
        report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["code"] == code)
            .count() as u64
    };
    let missing_files = codes("unresolved-note") + codes("unresolved-attachment");
    let to_placeholders: u64 = edges
        .iter()
        .filter(|e| kind(&e["target"]) == "placeholder")
        .map(|e| e["count"].as_u64().unwrap())
        .sum();
    assert_eq!(to_placeholders, missing_files);
    assert_eq!(
        missing_files + codes("unresolved-heading") + codes("unresolved-block"),
        report["summary"]["broken"].as_u64().unwrap()
    );

    // Every link of every note (same-note links aside) is counted in exactly one edge.
    let (vault, _) = notegraph::loader::load_vault(vec![
        std::fs::canonicalize(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/vault")).unwrap(),
    ]);
    let links: u64 = vault
        .notes()
        .flat_map(|(_, _, n)| n.syntax.links.iter())
        .filter(|l| !l.is_same_note())
        .count() as u64;
    let link_edges: u64 = edges
        .iter()
        .filter(|e| e["kind"] != "tag" && e["kind"] != "citation")
        .map(|e| e["count"].as_u64().unwrap())
        .sum();
    assert_eq!(link_edges, links);
    assert!(links > 50, "the example vault has links: {links}");
}

/// Whether a program runs here; tests that need it skip with a notice where it is absent.
fn have(program: &str) -> bool {
    Command::new(program)
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn pipe(program: &str, args: &[&str], input: &str) -> (bool, String, String) {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn graph_dot_is_accepted_by_graphviz() {
    if !have("dot") {
        eprintln!(
            "notice: Graphviz `dot` is not installed; skipping the DOT check (.ci/run installs it)"
        );
        return;
    }
    let (code, dot, err) = notegraph(&["graph", "examples/vault", "--format", "dot"]);
    assert_eq!(code, 0, "{err}");
    let (ok, svg, err) = pipe("dot", &["-Tsvg"], &dot);
    assert!(ok, "dot -Tsvg refused the graph: {err}");
    assert!(err.trim().is_empty(), "dot warned: {err}");
    let nodes = graph_json(&[])["nodes"].as_array().unwrap().len();
    assert_eq!(svg.matches(r#"class="node""#).count(), nodes);
}

#[test]
fn graph_graphml_is_well_formed_and_follows_the_graphml_structure() {
    use quick_xml::events::Event;
    let (code, xml, err) = notegraph(&["graph", "examples/vault", "--format", "graphml"]);
    assert_eq!(code, 0, "{err}");
    if have("xmllint") {
        let (ok, _, err) = pipe("xmllint", &["--noout", "-"], &xml);
        assert!(ok, "xmllint: {err}");
    } else {
        eprintln!("notice: xmllint is not installed; checking GraphML with quick-xml only");
    }
    // GraphML 1.0's structure (graphml.xsd): <graphml> holds <key>s, then <graph>s; a graph
    // holds <node>s and <edge>s; <data key> names a key declared for its element's kind, with a
    // value of the key's type; node ids are unique and edges join declared nodes.
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut stack: Vec<String> = Vec::new();
    let mut keys: HashMap<String, (String, String)> = HashMap::new();
    let mut node_ids = HashSet::new();
    let mut endpoints = Vec::new();
    let (mut nodes, mut edges, mut data) = (0, 0, 0);
    let mut data_key: Option<(String, String)> = None;
    let mut seen_graph = false;
    let attr = |e: &quick_xml::events::BytesStart, name: &str| {
        e.try_get_attribute(name)
            .unwrap()
            .map(|a| a.unescape_value().unwrap().into_owned())
    };
    loop {
        let event = reader.read_event().expect("well-formed XML");
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e.clone()), false),
            Event::Empty(e) => (Some(e.clone()), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
            let parent = stack.last().map(String::as_str);
            match (parent, name.as_str()) {
                (None, "graphml") => {
                    assert_eq!(
                        attr(&e, "xmlns").as_deref(),
                        Some("http://graphml.graphdrawing.org/xmlns")
                    );
                }
                (Some("graphml"), "key") => {
                    assert!(!seen_graph, "keys come before graphs");
                    let domain = attr(&e, "for").unwrap();
                    assert!(["node", "edge", "graph", "all"].contains(&domain.as_str()));
                    let ty = attr(&e, "attr.type").unwrap();
                    assert!(
                        ["boolean", "int", "long", "float", "double", "string"]
                            .contains(&ty.as_str())
                    );
                    let id = attr(&e, "id").unwrap();
                    assert!(
                        keys.insert(id, (domain, ty)).is_none(),
                        "key ids are unique"
                    );
                }
                (Some("graphml"), "graph") => {
                    seen_graph = true;
                    let d = attr(&e, "edgedefault").unwrap();
                    assert!(d == "directed" || d == "undirected");
                }
                (Some("graph"), "node") => {
                    nodes += 1;
                    assert!(
                        node_ids.insert(attr(&e, "id").unwrap()),
                        "node ids are unique"
                    );
                }
                (Some("graph"), "edge") => {
                    edges += 1;
                    endpoints.push((attr(&e, "source").unwrap(), attr(&e, "target").unwrap()));
                }
                (Some(owner @ ("node" | "edge")), "data") => {
                    data += 1;
                    let key = attr(&e, "key").unwrap();
                    let (domain, ty) = keys.get(&key).expect("data names a declared key");
                    assert!(domain == owner || domain == "all", "{key} is for {domain}");
                    data_key = Some((key, ty.clone()));
                }
                (parent, child) => panic!("<{child}> is not allowed in {parent:?}"),
            }
            if !empty {
                stack.push(name);
            }
        }
        match event {
            Event::Text(t) => {
                if let Some((key, ty)) = &data_key {
                    let text = t.decode().unwrap().into_owned();
                    if ty == "int" {
                        assert!(
                            text.parse::<i32>().is_ok(),
                            "{key} = {text:?} is not an int"
                        );
                    }
                }
            }
            // The guard pops the closed element whichever arm runs.
            Event::End(_) if stack.pop().as_deref() == Some("data") => data_key = None,
            Event::Eof => break,
            _ => {}
        }
    }
    for (s, t) in &endpoints {
        assert!(node_ids.contains(s) && node_ids.contains(t), "{s} -> {t}");
    }
    let graph = graph_json(&[]);
    assert_eq!(nodes, graph["nodes"].as_array().unwrap().len());
    assert_eq!(edges, graph["edges"].as_array().unwrap().len());
    assert!(data > nodes + edges);
}

#[test]
fn graph_of_a_note_at_depth_1_holds_the_note_and_its_neighbours() {
    let full = graph_json(&["--no-tags"]);
    let local = graph_json(&["--no-tags", "--note", "Weekly review.md", "--depth", "1"]);
    let title = |g: &Value, i: &Value| g["nodes"][i.as_u64().unwrap() as usize]["title"].clone();
    let center = full["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .position(|n| n["path"] == "Weekly review.md")
        .unwrap();
    let mut expected: Vec<String> = vec!["Weekly review".into()];
    for e in full["edges"].as_array().unwrap() {
        if e["source"] == center {
            expected.push(title(&full, &e["target"]).as_str().unwrap().into());
        }
        if e["target"] == center {
            expected.push(title(&full, &e["source"]).as_str().unwrap().into());
        }
    }
    expected.sort();
    expected.dedup();
    let mut got: Vec<String> = local["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["title"].as_str().unwrap().into())
        .collect();
    got.sort();
    assert_eq!(got, expected);
    assert_eq!(local["focus"]["depth"], 1);
    let focus = local["focus"]["node"].as_u64().unwrap() as usize;
    assert_eq!(local["nodes"][focus]["path"], "Weekly review.md");
    assert_eq!(local["nodes"][focus]["depth"], 0);
}

#[test]
fn graph_writes_to_out_and_refuses_bad_usage_with_exit_2() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("graph-out-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("graph.html");
    let (code, stdout, err) =
        notegraph(&["graph", "examples/vault", "--out", out.to_str().unwrap()]);
    assert_eq!((code, stdout.as_str()), (0, ""), "{err}");
    let page = std::fs::read_to_string(&out).unwrap();
    assert!(page.starts_with("<!doctype html>"));
    assert!(
        page.contains("default-src 'none'"),
        "the page forbids network requests"
    );
    assert!(!page.contains("<!--NOTEGRAPH_"), "every slot is filled");

    for (args, message) in [
        (
            &["graph", "examples/vault", "--format", "svg"][..],
            "--format takes",
        ),
        (
            &["graph", "examples/vault", "--depth", "2"],
            "--depth needs --note",
        ),
        (
            &[
                "graph",
                "examples/vault",
                "--note",
                "Home.md",
                "--depth",
                "0",
            ],
            "--depth takes",
        ),
        (
            &["graph", "examples/vault", "--note", "No such note"],
            "no note",
        ),
        (&["graph", "examples/no-such-folder"], "is not a folder"),
    ] {
        let (code, stdout, err) = notegraph(args);
        assert_eq!(code, 2, "{args:?}");
        assert!(stdout.is_empty(), "{args:?}");
        assert!(err.contains(message), "{args:?}: {err}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

mod editor_command {
    //! `notegraph.showGraph` over stdio, as an editor runs it.
    use serde_json::json;

    use crate::client::{Client, TempVault, uri};

    fn vault() -> TempVault {
        TempVault::new(
            "show-graph",
            &[
                ("Center.md", "[[Near]] [[Missing]]\n"),
                ("Near.md", "[[Far]]\n"),
                ("Far.md", "end\n"),
                ("In.md", "[[Center]]\n"),
            ],
        )
    }

    fn titles_in(page: &str) -> Vec<String> {
        // The page's data: paths of files in its "path" column.
        let start = page.find(r#""path":["#).expect("path column") + 8;
        let end = start + page[start..].find(']').unwrap();
        let mut paths: Vec<String> = serde_json::from_str(&format!("[{}]", &page[start..end]))
            .map(|v: Vec<Option<String>>| v.into_iter().flatten().collect())
            .unwrap();
        paths.sort();
        paths
    }

    #[test]
    fn show_graph_writes_the_local_graph_to_the_cache_and_asks_to_open_it_externally() {
        let vault = vault();
        let cache = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("show-graph-cache-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&cache);
        let caps = json!({"window": {"showDocument": {"support": true}}});
        let mut client = Client::start_with_env(
            &vault.root,
            caps,
            &[("XDG_CACHE_HOME", cache.to_str().unwrap())],
        );
        client.open(&vault.path("Center.md"));

        // Explicit note and depth 1: the note and exactly its neighbours, both ways.
        let page_uri = client.request(
            "workspace/executeCommand",
            json!({"command": "notegraph.showGraph", "arguments": [uri(&vault.path("Center.md")), 1]}),
        );
        let shown = client
            .server_requests
            .iter()
            .find(|r| r["method"] == "window/showDocument")
            .expect("the server asked to show the page")
            .clone();
        assert_eq!(shown["params"]["external"], true);
        assert_eq!(shown["params"]["uri"], page_uri);
        let page_path = page_uri
            .as_str()
            .unwrap()
            .strip_prefix("file://")
            .unwrap()
            .to_string();
        assert!(
            page_path.starts_with(cache.to_str().unwrap()),
            "{page_path}"
        );
        let page = std::fs::read_to_string(&page_path).unwrap();
        assert_eq!(titles_in(&page), ["Center.md", "In.md", "Near.md"]);

        // No arguments (Helix): the note last opened, at depth 2.
        client.request(
            "workspace/executeCommand",
            json!({"command": "notegraph.showGraph"}),
        );
        let page = std::fs::read_to_string(&page_path).unwrap();
        assert_eq!(
            titles_in(&page),
            ["Center.md", "Far.md", "In.md", "Near.md"]
        );

        // "vault": the whole vault, in its own file.
        let whole = client.request(
            "workspace/executeCommand",
            json!({"command": "notegraph.showGraph", "arguments": ["vault"]}),
        );
        assert_ne!(whole, page_uri);

        // Nothing was written inside the vault.
        let mut files: Vec<String> = std::fs::read_dir(&vault.root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        assert_eq!(files, ["Center.md", "Far.md", "In.md", "Near.md"]);

        // A bad depth is refused, not guessed.
        let id = client.send_request(
            "workspace/executeCommand",
            json!({"command": "notegraph.showGraph", "arguments": [uri(&vault.path("Center.md")), 0]}),
        );
        assert_eq!(client.response(id)["error"]["code"], -32602);
        client.shutdown();
        let _ = std::fs::remove_dir_all(&cache);
    }
}
