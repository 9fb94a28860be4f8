//! The HTML page: one self-contained file, the template `graph/page.html` with the graph (the
//! JSON schema plus positions from [`super::layout`]) and the sigma.js bundle
//! `graph/dist/graph.min.js` (built by `graph/build.mjs`) inlined. Its Content-Security-Policy
//! forbids every network request, so what opens on a plane is what opens at a desk.

use std::io::{self, Write};

use serde::Serialize;

use super::layout::layout;
use super::{EdgeKind, Graph, NodeKind};
use crate::index::keys;

const TEMPLATE: &str = include_str!("../../graph/page.html");
const BUNDLE: &str = include_str!("../../graph/dist/graph.min.js");

/// Text safe inside `<script type="application/json">` and `<title>`: the JSON escapes for `<`,
/// `>` and `&` are still JSON, and no `</script>` or `<!--` can end or bend the element.
fn json_for_script(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 64);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            // Line and paragraph separators are valid JSON but were not valid JavaScript in
            // older engines; escaping keeps the payload readable by both.
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

fn html_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// What the page reads: the graph of the JSON schema in columns, with the kinds as numbers and
/// titles and folders left out where the path gives them, so a 50,000-note page stays small.
#[derive(Serialize)]
struct Payload<'a> {
    vault: &'a str,
    root: &'a str,
    focus: Option<(usize, u32)>,
    node_kinds: [&'static str; 5],
    edge_kinds: [&'static str; 7],
    kind: Vec<u8>,
    path: Vec<Option<&'a str>>,
    /// `None` where the title is the path's file name (without `.md` for notes).
    title: Vec<Option<&'a str>>,
    tags: Vec<&'a [String]>,
    backlinks: Vec<u32>,
    depth: Option<Vec<u32>>,
    /// source, target, kind, count; four numbers an edge.
    edges: Vec<u32>,
}

const NODE_KINDS: [NodeKind; 5] = [
    NodeKind::Note,
    NodeKind::Attachment,
    NodeKind::Placeholder,
    NodeKind::Source,
    NodeKind::Tag,
];
const EDGE_KINDS: [EdgeKind; 7] = [
    EdgeKind::Wikilink,
    EdgeKind::Markdown,
    EdgeKind::Embed,
    EdgeKind::Frontmatter,
    EdgeKind::Field,
    EdgeKind::Citation,
    EdgeKind::Tag,
];

fn payload<'a>(graph: &'a Graph, root: &'a str, name: &'a str) -> Payload<'a> {
    let nodes = &graph.nodes;
    fn derived(n: &super::Node) -> Option<&str> {
        n.path.as_deref().map(|p| {
            let base = keys::basename(p);
            if n.kind == NodeKind::Note {
                keys::strip_md(base)
            } else {
                base
            }
        })
    }
    Payload {
        vault: name,
        root,
        focus: graph.focus,
        node_kinds: NODE_KINDS.map(NodeKind::as_str),
        edge_kinds: EDGE_KINDS.map(EdgeKind::as_str),
        kind: nodes
            .iter()
            .map(|n| NODE_KINDS.iter().position(|k| *k == n.kind).unwrap_or(0) as u8)
            .collect(),
        path: nodes.iter().map(|n| n.path.as_deref()).collect(),
        title: nodes
            .iter()
            .map(|n| (derived(n) != Some(n.title.as_str())).then_some(n.title.as_str()))
            .collect(),
        tags: nodes.iter().map(|n| n.tags.as_slice()).collect(),
        backlinks: nodes.iter().map(|n| n.backlinks).collect(),
        depth: graph
            .focus
            .map(|_| nodes.iter().map(|n| n.depth.unwrap_or(0)).collect()),
        edges: graph
            .edges
            .iter()
            .flat_map(|e| {
                let kind = EDGE_KINDS.iter().position(|k| *k == e.kind).unwrap_or(0);
                [e.source as u32, e.target as u32, kind as u32, e.count]
            })
            .collect(),
    }
}

/// Write the page for `graph` of the vault at `root` (shown as `name`).
pub fn page(graph: &Graph, root: &str, name: &str, out: &mut dyn Write) -> io::Result<()> {
    let started = std::time::Instant::now();
    let positions = layout(graph);
    tracing::debug!(
        "graph: laid out {} nodes in {:?}",
        graph.nodes.len(),
        started.elapsed()
    );
    let mut json = serde_json::to_string(&payload(graph, root, name)).expect("graphs serialise");
    // The positions go in as one more field, written by hand to keep them short.
    json.pop();
    json.push_str(r#","layout":["#);
    for (i, (x, y)) in positions.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        // Two decimals of a unit edge length: finer than a pixel at any zoom a person uses.
        json.push_str(&format!("{},{}", round2(*x), round2(*y)));
    }
    json.push_str("]}");
    let (head, rest) = TEMPLATE
        .split_once("<!--NOTEGRAPH_TITLE-->")
        .expect("the template has a title slot");
    let (middle, rest) = rest
        .split_once("<!--NOTEGRAPH_DATA-->")
        .expect("the template has a data slot");
    let (before_script, tail) = rest
        .split_once("<!--NOTEGRAPH_SCRIPT-->")
        .expect("the template has a script slot");
    out.write_all(head.as_bytes())?;
    out.write_all(html_text(&format!("notegraph — {name}")).as_bytes())?;
    out.write_all(middle.as_bytes())?;
    out.write_all(json_for_script(&json).as_bytes())?;
    out.write_all(before_script.as_bytes())?;
    out.write_all(BUNDLE.as_bytes())?;
    out.write_all(tail.as_bytes())
}

/// `x` to two decimals, without `-0` or a trailing `.0` (fewer bytes in a 50k-node page).
fn round2(x: f32) -> String {
    let r = (x as f64 * 100.0).round() / 100.0;
    if r == 0.0 || !r.is_finite() {
        "0".to_string()
    } else {
        format!("{r}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundle_cannot_end_its_script_element() {
        let lower = BUNDLE.to_ascii_lowercase();
        assert!(!lower.contains("</script"));
        assert!(!lower.contains("<!--"));
    }

    #[test]
    fn note_names_cannot_end_the_data_element() {
        assert_eq!(
            json_for_script("{\"title\":\"</script><!-- & \u{2028}\"}"),
            r#"{"title":"\u003c/script\u003e\u003c!-- \u0026 \u2028"}"#
        );
    }

    #[test]
    fn coordinates_are_short() {
        assert_eq!(round2(-0.001), "0");
        assert_eq!(round2(1.0), "1");
        assert_eq!(round2(-1.23456), "-1.23");
    }
}
