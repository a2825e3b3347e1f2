//! The API server's accept loop and admission: who gets a connection task at all.
//!
//! Limits before trust: a connection that has not authenticated holds one of a small pool
//! of pre-auth places (at most a few per peer address), never one of the client slots,
//! and is dropped at once when the pool or its address's share is full. The client slots
//! are taken only by authenticated clients.

use super::connection;
use crate::hub::Hub;
use std::{
    collections::{HashMap, VecDeque},
    net::IpAddr,
    sync::{atomic::AtomicU64, Arc, Mutex},
    time::{Duration, Instant},
};
use tokio::{
    net::TcpListener,
    sync::{watch, Notify, OwnedSemaphorePermit, Semaphore},
};

/// The token and certificate the API accepts, as they are now.
pub struct Secrets {
    pub token: String,
    /// TLS (the default); `None` only with `--insecure-plaintext`.
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

/// The API's current secrets, replaceable while it runs (`opencode-lookout rotate`): new
/// connections get the new ones, and every client authenticated before is closed with
/// `credentials_rotated`, since it proved only a token that is no longer valid.
#[derive(Clone)]
pub struct Credentials(Arc<watch::Sender<Arc<Secrets>>>);

impl Credentials {
    pub fn new(token: String, tls: Option<Arc<rustls::ServerConfig>>) -> Self {
        Credentials(Arc::new(watch::Sender::new(Arc::new(Secrets { token, tls }))))
    }

    /// Replaces the secrets; authenticated clients are closed.
    pub fn rotate(&self, token: String, tls: Option<Arc<rustls::ServerConfig>>) {
        self.0.send_replace(Arc::new(Secrets { token, tls }));
    }

    pub fn current(&self) -> Arc<Secrets> {
        self.0.borrow().clone()
    }

    /// A receiver that sees the next rotation (and none before).
    pub(super) fn watch(&self) -> watch::Receiver<Arc<Secrets>> {
        self.0.subscribe()
    }
}

impl std::fmt::Debug for Credentials {
    // Never the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tls = self.current().tls.is_some();
        f.debug_struct("Credentials").field("tls", &tls).finish_non_exhaustive()
    }
}

/// Server settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub credentials: Credentials,
    pub server_id: String,
    pub hostname: String,
    /// Authenticated clients at once.
    pub max_clients: usize,
    /// Connections that have not authenticated yet, at once, from all addresses.
    pub max_unauthenticated: usize,
    /// ... and from one peer address.
    pub max_unauthenticated_per_address: usize,
    /// Commands of one client waiting for OpenCode at once.
    pub max_in_flight: usize,
    /// Time from accept to a successful `auth`, handshakes included.
    pub auth_timeout: Duration,
    /// Failed authentications allowed per peer address per minute.
    pub auth_failures_per_minute: usize,
    pub ping_interval: Duration,
    /// A connection silent for this long is closed.
    pub idle_timeout: Duration,
}

impl Settings {
    /// The defaults of the running agent for these credentials.
    pub fn new(credentials: Credentials, server_id: String, hostname: String) -> Self {
        Settings {
            credentials,
            server_id,
            hostname,
            max_clients: 32,
            max_unauthenticated: 16,
            max_unauthenticated_per_address: 4,
            max_in_flight: 16,
            auth_timeout: Duration::from_secs(crate::protocol::AUTH_TIMEOUT_S),
            auth_failures_per_minute: 5,
            ping_interval: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
        }
    }
}

/// The window over which failed authentications are counted.
const FAILURE_WINDOW: Duration = Duration::from_secs(60);

/// What all connection tasks share.
pub(super) struct Shared {
    pub(super) hub: Hub,
    pub(super) settings: Settings,
    pub(super) slots: Arc<Semaphore>,
    pub(super) next_id: AtomicU64,
    failures: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
    preauth: Arc<Semaphore>,
    preauth_by_address: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// A pre-auth place: released when dropped (on authentication or when the peer leaves).
pub(super) struct Preauth {
    _permit: OwnedSemaphorePermit,
    peer: IpAddr,
    by_address: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl Drop for Preauth {
    fn drop(&mut self) {
        let mut m = self.by_address.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = m.get_mut(&self.peer) {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.peer);
            }
        }
    }
}

impl Shared {
    /// A pre-auth place for a new connection from `peer`, if one is free.
    fn admit(&self, peer: IpAddr) -> Option<Preauth> {
        let mut m = self.preauth_by_address.lock().unwrap_or_else(|e| e.into_inner());
        let n = m.entry(peer).or_insert(0);
        if *n >= self.settings.max_unauthenticated_per_address {
            return None;
        }
        let permit = self.preauth.clone().try_acquire_owned().ok()?;
        *n += 1;
        Some(Preauth { _permit: permit, peer, by_address: self.preauth_by_address.clone() })
    }

    /// `Some(seconds until the next attempt)` while a peer is over its failure budget.
    pub(super) fn retry_after(&self, peer: IpAddr) -> Option<u64> {
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

    pub(super) fn record_failure(&self, peer: IpAddr) {
        let mut f = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        f.entry(peer).or_default().push_back(Instant::now());
        // Bound the table: forget peers whose failures are all old.
        if f.len() > 4096 {
            let cutoff = Instant::now().checked_sub(FAILURE_WINDOW);
            f.retain(|_, v| v.back().is_some_and(|t| cutoff.is_none_or(|c| *t > c)));
        }
    }
}

/// Serves the API on `listener` until `shutdown` resolves.
pub async fn run(
    listener: TcpListener,
    hub: Hub,
    settings: Settings,
    shutdown: impl std::future::Future<Output = ()>,
) {
    if settings.credentials.current().tls.is_none() {
        tracing::warn!(
            "the API is served WITHOUT TLS (--insecure-plaintext): anyone on the network can \
             read the token and the sessions; use this only for debugging"
        );
    }
    let shared = Arc::new(Shared {
        hub,
        slots: Arc::new(Semaphore::new(settings.max_clients)),
        preauth: Arc::new(Semaphore::new(settings.max_unauthenticated)),
        preauth_by_address: Arc::default(),
        failures: Mutex::new(HashMap::new()),
        next_id: AtomicU64::new(1),
        settings,
    });
    let stop = Arc::new(Notify::new());
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let Some(place) = shared.admit(peer.ip()) else {
                        // Dropping the socket at once keeps idle floods from holding anything.
                        tracing::debug!(%peer, "refusing connection: too many unauthenticated");
                        continue;
                    };
                    let (shared, stop) = (shared.clone(), stop.clone());
                    tokio::spawn(connection::run(shared, stream, peer.ip(), place, stop));
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
