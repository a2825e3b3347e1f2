//! What the store keeps: sessions active in the last `session_days` (at most
//! `max_sessions`, the most recent), the instances those refer to, and ledger rows of the
//! last `usage_days`. Older ledger rows are folded into the per-day archive, so `usage`
//! still reports those days and the totals (kept apart, see `ledger`) never drop.

use super::Error;
use rusqlite::{params, Connection};

const DAY_MS: i64 = 86_400_000;

/// Retention settings (config: `retention_days`, `max_sessions`, `usage_retention_days`).
#[derive(Debug, Clone, PartialEq)]
pub struct Retention {
    pub session_days: u32,
    pub max_sessions: usize,
    pub usage_days: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Retention { session_days: 30, max_sessions: 200, usage_days: 400 }
    }
}

/// What one pruning dropped.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Pruned {
    pub sessions: usize,
    pub instances: usize,
    pub ledger_rows: usize,
}

/// Applies the retention settings at `now_ms`.
pub fn prune(conn: &Connection, r: &Retention, now_ms: i64) -> Result<Pruned, Error> {
    let session_cutoff = now_ms.saturating_sub(i64::from(r.session_days) * DAY_MS);
    let mut sessions =
        conn.execute("DELETE FROM sessions WHERE last_activity_ms < ?1", [session_cutoff])?;
    sessions += conn.execute(
        "DELETE FROM sessions WHERE id NOT IN \
         (SELECT id FROM sessions ORDER BY last_activity_ms DESC LIMIT ?1)",
        [i64::try_from(r.max_sessions).unwrap_or(i64::MAX)],
    )?;
    let instances = conn
        .execute("DELETE FROM instances WHERE id NOT IN (SELECT instance_id FROM sessions)", [])?;
    let usage_cutoff = now_ms.saturating_sub(i64::from(r.usage_days) * DAY_MS);
    // `WHERE true` lets SQLite tell the upsert clause from a join.
    conn.execute(
        "INSERT INTO archive (day, model, tokens_input, tokens_output, tokens_reasoning, \
             tokens_cache_read, tokens_cache_write, cost, messages) \
         SELECT strftime('%Y-%m-%d', time_ms / 1000, 'unixepoch') AS d, \
             coalesce(model, '') AS m, sum(tokens_input), sum(tokens_output), \
             sum(tokens_reasoning), sum(tokens_cache_read), sum(tokens_cache_write), \
             sum(cost), count(*) \
         FROM ledger WHERE time_ms < ?1 AND true GROUP BY d, m \
         ON CONFLICT (day, model) DO UPDATE SET \
             tokens_input = tokens_input + excluded.tokens_input, \
             tokens_output = tokens_output + excluded.tokens_output, \
             tokens_reasoning = tokens_reasoning + excluded.tokens_reasoning, \
             tokens_cache_read = tokens_cache_read + excluded.tokens_cache_read, \
             tokens_cache_write = tokens_cache_write + excluded.tokens_cache_write, \
             cost = cost + excluded.cost, messages = messages + excluded.messages",
        params![usage_cutoff],
    )?;
    let ledger_rows = conn.execute("DELETE FROM ledger WHERE time_ms < ?1", [usage_cutoff])?;
    let pruned = Pruned { sessions, instances, ledger_rows };
    if pruned != Pruned::default() {
        tracing::debug!(?pruned, "store pruned");
    }
    Ok(pruned)
}
