//! `notegraph graph`: load a vault, take its graph (or a note's local graph) and write it as
//! HTML, JSON, DOT or GraphML. Shared by the CLI and the editor command `notegraph.showGraph`.

use std::io::Write;
use std::path::Path;

use super::{Graph, Options, extract, local, node_of_path};
use crate::index::{Vault, keys};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Html,
    Json,
    Dot,
    Graphml,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "html" => Some(Format::Html),
            "json" => Some(Format::Json),
            "dot" | "gv" => Some(Format::Dot),
            "graphml" => Some(Format::Graphml),
            _ => None,
        }
    }
}

/// The depth of a local graph when none is given, as in the editor command.
pub const DEFAULT_DEPTH: u32 = 2;

#[derive(Clone, Debug)]
pub struct Request {
    pub format: Format,
    /// Centre of a local graph: a path to the note (absolute, or relative to the current folder),
    /// or its root-relative path, with or without `.md`.
    pub note: Option<String>,
    pub depth: u32,
    pub options: Options,
}

/// The note `spec` names in `vault`, which is rooted at `root`.
pub fn find_note(vault: &Vault, root: &Path, graph: &Graph, spec: &str) -> Option<usize> {
    // A path on disk first: what a shell's completion gives.
    if let Ok(abs) = Path::new(spec).canonicalize() {
        if let Some((_, rel)) = vault.locate(&abs) {
            return node_of_path(graph, &rel);
        }
    }
    let rel = spec.trim_start_matches("./").replace('\\', "/");
    let rel = rel
        .strip_prefix(&format!("{}/", root.display()))
        .unwrap_or(&rel);
    node_of_path(graph, rel).or_else(|| node_of_path(graph, &format!("{rel}.md")))
}

/// The graph `request` asks for, from a loaded vault.
pub fn graph_for(vault: &Vault, root: &Path, request: &Request) -> Result<Graph, String> {
    let graph = extract(vault, &request.options);
    match &request.note {
        None => Ok(graph),
        Some(spec) => {
            let center = find_note(vault, root, &graph, spec)
                .ok_or_else(|| format!("no note {spec:?} in the vault at {}", root.display()))?;
            Ok(local(&graph, center, request.depth))
        }
    }
}

/// Write `graph` of the vault at `root` in `format`.
pub fn write(
    graph: &Graph,
    root: &Path,
    format: Format,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let root_str = root.to_string_lossy();
    match format {
        Format::Json => super::write::json(graph, &root_str, out),
        Format::Dot => super::write::dot(graph, out),
        Format::Graphml => super::write::graphml(graph, out),
        Format::Html => {
            let name = root
                .file_name()
                .map(|n| keys::nfc(&n.to_string_lossy()))
                .unwrap_or_else(|| root_str.to_string());
            super::html::page(graph, &root_str, &name, out)
        }
    }
}

/// The CLI: load the vault at `dir`, write what `request` asks for to `out`.
pub fn run(dir: &Path, request: &Request, out: &mut dyn Write) -> Result<(), String> {
    let root = dir
        .canonicalize()
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    let started = std::time::Instant::now();
    let (_, vault, _) =
        crate::loader::load_configured(&root, Some(&crate::features::completion::encode_image));
    tracing::debug!("graph: loaded the vault in {:?}", started.elapsed());
    let started = std::time::Instant::now();
    let graph = graph_for(&vault, &root, request)?;
    tracing::debug!(
        "graph: {} nodes, {} edges in {:?}",
        graph.nodes.len(),
        graph.edges.len(),
        started.elapsed()
    );
    write(&graph, &root, request.format, out).map_err(|e| e.to_string())
}

/// Where the editor command writes the page of the vault at `root`: the user's cache folder
/// (`$XDG_CACHE_HOME`, else `~/.cache`), one file per vault and kind (whole or local), named
/// by a hash of the vault's path. Never inside the vault.
pub fn page_path(root: &Path, local: bool) -> Option<std::path::PathBuf> {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| std::path::PathBuf::from(h).join(".cache"))
        })?;
    // FNV-1a: stable across runs and versions, unlike the standard library's hasher.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in root.to_string_lossy().bytes() {
        hash = (hash ^ b as u64).wrapping_mul(0x100_0000_01b3);
    }
    let name = root
        .file_name()
        .map(|n| n.to_string_lossy().replace(['/', '\\', ' '], "_"))
        .unwrap_or_default();
    let kind = if local { "local" } else { "vault" };
    Some(
        cache
            .join("notegraph")
            .join("graph")
            .join(format!("{name}-{hash:016x}-{kind}.html")),
    )
}
