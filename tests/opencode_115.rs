//! OpenCode 1.15.13 with the plugin: under `opencode serve` its plugins' in-process
//! client reaches a second instance of the directory that knows no pending permission
//! (404). The plugin retries such a call over OpenCode's own HTTP server, so a permission
//! asked there is answered through the agent's API and the command runs.

mod common;

use common::*;
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opencode_115_permission_answered_through_the_plugin() {
    let bin = opencode_115_bin();
    let (_llm, llm_port) = start_llm();
    let env = Env::new("oc115", llm_port);
    let out = env.cli(&["install-plugin"]);
    assert!(out.contains("opencode-lookout.js"), "{out}");
    let (_agent, api_port) = env.start_agent(&[]);
    let (_opencode, url) = env.start_opencode_bin(&bin, free_port(), &[]);
    let oc = Opencode::new(&url);
    let mut client = Client::connect(api_port, &env.pairing()).await;
    let sid = oc.create_session().await;
    let ready = Instant::now();
    while !client.command(json!({"type": "list_sessions"})).await["result"]["instances"]
        .as_array()
        .is_some_and(|i| i.iter().any(|i| i["kind"] == "plugin" && i["connected"] == true))
    {
        assert!(ready.elapsed() < Duration::from_secs(30), "the plugin never connected");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    oc.prompt(&sid, "RUN: echo hello > out115.txt").await;
    let s = client.wait_state(&sid, "waiting_permission").await;
    let perm = s["pending_permissions"][0].clone();
    assert_eq!(perm["title"], "bash: echo hello > out115.txt", "{s:#}");
    let r = client
        .command(json!({"type": "reply_permission", "session_id": sid, "permission_id": perm["id"], "reply": "once"}))
        .await;
    assert_eq!(r["ok"], true, "the plugin's answer reached the OpenCode that asked: {r}");
    assert!(
        wait_file(&env.project.join("out115.txt"), Duration::from_secs(20)).await,
        "the approved command ran"
    );
    let s = client.wait_state(&sid, "idle").await;
    assert!(s["pending_permissions"].as_array().is_some_and(Vec::is_empty), "{s:#}");
}
