//! The README's promise, end to end: a plain OpenCode TUI (no `--port`, no flags) with the
//! plugin installed shows up in `opencode-lookout sessions`, and `opencode-lookout approve`
//! unblocks its pending permission. tmux drives the real TUI; the CLI is the real binary.

mod common;

use common::*;
use serde_json::Value;
use std::{
    process::Command,
    time::{Duration, Instant},
};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .expect("tmux runs")
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

fn sessions(env: &Env, url: &str) -> Vec<Value> {
    let out = env.cli(&["sessions", "--json", "--url", url]);
    serde_json::from_str(&out).expect("sessions --json prints JSON")
}

fn wait_for(
    env: &Env,
    url: &str,
    what: &str,
    timeout: Duration,
    pred: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(s) = sessions(env, url).into_iter().find(|s| pred(s)) {
            return s;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {:#?}",
            sessions(env, url)
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn tui_session_is_visible_and_approvable_from_the_cli() {
    let (_llm, llm_port) = start_llm();
    let env = Env::new("tui", llm_port);
    env.cli(&["install-plugin"]);
    let (_agent, api_port) = env.start_agent(&[]);
    let url = format!("wss://127.0.0.1:{api_port}/");

    let tmux = Tmux { socket: format!("ocl-tui-{}", std::process::id()) };
    let mut cmd = vec!["env".to_owned()];
    cmd.extend(env.vars().into_iter().map(|(k, v)| format!("{k}={v}")));
    cmd.push(opencode_bin().to_string_lossy().into_owned());
    let project = env.project.to_string_lossy().into_owned();
    let mut args = vec!["new-session", "-d", "-s", "tui", "-x", "200", "-y", "50", "-c", &project];
    args.extend(cmd.iter().map(String::as_str));
    let out = tmux.run(&args);
    assert!(out.status.success(), "tmux new-session: {}", String::from_utf8_lossy(&out.stderr));

    // The TUI boots its instance at start; the plugin then dials in. Typing before the TUI
    // is up loses the keys, and booting takes from seconds to nearly a minute on a loaded
    // machine: wait for the plugin, then give the TUI a moment to draw.
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let mut client = Client::connect(api_port, &env.pairing()).await;
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let r = client.command(serde_json::json!({"type": "list_sessions"})).await;
            if r["result"]["instances"].as_array().is_some_and(|i| !i.is_empty()) {
                break;
            }
            assert!(Instant::now() < deadline, "the TUI's plugin never connected");
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    });
    // The TUI boots its instance at start (the first start in a fresh config dir also
    // installs OpenCode's plugin package, which can take half a minute); the plugin then
    // dials in. Type only once the prompt is drawn, or the keys are lost.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let pane = tmux.run(&["capture-pane", "-p", "-t", "tui"]);
        if String::from_utf8_lossy(&pane.stdout).contains("Ask anything") {
            break;
        }
        assert!(Instant::now() < deadline, "the TUI never drew its prompt");
        std::thread::sleep(Duration::from_millis(500));
    }
    std::thread::sleep(Duration::from_secs(2));
    tmux.run(&["send-keys", "-t", "tui", "-l", "RUN: echo tui > tui.txt"]);
    std::thread::sleep(Duration::from_millis(500));
    tmux.run(&["send-keys", "-t", "tui", "Enter"]);

    let s = wait_for(&env, &url, "waiting_permission", Duration::from_secs(60), |s| {
        s["state"] == "waiting_permission"
    });
    assert_eq!(s["pending_permissions"][0]["title"], "bash: echo tui > tui.txt", "{s:#}");
    assert_eq!(s["model"], "fake/fake-model");
    assert!(
        s["available"] == true
            && s["tokens_input"].as_u64().is_some()
            && s["cost"].as_f64().is_some()
    );
    let table = env.cli(&["sessions", "--url", &url]);
    let pid = s["pending_permissions"][0]["id"].as_str().expect("permission id").to_owned();
    assert!(table.contains("waiting_permission") && table.contains(&pid), "{table}");

    let out = env.cli(&["approve", &pid, "--url", &url]);
    assert!(out.contains("once"), "{out}");
    assert!(
        rt.block_on(wait_file(&env.project.join("tui.txt"), Duration::from_secs(30))),
        "the approved command ran in the TUI"
    );
    let id = s["id"].as_str().expect("id").to_owned();
    let done = wait_for(&env, &url, "idle", Duration::from_secs(45), |x| {
        x["id"] == id.as_str() && x["state"] == "idle"
    });
    assert!(done["pending_permissions"][0].is_null());
    assert!(done["tokens_output"].as_u64().is_some_and(|t| t >= 400), "{done:#}");
}
