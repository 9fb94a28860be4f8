#!/usr/bin/env python3
"""Compare builds on cold start (no on-disk index), alternating them so that the machine's drift
hits each alike.
Usage: bench/cold_ab.py VAULT ROUNDS BINARY...
  Each round starts every binary once with `indexCache` off and times spawn → the end of
  indexing ($/progress end), and the server's CPU time (all threads) and peak RSS then. Prints
  median, min and max per binary.
"""
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def one(vault, binary):
    """One cold start in a child process (lsp_bench reads the binary from its env)."""
    env = dict(os.environ, NOTEGRAPH_BIN=binary)
    code = ("import sys, time; sys.path.insert(0, %r); import lsp_bench as lb; "
            "t0 = time.perf_counter(); s = lb.start(sys.argv[1], {'indexCache': False}); "
            "s.wait(lambda m: m.get('method') == '$/progress' and m['params']['value']['kind'] == 'end'); "
            "ms = (time.perf_counter() - t0) * 1000; "
            "print(ms, lb.cpu_ms(s.proc.pid), lb.rss_kb(s.proc.pid) / 1024); s.proc.kill()" % HERE)
    out = subprocess.run([sys.executable, "-c", code, vault], env=env, capture_output=True, text=True,
                         check=True)
    return [float(x) for x in out.stdout.split()[-3:]]


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    vault, rounds, binaries = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    runs = {b: [] for b in binaries}
    for _ in range(rounds):
        for binary in binaries:
            runs[binary].append(one(vault, binary))
    for binary, got in runs.items():
        for i, what in enumerate(("wall ms", "CPU ms", "peak RSS MB")):
            xs = [g[i] for g in got]
            print(f"{binary}: {what} median {statistics.median(xs):.0f}, min {min(xs):.0f}, "
                  f"max {max(xs):.0f} ({', '.join(f'{x:.0f}' for x in xs)})")


if __name__ == "__main__":
    main()
