//! Fault tests: the agent, OpenCode and the client are killed at awkward moments (a
//! permission pending, text streaming). Nothing crashes, no permission is lost or
//! answered twice, and the state after recovery equals what a fresh agent sees.

mod common;

use common::*;
use serde_json::{json, Value};
use std::time::Duration;

/// The fields a fresh agent must agree on.
fn essence(s: &Value) -> Value {
    json!({
        "state": s["state"], "title": s["title"], "model": s["model"], "agent": s["agent"],
        "permission": s["pending_permissions"][0]["id"], "pending": s["pending_permissions"].as_array().map(Vec::len),
        "tokens_input": s["tokens_input"], "tokens_output": s["tokens_output"], "cost": s["cost"],
        "available": s["available"], "parent_id": s["parent_id"],
    })
}

async fn connect(env: &Env, port: u16) -> Client {
    Client::connect(port, &env.pairing()).await
}

/// Server feed: the agent dies with a permission pending; after its restart the request is
/// still there, a second fresh agent sees the same state, and it is answered exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_restart_with_pending_permission_server_feed() {
    let (_llm, llm_port) = start_llm();
    let env = Env::new("fault-server", llm_port);
    let oc_port = free_port();
    let (_opencode, url) = env.start_opencode(oc_port);
    let target = format!("http://127.0.0.1:{oc_port}");
    let (mut agent, port) = env.start_agent(&["--opencode", &target]);
    let oc = Opencode::new(&url);
    let client = connect(&env, port).await;
    let sid = oc.create_session().await;
    oc.prompt(&sid, "RUN: touch fault1.txt").await;
    let before = client.wait_state(&sid, "waiting_permission").await;
    drop(client);
    agent.kill();

    let (_agent, port) = env.start_agent(&["--opencode", &target]);
    let mut client = connect(&env, port).await;
    let after = client.wait_state(&sid, "waiting_permission").await;
    assert_eq!(
        after["pending_permissions"][0]["id"], before["pending_permissions"][0]["id"],
        "the request survived the restart"
    );

    let fresh_dir = env.root.join("fresh");
    let (_fresh, fresh_port) = env.start_agent_in(&fresh_dir, &["--opencode", &target]);
    let fresh_pairing = env.pairing_in(&fresh_dir);
    let mut fresh = Client::connect(fresh_port, &fresh_pairing).await;
    let seen = fresh.wait_state(&sid, "waiting_permission").await;
    let recovered = client.sessions.lock().unwrap().get(&sid).cloned().expect("session");
    assert_eq!(essence(&recovered), essence(&seen), "recovered state equals a fresh agent's");

    let pid = after["pending_permissions"][0]["id"].clone();
    let r = client
        .command(json!({"type": "reply_permission", "permission_id": pid, "reply": "once"}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    assert!(wait_file(&env.project.join("fault1.txt"), Duration::from_secs(20)).await);
    client.wait_state(&sid, "idle").await;
    fresh.wait_state(&sid, "idle").await;
    let again = fresh
        .command(json!({"type": "reply_permission", "permission_id": pid, "reply": "once"}))
        .await;
    assert_eq!(again["error"]["code"], "not_found", "never answered twice: {again}");
    let resolved = fresh.events_named("permission_resolved");
    assert!(
        resolved.iter().all(|e| e["by"] != "api"),
        "the fresh agent saw someone else answer: {resolved:?}"
    );
    let a = client.sessions.lock().unwrap().get(&sid).cloned().expect("a");
    let b = fresh.sessions.lock().unwrap().get(&sid).cloned().expect("b");
    assert_eq!(essence(&a), essence(&b));
}

/// Plugin feed: the agent dies mid-stream and again with a permission pending; the client
/// dies too. The plugin reconnects on its own and the resync restores everything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_and_client_restarts_plugin_feed() {
    let (_llm, llm_port) = start_llm();
    let env = Env::new("fault-plugin", llm_port);
    env.cli(&["install-plugin"]);
    let (mut agent, port) = env.start_agent(&[]);
    let (_opencode, url) = env.start_opencode(free_port());
    let oc = Opencode::new(&url);
    let client = connect(&env, port).await;

    // Streaming: kill the agent while text streams in.
    let sid = oc.create_session().await;
    oc.prompt(&sid, "STREAM:300:10").await;
    client.wait_state(&sid, "working").await;
    drop(client);
    agent.kill();
    let (mut agent, port) = env.start_agent(&[]);
    let client = connect(&env, port).await;
    let s = client
        .wait_session(&sid, "idle with usage", Duration::from_secs(45), |s| {
            s["state"] == "idle" && s["tokens_output"].as_u64() == Some(200)
        })
        .await;
    assert_eq!(
        (s["available"].clone(), s["tokens_input"].as_u64()),
        (json!(true), Some(900)),
        "{s:#}"
    );

    // A permission pending while first the client, then the agent go away.
    let sid2 = oc.create_session().await;
    oc.prompt(&sid2, "RUN: touch fault2.txt").await;
    let before = client.wait_state(&sid2, "waiting_permission").await;
    drop(client);
    let client = connect(&env, port).await;
    let again = client.wait_state(&sid2, "waiting_permission").await;
    assert_eq!(again["pending_permissions"][0]["id"], before["pending_permissions"][0]["id"]);
    drop(client);
    agent.kill();
    let (_agent, port) = env.start_agent(&[]);
    let mut client = connect(&env, port).await;
    let after = client.wait_state(&sid2, "waiting_permission").await;
    assert_eq!(
        after["pending_permissions"][0]["id"], before["pending_permissions"][0]["id"],
        "no permission lost"
    );
    let pid = after["pending_permissions"][0]["id"].clone();
    let r = client
        .command(json!({"type": "reply_permission", "permission_id": pid, "reply": "once"}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    assert!(wait_file(&env.project.join("fault2.txt"), Duration::from_secs(20)).await);
    client.wait_state(&sid2, "idle").await;
    let twice = client
        .command(json!({"type": "reply_permission", "permission_id": pid, "reply": "once"}))
        .await;
    assert_eq!(twice["error"]["code"], "not_found");
    let first = client.sessions.lock().unwrap().get(&sid).cloned().expect("streamed session");
    assert_eq!(essence(&first), essence(&s), "the streamed session is unchanged");
}

/// Server feed: OpenCode dies mid-stream; its sessions go unavailable, and after a restart
/// they come back idle (the killed run is gone) with nothing pending.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opencode_killed_while_streaming() {
    let (_llm, llm_port) = start_llm();
    let env = Env::new("fault-oc", llm_port);
    let oc_port = free_port();
    let (mut opencode, url) = env.start_opencode(oc_port);
    let (_agent, port) = env.start_agent(&["--opencode", &format!("http://127.0.0.1:{oc_port}")]);
    let oc = Opencode::new(&url);
    let client = connect(&env, port).await;
    let sid = oc.create_session().await;
    oc.prompt(&sid, "STREAM:500:10").await;
    client.wait_state(&sid, "working").await;
    opencode.kill();
    client
        .wait_session(&sid, "unavailable", Duration::from_secs(25), |s| s["available"] == false)
        .await;
    let (_opencode, _) = env.start_opencode(oc_port);
    let s = client
        .wait_session(&sid, "back, idle", Duration::from_secs(45), |s| {
            s["available"] == true && s["state"] == "idle"
        })
        .await;
    assert!(s["pending_permissions"][0].is_null() && s["current_tool"].is_null(), "{s:#}");
}
