//! Graph extraction and writers on fixture vaults, rendered as text for snapshots.

use expect_test::{Expect, expect};

use super::*;
use crate::features::fixture::Fixture;

/// One line per node (`index kind title path [folder] ←backlinks #tags`), then one per edge.
fn render(graph: &Graph) -> String {
    let mut out = String::new();
    for (i, n) in graph.nodes.iter().enumerate() {
        out.push_str(&format!("{i} {} {:?}", n.kind.as_str(), n.title));
        if let Some(p) = &n.path {
            out.push_str(&format!(" {p}"));
        }
        if !n.folder.is_empty() {
            out.push_str(&format!(" [{}]", n.folder));
        }
        out.push_str(&format!(" ←{}", n.backlinks));
        for t in &n.tags {
            out.push_str(&format!(" #{t}"));
        }
        if let Some(d) = n.depth {
            out.push_str(&format!(" depth={d}"));
        }
        out.push('\n');
    }
    for e in &graph.edges {
        out.push_str(&format!(
            "{} -> {} {}{} ×{}\n",
            graph.nodes[e.source].title,
            graph.nodes[e.target].title,
            e.kind.as_str(),
            e.key.as_ref().map_or(String::new(), |k| format!("({k})")),
            e.count
        ));
    }
    out
}

fn check(fixture: &str, options: Options, expect: Expect) {
    let f = Fixture::parse(fixture);
    expect.assert_eq(&render(&extract(&f.vault, &options)));
}

#[test]
fn every_link_kind_becomes_an_edge_with_its_count_and_key() {
    check(
        r#"
//- /A.md
---
up: "[[B]]"
tags: [top]
---
[[B]] and [[b|again]], [B](B.md), ![[pic.png]], ![[B#Heading]]
related:: [[C]]
[[#Own heading]] is a same-note link: no edge.
#inline
//- /sub/B.md
# Heading
[[A]]
//- /sub/C.md
text
//- /pic.png
"#,
        Options::default(),
        expect![[r##"
            0 note "A" A.md ←1 #top #inline
            1 attachment "pic.png" pic.png ←1
            2 note "B" sub/B.md [sub] ←1
            3 note "C" sub/C.md [sub] ←1
            4 tag "#inline" ←1
            5 tag "#top" ←1
            A -> pic.png embed ×1
            A -> B wikilink ×2
            A -> B markdown ×1
            A -> B embed ×1
            A -> B frontmatter(up) ×1
            A -> C field(related) ×1
            A -> #inline tag ×1
            A -> #top tag ×1
            B -> A wikilink ×1
        "##]],
    );
}

#[test]
fn unresolved_targets_share_one_placeholder_and_broken_headings_reach_their_note() {
    check(
        r#"
//- /A.md
[[Missing note]] [[missing NOTE]] ![[gone.png]] [[B#No such heading]] [[B#^nope]]
//- /B.md
[[Missing note]]
"#,
        Options::default(),
        expect![[r#"
            0 note "A" A.md ←0
            1 note "B" B.md ←1
            2 placeholder "gone.png" ←1
            3 placeholder "Missing note" ←2
            A -> B wikilink ×2
            A -> gone.png embed ×1
            A -> Missing note wikilink ×2
            B -> Missing note wikilink ×1
        "#]],
    );
}

#[test]
fn citations_reach_the_literature_note_or_a_source_node() {
    check(
        r#"
//- /refs.bib
@book{wang2021china, title = {China's Sputnik Moment}, author = {Wang, Li}, year = {2021}}
@book{adler1939, title = {How to Read a Book}, author = {Adler, Mortimer}, year = {1939}}
//- /wang2021china China’s Sputnik Moment.md
Literature note.
//- /A.md
As argued [@wang2021china, p. 3] and [@adler1939]; also @adler1939 again.
"#,
        Options::default(),
        expect![[r##"
            0 note "A" A.md ←0
            1 attachment "refs.bib" refs.bib ←0
            2 note "wang2021china China’s Sputnik Moment" wang2021china China’s Sputnik Moment.md ←1
            3 source "@adler1939" ←1
            A -> wang2021china China’s Sputnik Moment citation ×1
            A -> @adler1939 citation ×2
        "##]],
    );
}

#[test]
fn no_tags_leaves_tag_nodes_out_but_keeps_each_notes_tags() {
    check(
        r#"
//- /A.md
#one #One #two/nested
"#,
        Options { no_tags: true },
        expect![[r##"
            0 note "A" A.md ←0 #one #two/nested
        "##]],
    );
}

const LOCAL: &str = r#"
//- /Center.md
[[Near]] #shared
//- /Near.md
[[Far]]
//- /Pointing in.md
[[Center]]
//- /Far.md
[[Farther]]
//- /Farther.md
end
//- /Tagged only.md
#shared
"#;

#[test]
fn local_graph_at_depth_1_is_the_note_and_exactly_its_neighbours_both_ways() {
    let f = Fixture::parse(LOCAL);
    let graph = extract(&f.vault, &Options::default());
    let center = node_of_path(&graph, "Center.md").unwrap();
    // A note sharing only a tag is not a neighbour: tags are not links.
    expect![[r##"
        0 note "Center" Center.md ←1 #shared depth=0
        1 note "Near" Near.md ←1 depth=1
        2 note "Pointing in" Pointing in.md ←0 depth=1
        3 tag "#shared" ←2 depth=1
        Center -> Near wikilink ×1
        Center -> #shared tag ×1
        Pointing in -> Center wikilink ×1
    "##]]
    .assert_eq(&render(&local(&graph, center, 1)));
    let two = local(&graph, center, 2);
    assert_eq!(two.focus, Some((0, 2)));
    let titles: Vec<&str> = two.nodes.iter().map(|n| n.title.as_str()).collect();
    assert_eq!(titles, ["Center", "Far", "Near", "Pointing in", "#shared"]);
}

#[test]
fn dot_output_escapes_names_and_marks_kinds() {
    let f = Fixture::parse(
        r#"
//- /say "hi".md
[[Missing]] ![[x.png]]
"#,
    );
    let mut out = Vec::new();
    write::dot(&extract(&f.vault, &Options::default()), &mut out).unwrap();
    expect![[r#"
        digraph notegraph {
          graph [overlap=false, splines=true];
          node [fontname="Helvetica", fontsize=10];
          n0 [label="say \"hi\"", kind=note, shape=ellipse, style=solid, folder="", backlinks=0, path="say \"hi\".md"];
          n1 [label="Missing", kind=placeholder, shape=ellipse, style=dashed, folder="", backlinks=1];
          n2 [label="x.png", kind=placeholder, shape=ellipse, style=dashed, folder="", backlinks=1];
          n0 -> n1 [kind=wikilink, count=1];
          n0 -> n2 [kind=embed, count=1, style=bold];
        }
    "#]]
    .assert_eq(&String::from_utf8(out).unwrap());
}

#[test]
fn graphml_escapes_markup_and_drops_characters_xml_cannot_hold() {
    let f = Fixture::parse("//- /a <b> & 'c'.md\n[[x\u{1}y]]\n");
    let mut out = Vec::new();
    write::graphml(&extract(&f.vault, &Options::default()), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains(r#"<data key="title">a &lt;b&gt; &amp; &apos;c&apos;</data>"#));
    assert!(text.contains(r#"<data key="title">xy</data>"#), "{text}");
}

#[test]
fn layout_is_deterministic_finite_and_keeps_nodes_apart() {
    let f = Fixture::parse(LOCAL);
    let graph = extract(&f.vault, &Options::default());
    let a = layout::layout(&graph);
    assert_eq!(a, layout::layout(&graph));
    assert_eq!(a.len(), graph.nodes.len());
    for (i, p) in a.iter().enumerate() {
        assert!(p.0.is_finite() && p.1.is_finite());
        for q in &a[i + 1..] {
            let d = ((p.0 - q.0).powi(2) + (p.1 - q.1).powi(2)).sqrt();
            assert!(d > 0.1, "nodes overlap: {p:?} {q:?}");
        }
    }
}

#[test]
fn dot_strings_escape_quotes_backslashes_and_line_breaks() {
    assert_eq!(write::dot_str("a\"b\\c\r\nd"), r#""a\"b\\c\nd""#);
}
