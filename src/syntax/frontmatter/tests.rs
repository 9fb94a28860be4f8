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
