//! The state of one OpenCode instance, read after every (re)connect (and, for OpenCode 2,
//! every `location.shutdown`) in the line it speaks. The tracker reconciles it with what
//! it already knows.

mod v1;
mod v2;

use crate::{
    opencode::{
        api::{Api, Line},
        event::{SessionInfo, Status},
    },
    protocol::ApiError,
    tracker::Resync,
};
use std::collections::HashMap;

/// When the tracker last saw each session active (epoch ms; `Tracker::seen`).
pub type Seen = HashMap<String, i64>;

/// Idle sessions whose messages are read for the usage they reported unseen: at most this
/// many, most recently updated first.
const GAP_SESSIONS: usize = 20;
/// Messages read per such session.
const GAP_MESSAGES: usize = 20;

/// Fetches sessions, statuses, pending requests and model limits, and the recent messages
/// of busy sessions and of idle ones OpenCode updated since the tracker last saw them.
pub async fn fetch(api: &Api, max_sessions: usize, seen: &Seen) -> Result<Resync, ApiError> {
    match api.line() {
        Line::V1 => v1::fetch(api, max_sessions, seen).await,
        Line::V2 => Ok(v2::fetch(api, max_sessions, seen).await?),
    }
}

/// Idle sessions updated while the agent was not listening: known ones updated after the
/// tracker last saw them, and unknown ones created after the newest activity it saw (none
/// when it saw nothing: then there was no gap, only history).
fn gap(sessions: &[SessionInfo], busy: &HashMap<String, Status>, seen: &Seen) -> Vec<String> {
    let newest = seen.values().max().copied();
    let mut out: Vec<(i64, &str)> = sessions
        .iter()
        .filter(|s| !busy.contains_key(&s.id))
        .filter_map(|s| {
            let updated = s.time.updated.or(s.time.created)?;
            let unseen = match seen.get(&s.id) {
                Some(at) => updated > *at,
                None => newest.zip(s.time.created).is_some_and(|(n, c)| c > n),
            };
            unseen.then_some((updated, s.id.as_str()))
        })
        .collect();
    out.sort_by(|a, b| b.cmp(a));
    out.into_iter().take(GAP_SESSIONS).map(|(_, id)| id.to_owned()).collect()
}
