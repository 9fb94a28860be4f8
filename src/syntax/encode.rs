//! [`Encode`]: the parts a [`super::Packed`] keeps, written in postcard's encoding by hand.
//! Packing runs for every note parsed, and serde's postcard serialiser, field by field through
//! its flavour, was a twentieth of the parse. Read back by postcard as ever: a test checks
//! every type against postcard's own bytes.

use super::frontmatter::{Frontmatter, Property, Shape};
use super::{BlockId, Heading, InlineField, Name, Span, Tag};

/// A value written as postcard writes it.
pub(super) trait Encode {
    fn encode(&self, out: &mut Vec<u8>);
}

/// A varint: 7 bits a byte, least significant first (postcard's for every integer wider than
/// a byte, and for lengths).
fn varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push(value as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// `bytes` after their length, as postcard writes bytes and strings (and as a pack's parts
/// are laid out).
pub(super) fn prefixed(out: &mut Vec<u8>, bytes: &[u8]) {
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

impl Encode for u32 {
    fn encode(&self, out: &mut Vec<u8>) {
        varint(out, u64::from(*self));
    }
}

impl Encode for Span {
    fn encode(&self, out: &mut Vec<u8>) {
        self.start.encode(out);
        self.end.encode(out);
    }
}

/// As bytes (postcard writes bytes and a string alike): its length, then them.
impl Encode for Name {
    fn encode(&self, out: &mut Vec<u8>) {
        prefixed(out, self.as_bytes());
    }
}

impl<T: Encode> Encode for [T] {
    fn encode(&self, out: &mut Vec<u8>) {
        varint(out, self.len() as u64);
        for item in self {
            item.encode(out);
        }
    }
}

impl<T: Encode> Encode for Option<T> {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            None => out.push(0),
            Some(value) => {
                out.push(1);
                value.encode(out);
            }
        }
    }
}

impl<T: Encode + ?Sized> Encode for &T {
    fn encode(&self, out: &mut Vec<u8>) {
        (**self).encode(out);
    }
}

impl<A: Encode, B: Encode> Encode for (A, B) {
    fn encode(&self, out: &mut Vec<u8>) {
        self.0.encode(out);
        self.1.encode(out);
    }
}

impl Encode for Heading {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.level);
        self.text.encode(out);
        self.span.encode(out);
        self.text_start.encode(out);
    }
}

impl Encode for Tag {
    fn encode(&self, out: &mut Vec<u8>) {
        self.name.encode(out);
        self.span.encode(out);
    }
}

impl Encode for BlockId {
    fn encode(&self, out: &mut Vec<u8>) {
        self.id.encode(out);
        self.span.encode(out);
        self.block.encode(out);
    }
}

impl Encode for InlineField {
    fn encode(&self, out: &mut Vec<u8>) {
        self.key.encode(out);
        self.key_span.encode(out);
        self.value_span.encode(out);
    }
}

impl Encode for Frontmatter {
    fn encode(&self, out: &mut Vec<u8>) {
        self.span.encode(out);
        self.content.encode(out);
        self.properties.encode(out);
        out.push(u8::from(self.valid));
    }
}

impl Encode for Property {
    fn encode(&self, out: &mut Vec<u8>) {
        self.key.encode(out);
        self.key_span.encode(out);
        // A unit variant: its index.
        let shape = match self.shape {
            Shape::Scalar => 0u32,
            Shape::List => 1,
            Shape::Other => 2,
        };
        shape.encode(out);
        self.values.encode(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded<T: Encode + ?Sized>(value: &T) -> Vec<u8> {
        let mut out = Vec::new();
        value.encode(&mut out);
        out
    }

    /// Every part, with lengths and offsets across varint widths, names inline and on the heap
    /// and not ASCII, and each frontmatter shape: the bytes postcard writes, byte for byte.
    #[test]
    fn every_part_encodes_as_postcard_encodes_it() {
        let spans = [
            Span::new(0, 0),
            Span::new(127, 128),
            Span::new(16_383, 16_384),
            Span::new(2_097_151, u32::MAX as usize),
        ];
        let long = "a heading longer than any name kept inline, ü and 日本".repeat(5);
        let names: Vec<Name> = ["", "tag", "über/日本", &long[..]]
            .into_iter()
            .map(Name::from)
            .collect();
        let headings: Vec<Heading> = (names.iter().zip(spans.iter().cycle()).enumerate())
            .map(|(i, (text, &span))| Heading {
                level: i as u8 % 6 + 1,
                text: text.clone(),
                span,
                text_start: span.end,
            })
            .collect();
        assert_eq!(
            encoded(&headings[..]),
            postcard::to_allocvec(&headings).unwrap()
        );
        let tags: Vec<Tag> = (names.iter().zip(spans.iter().rev().cycle()))
            .map(|(name, &span)| Tag {
                name: name.clone(),
                span,
            })
            .collect();
        assert_eq!(encoded(&tags[..]), postcard::to_allocvec(&tags).unwrap());
        let blocks: Vec<BlockId> = (names.iter().zip(spans.iter().cycle()))
            .map(|(id, &span)| BlockId {
                id: id.clone(),
                span,
                block: spans[3],
            })
            .collect();
        assert_eq!(
            encoded(&blocks[..]),
            postcard::to_allocvec(&blocks).unwrap()
        );
        let fields: Vec<InlineField> = (names.iter().zip(spans.iter().cycle()))
            .map(|(key, &span)| InlineField {
                key: key.clone(),
                key_span: span,
                value_span: spans[1],
            })
            .collect();
        assert_eq!(
            encoded(&fields[..]),
            postcard::to_allocvec(&fields).unwrap()
        );
        let values: Box<[(Name, Span)]> = names.iter().cloned().zip(spans).collect();
        let properties = [Shape::Scalar, Shape::List, Shape::Other]
            .into_iter()
            .zip(names.iter())
            .map(|(shape, key)| Property {
                key: key.clone(),
                key_span: spans[2],
                shape,
                values: values.clone(),
            })
            .collect();
        for valid in [true, false] {
            let fm = Frontmatter {
                span: spans[3],
                content: spans[1],
                properties: Box::clone(&properties),
                valid,
            };
            let some = Some(&fm);
            assert_eq!(encoded(&some), postcard::to_allocvec(&some).unwrap());
        }
        let none: Option<&Frontmatter> = None;
        assert_eq!(encoded(&none), postcard::to_allocvec(&none).unwrap());
        let empty: [Tag; 0] = [];
        assert_eq!(
            encoded(&empty[..]),
            postcard::to_allocvec(&empty[..]).unwrap()
        );
    }
}
