//! The store file: creating it owner-only, opening it (read-write for the agent, read-only
//! for `usage`), the schema in `PRAGMA user_version`, and moving an unusable file aside.

use super::Error;
use rusqlite::{Connection, OpenFlags};
use std::{
    fs,
    path::{Path, PathBuf},
    time::Duration,
};

/// The schema this agent writes. A file with a higher number is from a newer agent.
pub const SCHEMA: i32 = 1;

/// How long a statement waits for another connection's lock (the `usage` CLI reading while
/// the agent writes) before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

const TABLES: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    instance_id TEXT NOT NULL,
    last_activity_ms INTEGER NOT NULL,
    json TEXT NOT NULL
);
CREATE TABLE instances (id TEXT PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE ledger (
    message_id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    model TEXT,
    time_ms INTEGER NOT NULL,
    tokens_input INTEGER NOT NULL,
    tokens_output INTEGER NOT NULL,
    tokens_reasoning INTEGER NOT NULL,
    tokens_cache_read INTEGER NOT NULL,
    tokens_cache_write INTEGER NOT NULL,
    cost REAL NOT NULL
);
CREATE INDEX ledger_time ON ledger (time_ms);
CREATE INDEX ledger_session ON ledger (session_id);
CREATE TABLE totals (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    tokens_input INTEGER NOT NULL,
    tokens_output INTEGER NOT NULL,
    tokens_reasoning INTEGER NOT NULL,
    tokens_cache_read INTEGER NOT NULL,
    tokens_cache_write INTEGER NOT NULL,
    cost REAL NOT NULL,
    messages INTEGER NOT NULL
);
INSERT INTO totals VALUES (1, 0, 0, 0, 0, 0, 0.0, 0);
CREATE TABLE archive (
    day TEXT NOT NULL,
    model TEXT NOT NULL,
    tokens_input INTEGER NOT NULL,
    tokens_output INTEGER NOT NULL,
    tokens_reasoning INTEGER NOT NULL,
    tokens_cache_read INTEGER NOT NULL,
    tokens_cache_write INTEGER NOT NULL,
    cost REAL NOT NULL,
    messages INTEGER NOT NULL,
    PRIMARY KEY (day, model)
);
";

/// Opens the agent's store; when an existing file cannot be used, renames it (and its WAL)
/// to `<name>.corrupt-<time>` with a warning and starts an empty one.
pub fn open_or_move_aside(path: &Path, now_ms: i64) -> Result<Connection, Error> {
    let existed = fs::symlink_metadata(path).is_ok();
    match open_rw(path, now_ms) {
        Ok(conn) => Ok(conn),
        Err(e) if existed && !is_transient(&e) => {
            let aside = move_aside(path, now_ms)?;
            tracing::warn!(
                error = %e,
                moved_to = %aside.display(),
                "the store could not be used; it was moved aside and the agent starts with an \
                 empty one"
            );
            open_rw(path, now_ms)
        }
        Err(e) => Err(e),
    }
}

/// Another process holding a lock is no reason to move a good file aside.
fn is_transient(e: &Error) -> bool {
    let code = match e {
        Error::Sqlite { source, .. } | Error::Query(source) => source.sqlite_error_code(),
        _ => None,
    };
    matches!(code, Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked))
}

/// Opens the store read-write, creating it when missing, and brings the schema up to date.
pub fn open_rw(path: &Path, now_ms: i64) -> Result<Connection, Error> {
    create_private(path)?;
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_NOFOLLOW;
    let sqlite = |source| Error::Sqlite { path: path.to_owned(), source };
    let conn = Connection::open_with_flags(path, flags).map_err(sqlite)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite)?;
    // The first statement that reads the file is where a corrupt one shows.
    check_integrity(&conn, path)?;
    let mode: String =
        conn.pragma_update_and_check(None, "journal_mode", "wal", |r| r.get(0)).map_err(sqlite)?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(journal_mode = %mode, "the store could not switch to WAL");
    }
    // WAL with NORMAL loses at most the last transactions on power loss, never consistency.
    conn.pragma_update(None, "synchronous", "NORMAL").map_err(sqlite)?;
    migrate(&conn, path, now_ms)?;
    Ok(conn)
}

/// Opens an existing store for reading only (the `usage` command; works while the agent
/// writes, thanks to WAL).
pub fn open_read_only(path: &Path) -> Result<Connection, Error> {
    if fs::symlink_metadata(path).is_err() {
        return Err(Error::Missing(path.to_owned()));
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_NOFOLLOW;
    let sqlite = |source| Error::Sqlite { path: path.to_owned(), source };
    let conn = Connection::open_with_flags(path, flags).map_err(sqlite)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite)?;
    let found = user_version(&conn).map_err(sqlite)?;
    if found != SCHEMA {
        return Err(Error::NewerSchema { path: path.to_owned(), found, known: SCHEMA });
    }
    Ok(conn)
}

/// Creates the file owner-only before SQLite sees it (SQLite gives its WAL and shared-memory
/// files the same mode), or takes group and others' access away from an existing one.
fn create_private(path: &Path) -> Result<(), Error> {
    let io = |source| Error::Io { path: path.to_owned(), source };
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    match opts.open(path) {
        Ok(_) => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io(e)),
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = fs::symlink_metadata(path).map_err(io)?;
        if meta.is_file() && meta.permissions().mode() & 0o077 != 0 {
            fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(io)?;
            tracing::info!(path = %path.display(), "store made owner-only (0600)");
        }
    }
    Ok(())
}

fn check_integrity(conn: &Connection, path: &Path) -> Result<(), Error> {
    let sqlite = |source| Error::Sqlite { path: path.to_owned(), source };
    let mut stmt = conn.prepare("PRAGMA quick_check").map_err(sqlite)?;
    let rows: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .map_err(sqlite)?
        .collect::<Result<_, _>>()
        .map_err(sqlite)?;
    if rows.first().map(String::as_str) == Some("ok") {
        return Ok(());
    }
    Err(Error::Corrupt { path: path.to_owned(), detail: rows.join("; ") })
}

fn user_version(conn: &Connection) -> rusqlite::Result<i32> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}

/// Creates the tables of a new file; refuses a file from a newer agent.
fn migrate(conn: &Connection, path: &Path, now_ms: i64) -> Result<(), Error> {
    let sqlite = |source| Error::Sqlite { path: path.to_owned(), source };
    match user_version(conn).map_err(sqlite)? {
        0 => {
            // A file at version 0 with tables of its own is not ours: the CREATEs fail and
            // it is moved aside like a corrupt one.
            let since = crate::time::rfc3339(now_ms);
            conn.execute_batch(&format!(
                "BEGIN; {TABLES} INSERT INTO meta VALUES ('since', '{since}'); \
                 PRAGMA user_version = {SCHEMA}; COMMIT;"
            ))
            .map_err(sqlite)?;
            Ok(())
        }
        SCHEMA => Ok(()),
        found => Err(Error::NewerSchema { path: path.to_owned(), found, known: SCHEMA }),
    }
}

/// Renames the file to `<name>.corrupt-<time>`, its WAL along with it, and drops its
/// shared-memory index. SQLite normally folds the WAL in when the failed connection closes;
/// one left over (the close failed too) must not be replayed into the new file.
fn move_aside(path: &Path, now_ms: i64) -> Result<PathBuf, Error> {
    let stamp = chrono::DateTime::from_timestamp_millis(now_ms)
        .unwrap_or_default()
        .format("%Y%m%dT%H%M%S%.3fZ");
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let aside = path.with_file_name(format!("{name}.corrupt-{stamp}"));
    fs::rename(path, &aside).map_err(|source| Error::Io { path: path.to_owned(), source })?;
    let sibling = |suffix: &str| path.with_file_name(format!("{name}{suffix}"));
    if fs::symlink_metadata(sibling("-wal")).is_ok() {
        let wal_aside = aside.with_file_name(format!("{name}.corrupt-{stamp}-wal"));
        if let Err(e) = fs::rename(sibling("-wal"), &wal_aside) {
            // Must not survive next to the new file.
            tracing::warn!(error = %e, "cannot move the old WAL aside; removing it");
            let _ = fs::remove_file(sibling("-wal"));
        }
    }
    let _ = fs::remove_file(sibling("-shm"));
    Ok(aside)
}
