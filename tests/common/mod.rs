//! Harness for end-to-end tests: the real OpenCode binary (`OPENCODE_BIN`, installed by
//! `scripts/setup-opencode`), the project's fake LLM (`tests/fake_llm.py`) and the real
//! agent binary, each in isolated temp dirs on loopback, plus a websocket API client.
#![allow(dead_code)]

use futures_util::{SinkExt, StreamExt};
use opencode_lookout::{client, protocol::Pairing};
use serde_json::{json, Value};
use std::{
    collections::HashMap,
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use tokio::sync::{mpsc, Notify};
use tokio_tungstenite::tungstenite::Message;

pub mod standin;

/// How every harness runs OpenCode: offline switches and the project config.
fn project_setup() -> Value {
    serde_json::from_str(include_str!("../opencode_project.json"))
        .expect("tests/opencode_project.json")
}

/// A child process killed on drop; its stdout lines are kept.
pub struct Proc {
    pub child: Child,
    pub name: &'static str,
    /// Where its stderr (the log) goes.
    pub log: PathBuf,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Proc {
    /// What the process logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Ends the process the way a service manager does (SIGTERM) and waits for it.
    pub fn terminate(&mut self) {
        // SAFETY: kill(2) on our own child's pid; a stale pid only makes it fail.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let _ = self.child.wait();
    }

    /// Kills the process now (SIGKILL) and waits for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Spawns a command and waits for a stdout line matching `marker`; returns that line.
pub fn spawn_until(
    name: &'static str,
    cmd: &mut Command,
    marker: &str,
    timeout: Duration,
) -> (Proc, String) {
    // Logs go to a file per process (kept in the temp dir), not into the test output.
    static SEQ: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join("ocl-e2e-logs");
    let _ = std::fs::create_dir_all(&dir);
    let log_path = dir.join(format!("{name}-{}-{n}.log", std::process::id()));
    let log = std::fs::File::create(&log_path).map(Stdio::from).unwrap_or_else(|_| Stdio::null());
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    let marker = marker.to_owned();
    std::thread::spawn(move || {
        let mut sent = false;
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if !sent && line.contains(&marker) {
                let _ = tx.send(line);
                sent = true;
            }
        }
    });
    let proc = Proc { child, name, log: log_path.clone() };
    match rx.recv_timeout(timeout) {
        Ok(line) => (proc, line),
        Err(_) => panic!(
            "{name} did not print its listening line within {timeout:?}; log: {}",
            log_path.display()
        ),
    }
}

/// How tests run the agent (after the binary): tests/agent_launch.json, which the Home
/// Assistant tests read too, with its placeholders filled in.
pub fn agent_launch_args(config_dir: &Path, port: u16) -> Vec<String> {
    let args: Vec<String> = serde_json::from_str(include_str!("../agent_launch.json"))
        .expect("tests/agent_launch.json is a list of strings");
    let dir = config_dir.to_string_lossy();
    args.iter()
        .map(|a| a.replace("{config_dir}", &dir).replace("{port}", &port.to_string()))
        .collect()
}

/// The pinned OpenCode binary; the tests refuse to run without it.
pub fn opencode_bin() -> PathBuf {
    let bin = std::env::var_os("OPENCODE_BIN")
        .map(PathBuf::from)
        .expect("OPENCODE_BIN is not set: run the tests through scripts/test (it installs the pinned OpenCode)");
    assert!(bin.exists(), "OPENCODE_BIN {} does not exist", bin.display());
    bin
}

/// OpenCode 1.15.13 (`scripts/setup-opencode 1.15.13`, exported by scripts/test as
/// `OPENCODE_115_BIN`); the tests that need it refuse to run without it.
pub fn opencode_115_bin() -> PathBuf {
    let bin = std::env::var_os("OPENCODE_115_BIN")
        .map(PathBuf::from)
        .expect("OPENCODE_115_BIN is not set: run the tests through scripts/test (it installs OpenCode 1.15.13)");
    assert!(bin.exists(), "OPENCODE_115_BIN {} does not exist", bin.display());
    bin
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The agent binary built by cargo for these tests.
pub fn agent_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_opencode-lookout"))
}

/// Isolated dirs of one test.
pub struct Env {
    pub root: PathBuf,
    pub project: PathBuf,
    pub lookout_dir: PathBuf,
}

impl Env {
    /// Creates the temp tree and a git project with an opencode.json using the fake LLM.
    pub fn new(name: &str, llm_port: u16) -> Env {
        let root = std::env::temp_dir().join(format!("ocl-e2e-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let project = root.join("proj");
        for d in ["home", "data", "config", "cache", "state", "proj", "lookout"] {
            std::fs::create_dir_all(root.join(d)).expect("temp dir");
        }
        let config =
            project_setup()["config"].to_string().replace("{LLM_PORT}", &llm_port.to_string());
        std::fs::write(project.join("opencode.json"), config).expect("opencode.json");
        let git = |args: &[&str]| {
            let ok = Command::new("git")
                .args(args)
                .current_dir(&project)
                .env("HOME", root.join("home"))
                .output();
            assert!(ok.is_ok_and(|o| o.status.success()), "git {args:?} failed");
        };
        git(&["init", "-q"]);
        git(&[
            "-c",
            "user.email=t@t",
            "-c",
            "user.name=t",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "init",
        ]);
        Env { lookout_dir: root.join("lookout"), root, project }
    }

    /// The environment every process of this test gets.
    pub fn vars(&self) -> Vec<(String, String)> {
        let p = |d: &str| self.root.join(d).to_string_lossy().into_owned();
        let mut v = vec![
            ("HOME".to_owned(), p("home")),
            ("XDG_DATA_HOME".to_owned(), p("data")),
            ("XDG_CONFIG_HOME".to_owned(), p("config")),
            ("XDG_CACHE_HOME".to_owned(), p("cache")),
            ("XDG_STATE_HOME".to_owned(), p("state")),
        ];
        let setup = project_setup();
        let offline = setup["env"].as_object().expect("env object");
        v.extend(
            offline.iter().map(|(k, val)| (k.clone(), val.as_str().unwrap_or_default().to_owned())),
        );
        v
    }

    /// A command with this test's environment.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new(program);
        c.envs(self.vars())
            .env_remove("OPENCODE_SERVER_PASSWORD")
            .env("RUST_LOG", "opencode_lookout=debug");
        c
    }

    /// Runs an agent CLI command to completion; returns stdout.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = self
            .command(agent_bin())
            .arg("--config-dir")
            .arg(&self.lookout_dir)
            .args(args)
            .output()
            .expect("agent CLI runs");
        assert!(
            out.status.success(),
            "opencode-lookout {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Starts `opencode serve` in the project; returns it and its base URL.
    pub fn start_opencode(&self, port: u16) -> (Proc, String) {
        self.start_opencode_env(port, &[])
    }

    /// Starts `opencode serve` with extra environment variables.
    pub fn start_opencode_env(&self, port: u16, vars: &[(&str, &str)]) -> (Proc, String) {
        self.start_opencode_bin(&opencode_bin(), port, vars)
    }

    /// Starts `opencode serve` from another OpenCode binary than the pinned one.
    pub fn start_opencode_bin(
        &self,
        bin: &Path,
        port: u16,
        vars: &[(&str, &str)],
    ) -> (Proc, String) {
        let mut cmd = self.command(bin);
        cmd.envs(vars.iter().copied());
        cmd.args(["serve", "--hostname", "127.0.0.1", "--port", &port.to_string()])
            .current_dir(&self.project);
        let (proc, line) =
            spawn_until("opencode", &mut cmd, "listening on", Duration::from_secs(60));
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .expect("url in listening line");
        (proc, url.trim_end_matches('/').to_owned())
    }

    /// Starts the agent; returns it and its API port.
    pub fn start_agent(&self, extra: &[&str]) -> (Proc, u16) {
        self.start_agent_in(&self.lookout_dir, extra)
    }

    /// Starts the agent with extra environment variables.
    pub fn start_agent_env(&self, extra: &[&str], vars: &[(&str, &str)]) -> (Proc, u16) {
        self.start_agent_args(&self.lookout_dir, None, extra, vars)
    }

    /// Starts the agent with another coalescing interval than the tests' usual one.
    pub fn start_agent_coalescing(&self, coalesce_ms: u64, extra: &[&str]) -> (Proc, u16) {
        self.start_agent_args(&self.lookout_dir, Some(coalesce_ms), extra, &[])
    }

    /// Starts an agent with its own config dir (a second, independent agent).
    pub fn start_agent_in(&self, dir: &Path, extra: &[&str]) -> (Proc, u16) {
        self.start_agent_args(dir, None, extra, &[])
    }

    fn start_agent_args(
        &self,
        dir: &Path,
        coalesce_ms: Option<u64>,
        extra: &[&str],
        vars: &[(&str, &str)],
    ) -> (Proc, u16) {
        let mut args = agent_launch_args(dir, 0);
        if let Some(ms) = coalesce_ms {
            let at =
                args.iter().position(|a| a == "--coalesce-ms").expect("launch sets coalescing");
            args[at + 1] = ms.to_string();
        }
        let mut cmd = self.command(agent_bin());
        cmd.args(args);
        cmd.args(extra);
        cmd.envs(vars.iter().copied());
        let (proc, line) =
            spawn_until("agent", &mut cmd, "opencode-lookout listening", Duration::from_secs(20));
        let api =
            line.split_whitespace().find_map(|w| w.strip_prefix("api=")).expect("api address");
        let port = api.rsplit(':').next().and_then(|p| p.parse().ok()).expect("api port");
        (proc, port)
    }

    /// The pairing string of this test's agent (`opencode-lookout pair`).
    pub fn pairing(&self) -> String {
        self.cli(&["pair"]).trim().to_owned()
    }

    /// The pairing string of the agent with config dir `dir`.
    pub fn pairing_in(&self, dir: &Path) -> String {
        let dir = dir.to_str().expect("utf-8 dir");
        let out = self.command(agent_bin()).args(["--config-dir", dir, "pair"]).output();
        let out = out.expect("agent CLI runs");
        assert!(out.status.success(), "pair: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

/// Starts the fake LLM on a free port.
pub fn start_llm() -> (Proc, u16) {
    let mut cmd = Command::new("python3");
    cmd.arg(repo().join("tests/fake_llm.py")).args(["--port", "0"]);
    let (proc, line) = spawn_until("fake-llm", &mut cmd, "listening on", Duration::from_secs(10));
    let port = line.rsplit(':').next().and_then(|p| p.trim().parse().ok()).expect("fake LLM port");
    (proc, port)
}

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Minimal REST driver for OpenCode (how a user's TUI would act; not the agent under test).
pub struct Opencode {
    pub url: String,
    http: reqwest::Client,
    auth: Option<(String, String)>,
}

impl Opencode {
    /// A driver for the server at `url`.
    pub fn new(url: &str) -> Self {
        Opencode { url: url.to_owned(), http: reqwest::Client::new(), auth: None }
    }

    /// The same driver using HTTP Basic credentials.
    pub fn with_auth(mut self, user: &str, password: &str) -> Self {
        self.auth = Some((user.to_owned(), password.to_owned()));
        self
    }

    fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let r = self.http.request(method, format!("{}{path}", self.url));
        match &self.auth {
            Some((u, p)) => r.basic_auth(u, Some(p)),
            None => r,
        }
    }

    /// Creates a session; returns its id.
    pub async fn create_session(&self) -> String {
        let v = self.send_retrying(reqwest::Method::POST, "/session", Some(json!({}))).await;
        v["id"].as_str().expect("session id").to_owned()
    }

    /// Sends a request, retrying transport errors for a while: a freshly (re)started
    /// OpenCode sometimes resets its first connections.
    async fn send_retrying(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let mut req = self.req(method.clone(), path);
            if let Some(b) = &body {
                req = req.json(b);
            }
            match req.send().await {
                Ok(r) => return r.json().await.unwrap_or_else(|e| panic!("{method} {path}: {e}")),
                Err(e) if Instant::now() < deadline => {
                    eprintln!("{method} {path} failed ({e}); retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(e) => panic!("{method} {path}: {e}"),
            }
        }
    }

    /// Lists sessions (which also boots the project's instance).
    pub async fn list_sessions(&self) -> Vec<Value> {
        let v = self.send_retrying(reqwest::Method::GET, "/session", None).await;
        serde_json::from_value(v).expect("session list")
    }

    /// Deletes a session (as a user of the TUI or the web UI would).
    pub async fn delete_session(&self, session: &str) {
        let path = format!("/session/{session}");
        let r = self.req(reqwest::Method::DELETE, &path).send().await.expect("DELETE session");
        assert!(r.status().is_success(), "DELETE {path}: {}", r.status());
    }

    /// Sends a prompt without waiting.
    pub async fn prompt(&self, session: &str, text: &str) {
        let r = self
            .req(reqwest::Method::POST, &format!("/session/{session}/prompt_async"))
            .json(&json!({"parts": [{"type": "text", "text": text}]}))
            .send()
            .await
            .expect("prompt_async");
        assert!(r.status().is_success(), "prompt_async: {}", r.status());
    }
}

/// One event frame as received: when, its size in bytes, and its JSON.
#[derive(Debug, Clone)]
pub struct Received {
    pub at: Instant,
    pub bytes: usize,
    pub frame: Value,
}

/// A websocket API client that keeps the latest snapshot of every session, applying
/// `session_changed` deltas to the session it holds like any client must.
pub struct Client {
    tx: mpsc::UnboundedSender<Value>,
    pub sessions: Arc<Mutex<HashMap<String, Value>>>,
    pub events: Arc<Mutex<Vec<Value>>>,
    /// Every event frame, with its arrival time and size.
    pub received: Arc<Mutex<Vec<Received>>>,
    results: Arc<Mutex<HashMap<u64, Value>>>,
    changed: Arc<Notify>,
    next_id: u64,
}

impl Client {
    /// Connects over TLS pinned to the pairing string's fingerprint, authenticates with its
    /// token and subscribes (the port comes from the agent's listening line).
    pub async fn connect(port: u16, pairing: &str) -> Client {
        let p =
            Pairing::parse(pairing).unwrap_or_else(|| panic!("not a pairing string: {pairing}"));
        let trust = client::Trust::Pinned(p.fingerprint);
        let conn = client::Connection::connect(&format!("127.0.0.1:{port}"), &trust, &p.token)
            .await
            .expect("connect and authenticate");
        let (mut sink, mut stream) = conn.ws.split();
        let (tx, mut rx) = mpsc::unbounded_channel::<Value>();
        tokio::spawn(async move {
            while let Some(v) = rx.recv().await {
                if sink.send(Message::text(v.to_string())).await.is_err() {
                    break;
                }
            }
        });
        let client = Client {
            tx,
            sessions: Arc::default(),
            events: Arc::default(),
            received: Arc::default(),
            results: Arc::default(),
            changed: Arc::new(Notify::new()),
            next_id: 1,
        };
        let (sessions, events, received, results, changed) = (
            client.sessions.clone(),
            client.events.clone(),
            client.received.clone(),
            client.results.clone(),
            client.changed.clone(),
        );
        tokio::spawn(async move {
            while let Some(Ok(msg)) = stream.next().await {
                let Message::Text(t) = msg else { continue };
                let v: Value = serde_json::from_str(&t).expect("server frames are JSON");
                match v["type"].as_str() {
                    Some("result") => {
                        if let Some(list) = v["result"]["sessions"].as_array() {
                            let mut s = sessions.lock().unwrap();
                            for item in list {
                                s.insert(
                                    item["id"].as_str().unwrap_or_default().to_owned(),
                                    item.clone(),
                                );
                            }
                        }
                        results.lock().unwrap().insert(v["id"].as_u64().unwrap_or(0), v);
                    }
                    Some("event") => {
                        let r = Received { at: Instant::now(), bytes: t.len(), frame: v.clone() };
                        received.lock().unwrap().push(r);
                        if v["event"] == "session_changed" {
                            let id = v["session_id"].as_str().unwrap_or_default();
                            let mut all = sessions.lock().unwrap();
                            let s = all.get_mut(id).unwrap_or_else(|| {
                                panic!("session_changed for a session never sent whole: {v}")
                            });
                            for (k, val) in v["fields"].as_object().expect("fields object") {
                                assert!(s.get(k).is_some(), "unknown session field {k}: {v}");
                                s[k] = val.clone();
                            }
                        } else if v["event"] == "session_updated" {
                            let s = v["session"].clone();
                            sessions
                                .lock()
                                .unwrap()
                                .insert(s["id"].as_str().unwrap_or_default().to_owned(), s);
                        } else if v["event"] == "session_removed" {
                            sessions
                                .lock()
                                .unwrap()
                                .remove(v["session_id"].as_str().unwrap_or_default());
                        }
                        events.lock().unwrap().push(v);
                    }
                    _ => {}
                }
                changed.notify_waiters();
            }
        });
        let mut client = client;
        let r = client.command(json!({"type": "subscribe"})).await;
        assert_eq!(r["ok"], true, "subscribe: {r}");
        client
    }

    /// Sends a command and waits for its result.
    pub async fn command(&mut self, mut cmd: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        cmd["id"] = json!(id);
        self.tx.send(cmd).expect("client writer alive");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(r) = self.results.lock().unwrap().remove(&id) {
                return r;
            }
            assert!(Instant::now() < deadline, "no result for command {id}");
            let _ = tokio::time::timeout(Duration::from_millis(100), self.changed.notified()).await;
        }
    }

    /// Waits until a session satisfies `pred`; returns its snapshot.
    pub async fn wait_session(
        &self,
        id: &str,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(s) = self.sessions.lock().unwrap().get(id).filter(|s| pred(s)) {
                return s.clone();
            }
            if Instant::now() > deadline {
                let last = self.sessions.lock().unwrap().get(id).cloned();
                panic!("session {id}: timed out waiting for {what}; last snapshot: {last:#?}");
            }
            let _ = tokio::time::timeout(Duration::from_millis(100), self.changed.notified()).await;
        }
    }

    /// Waits for a state.
    pub async fn wait_state(&self, id: &str, state: &str) -> Value {
        self.wait_session(id, state, Duration::from_secs(45), |s| s["state"] == state).await
    }

    /// Events seen so far with this name.
    pub fn events_named(&self, name: &str) -> Vec<Value> {
        self.events.lock().unwrap().iter().filter(|e| e["event"] == name).cloned().collect()
    }
}

/// Waits for a file to appear.
pub async fn wait_file(path: &Path, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if path.exists() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    path.exists()
}

/// The fake LLM's request log.
pub async fn llm_requests(port: u16) -> Vec<Value> {
    reqwest::get(format!("http://127.0.0.1:{port}/_requests"))
        .await
        .expect("llm log")
        .json()
        .await
        .expect("json")
}
