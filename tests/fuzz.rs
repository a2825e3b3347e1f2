//! Property tests ("fuzzing" on stable Rust) of everything that parses untrusted input:
//! the SSE parser, OpenCode event decoding, client command decoding, and the tracker fed
//! with arbitrary event sequences. Case counts are modest by default so `cargo test` stays
//! fast; `PROPTEST_CASES=20000 cargo test --test fuzz` (or `scripts/fuzz`) runs longer.

use opencode_lookout::{
    hub::{ClientTx, Hub, CLIENT_QUEUE},
    opencode::{
        event::{
            decode_line, decode_value, Event, PermissionInfo, QuestionInfo, SessionInfo, Status,
        },
        sse::SseParser,
        v2::events::{decode_line as decode_v2, Frame},
    },
    protocol::{
        decode_command, Command, ErrorCode, Instance, InstanceKind, PermissionReply, State,
        MAX_FRAME,
    },
    tracker::{self, rfc3339, Input, Resync, Tracker},
};
use proptest::{prelude::*, sample::Index, test_runner::Config as ProptestConfig};
use serde_json::{json, Value};
use std::{
    collections::{HashMap, HashSet},
    sync::OnceLock,
};

/// `PROPTEST_CASES` wins; otherwise `default_cases`. No regression files in the tree.
fn config(default_cases: u32) -> ProptestConfig {
    let cases =
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default_cases);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

// ---------------------------------------------------------------------------------------
// Fixtures and JSON strategies
// ---------------------------------------------------------------------------------------

/// Every line of `tests/fixtures/*.jsonl` (recorded from real OpenCode).
fn fixture_lines() -> &'static [String] {
    static LINES: OnceLock<Vec<String>> = OnceLock::new();
    LINES.get_or_init(|| {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .expect("fixtures dir")
            .map(|e| e.expect("dir entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
            .collect();
        files.sort();
        let lines: Vec<String> = files
            .iter()
            .flat_map(|p| {
                let text = std::fs::read_to_string(p).expect("fixture");
                text.lines().filter(|l| !l.trim().is_empty()).map(str::to_owned).collect::<Vec<_>>()
            })
            .collect();
        assert!(lines.len() > 100, "fixtures missing");
        lines
    })
}

/// OpenCode 2 event lines (`tests/fixtures/v2/*.jsonl`, written by the stand-in from the
/// GA contract: no real V2 runs here).
fn v2_lines() -> &'static [String] {
    static LINES: OnceLock<Vec<String>> = OnceLock::new();
    LINES.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/v2/stand_in_round.jsonl");
        let text = std::fs::read_to_string(path).expect("V2 fixture");
        let lines: Vec<String> = text.lines().map(str::to_owned).collect();
        assert!(lines.len() > 20, "V2 fixture missing");
        lines
    })
}

/// The internal events of an OpenCode 2 line, none if it decodes to none.
fn v2_events(line: &str) -> Vec<Event> {
    match decode_v2(line) {
        Ok(Frame::Events(events)) => events,
        _ => Vec::new(),
    }
}

/// The decoded fixture events the tracker acts on (no heartbeats, sync mirrors, others).
fn fixture_events() -> &'static [Event] {
    static EVENTS: OnceLock<Vec<Event>> = OnceLock::new();
    EVENTS.get_or_init(|| {
        fixture_lines()
            .iter()
            .map(|l| decode_line(l).expect("fixture line decodes"))
            .filter(|e| e.session_id().is_some())
            .collect()
    })
}

const KEYS: &[&str] = &[
    // OpenCode 2's own names.
    "durable",
    "aggregateID",
    "location",
    "action",
    "resources",
    "save",
    "assistantMessageID",
    "callID",
    "fields",
    "key",
    "form",
    "reason",
    "type",
    "properties",
    "payload",
    "directory",
    "info",
    "sessionID",
    "id",
    "parentID",
    "status",
    "tokens",
    "input",
    "output",
    "reasoning",
    "cache",
    "read",
    "write",
    "time",
    "created",
    "updated",
    "completed",
    "cost",
    "error",
    "name",
    "data",
    "message",
    "part",
    "tool",
    "state",
    "requestID",
    "permissionID",
    "reply",
    "response",
    "questions",
    "question",
    "options",
    "label",
    "header",
    "multiple",
    "permission",
    "patterns",
    "pattern",
    "always",
    "metadata",
    "model",
    "providerID",
    "modelID",
    "role",
    "summary",
    "additions",
    "deletions",
    "files",
    "title",
    "agent",
    "version",
    "messageID",
    "attempt",
    "subagent_type",
    "command",
    "filePath",
    "text",
    "mode",
];

const EVENT_TYPES: &[&str] = &[
    "server.connected",
    "server.heartbeat",
    "sync",
    "session.created",
    "session.updated",
    "session.deleted",
    "session.status",
    "session.idle",
    "session.error",
    "message.updated",
    "message.removed",
    "message.part.updated",
    "message.part.delta",
    "permission.asked",
    "permission.updated",
    "permission.replied",
    "question.asked",
    "question.replied",
    "question.rejected",
    "todo.updated",
    "busy",
    "idle",
    "retry",
    "assistant",
    "user",
    "tool",
    "running",
];

fn arb_key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(KEYS).prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

fn arb_string() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => prop::sample::select(EVENT_TYPES).prop_map(str::to_owned),
        2 => "(ses|per|que|msg|prt)_[a-c0-9]{0,3}",
        1 => Just(String::new()),
        2 => any::<String>(),
    ]
}

fn arb_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (0u64..1000).prop_map(Value::from),
        prop_oneof![Just(u64::MAX), Just(u64::MAX / 2 + 1), Just(i64::MAX as u64)]
            .prop_map(Value::from),
        any::<f64>()
            .prop_filter_map("finite", |f| serde_json::Number::from_f64(f).map(Value::Number)),
        prop_oneof![Just(1e308), Just(-1e308), Just(f64::MAX), Just(-0.0), Just(1.5)]
            .prop_map(|f| json!(f)),
    ]
}

/// Arbitrary JSON trees whose keys and strings often look like OpenCode's.
fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        arb_number(),
        arb_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((arb_key(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Event-shaped values: a known type, arbitrary properties, either envelope.
fn arb_event_value() -> impl Strategy<Value = Value> {
    (prop::sample::select(EVENT_TYPES), arb_json(), any::<bool>(), arb_json()).prop_map(
        |(kind, props, envelope, extra)| {
            let inner = json!({"type": kind, "properties": props, "extra": extra});
            if envelope {
                json!({"directory": "/p", "payload": inner})
            } else {
                inner
            }
        },
    )
}

/// Every JSON pointer into a value (the root included).
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let k = k.replace('~', "~0").replace('/', "~1");
                pointers(child, format!("{at}/{k}"), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                pointers(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

#[derive(Debug, Clone)]
enum Mutation {
    Replace(Index, Value),
    Remove(Index),
}

fn arb_mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<Index>(), arb_json()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        1 => any::<Index>().prop_map(Mutation::Remove),
    ]
}

/// Applies mutations to a value at pointers chosen among the current ones.
fn mutate(mut v: Value, mutations: &[Mutation]) -> Value {
    for m in mutations {
        let mut ptrs = Vec::new();
        pointers(&v, String::new(), &mut ptrs);
        match m {
            Mutation::Replace(i, new) => {
                if let Some(slot) = v.pointer_mut(i.get(&ptrs).as_str()) {
                    *slot = new.clone();
                }
            }
            Mutation::Remove(i) => {
                let p = i.get(&ptrs);
                if let Some((parent, last)) = p.rsplit_once('/') {
                    match v.pointer_mut(parent) {
                        Some(Value::Object(o)) => {
                            o.remove(&last.replace("~1", "/").replace("~0", "~"));
                        }
                        Some(Value::Array(a)) => {
                            if let Ok(n) = last.parse::<usize>() {
                                if n < a.len() {
                                    a.remove(n);
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    v
}

/// A mutated fixture event value.
fn arb_mutated_fixture() -> impl Strategy<Value = Value> {
    (any::<Index>(), prop::collection::vec(arb_mutation(), 1..4)).prop_map(|(i, ms)| {
        let line = i.get(fixture_lines());
        mutate(serde_json::from_str(line).expect("fixture JSON"), &ms)
    })
}

/// A mutated OpenCode 2 line.
fn arb_mutated_v2() -> impl Strategy<Value = Value> {
    (any::<Index>(), prop::collection::vec(arb_mutation(), 0..4)).prop_map(|(i, ms)| {
        let line = i.get(v2_lines());
        mutate(serde_json::from_str(line).expect("V2 fixture JSON"), &ms)
    })
}

/// Both decoding paths agree, and neither panics.
fn check_decode(v: &Value) -> Result<(), TestCaseError> {
    let text = v.to_string();
    // serde_json's float parsing is not exactly round-trip; compare with what the text says.
    let parsed: Value = serde_json::from_str(&text).expect("serialised JSON parses");
    let _ = decode_value(v.clone());
    let by_value = decode_value(parsed);
    let by_line = decode_line(&text);
    prop_assert_eq!(by_value.is_ok(), by_line.is_ok());
    if let (Ok(a), Ok(b)) = (&by_value, &by_line) {
        prop_assert_eq!(a, b);
    }
    if let Ok(e) = &by_value {
        prop_assert_ne!(e.session_id(), Some(""), "events never name an empty session");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// SSE framing
// ---------------------------------------------------------------------------------------

/// One SSE line of an event: a data line or noise the parser must skip.
#[derive(Debug, Clone)]
enum SseLine {
    /// `data:` + optional space + value.
    Data {
        value: String,
        space: bool,
    },
    Noise(String),
}

fn arb_sse_line() -> impl Strategy<Value = SseLine> {
    let noise = prop_oneof![
        "[^\r\n]{0,20}".prop_map(|c| format!(":{c}")),
        ("(event|id|retry|datax|dat|Data)", "[^\r\n]{0,20}").prop_map(|(f, v)| format!("{f}: {v}")),
        Just("event".to_owned()),
    ];
    prop_oneof![
        4 => ("[^\r\n]{0,60}", any::<bool>())
            .prop_map(|(value, space)| SseLine::Data { value, space }),
        1 => noise.prop_map(SseLine::Noise),
    ]
}

/// A stream of events (each a list of lines, then a blank line) with random line endings.
fn arb_sse_stream() -> impl Strategy<Value = (Vec<u8>, Vec<String>)> {
    prop::collection::vec(
        (prop::collection::vec((arb_sse_line(), any::<bool>()), 0..5), 1usize..3),
        0..12,
    )
    .prop_map(|events| {
        let mut bytes = Vec::new();
        let mut expected = Vec::new();
        for (lines, blanks) in events {
            let mut data: Option<String> = None;
            for (line, crlf) in lines {
                let eol = if crlf { "\r\n" } else { "\n" };
                match line {
                    SseLine::Data { value, space } => {
                        let text =
                            if space { format!("data: {value}") } else { format!("data:{value}") };
                        // The SSE rule: one leading space after the colon is dropped.
                        let seen = if space {
                            value
                        } else {
                            value.strip_prefix(' ').unwrap_or(&value).to_owned()
                        };
                        data = Some(match data {
                            Some(d) => format!("{d}\n{seen}"),
                            None => seen,
                        });
                        bytes.extend_from_slice(format!("{text}{eol}").as_bytes());
                    }
                    SseLine::Noise(n) => bytes.extend_from_slice(format!("{n}{eol}").as_bytes()),
                }
            }
            for _ in 0..blanks {
                bytes.extend_from_slice(b"\n");
            }
            expected.extend(data);
        }
        (bytes, expected)
    })
}

/// Feeds `bytes` cut at the given points; returns all payloads.
fn feed_chunked(bytes: &[u8], cuts: &[Index]) -> Vec<String> {
    let mut points: Vec<usize> = cuts.iter().map(|i| i.index(bytes.len() + 1)).collect();
    points.push(0);
    points.push(bytes.len());
    points.sort_unstable();
    points.dedup();
    let mut p = SseParser::new();
    let mut out = Vec::new();
    for w in points.windows(2) {
        out.extend(p.push(&bytes[w[0]..w[1]]).expect("within limits"));
    }
    out
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn sse_chunking_does_not_matter((bytes, expected) in arb_sse_stream(),
                                    cuts in prop::collection::vec(any::<Index>(), 0..24)) {
        let whole = SseParser::new().push(&bytes).expect("within limits");
        prop_assert_eq!(&whole, &expected);
        prop_assert_eq!(feed_chunked(&bytes, &cuts), expected);
    }

    #[test]
    fn sse_byte_by_byte_equals_whole((bytes, expected) in arb_sse_stream()) {
        let mut p = SseParser::new();
        let mut out = Vec::new();
        for b in &bytes {
            out.extend(p.push(std::slice::from_ref(b)).expect("within limits"));
        }
        prop_assert_eq!(out, expected);
    }

    #[test]
    fn sse_never_panics_on_arbitrary_bytes(chunks in prop::collection::vec(
            prop::collection::vec(
                prop_oneof![any::<u8>(), Just(b'\n'), Just(b'\r'), Just(b':')], 0..64),
            0..16)) {
        let mut p = SseParser::new();
        let whole: Vec<u8> = chunks.concat();
        let mut out = Vec::new();
        for c in &chunks {
            out.extend(p.push(c).expect("short input is never too long"));
        }
        // Chunking is irrelevant for arbitrary (even invalid UTF-8) bytes too.
        prop_assert_eq!(out, SseParser::new().push(&whole).unwrap());
    }

    #[test]
    fn sse_carries_real_events_intact(picks in prop::collection::vec(any::<Index>(), 1..20),
                                      cuts in prop::collection::vec(any::<Index>(), 0..40)) {
        let lines: Vec<&String> = picks.iter().map(|i| i.get(fixture_lines())).collect();
        let bytes: Vec<u8> =
            lines.iter().flat_map(|l| format!("data: {l}\n\n").into_bytes()).collect();
        let out = feed_chunked(&bytes, &cuts);
        prop_assert_eq!(out.len(), lines.len());
        for (got, want) in out.iter().zip(&lines) {
            prop_assert_eq!(decode_line(got).unwrap(), decode_line(want).unwrap());
        }
    }

    // -----------------------------------------------------------------------------------
    // OpenCode event decoding
    // -----------------------------------------------------------------------------------

    #[test]
    fn decode_line_never_panics_on_strings(s in any::<String>()) {
        let _ = decode_line(&s);
    }

    #[test]
    fn decode_line_never_panics_on_jsonish_text(s in r#"[\[\]{}":,0-9a-z.\-e ]{0,80}"#) {
        let _ = decode_line(&s);
    }

    #[test]
    fn decoding_arbitrary_values_never_panics(v in arb_json()) {
        check_decode(&v)?;
    }

    #[test]
    fn v2_decoding_never_panics_and_names_no_empty_session(
        v in prop_oneof![arb_json(), arb_mutated_v2()],
        s in any::<String>(),
    ) {
        let _ = decode_v2(&s);
        for e in v2_events(&v.to_string()) {
            prop_assert_ne!(e.session_id(), Some(""), "events never name an empty session");
        }
    }

    #[test]
    fn decoding_event_shaped_values_never_panics(v in arb_event_value()) {
        check_decode(&v)?;
    }

    #[test]
    fn decoding_mutated_fixtures_never_panics(v in arb_mutated_fixture()) {
        check_decode(&v)?;
    }

    #[test]
    fn decoding_damaged_fixture_text_never_panics(line in any::<Index>(), at in any::<Index>(),
                                                  cut in 0usize..40, insert in any::<String>()) {
        let line = line.get(fixture_lines());
        let bounds: Vec<usize> = (0..=line.len()).filter(|&i| line.is_char_boundary(i)).collect();
        let start = *at.get(&bounds);
        let end = bounds.iter().copied().find(|&b| b >= start + cut).unwrap_or(line.len());
        let damaged = format!("{}{insert}{}", &line[..start], &line[end..]);
        let _ = decode_line(&damaged);
        let _ = decode_line(&line[..start]);
    }

    // -----------------------------------------------------------------------------------
    // Client command decoding
    // -----------------------------------------------------------------------------------

    #[test]
    fn decode_command_never_panics_on_strings(s in any::<String>()) {
        let (id, cmd) = decode_command(&s);
        prop_assert!(id.is_null() || id.is_number() || id.is_string());
        if let Err(e) = cmd {
            prop_assert!(matches!(e.code, ErrorCode::BadRequest | ErrorCode::UnknownCommand));
        }
    }

    #[test]
    fn decode_command_classifies_arbitrary_objects(v in arb_command_value()) {
        let text = v.to_string();
        let (id, cmd) = decode_command(&text);
        let v: Value = serde_json::from_str(&text).unwrap(); // floats as the server reads them
        let want_id = match v.get("id") {
            Some(i @ (Value::Number(_) | Value::String(_))) => i.clone(),
            _ => Value::Null,
        };
        prop_assert_eq!(&id, &want_id);
        let kind = v.get("type").and_then(Value::as_str);
        match (&cmd, kind) {
            (Ok(c), Some(k)) => {
                prop_assert!(COMMANDS.contains(&k));
                // A decoded command survives a round trip through its own wire form.
                let again = decode_command(&serde_json::to_string(c).unwrap()).1;
                prop_assert_eq!(again.as_ref(), Ok(c));
            }
            (Ok(_), None) => prop_assert!(false, "command without a type: {}", v),
            (Err(e), Some(k)) if !COMMANDS.contains(&k) => {
                prop_assert_eq!(e.code, ErrorCode::UnknownCommand)
            }
            (Err(e), _) => prop_assert_eq!(e.code, ErrorCode::BadRequest),
        }
    }

    #[test]
    fn well_formed_commands_decode_exactly(c in arb_command(), id in prop_oneof![
            any::<i64>().prop_map(Value::from), "[a-z0-9-]{0,8}".prop_map(Value::from)]) {
        let mut v = serde_json::to_value(&c).unwrap();
        v["id"] = id.clone();
        let (got_id, got) = decode_command(&v.to_string());
        prop_assert_eq!(got_id, id);
        prop_assert_eq!(got, Ok(c));
    }
}

use opencode_lookout::protocol::COMMANDS;

/// Command-shaped objects with arbitrary field values.
fn arb_command_value() -> impl Strategy<Value = Value> {
    let field = prop_oneof![
        prop::sample::select(
            &[
                "id",
                "token",
                "session_id",
                "permission_id",
                "reply",
                "message",
                "question_id",
                "answers",
                "reject",
                "text",
                "agent",
                "limit",
            ][..]
        )
        .prop_map(str::to_owned),
        arb_key(),
    ];
    let kind = prop_oneof![
        4 => prop::sample::select(COMMANDS).prop_map(Value::from),
        1 => arb_string().prop_map(Value::from),
        1 => arb_json(),
    ];
    let reply =
        prop::sample::select(&["once", "always", "reject", "never"][..]).prop_map(Value::from);
    let value = prop_oneof![3 => arb_json(), 1 => reply];
    (kind, prop::collection::vec((field, value), 0..6), any::<bool>()).prop_map(
        |(kind, fields, typed)| {
            let mut o: serde_json::Map<String, Value> = fields.into_iter().collect();
            if typed {
                o.insert("type".into(), kind);
            }
            Value::Object(o)
        },
    )
}

fn arb_command() -> impl Strategy<Value = Command> {
    let s = || any::<String>();
    let reply = prop_oneof![
        Just(PermissionReply::Once),
        Just(PermissionReply::Always),
        Just(PermissionReply::Reject)
    ];
    prop_oneof![
        s().prop_map(|token| Command::Auth { token }),
        Just(Command::Subscribe),
        Just(Command::ListSessions),
        (prop::option::of(s()), s(), reply, prop::option::of(s())).prop_map(
            |(session_id, permission_id, reply, message)| Command::ReplyPermission {
                session_id,
                permission_id,
                reply,
                message
            }
        ),
        (s(), prop::collection::vec(prop::collection::vec(s(), 0..3), 0..3), any::<bool>())
            .prop_map(|(question_id, answers, reject)| Command::ReplyQuestion {
                question_id,
                answers,
                reject
            }),
        s().prop_map(|session_id| Command::AbortSession { session_id }),
        (s(), s(), prop::option::of(s()))
            .prop_map(|(session_id, text, agent)| Command::SendPrompt { session_id, text, agent }),
        (s(), prop::option::of(0usize..1000))
            .prop_map(|(session_id, limit)| Command::GetMessages { session_id, limit }),
    ]
}

#[test]
fn decode_command_oversize_is_too_large() {
    let big =
        format!("{{\"type\":\"list_sessions\",\"id\":1,\"p\":\"{}\"}}", "x".repeat(MAX_FRAME));
    let (id, r) = decode_command(&big);
    assert_eq!((id, r.unwrap_err().code), (Value::Null, ErrorCode::TooLarge));
}

// ---------------------------------------------------------------------------------------
// The tracker under arbitrary event sequences
// ---------------------------------------------------------------------------------------

const SESSIONS: usize = 6;
const INSTANCES: usize = 2;

fn sid(i: usize) -> String {
    format!("ses_{i}")
}

fn inst(i: usize) -> String {
    format!("plugin-{i}")
}

fn instance(i: usize) -> Instance {
    Instance {
        id: inst(i),
        kind: if i == 0 { InstanceKind::Plugin } else { InstanceKind::Server },
        label: format!("instance {i}"),
        directory: None,
        opencode_version: Some("1.18.33".into()),
        connected: true,
        since: rfc3339(0),
    }
}

#[derive(Debug, Clone)]
enum Op {
    /// A fixture event rewritten onto session `sid`, request id `rid`; upserts get `parent`.
    Fixture {
        inst: usize,
        event: Index,
        sid: usize,
        parent: Option<usize>,
        rid: usize,
    },
    /// An arbitrary (possibly broken) event value, decoded; its session ids are remapped.
    Mutated {
        inst: usize,
        value: Value,
        sid: usize,
        parent: Option<usize>,
        rid: usize,
    },
    /// A (mutated) OpenCode 2 line, decoded; event `pick` of those it stands for.
    V2 {
        inst: usize,
        value: Value,
        pick: usize,
        sid: usize,
        parent: Option<usize>,
        rid: usize,
    },
    Connect(usize),
    Disconnect(usize),
    Resync {
        inst: usize,
        sessions: Vec<(usize, Option<usize>)>,
        busy: Vec<usize>,
        permissions: Vec<(usize, usize)>,
        questions: Vec<(usize, usize)>,
    },
    /// An API reply to `per_{n}` starting (`None`) or ending, accepted or not.
    ApiReply(usize, Option<bool>),
    /// An assistant message with arbitrary usage numbers.
    Usage {
        inst: usize,
        sid: usize,
        mid: usize,
        tokens: [Value; 5],
        cost: Value,
    },
}

fn arb_op() -> impl Strategy<Value = Op> {
    let s = || 0..SESSIONS;
    let i = || 0..INSTANCES;
    let parent = || prop::option::weighted(0.5, 0..SESSIONS);
    prop_oneof![
        12 => (i(), any::<Index>(), s(), parent(), 0usize..4)
            .prop_map(|(inst, event, sid, parent, rid)| {
                Op::Fixture { inst, event, sid, parent, rid }
            }),
        3 => (i(), prop_oneof![arb_mutated_fixture(), arb_event_value()], s(), parent(), 0usize..4)
            .prop_map(|(inst, value, sid, parent, rid)| {
                Op::Mutated { inst, value, sid, parent, rid }
            }),
        2 => (i(), arb_mutated_v2(), 0usize..3, s(), parent(), 0usize..4)
            .prop_map(|(inst, value, pick, sid, parent, rid)| {
                Op::V2 { inst, value, pick, sid, parent, rid }
            }),
        1 => i().prop_map(Op::Connect),
        1 => i().prop_map(Op::Disconnect),
        1 => (
            i(),
            prop::collection::vec((s(), parent()), 0..SESSIONS),
            prop::collection::vec(s(), 0..3),
            prop::collection::vec((0usize..4, s()), 0..3),
            prop::collection::vec((0usize..4, s()), 0..2),
        )
            .prop_map(|(inst, sessions, busy, permissions, questions)| Op::Resync {
                inst, sessions, busy, permissions, questions,
            }),
        2 => (0usize..4, prop::option::of(any::<bool>()))
            .prop_map(|(r, finished)| Op::ApiReply(r, finished)),
        2 => (i(), s(), 0usize..3, prop::array::uniform5(arb_number()), arb_number())
            .prop_map(|(inst, sid, mid, tokens, cost)| Op::Usage { inst, sid, mid, tokens, cost }),
    ]
}

/// Moves an event onto pool ids, so sessions, parents and requests collide and cycle.
fn remap(mut e: Event, s: usize, parent: Option<usize>, rid: usize) -> Event {
    let id = sid(s);
    match &mut e {
        Event::SessionUpsert(info) => {
            info.id = id;
            info.parent_id = parent.map(sid);
        }
        Event::SessionDeleted { session_id }
        | Event::SessionStatus { session_id, .. }
        | Event::SessionIdle { session_id }
        | Event::MessageRemoved { session_id, .. }
        | Event::PartDelta { session_id }
        | Event::Interrupted { session_id, .. }
        | Event::TodoUpdated { session_id, .. } => *session_id = id,
        Event::SessionPatch(p) => p.session_id = id,
        Event::SessionError { session_id, .. } => {
            if session_id.is_some() {
                *session_id = Some(id);
            }
        }
        Event::MessageUpdated(m) => m.session_id = id,
        Event::PartUpdated(p) => p.session_id = id,
        Event::PermissionAsked(p) => {
            p.session_id = id;
            p.id = format!("per_{rid}");
        }
        Event::PermissionReplied { session_id, permission_id, .. } => {
            *session_id = id;
            *permission_id = format!("per_{rid}");
        }
        Event::QuestionAsked(q) => {
            q.session_id = id;
            q.id = format!("que_{rid}");
        }
        Event::QuestionResolved { session_id, question_id, .. } => {
            *session_id = id;
            *question_id = format!("que_{rid}");
        }
        Event::Connected | Event::Heartbeat | Event::Sync | Event::Other(_) => {}
    }
    e
}

fn to_input(op: Op) -> Input {
    match op {
        Op::Fixture { inst: i, event, sid: s, parent, rid } => Input::Event {
            instance_id: inst(i),
            event: remap(event.get(fixture_events()).clone(), s, parent, rid),
        },
        Op::Mutated { inst: i, value, sid: s, parent, rid } => {
            let event = decode_value(value).unwrap_or(Event::Heartbeat);
            // Half of the time keep the (arbitrary) ids as decoded.
            let event = if rid % 2 == 0 { remap(event, s, parent, rid) } else { event };
            Input::Event { instance_id: inst(i), event }
        }
        Op::V2 { inst: i, value, pick, sid: s, parent, rid } => {
            let events = v2_events(&value.to_string());
            let event = events.get(pick % events.len().max(1)).cloned().unwrap_or(Event::Heartbeat);
            let event = if rid % 2 == 0 { remap(event, s, parent, rid) } else { event };
            Input::Event { instance_id: inst(i), event }
        }
        Op::Connect(i) => Input::Connected(instance(i)),
        Op::Disconnect(i) => Input::Disconnected { instance_id: inst(i) },
        Op::Resync { inst: i, sessions, busy, permissions, questions } => {
            let data = Resync {
                sessions: sessions
                    .into_iter()
                    .map(|(s, p)| SessionInfo {
                        id: sid(s),
                        parent_id: p.map(sid),
                        ..Default::default()
                    })
                    .collect(),
                statuses: busy
                    .into_iter()
                    .map(|s| (sid(s), Status::Busy))
                    .collect::<HashMap<_, _>>(),
                permissions: permissions
                    .into_iter()
                    .map(|(r, s)| PermissionInfo {
                        id: format!("per_{r}"),
                        session_id: sid(s),
                        permission: "bash".into(),
                        ..Default::default()
                    })
                    .collect(),
                questions: questions
                    .into_iter()
                    .map(|(r, s)| QuestionInfo {
                        id: format!("que_{r}"),
                        session_id: sid(s),
                        questions: vec![],
                    })
                    .collect(),
                version: Some("1.18.33".into()),
                ..Default::default()
            };
            Input::Resync { instance_id: inst(i), data: Box::new(data) }
        }
        Op::ApiReply(r, finished) => match finished {
            None => Input::ReplyStarted { permission_id: format!("per_{r}") },
            Some(accepted) => Input::ReplyFinished { permission_id: format!("per_{r}"), accepted },
        },
        Op::Usage {
            inst: i,
            sid: s,
            mid,
            tokens: [input, output, reasoning, read, write],
            cost,
        } => {
            let line = json!({"type": "message.updated", "properties": {"info": {
                "id": format!("msg_{mid}"), "sessionID": sid(s), "role": "assistant",
                "providerID": "fake", "modelID": "fake-model", "cost": cost,
                "tokens": {"input": input, "output": output, "reasoning": reasoning,
                           "cache": {"read": read, "write": write}},
                "time": {"created": mid}}}});
            let event = decode_line(&line.to_string()).expect("usage event decodes");
            Input::Event { instance_id: inst(i), event }
        }
    }
}

/// The tracker's invariants, checked after every input.
fn check_invariants(t: &Tracker) -> Result<(), TestCaseError> {
    let sessions = t.sessions();
    let ids: HashSet<&str> = sessions.iter().map(|s| s.id.as_str()).collect();
    prop_assert_eq!(ids.len(), sessions.len(), "duplicate sessions");
    prop_assert_eq!(sessions.len(), t.len());
    for s in &sessions {
        let oldest_first = s.pending_permissions.windows(2).all(|w| w[0].created <= w[1].created);
        prop_assert!(oldest_first, "{}: pending_permissions not oldest first", s.id);
        for p in &s.pending_permissions {
            prop_assert!(
                ids.contains(p.session_id.as_str()),
                "permission {} on unknown session {}",
                p.id,
                p.session_id
            );
            prop_assert!(t.find_permission(&p.id).is_some(), "permission {} not findable", p.id);
        }
        if let Some(q) = &s.question {
            prop_assert!(ids.contains(q.session_id.as_str()), "question on unknown session");
        }
        prop_assert!(ids.contains(s.root_id.as_str()), "root {} of {} unknown", s.root_id, s.id);
        prop_assert_eq!(s.is_child, s.parent_id.is_some());
        if !s.pending_permissions.is_empty() {
            prop_assert_eq!(s.state, State::WaitingPermission);
        } else if s.question.is_some() {
            prop_assert_eq!(s.state, State::WaitingInput);
        }
        let again = t.snapshot(&s.id);
        prop_assert_eq!(again.as_ref(), Some(s));
        // The wire form keeps every number a number (no NaN/inf turned into null).
        let wire = serde_json::to_value(s).unwrap();
        for k in ["cost", "cost_total", "tokens_input", "tokens_output"] {
            prop_assert!(wire[k].is_number(), "{} of {} is {}", k, s.id, wire[k]);
        }
    }
    for i in t.instances() {
        prop_assert!(i.id.starts_with("plugin-"));
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn tracker_survives_arbitrary_sequences(ops in prop::collection::vec(arb_op(), 1..60),
                                            max_sessions in 1usize..5,
                                            times in prop::collection::vec(-5i64..50, 60)) {
        let mut t = Tracker::new(tracker::Settings { hostname: "fuzz".into(), max_sessions });
        t.apply(Input::Connected(instance(0)), 0);
        let mut now = 1_795_324_757_000_i64;
        for (n, op) in ops.into_iter().enumerate() {
            now += times[n % times.len()]; // mostly forward, sometimes back
            let input = to_input(op);
            let shown = format!("{input:?}");
            let changes = t.apply(input, now);
            for (k, c) in changes.iter().enumerate() {
                if let tracker::Change::Removed { session_id, .. } = c {
                    // Gone, unless something re-created it later in the same input.
                    let again = changes[k..].iter().any(|c2|
                        matches!(c2, tracker::Change::Session(x) if x == session_id));
                    prop_assert!(again || t.snapshot(session_id).is_none(),
                        "removed session {} still there after {}", session_id, shown);
                }
            }
            check_invariants(&t).map_err(|e| TestCaseError::fail(format!("after {shown}: {e}")))?;
        }
    }
}

/// Regression (found by `tracker_survives_arbitrary_sequences`): absurd token counts from
/// OpenCode must not overflow the usage sums (a panic in debug, garbage in release).
#[test]
fn huge_token_counts_do_not_overflow() {
    let mut t = Tracker::new(tracker::Settings { hostname: "fuzz".into(), max_sessions: 10 });
    t.apply(Input::Connected(instance(0)), 0);
    let child = json!({"type": "session.created", "properties": {"info": {
        "id": "ses_1", "parentID": "ses_0"}}});
    let event = decode_line(&child.to_string()).unwrap();
    t.apply(Input::Event { instance_id: inst(0), event }, 1);
    for (n, (sid, mid)) in
        [("ses_0", "msg_1"), ("ses_0", "msg_2"), ("ses_1", "msg_3"), ("ses_1", "msg_4")]
            .into_iter()
            .enumerate()
    {
        let line = json!({"type": "message.updated", "properties": {"info": {
            "id": mid, "sessionID": sid, "role": "assistant", "providerID": "fake",
            "modelID": "fake-model", "cost": 1e308,
            "tokens": {"input": 900, "output": u64::MAX, "reasoning": 0,
                       "cache": {"read": 1.7976931348623157e308, "write": 0}},
            "time": {"created": n}}}});
        let event = decode_line(&line.to_string()).unwrap();
        t.apply(Input::Event { instance_id: inst(0), event }, 1);
    }
    let s = t.snapshot("ses_0").expect("session");
    assert_eq!(s.tokens_output, u64::MAX, "saturates");
    assert_eq!(s.context_used, Some(u64::MAX));
    let wire = serde_json::to_value(&s).unwrap();
    assert!(wire["cost"].is_number() && wire["cost_total"].is_number(), "{wire}");
}

// ---------------------------------------------------------------------------------------
// The hub's deltas: what clients rebuild from the frames is what the agent has
// ---------------------------------------------------------------------------------------

/// A value as a client reads it: through JSON text (floats parse back approximately).
fn wire<T: serde::Serialize>(v: &T) -> Value {
    serde_json::from_str(&serde_json::to_string(v).unwrap()).unwrap()
}

/// An in-process subscriber rebuilding the sessions from the frames, as a client must.
struct Follower {
    rx: tokio::sync::mpsc::Receiver<tokio_tungstenite::tungstenite::Utf8Bytes>,
    sessions: HashMap<String, Value>,
    usage: Option<Value>,
}

impl Follower {
    fn subscribe(hub: &Hub, id: u64) -> Follower {
        let (tx, rx) = tokio::sync::mpsc::channel(CLIENT_QUEUE);
        let kicked = std::sync::Arc::new(tokio::sync::Notify::new());
        assert!(hub.subscribe(id, ClientTx { frames: tx, kicked }, json!(1)));
        Follower { rx, sessions: HashMap::new(), usage: None }
    }

    /// Applies every frame received so far.
    fn read(&mut self) -> Result<(), TestCaseError> {
        while let Ok(text) = self.rx.try_recv() {
            let f: Value = serde_json::from_str(&text).expect("frames are JSON");
            if f["type"] == "result" {
                for s in f["result"]["sessions"].as_array().expect("sessions") {
                    self.sessions.insert(s["id"].as_str().unwrap().to_owned(), s.clone());
                }
                self.usage = Some(f["result"]["usage"].clone());
                continue;
            }
            match f["event"].as_str().unwrap_or_default() {
                "session_updated" => {
                    let s = &f["session"];
                    self.sessions.insert(s["id"].as_str().unwrap().to_owned(), s.clone());
                }
                "session_changed" => {
                    let id = f["session_id"].as_str().unwrap();
                    let Some(s) = self.sessions.get_mut(id) else {
                        return Err(TestCaseError::fail(format!("delta for unseen {id}: {f}")));
                    };
                    let fields = f["fields"].as_object().expect("fields");
                    prop_assert!(!fields.is_empty() && !fields.contains_key("id"), "{}", f);
                    for (k, v) in fields {
                        prop_assert!(s.get(k).is_some(), "unknown field {}", k);
                        // Floats read back from text only approximately (serde_json).
                        if !v.is_f64() {
                            prop_assert_ne!(&s[k], v, "unchanged field {} sent: {}", k, f);
                        }
                        s[k] = v.clone();
                    }
                }
                "session_removed" => {
                    let id = f["session_id"].as_str().unwrap();
                    prop_assert!(self.sessions.remove(id).is_some(), "removed unseen {}", id);
                }
                "usage_updated" => {
                    let (old, new) = (self.usage.take().unwrap_or(json!({})), &f["usage"]);
                    for k in ["cost", "tokens", "tokens_output", "messages"] {
                        let (o, n) = (old[k].as_f64().unwrap_or(0.0), new[k].as_f64().unwrap());
                        prop_assert!(n >= o, "usage {} went down: {} → {}", k, o, n);
                    }
                    self.usage = Some(new.clone());
                }
                _ => {}
            }
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(config(128))]

    /// Clients subscribing at any point, reading deltas: after the last flush every one of
    /// them holds exactly the agent's sessions, and usage totals only grow.
    #[test]
    fn clients_rebuild_the_agents_sessions_from_deltas(
        ops in prop::collection::vec(arb_op(), 1..60),
        max_sessions in 1usize..5,
        subscribe_at in prop::collection::vec(0usize..60, 0..4),
        flush_at in prop::collection::vec(0usize..60, 0..20),
        tick_at in prop::collection::vec(0usize..60, 0..6),
    ) {
        let tracker = Tracker::new(tracker::Settings { hostname: "fuzz".into(), max_sessions })
            .with_stale_after(std::time::Duration::from_millis(100));
        let hub = Hub::new(tracker);
        hub.apply_at(Input::Connected(instance(0)), 0);
        let mut followers = vec![Follower::subscribe(&hub, 0)];
        let mut now = 1_795_324_757_000_i64;
        for (n, op) in ops.into_iter().enumerate() {
            now += 20;
            hub.apply_at(to_input(op), now);
            if tick_at.contains(&n) {
                hub.apply_at(Input::Tick, now);
            }
            if flush_at.contains(&n) {
                hub.flush();
            }
            if subscribe_at.contains(&n) {
                followers.push(Follower::subscribe(&hub, followers.len() as u64));
            }
            for f in &mut followers {
                f.read()?;
            }
        }
        hub.flush();
        let truth: HashMap<String, Value> = hub
            .snapshot()
            .sessions
            .iter()
            .map(|s| (s.id.clone(), wire(s)))
            .collect();
        let usage = wire(&hub.snapshot().usage);
        for (i, f) in followers.iter_mut().enumerate() {
            f.read()?;
            let mut diffs = Vec::new();
            for id in truth.keys().chain(f.sessions.keys()).collect::<HashSet<_>>() {
                match (f.sessions.get(id), truth.get(id)) {
                    (Some(a), Some(b)) if a != b => {
                        let keys: Vec<String> = b.as_object().unwrap().iter()
                            .filter(|(k, v)| a.get(k.as_str()) != Some(v))
                            .map(|(k, v)| format!("{k}: {} != {v}", a[k.as_str()]))
                            .collect();
                        diffs.push(format!("{id}: {keys:?}"));
                    }
                    (None, Some(_)) => diffs.push(format!("{id}: missing")),
                    (Some(_), None) => diffs.push(format!("{id}: extra")),
                    _ => {}
                }
            }
            prop_assert!(diffs.is_empty(), "client {} differs from the agent: {:?}", i, diffs);
            prop_assert_eq!(f.usage.as_ref(), Some(&usage), "client {} usage", i);
        }
        let u = hub.snapshot().usage;
        let sum = [u.tokens_input, u.tokens_output, u.tokens_reasoning, u.tokens_cache_read,
            u.tokens_cache_write].iter().fold(0u64, |a, b| a.saturating_add(*b));
        prop_assert_eq!(u.tokens, sum);
    }
}
