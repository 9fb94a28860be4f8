//! The vault as a graph for people and tools: nodes (notes, attachments, placeholders for
//! unresolved targets, uncited-elsewhere sources, tags) and edges (links by kind, with counts),
//! extracted from the index as plain data. Writers for JSON, DOT, GraphML and the HTML page live
//! beside it; nothing here knows the protocol or touches the disk.

pub mod command;
pub mod html;
pub mod layout;
pub mod write;

use std::collections::VecDeque;

use rustc_hash::FxHashMap as HashMap;

use crate::features::citations::literature_notes;
use crate::index::citations::fold_key;
use crate::index::{Broken, FileId, Vault, keys};
use crate::syntax::{Link, LinkKind};

/// The version of the JSON schema (README, "Graph"). Bumped only when a field changes meaning or
/// goes away; new fields may appear without a bump.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeKind {
    Note,
    Attachment,
    /// A link target that names no file: a note (or attachment) not written yet.
    Placeholder,
    /// A cited bibliography key that has no literature note.
    Source,
    Tag,
}

impl NodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Note => "note",
            NodeKind::Attachment => "attachment",
            NodeKind::Placeholder => "placeholder",
            NodeKind::Source => "source",
            NodeKind::Tag => "tag",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EdgeKind {
    Wikilink,
    Markdown,
    Embed,
    /// A link in a frontmatter value (`up: "[[T]]"`); the edge's key is the frontmatter key.
    Frontmatter,
    /// A Dataview inline field (`up:: [[T]]`); the edge's key is the field's key.
    Field,
    Citation,
    Tag,
}

impl EdgeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Wikilink => "wikilink",
            EdgeKind::Markdown => "markdown",
            EdgeKind::Embed => "embed",
            EdgeKind::Frontmatter => "frontmatter",
            EdgeKind::Field => "field",
            EdgeKind::Citation => "citation",
            EdgeKind::Tag => "tag",
        }
    }

    /// Whether the edge is a link or citation (what a local graph walks), not a tag use.
    pub fn is_link(self) -> bool {
        self != EdgeKind::Tag
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub kind: NodeKind,
    /// Root-relative path of a note or attachment; `None` for the others.
    pub path: Option<String>,
    /// What a person reads: a note's name, an attachment's file name, a placeholder's target as
    /// first written, `@key` of a source, `#tag` of a tag.
    pub title: String,
    /// The folder of a note or attachment (`""` at the root); `""` for the others.
    pub folder: String,
    /// A note's tags, as first written, in order of first use.
    pub tags: Vec<String>,
    /// How many distinct notes link to (or cite, or use) this node.
    pub backlinks: u32,
    /// With `--note`: the distance from that note over links (either direction).
    pub depth: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edge {
    /// Indexes into [`Graph::nodes`].
    pub source: usize,
    pub target: usize,
    pub kind: EdgeKind,
    /// The frontmatter key or inline field key of `Frontmatter` and `Field` edges.
    pub key: Option<String>,
    /// How many links of this kind (and key) the source has to the target.
    pub count: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Graph {
    pub nodes: Vec<Node>,
    /// Sorted by (source, target, kind, key).
    pub edges: Vec<Edge>,
    /// The note a local graph is centred on, and its depth.
    pub focus: Option<(usize, u32)>,
}

#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Leave tag nodes and edges out.
    pub no_tags: bool,
}

/// Identity of a node that is not a file, while the graph is built; these nodes follow the
/// files in the order of these keys.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum NodeKey {
    /// The folded target: links that fail to resolve the same way share one placeholder.
    Placeholder(String),
    Source(String),
    Tag(String),
}

fn edge_kind(link: &Link) -> (EdgeKind, Option<String>) {
    if link.embed {
        (EdgeKind::Embed, None)
    } else if link.in_frontmatter {
        (EdgeKind::Frontmatter, link.field().map(|k| k.to_string()))
    } else if let Some(key) = link.field() {
        (EdgeKind::Field, Some(key.to_string()))
    } else {
        match link.kind {
            LinkKind::Wiki => (EdgeKind::Wikilink, None),
            LinkKind::Markdown => (EdgeKind::Markdown, None),
        }
    }
}

/// The nodes that are not files, numbered in order of first use while edges are gathered.
#[derive(Default)]
struct Others {
    ids: HashMap<NodeKey, u32>,
    /// Key and title (the spelling first met, in path order) of each.
    list: Vec<(NodeKey, String)>,
}

impl Others {
    fn id(&mut self, key: NodeKey, title: impl FnOnce() -> String) -> u32 {
        let next = self.list.len() as u32;
        *self.ids.entry(key.clone()).or_insert_with(|| {
            self.list.push((key, title()));
            next
        })
    }
}

/// The whole vault as a graph. Same-note links (`[[#Heading]]`) are left out: they would be
/// loops on every note with a table of contents. One pass over the vault's links, each
/// resolved once, with integer keys: 500,000 links take about as long as resolving them.
pub fn extract(vault: &Vault, options: &Options) -> Graph {
    let mut files: Vec<(FileId, &crate::index::File)> = vault.files().collect();
    // Each path read once, not once per comparison.
    files.sort_by_cached_key(|(_, file)| (file.rel(), file.root));
    let position: HashMap<FileId, u32> = files
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (*id, i as u32))
        .collect();
    let n_files = files.len() as u32;
    let mut others = Others::default();
    // Targets below `n_files` are files; others are `n_files + ` their number in `others`.
    let mut raw_edges: HashMap<(u32, u32, EdgeKind, Option<String>), u32> = HashMap::default();
    let mut nodes: Vec<Node> = Vec::with_capacity(files.len());
    for (from, &(id, file)) in files.iter().enumerate() {
        let from = from as u32;
        let mut node = Node {
            kind: if file.is_note() {
                NodeKind::Note
            } else {
                NodeKind::Attachment
            },
            path: Some(file.rel().to_string()),
            title: file.display_name().to_string(),
            folder: file.folder().to_string(),
            tags: Vec::new(),
            backlinks: 0,
            depth: None,
        };
        let Some(note) = file.note() else {
            nodes.push(node);
            continue;
        };
        for link in &note.syntax.links {
            if link.is_same_note() {
                continue;
            }
            let to = match vault.resolve(id, link) {
                Ok(resolved) => position[&resolved.file],
                Err(Broken::Heading { resolved, .. } | Broken::Block { resolved, .. }) => {
                    position[&resolved.file]
                }
                Err(Broken::File { target, .. }) => {
                    let shown = keys::normalize_target(&target);
                    n_files + others.id(NodeKey::Placeholder(keys::fold(&shown)), || shown)
                }
            };
            let (kind, field) = edge_kind(link);
            *raw_edges.entry((from, to, kind, field)).or_default() += 1;
        }
        for citation in &note.syntax.citations {
            let to = match literature_notes(vault, &citation.key).first() {
                Some(lit) => position[lit],
                None => {
                    n_files
                        + others.id(NodeKey::Source(fold_key(&citation.key)), || {
                            format!("@{}", citation.key)
                        })
                }
            };
            *raw_edges
                .entry((from, to, EdgeKind::Citation, None))
                .or_default() += 1;
        }
        let mut folded_tags: Vec<String> = Vec::new();
        for tag in &note.syntax.tags() {
            let folded = keys::fold(&tag.name);
            if !folded_tags.contains(&folded) {
                folded_tags.push(folded.clone());
                node.tags.push(tag.name.to_string());
            }
            if options.no_tags {
                continue;
            }
            let to = n_files + others.id(NodeKey::Tag(folded), || format!("#{}", tag.name));
            *raw_edges
                .entry((from, to, EdgeKind::Tag, None))
                .or_default() += 1;
        }
        nodes.push(node);
    }

    // The other nodes go after the files, ordered by kind then key.
    let mut order: Vec<u32> = (0..others.list.len() as u32).collect();
    order.sort_by(|&a, &b| others.list[a as usize].0.cmp(&others.list[b as usize].0));
    let mut rank = vec![0u32; order.len()];
    for (r, &o) in order.iter().enumerate() {
        rank[o as usize] = n_files + r as u32;
    }
    for &o in &order {
        let (key, title) = &others.list[o as usize];
        nodes.push(Node {
            kind: match key {
                NodeKey::Placeholder(_) => NodeKind::Placeholder,
                NodeKey::Source(_) => NodeKind::Source,
                NodeKey::Tag(_) => NodeKind::Tag,
            },
            path: None,
            title: title.clone(),
            folder: String::new(),
            tags: Vec::new(),
            backlinks: 0,
            depth: None,
        });
    }
    let final_id = |t: u32| {
        if t < n_files {
            t as usize
        } else {
            rank[(t - n_files) as usize] as usize
        }
    };
    let mut edges: Vec<Edge> = raw_edges
        .into_iter()
        .map(|((from, to, kind, key), count)| Edge {
            source: from as usize,
            target: final_id(to),
            kind,
            key,
            count,
        })
        .collect();
    edges.sort_unstable_by(|a, b| {
        (a.source, a.target, a.kind, &a.key).cmp(&(b.source, b.target, b.kind, &b.key))
    });
    count_backlinks(&mut nodes, &edges);
    Graph {
        nodes,
        edges,
        focus: None,
    }
}

/// Distinct source notes of each node's incoming edges, self-links aside.
fn count_backlinks(nodes: &mut [Node], edges: &[Edge]) {
    for node in nodes.iter_mut() {
        node.backlinks = 0;
    }
    // Edges are sorted by source then target, so equal (source, target) pairs are adjacent.
    let mut last = None;
    for e in edges {
        if e.source != e.target && last != Some((e.source, e.target)) {
            nodes[e.target].backlinks += 1;
        }
        last = Some((e.source, e.target));
    }
}

/// Undirected adjacency over link edges (tags aside): what a local graph walks.
pub fn link_neighbours(graph: &Graph) -> Vec<Vec<usize>> {
    let mut adj = vec![Vec::new(); graph.nodes.len()];
    for e in graph.edges.iter().filter(|e| e.kind.is_link()) {
        if e.source != e.target {
            adj[e.source].push(e.target);
            adj[e.target].push(e.source);
        }
    }
    for list in &mut adj {
        list.sort_unstable();
        list.dedup();
    }
    adj
}

/// The node of the file at root-relative `rel`, if the graph has it.
pub fn node_of_path(graph: &Graph, rel: &str) -> Option<usize> {
    let rel = keys::nfc(&rel.replace('\\', "/"));
    graph
        .nodes
        .iter()
        .position(|n| n.path.as_deref() == Some(rel.as_str()))
}

/// The local graph of node `center`: nodes within `depth` links of it (either direction; tags
/// do not connect notes), the tags of those within `depth - 1`, and the edges among them.
/// Each kept node records its distance.
pub fn local(graph: &Graph, center: usize, depth: u32) -> Graph {
    let adj = link_neighbours(graph);
    let mut dist: Vec<Option<u32>> = vec![None; graph.nodes.len()];
    dist[center] = Some(0);
    let mut queue = VecDeque::from([center]);
    while let Some(n) = queue.pop_front() {
        let d = dist[n].expect("queued nodes have a distance");
        if d == depth {
            continue;
        }
        for &m in &adj[n] {
            if dist[m].is_none() {
                dist[m] = Some(d + 1);
                queue.push_back(m);
            }
        }
    }
    // A tag sits one step beyond the nearest note that uses it.
    for e in graph.edges.iter().filter(|e| e.kind == EdgeKind::Tag) {
        if let Some(d) = dist[e.source].filter(|&d| d < depth) {
            let t = &mut dist[e.target];
            if t.is_none_or(|t| t > d + 1) {
                *t = Some(d + 1);
            }
        }
    }
    let mut renumber = vec![usize::MAX; graph.nodes.len()];
    let mut nodes = Vec::new();
    for (i, node) in graph.nodes.iter().enumerate() {
        if let Some(d) = dist[i] {
            renumber[i] = nodes.len();
            nodes.push(Node {
                depth: Some(d),
                ..node.clone()
            });
        }
    }
    let edges: Vec<Edge> = graph
        .edges
        .iter()
        .filter(|e| renumber[e.source] != usize::MAX && renumber[e.target] != usize::MAX)
        .map(|e| Edge {
            source: renumber[e.source],
            target: renumber[e.target],
            ..e.clone()
        })
        .collect();
    Graph {
        nodes,
        edges,
        focus: Some((renumber[center], depth)),
    }
}

#[cfg(test)]
mod tests;
