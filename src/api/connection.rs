//! One API client, from the accepted socket to the close: TLS, the websocket handshake,
//! `hello`, `auth`, then commands and events.
//!
//! Nothing is readable before `auth` succeeds, and until then the peer gets little: a
//! byte budget of a few KiB (so no large frame is even buffered), no client slot, a
//! pre-auth place that a newer connection may take (`preauth`), `handshake_timeout` for
//! the TLS handshake and `auth_timeout` for everything. Each authenticated client has a bounded outgoing queue
//! fed by the hub; commands that reach OpenCode run in their own tasks, a bounded number
//! at a time, so a slow OpenCode never blocks the connection.

use super::{admission::Shared, commands, credentials::Secrets, preauth::Place};
use crate::{
    hub::{ClientTx, CLIENT_QUEUE},
    protocol::{
        close, decode_command, ApiError, AuthFailure, Command, CommandResult, ConnectionError,
        Empty, ErrorCode, Reply, ServerMsg, HARD_FRAME_LIMIT, MIN_SCHEMA, PREAUTH_FRAME_LIMIT,
        SCHEMA,
    },
};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::{
    future::Future,
    io,
    net::IpAddr,
    pin::Pin,
    sync::{atomic::Ordering, Arc},
    task::{ready, Context, Poll},
    time::{Duration, Instant},
};
use subtle::ConstantTimeEq;
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::TcpStream,
    sync::{mpsc, Notify, OwnedSemaphorePermit, Semaphore},
};
use tokio_tungstenite::{
    tungstenite::{
        handshake::server::{ErrorResponse, Request, Response},
        http::{header::ORIGIN, StatusCode},
        protocol::{frame::coding::CloseCode, CloseFrame, WebSocketConfig},
        Message, Utf8Bytes,
    },
    WebSocketStream,
};

/// Bytes a peer may send for its websocket upgrade request.
const HANDSHAKE_BUDGET: usize = 8 * 1024;
/// Bytes a peer may send after the upgrade and before authenticating: one `auth` frame of
/// at most `PREAUTH_FRAME_LIMIT` with its header, and a few control frames.
const PREAUTH_BUDGET: usize = PREAUTH_FRAME_LIMIT + 14 + 512;

/// Any byte stream the API runs over (TLS, or plain TCP when opted in).
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

type Ws = WebSocketStream<Budget<Box<dyn Io>>>;

/// Serves one accepted connection to its end.
pub(super) async fn run(
    shared: Arc<Shared>,
    stream: TcpStream,
    peer: IpAddr,
    place: Place,
    stop: Arc<Notify>,
) {
    let _ = stream.set_nodelay(true);
    // Until it authenticates, a newer connection may take this one's place (`preauth`).
    let admitted = tokio::select! {
        admitted = admit(&shared, stream, peer) => admitted,
        () = place.evicted() => {
            return tracing::debug!(%peer, "unauthenticated connection evicted by a newer one");
        }
    };
    let Some((ws, slot, rotations)) = admitted else { return };
    drop(place);
    shared.authenticated(peer);
    if shared.settings.credentials.current().tls.is_none() {
        tracing::warn!(%peer, "client authenticated over PLAINTEXT (--insecure-plaintext)");
    } else {
        // Debug: a script polling `sessions` connects every few seconds. Steering is
        // logged at info with the peer all the same.
        tracing::debug!(%peer, "client authenticated");
    }
    serve(shared, ws, peer, stop, slot, rotations).await;
}

/// Everything before trust: handshakes, `hello` and `auth`, within `auth_timeout`. The
/// authenticated websocket, its client slot and what tells of the next rotation; `None`
/// when the connection ended (closed as it should be).
async fn admit(
    shared: &Shared,
    stream: TcpStream,
    peer: IpAddr,
) -> Option<(Ws, OwnedSemaphorePermit, Rotations)> {
    let deadline = tokio::time::Instant::now() + shared.settings.auth_timeout;
    let ws = tokio::time::timeout_at(deadline, open(shared, stream, peer)).await;
    let Ok(Some(mut ws)) = ws else {
        tracing::debug!(%peer, "connection ended before the websocket opened");
        return None;
    };
    if shared.slots.available_permits() == 0 {
        refuse(&mut ws, peer).await;
        return None;
    }
    let s = &shared.settings;
    let hello = ServerMsg::Hello {
        server_id: s.server_id.clone(),
        hostname: s.hostname.clone(),
        version: env!("CARGO_PKG_VERSION").into(),
        schema: SCHEMA,
        min_schema: MIN_SCHEMA,
    };
    ws.send(Message::Text(hello.frame())).await.ok()?;
    match authenticate(shared, &mut ws, peer, deadline).await {
        Ok((slot, rotations)) => {
            ws.get_mut().lift();
            Some((ws, slot, rotations))
        }
        Err(Some((code, reason))) => {
            close_ws(&mut ws, code, reason).await;
            None
        }
        Err(None) => None,
    }
}

/// TLS (unless opted out) and the websocket upgrade; browsers (an `Origin`) are refused.
/// The TLS handshake (without TLS, the first byte) has `handshake_timeout`: a socket that
/// says nothing gives its place back in seconds, not at the auth deadline.
async fn open(shared: &Shared, stream: TcpStream, peer: IpAddr) -> Option<Ws> {
    let first = shared.settings.handshake_timeout;
    let stream: Box<dyn Io> = match &shared.settings.credentials.current().tls {
        Some(config) => {
            let acceptor = tokio_rustls::TlsAcceptor::from(config.clone());
            match tokio::time::timeout(first, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => Box::new(tls),
                Ok(Err(e)) => {
                    tracing::debug!(%peer, error = %e, "TLS handshake failed");
                    return None;
                }
                Err(_) => {
                    tracing::debug!(%peer, "no TLS handshake in time");
                    return None;
                }
            }
        }
        None => {
            let mut byte = [0u8; 1];
            if !matches!(tokio::time::timeout(first, stream.peek(&mut byte)).await, Ok(Ok(1))) {
                tracing::debug!(%peer, "nothing sent in time");
                return None;
            }
            Box::new(stream)
        }
    };
    let config = WebSocketConfig::default()
        .max_message_size(Some(HARD_FRAME_LIMIT))
        .max_frame_size(Some(HARD_FRAME_LIMIT));
    let stream = Budget { inner: stream, left: Some(HANDSHAKE_BUDGET) };
    match tokio_tungstenite::accept_hdr_async_with_config(stream, refuse_browsers, Some(config))
        .await
    {
        Ok(mut ws) => {
            ws.get_mut().left = Some(PREAUTH_BUDGET);
            Some(ws)
        }
        Err(e) => {
            tracing::debug!(%peer, error = %e, "websocket handshake refused or failed");
            None
        }
    }
}

/// Refuses upgrades that carry an `Origin`: only browsers send one, and no web page may
/// talk to the agent.
// The signature is tungstenite's handshake callback.
#[allow(clippy::result_large_err)]
fn refuse_browsers(req: &Request, resp: Response) -> Result<Response, ErrorResponse> {
    if req.headers().contains_key(ORIGIN) {
        let mut r = ErrorResponse::new(Some("browsers may not connect".into()));
        *r.status_mut() = StatusCode::FORBIDDEN;
        return Err(r);
    }
    Ok(resp)
}

/// No client slot: say so and close.
async fn refuse(ws: &mut Ws, peer: IpAddr) {
    tracing::warn!(%peer, "refusing client: too many clients");
    let msg = ServerMsg::Error {
        code: ConnectionError::TooManyClients,
        message: "too many clients".into(),
    };
    let _ = ws.send(Message::Text(msg.frame())).await;
    close_ws(ws, CloseCode::Again, "too many clients").await;
}

/// Waits for a valid `auth` and takes a client slot; also returns what tells of the next
/// rotation of the token it was checked against. `Err(Some(..))` says how to close,
/// `Err(None)` that the peer left.
async fn authenticate(
    shared: &Shared,
    ws: &mut Ws,
    peer: IpAddr,
    deadline: tokio::time::Instant,
) -> Result<(OwnedSemaphorePermit, Rotations), Option<(CloseCode, &'static str)>> {
    let timeout = Some((CloseCode::Library(close::AUTH_TIMEOUT), "authentication timeout"));
    let text = loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => return Err(timeout),
            Ok(Some(Ok(Message::Text(t)))) => break t,
            Ok(Some(Ok(Message::Binary(_)))) => break Utf8Bytes::from_static(""),
            Ok(Some(Ok(_))) => continue,
            Ok(None | Some(Err(_))) if ws.get_ref().exhausted() => {
                tracing::warn!(%peer, "refusing a frame over the pre-auth limit");
                return Err(Some((CloseCode::Size, "frame too large before auth")));
            }
            Ok(None | Some(Err(_))) => return Err(None),
        }
    };
    if text.len() > PREAUTH_FRAME_LIMIT {
        tracing::warn!(%peer, "refusing a frame over the pre-auth limit");
        return Err(Some((CloseCode::Size, "frame too large before auth")));
    }
    // Watched from before the check: a rotation right after it still closes this client.
    let mut rotations = shared.settings.credentials.watch();
    let expected = rotations.borrow_and_update().clone();
    let (reason, retry_after) = match shared.retry_after(peer) {
        Some(secs) => (AuthFailure::RateLimited, Some(secs)),
        None => match decode_command(&text).1 {
            Ok(Command::Auth { token }) if token_ok(&token, &expected.token) => {
                let Ok(slot) = shared.slots.clone().try_acquire_owned() else {
                    refuse(ws, peer).await;
                    return Err(None);
                };
                let ok = ServerMsg::AuthOk.frame();
                ws.send(Message::Text(ok)).await.map_err(|_| None)?;
                return Ok((slot, rotations));
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
    let _ = ws.send(Message::Text(ServerMsg::AuthFailed { reason, retry_after }.frame())).await;
    Err(Some((CloseCode::Library(close::AUTH_FAILED), "authentication failed")))
}

/// Constant-time token comparison.
fn token_ok(given: &str, expected: &str) -> bool {
    !expected.is_empty() && bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
}

/// Tells an authenticated client's task that the token it proved was replaced.
type Rotations = tokio::sync::watch::Receiver<Arc<Secrets>>;

/// One authenticated client.
struct Client {
    id: u64,
    peer: IpAddr,
    tx: ClientTx,
    in_flight: Arc<Semaphore>,
}

async fn serve(
    shared: Arc<Shared>,
    ws: Ws,
    peer: IpAddr,
    stop: Arc<Notify>,
    _slot: OwnedSemaphorePermit,
    mut rotations: Rotations,
) {
    let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
    let (tx, mut rx) = mpsc::channel::<Utf8Bytes>(CLIENT_QUEUE);
    let kicked = Arc::new(Notify::new());
    let client = Client {
        id,
        peer,
        tx: ClientTx { frames: tx, kicked: kicked.clone() },
        in_flight: Arc::new(Semaphore::new(shared.settings.max_in_flight)),
    };
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
            // Err: the credentials' owner is gone (the agent is stopping); not a rotation.
            Ok(()) = rotations.changed() => {
                break (CloseCode::Library(close::CREDENTIALS_ROTATED), "credentials rotated")
            }
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
                    Some(Ok(Message::Text(text))) => handle(&shared, &client, &text),
                    Some(Ok(Message::Binary(_))) => {
                        let err = ApiError::new(ErrorCode::BadRequest, "binary frames are not supported");
                        send_result(&client.tx, Reply::err(Value::Null, err));
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
    shared.authenticated(peer);
    tracing::debug!(%peer, reason, "client disconnected");
}

/// Dispatches one frame of an authenticated client.
fn handle(shared: &Arc<Shared>, client: &Client, text: &str) {
    let (id, cmd) = decode_command(text);
    let cmd = match cmd {
        Err(e) => return send_result(&client.tx, Reply::err(id, e)),
        Ok(cmd) => cmd,
    };
    let hub = shared.hub.clone();
    let peer = client.peer;
    match cmd {
        Command::Auth { .. } => {
            send_result(&client.tx, Reply::ok(id, CommandResult::Empty(Empty {})))
        }
        Command::Subscribe => {
            shared.hub.unsubscribe(client.id);
            if !shared.hub.subscribe(client.id, client.tx.clone(), id) {
                client.tx.kicked.notify_one();
            }
        }
        Command::ListSessions => {
            let snapshot = CommandResult::Snapshot(commands::list_sessions(&hub));
            send_result(&client.tx, Reply::ok(id, snapshot));
        }
        Command::ReplyPermission { session_id, permission_id, reply, message } => {
            tracing::info!(%peer, command = "reply_permission", %permission_id, %reply, "steering");
            spawn(client, id, async move {
                commands::reply_permission(&hub, session_id, permission_id, reply, message)
                    .await
                    .map(CommandResult::Empty)
            });
        }
        Command::ReplyQuestion { question_id, answers, reject } => {
            tracing::info!(%peer, command = "reply_question", %question_id, reject, "steering");
            spawn(client, id, async move {
                commands::reply_question(&hub, question_id, answers, reject)
                    .await
                    .map(CommandResult::Empty)
            });
        }
        Command::AbortSession { session_id } => {
            tracing::info!(%peer, command = "abort_session", %session_id, "steering");
            spawn(client, id, async move {
                commands::abort_session(&hub, session_id).await.map(CommandResult::Empty)
            });
        }
        Command::SendPrompt { session_id, text, agent } => {
            // The prompt's length, never its text.
            let chars = text.chars().count();
            tracing::info!(%peer, command = "send_prompt", %session_id, chars, "steering");
            spawn(client, id, async move {
                commands::send_prompt(&hub, session_id, text, agent).await.map(CommandResult::Empty)
            });
        }
        Command::GetMessages { session_id, limit } => {
            tracing::info!(%peer, command = "get_messages", %session_id, "reading messages");
            spawn(client, id, async move {
                commands::get_messages(&hub, session_id, limit).await.map(CommandResult::Messages)
            });
        }
    }
}

/// Runs a command that reaches OpenCode in its own task, within the client's in-flight cap.
fn spawn(
    client: &Client,
    id: Value,
    work: impl Future<Output = Result<CommandResult, ApiError>> + Send + 'static,
) {
    let Ok(permit) = client.in_flight.clone().try_acquire_owned() else {
        let err = ApiError::new(
            ErrorCode::TooManyRequests,
            "too many commands waiting for OpenCode; wait for their results",
        );
        return send_result(&client.tx, Reply::err(id, err));
    };
    let tx = client.tx.clone();
    tokio::spawn(async move {
        let reply = match work.await {
            Ok(v) => Reply::ok(id, v),
            Err(e) => Reply::err(id, e),
        };
        drop(permit);
        // Results wait for queue space rather than being dropped.
        let _ = tx.frames.send(ServerMsg::Result(reply).frame()).await;
    });
}

fn send_result(client: &ClientTx, reply: Reply) {
    if client.frames.try_send(ServerMsg::Result(reply).frame()).is_err() {
        client.kicked.notify_one();
    }
}

async fn close_ws(ws: &mut Ws, code: CloseCode, reason: &str) {
    let close = ws.close(Some(CloseFrame { code, reason: reason.into() }));
    let _ = tokio::time::timeout(Duration::from_secs(5), close).await;
}

/// A read side with a byte budget until the peer authenticated (`None` = unlimited).
struct Budget<S> {
    inner: S,
    left: Option<usize>,
}

impl<S> Budget<S> {
    /// Whether the budget ran out (the peer sent more than it may before auth).
    fn exhausted(&self) -> bool {
        self.left == Some(0)
    }

    /// The peer authenticated: normal frame limits apply from now on.
    fn lift(&mut self) {
        self.left = None;
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Budget<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let Some(left) = this.left else { return Pin::new(&mut this.inner).poll_read(cx, buf) };
        if left == 0 {
            let e = io::Error::new(io::ErrorKind::InvalidData, "pre-auth byte budget exhausted");
            return Poll::Ready(Err(e));
        }
        let mut chunk = [0u8; 1024];
        let n = left.min(buf.remaining()).min(chunk.len());
        let mut part = ReadBuf::new(&mut chunk[..n]);
        ready!(Pin::new(&mut this.inner).poll_read(cx, &mut part))?;
        buf.put_slice(part.filled());
        this.left = Some(left - part.filled().len());
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Budget<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
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
