//! The `check` command: its report on the example vault, exit codes, and JSON.

use std::process::Command;

use expect_test::expect;

fn notegraph(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_notegraph"))
        .env("XDG_CACHE_HOME", crate::client::test_cache_home())
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run notegraph");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("UTF-8 output"),
    )
}

#[test]
fn check_reports_exactly_the_deliberately_broken_links_of_the_example_vault() {
    let (code, out) = notegraph(&["check", "examples/vault"]);
    assert_eq!(code, 1, "broken links exist, so check exits 1");
    expect![[r#"
        examples/vault/Broken links.md:8:35: warning: Unresolved link: no note named ‘Note I never wrote’ in the vault
        examples/vault/Broken links.md:9:56: warning: Unresolved link: no heading ‘Interleaving’ in ‘Learning how to learn’
        examples/vault/Broken links.md:10:115: warning: Unresolved link: no heading ‘Retrieval practice#Cramming’ in ‘Learning how to learn’
        examples/vault/Broken links.md:11:66: warning: Unresolved link: no block ‘^no-such-block’ in ‘202311041530 Spaced repetition’
        examples/vault/Broken links.md:12:36: warning: Unresolved link: no file named ‘missing.png’ in the vault
        examples/vault/Broken links.md:13:48: warning: Unresolved link: no note named ‘drafts/Old draft.md’ in the vault
        examples/vault/Broken links.md:14:46: warning: Unresolved link: no heading ‘Fixed links’ in this note
        examples/vault/Home.md:24:58: hint: ‘index’ matches 2 files: reading/index.md, projects/index.md; it resolves to reading/index.md
        14 notes checked: 7 broken links, 1 ambiguous, 0 other problems
    "#]]
    .assert_eq(&out);
}

#[test]
fn check_json_has_every_diagnostic_and_a_summary() {
    let (code, out) = notegraph(&["check", "examples/vault", "--format", "json"]);
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(
        report["summary"],
        serde_json::json!({"notes": 14, "broken": 7, "ambiguous": 1, "other": 0, "skipped": 0})
    );
    let first = &report["diagnostics"][0];
    assert_eq!(first["path"], "examples/vault/Broken links.md");
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(8), Some(35))
    );
    assert_eq!(first["code"], "unresolved-note");
}

#[test]
fn check_exits_0_on_a_clean_vault_and_2_on_bad_usage() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("clean-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a.md"), "[[b]]\n").unwrap();
    std::fs::write(dir.join("b.md"), "# B\n").unwrap();
    let (code, out) = notegraph(&["check", dir.to_str().unwrap()]);
    assert_eq!(
        (code, out.lines().last()),
        (
            0,
            Some("2 notes checked: 0 broken links, 0 ambiguous, 0 other problems")
        )
    );
    assert_eq!(notegraph(&["check", "no/such/folder"]).0, 2);
    assert_eq!(notegraph(&["frobnicate"]).0, 2);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn check_reads_a_dendron_workspace_by_dendrons_rules() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("dendron-{}", std::process::id()));
    let notes = dir.join("notes");
    std::fs::create_dir_all(&notes).unwrap();
    std::fs::write(
        notes.join("root.md"),
        "[[Our mission|careers.mission]] ![[dendron://notes/careers.mission#our-values,1:#*]]\n\
         ![[careers.testimonials.*]]\n",
    )
    .unwrap();
    std::fs::write(notes.join("careers.mission.md"), "## Our Values\n").unwrap();
    std::fs::write(notes.join("careers.testimonials.alice.md"), "Alice\n").unwrap();
    let (code, out) = notegraph(&["check", dir.to_str().unwrap()]);
    assert_eq!(code, 1, "without dendron.yml, Obsidian's rules: {out}");
    assert!(out.contains("no note named ‘Our mission’"), "{out}");
    std::fs::write(dir.join("dendron.yml"), "version: 5\n").unwrap();
    let (code, out) = notegraph(&["check", dir.to_str().unwrap()]);
    assert_eq!(
        (code, out.lines().last()),
        (
            0,
            Some("3 notes checked: 0 broken links, 0 ambiguous, 0 other problems")
        ),
        "{out}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
