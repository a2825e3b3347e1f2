//! The machine's usage totals and the in-memory ledger they are counted from: one row per
//! assistant message, merged by [`UsageRow::merge`] (the store's ledger uses the same rule),
//! so that the totals grow by exactly what a message grew by. Pure: no clock, no I/O; the
//! hub decides when the totals are sent and the store what is written.

use crate::{persist::UsageRow, protocol::Usage};
use std::collections::HashMap;

/// Ledger rows kept in memory to recognise messages seen again; beyond this the oldest are
/// forgotten (the store keeps them all; a message that old reported again would count
/// twice, which a live OpenCode does not do).
const LEDGER_MAX: usize = 100_000;

/// The usage totals and the ledger rows they were counted from.
#[derive(Debug, Default)]
pub struct Ledger {
    usage: Usage,
    /// Per assistant message, field by field the largest usage seen: only growth counts.
    rows: HashMap<String, UsageRow>,
}

impl Ledger {
    /// Totals so far and the rows they were counted from (e.g. what the store remembered).
    pub fn new(usage: Usage, rows: Vec<UsageRow>) -> Self {
        Ledger { usage, rows: rows.into_iter().map(|r| (r.message_id.clone(), r)).collect() }
    }

    /// The machine's totals.
    pub fn usage(&self) -> &Usage {
        &self.usage
    }

    /// Counts a reading of a message's usage into the totals; returns the message's merged
    /// row when the totals changed (a new message, or one that grew).
    pub fn count(&mut self, row: &UsageRow) -> Option<UsageRow> {
        let old = self.rows.get(&row.message_id);
        let merged = UsageRow::merge(old, row);
        let zero = UsageRow::default();
        let base = old.unwrap_or(&zero);
        let is_new = old.is_none();
        if !is_new && merged == *base {
            return None;
        }
        let u = &mut self.usage;
        // Saturating: counts come from the wire and may be absurd.
        u.tokens_input = u.tokens_input.saturating_add(merged.tokens_input - base.tokens_input);
        u.tokens_output = u.tokens_output.saturating_add(merged.tokens_output - base.tokens_output);
        u.tokens_reasoning =
            u.tokens_reasoning.saturating_add(merged.tokens_reasoning - base.tokens_reasoning);
        u.tokens_cache_read =
            u.tokens_cache_read.saturating_add(merged.tokens_cache_read - base.tokens_cache_read);
        u.tokens_cache_write = u
            .tokens_cache_write
            .saturating_add(merged.tokens_cache_write - base.tokens_cache_write);
        u.tokens = [u.tokens_output, u.tokens_reasoning, u.tokens_cache_read, u.tokens_cache_write]
            .into_iter()
            .fold(u.tokens_input, u64::saturating_add);
        u.cost = (u.cost + (merged.cost - base.cost)).min(f64::MAX);
        if is_new {
            u.messages += 1;
        }
        self.rows.insert(merged.message_id.clone(), merged.clone());
        if self.rows.len() > LEDGER_MAX {
            let mut times: Vec<i64> = self.rows.values().map(|r| r.time_ms).collect();
            times.sort_unstable();
            let cut = times[LEDGER_MAX / 10];
            self.rows.retain(|_, r| r.time_ms > cut);
        }
        Some(merged)
    }
}

#[cfg(test)]
mod tests {
    //! Totals grow by what a message grew by, once per message.
    use super::*;

    #[test]
    fn totals_count_growth_once() {
        let mut ledger = Ledger::default();
        let row = |output, cost| UsageRow {
            message_id: "msg_1".into(),
            model: Some("a/b".into()),
            tokens_output: output,
            cost,
            ..UsageRow::default()
        };
        assert!(ledger.count(&row(10, 0.5)).is_some());
        assert!(ledger.count(&row(10, 0.5)).is_none(), "seen again, unchanged");
        assert!(ledger.count(&row(4, 0.1)).is_none(), "smaller readings count nothing");
        let merged = ledger.count(&UsageRow { model: None, ..row(25, 0.75) }).expect("grew");
        assert_eq!(merged.model.as_deref(), Some("a/b"));
        let u = ledger.usage();
        assert_eq!((u.messages, u.tokens_output, u.tokens, u.cost), (1, 25, 25, 0.75));
    }
}
