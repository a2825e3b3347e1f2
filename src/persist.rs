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

impl UsageRow {
    /// What is known of one message after another reading of it (`old` is `None` the first
    /// time): its counts only grow while it streams, so field by field the larger; a cost
    /// that is not finite is ignored. Ids, model and creation time are the first known: a
    /// reading fills them only where none was known (no model, time 0), so a known model
    /// is never replaced, by `None` or by another name. The one rule for the hub's totals
    /// and the store's ledger, which must stay equal.
    pub fn merge(old: Option<&UsageRow>, new: &UsageRow) -> UsageRow {
        let zero = UsageRow::default();
        let base = old.unwrap_or(&zero);
        let first = old.unwrap_or(new);
        UsageRow {
            message_id: first.message_id.clone(),
            session_id: first.session_id.clone(),
            model: first.model.clone().or_else(|| new.model.clone()),
            time_ms: if first.time_ms != 0 { first.time_ms } else { new.time_ms },
            tokens_input: base.tokens_input.max(new.tokens_input),
            tokens_output: base.tokens_output.max(new.tokens_output),
            tokens_reasoning: base.tokens_reasoning.max(new.tokens_reasoning),
            tokens_cache_read: base.tokens_cache_read.max(new.tokens_cache_read),
            tokens_cache_write: base.tokens_cache_write.max(new.tokens_cache_write),
            cost: if new.cost.is_finite() { base.cost.max(new.cost) } else { base.cost },
        }
    }
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

#[cfg(test)]
mod tests {
    //! The usage merge rule the hub and the store share.
    use super::*;

    fn row(model: Option<&str>, time_ms: i64, tokens_output: u64, cost: f64) -> UsageRow {
        UsageRow {
            message_id: "msg_1".into(),
            session_id: "ses_1".into(),
            model: model.map(str::to_owned),
            time_ms,
            tokens_output,
            cost,
            ..UsageRow::default()
        }
    }

    #[test]
    fn merge_keeps_the_largest_and_the_first_known() {
        let known = row(Some("anthropic/claude"), 5, 10, 0.5);
        // (case, old, new, expected)
        let cases = [
            ("first reading", None, row(Some("a/b"), 5, 3, 0.1), row(Some("a/b"), 5, 3, 0.1)),
            (
                "counts grow",
                Some(&known),
                row(None, 5, 20, 0.7),
                row(Some("anthropic/claude"), 5, 20, 0.7),
            ),
            ("never shrink", Some(&known), row(None, 5, 1, 0.1), known.clone()),
            // The hub's copy took the newer name and the store's kept the first: one rule now.
            (
                "another model name",
                Some(&known),
                row(Some("openai/gpt"), 5, 10, 0.5),
                known.clone(),
            ),
            (
                "model learnt later",
                Some(&row(None, 0, 1, 0.0)),
                row(Some("a/b"), 9, 1, 0.0),
                row(Some("a/b"), 9, 1, 0.0),
            ),
            ("absurd cost", Some(&known), row(None, 5, 10, f64::INFINITY), known.clone()),
            ("first absurd cost", None, row(None, 5, 0, f64::NAN), row(None, 5, 0, 0.0)),
        ];
        for (case, old, new, expected) in cases {
            assert_eq!(UsageRow::merge(old, &new), expected, "{case}");
        }
    }
}
