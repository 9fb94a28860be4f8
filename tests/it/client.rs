//! A test client that starts the real `notegraph` binary and speaks JSON-RPC over its stdio,
//! as an editor does. Every wait is bounded, so a broken server fails a test instead of hanging it.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub const TIMEOUT: Duration = Duration::from_secs(20);

pub struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: mpsc::Receiver<Value>,
    next_id: i64,
    /// Notifications received while waiting for something else.
    pub notifications: Vec<Value>,
    /// Requests the server sent (each answered as an editor would), in order.
    pub server_requests: Vec<Value>,
    /// Answers to this client's requests that came while it waited for another: the server
    /// answers concurrent requests in whatever order they finish.
    answers: Vec<Value>,
    /// The server's stderr (its log) so far; also echoed to the test's stderr.
    log: Arc<Mutex<String>>,
    /// The thread reading stderr: it ends when the server closes stderr (exits).
    log_reader: Option<std::thread::JoinHandle<()>>,
}

/// The cache folder every server and `check` the tests start use unless a test names its own:
/// under Cargo's temp dir, never the user's `~/.cache`.
pub fn test_cache_home() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("xdg-cache")
}

pub fn uri(path: &Path) -> String {
    let mut out = String::from("file://");
    for byte in path.to_str().expect("test paths are UTF-8").bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = value.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

impl Client {
    /// Start `notegraph` with `args`.
    pub fn spawn(args: &[&str]) -> Client {
        Client::spawn_with_env(args, &[])
    }

    /// Start `notegraph` with `args` and extra environment variables.
    pub fn spawn_with_env(args: &[&str], env: &[(&str, &str)]) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_notegraph"))
            .args(args)
            .env("NOTEGRAPH_LOG", "warn")
            .env("XDG_CACHE_HOME", test_cache_home())
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start notegraph");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if tx.send(message).is_err() {
                    break;
                }
            }
        });
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().expect("stderr");
        let sink = log.clone();
        let log_reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                eprintln!("{line}");
                let mut log = sink.lock().unwrap_or_else(|p| p.into_inner());
                log.push_str(&line);
                log.push('\n');
            }
        });
        let stdin = child.stdin.take();
        Client {
            child,
            stdin,
            incoming: rx,
            next_id: 1,
            notifications: Vec::new(),
            server_requests: Vec::new(),
            answers: Vec::new(),
            log,
            log_reader: Some(log_reader),
        }
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Stop the server politely and return its whole log, to the last line it wrote.
    pub fn shutdown_with_log(mut self) -> String {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        self.wait_exit();
        // The server has exited, so its stderr is closed and the reader reaches the end.
        if let Some(reader) = self.log_reader.take() {
            let _ = reader.join();
        }
        self.log()
    }

    /// Wait until the log holds a line containing `needle`; return the whole log.
    pub fn wait_log(&self, needle: &str) -> String {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let log = self.log();
            if log.contains(needle) {
                return log;
            }
            assert!(
                Instant::now() < deadline,
                "no log line with {needle:?} within {TIMEOUT:?}; log:\n{log}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The process id, to read its memory use.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Start the server and initialize it on `root` with the given client capabilities.
    pub fn start(root: &Path, capabilities: Value) -> Client {
        Client::start_with_env(root, capabilities, &[])
    }

    /// [`Client::start`] with extra environment variables for the server.
    pub fn start_with_env(root: &Path, capabilities: Value, env: &[(&str, &str)]) -> Client {
        let mut client = Client::spawn_with_env(&["lsp", "--stdio"], env);
        let result = client.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri(root),
                "workspaceFolders": [{"uri": uri(root), "name": "vault"}],
                "capabilities": capabilities,
            }),
        );
        assert!(
            result["capabilities"].is_object(),
            "initialize answered {result}"
        );
        client.notify("initialized", json!({}));
        client
    }

    /// The capabilities of a VS Code-like client: progress, dynamic file watching, UTF-16.
    pub fn editor_capabilities() -> Value {
        json!({
            "window": {"workDoneProgress": true},
            "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}},
            "textDocument": {"completion": {"completionItem": {"snippetSupport": false}}},
        })
    }

    pub fn send(&mut self, message: &Value) {
        let body = serde_json::to_string(message).expect("serialise");
        let stdin = self.stdin.as_mut().expect("stdin open");
        write!(stdin, "Content-Length: {}\r\n\r\n{}", body.len(), body).expect("write to server");
        stdin.flush().expect("flush");
    }

    /// Send `body` framed as a message, whatever it holds (malformed JSON included).
    pub fn send_raw(&mut self, body: &[u8]) {
        let mut framed = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        framed.extend_from_slice(body);
        self.send_bytes(&framed);
    }

    /// Write `bytes` to the server's stdin as they are, without framing.
    pub fn send_bytes(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).expect("write to server");
        stdin.flush().expect("flush");
    }

    /// Close the server's stdin, as a crashed editor does.
    pub fn close_stdin(&mut self) {
        drop(self.stdin.take());
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Send a request without waiting; returns its id.
    pub fn send_request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        id
    }

    fn next(&mut self, deadline: Instant) -> Value {
        let left = deadline.saturating_duration_since(Instant::now());
        let message = self
            .incoming
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no message from notegraph within {TIMEOUT:?}"));
        // Answer the server's own requests (progress tokens, registrations, edits to apply) as
        // an editor would, and keep them for the test to look at.
        if message.get("id").is_some() && message.get("method").is_some() {
            let id = message["id"].clone();
            // An editor applies the edits it is sent and opens what it is asked to show.
            let result = match message["method"].as_str() {
                Some("workspace/applyEdit") => json!({"applied": true}),
                Some("window/showDocument") => json!({"success": true}),
                _ => Value::Null,
            };
            self.send(&json!({"jsonrpc": "2.0", "id": id, "result": result}));
            self.server_requests.push(message.clone());
        }
        message
    }

    /// The next message from the server, whatever it is (server requests are answered).
    pub fn recv(&mut self) -> Value {
        self.next(Instant::now() + TIMEOUT)
    }

    /// The full response (result or error) to request `id`.
    pub fn response(&mut self, id: i64) -> Value {
        self.response_to(&json!(id))
    }

    /// The full response whose id is `id` (`null` for answers to unparsable messages).
    pub fn response_to(&mut self, id: &Value) -> Value {
        if let Some(i) = self.answers.iter().position(|a| a["id"] == *id) {
            return self.answers.remove(i);
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let message = self.next(deadline);
            if message.get("method").is_none() && message["id"] == *id {
                return message;
            }
            self.keep(message);
        }
    }

    /// Keep a message that came while the client waited for another: a notification, or an
    /// answer to another of its requests (a request from the server is answered already).
    fn keep(&mut self, message: Value) {
        match (message.get("id").is_some(), message.get("method").is_some()) {
            (false, _) => self.notifications.push(message),
            (true, false) => self.answers.push(message),
            (true, true) => {}
        }
    }

    /// Send a request and return its result, failing the test on an error answer.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        let response = self.response(id);
        assert!(
            response.get("error").is_none(),
            "{method} failed: {response}"
        );
        response["result"].clone()
    }

    /// Wait for a notification `method` whose params satisfy `matches` (seen ones first).
    pub fn wait_for(&mut self, method: &str, matches: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self
            .notifications
            .iter()
            .position(|n| n["method"] == method && matches(&n["params"]))
        {
            return self.notifications.remove(i)["params"].clone();
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let message = self.next(deadline);
            if message["method"] == method
                && message.get("id").is_none()
                && matches(&message["params"])
            {
                return message["params"].clone();
            }
            self.keep(message);
        }
    }

    /// Wait until indexing has finished (the `$/progress` end of the indexing token).
    pub fn wait_indexed(&mut self) {
        self.wait_for("$/progress", |p| p["value"]["kind"] == "end");
    }

    /// Forget the diagnostics of `path` published so far and kept unread: the next ones
    /// waited for are sent after this.
    pub fn forget_diagnostics(&mut self, path: &Path) {
        let wanted = uri(path);
        self.notifications.retain(|n| {
            n["method"] != "textDocument/publishDiagnostics"
                || n["params"]["uri"] != wanted.as_str()
        });
    }

    /// Wait for diagnostics of `path` satisfying `matches`.
    pub fn diagnostics(&mut self, path: &Path, matches: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let wanted = uri(path);
        let params = self.wait_for("textDocument/publishDiagnostics", |p| {
            p["uri"] == wanted.as_str()
                && matches(p["diagnostics"].as_array().map_or(&[], Vec::as_slice))
        });
        params["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub fn open(&mut self, path: &Path) {
        let text = std::fs::read_to_string(path).expect("read note");
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(path), "languageId": "markdown", "version": 1, "text": text}}),
        );
    }

    /// Stop the server politely and return its exit code.
    pub fn shutdown(mut self) -> i32 {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        self.wait_exit()
    }

    pub fn wait_exit(&mut self) -> i32 {
        drop(self.stdin.take());
        self.wait_exit_with_stdin_open()
    }

    /// Wait for the server to exit on its own, its stdin still open: as after `exit`, which an
    /// editor sends without closing the pipe.
    pub fn wait_exit_with_stdin_open(&mut self) -> i32 {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "notegraph did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A vault written to a fresh folder under Cargo's per-test temp dir.
pub struct TempVault {
    pub root: PathBuf,
}

impl TempVault {
    pub fn new(name: &str, files: &[(&str, &str)]) -> TempVault {
        let root =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("create vault");
        let vault = TempVault {
            root: root.canonicalize().expect("canonical root"),
        };
        for (path, text) in files {
            vault.write(path, text);
        }
        vault
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
}

impl Drop for TempVault {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}
