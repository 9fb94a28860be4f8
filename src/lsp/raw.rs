//! Large answers written straight to JSON text, past the transport's `serde_json::Value` tree.
//!
//! Why: tower-lsp-server turns every handler's answer into a `serde_json::Value` before it
//! writes it — a map per object, a `String` per key. For the 10,000 locations of a much-cited
//! note's references that tree was over half of the server's time, and a rename's 7,500 edits
//! held ~20 MB of it at once. A handler of such an answer instead writes it to text itself
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
    CallHierarchyIncomingCall, CallHierarchyItem, CompletionItem, CompletionResponse, Location,
    Range, SymbolKind, Uri, WorkspaceDiagnosticReport, WorkspaceDiagnosticReportResult,
    WorkspaceDocumentDiagnosticReport, WorkspaceEdit, WorkspaceFullDocumentDiagnosticReport,
};

/// The scheme of a stand-in's URI.
const PREFIX: &[u8] = b"notegraph-raw:";

/// Stashed answers not yet written. A stand-in is stashed where its handler returns it, with
/// no `.await` between (see [`RawAnswers::keep`]), so that a cancelled request never leaves
/// one behind; past this many, the oldest are forgotten all the same (a handler that panics
/// after keeping its answer).
const MAX_PENDING: usize = 64;

/// How far into a response a stand-in's name may start: `{"jsonrpc":"2.0","result":` then a
/// stand-in's opening bytes, its keys in the transport's (sorted) order — 123 bytes for a
/// location, whose range comes first. Larger answers are never searched through.
const STAND_IN_WITHIN: usize = 192;

/// Answers written to text by their handlers, waiting for the transport to answer with their
/// stand-ins.
#[derive(Default)]
pub struct RawAnswers {
    next: AtomicU64,
    pending: Mutex<BTreeMap<u64, Stashed>>,
}

pub struct Stashed {
    /// The stand-in as the transport writes it: the response's result must equal it.
    stand_in: Value,
    json: Vec<u8>,
}

/// An answer written to text, and the stand-in that names it — made where the answer is
/// computed (a blocking thread, with no lock held), and kept where the handler returns it.
pub enum Written<T> {
    Text {
        token: u64,
        stand_in: T,
        stashed: Stashed,
    },
    /// The answer itself, which could not be written (not for the protocol's types).
    Plain(T),
}

impl RawAnswers {
    /// `answer` written to text, and the stand-in `stand_in` makes from the text's name
    /// (`notegraph-raw:<token>`, a URI).
    pub fn write<T: Serialize>(&self, answer: T, stand_in: impl FnOnce(Uri) -> T) -> Written<T> {
        let token = self.next.fetch_add(1, Ordering::Relaxed);
        let name = format!("{}{token}", String::from_utf8_lossy(PREFIX));
        let (Ok(json), Ok(uri)) = (serde_json::to_vec(&answer), Uri::from_str(&name)) else {
            return Written::Plain(answer);
        };
        let stand_in = stand_in(uri);
        let Ok(value) = serde_json::to_value(&stand_in) else {
            return Written::Plain(answer);
        };
        Written::Text {
            token,
            stand_in,
            stashed: Stashed {
                stand_in: value,
                json,
            },
        }
    }

    /// What the handler returns for `written`: its stand-in, the text stashed for the output
    /// copy. Call it right where the handler returns, after its last `.await`.
    pub fn keep<T>(&self, written: Written<T>) -> T {
        let (token, stand_in, stashed) = match written {
            Written::Text {
                token,
                stand_in,
                stashed,
            } => (token, stand_in, stashed),
            Written::Plain(answer) => return answer,
        };
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.insert(token, stashed);
        while pending.len() > MAX_PENDING {
            pending.pop_first();
        }
        stand_in
    }

    /// `locations` for a handler to return: a stand-in, one location naming their text.
    pub fn locations(&self, locations: Vec<Location>) -> Vec<Location> {
        self.keep(self.write(locations, |uri| vec![Location::new(uri, Range::default())]))
    }

    /// `edit` written, its stand-in one file with no edits: for [`RawAnswers::keep`].
    pub fn workspace_edit(&self, edit: WorkspaceEdit) -> Written<WorkspaceEdit> {
        self.write(edit, |uri| WorkspaceEdit {
            changes: Some(HashMap::from([(uri, Vec::new())])),
            ..WorkspaceEdit::default()
        })
    }

    /// `list` for a handler to return: a stand-in, one item labelled with its text's name.
    /// Fifty items with their edits made a tree of ~1,500 allocations, a quarter of a
    /// completion's time at 100,000 notes.
    pub fn completion(&self, list: CompletionResponse) -> CompletionResponse {
        self.keep(self.write(list, |uri| {
            CompletionResponse::Array(vec![CompletionItem::new_simple(
                uri.as_str().to_string(),
                String::new(),
            )])
        }))
    }

    /// `calls` for a handler to return: a stand-in, one call from an item named by their text.
    /// A note linked from everywhere has as many callers as references.
    pub fn incoming_calls(
        &self,
        calls: Vec<CallHierarchyIncomingCall>,
    ) -> Vec<CallHierarchyIncomingCall> {
        self.keep(self.write(calls, |uri| {
            vec![CallHierarchyIncomingCall {
                from: CallHierarchyItem {
                    name: uri.as_str().to_string(),
                    kind: SymbolKind::FILE,
                    tags: None,
                    detail: None,
                    uri,
                    range: Range::default(),
                    selection_range: Range::default(),
                    data: None,
                },
                from_ranges: Vec::new(),
            }]
        }))
    }

    /// Every note's pulled diagnostics written (the first pull answers for every note), its
    /// stand-in one note's empty report: for [`RawAnswers::keep`].
    pub fn workspace_diagnostics(
        &self,
        report: WorkspaceDiagnosticReportResult,
    ) -> Written<WorkspaceDiagnosticReportResult> {
        self.write(report, |uri| {
            WorkspaceDiagnosticReportResult::Report(WorkspaceDiagnosticReport {
                items: vec![WorkspaceDocumentDiagnosticReport::Full(
                    WorkspaceFullDocumentDiagnosticReport {
                        uri,
                        version: None,
                        full_document_diagnostic_report: Default::default(),
                    },
                )],
            })
        })
    }

    /// The stashed text and the id of `body`, if it is a response whose result is exactly a
    /// pending stand-in.
    fn take(&self, body: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
        let head = &body[..body.len().min(STAND_IN_WITHIN)];
        let at = memchr::memmem::find(head, PREFIX)? + PREFIX.len();
        let digits = body[at..].iter().take_while(|b| b.is_ascii_digit()).count();
        let token: u64 = std::str::from_utf8(&body[at..at + digits])
            .ok()?
            .parse()
            .ok()?;
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let stashed = pending.get(&token)?;
        #[derive(Deserialize)]
        struct Reply {
            id: Value,
            result: Value,
        }
        // Small: a stand-in's response is a few dozen bytes.
        let reply: Reply = serde_json::from_slice(body).ok()?;
        if reply.result != stashed.stand_in {
            return None;
        }
        let json = pending.remove(&token)?.json;
        Some((json, serde_json::to_vec(&reply.id).ok()?))
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
    let mut body = Vec::new();
    // Messages waiting to be written: one write for all that came together, as tokio's stdout
    // hands each write to a thread of its blocking pool (one write and flush per message cost
    // ~50 µs each, 3× the transport's own writing).
    let mut out = Vec::new();
    loop {
        let mut length = None;
        loop {
            line.clear();
            match input.read_line(&mut line).await {
                Ok(0) | Err(_) => {
                    let _ = flush(&mut output, &mut out).await;
                    return;
                }
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
            let _ = flush(&mut output, &mut out).await;
            return;
        };
        body.resize(length, 0);
        if input.read_exact(&mut body).await.is_err() {
            let _ = flush(&mut output, &mut out).await;
            return;
        }
        match raw.take(&body) {
            Some((json, id)) => {
                const START: &[u8] = br#"{"jsonrpc":"2.0","result":"#;
                const ID: &[u8] = br#","id":"#;
                let length = START.len() + json.len() + ID.len() + id.len() + 1;
                out.extend_from_slice(format!("Content-Length: {length}\r\n\r\n").as_bytes());
                for part in [START, &json, ID, &id, b"}"] {
                    out.extend_from_slice(part);
                }
            }
            None => {
                out.extend_from_slice(format!("Content-Length: {length}\r\n\r\n").as_bytes());
                out.extend_from_slice(&body);
            }
        }
        // Written when the transport has nothing more ready, or a lot is waiting.
        if (input.buffer().is_empty() || out.len() > 1 << 20)
            && flush(&mut output, &mut out).await.is_err()
        {
            return;
        }
    }
}

/// Write and flush what `out` holds, and empty it.
async fn flush(output: &mut (impl AsyncWrite + Unpin), out: &mut Vec<u8>) -> std::io::Result<()> {
    if out.is_empty() {
        return Ok(());
    }
    output.write_all(out).await?;
    output.flush().await?;
    out.clear();
    Ok(())
}

#[cfg(test)]
mod tests {
    use tower_lsp_server::jsonrpc::Id;
    use tower_lsp_server::ls_types::Position;

    use super::*;

    fn location(uri: &str, line: u32) -> Location {
        let at = Position::new(line, 2);
        Location::new(Uri::from_str(uri).unwrap(), Range::new(at, at))
    }

    /// What the transport writes for `result` answering request `id`: its own response,
    /// through a `Value` as it does.
    fn response(id: i64, result: &impl Serialize) -> Vec<u8> {
        let value = serde_json::to_value(result).unwrap();
        let response = tower_lsp_server::jsonrpc::Response::from_ok(Id::Number(id), value);
        serde_json::to_vec(&response).unwrap()
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
        forwarded_from(raw, input).await
    }

    async fn forwarded_from(raw: &RawAnswers, input: impl AsyncRead + Unpin) -> Vec<u8> {
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
    async fn every_kind_of_stand_in_is_found_in_the_transports_response() {
        let raw = RawAnswers::default();
        let edit = raw.keep(raw.workspace_edit(WorkspaceEdit::default()));
        let list = raw.completion(CompletionResponse::Array(Vec::new()));
        let report = WorkspaceDiagnosticReportResult::Report(WorkspaceDiagnosticReport {
            items: Vec::new(),
        });
        let pulled = raw.keep(raw.workspace_diagnostics(report));
        let located = raw.locations(Vec::new());
        let callers = raw.incoming_calls(Vec::new());
        let input = framed(&[
            response(1, &edit),
            response(2, &list),
            response(3, &pulled),
            response(4, &located),
            response(5, &callers),
        ]);
        let expected = framed(&[
            br#"{"jsonrpc":"2.0","result":{},"id":1}"#.to_vec(),
            br#"{"jsonrpc":"2.0","result":[],"id":2}"#.to_vec(),
            br#"{"jsonrpc":"2.0","result":{"items":[]},"id":3}"#.to_vec(),
            br#"{"jsonrpc":"2.0","result":[],"id":4}"#.to_vec(),
            br#"{"jsonrpc":"2.0","result":[],"id":5}"#.to_vec(),
        ]);
        let out = forwarded(&raw, &input).await;
        assert_eq!(
            String::from_utf8(out).unwrap(),
            String::from_utf8(expected).unwrap()
        );
        assert!(raw.pending.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn an_answer_written_but_not_kept_leaves_nothing_pending() {
        // A cancelled rename: written on its thread, never returned by its handler.
        let raw = RawAnswers::default();
        let written = raw.workspace_edit(WorkspaceEdit::default());
        assert!(raw.pending.lock().unwrap().is_empty());
        let kept = raw.keep(written);
        let name = kept.changes.unwrap().into_keys().next().unwrap();
        assert_eq!(name.as_str(), "notegraph-raw:0");
        assert_eq!(raw.pending.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn frames_split_across_reads_are_copied_whole_and_in_order() {
        let raw = RawAnswers::default();
        let answer = vec![location("file:///v/a.md", 3)];
        let sent = raw.locations(answer.clone());
        let input = framed(&[
            response(1, &Value::Null),
            response(2, &sent),
            response(3, &"ü".repeat(5000)),
        ]);
        let (mut writer, reader) = tokio::io::duplex(64);
        let feed = tokio::spawn(async move {
            for piece in input.chunks(7) {
                writer.write_all(piece).await.unwrap();
            }
        });
        let out = forwarded_from(&raw, reader).await;
        feed.await.unwrap();
        let expected = framed(&[
            response(1, &Value::Null),
            br#"{"jsonrpc":"2.0","result":[{"uri":"file:///v/a.md","range":{"start":{"line":3,"character":2},"end":{"line":3,"character":2}}}],"id":2}"#.to_vec(),
            response(3, &"ü".repeat(5000)),
        ]);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            String::from_utf8(expected).unwrap()
        );
    }

    #[tokio::test]
    async fn a_stand_in_far_into_a_message_is_not_looked_for() {
        let raw = RawAnswers::default();
        let sent = raw.locations(vec![location("file:///v/a.md", 1)]);
        let name = sent[0].uri.as_str();
        let late = response(
            1,
            &serde_json::json!({"contents": format!("{}{name}", "x".repeat(200))}),
        );
        let input = framed(&[late]);
        assert_eq!(forwarded(&raw, &input).await, input);
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
