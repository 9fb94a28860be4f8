//! Where a vault's memory goes: reads every note of a folder, parses it, builds the index, and
//! prints the heap bytes of each stage (a counting global allocator) and of each structure of
//! the parses (links, headings, tags, …, with the `String`s they own).
//!
//! `cargo run --release --example memory -- DIR [--encoded | --sketch | --complete | --beside |
//! --save]`

use std::alloc::{GlobalAlloc, Layout};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use notegraph::index::{Note, Vault};
use notegraph::loader;
use notegraph::syntax::{Fragment, NoteSyntax};

/// The server's allocator (mimalloc, as `src/main.rs` sets it), counting the bytes live and
/// the most ever live.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// The same live bytes as the allocator holds them: each block's usable size, its size class
/// (and, after a shrink it made in place, the room it kept), not the size asked for.
static HELD: AtomicUsize = AtomicUsize::new(0);
static HELD_PEAK: AtomicUsize = AtomicUsize::new(0);

fn usable(ptr: *mut u8) -> usize {
    if ptr.is_null() {
        return 0;
    }
    unsafe { libmimalloc_sys::mi_usable_size(ptr as *const std::ffi::c_void) }
}

fn held(added: usize, removed: usize) {
    let now = HELD.fetch_add(added, Ordering::Relaxed) + added;
    HELD.fetch_sub(removed, Ordering::Relaxed);
    HELD_PEAK.fetch_max(now - removed.min(now), Ordering::Relaxed);
}
/// Off while parse throughput is timed, so that counting costs neither side anything; what is
/// allocated then is freed then.
static COUNTING: AtomicBool = AtomicBool::new(true);

fn counting() -> bool {
    COUNTING.load(Ordering::Relaxed)
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !counting() {
            return unsafe { mimalloc::MiMalloc.alloc(layout) };
        }
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        let ptr = unsafe { mimalloc::MiMalloc.alloc(layout) };
        held(usable(ptr), 0);
        ptr
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if !counting() {
            return unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) };
        }
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        held(0, usable(ptr));
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if !counting() {
            return unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) };
        }
        if new_size > layout.size() {
            let live = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size
                - layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        let before = usable(ptr);
        let moved = unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) };
        held(usable(moved), before);
        moved
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

fn mb(bytes: usize) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// Bytes per structure of one parse, buffers and owned strings together.
#[derive(Default)]
struct Breakdown {
    links: usize,
    headings: usize,
    tags: usize,
    blocks: usize,
    fields: usize,
    citations: usize,
    regions_hidden: usize,
    frontmatter: usize,
    problems: usize,
    /// What the headings, tags, blocks, fields and frontmatter take packed, as the vault keeps
    /// them; their lines above are what they would take as structs (decoded to be measured).
    packed: usize,
    counts: [usize; 4],
    /// Links with a boxed fragment, alias or field, and the bytes of those boxes.
    counts_extras: usize,
    extras_bytes: usize,
}

impl Breakdown {
    fn add(&mut self, s: &NoteSyntax) {
        self.links += slice(&s.links);
        for l in &s.links {
            self.links += l.target_heap() + l.alias_heap() + l.field_heap();
            if l.extras_heap() > 0 {
                // The box of the parts most links lack.
                self.links += l.extras_heap();
                self.extras_bytes += l.extras_heap();
                self.counts_extras += 1;
            }
            match l.fragment() {
                Some(Fragment::Heading(path)) => {
                    self.links += size_of_val(&**path) + path.iter().map(Heap::heap).sum::<usize>()
                }
                Some(Fragment::Block(id)) => self.links += id.heap(),
                None => {}
            }
        }
        let (headings, tags) = (s.headings(), s.tags());
        let (blocks, fields) = (s.blocks(), s.fields());
        self.packed += s.packed().heap_bytes();
        self.headings += slice(&headings) + headings.iter().map(|h| h.text_heap()).sum::<usize>();
        self.tags += slice(&tags) + tags.iter().map(|t| t.name_heap()).sum::<usize>();
        self.blocks += slice(&blocks) + blocks.iter().map(|b| b.id_heap()).sum::<usize>();
        self.fields += slice(&fields) + fields.iter().map(|f| f.key_heap()).sum::<usize>();
        self.citations +=
            slice(&s.citations) + s.citations.iter().map(|c| c.key.heap()).sum::<usize>();
        self.regions_hidden += slice(&s.regions) + slice(&s.hidden);
        self.problems += slice(&s.problems);
        if let Some(fm) = &s.frontmatter() {
            // As a parse boxes it.
            self.frontmatter += size_of_val(fm)
                + slice(&fm.properties)
                + fm.properties
                    .iter()
                    .map(|p| p.key.heap() + pairs(&p.values))
                    .sum::<usize>();
        }
        self.counts[0] += s.links.len();
        self.counts[1] += headings.len();
        self.counts[2] += tags.len();
        self.counts[3] += fields.len();
    }
}

/// Heap bytes of a boxed slice.
fn slice<T>(v: &[T]) -> usize {
    size_of_val(v)
}

/// Bytes of a list of names with their spans.
fn pairs<T: Heap>(v: &[(T, notegraph::syntax::Span)]) -> usize {
    slice(v) + v.iter().map(|(s, _)| s.heap()).sum::<usize>()
}

/// The heap a field's `String` holds, whatever the type keeps it as.
trait Heap {
    fn heap(&self) -> usize;
}
impl Heap for String {
    fn heap(&self) -> usize {
        self.capacity()
    }
}
impl Heap for notegraph::syntax::Name {
    fn heap(&self) -> usize {
        self.heap_bytes()
    }
}
impl<T: Heap> Heap for Option<T> {
    fn heap(&self) -> usize {
        self.as_ref().map_or(0, Heap::heap)
    }
}

trait Parts {
    fn target_heap(&self) -> usize;
    fn alias_heap(&self) -> usize;
    fn field_heap(&self) -> usize;
}
impl Parts for notegraph::syntax::Link {
    fn target_heap(&self) -> usize {
        self.target.heap()
    }
    fn alias_heap(&self) -> usize {
        self.alias().map_or(0, Heap::heap)
    }
    fn field_heap(&self) -> usize {
        self.field().map_or(0, Heap::heap)
    }
}
trait Named {
    fn text_heap(&self) -> usize;
}
impl Named for notegraph::syntax::Heading {
    fn text_heap(&self) -> usize {
        self.text.heap()
    }
}
trait TagName {
    fn name_heap(&self) -> usize;
}
impl TagName for notegraph::syntax::Tag {
    fn name_heap(&self) -> usize {
        self.name.heap()
    }
}
trait Id {
    fn id_heap(&self) -> usize;
}
impl Id for notegraph::syntax::BlockId {
    fn id_heap(&self) -> usize {
        self.id.heap()
    }
}
trait Key {
    fn key_heap(&self) -> usize;
}
impl Key for notegraph::syntax::InlineField {
    fn key_heap(&self) -> usize {
        self.key.heap()
    }
}

fn main() {
    let dir = std::env::args().nth(1).expect("usage: memory DIR");
    let dir = Path::new(&dir).canonicalize().expect("vault folder");
    let paths: Vec<PathBuf> = loader::walk(std::slice::from_ref(&dir), &loader::Exclude::default())
        .into_iter()
        .filter(|p| notegraph::index::is_note_path(p))
        .collect();
    match std::env::args().nth(2).as_deref() {
        Some("--sketch") => return sketch(&dir),
        Some(how @ ("--complete" | "--beside")) => return complete(&dir, how == "--beside"),
        _ => {}
    }
    let base = live();
    let held_base = HELD.load(Ordering::Relaxed);
    let texts: Vec<(PathBuf, String)> = paths
        .iter()
        .map(|p| (p.clone(), std::fs::read_to_string(p).expect("note")))
        .collect();
    let text_bytes: usize = texts.iter().map(|(_, t)| t.len()).sum();
    let after_read = live();

    // Parse throughput beside pulldown-cmark alone on the same bytes (best of five runs each).
    COUNTING.store(false, Ordering::Relaxed);
    // Interleaved, best of seven each, so that a busy machine's swings hit both sides alike.
    let time = |f: &dyn Fn() -> usize| {
        let t = std::time::Instant::now();
        std::hint::black_box(f());
        t.elapsed().as_secs_f64()
    };
    let raw_parse = || -> usize {
        texts
            .iter()
            .map(|(_, t)| {
                pulldown_cmark::Parser::new_ext(t, notegraph::syntax::cmark_options())
                    .into_offset_iter()
                    .count()
            })
            .sum()
    };
    let our_parse = || -> usize {
        texts
            .iter()
            .map(|(_, t)| notegraph::syntax::parse(t).links.len())
            .sum()
    };
    let (mut raw, mut ours) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..7 {
        raw = raw.min(time(&raw_parse));
        ours = ours.min(time(&our_parse));
    }
    COUNTING.store(true, Ordering::Relaxed);
    let mbs = |secs: f64| text_bytes as f64 / 1e6 / secs;
    println!(
        "parse throughput: pulldown-cmark alone {:.0} MB/s, syntax::parse {:.0} MB/s: {:.0}%",
        mbs(raw),
        mbs(ours),
        100.0 * raw / ours
    );

    let notes: Vec<(PathBuf, Note)> = texts
        .into_iter()
        // Kept as the loader keeps a note read from the disk: its file's place, not its text.
        // With its stamp, as read, so that `--save` writes it.
        .map(|(p, t)| {
            let meta = std::fs::metadata(&p).expect("note");
            let stamp = notegraph::cache::stamp::stamp_of(&meta, t.as_bytes());
            let mut note = Note::read_file(&p, t);
            note.stamp = Some(stamp);
            (p, note)
        })
        .collect();
    let after_parse = live();
    let mut parts = Breakdown::default();
    let (mut kept_text, mut packed_notes, mut in_files) = (0, 0, 0);
    for (_, note) in &notes {
        parts.add(&note.syntax);
        kept_text += note.text.heap_bytes();
        packed_notes += usize::from(note.text.is_packed());
        in_files += usize::from(note.text.is_in_file());
    }
    let syntax_structs = notes.len() * size_of::<NoteSyntax>();
    if std::env::args().any(|a| a == "--encoded") {
        encoded(notes.iter().map(|(_, note)| &note.syntax));
    }

    let mut vault = Vault::new(vec![dir.clone()]);
    let before_index = live();
    for (path, note) in notes {
        vault.upsert_note(&path, note);
    }
    let after_index = live();

    println!("{} notes, {} of text", paths.len(), mb(text_bytes));
    println!("paths, texts read:        {}", mb(after_read - base));
    println!(
        "+ parse (Notes, in a Vec; the texts read dropped): {:+.1} MB",
        (after_parse as f64 - after_read as f64) / 1e6
    );
    println!(
        "  texts      {:>10}  ({} of {} notes read again from their files, {} packed: {:.2}× smaller)",
        mb(kept_text),
        in_files,
        paths.len(),
        packed_notes,
        text_bytes as f64 / kept_text as f64
    );
    println!(
        "  NoteSyntax structs {} (size {} each)",
        mb(syntax_structs),
        size_of::<NoteSyntax>()
    );
    println!(
        "  links      {:>10}  ({} links, {} B each; {} with a box of fragment, alias, field: {:.0} B on average)",
        mb(parts.links),
        parts.counts[0],
        size_of::<notegraph::syntax::Link>(),
        parts.counts_extras,
        parts.extras_bytes as f64 / parts.counts_extras.max(1) as f64
    );
    println!("  (as structs, were they decoded:)");
    println!(
        "  headings   {:>10}  ({} headings, {} B each)",
        mb(parts.headings),
        parts.counts[1],
        size_of::<notegraph::syntax::Heading>()
    );
    println!(
        "  tags       {:>10}  ({} tags, {} B each)",
        mb(parts.tags),
        parts.counts[2],
        size_of::<notegraph::syntax::Tag>()
    );
    println!("  blocks     {:>10}", mb(parts.blocks));
    println!(
        "  fields     {:>10}  ({} fields)",
        mb(parts.fields),
        parts.counts[3]
    );
    println!("  citations  {:>10}", mb(parts.citations));
    println!("  regions+hidden {:>6}", mb(parts.regions_hidden));
    println!("  frontmatter {:>9}", mb(parts.frontmatter));
    println!("  problems   {:>10}", mb(parts.problems));
    println!(
        "  headings, tags, blocks, fields and frontmatter as kept, packed: {}",
        mb(parts.packed)
    );
    println!(
        "+ index (files, paths, name/alias/link/tag maps, boxes): {}",
        mb(after_index.wrapping_sub(before_index))
    );
    let before_candidates = live();
    let candidates = notegraph::features::completion::Candidates::build(&vault);
    println!(
        "+ completion's candidates: {}",
        mb(live() - before_candidates)
    );
    for (part, bytes) in candidates.heap_parts() {
        println!("  {part:<16} {}", mb(bytes));
    }
    if std::env::args().nth(2).as_deref() == Some("--save") {
        save(&vault, candidates);
        return;
    }
    drop(candidates);
    println!("live at the end: {}", mb(live() - base));
    let end = live();
    println!("peak: {}", mb(PEAK.load(Ordering::Relaxed) - base));
    println!(
        "held by the allocator (usable sizes): at the end {}, at most {}",
        mb(HELD.load(Ordering::Relaxed) - held_base),
        mb(HELD_PEAK.load(Ordering::Relaxed) - held_base)
    );
    println!("the vault taken apart, table by table:");
    for (table, bytes) in vault.dismantle(&live) {
        println!("  {table:<16} {}", mb(bytes));
    }
    println!("  (of {} at the end)", mb(end - base));
}

/// `memory DIR --save`: what writing the on-disk index holds above the live index, as a
/// server writes it after a cold start (completion's image taken from its current candidates).
/// Writes DIR's index under the cache folder (`XDG_CACHE_HOME`), replacing any a server wrote.
fn save(vault: &Vault, candidates: notegraph::features::completion::Candidates) {
    let cache = notegraph::cache::Cache::locate(vault.roots()).expect("a cache folder");
    let current = std::sync::Arc::new(candidates);
    let image = |vault: &Vault, files: &[notegraph::index::FileId]| {
        notegraph::features::completion::encode_image_from(Some(current.clone()), vault, files)
    };
    let before = live();
    PEAK.store(before, Ordering::Relaxed);

    let notes = cache
        .save(|| vault, Some(&image))
        .expect("the index written");
    println!(
        "on-disk index of {notes} notes written: {} at most above the live index, {} left",
        mb(PEAK.load(Ordering::Relaxed) - before),
        mb(live().wrapping_sub(before))
    );
}

/// DIR's on-disk index written afresh with its completion image, as a server writes it: the
/// index is tied to the build that wrote it. Its roots and cache.
fn write_index(dir: &Path) -> (Vec<PathBuf>, notegraph::cache::Cache) {
    let roots = vec![dir.to_path_buf()];
    let cache = notegraph::cache::Cache::locate(&roots).expect("a cache folder");
    let _ = std::fs::remove_file(cache.file());
    let image = |vault: &Vault, files: &[notegraph::index::FileId]| {
        notegraph::features::completion::encode_image_from(None, vault, files)
    };
    drop(loader::load_configured(dir, Some(&image)));
    (roots, cache)
}

/// `memory DIR --sketch`: what a restart's sketch holds (`loader::load_sketch`). The on-disk
/// index is tied to the build that wrote it, so this writes DIR's own first, replacing any a
/// server wrote under the cache folder (`XDG_CACHE_HOME`; point it elsewhere to keep that).
fn sketch(dir: &Path) {
    let (roots, cache) = write_index(dir);
    let base = live();
    let sketch = loader::load_sketch(&roots, roots.clone(), &loader::Exclude::default(), &cache)
        .expect("an on-disk index for this vault");
    println!(
        "sketch: {} at most, {} live",
        mb(PEAK.load(Ordering::Relaxed) - base),
        mb(live() - base)
    );
    let image = sketch
        .image
        .as_ref()
        .map_or(0, |image| image.bytes.capacity());
    println!("  completion image bytes {}", mb(image));
    let unverified = sketch.unverified.capacity() * size_of::<(PathBuf, notegraph::index::Stamp)>()
        + sketch
            .unverified
            .iter()
            .map(|(p, _)| p.capacity())
            .sum::<usize>();
    println!("  notes to verify {}", mb(unverified));
    let end = live();
    for (table, bytes) in sketch.vault.dismantle(&live) {
        println!("  {table:<16} {}", mb(bytes));
    }
    println!("  (of {} live)", mb(end - base));
}

/// `memory DIR --complete` (or `--beside`): a restart's memory from its sketch on, as a server
/// makes it. The sketch and completion's candidates read from its image; then the full load,
/// filed into the sketch a segment at a time as it is decoded (`--complete`,
/// `loader::load_streamed`, `Vault::complete_notes`) or decoded whole and filed into a vault
/// beside the sketch that replaces it (`--beside`, as before 2026-12). Writes DIR's on-disk index
/// first, as `--sketch` does.
fn complete(dir: &Path, beside: bool) {
    use notegraph::features::completion::Candidates;
    let (roots, cache) = write_index(dir);
    let base = live();
    PEAK.store(base, Ordering::Relaxed);
    let exclude = loader::Exclude::default();
    let sketch = loader::load_sketch(&roots, roots.clone(), &exclude, &cache).expect("a sketch");
    let mut vault = sketch.vault;
    let read = (sketch.image.as_ref())
        .and_then(|image| Candidates::from_image(&image.bytes, image.files, image.generation));
    let mut candidates = Candidates::current(read.map(std::sync::Arc::new).as_ref(), &vault);
    drop(sketch.image);
    println!("sketch and its candidates: {} live", mb(live() - base));
    if beside {
        let (mut loaded, _, _) =
            loader::load_trusting(&roots, &exclude, &|_, _| {}, Some(&cache), &|| {});
        drop(std::mem::take(&mut loaded.bibliographies));
        println!("+ the full load read: {} live", mb(live() - base));
        let (full, _) = loaded.into_vault(roots.clone());
        println!("+ filed beside: {} live", mb(live() - base));
        vault = full;
        drop(candidates);
        candidates = Candidates::current(None, &vault);
    } else {
        let mut completion = vault.begin_completion();
        let dialect = vault.dialect;
        let mut take = |notes, _| {
            let ready = notegraph::index::prepare_incoming(dialect, notes);
            vault.complete_notes(&mut completion, ready, &|_| false);
            true
        };
        let loader::Stream::Done(streamed) = loader::load_streamed(
            &roots,
            &exclude,
            &cache,
            dialect,
            &|| {},
            &|_, _| {},
            &mut take,
        ) else {
            panic!("the on-disk index streamed");
        };
        println!("+ the full load filed: {} live", mb(live() - base));
        for path in &streamed.attachments {
            vault.complete_attachment(&mut completion, path);
        }
        drop(streamed);
        vault.finish_completion(completion, &|_| false);
        candidates = Candidates::current(Some(&candidates), &vault);
    }
    println!(
        "{}: {} at most, {} live at the end ({} notes)",
        if beside {
            "filed beside"
        } else {
            "filed into the sketch"
        },
        mb(PEAK.load(Ordering::Relaxed) - base),
        mb(live() - base),
        vault.note_count()
    );
    drop(candidates);
    let end = live();
    for (table, bytes) in vault.dismantle(&live) {
        println!("  {table:<16} {}", mb(bytes));
    }
    println!(
        "  (of {} live, without completion's candidates)",
        mb(end - base)
    );
}

/// `memory DIR --encoded`: what the parses would take kept as their on-disk encoding
/// (postcard, as the on-disk index writes them) instead of as structs, and what reading them
/// back costs: the measure of a compact core that decodes a closed note's parse on use.
fn encoded<'a>(syntaxes: impl Iterator<Item = &'a NoteSyntax>) {
    COUNTING.store(false, Ordering::Relaxed);
    // Each parse whole, and without its links (which references and diagnostics read for
    // many closed notes at once, and so would stay structs).
    let (encoded, unlinked): (Vec<Vec<u8>>, Vec<usize>) = syntaxes
        .map(|s| {
            let mut rest = s.clone();
            rest.links = Box::new([]);
            let rest = postcard::to_allocvec(&rest).expect("encoded").len();
            (postcard::to_allocvec(s).expect("encoded"), rest)
        })
        .unzip();
    let unlinked: usize = unlinked.iter().sum();
    let bytes: usize = encoded.iter().map(Vec::len).sum();
    let lz4: usize = encoded
        .iter()
        .map(|e| lz4_flex::compress_prepend_size(e).len())
        .sum();
    let started = std::time::Instant::now();
    let mut links = 0;
    for e in &encoded {
        let s: NoteSyntax = postcard::from_bytes(e).expect("decoded");
        links += s.links.len();
    }
    let decode = started.elapsed();
    // Freed while not counted, as they were allocated.
    let notes = encoded.len();
    drop(encoded);
    COUNTING.store(true, Ordering::Relaxed);
    println!(
        "  encoded (postcard) {} ({} with LZ4, {} without the links); decoding all {} ms, {:.1} us a note ({links} links)",
        mb(bytes),
        mb(lz4),
        mb(unlinked),
        decode.as_millis(),
        decode.as_secs_f64() * 1e6 / notes.max(1) as f64
    );
}
