//! The calls that act on OpenCode, in the line the instance speaks: which route, which
//! body, and what its answers mean. The commands in `api::commands` decide whether to
//! act; this module only knows how.
//!
//! OpenCode 2 answers are mapped onto the same [`CallError`]s as OpenCode 1's, so a stale
//! permission is `NotFound` on both lines: 404 `PermissionNotFoundError` and 409
//! `FormAlreadySettledError` both mean "not pending any more".

use super::{
    api::{enc, Api, CallError, Line},
    v2::shapes,
};
use crate::protocol::PermissionReply;
use serde_json::{json, Value};

/// Answers a permission request held by `session_id`.
pub async fn reply_permission(
    api: &Api,
    directory: Option<String>,
    session_id: &str,
    permission_id: &str,
    reply: PermissionReply,
    message: Option<String>,
) -> Result<(), CallError> {
    let message = message.filter(|m| !m.is_empty());
    match api.line() {
        Line::V1 => {
            let mut body = json!({"reply": reply.as_str()});
            if let Some(m) = message {
                body["message"] = json!(m);
            }
            let path = format!("/permission/{}/reply", enc(permission_id));
            api.call_ok("POST", path, Some(body), directory).await.map(drop)
        }
        Line::V2 => {
            let path =
                format!("/api/session/{}/permission/{}/reply", enc(session_id), enc(permission_id));
            let body = |key: &str| {
                let mut b = json!({ key: reply.as_str() });
                if let Some(m) = &message {
                    b["message"] = json!(m);
                }
                b
            };
            // GA takes `decision`; builds from before GA wanted `reply` and refuse the
            // other with 400.
            match api.call_ok("POST", path.clone(), Some(body("decision")), None).await {
                Err(CallError::Status { status: 400, .. }) => {
                    api.call_ok("POST", path, Some(body("reply")), None).await.map(drop)
                }
                other => other.map(drop),
            }
            .map_err(settled)
        }
    }
}

/// Answers a question (`answers` per question, in order) or, with `reject`, dismisses it.
pub async fn reply_question(
    api: &Api,
    directory: Option<String>,
    session_id: &str,
    question_id: &str,
    answers: Vec<Vec<String>>,
    reject: bool,
) -> Result<(), ActionError> {
    match api.line() {
        Line::V1 => {
            let (path, body) = if reject {
                (format!("/question/{}/reject", enc(question_id)), json!({}))
            } else {
                (format!("/question/{}/reply", enc(question_id)), json!({"answers": answers}))
            };
            api.call_ok("POST", path, Some(body), directory).await?;
            Ok(())
        }
        Line::V2 => {
            let path = format!("/api/session/{}/form/{}", enc(session_id), enc(question_id));
            if reject {
                api.call_ok("DELETE", path, None, None).await.map_err(settled)?;
                return Ok(());
            }
            // The answer is keyed by the form's fields, which only the service knows.
            let form = api.call_ok("GET", path.clone(), None, None).await.map_err(settled)?;
            let answer = shapes::answer(&form, &answers)
                .map_err(|e| ActionError::BadAnswer(e.to_string()))?;
            let body = json!({ "answer": answer });
            api.call_ok("POST", format!("{path}/reply"), Some(body), None)
                .await
                .map_err(settled)?;
            Ok(())
        }
    }
}

/// Stops a session's run and those of its running sub-agents (`children`). `Ok(false)`
/// when OpenCode had nothing running (OpenCode 2 says so; OpenCode 1 does not, and counts
/// as stopped).
pub async fn abort(
    api: &Api,
    directory: Option<String>,
    session_id: &str,
    children: &[String],
) -> Result<bool, CallError> {
    match api.line() {
        // OpenCode 1's abort stops the sub-agents a session runs.
        Line::V1 => {
            let path = format!("/session/{}/abort", enc(session_id));
            api.call_ok("POST", path, None, directory).await.map(|_| true)
        }
        // OpenCode 2 interrupts one execution per call: sub-agents first, so none of them
        // reports back into a parent that is being stopped.
        Line::V2 => {
            let mut any = false;
            for id in children.iter().rev().map(String::as_str).chain([session_id]) {
                let path = format!("/api/session/{}/interrupt?resume=false", enc(id));
                let answer = match api.call_ok("POST", path, None, None).await {
                    // A sub-agent that ended meanwhile is no reason to stop.
                    Err(CallError::NotFound(_)) if id != session_id => continue,
                    other => other?,
                };
                any |= answer.get("interrupted").and_then(Value::as_bool).unwrap_or(true);
            }
            Ok(any)
        }
    }
}

/// Queues a prompt; the work shows up as events.
pub async fn prompt(
    api: &Api,
    directory: Option<String>,
    session_id: &str,
    text: String,
    agent: Option<String>,
) -> Result<(), ActionError> {
    let agent = agent.filter(|a| !a.is_empty());
    match api.line() {
        Line::V1 => {
            let mut body = json!({"parts": [{"type": "text", "text": text}]});
            if let Some(a) = agent {
                body["agent"] = json!(a);
            }
            let path = format!("/session/{}/prompt_async", enc(session_id));
            api.call_ok("POST", path, Some(body), directory).await?;
        }
        Line::V2 => {
            // OpenCode 2 selects a session's agent apart from its prompts; a prompt naming
            // one would silently run on another.
            if agent.is_some() {
                return Err(ActionError::BadAnswer(
                    "OpenCode 2 does not take an agent with a prompt; select it in OpenCode".into(),
                ));
            }
            let path = format!("/api/session/{}/prompt", enc(session_id));
            api.call_ok("POST", path, Some(json!({"text": text})), None).await?;
        }
    }
    Ok(())
}

/// The latest messages of a session, oldest first, as `(id, role, agent, created ms, text)`.
pub async fn messages(
    api: &Api,
    directory: Option<String>,
    session_id: &str,
    limit: usize,
) -> Result<Vec<MessageRow>, CallError> {
    match api.line() {
        Line::V1 => {
            let path = format!("/session/{}/message?limit={limit}", enc(session_id));
            let body = api.call_ok("GET", path, None, directory).await?;
            Ok(v1_messages(&body))
        }
        Line::V2 => {
            let path = format!("/api/session/{}/message?limit={limit}&order=desc", enc(session_id));
            let body = api.call_ok("GET", path, None, None).await?;
            let items = shapes::items(&body);
            let mut rows: Vec<MessageRow> = items
                .iter()
                .map(|m| {
                    let role = m.get("role").or_else(|| m.get("type")).and_then(Value::as_str);
                    MessageRow {
                        id: text(m, "id"),
                        role: role.unwrap_or_default().to_owned(),
                        agent: m.get("agent").and_then(Value::as_str).map(str::to_owned),
                        created: m.pointer("/time/created").and_then(Value::as_i64),
                        text: shapes::message_text(m),
                    }
                })
                .collect();
            rows.sort_by_key(|r| r.created.unwrap_or(0));
            Ok(rows)
        }
    }
}

/// One message as both lines describe it.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageRow {
    pub id: String,
    pub role: String,
    pub agent: Option<String>,
    pub created: Option<i64>,
    pub text: String,
}

fn v1_messages(body: &Value) -> Vec<MessageRow> {
    let Some(items) = body.as_array() else { return Vec::new() };
    items
        .iter()
        .map(|m| {
            let info = &m["info"];
            let texts: Vec<&str> = m["parts"]
                .as_array()
                .map(|parts| {
                    parts
                        .iter()
                        .filter(|p| p["type"] == "text")
                        .filter_map(|p| p["text"].as_str())
                        .collect()
                })
                .unwrap_or_default();
            MessageRow {
                id: text(info, "id"),
                role: text(info, "role"),
                agent: info["agent"].as_str().map(str::to_owned),
                created: info["time"]["created"].as_i64(),
                text: texts.join("\n"),
            }
        })
        .collect()
}

/// Why an action that OpenCode may have never seen did not happen.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ActionError {
    /// What the client asked for does not fit (the answers, the prompt).
    #[error("{0}")]
    BadAnswer(String),
    #[error(transparent)]
    Call(#[from] CallError),
}

/// OpenCode 2's "already settled" (409) is OpenCode 1's 404 for a request that is no
/// longer pending.
fn settled(e: CallError) -> CallError {
    match e {
        CallError::Status { status: 409, message } => CallError::NotFound(message),
        e => e,
    }
}

fn text(v: &Value, k: &str) -> String {
    v.get(k).and_then(Value::as_str).unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    //! Routes and bodies per line, against a scripted call handle.
    use super::*;
    use crate::opencode::api::Response;

    type Seen = Vec<(String, String, Option<Value>)>;

    /// Answers each call with the next status and body, recording `(method, path, body)`.
    fn scripted(line: Line, answers: Vec<(u16, Value)>) -> (Api, tokio::task::JoinHandle<Seen>) {
        let (api, mut calls) = Api::channel(line);
        let task = tokio::spawn(async move {
            let mut seen = Vec::new();
            let mut answers = answers.into_iter();
            while let Some(call) = calls.recv().await {
                seen.push((call.method.to_owned(), call.path.clone(), call.body.clone()));
                let (status, body) = answers.next().unwrap_or((500, Value::Null));
                let _ = call.reply.send(Ok(Response { status, body }));
            }
            seen
        });
        (api, task)
    }

    #[tokio::test]
    async fn v2_permission_reply_falls_back_to_the_pre_ga_body() {
        let bad = json!({"_tag": "InvalidRequestError", "message": "decision"});
        let (api, task) = scripted(Line::V2, vec![(400, bad), (204, Value::Null)]);
        let r = reply_permission(
            &api,
            None,
            "ses_1",
            "per_1",
            PermissionReply::Reject,
            Some("no".into()),
        );
        assert_eq!(r.await, Ok(()));
        drop(api);
        let seen = task.await.unwrap();
        assert_eq!(seen[0].1, "/api/session/ses_1/permission/per_1/reply");
        assert_eq!(seen[0].2, Some(json!({"decision": "reject", "message": "no"})));
        assert_eq!(seen[1].2, Some(json!({"reply": "reject", "message": "no"})));
    }

    #[tokio::test]
    async fn v2_settled_and_missing_requests_are_not_found() {
        let gone = json!({"_tag": "PermissionNotFoundError", "message": "gone"});
        let (api, _t) = scripted(Line::V2, vec![(404, gone)]);
        let r = reply_permission(&api, None, "ses_1", "per_1", PermissionReply::Once, None).await;
        assert!(matches!(r, Err(CallError::NotFound(_))));
        let form =
            json!({"id": "frm_1", "mode": "form", "fields": [{"key": "q0", "type": "string"}]});
        let settled = json!({"_tag": "FormAlreadySettledError", "message": "settled"});
        let (api, _t) = scripted(Line::V2, vec![(200, form), (409, settled)]);
        let r = reply_question(&api, None, "ses_1", "frm_1", vec![vec!["x".into()]], false).await;
        assert!(matches!(r, Err(ActionError::Call(CallError::NotFound(_)))));
    }

    #[tokio::test]
    async fn v2_interrupt_says_whether_anything_ran() {
        let (api, task) = scripted(Line::V2, vec![(200, json!({"interrupted": false}))]);
        assert_eq!(abort(&api, None, "ses_1", &[]).await, Ok(false));
        drop(api);
        assert_eq!(task.await.unwrap()[0].1, "/api/session/ses_1/interrupt?resume=false");
        // Running sub-agents are interrupted too, deepest first, then the session.
        let (api, task) = scripted(
            Line::V2,
            vec![
                (200, json!({"interrupted": true})),
                (404, json!({})),
                (200, json!({"interrupted": true})),
            ],
        );
        let children = ["ses_2".to_owned(), "ses_3".to_owned()];
        assert_eq!(abort(&api, None, "ses_1", &children).await, Ok(true));
        drop(api);
        let paths: Vec<String> = task.await.unwrap().into_iter().map(|c| c.1).collect();
        assert_eq!(
            paths,
            [
                "/api/session/ses_3/interrupt?resume=false",
                "/api/session/ses_2/interrupt?resume=false",
                "/api/session/ses_1/interrupt?resume=false"
            ]
        );
    }
}
