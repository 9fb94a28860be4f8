//! A layer around the LSP service that signals when `initialize` has been answered, for the
//! input guard (`framing.rs`) to hold back what a pipelining client sent after it.
//!
//! Why a layer: the transport marks the session initialized inside the future that answers
//! `initialize`, after our handler returns, and drops every notification that arrives before
//! — `initialized` too, and then the server never indexes. Once this layer's future for
//! `initialize` is done, so is that marking, whatever order the tasks run in.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::sync::watch;
use tower_lsp_server::jsonrpc::{Request, Response};
use tower_service::Service;

/// The service `S`, with `answered` set to true when a call of `initialize` ends (with any
/// answer: after an error the client may only try `initialize` again).
pub struct Handshake<S> {
    inner: S,
    answered: watch::Sender<bool>,
}

impl<S> Handshake<S> {
    pub fn new(inner: S, answered: watch::Sender<bool>) -> Handshake<S> {
        Handshake { inner, answered }
    }
}

type Answer<E> = Result<Option<Response>, E>;

impl<S> Service<Request> for Handshake<S>
where
    S: Service<Request, Response = Option<Response>>,
    S::Future: Send + 'static,
{
    type Response = Option<Response>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Answer<S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let initialize = request.method() == "initialize" && request.id().is_some();
        let answer = self.inner.call(request);
        if !initialize {
            return Box::pin(answer);
        }
        let answered = self.answered.clone();
        Box::pin(async move {
            let answer = answer.await;
            answered.send_replace(true);
            answer
        })
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::super::framing::{Signals, forward};
    use super::*;

    fn frame(body: &[u8]) -> Vec<u8> {
        let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        out.extend_from_slice(body);
        out
    }

    #[tokio::test]
    async fn what_a_client_sends_after_initialize_waits_for_its_answer() {
        let initialize = br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#;
        let initialized = br#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let open = br#"{"jsonrpc":"2.0","method":"textDocument/didOpen"}"#;
        let request = br#"{"jsonrpc":"2.0","id":2,"method":"textDocument/hover"}"#;
        let (mut client, input) = tokio::io::duplex(1 << 16);
        let (output, mut server) = tokio::io::duplex(1 << 16);
        let (ready, ready_rx) = watch::channel(false);
        let (answered, answered_rx) = watch::channel(false);
        let signals = Signals {
            ready: ready_rx,
            answered: answered_rx,
        };
        let forwarding = tokio::spawn(forward(input, output, signals));
        // An answer (to a server's request) is never held: it shows what passed before it.
        let answer = br#"{"jsonrpc":"2.0","id":0,"result":null}"#;
        for body in [&initialize[..], initialized, open, request, answer] {
            client.write_all(&frame(body)).await.unwrap();
        }
        let mut expected = frame(initialize);
        expected.extend(frame(answer));
        let mut seen = vec![0; expected.len()];
        server.read_exact(&mut seen).await.unwrap();
        assert_eq!(
            String::from_utf8(seen).unwrap(),
            String::from_utf8(expected).unwrap()
        );

        // Answered: `initialized` and `didOpen` pass; the request waits for the index.
        answered.send_replace(true);
        let mut expected = frame(initialized);
        expected.extend(frame(open));
        let mut seen = vec![0; expected.len()];
        server.read_exact(&mut seen).await.unwrap();
        assert_eq!(
            String::from_utf8(seen).unwrap(),
            String::from_utf8(expected).unwrap()
        );

        ready.send_replace(true);
        drop(client);
        let mut rest = Vec::new();
        server.read_to_end(&mut rest).await.unwrap();
        forwarding.await.unwrap();
        assert_eq!(
            String::from_utf8(rest).unwrap(),
            String::from_utf8(frame(request)).unwrap()
        );
    }
}
