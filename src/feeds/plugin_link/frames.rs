//! The plugin link's frames: one JSON object per line, `type` naming the frame.
//! `src/plugin.js` is the other side; docs/protocol.md describes the exchange.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Agent → plugin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentFrame {
    /// First frame on every connection: the nonce the plugin's proof covers.
    Challenge { nonce: String },
    /// The plugin's proof was right; `proof` is the agent's, over the plugin's nonce.
    Welcome { proof: String },
    /// The handshake failed; the agent closes the connection after this frame.
    Refused { reason: RefusedReason },
    /// A call into OpenCode's in-process API; answered by a `result` with the same id.
    Call { id: u64, method: String, path: String, body: Option<Value>, directory: Option<String> },
    /// Liveness check; the plugin answers `pong`.
    Ping,
}

/// Why the agent refused a plugin (the plugin logs it and retries slowly).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusedReason {
    /// The proof does not match the secret in the endpoint file (it was rotated?).
    InvalidProof,
    /// The hello was not a well-formed `hello` frame within the size limit.
    BadHello,
}

/// Plugin → agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PluginFrame {
    /// Answer to `challenge`: the plugin's proof and its own nonce, and who it is.
    Hello {
        proof: String,
        nonce: String,
        pid: u64,
        directory: Option<String>,
        worktree: Option<String>,
    },
    /// One OpenCode bus event, as OpenCode emitted it.
    Event { event: Value },
    /// The answer to a `call`: `status` and `body`, or `error` when the call threw.
    Result {
        id: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
        #[serde(default, skip_serializing_if = "Value::is_null")]
        body: Value,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// Answer to `ping`.
    Pong,
}

impl AgentFrame {
    /// The frame as one line of JSON (with its newline).
    pub fn to_line(&self) -> String {
        // Serializing these types cannot fail: no maps with non-string keys, no floats.
        let mut line = serde_json::to_string(self).unwrap_or_default();
        line.push('\n');
        line
    }
}

#[cfg(test)]
mod tests {
    //! The frames' JSON shape.
    use super::*;
    use serde_json::json;

    #[test]
    fn frames_round_trip() {
        let call = AgentFrame::Call {
            id: 3,
            method: "GET".into(),
            path: "/session".into(),
            body: None,
            directory: Some("/p".into()),
        };
        assert_eq!(
            call.to_line(),
            "{\"type\":\"call\",\"id\":3,\"method\":\"GET\",\"path\":\"/session\",\"body\":null,\"directory\":\"/p\"}\n"
        );
        assert_eq!(AgentFrame::Ping.to_line(), "{\"type\":\"ping\"}\n");
        let refused = AgentFrame::Refused { reason: RefusedReason::InvalidProof };
        assert_eq!(refused.to_line(), "{\"type\":\"refused\",\"reason\":\"invalid_proof\"}\n");
        let r: PluginFrame =
            serde_json::from_value(json!({"type": "result", "id": 1, "error": "boom"})).unwrap();
        assert_eq!(
            r,
            PluginFrame::Result {
                id: 1,
                status: None,
                body: Value::Null,
                error: Some("boom".into())
            }
        );
        let h: PluginFrame = serde_json::from_value(
            json!({"type": "hello", "proof": "p", "nonce": "n", "pid": 7, "directory": "/d"}),
        )
        .unwrap();
        assert!(matches!(h, PluginFrame::Hello { pid: 7, worktree: None, .. }));
    }

    /// The plugin handles every agent frame and sends every plugin frame under the same
    /// `type` names (it is JavaScript, so this is checked on its text).
    #[test]
    fn plugin_js_speaks_the_same_frames() {
        let js = include_str!("../../plugin.js");
        let tag = |v: Value| v["type"].as_str().map(str::to_owned).unwrap_or_default();
        let agent = [
            AgentFrame::Challenge { nonce: String::new() },
            AgentFrame::Welcome { proof: String::new() },
            AgentFrame::Refused { reason: RefusedReason::BadHello },
            AgentFrame::Call {
                id: 0,
                method: String::new(),
                path: String::new(),
                body: None,
                directory: None,
            },
            AgentFrame::Ping,
        ];
        for f in agent {
            let t = tag(serde_json::to_value(&f).unwrap());
            assert!(js.contains(&format!("msg.type === \"{t}\"")), "plugin.js ignores {t}");
        }
        let plugin = [
            PluginFrame::Hello {
                proof: String::new(),
                nonce: String::new(),
                pid: 0,
                directory: None,
                worktree: None,
            },
            PluginFrame::Event { event: Value::Null },
            PluginFrame::Result { id: 0, status: None, body: Value::Null, error: None },
            PluginFrame::Pong,
        ];
        for f in plugin {
            let t = tag(serde_json::to_value(&f).unwrap());
            assert!(js.contains(&format!("type: \"{t}\"")), "plugin.js never sends {t}");
        }
        for field in ["\"socket\"", "\"port\"", "\"secret\""] {
            let name = field.trim_matches('"');
            let sample = super::super::listener::EndpointFile {
                socket: Some(String::new()),
                port: Some(0),
                secret: String::new(),
            };
            assert!(serde_json::to_string(&sample).unwrap().contains(field));
            assert!(js.contains(&format!("ep.{name}")), "plugin.js does not read {name}");
        }
    }
}
