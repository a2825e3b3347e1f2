//! Admission: who gets a connection task at all, and the budgets the connection tasks
//! share (client slots, the pre-auth pool, failed authentications per address).
//!
//! Limits before trust: a connection that has not authenticated holds one of a small pool
//! of pre-auth places (at most a few per peer address), never one of the client slots,
//! and is dropped at once when the pool or its address's share is full. The client slots
//! are taken only by authenticated clients.

use super::settings::Settings;
use crate::hub::Hub;
use std::{
    collections::{HashMap, VecDeque},
    net::IpAddr,
    sync::{atomic::AtomicU64, Arc, Mutex},
    time::{Duration, Instant},
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

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
    /// The state of a server that serves `hub` with `settings`.
    pub(super) fn new(hub: Hub, settings: Settings) -> Self {
        Shared {
            hub,
            slots: Arc::new(Semaphore::new(settings.max_clients)),
            preauth: Arc::new(Semaphore::new(settings.max_unauthenticated)),
            preauth_by_address: Arc::default(),
            failures: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            settings,
        }
    }

    /// A pre-auth place for a new connection from `peer`, if one is free.
    pub(super) fn admit(&self, peer: IpAddr) -> Option<Preauth> {
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
