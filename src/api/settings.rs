//! The API server's settings: credentials, limits and timers.

use super::credentials::Credentials;
use std::time::Duration;

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
    /// ... and from one peer address (IPv6: one /64). A connection beyond either limit
    /// evicts an older one rather than being refused.
    pub max_unauthenticated_per_address: usize,
    /// Extra places for addresses that held an authenticated connection within
    /// `recent_auth`, which unauthenticated strangers can neither take nor evict.
    pub preauth_reserved: usize,
    pub recent_auth: Duration,
    /// Time from accept to the end of the TLS handshake (without TLS: to the first byte).
    pub handshake_timeout: Duration,
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
            preauth_reserved: 4,
            recent_auth: Duration::from_secs(3600),
            handshake_timeout: Duration::from_secs(3),
            max_in_flight: 16,
            auth_timeout: Duration::from_secs(crate::protocol::AUTH_TIMEOUT_S),
            auth_failures_per_minute: 5,
            ping_interval: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
        }
    }
}
