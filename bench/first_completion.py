#!/usr/bin/env python3
"""The first completions after a start: what a user who opens a note and types `[[` as soon as
the vault is indexed waits for. Starts the server (no on-disk index), waits for indexing to end,
opens a note — the hub, a note on disk (no name changes), or with `--new` a new, unsaved note
(a name comes: completion's candidates must follow it) — and asks for `[[hu` completion three
times, printing each request's time as the client sees it. The vault is never written.

Usage: bench/first_completion.py VAULT_DIR [--new]   (build first: cargo build --release;
$NOTEGRAPH_BIN picks another binary)
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lsp_bench import start, uri  # noqa: E402


def main():
    vault = os.path.abspath(sys.argv[1])
    new = "--new" in sys.argv[2:]
    lsp = start(vault, {"indexCache": False})
    lsp.wait(lambda m: m.get("method") == "$/progress" and m["params"]["value"]["kind"] == "end")
    # Whatever the server still does after indexing (diagnostics published) is let finish.
    time.sleep(1)
    note = os.path.join(vault, "bench-probe.md" if new else "hub.md")
    text = ("# Probe\n" if new else open(note, encoding="utf-8").read()) + "\n[[hu"
    last = text.split("\n")
    lsp.notify("textDocument/didOpen", {"textDocument": {"uri": uri(note), "languageId": "markdown",
                                                         "version": 1, "text": text}})
    for i in range(3):
        t = time.perf_counter()
        answer = lsp.request("textDocument/completion", {
            "textDocument": {"uri": uri(note)},
            "position": {"line": len(last) - 1, "character": len(last[-1])}})
        ms = (time.perf_counter() - t) * 1000
        print(f"completion {i + 1} after {'a new note' if new else 'a note on disk'} opened: "
              f"{ms:.1f} ms, {len(answer['items'])} items, first {answer['items'][0]['label']!r}")
    print(f"load average: {os.getloadavg()[0]:.2f}")
    lsp.proc.kill()


if __name__ == "__main__":
    main()
