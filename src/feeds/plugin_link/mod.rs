//! The plugin link: OpenCode processes running the Lookout plugin (`src/plugin.js`) dial
//! the agent, on a Unix socket in the config dir (`listener.rs`). Frames are JSON lines
//! (`frames.rs`).
//!
//! Each connection is one OpenCode process (one instance). Both sides prove they know the
//! local secret (HMAC over the other side's nonce) before anything else flows, so neither
//! a stray local process posing as the agent nor one posing as OpenCode gets anywhere:
//! agent `challenge{nonce}` → plugin `hello{proof, nonce, pid, directory, worktree}` →
//! agent `welcome{proof}` (or `refused{reason}` and close). Then the plugin sends
//! `event`s and answers the agent's `call`s with `result`s and its `ping`s with `pong`.
//!
//! Limits before trust: at most `MAX_HANDSHAKES` connections handshake at once (more are
//! closed at once), the hello must arrive within `HANDSHAKE_TIMEOUT` and fit in
//! `MAX_HELLO` bytes; only an authenticated plugin may send frames up to `MAX_FRAME`.

pub mod frames;
mod lines;
pub mod listener;

use crate::opencode::api::{Api, Line, Response};
use crate::{
    hub::Hub,
    opencode::event::{decode_value, Event},
    protocol::{Instance, InstanceKind},
    secrets::{proof, random_id},
    tracker::{rfc3339, Input},
};
use frames::{AgentFrame, PluginFrame, RefusedReason};
use lines::LineReader;
use listener::Stream;
pub use listener::{EndpointFile, Listener};
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
    io::{AsyncWrite, AsyncWriteExt, WriteHalf},
    sync::{oneshot, Semaphore},
};

/// Longest hello accepted, checked before its proof.
pub const MAX_HELLO: usize = 4 * 1024;
/// Time from accept to a verified hello.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections allowed to be in their handshake at once.
pub const MAX_HANDSHAKES: usize = 16;
/// Longest frame from an authenticated plugin: events can carry whole tool outputs.
pub const MAX_FRAME: usize = 64 * 1024 * 1024;
const PING_INTERVAL: Duration = Duration::from_secs(10);
/// A plugin that does not take a frame within this time is treated as gone.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// Accepts plugin connections forever.
pub async fn run(hub: Hub, listener: Listener, secret: String, max_sessions: usize) {
    let secret = Arc::new(secret);
    let seq = Arc::new(AtomicU64::new(0));
    let handshakes = Arc::new(Semaphore::new(MAX_HANDSHAKES));
    // A flood of connections is logged once a minute, not once per connection.
    let mut warned: Option<tokio::time::Instant> = None;
    loop {
        let stream = match listener.accept().await {
            Ok(Some(s)) => s,
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "plugin accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(permit) = handshakes.clone().try_acquire_owned() else {
            if warned.is_none_or(|t| t.elapsed() > Duration::from_secs(60)) {
                tracing::warn!("too many plugin handshakes at once; closing new connections");
                warned = Some(tokio::time::Instant::now());
            }
            continue;
        };
        let (hub, secret, seq) = (hub.clone(), secret.clone(), seq.clone());
        tokio::spawn(async move {
            let (reader, writer) = tokio::io::split(stream);
            let mut reader = LineReader::new(reader, MAX_HELLO);
            let mut writer = writer;
            let shaken = tokio::time::timeout(
                HANDSHAKE_TIMEOUT,
                handshake(&mut reader, &mut writer, &secret),
            )
            .await;
            drop(permit);
            let hello = match shaken {
                Ok(Ok(Some(hello))) => hello,
                Ok(Ok(None)) => return,
                Ok(Err(e)) => return tracing::debug!(error = %e, "plugin handshake failed"),
                Err(_) => return tracing::debug!("plugin handshake timed out"),
            };
            reader.max = MAX_FRAME;
            let id = format!("plugin-{}-{}", hello.pid, seq.fetch_add(1, Ordering::Relaxed));
            if let Err(e) = connection(hub, reader, writer, hello, id, max_sessions).await {
                tracing::debug!(error = %e, "plugin connection ended");
            }
        });
    }
}

/// What a verified hello says about the plugin's process.
struct Hello {
    pid: u64,
    directory: Option<String>,
}

type Reader = LineReader<tokio::io::ReadHalf<Box<dyn Stream>>>;
type Writer = WriteHalf<Box<dyn Stream>>;

/// Challenge, hello, proofs. `Ok(None)`: refused (the peer was told why).
async fn handshake(
    reader: &mut Reader,
    writer: &mut Writer,
    secret: &str,
) -> anyhow::Result<Option<Hello>> {
    let nonce = random_id()?;
    send(writer, &AgentFrame::Challenge { nonce: nonce.clone() }).await?;
    let line = match reader.next_line().await {
        Ok(Some(line)) => line,
        Ok(None) => anyhow::bail!("plugin closed before its hello"),
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            tracing::warn!("plugin hello over {MAX_HELLO} bytes refused");
            let _ = send(writer, &AgentFrame::Refused { reason: RefusedReason::BadHello }).await;
            return Ok(None);
        }
        Err(e) => return Err(e.into()),
    };
    let Ok(PluginFrame::Hello { proof: their_proof, nonce: their_nonce, pid, directory, .. }) =
        serde_json::from_slice(&line)
    else {
        tracing::warn!("plugin connection without a valid hello refused");
        send(writer, &AgentFrame::Refused { reason: RefusedReason::BadHello }).await?;
        return Ok(None);
    };
    let expected = plugin_proof(secret, &nonce);
    if !bool::from(their_proof.as_bytes().ct_eq(expected.as_bytes())) {
        tracing::warn!("plugin connection with a wrong secret refused");
        send(writer, &AgentFrame::Refused { reason: RefusedReason::InvalidProof }).await?;
        return Ok(None);
    }
    anyhow::ensure!(their_nonce.len() >= 16, "plugin nonce too short");
    let welcome = AgentFrame::Welcome { proof: agent_proof(secret, &their_nonce) };
    send(writer, &welcome).await?;
    Ok(Some(Hello { pid, directory: directory.filter(|d| !d.is_empty()) }))
}

/// The plugin's proof that it knows the secret, over the agent's challenge nonce.
pub fn plugin_proof(secret: &str, agent_nonce: &str) -> String {
    proof(secret, &format!("plugin:{agent_nonce}"))
}

/// The agent's proof that it knows the secret, over the plugin's nonce.
pub fn agent_proof(secret: &str, plugin_nonce: &str) -> String {
    proof(secret, &format!("agent:{plugin_nonce}"))
}

async fn send(writer: &mut (impl AsyncWrite + Unpin), frame: &AgentFrame) -> anyhow::Result<()> {
    let line = frame.to_line();
    tokio::time::timeout(WRITE_TIMEOUT, writer.write_all(line.as_bytes()))
        .await
        .map_err(|_| anyhow::anyhow!("plugin took no frame for {WRITE_TIMEOUT:?}"))??;
    Ok(())
}

async fn connection(
    hub: Hub,
    mut reader: Reader,
    mut writer: Writer,
    hello: Hello,
    instance_id: String,
    max_sessions: usize,
) -> anyhow::Result<()> {
    let pid = hello.pid;
    let label = format!("opencode pid {pid} in {}", hello.directory.as_deref().unwrap_or("?"));
    let instance = Instance {
        id: instance_id.clone(),
        kind: InstanceKind::Plugin,
        label,
        directory: hello.directory,
        // The resync reads it from OpenCode's health endpoint.
        opencode_version: None,
        connected: true,
        since: rfc3339(chrono::Utc::now().timestamp_millis()),
    };
    tracing::info!(instance = instance_id, pid, "OpenCode process connected");
    let (api, mut calls) = Api::channel(Line::V1);
    let resync = super::attach(&hub, instance, api, max_sessions);

    let mut pending: HashMap<u64, oneshot::Sender<Result<Response, String>>> = HashMap::new();
    let mut next_call = 0u64;
    let mut ping = tokio::time::interval(PING_INTERVAL);
    let mut last_seen = tokio::time::Instant::now();
    let result = loop {
        tokio::select! {
            line = reader.next_line() => {
                last_seen = tokio::time::Instant::now();
                match line {
                    Ok(None) => break Ok(()),
                    Err(e) => break Err(e.into()),
                    Ok(Some(line)) => on_frame(&hub, &instance_id, &line, &mut pending),
                }
            }
            Some(call) = calls.recv() => {
                next_call += 1;
                let frame = AgentFrame::Call {
                    id: next_call,
                    method: call.method.to_owned(),
                    path: call.path,
                    body: call.body,
                    directory: call.directory,
                };
                pending.insert(next_call, call.reply);
                if let Err(e) = send(&mut writer, &frame).await {
                    break Err(e);
                }
            }
            _ = ping.tick() => {
                if last_seen.elapsed() > 3 * PING_INTERVAL {
                    break Err(anyhow::anyhow!("plugin stopped answering pings"));
                }
                if let Err(e) = send(&mut writer, &AgentFrame::Ping).await {
                    break Err(e);
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
    line: &[u8],
    pending: &mut HashMap<u64, oneshot::Sender<Result<Response, String>>>,
) {
    let frame = match serde_json::from_slice::<PluginFrame>(line) {
        Ok(f) => f,
        Err(e) => return tracing::debug!(error = %e, "skipping an unreadable plugin frame"),
    };
    match frame {
        PluginFrame::Event { event } => match decode_value(event) {
            Ok(Event::Sync | Event::Heartbeat | Event::Connected | Event::Other(_)) => {}
            Ok(event) => hub.apply(Input::Event { instance_id: instance_id.to_owned(), event }),
            Err(e) => tracing::debug!(error = %e, "skipping undecodable plugin event"),
        },
        PluginFrame::Result { id, status, body, error } => {
            let Some(tx) = pending.remove(&id) else { return };
            let result = match error {
                Some(e) => Err(e),
                None => Ok(Response { status: status.unwrap_or(0), body }),
            };
            let _ = tx.send(result);
        }
        PluginFrame::Pong | PluginFrame::Hello { .. } => {}
    }
}
