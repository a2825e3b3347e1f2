//! The agent's memory: sessions, the instances they came from and the usage ledger, in
//! one SQLite file in the config dir (`paths::STORE`). The hub decides *what* to remember
//! (`persist`); this module decides *how*. It knows nothing of the hub or the tracker.
//!
//! - `file`: opening, the schema (`PRAGMA user_version`), moving a corrupt file aside.
//! - `sessions`: session snapshots and instances.
//! - `ledger`: one row per assistant message and the running totals, which never drop.
//! - `retention`: what is dropped or folded, and when.
//! - `writer`: the task that drains the hub's `Persist` messages in batched transactions.
//! - `report`: spend and tokens per day and model, for `opencode-lookout usage`.

pub mod file;
pub mod ledger;
pub mod report;
pub mod retention;
pub mod sessions;
pub mod writer;

use crate::{
    persist::{Persist, Remembered, UsageRow},
    protocol::{Instance, Session},
};
use rusqlite::Connection;
use std::{
    collections::HashMap,
    path::{Path, PathBuf},
};

pub use retention::Retention;

/// What can go wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no usage recorded yet: {0} does not exist (the agent creates it when it runs)")]
    Missing(PathBuf),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path} is not a usable store: {source}")]
    Sqlite { path: PathBuf, source: rusqlite::Error },
    #[error("{path} failed its integrity check: {detail}")]
    Corrupt { path: PathBuf, detail: String },
    #[error("{path} has schema {found}; this agent knows schemas up to {known}")]
    NewerSchema { path: PathBuf, found: i32, known: i32 },
    #[error("store: {0}")]
    Query(#[from] rusqlite::Error),
}

/// The open store of a running agent.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    retention: Retention,
    /// Transactions committed, for the tests that check batching.
    commits: u64,
}

impl Store {
    /// Opens the store at `path`, creating it (0600) when missing. A file that is corrupt,
    /// unreadable or from a newer agent is moved aside with a warning and an empty store
    /// starts in its place; an error remains only when even that fails.
    pub fn open(path: &Path, retention: Retention, now_ms: i64) -> Result<Store, Error> {
        let conn = file::open_or_move_aside(path, now_ms)?;
        let mut store = Store { conn, retention, commits: 0 };
        store.prune(now_ms)?;
        Ok(store)
    }

    /// What the hub starts from, at `now_ms`: the ledger rows it gets are those of the
    /// remembered sessions and of the last `retention.session_days`.
    pub fn remembered(&self, now_ms: i64) -> Result<Remembered, Error> {
        let (sessions, instances) = sessions::load(&self.conn)?;
        let recent = now_ms.saturating_sub(i64::from(self.retention.session_days) * 86_400_000);
        Ok(Remembered {
            sessions,
            instances,
            usage: ledger::totals(&self.conn)?,
            ledger: ledger::rows_for_hub(&self.conn, recent)?,
        })
    }

    /// Writes a batch of the hub's messages in one transaction, as if in order: only the
    /// last word on each session and instance is written, the readings of one message are
    /// merged into one, and the totals are written once.
    pub fn apply(&mut self, batch: &[Persist]) -> Result<(), Error> {
        let tx = self.conn.transaction()?;
        let mut growth = ledger::Growth::default();
        for msg in last_words(batch) {
            match msg {
                Last::Session(s) => sessions::put_session(&tx, s)?,
                Last::Removed(id) => sessions::remove_session(&tx, id)?,
                Last::Instance(i) => sessions::put_instance(&tx, i)?,
                Last::Usage(row) => ledger::record(&tx, &row, &mut growth)?,
            }
        }
        ledger::add_to_totals(&tx, &growth)?;
        tx.commit()?;
        self.commits += 1;
        Ok(())
    }

    /// Applies the retention settings (see `retention`) in one transaction.
    pub fn prune(&mut self, now_ms: i64) -> Result<retention::Pruned, Error> {
        let tx = self.conn.transaction()?;
        let pruned = retention::prune(&tx, &self.retention, now_ms)?;
        tx.commit()?;
        self.commits += 1;
        Ok(pruned)
    }

    /// Transactions committed since the store was opened.
    pub fn commits(&self) -> u64 {
        self.commits
    }

    /// The connection, for reports and tests.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }
}

/// One write of a batch after [`last_words`].
enum Last<'a> {
    Session(&'a Session),
    Removed(&'a str),
    Instance(&'a Instance),
    Usage(UsageRow),
}

/// A batch reduced to what it leaves behind, in the order of each key's last message: a
/// session's last snapshot or removal, an instance's last state, and per message the merge
/// of its readings (the same rule as the ledger's, so nothing is lost by merging first).
fn last_words(batch: &[Persist]) -> Vec<Last<'_>> {
    let mut last: HashMap<(u8, &str), usize> = HashMap::new();
    let mut usage: HashMap<&str, UsageRow> = HashMap::new();
    for (i, msg) in batch.iter().enumerate() {
        let key = match msg {
            Persist::Session(s) => (0, s.id.as_str()),
            Persist::Removed(id) => (0, id.as_str()),
            Persist::Instance(inst) => (1, inst.id.as_str()),
            Persist::Usage(row) => {
                let merged = UsageRow::merge(usage.get(row.message_id.as_str()), row);
                usage.insert(row.message_id.as_str(), merged);
                (2, row.message_id.as_str())
            }
        };
        last.insert(key, i);
    }
    let mut out = Vec::with_capacity(last.len());
    for (i, msg) in batch.iter().enumerate() {
        let (key, word) = match msg {
            Persist::Session(s) => ((0, s.id.as_str()), Last::Session(s)),
            Persist::Removed(id) => ((0, id.as_str()), Last::Removed(id)),
            Persist::Instance(inst) => ((1, inst.id.as_str()), Last::Instance(inst)),
            Persist::Usage(row) => {
                let key = (2, row.message_id.as_str());
                let merged = (last.get(&key) == Some(&i)).then(|| usage.remove(key.1)).flatten();
                out.extend(merged.map(Last::Usage));
                continue;
            }
        };
        if last.get(&key) == Some(&i) {
            out.push(word);
        }
    }
    out
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// An RFC 3339 time as epoch ms (`None` when it does not parse).
pub fn parse_ms(rfc3339: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(rfc3339).ok().map(|t| t.timestamp_millis())
}

/// u64 counters as SQLite integers (i64), saturating: no real counter comes near.
fn sql_int(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// SQLite integers back as counters; a negative one (never written) reads as 0.
fn counter(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

#[cfg(test)]
mod tests;
