#!/usr/bin/env python3
"""Compare builds on restart time, alternating them so that the machine's drift hits each alike.
Usage: bench/restart_ab.py VAULT ROUNDS BINARY...
  Each binary gets its own cache folder (/tmp/notegraph-ab/<binary's name>): the on-disk index
  is tied to the build that wrote it. One start per binary writes it; then ROUNDS rounds each
  restart every binary once on the unchanged vault and time spawn → first correct definition
  and completion (lsp_bench.startup). Prints median, min and max per binary, of the wall time and
  of the server's CPU time (all threads) to those answers: on a 2-core machine shared with
  others, the wall time swings 2x between runs where the CPU time holds; and of the restart's
  peak RSS (VmHWM, once the start is indexed and verified).
"""
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def one(vault, binary):
    """One restart in a child process (lsp_bench reads the binary and cache from its env)."""
    env = dict(os.environ, NOTEGRAPH_BIN=binary,
               NOTEGRAPH_BENCH_CACHE=os.path.join("/tmp/notegraph-ab", os.path.basename(binary)))
    code = ("import json, os, sys; sys.path.insert(0, %r); import lsp_bench as lb; "
            "v = sys.argv[1]; t = json.load(open(os.path.join(v, '.truth.json'))); "
            "s = lb.startup(v, t); print(s['answered_ms'], s['answered_cpu_ms'], s['peak_rss_mb'])" % HERE)
    out = subprocess.run([sys.executable, "-c", code, vault], env=env, capture_output=True, text=True,
                         check=True)
    wall, cpu, peak = out.stdout.split()[-3:]
    return float(wall), float(cpu), float(peak)


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    vault, rounds, binaries = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    for binary in binaries:
        one(vault, binary)
    times = {b: [] for b in binaries}
    for _ in range(rounds):
        for binary in binaries:
            times[binary].append(one(vault, binary))
    for binary, runs in times.items():
        for what, unit, values in (("wall", "ms", [r[0] for r in runs]), ("CPU", "ms", [r[1] for r in runs]),
                                   ("peak RSS", "MB", [r[2] for r in runs])):
            print(f"{binary}: {what} median {statistics.median(values):.0f} {unit}, min {min(values):.0f}, "
                  f"max {max(values):.0f} ({', '.join(f'{v:.0f}' for v in values)})")


if __name__ == "__main__":
    main()
