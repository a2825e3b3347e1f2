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

/// What a batch of readings added to the totals.
#[derive(Debug, Default, PartialEq)]
pub struct Growth {
    tokens: [u64; 5],
    cost: f64,
    messages: u64,
}

/// Records a reading of a message's usage and adds what the row grew by to `growth`. A
/// reading that adds nothing writes nothing; a row that grew is updated in place, and only
/// in the columns that changed, so its index entries (time, session) are not rewritten.
pub fn record(conn: &Connection, row: &UsageRow, growth: &mut Growth) -> Result<(), Error> {
    let old = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM ledger WHERE message_id = ?1"))?
        .query_row([&row.message_id], read_row)
        .optional()?;
    let merged = UsageRow::merge(old.as_ref(), row);
    if old.as_ref() == Some(&merged) {
        return Ok(());
    }
    let zero = UsageRow::default();
    let base = old.as_ref().unwrap_or(&zero);
    let counts = |r: &UsageRow| {
        [
            r.tokens_input,
            r.tokens_output,
            r.tokens_reasoning,
            r.tokens_cache_read,
            r.tokens_cache_write,
        ]
    };
    let tokens = counts(&merged).map(sql_int);
    if old.is_none() {
        conn.prepare_cached(&format!(
            "INSERT INTO ledger ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        ))?
        .execute(params![
            merged.message_id,
            merged.session_id,
            merged.model,
            merged.time_ms,
            tokens[0],
            tokens[1],
            tokens[2],
            tokens[3],
            tokens[4],
            merged.cost,
        ])?;
    } else {
        conn.prepare_cached(
            "UPDATE ledger SET model = ?2, tokens_input = ?3, tokens_output = ?4, \
             tokens_reasoning = ?5, tokens_cache_read = ?6, tokens_cache_write = ?7, cost = ?8 \
             WHERE message_id = ?1",
        )?
        .execute(params![
            merged.message_id,
            merged.model,
            tokens[0],
            tokens[1],
            tokens[2],
            tokens[3],
            tokens[4],
            merged.cost,
        ])?;
        if merged.time_ms != base.time_ms {
            conn.prepare_cached("UPDATE ledger SET time_ms = ?2 WHERE message_id = ?1")?
                .execute(params![merged.message_id, merged.time_ms])?;
        }
    }
    let (new, was) = (counts(&merged), counts(base));
    for (g, (n, o)) in growth.tokens.iter_mut().zip(new.into_iter().zip(was)) {
        *g = g.saturating_add(n.saturating_sub(o));
    }
    // Never negative: `merged` is at least `base` in every field.
    growth.cost += (merged.cost - base.cost).max(0.0);
    growth.messages += u64::from(old.is_none());
    Ok(())
}

/// Adds a batch's growth to the totals (one write per batch, none when nothing grew).
pub fn add_to_totals(conn: &Connection, growth: &Growth) -> Result<(), Error> {
    if *growth == Growth::default() {
        return Ok(());
    }
    let [i, o, r, cr, cw] = growth.tokens.map(sql_int);
    conn.prepare_cached(
        "UPDATE totals SET tokens_input = tokens_input + ?1, tokens_output = tokens_output + ?2, \
         tokens_reasoning = tokens_reasoning + ?3, tokens_cache_read = tokens_cache_read + ?4, \
         tokens_cache_write = tokens_cache_write + ?5, cost = cost + ?6, \
         messages = messages + ?7 WHERE id = 1",
    )?
    .execute(params![i, o, r, cr, cw, growth.cost, sql_int(growth.messages)])?;
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

/// Most ledger rows the hub is given at start (it keeps fewer: `tracker::usage`).
pub const ROWS_FOR_HUB: usize = 4096;

/// Ledger rows the hub starts from: the most recent [`ROWS_FOR_HUB`] of those of the
/// sessions the store remembers and of every row since `since_ms`. A message of theirs
/// reported again after a restart (a resync, a session that comes back after it was removed
/// as stale) then adds only what it grew by, in the hub as in the store, so the two totals
/// stay equal.
pub fn rows_for_hub(conn: &Connection, since_ms: i64) -> Result<Vec<UsageRow>, Error> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM ledger WHERE time_ms >= ?1 \
         OR session_id IN (SELECT id FROM sessions) ORDER BY time_ms DESC LIMIT ?2"
    ))?;
    let limit = sql_int(ROWS_FOR_HUB as u64);
    let mut rows =
        stmt.query_map(params![since_ms, limit], read_row)?.collect::<Result<Vec<_>, _>>()?;
    rows.reverse();
    Ok(rows)
}
