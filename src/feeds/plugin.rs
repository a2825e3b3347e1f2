//! The plugin feed: OpenCode processes running the Lookout plugin dial in on loopback.
//!
//! Each connection is one OpenCode process (one instance). Both sides prove they know the
//! local secret (HMAC over the other side's nonce) before anything else flows, so neither
//! a stray local process posing as the agent nor one posing as OpenCode gets anywhere.
//! Frames (JSON text):
//! - agent → plugin: `challenge{nonce}`, `welcome{proof}`, `call{id, method, path, body, directory}`
//! - plugin → agent: `hello{proof, nonce, pid, directory, version}`, `event{event}`,
//!   `result{id, status, body}` or `result{id, error}`

use crate::opencode::api::{Api, Response};
use crate::{
    hub::Hub,
    opencode::event::{decode_value, Event},
    protocol::{Instance, InstanceKind},
    secrets::{proof, random_id},
    tracker::{rfc3339, Input},
};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};
use subtle::ConstantTimeEq;
use tokio::{
    net::{TcpListener, TcpStream},
    sync::oneshot,
};
use tokio_tungstenite::tungstenite::{protocol::WebSocketConfig, Message};

/// Events can carry whole tool outputs; allow large frames on loopback.
const MAX_PLUGIN_FRAME: usize = 64 * 1024 * 1024;
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
const PING_INTERVAL: Duration = Duration::from_secs(10);

/// Accepts plugin connections forever.
pub async fn run(hub: Hub, listener: TcpListener, secret: String, max_sessions: usize) {
    let secret = Arc::new(secret);
    let seq = Arc::new(AtomicU64::new(0));
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!(error = %e, "plugin accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        if !peer.ip().is_loopback() {
            continue;
        }
        let (hub, secret, seq) = (hub.clone(), secret.clone(), seq.clone());
        tokio::spawn(async move {
            if let Err(e) = connection(hub, stream, &secret, seq, max_sessions).await {
                tracing::debug!(error = %e, "plugin connection ended");
            }
        });
    }
}

async fn connection(
    hub: Hub,
    stream: TcpStream,
    secret: &str,
    seq: Arc<AtomicU64>,
    max_sessions: usize,
) -> anyhow::Result<()> {
    let _ = stream.set_nodelay(true);
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_PLUGIN_FRAME))
        .max_frame_size(Some(MAX_PLUGIN_FRAME));
    let mut ws = tokio_tungstenite::accept_async_with_config(stream, Some(config)).await?;
    let nonce = random_id()?;
    ws.send(Message::text(json!({"type": "challenge", "nonce": nonce}).to_string())).await?;
    let hello = match tokio::time::timeout(HANDSHAKE_TIMEOUT, ws.next()).await {
        Ok(Some(Ok(Message::Text(t)))) => serde_json::from_str::<Value>(&t).unwrap_or(Value::Null),
        _ => anyhow::bail!("plugin sent no hello"),
    };
    let field = |k: &str| hello.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    let expected = proof(secret, &format!("plugin:{nonce}"));
    if hello["type"] != "hello" || !bool::from(field("proof").as_bytes().ct_eq(expected.as_bytes()))
    {
        tracing::warn!("plugin connection with a wrong secret refused");
        ws.send(Message::text(json!({"type": "refused", "reason": "invalid secret"}).to_string()))
            .await?;
        return Ok(());
    }
    let their_nonce = field("nonce");
    anyhow::ensure!(their_nonce.len() >= 16, "plugin nonce too short");
    let welcome =
        json!({"type": "welcome", "proof": proof(secret, &format!("agent:{their_nonce}"))});
    ws.send(Message::text(welcome.to_string())).await?;

    let pid = hello.get("pid").and_then(Value::as_u64).unwrap_or(0);
    let instance_id = format!("plugin-{pid}-{}", seq.fetch_add(1, Ordering::Relaxed));
    let directory = Some(field("directory")).filter(|d| !d.is_empty());
    let version = Some(field("version")).filter(|d| !d.is_empty());
    let label = format!("opencode pid {pid} in {}", directory.as_deref().unwrap_or("?"));
    let instance = Instance {
        id: instance_id.clone(),
        kind: InstanceKind::Plugin,
        label,
        directory,
        opencode_version: version,
        connected: true,
        since: rfc3339(chrono::Utc::now().timestamp_millis()),
    };
    tracing::info!(instance = instance_id, pid, "OpenCode process connected");
    let (api, mut calls) = Api::channel();
    let resync = super::attach(&hub, instance, api, max_sessions);

    let mut pending: HashMap<u64, oneshot::Sender<Result<Response, String>>> = HashMap::new();
    let mut next_call = 0u64;
    let mut ping = tokio::time::interval(PING_INTERVAL);
    let mut last_seen = tokio::time::Instant::now();
    let result = loop {
        tokio::select! {
            msg = ws.next() => {
                last_seen = tokio::time::Instant::now();
                match msg {
                    None | Some(Ok(Message::Close(_))) => break Ok(()),
                    Some(Err(e)) => break Err(e.into()),
                    Some(Ok(Message::Text(t))) => on_frame(&hub, &instance_id, &t, &mut pending),
                    Some(Ok(_)) => {}
                }
            }
            Some(call) = calls.recv() => {
                next_call += 1;
                let frame = json!({"type": "call", "id": next_call, "method": call.method,
                    "path": call.path, "body": call.body, "directory": call.directory});
                pending.insert(next_call, call.reply);
                if let Err(e) = ws.send(Message::text(frame.to_string())).await {
                    break Err(e.into());
                }
            }
            _ = ping.tick() => {
                if last_seen.elapsed() > 3 * PING_INTERVAL {
                    break Err(anyhow::anyhow!("plugin stopped answering pings"));
                }
                if let Err(e) = ws.send(Message::Ping(Default::default())).await {
                    break Err(e.into());
                }
            }
        }
    };
    resync.abort();
    super::detach(&hub, &instance_id);
    tracing::info!(instance = instance_id, "OpenCode process disconnected");
    result
}

fn on_frame(
    hub: &Hub,
    instance_id: &str,
    text: &str,
    pending: &mut HashMap<u64, oneshot::Sender<Result<Response, String>>>,
) {
    let Ok(mut v) = serde_json::from_str::<Value>(text) else {
        return tracing::debug!("plugin sent a frame that is not JSON");
    };
    match v["type"].as_str() {
        Some("event") => match decode_value(v["event"].take()) {
            Ok(Event::Sync | Event::Heartbeat | Event::Connected | Event::Other(_)) => {}
            Ok(event) => hub.apply(Input::Event { instance_id: instance_id.to_owned(), event }),
            Err(e) => tracing::debug!(error = %e, "skipping undecodable plugin event"),
        },
        Some("result") => {
            let Some(tx) = v["id"].as_u64().and_then(|id| pending.remove(&id)) else { return };
            let result = match v["error"].as_str() {
                Some(e) => Err(e.to_owned()),
                None => Ok(Response {
                    status: v["status"].as_u64().unwrap_or(0) as u16,
                    body: v["body"].take(),
                }),
            };
            let _ = tx.send(result);
        }
        _ => tracing::debug!("plugin sent an unknown frame"),
    }
}
