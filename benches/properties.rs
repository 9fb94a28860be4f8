//! Frontmatter completion at vault scale: key completion at the start of a line and value
//! completion after `key: `, over an in-memory vault of typed notes (50,000 by default, or
//! `NOTEGRAPH_BENCH_NOTES`). Also the per-note index update a keystroke in the frontmatter costs,
//! and the create-from-template actions on an unresolved link (three templates in the vault).
//!
//! ```sh
//! cargo bench --bench properties
//! ```

use std::path::{Path, PathBuf};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use notegraph::config::Config;
use notegraph::features::completion::{Candidates, InsertStyle, complete};
use notegraph::features::templates;
use notegraph::index::{FileId, Note, Vault};

const STATUSES: [&str; 5] = ["done", "open", "waiting", "someday", "dropped"];

/// A note as people keep them: a few common keys, a date, a rare key, a unique id.
fn note(i: usize) -> String {
    let mut fm = format!(
        "---\nstatus: {}\ndue: 2026-{:02}-{:02}\nid: n{i:06}\ntags: [area/{}, t{}]\n",
        STATUSES[i % 5],
        1 + i % 12,
        1 + i % 28,
        i % 7,
        i % 300
    );
    if i % 10 == 0 {
        fm.push_str(&format!("rating: {}\n", i % 5));
    }
    if i % 100 == 0 {
        fm.push_str(&format!("key{}: x\n", i / 100));
    }
    format!("{fm}---\n# Note {i}\nText [[Note {}]].\n", (i * 7) % 1000)
}

fn probe(vault: &mut Vault, root: &Path, text: &str) -> (FileId, usize) {
    let path = root.join("probe.md");
    let offset = text.find('|').expect("cursor");
    let text = text.replace('|', "");
    vault.upsert_note(&path, Note::parse(text));
    (vault.id(&path).expect("probe"), offset)
}

fn benches(c: &mut Criterion) {
    let notes: usize = std::env::var("NOTEGRAPH_BENCH_NOTES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(50_000);
    let root = PathBuf::from("/bench");
    let mut vault = Vault::new(vec![root.clone()]);
    for i in 0..notes {
        vault.upsert_note(&root.join(format!("n/Note {i}.md")), Note::parse(note(i)));
    }
    for name in ["Daily", "Meeting", "Book"] {
        let path = root.join(format!("Templates/{name}.md"));
        vault.upsert_note(&path, Note::parse("# {{title}}\nOn {{date}}.\n"));
    }
    let keys = vault.properties.keys().count();
    let candidates = Candidates::build(&vault);
    let mut group = c.benchmark_group(format!("properties, {notes} notes, {keys} keys"));
    let cases = [
        ("key completion, nothing typed", "---\n|\n---\n"),
        ("key completion, 2 letters", "---\nst|\n---\n"),
        (
            "value completion, status (5 values)",
            "---\nstatus: |\n---\n",
        ),
        (
            "value completion, due (336 values)",
            "---\ndue: 2026-0|\n---\n",
        ),
        (
            "value completion, id (every note its own)",
            "---\nid: n01|\n---\n",
        ),
        ("value completion, id, nothing typed", "---\nid: |\n---\n"),
        ("value completion, tags: [", "---\ntags: [ar|]\n---\n"),
    ];
    for (name, text) in cases {
        let (id, offset) = probe(&mut vault, &root, text);
        group.bench_function(name, |b| {
            b.iter(|| {
                complete(&vault, &candidates, id, offset, 50, InsertStyle::default())
                    .map(|c| c.items.len())
            })
        });
    }
    let mut config = Config::default();
    config.obsidian.templates.folder = "Templates".to_string();
    let now = jiff::civil::date(2026, 3, 14).at(9, 30, 0, 0);
    let (id, offset) = probe(&mut vault, &root, "See [[Nowhere|]].\n");
    assert_eq!(
        templates::actions(&vault, id, offset, &config, now).len(),
        3,
        "one action per template"
    );
    group.bench_function("template actions on an unresolved link", |b| {
        b.iter(|| templates::actions(&vault, id, offset, &config, now).len())
    });
    group.bench_function(
        "one-note update with frontmatter (re-parse and re-index)",
        |b| {
            let path = root.join("n/Note 123.md");
            let mut n = 0;
            b.iter_batched(
                || {
                    n += 1;
                    note(123).replace("status: ", &format!("status: s{n}"))
                },
                |edited| vault.upsert_note(&path, Note::parse(edited)),
                BatchSize::SmallInput,
            )
        },
    );
    group.finish();
}

criterion_group!(properties, benches);
criterion_main!(properties);
