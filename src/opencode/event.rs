//! Typed, tolerant decoding of OpenCode bus events and REST payloads.
//!
//! Only the fields the tracker needs are decoded; unknown event types and fields are
//! accepted and ignored. Both wire envelopes are understood: `/global/event` lines
//! (`{directory, payload: {type, properties}}`) and plain `{type, properties}` as the
//! plugin's `event` hook and `/event` deliver them. Legacy `permission.updated` /
//! `permission.replied{permissionID, response}` shapes are mapped onto the current ones.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A session as OpenCode describes it (`Session` in its OpenAPI).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct SessionInfo {
    pub id: String,
    #[serde(rename = "parentID")]
    pub parent_id: Option<String>,
    pub title: Option<String>,
    pub directory: Option<String>,
    #[serde(rename = "projectID")]
    pub project_id: Option<String>,
    pub agent: Option<String>,
    pub model: Option<SessionModel>,
    #[serde(deserialize_with = "lenient")]
    pub cost: Option<f64>,
    pub tokens: Option<Tokens>,
    pub summary: Option<Summary>,
    pub version: Option<String>,
    pub time: Times,
}

/// `Session.model` (1.18+).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct SessionModel {
    pub id: String,
    #[serde(rename = "providerID")]
    pub provider_id: String,
}

/// Token counters as OpenCode reports them on messages and sessions.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct Tokens {
    #[serde(deserialize_with = "count")]
    pub input: u64,
    #[serde(deserialize_with = "count")]
    pub output: u64,
    #[serde(deserialize_with = "count")]
    pub reasoning: u64,
    pub cache: CacheTokens,
}

/// Cached-token counters.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct CacheTokens {
    #[serde(deserialize_with = "count")]
    pub read: u64,
    #[serde(deserialize_with = "count")]
    pub write: u64,
}

/// `Session.summary`: the diff summary of the session.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct Summary {
    #[serde(deserialize_with = "count")]
    pub additions: u64,
    #[serde(deserialize_with = "count")]
    pub deletions: u64,
    #[serde(deserialize_with = "count")]
    pub files: u64,
}

/// `time` objects: epoch milliseconds.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct Times {
    #[serde(deserialize_with = "lenient")]
    pub created: Option<i64>,
    #[serde(deserialize_with = "lenient")]
    pub updated: Option<i64>,
    #[serde(deserialize_with = "lenient")]
    pub completed: Option<i64>,
}

/// A user or assistant message (`Message`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct MessageInfo {
    pub id: String,
    #[serde(rename = "sessionID")]
    pub session_id: String,
    pub role: String,
    pub agent: Option<String>,
    pub mode: Option<String>,
    #[serde(rename = "modelID")]
    pub model_id: Option<String>,
    #[serde(rename = "providerID")]
    pub provider_id: Option<String>,
    /// UserMessage carries `{providerID, modelID}` here.
    pub model: Option<Value>,
    #[serde(deserialize_with = "lenient")]
    pub cost: Option<f64>,
    pub tokens: Option<Tokens>,
    pub error: Option<ErrorInfo>,
    pub time: Times,
}

/// `{name, data: {message}}` errors on messages and `session.error`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct ErrorInfo {
    pub name: String,
    pub data: Value,
}

impl ErrorInfo {
    /// The human message inside `data`, if any.
    pub fn message(&self) -> String {
        match self.data.get("message") {
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        }
    }

    /// An abort is reported as an error by OpenCode but is not a failure.
    pub fn is_abort(&self) -> bool {
        self.name == "MessageAbortedError"
    }
}

/// A message part; only tool parts are looked at closely.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct PartInfo {
    pub id: String,
    #[serde(rename = "sessionID")]
    pub session_id: String,
    #[serde(rename = "messageID")]
    pub message_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub tool: Option<String>,
    pub state: Option<ToolState>,
    pub text: Option<String>,
}

/// `ToolPart.state`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct ToolState {
    pub status: String,
    pub input: Value,
    pub title: Option<String>,
    pub metadata: Value,
}

/// A pending permission request (`PermissionRequest`, or legacy `Permission`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct PermissionInfo {
    pub id: String,
    #[serde(rename = "sessionID")]
    pub session_id: String,
    /// The permission key; legacy payloads call it `type`.
    #[serde(alias = "type")]
    pub permission: String,
    #[serde(deserialize_with = "string_or_list", alias = "pattern")]
    pub patterns: Vec<String>,
    #[serde(deserialize_with = "string_or_list")]
    pub always: Vec<String>,
    pub metadata: Value,
    /// Legacy payloads carry a ready-made title.
    pub title: Option<String>,
    pub time: Times,
}

/// A pending question (`question.asked`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct QuestionInfo {
    pub id: String,
    #[serde(rename = "sessionID")]
    pub session_id: String,
    pub questions: Vec<QuestionItem>,
}

/// One question of a question request.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct QuestionItem {
    pub question: String,
    pub header: String,
    pub multiple: bool,
    pub options: Vec<QuestionOption>,
}

/// One offered answer.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct QuestionOption {
    pub label: String,
    pub description: String,
}

/// One item of a session's todo list (`Todo`): the plan. Unknown fields are ignored;
/// anything but a string reads as empty.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct TodoInfo {
    #[serde(deserialize_with = "lenient_str")]
    pub content: String,
    #[serde(deserialize_with = "lenient_str")]
    pub status: String,
    #[serde(deserialize_with = "lenient_str")]
    pub priority: String,
}

/// Some fields of a session, as OpenCode 2 reports them one event at a time
/// (`session.renamed`, `session.agent.selected`, `session.usage.updated`, ...). Fields left
/// `None` keep their value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionPatch {
    pub session_id: String,
    pub title: Option<String>,
    pub directory: Option<String>,
    pub agent: Option<String>,
    pub model: Option<SessionModel>,
    /// Session totals (not deltas).
    pub cost: Option<f64>,
    pub tokens: Option<Tokens>,
}

/// `SessionStatus`.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Idle,
    Busy,
    Retry { attempt: u64, message: String },
}

/// The events the tracker acts on. Everything else decodes to `Other`.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    SessionUpsert(SessionInfo),
    SessionDeleted {
        session_id: String,
    },
    /// Some fields of a session changed (the rest stay as they are).
    SessionPatch(SessionPatch),
    /// OpenCode stopped the session's run and said why (`user`, `shutdown`, ...); the
    /// run ends `aborted` once the session is idle.
    Interrupted {
        session_id: String,
        reason: String,
    },
    SessionStatus {
        session_id: String,
        status: Status,
    },
    SessionIdle {
        session_id: String,
    },
    SessionError {
        session_id: Option<String>,
        error: Option<ErrorInfo>,
    },
    MessageUpdated(MessageInfo),
    MessageRemoved {
        session_id: String,
        message_id: String,
    },
    PartUpdated(PartInfo),
    /// Streaming text: only activity matters.
    PartDelta {
        session_id: String,
    },
    PermissionAsked(PermissionInfo),
    PermissionReplied {
        session_id: String,
        permission_id: String,
        reply: Option<String>,
    },
    QuestionAsked(QuestionInfo),
    /// The session's whole todo list (the plan), replacing the one before.
    TodoUpdated {
        session_id: String,
        todos: Vec<TodoInfo>,
    },
    QuestionResolved {
        session_id: String,
        question_id: String,
        rejected: bool,
    },
    /// `server.connected`: the first event of every stream.
    Connected,
    /// `server.heartbeat`.
    Heartbeat,
    /// OpenCode's `sync` mirror events, which duplicate every durable event.
    Sync,
    Other(String),
}

impl Event {
    /// The session an event is about, when it names one.
    pub fn session_id(&self) -> Option<&str> {
        match self {
            Event::SessionUpsert(s) => Some(&s.id),
            Event::SessionDeleted { session_id }
            | Event::SessionStatus { session_id, .. }
            | Event::SessionIdle { session_id }
            | Event::MessageRemoved { session_id, .. }
            | Event::PartDelta { session_id }
            | Event::PermissionReplied { session_id, .. }
            | Event::QuestionResolved { session_id, .. }
            | Event::Interrupted { session_id, .. }
            | Event::TodoUpdated { session_id, .. } => Some(session_id),
            Event::SessionPatch(p) => Some(&p.session_id),
            Event::SessionError { session_id, .. } => session_id.as_deref(),
            Event::MessageUpdated(m) => Some(&m.session_id),
            Event::PartUpdated(p) => Some(&p.session_id),
            Event::PermissionAsked(p) => Some(&p.session_id),
            Event::QuestionAsked(q) => Some(&q.session_id),
            Event::Connected | Event::Heartbeat | Event::Sync | Event::Other(_) => None,
        }
    }
}

/// Why a line could not be decoded at all.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("event is not JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("event has no type")]
    NoType,
}

/// Decodes one SSE payload or plugin event (either envelope).
pub fn decode_line(line: &str) -> Result<Event, DecodeError> {
    let value: Value = serde_json::from_str(line)?;
    decode_value(value)
}

/// Decodes an already parsed event value (either envelope).
pub fn decode_value(mut value: Value) -> Result<Event, DecodeError> {
    if let Some(payload) = value.get_mut("payload") {
        value = payload.take();
    }
    let Some(kind) = value.get("type").and_then(Value::as_str).map(str::to_owned) else {
        return Err(DecodeError::NoType);
    };
    let props = value.get_mut("properties").map(Value::take).unwrap_or(Value::Null);
    Ok(decode_typed(&kind, props))
}

fn decode_typed(kind: &str, props: Value) -> Event {
    let event = match kind {
        "server.connected" => Some(Event::Connected),
        "server.heartbeat" => Some(Event::Heartbeat),
        "sync" => Some(Event::Sync),
        "session.created" | "session.updated" => {
            field::<SessionInfo>(&props, "info").map(Event::SessionUpsert)
        }
        "session.deleted" => field::<SessionInfo>(&props, "info")
            .map(|s| s.id)
            .or_else(|| str_field(&props, "sessionID"))
            .map(|session_id| Event::SessionDeleted { session_id }),
        "session.status" => {
            let status = props.get("status").and_then(decode_status);
            str_field(&props, "sessionID")
                .zip(status)
                .map(|(session_id, status)| Event::SessionStatus { session_id, status })
        }
        "session.idle" => {
            str_field(&props, "sessionID").map(|session_id| Event::SessionIdle { session_id })
        }
        "session.error" => Some(Event::SessionError {
            session_id: str_field(&props, "sessionID"),
            error: field(&props, "error"),
        }),
        "message.updated" => field::<MessageInfo>(&props, "info").map(Event::MessageUpdated),
        "message.removed" => str_field(&props, "sessionID")
            .zip(str_field(&props, "messageID"))
            .map(|(session_id, message_id)| Event::MessageRemoved { session_id, message_id }),
        "message.part.updated" => field::<PartInfo>(&props, "part").map(Event::PartUpdated),
        "message.part.delta" => {
            str_field(&props, "sessionID").map(|session_id| Event::PartDelta { session_id })
        }
        "permission.asked" | "permission.updated" => {
            serde_json::from_value::<PermissionInfo>(props.clone()).ok().map(Event::PermissionAsked)
        }
        "permission.replied" => {
            let id = str_field(&props, "requestID").or_else(|| str_field(&props, "permissionID"));
            let reply = str_field(&props, "reply").or_else(|| str_field(&props, "response"));
            str_field(&props, "sessionID").zip(id).map(|(session_id, permission_id)| {
                Event::PermissionReplied { session_id, permission_id, reply }
            })
        }
        "question.asked" => {
            serde_json::from_value::<QuestionInfo>(props.clone()).ok().map(Event::QuestionAsked)
        }
        "question.replied" | "question.rejected" => str_field(&props, "sessionID")
            .zip(str_field(&props, "requestID").or_else(|| str_field(&props, "id")))
            .map(|(session_id, question_id)| Event::QuestionResolved {
                session_id,
                question_id,
                rejected: kind == "question.rejected",
            }),
        "todo.updated" => todo_updated(&props, str_field(&props, "sessionID")),
        _ => None,
    };
    event.filter(|e| e.session_id() != Some("")).unwrap_or_else(|| Event::Other(kind.to_owned()))
}

/// `todo.updated` (V1 and V2 alike): `{sessionID, todos: [{content, status, priority}]}`.
/// A list that is missing or not a list is no event; items that are not objects are skipped.
pub(crate) fn todo_updated(props: &Value, session_id: Option<String>) -> Option<Event> {
    let items = props.get("todos")?.as_array()?;
    let todos = items
        .iter()
        .filter(|i| i.is_object())
        .filter_map(|i| serde_json::from_value::<TodoInfo>(i.clone()).ok())
        .collect();
    Some(Event::TodoUpdated { session_id: session_id?, todos })
}

/// Decodes a `SessionStatus` object.
pub fn decode_status(v: &Value) -> Option<Status> {
    match v.get("type")?.as_str()? {
        "idle" => Some(Status::Idle),
        "busy" => Some(Status::Busy),
        "retry" => Some(Status::Retry {
            attempt: v.get("attempt").and_then(Value::as_u64).unwrap_or(0),
            message: v.get("message").and_then(Value::as_str).unwrap_or_default().to_owned(),
        }),
        _ => None,
    }
}

pub(crate) fn field<T: for<'de> Deserialize<'de>>(props: &Value, name: &str) -> Option<T> {
    serde_json::from_value(props.get(name)?.clone()).ok()
}

pub(crate) fn str_field(props: &Value, name: &str) -> Option<String> {
    props.get(name)?.as_str().map(str::to_owned)
}

/// Accepts a number of any JSON kind (or null) as a count; negatives and junk become 0.
fn count<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let v = Value::deserialize(d)?;
    Ok(match v {
        Value::Number(n) => {
            n.as_u64().or_else(|| n.as_f64().map(|f| f.max(0.0) as u64)).unwrap_or(0)
        }
        _ => 0,
    })
}

/// Accepts anything, keeping it only if it has the expected type.
fn lenient<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: for<'a> Deserialize<'a>,
{
    let v = Value::deserialize(d)?;
    Ok(serde_json::from_value(v).ok())
}

/// A string, or empty for anything else.
fn lenient_str<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => s,
        _ => String::new(),
    })
}

fn string_or_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => vec![s],
        Value::Array(items) => {
            items.into_iter().filter_map(|i| i.as_str().map(str::to_owned)).collect()
        }
        _ => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    //! Decoding of single events, both envelopes and legacy shapes.
    use super::*;

    #[test]
    fn unwraps_global_envelope() {
        let line = r#"{"directory":"/p","payload":{"id":"evt_1","type":"session.idle","properties":{"sessionID":"ses_1"}}}"#;
        assert_eq!(decode_line(line).unwrap(), Event::SessionIdle { session_id: "ses_1".into() });
    }

    #[test]
    fn legacy_permission_shapes() {
        let asked = r#"{"type":"permission.updated","properties":{"id":"per_1","type":"bash","pattern":"ls","sessionID":"ses_1","messageID":"m","title":"ls","metadata":{},"time":{"created":5}}}"#;
        let Event::PermissionAsked(p) = decode_line(asked).unwrap() else { panic!() };
        assert_eq!((p.permission.as_str(), p.patterns.clone()), ("bash", vec!["ls".to_owned()]));
        let replied = r#"{"type":"permission.replied","properties":{"sessionID":"ses_1","permissionID":"per_1","response":"always"}}"#;
        assert_eq!(
            decode_line(replied).unwrap(),
            Event::PermissionReplied {
                session_id: "ses_1".into(),
                permission_id: "per_1".into(),
                reply: Some("always".into())
            }
        );
    }

    #[test]
    fn unknown_and_broken_events_are_other() {
        assert_eq!(
            decode_line(r#"{"type":"x.y","properties":{}}"#).unwrap(),
            Event::Other("x.y".into())
        );
        assert_eq!(
            decode_line(r#"{"type":"session.status","properties":{"sessionID":5}}"#).unwrap(),
            Event::Other("session.status".into())
        );
        assert!(decode_line("{").is_err());
        assert!(decode_line("[1]").is_err());
    }

    #[test]
    fn todo_lists_replace_the_plan() {
        let line = r#"{"type":"todo.updated","properties":{"sessionID":"ses_1","todos":[
            {"id":"1","content":"Write tests","status":"completed","priority":"high"},
            {"content":"Ship","status":"in_progress","priority":7},
            "junk"]}}"#;
        let Event::TodoUpdated { session_id, todos } = decode_line(line).unwrap() else { panic!() };
        assert_eq!(session_id, "ses_1");
        assert_eq!(todos.len(), 2);
        assert_eq!(
            (todos[0].content.as_str(), todos[0].status.as_str()),
            ("Write tests", "completed")
        );
        assert_eq!((todos[1].status.as_str(), todos[1].priority.as_str()), ("in_progress", ""));
        let empty = r#"{"type":"todo.updated","properties":{"sessionID":"ses_1","todos":[]}}"#;
        assert!(
            matches!(decode_line(empty).unwrap(), Event::TodoUpdated { todos, .. } if todos.is_empty())
        );
        for broken in [
            r#"{"type":"todo.updated","properties":{"sessionID":"ses_1"}}"#,
            r#"{"type":"todo.updated","properties":{"todos":[]}}"#,
            r#"{"type":"todo.updated","properties":{"sessionID":"","todos":[]}}"#,
        ] {
            assert_eq!(decode_line(broken).unwrap(), Event::Other("todo.updated".into()));
        }
    }

    #[test]
    fn tolerant_numbers() {
        let line = r#"{"type":"message.updated","properties":{"info":{"id":"m","sessionID":"s","role":"assistant","cost":"x","tokens":{"input":1.5,"output":-3,"cache":{"read":null}}}}}"#;
        let Event::MessageUpdated(m) = decode_line(line).unwrap() else { panic!() };
        assert_eq!((m.cost, m.tokens.unwrap().input, m.tokens.unwrap().output), (None, 1, 0));
    }
}
