#!/usr/bin/env python3
"""Completion ranking benchmark: keystrokes until the wanted note is first.

Usage: bench/keystrokes.py VAULT_DIR [TARGETS] [--seed N] [--json OUT]
       (build first: cargo build --release; make a vault with bench/gen_vault.py)

For TARGETS random notes of the vault (default 300; names that several notes share are left out,
since their name alone cannot single one out), it types `[[` and the note's name one character
at a time into a scratch note, as a user does, asks the real server for completion after each
character, and counts the characters typed when the note is first in the list. Beside it, the
ideal: the shortest prefix of the name that no other name in the vault starts with (the whole name
where it is itself the start of another). Fails if any note is not first once its whole name is
typed.
"""
import json
import os
import random
import statistics
import sys
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lsp_bench import Lsp, uri  # noqa: E402


def fold(name):
    return unicodedata.normalize("NFC", name).casefold()


def note_names(vault):
    """Every note's name (file stem), skipping hidden folders as the loader does."""
    names = []
    for folder, dirs, files in os.walk(vault):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        names += [f[:-3] for f in files if f.endswith(".md") and not f.startswith(".")]
    return names


def ideal(name, others):
    """The fewest characters of `name` that no other name starts with."""
    folded = fold(name)
    for k in range(1, len(name) + 1):
        prefix = fold(name[:k])
        if not any(o.startswith(prefix) for o in others):
            return k
    return len(name)


def utf16_len(text):
    return len(text.encode("utf-16-le")) // 2


def main():
    args = sys.argv[1:]
    json_out, seed = None, 1
    if "--json" in args:
        i = args.index("--json")
        json_out = args[i + 1]
        del args[i:i + 2]
    if "--seed" in args:
        i = args.index("--seed")
        seed = int(args[i + 1])
        del args[i:i + 2]
    vault = os.path.abspath(args[0])
    count = int(args[1]) if len(args) > 1 else 300

    names = note_names(vault)
    by_fold = {}
    for n in names:
        by_fold.setdefault(fold(n), []).append(n)
    unique = sorted(n for n in names if len(by_fold[fold(n)]) == 1 and n != "bench-keystrokes")
    targets = random.Random(seed).sample(unique, min(count, len(unique)))
    folded = [fold(n) for n in names]

    lsp = Lsp()
    lsp.request("initialize", {"processId": None, "rootUri": uri(vault),
                               "capabilities": {"window": {"workDoneProgress": True}}})
    lsp.notify("initialized", {})
    lsp.wait(lambda m: m.get("method") == "$/progress" and m["params"]["value"]["kind"] == "end")
    probe = os.path.join(vault, "bench-keystrokes.md")  # never written: an open buffer only
    lsp.notify("textDocument/didOpen", {"textDocument": {"uri": uri(probe), "languageId": "markdown",
                                                         "version": 1, "text": ""}})
    version = 1
    typed_counts, ideals, never = [], [], []
    for target in targets:
        others = [f for f in folded if f != fold(target)]
        best = ideal(target, others)
        got = None
        for k in range(1, len(target) + 1):
            version += 1
            text = "[[" + target[:k]
            lsp.notify("textDocument/didChange", {"textDocument": {"uri": uri(probe), "version": version},
                                                  "contentChanges": [{"text": text}]})
            result = lsp.request("textDocument/completion", {
                "textDocument": {"uri": uri(probe)},
                "position": {"line": 0, "character": utf16_len(text)}})
            items = (result or {}).get("items") or []
            if items and items[0]["label"] == target:
                got = k
                break
        if got is None:
            never.append(target)
        else:
            typed_counts.append(got)
            ideals.append(best)
    lsp.request("shutdown", None)
    lsp.notify("exit", None)
    lsp.proc.wait(timeout=10)

    at_ideal = sum(1 for t, i in zip(typed_counts, ideals) if t <= i)
    extra = [t - i for t, i in zip(typed_counts, ideals)]
    report = {
        "notes": len(names), "targets": len(targets), "seed": seed,
        "keystrokes": {"mean": statistics.mean(typed_counts), "median": statistics.median(typed_counts),
                       "p90": sorted(typed_counts)[int(0.9 * (len(typed_counts) - 1))]},
        "ideal": {"mean": statistics.mean(ideals), "median": statistics.median(ideals)},
        "extra_over_ideal": {"mean": statistics.mean(extra), "max": max(extra)},
        "first_by_ideal_prefix": at_ideal,
        "never_first": never,
    }
    print(f"vault: {len(names)} notes; {len(targets)} random targets (seed {seed})")
    print(f"keystrokes until first: mean {report['keystrokes']['mean']:.2f}, median "
          f"{report['keystrokes']['median']}, p90 {report['keystrokes']['p90']}")
    print(f"ideal (shortest unshared prefix): mean {report['ideal']['mean']:.2f}, median "
          f"{report['ideal']['median']}")
    print(f"extra keystrokes over the ideal: mean {report['extra_over_ideal']['mean']:.2f}, "
          f"max {report['extra_over_ideal']['max']}; first by the ideal prefix: {at_ideal}/{len(typed_counts)}")
    print(f"never first even with the whole name typed: {len(never)} {never[:5]}")
    if json_out:
        with open(json_out, "w") as f:
            json.dump(report, f, indent=1)
    if never:
        sys.exit(1)


if __name__ == "__main__":
    main()
