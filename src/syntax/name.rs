//! [`Name`]: the string a syntax item owns — a link's target, a heading's text, a tag — kept
//! inside the item when it is short (up to 22 bytes: most targets, every tag and block id) and
//! in one heap allocation otherwise. A vault keeps millions of them; each heap allocation costs
//! its bytes rounded up plus the allocator's header, so short names inline save both the memory
//! and the allocation.

use std::fmt;
use std::ops::Deref;

/// Bytes a name can hold without a heap allocation: what fits beside a length byte and the
/// variant's tag in 24 bytes, the size of a `String`.
const INLINE: usize = 22;

/// An immutable string, inline when short. Reads as a `&str` (`Deref`); compares, orders,
/// hashes, prints and serialises as one.
#[derive(Clone)]
pub struct Name(Repr);

#[derive(Clone)]
enum Repr {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<str>),
}

impl Name {
    pub fn new(s: &str) -> Name {
        if s.len() <= INLINE {
            let mut bytes = [0; INLINE];
            bytes[..s.len()].copy_from_slice(s.as_bytes());
            Name(Repr::Inline {
                len: s.len() as u8,
                bytes,
            })
        } else {
            Name(Repr::Heap(s.into()))
        }
    }

    /// `s` with its ASCII letters in lower case (other bytes as they are): inline when short,
    /// without the `String` that lowering it first takes.
    pub fn ascii_lowercase(s: &str) -> Name {
        let mut name = Name::new(s);
        match &mut name.0 {
            Repr::Inline { len, bytes } => bytes[..*len as usize].make_ascii_lowercase(),
            Repr::Heap(s) => s.make_ascii_lowercase(),
        }
        name
    }

    /// The bytes the name keeps on the heap: none when inline.
    pub fn heap_bytes(&self) -> usize {
        match &self.0 {
            Repr::Inline { .. } => 0,
            Repr::Heap(s) => s.len(),
        }
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            // The bytes were copied from a `&str` whole, so they are UTF-8: the check cannot
            // fail (it costs a few nanoseconds on at most 22 bytes, and needs no `unsafe`).
            Repr::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..*len as usize]).unwrap_or_default()
            }
            Repr::Heap(s) => s,
        }
    }

    /// The name's bytes, without the UTF-8 check of [`Name::as_str`]: what comparing and
    /// ordering need (they order as the strings do), and they run many times per name in a
    /// sort or a tree (sorting 100,000 names spent most of its time checking).
    pub(super) fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, bytes } => &bytes[..*len as usize],
            Repr::Heap(s) => s.as_bytes(),
        }
    }
}

impl Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for Name {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Name {
        Name::new(s)
    }
}

impl From<String> for Name {
    fn from(s: String) -> Name {
        if s.len() <= INLINE {
            Name::new(&s)
        } else {
            Name(Repr::Heap(s.into_boxed_str()))
        }
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Name {}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Name) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Name {
    fn cmp(&self, other: &Name) -> std::cmp::Ordering {
        // Byte order is `str`'s order.
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl std::hash::Hash for Name {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl serde::Serialize for Name {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // postcard writes a string and bytes alike (their length, then the bytes): as bytes, a
        // name is packed without [`Name::as_str`]'s UTF-8 check (every note's parse packs its
        // headings, tags and frontmatter). Reading back checks them, as a string.
        match serializer.is_human_readable() {
            true => serializer.serialize_str(self.as_str()),
            false => serializer.serialize_bytes(self.as_bytes()),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Name {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Name, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Name;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Name, E> {
                Ok(Name::new(s))
            }
            fn visit_string<E: serde::de::Error>(self, s: String) -> Result<Name, E> {
                Ok(Name::from(s))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_packs_as_its_string_does_and_reads_back_whole() {
        for s in [
            "",
            "tag",
            "a heading longer than twenty-two bytes",
            "東京 café",
        ] {
            let packed = postcard::to_allocvec(&Name::new(s)).unwrap();
            assert_eq!(packed, postcard::to_allocvec(s).unwrap());
            assert_eq!(postcard::from_bytes::<Name>(&packed).unwrap(), s);
            assert_eq!(
                serde_json::to_string(&Name::new(s)).unwrap(),
                serde_json::to_string(s).unwrap()
            );
        }
        // Bytes that are not UTF-8 do not read back as a name.
        assert!(postcard::from_bytes::<Name>(&[2, 0xc3, 0x28]).is_err());
    }

    #[test]
    fn a_name_reads_back_what_it_was_made_of_inline_or_not() {
        for s in [
            "",
            "a",
            "block0",
            "東京 café über 12",
            &"x".repeat(22),
            &"y".repeat(23),
        ] {
            let name = Name::from(s);
            assert_eq!(&*name, s);
            assert_eq!(Name::from(s.to_string()), name);
            assert_eq!(format!("{name:?}"), format!("{s:?}"));
            let bytes = postcard::to_allocvec(&name).expect("serialises");
            assert_eq!(
                postcard::from_bytes::<Name>(&bytes).expect("reads back"),
                name
            );
        }
        // 22 bytes of text is the most kept inline; a multi-byte character is never split.
        assert!(matches!(Name::from("x".repeat(22)).0, Repr::Inline { .. }));
        assert!(matches!(Name::from("x".repeat(23)).0, Repr::Heap(_)));
        assert!(matches!(Name::from("東京東京東京東京").0, Repr::Heap(_)));
    }

    #[test]
    fn a_name_is_the_size_of_a_string_and_its_option_no_larger() {
        assert_eq!(size_of::<Name>(), 24);
        assert_eq!(size_of::<Option<Name>>(), 24);
    }

    #[test]
    fn names_order_and_compare_as_their_text() {
        let long_e = "é".repeat(12);
        let mut names: Vec<Name> = ["é", "b", &"a".repeat(30), "z", &long_e, "a", "ä"]
            .map(Name::from)
            .to_vec();
        names.sort();
        let sorted: Vec<&str> = names.iter().map(|n| &**n).collect();
        let mut strings = sorted.clone();
        strings.sort();
        assert_eq!(sorted, strings);
        assert_eq!(sorted, ["a", &"a".repeat(30), "b", "z", "ä", "é", &long_e]);
        let tag = Name::from("tag");
        assert!(tag == "tag");
        let (inline, heap) = (Name::from("é"), Name::from(long_e.as_str()));
        assert!(tag != "tags" && inline != heap && heap == Name::from(long_e.clone()));
    }
}
