//! The machine's usage totals and the in-memory ledger they are counted from: one row per
//! assistant message, merged by [`UsageRow::merge`] (the store's ledger uses the same rule),
//! so that the totals grow by exactly what a message grew by. Pure: no clock, no I/O; the
//! hub decides when the totals are sent and the store what is written.

use crate::{
    opencode::event::{CacheTokens, Tokens},
    persist::UsageRow,
    protocol::Usage,
};
use std::collections::{BTreeMap, HashMap};

/// The arithmetic of the five token counters, in one place.
impl Tokens {
    fn zip(&self, o: &Tokens, f: impl Fn(u64, u64) -> u64) -> Tokens {
        Tokens {
            input: f(self.input, o.input),
            output: f(self.output, o.output),
            reasoning: f(self.reasoning, o.reasoning),
            cache: CacheTokens {
                read: f(self.cache.read, o.cache.read),
                write: f(self.cache.write, o.cache.write),
            },
        }
    }

    /// Field by field the larger.
    pub fn max(&self, o: &Tokens) -> Tokens {
        self.zip(o, u64::max)
    }

    /// Field by field the sum, saturating: counts come from the wire and may be absurd.
    pub fn saturating_add(&self, o: &Tokens) -> Tokens {
        self.zip(o, u64::saturating_add)
    }

    /// The five counters together, saturating.
    pub fn total(&self) -> u64 {
        [self.output, self.reasoning, self.cache.read, self.cache.write]
            .into_iter()
            .fold(self.input, u64::saturating_add)
    }

    /// Whether any counter is larger than in `o`.
    pub fn exceeds(&self, o: &Tokens) -> bool {
        self.zip(o, |a, b| u64::from(a > b)) != Tokens::default()
    }
}

/// Ledger rows kept in memory to recognise messages seen again. What can still be
/// reported again is a message that streams (one per busy session) and the last few a
/// resync reports per busy session (10), so a few hundred cover every realistic case; a
/// thousand rows cost about 300 KiB. The store keeps every row; this bound is only the
/// hub's memory.
pub const LEDGER_KEPT: usize = 512;

/// The usage totals and the ledger rows they were counted from.
#[derive(Debug, Default)]
pub struct Ledger {
    usage: Usage,
    /// Per assistant message, field by field the largest usage seen (only growth counts),
    /// with when it was last touched (`order`'s key).
    rows: HashMap<String, (UsageRow, u64)>,
    /// The rows by last touch, least recent first: the first to be forgotten.
    order: BTreeMap<u64, String>,
    touches: u64,
    /// The newest creation time among forgotten rows. A message not kept that was created
    /// no later was counted already, or is too old to tell: it counts nothing, so the
    /// totals never count a message twice (and the store, told nothing, stays equal).
    forgotten_until: Option<i64>,
}

impl Ledger {
    /// Totals so far and the rows they were counted from (e.g. what the store remembered);
    /// beyond [`LEDGER_KEPT`], the oldest rows are forgotten.
    pub fn new(usage: Usage, mut rows: Vec<UsageRow>) -> Self {
        rows.sort_by_key(|r| r.time_ms);
        let mut ledger = Ledger { usage, ..Ledger::default() };
        for row in rows {
            ledger.keep(row);
        }
        ledger
    }

    /// The machine's totals.
    pub fn usage(&self) -> &Usage {
        &self.usage
    }

    /// Rows kept in memory.
    pub fn kept(&self) -> usize {
        self.rows.len()
    }

    /// Counts a reading of a message's usage into the totals; returns the message's merged
    /// row when the totals changed (a new message, or one that grew).
    pub fn count(&mut self, row: &UsageRow) -> Option<UsageRow> {
        let old = self.rows.get(&row.message_id).map(|(r, _)| r);
        if old.is_none()
            && self.forgotten_until.is_some_and(|t| row.time_ms != 0 && row.time_ms <= t)
        {
            return None;
        }
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
        self.keep(merged.clone());
        Some(merged)
    }

    /// Keeps a row as the most recently touched, forgetting the least recent beyond the bound.
    fn keep(&mut self, row: UsageRow) {
        self.touches += 1;
        let id = row.message_id.clone();
        if let Some((_, touched)) = self.rows.insert(id.clone(), (row, self.touches)) {
            self.order.remove(&touched);
        }
        self.order.insert(self.touches, id);
        while self.rows.len() > LEDGER_KEPT {
            let Some((_, id)) = self.order.pop_first() else { break };
            if let Some((gone, _)) = self.rows.remove(&id) {
                let t = self.forgotten_until.map_or(gone.time_ms, |t| t.max(gone.time_ms));
                self.forgotten_until = Some(t);
            }
        }
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

    #[test]
    fn a_long_day_keeps_a_bounded_ledger_and_exact_totals() {
        let mut ledger = Ledger::default();
        const N: u64 = 100_000;
        let row = |i: u64, output| UsageRow {
            message_id: format!("msg_{i:06}"),
            session_id: format!("ses_{}", i % 500),
            time_ms: i64::try_from(i).unwrap() + 1,
            tokens_output: output,
            cost: 0.5,
            ..UsageRow::default()
        };
        for i in 0..N {
            ledger.count(&row(i, 1));
            ledger.count(&row(i, 3));
            ledger.count(&row(i, 2));
        }
        assert!(ledger.kept() <= LEDGER_KEPT, "{} rows kept", ledger.kept());
        let u = ledger.usage();
        assert_eq!((u.messages, u.tokens_output, u.cost), (N, 3 * N, 0.5 * N as f64));
        // A forgotten message reported again counts nothing; a kept one still grows.
        assert!(ledger.count(&row(7, 5)).is_none());
        assert!(ledger.count(&row(N - 1, 5)).is_some());
        assert_eq!(ledger.usage().tokens_output, 3 * N + 2);
        // So does a ledger started from more rows than it keeps.
        let rows: Vec<UsageRow> = (0..2000).map(|i| row(i, 1)).collect();
        let mut ledger = Ledger::new(Usage::default(), rows);
        assert!(ledger.kept() <= LEDGER_KEPT);
        assert!(ledger.count(&row(3, 9)).is_none());
        assert!(ledger.count(&row(1999, 9)).is_some());
    }
}
