//! The commands that act on OpenCode, one function each: look up and route under one hub
//! lock, call the owning instance outside it, map OpenCode's answer to a typed result.

use crate::{
    hub::{Decision, Hub},
    opencode::api::{Api, CallError},
    protocol::{
        ApiError, Empty, ErrorCode, MessageText, Messages, PermissionReply, Role, Snapshot, State,
    },
    tracker::{rfc3339, Input},
};
use serde_json::{json, Value};

/// Longest message text returned by `get_messages`.
const MAX_TEXT: usize = 4000;
/// Messages returned by `get_messages` when the client names no limit, and at most.
const DEFAULT_MESSAGES: usize = 20;
const MAX_MESSAGES: usize = 100;

/// How OpenCode's failures reach clients.
impl From<CallError> for ApiError {
    fn from(e: CallError) -> Self {
        let code = match &e {
            CallError::Gone | CallError::Transport(_) => ErrorCode::Unavailable,
            CallError::Timeout => ErrorCode::Timeout,
            CallError::NotFound(_) => ErrorCode::NotFound,
            CallError::Status { .. } => ErrorCode::OpencodeError,
        };
        ApiError::new(code, e.to_string())
    }
}

/// `list_sessions`.
pub(crate) fn list_sessions(hub: &Hub) -> Snapshot {
    hub.snapshot()
}

/// `reply_permission`: confirmed only after OpenCode took the reply, and attributed to
/// the API only then.
pub(crate) async fn reply_permission(
    hub: &Hub,
    session_id: Option<String>,
    permission_id: String,
    reply: PermissionReply,
    message: Option<String>,
) -> Result<Empty, ApiError> {
    let not_pending =
        || ApiError::new(ErrorCode::NotFound, format!("permission {permission_id} is not pending"));
    let (api, dir) = hub.decide(|d| {
        let perm = d.tracker().find_permission(&permission_id).ok_or_else(not_pending)?;
        if let Some(sid) = &session_id {
            if !d.tracker().in_lineage(&perm.session_id, sid) {
                return Err(ApiError::new(
                    ErrorCode::NotFound,
                    format!("permission {permission_id} does not belong to session {sid}"),
                ));
            }
        }
        let route = route(d, &perm.session_id.clone())?;
        // A second reply while one is in flight would only be refused by OpenCode.
        if !d.begin_reply(&permission_id) {
            return Err(not_pending());
        }
        Ok(route)
    })?;
    let mut body = json!({"reply": reply.as_str()});
    if let Some(m) = message.filter(|m| !m.is_empty()) {
        body["message"] = json!(m);
    }
    let path = format!("/permission/{}/reply", enc(&permission_id));
    let answer = api.call_ok("POST", path, Some(body), dir).await;
    hub.finish_reply(&permission_id, answer.is_ok());
    answer.map_err(|e| match e {
        CallError::NotFound(_) => not_pending(),
        e => e.into(),
    })?;
    Ok(Empty {})
}

/// `reply_question`: answers, or with `reject` dismisses, a pending question.
pub(crate) async fn reply_question(
    hub: &Hub,
    question_id: String,
    answers: Vec<Vec<String>>,
    reject: bool,
) -> Result<Empty, ApiError> {
    let not_pending =
        || ApiError::new(ErrorCode::NotFound, format!("question {question_id} is not pending"));
    let (api, dir) = hub.decide(|d| {
        let q = d.tracker().find_question(&question_id).ok_or_else(not_pending)?;
        route(d, &q.session_id.clone())
    })?;
    let (path, body) = if reject {
        (format!("/question/{}/reject", enc(&question_id)), json!({}))
    } else {
        if answers.is_empty() {
            return Err(ApiError::new(ErrorCode::BadRequest, "answers must not be empty"));
        }
        (format!("/question/{}/reply", enc(&question_id)), json!({"answers": answers}))
    };
    api.call_ok("POST", path, Some(body), dir).await.map_err(|e| match e {
        CallError::NotFound(_) => not_pending(),
        e => e.into(),
    })?;
    Ok(Empty {})
}

/// `abort_session`: only a session with a run to stop; its run then ends `aborted`.
pub(crate) async fn abort_session(hub: &Hub, session_id: String) -> Result<Empty, ApiError> {
    let (api, dir) = hub.decide(|d| {
        let route = route(d, &session_id)?;
        if matches!(d.tracker().state(&session_id), Some(State::Idle | State::Error)) {
            let msg = format!("session {session_id} is not busy: nothing to abort");
            return Err(ApiError::new(ErrorCode::NotBusy, msg));
        }
        Ok(route)
    })?;
    api.call_ok("POST", format!("/session/{}/abort", enc(&session_id)), None, dir).await?;
    hub.apply(Input::AbortedViaApi { session_id });
    Ok(Empty {})
}

/// `send_prompt`: queued in OpenCode; the work shows up as events.
pub(crate) async fn send_prompt(
    hub: &Hub,
    session_id: String,
    text: String,
    agent: Option<String>,
) -> Result<Empty, ApiError> {
    if text.trim().is_empty() {
        return Err(ApiError::new(ErrorCode::BadRequest, "text must not be empty"));
    }
    let (api, dir) = hub.decide(|d| route(d, &session_id))?;
    let mut body = json!({"parts": [{"type": "text", "text": text}]});
    if let Some(a) = agent.filter(|a| !a.is_empty()) {
        body["agent"] = json!(a);
    }
    let path = format!("/session/{}/prompt_async", enc(&session_id));
    api.call_ok("POST", path, Some(body), dir).await?;
    Ok(Empty {})
}

/// `get_messages`: the text of the latest messages.
pub(crate) async fn get_messages(
    hub: &Hub,
    session_id: String,
    limit: Option<usize>,
) -> Result<Messages, ApiError> {
    let limit = limit.unwrap_or(DEFAULT_MESSAGES).clamp(1, MAX_MESSAGES);
    let (api, dir) = hub.decide(|d| route(d, &session_id))?;
    let path = format!("/session/{}/message?limit={limit}", enc(&session_id));
    let body = api.call_ok("GET", path, None, dir).await?;
    Ok(Messages { messages: messages(&body) })
}

/// The API of the instance that runs a session, or why there is none.
fn route(d: &Decision<'_>, session_id: &str) -> Result<(Api, Option<String>), ApiError> {
    if !d.tracker().contains(session_id) {
        return Err(ApiError::new(ErrorCode::NotFound, format!("unknown session {session_id}")));
    }
    d.api_for(session_id).ok_or_else(|| {
        ApiError::new(
            ErrorCode::Unavailable,
            "the OpenCode instance of this session is not connected",
        )
    })
}

/// Text-only view of `GET /session/{id}/message`; messages of other roles, and assistant
/// messages without text (steps that only ran tools), are skipped.
fn messages(body: &Value) -> Vec<MessageText> {
    let Some(items) = body.as_array() else { return Vec::new() };
    items
        .iter()
        .filter_map(|m| {
            let info = &m["info"];
            let role = Role::parse(info["role"].as_str()?)?;
            let text: Vec<&str> = m["parts"]
                .as_array()
                .map(|parts| {
                    parts
                        .iter()
                        .filter(|p| p["type"] == "text")
                        .filter_map(|p| p["text"].as_str())
                        .collect()
                })
                .unwrap_or_default();
            let text = text.join("\n");
            if role == Role::Assistant && text.trim().is_empty() {
                return None;
            }
            let truncated = text.chars().count() > MAX_TEXT;
            let text = if truncated { text.chars().take(MAX_TEXT).collect() } else { text };
            Some(MessageText {
                id: info["id"].as_str().unwrap_or_default().to_owned(),
                role,
                agent: info["agent"].as_str().map(str::to_owned),
                created: info["time"]["created"].as_i64().map(rfc3339),
                text,
                truncated,
            })
        })
        .collect()
}

/// Percent-encodes an id for a URL path segment (ids come from clients).
fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    //! Message flattening.
    use super::*;

    #[test]
    fn flattens_messages() {
        let body = json!([{"info": {"id": "m", "role": "assistant", "time": {"created": 0}},
            "parts": [{"type": "text", "text": "a"}, {"type": "tool"}, {"type": "text", "text": "b"}]}]);
        let out = messages(&body);
        assert_eq!(out[0].text, "a\nb");
        let tool_only = json!([
            {"info": {"id": "u", "role": "user"}, "parts": [{"type": "text", "text": "go"}]},
            {"info": {"id": "t", "role": "assistant"}, "parts": [{"type": "tool"}]},
            {"info": {"id": "e", "role": "assistant"}, "parts": [{"type": "text", "text": " "}]},
        ]);
        let ids: Vec<String> = messages(&tool_only).into_iter().map(|m| m.id).collect();
        assert_eq!(ids, ["u"], "assistant messages without text are left out");
        assert_eq!(out[0].created.as_deref(), Some("1970-01-01T00:00:00.000Z"));
        assert_eq!(enc("a/b"), "a%2Fb");
    }
}
