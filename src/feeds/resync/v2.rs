//! The state of an OpenCode 2 service, read after every (re)connect and every
//! `location.shutdown`: the event stream is lossy by contract and a restarted service
//! drops pending requests without an event, so this read is what clears stale ones.
//!
//! Sessions (paged, newest first), running executions, pending permissions and forms per
//! loaded location (or per running session when the service lists no locations), recent
//! messages of running sessions, and model context limits.

use super::{gap, Seen, GAP_MESSAGES};
use crate::opencode::v2::shapes::{self, data, items};
use crate::{
    opencode::{
        api::{enc, Api, CallError},
        event::{PermissionInfo, QuestionInfo, SessionInfo, Status},
    },
    tracker::{Listing, Resync, Scope},
};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

/// Sessions asked for per page.
const PAGE: usize = 50;
/// Messages fetched per running session to find its current tool and usage.
const RECENT_MESSAGES: usize = 10;

/// Fetches everything the tracker reconciles.
pub async fn fetch(api: &Api, max_sessions: usize, seen: &Seen) -> Result<Resync, CallError> {
    let info = api.call_ok("GET", "/api/info", None, None).await?;
    let (sessions, complete) = sessions(api, max_sessions).await?;
    let active = api.call_ok("GET", "/api/session/active", None, None).await?;
    let statuses: HashMap<String, Status> = data(&active)
        .as_object()
        .map(|m| m.keys().map(|k| (k.clone(), Status::Busy)).collect())
        .unwrap_or_default();
    let (permissions, questions) = pending(api, &sessions, &statuses).await?;
    let mut messages = Vec::new();
    let recent = statuses.keys().map(|sid| (sid.clone(), RECENT_MESSAGES));
    let gap = gap(&sessions, &statuses, seen).into_iter().map(|sid| (sid, GAP_MESSAGES));
    for (sid, limit) in recent.chain(gap) {
        let sid = &sid;
        let path = format!("/api/session/{}/message?limit={limit}&order=desc", enc(sid));
        // A session that ended meanwhile has nothing live to read; not a failed resync.
        let Ok(body) = api.call_ok("GET", path, None, None).await else { continue };
        let items = items(&body);
        messages.extend(items.iter().filter_map(|m| shapes::message(m, sid)));
    }
    // Older services may lack the model list: sessions then show no context limit.
    let context_limits = match api.call_ok("GET", "/api/model", None, None).await {
        Ok(models) => shapes::context_limits(&models),
        Err(e) => {
            tracing::debug!(error = %e, "no model list from OpenCode");
            HashMap::new()
        }
    };
    let version = info.get("version").and_then(Value::as_str).map(str::to_owned);
    // The service lists every session, children included.
    let listing = Listing { scope: Some(Scope::All), complete };
    Ok(Resync {
        sessions,
        statuses,
        permissions,
        questions,
        messages,
        context_limits,
        version,
        listing,
        permissions_unknown: false,
    })
}

/// Up to `max` sessions, newest first, following the cursor; and whether that is all.
async fn sessions(api: &Api, max: usize) -> Result<(Vec<SessionInfo>, bool), CallError> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    let mut complete = false;
    // Bounded: a service that keeps handing out cursors cannot hold the resync forever.
    for _ in 0..max.div_ceil(PAGE).max(1) {
        let limit = PAGE.min(max - out.len().min(max)).max(1);
        let mut path = format!("/api/session?limit={limit}&order=desc");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={}", enc(c)));
        }
        let body = api.call_ok("GET", path, None, None).await?;
        let page = items(&body);
        let n = page.len();
        out.extend(page.iter().filter_map(shapes::session));
        cursor = body.pointer("/cursor/next").and_then(Value::as_str).map(str::to_owned);
        if n == 0 || cursor.is_none() {
            complete = out.len() < max;
            break;
        }
        if out.len() >= max {
            break;
        }
    }
    out.truncate(max);
    Ok((out, complete))
}

/// Pending permissions and forms: per loaded location, and for running sessions in no
/// listed location (or when the location list is unavailable) per session.
async fn pending(
    api: &Api,
    sessions: &[SessionInfo],
    running: &HashMap<String, Status>,
) -> Result<(Vec<PermissionInfo>, Vec<QuestionInfo>), CallError> {
    let locations: BTreeSet<String> =
        match api.call_ok("GET", "/api/debug/location", None, None).await {
            Ok(v) => data(&v)
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|l| l.get("directory").and_then(Value::as_str))
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            Err(e) => {
                tracing::debug!(error = %e, "no location list from OpenCode; reading per session");
                BTreeSet::new()
            }
        };
    let (mut permissions, mut questions) = (Vec::new(), Vec::new());
    for dir in &locations {
        let q = format!("location%5Bdirectory%5D={}", enc(dir));
        let perms = api.call_ok("GET", format!("/api/permission/request?{q}"), None, None).await?;
        permissions.extend(items(&perms).iter().filter_map(shapes::permission));
        let forms = api.call_ok("GET", format!("/api/form?{q}"), None, None).await?;
        questions.extend(items(&forms).iter().filter_map(shapes::form));
    }
    let directory =
        |sid: &str| sessions.iter().find(|s| s.id == sid).and_then(|s| s.directory.clone());
    for sid in running.keys() {
        if directory(sid).is_some_and(|d| locations.contains(&d)) {
            continue;
        }
        let base = format!("/api/session/{}", enc(sid));
        if let Ok(v) = api.call_ok("GET", format!("{base}/permission"), None, None).await {
            permissions.extend(items(&v).iter().filter_map(shapes::permission));
        }
        if let Ok(v) = api.call_ok("GET", format!("{base}/form"), None, None).await {
            questions.extend(items(&v).iter().filter_map(shapes::form));
        }
    }
    Ok((permissions, questions))
}
