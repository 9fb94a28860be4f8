//! Hostile `.bib` files: `crossref`/`xdata` and `@string` cycles, abbreviations that grow
//! without bound, and braces nested thousands deep. The biblatex crate follows all of these by
//! recursion; each once overflowed the stack, a crash no panic guard catches, so each is parsed
//! here on a worker's stack and must skip or keep exactly the entries it should.

use expect_test::expect;

use super::*;

/// Parse on a thread with the stack the server's workers have (tokio and rayon give
/// 2 MiB): a stack overflow aborts the process, which no panic guard catches.
fn parse_on_worker_stack(text: String) -> (Vec<Entry>, Vec<Problem>) {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || parse(&text))
        .expect("spawn")
        .join()
        .expect("parse panicked")
}

/// Each entry as `key year title container`, then each problem as `line: message`.
fn summary((entries, problems): (Vec<Entry>, Vec<Problem>)) -> String {
    let mut out: Vec<String> = entries
        .iter()
        .map(|e| {
            format!(
                "{} {:?} {:?} {:?}",
                e.key,
                e.year.as_deref(),
                e.title.as_deref(),
                e.container.as_deref()
            )
        })
        .collect();
    out.extend(
        problems
            .iter()
            .map(|p| format!("{}: {}", p.at.line + 1, p.message)),
    );
    out.join("\n")
}

#[test]
fn crossref_and_xdata_cycles_keep_their_entries_inherit_nothing_and_are_reported() {
    let bib = "@article{a, title = {A}, crossref = {a}}\n\
               @article{x, title = {X}, xdata = {x}}\n\
               @article{b, title = {B}, crossref = {c}}\n\
               @book{c, title = {C}, year = 2000, crossref = {B}}\n\
               @article{d, title = {D}, crossref = {c}}\n\
               @article{e, title = {E}, xdata = {c, a}}\n";
    expect![[r#"
        a None Some("A") None
        x None Some("X") None
        b None Some("B") None
        c Some("2000") Some("C") None
        d Some("2000") Some("D") Some("C")
        e Some("2000") Some("E") Some("C")
        1: `a` is its own crossref or xdata ancestor; nothing is inherited
        2: `x` is its own crossref or xdata ancestor; nothing is inherited
        3: `b` is its own crossref or xdata ancestor; nothing is inherited
        4: `c` is its own crossref or xdata ancestor; nothing is inherited"#]]
    .assert_eq(&summary(parse_on_worker_stack(bib.to_string())));
}

#[test]
fn string_abbreviations_that_cycle_chain_or_explode_skip_only_the_entries_using_them() {
    let mut bib = String::from(
        "@string{self = self}\n\
         @string{p = q}\n\
         @string{q = p # { x}}\n\
         @string{ok = {Fine}}\n\
         @string{later = ok # { and } # ok}\n",
    );
    // A chain longer than expansion may recurse, and a value that doubles at every level.
    bib.push_str("@string{c0 = {x}}\n");
    for i in 1..=40 {
        bib.push_str(&format!("@string{{c{i} = c{}}}\n", i - 1));
    }
    bib.push_str(&format!("@string{{d0 = {{{}}}}}\n", "y".repeat(1024)));
    for i in 1..=30 {
        bib.push_str(&format!("@string{{d{i} = d{0} # d{0}}}\n", i - 1));
    }
    bib.push_str(
        "@article{one, title = self}\n\
         @article{two, title = p}\n\
         @article{three, title = later, year = {1999}, month = jan}\n\
         @article{four, title = c40}\n\
         @article{five, title = c20}\n\
         @article{six, title = d30}\n\
         @article{seven, title = d9}\n",
    );
    let shown = summary(parse_on_worker_stack(bib));
    expect![[r#"
        three Some("1999") Some("Fine and Fine") None
        five None Some("x") None
        seven None Some("<512 KiB of y>") None
        78: entry skipped: @string `self` refers to itself
        79: entry skipped: @string `p` refers to itself
        81: entry skipped: @string abbreviations refer to one another more than 32 levels deep
        83: entry skipped: @string abbreviations expand to more than 1048576 bytes"#]]
    .assert_eq(&shown.replace(&"y".repeat(1024 * 512), "<512 KiB of y>"));
}

#[test]
fn braces_and_accent_commands_nested_deep_skip_only_their_entry() {
    let accents = format!("{}x{}", "\\\"{".repeat(4_000), "}".repeat(4_000));
    let braces = format!("{}x{}", "{".repeat(100_000), "}".repeat(100_000));
    let shallow = format!("{}x{}", "\\\"{".repeat(20), "}".repeat(20));
    let bib = format!(
        "@article{{accents, title = {{{accents}}}}}\n\
         @string{{deep = {{{braces}}}}}\n\
         @article{{braces, title = {{{braces}}}}}\n\
         @article{{uses, title = deep}}\n\
         @article{{shallow, title = {{{shallow}}}}}\n"
    );
    expect![[r#"
        shallow None Some("ẍ\u{308}\u{308}\u{308}\u{308}\u{308}\u{308}\u{308}\u{308}\u{308}\u{308}\u{308}\u{308}\u{308}\u{308}\u{308}\u{308}\u{308}\u{308}\u{308}") None
        1: entry skipped: braces nested deeper than 64 levels
        2: entry skipped: braces nested deeper than 64 levels
        3: entry skipped: braces nested deeper than 64 levels
        4: entry skipped: unknown abbreviation "deep""#]]
    .assert_eq(&summary(parse_on_worker_stack(bib)));
}
