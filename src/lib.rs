//! OpenCode Lookout: watch and steer OpenCode sessions from Home Assistant.
//!
//! Data flows one way, left to right; commands flow back the same path:
//!
//! ```text
//! OpenCode ──▶ feeds/ ──▶ hub (tracker/) ──▶ api/ ══wss══▶ Home Assistant, the CLI (client)
//!   ▲  (plugin link, opencode serve)              │
//!   └──────────── opencode::api ◀── api::commands ┘
//! ```
//!
//! Where each job lives:
//! - `opencode/`: OpenCode's side of things: event decoding, SSE framing, and `api`, the
//!   handle for REST calls to one OpenCode instance.
//! - `feeds/`: how OpenCode reaches the agent: the plugin link (OpenCode processes dial in)
//!   and the `opencode serve` feed (the agent dials out, SSE + REST).
//! - `tracker/`: the pure reducer from OpenCode events to session snapshots.
//! - `hub`: the tracker plus everyone listening; fan-out, coalescing, the one lock.
//! - `protocol`: every frame of the websocket API as a typed struct (docs/protocol.md and
//!   the golden files in tests/fixtures/protocol/ are written from it).
//! - `api/`: the agent's listening side of the API socket: `server` (accept loop),
//!   `admission` (limits before trust), `preauth` (the pre-auth pool), `credentials`,
//!   `settings`, `connection` (TLS, upgrade, auth, one client), `commands`.
//! - `tls`: the agent's certificate, its fingerprint (the pairing identity), and the
//!   pinned client config; `rotation`: new secrets, taken up by the running agent at once.
//! - `client`: the connecting side of the API socket (the CLI, the tests, the bench).
//! - `mdns`: the DNS-SD advertisement of the API.
//! - `persist`: what the hub hands to the store and gets back at start.
//! - `store/`: the agent's memory (SQLite): sessions, instances, the usage ledger and its
//!   totals, retention; the `usage` command's report.
//! - `config`, `secrets`, `paths`: settings, the files holding secrets, their names.
//! - `text`: cutting text to a size (`clip`, `one_line`).
//! - `time`: the one time format of the wire and the store (`rfc3339`).
//! - `service`: `run` wires all of the above; `install`: plugin and service files.

pub mod api;
pub mod client;
pub mod config;
pub mod feeds;
pub mod hub;
pub mod install;
pub mod mdns;
pub mod opencode;
pub mod paths;
pub mod persist;
pub mod protocol;
pub mod rotation;
pub mod secrets;
pub mod service;
pub mod store;
pub mod text;
pub mod time;
pub mod tls;
pub mod tracker;
