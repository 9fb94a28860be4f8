//! Large answers written straight to JSON text, past the transport's `serde_json::Value` tree.
//!
//! Why: tower-lsp-server turns every handler's answer into a `serde_json::Value` before it
//! writes it — a map per object, a `String` per key. For the 10,000 locations of a much-cited
//! note's references that tree was over half of the server's time, and a rename's 7,500 edits
//! held ~26 MB of it at once. A handler of such an answer instead writes it to text itself
//! ([`RawAnswers::stash`]) and returns a stand-in of the same type naming it (one location or
//! one edited file whose URI is `notegraph-raw:<token>`). [`forward`], between the transport
//! and stdout, replaces a response whose result is exactly a pending stand-in with the text.
//! The client sees the same JSON it would have seen, written once.

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tower_lsp_server::ls_types::{
    CompletionItem, CompletionResponse, Location, Range, Uri, WorkspaceEdit,
};

/// The scheme of a stand-in's URI.
const PREFIX: &[u8] = b"notegraph-raw:";

/// Stashed answers not yet written. A stand-in whose response never comes (its request was
/// cancelled between the stash and the answer, or its handler panicked) is forgotten once
/// this many newer ones wait: answers are written in a few milliseconds, so none is that old.
const MAX_PENDING: usize = 64;

/// Answers written to text by their handlers, waiting for the transport to answer with their
/// stand-ins.
#[derive(Default)]
pub struct RawAnswers {
    next: AtomicU64,
    pending: Mutex<BTreeMap<u64, Stashed>>,
}

struct Stashed {
    /// The stand-in as the transport writes it: the response's result must equal it.
    stand_in: Value,
    json: Vec<u8>,
}

impl RawAnswers {
    /// `answer` written to text and stashed; returns the stand-in `stand_in` makes from the
    /// name of the text (`notegraph-raw:<token>`), for the handler to return instead. Where
    /// either cannot be made, `answer` itself is returned.
    pub fn stash<T: Serialize>(&self, answer: T, stand_in: impl FnOnce(String) -> Option<T>) -> T {
        let token = self.next.fetch_add(1, Ordering::Relaxed);
        let name = format!("{}{token}", String::from_utf8_lossy(PREFIX));
        let Ok(json) = serde_json::to_vec(&answer) else {
            return answer;
        };
        let Some(stand_in) = stand_in(name) else {
            return answer;
        };
        let Ok(value) = serde_json::to_value(&stand_in) else {
            return answer;
        };
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.insert(
            token,
            Stashed {
                stand_in: value,
                json,
            },
        );
        while pending.len() > MAX_PENDING {
            pending.pop_first();
        }
        stand_in
    }

    /// `locations` for a handler to return: a stand-in, one location naming their text.
    pub fn locations(&self, locations: Vec<Location>) -> Vec<Location> {
        self.stash(locations, |name| {
            let uri = Uri::from_str(&name).ok()?;
            Some(vec![Location::new(uri, Range::default())])
        })
    }

    /// `edit` for a handler to return: a stand-in, one file with no edits, naming its text.
    pub fn workspace_edit(&self, edit: WorkspaceEdit) -> WorkspaceEdit {
        self.stash(edit, |name| {
            let uri = Uri::from_str(&name).ok()?;
            Some(WorkspaceEdit {
                changes: Some(HashMap::from([(uri, Vec::new())])),
                ..WorkspaceEdit::default()
            })
        })
    }

    /// `list` for a handler to return: a stand-in, one item labelled with its text's name.
    /// Fifty items with their edits made a tree of ~1,500 allocations, a quarter of a
    /// completion's time at 100,000 notes.
    pub fn completion(&self, list: CompletionResponse) -> CompletionResponse {
        self.stash(list, |name| {
            Some(CompletionResponse::Array(vec![CompletionItem::new_simple(
                name,
                String::new(),
            )]))
        })
    }

    /// `body` with its stand-in replaced by the stashed text, if it is a response whose result
    /// is exactly a pending stand-in.
    fn take(&self, body: &[u8]) -> Option<Vec<u8>> {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if pending.is_empty() {
            return None;
        }
        let at = memchr::memmem::find(body, PREFIX)? + PREFIX.len();
        let digits = body[at..].iter().take_while(|b| b.is_ascii_digit()).count();
        let token: u64 = std::str::from_utf8(&body[at..at + digits])
            .ok()?
            .parse()
            .ok()?;
        let stashed = pending.get(&token)?;
        #[derive(Deserialize)]
        struct Reply {
            id: Value,
            result: Value,
        }
        let reply: Reply = serde_json::from_slice(body).ok()?;
        if reply.result != stashed.stand_in {
            return None;
        }
        let json = pending.remove(&token)?.json;
        let id = serde_json::to_vec(&reply.id).ok()?;
        let mut out = Vec::with_capacity(json.len() + id.len() + 40);
        out.extend_from_slice(br#"{"jsonrpc":"2.0","result":"#);
        out.extend_from_slice(&json);
        out.extend_from_slice(br#","id":"#);
        out.extend_from_slice(&id);
        out.push(b'}');
        Some(out)
    }
}

/// Copy the transport's messages from `input` to `output`, each with a pending stand-in
/// replaced by its text, until `input` ends. The transport writes well-formed frames (a
/// `Content-Length` header, a blank line, the body); anything else ends the copy.
pub async fn forward(
    input: impl AsyncRead + Unpin,
    mut output: impl AsyncWrite + Unpin,
    raw: &RawAnswers,
) {
    let mut input = BufReader::new(input);
    let mut line = String::new();
    loop {
        let mut length = None;
        loop {
            line.clear();
            match input.read_line(&mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse::<usize>().ok();
            }
        }
        let Some(length) = length else {
            tracing::error!("a message from the transport without a length: output ends");
            return;
        };
        let mut body = vec![0; length];
        if input.read_exact(&mut body).await.is_err() {
            return;
        }
        let body = raw.take(&body).unwrap_or(body);
        // One write: tokio's stdout hands each write to a thread of its blocking pool.
        let mut message = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        message.extend_from_slice(&body);
        let written = async {
            output.write_all(&message).await?;
            output.flush().await
        };
        if written.await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use tower_lsp_server::ls_types::Position;

    use super::*;

    fn location(uri: &str, line: u32) -> Location {
        let at = Position::new(line, 2);
        Location::new(Uri::from_str(uri).unwrap(), Range::new(at, at))
    }

    /// What the transport writes for `result` answering request `id`.
    fn response(id: u64, result: &impl Serialize) -> Vec<u8> {
        let body = serde_json::json!({"jsonrpc": "2.0", "result": result, "id": id});
        serde_json::to_vec(&body).unwrap()
    }

    fn framed(bodies: &[Vec<u8>]) -> Vec<u8> {
        let mut out = Vec::new();
        for body in bodies {
            out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
            out.extend_from_slice(body);
        }
        out
    }

    async fn forwarded(raw: &RawAnswers, input: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        forward(input, &mut out, raw).await;
        out
    }

    #[tokio::test]
    async fn a_stand_in_is_written_as_the_stashed_answer() {
        let raw = RawAnswers::default();
        let answer = vec![
            location("file:///v/a.md", 3),
            location("file:///v/b%20c.md", 7),
        ];
        let sent = raw.locations(answer.clone());
        assert_eq!(sent[0].uri.as_str(), "notegraph-raw:0");
        let out = forwarded(&raw, &framed(&[response(12, &sent)])).await;
        let text = String::from_utf8(out).unwrap();
        let (header, body) = text.split_once("\r\n\r\n").unwrap();
        assert_eq!(header, format!("Content-Length: {}", body.len()));
        assert_eq!(
            serde_json::from_str::<Value>(body).unwrap(),
            serde_json::json!({"jsonrpc": "2.0", "id": 12, "result": [
                {"uri": "file:///v/a.md", "range": {"start": {"line": 3, "character": 2},
                                                    "end": {"line": 3, "character": 2}}},
                {"uri": "file:///v/b%20c.md", "range": {"start": {"line": 7, "character": 2},
                                                        "end": {"line": 7, "character": 2}}}]})
        );
        assert!(raw.pending.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn other_messages_pass_unchanged_even_when_they_mention_the_scheme() {
        let raw = RawAnswers::default();
        let sent = raw.locations(vec![location("file:///v/a.md", 1)]);
        // A note that happens to hold a stand-in's URI, and a stand-in of another request
        // shape: neither is the pending stand-in itself.
        let hover = response(1, &serde_json::json!({"contents": "see notegraph-raw:0"}));
        let longer = response(2, &[sent[0].clone(), location("file:///v/b.md", 1)]);
        let notification = serde_json::to_vec(
            &serde_json::json!({"jsonrpc": "2.0", "method": "window/logMessage",
                                "params": {"type": 3, "message": "notegraph-raw:0"}}),
        )
        .unwrap();
        let input = framed(&[hover, longer, notification]);
        assert_eq!(forwarded(&raw, &input).await, input);
        assert_eq!(raw.pending.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn an_error_answer_to_a_stashed_request_passes_and_old_stashes_are_forgotten() {
        let raw = RawAnswers::default();
        let error = serde_json::to_vec(&serde_json::json!(
            {"jsonrpc": "2.0", "error": {"code": -32800, "message": "canceled"}, "id": 4}))
        .unwrap();
        raw.locations(vec![location("file:///v/a.md", 1)]);
        let input = framed(std::slice::from_ref(&error));
        assert_eq!(forwarded(&raw, &input).await, input);
        for _ in 0..MAX_PENDING {
            raw.locations(vec![location("file:///v/a.md", 1)]);
        }
        let pending = raw.pending.lock().unwrap();
        assert_eq!(pending.len(), MAX_PENDING);
        assert_eq!(pending.keys().next(), Some(&1));
    }

    #[tokio::test]
    async fn a_message_without_a_length_ends_the_copy_after_what_came_before() {
        let raw = RawAnswers::default();
        let first = framed(&[response(1, &Value::Null)]);
        let mut input = first.clone();
        input.extend_from_slice(b"Content-Type: x\r\n\r\n{}");
        assert_eq!(forwarded(&raw, &input).await, first);
    }
}
