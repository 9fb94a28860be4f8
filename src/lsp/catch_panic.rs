//! A layer around the whole LSP service that turns a panic in any handler into an
//! internal-error answer (a logged ignore for a notification), so that one bug costs one
//! request and not the session.
//!
//! Why here: tower-lsp-server polls every handler future on the transport's own task, so an
//! uncaught panic would unwind through `serve` and end the server with the editor still open.
//! Locks survive it: the vault's `RwLock` is read through `into_inner` on poisoning, and a
//! panic under a read guard does not poison.
//!
//! Test hook: in debug builds only, `NOTEGRAPH_DEBUG_PANIC=MARKER` makes a request whose
//! cursor sits on a line containing `MARKER` panic inside the handler ([`debug_panic_point`]).
//! Release builds (what `cargo install` makes) compile the hook away, and without the variable
//! it does nothing, so no user reaches it by accident.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use tower_lsp_server::jsonrpc::{Error, ErrorCode, Request, Response};
use tower_service::Service;

/// The service `S` with every call, and every poll of the future it returns, guarded.
pub struct CatchPanic<S> {
    inner: S,
}

impl<S> CatchPanic<S> {
    pub fn new(inner: S) -> CatchPanic<S> {
        CatchPanic { inner }
    }
}

type Answer<E> = Result<Option<Response>, E>;

impl<S> Service<Request> for CatchPanic<S>
where
    S: Service<Request, Response = Option<Response>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = Option<Response>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Answer<S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let method = request.method().to_string();
        let id = request.id().cloned();
        // Params are decoded and the handler started inside `call`: guard that part too.
        let started = catch_unwind(AssertUnwindSafe(|| self.inner.call(request)));
        Box::pin(async move {
            let outcome = match started {
                Ok(future) => Guarded(Box::pin(future)).await,
                Err(payload) => Err(payload),
            };
            match outcome {
                Ok(answer) => answer,
                Err(payload) => {
                    let what = panic_message(payload.as_ref());
                    tracing::error!(
                        "handler for {method} panicked: {what}; {}",
                        if id.is_some() {
                            "answered with an internal error"
                        } else {
                            "notification dropped"
                        }
                    );
                    Ok(id.map(|id| {
                        Response::from_error(
                            id,
                            Error {
                                code: ErrorCode::InternalError,
                                message: format!("notegraph failed on {method}: {what}").into(),
                                data: None,
                            },
                        )
                    }))
                }
            }
        })
    }
}

/// A future whose panics come out as `Err(payload)`.
struct Guarded<F>(Pin<Box<F>>);

impl<F: Future> Future for Guarded<F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.0.as_mut();
        match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Err(payload) => Poll::Ready(Err(payload)),
        }
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}

/// The debug-build test hook described in the module doc: panic when the line of `text` around
/// `offset` contains the marker named by `NOTEGRAPH_DEBUG_PANIC`.
#[cfg(debug_assertions)]
pub fn debug_panic_point(text: &str, offset: usize) {
    use std::sync::OnceLock;
    static MARKER: OnceLock<Option<String>> = OnceLock::new();
    let marker = MARKER.get_or_init(|| {
        std::env::var("NOTEGRAPH_DEBUG_PANIC")
            .ok()
            .filter(|m| !m.is_empty())
    });
    let Some(marker) = marker else { return };
    let offset = crate::syntax::floor_boundary(text, offset);
    let start = text[..offset].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let end = text[offset..]
        .find(['\n', '\r'])
        .map_or(text.len(), |i| offset + i);
    if text[start..end].contains(marker.as_str()) {
        panic!("NOTEGRAPH_DEBUG_PANIC test hook: cursor on a line holding {marker:?}");
    }
}

/// Release builds: the hook does not exist.
#[cfg(not(debug_assertions))]
#[inline(always)]
pub fn debug_panic_point(_text: &str, _offset: usize) {}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use serde_json::json;
    use tower_lsp_server::jsonrpc::Id;

    use super::*;

    /// A service that panics when asked `panic/inPoll` (inside its future) or `panic/inCall`
    /// (while starting it), and answers anything else with `"ok"`.
    struct Fragile;

    impl Service<Request> for Fragile {
        type Response = Option<Response>;
        type Error = Infallible;
        type Future = Pin<Box<dyn Future<Output = Result<Option<Response>, Infallible>> + Send>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, request: Request) -> Self::Future {
            if request.method() == "panic/inCall" {
                panic!("in call");
            }
            let method = request.method().to_string();
            let id = request.id().cloned();
            Box::pin(async move {
                // Yield once first, so the panic comes from a later poll than the first.
                tokio::task::yield_now().await;
                if method == "panic/inPoll" {
                    panic!("in poll");
                }
                Ok(id.map(|id| Response::from_ok(id, json!("ok"))))
            })
        }
    }

    async fn ask(
        service: &mut CatchPanic<Fragile>,
        method: &'static str,
        id: Option<i64>,
    ) -> String {
        let mut request = Request::build(method);
        if let Some(id) = id {
            request = request.id(id);
        }
        let answer = service.call(request.finish()).await.unwrap();
        serde_json::to_string(&answer).unwrap()
    }

    #[tokio::test]
    async fn panics_in_requests_and_notifications_are_caught_and_the_next_call_is_served() {
        let mut service = CatchPanic::new(Fragile);
        let internal = |id: i64, what: &str| {
            serde_json::to_string(&Some(Response::from_error(
                Id::Number(id),
                Error {
                    code: ErrorCode::InternalError,
                    message: format!(
                        "notegraph failed on panic/{what}: in {}",
                        &what[2..].to_lowercase()
                    )
                    .into(),
                    data: None,
                },
            )))
            .unwrap()
        };
        assert_eq!(
            ask(&mut service, "panic/inPoll", Some(1)).await,
            internal(1, "inPoll")
        );
        assert_eq!(
            ask(&mut service, "panic/inCall", Some(2)).await,
            internal(2, "inCall")
        );
        assert_eq!(ask(&mut service, "panic/inPoll", None).await, "null");
        assert_eq!(ask(&mut service, "panic/inCall", None).await, "null");
        assert_eq!(
            ask(&mut service, "fine", Some(3)).await,
            r#"{"jsonrpc":"2.0","result":"ok","id":3}"#
        );
    }
}
