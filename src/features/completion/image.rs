//! Completion's candidates as stored beside the on-disk index's names section
//! (`crate::cache::Image`): laid out once when the index is written, read back by a restart's
//! sketch instead of being built again (~0.25–0.5 s of CPU at 100,000 notes). Nothing read is
//! trusted: a payload that does not decode, or whose offsets leave its arenas, gives `None`, and
//! the sketch builds the candidates itself.

use std::borrow::Cow;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::super::bound::Shape;
use super::{Candidate, Candidates, Form, Slice, WordStart};
use crate::cache::{ImagePacking, Payload, unpack, word, write_len};
use crate::index::{FileId, Vault};

/// Every part of [`Candidates`] that building them computes (a candidate's file is its place
/// in the names section's list of files); the caches of queries and popularity start empty.
/// Written field by field as it is made ([`InOrder`]), borrowed from the image's bytes when
/// read. Lists of numbers are stored as fixed-width little-endian bytes, read back in one pass: serde's varint decode of each bit set word, word start and
/// shape was most of the ~45 ms a restart spent reading the image at 100,000 notes.
#[derive(Serialize, Deserialize)]
struct Image<'a> {
    /// The candidates packed ([`pack_items`]).
    #[serde(borrow, serialize_with = "crate::cache::as_bytes")]
    items: &'a [u8],
    #[serde(borrow)]
    ascii: &'a str,
    unicode: Cow<'a, str>,
    #[serde(borrow)]
    aliases: &'a str,
    /// Each ASCII byte's holders: how many words each list has, then the words end to end.
    holder_lens: Vec<u32>,
    #[serde(borrow, serialize_with = "crate::cache::as_bytes")]
    holders: &'a [u8],
    #[serde(borrow, serialize_with = "crate::cache::as_bytes")]
    odd_names: &'a [u8],
    /// Each ASCII byte's word starts: how many each list has, then the lists end to end.
    word_start_lens: Vec<u32>,
    #[serde(borrow, serialize_with = "crate::cache::as_bytes")]
    word_starts: &'a [u8],
    #[serde(borrow, serialize_with = "crate::cache::as_bytes")]
    odd_word_starts: &'a [u8],
    #[serde(borrow, serialize_with = "crate::cache::as_bytes")]
    shapes: &'a [u8],
}

/// The candidates of `files` (the names section's notes, then its attachments), file `i` as
/// `FileId(i)`: the ids a restart's sketch gives them when it files them in that order.
/// `None` when a file is gone (the caller lists live files under the guard it holds). The
/// names are laid out from the vault now; indexing their bytes and packing them, which need
/// no vault, wait for the returned call; the payload it returns is serialised as it is
/// written (`cache::write_payload`).
pub fn encode_image(vault: &Vault, files: &[FileId]) -> Option<ImagePacking> {
    let listed = files
        .iter()
        .enumerate()
        .map(|(i, &id)| Some((FileId(u32::try_from(i).ok()?), vault.get(id)?)))
        .collect::<Option<Vec<_>>>()?;
    // On the caller's threads, not completion's own: a keystroke's scoring must not wait
    // behind a save.
    let mut c = Candidates::of_listed_unindexed(&listed, false);
    // The rest reads no vault: index their bytes, then write them as `encode_image_from`
    // writes current candidates, in the order they are in already.
    Some(Box::new(move || {
        c.index_bytes();
        let order = Order::as_built(&c);
        let c = Arc::new(c);
        c.ascii
            .is_ascii()
            .then(|| Box::new(InOrder { c, order }) as Box<dyn Payload>)
    }))
}

/// [`encode_image`] from `current`, the candidates completion holds, where they are current
/// for `vault`: packed straight from them, their items put in the order of `files` under the
/// ids a sketch gives them and every index over them renumbered to match. Candidates patched
/// onto a full build (a new note opened since it was built) are written as one list: the
/// build's less those the patch hides, then the patch's. Neither laid out again from the vault
/// (~100 ms at 100,000 notes under the vault's guard, which edits wait for) nor copied: a copy
/// of their arenas, indexed again, was the largest thing a write held (+35 MB over its start
/// on a dense 50k vault; +11 MB, and a peak, where a restart's patched candidates were laid
/// out afresh). Only the new order is taken under the guard; `current` is held (an `Arc`)
/// until it is packed. Laid out afresh otherwise.
pub fn encode_image_from(
    current: Option<Arc<Candidates>>,
    vault: &Vault,
    files: &[FileId],
) -> Option<ImagePacking> {
    match current.and_then(|c| Some((Order::of(&c, vault, files)?, c))) {
        // Match forms in `ascii` are ASCII bytes, so a string.
        Some((order, c)) => Some(Box::new(move || {
            (parts(&c).iter().all(|part| part.c.ascii.is_ascii()))
                .then(|| Box::new(InOrder { c, order }) as Box<dyn Payload>)
        })),
        None => encode_image(vault, files),
    }
}

/// Candidates an image is written from, as one list: a whole build, or a patch's base (less
/// the candidates the patch hides) followed by the patch's own candidates.
struct Part<'a> {
    c: &'a Candidates,
    /// This part's candidates left out (sorted).
    hidden: &'a [u32],
    /// Where this part's candidates, and its text in each arena (ASCII, Unicode, aliases),
    /// start in the list and in the arenas laid end to end.
    items: u32,
    ascii: u32,
    unicode: u32,
    aliases: u32,
}

/// `c` as the parts of one list: itself, or its base and then itself when patched (a base is
/// always a full build: `Candidates::patched`).
fn parts(c: &Candidates) -> Vec<Part<'_>> {
    let whole = |c, hidden| Part {
        c,
        hidden,
        items: 0,
        ascii: 0,
        unicode: 0,
        aliases: 0,
    };
    match &c.patch {
        None => vec![whole(c, &[])],
        Some(patch) => {
            let base = &*patch.base;
            let len = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
            vec![
                whole(base, &patch.hidden),
                Part {
                    items: len(base.items.len()),
                    ascii: len(base.ascii.len()),
                    unicode: len(base.unicode.len()),
                    aliases: len(base.aliases.len()),
                    ..whole(c, &[])
                },
            ]
        }
    }
}

impl Part<'_> {
    /// Candidate `i` of this part as the list holds it: its note's index in the list, its
    /// texts' places in the arenas laid end to end; `None` past `u32`.
    fn item(&self, i: usize) -> Option<Candidate> {
        let item = self.c.items.get(i)?;
        let shift = |s: Slice, by: u32| {
            Some(Slice {
                at: s.at.checked_add(by)?,
                len: s.len,
            })
        };
        let form = |f: Form| match f {
            Form::Ascii(s) => shift(s, self.ascii).map(Form::Ascii),
            Form::Unicode(s) => shift(s, self.unicode).map(Form::Unicode),
        };
        Some(Candidate {
            file: item.file,
            note: item.note.checked_add(self.items)?,
            alias: match item.alias {
                Some(s) => Some(shift(s, self.aliases)?),
                None => None,
            },
            name: form(item.name)?,
            path: form(item.path)?,
            is_note: item.is_note,
        })
    }
}

/// The part holding candidate `i` of the list, and its index there.
fn part_of<'p, 'a>(parts: &'p [Part<'a>], i: u32) -> Option<(&'p Part<'a>, usize)> {
    let part = parts.iter().rev().find(|p| p.items <= i)?;
    Some((part, (i - part.items) as usize))
}

/// Where each of some candidates goes in an image of a list of files.
struct Order {
    /// Per place in the image, in order: the new id of its file and its index among the
    /// candidates (of the parts' list, see [`parts`]).
    kept: Vec<(u32, u32)>,
    /// Per candidate: its place in the image, `u32::MAX` for one whose file is not listed.
    moved: Vec<u32>,
}

impl Order {
    /// `c`'s candidates of `files` alone, file `files[i]` as `FileId(i)`, in that order (each
    /// file's own candidate, then its aliases', as built); `None` unless `c` is current for
    /// `vault` and holds candidates for every file listed.
    fn of(c: &Candidates, vault: &Vault, files: &[FileId]) -> Option<Order> {
        if c.generation != vault.listed_generation() {
            return None;
        }
        let parts = parts(c);
        let last = files.iter().map(|f| f.0 as usize).max().unwrap_or(0);
        let mut place = vec![u32::MAX; last + 1];
        for (i, file) in files.iter().enumerate() {
            place[file.0 as usize] = u32::try_from(i).ok()?;
        }
        // Stably sorted: a file's candidates keep their order.
        let mut kept: Vec<(u32, u32)> = Vec::new();
        for part in &parts {
            for (i, item) in part.c.items.iter().enumerate() {
                let i = u32::try_from(i).ok()?;
                let Some(&at) = place.get(item.file.0 as usize) else {
                    continue;
                };
                if at != u32::MAX && !Candidates::is_hidden(part.hidden, i) {
                    kept.push((at, part.items.checked_add(i)?));
                }
            }
        }
        kept.sort_by_key(|&(at, _)| at);
        let total = parts
            .last()
            .map_or(0, |p| p.items as usize + p.c.items.len());
        let mut moved = vec![u32::MAX; total];
        for (new, &(_, old)) in kept.iter().enumerate() {
            moved[old as usize] = new as u32;
        }
        let mut listed = 0;
        for (new, &(at, old)) in kept.iter().enumerate() {
            let (part, i) = part_of(&parts, old)?;
            let item = part.item(i)?;
            if item.alias.is_none() {
                // A file's own candidate, which every file has exactly one of, first.
                if item.note != old || (new > 0 && kept[new - 1].0 == at) {
                    return None;
                }
                listed += 1;
            }
            if *moved.get(item.note as usize)? == u32::MAX {
                return None;
            }
        }
        (listed == files.len()).then_some(Order { kept, moved })
    }

    /// `c`'s candidates where they are, `c` being laid out for an image already (each
    /// candidate's file its place in the image's list of files).
    fn as_built(c: &Candidates) -> Order {
        Order {
            kept: (c.items.iter().enumerate())
                .map(|(i, item)| (item.file.0, i as u32))
                .collect(),
            moved: (0..c.items.len() as u32).collect(),
        }
    }

    /// Each of `lists`' set bits (one per candidate of its part) moved to its candidate's
    /// place, in an image of `words` words.
    fn bits<'b>(&self, lists: impl Iterator<Item = (&'b [u64], u32)>, words: usize) -> Vec<u64> {
        let mut out = vec![0u64; words];
        for (bits, first) in lists {
            for (w, &word) in bits.iter().enumerate() {
                let mut word = word;
                while word != 0 {
                    let old = first as usize + w * 64 + word.trailing_zeros() as usize;
                    word &= word - 1;
                    if let Some(&new) = self.moved.get(old).filter(|&&n| n != u32::MAX) {
                        out[new as usize / 64] |= 1 << (new % 64);
                    }
                }
            }
        }
        out
    }
}

/// `c`'s candidates as an image of the files `order` lists, made as it is written: each list
/// renumbered and written in turn (one list of word starts held at a time), the arenas as they
/// are, end to end (a candidate left out leaves bytes there that nothing points to). Packed
/// whole first, the lists were held at once: 14 MB above the live index at 50,000 dense notes.
struct InOrder {
    c: Arc<Candidates>,
    order: Order,
}

impl Payload for InOrder {
    fn write_to(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let (parts, order) = (parts(&self.c), &self.order);
        let count = order.kept.len();
        let words = count.div_ceil(64);
        let too_many = || std::io::Error::other("too many completion candidates for an image");
        let lens_of = write_lens;
        // Fields in the order `Image` stores them.
        write_len(out, (count * ITEM_BYTES) as u64)?;
        for &(at, old) in &order.kept {
            let item = part_of(&parts, old)
                .and_then(|(part, i)| part.item(i))
                .ok_or_else(too_many)?;
            out.write_all(&item_bytes(&Candidate {
                file: FileId(at),
                note: order.moved[item.note as usize],
                ..item
            }))?;
        }
        let ascii_len: usize = parts.iter().map(|p| p.c.ascii.len()).sum();
        write_len(out, ascii_len as u64)?;
        for part in &parts {
            if !part.c.ascii.is_ascii() {
                return Err(std::io::Error::other("a completion name not in ASCII"));
            }
            out.write_all(&part.c.ascii)?;
        }
        let unicode: String = parts.iter().flat_map(|p| p.c.unicode.iter()).collect();
        write_len(out, unicode.len() as u64)?;
        out.write_all(unicode.as_bytes())?;
        drop(unicode);
        write_len(out, parts.iter().map(|p| p.c.aliases.len() as u64).sum())?;
        for part in &parts {
            out.write_all(part.c.aliases.as_bytes())?;
        }
        // As built: a list only for a byte some candidate holds.
        let holders: Vec<Vec<u64>> = (0..128)
            .map(|byte| {
                let lists = parts
                    .iter()
                    .filter_map(|p| Some((&p.c.holders.get(byte)?[..], p.items)));
                Some(order.bits(lists, words)).filter(|b| b.iter().any(|&w| w != 0))
            })
            .map(Option::unwrap_or_default)
            .collect();
        lens_of(&lens(&holders).ok_or_else(too_many)?, out)?;
        write_len(out, holders.iter().map(|l| l.len() as u64 * 8).sum())?;
        for word in holders.iter().flatten() {
            out.write_all(&word.to_le_bytes())?;
        }
        drop(holders);
        let odd_names = order.bits(parts.iter().map(|p| (&p.c.odd_names[..], p.items)), words);
        write_len(out, odd_names.len() as u64 * 8)?;
        for word in &odd_names {
            out.write_all(&word.to_le_bytes())?;
        }
        let moved = |w: &WordStart, first: u32| {
            let new = *order.moved.get(w.candidate.checked_add(first)? as usize)?;
            (new != u32::MAX).then_some(WordStart {
                candidate: new,
                ..*w
            })
        };
        let starts_of = |byte: usize| {
            parts.iter().flat_map(move |p| {
                let list = p.c.word_starts.get(byte).map_or(&[][..], |l| &l[..]);
                list.iter().filter_map(move |w| moved(w, p.items))
            })
        };
        let word_start_lens: Vec<u32> = (0..128)
            .map(|byte| u32::try_from(starts_of(byte).count()).ok())
            .collect::<Option<_>>()
            .ok_or_else(too_many)?;
        lens_of(&word_start_lens, out)?;
        let total: u64 = word_start_lens.iter().map(|&n| u64::from(n)).sum();
        write_len(out, total * 12)?;
        let mut list: Vec<WordStart> = Vec::new();
        for byte in 0..128 {
            list.clear();
            list.extend(starts_of(byte));
            // Stably: a name's word starts in the order they come in it, as built.
            list.sort_by_key(|w| w.candidate);
            for w in &list {
                out.write_all(&w.to_le_bytes())?;
            }
        }
        let mut odd_word_starts: Vec<u32> = (parts.iter())
            .flat_map(|p| p.c.odd_word_starts.iter().map(move |&i| (i, p.items)))
            .filter_map(|(i, first)| order.moved.get(i.checked_add(first)? as usize).copied())
            .filter(|&new| new != u32::MAX)
            .collect();
        odd_word_starts.sort_unstable();
        write_len(out, odd_word_starts.len() as u64 * 4)?;
        for i in &odd_word_starts {
            out.write_all(&i.to_le_bytes())?;
        }
        write_len(out, count as u64 * 16)?;
        for &(_, old) in &order.kept {
            let (part, i) = part_of(&parts, old).ok_or_else(too_many)?;
            let shape = part.c.shapes.get(i).ok_or_else(too_many)?;
            out.write_all(&shape.to_le_bytes())?;
        }
        Ok(())
    }
}

/// How many items each of `lists` holds.
fn lens<T>(lists: &[Vec<T>]) -> Option<Vec<u32>> {
    lists.iter().map(|l| u32::try_from(l.len()).ok()).collect()
}

/// The lists [`pack`] wrote end to end, `lens[i]` items in list `i`; `None` unless they take
/// up `bytes` exactly.
fn unpack_lists<T, const N: usize>(
    lens: &[u32],
    bytes: &[u8],
    read: impl Fn([u8; N]) -> T + Copy,
) -> Option<Vec<Vec<T>>> {
    let total = lens.iter().try_fold(0usize, |total, &len| {
        total.checked_add((len as usize).checked_mul(N)?)
    })?;
    if total != bytes.len() {
        return None;
    }
    let mut at = 0;
    lens.iter()
        .map(|&len| {
            let end = at + len as usize * N;
            let list = unpack(&bytes[at..end], |b| Some(read(*b)));
            at = end;
            list
        })
        .collect()
}

impl Candidates {
    /// The candidates an image ([`encode_image`]) holds, for a vault that holds its `files`
    /// files under ids 0, 1, … as they were listed, at listed generation `generation`; `None`
    /// when the bytes are not such an image.
    pub fn from_image(bytes: &[u8], files: usize, generation: u64) -> Option<Candidates> {
        let image: Image = postcard::from_bytes(bytes).ok()?;
        // One list per ASCII byte: checked before a list is made for each length read.
        if image.holder_lens.len() != 128 || image.word_start_lens.len() != 128 {
            return None;
        }
        let items = unpack_items(image.items)?;
        let holders = unpack_lists(&image.holder_lens, image.holders, u64::from_le_bytes)?;
        let odd_names = unpack(image.odd_names, |b| Some(u64::from_le_bytes(*b)))?;
        let word_starts = unpack_lists(
            &image.word_start_lens,
            image.word_starts,
            WordStart::from_le_bytes,
        )?;
        let odd_word_starts = unpack(image.odd_word_starts, |b| Some(u32::from_le_bytes(*b)))?;
        let shapes = unpack(image.shapes, |b| Some(Shape::from_le_bytes(*b)))?;
        let unicode: Vec<char> = image.unicode.chars().collect();
        let count = items.len();
        let words = count.div_ceil(64);
        let form_fits = |form: Form| match form {
            Form::Ascii(s) => fits(s, image.ascii.len()),
            Form::Unicode(s) => fits(s, unicode.len()),
        };
        let item_fits = |item: &Candidate| {
            (item.file.0 as usize) < files
                && (item.note as usize) < count
                && form_fits(item.name)
                && form_fits(item.path)
                && item.alias.is_none_or(|s| {
                    fits(s, image.aliases.len()) && image.aliases.get(range(s)).is_some()
                })
        };
        // A bit past the last candidate would name one that is not there.
        let past_last = match count % 64 {
            0 => 0,
            used => !0u64 << used,
        };
        let bits_fit = |bits: &[u64]| {
            bits.is_empty()
                || (bits.len() == words && bits.last().is_none_or(|w| w & past_last == 0))
        };
        let fit = image.ascii.is_ascii()
            && items.iter().all(item_fits)
            // Laid out in the files' order, which `of_file` searches by.
            && items.windows(2).all(|w| w[0].file <= w[1].file)
            && holders.len() == 128
            && holders.iter().all(|bits| bits_fit(bits))
            && bits_fit(&odd_names)
            && odd_names.len() == words
            && word_starts.len() == 128
            && word_starts.iter().flatten().all(|w| (w.candidate as usize) < count)
            && odd_word_starts.iter().all(|&i| (i as usize) < count)
            && shapes.len() == count;
        if !fit {
            return None;
        }
        Some(Candidates {
            generation,
            items,
            ascii: image.ascii.as_bytes().to_vec(),
            unicode,
            aliases: image.aliases.to_string(),
            holders,
            odd_names,
            word_starts,
            odd_word_starts,
            shapes,
            ..Candidates::default()
        })
    }
}

/// Bytes a packed candidate takes: [`ITEM_WORDS`] little-endian `u32`s.
const ITEM_BYTES: usize = ITEM_WORDS * 4;
const ITEM_WORDS: usize = 9;
/// The flags word's bits: an alias is there, the name's and the path's forms are Unicode, the
/// candidate is a note.
const HAS_ALIAS: u32 = 1;
const NAME_UNICODE: u32 = 2;
const PATH_UNICODE: u32 = 4;
const IS_NOTE: u32 = 8;

/// `lens` written to `out` as postcard writes a list. postcard reports a writer's failure as
/// its own `SerializeBufferFull` ("buffer full" for a disk that is full or gone): the writer's
/// error is kept and returned instead, so the log says what failed.
fn write_lens(lens: &[u32], out: &mut dyn std::io::Write) -> std::io::Result<()> {
    struct Keeping<'a> {
        out: &'a mut dyn std::io::Write,
        error: Option<std::io::Error>,
    }
    impl Keeping<'_> {
        fn kept<T>(&mut self, result: std::io::Result<T>) -> std::io::Result<T> {
            result.map_err(|e| {
                let kind = e.kind();
                self.error.get_or_insert(e);
                kind.into()
            })
        }
    }
    impl std::io::Write for Keeping<'_> {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let written = self.out.write(buf);
            self.kept(written)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            let flushed = self.out.flush();
            self.kept(flushed)
        }
    }
    let mut keeping = Keeping { out, error: None };
    match postcard::to_io(lens, &mut keeping) {
        Ok(_) => Ok(()),
        Err(e) => Err(keeping.error.unwrap_or_else(|| std::io::Error::other(e))),
    }
}

/// `items` as words: file, note, alias at and len (0s when none), name at and len, path at and
/// len, flags.
#[cfg(test)]
fn pack_items(items: impl ExactSizeIterator<Item = Candidate>) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(items.len() * ITEM_BYTES);
    for item in items {
        bytes.extend_from_slice(&item_bytes(&item));
    }
    bytes
}

/// A candidate as [`pack_items`] packs it: [`ITEM_WORDS`] little-endian `u32`s.
fn item_bytes(item: &Candidate) -> [u8; ITEM_BYTES] {
    let (name, name_unicode) = form_parts(item.name);
    let (path, path_unicode) = form_parts(item.path);
    let alias = item.alias.unwrap_or_default();
    let flags = [
        (item.alias.is_some(), HAS_ALIAS),
        (name_unicode, NAME_UNICODE),
        (path_unicode, PATH_UNICODE),
        (item.is_note, IS_NOTE),
    ]
    .into_iter()
    .filter(|&(set, _)| set)
    .fold(0, |flags, (_, bit)| flags | bit);
    let words: [u32; ITEM_WORDS] = [
        item.file.0,
        item.note,
        alias.at,
        alias.len,
        name.at,
        name.len,
        path.at,
        path.len,
        flags,
    ];
    let mut bytes = [0; ITEM_BYTES];
    for (i, word) in words.into_iter().enumerate() {
        bytes[i * 4..i * 4 + 4].copy_from_slice(&word.to_le_bytes());
    }
    bytes
}

/// The candidates [`pack_items`] wrote; `None` when `bytes` are not a whole number of them or
/// a flags word holds a bit no candidate sets.
fn unpack_items(bytes: &[u8]) -> Option<Vec<Candidate>> {
    unpack(bytes, |item: &[u8; ITEM_BYTES]| {
        let word = |i: usize| word(item, i * 4);
        let slice = |i: usize| Slice {
            at: word(i),
            len: word(i + 1),
        };
        let flags = word(8);
        if flags & !(HAS_ALIAS | NAME_UNICODE | PATH_UNICODE | IS_NOTE) != 0 {
            return None;
        }
        let form = |i: usize, unicode: u32| {
            if flags & unicode != 0 {
                Form::Unicode(slice(i))
            } else {
                Form::Ascii(slice(i))
            }
        };
        Some(Candidate {
            file: FileId(word(0)),
            note: word(1),
            alias: (flags & HAS_ALIAS != 0).then(|| slice(2)),
            name: form(4, NAME_UNICODE),
            path: form(6, PATH_UNICODE),
            is_note: flags & IS_NOTE != 0,
        })
    })
}

fn form_parts(form: Form) -> (Slice, bool) {
    match form {
        Form::Ascii(s) => (s, false),
        Form::Unicode(s) => (s, true),
    }
}

fn range(s: Slice) -> std::ops::Range<usize> {
    s.at as usize..s.at as usize + s.len as usize
}

/// Whether `s` lies in an arena of `len` items, its end in a `u32` as the readers compute it.
fn fits(s: Slice, len: usize) -> bool {
    s.at.checked_add(s.len)
        .is_some_and(|end| end as usize <= len)
}

#[cfg(test)]
#[path = "image_tests.rs"]
mod tests;
