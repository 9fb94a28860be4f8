//! Coverage-guided fuzzing of a note's way through notegraph: bytes → lossy text → parse (and
//! its stored form, read back) → index → resolution and every feature at the note's offsets →
//! positions in both encodings. The same text is also read as a `.bib` file (the biblatex crate
//! overflowed its stack on cycles and deep nesting), whose entries then serve the note's
//! citations. Any panic, a stack overflow, a range outside the text or off a character
//! boundary, or a parse that reads back other than it was stored, is a crash. The dictionary
//! `fuzz/parse.dict` gives libFuzzer the tokens of links and brackets.

#![no_main]

use std::path::{Path, PathBuf};

use libfuzzer_sys::fuzz_target;
use notegraph::features;
use notegraph::features::completion::Candidates;
use notegraph::index::{Note, Vault};
use notegraph::lsp::convert::{Encoding, LineIndex};
use notegraph::sources::{Origin, TextPos, load as bibliography};
use notegraph::syntax::{Link, NoteSyntax, Span, hide_idle_brackets, parse};

fn check(text: &str, what: &str, span: Span) {
    assert!(
        span.start() <= span.end() && span.end() <= text.len(),
        "{what} {span:?} outside a text of {} bytes",
        text.len()
    );
    assert!(
        text.is_char_boundary(span.start()) && text.is_char_boundary(span.end()),
        "{what} {span:?} off a character boundary"
    );
}

fn check_syntax(text: &str, syntax: &NoteSyntax) {
    if let Some(fm) = &syntax.frontmatter() {
        check(text, "frontmatter", fm.span);
        check(text, "frontmatter content", fm.content);
        fm.aliases().for_each(|(_, s)| check(text, "alias", s));
        fm.tags().for_each(|(_, s)| check(text, "frontmatter tag", s));
        for property in fm.properties.iter() {
            check(text, "property key", property.key_span);
            for (_, s) in property.values.iter() {
                check(text, "property value", *s);
            }
        }
    }
    for h in &syntax.headings() {
        check(text, "heading", h.span);
        check(text, "heading text", h.text_span());
    }
    for l in &syntax.links {
        check(text, "link", l.span);
        check(text, "link target", l.target_span);
        if let Some(s) = l.fragment_span() {
            check(text, "link fragment", s);
        }
        check_place(text, l);
    }
    syntax.tags().iter().for_each(|t| check(text, "tag", t.span));
    for b in &syntax.blocks() {
        check(text, "block id", b.span);
        check(text, "block", b.block);
    }
    for f in &syntax.fields() {
        check(text, "field key", f.key_span);
        check(text, "field value", f.value_span);
    }
    syntax
        .problems
        .iter()
        .for_each(|p| check(text, "problem", p.span));
}

/// A link's kept place is where the text puts its start: the line breaks before it (`\n`,
/// `\r\n` or a lone `\r`), the bytes since its line's start, and whether those and the link are
/// ASCII; only a link holding a line break, or too far down or along, has none.
fn check_place(text: &str, link: &Link) {
    let (start, end) = (link.span.start(), link.span.end());
    let before = &text[..start];
    let line_start = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let line = before.replace("\r\n", "\n").matches(['\n', '\r']).count();
    let column = start - line_start;
    let one_line = !text[start..end].contains(['\n', '\r']);
    match link.place() {
        Some(place) => {
            assert!(one_line, "placed link across lines at {start}");
            assert_eq!(place.line as usize, line, "line of the link at {start}");
            assert_eq!(place.column as usize, column, "column of the link at {start}");
            assert_eq!(
                place.ascii,
                text[line_start..end].is_ascii(),
                "ascii of the link at {start}"
            );
        }
        None => assert!(
            !one_line || column > usize::from(u16::MAX) || line >= (1 << 23) - 1,
            "unplaced link at {start}"
        ),
    }
}

/// A place in a bibliography must be a character boundary on one of the text's lines (which end
/// at `\n`, `\r\n` or a lone `\r`, as bibliographies count them).
fn check_bib_pos(text: &str, what: &str, pos: TextPos) {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
            starts.push(i + 1);
        }
    }
    let line = pos.line as usize;
    assert!(line < starts.len(), "{what} {pos:?} past the text's lines");
    let line = &text[starts[line]..starts.get(line + 1).copied().unwrap_or(text.len())];
    let column = pos.utf8 as usize;
    assert!(
        column <= line.len() && line.is_char_boundary(column),
        "{what} {pos:?} off its line {line:?}"
    );
    assert_eq!(
        line[..column].encode_utf16().count(),
        pos.utf16 as usize,
        "{what} {pos:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let syntax = parse(&text);
    check_syntax(&text, &syntax);
    // The on-disk index stores the parse as postcard writes it; read back, it is the parse.
    // (Its packed parts are read back and compared with what was packed in `Packed::pack`
    // itself, a debug assertion that this build enables.)
    let stored = postcard::to_allocvec(&syntax).expect("a parse encodes");
    let read: NoteSyntax = postcard::from_bytes(&stored).expect("a stored parse decodes");
    assert_eq!(read, syntax, "the parse read back from its stored form");
    // What pulldown-cmark sees of a note past the idle-bracket bound (inputs here are far
    // shorter than the bound, so it is lowered to 0): the same length, and only brackets
    // replaced, so every span it reports is one of the note.
    let hidden = hide_idle_brackets(&text, 0);
    assert_eq!(hidden.len(), text.len());
    for (was, is) in text.bytes().zip(hidden.bytes()) {
        assert!(was == is || (matches!(was, b'[' | b']') && is == b','));
    }

    let bib_path = Path::new("/vault/refs.bib");
    let bib = bibliography::parse(bib_path, &text, Origin::Discovered, "refs.bib".into())
        .expect("a .bib file is always a bibliography");
    for entry in &bib.entries {
        check_bib_pos(&text, "entry start", entry.start);
        check_bib_pos(&text, "entry end", entry.end);
    }
    for problem in &bib.problems {
        check_bib_pos(&text, "problem", problem.at);
    }

    let root = PathBuf::from("/vault");
    let mut vault = Vault::new(vec![root.clone()]);
    vault.upsert_note(
        Path::new("/vault/b/x.md"),
        Note::parse("# H\n## Part\npara ^id\n"),
    );
    vault.upsert_note(
        Path::new("/vault/Note.md"),
        Note::parse("---\naliases: [y]\n---\n"),
    );
    vault.upsert_attachment(Path::new("/vault/img.png"));
    vault.upsert_attachment(bib_path);
    vault.sources.set_bibliography(bib);
    let path = root.join("a/fuzzed.md");
    vault.upsert_note(&path, Note::parse(text.as_str()));
    let id = vault.id(&path).expect("indexed");
    let candidates = Candidates::build(&vault);
    let _ = features::diagnostics::diagnostics(&vault, id);

    let indexes = [
        LineIndex::new(&text, Encoding::Utf8),
        LineIndex::new(&text, Encoding::Utf16),
    ];
    // A sample of offsets, to keep executions fast: coverage, not exhaustiveness, finds bugs here.
    let step = (text.len() / 16).max(1);
    let offsets = (0..=text.len())
        .step_by(step)
        .filter(|&o| text.is_char_boundary(o));
    for offset in offsets {
        if let Some(hover) = features::hover::hover(&vault, id, offset) {
            check(&text, "hover", hover.span);
        }
        let _ = features::definition::definition(&vault, id, offset);
        let _ = features::references::references(&vault, id, offset);
        if let Some(list) =
            features::completion::complete(&vault, &candidates, id, offset, 20, Default::default())
        {
            list.items
                .iter()
                .for_each(|item| check(&text, "completion", item.replace));
        }
        for index in &indexes {
            let inside_crlf = text[..offset].ends_with('\r') && text[offset..].starts_with('\n');
            if !inside_crlf {
                assert_eq!(index.offset(index.position(offset)), Some(offset));
            }
        }
    }
});
