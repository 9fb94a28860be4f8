//! [`Packed`]: a parse's headings, tags, block ids, inline fields and frontmatter, kept encoded
//! (postcard) and decoded when a feature reads them. A vault keeps every note's parse for the
//! session, and features read these lists one note at a time (the note hovered, the target of
//! a link, the note renamed); as structs they took ~37 MB of a dense 50k vault's heap, encoded
//! ~10 MB. Links stay structs: references and diagnostics read thousands of notes' links at once.

use super::{BlockId, Heading, InlineField, Tag, frontmatter::Frontmatter};

/// The five parts, each a postcard encoding after its length (a varint); a part left empty is
/// its length, 0, alone, and a note with all five empty holds no allocation at all.
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
        SCRATCH.with_borrow_mut(|(out, part)| {
            out.clear();
            put(out, part, headings, headings.is_empty());
            put(out, part, tags, tags.is_empty());
            put(out, part, blocks, blocks.is_empty());
            put(out, part, fields, fields.is_empty());
            put(out, part, &frontmatter, frontmatter.is_none());
            let packed = Packed(out.as_slice().into());
            // A note of megabytes leaves its buffers to be freed, not kept for the thread.
            if out.capacity() > 1 << 16 {
                *out = Vec::new();
                *part = Vec::new();
            }
            packed
        })
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

    /// Whether every part decodes: what a cache read from the disk is checked for before it
    /// is trusted (a part that does not decode would read as empty).
    pub fn decodes(&self) -> bool {
        (0..5).all(|i| match self.part(i) {
            None => false,
            Some([]) => true,
            Some(bytes) => match i {
                0 => whole::<Vec<Heading>>(bytes),
                1 => whole::<Vec<Tag>>(bytes),
                2 => whole::<Vec<BlockId>>(bytes),
                3 => whole::<Vec<InlineField>>(bytes),
                _ => whole::<Option<Frontmatter>>(bytes),
            },
        }) && self.part(5).is_none_or(|rest| rest.is_empty())
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
                return (i == 5).then_some(&[][..]);
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

/// Appends `value`'s encoding after its length, or a length of 0 alone when `empty`.
fn put<T: serde::Serialize + ?Sized>(
    out: &mut Vec<u8>,
    part: &mut Vec<u8>,
    value: &T,
    empty: bool,
) {
    part.clear();
    if !empty {
        // Writing into a `Vec` fails only when memory does, which aborts first.
        *part = postcard::to_extend(value, std::mem::take(part)).unwrap_or_default();
    }
    let mut len = part.len();
    loop {
        let byte = (len & 0x7f) as u8;
        len >>= 7;
        if len == 0 {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    }
    out.extend_from_slice(part);
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

/// Whether `bytes` are exactly one `T`.
fn whole<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> bool {
    postcard::take_from_bytes::<T>(bytes).is_ok_and(|(_, rest)| rest.is_empty())
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
}
