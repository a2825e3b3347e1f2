//! The agent as a client of `opencode serve`: attaches over HTTP, follows `GET /global/event`
//! and answers API calls with HTTP requests. A server that answers `GET /api/info` is
//! OpenCode 2 and is followed by `opencode_service` instead. Reconnects with capped
//! exponential backoff; 20 s without a line (OpenCode sends a heartbeat every 10 s) means
//! the link is dead.

pub use super::http::Target;
use super::http::{client, serve_calls};
use crate::opencode::api::{Api, Line, CALL_TIMEOUT};
use crate::{
    hub::Hub,
    opencode::{
        event::{decode_line, Event},
        sse::SseParser,
    },
    protocol::{Instance, InstanceKind},
    tracker::{rfc3339, Input},
};
use futures_util::StreamExt;
use std::time::Duration;

/// Silence after which the stream is considered dead.
pub const SILENCE: Duration = Duration::from_secs(20);
const HEADERS_TIMEOUT: Duration = Duration::from_secs(5);
const BACKOFF_MIN: Duration = Duration::from_millis(500);
/// Longest wait between tries at a server never attached (a wrong URL, say).
const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// Longest wait between tries at a server attached before: `opencode serve` restarting
/// takes seconds, and its sessions are unavailable until the agent is back.
const BACKOFF_MAX_KNOWN: Duration = Duration::from_secs(1);

/// Follows one server forever.
pub async fn run(hub: Hub, target: Target) {
    let client = client();
    let mut backoff = BACKOFF_MIN;
    let mut connected_once = false;
    // Before the first attach, each new reason for failing is a warning: the URL or the
    // password is probably wrong, and nothing else would tell the user.
    let mut last_problem: Option<Problem> = None;
    loop {
        let result = follow(&hub, &client, &target).await;
        if hub.with_tracker(|t| t.is_connected(&target.instance_id)) {
            connected_once = true;
            backoff = BACKOFF_MIN;
            super::detach(&hub, &target.instance_id);
        }
        match result {
            Ok(()) => tracing::info!(url = %target.url, "OpenCode event stream ended"),
            Err(e) if connected_once => {
                tracing::info!(url = %target.url, error = %e, "OpenCode server unreachable")
            }
            Err(e) => {
                let problem = Problem::of(&e);
                if last_problem != Some(problem) {
                    let hint = problem.hint();
                    tracing::warn!(url = %target.url, error = %e, hint, "cannot attach to OpenCode server");
                    last_problem = Some(problem);
                } else {
                    tracing::debug!(url = %target.url, error = %e, "OpenCode server unreachable");
                }
            }
        }
        tokio::time::sleep(backoff).await;
        let max = if connected_once { BACKOFF_MAX_KNOWN } else { BACKOFF_MAX };
        backoff = (backoff * 2).min(max);
    }
}

/// Why attaching to a server failed, as far as it tells the user what to fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Problem {
    Refused,
    Unauthorized,
    NotFound,
    Other,
}

impl Problem {
    fn of(e: &anyhow::Error) -> Self {
        let status = e.chain().find_map(|c| c.downcast_ref::<reqwest::Error>()?.status());
        match status.map(|s| s.as_u16()) {
            Some(401 | 403) => return Problem::Unauthorized,
            Some(404) => return Problem::NotFound,
            _ => {}
        }
        let text = format!("{e:#}");
        if e.chain().any(|c| c.downcast_ref::<reqwest::Error>().is_some_and(|r| r.is_connect())) {
            Problem::Refused
        } else if text.contains("refused the password") {
            Problem::Unauthorized
        } else {
            Problem::Other
        }
    }

    fn hint(self) -> &'static str {
        match self {
            Problem::Refused => {
                "nothing answers there: is `opencode serve` running, on this host and port?"
            }
            Problem::Unauthorized => {
                "OpenCode refused the credentials: check --opencode-password (or the file) and \
                 --opencode-username against OPENCODE_SERVER_PASSWORD"
            }
            Problem::NotFound => "no OpenCode server at this URL (404): check the URL and port",
            Problem::Other => "check the URL; retrying",
        }
    }
}

async fn follow(hub: &Hub, client: &reqwest::Client, target: &Target) -> anyhow::Result<()> {
    // OpenCode 2 answers `/api/info` and has no `/global/*`: follow it in its own line.
    if let Ok(Some(_)) = super::opencode_service::info(client, target).await {
        return super::opencode_service::follow(hub, client, target, InstanceKind::Server, None)
            .await
            .map_err(anyhow::Error::from);
    }
    let request = target
        .request(client, reqwest::Method::GET, "/global/event")
        .header("accept", "text/event-stream");
    // A server that accepts but never answers (seen while OpenCode restarts) must not wedge
    // the feed; the headers of the event stream come at once from a healthy server.
    let resp = tokio::time::timeout(HEADERS_TIMEOUT, request.send())
        .await
        .map_err(|_| {
            anyhow::anyhow!("no response to GET /global/event within {HEADERS_TIMEOUT:?}")
        })??
        .error_for_status()?;
    let version = health(client, target).await;
    let (api, calls) = Api::channel(Line::V1);
    let serving = tokio::spawn(serve_calls(client.clone(), target.clone(), calls));
    let instance = Instance {
        id: target.instance_id.clone(),
        kind: InstanceKind::Server,
        label: format!("opencode serve at {}", target.url),
        directory: None,
        opencode_version: version,
        connected: true,
        since: rfc3339(chrono::Utc::now().timestamp_millis()),
    };
    tracing::info!(url = %target.url, "attached to OpenCode server");
    let resyncing = super::attach(hub, instance, api, target.max_sessions);
    let result = read(hub, resp, &target.instance_id).await;
    resyncing.abort();
    serving.abort();
    result
}

async fn read(hub: &Hub, resp: reqwest::Response, instance_id: &str) -> anyhow::Result<()> {
    let mut stream = resp.bytes_stream();
    let mut parser = SseParser::new();
    loop {
        let chunk = match tokio::time::timeout(SILENCE, stream.next()).await {
            Err(_) => anyhow::bail!("no event or heartbeat for {} s", SILENCE.as_secs()),
            Ok(None) => return Ok(()),
            Ok(Some(chunk)) => chunk?,
        };
        for line in parser.push(&chunk)? {
            match decode_line(&line) {
                Ok(Event::Sync | Event::Heartbeat | Event::Connected | Event::Other(_)) => {}
                Ok(event) => hub.apply(Input::Event { instance_id: instance_id.to_owned(), event }),
                Err(e) => tracing::debug!(error = %e, "skipping undecodable event"),
            }
        }
    }
}

async fn health(client: &reqwest::Client, target: &Target) -> Option<String> {
    let req = target.request(client, reqwest::Method::GET, "/global/health").timeout(CALL_TIMEOUT);
    let resp = req.send().await.ok()?;
    let v: serde_json::Value = resp.json().await.ok()?;
    v.get("version").and_then(|v| v.as_str()).map(str::to_owned)
}
