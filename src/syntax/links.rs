//! A link as a parse holds it ([`Link`], its rarely set parts boxed), and reading one link's
//! parts — target, `#fragment`, `|alias` — out of the exact text that pulldown-cmark (or the
//! frontmatter scan) found to be a link.

use super::place::{Place, Placed};
use super::trim::trim;
use super::{Fragment, LinkKind, Name, Span};

/// One reference from a note to another note, an attachment, or a place in the same note.
///
/// A vault holds hundreds of thousands of links, most of them a plain `[[Target]]`: what only
/// some links have — a fragment, an alias, the field they are the value of — sits in one box
/// (`Extras`), allocated only for a link that has one of them, so that a plain link costs
/// 56 bytes, not 128; and the box is as small as the one part a link has ([`LinkExtras`] is
/// boxed whole only for a link with several). Read them with [`Link::fragment`], [`Link::alias`]… and set them with
/// [`Link::set_fragment`], [`Link::set_alias`]…, which keep the box absent when it would be
/// empty (so that equal links compare equal).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Link {
    pub kind: LinkKind,
    pub embed: bool,
    pub in_frontmatter: bool,
    /// The whole link, brackets included.
    pub span: Span,
    /// The target as the user wrote it (percent-decoded for markdown links, `<>` removed).
    /// Empty for same-note links such as `[[#Heading]]` or `[x](#heading)`.
    pub target: Name,
    /// Where the target text sits; an empty span right after `[[` for same-note links.
    pub target_span: Span,
    pub(super) extras: Option<Box<Extras>>,
    /// Where the link starts as an editor counts it, set by the parse (see [`Place`]).
    pub(super) place: Place,
}

/// The parts of a [`Link`] that most links lack, in the smallest form that holds those it has:
/// one alias (a markdown link's text, a wikilink's `|alias`), one field, or one fragment with
/// its span — 32 bytes — and all of them ([`LinkExtras`], 88 bytes, boxed again) only for a link
/// with more than one. Always made by [`Extras::of`], so equal parts have equal forms.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(super) enum Extras {
    Alias(Name),
    Field(Name),
    Fragment(Fragment, MaybeSpan),
    All(Box<LinkExtras>),
}

/// An `Option<Span>` in a span's 8 bytes: no span is a start past its end that no parse makes
/// ([`MaybeSpan::NONE`]). An `Option<Span>` takes 12, and made `Extras` 40 bytes: 48 as the
/// allocator rounds, for the fragments of a third of a dense vault's links.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub(super) struct MaybeSpan(Span);

impl MaybeSpan {
    const NONE: Span = Span {
        start: u32::MAX,
        end: 0,
    };

    fn of(span: Option<Span>) -> MaybeSpan {
        MaybeSpan(span.unwrap_or(MaybeSpan::NONE))
    }

    fn get(self) -> Option<Span> {
        (self.0 != MaybeSpan::NONE).then_some(self.0)
    }
}

impl Extras {
    /// The smallest form of `all`; `None` when it holds nothing.
    fn of(all: LinkExtras) -> Option<Extras> {
        Some(match all {
            LinkExtras {
                fragment: None,
                fragment_span: None,
                alias: None,
                field: None,
            } => return None,
            LinkExtras {
                fragment: None,
                fragment_span: None,
                alias: Some(alias),
                field: None,
            } => Extras::Alias(alias),
            LinkExtras {
                fragment: None,
                fragment_span: None,
                alias: None,
                field: Some(field),
            } => Extras::Field(field),
            LinkExtras {
                fragment: Some(fragment),
                fragment_span,
                alias: None,
                field: None,
            } => Extras::Fragment(fragment, MaybeSpan::of(fragment_span)),
            all => Extras::All(Box::new(all)),
        })
    }

    fn into_all(self) -> LinkExtras {
        match self {
            Extras::Alias(alias) => LinkExtras {
                alias: Some(alias),
                ..LinkExtras::default()
            },
            Extras::Field(field) => LinkExtras {
                field: Some(field),
                ..LinkExtras::default()
            },
            Extras::Fragment(fragment, fragment_span) => LinkExtras {
                fragment: Some(fragment),
                fragment_span: fragment_span.get(),
                ..LinkExtras::default()
            },
            Extras::All(all) => *all,
        }
    }

    fn fragment(&self) -> Option<&Fragment> {
        match self {
            Extras::Fragment(fragment, _) => Some(fragment),
            Extras::All(all) => all.fragment.as_ref(),
            _ => None,
        }
    }

    fn fragment_span(&self) -> Option<Span> {
        match self {
            Extras::Fragment(_, span) => span.get(),
            Extras::All(all) => all.fragment_span,
            _ => None,
        }
    }

    fn alias(&self) -> Option<&Name> {
        match self {
            Extras::Alias(alias) => Some(alias),
            Extras::All(all) => all.alias.as_ref(),
            _ => None,
        }
    }

    fn field(&self) -> Option<&Name> {
        match self {
            Extras::Field(field) => Some(field),
            Extras::All(all) => all.field.as_ref(),
            _ => None,
        }
    }
}

/// The parts of a [`Link`] that most links lack, all of them (see `Extras`).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LinkExtras {
    pub fragment: Option<Fragment>,
    /// The text after the first `#`, without the `#` itself.
    pub fragment_span: Option<Span>,
    /// The display text: after `|` for wikilinks, between the brackets for markdown links.
    pub alias: Option<Name>,
    /// The inline field (`key:: [[T]]`) or frontmatter key (`up: "[[T]]"`) the link is the value of.
    pub field: Option<Name>,
}

impl Link {
    /// A link with no fragment, alias or field, outside the frontmatter.
    pub fn new(kind: LinkKind, embed: bool, span: Span, target: Name, target_span: Span) -> Link {
        Link {
            kind,
            embed,
            in_frontmatter: false,
            span,
            target,
            target_span,
            extras: None,
            place: Place::UNKNOWN,
        }
    }

    /// Where the link starts (line and byte column) and whether its line is ASCII up to its end,
    /// as kept by the parse of the note's text: `None` for a link the parse did not place (one
    /// across lines, or on a line too long or too far down), whose position is read from the
    /// text.
    pub fn place(&self) -> Option<Placed> {
        self.place.get()
    }

    /// What the link names inside its target, after the `#`.
    pub fn fragment(&self) -> Option<&Fragment> {
        self.extras.as_ref()?.fragment()
    }

    /// The text after the first `#`, without the `#` itself.
    pub fn fragment_span(&self) -> Option<Span> {
        self.extras.as_ref()?.fragment_span()
    }

    /// The display text: after `|` for wikilinks, between the brackets for markdown links.
    pub fn alias(&self) -> Option<&Name> {
        self.extras.as_ref()?.alias()
    }

    /// The inline field (`key:: [[T]]`) or frontmatter key (`up: "[[T]]"`) the link is the
    /// value of.
    pub fn field(&self) -> Option<&Name> {
        self.extras.as_ref()?.field()
    }

    /// The fragment and the span of its text.
    pub fn set_fragment(&mut self, fragment: Option<Fragment>, span: Option<Span>) {
        self.change(|e| {
            e.fragment = fragment;
            e.fragment_span = span;
        });
    }

    /// The fragment with its text's span, and the alias, set at once on a link that has
    /// neither (nor a field): the parse's case, one form chosen and at most one box made where
    /// setting each in turn took the extras apart and put them together again.
    pub(super) fn set_fragment_and_alias(
        &mut self,
        fragment: Option<Fragment>,
        fragment_span: Option<Span>,
        alias: Option<Name>,
    ) {
        debug_assert!(self.extras.is_none(), "set on a new link");
        self.extras = Extras::of(LinkExtras {
            fragment,
            fragment_span,
            alias,
            field: None,
        })
        .map(Box::new);
    }

    /// Only the fragment's span (a reference definition's destination, read again).
    pub fn set_fragment_span(&mut self, span: Option<Span>) {
        self.change(|e| e.fragment_span = span);
    }

    pub fn set_alias(&mut self, alias: Option<Name>) {
        self.change(|e| e.alias = alias);
    }

    pub fn set_field(&mut self, field: Option<Name>) {
        self.change(|e| e.field = field);
    }

    /// Take the field out of the link, leaving it without one.
    pub fn take_field(&mut self) -> Option<Name> {
        let mut field = None;
        self.change(|e| field = e.field.take());
        field
    }

    /// Change the extras, boxing them only while one is set, in their smallest form.
    fn change(&mut self, f: impl FnOnce(&mut LinkExtras)) {
        // On the stack: setting nothing on a plain link allocates nothing, and a link's box
        // (of one size whatever its form) is used again for its new form.
        let mut all = match self.extras.as_deref_mut() {
            Some(extras) => std::mem::replace(extras, Extras::Field(Name::new(""))).into_all(),
            None => LinkExtras::default(),
        };
        f(&mut all);
        match (Extras::of(all), &mut self.extras) {
            (None, slot) => *slot = None,
            (Some(extras), Some(slot)) => **slot = extras,
            (Some(extras), slot @ None) => *slot = Some(Box::new(extras)),
        }
    }

    /// Heap bytes of the link's extras as boxed (for the memory breakdown): the box, and the
    /// second box of a link with several.
    pub fn extras_heap(&self) -> usize {
        match self.extras.as_deref() {
            None => 0,
            Some(Extras::All(_)) => {
                std::mem::size_of::<Extras>() + std::mem::size_of::<LinkExtras>()
            }
            Some(_) => std::mem::size_of::<Extras>(),
        }
    }

    /// Whether the link points into its own note (`[[#H]]`, `[[#^b]]`, `[x](#h)`).
    pub fn is_same_note(&self) -> bool {
        self.target.is_empty()
    }
}

/// The bytes the pass over a wikilink's inside looks at: line ends, `|` and `#`.
const WIKILINK_STOPS: [bool; 256] = {
    let mut stops = [false; 256];
    stops[b'\n' as usize] = true;
    stops[b'\r' as usize] = true;
    stops[b'|' as usize] = true;
    stops[b'#' as usize] = true;
    stops
};

/// Parse `[[…]]` or `![[…]]` at `span`.
pub(super) fn parse_wikilink(text: &str, span: Span) -> Option<Link> {
    let raw = &text[span.range()];
    let embed = raw.starts_with('!');
    let open = span.start() + if embed { 3 } else { 2 };
    if !raw.ends_with("]]") || span.end() < open + 2 {
        return None;
    }
    let close = span.end() - 2;
    let inner = &text[open..close];
    // One pass over the (short) inner text for its line ends, first `|` and first `#`: three
    // searches, each with its own set-up, were most of this function's time.
    let (mut pipe, mut hash) = (None, None);
    for (i, &b) in inner.as_bytes().iter().enumerate() {
        // Most bytes are none of the four: one look-up passes them (a compare for each of the
        // four was most of this function's time).
        if !WIKILINK_STOPS[b as usize] {
            continue;
        }
        match b {
            // Obsidian ends a wikilink at the line's end: `[[cos⏎mograma]]` is text, not a link.
            b'\n' | b'\r' => return None,
            b'|' if pipe.is_none() => pipe = Some(i),
            b'#' if hash.is_none() => hash = Some(i),
            _ => {}
        }
    }
    // The target's `#`: the first, unless it comes after the `|` (in the alias).
    let hash = hash.filter(|&h| pipe.is_none_or(|p| h < p));

    let (target_part, alias) = match pipe {
        Some(pipe) => {
            // In tables Obsidian writes `[[T\|alias]]`.
            let target_part = inner[..pipe].strip_suffix('\\').unwrap_or(&inner[..pipe]);
            (target_part, Some(trim(&inner[pipe + 1..]).into()))
        }
        None => (inner, None),
    };
    let (target_raw, fragment_raw) = match hash {
        Some(hash) => (
            &target_part[..hash],
            Some((open + hash + 1, &target_part[hash + 1..])),
        ),
        None => (target_part, None),
    };
    let target = trim(target_raw);
    let lead = if target.len() == target_raw.len() {
        0
    } else {
        target_raw.len() - target_raw.trim_start().len()
    };
    let target_span = Span::new(open + lead, open + lead + target.len());

    let fragment = fragment_raw.and_then(|(_, frag)| parse_fragment(frag));
    if target.is_empty() && fragment.is_none() {
        return None;
    }
    let mut link = Link::new(LinkKind::Wiki, embed, span, target.into(), target_span);
    let fragment_span = fragment_raw.map(|(start, frag)| Span::new(start, start + frag.len()));
    link.set_fragment_and_alias(fragment, fragment_span, alias);
    Some(link)
}

/// `H1#H2` → nested headings, `^id` → block.
fn parse_fragment(frag: &str) -> Option<Fragment> {
    let frag = trim(frag);
    if let Some(id) = frag.strip_prefix('^') {
        let id = trim(id);
        return (!id.is_empty()).then(|| Fragment::Block(id.into()));
    }
    // Most name one heading: no list to build and shrink.
    if !frag.contains('#') {
        return (!frag.is_empty()).then(|| Fragment::Heading(Box::new([Name::from(frag)])));
    }
    let path: Box<[Name]> = frag
        .split('#')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(Name::from)
        .collect();
    (!path.is_empty()).then_some(Fragment::Heading(path))
}

/// Whether a destination names something outside the vault (`https:`, `mailto:`, `obsidian:`…).
fn has_scheme(dest: &str) -> bool {
    let Some(colon) = dest.find(':') else {
        return false;
    };
    let scheme = &dest[..colon];
    // A single letter is a Windows drive (`C:\…`), still a path.
    scheme.len() > 1
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// `s` percent-decoded: borrowed when it holds no escape (most paths), not copied. A `%` not
/// followed by two hex digits stays as it is; bytes that decode to no UTF-8 become U+FFFD.
/// (In one pass: `percent_encoding`'s decoder, byte by byte through an iterator and then a
/// second pass to check the UTF-8, was most of a markdown link's parse.)
fn decode(s: &str) -> std::borrow::Cow<'_, str> {
    let bytes = s.as_bytes();
    let Some(first) = memchr::memchr(b'%', bytes) else {
        return std::borrow::Cow::Borrowed(s);
    };
    let hex = |b: Option<&u8>| match b? {
        b @ b'0'..=b'9' => Some(b - b'0'),
        b @ b'a'..=b'f' => Some(b - b'a' + 10),
        b @ b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    };
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..first]);
    // At each `%`: its escape decoded (or the `%` kept), then the run up to the next copied.
    let mut i = first;
    while i < bytes.len() {
        match (hex(bytes.get(i + 1)), hex(bytes.get(i + 2))) {
            (Some(high), Some(low)) => {
                out.push(high << 4 | low);
                i += 3;
            }
            _ => {
                out.push(b'%');
                i += 1;
            }
        }
        let next = memchr::memchr(b'%', &bytes[i..]).map_or(bytes.len(), |n| i + n);
        out.extend_from_slice(&bytes[i..next]);
        i = next;
    }
    match String::from_utf8(out) {
        Ok(decoded) => std::borrow::Cow::Owned(decoded),
        Err(e) => std::borrow::Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

/// Parse `[text](dest)`, `![alt](dest)` or a reference-style link at `span`, whose destination
/// pulldown-cmark already unescaped into `dest`.
/// A markdown link's text longer than this is not kept as its alias. Links nest (`![![![x](y)](y)](y)`),
/// and copying each one's whole text made such a note quadratic in time and memory.
const MAX_LINK_TEXT: usize = 1024;

fn link_text(text: &str) -> Option<Name> {
    (text.len() <= MAX_LINK_TEXT).then(|| text.into())
}

pub(super) fn parse_markdown_link(
    text: &str,
    span: Span,
    dest: &str,
    inline: bool,
    embed: bool,
) -> Option<Link> {
    let dest = trim(dest);
    if dest.is_empty() || has_scheme(dest) || dest.starts_with("//") {
        return None;
    }
    let raw = &text[span.range()];
    let (path, frag) = match dest.find('#') {
        Some(hash) => (&dest[..hash], Some(&dest[hash + 1..])),
        None => (dest, None),
    };
    let target = decode(path);
    let fragment = frag.and_then(|f| {
        let f = decode(f);
        match f.strip_prefix('^') {
            Some(id) if !id.is_empty() => Some(Fragment::Block(id.into())),
            _ if f.trim().is_empty() => None,
            _ => Some(Fragment::Heading(Box::new([f.trim().into()]))),
        }
    });
    if target.is_empty() && fragment.is_none() {
        return None;
    }

    // Find the destination in the source to give the target its own span; reference-style links
    // keep their destination elsewhere, so their target span is the whole link.
    let text_start = span.start() + if embed { 2 } else { 1 };
    let mut target_span = span;
    let mut fragment_span = None;
    let mut alias = None;
    if inline {
        if let Some(mid) = raw.rfind("](") {
            alias = link_text(&text[text_start..span.start() + mid]);
            let after = span.start() + mid + 2;
            let rest = &text[after..span.end()];
            let lead = rest.len() - rest.trim_start().len();
            let dest_start = after + lead;
            let (inner_start, inner_len) = if rest[lead..].starts_with('<') {
                let len = rest[lead + 1..].find('>').unwrap_or(0);
                (dest_start + 1, len)
            } else {
                let len = rest[lead..]
                    .find(|c: char| c.is_whitespace())
                    .unwrap_or(rest.len() - lead - 1)
                    .min(rest.len() - lead - 1);
                (dest_start, len)
            };
            let raw_dest = &text[inner_start..inner_start + inner_len];
            let path_len = raw_dest.find('#').unwrap_or(raw_dest.len());
            target_span = Span::new(inner_start, inner_start + path_len);
            if path_len < raw_dest.len() {
                fragment_span = Some(Span::new(
                    inner_start + path_len + 1,
                    inner_start + raw_dest.len(),
                ));
            }
        }
    } else if let Some(close) = raw.find(']') {
        alias = link_text(&text[text_start..span.start() + close]);
    }
    let mut link = Link::new(
        LinkKind::Markdown,
        embed,
        span,
        (*target).into(),
        target_span,
    );
    link.set_fragment_and_alias(fragment, fragment_span, alias);
    Some(link)
}

/// Parse a link reference definition `[label]: dest "title"` at `span`.
pub(super) fn parse_link_definition(text: &str, span: Span, dest: &str) -> Option<Link> {
    let raw = &text[span.range()];
    let colon = raw.find("]:")?;
    let label: Name = raw[1..colon].into();
    let after = span.start() + colon + 2;
    let mut link = parse_markdown_link(text, span, dest, false, false)?;
    let rest = &text[after..span.end()];
    let lead = rest.len() - rest.trim_start().len();
    let dest_start = after + lead;
    let (inner_start, inner_len) = if rest[lead..].starts_with('<') {
        (dest_start + 1, rest[lead + 1..].find('>').unwrap_or(0))
    } else {
        (
            dest_start,
            rest[lead..]
                .find(char::is_whitespace)
                .unwrap_or(rest.len() - lead),
        )
    };
    let raw_dest = &text[inner_start..inner_start + inner_len];
    let path_len = raw_dest.find('#').unwrap_or(raw_dest.len());
    link.target_span = Span::new(inner_start, inner_start + path_len);
    link.set_fragment_span(
        (path_len < raw_dest.len())
            .then(|| Span::new(inner_start + path_len + 1, inner_start + raw_dest.len())),
    );
    link.set_alias(Some(label));
    Some(link)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-pass decoder gives what `percent_encoding` gives: escapes decoded, a `%` without
    /// two hex digits kept, bytes that are not UTF-8 replaced, text without `%` borrowed.
    #[test]
    fn decode_agrees_with_percent_encoding() {
        let paths = [
            "",
            "plain/path.md",
            "a%20b.md",
            "%E4%B8%AD%E6%96%87%20outline.md",
            "100%",
            "100%.md",
            "%2",
            "%zz%41",
            "%%41",
            "%ff%fe.md",
            "caf%C3%A9",
            "caf%C3",
            "%41%42%43",
            "é%20é",
        ];
        for path in paths {
            let expected = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
            assert_eq!(decode(path), expected, "{path:?}");
        }
        assert!(matches!(
            decode("no/escape.md"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
