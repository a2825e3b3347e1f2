//! The REST state of an OpenCode 1 instance, through whichever feed carries it (the
//! plugin or `opencode serve`).

use super::{gap, Seen, GAP_MESSAGES};
use crate::opencode::api::{Api, CallError};
use crate::{
    opencode::event::{
        decode_status, MessageInfo, PartInfo, PermissionInfo, QuestionInfo, SessionInfo,
    },
    protocol::ApiError,
    tracker::{Listing, Resync, Scope},
};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// Messages fetched per busy session to find its current tool and usage.
const RECENT_MESSAGES: usize = 10;

/// Fetches sessions, statuses, pending requests and model limits from OpenCode 1. Routes
/// older servers lack (1.0.x has no `/global/health` nor `GET /permission`) are skipped.
pub async fn fetch(api: &Api, max_sessions: usize, seen: &Seen) -> Result<Resync, ApiError> {
    let health = optional(api, "/global/health").await?.unwrap_or_default();
    let mut sessions: Vec<SessionInfo> =
        list(api.call_ok("GET", format!("/session?limit={max_sessions}"), None, None).await?);
    let complete = sessions.len() < max_sessions;
    sessions.sort_by_key(|s| std::cmp::Reverse(s.time.updated.or(s.time.created).unwrap_or(0)));
    sessions.truncate(max_sessions);
    let statuses: HashMap<String, _> =
        match api.call_ok("GET", "/session/status", None, None).await? {
            Value::Object(map) => {
                map.into_iter().filter_map(|(k, v)| Some((k, decode_status(&v)?))).collect()
            }
            _ => HashMap::new(),
        };
    let permissions = optional(api, "/permission").await?;
    let permissions_unknown = permissions.is_none();
    let permissions: Vec<PermissionInfo> = permissions.map(list).unwrap_or_default();
    // Older servers have no question API; that is not an error.
    let questions: Vec<QuestionInfo> =
        api.call_ok("GET", "/question", None, None).await.map(list).unwrap_or_default();
    let context_limits = providers(api).await.map(limits).unwrap_or_default();
    // `/session` lists one project's sessions: those of the listed directories and of the
    // instance's own.
    let mut directories: HashSet<String> =
        sessions.iter().filter_map(|s| s.directory.clone()).collect();
    if let Ok(Some(path)) = optional(api, "/path").await {
        directories.extend(path.get("directory").and_then(Value::as_str).map(str::to_owned));
    }
    let listing = Listing { scope: Some(Scope::Directories(directories)), complete };
    let mut messages = Vec::new();
    let recent = statuses.keys().map(|sid| (sid.clone(), RECENT_MESSAGES));
    let gap = gap(&sessions, &statuses, seen).into_iter().map(|sid| (sid, GAP_MESSAGES));
    for (sid, limit) in recent.chain(gap) {
        let path = format!("/session/{sid}/message?limit={limit}");
        let Ok(Value::Array(items)) = api.call_ok("GET", path, None, None).await else { continue };
        for item in items {
            let Ok(info) = serde_json::from_value::<MessageInfo>(item["info"].clone()) else {
                continue;
            };
            let parts: Vec<PartInfo> = list(item["parts"].clone());
            messages.push((info, parts));
        }
    }
    let version = health.get("version").and_then(Value::as_str).map(str::to_owned);
    Ok(Resync {
        sessions,
        statuses,
        permissions,
        questions,
        messages,
        context_limits,
        version,
        listing,
        permissions_unknown,
    })
}

/// A route older servers may lack: `None` when OpenCode answers that it has no such route
/// (404, or another refusal of the request itself); failures to reach it are errors.
async fn optional(api: &Api, path: &str) -> Result<Option<Value>, CallError> {
    match api.call_ok("GET", path, None, None).await {
        Ok(v) => Ok(Some(v)),
        Err(CallError::NotFound(_) | CallError::Status { status: 400..=499 | 501, .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// `GET /config/providers`, tried again once when OpenCode was only slow or unreachable:
/// without it sessions have no context limit until the next reconnect. An answer (even an
/// error status, as from servers without the endpoint) is final.
async fn providers(api: &Api) -> Result<Value, CallError> {
    match api.call_ok("GET", "/config/providers", None, None).await {
        Err(CallError::Timeout | CallError::Transport(_)) => {
            api.call_ok("GET", "/config/providers", None, None).await
        }
        other => other,
    }
}

/// Decodes the items of a JSON array that decode, skipping the rest.
fn list<T: for<'de> serde::Deserialize<'de>>(v: Value) -> Vec<T> {
    match v {
        Value::Array(items) => {
            items.into_iter().filter_map(|i| serde_json::from_value(i).ok()).collect()
        }
        _ => Vec::new(),
    }
}

/// Context sizes from `GET /config/providers`.
fn limits(v: Value) -> HashMap<String, u64> {
    let mut out = HashMap::new();
    let providers = v.get("providers").and_then(Value::as_array).cloned().unwrap_or_default();
    for p in providers {
        let Some(pid) = p.get("id").and_then(Value::as_str) else { continue };
        let Some(models) = p.get("models").and_then(Value::as_object) else { continue };
        for (mid, m) in models {
            if let Some(ctx) =
                m.pointer("/limit/context").and_then(Value::as_u64).filter(|c| *c > 0)
            {
                out.insert(format!("{pid}/{mid}"), ctx);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    //! Parsing of REST payloads.
    use super::*;
    use crate::opencode::api::Line;
    use serde_json::json;

    /// OpenCode answering `/config/providers` with a transport failure once (as under load)
    /// still yields the context limits.
    #[tokio::test]
    async fn providers_are_tried_again_after_a_failed_call() {
        let (api, mut calls) = Api::channel(Line::V1);
        tokio::spawn(async move {
            let mut failed_once = false;
            while let Some(call) = calls.recv().await {
                let body = match call.path.as_str() {
                    "/global/health" => json!({"healthy": true, "version": "1.18.33"}),
                    "/config/providers" if !failed_once => {
                        failed_once = true;
                        let _ = call.reply.send(Err("connection reset".into()));
                        continue;
                    }
                    "/config/providers" => json!({"providers": [{"id": "fake",
                        "models": {"m": {"limit": {"context": 100000}}}}]}),
                    "/session/status" => json!({}),
                    _ => json!([]),
                };
                let _ = call.reply.send(Ok(crate::opencode::api::Response { status: 200, body }));
            }
        });
        let resync = fetch(&api, 10, &Seen::new()).await.expect("resync");
        assert_eq!(resync.context_limits.get("fake/m"), Some(&100000));
    }

    /// An OpenCode answering from `routes` (path → body), 404 for anything else; returns
    /// the paths it was asked for.
    fn scripted(
        routes: Vec<(&'static str, Value)>,
    ) -> (Api, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
        let (api, mut calls) = Api::channel(Line::V1);
        let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = asked.clone();
        tokio::spawn(async move {
            while let Some(call) = calls.recv().await {
                log.lock().expect("not poisoned").push(call.path.clone());
                let found = routes.iter().find(|(p, _)| *p == call.path);
                let (status, body) = match found {
                    Some((_, body)) => (200, body.clone()),
                    None => (404, json!({"message": "Not Found"})),
                };
                let _ = call.reply.send(Ok(crate::opencode::api::Response { status, body }));
            }
        });
        (api, asked)
    }

    /// OpenCode 1.0.185 has no `/global/health` nor `GET /permission` (nor questions,
    /// providers or `/path`): sessions still resync, and the pending permissions the agent
    /// knows are kept rather than taken as answered.
    #[tokio::test]
    async fn routes_older_servers_lack_do_not_fail_the_resync() {
        let (api, _) = scripted(vec![
            ("/session?limit=10", json!([{"id": "ses_1", "directory": "/p"}])),
            ("/session/status", json!({"ses_1": {"type": "busy"}})),
            ("/session/ses_1/message?limit=10", json!([])),
        ]);
        let resync = fetch(&api, 10, &Seen::new()).await.expect("resync despite missing routes");
        assert_eq!(resync.sessions.len(), 1);
        assert!(resync.statuses.contains_key("ses_1"));
        assert!(resync.permissions_unknown);
        assert_eq!(resync.version, None);
    }

    /// Messages of an idle session OpenCode updated after the agent last saw it are read
    /// (the usage it reported meanwhile); those of one seen since are not.
    #[tokio::test]
    async fn reads_messages_of_sessions_updated_while_unseen() {
        let msg = json!([{"info": {"id": "msg_1", "sessionID": "ses_gap", "role": "assistant",
            "cost": 0.5, "tokens": {"input": 10, "output": 5}, "time": {"created": 4_000}},
            "parts": []}]);
        let (api, asked) = scripted(vec![
            ("/global/health", json!({"healthy": true, "version": "1.18.33"})),
            (
                "/session?limit=10",
                json!([
                    {"id": "ses_gap", "directory": "/p", "time": {"created": 1_000, "updated": 5_000}},
                    {"id": "ses_seen", "directory": "/p", "time": {"created": 1_000, "updated": 2_000}},
                ]),
            ),
            ("/session/status", json!({})),
            ("/permission", json!([])),
            ("/session/ses_gap/message?limit=20", msg),
        ]);
        let seen = Seen::from([("ses_gap".to_owned(), 3_000), ("ses_seen".to_owned(), 3_000)]);
        let resync = fetch(&api, 10, &seen).await.expect("resync");
        let ids: Vec<&str> = resync.messages.iter().map(|(m, _)| m.id.as_str()).collect();
        assert_eq!(ids, ["msg_1"]);
        let asked = asked.lock().expect("not poisoned").clone();
        assert!(!asked.iter().any(|p| p.starts_with("/session/ses_seen/message")), "{asked:?}");
        assert!(resync.listing.complete);
    }

    #[test]
    fn reads_context_limits() {
        let v = json!({"providers": [{"id": "fake", "models": {"m": {"limit": {"context": 100000}}, "n": {}}}]});
        assert_eq!(limits(v), HashMap::from([("fake/m".to_owned(), 100000)]));
        assert!(list::<SessionInfo>(json!({"not": "a list"})).is_empty());
    }
}
