#!/usr/bin/env python3
"""End-to-end benchmark: start the release binary, speak LSP over stdio like an editor, and time
indexing and requests on a generated vault. Checks answers, not only times.

Usage: bench/lsp_bench.py VAULT_DIR [ROUNDS] [--json OUT] [--no-restart] [--no-check] [--restarts-only]
(build first: cargo build --release)

--restarts-only: only the three starts with the on-disk index (below), printed; no request rounds.

--no-check: the rename is asked for and its edits counted, but not applied and compared with
two `notegraph check` runs (at 1,000,000 notes each holds ~9 GB beside the server's own).

Prints a table; with --json, also writes the figures to OUT. bench/run.py runs it over vault
sizes and writes README's table.

Restart with the on-disk index (skipped with --no-restart): a cold start that writes the index,
a restart on the unchanged vault, and a restart after 5% of the notes changed on disk (each gets
one more link to the hub; restored afterwards), each timed from spawn to the end of indexing and
to the first correct definition and `[[hu` completion (and, after the change, references of the
hub counting the new links), with the peak RSS of each. The index lives under
$NOTEGRAPH_BENCH_CACHE (default: a `cache` folder beside the vault). The request rounds run on
a server with the index off, so that they measure what they always did.

A vault generated with --bib also gets citation requests timed: key completion after `[@sput`
(which must rank wang2021china first) and after a bare `[@`, hover on a citation and on the
`source::` link to the literature note, definition, and edit → diagnostic for a misspelt key.
"""
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# NOTEGRAPH_BIN: another build to measure (an older one, for a before/after comparison).
BINARY = os.environ.get("NOTEGRAPH_BIN") or os.path.join(ROOT, "target", "release", "notegraph")


def uri(path):
    return "file://" + urllib.parse.quote(os.path.abspath(path))


def cache_home(vault):
    return os.environ.get("NOTEGRAPH_BENCH_CACHE", os.path.join(os.path.dirname(vault), "cache"))


class Lsp:
    def __init__(self, vault=None, log=None):
        # No pause before the edited note's diagnostics: the timings are the server's work alone
        # (editors get them after a 300 ms pause in typing, by design).
        # NOTEGRAPH_LOG=debug shows a restart's phases in the server's log (cache/server.log).
        env = {**os.environ, "NOTEGRAPH_LOG": os.environ.get("NOTEGRAPH_LOG", "info") if log else "warn",
               "NOTEGRAPH_DIAGNOSTICS_DELAY_MS": "0"}
        if vault:
            env["XDG_CACHE_HOME"] = cache_home(vault)
        self.proc = subprocess.Popen([BINARY, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
                                     stderr=log)
        self.next_id = 1
        self.notes = []

    def send(self, msg):
        body = json.dumps(msg).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def read_body(self):
        """The next message's body, unparsed."""
        length = None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise SystemExit("server closed its output")
            line = line.strip()
            if not line:
                break
            if line.startswith(b"Content-Length:"):
                length = int(line.split(b":")[1])
        return self.proc.stdout.read(length)

    def read(self):
        msg = json.loads(self.read_body())
        if "id" in msg and "method" in msg:
            self.send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
        return msg

    def request(self, method, params):
        rid = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        while True:
            msg = self.read()
            if msg.get("id") == rid and "method" not in msg:
                return msg.get("result")
            if "method" in msg and "id" not in msg:
                self.notes.append(msg)

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait(self, pred):
        for i, msg in enumerate(self.notes):
            if pred(msg):
                return self.notes.pop(i)
        while True:
            msg = self.read()
            if pred(msg):
                return msg
            if "method" in msg and "id" not in msg:
                self.notes.append(msg)


# The server answers with at most this many locations (src/lsp/to_proto.rs, MAX_ANSWER_ITEMS):
# at 1,000,000 notes the hub has more backlinks than that.
MAX_ANSWER_ITEMS = 10_000


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def cpu_ms(pid):
    """CPU time the process has used so far (user + system, all threads): the work a start
    costs, which a loaded machine does not inflate the way it inflates wall time."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def cpu_ns(pid):
    """CPU time the server's threads have run so far, in nanoseconds (`schedstat`: finer than
    `cpu_ms`'s clock ticks, so that one request's share can be told)."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def cite_rounds(lsp, vault, rounds):
    """Citation requests on a probe note, each answer checked."""
    probe = os.path.join(vault, "bench-cite.md")
    text = "# Cite probe\nsource:: [[wang2021china China’s Sputnik Moment]]\nAs argued [@wang2021china, p. 3].\n"
    lsp.notify("textDocument/didOpen", {"textDocument": {"uri": uri(probe), "languageId": "markdown",
                                                         "version": 1, "text": text}})
    doc = {"uri": uri(probe)}
    on_link = {"textDocument": doc, "position": {"line": 1, "character": 14}}
    on_cite = {"textDocument": doc, "position": {"line": 2, "character": 14}}
    timings = {"cite completion [@sput": [], "cite completion [@": [], "hover citation": [],
               "hover source:: link": [], "definition citation": [], "edit→cite diagnostic": []}
    version = 1
    for r in range(rounds):
        version += 1
        lsp.notify("textDocument/didChange", {"textDocument": {"uri": uri(probe), "version": version},
                                              "contentChanges": [{"text": text + "[@sput"}]})
        t = time.perf_counter()
        result = lsp.request("textDocument/completion", {"textDocument": doc,
                                                         "position": {"line": 3, "character": 6}})
        timings["cite completion [@sput"].append(time.perf_counter() - t)
        assert result["items"][0]["label"] == "wang2021china", [i["label"] for i in result["items"][:5]]
        t = time.perf_counter()
        hover = lsp.request("textDocument/hover", on_cite)
        timings["hover citation"].append(time.perf_counter() - t)
        assert hover["contents"]["value"].startswith("**@wang2021china** — Dan Wang"), hover
        t = time.perf_counter()
        hover = lsp.request("textDocument/hover", on_link)
        timings["hover source:: link"].append(time.perf_counter() - t)
        assert "Reading notes on this source." in hover["contents"]["value"], hover
        t = time.perf_counter()
        definition = lsp.request("textDocument/definition", on_cite)
        timings["definition citation"].append(time.perf_counter() - t)
        assert definition["uri"].endswith("Moment.md"), definition
        if r % 10 == 0:
            version += 1
            lsp.notify("textDocument/didChange", {"textDocument": {"uri": uri(probe), "version": version},
                                                  "contentChanges": [{"text": text + "[@"}]})
            t = time.perf_counter()
            result = lsp.request("textDocument/completion", {"textDocument": doc,
                                                             "position": {"line": 3, "character": 2}})
            timings["cite completion [@"].append(time.perf_counter() - t)
            assert result["isIncomplete"] and len(result["items"]) == 50, len(result["items"])
            version += 1
            wrong = f"wang2021chinz{r}"
            t = time.perf_counter()
            lsp.notify("textDocument/didChange", {"textDocument": {"uri": uri(probe), "version": version},
                                                  "contentChanges": [{"text": text + f"[@{wrong}]\n"}]})
            # Flagged once the user moves on: a change on the next line.
            version += 1
            lsp.notify("textDocument/didChange", {"textDocument": {"uri": uri(probe), "version": version},
                                                  "contentChanges": [{"text": text + f"[@{wrong}]\n\n"}]})
            lsp.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                     and any(wrong in d["message"] for d in m["params"]["diagnostics"]))
            timings["edit→cite diagnostic"].append(time.perf_counter() - t)
    return timings


def offset(lines, pos):
    """Character index in the joined text of an LSP position (UTF-16 columns)."""
    before = sum(len(l) for l in lines[:pos["line"]])
    line, units, col = lines[pos["line"]] if pos["line"] < len(lines) else "", 0, 0
    while col < len(line) and units < pos["character"]:
        units += 2 if ord(line[col]) > 0xFFFF else 1
        col += 1
    return before + col


def apply_edit(edit):
    """Apply a WorkspaceEdit to disk as an editor would; returns what undoes it."""
    undo = []
    for change in edit["documentChanges"]:
        if change.get("kind") == "rename":
            old = urllib.parse.unquote(change["oldUri"][len("file://"):])
            new = urllib.parse.unquote(change["newUri"][len("file://"):])
            os.rename(old, new)
            undo.append(("rename", new, old))
            continue
        path = urllib.parse.unquote(change["textDocument"]["uri"][len("file://"):])
        text = open(path, encoding="utf-8").read()
        lines = text.splitlines(keepends=True)
        spans = sorted(((offset(lines, e["range"]["start"]), offset(lines, e["range"]["end"]), e["newText"])
                        for e in change["edits"]), reverse=True)
        new_text = text
        for start, end, new in spans:
            new_text = new_text[:start] + new + new_text[end:]
        open(path, "w", encoding="utf-8").write(new_text)
        undo.append(("text", path, text))
    return undo


def undo_edit(undo):
    for kind, a, b in reversed(undo):
        if kind == "rename":
            os.rename(a, b)
        else:
            open(a, "w", encoding="utf-8").write(b)


def start(vault, options=None, log=None):
    """Spawn a server on `vault`; returns it once initialized (indexing may still run)."""
    lsp = Lsp(vault, log)
    lsp.request("initialize", {"processId": None, "rootUri": uri(vault), "initializationOptions": options,
                               "capabilities": {"window": {"workDoneProgress": True}}})
    lsp.notify("initialized", {})
    return lsp


def startup(vault, truth, extra_hub_links=0):
    """One start with the on-disk index: times to indexed and to the first correct answers."""
    name = truth["probe"]["name"]
    probe = os.path.join(vault, "bench-probe.md")
    log_path = os.path.join(cache_home(vault), "server.log")
    os.makedirs(cache_home(vault), exist_ok=True)
    log = open(log_path, "w")
    t0 = time.perf_counter()
    lsp = start(vault, log=log)
    lsp.notify("textDocument/didOpen", {"textDocument": {"uri": uri(probe), "languageId": "markdown", "version": 1,
                                                         "text": f"# Probe\nsee [[{name}]] and [[hub]]\n[[hu"}})
    definition = lsp.request("textDocument/definition", {"textDocument": {"uri": uri(probe)},
                                                         "position": {"line": 1, "character": 7}})
    completion = lsp.request("textDocument/completion", {"textDocument": {"uri": uri(probe)},
                                                         "position": {"line": 2, "character": 4}})
    answered = time.perf_counter() - t0
    answered_cpu = cpu_ms(lsp.proc.pid)
    assert definition and definition["uri"].endswith(urllib.parse.quote(name + ".md")), definition
    assert completion["items"][0]["label"] == "hub", [i["label"] for i in completion["items"][:5]]
    lsp.wait(lambda m: m.get("method") == "$/progress" and m["params"]["value"]["kind"] == "end")
    indexed = time.perf_counter() - t0
    refs = lsp.request("textDocument/references", {"textDocument": {"uri": uri(probe)},
                                                   "position": {"line": 1, "character": len(f"see [[{name}]] and [[h")},
                                                   "context": {"includeDeclaration": False}})
    expected = min(truth["hub_backlinks"] + extra_hub_links + 1, MAX_ANSWER_ITEMS)
    assert len(refs) == expected, (len(refs), truth["hub_backlinks"])
    # The peak counts the on-disk index's write that follows a start which read notes (a cold
    # one, or one that found notes changed): it comes within seconds, and holds more at once
    # than the start did.
    wait_written(log_path)
    peak = rss_kb(lsp.proc.pid)
    t = time.perf_counter()
    lsp.request("shutdown", None)
    shutdown = time.perf_counter() - t
    lsp.notify("exit", None)
    lsp.proc.wait(timeout=600)
    log.close()
    text = open(log_path).read()
    written = re.search(r"on-disk index: (\d+) notes written in (\d+) ms", text)
    used = re.search(r"on-disk index: (\d+) notes unchanged \((\d+) of them touched\), (\d+) read, (\d+) gone", text)
    index_files = [os.path.join(d, f) for d, _, fs in os.walk(os.path.join(cache_home(vault), "notegraph"))
                   for f in fs if f == "index"]
    return {"indexed_ms": indexed * 1000, "answered_ms": answered * 1000, "answered_cpu_ms": answered_cpu,
            "load": os.getloadavg()[0], "peak_rss_mb": peak / 1024,
            "shutdown_ms": shutdown * 1000, "write_ms": int(written.group(2)) if written else None,
            "reused": [int(g) for g in used.groups()] if used else None,
            "index_mb": sum(os.path.getsize(f) for f in index_files) / 1e6,
            # With NOTEGRAPH_LOG=debug: the phases of the start, as the server logged them.
            "phases": [m.group(1) for m in re.finditer(
                r"DEBUG.*?((?:walked|read the on-disk|notes checked|notes filed|checked \d+ notes).*)", text)]}


def wait_written(log_path, timeout=600):
    """Until the server has written the on-disk index, if this start is one that writes it: a
    start that used the index logs what it reused, and writes only if it read or re-stamped a
    note; one that found none (a cold start) always writes."""
    end = time.time() + timeout
    while time.time() < end:
        text = open(log_path).read()
        if "notes written" in text:
            return
        used = re.search(r"on-disk index: \d+ notes unchanged \((\d+) of them touched\), (\d+) read", text)
        if used and used.group(1) == "0" and used.group(2) == "0":
            return
        time.sleep(0.05)
    raise TimeoutError("the on-disk index was not written")


def restarts(vault, truth):
    """Cold start writing the index, restart unchanged, restart after 5% of the notes changed."""
    home = cache_home(vault)
    subprocess.run(["rm", "-rf", os.path.join(home, "notegraph")], check=True)
    out = {"cold": startup(vault, truth)}
    out["warm"] = startup(vault, truth)
    notes = sorted(os.path.join(d, f) for d, _, fs in os.walk(vault) for f in fs
                   if f.endswith(".md") and f not in ("hub.md", "rename me.md", "bench-probe.md"))
    changed = notes[7::20]
    saved = {}
    for path in changed:
        with open(path, encoding="utf-8") as f:
            saved[path] = f.read()
        with open(path, "a", encoding="utf-8") as f:
            f.write("\nrelated:: [[hub]]\n")
    try:
        out["changed_5pct"] = startup(vault, truth, extra_hub_links=len(changed))
        out["changed_5pct"]["notes_changed"] = len(changed)
    finally:
        for path, text in saved.items():
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    return out


def check_report(vault):
    out = subprocess.run([BINARY, "check", vault, "--format", "json"], capture_output=True, text=True,
                         env={**os.environ, "XDG_CACHE_HOME": cache_home(vault)})
    return json.loads(out.stdout)


def main():
    args = sys.argv[1:]
    json_out = None
    if "--json" in args:
        i = args.index("--json")
        json_out = args[i + 1]
        del args[i:i + 2]
    restart = "--no-restart" not in args
    compare = "--no-check" not in args
    only_restarts = "--restarts-only" in args
    args = [a for a in args if a not in ("--no-restart", "--no-check", "--restarts-only")]
    vault = os.path.abspath(args[0])
    rounds = int(args[1]) if len(args) > 1 else 200
    truth = json.load(open(os.path.join(vault, ".truth.json")))
    if only_restarts:
        starts = restarts(vault, truth)
        if json_out:
            with open(json_out, "w") as f:
                json.dump({"notes": truth["notes"], "bytes": truth["bytes"], "restarts": starts}, f, indent=1)
        print_restarts(truth, starts)
        return
    started = time.perf_counter()
    lsp = start(vault, {"indexCache": False})
    lsp.wait(lambda m: m.get("method") == "$/progress" and m["params"]["value"]["kind"] == "end")
    indexed = time.perf_counter() - started

    probe = os.path.join(vault, "bench-probe.md")
    name = truth["probe"]["name"]
    text = f"# Probe\nsee [[{name}]] and [[hub]]\n"
    lsp.notify("textDocument/didOpen", {"textDocument": {"uri": uri(probe), "languageId": "markdown",
                                                         "version": 1, "text": text}})
    pos_link = {"textDocument": {"uri": uri(probe)}, "position": {"line": 1, "character": 7}}
    definition = lsp.request("textDocument/definition", pos_link)
    assert definition and definition["uri"].endswith(urllib.parse.quote(name + ".md")), definition

    timings = {"completion (1 letter)": [], "completion": [], "hover": [], "definition": [],
               "references(hub)": [], "edit→diagnostics": []}
    ranks = []
    # The server's CPU time per request, which the other processes on a loaded machine inflate
    # far less than the wall time.
    cpu = {k: [] for k in timings}
    version = 1
    # Type `[[` and two letters, as a user does; the editor asks at each letter. The expected
    # note is the most linked one starting with those letters.
    probes = [("hu", "hub"), ("re", "rename me")]
    for r in range(rounds):
        letters, expected = probes[r % len(probes)]
        for n in (1, 2):
            version += 1
            typed = "[[" + letters[:n]
            lsp.notify("textDocument/didChange", {"textDocument": {"uri": uri(probe), "version": version},
                                                  "contentChanges": [{"text": text + typed}]})
            c, t = cpu_ns(lsp.proc.pid), time.perf_counter()
            result = lsp.request("textDocument/completion", {"textDocument": {"uri": uri(probe)},
                                                             "position": {"line": 2, "character": len(typed)}})
            which = "completion" if n == 2 else "completion (1 letter)"
            timings[which].append(time.perf_counter() - t)
            cpu[which].append((cpu_ns(lsp.proc.pid) - c) / 1e9)
        labels = [i["label"] for i in result["items"]]
        ranks.append(labels.index(expected) + 1 if expected in labels else None)
        if ranks[-1] != 1 and r < 2:
            print(f"completion of {letters!r}:", labels[:5], file=sys.stderr)
        t = time.perf_counter()
        assert lsp.request("textDocument/hover", pos_link)
        timings["hover"].append(time.perf_counter() - t)
        t = time.perf_counter()
        assert lsp.request("textDocument/definition", pos_link)
        timings["definition"].append(time.perf_counter() - t)
        if r % 10 == 0:
            c, t = cpu_ns(lsp.proc.pid), time.perf_counter()
            refs = lsp.request("textDocument/references", {"textDocument": {"uri": uri(probe)},
                                                           "position": {"line": 1, "character": len(f"see [[{name}]] and [[h")},
                                                           "context": {"includeDeclaration": False}})
            timings["references(hub)"].append(time.perf_counter() - t)
            cpu["references(hub)"].append((cpu_ns(lsp.proc.pid) - c) / 1e9)
            assert len(refs) == min(truth["hub_backlinks"] + 1, MAX_ANSWER_ITEMS), len(refs)
            # Break a link and time until the diagnostic naming it arrives.
            version += 1
            broken = f"zz missing {r}"
            t = time.perf_counter()
            lsp.notify("textDocument/didChange", {"textDocument": {"uri": uri(probe), "version": version},
                                                  "contentChanges": [{"text": text + f"[[{broken}]]\n"}]})
            # The link just typed is flagged once the user moves on: a change on the next line.
            version += 1
            lsp.notify("textDocument/didChange", {"textDocument": {"uri": uri(probe), "version": version},
                                                  "contentChanges": [{"text": text + f"[[{broken}]]\n\n"}]})
            lsp.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                     and any(broken in d["message"] for d in m["params"]["diagnostics"]))
            timings["edit→diagnostics"].append(time.perf_counter() - t)
    # Workspace symbols: a fuzzy query over every note, alias and heading.
    timings["workspace/symbol"] = []
    for r in range(20):
        t = time.perf_counter()
        found = lsp.request("workspace/symbol", {"query": f"{name.split()[-1]} {r}"})
        timings["workspace/symbol"].append(time.perf_counter() - t)
    assert lsp.request("workspace/symbol", {"query": name})[0]["name"] == name

    # Rename the note linked from one note in twenty; apply the edit; `check` must report the
    # same before and after. The vault is restored afterwards.
    target = os.path.join(vault, "rename me.md")
    before = check_report(vault) if compare else None
    t = time.perf_counter()
    edit = lsp.request("textDocument/rename", {"textDocument": {"uri": uri(target)},
                                               "position": {"line": 2, "character": 0},
                                               "newName": "renamed note"})
    rename_ms = (time.perf_counter() - t) * 1000
    texts = [c for c in edit["documentChanges"] if "textDocument" in c]
    edits = sum(len(c["edits"]) for c in texts)
    assert len(texts) == truth["rename_sources"], (len(texts), truth["rename_sources"])
    assert edits == 3 * truth["rename_sources"], edits
    after = None
    if compare:
        undo = apply_edit(edit)
        after = check_report(vault)
        undo_edit(undo)
        same = before["diagnostics"] == after["diagnostics"] and before["summary"] == after["summary"]
        assert same, "check reports differ after the rename"

    if truth.get("bib"):
        timings.update(cite_rounds(lsp, vault, rounds))
    peak = rss_kb(lsp.proc.pid)
    lsp.request("shutdown", None)
    lsp.notify("exit", None)
    lsp.proc.wait(timeout=600)

    starts = restarts(vault, truth) if restart else None
    ranked_first = sum(1 for r in ranks if r == 1)
    if json_out:
        with open(json_out, "w") as f:
            json.dump({
                "notes": truth["notes"], "bytes": truth["bytes"], "indexed_ms": indexed * 1000,
                "requests": {k: {"p50": statistics.median(v) * 1000, "p95": pct(v, 0.95) * 1000,
                                 "max": max(v) * 1000} for k, v in timings.items()},
                "request_cpu": {k: {"p50": statistics.median(v) * 1000, "p95": pct(v, 0.95) * 1000}
                                for k, v in cpu.items() if v},
                "load": os.getloadavg(),
                "ranked_first": ranked_first, "rounds": len(ranks),
                "rename": {"sources": len(texts), "edits": edits, "ms": rename_ms},
                "peak_rss_mb": peak / 1024,
                "bibliography_entries": (truth.get("bib") or {}).get("entries", 0),
                "restarts": starts,
            }, f, indent=1)
    print(f"vault: {truth['notes']} notes, {truth['bytes'] / 1e6:.1f} MB"
          + (f", {truth['bib']['entries']} bibliography entries" if truth.get("bib") else ""))
    print(f"spawn → indexed: {indexed * 1000:.0f} ms")
    print(f"{'request':<20}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'CPU p50':>10}{'CPU p95':>10}")
    for k, v in timings.items():
        used = cpu.get(k)
        print(f"{k:<20}{statistics.median(v) * 1000:>10.2f}{pct(v, 0.95) * 1000:>10.2f}{max(v) * 1000:>10.2f}"
              + (f"{statistics.median(used) * 1000:>10.2f}{pct(used, 0.95) * 1000:>10.2f}" if used else ""))
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"expected note ranked first in {ranked_first}/{len(ranks)} completions")
    print(f"rename of a note linked from {len(texts)} notes: {rename_ms:.0f} ms, {edits} edits in one "
          f"WorkspaceEdit" + (f"; check after applying it reports the same {len(after['diagnostics'])} diagnostics"
                                if after else " (not applied: --no-check)"))
    print(f"peak RSS: {peak / 1024:.0f} MB")
    print_restarts(truth, starts)


def print_restarts(truth, starts):
    print(f"vault: {truth['notes']} notes, {truth['bytes'] / 1e6:.1f} MB")
    for label, r in (starts or {}).items():
        print(f"{label:<13} spawn → indexed {r['indexed_ms']:.0f} ms, → first correct definition and "
              f"completion {r['answered_ms']:.0f} ms ({r['answered_cpu_ms']:.0f} ms CPU, load "
              f"{r['load']:.1f}), peak RSS {r['peak_rss_mb']:.0f} MB, "
              f"index written in {r['write_ms']} ms ({r['index_mb']:.0f} MB), "
              f"cache use (unchanged, touched, read, gone) {r['reused']}")
        for phase in r.get("phases") or []:
            print(f"{'':<13} {phase}")


if __name__ == "__main__":
    main()
