//! The websocket API for Home Assistant: accept loop, authentication, one task per client.
//!
//! Nothing is readable before `auth` succeeds. Each client has a bounded outgoing queue
//! fed by the hub; commands that reach OpenCode run in their own tasks so a slow OpenCode
//! never blocks the connection.

use crate::{
    commands,
    hub::{frame, ClientTx, Hub, CLIENT_QUEUE},
    protocol::{
        close, decode_command, ApiError, AuthFailure, Command, CommandResult, ConnectionError,
        Empty, ErrorCode, Reply, ServerMsg, HARD_FRAME_LIMIT, MIN_SCHEMA, SCHEMA,
    },
};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::{
    collections::{HashMap, VecDeque},
    net::IpAddr,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};
use subtle::ConstantTimeEq;
use tokio::{
    net::{TcpListener, TcpStream},
    sync::{mpsc, Notify, Semaphore},
};
use tokio_tungstenite::{
    tungstenite::{
        protocol::{frame::coding::CloseCode, CloseFrame, WebSocketConfig},
        Message, Utf8Bytes,
    },
    WebSocketStream,
};

/// Server settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub token: String,
    pub server_id: String,
    pub hostname: String,
    pub max_clients: usize,
    pub auth_timeout: Duration,
    /// Failed authentications allowed per peer address per minute.
    pub auth_failures_per_minute: usize,
    pub ping_interval: Duration,
    /// A connection silent for this long is closed.
    pub idle_timeout: Duration,
}

/// The window over which failed authentications are counted.
const FAILURE_WINDOW: Duration = Duration::from_secs(60);

struct Shared {
    hub: Hub,
    settings: Settings,
    slots: Arc<Semaphore>,
    failures: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
    next_id: AtomicU64,
}

/// Serves the API on `listener` until `shutdown` resolves.
pub async fn run(
    listener: TcpListener,
    hub: Hub,
    settings: Settings,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let shared = Arc::new(Shared {
        hub,
        slots: Arc::new(Semaphore::new(settings.max_clients)),
        settings,
        failures: Mutex::new(HashMap::new()),
        next_id: AtomicU64::new(1),
    });
    let stop = Arc::new(Notify::new());
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let (shared, stop) = (shared.clone(), stop.clone());
                    tokio::spawn(async move { connection(shared, stream, peer.ip(), stop).await });
                }
                Err(e) => {
                    // Out of file descriptors and similar: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
        }
    }
    stop.notify_waiters();
}

async fn connection(shared: Arc<Shared>, stream: TcpStream, peer: IpAddr, stop: Arc<Notify>) {
    let _ = stream.set_nodelay(true);
    let config = WebSocketConfig::default()
        .max_message_size(Some(HARD_FRAME_LIMIT))
        .max_frame_size(Some(HARD_FRAME_LIMIT));
    let handshake = tokio_tungstenite::accept_async_with_config(stream, Some(config));
    let mut ws = match tokio::time::timeout(shared.settings.auth_timeout, handshake).await {
        Ok(Ok(ws)) => ws,
        Ok(Err(e)) => return tracing::debug!(%peer, error = %e, "websocket handshake failed"),
        Err(_) => return tracing::debug!(%peer, "websocket handshake timed out"),
    };
    let Ok(_slot) = shared.slots.clone().try_acquire_owned() else {
        tracing::warn!(%peer, "refusing client: too many clients");
        let msg = ServerMsg::Error {
            code: ConnectionError::TooManyClients,
            message: "too many clients".into(),
        };
        let _ = ws.send(Message::Text(frame(&msg))).await;
        return close(&mut ws, CloseCode::Again, "too many clients").await;
    };
    let s = &shared.settings;
    let hello = ServerMsg::Hello {
        server_id: s.server_id.clone(),
        hostname: s.hostname.clone(),
        version: env!("CARGO_PKG_VERSION").into(),
        schema: SCHEMA,
        min_schema: MIN_SCHEMA,
    };
    if ws.send(Message::Text(frame(&hello))).await.is_err() {
        return;
    }
    match authenticate(&shared, &mut ws, peer).await {
        Ok(()) => {}
        Err(Some((code, reason))) => return close(&mut ws, code, reason).await,
        Err(None) => return,
    }
    tracing::info!(%peer, "client authenticated");
    serve(shared, ws, peer, stop).await;
}

/// Waits for a valid `auth`; `Err(Some(..))` says how to close, `Err(None)` that the peer left.
async fn authenticate(
    shared: &Shared,
    ws: &mut WebSocketStream<TcpStream>,
    peer: IpAddr,
) -> Result<(), Option<(CloseCode, &'static str)>> {
    let deadline = tokio::time::Instant::now() + shared.settings.auth_timeout;
    let text = loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => {
                return Err(Some((
                    CloseCode::Library(close::AUTH_TIMEOUT),
                    "authentication timeout",
                )))
            }
            Ok(None | Some(Err(_))) => return Err(None),
            Ok(Some(Ok(Message::Text(t)))) => break t,
            Ok(Some(Ok(Message::Binary(_)))) => break Utf8Bytes::from_static(""),
            Ok(Some(Ok(_))) => continue,
        }
    };
    let (reason, retry_after) = match shared.retry_after(peer) {
        Some(secs) => (AuthFailure::RateLimited, Some(secs)),
        None => match decode_command(&text).1 {
            Ok(Command::Auth { token }) if token_ok(&token, &shared.settings.token) => {
                let ok = frame(&ServerMsg::AuthOk);
                return ws.send(Message::Text(ok)).await.map_err(|_| None);
            }
            Ok(Command::Auth { .. }) => (AuthFailure::InvalidToken, None),
            Ok(_) => (AuthFailure::AuthRequired, None),
            Err(_) => (AuthFailure::BadRequest, None),
        },
    };
    if reason != AuthFailure::RateLimited {
        shared.record_failure(peer);
    }
    tracing::warn!(%peer, %reason, "authentication failed");
    let _ = ws.send(Message::Text(frame(&ServerMsg::AuthFailed { reason, retry_after }))).await;
    Err(Some((CloseCode::Library(close::AUTH_FAILED), "authentication failed")))
}

/// Constant-time token comparison.
fn token_ok(given: &str, expected: &str) -> bool {
    !expected.is_empty() && bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
}

impl Shared {
    /// `Some(seconds until the next attempt)` while a peer is over its failure budget.
    fn retry_after(&self, peer: IpAddr) -> Option<u64> {
        let mut f = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let window = Instant::now().checked_sub(FAILURE_WINDOW);
        let entry = f.entry(peer).or_default();
        entry.retain(|t| window.is_none_or(|w| *t > w));
        if entry.len() < self.settings.auth_failures_per_minute {
            return None;
        }
        // The budget frees up when the oldest failure leaves the window.
        let oldest = entry.front().map_or(Duration::ZERO, Instant::elapsed);
        let wait = FAILURE_WINDOW.saturating_sub(oldest);
        Some((wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1))
    }

    fn record_failure(&self, peer: IpAddr) {
        let mut f = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        f.entry(peer).or_default().push_back(Instant::now());
        // Bound the table: forget peers whose failures are all old.
        if f.len() > 4096 {
            let cutoff = Instant::now().checked_sub(Duration::from_secs(60));
            f.retain(|_, v| v.back().is_some_and(|t| cutoff.is_none_or(|c| *t > c)));
        }
    }
}

async fn serve(
    shared: Arc<Shared>,
    ws: WebSocketStream<TcpStream>,
    peer: IpAddr,
    stop: Arc<Notify>,
) {
    let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
    let (tx, mut rx) = mpsc::channel::<Utf8Bytes>(CLIENT_QUEUE);
    let kicked = Arc::new(Notify::new());
    let client = ClientTx { frames: tx.clone(), kicked: kicked.clone() };
    let (mut sink, mut stream) = ws.split();
    let mut ping = tokio::time::interval(shared.settings.ping_interval);
    ping.tick().await;
    let mut last_seen = Instant::now();
    // A peer that stops reading must not pin this task (and its client slot) in a write.
    let write_limit = shared.settings.idle_timeout;
    let (code, reason): (CloseCode, &str) = loop {
        tokio::select! {
            _ = stop.notified() => break (CloseCode::Away, "agent shutting down"),
            _ = kicked.notified() => break (CloseCode::Library(close::SLOW_CONSUMER), "slow consumer"),
            _ = ping.tick() => {
                if last_seen.elapsed() > shared.settings.idle_timeout {
                    tracing::info!(%peer, "closing silent client");
                    break (CloseCode::Away, "no pong");
                }
                let ping = sink.send(Message::Ping(Default::default()));
                if !matches!(tokio::time::timeout(write_limit, ping).await, Ok(Ok(()))) {
                    break (CloseCode::Away, "");
                }
            }
            Some(text) = rx.recv() => {
                match tokio::time::timeout(write_limit, sink.send(Message::Text(text))).await {
                    Ok(Ok(())) => {}
                    Ok(Err(_)) => break (CloseCode::Away, ""),
                    Err(_) => break (CloseCode::Library(close::SLOW_CONSUMER), "slow consumer"),
                }
            }
            msg = stream.next() => {
                last_seen = Instant::now();
                match msg {
                    None => break (CloseCode::Normal, ""),
                    Some(Err(e)) => {
                        tracing::debug!(%peer, error = %e, "client read failed");
                        let size = matches!(e, tokio_tungstenite::tungstenite::Error::Capacity(_));
                        break if size { (CloseCode::Size, "frame too large") } else { (CloseCode::Away, "") };
                    }
                    Some(Ok(Message::Text(text))) => handle(&shared, id, &client, &text),
                    Some(Ok(Message::Binary(_))) => {
                        let err = ApiError::new(ErrorCode::BadRequest, "binary frames are not supported");
                        send_result(&client, Reply::err(Value::Null, err));
                    }
                    Some(Ok(Message::Close(_))) => break (CloseCode::Normal, ""),
                    Some(Ok(_)) => {}
                }
            }
        }
    };
    shared.hub.unsubscribe(id);
    let close = sink.send(Message::Close(Some(CloseFrame { code, reason: reason.into() })));
    let _ = tokio::time::timeout(write_limit.min(Duration::from_secs(5)), close).await;
    tracing::info!(%peer, reason, "client disconnected");
}

fn handle(shared: &Arc<Shared>, client_id: u64, client: &ClientTx, text: &str) {
    let (id, cmd) = decode_command(text);
    match cmd {
        Err(e) => send_result(client, Reply::err(id, e)),
        Ok(Command::Auth { .. }) => {
            send_result(client, Reply::ok(id, CommandResult::Empty(Empty {})))
        }
        Ok(Command::Subscribe) => {
            shared.hub.unsubscribe(client_id);
            if !shared.hub.subscribe(client_id, client.clone(), id) {
                client.kicked.notify_one();
            }
        }
        Ok(cmd) => {
            let (hub, client) = (shared.hub.clone(), client.clone());
            tokio::spawn(async move {
                let reply = match commands::execute(&hub, cmd).await {
                    Ok(v) => Reply::ok(id, v),
                    Err(e) => Reply::err(id, e),
                };
                // Results wait for queue space rather than being dropped.
                let _ = client.frames.send(frame(&ServerMsg::Result(reply))).await;
            });
        }
    }
}

fn send_result(client: &ClientTx, reply: Reply) {
    if client.frames.try_send(frame(&ServerMsg::Result(reply))).is_err() {
        client.kicked.notify_one();
    }
}

async fn close(ws: &mut WebSocketStream<TcpStream>, code: CloseCode, reason: &str) {
    let _ = ws.close(Some(CloseFrame { code, reason: reason.into() })).await;
}

#[cfg(test)]
mod tests {
    //! Token comparison.
    use super::*;

    #[test]
    fn tokens_compare_exactly() {
        assert!(token_ok("abc", "abc"));
        assert!(!token_ok("abd", "abc"));
        assert!(!token_ok("", ""));
        assert!(!token_ok("abcd", "abc"));
    }
}
