//! Positions for the HTML page, computed ahead of time: a force layout (Fruchterman–Reingold,
//! repulsion by Barnes–Hut over a quadtree) that costs O(n log n + edges) per step, so a big vault
//! opens laid out instead of settling in the browser for minutes (bench/graph_bench.py measures
//! both). Deterministic: same graph, same picture.

use rayon::prelude::*;

use super::Graph;

/// How many steps for a graph of `n` nodes: fewer on big graphs, where each step costs more and
/// the starting spiral already spreads the nodes evenly.
fn steps(n: usize) -> usize {
    match n {
        0..=2_000 => 300,
        2_001..=20_000 => 120,
        _ => 60,
    }
}

/// One (x, y) per node, in the graph's node order, around the origin; one unit is the ideal
/// edge length.
pub fn layout(graph: &Graph) -> Vec<(f32, f32)> {
    let n = graph.nodes.len();
    if n == 0 {
        return Vec::new();
    }
    let mut pairs: Vec<(u32, u32)> = graph
        .edges
        .iter()
        .filter(|e| e.source != e.target)
        .map(|e| {
            let (a, b) = (e.source.min(e.target), e.source.max(e.target));
            (a as u32, b as u32)
        })
        .collect();
    pairs.sort_unstable();
    pairs.dedup();

    // Start on a sunflower spiral, notes of one folder next to each other, so that folders begin
    // as bands and linked notes are pulled together from there. About one node per unit².
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| graph.nodes[a].folder.cmp(&graph.nodes[b].folder));
    let golden = std::f64::consts::PI * (3.0 - 5f64.sqrt());
    let spacing = 1.0 / std::f64::consts::PI.sqrt();
    let mut x = vec![0f64; n];
    let mut y = vec![0f64; n];
    for (slot, &i) in order.iter().enumerate() {
        let r = spacing * (slot as f64 + 0.5).sqrt();
        let a = slot as f64 * golden;
        x[i] = r * a.cos();
        y[i] = r * a.sin();
    }

    let k = 1.0f64;
    let total = steps(n);
    let start_temperature = (n as f64).sqrt() * 0.1 + 1.0;
    let gravity = 0.01;
    let mut dx = vec![0f64; n];
    let mut dy = vec![0f64; n];
    let mut tree = Tree::default();
    for step in 0..total {
        tree.build(&x, &y);
        // Repulsion k²/d from every other node, far groups taken as one (Barnes–Hut).
        // Each node's sum is independent of the others': in parallel, same result.
        let tree_ref = &tree;
        let (xs, ys) = (&x, &y);
        dx.par_iter_mut()
            .zip(dy.par_iter_mut())
            .enumerate()
            .for_each(|(i, (fx, fy))| {
                (*fx, *fy) = tree_ref.repulsion(i, xs, ys, k * k);
            });
        // Attraction d²/k along each linked pair.
        for &(a, b) in &pairs {
            let (a, b) = (a as usize, b as usize);
            let (ddx, ddy) = (x[a] - x[b], y[a] - y[b]);
            let d = (ddx * ddx + ddy * ddy).sqrt();
            let f = d / k;
            dx[a] -= ddx * f;
            dy[a] -= ddy * f;
            dx[b] += ddx * f;
            dy[b] += ddy * f;
        }
        // Cooling: moves are capped by a temperature falling linearly to nearly nothing.
        let t = start_temperature * (1.0 - step as f64 / total as f64) + 0.01;
        for i in 0..n {
            dx[i] -= gravity * x[i];
            dy[i] -= gravity * y[i];
            let len = (dx[i] * dx[i] + dy[i] * dy[i]).sqrt();
            if len > 0.0 {
                let m = len.min(t) / len;
                x[i] += dx[i] * m;
                y[i] += dy[i] * m;
            }
        }
    }
    x.into_iter()
        .zip(y)
        .map(|(x, y)| (x as f32, y as f32))
        .collect()
}

/// Groups farther than this many times their size act as one body.
const THETA: f64 = 1.2;
/// Leaves hold up to this many nodes, summed directly.
const LEAF: usize = 8;
/// Deeper than this, a cell is a leaf however full (nodes on one spot).
const MAX_DEPTH: u32 = 40;
const NONE: u32 = u32::MAX;

/// One square of the quadtree: the nodes `order[start..start + len]`, their centre of mass,
/// and its four quarters (or none, for a leaf).
#[derive(Clone, Copy)]
struct Cell {
    start: u32,
    len: u32,
    cx: f64,
    cy: f64,
    size: f64,
    children: [u32; 4],
}

/// A Barnes–Hut quadtree rebuilt each step; `order` is the nodes permuted so that each cell's
/// nodes are contiguous. Built without recursion on the call stack.
#[derive(Default)]
struct Tree {
    cells: Vec<Cell>,
    order: Vec<u32>,
    stack: Vec<(u32, f64, f64, u32)>,
}

impl Tree {
    fn build(&mut self, x: &[f64], y: &[f64]) {
        let n = x.len();
        self.cells.clear();
        self.order.clear();
        self.order.extend(0..n as u32);
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for i in 0..n {
            x0 = x0.min(x[i]);
            y0 = y0.min(y[i]);
            x1 = x1.max(x[i]);
            y1 = y1.max(y[i]);
        }
        let size = (x1 - x0).max(y1 - y0).max(1e-6);
        self.cells.push(cell(0, n as u32, size, &self.order, x, y));
        // (cell, its left, its top, depth)
        self.stack.clear();
        self.stack.push((0, x0, y0, 0));
        while let Some((c, left, top, depth)) = self.stack.pop() {
            let Cell {
                start, len, size, ..
            } = self.cells[c as usize];
            if (len as usize) <= LEAF || depth >= MAX_DEPTH {
                continue;
            }
            let half = size / 2.0;
            let (mx, my) = (left + half, top + half);
            let range = &mut self.order[start as usize..(start + len) as usize];
            // Split by y, then each half by x: quarters 0 (top left) … 3 (bottom right).
            let top_n = partition(range, |i| y[i as usize] < my);
            let (upper, lower) = range.split_at_mut(top_n);
            let ul = partition(upper, |i| x[i as usize] < mx);
            let ll = partition(lower, |i| x[i as usize] < mx);
            let bounds = [
                (start, ul as u32, left, top),
                (start + ul as u32, (top_n - ul) as u32, mx, top),
                (start + top_n as u32, ll as u32, left, my),
                (
                    start + (top_n + ll) as u32,
                    len - (top_n + ll) as u32,
                    mx,
                    my,
                ),
            ];
            let mut children = [NONE; 4];
            for (q, &(s, l, cl, ct)) in bounds.iter().enumerate() {
                if l == 0 {
                    continue;
                }
                children[q] = self.cells.len() as u32;
                self.cells.push(cell(s, l, half, &self.order, x, y));
                self.stack.push((children[q], cl, ct, depth + 1));
            }
            self.cells[c as usize].children = children;
        }
    }

    /// The repulsion on node `i`: Σ k²·m/d over the other nodes, groups approximated.
    fn repulsion(&self, i: usize, x: &[f64], y: &[f64], k2: f64) -> (f64, f64) {
        let (px, py) = (x[i], y[i]);
        let (mut fx, mut fy) = (0.0, 0.0);
        let mut push = |ddx: f64, ddy: f64, mass: f64, salt: usize| {
            let mut d2 = ddx * ddx + ddy * ddy;
            let (mut ddx, mut ddy) = (ddx, ddy);
            if d2 < 1e-9 {
                // Nodes on one spot: apart along a direction fixed by their ids.
                let angle = (i * 7919 + salt * 104_729) as f64;
                ddx = angle.cos() * 1e-3;
                ddy = angle.sin() * 1e-3;
                d2 = 1e-6;
            }
            let f = k2 * mass / d2;
            fx += ddx * f;
            fy += ddy * f;
        };
        let mut stack: [u32; 256] = [0; 256];
        let mut top = 1;
        while top > 0 {
            top -= 1;
            let c = &self.cells[stack[top] as usize];
            let (ddx, ddy) = (px - c.cx, py - c.cy);
            let d2 = ddx * ddx + ddy * ddy;
            let leaf = c.children == [NONE; 4];
            if !leaf && c.size * c.size < THETA * THETA * d2 {
                push(ddx, ddy, c.len as f64, c.start as usize);
            } else if leaf {
                for &j in &self.order[c.start as usize..(c.start + c.len) as usize] {
                    let j = j as usize;
                    if j != i {
                        push(px - x[j], py - y[j], 1.0, j);
                    }
                }
            } else {
                for &child in c.children.iter().filter(|&&ch| ch != NONE) {
                    // Depth ≤ MAX_DEPTH and four children a level: the stack cannot overflow.
                    stack[top] = child;
                    top += 1;
                }
            }
        }
        (fx, fy)
    }
}

fn cell(start: u32, len: u32, size: f64, order: &[u32], x: &[f64], y: &[f64]) -> Cell {
    let (mut cx, mut cy) = (0.0, 0.0);
    for &i in &order[start as usize..(start + len) as usize] {
        cx += x[i as usize];
        cy += y[i as usize];
    }
    Cell {
        start,
        len,
        cx: cx / len as f64,
        cy: cy / len as f64,
        size,
        children: [NONE; 4],
    }
}

/// Move the items for which `left` holds to the front; returns how many there are.
fn partition(items: &mut [u32], left: impl Fn(u32) -> bool) -> usize {
    let mut at = 0;
    for i in 0..items.len() {
        if left(items[i]) {
            items.swap(at, i);
            at += 1;
        }
    }
    at
}
