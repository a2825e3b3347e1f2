//! Decoding of OpenCode 2's event stream (`GET /api/event`) into the one internal
//! [`Event`] type, so the tracker never knows which line an event came from.
//!
//! The GA envelope is `{id, type, created, location?, durable?, data}`. One V2 event may
//! stand for several internal ones (`session.execution.failed` is an error, then idle).
//! Unknown types are ignored; known types with unusable data are `Malformed`, which the
//! feed logs once per type and otherwise skips. Pre-GA names (`permission.v2.*`,
//! `session.created{info}`) are accepted.

use super::shapes;
pub use crate::opencode::event::DecodeError;
use crate::opencode::event::{
    field, str_field, todo_updated, ErrorInfo, Event, MessageInfo, PartInfo, SessionModel,
    SessionPatch, Status, Times, Tokens, ToolState,
};
use serde_json::{json, Value};

/// What one line of the stream means.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// Internal events to apply, in order.
    Events(Vec<Event>),
    /// `location.shutdown`: the service dropped the pending requests of a location (all
    /// when `None`) without saying which: re-read its state.
    Shutdown(Option<String>),
    /// An event type the tracker has no use for (or a heartbeat event).
    Ignored,
    /// A known event type whose data did not decode.
    Malformed(String),
}

/// Decodes one `data:` payload of `/api/event`.
pub fn decode_line(line: &str) -> Result<Frame, DecodeError> {
    let envelope: Value = serde_json::from_str(line)?;
    let kind = envelope.get("type").and_then(Value::as_str).ok_or(DecodeError::NoType)?;
    let data = envelope.get("data").unwrap_or(&Value::Null);
    let created = envelope.get("created").and_then(Value::as_i64);
    Ok(decode(kind, data, created, &envelope))
}

fn decode(kind: &str, data: &Value, created: Option<i64>, envelope: &Value) -> Frame {
    // Session identity: the durable aggregate, else `data.sessionID`.
    let sid = envelope
        .pointer("/durable/aggregateID")
        .and_then(Value::as_str)
        .filter(|s| s.starts_with("ses"))
        .map(str::to_owned)
        .or_else(|| str_field(data, "sessionID"))
        .filter(|s| !s.is_empty());
    let events = match kind {
        "location.shutdown" => {
            let dir = envelope
                .pointer("/location/directory")
                .or_else(|| data.pointer("/location/directory"))
                .and_then(Value::as_str);
            return Frame::Shutdown(dir.map(str::to_owned));
        }
        "session.created" | "session.updated" => {
            // GA sends the Session fields flat; pre-GA builds wrapped them in `info`.
            let info = data.get("info").filter(|i| i.is_object()).unwrap_or(data);
            shapes::session(info).map(|s| vec![Event::SessionUpsert(s)])
        }
        "session.deleted" => sid.map(|session_id| vec![Event::SessionDeleted { session_id }]),
        "session.renamed" => sid.map(|session_id| {
            let title = str_field(data, "title");
            vec![Event::SessionPatch(SessionPatch { session_id, title, ..Default::default() })]
        }),
        // A fork is a new session beside its origin, not a sub-agent: it only becomes known.
        "session.forked" => sid.map(|session_id| {
            vec![Event::SessionPatch(SessionPatch { session_id, ..Default::default() })]
        }),
        "session.moved" => sid.map(|session_id| {
            let directory =
                data.pointer("/location/directory").and_then(Value::as_str).map(str::to_owned);
            vec![Event::SessionPatch(SessionPatch { session_id, directory, ..Default::default() })]
        }),
        "session.agent.selected" => sid.map(|session_id| {
            let agent = str_field(data, "agent");
            vec![Event::SessionPatch(SessionPatch { session_id, agent, ..Default::default() })]
        }),
        "session.model.selected" => sid.map(|session_id| {
            let model = field::<SessionModel>(data, "model");
            vec![Event::SessionPatch(SessionPatch { session_id, model, ..Default::default() })]
        }),
        "session.execution.started" => sid.map(|session_id| vec![busy(session_id)]),
        "session.execution.succeeded" => {
            sid.map(|session_id| vec![Event::SessionIdle { session_id }])
        }
        "session.execution.failed" => sid.map(|session_id| {
            let error = data.get("error").map(error_info);
            vec![
                Event::SessionError { session_id: Some(session_id.clone()), error },
                Event::SessionIdle { session_id },
            ]
        }),
        "session.execution.interrupted" => sid.map(|session_id| {
            let reason = str_field(data, "reason").unwrap_or_else(|| "unknown".into());
            vec![
                Event::Interrupted { session_id: session_id.clone(), reason },
                Event::SessionIdle { session_id },
            ]
        }),
        // A new step means the run goes on (after a retry, too), on this agent and model.
        "session.step.started" => sid.map(|session_id| {
            let patch = SessionPatch {
                session_id: session_id.clone(),
                agent: str_field(data, "agent"),
                model: field::<SessionModel>(data, "model"),
                ..Default::default()
            };
            vec![Event::SessionPatch(patch), busy(session_id)]
        }),
        // One step is one assistant message: its usage is the message's usage. Session
        // totals (`session.usage.updated`) are for display only, so nothing counts twice.
        "session.step.ended" | "session.step.failed" => sid.and_then(|session_id| {
            let id = str_field(data, "assistantMessageID").filter(|s| !s.is_empty())?;
            let message = MessageInfo {
                id,
                session_id,
                role: "assistant".into(),
                cost: data.get("cost").and_then(Value::as_f64),
                tokens: field::<Tokens>(data, "tokens"),
                time: Times { created, ..Default::default() },
                ..Default::default()
            };
            Some(vec![Event::MessageUpdated(message)])
        }),
        "session.usage.updated" => sid.map(|session_id| {
            let patch = SessionPatch {
                session_id,
                cost: data.get("cost").and_then(Value::as_f64),
                tokens: field::<Tokens>(data, "tokens"),
                ..Default::default()
            };
            vec![Event::SessionPatch(patch)]
        }),
        "session.retry.scheduled" => sid.map(|session_id| {
            let attempt = data.get("attempt").and_then(Value::as_u64).unwrap_or(0);
            let message =
                data.get("error").map(error_info).map(|e| e.message()).unwrap_or_default();
            vec![Event::SessionStatus { session_id, status: Status::Retry { attempt, message } }]
        }),
        "session.tool.input.started" => sid.and_then(|session_id| {
            let name = str_field(data, "name")?;
            Some(vec![tool(session_id, data, Some(name), "pending", Value::Null)])
        }),
        "session.tool.called" => sid.map(|session_id| {
            let input = data.get("input").cloned().unwrap_or(Value::Null);
            let name = str_field(data, "name");
            vec![tool(session_id, data, name, "running", input)]
        }),
        "session.tool.success" => {
            sid.map(|session_id| vec![tool(session_id, data, None, "completed", Value::Null)])
        }
        "session.tool.failed" => {
            sid.map(|session_id| vec![tool(session_id, data, None, "error", Value::Null)])
        }
        // Compaction shows as the current tool while it runs.
        "session.compaction.started" => sid.map(|session_id| {
            let input = json!({"reason": data.get("reason")});
            vec![compaction(session_id, "running", input)]
        }),
        "session.compaction.ended" | "session.compaction.failed" => {
            sid.map(|session_id| vec![compaction(session_id, "completed", Value::Null)])
        }
        "permission.asked" | "permission.v2.asked" => {
            shapes::permission(data).map(|p| vec![Event::PermissionAsked(p)])
        }
        "permission.replied" | "permission.v2.replied" => {
            let id = str_field(data, "requestID").or_else(|| str_field(data, "id"));
            let reply = str_field(data, "reply").or_else(|| str_field(data, "decision"));
            sid.zip(id.filter(|i| !i.is_empty())).map(|(session_id, permission_id)| {
                vec![Event::PermissionReplied { session_id, permission_id, reply }]
            })
        }
        // Third parties report the same event as `session.todo.updated`.
        "todo.updated" | "session.todo.updated" => todo_updated(data, sid).map(|e| vec![e]),
        "form.created" => {
            let form = data.get("form").unwrap_or(data);
            // MCP elicitation forms name the sentinel session "global": no session to
            // show them on.
            if form.get("sessionID").and_then(Value::as_str) == Some("global") {
                return Frame::Ignored;
            }
            shapes::form(form).map(|q| vec![Event::QuestionAsked(q)])
        }
        "form.replied" | "form.cancelled" => {
            let id = str_field(data, "id").or_else(|| str_field(data, "formID"));
            sid.zip(id.filter(|i| !i.is_empty())).map(|(session_id, question_id)| {
                let rejected = kind == "form.cancelled";
                vec![Event::QuestionResolved { session_id, question_id, rejected }]
            })
        }
        _ => return Frame::Ignored,
    };
    match events {
        Some(events) => Frame::Events(events),
        None => Frame::Malformed(kind.to_owned()),
    }
}

fn busy(session_id: String) -> Event {
    Event::SessionStatus { session_id, status: Status::Busy }
}

/// A tool call as the tool part V1 would have sent.
fn tool(
    session_id: String,
    data: &Value,
    name: Option<String>,
    status: &str,
    input: Value,
) -> Event {
    let call = str_field(data, "callID").or_else(|| str_field(data, "id")).unwrap_or_default();
    Event::PartUpdated(PartInfo {
        id: format!("call:{call}"),
        session_id,
        kind: "tool".into(),
        tool: name,
        state: Some(ToolState { status: status.into(), input, ..Default::default() }),
        ..Default::default()
    })
}

fn compaction(session_id: String, status: &str, input: Value) -> Event {
    Event::PartUpdated(PartInfo {
        id: "compaction".into(),
        session_id,
        kind: "tool".into(),
        tool: Some("compaction".into()),
        state: Some(ToolState { status: status.into(), input, ..Default::default() }),
        ..Default::default()
    })
}

/// V2 errors are `{type, message, status?}`; the tracker keeps V1's `{name, data.message}`.
pub(crate) fn error_info(v: &Value) -> ErrorInfo {
    let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    let name = [text("type"), text("_tag"), text("name")]
        .into_iter()
        .find(|s| !s.is_empty())
        .unwrap_or_else(|| "Error".into());
    let message = match v {
        Value::String(s) => s.clone(),
        _ => text("message"),
    };
    ErrorInfo { name, data: json!({ "message": message }) }
}

#[cfg(test)]
mod tests {
    //! One GA event at a time onto the internal events; aliases and broken data.
    use super::*;

    fn frame(kind: &str, data: Value) -> Frame {
        let line = json!({"id": "evt_1", "type": kind, "created": 5, "data": data});
        decode_line(&line.to_string()).expect("decodes")
    }

    fn events(kind: &str, data: Value) -> Vec<Event> {
        match frame(kind, data) {
            Frame::Events(e) => e,
            other => panic!("{kind}: {other:?}"),
        }
    }

    #[test]
    fn executions_map_onto_busy_idle_and_error() {
        let s = || json!({"sessionID": "ses_1"});
        assert_eq!(events("session.execution.started", s()), [busy("ses_1".into())]);
        assert_eq!(
            events("session.execution.succeeded", s()),
            [Event::SessionIdle { session_id: "ses_1".into() }]
        );
        let failed = events(
            "session.execution.failed",
            json!({"sessionID": "ses_1", "error": {"type": "ProviderError", "message": "boom"}}),
        );
        let Event::SessionError { error: Some(e), .. } = &failed[0] else { panic!() };
        assert_eq!((e.name.as_str(), e.message()), ("ProviderError", "boom".to_owned()));
        assert!(matches!(failed[1], Event::SessionIdle { .. }));
        let interrupted = events(
            "session.execution.interrupted",
            json!({"sessionID": "ses_1", "reason": "shutdown"}),
        );
        assert_eq!(
            interrupted[0],
            Event::Interrupted { session_id: "ses_1".into(), reason: "shutdown".into() }
        );
    }

    #[test]
    fn permissions_under_both_names() {
        let data = json!({"id": "per_1", "sessionID": "ses_1", "action": "shell",
            "resources": ["rm -rf build"], "save": ["rm *"], "metadata": {}});
        for name in ["permission.asked", "permission.v2.asked"] {
            let [Event::PermissionAsked(p)] = &events(name, data.clone())[..] else { panic!() };
            assert_eq!(p.permission, "shell");
            assert_eq!(p.patterns, ["rm -rf build"]);
            assert_eq!(p.always, ["rm *"]);
        }
        let replied = json!({"sessionID": "ses_1", "requestID": "per_1", "reply": "always"});
        for name in ["permission.replied", "permission.v2.replied"] {
            assert_eq!(
                events(name, replied.clone()),
                [Event::PermissionReplied {
                    session_id: "ses_1".into(),
                    permission_id: "per_1".into(),
                    reply: Some("always".into())
                }]
            );
        }
    }

    #[test]
    fn session_created_flat_or_wrapped() {
        let flat = json!({"id": "ses_2", "parentID": "ses_1", "title": "t", "projectID": "p",
            "location": {"directory": "/w"}, "model": {"id": "m", "providerID": "p"}});
        for data in [flat.clone(), json!({"sessionID": "ses_2", "info": flat})] {
            let [Event::SessionUpsert(s)] = &events("session.created", data)[..] else { panic!() };
            assert_eq!(
                (s.id.as_str(), s.parent_id.as_deref(), s.directory.as_deref()),
                ("ses_2", Some("ses_1"), Some("/w"))
            );
        }
    }

    #[test]
    fn step_usage_is_the_message_and_session_totals_a_patch() {
        let ended = events(
            "session.step.ended",
            json!({"sessionID": "ses_1", "assistantMessageID": "msg_1", "cost": 0.25,
                "tokens": {"input": 900, "output": 20, "reasoning": 0, "cache": {"read": 100, "write": 0}}}),
        );
        let [Event::MessageUpdated(m)] = &ended[..] else { panic!() };
        assert_eq!((m.id.as_str(), m.cost, m.time.created), ("msg_1", Some(0.25), Some(5)));
        assert_eq!(m.tokens.map(|t| (t.input, t.cache.read)), Some((900, 100)));
        let [Event::SessionPatch(p)] =
            &events("session.usage.updated", json!({"sessionID": "ses_1", "cost": 1.5}))[..]
        else {
            panic!()
        };
        assert_eq!(p.cost, Some(1.5));
    }

    #[test]
    fn unknown_malformed_and_shutdown() {
        assert_eq!(frame("installation.update-available", json!({})), Frame::Ignored);
        assert_eq!(
            frame("session.execution.started", json!({"sessionID": 7})),
            Frame::Malformed("session.execution.started".into())
        );
        assert_eq!(
            decode_line(r#"{"type":"location.shutdown","location":{"directory":"/w"},"data":{}}"#)
                .unwrap(),
            Frame::Shutdown(Some("/w".into()))
        );
        assert!(decode_line("{").is_err());
        assert!(matches!(decode_line(r#"{"data":{}}"#), Err(DecodeError::NoType)));
    }

    #[test]
    fn forms_are_questions() {
        let form = json!({"form": {"id": "frm_1", "sessionID": "ses_1", "title": "Questions",
            "mode": "form", "fields": [
                {"key": "q0", "title": "Color", "description": "Pick one", "type": "string",
                 "options": [{"value": "Red", "label": "Red", "description": "warm"}]},
                {"key": "q1", "title": "Sizes", "description": "Pick any", "type": "multiselect",
                 "options": [{"value": "S", "label": "S"}, {"value": "M", "label": "M"}]}]}});
        let [Event::QuestionAsked(q)] = &events("form.created", form)[..] else { panic!() };
        assert_eq!(q.questions.len(), 2);
        assert_eq!(
            (q.questions[0].header.as_str(), q.questions[0].question.as_str()),
            ("Color", "Pick one")
        );
        assert!(q.questions[1].multiple);
        let url = json!({"form": {"id": "frm_2", "sessionID": "ses_1", "title": "Sign in",
            "fields": [{"key": "login", "type": "external", "url": "https://example.test/login"}]}});
        let [Event::QuestionAsked(q)] = &events("form.created", url)[..] else { panic!() };
        assert!(q.questions[0].question.contains("https://example.test/login"));
        let global = json!({"form": {"id": "frm_9", "sessionID": "global", "fields": []}});
        assert_eq!(frame("form.created", global), Frame::Ignored);
        assert_eq!(
            events("form.cancelled", json!({"id": "frm_1", "sessionID": "ses_1"})),
            [Event::QuestionResolved {
                session_id: "ses_1".into(),
                question_id: "frm_1".into(),
                rejected: true
            }]
        );
    }

    #[test]
    fn todo_lists_under_both_names() {
        let data = json!({"sessionID": "ses_1", "todos": [
            {"content": "Read the code", "status": "completed", "priority": "high"},
            {"content": "Fix it", "status": "pending", "priority": "medium"}]});
        for name in ["todo.updated", "session.todo.updated"] {
            let [Event::TodoUpdated { session_id, todos }] = &events(name, data.clone())[..] else {
                panic!("{name}")
            };
            assert_eq!(session_id, "ses_1");
            assert_eq!(todos.len(), 2);
            assert_eq!(
                (todos[1].content.as_str(), todos[1].priority.as_str()),
                ("Fix it", "medium")
            );
        }
        assert_eq!(
            frame("todo.updated", json!({"sessionID": "ses_1", "todos": "x"})),
            Frame::Malformed("todo.updated".into())
        );
    }

    #[test]
    fn tools_name_first_input_later() {
        let started = events(
            "session.tool.input.started",
            json!({"sessionID": "ses_1", "callID": "c1", "name": "shell"}),
        );
        let [Event::PartUpdated(p)] = &started[..] else { panic!() };
        assert_eq!((p.id.as_str(), p.tool.as_deref()), ("call:c1", Some("shell")));
        let called = events(
            "session.tool.called",
            json!({"sessionID": "ses_1", "callID": "c1", "input": {"command": "ls"}}),
        );
        let [Event::PartUpdated(p)] = &called[..] else { panic!() };
        assert_eq!(
            (p.tool.as_deref(), p.state.as_ref().map(|s| s.status.as_str())),
            (None, Some("running"))
        );
    }
}
