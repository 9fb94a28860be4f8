//! Writers of a [`Graph`]: JSON (the documented schema, README "Graph"), Graphviz DOT and
//! GraphML. Output depends only on the graph, so the same vault always gives the same bytes.

use std::io::{self, Write};

use serde::Serialize;

use super::{Graph, SCHEMA_VERSION};

#[derive(Serialize)]
struct JsonNode<'a> {
    id: usize,
    kind: &'static str,
    path: Option<&'a str>,
    title: &'a str,
    folder: &'a str,
    tags: &'a [String],
    backlinks: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    depth: Option<u32>,
}

#[derive(Serialize)]
struct JsonEdge<'a> {
    source: usize,
    target: usize,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<&'a str>,
    count: u32,
}

#[derive(Serialize)]
struct JsonFocus {
    node: usize,
    depth: u32,
}

#[derive(Serialize)]
struct JsonGraph<'a> {
    schema: &'static str,
    version: u32,
    root: &'a str,
    focus: Option<JsonFocus>,
    nodes: Vec<JsonNode<'a>>,
    edges: Vec<JsonEdge<'a>>,
}

fn json_graph<'a>(graph: &'a Graph, root: &'a str) -> JsonGraph<'a> {
    JsonGraph {
        schema: "notegraph-graph",
        version: SCHEMA_VERSION,
        root,
        focus: graph.focus.map(|(node, depth)| JsonFocus { node, depth }),
        nodes: graph
            .nodes
            .iter()
            .enumerate()
            .map(|(id, n)| JsonNode {
                id,
                kind: n.kind.as_str(),
                path: n.path.as_deref(),
                title: &n.title,
                folder: &n.folder,
                tags: &n.tags,
                backlinks: n.backlinks,
                depth: n.depth,
            })
            .collect(),
        edges: graph
            .edges
            .iter()
            .map(|e| JsonEdge {
                source: e.source,
                target: e.target,
                kind: e.kind.as_str(),
                key: e.key.as_deref(),
                count: e.count,
            })
            .collect(),
    }
}

/// The graph as pretty-printed JSON; `root` is the vault's folder, for tools that open files.
pub fn json(graph: &Graph, root: &str, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &json_graph(graph, root)).map_err(io::Error::other)?;
    writeln!(out)
}

/// A DOT string literal: quotes and backslashes escaped, line breaks kept as `\n`.
pub(crate) fn dot_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Graphviz DOT: a digraph with nodes `n0…` labelled by title, carrying the JSON fields as
/// attributes (Graphviz keeps attributes it does not know; Gephi reads them as columns).
pub fn dot(graph: &Graph, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "digraph notegraph {{")?;
    writeln!(out, "  graph [overlap=false, splines=true];")?;
    writeln!(out, "  node [fontname=\"Helvetica\", fontsize=10];")?;
    for (i, n) in graph.nodes.iter().enumerate() {
        let shape = match n.kind {
            super::NodeKind::Note => "ellipse, style=solid",
            super::NodeKind::Attachment => "box, style=solid",
            super::NodeKind::Placeholder => "ellipse, style=dashed",
            super::NodeKind::Source => "note, style=dashed",
            super::NodeKind::Tag => "plaintext, style=solid",
        };
        write!(
            out,
            "  n{i} [label={}, kind={}, shape={shape}, folder={}, backlinks={}",
            dot_str(&n.title),
            n.kind.as_str(),
            dot_str(&n.folder),
            n.backlinks
        )?;
        if let Some(path) = &n.path {
            write!(out, ", path={}", dot_str(path))?;
        }
        if !n.tags.is_empty() {
            write!(out, ", tags={}", dot_str(&n.tags.join(" ")))?;
        }
        if let Some(d) = n.depth {
            write!(out, ", depth={d}")?;
        }
        writeln!(out, "];")?;
    }
    for e in &graph.edges {
        write!(
            out,
            "  n{} -> n{} [kind={}, count={}",
            e.source,
            e.target,
            e.kind.as_str(),
            e.count
        )?;
        match e.kind {
            super::EdgeKind::Embed => write!(out, ", style=bold")?,
            super::EdgeKind::Tag => write!(out, ", style=dotted, arrowhead=none")?,
            super::EdgeKind::Citation => write!(out, ", style=dashed")?,
            _ => {}
        }
        if let Some(key) = &e.key {
            write!(out, ", key={}, label={}", dot_str(key), dot_str(key))?;
        }
        writeln!(out, "];")?;
    }
    writeln!(out, "}}")
}

/// Text for XML content and attribute values. Characters XML 1.0 cannot hold at all (most C0
/// controls) are dropped rather than written as an invalid document.
fn xml_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// The GraphML keys, in declaration order: (id, for, name, type).
pub const GRAPHML_KEYS: &[(&str, &str, &str, &str)] = &[
    ("kind", "node", "kind", "string"),
    ("path", "node", "path", "string"),
    ("title", "node", "title", "string"),
    ("folder", "node", "folder", "string"),
    ("tags", "node", "tags", "string"),
    ("backlinks", "node", "backlinks", "int"),
    ("depth", "node", "depth", "int"),
    ("ekind", "edge", "kind", "string"),
    ("key", "edge", "key", "string"),
    ("count", "edge", "count", "int"),
];

/// GraphML 1.0 (the graphdrawing.org schema), one `<data>` per field; tags are space-separated.
pub fn graphml(graph: &Graph, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">"#
    )?;
    for (id, domain, name, ty) in GRAPHML_KEYS {
        writeln!(
            out,
            r#"  <key id="{id}" for="{domain}" attr.name="{name}" attr.type="{ty}"/>"#
        )?;
    }
    writeln!(out, r#"  <graph id="notegraph" edgedefault="directed">"#)?;
    for (i, n) in graph.nodes.iter().enumerate() {
        writeln!(out, r#"    <node id="n{i}">"#)?;
        writeln!(out, r#"      <data key="kind">{}</data>"#, n.kind.as_str())?;
        if let Some(path) = &n.path {
            writeln!(out, r#"      <data key="path">{}</data>"#, xml_text(path))?;
        }
        writeln!(
            out,
            r#"      <data key="title">{}</data>"#,
            xml_text(&n.title)
        )?;
        writeln!(
            out,
            r#"      <data key="folder">{}</data>"#,
            xml_text(&n.folder)
        )?;
        if !n.tags.is_empty() {
            writeln!(
                out,
                r#"      <data key="tags">{}</data>"#,
                xml_text(&n.tags.join(" "))
            )?;
        }
        writeln!(out, r#"      <data key="backlinks">{}</data>"#, n.backlinks)?;
        if let Some(d) = n.depth {
            writeln!(out, r#"      <data key="depth">{d}</data>"#)?;
        }
        writeln!(out, "    </node>")?;
    }
    for (i, e) in graph.edges.iter().enumerate() {
        writeln!(
            out,
            r#"    <edge id="e{i}" source="n{}" target="n{}">"#,
            e.source, e.target
        )?;
        writeln!(out, r#"      <data key="ekind">{}</data>"#, e.kind.as_str())?;
        if let Some(key) = &e.key {
            writeln!(out, r#"      <data key="key">{}</data>"#, xml_text(key))?;
        }
        writeln!(out, r#"      <data key="count">{}</data>"#, e.count)?;
        writeln!(out, "    </edge>")?;
    }
    writeln!(out, "  </graph>")?;
    writeln!(out, "</graphml>")
}
