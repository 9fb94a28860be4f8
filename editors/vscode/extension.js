// notegraph VS Code extension: starts the notegraph language server (stdio) for markdown notes
// through vscode-languageclient, hands it the notegraph.* settings the user set (as
// initializationOptions and through workspace/configuration, live), logs to the "notegraph"
// output channel and offers "notegraph: Restart Server". Indexing progress ($/progress from the
// server) is shown by the language client in the status bar.
'use strict';

const vscode = require('vscode');
const { spawn } = require('node:child_process');
const readline = require('node:readline');
const { LanguageClient } = require('vscode-languageclient/node');

/** @type {LanguageClient | undefined} */
let client;
/** @type {vscode.LogOutputChannel} */
let output;
/** @type {import('node:child_process').ChildProcess | undefined} */
let serverProcess;

function log(level, message) {
  output[level](message);
}

// One line of the server's stderr log ("2026-01-01T00:00:00Z  WARN notegraph::…: message") into
// the channel at its own level. Debug and trace lines go in at info level, so that
// notegraph.logLevel alone decides what is shown.
function forwardServerLog(line) {
  const m = /^\S+\s+(ERROR|WARN|INFO|DEBUG|TRACE)\s+(.*)$/.exec(line);
  if (!m) {
    output.info(line);
  } else if (m[1] === 'ERROR') {
    output.error(m[2]);
  } else if (m[1] === 'WARN') {
    output.warn(m[2]);
  } else {
    output.info(m[1] === 'INFO' ? m[2] : `${m[1].toLowerCase()}: ${m[2]}`);
  }
}

// Starts the server ourselves (rather than letting the client spawn it, which would log every
// stderr line as an error) and hands its stdio to the client.
function spawnServer(s) {
  return () =>
    new Promise((resolve, reject) => {
      const proc = spawn(s.command, ['lsp', '--stdio'], {
        env: { ...process.env, NOTEGRAPH_LOG: s.logLevel },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      proc.once('error', reject); // e.g. ENOENT: not installed
      proc.once('spawn', () => {
        serverProcess = proc;
        resolve({ reader: proc.stdout, writer: proc.stdin });
      });
      readline.createInterface({ input: proc.stderr }).on('line', forwardServerLog);
      proc.on('exit', (code, signal) => {
        log(code === 0 ? 'info' : 'warn', `server exited (${signal || `code ${code}`})`);
        if (serverProcess === proc) serverProcess = undefined;
      });
    });
}

// The language client shows a notification of its own when a start fails ("couldn't create
// connection to server", with Node's stack trace), forced past revealOutputChannelOn. start()
// says it once, clearly and with buttons; so while a start runs, the client's errors go to the
// output channel only.
class NotegraphClient extends LanguageClient {
  constructor(...args) {
    super(...args);
    this.quietErrors = false;
  }

  error(message, data, showNotification) {
    super.error(message, data, this.quietErrors ? false : showNotification);
  }
}

// What went wrong starting `command`, for a person: Node's error codes mean little to users.
function startFailure(command, err) {
  const code = err && typeof err === 'object' ? err.code : undefined;
  if (code === 'ENOENT') return `the language server "${command}" was not found`;
  if (code === 'EACCES') return `the language server "${command}" cannot be run (not executable)`;
  const message = err instanceof Error ? err.message : String(err);
  return `the language server "${command}" did not start (${message})`;
}

// The server's own settings, as VS Code setting keys under `notegraph.` (see package.json). The
// others (path, logLevel, trace.server) are the extension's and never go to the server, which
// would report them as unknown.
const SERVER_KEYS = [
  'aliasFallback',
  'newNoteFolder',
  'exclude',
  'completion.limit',
  'links.style',
  'links.format',
  'diagnostics',
];

// The server settings the user has set (user or workspace settings), nested as the server reads
// them: {"completion": {"limit": 20}, ...}. Defaults are left out on purpose: the server layers
// its defaults, .obsidian/app.json and .notegraph.toml under what the client sends, so sending
// VS Code's defaults would hide a vault's own .notegraph.toml.
function serverSettings() {
  const config = vscode.workspace.getConfiguration('notegraph');
  const out = {};
  for (const key of SERVER_KEYS) {
    const i = config.inspect(key);
    const value = i && (i.workspaceFolderValue ?? i.workspaceValue ?? i.globalValue);
    if (value === undefined) continue;
    const parts = key.split('.');
    let at = out;
    for (const part of parts.slice(0, -1)) at = at[part] ??= {};
    at[parts[parts.length - 1]] = value;
  }
  return out;
}

function settings() {
  const config = vscode.workspace.getConfiguration('notegraph');
  return {
    command: (config.get('path') || '').trim() || 'notegraph',
    logLevel: config.get('logLevel') || 'info',
    initializationOptions: serverSettings(),
  };
}

async function start() {
  const s = settings();
  log('info', `starting ${s.command} with ${JSON.stringify(s.initializationOptions)}`);
  const serverOptions = spawnServer(s);
  /** @type {import('vscode-languageclient').LanguageClientOptions} */
  const clientOptions = {
    // Notes on disk only: the server resolves links by path.
    documentSelector: [{ scheme: 'file', language: 'markdown' }],
    initializationOptions: s.initializationOptions,
    outputChannel: output,
    traceOutputChannel: output,
    middleware: {
      // The backlink-count lens carries its references (`notegraph.showReferences [uri,
      // position, locations]`): show them in VS Code's references peek.
      provideCodeLenses: async (document, token, next) => {
        const lenses = await next(document, token);
        return (lenses || []).map((lens) => {
          const c = lens.command;
          if (!c || c.command !== 'notegraph.showReferences' || !c.arguments) return lens;
          const [uri, pos, locations] = c.arguments;
          const range = (r) => new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
          lens.command = {
            title: c.title,
            command: 'editor.action.showReferences',
            arguments: [
              vscode.Uri.parse(uri),
              new vscode.Position(pos.line, pos.character),
              locations.map((l) => new vscode.Location(vscode.Uri.parse(l.uri), range(l.range))),
            ],
          };
          return lens;
        });
      },
      workspace: {
        // The server asks for its `notegraph` section: only its own keys, only those set.
        configuration: (params, token, next) => {
          if (params.items.every((item) => item.section === 'notegraph')) {
            return params.items.map(() => serverSettings());
          }
          return next(params, token);
        },
      },
    },
  };
  const started = new NotegraphClient('notegraph', 'notegraph', serverOptions, clientOptions);
  client = started;
  try {
    started.quietErrors = true;
    await started.start();
    log('info', 'notegraph started');
  } catch (err) {
    const what = startFailure(s.command, err);
    // (The client has logged the error with its stack trace just above.)
    log('error', `could not start: ${what}`);
    if (client === started) client = undefined; // nothing to stop, and no requests to send
    // Not awaited: activation must not wait for the user to dismiss the message.
    vscode.window
      .showErrorMessage(
        // Plain text: notifications show backticks as they are.
        `notegraph: ${what}. Install it with "cargo install --path ." in the notegraph ` +
          'repository, or set notegraph.path to the binary.',
        'Open Settings',
        'Show Output'
      )
      .then((choice) => {
        if (choice === 'Open Settings') {
          vscode.commands.executeCommand('workbench.action.openSettings', 'notegraph.path');
        } else if (choice === 'Show Output') {
          output.show();
        }
      });
  } finally {
    started.quietErrors = false;
  }
}

async function stop() {
  const old = client;
  const proc = serverProcess;
  client = undefined;
  if (old) {
    try {
      await old.stop(); // shutdown + exit: the server ends by itself
    } catch (err) {
      log('warn', `stopping the server: ${err}`);
    }
  }
  if (proc && proc.exitCode === null && proc.signalCode === null) {
    await new Promise((resolve) => {
      const timer = setTimeout(() => {
        proc.kill();
        resolve();
      }, 2000);
      proc.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

async function restart() {
  log('info', 'restarting notegraph');
  await stop();
  await start();
}

/**
 * Asks the server to write the graph page and open it in the browser (`notegraph.showGraph`).
 * The language client already binds the server's own command id to one that takes raw
 * arguments; these palette commands fill them in: the active note and depth 2, or the vault.
 * @param {boolean} local
 */
async function showGraph(local) {
  if (!client) {
    vscode.window.showErrorMessage('notegraph: the language server is not running.');
    return;
  }
  const editor = vscode.window.activeTextEditor;
  const note = local && editor && editor.document.uri.scheme === 'file' ? editor.document.uri.toString() : 'vault';
  try {
    await client.sendRequest('workspace/executeCommand', { command: 'notegraph.showGraph', arguments: [note, 2] });
  } catch (err) {
    vscode.window.showErrorMessage(`notegraph: could not show the graph: ${err instanceof Error ? err.message : err}`);
  }
}

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  output = vscode.window.createOutputChannel('notegraph', { log: true });
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand('notegraph.restartServer', restart),
    vscode.commands.registerCommand('notegraph.showOutput', () => output.show()),
    vscode.commands.registerCommand('notegraph.showLocalGraph', () => showGraph(true)),
    vscode.commands.registerCommand('notegraph.showVaultGraph', () => showGraph(false)),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (['path', 'logLevel'].some((k) => event.affectsConfiguration(`notegraph.${k}`))) {
        // Another binary or log level: a new process.
        restart();
      } else if (client && SERVER_KEYS.some((k) => event.affectsConfiguration(`notegraph.${k}`))) {
        // The server asks for the new values (workspace/configuration) and applies them live.
        log('info', `settings changed: ${JSON.stringify(serverSettings())}`);
        client.sendNotification('workspace/didChangeConfiguration', {
          settings: { notegraph: serverSettings() },
        });
      }
    })
  );
  await start();
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
