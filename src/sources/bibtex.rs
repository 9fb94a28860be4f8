//! BibTeX and BibLaTeX files, read with the `biblatex` crate one entry at a time, so that a
//! malformed entry is reported and skipped instead of losing the whole file.

use std::collections::HashMap;

use biblatex::{Bibliography as Parsed, ChunksExt, RawBibliography, RawChunk, Spanned};
use rayon::prelude::*;

use super::{Entry, Lines, Name, Problem};

/// Deepest brace nesting an entry may have. The biblatex crate parses a command's braced
/// argument by recursion (`\"{\"{…}}`), once per level and rescanning the rest each time, so
/// unbounded nesting overflows the stack (a crash the panic guard cannot catch) or takes
/// seconds. Real exports nest a handful of levels.
const MAX_BRACE_DEPTH: usize = 64;

/// How much text `@string` abbreviations may expand to in one entry: `@string{b = a # a}`,
/// `@string{c = b # b}`… doubles at every level.
const MAX_EXPANDED_BYTES: usize = 1 << 20;

/// How deep `@string` abbreviations may refer to one another. Expansion recurses once per
/// level; cycles are caught before this, long chains by it.
const MAX_ABBREVIATION_DEPTH: usize = 32;

/// The deepest brace nesting in `chunk`, counting as biblatex's raw parser does: a backslash
/// escapes the next character.
fn brace_depth(chunk: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut bytes = chunk.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'\\' => {
                bytes.next();
            }
            b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

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
    // `@string` abbreviations count for the entries of the whole file: read them first. Those
    // too deeply nested are left out here and reported with the other chunks below.
    let is_string = |chunk: &str| {
        chunk
            .get(1..7)
            .is_some_and(|kind| kind.eq_ignore_ascii_case("string"))
    };
    let pairs: Vec<_> = chunks
        .iter()
        .filter(|(_, chunk)| is_string(chunk) && brace_depth(chunk) <= MAX_BRACE_DEPTH)
        .filter_map(|(_, chunk)| RawBibliography::parse(chunk).ok())
        .flat_map(|raw| raw.abbreviations)
        .collect();
    // Later definitions win, as in BibTeX.
    let abbreviations: Abbreviations = pairs.iter().map(|p| (p.key.v, &p.value.v)).collect();
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
    problems.extend(inherit(&mut entries, &parents));
    (entries, problems)
}

/// `@string` abbreviations by name, with their raw values.
type Abbreviations<'t, 'p> = HashMap<&'t str, &'p Vec<Spanned<RawChunk<'t>>>>;

/// `crossref` and `xdata`: a child takes what it lacks from its parent in the same file (its
/// container is the parent's title when the parent is the book or proceedings). Entries are
/// read one at a time, so the parser cannot do this itself. Returns a problem for each entry
/// on a cycle of parents (`a` → `b` → `a`); those inherit nothing.
fn inherit(entries: &mut [Entry], parents: &[Option<String>]) -> Vec<Problem> {
    let by_key: HashMap<String, usize> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.key.to_lowercase(), i))
        .collect();
    let parent_of: Vec<Option<usize>> = parents
        .iter()
        .map(|p| {
            p.as_ref()
                .and_then(|k| by_key.get(&k.to_lowercase()).copied())
        })
        .collect();
    let on_cycle = on_cycles(&parent_of);
    let mut problems = Vec::new();
    for (child, parent) in parent_of.iter().enumerate() {
        let Some(p) = *parent else {
            continue;
        };
        if on_cycle[child] {
            problems.push(Problem {
                at: entries[child].start,
                message: format!(
                    "`{}` is its own crossref or xdata ancestor; nothing is inherited",
                    entries[child].key
                ),
            });
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
    problems
}

/// Which nodes lie on a cycle of a graph where each node has at most one parent. Linear: each
/// node is walked once, so a chain of 100,000 crossrefs costs 100,000 steps, not their square.
fn on_cycles(parent_of: &[Option<usize>]) -> Vec<bool> {
    // 0: not seen; 1: on the walk in progress; 2: done.
    let mut state = vec![0u8; parent_of.len()];
    let mut on_cycle = vec![false; parent_of.len()];
    let mut walk = Vec::new();
    for start in 0..parent_of.len() {
        let mut node = Some(start);
        while let Some(n) = node.filter(|&n| state[n] == 0) {
            state[n] = 1;
            walk.push(n);
            node = parent_of[n];
        }
        // Stopped at a node of this walk: it and everything after it in the walk is the cycle.
        if let Some(n) = node.filter(|&n| state[n] == 1) {
            let from = walk.iter().position(|&w| w == n).unwrap_or(walk.len());
            for &w in &walk[from..] {
                on_cycle[w] = true;
            }
        }
        for w in walk.drain(..) {
            state[w] = 2;
        }
    }
    on_cycle
}

/// A chunk's entries, each with the key of the parent it names (`crossref`, `xdata`).
type ChunkEntries = Vec<(Entry, Option<String>)>;

/// The entries of one chunk of the file (one entry, or none for `@string` and `@comment`).
fn read_chunk(
    from: usize,
    chunk: &str,
    abbreviations: &Abbreviations,
    lines: &Lines,
) -> Result<ChunkEntries, Problem> {
    if brace_depth(chunk) > MAX_BRACE_DEPTH {
        return Err(Problem {
            at: lines.pos(from),
            message: format!("entry skipped: braces nested deeper than {MAX_BRACE_DEPTH} levels"),
        });
    }
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
    for mut raw_entry in raw.entries {
        let key_span = raw_entry.v.key.span.clone();
        let skipped = |message: String| Problem {
            at: lines.pos(from + key_span.start),
            message: format!("entry skipped: {message}"),
        };
        // Abbreviations are expanded here, not by the crate: it follows them by recursion, with
        // neither a cycle check (`@string{a = a}`) nor a bound on their growth.
        let mut budget = MAX_EXPANDED_BYTES;
        for pair in &mut raw_entry.v.fields {
            let mut expanded = Vec::new();
            expand(
                &pair.value.v,
                abbreviations,
                &mut Vec::new(),
                &mut budget,
                &mut expanded,
            )
            .map_err(skipped)?;
            pair.value.v = expanded;
        }
        // `crossref` and `xdata` are followed by `inherit`, across the file's entries: the
        // crate would follow them too, by recursion, without a cycle check (an entry naming
        // itself overflowed the stack).
        let mut parent = None;
        raw_entry.v.fields.retain(|pair| {
            let is_parent = ["crossref", "xdata"]
                .iter()
                .any(|name| pair.key.v.eq_ignore_ascii_case(name));
            if is_parent && parent.is_none() {
                parent = parent_key(&pair.value.v);
            }
            !is_parent
        });
        let single = RawBibliography {
            preamble: String::new(),
            entries: vec![raw_entry],
            abbreviations: Vec::new(),
        };
        let parsed = Parsed::from_raw(single).map_err(|err| Problem {
            at: lines.pos(from + err.span.start.max(key_span.start)),
            message: format!("entry skipped: {}", err.kind),
        })?;
        for entry in parsed.iter() {
            let mut entry = convert(entry);
            entry.start = lines.pos(from + key_span.start);
            entry.end = lines.pos(from + key_span.end);
            out.push((entry, parent.clone()));
        }
    }
    Ok(out)
}

/// `field` with every `@string` abbreviation it uses replaced by its value, appended to `out`.
/// Unknown names stay as they are: the crate knows the months (`jan`) and reports the rest.
/// `using` holds the abbreviations being expanded, to catch cycles.
fn expand<'t>(
    field: &[Spanned<RawChunk<'t>>],
    abbreviations: &Abbreviations<'t, '_>,
    using: &mut Vec<&'t str>,
    budget: &mut usize,
    out: &mut Vec<Spanned<RawChunk<'t>>>,
) -> Result<(), String> {
    for chunk in field {
        match chunk.v {
            RawChunk::Normal(text) => {
                // Only what abbreviations bring counts: the entry's own text is in the file.
                if !using.is_empty() {
                    *budget = budget.checked_sub(text.len()).ok_or_else(|| {
                        format!(
                            "@string abbreviations expand to more than {MAX_EXPANDED_BYTES} bytes"
                        )
                    })?;
                }
                out.push(chunk.clone());
            }
            RawChunk::Abbreviation(name) => {
                let Some(value) = abbreviations.get(name) else {
                    out.push(chunk.clone());
                    continue;
                };
                if using.contains(&name) {
                    return Err(format!("@string `{name}` refers to itself"));
                }
                if using.len() >= MAX_ABBREVIATION_DEPTH {
                    return Err(format!(
                        "@string abbreviations refer to one another more than {MAX_ABBREVIATION_DEPTH} levels deep"
                    ));
                }
                using.push(name);
                let start = out.len();
                expand(value, abbreviations, using, budget, out)?;
                using.pop();
                // Positions in the entry, not in the `@string` (errors are reported by them).
                for expanded in &mut out[start..] {
                    expanded.span = chunk.span.clone();
                }
            }
        }
    }
    Ok(())
}

/// The key a `crossref` or `xdata` value names (the first, for an `xdata` list), once its
/// abbreviations are expanded.
fn parent_key(value: &[Spanned<RawChunk<'_>>]) -> Option<String> {
    let text: String = value
        .iter()
        .map(|chunk| match chunk.v {
            RawChunk::Normal(text) | RawChunk::Abbreviation(text) => text,
        })
        .collect();
    let key = text.split(',').next()?.trim();
    (!key.is_empty()).then(|| key.to_string())
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
mod hostile;
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
