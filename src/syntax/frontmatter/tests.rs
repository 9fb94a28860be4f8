//! The frontmatter reader's fast path checked against the YAML parser on generated input.

use super::*;

/// Read `content` as frontmatter through the fast path (where it applies) and through the
/// YAML parser alone.
fn both(content: &str) -> (Frontmatter, Frontmatter, bool) {
    let text = format!("---\n{content}---\nbody\n");
    let fm = match scan(&text, 0) {
        Scan::Found(fm, _) => fm,
        _ => panic!("frontmatter expected"),
    };
    let blank = Frontmatter {
        properties: Box::default(),
        valid: true,
        ..fm
    };
    let mut fast = blank.clone();
    let mut slow = blank.clone();
    let fast_problem = read_yaml_with(&text, &mut fast, true);
    let slow_problem = read_yaml_with(&text, &mut slow, false);
    assert_eq!(
        fast_problem.is_some(),
        slow_problem.is_some(),
        "{content:?}"
    );
    let took_fast = simple_yaml(&text[blank.content.range()], 0).is_some();
    (fast, slow, took_fast)
}

#[test]
fn the_fast_path_reads_exactly_what_the_yaml_parser_reads() {
    let keys = [
        "aliases",
        "tags",
        "Tag",
        "citekey",
        "title",
        "up",
        "date",
        "ALIAS",
        "bibliography",
    ];
    let values = [
        "plain words",
        "[a, b]",
        "[ x ,y, ]",
        "[]",
        "#tag, other",
        "2021-01-05",
        "\"quoted\"",
        "'single'",
        "a: b",
        "x # comment",
        "[[Link]]",
        "[a, [b]]",
        "{a: 1}",
        "&anchor v",
        "café über",
        "don't",
        "| ",
        "",
    ];
    let items = ["- one", "  - two", "- \"q\"", "-", "  - [x]", "- a: b"];
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let mut fast_cases = 0;
    for _ in 0..3000 {
        let mut content = String::new();
        for _ in 0..1 + next(4) {
            let key = keys[next(keys.len())];
            let value = values[next(values.len())];
            content.push_str(&format!("{key}: {value}\n").replace(": \n", ":\n"));
            if value.is_empty() {
                for _ in 0..next(3) {
                    content.push_str(items[next(items.len())]);
                    content.push('\n');
                }
            }
            if next(5) == 0 {
                content.push_str("# a comment\n");
            }
        }
        let (fast, slow, took_fast) = both(&content);
        assert_eq!(fast, slow, "{content:?}");
        fast_cases += usize::from(took_fast);
    }
    assert!(
        fast_cases > 300,
        "the fast path took only {fast_cases} cases"
    );
}

/// Aliases, tags, citation key and bibliography are read from the properties as Obsidian reads
/// them: any case of `tags`/`tag` and `aliases`/`alias`; a tag value split at commas and spaces
/// and rid of its `#`; an alias value split at commas only when it has no space; the last
/// `citekey` wins. Each piece keeps its own span.
#[test]
fn aliases_tags_citekey_and_bibliography_are_read_from_the_properties() {
    let text = "---\nTags: \"#a b,#c\"\ntag: [d]\naliases: x,y\nAlias: [p, q r, \"s,t\"]\n\
                citekey: k1\nCiteKey: k2\nbibliography: [one.bib, two.bib]\nup: u\n---\nbody\n";
    let Scan::Found(fm, None) = scan(text, 0) else {
        panic!("frontmatter expected");
    };
    let read = |items: Vec<(&str, Span)>| -> Vec<(String, String)> {
        items
            .into_iter()
            .map(|(name, span)| (name.to_string(), text[span.range()].to_string()))
            .collect()
    };
    let pairs = |expected: &[&str]| -> Vec<(String, String)> {
        expected
            .iter()
            .map(|s| (s.to_string(), s.to_string()))
            .collect()
    };
    assert_eq!(read(fm.tags().collect()), pairs(&["a", "b", "c", "d"]));
    assert_eq!(
        read(fm.aliases().collect()),
        pairs(&["x", "y", "p", "q r", "s", "t"])
    );
    assert_eq!(fm.citekey().map(|k| k.as_str()), Some("k2"));
    let bibliography: Vec<&str> = fm.bibliography().map(|(p, _)| p.as_str()).collect();
    assert_eq!(bibliography, ["one.bib", "two.bib"]);
}

/// Keys compare as Obsidian compares them, lowercased, whether or not they are ASCII: the
/// Kelvin sign lowercases to `k`.
#[test]
fn keys_are_the_same_once_lowercased() {
    assert!(same_key("CiteKey", "citekey"));
    assert!(same_key("cite\u{212A}ey", "citekey"));
    assert!(same_key("citekey", "CITE\u{212A}EY"));
    assert!(same_key("Übersicht", "üBERSICHT"));
    assert!(!same_key("日付", "aliases"));
    assert!(!same_key("aliasé", "aliase"));
    assert!(!same_key("aliases", "alias"));
    // The same answers for keys kept as names, whose ASCII ones are compared byte by byte.
    for (key, wanted) in [
        ("CiteKey", "citekey"),
        ("cite\u{212A}ey", "citekey"),
        ("citekey", "CITE\u{212A}EY"),
        ("Übersicht", "üBERSICHT"),
        ("日付", "aliases"),
        ("aliasé", "aliase"),
        ("aliases", "alias"),
        ("ALIASES", "aliases"),
    ] {
        assert_eq!(
            is_key(&Name::new(key), wanted),
            same_key(key, wanted),
            "{key} {wanted}"
        );
    }
}
