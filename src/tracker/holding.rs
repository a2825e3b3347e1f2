//! Reading an instance's state while its events keep coming: events that arrive while a
//! resync is read are held and applied after it, since they are as new as the state read
//! or newer, and applying them first would let the older state undo them (a permission
//! answered, a run started). Until the first read after connecting is applied, the
//! instance's sessions stay unavailable: what they show is not yet OpenCode's state, and
//! a command sent then would race the read.

use super::{Change, Event, Instance, Tracker};
use std::collections::HashSet;

/// Events held per instance while its state is read; beyond this they are applied as they
/// come (the read, when it lands, may then be older than some of them).
pub const HELD_MAX: usize = 10_000;

/// An instance whose state is being read.
#[derive(Debug, Default)]
pub struct Syncing {
    /// Events that arrived meanwhile, with their arrival time.
    held: Vec<(Event, i64)>,
    /// The first read since the instance connected: its sessions are unavailable until then.
    first: bool,
}

impl Syncing {
    /// The read that follows a connect.
    pub fn first() -> Self {
        Syncing { held: Vec::new(), first: true }
    }
}

impl Tracker {
    /// Whether an instance is connected and its state was read since: its sessions are
    /// available and commands may go to it.
    pub fn serves(&self, instance_id: &str) -> bool {
        self.is_connected(instance_id) && !self.syncing.get(instance_id).is_some_and(|s| s.first)
    }

    /// Marks an instance connected (not yet serving when a read follows).
    pub(super) fn apply_connected(&mut self, mut inst: Instance, out: &mut Vec<Change>) {
        inst.connected = true;
        // Forget plugin processes that are gone and own nothing any more.
        let owned: HashSet<&str> = self.sessions.values().map(|r| r.instance.as_str()).collect();
        self.instances.retain(|id, i| i.connected || owned.contains(id.as_str()) || *id == inst.id);
        self.instances.insert(inst.id.clone(), inst.clone());
        let owned = self.owned(&inst.id);
        out.push(Change::InstanceConnected(inst));
        // A known instance coming back changes its sessions' availability.
        out.extend(owned.into_iter().map(Change::Session));
    }

    /// Starts holding a connected instance's events.
    pub(super) fn hold(&mut self, instance_id: &str) {
        if self.is_connected(instance_id) {
            self.syncing.entry(instance_id.to_owned()).or_default();
        }
    }

    /// Holds an event of an instance whose state is being read; returns it when it is to
    /// be applied now.
    pub(super) fn held(
        &mut self,
        instance_id: &str,
        event: Event,
        now: i64,
        out: &mut Vec<Change>,
    ) -> Option<Event> {
        let Some(syncing) = self.syncing.get_mut(instance_id) else { return Some(event) };
        if syncing.held.len() < HELD_MAX {
            syncing.held.push((event, now));
            return None;
        }
        tracing::warn!(instance = instance_id, "too many events during a resync; applying them");
        self.release(instance_id, out);
        Some(event)
    }

    /// Ends a read: the instance serves, and the events held meanwhile are applied.
    pub(super) fn release(&mut self, instance_id: &str, out: &mut Vec<Change>) {
        let Some(syncing) = self.syncing.remove(instance_id) else { return };
        if syncing.first {
            out.extend(self.owned(instance_id).into_iter().map(Change::Session));
        }
        for (event, at) in syncing.held {
            self.event(instance_id, event, at, out);
        }
    }
}
