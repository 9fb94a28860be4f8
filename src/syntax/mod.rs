//! Syntax layer: parse one note's text into [`NoteSyntax`] — links, headings, tags, block ids,
//! frontmatter and inline fields, each with its exact byte range. Pure: no I/O, no LSP types.

mod brackets;
mod breaks;
pub use brackets::{cmark_text, hide_idle_brackets};
mod citations;
pub mod dendron;
mod draft;
mod encode;
pub mod exact;
mod frontmatter;
mod inline;
pub use inline::is_tag_char;
mod links;
pub use links::{Link, LinkExtras};
mod name;
pub use name::Name;
mod packed;
pub use packed::{Packed, Parts, Unpacked};
mod place;
mod trim;
pub use place::Placed;

use pulldown_cmark::{Event, HeadingLevel, LinkType, Options, Parser, Tag as Md, TagEnd};

pub use citations::{Citation, is_key_char as is_citation_key_char};
pub use frontmatter::{Frontmatter, Property, Shape};

/// A half-open byte range `start..end` into a note's text. Offsets are `u32`: a vault holds
/// millions of spans, and no note comes near 4 GiB ([`parse`] reads none that does; the loader
/// stops at 16 MiB and the protocol at 64 MiB). [`Span::start`] and [`Span::end`] give them as
/// `usize`, [`Span::range`] as a range to slice the text with.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

/// The longest text [`parse`] reads: every offset in it fits a [`Span`].
const MAX_TEXT: usize = u32::MAX as usize;

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        debug_assert!(start <= end && end <= MAX_TEXT);
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    pub fn start(&self) -> usize {
        self.start as usize
    }

    pub fn end(&self) -> usize {
        self.end as usize
    }

    /// The span as a range of the text, to slice it with.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start()..self.end()
    }

    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Whether `offset` lies inside the span; the end counts as inside so that a cursor
    /// placed right after `]]` still touches the link.
    pub fn touches(&self, offset: usize) -> bool {
        self.start() <= offset && offset <= self.end()
    }

    pub fn contains_span(&self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    pub fn shift(self, by: usize) -> Span {
        Span::new(self.start() + by, self.end() + by)
    }
}

/// How a link is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum LinkKind {
    /// `[[target#frag|alias]]`, or `![[…]]` when `embed` is set.
    Wiki,
    /// `[text](path#frag)` (or `![alt](path)` when `embed` is set), including reference-style links.
    Markdown,
}

/// What a link names inside its target note, after the `#`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Fragment {
    /// `#H1#H2`: a path of nested headings (one element for a plain `#Heading`).
    Heading(Box<[Name]>),
    /// `#^id`: a block id.
    Block(Name),
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Heading {
    /// 1 to 6.
    pub level: u8,
    /// The heading's text as written, trimmed, without `#` markers or setext underline.
    pub text: Name,
    /// The heading's lines, markers included.
    pub span: Span,
    /// Where `text` starts: it is the text there ([`Heading::text_span`]), so its end is not
    /// kept (a heading in 40 bytes, not 48: 1.6 MB at 50,000 dense notes).
    pub text_start: u32,
}

impl Heading {
    /// Where the heading's text is written.
    pub fn text_span(&self) -> Span {
        let len = u32::try_from(self.text.len()).unwrap_or(u32::MAX);
        Span {
            start: self.text_start,
            end: self.text_start.saturating_add(len),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tag {
    /// The tag without its `#`, as written (`on/china`).
    pub name: Name,
    /// The tag with its `#` in the body; the bare value in frontmatter (which tags of the
    /// frontmatter are: [`NoteSyntax::tag_in_frontmatter`]).
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BlockId {
    /// The id without its `^`.
    pub id: Name,
    /// The `^id` marker.
    pub span: Span,
    /// The block (paragraph, list item, …) the id labels.
    pub block: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InlineField {
    pub key: Name,
    pub key_span: Span,
    pub value_span: Span,
}

/// Something in the note that notegraph could not make sense of; reported, never fatal.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SyntaxProblem {
    pub span: Span,
    pub message: String,
}

/// Everything notegraph knows about one note's text. Its lists are boxed slices, not `Vec`s:
/// a vault's parses stay in memory for the whole session, and a `Vec`'s capacity word (8 bytes a
/// list, 72 a note) would only ever repeat its length. The headings, tags, block ids, inline
/// fields and frontmatter are kept [`Packed`] and decoded when read ([`NoteSyntax::headings`]…):
/// features read them one note at a time, and packed they take a quarter of the memory.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NoteSyntax {
    pub links: Box<[Link]>,
    pub citations: Box<[Citation]>,
    /// Multi-line blocks an editor can fold: code blocks, lists, block quotes, tables.
    pub regions: Box<[Span]>,
    /// Where the body is not prose — code, math, HTML, comments and autolinks —, sorted and
    /// disjoint: text where unlinked mentions are not looked for.
    pub hidden: Box<[Span]>,
    pub problems: Box<[SyntaxProblem]>,
    /// Where the body (everything after the frontmatter) starts: kept beside the packed
    /// frontmatter, since every tag's reading asks it.
    body_start: u32,
    packed: Packed,
}

impl NoteSyntax {
    /// The headings, tags, block ids, fields and frontmatter packed in place of these.
    pub fn set_parts(&mut self, parts: Parts<'_>) {
        self.body_start = parts.frontmatter.map_or(0, |fm| fm.span.end);
        self.packed = Packed::pack(parts);
    }

    /// A parse with these parts and nothing else (a note of names, a test's parse).
    pub fn of_parts(parts: Parts<'_>) -> NoteSyntax {
        let mut syntax = NoteSyntax::default();
        syntax.set_parts(parts);
        syntax
    }

    pub fn packed(&self) -> &Packed {
        &self.packed
    }

    /// The headings, in the order written (decoded: read them once per request).
    pub fn headings(&self) -> Vec<Heading> {
        self.packed.headings()
    }

    /// The tags: the frontmatter's `tags:` values first, then the body's `#tags`.
    pub fn tags(&self) -> Vec<Tag> {
        self.packed.tags()
    }

    pub fn blocks(&self) -> Vec<BlockId> {
        self.packed.blocks()
    }

    pub fn fields(&self) -> Vec<InlineField> {
        self.packed.fields()
    }

    pub fn frontmatter(&self) -> Option<Frontmatter> {
        self.packed.frontmatter()
    }

    /// The frontmatter's aliases, split as Obsidian splits them ([`Frontmatter::aliases`]),
    /// read without decoding the frontmatter.
    pub fn aliases(&self) -> Vec<&str> {
        self.packed.aliases()
    }

    /// The frontmatter's citation key ([`Frontmatter::citekey`]), read without decoding it.
    pub fn citekey(&self) -> Option<&str> {
        self.packed.citekey()
    }

    /// Where the body (everything after the frontmatter) starts.
    pub fn body_start(&self) -> usize {
        self.body_start as usize
    }

    /// Whether `tag`, one of [`NoteSyntax::tags`], is a value of the frontmatter's `tags:`
    /// rather than a `#tag` of the body: it lies before the body. (Not a flag in each tag,
    /// which made a tag 40 bytes, not 32.)
    pub fn tag_in_frontmatter(&self, tag: &Tag) -> bool {
        tag.span.start() < self.body_start()
    }

    /// The name of `tag`, one of [`NoteSyntax::tags`], without its `#`: what a rename
    /// replaces.
    pub fn tag_name_span(&self, tag: &Tag) -> Span {
        match self.tag_in_frontmatter(tag) {
            true => tag.span,
            false => Span::new(
                tag.span.start() + 1,
                tag.span.end().max(tag.span.start() + 1),
            ),
        }
    }

    /// The link whose span touches `offset`, preferring the innermost.
    pub fn link_at(&self, offset: usize) -> Option<&Link> {
        self.links
            .iter()
            .filter(|link| {
                link.span.start() <= offset && offset < link.span.end().max(link.span.start() + 1)
            })
            .min_by_key(|link| link.span.len())
    }

    pub fn heading_at(&self, offset: usize) -> Option<Heading> {
        self.headings()
            .into_iter()
            .find(|h| h.span.start() <= offset && offset < h.span.end())
    }
}

/// Options for pulldown-cmark: wikilinks, math (so `$…$` hides links), footnotes (so `[^1]`
/// is not a link), tables, strikethrough and task lists as Obsidian renders them.
pub fn cmark_options() -> Options {
    Options::ENABLE_WIKILINKS
        | Options::ENABLE_MATH
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
}

/// Parse a note. Never fails: whatever cannot be understood is skipped or reported in
/// [`NoteSyntax::problems`].
pub fn parse(text: &str) -> NoteSyntax {
    if text.len() > MAX_TEXT {
        // Past what a span can address; no editor or file gets here (see [`Span`]).
        return NoteSyntax::default();
    }
    draft::with_draft(|draft| parse_in(text, draft))
}

/// [`parse`], its lists filled in `draft` (all empty when it comes) and boxed at the end.
fn parse_in(text: &str, draft: &mut draft::Draft) -> NoteSyntax {
    let mut frontmatter = None;
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };

    // Frontmatter is found here, not through pulldown-cmark's metadata blocks: Obsidian treats
    // `---\n---` as an (empty) frontmatter, which pulldown-cmark reads as a thematic break.
    let body_start = match frontmatter::scan(text, bom) {
        frontmatter::Scan::Found(fm, problem) => {
            let end = fm.span.end();
            for (link_text_span, key) in frontmatter::wikilink_spans(text, &fm) {
                if let Some(mut link) = links::parse_wikilink(text, link_text_span) {
                    link.in_frontmatter = true;
                    if let Some(key) = key {
                        link.set_field(Some(Name::from(key)));
                    }
                    draft.links.push(link);
                }
            }
            draft.problems.extend(problem);
            frontmatter = Some(Box::new(fm));
            end
        }
        frontmatter::Scan::Unclosed(span) => {
            draft.problems.push(SyntaxProblem {
                span,
                message:
                    "frontmatter opened with `---` is never closed; the note is read as body text"
                        .to_string(),
            });
            bom
        }
        frontmatter::Scan::Absent => bom,
    };
    let body = &text[body_start..];

    // Spans where neither links, tags, block ids nor fields can live: `draft.hidden`.
    // `<https://…>`: a URL, not prose; hidden from mentions alone (tags and links already skip
    // it): `draft.autolinks`.
    let mut heading_stack: Option<(u8, usize, Option<usize>, usize)> = None;

    // Line breaks of the whole text, found once: whether a block spans lines is a binary search
    // here, where a scan of each block's span was quadratic for `>>>>…` or `1. 1. 1. …` on one
    // line (a megabyte took 23 s).
    let breaks = breaks::Breaks::of_in(text, std::mem::take(&mut draft.newlines));
    let line_breaks = &breaks.newlines;
    let spans_lines = |span: Span| {
        let next = line_breaks.partition_point(|&b| b < span.start());
        line_breaks.get(next).is_some_and(|&b| b < span.end())
    };

    // Brackets no link can use are hidden from pulldown-cmark past a bound (`brackets.rs`):
    // it keeps a node for each, and 8 MB of `[[` took 670 MB. Same length, same spans.
    let cmark_body = cmark_text(body);
    let parser = Parser::new_ext(&cmark_body, cmark_options()).into_offset_iter();
    for (_label, def) in parser.reference_definitions().iter() {
        let span = Span::new(def.span.start, def.span.end).shift(body_start);
        draft.body_links.extend(links::parse_link_definition(
            text,
            trim_line_end(text, span),
            &def.dest,
        ));
    }
    for (event, range) in parser {
        let span = Span::new(range.start, range.end).shift(body_start);
        if let Event::Start(
            Md::CodeBlock(_) | Md::List(_) | Md::BlockQuote(_) | Md::Table(_) | Md::HtmlBlock,
        ) = &event
        {
            let trimmed = trim_line_end(text, span);
            if spans_lines(trimmed) {
                draft.regions.push(trimmed);
            }
        }
        match event {
            Event::Start(Md::CodeBlock(_)) | Event::Start(Md::HtmlBlock) => draft.hidden.push(span),
            Event::Code(_)
            | Event::InlineMath(_)
            | Event::DisplayMath(_)
            | Event::Html(_)
            | Event::InlineHtml(_) => draft.hidden.push(span),
            Event::Start(Md::MetadataBlock(_)) => draft.hidden.push(span),
            Event::Start(Md::Heading { level, .. }) => {
                heading_stack = Some((heading_level(level), span.start(), None, span.end()));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, start, _, end)) = heading_stack.take() {
                    let heading_span = Span::new(start, end);
                    let text_span = heading_text(text, heading_span);
                    draft.headings.push(Heading {
                        level,
                        text: text[text_span.range()].into(),
                        span: trim_line_end(text, heading_span),
                        text_start: text_span.start,
                    });
                }
            }
            Event::Start(Md::Link {
                link_type,
                dest_url,
                ..
            })
            | Event::Start(Md::Image {
                link_type,
                dest_url,
                ..
            }) => {
                let embed = text[span.start()..].starts_with('!');
                // Reference-style uses are represented by their definitions (below), which hold
                // the path that resolution and renames work on.
                if matches!(link_type, LinkType::Autolink | LinkType::Email) {
                    draft.autolinks.push(span);
                }
                let link = match link_type {
                    LinkType::WikiLink { .. } => links::parse_wikilink(text, span),
                    LinkType::Inline => {
                        links::parse_markdown_link(text, span, &dest_url, true, embed)
                    }
                    _ => None,
                };
                draft.body_links.extend(link);
            }
            _ => {}
        }
    }

    // `%% comments %%` are Obsidian's, unknown to CommonMark: find them outside code and hide
    // what they contain.
    let comments = inline::comment_spans(text, body_start, &draft.hidden);
    draft.hidden.extend(comments.iter().copied());

    // Membership by binary search: a scan of every hidden span per link was quadratic on a
    // note of many links and many code spans.
    // One mask of the hidden spans and one of the links serve every scanner below.
    let hidden_mask = inline::Mask::new(std::mem::take(&mut draft.hidden));
    draft
        .body_links
        .retain(|link| !hidden_mask.contains(link.span.start()));
    // Comments come from pairs of marks in order: sorted and disjoint.
    draft.headings.retain(|h| {
        let i = comments.partition_point(|c| c.start <= h.span.start);
        !(i > 0 && comments[i - 1].contains_span(h.span))
    });

    draft
        .link_spans
        .extend(draft.body_links.iter().map(|l| l.span));
    let link_mask = inline::Mask::new(std::mem::take(&mut draft.link_spans));
    inline::scan(
        text,
        body_start,
        &breaks,
        &hidden_mask,
        &link_mask,
        &mut draft.scanned,
    );
    citations::scan(
        text,
        body_start,
        &breaks,
        &hidden_mask,
        &link_mask,
        &mut draft.citations,
    );
    draft.link_spans = link_mask.into_spans();
    // The mask's own list, once the scans are done with it.
    draft.hidden = hidden_mask.into_spans();
    if !draft.autolinks.is_empty() {
        draft.hidden.append(&mut draft.autolinks);
        draft.hidden = inline::Mask::new(std::mem::take(&mut draft.hidden)).into_spans();
    }

    // Only a note with fields needs its line starts (a pass over the whole text).
    let fields = &draft.scanned.fields;
    if !fields.is_empty() {
        let line_starts = line_starts(text, &breaks);
        // Set on the links a field holds alone: a body link has no field yet, and setting
        // none on every link of a note with one field took each link's extras apart.
        for link in &mut draft.body_links {
            if let Some(field) = field_holding(fields, &line_starts, link.span) {
                link.set_field(Some(field.key.clone()));
            }
        }
    }
    // The frontmatter's links, then the body's.
    draft.links.append(&mut draft.body_links);
    draft.links.sort_by_key(|l| l.span);
    place::place_links(text, &breaks, &mut draft.links);
    draft.newlines = breaks.newlines;
    // The frontmatter's tags first.
    if let Some(fm) = &frontmatter {
        draft.front_tags.extend(fm.tags().map(|(name, span)| Tag {
            name: name.into(),
            span,
        }));
    }
    // The body's after them, in the draft's list (packed below; the draft is emptied after).
    draft.front_tags.append(&mut draft.scanned.tags);

    // A vault's parses stay in memory for the whole session: each list becomes a boxed slice of
    // exactly its length.
    use exact::boxed;
    let mut syntax = NoteSyntax {
        links: boxed(&mut draft.links),
        citations: boxed(&mut draft.citations),
        regions: boxed(&mut draft.regions),
        hidden: boxed(&mut draft.hidden),
        problems: boxed(&mut draft.problems),
        ..NoteSyntax::default()
    };
    syntax.set_parts(Parts {
        frontmatter: frontmatter.as_deref(),
        headings: &draft.headings,
        tags: &draft.front_tags,
        blocks: &draft.scanned.blocks,
        fields: &draft.scanned.fields,
    });
    syntax
}

/// Where each line of `text` starts, as [`frontmatter::lines`] splits them; from the `\n`s
/// already found when the text holds no `\r` (a lone `\r` also ends a line there).
fn line_starts(text: &str, breaks: &breaks::Breaks) -> Vec<usize> {
    if !breaks.cr {
        std::iter::once(0)
            .chain(breaks.newlines.iter().map(|&b| b + 1))
            .collect()
    } else {
        std::iter::once(0)
            .chain(frontmatter::lines(text, 0).map(|(_, _, next)| next))
            .collect()
    }
}

/// The inline field whose value holds `span`. Fields come line by line, in order of their
/// values' starts: on a line, the `key:: value` filling it first, then disjoint `[key:: value]`s
/// left to right. So only two fields can hold a span: the first of its line (the line field)
/// and the last one starting before it; both are found by binary search, where a scan of every
/// field per link was quadratic.
fn field_holding<'f>(
    fields: &'f [InlineField],
    line_starts: &[usize],
    span: Span,
) -> Option<&'f InlineField> {
    let line = line_starts.partition_point(|&s| s <= span.start()).max(1) - 1;
    let first_of_line = fields.partition_point(|f| f.value_span.start() < line_starts[line]);
    let last_before = fields.partition_point(|f| f.value_span.start <= span.start);
    [first_of_line, last_before.wrapping_sub(1)]
        .into_iter()
        .filter_map(|i| fields.get(i))
        .find(|f| f.value_span.contains_span(span))
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// The span without its trailing line break.
fn trim_line_end(text: &str, span: Span) -> Span {
    let slice = &text[span.range()];
    let trimmed = slice.trim_end_matches(['\n', '\r']);
    Span::new(span.start(), span.start() + trimmed.len())
}

/// Where the text of an ATX or setext heading is, as written, without markers.
fn heading_text(text: &str, span: Span) -> Span {
    let raw = &text[span.range()];
    let first_line_len = raw.find(['\n', '\r']).unwrap_or(raw.len());
    // ATX or setext is told by the first line after its indentation (spaces and tabs only:
    // trimming all Unicode whitespace ran past the line, into the next, on `\u{2028}\n#…`).
    let first_line = &raw[..first_line_len];
    let trimmed_start = first_line_len - first_line.trim_start_matches([' ', '\t']).len();
    let (start, end) = if raw[trimmed_start..].starts_with('#') {
        // ATX: `## text ##`
        let line = &raw[..first_line_len];
        let after = trimmed_start
            + line[trimmed_start..]
                .bytes()
                .take_while(|&b| b == b'#')
                .count();
        let rest = &line[after..];
        let mut end = after + rest.trim_end().len();
        let start = (after + (rest.len() - rest.trim_start().len())).min(end);
        // A closing run of `#` counts only after a space, or when it is all there is.
        let content = &line[start..end];
        let without = content.trim_end_matches('#');
        if without.len() < content.len() && (without.is_empty() || without.ends_with([' ', '\t'])) {
            end = start + without.trim_end().len();
        }
        (start, end)
    } else {
        // Setext: every line but the underline.
        let body = raw.trim_end_matches(['\n', '\r']);
        let underline_start = body.rfind(['\n', '\r']).map_or(0, |i| i + 1);
        let content = body[..underline_start].trim_end();
        let lead = content.len() - content.trim_start().len();
        (lead, content.len())
    };
    let start = span.start() + start;
    let end = (span.start() + end).max(start);
    Span::new(start, end)
}

/// Round `at` down to a char boundary of `text`, clamped to its length.
pub fn floor_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod hostile;
#[cfg(test)]
mod tests;
