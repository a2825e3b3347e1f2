//! Websocket API tests against the real server code (`api::run`) started in-process on
//! loopback, with a hub around a real tracker and the library's client (`client`, plain or
//! TLS pinned to a certificate made for the test), plus a hand-rolled raw client where a
//! misbehaving peer is needed. docs/protocol.md is the contract checked here. OpenCode is
//! simulated by feeding decoded events to the hub and, where a command must reach
//! OpenCode, by answering the hub's `Api` channel. The last sections are the attacks of
//! issue 9: each fails when its defence is removed.

use futures_util::{SinkExt, StreamExt};
use opencode_lookout::{
    api::{self, Credentials, Settings},
    client::{self, Trust, Ws},
    hub::Hub,
    opencode::{
        api::{Api, Line, Response},
        event::decode_line,
    },
    persist::{Persist, Remembered, UsageRow},
    protocol::{Instance, InstanceKind, Usage, MIN_SCHEMA, SCHEMA},
    tls,
    tracker::{self, rfc3339, Input, Tracker},
};
use serde_json::{json, Value};
use std::{
    net::SocketAddr,
    path::PathBuf,
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpSocket, TcpStream},
    sync::{mpsc, oneshot},
};
use tokio_tungstenite::tungstenite::Message;

const TOKEN: &str = "test-token-0123456789abcdefghijklmnopqrstuvwxyz0";
const INST: &str = "plugin-4242";
/// Upper bound for anything that should happen "soon"; generous for a loaded machine.
const WAIT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------
// Server and hub setup
// ---------------------------------------------------------------------------------------

/// The agent's defaults, in plaintext (the TLS tests add a certificate).
fn settings() -> Settings {
    Settings {
        max_clients: 16,
        // Tests other than the rate-limit one must not trip over it.
        auth_failures_per_minute: 1000,
        ..Settings::new(
            Credentials::new(TOKEN.into(), None),
            "3f1c2a9e8b7d4c60a1e2f3b4c5d6e7f8".into(),
            "testbox".into(),
        )
    }
}

fn new_hub() -> Hub {
    Hub::new(Tracker::new(tracker::Settings { hostname: "testbox".into(), max_sessions: 100 }))
}

struct TestServer {
    addr: SocketAddr,
    hub: Hub,
    _stop: oneshot::Sender<()>,
}

async fn start(settings: Settings) -> TestServer {
    start_with(new_hub(), settings).await
}

async fn start_with(hub: Hub, settings: Settings) -> TestServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(api::run(listener, hub.clone(), settings, async move {
        let _ = stopped.await;
    }));
    TestServer { addr, hub, _stop: stop }
}

fn instance(id: &str) -> Instance {
    Instance {
        id: id.into(),
        kind: InstanceKind::Plugin,
        label: format!("opencode {id}"),
        directory: Some("/home/me/proj".into()),
        opencode_version: Some("1.18.33".into()),
        connected: true,
        since: rfc3339(0),
    }
}

/// An OpenCode bus event for `INST`, decoded like the feeds decode them.
fn ev(v: Value) -> Input {
    let event = decode_line(&v.to_string()).expect("test event decodes");
    Input::Event { instance_id: INST.into(), event }
}

fn session_created(id: &str, title: &str) -> Input {
    ev(json!({"type": "session.created", "properties": {"info": {
        "id": id, "title": title, "directory": "/home/me/proj", "version": "1.18.33",
        "time": {"created": 1_795_324_757_055_i64, "updated": 1_795_324_757_055_i64}}}}))
}

fn status(sid: &str, kind: &str) -> Input {
    ev(json!({"type": "session.status",
               "properties": {"sessionID": sid, "status": {"type": kind}}}))
}

fn permission_asked(pid: &str, sid: &str) -> Input {
    // The /global/event envelope, as the server feed receives it.
    ev(json!({"directory": "/home/me/proj", "payload": {"type": "permission.asked", "properties": {
        "id": pid, "sessionID": sid, "permission": "bash", "patterns": ["rm -rf build"],
        "metadata": {"command": "rm -rf build"}, "always": ["rm *"]}}}))
}

fn part_delta(sid: &str) -> Input {
    ev(json!({"type": "message.part.delta", "properties": {"sessionID": sid,
        "messageID": "msg_a", "partID": "prt_a", "field": "text", "delta": "tok "}}))
}

fn assistant_message(sid: &str, output: u64) -> Input {
    ev(json!({"type": "message.updated", "properties": {"info": {
        "id": "msg_a", "sessionID": sid, "role": "assistant", "providerID": "fake",
        "modelID": "fake-model", "cost": 0.001,
        "tokens": {"input": 100, "output": output, "reasoning": 0,
                   "cache": {"read": 0, "write": 0}},
        "time": {"created": 1_795_324_757_100_i64}}}}))
}

/// An instance with one busy session holding a pending permission.
fn seed(hub: &Hub, sid: &str, title: &str, pid: &str) {
    hub.apply(Input::Connected(instance(INST)));
    hub.apply(session_created(sid, title));
    hub.apply(status(sid, "busy"));
    hub.apply(permission_asked(pid, sid));
}

// ---------------------------------------------------------------------------------------
// Clients
// ---------------------------------------------------------------------------------------

async fn connect(addr: SocketAddr) -> Ws {
    let stream = TcpStream::connect(addr).await.expect("tcp connect");
    ws_over(stream, addr).await
}

async fn ws_over(stream: TcpStream, addr: SocketAddr) -> Ws {
    client::open_over(stream, &addr.to_string(), &Trust::Plaintext).await.expect("websocket open")
}

/// The next message of any kind other than ping/pong; `None` when the stream ended.
async fn next_msg(ws: &mut Ws) -> Option<Message> {
    loop {
        match tokio::time::timeout(WAIT, ws.next()).await.expect("server answered in time") {
            None => return None,
            Some(Err(e)) => {
                eprintln!("read error: {e}");
                return None;
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => continue,
            Some(Ok(m)) => return Some(m),
        }
    }
}

/// The next text frame as JSON; panics on anything else.
async fn recv(ws: &mut Ws) -> Value {
    match next_msg(ws).await {
        Some(Message::Text(t)) => serde_json::from_str(&t).expect("server frames are JSON"),
        other => panic!("expected a text frame, got {other:?}"),
    }
}

/// Reads until the server closes; returns the close code and the text frames seen before.
async fn expect_close(ws: &mut Ws) -> (Option<u16>, Vec<String>) {
    let mut texts = Vec::new();
    loop {
        match next_msg(ws).await {
            Some(Message::Close(frame)) => return (frame.map(|f| u16::from(f.code)), texts),
            Some(Message::Text(t)) => texts.push(t.to_string()),
            Some(_) => {}
            None => return (None, texts),
        }
    }
}

async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::text(v.to_string())).await.expect("send frame");
}

/// Connects and checks the hello; returns the socket and the hello frame.
async fn hello(addr: SocketAddr) -> (Ws, Value) {
    let mut ws = connect(addr).await;
    let h = recv(&mut ws).await;
    assert_eq!(h["type"], "hello", "first frame: {h}");
    (ws, h)
}

async fn authed(addr: SocketAddr) -> Ws {
    let (mut ws, _) = hello(addr).await;
    send(&mut ws, json!({"type": "auth", "token": TOKEN})).await;
    assert_eq!(recv(&mut ws).await, json!({"type": "auth_ok"}));
    ws
}

/// Sends a command and returns its result, skipping events.
async fn cmd(ws: &mut Ws, v: Value) -> Value {
    let id = v["id"].clone();
    send(ws, v).await;
    result_for(ws, &id).await
}

async fn result_for(ws: &mut Ws, id: &Value) -> Value {
    loop {
        let f = recv(ws).await;
        if f["type"] == "result" && f["id"] == *id {
            return f;
        }
        assert_eq!(f["type"], "event", "unexpected frame while waiting for result {id}: {f}");
    }
}

fn error_code(result: &Value) -> &str {
    assert_eq!(result["ok"], false, "expected an error result: {result}");
    assert!(result.get("result").is_none(), "error results carry no result: {result}");
    result["error"]["code"].as_str().expect("error code")
}

/// `list_sessions` works and returns the seeded session.
async fn assert_usable(ws: &mut Ws, id: u64) {
    let r = cmd(ws, json!({"type": "list_sessions", "id": id})).await;
    assert_eq!(r["ok"], true, "list_sessions after an error: {r}");
    assert!(r["result"]["sessions"].is_array() && r["result"]["instances"].is_array(), "{r}");
}

/// A minimal websocket client over raw TCP: it never answers pings (a half-open peer).
struct RawWs {
    s: TcpStream,
}

impl RawWs {
    async fn connect(addr: SocketAddr) -> RawWs {
        let mut s = TcpStream::connect(addr).await.expect("tcp connect");
        let req = format!(
            "GET / HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        s.write_all(req.as_bytes()).await.expect("send handshake");
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let mut b = [0u8; 1];
            let n = tokio::time::timeout(WAIT, s.read(&mut b)).await.expect("handshake answer");
            assert_eq!(n.expect("read handshake"), 1, "server closed during handshake");
            head.push(b[0]);
        }
        let head = String::from_utf8_lossy(&head);
        assert!(head.starts_with("HTTP/1.1 101"), "handshake refused: {head}");
        assert!(head.contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), "bad accept key: {head}");
        RawWs { s }
    }

    async fn send_text(&mut self, text: &str) {
        let payload = text.as_bytes();
        let mut f = vec![0x81u8];
        match payload.len() {
            n if n < 126 => f.push(0x80 | n as u8),
            n => {
                f.push(0x80 | 126);
                f.extend_from_slice(&(u16::try_from(n).expect("small frame")).to_be_bytes());
            }
        }
        let mask = [0x12u8, 0x34, 0x56, 0x78];
        f.extend_from_slice(&mask);
        f.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.s.write_all(&f).await.expect("send frame");
    }

    /// (opcode, payload) of the next frame; `None` at end of stream.
    async fn read_frame(&mut self) -> Option<(u8, Vec<u8>)> {
        let mut h = [0u8; 2];
        self.s.read_exact(&mut h).await.ok()?;
        let len = match h[1] & 0x7f {
            126 => {
                let mut b = [0u8; 2];
                self.s.read_exact(&mut b).await.ok()?;
                u64::from(u16::from_be_bytes(b))
            }
            127 => {
                let mut b = [0u8; 8];
                self.s.read_exact(&mut b).await.ok()?;
                u64::from_be_bytes(b)
            }
            n => u64::from(n),
        };
        assert_eq!(h[1] & 0x80, 0, "server frames are not masked");
        let mut payload = vec![0u8; usize::try_from(len).expect("frame length")];
        self.s.read_exact(&mut payload).await.ok()?;
        Some((h[0] & 0x0f, payload))
    }

    async fn recv_json(&mut self) -> Value {
        let (op, p) = tokio::time::timeout(WAIT, self.read_frame())
            .await
            .expect("frame in time")
            .expect("frame");
        assert_eq!(op, 1, "text frame expected");
        serde_json::from_slice(&p).expect("JSON frame")
    }
}

// ---------------------------------------------------------------------------------------
// Connection life cycle and authentication
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hello_carries_identity_and_schema() {
    let srv = start(settings()).await;
    let (_ws, h) = hello(srv.addr).await;
    let s = settings();
    assert_eq!(h["server_id"], s.server_id.as_str());
    assert_eq!(h["hostname"], s.hostname.as_str());
    assert_eq!(h["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(h["schema"], json!(SCHEMA));
    assert_eq!(h["min_schema"], json!(MIN_SCHEMA));
    assert_eq!((SCHEMA, MIN_SCHEMA), (3, 3), "docs/protocol.md describes schema 3");
    let mut keys: Vec<&str> = h.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["hostname", "min_schema", "schema", "server_id", "type", "version"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_readable_or_callable_before_auth() {
    let srv = start(settings()).await;
    seed(&srv.hub, "ses_secret0001", "TOP-SECRET-TITLE", "per_secret0001");
    let attempts = [
        json!({"type": "subscribe", "id": 1}),
        json!({"type": "list_sessions", "id": 2}),
        json!({"type": "reply_permission", "id": 3, "permission_id": "per_secret0001",
               "reply": "once"}),
        json!({"type": "get_messages", "id": 4, "session_id": "ses_secret0001"}),
        json!({"type": "abort_session", "id": 5, "session_id": "ses_secret0001"}),
    ];
    for frame in attempts {
        let (mut ws, _) = hello(srv.addr).await;
        send(&mut ws, frame.clone()).await;
        let (code, texts) = expect_close(&mut ws).await;
        assert_eq!(code, Some(4001), "{frame}: close code");
        assert_eq!(texts.len(), 1, "{frame}: exactly one frame before close: {texts:?}");
        let v: Value = serde_json::from_str(&texts[0]).unwrap();
        assert_eq!(
            v,
            json!({"type": "auth_failed", "reason": "auth_required", "retry_after": null}),
            "{frame}"
        );
        for t in &texts {
            assert!(!t.contains("secret") && !t.contains("SECRET"), "leak: {t}");
        }
    }
    // A broken auth frame or a binary frame is a bad request, still closed with 4001.
    for bad in [
        Message::text("{not json"),
        Message::text(r#"{"type":"auth"}"#),
        Message::binary(vec![1u8, 2, 3]),
    ] {
        let (mut ws, _) = hello(srv.addr).await;
        ws.send(bad).await.expect("send");
        let (code, texts) = expect_close(&mut ws).await;
        assert_eq!(code, Some(4001));
        assert_eq!(texts, [r#"{"type":"auth_failed","reason":"bad_request","retry_after":null}"#]);
    }
    assert_eq!(srv.hub.subscribers(), 0, "no unauthenticated subscription");
    // Nothing was sent to OpenCode on behalf of the unauthenticated clients.
    assert!(srv.hub.permission("per_secret0001").is_some(), "permission still pending");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_token_fails_with_4001() {
    let srv = start(settings()).await;
    let almost = &TOKEN[..TOKEN.len() - 1];
    for token in [json!("nope"), json!(""), json!(almost), json!(format!("{TOKEN}x"))] {
        let (mut ws, _) = hello(srv.addr).await;
        send(&mut ws, json!({"type": "auth", "token": token})).await;
        let (code, texts) = expect_close(&mut ws).await;
        assert_eq!(
            texts,
            [r#"{"type":"auth_failed","reason":"invalid_token","retry_after":null}"#],
            "{token}"
        );
        assert_eq!(code, Some(4001), "{token}");
    }
    // The right token still works afterwards (well below the rate limit).
    let mut ws = authed(srv.addr).await;
    assert_usable(&mut ws, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotated_credentials_close_old_clients_and_refuse_the_old_token() {
    let settings = settings();
    let credentials = settings.credentials.clone();
    let srv = start(settings).await;
    let mut before = authed(srv.addr).await;
    assert_usable(&mut before, 1).await;
    // A connection that said hello but had not authenticated when the token changed.
    let (mut waiting, _) = hello(srv.addr).await;

    let new_token = "rotated-token-abcdefghijklmnopqrstuvwxyz0123456789";
    credentials.rotate(new_token.into(), None);
    let (code, _) = tokio::time::timeout(WAIT, expect_close(&mut before)).await.expect("closed");
    assert_eq!(code, Some(4004), "a client of the old token is closed as rotated");

    send(&mut waiting, json!({"type": "auth", "token": TOKEN})).await;
    let (code, texts) = expect_close(&mut waiting).await;
    assert_eq!(code, Some(4001), "the old token is refused: {texts:?}");
    let (mut after, _) = hello(srv.addr).await;
    send(&mut after, json!({"type": "auth", "token": new_token})).await;
    assert_eq!(recv(&mut after).await, json!({"type": "auth_ok"}));
    assert_usable(&mut after, 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_timeout_closes_with_4002() {
    let srv = start(Settings { auth_timeout: Duration::from_millis(500), ..settings() }).await;
    let started = Instant::now();
    let (mut ws, _) = hello(srv.addr).await;
    let (code, texts) = expect_close(&mut ws).await;
    let waited = started.elapsed();
    assert_eq!(code, Some(4002));
    assert!(texts.is_empty(), "no frame before the close: {texts:?}");
    assert!(waited >= Duration::from_millis(450), "closed too early: {waited:?}");
    // Pings do not count as authentication: a pinging client is closed as well.
    let (mut ws, _) = hello(srv.addr).await;
    ws.send(Message::Ping(vec![1u8].into())).await.expect("ping");
    assert_eq!(expect_close(&mut ws).await.0, Some(4002));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_auth_is_rate_limited_per_peer() {
    let srv = start(Settings { auth_failures_per_minute: 5, ..settings() }).await;
    for i in 0..5 {
        let (mut ws, _) = hello(srv.addr).await;
        send(&mut ws, json!({"type": "auth", "token": format!("wrong-{i}")})).await;
        let (code, texts) = expect_close(&mut ws).await;
        assert_eq!(
            texts,
            [r#"{"type":"auth_failed","reason":"invalid_token","retry_after":null}"#],
            "attempt {i}"
        );
        assert_eq!(code, Some(4001));
    }
    // The sixth attempt is refused without looking at the (right) token.
    let (mut ws, _) = hello(srv.addr).await;
    send(&mut ws, json!({"type": "auth", "token": TOKEN})).await;
    let (code, texts) = expect_close(&mut ws).await;
    assert_eq!(texts.len(), 1, "{texts:?}");
    let failed: Value = serde_json::from_str(&texts[0]).expect("JSON");
    assert_eq!(failed["reason"], "rate_limited", "{failed}");
    let retry = failed["retry_after"].as_u64().expect("retry_after for rate_limited");
    assert!((1..=60).contains(&retry), "retry_after {retry}");
    assert_eq!(code, Some(4001));
    // Per peer address: another loopback address is not affected (Linux routes 127/8).
    let other = TcpSocket::new_v4().expect("socket");
    if other.bind("127.0.0.2:0".parse().unwrap()).is_ok() {
        let stream = other.connect(srv.addr).await.expect("connect from 127.0.0.2");
        let mut ws = ws_over(stream, srv.addr).await;
        assert_eq!(recv(&mut ws).await["type"], "hello");
        send(&mut ws, json!({"type": "auth", "token": TOKEN})).await;
        assert_eq!(recv(&mut ws).await, json!({"type": "auth_ok"}));
    } else {
        eprintln!("127.0.0.2 not bindable here; per-address part skipped");
    }
}

// ---------------------------------------------------------------------------------------
// Malformed frames and command errors
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_frames_get_bad_request_and_connection_stays_usable() {
    let srv = start(settings()).await;
    let mut ws = authed(srv.addr).await;
    let garbage = [
        Message::text("this is not json"),
        Message::text("[1, 2, 3]"),
        Message::text(r#"{"id": "no-type"}"#),
        Message::text(r#"{"type": 5, "id": 8}"#),
        Message::text("\"string\""),
        Message::text(""),
        Message::binary(b"{\"type\":\"list_sessions\",\"id\":1}".to_vec()),
    ];
    let expected_ids = [
        json!(null),
        json!(null),
        json!("no-type"),
        json!(8),
        json!(null),
        json!(null),
        json!(null),
    ];
    for (i, (frame, id)) in garbage.into_iter().zip(expected_ids).enumerate() {
        let shown = format!("{frame:?}");
        ws.send(frame).await.expect("send");
        let r = recv(&mut ws).await;
        assert_eq!(r["type"], "result", "{shown}: {r}");
        assert_eq!(r["id"], id, "{shown}: {r}");
        assert_eq!(error_code(&r), "bad_request", "{shown}");
        assert!(r["error"]["message"].is_string(), "{r}");
        assert_usable(&mut ws, 100 + i as u64).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversize_frame_gets_too_large_and_connection_stays_usable() {
    let srv = start(settings()).await;
    let mut ws = authed(srv.addr).await;
    // A valid command padded past 1 MiB, and plain junk of 3 MiB.
    let padded = json!({"type": "list_sessions", "id": 1, "pad": "x".repeat(1024 * 1024 + 10)});
    for text in [padded.to_string(), "y".repeat(3 * 1024 * 1024)] {
        ws.send(Message::text(text)).await.expect("send big frame");
        let r = recv(&mut ws).await;
        assert_eq!(error_code(&r), "too_large", "{}", r);
        assert_eq!(r["id"], Value::Null);
        assert_usable(&mut ws, 2).await;
    }
    // Exactly 1 MiB is still accepted.
    let base = json!({"type": "list_sessions", "id": 3, "pad": ""}).to_string();
    let exact =
        json!({"type": "list_sessions", "id": 3, "pad": "z".repeat(1024 * 1024 - base.len())});
    assert_eq!(exact.to_string().len(), 1024 * 1024);
    let r = cmd(&mut ws, exact).await;
    assert_eq!(r["ok"], true, "a 1 MiB frame is allowed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frame_over_hard_limit_closes_the_connection() {
    let srv = start(settings()).await;
    let ws = authed(srv.addr).await;
    let (mut sink, mut stream) = ws.split();
    // The server stops reading after the frame header, so the write may never finish.
    let writer = tokio::spawn(async move {
        let _ = sink.send(Message::text("w".repeat(17 * 1024 * 1024))).await;
        sink
    });
    let mut code = None;
    let end = tokio::time::timeout(WAIT, async {
        while let Some(m) = stream.next().await {
            match m {
                Ok(Message::Close(f)) => code = f.map(|f| u16::from(f.code)),
                Ok(_) => continue,
                Err(_) => {}
            }
            break;
        }
    })
    .await;
    assert!(end.is_ok(), "connection not ended after a 17 MiB frame");
    // The close frame may be lost to a reset since the server does not drain the frame.
    assert!(matches!(code, None | Some(1009)), "close code {code:?}");
    writer.abort();
    // The server is unaffected.
    let mut ws = authed(srv.addr).await;
    assert_usable(&mut ws, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_command_echoes_id() {
    let srv = start(settings()).await;
    let mut ws = authed(srv.addr).await;
    let r = cmd(&mut ws, json!({"type": "frobnicate", "id": "abc-1", "x": 1})).await;
    assert_eq!(error_code(&r), "unknown_command");
    assert_eq!(r["id"], "abc-1");
    let r = cmd(&mut ws, json!({"type": "list_sessions_v2", "id": 77})).await;
    assert_eq!(error_code(&r), "unknown_command");
    assert_usable(&mut ws, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_or_mistyped_fields_are_bad_requests() {
    let srv = start(settings()).await;
    seed(&srv.hub, "ses_a", "A", "per_a");
    let mut ws = authed(srv.addr).await;
    let cases = [
        json!({"type": "abort_session", "id": 1}),
        json!({"type": "abort_session", "id": 2, "session_id": 5}),
        json!({"type": "reply_permission", "id": 3, "reply": "once"}),
        json!({"type": "reply_permission", "id": 4, "permission_id": "per_a"}),
        json!({"type": "reply_permission", "id": 5, "permission_id": "per_a", "reply": "maybe"}),
        json!({"type": "reply_question", "id": 6}),
        json!({"type": "reply_question", "id": 7, "question_id": "que_x", "answers": "Yes"}),
        json!({"type": "send_prompt", "id": 8, "session_id": "ses_a"}),
        json!({"type": "send_prompt", "id": 9, "session_id": "ses_a", "text": "   "}),
        json!({"type": "get_messages", "id": 10}),
        json!({"type": "get_messages", "id": 11, "session_id": "ses_a", "limit": "many"}),
        json!({"type": "auth", "id": 12}),
    ];
    for c in cases {
        let r = cmd(&mut ws, c.clone()).await;
        assert_eq!(error_code(&r), "bad_request", "{c}: {r}");
    }
    // Nothing was answered on the user's behalf.
    assert!(srv.hub.permission("per_a").is_some());
    assert_usable(&mut ws, 100).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_permission_question_or_session_is_not_found() {
    let srv = start(settings()).await;
    seed(&srv.hub, "ses_a", "A", "per_a");
    srv.hub.apply(session_created("ses_b", "B"));
    let mut ws = authed(srv.addr).await;
    let cases = [
        json!({"type": "reply_permission", "id": 1, "permission_id": "per_nope", "reply": "once"}),
        json!({"type": "reply_permission", "id": 2, "session_id": "ses_a",
               "permission_id": "per_nope", "reply": "reject", "message": "no"}),
        // per_a exists but does not belong to ses_b (nor to an ancestor of it).
        json!({"type": "reply_permission", "id": 3, "session_id": "ses_b",
               "permission_id": "per_a", "reply": "once"}),
        json!({"type": "reply_question", "id": 4, "question_id": "que_nope", "answers": [["Yes"]]}),
        json!({"type": "reply_question", "id": 5, "question_id": "que_nope", "reject": true}),
        json!({"type": "abort_session", "id": 6, "session_id": "ses_nope"}),
        json!({"type": "send_prompt", "id": 7, "session_id": "ses_nope", "text": "hi"}),
        json!({"type": "get_messages", "id": 8, "session_id": "ses_nope", "limit": 5}),
    ];
    for c in cases {
        let r = cmd(&mut ws, c.clone()).await;
        assert_eq!(error_code(&r), "not_found", "{c}: {r}");
        assert_eq!(r["id"], c["id"]);
    }
    assert!(srv.hub.permission("per_a").is_some());
}

/// A fake OpenCode behind the hub's `Api` channel; records calls, answers 200 `true`.
fn fake_opencode(hub: &Hub, instance_id: &str) -> Arc<Mutex<Vec<(String, String, Value)>>> {
    let (api, mut rx) = Api::channel(Line::V1);
    hub.set_api(instance_id, Some(api));
    let calls = Arc::new(Mutex::new(Vec::new()));
    let seen = calls.clone();
    tokio::spawn(async move {
        while let Some(call) = rx.recv().await {
            let body = call.body.clone().unwrap_or(Value::Null);
            seen.lock().unwrap().push((call.method.to_owned(), call.path.clone(), body));
            let _ = call.reply.send(Ok(Response { status: 200, body: json!(true) }));
        }
    });
    calls
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permission_of_disconnected_instance_is_unavailable() {
    let srv = start(settings()).await;
    seed(&srv.hub, "ses_a", "A", "per_1");
    let calls = fake_opencode(&srv.hub, INST);
    let mut ws = authed(srv.addr).await;
    assert_eq!(cmd(&mut ws, json!({"type": "subscribe", "id": 0})).await["ok"], true);
    // Connected: the reply reaches OpenCode and succeeds.
    let r = cmd(
        &mut ws,
        json!({"type": "reply_permission", "id": 1, "session_id": "ses_a",
        "permission_id": "per_1", "reply": "reject", "message": "not now"}),
    )
    .await;
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(
        calls.lock().unwrap().clone(),
        [(
            "POST".to_owned(),
            "/permission/per_1/reply".to_owned(),
            json!({"reply": "reject", "message": "not now"})
        )]
    );
    // OpenCode then reports the reply; it is attributed to the API.
    srv.hub.apply(ev(json!({"type": "permission.replied", "properties": {
        "sessionID": "ses_a", "requestID": "per_1", "reply": "reject"}})));
    let resolved = loop {
        let f = recv(&mut ws).await;
        if f["event"] == "permission_resolved" {
            break f;
        }
    };
    assert_eq!(
        (resolved["permission_id"].as_str(), resolved["by"].as_str(), resolved["reply"].as_str()),
        (Some("per_1"), Some("api"), Some("reject"))
    );
    // The instance goes away with a second permission pending.
    srv.hub.apply(permission_asked("per_2", "ses_a"));
    srv.hub.apply(Input::Disconnected { instance_id: INST.into() });
    let cases = [
        json!({"type": "reply_permission", "id": 2, "permission_id": "per_2", "reply": "once"}),
        json!({"type": "abort_session", "id": 3, "session_id": "ses_a"}),
        json!({"type": "send_prompt", "id": 4, "session_id": "ses_a", "text": "go on"}),
        json!({"type": "get_messages", "id": 5, "session_id": "ses_a"}),
    ];
    for c in cases {
        let r = cmd(&mut ws, c.clone()).await;
        assert_eq!(error_code(&r), "unavailable", "{c}: {r}");
    }
    assert_eq!(calls.lock().unwrap().len(), 1, "nothing sent to a disconnected instance");
    let snap = cmd(&mut ws, json!({"type": "list_sessions", "id": 6})).await;
    let s = &snap["result"]["sessions"][0];
    assert_eq!((s["id"].as_str(), s["available"].as_bool()), (Some("ses_a"), Some(false)));
    assert_eq!(s["pending_permissions"][0]["id"], "per_2", "kept with its last known values");
}

// ---------------------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn third_client_over_max_clients_is_refused_with_1013() {
    let srv = start(Settings { max_clients: 2, ..settings() }).await;
    let refused =
        json!({"type": "error", "code": "too_many_clients", "message": "too many clients"});
    let mut first = authed(srv.addr).await;
    // An unauthenticated connection holds no client slot...
    let (mut waiting, _) = hello(srv.addr).await;
    let _second = authed(srv.addr).await;
    // ... so once two clients are in, a third is refused at once,
    let mut third = connect(srv.addr).await;
    assert_eq!(recv(&mut third).await, refused);
    let (code, texts) = expect_close(&mut third).await;
    assert_eq!((code, texts.len()), (Some(1013), 0));
    // and the one that was waiting is refused when it authenticates.
    send(&mut waiting, json!({"type": "auth", "token": TOKEN})).await;
    assert_eq!(recv(&mut waiting).await, refused);
    assert_eq!(expect_close(&mut waiting).await.0, Some(1013));
    // A slot frees up when a client leaves.
    first.close(None).await.expect("close");
    let _ = expect_close(&mut first).await;
    let deadline = Instant::now() + WAIT;
    loop {
        let mut ws = connect(srv.addr).await;
        if recv(&mut ws).await["type"] == "hello" {
            break;
        }
        assert!(Instant::now() < deadline, "slot never freed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One `session_changed` per input, every other one big (~1.7 KB, so socket buffers fill
/// quickly): a permission with long patterns, then idle, which expires it.
fn toggle(i: usize) -> Input {
    if i % 2 == 1 {
        return status("ses_flood", "idle");
    }
    let patterns: Vec<String> = (0..8).map(|p| format!("{p}{}", "x".repeat(190))).collect();
    ev(json!({"type": "permission.asked", "properties": {"id": "per_flood",
        "sessionID": "ses_flood", "permission": "bash", "patterns": patterns, "always": []}}))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_consumer_is_dropped_while_others_keep_up() {
    let srv = start(settings()).await;
    let hub = srv.hub.clone();
    hub.apply(Input::Connected(instance(INST)));
    hub.apply(session_created("ses_flood", "Flood"));

    // The slow client subscribes with a small receive buffer, then never reads.
    let sock = TcpSocket::new_v4().expect("socket");
    sock.set_recv_buffer_size(4096).expect("rcvbuf");
    let mut slow = ws_over(sock.connect(srv.addr).await.expect("connect"), srv.addr).await;
    assert_eq!(recv(&mut slow).await["type"], "hello");
    send(&mut slow, json!({"type": "auth", "token": TOKEN})).await;
    assert_eq!(recv(&mut slow).await["type"], "auth_ok");
    assert_eq!(cmd(&mut slow, json!({"type": "subscribe", "id": 1})).await["ok"], true);

    // The fast client reads everything in its own task.
    let mut fast = authed(srv.addr).await;
    assert_eq!(cmd(&mut fast, json!({"type": "subscribe", "id": 1})).await["ok"], true);
    let received = Arc::new(AtomicUsize::new(0));
    let got = received.clone();
    let reader = tokio::spawn(async move {
        let mut states = Vec::new();
        loop {
            let f = recv(&mut fast).await;
            match f["event"].as_str() {
                Some("session_changed") => {
                    states.push(f["fields"]["state"].as_str().unwrap_or("?").to_owned());
                    got.fetch_add(1, Ordering::Release);
                }
                Some("run_started" | "run_finished" | "permission_requested")
                | Some("permission_resolved") => {}
                Some("question_asked") => return (fast, states),
                _ => panic!("unexpected frame {f}"),
            }
        }
    });
    assert_eq!(hub.subscribers(), 2);

    // Flood from a plain thread (hub.apply is synchronous), paced only so the fast reader
    // stays within its 1024-frame queue; only the apply calls themselves are timed.
    let flood_hub = hub.clone();
    let got = received.clone();
    let flood = tokio::task::spawn_blocking(move || {
        let mut took: Vec<Duration> = Vec::new();
        let inputs = [toggle(0), toggle(1)];
        while took.len() < 2_000 || (flood_hub.subscribers() > 1 && took.len() < 100_000) {
            for _ in 0..200 {
                let input = inputs[took.len() % 2].clone();
                let t = Instant::now();
                flood_hub.apply(input);
                took.push(t.elapsed());
            }
            let (sent, deadline) = (took.len(), Instant::now() + WAIT * 3);
            while got.load(Ordering::Acquire) < sent {
                let at = got.load(Ordering::Acquire);
                assert!(Instant::now() < deadline, "fast reader stalled at {at}/{sent}");
                std::thread::sleep(Duration::from_micros(200));
            }
        }
        took
    });
    let mut took =
        tokio::time::timeout(Duration::from_secs(90), flood).await.expect("flood blocked").unwrap();
    let sent = took.len();
    let total: Duration = took.iter().sum();
    took.sort_unstable();
    let (median, slowest) = (took[sent / 2], took[sent - 1]);
    // Speed is `scripts/bench`'s business (timed asserts flake on a loaded machine); this
    // test proves the property: a client that stopped reading never blocks `hub.apply`
    // (a blocked apply would hang the flood above, not slow it).
    eprintln!(
        "flood: {sent} inputs, {total:?} in hub.apply; median apply {median:?}, slowest {slowest:?}"
    );
    assert_eq!(hub.subscribers(), 1, "the slow client was dropped from the hub");

    // The fast client got every update, in order.
    hub.apply(ev(json!({"type": "question.asked", "properties": {"id": "que_end",
        "sessionID": "ses_flood", "questions": []}})));
    let (mut fast, states) =
        tokio::time::timeout(Duration::from_secs(60), reader).await.expect("reader").unwrap();
    let updates = states.len() - 1; // the last update belongs to per_end
    assert_eq!(updates, sent, "fast client missed updates");
    for (i, s) in states[..sent].iter().enumerate() {
        let want = if i % 2 == 0 { "waiting_permission" } else { "idle" };
        assert_eq!(s, want, "update {i} out of order");
    }
    assert_usable(&mut fast, 9).await;

    // The slow client, once it reads again, finds its connection closed with 4003.
    let (code, texts) = tokio::time::timeout(Duration::from_secs(60), expect_close(&mut slow))
        .await
        .expect("slow client drained");
    assert_eq!(code, Some(4003), "slow consumer close code");
    let updates = texts.iter().filter(|t| t.contains(r#""event":"session_changed""#)).count();
    assert!(updates < sent, "the slow client cannot have received everything");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_that_stops_reading_entirely_releases_its_slot() {
    // A peer that never reads again (half-open, or hung) while the server has frames for it:
    // the write blocks, so only a bound on writes lets the server notice.
    let idle = Duration::from_millis(1500);
    let srv = start(Settings {
        max_clients: 1,
        ping_interval: Duration::from_millis(250),
        idle_timeout: idle,
        ..settings()
    })
    .await;
    let hub = srv.hub.clone();
    hub.apply(Input::Connected(instance(INST)));
    hub.apply(session_created("ses_flood", &"t".repeat(1500)));
    let sock = TcpSocket::new_v4().expect("socket");
    sock.set_recv_buffer_size(4096).expect("rcvbuf");
    let mut stuck = ws_over(sock.connect(srv.addr).await.expect("connect"), srv.addr).await;
    assert_eq!(recv(&mut stuck).await["type"], "hello");
    send(&mut stuck, json!({"type": "auth", "token": TOKEN})).await;
    assert_eq!(recv(&mut stuck).await["type"], "auth_ok");
    assert_eq!(cmd(&mut stuck, json!({"type": "subscribe", "id": 1})).await["ok"], true);
    let mut sent = 0;
    while hub.subscribers() > 0 && sent < 100_000 {
        hub.apply(toggle(sent));
        sent += 1;
        if sent % 500 == 0 {
            tokio::task::yield_now().await;
        }
    }
    assert_eq!(hub.subscribers(), 0, "stuck client never dropped from the hub");
    let flooded = Instant::now();
    // The only slot is released once the server gives up on the stuck connection.
    loop {
        let mut ws = connect(srv.addr).await;
        if recv(&mut ws).await["type"] == "hello" {
            break;
        }
        assert!(flooded.elapsed() < idle * 2 + WAIT, "stuck connection still holds its slot");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(stuck);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_client_is_closed_after_idle_timeout() {
    let (ping, idle) = (Duration::from_millis(200), Duration::from_millis(1000));
    let srv = start(Settings { ping_interval: ping, idle_timeout: idle, ..settings() }).await;
    seed(&srv.hub, "ses_a", "A", "per_a");

    // A well-behaved client keeps reading (so tungstenite answers the pings) and survives.
    let mut good = authed(srv.addr).await;
    assert_eq!(cmd(&mut good, json!({"type": "subscribe", "id": 1})).await["ok"], true);
    let good_task = tokio::spawn(async move {
        let until = tokio::time::Instant::now() + idle * 3;
        let mut pings = 0;
        while let Ok(m) = tokio::time::timeout_at(until, good.next()).await {
            match m {
                Some(Ok(Message::Ping(_))) => pings += 1,
                Some(Ok(Message::Close(f))) => panic!("healthy client closed: {f:?}"),
                Some(Ok(_)) => {}
                other => panic!("healthy client lost: {other:?}"),
            }
        }
        (good, pings)
    });

    // A raw client authenticates, subscribes, and then never answers a ping.
    let mut raw = RawWs::connect(srv.addr).await;
    assert_eq!(raw.recv_json().await["type"], "hello");
    raw.send_text(&json!({"type": "auth", "token": TOKEN}).to_string()).await;
    assert_eq!(raw.recv_json().await["type"], "auth_ok");
    let last_sent = Instant::now();
    raw.send_text(&json!({"type": "subscribe", "id": 1}).to_string()).await;
    assert_eq!(raw.recv_json().await["ok"], true);
    let (mut pings, mut close) = (0, None);
    while let Ok(Some((op, payload))) = tokio::time::timeout(idle + WAIT, raw.read_frame()).await {
        match op {
            0x9 => pings += 1,
            0x8 => {
                close = Some((
                    payload.get(..2).map(|c| u16::from_be_bytes([c[0], c[1]])),
                    last_sent.elapsed(),
                ));
                break;
            }
            _ => {}
        }
    }
    let (code, after) = close.expect("silent client closed");
    assert_eq!(code, Some(1001));
    assert!(pings >= 2, "server pinged the silent client ({pings} pings)");
    assert!(after >= idle, "closed before idle_timeout: {after:?}");
    assert!(after < idle + ping + WAIT, "closed too late: {after:?}");
    let eof = tokio::time::timeout(WAIT, raw.read_frame()).await.expect("server hangs up");
    assert!(eof.is_none(), "connection ends after the close frame");

    let (mut good, good_pings) = good_task.await.expect("healthy client task");
    assert!(good_pings >= 2, "healthy client saw pings ({good_pings})");
    assert_usable(&mut good, 2).await;
}

// ---------------------------------------------------------------------------------------
// Coalescing
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streaming_is_coalesced_and_state_changes_are_immediate() {
    let srv = start(settings()).await;
    let hub = srv.hub.clone();
    tokio::spawn(hub.clone().run_flusher(Duration::from_millis(250)));
    hub.apply(Input::Connected(instance(INST)));
    hub.apply(session_created("ses_c", "Streaming"));
    hub.apply(status("ses_c", "busy"));
    let mut ws = authed(srv.addr).await;
    let snap = cmd(&mut ws, json!({"type": "subscribe", "id": 1})).await;
    assert_eq!(snap["result"]["sessions"][0]["state"], "working");

    let (tx, mut rx) = mpsc::unbounded_channel::<(Instant, Value)>();
    let closed = Arc::new(AtomicBool::new(false));
    let closed2 = closed.clone();
    tokio::spawn(async move {
        while let Some(Ok(m)) = ws.next().await {
            if let Message::Text(t) = m {
                let _ = tx.send((Instant::now(), serde_json::from_str(&t).unwrap()));
            }
        }
        closed2.store(true, Ordering::Release);
    });

    // 500 streaming events over about a second.
    let started = Instant::now();
    for i in 0..500u64 {
        hub.apply(if i % 10 == 9 { assistant_message("ses_c", i) } else { part_delta("ses_c") });
        if i % 10 == 9 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let streamed = started.elapsed();
    tokio::time::sleep(Duration::from_millis(700)).await; // the last flush
    let mut updates = Vec::new();
    let mut usage = 0;
    while let Ok((_, f)) = rx.try_recv() {
        if f["event"] == "usage_updated" {
            usage += 1;
            continue;
        }
        assert_eq!(f["event"], "session_changed", "only coalesced deltas expected: {f}");
        updates.push(f);
    }
    assert!((1..=updates.len()).contains(&usage), "usage_updated coalesced like counters");
    let bound = streamed.as_millis() as usize / 250 + 2;
    eprintln!("{} session_changed for 500 events over {streamed:?}", updates.len());
    assert!(updates.len() >= 2, "streaming produced no updates");
    assert!(updates.len() <= bound.max(6), "{} updates over {streamed:?}", updates.len());
    // Deltas: only what changed, never the state that did not.
    for u in &updates {
        let fields = u["fields"].as_object().expect("fields");
        assert!(!fields.contains_key("state") && !fields.contains_key("id"), "{u}");
        assert!(!fields.contains_key("hostname") && !fields.contains_key("title"), "{u}");
    }
    assert_eq!(updates.last().unwrap()["fields"]["tokens_output"], 499, "latest values");

    // Pending coalesced values (counters, a plan), then a permission: all go out at once,
    // update first.
    hub.apply(assistant_message("ses_c", 1000));
    hub.apply(ev(json!({"type": "todo.updated", "properties": {"sessionID": "ses_c",
        "todos": [{"content": "Fix", "status": "pending", "priority": "high"}]}})));
    let t = Instant::now();
    hub.apply(permission_asked("per_c", "ses_c"));
    let (at, first) = tokio::time::timeout(WAIT, rx.recv()).await.unwrap().unwrap();
    let (_, second) = tokio::time::timeout(WAIT, rx.recv()).await.unwrap().unwrap();
    let latency = at - t;
    assert_eq!(first["event"], "session_changed", "{first}");
    assert_eq!(first["fields"]["state"], "waiting_permission");
    assert_eq!(first["fields"]["pending_permissions"][0]["id"], "per_c");
    assert_eq!(first["fields"]["tokens_output"], 1000, "pending coalesced values flushed");
    assert_eq!(first["fields"]["todo_total"], 1, "a plan change is not urgent: {first}");
    assert_eq!(second["event"], "permission_requested", "{second}");
    assert_eq!(second["permission_id"], "per_c");
    assert!(second.get("permission").is_none(), "thin event: {second}");
    assert_eq!(second["root_session_id"], "ses_c");
    // Nothing is left for the flusher: no duplicate update follows.
    tokio::time::sleep(Duration::from_millis(600)).await;
    while let Ok((_, f)) = rx.try_recv() {
        assert_eq!(f["event"], "usage_updated", "no coalesced update after an urgent one: {f}");
    }

    // busy → idle: at once, update first, then the expired permission.
    let t = Instant::now();
    hub.apply(status("ses_c", "idle"));
    let (at, first) = tokio::time::timeout(WAIT, rx.recv()).await.unwrap().unwrap();
    let (_, second) = tokio::time::timeout(WAIT, rx.recv()).await.unwrap().unwrap();
    let latency2 = at - t;
    assert_eq!(first["event"], "session_changed");
    assert_eq!(first["fields"]["state"], "idle");
    assert_eq!(first["fields"]["pending_permissions"], json!([]));
    assert_eq!(second["event"], "permission_resolved");
    assert_eq!(
        (second["permission_id"].as_str(), second["by"].as_str()),
        (Some("per_c"), Some("expired"))
    );
    // The run (busy since before the subscribe) ends with the state that ends it.
    let (_, third) = tokio::time::timeout(WAIT, rx.recv()).await.unwrap().unwrap();
    assert_eq!(
        (third["event"].as_str(), third["outcome"].as_str()),
        (Some("run_finished"), Some("completed")),
        "{third}"
    );
    eprintln!("urgent delivery latency: {latency:?}, {latency2:?}");
    // ~1 ms when idle; the bound stays below the 250 ms coalescing interval.
    for l in [latency, latency2] {
        assert!(l < Duration::from_millis(200), "urgent change took {l:?}");
    }
    assert!(!closed.load(Ordering::Acquire));
}

// ---------------------------------------------------------------------------------------
// One fact once: thin events after the snapshot that holds the details
// ---------------------------------------------------------------------------------------

/// Reads frames until one for which `done` holds; returns the frames before it and it.
async fn frames_until_match(ws: &mut Ws, done: impl Fn(&Value) -> bool) -> (Vec<Value>, Value) {
    let mut before = Vec::new();
    loop {
        let f = recv(ws).await;
        if done(&f) {
            return (before, f);
        }
        before.push(f);
    }
}

/// Reads frames until the event `name`; returns the frames before it and the event.
async fn frames_until(ws: &mut Ws, name: &str) -> (Vec<Value>, Value) {
    frames_until_match(ws, |f| f["event"] == name).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thin_events_follow_the_session_update_that_holds_the_details() {
    let srv = start(settings()).await;
    let hub = srv.hub.clone();
    hub.apply(Input::Connected(instance(INST)));
    hub.apply(session_created("ses_root", "Root"));
    hub.apply(ev(json!({"type": "session.created", "properties": {"info": {
        "id": "ses_kid", "parentID": "ses_root", "title": "Sub-agent", "directory": "/home/me/proj",
        "time": {"created": 1_795_324_757_056_i64, "updated": 1_795_324_757_056_i64}}}})));
    hub.apply(status("ses_kid", "busy"));
    let mut ws = authed(srv.addr).await;
    assert_eq!(cmd(&mut ws, json!({"type": "subscribe", "id": 1})).await["ok"], true);

    // A sub-agent's permission: the root's update carries it before the thin event.
    hub.apply(permission_asked("per_kid", "ses_kid"));
    let (before, event) = frames_until(&mut ws, "permission_requested").await;
    assert_eq!(
        event,
        json!({"type": "event", "event": "permission_requested", "session_id": "ses_kid",
               "root_session_id": "ses_root", "permission_id": "per_kid"})
    );
    let root_update = before.iter().find(|f| {
        f["event"] == "session_changed"
            && f["session_id"] == "ses_root"
            && f["fields"]["pending_permissions"][0]["id"] == "per_kid"
    });
    assert!(root_update.is_some(), "no root update with the permission before: {before:#?}");
    assert!(root_update.is_some_and(|f| f["fields"].get("permission").is_none()));

    // A question: the same order.
    hub.apply(ev(json!({"type": "question.asked", "properties": {"id": "que_kid",
        "sessionID": "ses_kid", "questions": [{"question": "Which?", "header": "Pick",
        "multiple": false, "options": [{"label": "A", "description": ""}]}]}})));
    let (before, event) = frames_until(&mut ws, "question_asked").await;
    assert_eq!(
        event,
        json!({"type": "event", "event": "question_asked", "session_id": "ses_kid",
               "root_session_id": "ses_root", "question_id": "que_kid"})
    );
    assert!(
        before
            .iter()
            .any(|f| f["session_id"] == "ses_root" && f["fields"]["question"]["id"] == "que_kid"),
        "no root update with the question before: {before:#?}"
    );
}

// ---------------------------------------------------------------------------------------
// Attribution: `by: api` only after OpenCode accepted the reply
// ---------------------------------------------------------------------------------------

/// A fake OpenCode whose answers the test gives, one call at a time.
fn manual_opencode(
    hub: &Hub,
    instance_id: &str,
) -> mpsc::UnboundedReceiver<opencode_lookout::opencode::api::Call> {
    let (api, mut rx) = Api::channel(Line::V1);
    hub.set_api(instance_id, Some(api));
    let (tx, calls) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(call) = rx.recv().await {
            if tx.send(call).is_err() {
                break;
            }
        }
    });
    calls
}

fn replied(pid: &str, reply: &str) -> Input {
    ev(json!({"type": "permission.replied", "properties": {
        "sessionID": "ses_a", "requestID": pid, "reply": reply}}))
}

async fn resolved_event(ws: &mut Ws) -> Value {
    frames_until(ws, "permission_resolved").await.1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_api_reply_is_not_attributed_to_the_api() {
    let srv = start(settings()).await;
    seed(&srv.hub, "ses_a", "A", "per_1");
    let mut calls = manual_opencode(&srv.hub, INST);
    let mut ws = authed(srv.addr).await;
    assert_eq!(cmd(&mut ws, json!({"type": "subscribe", "id": 0})).await["ok"], true);

    // OpenCode refuses the API's reply (500)...
    send(
        &mut ws,
        json!({"type": "reply_permission", "id": 1, "permission_id": "per_1",
                         "reply": "always"}),
    )
    .await;
    let call = tokio::time::timeout(WAIT, calls.recv()).await.expect("call").expect("call");
    let _ = call.reply.send(Ok(Response { status: 500, body: json!({"message": "boom"}) }));
    let r = result_for(&mut ws, &json!(1)).await;
    assert_eq!(error_code(&r), "opencode_error", "{r}");
    // ... then the user answers in the terminal: that is OpenCode's answer, not the API's.
    srv.hub.apply(replied("per_1", "once"));
    let e = resolved_event(&mut ws).await;
    assert_eq!((e["by"].as_str(), e["reply"].as_str()), (Some("opencode"), Some("once")), "{e}");

    // OpenCode reports the reply before answering the call, and accepts it: the API's.
    srv.hub.apply(permission_asked("per_2", "ses_a"));
    send(
        &mut ws,
        json!({"type": "reply_permission", "id": 2, "permission_id": "per_2",
                         "reply": "once"}),
    )
    .await;
    let call = tokio::time::timeout(WAIT, calls.recv()).await.expect("call").expect("call");
    srv.hub.apply(replied("per_2", "once"));
    let _ = call.reply.send(Ok(Response { status: 200, body: json!(true) }));
    let e = resolved_event(&mut ws).await;
    assert_eq!((e["permission_id"].as_str(), e["by"].as_str()), (Some("per_2"), Some("api")));
    assert_eq!(result_for(&mut ws, &json!(2)).await["ok"], true);

    // Reported first, then the call fails (the terminal won the race): OpenCode's.
    srv.hub.apply(permission_asked("per_3", "ses_a"));
    send(
        &mut ws,
        json!({"type": "reply_permission", "id": 3, "permission_id": "per_3",
                         "reply": "reject"}),
    )
    .await;
    let call = tokio::time::timeout(WAIT, calls.recv()).await.expect("call").expect("call");
    srv.hub.apply(replied("per_3", "once"));
    let _ = call.reply.send(Ok(Response { status: 404, body: json!({"message": "gone"}) }));
    let e = resolved_event(&mut ws).await;
    assert_eq!((e["permission_id"].as_str(), e["by"].as_str()), (Some("per_3"), Some("opencode")));
    assert_eq!(error_code(&result_for(&mut ws, &json!(3)).await), "not_found");

    // Accepted, reported afterwards: the API's.
    srv.hub.apply(permission_asked("per_4", "ses_a"));
    send(
        &mut ws,
        json!({"type": "reply_permission", "id": 4, "permission_id": "per_4",
                         "reply": "once"}),
    )
    .await;
    let call = tokio::time::timeout(WAIT, calls.recv()).await.expect("call").expect("call");
    let _ = call.reply.send(Ok(Response { status: 200, body: json!(true) }));
    assert_eq!(result_for(&mut ws, &json!(4)).await["ok"], true);
    srv.hub.apply(replied("per_4", "once"));
    let e = resolved_event(&mut ws).await;
    assert_eq!((e["permission_id"].as_str(), e["by"].as_str()), (Some("per_4"), Some("api")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_flight_commands_per_client_are_capped() {
    let srv = start(Settings { max_in_flight: 3, ..settings() }).await;
    seed(&srv.hub, "ses_a", "A", "per_1");
    let mut calls = manual_opencode(&srv.hub, INST);
    let mut ws = authed(srv.addr).await;
    for id in 1..=3 {
        send(&mut ws, json!({"type": "get_messages", "id": id, "session_id": "ses_a"})).await;
    }
    let r = cmd(&mut ws, json!({"type": "abort_session", "id": 4, "session_id": "ses_a"})).await;
    assert_eq!(error_code(&r), "too_many_requests", "{r}");
    // Commands that need no OpenCode still work, and answered ones free their place.
    assert_usable(&mut ws, 5).await;
    let call = tokio::time::timeout(WAIT, calls.recv()).await.expect("call").expect("call");
    let _ = call.reply.send(Ok(Response { status: 200, body: json!([]) }));
    let r = recv(&mut ws).await;
    assert_eq!((r["type"].as_str(), r["ok"].as_bool()), (Some("result"), Some(true)), "{r}");
    send(&mut ws, json!({"type": "abort_session", "id": 6, "session_id": "ses_a"})).await;
    // The two unanswered reads are still queued at OpenCode; the abort follows them.
    let mut paths = Vec::new();
    for _ in 0..3 {
        let call = tokio::time::timeout(WAIT, calls.recv()).await.expect("call").expect("call");
        paths.push(call.path);
    }
    assert!(paths.iter().any(|p| p.ends_with("/abort")), "{paths:?}");
}

// ---------------------------------------------------------------------------------------
// Attacks (issue 9): TLS pinning and limits before trust
// ---------------------------------------------------------------------------------------

/// A TLS identity in a fresh temp dir.
fn identity(name: &str) -> tls::Identity {
    let dir = std::env::temp_dir().join(format!("ocl-api-tls-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    tls::rotate(&dir).expect("identity")
}

async fn start_tls(settings: Settings) -> (TestServer, String) {
    let id = identity("srv");
    let tls = Some(tls::server_config(&id).expect("server config"));
    let credentials = Credentials::new(TOKEN.into(), tls);
    (start(Settings { credentials, ..settings }).await, id.fingerprint)
}

/// Opens `count` connections from `from` that finish the handshakes and then say nothing.
async fn idle_peers(to: SocketAddr, from: &str, trust: &Trust, count: usize) -> Vec<Ws> {
    let mut held = Vec::new();
    for _ in 0..count {
        let sock = TcpSocket::new_v4().expect("socket");
        sock.bind(format!("{from}:0").parse().unwrap()).expect("bind attacker address");
        let Ok(stream) = sock.connect(to).await else { continue };
        if let Ok(Ok(ws)) = tokio::time::timeout(
            Duration::from_secs(2),
            client::open_over(stream, &to.to_string(), trust),
        )
        .await
        {
            held.push(ws);
        }
    }
    held
}

/// How many of `held` the agent still keeps open (a newer connection from the same
/// address evicts the oldest).
async fn still_open(held: &mut [Ws]) -> usize {
    let mut open = 0;
    for ws in held {
        loop {
            match tokio::time::timeout(Duration::from_millis(300), ws.next()).await {
                // Silent: open, waiting for `auth`.
                Err(_) => break open += 1,
                Ok(Some(Ok(Message::Text(_)))) => continue,
                Ok(_) => break,
            }
        }
    }
    open
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_client_sends_no_token_to_a_server_with_another_certificate() {
    let (srv, fingerprint) = start_tls(settings()).await;
    seed(&srv.hub, "ses_a", "A", "per_1");
    let pinned = Trust::Pinned(fingerprint.clone());
    // The real agent: the pinned client gets in.
    let mut c =
        client::Connection::connect(&srv.addr.to_string(), &pinned, TOKEN).await.expect("paired");
    let r = c.request(&opencode_lookout::protocol::Command::ListSessions).await.expect("list");
    assert!(
        matches!(r, opencode_lookout::protocol::CommandResult::Snapshot(s) if s.sessions.len() == 1)
    );

    // An impostor (a spoofed announcement, a man in the middle) with its own certificate
    // records everything it is sent.
    let impostor = identity("impostor");
    let acceptor = tokio_rustls::TlsAcceptor::from(tls::server_config(&impostor).unwrap());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let at = listener.local_addr().unwrap();
    let heard = Arc::new(Mutex::new(Vec::<u8>::new()));
    let h = heard.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, h) = (acceptor.clone(), h.clone());
            tokio::spawn(async move {
                let Ok(mut s) = acceptor.accept(tcp).await else { return };
                let mut buf = [0u8; 4096];
                while let Ok(n) = s.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    h.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            });
        }
    });
    let err = client::Connection::connect(&at.to_string(), &pinned, TOKEN).await.err();
    let err = err.expect("the client must refuse the impostor");
    assert!(format!("{err:#}").contains("paired certificate"), "{err:#}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let heard = heard.lock().unwrap().len();
    assert_eq!(heard, 0, "the impostor got {heard} bytes");
    // And a plaintext client never reaches the TLS agent's hello.
    assert!(client::Connection::connect(&srv.addr.to_string(), &Trust::Plaintext, TOKEN)
        .await
        .is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forty_unauthenticated_sockets_from_one_address_leave_a_slot() {
    let (srv, fp) = start_tls(Settings { max_clients: 32, ..settings() }).await;
    seed(&srv.hub, "ses_a", "A", "per_1");
    let trust = Trust::Pinned(fp);
    let mut held = idle_peers(srv.addr, "127.0.0.2", &trust, 40).await;
    let open = still_open(&mut held).await;
    assert!(open <= 4, "one address kept {open} pre-auth places");
    // Home Assistant, from its own address, authenticates and gets its snapshot.
    let mut ha = client::Connection::connect(&srv.addr.to_string(), &trust, TOKEN)
        .await
        .expect("HA gets in");
    let r = ha.request(&opencode_lookout::protocol::Command::Subscribe).await.expect("snapshot");
    assert!(
        matches!(r, opencode_lookout::protocol::CommandResult::Snapshot(s) if s.sessions[0].id == "ses_a")
    );
    drop(held);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_idle_sockets_do_not_lock_out_a_client() {
    let (srv, fp) = start_tls(settings()).await;
    seed(&srv.hub, "ses_a", "A", "per_1");
    let trust = Trust::Pinned(fp);
    let addr = srv.addr.to_string();
    let mut before = client::Connection::connect(&addr, &trust, TOKEN).await.expect("first client");
    // 1,000 sockets that connect and never speak, plus some that finish the handshakes.
    let mut idle = Vec::new();
    for _ in 0..1000 {
        let sock = TcpSocket::new_v4().expect("socket");
        sock.bind("127.0.0.3:0".parse().unwrap()).expect("bind");
        if let Ok(s) = sock.connect(srv.addr).await {
            idle.push(s);
        }
    }
    let mut held = idle_peers(srv.addr, "127.0.0.3", &trust, 20).await;
    let open = still_open(&mut held).await;
    assert!(open <= 4, "{open} idle websockets kept");
    let list = opencode_lookout::protocol::Command::ListSessions;
    assert!(before.request(&list).await.is_ok(), "the connected client is served");
    let mut after =
        client::Connection::connect(&addr, &trust, TOKEN).await.expect("a new client gets in");
    assert!(after.request(&list).await.is_ok());
    drop((idle, held));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preauth_frames_over_4_kib_are_refused() {
    let srv = start(settings()).await;
    let auth = |len: usize| {
        let base = json!({"type": "auth", "token": TOKEN, "pad": ""}).to_string().len();
        json!({"type": "auth", "token": TOKEN, "pad": "p".repeat(len - base)}).to_string()
    };
    // Exactly 4 KiB with the right token is fine.
    let (mut ws, _) = hello(srv.addr).await;
    ws.send(Message::text(auth(4096))).await.expect("send");
    assert_eq!(recv(&mut ws).await, json!({"type": "auth_ok"}));
    // One byte more is refused (1009) without looking at the token; so is a large frame.
    for len in [4097, 64 * 1024, 2 * 1024 * 1024] {
        let (mut ws, _) = hello(srv.addr).await;
        let _ = ws.send(Message::text(auth(len))).await;
        let (code, texts) = expect_close(&mut ws).await;
        assert!(texts.is_empty(), "{len}: {texts:?}");
        assert!(matches!(code, None | Some(1009)), "{len}: close code {code:?}");
    }
    let mut ws = authed(srv.addr).await;
    assert_usable(&mut ws, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshakes_with_an_origin_are_refused() {
    let srv = start(settings()).await;
    let upgrade = |origin: &str| {
        format!(
            "GET / HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{origin}\r\n",
            srv.addr
        )
    };
    for (origin, want) in
        [("Origin: https://evil.example\r\n", "HTTP/1.1 403"), ("", "HTTP/1.1 101")]
    {
        let mut s = TcpStream::connect(srv.addr).await.expect("connect");
        s.write_all(upgrade(origin).as_bytes()).await.expect("send");
        let mut head = vec![0u8; 12];
        tokio::time::timeout(WAIT, s.read_exact(&mut head)).await.expect("answer").expect("read");
        assert_eq!(String::from_utf8_lossy(&head), want, "with {origin:?}");
    }
}

/// The agent binary in a fresh config dir, its log in `agent.log` there; returns it and
/// its API address.
async fn spawn_agent(name: &str, extra: &[&str]) -> (std::process::Child, PathBuf, String) {
    let dir = std::env::temp_dir().join(format!("ocl-api-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let log = std::fs::File::create(dir.join("agent.log")).expect("log file");
    let mut agent = std::process::Command::new(env!("CARGO_BIN_EXE_opencode-lookout"))
        .args(["--config-dir", dir.to_str().unwrap(), "run", "--listen", "127.0.0.1:0"])
        .args(["--plugin-port", "0", "--no-mdns"])
        .args(extra)
        .env("RUST_LOG", "trace")
        .stdout(std::process::Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("agent starts");
    let stdout = agent.stdout.take().expect("stdout");
    let line = tokio::task::spawn_blocking(move || {
        use std::io::BufRead;
        let mut lines = std::io::BufReader::new(stdout).lines().map_while(Result::ok);
        lines.find(|l| l.contains("listening"))
    })
    .await
    .unwrap()
    .expect("listening line");
    let api = line.split_whitespace().find_map(|w| w.strip_prefix("api=")).expect("api");
    (agent, dir, api.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_frame_content_in_logs_even_at_trace() {
    // The real binary with RUST_LOG=trace: the token and a prompt must not reach its log.
    let (mut agent, dir, api) = spawn_agent("logs", &[]).await;
    let fp = tls::read_fingerprint(&dir).expect("fingerprint");
    let token = std::fs::read_to_string(dir.join("token")).expect("token").trim().to_owned();
    let mut c =
        client::Connection::connect(&api, &Trust::Pinned(fp), &token).await.expect("connect");
    let secret_prompt = "SECRET-PROMPT-TEXT-4711";
    let cmd = opencode_lookout::protocol::Command::SendPrompt {
        session_id: "ses_nope".into(),
        text: secret_prompt.into(),
        agent: None,
    };
    let _ = c.request(&cmd).await;
    c.close().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _ = agent.kill();
    let _ = agent.wait();
    let log = std::fs::read_to_string(dir.join("agent.log")).expect("log");
    assert!(log.contains("steering"), "the command is logged: {log}");
    assert!(!log.contains(&token), "the token is in the log");
    assert!(!log.contains(secret_prompt), "the prompt is in the log");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plaintext_only_when_asked_and_loudly() {
    let (mut agent, dir, api) = spawn_agent("plain", &["--insecure-plaintext"]).await;
    let token = std::fs::read_to_string(dir.join("token")).expect("token").trim().to_owned();
    let c = client::Connection::connect(&api, &Trust::Plaintext, &token).await.expect("ws://");
    c.close().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _ = agent.kill();
    let _ = agent.wait();
    let log = std::fs::read_to_string(dir.join("agent.log")).expect("log");
    let warns: Vec<&str> = log.lines().filter(|l| l.contains("WARN")).collect();
    assert!(warns.iter().any(|l| l.contains("WITHOUT TLS")), "no start warning: {log}");
    assert!(warns.iter().any(|l| l.contains("PLAINTEXT")), "no per-client warning: {log}");
    let _ = std::fs::remove_dir_all(&dir);
    // Without the flag, the same plaintext client gets nowhere.
    let (mut agent, dir, api) = spawn_agent("tls", &[]).await;
    let token = std::fs::read_to_string(dir.join("token")).expect("token").trim().to_owned();
    assert!(client::Connection::connect(&api, &Trust::Plaintext, &token).await.is_err());
    let _ = agent.kill();
    let _ = agent.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotate_switches_the_running_agent_at_once() {
    // The real binary and the real `rotate` command: a leaked pairing string is dead the
    // moment it is rotated, without restarting the agent.
    let (mut agent, dir, api) = spawn_agent("rotate", &[]).await;
    let old_fp = tls::read_fingerprint(&dir).expect("fingerprint");
    let old_token = std::fs::read_to_string(dir.join("token")).expect("token").trim().to_owned();
    let mut c = client::Connection::connect(&api, &Trust::Pinned(old_fp.clone()), &old_token)
        .await
        .expect("paired");
    let cli = |dir: &PathBuf| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_opencode-lookout"))
            .args(["--config-dir", dir.to_str().unwrap(), "rotate"])
            .output()
            .expect("rotate runs");
        assert!(out.status.success(), "rotate failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // A SIGHUP with the secrets unchanged closes nothing.
    let pid = libc::pid_t::try_from(agent.id()).expect("pid");
    // SAFETY: kill has no memory effects; the pid is our own child.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGHUP) }, 0);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let list = opencode_lookout::protocol::Command::ListSessions;
    c.request(&list).await.expect("still served after a SIGHUP that changed nothing");

    let said = cli(&dir);
    assert!(said.contains("switched"), "rotate did not reach the agent: {said}");
    let new_fp = tls::read_fingerprint(&dir).expect("new fingerprint");
    let new_token = std::fs::read_to_string(dir.join("token")).expect("token").trim().to_owned();
    assert_ne!(new_fp, old_fp);
    assert_ne!(new_token, old_token);

    // The old connection is closed; the old pairing gets nowhere, the new one gets in.
    let closed = tokio::time::timeout(WAIT, async {
        loop {
            if c.request(&list).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert!(closed.is_ok(), "the client of the old token is still served");
    let old = client::Connection::connect(&api, &Trust::Pinned(old_fp), &old_token).await;
    assert!(old.is_err(), "the old pairing string still connects");
    let stolen =
        client::Connection::connect(&api, &Trust::Pinned(new_fp.clone()), &old_token).await;
    assert!(stolen.is_err(), "the old token still authenticates");
    let mut fresh = client::Connection::connect(&api, &Trust::Pinned(new_fp), &new_token)
        .await
        .expect("the new pairing string connects");
    fresh.request(&list).await.expect("served");
    fresh.close().await;

    // With the agent gone, `rotate` signals nobody (the pid in the lock file is stale).
    let _ = agent.kill();
    let _ = agent.wait();
    let said = cli(&dir);
    assert!(said.contains("no agent is running"), "{said}");
    let log = std::fs::read_to_string(dir.join("agent.log")).expect("log");
    assert!(!log.contains(&new_token) && !log.contains(&old_token), "a token is in the log");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------------------
// Schema 3: runs, not_busy, usage, the store's messages, remembered sessions
// ---------------------------------------------------------------------------------------

/// An assistant message `mid` of session `sid` with `output` tokens (input 100, 0.001 USD
/// per 100 output tokens).
fn message(sid: &str, mid: &str, output: u64) -> Input {
    ev(json!({"type": "message.updated", "properties": {"info": {
        "id": mid, "sessionID": sid, "role": "assistant", "providerID": "fake",
        "modelID": "fake-model", "cost": output as f64 / 100_000.0,
        "tokens": {"input": 100, "output": output, "reasoning": 0,
                   "cache": {"read": 0, "write": 0}},
        "time": {"created": 1_795_324_757_100_i64}}}}))
}

fn session_error(sid: &str, name: &str) -> Input {
    ev(json!({"type": "session.error", "properties": {"sessionID": sid,
        "error": {"name": name, "data": {"message": format!("{name} happened")}}}}))
}

/// Reads frames until a `run_finished` of `sid`; returns it and the frames before it.
async fn run_finished(ws: &mut Ws, sid: &str) -> (Vec<Value>, Value) {
    frames_until_match(ws, |f| f["event"] == "run_finished" && f["session_id"] == sid).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_end_completed_error_or_aborted_and_idle_sessions_are_not_busy() {
    let srv = start(settings()).await;
    let hub = srv.hub.clone();
    hub.apply(Input::Connected(instance(INST)));
    let calls = fake_opencode(&hub, INST);
    for sid in ["ses_idle", "ses_err", "ses_done", "ses_tui", "ses_api"] {
        hub.apply(session_created(sid, sid));
    }
    let mut ws = authed(srv.addr).await;
    assert_eq!(cmd(&mut ws, json!({"type": "subscribe", "id": 0})).await["ok"], true);

    // A run that fails: started and finished on the agent's clock, with the error.
    hub.apply(status("ses_err", "busy"));
    hub.apply(session_error("ses_err", "APIError"));
    hub.apply(status("ses_err", "idle"));
    let (before, done) = run_finished(&mut ws, "ses_err").await;
    let started = before.iter().find(|f| f["event"] == "run_started").expect("run_started");
    assert_eq!(started["session_id"], "ses_err");
    assert_eq!(started["root_session_id"], "ses_err");
    assert_eq!(done["outcome"], "error", "{done}");
    assert_eq!(done["error"]["name"], "APIError");
    assert_eq!(done["started"], started["started"]);
    let ms = |f: &Value, k: &str| {
        chrono::DateTime::parse_from_rfc3339(f[k].as_str().unwrap()).unwrap().timestamp_millis()
    };
    assert_eq!(done["duration_ms"].as_i64(), Some(ms(&done, "finished") - ms(&done, "started")));
    // The session frame carrying the end state comes first.
    let last = before.iter().rev().find(|f| f["session_id"] == "ses_err").expect("delta");
    assert_eq!(last["fields"]["state"], "error", "{last}");

    // Nothing to abort: idle or in error → not_busy, and OpenCode is not asked.
    for sid in ["ses_idle", "ses_err"] {
        let r = cmd(&mut ws, json!({"type": "abort_session", "id": 1, "session_id": sid})).await;
        assert_eq!(error_code(&r), "not_busy", "{sid}: {r}");
    }
    assert!(calls.lock().unwrap().is_empty(), "no call reached OpenCode");

    // Completed on its own.
    hub.apply(status("ses_done", "busy"));
    hub.apply(status("ses_done", "idle"));
    let (_, done) = run_finished(&mut ws, "ses_done").await;
    assert_eq!((done["outcome"].as_str(), &done["error"]), (Some("completed"), &Value::Null));

    // Aborted in OpenCode's TUI: OpenCode reports MessageAbortedError, then idle.
    hub.apply(status("ses_tui", "busy"));
    hub.apply(session_error("ses_tui", "MessageAbortedError"));
    hub.apply(status("ses_tui", "idle"));
    let (_, done) = run_finished(&mut ws, "ses_tui").await;
    assert_eq!((done["outcome"].as_str(), &done["error"]), (Some("aborted"), &Value::Null));

    // Aborted while text streamed: OpenCode marks only the assistant message.
    hub.apply(status("ses_tui", "busy"));
    hub.apply(ev(json!({"type": "message.updated", "properties": {"info": {
        "id": "msg_t", "sessionID": "ses_tui", "role": "assistant", "providerID": "fake",
        "modelID": "fake-model", "time": {"created": 1_795_324_757_100_i64},
        "error": {"name": "MessageAbortedError", "data": {"message": "Aborted"}}}}})));
    hub.apply(status("ses_tui", "idle"));
    let (_, done) = run_finished(&mut ws, "ses_tui").await;
    assert_eq!(done["outcome"], "aborted", "{done}");

    // Aborted through the API: aborted even if OpenCode says nothing but idle.
    hub.apply(status("ses_api", "busy"));
    let r = cmd(&mut ws, json!({"type": "abort_session", "id": 2, "session_id": "ses_api"})).await;
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(calls.lock().unwrap().len(), 1);
    hub.apply(status("ses_api", "idle"));
    let (_, done) = run_finished(&mut ws, "ses_api").await;
    assert_eq!(done["outcome"], "aborted", "{done}");

    // The next run of the same session starts clean.
    hub.apply(status("ses_api", "busy"));
    hub.apply(status("ses_api", "idle"));
    let (_, done) = run_finished(&mut ws, "ses_api").await;
    assert_eq!(done["outcome"], "completed", "{done}");
}

/// A hub with a store attached: what it remembered, and the channel of its writes.
fn stored_hub(
    max_sessions: usize,
    remembered: Remembered,
) -> (Hub, mpsc::UnboundedReceiver<Persist>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let tracker = Tracker::new(tracker::Settings { hostname: "testbox".into(), max_sessions })
        .with_stale_after(Duration::from_secs(3600));
    (Hub::with_store(tracker, remembered, tx), rx)
}

fn drain(rx: &mut mpsc::UnboundedReceiver<Persist>) -> Vec<Persist> {
    std::iter::from_fn(|| rx.try_recv().ok()).collect()
}

#[test]
fn usage_counts_each_message_once_across_reports_and_eviction() {
    let (hub, mut rx) = stored_hub(2, Remembered::default());
    hub.apply(Input::Connected(instance(INST)));
    hub.apply(session_created("ses_a", "A"));
    // The message grows while it streams, and OpenCode reports it again unchanged.
    for output in [100, 150, 150, 120] {
        hub.apply(message("ses_a", "msg_a", output));
    }
    let u = hub.snapshot().usage;
    assert_eq!((u.tokens_input, u.tokens_output, u.messages), (100, 150, 1));
    assert_eq!(u.tokens, 250);
    assert!((u.cost - 0.0015).abs() < 1e-12, "{}", u.cost);
    assert!(!u.since.is_empty());
    // Evicted by two newer sessions, then back with the same message and one more.
    hub.apply(session_created("ses_b", "B"));
    hub.apply(session_created("ses_c", "C"));
    assert!(hub.snapshot().sessions.iter().all(|s| s.id != "ses_a"), "ses_a evicted");
    hub.apply(message("ses_a", "msg_a", 150));
    hub.apply(message("ses_a", "msg_a2", 10));
    let u = hub.snapshot().usage;
    assert_eq!((u.tokens_input, u.tokens_output, u.messages), (200, 160, 2));

    // The store got one row per growth (never for a repeat) and the eviction.
    let writes = drain(&mut rx);
    let rows: Vec<(String, u64)> = writes
        .iter()
        .filter_map(|p| match p {
            Persist::Usage(r) => Some((r.message_id.clone(), r.tokens_output)),
            _ => None,
        })
        .collect();
    let want = [("msg_a", 100), ("msg_a", 150), ("msg_a2", 10)];
    assert_eq!(rows, want.map(|(m, o)| (m.to_owned(), o)));
    assert!(writes.contains(&Persist::Removed("ses_a".into())), "{writes:#?}");
    assert!(writes.iter().any(|p| matches!(p, Persist::Instance(i) if i.id == INST)));

    // Sessions are written at most once per flush, as last sent.
    hub.flush();
    drain(&mut rx);
    for output in 0..50 {
        hub.apply(message("ses_b", "msg_b", output));
    }
    hub.flush();
    let sessions: Vec<Persist> =
        drain(&mut rx).into_iter().filter(|p| matches!(p, Persist::Session(_))).collect();
    assert_eq!(sessions.len(), 1, "{sessions:#?}");
    let Persist::Session(s) = &sessions[0] else { unreachable!() };
    assert_eq!((s.id.as_str(), s.tokens_output), ("ses_b", 49));
}

#[test]
fn remembered_usage_and_ledger_seed_the_totals() {
    let remembered = Remembered {
        usage: Usage {
            cost: 1.0,
            tokens: 1250,
            tokens_input: 1000,
            tokens_output: 250,
            messages: 7,
            since: "2026-11-01T00:00:00.000Z".into(),
            ..Usage::default()
        },
        ledger: vec![UsageRow {
            message_id: "msg_a".into(),
            session_id: "ses_a".into(),
            tokens_input: 100,
            tokens_output: 150,
            cost: 0.0015,
            ..UsageRow::default()
        }],
        ..Remembered::default()
    };
    let (hub, _rx) = stored_hub(10, remembered);
    hub.apply(Input::Connected(instance(INST)));
    hub.apply(message("ses_a", "msg_a", 150));
    let u = hub.snapshot().usage;
    assert_eq!(
        (u.tokens_output, u.messages, u.since.as_str()),
        (250, 7, "2026-11-01T00:00:00.000Z")
    );
    hub.apply(message("ses_a", "msg_a", 170));
    let u = hub.snapshot().usage;
    assert_eq!((u.tokens_input, u.tokens_output, u.tokens, u.messages), (1000, 270, 1270, 7));
    assert!((u.cost - 1.0002).abs() < 1e-9, "{}", u.cost);
}

/// A resync of `INST` (a new OpenCode process) listing `sessions`, `busy` ones working.
fn resync(instance_id: &str, sessions: &[&str], busy: &[&str]) -> Input {
    let data = tracker::Resync {
        sessions: sessions
            .iter()
            .map(|id| serde_json::from_value(json!({"id": id, "title": id})).expect("info"))
            .collect(),
        statuses: busy
            .iter()
            .map(|id| (id.to_string(), opencode_lookout::opencode::event::Status::Busy))
            .collect(),
        ..Default::default()
    };
    Input::Resync { instance_id: instance_id.into(), data: Box::new(data) }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remembered_sessions_wait_unavailable_then_resume_or_go_stale() {
    // An earlier run of the agent saw three sessions, two of them working.
    let (before, _) = stored_hub(10, Remembered::default());
    before.apply(Input::Connected(instance("plugin-old")));
    for sid in ["ses_w1", "ses_w2", "ses_gone"] {
        before.apply(ev(json!({"type": "session.created", "properties": {"info": {
            "id": sid, "title": sid, "directory": "/home/me/proj"}}})));
    }
    let mut old = before.snapshot();
    for s in &mut old.sessions {
        if s.id != "ses_gone" {
            s.state = opencode_lookout::protocol::State::Working;
        }
        s.instance_id = "plugin-old".into();
    }
    let remembered = Remembered {
        sessions: old.sessions.clone(),
        instances: old.instances.clone(),
        ..Remembered::default()
    };
    let (hub, _rx) = stored_hub(10, remembered);
    let srv = start_with(hub.clone(), settings()).await;
    let mut ws = authed(srv.addr).await;
    let snap = cmd(&mut ws, json!({"type": "subscribe", "id": 0})).await;
    let sessions = snap["result"]["sessions"].as_array().expect("sessions").clone();
    assert_eq!(sessions.len(), 3, "served right after the start: {snap}");
    assert!(sessions.iter().all(|s| s["available"] == false), "{snap}");
    assert_eq!(snap["result"]["instances"][0]["connected"], false);

    // The new OpenCode process reports one idle (no run_finished: how it ended is
    // unknown) and one busy (a run starts now).
    let t0 = chrono::Utc::now().timestamp_millis();
    hub.apply(Input::Connected(instance(INST)));
    hub.apply(resync(INST, &["ses_w1", "ses_w2"], &["ses_w2"]));
    hub.apply(status("ses_w2", "idle"));
    let (before, done) = run_finished(&mut ws, "ses_w2").await;
    let ms = |v: &Value| {
        chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap().timestamp_millis()
    };
    assert!(ms(&done["started"]) >= t0, "the run started when seen busy again: {done}");
    assert!(!before.iter().any(|f| f["event"] == "run_finished"), "{before:#?}");
    assert!(!before.iter().any(|f| f["event"] == "session_removed"), "{before:#?}");
    let w1 = before.iter().find(|f| f["session_id"] == "ses_w1").expect("ses_w1 taken over");
    assert_eq!(w1["fields"]["available"], true, "{w1}");
    assert_eq!(w1["fields"]["state"], "idle", "{w1}");

    // Unavailable for longer than stale_after (an hour here): removed as stale.
    hub.apply_at(Input::Tick, t0 + 1000);
    hub.apply_at(Input::Tick, t0 + 1000 + 3_600_001);
    let removed = loop {
        let f = recv(&mut ws).await;
        if f["event"] == "session_removed" {
            break f;
        }
    };
    assert_eq!(
        (removed["session_id"].as_str(), removed["reason"].as_str()),
        (Some("ses_gone"), Some("stale"))
    );
    let ids: Vec<String> = hub.snapshot().sessions.into_iter().map(|s| s.id).collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
}
