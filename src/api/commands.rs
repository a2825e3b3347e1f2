//! The commands that act on OpenCode, one function each: look up and route under one hub
//! lock, call the owning instance outside it, map OpenCode's answer to a typed result.

use crate::{
    hub::{Decision, Hub},
    opencode::{
        actions::{self, ActionError, MessageRow},
        api::{Api, CallError},
    },
    protocol::{
        ApiError, Empty, ErrorCode, MessageText, Messages, PermissionReply, Role, Snapshot, State,
    },
    tracker::{rfc3339, Change, Input},
};

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
            // OpenCode refused what it was asked (a bad answer, a bad body).
            CallError::Status { status: 400 | 422, .. } => ErrorCode::BadRequest,
            CallError::Status { .. } => ErrorCode::OpencodeError,
        };
        ApiError::new(code, e.to_string())
    }
}

impl From<ActionError> for ApiError {
    fn from(e: ActionError) -> Self {
        match e {
            ActionError::BadAnswer(m) => ApiError::new(ErrorCode::BadRequest, m),
            ActionError::Call(e) => e.into(),
        }
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
    let (api, dir, holder) = hub.decide(|d| {
        let perm = d.tracker().find_permission(&permission_id).ok_or_else(not_pending)?;
        if let Some(sid) = &session_id {
            if !d.tracker().in_lineage(&perm.session_id, sid) {
                return Err(ApiError::new(
                    ErrorCode::NotFound,
                    format!("permission {permission_id} does not belong to session {sid}"),
                ));
            }
        }
        let holder = perm.session_id.clone();
        let (api, dir) = route(d, &holder)?;
        // A second reply while one is in flight would only be refused by OpenCode.
        let started = d.apply(Input::ReplyStarted { permission_id: permission_id.clone() });
        if started.iter().any(|c| matches!(c, Change::ReplyRefused { .. })) {
            return Err(not_pending());
        }
        Ok((api, dir, holder))
    })?;
    let answer =
        actions::reply_permission(&api, dir, &holder, &permission_id, reply, message).await;
    let accepted = answer.is_ok();
    hub.apply(Input::ReplyFinished { permission_id: permission_id.clone(), accepted });
    answer.map_err(|e| match e {
        CallError::NotFound(_) => {
            hub.apply(Input::Gone { request_id: permission_id.clone() });
            not_pending()
        }
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
    if !reject && answers.is_empty() {
        return Err(ApiError::new(ErrorCode::BadRequest, "answers must not be empty"));
    }
    let (api, dir, session_id) = hub.decide(|d| {
        let q = d.tracker().find_question(&question_id).ok_or_else(not_pending)?;
        let session_id = q.session_id.clone();
        let (api, dir) = route(d, &session_id)?;
        Ok::<_, ApiError>((api, dir, session_id))
    })?;
    actions::reply_question(&api, dir, &session_id, &question_id, answers, reject).await.map_err(
        |e| match e {
            ActionError::Call(CallError::NotFound(_)) => {
                hub.apply(Input::Gone { request_id: question_id.clone() });
                not_pending()
            }
            e => e.into(),
        },
    )?;
    Ok(Empty {})
}

/// `abort_session`: only a session with a run to stop; its run then ends `aborted`.
pub(crate) async fn abort_session(hub: &Hub, session_id: String) -> Result<Empty, ApiError> {
    let (api, dir, children) = hub.decide(|d| {
        let (api, dir) = route(d, &session_id)?;
        if matches!(d.tracker().state(&session_id), Some(State::Idle | State::Error)) {
            let msg = format!("session {session_id} is not busy: nothing to abort");
            return Err(ApiError::new(ErrorCode::NotBusy, msg));
        }
        Ok((api, dir, d.tracker().busy_descendants(&session_id)))
    })?;
    if !actions::abort(&api, dir, &session_id, &children).await? {
        let msg = format!("session {session_id} is not busy in OpenCode: nothing to abort");
        return Err(ApiError::new(ErrorCode::NotBusy, msg));
    }
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
    actions::prompt(&api, dir, &session_id, text, agent).await?;
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
    let rows = actions::messages(&api, dir, &session_id, limit).await?;
    Ok(Messages { messages: messages(rows) })
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

/// Text-only view of a session's messages; messages of other roles, and assistant
/// messages without text (steps that only ran tools), are skipped.
fn messages(rows: Vec<MessageRow>) -> Vec<MessageText> {
    rows.into_iter()
        .filter_map(|m| {
            let role = Role::parse(&m.role)?;
            if role == Role::Assistant && m.text.trim().is_empty() {
                return None;
            }
            let truncated = m.text.chars().count() > MAX_TEXT;
            let text = if truncated { m.text.chars().take(MAX_TEXT).collect() } else { m.text };
            Some(MessageText {
                id: m.id,
                role,
                agent: m.agent,
                created: m.created.map(rfc3339),
                text,
                truncated,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    //! Message flattening.
    use super::*;

    fn row(id: &str, role: &str, text: &str) -> MessageRow {
        MessageRow {
            id: id.into(),
            role: role.into(),
            agent: None,
            created: Some(0),
            text: text.into(),
        }
    }

    #[test]
    fn flattens_messages() {
        let out = messages(vec![row("m", "assistant", "a\nb")]);
        assert_eq!(out[0].text, "a\nb");
        let rows =
            vec![row("u", "user", "go"), row("t", "assistant", ""), row("e", "assistant", " ")];
        let ids: Vec<String> = messages(rows).into_iter().map(|m| m.id).collect();
        assert_eq!(ids, ["u"], "assistant messages without text are left out");
        assert_eq!(out[0].created.as_deref(), Some("1970-01-01T00:00:00.000Z"));
    }
}
