//! The REST state of an OpenCode 1 instance, through whichever feed carries it (the
//! plugin or `opencode serve`).

use crate::opencode::api::{Api, CallError};
use crate::{
    opencode::event::{
        decode_status, MessageInfo, PartInfo, PermissionInfo, QuestionInfo, SessionInfo,
    },
    protocol::ApiError,
    tracker::Resync,
};
use serde_json::Value;
use std::collections::HashMap;

/// Messages fetched per busy session to find its current tool and usage.
const RECENT_MESSAGES: usize = 10;

/// Fetches sessions, statuses, pending requests and model limits from OpenCode 1.
pub async fn fetch(api: &Api, max_sessions: usize) -> Result<Resync, ApiError> {
    let health = api.call_ok("GET", "/global/health", None, None).await?;
    let mut sessions: Vec<SessionInfo> =
        list(api.call_ok("GET", format!("/session?limit={max_sessions}"), None, None).await?);
    sessions.sort_by_key(|s| std::cmp::Reverse(s.time.updated.or(s.time.created).unwrap_or(0)));
    sessions.truncate(max_sessions);
    let statuses: HashMap<String, _> =
        match api.call_ok("GET", "/session/status", None, None).await? {
            Value::Object(map) => {
                map.into_iter().filter_map(|(k, v)| Some((k, decode_status(&v)?))).collect()
            }
            _ => HashMap::new(),
        };
    let permissions: Vec<PermissionInfo> =
        list(api.call_ok("GET", "/permission", None, None).await?);
    // Older servers have no question API; that is not an error.
    let questions: Vec<QuestionInfo> =
        api.call_ok("GET", "/question", None, None).await.map(list).unwrap_or_default();
    let context_limits = providers(api).await.map(limits).unwrap_or_default();
    let mut messages = Vec::new();
    for sid in statuses.keys() {
        let path = format!("/session/{sid}/message?limit={RECENT_MESSAGES}");
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
    Ok(Resync { sessions, statuses, permissions, questions, messages, context_limits, version })
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
        let resync = fetch(&api, 10).await.expect("resync");
        assert_eq!(resync.context_limits.get("fake/m"), Some(&100000));
    }

    #[test]
    fn reads_context_limits() {
        let v = json!({"providers": [{"id": "fake", "models": {"m": {"limit": {"context": 100000}}, "n": {}}}]});
        assert_eq!(limits(v), HashMap::from([("fake/m".to_owned(), 100000)]));
        assert!(list::<SessionInfo>(json!({"not": "a list"})).is_empty());
    }
}
