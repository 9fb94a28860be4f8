//! The lists a parse fills as it goes ([`Draft`]), kept by each thread from one parse to the
//! next: a note's parse then grows none of them again, and copies each into a boxed slice of
//! its exact length once. Growing fresh lists, then shrinking them to fit, was dozens of
//! allocations per note, a sixth of a parse's own time.

use std::cell::RefCell;

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
    fn clear(&mut self) {
        self.headings.clear();
        self.links.clear();
        self.body_links.clear();
        self.front_tags.clear();
        self.scanned.tags.clear();
        self.scanned.blocks.clear();
        self.scanned.fields.clear();
        self.scanned.paragraph.clear();
        self.scanned.hashes.clear();
        self.citations.clear();
        self.regions.clear();
        self.hidden.clear();
        self.autolinks.clear();
        self.link_spans.clear();
        self.newlines.clear();
        self.problems.clear();
    }

    fn bound(&mut self) {
        bound(&mut self.headings, KEPT_BYTES);
        bound(&mut self.links, KEPT_BYTES);
        bound(&mut self.body_links, KEPT_BYTES);
        bound(&mut self.front_tags, KEPT_BYTES);
        bound(&mut self.scanned.tags, KEPT_BYTES);
        bound(&mut self.scanned.blocks, KEPT_BYTES);
        bound(&mut self.scanned.fields, KEPT_BYTES);
        bound(&mut self.scanned.paragraph, KEPT_BYTES);
        bound(&mut self.scanned.hashes, KEPT_BYTES);
        bound(&mut self.citations, KEPT_BYTES);
        bound(&mut self.regions, KEPT_BYTES);
        bound(&mut self.hidden, KEPT_BYTES);
        bound(&mut self.autolinks, KEPT_BYTES);
        bound(&mut self.link_spans, KEPT_BYTES);
        bound(&mut self.newlines, KEPT_BYTES);
        bound(&mut self.problems, KEPT_BYTES);
    }
}

thread_local! {
    static DRAFT: RefCell<Draft> = RefCell::new(Draft::default());
}

/// `parse` run on this thread's draft, emptied first; on a fresh one when the thread's is in
/// use (a parse within a parse) or gone (a thread being torn down).
pub(super) fn with_draft<R>(parse: impl Fn(&mut Draft) -> R) -> R {
    let kept = DRAFT.try_with(|cell| {
        let mut draft = cell.try_borrow_mut().ok()?;
        draft.clear();
        let result = parse(&mut draft);
        draft.clear();
        draft.bound();
        Some(result)
    });
    match kept {
        Ok(Some(result)) => result,
        _ => parse(&mut Draft::default()),
    }
}

/// `list` dropped for an empty one if its room is past `bytes`.
fn bound<T>(list: &mut Vec<T>, bytes: usize) {
    if list.capacity() * size_of::<T>().max(1) > bytes {
        *list = Vec::new();
    }
}
