#!/usr/bin/env python3
"""Compare builds on cold start (no on-disk index), alternating them so that the machine's drift
hits each alike.
Usage: bench/cold_ab.py [--index] VAULT ROUNDS BINARY...
  Each round starts every binary once with `indexCache` off and times spawn → the end of
  indexing ($/progress end), and the server's CPU time (all threads) and peak RSS then. Prints
  median, min and max per binary.
  --index: with the on-disk index on instead, removed before each start (a cold start that
  writes it); CPU time and peak RSS are read once the index is written, as `bench/run.py`'s
  cold start counts the write that follows it.
"""
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


# A cold start with the on-disk index on: the cache removed first, the server's log kept (in
# the cache folder, as `lsp_bench.startup` keeps it) so that the write's end can be waited for.
WITH_INDEX = """
import os, shutil, sys, time
sys.path.insert(0, %r)
import lsp_bench as lb
home = lb.cache_home(sys.argv[1])
shutil.rmtree(os.path.join(home, "notegraph"), ignore_errors=True)
os.makedirs(home, exist_ok=True)
log_path = os.path.join(home, "server.log")
log = open(log_path, "w")
t0 = time.perf_counter()
s = lb.start(sys.argv[1], None, log=log)
s.wait(lambda m: m.get('method') == '$/progress' and m['params']['value']['kind'] == 'end')
ms = (time.perf_counter() - t0) * 1000
lb.wait_written(log_path)
# The catch-up walk (files changed while the index was read) waits for the write: its peak too.
time.sleep(0.5)
print(ms, lb.cpu_ms(s.proc.pid), lb.rss_kb(s.proc.pid) / 1024)
s.proc.kill()
"""


def one(vault, binary, index=False):
    """One cold start in a child process (lsp_bench reads the binary from its env)."""
    env = dict(os.environ, NOTEGRAPH_BIN=binary)
    code = ("import sys, time; sys.path.insert(0, %r); import lsp_bench as lb; "
            "t0 = time.perf_counter(); s = lb.start(sys.argv[1], {'indexCache': False}); "
            "s.wait(lambda m: m.get('method') == '$/progress' and m['params']['value']['kind'] == 'end'); "
            "ms = (time.perf_counter() - t0) * 1000; "
            "print(ms, lb.cpu_ms(s.proc.pid), lb.rss_kb(s.proc.pid) / 1024); s.proc.kill()" % HERE)
    if index:
        code = WITH_INDEX % HERE
    out = subprocess.run([sys.executable, "-c", code, vault], env=env, capture_output=True, text=True,
                         check=True)
    return [float(x) for x in out.stdout.split()[-3:]]


def main():
    args = sys.argv[1:]
    index = "--index" in args
    args = [a for a in args if a != "--index"]
    if len(args) < 3:
        sys.exit(__doc__)
    vault, rounds, binaries = args[0], int(args[1]), args[2:]
    runs = {b: [] for b in binaries}
    for _ in range(rounds):
        for binary in binaries:
            runs[binary].append(one(vault, binary, index))
    for binary, got in runs.items():
        for i, what in enumerate(("wall ms", "CPU ms", "peak RSS MB")):
            xs = [g[i] for g in got]
            print(f"{binary}: {what} median {statistics.median(xs):.0f}, min {min(xs):.0f}, "
                  f"max {max(xs):.0f} ({', '.join(f'{x:.0f}' for x in xs)})")


if __name__ == "__main__":
    main()
