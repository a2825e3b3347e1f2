//! Admission: the budgets the connection tasks share (client slots, the pre-auth pool,
//! failed authentications per address).
//!
//! Limits before trust: a connection that has not authenticated holds one of a small pool
//! of pre-auth places (`preauth`: a few per address or IPv6 /64, the oldest evicted when
//! full), never one of the client slots. The client slots are taken only by
//! authenticated clients.

use super::{
    preauth::{Limits, Place, Pool},
    settings::Settings,
};
use crate::hub::Hub;
use std::{
    collections::{HashMap, VecDeque},
    net::IpAddr,
    sync::{atomic::AtomicU64, Arc, Mutex},
    time::{Duration, Instant},
};
use tokio::sync::Semaphore;

/// The window over which failed authentications are counted.
const FAILURE_WINDOW: Duration = Duration::from_secs(60);

/// What all connection tasks share.
pub(super) struct Shared {
    pub(super) hub: Hub,
    pub(super) settings: Settings,
    pub(super) slots: Arc<Semaphore>,
    pub(super) next_id: AtomicU64,
    failures: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
    preauth: Arc<Pool>,
}

impl Shared {
    /// The state of a server that serves `hub` with `settings`.
    pub(super) fn new(hub: Hub, settings: Settings) -> Self {
        Shared {
            hub,
            slots: Arc::new(Semaphore::new(settings.max_clients)),
            preauth: Pool::new(Limits {
                places: settings.max_unauthenticated,
                per_group: settings.max_unauthenticated_per_address,
                reserved: settings.preauth_reserved,
                recent: settings.recent_auth,
            }),
            failures: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            settings,
        }
    }

    /// A pre-auth place for a new connection from `peer`; an older one may be evicted.
    pub(super) fn admit(&self, peer: IpAddr) -> Place {
        self.preauth.admit(peer)
    }

    /// `peer` holds an authenticated connection: it has reserved pre-auth places for a
    /// while after (see `Settings::recent_auth`).
    pub(super) fn authenticated(&self, peer: IpAddr) {
        self.preauth.authenticated(peer);
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
