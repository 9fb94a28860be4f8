// Time to interactive of a graph page in headless Chromium (bench/graph_bench.py runs it): from
// navigation to the page's ready flag (data parsed, graph built, sigma's first frame drawn) and to
// the first frame after it; then what ForceAtlas2 would cost in this browser on the same graph
// (ms per iteration, from the page's own bundle), the alternative to laying out in Rust.
// Usage: node test/bench.mjs PAGE.html [FA2_ITERATIONS]   Prints one JSON object.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const file = path.resolve(process.argv[2]);
const fa2Iterations = Number(process.argv[3] || 3);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'],
});
const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
const requests = [];
page.on('request', (r) => { if (!r.url().startsWith('file:') && !/^(data|blob):/.test(r.url())) requests.push(r.url()); });
const t0 = Date.now();
await page.goto(pathToFileURL(file).href, { timeout: 600000 });
await page.waitForFunction(() => window.notegraph && window.notegraph.ready, null, { timeout: 600000, polling: 50 });
const ready = Date.now() - t0;
await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
const interactive = Date.now() - t0;
const nav = await page.evaluate(() => {
  const n = performance.getEntriesByType('navigation')[0];
  return { domContentLoaded: n.domContentLoadedEventEnd, load: n.loadEventEnd };
});
// A hover, as a user's first gesture: how long until the highlight is drawn.
const at = await page.evaluate(() => window.notegraph.viewportOf(0));
const h0 = Date.now();
await page.mouse.move(at.x, at.y);
await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
const hover = Date.now() - h0;
const fa2 = await page.evaluate((n) => window.notegraph.fa2Steps(n), fa2Iterations);
const shown = await page.evaluate(() => window.notegraph.shownNodes());
await browser.close();
console.log(JSON.stringify({ ready_ms: ready, interactive_ms: interactive, ...nav, hover_ms: hover,
  fa2_ms_per_iteration: fa2 / fa2Iterations, fa2_iterations: fa2Iterations, shown_nodes: shown,
  network_requests: requests.length }));
