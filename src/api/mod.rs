//! The websocket API: the agent's listening side of the socket Home Assistant and the CLI
//! connect to (the client side is `crate::client`).
//! - `server`: the accept loop, admission and the settings (client slots, pre-auth pool).
//! - `connection`: one client: TLS, upgrade, `hello`, `auth`, then commands and events.
//! - `commands`: one function per command that reaches OpenCode.

mod commands;
mod connection;
pub mod server;

pub use server::{run, Credentials, Settings};
