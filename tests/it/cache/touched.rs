//! A restart whose on-disk index holds touched notes — read within seconds of a write, or
//! rewritten since with the same text — answers from them before the whole vault is checked.

use super::*;

#[test]
fn a_note_read_right_after_a_write_answers_from_the_index_before_the_check() {
    let vault = vault("cache-touched");
    // Written just before the first server reads it: its stamp cannot vouch for it by time.
    vault.write("b.md", B);
    let home = cache_home("touched");
    let first = start(&vault, &home, Value::Null);
    first.wait_log("notes written");
    assert_eq!(first.shutdown(), 0);
    // And rewritten with the same text while no server runs.
    vault.write("b.md", B);

    // The full load is held back 5 s once the names are served.
    let mut second = restart_held_with_a_open(&vault, &home, A);
    let a = vault.path("a.md");
    let into_b = second.request("textDocument/definition", at(&a, 1, 3));
    // stderr is read beside stdout: the line saying the names are served may come just after
    // the answer. The full index comes 5 s after it.
    let log = second.wait_log("serving names of 3 notes from the on-disk index");
    assert!(
        !log.contains("indexed 3 notes"),
        "waited for the full index: {log}"
    );
    assert!(
        into_b["uri"].as_str().unwrap_or("").ends_with("/b.md"),
        "{into_b}"
    );
    assert_eq!(into_b["range"]["start"]["line"], json!(0));
    second.wait_log("on-disk index: 3 notes unchanged (1 of them touched), 0 read, 0 gone");
    assert_eq!(second.shutdown(), 0);
}
