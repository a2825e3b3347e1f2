//! What the hub hands to the store and what the store gives back at start. The hub decides
//! *what* to remember; `store/` decides *how* (SQLite in the data dir). Kept apart so that
//! neither imports the other.

use crate::protocol::{Instance, Session, Usage};

/// One assistant message's usage, as far as it is known now (it grows while the message
/// streams). The ledger keeps one row per `message_id`, field by field the largest seen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UsageRow {
    pub message_id: String,
    pub session_id: String,
    /// `provider/model`, when known.
    pub model: Option<String>,
    /// When the message was created, epoch ms.
    pub time_ms: i64,
    pub tokens_input: u64,
    pub tokens_output: u64,
    pub tokens_reasoning: u64,
    pub tokens_cache_read: u64,
    pub tokens_cache_write: u64,
    pub cost: f64,
}

/// A write the hub asks the store for, in the order the hub decided them.
#[derive(Debug, Clone, PartialEq)]
pub enum Persist {
    /// The latest snapshot of a session (at most one per session per flush).
    Session(Box<Session>),
    /// A session left for good (deleted, evicted, stale).
    Removed(String),
    /// An instance sessions refer to, as last seen.
    Instance(Instance),
    /// One message's usage, whenever it grew.
    Usage(UsageRow),
}

/// What the store remembered, handed to the hub at start.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Remembered {
    /// Sessions as last seen; the hub serves them unavailable until their OpenCode is back.
    pub sessions: Vec<Session>,
    /// Instances as last seen; served disconnected.
    pub instances: Vec<Instance>,
    /// The machine totals so far.
    pub usage: Usage,
    /// Ledger rows of the remembered sessions, so that a message seen again after a restart
    /// adds only what it grew by.
    pub ledger: Vec<UsageRow>,
}
