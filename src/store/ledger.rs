//! The usage ledger: one row per assistant message, field by field the largest value seen
//! (a message's usage grows while it streams), and the running totals. The totals grow by
//! exactly what the ledger grew by and nothing else touches them, so they never decrease:
//! not when sessions are forgotten, not when old rows are folded into the archive.

use super::{counter, sql_int, Error};
use crate::{persist::UsageRow, protocol::Usage};
use rusqlite::{params, Connection, OptionalExtension, Row};

const COLUMNS: &str = "message_id, session_id, model, time_ms, tokens_input, tokens_output, \
                       tokens_reasoning, tokens_cache_read, tokens_cache_write, cost";

fn read_row(r: &Row<'_>) -> rusqlite::Result<UsageRow> {
    Ok(UsageRow {
        message_id: r.get(0)?,
        session_id: r.get(1)?,
        model: r.get(2)?,
        time_ms: r.get(3)?,
        tokens_input: counter(r.get(4)?),
        tokens_output: counter(r.get(5)?),
        tokens_reasoning: counter(r.get(6)?),
        tokens_cache_read: counter(r.get(7)?),
        tokens_cache_write: counter(r.get(8)?),
        cost: r.get(9)?,
    })
}

/// Records a reading of a message's usage; the totals grow by what the row grew by.
pub fn record(conn: &Connection, row: &UsageRow) -> Result<(), Error> {
    let old = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM ledger WHERE message_id = ?1"),
            [&row.message_id],
            read_row,
        )
        .optional()?;
    let merged = UsageRow::merge(old.as_ref(), row);
    let new_message = i64::from(old.is_none());
    let zero = UsageRow::default();
    let base = old.as_ref().unwrap_or(&zero);
    let grew = |new: u64, old: u64| sql_int(new.saturating_sub(old));
    // Never negative: `merged` is at least `base` in every field.
    let cost_growth = (merged.cost - base.cost).max(0.0);
    conn.execute(
        &format!(
            "INSERT OR REPLACE INTO ledger ({COLUMNS}) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        ),
        params![
            merged.message_id,
            merged.session_id,
            merged.model,
            merged.time_ms,
            sql_int(merged.tokens_input),
            sql_int(merged.tokens_output),
            sql_int(merged.tokens_reasoning),
            sql_int(merged.tokens_cache_read),
            sql_int(merged.tokens_cache_write),
            merged.cost,
        ],
    )?;
    conn.execute(
        "UPDATE totals SET tokens_input = tokens_input + ?1, tokens_output = tokens_output + ?2, \
         tokens_reasoning = tokens_reasoning + ?3, tokens_cache_read = tokens_cache_read + ?4, \
         tokens_cache_write = tokens_cache_write + ?5, cost = cost + ?6, \
         messages = messages + ?7 WHERE id = 1",
        params![
            grew(merged.tokens_input, base.tokens_input),
            grew(merged.tokens_output, base.tokens_output),
            grew(merged.tokens_reasoning, base.tokens_reasoning),
            grew(merged.tokens_cache_read, base.tokens_cache_read),
            grew(merged.tokens_cache_write, base.tokens_cache_write),
            cost_growth,
            new_message,
        ],
    )?;
    Ok(())
}

/// The machine's totals since the store was created.
pub fn totals(conn: &Connection) -> Result<Usage, Error> {
    let since: String = conn
        .query_row("SELECT value FROM meta WHERE key = 'since'", [], |r| r.get(0))
        .optional()?
        .unwrap_or_default();
    let usage = conn.query_row(
        "SELECT tokens_input, tokens_output, tokens_reasoning, tokens_cache_read, \
         tokens_cache_write, cost, messages FROM totals WHERE id = 1",
        [],
        |r| {
            let mut u = Usage {
                tokens_input: counter(r.get(0)?),
                tokens_output: counter(r.get(1)?),
                tokens_reasoning: counter(r.get(2)?),
                tokens_cache_read: counter(r.get(3)?),
                tokens_cache_write: counter(r.get(4)?),
                cost: r.get(5)?,
                messages: counter(r.get(6)?),
                since: since.clone(),
                ..Usage::default()
            };
            u.tokens = u.tokens_input
                + u.tokens_output
                + u.tokens_reasoning
                + u.tokens_cache_read
                + u.tokens_cache_write;
            Ok(u)
        },
    )?;
    Ok(usage)
}

/// Ledger rows the hub starts from: those of the sessions the store remembers and every
/// row since `since_ms`. A message of theirs reported again after a restart (a resync, a
/// session that comes back after it was removed as stale) then adds only what it grew by,
/// in the hub as in the store, so the two totals stay equal.
pub fn rows_for_hub(conn: &Connection, since_ms: i64) -> Result<Vec<UsageRow>, Error> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM ledger WHERE time_ms >= ?1 \
         OR session_id IN (SELECT id FROM sessions) ORDER BY time_ms"
    ))?;
    let rows = stmt.query_map([since_ms], read_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}
