//! The command line's papercuts (issue 16), mostly through the real binary in a temp
//! config dir: what `rotate` and `sessions --url` say when used wrong, that a `sessions`
//! call leaves no info line in the agent's log, and that costs reach the CLI's client to
//! the last digit.
#![cfg(target_os = "linux")]

use opencode_lookout::{
    api::{self, Credentials, Settings},
    client::{self, Trust},
    hub::Hub,
    opencode::event::decode_line,
    protocol::{Command, CommandResult, Instance, InstanceKind},
    tracker::{self, rfc3339, Input, Tracker},
};
use serde_json::json;
use std::{
    fs,
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, Command as Process, Output, Stdio},
    sync::atomic::{AtomicUsize, Ordering},
    time::Duration,
};

const BIN: &str = env!("CARGO_BIN_EXE_opencode-lookout");

/// A fresh temp dir (`home/` inside), removed on drop.
struct Dir(PathBuf);

impl Dir {
    fn new() -> Dir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let root = std::env::temp_dir().join(format!("ocl-cli-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(root.join("home")).unwrap();
        Dir(root)
    }

    fn cfg(&self) -> PathBuf {
        self.0.join("cfg")
    }

    /// `opencode-lookout --config-dir <cfg> ARGS` with only PATH and HOME set.
    fn command(&self, args: &[&str]) -> Process {
        let mut cmd = Process::new(BIN);
        cmd.arg("--config-dir")
            .arg(self.cfg())
            .args(args)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", self.0.join("home"));
        cmd
    }

    fn output(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("cannot run the binary")
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// The real agent (default log level, stderr to `agent.log`), killed on drop.
struct Agent {
    child: Child,
    api: String,
    log: PathBuf,
}

impl Agent {
    fn start(dir: &Dir) -> Agent {
        let log = dir.0.join("agent.log");
        let mut child = dir
            .command(&["run", "--listen", "127.0.0.1:0", "--plugin-port", "0", "--no-mdns"])
            .arg("--no-opencode-service")
            .stdout(Stdio::piped())
            .stderr(fs::File::create(&log).unwrap())
            .spawn()
            .expect("agent");
        let stdout = child.stdout.take().expect("stdout");
        let line =
            BufReader::new(stdout).lines().map_while(Result::ok).find(|l| l.contains("listening"));
        let line = line.expect("listening line");
        let api = line.split_whitespace().find_map(|w| w.strip_prefix("api=")).unwrap().to_owned();
        Agent { child, api, log }
    }

    fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap()
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn rotate_before_the_first_run_says_there_is_nothing_to_rotate() {
    let dir = Dir::new();
    // The config dir missing entirely, then present but empty.
    for made in [false, true] {
        if made {
            fs::create_dir_all(dir.cfg()).unwrap();
        }
        let out = dir.output(&["rotate"]);
        let err = stderr(&out);
        assert!(!out.status.success(), "rotate succeeded with nothing to rotate");
        assert!(err.contains("nothing to rotate"), "{err}");
        assert!(err.contains("opencode-lookout run"), "says how to get a first token: {err}");
        assert!(!err.contains(".tmp"), "{err}");
        let files = fs::read_dir(dir.cfg()).map(|d| d.count()).unwrap_or(0);
        assert_eq!(files, 0, "rotate left files");
    }
    // After the first run it rotates.
    drop(Agent::start(&dir));
    let out = dir.output(&["rotate"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn sessions_with_a_wrong_url_scheme_says_what_to_use() {
    let dir = Dir::new();
    let agent = Agent::start(&dir);
    // A ws:// URL for the agent, which serves wss://.
    let out = dir.output(&["sessions", "--url", &format!("ws://{}", agent.api)]);
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(err.contains("--insecure-plaintext") && err.contains("wss://"), "{err}");
    let out = dir.output(&["sessions", "--url", &format!("http://{}", agent.api)]);
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(err.contains("wss://HOST:PORT"), "{err}");
    assert!(!err.contains("lookup address"), "{err}");
    // The right ones work.
    for url in [format!("wss://{}", agent.api), agent.api.clone()] {
        let out = dir.output(&["sessions", "--url", &url]);
        assert!(out.status.success(), "{url}: {}", stderr(&out));
    }
}

#[test]
fn a_sessions_call_adds_no_info_line_to_the_agent_log() {
    let dir = Dir::new();
    let agent = Agent::start(&dir);
    std::thread::sleep(Duration::from_millis(300));
    let before = agent.log();
    for _ in 0..3 {
        let out = dir.output(&["sessions", "--url", &agent.api]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    std::thread::sleep(Duration::from_millis(300));
    let after = agent.log();
    let added = after.strip_prefix(before.as_str()).expect("the log only grows");
    assert!(!added.contains("INFO"), "a script polling `sessions` floods the log:\n{added}");
    assert!(!added.contains("WARN"), "{added}");
}

/// Two message costs whose sum (0.00011200000000000001) serde_json reads as 0.000112
/// unless it parses floats exactly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn costs_reach_the_client_to_the_last_digit() {
    const TOKEN: &str = "test-token-0123456789abcdefghijklmnopqrstuvwxyz0";
    let hub =
        Hub::new(Tracker::new(tracker::Settings { hostname: "box".into(), max_sessions: 10 }));
    let ev = |v: serde_json::Value| Input::Event {
        instance_id: "plugin-1".into(),
        event: decode_line(&v.to_string()).expect("event"),
    };
    hub.apply(Input::Connected(Instance {
        id: "plugin-1".into(),
        kind: InstanceKind::Plugin,
        label: "opencode".into(),
        directory: Some("/home/me/proj".into()),
        opencode_version: Some("1.18.33".into()),
        connected: true,
        since: rfc3339(0),
    }));
    hub.apply(ev(json!({"type": "session.created", "properties": {"info": {
        "id": "ses_c", "title": "C", "directory": "/home/me/proj", "version": "1.18.33",
        "time": {"created": 1_795_324_757_055_i64, "updated": 1_795_324_757_055_i64}}}})));
    for (id, cost) in [("msg_a", 0.0001), ("msg_b", 0.000012)] {
        hub.apply(ev(json!({"type": "message.updated", "properties": {"info": {
            "id": id, "sessionID": "ses_c", "role": "assistant", "providerID": "fake",
            "modelID": "fake-model", "cost": cost,
            "tokens": {"input": 1, "output": 1, "reasoning": 0, "cache": {"read": 0, "write": 0}},
            "time": {"created": 1_795_324_757_100_i64}}}})));
    }
    let sent = hub.snapshot().sessions[0].cost_total;
    assert_eq!(serde_json::to_string(&sent).unwrap(), "0.00011200000000000001");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let settings = Settings::new(Credentials::new(TOKEN.into(), None), "id".into(), "box".into());
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(api::run(listener, hub, settings, async move {
        let _ = stopped.await;
    }));
    // What `sessions` calls, then prints with `--json`.
    let r = client::request(&addr, &Trust::Plaintext, TOKEN, Command::ListSessions).await;
    let Ok(CommandResult::Snapshot(s)) = r else { panic!("{r:?}") };
    let got = s.sessions[0].cost_total;
    assert_eq!(got.to_bits(), sent.to_bits(), "sent {sent:?}, the CLI read {got:?}");
    let printed = serde_json::to_string_pretty(&s.sessions).unwrap();
    assert!(printed.contains("\"cost_total\": 0.00011200000000000001"), "{printed}");
}
