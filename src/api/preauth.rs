//! The pre-auth pool: the places connections hold from accept until they authenticate.
//! Owns who holds a place and who is evicted; not the deadlines (`connection`) nor the
//! failure budget (`admission`).
//!
//! A new connection is never refused. When its group (an IPv4 address, or an IPv6 /64,
//! which one LAN host can fill with addresses at will) already holds its share, the
//! group's oldest connection is evicted; when the pool is full, the oldest connection of
//! the group holding the most places is. A flood from a few addresses thus churns only
//! its own places, and a lone newcomer outlives every one of them. Addresses that
//! authenticated recently (Home Assistant, reconnecting) have a few places of their own
//! that no unauthenticated stranger can take or evict.

use std::{
    collections::HashMap,
    net::{IpAddr, Ipv4Addr},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use tokio::sync::Notify;

/// Addresses remembered as recently authenticated, at most (the oldest are forgotten).
const MAX_REMEMBERED: usize = 256;

/// Where a peer counts: its IPv4 address, or its IPv6 /64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Group {
    V4(Ipv4Addr),
    V6(u64),
}

impl Group {
    pub(super) fn of(ip: IpAddr) -> Group {
        match ip {
            IpAddr::V4(a) => Group::V4(a),
            // A dual-stack listener sees IPv4 peers as mapped addresses.
            IpAddr::V6(a) => match a.to_ipv4_mapped() {
                Some(v4) => Group::V4(v4),
                None => Group::V6((u128::from(a) >> 64) as u64),
            },
        }
    }
}

/// The pool's sizes.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    /// Places for everyone.
    pub(super) places: usize,
    /// Of those, at most this many per group.
    pub(super) per_group: usize,
    /// Extra places only for addresses that authenticated within `recent`.
    pub(super) reserved: usize,
    pub(super) recent: Duration,
}

/// The pre-auth pool.
pub(super) struct Pool {
    limits: Limits,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    /// Oldest first.
    held: Vec<Held>,
    /// When each address last held an authenticated connection.
    recent: HashMap<IpAddr, Instant>,
}

struct Held {
    id: u64,
    group: Group,
    reserved: bool,
    evict: Arc<Notify>,
}

/// A place in the pool: given back when dropped (the peer authenticated or left).
pub(super) struct Place {
    id: u64,
    pool: Arc<Pool>,
    evict: Arc<Notify>,
}

impl Place {
    /// Resolves once a newer connection took this place; the connection must then end.
    pub(super) async fn evicted(&self) {
        self.evict.notified().await;
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        self.pool.lock().held.retain(|h| h.id != self.id);
    }
}

impl Pool {
    pub(super) fn new(limits: Limits) -> Arc<Pool> {
        Arc::new(Pool { limits, inner: Mutex::default() })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A place for a new connection from `peer`, evicting an older one if needed.
    pub(super) fn admit(self: &Arc<Self>, peer: IpAddr) -> Place {
        let limits = self.limits;
        let mut inner = self.lock();
        let group = Group::of(peer);
        let known = inner.recent.get(&peer).is_some_and(|t| t.elapsed() < limits.recent);
        let reserved = known && inner.held.iter().filter(|h| h.reserved).count() < limits.reserved;
        if !reserved {
            let open = inner.held.iter().filter(|h| !h.reserved);
            if open.clone().filter(|h| h.group == group).count() >= limits.per_group {
                inner.evict(|h| !h.reserved && h.group == group);
            } else if open.count() >= limits.places {
                let victim = inner.heaviest_group();
                inner.evict(|h| !h.reserved && Some(h.group) == victim);
            }
        }
        inner.next_id += 1;
        let id = inner.next_id;
        let evict = Arc::new(Notify::new());
        inner.held.push(Held { id, group, reserved, evict: evict.clone() });
        Place { id, pool: self.clone(), evict }
    }

    /// Remembers that `peer` holds (or just held) an authenticated connection.
    pub(super) fn authenticated(&self, peer: IpAddr) {
        let recent = self.limits.recent;
        let mut inner = self.lock();
        inner.recent.insert(peer, Instant::now());
        if inner.recent.len() > MAX_REMEMBERED {
            inner.recent.retain(|_, t| t.elapsed() < recent);
            while inner.recent.len() > MAX_REMEMBERED {
                let oldest = inner.recent.iter().min_by_key(|(_, t)| **t).map(|(ip, _)| *ip);
                inner.recent.retain(|ip, _| Some(*ip) != oldest);
            }
        }
    }

    /// Places held now (reserved ones included).
    #[cfg(test)]
    fn held(&self) -> usize {
        self.lock().held.len()
    }
}

impl Inner {
    /// Evicts the oldest open place matching `which`.
    fn evict(&mut self, which: impl Fn(&Held) -> bool) {
        if let Some(i) = self.held.iter().position(which) {
            self.held.remove(i).evict.notify_one();
        }
    }

    /// The group with the most open places; of equals, the one holding the oldest.
    fn heaviest_group(&self) -> Option<Group> {
        let mut counts: HashMap<Group, usize> = HashMap::new();
        for h in self.held.iter().filter(|h| !h.reserved) {
            *counts.entry(h.group).or_default() += 1;
        }
        let most = counts.values().copied().max()?;
        self.held.iter().find(|h| !h.reserved && counts[&h.group] == most).map(|h| h.group)
    }
}

#[cfg(test)]
mod tests {
    //! Who is evicted, groups and reserved places.
    use super::*;
    use futures_util::FutureExt;

    fn pool(reserved: usize) -> Arc<Pool> {
        Pool::new(Limits { places: 4, per_group: 2, reserved, recent: Duration::from_secs(60) })
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn evicted(p: &Place) -> bool {
        p.evicted().now_or_never().is_some()
    }

    #[test]
    fn ipv6_counts_per_64_and_mapped_ipv4_per_address() {
        assert_eq!(Group::of(ip("2001:db8::1")), Group::of(ip("2001:db8::ffff:ffff:ffff:1")));
        assert_ne!(Group::of(ip("2001:db8::1")), Group::of(ip("2001:db8:0:1::1")));
        assert_eq!(Group::of(ip("::ffff:10.0.0.1")), Group::of(ip("10.0.0.1")));
        assert_ne!(Group::of(ip("10.0.0.1")), Group::of(ip("10.0.0.2")));
    }

    #[test]
    fn a_full_group_evicts_its_own_oldest() {
        let p = pool(0);
        let a: Vec<Place> = (0..2).map(|_| p.admit(ip("10.0.0.2"))).collect();
        let other = p.admit(ip("10.0.0.3"));
        let b = p.admit(ip("10.0.0.2"));
        assert!(evicted(&a[0]) && !evicted(&a[1]) && !evicted(&other) && !evicted(&b));
        assert_eq!(p.held(), 3);
        // Another /64 address is the same group.
        let v6: Vec<Place> =
            ["2001:db8::1", "2001:db8::2", "2001:db8::3"].map(|a| p.admit(ip(a))).into();
        assert!(evicted(&v6[0]) && !evicted(&v6[2]));
    }

    #[test]
    fn a_full_pool_evicts_the_oldest_of_the_heaviest_group() {
        let p = pool(0);
        let lone = p.admit(ip("10.0.0.1"));
        let flood: Vec<Place> = ["10.0.0.2", "10.0.0.2", "10.0.0.3"].map(|a| p.admit(ip(a))).into();
        // Full: the newcomer evicts from the group with two places, not the oldest overall.
        let newcomer = p.admit(ip("10.0.0.4"));
        assert!(!evicted(&lone) && evicted(&flood[0]) && !evicted(&flood[1]));
        // Groups of one each: the oldest goes.
        let next = p.admit(ip("10.0.0.5"));
        assert!(evicted(&lone) && !evicted(&newcomer) && !evicted(&next));
        // Dropped places are given back.
        drop((flood, newcomer, next));
        assert_eq!(p.held(), 0);
    }

    #[test]
    fn recently_authenticated_addresses_have_places_of_their_own() {
        let p = pool(1);
        p.authenticated(ip("10.0.0.1"));
        let flood: Vec<Place> =
            ["10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"].map(|a| p.admit(ip(a))).into();
        let known = p.admit(ip("10.0.0.1"));
        assert!(flood.iter().all(|f| !evicted(f)), "the reserved place evicts nobody");
        let more: Vec<Place> = (6..12).map(|i| p.admit(ip(&format!("10.0.0.{i}")))).collect();
        assert!(!evicted(&known), "a stranger evicted the reserved place");
        assert!(more.iter().rev().take(4).all(|m| !evicted(m)));
        // Reserved places full: the next one competes like anyone else.
        let second = p.admit(ip("10.0.0.1"));
        assert!(!evicted(&known) && !evicted(&second));
        assert_eq!(p.held(), 5);
    }
}
