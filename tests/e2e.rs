//! End-to-end tests: real OpenCode 1.18.33 + fake LLM + the real agent binary, through
//! both feeds. Each test drives one OpenCode through every scenario in sequence (one
//! OpenCode per test keeps the 2-core CI machine responsive).

mod common;

use common::*;
use serde_json::json;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, PartialEq)]
enum Feed {
    Plugin,
    Server,
}

/// USD per token of the fake model (3 / 15 / 0.3 per million).
fn expected_cost(input: f64, output: f64, cache_read: f64) -> f64 {
    (input * 3.0 + output * 15.0 + cache_read * 0.3) / 1e6
}

async fn scenarios(feed: Feed) {
    let (_llm, llm_port) = start_llm();
    let name = if feed == Feed::Plugin { "plugin" } else { "server" };
    let env = Env::new(name, llm_port);
    let oc_port = free_port();
    let (mut opencode, agent, url, api_port);
    if feed == Feed::Plugin {
        let out = env.cli(&["install-plugin"]);
        assert!(out.contains("opencode/plugin/opencode-lookout.js"), "{out}");
        (agent, api_port) = env.start_agent(&[]);
        (opencode, url) = env.start_opencode(oc_port);
    } else {
        (opencode, url) = env.start_opencode(oc_port);
        (agent, api_port) =
            env.start_agent(&["--opencode", &format!("http://127.0.0.1:{oc_port}")]);
    }
    let pairing = env.pairing();
    let oc = Opencode::new(&url);
    let mut client = Client::connect(api_port, &pairing).await;
    // Under `opencode serve` the plugin loads when the project's instance boots, which is at
    // its first request; the session created here reaches the agent through its resync.
    let sid = oc.create_session().await;
    let ready = Instant::now();
    while !client.command(json!({"type": "list_sessions"})).await["result"]["instances"]
        .as_array()
        .is_some_and(|i| i.iter().any(|i| i["connected"] == true))
    {
        assert!(ready.elapsed() < Duration::from_secs(30), "no OpenCode instance connected");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // 1. A bash permission, approved once over the API.
    oc.prompt(&sid, "RUN: echo hello > out.txt").await;
    let s = client.wait_state(&sid, "waiting_permission").await;
    let perm = s["pending_permissions"][0].clone();
    assert_eq!(perm["title"], "bash: echo hello > out.txt", "{s:#}");
    assert_eq!(s["pending_permissions"].as_array().map(Vec::len), Some(1));
    let r = client
        .command(json!({"type": "reply_permission", "session_id": sid, "permission_id": perm["id"], "reply": "once"}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    assert!(
        wait_file(&env.project.join("out.txt"), Duration::from_secs(20)).await,
        "the approved command ran"
    );
    client.wait_state(&sid, "idle").await;
    let s = client
        .wait_session(&sid, "final usage", Duration::from_secs(10), |s| {
            s["tokens_output"].as_u64() == Some(400)
        })
        .await;
    assert_eq!(
        (s["tokens_input"].as_u64(), s["tokens_cache_read"].as_u64()),
        (Some(1800), Some(200)),
        "{s:#}"
    );
    let cost = s["cost"].as_f64().expect("cost");
    assert!((cost - expected_cost(1800.0, 400.0, 200.0)).abs() < 1e-9, "cost {cost}");
    assert_eq!(s["model"], "fake/fake-model");
    assert_eq!(s["context_limit"].as_u64(), Some(100000));
    assert!(s["pending_permissions"][0].is_null());
    let resolved = client.events_named("permission_resolved");
    assert!(resolved
        .iter()
        .any(|e| e["permission_id"] == perm["id"] && e["by"] == "api" && e["reply"] == "once"));
    // Answering again is an explicit not_found, never a silent success.
    let again = client
        .command(json!({"type": "reply_permission", "permission_id": perm["id"], "reply": "once"}))
        .await;
    assert_eq!(again["error"]["code"], "not_found", "{again}");

    // 2. Reject with a message: the agent continues and the model sees the message.
    let sid2 = oc.create_session().await;
    oc.prompt(&sid2, "RUN: touch rejected.txt").await;
    let s = client.wait_state(&sid2, "waiting_permission").await;
    let pid = s["pending_permissions"][0]["id"].clone();
    let r = client
        .command(json!({"type": "reply_permission", "permission_id": pid, "reply": "reject", "message": "not allowed by watcher"}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    client.wait_state(&sid2, "idle").await;
    assert!(!env.project.join("rejected.txt").exists());
    let seen = llm_requests(llm_port)
        .await
        .iter()
        .any(|r| r.to_string().contains("not allowed by watcher"));
    assert!(seen, "the rejection message reached the LLM");

    // 3. A sub-agent's permission shows on the root session and is answered from there.
    let sid3 = oc.create_session().await;
    oc.prompt(&sid3, "USE_TASK RUN: touch sub.txt").await;
    let s = client.wait_state(&sid3, "waiting_permission").await;
    assert_ne!(
        s["pending_permissions"][0]["session_id"],
        sid3.as_str(),
        "the request belongs to the child: {s:#}"
    );
    assert_eq!(s["pending_permissions"][0]["title"], "bash: touch sub.txt");
    assert_eq!(s["current_agent"], "general");
    let r = client
        .command(json!({"type": "reply_permission", "session_id": sid3, "permission_id": s["pending_permissions"][0]["id"], "reply": "once"}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    assert!(wait_file(&env.project.join("sub.txt"), Duration::from_secs(20)).await);
    let s = client.wait_state(&sid3, "idle").await;
    let child =
        client.sessions.lock().unwrap().values().find(|c| c["parent_id"] == sid3.as_str()).cloned();
    let child = child.expect("child session tracked");
    assert_eq!(child["is_child"], true);
    let total = s["cost_total"].as_f64().unwrap_or(0.0);
    assert!(total > s["cost"].as_f64().unwrap_or(0.0), "cost_total includes the sub-agent: {s:#}");

    // 4. An LLM 400 is an error state until the next prompt makes the session work again.
    let sid4 = oc.create_session().await;
    oc.prompt(&sid4, "FAIL400").await;
    let s = client.wait_state(&sid4, "error").await;
    assert!(s["error"]["message"].as_str().is_some_and(|m| m.contains("400")), "{s:#}");
    // OpenCode may drop a prompt sent right at the idle after an error (seen in 1.18.33).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let r = client
        .command(json!({"type": "send_prompt", "session_id": sid4, "text": "hello again"}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    client
        .wait_session(&sid4, "working or done", Duration::from_secs(30), |s| s["state"] != "error")
        .await;
    let s = client.wait_state(&sid4, "idle").await;
    assert!(s["error"].is_null());

    // 5. Abort while a permission is pending ends idle with nothing pending.
    let sid5 = oc.create_session().await;
    oc.prompt(&sid5, "RUN: touch never.txt").await;
    client.wait_state(&sid5, "waiting_permission").await;
    let r = client.command(json!({"type": "abort_session", "session_id": sid5})).await;
    assert_eq!(r["ok"], true, "{r}");
    let s = client.wait_state(&sid5, "idle").await;
    assert!(
        s["pending_permissions"].as_array().is_some_and(Vec::is_empty) && s["error"].is_null(),
        "{s:#}"
    );
    assert!(!env.project.join("never.txt").exists());
    // The run ends aborted (OpenCode reports MessageAbortedError), never completed.
    let deadline = Instant::now() + Duration::from_secs(10);
    let run = loop {
        let runs = client.events_named("run_finished");
        if let Some(r) = runs.into_iter().find(|r| r["session_id"] == sid5.as_str()) {
            break r;
        }
        assert!(Instant::now() < deadline, "no run_finished for the aborted session");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(run["outcome"], "aborted", "{run:#}");

    // get_messages returns text only.
    let r = client.command(json!({"type": "get_messages", "session_id": sid, "limit": 10})).await;
    let msgs = r["result"]["messages"].as_array().cloned().unwrap_or_default();
    assert!(msgs.iter().any(|m| m["text"] == "All done."), "{r}");

    // 6. OpenCode killed: its sessions go unavailable; restarted: available again.
    opencode.kill();
    let killed = Instant::now();
    let limit = if feed == Feed::Plugin { Duration::from_secs(2) } else { Duration::from_secs(25) };
    client
        .wait_session(&sid, "unavailable", limit + Duration::from_secs(5), |s| {
            s["available"] == false
        })
        .await;
    let took = killed.elapsed();
    assert!(took <= limit, "sessions went unavailable after {took:?}, limit {limit:?}");
    (opencode, _) = env.start_opencode(oc_port);
    // Boot the project's instance (a TUI does so at start; `serve` at the first request).
    oc.list_sessions().await;
    client
        .wait_session(&sid, "available again", Duration::from_secs(45), |s| s["available"] == true)
        .await;
    drop(opencode);
    drop(agent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugin_feed_end_to_end() {
    scenarios(Feed::Plugin).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_feed_end_to_end() {
    scenarios(Feed::Server).await;
}

/// `opencode serve` protected by OPENCODE_SERVER_PASSWORD: the agent attaches with Basic
/// credentials, and without the right password it stays detached.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_feed_with_basic_auth() {
    let (_llm, llm_port) = start_llm();
    let env = Env::new("auth", llm_port);
    let port = free_port();
    let (_opencode, url) = env.start_opencode_env(port, &[("OPENCODE_SERVER_PASSWORD", "s3cret")]);
    let oc = Opencode::new(&url).with_auth("opencode", "s3cret");
    let sid = oc.create_session().await;
    let target = format!("http://127.0.0.1:{port}");

    let wrong_dir = env.root.join("wrong");
    let (_wrong, wrong_port) =
        env.start_agent_in(&wrong_dir, &["--opencode", &target, "--opencode-password", "nope"]);
    let wrong_pairing = env.pairing_in(&wrong_dir);
    let mut wrong = Client::connect(wrong_port, &wrong_pairing).await;

    let (_agent, api) = env.start_agent(&["--opencode", &target, "--opencode-password", "s3cret"]);
    let client = Client::connect(api, &env.pairing()).await;
    client
        .wait_session(&sid, "seen through the resync", Duration::from_secs(30), |s| {
            s["available"] == true
        })
        .await;
    oc.prompt(&sid, "hello").await;
    client
        .wait_session(&sid, "usage of the turn", Duration::from_secs(45), |s| {
            s["state"] == "idle" && s["tokens_output"].as_u64() == Some(200)
        })
        .await;
    let seen = wrong.command(json!({"type": "list_sessions"})).await;
    assert_eq!(seen["result"]["sessions"], json!([]), "no data without the password: {seen}");
    assert_eq!(seen["result"]["instances"], json!([]), "{seen}");
}

/// Epoch ms of an RFC 3339 field.
fn ms(v: &serde_json::Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(v.as_str().expect("timestamp"))
        .expect("RFC 3339")
        .timestamp_millis()
}

/// Schema 3 against the real OpenCode: a streamed answer costs at most one small delta per
/// second, runs end `completed` or (aborted from the API) `aborted`, usage totals add up,
/// idle sessions are `not_busy`, and `get_messages` leaves out tool-only steps.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_streaming_and_usage_end_to_end() {
    let (_llm, llm_port) = start_llm();
    let env = Env::new("runs", llm_port);
    let out = env.cli(&["install-plugin"]);
    assert!(out.contains("opencode-lookout.js"), "{out}");
    // The default coalescing interval (the usual test launch shortens it).
    let (_agent, api_port) = env.start_agent_coalescing(1000, &[]);
    let (_opencode, url) = env.start_opencode(free_port());
    let oc = Opencode::new(&url);
    let mut client = Client::connect(api_port, &env.pairing()).await;
    let sid = oc.create_session().await;
    client.wait_session(&sid, "seen", Duration::from_secs(30), |s| s["available"] == true).await;

    // Nothing to abort yet.
    let r = client.command(json!({"type": "abort_session", "session_id": sid})).await;
    assert_eq!(r["error"]["code"], "not_busy", "{r}");

    // A 4 s answer streamed in 400 pieces.
    let from = client.received.lock().unwrap().len();
    oc.prompt(&sid, "STREAM:400:10").await;
    client.wait_state(&sid, "working").await;
    client
        .wait_session(&sid, "answer done", Duration::from_secs(60), |s| s["state"] == "idle")
        .await;
    let done = client
        .wait_session(&sid, "final usage", Duration::from_secs(10), |s| {
            s["tokens_output"].as_u64() == Some(200)
        })
        .await;
    tokio::time::sleep(Duration::from_millis(1500)).await; // the last coalesced frames
    let frames: Vec<Received> = client.received.lock().unwrap()[from..]
        .iter()
        .filter(|r| {
            r.frame["session_id"] == sid.as_str() || r.frame["session"]["id"] == sid.as_str()
        })
        .cloned()
        .collect();
    let session_frames: Vec<&Received> = frames
        .iter()
        .filter(|r| {
            matches!(r.frame["event"].as_str(), Some("session_changed" | "session_updated"))
        })
        .collect();
    let first = session_frames.first().expect("session frames").at;
    let last = session_frames.last().expect("session frames").at;
    let secs = (last - first).as_secs_f64();
    eprintln!(
        "streamed answer: {} session frames over {secs:.1} s, sizes {:?}",
        session_frames.len(),
        session_frames.iter().map(|r| r.bytes).collect::<Vec<_>>()
    );
    for r in &session_frames {
        assert_eq!(r.frame["event"], "session_changed", "a known session gets deltas: {}", r.frame);
        assert!(r.bytes < 600, "{} bytes: {}", r.bytes, r.frame);
    }
    // Coalesced frames (no state change) at most one per second.
    let coalesced: Vec<&&Received> =
        session_frames.iter().filter(|r| r.frame["fields"].get("state").is_none()).collect();
    for w in coalesced.windows(2) {
        let gap = w[1].at - w[0].at;
        assert!(gap >= Duration::from_millis(900), "two coalesced frames {gap:?} apart");
    }
    assert!(session_frames.len() as f64 <= secs + 4.0, "{} frames", session_frames.len());

    // The run: started and completed on the agent's clock, after the state that ends it.
    let runs: Vec<&Received> = frames
        .iter()
        .filter(|r| r.frame["event"].as_str().is_some_and(|e| e.starts_with("run_")))
        .collect();
    assert_eq!(runs.len(), 2, "{runs:#?}");
    let (start, end) = (&runs[0].frame, &runs[1].frame);
    assert_eq!(
        (start["event"].as_str(), end["event"].as_str()),
        (Some("run_started"), Some("run_finished"))
    );
    assert_eq!(end["outcome"], "completed", "{end}");
    assert_eq!(end["started"], start["started"]);
    let took = end["duration_ms"].as_i64().expect("duration");
    assert_eq!(took, ms(&end["finished"]) - ms(&end["started"]));
    assert!((3_000..60_000).contains(&took), "a 4 s answer took {took} ms");
    let idle_at =
        frames.iter().position(|r| r.frame["fields"]["state"] == "idle").expect("idle delta");
    let end_at = frames.iter().position(|r| r.frame["event"] == "run_finished").unwrap();
    assert!(idle_at < end_at, "run_finished follows the idle state");

    // Aborted through the API while streaming: aborted, never completed.
    oc.prompt(&sid, "STREAM:3000:10").await;
    client.wait_state(&sid, "working").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let r = client.command(json!({"type": "abort_session", "session_id": sid})).await;
    assert_eq!(r["ok"], true, "{r}");
    client.wait_state(&sid, "idle").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let finished = loop {
        let f = client.events_named("run_finished");
        if f.len() >= 2 {
            break f;
        }
        assert!(Instant::now() < deadline, "no run_finished after the abort");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(finished.len(), 2, "{finished:#?}");
    assert_eq!(finished[1]["outcome"], "aborted", "{:#}", finished[1]);

    // A tool step: OpenCode keeps an assistant message without text; get_messages does not.
    let sid2 = oc.create_session().await;
    oc.prompt(&sid2, "RUN: echo hi > hi.txt").await;
    let s = client.wait_state(&sid2, "waiting_permission").await;
    let pid = s["pending_permissions"][0]["id"].clone();
    let r = client
        .command(json!({"type": "reply_permission", "permission_id": pid, "reply": "once"}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    client.wait_state(&sid2, "idle").await;
    let raw: Vec<serde_json::Value> = reqwest::get(format!("{url}/session/{sid2}/message"))
        .await
        .expect("messages")
        .json()
        .await
        .expect("json");
    let textless = raw.iter().filter(|m| {
        m["info"]["role"] == "assistant"
            && !m["parts"].as_array().is_some_and(|p| {
                p.iter().any(|p| {
                    p["type"] == "text" && p["text"].as_str().is_some_and(|t| !t.trim().is_empty())
                })
            })
    });
    assert!(textless.count() >= 1, "OpenCode has a tool-only step: {raw:#?}");
    let r = client.command(json!({"type": "get_messages", "session_id": sid2})).await;
    let msgs = r["result"]["messages"].as_array().cloned().unwrap_or_default();
    assert!(msgs.iter().all(|m| !m["text"].as_str().unwrap_or_default().trim().is_empty()), "{r}");
    assert!(msgs.iter().any(|m| m["role"] == "assistant" && m["text"] == "All done."), "{r}");

    // Unknown permission and question ids: not_found.
    let r = client
        .command(json!({"type": "reply_permission", "permission_id": "per_nope", "reply": "once"}))
        .await;
    assert_eq!(r["error"]["code"], "not_found", "{r}");
    let r = client
        .command(json!({"type": "reply_question", "question_id": "que_nope", "reject": true}))
        .await;
    assert_eq!(r["error"]["code"], "not_found", "{r}");

    // Usage: every assistant message once, so the totals equal the sessions' sums.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let usage = client.events_named("usage_updated").last().cloned().expect("usage_updated");
    let sessions = client.sessions.lock().unwrap().clone();
    let sum = |k: &str| sessions.values().map(|s| s[k].as_u64().unwrap_or(0)).sum::<u64>();
    for k in ["tokens_input", "tokens_output", "tokens_cache_read"] {
        assert_eq!(usage["usage"][k].as_u64(), Some(sum(k)), "{k}: {usage:#} vs {sessions:#?}");
    }
    assert!(done["tokens_output"].as_u64() <= usage["usage"]["tokens_output"].as_u64());
}

/// A session deleted in OpenCode while the agent is stopped: the agent remembers it from
/// its store, and its resync at the next start removes it (OpenCode's list proves it gone)
/// while the session OpenCode still lists stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_deleted_while_the_agent_is_stopped_is_removed() {
    let env = Env::new("deleted-while-down", 9);
    let port = free_port();
    let (_opencode, url) = env.start_opencode(port);
    let oc = Opencode::new(&url);
    let gone = oc.create_session().await;
    let kept = oc.create_session().await;
    let target = format!("http://127.0.0.1:{port}");

    let (mut agent, api) = env.start_agent(&["--opencode", &target]);
    let client = Client::connect(api, &env.pairing()).await;
    for sid in [&gone, &kept] {
        client.wait_session(sid, "seen", Duration::from_secs(30), |s| s["available"] == true).await;
    }
    drop(client);
    agent.terminate();

    oc.delete_session(&gone).await;
    assert!(!oc.list_sessions().await.iter().any(|s| s["id"] == gone.as_str()));

    let (_agent, api) = env.start_agent(&["--opencode", &target]);
    let mut client = Client::connect(api, &env.pairing()).await;
    client
        .wait_session(&kept, "available after the restart", Duration::from_secs(30), |s| {
            s["available"] == true
        })
        .await;
    // The resync that made `kept` available read the list that lacks `gone`.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = client.command(json!({"type": "list_sessions"})).await;
        let ids: Vec<&str> = r["result"]["sessions"]
            .as_array()
            .expect("sessions")
            .iter()
            .filter_map(|s| s["id"].as_str())
            .collect();
        assert!(ids.contains(&kept.as_str()), "the session OpenCode still lists stays: {r}");
        if !ids.contains(&gone.as_str()) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the session deleted while the agent was stopped is still listed: {r}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}
