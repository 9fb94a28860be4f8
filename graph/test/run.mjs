// The graph page in headless Chromium (playwright-core, the apt chromium), as a user meets it:
// `notegraph graph` writes the page of a vault, the test opens it from file:// and checks that it
// makes no network request, shows the expected nodes, that search finds a note, hovering a
// node lights exactly its neighbours, clicking shows its path, and a note's local graph at
// depth 1 (and its depth slider) shows exactly its neighbours. Screenshots go to the artifacts
// folder. Prints one ok/FAIL line per check; exits 1 if any failed.
//
// Usage: node test/run.mjs --notegraph BIN --vault DIR --artifacts DIR
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
for (const k of ['notegraph', 'vault', 'artifacts']) if (!args[k]) throw new Error(`missing --${k}`);
const artifacts = path.resolve(args.artifacts);
fs.mkdirSync(artifacts, { recursive: true });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'notegraph-graph-'));

let failures = 0;
function check(name, ok, seen) {
  if (!ok) failures++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} graph ${name}${ok ? '' : `: saw ${JSON.stringify(seen)}`}`);
}
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

function notegraph(...rest) {
  const r = spawnSync(args.notegraph, ['graph', args.vault, ...rest], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`notegraph graph ${rest.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

// The truth, from the JSON the same binary writes.
const data = JSON.parse(notegraph('--format', 'json'));
const byPath = (p) => data.nodes.findIndex((n) => n.path === p);
// Nodes one link (either way; tags do not link notes) from any of `from`, and `from` itself.
const around = (from) => {
  const out = new Set(from);
  for (const e of data.edges) {
    if (e.kind === 'tag') continue;
    if (from.has(e.source)) out.add(e.target);
    if (from.has(e.target)) out.add(e.source);
  }
  return out;
};
const titles = (set) => [...set].map((j) => data.nodes[j].title).sort();
const neighbours = (i) => titles(around(new Set([i])));

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  // WebGL without a GPU: Chromium's software rasteriser.
  args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'],
});

async function open(file) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  const page = await context.newPage();
  const requests = [];
  const errors = [];
  const url = pathToFileURL(file).href;
  // Anything but the page itself, data: and blob: (the layout worker) is a network request.
  context.on('request', (r) => { if (r.url() !== url && !/^(data|blob):/.test(r.url())) requests.push(r.url()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(url);
  await page.waitForFunction(() => window.notegraph && window.notegraph.ready, null, { timeout: 60000 });
  return { page, context, requests, errors };
}

const shown = (page) => page.evaluate(() => window.notegraph.shownTitles());
async function clickNode(page, index) {
  const at = await page.evaluate((i) => window.notegraph.viewportOf(i), index);
  await page.mouse.click(at.x, at.y);
}

try {
  // --- the whole vault -------------------------------------------------------------------------
  const whole = path.join(tmp, 'graph.html');
  fs.writeFileSync(whole, notegraph('--format', 'html'));
  const { page, context, requests, errors } = await open(whole);
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(artifacts, 'graph-vault.png') });
  check('page loads with no network request', requests.length === 0, requests);
  check('page runs without errors', errors.length === 0, errors);
  // Tags are hidden by default; every other node is shown.
  const expected = data.nodes.filter((n) => n.kind !== 'tag').length;
  const count = await page.evaluate(() => window.notegraph.shownNodes());
  const statsText = await page.textContent('#stats');
  check(`shows ${expected} nodes`, count === expected && statsText.startsWith(`${expected} nodes`), { count, statsText });
  await page.check('#show-tags');
  const withTags = await page.evaluate(() => window.notegraph.shownNodes());
  check(`tags filter adds the ${data.nodes.length - expected} tags`, withTags === data.nodes.length, withTags);
  await page.uncheck('#show-tags');
  await page.uncheck('#show-placeholders');
  const placeholders = data.nodes.filter((n) => n.kind === 'placeholder' || n.kind === 'source').length;
  const noPlaceholders = await page.evaluate(() => window.notegraph.shownNodes());
  check('placeholders filter hides the missing notes', noPlaceholders === expected - placeholders, noPlaceholders);
  await page.check('#show-placeholders');

  // Hover: the node and its neighbours stay lit, everything else dims.
  const home = byPath('Home.md');
  const at = await page.evaluate((i) => window.notegraph.viewportOf(i), home);
  await page.mouse.move(at.x, at.y);
  await page.waitForTimeout(200);
  const lit = await page.evaluate(() => window.notegraph.litTitles());
  const homeAll = new Set(data.edges.filter((e) => e.source === home || e.target === home)
    .map((e) => (e.source === home ? e.target : e.source)));
  homeAll.add(home);
  const litExpected = [...homeAll].filter((i) => data.nodes[i].kind !== 'tag').map((i) => data.nodes[i].title).sort();
  check('hovering Home lights exactly its neighbours', same(lit, litExpected), { lit, litExpected });
  await page.screenshot({ path: path.join(artifacts, 'graph-hover.png') });

  // Click: the details show the note's path and a file:// link to it.
  await clickNode(page, home);
  const clicked = await page.textContent('#info-path').catch(() => null);
  const href = await page.getAttribute('#info-path', 'href').catch(() => null);
  check('clicking Home shows its path', clicked === 'Home.md', clicked);
  check('the path links to the file', href === pathToFileURL(path.join(data.root, 'Home.md')).href, href);
  await page.mouse.move(5, 790);

  // Search: typing part of a name lists the note; Enter selects it.
  await page.fill('#search', 'spaced rep');
  const first = await page.textContent('#results li:first-child').catch(() => null);
  check('search finds “Spaced repetition”', first === '202311041530 Spaced repetition.md', first);
  await page.press('#search', 'Enter');
  const found = await page.textContent('#info-path').catch(() => null);
  check('Enter on a search result shows its path', found === '202311041530 Spaced repetition.md', found);
  await page.waitForTimeout(400);
  await page.screenshot({ path: path.join(artifacts, 'graph-search.png') });
  await context.close();

  // --- a local graph -----------------------------------------------------------------------------
  const note = 'Learning how to learn.md';
  const center = byPath(note);
  const local1 = path.join(tmp, 'local1.html');
  fs.writeFileSync(local1, notegraph('--format', 'html', '--note', note, '--depth', '1'));
  const l1 = await open(local1);
  const shown1 = await shown(l1.page);
  check('local graph at depth 1 shows exactly the neighbours', same(shown1, neighbours(center)), { shown1, expected: neighbours(center) });
  check('local graph makes no network request', l1.requests.length === 0, l1.requests);
  await l1.page.screenshot({ path: path.join(artifacts, 'graph-local-depth1.png') });
  await l1.context.close();

  const local2 = path.join(tmp, 'local2.html');
  fs.writeFileSync(local2, notegraph('--format', 'html', '--note', note));
  const l2 = await open(local2);
  const twoHops = titles(around(around(new Set([center]))));
  const shown2 = await shown(l2.page);
  check('local graph at the default depth 2 shows the notes two links away', same(shown2, twoHops), { shown2, twoHops });
  await l2.page.fill('#depth', '1');
  await l2.page.dispatchEvent('#depth', 'input');
  const slid = await shown(l2.page);
  check('the depth slider at 1 leaves exactly the neighbours', same(slid, neighbours(center)), slid);
  await l2.page.screenshot({ path: path.join(artifacts, 'graph-local-slider.png') });
  await l2.context.close();
} catch (err) {
  check('ran to the end', false, String(err && err.stack));
} finally {
  await browser.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(failures ? `${failures} graph page check(s) failed` : 'graph page: all checks passed');
process.exit(failures ? 1 : 0);
