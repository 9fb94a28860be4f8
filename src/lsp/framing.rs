//! A guard in front of the transport's reader: frames the client's byte stream itself and
//! passes on only messages the transport can decode, dropping the rest with a log line.
//!
//! Why: tower-lsp-server decodes stdin with a `tokio_util` `FramedRead`, which ends the stream
//! after the first decoding error. One malformed message from a client (bad JSON, a body that is
//! not UTF-8, a header block without `Content-Length`) would otherwise end the server as if the
//! editor had closed stdin. A dropped message cannot be answered — its id is unreadable — so the
//! log line is the whole answer; JSON-RPC's own answer to it (an error with id `null`) could not
//! be matched to a request by the client either.

//!
//! It also keeps the session from deadlocking at startup. After `initialized` the server asks
//! the client things (file watching, a progress token, configuration) and only then finishes
//! its first index; requests wait for that index, each holding one of the transport's four
//! handler slots, and once its queue of 100 is full the transport stops reading — so a client
//! that sends a flood before answering would never have its answers read. From `initialized`
//! until the first index is ready, this guard therefore holds the client's requests and
//! notifications back (in order) and lets only its answers through.

use std::collections::VecDeque;

use serde::Deserialize;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::{mpsc, watch};
use tower_lsp_server::jsonrpc::{Request, Response};

/// What the transport accepts: the same shape as its own (private) message type.
#[derive(Deserialize)]
#[serde(untagged)]
enum Message {
    Response(#[allow(dead_code)] Response),
    Request(Request),
}

/// The most bytes one message may hold: past this, its body is skipped unread. A buffer a
/// user edits is far smaller (notes over 16 MB are not indexed).
const MAX_MESSAGE_BYTES: usize = 64 << 20;

/// The most JSON values (arrays, objects, elements) one message may hold. Each costs tens of
/// bytes in every parse of it (here, in the transport, in the handler's params), so 20 MB of
/// `[],` took gigabytes; the largest real messages (thousands of file events) hold far fewer.
const MAX_JSON_VALUES: usize = 1 << 18;

/// A well-formed message and what kind it is.
struct Frame {
    bytes: Vec<u8>,
    /// An answer to one of the server's requests.
    answer: bool,
    /// A request (it has an id), which may wait for the index.
    request: bool,
    initialized: bool,
}

/// Copy well-formed messages from `input` to `output` until `input` ends; then `output` is
/// dropped, so the transport sees the end of input just as it would have. `ready` turns true
/// when the first index is built.
pub async fn forward(
    input: impl AsyncRead + Unpin + Send + 'static,
    mut output: impl AsyncWrite + Unpin,
    mut ready: watch::Receiver<bool>,
) {
    let (tx, mut frames) = mpsc::unbounded_channel();
    tokio::spawn(read_frames(input, tx));
    let mut initialized = false;
    let mut held: VecDeque<Vec<u8>> = VecDeque::new();
    loop {
        tokio::select! {
            frame = frames.recv() => {
                let Some(frame) = frame else { break };
                let frame: Frame = frame;
                let hold = !frame.answer
                    && (!held.is_empty() || (initialized && frame.request && !*ready.borrow()));
                initialized |= frame.initialized;
                if hold {
                    held.push_back(frame.bytes);
                } else if write(&mut output, &frame.bytes).await.is_err() {
                    return;
                }
            }
            changed = ready.changed(), if !held.is_empty() => {
                if changed.is_err() || *ready.borrow() {
                    while let Some(bytes) = held.pop_front() {
                        if write(&mut output, &bytes).await.is_err() {
                            return;
                        }
                    }
                }
            }
        }
    }
    // The client is gone; what it sent before still reaches the server, in order.
    while let Some(bytes) = held.pop_front() {
        if write(&mut output, &bytes).await.is_err() {
            return;
        }
    }
}

async fn write(output: &mut (impl AsyncWrite + Unpin), body: &[u8]) -> std::io::Result<()> {
    let header = format!("Content-Length: {}\r\n\r\n", body.len());
    output.write_all(header.as_bytes()).await?;
    output.write_all(body).await?;
    output.flush().await
}

/// Read, frame and check messages until the input ends.
async fn read_frames(input: impl AsyncRead + Unpin, frames: mpsc::UnboundedSender<Frame>) {
    let mut input = BufReader::new(input);
    loop {
        let length = match read_headers(&mut input).await {
            Ok(Some(Some(length))) => length,
            Ok(Some(None)) => {
                tracing::error!("dropped a message header without Content-Length");
                continue;
            }
            Ok(None) => return,
            Err(err) => {
                tracing::error!("cannot read from the client: {err}");
                return;
            }
        };
        if length > MAX_MESSAGE_BYTES {
            tracing::error!(
                "dropped a message of {length} bytes, more than the {MAX_MESSAGE_BYTES} one \
                 message may hold"
            );
            let skipped = tokio::io::copy(
                &mut (&mut input).take(length as u64),
                &mut tokio::io::sink(),
            )
            .await;
            if skipped.is_ok_and(|n| n == length as u64) {
                continue;
            }
            return;
        }
        let mut body = Vec::new();
        match (&mut input)
            .take(length as u64)
            .read_to_end(&mut body)
            .await
        {
            Ok(n) if n == length => {}
            Ok(_) => {
                tracing::error!("input ended inside a message of {length} bytes");
                return;
            }
            Err(err) => {
                tracing::error!("cannot read from the client: {err}");
                return;
            }
        }
        let frame = match check(&body) {
            Ok(Message::Response(_)) => Frame {
                bytes: body,
                answer: true,
                request: false,
                initialized: false,
            },
            Ok(Message::Request(request)) => Frame {
                request: request.id().is_some(),
                initialized: request.method() == "initialized",
                answer: false,
                bytes: body,
            },
            Err(reason) => {
                let start = String::from_utf8_lossy(&body[..body.len().min(80)]).into_owned();
                tracing::error!("dropped an unreadable message ({reason}): {start:?}");
                continue;
            }
        };
        if frames.send(frame).is_err() {
            return;
        }
    }
}

/// Read one header block. `None` at the end of input; `Some(None)` for a block without a
/// usable `Content-Length`.
async fn read_headers(
    input: &mut (impl AsyncBufReadExt + Unpin),
) -> std::io::Result<Option<Option<usize>>> {
    let mut length = None;
    let mut seen_any = false;
    loop {
        let mut line = Vec::new();
        if input.read_until(b'\n', &mut line).await? == 0 {
            return Ok(None);
        }
        let line = String::from_utf8_lossy(&line);
        let line = line.trim();
        if line.is_empty() {
            if seen_any {
                return Ok(Some(length));
            }
            // Stray blank lines between messages.
            continue;
        }
        seen_any = true;
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = value.trim().parse::<usize>().ok();
            }
        }
    }
}

/// The message in `body`, or why the transport would refuse it (or why it costs too much to
/// parse).
fn check(body: &[u8]) -> Result<Message, String> {
    let values = json_values(body);
    if values > MAX_JSON_VALUES {
        return Err(format!(
            "it holds {values} JSON values, more than the {MAX_JSON_VALUES} one message may hold"
        ));
    }
    let text = std::str::from_utf8(body).map_err(|e| format!("not UTF-8: {e}"))?;
    serde_json::from_str::<Message>(text).map_err(|e| format!("not a JSON-RPC message: {e}"))
}

/// About how many values JSON text holds: its arrays, objects and separators outside strings.
/// One pass over the bytes, nothing allocated.
fn json_values(body: &[u8]) -> usize {
    let (mut count, mut in_string, mut escaped) = (0, false, false);
    for &b in body {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => in_string = true,
                b'[' | b'{' | b',' => count += 1,
                _ => {}
            }
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &[u8]) -> Vec<u8> {
        let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        out.extend_from_slice(body);
        out
    }

    #[tokio::test]
    async fn only_well_formed_messages_pass_and_reading_goes_on_after_bad_ones() {
        let good = br#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#;
        let answer = br#"{"jsonrpc":"2.0","id":"x","result":null}"#;
        let mut input = Vec::new();
        input.extend(frame(b"{ not json"));
        input.extend(frame(b"[1, 2, 3]"));
        input.extend(frame(b"{\"jsonrpc\":\"2.0\",\"method\":\"\xff\"}"));
        input.extend(b"X-Nonsense: 1\r\n\r\n");
        input.extend(frame(good));
        input.extend(b"\r\n");
        input.extend(frame(answer));
        // Cut short: the end of input inside a body ends forwarding quietly.
        input.extend(b"Content-Length: 50\r\n\r\n{\"jsonrpc\"");
        let mut output = Vec::new();
        let (_ready, ready_rx) = watch::channel(true);
        forward(std::io::Cursor::new(input), &mut output, ready_rx).await;
        let mut expected = frame(good);
        expected.extend(frame(answer));
        assert_eq!(
            String::from_utf8(output).unwrap(),
            String::from_utf8(expected).unwrap()
        );
    }

    #[tokio::test]
    async fn messages_that_would_cost_too_much_to_parse_are_dropped_and_reading_goes_on() {
        let good = br#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#;
        // Small arrays: little text, a value each.
        let mut arrays = br#"{"jsonrpc":"2.0","id":2,"method":"x","params":["#.to_vec();
        arrays.extend("[],".repeat(MAX_JSON_VALUES).as_bytes());
        arrays.extend(b"[]]}");
        // Just under the bound, in strings that hold brackets: passes.
        let mut fits = br#"{"jsonrpc":"2.0","id":3,"method":"x","params":["[,{\"","#.to_vec();
        fits.extend("0,".repeat(MAX_JSON_VALUES - 8).as_bytes());
        fits.extend(b"0]}");
        let huge = MAX_MESSAGE_BYTES + 1;
        // Streamed, never held: the body of an oversized message is skipped as it arrives.
        let input = std::io::Cursor::new(frame(&arrays))
            .chain(std::io::Cursor::new(
                format!("Content-Length: {huge}\r\n\r\n").into_bytes(),
            ))
            .chain(tokio::io::repeat(b' ').take(huge as u64))
            .chain(std::io::Cursor::new(frame(&fits)))
            .chain(std::io::Cursor::new(frame(good)));
        let mut output = Vec::new();
        let (_ready, ready_rx) = watch::channel(true);
        forward(input, &mut output, ready_rx).await;
        let mut expected = frame(&fits);
        expected.extend(frame(good));
        assert!(
            output == expected,
            "{}",
            String::from_utf8_lossy(&output[..200])
        );
    }

    #[tokio::test]
    async fn after_initialized_requests_wait_for_the_index_while_answers_pass() {
        let initialized = br#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let request = br#"{"jsonrpc":"2.0","id":1,"method":"textDocument/hover"}"#;
        let change = br#"{"jsonrpc":"2.0","method":"textDocument/didChange"}"#;
        let answer = br#"{"jsonrpc":"2.0","id":0,"result":null}"#;
        let later = br#"{"jsonrpc":"2.0","id":2,"method":"shutdown"}"#;
        let (mut client, input) = tokio::io::duplex(1 << 16);
        let (output, mut server) = tokio::io::duplex(1 << 16);
        let (ready, ready_rx) = watch::channel(false);
        let forwarding = tokio::spawn(forward(input, output, ready_rx));
        for body in [&initialized[..], request, change, answer, later] {
            client.write_all(&frame(body)).await.unwrap();
        }
        let mut expected = frame(initialized);
        expected.extend(frame(answer));
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
        let mut expected = frame(request);
        expected.extend(frame(change));
        expected.extend(frame(later));
        assert_eq!(
            String::from_utf8(rest).unwrap(),
            String::from_utf8(expected).unwrap()
        );
    }
}
