//! The CLI's client of the websocket API (`sessions`, `approve`): connect, authenticate,
//! send one command, print its result.

use crate::protocol::{Command, CommandResult, ServerMsg, Session, MIN_SCHEMA, SCHEMA};
use anyhow::{bail, Context, Result};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// Sends one command to a running agent and returns its result.
pub async fn request(url: &str, token: &str, cmd: Command) -> Result<CommandResult> {
    let connect = tokio_tungstenite::connect_async(url);
    let (mut ws, _) = tokio::time::timeout(Duration::from_secs(5), connect)
        .await
        .context("timed out connecting to the agent")?
        .with_context(|| {
            format!("cannot connect to the agent at {url}; is `opencode-lookout run` running?")
        })?;
    let send = |msg: Value| Message::text(msg.to_string());
    let hello = next(&mut ws).await?;
    match hello {
        ServerMsg::Hello { schema, min_schema, .. }
            if min_schema <= SCHEMA && schema >= MIN_SCHEMA => {}
        ServerMsg::Hello { schema, .. } => {
            bail!("the agent speaks schema {schema}, this CLI {SCHEMA}")
        }
        other => bail!("unexpected first frame: {other:?}"),
    }
    ws.send(send(serde_json::to_value(Command::Auth { token: token.to_owned() })?)).await?;
    match next(&mut ws).await? {
        ServerMsg::AuthOk => {}
        ServerMsg::AuthFailed { reason, .. } => bail!("the agent refused the token ({reason})"),
        other => bail!("unexpected frame: {other:?}"),
    }
    let mut v = serde_json::to_value(cmd)?;
    v["id"] = Value::from(1);
    ws.send(send(v)).await?;
    loop {
        if let ServerMsg::Result(r) = next(&mut ws).await? {
            let _ = ws.close(None).await;
            return match (r.ok, r.result, r.error) {
                (true, Some(v), _) => Ok(v),
                (_, _, Some(e)) => bail!("{}: {}", e.code, e.message),
                _ => bail!("malformed result"),
            };
        }
    }
}

async fn next<S>(ws: &mut S) -> Result<ServerMsg>
where
    S: StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(15), ws.next())
            .await
            .context("the agent did not answer")?
            .context("the agent closed the connection")??;
        if let Message::Text(t) = msg {
            return serde_json::from_str(&t).context("the agent sent an invalid frame");
        }
    }
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
                crate::tracker::summary::one_line(s.title.as_deref().unwrap_or("-"), 40),
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
