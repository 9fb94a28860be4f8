//! Property tests of the parser, the resolver and the features over generated notes: no panics;
//! every range inside the text, ordered and on character boundaries; a note's parse independent
//! of the rest of the vault; resolution independent of the order notes were indexed in; and
//! position conversions that round-trip. Case counts stay modest so `cargo test` stays quick;
//! `fuzz/` runs the parser for as long as one likes.

use std::path::{Path, PathBuf};

use notegraph::features;
use notegraph::features::completion::Candidates;
use notegraph::index::{FileId, Note, Vault};
use notegraph::lsp::convert::{Encoding, LineIndex};
use notegraph::syntax::{NoteSyntax, Span, parse};
use proptest::prelude::*;

/// Pieces notes are made of, biased towards what the parser looks for.
const TOKENS: &[&str] = &[
    "[[",
    "]]",
    "[",
    "]",
    "(",
    ")",
    "#",
    "#^",
    "^id",
    "|",
    "!",
    "![[",
    "-",
    "- ",
    "---\n",
    "---",
    "...\n",
    "\n",
    "\r\n",
    "\r",
    " ",
    "  ",
    "\t",
    "a",
    "B",
    "é",
    "e\u{301}",
    "😀",
    "中",
    "`",
    "```\n",
    "~~~",
    "$",
    "$$",
    "%%",
    "<!--",
    "-->",
    "<b>",
    ">",
    "> ",
    "*",
    "_",
    "::",
    "key:: ",
    ":",
    "\u{feff}",
    "x.md",
    "../",
    "./",
    "/",
    "\\",
    "%20",
    "%",
    "<",
    "aliases: ",
    "tags: ",
    "[a](b.md)",
    "[a](<b c.md>)",
    "[l]: x.md",
    "#tag",
    "#1",
    "# H\n",
    "==\n",
    "1. ",
    "|a|\n|-|\n",
    "[^1]",
    "@key",
    "\u{0}",
    "\u{7f}",
    "\u{2028}",
    "&amp;",
    "\\[[",
];

fn note_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(TOKENS).prop_map(str::to_string),
            1 => any::<char>().prop_map(|c| c.to_string()),
        ],
        0..48,
    )
    .prop_map(|parts| parts.concat())
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        // A failure prints its input; it must not write files into the source tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Every span the parser reports, with what it is.
fn spans(syntax: &NoteSyntax) -> Vec<(&'static str, Span)> {
    let mut out = Vec::new();
    if let Some(fm) = &syntax.frontmatter() {
        out.push(("frontmatter", fm.span));
        out.push(("frontmatter content", fm.content));
        out.extend(fm.aliases().map(|(_, s)| ("alias", s)));
        out.extend(fm.tags().map(|(_, s)| ("frontmatter tag", s)));
    }
    for h in &syntax.headings() {
        out.push(("heading", h.span));
        out.push(("heading text", h.text_span()));
    }
    for l in &syntax.links {
        out.push(("link", l.span));
        out.push(("link target", l.target_span));
        out.extend(l.fragment_span().map(|s| ("link fragment", s)));
    }
    out.extend(syntax.tags().iter().map(|t| ("tag", t.span)));
    for b in &syntax.blocks() {
        out.push(("block id", b.span));
        out.push(("block", b.block));
    }
    for f in &syntax.fields() {
        out.push(("field key", f.key_span));
        out.push(("field value", f.value_span));
    }
    out.extend(syntax.problems.iter().map(|p| ("problem", p.span)));
    out
}

fn check_spans(text: &str, syntax: &NoteSyntax) -> Result<(), TestCaseError> {
    for (what, span) in spans(syntax) {
        prop_assert!(span.start <= span.end, "{what} {span:?} is reversed");
        prop_assert!(
            span.end() <= text.len(),
            "{what} {span:?} ends past the text"
        );
        prop_assert!(
            text.is_char_boundary(span.start()) && text.is_char_boundary(span.end()),
            "{what} {span:?} is not on character boundaries"
        );
    }
    for l in &syntax.links {
        prop_assert!(
            l.span.contains_span(l.target_span),
            "target {:?} outside link {:?}",
            l.target_span,
            l.span
        );
    }
    Ok(())
}

fn root() -> PathBuf {
    PathBuf::from("/vault")
}

/// A vault of `notes` (relative path, text), indexed in the given order.
/// Every other note kept packed, as a closed note read from the disk is, so that each property
/// holds of both ways a note keeps its text.
fn vault_of(notes: &[(String, String)]) -> Vault {
    let mut vault = Vault::new(vec![root()]);
    for (i, (rel, text)) in notes.iter().enumerate() {
        let note = Note::parse(text.as_str());
        let note = if i % 2 == 0 { note.packed() } else { note };
        vault.upsert_note(&root().join(rel), note);
    }
    vault
}

fn note_path() -> impl Strategy<Value = String> {
    (
        prop::sample::select(&["", "a/", "b/", "a/b/", "A/", "é/"][..]),
        prop::sample::select(&["x", "X", "y", "Note", "note", "é", "e\u{301}", "a b", "x.y"][..]),
    )
        .prop_map(|(folder, name)| format!("{folder}{name}.md"))
}

/// Link texts aimed at the names above, with every form of path.
fn link() -> impl Strategy<Value = String> {
    (
        prop::sample::select(&["", "/", "./", "../", "../../", "a/", "b/", "A/", "~/"][..]),
        prop::sample::select(&["x", "X", "y", "note", "NOTE", "é", "a b", "x.y", "missing"][..]),
        prop::sample::select(&["", "#H", "#^id", "#", ".md", ".MD", "|alias"][..]),
        prop::bool::ANY,
    )
        .prop_map(|(prefix, name, suffix, markdown)| {
            if markdown {
                format!("[t]({prefix}{}{suffix})", name.replace(' ', "%20"))
            } else {
                format!("[[{prefix}{name}{suffix}]]")
            }
        })
}

fn vault_notes() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec(
        (
            note_path(),
            prop::collection::vec(link(), 0..4),
            note_text(),
        ),
        1..8,
    )
    .prop_map(|notes| {
        let mut seen = std::collections::HashSet::new();
        notes
            .into_iter()
            .filter(|(path, _, _)| seen.insert(path.clone()))
            .map(|(path, links, extra)| {
                (
                    path,
                    format!("# H\npara ^id\n{} {extra}\n", links.join(" ")),
                )
            })
            .collect()
    })
}

/// How each link of each note resolves, by paths rather than ids (ids depend on order).
fn resolutions(vault: &Vault) -> Vec<String> {
    let path_of = |id: FileId| vault.file(id).rel().to_string();
    let mut out: Vec<String> = vault
        .notes()
        .flat_map(|(id, file, note)| {
            note.syntax.links.iter().map(move |link| {
                let outcome = match vault.resolve(id, link) {
                    Ok(r) => format!(
                        "{} {:?} {:?} {:?}",
                        path_of(r.file),
                        r.anchor,
                        r.via_alias,
                        r.candidates.iter().map(|c| path_of(*c)).collect::<Vec<_>>()
                    ),
                    Err(e) => format!("{e:?}").replace(char::is_numeric, ""),
                };
                format!("{} {:?} → {outcome}", file.rel(), link.span)
            })
        })
        .collect();
    out.sort();
    out
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn parse_never_panics_and_every_range_is_inside_the_text_on_char_boundaries(text in note_text()) {
        let syntax = parse(&text);
        check_spans(&text, &syntax)?;
    }

    #[test]
    fn a_packed_text_reads_back_exactly_and_parses_the_same(text in note_text()) {
        let note = Note::parse(text.as_str()).packed();
        prop_assert_eq!(&*note.text(), text.as_str());
        prop_assert_eq!(note.text_len(), text.len());
        prop_assert_eq!(&note.syntax, &parse(&text));
    }

    #[test]
    fn positions_round_trip_in_both_encodings(text in note_text()) {
        for encoding in [Encoding::Utf8, Encoding::Utf16] {
            let index = LineIndex::new(&text, encoding);
            for (offset, c) in text.char_indices().chain([(text.len(), ' ')]) {
                if c == '\n' && text[..offset].ends_with('\r') {
                    continue; // Between the bytes of a CRLF: on no line.
                }
                prop_assert_eq!(index.offset(index.position(offset)), Some(offset));
            }
        }
    }
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn a_notes_parse_does_not_depend_on_the_rest_of_the_vault(
        notes in vault_notes(),
        mine in note_text(),
    ) {
        let alone = parse(&mine);
        let mut vault = vault_of(&notes);
        let path = root().join("mine.md");
        vault.upsert_note(&path, Note::parse(mine.as_str()));
        let id = vault.id(&path).expect("indexed");
        prop_assert_eq!(&vault.note(id).unwrap().syntax, &alone);
        // Nor on the other notes changing around it.
        for (rel, _) in &notes {
            vault.upsert_note(&root().join(rel), Note::parse("[[mine]] # changed"));
        }
        prop_assert_eq!(&vault.note(id).unwrap().syntax, &alone);
    }

    #[test]
    fn resolution_does_not_depend_on_indexing_order_and_stays_in_the_vault(notes in vault_notes()) {
        let forward = vault_of(&notes);
        let mut reversed_notes = notes.clone();
        reversed_notes.reverse();
        let reversed = vault_of(&reversed_notes);
        prop_assert_eq!(resolutions(&forward), resolutions(&reversed));
        // Removing and re-adding a note leaves the same index.
        let mut churned = vault_of(&notes);
        let (first, text) = &notes[0];
        churned.remove(&root().join(first));
        churned.upsert_note(&root().join(first), Note::parse(text.as_str()));
        prop_assert_eq!(resolutions(&forward), resolutions(&churned));
    }

    #[test]
    fn features_answer_at_every_offset_without_panicking(notes in vault_notes()) {
        let vault = vault_of(&notes);
        let candidates = Candidates::build(&vault);
        for (id, _, note) in vault.notes() {
            let text = note.text().into_owned();
            check_spans(&text, &note.syntax)?;
            let _ = features::diagnostics::diagnostics(&vault, id);
            for offset in (0..=text.len()).filter(|&o| text.is_char_boundary(o)) {
                if let Some(h) = features::hover::hover(&vault, id, offset) {
                    prop_assert!(h.span.end() <= text.len());
                }
                if let Some(loc) = features::definition::definition(&vault, id, offset) {
                    let target = vault.note(loc.file).map_or(0, |n| n.text_len());
                    prop_assert!(loc.span.end() <= target);
                }
                for loc in features::references::references(&vault, id, offset) {
                    prop_assert!(vault.get(loc.file).is_some());
                }
                if let Some(list) =
                    features::completion::complete(&vault, &candidates, id, offset, 20, Default::default())
                {
                    for item in list.items {
                        prop_assert!(item.replace.end() <= text.len() && item.replace.start() <= item.replace.end());
                    }
                }
            }
        }
    }
}

#[test]
fn a_vault_never_holds_a_path_outside_its_root() {
    let mut vault = Vault::new(vec![root()]);
    for path in ["/vault/../etc/x.md", "/etc/x.md", "/vault", "/vaultx/y.md"] {
        vault.upsert_note(Path::new(path), Note::parse("x"));
    }
    assert_eq!(vault.files().count(), 0);
}
