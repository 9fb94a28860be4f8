//! Positions for the HTML page, computed ahead of time: a force layout (Fruchterman–Reingold,
//! with repulsion only between nodes in neighbouring grid cells) that costs O(nodes + edges)
//! per step, so a 50,000-note vault is laid out in about a second instead of the minutes a
//! browser-side layout takes to settle (see bench/graph_bench.py). Deterministic: same graph,
//! same picture.

use rustc_hash::FxHashMap as HashMap;

use super::Graph;

/// How many steps for a graph of `n` nodes: fewer on big graphs, where each step costs more and
/// the starting spiral already spreads the nodes evenly.
fn steps(n: usize) -> usize {
    match n {
        0..=2_000 => 300,
        2_001..=20_000 => 150,
        _ => 80,
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
    let cutoff = 2.0 * k;
    let total = steps(n);
    let start_temperature = (n as f64).sqrt() * 0.05 + 0.5;
    let gravity = 0.02;
    let mut dx = vec![0f64; n];
    let mut dy = vec![0f64; n];
    let mut cells: HashMap<(i32, i32), Vec<u32>> = HashMap::default();
    for step in 0..total {
        dx.iter_mut().for_each(|d| *d = 0.0);
        dy.iter_mut().for_each(|d| *d = 0.0);
        for list in cells.values_mut() {
            list.clear();
        }
        let cell = |x: f64, y: f64| ((x / cutoff).floor() as i32, (y / cutoff).floor() as i32);
        for i in 0..n {
            cells.entry(cell(x[i], y[i])).or_default().push(i as u32);
        }
        cells.retain(|_, list| !list.is_empty());
        // Repulsion k²/d between nodes closer than the cutoff: each pair once, from the cell
        // holding the lower-numbered node's own cell and the half of its neighbours ahead of it.
        for (&(cx, cy), list) in &cells {
            for (ox, oy) in [(0, 0), (1, 0), (-1, 1), (0, 1), (1, 1)] {
                let Some(other) = cells.get(&(cx + ox, cy + oy)) else {
                    continue;
                };
                for (ai, &a) in list.iter().enumerate() {
                    let start = if (ox, oy) == (0, 0) { ai + 1 } else { 0 };
                    for &b in &other[start..] {
                        let (a, b) = (a as usize, b as usize);
                        let (mut ddx, mut ddy) = (x[a] - x[b], y[a] - y[b]);
                        let mut d2 = ddx * ddx + ddy * ddy;
                        if d2 >= cutoff * cutoff {
                            continue;
                        }
                        if d2 < 1e-9 {
                            // Coincident nodes: push apart along a direction fixed by their ids.
                            let angle = (a * 7919 + b * 104_729) as f64;
                            ddx = angle.cos() * 1e-3;
                            ddy = angle.sin() * 1e-3;
                            d2 = 1e-6;
                        }
                        let f = k * k / d2;
                        dx[a] += ddx * f;
                        dy[a] += ddy * f;
                        dx[b] -= ddx * f;
                        dy[b] -= ddy * f;
                    }
                }
            }
        }
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
