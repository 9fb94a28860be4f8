#!/usr/bin/env python3
"""Run the end-to-end benchmark over several vault sizes and print README's table.

Usage: bench/run.py [SIZES...] [--rounds N] [--smoke] [--dense] [--out FILE]
  SIZES default to 1000 10000 50000 100000. Vaults are generated once under
  $NOTEGRAPH_BENCH_DIR (default /tmp/notegraph-bench). Results go to bench/results.json
  (bench/results-dense.json with --dense).
  --smoke: one 1,000-note vault and 20 rounds: answers are checked, times are not judged.
  --dense: vaults from `gen_vault.py --dense` (13 links per note in every form, ~1.5 KB).
  --out FILE: write the results there instead (a run under load, or of restarts only, need not
  replace the idle figures README's first table is made of).
  NOTEGRAPH_BIN names another build to measure (see lsp_bench.py).
Build first: cargo build --release
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    args = sys.argv[1:]
    rounds = 200
    if "--rounds" in args:
        i = args.index("--rounds")
        rounds = int(args[i + 1])
        del args[i:i + 2]
    out_file = None
    if "--out" in args:
        i = args.index("--out")
        out_file = args[i + 1]
        del args[i:i + 2]
    smoke = "--smoke" in args
    dense = "--dense" in args
    args = [a for a in args if a not in ("--smoke", "--dense")]
    sizes = [int(a) for a in args] or ([1000] if smoke else [1000, 10000, 50000, 100000])
    if smoke:
        rounds = 20
    base = os.environ.get("NOTEGRAPH_BENCH_DIR", "/tmp/notegraph-bench")
    results = []
    for n in sizes:
        vault = os.path.join(base, f"{'d' if dense else 'v'}{n}")
        if not os.path.exists(os.path.join(vault, ".truth.json")):
            subprocess.run([sys.executable, os.path.join(HERE, "gen_vault.py"), vault, str(n)]
                           + (["--dense"] if dense else []), check=True)
        out = os.path.join(base, f"{'d' if dense else 'v'}{n}.json")
        subprocess.run([sys.executable, os.path.join(HERE, "lsp_bench.py"), vault, str(rounds), "--json", out],
                       check=True)
        results.append(json.load(open(out)))
    if not smoke:
        with open(out_file or os.path.join(HERE, "results-dense.json" if dense else "results.json"), "w") as f:
            json.dump(results, f, indent=1)
    print_table(results)


def print_table(results):
    head = "| measure | " + " | ".join(f"{r['notes'] - 2:,} notes ({r['bytes'] / 1e6:.0f} MB)" for r in results) + " |"
    print(head)
    print("|---" * (len(results) + 1) + "|")

    def row(name, cell):
        print(f"| {name} | " + " | ".join(cell(r) for r in results) + " |")

    def req(key):
        return lambda r: f"{r['requests'][key]['p50']:.2f} / {r['requests'][key]['p95']:.2f} ms"

    row("spawn → indexed", lambda r: f"{r['indexed_ms']:.0f} ms")

    def start(kind, key):
        return lambda r: f"{r['restarts'][kind][key]:.0f}" + (" MB" if key == "peak_rss_mb" else " ms") \
            if r.get("restarts") else "—"

    row("cold start with the on-disk index (written after) → indexed", start("cold", "indexed_ms"))
    row("restart, unchanged → indexed", start("warm", "indexed_ms"))
    row("restart, unchanged → first correct definition + completion (target ≤ 300 ms at 100k)",
        start("warm", "answered_ms"))
    row("restart, unchanged → first answers: the server's CPU time (all threads)",
        start("warm", "answered_cpu_ms"))
    row("restart after 5% changed → indexed", start("changed_5pct", "indexed_ms"))
    row("restart after 5% changed → first correct answers (target ≤ 600 ms at 100k)",
        start("changed_5pct", "answered_ms"))
    row("restart after 5% changed → first answers: the server's CPU time",
        start("changed_5pct", "answered_cpu_ms"))
    row("load average (1 min) at the restarts",
        lambda r: " / ".join(f"{r['restarts'][k]['load']:.1f}" for k in ("cold", "warm", "changed_5pct"))
        if r.get("restarts") and "load" in r["restarts"]["warm"] else "—")
    row("writing the on-disk index (after the cold start)", start("cold", "write_ms"))
    row("on-disk index size", lambda r: f"{r['restarts']['cold']['index_mb']:.0f} MB" if r.get("restarts") else "—")
    row("peak RSS: cold start / restart", lambda r: f"{r['restarts']['cold']['peak_rss_mb']:.0f} / "
        f"{r['restarts']['warm']['peak_rss_mb']:.0f} MB" if r.get("restarts") else "—")
    row("completion after [[ + 1 letter p50 / p95", req("completion (1 letter)"))
    row("completion after [[ + 2 letters p50 / p95", req("completion"))
    row("expected note ranked first", lambda r: f"{r['ranked_first']}/{r['rounds']}")
    row("hover p50 / p95", req("hover"))
    row("definition p50 / p95", req("definition"))
    row("references of the hub p50 / p95", req("references(hub)"))
    row("edit → diagnostics p50 / p95", req("edit→diagnostics"))
    row("workspace symbols p50 / p95", req("workspace/symbol"))
    row("rename (links rewritten)", lambda r: f"{r['rename']['ms']:.0f} ms ({r['rename']['edits']})")
    row("peak RSS", lambda r: f"{r['peak_rss_mb']:.0f} MB")
    row("RSS target (2 × bytes + 40 MB)", lambda r: f"{2 * r['bytes'] / 1e6 + 40:.0f} MB")


if __name__ == "__main__":
    main()
