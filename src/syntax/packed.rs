//! [`Packed`]: a parse's headings, tags, block ids, inline fields and frontmatter, kept encoded
//! (postcard) and decoded when a feature reads them. A vault keeps every note's parse for the
//! session, and features read these lists one note at a time (the note hovered, the target of
//! a link, the note renamed); as structs they took ~37 MB of a dense 50k vault's heap, encoded
//! ~10 MB. Links stay structs: references and diagnostics read thousands of notes' links at once.

use super::encode::{Encode, prefixed};
use super::{BlockId, Heading, InlineField, Tag, frontmatter::Frontmatter};

/// The five parts, each a postcard encoding after its length (a varint); a part left empty is
/// its length, 0, alone, and a note with all five empty holds no allocation at all. Then two
/// parts read without decoding the frontmatter, which the index asks of every note as it files
/// it: the aliases (each after its length, split as [`Frontmatter::aliases`] splits them) and
/// the citation key (its bytes).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Packed(Box<[u8]>);

/// Which part, in the order they are packed.
#[derive(Clone, Copy)]
enum Part {
    Headings = 0,
    Tags = 1,
    Blocks = 2,
    Fields = 3,
    Frontmatter = 4,
    Aliases = 5,
    Citekey = 6,
}

/// How many parts a pack holds.
const PARTS: usize = 7;

/// The parts decoded ([`Packed::unpack`]).
pub struct Unpacked {
    pub headings: Vec<Heading>,
    pub tags: Vec<Tag>,
    pub blocks: Vec<BlockId>,
    pub fields: Vec<InlineField>,
    pub frontmatter: Option<Frontmatter>,
}

/// The parts as structs, to pack them.
pub struct Parts<'a> {
    pub frontmatter: Option<&'a Frontmatter>,
    pub headings: &'a [Heading],
    pub tags: &'a [Tag],
    pub blocks: &'a [BlockId],
    pub fields: &'a [InlineField],
}

impl Packed {
    /// Never inlined: the parse's body, into which it was, ran its event loop slower (the
    /// parse of a dense 50k vault, `examples/memory`: 49–50% of pulldown-cmark's speed
    /// inlined, 52% not).
    #[inline(never)]
    pub fn pack(parts: Parts<'_>) -> Packed {
        let Parts {
            frontmatter,
            headings,
            tags,
            blocks,
            fields,
        } = parts;
        if frontmatter.is_none()
            && headings.is_empty()
            && tags.is_empty()
            && blocks.is_empty()
            && fields.is_empty()
        {
            return Packed::default();
        }
        // Packed in buffers kept by the thread, then copied once into a block of exactly the
        // pack's length: a `Vec` grown as it is written reallocates several times a note.
        thread_local! {
            static SCRATCH: std::cell::RefCell<(Vec<u8>, Vec<u8>)> = Default::default();
        }
        let packed = SCRATCH.with_borrow_mut(|(out, part)| {
            out.clear();
            put(out, part, headings, headings.is_empty());
            put(out, part, tags, tags.is_empty());
            put(out, part, blocks, blocks.is_empty());
            put(out, part, fields, fields.is_empty());
            put(out, part, &frontmatter, frontmatter.is_none());
            part.clear();
            for (alias, _) in frontmatter.iter().flat_map(|fm| fm.aliases()) {
                prefixed(part, alias.as_bytes());
            }
            prefixed(out, part);
            let citekey = frontmatter.and_then(|fm| fm.citekey());
            prefixed(out, citekey.map_or(&[][..], |key| key.as_bytes()));
            let packed = Packed(out.as_slice().into());
            // A note of megabytes leaves its buffers to be freed, not kept for the thread.
            if out.capacity() > 1 << 16 {
                *out = Vec::new();
                *part = Vec::new();
            }
            packed
        });
        // The parts are written by hand in postcard's encoding (`encode.rs`) and read back by
        // postcard: in debug builds (the tests, the fuzzer) every pack is read back and
        // compared with what was packed.
        #[cfg(debug_assertions)]
        packed.assert_unpacks_to(frontmatter, headings, tags, blocks, fields);
        packed
    }

    /// Panics unless this pack reads back whole as these parts.
    #[cfg(debug_assertions)]
    fn assert_unpacks_to(
        &self,
        frontmatter: Option<&Frontmatter>,
        headings: &[Heading],
        tags: &[Tag],
        blocks: &[BlockId],
        fields: &[InlineField],
    ) {
        let back = self.unpack().expect("a pack reads back whole");
        assert_eq!(
            back.frontmatter.as_ref(),
            frontmatter,
            "frontmatter read back"
        );
        assert_eq!(back.headings, headings, "headings read back");
        assert_eq!(back.tags, tags, "tags read back");
        assert_eq!(back.blocks, blocks, "block ids read back");
        assert_eq!(back.fields, fields, "inline fields read back");
    }

    pub fn headings(&self) -> Vec<Heading> {
        self.read(Part::Headings).unwrap_or_default()
    }

    pub fn tags(&self) -> Vec<Tag> {
        self.read(Part::Tags).unwrap_or_default()
    }

    pub fn blocks(&self) -> Vec<BlockId> {
        self.read(Part::Blocks).unwrap_or_default()
    }

    pub fn fields(&self) -> Vec<InlineField> {
        self.read(Part::Fields).unwrap_or_default()
    }

    pub fn frontmatter(&self) -> Option<Frontmatter> {
        self.read::<Option<Frontmatter>>(Part::Frontmatter)
            .flatten()
    }

    /// How many headings there are, and the bytes they take packed (more than their texts'),
    /// without decoding them: postcard writes a list's length first.
    pub fn headings_size(&self) -> (usize, usize) {
        let bytes = self.part(Part::Headings as usize).unwrap_or_default();
        (varint(bytes).map_or(0, |(count, _)| count), bytes.len())
    }

    /// The frontmatter's aliases ([`Frontmatter::aliases`]), without decoding it.
    pub fn aliases(&self) -> Vec<&str> {
        self.part(Part::Aliases as usize)
            .and_then(strings)
            .unwrap_or_default()
    }

    /// The frontmatter's citation key ([`Frontmatter::citekey`]), without decoding it.
    pub fn citekey(&self) -> Option<&str> {
        let bytes = self.part(Part::Citekey as usize)?;
        (!bytes.is_empty()).then(|| std::str::from_utf8(bytes).ok())?
    }

    /// Every part decoded, once each, if every part decodes whole and the aliases and citation
    /// key are the frontmatter's: what a cache read from the disk is checked by before it is
    /// trusted (a part that does not decode would read as empty).
    pub fn unpack(&self) -> Option<Unpacked> {
        fn whole<T: serde::de::DeserializeOwned + Default>(bytes: &[u8]) -> Option<T> {
            match bytes {
                [] => Some(T::default()),
                _ => match postcard::take_from_bytes::<T>(bytes) {
                    Ok((value, [])) => Some(value),
                    _ => None,
                },
            }
        }
        let part = |part: Part| self.part(part as usize);
        let unpacked = Unpacked {
            headings: whole(part(Part::Headings)?)?,
            tags: whole(part(Part::Tags)?)?,
            blocks: whole(part(Part::Blocks)?)?,
            fields: whole(part(Part::Fields)?)?,
            frontmatter: whole(part(Part::Frontmatter)?)?,
        };
        let fm = unpacked.frontmatter.as_ref();
        let aliases = strings(part(Part::Aliases)?)?;
        let same_aliases = (fm.iter().flat_map(|fm| fm.aliases()).map(|(a, _)| a)).eq(aliases);
        let key = fm.and_then(|fm| fm.citekey());
        let same_key = key.map_or(&[][..], |key| key.as_bytes()) == part(Part::Citekey)?;
        let ends = self.part(PARTS).is_none_or(|rest| rest.is_empty());
        (same_aliases && same_key && ends).then_some(unpacked)
    }

    pub fn decodes(&self) -> bool {
        self.unpack().is_some()
    }

    /// The heap bytes this holds.
    pub fn heap_bytes(&self) -> usize {
        self.0.len()
    }

    /// Part `part` decoded; `None` when it is empty (or, for bytes no pack wrote, does not
    /// decode: [`Packed::decodes`] keeps those out of the vault).
    fn read<T: serde::de::DeserializeOwned>(&self, part: Part) -> Option<T> {
        match self.part(part as usize)? {
            [] => None,
            bytes => postcard::from_bytes(bytes).ok(),
        }
    }

    /// The bytes of part `index`: empty for every part of an empty pack; `None` past the end
    /// of bytes no pack wrote.
    fn part(&self, index: usize) -> Option<&[u8]> {
        let mut rest: &[u8] = &self.0;
        if rest.is_empty() {
            return Some(&[]);
        }
        let mut i = 0;
        loop {
            if rest.is_empty() {
                return (i == PARTS).then_some(&[][..]);
            }
            let (len, after) = varint(rest)?;
            let bytes = after.get(..len)?;
            if i == index {
                return Some(bytes);
            }
            rest = &after[len..];
            i += 1;
        }
    }
}

/// Appends `value`'s encoding (postcard's, [`Encode`]) after its length, or a length of 0
/// alone when `empty`.
fn put<T: Encode + ?Sized>(out: &mut Vec<u8>, part: &mut Vec<u8>, value: &T, empty: bool) {
    part.clear();
    if !empty {
        value.encode(part);
    }
    prefixed(out, part);
}

/// The strings of a part of strings each after its length; `None` if the bytes are not that.
fn strings(mut bytes: &[u8]) -> Option<Vec<&str>> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let (len, after) = varint(bytes)?;
        out.push(std::str::from_utf8(after.get(..len)?).ok()?);
        bytes = &after[len..];
    }
    Some(out)
}

/// A length as [`put`] writes it, and the bytes after it.
fn varint(bytes: &[u8]) -> Option<(usize, &[u8])> {
    let mut len = 0usize;
    for (i, &b) in bytes.iter().enumerate().take(5) {
        len |= ((b & 0x7f) as usize) << (7 * i);
        if b & 0x80 == 0 {
            return Some((len, &bytes[i + 1..]));
        }
    }
    None
}

impl serde::Serialize for Packed {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Packed {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Packed, D::Error> {
        struct Bytes;
        impl<'de> serde::de::Visitor<'de> for Bytes {
            type Value = Packed;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a note's packed parts")
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Packed, E> {
                Ok(Packed(v.into()))
            }
            fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Packed, E> {
                Ok(Packed(v.into_boxed_slice()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Packed, A::Error> {
                let mut out = Vec::new();
                while let Some(b) = seq.next_element::<u8>()? {
                    out.push(b);
                }
                Ok(Packed(out.into_boxed_slice()))
            }
        }
        deserializer.deserialize_bytes(Bytes)
    }
}

impl std::fmt::Debug for Packed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Packed")
            .field("headings", &self.headings())
            .field("tags", &self.tags())
            .field("blocks", &self.blocks())
            .field("fields", &self.fields())
            .field("frontmatter", &self.frontmatter())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    #[test]
    fn every_part_reads_back_as_it_was_packed_and_an_empty_pack_allocates_nothing() {
        let text = "---\naliases: [A]\ntags: [t]\n---\n# H\n\n## I\n\npara ^b1\n\nk:: v #x\n";
        let syntax = parse(text);
        let heads = syntax.headings();
        assert_eq!(
            heads.iter().map(|h| h.text.as_str()).collect::<Vec<_>>(),
            ["H", "I"]
        );
        let tags = syntax.tags();
        assert_eq!(
            tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
            ["t", "x"]
        );
        assert_eq!(syntax.blocks()[0].id.as_str(), "b1");
        assert_eq!(syntax.fields()[0].key.as_str(), "k");
        assert_eq!(syntax.aliases(), ["A"]);
        let (count, bytes) = syntax.packed().headings_size();
        assert_eq!(count, 2);
        assert!(bytes >= "HI".len());
        assert_eq!(syntax.citekey(), None);
        let cited = parse("---\naliases: [x, \"y, z\"]\ncitekey: \"@smith2020\"\n---\n");
        assert_eq!(cited.aliases(), ["x", "y, z"]);
        assert_eq!(cited.citekey(), Some("@smith2020"));
        assert!(syntax.packed().decodes());
        assert_eq!(parse("plain text\n").packed().heap_bytes(), 0);
        assert!(parse("plain text\n").packed().decodes());
    }

    #[test]
    fn bytes_no_pack_wrote_do_not_decode_and_read_as_empty() {
        let good = parse("# H\n\n#t\n").packed().clone();
        let mut bytes = good.0.to_vec();
        bytes.truncate(bytes.len() - 1);
        let cut = Packed(bytes.into_boxed_slice());
        assert!(!cut.decodes());
        let mut longer = good.0.to_vec();
        longer.extend_from_slice(&[1, 0]);
        assert!(!Packed(longer.into_boxed_slice()).decodes());
        assert!(!Packed(vec![0xff; 3].into_boxed_slice()).decodes());
        assert!(
            Packed(vec![0xff; 3].into_boxed_slice())
                .headings()
                .is_empty()
        );
    }

    /// A pack's parts laid out again, part `index` replaced by `bytes`.
    fn with_part(packed: &Packed, index: usize, bytes: &[u8]) -> Packed {
        let mut out = Vec::new();
        for i in 0..PARTS {
            let part = if i == index {
                bytes
            } else {
                packed.part(i).unwrap()
            };
            prefixed(&mut out, part);
        }
        Packed(out.into_boxed_slice())
    }

    #[test]
    fn aliases_or_a_citation_key_other_than_the_frontmatter_s_do_not_decode() {
        let syntax = parse("---\naliases: [A, B]\ncitekey: k1\n---\n# H\n");
        let good = syntax.packed();
        assert!(with_part(good, 0, good.part(0).unwrap()).decodes());
        let mut other = Vec::new();
        for alias in ["A", "C"] {
            prefixed(&mut other, alias.as_bytes());
        }
        assert!(!with_part(good, Part::Aliases as usize, &other).decodes());
        assert!(!with_part(good, Part::Aliases as usize, &[]).decodes());
        assert!(!with_part(good, Part::Aliases as usize, &[5, b'A']).decodes());
        assert!(!with_part(good, Part::Citekey as usize, b"k2").decodes());
        assert!(!with_part(good, Part::Citekey as usize, &[]).decodes());
        let plain = parse("# H\n").packed().clone();
        assert!(!with_part(&plain, Part::Citekey as usize, b"k").decodes());
    }
}
