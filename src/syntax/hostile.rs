//! Hostile notes: nesting ten thousand deep and a hundred thousand links, fields and code spans.
//! The parser must finish inside a worker thread's stack (rayon and tokio give 2 MiB) and give
//! exact results; quadratic work here would show as a hang of the end-to-end bad-files test.

use super::*;

/// Parse on a thread with the stack of the threads that index notes.
fn parse_on_worker_stack(text: String) -> NoteSyntax {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || parse(&text))
        .expect("spawn")
        .join()
        .expect("parse panicked")
}

fn targets(syntax: &NoteSyntax) -> Vec<&str> {
    syntax.links.iter().map(|l| &*l.target).collect()
}

#[test]
fn yaml_nested_ten_thousand_deep_is_read_without_recursion() {
    let text = format!("---\naliases:\n  {}deep\n---\n[[x]]\n", "- ".repeat(10_000));
    let syntax = parse_on_worker_stack(text);
    let fm = syntax.frontmatter().expect("frontmatter");
    assert!(fm.valid);
    assert_eq!(syntax.aliases(), ["deep"]);
    assert_eq!(targets(&syntax), ["x"]);
}

#[test]
fn quotes_and_lists_ten_thousand_deep_keep_their_link() {
    for prefix in [">", "- ", "1. ", "> - "] {
        let text = format!("{}[[x]]\n", prefix.repeat(10_000));
        let syntax = parse_on_worker_stack(text);
        assert_eq!(targets(&syntax), ["x"], "{prefix:?}");
    }
}

#[test]
fn nested_images_keep_short_texts_only() {
    let n = 5_000;
    let text = format!("{}x{}", "![".repeat(n), "](y.md)".repeat(n));
    let syntax = parse_on_worker_stack(text);
    assert_eq!(syntax.links.len(), n);
    // Only the innermost images have texts short enough to keep.
    let kept = syntax.links.iter().filter(|l| l.alias().is_some()).count();
    assert_eq!(kept, 1 + (1024 - 1) / 9);
    assert_eq!(
        syntax.links.last().unwrap().alias().map(|a| a.as_str()),
        Some("x")
    );
}

#[test]
fn many_links_among_many_code_spans_comments_html_and_fields_are_exact() {
    let n = 20_000;
    let cases = [
        ("`c` [[x]] ", None),
        ("%%c%% [[x]] ", None),
        ("<b>[[x]]</b>", None),
        ("[a:: [[x]]] ", Some("a")),
    ];
    for (unit, field) in cases {
        let syntax = parse_on_worker_stack(unit.repeat(n));
        assert_eq!(syntax.links.len(), n, "{unit:?}");
        assert!(
            syntax
                .links
                .iter()
                .all(|l| l.field().map(|k| k.as_str()) == field),
            "{unit:?}"
        );
    }
    let syntax = parse_on_worker_stack("k:: [[x]] [a:: [[y]]]\n".repeat(n));
    let fields: Vec<Option<&str>> = syntax.links[..2]
        .iter()
        .map(|l| l.field().map(|k| k.as_str()))
        .collect();
    assert_eq!(fields, [Some("k"), Some("k")]);
    assert_eq!(syntax.fields().len(), 2 * n);
}

#[test]
fn a_setext_heading_starting_with_unicode_whitespace_keeps_its_text() {
    // Found by the property tests: the heading's text was taken from the wrong line, past the
    // end of the first one, and the parser panicked.
    let text = "\u{2028}\n#^\n==\n";
    let syntax = parse_on_worker_stack(text.to_string());
    let headings: Vec<(u8, &str)> = syntax
        .headings()
        .iter()
        .map(|h| (h.level, &text[h.text_span().range()]))
        .collect();
    assert_eq!(headings, [(1, "#^")]);
}

/// A megabyte on one line: a rescan of each nested block's span, or of each citation group
/// per `@`, is 10^11 steps here and never finishes; a linear parse takes well under a second.
const MEGABYTE: usize = 1 << 20;

#[test]
fn a_megabyte_line_of_quote_or_list_markers_parses_in_linear_time() {
    for unit in [">", "1. ", "- ", "> 1. "] {
        let text = format!("{}[[x]]", unit.repeat(MEGABYTE / unit.len()));
        let syntax = parse_on_worker_stack(text);
        assert_eq!(targets(&syntax), ["x"], "{unit:?}");
        // One line: nothing to fold.
        assert_eq!(*syntax.regions, [], "{unit:?}");
    }
}

#[test]
fn a_megabyte_of_nested_quotes_over_two_lines_folds_every_level() {
    let n = MEGABYTE / 2;
    let text = format!("{}a\n{}b", ">".repeat(n), ">".repeat(n));
    let syntax = parse_on_worker_stack(text.clone());
    assert_eq!(syntax.regions.len(), n);
    assert!(syntax.regions.iter().all(|r| r.end() == text.len()));
}

#[test]
fn a_megabyte_line_of_citation_groups_or_open_braced_keys_parses_in_linear_time() {
    let unit = "[@k] ";
    let n = MEGABYTE / unit.len();
    let syntax = parse_on_worker_stack(unit.repeat(n));
    assert_eq!(syntax.citations.len(), n);
    assert!(
        syntax
            .citations
            .iter()
            .all(|c| &*c.key == "k" && c.group.is_some())
    );

    let unit = "@k ";
    let n = MEGABYTE / unit.len();
    let syntax = parse_on_worker_stack(unit.repeat(n));
    assert_eq!(syntax.citations.len(), n);
    assert!(
        syntax
            .citations
            .iter()
            .all(|c| &*c.key == "k" && c.group.is_none())
    );

    // `@{` opens a braced key; without a `}` each one used to be searched to the line's end.
    // Only the plain `@k`s of unclosed groups are (in-text) citations.
    for (unit, cited) in [(" @{k", 0), ("[@{k ", 0), ("[@k; @{k ", 1)] {
        let n = MEGABYTE / unit.len();
        let syntax = parse_on_worker_stack(unit.repeat(n));
        assert_eq!(syntax.citations.len(), cited * n, "{unit:?}");
        assert!(syntax.citations.iter().all(|c| &*c.key == "k"), "{unit:?}");
    }
}

/// Eight megabytes: pulldown-cmark keeps a node of 50 to 80 bytes per bracket it meets, so
/// these notes took 300 to 670 MB each unless idle brackets are hidden from it.
const EIGHT_MEGABYTES: usize = 8 << 20;

#[test]
fn eight_megabytes_of_unclosed_brackets_parse_to_nothing_and_keep_a_real_link() {
    for unit in ["[[", "[", "![", "[x](", "]", "]]"] {
        let n = EIGHT_MEGABYTES / unit.len();
        let text = format!("{}\n[[x]] [y](y.md)\n", unit.repeat(n));
        let syntax = parse_on_worker_stack(text);
        assert_eq!(targets(&syntax), ["x", "y.md"], "{unit:?}");
    }
}

#[test]
fn wikilinks_among_megabytes_of_unclosed_brackets_on_their_line_are_all_found() {
    for unit in ["[[ [[x]] ", "[x]( ![[x]] ", "] [[x|a]] ["] {
        let n = EIGHT_MEGABYTES / unit.len();
        let syntax = parse_on_worker_stack(unit.repeat(n));
        assert_eq!(syntax.links.len(), n, "{unit:?}");
        assert!(syntax.links.iter().all(|l| l.target == "x"), "{unit:?}");
    }
}
