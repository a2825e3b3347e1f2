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
