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
//! until the first index serves, this guard therefore holds the client's requests and
//! notifications back (in order) and lets only its answers through.
//!
//! And it keeps a pipelining client's handshake whole. The transport drops every notification
//! that arrives before its `initialize` is answered, `initialized` included — and without
//! `initialized` the server never indexes. Some clients send `initialize`, `initialized` and
//! `didOpen` at once (out of spec), so from `initialize` until its answer is out (the signal
//! comes from `handshake.rs`), this guard holds everything the client sends after it.

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
    initialize: bool,
    initialized: bool,
}

/// What the server tells the guard.
pub struct Signals {
    /// Turns true when the first index is built.
    pub ready: watch::Receiver<bool>,
    /// Turns true when the client's `initialize` has been answered.
    pub answered: watch::Receiver<bool>,
}

/// The signals of a server whose `initialize` is answered already: only the index is awaited.
impl From<watch::Receiver<bool>> for Signals {
    fn from(ready: watch::Receiver<bool>) -> Signals {
        Signals {
            ready,
            answered: watch::channel(true).1,
        }
    }
}

/// Where the session is, as far as holding messages back goes.
#[derive(Default)]
struct Gate {
    /// An `initialize` request was passed on…
    asked: bool,
    /// …and answered.
    answered: bool,
    /// `initialized` was passed on.
    initialized: bool,
    /// The first index is built.
    ready: bool,
}

impl Gate {
    /// Whether `frame` must wait. Answers never do: the server may be waiting for them.
    fn holds(&self, frame: &Frame) -> bool {
        !frame.answer
            && ((self.asked && !self.answered)
                || (self.initialized && frame.request && !self.ready))
    }

    fn passed(&mut self, frame: &Frame) {
        self.asked |= frame.initialize;
        self.initialized |= frame.initialized;
    }
}

/// Copy well-formed messages from `input` to `output` until `input` ends; then `output` is
/// dropped, so the transport sees the end of input just as it would have. Messages are held
/// back, in order, while [`Gate::holds`] says so.
pub async fn forward(
    input: impl AsyncRead + Unpin + Send + 'static,
    mut output: impl AsyncWrite + Unpin,
    signals: impl Into<Signals>,
) {
    let Signals {
        mut ready,
        mut answered,
    } = signals.into();
    let (tx, mut frames) = mpsc::unbounded_channel();
    tokio::spawn(read_frames(input, tx));
    let mut gate = Gate::default();
    let mut held: VecDeque<Frame> = VecDeque::new();
    loop {
        // A signal whose sender is gone holds nothing back any more.
        tokio::select! {
            frame = frames.recv() => {
                let Some(frame) = frame else { break };
                let frame: Frame = frame;
                gate.ready |= *ready.borrow();
                gate.answered |= *answered.borrow();
                let hold = !frame.answer && (!held.is_empty() || gate.holds(&frame));
                if hold {
                    held.push_back(frame);
                } else if write(&mut output, &frame.bytes).await.is_err() {
                    return;
                } else {
                    gate.passed(&frame);
                }
            }
            changed = ready.changed(), if !held.is_empty() && !gate.ready => {
                gate.ready = changed.is_err() || *ready.borrow();
            }
            changed = answered.changed(), if !held.is_empty() && !gate.answered => {
                gate.answered = changed.is_err() || *answered.borrow();
            }
        }
        while held.front().is_some_and(|frame| !gate.holds(frame)) {
            let frame = held.pop_front().expect("a held frame");
            if write(&mut output, &frame.bytes).await.is_err() {
                return;
            }
            gate.passed(&frame);
        }
    }
    // The client is gone; what it sent before still reaches the server, in order.
    while let Some(frame) = held.pop_front() {
        if write(&mut output, &frame.bytes).await.is_err() {
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

/// The header every message starts with, compared without regard to case.
const LENGTH_HEADER: &[u8] = b"content-length:";

/// How far back a header may start before bytes just read, when a body is searched for one.
const HEADER_OVERLAP: usize = 64;

/// The client's bytes, with room to put back what turned out to belong to the next message.
///
/// Why: after a frame whose `Content-Length` is wrong (`abc`, a few bytes short or long), the
/// next header is glued to the end of a body or hidden inside one. Reading on from where the
/// length said the body ends lost every later message, `exit` included: a live but deaf server.
/// So a bad frame's bytes are searched for the next `Content-Length:`, and reading resumes there.
struct Input<R> {
    reader: BufReader<R>,
    /// Bytes put back, read before the reader's; `pending[at..]` are still unread.
    pending: Vec<u8>,
    at: usize,
}

impl<R: AsyncRead + Unpin> Input<R> {
    fn new(reader: R) -> Self {
        Input {
            reader: BufReader::new(reader),
            pending: Vec::new(),
            at: 0,
        }
    }

    fn unread(&mut self, bytes: &[u8]) {
        let mut pending = bytes.to_vec();
        pending.extend_from_slice(&self.pending[self.at..]);
        self.pending = pending;
        self.at = 0;
    }

    /// One line, its `\n` included (none at the end of input); empty at the end of input.
    async fn read_line(&mut self) -> std::io::Result<Vec<u8>> {
        let mut line = Vec::new();
        if self.at < self.pending.len() {
            let rest = &self.pending[self.at..];
            let end = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
            line.extend_from_slice(&rest[..end]);
            self.at += end;
            if line.ends_with(b"\n") {
                return Ok(line);
            }
        }
        self.reader.read_until(b'\n', &mut line).await?;
        Ok(line)
    }

    /// A body of `length` bytes, cut short where a header of the next message shows inside it
    /// (see [`header_line_at`]). With `keep` false the bytes are only looked through, never
    /// held (a message too large to keep), and the body comes back empty. `None` when the
    /// input ends first.
    async fn read_body(&mut self, length: usize, keep: bool) -> std::io::Result<Option<Body>> {
        // The body when kept, else its last bytes, so that a header split across two chunks is
        // still found. Grown as bytes come, never to a length only claimed.
        let mut seen: Vec<u8> = Vec::with_capacity(if keep { length.min(1 << 16) } else { 0 });
        let mut left = length;
        let mut scanned = 0;
        let mut chunk = vec![0; length.min(1 << 16)];
        loop {
            if let Some(start) = find_header_line(&seen, scanned) {
                self.unread(&seen[start..]);
                seen.truncate(start);
                return Ok(Some(Body::Cut(if keep { seen } else { Vec::new() })));
            }
            if left == 0 {
                return Ok(Some(Body::Whole(if keep { seen } else { Vec::new() })));
            }
            if !keep {
                seen.drain(..seen.len().saturating_sub(HEADER_OVERLAP));
            }
            scanned = seen.len().saturating_sub(HEADER_OVERLAP);
            // What is there, not all that is claimed: a header of the next message must be
            // seen while the client waits for its answer.
            let want = left.min(chunk.len());
            let n = if self.at < self.pending.len() {
                let n = want.min(self.pending.len() - self.at);
                chunk[..n].copy_from_slice(&self.pending[self.at..self.at + n]);
                self.at += n;
                n
            } else {
                let n = self.reader.read(&mut chunk[..want]).await?;
                if n == 0 {
                    return Ok(None);
                }
                n
            };
            left -= n;
            seen.extend_from_slice(&chunk[..n]);
        }
    }
}

/// A message body as read.
enum Body {
    /// `Content-Length` bytes.
    Whole(Vec<u8>),
    /// Fewer: the next message's header showed inside; it is read next.
    Cut(Vec<u8>),
}

/// Where `content-length:` (any case) first starts in `bytes` at or after `from`.
fn find_length_header(bytes: &[u8], from: usize) -> Option<usize> {
    memchr::memchr2_iter(b'c', b'C', bytes.get(from..)?)
        .map(|i| from + i)
        .find(|&i| {
            bytes
                .get(i..i + LENGTH_HEADER.len())
                .is_some_and(|b| b.eq_ignore_ascii_case(LENGTH_HEADER))
        })
}

/// Where a whole header line `Content-Length: 123` followed by a line break starts, at or after
/// `from`. Never inside a well-formed message: JSON allows no raw line break in a string, and
/// no bare word outside one.
fn find_header_line(bytes: &[u8], mut from: usize) -> Option<usize> {
    while let Some(start) = find_length_header(bytes, from) {
        if header_line_at(bytes, start) {
            return Some(start);
        }
        from = start + 1;
    }
    None
}

fn header_line_at(bytes: &[u8], start: usize) -> bool {
    let rest = &bytes[start + LENGTH_HEADER.len()..];
    let value = rest.iter().position(|b| !matches!(b, b' ' | b'\t'));
    let Some(value) = value else { return false };
    let digits = rest[value..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    digits > 0
        && rest[value + digits..]
            .iter()
            .find(|b| !matches!(b, b' ' | b'\t'))
            .is_some_and(|b| matches!(b, b'\r' | b'\n'))
}

/// Where the next message may start in an unreadable body: a `content-length:` inside it, or a
/// start of one at its very end (the length claimed a few bytes too many).
fn resync_point(body: &[u8]) -> Option<usize> {
    if let Some(start) = find_length_header(body, 0) {
        return Some(start);
    }
    (1..LENGTH_HEADER.len())
        .rev()
        .filter(|&n| n < body.len())
        .find(|&n| body[body.len() - n..].eq_ignore_ascii_case(&LENGTH_HEADER[..n]))
        .map(|n| body.len() - n)
}

/// Read, frame and check messages until the input ends.
async fn read_frames(input: impl AsyncRead + Unpin, frames: mpsc::UnboundedSender<Frame>) {
    let mut input = Input::new(input);
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
            match input.read_body(length, false).await {
                Ok(Some(_)) => continue,
                Ok(None) => return,
                Err(err) => {
                    tracing::error!("cannot read from the client: {err}");
                    return;
                }
            }
        }
        let mut body = match input.read_body(length, true).await {
            Ok(Some(Body::Whole(body))) => body,
            Ok(Some(Body::Cut(body))) => {
                tracing::error!(
                    "dropped a message of {} bytes that claimed {length}: the next header came first",
                    body.len()
                );
                continue;
            }
            Ok(None) => {
                tracing::error!("input ended inside a message of {length} bytes");
                return;
            }
            Err(err) => {
                tracing::error!("cannot read from the client: {err}");
                return;
            }
        };
        let frame = match check(&body) {
            Ok(Message::Response(_)) => Frame {
                bytes: body,
                answer: true,
                request: false,
                initialize: false,
                initialized: false,
            },
            Ok(Message::Request(request)) => Frame {
                request: request.id().is_some(),
                initialize: request.method() == "initialize" && request.id().is_some(),
                initialized: request.method() == "initialized",
                answer: false,
                bytes: body,
            },
            Err(reason) => {
                // A length a few bytes short leaves the rest of the body before the next
                // header, which `read_headers` skips; one a few bytes long took the header's
                // first bytes, which go back to be read again.
                if let Some(start) = resync_point(&body) {
                    input.unread(&body[start..]);
                    body.truncate(start);
                }
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
/// usable `Content-Length`. Bytes before a `Content-Length:` on its line are the rest of a
/// bad frame: they are skipped, and the header read from there.
async fn read_headers<R: AsyncRead + Unpin>(
    input: &mut Input<R>,
) -> std::io::Result<Option<Option<usize>>> {
    let mut length = None;
    let mut seen_any = false;
    loop {
        let mut line = input.read_line().await?;
        if line.is_empty() {
            return Ok(None);
        }
        let lead = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
        if let Some(start) = find_length_header(&line, lead).filter(|&start| start > lead) {
            tracing::error!(
                "skipped {start} bytes before a Content-Length header: {:?}",
                String::from_utf8_lossy(&line[..start.min(80)])
            );
            line.drain(..start);
            // What came before belonged to a bad frame, not to this header block.
            length = None;
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
    async fn after_a_frame_with_a_wrong_length_reading_resumes_at_the_next_header() {
        let bodies: Vec<Vec<u8>> = (1..=8)
            .map(|id| format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"m"}}"#).into_bytes())
            .collect();
        let claiming = |body: &[u8], length: usize| {
            let mut out = format!("Content-Length: {length}\r\n\r\n").into_bytes();
            out.extend_from_slice(body);
            out
        };
        let mut input = Vec::new();
        // A length that is no number, before a body.
        input.extend(br#"Content-Length: abc"#);
        input.extend(b"\r\n\r\n");
        input.extend(br#"{"jsonrpc":"2.0","method":"x"}"#);
        input.extend(frame(&bodies[0]));
        // A few bytes short: the body's end is glued to the next header.
        input.extend(claiming(&bodies[1], bodies[1].len() - 3));
        input.extend(frame(&bodies[2]));
        // A few bytes long: the body takes the start of the next header.
        input.extend(claiming(&bodies[3], bodies[3].len() + 5));
        input.extend(frame(&bodies[4]));
        // Far too long: the next whole message lies inside the claimed length.
        input.extend(claiming(&bodies[5], 100_000));
        input.extend(frame(&bodies[6]));
        input.extend(frame(&bodies[7]));
        let mut output = Vec::new();
        let (_ready, ready_rx) = watch::channel(true);
        forward(std::io::Cursor::new(input), &mut output, ready_rx).await;
        let expected: Vec<u8> = [0, 2, 4, 6, 7]
            .iter()
            .flat_map(|&i| frame(&bodies[i]))
            .collect();
        assert_eq!(
            String::from_utf8(output).unwrap(),
            String::from_utf8(expected).unwrap()
        );
    }

    #[test]
    fn a_header_line_is_never_found_inside_a_well_formed_message() {
        let body = br#"{"jsonrpc":"2.0","method":"m","params":{"text":"Content-Length: 12 \r\n"}}"#;
        assert_eq!(find_header_line(body, 0), None);
        assert!(check(body).is_ok());
        let glued = b"}}Content-Length: 12\r\n";
        assert_eq!(find_header_line(glued, 0), Some(2));
        assert_eq!(resync_point(b"{\"a\":1}Conte"), Some(7));
        assert_eq!(resync_point(b"{\"a\":1}"), None);
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
