// Builds dist/graph.min.js, the script `notegraph graph --format html` embeds (include_str! in
// src/graph/html.rs), from src/app.js and the exact packages of package-lock.json (`npm ci`).
// The bundle is checked in so that `cargo install` needs no Node; `node build.mjs --check`
// (run by .ci/run) fails when the checked-in file differs from a fresh build.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, 'dist', 'graph.min.js');
const check = process.argv.includes('--check');

const result = await esbuild.build({
  entryPoints: [path.join(here, 'src', 'app.js')],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  legalComments: 'eof',
  charset: 'utf8',
  write: false,
  // Absolute paths would make the bundle depend on where the repo is checked out.
  absWorkingDir: here,
  logLevel: 'warning',
});
const code = result.outputFiles[0].text;
// The bundle goes inside a <script> element: these would end it or change how it is parsed.
for (const bad of ['</script', '<!--', '<script']) {
  if (code.toLowerCase().includes(bad)) {
    console.error(`bundle contains ${bad}: it cannot be inlined`);
    process.exit(1);
  }
}
if (check) {
  const old = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
  if (old !== code) {
    console.error(`${path.relative(process.cwd(), out)} differs from a fresh build: run \`npm ci && node build.mjs\` in graph/ and commit it`);
    process.exit(1);
  }
  console.log(`ok: ${path.relative(process.cwd(), out)} matches a fresh build (${code.length} bytes)`);
} else {
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, code);
  console.log(`wrote ${path.relative(process.cwd(), out)} (${code.length} bytes)`);
}
