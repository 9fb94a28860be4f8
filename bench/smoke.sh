#!/usr/bin/env bash
# Benchmarks in smoke mode, for CI: every benchmark runs once on a small vault and its answers are
# checked (definition target, completion rank, references and rename counts, `check` unchanged
# after an applied rename); no time is judged. Needs the release build and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
export NOTEGRAPH_BENCH_DIR="${NOTEGRAPH_BENCH_DIR:-$(mktemp -d)}"
cargo build --release --locked --quiet
python3 bench/run.py --smoke
# `cargo test` runs each criterion benchmark once, reusing the test build.
NOTEGRAPH_BENCH_NOTES=1000 cargo test --locked --bench micro
