//! Reducer tests built from event sequences recorded from the real OpenCode 1.18.33
//! (`tests/fixtures/*.jsonl`, recorded by `tests/record_fixtures.py`) plus small
//! hand-made sequences for shapes the recordings cannot produce.

use super::*;
use crate::{
    opencode::event::decode_line,
    protocol::{InstanceKind, Session, State},
};
use serde_json::json;

const INSTANCE: &str = "plugin-1-0";

fn tracker(max_sessions: usize) -> Tracker {
    let mut t = Tracker::new(Settings { hostname: "devbox".into(), max_sessions });
    t.apply(Input::Connected(instance(INSTANCE)), 0);
    t
}

fn instance(id: &str) -> Instance {
    Instance {
        id: id.into(),
        kind: InstanceKind::Plugin,
        label: "test".into(),
        directory: None,
        opencode_version: Some("1.18.33".into()),
        connected: true,
        since: rfc3339(0),
    }
}

fn events(name: &str) -> Vec<Event> {
    let path = format!("{}/tests/fixtures/{name}.jsonl", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| decode_line(l).expect("fixture line decodes"))
        .collect()
}

/// Replays a fixture; returns every change with the root sessions' states after each event.
struct Replay {
    t: Tracker,
    changes: Vec<Change>,
    /// (event index, root id, state) whenever a root's state changed.
    states: Vec<(usize, String, State)>,
}

fn replay(name: &str) -> Replay {
    let mut t = tracker(200);
    let mut changes = Vec::new();
    let mut states: Vec<(usize, String, State)> = Vec::new();
    for (i, event) in events(name).into_iter().enumerate() {
        changes.extend(
            t.apply(Input::Event { instance_id: INSTANCE.into(), event }, 1_000 + i as i64),
        );
        for s in t.sessions().into_iter().filter(|s| !s.is_child) {
            let last = states.iter().rev().find(|(_, id, _)| *id == s.id).map(|x| x.2);
            if last != Some(s.state) {
                states.push((i, s.id.clone(), s.state));
            }
        }
    }
    Replay { t, changes, states }
}

impl Replay {
    fn root(&self) -> Session {
        let roots: Vec<Session> = self.t.sessions().into_iter().filter(|s| !s.is_child).collect();
        assert_eq!(roots.len(), 1, "one root session expected");
        roots[0].clone()
    }

    fn state_path(&self) -> Vec<State> {
        self.states.iter().map(|s| s.2).collect()
    }

    fn resolved(&self) -> Vec<(Option<PermissionReply>, ResolvedBy)> {
        self.changes
            .iter()
            .filter_map(|c| match c {
                Change::PermissionResolved { reply, by, .. } => Some((*reply, *by)),
                _ => None,
            })
            .collect()
    }
}

fn approx(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn permission_once_goes_through_waiting_permission_to_idle() {
    let r = replay("permission_once");
    assert_eq!(
        r.state_path(),
        vec![State::Idle, State::Working, State::WaitingPermission, State::Working, State::Idle]
    );
    let asked = r.changes.iter().find_map(|c| match c {
        Change::PermissionRequested { permission, .. } => Some(permission.clone()),
        _ => None,
    });
    let asked = asked.expect("a permission request");
    assert_eq!(asked.title, "bash: echo hello > out.txt");
    assert_eq!(asked.permission, "bash");
    assert_eq!(r.resolved(), vec![(Some(PermissionReply::Once), ResolvedBy::Opencode)]);
    let s = r.root();
    assert_eq!(
        (s.state, s.pending_permissions.first(), s.error.clone()),
        (State::Idle, None, None)
    );
    // Two LLM steps of the fake: prompt 1000 (100 cached), completion 200 each.
    assert_eq!((s.tokens_input, s.tokens_output, s.tokens_cache_read), (1800, 400, 200));
    // Prices of the fixture's model: input 3, output 15, cache read 0.3 USD per 1M tokens.
    assert!(approx(s.cost, (1800.0 * 3.0 + 400.0 * 15.0 + 200.0 * 0.3) / 1e6), "cost {}", s.cost);
    assert!(approx(s.cost_total, s.cost));
    assert_eq!(s.model.as_deref(), Some("fake/fake-model"));
    assert_eq!(s.agent.as_deref(), Some("build"));
    assert_eq!(s.current_tool, None);
    assert_eq!(s.context_used, Some(1200));
    assert!(s.available);
}

#[test]
fn api_replies_are_attributed_to_the_api() {
    let mut t = tracker(200);
    let mut out = Vec::new();
    for (i, event) in events("permission_once").into_iter().enumerate() {
        if let Event::PermissionReplied { permission_id, .. } = &event {
            let permission_id = permission_id.clone();
            assert_eq!(
                t.apply(Input::ReplyStarted { permission_id: permission_id.clone() }, 0),
                []
            );
            t.apply(Input::ReplyFinished { permission_id, accepted: true }, 0);
        }
        out.extend(t.apply(Input::Event { instance_id: INSTANCE.into(), event }, i as i64));
    }
    assert!(out
        .iter()
        .any(|c| matches!(c, Change::PermissionResolved { by: ResolvedBy::Api, .. })));
}

/// A tracker holding one pending permission `per_1` of session `ses_1`.
fn pending_permission() -> Tracker {
    let mut t = tracker(200);
    for line in [
        json!({"type": "session.created", "properties": {"info": {"id": "ses_1"}}}),
        json!({"type": "permission.asked", "properties": {"id": "per_1", "sessionID": "ses_1",
            "permission": "bash", "patterns": ["ls"]}}),
    ] {
        let event = decode_line(&line.to_string()).expect("event decodes");
        t.apply(Input::Event { instance_id: INSTANCE.into(), event }, 1);
    }
    assert!(t.find_permission("per_1").is_some());
    t
}

/// The resolutions among some changes: (permission, who answered).
fn resolutions(changes: &[Change]) -> Vec<(String, ResolvedBy)> {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::PermissionResolved { permission_id, by, .. } => {
                Some((permission_id.clone(), *by))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_second_api_reply_in_flight_is_refused() {
    let mut t = pending_permission();
    let start = || Input::ReplyStarted { permission_id: "per_1".into() };
    let refused = vec![Change::ReplyRefused { permission_id: "per_1".into() }];
    assert_eq!(t.apply(start(), 2), [], "the first reply may start");
    assert_eq!(t.apply(start(), 3), refused, "one is in flight");
    let unknown = Input::ReplyStarted { permission_id: "per_9".into() };
    assert_eq!(t.apply(unknown, 3), [Change::ReplyRefused { permission_id: "per_9".into() }]);
    // The first one failed: the permission is still pending, so a new reply may start.
    t.apply(Input::ReplyFinished { permission_id: "per_1".into(), accepted: false }, 4);
    assert_eq!(t.apply(start(), 5), []);
}

#[test]
fn who_answered_a_permission() {
    let replied = || {
        let line = json!({"type": "permission.replied", "properties": {
            "sessionID": "ses_1", "requestID": "per_1", "reply": "once"}});
        Input::Event {
            instance_id: INSTANCE.into(),
            event: decode_line(&line.to_string()).unwrap(),
        }
    };
    let start = || Input::ReplyStarted { permission_id: "per_1".into() };
    let finish = |accepted| Input::ReplyFinished { permission_id: "per_1".into(), accepted };
    // (case, inputs, who answered)
    let cases: [(&str, Vec<Input>, ResolvedBy); 5] = [
        ("no API reply", vec![replied()], ResolvedBy::Opencode),
        ("accepted, then reported", vec![start(), finish(true), replied()], ResolvedBy::Api),
        ("reported, then accepted", vec![start(), replied(), finish(true)], ResolvedBy::Api),
        ("failed, then reported", vec![start(), finish(false), replied()], ResolvedBy::Opencode),
        ("reported, then failed", vec![start(), replied(), finish(false)], ResolvedBy::Opencode),
    ];
    for (case, inputs, by) in cases {
        let mut t = pending_permission();
        let mut seen = Vec::new();
        for (i, input) in inputs.into_iter().enumerate() {
            let changes = t.apply(input, 10 + i as i64);
            if i == 1 && case.starts_with("reported") {
                // Held back while our reply is in flight; the session still shows it gone.
                assert_eq!(resolutions(&changes), [], "{case}");
                assert!(changes.contains(&Change::Session("ses_1".into())), "{case}");
            }
            seen.extend(resolutions(&changes));
        }
        assert_eq!(seen, [("per_1".to_owned(), by)], "{case}");
        assert!(t.find_permission("per_1").is_none(), "{case}");
    }
}

#[test]
fn reject_with_message_lets_the_agent_continue() {
    let r = replay("permission_reject_message");
    assert_eq!(
        r.state_path(),
        vec![State::Idle, State::Working, State::WaitingPermission, State::Working, State::Idle]
    );
    assert_eq!(r.resolved(), vec![(Some(PermissionReply::Reject), ResolvedBy::Opencode)]);
    assert_eq!(r.root().error, None);
}

#[test]
fn always_reply_is_reported() {
    let r = replay("permission_always");
    assert!(r.resolved().iter().all(|(reply, _)| *reply == Some(PermissionReply::Always)));
    assert_eq!(r.root().state, State::Idle);
}

#[test]
fn subagent_permission_shows_on_the_root() {
    let r = replay("subagent_permission");
    let root_id = r.root().id;
    let mut t = tracker(200);
    let mut saw_child_permission = false;
    let mut root_states = Vec::new();
    for (i, event) in events("subagent_permission").into_iter().enumerate() {
        t.apply(Input::Event { instance_id: INSTANCE.into(), event }, i as i64);
        let Some(root) = t.snapshot(&root_id) else { continue };
        if let Some(p) = root.pending_permissions.first() {
            saw_child_permission |= p.session_id != root_id;
            assert_eq!(root.state, State::WaitingPermission);
            assert_eq!(root.current_agent.as_deref(), Some("general"));
            assert_eq!(p.title, "bash: touch sub.txt");
        }
        root_states.push(root.state);
    }
    assert!(saw_child_permission, "the child's permission must show on the root");
    // Never idle between the first working and the end: the sub-agent keeps the root busy.
    let first = root_states.iter().position(|s| *s == State::Working).expect("root worked");
    let last = root_states.iter().rposition(|s| *s != State::Idle).expect("root was active");
    assert!(root_states[first..=last].iter().all(|s| *s != State::Idle), "{root_states:?}");
    let child = t.sessions().into_iter().find(|s| s.is_child).expect("child tracked");
    assert_eq!(
        (child.parent_id.as_deref(), child.root_id.as_str()),
        (Some(root_id.as_str()), root_id.as_str())
    );
    let root = t.snapshot(&root_id).expect("root");
    assert!(child.cost > 0.0);
    assert!(approx(root.cost_total, root.cost + child.cost));
    assert_eq!(root.state, State::Idle);
}

#[test]
fn llm_error_is_sticky_until_the_next_busy() {
    let r = replay("error_400");
    let path = r.state_path();
    let err = path.iter().position(|s| *s == State::Error).expect("error state");
    assert!(path[err + 1..].contains(&State::Working), "next prompt works again: {path:?}");
    assert_eq!(*path.last().expect("states"), State::Idle);
    // While in error, the state did not fall back to idle before the next prompt.
    assert_ne!(path[err + 1], State::Idle);
}

#[test]
fn abort_with_pending_permission_ends_idle_without_requests() {
    let r = replay("abort_pending_permission");
    let s = r.root();
    assert_eq!((s.state, s.error.clone()), (State::Idle, None));
    assert!(s.pending_permissions.is_empty());
    assert!(r.state_path().contains(&State::WaitingPermission));
    assert_eq!(r.resolved(), vec![(None, ResolvedBy::Expired)]);
}

#[test]
fn retry_counts_as_working() {
    let r = replay("retry_500");
    assert!(r.state_path().contains(&State::Working));
}

#[test]
fn question_waits_for_input() {
    let r = replay("question");
    assert!(r.state_path().contains(&State::WaitingInput));
    let asked = r.changes.iter().find_map(|c| match c {
        Change::QuestionAsked { question, .. } => Some(question.clone()),
        _ => None,
    });
    let q = asked.expect("question asked");
    assert!(!q.questions.is_empty() && !q.questions[0].options.is_empty());
    assert!(r
        .changes
        .iter()
        .any(|c| matches!(c, Change::QuestionResolved { outcome: QuestionOutcome::Answered, .. })));
    assert_eq!(r.root().question, None);
}

#[test]
fn rejected_question_is_resolved() {
    let r = replay("question_reject");
    assert!(r
        .changes
        .iter()
        .any(|c| matches!(c, Change::QuestionResolved { outcome: QuestionOutcome::Rejected, .. })));
}

#[test]
fn deleted_session_is_removed() {
    let r = replay("session_deleted");
    assert!(r.t.is_empty());
    assert!(r
        .changes
        .iter()
        .any(|c| matches!(c, Change::Removed { reason: RemovedReason::Deleted, .. })));
}

#[test]
fn streaming_ends_idle_with_usage() {
    let r = replay("streaming");
    let s = r.root();
    assert_eq!(s.state, State::Idle);
    assert!(s.tokens_output > 0);
}

#[test]
fn disconnect_keeps_sessions_unavailable_and_resync_restores() {
    let mut t = tracker(200);
    for (i, event) in events("permission_once").into_iter().enumerate() {
        t.apply(Input::Event { instance_id: INSTANCE.into(), event }, i as i64);
    }
    let id = t.sessions()[0].id.clone();
    let out = t.apply(Input::Disconnected { instance_id: INSTANCE.into() }, 10_000);
    assert!(out.contains(&Change::InstanceDisconnected(INSTANCE.into())));
    assert!(!t.snapshot(&id).expect("kept").available);
    // A new process (new instance) reports the same session through its resync.
    t.apply(Input::Connected(instance("plugin-2-1")), 11_000);
    let info = SessionInfo { id: id.clone(), title: Some("Again".into()), ..Default::default() };
    let data = Resync { sessions: vec![info], ..Default::default() };
    t.apply(Input::Resync { instance_id: "plugin-2-1".into(), data: Box::new(data) }, 12_000);
    let s = t.snapshot(&id).expect("still there");
    assert!(s.available);
    assert_eq!((s.instance_id.as_str(), s.title.as_deref()), ("plugin-2-1", Some("Again")));
}

#[test]
fn resync_drops_stale_permissions_of_idle_sessions() {
    let mut t = tracker(200);
    let perm = |id: &str, sid: &str| PermissionInfo {
        id: id.into(),
        session_id: sid.into(),
        permission: "bash".into(),
        patterns: vec!["ls".into()],
        ..Default::default()
    };
    let sessions = vec![
        SessionInfo { id: "ses_a".into(), ..Default::default() },
        SessionInfo { id: "ses_b".into(), ..Default::default() },
    ];
    let data = Resync {
        sessions,
        statuses: HashMap::from([("ses_a".to_owned(), Status::Busy)]),
        // ses_b is idle: its request is a leftover of an abort.
        permissions: vec![perm("per_1", "ses_a"), perm("per_2", "ses_b")],
        ..Default::default()
    };
    t.apply(Input::Resync { instance_id: INSTANCE.into(), data: Box::new(data) }, 5);
    assert_eq!(t.snapshot("ses_a").expect("a").state, State::WaitingPermission);
    assert_eq!(t.snapshot("ses_b").expect("b").state, State::Idle);
    assert!(t.find_permission("per_2").is_none());
    // A later resync without the request expires it.
    let data = Resync {
        sessions: vec![SessionInfo { id: "ses_a".into(), ..Default::default() }],
        statuses: HashMap::from([("ses_a".to_owned(), Status::Busy)]),
        ..Default::default()
    };
    let out = t.apply(Input::Resync { instance_id: INSTANCE.into(), data: Box::new(data) }, 6);
    assert!(out
        .iter()
        .any(|c| matches!(c, Change::PermissionResolved { by: ResolvedBy::Expired, .. })));
    assert_eq!(t.snapshot("ses_a").expect("a").state, State::Working);
}

#[test]
fn keeps_the_most_recent_sessions_per_instance() {
    let mut t = tracker(3);
    let mut out = Vec::new();
    for i in 0..5 {
        let info = SessionInfo { id: format!("ses_{i}"), ..Default::default() };
        out.extend(t.apply(
            Input::Event { instance_id: INSTANCE.into(), event: Event::SessionUpsert(info) },
            i,
        ));
    }
    assert_eq!(t.len(), 3);
    let ids: Vec<String> = t.sessions().into_iter().map(|s| s.id).collect();
    assert_eq!(ids, vec!["ses_4", "ses_3", "ses_2"]);
    assert_eq!(
        out.iter()
            .filter(|c| matches!(c, Change::Removed { reason: RemovedReason::Evicted, .. }))
            .count(),
        2
    );
}

#[test]
fn parent_cycles_do_not_hang() {
    let mut t = tracker(200);
    for (id, parent) in [("a", "b"), ("b", "a")] {
        let info =
            SessionInfo { id: id.into(), parent_id: Some(parent.into()), ..Default::default() };
        t.apply(
            Input::Event { instance_id: INSTANCE.into(), event: Event::SessionUpsert(info) },
            1,
        );
    }
    assert_eq!(t.sessions().len(), 2);
    t.apply(
        Input::Event {
            instance_id: INSTANCE.into(),
            event: Event::SessionDeleted { session_id: "a".into() },
        },
        2,
    );
    assert!(t.is_empty());
}

#[test]
fn busy_sessions_count_toward_the_global_cap() {
    let mut t = tracker(200);
    t.apply(Input::Connected(instance("plugin-2-1")), 0);
    let busy = |sid: &str| Event::SessionStatus { session_id: sid.into(), status: Status::Busy };
    // 2,000 busy sessions over two instances: never more than 200 kept.
    for i in 0..2_000i64 {
        let inst = if i % 2 == 0 { INSTANCE } else { "plugin-2-1" };
        t.apply(Input::Event { instance_id: inst.into(), event: busy(&format!("ses_{i}")) }, i);
        assert!(t.len() <= 200, "{} sessions tracked after {i}", t.len());
    }
    assert_eq!(t.len(), 200);
    // The most recent ones stay.
    assert!(t.contains("ses_1999") && t.contains("ses_1800") && !t.contains("ses_1799"));

    // Idle trees go before busy ones, even when more recent.
    let mut t = tracker(3);
    let upsert =
        |sid: &str| Event::SessionUpsert(SessionInfo { id: sid.into(), ..Default::default() });
    for (i, ev) in
        [busy("ses_old_busy"), upsert("ses_idle"), busy("ses_busy")].into_iter().enumerate()
    {
        t.apply(Input::Event { instance_id: INSTANCE.into(), event: ev }, i as i64);
    }
    let out = t.apply(Input::Event { instance_id: INSTANCE.into(), event: busy("ses_new") }, 10);
    assert!(out.contains(&Change::Removed {
        session_id: "ses_idle".into(),
        reason: RemovedReason::Evicted
    }));
    assert!(t.contains("ses_old_busy") && t.contains("ses_busy") && t.contains("ses_new"));
    let out = t.apply(Input::Event { instance_id: INSTANCE.into(), event: busy("ses_newer") }, 11);
    assert!(out.contains(&Change::Removed {
        session_id: "ses_old_busy".into(),
        reason: RemovedReason::Evicted
    }));
    assert_eq!(t.len(), 3);
}

#[test]
fn wire_text_is_truncated_so_frames_stay_small() {
    let mut t = tracker(200);
    // The 9 MiB command of the audit, and many long texts.
    let huge = "x".repeat(9 * 1024 * 1024);
    let big = "y".repeat(10_000);
    let ev = |event| Input::Event { instance_id: INSTANCE.into(), event };
    t.apply(
        ev(Event::SessionUpsert(SessionInfo {
            id: "ses_a".into(),
            title: Some(huge.clone()),
            directory: Some(huge.clone()),
            ..Default::default()
        })),
        1,
    );
    t.apply(ev(Event::SessionStatus { session_id: "ses_a".into(), status: Status::Busy }), 2);
    for i in 0..40 {
        t.apply(
            ev(Event::PermissionAsked(PermissionInfo {
                id: format!("per_{i:02}"),
                session_id: "ses_a".into(),
                permission: big.clone(),
                patterns: [vec![huge.clone()], vec![big.clone(); 50]].concat(),
                always: vec![big.clone(); 50],
                metadata: serde_json::json!({"command": huge}),
                ..Default::default()
            })),
            3 + i,
        );
    }
    let item = crate::opencode::event::QuestionItem {
        question: huge.clone(),
        header: big.clone(),
        multiple: false,
        options: vec![
            crate::opencode::event::QuestionOption {
                label: big.clone(),
                description: big.clone()
            };
            50
        ],
    };
    t.apply(
        ev(Event::QuestionAsked(QuestionInfo {
            id: "que_1".into(),
            session_id: "ses_a".into(),
            questions: vec![item; 50],
        })),
        100,
    );
    let s = t.snapshot("ses_a").expect("tracked");
    let frame = serde_json::to_string(&s).expect("serializes");
    assert!(frame.len() < 80 * 1024, "snapshot of {} bytes", frame.len());
    assert_eq!(s.title.as_deref().map(|x| x.chars().count()), Some(limits::TITLE));
    assert_eq!(s.pending_permissions.len(), limits::PERMISSIONS);
    let p = &s.pending_permissions[0];
    assert_eq!(p.id, "per_00", "the oldest permissions are shown");
    assert_eq!(p.patterns.len(), limits::PATTERNS);
    assert_eq!(p.patterns[0].chars().count(), limits::PATTERN);
    assert!(p.title.chars().count() <= limits::SUMMARY);
    let q = s.question.expect("question");
    assert_eq!(q.questions.len(), limits::QUESTIONS);
    assert_eq!(q.questions[0].question.chars().count(), limits::QUESTION);
    assert_eq!(q.questions[0].options.len(), limits::OPTIONS);
    // Answering the shown permissions brings the next ones into the snapshot.
    t.apply(
        ev(Event::PermissionReplied {
            session_id: "ses_a".into(),
            permission_id: "per_00".into(),
            reply: Some("once".into()),
        }),
        200,
    );
    let s = t.snapshot("ses_a").expect("tracked");
    assert_eq!(s.pending_permissions.last().map(|p| p.id.as_str()), Some("per_08"));
}

/// Events of one busy session `ses_<n>` on `INSTANCE`.
fn busy(t: &mut Tracker, n: u32, now: i64) {
    let line = format!(
        r#"{{"type":"session.status","properties":{{"sessionID":"ses_{n}","status":{{"type":"busy"}}}}}}"#
    );
    let event = decode_line(&line).expect("status decodes");
    t.apply(Input::Event { instance_id: INSTANCE.into(), event }, now);
}

fn runs(out: &[Change]) -> Vec<String> {
    out.iter()
        .filter_map(|c| match c {
            Change::RunStarted { session_id, .. } => Some(format!("started {session_id}")),
            Change::RunFinished { session_id, outcome, .. } => {
                Some(format!("{outcome} {session_id}"))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn remembered_sessions_start_runs_only_when_seen_busy_again() {
    // An earlier run of the agent: two sessions working when it stopped.
    let mut before = tracker(10);
    busy(&mut before, 1, 100);
    busy(&mut before, 2, 100);
    let (sessions, instances) = (before.sessions(), before.instances());
    assert!(sessions.iter().all(|s| s.state == State::Working));

    let mut t = Tracker::new(Settings { hostname: "devbox".into(), max_sessions: 10 });
    t.remember(sessions, instances);
    assert!(t.sessions().iter().all(|s| !s.available && s.state == State::Working));
    // The same instance id comes back (as `opencode serve`'s feed does): no run yet.
    let out = t.apply(Input::Connected(instance(INSTANCE)), 1_000);
    assert_eq!(runs(&out), Vec::<String>::new());
    // Its resync: ses_1 idle (how its run ended is unknown: nothing), ses_2 busy (a run
    // starts now).
    let info = |id: &str| SessionInfo { id: id.into(), ..Default::default() };
    let data = Resync {
        sessions: vec![info("ses_1"), info("ses_2")],
        statuses: [("ses_2".to_owned(), Status::Busy)].into_iter().collect(),
        ..Default::default()
    };
    let out = t.apply(Input::Resync { instance_id: INSTANCE.into(), data: Box::new(data) }, 2_000);
    assert_eq!(runs(&out), ["started ses_2"]);
    assert!(matches!(
        out.iter().find(|c| matches!(c, Change::RunStarted { .. })),
        Some(Change::RunStarted { started: 2_000, .. })
    ));
    let line = r#"{"type":"session.idle","properties":{"sessionID":"ses_2"}}"#;
    let event = decode_line(line).expect("idle decodes");
    let out = t.apply(Input::Event { instance_id: INSTANCE.into(), event }, 5_000);
    assert_eq!(runs(&out), ["completed ses_2"]);
}

#[test]
fn sessions_unavailable_longer_than_stale_after_are_removed() {
    let mut t = tracker(10).with_stale_after(std::time::Duration::from_secs(60));
    busy(&mut t, 1, 100);
    t.apply(Input::Disconnected { instance_id: INSTANCE.into() }, 1_000);
    // The first tick stamps when it was seen unavailable; time counts from there.
    assert!(t.apply(Input::Tick, 2_000).is_empty());
    assert!(t.apply(Input::Tick, 62_000).is_empty());
    let out = t.apply(Input::Tick, 62_001);
    assert_eq!(out, [Change::Removed { session_id: "ses_1".into(), reason: RemovedReason::Stale }]);
    assert!(t.is_empty());
}

#[test]
fn a_plan_is_kept_per_session_and_replaced_whole() {
    let mut t = tracker(200);
    let ev = |line: serde_json::Value| Input::Event {
        instance_id: INSTANCE.into(),
        event: decode_line(&line.to_string()).expect("decodes"),
    };
    let todo = |sid: &str, todos: serde_json::Value| {
        ev(json!({"type": "todo.updated", "properties": {"sessionID": sid, "todos": todos}}))
    };
    t.apply(ev(json!({"type": "session.status", "properties": {"sessionID": "ses_a", "status": {"type": "busy"}}})), 1);
    let changes = t.apply(
        todo(
            "ses_a",
            json!([
            {"content": "Read", "status": "completed", "priority": "high"},
            {"content": "Fix", "status": "in_progress", "priority": "high"},
            {"content": "Drop", "status": "cancelled", "priority": "low"}]),
        ),
        2,
    );
    assert_eq!(changes, [Change::Session("ses_a".into())]);
    let s = t.snapshot("ses_a").expect("tracked");
    assert_eq!((s.state, s.todo.len(), s.todo_done, s.todo_total), (State::Working, 3, 1, 2));
    assert_eq!(s.todo[1].content, "Fix");
    // A sub-agent's plan is its own, not its parent's.
    t.apply(ev(json!({"type": "session.created", "properties": {"info": {"id": "ses_b", "parentID": "ses_a"}}})), 3);
    t.apply(todo("ses_b", json!([{"content": "x", "status": "pending", "priority": "low"}])), 4);
    assert_eq!(t.snapshot("ses_a").map(|s| s.todo_total), Some(2));
    // The next list replaces the plan; an empty one clears it.
    t.apply(
        todo("ses_a", json!([{"content": "Fix", "status": "completed", "priority": "high"}])),
        5,
    );
    let s = t.snapshot("ses_a").expect("tracked");
    assert_eq!((s.todo.len(), s.todo_done, s.todo_total), (1, 1, 1));
    // Remembered across a restart of the agent.
    assert_eq!(Record::remembered(&s).plan.items, s.todo);
    t.apply(todo("ses_a", json!([])), 6);
    let s = t.snapshot("ses_a").expect("tracked");
    assert_eq!((s.todo.len(), s.todo_done, s.todo_total), (0, 0, 0));
}
