//! Client commands that act on OpenCode: routing to the owning instance and mapping
//! OpenCode's answers to typed results. A reply is confirmed only after OpenCode took it.

use crate::{
    feeds::api::Api,
    hub::Hub,
    protocol::{ApiError, Command, CommandResult, Empty, ErrorCode, MessageText, Messages, Role},
    tracker::{rfc3339, Input},
};
use serde_json::{json, Value};

/// Longest message text returned by `get_messages`.
const MAX_TEXT: usize = 4000;

/// Executes a command other than `auth` / `subscribe`.
pub async fn execute(hub: &Hub, cmd: Command) -> Result<CommandResult, ApiError> {
    match cmd {
        Command::Auth { .. } | Command::Subscribe => {
            Err(ApiError::new(ErrorCode::BadRequest, "not valid at this point"))
        }
        Command::ListSessions => Ok(CommandResult::Snapshot(hub.snapshot())),
        Command::ReplyPermission { session_id, permission_id, reply, message } => {
            let not_pending = || {
                ApiError::new(
                    ErrorCode::NotFound,
                    format!("permission {permission_id} is not pending"),
                )
            };
            let perm = hub.permission(&permission_id).ok_or_else(not_pending)?;
            if let Some(sid) = session_id {
                if !hub.with_tracker(|t| t.in_lineage(&perm.session_id, &sid)) {
                    return Err(ApiError::new(
                        ErrorCode::NotFound,
                        format!("permission {permission_id} does not belong to session {sid}"),
                    ));
                }
            }
            let (api, dir) = route(hub, &perm.session_id)?;
            let mut body = json!({"reply": reply.as_str()});
            if let Some(m) = message.filter(|m| !m.is_empty()) {
                body["message"] = json!(m);
            }
            // Recorded before the call: OpenCode's `permission.replied` can beat its HTTP answer.
            hub.apply(Input::RepliedViaApi { permission_id: permission_id.clone() });
            let path = format!("/permission/{}/reply", enc(&permission_id));
            api.call_ok("POST", path, Some(body), dir).await.map_err(|e| match e.code {
                ErrorCode::NotFound => not_pending(),
                _ => e,
            })?;
            Ok(CommandResult::Empty(Empty {}))
        }
        Command::ReplyQuestion { question_id, answers, reject } => {
            let not_pending = || {
                ApiError::new(ErrorCode::NotFound, format!("question {question_id} is not pending"))
            };
            let q = hub.question(&question_id).ok_or_else(not_pending)?;
            let (api, dir) = route(hub, &q.session_id)?;
            let (path, body) = if reject {
                (format!("/question/{}/reject", enc(&question_id)), json!({}))
            } else {
                if answers.is_empty() {
                    return Err(ApiError::new(ErrorCode::BadRequest, "answers must not be empty"));
                }
                (format!("/question/{}/reply", enc(&question_id)), json!({"answers": answers}))
            };
            api.call_ok("POST", path, Some(body), dir).await.map_err(|e| match e.code {
                ErrorCode::NotFound => not_pending(),
                _ => e,
            })?;
            Ok(CommandResult::Empty(Empty {}))
        }
        Command::AbortSession { session_id } => {
            let (api, dir) = route(hub, &session_id)?;
            api.call_ok("POST", format!("/session/{}/abort", enc(&session_id)), None, dir).await?;
            Ok(CommandResult::Empty(Empty {}))
        }
        Command::SendPrompt { session_id, text, agent } => {
            if text.trim().is_empty() {
                return Err(ApiError::new(ErrorCode::BadRequest, "text must not be empty"));
            }
            let (api, dir) = route(hub, &session_id)?;
            let mut body = json!({"parts": [{"type": "text", "text": text}]});
            if let Some(a) = agent.filter(|a| !a.is_empty()) {
                body["agent"] = json!(a);
            }
            api.call_ok(
                "POST",
                format!("/session/{}/prompt_async", enc(&session_id)),
                Some(body),
                dir,
            )
            .await?;
            Ok(CommandResult::Empty(Empty {}))
        }
        Command::GetMessages { session_id, limit } => {
            let limit = limit.unwrap_or(20).clamp(1, 100);
            let (api, dir) = route(hub, &session_id)?;
            let path = format!("/session/{}/message?limit={limit}", enc(&session_id));
            let body = api.call_ok("GET", path, None, dir).await?;
            Ok(CommandResult::Messages(Messages { messages: messages(&body) }))
        }
    }
}

/// The API of the instance that runs a session, or why there is none.
fn route(hub: &Hub, session_id: &str) -> Result<(Api, Option<String>), ApiError> {
    if !hub.with_tracker(|t| t.contains(session_id)) {
        return Err(ApiError::new(ErrorCode::NotFound, format!("unknown session {session_id}")));
    }
    hub.api_for(session_id).ok_or_else(|| {
        ApiError::new(
            ErrorCode::Unavailable,
            "the OpenCode instance of this session is not connected",
        )
    })
}

/// Text-only view of `GET /session/{id}/message`; messages of other roles are skipped.
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
        assert_eq!(out[0].created.as_deref(), Some("1970-01-01T00:00:00.000Z"));
        assert_eq!(enc("a/b"), "a%2Fb");
    }
}
