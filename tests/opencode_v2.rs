//! OpenCode 2 end to end: the real agent binary, started with no flags, follows a
//! registered V2 service (the stand-in `tests/opencode_v2.py`, written from the GA
//! contract: no real V2 can be installed here) and a websocket client acts through it.
//! One stand-in per test; each test walks its scenarios in sequence.

mod common;

use common::{standin::StandIn, *};
use serde_json::{json, Value};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

fn tokens(input: u64, output: u64, cache_read: u64) -> Value {
    json!({"input": input, "output": output, "reasoning": 0, "cache": {"read": cache_read, "write": 0}})
}

async fn connected(client: &Client, sid: &str) -> Value {
    client.wait_session(sid, "known and available", WAIT, |s| s["available"] == true).await
}

fn finished(client: &Client, sid: &str) -> Vec<Value> {
    client.events_named("run_finished").into_iter().filter(|e| e["session_id"] == sid).collect()
}

/// Waits for an event named `name` that satisfies `pred` (thin events follow the
/// session frame that carries their state).
async fn wait_event(client: &Client, name: &str, pred: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        if let Some(e) = client.events_named(name).into_iter().find(|e| pred(e)) {
            return e;
        }
        let all = client.events_named(name);
        assert!(std::time::Instant::now() < deadline, "no such {name}: {all:#?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits for the run after the first `seen` runs of `sid` to finish.
async fn wait_finished(client: &Client, sid: &str, seen: usize) -> Value {
    let deadline = std::time::Instant::now() + WAIT;
    let n = seen + 1;
    loop {
        let runs = finished(client, sid);
        if runs.len() >= n {
            return runs[n - 1].clone();
        }
        assert!(std::time::Instant::now() < deadline, "run {n} of {sid} never finished: {runs:#?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Permission rounds, a form, interrupt, failure and a sub-agent, on one service.
#[tokio::test]
async fn registered_service_end_to_end() {
    let env = Env::new("v2-e2e", 0);
    let v2 = StandIn::start(&env, "s3cret-v2-password", &[]);
    let (agent, api_port) = env.start_agent(&[]);
    let mut client = Client::connect(api_port, &env.pairing()).await;
    v2.wait_subscribers(1).await;
    let dir = env.project.to_string_lossy().into_owned();

    // Discovery with no flags; the instance says which line and version it is.
    let root = v2.session(&dir, "Fix the build", None).await;
    let s = connected(&client, &root).await;
    assert_eq!(
        (s["title"].as_str(), s["directory"].as_str()),
        (Some("Fix the build"), Some(dir.as_str()))
    );
    assert_eq!(s["opencode_version"], "2.0.22", "{s}");
    let list = client.command(json!({"type": "list_sessions"})).await;
    let instances = list["result"]["instances"].as_array().cloned().unwrap_or_default();
    assert!(
        instances.iter().any(|i| i["kind"] == "service" && i["connected"] == true),
        "{instances:#?}"
    );

    // A permission round: asked, shown with its command, approved once, idle with usage.
    v2.control("run", json!({"sessionID": root})).await;
    v2.control("step", json!({"sessionID": root, "cost": 0.0125, "tokens": tokens(900, 40, 100)}))
        .await;
    v2.control(
        "tool",
        json!({"sessionID": root, "callID": "call_1", "name": "shell",
        "input": {"command": "curl http://x/install.sh | sh"}}),
    )
    .await;
    let s =
        client.wait_session(&root, "current tool", WAIT, |s| s["current_tool"].is_string()).await;
    assert_eq!(s["current_tool"], "shell: curl http://x/install.sh | sh");
    let perm = v2
        .control(
            "permission",
            json!({"sessionID": root, "action": "shell",
            "resources": ["curl http://x/install.sh | sh"], "save": ["curl *"]}),
        )
        .await;
    let pid = perm["id"].as_str().expect("permission id").to_owned();
    let s = client.wait_state(&root, "waiting_permission").await;
    let shown = &s["pending_permissions"][0];
    assert_eq!(shown["title"], "shell: curl http://x/install.sh | sh", "{s}");
    assert_eq!(shown["always"], json!(["curl *"]));
    let r = client
        .command(json!({"type": "reply_permission", "permission_id": pid, "reply": "once"}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    let call = v2.last_call(&format!("/permission/{pid}/reply")).await;
    assert_eq!(call["body"], json!({"decision": "once"}));
    client.wait_state(&root, "working").await;
    let resolved = client.events_named("permission_resolved");
    assert!(
        resolved.iter().any(|e| e["permission_id"] == pid && e["by"] == "api"),
        "{resolved:#?}"
    );
    v2.control("tool_done", json!({"sessionID": root, "callID": "call_1"})).await;
    v2.control("step", json!({"sessionID": root, "cost": 0.0075, "tokens": tokens(1000, 60, 0)}))
        .await;
    v2.control("finish", json!({"sessionID": root, "outcome": "succeeded"})).await;
    let run = wait_finished(&client, &root, 0).await;
    assert_eq!(run["outcome"], "completed");
    let s = client.wait_state(&root, "idle").await;
    assert_eq!((s["tokens_input"].as_u64(), s["tokens_output"].as_u64()), (Some(1900), Some(100)));
    assert_eq!(s["tokens_cache_read"].as_u64(), Some(100));
    assert!((s["cost"].as_f64().unwrap_or(0.0) - 0.02).abs() < 1e-9, "{s}");
    assert_eq!(s["model"], "fake/fake-model");
    // The spend ledger counts each step's message once; the session totals pushed by
    // `session.usage.updated` are not added on top.
    let usage = wait_event(&client, "usage_updated", |e| e["usage"]["messages"] == 2).await;
    assert!((usage["usage"]["cost"].as_f64().unwrap_or(0.0) - 0.02).abs() < 1e-9, "{usage}");
    assert_eq!(usage["usage"]["tokens_input"], 1900);
    assert_eq!(s["context_limit"].as_u64(), Some(100_000), "{s}");

    // Always, then reject with a message.
    for (reply, message) in [("always", None), ("reject", Some("use the staging db"))] {
        v2.control("run", json!({"sessionID": root})).await;
        let perm = v2
            .control(
                "permission",
                json!({"sessionID": root, "action": "shell", "resources": ["make deploy"]}),
            )
            .await;
        let pid = perm["id"].as_str().expect("id").to_owned();
        client.wait_state(&root, "waiting_permission").await;
        let mut cmd = json!({"type": "reply_permission", "permission_id": pid, "reply": reply});
        if let Some(m) = message {
            cmd["message"] = json!(m);
        }
        let r = client.command(cmd).await;
        assert_eq!(r["ok"], true, "{r}");
        let call = v2.last_call(&format!("/permission/{pid}/reply")).await;
        let mut want = json!({"decision": reply});
        if let Some(m) = message {
            want["message"] = json!(m);
        }
        assert_eq!(call["body"], want);
        // A second answer to the same request is refused as not pending.
        let again = client
            .command(json!({"type": "reply_permission", "permission_id": pid, "reply": "once"}))
            .await;
        assert_eq!(again["error"]["code"], "not_found", "{again}");
        v2.control("finish", json!({"sessionID": root, "outcome": "succeeded"})).await;
        client.wait_state(&root, "idle").await;
    }

    // A form with two questions, answered from the client.
    v2.control("run", json!({"sessionID": root})).await;
    let form = v2
        .control("form", json!({"sessionID": root, "title": "Questions", "fields": [
            {"key": "q0", "type": "string", "title": "Color", "description": "Which color?",
             "options": [{"value": "red", "label": "Red"}, {"value": "blue", "label": "Blue"}], "custom": true},
            {"key": "q1", "type": "multiselect", "title": "Sizes", "description": "Which sizes?",
             "options": [{"value": "s", "label": "S"}, {"value": "m", "label": "M"}]}]}))
        .await;
    let fid = form["id"].as_str().expect("form id").to_owned();
    let s = client.wait_state(&root, "waiting_input").await;
    assert_eq!(s["question"]["questions"][1]["multiple"], true, "{s}");
    assert_eq!(s["question"]["questions"][0]["question"], "Which color?");
    let r = client
        .command(json!({"type": "reply_question", "question_id": fid,
            "answers": [["Blue"], ["S", "M"]]}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    let call = v2.last_call(&format!("/form/{fid}/reply")).await;
    assert_eq!(call["body"], json!({"answer": {"q0": "blue", "q1": ["s", "m"]}}));
    client.wait_state(&root, "working").await;

    // Interrupt: the run ends aborted, with OpenCode's reason.
    let seen = finished(&client, &root).len();
    let r = client.command(json!({"type": "abort_session", "session_id": root})).await;
    assert_eq!(r["ok"], true, "{r}");
    let run = wait_finished(&client, &root, seen).await;
    assert_eq!(
        (run["outcome"].as_str(), run["reason"].as_str()),
        (Some("aborted"), Some("user")),
        "{run}"
    );
    let r = client.command(json!({"type": "abort_session", "session_id": root})).await;
    assert_eq!(r["error"]["code"], "not_busy", "{r}");

    // Execution failed: error, with OpenCode's error.
    let seen = finished(&client, &root).len();
    v2.control("run", json!({"sessionID": root})).await;
    client.wait_state(&root, "working").await;
    v2.control(
        "finish",
        json!({"sessionID": root, "outcome": "failed",
        "error": {"type": "ProviderError", "message": "upstream 500"}}),
    )
    .await;
    let run = wait_finished(&client, &root, seen).await;
    assert_eq!(run["outcome"], "error", "{:#?}", finished(&client, &root));
    assert_eq!(run["error"]["message"], "upstream 500");
    client.wait_state(&root, "error").await;

    // A sub-agent's permission shows on the root and is answered there.
    v2.control("run", json!({"sessionID": root})).await;
    let child = v2.session(&dir, "explore", Some(&root)).await;
    v2.control("run", json!({"sessionID": child})).await;
    let perm = v2
        .control(
            "permission",
            json!({"sessionID": child, "action": "edit", "resources": ["src/main.rs"]}),
        )
        .await;
    let pid = perm["id"].as_str().expect("id").to_owned();
    let s = client.wait_state(&root, "waiting_permission").await;
    assert_eq!(s["pending_permissions"][0]["session_id"], child.as_str(), "{s}");
    let r = client
        .command(json!({"type": "reply_permission", "session_id": root, "permission_id": pid, "reply": "once"}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    assert!(v2.last_call(&format!("/session/{child}/permission/{pid}/reply")).await.is_object());
    client.wait_state(&root, "working").await;
    // Abort stops the running sub-agent too (OpenCode 2 interrupts one execution per call).
    let seen = finished(&client, &child).len();
    let r = client.command(json!({"type": "abort_session", "session_id": root})).await;
    assert_eq!(r["ok"], true, "{r}");
    let run = wait_finished(&client, &child, seen).await;
    assert_eq!(run["outcome"], "aborted", "{run}");
    client.wait_state(&root, "idle").await;
    let state = v2.state().await;
    assert_eq!(state["running"], json!([]), "{state}");

    // A pre-GA service refuses `decision` and takes `reply`; its event names are
    // `permission.v2.*`.
    v2.control("flags", json!({"pre_ga_reply": true})).await;
    v2.control("run", json!({"sessionID": root})).await;
    let perm = v2
        .control(
            "permission",
            json!({"sessionID": root, "action": "shell", "resources": ["ls"], "name": "permission.v2.asked"}),
        )
        .await;
    let pid = perm["id"].as_str().expect("id").to_owned();
    client.wait_state(&root, "waiting_permission").await;
    let r = client
        .command(json!({"type": "reply_permission", "permission_id": pid, "reply": "once"}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    let calls = v2.calls().await;
    let bodies: Vec<(Value, Value)> = calls
        .iter()
        .filter(|c| c["path"].as_str().is_some_and(|p| p.ends_with(&format!("{pid}/reply"))))
        .map(|c| (c["body"].clone(), c["status"].clone()))
        .collect();
    assert_eq!(
        bodies,
        [(json!({"decision": "once"}), json!(400)), (json!({"reply": "once"}), json!(204))],
        "{calls:#?}"
    );
    client.wait_state(&root, "working").await;
    v2.control("finish", json!({"sessionID": root, "outcome": "succeeded"})).await;
    client.wait_state(&root, "idle").await;

    // A prompt goes to the V2 route.
    let r = client
        .command(json!({"type": "send_prompt", "session_id": root, "text": "and the tests"}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(
        v2.last_call(&format!("/session/{root}/prompt")).await["body"],
        json!({"text": "and the tests"})
    );
    drop(agent);
}

/// Gaps: `location.shutdown` that dropped a permission, a cut stream, bad lines, a
/// request dropped with no event.
#[tokio::test]
async fn gaps_never_leave_stale_state() {
    let env = Env::new("v2-gaps", 0);
    let v2 = StandIn::start(&env, "gap-password", &[]);
    let (agent, api_port) = env.start_agent(&[]);
    let mut client = Client::connect(api_port, &env.pairing()).await;
    v2.wait_subscribers(1).await;
    let dir = env.project.to_string_lossy().into_owned();
    let sid = v2.session(&dir, "gaps", None).await;
    connected(&client, &sid).await;

    // The location reloads: its pending permission is gone with no reply event.
    v2.control("run", json!({"sessionID": sid})).await;
    v2.control("permission", json!({"sessionID": sid, "action": "shell", "resources": ["ls"]}))
        .await;
    client.wait_state(&sid, "waiting_permission").await;
    v2.control("reload", json!({"directory": dir})).await;
    let s = client.wait_state(&sid, "working").await;
    assert_eq!(s["pending_permissions"], json!([]));
    wait_event(&client, "permission_resolved", |e| e["by"] == "expired").await;

    // Bad JSON and unknown events are skipped; the feed goes on.
    v2.control("raw", json!({"line": "{not json"})).await;
    v2.control(
        "emit",
        json!({"type": "installation.update-available", "data": {"version": "2.1.0"}}),
    )
    .await;
    v2.control("emit", json!({"type": "session.execution.started", "data": {"sessionID": 42}}))
        .await;
    v2.control("rename", json!({"sessionID": sid, "title": "still followed"})).await;
    client.wait_session(&sid, "renamed", WAIT, |s| s["title"] == "still followed").await;

    // The stream is cut mid-run while the service silently forgot the run and its
    // request: the reconnect's resync leaves nothing stale.
    v2.control(
        "permission",
        json!({"sessionID": sid, "action": "shell", "resources": ["rm -rf x"]}),
    )
    .await;
    client.wait_state(&sid, "waiting_permission").await;
    v2.control("forget", json!({"sessionID": sid})).await;
    v2.control("cut", json!({})).await;
    let s = client.wait_state(&sid, "idle").await;
    assert_eq!(s["pending_permissions"], json!([]));
    assert_eq!(s["available"], true);

    // The service dropped a request without an event and the stream stayed up: the first
    // reply that meets "no such request" drops it, so no button keeps failing.
    v2.control("run", json!({"sessionID": sid})).await;
    let perm = v2
        .control("permission", json!({"sessionID": sid, "action": "shell", "resources": ["make"]}))
        .await;
    let pid = perm["id"].as_str().expect("id").to_owned();
    client.wait_state(&sid, "waiting_permission").await;
    v2.control("forget", json!({"sessionID": sid})).await;
    let r = client
        .command(json!({"type": "reply_permission", "permission_id": pid, "reply": "once"}))
        .await;
    assert_eq!(r["error"]["code"], "not_found", "{r}");
    let s = client
        .wait_session(&sid, "request dropped", WAIT, |s| s["pending_permissions"] == json!([]))
        .await;
    assert_ne!(s["state"], "waiting_permission");
    let log = agent.log_text();
    assert!(log.contains("undecodable OpenCode 2 event"), "bad JSON is logged once");
    assert_eq!(log.matches("undecodable OpenCode 2 event").count(), 1);
    assert!(log.contains("session.execution.started"), "malformed data is logged by type");
}

/// The service restarts on a new port and password; a wrong password is a clear error
/// naming the file, and the feed recovers when the file changes. The password is never
/// logged.
#[tokio::test]
async fn follows_restarts_and_recovers_from_a_wrong_password() {
    let env = Env::new("v2-restart", 0);
    let first = "first-password-aaaa";
    let mut v2 = StandIn::start(&env, first, &[]);
    let (agent, api_port) = env.start_agent(&[]);
    let client = Client::connect(api_port, &env.pairing()).await;
    v2.wait_subscribers(1).await;
    let dir = env.project.to_string_lossy().into_owned();
    let sid = v2.session(&dir, "before restart", None).await;
    connected(&client, &sid).await;

    // Restart on another port with another password: followed again within seconds.
    v2.proc.terminate();
    client.wait_session(&sid, "unavailable", WAIT, |s| s["available"] == false).await;
    let second = "second-password-bbbb";
    let v2b = StandIn::start(&env, second, &[]);
    assert_ne!(v2b.url, v2.url);
    v2b.wait_subscribers(1).await;
    let sid2 = v2b.session(&dir, "after restart", None).await;
    connected(&client, &sid2).await;

    // A registration whose password is wrong: an error naming the file, then recovery
    // as soon as the file holds the right one.
    let reg_path = env.root.join("state/opencode/service.json");
    let mut reg: Value =
        serde_json::from_slice(&std::fs::read(&reg_path).expect("registration")).expect("json");
    let good = reg.clone();
    reg["password"] = json!("wrong-password-cccc");
    write_private(&reg_path, &reg);
    let s = client.wait_session(&sid2, "unavailable", WAIT, |s| s["available"] == false).await;
    assert_eq!(s["id"], sid2.as_str());
    let deadline = std::time::Instant::now() + WAIT;
    while !agent.log_text().contains("refused the password") {
        assert!(std::time::Instant::now() < deadline, "no clear error: {}", agent.log_text());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let log = agent.log_text();
    assert!(log.contains(&format!("refused the password from {}", reg_path.display())), "{log}");
    write_private(&reg_path, &good);
    connected(&client, &sid2).await;
    let log = agent.log_text();
    for secret in [first, second, "wrong-password-cccc"] {
        assert!(!log.contains(secret), "a password reached the log");
    }
}

/// `--opencode URL` takes an OpenCode 2 server too (password from the environment), and
/// a registration whose pid does not answer is not followed.
#[tokio::test]
async fn named_v2_server_and_a_pid_that_does_not_match() {
    let env = Env::new("v2-named", 0);
    let v2 = StandIn::start(&env, "named-password", &["--no-register"]);
    let (agent, api_port) = env.start_agent_env(
        &["--opencode", &v2.url],
        &[("OPENCODE_SERVER_PASSWORD", "named-password")],
    );
    let client = Client::connect(api_port, &env.pairing()).await;
    v2.wait_subscribers(1).await;
    let dir = env.project.to_string_lossy().into_owned();
    let sid = v2.session(&dir, "named", None).await;
    let s = connected(&client, &sid).await;
    assert_eq!(s["instance_id"], "server-1");
    assert_eq!(s["opencode_version"], "2.0.22");
    drop(agent);

    let env = Env::new("v2-pid", 0);
    let v2 = StandIn::start(&env, "pid-password", &["--pid-mismatch"]);
    let (agent, _) = env.start_agent(&[]);
    let deadline = std::time::Instant::now() + WAIT;
    while !agent.log_text().contains("the registration names pid") {
        assert!(std::time::Instant::now() < deadline, "{}", agent.log_text());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let state = v2.state().await;
    assert_eq!(state["subscribers"], 0, "a service whose pid does not match was followed");
}

fn write_private(path: &std::path::Path, v: &Value) {
    use std::os::unix::fs::PermissionsExt;
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, v.to_string()).expect("write");
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    std::fs::rename(&tmp, path).expect("rename");
}
