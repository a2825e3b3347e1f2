//! Sessions a resync's list proves gone: deleted in OpenCode while the agent was down or
//! its link reconnecting, when no `session.deleted` could reach it.

use super::{Record, Resync, Scope, Tracker};
use crate::protocol::RemovedReason;
use std::collections::HashSet;

impl Tracker {
    /// Removes (`deleted`) the sessions in the list's scope that it leaves out and proves
    /// gone, of this instance or of none connected. Sessions another connected instance
    /// runs are left to it: one created after this list was read is not in it.
    pub(super) fn unlisted(&mut self, instance: &str, data: &Resync, out: &mut Vec<super::Change>) {
        let Some(scope) = &data.listing.scope else { return };
        let listed: HashSet<&str> = data.sessions.iter().map(|s| s.id.as_str()).collect();
        // The oldest session listed, when every listed one says when it was made and
        // updated; a cut list holds everything newer than that.
        let oldest = |f: fn(&crate::opencode::event::SessionInfo) -> Option<i64>| {
            data.sessions.iter().map(f).collect::<Option<Vec<i64>>>()?.into_iter().min()
        };
        let oldest = (oldest(|s| s.time.created), oldest(|s| s.time.updated));
        let own_dir = self.instances.get(instance).and_then(|i| i.directory.clone());
        let in_scope = |r: &Record| match scope {
            Scope::All => true,
            Scope::Directories(dirs) => r
                .directory
                .as_ref()
                .is_some_and(|d| dirs.contains(d) || own_dir.as_ref() == Some(d)),
        };
        let proven = |r: &Record| {
            data.listing.complete
                || matches!(
                    (oldest, r.created, r.updated),
                    ((Some(c0), Some(u0)), Some(c), Some(u)) if c > c0 && u > u0
                )
        };
        let mut gone: Vec<String> = self
            .sessions
            .values()
            .filter(|r| !listed.contains(r.id.as_str()))
            .filter(|r| r.instance == instance || !self.is_connected(&r.instance))
            .filter(|r| in_scope(r) && proven(r))
            .map(|r| r.id.clone())
            .collect();
        gone.sort();
        for id in gone {
            // A removed parent takes its children along; skip those already gone.
            if self.sessions.contains_key(&id) {
                self.remove(&id, RemovedReason::Deleted, out);
            }
        }
    }
}
