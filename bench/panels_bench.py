#!/usr/bin/env python3
"""Benchmark the side panels on a generated vault: unlinked mentions and workspace diagnostics.

Usage: bench/panels_bench.py VAULT [ROUNDS] [--json OUT]
  VAULT from bench/gen_vault.py. Needs target/release/notegraph. Writes nothing in the vault:
  the probe notes are unsaved buffers.

Measures
  - mentions, first query: a new note named `memory` (a word of every generated note's prose)
    is opened, then `notegraph.unlinkedMentions` on it: the automaton is rebuilt for the new
    name and every note scanned once;
  - mentions, repeat query: the same command with the index current;
  - per keystroke: `didChange` of a note's body then a code action in it (the note's mentions
    rescanned, the vault's not), round trip;
  - workspace diagnostics: the first `workspace/diagnostic` pull, then a pull with the result
    ids after one note's body changed (only that note is computed and sent).
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lsp_bench import Lsp, pct, uri  # noqa: E402


def ms(values):
    return {"p50": pct(values, 0.5) * 1000, "p95": pct(values, 0.95) * 1000}


def main():
    args = sys.argv[1:]
    json_out = None
    if "--json" in args:
        i = args.index("--json")
        json_out = args[i + 1]
        del args[i:i + 2]
    vault = os.path.abspath(args[0])
    rounds = int(args[1]) if len(args) > 1 else 50
    truth = json.load(open(os.path.join(vault, ".truth.json")))
    lsp = Lsp()
    lsp.request("initialize", {"processId": None, "rootUri": uri(vault), "capabilities": {
        "window": {"workDoneProgress": True},
        "textDocument": {"diagnostic": {}},
        "workspace": {"diagnostics": {"refreshSupport": False}}}})
    lsp.notify("initialized", {})
    lsp.wait(lambda m: m.get("method") == "$/progress" and m["params"]["value"]["kind"] == "end")
    out = {"notes": truth["notes"], "bytes": truth["bytes"]}

    # Workspace diagnostics first (before the probe buffers change the vault's names).
    t = time.perf_counter()
    first = lsp.request("workspace/diagnostic", {"previousResultIds": []})
    out["workspace_pull_first_ms"] = (time.perf_counter() - t) * 1000
    out["workspace_pull_first_reports"] = len(first["items"])
    previous = [{"uri": r["uri"], "value": r["resultId"]} for r in first["items"]]
    edited = os.path.join(vault, truth["probe"]["path"])
    text = open(edited, encoding="utf-8").read()
    lsp.notify("textDocument/didOpen", {"textDocument": {"uri": uri(edited), "languageId": "markdown",
                                                         "version": 1, "text": text}})
    lsp.notify("textDocument/didChange", {"textDocument": {"uri": uri(edited), "version": 2},
                                          "contentChanges": [{"text": text + "\nmore memory\n"}]})
    t = time.perf_counter()
    again = lsp.request("workspace/diagnostic", {"previousResultIds": previous})
    out["workspace_pull_after_edit_ms"] = (time.perf_counter() - t) * 1000
    out["workspace_pull_after_edit_reports"] = len(again["items"])
    assert len(again["items"]) == 1, len(again["items"])

    probe = os.path.join(vault, "bench-mentions", "memory.md")
    lsp.notify("textDocument/didOpen", {"textDocument": {"uri": uri(probe), "languageId": "markdown",
                                                         "version": 1, "text": "# memory\n"}})
    command = {"command": "notegraph.unlinkedMentions", "arguments": [uri(probe)]}
    t = time.perf_counter()
    found = lsp.request("workspace/executeCommand", command)
    out["mentions_first_ms"] = (time.perf_counter() - t) * 1000
    out["mentions_found"] = len(found)
    assert found, "the word `memory` is in every generated note"
    repeat = []
    for _ in range(10):
        t = time.perf_counter()
        assert len(lsp.request("workspace/executeCommand", command)) == len(found)
        repeat.append(time.perf_counter() - t)
    out["mentions_repeat"] = ms(repeat)

    keystroke = []
    version = 2
    body = text + "\nmore memory\n"
    lines = body.count("\n")
    for r in range(rounds):
        version += 1
        body += "m"
        t = time.perf_counter()
        lsp.notify("textDocument/didChange", {"textDocument": {"uri": uri(edited), "version": version},
                                              "contentChanges": [{"text": body}]})
        actions = lsp.request("textDocument/codeAction", {
            "textDocument": {"uri": uri(edited)},
            "range": {"start": {"line": lines - 1, "character": 6}, "end": {"line": lines - 1, "character": 6}},
            "context": {"diagnostics": []}})
        keystroke.append(time.perf_counter() - t)
        assert any(a["title"] == "Link to ‘memory’" for a in actions or []), actions
    out["keystroke_then_code_action"] = ms(keystroke)
    lsp.proc.kill()
    print(json.dumps(out, indent=1))
    if json_out:
        json.dump(out, open(json_out, "w"), indent=1)


if __name__ == "__main__":
    main()
