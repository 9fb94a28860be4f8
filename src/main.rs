//! The `notegraph` binary: `lsp` (the default) serves the language server over stdio; `check`
//! reports broken and ambiguous links in a vault; `graph` writes the vault's graph.

use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc, not the system's allocator (issue 12; README "Allocator" has the alternated runs).
/// Indexing allocates millions of small strings, lists and boxes on rayon's threads and frees
/// many of them on another: glibc's malloc spent about a fifth of a cold start's CPU there, even
/// limited to two arenas (which it needed, each worker's arena keeping what it freed for
/// itself). With mimalloc's per-thread pages a cold start took 15–33% less CPU and a restart
/// about 10% less, for 8–14% more peak RSS.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "notegraph — a language server for linked markdown notes

Usage:
  notegraph [lsp] [--stdio]          serve the Language Server Protocol over stdin/stdout
  notegraph check [DIR] [--format text|json]
                                     report broken and ambiguous links in the vault at DIR
                                     (default: the current folder); exits 1 when links are broken
  notegraph graph [DIR] [--format html|json|dot|graphml] [--out FILE] [--note PATH [--depth N]]
                                     write the vault's graph (default html, to stdout): an
                                     interactive page, or data for tools; --note gives the local
                                     graph of one note, --depth links around it (default 2)
  notegraph --version | --help

Logging goes to stderr; set NOTEGRAPH_LOG=trace|debug|info|warn|error (default warn).";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut args = args.iter().map(String::as_str).peekable();
    match args.peek().copied() {
        None | Some("lsp") | Some("--stdio") => {
            if args.peek() == Some(&"lsp") {
                args.next();
            }
            for arg in args {
                if arg != "--stdio" {
                    eprintln!("notegraph lsp: unknown argument {arg:?}\n\n{USAGE}");
                    return ExitCode::from(2);
                }
            }
            notegraph::lsp::init_logging();
            notegraph::lsp::run_stdio()
        }
        Some("check") => {
            args.next();
            let mut dir = None;
            let mut json = false;
            while let Some(arg) = args.next() {
                match arg {
                    "--format" => match args.next() {
                        Some("json") => json = true,
                        Some("text") => json = false,
                        other => {
                            eprintln!(
                                "notegraph check: --format takes text or json, not {other:?}"
                            );
                            return ExitCode::from(2);
                        }
                    },
                    "--format=json" => json = true,
                    "--format=text" => json = false,
                    a if a.starts_with('-') => {
                        eprintln!("notegraph check: unknown option {a:?}\n\n{USAGE}");
                        return ExitCode::from(2);
                    }
                    a if dir.is_none() => dir = Some(PathBuf::from(a)),
                    a => {
                        eprintln!("notegraph check: one folder only, got a second: {a:?}");
                        return ExitCode::from(2);
                    }
                }
            }
            let dir = dir.unwrap_or_else(|| PathBuf::from("."));
            if !dir.is_dir() {
                eprintln!("notegraph check: {} is not a folder", dir.display());
                return ExitCode::from(2);
            }
            // The report is the output; logs (the on-disk index's, say) only when asked for.
            if std::env::var_os("NOTEGRAPH_LOG").is_some() {
                notegraph::lsp::init_logging();
            }
            let stdout = std::io::stdout();
            match notegraph::check::run(&dir, json, &mut stdout.lock()) {
                Ok(summary) if summary.broken > 0 => ExitCode::from(1),
                Ok(_) => ExitCode::SUCCESS,
                Err(err) => {
                    eprintln!("notegraph check: {err}");
                    ExitCode::from(2)
                }
            }
        }
        Some("graph") => {
            args.next();
            // Configuration problems and, with NOTEGRAPH_LOG=debug, timings, on stderr.
            notegraph::lsp::init_logging();
            graph(args.collect())
        }
        Some("--version") | Some("-V") => {
            println!("notegraph {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Some("--help") | Some("-h") | Some("help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("notegraph: unknown command {other:?}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// `notegraph graph`: parse the arguments, write the graph to `--out` or stdout.
fn graph(args: Vec<&str>) -> ExitCode {
    use notegraph::graph::command::{DEFAULT_DEPTH, Format, Request};
    let usage = |msg: String| {
        eprintln!("notegraph graph: {msg}\n\n{USAGE}");
        ExitCode::from(2)
    };
    let mut dir = None;
    let mut out = None;
    let mut depth = None;
    let mut request = Request {
        format: Format::Html,
        note: None,
        depth: DEFAULT_DEPTH,
        options: Default::default(),
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        // `--opt=value` and `--opt value` alike.
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v)),
            _ => (arg, None),
        };
        let mut value = |name: &str| inline.or_else(|| args.next()).ok_or(name.to_string());
        match name {
            "--format" => match value(name).map(Format::parse) {
                Ok(Some(f)) => request.format = f,
                Ok(None) | Err(_) => {
                    return usage("--format takes html, json, dot or graphml".into());
                }
            },
            "--out" | "-o" => match value(name) {
                Ok(v) => out = Some(PathBuf::from(v)),
                Err(_) => return usage("--out takes a file".into()),
            },
            "--note" => match value(name) {
                Ok(v) => request.note = Some(v.to_string()),
                Err(_) => return usage("--note takes a note's path".into()),
            },
            "--depth" => match value(name).map(str::parse::<u32>) {
                Ok(Ok(d)) if d >= 1 => depth = Some(d),
                _ => return usage("--depth takes a whole number from 1".into()),
            },
            "--no-tags" => request.options.no_tags = true,
            a if a.starts_with('-') => return usage(format!("unknown option {a:?}")),
            a if dir.is_none() => dir = Some(PathBuf::from(a)),
            a => return usage(format!("one folder only, got a second: {a:?}")),
        }
    }
    if let Some(d) = depth {
        if request.note.is_none() {
            return usage("--depth needs --note".into());
        }
        request.depth = d;
    }
    let dir = dir.unwrap_or_else(|| PathBuf::from("."));
    if !dir.is_dir() {
        eprintln!("notegraph graph: {} is not a folder", dir.display());
        return ExitCode::from(2);
    }
    // Into memory first: a failed run leaves no half-written file behind.
    let mut buf = Vec::new();
    if let Err(err) = notegraph::graph::command::run(&dir, &request, &mut buf) {
        eprintln!("notegraph graph: {err}");
        return ExitCode::from(2);
    }
    let written = match &out {
        Some(path) => std::fs::write(path, &buf),
        None => std::io::Write::write_all(&mut std::io::stdout().lock(), &buf),
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let to = out.map_or("stdout".to_string(), |p| p.display().to_string());
            eprintln!("notegraph graph: cannot write {to}: {err}");
            ExitCode::from(2)
        }
    }
}
