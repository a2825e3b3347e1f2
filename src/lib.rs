//! OpenCode Lookout: watch and steer OpenCode sessions from Home Assistant.
//!
//! Layout:
//! - `opencode/`: OpenCode's wire formats (event decoding, SSE framing, REST calls).
//! - `tracker/`: the pure reducer from OpenCode events to session snapshots.
//! - `protocol`: the websocket API's wire types (see docs/protocol.md).
//! - `hub`: shared state between feeds and clients; fan-out and coalescing.
//! - `feeds/`: the plugin feed (OpenCode processes dial in) and the server feed (SSE).
//! - `server`: the websocket API for Home Assistant.
//! - `config`, `secrets`, `paths`: settings, the files holding tokens, their names.
//! - `client`: the CLI's client of the websocket API.

pub mod client;
pub mod commands;
pub mod config;
pub mod feeds;
pub mod hub;
pub mod install;
pub mod mdns;
pub mod opencode;
pub mod paths;
pub mod protocol;
pub mod secrets;
pub mod server;
pub mod service;
pub mod tracker;
