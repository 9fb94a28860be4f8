//! Tests of completion images: read back, they list what candidates built afresh list; bytes
//! that are not such an image are refused, never trusted.

use super::*;
use crate::cache::pack;
use crate::features::fixture::Fixture;

/// The queries asked: one per line of `typed.md`, the cursor at its end.
const TYPED: &str = "[[a\n[[ab\n[[b a\n![[a\n[[x/\n[[ü\n[[日\n[[ro\n![[üb\n[[";

fn vault() -> Fixture {
    Fixture::parse(&format!(
        "//- /typed.md\n{TYPED}\n//- /ab.md\n//- /abb.md\n---\naliases: [b ab, Übung]\n---\n\
         //- /x/a b.md\n//- /ba.md\n[[ab]]\n//- /a.png\n//- /Ærø.md\n//- /日本.md\n\
         //- /x/über.pdf\n"
    ))
}

/// Every list the queries of [`TYPED`] give from `candidates`.
fn lists(f: &Fixture, candidates: &Candidates) -> Vec<String> {
    crate::features::completion::tests::typed_lists(f, TYPED, candidates, 20)
}

/// The image of every file of `f`, whose ids run 0, 1, … as a fixture files them.
fn image(f: &Fixture) -> (Vec<u8>, usize) {
    let files: Vec<FileId> = f.vault.files().map(|(id, _)| id).collect();
    assert!(files.iter().enumerate().all(|(i, id)| id.0 as usize == i));
    let finish = encode_image(&f.vault, &files).expect("laid out");
    (
        finish().expect("packed").bytes().expect("encoded"),
        files.len(),
    )
}

#[test]
fn candidates_read_from_an_image_list_what_candidates_built_afresh_list() {
    let f = vault();
    let (bytes, files) = image(&f);
    let read = Candidates::from_image(&bytes, files, f.vault.listed_generation()).expect("read");
    let built = Candidates::build(&f.vault);
    assert_eq!(lists(&f, &read), lists(&f, &built));
    // Aliases, attachments and names that are not ASCII are among them.
    let all = lists(&f, &read).join("\n");
    for label in [
        "\"Übung\"",
        "\"a.png\"",
        "\"Ærø\"",
        "\"日本\"",
        "\"über.pdf\"",
    ] {
        assert!(all.contains(label), "{label} missing from {all}");
    }
    assert_eq!(read.generation, f.vault.listed_generation());
}

#[test]
fn an_image_listing_a_file_the_vault_does_not_hold_is_refused() {
    let f = vault();
    let (bytes, files) = image(&f);
    assert!(Candidates::from_image(&bytes, files - 1, 0).is_none());
}

#[test]
fn an_image_cut_short_or_with_a_byte_changed_is_refused_or_read_without_a_panic() {
    let f = vault();
    let (bytes, files) = image(&f);
    for len in 0..bytes.len() {
        assert!(
            Candidates::from_image(&bytes[..len], files, 0).is_none(),
            "cut at {len}"
        );
    }
    // A changed byte may still decode (a letter of a name); whatever is read must be usable.
    for at in 0..bytes.len() {
        let mut changed = bytes.clone();
        changed[at] ^= 0x5a;
        if let Some(read) = Candidates::from_image(&changed, files, f.vault.listed_generation()) {
            lists(&f, &read);
        }
    }
}

#[test]
fn packed_candidates_read_back_as_packed_and_an_unknown_flag_is_refused() {
    let f = vault();
    let built = Candidates::build(&f.vault);
    let packed = pack_items(built.items.iter().cloned());
    assert_eq!(packed.len(), built.items.len() * ITEM_BYTES);
    let read = unpack_items(&packed).expect("unpacked");
    assert_eq!(pack_items(read.iter().cloned()), packed);
    // Every flag is set by some candidate of this vault: aliases, Unicode names and paths,
    // notes (and attachments, which have none).
    let flags =
        |i: usize| u32::from_le_bytes(packed[i * ITEM_BYTES + 32..][..4].try_into().unwrap());
    let all = (0..read.len()).fold(0, |all, i| all | flags(i));
    assert_eq!(all, HAS_ALIAS | NAME_UNICODE | PATH_UNICODE | IS_NOTE);
    // Each known flag turned over in each candidate of a whole image: read back usable, or
    // refused (a byte flipped with 0x5a above always sets unknown bits, refused at once).
    let (bytes, files) = image(&f);
    let items: Image = postcard::from_bytes(&bytes).expect("decoded");
    let at = items.items.as_ptr() as usize - bytes.as_ptr() as usize;
    for i in 0..read.len() {
        for bit in [HAS_ALIAS, NAME_UNICODE, PATH_UNICODE, IS_NOTE] {
            let mut changed = bytes.clone();
            changed[at + i * ITEM_BYTES + 32] ^= bit as u8;
            if let Some(read) = Candidates::from_image(&changed, files, f.vault.listed_generation())
            {
                lists(&f, &read);
            }
        }
    }
    let mut unknown = packed.clone();
    unknown[32 + 1] |= 1;
    assert!(unpack_items(&unknown).is_none());
    assert!(unpack_items(&packed[..packed.len() - 1]).is_none());
}

/// Every part of `c` a query reads, as text: each candidate's file, note, alias and match
/// forms, and the indexes of their letters.
fn rendered(c: &Candidates) -> Vec<String> {
    let text = |s: nucleo_matcher::Utf32Str<'_>| match s {
        nucleo_matcher::Utf32Str::Ascii(b) => String::from_utf8_lossy(b).into_owned(),
        nucleo_matcher::Utf32Str::Unicode(cs) => cs.iter().collect(),
    };
    let mut out: Vec<String> = c
        .items
        .iter()
        .map(|i| {
            format!(
                "{} {} {:?} {:?} {:?} {}",
                i.file.0,
                i.note,
                c.alias(i),
                text(c.haystack(i, false)),
                text(c.haystack(i, true)),
                i.is_note
            )
        })
        .collect();
    out.push(format!(
        "{:?} {:?} {:?}",
        c.holders, c.odd_names, c.odd_word_starts
    ));
    out.push(format!(
        "{:?} {:?}",
        pack(c.word_starts.iter().flatten(), |w| w.to_le_bytes()),
        pack(&c.shapes, |s| s.to_le_bytes())
    ));
    out
}

/// The candidates an image laid out for `files` files at `generation` reads back as.
fn read_back(finish: Option<ImagePacking>, files: usize, generation: u64) -> Candidates {
    let bytes = finish.expect("laid out")()
        .expect("packed")
        .bytes()
        .expect("encoded");
    Candidates::from_image(&bytes, files, generation).expect("read")
}

/// Taken from the candidates completion holds, an image reads back as the one laid out afresh
/// for files listed in another order than their ids (the names section's notes, then its
/// attachments) or for fewer files (a buffer's note is not in the section); from candidates
/// that are not current, the image is laid out afresh.
#[test]
fn an_image_taken_from_current_candidates_reads_back_as_one_laid_out_afresh() {
    let f = vault();
    let (notes, others): (Vec<_>, Vec<_>) = f.vault.files().partition(|(_, file)| file.is_note());
    let files: Vec<FileId> = notes.iter().chain(&others).map(|&(id, _)| id).collect();
    assert!(
        files.windows(2).any(|w| w[0] > w[1]),
        "listed out of id order"
    );
    let current = std::sync::Arc::new(Candidates::build(&f.vault));
    let generation = f.vault.listed_generation();
    for listed in [&files[..], &files[1..]] {
        let read = |finish| read_back(finish, listed.len(), generation);
        let afresh = read(encode_image(&f.vault, listed));
        assert!(Order::of(&current, &f.vault, listed).is_some());
        let taken = read(encode_image_from(Some(current.clone()), &f.vault, listed));
        assert_eq!(rendered(&taken), rendered(&afresh));
    }
    let mut stale = Candidates::build(&f.vault);
    stale.generation += 1;
    assert!(Order::of(&stale, &f.vault, &files).is_none());
    // Candidates of other files than those listed are no source either.
    let fewer = Candidates::of_listed(&f.vault.files().skip(1).collect::<Vec<_>>(), generation);
    assert!(Order::of(&fewer, &f.vault, &files).is_none());
}

/// More candidates than one word of a bitset holds (64): each byte's holders span several
/// words, and laying the image out in the names section's order (notes, then attachments)
/// moves candidates across words. Read back, it lists what candidates built afresh list, and
/// taken from current candidates it is the image laid out afresh.
#[test]
fn an_image_of_more_candidates_than_a_bitset_word_holds_reads_back_whole() {
    let mut spec = format!("//- /typed.md\n{TYPED}\n");
    let words = ["alpha", "beta", "über", "ab x", "日本"];
    for i in 0..150 {
        spec.push_str(&format!("//- /n{i} {}.md\n", words[i % words.len()]));
        if i % 9 == 0 {
            spec.push_str(&format!("//- /pic {i}.png\n"));
        }
    }
    let f = Fixture::parse(&spec);
    let (bytes, files) = image(&f);
    assert!(files > 2 * 64, "{files} files span three words");
    let read = Candidates::from_image(&bytes, files, f.vault.listed_generation()).expect("read");
    let built = Candidates::build(&f.vault);
    assert_eq!(lists(&f, &read), lists(&f, &built));
    assert_eq!(rendered(&read), rendered(&built));

    let (notes, others): (Vec<_>, Vec<_>) = f.vault.files().partition(|(_, file)| file.is_note());
    let listed: Vec<FileId> = notes.iter().chain(&others).map(|&(id, _)| id).collect();
    let generation = f.vault.listed_generation();
    let read = |finish| read_back(finish, listed.len(), generation);
    let afresh = read(encode_image(&f.vault, &listed));
    let taken = read(encode_image_from(
        Some(std::sync::Arc::new(built)),
        &f.vault,
        &listed,
    ));
    assert_eq!(rendered(&taken), rendered(&afresh));
}

/// Candidates patched onto a full build (notes created, removed, their aliases changed since
/// it was built) are a source as well: the image taken from the build less what the patch
/// hides, then the patch's own, reads back as the one laid out afresh, across bitset words,
/// with a freed file id naming a new note and names that are not ASCII in both parts.
#[test]
fn an_image_taken_from_patched_candidates_reads_back_as_one_laid_out_afresh() {
    let mut spec = format!("//- /typed.md\n{TYPED}\n");
    for i in 0..100 {
        spec.push_str(&format!("//- /n{i} ü{}.md\n", ["alpha", "beta"][i % 2]));
    }
    spec.push_str("//- /abb.md\n---\naliases: [b ab, Übung]\n---\n//- /a.png\n");
    let mut f = Fixture::parse(&spec);
    let built = std::sync::Arc::new(Candidates::build(&f.vault));
    let root = f.vault.roots()[0].clone();
    let gone = f.vault.id(&root.join("n3 übeta.md")).expect("filed");
    f.vault.remove(&root.join("n3 übeta.md"));
    let aliased = crate::index::Note::parse("---\naliases: [日本, zz top]\n---\n");
    f.vault.upsert_note(&root.join("new ünote.md"), aliased);
    assert_eq!(
        f.vault.id(&root.join("new ünote.md")),
        Some(gone),
        "the freed id"
    );
    let respelled = crate::index::Note::parse("---\naliases: [Ærø]\n---\n");
    f.vault.upsert_note(&root.join("abb.md"), respelled);
    let patched = Candidates::current(Some(&built), &f.vault);
    assert!(patched.patch.is_some(), "patched onto the build");

    let (notes, others): (Vec<_>, Vec<_>) = f.vault.files().partition(|(_, file)| file.is_note());
    let listed: Vec<FileId> = notes.iter().chain(&others).map(|&(id, _)| id).collect();
    assert!(listed.len() > 64, "{} files span two words", listed.len());
    assert!(Order::of(&patched, &f.vault, &listed).is_some());
    let generation = f.vault.listed_generation();
    let read = |finish| read_back(finish, listed.len(), generation);
    let afresh = read(encode_image(&f.vault, &listed));
    let taken = read(encode_image_from(Some(patched), &f.vault, &listed));
    assert_eq!(rendered(&taken), rendered(&afresh));
    assert_eq!(lists(&f, &taken), lists(&f, &afresh));
    let all = rendered(&taken).join("\n");
    for label in [
        "\"new unote\"",
        "Some(\"日本\")",
        "Some(\"Ærø\")",
        "\"n1 ubeta\"",
    ] {
        assert!(all.contains(label), "{label} missing from {all}");
    }
    assert!(!all.contains("n3 ubeta") && !all.contains("Übung"), "{all}");
}

/// A write that fails says why: the writer's own error, not postcard's "buffer full".
#[test]
fn lists_written_to_a_failing_writer_return_the_writer_s_error() {
    struct Full(usize);
    impl std::io::Write for Full {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            match self.0 {
                0 => Err(std::io::Error::new(
                    std::io::ErrorKind::StorageFull,
                    "no space left on the cache's disk",
                )),
                room => {
                    let n = buf.len().min(room);
                    self.0 -= n;
                    Ok(n)
                }
            }
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let lens: Vec<u32> = (0..1000).collect();
    let err = write_lens(&lens, &mut Full(10)).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::StorageFull);
    assert_eq!(err.to_string(), "no space left on the cache's disk");
    let mut whole = Vec::new();
    write_lens(&lens, &mut whole).unwrap();
    assert_eq!(whole, postcard::to_allocvec(&lens).unwrap());
}
