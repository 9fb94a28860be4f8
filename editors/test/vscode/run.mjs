// VS Code editor test (run by editors/test.sh with Node 24): starts code-server with the packaged
// notegraph .vsix installed, its own XDG folders, user data and --config in a temp folder (code-server
// has no --disable-extension: test.sh moves its built-in Markdown language features out of the
// install, so what the test sees is notegraph's); drives it from headless Chromium (playwright-core)
// like a user: opens a note, sees the broken link in the Problems panel (and its severity follow a
// settings change), types `[[` and sees notegraph's completion list, accepts an item with a space
// in its name, hovers a link, goes to a definition, types a frontmatter at the top of the note and
// completes a property key and its value and hovers the key (then deletes those lines again),
// looks at the settings UI and the output channel, restarts the server, and points
// notegraph.path at no file to see one clear message. Screenshots and results.json go to the
// artifacts folder.
// Prints one ok/FAIL line per check; exits 1 if any failed.
//
// Usage: node run.mjs --code-server BIN --vsix FILE --notegraph BIN --vault DIR --artifacts DIR
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) {
  args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
}
for (const k of ['code-server', 'vsix', 'notegraph', 'vault', 'artifacts']) {
  if (!args[k]) throw new Error(`missing --${k}`);
}
const artifacts = path.resolve(args.artifacts);
fs.mkdirSync(artifacts, { recursive: true });

const results = { checks: [] };
let failures = 0;
function check(name, ok, seen) {
  results.checks.push({ name, ok, seen });
  if (!ok) failures++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} vscode ${name}${ok ? '' : `: saw ${JSON.stringify(seen)}`}`);
}

// --- a sandbox for code-server: nothing of the user's is read or written ------------------------
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'notegraph-vscode-'));
const dirs = {
  config: path.join(tmp, 'xdg-config'),
  data: path.join(tmp, 'xdg-data'),
  cache: path.join(tmp, 'xdg-cache'),
  state: path.join(tmp, 'xdg-state'),
  userData: path.join(tmp, 'user-data'),
  extensions: path.join(tmp, 'extensions'),
  vault: path.join(tmp, 'vault'),
};
for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
// A copy of the fixture vault, since the test types into a note.
fs.cpSync(args.vault, dirs.vault, { recursive: true });

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}
const port = await freePort();
const configFile = path.join(tmp, 'code-server.yaml');
fs.writeFileSync(configFile, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
const userSettings = {
  'notegraph.path': args.notegraph,
  'notegraph.logLevel': 'info',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  // Only what the language server offers, not words from the document.
  'editor.wordBasedSuggestions': 'off',
  'editor.quickSuggestions': { other: true, comments: true, strings: true },
  'editor.minimap.enabled': false,
  'files.autoSave': 'off',
  'window.restoreWindows': 'none',
};
for (const scope of ['User', 'Machine']) {
  fs.mkdirSync(path.join(dirs.userData, scope), { recursive: true });
  fs.writeFileSync(path.join(dirs.userData, scope, 'settings.json'), JSON.stringify(userSettings, null, 2));
}
const env = {
  ...process.env,
  XDG_CONFIG_HOME: dirs.config,
  XDG_DATA_HOME: dirs.data,
  XDG_CACHE_HOME: dirs.cache,
  XDG_STATE_HOME: dirs.state,
  TMPDIR: tmp, // code-server's IPC and git sockets
};
const common = ['--config', configFile, '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];

// --- install the packaged extension, then start code-server --------------------------------------
const install = spawnSync(args['code-server'], [...common, '--install-extension', path.resolve(args.vsix)], {
  env,
  encoding: 'utf8',
  timeout: 120_000,
});
fs.writeFileSync(path.join(artifacts, 'code-server-install.log'), `${install.stdout}\n${install.stderr}`);
check('the .vsix installs into code-server', install.status === 0 && /notegraph/.test(install.stdout), {
  status: install.status,
  stdout: install.stdout,
  stderr: install.stderr,
});

const serverLog = fs.createWriteStream(path.join(artifacts, 'code-server.log'));
const server = spawn(
  args['code-server'],
  [
    ...common,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    dirs.vault,
  ],
  { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true }
);
server.stdout.pipe(serverLog);
server.stderr.pipe(serverLog);

let browser;
let page;
async function cleanup() {
  if (browser) await browser.close().catch(() => {});
  try {
    process.kill(-server.pid, 'SIGTERM'); // code-server and its extension host
  } catch {}
}
process.on('SIGINT', async () => {
  await cleanup();
  process.exit(130);
});

async function waitFor(what, fn, timeoutMs = 30_000, everyMs = 250) {
  const until = Date.now() + timeoutMs;
  let last;
  while (Date.now() < until) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what} (last: ${last})`);
}

async function shot(page, name) {
  const file = path.join(artifacts, `vscode-${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

async function run() {
  await waitFor('code-server to listen', async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 60_000, 500);

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    env, // Chromium's own profile bits (crash reports) go to the temp XDG folders too
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(dirs.vault)}`);
  await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
  // The explorer shows the vault once the workbench has loaded the folder.
  await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 60_000 });

  const press = (keys) => page.keyboard.press(keys);
  // Opens a quick input with `prefixKeys`, types `text`; with `row`, waits until the focused row
  // shows it (file search and commands fill in asynchronously), then accepts with Enter.
  async function quickInput(prefixKeys, text, row) {
    await press(prefixKeys);
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(text);
    if (row) {
      await page
        .locator('.quick-input-widget .monaco-list-row.focused', { hasText: row })
        .waitFor({ state: 'visible', timeout: 20_000 });
    } else {
      await page.waitForTimeout(300);
    }
    await press('Enter');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
  }
  const gotoLine = (lineCol) => quickInput('Control+G', `:${lineCol}`);
  const activeTab = () => page.locator('.tabs-container .tab.active').getAttribute('aria-label');
  const selection = () => page.locator('[id="status.editor.selection"]').innerText();
  const editorLines = async () =>
    (await page.locator('.editor-group-container.active .monaco-editor .view-lines').innerText()).replace(/\u00a0/g, ' ');

  // Open the note with Quick Open, as a user would.
  await quickInput('Control+P', 'Start here.md', 'Start here.md');
  await waitFor('Start here.md to open', async () => /Start here\.md/.test((await activeTab()) || ''));
  await page.locator('.editor-group-container.active .monaco-editor').first().waitFor({ timeout: 10_000 });

  // 1. Problems panel: the broken link, pushed by notegraph.
  await press('Control+Shift+M');
  let problems = '';
  try {
    problems = await waitFor('the broken link in the Problems panel', async () => {
      const text = await page.locator('.markers-panel').innerText();
      return /Note never written/.test(text) ? text : '';
    });
  } catch (err) {
    problems = String(err);
  }
  await shot(page, 'problems');
  check('the broken link shows in the Problems panel', /Unresolved link: no note named .Note never written/.test(problems), problems);

  // 1b. A setting changed while the server runs applies at once: unresolved-note as an error, in
  // the vault's workspace settings (.vscode/settings.json; code-server watches the workspace
  // folder more dependably than its user-data folder).
  const settingsDir = path.join(dirs.vault, '.vscode');
  fs.mkdirSync(settingsDir, { recursive: true });
  const workspaceSettingsFile = path.join(settingsDir, 'settings.json');
  const asErrorSettings = { 'notegraph.diagnostics': { 'unresolved-note': 'error' } };
  let writes = 0;
  let asError = false;
  try {
    asError = await waitFor('the diagnostic to turn into an error', async () => {
      // code-server notices a change to settings.json on disk through a file watcher, which can
      // miss one write: write again (with a different indent) every few seconds until it sees it.
      if (writes % 12 === 0) {
        fs.writeFileSync(workspaceSettingsFile, JSON.stringify(asErrorSettings, null, 2 + ((writes / 12) % 2)));
      }
      writes++;
      return page.locator('.markers-panel .codicon-error').first().isVisible();
    }, 30_000);
  } catch (err) {
    asError = String(err);
  }
  await shot(page, 'problems-as-error');
  check('setting notegraph.diagnostics {"unresolved-note": "error"} (workspace settings) turns the warning into an error, live', asError === true, asError);

  await press('Control+J'); // hide the panel again
  await page.locator('.editor-group-container.active .monaco-editor textarea').first().focus();

  // The status bar's problem counts (errors, warnings), to see what typing a link adds.
  const problemCounts = async () =>
    (await page.locator('[id="status.problems"]').innerText()).replace(/\s+/g, ' ').trim();
  const countsBefore = await problemCounts();

  // 2. Completion after `[[` at the end of line 8.
  await gotoLine('8');
  await press('End');
  await page.keyboard.type('[[', { delay: 80 });
  const suggest = page.locator('.editor-widget.suggest-widget.visible');
  let labels = [];
  try {
    await waitFor('the completion list', async () => {
      if (!(await suggest.isVisible())) return false;
      labels = await suggest.locator('.monaco-list-row .label-name').allInnerTexts();
      return labels.includes('Spaced repetition') && labels.includes('Reading list');
    });
  } catch (err) {
    labels.push(String(err));
  }
  await shot(page, 'completion');
  check("typing [[ shows notegraph's completion list (notes and aliases, nothing else)",
    labels.length === 4 && ['Daily', 'Reading list', 'SRS', 'Spaced repetition'].every((l) => labels.includes(l)), labels);

  // Go on typing a name with a space in it, then ask for completion (Ctrl+Space) and accept the
  // first item with Enter once the list has settled on it.
  await page.keyboard.type('Spaced rep', { delay: 60 });
  // The link being typed (`[[Spaced rep]]`, brackets auto-closed) is not flagged: well past
  // the server's 300 ms pause, the Problems count is what it was before typing.
  await page.waitForTimeout(1500);
  const countsTyping = await problemCounts();
  check('a link being typed adds no problem while typing (status bar counts unchanged)',
    countsTyping === countsBefore && countsBefore !== '', { before: countsBefore, typing: countsTyping });
  await press('Escape');
  await page.waitForTimeout(200);
  await press('Control+Space');
  let applied = '';
  try {
    const focused = async () =>
      (await suggest.isVisible()) &&
      (await suggest.locator('.monaco-list-row.focused .label-name').allInnerTexts())[0] === 'Spaced repetition';
    await waitFor('the filtered list', focused, 10_000);
    await page.waitForTimeout(500);
    await waitFor('the filtered list to stay', focused, 5_000);
    await press('Enter');
    applied = await waitFor('the accepted item', async () => {
      const line = (await editorLines()).split('\n').find((l) => l.startsWith('Type a link here:'));
      return line && !/\[\[Spaced rep$/.test(line) ? line : '';
    }, 10_000);
  } catch (err) {
    applied = String(err);
  }
  check('accepting "Spaced repetition" after typing "Spaced rep" completes the whole link',
    applied.trim() === 'Type a link here: [[Spaced repetition]]', applied);
  await press('Escape');

  // 3. Hover on [[Spaced repetition]] (line 4): the preview of the linked note.
  await gotoLine('4:10');
  await press('Control+K');
  await press('Control+I');
  let hover = '';
  try {
    hover = await waitFor('the hover preview', async () => {
      const h = page.locator('.monaco-hover:visible, .monaco-resizable-hover:visible').first();
      const text = await h.innerText({ timeout: 1000 });
      return /Review each card at growing intervals/.test(text) ? text : '';
    });
  } catch (err) {
    hover = String(err);
  }
  await page.waitForTimeout(500); // let the hover fade in
  await shot(page, 'hover');
  check('hovering a link shows the preview of the linked note',
    /Spaced repetition/.test(hover) && /Review each card at growing intervals/.test(hover), hover);
  await press('Escape');

  // 4. Go to definition (F12) of [[Reading list#Next up]] (line 4): opens the note at the heading.
  await gotoLine('4:45');
  await press('F12');
  let definition = {};
  try {
    definition = await waitFor('the definition', async () => {
      const tab = (await activeTab()) || '';
      const sel = await selection();
      return /Reading list\.md/.test(tab) && /Ln 8\b/.test(sel) ? { tab, sel } : '';
    });
  } catch (err) {
    definition = { error: String(err), tab: await activeTab(), sel: await selection().catch(() => '') };
  }
  await shot(page, 'definition');
  check('F12 on [[Reading list#Next up]] opens reading/Reading list.md at the heading (line 8)',
    /Reading list\.md/.test(definition.tab || '') && /Ln 8\b/.test(definition.sel || ''), definition);

  // 4b. Side panels, back in Start here.md: the backlink-count lens on the title, the quick fix
  // on an unlinked mention (line 13, below where Helix's completion menu is read), and Show Call Hierarchy on [[Spaced repetition]] (line 4).
  await quickInput('Control+P', 'Start here.md', 'Start here.md');
  await waitFor('Start here.md again', async () => /Start here\.md/.test((await activeTab()) || ''));
  let lens = '';
  try {
    lens = await waitFor('the backlink code lens', async () => {
      const texts = await page.locator('.editor-group-container.active .codelens-decoration').allInnerTexts();
      return texts.find((t) => /backlinks?/.test(t)) || '';
    });
  } catch (err) {
    lens = String(err);
  }
  check('the title heading carries a "0 backlinks" code lens', /^\s*0 backlinks\s*$/.test(lens), lens);

  await gotoLine('13:3');
  await press('Control+.');
  let fixes = '';
  try {
    fixes = await waitFor('the mention quick fix', async () => {
      const text = await page.locator('.action-widget').innerText({ timeout: 1000 });
      return /Link to/.test(text) ? text : '';
    });
  } catch (err) {
    fixes = String(err);
  }
  await shot(page, 'mention-action');
  await press('Escape');
  check('an unlinked mention offers "Link to ‘Spaced repetition’"', /Link to ‘Spaced repetition’/.test(fixes), fixes);

  await gotoLine('4:10');
  await press('Shift+Alt+H');
  let callers = '';
  try {
    callers = await waitFor('the call hierarchy', async () => {
      const text = await page.locator('.part.sidebar').innerText({ timeout: 1000 });
      return /Callers Of/i.test(text) && /Start here/.test(text) ? text : '';
    });
  } catch (err) {
    callers = String(err);
  }
  await shot(page, 'call-hierarchy');
  check('Show Call Hierarchy on [[Spaced repetition]] lists its caller, Start here', /Start here/.test(callers) && /Callers Of/i.test(callers), callers);
  await press('Control+Shift+E');

  // 4c. Frontmatter properties, typed at the top of Start here.md as the Neovim test does:
  // `---` / `sta` / `---` (Helix types the same in its daily note). The vault's only other
  // frontmatter is Spaced repetition.md's (aliases, tags, status: seed) and .obsidian/types.json
  // types `status` as text, so the key list for `sta` is exactly `status` (1 note, text), the
  // value list after `status: ` exactly `seed`, and the key's hover counts 2 notes (this one
  // too, while the key is typed here). The lines are deleted again afterwards; nothing is saved
  // (files.autoSave is off).
  await quickInput('Control+P', 'Start here.md', 'Start here.md');
  await waitFor('Start here.md again', async () => /Start here\.md/.test((await activeTab()) || ''));
  // The lines drawn in the editor, in order (the DOM keeps them in no set order).
  const linesInOrder = async () =>
    (await page.locator('.editor-group-container.active .monaco-editor .view-lines .view-line').evaluateAll((ls) =>
      ls.map((l) => [parseFloat(l.style.top), l.textContent.replace(/\u00a0/g, ' ')]).sort((a, b) => a[0] - b[0]).map((x) => x[1])))
      .join('\n');
  const noteBefore = await linesInOrder();
  // The suggest widget's rows as { label, kind (its icon), description }: VS Code draws an
  // item's labelDetails.description beside its label and its detail only in the details pane.
  const suggestRows = () =>
    suggest.locator('.monaco-list-row').evaluateAll((rows) =>
      rows.map((r) => ({
        label: r.querySelector('.label-name')?.textContent ?? '',
        kind: (/codicon-symbol-(\w+)/.exec(r.querySelector('.suggest-icon')?.className ?? '') || [])[1] ?? '',
        description: r.querySelector('.details-label')?.textContent ?? '',
      })));
  const details = page.locator('.suggest-details-container .suggest-details');
  // Asks for completion where the cursor is (a fresh request, not the list typing opened) and
  // waits until the widget lists `expected.rows`; then opens the details pane (Ctrl+Space on an
  // open list), waits for the focused item's detail to read `expected.detail` and closes the pane
  // again, so that the next list starts with it closed. The screenshot `shotName` shows both.
  async function completionHere(what, expected, shotName) {
    await press('Escape'); // a list opened by typing, if any
    await suggest.waitFor({ state: 'hidden', timeout: 5_000 });
    await press('Control+Space');
    const seen = { rows: [], detail: '' };
    try {
      await waitFor(what, async () => {
        if (!(await suggest.isVisible())) return false;
        seen.rows = await suggestRows();
        return JSON.stringify(seen.rows) === JSON.stringify(expected.rows);
      }, 15_000);
      await press('Control+Space');
      await waitFor(`the detail of ${expected.rows[0].label}`, async () => {
        seen.detail = (await details.isVisible()) ? await details.locator('p.type').innerText({ timeout: 1000 }) : '';
        return seen.detail === expected.detail;
      }, 5_000);
      await shot(page, shotName);
      await press('Control+Space');
      await details.waitFor({ state: 'hidden', timeout: 5_000 });
    } catch (err) {
      seen.error = String(err);
    }
    return seen;
  }
  const selectionIs = (lineCol) => waitFor(`the cursor at ${lineCol}`, async () =>
    new RegExp(`Ln ${lineCol.split(':')[0]}, Col ${lineCol.split(':')[1]}\\b`).test(await selection()), 5_000);
  const keysExpected = { rows: [{ label: 'status', kind: 'property', description: '1 note' }], detail: '1 note, text' };
  const valuesExpected = { rows: [{ label: 'seed', kind: 'value', description: '1 note' }], detail: '1 note' };
  const hoverExpected = ['status — type text; in 2 notes', 'Most common values:', 'seed (1)'];
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  const hoverLinesOf = (text) => text.replace(/\u00a0/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l);
  let keys = {};
  let acceptedKey = '';
  let values = {};
  let keyHover = '';
  try {
    await gotoLine('1:1');
    await selectionIs('1:1');
    // The two fences first, then the key between them: a list opened while typing `sta` must
    // not be accepted by an Enter still to come.
    await page.keyboard.type('---', { delay: 60 });
    await press('Enter');
    await page.keyboard.type('---', { delay: 60 });
    await press('Enter');
    await gotoLine('1');
    await press('End');
    await selectionIs('1:4');
    await press('Enter');
    await page.keyboard.type('sta', { delay: 60 });
    await selectionIs('2:4');
    keys = await completionHere('the frontmatter key list', keysExpected, 'property-key');
    if (same(keys, keysExpected)) {
      await press('Enter');
      // Accepting the key writes `status: `, the cursor after the space.
      acceptedKey = await waitFor('the accepted key', async () =>
        /Ln 2, Col 9\b/.test(await selection()) ? (await linesInOrder()).split('\n').slice(0, 3) : '', 10_000);
      values = await completionHere('the frontmatter value list', valuesExpected, 'property-value');
      await press('Escape');
      await suggest.waitFor({ state: 'hidden', timeout: 5_000 });
    }
    await gotoLine('2:3');
    await selectionIs('2:3');
    await press('Control+K');
    await press('Control+I');
    await waitFor('the key hover', async () => {
      const h = page.locator('.monaco-hover:visible, .monaco-resizable-hover:visible').first();
      keyHover = await h.innerText({ timeout: 1000 });
      return same(hoverLinesOf(keyHover), hoverExpected);
    });
    await shot(page, 'property-hover');
  } catch (err) {
    keyHover = `${keyHover}\n(${err})`;
  }
  await press('Escape');
  check('typing `sta` in a new frontmatter offers exactly the key `status` (property, 1 note; detail "1 note, text")',
    same(keys, keysExpected), keys);
  check('accepting it writes `status: `', same(acceptedKey, ['---', 'status: ', '---']), acceptedKey);
  check('completion after `status: ` offers exactly the value in use, `seed` (value, 1 note)',
    same(values, valuesExpected), values);
  check('hovering the key `status` shows its type, note count and values',
    same(hoverLinesOf(keyHover), hoverExpected), keyHover);

  // Undo: the three lines go, and the note is what it was before this step, in the editor and
  // (never saved) on disk.
  let restored = '';
  try {
    await gotoLine('1:1');
    await selectionIs('1:1');
    for (let i = 0; i < 3; i++) await press('Control+Shift+K');
    restored = await waitFor('the note as it was', async () => {
      const now = await linesInOrder();
      return now === noteBefore ? now : '';
    }, 10_000);
  } catch (err) {
    restored = String(err);
  }
  check('the typed frontmatter is removed again and never saved',
    noteBefore.startsWith('<!-- Fixture note') && restored === noteBefore &&
      fs.readFileSync(path.join(dirs.vault, 'Start here.md'), 'utf8') === fs.readFileSync(path.join(args.vault, 'Start here.md'), 'utf8'),
    { before: noteBefore, after: restored });

  // 5. The settings UI lists notegraph's settings with their descriptions.
  await quickInput('F1', '>Preferences: Open Settings (UI)', 'Open Settings (UI)');
  const searchBox = page.locator('.settings-editor .settings-header .suggest-input-container').first();
  let settingsText = '';
  try {
    await searchBox.waitFor({ timeout: 15_000 });
    await page.waitForTimeout(1000); // the editor takes focus once it has loaded
    settingsText = await waitFor('notegraph settings', async () => {
      const query = (await searchBox.innerText()).replace(/\u00a0/g, ' ');
      if (!/notegraph/.test(query)) {
        await searchBox.click();
        await page.keyboard.type('notegraph', { delay: 30 });
        await page.waitForTimeout(1000);
      }
      const t = await page.locator('.settings-editor .settings-body').innerText();
      return /Alias Fallback/.test(t) && /Resolve a link through/.test(t) ? t : '';
    });
  } catch (err) {
    settingsText = String(err);
  }
  await page.waitForTimeout(500);
  await shot(page, 'settings');
  check('the settings UI shows notegraph.* with descriptions',
    // The list is virtual: only the first settings are rendered; the table of contents counts all.
    /notegraph\s*\(10\)/.test(settingsText) &&
      ['Alias Fallback', 'Completion: Limit', 'Resolve a link through'].every((s) => settingsText.includes(s)),
    settingsText.slice(0, 500));

  // 6. The output channel carries the extension's and the server's log.
  await press('Escape');
  await press('Escape');
  await page.waitForTimeout(300);
  await quickInput('F1', '>notegraph: Show Output', 'Show Output');
  const outputLines = page.locator('.part.panel .view-lines', { hasText: 'notegraph started' });
  const readOutput = async () => (await outputLines.first().innerText({ timeout: 1000 })).replace(/\u00a0/g, ' ');
  let outputText = '';
  try {
    outputText = await waitFor('the notegraph output channel', async () => {
      const t = await readOutput();
      return /indexed 4 notes/.test(t) ? t : '';
    }, 15_000);
  } catch (err) {
    outputText = String(err);
  }
  await shot(page, 'output');
  check('"notegraph: Show Output" shows the extension log and the server log (stderr)',
    /notegraph started/.test(outputText) && /indexed 4 notes/.test(outputText), outputText.slice(0, 800));
  check('the server gets only its own settings (no "unknown setting" warnings)',
    /indexed 4 notes/.test(outputText) && !/unknown setting|unusable value/.test(outputText), outputText.slice(0, 800));
  // 7. "notegraph: Restart Server" stops the server and starts a new one that works.
  // The output view draws only the lines in sight and need not follow new ones: after the
  // restart it is scrolled to its end, and what counts is an "indexed" line logged later than
  // the first server's.
  const indexedAt = (text) =>
    [...text.matchAll(/(\d\d:\d\d:\d\d\.\d+) \[info\] [^\n]*indexed 4 notes/g)].map((m) => m[1]);
  const firstIndexed = indexedAt(outputText).pop() || '99';
  const restartedAndIndexed = (text) => indexedAt(text).some((at) => at > firstIndexed);
  await quickInput('F1', '>notegraph: Restart Server', 'Restart Server');
  let restarted = '';
  try {
    restarted = await waitFor('the restart', async () => {
      await page.locator('.part.panel .view-lines').first().hover();
      await page.mouse.wheel(0, 100000);
      const t = await readOutput();
      return restartedAndIndexed(t) ? t : '';
    }, 20_000);
  } catch (err) {
    restarted = String(err);
  }
  check('"notegraph: Restart Server" restarts the server, which indexes the vault again',
    restartedAndIndexed(restarted), restarted.slice(-800));

  // 8. "notegraph: Open Daily Note" from the palette: today's note (NOTEGRAPH_NOW=2026-03-14,
  // set by editors/test.sh) created from the vault's template (templates/Daily.md) and opened.
  await press('Escape');
  await quickInput('F1', '>notegraph: Open Daily Note', 'Open Daily Note');
  let daily = {};
  try {
    daily = await waitFor("today's daily note", async () => {
      const tab = (await activeTab()) || '';
      const lines = await editorLines();
      return /2026-03-14\.md/.test(tab) && /# Saturday, March 14th 2026/.test(lines) ? { tab, lines } : '';
    }, 20_000);
  } catch (err) {
    daily = { error: String(err), tab: await activeTab().catch(() => '') };
  }
  await shot(page, 'daily');
  check('"notegraph: Open Daily Note" creates journal/2026-03-14.md from its template and opens it',
    /2026-03-14\.md/.test(daily.tab || '') && /Written at 09:00\./.test(daily.lines || '')
      && fs.existsSync(path.join(dirs.vault, 'journal', '2026-03-14.md')), daily);

  // 9. Without the binary (notegraph.path names no file): one notification, the extension's own
  //    message with its buttons; not the language client's second one with Node's stack trace.
  await quickInput('F1', '>Notifications: Clear All Notifications', 'Clear All Notifications');
  const missing = path.join(tmp, 'no-such-dir', 'notegraph');
  const toasts = page.locator('.notifications-toasts .notification-toast');
  const ours = toasts.filter({ hasText: 'was not found' });
  let notified = {};
  try {
    writes = 0;
    await waitFor('the notification', async () => {
      if (writes % 12 === 0) {
        const settings = { ...asErrorSettings, 'notegraph.path': missing };
        fs.writeFileSync(workspaceSettingsFile, JSON.stringify(settings, null, 2 + ((writes / 12) % 2)));
      }
      writes++;
      return (await ours.count()) > 0;
    }, 30_000);
    // The client's own notification, when there is one, is asked for before start() fails and
    // ours is shown: once ours is on screen, every notification of this start is.
    notified = {
      messages: (await toasts.locator('.notification-list-item-message').allInnerTexts()).map((t) => t.replace(/\u00a0/g, ' ')),
      buttons: await ours.locator('.notification-list-item-buttons-container .monaco-button').allInnerTexts(),
    };
  } catch (err) {
    notified = { error: String(err), messages: await toasts.allInnerTexts().catch(() => []) };
  }
  await shot(page, 'no-binary');
  const expectedMessage = `notegraph: the language server "${missing}" was not found. ` +
    'Install it with "cargo install --path ." in the notegraph repository, or set notegraph.path to the binary.';
  check('without the binary: one notification, the extension\'s own, with Open Settings and Show Output',
    JSON.stringify(notified.messages) === JSON.stringify([expectedMessage]) &&
      JSON.stringify(notified.buttons) === JSON.stringify(['Open Settings', 'Show Output']), notified);

  fs.writeFileSync(path.join(artifacts, 'vscode-browser-console.log'), consoleLines.join('\n'));
}

try {
  await run();
} catch (err) {
  check('the test ran to its end', false, String(err && err.stack ? err.stack : err));
  if (page) await shot(page, 'failure').catch(() => {});
} finally {
  fs.writeFileSync(path.join(artifacts, 'vscode-results.json'), JSON.stringify(results, null, 2));
  await cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
}
process.exit(failures ? 1 : 0);
