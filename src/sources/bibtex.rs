//! BibTeX and BibLaTeX files, read with the `biblatex` crate one entry at a time, so that a
//! malformed entry is reported and skipped instead of losing the whole file.

use biblatex::{Bibliography as Parsed, ChunksExt, RawBibliography, RawChunk};
use rayon::prelude::*;

use super::{Entry, Lines, Name, Problem};

/// Offsets where an entry starts: an `@type{` or `@type(` at the start of a line (Zotero and
/// Better BibTeX write one entry per such line). A malformed entry then spoils only the text up
/// to the next one, whatever its braces.
fn entry_starts(lines: &Lines) -> Vec<usize> {
    let mut out = Vec::new();
    for (start, line) in lines.iter() {
        let lead = line.len() - line.trim_start_matches([' ', '\t']).len();
        let Some(rest) = line[lead..].strip_prefix('@') else {
            continue;
        };
        let kind = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        if kind > 0 && rest[kind..].trim_start().starts_with(['{', '(']) {
            out.push(start + lead);
        }
    }
    out
}

/// Every entry of a `.bib` file with its fields as text, and what could not be read.
pub fn parse(text: &str) -> (Vec<Entry>, Vec<Problem>) {
    let lines = Lines::new(text);
    let mut starts = entry_starts(&lines);
    starts.push(text.len());
    let chunks: Vec<(usize, &str)> = starts
        .windows(2)
        .map(|pair| (pair[0], &text[pair[0]..pair[1]]))
        .collect();
    // `@string` abbreviations count for the entries of the whole file: read them first.
    let is_string = |chunk: &str| {
        chunk
            .get(1..7)
            .is_some_and(|kind| kind.eq_ignore_ascii_case("string"))
    };
    let abbreviations: Vec<_> = chunks
        .iter()
        .filter(|(_, chunk)| is_string(chunk))
        .filter_map(|(_, chunk)| RawBibliography::parse(chunk).ok())
        .flat_map(|raw| raw.abbreviations)
        .collect();
    // Then every entry on its own, on every core, each chunk's parse dropped as soon as its entry
    // is read: a 5,000-entry export never holds more than a few parses at once.
    let results: Vec<Result<ChunkEntries, Problem>> = chunks
        .par_iter()
        .map(|&(from, chunk)| read_chunk(from, chunk, &abbreviations, &lines))
        .collect();
    let mut entries = Vec::with_capacity(results.len());
    let mut problems = Vec::new();
    let mut parents = Vec::new();
    for result in results {
        match result {
            Ok(found) => {
                for (entry, parent) in found {
                    entries.push(entry);
                    parents.push(parent);
                }
            }
            Err(problem) => problems.push(problem),
        }
    }
    inherit(&mut entries, &parents);
    (entries, problems)
}

/// `crossref` and `xdata`: a child takes what it lacks from its parent in the same file (its
/// container is the parent's title when the parent is the book or proceedings). Entries are
/// read one at a time, so the parser cannot do this itself.
fn inherit(entries: &mut [Entry], parents: &[Option<String>]) {
    let by_key: std::collections::HashMap<String, usize> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.key.to_lowercase(), i))
        .collect();
    for (child, parent) in parents.iter().enumerate() {
        let Some(&p) = parent.as_ref().and_then(|k| by_key.get(&k.to_lowercase())) else {
            continue;
        };
        if p == child {
            continue;
        }
        let parent = entries[p].clone();
        let entry = &mut entries[child];
        let fill = |mine: &mut Option<String>, theirs: &Option<String>| {
            if mine.is_none() {
                mine.clone_from(theirs);
            }
        };
        fill(&mut entry.year, &parent.year);
        fill(&mut entry.publisher, &parent.publisher);
        fill(&mut entry.volume, &parent.volume);
        fill(&mut entry.url, &parent.url);
        if entry.container.is_none() {
            entry.container = parent.container.clone().or(parent.title.clone());
        }
        if entry.editors.is_empty() {
            entry.editors = parent.editors.clone();
        }
        if entry.authors.is_empty() && entry.editors.is_empty() {
            entry.authors = parent.authors.clone();
        }
    }
}

/// A chunk's entries, each with the key of the parent it names (`crossref`, `xdata`).
type ChunkEntries = Vec<(Entry, Option<String>)>;

/// The entries of one chunk of the file (one entry, or none for `@string` and `@comment`).
fn read_chunk(
    from: usize,
    chunk: &str,
    abbreviations: &[biblatex::Pair],
    lines: &Lines,
) -> Result<ChunkEntries, Problem> {
    let raw = RawBibliography::parse(chunk).map_err(|err| Problem {
        // Reported where the entry starts: the error itself is often at the next entry.
        at: lines.pos(from),
        message: format!(
            "entry skipped: {} (line {})",
            err.kind,
            lines.pos(from + err.span.start).line + 1
        ),
    })?;
    let mut out = Vec::new();
    for raw_entry in raw.entries {
        let key_span = raw_entry.v.key.span.clone();
        let used: Vec<_> = abbreviations
            .iter()
            .filter(|a| {
                raw_entry.v.fields.iter().any(|f| {
                    f.value
                        .v
                        .iter()
                        .any(|c| matches!(c.v, RawChunk::Abbreviation(name) if name == a.key.v))
                })
            })
            .cloned()
            .collect();
        let single = RawBibliography {
            preamble: String::new(),
            entries: vec![raw_entry],
            abbreviations: used,
        };
        let parsed = Parsed::from_raw(single).map_err(|err| Problem {
            at: lines.pos(from + err.span.start.max(key_span.start)),
            message: format!("entry skipped: {}", err.kind),
        })?;
        for entry in parsed.iter() {
            let parent = field(entry, &["crossref", "xdata"]);
            let mut entry = convert(entry);
            entry.start = lines.pos(from + key_span.start);
            entry.end = lines.pos(from + key_span.end);
            out.push((entry, parent));
        }
    }
    Ok(out)
}

fn field(entry: &biblatex::Entry, names: &[&str]) -> Option<String> {
    names.iter().find_map(|name| {
        let text = entry.get(name)?.format_verbatim();
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        (!text.is_empty()).then_some(text)
    })
}

fn names(entry: &biblatex::Entry, field_name: &str) -> Vec<Name> {
    let Some(chunks) = entry.get(field_name) else {
        return Vec::new();
    };
    match chunks.parse::<Vec<biblatex::Person>>() {
        Ok(people) => people
            .into_iter()
            .map(|p| Name {
                family: [p.prefix.trim(), p.name.trim()]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" "),
                given: [p.given_name.trim(), p.suffix.trim()]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .filter(|n| !n.family.is_empty() || !n.given.is_empty())
            .collect(),
        // Unparseable names are still worth showing as written.
        Err(_) => vec![Name {
            family: chunks.format_verbatim(),
            given: String::new(),
        }],
    }
}

/// The first four-digit run of a date or year field.
pub(super) fn year_of(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(3))
        .find(|&i| {
            bytes[i..i + 4].iter().all(u8::is_ascii_digit)
                && (i == 0 || !bytes[i - 1].is_ascii_digit())
                && bytes.get(i + 4).is_none_or(|b| !b.is_ascii_digit())
        })
        .map(|i| text[i..i + 4].to_string())
}

fn convert(entry: &biblatex::Entry) -> Entry {
    let doi = field(entry, &["doi"]);
    Entry {
        key: entry.key.clone(),
        kind: entry.entry_type.to_string(),
        authors: names(entry, "author"),
        editors: names(entry, "editor"),
        year: field(entry, &["date", "year"]).and_then(|d| year_of(&d)),
        title: field(entry, &["title"]),
        container: field(
            entry,
            &["journaltitle", "journal", "booktitle", "maintitle"],
        ),
        publisher: field(
            entry,
            &["publisher", "institution", "school", "organization"],
        ),
        volume: field(entry, &["volume"]),
        issue: field(entry, &["number", "issue"]),
        pages: field(entry, &["pages"]),
        url: field(entry, &["url"]),
        doi,
        // Line breaks kept: hover shows the abstract's first lines.
        abstract_text: entry
            .get("abstract")
            .map(|chunks| {
                chunks
                    .format_verbatim()
                    .lines()
                    .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                    .filter(|l| !l.is_empty())
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .filter(|a| !a.is_empty()),
        ..Entry::default()
    }
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::*;

    #[test]
    fn latex_escapes_and_braces_become_text_and_a_broken_entry_is_skipped() {
        let bib = r#"@string{fa = "Foreign Affairs"}
@article{wang2021china,
  author = {Wang, Dan and M{\"u}ller, J{\"o}rg and {World Health Organization}},
  title = {China's {Sputnik} Moment: {GPU}s and \& more},
  journal = fa,
  year = 2021,
  volume = {100}, number = {4}, pages = {12--18},
  doi = {10.1000/xyz}
}
@book{broken,
  title = {Never closed,
@misc{after:broken-one_2.0,
  title = {Still read},
  date = {2019-03-01}
}
"#;
        let (entries, problems) = parse(bib);
        let shown: Vec<String> = entries
            .iter()
            .map(|e| {
                format!(
                    "{} {} {:?} {:?} {:?} {:?} {:?}/{:?} {:?} {:?} at {}:{}",
                    e.key,
                    e.kind,
                    e.authors
                        .iter()
                        .map(|n| format!("{}|{}", n.family, n.given))
                        .collect::<Vec<_>>(),
                    e.year,
                    e.title,
                    e.container,
                    e.volume,
                    e.issue,
                    e.pages,
                    e.doi,
                    e.start.line,
                    e.start.utf8
                )
            })
            .collect();
        expect![[r#"
            wang2021china article ["Wang|Dan", "Müller|Jörg", "World Health Organization|"] Some("2021") Some("China's Sputnik Moment: GPUs and & more") Some("Foreign Affairs") Some("100")/Some("4") Some("12–18") Some("10.1000/xyz") at 1:9
            after:broken-one_2.0 misc [] Some("2019") Some("Still read") None None/None None None at 11:6"#]]
        .assert_eq(&shown.join("\n"));
        expect![[r#"[Problem { at: TextPos { line: 9, utf8: 0, utf16: 0 }, message: "entry skipped: unexpected end of file (line 12)" }]"#]]
            .assert_eq(&format!("{problems:?}"));
    }

    #[test]
    fn every_prefix_of_a_real_export_parses_without_panicking() {
        let text = include_str!("../../tests/data/cite-vault/refs.bib");
        for (end, _) in text.char_indices().step_by(7) {
            let _ = parse(&text[..end]);
        }
    }

    #[test]
    fn a_crossref_child_takes_year_editors_and_container_from_its_parent() {
        let bib = "@inproceedings{child,\n  author = {Ada, B.},\n  title = {Child},\n  crossref = {Parent}\n}\n\
                   @proceedings{parent,\n  editor = {Ed, E.},\n  title = {The Proceedings},\n  publisher = {ACM},\n  year = 2000\n}\n";
        let (entries, problems) = parse(bib);
        assert!(problems.is_empty(), "{problems:?}");
        let child = &entries[0];
        assert_eq!(
            (
                child.year.as_deref(),
                child.container.as_deref(),
                child.publisher.as_deref(),
                child.editors.len(),
                child.authors.len()
            ),
            (Some("2000"), Some("The Proceedings"), Some("ACM"), 1, 1)
        );
    }

    #[test]
    fn garbage_and_empty_files_never_panic() {
        for text in [
            "",
            "@",
            "@{",
            "}{@article{",
            "@article{x,\n",
            "\u{feff}@book{é, title={ü}}",
        ] {
            let _ = parse(text);
        }
    }
}
