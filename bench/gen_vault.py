#!/usr/bin/env python3
"""Generate a deterministic synthetic vault for benchmarks.

Usage: bench/gen_vault.py OUT_DIR NOTES [SEED]

Notes live in nested folders, are 0.5-5 KB, have names with spaces and unicode, some duplicate
names in different folders, frontmatter with aliases and tags, headings, block ids, wikilinks in
several forms (~5% broken), and fenced code holding fake links. `hub.md` is linked from 1% of
notes; `rename me.md` is linked from 5% of notes in wikilink and relative markdown forms (the
rename benchmark's target). Writes OUT_DIR/.truth.json with a few facts the benchmark checks answers against.
"""
import json
import os
import random
import sys

WORDS = ("graph note link idea vault memory system reading writing thought zettel method "
         "theory practice culture history language market design café über naïve 中文 東京 "
         "research project archive index daily review outline draft source").split()


def main():
    out, n = sys.argv[1], int(sys.argv[2])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 42)
    folders = [f"area {a}/topic {b}" for a in range(max(1, n // 2000)) for b in range(20)] or ["notes"]
    names = []
    used = set()
    for i in range(n):
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3)))
        # Every 50th name repeats an earlier one in another folder: ambiguous on purpose.
        name = names[rng.randrange(len(names))][1] if i % 50 == 49 and names else f"{words} {i}"
        folder = rng.choice(folders)
        # A repeated name goes to another folder: two notes never share a path.
        while (folder, name) in used and len(folders) > 1:
            folder = rng.choice(folders)
        used.add((folder, name))
        names.append((folder, name))
    os.makedirs(out, exist_ok=True)
    total = 0
    # A repeated name can land in the same folder and overwrite an earlier note: count what is
    # on disk at the end.
    renames_in = {}
    for i, (folder, name) in enumerate(names):
        links = []
        for _ in range(rng.randint(3, 12)):
            if rng.random() < 0.05:
                links.append(f"[[missing note {rng.randrange(10**6)}]]")
            else:
                _, target = names[rng.randrange(n)]
                form = rng.random()
                if form < 0.6:
                    links.append(f"[[{target}]]")
                elif form < 0.8:
                    links.append(f"[[{target}|{rng.choice(WORDS)}]]")
                else:
                    links.append(f"[[{target}#Section 1]]")
        body = [f"---\naliases: [alias {i}]\ntags: [{rng.choice(WORDS)}, area/{i % 7}]\n---",
                f"# {name}", ""]
        for s in range(rng.randint(1, 4)):
            body.append(f"## Section {s}")
            para = " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 160)))
            body.append(f"{para} {' '.join(links[s::4])} #{rng.choice(WORDS)} ^block{s}")
            body.append("")
        body.append("```\n[[not a link in code]]\n```")
        body.append(f"up:: [[{names[(i + 1) % n][1]}]]\n")
        if i % 100 == 0:
            body.append("related:: [[hub]]\n")
        if i % 20 == 0:
            depth = folder.count("/") + 1
            rel = "../" * depth + "rename%20me.md"
            body.append(f"see [[rename me]], [[rename me#Part|part]] and [it]({rel})\n")
        text = "\n".join(body)
        path = os.path.join(out, folder, f"{name}.md")
        renames_in[path] = i % 20 == 0
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        total += len(text.encode())
    hub = os.path.join(out, "hub.md")
    with open(hub, "w", encoding="utf-8") as f:
        f.write("# Hub\nThe most linked note.\n")
    with open(os.path.join(out, "rename me.md"), "w", encoding="utf-8") as f:
        f.write("# Rename me\n## Part\nLinked from one note in twenty.\n")
    probe_folder, probe_name = names[n // 2]
    with open(os.path.join(out, ".truth.json"), "w", encoding="utf-8") as f:
        json.dump({"notes": n + 2, "bytes": total, "hub_backlinks": len(range(0, n, 100)),
                   "rename_sources": sum(renames_in.values()),
                   "probe": {"name": probe_name, "path": f"{probe_folder}/{probe_name}.md"}}, f)


if __name__ == "__main__":
    main()
