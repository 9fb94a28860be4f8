#!/usr/bin/env python3
"""The graph page on big vaults: time to write it (`notegraph graph`, release build; JSON alone
for comparison, so the difference is the layout and the page), its size, and time to interactive
in headless Chromium (graph/test/bench.mjs, which also times ForceAtlas2 iterations in the browser
on the same graph: the alternative to the Rust layout).

    cargo build --release && (cd graph && npm ci)
    python3 bench/graph_bench.py 1000 10000 50000     # vaults under $NOTEGRAPH_BENCH_DIR
                                                      # (default /tmp/notegraph-bench)
Prints a table and writes bench/graph_results.json. Pages are written outside the vaults.
"""
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def timed(args, runs=3):
    """Best wall-clock seconds of `runs` runs (the machine is shared: the best is the least noisy)."""
    best = None
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
        d = time.perf_counter() - t
        best = d if best is None else min(best, d)
    return best


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 10000, 50000]
    base = os.environ.get("NOTEGRAPH_BENCH_DIR", "/tmp/notegraph-bench")
    binary = os.environ.get("NOTEGRAPH_BIN", os.path.join(ROOT, "target", "release", "notegraph"))
    results = []
    for n in sizes:
        vault = os.path.join(base, f"v{n}")
        if not os.path.exists(os.path.join(vault, ".truth.json")):
            subprocess.run([sys.executable, os.path.join(HERE, "gen_vault.py"), vault, str(n)], check=True)
        page = os.path.join(base, f"graph-v{n}.html")
        data = os.path.join(base, f"graph-v{n}.json")
        html_s = timed([binary, "graph", vault, "--out", page])
        json_s = timed([binary, "graph", vault, "--format", "json", "--out", data])
        graph = json.load(open(data))
        browser = json.loads(subprocess.run(
            ["node", os.path.join(ROOT, "graph", "test", "bench.mjs"), page, "3"],
            check=True, capture_output=True, text=True).stdout)
        results.append({
            "notes": n,
            "nodes": len(graph["nodes"]),
            "edges": len(graph["edges"]),
            "write_html_s": round(html_s, 3),
            "write_json_s": round(json_s, 3),
            "page_mb": round(os.path.getsize(page) / 1e6, 2),
            **browser,
        })
        print(json.dumps(results[-1]), flush=True)
    with open(os.path.join(HERE, "graph_results.json"), "w") as f:
        json.dump(results, f, indent=1)
    print()
    print("| notes | nodes / edges | write page (JSON alone) | page size | ready / interactive in Chromium | hover | FA2 per iteration in Chromium |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['notes']:,} | {r['nodes']:,} / {r['edges']:,} | {r['write_html_s']:.2f} s ({r['write_json_s']:.2f} s) "
              f"| {r['page_mb']} MB | {r['ready_ms'] / 1000:.1f} / {r['interactive_ms'] / 1000:.1f} s | {r['hover_ms']} ms "
              f"| {r['fa2_ms_per_iteration']:.0f} ms |")


if __name__ == "__main__":
    main()
