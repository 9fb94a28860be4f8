//! Reading one link's parts — target, `#fragment`, `|alias` — out of the exact text that
//! pulldown-cmark (or the frontmatter scan) found to be a link.

use percent_encoding::percent_decode_str;

use super::{Fragment, Link, LinkKind, Name, Span};

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
    // Obsidian ends a wikilink at the line's end: `[[cos⏎mograma]]` is text, not a link.
    if memchr::memchr2(b'\n', b'\r', inner.as_bytes()).is_some() {
        return None;
    }

    let (target_part, alias) = match inner.find('|') {
        Some(pipe) => {
            // In tables Obsidian writes `[[T\|alias]]`.
            let target_part = inner[..pipe].strip_suffix('\\').unwrap_or(&inner[..pipe]);
            (target_part, Some(inner[pipe + 1..].trim().into()))
        }
        None => (inner, None),
    };
    let (target_raw, fragment_raw) = match target_part.find('#') {
        Some(hash) => (
            &target_part[..hash],
            Some((open + hash + 1, &target_part[hash + 1..])),
        ),
        None => (target_part, None),
    };
    let lead = target_raw.len() - target_raw.trim_start().len();
    let target = target_raw.trim();
    let target_span = Span::new(open + lead, open + lead + target.len());

    let fragment = fragment_raw.and_then(|(_, frag)| parse_fragment(frag));
    if target.is_empty() && fragment.is_none() {
        return None;
    }
    Some(Link {
        kind: LinkKind::Wiki,
        embed,
        span,
        target: target.into(),
        target_span,
        fragment,
        fragment_span: fragment_raw.map(|(start, frag)| Span::new(start, start + frag.len())),
        alias,
        field: None,
        in_frontmatter: false,
    })
}

/// `H1#H2` → nested headings, `^id` → block.
fn parse_fragment(frag: &str) -> Option<Fragment> {
    let frag = frag.trim();
    if let Some(id) = frag.strip_prefix('^') {
        let id = id.trim();
        return (!id.is_empty()).then(|| Fragment::Block(id.into()));
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

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
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
    let dest = dest.trim();
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
    Some(Link {
        kind: LinkKind::Markdown,
        embed,
        span,
        target: target.into(),
        target_span,
        fragment,
        fragment_span,
        alias,
        field: None,
        in_frontmatter: false,
    })
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
    link.fragment_span = (path_len < raw_dest.len())
        .then(|| Span::new(inner_start + path_len + 1, inner_start + raw_dest.len()));
    link.alias = Some(label);
    Some(link)
}
