#!/usr/bin/env bash
# The graph page's checks, run by .ci/run: installs what they need (apt: chromium, graphviz,
# libxml2-utils; npm: the packages of graph/package-lock.json), verifies that the checked-in
# bundle graph/dist/graph.min.js is what a fresh build from the lock file gives, then drives the
# page of examples/vault in headless Chromium (graph/test/run.mjs). Screenshots go to
# target/graph-artifacts/.
# Usage: graph/test.sh        NOTEGRAPH_BIN=/path/to/notegraph tests that binary instead of
#                             target/release/notegraph (built here when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

SUDO=
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
missing=()
for p in chromium graphviz libxml2-utils; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" = 'install ok installed' ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v npm >/dev/null || { $SUDO apt-get install -y -qq npm >/dev/null; }

echo "== npm ci (graph/)"
(cd graph && npm ci --no-audit --no-fund --silent)
echo "== the checked-in bundle matches a fresh build"
(cd graph && node build.mjs --check)

BIN=${NOTEGRAPH_BIN:-target/release/notegraph}
if [ -z "${NOTEGRAPH_BIN:-}" ]; then cargo build --release --locked --quiet; fi
echo "== the page in headless Chromium"
node graph/test/run.mjs --notegraph "$BIN" --vault examples/vault --artifacts target/graph-artifacts
