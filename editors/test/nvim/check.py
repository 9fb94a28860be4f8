#!/usr/bin/env python3
"""Checks what the Neovim headless driver (driver.lua) saw against the fixture vault: prints one
line per check and exits 1 if any failed. Usage: check.py RESULT.json LABEL [marker|none]
(none: the vault has no root marker, so the client must start with no workspace folder and the
server find the vault itself)."""
import json
import sys


def main() -> int:
    path, label = sys.argv[1], sys.argv[2]
    expect_root = sys.argv[3] if len(sys.argv) > 3 else "marker"
    try:
        with open(path, encoding="utf-8") as f:
            r = json.load(f)
    except (OSError, ValueError) as err:
        print(f"FAIL {label}: no result from Neovim ({err})")
        return 1
    checks = []

    def check(name, ok, seen):
        checks.append(ok)
        print(f"{'ok  ' if ok else 'FAIL'} {label} {name}" + ("" if ok else f": saw {seen!r}"))

    check("no driver error", "error" not in r, r.get("error"))
    client = r.get("client") or {}
    if expect_root == "none":
        check("notegraph attached with no workspace folder (the server finds the vault)",
              client.get("name") == "notegraph" and client.get("root_dir") is None, client)
    else:
        check("notegraph attached, vault root found by marker",
              client.get("name") == "notegraph"
              and str(client.get("root_dir", "")).endswith("editors/test/vault"), client)
    diags = r.get("diagnostics") or []
    check("broken link diagnostic shown (pushed on 0.7, pulled on 0.11)",
          any("Note never written" in d["message"] and d["lnum"] == 5 and d["severity"] == 2
              for d in diags), diags)
    labels = (r.get("completion") or {}).get("labels") or []
    check("completion after [[ offers the vault's notes and aliases",
          {"Spaced repetition", "Reading list", "SRS"} <= set(labels), labels)
    applied = (r.get("completion") or {}).get("applied_line")
    check("completion item with spaces inserts the whole link",
          applied == "Type a link here: [[Spaced repetition]]", applied)
    d = r.get("definition") or {}
    check("definition jumps to the heading in the linked note",
          str(d.get("file", "")).endswith("reading/Reading list.md") and d.get("line") == 8
          and d.get("text") == "## Next up", d)
    h = r.get("hover") or {}
    text = "\n".join(h.get("lines") or [])
    check("hover opens a preview of the linked note",
          h.get("float") and "**Spaced repetition**" in text
          and "Review each card at growing intervals" in text, h)
    incoming = r.get("incoming") or []
    check("incoming calls of [[Spaced repetition]] list the linking note in the quickfix list",
          any(e["file"].endswith("Start here.md") and e["lnum"] == 4 and "Start here" in e["text"]
              for e in incoming), incoming)
    actions = r.get("actions") or []
    check("an unlinked mention offers to link it",
          "Link to ‘Spaced repetition’" in actions, actions)
    if "inlay" in r:
        check("inlay hint with the backlink count after the title heading",
              {"line": 1, "label": "← 0"} in r["inlay"], r["inlay"])
    lenses = r.get("lenses") or []
    check("code lens with the backlink count on the title heading",
          {"line": 1, "title": "0 backlinks"} in lenses, lenses)
    daily = r.get("daily") or {}
    if expect_root == "none":
        # No `.obsidian/daily-notes.json` there: Obsidian's defaults, the vault's root and
        # YYYY-MM-DD, and no template.
        check(":NotegraphDaily creates today's note at Obsidian's default place and opens it",
              str(daily.get("file", "")).endswith("plain notes/2026-03-14.md"), daily)
    else:
        check(":NotegraphDaily creates today's note from its template and opens it",
            str(daily.get("file", "")).endswith("editors/test/vault/journal/2026-03-14.md")
            # (Neovim keeps the empty file's one empty line after the inserted text.)
            and [l for l in daily.get("lines") or []][:3]
            == ["# Saturday, March 14th 2026", "", "Written at 09:00."]
            and not any((daily.get("lines") or [])[3:]),
            daily)
    # `status` is in "Spaced repetition.md"; typed `text` by .obsidian/types.json, which the
    # no-marker copy drops.
    typed = "" if expect_root == "none" else ", text"
    keys = r.get("property_keys") or []
    check("frontmatter key completion offers `status` with its note count and type",
          {"label": "status", "detail": f"1 note{typed}"} in keys, keys)
    values = r.get("property_values") or []
    check("frontmatter value completion after `status: ` offers the value in use",
          values == [{"label": "seed", "detail": "1 note"}], values)
    hover = "\n".join(r.get("property_hover") or [])
    kind = "no type set" if expect_root == "none" else "type text"
    check("hover on a frontmatter key shows its type, note count and values",
          "status" in hover and f"{kind}; in 2 notes" in hover and "seed" in hover
          and "(1)" in hover, hover)
    kinds = [p.get("kind") for p in r.get("progress") or []]
    check("indexing progress reported (begin … end)", "begin" in kinds and "end" in kinds, kinds)
    return 0 if all(checks) else 1


if __name__ == "__main__":
    sys.exit(main())
