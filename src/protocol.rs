//! Wire types of the websocket API (protocol v1). `docs/protocol.md` is the reference;
//! names here match it field for field. Decoding of client frames is tolerant about
//! unknown fields and strict about the ones a command needs.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The schema this agent speaks.
pub const SCHEMA: u32 = 1;
/// The oldest client schema this agent serves.
pub const MIN_SCHEMA: u32 = 1;
/// Frames larger than this get a `too_large` error result.
pub const MAX_FRAME: usize = 1024 * 1024;

/// One session as clients see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub id: String,
    pub parent_id: Option<String>,
    pub root_id: String,
    pub is_child: bool,
    pub instance_id: String,
    pub title: Option<String>,
    pub directory: Option<String>,
    pub project: Option<String>,
    pub state: State,
    pub model: Option<String>,
    pub agent: Option<String>,
    pub current_agent: Option<String>,
    pub current_tool: Option<String>,
    pub tokens_input: u64,
    pub tokens_output: u64,
    pub tokens_reasoning: u64,
    pub tokens_cache_read: u64,
    pub tokens_cache_write: u64,
    pub cost: f64,
    pub cost_total: f64,
    pub context_used: Option<u64>,
    pub context_limit: Option<u64>,
    pub files_changed: u64,
    pub lines_added: u64,
    pub lines_removed: u64,
    pub created: Option<String>,
    pub last_activity: String,
    pub hostname: String,
    pub opencode_version: Option<String>,
    pub permission: Option<Permission>,
    pub pending_permissions: Vec<Permission>,
    pub question: Option<Question>,
    pub error: Option<ErrorSummary>,
    pub available: bool,
}

/// A session's derived state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Idle,
    Working,
    WaitingPermission,
    WaitingInput,
    Error,
}

impl State {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Idle => "idle",
            State::Working => "working",
            State::WaitingPermission => "waiting_permission",
            State::WaitingInput => "waiting_input",
            State::Error => "error",
        }
    }
}

/// A pending permission request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Permission {
    pub id: String,
    pub session_id: String,
    pub permission: String,
    pub patterns: Vec<String>,
    pub always: Vec<String>,
    pub title: String,
    pub created: String,
}

/// A pending question request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    pub id: String,
    pub session_id: String,
    pub created: String,
    pub questions: Vec<QuestionItem>,
}

/// One question of a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionItem {
    pub question: String,
    pub header: String,
    pub multiple: bool,
    pub options: Vec<QuestionOption>,
}

/// One offered answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionOption {
    pub label: String,
    pub description: String,
}

/// The last error of a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorSummary {
    pub name: String,
    pub message: String,
}

/// One OpenCode process the agent hears from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    pub id: String,
    pub kind: InstanceKind,
    pub label: String,
    pub directory: Option<String>,
    pub opencode_version: Option<String>,
    pub connected: bool,
    pub since: String,
}

/// How an instance is attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstanceKind {
    Plugin,
    Server,
}

/// Who resolved a permission or question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResolvedBy {
    Api,
    Opencode,
    Expired,
}

/// Frames the server sends.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    Hello { server_id: String, hostname: String, version: String, schema: u32, min_schema: u32 },
    AuthOk,
    AuthFailed { reason: String },
    Result(Reply),
    Event(EventMsg),
    Error { code: String, message: String },
}

/// A command's result; `ok` selects `result` or `error`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reply {
    pub id: Value,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
}

impl Reply {
    /// A successful result.
    pub fn ok(id: Value, result: Value) -> Self {
        Reply { id, ok: true, result: Some(result), error: None }
    }

    /// A failed result.
    pub fn err(id: Value, error: ApiError) -> Self {
        Reply { id, ok: false, result: None, error: Some(error) }
    }
}

/// A typed command error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    /// Builds an error with a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError { code, message: message.into() }
    }
}

/// Error codes of command results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    TooLarge,
    UnknownCommand,
    NotFound,
    Unavailable,
    OpencodeError,
    Timeout,
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v = serde_json::to_value(self).unwrap_or(Value::Null);
        f.write_str(v.as_str().unwrap_or("error"))
    }
}

/// Events pushed to subscribed clients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventMsg {
    SessionUpdated {
        session: Box<Session>,
    },
    SessionRemoved {
        session_id: String,
        reason: String,
    },
    PermissionRequested {
        session_id: String,
        root_session_id: String,
        permission: Permission,
    },
    PermissionResolved {
        session_id: String,
        root_session_id: String,
        permission_id: String,
        reply: Option<String>,
        by: ResolvedBy,
    },
    QuestionAsked {
        session_id: String,
        root_session_id: String,
        question: Question,
    },
    QuestionResolved {
        session_id: String,
        root_session_id: String,
        question_id: String,
        outcome: String,
        by: ResolvedBy,
    },
    InstanceConnected {
        instance: Instance,
    },
    InstanceDisconnected {
        instance_id: String,
    },
}

/// A permission reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PermissionReply {
    Once,
    Always,
    Reject,
}

impl PermissionReply {
    /// The wire and OpenCode name.
    pub fn as_str(self) -> &'static str {
        match self {
            PermissionReply::Once => "once",
            PermissionReply::Always => "always",
            PermissionReply::Reject => "reject",
        }
    }
}

/// Commands a client sends (after `auth`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    Auth {
        token: String,
    },
    Subscribe,
    ListSessions,
    ReplyPermission {
        #[serde(default)]
        session_id: Option<String>,
        permission_id: String,
        reply: PermissionReply,
        #[serde(default)]
        message: Option<String>,
    },
    ReplyQuestion {
        question_id: String,
        #[serde(default)]
        answers: Vec<Vec<String>>,
        #[serde(default)]
        reject: bool,
    },
    AbortSession {
        session_id: String,
    },
    SendPrompt {
        session_id: String,
        text: String,
        #[serde(default)]
        agent: Option<String>,
    },
    GetMessages {
        session_id: String,
        #[serde(default)]
        limit: Option<usize>,
    },
}

/// The command names of this schema, to tell unknown commands from malformed ones.
pub const COMMANDS: &[&str] = &[
    "auth",
    "subscribe",
    "list_sessions",
    "reply_permission",
    "reply_question",
    "abort_session",
    "send_prompt",
    "get_messages",
];

/// A decoded client frame: its id (for the reply) and the command or why it failed.
pub fn decode_command(text: &str) -> (Value, Result<Command, ApiError>) {
    if text.len() > MAX_FRAME {
        return (
            Value::Null,
            Err(ApiError::new(ErrorCode::TooLarge, format!("frame exceeds {MAX_FRAME} bytes"))),
        );
    }
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return (Value::Null, Err(ApiError::new(ErrorCode::BadRequest, e.to_string()))),
    };
    let id = match value.get("id") {
        Some(id @ (Value::Number(_) | Value::String(_))) => id.clone(),
        _ => Value::Null,
    };
    let Some(kind) = value.get("type").and_then(Value::as_str).map(str::to_owned) else {
        return (id, Err(ApiError::new(ErrorCode::BadRequest, "missing field `type`")));
    };
    if !COMMANDS.contains(&kind.as_str()) {
        let msg = format!("unknown command `{kind}`");
        return (id, Err(ApiError::new(ErrorCode::UnknownCommand, msg)));
    }
    let cmd = serde_json::from_value(value)
        .map_err(|e| ApiError::new(ErrorCode::BadRequest, format!("{kind}: {e}")));
    (id, cmd)
}

#[cfg(test)]
mod tests {
    //! Decoding of client frames and the shape of server frames.
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_commands_and_errors() {
        let (id, cmd) = decode_command(
            r#"{"type":"reply_permission","id":3,"permission_id":"per_1","reply":"reject","message":"no"}"#,
        );
        assert_eq!(id, json!(3));
        assert!(matches!(cmd, Ok(Command::ReplyPermission { reply: PermissionReply::Reject, .. })));
        let (_, e) = decode_command(r#"{"type":"nope","id":"a"}"#);
        assert_eq!(e.unwrap_err().code, ErrorCode::UnknownCommand);
        let (id, e) = decode_command(r#"{"type":"abort_session","id":9}"#);
        assert_eq!((id, e.unwrap_err().code), (json!(9), ErrorCode::BadRequest));
        assert_eq!(decode_command("garbage").1.unwrap_err().code, ErrorCode::BadRequest);
    }

    #[test]
    fn server_frames_match_the_doc() {
        let hello = ServerMsg::Hello {
            server_id: "s".into(),
            hostname: "h".into(),
            version: "v".into(),
            schema: 1,
            min_schema: 1,
        };
        assert_eq!(serde_json::to_value(hello).unwrap()["type"], "hello");
        let ev = ServerMsg::Event(EventMsg::InstanceDisconnected { instance_id: "i".into() });
        assert_eq!(
            serde_json::to_value(ev).unwrap(),
            json!({"type":"event","event":"instance_disconnected","instance_id":"i"})
        );
        let r = ServerMsg::Result(Reply::err(json!(1), ApiError::new(ErrorCode::NotFound, "x")));
        assert_eq!(
            serde_json::to_value(r).unwrap(),
            json!({"type":"result","id":1,"ok":false,"error":{"code":"not_found","message":"x"}})
        );
    }
}
