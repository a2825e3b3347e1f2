//! Session snapshots and the instances they came from, as JSON of the protocol types
//! (the shape the hub serves), keyed by id.

use super::Error;
use crate::protocol::{Instance, Session};
use rusqlite::{params, Connection};

/// Stores the latest snapshot of a session. A row that already holds it is not written
/// again, and a changed one is updated in place: `INSERT OR REPLACE` would delete and
/// re-insert it, rewriting its index entry and moving it to another page each time.
pub fn put_session(conn: &Connection, s: &Session) -> Result<(), Error> {
    let json = serde_json::to_string(s).unwrap_or_default();
    // A snapshot without a readable time is as recent as it gets: now.
    let last = super::parse_ms(&s.last_activity).unwrap_or_else(super::now_ms);
    conn.prepare_cached(
        "INSERT INTO sessions (id, instance_id, last_activity_ms, json) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (id) DO UPDATE SET instance_id = excluded.instance_id, \
         last_activity_ms = excluded.last_activity_ms, json = excluded.json \
         WHERE json IS NOT excluded.json OR instance_id IS NOT excluded.instance_id \
         OR last_activity_ms IS NOT excluded.last_activity_ms",
    )?
    .execute(params![s.id, s.instance_id, last, json])?;
    Ok(())
}

/// Forgets a session (its ledger rows stay: spend is kept apart from sessions).
pub fn remove_session(conn: &Connection, id: &str) -> Result<(), Error> {
    conn.prepare_cached("DELETE FROM sessions WHERE id = ?1")?.execute([id])?;
    Ok(())
}

/// Stores an instance as last seen.
pub fn put_instance(conn: &Connection, i: &Instance) -> Result<(), Error> {
    let json = serde_json::to_string(i).unwrap_or_default();
    conn.prepare_cached(
        "INSERT INTO instances (id, json) VALUES (?1, ?2) \
         ON CONFLICT (id) DO UPDATE SET json = excluded.json WHERE json IS NOT excluded.json",
    )?
    .execute(params![i.id, json])?;
    Ok(())
}

/// Every stored session (most recently active first) and instance. A row that no longer
/// decodes (written by another version) is skipped with a warning, not fatal.
pub fn load(conn: &Connection) -> Result<(Vec<Session>, Vec<Instance>), Error> {
    let sessions = decode_all(conn, "SELECT json FROM sessions ORDER BY last_activity_ms DESC")?;
    let instances = decode_all(conn, "SELECT json FROM instances ORDER BY id")?;
    Ok((sessions, instances))
}

fn decode_all<T: serde::de::DeserializeOwned>(
    conn: &Connection,
    sql: &str,
) -> Result<Vec<T>, Error> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for json in rows {
        match serde_json::from_str(&json?) {
            Ok(v) => out.push(v),
            Err(e) => tracing::warn!(error = %e, "a stored row does not decode; skipped"),
        }
    }
    Ok(out)
}
