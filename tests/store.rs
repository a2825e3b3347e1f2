//! The agent's store with the real binary: what survives a restart (sessions, served
//! unavailable until their OpenCode is back, and the usage totals), a corrupt store file,
//! and the `usage` command's output after a real prompt (real OpenCode + the fake LLM).

mod common;

use common::*;
use serde_json::{json, Value};
use std::{
    path::Path,
    time::{Duration, Instant},
};

const STORE: &str = "lookout.sqlite3";

/// Stops the agent the way systemd does (SIGTERM) and waits: it writes its store then.
fn terminate(agent: &mut Proc) {
    let pid = i32::try_from(agent.child.id()).expect("pid");
    // SAFETY: plain kill(2) on a child this test started and has not reaped.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Ok(Some(status)) = agent.child.try_wait() {
            assert!(status.success(), "the agent exited with {status} on SIGTERM");
            return;
        }
        assert!(Instant::now() < deadline, "the agent did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `list_sessions` until `pred` holds for its result; returns that result.
async fn wait_list(client: &mut Client, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(45);
    loop {
        let r = client.command(json!({"type": "list_sessions"})).await;
        if pred(&r["result"]) {
            return r["result"].clone();
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}; last: {r:#}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn session<'a>(list: &'a Value, id: &str) -> Option<&'a Value> {
    list["sessions"].as_array()?.iter().find(|s| s["id"] == id)
}

/// `usage --json` of this test's agent.
fn usage_json(env: &Env, args: &[&str]) -> Value {
    let out = env.cli(&[&["usage", "--json"][..], args].concat());
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("usage --json: {e}: {out}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_keeps_sessions_and_spend() {
    let (_llm, llm_port) = start_llm();
    let env = Env::new("store-restart", llm_port);
    let oc_port = free_port();
    let server = format!("http://127.0.0.1:{oc_port}");
    let (mut opencode, url) = env.start_opencode(oc_port);
    let (mut agent, api_port) = env.start_agent(&["--opencode", &server]);
    let pairing = env.pairing();
    let oc = Opencode::new(&url);
    let mut client = Client::connect(api_port, &pairing).await;
    let sid = oc.create_session().await;
    oc.prompt(&sid, "hello").await;
    let before = wait_list(&mut client, "the answer's usage", |r| {
        session(r, &sid).is_some_and(|s| s["state"] == "idle" && s["tokens_output"] == 200)
            && r["usage"]["messages"] == 1
    })
    .await;
    let usage = before["usage"].clone();
    assert_eq!(usage["tokens_output"], 200, "{usage:#}");
    assert!(usage["cost"].as_f64().is_some_and(|c| c > 0.0), "{usage:#}");

    // `usage` reads the ledger while the agent runs: the message's final usage is there
    // within the writer's batch window, counted once.
    let deadline = Instant::now() + Duration::from_secs(10);
    let report = loop {
        let r = usage_json(&env, &[]);
        if r["total"] == usage {
            break r;
        }
        assert!(Instant::now() < deadline, "usage never showed the message: {r:#}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert_eq!(report["days"].as_array().map(Vec::len), Some(1), "{report:#}");
    let day = &report["days"][0];
    assert_eq!((&day["day"], &day["model"]), (&json!(today), &json!("fake/fake-model")));
    for key in ["messages", "tokens", "tokens_input", "tokens_output", "tokens_cache_read", "cost"]
    {
        assert_eq!(day[key], usage[key], "{key}: {report:#}");
        assert_eq!(report["total"][key], usage[key], "{key}: {report:#}");
    }
    assert_eq!(report["total"]["since"], usage["since"]);
    let table = env.cli(&["usage", "--since", "7d"]);
    let row = table.lines().find(|l| l.starts_with(&today)).unwrap_or_else(|| panic!("{table}"));
    let cells: Vec<&str> = row.split_whitespace().collect();
    let cost = format!("{:.4}", usage["cost"].as_f64().unwrap_or_default());
    let tokens = usage["tokens"].to_string();
    assert_eq!(cells, [today.as_str(), "fake/fake-model", "1", &tokens, &cost], "{table}");

    // Agent and OpenCode both stop; the agent comes back first.
    terminate(&mut agent);
    opencode.kill();
    let (mut agent, api_port) = env.start_agent(&["--opencode", &server]);
    let mut client = Client::connect(api_port, &pairing).await;
    let list = client.command(json!({"type": "list_sessions"})).await["result"].clone();
    let s = session(&list, &sid).unwrap_or_else(|| panic!("the session was forgotten: {list:#}"));
    assert_eq!(s["available"], false, "{s:#}");
    assert_eq!(s["title"], before_title(&before, &sid), "{s:#}");
    assert_eq!(list["usage"], usage, "the totals changed over the restart");
    assert!(client.events_named("session_removed").is_empty());

    // OpenCode back: the same session is served available, and its message, seen again
    // through the resync, is not counted twice.
    let (_opencode, _) = env.start_opencode(oc_port);
    let list = wait_list(&mut client, "the session available again", |r| {
        session(r, &sid).is_some_and(|s| s["available"] == true)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let list = {
        let later = client.command(json!({"type": "list_sessions"})).await["result"].clone();
        assert_eq!(later["usage"], list["usage"]);
        later
    };
    assert_eq!(list["usage"], usage, "the totals changed after the resync");
    assert!(client.events_named("session_removed").is_empty());
    assert_eq!(usage_json(&env, &[])["total"], usage);

    // The store is written while the agent runs, not only when it stops: a second answer,
    // then SIGKILL once the writer's window has passed, loses nothing.
    oc.prompt(&sid, "hello again").await;
    let grown = wait_list(&mut client, "the second answer's usage", |r| {
        session(r, &sid).is_some_and(|s| s["state"] == "idle" && s["tokens_output"] == 400)
            && r["usage"]["tokens_output"] == 400
    })
    .await["usage"]
        .clone();
    assert_eq!(grown["messages"], 2, "{grown:#}");
    tokio::time::sleep(opencode_lookout::store::writer::WINDOW + Duration::from_millis(2500)).await;
    agent.kill();
    let (_agent, api_port) = env.start_agent(&["--opencode", &server]);
    let mut client = Client::connect(api_port, &pairing).await;
    let list = client.command(json!({"type": "list_sessions"})).await["result"].clone();
    assert!(session(&list, &sid).is_some(), "{list:#}");
    assert_eq!(list["usage"], grown, "the totals after SIGKILL");
}

fn before_title(list: &Value, id: &str) -> Value {
    session(list, id).map(|s| s["title"].clone()).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_store_is_moved_aside() {
    let env = Env::new("store-corrupt", 0);
    let garbage = vec![b'x'; 8192];
    std::fs::create_dir_all(&env.lookout_dir).expect("dir");
    std::fs::write(env.lookout_dir.join(STORE), &garbage).expect("garbage");
    let (_agent, api_port) = env.start_agent(&[]);
    let aside: Vec<_> = names(&env.lookout_dir)
        .into_iter()
        .filter(|n| n.starts_with(&format!("{STORE}.corrupt-")))
        .collect();
    assert_eq!(aside.len(), 1, "{:?}", names(&env.lookout_dir));
    assert_eq!(std::fs::read(env.lookout_dir.join(&aside[0])).expect("aside"), garbage);
    // The agent serves, from an empty store that `usage` can read.
    let mut client = Client::connect(api_port, &env.pairing()).await;
    let list = client.command(json!({"type": "list_sessions"})).await["result"].clone();
    assert_eq!(list["sessions"], json!([]), "{list:#}");
    assert_eq!(list["usage"]["messages"], 0, "{list:#}");
    assert_eq!(usage_json(&env, &[])["total"]["messages"], 0);
}

fn names(dir: &Path) -> Vec<String> {
    let mut n: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    n.sort();
    n
}
