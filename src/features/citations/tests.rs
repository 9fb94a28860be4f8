//! Fixture tests of citation hover, definition, references, diagnostics and the literature-note
//! action, over one small vault with a `.bib` and a CSL-JSON bibliography.

use expect_test::{Expect, expect};

use super::*;
use crate::config::{CitationSettings, LiteratureNoteSettings};
use crate::features::fixture::{Fixture, ROOT};

/// A `.bib` (an `@string`, LaTeX escapes, braces, a broken entry, a key also in the JSON) and
/// a CSL-JSON file, three literature notes (by name, by `@name`, by `citekey:`), and one
/// literature note whose key is in neither bibliography.
const VAULT: &str = r#"
//- /refs.bib
@string{fa = "Foreign Affairs"}
@article{wang2021china,
  author = {Wang, Dan},
  title = {China's {Sputnik} Moment},
  journal = fa,
  year = {2021},
  volume = {100}, number = {2}, pages = {8--14},
  doi = {10.2307/wang.2021},
  abstract = {Industrial policy in {\"O}sterreich and China.}
}
@book{adler1939,
  author = {Adler, Mortimer J.},
  title = {How to Read a Book},
  publisher = {Simon {\&} Schuster},
  year = {1939}
}
@misc{broken,
  title = {never closed
@misc{dup,
  title = {In the bib},
  year = 2001
}
//- /lib.json
[{"id": "doe:2020-a", "type": "article-journal", "title": "Keys with colons",
  "author": [{"family": "Doe", "given": "Jane"}], "issued": {"date-parts": [[2020]]}},
 {"id": "dup", "type": "book", "title": "In the JSON"}]
//- /wang2021china China’s Sputnik Moment.md
# China’s Sputnik Moment
Wang argues that trade limits backfired.
//- /@adler1939.md
Notes on reading.
//- /lit/Keys.md
---
citekey: doe:2020-a
---
Colons in keys.
//- /Orphan.md
---
citekey: nobody2000
---
A literature note of nothing.
"#;

fn vault_with(note: &str) -> Fixture {
    Fixture::parse(&format!("//- /a.md\n{note}\n{VAULT}"))
}

fn render_target(f: &Fixture, target: &Target) -> String {
    match target {
        Target::Note(loc) => format!("note {}", f.render(loc.file, loc.span)),
        Target::Entry { path, start, end } => format!(
            "entry {} {}:{}-{}:{}",
            path.strip_prefix(ROOT).unwrap_or(path).display(),
            start.line + 1,
            start.utf8 + 1,
            end.line + 1,
            end.utf8 + 1
        ),
    }
}

fn check_hover(note: &str, expect: Expect) {
    let f = vault_with(note);
    let (file, offset) = f.cursor();
    let actual = match crate::features::hover::hover(&f.vault, file, offset) {
        Some(h) => format!("{}\n{}", f.render(file, h.span), h.markdown),
        None => "none".to_string(),
    };
    expect.assert_eq(&actual);
}

#[test]
fn hover_on_a_link_to_a_literature_note_shows_the_entry_then_the_preview() {
    check_hover(
        "source:: [[wang2021china China’s Sput$0nik Moment]]",
        expect![[r#"
            a.md 1:10-1:50 "[[wang2021china China’s Sputnik Moment]]"
            **@wang2021china** — Dan Wang (2021). *China's Sputnik Moment*. Foreign Affairs 100(2), pp. 8–14. [doi:10.2307/wang.2021](https://doi.org/10.2307/wang.2021)

            > Industrial policy in Österreich and China.

            *article in `refs.bib`*

            ---

            **wang2021china China’s Sputnik Moment** — `wang2021china China’s Sputnik Moment.md`

            1 backlink

            ---

            **China’s Sputnik Moment**

            Wang argues that trade limits backfired."#]],
    );
}

#[test]
fn hover_on_a_citation_with_an_at_named_literature_note() {
    check_hover(
        "As [see @adl$0er1939, p. 12] says.",
        expect![[r#"
            a.md 1:9-1:19 "@adler1939"
            **@adler1939** — Mortimer J. Adler (1939). *How to Read a Book*. Simon & Schuster.

            *book in `refs.bib`*

            *Cited in 1 note.*

            ---

            **@adler1939** — `@adler1939.md`

            0 backlinks

            ---

            Notes on reading."#]],
    );
}

#[test]
fn hover_on_a_duplicate_key_names_both_bibliographies_and_unknown_keys_say_so() {
    check_hover(
        "[@dup$0]",
        expect![[r#"
            a.md 1:2-1:6 "@dup"
            **@dup** — *In the JSON*.

            *book in `lib.json`*

            *Also defined in refs.bib.*

            *Cited in 1 note.*"#]],
    );
    check_hover(
        "[[@d$0up]]",
        expect![[r#"
            a.md 1:1-1:9 "[[@dup]]"
            **@dup** — *In the JSON*.

            *book in `lib.json`*

            *Also defined in refs.bib.*

            *No literature note `@dup` in the vault yet.*"#]],
    );
    check_hover(
        "@wnag2021$0 says",
        expect![[r#"
            a.md 1:1-1:10 "@wnag2021"
            **@wnag2021** — *not in any bibliography.*"#]],
    );
}

fn check_definition(note: &str, expect: Expect) {
    let f = vault_with(note);
    let (file, offset) = f.cursor();
    let actual = match definition(&f.vault, file, offset) {
        Some(target) => render_target(&f, &target),
        None => "none".to_string(),
    };
    expect.assert_eq(&actual);
}

#[test]
fn definition_goes_to_the_literature_note_else_to_the_entry_line() {
    check_definition(
        "[@wang2021ch$0ina]",
        expect![[r#"note wang2021china China’s Sputnik Moment.md 1:1-1:1 """#]],
    );
    check_definition(
        "[-@doe:2020-a$0]",
        expect![[r#"note lit/Keys.md 1:1-1:1 """#]],
    );
    check_definition("@d$0up", expect!["entry lib.json 3:10-3:13"]);
    check_definition("[[@d$0up]]", expect!["entry lib.json 3:10-3:13"]);
    check_definition("[@nobody$0]", expect!["none"]);
}

fn references_at(notes: &str) -> String {
    references_in(&format!("{notes}\n{VAULT}"))
}

fn references_in(fixture: &str) -> String {
    let f = Fixture::parse(fixture);
    let (file, offset) = f.cursor();
    let mut found: Vec<String> = crate::features::references::references(&f.vault, file, offset)
        .iter()
        .map(|l| f.render(l.file, l.span))
        .collect();
    found.sort();
    found.join("\n")
}

#[test]
fn references_of_a_key_are_every_citation_form_and_every_link_to_its_note() {
    let notes = r#"
//- /a.md
[see @adler1939, p. 3] and @adler1939 says; [[@adler1939]] [[@ADLER1939|book]]
//- /b.md
[@a; @adler1939] [[Other]]
"#;
    let on_citation = references_at(&notes.replacen("[see @adler", "[see @ad$0ler", 1));
    expect![[r#"
        a.md 1:28-1:38 "@adler1939"
        a.md 1:45-1:59 "[[@adler1939]]"
        a.md 1:6-1:16 "@adler1939"
        a.md 1:60-1:79 "[[@ADLER1939|book]]"
        b.md 1:6-1:16 "@adler1939""#]]
    .assert_eq(&on_citation);
    let on_link = references_at(&notes.replacen("[[@adler1939]]", "[[@adl$0er1939]]", 1));
    assert_eq!(on_link, on_citation);
    let in_literature_note = references_in(
        &format!("{notes}\n{VAULT}").replace("Notes on reading.", "Notes on $0reading."),
    );
    assert_eq!(in_literature_note, on_citation);
}

#[test]
fn references_include_unresolved_at_links_when_no_literature_note_exists() {
    expect![[r#"
        a.md 1:2-1:6 "@dup"
        a.md 1:8-1:16 "[[@dup]]""#]]
    .assert_eq(&references_at("//- /a.md\n[@d$0up] [[@dup]] [[dup]]\n"));
}

fn check_diagnostics(fixture: &str, expect: Expect) {
    expect.assert_eq(&crate::features::diagnostics::tests::render_first(fixture));
}

#[test]
fn misspelt_keys_duplicates_and_orphan_literature_notes_are_diagnosed() {
    check_diagnostics(
        &format!(
            "//- /a.md\n[@wang2021chian, p. 3; @wang2021china] @adlr1939 says [@dup] [@doe:2020-a]\n{VAULT}"
        ),
        expect![[r#"
            a.md 1:2-1:16 "@wang2021chian" warning: Unknown citation key ‘wang2021chian’: no entry in lib.json, refs.bib [unknown-citation]
            a.md 1:40-1:49 "@adlr1939" info: Unknown citation key ‘adlr1939’: no entry in lib.json, refs.bib [unknown-citation]
            a.md 1:56-1:60 "@dup" hint: ‘dup’ is defined 2 times (lib.json, refs.bib); the entry in lib.json is used [duplicate-citation-key]"#]],
    );
    check_diagnostics(
        &format!("//- /0 orphan.md\n---\ncitekey: nobody2000\n---\ntext\n{VAULT}"),
        expect![[
            r#"0 orphan.md 2:1-2:20 "citekey: nobody2000" warning: This is the literature note of ‘nobody2000’, which is in no bibliography (lib.json, refs.bib) [unknown-literature-key]"#
        ]],
    );
    check_diagnostics(
        &format!("//- /@ghost2000 notes.md\ntext\n{VAULT}"),
        expect![[
            r#"@ghost2000 notes.md 1:1-1:1 "" warning: This is the literature note of ‘ghost2000’, which is in no bibliography (lib.json, refs.bib) [unknown-literature-key]"#
        ]],
    );
}

#[test]
fn without_a_bibliography_citations_and_literature_notes_are_silent() {
    check_diagnostics(
        "//- /@adler1939.md\n[@adler1939] @someone\n//- /b.md\n---\ncitekey: x\n---\n",
        expect![""],
    );
}

#[test]
fn the_action_creates_a_literature_note_named_after_key_and_title() {
    let f = vault_with("[@dup; @nobody] [@wang2021china] [[@dup$0]]");
    let (file, _) = f.cursor();
    let whole = Span::new(0, f.vault.note(file).unwrap().text_len());
    let settings = LiteratureNoteSettings::default();
    let notes = create_literature_notes(&f.vault, file, whole, &settings);
    let rendered: Vec<String> = notes
        .iter()
        .map(|n| format!("{} at {}\n{}", n.title, n.path.display(), n.text))
        .collect();
    expect![[r#"
        Create literature note ‘dup In the JSON.md’ at /vault/dup In the JSON.md
        ---
        citekey: dup
        ---
        # In the JSON

        Create literature note ‘nobody.md’ at /vault/nobody.md
        ---
        citekey: nobody
        ---
    "#]]
    .assert_eq(&rendered.join("\n"));
    let in_folder = LiteratureNoteSettings {
        folder: "sources/".into(),
        name: "@{key}".into(),
    };
    let first = create_literature_notes(&f.vault, file, Span::new(2, 2), &in_folder);
    assert_eq!(
        first.iter().map(|n| n.path.clone()).collect::<Vec<_>>(),
        [std::path::PathBuf::from("/vault/sources/@dup.md")]
    );
}

#[test]
fn broken_entries_and_keys_defined_again_are_reported_in_their_bibliography() {
    let f = vault_with("");
    let rendered: Vec<String> = bibliography_diagnostics(&f.vault)
        .iter()
        .flat_map(|(bib, problems)| {
            problems.iter().map(move |d| {
                format!(
                    "{} {}:{} {}: {}",
                    bib.label,
                    d.start.line + 1,
                    d.start.utf8 + 1,
                    d.severity.as_str(),
                    d.message
                )
            })
        })
        .collect();
    expect![[r#"
        refs.bib 17:1 warning: entry skipped: unexpected end of file (line 19)
        refs.bib 19:7 hint: ‘dup’ is already defined in lib.json at line 3; that entry is used"#]]
    .assert_eq(&rendered.join("\n"));
}

#[test]
fn citation_settings_come_from_any_configuration_layer_and_bad_values_are_reported() {
    let mut config = crate::config::Config::default();
    let problems = config.apply(&serde_json::json!({
        "bibliography": "refs.bib",
        "citations": {"literatureNoteFolder": "sources", "literatureNoteName": "no key", "depth": 1}
    }));
    assert_eq!(
        problems,
        [
            "setting `citations.depth` is unknown or has an unusable value 1",
            "setting `citations.literatureNoteName` is unknown or has an unusable value \"no key\""
        ]
    );
    assert_eq!(
        config.citations,
        CitationSettings {
            bibliography: vec!["refs.bib".to_string()],
            literature: LiteratureNoteSettings {
                folder: "sources".to_string(),
                name: "{key} {title}".to_string(),
            },
        }
    );
    let problems = config.apply(&serde_json::json!({"bibliography": 3}));
    assert_eq!(problems, ["setting `bibliography` has an unusable value 3"]);
}

#[test]
fn in_a_literature_note_tags_keep_their_own_references() {
    let found = references_in(&format!(
        "//- /x.md\n#reading\n{}",
        VAULT.replace("Notes on reading.", "Notes on #read$0ing.")
    ));
    expect![[r##"
        @adler1939.md 1:10-1:18 "#reading"
        x.md 1:1-1:9 "#reading""##]]
    .assert_eq(&found);
}

#[test]
fn a_bibliography_named_in_frontmatter_that_is_not_loaded_is_a_warning() {
    check_diagnostics(
        &format!(
            "//- /a.md\n---\nbibliography: [refs.bib, ../gone.bib]\n---\n[@adler1939]\n{VAULT}"
        ),
        expect![[
            r#"a.md 2:26-2:37 "../gone.bib" warning: No bibliography at ‘../gone.bib’ [missing-bibliography]"#
        ]],
    );
}

#[test]
fn literature_notes_are_never_offered_outside_the_vault() {
    let f = vault_with("[@nobody$0]");
    let (file, offset) = f.cursor();
    for (folder, name) in [
        ("../../../../tmp/x", "{key}"),
        ("sources/../../x", "{key}"),
        ("/tmp/x", "{key}"),
        ("~/x", "{key}"),
        ("..\\..\\x", "{key}"),
        ("C:", "{key}"),
        ("", "../../{key}"),
        ("", "..\\{key}"),
        ("", "sub/{key}"),
        ("", ".{key}"),
    ] {
        let settings = LiteratureNoteSettings {
            folder: folder.into(),
            name: name.into(),
        };
        let notes = create_literature_notes(&f.vault, file, Span::new(offset, offset), &settings);
        assert_eq!(notes, [], "folder {folder:?}, name {name:?}");
    }
    // The settings themselves refuse such values, with a problem shown to the user.
    let mut config = crate::config::Config::default();
    let problems = config.apply(&serde_json::json!({
        "citations": {"literatureNoteFolder": "../../../../tmp/x", "literatureNoteName": "../../{key}"}
    }));
    assert_eq!(
        problems,
        [
            "setting `citations.literatureNoteFolder` is unknown or has an unusable value \"../../../../tmp/x\"",
            "setting `citations.literatureNoteName` is unknown or has an unusable value \"../../{key}\""
        ]
    );
    assert_eq!(
        config.citations.literature,
        LiteratureNoteSettings::default()
    );
}

#[test]
fn hover_on_a_citation_of_an_entry_with_huge_fields_is_bounded() {
    let big = "word ".repeat(200_000);
    let mut fixture = format!(
        "//- /a.md\n[@hu$0ge]\n//- /refs.bib\n@article{{huge,\n  author = {{Ann {big}}},\n  \
         title = {{{big}}},\n  journal = {{{big}}},\n  pages = {{{big}}},\n  \
         url = {{https://example.org/{}}},\n  abstract = {{{big}}}\n}}\n",
        "a".repeat(1_000_000)
    );
    for i in 0..20 {
        fixture.push_str(&format!(
            "//- /z{i}.bib\n@misc{{huge, title = {{Again}}}}\n"
        ));
    }
    let f = Fixture::parse(&fixture);
    let problems: Vec<String> = bibliography_diagnostics(&f.vault)
        .iter()
        .flat_map(|(_, p)| p.iter().map(|d| d.message.clone()))
        .filter(|m| !m.contains("already defined"))
        .collect();
    assert_eq!(problems, Vec::<String>::new());
    let (file, offset) = f.cursor();
    let hover = crate::features::hover::hover(&f.vault, file, offset).expect("a hover");
    let shown = hover.markdown.replace(&"word ".repeat(20), "word×20 ");
    expect![[r#"
        **@huge** — Ann word×20 word×20 word word word word word word word word word word word word word word word word word word word…. *word×20 word×20 word word word word word word word word word word word word word word word word word word word word…*. word×20 word×20 word word word word word word word word word word word word word word word word word word word word…, p. word×20 word×20 word word word word word word word word word word word word word word word word word word word word….

        > word×20 word×20 word×20 word×20 …

        *article in `refs.bib`*

        *Also defined in z0.bib, z1.bib, z10.bib, z11.bib, z12.bib and 15 more.*

        *Cited in 1 note.*"#]].assert_eq(&shown);
    assert!(
        hover.markdown.len() < 4_000,
        "{} bytes",
        hover.markdown.len()
    );
}
