//! OpenCode 2's shared background service: found through its registration file with no
//! flags, checked with `GET /api/info` (the pid must be the registered one), followed
//! over `GET /api/event`, and re-read after every (re)connect and `location.shutdown`.
//!
//! The registration is watched while following: a service restarted on another port or
//! with another password, replaced, or gone is noticed within [`POLL`]. With no service
//! registered the feed waits quietly. A refused password is logged once, naming the file
//! it came from, and tried again as soon as that file changes.

use super::http::{client, serve_calls, Target};
use crate::{
    hub::Hub,
    opencode::{
        api::{Api, Line, CALL_TIMEOUT},
        sse::SseParser,
        v2::{
            events::{decode_line, Frame},
            registration::{self, Paths, Registration},
        },
    },
    protocol::{Instance, InstanceKind},
    tracker::{rfc3339, Input},
};
use futures_util::StreamExt;
use std::{collections::HashSet, path::PathBuf, time::Duration};

/// How often the registration file is read while waiting or following.
pub const POLL: Duration = Duration::from_secs(2);
/// Silence after which the stream is dead (the service sends a heartbeat every 15 s).
pub const SILENCE: Duration = Duration::from_secs(45);
const HEADERS_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest wait before trying a service again that refused us, file changed or not.
const RETRY_MAX: Duration = Duration::from_secs(60);
const BACKOFF_MIN: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(15);

/// The registered service of one channel.
#[derive(Debug, Clone)]
pub struct Service {
    pub instance_id: String,
    pub paths: Paths,
    pub max_sessions: usize,
}

/// Why following a service stopped.
#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    #[error("the service refused the password{}", from_file(.0))]
    Unauthorized(Option<PathBuf>),
    #[error("not an OpenCode 2 service (GET /api/info answered 404; a pre-release build?)")]
    NotV2,
    #[error("the registration names pid {registered} but the service says pid {actual}")]
    PidMismatch { registered: u64, actual: u64 },
    #[error("the registration changed")]
    Changed,
    #[error("{0}")]
    Other(#[from] anyhow::Error),
}

fn from_file(path: &Option<PathBuf>) -> String {
    match path {
        Some(p) => format!(" from {}", p.display()),
        None => " (none was found)".into(),
    }
}

/// Follows the registered service forever.
pub async fn run(hub: Hub, service: Service) {
    let client = client();
    // Each distinct problem is logged once, until things change.
    let mut last_problem = String::new();
    let mut backoff = BACKOFF_MIN;
    let mut note = |problem: String, warn: bool| {
        if problem != last_problem {
            if warn {
                tracing::warn!("OpenCode 2: {problem}");
            } else {
                tracing::info!("OpenCode 2: {problem}");
            }
            last_problem = problem;
        }
    };
    loop {
        let reg = match registration::read(&service.paths) {
            Ok(Some(reg)) => reg,
            Ok(None) => {
                let path = service.paths.registration.display();
                note(format!("no service registered at {path}; waiting"), false);
                tokio::time::sleep(POLL).await;
                continue;
            }
            Err(e) => {
                note(e.to_string(), true);
                tokio::time::sleep(POLL).await;
                continue;
            }
        };
        let auth = reg.password.clone().map(|p| ("opencode".to_owned(), p));
        let target =
            Target::new(service.instance_id.clone(), reg.url.clone(), auth, service.max_sessions);
        let watch = Watch { paths: &service.paths, seen: &reg };
        let result = follow(&hub, &client, &target, InstanceKind::Service, Some(watch)).await;
        if hub.with_tracker(|t| t.is_connected(&target.instance_id)) {
            super::detach(&hub, &target.instance_id);
        }
        match result {
            Ok(()) | Err(FollowError::Changed) => {
                let what = format!("service at {} ended; reading its registration again", reg.url);
                note(what, false);
                backoff = BACKOFF_MIN;
                // A service that dies leaves its file behind for a moment; do not spin.
                tokio::time::sleep(BACKOFF_MIN).await;
            }
            // Refusals only change when the files do.
            Err(
                e @ (FollowError::Unauthorized(_)
                | FollowError::NotV2
                | FollowError::PidMismatch { .. }),
            ) => {
                let warn = !matches!(e, FollowError::PidMismatch { .. });
                note(format!("cannot follow the service at {}: {e}", reg.url), warn);
                wait_for_change(&service.paths, &reg, RETRY_MAX).await;
            }
            Err(e) => {
                note(format!("lost the service at {}: {e}", reg.url), false);
                wait_for_change(&service.paths, &reg, backoff).await;
                backoff = (backoff * 2).min(BACKOFF_MAX);
            }
        }
    }
}

/// The registration being followed, to notice it change.
#[derive(Clone, Copy)]
pub struct Watch<'a> {
    pub paths: &'a Paths,
    pub seen: &'a Registration,
}

impl Watch<'_> {
    fn changed(&self) -> bool {
        !matches!(registration::read(self.paths), Ok(Some(r)) if r == *self.seen)
    }
}

/// Sleeps until the registration differs from `seen`, or `max` passed.
async fn wait_for_change(paths: &Paths, seen: &Registration, max: Duration) {
    let watch = Watch { paths, seen };
    let deadline = tokio::time::Instant::now() + max;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            return;
        }
        tokio::time::sleep(left.min(POLL)).await;
        if watch.changed() {
            return;
        }
    }
}

/// `GET /api/info`: `Ok(Some(info))` from an OpenCode 2 service, `Ok(None)` when the
/// server has no such route (OpenCode 1).
pub(crate) async fn info(
    client: &reqwest::Client,
    target: &Target,
) -> Result<Option<serde_json::Value>, FollowError> {
    let req = target.request(client, reqwest::Method::GET, "/api/info").timeout(CALL_TIMEOUT);
    let resp = req.send().await.map_err(anyhow::Error::from)?;
    match resp.status().as_u16() {
        401 | 403 => Err(FollowError::Unauthorized(None)),
        404 => Ok(None),
        200..=299 => {
            let v: serde_json::Value = resp.json().await.map_err(anyhow::Error::from)?;
            // OpenCode 1 builds may answer other `/api/*` routes; only V2 has a pid here.
            Ok(v.get("pid").is_some().then_some(v))
        }
        status => Err(FollowError::Other(anyhow::anyhow!("GET /api/info answered HTTP {status}"))),
    }
}

/// Follows one OpenCode 2 server until its stream ends, fails or (with `watch`) its
/// registration changes.
pub(crate) async fn follow(
    hub: &Hub,
    client: &reqwest::Client,
    target: &Target,
    kind: InstanceKind,
    watch: Option<Watch<'_>>,
) -> Result<(), FollowError> {
    let password_file = watch.and_then(|w| w.seen.password_from.clone());
    let unauthorized = |e| match e {
        FollowError::Unauthorized(_) => FollowError::Unauthorized(password_file.clone()),
        e => e,
    };
    let info = info(client, target).await.map_err(unauthorized)?.ok_or(FollowError::NotV2)?;
    let pid = info.get("pid").and_then(serde_json::Value::as_u64).unwrap_or(0);
    if let Some(registered) = watch.and_then(|w| w.seen.pid).filter(|r| *r != pid) {
        return Err(FollowError::PidMismatch { registered, actual: pid });
    }
    let request = target
        .request(client, reqwest::Method::GET, "/api/event")
        .header("accept", "text/event-stream");
    let resp = tokio::time::timeout(HEADERS_TIMEOUT, request.send())
        .await
        .map_err(|_| anyhow::anyhow!("no response to GET /api/event within {HEADERS_TIMEOUT:?}"))?
        .map_err(anyhow::Error::from)?;
    if matches!(resp.status().as_u16(), 401 | 403) {
        return Err(FollowError::Unauthorized(password_file));
    }
    let resp = resp.error_for_status().map_err(anyhow::Error::from)?;
    let (api, calls) = Api::channel(Line::V2);
    let serving = tokio::spawn(serve_calls(client.clone(), target.clone(), calls));
    let version = info.get("version").and_then(|v| v.as_str()).map(str::to_owned);
    let instance = Instance {
        id: target.instance_id.clone(),
        kind,
        label: format!("OpenCode {} service at {}", version.as_deref().unwrap_or("2"), target.url),
        directory: None,
        opencode_version: version,
        connected: true,
        since: rfc3339(chrono::Utc::now().timestamp_millis()),
    };
    tracing::info!(url = %target.url, pid, "following OpenCode 2 service");
    let resync = super::attach(hub, instance, api.clone(), target.max_sessions);
    let mut reader = Reader { hub, target, api, resync, logged: HashSet::new() };
    let result = reader.read(resp, watch).await;
    reader.resync.abort();
    serving.abort();
    result
}

struct Reader<'a> {
    hub: &'a Hub,
    target: &'a Target,
    api: Api,
    /// The state being read (or read already). The tracker holds the events that arrive
    /// meanwhile and applies them after it (`tracker::holding`).
    resync: tokio::task::JoinHandle<()>,
    /// Event types (or decode errors) already logged as malformed: logged once each.
    logged: HashSet<String>,
}

impl Reader<'_> {
    /// Reads the state again, dropping a read still under way (it is older).
    fn resync_again(&mut self) {
        self.resync.abort();
        let instance_id = self.target.instance_id.clone();
        self.hub.apply(Input::ResyncStarted { instance_id: instance_id.clone() });
        let (api, max) = (self.api.clone(), self.target.max_sessions);
        self.resync = super::resync_task(self.hub, instance_id, api, max);
    }

    async fn read(
        &mut self,
        resp: reqwest::Response,
        watch: Option<Watch<'_>>,
    ) -> Result<(), FollowError> {
        let mut stream = resp.bytes_stream();
        let mut parser = SseParser::new();
        let mut poll = tokio::time::interval(POLL);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_byte = tokio::time::Instant::now();
        loop {
            tokio::select! {
                chunk = stream.next() => {
                    let chunk = match chunk {
                        None => return Ok(()),
                        Some(c) => c.map_err(anyhow::Error::from)?,
                    };
                    last_byte = tokio::time::Instant::now();
                    let lines = parser.push(&chunk).map_err(anyhow::Error::from)?;
                    for line in lines {
                        self.line(&line);
                    }
                }
                _ = poll.tick() => {
                    if watch.is_some_and(|w| w.changed()) {
                        return Err(FollowError::Changed);
                    }
                    if last_byte.elapsed() > SILENCE {
                        let secs = SILENCE.as_secs();
                        return Err(anyhow::anyhow!("no event or heartbeat for {secs} s").into());
                    }
                }
            }
        }
    }

    fn line(&mut self, line: &str) {
        match decode_line(line) {
            Ok(Frame::Events(events)) => {
                for event in events {
                    let instance_id = self.target.instance_id.clone();
                    self.hub.apply(Input::Event { instance_id, event });
                }
            }
            Ok(Frame::Shutdown(location)) => {
                tracing::info!(?location, "OpenCode 2 location shut down; reading state again");
                self.resync_again();
            }
            Ok(Frame::Ignored) => {}
            Ok(Frame::Malformed(kind)) => {
                if self.logged.insert(kind.clone()) {
                    tracing::warn!(event = kind, "OpenCode 2 event with unusable data; skipped");
                }
            }
            Err(e) => {
                if self.logged.insert(String::new()) {
                    tracing::warn!(error = %e, "undecodable OpenCode 2 event; skipped");
                }
            }
        }
    }
}
