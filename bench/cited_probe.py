#!/usr/bin/env python3
"""References of a note cited COUNT times (issue 12's target: 25,000 citations, ≤ 50 ms client-side
including the JSON). The generated vaults' hub is linked from 1% of notes (1,000 at 100k), so
this probe makes its own vault: a copy of a generated one where one note in N links to
`cited.md` (N = notes / COUNT), and times `textDocument/references` on that note over stdio.

Usage: bench/cited_probe.py SOURCE_VAULT COPY_DIR [COUNT] [ROUNDS]   (build first: cargo build --release)

COPY_DIR is made once (a `cp -a` of SOURCE_VAULT, then the links appended) and reused while its
`.cited.json` says the same COUNT; SOURCE_VAULT is never touched. Prints p50/p95/max of the
request as the client sees it (send → answer parsed), the answer's size in bytes, the server's CPU
time per request and the load average. The server answers with at most 10,000 locations
(MAX_ANSWER_ITEMS), so the answer holds min(COUNT, 10,000) of them.
"""
import json
import os
import shutil
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lsp_bench import MAX_ANSWER_ITEMS, cpu_ms, pct, start, uri  # noqa: E402


def prepare(source, copy, count):
    marker = os.path.join(copy, ".cited.json")
    if os.path.exists(marker) and json.load(open(marker)).get("count") == count:
        return
    if os.path.exists(copy):
        shutil.rmtree(copy)
    shutil.copytree(source, copy, symlinks=True)
    notes = sorted(os.path.join(d, f) for d, _, fs in os.walk(copy) for f in fs
                   if f.endswith(".md") and f not in ("hub.md", "rename me.md"))
    step = len(notes) / count
    chosen = [notes[int(k * step)] for k in range(count)]
    for path in chosen:
        with open(path, "a", encoding="utf-8") as f:
            f.write("\ncites:: [[cited]]\n")
    with open(os.path.join(copy, "cited.md"), "w", encoding="utf-8") as f:
        f.write("# Cited\nThe note every fourth note links to.\n")
    with open(marker, "w") as f:
        json.dump({"count": count, "source": os.path.abspath(source)}, f)


def raw_request(lsp, method, params):
    """Send a request and return its answer's body unparsed, so that the time until its last
    byte arrives (the server's work and the pipe) is told apart from the client's JSON parse
    (Python's takes ~35 ms for 1.7 MB; an editor's JSON.parse or serde several times less)."""
    rid = lsp.next_id
    lsp.next_id += 1
    lsp.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
    while True:
        body = lsp.read_body()
        # The answer is told by its first and last bytes, unparsed; anything else is parsed,
        # so that the server's own requests are answered.
        if body.startswith(b'{"jsonrpc":"2.0","result":') and body.endswith(b',"id":%d}' % rid):
            return body
        msg = json.loads(body)
        if msg.get("id") == rid and "method" not in msg:
            return body
        if "id" in msg and "method" in msg:
            lsp.send({"jsonrpc": "2.0", "id": msg["id"], "result": None})


def main():
    args = sys.argv[1:]
    source, copy = args[0], os.path.abspath(args[1])
    count = int(args[2]) if len(args) > 2 else 25_000
    rounds = int(args[3]) if len(args) > 3 else 20
    prepare(source, copy, count)
    t0 = time.perf_counter()
    lsp = start(copy, {"indexCache": False})
    lsp.wait(lambda m: m.get("method") == "$/progress" and m["params"]["value"]["kind"] == "end")
    indexed = time.perf_counter() - t0
    probe = os.path.join(copy, "bench-cited-probe.md")
    text = "# Probe\nsee [[cited]]\n"
    lsp.notify("textDocument/didOpen", {"textDocument": {"uri": uri(probe), "languageId": "markdown",
                                                         "version": 1, "text": text}})
    params = {"textDocument": {"uri": uri(probe)}, "position": {"line": 1, "character": 8},
              "context": {"includeDeclaration": False}}
    times, arrived, cpus, size = [], [], [], 0
    for _ in range(rounds):
        cpu = cpu_ms(lsp.proc.pid)
        t = time.perf_counter()
        body = raw_request(lsp, "textDocument/references", params)
        arrived.append(time.perf_counter() - t)
        refs = json.loads(body)["result"]
        times.append(time.perf_counter() - t)
        cpus.append(cpu_ms(lsp.proc.pid) - cpu)
        assert len(refs) == min(count + 1, MAX_ANSWER_ITEMS), len(refs)
        size = len(body)
    lsp.request("shutdown", None)
    lsp.notify("exit", None)
    lsp.proc.wait(timeout=600)
    print(f"vault: {copy}, a note cited {count} times; indexed in {indexed * 1000:.0f} ms")
    print(f"references: p50 {statistics.median(times) * 1000:.1f} ms, p95 {pct(times, 0.95) * 1000:.1f} ms, "
          f"max {max(times) * 1000:.1f} ms over {rounds} rounds (its last byte read: p50 "
          f"{statistics.median(arrived) * 1000:.1f} ms, p95 {pct(arrived, 0.95) * 1000:.1f} ms; the rest "
          f"is Python's JSON parse); server CPU per request p50 "
          f"{statistics.median(cpus):.0f} ms; {len(refs)} locations, {size / 1e6:.2f} MB of JSON (the body's bytes); "
          f"load {open('/proc/loadavg').read().split()[0]}")


if __name__ == "__main__":
    main()
