//! Readable references from entries: the full one hover shows (authors, year, title, container,
//! volume and pages, DOI or URL as a link, the start of the abstract), the short one completion
//! shows, and the text completion matches queries against.

use super::{Entry, Name};

/// Authors listed before "et al.".
const MAX_AUTHORS: usize = 3;
/// Lines of the abstract shown, and a bound on their length.
const ABSTRACT_LINES: usize = 3;
const ABSTRACT_CHARS: usize = 400;

/// Characters that markdown would read as formatting in a title or a name.
/// Each field of a reference shows at most this many characters, the way note previews are
/// bounded: a bibliography entry can hold a title of a megabyte.
const FIELD_CHARS: usize = 300;
/// Links longer than this are left out rather than cut (a cut link leads nowhere).
const LINK_BYTES: usize = 2000;

/// `text` cut to `max` characters, at a word where one ends in the second half, marked `…`.
fn clip(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    let Some((end, _)) = text.char_indices().nth(max) else {
        return text.into();
    };
    let at_word = text[..end]
        .rfind(' ')
        .filter(|&i| i > end / 2)
        .unwrap_or(end);
    format!("{}…", text[..at_word].trim_end()).into()
}

/// A field of the entry as markdown: bounded, then escaped.
fn field(text: &str) -> String {
    escape(&clip(text, FIELD_CHARS))
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' | '|' | '\\'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn full_name(name: &Name) -> String {
    match (name.given.is_empty(), name.family.is_empty()) {
        (true, _) => name.family.clone(),
        (false, true) => name.given.clone(),
        (false, false) => format!("{} {}", name.given, name.family),
    }
}

/// `A`, `A and B`, `A, B and C`, or `A, B, C et al.` past three.
fn people(names: &[Name]) -> String {
    let shown: Vec<String> = names.iter().take(MAX_AUTHORS).map(full_name).collect();
    match (shown.len(), names.len() > MAX_AUTHORS) {
        (_, true) => format!("{} et al.", shown.join(", ")),
        (0, _) => String::new(),
        (1, _) => shown[0].clone(),
        (n, _) => format!("{} and {}", shown[..n - 1].join(", "), shown[n - 1]),
    }
}

/// The people to credit: authors, else editors (marked as such).
fn credit(entry: &Entry) -> String {
    if !entry.authors.is_empty() {
        people(&entry.authors)
    } else if !entry.editors.is_empty() {
        format!(
            "{} (ed{}.)",
            people(&entry.editors),
            if entry.editors.len() > 1 { "s" } else { "" }
        )
    } else {
        String::new()
    }
}

/// `Wang 2021`, `Wang and Li 2021`, `Wang et al. 2021`: how a citation reads in text.
pub fn author_year(entry: &Entry) -> String {
    let names = if entry.authors.is_empty() {
        &entry.editors
    } else {
        &entry.authors
    };
    let family = |n: &Name| {
        if n.family.is_empty() {
            n.given.clone()
        } else {
            n.family.clone()
        }
    };
    let who = match names.len() {
        0 => String::new(),
        1 => family(&names[0]),
        2 => format!("{} and {}", family(&names[0]), family(&names[1])),
        _ => format!("{} et al.", family(&names[0])),
    };
    match (who.is_empty(), &entry.year) {
        (true, Some(year)) => year.clone(),
        (false, Some(year)) => format!("{who} {year}"),
        (_, None) => who,
    }
}

/// The short reference completion shows beside a key: `Wang 2021 · China’s Sputnik Moment`.
pub fn short(entry: &Entry) -> String {
    let head = author_year(entry);
    let Some(title) = &entry.title else {
        return head;
    };
    let mut title: String = title.chars().take(80).collect();
    if title.len() < entry.title.as_ref().map_or(0, String::len) {
        title.push('…');
    }
    if head.is_empty() {
        title
    } else {
        format!("{head} · {title}")
    }
}

/// What a completion query is matched against: key, family names, title and year.
pub fn haystack(entry: &Entry) -> String {
    let mut out = entry.key.clone();
    for name in entry.authors.iter().chain(&entry.editors) {
        out.push(' ');
        out.push_str(&name.family);
    }
    if let Some(title) = &entry.title {
        out.push(' ');
        out.push_str(title);
    }
    if let Some(year) = &entry.year {
        out.push(' ');
        out.push_str(year);
    }
    out
}

/// The DOI or URL as a markdown link.
fn link(entry: &Entry) -> Option<String> {
    if let Some(doi) = &entry.doi {
        let doi = doi
            .trim_start_matches("https://doi.org/")
            .trim_start_matches("http://dx.doi.org/")
            .trim_start_matches("doi:");
        return Some(format!("[doi:{doi}](https://doi.org/{doi})"));
    }
    entry
        .url
        .as_ref()
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
        .map(|u| format!("<{u}>"))
}

/// The reference as markdown: one paragraph for the entry, a quote of the abstract's start,
/// and where the entry is defined.
pub fn reference(entry: &Entry, defined_in: &str) -> String {
    let mut parts = Vec::new();
    let credit = credit(entry);
    let mut head = field(&credit);
    if let Some(year) = &entry.year {
        let year = clip(year, FIELD_CHARS);
        head = if head.is_empty() {
            format!("({year})")
        } else {
            format!("{head} ({year})")
        };
    }
    if !head.is_empty() {
        parts.push(head);
    }
    if let Some(title) = &entry.title {
        parts.push(format!("*{}*", field(title)));
    }
    let mut container = entry.container.as_deref().map(field).unwrap_or_default();
    if let Some(volume) = &entry.volume {
        let volume = clip(volume, FIELD_CHARS);
        container = format!("{container} {volume}").trim().to_string();
        if let Some(issue) = &entry.issue {
            container.push_str(&format!("({})", clip(issue, FIELD_CHARS)));
        }
    }
    if let Some(pages) = &entry.pages {
        let pages = clip(pages, FIELD_CHARS);
        let sep = if container.is_empty() { "" } else { ", " };
        let pp = if pages.contains(['-', '–', ',']) {
            "pp."
        } else {
            "p."
        };
        container = format!("{container}{sep}{pp} {pages}");
    }
    if !container.is_empty() {
        parts.push(container);
    }
    if let Some(publisher) = &entry.publisher {
        parts.push(field(publisher));
    }
    let mut out = format!("**@{}** — ", field(&entry.key));
    out.push_str(
        &parts
            .iter()
            .map(|p| p.trim_end_matches('.').to_string())
            .collect::<Vec<_>>()
            .join(". "),
    );
    out.push('.');
    if let Some(link) = link(entry).filter(|l| l.len() <= LINK_BYTES) {
        out.push(' ');
        out.push_str(&link);
    }
    if let Some(abstract_text) = &entry.abstract_text {
        out.push_str("\n\n");
        out.push_str(&abstract_excerpt(abstract_text));
    }
    out.push_str(&format!(
        "\n\n*{} in `{}`*",
        clip(&entry.kind, FIELD_CHARS),
        clip(defined_in, FIELD_CHARS)
    ));
    out
}

/// The abstract's first lines as a quote, cut at a word and marked when cut.
fn abstract_excerpt(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut kept = lines[..lines.len().min(ABSTRACT_LINES)].join(" ");
    let mut cut = lines.len() > ABSTRACT_LINES;
    if kept.chars().count() > ABSTRACT_CHARS {
        let end = kept
            .char_indices()
            .nth(ABSTRACT_CHARS)
            .map_or(kept.len(), |(i, _)| i);
        let at_word = kept[..end].rfind(' ').unwrap_or(end);
        kept.truncate(at_word);
        cut = true;
    }
    format!("> {}{}", escape(&kept), if cut { " …" } else { "" })
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::*;

    fn name(family: &str, given: &str) -> Name {
        Name {
            family: family.into(),
            given: given.into(),
        }
    }

    #[test]
    fn full_reference_with_et_al_link_and_abstract_excerpt() {
        let entry = Entry {
            key: "big_team:2020".into(),
            kind: "article".into(),
            authors: vec![
                name("Ng", "A."),
                name("Li", "B."),
                name("Kay", "C."),
                name("Oh", "D."),
            ],
            year: Some("2020".into()),
            title: Some("A *bold* title".into()),
            container: Some("Journal of Things".into()),
            volume: Some("7".into()),
            issue: Some("2".into()),
            pages: Some("3–5".into()),
            doi: Some("https://doi.org/10.1/x".into()),
            abstract_text: Some(format!("First line.\nSecond {}", "word ".repeat(120))),
            ..Entry::default()
        };
        expect![[r#"
            **@big\_team:2020** — A. Ng, B. Li, C. Kay et al. (2020). *A \*bold\* title*. Journal of Things 7(2), pp. 3–5. [doi:10.1/x](https://doi.org/10.1/x)

            > First line. Second word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word …

            *article in `refs.bib`*"#]]
        .assert_eq(&reference(&entry, "refs.bib"));
        expect!["Ng et al. 2020 · A *bold* title"].assert_eq(&short(&entry));
    }

    #[test]
    fn editors_stand_in_for_missing_authors_and_urls_for_missing_dois() {
        let entry = Entry {
            key: "coll".into(),
            kind: "book".into(),
            editors: vec![name("Rossi", "P."), name("Bianchi", "G.")],
            title: Some("Collected".into()),
            publisher: Some("Einaudi".into()),
            url: Some("https://example.org/c".into()),
            ..Entry::default()
        };
        expect![[r#"
            **@coll** — P. Rossi and G. Bianchi (eds.). *Collected*. Einaudi. <https://example.org/c>

            *book in `lib.json`*"#]]
        .assert_eq(&reference(&entry, "lib.json"));
        expect!["Rossi and Bianchi · Collected"].assert_eq(&short(&entry));
    }
}
