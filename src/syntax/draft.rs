//! The lists a parse fills as it goes ([`Draft`]), kept by each thread from one parse to the
//! next: a note's parse then grows none of them again, and copies each into a boxed slice of
//! its exact length once. Growing fresh lists, then shrinking them to fit, was dozens of
//! allocations per note, a sixth of a parse's own time.

use std::cell::RefCell;

use super::exact::{emptied, with_kept};
use super::inline::Scanned;
use super::{Citation, Heading, Link, Span, SyntaxProblem, Tag};

/// A list past this many bytes is dropped after the parse that grew it (a huge note's), so
/// that a thread keeps at most about a megabyte between parses (16 lists).
const KEPT_BYTES: usize = 64 << 10;

/// The lists of one parse in progress; every one is empty when a parse starts.
#[derive(Default)]
pub(super) struct Draft {
    pub headings: Vec<Heading>,
    /// The frontmatter's links, then the body's appended.
    pub links: Vec<Link>,
    /// The body's links as pulldown-cmark reports them, before those in code are dropped.
    pub body_links: Vec<Link>,
    /// The frontmatter's tags, put before the body's.
    pub front_tags: Vec<Tag>,
    pub scanned: Scanned,
    pub citations: Vec<Citation>,
    pub regions: Vec<Span>,
    pub hidden: Vec<Span>,
    pub autolinks: Vec<Span>,
    /// The spans of [`Draft::body_links`], for their mask.
    pub link_spans: Vec<Span>,
    pub newlines: Vec<usize>,
    pub problems: Vec<SyntaxProblem>,
}

impl Draft {
    /// Every list emptied, and any grown past [`KEPT_BYTES`] dropped.
    fn reset(&mut self) {
        emptied(&mut self.headings, KEPT_BYTES);
        emptied(&mut self.links, KEPT_BYTES);
        emptied(&mut self.body_links, KEPT_BYTES);
        emptied(&mut self.front_tags, KEPT_BYTES);
        emptied(&mut self.scanned.tags, KEPT_BYTES);
        emptied(&mut self.scanned.blocks, KEPT_BYTES);
        emptied(&mut self.scanned.fields, KEPT_BYTES);
        emptied(&mut self.scanned.paragraph, KEPT_BYTES);
        emptied(&mut self.scanned.hashes, KEPT_BYTES);
        emptied(&mut self.citations, KEPT_BYTES);
        emptied(&mut self.regions, KEPT_BYTES);
        emptied(&mut self.hidden, KEPT_BYTES);
        emptied(&mut self.autolinks, KEPT_BYTES);
        emptied(&mut self.link_spans, KEPT_BYTES);
        emptied(&mut self.newlines, KEPT_BYTES);
        emptied(&mut self.problems, KEPT_BYTES);
    }
}

thread_local! {
    static DRAFT: RefCell<Draft> = RefCell::new(Draft::default());
}

/// `parse` run on this thread's draft (see [`with_kept`]), emptied before and after.
pub(super) fn with_draft<R>(parse: impl Fn(&mut Draft) -> R) -> R {
    with_kept(&DRAFT, |draft| {
        draft.reset();
        let result = parse(draft);
        draft.reset();
        result
    })
}
