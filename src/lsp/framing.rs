//! A guard in front of the transport's reader: frames the client's byte stream itself and
//! passes on only messages the transport can decode, dropping the rest with a log line.
//!
//! Why: tower-lsp-server decodes stdin with a `tokio_util` `FramedRead`, which ends the stream
//! after the first decoding error. One malformed message from a client (bad JSON, a body that is
//! not UTF-8, a header block without `Content-Length`) would otherwise end the server as if the
//! editor had closed stdin. A dropped message cannot be answered — its id is unreadable — so the
//! log line is the whole answer; JSON-RPC's own answer to it (an error with id `null`) could not
//! be matched to a request by the client either.

use serde::Deserialize;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tower_lsp_server::jsonrpc::{Request, Response};

/// What the transport accepts: the same shape as its own (private) message type.
#[derive(Deserialize)]
#[serde(untagged)]
#[allow(dead_code)] // Only whether it parses matters.
enum Message {
    Response(Response),
    Request(Request),
}

/// Copy well-formed messages from `input` to `output` until `input` ends; then `output` is
/// dropped, so the transport sees the end of input just as it would have.
pub async fn forward(input: impl AsyncRead + Unpin, mut output: impl AsyncWrite + Unpin) {
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
        if let Err(reason) = check(&body) {
            let start = String::from_utf8_lossy(&body[..body.len().min(80)]).into_owned();
            tracing::error!("dropped an unreadable message ({reason}): {start:?}");
            continue;
        }
        let header = format!("Content-Length: {length}\r\n\r\n");
        let sent = async {
            output.write_all(header.as_bytes()).await?;
            output.write_all(&body).await?;
            output.flush().await
        };
        if sent.await.is_err() {
            // The transport is gone (after `exit`): nothing left to feed.
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

/// Why the transport would refuse `body`, if it would.
fn check(body: &[u8]) -> Result<(), String> {
    let text = std::str::from_utf8(body).map_err(|e| format!("not UTF-8: {e}"))?;
    serde_json::from_str::<Message>(text)
        .map(|_| ())
        .map_err(|e| format!("not a JSON-RPC message: {e}"))
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
        forward(&input[..], &mut output).await;
        let mut expected = frame(good);
        expected.extend(frame(answer));
        assert_eq!(
            String::from_utf8(output).unwrap(),
            String::from_utf8(expected).unwrap()
        );
    }
}
