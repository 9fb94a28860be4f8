// The interactive graph page: reads the vault's graph from the page itself (the JSON of README
// "Graph" plus positions laid out by notegraph), draws it with sigma.js (WebGL) and wires the
// panel: search, hover highlights, click details, filters, colours, the local graph's depth.
import Graph from 'graphology';
import Sigma from 'sigma';
import forceAtlas2 from 'graphology-layout-forceatlas2';
import FA2Layout from 'graphology-layout-forceatlas2/worker';

const $ = (id) => document.getElementById(id);

// A palette that stays readable on light and dark backgrounds; folders beyond it share colours.
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1',
  '#ff9da7', '#9c755f', '#2f4b7c', '#a05195', '#008080'];
const GREY = '#b0b0b0';
const TAG = '#6b8e23';
const SOURCE = '#c49c94';
const DIM = '#dedede';

function fileUrl(root, path) {
  const full = `${root.replace(/\/+$/, '')}/${path}`;
  // Windows roots (C:\…) become file:///C:/…
  const slashed = full.replace(/\\/g, '/');
  return `file://${slashed.startsWith('/') ? '' : '/'}${slashed.split('/').map(encodeURIComponent).join('/')}`;
}

function start() {
  // The payload (src/graph/html.rs): the graph in columns, edges as flat numbers.
  const data = JSON.parse($('notegraph-data').textContent);
  const { vault, layout } = data;
  const nodes = data.kind.map((k, i) => {
    const path = data.path[i];
    const kind = data.node_kinds[k];
    const base = path ? path.slice(path.lastIndexOf('/') + 1) : '';
    const cut = path ? path.lastIndexOf('/') : -1;
    return {
      kind,
      path,
      title: data.title[i] ?? (kind === 'note' ? base.replace(/\.md$/i, '') : base),
      folder: cut > 0 ? path.slice(0, cut) : '',
      tags: data.tags[i],
      backlinks: data.backlinks[i],
      depth: data.depth ? data.depth[i] : undefined,
    };
  });
  const g = { root: data.root, focus: data.focus && { node: data.focus[0], depth: data.focus[1] }, edges: [] };
  for (let i = 0; i < data.edges.length; i += 4) {
    g.edges.push({ source: data.edges[i], target: data.edges[i + 1], kind: data.edge_kinds[data.edges[i + 2]], count: data.edges[i + 3] });
  }
  document.title = `notegraph — ${vault}`;
  $('heading').textContent = g.focus ? `${nodes[g.focus.node].title} (local graph)` : vault;

  // Colour keys: the top-level folder, or the note's first tag.
  const topFolder = (n) => (n.folder ? n.folder.split('/')[0] : '/');
  const colourKeys = { folder: new Map(), tag: new Map() };
  for (const n of nodes) {
    if (n.kind !== 'note' && n.kind !== 'attachment') continue;
    const f = topFolder(n);
    colourKeys.folder.set(f, (colourKeys.folder.get(f) || 0) + 1);
    const t = n.tags[0] ? n.tags[0].toLowerCase() : '(no tag)';
    colourKeys.tag.set(t, (colourKeys.tag.get(t) || 0) + 1);
  }
  const palettes = {};
  for (const [by, counts] of Object.entries(colourKeys)) {
    // The biggest groups get the distinct colours.
    const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    palettes[by] = new Map(sorted.map(([k], i) => [k, i < PALETTE.length ? PALETTE[i] : GREY]));
    palettes[by].sorted = sorted;
  }
  let colourBy = 'folder';
  const colourOf = (n) => {
    switch (n.kind) {
      case 'placeholder': return GREY;
      case 'tag': return TAG;
      case 'source': return SOURCE;
      default:
        return palettes[colourBy].get(colourBy === 'folder' ? topFolder(n)
          : (n.tags[0] ? n.tags[0].toLowerCase() : '(no tag)'));
    }
  };

  // One drawn edge per linked pair; its kinds and counts are kept for the details panel. Tags
  // (often half the edges of a big vault) join the drawing only once someone shows them.
  const graph = new Graph({ type: 'directed', multi: false, allowSelfLoops: false });
  const big = nodes.length > 20000;
  const linkDegree = new Uint32Array(nodes.length);
  const addNode = (i) => {
    const n = nodes[i];
    // Sizes are in screen pixels: thousands of notes get small dots, so that hubs stand out
    // without covering their neighbours.
    const size = nodes.length > 2000 ? 1.5 + 0.8 * Math.sqrt(n.backlinks) : 4 + 1.6 * Math.sqrt(n.backlinks);
    graph.addNode(String(i), {
      x: layout[2 * i], y: layout[2 * i + 1], size: Math.min(size, nodes.length > 2000 ? 16 : 24),
      label: n.title, color: colourOf(n), kind: n.kind, depth: n.depth,
    });
  };
  const addEdge = (e) => {
    const s = String(e.source); const t = String(e.target);
    const id = `${s}>${t}`;
    if (graph.hasEdge(id)) {
      graph.updateEdgeAttribute(id, 'count', (c) => c + e.count);
    } else {
      graph.addDirectedEdgeWithKey(id, s, t, { kind: e.kind, count: e.count, size: 1, color: '#ccc' });
    }
  };
  nodes.forEach((n, i) => { if (n.kind !== 'tag') addNode(i); });
  for (const e of g.edges) {
    if (e.source === e.target || e.kind === 'tag') continue;
    linkDegree[e.source]++; linkDegree[e.target]++;
    addEdge(e);
  }
  let tagsDrawn = false;
  const drawTags = () => {
    if (tagsDrawn) return;
    tagsDrawn = true;
    nodes.forEach((n, i) => { if (n.kind === 'tag') addNode(i); });
    for (const e of g.edges) if (e.kind === 'tag') addEdge(e);
  };

  // What the filters and the depth slider leave visible.
  const show = { orphans: true, attachments: true, placeholders: true, tags: false };
  let maxDepth = g.focus ? g.focus.depth : Infinity;
  const isVisible = (i) => {
    const n = nodes[i];
    if (n.kind === 'tag' && !show.tags) return false;
    if (n.kind === 'attachment' && !show.attachments) return false;
    if ((n.kind === 'placeholder' || n.kind === 'source') && !show.placeholders) return false;
    if (n.kind === 'note' && linkDegree[i] === 0 && !show.orphans) return false;
    if (n.depth !== undefined && n.depth > maxDepth) return false;
    return true;
  };
  let visible = new Uint8Array(nodes.length);
  const recompute = () => { for (let i = 0; i < nodes.length; i++) visible[i] = isVisible(i) ? 1 : 0; };
  recompute();

  let hovered = null;
  let hoveredNeighbours = new Set();
  let selected = null;
  const renderer = new Sigma(graph, $('graph'), {
    hideEdgesOnMove: nodes.length > 20000,
    // Every label on small graphs; only the hubs' on big ones, until zoomed in.
    labelRenderedSizeThreshold: nodes.length > 500 ? 8 : 0,
    zIndex: true,
    nodeReducer: (key, attrs) => {
      const i = Number(key);
      if (!visible[i]) return { ...attrs, hidden: true };
      if (hovered !== null && key !== hovered && !hoveredNeighbours.has(key)) {
        // Dimming every other node would redraw the whole of a big graph on each hover.
        return big ? attrs : { ...attrs, color: DIM, label: '', zIndex: 0 };
      }
      if (hovered !== null || key === selected) {
        return { ...attrs, zIndex: 1, highlighted: key === selected || key === hovered, forceLabel: true };
      }
      return attrs;
    },
    edgeReducer: (key, attrs) => {
      const [s, t] = key.split('>');
      if (!visible[Number(s)] || !visible[Number(t)]) return { ...attrs, hidden: true };
      if (hovered !== null) {
        if (s === hovered || t === hovered) return { ...attrs, color: '#555', size: 1.5, zIndex: 1 };
        return big ? attrs : { ...attrs, hidden: true };
      }
      return attrs;
    },
  });

  // On a big graph only the hovered node, its neighbours and its edges are redrawn.
  const hoverRefresh = (node) => {
    if (!big) { renderer.refresh({ skipIndexation: true }); return; }
    renderer.refresh({ partialGraph: { nodes: [node, ...graph.neighbors(node)], edges: graph.edges(node) }, skipIndexation: true });
  };
  renderer.on('enterNode', ({ node }) => {
    hovered = node;
    hoveredNeighbours = new Set(graph.neighbors(node));
    hoverRefresh(node);
  });
  renderer.on('leaveNode', ({ node }) => {
    hovered = null;
    hoveredNeighbours = new Set();
    hoverRefresh(node);
  });
  renderer.on('clickNode', ({ node }) => select(node));
  renderer.on('clickStage', () => { selected = null; $('info').textContent = ''; renderer.refresh({ skipIndexation: true }); });

  // The details of a node: title, path with its file:// link, kind, backlinks, tags.
  function select(key) {
    selected = key;
    const n = nodes[Number(key)];
    const info = $('info');
    info.textContent = '';
    const title = document.createElement('strong');
    title.textContent = n.title;
    info.append(title, document.createElement('br'));
    if (n.path) {
      const a = document.createElement('a');
      a.className = 'path';
      a.id = 'info-path';
      a.href = fileUrl(g.root, n.path);
      a.textContent = n.path;
      info.append(a, document.createElement('br'));
    }
    const facts = [n.kind, `${n.backlinks} backlink${n.backlinks === 1 ? '' : 's'}`,
      `${graph.degree(key)} neighbour${graph.degree(key) === 1 ? '' : 's'}`];
    if (n.tags.length) facts.push(n.tags.map((t) => `#${t}`).join(' '));
    const p = document.createElement('div');
    p.textContent = facts.join(' · ');
    info.append(p);
    renderer.refresh({ skipIndexation: true });
  }

  function focus(key) {
    const d = renderer.getNodeDisplayData(key);
    if (d) renderer.getCamera().animate({ x: d.x, y: d.y, ratio: 0.15 }, { duration: 300 });
    select(key);
  }

  // Search: exact title first, then prefix, then anywhere in title or path; ten results.
  $('search').addEventListener('input', () => {
    const q = $('search').value.trim().toLowerCase();
    const list = $('results');
    list.textContent = '';
    if (!q) return;
    const hits = [];
    for (let i = 0; i < nodes.length && hits.length < 500; i++) {
      const n = nodes[i];
      const t = n.title.toLowerCase();
      let rank = -1;
      if (t === q) rank = 0;
      else if (t.startsWith(q)) rank = 1;
      else if (t.includes(q) || (n.path && n.path.toLowerCase().includes(q))) rank = 2;
      if (rank >= 0) hits.push([rank, t.length, i]);
    }
    hits.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
    for (const [, , i] of hits.slice(0, 10)) {
      const li = document.createElement('li');
      li.textContent = nodes[i].path || nodes[i].title;
      li.dataset.node = String(i);
      li.addEventListener('click', () => focus(String(i)));
      list.append(li);
    }
  });
  $('search').addEventListener('keydown', (ev) => {
    const first = $('results').firstElementChild;
    if (ev.key === 'Enter' && first) focus(first.dataset.node);
  });

  const refilter = () => { recompute(); renderer.refresh({ skipIndexation: true }); stats(); };
  for (const what of Object.keys(show)) {
    const box = $(`show-${what}`);
    box.checked = show[what];
    box.addEventListener('change', () => {
      show[what] = box.checked;
      if (what === 'tags' && box.checked) drawTags();
      refilter();
    });
  }
  $('colour-by').addEventListener('change', () => {
    colourBy = $('colour-by').value;
    graph.updateEachNodeAttributes((key, attrs) => ({ ...attrs, color: colourOf(nodes[Number(key)]) }));
    legend();
  });
  if (g.focus) {
    const slider = $('depth');
    $('depth-box').hidden = false;
    slider.max = String(g.focus.depth);
    slider.value = String(g.focus.depth);
    $('depth-value').textContent = slider.value;
    slider.addEventListener('input', () => {
      maxDepth = Number(slider.value);
      $('depth-value').textContent = slider.value;
      refilter();
    });
  }

  // ForceAtlas2 in a worker, on demand: the positions notegraph wrote are the starting point.
  let fa2 = null;
  $('relax').addEventListener('click', () => {
    if (!fa2) fa2 = new FA2Layout(graph, { settings: { ...forceAtlas2.inferSettings(graph), barnesHutOptimize: graph.order > 2000 } });
    if (fa2.isRunning()) { fa2.stop(); $('relax').textContent = 'Relax layout'; } else { fa2.start(); $('relax').textContent = 'Stop'; }
  });

  function legend() {
    const box = $('legend');
    box.textContent = '';
    for (const [k] of palettes[colourBy].sorted.slice(0, PALETTE.length)) {
      const s = document.createElement('span');
      const dot = document.createElement('i');
      dot.style.background = palettes[colourBy].get(k);
      s.append(dot, k);
      box.append(s);
    }
  }
  function stats() {
    let n = 0;
    for (let i = 0; i < visible.length; i++) n += visible[i];
    let e = 0;
    graph.forEachEdge((key, attrs, s, t) => { if (visible[Number(s)] && visible[Number(t)]) e++; });
    $('stats').textContent = `${n} nodes, ${e} links shown`;
    return n;
  }
  legend();
  const shown = stats();
  // A local graph opens with its note selected: its name and path in the panel, its dot ringed.
  if (g.focus) select(String(g.focus.node));

  // For tests and benchmarks (graph/test/run.mjs, bench/graph_bench.py): plain reads, no
  // control the page itself lacks.
  window.notegraph = {
    ready: true,
    shownNodes: () => { let n = 0; for (let i = 0; i < visible.length; i++) n += visible[i]; return n; },
    shownTitles: () => nodes.filter((_, i) => visible[i]).map((n) => n.title).sort(),
    // What a hover leaves lit: every shown node when nothing is hovered.
    litTitles: () => nodes.filter((_, i) => visible[i] && (hovered === null || String(i) === hovered
      || hoveredNeighbours.has(String(i)))).map((n) => n.title).sort(),
    viewportOf: (i) => {
      const d = renderer.getNodeDisplayData(String(i));
      return d ? renderer.framedGraphToViewport(d) : null;
    },
    indexOf: (path) => nodes.findIndex((n) => n.path === path),
    fa2Steps: (steps) => {
      const t0 = performance.now();
      forceAtlas2.assign(graph, { iterations: steps, settings: { ...forceAtlas2.inferSettings(graph), barnesHutOptimize: graph.order > 2000 } });
      return performance.now() - t0;
    },
    initialShown: shown,
  };
  document.body.dataset.ready = 'true';
}

try {
  start();
} catch (err) {
  document.getElementById('error').textContent = `The graph could not be drawn: ${err && err.message}`;
  throw err;
}
