//! The `opencode serve` feed against a local stub of OpenCode 1's server (no OpenCode
//! needed): failures before the first attach are warned about with a hint, and a server
//! restarted on the same port is followed again within about a second.

mod common;

use common::*;
use std::time::Duration;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    task::JoinSet,
};

/// Serves a stub OpenCode 1 on `port` until the returned task is aborted (which drops
/// every connection with it). `status` other than 200 answers every request with it.
async fn stub(port: u16, status: u16) -> tokio::task::JoinHandle<()> {
    let listener = loop {
        match TcpListener::bind(("127.0.0.1", port)).await {
            Ok(l) => break l,
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    };
    tokio::spawn(async move {
        let mut conns = JoinSet::new();
        while let Ok((sock, _)) = listener.accept().await {
            conns.spawn(answer(sock, status));
        }
    })
}

async fn answer(mut sock: TcpStream, status: u16) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match sock.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
    if status != 200 {
        let _ = sock.write_all(reply(status, "{}").as_bytes()).await;
        return;
    }
    if path == "/global/event" {
        let open =
            "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n";
        let _ = sock.write_all(open.as_bytes()).await;
        let line = r#"data: {"payload":{"type":"server.connected","properties":{}}}"#;
        let _ = sock.write_all(format!("{line}\n\n").as_bytes()).await;
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let beat = r#"data: {"payload":{"type":"server.heartbeat","properties":{}}}"#;
            if sock.write_all(format!("{beat}\n\n").as_bytes()).await.is_err() {
                return;
            }
        }
    }
    let body = match path.split('?').next().unwrap_or_default() {
        "/global/health" => r#"{"healthy":true,"version":"1.18.33"}"#,
        "/session" => r#"[{"id":"ses_stub","directory":"/stub","time":{"created":1,"updated":1}}]"#,
        "/session/status" => "{}",
        "/permission" | "/question" => "[]",
        _ => {
            let _ = sock.write_all(reply(404, r#"{"message":"Not Found"}"#).as_bytes()).await;
            return;
        }
    };
    let _ = sock.write_all(reply(200, body).as_bytes()).await;
}

fn reply(status: u16, body: &str) -> String {
    format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// Waits until the agent's log contains `what`; returns the log.
async fn wait_log(agent: &Proc, what: &str, timeout: Duration) -> String {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let log = agent.log_text();
        if log.contains(what) {
            return log;
        }
        assert!(tokio::time::Instant::now() < deadline, "no {what:?} in the agent log:\n{log}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A closed port and a server refusing the password are warned about (URL and hint, never
/// the password) before anything ever attached; the default log level shows them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_before_the_first_attach_are_warnings() {
    let env = Env::new("serve-warn", 1);
    let (closed, refusing) = (free_port(), free_port());
    let _stub = stub(refusing, 401).await;
    let urls = format!("http://127.0.0.1:{closed},http://127.0.0.1:{refusing}");
    let (agent, _) = env.start_agent_env(
        &["--no-opencode-service", "--opencode", &urls, "--opencode-password", "sekrit-pw"],
        &[("RUST_LOG", "info")],
    );
    let log = wait_log(&agent, "refused the credentials", Duration::from_secs(10)).await;
    let log = wait_log(&agent, "nothing answers there", Duration::from_secs(10)).await + &log;
    let warned = |port: u16| {
        log.lines().any(|l| {
            l.contains("WARN") && l.contains(&format!("127.0.0.1:{port}")) && l.contains("hint")
        })
    };
    assert!(warned(closed) && warned(refusing), "{log}");
    assert!(!log.contains("sekrit-pw"), "the password reached the log:\n{log}");
}

/// `opencode serve` restarted on the same port: its sessions are available again about a
/// second after it is back, not after a backoff grown while it was down.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_server_is_followed_again_at_once() {
    let env = Env::new("serve-restart", 1);
    let port = free_port();
    let server = stub(port, 200).await;
    let url = format!("http://127.0.0.1:{port}");
    let (_agent, api) = env.start_agent(&["--no-opencode-service", "--opencode", &url]);
    let client = Client::connect(api, &env.pairing()).await;
    let available = |s: &serde_json::Value| s["available"] == true;
    client.wait_session("ses_stub", "available", Duration::from_secs(10), available).await;
    server.abort();
    client.wait_session("ses_stub", "unavailable", Duration::from_secs(5), |s| !available(s)).await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let _server = stub(port, 200).await;
    let back = tokio::time::Instant::now();
    client.wait_session("ses_stub", "available again", Duration::from_secs(10), available).await;
    let took = back.elapsed();
    assert!(took < Duration::from_secs(2), "available again only after {took:?}");
}
