//! Reconnects and resyncs: what an instance's sessions show while its state is read, and
//! what the read removes and counts.

use super::*;
use crate::protocol::{InstanceKind, State};

const INSTANCE: &str = "plugin-7-0";

fn instance(id: &str) -> Instance {
    Instance {
        id: id.into(),
        kind: InstanceKind::Plugin,
        label: "test".into(),
        directory: Some("/p".into()),
        opencode_version: None,
        connected: true,
        since: rfc3339(0),
    }
}

fn perm(id: &str, sid: &str) -> PermissionInfo {
    PermissionInfo {
        id: id.into(),
        session_id: sid.into(),
        permission: "bash".into(),
        patterns: vec!["ls".into()],
        ..Default::default()
    }
}

fn info(id: &str) -> SessionInfo {
    SessionInfo { id: id.into(), directory: Some("/p".into()), ..Default::default() }
}

fn event(instance_id: &str, event: Event) -> Input {
    Input::Event { instance_id: instance_id.into(), event }
}

fn resync(instance_id: &str, data: Resync) -> Input {
    Input::Resync { instance_id: instance_id.into(), data: Box::new(data) }
}

/// A tracker remembering `ses_1` waiting for `per_1`, as an agent restart leaves it.
fn remembered() -> Tracker {
    let mut before = Tracker::new(Settings::new("devbox", 10));
    before.apply(Input::Connected(instance(INSTANCE)), 0);
    before.apply(event(INSTANCE, Event::SessionUpsert(info("ses_1"))), 1);
    let busy = Event::SessionStatus { session_id: "ses_1".into(), status: Status::Busy };
    before.apply(event(INSTANCE, busy), 2);
    before.apply(event(INSTANCE, Event::PermissionAsked(perm("per_1", "ses_1"))), 3);
    assert_eq!(before.state("ses_1"), Some(State::WaitingPermission));
    let mut t = Tracker::new(Settings::new("devbox", 10));
    t.remember(before.sessions(), before.instances());
    t
}

/// After an agent restart the same process dials in again: its remembered sessions stay
/// unavailable until its state is read, and a reply OpenCode reports while the read is
/// under way is applied after it, so the older read cannot bring the answered permission
/// back as pending.
#[test]
fn a_connecting_instance_serves_only_after_its_resync_and_events_wait_for_it() {
    let mut t = remembered();
    t.apply(Input::Connecting(instance(INSTANCE)), 1_000);
    let s = t.snapshot("ses_1").expect("remembered");
    assert!(!s.available, "available before OpenCode's state was read");
    assert!(!t.serves(INSTANCE));
    // The permission is answered elsewhere while the read is in flight: the event is held.
    let replied = Event::PermissionReplied {
        session_id: "ses_1".into(),
        permission_id: "per_1".into(),
        reply: Some("once".into()),
    };
    t.apply(event(INSTANCE, replied), 1_100);
    // The read happened before the answer: OpenCode still listed the request.
    let data = Resync {
        sessions: vec![info("ses_1")],
        statuses: HashMap::from([("ses_1".to_owned(), Status::Busy)]),
        permissions: vec![perm("per_1", "ses_1")],
        ..Default::default()
    };
    let out = t.apply(resync(INSTANCE, data), 1_200);
    let s = t.snapshot("ses_1").expect("kept");
    assert!(s.available);
    assert_eq!(s.state, State::Working, "the answered permission came back: {s:?}");
    assert!(t.find_permission("per_1").is_none());
    assert!(out.iter().any(|c| matches!(
        c,
        Change::PermissionResolved { permission_id, by: ResolvedBy::Opencode, .. }
            if permission_id == "per_1"
    )));
}

/// A failed read releases the held events and the sessions become available with them.
#[test]
fn a_failed_resync_releases_held_events() {
    let mut t = remembered();
    t.apply(Input::Connecting(instance(INSTANCE)), 1_000);
    t.apply(event(INSTANCE, Event::SessionIdle { session_id: "ses_1".into() }), 1_100);
    assert_eq!(t.state("ses_1"), Some(State::WaitingPermission));
    t.apply(Input::ResyncFailed { instance_id: INSTANCE.into() }, 1_200);
    assert!(t.snapshot("ses_1").expect("kept").available);
    assert_eq!(t.state("ses_1"), Some(State::Idle));
}

fn timed(id: &str, dir: &str, created: i64, updated: i64) -> SessionInfo {
    let mut s = info(id);
    s.directory = Some(dir.into());
    s.time.created = Some(created);
    s.time.updated = Some(updated);
    s
}

fn removed(out: &[Change]) -> Vec<String> {
    let mut ids: Vec<String> = out
        .iter()
        .filter_map(|c| match c {
            Change::Removed { session_id, reason: RemovedReason::Deleted } => {
                Some(session_id.clone())
            }
            _ => None,
        })
        .collect();
    ids.sort();
    ids
}

/// A session deleted in OpenCode while the agent was down is gone from a complete list:
/// it is removed (`deleted`). Sessions outside the list's scope (another project's
/// directory) and those another connected instance runs stay.
#[test]
fn a_complete_list_removes_the_sessions_it_leaves_out_in_its_scope() {
    let mut before = Tracker::new(Settings::new("devbox", 10));
    before.apply(Input::Connected(instance(INSTANCE)), 0);
    before.apply(Input::Connected(instance("plugin-8-0")), 0);
    for (inst, s) in [
        (INSTANCE, timed("ses_kept", "/p", 1, 1)),
        (INSTANCE, timed("ses_deleted", "/p", 2, 2)),
        (INSTANCE, timed("ses_elsewhere", "/q", 3, 3)),
        ("plugin-8-0", timed("ses_other", "/p", 4, 4)),
    ] {
        before.apply(event(inst, Event::SessionUpsert(s)), 5);
    }
    let mut t = Tracker::new(Settings::new("devbox", 10));
    t.remember(before.sessions(), before.instances());
    t.apply(Input::Connected(instance("plugin-8-0")), 900);
    t.apply(Input::Connecting(instance(INSTANCE)), 1_000);
    let scope = Scope::Directories(["/p".to_owned()].into());
    let data = Resync {
        sessions: vec![timed("ses_kept", "/p", 1, 1)],
        listing: Listing { scope: Some(scope), complete: true },
        ..Default::default()
    };
    let out = t.apply(resync(INSTANCE, data), 2_000);
    assert_eq!(removed(&out), ["ses_deleted"]);
    assert!(t.contains("ses_kept") && t.contains("ses_elsewhere") && t.contains("ses_other"));
}

/// A list cut by its limit proves gone only sessions newer than the oldest it holds.
#[test]
fn a_cut_list_removes_only_sessions_newer_than_its_oldest() {
    let mut t = Tracker::new(Settings::new("devbox", 10));
    t.apply(Input::Connected(instance(INSTANCE)), 0);
    for s in [
        timed("ses_old", "/p", 10, 20),
        timed("ses_new_gone", "/p", 300, 400),
        timed("ses_listed", "/p", 200, 300),
    ] {
        t.apply(event(INSTANCE, Event::SessionUpsert(s)), 500);
    }
    let data = Resync {
        sessions: vec![timed("ses_listed", "/p", 200, 300)],
        listing: Listing { scope: Some(Scope::All), complete: false },
        ..Default::default()
    };
    let out = t.apply(resync(INSTANCE, data), 1_000);
    assert_eq!(removed(&out), ["ses_new_gone"]);
    assert!(t.contains("ses_old"));
}

/// Usage an idle session reported while the agent was not listening reaches the ledger
/// through the resync's messages.
#[test]
fn a_resync_counts_the_usage_of_idle_sessions() {
    let mut t = Tracker::new(Settings::new("devbox", 10));
    t.apply(Input::Connecting(instance(INSTANCE)), 0);
    let msg = MessageInfo {
        id: "msg_1".into(),
        session_id: "ses_1".into(),
        role: "assistant".into(),
        cost: Some(0.5),
        ..Default::default()
    };
    let data = Resync {
        sessions: vec![info("ses_1")],
        messages: vec![(msg, vec![])],
        ..Default::default()
    };
    let out = t.apply(resync(INSTANCE, data), 1_000);
    assert!(out.iter().any(|c| matches!(c, Change::Usage(row) if row.message_id == "msg_1")));
    assert_eq!(t.snapshot("ses_1").expect("listed").cost, 0.5);
}
