//! Real vaults nobody on the team wrote, from `../shared/fixtures` (read-only): answers checked
//! against link lists established by reading the notes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use notegraph::features::diagnostics::diagnostics;
use notegraph::index::Broken;
use notegraph::loader::load_vault;

fn fixture(name: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures")
        .join(name);
    match path.canonicalize() {
        Ok(path) if path.is_dir() => Some(path),
        _ => {
            eprintln!(
                "notice: {} is absent; skipping this real-vault test",
                path.display()
            );
            None
        }
    }
}

/// Rows of `tests/data/foam-docs-links.tsv`: (source, line, raw link, verdict).
fn foam_truth() -> Vec<(String, usize, String, String)> {
    let tsv = include_str!("../data/foam-docs-links.tsv");
    tsv.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            (
                cols[0].to_string(),
                cols[1].parse().expect("line number"),
                cols[2].to_string(),
                cols[3].to_string(),
            )
        })
        .collect()
}

fn line_of(text: &str, offset: usize) -> usize {
    notegraph::check::line_col(text, offset).0
}

#[test]
fn foam_docs_links_are_found_where_a_reader_finds_them() {
    let Some(root) = fixture("foam-docs") else {
        return;
    };
    let (vault, skipped) = load_vault(vec![root]);
    assert!(skipped.is_empty(), "{skipped:?}");
    let mut ours: BTreeMap<(String, usize), usize> = BTreeMap::new();
    for (_, file, note) in vault.notes() {
        for link in &note.syntax.links {
            *ours
                .entry((
                    file.rel().to_string(),
                    line_of(&note.text(), link.span.start()),
                ))
                .or_default() += 1;
        }
    }
    let mut truth: BTreeMap<(String, usize), usize> = BTreeMap::new();
    for (source, line, raw, _) in foam_truth() {
        // An empty destination `[x]()` names nothing; notegraph does not count it as a link.
        if raw.ends_with("]()") {
            continue;
        }
        *truth.entry((source, line)).or_default() += 1;
    }
    let differences: Vec<_> = truth
        .keys()
        .chain(ours.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .filter(|k| truth.get(*k) != ours.get(*k))
        .map(|k| {
            format!(
                "{}:{} reader={:?} notegraph={:?}",
                k.0,
                k.1,
                truth.get(k),
                ours.get(k)
            )
        })
        .collect();
    assert!(
        differences.is_empty(),
        "links per line differ:\n{}",
        differences.join("\n")
    );
}

#[test]
fn foam_docs_broken_links_are_exactly_the_hand_verified_ones() {
    let Some(root) = fixture("foam-docs") else {
        return;
    };
    let (vault, _) = load_vault(vec![root]);
    let mut ours = Vec::new();
    let mut ambiguous = 0;
    for (id, file, note) in vault.notes() {
        for d in diagnostics(&vault, id) {
            if d.kind.is_broken_link() {
                ours.push((
                    file.rel().to_string(),
                    line_of(&note.text(), d.span.start()),
                ));
            } else {
                ambiguous += 1;
            }
        }
    }
    ours.sort();
    let mut truth: Vec<(String, usize)> = foam_truth()
        .into_iter()
        .filter(|r| r.3.starts_with("broken"))
        .map(|r| (r.0, r.1))
        .collect();
    truth.sort();
    assert_eq!(ours, truth);
    assert_eq!(ambiguous, 0);
}

#[test]
fn bahez_notas_indexes_without_errors_and_its_citekey_links_resolve() {
    let Some(root) = fixture("bahez-notas") else {
        return;
    };
    let (vault, skipped) = load_vault(vec![root]);
    assert!(skipped.is_empty(), "{skipped:?}");
    assert!(vault.note_count() > 2000, "{}", vault.note_count());
    let mut at_links = 0;
    let mut at_resolved = 0;
    for (id, _, note) in vault.notes() {
        for link in note
            .syntax
            .links
            .iter()
            .filter(|l| l.target.starts_with('@'))
        {
            at_links += 1;
            if vault.resolve(id, link).is_ok() {
                at_resolved += 1;
            }
        }
    }
    assert!(at_links > 100, "{at_links}");
    // Every `[[@key]]` whose literature note is in the snapshot resolves to it.
    let mut missing = Vec::new();
    for (id, file, note) in vault.notes() {
        for link in note
            .syntax
            .links
            .iter()
            .filter(|l| l.target.starts_with('@') && !l.target.contains('/'))
        {
            let exists = !vault
                .by_name(&notegraph::index::keys::link_key(&link.target))
                .is_empty();
            if exists && matches!(vault.resolve(id, link), Err(Broken::File { .. })) {
                missing.push(format!("{}: {}", file.rel(), link.target));
            }
        }
    }
    assert!(missing.is_empty(), "{missing:?}");
    assert!(at_resolved > 100, "{at_resolved} of {at_links}");
}

#[test]
fn bahez_notas_pandoc_citations_reach_their_literature_notes_without_noise() {
    let Some(root) = fixture("bahez-notas") else {
        return;
    };
    let (vault, _) = load_vault(vec![root]);
    // No bibliography in this snapshot: nothing can be said about keys, so nothing is.
    assert!(!vault.sources.has_bibliography());
    let mut bracketed = 0;
    let mut with_note = 0;
    let mut wrong = Vec::new();
    for (id, file, note) in vault.notes() {
        for c in &note.syntax.citations {
            bracketed += usize::from(c.is_bracketed());
            let named = format!("@{}", c.key);
            let expected = vault
                .by_name(&notegraph::index::keys::fold(&named))
                .first()
                .copied();
            let found = notegraph::features::citations::literature_notes(&vault, &c.key);
            if let Some(expected) = expected {
                with_note += 1;
                if found.first() != Some(&expected) {
                    wrong.push(format!("{}: @{} → {found:?}", file.rel(), c.key));
                }
            }
        }
        let noise: Vec<String> = diagnostics(&vault, id)
            .iter()
            .filter(|d| d.kind.code().contains("citation") || d.kind.code().contains("literature"))
            .map(|d| d.message.clone())
            .collect();
        assert!(noise.is_empty(), "{}: {noise:?}", file.rel());
    }
    assert!(wrong.is_empty(), "{wrong:?}");
    assert!(bracketed > 900, "{bracketed}");
    assert!(with_note > 500, "{with_note}");
    // A citation's hover shows its literature note's preview.
    let (id, offset) = vault
        .notes()
        .find_map(|(id, _, n)| {
            n.syntax
                .citations
                .iter()
                .find(|c| &*c.key == "adlerlomnitz1998")
                .map(|c| (id, c.key_span.start()))
        })
        .expect("a note cites adlerlomnitz1998");
    let hover = notegraph::features::hover::hover(&vault, id, offset).expect("a hover");
    assert!(
        hover
            .markdown
            .starts_with("**@adlerlomnitz1998** — *no bibliography is loaded.*\n\n---\n\n**@adlerlomnitz1998** — `@adlerlomnitz1998.md`"),
        "{}",
        hover.markdown
    );
}
