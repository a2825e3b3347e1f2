//! The connecting side of the API socket: the one client the CLI (`sessions`, `approve`),
//! the tests and the bench use. It speaks TLS pinned to the agent's certificate
//! fingerprint and sends the token only over a channel that presented that certificate;
//! plaintext only when the caller asks for it. `send_raw` is the escape hatch for tests
//! that must send what a well-behaved client never would.

use crate::{
    protocol::{Command, CommandResult, Instance, Request, ServerMsg, Session, MIN_SCHEMA, SCHEMA},
    tls,
};
use anyhow::{bail, Context, Result};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::time::Duration;
use tokio::{
    io::{AsyncRead, AsyncWrite},
    net::TcpStream,
};
use tokio_tungstenite::{
    tungstenite::{protocol::WebSocketConfig, Message},
    WebSocketStream,
};

/// How long to wait for the agent's answers.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(15);

/// How the client trusts the agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// TLS, accepting only the certificate with this SHA-256 fingerprint (hex).
    Pinned(String),
    /// No TLS (for an agent run with `--insecure-plaintext`).
    Plaintext,
}

/// Any byte stream the client runs over.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// The client's websocket.
pub type Ws = WebSocketStream<Box<dyn Io>>;

/// Opens a websocket to `host:port` (no frame read yet).
pub async fn open(addr: &str, trust: &Trust) -> Result<Ws> {
    let stream = tokio::time::timeout(ANSWER_TIMEOUT, TcpStream::connect(addr))
        .await
        .context("timed out connecting to the agent")?
        .with_context(|| {
            format!("cannot connect to the agent at {addr}; is `opencode-lookout run` running?")
        })?;
    open_over(stream, addr, trust).await
}

/// Opens a websocket over an already connected socket (tests bind or tune it first).
pub async fn open_over(stream: TcpStream, addr: &str, trust: &Trust) -> Result<Ws> {
    let _ = stream.set_nodelay(true);
    let (scheme, stream): (&str, Box<dyn Io>) = match trust {
        Trust::Pinned(fp) => {
            let connector = tokio_rustls::TlsConnector::from(tls::pinned_client_config(fp)?);
            let tls =
                tokio::time::timeout(ANSWER_TIMEOUT, connector.connect(tls::server_name(), stream))
                    .await
                    .context("timed out in the TLS handshake")?
                    .context(
                        "the agent did not present the paired certificate (TLS handshake failed)",
                    )?;
            ("wss", Box::new(tls))
        }
        Trust::Plaintext => ("ws", Box::new(stream)),
    };
    // The agent's frames are bounded by its own hard limit.
    let config = WebSocketConfig::default()
        .max_message_size(Some(crate::protocol::HARD_FRAME_LIMIT))
        .max_frame_size(Some(crate::protocol::HARD_FRAME_LIMIT));
    let url = format!("{scheme}://{addr}/");
    let ws = tokio::time::timeout(
        ANSWER_TIMEOUT,
        tokio_tungstenite::client_async_with_config(url, stream, Some(config)),
    )
    .await
    .context("timed out in the websocket handshake")?;
    let (ws, _) =
        match (ws, trust) {
            (Ok(ws), _) => ws,
            // The usual cause: a ws:// URL for an agent that serves wss://, whose TLS reply
            // reads as a broken HTTP response.
            (Err(e), Trust::Plaintext) => return Err(e).context(
                "the agent did not answer a plaintext (ws://) websocket handshake; ws:// is only \
                 for an agent run with --insecure-plaintext. It serves wss:// by default: use \
                 wss://HOST:PORT, or leave --url out for the local agent",
            ),
            (Err(e), Trust::Pinned(_)) => {
                return Err(e).context("websocket handshake with the agent failed")
            }
        };
    Ok(ws)
}

/// An authenticated connection.
pub struct Connection {
    pub ws: Ws,
    next_id: u64,
}

impl Connection {
    /// Opens, checks the `hello` and authenticates.
    pub async fn connect(addr: &str, trust: &Trust, token: &str) -> Result<Connection> {
        let ws = open(addr, trust).await?;
        Connection::authenticate(ws, token).await
    }

    /// Checks the `hello` and authenticates on an open websocket.
    pub async fn authenticate(ws: Ws, token: &str) -> Result<Connection> {
        let mut c = Connection { ws, next_id: 1 };
        match c.next_frame().await? {
            ServerMsg::Hello { schema, min_schema, .. }
                if min_schema <= SCHEMA && schema >= MIN_SCHEMA => {}
            ServerMsg::Hello { schema, .. } => {
                bail!("the agent speaks schema {schema}, this client {SCHEMA}")
            }
            ServerMsg::Error { code, message } => bail!("the agent refused: {code}: {message}"),
            other => bail!("unexpected first frame: {other:?}"),
        }
        c.send(&Command::Auth { token: token.to_owned() }).await?;
        match c.next_frame().await? {
            ServerMsg::AuthOk => Ok(c),
            ServerMsg::AuthFailed { reason, retry_after: Some(s) } => {
                bail!("the agent refused the token ({reason}); retry in {s} s")
            }
            ServerMsg::AuthFailed { reason, .. } => bail!("the agent refused the token ({reason})"),
            ServerMsg::Error { code, message } => bail!("the agent refused: {code}: {message}"),
            other => bail!("unexpected frame: {other:?}"),
        }
    }

    /// Sends a frame without an id (`auth`).
    pub async fn send(&mut self, cmd: &Command) -> Result<()> {
        let text = serde_json::to_string(cmd)?;
        self.ws.send(Message::text(text)).await.context("sending to the agent")
    }

    /// Sends a command with the next id; returns that id.
    pub async fn send_command(&mut self, cmd: &Command) -> Result<u64> {
        let id = self.next_id;
        self.next_id += 1;
        let text = serde_json::to_string(&Request { command: cmd, id: Value::from(id) })?;
        self.ws.send(Message::text(text)).await.context("sending to the agent")?;
        Ok(id)
    }

    /// Sends anything (tests of bad input).
    pub async fn send_raw(&mut self, msg: Message) -> Result<()> {
        self.ws.send(msg).await.context("sending to the agent")
    }

    /// Sends a command and waits for its result (events in between are skipped).
    pub async fn request(&mut self, cmd: &Command) -> Result<CommandResult> {
        let id = self.send_command(cmd).await?;
        loop {
            let ServerMsg::Result(r) = self.next_frame().await? else { continue };
            if r.id != id {
                continue;
            }
            return match (r.ok, r.result, r.error) {
                (true, Some(v), _) => Ok(v),
                (_, _, Some(e)) => bail!("{}: {}", e.code, e.message),
                _ => bail!("malformed result"),
            };
        }
    }

    /// The next frame from the agent.
    pub async fn next_frame(&mut self) -> Result<ServerMsg> {
        next_frame(&mut self.ws).await
    }

    /// Closes the connection.
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

/// The next text frame from the agent, typed.
pub async fn next_frame<S>(ws: &mut S) -> Result<ServerMsg>
where
    S: StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let msg = tokio::time::timeout(ANSWER_TIMEOUT, ws.next())
            .await
            .context("the agent did not answer")?
            .context("the agent closed the connection")??;
        if let Message::Text(t) = msg {
            return serde_json::from_str(&t).context("the agent sent an invalid frame");
        }
    }
}

/// Sends one command to a running agent and returns its result (the CLI).
pub async fn request(
    addr: &str,
    trust: &Trust,
    token: &str,
    cmd: Command,
) -> Result<CommandResult> {
    let mut c = Connection::connect(addr, trust, token).await?;
    let result = c.request(&cmd).await;
    c.close().await;
    result
}

/// One line per OpenCode the agent follows: its line, version, how it is attached, and
/// whether it is connected, e.g. `OpenCode 2 (2.0.22) via service: connected`.
pub fn followed(instances: &[Instance]) -> String {
    if instances.is_empty() {
        return "OpenCode: none followed yet\n".into();
    }
    let mut out = String::new();
    for i in instances {
        let version = i.opencode_version.as_deref().unwrap_or("version unknown");
        let line = match version.split('.').next() {
            Some(major) if major.chars().all(|c| c.is_ascii_digit()) && !major.is_empty() => {
                format!("OpenCode {major}")
            }
            _ => "OpenCode".into(),
        };
        let state = if i.connected { "connected" } else { "offline" };
        out.push_str(&format!("{line} ({version}) via {}: {state}\n", i.kind.as_str()));
    }
    out
}

/// A human table of sessions (root sessions, with sub-agents indented).
pub fn table(sessions: &[Session]) -> String {
    if sessions.is_empty() {
        return "no sessions\n".into();
    }
    let mut rows = vec![[
        "SESSION".to_owned(),
        "STATE".into(),
        "TITLE".into(),
        "MODEL".into(),
        "TOKENS in/out".into(),
        "COST $".into(),
        "PENDING".into(),
    ]];
    let roots = sessions.iter().filter(|s| !s.is_child);
    for root in roots {
        let kids = sessions.iter().filter(|s| s.is_child && s.root_id == root.id);
        for (s, indent) in std::iter::once((root, "")).chain(kids.map(|k| (k, "  └ "))) {
            let mut state = s.state.as_str().to_owned();
            if !s.available {
                state.push_str(" (offline)");
            }
            let pending = match (s.pending_permissions.first(), &s.question) {
                (Some(p), _) => format!("{} {}", p.id, p.title),
                (None, Some(q)) => format!("{} question", q.id),
                _ => String::new(),
            };
            rows.push([
                format!("{indent}{}", s.id),
                state,
                crate::text::one_line(s.title.as_deref().unwrap_or("-"), 40),
                s.model.clone().unwrap_or_else(|| "-".into()),
                format!("{}/{}", s.tokens_input, s.tokens_output),
                format!("{:.4}", s.cost_total),
                if indent.is_empty() { pending } else { String::new() },
            ]);
        }
    }
    let widths: Vec<usize> =
        (0..7).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for r in rows {
        let cells: Vec<String> = r.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}
