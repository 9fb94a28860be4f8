//! The `notegraph` binary: `lsp` (the default) serves the language server over stdio; `check`
//! reports broken and ambiguous links in a vault.

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "notegraph — a language server for linked markdown notes

Usage:
  notegraph [lsp] [--stdio]          serve the Language Server Protocol over stdin/stdout
  notegraph check [DIR] [--format text|json]
                                     report broken and ambiguous links in the vault at DIR
                                     (default: the current folder); exits 1 when links are broken
  notegraph --version | --help

Logging goes to stderr; set NOTEGRAPH_LOG=debug|info|warn|error (default info).";

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
