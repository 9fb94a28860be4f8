//! The resolution conformance table: one row per rule of DESIGN.md's "Link resolution", each a
//! tiny vault, the note a link is written in, the link, and the exact expected outcome.

use std::path::PathBuf;

use super::{Broken, Missing, Note, Vault};

/// (rule, files of the vault, the note holding the link, the link, expected outcome).
const TABLE: &[(&str, &[&str], &str, &str, &str)] = &[
    (
        "1 NFC: a decomposed link finds a composed name",
        &["Café.md"],
        "src.md",
        "[[Cafe\u{301}]]",
        "Café.md",
    ),
    (
        "1 NFC: a composed link finds a decomposed name",
        &["Cafe\u{301}.md"],
        "src.md",
        "[[Café]]",
        "Caf\u{e9}.md",
    ),
    (
        "1 case folding",
        &["My Note.md"],
        "src.md",
        "[[my NOTE]]",
        "My Note.md",
    ),
    (
        "1 trailing .md dropped",
        &["My Note.md"],
        "src.md",
        "[[My Note.md]]",
        "My Note.md",
    ),
    (
        "1 backslash is a slash",
        &["folder/Note.md"],
        "src.md",
        "[[folder\\Note]]",
        "folder/Note.md",
    ),
    (
        "2 bare name matches anywhere",
        &["deep/er/Note.md"],
        "src.md",
        "[[Note]]",
        "deep/er/Note.md",
    ),
    (
        "2 path suffix picks one",
        &["a/b/Note.md", "c/Note.md"],
        "src.md",
        "[[b/Note]]",
        "a/b/Note.md",
    ),
    (
        "2 suffix matches whole segments only",
        &["ab/Note.md"],
        "src.md",
        "[[b/Note]]",
        "broken file",
    ),
    (
        "2 leading slash anchors at the root",
        &["Note.md", "x/Note.md"],
        "x/src.md",
        "[[/Note]]",
        "Note.md",
    ),
    (
        "2 ./ is the source's folder",
        &["Note.md", "x/Note.md"],
        "x/src.md",
        "[[./Note]]",
        "x/Note.md",
    ),
    (
        "2 ../ climbs from the source's folder",
        &["x/Note.md", "x/y/Note.md"],
        "x/y/src.md",
        "[[../Note]]",
        "x/Note.md",
    ),
    (
        "2 ../ cannot leave the vault",
        &["Note.md"],
        "src.md",
        "[[../Note]]",
        "broken file",
    ),
    (
        "3 attachments by file name",
        &["assets/pic.png"],
        "src.md",
        "![[pic.png]]",
        "assets/pic.png",
    ),
    (
        "3 attachments fold case too",
        &["assets/pic.png"],
        "src.md",
        "![[PIC.PNG]]",
        "assets/pic.png",
    ),
    (
        "3 dots in a note name are not an extension",
        &["Meeting 2021.01.05.md"],
        "src.md",
        "[[Meeting 2021.01.05]]",
        "Meeting 2021.01.05.md",
    ),
    (
        "3 a missing attachment",
        &["pic.md"],
        "src.md",
        "![[pic.png]]",
        "broken file (attachment)",
    ),
    (
        "3 a missing file of a known attachment type",
        &["N.md"],
        "src.md",
        "[[paper.pdf]]",
        "broken file (attachment)",
    ),
    (
        "3 a dot in a name is no attachment (Dendron's hierarchies)",
        &["N.md"],
        "src.md",
        "[[dendron.faq]]",
        "broken file",
    ),
    (
        "3 a dotted note name resolves",
        &["dendron.faq.md"],
        "src.md",
        "[[dendron.faq]]",
        "dendron.faq.md",
    ),
    (
        "3 a wikilink to a URL names a note Obsidian would create",
        &["N.md"],
        "src.md",
        "[[https://example.com]]",
        "broken file",
    ),
    (
        "md a bare domain is a web address",
        &["N.md"],
        "src.md",
        "[Figma](figma.com)",
        "a web address",
    ),
    (
        "md a bare domain with a path is a web address",
        &["N.md"],
        "src.md",
        "[docs](www.example.org/a/b.html)",
        "a web address",
    ),
    (
        "md a file named like a domain still resolves",
        &["figma.com.md"],
        "src.md",
        "[Figma](figma.com)",
        "figma.com.md",
    ),
    (
        "md a script is no web address",
        &["N.md"],
        "src.md",
        "[run](setup.sh)",
        "broken file",
    ),
    (
        "4 case does not count (Obsidian has no exact-case rule)",
        &["a/index.md", "b/Index.md"],
        "src.md",
        "[[Index]]",
        "a/index.md ambiguous with b/Index.md",
    ),
    (
        "4 the file at the link's whole path first",
        &["index.md", "b/index.md"],
        "b/src.md",
        "[[index]]",
        "index.md ambiguous with b/index.md",
    ),
    (
        "4 a whole path beats a nearer suffix",
        &["a/Note.md", "x/a/Note.md"],
        "x/src.md",
        "[[a/Note]]",
        "a/Note.md ambiguous with x/a/Note.md",
    ),
    (
        "4 then the source's folder",
        &["a/index.md", "b/index.md"],
        "b/src.md",
        "[[index]]",
        "b/index.md ambiguous with a/index.md",
    ),
    (
        "4 the source's folder includes its subfolders, before shorter paths elsewhere",
        &["a/index.md", "b/deep/er/index.md"],
        "b/src.md",
        "[[index]]",
        "b/deep/er/index.md ambiguous with a/index.md",
    ),
    (
        "4 a sibling folder sharing the name's start is not the source's folder",
        &["bb/index.md", "a/index.md"],
        "b/src.md",
        "[[index]]",
        "a/index.md ambiguous with bb/index.md",
    ),
    (
        "4 then the shortest path",
        &["x/y/index.md", "z/index.md"],
        "src.md",
        "[[index]]",
        "z/index.md ambiguous with x/y/index.md",
    ),
    (
        "4 then alphabetical",
        &["b/index.md", "a/index.md"],
        "src.md",
        "[[index]]",
        "a/index.md ambiguous with b/index.md",
    ),
    (
        "5 alias fallback",
        &["Real.md:aliases: [Nick]"],
        "src.md",
        "[[nick]]",
        "Real.md via alias nick",
    ),
    (
        "5 a file name wins over an alias",
        &["Real.md:aliases: [Nick]", "Nick.md"],
        "src.md",
        "[[Nick]]",
        "Nick.md",
    ),
    (
        "6 heading, case-insensitive",
        &["N.md:# Intro Section"],
        "src.md",
        "[[N#intro section]]",
        "N.md heading Intro Section",
    ),
    (
        "6 nested headings may skip levels",
        &["N.md:# A\n## B\n### C"],
        "src.md",
        "[[N#A#C]]",
        "N.md heading C",
    ),
    (
        "6 nested headings keep their order",
        &["N.md:# A\n## B\n# C"],
        "src.md",
        "[[N#A#C]]",
        "N.md missing heading A#C",
    ),
    (
        "6 markdown links accept GitHub slugs",
        &["N.md:## Intro Section!"],
        "src.md",
        "[x](N.md#intro-section)",
        "N.md heading Intro Section!",
    ),
    (
        "6 wikilinks do not",
        &["N.md:## Intro Section!"],
        "src.md",
        "[[N#intro-section]]",
        "N.md missing heading intro-section",
    ),
    (
        "6 punctuation ignored, as Obsidian's stripHeading does",
        &["README.md:## What is the Obsidian Hub?"],
        "src.md",
        "[[README#What is the Obsidian Hub]]",
        "README.md heading What is the Obsidian Hub?",
    ),
    (
        "6 a stripped character is a space",
        &["N.md:## D&D WOTC"],
        "src.md",
        "[[N#D D WOTC]]",
        "N.md heading D&D WOTC",
    ),
    (
        "6 inline markup ignored",
        &["Functions.md:## `hasTag()`"],
        "src.md",
        "[[Functions#hasTag]]",
        "Functions.md heading `hasTag()`",
    ),
    (
        "6 the link Obsidian writes for a heading",
        &["N.md:## Step: one?"],
        "src.md",
        "[[N#Step one?]]",
        "N.md heading Step: one?",
    ),
    (
        "6 markdown links compare the same way",
        &["N.md:## What is it?"],
        "src.md",
        "[x](N.md#What%20is%20it)",
        "N.md heading What is it?",
    ),
    (
        "6 words still count",
        &["N.md:## What is it?"],
        "src.md",
        "[[N#What is]]",
        "N.md missing heading What is",
    ),
    (
        "6 block ids",
        &["N.md:text ^b1"],
        "src.md",
        "[[N#^b1]]",
        "N.md block b1",
    ),
    (
        "6 a missing block",
        &["N.md:text ^b1"],
        "src.md",
        "[[N#^b2]]",
        "N.md missing block b2",
    ),
    (
        "md relative to the source",
        &["N.md", "sub/N.md"],
        "sub/src.md",
        "[x](../N.md)",
        "N.md",
    ),
    (
        "md percent-decoded",
        &["My Note.md"],
        "src.md",
        "[x](My%20Note.md)",
        "My Note.md",
    ),
    (
        "md falls back to the name",
        &["sub/Deep.md"],
        "src.md",
        "[x](Deep.md)",
        "sub/Deep.md",
    ),
    (
        "md leading slash is the root",
        &["sub/Deep.md"],
        "other/src.md",
        "[x](/sub/Deep.md)",
        "sub/Deep.md",
    ),
    (
        "md without extension is a note",
        &["sub/Deep.md"],
        "src.md",
        "[x](sub/Deep)",
        "sub/Deep.md",
    ),
    (
        "md cannot leave the vault",
        &["N.md"],
        "src.md",
        "[x](../../N.md)",
        "broken file",
    ),
    (
        "unicode names",
        &["笔记/中文笔记.md"],
        "src.md",
        "[[中文笔记]]",
        "笔记/中文笔记.md",
    ),
    (
        "7 nothing matches",
        &["Other.md"],
        "src.md",
        "[[Nothing]]",
        "broken file",
    ),
];

fn outcome(vault: &Vault, result: Result<super::Resolved, Broken>) -> String {
    let rel = |id| vault.file(id).rel().to_string();
    match result {
        Ok(r) => {
            let note = vault.note(r.file);
            let mut out = rel(r.file);
            match r.anchor {
                super::Anchor::File => {}
                super::Anchor::Heading(i) => {
                    out += &format!(" heading {}", note.unwrap().syntax.headings()[i].text)
                }
                super::Anchor::Block(i) => {
                    out += &format!(" block {}", note.unwrap().syntax.blocks()[i].id)
                }
            }
            if let Some(alias) = r.via_alias {
                out += &format!(" via alias {alias}");
            }
            if r.candidates.len() > 1 {
                let others: Vec<String> = r.candidates[1..].iter().map(|id| rel(*id)).collect();
                out += &format!(" ambiguous with {}", others.join(", "));
            }
            out
        }
        Err(Broken::File {
            missing: Missing::Note,
            ..
        }) => "broken file".to_string(),
        Err(Broken::File {
            missing: Missing::Attachment,
            ..
        }) => "broken file (attachment)".to_string(),
        Err(Broken::File {
            missing: Missing::WebAddress,
            ..
        }) => "a web address".to_string(),
        Err(Broken::Heading { resolved, heading }) => format!(
            "{} missing heading {}",
            rel(resolved.file),
            heading.join("#")
        ),
        Err(Broken::Block { resolved, id }) => format!("{} missing block {id}", rel(resolved.file)),
    }
}

#[test]
fn resolution_follows_every_rule_of_the_design() {
    let mut failures = Vec::new();
    for (rule, files, from, link, expected) in TABLE {
        let root = PathBuf::from("/vault");
        let mut vault = Vault::new(vec![root.clone()]);
        for spec in *files {
            let (path, text) = spec.split_once(':').unwrap_or((spec, ""));
            let text = if text.starts_with("aliases") {
                format!("---\n{text}\n---\n")
            } else {
                text.to_string()
            };
            if path.ends_with(".md") {
                vault.upsert_note(&root.join(path), Note::parse(text));
            } else {
                vault.upsert_attachment(&root.join(path));
            }
        }
        let source = root.join(from);
        vault.upsert_note(&source, Note::parse(link.to_string()));
        let id = vault.id(&source).unwrap();
        let note = vault.note(id).unwrap();
        let Some(parsed) = note.syntax.links.first() else {
            failures.push(format!("{rule}: {link} is not parsed as a link"));
            continue;
        };
        let actual = outcome(&vault, vault.resolve(id, parsed));
        if actual != *expected {
            failures.push(format!(
                "{rule}: {link} from {from}: expected {expected:?}, got {actual:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn alias_fallback_can_be_turned_off() {
    let root = PathBuf::from("/vault");
    let mut vault = Vault::new(vec![root.clone()]);
    vault.alias_fallback = false;
    vault.upsert_note(
        &root.join("Real.md"),
        Note::parse("---\naliases: [Nick]\n---\n"),
    );
    vault.upsert_note(&root.join("src.md"), Note::parse("[[Nick]]"));
    let id = vault.id(&root.join("src.md")).unwrap();
    let link = vault.note(id).unwrap().syntax.links[0].clone();
    assert_eq!(outcome(&vault, vault.resolve(id, &link)), "broken file");
}
