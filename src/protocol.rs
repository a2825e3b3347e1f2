//! Wire types of the websocket API (schema 3). Every frame is a typed struct here; the
//! golden files in tests/fixtures/protocol/ are written from them and docs/protocol.md shows
//! those files, so the three cannot drift apart. Decoding of client frames is tolerant about
//! unknown fields and strict about the ones a command needs.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Utf8Bytes;

/// The schema this agent speaks.
pub const SCHEMA: u32 = 3;
/// The oldest client schema this agent serves.
pub const MIN_SCHEMA: u32 = 3;
/// Frames larger than this get a `too_large` error result.
pub const MAX_FRAME: usize = 1024 * 1024;
/// Frames above this close the connection; between `MAX_FRAME` and this they get an error.
pub const HARD_FRAME_LIMIT: usize = 16 * 1024 * 1024;
/// Largest frame a peer may send before it authenticated (limits before trust).
pub const PREAUTH_FRAME_LIMIT: usize = 4 * 1024;
/// Seconds a new connection has to complete the handshake and authenticate.
pub const AUTH_TIMEOUT_S: u64 = 10;

/// Websocket close codes the agent uses.
pub mod close {
    /// The peer or the agent ended the connection normally.
    pub const NORMAL: u16 = 1000;
    /// The agent is shutting down, or the peer went silent.
    pub const GOING_AWAY: u16 = 1001;
    /// A frame over the hard limit (or over the pre-auth limit before auth).
    pub const TOO_BIG: u16 = 1009;
    /// No free client slot.
    pub const TOO_MANY_CLIENTS: u16 = 1013;
    /// `auth_failed` was sent.
    pub const AUTH_FAILED: u16 = 4001;
    /// No `auth` within the auth timeout.
    pub const AUTH_TIMEOUT: u16 = 4002;
    /// The client did not read its frames fast enough.
    pub const SLOW_CONSUMER: u16 = 4003;
    /// The agent's token and certificate were replaced (`opencode-lookout rotate`): pair
    /// again.
    pub const CREDENTIALS_ROTATED: u16 = 4004;
    /// Every code with its wire-contract name (tests/fixtures/protocol/constants.json).
    pub const ALL: &[(&str, u16)] = &[
        ("normal", NORMAL),
        ("going_away", GOING_AWAY),
        ("too_big", TOO_BIG),
        ("too_many_clients", TOO_MANY_CLIENTS),
        ("auth_failed", AUTH_FAILED),
        ("auth_timeout", AUTH_TIMEOUT),
        ("slow_consumer", SLOW_CONSUMER),
        ("credentials_rotated", CREDENTIALS_ROTATED),
    ];
}

/// A wire string set: a serde enum that also lists its values and names itself.
macro_rules! wire_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vm])* #[serde(rename = $s)] $v),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            /// The wire name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$v => $s),+
                }
            }

            /// The value with this wire name.
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

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
    /// The session's plan (OpenCode's todo list), in OpenCode's order; empty without one.
    /// Absent in snapshots remembered by older agents.
    #[serde(default)]
    pub todo: Vec<TodoItem>,
    /// Plan items `completed`, over the whole plan (not only the items listed).
    #[serde(default)]
    pub todo_done: u64,
    /// Plan items not `cancelled`, over the whole plan: progress is `todo_done/todo_total`.
    #[serde(default)]
    pub todo_total: u64,
    pub created: Option<String>,
    pub last_activity: String,
    pub hostname: String,
    pub opencode_version: Option<String>,
    /// The only carrier of permission details: oldest first, sub-agents' included on the root.
    pub pending_permissions: Vec<Permission>,
    /// The only carrier of question details.
    pub question: Option<Question>,
    pub error: Option<ErrorSummary>,
    pub available: bool,
}

impl Session {
    /// The fields of `new` whose values differ from `self`, by wire name (never `id`): the
    /// `fields` of a `session_changed` frame. Compared field by field so that only what
    /// changed is serialised (this runs for every frame).
    pub fn diff(&self, new: &Session) -> SessionFields {
        let mut out = SessionFields::new();
        // Destructured without `..`: a field added to `Session` must be listed here too.
        macro_rules! diff {
            ($($f:ident),*) => {
                let Session { id: _, $($f),* } = new;
                $(
                    if self.$f != *$f {
                        // Our own types serialise without error.
                        out.insert(stringify!($f).to_owned(), serde_json::to_value($f).unwrap_or_default());
                    }
                )*
            };
        }
        diff!(
            parent_id,
            root_id,
            is_child,
            instance_id,
            title,
            directory,
            project,
            state,
            model,
            agent,
            current_agent,
            current_tool,
            tokens_input,
            tokens_output,
            tokens_reasoning,
            tokens_cache_read,
            tokens_cache_write,
            cost,
            cost_total,
            context_used,
            context_limit,
            files_changed,
            lines_added,
            lines_removed,
            todo,
            todo_done,
            todo_total,
            created,
            last_activity,
            hostname,
            opencode_version,
            pending_permissions,
            question,
            error,
            available
        );
        out
    }
}

/// One item of a session's plan. `status` is OpenCode's (`pending`, `in_progress`,
/// `completed`, `cancelled`), `priority` too (`high`, `medium`, `low`); both are passed on
/// as given, so clients must accept other values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TodoItem {
    pub content: String,
    pub status: String,
    pub priority: String,
}

wire_enum! {
    /// A session's derived state.
    State {
        Idle = "idle",
        Working = "working",
        WaitingPermission = "waiting_permission",
        WaitingInput = "waiting_input",
        Error = "error",
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

wire_enum! {
    /// How an instance is attached.
    InstanceKind {
        Plugin = "plugin",
        Server = "server",
        /// OpenCode 2's shared background service, found through its registration file.
        Service = "service",
    }
}

/// The machine's spend and tokens: every assistant message counted once, never decreasing
/// (across session eviction and restarts of the agent or its clients).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    pub cost: f64,
    /// The sum of the five token counters below.
    pub tokens: u64,
    pub tokens_input: u64,
    pub tokens_output: u64,
    pub tokens_reasoning: u64,
    pub tokens_cache_read: u64,
    pub tokens_cache_write: u64,
    /// Assistant messages counted.
    pub messages: u64,
    /// When counting began (RFC 3339): the store's creation.
    pub since: String,
}

wire_enum! {
    /// How a run (busy → idle) ended.
    RunOutcome {
        Completed = "completed",
        Aborted = "aborted",
        Error = "error",
    }
}

wire_enum! {
    /// Who resolved a permission or question.
    ResolvedBy {
        Api = "api",
        Opencode = "opencode",
        Expired = "expired",
    }
}

wire_enum! {
    /// How a question ended.
    QuestionOutcome {
        Answered = "answered",
        Rejected = "rejected",
        Expired = "expired",
    }
}

wire_enum! {
    /// Why a session left the list.
    RemovedReason {
        Deleted = "deleted",
        Evicted = "evicted",
        /// Unavailable for longer than the agent's `stale_after`.
        Stale = "stale",
    }
}

wire_enum! {
    /// Why authentication failed.
    AuthFailure {
        InvalidToken = "invalid_token",
        AuthRequired = "auth_required",
        BadRequest = "bad_request",
        RateLimited = "rate_limited",
    }
}

wire_enum! {
    /// Codes of the connection-level `error` frame (sent before a refusing close).
    ConnectionError {
        TooManyClients = "too_many_clients",
    }
}

wire_enum! {
    /// Who wrote a message.
    Role {
        User = "user",
        Assistant = "assistant",
    }
}

/// Frames the server sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    Hello {
        server_id: String,
        hostname: String,
        version: String,
        schema: u32,
        min_schema: u32,
    },
    AuthOk,
    AuthFailed {
        reason: AuthFailure,
        /// Seconds until a new attempt is allowed; set only for `rate_limited`.
        retry_after: Option<u64>,
    },
    Result(Reply),
    Event(EventMsg),
    Error {
        code: ConnectionError,
        message: String,
    },
}

impl ServerMsg {
    /// The frame's text as sent on the socket.
    pub fn frame(&self) -> Utf8Bytes {
        // Serialising our own types to a string cannot fail (no maps with non-string keys).
        Utf8Bytes::from(serde_json::to_string(self).unwrap_or_default())
    }
}

/// A command's result; `ok` selects `result` or `error`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    pub id: Value,
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<CommandResult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
}

impl Reply {
    /// A successful result.
    pub fn ok(id: Value, result: CommandResult) -> Self {
        Reply { id, ok: true, result: Some(result), error: None }
    }

    /// A failed result.
    pub fn err(id: Value, error: ApiError) -> Self {
        Reply { id, ok: false, result: None, error: Some(error) }
    }
}

/// What a successful command returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CommandResult {
    /// `subscribe` and `list_sessions`.
    Snapshot(Snapshot),
    /// `get_messages`.
    Messages(Messages),
    /// Every other command: `{}`.
    Empty(Empty),
}

/// The full state: every session and every OpenCode instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub sessions: Vec<Session>,
    pub instances: Vec<Instance>,
    /// The machine's totals.
    pub usage: Usage,
}

/// The `get_messages` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Messages {
    pub messages: Vec<MessageText>,
}

/// The text of one message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageText {
    pub id: String,
    pub role: Role,
    pub agent: Option<String>,
    pub created: Option<String>,
    pub text: String,
    pub truncated: bool,
}

/// The empty result object `{}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

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

wire_enum! {
    /// Error codes of command results.
    ErrorCode {
        BadRequest = "bad_request",
        TooLarge = "too_large",
        UnknownCommand = "unknown_command",
        NotFound = "not_found",
        Unavailable = "unavailable",
        OpencodeError = "opencode_error",
        Timeout = "timeout",
        TooManyRequests = "too_many_requests",
        /// `abort_session` on a session that is idle or in error: nothing to abort.
        NotBusy = "not_busy",
    }
}

/// The `Session` fields that changed, by wire name, with their new values (never `id`).
pub type SessionFields = serde_json::Map<String, Value>;

/// Events pushed to subscribed clients. Details of permissions and questions travel only
/// in session frames (`session_updated`, `session_changed`), always sent before the thin
/// event that names them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventMsg {
    /// A session the client has not seen (since its last removal): the whole object.
    SessionUpdated {
        session: Box<Session>,
    },
    /// A session the client has seen: only the fields whose value changed.
    SessionChanged {
        session_id: String,
        fields: SessionFields,
    },
    SessionRemoved {
        session_id: String,
        reason: RemovedReason,
    },
    PermissionRequested {
        session_id: String,
        root_session_id: String,
        permission_id: String,
    },
    PermissionResolved {
        session_id: String,
        root_session_id: String,
        permission_id: String,
        reply: Option<PermissionReply>,
        by: ResolvedBy,
    },
    QuestionAsked {
        session_id: String,
        root_session_id: String,
        question_id: String,
    },
    QuestionResolved {
        session_id: String,
        root_session_id: String,
        question_id: String,
        outcome: QuestionOutcome,
        by: ResolvedBy,
    },
    InstanceConnected {
        instance: Instance,
    },
    InstanceDisconnected {
        instance_id: String,
    },
    /// A session left idle/error (agent's clock).
    RunStarted {
        session_id: String,
        root_session_id: String,
        started: String,
    },
    /// A session became idle/error again.
    RunFinished {
        session_id: String,
        root_session_id: String,
        outcome: RunOutcome,
        started: String,
        finished: String,
        duration_ms: u64,
        /// Set for `error`.
        error: Option<ErrorSummary>,
        /// Set for `aborted` when OpenCode said why, as it said it (OpenCode 2: `user`,
        /// `shutdown`, `superseded`, `inactivity`, ...).
        #[serde(default)]
        reason: Option<String>,
    },
    /// The machine's totals changed.
    UsageUpdated {
        usage: Usage,
    },
}

/// The event names of this schema (the `event` field).
pub const EVENTS: &[&str] = &[
    "session_updated",
    "session_changed",
    "session_removed",
    "permission_requested",
    "permission_resolved",
    "question_asked",
    "question_resolved",
    "instance_connected",
    "instance_disconnected",
    "run_started",
    "run_finished",
    "usage_updated",
];

wire_enum! {
    /// A permission reply.
    PermissionReply {
        Once = "once",
        Always = "always",
        Reject = "reject",
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

/// A command as sent on the wire: its fields plus the client-chosen `id`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Request<'a> {
    #[serde(flatten)]
    pub command: &'a Command,
    pub id: Value,
}

/// What a user pastes into Home Assistant to pair it with this agent:
/// `lookout1:<port>:<fingerprint>:<token>`, the fingerprint being the SHA-256 of the agent's
/// certificate (64 lowercase hex) and the token the API token (base64url).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pairing {
    pub port: u16,
    pub fingerprint: String,
    pub token: String,
}

impl Pairing {
    /// The version tag the string starts with.
    pub const PREFIX: &'static str = "lookout1";

    /// Reads a pairing string (surrounding whitespace allowed).
    pub fn parse(s: &str) -> Option<Pairing> {
        let mut parts = s.trim().split(':');
        let (Some(Self::PREFIX), Some(port), Some(fp), Some(token), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let fp_ok = fp.len() == 64 && fp.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        let token_ok = !token.is_empty()
            && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !fp_ok || !token_ok {
            return None;
        }
        Some(Pairing {
            port: port.parse().ok()?,
            fingerprint: fp.to_owned(),
            token: token.to_owned(),
        })
    }
}

impl std::fmt::Display for Pairing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}:{}", Self::PREFIX, self.port, self.fingerprint, self.token)
    }
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
            schema: SCHEMA,
            min_schema: MIN_SCHEMA,
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
