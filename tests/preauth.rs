//! Attacks on the pre-auth pool (issue 16), against the real server (`api::run`) with TLS
//! on loopback: idle floods from several addresses must not keep Home Assistant out.
//! Linux routes all of 127.0.0.0/8 to lo, so 127.0.0.2 and up stand for the extra
//! addresses an attacker on the LAN gets for free; Home Assistant is 127.0.0.1 or, for a
//! client the agent has never seen, a fresh address of its own.
#![cfg(target_os = "linux")]

use opencode_lookout::{
    api::{self, Credentials, Settings},
    client::{self, Connection, Trust},
    hub::Hub,
    protocol::{Command, CommandResult},
    tls,
    tracker::{self, Tracker},
};
use std::{
    net::SocketAddr,
    sync::atomic::{AtomicUsize, Ordering},
    time::{Duration, Instant},
};
use tokio::{
    io::AsyncReadExt,
    net::{TcpListener, TcpSocket},
    sync::oneshot,
    task::JoinSet,
};

const TOKEN: &str = "test-token-0123456789abcdefghijklmnopqrstuvwxyz0";

/// The agent's defaults with a fresh certificate; its address and fingerprint.
async fn start() -> (SocketAddr, Trust, oneshot::Sender<()>) {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("ocl-preauth-{}-{n}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let id = tls::rotate(&dir).expect("identity");
    let _ = std::fs::remove_dir_all(&dir);
    let credentials =
        Credentials::new(TOKEN.into(), Some(tls::server_config(&id).expect("server config")));
    let settings = Settings::new(credentials, "0123456789abcdef".into(), "testbox".into());
    let hub =
        Hub::new(Tracker::new(tracker::Settings { hostname: "testbox".into(), max_sessions: 10 }));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(api::run(listener, hub, settings, async move {
        let _ = stopped.await;
    }));
    (addr, Trust::Pinned(id.fingerprint), stop)
}

/// How an attacker's socket behaves once connected.
#[derive(Clone, Copy)]
enum Idle {
    /// Never sends a byte (not even a TLS ClientHello).
    Tcp,
    /// Finishes the TLS and websocket handshakes, then never authenticates.
    Websocket,
}

/// `per_address` sockets from each address, each reconnected as soon as the agent closes
/// it, until the set is dropped.
fn flood(
    to: SocketAddr,
    trust: &Trust,
    addresses: &[&str],
    per_address: usize,
    idle: Idle,
) -> JoinSet<()> {
    let mut set = JoinSet::new();
    for from in addresses {
        let from: SocketAddr = format!("{from}:0").parse().unwrap();
        for _ in 0..per_address {
            let trust = trust.clone();
            set.spawn(async move {
                loop {
                    hold(to, from, &trust, idle).await;
                    // A persistent attacker, but not one that pegs the test machine's CPU.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            });
        }
    }
    set
}

/// One attacker socket, from connect until the agent closes it.
async fn hold(to: SocketAddr, from: SocketAddr, trust: &Trust, idle: Idle) {
    let sock = TcpSocket::new_v4().expect("socket");
    sock.bind(from).expect("bind attacker address");
    let Ok(mut stream) = sock.connect(to).await else { return };
    match idle {
        Idle::Tcp => {
            let _ = stream.read(&mut [0u8; 64]).await;
        }
        Idle::Websocket => {
            let Ok(mut ws) = client::open_over(stream, &to.to_string(), trust).await else {
                return;
            };
            // Reads the hello, then nothing until the agent closes.
            while let Some(Ok(_)) = futures_util::StreamExt::next(&mut ws).await {}
        }
    }
}

/// Home Assistant from `from`: authenticates and lists the sessions.
async fn log_in(to: SocketAddr, from: &str, trust: &Trust) -> Result<(), String> {
    let sock = TcpSocket::new_v4().map_err(|e| e.to_string())?;
    sock.bind(format!("{from}:0").parse().unwrap()).map_err(|e| e.to_string())?;
    let stream = sock.connect(to).await.map_err(|e| e.to_string())?;
    let ws =
        client::open_over(stream, &to.to_string(), trust).await.map_err(|e| format!("{e:#}"))?;
    let mut c = Connection::authenticate(ws, TOKEN).await.map_err(|e| format!("{e:#}"))?;
    let listed = c.request(&Command::ListSessions).await.map_err(|e| format!("{e:#}"))?;
    c.close().await;
    match listed {
        CommandResult::Snapshot(_) => Ok(()),
        other => Err(format!("unexpected result {other:?}")),
    }
}

/// Logs in `tries` times, from `from(i)`; the errors of the failed tries.
async fn log_ins(
    to: SocketAddr,
    trust: &Trust,
    tries: usize,
    from: impl Fn(usize) -> String,
) -> Vec<String> {
    let mut failed = Vec::new();
    for i in 0..tries {
        if let Err(e) = log_in(to, &from(i), trust).await {
            failed.push(e);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    failed
}

const FOUR: [&str; 4] = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"];
const FOUR_MORE: [&str; 4] = ["127.0.0.6", "127.0.0.7", "127.0.0.8", "127.0.0.9"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_floods_from_several_addresses_do_not_keep_a_new_client_out() {
    let (addr, trust, _stop) = start().await;
    // 4 addresses × 4 sockets that never send a TLS byte filled all 16 places at 53b845b.
    let tcp = flood(addr, &trust, &FOUR, 4, Idle::Tcp);
    tokio::time::sleep(Duration::from_millis(300)).await;
    // A client the agent has never seen, from a fresh address each time.
    let failed = log_ins(addr, &trust, 25, |i| format!("127.0.1.{}", i + 1)).await;
    assert!(failed.is_empty(), "{} of 25 log-ins failed: {failed:?}", failed.len());
    // Twice as many addresses, half of them finishing the handshakes and idling.
    let ws = flood(addr, &trust, &FOUR_MORE, 4, Idle::Websocket);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let failed = log_ins(addr, &trust, 25, |i| format!("127.0.2.{}", i + 1)).await;
    assert!(failed.is_empty(), "{} of 25 log-ins failed: {failed:?}", failed.len());
    drop((tcp, ws));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_authenticated_before_keeps_a_place_under_any_flood() {
    let (addr, trust, _stop) = start().await;
    log_in(addr, "127.0.0.1", &trust).await.expect("Home Assistant pairs before the attack");
    // One socket from each of 24 addresses: no group is heavier than a newcomer's, so
    // only the places kept for recent clients stand between the flood and a log-in.
    let many: Vec<String> = (10..34).map(|i| format!("127.0.0.{i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let tcp = flood(addr, &trust, &many[..12], 1, Idle::Tcp);
    let ws = flood(addr, &trust, &many[12..], 1, Idle::Websocket);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let failed = log_ins(addr, &trust, 25, |_| "127.0.0.1".into()).await;
    assert!(failed.is_empty(), "{} of 25 log-ins failed: {failed:?}", failed.len());
    drop((tcp, ws));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_that_sends_no_tls_hello_is_closed_within_seconds() {
    let (addr, _trust, _stop) = start().await;
    let sock = TcpSocket::new_v4().expect("socket");
    sock.bind("127.0.0.2:0".parse().unwrap()).expect("bind");
    let mut stream = sock.connect(addr).await.expect("connect");
    let t0 = Instant::now();
    let read = tokio::time::timeout(Duration::from_secs(8), stream.read(&mut [0u8; 16])).await;
    let waited = t0.elapsed();
    assert!(matches!(read, Ok(Ok(0) | Err(_))), "still open after {waited:?}");
    // Its own deadline (3 s), well before the 10 s that authentication has.
    assert!(waited < Duration::from_secs(5), "closed after {waited:?}");
}
