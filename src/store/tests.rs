//! The store without the agent: round trips, batching, retention, the ledger's rules, and
//! files that cannot be used.

use super::{file, report, writer, Retention, Store};
use crate::{
    persist::{Persist, UsageRow},
    protocol::{Instance, InstanceKind, Session},
};
use std::{
    fs,
    path::{Path, PathBuf},
    time::Duration,
};

const DAY: i64 = 86_400_000;
/// 2026-11-22T12:00:00Z.
const NOW: i64 = 1_795_348_800_000;

struct Dir(PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

impl Dir {
    fn new(name: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("ocl-store-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        crate::secrets::private_dir(&d).unwrap();
        Dir(d)
    }
    fn db(&self) -> PathBuf {
        self.0.join(crate::paths::STORE)
    }
    /// Names in the dir, sorted.
    fn names(&self) -> Vec<String> {
        let mut n: Vec<String> = fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        n.sort();
        n
    }
}

fn session(id: &str, last_activity_ms: i64) -> Session {
    let golden: serde_json::Value = serde_json::from_str(include_str!(
        "../../tests/fixtures/protocol/event_session_updated.json"
    ))
    .unwrap();
    let mut s: Session = serde_json::from_value(golden["session"].clone()).unwrap();
    s.id = id.to_owned();
    s.root_id = id.to_owned();
    s.last_activity = crate::time::rfc3339(last_activity_ms);
    s
}

fn instance(id: &str) -> Instance {
    Instance {
        id: id.to_owned(),
        kind: InstanceKind::Plugin,
        label: "proj".into(),
        directory: Some("/home/me/proj".into()),
        opencode_version: Some("1.18.33".into()),
        connected: true,
        since: crate::time::rfc3339(NOW),
    }
}

fn usage(msg: &str, session: &str, time_ms: i64, input: u64, output: u64, cost: f64) -> UsageRow {
    UsageRow {
        message_id: msg.into(),
        session_id: session.into(),
        model: Some("fake/fake-model".into()),
        time_ms,
        tokens_input: input,
        tokens_output: output,
        cost,
        ..UsageRow::default()
    }
}

fn open(d: &Dir) -> Store {
    Store::open(&d.db(), Retention::default(), NOW).unwrap()
}

#[test]
fn round_trip() {
    let d = Dir::new("round");
    let mut store = open(&d);
    let (a, b) = (session("ses_a", NOW - 1000), session("ses_b", NOW));
    let gone = session("ses_gone", NOW);
    store
        .apply(&[
            Persist::Instance(instance("plugin-4242-0")),
            Persist::Session(Box::new(a.clone())),
            Persist::Session(Box::new(gone.clone())),
            Persist::Session(Box::new(b.clone())),
            Persist::Removed("ses_gone".into()),
            Persist::Usage(usage("msg_1", "ses_a", NOW - 500, 100, 10, 0.5)),
            Persist::Usage(usage("msg_2", "ses_gone", NOW - 400, 1, 1, 0.25)),
            Persist::Usage(usage("msg_3", "ses_gone", NOW - 40 * DAY, 1, 1, 0.25)),
        ])
        .unwrap();
    drop(store);
    let r = open(&d).remembered(NOW).unwrap();
    // Most recently active first.
    assert_eq!(r.sessions, [b, a]);
    assert_eq!(r.instances, [instance("plugin-4242-0")]);
    assert_eq!((r.usage.messages, r.usage.tokens, r.usage.cost), (3, 114, 1.0));
    assert_eq!(r.usage.since, crate::time::rfc3339(NOW));
    // The hub gets the ledger rows of remembered sessions and of the last retention_days
    // (a removed session may come back), not older ones.
    assert_eq!(
        r.ledger,
        [
            usage("msg_1", "ses_a", NOW - 500, 100, 10, 0.5),
            usage("msg_2", "ses_gone", NOW - 400, 1, 1, 0.25)
        ]
    );
}

#[test]
fn ledger_keeps_the_largest_and_totals_never_drop() {
    let d = Dir::new("ledger");
    let mut store = open(&d);
    let mut readings = vec![
        usage("msg_1", "ses_a", NOW, 100, 10, 0.10),
        // Streaming: output grew, input reported smaller (a partial reading).
        usage("msg_1", "ses_a", NOW + 5, 50, 20, 0.05),
        usage("msg_1", "ses_a", NOW + 9, 100, 30, 0.20),
    ];
    readings[2].model = None;
    let mut last = 0.0;
    for r in &readings {
        store.apply(&[Persist::Usage(r.clone())]).unwrap();
        let t = super::ledger::totals(store.conn()).unwrap();
        assert!(t.cost >= last, "totals dropped: {} < {last}", t.cost);
        last = t.cost;
    }
    let t = super::ledger::totals(store.conn()).unwrap();
    assert_eq!((t.tokens_input, t.tokens_output, t.cost, t.messages), (100, 30, 0.20, 1));
    let row = &super::ledger::rows_for_hub(store.conn(), NOW + 1).unwrap();
    assert!(row.is_empty(), "no session stored yet");
    store.apply(&[Persist::Session(Box::new(session("ses_a", NOW)))]).unwrap();
    let rows = super::ledger::rows_for_hub(store.conn(), NOW + 1).unwrap();
    // The first model and time stay.
    assert_eq!(rows, [usage("msg_1", "ses_a", NOW, 100, 30, 0.20)]);
    // Forgetting the session keeps its spend.
    store.apply(&[Persist::Removed("ses_a".into())]).unwrap();
    assert_eq!(super::ledger::totals(store.conn()).unwrap(), t);
}

#[test]
fn pruning_folds_old_rows_into_the_archive() {
    let d = Dir::new("fold");
    let mut store = open(&d);
    let old = NOW - 500 * DAY;
    store
        .apply(&[
            Persist::Usage(usage("msg_old1", "ses_x", old, 10, 1, 0.1)),
            Persist::Usage(usage("msg_old2", "ses_x", old + 1000, 20, 2, 0.2)),
            Persist::Usage(usage("msg_new", "ses_y", NOW, 30, 3, 0.3)),
        ])
        .unwrap();
    let before = super::ledger::totals(store.conn()).unwrap();
    let pruned = store.prune(NOW).unwrap();
    assert_eq!(pruned.ledger_rows, 2);
    assert_eq!(super::ledger::totals(store.conn()).unwrap(), before, "totals changed");
    let all = report::report(store.conn(), None).unwrap();
    let days: Vec<_> = all.days.iter().map(|l| (l.day.as_str(), l.messages, l.tokens)).collect();
    assert_eq!(days, [("2025-07-10", 2, 33), ("2026-11-22", 1, 33)]);
    assert_eq!(all.period.messages, 3);
    assert!((all.period.cost - before.cost).abs() < 1e-12);
    // A second pruning adds nothing twice.
    store.prune(NOW).unwrap();
    assert_eq!(report::report(store.conn(), None).unwrap().days, all.days);
    let recent = report::report(store.conn(), Some(NOW - 7 * DAY)).unwrap();
    assert_eq!(recent.days.len(), 1);
    assert_eq!(recent.total, before, "the all-time totals ignore --since");
}

#[test]
fn retention_drops_old_and_surplus_sessions() {
    let d = Dir::new("retention");
    let retention = Retention { session_days: 30, max_sessions: 2, usage_days: 400 };
    let mut store = Store::open(&d.db(), retention.clone(), NOW).unwrap();
    let mut old = session("ses_old", NOW - 31 * DAY);
    old.instance_id = "plugin-old".into();
    store
        .apply(&[
            Persist::Instance(instance("plugin-old")),
            Persist::Instance(instance("plugin-4242-0")),
            Persist::Session(Box::new(old)),
            Persist::Session(Box::new(session("ses_1", NOW - 3 * DAY))),
            Persist::Session(Box::new(session("ses_2", NOW - 2 * DAY))),
            Persist::Session(Box::new(session("ses_3", NOW - DAY))),
            Persist::Usage(usage("msg_old", "ses_old", NOW - 31 * DAY, 5, 5, 1.0)),
        ])
        .unwrap();
    drop(store);
    let store = Store::open(&d.db(), retention, NOW).unwrap();
    let r = store.remembered(NOW).unwrap();
    let ids: Vec<_> = r.sessions.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["ses_3", "ses_2"]);
    assert_eq!(r.instances, [instance("plugin-4242-0")], "the old session's instance went");
    assert_eq!(r.usage.cost, 1.0, "spend outlives its session");
}

#[cfg(unix)]
#[test]
fn files_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let d = Dir::new("mode");
    let mut store = open(&d);
    store.apply(&[Persist::Session(Box::new(session("ses_a", NOW)))]).unwrap();
    for name in ["", "-wal", "-shm"] {
        let p = d.0.join(format!("{}{name}", crate::paths::STORE));
        assert_eq!(mode(&p), 0o600, "{}", p.display());
    }
    drop(store);
    // An existing file others may read is tightened, not refused.
    fs::set_permissions(d.db(), fs::Permissions::from_mode(0o644)).unwrap();
    let store = open(&d);
    assert_eq!(mode(&d.db()), 0o600);
    assert_eq!(store.remembered(NOW).unwrap().sessions.len(), 1, "the data stayed");
}

/// Opens a store whose file was replaced by `damage`; the agent's open must succeed with
/// an empty store and the old file must sit aside, unchanged.
fn moved_aside(name: &str, damage: impl FnOnce(&Path)) {
    let d = Dir::new(name);
    let mut store = open(&d);
    store.apply(&[Persist::Usage(usage("msg_1", "ses_a", NOW, 1, 1, 9.0))]).unwrap();
    drop(store);
    damage(&d.db());
    let store = open(&d);
    let r = store.remembered(NOW).unwrap();
    assert_eq!((r.usage.cost, r.sessions.len()), (0.0, 0), "{name}: started empty");
    let aside: Vec<_> = d.names().into_iter().filter(|n| n.contains(".corrupt-")).collect();
    assert_eq!(aside.len(), 1, "{name}: {:?}", d.names());
    assert!(aside[0].starts_with("lookout.sqlite3.corrupt-2026"), "{aside:?}");
}

#[test]
fn garbage_is_moved_aside() {
    moved_aside("garbage", |p| fs::write(p, vec![b'x'; 8192]).unwrap());
}

#[test]
fn damaged_pages_are_moved_aside() {
    moved_aside("pages", |p| {
        let mut bytes = fs::read(p).unwrap();
        assert!(bytes.len() > 8192, "{} bytes", bytes.len());
        // Page 1 keeps its valid header; the pages behind it become noise.
        for b in &mut bytes[4096..] {
            *b = 0xa5;
        }
        fs::write(p, bytes).unwrap();
    });
}

#[test]
fn unreadable_file_is_moved_aside() {
    // Root reads any mode, so a directory in its place is the unreadable file here.
    moved_aside("unreadable", |p| {
        fs::remove_file(p).unwrap();
        fs::create_dir(p).unwrap();
    });
}

#[test]
fn a_newer_schema_is_moved_aside() {
    moved_aside("newer", |p| {
        let conn = rusqlite::Connection::open(p).unwrap();
        conn.pragma_update(None, "user_version", file::SCHEMA + 1).unwrap();
    });
}

#[test]
fn read_only_open_reads_while_the_agent_writes() {
    let d = Dir::new("readonly");
    let err = file::open_read_only(&d.db()).unwrap_err().to_string();
    assert!(err.contains("no usage recorded yet"), "{err}");
    let mut store = open(&d);
    store.apply(&[Persist::Usage(usage("msg_1", "ses_a", NOW, 100, 20, 0.5))]).unwrap();
    let ro = file::open_read_only(&d.db()).unwrap();
    assert_eq!(report::report(&ro, None).unwrap().total.cost, 0.5);
    // The writer goes on while the reader is open, and the reader sees it.
    store.apply(&[Persist::Usage(usage("msg_2", "ses_a", NOW, 1, 1, 0.25))]).unwrap();
    assert_eq!(report::report(&ro, None).unwrap().total.cost, 0.75);
    assert!(ro.execute("DELETE FROM ledger", []).is_err(), "the reader must not write");
    // And with the agent stopped (its WAL folded in and removed).
    drop((ro, store));
    let ro = file::open_read_only(&d.db()).unwrap();
    assert_eq!(report::report(&ro, None).unwrap().total.cost, 0.75);
}

#[test]
fn since_parses_days_hours_and_dates() {
    assert_eq!(report::parse_since("7d", NOW), Some(NOW - 7 * DAY));
    assert_eq!(report::parse_since("24h", NOW), Some(NOW - DAY));
    assert_eq!(report::parse_since("2026-11-01", NOW), super::parse_ms("2026-11-01T00:00:00Z"));
    for bad in ["", "7", "-1d", "7w", "2026-13-01", "yesterday"] {
        assert_eq!(report::parse_since(bad, NOW), None, "{bad:?}");
    }
}

#[test]
fn table_lists_days_models_and_totals() {
    let d = Dir::new("table");
    let mut store = open(&d);
    let mut other = usage("msg_3", "ses_a", NOW, 1000, 0, 1.5);
    other.model = Some("anthropic/claude".into());
    store
        .apply(&[
            Persist::Usage(usage("msg_1", "ses_a", NOW - DAY, 100, 20, 0.5)),
            Persist::Usage(usage("msg_2", "ses_a", NOW, 10, 2, 0.25)),
            Persist::Usage(other),
        ])
        .unwrap();
    let text = report::table(&report::report(store.conn(), None).unwrap());
    let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(lines[0], ["day", "(UTC)", "model", "messages", "tokens", "cost", "(USD)"]);
    assert_eq!(lines[1], ["2026-11-21", "fake/fake-model", "1", "120", "0.5000"]);
    assert_eq!(lines[2], ["2026-11-22", "anthropic/claude", "1", "1000", "1.5000"]);
    assert_eq!(lines[3], ["2026-11-22", "fake/fake-model", "1", "12", "0.2500"]);
    assert_eq!(lines[4], ["period", "all", "days", "3", "1132", "2.2500"]);
    assert_eq!(lines[5][..2], ["total", "since"]);
    assert_eq!(lines[5][3..], ["3", "1132", "2.2500"]);
}

#[tokio::test]
async fn writer_batches_and_flushes_on_stop() {
    let d = Dir::new("writer");
    let store = open(&d);
    let opened = store.commits();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(writer::run(store, rx, async move {
        let _ = stop_rx.await;
    }));
    // 300 messages trickling in over ~0.6 s.
    for i in 0..300 {
        tx.send(Persist::Usage(usage(&format!("msg_{i}"), "ses_a", NOW, 1, 1, 0.0))).unwrap();
        if i % 10 == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    // Queued just before the stop: must still be written.
    tx.send(Persist::Session(Box::new(session("ses_last", NOW)))).unwrap();
    stop_tx.send(()).unwrap();
    let store = task.await.unwrap().expect("the store came back");
    let r = store.remembered(NOW).unwrap();
    assert_eq!(r.usage.messages, 300);
    assert_eq!(r.sessions.len(), 1);
    let commits = store.commits() - opened;
    assert!((1..=2).contains(&commits), "{commits} transactions for 301 messages");
}

/// Pages SQLite appended to the WAL since it was last reset (autocheckpoint off).
fn wal_frames(store: &Store) -> i64 {
    store.conn().query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1)).unwrap()
}

#[test]
fn unchanged_rows_are_not_written_again() {
    let d = Dir::new("unchanged");
    let mut store = open(&d);
    store.conn().pragma_update(None, "wal_autocheckpoint", 0).unwrap();
    let batch: Vec<Persist> = (0..5)
        .map(|i| Persist::Session(Box::new(session(&format!("ses_{i}"), NOW))))
        .chain([Persist::Instance(instance("plugin-1"))])
        .chain([Persist::Usage(usage("msg_1", "ses_0", NOW, 100, 10, 0.5))])
        .collect();
    store.apply(&batch).unwrap();
    let before = wal_frames(&store);
    // The hub sends a session again when anything in it changed, which after a flush may
    // be nothing the store keeps; and a message reported again that did not grow.
    for _ in 0..100 {
        store.apply(&batch).unwrap();
    }
    let written = wal_frames(&store) - before;
    assert_eq!(written, 0, "{written} pages written for 100 batches of unchanged rows");
    assert_eq!(store.remembered(NOW).unwrap().usage.messages, 1);
}

#[test]
fn a_steady_load_writes_close_to_what_is_kept() {
    let d = Dir::new("steady");
    let mut store = open(&d);
    store.conn().pragma_update(None, "wal_autocheckpoint", 0).unwrap();
    let page: i64 = store.conn().query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
    // Ten minutes of what the hub sends for 5 busy sessions (a flush a second): each
    // session's new snapshot, and its streaming message's usage, a new message every 10 s;
    // the writer gathers a `WINDOW` of it into each transaction.
    const SECONDS: i64 = 600;
    let window = i64::try_from(writer::WINDOW.as_secs()).unwrap().max(1);
    let mut batch = Vec::new();
    for t in 0..SECONDS {
        for s in 0..5 {
            let sid = format!("ses_{s}");
            let mut snap = session(&sid, NOW + t * 1000);
            snap.tokens_output = u64::try_from(t).unwrap();
            batch.push(Persist::Session(Box::new(snap)));
            let msg = format!("msg_{s}_{}", t / 10);
            let out = u64::try_from(t % 10 + 1).unwrap();
            batch.push(Persist::Usage(usage(&msg, &sid, NOW + t * 1000, 100, out, 0.0)));
        }
        if (t + 1) % window == 0 || batch.len() >= writer::MAX_BATCH {
            store.apply(&std::mem::take(&mut batch)).unwrap();
        }
    }
    store.apply(&batch).unwrap();
    let r = store.remembered(NOW).unwrap();
    let messages = u64::try_from(5 * SECONDS / 10).unwrap();
    assert_eq!((r.usage.messages, r.usage.tokens_output), (messages, messages * 10));
    let written = wal_frames(&store) * (page + 24);
    let kept: i64 = store.conn().query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
    let kept = kept * page;
    // A transaction rewrites whole pages (a session row, the ledger's last page, the
    // totals), so some multiple of what is kept is unavoidable; it must not be one per flush.
    eprintln!("{written} bytes written for a store of {kept} bytes");
    assert!(written <= 3_000_000, "{written} bytes written for a store of {kept} bytes");
}
