//! Who answered a permission: this agent's API or OpenCode (its terminal, another client).
//!
//! The one place that decides `by` for `permission.replied`. It keeps the API replies in
//! flight and those OpenCode accepted before reporting them. A resolution OpenCode reports
//! while our reply is in flight is held back until the call ends: only a reply OpenCode
//! accepted is attributed to the API. It does not know sessions; the tracker asks it.

use super::Change;
use crate::protocol::ResolvedBy;
use std::collections::{HashMap, HashSet};

/// API replies in flight and accepted ones not reported yet, by permission id.
#[derive(Debug, Default)]
pub(super) struct Replies {
    /// Replies sent and not answered yet, with the resolution OpenCode reported meanwhile.
    in_flight: HashMap<String, Option<Change>>,
    /// Replies OpenCode accepted before it reported them: their report is the API's.
    accepted: HashSet<String>,
}

impl Replies {
    /// Reserves a permission for an API reply; false when one is already in flight.
    pub(super) fn start(&mut self, permission_id: &str) -> bool {
        if self.in_flight.contains_key(permission_id) {
            return false;
        }
        self.in_flight.insert(permission_id.to_owned(), None);
        true
    }

    /// Ends an API reply; returns the resolution held back meanwhile, attributed to the API
    /// when OpenCode accepted the reply. An accepted reply not reported yet is remembered
    /// while the permission is still `pending`, so that its report is the API's.
    pub(super) fn finish(
        &mut self,
        permission_id: &str,
        accepted: bool,
        pending: bool,
    ) -> Option<Change> {
        match self.in_flight.remove(permission_id) {
            Some(Some(mut held)) => {
                if let Change::PermissionResolved { by, .. } = &mut held {
                    if accepted {
                        *by = ResolvedBy::Api;
                    }
                }
                Some(held)
            }
            Some(None) if accepted && pending => {
                self.accepted.insert(permission_id.to_owned());
                None
            }
            _ => None,
        }
    }

    /// Attributes a permission's resolution; `None` when it is held back until our reply in
    /// flight ends (see [`Replies::finish`]).
    pub(super) fn resolved(&mut self, mut change: Change) -> Option<Change> {
        let Change::PermissionResolved { permission_id, by, .. } = &mut change else {
            return Some(change);
        };
        if self.accepted.remove(permission_id.as_str()) && *by == ResolvedBy::Opencode {
            *by = ResolvedBy::Api;
        }
        if *by == ResolvedBy::Opencode {
            if let Some(slot) = self.in_flight.get_mut(permission_id.as_str()) {
                *slot = Some(change);
                return None;
            }
        }
        Some(change)
    }
}
