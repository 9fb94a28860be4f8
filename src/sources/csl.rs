//! CSL-JSON bibliographies (Zotero's and pandoc's other format): a JSON array of items. An item
//! without an id is reported and skipped; a file that is not a CSL array is not a bibliography.

use std::collections::HashMap;

use serde_json::Value;

use super::{Entry, Lines, Name, Problem, TextPos};

/// Whether `text` looks like a CSL array, cheaply, before it is parsed: discovered `.json`
/// files are mostly something else (settings, data), and are then left alone.
pub fn looks_like_csl(text: &str) -> bool {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    t.starts_with('[') && t.contains("\"id\"")
}

/// Parse a CSL-JSON array. `Err` when the file is not JSON or not an array of objects.
pub fn parse(text: &str) -> Result<(Vec<Entry>, Vec<Problem>), Problem> {
    let lines = Lines::new(text);
    let body = text.trim_start_matches('\u{feff}');
    let value: Value = serde_json::from_str(body).map_err(|err| Problem {
        at: TextPos {
            line: err.line().saturating_sub(1) as u32,
            utf8: err.column().saturating_sub(1) as u32,
            utf16: err.column().saturating_sub(1) as u32,
        },
        message: format!("not valid JSON: {err}"),
    })?;
    let Value::Array(items) = value else {
        return Err(Problem {
            at: TextPos::default(),
            message: "not a CSL-JSON bibliography: the top level is not an array".to_string(),
        });
    };
    Ok(entries_of(text, &lines, &items))
}

/// Parse a `.json` found in the vault, which no setting or note named: `None` unless it is
/// CSL — an array of objects, most of them items with an `id` and a `type` or `title`. A
/// locale list or a data file that merely holds `"id"` is not read, nor warned about.
pub fn parse_discovered(text: &str) -> Option<(Vec<Entry>, Vec<Problem>)> {
    if !looks_like_csl(text) {
        return None;
    }
    let Ok(Value::Array(items)) = serde_json::from_str(text.trim_start_matches('\u{feff}')) else {
        return None;
    };
    let is_item = |item: &Value| {
        item.get("id")
            .is_some_and(|id| id.is_string() || id.is_number())
            && (item.get("type").is_some() || item.get("title").is_some())
    };
    let items_like_csl = items.iter().filter(|item| is_item(item)).count();
    if !items.iter().all(Value::is_object) || items_like_csl * 2 <= items.len() {
        return None;
    }
    Some(entries_of(text, &Lines::new(text), &items))
}

/// The entries of CSL `items`, with a problem for each item skipped.
fn entries_of(text: &str, lines: &Lines, items: &[Value]) -> (Vec<Entry>, Vec<Problem>) {
    let places = id_places(text);
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Value::Object(map) = item else {
            problems.push(Problem {
                at: TextPos::default(),
                message: format!("item {} skipped: not an object", i + 1),
            });
            continue;
        };
        let key = match map.get("id") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
            Some(Value::Number(n)) => n.to_string(),
            _ => {
                problems.push(Problem {
                    at: TextPos::default(),
                    message: format!("item {} skipped: it has no \"id\"", i + 1),
                });
                continue;
            }
        };
        let (start, end) = places
            .get(key.as_str())
            .map_or((TextPos::default(), TextPos::default()), |&(s, e)| {
                (lines.pos(s), lines.pos(e))
            });
        let text_of = |name: &str| -> Option<String> {
            let s = match map.get(name)? {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
            (!s.is_empty()).then_some(s)
        };
        entries.push(Entry {
            key,
            kind: text_of("type").unwrap_or_default(),
            authors: people(map.get("author")),
            editors: people(map.get("editor")),
            year: year(map.get("issued")),
            title: text_of("title"),
            container: text_of("container-title"),
            publisher: text_of("publisher"),
            volume: text_of("volume"),
            issue: text_of("issue"),
            pages: text_of("page"),
            doi: text_of("DOI"),
            url: text_of("URL"),
            abstract_text: text_of("abstract"),
            start,
            end,
        });
    }
    (entries, problems)
}

fn people(value: Option<&Value>) -> Vec<Name> {
    let Some(Value::Array(list)) = value else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|p| {
            let get = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or("").trim();
            if !get("literal").is_empty() {
                return Some(Name {
                    family: get("literal").to_string(),
                    given: String::new(),
                });
            }
            let family = [get("non-dropping-particle"), get("family")]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" ");
            let given = get("given").to_string();
            (!family.is_empty() || !given.is_empty()).then_some(Name { family, given })
        })
        .collect()
}

fn year(issued: Option<&Value>) -> Option<String> {
    let issued = issued?;
    if let Some(y) = issued
        .get("date-parts")
        .and_then(|p| p.get(0))
        .and_then(|p| p.get(0))
    {
        return match y {
            Value::Number(n) => Some(n.to_string()),
            Value::String(s) => super::bibtex::year_of(s),
            _ => None,
        };
    }
    ["raw", "literal"]
        .iter()
        .find_map(|k| issued.get(*k).and_then(Value::as_str))
        .and_then(super::bibtex::year_of)
}

/// Where each `"id": "…"` value is written: key → (start, end) of the text between the quotes.
/// One pass over the file, so that definitions can point at the entry's line.
fn id_places(text: &str) -> HashMap<&str, (usize, usize)> {
    let mut out = HashMap::new();
    for (at, _) in text.match_indices("\"id\"") {
        let rest = &text[at + 4..];
        let after_colon = rest.trim_start();
        let Some(value) = after_colon.strip_prefix(':') else {
            continue;
        };
        let value = value.trim_start();
        let value_at = text.len() - value.len();
        let (start, len) = if let Some(inner) = value.strip_prefix('"') {
            match inner.find('"') {
                Some(close) => (value_at + 1, close),
                None => continue,
            }
        } else {
            (
                value_at,
                value.bytes().take_while(u8::is_ascii_digit).count(),
            )
        };
        out.entry(&text[start..start + len])
            .or_insert((start, start + len));
    }
    out
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::*;

    #[test]
    fn items_with_people_dates_and_positions_and_a_broken_item_skipped() {
        let json = r#"[
  {"id": "adler1939", "type": "book", "title": "How to Read a Book",
   "author": [{"family": "Adler", "given": "Mortimer J."}],
   "issued": {"date-parts": [[1939]]}, "publisher": "Simon & Schuster"},
  {"type": "article", "title": "No id here"},
  {"id": "doe:2020-a", "type": "article-journal", "title": "Keys with colons",
   "author": [{"literal": "The Collective"}, {"family": "Gogh", "non-dropping-particle": "van", "given": "V."}],
   "issued": {"raw": "2020-05"}, "container-title": "Journal", "page": "3-5", "URL": "https://example.org/x"}
]"#;
        let (entries, problems) = parse(json).expect("a CSL array");
        let shown: Vec<String> = entries
            .iter()
            .map(|e| {
                format!(
                    "{} {} {:?} {:?} {:?} {:?} {:?} {:?} at {}:{}",
                    e.key,
                    e.kind,
                    e.authors
                        .iter()
                        .map(|n| format!("{}|{}", n.family, n.given))
                        .collect::<Vec<_>>(),
                    e.year,
                    e.title,
                    e.container,
                    e.pages,
                    e.url,
                    e.start.line,
                    e.start.utf8
                )
            })
            .collect();
        expect![[r#"
            adler1939 book ["Adler|Mortimer J."] Some("1939") Some("How to Read a Book") None None None at 1:10
            doe:2020-a article-journal ["The Collective|", "van Gogh|V."] Some("2020") Some("Keys with colons") Some("Journal") Some("3-5") Some("https://example.org/x") at 5:10"#]]
        .assert_eq(&shown.join("\n"));
        expect![[r#"[Problem { at: TextPos { line: 0, utf8: 0, utf16: 0 }, message: "item 2 skipped: it has no \"id\"" }]"#]]
            .assert_eq(&format!("{problems:?}"));
    }

    #[test]
    fn a_discovered_json_is_read_only_when_its_items_look_like_csl() {
        // A locale list and data records that merely hold "id": not bibliographies.
        assert!(parse_discovered(r#"["id", "en", "fr"]"#).is_none());
        assert!(parse_discovered(r#"[{"id": "en", "name": "English"}]"#).is_none());
        assert!(parse_discovered(r#"[{"id": "a", "type": "book"}, "id"]"#).is_none());
        // CSL: most items have an id and a type or title; the odd one out is reported.
        let (entries, problems) = parse_discovered(
            r#"[{"id": "a", "type": "book"}, {"id": "b", "title": "T"}, {"type": "book"}]"#,
        )
        .expect("CSL");
        let keys: Vec<&str> = entries.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["a", "b"]);
        assert_eq!(problems.len(), 1);
    }

    #[test]
    fn non_arrays_and_bad_json_are_errors_not_panics() {
        assert!(parse("{\"id\": 1}").is_err());
        assert!(parse("[{\"id\": ").is_err());
        assert!(!looks_like_csl("{\"compilerOptions\": {}}"));
        assert!(looks_like_csl("\u{feff} [ {\"id\": \"x\"} ]"));
    }
}
