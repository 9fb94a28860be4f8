#!/usr/bin/env bash
# Fuzz the parser target for a bounded time: `fuzz/run.sh [SECONDS]` (default 60).
# FUZZ_SEED=N fixes libFuzzer's seed (CI does, so that a run repeats).
# Installs cargo-fuzz from crates.io when missing. cargo-fuzz needs nightly flags; on a stable
# toolchain RUSTC_BOOTSTRAP=1 allows them. The corpus starts from the repository's own notes
# and grows in fuzz/corpus/parse (not committed); crashes land in fuzz/artifacts/parse and
# make this script fail. Prints the number of executions run. parse.dict gives libFuzzer the
# tokens of links and brackets.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
export RUSTC_BOOTSTRAP=1

corpus=corpus/parse
mkdir -p "$corpus"
# Seed with real notes and bibliographies (the target reads its input as both); file names are
# content hashes, so re-seeding adds nothing twice.
for note in ../examples/vault/*.md ../examples/vault/*/*.md ../tests/data/*.md ../tests/data/*.bib \
  ../tests/data/cite-vault/*.bib; do
  [ -f "$note" ] && cp "$note" "$corpus/seed-$(sha1sum "$note" | cut -c1-16)"
done

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
# No sanitizer: the parser has no unsafe code, so a panic is the failure signal, and building
# without AddressSanitizer halves the cold build and speeds up every execution.
cargo fuzz run --sanitizer none --debug-assertions parse "$corpus" -- -dict="$PWD/parse.dict" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
  -rss_limit_mb=2048 -print_final_stats=1 ${FUZZ_SEED:+-seed=$FUZZ_SEED} 2>&1 | tee "$log" | grep -aE '^(#[0-9]+.*(pulse|DONE)|Done|==|SUMMARY|stat::number_of_executed_units)|panicked|artifact'
status=${PIPESTATUS[0]}
set -e
runs=$(grep -aoE 'stat::number_of_executed_units: [0-9]+' "$log" | grep -oE '[0-9]+$' || true)
echo "fuzz/run.sh: ${runs:-?} executions in ${seconds} s; exit status $status"
exit "$status"
