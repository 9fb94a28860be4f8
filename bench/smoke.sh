#!/usr/bin/env bash
# Benchmarks in smoke mode, for CI: every benchmark runs once on a small vault and its answers are
# checked (definition target, completion rank, references and rename counts, `check` unchanged
# after an applied rename, every typed name ranked first); no time is judged. Needs the release build and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
export NOTEGRAPH_BENCH_DIR="${NOTEGRAPH_BENCH_DIR:-$(mktemp -d)}"
cargo build --release --locked --quiet
python3 bench/run.py --smoke
# Citations: a 500-entry bibliography; completion, hover, definition and diagnostics checked.
python3 bench/gen_vault.py "$NOTEGRAPH_BENCH_DIR/vbib" 1000 --bib 500
python3 bench/lsp_bench.py "$NOTEGRAPH_BENCH_DIR/vbib" 20
# Ranking: 100 notes typed name by name; fails if one is not first once its whole name is typed.
python3 bench/keystrokes.py "$NOTEGRAPH_BENCH_DIR/v1000" 100
# `cargo test` runs each criterion benchmark once, reusing the test build.
NOTEGRAPH_BENCH_NOTES=1000 cargo test --locked --bench micro
