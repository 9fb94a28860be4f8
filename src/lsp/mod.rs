//! The protocol edge: the only module that knows LSP types. Serves over stdio and logs to stderr.

mod capabilities;
mod catch_panic;
mod cite;
mod complete;
mod configure;
pub mod convert;
pub mod document;
mod framing;
mod handlers;
mod handshake;
mod lifecycle;
mod memory;
mod persist;
mod raw;
mod roots;
mod server;
mod state;
mod to_proto;
mod verify;
mod watch;

use std::process::ExitCode;
use std::sync::atomic::Ordering;

use tower_lsp_server::{LspService, Server as Transport};

pub use state::Server;
pub use state::State;

/// Log to stderr (stdout is the protocol channel), at the level named by `NOTEGRAPH_LOG`.
/// Warnings and errors by default: editors show a server's stderr as they please (Helix files
/// every line under `[ERROR]` in its log), so routine lines wait until someone asks for them.
pub fn init_logging() {
    let level = match std::env::var("NOTEGRAPH_LOG")
        .unwrap_or_default()
        .to_ascii_lowercase()
        .as_str()
    {
        "trace" => tracing::Level::TRACE,
        "debug" => tracing::Level::DEBUG,
        "info" => tracing::Level::INFO,
        "error" => tracing::Level::ERROR,
        _ => tracing::Level::WARN,
    };
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .with_ansi(false)
        .try_init();
}

/// Serve LSP on stdin/stdout until `exit` or end of input. Exit code 0 after a proper
/// `shutdown`, 1 otherwise, as the specification asks.
pub fn run_stdio() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            tracing::error!("cannot start the async runtime: {err}");
            return ExitCode::from(1);
        }
    };
    let state = State::new();
    let shared = state.clone();
    // Requests pass the input guard once an index answers and the client has answered the
    // server's startup questions: those that need the verified index wait for it in their
    // handler, and the verification asks the client nothing.
    let (mut serving, mut asked) = (state.serving_signal(), state.asked_signal());
    let (open, ready) = tokio::sync::watch::channel(false);
    let (answered, answered_rx) = tokio::sync::watch::channel(false);
    let raw = state.raw.clone();
    runtime.block_on(async move {
        tokio::spawn(async move {
            let _ = serving.wait_for(|serving| *serving).await;
            let _ = asked.wait_for(|asked| *asked).await;
            open.send_replace(true);
        });
        let (service, socket) = LspService::new(move |client| Server::new(client, shared));
        // The transport reads a pipe that only well-formed messages reach (see `framing`).
        let (input, guarded) = tokio::io::duplex(1 << 16);
        let signals = framing::Signals {
            ready,
            answered: answered_rx,
        };
        tokio::spawn(framing::forward(tokio::io::stdin(), guarded, signals));
        let service = catch_panic::CatchPanic::new(service);
        // The transport writes to a pipe that `raw` copies to stdout, putting large answers'
        // text in place of their stand-ins (see `raw`).
        let (output, written) = tokio::io::duplex(1 << 16);
        let out =
            tokio::spawn(async move { raw::forward(written, tokio::io::stdout(), &raw).await });
        Transport::new(input, output, socket)
            .serve(handshake::Handshake::new(service, answered))
            .await;
        // The transport is gone and its pipe closed: what it wrote reaches stdout first.
        // A client that stopped reading keeps the process no more than 2 s longer here (while
        // what it left unread fits the pipes; past that the transport itself waits on it, as
        // it did when it wrote to stdout).
        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), out).await;
    });
    // Blocking tasks (a long index) must not keep the process alive after `exit`.
    runtime.shutdown_background();
    if state.shutdown_requested.load(Ordering::SeqCst) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
