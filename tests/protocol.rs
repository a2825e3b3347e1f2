//! The golden frames: one JSON file per frame kind in tests/fixtures/protocol/, written
//! from the typed structs of `protocol`, and shown verbatim in docs/protocol.md. The Home
//! Assistant client's tests load the same files, so a frame changed on one side alone
//! fails a test. `UPDATE_GOLDEN=1 cargo test golden` rewrites the files and the doc blocks.

use opencode_lookout::{
    config::DEFAULT_PORT,
    mdns::SERVICE_TYPE,
    protocol::{
        close, decode_command, ApiError, AuthFailure, Command, CommandResult, ConnectionError,
        Empty, ErrorCode, ErrorSummary, EventMsg, Instance, InstanceKind, MessageText, Messages,
        Pairing, Permission, PermissionReply, Question, QuestionItem, QuestionOption,
        QuestionOutcome, RemovedReason, Reply, Request, ResolvedBy, Role, RunOutcome, ServerMsg,
        Session, SessionFields, Snapshot, State, TodoItem, Usage, AUTH_TIMEOUT_S, COMMANDS, EVENTS,
        HARD_FRAME_LIMIT, MAX_FRAME, MIN_SCHEMA, PREAUTH_FRAME_LIMIT, SCHEMA,
    },
    tls,
};
use serde::{ser::SerializeMap, Serialize, Serializer};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const ROOT: &str = "ses_dfe6d1292ffeBXOPcUusOAmh9y";
const CHILD: &str = "ses_dfe6d0f3bffeQm2Xo7sYc1aL4k";
const OTHER: &str = "ses_dfe6c8a01ffeK3pZr9tNwq5xVb";
const PERM: &str = "per_20192f8fe001F3dZq4eY5PjFTv";
const QUEST: &str = "que_20193a1b2001Hk7LmN3pQr5sTu";
const INST: &str = "plugin-4242-0";
const TOKEN: &str = "p3Xb9kQ2mZ7vR1tY5wL8nC4hJ6gF0dS2aE9uI3oP7xK";

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/protocol")
}

fn permission() -> Permission {
    Permission {
        id: PERM.into(),
        session_id: CHILD.into(),
        permission: "bash".into(),
        patterns: vec!["rm -rf build".into()],
        always: vec!["rm *".into()],
        title: "bash: rm -rf build".into(),
        created: "2026-11-22T05:00:01.000Z".into(),
    }
}

fn question() -> Question {
    Question {
        id: QUEST.into(),
        session_id: OTHER.into(),
        created: "2026-11-22T05:10:00.000Z".into(),
        questions: vec![QuestionItem {
            question: "Which database?".into(),
            header: "Database".into(),
            multiple: false,
            options: vec![
                QuestionOption { label: "Postgres".into(), description: "the default".into() },
                QuestionOption { label: "SQLite".into(), description: String::new() },
            ],
        }],
    }
}

/// A root session waiting for its sub-agent's permission.
fn session() -> Session {
    Session {
        id: ROOT.into(),
        parent_id: None,
        root_id: ROOT.into(),
        is_child: false,
        instance_id: INST.into(),
        title: Some("Fix the build".into()),
        directory: Some("/home/me/proj".into()),
        project: Some("proj".into()),
        state: State::WaitingPermission,
        model: Some("fake/fake-model".into()),
        agent: Some("build".into()),
        current_agent: Some("general".into()),
        current_tool: Some("bash: rm -rf build".into()),
        tokens_input: 1800,
        tokens_output: 400,
        tokens_reasoning: 0,
        tokens_cache_read: 200,
        tokens_cache_write: 0,
        cost: 0.01146,
        cost_total: 0.02292,
        context_used: Some(1200),
        context_limit: Some(100_000),
        files_changed: 2,
        lines_added: 10,
        lines_removed: 3,
        todo: vec![
            TodoItem {
                content: "Find why the build fails".into(),
                status: "completed".into(),
                priority: "high".into(),
            },
            TodoItem {
                content: "Clean the build directory".into(),
                status: "in_progress".into(),
                priority: "high".into(),
            },
            TodoItem {
                content: "Run the tests".into(),
                status: "pending".into(),
                priority: "medium".into(),
            },
        ],
        todo_done: 1,
        todo_total: 3,
        created: Some("2026-11-22T04:59:50.000Z".into()),
        last_activity: "2026-11-22T05:00:02.000Z".into(),
        hostname: "devbox".into(),
        opencode_version: Some("1.18.33".into()),
        pending_permissions: vec![permission()],
        question: None,
        error: None,
        available: true,
    }
}

/// A second root session: asking a question, after an earlier error, its instance gone.
fn other_session() -> Session {
    Session {
        id: OTHER.into(),
        root_id: OTHER.into(),
        title: Some("Set up the database".into()),
        state: State::WaitingInput,
        current_agent: None,
        current_tool: None,
        tokens_input: 0,
        tokens_output: 0,
        tokens_cache_read: 0,
        cost: 0.0,
        cost_total: 0.0,
        context_used: None,
        context_limit: None,
        files_changed: 0,
        lines_added: 0,
        lines_removed: 0,
        todo: vec![],
        todo_done: 0,
        todo_total: 0,
        created: None,
        last_activity: "2026-11-22T05:10:00.000Z".into(),
        opencode_version: None,
        pending_permissions: vec![],
        question: Some(question()),
        error: Some(ErrorSummary {
            name: "APIError".into(),
            message: "fake upstream failure 400".into(),
        }),
        available: false,
        ..session()
    }
}

fn instance() -> Instance {
    Instance {
        id: INST.into(),
        kind: InstanceKind::Plugin,
        label: "opencode pid 4242 in /home/me/proj".into(),
        directory: Some("/home/me/proj".into()),
        opencode_version: Some("1.18.33".into()),
        connected: true,
        since: "2026-11-22T04:58:00.000Z".into(),
    }
}

fn usage() -> Usage {
    Usage {
        cost: 1.2345,
        tokens: 245_000,
        tokens_input: 180_000,
        tokens_output: 40_000,
        tokens_reasoning: 5_000,
        tokens_cache_read: 20_000,
        tokens_cache_write: 0,
        messages: 57,
        since: "2026-11-01T09:00:00.000Z".into(),
    }
}

/// What a streaming step changes: counters and the tool, not the state.
fn changed_fields() -> SessionFields {
    let mut f = SessionFields::new();
    f.insert("current_tool".into(), json!("write: notes.txt"));
    f.insert("tokens_output".into(), json!(520));
    f.insert("cost".into(), json!(0.01298));
    f.insert("last_activity".into(), json!("2026-11-22T05:00:03.000Z"));
    f
}

fn event(e: EventMsg) -> ServerMsg {
    ServerMsg::Event(e)
}

/// Every server frame kind, by file name.
fn server_frames() -> Vec<(&'static str, ServerMsg)> {
    let ok = |id: u64, r| ServerMsg::Result(Reply::ok(json!(id), r));
    vec![
        (
            "hello",
            ServerMsg::Hello {
                server_id: "3f1c2a9e8b7d4c60a1e2f3b4c5d6e7f8".into(),
                hostname: "devbox".into(),
                version: "0.1.0".into(),
                schema: SCHEMA,
                min_schema: MIN_SCHEMA,
            },
        ),
        ("auth_ok", ServerMsg::AuthOk),
        (
            "auth_failed",
            ServerMsg::AuthFailed { reason: AuthFailure::RateLimited, retry_after: Some(42) },
        ),
        (
            "error",
            ServerMsg::Error {
                code: ConnectionError::TooManyClients,
                message: "too many clients".into(),
            },
        ),
        (
            "result_ok_list_sessions",
            ok(
                2,
                CommandResult::Snapshot(Snapshot {
                    sessions: vec![session(), other_session()],
                    instances: vec![instance()],
                    usage: usage(),
                }),
            ),
        ),
        (
            "result_ok_get_messages",
            ok(
                8,
                CommandResult::Messages(Messages {
                    messages: vec![
                        MessageText {
                            id: "msg_dfe6d12a0001abcdEFGHijklMN".into(),
                            role: Role::User,
                            agent: Some("build".into()),
                            created: Some("2026-11-22T05:00:00.000Z".into()),
                            text: "please write a file".into(),
                            truncated: false,
                        },
                        MessageText {
                            id: "msg_dfe6d12b0001opqrSTUVwxyzAB".into(),
                            role: Role::Assistant,
                            agent: Some("build".into()),
                            created: Some("2026-11-22T05:00:02.000Z".into()),
                            text: "All done.".into(),
                            truncated: false,
                        },
                    ],
                }),
            ),
        ),
        ("result_ok_empty", ok(3, CommandResult::Empty(Empty {}))),
        (
            "result_error",
            ServerMsg::Result(Reply::err(
                json!(3),
                ApiError::new(ErrorCode::NotFound, format!("permission {PERM} is not pending")),
            )),
        ),
        ("event_session_updated", event(EventMsg::SessionUpdated { session: Box::new(session()) })),
        (
            "event_session_changed",
            event(EventMsg::SessionChanged { session_id: ROOT.into(), fields: changed_fields() }),
        ),
        (
            "event_session_removed",
            event(EventMsg::SessionRemoved {
                session_id: OTHER.into(),
                reason: RemovedReason::Deleted,
            }),
        ),
        (
            "event_permission_requested",
            event(EventMsg::PermissionRequested {
                session_id: CHILD.into(),
                root_session_id: ROOT.into(),
                permission_id: PERM.into(),
            }),
        ),
        (
            "event_permission_resolved",
            event(EventMsg::PermissionResolved {
                session_id: CHILD.into(),
                root_session_id: ROOT.into(),
                permission_id: PERM.into(),
                reply: Some(PermissionReply::Once),
                by: ResolvedBy::Api,
            }),
        ),
        (
            "event_question_asked",
            event(EventMsg::QuestionAsked {
                session_id: OTHER.into(),
                root_session_id: OTHER.into(),
                question_id: QUEST.into(),
            }),
        ),
        (
            "event_question_resolved",
            event(EventMsg::QuestionResolved {
                session_id: OTHER.into(),
                root_session_id: OTHER.into(),
                question_id: QUEST.into(),
                outcome: QuestionOutcome::Answered,
                by: ResolvedBy::Opencode,
            }),
        ),
        ("event_instance_connected", event(EventMsg::InstanceConnected { instance: instance() })),
        (
            "event_instance_disconnected",
            event(EventMsg::InstanceDisconnected { instance_id: INST.into() }),
        ),
        (
            "event_run_started",
            event(EventMsg::RunStarted {
                session_id: CHILD.into(),
                root_session_id: ROOT.into(),
                started: "2026-11-22T05:00:00.120Z".into(),
            }),
        ),
        (
            "event_run_finished",
            event(EventMsg::RunFinished {
                session_id: OTHER.into(),
                root_session_id: OTHER.into(),
                outcome: RunOutcome::Error,
                started: "2026-11-22T05:09:58.000Z".into(),
                finished: "2026-11-22T05:10:00.500Z".into(),
                duration_ms: 2500,
                error: Some(ErrorSummary {
                    name: "APIError".into(),
                    message: "fake upstream failure 400".into(),
                }),
                reason: None,
            }),
        ),
        ("event_usage_updated", event(EventMsg::UsageUpdated { usage: usage() })),
    ]
}

/// Every client frame kind, by file name, with its id (`auth` has none).
fn client_frames() -> Vec<(&'static str, Command, Option<u64>)> {
    vec![
        ("auth", Command::Auth { token: TOKEN.into() }, None),
        ("subscribe", Command::Subscribe, Some(1)),
        ("cmd_list_sessions", Command::ListSessions, Some(2)),
        (
            "cmd_reply_permission",
            Command::ReplyPermission {
                session_id: Some(ROOT.into()),
                permission_id: PERM.into(),
                reply: PermissionReply::Reject,
                message: Some("not in this directory".into()),
            },
            Some(3),
        ),
        (
            "cmd_reply_question",
            Command::ReplyQuestion {
                question_id: QUEST.into(),
                answers: vec![vec!["Postgres".into()]],
                reject: false,
            },
            Some(4),
        ),
        ("cmd_abort_session", Command::AbortSession { session_id: ROOT.into() }, Some(5)),
        (
            "cmd_send_prompt",
            Command::SendPrompt {
                session_id: ROOT.into(),
                text: "run the tests".into(),
                agent: None,
            },
            Some(6),
        ),
        (
            "cmd_get_messages",
            Command::GetMessages { session_id: ROOT.into(), limit: Some(20) },
            Some(8),
        ),
    ]
}

/// An ordered map from (name, value) pairs (serde_json's Map would sort the keys).
struct Ordered<'a, V>(&'a [(&'a str, V)]);

impl<V: Serialize> Serialize for Ordered<'_, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

fn names<T: Copy>(all: &[T], f: impl Fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| f(*v)).collect()
}

/// Every wire constant and string set.
#[derive(Serialize)]
struct Constants<'a> {
    schema: u32,
    min_schema: u32,
    default_port: u16,
    max_frame: usize,
    hard_frame_limit: usize,
    preauth_frame_limit: usize,
    auth_timeout_s: u64,
    mdns_service_type: &'static str,
    states: Vec<&'static str>,
    replies: Vec<&'static str>,
    error_codes: Vec<&'static str>,
    events: &'static [&'static str],
    resolved_by: Vec<&'static str>,
    auth_failure_reasons: Vec<&'static str>,
    close_codes: Ordered<'a, u16>,
    commands: &'static [&'static str],
    connection_error_codes: Vec<&'static str>,
    question_outcomes: Vec<&'static str>,
    removed_reasons: Vec<&'static str>,
    run_outcomes: Vec<&'static str>,
    instance_kinds: Vec<&'static str>,
    roles: Vec<&'static str>,
}

fn constants() -> Constants<'static> {
    Constants {
        schema: SCHEMA,
        min_schema: MIN_SCHEMA,
        default_port: DEFAULT_PORT,
        max_frame: MAX_FRAME,
        hard_frame_limit: HARD_FRAME_LIMIT,
        preauth_frame_limit: PREAUTH_FRAME_LIMIT,
        auth_timeout_s: AUTH_TIMEOUT_S,
        mdns_service_type: SERVICE_TYPE,
        states: names(State::ALL, State::as_str),
        replies: names(PermissionReply::ALL, PermissionReply::as_str),
        error_codes: names(ErrorCode::ALL, ErrorCode::as_str),
        events: EVENTS,
        resolved_by: names(ResolvedBy::ALL, ResolvedBy::as_str),
        auth_failure_reasons: names(AuthFailure::ALL, AuthFailure::as_str),
        close_codes: Ordered(close::ALL),
        commands: COMMANDS,
        connection_error_codes: names(ConnectionError::ALL, ConnectionError::as_str),
        question_outcomes: names(QuestionOutcome::ALL, QuestionOutcome::as_str),
        removed_reasons: names(RemovedReason::ALL, RemovedReason::as_str),
        run_outcomes: names(RunOutcome::ALL, RunOutcome::as_str),
        instance_kinds: names(InstanceKind::ALL, InstanceKind::as_str),
        roles: names(Role::ALL, Role::as_str),
    }
}

/// A pairing string with its decoded parts.
#[derive(Serialize)]
struct PairingExample {
    pairing: String,
    #[serde(flatten)]
    parts: Pairing,
}

fn pairing_example() -> PairingExample {
    let parts = Pairing {
        port: DEFAULT_PORT,
        fingerprint: tls::fingerprint(b"an example certificate"),
        token: TOKEN.into(),
    };
    PairingExample { pairing: parts.to_string(), parts }
}

#[test]
fn golden_pairing_string_parses_to_its_parts() {
    let p = pairing_example();
    assert_eq!(Pairing::parse(&format!("  {}\n", p.pairing)), Some(p.parts.clone()));
    for bad in [
        "lookout2:7420:9c0f:tok",
        &p.pairing.replace("lookout1:", ""),
        &format!("{}:extra", p.pairing),
        &p.pairing.replace(&p.parts.fingerprint, &p.parts.fingerprint.to_uppercase()),
        &p.pairing.replace(&p.parts.fingerprint, &p.parts.fingerprint[1..]),
        &p.pairing.replace(&TOKEN[..4], "a+b/"),
    ] {
        assert_eq!(Pairing::parse(bad), None, "{bad}");
    }
}

fn pretty<T: Serialize>(v: &T) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("frames serialise");
    s.push('\n');
    s
}

/// Every golden file: name → content.
fn goldens() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> =
        server_frames().iter().map(|(n, m)| (format!("{n}.json"), pretty(m))).collect();
    for (n, cmd, id) in client_frames() {
        let text = match id {
            Some(id) => pretty(&Request { command: &cmd, id: json!(id) }),
            None => pretty(&cmd),
        };
        out.push((format!("{n}.json"), text));
    }
    out.push(("constants.json".into(), pretty(&constants())));
    out.push(("pairing.json".into(), pretty(&pairing_example())));
    out
}

fn updating() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1")
}

#[test]
fn golden_frames_match_files() {
    let dir = dir();
    let goldens = goldens();
    if updating() {
        std::fs::create_dir_all(&dir).expect("golden dir");
        for (name, text) in &goldens {
            std::fs::write(dir.join(name), text).expect("write golden");
        }
    }
    let mut wrong = Vec::new();
    for (name, text) in &goldens {
        match std::fs::read_to_string(dir.join(name)) {
            Ok(file) if file == *text => {}
            Ok(file) => wrong.push(format!("{name} differs:\n--- file\n{file}--- structs\n{text}")),
            Err(e) => wrong.push(format!("{name}: {e}")),
        }
    }
    // Files nobody writes any more are stale contract, not harmless leftovers.
    let known: Vec<&str> = goldens.iter().map(|(n, _)| n.as_str()).collect();
    for entry in std::fs::read_dir(&dir).expect("golden dir") {
        let name = entry.expect("dir entry").file_name().to_string_lossy().into_owned();
        if !known.contains(&name.as_str()) && !name.starts_with("plugin_") {
            wrong.push(format!("{name}: no struct writes this file"));
        }
    }
    assert!(
        wrong.is_empty(),
        "golden frames out of date (UPDATE_GOLDEN=1 cargo test golden rewrites them, then \
         update the Home Assistant client to match):\n{}",
        wrong.join("\n")
    );
}

#[test]
fn golden_server_frames_decode_to_the_same_frames() {
    // What the CLI client reads must be what the server writes.
    for (name, msg) in server_frames() {
        let text = std::fs::read_to_string(dir().join(format!("{name}.json"))).expect("golden");
        let back: ServerMsg = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(back, msg, "{name}");
    }
    for (name, cmd, id) in client_frames() {
        let text = std::fs::read_to_string(dir().join(format!("{name}.json"))).expect("golden");
        let (got_id, got) = decode_command(&text);
        assert_eq!(got.expect(name), cmd, "{name}");
        assert_eq!(got_id, id.map_or(Value::Null, |i| json!(i)), "{name}");
    }
}

#[test]
fn golden_sets_cover_every_kind() {
    let events: Vec<String> = server_frames()
        .iter()
        .filter_map(|(_, m)| serde_json::to_value(m).ok()?["event"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(events, EVENTS, "one golden file per event, in EVENTS order");
    let commands: Vec<String> = client_frames()
        .iter()
        .map(|(_, c, _)| {
            serde_json::to_value(c).expect("command")["type"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(commands, COMMANDS, "one golden file per command, in COMMANDS order");
}

/// The ```json block after each `<!-- golden: NAME -->` marker: (name, start, end) of its body.
fn doc_blocks(doc: &str) -> Vec<(String, usize, usize)> {
    let marker = "<!-- golden: ";
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(i) = doc[at..].find(marker) {
        let name_start = at + i + marker.len();
        let name_end = name_start + doc[name_start..].find(" -->").expect("marker end");
        let name = doc[name_start..name_end].to_owned();
        let open = name_end + doc[name_end..].find("```json\n").expect("json block after marker");
        let body = open + "```json\n".len();
        let end = body + doc[body..].find("```").expect("block end");
        out.push((name, body, end));
        at = end;
    }
    out
}

#[test]
fn golden_frames_appear_in_the_doc() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/protocol.md");
    let mut doc = std::fs::read_to_string(&path).expect("docs/protocol.md");
    let goldens = goldens();
    let text_of = |name: &str| goldens.iter().find(|(n, _)| n == name).map(|(_, t)| t.clone());
    if updating() {
        for (name, body, end) in doc_blocks(&doc).into_iter().rev() {
            if let Some(t) = text_of(&name) {
                doc.replace_range(body..end, &t);
            }
        }
        std::fs::write(&path, &doc).expect("write doc");
    }
    let blocks = doc_blocks(&doc);
    let mut wrong = Vec::new();
    for (name, _) in &goldens {
        match blocks.iter().find(|(n, _, _)| n == name) {
            None => wrong.push(format!("{name}: no `<!-- golden: {name} -->` block in the doc")),
            Some((_, b, e)) if Some(&doc[*b..*e]) != text_of(name).as_deref() => {
                wrong.push(format!("{name}: the doc shows something else"));
            }
            Some(_) => {}
        }
    }
    for (name, _, _) in &blocks {
        if text_of(name).is_none() {
            wrong.push(format!("{name}: the doc shows a frame no struct writes"));
        }
    }
    assert!(
        wrong.is_empty(),
        "docs/protocol.md out of date (UPDATE_GOLDEN=1 cargo test golden rewrites marked \
         blocks):\n{}",
        wrong.join("\n")
    );
}
