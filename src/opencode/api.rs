//! A handle for calling one OpenCode instance's REST API, whichever feed carries it.
//!
//! The server feed answers calls with HTTP; the plugin feed forwards them to the plugin,
//! which runs them through OpenCode's in-process client. Callers do not care which.

use serde_json::Value;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// How long OpenCode gets to answer one call.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// One REST call.
#[derive(Debug)]
pub struct Call {
    pub method: &'static str,
    /// Path with query, e.g. `/session/ses_1/message?limit=5`.
    pub path: String,
    pub body: Option<Value>,
    /// The project directory to scope the call to (OpenCode's `x-opencode-directory`).
    pub directory: Option<String>,
    pub reply: oneshot::Sender<Result<Response, String>>,
}

/// OpenCode's answer.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub body: Value,
}

/// Why a call to OpenCode did not succeed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CallError {
    /// The instance is not connected (any more).
    #[error("OpenCode instance is not connected")]
    Gone,
    /// No answer within [`CALL_TIMEOUT`].
    #[error("OpenCode did not answer within {} s", CALL_TIMEOUT.as_secs())]
    Timeout,
    /// The call could not be made or its answer not read.
    #[error("OpenCode request failed: {0}")]
    Transport(String),
    /// OpenCode answered 404: the thing named does not exist (any more).
    #[error("{0}")]
    NotFound(String),
    /// OpenCode answered with another non-2xx status.
    #[error("HTTP {status}: {message}")]
    Status { status: u16, message: String },
}

/// Which OpenCode API an instance speaks: the routes of actions differ (`opencode::actions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    /// OpenCode 1.x: `/permission/{id}/reply`, `/session/{id}/abort`, ...
    V1,
    /// OpenCode 2: everything under `/api/`, keyed by session.
    V2,
}

/// Cloneable handle to an instance's API.
#[derive(Debug, Clone)]
pub struct Api {
    tx: mpsc::Sender<Call>,
    line: Line,
}

impl Api {
    /// A handle plus the receiver its feed serves.
    pub fn channel(line: Line) -> (Api, mpsc::Receiver<Call>) {
        let (tx, rx) = mpsc::channel(64);
        (Api { tx, line }, rx)
    }

    /// The API line the instance speaks.
    pub fn line(&self) -> Line {
        self.line
    }

    /// Calls OpenCode.
    pub async fn call(
        &self,
        method: &'static str,
        path: impl Into<String>,
        body: Option<Value>,
        directory: Option<String>,
    ) -> Result<Response, CallError> {
        let (reply, rx) = oneshot::channel();
        let call = Call { method, path: path.into(), body, directory, reply };
        self.tx.send(call).await.map_err(|_| CallError::Gone)?;
        match tokio::time::timeout(CALL_TIMEOUT, rx).await {
            Err(_) => Err(CallError::Timeout),
            Ok(Err(_)) => Err(CallError::Gone),
            Ok(Ok(Err(e))) => Err(CallError::Transport(e)),
            Ok(Ok(Ok(r))) => Ok(r),
        }
    }

    /// Like `call`, but any non-2xx status is an error.
    pub async fn call_ok(
        &self,
        method: &'static str,
        path: impl Into<String>,
        body: Option<Value>,
        directory: Option<String>,
    ) -> Result<Value, CallError> {
        let r = self.call(method, path, body, directory).await?;
        match r.status {
            200..=299 => Ok(r.body),
            404 => Err(CallError::NotFound(describe(&r.body))),
            status => Err(CallError::Status { status, message: describe(&r.body) }),
        }
    }
}

/// Percent-encodes an id or value for a URL path segment or query (ids come from
/// clients and from OpenCode).
pub fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// OpenCode's error text: `message` (both lines), else the body itself.
fn describe(body: &Value) -> String {
    let msg = body.get("message").or_else(|| body.pointer("/data/message")).and_then(Value::as_str);
    match msg {
        Some(m) => m.to_owned(),
        None => crate::text::one_line(&body.to_string(), 300),
    }
}
