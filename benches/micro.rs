//! Micro-benchmarks (criterion): parsing throughput beside raw pulldown-cmark on the same bytes,
//! index build, resolution, completion, workspace symbols and a one-note update, on a vault
//! written by `bench/gen_vault.py` (50,000 notes unless `NOTEGRAPH_BENCH_NOTES` says otherwise).
//!
//! `cargo bench --bench micro` measures; `cargo test --bench micro` runs each once
//! (the smoke mode CI uses, with a small vault).

use std::path::{Path, PathBuf};
use std::process::Command;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use notegraph::features::completion::{Candidates, InsertStyle, complete};
use notegraph::features::outline::SymbolIndex;
use notegraph::index::{Note, Vault};
use notegraph::loader;

/// The generated vault for `notes` notes, made once and kept under `target/`.
fn vault_dir(notes: usize) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join(format!("target/bench-vault-{notes}"));
    if !dir.join(".truth.json").exists() {
        let status = Command::new("python3")
            .arg(root.join("bench/gen_vault.py"))
            .arg(&dir)
            .arg(notes.to_string())
            .status()
            .expect("python3 runs bench/gen_vault.py");
        assert!(status.success(), "gen_vault.py failed");
    }
    dir.canonicalize().expect("vault dir")
}

fn benches(c: &mut Criterion) {
    let notes: usize = std::env::var("NOTEGRAPH_BENCH_NOTES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(50_000);
    let dir = vault_dir(notes);
    let paths: Vec<PathBuf> = loader::walk(std::slice::from_ref(&dir), &loader::Exclude::default())
        .into_iter()
        .filter(|p| notegraph::index::is_note_path(p))
        .collect();
    let texts: Vec<(PathBuf, String)> = paths
        .iter()
        .map(|p| (p.clone(), std::fs::read_to_string(p).expect("note")))
        .collect();
    let bytes: u64 = texts.iter().map(|(_, t)| t.len() as u64).sum();

    // Parsing: notegraph's whole parse beside pulldown-cmark alone with the same options; the
    // ratio of the two throughputs is the figure to watch.
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(bytes));
    group.sample_size(10);
    group.bench_function("pulldown-cmark alone", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|(_, t)| {
                    pulldown_cmark::Parser::new_ext(t, notegraph::syntax::cmark_options())
                        .into_offset_iter()
                        .count()
                })
                .sum::<usize>()
        })
    });
    group.bench_function("notegraph syntax::parse", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|(_, t)| notegraph::syntax::parse(t).links.len())
                .sum::<usize>()
        })
    });
    group.finish();

    let mut group = c.benchmark_group("index");
    group.sample_size(10);
    group.bench_function(format!("load and build, {notes} notes"), |b| {
        b.iter(|| loader::load_vault(vec![dir.clone()]).0.note_count())
    });
    group.finish();

    let (mut vault, (typed_id, offset)) = vault_with_typed(&dir, &texts, "[[re");
    // Two more notes typing `[[hu`: one name starts so (`hub`), thousands hold the letters
    // scattered, so the list is filled by fuzzy matches. Asked from the two notes in turn, so
    // that no query narrows the last one's matches (a query narrows only its own note's).
    let fuzzy: Vec<_> = ["bench-probe-hu-1.md", "bench-probe-hu-2.md"]
        .iter()
        .map(|name| {
            let path = dir.join(name);
            let text = "# Probe\n[[hu".to_string();
            let offset = text.len();
            vault.upsert_note(&path, Note::parse(text));
            (vault.id(&path).expect("probe"), offset)
        })
        .collect();
    let mut group = c.benchmark_group("query");
    group.bench_function("resolve every link of 100 notes", |b| {
        let sources: Vec<_> = vault.notes().map(|(id, _, _)| id).take(100).collect();
        b.iter(|| {
            let mut resolved = 0;
            for &id in &sources {
                for link in &vault.note(id).expect("note").syntax.links {
                    resolved += usize::from(vault.resolve(id, link).is_ok());
                }
            }
            resolved
        })
    });
    let candidates = Candidates::build(&vault);
    group.bench_function("completion after [[ + 2 letters", |b| {
        b.iter(|| {
            complete(
                &vault,
                &candidates,
                typed_id,
                offset,
                50,
                InsertStyle::default(),
            )
            .map(|c| c.items.len())
        })
    });
    group.bench_function(
        "completion after [[ + 2 letters, the list filled by fuzzy matches",
        |b| {
            let mut turn = 0;
            b.iter(|| {
                turn += 1;
                let (id, offset) = fuzzy[turn % 2];
                complete(&vault, &candidates, id, offset, 50, InsertStyle::default())
                    .map(|c| c.items.len())
            })
        },
    );
    group.bench_function("workspace symbol index build", |b| {
        b.iter(|| SymbolIndex::build(&vault).generation)
    });
    let symbols = SymbolIndex::build(&vault);
    group.bench_function("workspace symbols query", |b| {
        b.iter(|| symbols.query(&vault, "research draft", 100).len())
    });
    group.bench_function("one-note update (re-parse and re-index)", |b| {
        let path = vault.file(typed_id).path.clone();
        let text = vault.note(typed_id).expect("note").text().into_owned();
        let mut n = 0;
        b.iter_batched(
            || {
                n += 1;
                format!("{text}\n[[missing {n}]]")
            },
            |edited| vault.upsert_note(&path, Note::parse(edited)),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

/// The vault with one note ending in `typed`, and the cursor offset after it.
fn vault_with_typed(
    dir: &Path,
    parsed: &[(PathBuf, String)],
    typed: &str,
) -> (Vault, (notegraph::index::FileId, usize)) {
    let mut vault = Vault::new(vec![dir.to_path_buf()]);
    for (path, text) in parsed {
        vault.upsert_note(path, Note::parse(text.as_str()));
    }
    let path = dir.join("bench-probe.md");
    let text = format!("# Probe\n{typed}");
    let offset = text.len();
    vault.upsert_note(&path, Note::parse(text));
    let id = vault.id(&path).expect("probe");
    (vault, (id, offset))
}

criterion_group!(micro, benches);
criterion_main!(micro);
