//! The OpenCode 2 stand-in (`tests/opencode_v2.py`, the GA contract; no real V2 can be
//! installed here) as the Rust end-to-end tests run and script it.

use super::{repo, spawn_until, Env, Proc};
use serde_json::{json, Value};
use std::{process::Command, time::Duration};

/// One running stand-in service.
pub struct StandIn {
    pub proc: Proc,
    pub url: String,
    pub password: String,
    http: reqwest::Client,
}

impl StandIn {
    /// Starts a stand-in registered in `env`'s state dir, with `password` and extra flags.
    pub fn start(env: &Env, password: &str, extra: &[&str]) -> StandIn {
        let mut cmd = Command::new("python3");
        cmd.arg(repo().join("tests/opencode_v2.py"))
            .args(["--port", "0", "--password", password, "--heartbeat", "2"])
            .args(extra)
            .envs(env.vars());
        let (proc, line) = spawn_until("opencode-v2", &mut cmd, "READY", Duration::from_secs(20));
        let url = line.trim().trim_start_matches("READY").trim().to_owned();
        StandIn { proc, url, password: password.to_owned(), http: reqwest::Client::new() }
    }

    /// Calls a control route (`/__standin/<route>`) and returns its JSON answer.
    pub async fn control(&self, route: &str, body: Value) -> Value {
        let resp = self
            .http
            .post(format!("{}/__standin/{route}", self.url))
            .basic_auth("opencode", Some(&self.password))
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("stand-in {route}: {e}"));
        let status = resp.status();
        let v: Value = resp.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "stand-in {route} answered {status}: {v}");
        v
    }

    /// `GET /__standin/<route>`, `Null` when the stand-in does not answer.
    async fn get(&self, route: &str) -> Value {
        let resp = self
            .http
            .get(format!("{}/__standin/{route}", self.url))
            .basic_auth("opencode", Some(&self.password))
            .send()
            .await;
        match resp {
            Ok(r) => r.json().await.unwrap_or(Value::Null),
            Err(_) => Value::Null,
        }
    }

    /// The contract requests the stand-in received that change something.
    pub async fn calls(&self) -> Vec<Value> {
        self.get("calls").await["calls"].as_array().cloned().unwrap_or_default()
    }

    /// The last call to a path ending in `suffix`.
    pub async fn last_call(&self, suffix: &str) -> Value {
        let calls = self.calls().await;
        let hit =
            calls.iter().rev().find(|c| c["path"].as_str().is_some_and(|p| p.ends_with(suffix)));
        hit.cloned().unwrap_or_else(|| panic!("no call to …{suffix}; calls: {calls:#?}"))
    }

    /// The stand-in's own view (sessions, pending requests, subscribers).
    pub async fn state(&self) -> Value {
        self.get("state").await
    }

    /// Waits until `n` clients follow the event stream.
    pub async fn wait_subscribers(&self, n: u64) {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            if self.state().await["subscribers"].as_u64().unwrap_or(0) >= n {
                return;
            }
            assert!(std::time::Instant::now() < deadline, "nobody followed the stand-in's events");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A session in `directory` (a child when `parent` is given); returns its id.
    pub async fn session(&self, directory: &str, title: &str, parent: Option<&str>) -> String {
        let mut body = json!({"directory": directory, "title": title,
            "model": {"id": "fake-model", "providerID": "fake"}, "agent": "build"});
        if let Some(p) = parent {
            body["parentID"] = json!(p);
        }
        let s = self.control("session", body).await;
        s["id"].as_str().expect("session id").to_owned()
    }
}
