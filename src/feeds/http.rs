//! The HTTP side shared by both server feeds (`opencode_serve` for OpenCode 1,
//! `opencode_service` for OpenCode 2): where a server is, its credentials, and answering
//! an instance's [`Api`] calls with requests to it.

use crate::opencode::api::{Call, Response, CALL_TIMEOUT};
use std::time::Duration;
use tokio::sync::mpsc;

/// The client both server feeds use.
pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder().connect_timeout(Duration::from_secs(5)).build().unwrap_or_default()
}

/// One attached server.
#[derive(Clone)]
pub struct Target {
    pub instance_id: String,
    pub url: url::Url,
    pub auth: Option<(String, String)>,
    pub max_sessions: usize,
}

// By hand, so a password never reaches a log through `{:?}`.
impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("instance_id", &self.instance_id)
            .field("url", &self.url.as_str())
            .field("auth", &self.auth.as_ref().map(|(user, _)| (user, "<redacted>")))
            .field("max_sessions", &self.max_sessions)
            .finish()
    }
}

impl Target {
    /// Builds a target; credentials in the URL take precedence over `auth`.
    pub fn new(
        instance_id: String,
        mut url: url::Url,
        auth: Option<(String, String)>,
        max_sessions: usize,
    ) -> Self {
        let mut auth = auth;
        if !url.username().is_empty() || url.password().is_some() {
            let user = if url.username().is_empty() {
                "opencode".to_owned()
            } else {
                url.username().to_owned()
            };
            auth = Some((user, url.password().unwrap_or_default().to_owned()));
            let _ = url.set_username("");
            let _ = url.set_password(None);
        }
        Target { instance_id, url, auth, max_sessions }
    }

    pub(crate) fn endpoint(&self, path: &str) -> String {
        format!("{}{}", self.url.as_str().trim_end_matches('/'), path)
    }

    pub(crate) fn request(
        &self,
        client: &reqwest::Client,
        method: reqwest::Method,
        path: &str,
    ) -> reqwest::RequestBuilder {
        let req = client.request(method, self.endpoint(path));
        match &self.auth {
            Some((u, p)) => req.basic_auth(u, Some(p)),
            None => req,
        }
    }
}

/// Answers the calls of an instance's [`Api`] with HTTP requests to it.
pub(crate) async fn serve_calls(
    client: reqwest::Client,
    target: Target,
    mut calls: mpsc::Receiver<Call>,
) {
    while let Some(call) = calls.recv().await {
        let (client, target) = (client.clone(), target.clone());
        tokio::spawn(async move {
            let result = http(&client, &target, &call).await.map_err(|e| e.to_string());
            let _ = call.reply.send(result);
        });
    }
}

async fn http(client: &reqwest::Client, target: &Target, call: &Call) -> reqwest::Result<Response> {
    let method =
        reqwest::Method::from_bytes(call.method.as_bytes()).unwrap_or(reqwest::Method::GET);
    let mut req = target.request(client, method, &call.path).timeout(CALL_TIMEOUT);
    if let Some(dir) = &call.directory {
        req = req.header("x-opencode-directory", dir);
    }
    if let Some(body) = &call.body {
        req = req.json(body);
    }
    let resp = req.send().await?;
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await?;
    let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    Ok(Response { status, body })
}
