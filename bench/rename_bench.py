#!/usr/bin/env python3
"""Rename benchmark: a note linked LINKS times from one hub note (default 200,000), renamed over
stdio with the release binary; a definition request is sent right after the rename. Prints how
long the rename took, when the definition was answered (measured from the same moment), and
which answer came first. Checks the answers: one edit per link plus the title heading, and the
definition landing on its note.

Usage: bench/rename_bench.py [LINKS] [ROUNDS]   (build first: cargo build --release)
NOTEGRAPH_BIN names another build to measure (an older one, for a before/after comparison).
"""
import os
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lsp_bench import Lsp, uri  # noqa: E402


def main():
    links = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    vault = tempfile.mkdtemp(prefix="rename-bench-")
    # The on-disk index goes beside the vault, never inside it, and is removed with it.
    cache = tempfile.mkdtemp(prefix="rename-bench-cache-")
    os.environ.setdefault("NOTEGRAPH_BENCH_CACHE", cache)
    try:
        with open(os.path.join(vault, "Target.md"), "w") as f:
            f.write("# Target\n")
        with open(os.path.join(vault, "hub.md"), "w") as f:
            f.write("[[Target]] " * links)
        with open(os.path.join(vault, "a.md"), "w") as f:
            f.write("[[b]]\n")
        with open(os.path.join(vault, "b.md"), "w") as f:
            f.write("# B\n")
        lsp = Lsp(vault)
        lsp.request("initialize", {"processId": None, "rootUri": uri(vault),
                                   "capabilities": {"window": {"workDoneProgress": True}}})
        lsp.notify("initialized", {})
        lsp.wait(lambda m: m.get("method") == "$/progress"
                 and m["params"]["value"].get("kind") == "end")
        renames, definitions, firsts = [], [], []
        for _ in range(rounds):
            rename_id, definition_id = lsp.next_id, lsp.next_id + 1
            lsp.next_id += 2
            t = time.perf_counter()
            lsp.send({"jsonrpc": "2.0", "id": rename_id, "method": "textDocument/rename",
                      "params": {"textDocument": {"uri": uri(os.path.join(vault, "Target.md"))},
                                 "position": {"line": 0, "character": 3}, "newName": "Goal"}})
            lsp.send({"jsonrpc": "2.0", "id": definition_id, "method": "textDocument/definition",
                      "params": {"textDocument": {"uri": uri(os.path.join(vault, "a.md"))},
                                 "position": {"line": 0, "character": 3}}})
            answered = {}
            while len(answered) < 2:
                msg = lsp.read()
                if msg.get("id") in (rename_id, definition_id) and "method" not in msg:
                    answered[msg["id"]] = (time.perf_counter() - t, msg)
            (rename_s, rename), (definition_s, definition) = answered[rename_id], answered[definition_id]
            edits = sum(len(c.get("edits", [])) for c in rename["result"]["documentChanges"])
            assert edits == links + 1, edits
            found = definition["result"]
            found = found[0] if isinstance(found, list) else found
            assert found["uri"] == uri(os.path.join(vault, "b.md")), found
            renames.append(rename_s * 1000)
            definitions.append(definition_s * 1000)
            firsts.append("definition" if definition_s < rename_s else "rename")
        lsp.request("shutdown", None)
        lsp.notify("exit", None)
        lsp.proc.wait(timeout=10)
        print(f"{links} links, {rounds} rounds: rename {statistics.median(renames):.0f} ms "
              f"(median; {', '.join(f'{r:.0f}' for r in renames)}); definition answered after "
              f"{statistics.median(definitions):.0f} ms (median; "
              f"{', '.join(f'{d:.0f}' for d in definitions)}); first answer: {', '.join(firsts)}")
    finally:
        shutil.rmtree(vault, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
