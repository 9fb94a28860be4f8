#!/usr/bin/env python3
"""Run the end-to-end benchmark over several vault sizes and print README's table.

Usage: bench/run.py [SIZES...] [--rounds N] [--smoke]
  SIZES default to 1000 10000 50000 100000. Vaults are generated once under
  $NOTEGRAPH_BENCH_DIR (default /tmp/notegraph-bench). Results go to bench/results.json.
  --smoke: one 1,000-note vault and 20 rounds: answers are checked, times are not judged.
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
    smoke = "--smoke" in args
    args = [a for a in args if a != "--smoke"]
    sizes = [int(a) for a in args] or ([1000] if smoke else [1000, 10000, 50000, 100000])
    if smoke:
        rounds = 20
    base = os.environ.get("NOTEGRAPH_BENCH_DIR", "/tmp/notegraph-bench")
    results = []
    for n in sizes:
        vault = os.path.join(base, f"v{n}")
        if not os.path.exists(os.path.join(vault, ".truth.json")):
            subprocess.run([sys.executable, os.path.join(HERE, "gen_vault.py"), vault, str(n)], check=True)
        out = os.path.join(base, f"v{n}.json")
        subprocess.run([sys.executable, os.path.join(HERE, "lsp_bench.py"), vault, str(rounds), "--json", out],
                       check=True)
        results.append(json.load(open(out)))
    if not smoke:
        with open(os.path.join(HERE, "results.json"), "w") as f:
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
